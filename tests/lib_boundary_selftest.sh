#!/bin/sh
# lib_boundary.sh can fail: on a copy of the tree it must pass, then refuse a planted upward
# include, a planted circle of modules within a layer, and a module dropped outside the layers.
# Usage: lib_boundary_selftest.sh SOURCE_DIR
set -u
root=${1:?usage: lib_boundary_selftest.sh SOURCE_DIR}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

fresh() { # a copy of what lib_boundary reads
  rm -rf "$work/tree" && mkdir -p "$work/tree/tests" "$work/tree/docs"
  cp -R "$root/lib" "$root/include" "$root/src" "$work/tree/" && cp -R "$root/tests/unit" "$work/tree/tests/"
  cp "$root/docs/design.md" "$work/tree/docs/"
}
refuses() { # WHAT WORDS: lib_boundary fails on the planted tree, saying WORDS
  out=$(sh "$here/lib_boundary.sh" "$work/tree" 2>&1) && fail "$1 was not refused"
  case $out in *"$2"*) ;; *) fail "$1: refused without \"$2\": $out" ;; esac
}

fresh
sh "$here/lib_boundary.sh" "$work/tree" >/dev/null 2>&1 || fail "the copy of the tree does not pass"

fresh # util, the lowest layer, reaching up to the run
sed -i '1i #include "cci/run/import.h"' "$work/tree/lib/util/strmap.c"
refuses "an upward include" "util) includes cci/run/import.h: run is above util"

fresh # two modules of one layer that include each other
sed -i '1i #include "rules/user.h"' "$work/tree/lib/rules/validate.h"
refuses "a circle" "go round in a circle"

fresh # a public header reaching a private one
sed -i '1i #include "rules/user.h"' "$work/tree/include/cci/rules/mapping.h"
refuses "a public header including a private one" "a public header includes only public ones"

fresh # a module outside the layers
cp "$work/tree/lib/util/utf8.c" "$work/tree/lib/loose.c"
refuses "a module outside the layers" "outside the layers"
fresh # a module moved to another layer than the map says
mv "$work/tree/lib/util/utf8.c" "$work/tree/lib/run/utf8.c"
refuses "a map that does not match the tree" "docs/design.md does not name utf8.c under lib/run/"
fresh # a function of 81 lines, and a file of more than 450
{ echo 'static int long_one(void)'; echo '{'; i=0; while [ $i -lt 79 ]; do echo '    (void)0;'; i=$((i + 1)); done; echo '}'; } >>"$work/tree/lib/util/utf8.c"
i=0; while [ $i -lt 450 ]; do echo '/* */'; i=$((i + 1)); done >>"$work/tree/lib/util/strmap.c"
out=$(sh "$here/code_shape.sh" "$work/tree" 2>&1) && fail "a long function was not refused"
case $out in *"strmap.c has"*"long_one is 81 lines"*) ;; *) fail "code_shape: $out" ;; esac
sh "$here/code_shape.sh" "$root" >/dev/null 2>&1 || fail "code_shape refuses the tree itself"
echo "lib_boundary_selftest: an upward include, a circle, a stray module, a wrong map, a long function and a long file are each refused"
