//! The relay carrier: the callback carried as HTTP requests instead of a TCP stream, for where no
//! forward reaches the login server (a client inside a container, listening on the container's
//! own loopback; a server that forbids forwarding).
//!
//! For each connection the browser opens to the laptop's port, the relay reads one request
//! ([`request`]), runs `sh -s` on the far side (through ssh, and through the container's exec
//! command) with a script on its standard input that makes that request with the first HTTP
//! client there ([`script`]), reads the raw response back ([`response`]), and answers the browser
//! with it: status, headers and body as they came, redirects not followed (rclone's `/auth`
//! answers with a redirect the browser must get).

mod request;
mod response;
mod script;
#[cfg(all(test, unix))]
mod tests;

use std::ffi::OsString;
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

pub(crate) use request::Request;
pub(crate) use response::Response;

use request::{BadRequest, Read1};
use response::Output;
use script::Job;

use super::url::Target;

/// The most the far side may print: a response body larger than this is refused.
const MAX_OUTPUT: u64 = 32 * 1024 * 1024;
/// How much of the far side's standard error is kept for a message.
const MAX_ERR: usize = 8 * 1024;
/// How long the far side gets beyond the client's own timeout (connecting, starting a shell).
const GRACE: Duration = Duration::from_secs(15);
/// How often a running far side is checked for its end, the deadline and a stop.
const TICK: Duration = Duration::from_millis(20);

/// The HTTP client the far side used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Client(pub(crate) String);

impl std::fmt::Display for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// How to run a command on the far side: a program and its first arguments, to which the relay
/// adds `sh -s`.
#[derive(Debug, Clone)]
pub(crate) struct FarSide {
    program: OsString,
    args: Vec<OsString>,
    /// Where the far side is, for messages, with its preposition: `on myserver`,
    /// `in container web on myserver`.
    place: String,
}

impl FarSide {
    #[cfg(all(test, unix))]
    /// This machine, through `exec` (the words of an exec command, possibly none): what the
    /// tests use, and what a container on this machine would.
    pub(crate) fn local(exec: &[String], place: impl Into<String>) -> FarSide {
        let mut words: Vec<OsString> = exec.iter().map(OsString::from).collect();
        words.push("sh".into());
        words.push("-s".into());
        let program = words.remove(0);
        FarSide {
            program,
            args: words,
            place: place.into(),
        }
    }

    /// A remote machine through `ssh` (`ssh_argv`: the program and its arguments up to and
    /// including the host, e.g. `ssh -S CTL -o ControlMaster=no -T -- HOST`), then through `exec`
    /// there. The exec words are quoted for the remote shell as POSIX words.
    pub(crate) fn ssh(
        ssh_argv: Vec<OsString>,
        exec: &[String],
        place: impl Into<String>,
    ) -> FarSide {
        let mut args = ssh_argv;
        let program = args.remove(0);
        let mut words: Vec<&str> = exec.iter().map(String::as_str).collect();
        words.extend(["sh", "-s"]);
        // Command-line words hold no NUL, the one thing POSIX quoting cannot carry.
        let line = shlex::try_join(words.iter().copied()).unwrap_or_else(|_| words.join(" "));
        args.push(line.into());
        FarSide {
            program,
            args,
            place: place.into(),
        }
    }

    /// What the far side is, for messages.
    pub(crate) fn place(&self) -> &str {
        &self.place
    }

    /// The command line.
    #[cfg(all(test, unix))]
    pub(crate) fn argv(&self) -> Vec<OsString> {
        std::iter::once(self.program.clone())
            .chain(self.args.iter().cloned())
            .collect()
    }
}

/// The exec words the relay runs its script with: the login's exec prefix less its terminal
/// flag (`-t`, `--tty`; `-it` becomes `-i`): the relay carries bytes, and a terminal would
/// change them (and `docker exec -t` without one fails). `-i` stays: the script comes on
/// standard input.
pub(crate) fn relay_exec(prefix: &[String]) -> Vec<String> {
    let mut out = Vec::with_capacity(prefix.len());
    let mut options = true;
    for w in prefix {
        if w == "--" {
            options = false;
        }
        if options && (w == "--tty" || w.starts_with("--tty=")) {
            continue;
        }
        let cluster = w.len() > 1
            && w.starts_with('-')
            && !w.starts_with("--")
            && w[1..].bytes().all(|b| b.is_ascii_alphabetic());
        if options && cluster && w.contains('t') {
            let rest: String = w[1..].chars().filter(|&c| c != 't').collect();
            if !rest.is_empty() {
                out.push(format!("-{rest}"));
            }
            continue;
        }
        out.push(w.clone());
    }
    out
}

