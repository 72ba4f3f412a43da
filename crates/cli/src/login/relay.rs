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

mod error;
mod far;
mod request;
mod response;
mod script;
#[cfg(all(test, unix))]
mod tests;

use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

pub(crate) use error::RelayError;
pub(crate) use far::{FarSide, relay_exec};
pub(crate) use request::Request;
pub(crate) use response::Response;

use far::{Ended, Run, TICK, describe, last_line};
use request::{BadRequest, Read1};
use response::Output;
use script::Job;

use super::url::Target;

/// How long the far side gets beyond the client's own timeout (connecting, starting a shell).
const GRACE: Duration = Duration::from_secs(15);

/// The HTTP client the far side used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Client(pub(crate) String);

impl std::fmt::Display for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

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
    client: Mutex<Option<Client>>,
    /// Requests read and not yet answered.
    in_flight: AtomicUsize,
}

impl Relay {
    /// A relay through `far`, with 60 s for each response and 30 s for each request.
    pub(crate) fn new(far: FarSide) -> Relay {
        Relay {
            far,
            response_timeout: Duration::from_secs(60),
            request_timeout: Duration::from_secs(30),
            stops: vec![Arc::new(AtomicBool::new(false))],
            client: Mutex::new(None),
            in_flight: AtomicUsize::new(0),
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
                place: self.far.place().to_string(),
            }),
            Ok(Output::NoResponse(c)) => Ok(Client(c)),
            Ok(Output::NotRun) => Err(self.not_run(run)),
            Ok(Output::Response(c, _)) => Ok(Client(c)),
            Err(why) => Err(RelayError::Garbled {
                place: self.far.place().to_string(),
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
    fn fetch(&self, req: &Request, target: Target) -> Result<Response, RelayError> {
        let host = target.host.as_str();
        let text = script::script(host, target.port, &Job::Fetch(req), self.response_timeout);
        let url = format!("http://{target}");
        let run = self.run(&text, &url)?;
        let place = self.far.place().to_string();
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
                place: self.far.place().to_string(),
            };
        }
        RelayError::NotRun {
            place: self.far.place().to_string(),
            status: describe(run.status),
            said,
        }
    }

    /// Runs the far side with `text` on its standard input, within the deadline (`url`: what
    /// the timeout message names).
    fn run(&self, text: &[u8], url: &str) -> Result<Run, RelayError> {
        let end = Instant::now() + self.response_timeout + GRACE;
        far::run(&self.far, text, end, &|| self.stopping()).map_err(|e| match e {
            Ended::Stopped => RelayError::Stopped,
            Ended::TimedOut => RelayError::Timeout {
                place: self.far.place().to_string(),
                url: url.to_string(),
                after: self.response_timeout,
            },
            Ended::Spawn(error) => RelayError::Spawn {
                program: self.far.program().to_string_lossy().into_owned(),
                error,
            },
        })
    }
}

/// A request being carried: counted down when dropped.
struct InFlight<'a>(&'a AtomicUsize);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The browser's bad request answered with its status.
fn refuse(stream: &mut TcpStream, bad: &BadRequest) -> Served {
    let (status, reason) = bad.status();
    let _ = Response::own(status, reason, &bad.to_string()).write_to(stream, false);
    Served::Refused
}
