//! What to say when the library refuses an edit: its typed reasons as one-line messages with
//! their fixes, and the exit code each maps to.

use sshcfg::{ConfigSet, EditError, Ineffective, Loc, Origin, OtherHost, Rejection};

use crate::failure::{EXIT_REFUSED, EXIT_USAGE, Failure};

/// The failure for a refused edit of `set` (the set the plan was asked of: its locations name
/// the lines of the files as they are).
pub(crate) fn edit_failure(set: &ConfigSet, e: &EditError) -> Failure {
    let code = match e {
        EditError::Host(_) => EXIT_USAGE,
        _ => EXIT_REFUSED,
    };
    Failure::new(code, edit_message(set, e))
}

/// The one-line message for a refused edit.
pub(crate) fn edit_message(set: &ConfigSet, e: &EditError) -> String {
    let at = |loc: Loc| set.place(loc).to_string();
    match e {
        EditError::ClearAllForwardings { host, loc, value } => format!(
            "{}: ClearAllForwardings {value} applies to {host}, so no LocalForward can take effect; remove it for this host first",
            at(*loc)
        ),
        EditError::Shared { host, loc, origin } => format!(
            "{}: the forward for {host} comes from {}; removing it would change other hosts, so nothing was changed",
            at(*loc),
            origin_text(set, origin)
        ),
        EditError::AlsoChanges { host, other } => {
            let other = match other {
                OtherHost::HostName { name, loc } => {
                    format!("hosts whose HostName is {name} ({})", at(*loc))
                }
                OtherHost::Named(name) => name.clone(),
                _ => "another host".into(),
            };
            format!(
                "{host}: the change would also alter the effective config of {other} (its HostName is read against Host lines in the final pass); nothing was changed"
            )
        }
        EditError::Rejected(r) => format!(
            "{} (fix that line first); nothing was changed",
            rejection_text(set, r)
        ),
        EditError::Conflict {
            host,
            loc,
            forward,
            port,
            origin,
        } => format!(
            "{}: {} also listens on local port {port} for {host} and comes from {}; remove or change it there (or choose another local port), nothing was changed",
            at(*loc),
            forward.directive(),
            origin_text(set, origin)
        ),
        EditError::RemotePortTaken {
            host,
            loc,
            line,
            port,
        } => format!(
            "{}: {line} applies to {host}: sshd then listens on the remote machine's port {port} itself, so a server there cannot, and a LocalForward to it does not help; remove or change that line for {host} first, nothing was changed",
            at(*loc)
        ),
        EditError::AddressFamily { host, loc, client } => format!(
            "{}: the AddressFamily there applies to {host}: ssh then listens for forwards only on addresses of that family, and clients connect to {client}; remove it for this host (or make it `any`) first, nothing was changed",
            at(*loc)
        ),
        EditError::NothingAsked => "nothing to plan: no host or no forward given".into(),
        EditError::NotATunnel { forward } => format!(
            "LocalForward {} is not a loopback tunnel (a local port on loopback to localhost or 127.0.0.1 on the remote side)",
            forward.config_args()
        ),
        EditError::NotEffective { host, why } => {
            let why = match why {
                Ineffective::Blocked(b) => format!("afterwards: {}", b.code()),
                Ineffective::SeveralForwards { port } => {
                    format!("more than one forward of local port {port} remains")
                }
                Ineffective::StillEffective => "an equivalent forward is still effective".into(),
                _ => "unknown".into(),
            };
            format!(
                "{host}: the planned change does not have the intended effect ({why}); nothing was changed"
            )
        }
        // Its reason names lines of the config the run's earlier changes would leave, which no
        // file holds: told without them.
        EditError::AfterEarlier {
            host,
            earlier,
            reason,
        } => format!(
            "{host}: refused once this run's change for {} is made ({reason}); nothing was changed: make that change on its own first, and the refusal then names its lines",
            earlier.join(", ")
        ),
        other => other.to_string(),
    }
}

/// `path:line: ssh refuses this config: MESSAGE`, and why when the cause is a byte-order mark.
pub(crate) fn rejection_text(set: &ConfigSet, r: &Rejection) -> String {
    let doc = &set.file(r.loc.file()).doc;
    let bom = starts_with_bom(doc.as_bytes()) && r.loc.index() == 0;
    // A keyword only some vendor's ssh knows: which, and how to keep it.
    let vendor = (r.message.starts_with("Bad configuration option")
        && doc
            .directive(r.loc.index())
            .is_some_and(|d| vendor_keyword_builds(d.keyword_text).is_some()))
    .then(|| format!("; {}", unknown_keyword_fix(set, r.loc)));
    format!(
        "{}: ssh refuses this config: {}{}{}",
        set.place(r.loc),
        r.message,
        if bom { BOM_CAUSE } else { "" },
        vendor.as_deref().unwrap_or_default(),
    )
}