/// Why a request could not be carried. Each prints as one line.
#[derive(Debug)]
pub(crate) enum RelayError {
    /// The far side's command did not run the script: ssh or the exec command failed (a
    /// container that is not running, say); its last line of standard error.
    NotRun {
        place: String,
        status: String,
        said: String,
    },
    /// The script ran but gave no output: the exec command did not pass standard input.
    NoInput { place: String },
    /// No HTTP client on the far side.
    NoClient { place: String },
    /// The client got no response: nothing listens there, or it failed.
    Unreachable {
        place: String,
        url: String,
        client: Client,
        status: String,
        said: String,
    },
    /// No response within the deadline.
    Timeout {
        place: String,
        url: String,
        after: Duration,
    },
    /// The far side printed something that is not a response.
    Garbled { place: String, why: String },
    /// Stopped (Ctrl-C) while the far side ran.
    Stopped,
    /// Running the far side's command failed here.
    Spawn { program: String, error: io::Error },
}

impl std::fmt::Display for RelayError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RelayError::NotRun {
                place,
                status,
                said,
            } => {
                if said.is_empty() {
                    write!(f, "cannot run a shell {place} ({status})")
                } else {
                    write!(f, "cannot run a shell {place}: {said}")
                }
            }
            RelayError::NoInput { place } => write!(
                f,
                "the shell {place} got no input: the exec command must pass standard input (docker/podman/kubectl exec need -i)"
            ),
            RelayError::NoClient { place } => write!(
                f,
                "no HTTP client {place}: the relay needs curl, GNU wget, python3 or node there"
            ),
            RelayError::Unreachable {
                place,
                url,
                client,
                status,
                said,
            } => {
                let said = if said.is_empty() {
                    status.clone()
                } else {
                    said.clone()
                };
                write!(f, "{client} {place} got no response from {url}: {said}")
            }
            RelayError::Timeout { place, url, after } => write!(
                f,
                "no response from {url} {place} within {} s",
                after.as_secs()
            ),
            RelayError::Garbled { place, why } => {
                write!(f, "unexpected output from the relay {place}: {why}")
            }
            RelayError::Stopped => write!(f, "stopped"),
            RelayError::Spawn { program, error } => write!(f, "cannot run {program}: {error}"),
        }
    }
}

impl std::error::Error for RelayError {}

/// What one accepted connection came to (the login only needs to know it went well; the tests
/// read the rest).
#[derive(Debug)]
#[cfg_attr(not(all(test, unix)), allow(dead_code))]
pub(crate) enum Served {
    /// The browser got the far side's response to its request.
    Answered {
        /// The request line's target (`/auth/callback?...`).
        target: String,
        /// The response's status.
        status: u16,
    },
    /// The connection closed or stayed silent: nothing to carry.
    Idle,
    /// The request was not one the relay carries; the browser got the status of `BadRequest`.
    Refused,
}

/// The relay for one login: through what the requests run, and within what time.
#[derive(Debug)]
pub(crate) struct Relay {
    far: FarSide,
    /// How long the far side's HTTP client may wait for the response.
    pub(crate) response_timeout: Duration,
    /// How long the browser may take to send its request.
    pub(crate) request_timeout: Duration,
    /// Any of these set stops every running far side (the first is [`Relay::stop`]'s).
    stops: Vec<Arc<AtomicBool>>,
    /// The HTTP client the far side used last (for messages).
    client: std::sync::Mutex<Option<Client>>,
    /// Requests read and not yet answered.
    in_flight: std::sync::atomic::AtomicUsize,
}

