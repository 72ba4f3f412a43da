//! What a resolution left undecided ([`sshcfg::Undecided`]), in words.

use sshcfg::Undecided;

/// The sentence for `what`, left undecided resolving `host`.
pub(crate) fn text(host: &str, what: &Undecided) -> String {
    match what {
        Undecided::MatchCriterion { name, negated } => {
            let why = match name.as_str() {
                "exec" => "codex-fwd runs no commands",
                "localnetwork" => "codex-fwd does not read this machine's network addresses",
                _ => "it depends on the session ssh opens",
            };
            let taken = if *negated {
                "so its negation holds and the line's other criteria decide"
            } else {
                "so the block is taken as not applying"
            };
            let bang = if *negated { "!" } else { "" };
            format!(
                "Match {bang}{name} is not evaluated ({why}); it is taken as not matching, {taken}"
            )
        }
        Undecided::Canonicalization { value, domains } => format!(
            "CanonicalizeHostname {value}: ssh may rename {host} by looking it up in DNS with each of CanonicalDomains {} (line {}), then read the config again for the new name; no lookup is made here, so blocks that match only that name (their ClearAllForwardings, forwards) are not evaluated",
            domains.value,
            domains.loc.line()
        ),
        Undecided::CnameLookup => format!(
            "CanonicalizePermittedCNAMEs: ssh looks {host} up in DNS before it connects (and before ssh -G prints) and may take a CNAME the list permits as the host's name; without a ProxyCommand or ProxyJump, a name that does not resolve stops it. No lookup is made here: this answer is for the name as it is"
        ),
        Undecided::IncludeExpansion => "OpenSSH 9.9 and later expand % tokens and ${VAR} in Include paths, with each host's values; codex-fwd reads this path as written, as earlier releases do, so the files ssh includes for this host may differ".to_string(),
        _ => "a line that needs what codex-fwd does not do is not evaluated".to_string(),
    }
}

/// What is said of a forward's socket path that keeps `%C` or `%j` because the release is not
/// known ([`unknown_jump_tokens`]).
pub(crate) const UNKNOWN_JUMP_TOKENS: &str = "%C and %j in this forward's socket path are left as written: from OpenSSH 9.6 they take in the ProxyJump host, and `ssh -V` gave no answer to tell which release this is";

/// Can a forward's socket path keep `%C` or `%j` for want of the release (asked once a run,
/// before any host is looked at)? Only when `ssh -V` gave no answer and a file names such a
/// token where the release matters (which made it ask).
pub(crate) fn jump_tokens_may_stay(set: &sshcfg::ConfigSet, ctx: &sshcfg::ResolveContext) -> bool {
    ctx.openssh.is_none() && (set.files().iter()).any(|f| f.doc.depends_on_openssh_version())
}

/// The first forward line of `r` whose socket path keeps `%C` or `%j` because the release is not
/// known (`ssh -V`, asked when a config names them in a forward, gave no answer): the library
/// leaves them as written under a `ProxyJump`, whose host OpenSSH 9.6 and later take in, and
/// this says so rather than nothing. `None` when the release is known or no path keeps them.
/// Ask only where [`jump_tokens_may_stay`].
pub(crate) fn unknown_jump_tokens(r: &sshcfg::Resolution) -> Option<sshcfg::Loc> {
    let keeps = |p: &str| p.contains("%C") || p.contains("%j");
    (r.forward_lines.iter())
        .find(|f| {
            matches!(&f.forward.listen, sshcfg::Listen::Path(p) if keeps(p))
                || matches!(&f.forward.connect, sshcfg::Connect::Path(p) if keeps(p))
        })
        .map(|f| f.loc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_negated_criterion_says_its_negation_holds() {
        let t = |name: &str, negated| {
            text(
                "h",
                &Undecided::MatchCriterion {
                    name: name.into(),
                    negated,
                },
            )
        };
        assert_eq!(
            t("exec", false),
            "Match exec is not evaluated (codex-fwd runs no commands); it is taken as not matching, so the block is taken as not applying"
        );
        assert_eq!(
            t("exec", true),
            "Match !exec is not evaluated (codex-fwd runs no commands); it is taken as not matching, so its negation holds and the line's other criteria decide"
        );
        assert!(t("localnetwork", false).contains("network addresses"));
        assert!(t("version", false).contains("the session ssh opens"));
    }
}
