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

/// `codex-fwd login` with the real Codex: a forged callback does not log in and the right one
/// does, through the same forward; `--local-port 2455` explains the port edit and the edited URL
/// reaches Codex. (1455, 1457, Ctrl-C and the rest: `login_real.rs`, `login_breaks.rs`.)
#[test]
fn real_codex_through_codex_fwd_login() {
    let Some(w) = world_with(&Setup::new().without_stand_in()) else {
        return;
    };
    let Some(codex) = codex() else { return };
    w.install_real_codex(&codex);

    let login = codex_fwd_spawn(&w, &["login", "myserver", "--no-browser"]);
    let url = authorize_url(&login);
    assert!(wait_for(10, || w.listening(1455)), "{}", login.all());
    assert_forged_then_right(&w, &login, &url);
    w.assert_no_listener(&[1455, 1457]);

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
    assert!(r.out.contains(CODEX_ARRIVED), "{r:?}");
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
