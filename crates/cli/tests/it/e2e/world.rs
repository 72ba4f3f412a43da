//! The world the end-to-end tests run in: network namespaces, a real `sshd`, the laptop's ssh
//! config, processes that are stopped when the test ends.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// The callback path the stand-in server and `World::get` use.
pub const CALLBACK: &str = "/auth/callback?code=ac_e2e_123&state=st_456";

/// A network namespace of this test process, with `lo` up. Dropping it stops every process
/// still inside it (`ip netns pids`) and deletes it.
pub struct Netns(pub String);

impl Netns {
    /// Create (or re-create) the namespace `name`.
    pub fn new(name: String) -> Result<Netns, String> {
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
        ns.ip(&["link", "set", "lo", "up"])?;
        Ok(ns)
    }

    /// `ip -n NAME ARGS`, which must succeed.
    pub fn ip(&self, args: &[&str]) -> Result<(), String> {
        let out = Command::new("ip")
            .args(["-n", &self.0])
            .args(args)
            .output()
            .map_err(|e| format!("ip: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "ip -n {} {}: {}",
                self.0,
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(())
    }

    /// `prog` run inside the namespace (`ip netns exec` execs it: the child's pid is `prog`'s),
    /// with no proxy variables.
    pub fn cmd(&self, prog: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.0]).arg(prog);
        for v in [
            "http_proxy",
            "HTTP_PROXY",
            "https_proxy",
            "HTTPS_PROXY",
            "all_proxy",
            "ALL_PROXY",
            "no_proxy",
            "NO_PROXY",
        ] {
            c.env_remove(v);
        }
        c
    }

    /// TCP addresses listening on `port` inside the namespace (`ss -ltn`), e.g. `127.0.0.1:1455`.
    pub fn listening(&self, port: u16) -> Vec<String> {
        let out = self.cmd("ss").arg("-Hltn").output().unwrap();
        assert!(out.status.success(), "ss: {out:?}");
        let mut v: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.split_whitespace().nth(3).map(str::to_string))
            .filter(|a| a.rsplit(':').next() == Some(&port.to_string()))
            .collect();
        v.sort();
        v
    }

    /// Pids of the processes inside the namespace.
    pub fn pids(&self) -> Vec<u32> {
        let out = Command::new("ip")
            .args(["netns", "pids", &self.0])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .filter_map(|p| p.parse().ok())
            .collect()
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        // Whatever a test left running in here (a real `codex login` waiting for its callback
        // after a failed assertion) is ours: stop it, then the namespace.
        for pid in self.pids() {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .output();
        }
        let _ = Command::new("ip").args(["netns", "del", &self.0]).output();
    }
}

/// A child process killed (and reaped) when dropped, even when the test fails.
pub struct Guard(pub Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `prog` on `PATH` (or in `/usr/sbin`).
pub fn which(prog: &str) -> Option<PathBuf> {
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
    for p in ["ip", "sshd", "ssh", "ssh-keygen", "python3", "ss"] {
        if which(p).is_none() {
            return Some(format!("{p} not found"));
        }
    }
    None
}

/// Under CI (`CI` set) a missing piece fails the test; elsewhere the test is skipped, saying why.
pub fn skip(why: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("end-to-end test cannot run under CI: {why}");
    }
    eprintln!("SKIPPED end-to-end test: {why}");
}

