//! `login`: run a CLI's browser login (default `codex login`) on a host, and forward the port its
//! URL names, on the fly, through the one ssh connection that runs it.
//!
//! The ssh that runs the remote command also opens a dynamic forward (`-D 127.0.0.1:FREE`). The
//! remote's output is relayed byte for byte and scanned for URLs (`url`); when one sends the
//! browser to `http://{localhost|127.0.0.1|[::1]}:PORT/...`, the laptop listens on that port on
//! loopback (`listen`), carries each accepted connection to the remote's loopback port through
//! the dynamic forward (`carry`), says so in one line, and only then opens the URL in the
//! browser (`browser`). When ssh exits (the command ended, or Ctrl-C), the listeners close; the
//! exit status is the remote command's (`session`).

mod browser;
pub(crate) mod carry;
mod listen;
mod master;
pub(crate) mod relay;
pub(crate) mod session;
mod url;

use std::collections::{HashMap, HashSet};
use std::io::{IsTerminal, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use sshcfg::{ConfigSet, Resolution, ResolveContext};

use crate::args::{LoginArgs, PortPair};
use crate::env::{Env, check_hosts};
use crate::failure::{EXIT_IO, EXIT_REFUSED, Failure};
use crate::system::PortOwner;
use carry::{Carrier, CarryError, Fallback};
use listen::BindError;
use relay::{FarSide, Relay, RelayError};
use session::{LOGIN_OPTS, LOGIN_OPTS_8_7, RemoteTty, SshCommand};
use url::Target;

/// The client run when no command is given.
const DEFAULT_CLIENT: &str = "codex";
/// How long the dynamic forward may take to answer once a URL is seen.
const SOCKS_READY: Duration = Duration::from_secs(10);
/// How long a relayed request may still take once the login command has ended.
const RELAY_DRAIN: Duration = Duration::from_secs(10);
/// At most this many ports are forwarded in one login (Codex needs one; a CLI that retries on
/// another port, two or three): a remote printing more URLs cannot make this machine listen on
/// every port it names.
const MAX_PORTS: usize = 8;
/// At most this many pages are opened in the browser in one login, so that a remote printing
/// URL after URL cannot flood the browser with tabs.
const MAX_PAGES: usize = 4;
/// At most this many URLs naming a target are remembered (so that one printed twice is handled
/// once).
const MAX_SEEN: usize = 1024;
/// The container runtime `--container` uses.
const DEFAULT_EXEC: [&str; 3] = ["docker", "exec", "-it"];

pub(crate) fn login(env: &Env, a: &LoginArgs) -> Result<u8, Failure> {
    let (user, host) = user_and_host(a)?;
    check_hosts(std::slice::from_ref(&host))?;
    if let Some(client) = &a.device_auth {
        // `--device-auth=` would run ` login --device-auth`: the remote system's login(1).
        if client.trim().is_empty() {
            return Err(Failure::usage(
                "login",
                "--device-auth= needs the client's name or path after `=` (or nothing: `--device-auth` runs codex)",
            ));
        }
        return device_auth(env, user.as_deref(), &host, client);
    }
    // From here on Ctrl-C and SIGTERM set the flag instead of ending the process, so that the
    // private control directory made below is removed (a slow `Match exec` can hold the
    // `ssh -O check` before ssh starts); ssh then starts and is stopped at once.
    let interrupted = session::interrupt_flag();
    let local_tty = std::io::stdin().is_terminal();
    let mut opts: Vec<&str> = LOGIN_OPTS.to_vec();
    if session::has_8_7(env.ctx.openssh) {
        opts.extend(LOGIN_OPTS_8_7);
    }
    let ports = PortMap::new(&a.ports, a.local_port).map_err(|m| Failure::usage("login", m))?;
    let exec = Exec::from_args(a, &host)?;
    let set = env.load()?;
    let resolution = set.resolve(&host, &env.ctx);
    // Unix: the login's connection is a private master that the relay's requests share.
    let master = if cfg!(unix) {
        Some(master::Master::new().map_err(|e| {
            Failure::new(
                EXIT_IO,
                format!("cannot create a private directory for ssh's control socket: {e}"),
            )
        })?)
    } else {
        None
    };
    let master_opts = master.as_ref().map(master::Master::master_opts);
    if let Some(m) = &master_opts {
        opts.retain(|o| !o.starts_with("ControlPath="));
        opts.extend(m.iter().map(String::as_str));
    }
    if master_open(env.explicit_file(), &host) {
        eprintln!(
            "codex-fwd: an ssh ControlMaster connection to {host} is open; the login uses a connection of its own, so that nothing of it is left in the master after it"
        );
    }
    let socks = free_port().map_err(|e| {
        Failure::new(
            EXIT_IO,
            format!("cannot find a free port on 127.0.0.1: {e}"),
        )
    })?;
    let command: Vec<String> = if a.command.is_empty() {
        vec![DEFAULT_CLIENT.into(), "login".into()]
    } else {
        a.command.clone()
    };
    let remote = match &exec {
        Some(e) => in_container(&e.line, &command),
        None => with_browser_echo(&command),
    };
    let abort = Arc::new(AtomicBool::new(false));
    let relay = {
        let place = exec
            .as_ref()
            .map_or(format!("on {host}"), |e| e.place.clone());
        let words = exec
            .as_ref()
            .map(|e| relay::relay_exec(&e.words))
            .unwrap_or_default();
        let argv = match &master {
            Some(m) => m.request_argv(env.explicit_file(), user.as_deref(), &host),
            None => master::unshared_request_argv(env.explicit_file(), user.as_deref(), &host),
        };
        let mut r = Relay::new(FarSide::ssh(argv, &words, place))
            .stopped_by(interrupted.clone())
            .stopped_by(abort.clone());
        r.response_timeout = Duration::from_secs(a.relay_timeout);
        Arc::new(r)
    };
    if interrupted.load(Ordering::SeqCst) {
        // Before ssh ran (during `ssh -O check`): nothing to stop; the directory goes with
        // `master`.
        eprintln!("codex-fwd: login interrupted before ssh started");
        return Ok(130);
    }
    let forced = a.relay || exec.is_some();
    let argv = SshCommand {
        config: env.explicit_file(),
        opts: &opts,
        user: user.as_deref(),
        forwards: &[],
        dynamic: (!forced).then_some(socks),
        tty: RemoteTty::Force,
        host: &host,
        remote: &remote,
    }
    .args();
    match &exec {
        Some(e) => eprintln!(
            "codex-fwd: running `{}` {}; the browser's requests to the port its login URL names will be carried there by relay, for this login only",
            command.join(" "),
            e.place
        ),
        None if forced => eprintln!(
            "codex-fwd: running `{}` on {host}; the browser's requests to the port its login URL names will be carried there by relay, for this login only",
            command.join(" ")
        ),
        None => eprintln!(
            "codex-fwd: running `{}` on {host}; the port its login URL names will be forwarded for this login only",
            command.join(" ")
        ),
    }
    if master.is_none() && forced {
        eprintln!(
            "codex-fwd: this ssh cannot share its connection (OpenSSH for Windows), so each request the browser makes opens a connection of its own to {host}: you may be asked to authenticate again"
        );
    }
    let mut ssh = Command::new("ssh");
    ssh.args(&argv)
        .stdin(Stdio::inherit())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    session::ends_with_this_process(&mut ssh);
    let mut child = ssh
        .spawn()
        .map_err(|e| Failure::new(EXIT_IO, format!("cannot run ssh: {e}")))?;
    let login = Arc::new(Login {
        host: host.clone(),
        carrier: if forced {
            Carrier::Relay(relay.clone())
        } else {
            let eol = if local_tty { "\r\n" } else { "\n" };
            Carrier::Socks {
                port: socks,
                fallback: Some(Arc::new(Fallback {
                    relay: relay.clone(),
                    said: AtomicBool::new(false),
                    note: Box::new(move |msg: &str| {
                        let mut err = std::io::stderr().lock();
                        let _ = write!(err, "codex-fwd: {msg}{eol}");
                        let _ = err.flush();
                    }),
                    host: host.clone(),
                })),
            }
        },
        container: exec.is_some(),
        interrupted: interrupted.clone(),
        ports,
        no_browser: a.no_browser,
        eol: if local_tty { "\r\n" } else { "\n" },
        config: Carriage {
            set,
            resolution,
            ctx: env.ctx.clone(),
            ssh_pid: child.id(),
        },
        ready: Mutex::new(None),
        abort,
        failure: Mutex::new(None),
        forwarded: Mutex::new(HashMap::new()),
        serving: Mutex::new(Vec::new()),
        seen: Mutex::new(HashSet::new()),
        refused: Mutex::new(HashSet::new()),
        failed: Mutex::new(HashSet::new()),
        opened: Mutex::new(HashSet::new()),
        pages: Mutex::new(0),
        limits_said: Mutex::new(HashSet::new()),
    });
    let (out, err) = (child.stdout.take(), child.stderr.take());
    let relays = [
        spawn_relay(out.map(|o| Box::new(o) as _), false, &login, local_tty),
        spawn_relay(err.map(|e| Box::new(e) as _), true, &login, local_tty),
    ];
    let status = session::wait(&mut child, &interrupted, &login.abort)
        .map_err(|e| Failure::new(EXIT_IO, format!("waiting for ssh: {e}")));
    // A request whose answer is on its way to the browser gets a moment (the login server may
    // answer and exit at once); then requests still running on the far side end with the login.
    if !interrupted.load(Ordering::SeqCst) && !login.abort.load(Ordering::SeqCst) {
        relay.drain(RELAY_DRAIN);
    }
    relay.stop();
    if let Some(m) = &master {
        m.close(env.explicit_file(), &host);
    }
    let status = status?;
    // The relays end when ssh's output closes; a ProxyCommand's child that keeps ssh's stderr
    // open must not hold the login: they get a moment to drain, then are left behind.
    let drained = std::time::Instant::now() + Duration::from_secs(2);
    let relays: Vec<JoinHandle<()>> = relays.into_iter().flatten().collect();
    while !relays.iter().all(JoinHandle::is_finished) && std::time::Instant::now() < drained {
        std::thread::sleep(Duration::from_millis(20));
    }
    for r in relays.into_iter().filter(JoinHandle::is_finished) {
        let _ = r.join();
    }
    for s in std::mem::take(&mut *login.serving.lock().unwrap()) {
        s.close();
    }
    // Ctrl-C wins over what went wrong while ssh was being stopped for it.
    let interrupted = interrupted.load(Ordering::SeqCst);
    if let Some(f) = login
        .failure
        .lock()
        .unwrap()
        .take()
        .filter(|_| !interrupted)
    {
        return Err(f);
    }
    exit_code(status, interrupted, &host, &command)
}

/// `user@host` or `-l user` (ssh's two ways), as ssh's `-l` and the host to look up.
fn user_and_host(a: &LoginArgs) -> Result<(Option<String>, String), Failure> {
    // ssh's URI form: split at `@` it would give the user `ssh://USER`; said with the spelling
    // login takes (a port belongs in the host's config, which login reads as ssh does).
    if let Some(rest) = a.host.strip_prefix("ssh://") {
        let rest = rest.trim_end_matches('/');
        let (user, host) = match rest.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, rest),
        };
        let (host, port) = match host.strip_prefix('[') {
            Some(v6) => {
                let (h, p) = v6.split_once(']').unwrap_or((v6, ""));
                (h, p.strip_prefix(':'))
            }
            None => match host.split_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (host, None),
            },
        };
        let dest = user.map_or(host.to_string(), |u| format!("{u}@{host}"));
        let port = port
            .filter(|p| !p.is_empty())
            .map(|p| format!(" (the port in the host's config: `Port {p}` under `Host {host}`)"))
            .unwrap_or_default();
        return Err(Failure::usage(
            "login",
            format!(
                "`{}` is ssh's URI form, which login does not take: give `codex-fwd login {dest}`{port}",
                a.host
            ),
        ));
    }
    match a.host.rsplit_once('@') {
        Some((u, h)) if !u.is_empty() && !h.is_empty() => {
            if a.login_name.is_some() {
                return Err(Failure::usage(
                    "login",
                    format!("`{}` names the user and so does -l; give one", a.host),
                ));
            }
            Ok((Some(u.to_string()), h.to_string()))
        }
        _ => Ok((a.login_name.clone(), a.host.clone())),
    }
}

