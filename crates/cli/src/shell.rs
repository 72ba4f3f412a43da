//! Command lines as a person types them: words quoted for a POSIX shell, so that a suggested
//! command works when it is pasted as printed.

use std::path::Path;

/// `ssh -G [-F PATH] HOST`: the effective config of `host` as ssh reads it in a run given `config`
/// with `-F` (or not), quoted for a POSIX shell.
pub(crate) fn ssh_g(config: Option<&Path>, host: &str) -> String {
    match config {
        Some(p) => format!("ssh -G -F {} {}", quote(&p.to_string_lossy()), quote(host)),
        None => format!("ssh -G {}", quote(host)),
    }
}

/// `word` as one word of a POSIX shell command line.
pub(crate) fn quote(word: &str) -> String {
    shlex::try_quote(word).map_or_else(|_| word.to_string(), |q| q.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_that_need_it_are_quoted() {
        assert_eq!(quote("plain-word"), "plain-word");
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(ssh_g(None, "web"), "ssh -G web");
        assert_eq!(
            ssh_g(Some(Path::new("/my cfg/c")), "web"),
            "ssh -G -F '/my cfg/c' web"
        );
    }
}
