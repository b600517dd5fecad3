#!/usr/bin/env bash
# Determinism of every fuzz target: the same input gives the same run and
# trace whatever ran before it (all inputs in one process, in two orders,
# against each input alone in a fresh process) and, given a second build, whatever compiled it (the gcc and
# clang builds print the same). Inputs: the shipped seeds and regressions
# and pseudo-random inputs from a fixed seed.
#   determinism_test.sh BUILD_DIR [OTHER_BUILD_DIR]
set -uo pipefail
[ $# -ge 1 ] && [ $# -le 2 ] || { echo "usage: $0 BUILD_DIR [OTHER_BUILD_DIR]" >&2; exit 2; }
build=$1 other=${2:-}
top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export LC_ALL=C

# N pseudo-random inputs of 1..600 bytes into DIR; the first byte is the
# format version so the simulation targets read the rest.
random_inputs() {
	awk -v n="$1" -v seed="$2" -v dir="$3" 'BEGIN {
		srand(seed)
		for (i = 0; i < n; i++) {
			f = sprintf("%s/random-%03d", dir, i)
			len = 1 + int(rand() * 600)
			printf "%c", 1 > f
			for (k = 1; k < len; k++)
				printf "%c", int(rand() * 256) > f
			close(f)
		}
	}'
}

# The decode output of the inputs given, one block per input (each starts
# "== PATH (N bytes)"), put back in sorted order of PATH.
decode_sorted() {
	local blocks rc
	blocks=$(mktemp -d "$work/blocks.XXXX")
	# stderr passes (a sanitizer report must reach ctest), but for the
	# replayer's count line
	"$1" --decode "${@:2}" 2> >(grep -v '^replay: ' >&2) >"$blocks.out"
	rc=$?
	[ $rc -eq 0 ] || { echo "FAIL: $1 exited with status $rc"; touch "$work/crashed"; } >&2
	awk -v dir="$blocks" '
		/^== .* \([0-9]+ bytes\)$/ {
			if (f) close(f)
			f = $2; gsub("/", "_", f); f = dir "/" f
		}
		f { print > f }' "$blocks.out"
	if [ -n "$(ls -A "$blocks")" ]; then
		(cd "$blocks" && ls | sort | xargs cat)
	fi
	rm -rf "$blocks" "$blocks.out"
}

fail=0 n=0
for replay in "$build"/fuzz/replay_fuzz_*; do
	t=${replay##*/replay_}
	[ "$t" = fuzz_empty ] && continue
	# fuzz_linux_X is fuzz_linux_X-VERSION of the first kernel: once
	case $t in fuzz_linux_*-[0-9]*) ;; fuzz_linux_*)
		ls "$replay"-[0-9]* >/dev/null 2>&1 && continue ;;
	esac
	d="$work/$t"
	seeds=${t%-[0-9]*} # fuzz_linux_sim-6.1's corpus is fuzz_linux_sim's
	mkdir -p "$d"
	for src in "$top/corpora/$seeds/seeds" "$top/corpora/$seeds/regressions"; do
		[ -d "$src" ] && cp "$src"/* "$d/" 2>/dev/null
	done
	random_inputs 40 $((++n)) "$d"
	mapfile -t fwd < <(ls -d "$d"/* | sort)
	mapfile -t rev < <(ls -d "$d"/* | sort -r)
	decode_sorted "$replay" "${fwd[@]}" >"$work/$t.fwd"
	decode_sorted "$replay" "${rev[@]}" >"$work/$t.rev"
	for f in "${fwd[@]}"; do decode_sorted "$replay" "$f"; done >"$work/$t.alone"
	if ! [ -s "$work/$t.fwd" ] || ! cmp -s "$work/$t.fwd" "$work/$t.rev" ||
		! cmp -s "$work/$t.fwd" "$work/$t.alone"; then
		echo "FAIL: $t: a run depends on the inputs before it"
		diff "$work/$t.fwd" "$work/$t.rev" | head -20
		diff "$work/$t.fwd" "$work/$t.alone" | head -20
		fail=1
	else
		echo "ok: $t: ${#fwd[@]} inputs, same runs in both orders and alone"
	fi
	if [ -n "$other" ]; then
		decode_sorted "$other/fuzz/replay_$t" "${fwd[@]}" >"$work/$t.other"
		if ! cmp -s "$work/$t.fwd" "$work/$t.other"; then
			echo "FAIL: $t: $build and $other run the same input differently"
			diff "$work/$t.fwd" "$work/$t.other" | head -20
			fail=1
		else
			echo "ok: $t: same runs in $(basename "$build") and $(basename "$other")"
		fi
	fi
done
[ $n -gt 0 ] || { echo "FAIL: no replayers in $build/fuzz"; fail=1; }
[ -e "$work/crashed" ] && fail=1
exit $fail
