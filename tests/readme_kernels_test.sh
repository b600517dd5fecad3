#!/usr/bin/env bash
# The kernel versions the README states are the ones this build found: the
# install sentence of "The real Linux ring" and every column the command
# line names linux-X.Y.Z (README output excerpts). Usage: BUILD_DIR TOP.
set -u
build=$1 top=$2
releases=$(python3 - "$top" "$build" <<'PY'
import sys
sys.path.insert(0, sys.argv[1] + "/scripts/lib")
import catalogue
print(" ".join(catalogue.build_kernels(sys.argv[2]).values()))
PY
)
[ -n "$releases" ] || { echo "FAIL: $build holds no Linux kernel"; exit 1; }
fail=0
for r in $releases; do
	tag=${r%.*}
	# "linux-source-6.12` (6.12.118)" or the same across a line break
	if ! tr '\n' ' ' <"$top/README.md" | grep -q "linux-source-$tag\` *($r)"; then
		echo "FAIL: README does not say linux-source-$tag is $r, the version this build found"
		fail=1
	fi
done
for v in $(grep -o 'linux-[0-9]\+\.[0-9]\+\.[0-9]\+' "$top/README.md" | sort -u); do
	case " $releases " in
	*" ${v#linux-} "*) ;;
	*) echo "FAIL: README names $v, not a kernel of this build ($releases): a stale figure"; fail=1 ;;
	esac
done
[ $fail -eq 0 ] && echo "ok: README names the build's kernels: $releases"
exit $fail
