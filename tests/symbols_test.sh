#!/usr/bin/env bash
# Every symbol a vrsim library exports carries the vrs_ prefix, so that
# Linux's virtio_ring.c (whose names are vring_*, virtqueue_*, ...) links
# into the same binary. Lists each library's defined global symbols with
# nm and fails on one without it. First it shows it can fail: an archive
# with one unprefixed symbol must be caught.
. "$(dirname "$0")/support/shtest.sh"
# Usage: tests/symbols_test.sh LIBRARY.a...
[ $# -gt 0 ] || { echo "usage: $0 LIBRARY.a..." >&2; exit 2; }
cc=${CC:-cc}

# Global symbols an archive defines that do not start with vrs_.
# Names the compiler or a sanitizer makes (__*, .*) are not ours.
unprefixed() {
	nm -g --defined-only "$1" 2>/dev/null |
		awk 'NF == 3 { print $3 }' | grep -v -e '^vrs_' -e '^__' -e '^\.' || true
}

echo 'int vrs_fine(void) { return 1; } int unprefixed_symbol(void) { return 0; }' >"$work/probe.c"
if "$cc" -c -o "$work/probe.o" "$work/probe.c" && ar rcs "$work/libprobe.a" "$work/probe.o"; then
	[ "$(unprefixed "$work/libprobe.a")" = unprefixed_symbol ] &&
		ok "the check catches an unprefixed symbol and passes a prefixed one" ||
		bad "the check missed unprefixed_symbol in a probe archive"
else
	bad "could not build the probe archive with $cc"
fi

for lib in "$@"; do
	[ -f "$lib" ] || { bad "no library $lib"; continue; }
	name=$(basename "$lib")
	n=$(nm -g --defined-only "$lib" | awk 'NF == 3' | wc -l)
	hits=$(unprefixed "$lib")
	if [ -z "$hits" ]; then
		ok "$name: all $n exported symbols carry vrs_"
	else
		bad "$name exports symbols without vrs_: $(echo $hits)"
	fi
done
exit $fail