/// `--device-auth[=CLIENT]`: `CLIENT login --device-auth` on the host, with no forward at all
/// (not even the config's), for when forwarding is impossible.
fn device_auth(env: &Env, user: Option<&str>, host: &str, client: &str) -> Result<u8, Failure> {
    let remote = [client, "login", "--device-auth"].map(String::from);
    let mut opts = vec!["ClearAllForwardings=yes", "RemoteCommand=none"];
    if session::has_8_7(env.ctx.openssh) {
        opts.extend(LOGIN_OPTS_8_7);
    }
    let argv = SshCommand {
        config: env.explicit_file(),
        opts: &opts,
        user,
        forwards: &[],
        dynamic: None,
        tty: RemoteTty::Force,
        host,
        remote: &remote,
    }
    .args();
    eprintln!(
        "codex-fwd: running `{}` on {host}, with no forward",
        remote.join(" ")
    );
    let interrupted = session::interrupt_flag();
    let mut child = Command::new("ssh")
        .args(&argv)
        .spawn()
        .map_err(|e| Failure::new(EXIT_IO, format!("cannot run ssh: {e}")))?;
    let status = session::wait(&mut child, &interrupted, &AtomicBool::new(false))
        .map_err(|e| Failure::new(EXIT_IO, format!("waiting for ssh: {e}")))?;
    exit_code(status, interrupted.load(Ordering::SeqCst), host, &remote)
}

