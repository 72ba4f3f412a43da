//! `codex-fwd login` with stand-ins for the other OAuth clients of issue 17's table: a client
//! on a random `127.0.0.1` port (Gemini CLI, aws sso), one on `localhost` in a port range
//! (gcloud 8085-8185), one whose redirect is not loopback, one that prints two URLs, one that
//! opens a browser on the remote instead of printing (`BROWSER`), and a redirect below 1024.

use std::os::unix::fs::PermissionsExt;

use super::login_real::{assert_nothing_left, listeners, login, login_spawn};
use super::world::*;

/// The stand-in OAuth client, `oauth MODE [ARGS]`: it listens as the client it plays does,
/// prints (or opens, `browser`) a provider URL whose `redirect_uri` names its port, and waits
/// up to 20 s for `GET ...?code=...&state=STATE` there: then prints `callback arrived on PORT`
/// and exits 0 (a wrong state gets 400). Modes:
/// - `random`: `127.0.0.1`, a port the system picks;
/// - `range LO HI`: the first free port of LO..=HI on `127.0.0.1`, redirect to `localhost`;
/// - `two`: `random` twice in a row, the second URL after the first callback;
/// - `browser`: `random`, the URL given to Python's `webbrowser.open` (which runs `$BROWSER`),
///   not printed;
/// - `redirect URI`: prints a URL redirecting to URI and waits 3 s, exit 5 (nothing to serve).
const OAUTH: &str = r#"
import socket, sys, time, http.server, urllib.parse, webbrowser
mode = sys.argv[1]
def url_for(redirect, state):
    return ("https://accounts.example.com/o/oauth2/auth?response_type=code&client_id=c1&redirect_uri="
            + urllib.parse.quote(redirect, safe="") + "&state=" + state)
if mode == "redirect":
    print("Please visit: " + url_for(sys.argv[2], "s0"), flush=True)
    time.sleep(3)
    sys.exit(5)
def listen(lo=0, hi=0):
    for port in range(lo, hi + 1) if lo else [0]:
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            s.listen()
            return s
        except OSError:
            s.close()
    sys.exit("no free port")
def wait_callback(s, state):
    port = s.getsockname()[1]
    s.settimeout(20)
    end = time.time() + 20
    while time.time() < end:
        try:
            c, _ = s.accept()
        except socket.timeout:
            break
        req = c.recv(65536).decode("latin-1")
        path = req.split(" ")[1] if " " in req else ""
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
        ok = q.get("state") == [state] and "code" in q
        c.sendall(b"HTTP/1.0 %s\r\nContent-Length: 2\r\n\r\nok" % (b"200 OK" if ok else b"400 Bad"))
        c.close()
        if ok:
            print("callback arrived on %d" % port, flush=True)
            return
    print("timed out on %d" % port, flush=True)
    sys.exit(1)
rounds = 2 if mode == "two" else 1
for i in range(rounds):
    if mode == "range":
        s = listen(int(sys.argv[2]), int(sys.argv[3]))
        redirect = "http://localhost:%d/" % s.getsockname()[1]
    else:
        s = listen()
        redirect = "http://127.0.0.1:%d/oauth2callback" % s.getsockname()[1]
    state = "s%d" % i
    if mode == "browser":
        webbrowser.open(url_for(redirect, state))
    else:
        print("Go to the following link in your browser:\n\n    %s\n" % url_for(redirect, state), flush=True)
    wait_callback(s, state)
"#;

