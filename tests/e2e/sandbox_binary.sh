#!/usr/bin/env bash
# The cometchat-sandbox binary: --port 0 with --port-file, a round trip with curl, --load, a clean
# stop on SIGTERM. Usage: sandbox_binary.sh PATH/TO/cometchat-sandbox
set -euo pipefail
sandbox=$1
work=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

printf 'full e2e-key\nauth e2e-auth-key\n' >"$work/keys"
printf '{"users":[{"uid":"preloaded","name":"Pre Loaded","tags":["x"]}]}' >"$work/users.json"
"$sandbox" --port 0 --port-file "$work/port" --keys-file "$work/keys" --load "$work/users.json" \
  2>"$work/log" &
pid=$!
# Wait for the port file: the sandbox writes it once it listens. Bounded by the sandbox's life, not
# by a count of tries: a slow start (a loaded machine, the sanitizers) only waits longer, a sandbox
# that died says so, and one that hangs is ctest's TIMEOUT.
until [ -s "$work/port" ]; do kill -0 "$pid" 2>/dev/null || fail "sandbox died: $(cat "$work/log")"; sleep 0.05; done
port=$(cat "$work/port")
base="http://127.0.0.1:$port"

status=$(curl -s -o "$work/out" -w '%{http_code}' -H 'apikey: e2e-key' -H 'Content-Type: application/json' \
  -d '{"uid":"Zoe","name":"Zoë"}' "$base/v3/users")
[ "$status" = 200 ] || fail "create answered $status: $(cat "$work/out")"
grep -q '"uid":"zoe"' "$work/out" || fail "uid not lowercased: $(cat "$work/out")"

status=$(curl -s -o "$work/out" -w '%{http_code}' -H 'apikey: e2e-key' "$base/v3.0/users/preloaded")
[ "$status" = 200 ] || fail "preloaded user not found: $status"

status=$(curl -s -o "$work/out" -w '%{http_code}' -X PUT -H 'apikey: e2e-auth-key' \
  -H 'Content-Type: application/json' -d '{"name":"x"}' "$base/v3/users/zoe")
[ "$status" = 403 ] || fail "auth-only update answered $status"
grep -q AUTH_ERR_NO_ACCESS "$work/out" || fail "no AUTH_ERR_NO_ACCESS"

curl -s "$base/admin/users" >"$work/dump"
grep -q '"name":"Zoë"' "$work/dump" || fail "dump lacks the new user: $(cat "$work/dump")"

kill -TERM "$pid"
wait "$pid" || fail "sandbox exited non-zero on SIGTERM"
pid=
echo "sandbox binary: 1 passed, 0 failed"