/// The remote command with `BROWSER=echo` in its environment, so that a CLI that opens a
/// browser on the remote prints the URL there instead, where the login sees it:
/// `env BROWSER=echo "$SHELL" -c 'WORDS'`. ssh itself runs `$SHELL -c WORDS` (the words joined
/// with spaces); the user's shell does the same here, with the variable set, so shell syntax
/// (`cd dir && codex login`, `exit 7`) means what it means with plain ssh. The words are
/// quoted for every login shell (`quote_for_any_shell`).
fn with_browser_echo(command: &[String]) -> Vec<String> {
    vec![
        "env".into(),
        "BROWSER=echo".into(),
        r#""$SHELL""#.into(),
        "-c".into(),
        quote_for_any_shell(&command.join(" ")),
    ]
}

/// `text` as one word that a POSIX shell, csh and fish all read back as `text`: single quotes,
/// with each `'` as `'\''`, each backslash as `'\\'` and each `!` as `'\!'`, outside the
/// quotes. Inside single quotes fish takes `\'` and `\\` as escapes, and csh expands `!`
/// (history, also in `csh -c`); POSIX shells take nothing there. So no backslash and no `!` is
/// left inside them: a command with `\'` in it would otherwise leave fish's quotes unbalanced
/// (and fish 3.6 exits 0 after that syntax error, a login that never ran), and `!1` would be
/// an "Event not found" of the outer csh, before the command's own shell reads it. (A newline
/// in the words still ends csh's quotes: csh cannot take one in a quoted word.)
fn quote_for_any_shell(text: &str) -> String {
    let mut q = String::with_capacity(text.len() + 2);
    q.push('\'');
    for c in text.chars() {
        match c {
            '\'' => q.push_str(r"'\''"),
            '\\' => q.push_str(r"'\\'"),
            '!' => q.push_str(r"'\!'"),
            c => q.push(c),
        }
    }
    q.push('\'');
    q
}

/// The remote command for a login in a container: the exec words (`docker exec -it web`, as the
/// remote shell reads them), then `env BROWSER=echo sh -c 'WORDS'`: the container's own POSIX
/// shell runs the words (the host's `$SHELL` need not exist in there).
fn in_container(exec_line: &str, command: &[String]) -> Vec<String> {
    vec![
        exec_line.to_string(),
        "env".into(),
        "BROWSER=echo".into(),
        "sh".into(),
        "-c".into(),
        quote_for_any_shell(&command.join(" ")),
    ]
}

/// A free port on 127.0.0.1 for ssh's dynamic forward, chosen just before ssh starts.
fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// `--port` and `--local-port`: which remote ports may be forwarded, and to which port here.
#[derive(Debug, PartialEq, Eq)]
struct PortMap {
    /// Empty: every port a URL names (>= 1024) is forwarded to the same port here.
    pairs: Vec<PortPair>,
    /// The port here for the first `--port` (or 1455, Codex's, without `--port`).
    local_port: Option<u16>,
}

impl PortMap {
    fn new(pairs: &[PortPair], local_port: Option<u16>) -> Result<PortMap, String> {
        if local_port.is_some() && pairs.len() > 1 {
            return Err("--local-port pairs with a single --port; give several as --port LOCAL:REMOTE,LOCAL:REMOTE".into());
        }
        if local_port.is_some() && pairs.iter().any(|p| p.local.is_some()) {
            return Err(
                "--local-port and --port LOCAL:REMOTE both name the local port; give one".into(),
            );
        }
        let map = PortMap {
            pairs: pairs.to_vec(),
            local_port,
        };
        // Checked here, before ssh runs: the listener would refuse them only once a URL is
        // seen, and the login would then wait for a callback that cannot come.
        let low = |p: u16| p < listen::LOWEST_PORT;
        let given = match pairs {
            [] => local_port
                .filter(|&l| low(l))
                .map(|l| format!("--local-port {l}")),
            _ => pairs.iter().enumerate().find_map(|(i, p)| {
                let here = map.local_for(p.remote).unwrap_or(p.remote);
                (low(here)).then(|| match (p.local, local_port.filter(|_| i == 0)) {
                    (Some(l), _) => format!("--port {l}:{}", p.remote),
                    (None, Some(l)) => format!("--local-port {l}"),
                    (None, None) => format!("--port {}", p.remote),
                })
            }),
        };
        if let Some(given) = given {
            return Err(format!(
                "`{given}`: a login never listens on a port below {} here; choose a port from {} up",
                listen::LOWEST_PORT,
                listen::LOWEST_PORT
            ));
        }
        let mut seen = HashSet::new();
        for p in pairs {
            if !seen.insert(map.local_for(p.remote).unwrap_or(p.remote)) {
                return Err(format!(
                    "local port {} is given twice",
                    map.local_for(p.remote).unwrap_or(p.remote)
                ));
            }
        }
        Ok(map)
    }

    /// The port here for a remote port, or `None` when `--port` does not list it.
    fn local_for(&self, remote: u16) -> Option<u16> {
        if self.pairs.is_empty() {
            let codex = self.local_port.filter(|_| remote == 1455);
            return Some(codex.unwrap_or(remote));
        }
        let i = self.pairs.iter().position(|p| p.remote == remote)?;
        let p = self.pairs[i];
        Some(
            p.local
                .or(self.local_port.filter(|_| i == 0))
                .unwrap_or(remote),
        )
    }
}

/// What the config says about ports this login finds taken here.
struct Carriage {
    set: ConfigSet,
    resolution: Resolution,
    ctx: ResolveContext,
    /// The login's own ssh: it sets up the config's forwards too.
    ssh_pid: u32,
}

impl Carriage {
    /// Does the process holding `local` here carry it to the remote's loopback `remote`? Yes
    /// when it is an ssh client (this login's own, or another connection) and the host's config
    /// forwards `local` there (the first listener of the port, loopback only). Returns how, for
    /// the note.
    fn carries(&self, owner: &PortOwner, local: u16, remote: u16) -> Option<String> {
        let own = owner.pid == Some(self.ssh_pid);
        let is_ssh = owner
            .name
            .as_deref()
            .is_some_and(|n| matches!(n, "ssh" | "ssh.exe"));
        if !own && !is_ssh {
            return None;
        }
        if self.set.rejection_for(self.ctx.openssh).is_some() {
            return None;
        }
        let seen_by = if own {
            self.with_login_options()
        } else {
            self.resolution.clone()
        };
        match seen_by.loopback_tunnel(local, remote) {
            Ok(f) => Some(format!(
                "{} ({}: {})",
                if own {
                    "this login's ssh".to_string()
                } else {
                    format!("{owner}, an ssh connection")
                },
                self.set.place(f.loc),
                f.forward.directive()
            )),
            // The login's own ssh listens there, yet no forward of the port applies as far as
            // codex-fwd reads the config: it comes from a block that is not evaluated here
            // (`Match exec`), as the login's ssh itself did.
            Err(sshcfg::Blocker::Missing) if own => {
                let n = self.resolution.not_evaluated.first()?;
                Some(format!(
                    "this login's ssh, from a block codex-fwd does not evaluate ({}: {})",
                    self.set.place(n.loc),
                    crate::undecided::text(&self.resolution.host, &n.what)
                ))
            }
            Err(_) => None,
        }
    }

    /// The host's forwards as the login's own ssh sets them up: its `ClearAllForwardings=no`
    /// brings back what the config's `ClearAllForwardings yes` clears (ssh merges identical
    /// repeats).
    fn with_login_options(&self) -> Resolution {
        self.resolution.keeping_forwardings()
    }

