//! The far side: where the relay's script runs (this machine in tests; a host through ssh, and a
//! container there through its exec command), and running it within a deadline.

use std::ffi::OsString;
use std::io::{self, Read, Write};
use std::process::{Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// The most the far side may print: a response body larger than this is cut.
const MAX_OUTPUT: u64 = 32 * 1024 * 1024;
/// How much of the far side's standard error is kept for a message.
const MAX_ERR: usize = 8 * 1024;
/// How often a running far side is checked for its end, the deadline and a stop.
pub(super) const TICK: Duration = Duration::from_millis(20);

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

    /// The program it runs.
    pub(super) fn program(&self) -> &std::ffi::OsStr {
        &self.program
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

/// Why a far side gave no output.
pub(super) enum Ended {
    /// Stopped (Ctrl-C, the login's end).
    Stopped,
    /// Past the deadline.
    TimedOut,
    /// It could not be started here.
    Spawn(io::Error),
}

/// One run of the far side.
pub(super) struct Run {
    pub(super) status: Option<ExitStatus>,
    pub(super) out: Vec<u8>,
    pub(super) err: Vec<u8>,
}

/// Runs `far` with `text` on its standard input until it ends, `end` passes, or `stopping`
/// says so (the far side is then ended, its whole process group on Unix).
pub(super) fn run(
    far: &FarSide,
    text: &[u8],
    end: Instant,
    stopping: &dyn Fn() -> bool,
) -> Result<Run, Ended> {
    let mut cmd = Command::new(&far.program);
    cmd.args(&far.args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // Its own process group: the terminal's Ctrl-C goes to the login, which stops this (and a
    // timeout can end the whole group, not only its first process).
    let mut child = crate::system::in_own_process_group(&mut cmd)
        .spawn()
        .map_err(Ended::Spawn)?;
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
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break Some(s),
            Ok(None) => {}
            Err(_) => break None,
        }
        if stopping() {
            crate::system::end_process_group(&mut child);
            return Err(Ended::Stopped);
        }
        if Instant::now() >= end {
            crate::system::end_process_group(&mut child);
            return Err(Ended::TimedOut);
        }
        thread::sleep(TICK);
    };
    let _ = writer.join();
    let out = reader.join().unwrap_or_default();
    let err = errs.join().unwrap_or_default();
    Ok(Run { status, out, err })
}

/// The last non-empty line of `err`, trimmed, without a trailing `\r`.
pub(super) fn last_line(err: &[u8]) -> String {
    String::from_utf8_lossy(err)
        .lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty())
        .unwrap_or_default()
        .to_string()
}

/// `exit status 7`, `killed by signal 9`.
pub(super) fn describe(status: Option<ExitStatus>) -> String {
    match status {
        Some(s) => match s.code() {
            Some(c) => format!("exit status {c}"),
            None => "killed by a signal".to_string(),
        },
        None => "no exit status".to_string(),
    }
}
