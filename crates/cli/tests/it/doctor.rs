//! `codex-fwd doctor` and `codex-fwd tunnel`: every finding is provoked by a test.

use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;

use predicates::prelude::*;

use crate::common::{bin, config_file as cfg, finding, stand_in_ssh};

/// A local port nobody holds right now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Run doctor with `--local-port` on a free port (so the machine's own 1455 does not matter)
/// and return (exit code, codes of the findings, the JSON).
fn doctor(config: &std::path::Path, args: &[&str]) -> (i32, Vec<String>, serde_json::Value) {
    doctor_on_port(config, free_port(), args)
}

/// Run `doctor myserver --json` on `main` with `$HOME` at `home`, and return its JSON.
fn doctor_myserver_at_home(home: &std::path::Path, main: &std::path::Path) -> serde_json::Value {
    let out = bin()
        .env("HOME", home)
        .arg("-F")
        .arg(main)
        .args(["doctor", "myserver", "--json"])
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Run doctor for forwards of `port` (local and remote) and return (exit code, codes, JSON).
fn doctor_on_port(
    config: &std::path::Path,
    port: u16,
    args: &[&str],
) -> (i32, Vec<String>, serde_json::Value) {
    let port = port.to_string();
    let out = bin()
        .args([
            "-F",
            config.to_str().unwrap(),
            "doctor",
            "--json",
            "--port",
            &port,
        ])
        .args(args)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let codes = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect();
    (out.status.code().unwrap(), codes, v)
}

#[test]
fn healthy_config_exits_0() {
    let port = free_port();
    let (_d, p) = cfg(&format!(
        "Host myserver\n    LocalForward {port} localhost:{port}\n"
    ));
    let out = bin()
        .args([
            "-F",
            p.to_str().unwrap(),
            "doctor",
            "myserver",
            "--port",
            &port.to_string(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("No problems found"));
}

#[test]
fn forward_missing() {
    let (_d, p) = cfg("Host myserver\n    User me\n");
    let (code, codes, v) = doctor(&p, &["myserver"]);
    assert_eq!(code, 3);
    assert_eq!(codes, ["forward-missing"]);
    assert!(
        v["findings"][0]["fix"]
            .as_str()
            .unwrap()
            .contains(&format!("codex-fwd -F {} enable myserver", p.display()))
    );
    assert_eq!(v["ok"], false);
}

/// Every host: a host listed for a RemoteForward of the port alone (no LocalForward of it) is
/// told what that RemoteForward does; it was listed and then said to have no problem (exit 0).
/// Named, it is a missing forward whose fix names the RemoteForward, as before.
#[test]
fn a_remote_forward_alone_is_reported_for_every_host() {
    let port = free_port();
    let (_d, p) = cfg(&format!(
        "Host a\n    RemoteForward {port} localhost:{port}\nHost b\n    User u\n"
    ));
    let (code, codes, v) = doctor_on_port(&p, port, &[]);
    assert_eq!((code, codes), (3, vec!["remote-port-taken".to_string()]));
    assert_eq!(v["hosts"], serde_json::json!(["a"]));
    assert_eq!(v["findings"][0]["line"], 2);
    let (code, codes, _) = doctor_on_port(&p, port, &["a"]);
    assert_eq!((code, codes), (3, vec!["forward-missing".to_string()]));
}

#[test]
fn clear_all_forwardings() {
    let (_d, p) = cfg("Host myserver\n    ClearAllForwardings yes\n");
    let (_, codes, v) = doctor(&p, &["myserver"]);
    assert_eq!(codes, ["clear-all-forwardings"]);
    assert_eq!(v["findings"][0]["line"], 2);
}

#[test]
fn non_loopback_bind_and_gateway_ports() {
    let port = free_port();
    for text in [
        format!("Host myserver\n    LocalForward *:{port} localhost:{port}\n"),
        format!("Host myserver\n    LocalForward 0.0.0.0:{port} localhost:{port}\n"),
        format!("Host myserver\n    GatewayPorts yes\n    LocalForward {port} localhost:{port}\n"),
    ] {
        let (_d, p) = cfg(&text);
        let (_, codes, _) = doctor_on_port(&p, port, &["myserver"]);
        assert!(
            codes.iter().any(|c| c == "non-loopback-bind"),
            "{text}: {codes:?}"
        );
    }
}

#[test]
fn exit_on_forward_failure_and_control_master() {
    let port = free_port();
    let (_d, p) = cfg(&format!(
        "Host myserver\n    LocalForward {port} localhost:{port}\n    ExitOnForwardFailure yes\n    ControlMaster auto\n"
    ));
    let (_, codes, _) = doctor_on_port(&p, port, &["myserver"]);
    assert_eq!(codes, ["exit-on-forward-failure", "control-master"]);
    let (_d, p) = cfg(&format!(
        "Host myserver\n    LocalForward {port} localhost:{port}\nHost *\n    ControlPersist 10m\n"
    ));
    let (code, codes, _) = doctor_on_port(&p, port, &["myserver"]);
    assert_eq!(codes, ["control-master"]);
    // Connection sharing alone is a note: nothing is wrong while no master is open (exit 0).
    assert_eq!(code, 0);
}

#[test]
fn suggested_commands_keep_the_config_and_ports_given() {
    // Run as printed, each suggestion must act on the same file and the same ports.
    let (_d, p) = cfg("Host myserver
    HostName 10.0.0.5
Host other
    ClearAllForwardings yes
");
    let p = p.display().to_string();
    let (_, _, v) = doctor_on_port(std::path::Path::new(&p), 8080, &["myserver", "other"]);
    let fixes: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["fix"].as_str().unwrap())
        .collect();
    let f = format!("-F {p}");
    assert!(
        fixes.contains(&format!("run `codex-fwd {f} enable myserver --port 8080` ({p}: add LocalForward 8080 localhost:8080 for myserver in its block at line 1), or `codex-fwd {f} tunnel myserver --port 8080` for one session").as_str()),
        "{fixes:#?}"
    );
    assert!(
        fixes.contains(&format!("remove `ClearAllForwardings yes` (or limit it to other hosts), or run `codex-fwd {f} tunnel other --port 8080`").as_str()),
        "{fixes:#?}"
    );
}

#[test]
fn a_busy_local_port_suggests_a_command_with_the_hosts_checked() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let (_d, p) = cfg("Host myserver
    HostName 10.0.0.5
");
    let (_, _, v) = doctor_on_port(&p, port, &["myserver"]);
    let p = p.display();
    let fix = finding(&v, "local-port-in-use")["fix"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        fix,
        format!(
            "stop it, or use another local port: `codex-fwd -F {p} enable myserver --port {port} --local-port 2455`"
        )
    );
}

#[test]
fn duplicate_local_port() {
    let port = free_port();
    let (_d, p) = cfg(&format!(
        "Host myserver\n    LocalForward {port} localhost:{port}\nHost *\n    LocalForward {port} localhost:9\n"
    ));
    let (_, codes, _) = doctor_on_port(&p, port, &["myserver"]);
    assert_eq!(codes, ["duplicate-local-port"]);
}

#[test]
fn local_port_in_use_names_the_process() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let (_d, p) = cfg(&format!(
        "Host myserver\n    LocalForward {port} localhost:{port}\n"
    ));
    let (code, codes, v) = doctor_on_port(&p, port, &["myserver"]);
    assert_eq!(code, 3);
    assert_eq!(codes, ["local-port-in-use"]);
    let msg = v["findings"][0]["message"].as_str().unwrap();
    assert!(
        msg.contains(&format!("pid {}", std::process::id())),
        "{msg}"
    );
    assert!(
        v["findings"][0]["fix"]
            .as_str()
            .unwrap()
            .contains("--local-port")
    );
    drop(l);
}

#[test]
fn bad_permissions_of_the_user_config() {
    // ssh checks the user config and every included file (not a file given with -F itself):
    // here an included file of mode 0666 (ssh -G: "Bad owner or permissions on ...").
    let home = tempfile::tempdir().unwrap();
    let port = free_port();
    let inc = home.path().join("inc.conf");
    std::fs::write(
        &inc,
        format!("Host myserver\n    LocalForward {port} localhost:{port}\n"),
    )
    .unwrap();
    std::fs::set_permissions(&inc, std::fs::Permissions::from_mode(0o666)).unwrap();
    let main = home.path().join("config");
    std::fs::write(&main, format!("Include {}\n", inc.display())).unwrap();
    let out = bin()
        .env("HOME", home.path())
        .arg("-F")
        .arg(&main)
        .args(["doctor", "myserver", "--json", "--port", &port.to_string()])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let codes: Vec<_> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"bad-permissions"), "{codes:?}");
}

