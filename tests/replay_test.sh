#!/usr/bin/env bash
# The replayers' reporting options: --passes times the runs, --summary says
# what an input configured and reached, and scripts/lib/matrix.py counts
# only inputs that reached their combination (the device used a buffer).
. "$(dirname "$0")/support/shtest.sh"
build=$1
has() { grep -q -- "$2" <<<"$1" && ok "$3" || bad "$3 (got: $1)"; }

seeds=$top/corpora/fuzz_sim/seeds
n=$(find "$seeds" -type f | wc -l)
msg=$("$build/fuzz/replay_fuzz_sim" --passes 3 "$seeds" 2>&1 >/dev/null)
has "$msg" "^replay: $n inputs through fuzz_sim 3 times: [1-9][0-9]* inputs/s in the runs$" "--passes runs every input and prints the rate"
for badn in 0 -1 x 1000001; do
	"$build/fuzz/replay_fuzz_sim" --passes "$badn" "$seeds" >/dev/null 2>&1
	[ $? -eq 2 ] && ok "--passes $badn is a usage error" || bad "--passes $badn accepted"
done
# --costs: every phase a simulation has, the shares adding up to the total.
msg=$("$build/fuzz/replay_fuzz_sim" --passes 40 --costs "$seeds" 2>&1 >/dev/null)
costs=$(grep "^replay: cost per input" <<<"$msg")
has "$costs" "set-up [0-9.]* run [0-9.]* checks [0-9.]* teardown [0-9.]* target [0-9.]* total [0-9.]* ([1-9][0-9]* samples)" "--costs prints each phase's cost per input"
python3 - "$costs" <<'PY' && ok "--costs: the run and the checks took time, the phases add up to the total" || bad "--costs: $costs"
import re, sys
f = dict((k, float(v)) for k, v in re.findall(r"([a-z-]+) ([0-9.]+)", sys.argv[1]))
parts = sum(f[k] for k in ("set-up", "run", "checks", "teardown", "target"))
sys.exit(0 if f["run"] > 0 and f["checks"] > 0 and abs(parts - f["total"]) <= 0.01 * f["total"] + 0.05 else 1)
PY
# VRSIM_ACKNOWLEDGE "@GLOB KIND:PREFIX": a step-over holds only in the
# targets GLOB names (a kernel's known finding, never vrsim's own).
dev=$(ls "$build"/fuzz/replay_fuzz_linux_device-* 2>/dev/null | head -1)
ex=$top/catalogue/vringh-lenient-chains/example-indirect-with-next
ack='device-acceptance:q*: device took chain *, which the spec forbids: 2.7.5.3.1: INDIRECT together with NEXT'
if [ -z "$dev" ]; then
	bad "no replay_fuzz_linux_device-* in $build/fuzz (kernel sources missing?)"
else
	VRSIM_ACKNOWLEDGE="@fuzz_linux_device* $ack" "$dev" "$ex" >/dev/null 2>&1 &&
		ok "a step-over scoped to the target steps over its finding" ||
		bad "@fuzz_linux_device* did not step over the finding"
	(VRSIM_ACKNOWLEDGE="@fuzz_device $ack" "$dev" "$ex" >"$work/out" 2>&1; true) 2>/dev/null
	grep -q "finding \[device-acceptance\]" "$work/out" &&
		ok "a step-over scoped to another target does not hide the finding" ||
		bad "@fuzz_device stepped over fuzz_linux_device's finding"
	VRSIM_ACKNOWLEDGE="@fuzz_linux_device*" "$dev" "$ex" >"$work/err" 2>&1
	rc=$?
	[ $rc -ne 0 ] && grep -q "names targets but no finding" "$work/err" &&
		ok "a scope without a finding is refused" || bad "a scope alone: exit $rc"
fi
line=$("$build/fuzz/replay_fuzz_sim" --summary "$seeds/kvm-split-indirect-blk" 2>/dev/null)
has "$line" $'^'"$seeds/kvm-split-indirect-blk"$'\t' "the line starts with the file and a tab"
has "$line" "platform=kvm policy=never device=blk queue=4 " "platform, policy, device and queue as configured"
has "$line" " path=phys layout=split negotiated=indirect,version-1,access-platform " "the path, layout and features negotiated"
has "$line" " used=[1-9][0-9]* completed=[1-9]" "the run used and completed buffers"
line=$("$build/fuzz/replay_fuzz_sim" --summary "$seeds/empty-ops" 2>/dev/null)
has "$line" " steps=0 used=0 completed=0 " "an input with no operations reaches nothing"

