#!/usr/bin/env bash
# A rerun of an unchanged file with no journal (a new machine, a teammate's run), against a
# sandbox already holding its users: the requests it sends (goal: only the listing, one request
# for 1,000 users) and its peak memory (goal: at most 100 MB at a million rows).
# Usage: bench/rerun_no_journal.sh [ROWS]   (default 1000000)
set -euo pipefail
source "$(dirname "$0")/../scripts/lib/common.sh"
cd "$repo_root"
rows=${1:-1000000}

install_missing "${cci_packages[@]}" time python3
build build
work=$(mktemp -d)
trap 'stop_sandbox; rm -rf "$work"' EXIT
export COMETCHAT_API_KEY="bench-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
tool=$repo_root/build/cometchat-import
counter() { # GROUP NAME
  curl -s "$sandbox_url/admin/counters?uids=false" | python3 -c "import json,sys; print(int(json.load(sys.stdin)['$1']['$2']))"
}

bench/gen_users.sh "$rows" >"$work/users.csv"
start_sandbox "$work" --core-limit 4000000000 --standard-limit 4000000000 --roles moderator
# the users are there, from a run whose journal is lost
XDG_STATE_HOME="$work/first" "$tool" --quiet --base-url "$sandbox_url/v3" --workers 8 \
  --report "$work/first.report.csv" "$work/users.csv"
curl -s -X POST "$sandbox_url/admin/reset?keep=users" >/dev/null
XDG_STATE_HOME="$work/rerun" /usr/bin/time -f '%M %e' -o "$work/time" "$tool" --quiet --base-url "$sandbox_url/v3" \
  --report "$work/rerun.report.csv" "$work/users.csv"
read -r rss seconds <"$work/time"
unchanged=$(grep -c ',unchanged,' "$work/rerun.report.csv" || true)
printf 'rows %s: %s requests (%s list), %s unchanged, peak RSS %s KiB, %s s\n' "$rows" \
  "$(counter requests total)" "$(counter requests list)" "$unchanged" "$rss" "$seconds"