    /// Why the config's forward of `local` here, held by `owner`, does not carry the login
    /// to the remote's loopback `remote` (`carries` said no): what it does, for the message.
    fn why_not(&self, owner: &PortOwner, local: u16, remote: u16) -> &'static str {
        let seen_by = if owner.pid == Some(self.ssh_pid) {
            self.with_login_options()
        } else {
            self.resolution.clone()
        };
        match seen_by.loopback_tunnel(local, remote) {
            Err(sshcfg::Blocker::WrongBind { .. }) => {
                "forwards it from another loopback address, not 127.0.0.1"
            }
            Err(sshcfg::Blocker::BeyondLoopback { .. }) => "forwards it, listening beyond loopback",
            Err(sshcfg::Blocker::SocksProxy { .. }) => "makes it a SOCKS proxy",
            _ => "forwards it elsewhere",
        }
    }

    /// The config's forward of `local` here, as `file:line: directive`.
    fn forward_of(&self, local: u16) -> Option<String> {
        let f = self
            .resolution
            .forward_lines
            .iter()
            .find(|f| f.forward.listen_port() == Some(local))?;
        Some(format!(
            "{}: {}",
            self.set.place(f.loc),
            f.forward.directive()
        ))
    }

    /// Why a busy port here stops the login of `host`, and what to do.
    fn busy(&self, host: &str, t: Target, local: u16, owner: &PortOwner) -> String {
        let own = owner.pid == Some(self.ssh_pid);
        let line = self.forward_of(local);
        let why = match &line {
            Some(line) => format!(
                " (ssh with {host}'s config {}: {line})",
                self.why_not(owner, local, t.port)
            ),
            // No forward of the config: the dynamic forward this login made there.
            None if own => " (its SOCKS port for this login)".into(),
            None if owner.name.as_deref().is_some_and(|n| n.starts_with("ssh")) => format!(
                " (an ssh connection that forwards it? close it, or `ssh -O exit {host}` for a ControlMaster)"
            ),
            None => String::new(),
        };
        // The login's own ssh: stopping it is stopping the login.
        let (holder, fix) = match (own, line.is_some()) {
            (true, true) => ("this login's ssh".to_string(), "change that line, or use"),
            (true, false) => ("this login's ssh".to_string(), "use"),
            (false, _) => (owner.to_string(), "stop it, or use"),
        };
        let other = if local == 2455 { 3455 } else { 2455 };
        format!(
            "the login URL sends the browser to {t}, but localhost:{local} on this machine is already in use by {holder}{why}; {fix} another port here: `codex-fwd login {host} --port {other}:{}`",
            t.port
        )
    }
}

/// Is `url` new? It is remembered, up to `MAX_SEEN` URLs: a remote printing URL after URL (a
/// log, a flood) must not grow this process without end. Past that, a URL printed again is
/// handled again, within `MAX_PORTS` and `MAX_PAGES`.
fn first_time(seen: &mut HashSet<String>, url: &str) -> bool {
    if seen.contains(url) {
        return false;
    }
    if seen.len() < MAX_SEEN {
        seen.insert(url.to_string());
    }
    true
}

/// What the relay threads share.
struct Login {
    host: String,
    carrier: Carrier,
    /// The command runs in a container (`--container`, `--exec-prefix`).
    container: bool,
    /// Set on Ctrl-C: the relay's requests then end without a report.
    interrupted: Arc<AtomicBool>,
    ports: PortMap,
    no_browser: bool,
    /// Line end for our own notes: while ssh has the terminal in raw mode, `\n` alone does not
    /// return the cursor.
    eol: &'static str,
    config: Carriage,
    /// The dynamic forward answered (`Some(Ok)`), or did not.
    ready: Mutex<Option<Result<(), String>>>,
    /// Set to stop ssh early (a port that cannot be forwarded).
    abort: Arc<AtomicBool>,
    failure: Mutex<Option<Failure>>,
    /// Remote port -> the port here that carries it.
    forwarded: Mutex<HashMap<u16, u16>>,
    /// The listeners, closed when the login ends.
    serving: Mutex<Vec<listen::Serving>>,
    /// URLs already handled (a URL printed twice, or on both streams, is handled once).
    seen: Mutex<HashSet<String>>,
    /// Ports whose connections could not be carried (`fail_port`).
    failed: Mutex<HashSet<u16>>,
    /// Ports whose refusal by the server was already said.
    refused: Mutex<HashSet<u16>>,
    /// Remote ports the remote side accepted a connection to.
    opened: Mutex<HashSet<u16>>,
    /// Pages opened in the browser so far (at most `MAX_PAGES`).
    pages: Mutex<usize>,
    /// The limits already said (`MAX_PORTS`, `MAX_PAGES`): each is said once.
    limits_said: Mutex<HashSet<&'static str>>,
}

fn spawn_relay(
    from: Option<Box<dyn std::io::Read + Send>>,
    to_stderr: bool,
    login: &Arc<Login>,
    local_tty: bool,
) -> Option<JoinHandle<()>> {
    let from = from?;
    let login = login.clone();
    Some(std::thread::spawn(move || {
        let mut scan = url::UrlScanner::default();
        let crlf = !local_tty;
        let mut on = |data: &[u8]| {
            for u in scan.push(data) {
                login.found(&u);
            }
        };
        if to_stderr {
            session::relay(from, std::io::stderr(), crlf, &mut on);
        } else {
            session::relay(from, std::io::stdout(), crlf, &mut on);
        }
        if let Some(u) = scan.finish() {
            login.found(&u);
        }
    }))
}

