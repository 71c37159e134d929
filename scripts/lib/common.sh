# Shared by scripts/test, scripts/demo and bench/: installs what is missing, builds.
# Sourced, not run. Expects the caller to have set -euo pipefail.

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# Debian packages the build, the tests and the demo need.
cci_packages=(
  cmake make gcc pkg-config
  libcsv-dev libcurl4-openssl-dev libcjson-dev check libsubunit-dev libmicrohttpd-dev
  libzip-dev libexpat1-dev libfreexl-dev libxlsxwriter-dev libxxhash-dev
  curl ca-certificates
)

log() { if [ -t 2 ]; then printf '\033[1m==> %s\033[0m\n' "$*" >&2; else printf '==> %s\n' "$*" >&2; fi; }

# Installs the listed Debian packages that are not installed yet; apt-get only runs when needed,
# so a second run changes nothing.
install_missing() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  ((${#missing[@]})) || return 0
  local sudo=()
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { echo "need root or sudo to install: ${missing[*]}" >&2; return 1; }
    sudo=(sudo)
  fi
  log "installing ${missing[*]}"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# build DIR [cmake args...]: configures (once) and builds into DIR below the repository.
build() {
  local dir=$repo_root/$1
  shift
  cmake -S "$repo_root" -B "$dir" -DCCI_WERROR=ON "$@" >/dev/null
  cmake --build "$dir" -j "$(nproc)" >/dev/null
}

# start_sandbox WORKDIR [sandbox options...]: starts build/tests/cometchat-sandbox on a free
# loopback port with a full-access key (in WORKDIR/keys) and sets sandbox_pid, sandbox_port,
# sandbox_url. The caller stops it with stop_sandbox (use a trap).
start_sandbox() {
  local work=$1
  shift
  umask 077
  printf 'full %s\n' "${COMETCHAT_API_KEY:?set COMETCHAT_API_KEY first}" >"$work/keys"
  rm -f "$work/port"
  "$repo_root/build/tests/cometchat-sandbox" --port 0 --port-file "$work/port" \
    --keys-file "$work/keys" "$@" 2>"$work/sandbox.log" &
  sandbox_pid=$!
  local tries
  for tries in $(seq 1 200); do # at most 10 s
    [ -s "$work/port" ] && break
    kill -0 "$sandbox_pid" 2>/dev/null || { cat "$work/sandbox.log" >&2; return 1; }
    sleep 0.05
  done
  [ -s "$work/port" ] || { echo "the sandbox did not start" >&2; return 1; }
  sandbox_port=$(cat "$work/port")
  sandbox_url="http://127.0.0.1:$sandbox_port"
}

stop_sandbox() {
  if [ -n "${sandbox_pid:-}" ]; then
    kill -TERM "$sandbox_pid" 2>/dev/null || true
    wait "$sandbox_pid" 2>/dev/null || true
    sandbox_pid=
  fi
}

# Benchmarks' helpers (bench/run, bench/dry_run.sh).
# median: the median of the numbers on standard input, one a line.
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# seconds COMMAND...: the command's wall seconds (its output dropped; exit 1 is an answer, not a failure).
seconds() {
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null 2>&1 || [ $? = 1 ]
  end=$(date +%s.%N)
  awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f\n", e - s }'
}
