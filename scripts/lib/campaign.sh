# Helpers for scripts/fuzz, scripts/reproduce and scripts/bench-fuzz:
# sourced after common.sh, not run.
# shellcheck shell=bash

# The kernels the Linux targets are built for by default: the Debian
# packages the scripts install (kernel/CMakeLists.txt names the targets
# fuzz_linux_sim-6.1, ..., from /usr/src/linux-source-*.tar.xz).
VRSIM_LINUX_TARGET_VERSIONS=(6.1 6.12)

# The Linux targets: the kernel's ring (virtio_ring.c) driven by vrsim's
# honest device or attacked by its hostile one, and the kernel's device
# side (vringh.c, with the vhost IOTLB of iotlb.c) attacked by vrsim's
# hostile driver or driven by the kernel's own ring.
VRSIM_LINUX_RING_TARGETS=(fuzz_linux_sim fuzz_linux_driver)
VRSIM_LINUX_DEVICE_TARGETS=(fuzz_linux_device fuzz_linux_devsim)
VRSIM_LINUX_TARGET_RE='^fuzz_linux_(sim|driver|device|devsim)(-[0-9]+\.[0-9]+)?$'

# Which of VRSIM_LINUX_TARGET_VERSIONS have the device side: only a kernel
# source with drivers/vhost/vringh.c and iotlb.c gives fuzz_linux_device
# and fuzz_linux_devsim. The first build that records it says so
# (VRSIM_LINUX_DEVICE_VERSIONS in its CMakeCache.txt): $VRSIM_TARGETS_BUILD
# when set, else build/libfuzzer, else build/default. With none, every
# version (the Debian linux-source packages hold both files).
linux_device_versions() {
	local dir have v
	for dir in ${VRSIM_TARGETS_BUILD:+"$VRSIM_TARGETS_BUILD"} \
		"$VRSIM_TOP/build/libfuzzer" "$VRSIM_TOP/build/default"; do
		[ -f "$dir/CMakeCache.txt" ] || continue
		grep -q '^VRSIM_LINUX_DEVICE_VERSIONS:' "$dir/CMakeCache.txt" || continue
		have=" $(sed -n 's/^VRSIM_LINUX_DEVICE_VERSIONS:[A-Z]*=//p' "$dir/CMakeCache.txt" | tr ';' ' ') "
		for v in "${VRSIM_LINUX_TARGET_VERSIONS[@]}"; do
			[[ $have == *" $v "* ]] && echo "$v"
		done
		return 0
	done
	printf '%s\n' "${VRSIM_LINUX_TARGET_VERSIONS[@]}"
}

# What one input may take before it is a finding of its own kind (timeout,
# out-of-memory): OSS-Fuzz's limits, so a night and ClusterFuzzLite agree.
VRSIM_LIBFUZZER_LIMITS=(-timeout=25 -rss_limit_mb=2560)

# Every fuzz target: vrsim's own (fuzz/fuzz_*.c, sorted; the do-nothing
# baseline fuzz_empty only with "all"), then the Linux ring's per kernel
# version and the Linux device side's per kernel version that has it
# (linux_device_versions), except with "core" (what OSS-Fuzz builds,
# without kernels).
fuzz_targets() {
	local f name t v
	for f in "$VRSIM_TOP"/fuzz/fuzz_*.c; do
		name=$(basename "$f" .c)
		[ "$name" = fuzz_empty ] && [ "${1:-}" != all ] && continue
		echo "$name"
	done
	[ "${1:-}" = core ] && return
	for t in "${VRSIM_LINUX_RING_TARGETS[@]}"; do
		for v in "${VRSIM_LINUX_TARGET_VERSIONS[@]}"; do
			echo "$t-$v"
		done
	done
	local dv
	dv=$(linux_device_versions)
	for t in "${VRSIM_LINUX_DEVICE_TARGETS[@]}"; do
		for v in $dv; do
			echo "$t-$v"
		done
	done
}

# A Linux device-side target (fuzz_linux_device, fuzz_linux_devsim-6.1):
# its kernel files under test are drivers/vhost/vringh.c and iotlb.c.
is_linux_device_target() {
	[[ $1 =~ ^fuzz_linux_dev(ice|sim)(-[0-9]+\.[0-9]+)?$ ]]
}

# A target of fuzz/, or a Linux one: plain (the first kernel source) or
# with a version.
is_fuzz_target() {
	[ -f "$VRSIM_TOP/fuzz/$1.c" ] ||
		[[ $1 =~ $VRSIM_LINUX_TARGET_RE ]]
}

