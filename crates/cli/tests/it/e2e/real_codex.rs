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

    // Before enable: Codex waits on the remote, the laptop's 127.0.0.1:1455 refuses.
    {
        let login = w.ssh(&[], &codex_login(&w, &codex, &[]));
        let out = login.wait_output(30, "authorize URL", |o| {
            find_url(o, CODEX_AUTHORIZE).is_some_and(|u| u.contains("&originator="))
        });
        let b = w.browse(&find_url(&out, CODEX_AUTHORIZE).unwrap(), &[]);
        assert_eq!(b.status(), None, "{b:?}");
        assert!(
            b.0.last().unwrap().contains("ConnectionRefusedError"),
            "{b:?}"
        );
        assert!(!login.all().contains(CODEX_ARRIVED));
    }

    w.codex_fwd(&["enable", "myserver", "--yes"]);
    let login = w.ssh(&[], &codex_login(&w, &codex, &[]));
    let out = login.wait_output(30, "authorize URL", |o| {
        find_url(o, CODEX_AUTHORIZE).is_some_and(|u| u.contains("&originator="))
    });
    let url = find_url(&out, CODEX_AUTHORIZE).unwrap();
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

    let forged = w.browse(&url, &[("E2E_BROWSER_STATE", "forged")]);
    assert_eq!(forged.status(), Some(400), "{forged:?}");
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert!(!login.all().contains(CODEX_ARRIVED), "{}", login.all());

    let b = w.browse(&url, &[]);
    assert_eq!(b.status(), Some(200), "{b:?}");
    // ssh passes on Codex's exit status: 1, the token exchange failed (no internet here).
    assert_eq!(login.wait_exit(20), Some(1), "{}", login.all());
    assert!(login.all().contains(CODEX_ARRIVED), "{}", login.all());
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
