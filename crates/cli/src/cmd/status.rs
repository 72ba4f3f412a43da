//! `status`: is the forward effective for each host, and where from.

use serde::Serialize;

use crate::args::StatusRequest;
use crate::env::{Env, print_json};
use crate::failure::{Failure, stdout_failed};
use std::io::IsTerminal as _;

#[derive(Serialize)]
struct ForwardReport {
    listen: String,
    connect: String,
    file: String,
    line: usize,
}

/// One host's status, borrowing from the resolution (a run over every host makes one for each).
/// What `--json` shows of it is made as it is serialized, and the text shows less: a run over
/// every host formats nothing for a host that it does not write.
struct HostStatus<'a> {
    /// The forward asked for.
    want: &'a Want,
    r: &'a sshcfg::Resolution,
    set: &'a sshcfg::ConfigSet,
    /// The line of the forward that carries the login, or why none does.
    verdict: Result<sshcfg::Loc, Why<'a>>,
    notes: Vec<String>,
}

/// Why no forward carries the login, and what is responsible.
struct Why<'a> {
    reason: Reason,
    at: Option<At<'a>>,
}

/// What is responsible: a file, or a line of one (written as `file:line`).
enum At<'a> {
    File(&'a str),
    Line(sshcfg::Place<'a>),
}

impl std::fmt::Display for At<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            At::File(file) => f.write_str(file),
            At::Line(place) => place.fmt(f),
        }
    }
}

impl Serialize for At<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl HostStatus<'_> {
    /// The host (as the resolution holds it: not kept again here, as this is made for every
    /// host).
    fn host(&self) -> &str {
        &self.r.host
    }

    fn hostname(&self) -> Option<&str> {
        (self.r.get::<sshcfg::setting::HostName>()).map(|v| v.value.as_str())
    }

    fn user(&self) -> Option<&str> {
        (self.r.get::<sshcfg::setting::User>()).map(|v| v.value.as_str())
    }

    fn port(&self) -> Option<&str> {
        (self.r.get::<sshcfg::setting::Port>()).map(|v| v.value.as_str())
    }
}

impl Serialize for HostStatus<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct as _;
        let why = self.verdict.as_ref().err();
        let mut o = s.serialize_struct("HostStatus", 12)?;
        o.serialize_field("host", self.host())?;
        // The forward asked for, as written in a config.
        o.serialize_field("forward", &self.want.args)?;
        // A forward carries the login: the first listener of the local port that accepts the
        // browser's connection to the redirect's host (127.0.0.1), on loopback only, to a
        // target that reaches Codex's server on the remote's 127.0.0.1 (and ssh accepts the
        // config).
        o.serialize_field("enabled", &self.verdict.is_ok())?;
        // Where the forward that carries it comes from.
        let source = self.verdict.as_ref().ok();
        o.serialize_field("source", &source.map(|&loc| At::Line(self.set.place(loc))))?;
        // Why not: `missing`, `cleared`, `wrong-target`, `socks-proxy`, `wrong-bind`,
        // `beyond-loopback`, `not-first-listener`, `remote-port-taken`, `rejected-line`,
        // `bad-permissions`.
        o.serialize_field("reason", &why.map(|w| w.reason.code()))?;
        // The `file:line` responsible.
        o.serialize_field("reason_at", &why.and_then(|w| w.at.as_ref()))?;
        let (r, set) = (self.r, self.set);
        o.serialize_field("forwards", &Forwards { r, set })?;
        o.serialize_field("hostname", &self.hostname())?;
        o.serialize_field("user", &self.user())?;
        o.serialize_field("port", &self.port())?;
        o.serialize_field("clear_all_forwardings", &r.clears_forwardings())?;
        o.serialize_field("notes", &self.notes)?;
        o.end()
    }
}

/// The host's effective forwards as `--json` lists them (`ssh -G` hides the dynamic ones), made
/// only when serialized: the text output does not show them, and a run over every host would
/// otherwise format each host's forwards for nothing.
struct Forwards<'a> {
    r: &'a sshcfg::Resolution,
    set: &'a sshcfg::ConfigSet,
}

