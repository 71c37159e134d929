#!/bin/sh
# The library's shape, checked:
# - its folders are layers, lowest first (docs/design.md draws them): a file of lib/F/ or
#   include/cci/F/ includes only headers of F or of a folder below it, so the folders form a chain
#   and the flow reads bottom to top; no module's includes go round in a circle either (tsort);
# - the library knows nothing of the tool: no command line, terminal, standard streams,
#   environment or process exit, and no header of src/;
# - every library module has its own Check suite, tests/unit/check_MODULE.c.
# Usage: lib_boundary.sh SOURCE_DIR
set -u
root=${1:?usage: lib_boundary.sh SOURCE_DIR}
layers="util exec read state output rules plan send target run"
status=0
fail() { echo "lib_boundary: $*" >&2; status=1; }

rank() { # the layer's place, lowest 1; 0 for a folder that is not a layer
  n=0
  for layer in $layers; do
    n=$((n + 1))
    [ "$layer" = "$1" ] && { echo $n; return; }
  done
  echo 0
}

edges=$(mktemp)
trap 'rm -f "$edges"' EXIT
checked=0
for file in "$root"/lib/*/*.c "$root"/include/cci/*/*.h; do
  [ -f "$file" ] || continue
  checked=$((checked + 1))
  folder=$(basename "$(dirname "$file")")
  module=$(basename "$file" | sed 's/\.[ch]$//')
  own=$(rank "$folder")
  [ "$own" -gt 0 ] || fail "$file is in folder $folder, which is not a layer ($layers)"
  for header in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$file"); do
    case $header in
      cci/*/*.h)
        [ -f "$root/include/$header" ] || fail "$file includes $header, which include/ does not have"
        to=$(echo "$header" | cut -d/ -f2)
        [ "$(rank "$to")" -le "$own" ] || fail "$file ($folder) includes $header: $to is above $folder"
        included=$(basename "$header" .h)
        [ "$included" = "$module" ] || echo "$module $included" >>"$edges" ;;
      *) fail "$file includes \"$header\": the library includes only include/cci/LAYER/ headers" ;;
    esac
  done
  # what belongs to the tool
  if grep -nE '\b(stderr|stdout|isatty|getenv|getopt(_long)?|argv)\b|\b_?exit[[:space:]]*\(' "$file"; then
    fail "$file uses what belongs to the tool (above)"
  fi
done
# a circle of modules (A includes B includes ... A), within a layer
if ! tsort "$edges" >/dev/null 2>"$edges.loop"; then
  fail "the modules' includes go round in a circle: $(grep -v 'input contains a loop' "$edges.loop" | sed 's/^tsort: //' | tr '\n' ' ')"
fi
rm -f "$edges.loop"
# one suite per module, named after it
for source in "$root"/lib/*/*.c; do
  module=$(basename "$source" .c)
  [ -f "$root/tests/unit/check_$module.c" ] || fail "lib/$module.c has no suite tests/unit/check_$module.c"
done
# docs/design.md's map names each module under its layer's heading (`lib/LAYER/` (...):)
design="$root/docs/design.md"
if [ -f "$design" ]; then
  for source in "$root"/lib/*/*.c; do
    layer=$(basename "$(dirname "$source")") module=$(basename "$source")
    awk -v head="\`lib/$layer/\` (" -v name="\`$module\`" '
      index($0, head) == 1 { inside = 1; next }
      /^`lib\// || /^\*\*/ { inside = 0 }
      inside && index($0, name) { found = 1 }
      END { exit !found }' "$design" || fail "docs/design.md does not name $module under lib/$layer/"
  done
else
  fail "no docs/design.md to check the map against"
fi
# nothing of the library left outside its layers
for stray in "$root"/lib/*.c "$root"/include/cci/*.h; do
  [ -e "$stray" ] && fail "$stray is outside the layers: move it into lib/LAYER/ (include/cci/LAYER/)"
done
# a tool header in include/ would let the library reach it
for header in "$root"/src/*.h; do
  name=$(basename "$header")
  ls "$root"/include/cci/*/"$name" >/dev/null 2>&1 && fail "include/cci/*/$name shadows the tool's src/$name"
done
[ "$checked" -gt 20 ] || fail "found only $checked library files under $root: wrong directory?"
[ $status -eq 0 ] && echo "lib_boundary: $checked library files, in layers $layers, include nothing above them or of the tool"
exit $status
