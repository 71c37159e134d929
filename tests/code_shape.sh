#!/bin/sh
# Small enough to read: no file of lib/ or src/ over 450 lines, and no function over 80 lines but
# the option switch table (tool_cli_apply: one case an option). A function is what runs from a line
# "{" at column 0 to the next "}" at column 0, named by the line that opened it.
# Usage: code_shape.sh SOURCE_DIR
set -u
root=${1:?usage: code_shape.sh SOURCE_DIR}
cd "$root" || exit 1
status=0
files=$(ls lib/*/*.c lib/*/*.h src/*.c src/*.h)
for file in $files; do
  lines=$(wc -l <"$file")
  [ "$lines" -le 450 ] || { echo "code_shape: $file has $lines lines (at most 450)" >&2; status=1; }
done
# shellcheck disable=SC2086 # the file list is words
awk '
  /^[A-Za-z_].*\(/ { signature = $0 }
  /^\{$/ { start = FNR; name = signature; sub(/\(.*/, "", name); sub(/.*[ *]/, "", name) }
  /^\}/ && start {
    if (FNR - start + 1 > 80 && name != "tool_cli_apply") {
      printf "code_shape: %s: %s is %d lines (at most 80)\n", FILENAME, name, FNR - start + 1
      bad = 1
    }
    start = 0
  }
  END { exit bad }' $files >&2 || status=1
[ $status -eq 0 ] && echo "code_shape: $(echo "$files" | wc -w) files, none over 450 lines, no function over 80"
exit $status
