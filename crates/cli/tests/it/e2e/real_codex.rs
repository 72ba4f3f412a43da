//! The real Codex CLI (pinned, `tests/codex-version`) logging in on the remote through each path
//! codex-fwd offers; the browser stand-in on the laptop follows its redirect, and Codex's own
//! `Token exchange error` line says the callback arrived (see `client`).

use super::client::*;
use super::world::*;

/// `enable`, then a plain `ssh myserver codex login`: refused before `enable`, arrives after it,
/// a forged state does not; nothing listens on the laptop afterwards, and no listener beyond
/// loopback ever.
fn enable_then_plain_ssh(setup: Setup) {
    let Some(w) = world_with(&setup.without_stand_in()) else {
        return;
    };
    let Some(codex) = codex() else { return };
    w.install_real_codex(&codex);

    // Before enable: Codex waits on the remote, the laptop's 127.0.0.1:1455 refuses.
    {
        let login = w.ssh(&[], "codex login");
        assert_refused(&w, &login, &authorize_url(&login), &[]);
    }

    w.codex_fwd(&["enable", "myserver", "--yes"]);
    let login = w.ssh(&[], "codex login");
    let url = authorize_url(&login);
    assert_eq!(
        query_param(&url, "redirect_uri").as_deref(),
        Some("http://127.0.0.1:1455/auth/callback")
    );
    // The session's forward listens on the laptop's loopback only (GatewayPorts or not), and
    // on 127.0.0.1, where the redirect sends the browser.
    let addrs = w.laptop.listening(1455);
    assert!(addrs.contains(&"127.0.0.1:1455".to_string()), "{addrs:?}");
    assert!(
        addrs
            .iter()
            .all(|a| a.starts_with("127.0.0.1:") || a.starts_with("[::1]:")),
        "{addrs:?}"
    );
    assert_forged_then_right(&w, &login, &url);
    w.assert_no_listener(&[1455, 1457]);
}

#[test]
fn real_codex_through_enable_and_plain_ssh() {
    enable_then_plain_ssh(Setup::new());
}

#[test]
fn real_codex_through_enable_and_plain_ssh_under_gateway_ports_yes() {
    enable_then_plain_ssh(Setup::new().host_line("GatewayPorts yes"));
}

#[test]
fn real_codex_through_codex_fwd_login() {
    let Some(w) = world_with(&Setup::new().without_stand_in()) else {
        return;
    };
    let Some(codex) = codex() else { return };
    w.install_real_codex(&codex);

    // codex-fwd opens the URL Codex printed; the browser follows its redirect through the
    // login's forward; Codex's exit status (1: no internet for the token exchange) comes back.
    let r = w.run(&["login", "myserver"], &[]);
    assert_eq!(r.code, Some(1), "{r:?}");
    assert!(r.err.contains(CODEX_ARRIVED), "{r:?}");
    let opened = w.opened();
    assert_eq!(opened.len(), 1, "{r:?}");
    let url = &opened[0];
    assert!(url.starts_with(CODEX_AUTHORIZE), "{url}");
    assert_eq!(
        query_param(url, "redirect_uri").as_deref(),
        Some("http://127.0.0.1:1455/auth/callback")
    );
    // The remote's output came through unchanged.
    let printed = format!(
        "Starting local login server on http://localhost:1455.\nIf your browser did not open, \
         navigate to this URL to authenticate:\n\n{url}\n"
    );
    assert!(r.err.contains(&printed), "{r:?}");
    assert!(browser_got(&w, 200), "{:?}", w.browser_lines());
    w.assert_no_listener(&[1455, 1457]);

    // Through the same forwards, a forged callback does not log in; the right one does.
    let login = codex_fwd_spawn(&w, &["login", "myserver", "--no-browser"]);
    let url = authorize_url(&login);
    assert_forged_then_right(&w, &login, &url);
    w.assert_no_listener(&[1455, 1457]);

    // --local-port 2455: the port edit is explained, and the edited URL reaches Codex.
    let r = w.run(
        &["login", "myserver", "--local-port", "2455"],
        &[("E2E_BROWSER_PORT", "2455")],
    );
    assert_eq!(r.code, Some(1), "{r:?}");
    assert!(
        r.err
            .contains("change `:1455` to `:2455` in its address bar"),
        "{r:?}"
    );
    assert!(r.err.contains(CODEX_ARRIVED), "{r:?}");
    let callback = w
        .browser_lines()
        .iter()
        .rev()
        .find_map(|l| l.strip_prefix("callback ").map(str::to_string))
        .unwrap();
    assert!(
        callback.starts_with("http://127.0.0.1:2455/auth/callback?"),
        "{callback}"
    );
    assert!(browser_got(&w, 200), "{:?}", w.browser_lines());
    w.assert_no_listener(&[1455, 1457, 2455]);
}

