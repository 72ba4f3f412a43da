//! The seed scenario end to end, with real OpenSSH and no mocks.
//!
//! Two network namespaces play the laptop and the remote machine, each with its own
//! `localhost:1455`. On the remote a small HTTP server stands in for Codex's login callback and
//! records request paths; `sshd -i` serves the remote, reached from the laptop through
//! `ProxyCommand ip netns exec REMOTE sshd -i`. On the laptop `ssh -N myserver` runs and an HTTP GET
//! goes to `http://localhost:1455/auth/callback?...`. For `codex-fwd login`, a stand-in `codex` on
//! the remote prints the authorize URL and serves the callback, and `$BROWSER` is a script that
//! follows the URL's redirect as a browser would.
//!
//! Needs root, `ip netns`, `sshd` and `python3`. Elsewhere it is skipped with the reason printed;
//! under CI (`CI` set) a missing piece is a failure.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CALLBACK: &str = "/auth/callback?code=ac_e2e_123&state=st_456";

struct Netns(String);

impl Netns {
    fn new(name: String) -> Result<Netns, String> {
        let _ = Command::new("ip").args(["netns", "del", &name]).output();
        let ok = Command::new("ip")
            .args(["netns", "add", &name])
            .status()
            .map_err(|e| format!("ip: {e}"))?
            .success();
        if !ok {
            return Err(format!("ip netns add {name} failed"));
        }
        let ns = Netns(name);
        let up = Command::new("ip")
            .args(["netns", "exec", &ns.0, "ip", "link", "set", "lo", "up"])
            .status()
            .map_err(|e| e.to_string())?;
        if !up.success() {
            return Err("cannot bring lo up".into());
        }
        Ok(ns)
    }

    fn cmd(&self, prog: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.0]).arg(prog);
        for v in [
            "http_proxy",
            "HTTP_PROXY",
            "https_proxy",
            "HTTPS_PROXY",
            "all_proxy",
            "ALL_PROXY",
        ] {
            c.env_remove(v);
        }
        c
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.0]).output();
    }
}

/// A child process killed (and reaped) when dropped, even when the test fails.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn which(prog: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")
        .and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|d| d.join(prog))
                .find(|p| p.is_file())
        })
        .or_else(|| {
            let p = Path::new("/usr/sbin").join(prog);
            p.is_file().then_some(p)
        })
}

fn missing_piece() -> Option<String> {
    if std::fs::metadata("/proc/self")
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m))
        .ok()
        != Some(0)
    {
        return Some("not root".into());
    }
    for p in ["ip", "sshd", "ssh", "ssh-keygen", "python3"] {
        if which(p).is_none() {
            return Some(format!("{p} not found"));
        }
    }
    None
}

