//! `codex-fwd login` against a stand-in `codex` on the remote, only for what the real Codex
//! cannot show (each test says what); the rest is in `real_codex`.

use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};

use super::world::*;

// The stand-in `codex` prints the authorize URL as Codex 0.171.0 does (redirect_uri
// `http://127.0.0.1:PORT/auth/callback`), in two writes, serves `/auth/callback` on 127.0.0.1:1455
// (1457 when 1455 is taken), logs whether it has a terminal, and exits 0 after the callback.

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
redirect = urllib.parse.quote("http://127.0.0.1:%d/auth/callback" % port, safe="")
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

/// Stand-in only: the real Codex cannot exit 0 without the internet (the token exchange), always
/// writes its URL in one piece, and shows no sign of having a terminal or not.
#[test]
fn login_relays_a_url_split_across_reads_and_a_successful_exit() {
    let Some(mut w) = world() else { return };
    w.stop_callback_server();
    w.install_codex();

    let r = w.run(&["login", "myserver"], &[]);
    assert_eq!(r.code, Some(0), "{r:?}");
    // The browser got the URL the stand-in printed in two pieces, and the remote's output came
    // through unchanged, stdout to stdout.
    let opened = w.opened();
    assert_eq!(opened.len(), 1, "{r:?}");
    let url = &opened[0];
    assert!(url.starts_with("https://auth.openai.com/oauth/authorize?response_type=code&"));
    assert!(url.ends_with("&originator=codex_cli_rs"), "{url}");
    let printed = format!(
        "Starting local login server on http://localhost:1455.\nIf your browser did not open, \
         navigate to this URL to authenticate:\n\n{url}\n\n"
    );
    assert!(r.err.contains(&printed), "{r:?}");
    assert_eq!(r.out, "Successfully logged in\n");
    assert!(
        w.log("browser.log").contains("status 200"),
        "{}",
        w.log("browser.log")
    );
    assert!(
        w.log("codex.log")
            .contains(&format!("callback {CALLBACK}\n"))
    );
    // No terminal here, so none on the remote (`-T`, and no warning from ssh about it).
    assert!(w.log("codex.log").contains("terminal False\n"));
    assert!(!r.err.contains("Pseudo-terminal"), "{r:?}");
    w.assert_no_listener(&[1455, 1457]);
}

/// Stand-in only: `--device-auth` needs OpenAI's servers to get a code (the real Codex fails
/// here), and an arbitrary remote command's status needs no Codex at all.
#[test]
fn login_exit_status_and_device_auth() {
    let Some(w) = world() else { return };
    w.install_codex();
    // The remote command's failure comes back as codex-fwd's exit status.
    let r = w.run(&["login", "myserver", "--", "exit", "7"], &[]);
    assert_eq!(r.code, Some(7), "{r:?}");
    w.assert_no_listener(&[1455, 1457]);

    // --device-auth: codex login --device-auth, no forward.
    let r = w.run(&["login", "myserver", "--device-auth"], &[]);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(r.out.contains("ABCD-1234"), "{r:?}");
    assert!(w.log("codex.log").contains("ran login --device-auth\n"));
}

/// Stand-in only: it reports that it got a terminal through `script` and `-t` (the real Codex
/// shows no sign of it).
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

    // script(1) gives codex-fwd a terminal: ssh gets -t, and Codex a terminal on the remote.
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
    // Through the remote's terminal, lines end in CRLF; the URL is found all the same.
    assert!(
        r.out
            .contains("to authenticate:\r\n\r\nhttps://auth.openai.com/"),
        "{r:?}"
    );
    assert!(w.log("codex.log").contains("terminal True\n"));
    assert_eq!(w.opened().len(), 1, "{r:?}");
    assert!(
        w.log("codex.log")
            .contains(&format!("callback {CALLBACK}\n"))
    );
    // Neither the master nor anything else kept the login's forwards.
    w.assert_no_listener(&[1455, 1457]);
    assert!(
        ssh(&["-O", "check", "myserver"]),
        "the master should still be there"
    );
    assert!(ssh(&["-O", "exit", "myserver"]));
}