# The corpus of a target: every kernel version of a Linux target shares
# one (fuzz_linux_sim-6.1 -> corpora/fuzz_linux_sim, fuzz_linux_device-6.12
# -> corpora/fuzz_linux_device). A corpus directory that does not exist
# yet is a target without seeds: campaigns start it from nothing.
corpus_name() { echo "${1%-[0-9]*.[0-9]*}"; }

# A value of DIR's CMakeCache.txt (nothing when DIR is not configured).
#   cache_value DIR VAR
cache_value() {
	sed -n "s/^$2:[A-Z]*=//p" "$1/CMakeCache.txt" 2>/dev/null | head -n 1
}

# Configure PRESET into DIR (build/PRESET when empty) with -DVAR=VALUE...,
# quietly unless it fails: for a script that reads the cache (which
# kernels have a device side) before it names what to build.
#   configure_preset PRESET DIR [-DVAR=VALUE]...
configure_preset() {
	local preset=$1 dir=${2:-$VRSIM_TOP/build/$1} log
	shift 2
	build_lock
	log=$(mktemp)
	if ! cmake --preset "$preset" -S "$VRSIM_TOP" -B "$dir" "$@" >"$log" 2>&1; then
		cat "$log" >&2
		rm -f "$log"
		die "configure of preset '$preset' ($dir) failed"
	fi
	rm -f "$log"
	build_unlock
}

# The run's targets, in the array `targets`, once DIR is configured:
# LIST (comma-separated) or, when empty, the default (fuzz_targets MODE)
# with the device side of the kernels DIR has it for. A named Linux
# device-side target of a kernel built without drivers/vhost/vringh.c
# stops the run, saying so (the build would only say "no rule").
#   configured_targets DIR LIST [MODE]
configured_targets() {
	local dir=$1 list=$2 mode=${3:-} t v have
	if [ -z "$list" ]; then
		mapfile -t targets < <(VRSIM_TARGETS_BUILD=$dir fuzz_targets "$mode")
		return 0
	fi
	IFS=, read -ra targets <<<"$list"
	grep -q '^VRSIM_LINUX_DEVICE_VERSIONS:' "$dir/CMakeCache.txt" 2>/dev/null || return 0
	have=" $(cache_value "$dir" VRSIM_LINUX_DEVICE_VERSIONS | tr ';' ' ') "
	for t in "${targets[@]}"; do
		is_linux_device_target "$t" || continue
		v=${t#fuzz_linux_dev*-}
		# the plain name is the first kernel source's
		[ "$v" != "$t" ] || v=$(cache_value "$dir" VRSIM_LINUX_VERSIONS | cut -d';' -f1)
		[[ $have == *" $v "* ]] ||
			die "$t: the Linux ${v:-source} of $dir has no drivers/vhost/vringh.c and iotlb.c, so no device side (kernels with one: ${have// /})"
	done
}

# Configure PRESET (into DIR when given) and build only the named
# executables, so a half-written file of another target cannot stop a
# campaign. The log is printed only on failure. --configured: DIR is
# configured already (configure_preset), build only.
#   build_executables PRESET [--dir DIR] [--configured] [--env VAR=VALUE]
#                     [-DVAR=VALUE] EXE...
build_executables() {
	local preset=$1 dir="" env=() defs=() log configure=true
	shift
	while [ $# -gt 0 ]; do
		case $1 in
		--dir) dir=$2; shift 2 ;;
		--configured) configure=false; shift ;;
		--env) env+=("$2"); shift 2 ;;
		-D*) defs+=("$1"); shift ;;
		*) break ;;
		esac
	done
	[ -n "$dir" ] || dir="$VRSIM_TOP/build/$preset"
	build_lock
	log=$(mktemp)
	if ! { { ! $configure || cmake --preset "$preset" -S "$VRSIM_TOP" -B "$dir" "${defs[@]}"; } &&
		env "${env[@]}" cmake --build "$dir" -j "$(jobs)" --target "$@"; } >"$log" 2>&1; then
		cat "$log" >&2
		rm -f "$log"
		die "build of $* (preset '$preset', $dir) failed"
	fi
	rm -f "$log"
	build_unlock
}

# Where the sanitizers find the symbolizer, and how they report: stacks for
# UBSan and for abort() (the oracles trap through it), no recovery.
sanitizer_env() {
	local sym
	sym=$(command -v llvm-symbolizer-14 || command -v llvm-symbolizer || true)
	[ -n "$sym" ] && export ASAN_SYMBOLIZER_PATH="$sym"
	export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
	export ASAN_OPTIONS="${ASAN_OPTIONS:-handle_abort=1:symbolize=1}"
}
