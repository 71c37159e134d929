#!/usr/bin/env bash
# Regenerates users.xlsx, users.ods and users.xls from samples/users.csv with LibreOffice Calc (Debian package
# libreoffice-calc-nogui), every column imported as text, as a person would set it: the e2e test
# imports both and expects the same report and the same users. The tests use the committed file.
set -euo pipefail
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp ../../../samples/users.csv "$work/"
columns=$(head -1 "$work/users.csv" | tr ',' '\n' | wc -l)
text_columns=$(seq 1 "$columns" | sed 's|$|/2|' | paste -sd/ -)
for kind in xlsx ods xls; do
  (cd "$work" && soffice --headless --infilter="CSV:44,34,76,1,$text_columns" --convert-to $kind users.csv >/dev/null)
  cp "$work/users.$kind" .
done
