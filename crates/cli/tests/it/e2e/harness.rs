//! The harness's own oracle, checked without ssh: the real clients on the remote, the browser
//! stand-in in the same namespace. If these fail, the other real-client tests cannot be
//! trusted (the client changed, or the stand-in no longer does what a browser does).

use std::process::Stdio;

use super::client::*;
use super::world::*;

#[test]
fn real_codex_says_token_exchange_for_the_right_state_only() {
    let Some(w) = world_with(&Setup::new().without_stand_in()) else {
        return;
    };
    let Some(codex) = codex() else { return };
    let mut c = w.on_remote("sh");
    c.args(["-c", &codex_login(&w, &codex, &[])]);
    let login = w.spawn(c);
    let out = login.wait_output(30, "authorize URL", |o| {
        find_url(o, CODEX_AUTHORIZE).is_some_and(|u| u.contains("&originator="))
    });
    assert!(
        out.contains("Starting local login server on http://localhost:1455."),
        "{out}"
    );
    let url = find_url(&out, CODEX_AUTHORIZE).unwrap();
    assert_eq!(
        query_param(&url, "redirect_uri").as_deref(),
        Some("http://127.0.0.1:1455/auth/callback")
    );
    assert_eq!(w.remote.listening(1455), ["127.0.0.1:1455"]);

    // A forged callback: 400, no token exchange, Codex still waits.
    let forged = w.browse_in(&w.remote, &url, &[("E2E_BROWSER_STATE", "forged")]);
    assert_eq!(forged.status(), Some(400), "{forged:?}");
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert!(!login.all().contains(CODEX_ARRIVED), "{}", login.all());
    assert!(login.exited().is_none(), "{}", login.all());

    // The right one: Codex's error page (200), the token exchange line, exit 1.
    let b = w.browse_in(&w.remote, &url, &[]);
    assert_eq!(b.status(), Some(200), "{b:?}");
    assert_eq!(
        b.callback().unwrap(),
        format!(
            "http://127.0.0.1:1455/auth/callback?code=ac_e2e_123&state={}",
            query_param(&url, "state").unwrap()
        )
    );
    assert_eq!(login.wait_exit(20), Some(1), "{}", login.all());
    assert!(login.all().contains(CODEX_ARRIVED), "{}", login.all());
    assert!(w.remote.listening(1455).is_empty());
}

#[test]
fn real_codex_falls_back_to_1457_when_1455_is_held() {
    let Some(w) = world() else { return };
    let Some(codex) = codex() else { return };
    // The world's stand-in callback server holds the remote's 127.0.0.1:1455.
    let mut c = w.on_remote("sh");
    c.args(["-c", &codex_login(&w, &codex, &[])]);
    let login = w.spawn(c);
    let out = login.wait_output(30, "authorize URL", |o| {
        find_url(o, CODEX_AUTHORIZE).is_some_and(|u| u.contains("&originator="))
    });
    assert!(
        out.contains("Starting local login server on http://localhost:1457."),
        "{out}"
    );
    let url = find_url(&out, CODEX_AUTHORIZE).unwrap();
    assert_eq!(
        query_param(&url, "redirect_uri").as_deref(),
        Some("http://127.0.0.1:1457/auth/callback")
    );
    assert_eq!(w.remote.listening(1457), ["127.0.0.1:1457"]);
    let b = w.browse_in(&w.remote, &url, &[]);
    assert_eq!(b.status(), Some(200), "{b:?}");
    assert_eq!(login.wait_exit(20), Some(1), "{}", login.all());
    assert!(login.all().contains(CODEX_ARRIVED), "{}", login.all());
    // Before falling back, Codex asks whatever holds 1455 to stop (an older Codex login would):
    // the stand-in got exactly that, and not the callback.
    assert_eq!(w.received(), ["/cancel"]);
}

#[test]
fn rclone_redirects_to_its_own_port_and_says_failed_to_get_token() {
    let Some(w) = world_with(&Setup::new().without_stand_in()) else {
        return;
    };
    let Some(rclone) = rclone() else { return };
    for forged in [true, false] {
        let mut c = w.on_remote("sh");
        c.args(["-c", &rclone_authorize(&w, &rclone)]);
        let auth = w.spawn(c);
        let out = auth.wait_output(30, "rclone's URL", |o| find_url(o, RCLONE_AUTH).is_some());
        let url = find_url(&out, RCLONE_AUTH).unwrap();
        assert!(wait_for(10, || !w.remote.listening(53682).is_empty()));
        let env: &[(&str, &str)] = if forged {
            &[("E2E_BROWSER_STATE", "forged")]
        } else {
            &[]
        };
        let b = w.browse_in(&w.remote, &url, env);
        let redirect = b.redirect().unwrap_or_else(|| panic!("{b:?}"));
        assert_eq!(
            query_param(redirect, "redirect_uri").as_deref(),
            Some("http://127.0.0.1:53682/")
        );
        assert_eq!(query_param(redirect, "state"), query_param(&url, "state"));
        // rclone gives up on a wrong state (unlike Codex); both end with exit 1.
        assert!(
            rclone_answered(&b.0, if forged { 400 } else { 200 }),
            "{b:?}"
        );
        assert_eq!(auth.wait_exit(20), Some(1), "{}", auth.all());
        assert_eq!(
            auth.all().contains(RCLONE_ARRIVED),
            !forged,
            "{}",
            auth.all()
        );
    }
}

#[test]
fn the_container_is_reached_from_the_remote_only() {
    let Some(w) = world_with(&Setup::new().without_stand_in()) else {
        return;
    };
    let ctr = match w.container() {
        Ok(c) => c,
        Err(e) => return skip(&e),
    };
    let log = w.dir.path().join("container.log");
    let _server = Guard(
        ctr.cmd("python3")
            .args(["-c", &SERVER_ON.replace("\"127.0.0.1\"", "\"0.0.0.0\"")])
            .arg(&log)
            .arg("1455")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let url = format!("http://{}:1455/from-remote", Container::ADDR);
    assert!(wait_for(10, || w.get_url_in(&w.remote, &url) == "200"));
    // The laptop has no route there, and the remote's own loopback is not the container's.
    assert_ne!(w.get_url_in(&w.laptop, &url), "200");
    assert_eq!(w.get_in(&w.remote, 1455, "/x"), "refused");
    assert_eq!(std::fs::read_to_string(&log).unwrap(), "/from-remote\n");
}

#[test]
fn setup_lines_reach_sshd_and_the_remote_session() {
    let setup = Setup::new()
        .sshd("AllowTcpForwarding no")
        .remote_env("E2E_MARK", "from-setenv");
    let Some(w) = world_with(&setup) else {
        return;
    };
    let echo = w.ssh(&[], "echo \"$E2E_MARK $PATH\"");
    assert_eq!(echo.wait_exit(15), Some(0), "{}", echo.all());
    // (root's shell startup files here may put more in front of sshd's PATH.)
    assert!(echo.out().starts_with("from-setenv "), "{}", echo.all());
    assert!(
        echo.out().ends_with(&format!("{}\n", w.remote_path)),
        "{}",
        echo.all()
    );
    // The forward's listener is up on the laptop, but sshd refuses the channel: the stand-in
    // on the remote never sees the request.
    w.codex_fwd(&["enable", "myserver", "--yes"]);
    let _ssh = w.session();
    assert!(wait_for(10, || w.listening(1455)));
    assert_ne!(w.get(1455), "200");
    assert!(w.received().is_empty(), "{:?}", w.received());
}
