//! Issue 17's list of cases where the fixed-port `login` broke and plain ssh worked, each with
//! the real Codex (or rclone) as the judge where it decides: the callback arrives
//! (`Token exchange error`), or the login ends at once saying why and what to do.

use super::client::*;
use super::login_real::{assert_nothing_left, login};
use super::world::*;

/// Codex's callback arrived through the login: exit 1 (the token exchange fails offline), the
/// browser got Codex's page.
fn assert_codex_arrived(w: &World, r: &Run) {
    assert_eq!(r.code, Some(1), "{r:?}");
    assert!(r.out.contains(CODEX_ARRIVED), "{r:?}");
    assert!(
        w.browser_lines().last().map(String::as_str) == Some("status 200"),
        "{:?}",
        w.browser_lines()
    );
}

fn real_world(setup: Setup) -> Option<(World, std::path::PathBuf)> {
    let w = world_with(&setup.without_stand_in())?;
    let codex = codex()?;
    Some((w, codex))
}

/// `enable`, then a terminal open on the host (the everyday state): its ssh holds the laptop's
/// 1455 and carries it to the remote's 1455, and the login goes through it. `--local-port 2455`
/// also works (the login's own ssh only warns that it cannot bind the config's 1455).
#[test]
fn the_permanent_forward_held_by_an_open_connection_is_used() {
    let Some((w, codex)) = real_world(Setup::new()) else {
        return;
    };
    w.codex_fwd(&["enable", "myserver", "--yes"]);
    let session = w.session();
    let r = login(&w, &[], &codex_login(&w, &codex, &[]));
    assert_codex_arrived(&w, &r);
    let said = format!(
        "localhost:1455 here is already forwarded to myserver's port 1455 by ssh (pid {}), an ssh connection (",
        session.0.id()
    );
    assert!(r.err.contains(&said), "{r:?}");
    assert!(r.err.contains("LocalForward 1455 localhost:1455)"), "{r:?}");

    let r = w.run(
        &[
            "login",
            "myserver",
            "--local-port",
            "2455",
            "--",
            &codex_login(&w, &codex, &[]),
        ],
        &[("E2E_BROWSER_PORT", "2455")],
    );
    assert_codex_arrived(&w, &r);
    assert!(
        r.err
            .contains("forwarding localhost:2455 here to localhost:1455"),
        "{r:?}"
    );
    drop(session);
    assert_nothing_left(&w, 0);
}

/// `PermitOpen localhost:1455 localhost:1457`, the spelling people copy: sshd permits the name
/// `localhost` only. Codex's URLs name `localhost` first; rclone's only `127.0.0.1`, refused,
/// then asked again as `localhost`.
#[test]
fn permit_open_localhost_is_followed() {
    let Some((w, codex)) =
        real_world(Setup::new().sshd("PermitOpen localhost:1455 localhost:1457"))
    else {
        return;
    };
    let r = login(&w, &[], &codex_login(&w, &codex, &[]));
    assert_codex_arrived(&w, &r);
    assert_nothing_left(&w, 0);

    let Some(w) = world_with(
        &Setup::new()
            .sshd("PermitOpen localhost:53682")
            .without_stand_in(),
    ) else {
        return;
    };
    let Some(rclone) = rclone() else { return };
    let r = login(&w, &[], &rclone_authorize(&w, &rclone));
    assert_eq!(r.code, Some(1), "{r:?}");
    assert!(r.out.contains(RCLONE_ARRIVED), "{r:?}");
    assert_nothing_left(&w, 0);
}

/// A server that forbids forwarding: the SOCKS connection is refused before the browser opens,
/// login says so in one line and carries the callback by relay instead (issue 18; the relay's
/// own cases are in `relay.rs`), and Codex gets it, leaving nothing behind.
#[test]
fn a_server_that_forbids_forwarding_is_carried_by_relay() {
    let Some((w, codex)) = real_world(Setup::new().sshd("AllowTcpForwarding no")) else {
        return;
    };
    let r = login(&w, &[], &codex_login(&w, &codex, &[]));
    assert_codex_arrived(&w, &r);
    assert!(
        r.err
            .contains("refused to open a connection to localhost port 1455 through ssh")
            && r.err
                .contains("carrying the browser's requests by relay instead"),
        "{r:?}"
    );
    let lines = w.browser_lines();
    assert!(!lines.contains(&"status 502".to_string()), "{lines:?}");
    assert_nothing_left(&w, 0);
}

/// The config's other forwards fail as they do with plain ssh, with a warning only: a
/// `RemoteForward` whose remote port another connection holds, and a unix-socket
/// `LocalForward` whose socket file an earlier one left.
#[test]
fn other_forwards_that_fail_only_warn() {
    let stale = format!("/tmp/cfwd-stale-{}.sock", std::process::id());
    std::fs::write(&stale, "").unwrap();
    struct Rm(String);
    impl Drop for Rm {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }
    let _rm = Rm(stale.clone());
    let Some((w, codex)) = real_world(
        Setup::new()
            .host_line("RemoteForward 52698 localhost:52698")
            .host_line(&format!("LocalForward {stale} localhost:22")),
    ) else {
        return;
    };
    // Another connection holds the remote's 52698 (and would the stale socket, if it could).
    let _session = w.session();
    assert!(wait_for(10, || !w.remote.listening(52698).is_empty()));
    let r = login(&w, &[], &codex_login(&w, &codex, &[]));
    assert_codex_arrived(&w, &r);
    // ssh's warning for the socket (the one for the remote port is below LogLevel ERROR).
    assert!(
        r.err
            .contains(&format!("unix_listener: cannot bind to path {stale}")),
        "{r:?}"
    );
}

