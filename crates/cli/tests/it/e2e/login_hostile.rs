//! A hostile new user's cases, with real ssh and sshd (and the real Codex where it judges): a
//! remote that prints URL after URL, a config whose forward of Codex's port holds it on `[::1]`
//! only. Each asserts that the login ends, says one accurate line, and leaves nothing behind.

use super::client::*;
use super::login_real::{assert_nothing_left, listeners, login};
use super::world::*;

/// A remote printing 20 login URLs, each naming another port: this machine listens on the
/// first 8 only and opens the first 4 pages, says each limit once, and the login ends with the
/// command, nothing left listening.
#[test]
fn a_remote_printing_url_after_url_is_bounded() {
    let Some(w) = world_with(&Setup::new().without_stand_in()) else {
        return;
    };
    // No `state`: the browser stand-in opens the page and makes no callback.
    let remote = "for p in $(seq 21000 21019); do \
         echo \"https://auth.example/a?redirect_uri=http%3A%2F%2F127.0.0.1%3A$p%2Fcb\"; done; \
         sleep 3; exit 6";
    let r = login(&w, &[], remote);
    assert_eq!(r.code, Some(6), "{r:?}");
    let forwarded = r.err.matches("codex-fwd: forwarding 127.0.0.1:").count();
    assert_eq!(forwarded, 8, "{r:?}");
    assert!(
        r.err.contains("forwarding 127.0.0.1:21007 here") && !r.err.contains(":21008 here"),
        "{r:?}"
    );
    let limit = "codex-fwd: not forwarding 127.0.0.1:21008: this login forwards 8 ports already, the most it forwards (the remote printed URLs naming more); later ones are not forwarded either\n";
    assert_eq!(r.err.matches("not forwarding").count(), 1, "{r:?}");
    assert!(r.err.contains(limit), "{r:?}");
    assert_eq!(w.opened().len(), 4, "{:?}", w.opened());
    assert_eq!(
        r.err.matches("has opened 4 pages already").count(),
        1,
        "{r:?}"
    );
    assert_nothing_left(&w, 0);
    assert!(listeners(&w.laptop).is_empty());
}

/// The config forwards Codex's port from `[::1]` only (`LocalForward [::1]:1455 ...`): the
/// login's own ssh holds `[::1]:1455`, which the browser's `127.0.0.1` redirect never reaches.
/// The login stops naming its own ssh and the line (not codex-fwd itself, which had just bound
/// `127.0.0.1:1455` for Codex's `http://localhost:1455`), and the fix it prints works with the
/// real Codex.
#[test]
fn a_v6_only_forward_of_the_port_is_named_and_the_fix_works() {
    let Some(w) = world_with(
        &Setup::new()
            .host_line("LocalForward [::1]:1455 localhost:1455")
            .without_stand_in(),
    ) else {
        return;
    };
    let Some(codex) = codex() else { return };
    let r = login(&w, &[], &codex_login(&w, &codex, &[]));
    assert_eq!(r.code, Some(3), "{r:?}");
    let line = r
        .err
        .lines()
        .find(|l| l.starts_with("codex-fwd: error: "))
        .unwrap_or_else(|| panic!("{r:?}"));
    assert!(
        line.contains(
            "localhost:1455 on this machine is already in use by this login's ssh (ssh with myserver's config forwards it from another loopback address, not 127.0.0.1: "
        ) && line.contains(":3: LocalForward [::1]:1455 localhost:1455); change that line, or use another port here: `codex-fwd login myserver --port 2455:1455`"),
        "{line}"
    );
    assert!(w.opened().is_empty());
    assert_nothing_left(&w, 0);

    // The fix as printed (and the address-bar edit it names).
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
    assert_eq!(r.code, Some(1), "{r:?}");
    assert!(r.out.contains(CODEX_ARRIVED), "{r:?}");
    assert!(browser_got(&w, 200), "{:?}", w.browser_lines());
    assert_nothing_left(&w, 0);
}

/// A URL naming a port where nothing listens on the host (the client has died, or listens in a
/// container): ssh's SOCKS answer is the same as for a server that forbids forwarding, so the
/// note says both, and the relay's line then says which. The login ends (exit 3), and nothing
/// is left.
#[test]
fn a_port_where_nothing_listens_is_not_blamed_on_sshd() {
    let Some(w) = world_with(&Setup::new().without_stand_in()) else {
        return;
    };
    let remote = "echo 'https://auth.example/a?redirect_uri=http%3A%2F%2F127.0.0.1%3A4455%2Fcb&state=s1'; sleep 20";
    let r = login(&w, &[], remote);
    assert_eq!(r.code, Some(3), "{r:?}");
    assert!(
        r.err.contains(
            "refused to open a connection to 127.0.0.1 or localhost port 4455 through ssh (its sshd forbids forwarding: AllowTcpForwarding, DisableForwarding, PermitOpen; or nothing listens there on it)"
        ),
        "{r:?}"
    );
    let error = r
        .err
        .lines()
        .find(|l| l.starts_with("codex-fwd: error: "))
        .unwrap_or_else(|| panic!("{r:?}"));
    assert!(
        error.contains("got no response from http://127.0.0.1:4455"),
        "{error}"
    );
    assert_nothing_left(&w, 0);
}
