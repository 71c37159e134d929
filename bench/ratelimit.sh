#!/usr/bin/env bash
# How close a rate-limited import gets to the limit, in each documented variant of CometChat's
# rate-limit headers: the sandbox allows LIMIT creates per WINDOW_MS window; ROWS new rows are
# imported with --workers 16, learning the limit from the answers (and once more with --rate
# given, in the current variant). Prints, per variant, the time against the ideal
# ROWS/LIMIT windows, the share of the limit reached, all 429s, and the most 429s any window
# after the first met (after the first two without any header, where the window's length is
# learned; the sandbox counts them).
# Usage: bench/ratelimit.sh [ROWS] [LIMIT] [WINDOW_MS] [LATENCY_MS]   (defaults 1500 50 1000 0)
# VARIANTS="legacy none" bench/ratelimit.sh ...   runs only those.
set -euo pipefail
source "$(dirname "$0")/../scripts/lib/common.sh"
cd "$repo_root"
rows=${1:-1500} limit=${2:-50} window_ms=${3:-1000} latency=${4:-0}

install_missing "${cci_packages[@]}" python3
build build
work=$(mktemp -d)
trap 'stop_sandbox; rm -rf "$work"' EXIT
export XDG_STATE_HOME="$work" # the app's journal stays in the throwaway folder
export COMETCHAT_API_KEY="bench-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
bench/gen_users.sh "$rows" >"$work/users.csv"
ideal=$(awk -v r="$rows" -v l="$limit" -v w="$window_ms" 'BEGIN { printf "%.1f", r / l * w / 1000 }')

counters() { # prints: 429s, most 429s in a window after the first (the first two: none), users
  curl -s "$sandbox_url/admin/counters?uids=false" | python3 -c '
import json, sys
d = json.load(sys.stdin)
after = "second" if sys.argv[1] == "none" else "first"
print(d["rate_limited"], d["most_429_in_a_window_after_the_" + after], d["users"])' "$1"
}

printf '%-26s %8s %8s %9s %6s %14s %8s\n' variant seconds ideal of-limit 429s most/window created
for variant in ${VARIANTS:-current legacy retry-after none current+rate}; do
  headers=${variant%+rate}
  start_sandbox "$work" --core-limit "$limit" --window-ms "$window_ms" --latency-ms "$latency" \
    --rate-headers "$headers" --roles moderator
  extra=()
  [ "$variant" = current+rate ] && extra=(--rate "$((limit * 60000 / window_ms))")
  rm -rf "$work"/*.report.csv* "$work"/*.state "$work/cometchat-import" # a fresh app each time
  start=$(date +%s.%N)
  "$repo_root/build/cometchat-import" --quiet --base-url "$sandbox_url/v3" --workers 16 "${extra[@]}" \
    --report "$work/run.report.csv" "$work/users.csv"
  end=$(date +%s.%N)
  read -r limited most created < <(counters "$headers")
  stop_sandbox
  awk -v v="$variant${extra[*]:+ (${extra[*]})}" -v s="$start" -v e="$end" -v i="$ideal" -v l="$limited" \
    -v m="$most" -v c="$created" \
    'BEGIN { t = e - s; printf "%-26s %8.1f %8.1f %8.1f%% %6d %14d %8d\n", v, t, i, 100 * i / t, l, m, c }'
done
