#!/usr/bin/env bash
# The main job end to end (scripts/test runs this after the libFuzzer
# smoke): a short honest campaign finds nothing and writes its report
# without touching corpora/; Ctrl-C still merges and reports (exit 130); and
# in a copy of the tree with a bug injected (tests/mutants/02) the campaign
# reports the finding (exit 1) and scripts/reproduce reproduces it; then
# the nightly mode (tests/nightly_test.sh) on this tree and that copy.
. "$(dirname "$0")/support/shtest.sh"

# 1. honest, short
before=$(cd "$top" && git status --porcelain -- corpora)
"$top/scripts/fuzz" --duration 3 --targets fuzz_iommu,fuzz_swiotlb --out "$work/honest" >"$work/honest.log" 2>&1
rc=$?
check "honest campaign exits 0" [ $rc -eq 0 ]
check "it reports both targets with execs" [ "$(json "$work/honest/report.json" "sum(1 for t in d['targets'] for e in t['engines'] if e['execs'] > 0)")" = 2 ]
check "it writes report.html" [ -s "$work/honest/report.html" ]
check "it leaves corpora/ alone" [ "$(cd "$top" && git status --porcelain -- corpora)" = "$before" ]

# ... and its coverage report
"$top/scripts/coverage" --targets fuzz_iommu,fuzz_swiotlb --out "$work/cov" "$work/honest" >"$work/cov.log" 2>&1
rc=$?
check "scripts/coverage of the campaign exits 0" [ $rc -eq 0 ]
check "it writes the HTML report" [ -s "$work/cov/html/index.html" ]
check "it measures dma/ (some lines covered)" \
	[ "$(json "$work/cov/summary.json" "d['dma/']['lines']['covered'] > 0")" = True ]

# 2. interrupted, as Ctrl-C does it: SIGINT to the campaign's process
# group (job control on, or a background job would ignore SIGINT)
set -m
"$top/scripts/fuzz" --duration 60 --targets fuzz_sim --out "$work/int" >"$work/int.log" 2>&1 &
pid=$!
set +m
sleep 6
kill -INT -- -"$pid" 2>/dev/null
wait "$pid"
rc=$?
check "an interrupted campaign exits 130" [ $rc -eq 130 ]
check "and still reports (interrupted: true)" [ "$(json "$work/int/report.json" "d['campaign']['interrupted']")" = True ]
check "and merged the corpus" [ -n "$(ls -A "$work/int/corpus/fuzz_sim" 2>/dev/null)" ]
# ... whose combination matrix counts what its inputs reached
"$top/scripts/coverage" --targets fuzz_sim --out "$work/cov-int" "$work/int" >"$work/cov-int.log" 2>&1
rc=$?
check "scripts/coverage of the fuzz_sim corpus exits 0" [ $rc -eq 0 ]
check "its matrix counts every input and some that reached" \
	[ "$(json "$work/cov-int/matrix.json" "d['inputs']['fuzz_sim'] == $(ls "$work/int/corpus/fuzz_sim" | wc -l) and d['reached']['fuzz_sim'] > 0")" = True ]

# ... and as a job runner's timeout does it: SIGTERM to the script alone
"$top/scripts/fuzz" --duration 60 --targets fuzz_sim --out "$work/term" >"$work/term.log" 2>&1 &
pid=$!
sleep 6
kill -TERM "$pid"
wait "$pid"
rc=$?
check "SIGTERM: exit 130" [ $rc -eq 130 ]
check "SIGTERM: the report is written" [ -s "$work/term/report.json" ]
check "SIGTERM: no fuzzer is left running" [ -z "$(pgrep -f "$work/term/")" ]

