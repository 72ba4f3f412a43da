//! `codex-fwd login` against a stand-in `codex` on the remote, for what the real Codex cannot
//! show (see each test).

use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};

use super::login_real::{assert_nothing_left, assert_nothing_left_but};
use super::world::*;

// `codex-fwd login`: a stand-in `codex` on the remote prints the authorize URL as Codex does and
// serves `/auth/callback` on 127.0.0.1:1455 (1457 when 1455 is taken); `BROWSER` on the laptop is
// a script that records the URL it is given and follows its redirect_uri through the laptop's
// localhost, as a browser does after sign-in.

/// The stand-in for `codex login` (and `codex login --device-auth`) on the remote.
const CODEX: &str = r#"
import os, sys, time, http.server, urllib.parse
def log(s):
    with open(LOG, "a") as f:
        f.write(s + "\n")
log("ran " + " ".join(sys.argv[1:]))
log("pid %d" % os.getpid())
log("terminal %s" % sys.stderr.isatty())
if sys.argv[1:] == ["login", "--device-auth"]:
    print("Open https://auth.openai.com/codex/device and enter the code ABCD-1234")
    sys.exit(0)
done = []
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        log("callback " + self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"Signed in to Codex")
        done.append(1)
    def log_message(self, *a):
        pass
srv = None
for port in (1455, 1457):
    try:
        srv = http.server.HTTPServer(("127.0.0.1", port), H)
        break
    except OSError:
        pass
if srv is None:
    sys.stderr.write("Error: ports 1455 and 1457 are in use\n")
    sys.exit(1)
log("listening %d" % port)
redirect = urllib.parse.quote("http://localhost:%d/auth/callback" % port, safe="")
url = ("https://auth.openai.com/oauth/authorize?response_type=code&client_id=app_EMoamEEZ73f0CkXaXp7hrann"
       "&redirect_uri=" + redirect + "&scope=openid%20profile%20email%20offline_access"
       "&code_challenge=e2e&code_challenge_method=S256&id_token_add_organizations=true"
       "&codex_cli_simplified_flow=true&state=st_456&originator=codex_cli_rs")
sys.stderr.write("Starting local login server on http://localhost:%d.\nIf your browser did not open, "
                 "navigate to this URL to authenticate:\n\n" % port)
# The URL in two writes, so that it reaches codex-fwd split across reads.
sys.stderr.write(url[:60])
sys.stderr.flush()
time.sleep(0.3)
sys.stderr.write(url[60:] + "\n\n")
sys.stderr.flush()
srv.timeout = 1
end = time.time() + 20
while not done and time.time() < end:
    srv.handle_request()
if not done:
    sys.stderr.write("Error: login timed out\n")
    sys.exit(1)
print("Successfully logged in")
"#;

impl World {
    /// Put the stand-in `codex` in the test directory's `bin/`, which is on the remote
    /// sessions' `PATH`; it logs to `codex.log`.
    fn install_codex(&self) {
        let d = self.dir.path();
        let python = Command::new("python3")
            .args(["-c", "import sys; print(sys.executable)"])
            .output()
            .unwrap();
        let python = String::from_utf8(python.stdout).unwrap().trim().to_string();
        let path = d.join("bin/codex");
        let text = format!(
            "#!{python}\nLOG = {:?}\n{CODEX}",
            d.join("codex.log").display().to_string()
        );
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        // The browser stand-in exists before codex-fwd runs it.
        self.browser();
    }
}

#[test]
fn login_opens_the_url_and_the_callback_reaches_the_remote() {
    let Some(mut w) = world() else { return };
    w.stop_callback_server();
    w.install_codex();

    let r = w.run(&["login", "myserver"], &[]);
    assert_eq!(r.code, Some(0), "{r:?}");
    // The browser got the URL Codex printed, and the remote's output came through (from the
    // remote's terminal, its CR LF back to LF here, where there is no terminal).
    let opened = w.opened();
    assert_eq!(opened.len(), 1, "{r:?}");
    let url = &opened[0];
    assert!(url.starts_with("https://auth.openai.com/oauth/authorize?response_type=code&"));
    assert!(url.contains("redirect_uri=http%3A%2F%2Flocalhost%3A1455%2Fauth%2Fcallback&"));
    let printed = format!(
        "Starting local login server on http://localhost:1455.\nIf your browser did not open, \
         navigate to this URL to authenticate:\n\n{url}\n\nSuccessfully logged in\n"
    );
    assert!(r.out.ends_with(&printed), "{r:?}");
    // The browser's request went through the laptop's localhost:1455 to the remote's Codex.
    assert!(
        w.browser_lines().contains(&"status 200".to_string()),
        "{:?}",
        w.browser_lines()
    );
    assert!(
        w.log("codex.log")
            .contains(&format!("callback {CALLBACK}\n"))
    );
    // The remote command always has a terminal (so that it is hung up with the connection),
    // without a warning from ssh.
    assert!(w.log("codex.log").contains("terminal True\n"));
    assert!(!r.err.contains("Pseudo-terminal"), "{r:?}");
    assert_nothing_left(&w, 0);

    // --local-port 2455: the port edit is explained, and the edited URL reaches the remote.
    let r = w.run(
        &["login", "myserver", "--local-port", "2455"],
        &[("E2E_BROWSER_PORT", "2455")],
    );
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(
        r.err
            .contains("change `:1455` to `:2455` in its address bar"),
        "{r:?}"
    );
    assert!(
        r.err
            .contains("forwarding localhost:2455 here to localhost:1455 on myserver"),
        "{r:?}"
    );
    assert_eq!(w.log("codex.log").matches("callback ").count(), 2);
    assert_nothing_left(&w, 0);
}