impl Login {
    fn note(&self, msg: &str) {
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "codex-fwd: {msg}{}", self.eol);
        let _ = err.flush();
    }

    /// `note`, the first time only for `what`.
    fn note_once(&self, what: &'static str, msg: &str) {
        if self.limits_said.lock().unwrap().insert(what) {
            self.note(msg);
        }
    }

    /// Stop the login: ssh is stopped, and `f` is what codex-fwd exits with.
    fn fail(&self, f: Failure) {
        let mut slot = self.failure.lock().unwrap();
        if slot.is_none() {
            *slot = Some(f);
        }
        self.abort.store(true, Ordering::SeqCst);
    }

    /// A URL appeared in the remote's output.
    fn found(self: &Arc<Self>, text: &str) {
        if self.abort.load(Ordering::SeqCst) {
            return;
        }
        let Some(found) = url::inspect(text) else {
            return;
        };
        if found.targets.is_empty() {
            return;
        }
        // Only URLs that name a target are remembered (see `first_time`).
        if !first_time(&mut self.seen.lock().unwrap(), text) {
            return;
        }
        let mut all = true;
        for &t in &found.targets {
            match self.forward(t) {
                Ok(true) => {}
                Ok(false) => all = false,
                Err(f) => {
                    self.fail(f);
                    return;
                }
            }
        }
        if !found.open {
            return;
        }
        if !all {
            // Past MAX_PORTS the remote is not a login client: said once, and no more.
            if self.limits_said.lock().unwrap().contains("ports") {
                return;
            }
            self.note(&format!(
                "not opening {}: the port it names is not forwarded",
                found.url
            ));
            return;
        }
        if self.no_browser {
            self.note(&format!(
                "open this URL in this machine's browser: {}",
                found.url
            ));
            return;
        }
        {
            let mut pages = self.pages.lock().unwrap();
            if *pages >= MAX_PAGES {
                self.note_once(
                    "pages",
                    &format!(
                        "not opening {}: this login has opened {MAX_PAGES} pages already, the most it opens; open it yourself if it is the one",
                        found.url
                    ),
                );
                return;
            }
            *pages += 1;
        }
        self.note("opening the login page in your browser");
        let (url, eol) = (found.url.clone(), self.eol);
        std::thread::spawn(move || {
            if let Err(e) = browser::open(&url) {
                eprint!(
                    "codex-fwd: could not open a browser ({e}); open the URL above yourself{eol}"
                );
            }
        });
    }

    /// Forward `t` (once per port): `Ok(true)` when it is, `Ok(false)` when it is not, with a
    /// note saying why; `Err` when the login cannot go on.
    fn forward(self: &Arc<Self>, t: Target) -> Result<bool, Failure> {
        let host = &self.host;
        let mut forwarded = self.forwarded.lock().unwrap();
        if forwarded.contains_key(&t.port) {
            return Ok(true);
        }
        if forwarded.len() >= MAX_PORTS {
            self.note_once(
                "ports",
                &format!(
                    "not forwarding {t}: this login forwards {MAX_PORTS} ports already, the most it forwards (the remote printed URLs naming more); later ones are not forwarded either"
                ),
            );
            return Ok(false);
        }
        let Some(local) = self.ports.local_for(t.port) else {
            return Err(Failure::new(
                EXIT_REFUSED,
                format!(
                    "the login URL sends the browser to {t}, which --port does not list, so the login cannot complete; run again with `--port {}` added",
                    t.port
                ),
            ));
        };
        self.ensure_ready()?;
        match listen::bind(t.host, local) {
            Ok(listeners) => {
                let me = Arc::downgrade(self);
                let report: listen::Report = Arc::new(move |ev: listen::Event<'_>| {
                    let Some(me) = me.upgrade() else { return };
                    match ev {
                        listen::Event::Opened(t) => {
                            me.opened.lock().unwrap().insert(t.port);
                        }
                        listen::Event::Failed(t, e) => me.carry_failed(t, e),
                    }
                });
                let relayed = matches!(self.carrier, Carrier::Relay(_));
                let serving = listen::serve(listeners, self.carrier.clone(), t, report);
                self.serving.lock().unwrap().push(serving);
                let here = if t.host == url::LoopbackHost::Localhost {
                    format!("localhost:{local}")
                } else {
                    format!("{}:{local}", t.host)
                };
                if relayed {
                    let (place, client) = match &self.carrier {
                        Carrier::Relay(r) => (
                            r.far().place(),
                            r.client()
                                .map_or("an HTTP client".into(), |c| c.to_string()),
                        ),
                        Carrier::Socks { .. } => ("", String::new()),
                    };
                    self.note(&format!(
                        "listening on {here} here; each request the browser makes there is relayed to {t} by {client} {place}, until the login ends"
                    ));
                } else {
                    self.note(&format!(
                        "forwarding {here} here to {t} on {host}, through this login's ssh connection, until the login ends"
                    ));
                }
            }
            Err(BindError::Privileged) => {
                self.note(&format!(
                    "the login URL sends the browser to {t}; ports below {} are never forwarded",
                    listen::LOWEST_PORT
                ));
                return Ok(false);
            }
            Err(BindError::Busy(owner)) => {
                let Some(how) = self.config.carries(&owner, local, t.port) else {
                    return Err(Failure::new(
                        EXIT_REFUSED,
                        self.config.busy(host, t, local, &owner),
                    ));
                };
                self.note(&format!(
                    "localhost:{local} here is already forwarded to {host}'s port {} by {how}; the login goes through it",
                    t.port
                ));
            }
            Err(BindError::Io(e)) => {
                return Err(Failure::new(
                    EXIT_IO,
                    format!("cannot listen on {}:{local} here: {e}", t.host),
                ));
            }
        }
        forwarded.insert(t.port, local);
        if local != t.port {
            self.note(&rewrite_hint(t, local));
        }
        Ok(true)
    }

    /// Wait (once) for the dynamic forward to answer; for the relay, check (once) that the far
    /// side runs a shell with an HTTP client.
    fn ensure_ready(&self) -> Result<(), Failure> {
        let mut ready = self.ready.lock().unwrap();
        let r =
            ready.get_or_insert_with(|| self.carrier.ready(SOCKS_READY).map_err(|e| e.to_string()));
        r.clone().map_err(|e| match &self.carrier {
            Carrier::Socks { port, .. } => Failure::new(
                EXIT_IO,
                format!(
                    "ssh's dynamic forward on 127.0.0.1:{port} does not answer ({e}); see ssh's message above"
                ),
            ),
            Carrier::Relay(_) => Failure::new(EXIT_REFUSED, e),
        })
    }

    /// A connection could not be carried. When the remote side never accepted one for this
    /// port, the login cannot succeed (the server forbids forwarding): stop it, saying why and
    /// what to do. A refusal after an accepted connection (the browser asking for a favicon
    /// once the client's server has closed) is no failure of the login. A relay that cannot
    /// work at all (no shell, no HTTP client, no response in time) ends the login; one whose
    /// client finds nothing listening says so once per port.
    fn carry_failed(&self, t: &Target, e: &CarryError) {
        if let CarryError::Relay(r) = e {
            if self.interrupted.load(Ordering::SeqCst) || self.abort.load(Ordering::SeqCst) {
                return;
            }
            match r {
                RelayError::Stopped => return,
                RelayError::Unreachable { .. } => {
                    // After an answered request: the client's server has closed (a favicon
                    // asked for after the login), no failure.
                    if self.opened.lock().unwrap().contains(&t.port) {
                        return;
                    }
                    let hint = if self.container {
                        String::new()
                    } else {
                        format!(
                            "; a login running in a container listens on the container's own loopback: `codex-fwd login {} --container NAME`",
                            self.host
                        )
                    };
                    self.fail_port(t, Failure::new(EXIT_REFUSED, format!("{r}{hint}")));
                    return;
                }
                RelayError::Timeout { .. } | RelayError::Garbled { .. } => {
                    self.fail_port(t, Failure::new(EXIT_IO, r.to_string()));
                    return;
                }
                _ => {
                    // Carried by relay because the server refused the forward: the other way.
                    let fix = match &self.carrier {
                        Carrier::Socks { .. } => format!(
                            "; log in without a forward: `codex-fwd login {} --device-auth`",
                            self.host
                        ),
                        Carrier::Relay(_) => String::new(),
                    };
                    self.fail_port(t, Failure::new(EXIT_REFUSED, format!("{r}{fix}")));
                    return;
                }
            }
        }
        if self.opened.lock().unwrap().contains(&t.port) {
            return;
        }
        if !self.refused.lock().unwrap().insert(t.port) {
            return;
        }
        let host = &self.host;
        match e {
            CarryError::Refused { .. } => self.fail_port(
                t,
                Failure::new(
                    EXIT_REFUSED,
                    format!(
                        "the browser's connection to {t} failed: {e} on {host}, so the login cannot complete; {host}'s sshd forbids forwarding there (AllowTcpForwarding, PermitOpen): log in without a forward: `codex-fwd login {host} --device-auth`"
                    ),
                ),
            ),
            CarryError::Broken(_) | CarryError::Relay(_) => {
                self.note(&format!("the browser's connection to {t} failed: {e}"));
            }
        }
    }

    /// The connections to `t` cannot be carried, so the login cannot complete through that
    /// port: stop it with `f`, unless the login forwards another port that has not failed (a
    /// loopback URL that is not the login's, as a noisy `.bashrc` prints, must not end the
    /// login that is): then say so once, and go on.
    fn fail_port(&self, t: &Target, f: Failure) {
        let (first, failed) = {
            let mut failed = self.failed.lock().unwrap();
            (failed.insert(t.port), failed.clone())
        };
        let mut others: Vec<u16> = self
            .forwarded
            .lock()
            .unwrap()
            .keys()
            .copied()
            .filter(|p| *p != t.port && !failed.contains(p))
            .collect();
        if others.is_empty() {
            self.fail(f);
            return;
        }
        if first {
            others.sort_unstable();
            let list: Vec<String> = others.iter().map(u16::to_string).collect();
            self.note(&format!(
                "{}; the login goes on, through the other port it forwards ({})",
                f.message().unwrap_or_default(),
                list.join(", ")
            ));
        }
    }
}

