#!/bin/sh
# The library's shape, checked:
# - its folders are layers, lowest first (docs/design.md draws them): a file of lib/LAYER/ or
#   include/cci/LAYER/ includes only headers of its layer or of one below it, so the flow reads
#   bottom to top; no module's includes go round in a circle either (tsort); a private header
#   lives beside its module in lib/LAYER/ (included as "LAYER/NAME.h", or "NAME.h" beside it) and
#   only lib/ includes it: include/cci/ holds what the tool uses;
# - docs/design.md names each module under its layer's heading;
# - the library knows nothing of the tool: no command line, terminal, standard streams,
#   environment or process exit (a forked child's _exit ends only that child), and no header of src/;
# - every library module has its own Check suite, tests/unit/check_MODULE.c (a module in parts,
#   MODULE.c with MODULE_PART.c beside it, has the module's).
# Usage: lib_boundary.sh SOURCE_DIR
set -u
root=${1:?usage: lib_boundary.sh SOURCE_DIR}
layers="util exec read state output rules plan send target run"
status=0
fail() { echo "lib_boundary: $*" >&2; status=1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cd "$root" || exit 1
ls lib/*/*.c lib/*/*.h include/cci/*/*.h 2>/dev/null >"$work/files"
checked=$(wc -l <"$work/files")

# every quoted include, judged in one pass: FILE:LINE:#include "HEADER"
xargs grep -Hn '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' <"$work/files" >"$work/includes" || true
awk -v layers="$layers" -v edges="$work/edges" '
  BEGIN { n = split(layers, order, " "); for (i = 1; i <= n; i++) rank[order[i]] = i }
  function folder_of(path,   parts, k) { k = split(path, parts, "/"); return parts[k - 1] }
  function module_of(path,   parts, k) { k = split(path, parts, "/"); sub(/\.[ch]$/, "", parts[k]); return parts[k] }
  {
    split($0, at, ":"); file = at[1]
    header = $0; sub(/^[^"]*"/, "", header); sub(/".*$/, "", header)
    layer = folder_of(file)
    if (!(layer in rank)) { print file " is in " layer ", which is not a layer (" layers ")"; next }
    k = split(header, parts, "/")
    if (k == 3 && parts[1] == "cci") {
      if (!(parts[2] in rank) || rank[parts[2]] > rank[layer])
        print file " (" layer ") includes " header ": " parts[2] " is above " layer
      if (system("test -f include/" header) != 0) print file " includes " header ", which include/ does not have"
      to = parts[3]; sub(/\.h$/, "", to)
      if (to != module_of(file)) print module_of(file) " " to >edges
    } else if (k == 2) { # a private header, lib/LAYER/NAME.h: only the library includes it
      if (file !~ /^lib\//) print file " includes \"" header "\": a public header includes only public ones"
      else {
        if (!(parts[1] in rank) || rank[parts[1]] > rank[layer])
          print file " (" layer ") includes " header ": " parts[1] " is above " layer
        if (system("test -f lib/" header) != 0) print file " includes \"" header "\", which lib/ does not have"
        to = parts[2]; sub(/\.h$/, "", to)
        if (to != module_of(file)) print module_of(file) " " to >edges
      }
    } else if (k == 1) {
      if (file !~ /^lib\//) print file " includes \"" header "\": a public header includes only public ones"
      else { dir = file; sub(/\/[^\/]*$/, "", dir); if (system("test -f " dir "/" header) != 0) print file " includes \"" header "\", which is not beside it" }
    } else print file " includes \"" header "\": the library includes only include/cci/LAYER/ headers, or a private one of lib/"
  }' "$work/includes" >"$work/wrong"
while IFS= read -r line; do fail "$line"; done <"$work/wrong"
for file in $(cat "$work/files"); do
  layer=${file%/*}; layer=${layer##*/}
  case " $layers " in *" $layer "*) ;; *) fail "$file is in $layer, which is not a layer ($layers)" ;; esac
done
# a circle of modules (A includes B includes ... A)
touch "$work/edges"
if ! tsort "$work/edges" >/dev/null 2>"$work/loop"; then
  fail "the modules' includes go round in a circle: $(grep -v 'input contains a loop' "$work/loop" | sed 's/^tsort: //' | tr '\n' ' ')"
fi
# what belongs to the tool
if xargs grep -nE '\b(stderr|stdout|isatty|getenv|getopt(_long)?|argv)\b|\bexit[[:space:]]*\(' <"$work/files"; then
  fail "the library uses what belongs to the tool (above)"
fi
# one suite per module
for source in lib/*/*.c; do
  module=$(basename "$source" .c)
  whole=${module%%_*}
  [ "$whole" != "$module" ] && [ -f "${source%/*}/$whole.c" ] && module=$whole
  [ -f "tests/unit/check_$module.c" ] || fail "$source has no suite tests/unit/check_$module.c"
done
# docs/design.md names each module under its layer's heading (`lib/LAYER/` (...):)
if [ -f docs/design.md ]; then
  awk '/^`lib\/[a-z_]*\/` \(/ { layer = $0; sub(/^`lib\//, "", layer); sub(/\/.*/, "", layer); next }
       /^`lib\// || /^\*\*/ { layer = "" }
       layer != "" { line = $0; while (match(line, /`[a-z0-9_]+\.c`/)) {
                       print layer "/" substr(line, RSTART + 1, RLENGTH - 2); line = substr(line, RSTART + RLENGTH) } }' \
    docs/design.md | sort -u >"$work/mapped"
  ls lib/*/*.c | sed 's|^lib/||' | sort >"$work/tree"
  for missing in $(comm -23 "$work/tree" "$work/mapped"); do
    fail "docs/design.md does not name ${missing#*/} under lib/${missing%/*}/"
  done
else
  fail "no docs/design.md to check the map against"
fi
# nothing of the library outside its layers
for stray in lib/*.c include/cci/*.h; do
  [ -e "$stray" ] && fail "$stray is outside the layers: move it into lib/LAYER/ (include/cci/LAYER/)"
done
# a tool header in include/ would let the library reach it
for header in src/*.h; do
  name=$(basename "$header")
  ls include/cci/*/"$name" >/dev/null 2>&1 && fail "include/cci/*/$name shadows the tool's src/$name"
done
[ "$checked" -gt 20 ] || fail "found only $checked library files under $root: wrong directory?"
[ $status -eq 0 ] && echo "lib_boundary: $checked library files, in layers $layers, include nothing above them or of the tool"
exit $status