/// The fix a refusal suggests, as printed: the words between the last pair of backquotes
/// that start with `codex-fwd `.
fn suggested(err: &str) -> Vec<String> {
    let cmd = err
        .split('`')
        .rfind(|s| s.starts_with("codex-fwd "))
        .unwrap_or_else(|| panic!("no suggested command in {err}"));
    cmd.split_whitespace().skip(1).map(str::to_string).collect()
}

#[test]
fn login_refuses_a_busy_local_port_and_the_suggested_fix_works() {
    let Some(mut w) = world() else { return };
    w.stop_callback_server();
    w.install_codex();
    let holder = Guard(
        w.laptop
            .cmd("python3")
            .args(["-c", LISTEN, "1455"])
            .spawn()
            .unwrap(),
    );
    assert!(wait_for(10, || w.listening(1455)));
    let r = w.run(&["login", "myserver"], &[]);
    assert_eq!(r.code, Some(3), "{r:?}");
    let owner = format!("in use by python3 (pid {})", holder.0.id());
    assert!(
        r.err.contains(&format!(
            "localhost:1455 on this machine is already {owner}"
        )),
        "{r:?}"
    );
    // Refused once the URL named the port; nothing was opened, and the remote Codex was
    // stopped with the connection.
    assert!(w.opened().is_empty());
    assert!(w.log("codex.log").contains("listening 1455\n"));
    assert_nothing_left_but(&w, 0, &[1455]);

    // The fix, run as printed (-F added, as for every command here): another port here, and
    // the edit in the browser's address bar.
    let fix = suggested(&r.err);
    assert_eq!(fix, ["login", "myserver", "--port", "2455:1455"]);
    let fix: Vec<&str> = fix.iter().map(String::as_str).collect();
    let r = w.run(&fix, &[("E2E_BROWSER_PORT", "2455")]);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(
        w.log("codex.log")
            .contains(&format!("callback {CALLBACK}\n"))
    );
    drop(holder);

    // A busy port the login does not need (Codex's fallback 1457, or a port the config
    // forwards for something else) is no obstacle.
    let text = String::from_utf8(w.original.clone()).unwrap();
    let forward = "Host myserver\n\tLocalForward 5999 localhost:22\n";
    std::fs::write(&w.config, text.replacen("Host myserver\n", forward, 1)).unwrap();
    let holders: Vec<Guard> = [1457, 5999]
        .iter()
        .map(|p| {
            Guard(
                w.laptop
                    .cmd("python3")
                    .args(["-c", LISTEN, &p.to_string()])
                    .spawn()
                    .unwrap(),
            )
        })
        .collect();
    assert!(wait_for(10, || w.listening(1457) && w.listening(5999)));
    let r = w.run(&["login", "myserver"], &[]);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert_eq!(w.log("codex.log").matches("callback ").count(), 2);
    drop(holders);
}

#[test]
fn login_follows_codex_to_1457_when_the_remote_1455_is_taken() {
    // The world's own callback stand-in holds the remote's 1455.
    let Some(w) = world() else { return };
    w.install_codex();
    let r = w.run(&["login", "myserver"], &[]);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(w.log("codex.log").contains("listening 1457\n"));
    assert!(
        w.log("codex.log")
            .contains(&format!("callback {CALLBACK}\n"))
    );
    assert!(w.opened()[0].contains("redirect_uri=http%3A%2F%2Flocalhost%3A1457%2F"));
    assert!(
        w.received().is_empty(),
        "the remote's 1455 got {:?}",
        w.received()
    );
    // 1455 was never listened on here: the port comes from the URL.
    assert!(!r.err.contains(":1455 here"), "{r:?}");
    assert_nothing_left(&w, 1);
}

