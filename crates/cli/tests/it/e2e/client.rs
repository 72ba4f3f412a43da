//! The real clients (the pinned Codex CLI, rclone), the browser stand-in, and the oracle that
//! says whether a login callback really arrived.
//!
//! The oracle, with no internet: when the callback with the right `state` reaches the real
//! client, it tries the token exchange, cannot reach the provider, and says so
//! (`CODEX_ARRIVED`, `RCLONE_ARRIVED`), then exits 1. A wrong `state` gets HTTP 400 and no such
//! line (Codex keeps waiting; rclone gives up).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::world::{Netns, Spawned, World, skip, wait_for};

/// The pinned `@openai/codex` version: `tests/codex-version`, which `.ci/run` also reads.
pub fn codex_version() -> &'static str {
    include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/codex-version"
    ))
    .trim()
}

/// What Codex prints when the callback with the right state reached it (it then fails to reach
/// the token endpoint).
pub const CODEX_ARRIVED: &str = "Token exchange error";

/// What `rclone authorize` prints when the callback with the right state reached it.
pub const RCLONE_ARRIVED: &str = "failed to get token";

/// The start of the authorize URL Codex prints.
pub const CODEX_AUTHORIZE: &str = "https://auth.openai.com/oauth/authorize?";

/// The start of the URL `rclone authorize` prints to open first.
pub const RCLONE_AUTH: &str = "http://127.0.0.1:53682/auth?state=";

/// The real Codex CLI: `CODEX_FWD_E2E_CODEX` when set, else the pinned install
/// `/opt/codex-fwd-e2e/codex-VERSION/node_modules/.bin/codex` (`.ci/run` makes it). `None` when
/// it is missing or not the pinned version: the test is skipped, saying why (a failure under
/// CI).
pub fn codex() -> Option<PathBuf> {
    static FOUND: std::sync::OnceLock<Result<PathBuf, String>> = std::sync::OnceLock::new();
    let found = FOUND.get_or_init(|| {
        let (path, pinned) = match std::env::var_os("CODEX_FWD_E2E_CODEX") {
            Some(p) => (PathBuf::from(p), false),
            None => (
                PathBuf::from(format!(
                    "/opt/codex-fwd-e2e/codex-{}/node_modules/.bin/codex",
                    codex_version()
                )),
                true,
            ),
        };
        if !path.is_file() {
            return Err(format!(
                "the real Codex CLI is not at {} (.ci/run installs it; CODEX_FWD_E2E_CODEX overrides)",
                path.display()
            ));
        }
        if pinned {
            let out = Command::new(&path)
                .arg("--version")
                .output()
                .map_err(|e| format!("{}: {e}", path.display()))?;
            let v = String::from_utf8_lossy(&out.stdout);
            if !v.split_whitespace().any(|w| w == codex_version()) {
                return Err(format!(
                    "{} --version says {:?}, not {}",
                    path.display(),
                    v.trim(),
                    codex_version()
                ));
            }
        }
        Ok(path)
    });
    match found {
        Ok(p) => Some(p.clone()),
        Err(why) => {
            skip(why);
            None
        }
    }
}

/// rclone (`/usr/bin/rclone` from Debian, or on `PATH`); `None` as for `codex`.
pub fn rclone() -> Option<PathBuf> {
    match super::world::which("rclone") {
        Some(p) => Some(p),
        None => {
            skip("rclone not found (.ci/run installs Debian's rclone)");
            None
        }
    }
}

/// The remote command that runs the real `codex login ARGS` with a fresh `HOME` and an existing
/// `CODEX_HOME` (Codex needs both), in the test directory:
/// `env HOME='DIR' CODEX_HOME='DIR/codex' 'CODEX' login ARGS`.
pub fn codex_login(w: &World, codex: &Path, args: &[&str]) -> String {
    let home = w.fresh_dir("home");
    std::fs::create_dir_all(home.join("codex")).unwrap();
    let mut c = format!(
        "env HOME='{h}' CODEX_HOME='{h}/codex' '{}' login",
        codex.display(),
        h = home.display()
    );
    for a in args {
        c.push(' ');
        c.push_str(a);
    }
    c
}