/// Wait until `f` is true, at most `secs` seconds.
fn wait_for(secs: u64, mut f: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < end {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

const GET: &str = r#"
import sys, urllib.request, urllib.error
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
try:
    r = opener.open(sys.argv[1], timeout=5)
    print(r.status)
except urllib.error.URLError as e:
    print("refused" if isinstance(e.reason, ConnectionRefusedError) else "error: %s" % e.reason)
except ConnectionRefusedError:
    print("refused")
except Exception as e:
    print("error: %r" % e)
"#;

struct World {
    dir: tempfile::TempDir,
    laptop: Netns,
    remote: Netns,
    _server: Guard,
    config: PathBuf,
    original: Vec<u8>,
    sessions: usize,
}

impl World {
    fn new() -> Result<World, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let d = dir.path();
        // Unique per World: the tests of this file may run in parallel threads of one process.
        static WORLDS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = WORLDS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let tag = format!("{}-{n}", std::process::id());
        let laptop = Netns::new(format!("cfwd-laptop-{tag}"))?;
        let remote = Netns::new(format!("cfwd-remote-{tag}"))?;
        for key in ["id", "host"] {
            let ok = Command::new("ssh-keygen")
                .args(["-q", "-t", "ed25519", "-N", "", "-f"])
                .arg(d.join(key))
                .status()
                .map_err(|e| e.to_string())?
                .success();
            assert!(ok, "ssh-keygen");
        }
        std::fs::copy(d.join("id.pub"), d.join("authorized_keys")).unwrap();
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o700)).unwrap();
        std::fs::create_dir_all("/run/sshd").unwrap();
        let sshd = which("sshd").unwrap();
        std::fs::write(
            d.join("sshd_config"),
            format!(
                "HostKey {d}/host\nAuthorizedKeysFile {d}/authorized_keys\nPidFile none\nUsePAM no\n\
                 StrictModes no\nPermitRootLogin yes\nPubkeyAuthentication yes\nPasswordAuthentication no\n\
                 KbdInteractiveAuthentication no\nAllowTcpForwarding yes\nLogLevel ERROR\n",
                d = d.display()
            ),
        )
        .unwrap();
        let t = Command::new(&sshd)
            .arg("-t")
            .arg("-f")
            .arg(d.join("sshd_config"))
            .output()
            .unwrap();
        assert!(t.status.success(), "sshd -t: {t:?}");
        // The user's config, as it might look before codex-fwd: a comment, tabs, a Host * block.
        let config = d.join("config");
        let text = format!(
            "# my laptop's ssh config\nHost myserver\n\tUser root\n\tIdentityFile {d}/id\n\tIdentitiesOnly yes\n\
             \tUserKnownHostsFile /dev/null\n\tStrictHostKeyChecking no\n\tBatchMode yes\n\tLogLevel ERROR\n\
             \tProxyCommand ip netns exec {r} {sshd} -i -f {d}/sshd_config\n\nHost *\n\tServerAliveInterval 30\n",
            d = d.display(),
            r = remote.0,
            sshd = sshd.display()
        );
        std::fs::write(&config, &text).unwrap();
        let server = Guard(
            remote
                .cmd("python3")
                .args(["-c", SERVER_ON])
                .arg(d.join("requests.log"))
                .arg("1455")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        );
        let w = World {
            dir,
            laptop,
            remote,
            _server: server,
            config,
            original: text.into_bytes(),
            sessions: 0,
        };
        // The remote's callback server is up (checked from inside the remote).
        assert!(
            wait_for(10, || w.get_in(&w.remote, 1455, "/ready") == "200"),
            "callback server did not start"
        );
        Ok(w)
    }

    fn get_in(&self, ns: &Netns, port: u16, path: &str) -> String {
        let out = ns
            .cmd("python3")
            .args(["-c", GET, &format!("http://localhost:{port}{path}")])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// GET from the laptop.
    fn get(&self, port: u16) -> String {
        self.get_in(&self.laptop, port, CALLBACK)
    }

    /// Paths the remote callback server received (the readiness probes left out).
    fn received(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.path().join("requests.log"))
            .unwrap_or_default()
            .lines()
            .filter(|l| *l != "/ready")
            .map(str::to_string)
            .collect()
    }

    /// `ssh -N myserver` on the laptop, returned once the session is up (LocalCommand ran).
    fn session(&mut self) -> Guard {
        self.sessions += 1;
        let marker = self.dir.path().join(format!("up-{}", self.sessions));
        let child = self
            .laptop
            .cmd("ssh")
            .arg("-F")
            .arg(&self.config)
            .args(["-N", "-o", "PermitLocalCommand=yes", "-o"])
            .arg(format!("LocalCommand=touch {}", marker.display()))
            .arg("myserver")
            .stdin(Stdio::null())
            .spawn()
            .unwrap();
        let g = Guard(child);
        assert!(
            wait_for(15, || marker.exists()),
            "ssh session did not come up"
        );
        g
    }

    fn codex_fwd(&self, args: &[&str]) {
        let out = Command::new(assert_cmd::cargo::cargo_bin("codex-fwd"))
            .arg("-F")
            .arg(&self.config)
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "codex-fwd {args:?}: {out:?}");
    }

    fn bytes(&self) -> Vec<u8> {
        std::fs::read(&self.config).unwrap()
    }
}

fn world() -> Option<World> {
    let why = match missing_piece() {
        None => match World::new() {
            Ok(w) => return Some(w),
            Err(e) => e,
        },
        Some(why) => why,
    };
    if std::env::var_os("CI").is_some() {
        panic!("end-to-end test cannot run under CI: {why}");
    }
    eprintln!("SKIPPED end-to-end test: {why}");
    None
}