#[test]
fn real_codex_through_codex_fwd_login_at_1457_when_the_remote_1455_is_held() {
    // The world's stand-in callback server holds the remote's 127.0.0.1:1455.
    let Some(w) = world() else { return };
    let Some(codex) = codex() else { return };
    w.install_real_codex(&codex);
    let r = w.run(&["login", "myserver"], &[]);
    assert_eq!(r.code, Some(1), "{r:?}");
    assert!(
        r.err
            .contains("Starting local login server on http://localhost:1457."),
        "{r:?}"
    );
    assert!(r.err.contains(CODEX_ARRIVED), "{r:?}");
    let opened = w.opened();
    assert_eq!(opened.len(), 1, "{r:?}");
    assert_eq!(
        query_param(&opened[0], "redirect_uri").as_deref(),
        Some("http://127.0.0.1:1457/auth/callback")
    );
    assert!(browser_got(&w, 200), "{:?}", w.browser_lines());
    // The holder of 1455 got only Codex's request to stop (`/cancel`), not the callback.
    assert_eq!(w.received(), ["/cancel"]);
    w.assert_no_listener(&[1455, 1457]);
}

#[test]
fn real_codex_login_interrupted_then_again() {
    let Some(w) = world_with(&Setup::new().without_stand_in()) else {
        return;
    };
    let Some(codex) = codex() else { return };
    w.install_real_codex(&codex);
    // Ctrl-C while Codex waits for the callback: ssh ends, exit 130, the forwards are gone.
    let login = codex_fwd_spawn(&w, &["login", "myserver", "--no-browser"]);
    authorize_url(&login);
    assert!(w.listening(1455) && w.listening(1457));
    login.signal("INT");
    assert_eq!(login.wait_exit(10), Some(130), "{}", login.all());
    w.assert_no_listener(&[1455, 1457]);
    assert!(w.opened().is_empty());
    // Known gap: without a terminal (-T) nothing signals the remote Codex, which keeps its
    // 127.0.0.1:1455 until its own timeout. (With a terminal, Ctrl-C reaches it through ssh.)
    assert_eq!(w.remote.listening(1455), ["127.0.0.1:1455"]);

    // The next login works at 1455 all the same: the new Codex tells the old one to stop
    // (`GET /cancel`) and takes the port; afterwards nothing of either is left listening.
    let r = w.run(&["login", "myserver"], &[]);
    assert_eq!(r.code, Some(1), "{r:?}");
    assert!(r.err.contains(CODEX_ARRIVED), "{r:?}");
    assert_eq!(
        query_param(&w.opened()[0], "redirect_uri").as_deref(),
        Some("http://127.0.0.1:1455/auth/callback")
    );
    w.assert_no_listener(&[1455, 1457]);
    assert!(wait_for(10, || w.remote.listening(1455).is_empty()
        && w.remote.listening(1457).is_empty()));
}

