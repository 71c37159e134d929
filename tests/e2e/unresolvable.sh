#!/usr/bin/env bash
# Issue 29: a host that does not resolve is given up early and once. The tool runs in a network
# namespace of its own with no network at all (unshare -n), so the name fails to resolve at once
# and no query ever leaves this machine: the test touches no DNS server.
# Usage: unresolvable.sh PATH/TO/cometchat-import
set -euo pipefail
tool=$1
fail() { echo "FAIL: $*" >&2; exit 1; }
if ! unshare -n true 2>/dev/null; then
  # a container that forbids namespaces cannot run this case; say so loudly rather than pass it
  echo "SKIP: unshare -n is not permitted here, so the unresolvable host is not tried" >&2
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export XDG_STATE_HOME="$work/state" XDG_CONFIG_HOME="$work/config"
{
  echo uid,name
  for i in $(seq 1 200); do echo "user$i,User $i"; done
} >"$work/users.csv"
set +e
err=$(cd "$work" && COMETCHAT_API_KEY=unresolvable-test-key unshare -n "$tool" --app-id nosuchapp --region eu \
  --timeout 5 --summary-json summary.json --progress=never users.csv 2>&1)
code=$?
set -e
[ "$code" = 3 ] || fail "exited $code, not 3: $err"
case "$err" in *"unreachable at https://nosuchapp.api-eu.cometchat.io"*) ;; *) fail "no unreachable message naming the host: $err" ;; esac
[ "$(printf '%s\n' "$err" | grep -c 'unreachable at')" = 1 ] || fail "said more than once: $err"
case "$err" in *unresolvable-test-key*) fail "the key was echoed" ;; esac
# the summary's "requests": {..., "total": N}
requests=$(tr -d '\n' <"$work/summary.json" | grep -o '"requests":[[:space:]]*{[^}]*}' | grep -o '"total":[[:space:]]*[0-9]*' | grep -o '[0-9]*$' || true)
[ -n "$requests" ] || fail "no request count in summary.json"
[ "$requests" -le 15 ] || fail "$requests requests before giving up (at most 15)"
rows=$(($(wc -l <"$work/users.runs/latest/report.csv") - 1))
[ "$rows" = 200 ] || fail "the report accounts for $rows rows of 200"
echo "unresolvable: gave up after $requests requests, every row reported"
