#!/usr/bin/env bash
# How close a rate-limited import gets to the limit: the sandbox allows LIMIT creates per 1-second
# window; ROWS new rows are imported with --workers 16, once learning the limit from the answers'
# headers and once with --rate given. Prints the time against the ideal ROWS/LIMIT seconds and the
# share of requests answered 429.
# Usage: bench/ratelimit.sh [ROWS] [LIMIT] [LATENCY_MS]   (defaults 1000 20 0)
set -euo pipefail
source "$(dirname "$0")/../scripts/lib/common.sh"
cd "$repo_root"
rows=${1:-1000} limit=${2:-20} latency=${3:-0}

install_missing "${cci_packages[@]}"
build build
work=$(mktemp -d)
trap 'stop_sandbox; rm -rf "$work"' EXIT
export COMETCHAT_API_KEY="bench-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
bench/gen_users.sh "$rows" >"$work/users.csv"
ideal=$(awk -v r="$rows" -v l="$limit" 'BEGIN { printf "%.1f", r / l }')

counter() { # GROUP NAME
  curl -s "$sandbox_url/admin/counters?uids=false" |
    python3 -c "import json,sys; d=json.load(sys.stdin); print(d['$1']['$2'] if '$1' else d['$2'])"
}

printf '%-22s %8s %8s %7s %9s %6s %8s\n' variant seconds ideal ratio requests 429s created
for variant in learned rate; do
  start_sandbox "$work" --core-limit "$limit" --window-ms 1000 --latency-ms "$latency" --roles moderator
  extra=()
  [ "$variant" = rate ] && extra=(--rate "$((limit * 60))")
  start=$(date +%s.%N)
  "$repo_root/build/cometchat-import" --quiet --base-url "$sandbox_url/v3" --workers 16 "${extra[@]}" \
    --report "$work/$variant.report.csv" "$work/users.csv"
  end=$(date +%s.%N)
  requests=$(counter requests total)
  limited=$(counter '' rate_limited)
  created=$(counter '' users)
  stop_sandbox
  awk -v v="$variant${extra[*]:+ (${extra[*]})}" -v s="$start" -v e="$end" -v i="$ideal" -v q="$requests" -v l="$limited" -v c="$created" \
    'BEGIN { t = e - s; printf "%-22s %8.1f %8.1f %6.1f%% %9d %6d %8d\n", v, t, i, 100 * i / t, q, l, c }'
done