"$build/fuzz/replay_fuzz_iommu" --summary "$top/corpora/fuzz_iommu/seeds" >/dev/null 2>"$work/err"
rc=$?
[ $rc -eq 2 ] && grep -q "no configuration" "$work/err" && ok "a DMA-layer target refuses --summary" ||
	bad "replay_fuzz_iommu --summary: exit $rc: $(cat "$work/err")"
"$build/fuzz/replay_fuzz_sim" --summary --decode "$seeds" >/dev/null 2>&1
[ $? -eq 2 ] && ok "--summary with --decode is a usage error" || bad "--summary --decode accepted"

# Counting: two inputs reach kvm/never split and xen/today packed, one is
# refused before the device used anything, one is of a newer format.
{
	printf 'fuzz_sim\ta\tplatform=kvm policy=never device=blk queue=4 path=phys layout=split negotiated=indirect,version-1 outcome=works steps=9 used=2 completed=2 findings=0\n'
	printf 'fuzz_sim\tb\tplatform=sev policy=today device=net queue=8 path=dma-api layout=packed negotiated=version-1,access-platform,packed outcome=broken steps=4 used=0 completed=0 findings=0\n'
	printf 'fuzz_driver\tc\tplatform=xen policy=today device=adversarial queue=2 path=dma-api layout=packed negotiated=version-1,access-platform,packed outcome=works steps=5 used=1 completed=1 findings=0\n'
	printf 'fuzz_sim\td\tinput version 50 is newer than this vrsim (1): not decoded\n'
} >"$work/in.tsv"
if python3 "$top/scripts/lib/matrix.py" "$work" <"$work/in.tsv" >"$work/out.txt"; then
	got=$(python3 -c 'import json, sys; m = json.load(open(sys.argv[1]))
print(sorted((c["platform"], c["policy"], c["layout"], c["inputs"]) for c in m["platform_policy_layout"]), m["reached"], m["inputs"])' "$work/matrix.json")
	want="[('kvm', 'never', 'split', 1), ('xen', 'today', 'packed', 1)] {'fuzz_sim': 1, 'fuzz_driver': 1} {'fuzz_sim': 3, 'fuzz_driver': 1}"
	[ "$got" = "$want" ] && ok "matrix.json counts only the inputs that reached" || bad "matrix.json: $got, want $want"
	grep -Eq '^kvm +1/0 ' "$work/matrix.txt" && grep -Eq '^sev( +\.)+$' "$work/matrix.txt" &&
		ok "matrix.txt: kvm/never split 1, sev reached nothing" || { bad "matrix.txt"; cat "$work/matrix.txt"; }
else
	bad "matrix.py failed"
fi
python3 "$top/scripts/lib/matrix.py" "$work" </dev/null >/dev/null
[ $? -eq 1 ] && ok "no summaries: exit 1" || bad "matrix.py accepted no input"

# --acknowledge steps over one known finding (a catalogue entry's
# Acknowledge: line) and no other: the 6.1 packed input's -EIO first, then
# the stale descriptor the device refuses.
r61=$build/fuzz/replay_fuzz_linux_sim-6.1
if [ -x "$r61" ]; then
	in=$top/catalogue/packed-map-failure-leaves-avail/input
	eio="api-contract:virtqueue_add returned -EIO after a DMA mapping failure"
	out=$("$r61" --keep-going "$in" 2>&1)
	has "$out" "finding \[api-contract\]: virtqueue_add returned -EIO" "without it the -EIO finding stops the run"
	out=$("$r61" --keep-going --acknowledge "$eio" "$in" 2>&1)
	has "$out" "^vrsim: acknowledged \[api-contract\]: virtqueue_add returned -EIO" "with it the -EIO finding is printed as acknowledged"
	has "$out" "finding \[protocol\]: device q0 refused" "and the run goes on to the next finding"
	grep -q "finding \[api-contract\]" <<<"$out" && bad "an acknowledged finding still counts" || ok "an acknowledged finding does not count"
	out=$("$r61" --keep-going --acknowledge "api-contract:some other message" "$in" 2>&1)
	has "$out" "finding \[api-contract\]: virtqueue_add returned -EIO" "another prefix acknowledges nothing"
	for arg in nokind "no-such-kind:x" "api-contract:"; do
		"$r61" --acknowledge "$arg" "$in" >/dev/null 2>&1
		[ $? -eq 2 ] && ok "--acknowledge $arg is a usage error" || bad "--acknowledge $arg accepted"
	done
fi
exit $fail