#[test]
fn login_callback_reaches_the_remote_only_after_enable() {
    let Some(mut w) = world() else { return };

    // Before: the session is up, but the laptop's localhost:1455 refuses (ERR_CONNECTION_REFUSED).
    {
        let _ssh = w.session();
        assert_eq!(w.get(1455), "refused");
    }
    assert!(w.received().is_empty());

    // After enable: the remote's callback server receives exactly the path, and answers 200.
    w.codex_fwd(&["enable", "myserver", "--yes"]);
    assert!(String::from_utf8_lossy(&w.bytes()).contains("\tLocalForward 1455 localhost:1455\n"));
    {
        let _ssh = w.session();
        let mut status = String::new();
        assert!(wait_for(10, || {
            status = w.get(1455);
            status != "refused"
        }));
        assert_eq!(status, "200");
    }
    assert_eq!(w.received(), vec![CALLBACK.to_string()]);

    // After disable: refused again, and the config is byte for byte the original.
    w.codex_fwd(&["disable", "myserver", "--yes"]);
    assert_eq!(w.bytes(), w.original);
    {
        let _ssh = w.session();
        assert_eq!(w.get(1455), "refused");
    }
    assert_eq!(w.received().len(), 1);

    // --local-port 2455: the laptop's 2455 reaches the remote's 1455.
    w.codex_fwd(&["enable", "myserver", "--local-port", "2455", "--yes"]);
    {
        let _ssh = w.session();
        let mut status = String::new();
        assert!(wait_for(10, || {
            status = w.get(2455);
            status != "refused"
        }));
        assert_eq!(status, "200");
        assert_eq!(w.get(1455), "refused");
    }
    assert_eq!(w.received().len(), 2);
    w.codex_fwd(&["disable", "myserver", "--local-port", "2455", "--yes"]);
    assert_eq!(w.bytes(), w.original);

    // tunnel: the same without touching the config, stopped cleanly by Ctrl-C (SIGINT).
    let child = w
        .laptop
        .cmd(assert_cmd::cargo::cargo_bin("codex-fwd"))
        .arg("-F")
        .arg(&w.config)
        .args(["tunnel", "myserver"])
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut tunnel = Guard(child);
    let mut status = String::new();
    assert!(wait_for(15, || {
        status = w.get(1455);
        status != "refused"
    }));
    assert_eq!(status, "200");
    // `ip netns exec` execs the program, so the pid is codex-fwd's.
    assert!(
        Command::new("kill")
            .args(["-INT", &pid.to_string()])
            .status()
            .unwrap()
            .success()
    );
    let mut code = None;
    assert!(
        wait_for(10, || {
            code = tunnel.0.try_wait().unwrap();
            code.is_some()
        }),
        "tunnel did not stop on SIGINT"
    );
    assert!(code.unwrap().success(), "tunnel exit: {code:?}");
    let mut err = String::new();
    std::io::Read::read_to_string(tunnel.0.stderr.as_mut().unwrap(), &mut err).unwrap();
    assert!(err.contains("Tunnel closed."), "{err}");
    assert!(wait_for(5, || w.get(1455) == "refused"));
    assert_eq!(w.bytes(), w.original);
    assert_eq!(w.received().len(), 3);
}

/// Local addresses the laptop listens on for `port` (`ss -ltn`).
fn listening(w: &World, port: u16) -> Vec<String> {
    let out = w.laptop.cmd("ss").args(["-ltnH"]).output().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().nth(3).map(str::to_string))
        .filter(|a| a.rsplit(':').next() == Some(&port.to_string()))
        .collect()
}

/// A stand-in for Codex's callback server: answers every GET on `127.0.0.1:PORT` (IPv4 only, as
/// Codex binds) and logs the path to FILE. `python3 -c SERVER_ON FILE PORT`.
const SERVER_ON: &str = r#"
import sys, http.server
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        with open(sys.argv[1], "a") as f:
            f.write(self.path + "\n")
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")
    def log_message(self, *a):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[2])), H).serve_forever()
"#;

