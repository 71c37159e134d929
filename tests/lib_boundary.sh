#!/bin/sh
# The library knows nothing of the tool: every project header that lib/ and include/cci/ include
# is a public header under include/cci/, and none of them touches the command line, the terminal,
# standard streams, the environment or the process's exit; and every library module has its own
# Check suite, tests/unit/check_MODULE.c. Usage: lib_boundary.sh SOURCE_DIR
set -u
root=${1:?usage: lib_boundary.sh SOURCE_DIR}
status=0
fail() { echo "lib_boundary: $*" >&2; status=1; }

checked=0
for file in "$root"/lib/*.c "$root"/include/cci/*.h; do
  checked=$((checked + 1))
  # quoted includes must name a public header that exists
  for header in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$file"); do
    case $header in
      cci/*) [ -f "$root/include/$header" ] || fail "$file includes $header, which include/ does not have" ;;
      *) fail "$file includes \"$header\": the library includes only include/cci/ headers" ;;
    esac
  done
  # what belongs to the tool
  if grep -nE '\b(stderr|stdout|isatty|getenv|getopt(_long)?|argv)\b|\b_?exit[[:space:]]*\(' "$file"; then
    fail "$file uses what belongs to the tool (above)"
  fi
done
# one suite per module, named after it
for source in "$root"/lib/*.c; do
  module=$(basename "$source" .c)
  [ -f "$root/tests/unit/check_$module.c" ] || fail "lib/$module.c has no suite tests/unit/check_$module.c"
done
# a tool header in include/ would let the library reach it
for header in "$root"/src/*.h; do
  name=$(basename "$header")
  [ -e "$root/include/cci/$name" ] && fail "include/cci/$name shadows the tool's src/$name"
done
[ "$checked" -gt 20 ] || fail "found only $checked library files under $root: wrong directory?"
[ $status -eq 0 ] && echo "lib_boundary: $checked library files include nothing of the tool"
exit $status
