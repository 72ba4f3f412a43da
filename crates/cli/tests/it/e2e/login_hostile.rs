//! A hostile new user's cases, with real ssh and sshd (and the real Codex where it judges): a
//! config whose forward of Codex's port holds it on `[::1]` only. Each asserts that the login
//! ends, says one accurate line, and leaves nothing behind.

use super::client::*;
use super::login_real::{assert_nothing_left, login};
use super::world::*;

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
