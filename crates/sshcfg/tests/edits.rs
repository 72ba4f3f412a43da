//! Edits on the fixtures, byte for byte: where the line goes and how it is spelled.

mod common;

use common::*;
use sshcfg::{Forward, ResolveContext};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixtures().join("flat").join(name)).unwrap()
}

fn enable(bytes: &[u8], host: &str) -> Result<String, String> {
    let home = Home::new(bytes);
    let set = home.load();
    let plan = set
        .enable(
            host,
            &Forward::loopback(1455, 1455),
            &ResolveContext::default(),
        )
        .map_err(|e| e.to_string())?;
    Ok(match plan.changes.first() {
        Some(c) => String::from_utf8_lossy(&c.new).into_owned(),
        None => String::from_utf8_lossy(bytes).into_owned(),
    })
}

const FWD: &str = "LocalForward 1455 localhost:1455";

#[test]
fn follows_tabs_and_equals_style() {
    let out = enable(&fixture("tabs_equals.conf"), "other").unwrap();
    assert!(
        out.contains(&format!("Host other\n\tPort 2222\n\t{FWD}\n")),
        "{out}"
    );
}

#[test]
fn follows_crlf() {
    let out = enable(&fixture("crlf.conf"), "myserver").unwrap();
    assert!(
        out.contains(&format!("    User me\r\n    {FWD}\r\n\r\nHost other")),
        "{out:?}"
    );
    let out = enable(&fixture("crlf.conf"), "newhost").unwrap();
    assert!(
        out.ends_with(&format!(
            "localhost:80\r\n\r\nHost newhost\r\n    {FWD}\r\n"
        )),
        "{out:?}"
    );
}

#[test]
fn keeps_no_final_newline() {
    let out = enable(&fixture("no_final_newline.conf"), "other").unwrap();
    assert!(
        out.ends_with(&format!("Host other\n  User you\n  {FWD}")),
        "{out:?}"
    );
    let out = enable(&fixture("no_final_newline.conf"), "newhost").unwrap();
    assert!(
        out.ends_with(&format!("  User you\n\nHost newhost\n  {FWD}")),
        "{out:?}"
    );
}

#[test]
fn new_blocks_go_after_global_options_and_before_a_final_host_star() {
    let out = enable(&fixture("global_only.conf"), "myserver").unwrap();
    assert_eq!(
        out,
        format!("ServerAliveInterval 30\nAddKeysToAgent yes\n\nHost myserver\n    {FWD}\n")
    );
    assert_eq!(
        enable(b"", "myserver").unwrap(),
        format!("Host myserver\n    {FWD}\n")
    );
    let out = enable(&fixture("host_star_last.conf"), "newhost").unwrap();
    assert!(
        out.contains(&format!(
            "User other\n\nHost newhost\n    {FWD}\n\n# defaults\nHost *\n"
        )),
        "{out}"
    );
    // `Host *` first: the new block goes at the end.
    let out = enable(&fixture("host_star_first.conf"), "newhost").unwrap();
    assert!(
        out.ends_with(&format!("User other\n\nHost newhost\n    {FWD}\n")),
        "{out}"
    );
    // A file that ends inside a Match block: the new Host line ends that block.
    let out = enable(&fixture("ends_in_match.conf"), "newhost").unwrap();
    assert!(
        out.ends_with(&format!("localhost:6000\n\nHost newhost\n    {FWD}\n")),
        "{out}"
    );
}

#[test]
fn never_edits_a_shared_block() {
    // web3 has its own block; web1 already gets 1455 from `Host web1 web2`.
    let out = enable(&fixture("multi_name.conf"), "web3").unwrap();
    assert!(
        out.contains(&format!("Host web3\n    User w3\n    {FWD}\n")),
        "{out}"
    );
    assert_eq!(
        enable(&fixture("multi_name.conf"), "web1")
            .unwrap()
            .as_bytes(),
        fixture("multi_name.conf")
    );
    let home = Home::new(&fixture("multi_name.conf"));
    let err = home
        .load()
        .disable(
            "web1",
            &Forward::loopback(1455, 1455),
            &ResolveContext::default(),
        )
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(":2:") && err.contains("Host web1 web2"),
        "{err}"
    );
    // The first block that names exactly the host, even when an earlier block also applies.
    let out = enable(&fixture("duplicate_hosts.conf"), "myserver").unwrap();
    assert!(
        out.starts_with(&format!("Host myserver\n    User me\n    {FWD}\n")),
        "{out}"
    );
}