/// Does the installed `ssh -G` refuse `main` for a bad owner or mode (HOME in `home`), and does
/// doctor say so too (a bad-permissions finding)?
fn ssh_and_doctor_refuse(home: &std::path::Path, main: &std::path::Path) -> (bool, bool) {
    let g = std::process::Command::new("ssh")
        .env("HOME", home)
        .arg("-G")
        .arg("-F")
        .arg(main)
        .arg("myserver")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let ssh = String::from_utf8_lossy(&g.stderr).contains("Bad owner or permissions");
    let v = doctor_myserver_at_home(home, main);
    let ours = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["code"] == "bad-permissions");
    (ssh, ours)
}

/// Whatever ssh this is, doctor agrees with it about an included file or directory of each
/// mode: upstream OpenSSH refuses any that group or others may write; Debian's and Ubuntu's let
/// the group write it when the user is the group's one member (as root here: group root, whose
/// one member is root); ssh opens an included directory and checks it the same way. Each
/// other group of the user's is tried too (a shared one is refused by every ssh), and as root
/// the primary group of another account (likewise).
#[test]
fn the_permission_check_agrees_with_the_installed_ssh() {
    let home = tempfile::tempdir().unwrap();
    let main = home.path().join("config");
    let inc = home.path().join("inc.conf");
    let dir = home.path().join("conf.d");
    std::fs::write(&inc, "Host myserver\n    User u\n").unwrap();
    std::fs::create_dir(&dir).unwrap();
    // The groups the file is given besides the user's own: every other group of the user's
    // (`id -G`: a shared group, say), and as root, who may give a file any group, the primary
    // group of another account.
    let mut groups: Vec<Option<u32>> = vec![None];
    let id = |arg: &str| {
        let out = std::process::Command::new("id").arg(arg).output().unwrap();
        String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .filter_map(|g| g.parse::<u32>().ok())
            .collect::<Vec<_>>()
    };
    let (me, my_gid) = (id("-u")[0], id("-g")[0]);
    groups.extend(id("-G").into_iter().filter(|&g| g != my_gid).map(Some));
    if me == 0 {
        let out = std::process::Command::new("getent")
            .arg("passwd")
            .output()
            .unwrap();
        groups.extend(String::from_utf8_lossy(&out.stdout).lines().find_map(|l| {
            let f: Vec<_> = l.split(':').collect();
            let uid = f.get(2)?.parse::<u32>().ok()?;
            let gid = f.get(3)?.parse::<u32>().ok()?;
            (uid != me && gid != my_gid).then_some(Some(gid))
        }));
    }
    let mut seen = Vec::new();
    for (target, modes) in [
        (&inc, [0o644, 0o664, 0o666, 0o646]),
        (&dir, [0o755, 0o775, 0o777, 0o757]),
    ] {
        std::fs::write(&main, format!("Include {}\n", target.display())).unwrap();
        for &gid in &groups {
            std::os::unix::fs::chown(target, None, Some(gid.unwrap_or(my_gid))).unwrap();
            for mode in modes {
                std::fs::set_permissions(target, std::fs::Permissions::from_mode(mode)).unwrap();
                let (ssh, ours) = ssh_and_doctor_refuse(home.path(), &main);
                assert_eq!(
                    ours,
                    ssh,
                    "{} mode {mode:o} group {gid:?}: ssh refuses: {ssh}",
                    target.display()
                );
                seen.push((mode, gid, ssh));
            }
        }
    }
    // Writable by others: refused by every ssh; by nobody: accepted.
    for (mode, gid, ssh) in &seen {
        if mode & 0o022 != 0o020 {
            assert_eq!(*ssh, mode & 0o002 != 0, "mode {mode:o} group {gid:?}");
        }
    }
}

