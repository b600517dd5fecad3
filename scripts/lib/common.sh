# What the bash scripts share (test, bench, gen-corpora, oss-fuzz-build, and
# the entry points when python3 is missing): sourced, not run. The
# campaign program's own is scripts/lib/vrsim/common.py.
# shellcheck shell=bash

VRSIM_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

die() { echo "$(basename "$0"): $*" >&2; exit 1; }
usage_error() {
	echo "$(basename "$0"): $*" >&2
	echo "Try '$(basename "$0") --help'." >&2
	exit 2
}

# Install the Debian packages that are missing; quiet when all are there.
# Idempotent: asks dpkg first, runs apt-get only for what is absent.
ensure_packages() {
	local missing=() p installed
	# one dpkg-query for all: it names those it knows, installed or not
	installed=" $(dpkg-query -W -f='${Package} ${Status}\n' "$@" 2>/dev/null |
		sed -n 's/ install ok installed$//p' | tr '\n' ' ') "
	for p in "$@"; do
		[[ $installed == *" $p "* ]] || missing+=("$p")
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

# What building and testing needs, and what fuzzing adds (scripts/lib/packages).
read -ra VRSIM_BUILD_PACKAGES < <(sed -n 's/^build //p' "$VRSIM_TOP/scripts/lib/packages")
read -ra VRSIM_FUZZ_PACKAGES < <(sed -n 's/^fuzz //p' "$VRSIM_TOP/scripts/lib/packages")

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

# Configure PRESET into DIR with -DVAR=VALUE... and build only the named
# executables, quietly unless it fails.
#   build_executables PRESET DIR [-DVAR=VALUE]... EXE...
build_executables() {
	local preset=$1 dir=$2 defs=() log
	shift 2
	while [ $# -gt 0 ] && [[ $1 == -D* ]]; do defs+=("$1"); shift; done
	build_lock
	log=$(mktemp)
	if ! { cmake --preset "$preset" -S "$VRSIM_TOP" -B "$dir" "${defs[@]}" &&
		cmake --build "$dir" -j "$(jobs)" --target "$@"; } >"$log" 2>&1; then
		cat "$log" >&2
		rm -f "$log"
		die "build of $* (preset '$preset', $dir) failed"
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