/// Wait until `f` is true, at most `secs` seconds.
pub fn wait_for(secs: u64, mut f: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < end {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

/// `python3 -c GET URL`: prints the HTTP status, `refused`, or `error: ...`.
pub const GET: &str = r#"
import sys, urllib.request, urllib.error
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
try:
    r = opener.open(sys.argv[1], timeout=5)
    print(r.status)
except urllib.error.HTTPError as e:
    print(e.code)
except urllib.error.URLError as e:
    print("refused" if isinstance(e.reason, ConnectionRefusedError) else "error: %s" % e.reason)
except ConnectionRefusedError:
    print("refused")
except Exception as e:
    print("error: %r" % e)
"#;

/// A stand-in for Codex's callback server: answers every GET on `127.0.0.1:PORT` (IPv4 only, as
/// Codex binds) with 200 and logs the path to FILE. `python3 -c SERVER_ON FILE PORT`.
pub const SERVER_ON: &str = r#"
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

/// Holds `127.0.0.1:PORT` for a minute. `python3 -c LISTEN PORT`.
pub const LISTEN: &str = r#"
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen()
time.sleep(60)
"#;

/// How a `World` is set up. `Setup::default()` is the seed scenario: plain sshd with forwarding
/// allowed, the laptop's `Host myserver` block, and the stand-in callback server on the remote's
/// `127.0.0.1:1455`.
#[derive(Default, Clone)]
pub struct Setup {
    sshd_lines: Vec<String>,
    host_lines: Vec<String>,
    remote_env: Vec<(String, String)>,
    no_stand_in: bool,
}

impl Setup {
    /// The seed scenario (see the type).
    pub fn new() -> Setup {
        Setup::default()
    }

    /// A line for `sshd_config`, placed before the world's own lines (sshd takes the first
    /// value): `"AllowTcpForwarding no"`, `"PermitOpen localhost:1455 localhost:1457"`.
    pub fn sshd(mut self, line: &str) -> Setup {
        self.sshd_lines.push(line.to_string());
        self
    }

    /// A line for the laptop's `Host myserver` block, placed right after the `Host` line
    /// (before the world's own lines; ssh takes the first value): `"GatewayPorts yes"`.
    /// It is part of `World::original`.
    pub fn host_line(mut self, line: &str) -> Setup {
        self.host_lines.push(line.to_string());
        self
    }

    /// A variable for every remote session (sshd's `SetEnv`, one line with `PATH`).
    pub fn remote_env(mut self, name: &str, value: &str) -> Setup {
        self.remote_env.push((name.to_string(), value.to_string()));
        self
    }

    /// No stand-in callback server: the remote's 1455 stays free for the real Codex.
    pub fn without_stand_in(mut self) -> Setup {
        self.no_stand_in = true;
        self
    }
}

/// The laptop and the remote: two network namespaces, the remote served by `sshd -i` through the
/// laptop config's `ProxyCommand ip netns exec REMOTE sshd -i -f DIR/sshd_config`, as root.
pub struct World {
    /// The test's directory: keys, `sshd_config`, `config`, logs; `bin/` is on the remote's PATH.
    pub dir: tempfile::TempDir,
    /// The laptop's namespace (ssh, codex-fwd, the browser).
    pub laptop: Netns,
    /// The remote's namespace (sshd and what the sessions run).
    pub remote: Netns,
    server: Option<Guard>,
    /// The laptop's ssh config (`-F`), holding `Host myserver`.
    pub config: PathBuf,
    /// The config's bytes as the world wrote them.
    pub original: Vec<u8>,
    /// The `PATH` sshd gives remote sessions (the remote user's shell startup files may add to
    /// it).
    pub remote_path: String,
    tag: String,
    sessions: std::cell::Cell<usize>,
}

impl World {
    fn new(setup: &Setup) -> Result<World, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let d = dir.path();
        // Unique per World: the tests may run in parallel threads of one process, and several
        // clones may run them at once.
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
        std::fs::create_dir_all(d.join("bin")).unwrap();
        std::fs::create_dir_all("/run/sshd").unwrap();
        let sshd = which("sshd").unwrap();
        let remote_path = format!("{}/bin:/usr/local/bin:/usr/bin:/bin", d.display());
        let mut sshd_config = String::new();
        for l in &setup.sshd_lines {
            sshd_config.push_str(l);
            sshd_config.push('\n');
        }
        // sshd takes the first SetEnv line only: every variable goes on one.
        sshd_config.push_str(&format!("SetEnv PATH={remote_path}"));
        for (k, v) in &setup.remote_env {
            sshd_config.push_str(&format!(" {k}={v}"));
        }
        sshd_config.push_str(&format!(
            "\nHostKey {d}/host\nAuthorizedKeysFile {d}/authorized_keys\nPidFile none\nUsePAM no\n\
             StrictModes no\nPermitRootLogin yes\nPubkeyAuthentication yes\nPasswordAuthentication no\n\
             KbdInteractiveAuthentication no\nAllowTcpForwarding yes\nLogLevel ERROR\n",
            d = d.display()
        ));
        std::fs::write(d.join("sshd_config"), sshd_config).unwrap();
        let t = Command::new(&sshd)
            .arg("-t")
            .arg("-f")
            .arg(d.join("sshd_config"))
            .output()
            .unwrap();
        assert!(t.status.success(), "sshd -t: {t:?}");
        // The user's config, as it might look before codex-fwd: a comment, tabs, a Host * block.
        let config = d.join("config");
        let mut extra = String::new();
        for l in &setup.host_lines {
            extra.push('\t');
            extra.push_str(l);
            extra.push('\n');
        }
        let text = format!(
            "# my laptop's ssh config\nHost myserver\n{extra}\tUser root\n\tIdentityFile {d}/id\n\tIdentitiesOnly yes\n\
             \tUserKnownHostsFile /dev/null\n\tStrictHostKeyChecking no\n\tBatchMode yes\n\tLogLevel ERROR\n\
             \tProxyCommand ip netns exec {r} {sshd} -i -f {d}/sshd_config\n\nHost *\n\tServerAliveInterval 30\n",
            d = d.display(),
            r = remote.0,
            sshd = sshd.display()
        );
        std::fs::write(&config, &text).unwrap();
        let mut w = World {
            dir,
            laptop,
            remote,
            server: None,
            config,
            original: text.into_bytes(),
            remote_path,
            tag,
            sessions: std::cell::Cell::new(0),
        };
        if !setup.no_stand_in {
            w.server = Some(w.stand_in(1455, "requests.log"));
        }
        Ok(w)
    }

    /// Start a stand-in callback server on the remote's `127.0.0.1:PORT`, logging to `log` in
    /// the test directory; returned once it answers.
    pub fn stand_in(&self, port: u16, log: &str) -> Guard {
        let g = Guard(
            self.remote
                .cmd("python3")
                .args(["-c", SERVER_ON])
                .arg(self.dir.path().join(log))
                .arg(port.to_string())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        );
        assert!(
            wait_for(10, || self.get_in(&self.remote, port, "/ready") == "200"),
            "stand-in callback server on {port} did not start"
        );
        g
    }

    /// Stop the remote's stand-in callback server.
    pub fn stop_callback_server(&mut self) {
        self.server = None;
    }

    /// GET `http://localhost:PORT/PATH` from inside `ns`: the status, `refused` or `error: ...`.
    pub fn get_in(&self, ns: &Netns, port: u16, path: &str) -> String {
        self.get_url_in(ns, &format!("http://localhost:{port}{path}"))
    }

    /// GET `url` from inside `ns`: the status, `refused` or `error: ...`.
    pub fn get_url_in(&self, ns: &Netns, url: &str) -> String {
        let out = ns.cmd("python3").args(["-c", GET, url]).output().unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// GET the stand-in's `CALLBACK` on the laptop's `localhost:PORT`.
    pub fn get(&self, port: u16) -> String {
        self.get_in(&self.laptop, port, CALLBACK)
    }

    /// Paths the remote's stand-in callback server received (the readiness probes left out).
    pub fn received(&self) -> Vec<String> {
        self.received_in("requests.log")
    }

    /// Paths a stand-in logging to `log` received (the readiness probes left out).
    pub fn received_in(&self, log: &str) -> Vec<String> {
        self.log(log)
            .lines()
            .filter(|l| *l != "/ready")
            .map(str::to_string)
            .collect()
    }

    /// `ssh -N myserver` on the laptop, returned once the session is up (LocalCommand ran).
    pub fn session(&self) -> Guard {
        self.sessions.set(self.sessions.get() + 1);
        let marker = self.dir.path().join(format!("up-{}", self.sessions.get()));
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

    /// `ssh -F CONFIG [SSH_ARGS] myserver REMOTE_COMMAND` on the laptop, in the background, its
    /// stdout and stderr going to files (see `Spawned`). The remote command is run by the remote
    /// user's shell, as any `ssh HOST COMMAND`.
    pub fn ssh(&self, ssh_args: &[&str], remote_command: &str) -> Spawned {
        let mut c = self.laptop.cmd("ssh");
        c.arg("-F")
            .arg(&self.config)
            .args(ssh_args)
            .arg("myserver")
            .arg(remote_command);
        self.spawn(c)
    }

    /// `codex-fwd -F CONFIG ARGS` outside the namespaces (edits need none), which must succeed.
    pub fn codex_fwd(&self, args: &[&str]) {
        let out = Command::new(assert_cmd::cargo::cargo_bin("codex-fwd"))
            .arg("-F")
            .arg(&self.config)
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "codex-fwd {args:?}: {out:?}");
    }

    /// The laptop config's bytes now.
    pub fn bytes(&self) -> Vec<u8> {
        std::fs::read(&self.config).unwrap()
    }

    /// A file of the test directory, empty when missing.
    pub fn log(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(name)).unwrap_or_default()
    }

    /// A new empty directory in the test directory, named `name-N`.
    pub fn fresh_dir(&self, name: &str) -> PathBuf {
        static DIRS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = DIRS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let p = self.dir.path().join(format!("{name}-{n}"));
        std::fs::create_dir_all(&p).unwrap();
        p
    }

    /// `prog` on the remote as a session would run it: inside the remote's namespace, as root,
    /// with the sessions' `PATH` (other variables are the test's own; set what matters).
    pub fn on_remote(&self, prog: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut c = self.remote.cmd(prog);
        c.env("PATH", &self.remote_path);
        c
    }

    /// Run `c` in the background with no standard input, stdout and stderr to files of the
    /// test directory.
    pub fn spawn(&self, mut c: Command) -> Spawned {
        let out = self.fresh_dir("run");
        let child = c
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(out.join("out")).unwrap())
            .stderr(std::fs::File::create(out.join("err")).unwrap())
            .spawn()
            .unwrap();
        Spawned {
            child: std::cell::RefCell::new(Guard(child)),
            dir: out,
            what: format!("{c:?}"),
        }
    }

    /// `codex-fwd -F CONFIG ARGS` on the laptop with `BROWSER` set to the browser stand-in and
    /// no standard input, until it exits (at most 60 s).
    pub fn run(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut c = self.laptop.cmd(assert_cmd::cargo::cargo_bin("codex-fwd"));
        c.arg("-F").arg(&self.config).args(args);
        self.finish(c, env)
    }

    /// Run `c` with `BROWSER` set to the browser stand-in and no standard input, until it exits
    /// (at most 60 s).
    pub fn finish(&self, mut c: Command, env: &[(&str, &str)]) -> Run {
        c.env("BROWSER", self.browser()).envs(env.iter().copied());
        let s = self.spawn(c);
        let mut status = None;
        let ended = wait_for(60, || {
            status = s.exited();
            status.is_some()
        });
        assert!(ended, "{} did not end: {}", s.what, s.err());
        Run {
            code: status.unwrap().code(),
            out: s.out(),
            err: s.err(),
        }
    }

    /// Is anything listening on TCP `port` in the laptop's namespace?
    pub fn listening(&self, port: u16) -> bool {
        !self.laptop.listening(port).is_empty()
    }

    /// Nothing listens on any of `ports` on the laptop.
    pub fn assert_no_listener(&self, ports: &[u16]) {
        for &p in ports {
            assert!(
                !self.listening(p),
                "something still listens on the laptop's {p}: {:?}",
                self.laptop.listening(p)
            );
        }
    }

    /// A third namespace on the remote's side, "the container": joined to the remote by a veth
    /// pair, the remote at `Container::REMOTE_ADDR`, the container at `Container::ADDR` (a /30
    /// that exists only between these two namespaces). One per world. Dropping it stops what
    /// runs inside.
    pub fn container(&self) -> Result<Container, String> {
        let ns = Netns::new(format!("cfwd-ctr-{}", self.tag))?;
        self.remote.ip(&[
            "link", "add", "cfwd-ctr", "type", "veth", "peer", "name", "eth0", "netns", &ns.0,
        ])?;
        self.remote.ip(&[
            "addr",
            "add",
            &format!("{}/30", Container::REMOTE_ADDR),
            "dev",
            "cfwd-ctr",
        ])?;
        self.remote.ip(&["link", "set", "cfwd-ctr", "up"])?;
        ns.ip(&[
            "addr",
            "add",
            &format!("{}/30", Container::ADDR),
            "dev",
            "eth0",
        ])?;
        ns.ip(&["link", "set", "eth0", "up"])?;
        Ok(Container {
            ns,
            path: self.remote_path.clone(),
        })
    }
}