/// Upstream OpenSSH (any `ssh -V` that names no Debian or Ubuntu build) refuses a config its
/// group may write, whoever is in the group: a stand-in `ssh` first on `PATH` answers `-V`.
#[test]
fn upstream_ssh_refuses_a_group_writable_include() {
    let d = tempfile::tempdir().unwrap();
    let path = stand_in_ssh(
        d.path(),
        "#!/bin/sh\necho 'OpenSSH_9.8p1, LibreSSL 3.3.6' >&2\n",
    );
    let inc = d.path().join("inc.conf");
    std::fs::write(&inc, "Host myserver\n    User u\n").unwrap();
    std::fs::set_permissions(&inc, std::fs::Permissions::from_mode(0o664)).unwrap();
    let main = d.path().join("config");
    std::fs::write(&main, format!("Include {}\n", inc.display())).unwrap();
    let out = bin()
        .env("HOME", d.path())
        .env("PATH", &path)
        .arg("-F")
        .arg(&main)
        .args(["doctor", "myserver", "--json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        finding(&v, "bad-permissions")["message"],
        format!(
            "{} has mode 0664, which lets group or others write it: ssh stops with \"Bad owner or permissions\" and reads no config at all",
            inc.display()
        )
    );
}

/// An included directory others may write is refused by ssh (`ssh -G`: "Bad owner or
/// permissions on DIR"), and the finding names the Include and gives a command that fixes it.
#[test]
fn an_included_directory_others_can_write_is_refused() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("conf.d");
    std::fs::create_dir(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    let main = home.path().join("config");
    std::fs::write(
        &main,
        format!("Host myserver\n    User u\nInclude {}\n", dir.display()),
    )
    .unwrap();
    let v = doctor_myserver_at_home(home.path(), &main);
    let f = finding(&v, "bad-permissions");
    assert_eq!(
        f["message"],
        format!(
            "{} (a directory, named by the Include at {}:3) has mode 0777, which lets group or others write it: ssh stops with \"Bad owner or permissions\" and reads no config at all",
            dir.display(),
            main.display()
        )
    );
    let fix = f["fix"].as_str().unwrap();
    assert_eq!(fix, format!("chmod go-w {}", dir.display()));
    assert!(
        std::process::Command::new("sh")
            .args(["-c", fix])
            .status()
            .unwrap()
            .success()
    );
    assert_eq!(ssh_and_doctor_refuse(home.path(), &main), (false, false));
}

#[test]
fn an_include_of_dev_null_is_refused_and_the_fix_is_to_remove_it() {
    // ssh -G -F (a 0600 file with `Include /dev/null`): "Bad owner or permissions on /dev/null"
    // (root's, mode 0666). No mode change is the fix: the Include line is.
    let home = tempfile::tempdir().unwrap();
    let main = home.path().join("config");
    std::fs::write(&main, "Include /dev/null\nHost myserver\n  User u\n").unwrap();
    let v = doctor_myserver_at_home(home.path(), &main);
    let f = finding(&v, "bad-permissions");
    assert_eq!(
        f["message"],
        "/dev/null has mode 0666, which lets group or others write it: ssh stops with \"Bad owner or permissions\" and reads no config at all"
    );
    assert_eq!(
        f["fix"],
        format!(
            "ssh cannot read /dev/null as a config: remove the Include at {}:1 that names it",
            main.display()
        )
    );
    // `enable` refuses until then, so the missing forward's fix says to do that first.
    let missing = finding(&v, "forward-missing");
    let fix = missing["fix"].as_str().unwrap();
    assert!(
        fix.starts_with(&format!(
            "first make ssh read the config ({}), then run `codex-fwd -F ",
            f["fix"].as_str().unwrap()
        )),
        "{fix}"
    );
}

/// The undecided `Match exec` is its own finding; the missing forward's fix is one sentence,
/// without that note folded into it.
#[test]
fn the_missing_forwards_fix_does_not_repeat_the_undecided_note() {
    let (_d, p) =
        cfg("Host myserver\n    HostName example.com\nMatch exec \"false\"\n    User x\n");
    let out = bin()
        .args(["-F", p.to_str().unwrap(), "doctor", "myserver", "--json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let find = |code: &str| finding(&v, code).clone();
    let fix = find("forward-missing")["fix"].as_str().unwrap().to_string();
    assert!(
        !fix.contains("note:") && !fix.contains("Match exec"),
        "{fix}"
    );
    assert!(
        find("not-evaluated")["message"]
            .as_str()
            .unwrap()
            .starts_with("Match exec is not evaluated")
    );
}

#[test]
fn match_exec_is_reported_not_run() {
    // The directory must outlive the run, or a `touch` there could never succeed.
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("ran");
    let port = free_port();
    let (_d, p) = cfg(&format!(
        "Host myserver\n    LocalForward {port} localhost:{port}\nMatch exec \"touch {}\"\n    User x\n",
        marker.display()
    ));
    let (_, codes, _) = doctor_on_port(&p, port, &["myserver"]);
    assert_eq!(codes, ["not-evaluated"]);
    assert!(!marker.exists(), "Match exec was run");
}

#[test]
fn text_output_has_fixes() {
    let (_d, p) = cfg("Host myserver\n    ClearAllForwardings yes\n");
    bin()
        .args([
            "-F",
            p.to_str().unwrap(),
            "doctor",
            "myserver",
            "--local-port",
            &free_port().to_string(),
        ])
        .assert()
        .code(3)
        .stdout(predicate::str::contains("error[clear-all-forwardings]"))
        .stdout(predicate::str::contains("fix: "));
}

#[test]
fn tunnel_refuses_a_busy_local_port_and_starts_no_ssh() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    bin()
        .args(["tunnel", "myserver", "--local-port", &port.to_string()])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("already in use"))
        .stderr(predicate::str::contains("--local-port"));
}

#[test]
fn tunnel_refuses_a_bad_host() {
    bin().args(["tunnel", "a b"]).assert().code(2);
}

#[test]
fn config_error_is_reported() {
    let port = free_port();
    let (_d, p) = cfg(&format!(
        "Host myserver\n    LocalForward {port} localhost:{port}\nMatch nosuchcriterion x\n    User y\n"
    ));
    let (_, codes, v) = doctor_on_port(&p, port, &["myserver"]);
    assert_eq!(codes, ["config-error"]);
    assert_eq!(v["findings"][0]["line"], 3);
}

/// A `Match` line ssh refuses whatever the host is found by `doctor` of every host too (it was
/// found only by resolving a host, so a config naming none, or `doctor` with no host, said "No
/// problems found" where `ssh -G` refuses the config), before a later bad line, as ssh's first
/// error; `status` names the line once.
#[test]
fn a_bad_match_line_is_found_without_a_host() {
    for (text, line, message) in [
        ("Match bogus\n", 1, "Missing Match criteria for bogus"),
        (
            "Host a\n  User x\nMatch all \"\" host\nnonesuch y\n",
            3,
            "keyword match extra arguments at end of line",
        ),
    ] {
        let (_d, p) = cfg(text);
        let (code, codes, v) = doctor(&p, &[]);
        assert_eq!(code, 3, "{text}");
        assert_eq!(codes[0], "config-error", "{text}");
        assert_eq!(v["findings"][0]["line"], line, "{text}");
        assert!(
            v["findings"][0]["message"]
                .as_str()
                .unwrap()
                .contains(message),
            "{text}: {v}"
        );
    }
    let (_d, p) = cfg("Host a\n  User x\nMatch BOGUS x\n");
    let out = bin()
        .args(["-F", p.to_str().unwrap(), "status", "a"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("(rejected-line at "), "{text}");
    assert_eq!(
        text.matches("Unsupported Match attribute BOGUS").count(),
        1,
        "{text}"
    );
}

#[test]
fn unknown_keyword_is_reported_once_with_the_installed_ssh() {
    let port = free_port();
    let (_d, p) = cfg(&format!(
        "Host *\n    UseKeychain yes\nHost myserver\n    LocalForward {port} localhost:{port}\nHost other\n    LocalForward {port} localhost:{port}\n"
    ));
    let (code, codes, v) = doctor_on_port(&p, port, &[]);
    assert_eq!(code, 3);
    assert_eq!(codes, ["unknown-keyword"]);
    assert_eq!(v["findings"][0]["line"], 2);
    let m = v["findings"][0]["message"].as_str().unwrap();
    assert!(m.contains("Bad configuration option: usekeychain"), "{m}");
    assert!(m.contains("(the installed ssh is OpenSSH_"), "{m}");
}

#[test]
fn ssh_g_cross_check_is_opt_in_and_finds_what_match_exec_adds() {
    let port = free_port();
    let marker = tempfile::tempdir().unwrap();
    let ran = marker.path().join("ran");
    let (_d, p) = cfg(&format!(
        "Host myserver\n    LocalForward {port} localhost:{port}\nMatch exec \"touch {}\"\n    LocalForward 7 localhost:7\n",
        ran.display()
    ));
    let (_, codes, _) = doctor_on_port(&p, port, &["myserver"]);
    assert_eq!(codes, ["not-evaluated"]);
    assert!(!ran.exists(), "doctor ran Match exec without --ssh-g");
    let out = bin()
        .args([
            "-F",
            p.to_str().unwrap(),
            "doctor",
            "myserver",
            "--json",
            "--ssh-g",
        ])
        .args(["--port", &port.to_string()])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("Match exec"));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let codes: Vec<_> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"ssh-g-differs"), "{codes:?}");
    assert!(
        ran.exists(),
        "ssh -G evaluates Match exec (that is why it is opt-in)"
    );
}

