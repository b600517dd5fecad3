#!/usr/bin/env bash
# The kernel versions the README and docs/ state are the ones this build
# found: the install sentence of docs/linux-ring.md and every column the
# command line names linux-X.Y.Z (output excerpts). Usage: BUILD_DIR TOP.
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
text=$(cat "$top/README.md" "$top"/docs/*.md)
for r in $releases; do
	tag=${r%.*}
	# "linux-source-6.12` (6.12.118)" or the same across a line break
	if ! tr '\n' ' ' <<<"$text" | grep -q "linux-source-$tag\` *($r)"; then
		echo "FAIL: the docs do not say linux-source-$tag is $r, the version this build found"
		fail=1
	fi
done
for v in $(grep -o 'linux-[0-9]\+\.[0-9]\+\.[0-9]\+' <<<"$text" | sort -u); do
	case " $releases " in
	*" ${v#linux-} "*) ;;
	*) echo "FAIL: the docs name $v, not a kernel of this build ($releases): a stale figure"; fail=1 ;;
	esac
done
[ $fail -eq 0 ] && echo "ok: README and docs/ name the build's kernels: $releases"
exit $fail