impl Relay {
    /// A relay through `far`, with 60 s for each response and 30 s for each request.
    pub(crate) fn new(far: FarSide) -> Relay {
        Relay {
            far,
            response_timeout: Duration::from_secs(60),
            request_timeout: Duration::from_secs(30),
            stops: vec![Arc::new(AtomicBool::new(false))],
            client: std::sync::Mutex::new(None),
            in_flight: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    /// Also stop when `flag` is set (Ctrl-C, the login's abort).
    pub(crate) fn stopped_by(mut self, flag: Arc<AtomicBool>) -> Relay {
        self.stops.push(flag);
        self
    }

    /// Stops every running far side, and every later one at once.
    pub(crate) fn stop(&self) {
        self.stops[0].store(true, Ordering::SeqCst);
    }

    /// Waits, at most `wait`, until no request is being carried (a login server that answers
    /// and exits at once ends the login while its answer is still on its way to the browser).
    pub(crate) fn drain(&self, wait: Duration) {
        let end = Instant::now() + wait;
        while self.in_flight.load(Ordering::SeqCst) > 0 && Instant::now() < end {
            thread::sleep(TICK);
        }
    }

    fn stopping(&self) -> bool {
        self.stops.iter().any(|f| f.load(Ordering::SeqCst))
    }

    /// The far side.
    pub(crate) fn far(&self) -> &FarSide {
        &self.far
    }

    /// Checks that the far side runs a shell and has an HTTP client; says which.
    pub(crate) fn probe(&self) -> Result<Client, RelayError> {
        let text = script::script("", 0, &Job::Probe, self.response_timeout);
        let run = self.run(&text, "the probe")?;
        let found = self.probed(&run);
        if let Ok(c) = &found {
            *self.client.lock().unwrap() = Some(c.clone());
        }
        found
    }

    /// The HTTP client the far side used last, if it ran.
    pub(crate) fn client(&self) -> Option<Client> {
        self.client.lock().unwrap().clone()
    }

    fn probed(&self, run: &Run) -> Result<Client, RelayError> {
        match response::parse(&run.out) {
            Ok(Output::NoClient) => Err(RelayError::NoClient {
                place: self.far.place.clone(),
            }),
            Ok(Output::NoResponse(c)) => Ok(Client(c)),
            Ok(Output::NotRun) => Err(self.not_run(run)),
            Ok(Output::Response(c, _)) => Ok(Client(c)),
            Err(why) => Err(RelayError::Garbled {
                place: self.far.place.clone(),
                why,
            }),
        }
    }

    /// Carries one request: reads it from `stream`, gets the far side's response, calls
    /// `answered` (the login server is there), writes the response to `stream`. When the far
    /// side fails, the browser gets a 502 (504 for a timeout) whose body says why, and the
    /// error is returned.
    pub(crate) fn serve(
        &self,
        mut stream: TcpStream,
        target: Target,
        answered: &dyn Fn(),
    ) -> Result<Served, RelayError> {
        // A connection that fails before its request is whole carried nothing: as a silent one.
        let Ok(read) = request::read_request(&mut stream, self.request_timeout) else {
            return Ok(Served::Idle);
        };
        let req = match read {
            Read1::Idle => return Ok(Served::Idle),
            Read1::Bad(bad) => return Ok(refuse(&mut stream, &bad)),
            Read1::Request(r) => r,
        };
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        let _done = InFlight(&self.in_flight);
        let head_only = req.method.eq_ignore_ascii_case("HEAD");
        let _ = stream.set_write_timeout(Some(self.request_timeout));
        match self.fetch(&req, target) {
            Ok(resp) => {
                answered();
                let _ = resp.write_to(&mut stream, head_only);
                Ok(Served::Answered {
                    target: req.target,
                    status: resp.status,
                })
            }
            Err(e) => {
                let (status, reason) = match e {
                    RelayError::Timeout { .. } => (504, "Gateway Timeout"),
                    _ => (502, "Bad Gateway"),
                };
                let _ = Response::own(status, reason, &e.to_string()).write_to(&mut stream, false);
                Err(e)
            }
        }
    }

    /// Makes `req` to `target` on the far side and returns the response.
    pub(crate) fn fetch(&self, req: &Request, target: Target) -> Result<Response, RelayError> {
        let host = target.host.as_str();
        let text = script::script(host, target.port, &Job::Fetch(req), self.response_timeout);
        let url = format!("http://{target}");
        let run = self.run(&text, &url)?;
        let place = self.far.place.clone();
        match response::parse(&run.out) {
            Ok(Output::Response(c, resp)) => {
                *self.client.lock().unwrap() = Some(Client(c));
                Ok(resp)
            }
            Ok(Output::NoClient) => Err(RelayError::NoClient { place }),
            Ok(Output::NotRun) => Err(self.not_run(&run)),
            Ok(Output::NoResponse(client)) => {
                // curl's and node's "timed out" (28), python's socket timeout.
                let said = last_line(&run.err);
                let timed_out =
                    run.status.and_then(|s| s.code()) == Some(28) || said.contains("timed out");
                if timed_out {
                    return Err(RelayError::Timeout {
                        place,
                        url,
                        after: self.response_timeout,
                    });
                }
                Err(RelayError::Unreachable {
                    place,
                    url,
                    client: Client(client),
                    status: describe(run.status),
                    said,
                })
            }
            Err(why) => Err(RelayError::Garbled { place, why }),
        }
    }

    fn not_run(&self, run: &Run) -> RelayError {
        let said = last_line(&run.err);
        if said.is_empty() && run.status.is_some_and(|s| s.success()) {
            return RelayError::NoInput {
                place: self.far.place.clone(),
            };
        }
        RelayError::NotRun {
            place: self.far.place.clone(),
            status: describe(run.status),
            said,
        }
    }

    /// Runs the far side with `text` on its standard input, within the deadline (`url`: what
    /// the timeout message names).
    fn run(&self, text: &[u8], url: &str) -> Result<Run, RelayError> {
        let mut cmd = Command::new(&self.far.program);
        cmd.args(&self.far.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        #[cfg(unix)]
        {
            // Its own process group: the terminal's Ctrl-C goes to the login, which stops this
            // (and a timeout can end the whole group, not only its first process).
            use std::os::unix::process::CommandExt;
            cmd.process_group(0);
        }
        let mut child = cmd.spawn().map_err(|error| RelayError::Spawn {
            program: self.far.program.to_string_lossy().into_owned(),
            error,
        })?;
        let mut stdin = child.stdin.take().expect("piped");
        let text = text.to_vec();
        let writer = thread::spawn(move || {
            let _ = stdin.write_all(&text);
        });
        let mut stdout = child.stdout.take().expect("piped");
        let reader = thread::spawn(move || {
            let mut out = Vec::new();
            let _ = (&mut stdout).take(MAX_OUTPUT).read_to_end(&mut out);
            out
        });
        let mut stderr = child.stderr.take().expect("piped");
        let errs = thread::spawn(move || {
            let mut err = Vec::new();
            let mut chunk = [0u8; 4096];
            while let Ok(n) = stderr.read(&mut chunk) {
                if n == 0 {
                    break;
                }
                err.extend_from_slice(&chunk[..n]);
                if err.len() > 2 * MAX_ERR {
                    err.drain(..err.len() - MAX_ERR);
                }
            }
            err
        });
        let end = Instant::now() + self.response_timeout + GRACE;
        let status = loop {
            match child.try_wait() {
                Ok(Some(s)) => break Some(s),
                Ok(None) => {}
                Err(_) => break None,
            }
            if self.stopping() {
                end_child(&mut child);
                return Err(RelayError::Stopped);
            }
            if Instant::now() >= end {
                end_child(&mut child);
                return Err(RelayError::Timeout {
                    place: self.far.place.clone(),
                    url: url.to_string(),
                    after: self.response_timeout,
                });
            }
            thread::sleep(TICK);
        };
        let _ = writer.join();
        let out = reader.join().unwrap_or_default();
        let err = errs.join().unwrap_or_default();
        Ok(Run { status, out, err })
    }
}

/// A request being carried: counted down when dropped.
struct InFlight<'a>(&'a std::sync::atomic::AtomicUsize);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// One run of the far side.
struct Run {
    status: Option<ExitStatus>,
    out: Vec<u8>,
    err: Vec<u8>,
}

/// Ends a far side that is still running: its whole process group on Unix, and reaps it.
fn end_child(child: &mut Child) {
    #[cfg(unix)]
    {
        if let Ok(pid) = libc::pid_t::try_from(child.id()) {
            // SAFETY: kill(2) with a negative pid signals that process group: the child's own
            // (process_group(0) made its pid the group's id).
            unsafe {
                libc::kill(-pid, libc::SIGTERM);
            }
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// The browser's bad request answered with its status.
fn refuse(stream: &mut TcpStream, bad: &BadRequest) -> Served {
    let (status, reason) = bad.status();
    let _ = Response::own(status, reason, &bad.to_string()).write_to(stream, false);
    Served::Refused
}

/// The last non-empty line of `err`, trimmed, without a trailing `\r`.
fn last_line(err: &[u8]) -> String {
    String::from_utf8_lossy(err)
        .lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty())
        .unwrap_or_default()
        .to_string()
}

/// `exit status 7`, `killed by signal 9`.
fn describe(status: Option<ExitStatus>) -> String {
    match status {
        Some(s) => match s.code() {
            Some(c) => format!("exit status {c}"),
            None => "killed by a signal".to_string(),
        },
        None => "no exit status".to_string(),
    }
}