/// Where the login command runs on the host: `--container NAME` (docker) or `--exec-prefix`.
#[derive(Debug, PartialEq, Eq)]
struct Exec {
    /// The words, for the relay (which drops their terminal flag).
    words: Vec<String>,
    /// The words as the remote shell gets them before the login command.
    line: String,
    /// For messages: `container web on myserver`.
    place: String,
}

impl Exec {
    fn from_args(a: &LoginArgs, host: &str) -> Result<Option<Exec>, Failure> {
        if let Some(name) = &a.container {
            if name.is_empty() || name.starts_with('-') {
                return Err(Failure::usage(
                    "login",
                    format!("--container needs a container's name or id, not `{name}`"),
                ));
            }
            let mut words: Vec<String> = DEFAULT_EXEC.map(String::from).to_vec();
            words.push(name.clone());
            let line = shlex::try_join(words.iter().map(String::as_str))
                .map_err(|e| Failure::usage("login", format!("--container {name:?}: {e}")))?;
            return Ok(Some(Exec {
                words,
                line,
                place: format!("in container {name} on {host}"),
            }));
        }
        let Some(prefix) = &a.exec_prefix else {
            return Ok(None);
        };
        let words = shlex::split(prefix)
            .filter(|w| !w.is_empty())
            .ok_or_else(|| {
                Failure::usage(
                    "login",
                    format!("--exec-prefix `{prefix}` is not a list of words (an unclosed quote?)"),
                )
            })?;
        Ok(Some(Exec {
            words,
            line: prefix.trim().to_string(),
            place: format!("in `{}` on {host}", prefix.trim()),
        }))
    }
}

