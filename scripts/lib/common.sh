# Shared helpers for scripts/*: sourced, not run.
# shellcheck shell=bash

VRSIM_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# VRSIM_DIE_STATUS: the exit status of a failure (scripts/fuzz: 4, so a
# scheduler tells a broken run from a finding).
# VRSIM_PLANNED_EXIT tells an EXIT trap that the script chose its status.
die() { echo "$(basename "$0"): $*" >&2; VRSIM_PLANNED_EXIT=true; exit "${VRSIM_DIE_STATUS:-1}"; }
usage_error() {
	echo "$(basename "$0"): $*" >&2
	echo "Try '$(basename "$0") --help'." >&2
	VRSIM_PLANNED_EXIT=true
	exit 2
}

# Install the Debian packages that are missing; quiet when all are there.
# Idempotent: asks dpkg first, runs apt-get only for what is absent.
ensure_packages() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "Installing missing packages: ${missing[*]}" >&2
	local sudo=()
	[ "$(id -u)" -eq 0 ] || sudo=(sudo)
	export DEBIAN_FRONTEND=noninteractive
	"${sudo[@]}" apt-get update -qq >/dev/null || die "apt-get update failed"
	"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
		|| die "could not install: ${missing[*]}"
}

# What building and testing needs.
VRSIM_BUILD_PACKAGES=(cmake make gcc pkg-config clang-14 libclang-rt-14-dev llvm-14 libcriterion-dev
	linux-source-6.1 linux-source-6.12 xz-utils patch gnuplot-nox)
# What fuzzing adds.
VRSIM_FUZZ_PACKAGES=(afl++ lld-14)

jobs() { nproc 2>/dev/null || echo 2; }

# libFuzzer's scheduling for every run of a simulation target: inputs that
# run longer (a steady phase, a 32,768-entry queue) are picked less often,
# so they add their reach without taking the campaign's time (measured in
# docs/reach.md).
VRSIM_LIBFUZZER_SCHEDULE=(-entropic_scale_per_exec_time=1)

# Hold build/.lock while building: two scripts building one tree at once
# would race in the same build directory (vrsim/common.py takes it too).
build_lock() { mkdir -p "$VRSIM_TOP/build"; exec 9>"$VRSIM_TOP/build/.lock"; flock 9; }
build_unlock() { flock -u 9; exec 9>&-; }

# Configure and build one preset, quietly unless it fails.
build_preset() {
	local preset=$1 log
	build_lock
	log=$(mktemp)
	if ! { cmake --preset "$preset" -S "$VRSIM_TOP" && cmake --build --preset "$preset" -j "$(jobs)"; } >"$log" 2>&1; then
		cat "$log" >&2
		rm -f "$log"
		die "build of preset '$preset' failed"
	fi
	rm -f "$log"
	build_unlock
}

# The findings the fuzz targets step over (VRSIM_ACKNOWLEDGE, KIND:PREFIX
# lines): the catalogue's Step-over: lines, known kernel findings a fuzzer
# meets at every turn (catalogue/README). Set VRSIM_ACKNOWLEDGE yourself
# (even empty) to choose otherwise.
export_step_overs() {
	[ -n "${VRSIM_ACKNOWLEDGE+set}" ] && return 0
	VRSIM_ACKNOWLEDGE=$(python3 "$VRSIM_TOP/scripts/lib/catalogue.py" step-overs "$VRSIM_TOP") ||
		die "the catalogue's Step-over: lines cannot be read (scripts/lib/catalogue.py check $VRSIM_TOP)"
	export VRSIM_ACKNOWLEDGE
}
