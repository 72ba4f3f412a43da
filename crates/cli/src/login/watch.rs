//! The remote's output watched as it comes: each login URL found is forwarded (a listener here,
//! carried through the ssh connection or a relay) before the browser opens it.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use super::carriage::Carriage;
use super::carry::{Carrier, CarryError};
use super::listen::BindError;
use super::ports::PortMap;
use super::relay::RelayError;
use super::url::Target;
use super::{browser, listen, session, url};
use crate::failure::{EXIT_IO, EXIT_REFUSED, Failure};

/// How long the dynamic forward may take to answer once a URL is seen.
pub(super) const SOCKS_READY: Duration = Duration::from_secs(10);
/// At most this many ports are forwarded in one login (Codex needs one; a CLI that retries on
/// another port, two or three): a remote printing more URLs cannot make this machine listen on
/// every port it names.
pub(super) const MAX_PORTS: usize = 8;
/// At most this many pages are opened in the browser in one login, so that a remote printing
/// URL after URL cannot flood the browser with tabs.
pub(super) const MAX_PAGES: usize = 4;
/// At most this many URLs naming a target are remembered (so that one printed twice is handled
/// once).
pub(super) const MAX_SEEN: usize = 1024;

/// Is `url` new? It is remembered, up to `MAX_SEEN` URLs: a remote printing URL after URL (a
/// log, a flood) must not grow this process without end. Past that, a URL printed again is
/// handled again, within `MAX_PORTS` and `MAX_PAGES`.
pub(super) fn first_time(seen: &mut HashSet<String>, url: &str) -> bool {
    if seen.contains(url) {
        return false;
    }
    if seen.len() < MAX_SEEN {
        seen.insert(url.to_string());
    }
    true
}

/// What the relay threads share.
pub(super) struct Login {
    pub(super) host: String,
    pub(super) carrier: Carrier,
    /// The command runs in a container (`--container`, `--exec-prefix`).
    pub(super) container: bool,
    /// Set on Ctrl-C: the relay's requests then end without a report.
    pub(super) interrupted: Arc<AtomicBool>,
    pub(super) ports: PortMap,
    pub(super) no_browser: bool,
    /// Line end for our own notes: while ssh has the terminal in raw mode, `\n` alone does not
    /// return the cursor.
    pub(super) eol: &'static str,
    pub(super) config: Carriage,
    /// The dynamic forward answered (`Some(Ok)`), or did not.
    pub(super) ready: Mutex<Option<Result<(), String>>>,
    /// Set to stop ssh early (a port that cannot be forwarded).
    pub(super) abort: Arc<AtomicBool>,
    pub(super) failure: Mutex<Option<Failure>>,
    /// Remote port -> the port here that carries it.
    pub(super) forwarded: Mutex<HashMap<u16, u16>>,
    /// The listeners, closed when the login ends.
    pub(super) serving: Mutex<Vec<listen::Serving>>,
    /// URLs already handled (a URL printed twice, or on both streams, is handled once).
    pub(super) seen: Mutex<HashSet<String>>,
    /// Ports whose connections could not be carried (`fail_port`).
    pub(super) failed: Mutex<HashSet<u16>>,
    /// Ports whose refusal by the server was already said.
    pub(super) refused: Mutex<HashSet<u16>>,
    /// Remote ports the remote side accepted a connection to.
    pub(super) opened: Mutex<HashSet<u16>>,
    /// Pages opened in the browser so far (at most `MAX_PAGES`).
    pub(super) pages: Mutex<usize>,
    /// The limits already said (`MAX_PORTS`, `MAX_PAGES`): each is said once.
    pub(super) limits_said: Mutex<HashSet<&'static str>>,
}

pub(super) fn spawn_relay(
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
    pub(super) fn note(&self, msg: &str) {
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "codex-fwd: {msg}{}", self.eol);
        let _ = err.flush();
    }

    /// `note`, the first time only for `what`.
    pub(super) fn note_once(&self, what: &'static str, msg: &str) {
        if self.limits_said.lock().unwrap().insert(what) {
            self.note(msg);
        }
    }

    /// Stop the login: ssh is stopped, and `f` is what codex-fwd exits with.
    pub(super) fn fail(&self, f: Failure) {
        let mut slot = self.failure.lock().unwrap();
        if slot.is_none() {
            *slot = Some(f);
        }
        self.abort.store(true, Ordering::SeqCst);
    }

    /// A URL appeared in the remote's output.
    pub(super) fn found(self: &Arc<Self>, text: &str) {
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
                say_part!(
                    "codex-fwd: could not open a browser ({e}); open the URL above yourself{eol}"
                );
            }
        });
    }

    /// Forward `t` (once per port): `Ok(true)` when it is, `Ok(false)` when it is not, with a
    /// note saying why; `Err` when the login cannot go on.
    pub(super) fn forward(self: &Arc<Self>, t: Target) -> Result<bool, Failure> {
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
    pub(super) fn ensure_ready(&self) -> Result<(), Failure> {
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
    pub(super) fn carry_failed(&self, t: &Target, e: &CarryError) {
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
    pub(super) fn fail_port(&self, t: &Target, f: Failure) {
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

/// The one-line instruction when the laptop's port differs from the remote one.
pub(super) fn rewrite_hint(t: Target, local: u16) -> String {
    format!(
        "after you sign in, the browser goes to http://{t}/... and cannot connect: change `:{}` to `:{local}` in its address bar and press Enter",
        t.port
    )
}

#[cfg(test)]
mod tests {
    use super::super::url::LoopbackHost;
    use super::*;

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
}