/// A container on the remote machine: its own network namespace, reached from the remote at
/// `Container::ADDR`.
pub struct Container {
    /// The container's namespace.
    pub ns: Netns,
    path: String,
}

impl Container {
    /// The container's address, as the remote sees it.
    pub const ADDR: &str = "10.255.16.2";
    /// The remote's address, as the container sees it.
    pub const REMOTE_ADDR: &str = "10.255.16.1";

    /// `prog` inside the container, with the remote sessions' `PATH`.
    pub fn cmd(&self, prog: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut c = self.ns.cmd(prog);
        c.env("PATH", &self.path);
        c
    }
}

/// A process running in the background whose stdout and stderr go to files; killed when
/// dropped.
pub struct Spawned {
    child: std::cell::RefCell<Guard>,
    dir: PathBuf,
    what: String,
}

impl Spawned {
    /// Its stdout so far.
    pub fn out(&self) -> String {
        std::fs::read_to_string(self.dir.join("out")).unwrap_or_default()
    }

    /// Its stderr so far.
    pub fn err(&self) -> String {
        std::fs::read_to_string(self.dir.join("err")).unwrap_or_default()
    }

    /// Its stdout then its stderr, so far.
    pub fn all(&self) -> String {
        self.out() + &self.err()
    }

    /// Its exit status, if it has ended.
    pub fn exited(&self) -> Option<ExitStatus> {
        self.child.borrow_mut().0.try_wait().unwrap()
    }