impl Serialize for Forwards<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let path = |loc: sshcfg::Loc| self.set.file(loc.file()).path.display().to_string();
        s.collect_seq(
            (self.r.forwards.iter())
                .filter(|f| !f.forward.hidden_by_ssh_g())
                .map(|f| ForwardReport {
                    listen: f.forward.listen_display(),
                    connect: f.forward.connect_display(),
                    file: path(f.loc),
                    line: f.loc.line(),
                }),
        )
    }
}

/// Why a forward does not carry the login.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Reason {
    /// No forward listens on the local port ([`sshcfg::Blocker::Missing`], `missing`; the text
    /// says `disabled`, no more): most hosts of a large config, told in one byte (each host's
    /// status is made, then read).
    Missing,
    /// What the listener model says otherwise: its blocker's code ([`sshcfg::Blocker::code`]),
    /// and how the text says it.
    Blocked(&'static str, Said),
    /// ssh refuses a line of the config (for this host).
    RejectedLine,
    /// ssh will not read a file of the config.
    BadPermissions,
}

/// How the text says what the listener model says.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Said {
    /// `ClearAllForwardings yes`: said so.
    Cleared,
    /// By its code.
    Code,
}

impl Reason {
    /// What the listener model says (only the blocker's code and how it is said are kept).
    fn of(b: &sshcfg::Blocker) -> Reason {
        use sshcfg::Blocker;
        let said = match b {
            Blocker::Missing => return Reason::Missing,
            Blocker::Cleared { .. } => Said::Cleared,
            _ => Said::Code,
        };
        Reason::Blocked(b.code(), said)
    }

    /// The stable name `--json` gives it.
    fn code(self) -> &'static str {
        match self {
            // ([`sshcfg::Blocker::Missing`]'s, as a test holds it.)
            Reason::Missing => "missing",
            Reason::Blocked(code, _) => code,
            Reason::RejectedLine => "rejected-line",
            Reason::BadPermissions => "bad-permissions",
        }
    }
}

/// What makes ssh refuse the config whatever the forwards say: a line it rejects (for this host),
/// or a file it will not read (`Bad owner or permissions`).
struct Refusal<'a> {
    /// `file:line` of the line, when one is rejected for every host.
    rejected: Option<&'a str>,
    /// A file ssh will not read.
    bad_permissions: Option<&'a str>,
    /// A forward's socket path may keep `%C` or `%j` for want of the release
    /// ([`crate::undecided::jump_tokens_may_stay`]).
    jump_tokens_may_stay: bool,
}

/// A wanted forward, as each host's status looks at it (made once for every host).
struct Want {
    /// Its arguments as a config line has them.
    args: String,
    /// What a host's line of text shows after its name: `: ` and the arguments.
    after_host: String,
    /// The same, then ` disabled`: the whole line of a host with no forward of the port and
    /// nothing else to show (written at once).
    disabled: String,
    /// The local port it listens on.
    local: u16,
    /// The remote port it connects to.
    remote: u16,
}

impl Want {
    fn new(w: &sshcfg::Forward) -> Want {
        let args = w.config_args();
        Want {
            after_host: format!(": {args}"),
            disabled: format!(": {args} disabled"),
            args,
            local: w.listen_port().unwrap_or_default(),
            remote: w.connect_port().unwrap_or_default(),
        }
    }
}

/// What ssh refuses for one host: the line it names first, and what it says (of that line,
/// and of a line refused for every host when that comes later).
#[derive(Default)]
struct Rejected {
    /// The line ssh names first.
    at: Option<sshcfg::Loc>,
    /// The lines the notes speak of.
    said: [Option<sshcfg::Loc>; 2],
    /// What ssh says of the line it names first.
    note: Option<String>,
    /// What ssh says of the line refused for every host, when that comes later.
    later_note: Option<String>,
}

