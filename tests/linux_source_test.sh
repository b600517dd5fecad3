#!/usr/bin/env bash
# A missing or wrong Linux source: one clear message naming what is
# missing, and the rest of vrsim still configures (the Linux targets are
# left out). A patch that does not apply stops the configuration.
#   linux_source_test.sh SOURCE_DIR KERNEL_TREE
set -uo pipefail
top=$1 tree=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

configure() {
	cmake -S "$top" -B "$work/build" -DVRSIM_TESTS=OFF -DVRSIM_BENCH=OFF "$@" \
		>"$work/log" 2>&1
}

expect() { # what STATUS MESSAGE ARGS...
	local what=$1 want=$2 msg=$3
	shift 3
	rm -rf "$work/build"
	configure "$@"
	local rc=$?
	if [ "$want" = ok ] && [ $rc -ne 0 ]; then
		echo "FAIL: $what: configure failed"; sed 's/^/  /' "$work/log" | tail -5
		failures=$((failures + 1))
	elif [ "$want" = fail ] && [ $rc -eq 0 ]; then
		echo "FAIL: $what: configure succeeded"
		failures=$((failures + 1))
	elif ! grep -q "$msg" "$work/log"; then
		echo "FAIL: $what: no '$msg' in the output"; sed 's/^/  /' "$work/log" | tail -8
		failures=$((failures + 1))
	else
		echo "ok: $what"
	fi
}

expect "a path that does not exist" ok "does not exist" -DVRSIM_LINUX_SRC="$work/nowhere"
mkdir -p "$work/half/drivers/virtio"
cp "$tree/drivers/virtio/virtio_ring.c" "$work/half/drivers/virtio/"
expect "a tree without the headers" ok "has no include/linux/virtio.h" -DVRSIM_LINUX_SRC="$work/half"
printf 'not a tarball' >"$work/bad.tar.xz"
expect "a file that is not a kernel tarball" ok "cannot extract" -DVRSIM_LINUX_SRC="$work/bad.tar.xz"
if grep -q 'fuzz_linux_sim' "$work/build/Makefile" 2>/dev/null; then
	echo "FAIL: the Linux targets exist without a Linux source"
	failures=$((failures + 1))
fi
expect "a good tree" ok "vrsim: Linux [0-9.]* from $tree" -DVRSIM_LINUX_SRC="$tree"
# A tree with the ring but not vringh: the driver side alone, said once.
cp -r "$tree" "$work/ringonly"
rm -rf "$work/ringonly/drivers/vhost"
expect "a tree without vringh.c" ok "has no drivers/vhost/vringh.c and iotlb.c" \
	-DVRSIM_LINUX_SRC="$work/ringonly"
if ! grep -q 'fuzz_linux_sim' "$work/build/Makefile" 2>/dev/null ||
   grep -q 'fuzz_linux_device' "$work/build/Makefile" 2>/dev/null; then
	echo "FAIL: without vringh.c the ring's targets must build and the device side's not"
	failures=$((failures + 1))
fi
printf -- '--- a/drivers/virtio/virtio_ring.c\n+++ b/drivers/virtio/virtio_ring.c\n@@ -1,1 +1,1 @@\n-no such line\n+none\n' >"$work/bad.patch"
expect "a patch that does not apply" fail "does not apply" \
	-DVRSIM_LINUX_SRC="$tree" -DVRSIM_LINUX_PATCHES="$work/bad.patch"
[ $failures -eq 0 ] && echo "linux sources: all ok"
exit $((failures > 0))
