#!/usr/bin/env bash
# Install the packed npm packages of scripts/release.sh (target/release-dist/*.tgz) as a user would,
# into empty prefixes, without publishing them and without the network (npm runs --offline, or
# against a registry on loopback, with an empty cache and no npmrc of this machine), and run what
# they installed:
#   - `npx codex-fwd --version` names this commit; `codex-fwd -F cfg status h` reads a config;
#     the exit status (0, 1, 2), stdout and stderr pass through the launcher; a SIGTERM sent to
#     the launcher reaches the binary and the launcher ends by the same signal;
#   - the same from a global install (`npm install -g`), from `npx --package` with nothing
#     installed, and the one-line errors for an unsupported platform and a missing binary package;
#   - from a registry on loopback (scripts/npm-registry.js) serving every package of the release,
#     as the README prints it: `npx --yes codex-fwd ...` and `npm install -g codex-fwd`, where npm
#     itself must pick linux-x64 alone among the optional dependencies; after an install without
#     optional dependencies, the command the launcher's message names repairs it;
#   - the other platforms' binaries where this machine can run them: the Windows package's under
#     Wine (set up by ../shared/tools/windows-tests), the arm64 one under qemu-aarch64 if present.
# Prints "N passed, N failed" and exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
dist=$PWD/target/release-dist
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' crates/cli/Cargo.toml | head -n 1)
launcher=$dist/codex-fwd-$version.tgz
native=$dist/codex-fwd-linux-x64-$version.tgz
for f in "$launcher" "$native"; do
  [ -f "$f" ] || { echo "test-npm-install: $f is missing; run scripts/release.sh first" >&2; exit 2; }
done

# The commit the binaries name: the one release.sh built from (target/release-dist/COMMIT), which must
# be this checkout's HEAD (with -dirty if the tree had changes then).
commit=$(cat "$dist/COMMIT")
head=$(git rev-parse --short=12 HEAD)
if [ "${commit%-dirty}" != "$head" ]; then
  echo "test-npm-install: target/release-dist was built from $commit, HEAD is $head; run scripts/release.sh" >&2
  exit 2
fi

