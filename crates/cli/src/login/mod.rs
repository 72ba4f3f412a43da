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
//!
//! By concern: this module runs one login from its arguments (and `--device-auth`); `command`
//! writes the remote command for every login shell and container, `ports` holds which ports
//! may be forwarded, `watch` follows the remote's output and forwards each URL's port as it is
//! found, `carriage` says who holds a port that is taken here, `master` and `relay` serve
//! servers that forbid forwarding.

mod browser;
mod carriage;
pub(crate) mod carry;
mod command;
mod listen;
mod master;
mod ports;
pub(crate) mod relay;
pub(crate) mod session;
mod url;
mod watch;

use std::collections::{HashMap, HashSet};
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::args::LoginArgs;
use crate::env::{Env, check_hosts};
use crate::failure::{EXIT_IO, Failure};
use crate::ssh::{Control, RemoteTty, Ssh};
use carriage::Carriage;
use carry::{Carrier, Fallback};
use command::{Exec, in_container, not_found, with_browser_echo};
use ports::{PortMap, free_port};
use relay::{FarSide, Relay};
use session::{LOGIN_OPTS, LOGIN_OPTS_8_7};
use watch::{Login, spawn_relay};

/// The client run when no command is given.
pub(super) const DEFAULT_CLIENT: &str = "codex";
/// How long a relayed request may still take once the login command has ended.
const RELAY_DRAIN: Duration = Duration::from_secs(10);

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
    let set = env.load_as_ssh()?;
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
        say!(
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
        say!("codex-fwd: login interrupted before ssh started");
        return Ok(130);
    }
    let forced = a.relay || exec.is_some();
    // `-D` for the login's own forwards (none when the relay carries every request); the
    // explicit loopback address keeps it there whatever `GatewayPorts` says.
    let ssh = Ssh::new()
        .config(env.explicit_file())
        .options(&opts)
        .user(user.as_deref())
        .dynamic_forward((!forced).then_some(socks))
        .tty(RemoteTty::Force)
        .destination(&host)
        .remote_command(&remote);
    match &exec {
        Some(e) => say!(
            "codex-fwd: running `{}` {}; the browser's requests to the port its login URL names will be carried there by relay, for this login only",
            command.join(" "),
            e.place
        ),
        None if forced => say!(
            "codex-fwd: running `{}` on {host}; the browser's requests to the port its login URL names will be carried there by relay, for this login only",
            command.join(" ")
        ),
        None => say!(
            "codex-fwd: running `{}` on {host}; the port its login URL names will be forwarded for this login only",
            command.join(" ")
        ),
    }
    if master.is_none() && forced {
        say!(
            "codex-fwd: this ssh cannot share its connection (OpenSSH for Windows), so each request the browser makes opens a connection of its own to {host}: you may be asked to authenticate again"
        );
    }
    let mut ssh = ssh.command();
    ssh.stdin(Stdio::inherit())
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
    let ssh = Ssh::new()
        .config(env.explicit_file())
        .options(&opts)
        .user(user)
        .tty(RemoteTty::Force)
        .destination(host)
        .remote_command(&remote);
    say!(
        "codex-fwd: running `{}` on {host}, with no forward",
        remote.join(" ")
    );
    let interrupted = session::interrupt_flag();
    let mut child = ssh
        .command()
        .spawn()
        .map_err(|e| Failure::new(EXIT_IO, format!("cannot run ssh: {e}")))?;
    let status = session::wait(&mut child, &interrupted, &AtomicBool::new(false))
        .map_err(|e| Failure::new(EXIT_IO, format!("waiting for ssh: {e}")))?;
    exit_code(status, interrupted.load(Ordering::SeqCst), host, &remote)
}

/// Is a ControlMaster connection open for the host? `ssh -O check` asks the control socket
/// (exit 0 and "Master running" when one answers); it neither connects to the host nor reads
/// standard input, and fails at once when no ControlPath is configured. A master that does not
/// answer within a few seconds (stopped with Ctrl-Z, say) is taken as none: the login does not
/// wait for it.
fn master_open(config: Option<&Path>, host: &str) -> bool {
    let mut cmd = Ssh::new()
        .config(config)
        .control(Control::Check)
        .destination(host)
        .command();
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    crate::system::status_within(&mut cmd, MASTER_CHECK_PATIENCE).is_some_and(|s| s.success())
}

/// How long `ssh -O check` may take (it only asks a local socket).
const MASTER_CHECK_PATIENCE: std::time::Duration = std::time::Duration::from_secs(5);

/// ssh's status is the remote command's; 255 is ssh's own failure, or a remote command killed
/// by a signal (ssh reports no status for it). 127 is the remote shell's "command not found".
fn exit_code(
    status: ExitStatus,
    interrupted: bool,
    host: &str,
    command: &[String],
) -> Result<u8, Failure> {
    if interrupted {
        say!("codex-fwd: login interrupted; ssh has ended and the forwards are closed");
        return Ok(130);
    }
    match status.code() {
        Some(255) => Err(Failure::new(
            EXIT_IO,
            "ssh exited with 255: it failed (connecting or logging in; see its message above), or the remote command was ended by a signal (Ctrl-C on a terminal reaches it on the remote)",
        )),
        Some(127) => {
            say!("codex-fwd: {}", not_found(host, command));
            Ok(127)
        }
        Some(c) => Ok(u8::try_from(c).unwrap_or(1)),
        None => Err(Failure::new(EXIT_IO, format!("ssh ended by {status}"))),
    }
}

#[cfg(test)]
mod tests {

    use super::*;

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