    /// Its pid (with `ip netns exec`, the program's own: it execs).
    pub fn pid(&self) -> u32 {
        self.child.borrow().0.id()
    }

    /// Wait at most `secs` seconds until its output (stdout then stderr) satisfies `f`; the
    /// output, or a panic naming what was awaited.
    pub fn wait_output(&self, secs: u64, what: &str, f: impl Fn(&str) -> bool) -> String {
        let mut all = String::new();
        let ok = wait_for(secs, || {
            all = self.all();
            f(&all)
        });
        assert!(
            ok,
            "{}: no {what} within {secs} s; output:\n{all}",
            self.what
        );
        all
    }

    /// Wait at most `secs` seconds for it to end; its exit code (`None`: killed by a signal).
    pub fn wait_exit(&self, secs: u64) -> Option<i32> {
        let mut status = None;
        let ok = wait_for(secs, || {
            status = self.exited();
            status.is_some()
        });
        assert!(
            ok,
            "{} did not end within {secs} s; output:\n{}",
            self.what,
            self.all()
        );
        status.unwrap().code()
    }

    /// Send `signal` (`"INT"`, `"TERM"`) to it.
    pub fn signal(&self, signal: &str) {
        let ok = Command::new("kill")
            .args([&format!("-{signal}"), &self.pid().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -{signal}");
    }
}

/// What a finished command gave.
#[derive(Debug)]
pub struct Run {
    /// Exit code (`None`: killed by a signal).
    pub code: Option<i32>,
    /// Its stdout.
    pub out: String,
    /// Its stderr.
    pub err: String,
}

/// The seed world, or `None` (skipped, saying why) where it cannot run; under CI that is a
/// failure.
pub fn world() -> Option<World> {
    world_with(&Setup::new())
}

/// A world set up by `setup`, or `None` as for `world`.
pub fn world_with(setup: &Setup) -> Option<World> {
    let why = match missing_piece() {
        None => match World::new(setup) {
            Ok(w) => return Some(w),
            Err(e) => e,
        },
        Some(why) => why,
    };
    skip(&why);
    None
}