#[test]
fn login_exit_status_interrupt_and_device_auth() {
    let Some(w) = world() else { return };
    w.install_codex();
    // The remote command's failure comes back as codex-fwd's exit status.
    let r = w.run(&["login", "myserver", "--", "exit", "7"], &[]);
    assert_eq!(r.code, Some(7), "{r:?}");
    assert_nothing_left(&w, 1);

    // --device-auth: codex login --device-auth, no forward.
    let r = w.run(&["login", "myserver", "--device-auth"], &[]);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(r.out.contains("ABCD-1234"), "{r:?}");
    assert!(w.log("codex.log").contains("ran login --device-auth\n"));
    // --device-auth=PATH: a client the remote's PATH does not have.
    let elsewhere = w.fresh_dir("elsewhere");
    std::fs::rename(w.dir.path().join("bin/codex"), elsewhere.join("codex")).unwrap();
    let r = w.run(&["login", "myserver", "--device-auth"], &[]);
    assert_eq!(r.code, Some(127), "{r:?}");
    assert!(r.err.contains("non-interactive shell"), "{r:?}");
    let arg = format!("--device-auth={}/codex", elsewhere.display());
    let r = w.run(&["login", "myserver", &arg], &[]);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(r.out.contains("ABCD-1234"), "{r:?}");
    assert_eq!(
        w.log("codex.log")
            .matches("ran login --device-auth\n")
            .count(),
        2
    );
    std::fs::rename(elsewhere.join("codex"), w.dir.path().join("bin/codex")).unwrap();

    // Ctrl-C while Codex waits for the callback (--no-browser: nobody comes): ssh ends, exit
    // 130, the listeners are gone, and so is Codex on the remote.
    let mut c = w.laptop.cmd(assert_cmd::cargo::cargo_bin("codex-fwd"));
    c.arg("-F")
        .arg(&w.config)
        .args(["login", "myserver", "--no-browser"]);
    let login = w.spawn(c);
    login.wait_output(20, "the URL", |o| {
        o.contains("open this URL in this machine's browser: https://")
    });
    assert!(w.listening(1457));
    login.signal("INT");
    assert_eq!(login.wait_exit(10), Some(130), "{}", login.err());
    assert!(w.opened().is_empty());
    assert_nothing_left(&w, 1);
}
#[test]
fn login_under_a_terminal_beside_an_open_control_master() {
    let Some(mut w) = world() else { return };
    w.stop_callback_server();
    w.install_codex();
    // The host's config shares connections (ControlPersist), and a master is open.
    let control = format!(
        "Host myserver\n\tControlMaster auto\n\tControlPath {}/cm-%C\n\tControlPersist 30\n",
        w.dir.path().display()
    );
    let text = String::from_utf8(w.original.clone()).unwrap();
    std::fs::write(&w.config, text.replacen("Host myserver\n", &control, 1)).unwrap();
    let ssh = |args: &[&str]| {
        w.laptop
            .cmd("ssh")
            .arg("-F")
            .arg(&w.config)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap()
            .success()
    };
    assert!(ssh(&["myserver", "true"]));
    assert!(ssh(&["-O", "check", "myserver"]), "no master");

    // script(1) gives codex-fwd a terminal, which ssh passes on to Codex on the remote.
    let line = format!(
        "'{}' -F '{}' login myserver",
        assert_cmd::cargo::cargo_bin("codex-fwd").display(),
        w.config.display()
    );
    let mut script = w.laptop.cmd("script");
    script.args(["-qefc", &line, "/dev/null"]);
    let r = w.finish(script, &[]);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(
        r.out
            .contains("ControlMaster connection to myserver is open"),
        "{r:?}"
    );
    // On a terminal the remote's output passes unchanged (CR LF line ends), and codex-fwd's
    // own lines end in CR LF too (ssh has the terminal in raw mode); the URL is found all the
    // same.
    assert!(r.out.contains("to authenticate:\r\n\r\n"), "{r:?}");
    assert!(r.out.contains("\r\nhttps://auth.openai.com/"), "{r:?}");
    assert!(
        r.out
            .contains("codex-fwd: opening the login page in your browser\r\n"),
        "{r:?}"
    );
    assert!(w.log("codex.log").contains("terminal True\n"));
    assert_eq!(w.opened().len(), 1, "{r:?}");
    assert!(
        w.log("codex.log")
            .contains(&format!("callback {CALLBACK}\n"))
    );
    // Neither the master nor anything else kept the login's listeners.
    w.assert_no_listener(&[1455, 1457]);
    assert!(
        ssh(&["-O", "check", "myserver"]),
        "the master should still be there"
    );
    assert!(ssh(&["-O", "exit", "myserver"]));
}

/// The config forwards 1455 for the login, under `ClearAllForwardings yes`: the login's own
/// ssh (`ClearAllForwardings=no`, or its `-D` would be cleared too) sets that forward up, and
/// the login goes through it.
#[test]
fn login_under_clear_all_forwardings_uses_the_forward_it_brings_back() {
    let Some(mut w) = world_with(
        &Setup::new()
            .host_line("ClearAllForwardings yes")
            .host_line("LocalForward 1455 localhost:1455"),
    ) else {
        return;
    };
    w.stop_callback_server();
    w.install_codex();
    let r = w.run(&["login", "myserver"], &[]);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(
        r.err.contains(
            "localhost:1455 here is already forwarded to myserver's port 1455 by this login's ssh ("
        ),
        "{r:?}"
    );
    assert!(
        w.log("codex.log")
            .contains(&format!("callback {CALLBACK}\n"))
    );
    assert_nothing_left(&w, 0);
}
