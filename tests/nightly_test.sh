#!/usr/bin/env bash
# The nightly mode end to end (tests/campaign_test.sh runs this):
#   nightly_test.sh TOP MUTANT_TREE WORK
# On the honest tree TOP: bad work dirs are refused (exit 2) and left as
# they were; two nights on one work dir, the second starting from the
# first's corpus; a run killed with kill -9 mid-way, resumed by the next
# with no input lost (counted); a second run on a locked work dir; a full
# disk (a small tmpfs). On MUTANT_TREE (tests/mutants/02 applied): the bug
# is a new finding the first night (exit 1) and a known one the second
# (exit 3), remembered with its minimised input, in the report.
. "$(dirname "$0")/support/shtest.sh"
rmdir "$work"
top=$1 tree=$2 work=$3
nights() { grep -c . "$1/history.jsonl" 2>/dev/null || echo 0; }
# the contents (sha1) of every input file under the dirs given
contents() { find "$@" -type f ! -name '.*' -exec sha1sum {} + 2>/dev/null | cut -d' ' -f1 | sort -u; }
# every line of file $1 is a line of file $2
subset() { [ -z "$(comm -23 "$1" "$2")" ]; }
fuzz() { "$top/scripts/fuzz" --targets fuzz_iommu --no-coverage "$@"; }

# ---------------------------------------------------------------- refusals
wd=$work/wd
fuzz --workdir "$wd" --duration 2 >"$work/n-missing.log" 2>&1
check "a missing work dir: exit 2" [ $? -eq 2 ]
check "and it says how to make one" grep -q "no work directory .*mkdir -p" "$work/n-missing.log"
check "and creates nothing" [ ! -e "$wd" ]
mkdir -p "$work/notours" && echo keep >"$work/notours/file"
fuzz --workdir "$work/notours" --duration 2 >"$work/n-notours.log" 2>&1
check "a non-empty dir that is no work dir: exit 2" [ $? -eq 2 ]
check "and it is left alone" [ "$(ls -A "$work/notours")" = file ]
fuzz --workdir "$work/x" --out "$work/y" >"$work/n-both.log" 2>&1
check "--out with --workdir: exit 2" [ $? -eq 2 ]
fuzz --workdir "$work/x" --budget 8x >"$work/n-budget.log" 2>&1
check "a malformed --budget: exit 2" [ $? -eq 2 ]
fuzz --workdir "$work/x" --budget 1h --duration 5 >/dev/null 2>&1
check "--budget with --duration: exit 2" [ $? -eq 2 ]

# ---------------------------------------------------------------- two nights
mkdir -p "$wd"
fuzz --workdir "$wd" --duration 3 >"$work/n1.log" 2>&1
rc=$?
check "night 1 of an honest tree: exit 0" [ $rc -eq 0 ]
check "it writes one history record" [ "$(nights "$wd")" -eq 1 ]
contents "$wd/corpus" >"$work/corpus1"
check "and a corpus" [ "$(wc -l <"$work/corpus1")" -gt 0 ]
fuzz --workdir "$wd" --duration 3 >"$work/n2.log" 2>&1
rc=$?
check "night 2: exit 0" [ $rc -eq 0 ]
n2=$(ls "$wd/nights" | sort | tail -n1)
contents "$wd/nights/$n2/work/libfuzzer/fuzz_iommu/seeds" >"$work/seeds2"
check "night 2 started from night 1's corpus (every input of it)" subset "$work/corpus1" "$work/seeds2"
contents "$wd/corpus" >"$work/corpus2"
check "and the corpus kept every input of night 1" subset "$work/corpus1" "$work/corpus2"
check "two history records" [ "$(nights "$wd")" -eq 2 ]
check "report.html" [ -s "$wd/report.html" ]
check "report.json" [ -s "$wd/report.json" ]

# ---------------------------------------------------------------- refusals of a work dir
cp "$wd/history.jsonl" "$work/history.good"
echo '{"night": broken' >>"$wd/history.jsonl"
cp "$wd/history.jsonl" "$work/history.bad"
fuzz --workdir "$wd" --duration 2 >"$work/n-corrupt.log" 2>&1
check "a corrupt history: exit 2" [ $? -eq 2 ]
check "naming the line" grep -q "history.jsonl: line 3 is not a JSON record" "$work/n-corrupt.log"
check "and the history is left as it was" cmp -s "$wd/history.jsonl" "$work/history.bad"
cp "$work/history.good" "$wd/history.jsonl"
cp "$wd/VERSION" "$work/VERSION.good"
echo '{"workdir": 1, "input_version": 99}' >"$wd/VERSION"
fuzz --workdir "$wd" --duration 2 >"$work/n-newer.log" 2>&1
check "a work dir of a newer input version: exit 2" [ $? -eq 2 ]
check "saying it is newer" grep -q "newer than this vrsim" "$work/n-newer.log"
cp "$work/VERSION.good" "$wd/VERSION"
check "refusals ran no night" [ "$(ls "$wd/nights" | wc -l)" -eq 2 ]

