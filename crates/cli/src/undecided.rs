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
        _ => "a line that needs what codex-fwd does not do is not evaluated".to_string(),
    }
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
