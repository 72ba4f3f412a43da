#!/bin/bash
# What the one-connection design of `codex-fwd login` costs per browser connection: N HTTP
# GETs (a new TCP connection each, as a browser's callback is) through
#   A) a plain `ssh -L` forward, and
#   B) `codex-fwd login`'s loopback listener, relayed through the same ssh's `-D` (SOCKS5),
#   C) `codex-fwd login --relay`: each request made by curl on the remote (issue 18),
# between two network namespaces (the laptop and the remote, sshd -i as ProxyCommand).
# Needs root, ip netns, sshd, python3. Usage: bench/login_carry.sh [N] [codex-fwd binary]
set -euo pipefail
N=${1:-200}
BIN=${2:-target/release/codex-fwd}
BIN=$(realpath "$BIN")
D=$(mktemp -d)
L=cfwd-bench-l-$$ R=cfwd-bench-r-$$
cleanup() {
  jobs -p | xargs -r kill 2>/dev/null || true
  ip netns del $L 2>/dev/null || true
  ip netns del $R 2>/dev/null || true
  rm -rf "$D"
}
trap cleanup EXIT
ip netns add $L && ip netns add $R
ip netns exec $L ip link set lo up && ip netns exec $R ip link set lo up
ssh-keygen -q -t ed25519 -N '' -f $D/id && ssh-keygen -q -t ed25519 -N '' -f $D/host
cp $D/id.pub $D/ak; chmod 700 $D; mkdir -p /run/sshd
cat > $D/sshd_config <<X
HostKey $D/host
AuthorizedKeysFile $D/ak
PidFile none
UsePAM no
StrictModes no
PermitRootLogin yes
PasswordAuthentication no
KbdInteractiveAuthentication no
AllowTcpForwarding yes
LogLevel ERROR
X
cat > $D/config <<X
Host t
  User root
  IdentityFile $D/id
  UserKnownHostsFile /dev/null
  StrictHostKeyChecking no
  BatchMode yes
  LogLevel ERROR
  ProxyCommand ip netns exec $R $(command -v sshd) -i -f $D/sshd_config
X
ip netns exec $R python3 -c '
import http.server
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        b = b"ok\n"; self.send_response(200); self.send_header("Content-Length", "3"); self.end_headers(); self.wfile.write(b)
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("127.0.0.1", 8000), H).serve_forever()' &
sleep 1
GETS='
import sys, time, http.client, statistics
n = int(sys.argv[1]); t = []
for _ in range(n):
    s = time.perf_counter()
    c = http.client.HTTPConnection("127.0.0.1", 8000, timeout=10)
    c.request("GET", "/auth/callback?code=x&state=y"); r = c.getresponse(); r.read(); c.close()
    assert r.status == 200
    t.append((time.perf_counter() - s) * 1000)
t.sort()
print("median %.2f ms  p90 %.2f ms  total %.0f ms" % (statistics.median(t), t[int(n * .9)], sum(t)))'
wait_port() { for _ in $(seq 100); do ip netns exec $L ss -Hltn | grep -q ":$1 " && return 0; sleep 0.1; done; return 1; }

ip netns exec $L ssh -F $D/config -N -L localhost:8000:127.0.0.1:8000 t & A=$!
wait_port 8000
printf 'A) ssh -L:                    '; ip netns exec $L python3 -c "$GETS" $N
kill $A; wait $A 2>/dev/null || true

ip netns exec $L "$BIN" -F $D/config login t --no-browser -- sh -c "'echo http://127.0.0.1:8000/x; sleep 600'" >/dev/null 2>$D/login.err </dev/null & B=$!
wait_port 8000 || { cat $D/login.err; exit 1; }
printf 'B) codex-fwd login (ssh -D):  '; ip netns exec $L python3 -c "$GETS" $N
kill -INT $B; wait $B 2>/dev/null || true

# C) the relay (issue 18): each request run by curl on the remote through the login's private
# ControlMaster (an ssh session, sh and curl per request), for where no forward can carry it.
ip netns exec $L "$BIN" -F $D/config login t --relay --no-browser -- sh -c "'echo http://127.0.0.1:8000/x; sleep 600'" >/dev/null 2>$D/relay.err </dev/null & C=$!
wait_port 8000 || { cat $D/relay.err; exit 1; }
printf 'C) codex-fwd login --relay:   '; ip netns exec $L python3 -c "$GETS" $N
kill -INT $C; wait $C 2>/dev/null || true
