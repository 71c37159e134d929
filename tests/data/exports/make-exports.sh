#!/usr/bin/env bash
# Regenerates the spreadsheet exports in this folder from master.csv with LibreOffice Calc
# (Debian package libreoffice-calc). The tests use the committed files and never need LibreOffice.
#   master.csv -> master.ods (every column imported as text, as a user would set it)
#   master.ods -> utf8-comma.csv, utf8-semicolon.csv, cp1252-semicolon.csv, utf16-tab.csv
#   utf8-comma.csv -> excel-utf8-bom-crlf.csv: rewritten the way Excel's "CSV UTF-8" writes
#   (byte order mark, CRLF between records, minimal quoting), which LibreOffice on Linux does not.
#   master.ods -> master.xlsx, master.xls: the workbooks a user may pass instead of a CSV.
#   zeros-lost.csv: ids typed as text ("000123", quoted) beside one typed as a number (000789), read
#   with quoted fields as text and exported: the number loses its zeros (789), as in a sheet where
#   only some cells were formatted as Text.
#   excel-damage.csv is written by hand, not here: LibreOffice exports long numbers in full and
#   dates as dates; Excel writes "1.23457E+11" for a 12-digit number in a narrow column and a
#   date's serial number ("45234") for a date column formatted as a number.
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
soffice --headless --convert-to xlsx --outdir "$work" master.ods >/dev/null
soffice --headless --convert-to xls --outdir "$work" master.ods >/dev/null
cp "$work/master.xlsx" "$work/master.xls" .
printf 'uid,name\n"000123",Ana\n"004567",Bob\n000789,Cy\n' >"$work/zeros.csv"
(cd "$work" && soffice --headless --infilter="CSV:44,34,76,1,,0,true" --convert-to ods zeros.csv >/dev/null &&
  soffice --headless --convert-to "csv:Text - txt - csv (StarCalc):44,34,76,1" --outdir out zeros.ods >/dev/null)
mv "$work/out/zeros.csv" zeros-lost.csv