# Nothing stale: every binary in target/release-dist is this run's, packed into its tarball.
for b in "$dist"/bin/*/; do
  t=$(basename "$b")
  case "$t" in
    x86_64-unknown-linux-musl) p=linux-x64 ;; aarch64-unknown-linux-musl) p=linux-arm64 ;;
    x86_64-pc-windows-gnu) p=win32-x64 ;; *) p=unknown ;;
  esac
  [ -f "$dist/codex-fwd-$p-$version.tgz" ] || {
    echo "test-npm-install: $b has no package beside it (left from an earlier run?)" >&2
    exit 2
  }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/codex-fwd-npm.XXXXXX")
trap 'rm -rf "$work"' EXIT
# npm reads no user or global npmrc of this machine (one may say yes=false, omit=optional, ...).
: >"$work/npmrc" && : >"$work/npmrc-global"
export npm_config_userconfig=$work/npmrc npm_config_globalconfig=$work/npmrc-global \
  npm_config_cache=$work/npm-cache npm_config_offline=true npm_config_audit=false \
  npm_config_fund=false npm_config_update_notifier=false npm_config_loglevel=error
printf 'Host h\n    HostName 192.0.2.1\n' >"$work/cfg"
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok: $1"; }
bad() { failed=$((failed + 1)); echo "FAILED: $1" >&2; }
# check NAME WANT_STATUS WANT_OUTPUT_REGEX COMMAND...: runs COMMAND, stdout and stderr together.
check() {
  local name=$1 want=$2 re=$3 out rc
  shift 3
  out=$("$@" 2>&1)
  rc=$?
  if [ "$rc" = "$want" ] && grep -Eq -- "$re" <<<"$out"; then
    ok "$name"
  else
    bad "$name: exit $rc (wanted $want), output: $out"
  fi
}

# 1. A local install, as `npm install codex-fwd` in a project, then npx.
local_prefix=$work/local
mkdir -p "$local_prefix"
if npm install --prefix "$local_prefix" "$launcher" "$native" >"$work/install.log" 2>&1; then
  ok "npm install of the launcher and linux-x64 tarballs into an empty prefix"
else
  bad "npm install: $(cat "$work/install.log")"
fi
bin=$local_prefix/node_modules/.bin/codex-fwd
check "npx codex-fwd --version names the commit" 0 "^codex-fwd $version \\(commit $commit\\)\$" \
  bash -c 'cd "$1" && npx --no-install codex-fwd --version' _ "$local_prefix"
check "codex-fwd -F cfg status h" 0 '^h: 1455 localhost:1455 disabled' "$bin" -F "$work/cfg" status h
check "exit status 1 passes through (enable --check)" 1 'localhost:1455' "$bin" -F "$work/cfg" enable h --check
check "exit status 2 and stderr pass through (bad flag)" 2 "unexpected argument '--bogus'" "$bin" --bogus
check "stdout passes through (status --json)" 0 '"host": *"h"' "$bin" -F "$work/cfg" status h --json
installed=$(find "$local_prefix/node_modules" -maxdepth 1 -name 'codex-fwd*' -printf '%f\n' | sort | tr '\n' ' ')
if [ "$installed" = "codex-fwd codex-fwd-linux-x64 " ]; then
  ok "only the launcher and linux-x64 were installed ($installed)"
else
  bad "installed packages: '$installed' (wanted the launcher and linux-x64)"
fi

# 2. Signals: `status` reading a FIFO whose writer stays open blocks until it is ended.
mkfifo "$work/fifo"
exec 3<>"$work/fifo"
# signal_test NAME SIGNAL WHO: start the launcher in a process group of its own, send SIGNAL to
# the launcher alone (WHO=launcher) or to the whole group as Ctrl-C on a terminal does
# (WHO=group); the binary must be gone and the launcher must end by the same signal.
signal_test() {
  local name=$1 sig=$2 who=$3 node_pid child="" rc want
  setsid "$bin" -F "$work/fifo" status h >/dev/null 2>&1 &
  node_pid=$!
  for _ in $(seq 1 100); do
    child=$(pgrep -P "$node_pid" -x codex-fwd || true)
    [ -n "$child" ] && break
    sleep 0.1
  done
  if [ -z "$child" ]; then
    bad "$name: the launcher did not start the binary"
    kill "$node_pid" 2>/dev/null
    return
  fi
  if [ "$who" = group ]; then kill "-$sig" -- "-$node_pid"; else kill "-$sig" "$node_pid"; fi
  { wait "$node_pid"; } 2>/dev/null
  rc=$?
  want=$((128 + $(kill -l "$sig")))
  sleep 0.2
  if [ "$rc" = "$want" ] && ! kill -0 "$child" 2>/dev/null; then
    ok "$name (status $rc)"
  else
    bad "$name: launcher status $rc (wanted $want), binary $(kill -0 "$child" 2>/dev/null && echo 'still running' || echo gone)"
    kill -9 "$child" 2>/dev/null
  fi
}
signal_test "SIGTERM to the launcher alone ends the binary and the launcher by SIGTERM" TERM launcher
signal_test "SIGHUP to the launcher alone ends the binary and the launcher by SIGHUP" HUP launcher
signal_test "Ctrl-C (SIGINT to the process group) ends both, by SIGINT" INT group
exec 3>&-

# 3. A global install, as `npm install -g codex-fwd`.
global_prefix=$work/global
if npm install -g --prefix "$global_prefix" "$launcher" "$native" >"$work/install-g.log" 2>&1; then
  check "global install: codex-fwd --version" 0 "^codex-fwd $version \\(commit $commit\\)\$" \
    "$global_prefix/bin/codex-fwd" --version
else
  bad "npm install -g: $(cat "$work/install-g.log")"
fi

# 4. npx with nothing installed, as `npx codex-fwd login myserver` does from the registry.
check "npx --package (nothing installed) runs status" 0 '^h: 1455 localhost:1455 disabled' \
  bash -c 'cd "$1" && npx --yes --package "$2" --package "$3" codex-fwd -F "$1/cfg" status h' _ "$work" "$launcher" "$native"

# 4b. From a registry, as the README prints it: a loopback registry (scripts/npm-registry.js)
# serves every package of the release, and npm itself must pick the platform package among the
# launcher's optional dependencies by their os and cpu.
node scripts/npm-registry.js "$dist"/codex-fwd*.tgz >"$work/registry-url" 2>"$work/registry.log" &
registry_pid=$!
trap 'kill "$registry_pid" 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 50); do [ -s "$work/registry-url" ] && break; sleep 0.1; done
registry=$(cat "$work/registry-url")
# from_registry DIR COMMAND...: run COMMAND in DIR with npm reading that registry, online.
from_registry() {
  (cd "$1" && shift && npm_config_registry=$registry npm_config_offline=false \
    npm_config_cache=$work/registry-cache "$@")
}
mkdir -p "$work/reg-npx" "$work/reg-global" "$work/reg-omit"
cp "$work/cfg" "$work/reg-npx/cfg"
check "registry: npx --yes codex-fwd -F cfg status h, nothing installed" 0 '^h: 1455 localhost:1455 disabled' \
  from_registry "$work/reg-npx" npx --yes codex-fwd -F cfg status h
if from_registry "$work" npm install -g --prefix "$work/reg-global" codex-fwd >"$work/reg-g.log" 2>&1; then
  installed=$(find "$work/reg-global" -path '*/node_modules/codex-fwd*' -name package.json \
    -exec sed -n 's/^  "name": "\(.*\)",$/\1/p' {} + | sort | tr '\n' ' ')
  if [ "$installed" = "codex-fwd codex-fwd-linux-x64 " ]; then
    ok "registry: npm install -g codex-fwd installs the launcher and linux-x64 only"
  else
    bad "registry: npm install -g codex-fwd installed: $installed"
  fi
  check "registry: global codex-fwd --version" 0 "^codex-fwd $version \\(commit $commit\\)\$" \
    "$work/reg-global/bin/codex-fwd" --version
