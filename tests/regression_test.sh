#!/usr/bin/env bash
# Regressions (corpora/*/regressions/, replayed by the corpus_* tests) stay
# described: every input has exactly one "NAME: DESCRIPTION" line in its
# corpus's regressions.txt and every line names an input, so none can be
# dropped or added silently. And scripts/reproduce --add-regression works
# end to end in a copy of the tree, with this build's replayer (nothing is
# built): it stores the input and its line, and refuses a NAME taken, a
# missing FILE and an unknown target (exit 2) without writing anything.
#   tests/regression_test.sh TOP REPLAY_FUZZ_DRIVER
set -uo pipefail
top=$1 replayer=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
check() { # description, condition...
	local what=$1
	shift
	if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; fail=1; fi
}
all() { # condition [&& condition...], as one string, for check
	eval "$1"
}

# described TREE: prints each problem; status 0 when there is none.
described() {
	local tree=$1 bad=0 c f n txt names
	for c in "$tree"/corpora/*/; do
		c=${c%/}
		txt=$c/regressions.txt
		[ -d "$c/regressions" ] || [ -f "$txt" ] || continue
		names=$(grep -v '^[[:space:]]*\(#\|$\)' "$txt" 2>/dev/null | sed -n 's/^\([^:]*\):.*/\1/p')
		if [ -f "$txt" ]; then
			n=$(grep -v '^[[:space:]]*\(#\|$\)' "$txt" | grep -cv '^[A-Za-z0-9_-][A-Za-z0-9._-]*: [^[:space:]]')
			[ "$n" -eq 0 ] || { echo "${txt#"$tree"/}: $n line(s) not 'NAME: DESCRIPTION'"; bad=1; }
		fi
		for f in "$c"/regressions/*; do
			[ -e "$f" ] || continue
			f=$(basename "$f")
			[ -f "$c/regressions/$f" ] || { echo "${c#"$tree"/}/regressions/$f: not a regular file"; bad=1; continue; }
			n=$(printf '%s\n' "$names" | grep -cxF -- "$f")
			[ "$n" -eq 1 ] || { echo "${c#"$tree"/}/regressions/$f: $n line(s) in regressions.txt (want 1)"; bad=1; }
		done
		while IFS= read -r n; do
			[ -n "$n" ] || continue
			[ -f "$c/regressions/$n" ] || { echo "${txt#"$tree"/}: '$n' names no file in regressions/"; bad=1; }
		done <<<"$names"
		for f in "$c"/regressions/.[!.]*; do
			[ -e "$f" ] && { echo "${f#"$tree"/}: a hidden file (a leftover?)"; bad=1; }
		done
	done
	return $bad
}

# 1. this tree
described "$top" >"$work/described.log"
rc=$?
cat "$work/described.log"
check "every regression of corpora/ has exactly one line, every line an input" [ $rc -eq 0 ]

# 2. --add-regression in a copy of the tree (tracked and new files)
tree=$work/tree
mkdir -p "$tree"
if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	(cd "$top" && git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$tree")
else
	cp -r "$top/scripts" "$top/fuzz" "$top/corpora" "$tree/"
fi
r=$tree/scripts/reproduce
c=$tree/corpora/fuzz_driver
seeds=("$tree"/corpora/fuzz_driver/seeds/*)
today=$(date -u +%F)
state() { (cd "$tree/corpora" && find . -type f | sort | xargs md5sum); }
before_names=$(cd "$c/regressions" 2>/dev/null && ls -A)
line_of() { grep -c "^$1: " "$c/regressions.txt" 2>/dev/null; }

"$r" --add-regression t-first fuzz_driver "${seeds[0]}" --replayer "$replayer" >"$work/add1.log" 2>&1
rc=$?
check "add: exit 0" [ $rc -eq 0 ]
check "add: the input is stored byte for byte" cmp -s "${seeds[0]}" "$c/regressions/t-first"
check "add: one line, 'found nothing when added on' today" \
	[ "$(grep -cxF "t-first: found nothing when added on $today" "$c/regressions.txt")" = 1 ]
check "add: regressions.txt starts with a comment" [ "$(head -c1 "$c/regressions.txt")" = "#" ]
check "add: it says where it stored it" grep -q 'stored corpora/fuzz_driver/regressions/t-first' "$work/add1.log"
check "add: no warning for an input that replays clean" bash -c "! grep -q 'not fixed here' '$work/add1.log'"

"$r" --add-regression t-second fuzz_driver "${seeds[1]}" --why "once found a test's bug" \
	--replayer "$replayer" >"$work/add2.log" 2>&1
rc=$?
check "add --why: exit 0, one line" all '[ $rc -eq 0 ] && [ "$(line_of t-second)" = 1 ]'
check "add --why: the line says TEXT" grep -qxF "t-second: once found a test's bug" "$c/regressions.txt"

# An input that still finds something: a stand-in replayer that reports.
cat >"$work/finds" <<'EOF'
#!/bin/sh
echo "vrsim: finding [protocol]: used len 9 for id 0 exceeds its 8 writable bytes" >&2
exit 134
EOF
chmod +x "$work/finds"
"$r" --add-regression t-third fuzz_driver "${seeds[2]}" --replayer "$work/finds" >"$work/add3.log" 2>&1
rc=$?
check "add of an input that still finds: exit 0 nonetheless" [ $rc -eq 0 ]
check "and 'once found' its finding, with the date" grep -qxF \
	"t-third: once found [protocol]: used len 9 for id 0 exceeds its 8 writable bytes (added on $today)" \
	"$c/regressions.txt"
check "and warns that the bug is not fixed here" \
	grep -q 'the bug is not fixed here: the corpus_fuzz_driver test will fail until it is' "$work/add3.log"

# A Linux target's kernel version shares the corpus.
printf '#!/bin/sh\nexit 0\n' >"$work/clean"
chmod +x "$work/clean"
lseed=$(ls "$tree"/corpora/fuzz_linux_sim/seeds/* | head -n1)
"$r" --add-regression t-linux fuzz_linux_sim-6.12 "$lseed" --replayer "$work/clean" >"$work/add4.log" 2>&1
rc=$?
check "add for fuzz_linux_sim-6.12: exit 0" [ $rc -eq 0 ]
check "and stores under corpora/fuzz_linux_sim" cmp -s "$lseed" "$tree/corpora/fuzz_linux_sim/regressions/t-linux"
check "and describes it there" [ "$(grep -c '^t-linux: ' "$tree/corpora/fuzz_linux_sim/regressions.txt")" = 1 ]

check "the copy's regressions are all described" described "$tree"
check "no leftover files beside them" \
	[ -z "$(find "$tree/corpora" -name '.regression*' -o -name '.regressions.txt.*')" ]

# Refusals: exit 2, a message, nothing written.
refused() { # description, arguments...
	local what=$1 rc s0 s1
	shift
	s0=$(state)
	"$r" "$@" >"$work/refused.log" 2>&1
	rc=$?
	s1=$(state)
	check "refused, exit 2 with a message: $what" all '[ $rc -eq 2 ] && [ -s "$work/refused.log" ]'
	check "and nothing written: $what" [ "$s0" = "$s1" ]
}
refused "NAME taken" --add-regression t-first fuzz_driver "${seeds[3]}" --replayer "$replayer"
check "it says the NAME is taken" grep -q "already exists" "$work/refused.log"
refused "NAME taken (with --why)" --add-regression t-second fuzz_driver "${seeds[3]}" --why x --replayer "$replayer"
refused "missing FILE" --add-regression t-new fuzz_driver "$work/no-such-input" --replayer "$replayer"
refused "FILE a directory" --add-regression t-new fuzz_driver "$c/seeds" --replayer "$replayer"
refused "unknown target" --add-regression t-new fuzz_nope "${seeds[3]}" --replayer "$replayer"
refused "NAME with a slash" --add-regression ../t-new fuzz_driver "${seeds[3]}" --replayer "$replayer"
refused "NAME starting with '.'" --add-regression .t-new fuzz_driver "${seeds[3]}" --replayer "$replayer"
refused "--why of two lines" --add-regression t-new fuzz_driver "${seeds[3]}" --why $'a\nb' --replayer "$replayer"
refused "no NAME" fuzz_driver "${seeds[3]}" --add-regression
check "t-new was never stored" [ ! -e "$c/regressions/t-new" ]
check "the regressions dir holds what it held and the three added" \
	[ "$(cd "$c/regressions" && ls -A | sort)" = "$(printf '%s\n' $before_names t-first t-second t-third | sort -u)" ]

# The check of part 1 catches a dropped line and an input without one.
grep -v '^t-second: ' "$c/regressions.txt" >"$work/txt" && cat "$work/txt" >"$c/regressions.txt"
caught() { ! described "$1" >/dev/null; }
check "a regression without its line is caught" caught "$tree"
echo "t-second: once found a test's bug" >>"$c/regressions.txt"
rm "$c/regressions/t-first"
check "a line without its regression is caught" caught "$tree"

if [ $fail -ne 0 ]; then
	for f in add1 add2 add3 add4 refused; do echo "---- $f.log"; tail -20 "$work/$f.log"; done
	echo "---- corpora/fuzz_driver/regressions.txt"; cat "$c/regressions.txt"
fi
exit $fail
