#!/usr/bin/env bash
# scripts/reproduce across kernels: --kernel over Debian's two linux-source
# tarballs replays the 6.1 packed-ring bug's input (a finding on 6.1, the
# outcome its catalogue entry expects on 6.12), --bisect's exit statuses,
# a kernel that does not build against the shim, sources that are no
# kernel, --report's mailing-list text, and the plain replay's output
# (the program once, no stderr spliced in, no bash "Aborted").
# Usage: reproduce_kernel_test.sh [TOP]. Each kernel is built once into
# TOP/build/kernels/ (a few minutes); later runs take seconds.
. "$(dirname "$0")/support/shtest.sh"
[ $# -ge 1 ] && top=$(cd "$1" && pwd)
r=$top/scripts/reproduce
has() { grep -q -- "$2" <<<"$1" && ok "$3" || bad "$3 (got: $1)"; }

k61=/usr/src/linux-source-6.1.tar.xz
k612=/usr/src/linux-source-6.12.tar.xz
if [ ! -f "$k61" ] || [ ! -f "$k612" ]; then
	echo "skip: $k61 and $k612 are needed (apt-get install linux-source-6.1 linux-source-6.12)"
	exit 0
fi

# The input: the catalogue entry's, or where it was kept before that.
entry=packed-map-failure-leaves-avail
input=$top/catalogue/$entry/input
[ -f "$input" ] || input=$top/tests/open-findings/linux-6.1-packed-refused-after-map-failure
# The outcome expected per kernel: the entry's (kinds, comma-separated,
# any of which may come first), else what it gave when it was found.
expect() {
	local e=""
	[ -f "$top/catalogue/$entry/entry" ] &&
		e=$(python3 "$top/scripts/lib/catalogue.py" expect "$top" "$entry" "$1" 2>/dev/null)
	echo "${e:-$2}"
}
# what the entry's input steps over on its way (its Acknowledge: lines)
acks=()
while IFS= read -r a; do
	[ -n "$a" ] && acks+=(--acknowledge "$a")
done < <(python3 "$top/scripts/lib/catalogue.py" field "$top" "$entry" Acknowledge 2>/dev/null)
want61=$(expect 6.1 protocol)
want612=$(expect 6.12 clean)
# outcome LINE: "clean", or the kinds the line names, sorted, comma-separated
outcome() {
	case $1 in
	*": clean"*) echo clean ;;
	*"vrsim: finding ["*)
		{
			sed 's/.*vrsim: finding \[\([^]]*\)\].*/\1/' <<<"$1"
			sed -n 's/.*(also: \([^)]*\))$/\1/p' <<<"$1" | tr ',' '\n'
		} | sort | paste -sd, - ;;
	*) echo "$1" ;;
	esac
}

# --- --kernel over both tarballs -----------------------------------------
"$r" "${acks[@]}" --kernel "$k61" --kernel "$k612" fuzz_linux_sim "$input" >"$work/out" 2>"$work/err"
rc=$?
[ $rc -eq 0 ] && ok "--kernel over both tarballs exits 0" || bad "--kernel: exit $rc: $(tail -5 "$work/err")"
[ "$(wc -l <"$work/out")" -eq 2 ] && ok "one line per kernel" || bad "not two lines: $(cat "$work/out")"
l61=$(sed -n 1p "$work/out") l612=$(sed -n 2p "$work/out")
[[ $l61 =~ ^6\.1\.[0-9]+:\  ]] && ok "the first line names the 6.1 release (${l61%%:*})" || bad "first line: $l61"
[[ $l612 =~ ^6\.12\.[0-9]+:\  ]] && ok "the second line names the 6.12 release (${l612%%:*})" || bad "second line: $l612"
o=$(outcome "$l61")
[ "$o" != clean ] && [ "$o" = "$want61" ] && ok "6.1 reports the finding ($o, as expected)" ||
	bad "6.1 gave '$l61', expected $want61"
o=$(outcome "$l612")
[ "$o" = "$want612" ] && ok "6.12 gives $o, as expected" || bad "6.12 gave '$l612', expected $want612"

start=$(date +%s)
"$r" "${acks[@]}" --kernel "$k61" fuzz_linux_sim-6.12 "$input" >"$work/out2" 2>"$work/err2"
took=$(($(date +%s) - start))
[ "$(cat "$work/out2")" = "$l61" ] && ok "a versioned TARGET takes each kernel's own version" ||
	bad "fuzz_linux_sim-6.12 on 6.1: $(cat "$work/out2") $(tail -3 "$work/err2")"
grep -q "staging\|building" "$work/err2" && bad "the second run staged or built again: $(cat "$work/err2")" ||
	ok "the second run reuses the cached build (${took}s)"

