#!/usr/bin/env bash
# Does the newest Codex CLI still behave as codex-fwd relies on? (docs/codex.md lists the facts.)
#
#   tests/codex-drift.sh              # installs the newest @openai/codex from the npm registry
#   tests/codex-drift.sh 0.171.0      # a given version
#   CODEX=/path/to/codex tests/codex-drift.sh   # an installed one, nothing downloaded
#
# It installs Codex into a temporary prefix (npm), then, in a network namespace of its own
# (`unshare --net`, as root or through a user namespace; nothing but loopback, so no port of
# this machine matters and no request leaves it), runs `codex login` with a temporary HOME and
# CODEX_HOME and reports: the addresses it listens on (`ss -ltnp`), the "Starting local login
# server" line, the redirect_uri's host, port and path, what a wrong state and the right one get,
# and the same with 1455 held by another server (the fallback port, and what the holder
# receives). Exit 0: everything as expected; 1: something differs (the DIFF lines say what);
# 2: it could not run. Needs node and npm (unless CODEX is set), python3, ss, unshare.
set -euo pipefail

if [ "${CODEX_DRIFT_INNER:-}" != 1 ]; then
  version="${1:-latest}"
  work="$(mktemp -d "${TMPDIR:-/tmp}/codex-drift.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  if [ -n "${CODEX:-}" ]; then
    codex="$CODEX"
  else
    command -v npm >/dev/null || { echo "codex-drift: npm not found (apt-get install nodejs npm)" >&2; exit 2; }
    echo "installing @openai/codex@$version into $work/prefix ..." >&2
    npm install --prefix "$work/prefix" --no-audit --no-fund --loglevel=error "@openai/codex@$version" >&2 \
      || { echo "codex-drift: npm install failed" >&2; exit 2; }
    codex="$work/prefix/node_modules/.bin/codex"
  fi
  [ -x "$codex" ] || { echo "codex-drift: no codex at $codex" >&2; exit 2; }
  seen_version="$("$codex" --version 2>/dev/null | tr -d '\r' | awk '{print $NF}')"
  echo "codex $seen_version ($codex)"
  set +e
  if [ "$(id -u)" = 0 ]; then
    CODEX_DRIFT_INNER=1 CODEX="$codex" WORK="$work" unshare --net -- "$0"
  else
    CODEX_DRIFT_INNER=1 CODEX="$codex" WORK="$work" unshare --net --map-root-user -- "$0"
  fi
  rc=$?
  set -e
  [ "$rc" = 0 ] && echo "codex $seen_version: as codex-fwd expects" || echo "codex $seen_version: DIFFERS (exit $rc)"
  exit "$rc"
fi

# Inside the namespace: only loopback, and it is down until now.
ip link set lo up 2>/dev/null || python3 - <<'EOF' || { echo "codex-drift: cannot bring lo up" >&2; exit 2; }
import socket, fcntl, struct
s = socket.socket()
ifr = struct.pack("16sH", b"lo", 0)
flags = struct.unpack("16sH", fcntl.ioctl(s, 0x8913, ifr))[1]
fcntl.ioctl(s, 0x8914, struct.pack("16sH", b"lo", flags | 1))
EOF
unset http_proxy HTTP_PROXY https_proxy HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY

diffs=0
report() { # report FACT EXPECTED SEEN
  if [ "$2" = "$3" ]; then
    printf 'ok    %-34s %s\n' "$1" "$3"
  else
    printf 'DIFF  %-34s expected %s, seen %s\n' "$1" "$2" "${3:-(nothing)}"
    diffs=$((diffs + 1))
  fi
}

# GET URL -> HTTP status, or "refused"/"error"; waits up to 40 s for the answer (Codex answers
# the callback only after its token exchange has failed).
get() {
  python3 - "$1" <<'EOF'
import sys, urllib.request, urllib.error
try:
    print(urllib.request.build_opener(urllib.request.ProxyHandler({})).open(sys.argv[1], timeout=40).status)
except urllib.error.HTTPError as e:
    print(e.code)
except Exception as e:
    print("refused" if "refused" in str(e) else "error")
EOF
}