#[test]
fn gateway_ports_yes_keeps_the_callback_on_loopback_and_1457_is_carried() {
    let Some(mut w) = world() else { return };
    // Codex's fallback port, served on the remote's 127.0.0.1 only, as Codex does.
    let log = w.dir.path().join("requests-1457.log");
    let _fallback = Guard(
        w.remote
            .cmd("python3")
            .args(["-c", SERVER_ON])
            .arg(&log)
            .arg("1457")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    assert!(wait_for(10, || w.get_in(&w.remote, 1457, "/ready") == "200"));
    let mut text = String::from_utf8(w.original.clone()).unwrap();
    text.push_str("\tGatewayPorts yes\n");

    // What a plain forward does under GatewayPorts yes: it listens on every interface.
    let plain = text.replace(
        "\tIdentitiesOnly yes\n",
        "\tIdentitiesOnly yes\n\tLocalForward 1455 localhost:1455\n",
    );
    std::fs::write(&w.config, &plain).unwrap();
    {
        let _ssh = w.session();
        assert!(wait_for(10, || !listening(&w, 1455).is_empty()));
        let mut addrs = listening(&w, 1455);
        addrs.sort();
        assert_eq!(addrs, ["0.0.0.0:1455", "[::]:1455"]);
    }

    // enable replaces it with an explicit loopback bind, for both ports in one run.
    w.codex_fwd(&["enable", "myserver", "--port", "1455,1457", "--yes"]);
    let now = String::from_utf8(w.bytes()).unwrap();
    assert!(
        now.contains("\tLocalForward localhost:1455 localhost:1455\n"),
        "{now}"
    );
    assert!(
        now.contains("\tLocalForward localhost:1457 localhost:1457\n"),
        "{now}"
    );
    assert!(!now.contains("LocalForward 1455 "), "{now}");
    {
        let _ssh = w.session();
        for port in [1455, 1457] {
            let mut status = String::new();
            assert!(wait_for(10, || {
                status = w.get(port);
                status != "refused"
            }));
            assert_eq!(status, "200", "port {port}");
            let mut addrs = listening(&w, port);
            addrs.sort();
            assert_eq!(
                addrs,
                [format!("127.0.0.1:{port}"), format!("[::1]:{port}")]
            );
        }
    }
    assert_eq!(w.received(), vec![CALLBACK.to_string()]);
    assert_eq!(
        std::fs::read_to_string(&log)
            .unwrap()
            .lines()
            .filter(|l| *l != "/ready")
            .count(),
        1
    );
}

// `codex-fwd login`: a stand-in `codex` on the remote prints the authorize URL as Codex does and
// serves `/auth/callback` on 127.0.0.1:1455 (1457 when 1455 is taken); `BROWSER` on the laptop is
// a script that records the URL it is given and follows its redirect_uri through the laptop's
// localhost, as a browser does after sign-in.

/// The stand-in for `codex login` (and `codex login --device-auth`) on the remote.
const CODEX: &str = r#"
import os, sys, time, http.server, urllib.parse
def log(s):
    with open(LOG, "a") as f:
        f.write(s + "\n")
log("ran " + " ".join(sys.argv[1:]))
log("pid %d" % os.getpid())
log("terminal %s" % sys.stderr.isatty())
if sys.argv[1:] == ["login", "--device-auth"]:
    print("Open https://auth.openai.com/codex/device and enter the code ABCD-1234")
    sys.exit(0)
done = []
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        log("callback " + self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"Signed in to Codex")
        done.append(1)
    def log_message(self, *a):
        pass
srv = None
for port in (1455, 1457):
    try:
        srv = http.server.HTTPServer(("127.0.0.1", port), H)
        break
    except OSError:
        pass
if srv is None:
    sys.stderr.write("Error: ports 1455 and 1457 are in use\n")
    sys.exit(1)
log("listening %d" % port)
redirect = urllib.parse.quote("http://localhost:%d/auth/callback" % port, safe="")
url = ("https://auth.openai.com/oauth/authorize?response_type=code&client_id=app_EMoamEEZ73f0CkXaXp7hrann"
       "&redirect_uri=" + redirect + "&scope=openid%20profile%20email%20offline_access"
       "&code_challenge=e2e&code_challenge_method=S256&id_token_add_organizations=true"
       "&codex_cli_simplified_flow=true&state=st_456&originator=codex_cli_rs")
sys.stderr.write("Starting local login server on http://localhost:%d.\nIf your browser did not open, "
                 "navigate to this URL to authenticate:\n\n" % port)
# The URL in two writes, so that it reaches codex-fwd split across reads.
sys.stderr.write(url[:60])
sys.stderr.flush()
time.sleep(0.3)
sys.stderr.write(url[60:] + "\n\n")
sys.stderr.flush()
srv.timeout = 1
end = time.time() + 20
while not done and time.time() < end:
    srv.handle_request()
if not done:
    sys.stderr.write("Error: login timed out\n")
    sys.exit(1)
print("Successfully logged in")
"#;

/// `$BROWSER` on the laptop: record the URL, then request its redirect_uri with a code, as the
/// browser does after sign-in (`E2E_BROWSER_PORT`: the user edits the port in the address bar).
const BROWSER: &str = r#"
import os, sys, time, urllib.parse, urllib.request
def log(s):
    with open(LOG, "a") as f:
        f.write(s + "\n")
url = sys.argv[1]
log(url)
q = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
target = q["redirect_uri"][0] + "?code=ac_e2e_123&state=" + q["state"][0]
if os.environ.get("E2E_BROWSER_PORT"):
    target = target.replace(":1455/", ":%s/" % os.environ["E2E_BROWSER_PORT"])
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
for _ in range(20):
    try:
        log("status %d" % opener.open(target, timeout=5).status)
        break
    except Exception as e:
        log("error %r" % e)
        time.sleep(0.25)
"#;

/// Holds a port in the laptop's namespace.
const LISTEN: &str = r#"
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen()
time.sleep(60)
"#;

#[derive(Debug)]
struct Run {
    code: Option<i32>,
    out: String,
    err: String,
}

impl World {
    /// Stop the remote's stand-in callback server (a stand-in `codex` serves the port instead).
    fn stop_callback_server(&mut self) {
        let _ = self._server.0.kill();
        let _ = self._server.0.wait();
    }

    /// Put the stand-in `codex` on the remote's PATH (sshd's `SetEnv`) and the `$BROWSER` script
    /// in the test directory.
    fn install_codex(&self) {
        let d = self.dir.path();
        let python = Command::new("python3")
            .args(["-c", "import sys; print(sys.executable)"])
            .output()
            .unwrap();
        let python = String::from_utf8(python.stdout).unwrap().trim().to_string();
        std::fs::create_dir_all(d.join("bin")).unwrap();
        for (path, body, log) in [
            (d.join("bin/codex"), CODEX, d.join("codex.log")),
            (d.join("browser"), BROWSER, d.join("browser.log")),
        ] {
            let text = format!("#!{python}\nLOG = {:?}\n{body}", log.display().to_string());
            std::fs::write(&path, text).unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let mut cfg = std::fs::OpenOptions::new()
            .append(true)
            .open(d.join("sshd_config"))
            .unwrap();
        std::io::Write::write_all(
            &mut cfg,
            format!("SetEnv PATH={}/bin:/usr/bin:/bin\n", d.display()).as_bytes(),
        )
        .unwrap();
    }

    fn log(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(name)).unwrap_or_default()
    }

    /// URLs the `$BROWSER` script was given.
    fn opened(&self) -> Vec<String> {
        self.log("browser.log")
            .lines()
            .filter(|l| l.starts_with("https://"))
            .map(str::to_string)
            .collect()
    }

    /// `codex-fwd -F CONFIG ARGS` on the laptop, with `BROWSER` set, until it exits.
    fn run(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut c = self.laptop.cmd(assert_cmd::cargo::cargo_bin("codex-fwd"));
        c.arg("-F").arg(&self.config).args(args);
        self.finish(c, env)
    }

    /// Run `c` with `BROWSER` set and no standard input, until it exits.
    fn finish(&self, mut c: Command, env: &[(&str, &str)]) -> Run {
        let d = self.dir.path();
        let (out, err) = (d.join("login.out"), d.join("login.err"));
        let child = c
            .env("BROWSER", d.join("browser"))
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&out).unwrap())
            .stderr(std::fs::File::create(&err).unwrap())
            .spawn()
            .unwrap();
        let mut g = Guard(child);
        let mut status = None;
        let ended = wait_for(60, || {
            status = g.0.try_wait().unwrap();
            status.is_some()
        });
        let read = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
        assert!(ended, "{c:?} did not end: {}", read(&err));
        Run {
            code: status.unwrap().code(),
            out: read(&out),
            err: read(&err),
        }
    }

    /// Is anything listening on TCP `port` in the laptop's namespace?
    fn listening(&self, port: u16) -> bool {
        let out = self.laptop.cmd("ss").arg("-Hltn").output().unwrap();
        assert!(out.status.success(), "ss: {out:?}");
        String::from_utf8_lossy(&out.stdout).lines().any(|l| {
            l.split_whitespace()
                .nth(3)
                .is_some_and(|a| a.ends_with(&format!(":{port}")))
        })
    }

    fn assert_no_listener(&self, ports: &[u16]) {
        for &p in ports {
            assert!(
                !self.listening(p),
                "something still listens on the laptop's {p}"
            );
        }
    }
}