#[test]
fn equivalent_spellings_count_as_enabled() {
    // `LocalForward 1455 127.0.0.1:1455` is already there for myserver.
    let bytes = fixture("match_final_all.conf");
    assert_eq!(enable(&bytes, "myserver").unwrap().as_bytes(), bytes);
}

#[test]
fn edits_land_in_the_included_file_that_defines_the_block() {
    let home = Home::copy_of(&fixtures().join("include_tree"));
    let set = home.load();
    let ctx = ResolveContext::default();
    let fwd = Forward::loopback(1455, 1455);
    let plan = set.enable("db", &fwd, &ctx).unwrap();
    assert_eq!(plan.changes.len(), 1);
    assert!(plan.changes[0].path.ends_with("conf.d/20-db.conf"));
    assert_eq!(
        String::from_utf8_lossy(&plan.changes[0].new),
        format!("Host db\n    User postgres\n    {FWD}\n")
    );
    // web's forward comes from its own block in 10-web.conf: disable edits that file.
    let plan = set.disable("web", &fwd, &ctx).unwrap();
    assert!(plan.changes[0].path.ends_with("conf.d/10-web.conf"));
    // An Include inside `Host myserver`: block.inc's forward applies to myserver only, but it
    // stands in a file's global part, so it is not removed.
    let r = set.resolve("myserver", &ctx);
    assert!(
        r.forwards
            .iter()
            .any(|f| f.forward.to_string() == "3000 [localhost]:3000")
    );
    assert!(
        set.resolve("web", &ctx)
            .forwards
            .iter()
            .all(|f| f.forward.listen_port() != Some(3000))
    );
    let err = set
        .disable("myserver", &Forward::loopback(3000, 3000), &ctx)
        .unwrap_err();
    assert!(err.to_string().contains("block.inc:1:"), "{err}");
}

#[test]
fn clear_all_forwardings_stops_enable_with_file_and_line() {
    let err = enable(&fixture("clear_all.conf"), "other").unwrap_err();
    assert!(
        err.contains(":4: ClearAllForwardings yes applies to other"),
        "{err}"
    );
}

#[test]
fn match_exec_is_never_run() {
    let marker = std::path::Path::new("/tmp/codex-fwd-exec-ran");
    let _ = std::fs::remove_file(marker);
    let bytes = std::fs::read(fixtures().join("no_ssh_g/match_exec.conf")).unwrap();
    let home = Home::new(&bytes);
    let set = home.load();
    let r = set.resolve("myserver", &ResolveContext::default());
    assert!(r.forwards.is_empty());
    assert_eq!(r.not_evaluated.len(), 1);
    assert_eq!(r.not_evaluated[0].loc.line, 2);
    let _ = enable(&bytes, "myserver").unwrap();
    assert!(!marker.exists(), "a Match exec command was run");
}

#[test]
fn bad_host_names_are_refused_before_planning() {
    for bad in [
        "", "a b", "a\nb", "a#b", "web*", "!a", "a,b", "\"a\"", "a\\b", "a?",
    ] {
        let err = enable(b"Host a\n", bad).unwrap_err();
        assert!(err.contains("host name"), "{bad:?}: {err}");
    }
}

#[test]
fn system_config_is_read_after_the_user_config_and_never_edited() {
    let home = Home::new(b"Host myserver\n    User me\n");
    let sys = home.path().join("ssh_config");
    std::fs::write(&sys, "Host *\n    LocalForward 1455 localhost:1455\n").unwrap();
    let opts = sshcfg::LoadOptions {
        home: home.path().to_path_buf(),
        system_config: Some(sys.clone()),
    };
    let set = sshcfg::ConfigSet::load(&home.config(), &opts).unwrap();
    let ctx = ResolveContext::default();
    let fwd = Forward::loopback(1455, 1455);
    // Already effective through the system config: nothing to add.
    assert!(!set.enable("myserver", &fwd, &ctx).unwrap().is_change());
    let err = set.disable("myserver", &fwd, &ctx).unwrap_err().to_string();
    assert!(
        err.contains("system config") && err.contains("ssh_config:2:"),
        "{err}"
    );
}

