//! The CLI's side of "enable succeeding means the login works": status reasons, several ports in
//! one run, and host arguments that are ssh destinations rather than aliases.

use crate::common::{bin, config_file};

fn status(cfg: &std::path::Path, host: &str, extra: &[&str]) -> serde_json::Value {
    let out = bin()
        .args(["-F", cfg.to_str().unwrap(), "status", host, "--json"])
        .args(extra)
        .output()
        .unwrap();
    assert!(out.status.success());
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn status_enabled_means_the_forward_carries_and_says_why_not() {
    for (text, reason, line) in [
        ("Host a\n  LocalForward 1455 localhost:1455\n", None, None),
        (
            "Host a\n  LocalForward 1455 [::1]:1455\n",
            Some("wrong-target"),
            Some(2),
        ),
        (
            "Host a\n  LocalForward *:1455 localhost:1455\n",
            Some("beyond-loopback"),
            Some(2),
        ),
        (
            "Host a\n  LocalForward 1455 localhost:1455\nHost *\n  GatewayPorts True\n",
            Some("beyond-loopback"),
            Some(2),
        ),
        (
            "Host a\n  LocalForward 1455 localhost:1455\n  ClearAllForwardings TRUE\n",
            Some("cleared"),
            Some(3),
        ),
        (
            "Host a\n  LocalForward 1455 localhost:9\n  LocalForward 1455 localhost:1455\n",
            Some("not-first-listener"),
            Some(3),
        ),
        (
            "Host a\n  LocalForward 1455 localhost:1455 extra\n",
            Some("rejected-line"),
            Some(2),
        ),
        (
            "Host a\n  LocalForward 1455 localhost:1455\nHost b\n  NoSuchKeyword 1\n",
            Some("rejected-line"),
            Some(4),
        ),
        ("Host a\n  User me\n", Some("missing"), None),
    ] {
        let (_d, cfg) = config_file(text);
        let v = &status(&cfg, "a", &[])[0];
        assert_eq!(v["enabled"], reason.is_none(), "{text}");
        assert_eq!(v["reason"].as_str(), reason, "{text}");
        let at = line.map(|l| format!("{}:{l}", cfg.display()));
        assert_eq!(v["reason_at"].as_str(), at.as_deref(), "{text}");
    }
}

#[test]
fn several_ports_in_one_run_one_diff() {
    let (_d, cfg) = config_file("Host a\n  User me\n");
    let out = bin()
        .args([
            "-F",
            cfg.to_str().unwrap(),
            "enable",
            "a",
            "--port",
            "1455,1457",
            "--yes",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(&cfg).unwrap(),
        "Host a\n  User me\n  LocalForward 1455 localhost:1455\n  LocalForward 1457 localhost:1457\n"
    );
    let v = status(&cfg, "a", &["--port", "1455", "--port", "1457"]);
    assert_eq!(v.as_array().unwrap().len(), 2);
    assert!(v.as_array().unwrap().iter().all(|e| e["enabled"] == true));
    // LOCAL:REMOTE pairs, and --local-port only with a single --port.
    let (_d2, cfg2) = config_file("Host a\n  User me\n");
    bin()
        .args([
            "-F",
            cfg2.to_str().unwrap(),
            "enable",
            "a",
            "--port",
            "2455:1455",
            "--yes",
        ])
        .assert()
        .success();
    assert!(
        std::fs::read_to_string(&cfg2)
            .unwrap()
            .contains("LocalForward 2455 localhost:1455")
    );
    let out = bin()
        .args([
            "-F",
            cfg2.to_str().unwrap(),
            "enable",
            "a",
            "--port",
            "1455,1457",
            "--local-port",
            "2455",
            "--yes",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--local-port pairs with a single --port")
    );
}

#[test]
fn an_ssh_destination_names_the_alias_to_use() {
    let (_d, cfg) = config_file("Host myserver\n  User me\n");
    for dest in ["me@myserver", "ssh://me@myserver:22"] {
        let out = bin()
            .args(["-F", cfg.to_str().unwrap(), "enable", dest, "--yes"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{dest}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.contains("not a Host alias") && err.contains("\"myserver\""),
            "{err}"
        );
    }
    assert_eq!(
        std::fs::read_to_string(&cfg).unwrap(),
        "Host myserver\n  User me\n"
    );
}

#[test]
fn enable_under_gateway_ports_and_a_shared_conflict() {
    let (_d, cfg) = config_file("Host a\n  User me\n\nHost *\n  GatewayPorts yes\n");
    bin()
        .args(["-F", cfg.to_str().unwrap(), "enable", "a", "--yes"])
        .assert()
        .success();
    assert!(
        std::fs::read_to_string(&cfg)
            .unwrap()
            .contains("  LocalForward localhost:1455 localhost:1455\n")
    );
    assert_eq!(status(&cfg, "a", &[])[0]["enabled"], true);
    let text = "Host a\n  User me\n\nHost *\n  LocalForward 1455 localhost:8080\n";
    let (_d, cfg) = config_file(text);
    let out = bin()
        .args(["-F", cfg.to_str().unwrap(), "enable", "a", "--yes"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains(&format!("{}:5:", cfg.display())));
    assert_eq!(std::fs::read_to_string(&cfg).unwrap(), text);
}

/// A port nothing listens on here, so that `doctor` judges the config alone.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Over every fixture and real-world config: when `enable` succeeds, `doctor` finds no error for
/// the host (the contract: success means the login works).
#[test]
fn after_a_successful_enable_doctor_finds_no_error_for_the_host() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures");
    let port = free_port().to_string();
    let mut enabled = 0;
    for dir in ["flat", "corpus"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "conf") {
                continue;
            }
            let text = std::fs::read(&path).unwrap();
            let names = String::from_utf8_lossy(&text)
                .lines()
                .filter_map(|l| l.trim().strip_prefix("Host "))
                .flat_map(|h| h.split_whitespace().map(str::to_string).collect::<Vec<_>>())
                .filter(|h| {
                    h.chars()
                        .all(|c| c.is_ascii_alphanumeric() || ".-_".contains(c))
                })
                .take(3)
                .chain(["newhost".to_string()])
                .collect::<Vec<_>>();
            for host in names {
                let d = tempfile::tempdir().unwrap();
                let cfg = d.path().join("config");
                std::fs::write(&cfg, &text).unwrap();
                let f = cfg.to_str().unwrap();
                let ok = bin()
                    .args(["-F", f, "enable", &host, "--port", &port, "--yes"])
                    .output()
                    .unwrap()
                    .status
                    .success();
                if !ok {
                    continue;
                }
                enabled += 1;
                let out = bin()
                    .args(["-F", f, "doctor", &host, "--port", &port, "--json"])
                    .output()
                    .unwrap();
                let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
                let errors: Vec<_> = v["findings"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|f| f["severity"] == "error" && f["code"] != "local-port-in-use")
                    .collect();
                assert!(errors.is_empty(), "{}: {host}: {errors:?}", path.display());
            }
        }
    }
    assert!(enabled > 40, "only {enabled} enables succeeded");
}

#[test]
fn a_refusal_for_a_later_host_names_the_lines_of_the_file_on_disk() {
    let text = "Host a\n  User u\nHost b c\n  LocalForward 0.0.0.0:1455 localhost:1455\n";
    let (_d, cfg) = config_file(text);
    let out = bin()
        .args(["-F", cfg.to_str().unwrap(), "enable", "a", "b", "--yes"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("{}:4:", cfg.display())), "{err}");
    assert!(err.contains(&format!("at {}:3", cfg.display())), "{err}");
    assert_eq!(std::fs::read_to_string(&cfg).unwrap(), text);
}

/// A keyword newer than the installed OpenSSH (9.2 here: `ObscureKeystrokeTiming` came in 9.5)
/// makes it refuse the config: enable refuses, status says rejected-line, doctor reports it.
#[test]
fn a_keyword_newer_than_the_installed_ssh_is_refused() {
    let out = std::process::Command::new("ssh")
        .arg("-V")
        .output()
        .unwrap();
    let v = String::from_utf8_lossy(&out.stderr).to_string();
    if !v.starts_with("OpenSSH_9.2")
        && !v.starts_with("OpenSSH_9.3")
        && !v.starts_with("OpenSSH_9.4")
    {
        return; // the keyword is known to this ssh: nothing to refuse
    }
    let text = "Host h\n  User u\nHost *\n  ObscureKeystrokeTiming no\n";
    let (_d, cfg) = config_file(text);
    let f = cfg.to_str().unwrap();
    let out = bin()
        .args(["-F", f, "enable", "h", "--yes"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Bad configuration option: obscurekeystroketiming"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&cfg).unwrap(), text);
    assert_eq!(status(&cfg, "h", &[])[0]["reason"], "rejected-line");
    let out = bin()
        .args(["-F", f, "doctor", "h", "--json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == "unknown-keyword"),
        "{v}"
    );
}

/// A problem ssh meets while reading for the host (here an applying `UserKnownHostsFile` with
/// more than 32 entries) before a line it refuses for every host is the one it names first
/// (`ssh -G` 9.2p1: "line 2: too many userknownhostsfile entries."): `status` (of the host and
/// of every host) and `enable` name it, and `doctor`'s fix for the missing forward points
/// there; another host is refused at the later line.
#[test]
fn the_refusal_ssh_meets_first_is_named() {
    let files = (1..=33)
        .map(|i| format!("/tmp/k{i}"))
        .collect::<Vec<_>>()
        .join(" ");
    let text =
        format!("Host a\n  UserKnownHostsFile {files}\nHost b\n  User u\nHost *\n  Port abc\n");
    let (_d, cfg) = config_file(&text);
    let f = cfg.to_str().unwrap();
    let at = |line: usize| format!("{f}:{line}");
    let out = bin().args(["-F", f, "status", "--json"]).output().unwrap();
    assert!(out.status.success());
    let every: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let of = |host: &str| {
        every
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["host"] == host)
            .cloned()
            .unwrap()
    };
    for v in [status(&cfg, "a", &[])[0].clone(), of("a")] {
        assert_eq!(v["reason"], "rejected-line", "{v}");
        assert_eq!(v["reason_at"].as_str(), Some(at(2).as_str()), "{v}");
        let notes = v["notes"].as_array().unwrap();
        assert_eq!(
            notes[0].as_str().unwrap(),
            format!(
                "{}: ssh refuses this config: too many userknownhostsfile entries.",
                at(2)
            )
        );
        assert_eq!(
            notes[1].as_str().unwrap(),
            format!("{}: ssh refuses this config: Bad port 'abc'.", at(6))
        );
        assert_eq!(notes.len(), 2, "{v}");
    }
    for v in [status(&cfg, "b", &[])[0].clone(), of("b")] {
        assert_eq!(v["reason_at"].as_str(), Some(at(6).as_str()), "{v}");
    }
    let out = bin()
        .args(["-F", f, "enable", "a", "--yes"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "{}: ssh refuses this config: too many userknownhostsfile entries.",
            at(2)
        )),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&cfg).unwrap(), text);
    let out = bin()
        .args(["-F", f, "doctor", "a", "--json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let missing = (v["findings"].as_array().unwrap().iter())
        .find(|g| g["code"] == "forward-missing")
        .unwrap();
    assert!(
        missing["fix"]
            .as_str()
            .unwrap()
            .starts_with(&format!("first correct the line ssh refuses ({})", at(2))),
        "{missing}"
    );
}