# ---------------------------------------------------------------- kill -9
"$top/scripts/fuzz" --targets fuzz_iommu,fuzz_swiotlb --no-coverage --workdir "$wd" --duration 120 \
	>"$work/n3.log" 2>&1 &
pid=$!
n3=""
for _ in $(seq 60); do
	sleep 1
	n3=$(ls "$wd/nights" | sort | tail -n1)
	[ "$n3" != "$n2" ] && [ -d "$wd/nights/$n3/work/libfuzzer/fuzz_swiotlb/queue" ] && break
done
sleep 6
# a second run while the first holds the lock
fuzz --workdir "$wd" --duration 2 >"$work/n-locked.log" 2>&1
rc=$?
check "a second run on a work dir in use: exit 2" [ $rc -eq 2 ]
check "saying who holds it" grep -q "is in use by another run (pid $pid" "$work/n-locked.log"
# a fuzzer killed under the script: its worker starts it again
kill -KILL "$(cat "$wd/nights/$n3/work/libfuzzer/fuzz_iommu"/pid.* | head -n1)"
sleep 3
check "a killed fuzzer is started again" \
	compgen -G "$wd/nights/$n3/work/libfuzzer/fuzz_iommu/pid.*.2" >/dev/null
kill -KILL "$pid"
wait "$pid" 2>/dev/null
# the watchdog stops its fuzzers and the lock is free again
flock -w 30 "$wd/.lock" true
check "the killed run's fuzzers are stopped" [ -z "$(pgrep -f "$wd/nights/$n3/")" ]
# what is on disk once the killed run's last process ended (libFuzzer
# itself replaces a queue entry by a smaller one with the same features
# while it runs: that is not a loss)
contents "$wd/corpus" "$wd/nights/$n3/work/libfuzzer"/*/queue >"$work/before-kill"
check "the killed night had new inputs on disk" \
	[ "$(wc -l <"$work/before-kill")" -gt "$(wc -l <"$work/corpus2")" ]
fuzz --workdir "$wd" --duration 3 >"$work/n4.log" 2>&1
rc=$?
check "the next run: exit 0" [ $rc -eq 0 ]
check "it says it finished the killed night" grep -q "night $n3 was cut short" "$work/n4.log"
contents "$wd/corpus" >"$work/after-kill"
check "no input of the killed night was lost ($(wc -l <"$work/before-kill") counted)" \
	subset "$work/before-kill" "$work/after-kill"
check "the killed night has its record (recovered)" \
	[ "$(python3 -c "import json,sys; print([json.loads(l)['recovered'] for l in open(sys.argv[1])])" "$wd/history.jsonl")" = "[False, False, True, False]" ]

# ---------------------------------------------------------------- older inputs
python3 -c "import json; json.dump({'workdir': 1, 'input_version': 1}, open('$wd/VERSION', 'w'))"
printf '\001old-input-of-version-1' >"$wd/corpus/fuzz_iommu/v1-input"
fuzz --workdir "$wd" --budget 10 >"$work/n5.log" 2>&1
rc=$?
check "a work dir of input version 1: runs (exit 0)" [ $rc -eq 0 ]
check "saying its inputs are kept" grep -q "input version 1; those inputs are kept" "$work/n5.log"
check "and keeping them" [ -f "$wd/corpus/fuzz_iommu/v1-input" ]
check "--budget 10: 85% of the time the build leaves" \
	grep -q "^== budget: 10 s in all, [0-9]* s left after the build: [1-9] s per target" "$work/n5.log"

# ---------------------------------------------------------------- Ctrl-C
before=$(nights "$wd")
set -m
"$top/scripts/fuzz" --targets fuzz_iommu --no-coverage --workdir "$wd" --duration 60 >"$work/n6.log" 2>&1 &
pid=$!
set +m
sleep 8
kill -INT -- -"$pid" 2>/dev/null
wait "$pid"
rc=$?
check "Ctrl-C in nightly mode: exit 130" [ $rc -eq 130 ]
check "and the night is recorded as interrupted" \
	[ "$(python3 -c "import json,sys; r=[json.loads(l) for l in open(sys.argv[1])]; print(len(r), r[-1]['interrupted'])" "$wd/history.jsonl")" = "$((before + 1)) True" ]
contents "$wd/corpus" >"$work/after-int"
check "and its corpus kept every earlier input" subset "$work/after-kill" "$work/after-int"

# ---------------------------------------------------------------- full disk
small=$work/small
mkdir -p "$small"
mounted=false
if mount -t tmpfs -o size=16m tmpfs "$small" 2>/dev/null; then
	mounted=true
fi
if $mounted; then
	mkdir -p "$small/wd"
	fuzz --workdir "$small/wd" --duration 2 >"$work/d1.log" 2>&1
	check "a night on a small file system: exit 0" [ $? -eq 0 ]
	contents "$small/wd/corpus" >"$work/small-before"
	# room for the start of a night, not for all of it
	fallocate -l "$(($(df -Pk "$small" | awk 'NR == 2 {print $4}') - 400))K" "$small/filler"
	fuzz --workdir "$small/wd" --duration 3 >"$work/d2.log" 2>&1
	rc=$?
	check "the disk fills up: exit 4 (not 1)" [ $rc -eq 4 ]
	check "with no Python traceback" bash -c "! grep -q Traceback '$work/d2.log'"
	check "saying the disk is full" grep -qi "disk.*full\|no space left" "$work/d2.log"
	contents "$small/wd/corpus" >"$work/small-after"
	check "and nothing of the corpus is lost" subset "$work/small-before" "$work/small-after"
	rm -f "$small/filler"
	fuzz --workdir "$small/wd" --duration 2 >"$work/d3.log" 2>&1
	check "with space again, the next night runs (exit 0)" [ $? -eq 0 ]
	umount "$small"
	# read-only (as root, permissions do not stop a write: a read-only mount does)
	mkdir -p "$work/ro"
	mount -t tmpfs -o ro,size=1m tmpfs "$work/ro"
	fuzz --workdir "$work/ro" --duration 2 >"$work/n-ro.log" 2>&1
	check "a read-only work dir: exit 2" [ $? -eq 2 ]
	check "saying it cannot be written" grep -q "cannot write in work directory" "$work/n-ro.log"
	umount "$work/ro"
else
	echo "skip: full disk (cannot mount a tmpfs here: not root)"
	mkdir -p "$work/ro" && chmod 555 "$work/ro"
	fuzz --workdir "$work/ro" --duration 2 >"$work/n-ro.log" 2>&1
	check "a read-only work dir: exit 2" [ $? -eq 2 ]
	check "saying it cannot be written" grep -q "cannot write in work directory" "$work/n-ro.log"
fi

# ---------------------------------------------------------------- a planted bug
mwd=$work/mutant-wd
mkdir -p "$mwd"
"$tree/scripts/fuzz" --workdir "$mwd" --targets fuzz_driver --duration 10 >"$work/m1.log" 2>&1
rc=$?
check "mutant 02, night 1: a new finding, exit 1" [ $rc -eq 1 ]
check "it prints NEW FINDING" grep -q '^NEW FINDING fuzz_driver \[protocol\]' "$work/m1.log"
meta=$(ls "$mwd"/findings/fuzz_driver/protocol-*/finding.json 2>/dev/null | head -n1)
check "it remembers the finding" [ -n "$meta" ]
if [ -n "$meta" ]; then
	fdir=$(dirname "$meta")
	check "with an input no bigger than the crash" \
		[ "$(json "$meta" "d['size'] <= d['original_size']")" = True ]
	check "and its decoded program" grep -q . "$fdir/decoded.txt"
	check "which reproduces it" bash -c "! '$tree/build/default/fuzz/replay_fuzz_driver' '$fdir/input' >/dev/null 2>&1" 2>/dev/null
