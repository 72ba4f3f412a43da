//! Helpers shared by the integration tests: fixtures, and OpenSSH's own `ssh -G` as the judge.

use std::path::{Path, PathBuf};
use std::process::Command;

use sshcfg::{ConfigSet, LoadOptions, Resolution};

/// `tests/fixtures` at the workspace root.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

/// Every regular file under `dir`, sorted.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Is OpenSSH's client here? Tests that need it fail loudly when it is missing, since CI
/// installs it.
pub fn ssh_available() -> bool {
    Command::new("ssh").arg("-V").output().is_ok()
}

/// For a test that needs `ssh`: true when it is here. Elsewhere than Windows a missing ssh is a
/// failure (CI installs it); on Windows (and under Wine, which cannot start Linux programs) the
/// test is skipped, saying why.
pub fn need_ssh(test: &str) -> bool {
    if ssh_available() {
        return true;
    }
    if !cfg!(windows) {
        panic!("OpenSSH client (ssh) is needed");
    }
    eprintln!("{test}: skipped: no OpenSSH client (ssh) to run here");
    false
}

/// A temporary home with `.ssh/config` holding `bytes` (and any extra files copied in).
pub struct Home {
    pub dir: tempfile::TempDir,
}

impl Home {
    pub fn new(config: &[u8]) -> Home {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".ssh")).unwrap();
        std::fs::write(dir.path().join(".ssh/config"), config).unwrap();
        Home { dir }
    }

    /// A home that is a copy of a fixture tree (which must hold `.ssh/config`).
    pub fn copy_of(tree: &Path) -> Home {
        let dir = tempfile::tempdir().unwrap();
        for f in files_under(tree) {
            let rel = f.strip_prefix(tree).unwrap();
            let to = dir.path().join(rel);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(&f, &to).unwrap();
        }
        Home { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn config(&self) -> PathBuf {
        self.dir.path().join(".ssh/config")
    }

    pub fn load(&self) -> ConfigSet {
        ConfigSet::load(&LoadOptions::explicit_file(self.config(), self.path())).unwrap()
    }

    /// `ssh -G -F ~/.ssh/config HOST` with HOME pointing here.
    fn run_ssh_g(&self, host: &str) -> std::process::Output {
        Command::new("ssh")
            .arg("-G")
            .arg("-F")
            .arg(self.config())
            .arg(host)
            .env("HOME", self.path())
            .stdin(std::process::Stdio::null())
            .output()
            .expect("run ssh -G")
    }

    /// What `ssh -G` prints for HOST, line by line; `None` when ssh rejects the config.
    pub fn ssh_g(&self, host: &str) -> Option<Vec<String>> {
        let out = self.run_ssh_g(host);
        if !out.status.success() {
            return None;
        }
        Some(
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .map(str::to_string)
                .collect(),
        )
    }

    /// What `ssh -G` prints on stderr for HOST.
    pub fn ssh_g_error(&self, host: &str) -> String {
        String::from_utf8_lossy(&self.run_ssh_g(host).stderr).into_owned()
    }

    /// Write every file of a plan.
    pub fn write_plan(&self, plan: &sshcfg::Plan) {
        for c in plan.changes() {
            std::fs::write(c.path(), c.after()).unwrap();
        }
    }
}

/// The installed client's release, from `ssh -V`.
pub fn installed_version() -> Option<sshcfg::OpenSshVersion> {
    let out = Command::new("ssh").arg("-V").output().unwrap();
    let v = sshcfg::OpenSshVersion::from_ssh_v(&String::from_utf8_lossy(&out.stderr));
    assert!(v.is_some(), "ssh -V: {out:?}");
    v
}

/// The `localforward` lines of `ssh -G` output.
pub fn localforwards(g: &[String]) -> Vec<String> {
    g.iter()
        .filter(|l| l.starts_with("localforward "))
        .cloned()
        .collect()
}

/// Our resolution printed as `ssh -G` prints forwards.
pub fn our_localforwards(r: &Resolution) -> Vec<String> {
    r.forwards
        .iter()
        .filter(|f| !f.forward.hidden_by_ssh_g())
        .map(|f| format!("localforward {}", f.forward))
        .collect()
}

/// Does the config hold a `Match exec` (which `ssh -G` would run)?
pub fn has_match_exec(bytes: &[u8]) -> bool {
    String::from_utf8_lossy(bytes)
        .to_lowercase()
        .lines()
        .any(|l| {
            let l = l.trim_start();
            l.starts_with("match") && l.contains("exec")
        })
}

/// Host names worth asking about for a config: its literal hosts and a few that test rules.
pub fn hosts_for(set: &ConfigSet) -> Vec<String> {
    let mut hosts = set.literal_hosts();
    for h in [
        "myserver",
        "other",
        "newhost",
        "MixedCase",
        "mixedcase",
        "web2",
        "bastion",
        "corpus-probe-host",
    ] {
        if !hosts.iter().any(|x| x == h) {
            hosts.push(h.to_string());
        }
    }
    hosts.truncate(14);
    hosts
}

/// Does `bytes` hold an empty `Host <host>` block (nothing but blank lines and comments under it)?
/// `disable` removes such a block (comments right above the next block go with that block), so
/// enable+disable cannot give it back: the one documented exception, which changes no host's
/// `ssh -G` output.
/// What each change of `plan` says its two sides share is shared: whole lines at the start
/// (counted right), bytes at the end.
pub fn assert_unchanged_is_shared(plan: &sshcfg::Plan) {
    for c in plan.changes() {
        let (old, new, same) = (c.before(), c.after(), c.unchanged());
        assert_eq!(old[..same.head], new[..same.head]);
        assert!(same.head == 0 || old[same.head - 1] == b'\n');
        assert_eq!(
            old[..same.head].iter().filter(|&&b| b == b'\n').count(),
            same.lines
        );
        assert_eq!(old[old.len() - same.tail..], new[new.len() - same.tail..]);
    }
}

pub fn has_empty_block(bytes: &[u8], host: &str) -> bool {
    let doc = sshcfg::Document::parse(bytes.to_vec());
    doc.blocks().any(|b| {
        let Some(h) = b.header else { return false };
        let Some(d) = doc.directive(h) else {
            return false;
        };
        let exact = d.keyword == sshcfg::Keyword::Host
            && matches!(&d.args, Ok(a) if a.len() == 1 && *a[0].value == *host.as_bytes());
        exact
            && b.lines.clone().skip(1).all(|i| {
                matches!(
                    doc.kind(i),
                    sshcfg::LineKind::Blank | sshcfg::LineKind::Comment
                )
            })
    })
}

/// `given(config).enable(host).produces(expected)`: edit tests that compare whole outputs.
pub fn given(config: impl AsRef<[u8]>) -> Given {
    Given {
        input: config.as_ref().to_vec(),
    }
}

/// A config to edit.
pub struct Given {
    input: Vec<u8>,
}

/// What an edit gave: the main file's new text, or the refusal.
pub struct Outcome {
    input: String,
    home: Home,
    result: Result<sshcfg::Plan, sshcfg::EditError>,
}

impl Given {
    /// `enable HOST` (1455 -> localhost:1455).
    pub fn enable(self, host: &str) -> Outcome {
        self.run(sshcfg::Action::Enable, host)
    }

    /// `disable HOST` (1455 -> localhost:1455).
    pub fn disable(self, host: &str) -> Outcome {
        self.run(sshcfg::Action::Disable, host)
    }

    fn run(self, action: sshcfg::Action, host: &str) -> Outcome {
        let home = Home::new(&self.input);
        let result = home.load().plan(
            action,
            &[host],
            &[sshcfg::Forward::loopback(1455, 1455)],
            &sshcfg::ResolveContext::new("me"),
        );
        Outcome {
            input: String::from_utf8_lossy(&self.input).into_owned(),
            home,
            result,
        }
    }
}

impl Outcome {
    /// The main file's text after the edit (the input when nothing changes).
    pub fn output(&self) -> String {
        let plan = self
            .result
            .as_ref()
            .unwrap_or_else(|e| panic!("refused: {e}"));
        match plan.changes().first() {
            Some(c) => String::from_utf8_lossy(c.after()).into_owned(),
            None => self.input.clone(),
        }
    }

    /// The main file becomes exactly `expected`.
    pub fn produces(&self, expected: &str) {
        assert_eq!(self.output(), expected);
    }

    /// The main file becomes the input with `text` inserted right after `anchor`, which occurs
    /// exactly once in the input: nothing else changes.
    pub fn inserts(&self, anchor: &str, text: &str) {
        assert_eq!(self.input.matches(anchor).count(), 1, "anchor {anchor:?}");
        let at = self.input.find(anchor).unwrap() + anchor.len();
        let expected = format!("{}{text}{}", &self.input[..at], &self.input[at..]);
        assert_eq!(self.output(), expected);
    }

    /// Nothing changes.
    pub fn unchanged(&self) {
        assert_eq!(self.output(), self.input);
    }

    /// Refused with exactly `expected`, where `CONFIG` stands for the config's path.
    pub fn fails_with(&self, expected: &str) {
        let e = match &self.result {
            Ok(_) => panic!("not refused: {}", self.output()),
            Err(e) => describe(&self.home.load(), e),
        };
        let config = self.home.config().display().to_string();
        assert_eq!(e.replace(&config, "CONFIG"), expected);
    }
}

/// A refusal as `path:line: reason [where the shared line is]`, for assertions on its typed
/// fields (the words users read are the CLI's).
pub fn describe(set: &sshcfg::ConfigSet, e: &sshcfg::EditError) -> String {
    use sshcfg::{EditError, Origin, OtherHost};
    let text = |loc: sshcfg::Loc| {
        String::from_utf8_lossy(set.file(loc.file()).doc.line_text(loc.index()))
            .trim()
            .to_string()
    };
    let origin = |o: &Origin| match o {
        Origin::SystemConfig { file } => {
            format!(" [system config {}]", set.file(*file).path.display())
        }
        Origin::IncludedTop {
            file,
            include,
            within,
        } => format!(
            " [top of {}, included at {}{}]",
            set.file(*file).path.display(),
            set.place(*include),
            within
                .map(|h| format!(" inside `{}`", text(h)))
                .unwrap_or_default()
        ),
        Origin::Global => " [global]".into(),
        Origin::Block { header } => {
            format!(" [block `{}` at {}]", text(*header), set.place(*header))
        }
        _ => " [?]".into(),
    };
    let extra = match e {
        EditError::Shared { origin: o, .. } | EditError::Conflict { origin: o, .. } => origin(o),
        EditError::AlsoChanges {
            other: OtherHost::HostName { name, loc },
            ..
        } => format!(" [HostName {name} at {}]", set.place(*loc)),
        EditError::AlsoChanges {
            other: OtherHost::Named(name),
            ..
        } => format!(" [{name}]"),
        _ => String::new(),
    };
    match e.loc() {
        Some(loc) => format!("{}: {e}{extra}", set.place(loc)),
        None => format!("{e}{extra}"),
    }
}

/// The file and line of ssh's first "FILE line N" (or "FILE: line N") message in `err`,
/// passing over lines `skip` says to.
pub fn first_file_line(err: &str, skip: impl Fn(&str) -> bool) -> Option<(String, usize)> {
    err.lines().filter(|l| !skip(l)).find_map(|l| {
        let at = l.find(" line ")?;
        let n: String = l[at + 6..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        Some((l[..at].trim_end_matches(':').to_string(), n.parse().ok()?))
    })
}