else
  bad "registry: npm install -g codex-fwd: $(cat "$work/reg-g.log")"
fi
# Without its optional dependencies the launcher names a command; run as printed, it repairs.
from_registry "$work/reg-omit" npm install --omit=optional codex-fwd >/dev/null 2>&1
msg=$(from_registry "$work/reg-omit" npx --no-install codex-fwd --version 2>&1)
fix=$(sed -n 's/.*reinstall with `\([^`]*\)`.*/\1/p' <<<"$msg")
if [ -n "$fix" ] && from_registry "$work/reg-omit" bash -c "$fix" >/dev/null 2>&1; then
  check "registry: the missing-binary message's command ($fix) repairs the install" 0 \
    "^codex-fwd $version \\(commit $commit\\)\$" from_registry "$work/reg-omit" npx --no-install codex-fwd --version
else
  bad "registry: no working command in the missing-binary message: $msg"
fi

# 5. The launcher's one-line errors.
check "unsupported platform: one line, exit 1" 1 '^codex-fwd: no prebuilt binary for linux-riscv64 \(there are for .*linux-x64.*\); build it from source with `cargo install codex-fwd`$' \
  node -e 'Object.defineProperty(process, "arch", { value: "riscv64" }); require(process.argv[1])' \
  "$local_prefix/node_modules/codex-fwd/bin/codex-fwd.js" --version
# An argument that is not UTF-8 (a Latin-1 file name) would reach the binary altered (U+FFFD):
# refused, nothing written, and the binary the message names takes it as it is.
mkdir -p "$work/latin1" && cp "$work/cfg" "$work/latin1/caf"$'\xe9'".cfg"
check "a non-UTF-8 argument: one line, exit 2" 2 '^codex-fwd: argument 2 \(.*\) has bytes that are not UTF-8.*run the binary itself: ".*/codex-fwd"$' \
  "$bin" -F "$work/latin1/caf"$'\xe9'".cfg" enable h --yes
check "... through npx as well" 2 'has bytes that are not UTF-8' \
  bash -c 'cd "$1" && npx --no-install codex-fwd -F "$2" enable h --yes' _ "$local_prefix" "$work/latin1/caf"$'\xe9'".cfg"
