#!/usr/bin/env bash
# Regenerates the spreadsheet exports in this folder from master.csv with LibreOffice Calc
# (Debian package libreoffice-calc). The tests use the committed files and never need LibreOffice.
#   master.csv -> master.ods (every column imported as text, as a user would set it)
#   master.ods -> utf8-comma.csv, utf8-semicolon.csv, cp1252-semicolon.csv, utf16-tab.csv
#   utf8-comma.csv -> excel-utf8-bom-crlf.csv: rewritten the way Excel's "CSV UTF-8" writes
#   (byte order mark, CRLF between records, minimal quoting), which LibreOffice on Linux does not.
set -euo pipefail
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
columns=$(head -1 master.csv | tr ',' '\n' | wc -l)
text_columns=$(seq 1 "$columns" | sed 's|$|/2|' | paste -sd/ -)
cp master.csv "$work/"
(cd "$work" && soffice --headless --infilter="CSV:44,34,76,1,$text_columns" --convert-to ods master.csv >/dev/null)
cp "$work/master.ods" .
export_as() { # FILE FILTER_OPTIONS: field separator, text delimiter, character set, first line
  rm -rf "$work/out"
  soffice --headless --convert-to "csv:Text - txt - csv (StarCalc):$2" --outdir "$work/out" master.ods >/dev/null
  mv "$work/out/master.csv" "$1"
}
export_as utf8-comma.csv 44,34,76,1
export_as utf8-semicolon.csv 59,34,76,1
export_as cp1252-semicolon.csv 59,34,1,1
export_as utf16-tab.csv 9,34,65535,1
python3 - <<'PY'
import csv, io
rows = list(csv.reader(open('utf8-comma.csv', newline='', encoding='utf-8')))
out = io.StringIO(newline='')
csv.writer(out, lineterminator='\r\n', quoting=csv.QUOTE_MINIMAL).writerows(rows)
open('excel-utf8-bom-crlf.csv', 'wb').write(b'\xef\xbb\xbf' + out.getvalue().encode('utf-8'))
PY