#[test]
fn login_opens_the_url_and_the_callback_reaches_the_remote() {
    let Some(mut w) = world() else { return };
    w.stop_callback_server();
    w.install_codex();

    let r = w.run(&["login", "myserver"], &[]);
    assert_eq!(r.code, Some(0), "{r:?}");
    // The browser got the URL Codex printed, and the remote's output came through unchanged.
    let opened = w.opened();
    assert_eq!(opened.len(), 1, "{r:?}");
    let url = &opened[0];
    assert!(url.starts_with("https://auth.openai.com/oauth/authorize?response_type=code&"));
    assert!(url.contains("redirect_uri=http%3A%2F%2Flocalhost%3A1455%2Fauth%2Fcallback&"));
    let printed = format!(
        "Starting local login server on http://localhost:1455.\nIf your browser did not open, \
         navigate to this URL to authenticate:\n\n{url}\n\n"
    );
    assert!(r.err.contains(&printed), "{r:?}");
    assert_eq!(r.out, "Successfully logged in\n");
    // The browser's request went through the laptop's localhost:1455 to the remote's Codex.
    assert!(
        w.log("browser.log").contains("status 200"),
        "{}",
        w.log("browser.log")
    );
    assert!(
        w.log("codex.log")
            .contains(&format!("callback {CALLBACK}\n"))
    );
    // No terminal here, so none on the remote (`-T`, and no warning from ssh about it).
    assert!(w.log("codex.log").contains("terminal False\n"));
    assert!(!r.err.contains("Pseudo-terminal"), "{r:?}");
    w.assert_no_listener(&[1455, 1457]);

    // --local-port 2455: the port edit is explained, and the edited URL reaches the remote.
    let r = w.run(
        &["login", "myserver", "--local-port", "2455"],
        &[("E2E_BROWSER_PORT", "2455")],
    );
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(
        r.err
            .contains("change `:1455` to `:2455` in its address bar"),
        "{r:?}"
    );
    assert_eq!(w.log("codex.log").matches("callback ").count(), 2);
    w.assert_no_listener(&[1455, 1457, 2455]);
}

