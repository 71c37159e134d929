#!/usr/bin/env bash
# A dry run against libcsv alone on the same file, timed in the same run (medians of 5), beside
# what writing its report's bytes into a new file costs (dd, 1 MiB writes: the part of a dry run's
# time that is the disk's), and its peak RSS. With --profile, also `perf record` of a 100,000-row dry run on a
# Release build with frame pointers, and its top entries.
# Usage: bench/dry_run.sh [ROWS] [--profile]   (default 1000000 rows)
set -euo pipefail
source "$(dirname "$0")/../scripts/lib/common.sh"
cd "$repo_root"
rows=1000000 profile=false
for arg in "$@"; do
  case $arg in
    --profile) profile=true ;;
    *) rows=$arg ;;
  esac
done
runs=5

install_missing "${cci_packages[@]}" time python3
build build
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export COMETCHAT_API_KEY="bench-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
tool=$repo_root/build/cometchat-import
gcc -O2 -o "$work/csv_raw" bench/csv_raw.c -lcsv

log "data: $rows rows of bench/gen_users.sh"
bench/gen_users.sh "$rows" >"$work/users.csv"
raw=() dry=() copy=()
for i in $(seq $runs); do # interleaved, so that a busy moment weighs on both
  # each timed from a clean page cache: no writeback of what the step before wrote beside it
  sync
  raw+=("$("$work/csv_raw" "$work/users.csv" | awk '{print $(NF-3)}')")
  sync
  dry+=("$(seconds "$tool" --dry-run --quiet --progress=never --report "$work/dry.csv" "$work/users.csv")")
  sync
  # written as the tool writes its report: into a new file beside the previous one, which goes
  # only after (a file just deleted gives its pages back warm; in a virtual machine, pages the
  # kernel has not touched for a while cost a fault in the host each: 0.55 s for 293 MB against
  # 0.07 s warm, on the machine of docs/performance.md)
  copy+=("$(seconds dd if="$work/dry.csv" of="$work/copy.csv.partial" bs=1M)")
  mv "$work/copy.csv.partial" "$work/copy.csv"
done
raw_s=$(printf '%s\n' "${raw[@]}" | median)
dry_s=$(printf '%s\n' "${dry[@]}" | median)
copy_s=$(printf '%s\n' "${copy[@]}" | median)
/usr/bin/time -f '%M' -o "$work/rss" "$tool" --dry-run --quiet --progress=never --report "$work/dry.csv" "$work/users.csv" \
  >/dev/null 2>&1 || true
rss=$(tail -n 1 "$work/rss")
report_mb=$(awk -v b="$(stat -c %s "$work/dry.csv")" 'BEGIN { printf "%.0f", b / 1e6 }')
ratio=$(awk -v r="$raw_s" -v d="$dry_s" 'BEGIN { printf "%.1f%%", 100 * r / d }')
floor=$(awk -v r="$raw_s" -v c="$copy_s" 'BEGIN { printf "%.1f%%", 100 * r / (r + c) }')
printf '%-34s %s\n' "libcsv alone" "$raw_s s" "dry run" "$dry_s s ($ratio of libcsv's rate)" \
  "its report ($report_mb MB) written by dd" "$copy_s s (parse + write: $floor of libcsv's rate)" "dry run peak RSS" "$rss KiB"

{
  echo "<!-- bench/dry_run: begin (generated; $(date -u +%Y-%m-%d), $(nproc) cores, $(uname -r)) -->"
  echo "| rows | libcsv alone | dry run | dry run / libcsv rate | report | report written by dd | parse + write / libcsv rate | dry run peak RSS |"
  echo "|---|---|---|---|---|---|---|---|"
  echo "| $rows | $raw_s s | $dry_s s | $ratio | $report_mb MB | $copy_s s | $floor | $rss KiB |"
  echo "<!-- bench/dry_run: end -->"
} >"$work/generated.md"
python3 - "$work/generated.md" docs/performance.md <<'PY'
import re, sys
generated = open(sys.argv[1]).read()
path = sys.argv[2]
text = open(path).read()
pattern = re.compile(r"<!-- bench/dry_run: begin.*?<!-- bench/dry_run: end -->\n", re.S)
text = pattern.sub(lambda _: generated, text) if pattern.search(text) else text + "\n" + generated
open(path, "w").write(text)
PY
log "docs/performance.md updated"

if $profile; then
  install_missing linux-perf
  build build-profile -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS=-fno-omit-frame-pointer
  head -n 100001 "$work/users.csv" >"$work/profiled.csv"
  perf record -q -F 1999 --call-graph dwarf,16384 -o "$work/perf.data" build-profile/cometchat-import --dry-run --quiet \
    --progress=never --report "$work/profiled.report.csv" "$work/profiled.csv" >/dev/null 2>&1
  echo "by thread (cci-read-ahead parses, the tool's main thread plans, cci-emit writes the report's lines, cci-write hands them to the kernel):"
  perf report -i "$work/perf.data" --no-children --stdio --sort comm -g none 2>/dev/null | grep -E '^ +[0-9]' || true
  echo "self:"
  perf report -i "$work/perf.data" --no-children --stdio -g none 2>/dev/null | grep -E '^ +[0-9]' | head -15 || true
  echo "inclusive (the tool's own functions):"
  perf report -i "$work/perf.data" --children --stdio -g none 2>/dev/null | grep -E '^ +[0-9]' |
    grep -E 'cometchat-import +\[' | head -25 || true
fi