if [ "$(ls "$work/latin1" | wc -l)" = 1 ]; then ok "... and nothing was written"; else bad "a non-UTF-8 argument: files now: $(ls "$work/latin1")"; fi
native_bin=$(sed -n 's/.*run the binary itself: "\(.*\)"$/\1/p' <<<"$("$bin" -F "$work/latin1/caf"$'\xe9'".cfg" status h 2>&1)")
check "... and the binary it names reads that file" 0 '^h: 1455 localhost:1455 disabled  \[hostname=192.0.2.1\]' \
  "$native_bin" -F "$work/latin1/caf"$'\xe9'".cfg" status h

bare=$work/bare
mkdir -p "$bare"
npm install --prefix "$bare" --omit=optional "$launcher" >/dev/null 2>&1
check "binary package missing: one line, exit 1" 1 '^codex-fwd: the package codex-fwd-linux-x64, which holds the binary for linux-x64, is not installed' \
  "$bare/node_modules/.bin/codex-fwd" --version

# 6. The other platforms' binaries, from their tarballs.
win=$dist/codex-fwd-win32-x64-$version.tgz
if [ -f "$win" ]; then
  mkdir -p "$work/win" && tar -xzf "$win" -C "$work/win"
  check "win32-x64 package: os win32, cpu x64" 0 '"os": \[\s*"win32"' tr -d '\n' <"$work/win/package/package.json"
  wine_dir=${WINCHECK_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/codex-fwd-wincheck}
  if [ -x /usr/lib/wine/wine64 ] && [ -f "$wine_dir/wineprefix/drive_c/windows/system32/bcryptprimitives.dll" ]; then
    export WINEPREFIX=$wine_dir/wineprefix WINEDEBUG=-all
    exe=$work/win/package/bin/codex-fwd.exe
    check "win32-x64 under Wine: --version" 0 "^codex-fwd $version \\(commit $commit\\)" /usr/lib/wine/wine64 "$exe" --version
    check "win32-x64 under Wine: -F cfg status h" 0 '^h: 1455 localhost:1455 disabled' /usr/lib/wine/wine64 "$exe" -F "$work/cfg" status h
    # A config written on Windows: CRLF line endings; the forward is found, and enable keeps CRLF.
    printf 'Host w\r\n    HostName 192.0.2.2\r\n    LocalForward 1455 localhost:1455\r\n' >"$work/crlf"
    check "win32-x64 under Wine: status on a CRLF config" 0 '^w: 1455 localhost:1455 enabled' /usr/lib/wine/wine64 "$exe" -F "$work/crlf" status w
    printf 'Host v\r\n    HostName 192.0.2.3\r\n' >"$work/crlf2"
    /usr/lib/wine/wine64 "$exe" -F "$work/crlf2" enable v --yes >/dev/null 2>&1
    check "win32-x64 under Wine: enable on a CRLF config writes CRLF" 0 '^Host v\^M\$    HostName 192\.0\.2\.3\^M\$    LocalForward 1455 localhost:1455\^M\$$' \
      bash -c 'cat -A "$1" | tr -d "\n"' _ "$work/crlf2"
    /usr/lib/wine/wineserver -k 2>/dev/null || true
  else
    bad "win32-x64: Wine is not set up here (run ../shared/tools/windows-tests once, it prepares it)"
  fi
fi
arm=$dist/codex-fwd-linux-arm64-$version.tgz
if [ -f "$arm" ]; then
  mkdir -p "$work/arm" && tar -xzf "$arm" -C "$work/arm"
  if command -v qemu-aarch64-static >/dev/null || command -v qemu-aarch64 >/dev/null; then
    qemu=$(command -v qemu-aarch64-static || command -v qemu-aarch64)
    check "linux-arm64 under qemu: -F cfg status h" 0 '^h: 1455 localhost:1455 disabled' "$qemu" "$work/arm/package/bin/codex-fwd" -F "$work/cfg" status h
  else
    check "linux-arm64 package: a static aarch64 binary" 0 'ARM aarch64.*statically linked' file "$work/arm/package/bin/codex-fwd"
  fi
fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
