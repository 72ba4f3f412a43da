//! A finding: a stable code, how bad it is, where, what is wrong and how to fix it.

use std::fmt;

use serde::Serialize;

/// What a finding is about; serialised as the stable kebab-case string scripts read
/// (`forward-missing`, ...), listed in docs/json.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Code {
    ForwardMissing,
    ClearAllForwardings,
    NonLoopbackBind,
    DuplicateLocalPort,
    ExitOnForwardFailure,
    ControlMaster,
    NotEvaluated,
    ConfigError,
    UnknownKeyword,
    WrongTarget,
    WrongBind,
    SocksProxy,
    RemotePortTaken,
    ConflictingListener,
    FallbackPort,
    LocalPortInUse,
    LocalPortExcluded,
    BadPermissions,
    #[cfg_attr(not(unix), allow(dead_code))] // a Unix mode check (doctor::machine)
    SshDirPermissions,
    HomeDiffers,
    SshGDiffers,
    ForwardingForbidden,
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = serde_json::to_value(self).expect("a unit variant");
        f.write_str(s.as_str().expect("a string"))
    }
}

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Severity {
    /// The callback will not arrive, or is exposed.
    Error,
    /// It works, but something around it will fail or surprise.
    Warning,
    /// Worth knowing; nothing is wrong (does not change the exit code).
    Note,
}

/// One finding, as `doctor --json` prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Finding {
    pub(crate) code: Code,
    pub(crate) severity: Severity,
    /// The host it concerns, if any.
    pub(crate) host: Option<String>,
    pub(crate) message: String,
    pub(crate) fix: String,
    /// The file involved, if any.
    pub(crate) file: Option<String>,
    /// 1-based line, if any.
    pub(crate) line: Option<usize>,
}

impl Finding {
    /// A finding about `host` (or the machine, with `None`), with no place yet.
    pub(crate) fn new(
        code: Code,
        severity: Severity,
        host: Option<&str>,
        message: String,
        fix: String,
    ) -> Finding {
        Finding {
            code,
            severity,
            host: host.map(str::to_string),
            message,
            fix,
            file: None,
            line: None,
        }
    }

    /// The same finding, placed at a line of the config.
    pub(crate) fn at(mut self, set: &sshcfg::ConfigSet, loc: sshcfg::Loc) -> Finding {
        self.file = Some(set.file(loc.file()).path.display().to_string());
        self.line = Some(loc.line());
        self
    }

    /// The same finding, about a file as a whole.
    pub(crate) fn in_file(mut self, path: impl Into<String>) -> Finding {
        self.file = Some(path.into());
        self
    }

    /// Two lines of text: `error[code] (host) file:line: message` and `    fix: ...`; for a
    /// `terminal`, with control bytes shown visibly (crate::visible).
    pub(crate) fn write_to(
        &self,
        out: &mut impl std::io::Write,
        terminal: bool,
    ) -> std::io::Result<()> {
        use crate::visible::for_stream as shown;
        let (color, label) = match self.severity {
            Severity::Error => (anstyle::AnsiColor::Red, "error"),
            Severity::Warning => (anstyle::AnsiColor::Yellow, "warning"),
            Severity::Note => (anstyle::AnsiColor::Cyan, "note"),
        };
        let style = anstyle::Style::new().fg_color(Some(color.into())).bold();
        let place = match (&self.file, self.line) {
            (Some(p), Some(l)) => format!("{p}:{l}: "),
            // A message about a whole file that starts by naming it says where already.
            (Some(p), None) if self.message.starts_with(p.as_str()) => String::new(),
            (Some(p), None) => format!("{p}: "),
            _ => String::new(),
        };
        let host = self
            .host
            .as_ref()
            .map(|h| format!("({h}) "))
            .unwrap_or_default();
        writeln!(
            out,
            "{style}{label}[{}]{style:#} {}{}{}",
            self.code,
            shown(&host, terminal),
            shown(&place, terminal),
            shown(&self.message, terminal)
        )?;
        writeln!(out, "    fix: {}", shown(&self.fix, terminal))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_named_once() {
        let text = |f: Finding| {
            let mut out = Vec::new();
            f.write_to(&mut out, false).unwrap();
            String::from_utf8(out).unwrap()
        };
        let f = |message: &str| {
            Finding::new(
                Code::BadPermissions,
                Severity::Error,
                None,
                message.into(),
                "x".into(),
            )
            .in_file("/tmp/c")
        };
        let named = text(f("/tmp/c has mode 0666"));
        assert_eq!(named.matches("/tmp/c").count(), 1, "{named}");
        assert!(named.contains(" /tmp/c has mode 0666\n"), "{named}");
        assert!(text(f("ssh reads it")).contains("/tmp/c: ssh reads it\n"));
    }

    #[test]
    fn codes_print_as_their_stable_strings() {
        assert_eq!(Code::ForwardMissing.to_string(), "forward-missing");
        assert_eq!(Code::SshGDiffers.to_string(), "ssh-g-differs");
        assert_eq!(Code::LocalPortInUse.to_string(), "local-port-in-use");
    }
}