#[test]
fn login_refuses_a_busy_local_port_before_connecting() {
    let Some(w) = world() else { return };
    w.install_codex();
    for port in [1455u16, 1457] {
        let holder = Guard(
            w.laptop
                .cmd("python3")
                .args(["-c", LISTEN, &port.to_string()])
                .spawn()
                .unwrap(),
        );
        assert!(wait_for(10, || w.listening(port)));
        let r = w.run(&["login", "myserver"], &[]);
        assert_eq!(r.code, Some(3), "{r:?}");
        let owner = format!("in use by python3 (pid {})", holder.0.id());
        assert!(
            r.err.contains(&format!(
                "localhost:{port} on this machine is already {owner}"
            )),
            "{r:?}"
        );
        drop(holder);
    }
    // A port the config forwards for something else is taken here: with ExitOnForwardFailure
    // ssh would stop, so login says why first.
    let text = String::from_utf8(w.original.clone()).unwrap();
    let forward = "Host myserver\n\tLocalForward 5999 localhost:22\n";
    std::fs::write(&w.config, text.replacen("Host myserver\n", forward, 1)).unwrap();
    let holder = Guard(
        w.laptop
            .cmd("python3")
            .args(["-c", LISTEN, "5999"])
            .spawn()
            .unwrap(),
    );
    assert!(wait_for(10, || w.listening(5999)));
    let r = w.run(&["login", "myserver"], &[]);
    assert_eq!(r.code, Some(3), "{r:?}");
    let owner = format!("in use by python3 (pid {})", holder.0.id());
    assert!(
        r.err.contains("config also forwards port 5999 here") && r.err.contains(&owner),
        "{r:?}"
    );
    drop(holder);
    // Nothing ran on the remote: the refusals came before any connection.
    assert_eq!(w.log("codex.log"), "");
    assert!(w.opened().is_empty());
}