impl World {
    /// Put the real Codex on the remote sessions' `PATH` as `codex`, so that a plain
    /// `ssh myserver codex login` (and `codex-fwd login`'s default remote command) runs it: a
    /// two-line wrapper in `bin/` that gives each run a fresh `HOME` and `CODEX_HOME` in the test
    /// directory (Codex needs both, and must not touch root's) and execs Codex with its
    /// arguments.
    pub fn install_real_codex(&self, codex: &Path) {
        let d = self.dir.path();
        let path = d.join("bin/codex");
        let text = format!(
            "#!/bin/sh\nh=$(mktemp -d '{d}/codex-home-XXXXXX') && mkdir \"$h/codex\" || exit 1\n\
             export HOME=\"$h\" CODEX_HOME=\"$h/codex\"\nexec '{codex}' \"$@\"\n",
            d = d.display(),
            codex = codex.display()
        );
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

/// The remote command that runs `rclone authorize drive --auth-no-open-browser` with a fresh
/// `HOME` (its config stays there).
pub fn rclone_authorize(w: &World, rclone: &Path) -> String {
    let home = w.fresh_dir("home");
    format!(
        "env HOME='{h}' RCLONE_CONFIG='{h}/rclone.conf' '{}' authorize drive --auth-no-open-browser",
        rclone.display(),
        h = home.display()
    )
}

/// The first URL in `text` that starts with `prefix`, up to whitespace.
pub fn find_url(text: &str, prefix: &str) -> Option<String> {
    let i = text.find(prefix)?;
    Some(
        text[i..]
            .split(|c: char| c.is_whitespace())
            .next()
            .unwrap()
            .to_string(),
    )
}

/// A query parameter of `url`, decoded; `None` when `url` does not parse or lacks it.
pub fn query_param(url: &str, name: &str) -> Option<String> {
    url::Url::parse(url)
        .ok()?
        .query_pairs()
        .find_map(|(k, v)| (k == name).then(|| v.into_owned()))
}

/// The browser stand-in, `BROWSER URL`: what a browser does with the URL a client opens, after
/// the user signs in. It logs each step to its log file (`World::browser_log`), one line each:
/// `open URL`; for a URL on this machine (`127.0.0.1`, `localhost`, `[::1]`) it GETs it
/// without following redirects and logs `redirect LOCATION` for a 3xx, and goes on with the
/// location; then, when the URL has `redirect_uri` and `state`, it GETs
/// `REDIRECT_URI?code=ac_e2e_123&state=STATE` (`callback TARGET`), retrying a refused connection
/// for 5 s, and logs `status N` (the HTTP status, 400 included) or `error E`. It waits up to 30 s
/// for the answer: Codex 0.171.0 answers the callback only after its token exchange has failed,
/// about 10 s here with no network.
/// `E2E_BROWSER_PORT=P` replaces the redirect's `:1455/` by `:P/` (the user's edit in the address
/// bar); `E2E_BROWSER_STATE=S` sends state S instead (a forged callback).
const BROWSER: &str = r#"
import os, sys, time, urllib.parse, urllib.request, urllib.error
def log(s):
    with open(LOG, "a") as f:
        f.write(s + "\n")
class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a):
        return None
plain = urllib.request.build_opener(urllib.request.ProxyHandler({}))
noredirect = urllib.request.build_opener(urllib.request.ProxyHandler({}), NoRedirect())
def get(opener, url, timeout):
    try:
        r = opener.open(url, timeout=timeout)
        return r.status, r.headers
    except urllib.error.HTTPError as e:
        return e.code, e.headers
url = sys.argv[1]
log("open " + url)
host = urllib.parse.urlsplit(url).hostname
if host in ("127.0.0.1", "localhost", "::1"):
    try:
        status, headers = get(noredirect, url, 10)
        if 300 <= status < 400:
            url = headers["Location"]
            log("redirect " + url)
        else:
            log("status %d" % status)
    except Exception as e:
        log("error %r" % e)
        sys.exit(0)
q = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
if "redirect_uri" not in q or "state" not in q:
    sys.exit(0)
state = os.environ.get("E2E_BROWSER_STATE") or q["state"][0]
redirect = q["redirect_uri"][0]
target = redirect + ("&" if "?" in redirect else "?") + "code=ac_e2e_123&state=" + urllib.parse.quote(state, safe="")
if os.environ.get("E2E_BROWSER_PORT"):
    target = target.replace(":1455/", ":%s/" % os.environ["E2E_BROWSER_PORT"])
log("callback " + target)
for _ in range(20):
    try:
        status, _ = get(plain, target, 30)
        log("status %d" % status)
        break
    except Exception as e:
        log("error %r" % e)
        time.sleep(0.25)
"#;

/// One run of the browser stand-in: the lines it logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Browsed(pub Vec<String>);

impl Browsed {
    /// The HTTP status of the last request (`status N`), if any.
    pub fn status(&self) -> Option<u16> {
        self.0
            .iter()
            .rev()
            .find_map(|l| l.strip_prefix("status ")?.parse().ok())
    }

    /// The redirect it followed (`redirect LOCATION`), if any.
    pub fn redirect(&self) -> Option<&str> {
        self.0.iter().find_map(|l| l.strip_prefix("redirect "))
    }

    /// The callback URL it requested, if any.
    pub fn callback(&self) -> Option<&str> {
        self.0.iter().find_map(|l| l.strip_prefix("callback "))
    }
}

/// rclone's answer to the callback: HTTP `status`, or, since rclone exits as it answers, a
/// connection closed before the page was whole (seen about once in 15 runs under load). Whether
/// the callback arrived is rclone's own line to say (`RCLONE_ARRIVED`), not this.
pub fn rclone_answered(lines: &[String], status: u16) -> bool {
    let after_callback = lines
        .iter()
        .skip_while(|l| !l.starts_with("callback "))
        .nth(1);
    let closed = after_callback.is_some_and(|l| l.starts_with("error RemoteDisconnected"));
    closed
        || lines
            .iter()
            .rev()
            .find_map(|l| l.strip_prefix("status ")?.parse::<u16>().ok())
            == Some(status)
}

impl World {
    /// The browser stand-in's path (written on first use); `BROWSER` for `codex-fwd login`.
    pub fn browser(&self) -> PathBuf {
        let path = self.dir.path().join("browser");
        if !path.exists() {
            let python = Command::new("python3")
                .args(["-c", "import sys; print(sys.executable)"])
                .output()
                .unwrap();
            let python = String::from_utf8(python.stdout).unwrap();
            let text = format!(
                "#!{}\nLOG = {:?}\n{BROWSER}",
                python.trim(),
                self.browser_log().display().to_string()
            );
            let tmp = path.with_extension("tmp");
            std::fs::write(&tmp, text).unwrap();
            std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755)).unwrap();
            std::fs::rename(&tmp, &path).unwrap();
        }
        path
    }

    /// Where the browser stand-in logs.
    pub fn browser_log(&self) -> PathBuf {
        self.dir.path().join("browser.log")
    }

    /// Every line the browser stand-in logged, in every run.
    pub fn browser_lines(&self) -> Vec<String> {
        std::fs::read_to_string(self.browser_log())
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// URLs the browser stand-in was given (`open URL`), in every run.
    pub fn opened(&self) -> Vec<String> {
        self.browser_lines()
            .iter()
            .filter_map(|l| l.strip_prefix("open ").map(str::to_string))
            .collect()
    }

    /// Open `url` in the browser stand-in on the laptop, as the user's browser would, with
    /// `env` (`E2E_BROWSER_STATE`, `E2E_BROWSER_PORT`); what it did.
    pub fn browse(&self, url: &str, env: &[(&str, &str)]) -> Browsed {
        let laptop = &self.laptop;
        self.browse_in(laptop, url, env)
    }

    /// `browse` from inside `ns` (the remote's own browser, say).
    pub fn browse_in(&self, ns: &Netns, url: &str, env: &[(&str, &str)]) -> Browsed {
        let before = self.browser_lines().len();
        let out = ns
            .cmd(self.browser())
            .arg(url)
            .envs(env.iter().copied())
            .output()
            .unwrap();
        assert!(out.status.success(), "browser stand-in: {out:?}");
        Browsed(self.browser_lines()[before..].to_vec())
    }
}

/// Waits (30 s at most) for Codex's whole authorize URL in `s`'s output (it ends with
/// `originator=...`).
pub fn authorize_url(s: &Spawned) -> String {
    let out = s.wait_output(30, "authorize URL", |o| {
        find_url(o, CODEX_AUTHORIZE).is_some_and(|u| u.contains("&originator="))
    });
    find_url(&out, CODEX_AUTHORIZE).unwrap()
}

/// `codex-fwd -F CONFIG ARGS` on the laptop in the background (no `BROWSER`: give it
/// `--no-browser` or use `World::run`).
pub fn codex_fwd_spawn(w: &World, args: &[&str]) -> Spawned {
    let mut c = w.laptop.cmd(assert_cmd::cargo::cargo_bin("codex-fwd"));
    c.arg("-F").arg(&w.config).args(args);
    w.spawn(c)
}

/// The browser follows `url` with `env` and the callback reaches the Codex of `login`: HTTP 200,
/// Codex's token exchange line, and its exit status 1 (the exchange failed) comes back.
pub fn assert_arrives(w: &World, login: &Spawned, url: &str, env: &[(&str, &str)]) {
    let b = w.browse(url, env);
    assert_eq!(b.status(), Some(200), "{b:?}");
    assert_eq!(login.wait_exit(20), Some(1), "{}", login.all());
    assert!(login.all().contains(CODEX_ARRIVED), "{}", login.all());
}

/// The browser follows `url` with `env` and its connection is refused on the laptop: Codex, still
/// waiting, hears nothing.
pub fn assert_refused(w: &World, login: &Spawned, url: &str, env: &[(&str, &str)]) {
    let b = w.browse(url, env);
    assert_eq!(b.status(), None, "{b:?}");
    assert!(
        b.0.last().unwrap().contains("ConnectionRefusedError"),
        "{b:?}"
    );
    assert!(login.exited().is_none(), "{}", login.all());
    assert!(!login.all().contains(CODEX_ARRIVED), "{}", login.all());
}

/// A forged callback (wrong state) gets 400 and leaves Codex waiting; then the right one
/// arrives (`assert_arrives`).
pub fn assert_forged_then_right(w: &World, login: &Spawned, url: &str) {
    let forged = w.browse(url, &[("E2E_BROWSER_STATE", "forged")]);
    assert_eq!(forged.status(), Some(400), "{forged:?}");
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert!(!login.all().contains(CODEX_ARRIVED), "{}", login.all());
    assert!(login.exited().is_none(), "{}", login.all());
    assert_arrives(w, login, url, &[]);
}

/// The browser stand-in's last request got `status` (it may log that just after codex-fwd has
/// ended: Codex answers, then exits), within 10 s.
pub fn browser_got(w: &World, status: u16) -> bool {
    wait_for(10, || {
        w.browser_lines()
            .last()
            .is_some_and(|l| *l == format!("status {status}"))
    })
}
