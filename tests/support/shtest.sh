# What the shell tests share: sourced, not run. Sets top (the tree), work
# (a scratch directory removed on exit) and fail; ok/bad record a check.
# shellcheck shell=bash
set -uo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
fail=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
# check DESCRIPTION COMMAND...: ok when COMMAND succeeds, FAIL otherwise.
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else bad "$what"; fi
}
# json FILE EXPR: EXPR (Python, over d = FILE's JSON) printed.
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }
