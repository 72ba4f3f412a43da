//! Checks of single lines that OpenSSH would reject, for the keywords this library reads.

use crate::document::Keyword;
use crate::forward::{Forward, ForwardError};
use crate::lexer::Token;

/// The message OpenSSH would print for this line, if it would reject it.
pub(crate) fn check_directive(k: Keyword, args: &[Token<'_>]) -> Option<String> {
    let s = |t: &Token<'_>| String::from_utf8_lossy(&t.value).into_owned();
    match k {
        Keyword::Host | Keyword::Include => {
            if args.iter().any(|t| t.value.is_empty()) {
                return Some(format!(
                    "keyword {} empty argument",
                    if k == Keyword::Host {
                        "host"
                    } else {
                        "include"
                    }
                ));
            }
            None
        }
        Keyword::LocalForward => {
            let (Some(a), Some(b)) = (args.first(), args.get(1)) else {
                return Some("Missing target argument.".into());
            };
            if args.len() > 2 {
                return Some("keyword localforward extra arguments at end of line".into());
            }
            match Forward::from_args(&s(a), &s(b)) {
                Ok(_) | Err(ForwardError::NotEvaluated(_)) => None,
                Err(ForwardError::Bad(_)) => Some("Bad forwarding specification.".into()),
            }
        }
        Keyword::Match => {
            if args.is_empty() {
                return Some("One or more attributes required for Match".into());
            }
            None
        }
        _ => None,
    }
}
