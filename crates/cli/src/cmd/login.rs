//! `login`: run `codex login` on a host through forwards that live exactly as long as the login.
//!
//! Checks the laptop's ports, runs `ssh -L localhost:L:127.0.0.1:P ... -- HOST codex login`,
//! relays the remote's output byte for byte, opens the authorize URL it prints in the laptop's
//! browser, and exits with the remote command's status. When ssh exits its forwards close, so no
//! listener is left behind.

use std::collections::HashSet;
use std::ffi::OsString;
use std::io::{IsTerminal, Read, Write};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sshcfg::{ConfigSet, Resolution, ResolveContext};

use crate::args::LoginArgs;
use crate::env::{Env, check_hosts};
use crate::failure::{EXIT_IO, EXIT_REFUSED, EXIT_USAGE, Failure};
use crate::system;

/// Codex's login server port, and the one it falls back to when that is busy on the remote.
const DEFAULT_PORTS: [u16; 2] = [1455, 1457];
/// The start of the URL `codex login` prints for the browser.
const AUTHORIZE: &[u8] = b"https://auth.openai.com/oauth/authorize?";
/// Past this length a URL is not one: the scanner gives up on it (and keeps relaying).
const MAX_URL: usize = 16 * 1024;
/// What `ssh` gets on its command line for a login: a forward that cannot be set up stops ssh
/// before the remote command runs; the config's `ClearAllForwardings yes` would drop our `-L`
/// too; through a shared (ControlMaster) connection the forwards would be set up in the master
/// and outlive the login (and a new master with `ControlPersist` keeps them), so the login
/// always uses a connection of its own. The config's `RemoteCommand` or `SessionType none`
/// would replace or suppress the login command, so those are reset too.
const LOGIN_OPTS: [&str; 5] = [
    "ExitOnForwardFailure=yes",
    "ClearAllForwardings=no",
    "ControlPath=none",
    "RemoteCommand=none",
    "SessionType=default",
];

/// A port on the laptop and the remote port it forwards to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pair {
    pub(crate) local: u16,
    pub(crate) remote: u16,
}

pub(crate) fn login(env: &Env, a: &LoginArgs) -> Result<u8, Failure> {
    check_hosts(std::slice::from_ref(&a.host))?;
    let tty = std::io::stdin().is_terminal();
    if a.device_auth {
        return device_auth(env, &a.host, tty);
    }
    let pairs = pairs(&a.ports, a.local_port).map_err(|m| Failure::new(EXIT_USAGE, m))?;
    for &p in &pairs {
        if let Some(owner) = system::port_in_use(p.local) {
            let msg = busy_message(&a.host, p, &owner.to_string());
            return Err(Failure::new(EXIT_REFUSED, msg));
        }
    }
    let add = forwards_to_add(env, &a.host, &pairs)?;
    if master_open(env.explicit_file(), &a.host) {
        eprintln!(
            "codex-fwd: an ssh ControlMaster connection to {} is open; the login uses a connection of its own (-o ControlPath=none), so that its forwards are not left in the master after it",
            a.host
        );
    }
    let remote = if a.command.is_empty() {
        vec!["codex".to_string(), "login".to_string()]
    } else {
        a.command.clone()
    };
    let argv = ssh_args(
        env.explicit_file(),
        &LOGIN_OPTS,
        &add,
        tty,
        &a.host,
        &remote,
    );
    eprintln!("codex-fwd: {}", announce(&a.host, &pairs, &remote));
    let session = Session {
        pairs,
        no_browser: a.no_browser,
        eol: if tty { "\r\n" } else { "\n" },
        seen: Mutex::new(HashSet::new()),
    };
    run(argv, Arc::new(session))
}