/// A busy local port is refused before connecting: Codex never runs on the remote (its wrapper
/// would have made a `codex-home-*` directory).
#[test]
fn login_refuses_a_busy_local_port_before_connecting() {
    let Some(w) = world() else { return };
    let Some(codex) = codex() else { return };
    w.install_real_codex(&codex);
    for port in [1455u16, 1457] {
        let holder = Guard(
            w.laptop
                .cmd("python3")
                .args(["-c", LISTEN, &port.to_string()])
                .spawn()
                .unwrap(),
        );
        assert!(wait_for(10, || w.listening(port)));
        let r = w.run(&["login", "myserver"], &[]);
        assert_eq!(r.code, Some(3), "{r:?}");
        let owner = format!("in use by python3 (pid {})", holder.0.id());
        assert!(
            r.err.contains(&format!(
                "localhost:{port} on this machine is already {owner}"
            )),
            "{r:?}"
        );
        drop(holder);
    }
    // A port the config forwards for something else is taken here: with ExitOnForwardFailure
    // ssh would stop, so login says why first.
    let text = String::from_utf8(w.original.clone()).unwrap();
    let forward = "Host myserver\n\tLocalForward 5999 localhost:22\n";
    std::fs::write(&w.config, text.replacen("Host myserver\n", forward, 1)).unwrap();
    let holder = Guard(
        w.laptop
            .cmd("python3")
            .args(["-c", LISTEN, "5999"])
            .spawn()
            .unwrap(),
    );
    assert!(wait_for(10, || w.listening(5999)));
    let r = w.run(&["login", "myserver"], &[]);
    assert_eq!(r.code, Some(3), "{r:?}");
    let owner = format!("in use by python3 (pid {})", holder.0.id());
    assert!(
        r.err.contains("config also forwards port 5999 here") && r.err.contains(&owner),
        "{r:?}"
    );
    drop(holder);
    // Nothing ran on the remote: the refusals came before any connection.
    let homes = std::fs::read_dir(w.dir.path())
        .unwrap()
        .filter(|e| {
            let name = e.as_ref().unwrap().file_name();
            name.to_string_lossy().starts_with("codex-home-")
        })
        .count();
    assert_eq!(homes, 0, "codex ran on the remote");
    assert!(w.opened().is_empty());
}

/// What the real Codex's `127.0.0.1` redirect means for a forward that listens on `[::1]` only:
/// ssh carries nothing, the browser's connection is refused, Codex never hears of it.
#[test]
fn real_codex_is_not_reached_through_an_ipv6_only_forward() {
    let setup = Setup::new().host_line("LocalForward [::1]:1455 localhost:1455");
    let Some(w) = world_with(&setup.without_stand_in()) else {
        return;
    };
    let Some(codex) = codex() else { return };
    w.install_real_codex(&codex);
    let login = w.ssh(&[], "codex login");
    let url = authorize_url(&login);
    assert_eq!(w.laptop.listening(1455), ["[::1]:1455"]);
    assert_refused(&w, &login, &url, &[]);
}

/// Under a terminal (script(1)), Ctrl-C typed while Codex waits: ssh (`-t`, the terminal in raw
/// mode) passes it to the remote's terminal, and Codex stops there too; nothing is left
/// listening on either side.
#[test]
fn real_codex_login_under_a_terminal_stops_on_ctrl_c() {
    let Some(w) = world_with(&Setup::new().without_stand_in()) else {
        return;
    };
    let Some(codex) = codex() else { return };
    w.install_real_codex(&codex);
    let line = format!(
        "'{}' -F '{}' login myserver --no-browser",
        assert_cmd::cargo::cargo_bin("codex-fwd").display(),
        w.config.display()
    );
    let mut c = w.laptop.cmd("script");
    c.args(["-qefc", &line, "/dev/null"]);
    let login = w.spawn_typed(c);
    authorize_url(&login);
    assert_eq!(w.remote.listening(1455), ["127.0.0.1:1455"]);
    assert!(w.listening(1455) && w.listening(1457));
    login.type_in(b"\x03");
    // ssh says 255 (the remote command died of a signal); codex-fwd fails, saying so.
    let code = login.wait_exit(15);
    assert!(code.is_some_and(|c| c != 0), "{code:?}: {}", login.all());
    assert!(
        wait_for(10, || w.remote.listening(1455).is_empty()),
        "Codex still listens on the remote"
    );
    w.assert_no_listener(&[1455, 1457]);
}