fi
check "the night's record has source line coverage" \
	[ "$(python3 -c "import json,sys; r=[json.loads(l) for l in open(sys.argv[1])][-1]; print(r['targets']['fuzz_driver']['lines']['covered'] > 0)" "$mwd/history.jsonl")" = True ]
check "the report names the finding" grep -q "protocol" "$mwd/report.html"
nfound=$(ls -d "$mwd"/findings/fuzz_driver/*/ | wc -l)
"$tree/scripts/fuzz" --workdir "$mwd" --targets fuzz_driver --duration 10 --no-coverage >"$work/m2.log" 2>&1
rc=$?
check "night 2: the same finding is known, exit 3" [ $rc -eq 3 ]
check "it prints KNOWN FINDING" grep -q '^KNOWN FINDING fuzz_driver \[protocol\]' "$work/m2.log"
[ -n "$meta" ] && check "seen on 2 nights" [ "$(json "$meta" "d['nights']")" = 2 ]
check "and no finding directory more than the first night's" [ "$(ls -d "$mwd"/findings/fuzz_driver/*/ | wc -l)" -eq "$nfound" ]

if [ $fail -ne 0 ]; then
	for f in "$work"/n*.log "$work"/d*.log "$work"/m*.log; do
		[ -f "$f" ] && { echo "---- $(basename "$f")"; tail -15 "$f"; }
	done
fi
exit $fail