/// `--device-auth`: `codex login --device-auth` on the host, with no forward at all (not even
/// the config's), for when forwarding is impossible.
fn device_auth(env: &Env, host: &str, tty: bool) -> Result<u8, Failure> {
    let remote = ["codex", "login", "--device-auth"].map(String::from);
    let opts = [
        "ClearAllForwardings=yes",
        "RemoteCommand=none",
        "SessionType=default",
    ];
    let argv = ssh_args(env.explicit_file(), &opts, &[], tty, host, &remote);
    eprintln!("codex-fwd: running `codex login --device-auth` on {host}, with no forward");
    let status = Command::new("ssh")
        .args(&argv)
        .status()
        .map_err(|e| Failure::new(EXIT_IO, format!("cannot run ssh: {e}")))?;
    exit_code(status, false)
}

/// The port pairs to forward: each remote port (default 1455 and Codex's fallback 1457) to the
/// same port here, except that `--local-port` gives the first one another port here.
fn pairs(ports: &[u16], local: Option<u16>) -> Result<Vec<Pair>, String> {
    if local.is_some() && ports.len() > 1 {
        return Err("--local-port pairs with one --port; forward other ports with separate runs or drop --local-port".into());
    }
    let remote = if ports.is_empty() {
        &DEFAULT_PORTS[..]
    } else {
        ports
    };
    let mut out: Vec<Pair> = Vec::new();
    for (i, &r) in remote.iter().enumerate() {
        let l = if i == 0 { local.unwrap_or(r) } else { r };
        if out.iter().any(|p| p.remote == r) {
            continue;
        }
        if out.iter().any(|p| p.local == l) {
            return Err(format!(
                "port {l} here would be forwarded twice; pick another --local-port"
            ));
        }
        out.push(Pair {
            local: l,
            remote: r,
        });
    }
    Ok(out)
}

/// Why a busy port on the laptop stops the login, and what to do.
fn busy_message(host: &str, p: Pair, owner: &str) -> String {
    let other = if p.local == 2455 { 3455 } else { 2455 };
    let fix = if p.local == 1457 && p.remote == 1457 {
        format!("stop it, or forward only Codex's first port: `codex-fwd login {host} --port 1455`")
    } else if p.remote == 1455 {
        format!("stop it, or use another port here: `codex-fwd login {host} --local-port {other}`")
    } else {
        format!(
            "stop it, or use another port here: `codex-fwd login {host} --port {} --local-port {other}`",
            p.remote
        )
    };
    let ssh_hint = if owner.starts_with("ssh ") {
        format!(
            " (an ssh session that already forwards it? close it, or `ssh -O exit {host}` for a ControlMaster)"
        )
    } else {
        String::new()
    };
    format!(
        "localhost:{} on this machine is already in use by {owner}{ssh_hint}, so ssh cannot forward it to port {} on {host}; {fix}",
        p.local, p.remote
    )
}

/// The pairs that need a `-L`: those the config does not already carry. A config forward that
/// takes the same port here for something else stops the login (ssh could not listen twice).
fn forwards_to_add(env: &Env, host: &str, pairs: &[Pair]) -> Result<Vec<Pair>, Failure> {
    let set = env.load()?;
    let ctx = &env.ctx;
    let r = set.resolve(host, ctx);
    let mut add = Vec::new();
    for &p in pairs {
        if config_carries(&set, host, p.local, p.remote, ctx) {
            eprintln!(
                "codex-fwd: {host}'s config already forwards localhost:{} to port {}; no -L needed for it",
                p.local, p.remote
            );
            continue;
        }
        if let Some(at) = config_conflict(&set, &r, p.local) {
            return Err(Failure::new(
                EXIT_REFUSED,
                format!(
                    "{host}'s config also listens on localhost:{} ({at}) but not for the login, so ssh cannot forward it; use another port here (`codex-fwd login {host} --local-port 2455`) or run `codex-fwd doctor {host}`",
                    p.local
                ),
            ));
        }
        add.push(p);
    }
    if let Some(msg) = other_forward_busy(&set, &r, host, pairs) {
        return Err(Failure::new(EXIT_REFUSED, msg));
    }
    Ok(add)
}

