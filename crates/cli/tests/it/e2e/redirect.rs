//! The redirect Codex uses (`http://127.0.0.1:PORT/auth/callback`) decides what carries the
//! login: checked through real ssh on the laptop's listeners.

use std::process::Command;

use super::world::*;

/// Issue 16: Codex's redirect is `http://127.0.0.1:1455/auth/callback`, so the browser connects to
/// IPv4 `127.0.0.1` and nothing else. Through real ssh: a `[::1]`-only listener misses it and is
/// `wrong-bind` (enable replaces it), while binds `LOCALHOST` and `127.1` and targets `127.1` and
/// `0.0.0.0` carry it and are `enabled`. (The stand-in server: what is checked here is the
/// laptop's listener and sshd's connection, which do not depend on which server answers.)
#[test]
fn the_redirect_to_127_0_0_1_decides_what_carries_the_login() {
    let Some(w) = world() else { return };
    // `get_in` goes to `localhost`; the browser goes to 127.0.0.1: ask that address directly.
    let get_127 = |w: &World| {
        let out = w
            .laptop
            .cmd("python3")
            .args(["-c", GET, &format!("http://127.0.0.1:1455{CALLBACK}")])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    let status = |w: &World| -> serde_json::Value {
        let out = Command::new(assert_cmd::cargo::cargo_bin("codex-fwd"))
            .arg("-F")
            .arg(&w.config)
            .args(["status", "myserver", "--json"])
            .output()
            .unwrap();
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()[0].clone()
    };
    let with_line = |w: &World, line: &str| {
        let text = String::from_utf8(w.original.clone()).unwrap().replacen(
            "Host myserver\n",
            &format!("Host myserver\n\t{line}\n"),
            1,
        );
        std::fs::write(&w.config, text).unwrap();
    };

    // [::1] alone: ssh listens on [::1]:1455 only; the browser's 127.0.0.1:1455 is refused.
    with_line(&w, "LocalForward [::1]:1455 localhost:1455");
    assert_eq!(status(&w)["reason"], "wrong-bind");
    {
        let _ssh = w.session();
        assert!(wait_for(10, || w.laptop.listening(1455) == vec!["[::1]:1455"]));
        assert_eq!(get_127(&w), "refused");
    }
    assert_eq!(w.received().len(), 0);
    // enable replaces it in the host's own block; then the callback arrives.
    w.codex_fwd(&["enable", "myserver", "--yes"]);
    assert_eq!(status(&w)["enabled"], true);
    {
        let _ssh = w.session();
        let mut got = String::new();
        assert!(wait_for(10, || {
            got = get_127(&w);
            got != "refused"
        }));
        assert_eq!(got, "200");
    }
    assert_eq!(w.received().len(), 1);

    // Spellings that were false alarms: each is `enabled`, and each carries the callback.
    for (n, line) in [
        "LocalForward LOCALHOST:1455 localhost:1455",
        "LocalForward 127.1:1455 127.1:1455",
        "LocalForward 1455 0.0.0.0:1455",
    ]
    .into_iter()
    .enumerate()
    {
        with_line(&w, line);
        assert_eq!(status(&w)["enabled"], true, "{line}");
        {
            let _ssh = w.session();
            let mut got = String::new();
            assert!(wait_for(10, || {
                got = get_127(&w);
                got != "refused"
            }));
            assert_eq!(got, "200", "{line}");
        }
        assert_eq!(w.received().len(), n + 2, "{line}");
    }

    // Finding 7: ssh sets IPV6_V6ONLY, so a forward on `[::]` first takes no connection to
    // 127.0.0.1: the later one on 127.0.0.1 listens beside it and carries the callback.
    with_line(
        &w,
        "LocalForward [::]:1455 localhost:8080\n\tLocalForward 127.0.0.1:1455 localhost:1455",
    );
    assert_eq!(status(&w)["enabled"], true);
    {
        let _ssh = w.session();
        assert!(wait_for(10, || w.laptop.listening(1455)
            == vec!["127.0.0.1:1455", "[::]:1455"]));
        assert_eq!(get_127(&w), "200");
    }
    assert_eq!(w.received().len(), 5);
}
