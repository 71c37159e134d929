#!/usr/bin/env bash
# cmake --install puts the binary and the man page where they belong.
# Usage: install.sh BUILD_DIR
set -euo pipefail
build=$1
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null
[ -x "$prefix/bin/cometchat-import" ] || { echo "FAIL: no binary installed" >&2; exit 1; }
page=$(find "$prefix" -name cometchat-import.1 | head -n 1)
[ -n "$page" ] || { echo "FAIL: no man page installed" >&2; exit 1; }
grep -q '^\.SH EXIT STATUS' "$page" || { echo "FAIL: the man page lacks EXIT STATUS" >&2; exit 1; }
"$prefix/bin/cometchat-import" --help | grep -q "man cometchat-import" || { echo "FAIL: --help does not point to the man page" >&2; exit 1; }
echo "install: 1 passed, 0 failed"
