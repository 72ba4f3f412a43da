//! `enable`, `disable` and `tunnel` end to end: the laptop's `GET /auth/callback?...` through a
//! plain `ssh -N myserver`, received by the stand-in callback server on the remote.

use std::process::{Command, Stdio};

use super::world::*;

#[test]
fn login_callback_reaches_the_remote_only_after_enable() {
    let Some(mut w) = world() else { return };

    // Before: the session is up, but the laptop's localhost:1455 refuses (ERR_CONNECTION_REFUSED).
    {
        let _ssh = w.session();
        assert_eq!(w.get(1455), "refused");
    }
    assert!(w.received().is_empty());

    // After enable: the remote's callback server receives exactly the path, and answers 200.
    w.codex_fwd(&["enable", "myserver", "--yes"]);
    assert!(String::from_utf8_lossy(&w.bytes()).contains("\tLocalForward 1455 localhost:1455\n"));
    {
        let _ssh = w.session();
        let mut status = String::new();
        assert!(wait_for(10, || {
            status = w.get(1455);
            status != "refused"
        }));
        assert_eq!(status, "200");
    }
    assert_eq!(w.received(), vec![CALLBACK.to_string()]);

    // After disable: refused again, and the config is byte for byte the original.
    w.codex_fwd(&["disable", "myserver", "--yes"]);
    assert_eq!(w.bytes(), w.original);
    {
        let _ssh = w.session();
        assert_eq!(w.get(1455), "refused");
    }
    assert_eq!(w.received().len(), 1);

    // --local-port 2455: the laptop's 2455 reaches the remote's 1455.
    w.codex_fwd(&["enable", "myserver", "--local-port", "2455", "--yes"]);
    {
        let _ssh = w.session();
        let mut status = String::new();
        assert!(wait_for(10, || {
            status = w.get(2455);
            status != "refused"
        }));
        assert_eq!(status, "200");
        assert_eq!(w.get(1455), "refused");
    }
    assert_eq!(w.received().len(), 2);
    w.codex_fwd(&["disable", "myserver", "--local-port", "2455", "--yes"]);
    assert_eq!(w.bytes(), w.original);

    // tunnel: the same without touching the config, stopped cleanly by Ctrl-C (SIGINT).
    let child = w
        .laptop
        .cmd(assert_cmd::cargo::cargo_bin("codex-fwd"))
        .arg("-F")
        .arg(&w.config)
        .args(["tunnel", "myserver"])
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut tunnel = Guard(child);
    let mut status = String::new();
    assert!(wait_for(15, || {
        status = w.get(1455);
        status != "refused"
    }));
    assert_eq!(status, "200");
    // `ip netns exec` execs the program, so the pid is codex-fwd's.
    assert!(
        Command::new("kill")
            .args(["-INT", &pid.to_string()])
            .status()
            .unwrap()
            .success()
    );
    let mut code = None;
    assert!(
        wait_for(10, || {
            code = tunnel.0.try_wait().unwrap();
            code.is_some()
        }),
        "tunnel did not stop on SIGINT"
    );
    assert!(code.unwrap().success(), "tunnel exit: {code:?}");
    let mut err = String::new();
    std::io::Read::read_to_string(tunnel.0.stderr.as_mut().unwrap(), &mut err).unwrap();
    assert!(err.contains("Tunnel closed."), "{err}");
    assert!(wait_for(5, || w.get(1455) == "refused"));
    assert_eq!(w.bytes(), w.original);
    assert_eq!(w.received().len(), 3);
}

#[test]
fn gateway_ports_yes_keeps_the_callback_on_loopback_and_1457_is_carried() {
    let Some(mut w) = world() else { return };
    // Codex's fallback port, served on the remote's 127.0.0.1 only, as Codex does.
    let _fallback = w.stand_in(1457, "requests-1457.log");
    let mut text = String::from_utf8(w.original.clone()).unwrap();
    text.push_str("\tGatewayPorts yes\n");

    // What a plain forward does under GatewayPorts yes: it listens on every interface.
    let plain = text.replace(
        "\tIdentitiesOnly yes\n",
        "\tIdentitiesOnly yes\n\tLocalForward 1455 localhost:1455\n",
    );
    std::fs::write(&w.config, &plain).unwrap();
    {
        let _ssh = w.session();
        assert!(wait_for(10, || !w.laptop.listening(1455).is_empty()));
        let mut addrs = w.laptop.listening(1455);
        addrs.sort();
        assert_eq!(addrs, ["0.0.0.0:1455", "[::]:1455"]);
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
    {
        let _ssh = w.session();
        for port in [1455, 1457] {
            let mut status = String::new();
            assert!(wait_for(10, || {
                status = w.get(port);
                status != "refused"
            }));
            assert_eq!(status, "200", "port {port}");
            let mut addrs = w.laptop.listening(port);
            addrs.sort();
            assert_eq!(
                addrs,
                [format!("127.0.0.1:{port}"), format!("[::1]:{port}")]
            );
        }
    }
    assert_eq!(w.received(), vec![CALLBACK.to_string()]);
    assert_eq!(w.received_in("requests-1457.log").len(), 1);
}