#[test]
fn wrong_target_and_conflicting_listener_are_errors() {
    let port = free_port();
    let (_d, p) = cfg(&format!(
        "Host a\n    LocalForward {port} [::1]:{port}\nHost b\n    LocalForward {port} localhost:9\n    LocalForward {port} localhost:{port}\n"
    ));
    let (code, codes, v) = doctor_on_port(&p, port, &["a"]);
    assert_eq!((code, codes), (3, vec!["wrong-target".to_string()]));
    assert_eq!(v["findings"][0]["line"], 2);
    let (code, codes, v) = doctor_on_port(&p, port, &["b"]);
    assert_eq!((code, codes), (3, vec!["conflicting-listener".to_string()]));
    assert_eq!(v["findings"][0]["line"], 5);
}

#[test]
fn fallback_port_is_a_note_that_keeps_exit_zero() {
    let (_d, p) = cfg("Host a\n    LocalForward 1455 localhost:1455\n");
    let out = bin()
        .args(["-F", p.to_str().unwrap(), "doctor", "a", "--json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let notes: Vec<_> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "fallback-port")
        .collect();
    assert_eq!(notes.len(), 1, "{v}");
    assert_eq!(notes[0]["severity"], "note");
    // Only the laptop's port 1455 being busy here could make it fail.
    if !v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["code"] == "local-port-in-use")
    {
        assert_eq!(out.status.code(), Some(0), "{v}");
        assert_eq!(v["ok"], true);
    }
}

/// The `ssh` commands doctor suggests read the same file as the run (`ssh -F FILE`): without it
/// `ssh -O exit` looks for the ControlPath of another config and `ssh -G` judges another config.
#[test]
fn suggested_ssh_commands_carry_the_config() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("my configs");
    std::fs::write(
        &config,
        "Host h\n    LocalForward 1455 localhost:1455\n    ControlMaster auto\n    ControlPath /tmp/cm-%C\nMatch exec \"false\"\n    User x\n",
    )
    .unwrap();
    let (_, _, v) = doctor_on_port(&config, 1455, &["h"]);
    let fix = |code: &str| finding(&v, code)["fix"].as_str().unwrap().to_string();
    let f = format!("-F '{}'", config.display());
    assert!(
        fix("control-master").contains(&format!("`ssh {f} -O exit h`")),
        "{v}"
    );
    let not_evaluated = fix("not-evaluated");
    assert!(
        not_evaluated.contains(&format!("`ssh {f} -G h`")),
        "{not_evaluated}"
    );
    assert!(
        not_evaluated.contains(&format!("`codex-fwd {f} doctor h --ssh-g`")),
        "{not_evaluated}"
    );
}

