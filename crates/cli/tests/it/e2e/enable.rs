//! `enable`, `disable` and `tunnel` end to end, judged by the real Codex: a plain
//! `ssh myserver codex login` on the laptop, the browser stand-in following Codex's redirect.

use super::client::*;
use super::world::*;

#[test]
fn disable_local_port_and_tunnel_with_the_real_codex() {
    // (`enable` itself, before and after: `real_codex::real_codex_through_enable_and_plain_ssh`.)
    let Some(w) = world_with(&Setup::new().without_stand_in()) else {
        return;
    };
    let Some(codex) = codex() else { return };
    w.install_real_codex(&codex);

    // enable, then disable: the original bytes, and the callback is refused again.
    w.codex_fwd(&["enable", "myserver", "--yes"]);
    assert!(String::from_utf8_lossy(&w.bytes()).contains("\tLocalForward 1455 localhost:1455\n"));
    w.codex_fwd(&["disable", "myserver", "--yes"]);
    assert_eq!(w.bytes(), w.original);
    {
        let login = w.ssh(&[], "codex login");
        assert_refused(&w, &login, &authorize_url(&login), &[]);
    }

    // --local-port 2455: the laptop's 2455 carries the callback (the user edits the port in the
    // address bar) to the remote's 1455; the laptop's 1455 stays free.
    w.codex_fwd(&["enable", "myserver", "--local-port", "2455", "--yes"]);
    {
        let login = w.ssh(&[], "codex login");
        let url = authorize_url(&login);
        assert!(w.listening(2455));
        w.assert_no_listener(&[1455]);
        assert_arrives(&w, &login, &url, &[("E2E_BROWSER_PORT", "2455")]);
    }
    w.codex_fwd(&["disable", "myserver", "--local-port", "2455", "--yes"]);
    assert_eq!(w.bytes(), w.original);

    // tunnel: the same without touching the config, stopped cleanly by Ctrl-C (SIGINT).
    let tunnel = codex_fwd_spawn(&w, &["tunnel", "myserver"]);
    assert!(wait_for(15, || w.listening(1455)), "{}", tunnel.all());
    {
        let login = w.ssh(&[], "codex login");
        let url = authorize_url(&login);
        assert_arrives(&w, &login, &url, &[]);
    }
    tunnel.signal("INT");
    assert_eq!(tunnel.wait_exit(10), Some(0), "{}", tunnel.all());
    assert!(tunnel.err().contains("Tunnel closed."), "{}", tunnel.all());
    w.assert_no_listener(&[1455, 1457]);
    assert_eq!(w.bytes(), w.original);
}

#[test]
fn gateway_ports_yes_keeps_the_callback_on_loopback_and_1457_is_carried() {
    // The stand-in callback server holds the remote's 127.0.0.1:1455, so the real Codex falls
    // back to 1457; the stand-in also shows that 1455 is still carried.
    let Some(w) = world_with(&Setup::new().host_line("GatewayPorts yes")) else {
        return;
    };
    let Some(codex) = codex() else { return };
    w.install_real_codex(&codex);
    let text = String::from_utf8(w.original.clone()).unwrap();

    // What a plain forward does under GatewayPorts yes: it listens on every interface (only
    // ssh's listeners matter here, no client is needed).
    let plain = text.replace(
        "\tIdentitiesOnly yes\n",
        "\tIdentitiesOnly yes\n\tLocalForward 1455 localhost:1455\n",
    );
    std::fs::write(&w.config, &plain).unwrap();
    {
        let _ssh = w.session();
        assert!(wait_for(10, || w.listening(1455)));
        assert_eq!(w.laptop.listening(1455), ["0.0.0.0:1455", "[::]:1455"]);
    }

    // enable replaces it with an explicit loopback bind, for both ports in one run.
    w.codex_fwd(&["enable", "myserver", "--port", "1455,1457", "--yes"]);
    let now = String::from_utf8(w.bytes()).unwrap();
    assert!(
        now.contains("\tLocalForward localhost:1455 localhost:1455\n"),
        "{now}"
    );
    assert!(
        now.contains("\tLocalForward localhost:1457 localhost:1457\n"),
        "{now}"
    );
    assert!(!now.contains("LocalForward 1455 "), "{now}");

    let login = w.ssh(&[], "codex login");
    let url = authorize_url(&login);
    assert_eq!(
        query_param(&url, "redirect_uri").as_deref(),
        Some("http://127.0.0.1:1457/auth/callback")
    );
    for port in [1455, 1457] {
        assert_eq!(
            w.laptop.listening(port),
            [format!("127.0.0.1:{port}"), format!("[::1]:{port}")]
        );
    }
    assert_eq!(w.get(1455), "200");
    assert_eq!(w.received(), ["/cancel", CALLBACK]);
    assert_arrives(&w, &login, &url, &[]);
    w.assert_no_listener(&[1455, 1457]);
}

#[test]
fn rclone_through_enable_port_53682_and_plain_ssh() {
    // Any CLI's browser login, not only Codex's: rclone's server on the remote's
    // 127.0.0.1:53682, its first URL and its redirect on the same port.
    let Some(w) = world_with(&Setup::new().without_stand_in()) else {
        return;
    };
    let Some(rclone) = rclone() else { return };
    w.codex_fwd(&["enable", "myserver", "--port", "53682", "--yes"]);
    let auth = w.ssh(&[], &rclone_authorize(&w, &rclone));
    let out = auth.wait_output(30, "rclone's URL", |o| find_url(o, RCLONE_AUTH).is_some());
    let url = find_url(&out, RCLONE_AUTH).unwrap();
    let b = w.browse(&url, &[]);
    assert_eq!(
        b.callback()
            .map(|c| c.starts_with("http://127.0.0.1:53682/?code=")),
        Some(true),
        "{b:?}"
    );
    assert!(rclone_answered(&b.0, 200), "{b:?}");
    assert_eq!(auth.wait_exit(20), Some(1), "{}", auth.all());
    assert!(auth.all().contains(RCLONE_ARRIVED), "{}", auth.all());
    w.assert_no_listener(&[53682]);
}
