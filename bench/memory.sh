#!/usr/bin/env bash
# Peak memory (RSS) of cometchat-import as the file grows: a dry run and an import into a fresh
# sandbox for each size. Memory should grow only with the UID set (a few dozen bytes a row),
# never with the file.
# Usage: bench/memory.sh [SIZES...]   (default: 10000 100000 1000000)
set -euo pipefail
source "$(dirname "$0")/../scripts/lib/common.sh"
cd "$repo_root"
sizes=("$@")
((${#sizes[@]})) || sizes=(10000 100000 1000000)

install_missing "${cci_packages[@]}" time
build build
work=$(mktemp -d)
trap 'stop_sandbox; rm -rf "$work"' EXIT
export XDG_STATE_HOME="$work" # the app's journal stays in the throwaway folder
export COMETCHAT_API_KEY="bench-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
tool=$repo_root/build/cometchat-import

# measure LABEL ARGS...: runs the tool under /usr/bin/time; prints peak RSS (KiB) and seconds
measure() {
  local label=$1
  shift
  /usr/bin/time -f '%M %e' -o "$work/time" "$tool" --quiet "$@" >/dev/null 2>"$work/err" || {
    local status=$?
    [ "$status" = 1 ] || { cat "$work/err" >&2; return "$status"; }
  }
  read -r rss seconds < <(tail -n 1 "$work/time")
  printf '%-10s %-8s %10s KiB %8s s\n' "$rows" "$label" "$rss" "$seconds"
}

printf '%-10s %-8s %14s %10s\n' rows run "peak RSS" time
for rows in "${sizes[@]}"; do
  bench/gen_users.sh "$rows" >"$work/users.csv"
  measure dry-run --dry-run --report "$work/dry.report.csv" "$work/users.csv"
  start_sandbox "$work" --core-limit 4000000000 --standard-limit 4000000000 --roles moderator
  measure import --base-url "$sandbox_url/v3" --workers 8 --report "$work/import.report.csv" "$work/users.csv"
  stop_sandbox
  rm -rf "$work"/*.report*.csv "$work"/*.rejects*.csv "$work/cometchat-import" # a fresh app each time
done