/// A bind address that is a name (`ip6-localhost`, `localhost.`) is not looked up: doctor
/// says so instead of claiming the listener is reachable from the network (on Debian
/// `ip6-localhost` is `::1` alone; `localhost.` goes to DNS), and an address still is.
#[test]
fn a_name_as_bind_address_is_not_called_exposed() {
    for (bind, exposed) in [
        ("ip6-localhost", false),
        ("localhost.", false),
        ("192.0.2.1", true),
        ("*", true),
    ] {
        let (_d, p) = cfg(&format!(
            "Host h\n    LocalForward {bind}:1455 localhost:1455\n"
        ));
        let (code, codes, v) = doctor_on_port(&p, 1455, &["h"]);
        assert_eq!(code, 3, "{bind}: {v}");
        assert!(
            codes.contains(&"non-loopback-bind".to_string()),
            "{bind}: {v}"
        );
        let msg = finding(&v, "non-loopback-bind")["message"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(msg.contains("listens beyond loopback"), exposed, "{msg}");
        assert_eq!(msg.contains("not looked up"), !exposed, "{msg}");
    }
}

/// A line ssh refuses for some hosts only (an unknown keyword an `IgnoreUnknown` in another
/// host's block covers): the file's finding is a warning, and for a host it refuses, doctor
/// says an error of that host (ssh -G 9.2p1 refuses `b` at line 3, accepts `a`).
#[test]
fn a_line_refused_for_this_host_only_is_this_host_s_error() {
    let (_d, config) = cfg(
        "Host a\n  IgnoreUnknown Foo\n  Foo x\n  LocalForward 1455 localhost:1455\nHost b\n  LocalForward 1455 localhost:1455\n",
    );
    let c = config.to_str().unwrap();
    let doctor = |host: &str| bin().args(["-F", c, "doctor", host]).output().unwrap();
    let out = doctor("b");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("error[config-error] (b)")
            && text.contains(":3: ssh refuses the whole config for b"),
        "{text}"
    );
    assert_ne!(out.status.code(), Some(0), "{text}");
    let text = String::from_utf8_lossy(&doctor("a").stdout).into_owned();
    assert!(!text.contains("config-error"), "{text}");
}