# --- --bisect --------------------------------------------------------------
# The kinds 6.1 raises and 6.12 does not: the bug 6.12 fixed.
fixed=$(comm -23 <(tr , '\n' <<<"$want61" | sort) <(tr , '\n' <<<"$want612" | sort) | paste -sd, -)
"$r" "${acks[@]}" --bisect --kind "${fixed:-$want61}" --kernel "$k61" fuzz_linux_sim "$input" >/dev/null 2>&1
rc=$?
[ $rc -eq 1 ] && ok "--bisect --kind ${fixed:-$want61}: a finding exits 1 (bad)" || bad "--bisect on 6.1: exit $rc"
if [ -n "$fixed" ]; then
	"$r" "${acks[@]}" --bisect --kind "$fixed" --kernel "$k612" fuzz_linux_sim "$input" >"$work/out" 2>&1
	rc=$?
	[ $rc -eq 0 ] && ok "--bisect --kind $fixed: clean exits 0 (good)" || bad "--bisect on 6.12: exit $rc"
fi
"$r" "${acks[@]}" --bisect --kernel "$k61" --kernel "$k612" fuzz_linux_sim "$input" >/dev/null 2>"$work/err"
rc=$?
[ $rc -eq 128 ] && grep -q "exactly one --kernel" "$work/err" &&
	ok "--bisect with two kernels: exit 128, which stops git bisect" || bad "--bisect, two kernels: exit $rc"
"$r" --bisect --kernel "$k61" fuzz_linux_sim "$work/none" >/dev/null 2>&1
rc=$?
[ $rc -eq 128 ] && ok "--bisect with a missing FILE: exit 128, not 'bad'" || bad "--bisect, missing FILE: exit $rc"