#[test]
fn login_follows_codex_to_1457_when_the_remote_1455_is_taken() {
    // The world's own callback stand-in holds the remote's 1455.
    let Some(w) = world() else { return };
    w.install_codex();
    let r = w.run(&["login", "myserver"], &[]);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(w.log("codex.log").contains("listening 1457\n"));
    assert!(
        w.log("codex.log")
            .contains(&format!("callback {CALLBACK}\n"))
    );
    assert!(w.opened()[0].contains("redirect_uri=http%3A%2F%2Flocalhost%3A1457%2F"));
    assert!(
        w.received().is_empty(),
        "the remote's 1455 got {:?}",
        w.received()
    );
    w.assert_no_listener(&[1455, 1457]);
}

#[test]
fn login_exit_status_interrupt_and_device_auth() {
    let Some(w) = world() else { return };
    w.install_codex();
    // The remote command's failure comes back as codex-fwd's exit status.
    let r = w.run(&["login", "myserver", "--", "exit", "7"], &[]);
    assert_eq!(r.code, Some(7), "{r:?}");
    w.assert_no_listener(&[1455, 1457]);

    // --device-auth: codex login --device-auth, no forward.
    let r = w.run(&["login", "myserver", "--device-auth"], &[]);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(r.out.contains("ABCD-1234"), "{r:?}");
    assert!(w.log("codex.log").contains("ran login --device-auth\n"));

    // Ctrl-C while Codex waits for the callback (--no-browser: nobody comes): ssh ends, exit
    // 130, and the forwards are gone.
    let err = w.dir.path().join("interrupted.err");
    let child = w
        .laptop
        .cmd(assert_cmd::cargo::cargo_bin("codex-fwd"))
        .arg("-F")
        .arg(&w.config)
        .args(["login", "myserver", "--no-browser"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut login = Guard(child);
    let read = || std::fs::read_to_string(&err).unwrap_or_default();
    assert!(
        wait_for(20, || read()
            .contains("open this URL in this machine's browser: https://")),
        "{}",
        read()
    );
    assert!(w.listening(1455) && w.listening(1457));
    assert!(
        Command::new("kill")
            .args(["-INT", &pid.to_string()])
            .status()
            .unwrap()
            .success()
    );
    let mut code = None;
    assert!(wait_for(10, || {
        code = login.0.try_wait().unwrap();
        code.is_some()
    }));
    assert_eq!(code.unwrap().code(), Some(130), "{}", read());
    w.assert_no_listener(&[1455, 1457]);
    assert!(w.opened().is_empty());
    // Without a terminal nothing signals the remote Codex, which waits for its own timeout:
    // end it here rather than leave it behind.
    let pid = w
        .log("codex.log")
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("pid ").map(str::to_string));
    let _ = Command::new("kill").arg(pid.unwrap()).status();
}

#[test]
fn login_under_a_terminal_beside_an_open_control_master() {
    let Some(mut w) = world() else { return };
    w.stop_callback_server();
    w.install_codex();
    // The host's config shares connections (ControlPersist), and a master is open.
    let control = format!(
        "Host myserver\n\tControlMaster auto\n\tControlPath {}/cm-%C\n\tControlPersist 30\n",
        w.dir.path().display()
    );
    let text = String::from_utf8(w.original.clone()).unwrap();
    std::fs::write(&w.config, text.replacen("Host myserver\n", &control, 1)).unwrap();
    let ssh = |args: &[&str]| {
        w.laptop
            .cmd("ssh")
            .arg("-F")
            .arg(&w.config)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap()
            .success()
    };
    assert!(ssh(&["myserver", "true"]));
    assert!(ssh(&["-O", "check", "myserver"]), "no master");

    // script(1) gives codex-fwd a terminal: ssh gets -t, and Codex a terminal on the remote.
    let line = format!(
        "'{}' -F '{}' login myserver",
        assert_cmd::cargo::cargo_bin("codex-fwd").display(),
        w.config.display()
    );
    let mut script = w.laptop.cmd("script");
    script.args(["-qefc", &line, "/dev/null"]);
    let r = w.finish(script, &[]);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(
        r.out
            .contains("ControlMaster connection to myserver is open"),
        "{r:?}"
    );
    // Through the remote's terminal, lines end in CRLF; the URL is found all the same.
    assert!(
        r.out
            .contains("to authenticate:\r\n\r\nhttps://auth.openai.com/"),
        "{r:?}"
    );
    assert!(w.log("codex.log").contains("terminal True\n"));
    assert_eq!(w.opened().len(), 1, "{r:?}");
    assert!(
        w.log("codex.log")
            .contains(&format!("callback {CALLBACK}\n"))
    );
    // Neither the master nor anything else kept the login's forwards.
    w.assert_no_listener(&[1455, 1457]);
    assert!(
        ssh(&["-O", "check", "myserver"]),
        "the master should still be there"
    );
    assert!(ssh(&["-O", "exit", "myserver"]));
}

/// Issue 16: Codex's redirect is `http://127.0.0.1:1455/auth/callback`, so the browser connects to
/// IPv4 `127.0.0.1` and nothing else. Through real ssh: a `[::1]`-only listener misses it and is
/// `wrong-bind` (enable replaces it), while binds `LOCALHOST` and `127.1` and targets `127.1` and
/// `0.0.0.0` carry it and are `enabled`. (The stand-in server: what is checked here is the
/// laptop's listener and sshd's connection, which do not depend on which server answers.)
#[test]
fn the_redirect_to_127_0_0_1_decides_what_carries_the_login() {
    let Some(mut w) = world() else { return };
    // `get_in` goes to `localhost`; the browser goes to 127.0.0.1: ask that address directly.
    let get_127 = |w: &World| {
        let out = w
            .laptop
            .cmd("python3")
            .args(["-c", GET, &format!("http://127.0.0.1:1455{CALLBACK}")])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    let status = |w: &World| -> serde_json::Value {
        let out = Command::new(assert_cmd::cargo::cargo_bin("codex-fwd"))
            .arg("-F")
            .arg(&w.config)
            .args(["status", "myserver", "--json"])
            .output()
            .unwrap();
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()[0].clone()
    };
    let with_line = |w: &World, line: &str| {
        let text = String::from_utf8(w.original.clone()).unwrap().replacen(
            "Host myserver\n",
            &format!("Host myserver\n\t{line}\n"),
            1,
        );
        std::fs::write(&w.config, text).unwrap();
    };

    // [::1] alone: ssh listens on [::1]:1455 only; the browser's 127.0.0.1:1455 is refused.
    with_line(&w, "LocalForward [::1]:1455 localhost:1455");
    assert_eq!(status(&w)["reason"], "wrong-bind");
    {
        let _ssh = w.session();
        assert!(wait_for(10, || listening(&w, 1455) == vec!["[::1]:1455"]));
        assert_eq!(get_127(&w), "refused");
    }
    assert_eq!(w.received().len(), 0);
    // enable replaces it in the host's own block; then the callback arrives.
    w.codex_fwd(&["enable", "myserver", "--yes"]);
    assert_eq!(status(&w)["enabled"], true);
    {
        let _ssh = w.session();
        let mut got = String::new();
        assert!(wait_for(10, || {
            got = get_127(&w);
            got != "refused"
        }));
        assert_eq!(got, "200");
    }
    assert_eq!(w.received().len(), 1);

    // Spellings that were false alarms: each is `enabled`, and each carries the callback.
    for (n, line) in [
        "LocalForward LOCALHOST:1455 localhost:1455",
        "LocalForward 127.1:1455 127.1:1455",
        "LocalForward 1455 0.0.0.0:1455",
    ]
    .into_iter()
    .enumerate()
    {
        with_line(&w, line);
        assert_eq!(status(&w)["enabled"], true, "{line}");
        {
            let _ssh = w.session();
            let mut got = String::new();
            assert!(wait_for(10, || {
                got = get_127(&w);
                got != "refused"
            }));
            assert_eq!(got, "200", "{line}");
        }
        assert_eq!(w.received().len(), n + 2, "{line}");
    }
}