/// A keyword only macOS's own ssh knows (`UseKeychain`, in the `Host *` block GitHub's guide
/// gives), read by another build (a Linux ssh, Homebrew's on a Mac: here a stand-in `ssh -V` of
/// Debian's): doctor names the build that knows it, and its fix, followed as printed (the
/// `IgnoreUnknown` line above the first block), leaves a config doctor passes; `ssh -G`, when
/// here, accepts it too.
#[test]
fn a_vendor_keyword_s_fix_names_the_build_and_works_as_printed() {
    let d = tempfile::tempdir().unwrap();
    let path = stand_in_ssh(
        d.path(),
        "#!/bin/sh\necho 'OpenSSH_9.2p1 Debian-2+deb12u6, OpenSSL 3.0.19 27 Jan 2026' >&2\n",
    );
    let body = "Host *\n    AddKeysToAgent yes\n    UseKeychain yes\n\nHost myserver\n    LocalForward 1455 localhost:1455\n";
    let (_c, config) = cfg(body);
    let run = || {
        let out = bin()
            .env("PATH", &path)
            .arg("-F")
            .arg(&config)
            .args(["doctor", "myserver", "--json"])
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        (out.status.code(), v)
    };
    // (What a Linux ssh says of it: refused.)
    let ssh_g = || {
        std::process::Command::new("ssh")
            .arg("-G")
            .arg("-F")
            .arg(&config)
            .arg("myserver")
            .stdin(std::process::Stdio::null())
            .output()
            .ok()
            .map(|g| g.status.success())
    };
    assert_ne!(ssh_g(), Some(true));
    let (code, v) = run();
    assert_eq!(code, Some(3), "{v}");
    let f = finding(&v, "unknown-keyword");
    let fix = f["fix"].as_str().unwrap();
    assert!(
        fix.contains("only macOS's own ssh (/usr/bin/ssh) knows UseKeychain"),
        "{fix}"
    );
    // The fix as printed: the line it names, above the first Host line.
    let line = fix.split('`').nth(1).unwrap();
    assert_eq!(line, "IgnoreUnknown UseKeychain");
    std::fs::write(&config, format!("{line}\n{body}")).unwrap();
    let (code, v) = run();
    assert_eq!(code, Some(0), "{v}");
    assert_ne!(ssh_g(), Some(false));
}

