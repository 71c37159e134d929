#!/usr/bin/env bash
# How much faster a fresh import is with Data Import on than off, on the two shapes of
# CometChat's budgets, scaled to one-second windows: the free plan (10 creates and 1 Data Import
# request a window: 500 and 60 a minute, about) and a paid plan (100 creates and 1 batch a window).
# One run each way, on a fresh sandbox each time. Prints, per shape: seconds off and on, the
# speed-up, and per channel the requests, the rows and the 429s.
# Usage: bench/data_import.sh [ROWS_FREE] [ROWS_PAID]   (defaults 600 3000: 60 and 30 windows off)
set -euo pipefail
source "$(dirname "$0")/../scripts/lib/common.sh"
cd "$repo_root"
rows_free=${1:-600} rows_paid=${2:-3000}

install_missing "${cci_packages[@]}" python3
build build
work=$(mktemp -d)
trap 'stop_sandbox; rm -rf "$work"' EXIT
export XDG_STATE_HOME="$work" # the app's journal stays in the throwaway folder
export COMETCHAT_API_KEY="bench-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
tool=$repo_root/build/cometchat-import

# one import: SHAPE ROWS CORE MODE; prints seconds, creates, batches, rows via data import, 429s
import_once() {
  local rows=$2 core=$3 mode=$4
  bench/gen_users.sh "$rows" >"$work/users.csv"
  rm -rf "$work/users.runs" "$work/cometchat-import"
  start_sandbox "$work" --core-limit "$core" --data-import-limit 1 --window-ms 1000 --roles moderator
  export COMETCHAT_BASE_URL="$sandbox_url/v3"
  local start end
  start=$(date +%s.%N)
  (cd "$work" && "$tool" --progress=never --quiet --data-import "$mode" users.csv) >/dev/null 2>&1 || true
  end=$(date +%s.%N)
  local via
  via=$(grep -c "via data import" "$work/users.runs/latest/report.csv" || true)
  curl -s "$sandbox_url/admin/counters?uids=false" | python3 -c '
import json, sys
d = json.load(sys.stdin)
start, end, via, rows = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
assert d["users"] == rows, "the sandbox holds %d users, not %d" % (d["users"], rows)
print("%.1f %d %d %d %d %d" % (end - start, d["requests"]["create"], d["requests"]["data_import"], via,
                               d["rate_limited"], d["users"]))' "$start" "$end" "$via" "$rows"
  stop_sandbox
}

printf '%-6s %6s %9s %9s %8s %14s %14s %6s\n' shape rows off-s on-s speedup creates/rows batches/rows 429s
for shape in free paid; do
  if [ "$shape" = free ]; then rows=$rows_free core=10; else rows=$rows_paid core=100; fi
  read -r off_s off_creates _ _ off_429 _ < <(import_once "$shape" "$rows" "$core" off)
  read -r on_s on_creates on_batches on_via on_429 _ < <(import_once "$shape" "$rows" "$core" auto)
  printf '%-6s %6d %9.1f %9.1f %7.2fx %6d/%-7d %6d/%-7d %6s\n' "$shape" "$rows" "$off_s" "$on_s" \
    "$(awk -v a="$off_s" -v b="$on_s" 'BEGIN { print a / b }')" "$on_creates" "$((rows - on_via))" \
    "$on_batches" "$on_via" "$off_429/$on_429"
done
