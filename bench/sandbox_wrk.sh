#!/usr/bin/env bash
# Measures the sandbox with wrk: creates with distinct uids, zero latency, on loopback.
# Usage: bench/sandbox_wrk.sh [CONNECTIONS] [SECONDS] [RUNS]   (defaults 16 10 3)
# Prints the requests/s of each run and their median.
set -euo pipefail
source "$(dirname "$0")/../scripts/lib/common.sh"
cd "$repo_root"
connections=${1:-16} seconds=${2:-10} runs=${3:-3}

install_missing "${cci_packages[@]}" wrk
build build
work=$(mktemp -d)
trap 'stop_sandbox; rm -rf "$work"' EXIT
export COMETCHAT_API_KEY="bench-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"

rates=()
for run in $(seq 1 "$runs"); do
  # a fresh sandbox per run, with budgets no benchmark reaches
  start_sandbox "$work" --core-limit 4000000000 --standard-limit 4000000000
  wrk -t 2 -c "$connections" -d "${seconds}s" -s bench/wrk_create.lua "$sandbox_url" >"$work/wrk.out"
  rate=$(awk '/^Requests\/sec:/ {print $2}' "$work/wrk.out")
  non2xx=$(awk '/^non-2xx answers:/ {print $3}' "$work/wrk.out")
  users=$(curl -s "$sandbox_url/admin/counters?uids=false" | sed -n 's/.*"users":\([0-9]*\).*/\1/p')
  stop_sandbox
  printf 'run %d: %s requests/s, %s non-2xx, %s users held\n' "$run" "$rate" "$non2xx" "$users"
  rates+=("$rate")
done
median=$(printf '%s\n' "${rates[@]}" | median)
printf 'median over %d runs (%d connections, %ss each): %s creates/s\n' "$runs" "$connections" "$seconds" "$median"
