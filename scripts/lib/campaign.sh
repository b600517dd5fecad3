# Helpers for scripts/fuzz, scripts/reproduce and scripts/bench-fuzz:
# sourced after common.sh, not run.
# shellcheck shell=bash

# The kernels the Linux targets are built for by default: the Debian
# packages the scripts install (kernel/CMakeLists.txt names the targets
# fuzz_linux_sim-6.1, ..., from /usr/src/linux-source-*.tar.xz).
VRSIM_LINUX_TARGET_VERSIONS=(6.1 6.12)

# What one input may take before it is a finding of its own kind (timeout,
# out-of-memory): OSS-Fuzz's limits, so a night and ClusterFuzzLite agree.
VRSIM_LIBFUZZER_LIMITS=(-timeout=25 -rss_limit_mb=2560)

# Every fuzz target: vrsim's own (fuzz/fuzz_*.c, sorted; the do-nothing
# baseline fuzz_empty only with "all"), then the Linux ring's per kernel
# version, except with "core" (what OSS-Fuzz builds, without kernels).
fuzz_targets() {
	local f name t v
	for f in "$VRSIM_TOP"/fuzz/fuzz_*.c; do
		name=$(basename "$f" .c)
		[ "$name" = fuzz_empty ] && [ "${1:-}" != all ] && continue
		echo "$name"
	done
	[ "${1:-}" = core ] && return
	for t in fuzz_linux_sim fuzz_linux_driver; do
		for v in "${VRSIM_LINUX_TARGET_VERSIONS[@]}"; do
			echo "$t-$v"
		done
	done
}

# A target of fuzz/, or a Linux one: plain (the first kernel source) or
# with a version.
is_fuzz_target() {
	[ -f "$VRSIM_TOP/fuzz/$1.c" ] ||
		[[ $1 =~ ^fuzz_linux_(sim|driver)(-[0-9]+\.[0-9]+)?$ ]]
}

# The corpus of a target: every kernel version of a Linux target shares
# one (fuzz_linux_sim-6.1 -> corpora/fuzz_linux_sim).
corpus_name() { echo "${1%-[0-9]*.[0-9]*}"; }

# Configure PRESET (into DIR when given) and build only the named
# executables, so a half-written file of another target cannot stop a
# campaign. The log is printed only on failure.
#   build_executables PRESET [--dir DIR] [--env VAR=VALUE] [-DVAR=VALUE] EXE...
build_executables() {
	local preset=$1 dir="" env=() defs=() log
	shift
	while [ $# -gt 0 ]; do
		case $1 in
		--dir) dir=$2; shift 2 ;;
		--env) env+=("$2"); shift 2 ;;
		-D*) defs+=("$1"); shift ;;
		*) break ;;
		esac
	done
	[ -n "$dir" ] || dir="$VRSIM_TOP/build/$preset"
	log=$(mktemp)
	if ! { cmake --preset "$preset" -S "$VRSIM_TOP" -B "$dir" "${defs[@]}" &&
		env "${env[@]}" cmake --build "$dir" -j "$(jobs)" --target "$@"; } >"$log" 2>&1; then
		cat "$log" >&2
		rm -f "$log"
		die "build of $* (preset '$preset', $dir) failed"
	fi
	rm -f "$log"
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
