#!/usr/bin/env bash
# Every script answers a wrong flag or argument with a message and exit
# status 2, before it installs, builds or runs anything.
set -uo pipefail
top=$1
fail=0
expect2() { # description, command...
	local what=$1 rc
	shift
	"$@" >/dev/null 2>"$tmp"
	rc=$?
	if [ $rc -ne 2 ] || ! [ -s "$tmp" ]; then
		echo "FAIL: $what: exit $rc (want 2 with a message): $*"
		cat "$tmp"
		fail=1
	else
		echo "ok: $what: $(head -n1 "$tmp")"
	fi
}
# the same, and the message says PATTERN (grep -E)
expect2_says() { # pattern, description, command...
	local pattern=$1 what=$2 rc
	shift 2
	"$@" >/dev/null 2>"$tmp"
	rc=$?
	if [ $rc -ne 2 ] || ! grep -qE -- "$pattern" "$tmp"; then
		echo "FAIL: $what: exit $rc (want 2 saying '$pattern'): $*"
		cat "$tmp"
		fail=1
	else
		echo "ok: $what: $(head -n1 "$tmp")"
	fi
}
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
s=$top/scripts
for script in test fuzz bench bench-fuzz coverage gen-corpora mutants reproduce check-layering oss-fuzz-build; do
	expect2 "$script: unknown flag" "$s/$script" --no-such-flag
done
expect2 "fuzz: zero duration" "$s/fuzz" --duration 0
expect2 "fuzz: duration not a number" "$s/fuzz" --duration 1m
expect2 "fuzz: unknown engine" "$s/fuzz" --engine honggfuzz
expect2 "fuzz: unknown target" "$s/fuzz" --targets fuzz_sim,fuzz_nope
expect2 "fuzz: flag without value" "$s/fuzz" --jobs
expect2 "fuzz: jobs not a number" "$s/fuzz" --jobs many
expect2 "reproduce: missing file" "$s/reproduce" fuzz_sim /nonexistent/input
expect2 "reproduce: directory as file" "$s/reproduce" fuzz_sim "$top"
expect2 "reproduce: unknown target" "$s/reproduce" fuzz_nope "$top/README.md"
expect2 "reproduce: no file" "$s/reproduce" fuzz_sim
# the Linux device side's targets are Linux targets like the ring's
expect2_says "unknown target 'fuzz_nope'" "fuzz: device targets known, with or without a version" \
	"$s/fuzz" --targets fuzz_linux_device,fuzz_linux_devsim-6.1,fuzz_nope
expect2_says "unknown target 'fuzz_linux_devices'" "fuzz: no such Linux target" "$s/fuzz" --targets fuzz_linux_devices
expect2_says "unknown target 'fuzz_nope'" "coverage: device targets known" \
	"$s/coverage" --targets fuzz_linux_devsim-6.12,fuzz_linux_device-6.1,fuzz_nope
expect2_says "--kernel /nonexistent: no such file" "reproduce: --kernel takes fuzz_linux_device" \
	"$s/reproduce" --kernel /nonexistent fuzz_linux_device-6.1 "$top/README.md"
expect2_says "--kernel /nonexistent: no such file" "reproduce: --kernel takes fuzz_linux_devsim" \
	"$s/reproduce" --kernel /nonexistent fuzz_linux_devsim "$top/README.md"
expect2_says "not a Linux target" "reproduce: --report of vrsim's own target" \
	"$s/reproduce" --report fuzz_device "$top/README.md"
expect2 "mutants: bad time" "$s/mutants" run --time x
expect2 "mutants: unknown mutant" "$s/mutants" run 99-no-such-mutant
expect2 "bench-fuzz: bad seconds" "$s/bench-fuzz" --seconds -1
expect2 "coverage: not a campaign dir" "$s/coverage" /nonexistent
expect2 "coverage: unknown target" "$s/coverage" --targets fuzz_nope
expect2 "oss-fuzz-build: no build environment" env -u OUT -u LIB_FUZZING_ENGINE CC=cc "$s/oss-fuzz-build"
expect2 "check-layering: not a tree" "$s/check-layering" /nonexistent
exit $fail