/// The config's other forwards come up with the same ssh, and under `ExitOnForwardFailure=yes`
/// one whose port here is taken stops ssh before the login runs: say so before connecting.
fn other_forward_busy(
    set: &ConfigSet,
    r: &Resolution,
    host: &str,
    pairs: &[Pair],
) -> Option<String> {
    r.forward_lines.iter().find_map(|f| {
        let port = f.forward.listen_port()?;
        if pairs.iter().any(|p| p.local == port) {
            return None;
        }
        let owner = system::port_in_use(port)?;
        let place = set.place(f.loc);
        Some(format!(
            "{host}'s config also forwards port {port} here ({place}), which is in use by {owner}; with ExitOnForwardFailure=yes (so that the login never runs without its own forwards) ssh would stop before the login: close {owner}, or log in without forwards: `codex-fwd login {host} --device-auth`"
        ))
    })
}

/// Does the host's config already have a forward that carries the login from `local` here to
/// the remote's `remote`? The first forward of `local` (ssh cannot bind a second), listening on
/// loopback only (an explicit loopback address, or none without `GatewayPorts yes`), connecting
/// to `localhost` or `127.0.0.1` (Codex listens on IPv4 only), and not cleared by
/// `ClearAllForwardings`.
fn config_carries(
    set: &ConfigSet,
    host: &str,
    local: u16,
    remote: u16,
    ctx: &ResolveContext,
) -> bool {
    set.rejection_for(ctx.openssh).is_none()
        && set
            .resolve(host, ctx)
            .loopback_tunnel(local, remote)
            .is_ok()
}

/// A `LocalForward` of the config on `local` here (as `file:line`). Every line counts, even
/// under `ClearAllForwardings yes`, since the login's `ClearAllForwardings=no` brings them back.
fn config_conflict(set: &ConfigSet, r: &Resolution, local: u16) -> Option<String> {
    let f = r
        .forward_lines
        .iter()
        .find(|f| f.forward.listen_port() == Some(local))?;
    Some(format!("{}: {}", set.place(f.loc), f.forward.directive()))
}

/// Is a ControlMaster connection open for the host? `ssh -O check` asks the control socket
/// (exit 0 and "Master running" when one answers); it neither connects to the host nor reads
/// standard input, and fails at once when no ControlPath is configured.
fn master_open(config: Option<&Path>, host: &str) -> bool {
    let mut cmd = Command::new("ssh");
    if let Some(c) = config {
        cmd.arg("-F").arg(c);
    }
    cmd.args(["-O", "check", "--", host])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// ssh's argument list: `[-F FILE] -o OPT... -L localhost:L:127.0.0.1:P... -t|-T -- HOST CMD...`.
/// The explicit `localhost` bind address makes ssh listen on loopback (127.0.0.1 and ::1) only,
/// whatever `GatewayPorts` says; `-t` gives the remote command a terminal when we have one
/// (Ctrl-C then reaches it), `-T` avoids ssh's warning when we do not. `--` ends ssh's options,
/// so the remote command's words are never read as ssh options.
pub(crate) fn ssh_args(
    config: Option<&Path>,
    opts: &[&str],
    forwards: &[Pair],
    tty: bool,
    host: &str,
    remote: &[String],
) -> Vec<OsString> {
    let mut v: Vec<OsString> = Vec::new();
    if let Some(c) = config {
        v.push("-F".into());
        v.push(c.into());
    }
    for o in opts {
        v.push("-o".into());
        v.push(o.into());
    }
    for p in forwards {
        v.push("-L".into());
        v.push(format!("localhost:{}:127.0.0.1:{}", p.local, p.remote).into());
    }
    v.push(if tty { "-t" } else { "-T" }.into());
    v.push("--".into());
    v.push(host.into());
    v.extend(remote.iter().map(OsString::from));
    v
}

/// The line said before connecting.
fn announce(host: &str, pairs: &[Pair], remote: &[String]) -> String {
    let list: Vec<String> = pairs
        .iter()
        .map(|p| format!("localhost:{} -> {host}:{}", p.local, p.remote))
        .collect();
    format!(
        "forwarding {} for this login only; running `{}` on {host}",
        list.join(" and "),
        remote.join(" ")
    )
}

/// What the relay threads share.
struct Session {
    pairs: Vec<Pair>,
    no_browser: bool,
    /// Line end for our own notes: while ssh has the terminal in raw mode, `\n` alone does not
    /// return the cursor.
    eol: &'static str,
    /// URLs already handled (a URL printed twice, or on both streams, opens once).
    seen: Mutex<HashSet<String>>,
}

impl Session {
    fn note(&self, msg: &str) {
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "codex-fwd: {msg}{}", self.eol);
        let _ = err.flush();
    }

    /// An authorize URL appeared in the remote's output.
    fn found(&self, url: &str) {
        if !self.seen.lock().unwrap().insert(url.to_string()) {
            return;
        }
        for line in url_notes(url, &self.pairs) {
            self.note(&line);
        }
        if self.no_browser {
            self.note(&format!("open this URL in this machine's browser: {url}"));
            return;
        }
        self.note("opening the login page in your browser");
        let (url, eol) = (url.to_string(), self.eol);
        std::thread::spawn(move || {
            if let Err(e) = open_browser(&url) {
                eprint!(
                    "codex-fwd: could not open a browser ({e}); open the URL above yourself{eol}"
                );
            }
        });
    }
}

