//! A host name as the user types it: one literal name, never a pattern.

use std::fmt;

/// The bytes of a plain host name, by byte value: letters, digits, `.`, `-` and `_` (a name of
/// these alone reads the same in a `Host` line, a forward and ssh's host checks).
pub(crate) static PLAIN_NAME_BYTE: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'_');
        b += 1;
    }
    t
};

/// Why a string is not a usable host name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HostError {
    /// Nothing was given.
    #[error("host name is empty")]
    Empty,
    /// A character that would change how ssh reads the Host line.
    #[error(
        "host name {shown} contains {what}, which ssh would not read as part of one literal name"
    )]
    BadChar {
        /// The name, quoted and escaped for display.
        shown: String,
        /// The character, described.
        what: String,
    },
    /// A destination as `ssh` takes it on the command line (`user@host`, `ssh://...`), not the
    /// host name `Host` lines are matched against.
    #[error(
        "{given:?} is an ssh destination, not a Host alias: ssh matches Host lines against {alias:?} alone, so give that"
    )]
    Destination {
        /// What was given.
        given: String,
        /// The host part.
        alias: String,
    },
    /// It starts with `-`, which ssh reads as an option.
    #[error("host name {0:?} starts with '-', which ssh reads as an option")]
    LeadingDash(String),
    /// A character ssh refuses in the host it is given (ssh.c `valid_hostname`: "hostname
    /// contains invalid characters"), so no `ssh` run could use a block written for it.
    #[error(
        "host name {shown} contains '{c}', which ssh refuses in a host name (\"hostname contains invalid characters\")"
    )]
    RefusedBySsh {
        /// The name, quoted and escaped for display.
        shown: String,
        /// The character.
        c: char,
    },
}

/// A literal host name: no whitespace or control characters, no leading `#`, quotes, backslash, `=`... and
/// no pattern characters (`*`, `?`, `!`, `,`).
///
/// ```
/// use sshcfg::HostAlias;
/// assert!(HostAlias::new("myserver").is_ok());
/// assert!(HostAlias::new("web*").is_err());
/// assert!(HostAlias::new("a b").is_err());
/// assert!(HostAlias::new("a;b").is_err()); // ssh: "hostname contains invalid characters"
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HostAlias(String);

impl HostAlias {
    /// Check and wrap a host name.
    pub fn new(name: &str) -> Result<HostAlias, HostError> {
        if name.is_empty() {
            return Err(HostError::Empty);
        }
        if name.starts_with('-') {
            return Err(HostError::LeadingDash(name.to_string()));
        }
        if let Some(alias) = destination_host(name) {
            return Err(HostError::Destination {
                given: name.to_string(),
                alias,
            });
        }
        for (i, c) in name.chars().enumerate() {
            let what = match c {
                c if c.is_whitespace() => Some(format!("whitespace ({c:?})")),
                c if c.is_control() => Some(format!("a control character ({c:?})")),
                // Inside a word `#` is a plain character to ssh (`Host name#with#hash`); only
                // at the start of a word does it start a comment.
                '#' if i == 0 => Some("'#' at its start (a comment marker)".to_string()),
                '"' | '\'' => Some(format!("a quote ({c})")),
                '\\' => Some("a backslash".to_string()),
                '*' | '?' => Some(format!("'{c}', a wildcard")),
                '!' => Some("'!', a negation".to_string()),
                ',' => Some("',', a pattern list separator".to_string()),
                '=' => Some("'='".to_string()),
                // The rest of ssh.c `valid_hostname`'s list (quotes, backslash, blanks and
                // control characters are named above).
                '`' | '$' | ';' | '&' | '<' | '>' | '|' | '(' | ')' | '{' | '}' => {
                    return Err(HostError::RefusedBySsh {
                        shown: format!("{name:?}"),
                        c,
                    });
                }
                _ => None,
            };
            if let Some(what) = what {
                return Err(HostError::BadChar {
                    shown: format!("{name:?}"),
                    what,
                });
            }
        }
        Ok(HostAlias(name.to_string()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The host part of `user@host`, `ssh://[user@]host[:port]`, if `name` is written so.
fn destination_host(name: &str) -> Option<String> {
    let (rest, uri) = match name.strip_prefix("ssh://") {
        Some(r) => (r, true),
        None => (name, false),
    };
    if !uri && !name.contains('@') {
        return None;
    }
    let host = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
    let host = if uri {
        let h = host.trim_end_matches('/');
        match h.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or(v6),
            None => h.split(':').next().unwrap_or(h),
        }
    } else {
        host
    };
    Some(host.to_string())
}

impl fmt::Display for HostAlias {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for HostAlias {
    type Err = HostError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        HostAlias::new(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each checked with `ssh -G -F FILE NAME` (OpenSSH 9.2p1): "hostname contains invalid
    /// characters".
    #[test]
    fn refuses_what_ssh_refuses_as_a_host() {
        for name in [
            "a;b", "a$b", "a`id`b", "a&b", "a(b", "a)b", "a{b", "a}b", "a|b", "a<b", "a>b",
        ] {
            assert!(
                matches!(HostAlias::new(name), Err(HostError::RefusedBySsh { .. })),
                "{name}"
            );
        }
        assert_eq!(
            HostAlias::new("a;b").unwrap_err().to_string(),
            "host name \"a;b\" contains ';', which ssh refuses in a host name (\"hostname contains invalid characters\")"
        );
        assert!(HostAlias::new("a%b.c_d-e:f@").is_err(), "a destination");
        assert!(HostAlias::new("a%b.c_d-e").is_ok());
    }

    #[test]
    fn refuses_what_is_not_one_name() {
        for bad in [
            "",
            "a b",
            "a\nb",
            "#a",
            "\"a\"",
            "a\\b",
            "web*",
            "w?b",
            "!a",
            "a,b",
            "a\tb",
            "-oProxyCommand=x",
            "a=b",
        ] {
            assert!(HostAlias::new(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            HostAlias::new("web*").unwrap_err().to_string(),
            "host name \"web*\" contains '*', a wildcard, which ssh would not read as part of one literal name"
        );
        for (dest, alias) in [
            ("me@myserver", "myserver"),
            ("ssh://myserver", "myserver"),
            ("ssh://me@myserver:2222/", "myserver"),
            ("ssh://[::1]:22", "::1"),
        ] {
            assert_eq!(
                HostAlias::new(dest),
                Err(HostError::Destination {
                    given: dest.into(),
                    alias: alias.into()
                })
            );
        }
        for good in [
            "myserver",
            "MixedCase",
            "10.0.0.1",
            "host.example.com",
            "h_1-2",
            "::1",
            "[::1]",
            "name#with#hash",
        ] {
            assert!(HostAlias::new(good).is_ok(), "{good:?}");
        }
    }
}
