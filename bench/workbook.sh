#!/usr/bin/env bash
# A workbook against its CSV (issue 31): the same ROWS (default 100000) of bench/gen_users.sh as CSV
# and as .xlsx, .ods and .xls (LibreOffice Calc converts them; .xls holds at most 65,535 rows, so
# it gets that many at most); for each, the dry run's time and peak RSS, the ratio of its time to the
# CSV's, that its report is the CSV's (line numbers aside), and the peak RSS of a real import into a
# fresh sandbox. Usage: bench/workbook.sh [ROWS]
set -euo pipefail
source "$(dirname "$0")/../scripts/lib/common.sh"
cd "$repo_root"
rows=${1:-100000}

install_missing "${cci_packages[@]}" time libreoffice-calc-nogui
build build
work=$(mktemp -d)
trap 'stop_sandbox; rm -rf "$work"' EXIT
export XDG_STATE_HOME="$work"
export COMETCHAT_API_KEY="bench-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
tool=$repo_root/build/cometchat-import

# run LABEL ARGS...: the tool under /usr/bin/time; sets rss (KiB) and seconds
run() {
  /usr/bin/time -f '%M %e' -o "$work/time" "$tool" --quiet "$@" >/dev/null 2>"$work/err" || {
    local status=$?
    [ "$status" = 1 ] || { cat "$work/err" >&2; return "$status"; }
  }
  read -r rss seconds < <(tail -n 1 "$work/time")
}

bench/gen_users.sh "$rows" >"$work/users.csv"
columns=$(head -1 "$work/users.csv" | tr ',' '\n' | wc -l)
text=$(seq 1 "$columns" | sed 's|$|/2|' | paste -sd/ -) # every column as text, as a person sets it
for kind in xlsx ods; do
  (cd "$work" && soffice --headless --infilter="CSV:44,34,76,1,$text" --convert-to $kind users.csv >/dev/null 2>&1)
done

printf '%-14s %8s %10s %8s %8s %14s\n' file rows "dry run" ratio report "import RSS"
head -n 65536 "$work/users.csv" >"$work/users65k.csv"
(cd "$work" && soffice --headless --infilter="CSV:44,34,76,1,$text" --convert-to xls users65k.csv >/dev/null 2>&1)
for file in users.csv users.xlsx users.ods users65k.csv users65k.xls; do
  csv=${file%.*}.csv
  run --dry-run --report "$work/$file.report" "$work/$file"
  dry=$seconds dry_rss=$rss
  run --dry-run --report "$work/$csv.report" "$work/$csv"
  ratio=$(awk -v a="$dry" -v b="$seconds" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
  same=$(cmp -s <(cut -d, -f2- "$work/$file.report") <(cut -d, -f2- "$work/$csv.report") && echo same || echo DIFFERS)
  start_sandbox "$work" --core-limit 4000000000 --standard-limit 4000000000 --data-import-limit 4000000000 --roles moderator
  run --base-url "$sandbox_url/v3" --report "$work/import.report" "$work/$file"
  stop_sandbox
  rm -rf "$work/cometchat-import" "$work"/*.runs
  n=$(($(wc -l <"$work/$csv") - 1))
  printf '%-14s %8s %8s s %8s %8s %10s KiB  (dry run %s KiB)\n' "$file" "$n" "$dry" "$ratio" "$same" "$rss" "$dry_rss"
done
