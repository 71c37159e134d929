#!/usr/bin/env bash
# The cometchat-import binary's command line: --help, --version, and exit 2 with one line of
# reason for bad usage. Usage: cli.sh PATH/TO/cometchat-import
set -euo pipefail
tool=$1
fail() { echo "FAIL: $*" >&2; exit 1; }

"$tool" --help | grep -q 'Usage: cometchat-import' || fail "--help"
[ "$("$tool" --help | wc -l)" -le 24 ] || fail "--help is longer than a screen"
[ "$("$tool" --help | awk '{ if (length > 100) n++ } END { print n + 0 }')" = 0 ] || fail "--help has lines wider than 100"
"$tool" --version | grep -Eq '^cometchat-import [0-9]+\.[0-9]+\.[0-9]+$' || fail "--version"

"$tool" --template | grep -qx 'uid,name,avatar,link,role,statusMessage,tags,metadata,metadata.KEY,createdAt,lastActiveAt' || fail "--template"

set +e
# a template, help or version that could not be written is no success (a full disk)
for asked in --template --help --version; do
  err=$("$tool" "$asked" 2>&1 >/dev/full); code=$?
  [ "$code" = 2 ] || fail "$asked into a full disk exited $code"
  printf '%s\n' "$err" | grep -q 'cannot write to standard output' || fail "$asked into a full disk said: $err"
done
err=$("$tool" --bogus users.csv 2>&1 >/dev/null); code=$?
set -e
[ "$code" = 2 ] || fail "bad option exited $code"
[ "$(printf '%s\n' "$err" | wc -l)" = 1 ] || fail "bad option gave more than one line: $err"

set +e
err=$("$tool" --api-key=sk_0123456789abcdef users.csv 2>&1); code=$?
set -e
[ "$code" = 2 ] || fail "--api-key exited $code"
case "$err" in *0123456789abcdef*) fail "the key was echoed";; esac
# an output that is another output, or the input: refused before anything is read or sent
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export XDG_STATE_HOME="$work/state" # never the real home
printf 'uid,name\nana,Ana\n' >"$work/users.csv"
ln "$work/users.csv" "$work/hard.csv" # the input by another name: a hard link, another spelling
for clash in "--summary-json $work/users.csv" "--rejects $work/out.csv --report $work/out.csv" "--report $work/users.csv" \
  "--summary-json $work/./users.csv" "--report $work/hard.csv" "--summary-json $work/hard.csv"; do
  set +e
  # shellcheck disable=SC2086 # the option and its path are two words on purpose
  # --save-config too: a run that never started writes nothing, not even the settings
  err=$(cd "$work" && COMETCHAT_API_KEY=k "$tool" --base-url http://127.0.0.1:9/v3 --save-config $clash "$work/users.csv" 2>&1); code=$?
  set -e
  [ "$code" = 2 ] || fail "$clash exited $code: $err"
  case "$err" in *"nothing was sent"* | *"one would overwrite the other"*) ;; *) fail "$clash: $err" ;; esac
done
# an output named as a folder, even where a file of that name is: said as such, not as a journal
# that cannot be read beside it
touch "$work/out.csv"
for folder in "--report $work/out.csv/" "--rejects $work/." "--summary-json $work/out.csv/" "--report $work/none/"; do
  set +e
  # shellcheck disable=SC2086
  err=$(cd "$work" && COMETCHAT_API_KEY=k "$tool" --base-url http://127.0.0.1:9/v3 --dry-run $folder "$work/users.csv" 2>&1); code=$?
  set -e
  [ "$code" = 2 ] || fail "$folder exited $code: $err"
  case "$err" in *"ends as a folder's name does"*"nothing was sent"*) ;; *) fail "$folder: $err" ;; esac
done
rm "$work/out.csv"
[ "$(ls "$work" | grep -v "^state$" | tr '\n' ' ')" = "hard.csv users.csv " ] || fail "a refused run left files: $(ls "$work")" # no users.runs
[ "$(cat "$work/users.csv")" = "$(printf 'uid,name\nana,Ana')" ] || fail "the input was written over"
echo "cli: 7 passed, 0 failed"