#[test]
fn newer_match_criteria_parse() {
    // OpenSSH 9.4+ criteria (this machine's ssh 9.2 does not know them, so no ssh -G here).
    let home = Home::new(
        b"Host myserver\n    Tag codex\nMatch tagged codex\n    LocalForward 1 localhost:1\nMatch localnetwork 10.0.0.0/8\n    LocalForward 2 localhost:2\nMatch !tagged other\n    LocalForward 3 localhost:3\n",
    );
    let set = home.load();
    let r = set.resolve("myserver", &ResolveContext::default());
    let got: Vec<String> = r.forwards.iter().map(|f| f.forward.to_string()).collect();
    assert_eq!(got, ["1 [localhost]:1", "3 [localhost]:3"]);
    assert_eq!(
        r.not_evaluated.len(),
        1,
        "localnetwork is reported, not guessed"
    );
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    let r = set.resolve("other", &ResolveContext::default());
    assert_eq!(r.forwards.len(), 1);
}

#[test]
fn a_change_that_the_final_pass_would_carry_to_other_hosts_is_refused() {
    // Found by the random ssh -G test: with `Match final`, ssh matches `Host` lines against the
    // HostName in its second pass, so a new `Host real.example` block would reach every web*
    // host. Without a final pass the same edit is fine.
    let with_final = b"Host web*\n  HostName real.example\nMatch final all";
    let err = enable(with_final, "real.example").unwrap_err();
    assert!(
        err.contains("would also alter")
            && err.contains("HostName is real.example")
            && err.contains(":2)"),
        "{err}"
    );
    // `%h` in a HostName reaches every name with that prefix and suffix.
    let err = enable(
        b"Host *.corp\n  HostName %h.internal\nMatch final all\n",
        "db.internal",
    )
    .unwrap_err();
    assert!(err.contains("HostName is %h.internal"), "{err}");
    assert!(
        enable(
            b"Host *.corp\n  HostName %h.internal\nMatch final all\n",
            "db.corp"
        )
        .is_ok()
    );
    assert!(enable(b"Host web*\n  HostName real.example\n", "real.example").is_ok());
}

fn disable(bytes: &[u8], host: &str) -> Result<(String, Vec<String>), String> {
    let home = Home::new(bytes);
    let plan = home
        .load()
        .disable(
            host,
            &Forward::loopback(1455, 1455),
            &ResolveContext::default(),
        )
        .map_err(|e| e.to_string())?;
    let out = match plan.changes.first() {
        Some(c) => String::from_utf8_lossy(&c.new).into_owned(),
        None => String::from_utf8_lossy(bytes).into_owned(),
    };
    Ok((out, plan.summary))
}

#[test]
fn gateway_ports_yes_gets_an_explicit_loopback_bind() {
    for spelling in ["yes", "True", "YES"] {
        let cfg = format!("Host a\n  User me\n\nHost *\n  GatewayPorts {spelling}\n");
        assert_eq!(
            enable(cfg.as_bytes(), "a").unwrap(),
            format!(
                "Host a\n  User me\n  LocalForward localhost:1455 localhost:1455\n\nHost *\n  GatewayPorts {spelling}\n"
            )
        );
    }
}

#[test]
fn a_forward_that_does_not_carry_the_login_is_replaced_in_place() {
    for old in [
        "LocalForward 1455 [::1]:1455",
        "LocalForward 1455 localhost:8080",
        "LocalForward *:1455 localhost:1455",
        "DynamicForward 1455",
    ] {
        let cfg = format!("Host a\n  {old} # mine\n  User me\n");
        assert_eq!(
            enable(cfg.as_bytes(), "a").unwrap(),
            format!("Host a\n  {FWD}\n  User me\n"),
            "{old}"
        );
    }
}

#[test]
fn a_later_listener_of_the_port_in_the_hosts_block_goes() {
    let cfg = "Host a\n  LocalForward 1455 localhost:1455\n  LocalForward 1455 localhost:9\n";
    assert_eq!(
        enable(cfg.as_bytes(), "a").unwrap(),
        "Host a\n  LocalForward 1455 localhost:1455\n"
    );
}

#[test]
fn a_shared_conflicting_forward_is_refused_with_its_line() {
    let cfg = b"Host a\n  User me\n\nHost *\n  LocalForward 1455 localhost:8080\n";
    let e = enable(cfg, "a").unwrap_err();
    assert!(e.contains(":5: LocalForward 1455 localhost:8080 also listens on local port 1455 for a and comes from the block `Host *`"), "{e}");
}

