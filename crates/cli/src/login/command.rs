//! The command a login runs on the host, written so that every login shell (sh, bash, zsh,
//! fish, csh) and a container's own `sh` run it as typed, with `BROWSER=echo`.

use super::DEFAULT_CLIENT;
use crate::args::LoginArgs;
use crate::failure::Failure;

/// The container runtime `--container` uses.
pub(super) const DEFAULT_EXEC: [&str; 3] = ["docker", "exec", "-it"];

/// The remote command with `BROWSER=echo` in its environment, so that a CLI that opens a
/// browser on the remote prints the URL there instead, where the login sees it:
/// `env BROWSER=echo "$SHELL" -c 'WORDS'`. ssh itself runs `$SHELL -c WORDS` (the words joined
/// with spaces); the user's shell does the same here, with the variable set, so shell syntax
/// (`cd dir && codex login`, `exit 7`) means what it means with plain ssh. The words are
/// quoted for every login shell (`quote_for_any_shell`).
pub(super) fn with_browser_echo(command: &[String]) -> Vec<String> {
    vec![
        "env".into(),
        "BROWSER=echo".into(),
        r#""$SHELL""#.into(),
        "-c".into(),
        quote_for_any_shell(&command.join(" ")),
    ]
}

/// `text` as one word that a POSIX shell, csh and fish all read back as `text`: single quotes,
/// with each `'` as `'\''`, each backslash as `'\\'` and each `!` as `'\!'`, outside the
/// quotes. Inside single quotes fish takes `\'` and `\\` as escapes, and csh expands `!`
/// (history, also in `csh -c`); POSIX shells take nothing there. So no backslash and no `!` is
/// left inside them: a command with `\'` in it would otherwise leave fish's quotes unbalanced
/// (and fish 3.6 exits 0 after that syntax error, a login that never ran), and `!1` would be
/// an "Event not found" of the outer csh, before the command's own shell reads it. (A newline
/// in the words still ends csh's quotes: csh cannot take one in a quoted word.)
pub(super) fn quote_for_any_shell(text: &str) -> String {
    let mut q = String::with_capacity(text.len() + 2);
    q.push('\'');
    for c in text.chars() {
        match c {
            '\'' => q.push_str(r"'\''"),
            '\\' => q.push_str(r"'\\'"),
            '!' => q.push_str(r"'\!'"),
            c => q.push(c),
        }
    }
    q.push('\'');
    q
}

/// The remote command for a login in a container: the exec words (`docker exec -it web`, as the
/// remote shell reads them), then `env BROWSER=echo sh -c 'WORDS'`: the container's own POSIX
/// shell runs the words (the host's `$SHELL` need not exist in there).
pub(super) fn in_container(exec_line: &str, command: &[String]) -> Vec<String> {
    vec![
        exec_line.to_string(),
        "env".into(),
        "BROWSER=echo".into(),
        "sh".into(),
        "-c".into(),
        quote_for_any_shell(&command.join(" ")),
    ]
}

/// Where the login command runs on the host: `--container NAME` (docker) or `--exec-prefix`.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Exec {
    /// The words, for the relay (which drops their terminal flag).
    pub(super) words: Vec<String>,
    /// The words as the remote shell gets them before the login command.
    pub(super) line: String,
    /// For messages: `container web on myserver`.
    pub(super) place: String,
}

impl Exec {
    pub(super) fn from_args(a: &LoginArgs, host: &str) -> Result<Option<Exec>, Failure> {
        if let Some(name) = &a.container {
            if name.is_empty() || name.starts_with('-') {
                return Err(Failure::usage(
                    "login",
                    format!("--container needs a container's name or id, not `{name}`"),
                ));
            }
            let mut words: Vec<String> = DEFAULT_EXEC.map(String::from).to_vec();
            words.push(name.clone());
            let line = shlex::try_join(words.iter().map(String::as_str))
                .map_err(|e| Failure::usage("login", format!("--container {name:?}: {e}")))?;
            return Ok(Some(Exec {
                words,
                line,
                place: format!("in container {name} on {host}"),
            }));
        }
        let Some(prefix) = &a.exec_prefix else {
            return Ok(None);
        };
        let words = shlex::split(prefix)
            .filter(|w| !w.is_empty())
            .ok_or_else(|| {
                Failure::usage(
                    "login",
                    format!("--exec-prefix `{prefix}` is not a list of words (an unclosed quote?)"),
                )
            })?;
        Ok(Some(Exec {
            words,
            line: prefix.trim().to_string(),
            place: format!("in `{}` on {host}", prefix.trim()),
        }))
    }
}