/// Install the stand-in client as `oauth` on the remote's PATH.
fn install_oauth(w: &World) {
    let path = w.dir.path().join("bin/oauth");
    std::fs::write(&path, format!("#!/usr/bin/env python3\n{OAUTH}")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    w.browser();
}

fn stand_in_world() -> Option<World> {
    let w = world_with(&Setup::new().without_stand_in())?;
    install_oauth(&w);
    Some(w)
}

/// The port in `callback arrived on PORT`.
fn arrived(out: &str) -> Vec<u16> {
    out.lines()
        .filter_map(|l| l.trim().strip_prefix("callback arrived on ")?.parse().ok())
        .collect()
}

#[test]
fn a_random_127_port_is_forwarded_on_127_only() {
    let Some(w) = stand_in_world() else { return };
    let s = login_spawn(&w, &["--no-browser"], "oauth random");
    let out = s.wait_output(20, "the URL", |o| o.contains("open this URL"));
    let url = out
        .split("open this URL in this machine's browser: ")
        .nth(1)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_string();
    let redirect = super::client::query_param(&url, "redirect_uri").unwrap();
    let port: u16 = redirect
        .trim_start_matches("http://127.0.0.1:")
        .split('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    // The browser goes to 127.0.0.1: that, and only that, listens here.
    assert_eq!(w.laptop.listening(port), [format!("127.0.0.1:{port}")]);
    assert!(
        out.contains(&format!(
            "forwarding 127.0.0.1:{port} here to 127.0.0.1:{port} on myserver"
        )),
        "{out}"
    );
    let b = w.browse(&url, &[]);
    assert_eq!(b.status(), Some(200), "{b:?}");
    assert_eq!(s.wait_exit(20), Some(0), "{}", s.all());
    assert_eq!(arrived(&s.out()), [port]);
    assert_nothing_left(&w, 0);
}

#[test]
fn a_localhost_client_in_a_port_range_gets_both_loopbacks() {
    let Some(w) = stand_in_world() else { return };
    // 8085 is taken on the remote: the client takes 8086, as gcloud would.
    let _held = w.stand_in(8085, "held.log");
    let s = login_spawn(&w, &["--no-browser"], "oauth range 8085 8185");
    let out = s.wait_output(20, "the URL", |o| o.contains("open this URL"));
    assert_eq!(
        w.laptop.listening(8086),
        ["127.0.0.1:8086", "[::1]:8086"],
        "{out}"
    );
    assert!(w.laptop.listening(8085).is_empty());
    let url = super::client::find_url(&out, "https://accounts.example.com/").unwrap();
    let b = w.browse(&url, &[]);
    assert_eq!(b.status(), Some(200), "{b:?}");
    assert_eq!(s.wait_exit(20), Some(0), "{}", s.all());
    assert_eq!(arrived(&s.out()), [8086]);
    // The browser's "localhost" reaches the client whichever address it tries first.
    assert!(w.received_in("held.log").is_empty());
    assert_nothing_left(&w, 1);
}

#[test]
fn a_redirect_that_is_not_loopback_forwards_nothing() {
    let Some(w) = stand_in_world() else { return };
    for redirect in ["https://example.com/cb", "http://10.1.2.3:8080/cb"] {
        let s = login_spawn(&w, &[], &format!("oauth redirect {redirect}"));
        s.wait_output(20, "the URL", |o| o.contains("Please visit"));
        std::thread::sleep(std::time::Duration::from_millis(500));
        // Only the login's own SOCKS port (one listener) is up here.
        assert_eq!(listeners(&w.laptop).len(), 1, "{:?}", listeners(&w.laptop));
        assert_eq!(s.wait_exit(20), Some(5), "{}", s.all());
        assert!(!s.err().contains("forwarding"), "{}", s.all());
        assert!(w.opened().is_empty());
    }
    // Below 1024: said, never listened on, not opened.
    let r = login(&w, &[], "oauth redirect http://127.0.0.1:80/cb");
    assert_eq!(r.code, Some(5), "{r:?}");
    assert!(
        r.err
            .contains("sends the browser to 127.0.0.1:80; ports below 1024 are never forwarded"),
        "{r:?}"
    );
    assert!(w.opened().is_empty());
    assert_nothing_left(&w, 0);
}

#[test]
fn a_second_url_with_another_port_in_the_same_login() {
    let Some(w) = stand_in_world() else { return };
    let r = login(&w, &[], "oauth two");
    assert_eq!(r.code, Some(0), "{r:?}");
    let ports = arrived(&r.out);
    assert_eq!(ports.len(), 2, "{r:?}");
    assert_ne!(ports[0], ports[1]);
    assert_eq!(w.opened().len(), 2);
    for p in ports {
        assert!(
            r.err.contains(&format!("forwarding 127.0.0.1:{p} here")),
            "{r:?}"
        );
    }
    assert_nothing_left(&w, 0);
}

#[test]
fn a_client_that_opens_a_browser_on_the_remote_still_reaches_this_one() {
    let Some(w) = stand_in_world() else { return };
    // Python's webbrowser.open runs $BROWSER: on the remote that is `echo`, set by the login.
    let r = login(&w, &[], "oauth browser");
    assert_eq!(r.code, Some(0), "{r:?}");
    assert_eq!(w.opened().len(), 1, "{r:?}");
    assert_eq!(arrived(&r.out).len(), 1, "{r:?}");
    assert_nothing_left(&w, 0);
}

#[test]
fn port_lists_and_pairs_as_enable_takes_them() {
    let Some(w) = stand_in_world() else { return };
    // --port lists the ports that may be forwarded: another one stops the login, with the fix.
    let r = login(&w, &["--port", "1455,1457"], "oauth range 8085 8185");
    assert_eq!(r.code, Some(3), "{r:?}");
    assert!(
        r.err.contains(
            "sends the browser to localhost:8085, which --port does not list, so the login cannot complete; run again with `--port 8085` added"
        ),
        "{r:?}"
    );
    assert!(w.opened().is_empty());
    assert_nothing_left(&w, 0);
    let r = login(&w, &["--port", "1455,8085"], "oauth range 8085 8185");
    assert_eq!(r.code, Some(0), "{r:?}");
    // LOCAL:REMOTE: 9085 here for the remote's 8085, and the address-bar edit said.
    let s = login_spawn(
        &w,
        &["--port", "9085:8085", "--no-browser"],
        "oauth range 8085 8185",
    );
    let out = s.wait_output(20, "the URL", |o| o.contains("open this URL"));
    assert!(out.contains("change `:8085` to `:9085`"), "{out}");
    assert!(w.laptop.listening(8085).is_empty());
    assert_eq!(w.laptop.listening(9085).len(), 2);
    let got = w.get_in(&w.laptop, 9085, "/?code=x&state=s0");
    assert_eq!(got, "200");
    assert_eq!(s.wait_exit(20), Some(0), "{}", s.all());
    assert_nothing_left(&w, 0);
}

/// Under `GatewayPorts yes` (which puts a forward without a bind address on every interface),
/// the login's listeners and its SOCKS port stay on loopback: the SOCKS port would otherwise be
/// an open door into the remote.
#[test]
fn under_gateway_ports_yes_everything_listens_on_loopback() {
    let Some(w) = world_with(
        &Setup::new()
            .host_line("GatewayPorts yes")
            .without_stand_in(),
    ) else {
        return;
    };
    install_oauth(&w);
    let s = login_spawn(&w, &["--no-browser"], "oauth range 8085 8185");
    let out = s.wait_output(20, "the URL", |o| o.contains("open this URL"));
    let all = listeners(&w.laptop);
    assert_eq!(all.len(), 3, "{all:?}"); // SOCKS, 127.0.0.1:8085, [::1]:8085
    assert!(
        all.iter()
            .all(|a| a.starts_with("127.0.0.1:") || a.starts_with("[::1]:")),
        "{all:?}"
    );
    let url = super::client::find_url(&out, "https://accounts.example.com/").unwrap();
    assert_eq!(w.browse(&url, &[]).status(), Some(200));
    assert_eq!(s.wait_exit(20), Some(0), "{}", s.all());
    assert_nothing_left(&w, 0);
}