#[test]
fn clear_all_forwardings_in_any_spelling_is_refused() {
    for v in ["yes", "TRUE", "True"] {
        let cfg = format!("Host a\n  ClearAllForwardings {v}\n");
        let e = enable(cfg.as_bytes(), "a").unwrap_err();
        assert!(
            e.contains(":2: ClearAllForwardings yes applies to a"),
            "{e}"
        );
    }
    let cfg = b"Host a\n  ClearAllForwardings False\n";
    assert!(enable(cfg, "a").unwrap().contains(FWD));
}

#[test]
fn a_config_ssh_refuses_is_refused_with_its_message() {
    for (cfg, msg) in [
        (
            "Host b\n  LocalForward 1455 localhost:1455 extra\n",
            ":2: ssh refuses this config: keyword localforward extra arguments at end of line",
        ),
        (
            "Host b\n  NoSuchOption yes\n",
            ":2: ssh refuses this config: Bad configuration option: nosuchoption",
        ),
        (
            "Host b\n  GatewayPorts maybe\n",
            ":2: ssh refuses this config: unsupported option \"maybe\".",
        ),
    ] {
        let e = enable(cfg.as_bytes(), "a").unwrap_err();
        assert!(e.contains(msg), "{e}");
    }
}

#[test]
fn disable_leaves_forwards_it_did_not_write_with_a_note() {
    let cfg =
        "Host a\n  LocalForward 1455 [::1]:1455\n  LocalForward 127.0.0.1:1455 LOCALHOST:1455\n";
    let (out, summary) = disable(cfg.as_bytes(), "a").unwrap();
    assert_eq!(out, "Host a\n  LocalForward 1455 [::1]:1455\n");
    assert!(
        summary.iter().any(|s| s.contains(
            ":2: LocalForward 1455 [::1]:1455 is left as it is: it is not a loopback forward"
        )),
        "{summary:?}"
    );
}

#[test]
fn disable_names_the_include_a_shared_forward_comes_from() {
    let home = Home::new(b"Host a\n  Include extra.conf\n");
    std::fs::write(
        home.path().join(".ssh/extra.conf"),
        "LocalForward 1455 localhost:1455\n",
    )
    .unwrap();
    let e = home
        .load()
        .disable(
            "a",
            &Forward::loopback(1455, 1455),
            &ResolveContext::default(),
        )
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("extra.conf, which is included at ") && e.contains(":2 inside `Host a`"),
        "{e}"
    );
}

/// `plan_each` gives the plans of enable/disable applied one after the other (with
/// `with_plan`), on every fixture, for the hosts it names and a new one, and stops where they
/// would.
#[test]
fn plan_each_is_enable_after_enable() {
    let ctx = ResolveContext::default();
    let fwds = [Forward::loopback(1455, 1455), Forward::loopback(1457, 1457)];
    for path in files_under(&fixtures().join("flat")) {
        let home = Home::new(&std::fs::read(&path).unwrap());
        let set = home.load();
        let mut hosts = hosts_for(&set);
        hosts.truncate(5);
        let pairs: Vec<(&str, &Forward)> = hosts
            .iter()
            .flat_map(|h| fwds.iter().map(move |f| (h.as_str(), f)))
            .collect();
        for action in [sshcfg::Action::Enable, sshcfg::Action::Disable] {
            let mut want: Vec<(Vec<String>, Vec<Vec<u8>>)> = Vec::new();
            let mut cur = set.clone();
            let mut want_err = None;
            for (host, f) in &pairs {
                let plan = match action {
                    sshcfg::Action::Enable => cur.enable(host, f, &ctx),
                    sshcfg::Action::Disable => cur.disable(host, f, &ctx),
                };
                match plan {
                    Ok(p) => {
                        want.push((
                            p.summary.clone(),
                            p.changes.iter().map(|c| c.new.to_vec()).collect(),
                        ));
                        cur = cur.with_plan(&p);
                    }
                    Err(e) => {
                        want_err = Some(e.to_string());
                        break;
                    }
                }
            }
            let mut got = Vec::new();
            let r = set.plan_each(action, &pairs, &ctx, |p| {
                got.push((
                    p.summary.clone(),
                    p.changes.iter().map(|c| c.new.to_vec()).collect(),
                ))
            });
            assert_eq!(got, want, "{}", path.display());
            assert_eq!(
                r.err().map(|e| e.to_string()),
                want_err,
                "{}",
                path.display()
            );
        }
    }
}
