#!/usr/bin/env bash
# The vrsim command line end to end: exit statuses, outcomes, the matrix and
# the usage errors. Usage: tests/cli_test.sh path/to/vrsim
set -u

if [ $# -ne 1 ] || [ ! -x "$1" ]; then
	echo "usage: $0 path/to/vrsim" >&2
	exit 2
fi
VRSIM=$1
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
failures=0

fail() {
	echo "FAIL: $*" >&2
	echo "--- stdout" >&2; cat "$TMP/out" >&2
	echo "--- stderr" >&2; cat "$TMP/err" >&2
	failures=$((failures + 1))
}

# check STATUS PATTERN ARGS...: vrsim ARGS exits STATUS and prints a line
# matching the extended regex PATTERN on stdout or stderr.
check() {
	local want=$1 pattern=$2
	shift 2
	"$VRSIM" "$@" >"$TMP/out" 2>"$TMP/err"
	local got=$?
	if [ "$got" -ne "$want" ]; then
		fail "vrsim $*: exit $got, want $want"
	elif ! grep -Eq -- "$pattern" "$TMP/out" "$TMP/err"; then
		fail "vrsim $*: no line matches '$pattern'"
	elif grep -Eq 'runtime error:|AddressSanitizer|LeakSanitizer' "$TMP/err"; then
		fail "vrsim $*: sanitizer report"
	else
		echo "ok: vrsim $*"
	fi
}

# Outcomes of single runs.
check 0 '^outcome: +works$' run
check 0 '^driver: +vrsim \(' run
check 0 '^driver: +vrsim \(' run --driver vrsim
check 0 '^driver: vrsim(, device side: vrsim)?$' matrix --driver vrsim --steps 20
check 0 '^dev side: +vrsim \(' run --device-side vrsim
check 0 '^driver: vrsim$' matrix --device-side vrsim --steps 20
check 0 '^DMA path: +DMA API$' run --platform kvm
check 1 '^outcome: +private' run --platform sev --no-access-platform --policy never
check 1 '^  \[private-memory-access\] x[0-9]+: ' run --platform sev --no-access-platform --policy never
check 0 '^outcome: +refused' run --platform sev --no-access-platform --policy today
check 0 '^DMA path: +refused' run --platform sev --no-access-platform --policy today
check 0 '^offered: +indirect,event-idx,version-1,packed' run --no-access-platform
check 0 '^accepted: +indirect,version-1$' run --offer indirect,version-1
check 0 '^steps: +37 ' run --steps 37 --seed 5
check 0 'q0 driver add token=' run --trace
check 0 'earlier events not shown' run --trace-lines 20
lines=$("$VRSIM" run --trace-lines 20 | sed -n '/^\[ *[0-9]*\] /p' | wc -l)
if [ "$lines" -ne 20 ]; then
	echo "FAIL: --trace-lines 20 printed $lines events" >&2
	failures=$((failures + 1))
fi
check 1 '^outcome: +dma-fault' run --platform xen --policy never

# The scheduler driven by a file: runs until the input ends.
head -c 200 /dev/zero | tr '\0' '\120' >"$TMP/input"
check 0 'input .*, 200 bytes' run --input "$TMP/input"
grep -q 'looks like a fuzz target' "$TMP/out" &&
	fail "run --input: scheduler bytes taken for a fuzz target's input"
# A fuzz target's input (a header, a crash file of a campaign's
# crashes/TARGET/) is not scheduler bytes: run says so and names the
# command that replays it as its target does.
top=$(cd "$(dirname "$0")/.." && pwd)
check 0 '^ +scripts/reproduce fuzz_sim .*/seeds/kvm-split-indirect-blk$' run --input "$top/corpora/fuzz_sim/seeds/kvm-split-indirect-blk"
cp "$top/corpora/fuzz_sim/seeds/kvm-split-indirect-blk" "$TMP/seed"
check 0 "looks like a fuzz target's input" run --input "$TMP/seed"
check 0 "^ +scripts/reproduce TARGET $TMP/seed\$" run --input "$TMP/seed"
mkdir -p "$TMP/crashes/fuzz_driver"
cp "$top/corpora/fuzz_sim/seeds/empty-ops" "$TMP/crashes/fuzz_driver/crash-0"
check 0 "^ +scripts/reproduce fuzz_driver $TMP/crashes/fuzz_driver/crash-0\$" run --input "$TMP/crashes/fuzz_driver/crash-0"

# The matrix: two rows (AP yes and no) per platform, a legend.
platforms=$("$VRSIM" help run | sed -n 's/^platforms: *//p')
if [ -z "$platforms" ]; then
	echo "FAIL: no platform list in 'vrsim help run'" >&2
	failures=$((failures + 1))
fi
"$VRSIM" matrix >"$TMP/matrix" 2>"$TMP/err"
status=$?
[ $status -eq 0 ] || { echo "FAIL: matrix exits $status" >&2; failures=$((failures + 1)); }
for p in $platforms; do
	for ap in yes no; do
		if ! grep -Eq "^$p +$ap( +(works|dma-fault|private|refused|broken|finding)){6}$" "$TMP/matrix"; then
			echo "FAIL: matrix has no '$p $ap' row" >&2
			failures=$((failures + 1))
		fi
	done
done
grep -Eq '^sev +no +private .* refused$' "$TMP/matrix" ||
	{ echo "FAIL: matrix: sev without AP is not private...refused" >&2; failures=$((failures + 1)); }
echo "ok: matrix rows for: $platforms"
# With the Linux kernels built in: a column per kernel beside the
# policies, and what the kernels do where vrsim's today policy differs.
if "$VRSIM" matrix --driver linux --steps 60 >"$TMP/lmatrix" 2>"$TMP/err"; then
	nk=$(head -n 2 "$TMP/lmatrix" | tail -n 1 | grep -o 'linux-[0-9.]*' | wc -l)
	[ "$nk" -ge 1 ] || { echo "FAIL: matrix --driver linux has no kernel column" >&2; failures=$((failures + 1)); }
	grep -Eq "^sev +no +private( +[a-z-]+){5}( +refused){$nk}$" "$TMP/lmatrix" ||
		{ echo "FAIL: matrix --driver linux: the kernels do not refuse sev without AP" >&2; failures=$((failures + 1)); }
	# POWER secure guests set no mem_acc callback: Linux takes the
	# device and hands it private memory where vrsim's today refuses.
	grep -Eq "^ppc-ultravisor +no( +[a-z-]+){5} +refused( +private){$nk}$" "$TMP/lmatrix" ||
		{ echo "FAIL: matrix --driver linux: ppc-ultravisor without AP" >&2; failures=$((failures + 1)); }
	echo "ok: matrix --driver linux with $nk kernels"
else
	check 2 "driver 'linux' is not built into this vrsim" matrix --driver linux
fi
check 0 '^\| kvm \| yes \| works \|' matrix --format markdown
check 0 '^- `today`: ' matrix --format markdown --steps 20

# Decoding fuzz inputs, of every target the registry knows.
check 0 '^driver +vrsim$' decode "$top/corpora/fuzz_sim/seeds/empty-ops"
check 0 '^outcome: ' decode --target fuzz_driver "$top/corpora/fuzz_sim/seeds/empty-ops"
check 0 '^map [0-9]+ from-device ' decode --target fuzz_swiotlb "$top/corpora/fuzz_swiotlb/seeds/exhaustion"
check 0 '^== .*/seeds/[^ ]+ \([0-9]+ bytes\)$' decode --target fuzz_iommu "$top/corpora/fuzz_iommu/seeds/$(ls "$top/corpora/fuzz_iommu/seeds" | head -n 1)"
check 2 "unknown target 'nope'; valid targets: fuzz_sim fuzz_driver fuzz_device fuzz_swiotlb fuzz_iommu" decode --target nope x
check 2 "cannot read '$TMP/missing'" decode "$TMP/missing"
# The Linux targets, by the replayers' names: each kernel's, and plain.
lseed=$top/corpora/fuzz_linux_driver/seeds/$(ls "$top/corpora/fuzz_linux_driver/seeds" | head -n 1)
versions=$("$VRSIM" decode --help | grep -o 'fuzz_linux_driver-[0-9.]*' | sed 's/.*-//')
if [ -n "$versions" ]; then
	for v in $versions; do
		check 0 '^driver +linux$' decode --target "fuzz_linux_driver-$v" "$lseed"
		check 0 '^driver +linux$' decode --target "fuzz_linux_sim-$v" "$lseed"
	done
	check 0 '^driver +linux$' decode --target fuzz_linux_driver "$lseed"
	check 2 "unknown target 'fuzz_linux_sim-0.1'; valid targets: .*fuzz_linux_sim-" decode --target fuzz_linux_sim-0.1 "$lseed"
else
	check 2 "built without a Linux source" decode --target fuzz_linux_sim-6.1 "$lseed"
fi

# Help and version.
check 0 '^usage: vrsim ' --help
check 0 '^usage: vrsim ' help
check 0 '^usage: vrsim run ' run --help
check 0 '^usage: vrsim matrix ' help matrix
check 0 '^vrsim 0\.1$' --version

# Indices started below the wrap, the largest queue, a steady phase.
check 0 "buffers: +[0-9]+ submitted, [0-9]+ completed" run --start 65533 --steady 512 --queue-size 32768
check 0 "outcome: +works" run --driver vrsim --offer version-1,packed --start 65530 --queue-size 8 --steady 256

# Usage errors: exit 2 and a message that says what is wrong.
check 2 "unknown platform 'nowhere'; valid platforms: kvm .*sev" run --platform nowhere
check 2 "unknown driver 'bsd'; valid drivers: vrsim" run --driver bsd
check 2 "unknown driver 'bsd'; valid drivers: vrsim" matrix --driver bsd
check 2 "unknown device side 'vringh'; valid device sides: vrsim" run --device-side vringh
check 2 "unknown device side 'vringh'; valid device sides: vrsim" matrix --device-side vringh
# The Linux device sides: built in with a Linux source, refused otherwise.
for side in linux linux-kern; do
	if "$VRSIM" help run | grep -Eq "^device sides:.* $side( |\$)"; then
		check 0 "^dev side: +$side \(.*, Linux [0-9.]+\)$" run --device-side $side --steps 20
		check 0 "^driver: vrsim, device side: $side \(vringh of Linux [0-9.]+\)$" matrix --steps 20
	else
		check 2 "device side '$side' is not built into this vrsim.*device sides here: vrsim" run --device-side $side
		check 2 "device side '$side' is not built into this vrsim" matrix --device-side $side
	fi
done
# Each kernel's vringh, picked with --kernel as --driver linux's ring is:
# with vrsim's driver (a mixed pair), with Linux's own, and in the matrix
# a table per kernel. linux-kern cannot run where a bus address is not a
# GPA: a clear message, and n/a cells in the matrix.
dversions=$("$VRSIM" matrix --device-side linux --steps 5 2>/dev/null |
	sed -n 's/^driver: vrsim, device side: linux (vringh of Linux \([0-9]*\.[0-9]*\)\..*/\1/p')
for v in $versions; do
	if ! echo "$dversions" | grep -qx "$v"; then
		check 2 "Linux $v\.[0-9]+ has no drivers/vhost/vringh.c" run --kernel "$v" --device-side linux
		continue
	fi
	check 0 "^dev side: +linux \(.*, Linux $v\.[0-9]+\)$" run --kernel "$v" --device-side linux
	check 0 '^outcome: +works$' run --kernel "$v" --device-side linux --platform hw-virtio
	check 0 "^driver: +linux \(.* $v\.[0-9]+\)$" run --kernel "$v" --driver linux --device-side linux
	check 0 '^outcome: +works$' run --kernel "$v" --driver linux --device-side linux --platform sev
	check 0 "^dev side: +linux-kern \(.*, Linux $v\.[0-9]+\)$" run --kernel "$v" --device-side linux-kern
	check 0 '^outcome: +works$' run --kernel "$v" --driver linux --device-side linux-kern
	check 2 "device side linux-kern cannot run on platform hw-virtio: .*GPA" run --kernel "$v" --device-side linux-kern --platform hw-virtio
	check 0 "^driver: vrsim, device side: linux \(vringh of Linux $v\.[0-9]+\)$" matrix --device-side linux --steps 20
	check 0 "^driver: linux, device side: linux-kern \(vringh of Linux $v\.[0-9]+\)$" matrix --driver linux --device-side linux-kern --steps 20
done
if [ -n "$dversions" ]; then
	"$VRSIM" matrix --device-side linux-kern --steps 20 >"$TMP/kmatrix" 2>"$TMP/err" ||
		{ echo "FAIL: matrix --device-side linux-kern exits $?" >&2; failures=$((failures + 1)); }
	nt=$(grep -c '^driver: vrsim, device side: linux-kern (vringh of Linux ' "$TMP/kmatrix")
	[ "$nt" -eq "$(echo "$dversions" | wc -l)" ] ||
		{ echo "FAIL: matrix --device-side linux-kern: $nt tables for kernels $dversions" >&2; failures=$((failures + 1)); }
	grep -Eq '^kvm +yes( +works){6}$' "$TMP/kmatrix" &&
		grep -Eq '^hw-virtio +yes( +n/a){6}$' "$TMP/kmatrix" &&
		grep -q '^n/a: linux-kern cannot run on the platform: .*GPA' "$TMP/kmatrix" ||
		{ echo "FAIL: matrix --device-side linux-kern: no works on kvm, n/a on hw-virtio and its legend" >&2; failures=$((failures + 1)); }
	# Every table of the whole matrix: vrsim's, then linux and linux-kern per kernel.
	"$VRSIM" matrix --steps 20 >"$TMP/amatrix" 2>"$TMP/err"
	nt=$(grep -c '^driver: vrsim, device side: ' "$TMP/amatrix")
	[ "$nt" -eq $((1 + 2 * $(echo "$dversions" | wc -l))) ] ||
		{ echo "FAIL: matrix: $nt tables" >&2; failures=$((failures + 1)); }
	echo "ok: the Linux device sides of $(echo $dversions)"
fi
if [ -n "$versions" ]; then
	check 2 "unknown kernel '0.1'; kernels here: [0-9]" run --kernel 0.1
else
	check 2 "--kernel 6.1: no Linux kernel is built into this vrsim" run --kernel 6.1
fi
check 2 "unknown policy 'sometimes'; valid policies: never " run --policy sometimes
check 2 "unknown device 'gpu'; valid devices: blk net adversarial" run --device gpu
check 2 "unknown feature 'bogus'; valid features: indirect " run --offer indirect,bogus
check 2 "unrecognized option '--frobnicate'" run --frobnicate
check 2 "unknown command 'frob'; valid commands: run matrix" frob
check 2 "--steps: trailing characters in '12x'" run --steps 12x
check 2 "--steps needs a number, not '-1'" run --steps -1
check 2 "--steps needs a number, not ''" run --steps ''
check 2 "--seed: '99999999999999999999999' is out of range" run --seed 99999999999999999999999
check 2 "--queue-size: '40000' is out of range" run --queue-size 40000
check 2 "power of two" run --queue-size 48 --offer version-1
check 2 "--start: '65536' is out of range" run --start 65536
check 2 "--steady needs a number, not '-3'" run --steady -3
check 2 "unknown format 'html'" matrix --format html
check 2 "cannot read input file '$TMP/missing': No such file" run --input "$TMP/missing"
check 2 "unexpected argument 'extra'" run extra

if [ $failures -ne 0 ]; then
	echo "$failures check(s) failed" >&2
	exit 1
fi
echo "all vrsim command-line checks passed"