/// What ssh names first for host `r`: a line rejected for every host (this host's
/// IgnoreUnknown may cover it) or a problem its reading for this host met before it. What ssh
/// says of a line rejected for every host is shown too (a note, after the one ssh names first
/// when that comes before it), not only where it is. (Only looked at for a host with a
/// problem, or when a line is rejected for every host.)
fn rejected(
    r: &sshcfg::Resolution,
    refusal: &Refusal<'_>,
    set: &sshcfg::ConfigSet,
    ctx: &sshcfg::ResolveContext,
) -> Rejected {
    let for_every_host = refusal
        .rejected
        .and_then(|_| set.rejection_for_host(ctx.openssh, r));
    let first = set.refusal_for_host(for_every_host.clone(), r);
    let mut out = Rejected {
        at: first.as_ref().map(|f| f.loc),
        ..Rejected::default()
    };
    if let (Some(f), Some(g)) = (&first, &for_every_host) {
        out.said = [Some(f.loc), Some(g.loc)];
        out.note = Some(crate::refusal::rejection_text(set, f));
        out.later_note = (g.loc != f.loc).then(|| crate::refusal::rejection_text(set, g));
    }
    out
}

/// The notes of host `r`: what ssh says of the lines it refuses (`rejected`), the lines left
/// undecided, the walk's errors and unreadable forwards, and a forward whose socket path may
/// keep a jump token (at `unknown_jump`). (Only made for a host with something to note.)
fn notes(
    host: &str,
    r: &sshcfg::Resolution,
    rejected: Rejected,
    unknown_jump: Option<sshcfg::Loc>,
    set: &sshcfg::ConfigSet,
) -> Vec<String> {
    let at = |loc: sshcfg::Loc| set.place(loc).to_string();
    let said = rejected.said;
    (rejected.note.into_iter().chain(rejected.later_note))
        .chain(
            (r.not_evaluated.iter())
                .map(|n| format!("{}: {}", at(n.loc), crate::undecided::text(host, &n.what))),
        )
        .chain(
            (r.errors.iter())
                // The walk's word on the lines the rejection notes name is said there
                // already.
                .filter(|n| !said.contains(&Some(n.loc)))
                .chain(r.unreadable_forwards.iter())
                .map(|n| format!("{}: {}", at(n.loc), n.message)),
        )
        .chain(
            unknown_jump
                .map(|loc| format!("{}: {}", at(loc), crate::undecided::UNKNOWN_JUMP_TOKENS)),
        )
        .collect()
}

/// The status of `host`, resolved into `r`, for the forward `want`. (Compiled into the loop
/// over the hosts: it runs once per host, and what it makes is read there at once.)
#[inline(always)]
fn host_status<'a>(
    host: &'a str,
    want: &'a Want,
    r: &'a sshcfg::Resolution,
    refusal: &Refusal<'a>,
    set: &'a sshcfg::ConfigSet,
    ctx: &sshcfg::ResolveContext,
) -> HostStatus<'a> {
    // (Most hosts have neither a line rejected for every host nor a problem of their own:
    // nothing is looked at for them.)
    let rejected = (refusal.rejected.is_some() || !r.errors.is_empty())
        .then(|| rejected(r, refusal, set, ctx));
    let at = |loc| Some(At::Line(set.place(loc)));
    let why = |reason, at| Err(Why { reason, at });
    let verdict = match (
        refusal.bad_permissions,
        rejected.as_ref().and_then(|r| r.at),
    ) {
        (Some(file), _) => why(Reason::BadPermissions, Some(At::File(file))),
        (None, Some(line)) => why(Reason::RejectedLine, at(line)),
        (None, None) => match r.tunnel(want.local, want.remote, crate::codex::ENDS) {
            Ok(f) => Ok(f.loc),
            // (Most hosts of a large config: no forward of the port. Nothing to look up.)
            Err(sshcfg::Blocker::Missing) => why(Reason::Missing, None),
            Err(b) => why(Reason::of(&b), b.at().and_then(at)),
        },
    };
    let unknown_jump = refusal
        .jump_tokens_may_stay
        .then(|| crate::undecided::unknown_jump_tokens(r))
        .flatten();
    let noted = rejected.as_ref().is_some_and(|r| r.note.is_some())
        || !r.not_evaluated.is_empty()
        || !r.errors.is_empty()
        || !r.unreadable_forwards.is_empty()
        || unknown_jump.is_some();
    HostStatus {
        want,
        r,
        set,
        verdict,
        // (Most hosts have nothing to note: no list is made for them.)
        notes: match noted {
            true => notes(host, r, rejected.unwrap_or_default(), unknown_jump, set),
            false => Vec::new(),
        },
    }
}