# 3. a bug injected in a copy of this tree (tracked and new files)
tree=$work/tree
mkdir -p "$tree"
(cd "$top" && git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$tree")
(cd "$tree" && git apply "$top/tests/mutants/02-trusted-used-len.patch") ||
	{ echo "FAIL: mutant 02 does not apply"; exit 1; }
"$tree/scripts/fuzz" --duration 10 --targets fuzz_driver --out "$work/bug" >"$work/bug.log" 2>&1
rc=$?
check "a campaign on a buggy tree exits 1" [ $rc -eq 1 ]
check "and prints the finding" grep -q '^FINDING fuzz_driver \[protocol\]' "$work/bug.log"
crash=$(ls "$work/bug/crashes/fuzz_driver/"protocol-* 2>/dev/null | grep -v '\.txt$' | head -n1)
check "and keeps the crashing input" [ -n "$crash" ]
if [ -n "$crash" ]; then
	"$tree/scripts/reproduce" fuzz_driver "$crash" >"$work/repro.log" 2>&1
	rc=$?
	check "scripts/reproduce reproduces it (non-zero exit)" [ $rc -ne 0 ]
	check "and prints the finding" grep -q 'vrsim: finding \[protocol\]' "$work/repro.log"
	"$tree/build/default/fuzz/replay_fuzz_driver" --keep-going "$work/bug/crashes/fuzz_driver" \
		>/dev/null 2>"$work/keep.log"
	rc=$?
	check "replay --keep-going exits 1 on inputs with a finding" [ $rc -eq 1 ]
	check "and names each of them" \
		[ "$(grep -c ': finding \[protocol\]' "$work/keep.log")" -ge 2 ]
fi

# 4. the real kernels against a hostile device, as a fresh clone's default
# campaign runs them (shorter): their findings are all catalogued kernel
# findings, named as such, and the campaign exits 3; the same in nightly
# mode, night after night.
"$top/scripts/fuzz" --duration 15 --targets fuzz_linux_driver-6.1,fuzz_linux_driver-6.12 \
	--out "$work/kernels" >"$work/kernels.log" 2>&1
rc=$?
check "the pristine kernels' campaign exits 3 (only catalogued findings)" [ $rc -eq 3 ]
check "it names the catalogue entry" \
	grep -q '^known kernel finding: .*(catalogue/split-detach-trusts-next; .*affects 6\.1\.[0-9]*, 6\.12\.[0-9]*)' "$work/kernels.log"
check "and no finding as new" bash -c "! grep -q '^FINDING' '$work/kernels.log'"
check "report.json counts every finding as catalogued" \
	[ "$(json "$work/kernels/report.json" "d['findings'] > 0 and d['findings'] == d['catalogued']")" = True ]
# ... and with the catalogue's candidate fixes applied they search past
# those causes: nothing found (scripts/test's smoke wants the same)
"$top/scripts/fuzz" --apply-fixes --duration 10 --targets fuzz_linux_driver-6.1,fuzz_linux_driver-6.12 \
	--out "$work/fixed" >"$work/fixed.log" 2>&1
rc=$?
check "--apply-fixes: the fixed kernels' campaign exits 0" [ $rc -eq 0 ]
check "--apply-fixes: it says which fixes it applied" grep -q "^== applying the catalogue's fixes: .*split-detach-trusts-next/fix-6.1.patch" "$work/fixed.log"
check "--apply-fixes: report.json records it" [ "$(json "$work/fixed/report.json" "d['campaign']['fixes_applied']")" = True ]
mkdir -p "$work/kwd"
for night in 1 2; do
	"$top/scripts/fuzz" --duration 10 --no-coverage --targets fuzz_linux_driver-6.1,fuzz_linux_driver-6.12 \
		--workdir "$work/kwd" >"$work/kwd$night.log" 2>&1
	rc=$?
	check "nightly, night $night: exit 3, only catalogued findings" [ $rc -eq 3 ]
	check "nightly, night $night: it names them" grep -q '^known kernel finding: ' "$work/kwd$night.log"
done

# 5. the nightly mode (--workdir), on this tree and on the buggy copy
mkdir -p "$work/nightly"
"$top/tests/nightly_test.sh" "$top" "$tree" "$work/nightly" || fail=1

if [ $fail -ne 0 ]; then
	for f in honest cov int term bug repro keep kernels fixed kwd1 kwd2; do echo "---- $f.log"; tail -20 "$work/$f.log"; done
fi
exit $fail
