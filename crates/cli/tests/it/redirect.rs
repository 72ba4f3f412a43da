//! Issue 16: the login works where codex-fwd says it does. Codex's redirect sends the browser to
//! `http://127.0.0.1:PORT/auth/callback`, so a forward carries the login when its listener
//! accepts `127.0.0.1` (checked with `ssh -L BIND:P:...` and `ss -ltn` on OpenSSH 9.2p1:
//! `LOCALHOST` and `127.1` listen on 127.0.0.1, `[::1]` on ::1 only) and its target reaches the
//! remote's 127.0.0.1 (`0.0.0.0` and `127.1` do on Linux). Each case here failed before.

use std::os::unix::fs::PermissionsExt as _;

use crate::common::{bin, config_file, finding};

fn status(cfg: &std::path::Path, host: &str) -> serde_json::Value {
    let out = bin()
        .args(["-F", cfg.to_str().unwrap(), "status", host, "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v[0].clone()
}

fn doctor(cfg: &std::path::Path, args: &[&str]) -> (Option<i32>, serde_json::Value) {
    let out = bin()
        .args(["-F", cfg.to_str().unwrap(), "doctor", "--json"])
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code(),
        serde_json::from_slice(&out.stdout).unwrap(),
    )
}

fn codes(v: &serde_json::Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}

/// ssh sets IPV6_V6ONLY on every IPv6 listening socket: a forward bound to `[::]` takes no
/// connection to 127.0.0.1, and a later forward of the port there (with `127.0.0.1` or no bind
/// address) listens and gets the browser's connection (checked with a real sshd: `ss -ltn`
/// shows both, and 127.0.0.1:P reaches the second's target). `status` says enabled, and
/// `doctor` neither calls the later one shadowed nor the `[::]` one (to another server) an
/// exposure of the login; `0.0.0.0` still takes 127.0.0.1 first.
#[test]
fn an_ipv6_wildcard_leaves_127_0_0_1_to_a_later_forward() {
    for (fwds, reason, want) in [
        (
            "LocalForward [::]:1455 localhost:8080\n  LocalForward 127.0.0.1:1455 localhost:1455",
            None,
            &[][..],
        ),
        (
            "LocalForward [::]:1455 localhost:8080\n  LocalForward 1455 localhost:1455",
            None,
            // The later one binds 127.0.0.1 alone (`::1` is the wildcard's).
            &[("duplicate-local-port", "warning")][..],
        ),
        (
            "LocalForward 1455 localhost:1455\n  LocalForward [::]:1455 localhost:8080",
            None,
            // The wildcard binds nothing: `::1` is the earlier one's.
            &[("duplicate-local-port", "error")][..],
        ),
        (
            "LocalForward [::]:1455 localhost:1455",
            Some("wrong-bind"),
            &[("wrong-bind", "error"), ("non-loopback-bind", "error")][..],
        ),
        (
            "LocalForward 0.0.0.0:1455 localhost:8080\n  LocalForward 1455 localhost:1455",
            Some("not-first-listener"),
            &[("conflicting-listener", "error")][..],
        ),
        // Under inet6, every interface is `[::]` alone.
        (
            "AddressFamily inet6\n  GatewayPorts yes\n  LocalForward 1455 localhost:1455",
            Some("wrong-bind"),
            &[("wrong-bind", "error"), ("non-loopback-bind", "error")][..],
        ),
    ] {
        let (_d, cfg) = config_file(&format!("Host a\n  {fwds}\n"));
        let v = status(&cfg, "a");
        assert_eq!(v["reason"].as_str(), reason, "{fwds}");
        if fwds.contains("inet6") {
            // The fix named is the AddressFamily line's, where every interface is `[::]` alone.
            let (_, d) = doctor(&cfg, &["a", "--port", "1455"]);
            let msg = finding(&d, "wrong-bind")["message"]
                .as_str()
                .unwrap()
                .to_string();
            assert!(msg.contains("[::]:1455 (AddressFamily at "), "{msg}");
        }
        assert_eq!(v["enabled"], reason.is_none(), "{fwds}");
        let (_, d) = doctor(&cfg, &["a", "--port", "1455"]);
        let got: Vec<(String, String)> = (d["findings"].as_array().unwrap().iter())
            .filter(|f| f["code"] != "fallback-port")
            .map(|f| {
                let s = |k: &str| f[k].as_str().unwrap().to_string();
                (s("code"), s("severity"))
            })
            .collect();
        let want: Vec<(String, String)> = (want.iter())
            .map(|(c, s)| (c.to_string(), s.to_string()))
            .collect();
        assert_eq!(got, want, "{fwds}: {d}");
    }
}

#[test]
fn what_listens_on_127_0_0_1_and_reaches_it_is_enabled_and_the_rest_says_why() {
    for (fwd, reason) in [
        ("LocalForward LOCALHOST:1455 localhost:1455", None),
        ("LocalForward 127.1:1455 localhost:1455", None),
        ("LocalForward 127.0.0.1:1455 127.1:1455", None),
        ("LocalForward 1455 0.0.0.0:1455", None),
        ("LocalForward 1455 LOCALHOST:1455", None),
        ("LocalForward [::1]:1455 localhost:1455", Some("wrong-bind")),
        (
            "LocalForward 127.0.0.2:1455 localhost:1455",
            Some("wrong-bind"),
        ),
        ("DynamicForward 1455", Some("socks-proxy")),
        (
            "LocalForward 1455 localhost:1455\n  RemoteForward 1455 localhost:1455",
            Some("remote-port-taken"),
        ),
        ("LocalForward 1455 [::1]:1455", Some("wrong-target")),
    ] {
        let (_d, cfg) = config_file(&format!("Host a\n  {fwd}\n"));
        let v = status(&cfg, "a");
        assert_eq!(v["reason"].as_str(), reason, "{fwd}");
        assert_eq!(v["enabled"], reason.is_none(), "{fwd}");
        // doctor agrees: no error for what works, the same name for what does not.
        let (_, d) = doctor(&cfg, &["a", "--port", "1455"]);
        let c = codes(&d);
        match reason {
            None => assert!(
                !c.iter()
                    .any(|c| c == "wrong-target" || c == "non-loopback-bind"),
                "{fwd}: {c:?}"
            ),
            Some(r) => assert!(c.iter().any(|c| c == r), "{fwd}: {c:?}"),
        }
    }
}

#[test]
fn enable_replaces_a_v6_only_forward_and_refuses_a_remote_forward_of_the_port() {
    let (_d, cfg) = config_file("Host a\n  LocalForward [::1]:1455 localhost:1455\n");
    let out = bin()
        .args(["-F", cfg.to_str().unwrap(), "enable", "a", "--yes"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        std::fs::read_to_string(&cfg).unwrap(),
        "Host a\n  LocalForward 1455 localhost:1455\n"
    );
    assert_eq!(status(&cfg, "a")["enabled"], true);
    // disable then removes it (and the block it leaves empty).
    bin()
        .args(["-F", cfg.to_str().unwrap(), "disable", "a", "--yes"])
        .assert()
        .success();
    assert_eq!(std::fs::read_to_string(&cfg).unwrap(), "");

    let text = "Host a\n  RemoteForward 1455 localhost:1455\n";
    let (_d, cfg) = config_file(text);
    let out = bin()
        .args(["-F", cfg.to_str().unwrap(), "enable", "a", "--yes"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(":2: RemoteForward 1455 localhost:1455 applies to a: sshd then listens on the remote machine's port 1455 itself"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&cfg).unwrap(), text);
}

#[test]
fn a_config_ssh_refuses_for_its_mode_is_not_enabled_and_enable_refuses() {
    // ssh -G: "Bad owner or permissions on FILE" for a user config or included file others
    // can write (a file given with -F itself is not checked).
    let d = tempfile::tempdir().unwrap();
    let inc = d.path().join("inc.conf");
    std::fs::write(&inc, "Host a\n  LocalForward 1455 localhost:1455\n").unwrap();
    std::fs::set_permissions(&inc, std::fs::Permissions::from_mode(0o666)).unwrap();
    let main = d.path().join("config");
    std::fs::write(
        &main,
        format!("Include {}\nHost b\n  User u\n", inc.display()),
    )
    .unwrap();
    let v = status(&main, "a");
    assert_eq!(v["enabled"], false);
    assert_eq!(v["reason"], "bad-permissions");
    assert_eq!(v["reason_at"].as_str(), Some(inc.to_str().unwrap()));
    let out = bin()
        .args(["-F", main.to_str().unwrap(), "enable", "b", "--yes"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Bad owner or permissions"), "{err}");
    // The fix is a command that works as printed: run it, and ssh's objection is gone.
    let fix = err.trim_end().rsplit_once("fix: ").unwrap().1;
    assert_eq!(fix, format!("chmod go-w {}", inc.display()), "{err}");
    let ran = std::process::Command::new("sh")
        .args(["-c", fix])
        .status()
        .unwrap();
    assert!(ran.success());
    assert_eq!(status(&main, "a")["enabled"], true);
}

#[test]
fn enable_notes_what_a_command_or_dns_would_decide() {
    let (_d, cfg) =
        config_file("Host a\n  User u\nMatch exec \"false\"\n  ClearAllForwardings yes\n");
    let out = bin()
        .args(["-F", cfg.to_str().unwrap(), "enable", "a", "--dry-run"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(":4: note: Match exec is not evaluated"),
        "{err}"
    );
    let (_d, cfg) = config_file(
        "CanonicalizeHostname always\nCanonicalDomains corp.example\nHost *.corp.example\n  ClearAllForwardings yes\nHost a\n  LocalForward 1455 localhost:1455\n",
    );
    let out = bin()
        .args(["-F", cfg.to_str().unwrap(), "status", "a"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("note: ")
            && text.contains(
                ":1: CanonicalizeHostname always: ssh may rename a by looking it up in DNS"
            ),
        "{text}"
    );
}

#[test]
fn enable_with_another_local_port_says_what_to_change_in_the_browser() {
    let (_d, cfg) = config_file("Host a\n  User u\n");
    let out = bin()
        .args([
            "-F",
            cfg.to_str().unwrap(),
            "enable",
            "a",
            "--local-port",
            "2455",
            "--dry-run",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("the browser goes to http://127.0.0.1:1455/auth/callback?... and cannot connect: change `:1455` to `:2455` in its address bar"),
        "{err}"
    );
}

/// With a forward of the remote port itself asked for beside it (`--port 1455,2455:1455`), the
/// browser's address works as it is: no hint to change it.
#[test]
fn no_address_bar_hint_when_the_remote_port_is_forwarded_as_it_is() {
    let (_d, cfg) = config_file("Host a\n  User u\n");
    let c = cfg.to_str().unwrap();
    for (ports, hint) in [("1455,2455:1455", false), ("2455:1455", true)] {
        let out = bin()
            .args(["-F", c, "enable", "a", "--port", ports, "--dry-run"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.contains("address bar"), hint, "{ports}: {err}");
    }
}

#[test]
fn doctor_with_no_host_checks_every_host_with_a_forward_of_the_port() {
    let (_d, cfg) = config_file(
        "Host good\n  LocalForward 1455 localhost:1455\nHost exposed\n  LocalForward *:1455 localhost:1455\n",
    );
    let out = bin()
        .args([
            "-F",
            cfg.to_str().unwrap(),
            "doctor",
            "--json",
            "--local-port",
            "1455",
        ])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let exposed = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["code"] == "non-loopback-bind" && f["host"] == "exposed");
    assert!(exposed, "{v}");
}

#[test]
fn ignore_unknown_in_the_host_block_is_accepted_for_that_host() {
    // ssh -G a accepts it; ssh -G b stops at line 3.
    let text = "Host a\n  IgnoreUnknown UseKeychain\n  UseKeychain yes\n  LocalForward 1455 localhost:1455\nHost b\n  LocalForward 1455 localhost:1455\n";
    let (_d, cfg) = config_file(text);
    assert_eq!(status(&cfg, "a")["enabled"], true);
    let b = status(&cfg, "b");
    assert_eq!(b["reason"], "rejected-line");
    // doctor does not repeat the fix just applied (an IgnoreUnknown above the line): it says
    // what is left, for the other hosts.
    let (_, d) = doctor(&cfg, &["a", "--local-port", "1"]);
    let f = finding(&d, "unknown-keyword").clone();
    assert_eq!(f["severity"], "warning");
    assert!(
        !f["fix"]
            .as_str()
            .unwrap()
            .contains("in an `IgnoreUnknown` line above it"),
        "{f}"
    );
    assert!(
        f["fix"]
            .as_str()
            .unwrap()
            .contains("above the first Host or Match line"),
        "{f}"
    );
    // enable for a works.
    let (_d, cfg) = config_file("Host a\n  IgnoreUnknown UseKeychain\n  UseKeychain yes\n");
    bin()
        .args(["-F", cfg.to_str().unwrap(), "enable", "a", "--yes"])
        .assert()
        .success();
    assert_eq!(status(&cfg, "a")["enabled"], true);
}

/// The `IgnoreUnknown` in force when ssh reads an unknown keyword is the one it obtained before
/// the line in its first reading of the files, in whatever file (`ssh -G` 9.2p1: `Match final` /
/// `IgnoreUnknown Foo` / `Host a` / `Foo bar` is refused at line 4; `IgnoreUnknown Foo` in an
/// included file, then `Foo bar` below the `Include`, is accepted; so is `IgnoreUnknown Foo`
/// above an `Include` of `Host a` / `Foo bar`).
#[test]
fn ignore_unknown_counts_where_ssh_reads_it_first() {
    let d = tempfile::tempdir().unwrap();
    let inc = d.path().join("inc");
    let cfg = d.path().join("config");
    let accepted = [
        (
            "IgnoreUnknown Foo\n".to_string(),
            format!("Include {}\nHost a\n  Foo bar\n", inc.display()),
        ),
        (
            "Host a\n  Foo bar\n".to_string(),
            format!("IgnoreUnknown Foo\nInclude {}\n", inc.display()),
        ),
    ];
    for (i, m) in &accepted {
        std::fs::write(&inc, i).unwrap();
        std::fs::write(&cfg, m).unwrap();
        assert_eq!(status(&cfg, "a")["reason"], "missing", "{m}");
        let (code, v) = doctor(&cfg, &[]);
        assert_eq!((code, codes(&v)), (Some(0), vec![]), "{m}: {v}");
        let (_, v) = doctor(&cfg, &["a"]);
        assert_eq!(codes(&v), ["forward-missing"], "{m}: {v}");
        bin()
            .args(["-F", cfg.to_str().unwrap(), "enable", "a", "--yes"])
            .assert()
            .success();
        assert_eq!(status(&cfg, "a")["enabled"], true, "{m}");
    }
    // Obtained only in the final pass: ssh has refused the line in the first.
    for header in [
        "Match final",
        "Match final all",
        "Match final host a",
        "Match host a final",
        "CanonicalizeHostname yes\nMatch canonical",
    ] {
        let text = format!("{header}\n  IgnoreUnknown Foo\nHost a\n  Foo bar\n");
        let line = text.lines().count();
        std::fs::write(&cfg, &text).unwrap();
        let a = status(&cfg, "a");
        assert_eq!(a["reason"], "rejected-line", "{text}");
        assert_eq!(
            a["reason_at"],
            format!("{}:{line}", cfg.display()),
            "{text}"
        );
        let (code, v) = doctor(&cfg, &[]);
        assert_eq!(code, Some(3), "{text}");
        assert_eq!(
            finding(&v, "unknown-keyword")["severity"],
            "error",
            "{text}: {v}"
        );
        let out = bin()
            .args(["-F", cfg.to_str().unwrap(), "enable", "a", "--yes"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(3), "{text}");
        assert_eq!(std::fs::read_to_string(&cfg).unwrap(), text);
    }
}

/// `disable` on a config ssh refuses for the host: the edit goes ahead only when it is what
/// makes ssh accept the config (the removed line shown as written, extra argument and all);
/// otherwise exit 3 naming the line ssh refuses, as `enable` does, and the file is untouched.
#[test]
fn disable_refuses_a_config_ssh_still_refuses_after_the_edit() {
    let (_d, cfg) = config_file("Host a\n  LocalForward 1455 localhost:1455 x\n");
    let out = bin()
        .args(["-F", cfg.to_str().unwrap(), "disable", "a", "--yes"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains(":2: remove LocalForward 1455 localhost:1455 x for a"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&cfg).unwrap(), "");
    for text in [
        "Host a\n  LocalForward 1455 localhost:1455\n  Bogus x\n",
        "Host a\n  LocalForward 1455 localhost:1455 x\n  Bogus x\n",
    ] {
        let (_d, cfg) = config_file(text);
        let out = bin()
            .args(["-F", cfg.to_str().unwrap(), "disable", "a", "--yes"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{text}: {err}");
        assert!(
            err.contains(&format!(
                "{}:3: ssh refuses this config: Bad configuration option: bogus",
                cfg.display()
            )),
            "{text}: {err}"
        );
        assert_eq!(std::fs::read_to_string(&cfg).unwrap(), text);
    }
}

#[test]
fn with_home_elsewhere_the_commands_say_which_file_they_use() {
    // ssh reads .ssh/config under the password database's home, never $HOME; so does
    // codex-fwd, and says so in one line. Read-only commands only: the real home is not
    // written.
    let elsewhere = tempfile::tempdir().unwrap();
    for args in [
        vec!["status", "myserver"],
        vec!["enable", "myserver", "--dry-run"],
        vec!["disable", "myserver", "--dry-run"],
    ] {
        let out = bin()
            .env("HOME", elsewhere.path())
            .args(&args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        let line = err
            .lines()
            .find(|l| l.starts_with("codex-fwd: using "))
            .unwrap_or_else(|| panic!("{args:?}: {err}"));
        let in_home = elsewhere.path().join(".ssh/config");
        assert!(
            line.contains("the file ssh reads (your home in the password database)")
                && line.ends_with(&format!("pass -F {}", in_home.display())),
            "{line}"
        );
        // -F: no such line.
        let out = bin()
            .env("HOME", elsewhere.path())
            .arg("-F")
            .arg(&in_home)
            .args(&args)
            .output()
            .unwrap();
        assert!(!String::from_utf8_lossy(&out.stderr).contains("codex-fwd: using "));
    }
}

#[test]
fn address_family_inet6_keeps_every_forward_off_127_0_0_1() {
    // `ssh -o AddressFamily=inet6 -L 1455:...` listens on [::1]:1455 only (ss -ltn), and cannot
    // bind 127.0.0.1 at all; `inet` keeps 127.0.0.1.
    let text = "Host a\n  AddressFamily inet6\n  LocalForward 1455 localhost:1455\nHost c\n  AddressFamily INET\n  LocalForward 1455 localhost:1455\n";
    let (_d, cfg) = config_file(text);
    assert_eq!(status(&cfg, "a")["reason"], "wrong-bind");
    assert_eq!(status(&cfg, "c")["enabled"], true);
    let (_, d) = doctor(&cfg, &["a", "--port", "1455"]);
    let f = finding(&d, "wrong-bind").clone();
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("listens on [::1]:1455 (AddressFamily at "),
        "{f}"
    );
    let out = bin()
        .args(["-F", cfg.to_str().unwrap(), "enable", "a", "--yes"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(":2: the AddressFamily there applies to a"),
        "{out:?}"
    );
    assert_eq!(std::fs::read_to_string(&cfg).unwrap(), text);
}

/// Finding 5: C's `isspace` counts the vertical tab, so ssh reads `LocalForward \v1455
/// localhost:1455` as a forward of 1455 (`ssh -G` 9.2p1): `status` says it is enabled and
/// `enable` has nothing to do (it said "bad forwarding specification" and appended a second).
#[test]
fn a_vertical_tab_before_the_port_is_white_space_as_ssh_reads_it() {
    let (_d, cfg) = config_file("Host a\n  LocalForward \x0b1455 localhost:1455\n");
    let v = status(&cfg, "a");
    assert_eq!(v["enabled"], true, "{v}");
    let before = std::fs::read(&cfg).unwrap();
    let out = bin()
        .args(["-F", cfg.to_str().unwrap(), "enable", "a", "--yes"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(std::fs::read(&cfg).unwrap(), before);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("nothing to do"),
        "{out:?}"
    );
}
