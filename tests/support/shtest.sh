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