/// How to fix the line at `loc`, whose keyword the installed ssh does not know: remove it, or
/// have ssh skip it with an `IgnoreUnknown` that counts (ssh keeps the first it reads: when one
/// is in force for every host there, the keyword is added to it; otherwise a line goes above the
/// first block, since one inside a block covers that block's hosts only). A keyword only some
/// vendor's ssh knows (macOS's `UseKeychain` read by a Linux or Homebrew ssh, in a config shared
/// between machines) says which.
pub(crate) fn unknown_keyword_fix(set: &ConfigSet, loc: Loc) -> String {
    let keyword = (set.file(loc.file()).doc.directive(loc.index()))
        .map(|d| d.keyword_text)
        .unwrap_or_default();
    let shown = String::from_utf8_lossy(keyword);
    let keep = match set.ignore_unknown_in_force(loc) {
        Some(by) => format!(
            "add {shown} to the `IgnoreUnknown` at {} (ssh keeps the first `IgnoreUnknown` it reads)",
            set.place(by)
        ),
        None => {
            format!("put `IgnoreUnknown {shown}` above the first Host or Match line of the config")
        }
    };
    match vendor_keyword_builds(keyword) {
        Some(builds) => format!(
            "only {builds} {shown}: {keep} (then every other ssh skips the line), or remove the line"
        ),
        None => match newer_keyword_since(keyword) {
            Some((major, minor)) => format!(
                "{shown} is known to OpenSSH {major}.{minor} and later: update this machine's ssh, or remove the line, or {keep} (then this ssh skips it)"
            ),
            None => format!("remove the line, or {keep} (then ssh skips the line)"),
        },
    }
}

/// The release that added `keyword`, when it is newer than every release this library reads
/// configs for (`Tag`: 9.4).
fn newer_keyword_since(keyword: &[u8]) -> Option<(u8, u8)> {
    sshcfg::keywords()
        .find(|(k, _)| k.as_bytes().eq_ignore_ascii_case(keyword))
        .map(|(_, since)| since)
        .filter(|&since| since != (0, 0))
}

/// Which builds know `keyword`, when only some vendor's do.
fn vendor_keyword_builds(keyword: &[u8]) -> Option<&'static str> {
    Some(match sshcfg::vendor_keyword(keyword)? {
        sshcfg::Vendor::Apple => "macOS's own ssh (/usr/bin/ssh) knows",
        _ => "Debian's and Ubuntu's ssh know",
    })
}

/// Does a file begin with a UTF-8 byte-order mark? ssh reads those three bytes as part of the
/// first keyword (`Bad configuration option: \357\273\277host`), so the file is refused.
pub(crate) fn starts_with_bom(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\xEF\xBB\xBF")
}

/// What a byte-order mark at the start of the file means, after ssh's message.
pub(crate) const BOM_CAUSE: &str =
    "; the file begins with a UTF-8 byte-order mark, which ssh reads as part of the first keyword";

/// How to fix a file that begins with a byte-order mark.
pub(crate) const BOM_FIX: &str = "save the file as UTF-8 without a byte-order mark (BOM), or delete the three bytes before the first keyword";

/// Where a line other hosts share is, in words.
fn origin_text(set: &ConfigSet, origin: &Origin) -> String {
    let path = |file| set.file(file).path.display().to_string();
    let line = |loc: Loc| {
        String::from_utf8_lossy(set.file(loc.file()).doc.line_text(loc.index()))
            .trim()
            .to_string()
    };
    match origin {
        Origin::SystemConfig { file } => format!("the system config {}", path(*file)),
        Origin::IncludedTop {
            file,
            include,
            within,
        } => {
            let within = match within {
                Some(h) => format!(" inside `{}`", line(*h)),
                None => String::new(),
            };
            format!(
                "the top of {}, which is included at {}{within}",
                path(*file),
                set.place(*include)
            )
        }
        Origin::Global => "the global part of the file (it applies to every host)".into(),
        Origin::Block { header } => format!(
            "the block `{}` at {}, which is not for this host alone",
            line(*header),
            set.place(*header)
        ),
        _ => "a block other hosts share".into(),
    }
}