/// ssh keeps the first `IgnoreUnknown` it reads: with one already above the first block, the fix
/// for a vendor's keyword is to add it there (a second line would not count), and followed as
/// printed it leaves a config doctor passes and `ssh -G` accepts.
#[test]
fn a_vendor_keyword_s_fix_adds_to_the_ignore_unknown_in_force() {
    let body = "IgnoreUnknown Bogus\nHost *\n    UseKeychain yes\nHost myserver\n    LocalForward 1455 localhost:1455\n";
    let (_c, config) = cfg(body);
    let (code, _, v) = doctor(&config, &["myserver"]);
    assert_eq!(code, 3, "{v}");
    let fix = finding(&v, "unknown-keyword")["fix"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        fix.contains("add UseKeychain to the `IgnoreUnknown` at ") && fix.contains(":1 "),
        "{fix}"
    );
    std::fs::write(&config, body.replacen("Bogus", "Bogus,UseKeychain", 1)).unwrap();
    let (_, codes, v) = doctor(&config, &["myserver"]);
    assert!(
        !codes
            .iter()
            .any(|c| c == "unknown-keyword" || c == "config-error"),
        "{v}"
    );
    let g = std::process::Command::new("ssh")
        .arg("-G")
        .arg("-F")
        .arg(&config)
        .arg("myserver")
        .stdin(std::process::Stdio::null())
        .output();
    assert!(g.is_err() || g.unwrap().status.success());
}

