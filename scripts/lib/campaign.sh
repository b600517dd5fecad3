# Helpers for scripts/fuzz, scripts/reproduce and scripts/bench-fuzz:
# sourced after common.sh, not run.
# shellcheck shell=bash

# Every fuzz target (fuzz/fuzz_*.c), sorted; the do-nothing baseline
# fuzz_empty only with "all".
fuzz_targets() {
	local f name
	for f in "$VRSIM_TOP"/fuzz/fuzz_*.c; do
		name=$(basename "$f" .c)
		[ "$name" = fuzz_empty ] && [ "${1:-}" != all ] && continue
		echo "$name"
	done
}

is_fuzz_target() { [ -f "$VRSIM_TOP/fuzz/$1.c" ]; }

# Configure PRESET (into DIR when given) and build only the named
# executables, so a half-written file of another target cannot stop a
# campaign. The log is printed only on failure.
#   build_executables PRESET [--dir DIR] [--env VAR=VALUE] EXE...
build_executables() {
	local preset=$1 dir="" env=() log
	shift
	while [ $# -gt 0 ]; do
		case $1 in
		--dir) dir=$2; shift 2 ;;
		--env) env+=("$2"); shift 2 ;;
		*) break ;;
		esac
	done
	[ -n "$dir" ] || dir="$VRSIM_TOP/build/$preset"
	log=$(mktemp)
	if ! { cmake --preset "$preset" -S "$VRSIM_TOP" -B "$dir" &&
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