/// The line for exit 127.
pub(super) fn not_found(host: &str, command: &[String]) -> String {
    let client = command.first().map_or(DEFAULT_CLIENT, String::as_str);
    format!(
        "{host} exited with 127, the shell's \"command not found\" (for `{client}`?): ssh runs the command in a non-interactive shell, whose PATH lacks what your shell's startup files add (~/.local/bin, nvm, ...); give the full path, or let your login shell find it: `codex-fwd login {host} -- '$SHELL -lic \"{}\"'`",
        command.join(" ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    fn echoed(c: &[&str]) -> String {
        let words: Vec<String> = c.iter().map(|s| s.to_string()).collect();
        with_browser_echo(&words).join(" ")
    }

    #[cfg(unix)]
    #[test]
    fn the_remote_command_gets_browser_echo_in_the_users_shell() {
        assert_eq!(
            echoed(&["codex", "login"]),
            r#"env BROWSER=echo "$SHELL" -c 'codex login'"#
        );
        assert_eq!(
            echoed(&["echo", "'it'", "$HOME"]),
            r#"env BROWSER=echo "$SHELL" -c 'echo '\''it'\'' $HOME'"#
        );
        // What a POSIX shell makes of it: the words as ssh would have given them to the shell,
        // run with BROWSER=echo.
        let line = echoed(&[r#"printf '%s|' "$BROWSER" 'a b' "it's" && exit 3"#]);
        let out = std::process::Command::new("sh")
            .args(["-c", &format!("SHELL=/bin/sh; {line}")])
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout), "echo|a b|it's|");
        assert_eq!(out.status.code(), Some(3));
    }

    /// The remote command's words reach `$SHELL -c` exactly, whichever login shell reads the
    /// line (sh, dash, bash, csh, fish: each one present here; the stand-in `$SHELL` prints
    /// what it got), with quotes, backslashes and both together (`\'`, which left fish's
    /// quotes unbalanced).
    #[cfg(unix)]
    #[test]
    fn the_remote_command_reaches_every_login_shell_as_written() {
        use std::os::unix::fs::PermissionsExt;
        use std::path::Path;
        let dir = tempfile::tempdir().unwrap();
        let stub = dir.path().join("shell");
        std::fs::write(&stub, "#!/bin/sh\nprintf '%s' \"$2\"\n").unwrap();
        std::fs::set_permissions(&stub, std::fs::Permissions::from_mode(0o755)).unwrap();
        let texts = [
            "codex login",
            r#"printf '%s|' "$BROWSER" 'it'\''s' && exit 3"#,
            r"echo it\'s 'a\b' a\\b \\' '\'",
            "cd /w && $HOME/x ~/y \"q\" `z` !1 * ; #",
        ];
        let mut tried = 0;
        for sh in ["sh", "dash", "bash", "csh", "tcsh", "fish"] {
            let Some(path) = ["/bin", "/usr/bin"]
                .iter()
                .map(|d| Path::new(d).join(sh))
                .find(|p| p.is_file())
            else {
                continue;
            };
            tried += 1;
            for text in texts {
                let line = with_browser_echo(&[text.to_string()]).join(" ");
                let out = std::process::Command::new(&path)
                    .args(["-c", &line])
                    .env("SHELL", &stub)
                    .env("HOME", dir.path())
                    .output()
                    .unwrap();
                assert_eq!(
                    String::from_utf8_lossy(&out.stdout),
                    text,
                    "{sh} -c {line}: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
        }
        assert!(tried >= 1);
    }

    #[test]
    fn the_command_not_found_line_is_a_command_that_works() {
        let cmd = ["codex".to_string(), "login".to_string()];
        let m = not_found("web", &cmd);
        assert!(m.contains("for `codex`?"), "{m}");
        assert!(
            m.ends_with("`codex-fwd login web -- '$SHELL -lic \"codex login\"'`"),
            "{m}"
        );
    }

    fn login_args(container: Option<&str>, exec_prefix: Option<&str>) -> LoginArgs {
        LoginArgs {
            host: "web".into(),
            login_name: None,
            ports: vec![],
            local_port: None,
            no_browser: false,
            device_auth: None,
            container: container.map(String::from),
            exec_prefix: exec_prefix.map(String::from),
            relay: false,
            relay_timeout: 60,
            command: vec![],
        }
    }

    #[test]
    fn a_login_in_a_container_runs_in_its_own_sh() {
        let cmd = ["cd /w && codex".to_string(), "login".into(), "it's".into()];
        assert_eq!(
            in_container("docker exec -it 'my app'", &cmd),
            [
                "docker exec -it 'my app'",
                "env",
                "BROWSER=echo",
                "sh",
                "-c",
                r"'cd /w && codex login it'\''s'"
            ]
        );
    }

    #[test]
    fn where_the_login_command_runs() {
        assert_eq!(
            Exec::from_args(&login_args(None, None), "web").ok(),
            Some(None)
        );
        let e = Exec::from_args(&login_args(Some("my app"), None), "web")
            .ok()
            .flatten()
            .unwrap();
        assert_eq!(e.words, ["docker", "exec", "-it", "my app"]);
        // The remote shell gets the name as one word.
        assert_eq!(e.line, "docker exec -it 'my app'");
        assert_eq!(e.place, "in container my app on web");
        let e = Exec::from_args(&login_args(None, Some(" kubectl exec -it pod -- ")), "web")
            .ok()
            .flatten()
            .unwrap();
        assert_eq!(e.words, ["kubectl", "exec", "-it", "pod", "--"]);
        assert_eq!(e.line, "kubectl exec -it pod --");
        assert_eq!(e.place, "in `kubectl exec -it pod --` on web");
        for bad in [
            login_args(None, Some("docker exec -it 'web")),
            login_args(None, Some("   ")),
            login_args(Some("-it"), None),
            login_args(Some(""), None),
        ] {
            let f = Exec::from_args(&bad, "web").err().unwrap();
            assert_eq!(
                f.code,
                crate::failure::EXIT_USAGE,
                "{}",
                f.message().unwrap_or_default()
            );
            assert!(!f.message().unwrap_or_default().contains('\n'));
        }
    }
}