/// The one-line instruction when the laptop's port differs from the remote one.
fn rewrite_hint(t: Target, local: u16) -> String {
    format!(
        "after you sign in, the browser goes to http://{t}/... and cannot connect: change `:{}` to `:{local}` in its address bar and press Enter",
        t.port
    )
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

/// ssh's status is the remote command's; 255 is ssh's own failure, or a remote command killed
/// by a signal (ssh reports no status for it). 127 is the remote shell's "command not found".
fn exit_code(
    status: ExitStatus,
    interrupted: bool,
    host: &str,
    command: &[String],
) -> Result<u8, Failure> {
    if interrupted {
        eprintln!("codex-fwd: login interrupted; ssh has ended and the forwards are closed");
        return Ok(130);
    }
    match status.code() {
        Some(255) => Err(Failure::new(
            EXIT_IO,
            "ssh exited with 255: it failed (connecting or logging in; see its message above), or the remote command was ended by a signal (Ctrl-C on a terminal reaches it on the remote)",
        )),
        Some(127) => {
            eprintln!("codex-fwd: {}", not_found(host, command));
            Ok(127)
        }
        Some(c) => Ok(u8::try_from(c).unwrap_or(1)),
        None => Err(Failure::new(EXIT_IO, format!("ssh ended by {status}"))),
    }
}

/// The line for exit 127.
fn not_found(host: &str, command: &[String]) -> String {
    let client = command.first().map_or(DEFAULT_CLIENT, String::as_str);
    format!(
        "{host} exited with 127, the shell's \"command not found\" (for `{client}`?): ssh runs the command in a non-interactive shell, whose PATH lacks what your shell's startup files add (~/.local/bin, nvm, ...); give the full path, or let your login shell find it: `codex-fwd login {host} -- '$SHELL -lic \"{}\"'`",
        command.join(" ")
    )
}

#[cfg(test)]
mod tests {
    use super::url::LoopbackHost;
    use super::*;

    fn pp(local: Option<u16>, remote: u16) -> PortPair {
        PortPair { local, remote }
    }

    #[test]
    fn port_maps() {
        let m = PortMap::new(&[], None).unwrap();
        assert_eq!(
            (m.local_for(1455), m.local_for(53682)),
            (Some(1455), Some(53682))
        );
        // --local-port alone moves Codex's 1455 only; every other port stays as it is.
        let m = PortMap::new(&[], Some(2455)).unwrap();
        assert_eq!(
            (m.local_for(1455), m.local_for(1457)),
            (Some(2455), Some(1457))
        );
        // --port lists the ports that may be forwarded, LOCAL:REMOTE moves one.
        let m = PortMap::new(&[pp(None, 1455), pp(None, 1457)], None).unwrap();
        assert_eq!((m.local_for(1457), m.local_for(8085)), (Some(1457), None));
        let m = PortMap::new(&[pp(Some(2455), 1455), pp(None, 1457)], None).unwrap();
        assert_eq!(
            (m.local_for(1455), m.local_for(1457)),
            (Some(2455), Some(1457))
        );
        let m = PortMap::new(&[pp(None, 8080)], Some(9090)).unwrap();
        assert_eq!(m.local_for(8080), Some(9090));
        assert!(PortMap::new(&[pp(None, 1455), pp(None, 1457)], Some(2455)).is_err());
        assert!(PortMap::new(&[pp(Some(1), 1455)], Some(2455)).is_err());
        let e = PortMap::new(&[pp(Some(1457), 1455), pp(None, 1457)], None).unwrap_err();
        assert!(e.contains("1457 is given twice"), "{e}");
        // Ports here below 1024 are refused before ssh runs (a URL naming one would never be
        // forwarded, and the login would wait for nothing); a remote one moved above is fine.
        for (pairs, local, given) in [
            (&[][..], Some(80), "`--local-port 80`"),
            (&[pp(None, 1455)][..], Some(1023), "`--local-port 1023`"),
            (&[pp(Some(443), 1455)][..], None, "`--port 443:1455`"),
            (&[pp(None, 1455), pp(None, 22)][..], None, "`--port 22`"),
        ] {
            let e = PortMap::new(pairs, local).unwrap_err();
            assert!(
                e.starts_with(given) && e.contains("below 1024"),
                "{pairs:?} {local:?}: {e}"
            );
        }
        assert!(PortMap::new(&[pp(Some(2455), 80)], None).is_ok());
        assert!(PortMap::new(&[pp(None, 80)], Some(1024)).is_ok());
    }

    fn echoed(c: &[&str]) -> String {
        let words: Vec<String> = c.iter().map(|s| s.to_string()).collect();
        with_browser_echo(&words).join(" ")
    }

    #[cfg(unix)]
    #[test]
    fn the_remote_command_gets_browser_echo_in_the_users_shell() {
        assert_eq!(
            echoed(&["codex", "login"]),
            r#"env BROWSER=echo "$SHELL" -c 'codex login'"#
        );
        assert_eq!(
            echoed(&["echo", "'it'", "$HOME"]),
            r#"env BROWSER=echo "$SHELL" -c 'echo '\''it'\'' $HOME'"#
        );
        // What a POSIX shell makes of it: the words as ssh would have given them to the shell,
        // run with BROWSER=echo.
        let line = echoed(&[r#"printf '%s|' "$BROWSER" 'a b' "it's" && exit 3"#]);
        let out = std::process::Command::new("sh")
            .args(["-c", &format!("SHELL=/bin/sh; {line}")])
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout), "echo|a b|it's|");
        assert_eq!(out.status.code(), Some(3));
    }

    /// The remote command's words reach `$SHELL -c` exactly, whichever login shell reads the
    /// line (sh, dash, bash, csh, fish: each one present here; the stand-in `$SHELL` prints
    /// what it got), with quotes, backslashes and both together (`\'`, which left fish's
    /// quotes unbalanced).
    #[cfg(unix)]
    #[test]
    fn the_remote_command_reaches_every_login_shell_as_written() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let stub = dir.path().join("shell");
        std::fs::write(&stub, "#!/bin/sh\nprintf '%s' \"$2\"\n").unwrap();
        std::fs::set_permissions(&stub, std::fs::Permissions::from_mode(0o755)).unwrap();
        let texts = [
            "codex login",
            r#"printf '%s|' "$BROWSER" 'it'\''s' && exit 3"#,
            r"echo it\'s 'a\b' a\\b \\' '\'",
            "cd /w && $HOME/x ~/y \"q\" `z` !1 * ; #",
        ];
        let mut tried = 0;
        for sh in ["sh", "dash", "bash", "csh", "tcsh", "fish"] {
            let Some(path) = ["/bin", "/usr/bin"]
                .iter()
                .map(|d| Path::new(d).join(sh))
                .find(|p| p.is_file())
            else {
                continue;
            };
            tried += 1;
            for text in texts {
                let line = with_browser_echo(&[text.to_string()]).join(" ");
                let out = std::process::Command::new(&path)
                    .args(["-c", &line])
                    .env("SHELL", &stub)
                    .env("HOME", dir.path())
                    .output()
                    .unwrap();
                assert_eq!(
                    String::from_utf8_lossy(&out.stdout),
                    text,
                    "{sh} -c {line}: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
        }
        assert!(tried >= 1);
    }

    #[test]
    fn remembered_urls_are_bounded() {
        let mut seen = HashSet::new();
        assert!(first_time(&mut seen, "http://127.0.0.1:1455/a"));
        assert!(!first_time(&mut seen, "http://127.0.0.1:1455/a"));
        for i in 0..3 * MAX_SEEN {
            assert!(first_time(
                &mut seen,
                &format!("http://127.0.0.1:1455/?n={i}")
            ));
        }
        assert_eq!(seen.len(), MAX_SEEN);
        assert!(!first_time(&mut seen, "http://127.0.0.1:1455/a"));
    }

    #[test]
    fn port_rewrite_instruction() {
        let t = Target {
            host: LoopbackHost::V4,
            port: 1455,
        };
        assert_eq!(
            rewrite_hint(t, 2455),
            "after you sign in, the browser goes to http://127.0.0.1:1455/... and cannot connect: change `:1455` to `:2455` in its address bar and press Enter"
        );
    }

    #[test]
    fn the_command_not_found_line_is_a_command_that_works() {
        let cmd = ["codex".to_string(), "login".to_string()];
        let m = not_found("web", &cmd);
        assert!(m.contains("for `codex`?"), "{m}");
        assert!(
            m.ends_with("`codex-fwd login web -- '$SHELL -lic \"codex login\"'`"),
            "{m}"
        );
    }

    fn carriage(config: &str, ssh_pid: u32) -> Carriage {
        let opts = sshcfg::LoadOptions::explicit_file("/c/config", "/nonexistent-home");
        let set = ConfigSet::from_main_bytes(config.as_bytes().to_vec(), &opts).unwrap();
        let ctx = ResolveContext::new("me");
        Carriage {
            resolution: set.resolve("web", &ctx),
            set,
            ctx,
            ssh_pid,
        }
    }

    fn owner(name: &str, pid: u32) -> PortOwner {
        PortOwner {
            pid: Some(pid),
            name: Some(name.into()),
        }
    }

    #[test]
    fn a_busy_port_carried_by_ssh() {
        let c = carriage("Host web\n  LocalForward 1455 localhost:1455\n", 7);
        // Another ssh connection (enable, then a terminal open on web).
        let how = c.carries(&owner("ssh", 99), 1455, 1455).unwrap();
        assert_eq!(
            how,
            "ssh (pid 99), an ssh connection (/c/config:2: LocalForward 1455 localhost:1455)"
        );
        // This login's own ssh (it sets the config's forwards up too).
        assert!(
            c.carries(&owner("ssh", 7), 1455, 1455)
                .unwrap()
                .starts_with("this login's ssh")
        );
        // Not ssh, not the login's port, or --port 2455:1455.
        assert_eq!(c.carries(&owner("python3", 99), 1455, 1455), None);
        assert_eq!(c.carries(&owner("ssh", 99), 1457, 1457), None);
        assert_eq!(c.carries(&owner("ssh", 99), 1455, 1457), None);
        // A forward of the port elsewhere.
        let c = carriage("Host web\n  LocalForward 1457 localhost:9999\n", 7);
        assert_eq!(c.carries(&owner("ssh", 7), 1457, 1457), None);
        assert_eq!(
            c.forward_of(1457).as_deref(),
            Some("/c/config:2: LocalForward 1457 localhost:9999")
        );
        // A block codex-fwd does not evaluate: only the login's own ssh is trusted.
        let c = carriage(
            "Match exec \"true\"\n  LocalForward 1455 localhost:1455\n",
            7,
        );
        assert!(
            c.carries(&owner("ssh", 7), 1455, 1455)
                .unwrap()
                .contains("/c/config:1"),
        );
        assert_eq!(c.carries(&owner("ssh", 99), 1455, 1455), None);
        // ClearAllForwardings yes: another connection has no forward, the login's own ssh has
        // (it passes ClearAllForwardings=no).
        let c = carriage(
            "Host web\n  ClearAllForwardings yes\n  LocalForward 1455 localhost:1455\n  LocalForward 1455 localhost:1455\n",
            7,
        );
        assert_eq!(c.carries(&owner("ssh", 99), 1455, 1455), None);
        assert_eq!(
            c.carries(&owner("ssh", 7), 1455, 1455).as_deref(),
            Some("this login's ssh (/c/config:3: LocalForward 1455 localhost:1455)")
        );
    }

    #[test]
    fn a_busy_port_says_who_holds_it_and_why_it_does_not_carry() {
        let v4 = |port| Target {
            host: LoopbackHost::V4,
            port,
        };
        let busy = |config: &str, owner: &PortOwner, port| {
            carriage(config, 7).busy("web", v4(port), port, owner)
        };
        // The login's own ssh, from a forward of the config that is on [::1] only: named as
        // the login's, with what is wrong with the line, and no "stop it".
        let m = busy(
            "Host web\n  LocalForward [::1]:1455 localhost:1455\n",
            &owner("ssh", 7),
            1455,
        );
        assert_eq!(
            m,
            "the login URL sends the browser to 127.0.0.1:1455, but localhost:1455 on this machine is already in use by this login's ssh (ssh with web's config forwards it from another loopback address, not 127.0.0.1: /c/config:2: LocalForward [::1]:1455 localhost:1455); change that line, or use another port here: `codex-fwd login web --port 2455:1455`"
        );
        // Listening beyond loopback (GatewayPorts), a SOCKS proxy, another target.
        for (config, said) in [
            (
                "Host web\n  GatewayPorts yes\n  LocalForward 1455 localhost:1455\n",
                "forwards it, listening beyond loopback: /c/config:3",
            ),
            (
                "Host web\n  LocalForward *:1455 localhost:1455\n",
                "forwards it, listening beyond loopback: /c/config:2",
            ),
            (
                "Host web\n  DynamicForward 1455\n",
                "makes it a SOCKS proxy: /c/config:2",
            ),
            (
                "Host web\n  LocalForward 1455 localhost:9999\n",
                "forwards it elsewhere: /c/config:2",
            ),
        ] {
            let m = busy(config, &owner("ssh", 99), 1455);
            assert!(
                m.contains(&format!(
                    "in use by ssh (pid 99) (ssh with web's config {said}"
                )) && m.contains("; stop it, or use another port here"),
                "{config}: {m}"
            );
        }
        // The login's own SOCKS port (no forward of the config), and another program.
        let m = busy("Host web\n", &owner("ssh", 7), 40000);
        assert!(
            m.contains("in use by this login's ssh (its SOCKS port for this login); use another port here: `codex-fwd login web --port 2455:40000`"),
            "{m}"
        );
        let m = busy("Host web\n", &owner("python3", 99), 1455);
        assert!(
            m.contains("in use by python3 (pid 99); stop it, or use another port here"),
            "{m}"
        );
    }

    fn login_args(container: Option<&str>, exec_prefix: Option<&str>) -> LoginArgs {
        LoginArgs {
            host: "web".into(),
            login_name: None,
            ports: vec![],
            local_port: None,
            no_browser: false,
            device_auth: None,
            container: container.map(String::from),
            exec_prefix: exec_prefix.map(String::from),
            relay: false,
            relay_timeout: 60,
            command: vec![],
        }
    }

    #[test]
    fn a_login_in_a_container_runs_in_its_own_sh() {
        let cmd = ["cd /w && codex".to_string(), "login".into(), "it's".into()];
        assert_eq!(
            in_container("docker exec -it 'my app'", &cmd),
            [
                "docker exec -it 'my app'",
                "env",
                "BROWSER=echo",
                "sh",
                "-c",
                r"'cd /w && codex login it'\''s'"
            ]
        );
    }

    #[test]
    fn where_the_login_command_runs() {
        assert_eq!(
            Exec::from_args(&login_args(None, None), "web").ok(),
            Some(None)
        );
        let e = Exec::from_args(&login_args(Some("my app"), None), "web")
            .ok()
            .flatten()
            .unwrap();
        assert_eq!(e.words, ["docker", "exec", "-it", "my app"]);
        // The remote shell gets the name as one word.
        assert_eq!(e.line, "docker exec -it 'my app'");
        assert_eq!(e.place, "in container my app on web");
        let e = Exec::from_args(&login_args(None, Some(" kubectl exec -it pod -- ")), "web")
            .ok()
            .flatten()
            .unwrap();
        assert_eq!(e.words, ["kubectl", "exec", "-it", "pod", "--"]);
        assert_eq!(e.line, "kubectl exec -it pod --");
        assert_eq!(e.place, "in `kubectl exec -it pod --` on web");
        for bad in [
            login_args(None, Some("docker exec -it 'web")),
            login_args(None, Some("   ")),
            login_args(Some("-it"), None),
            login_args(Some(""), None),
        ] {
            let f = Exec::from_args(&bad, "web").err().unwrap();
            assert_eq!(
                f.code,
                crate::failure::EXIT_USAGE,
                "{}",
                f.message().unwrap_or_default()
            );
            assert!(!f.message().unwrap_or_default().contains('\n'));
        }
    }

    #[test]
    fn user_at_host() {
        let a = |host: &str, l: Option<&str>| LoginArgs {
            host: host.into(),
            login_name: l.map(String::from),
            ports: vec![],
            local_port: None,
            no_browser: false,
            device_auth: None,
            container: None,
            exec_prefix: None,
            relay: false,
            relay_timeout: 60,
            command: vec![],
        };
        assert_eq!(
            user_and_host(&a("root@web", None)).ok(),
            Some((Some("root".into()), "web".into()))
        );
        assert_eq!(
            user_and_host(&a("web", Some("me"))).ok(),
            Some((Some("me".into()), "web".into()))
        );
        assert_eq!(
            user_and_host(&a("web", None)).ok(),
            Some((None, "web".into()))
        );
        assert!(user_and_host(&a("root@web", Some("me"))).is_err());
        // ssh's URI form: refused, naming the spelling that works (not `-l ssh://root`).
        for (given, said) in [
            (
                "ssh://root@web",
                "`ssh://root@web` is ssh's URI form, which login does not take: give `codex-fwd login root@web`",
            ),
            (
                "ssh://root@web:2222/",
                "`ssh://root@web:2222/` is ssh's URI form, which login does not take: give `codex-fwd login root@web` (the port in the host's config: `Port 2222` under `Host web`)",
            ),
            (
                "ssh://[::1]:22",
                "`ssh://[::1]:22` is ssh's URI form, which login does not take: give `codex-fwd login ::1` (the port in the host's config: `Port 22` under `Host ::1`)",
            ),
        ] {
            let f = user_and_host(&a(given, None)).err().unwrap();
            assert_eq!(f.code, crate::failure::EXIT_USAGE);
            assert!(f.message().unwrap().starts_with(said), "{:?}", f.message());
        }
    }
}