/// A `Match exec` block that forwards 1455 (codex-fwd never runs its command; ssh does): the
/// login's own ssh listens on 1455 from it, and the login uses that, saying so.
#[test]
fn a_match_exec_forward_of_the_port_does_not_collide() {
    let Some((w, codex)) = real_world(Setup::new()) else {
        return;
    };
    let mut text = String::from_utf8(w.original.clone()).unwrap();
    text.push_str("\nMatch exec true\n\tLocalForward 1455 localhost:1455\n");
    std::fs::write(&w.config, text).unwrap();
    let r = login(&w, &[], &codex_login(&w, &codex, &[]));
    assert_codex_arrived(&w, &r);
    assert!(
        r.err.contains(
            "localhost:1455 here is already forwarded to myserver's port 1455 by this login's ssh, from a block codex-fwd does not evaluate ("
        ),
        "{r:?}"
    );
    assert_nothing_left(&w, 0);
}

/// An unrelated `LocalForward 1457 localhost:9999` does not stop a login on 1455.
#[test]
fn an_unrelated_forward_of_1457_does_not_block_1455() {
    let Some((w, codex)) = real_world(Setup::new().host_line("LocalForward 1457 localhost:9999"))
    else {
        return;
    };
    let r = login(&w, &[], &codex_login(&w, &codex, &[]));
    assert_codex_arrived(&w, &r);
    assert_nothing_left(&w, 0);
}

/// `ForkAfterAuthentication yes` in the host's block: the login still waits for the client and
/// passes its status on.
#[test]
fn fork_after_authentication_does_not_fake_success() {
    let Some((w, codex)) = real_world(Setup::new().host_line("ForkAfterAuthentication yes")) else {
        return;
    };
    let r = login(&w, &[], "exit 7");
    assert_eq!(r.code, Some(7), "{r:?}");
    let r = login(&w, &[], &codex_login(&w, &codex, &[]));
    assert_codex_arrived(&w, &r);
    assert_nothing_left(&w, 0);
}

/// `login root@myserver` and `login -l root myserver`, as ssh takes them (the config's `User`
/// here is a user the server does not have).
#[test]
fn the_user_as_ssh_takes_it() {
    let Some(w) = world_with(
        &Setup::new()
            .host_line("User cfwd-no-such-user")
            .without_stand_in(),
    ) else {
        return;
    };
    let r = w.run(&["login", "myserver", "--", "exit", "7"], &[]);
    assert_eq!(r.code, Some(4), "{r:?}");
    let r = w.run(&["login", "root@myserver", "--", "exit", "7"], &[]);
    assert_eq!(r.code, Some(7), "{r:?}");
    let r = w.run(&["login", "-l", "root", "myserver", "--", "exit", "7"], &[]);
    assert_eq!(r.code, Some(7), "{r:?}");
    let r = w.run(&["login", "-l", "root", "root@myserver"], &[]);
    assert_eq!(r.code, Some(2), "{r:?}");
}

/// `--port` as `enable --port` takes it: a list, and LOCAL:REMOTE with the address-bar edit.
#[test]
fn port_lists_and_pairs_with_the_real_codex() {
    let Some((w, codex)) = real_world(Setup::new()) else {
        return;
    };
    let r = login(&w, &["--port", "1455,1457"], &codex_login(&w, &codex, &[]));
    assert_codex_arrived(&w, &r);
    let r = w.run(
        &[
            "login",
            "myserver",
            "--port",
            "2455:1455",
            "--",
            &codex_login(&w, &codex, &[]),
        ],
        &[("E2E_BROWSER_PORT", "2455")],
    );
    assert_codex_arrived(&w, &r);
    assert!(r.err.contains("change `:1455` to `:2455`"), "{r:?}");
    assert_nothing_left(&w, 0);
}

/// A client the remote's non-interactive PATH lacks: exit 127 and one line that says so, with a
/// command that runs it through the login shell (checked here with `exit 7`).
#[test]
fn a_missing_client_is_explained() {
    let Some(w) = world_with(&Setup::new().without_stand_in()) else {
        return;
    };
    let r = w.run(
        &["login", "myserver", "--", "cfwd-no-such-cli", "login"],
        &[],
    );
    assert_eq!(r.code, Some(127), "{r:?}");
    let line = r
        .err
        .lines()
        .find(|l| l.contains("127"))
        .unwrap_or_else(|| panic!("{r:?}"));
    assert!(
        line.contains("non-interactive shell")
            && line.contains("for `cfwd-no-such-cli`?")
            && line.ends_with(
                r#"`codex-fwd login myserver -- '$SHELL -lic "cfwd-no-such-cli login"'`"#
            ),
        "{line}"
    );
    let r = w.run(&["login", "myserver", "--", r#"$SHELL -lic "exit 7""#], &[]);
    assert_eq!(r.code, Some(7), "{r:?}");
    assert_nothing_left(&w, 0);
}

/// A ProxyCommand whose child outlives ssh and keeps its stderr open (a helper daemon, here a
/// `sleep 30`) does not hold the login once ssh has exited.
#[test]
fn a_lingering_proxy_command_child_does_not_hold_the_login() {
    let Some(w) = world_with(&Setup::new().without_stand_in()) else {
        return;
    };
    let text = String::from_utf8(w.original.clone()).unwrap();
    let text = text.replacen(
        "\tProxyCommand ip netns exec",
        "\tProxyCommand sleep 30 & exec ip netns exec",
        1,
    );
    std::fs::write(&w.config, text).unwrap();
    let start = std::time::Instant::now();
    let r = w.run(&["login", "myserver", "--", "exit", "7"], &[]);
    assert_eq!(r.code, Some(7), "{r:?}");
    assert!(
        start.elapsed() < std::time::Duration::from_secs(15),
        "{:?}",
        start.elapsed()
    );
}