/// An included file's own first `IgnoreUnknown` covers its unknown keyword only for the hosts of
/// the block its `Include` stands in (`ssh -G` 9.2p1 refuses the config for every other host):
/// doctor over every host says so (it said "No problems found"), names the `Include` as the
/// reason, and its fix, followed as printed (the line above the first block of the including
/// file), leaves a config doctor passes and `ssh -G` accepts for another host.
#[test]
fn an_included_file_s_ignore_unknown_under_a_block_is_reported() {
    let d = tempfile::tempdir().unwrap();
    let inc = d.path().join("inc");
    std::fs::write(&inc, "IgnoreUnknown FooBar\nFooBar yes\n").unwrap();
    let main = d.path().join("config");
    let body = format!(
        "Host work\n    Include {}\nHost other\n    User u\n",
        inc.display()
    );
    std::fs::write(&main, &body).unwrap();
    let ssh_g_other = || {
        std::process::Command::new("ssh")
            .arg("-G")
            .arg("-F")
            .arg(&main)
            .arg("other")
            .stdin(std::process::Stdio::null())
            .output()
            .ok()
            .map(|g| g.status.success())
    };
    assert_ne!(ssh_g_other(), Some(true));
    let (code, _, v) = doctor(&main, &[]);
    let f = finding(&v, "unknown-keyword");
    assert_eq!(f["severity"], "warning", "{v}");
    assert_eq!(code, 3, "{v}");
    let message = f["message"].as_str().unwrap();
    assert!(
        message.contains("its file is read by the `Include` at"),
        "{message}"
    );
    let fix = f["fix"].as_str().unwrap();
    let line = fix.split('`').nth(1).unwrap();
    assert_eq!(line, "IgnoreUnknown FooBar", "{fix}");
    assert!(fix.contains(&main.display().to_string()), "{fix}");
    std::fs::write(&main, format!("{line}\n{body}")).unwrap();
    let (_, codes, v) = doctor(&main, &[]);
    assert!(
        !codes
            .iter()
            .any(|c| c == "unknown-keyword" || c == "config-error"),
        "{v}"
    );
    assert_ne!(ssh_g_other(), Some(false));
}

/// A keyword newer than the installed ssh (`Tag`, 9.4, read by a 9.2 ssh: here a stand-in
/// `ssh -V`): the fix names the release that knows it, and its `IgnoreUnknown`, followed as
/// printed, leaves a config doctor passes (and `ssh -G`, when here, accepts).
#[test]
fn a_newer_keyword_s_fix_names_its_release() {
    let d = tempfile::tempdir().unwrap();
    let path = stand_in_ssh(
        d.path(),
        "#!/bin/sh\necho 'OpenSSH_9.2p1 Debian-2+deb12u6, OpenSSL 3.0.19 27 Jan 2026' >&2\n",
    );
    let body = "Host *\n    Tag work\nHost myserver\n    LocalForward 1455 localhost:1455\n";
    let (_c, config) = cfg(body);
    let run = || {
        let out = bin()
            .env("PATH", &path)
            .arg("-F")
            .arg(&config)
            .args(["doctor", "myserver", "--json"])
            .output()
            .unwrap();
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let v = run();
    let fix = finding(&v, "unknown-keyword")["fix"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        fix.starts_with("Tag is known to OpenSSH 9.4 and later"),
        "{fix}"
    );
    let line = fix.split('`').nth(1).unwrap();
    assert_eq!(line, "IgnoreUnknown Tag", "{fix}");
    std::fs::write(&config, format!("{line}\n{body}")).unwrap();
    let v = run();
    let codes: Vec<&str> = (v["findings"].as_array().unwrap().iter())
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(!codes.contains(&"unknown-keyword"), "{v}");
    let g = std::process::Command::new("ssh")
        .arg("-G")
        .arg("-F")
        .arg(&config)
        .arg("myserver")
        .stdin(std::process::Stdio::null())
        .output();
    assert!(g.is_err() || g.unwrap().status.success());
}

/// With no host named, doctor reports a line ssh refuses for some hosts only (here an empty
/// `Host` argument after a negated pattern: `ssh -G` 9.2p1 refuses it for `b` and `c`, not for
/// `a`) even where no host has a forward: `ssh b` does not run at all. Once, for the first
/// host it stops.
#[test]
fn doctor_with_no_host_reports_a_line_refused_for_some_hosts_without_a_forward() {
    let (_d, config) = cfg("Host !a \"\" b\n  User u\nHost c\n  User v\n");
    let (code, codes, v) = doctor(&config, &[]);
    assert_eq!(code, 3, "{v}");
    assert_eq!(codes, ["config-error"], "{v}");
    let f = finding(&v, "config-error");
    assert_eq!(
        (f["host"].as_str(), f["line"].as_u64()),
        (Some("b"), Some(1)),
        "{v}"
    );
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("keyword host empty argument"),
        "{v}"
    );
}