pub(crate) fn status(env: &Env, a: &StatusRequest) -> Result<u8, Failure> {
    let set = env.load_as_ssh()?;
    let ctx = &env.ctx;
    let wants = a.ports.forwards();
    // Every host: the index is built first and names them (it has read the Host lines).
    let (every, hosts) = match a.hosts.is_empty() {
        true => {
            let (index, hosts) = set.resolve_index_naming_hosts();
            (Some(index), hosts)
        }
        false => (None, a.hosts.iter().map(|h| h.as_str()).collect()),
    };
    let rejected = set
        .rejection_for(ctx.openssh)
        .map(|r| crate::refusal::rejection_text(&set, &r));
    let bad_permissions = crate::doctor::permission_findings(&set, env.explicit_file().is_some())
        .into_iter()
        .find(|f| f.code == crate::doctor::Code::BadPermissions)
        .and_then(|f| f.file);
    let refusal = Refusal {
        rejected: rejected.as_deref(),
        bad_permissions: bad_permissions.as_deref(),
        jump_tokens_may_stay: crate::undecided::jump_tokens_may_stay(&set, &env.ctx),
    };
    if hosts.is_empty() && !a.json {
        say!("{}: no host names defined", env.target.path().display());
    }
    // Several hosts go through one index, so the run stays linear in the config; one host
    // needs no index.
    let index = every.or_else(|| (hosts.len() > 1).then(|| set.resolve_index()));
    let run = Run {
        set: &set,
        ctx,
        hosts,
        index,
        wants: wants.iter().map(Want::new).collect(),
        refusal,
    };
    if a.json {
        print_json(&Streamed(&run))?;
        return Ok(0);
    }
    // On a terminal the config's control bytes (in a host name, a HostName) are shown visibly.
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match std::io::stdout().is_terminal() {
        true => write_each(&mut crate::visible::Visible(&mut out), &run),
        false => write_each(&mut out, &run),
    }
    .map_err(stdout_failed)?;
    Ok(0)
}

/// A run over the hosts asked for: what each host's status is made from.
struct Run<'a> {
    set: &'a sshcfg::ConfigSet,
    ctx: &'a sshcfg::ResolveContext,
    hosts: sshcfg::HostNames<'a>,
    /// Through which the hosts are resolved when there are several.
    index: Option<sshcfg::ResolveIndex<'a>>,
    /// Each wanted forward.
    wants: Vec<Want>,
    refusal: Refusal<'a>,
}

impl Run<'_> {
    /// Make each host's status and hand it to `f` (written, or serialized into the JSON array),
    /// dropping it before the next host is resolved; `false` from `f` stops the run. (`f` is a
    /// type parameter, not a `dyn`, so that the writing of each status can be compiled into
    /// this loop: it runs once per host.)
    fn each(&self, mut f: impl FnMut(&HostStatus<'_>) -> bool) {
        let (set, ctx) = (self.set, self.ctx);
        // One resolution, resolved into host after host (its room is reused).
        let mut r = sshcfg::Resolution::default();
        for i in 0..self.hosts.len() {
            match &self.index {
                Some(ix) => ix.resolve_name_into(&self.hosts, i, ctx, &mut r),
                None => r = set.resolve(self.hosts.get(i).unwrap_or_default(), ctx),
            }
            // (The resolution holds the host's name as asked for.)
            for want in &self.wants {
                if !f(&host_status(&r.host, want, &r, &self.refusal, set, ctx)) {
                    return;
                }
            }
        }
    }
}