# --- a kernel that does not build against the shim -----------------------
# A copy of the staged 6.1 tree at a fixed place (so its build is cached
# too) with an error in virtio_ring.c.
staged=""
for s in "$top"/build/kernels/*/source; do
	[ "$(cat "$s")" = "$k61" ] && staged=$(dirname "$s")/src/tree
done
if [ -n "$staged" ] && [ -f "$staged/drivers/virtio/virtio_ring.c" ]; then
	broken=$top/build/kernels/test-tree-that-does-not-build
	if [ ! -f "$broken/drivers/virtio/virtio_ring.c" ] ||
		! grep -q "vrsim test" "$broken/drivers/virtio/virtio_ring.c"; then
		rm -rf "$broken"
		cp -r "$staged" "$broken"
		echo '#error "vrsim test: a kernel that does not build"' >>"$broken/drivers/virtio/virtio_ring.c"
	fi
	"$r" "${acks[@]}" --kernel "$broken" --kernel "$k612" fuzz_linux_sim "$input" >"$work/out" 2>"$work/err"
	rc=$?
	first=$(sed -n 1p "$work/out")
	has "$first" "^6\.1\.[0-9]*: does not build against the shim (log: /.*)$" "a broken kernel's line says it does not build, with its log"
	log=$(sed -n 's/.*(log: \(.*\))$/\1/p' <<<"$first")
	[ -f "$log" ] && grep -q "vrsim test" "$log" && ok "its log holds the compiler's error" || bad "log $log"
	[ "$(sed -n 2p "$work/out")" = "$l612" ] && ok "the other kernel still runs" || bad "after the broken one: $(cat "$work/out")"
	[ $rc -eq 1 ] && ok "exit 1 when a kernel could not be built" || bad "exit $rc with a broken kernel"
	"$r" "${acks[@]}" --bisect --kernel "$broken" fuzz_linux_sim "$input" >/dev/null 2>&1
	rc=$?
	[ $rc -eq 125 ] && ok "--bisect: a kernel that does not build exits 125 (skip)" || bad "--bisect, broken: exit $rc"
else
	bad "no staged 6.1 tree found in $top/build/kernels"
fi

# --- sources that are no kernel, and other usage errors -------------------
printf 'not a tarball' >"$work/linux-source-9.9.tar.xz"
for src in /etc "$work/linux-source-9.9.tar.xz" /etc/hostname; do
	"$r" "${acks[@]}" --kernel "$src" --kernel "$k61" fuzz_linux_sim "$input" >"$work/out" 2>"$work/err"
	rc=$?
	[ $rc -eq 2 ] && grep -q "not a kernel source" "$work/err" && [ ! -s "$work/out" ] &&
		ok "--kernel $src: exit 2, 'not a kernel source', nothing run" ||
		bad "--kernel $src: exit $rc, $(cat "$work/out" "$work/err")"
done
"$r" "${acks[@]}" --kernel "$work/nowhere" fuzz_linux_sim "$input" >/dev/null 2>"$work/err"
rc=$?
[ $rc -eq 2 ] && grep -q "no such file or directory" "$work/err" &&
	ok "--kernel with a missing path: exit 2" || bad "--kernel missing: exit $rc $(cat "$work/err")"
"$r" --kernel "$k61" fuzz_linux_sim "$work/none" >/dev/null 2>"$work/err"
rc=$?
[ $rc -eq 2 ] && grep -q "no such file: $work/none" "$work/err" &&
	ok "a missing FILE: exit 2" || bad "missing FILE: exit $rc $(cat "$work/err")"
"$r" --kernel "$k61" fuzz_sim "$input" >/dev/null 2>"$work/err"
rc=$?
[ $rc -eq 2 ] && grep -q "not a Linux target" "$work/err" &&
	ok "--kernel with vrsim's own target: exit 2" || bad "--kernel fuzz_sim: exit $rc"

# --- --report --------------------------------------------------------------
"$r" "${acks[@]}" --report --kernel "$k61" fuzz_linux_sim "$input" >"$work/report" 2>"$work/err"
rc=$?
[ $rc -eq 0 ] && ok "--report exits 0" || bad "--report: exit $rc: $(tail -5 "$work/err")"
rep=$(cat "$work/report")
has "$rep" "^Subject: \[BUG\] virtio_ring: " "the report's subject is '[BUG] virtio_ring: ...'"
release=${l61%%:*}
has "$rep" "^  Linux $release, drivers/virtio/virtio_ring.c" "it names the kernel release ($release)"
if [ -n "$staged" ]; then
	sha=$(sha1sum <"$staged/drivers/virtio/virtio_ring.c" | cut -d' ' -f1)
	has "$rep" "sha1sum $sha" "it gives the sha1 of the virtio_ring.c built"
fi
has "$rep" "^  platform  *kvm" "it names the platform"
has "$rep" "^  negotiated  *.*packed" "it names the negotiated features"
has "$rep" "^  \[ *[0-9]*\] q0 driver add token=" "it holds the trace"
has "$rep" "^Expected" "it has the expectation"
has "$rep" "^Observed" "and the observation"
has "$rep" "^ *scripts/reproduce .*--kernel $k61\|^ *--kernel $k61" "it gives the command that reproduces it"
has "$rep" "$(base64 -w0 <"$input" | cut -c1-16)" "and the input, in base64"
long=$(awk 'length > 79' "$work/report")
[ -z "$long" ] && ok "no line is over 79 columns" || bad "long lines: $long"
grep -q '[*`#]\{2\}\|<[a-z]*>' "$work/report" && bad "markup in the report" || ok "no markup"
"$r" "${acks[@]}" --report --report-out "$work/report.txt" --kernel "$k61" fuzz_linux_sim "$input" >"$work/out" 2>/dev/null
rc=$?
[ $rc -eq 0 ] && [ ! -s "$work/out" ] && cmp -s "$work/report" "$work/report.txt" &&
	ok "--report-out writes the same report to the file" || bad "--report-out: exit $rc"
if [ "$want612" = clean ]; then
	"$r" "${acks[@]}" --report --kernel "$k612" fuzz_linux_sim "$input" >"$work/out" 2>"$work/err"
	rc=$?
	[ $rc -eq 1 ] && grep -q "finds nothing" "$work/err" && [ ! -s "$work/out" ] &&
		ok "--report of a clean input: exit 1, nothing written" || bad "--report on 6.12: exit $rc"
fi

# --- the plain replay: the program once, nothing spliced, no "Aborted" ------
replayer=""
[ -n "$staged" ] && replayer=$(dirname "$(dirname "$staged")")/default/fuzz/replay_fuzz_linux_sim-6.1
if [ -x "$replayer" ]; then
	"$r" --replayer "$replayer" fuzz_linux_sim-6.1 "$input" >"$work/out" 2>&1
	rc=$?
	[ $rc -ne 0 ] && ok "the plain replay reproduces it (exit $rc)" || bad "plain replay: exit 0"
	n=$(grep -c '^fail_nth ' "$work/out")
	[ "$n" -eq 1 ] && ok "the program is printed once" || bad "the configuration is printed $n times"
	grep -q "inputs decoded" "$work/out" && bad "the decoder's stderr is spliced into the program" ||
		ok "no decoder stderr in the program"
	grep -q "Aborted\|line [0-9]*:" "$work/out" && bad "bash's 'Aborted' line: $(grep Aborted "$work/out")" ||
		ok "no bash 'Aborted' line"
	grep -q "vrsim: finding \[" "$work/out" && ok "the finding's line is there" || bad "no finding line"

	# --add-regression refuses an input of a catalogued kernel bug (in a
	# copy of the scripts and catalogue: nothing may land in this tree)
	mkdir -p "$work/tree/corpora/fuzz_linux_sim" "$work/tree/kernel"
	cp -r "$top/scripts" "$top/catalogue" "$work/tree/"
	cp "$top/kernel/CMakeLists.txt" "$work/tree/kernel/"
	"$work/tree/scripts/reproduce" --add-regression kept --replayer "$replayer" \
		fuzz_linux_sim-6.1 "$input" >"$work/out" 2>&1
	rc=$?
	# (its first finding: the -EIO the entry steps over, catalogued too)
	[ $rc -eq 2 ] && grep -q "catalogued kernel finding '" "$work/out" &&
		[ -z "$(ls -A "$work/tree/corpora/fuzz_linux_sim")" ] &&
		ok "--add-regression refuses a catalogued kernel bug's input (exit 2, nothing written)" ||
		bad "--add-regression of a catalogued finding: exit $rc: $(cat "$work/out")"
fi
exit $fail