# login PORT: runs `codex login` in the background, waits for its URL; sets pid, out, url.
login() {
  local home
  home="$(mktemp -d "$WORK/home.XXXXXX")"
  mkdir "$home/codex"
  out="$home/out"
  HOME="$home" CODEX_HOME="$home/codex" BROWSER=true "$CODEX" login </dev/null >"$out" 2>&1 &
  pid=$!
  url=""
  for _ in $(seq 150); do
    url="$(grep -o 'https://auth\.openai\.com/oauth/authorize?[^[:space:]]*originator=[^[:space:]]*' "$out" | head -n1 || true)"
    [ -n "$url" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  if [ -z "$url" ]; then
    echo "codex-drift: codex login printed no authorize URL:" >&2
    cat "$out" >&2
    exit 2
  fi
}

param() { # param URL NAME -> decoded value
  python3 -c 'import sys, urllib.parse; q = urllib.parse.parse_qs(urllib.parse.urlsplit(sys.argv[1]).query); print(q.get(sys.argv[2], [""])[0])' "$1" "$2"
}

listens() { # listens PID -> "addr:port ..." of its listening TCP sockets (the native binary is a child of node)
  local pids
  pids="$(pgrep -P "$1" | tr '\n' ' ')$1"
  ss -Hltnp | while read -r _ _ _ local _ users; do
    for p in $pids; do
      case "$users" in *"pid=$p,"*) echo "$local" ;; esac
    done
  done | sort -u | tr '\n' ' ' | sed 's/ $//'
}

check_login() { # check_login PORT: a login whose server should be on PORT
  local port="$1" redirect starting state status
  report "listens on ($port)" "127.0.0.1:$port" "$(listens "$pid")"
  starting="$(grep -o 'Starting local login server on [^[:space:]]*' "$out" | head -n1 || true)"
  report "prints ($port)" "Starting local login server on http://localhost:$port." "$starting"
  redirect="$(param "$url" redirect_uri)"
  report "redirect_uri ($port)" "http://127.0.0.1:$port/auth/callback" "$redirect"
  state="$(param "$url" state)"
  status="$(get "$redirect?code=drift&state=wrong-$state")"
  report "wrong state ($port)" "400, still waiting" "$status, $(kill -0 "$pid" 2>/dev/null && echo still waiting || echo ended)"
  status="$(get "$redirect?code=drift&state=$state")"
  local code=0
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then kill "$pid"; code=running; else wait "$pid" || code=$?; fi
  report "right state ($port)" "200, 'Token exchange error', exit 1" \
    "$status, $(grep -q 'Token exchange error' "$out" && echo "'Token exchange error'" || echo 'no token exchange line'), exit $code"
}

echo "-- codex login, 1455 free"
login
echo "authorize URL: $url"
echo "$(grep -m1 'Starting local login server' "$out")"
report "authorize URL" "https://auth.openai.com/oauth/authorize?" "${url%%\?*}?"
check_login 1455

echo "-- codex login, 127.0.0.1:1455 held by another server"
holder_log="$WORK/holder.log"
python3 - "$holder_log" <<'EOF' &
import sys, http.server
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        open(sys.argv[1], "a").write(self.path + "\n")
        self.send_response(200); self.end_headers()
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", 1455), H).serve_forever()
EOF
holder=$!
for _ in $(seq 50); do [ "$(get http://127.0.0.1:1455/ready)" = 200 ] && break; sleep 0.1; done
login
check_login 1457
report "the holder of 1455 got" "/ready /cancel" "$(tr '\n' ' ' < "$holder_log" | sed 's/ $//')"
kill "$holder"

if "$CODEX" login --help 2>/dev/null | grep -q -- '--device-auth'; then dev=yes; else dev=no; fi
report "codex login --device-auth exists" yes "$dev"

[ "$diffs" = 0 ] || exit 1