/// Open `url` in the laptop's browser. The `webbrowser` crate honours `$BROWSER` on Linux and
/// the BSDs; on macOS and Windows it does not, so there a set `$BROWSER` is run here.
fn open_browser(url: &str) -> std::io::Result<()> {
    if !cfg!(all(unix, not(target_os = "macos")))
        && let Some(b) = std::env::var("BROWSER")
            .ok()
            .filter(|b| !b.trim().is_empty())
    {
        let argv = browser_argv(&b, url);
        return Command::new(&argv[0])
            .args(&argv[1..])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map(drop);
    }
    webbrowser::open(url)
}

/// `$BROWSER` as a command line: words split on whitespace, `%s` replaced by the URL, else the
/// URL appended.
fn browser_argv(browser: &str, url: &str) -> Vec<String> {
    let mut argv: Vec<String> = browser.split_whitespace().map(str::to_string).collect();
    if argv.iter().any(|w| w.contains("%s")) {
        argv.iter_mut().for_each(|w| *w = w.replace("%s", url));
    } else {
        argv.push(url.to_string());
    }
    argv
}

/// Notes for a found URL: the port edit when the laptop's port differs from the remote one, or
/// a warning when the URL redirects to a port this login does not forward.
fn url_notes(url: &str, pairs: &[Pair]) -> Vec<String> {
    let Some(port) = redirect_port(url) else {
        return pairs
            .iter()
            .filter(|p| p.local != p.remote)
            .map(|p| rewrite_hint(p.remote, p.local))
            .collect();
    };
    match pairs.iter().find(|p| p.remote == port) {
        Some(p) if p.local != p.remote => vec![rewrite_hint(p.remote, p.local)],
        Some(_) => Vec::new(),
        None => vec![format!(
            "this login page sends the browser back to localhost:{port}, which is not forwarded; run again with `--port {port}`"
        )],
    }
}

/// The one-line instruction when the laptop's port differs from the remote one.
fn rewrite_hint(remote: u16, local: u16) -> String {
    format!(
        "after you sign in, the browser goes to http://localhost:{remote}/auth/callback?... and cannot connect: change `:{remote}` to `:{local}` in its address bar and press Enter"
    )
}