/// Write the text of each host's status of `run` to `out`, then flush it.
fn write_each<W: std::io::Write>(out: &mut W, run: &Run<'_>) -> std::io::Result<()> {
    let mut failed = None;
    run.each(|h| match write_text(out, h) {
        Ok(()) => true,
        Err(e) => {
            failed = Some(e);
            false
        }
    });
    match failed {
        Some(e) => Err(e),
        None => out.flush(),
    }
}

/// The `--json` array of every host's status, serialized as each is made (the same bytes as a
/// `Vec` of them, without keeping them).
struct Streamed<'r, 'a>(&'r Run<'a>);

impl Serialize for Streamed<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq as _;
        let mut seq = s.serialize_seq(None)?;
        let mut failed = None;
        self.0.each(|h| match seq.serialize_element(h) {
            Ok(()) => true,
            Err(e) => {
                failed = Some(e);
                false
            }
        });
        match failed {
            Some(e) => Err(e),
            None => seq.end(),
        }
    }
}

/// One host's status as a line of text (and its notes), written straight to `out`: a run over
/// every host of a large config writes one such line per host, in as few writes as its parts
/// allow (each costs a call).
fn write_text(out: &mut impl std::io::Write, h: &HostStatus<'_>) -> std::io::Result<()> {
    // Plain byte writes, not `write!`: this runs once per host.
    out.write_all(h.host().as_bytes())?;
    // (Most hosts: their text up to what follows `disabled` is known, and written at once.)
    if let Err(Why {
        reason: Reason::Missing,
        ..
    }) = &h.verdict
    {
        out.write_all(h.want.disabled.as_bytes())?;
    } else {
        out.write_all(h.want.after_host.as_bytes())?;
    }
    match &h.verdict {
        Ok(loc) => write!(out, " enabled ({})", h.set.place(*loc))?,
        Err(Why {
            reason: Reason::Blocked(_, Said::Cleared),
            ..
        }) => out.write_all(b" disabled (ClearAllForwardings yes)")?,
        // (Written with the forward.)
        Err(Why {
            reason: Reason::Missing,
            ..
        }) => {}
        Err(Why {
            reason,
            at: Some(at),
        }) => write!(out, " disabled ({} at {at})", reason.code())?,
        Err(Why { reason, at: None }) => write!(out, " disabled ({})", reason.code())?,
    }
    // Each name with what comes before it: the opening bracket for the first shown.
    let extra = [
        ("  [hostname=", " hostname=", h.hostname()),
        ("  [user=", " user=", h.user()),
        ("  [port=", " port=", h.port()),
    ];
    let mut first = true;
    for (opening, after, value) in extra {
        if let Some(v) = value {
            // (Two writes of a known length each, not one of either: this runs once per host.)
            match first {
                true => out.write_all(opening.as_bytes())?,
                false => out.write_all(after.as_bytes())?,
            }
            out.write_all(v.as_bytes())?;
            first = false;
        }
    }
    out.write_all(if first { b"\n" } else { b"]\n" })?;
    for n in &h.notes {
        writeln!(out, "    note: {n}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reason and the text known without looking at the blocker (most hosts') are those the
    /// general reading gives.
    #[test]
    fn a_missing_forward_reads_as_the_blocker_says() {
        assert_eq!(Reason::of(&sshcfg::Blocker::Missing), Reason::Missing);
        assert_eq!(Reason::Missing.code(), sshcfg::Blocker::Missing.code());
        for spec in [
            "1455:localhost:1455",
            "8080:127.0.0.1:9090",
            "[::1]:1455:[::1]:1455",
        ] {
            let w = Want::new(&sshcfg::Forward::parse_spec(spec).unwrap());
            assert_eq!(w.disabled, format!("{} disabled", w.after_host));
        }
    }
}