/// The port of the URL's `redirect_uri` (`http://localhost:1455/auth/callback`, percent-encoded).
fn redirect_port(url: &str) -> Option<u16> {
    let query = url.split_once('?')?.1;
    let value = query
        .split('&')
        .find_map(|kv| kv.strip_prefix("redirect_uri="))?;
    let decoded = percent_decode(value);
    let rest = decoded
        .strip_prefix("http://localhost:")
        .or_else(|| decoded.strip_prefix("http://127.0.0.1:"))?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = b
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (b[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Finds authorize URLs in a byte stream read in arbitrary pieces: a URL (or its prefix) may be
/// split across reads. A URL ends at whitespace, a control byte (an escape sequence, CR/LF), a
/// quote or an angle bracket.
#[derive(Default)]
struct UrlScanner {
    /// Bytes not yet decided: the tail that may start the prefix, or a URL not yet ended.
    pending: Vec<u8>,
    /// `pending` starts with the prefix.
    in_url: bool,
}

impl UrlScanner {
    fn push(&mut self, data: &[u8]) -> Vec<String> {
        self.pending.extend_from_slice(data);
        let mut found = Vec::new();
        loop {
            if !self.in_url {
                let Some(i) = memchr::memmem::find(&self.pending, AUTHORIZE) else {
                    let keep = self.pending.len().min(AUTHORIZE.len() - 1);
                    self.pending.drain(..self.pending.len() - keep);
                    return found;
                };
                self.pending.drain(..i);
                self.in_url = true;
            }
            let rest = &self.pending[AUTHORIZE.len()..];
            let Some(j) = rest.iter().position(|&b| !is_url_byte(b)) else {
                if self.pending.len() > MAX_URL {
                    self.pending.clear();
                    self.in_url = false;
                }
                return found;
            };
            let end = AUTHORIZE.len() + j;
            found.extend(self.take(end));
        }
    }

    /// The stream ended: a URL running up to its end counts.
    fn finish(&mut self) -> Option<String> {
        if !self.in_url {
            return None;
        }
        self.take(self.pending.len())
    }

    /// Take `pending[..end]` as a URL (none if nothing follows the prefix).
    fn take(&mut self, end: usize) -> Option<String> {
        let url: Vec<u8> = self.pending.drain(..end).collect();
        self.in_url = false;
        (url.len() > AUTHORIZE.len()).then(|| String::from_utf8_lossy(&url).into_owned())
    }
}

fn is_url_byte(b: u8) -> bool {
    b.is_ascii_graphic() && !matches!(b, b'"' | b'\'' | b'<' | b'>' | b'`' | b'\\')
}

/// Run ssh, relay its output, and exit as the remote command did.
fn run(argv: Vec<OsString>, s: Arc<Session>) -> Result<u8, Failure> {
    let mut child = Command::new("ssh")
        .args(&argv)
        .stdin(Stdio::inherit())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Failure::new(EXIT_IO, format!("cannot run ssh: {e}")))?;
    let (out, err) = (child.stdout.take(), child.stderr.take());
    let s2 = s.clone();
    let t1 = std::thread::spawn(move || relay(out.unwrap(), std::io::stdout(), &s));
    let t2 = std::thread::spawn(move || relay(err.unwrap(), std::io::stderr(), &s2));
    let (status, interrupted) = wait(&mut child)?;
    let _ = t1.join();
    let _ = t2.join();
    exit_code(status, interrupted)
}

/// Copy `from` to `to` unchanged, flushing each piece as it comes, and look for the URL.
fn relay(mut from: impl Read, mut to: impl Write, s: &Session) {
    let mut scan = UrlScanner::default();
    let mut buf = [0u8; 8192];
    let mut writable = true;
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        // A closed terminal or pipe must not stop ssh: keep reading, stop writing.
        if writable {
            writable = to.write_all(&buf[..n]).and_then(|()| to.flush()).is_ok();
        }
        for url in scan.push(&buf[..n]) {
            s.found(&url);
        }
    }
    if let Some(url) = scan.finish() {
        s.found(&url);
    }
}

/// Wait for ssh; on Ctrl-C (or SIGTERM/SIGHUP) stop it and wait for it to close its forwards.
fn wait(child: &mut Child) -> Result<(ExitStatus, bool), Failure> {
    let interrupted = Arc::new(AtomicBool::new(false));
    {
        let interrupted = interrupted.clone();
        let _ = ctrlc::set_handler(move || interrupted.store(true, Ordering::SeqCst));
    }
    let mut stopping = false;
    loop {
        let done = child
            .try_wait()
            .map_err(|e| Failure::new(EXIT_IO, format!("waiting for ssh: {e}")))?;
        if let Some(status) = done {
            return Ok((status, interrupted.load(Ordering::SeqCst)));
        }
        if interrupted.load(Ordering::SeqCst) && !stopping {
            stop(child);
            stopping = true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Ask ssh to end: SIGTERM lets it close its forwards and its ProxyCommand.
#[cfg(unix)]
fn stop(child: &mut Child) {
    // SAFETY: kill(2) with the pid of a child we have not reaped yet and a valid signal.
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGTERM);
    }
}

#[cfg(not(unix))]
fn stop(child: &mut Child) {
    let _ = child.kill();
}

/// ssh's status is the remote command's; 255 is ssh's own failure, or a remote command killed by
/// a signal (ssh reports no status for it).
fn exit_code(status: ExitStatus, interrupted: bool) -> Result<u8, Failure> {
    if interrupted {
        eprintln!("codex-fwd: login interrupted; ssh has ended and its forwards are closed");
        return Ok(130);
    }
    match status.code() {
        Some(255) => Err(Failure::new(
            EXIT_IO,
            "ssh exited with 255: it failed (connecting, logging in or forwarding; see its message above), or the remote command was ended by a signal (Ctrl-C on a terminal reaches Codex on the remote)",
        )),
        Some(c) => Ok(u8::try_from(c).unwrap_or(1)),
        None => Err(Failure::new(EXIT_IO, format!("ssh ended by {status}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(local: u16, remote: u16) -> Pair {
        Pair { local, remote }
    }

    fn args(v: &[OsString]) -> Vec<String> {
        v.iter().map(|a| a.to_string_lossy().into_owned()).collect()
    }

    const URL: &str = "https://auth.openai.com/oauth/authorize?response_type=code&client_id=app_x&redirect_uri=http%3A%2F%2Flocalhost%3A1455%2Fauth%2Fcallback&state=st_1";

    #[test]
    fn ssh_argv_for_a_login() {
        let remote = ["codex", "login"].map(String::from);
        let v = ssh_args(
            Some(Path::new("/c/config")),
            &LOGIN_OPTS,
            &[p(1455, 1455), p(1457, 1457)],
            true,
            "myserver",
            &remote,
        );
        assert_eq!(
            args(&v),
            [
                "-F",
                "/c/config",
                "-o",
                "ExitOnForwardFailure=yes",
                "-o",
                "ClearAllForwardings=no",
                "-o",
                "ControlPath=none",
                "-o",
                "RemoteCommand=none",
                "-o",
                "SessionType=default",
                "-L",
                "localhost:1455:127.0.0.1:1455",
                "-L",
                "localhost:1457:127.0.0.1:1457",
                "-t",
                "--",
                "myserver",
                "codex",
                "login",
            ]
        );
    }

    #[test]
    fn ssh_argv_without_terminal_config_or_forwards() {
        let remote = ["exit", "7"].map(String::from);
        let v = ssh_args(None, &LOGIN_OPTS, &[], false, "h", &remote);
        let v = args(&v);
        assert!(!v.contains(&"-F".to_string()) && !v.contains(&"-L".to_string()));
        assert!(v.contains(&"ControlPath=none".to_string()));
        assert_eq!(v[v.len() - 5..], ["-T", "--", "h", "exit", "7"]);
    }

    #[test]
    fn ssh_argv_for_device_auth_has_no_forward() {
        let remote = ["codex", "login", "--device-auth"].map(String::from);
        let v = args(&ssh_args(
            None,
            &["ClearAllForwardings=yes"],
            &[],
            true,
            "h",
            &remote,
        ));
        assert_eq!(
            v,
            [
                "-o",
                "ClearAllForwardings=yes",
                "-t",
                "--",
                "h",
                "codex",
                "login",
                "--device-auth"
            ]
        );
    }

    #[test]
    fn port_pairs() {
        assert_eq!(pairs(&[], None), Ok(vec![p(1455, 1455), p(1457, 1457)]));
        assert_eq!(
            pairs(&[], Some(2455)),
            Ok(vec![p(2455, 1455), p(1457, 1457)])
        );
        assert_eq!(pairs(&[8080], Some(9090)), Ok(vec![p(9090, 8080)]));
        assert_eq!(
            pairs(&[8080, 8081, 8080], None),
            Ok(vec![p(8080, 8080), p(8081, 8081)])
        );
        assert!(pairs(&[1455, 1457], Some(2455)).is_err());
        assert!(pairs(&[], Some(1457)).unwrap_err().contains("twice"));
    }

    #[test]
    fn scanner_finds_a_url_split_anywhere() {
        let text = format!("Starting local login server.\r\n\r\n\x1b[1m{URL}\x1b[0m\r\nmore\n");
        let bytes = text.as_bytes();
        for cut in 0..bytes.len() {
            for cut2 in cut..bytes.len() {
                let mut s = UrlScanner::default();
                let mut got = s.push(&bytes[..cut]);
                got.extend(s.push(&bytes[cut..cut2]));
                got.extend(s.push(&bytes[cut2..]));
                got.extend(s.finish());
                assert_eq!(got, vec![URL.to_string()], "cut at {cut}, {cut2}");
            }
        }
    }

    #[test]
    fn scanner_byte_by_byte_at_end_of_stream_and_bounded() {
        let mut s = UrlScanner::default();
        let mut got = Vec::new();
        for b in format!("x {URL}").bytes() {
            got.extend(s.push(&[b]));
        }
        assert!(got.is_empty());
        assert_eq!(s.finish(), Some(URL.to_string()));
        let mut s = UrlScanner::default();
        assert!(
            s.push(b"https://auth.openai.com/oauth/authorize? next")
                .is_empty()
        );
        assert!(
            s.push(b"http://example.com/ https://auth.openai.com/x\n")
                .is_empty()
        );
        assert!(s.pending.len() < AUTHORIZE.len());
        s.push(AUTHORIZE);
        s.push(&vec![b'a'; MAX_URL + 1]);
        assert!(!s.in_url && s.pending.is_empty());
        let two = format!("{URL}\n{URL}&x=1 ");
        assert_eq!(UrlScanner::default().push(two.as_bytes()).len(), 2);
    }

    #[test]
    fn redirect_ports() {
        assert_eq!(redirect_port(URL), Some(1455));
        let u = URL.replace("%3A1455", "%3A1457");
        assert_eq!(redirect_port(&u), Some(1457));
        assert_eq!(
            redirect_port("https://auth.openai.com/oauth/authorize?state=1"),
            None
        );
        assert_eq!(percent_decode("a%2Fb%zz%4"), "a/b%zz%4");
    }

    #[test]
    fn port_rewrite_instruction() {
        assert_eq!(
            rewrite_hint(1455, 2455),
            "after you sign in, the browser goes to http://localhost:1455/auth/callback?... and cannot connect: change `:1455` to `:2455` in its address bar and press Enter"
        );
        assert_eq!(
            url_notes(URL, &[p(2455, 1455), p(1457, 1457)]),
            [rewrite_hint(1455, 2455)]
        );
        assert!(url_notes(URL, &[p(1455, 1455), p(1457, 1457)]).is_empty());
        let u = URL.replace("%3A1455", "%3A1457");
        assert!(url_notes(&u, &[p(2455, 1455), p(1457, 1457)]).is_empty());
        assert!(url_notes(&u, &[p(2455, 1455)])[0].contains("--port 1457"));
        let none = "https://auth.openai.com/oauth/authorize?state=1";
        assert_eq!(
            url_notes(none, &[p(2455, 1455)]),
            [rewrite_hint(1455, 2455)]
        );
    }

    #[test]
    fn browser_command_line() {
        assert_eq!(browser_argv("firefox", "u"), ["firefox", "u"]);
        assert_eq!(
            browser_argv("open -a Safari %s", "u"),
            ["open", "-a", "Safari", "u"]
        );
    }

    #[test]
    fn busy_port_messages() {
        let m = busy_message("web", p(1455, 1455), "python3 (pid 4348)");
        assert!(m.contains("in use by python3 (pid 4348)"), "{m}");
        assert!(m.contains("`codex-fwd login web --local-port 2455`"), "{m}");
        let m = busy_message("web", p(1457, 1457), "ssh (pid 9)");
        assert!(
            m.contains("--port 1455") && m.contains("ssh -O exit web"),
            "{m}"
        );
        let m = busy_message("web", p(2455, 8080), "x (pid 1)");
        assert!(m.contains("--port 8080 --local-port 3455"), "{m}");
    }

    fn set_of(config: &str) -> ConfigSet {
        let opts = sshcfg::LoadOptions::explicit_file("/nonexistent-home");
        ConfigSet::from_main_bytes(Path::new("/c/config"), config.as_bytes().to_vec(), &opts)
            .unwrap()
    }

    #[test]
    fn config_conflicts_name_the_line_even_when_cleared() {
        let ctx = ResolveContext::new("me");
        let set = set_of("Host web\n  ClearAllForwardings yes\n  LocalForward 1455 db:5432\n");
        let r = set.resolve("web", &ctx);
        assert_eq!(
            config_conflict(&set, &r, 1455).as_deref(),
            Some("/c/config:3: LocalForward 1455 db:5432")
        );
        assert_eq!(config_conflict(&set, &r, 1457), None);
    }

    fn carries(config: &str, local: u16, remote: u16) -> bool {
        let set = set_of(config);
        let ctx = ResolveContext::new("me");
        config_carries(&set, "web", local, remote, &ctx)
    }

    #[test]
    fn config_carries_the_login() {
        let yes = [
            "Host web\n  LocalForward 1455 localhost:1455\n",
            "Host web\n  LocalForward 127.0.0.1:1455 127.0.0.1:1455\n",
            "Host *\n  LocalForward localhost:1455 LOCALHOST:1455\n",
            "Host web\n  GatewayPorts yes\n  LocalForward localhost:1455 localhost:1455\n",
        ];
        for c in yes {
            assert!(carries(c, 1455, 1455), "{c}");
        }
        let no = [
            "",
            "Host web\n  LocalForward 1455 [::1]:1455\n",
            "Host web\n  LocalForward 1455 localhost:1456\n",
            "Host web\n  LocalForward *:1455 localhost:1455\n",
            "Host web\n  LocalForward 1455 other:1455\n  LocalForward 1455 localhost:1455\n",
            "Host web\n  GatewayPorts YES\n  LocalForward 1455 localhost:1455\n",
            "Host web\n  GatewayPorts True\n  LocalForward 1455 localhost:1455\n",
            "Host web\n  ClearAllForwardings yes\n  LocalForward 1455 localhost:1455\n",
            "Host other\n  LocalForward 1455 localhost:1455\n",
        ];
        for c in no {
            assert!(!carries(c, 1455, 1455), "{c}");
        }
        assert!(carries(
            "Host web\n  LocalForward 2455 localhost:1455\n",
            2455,
            1455
        ));
        assert!(!carries(
            "Host web\n  LocalForward 2455 localhost:1455\n",
            1455,
            1455
        ));
    }

    #[cfg(unix)]
    #[test]
    fn exit_codes() {
        use std::process::Command;
        let st = |c: &str| Command::new("sh").args(["-c", c]).status().unwrap();
        assert_eq!(exit_code(st("exit 0"), false).ok(), Some(0));
        assert_eq!(exit_code(st("exit 7"), false).ok(), Some(7));
        assert_eq!(
            exit_code(st("exit 255"), false).err().map(|f| f.code),
            Some(EXIT_IO)
        );
        assert_eq!(exit_code(st("exit 255"), true).ok(), Some(130));
    }
}
