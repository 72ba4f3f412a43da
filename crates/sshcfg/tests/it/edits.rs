//! Edits on the fixtures, byte for byte: where the line goes and how it is spelled.

use crate::common::*;
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
            &ResolveContext::current_user(),
        )
        .map_err(|e| describe(&set, &e))?;
    Ok(match plan.changes().first() {
        Some(c) => String::from_utf8_lossy(c.after()).into_owned(),
        None => String::from_utf8_lossy(bytes).into_owned(),
    })
}

const FWD: &str = "LocalForward 1455 localhost:1455";

#[test]
fn follows_tabs_and_equals_style() {
    given(fixture("tabs_equals.conf"))
        .enable("other")
        .inserts("Host other\n\tPort 2222\n", &format!("\t{FWD}\n"));
}

#[test]
fn follows_crlf() {
    given(fixture("crlf.conf"))
        .enable("myserver")
        .inserts("    User me\r\n", &format!("    {FWD}\r\n"));
    let crlf = String::from_utf8(fixture("crlf.conf")).unwrap();
    assert!(crlf.ends_with("localhost:80\r\n"));
    given(&crlf)
        .enable("newhost")
        .produces(&format!("{crlf}\r\nHost newhost\r\n    {FWD}\r\n"));
}

#[test]
fn keeps_no_final_newline() {
    let text = String::from_utf8(fixture("no_final_newline.conf")).unwrap();
    assert!(text.ends_with("Host other\n  User you"));
    given(&text)
        .enable("other")
        .produces(&format!("{text}\n  {FWD}"));
    given(&text)
        .enable("newhost")
        .produces(&format!("{text}\n\nHost newhost\n  {FWD}"));
}

#[test]
fn new_blocks_go_after_global_options_and_before_a_final_host_star() {
    given(fixture("global_only.conf"))
        .enable("myserver")
        .produces(&format!(
            "ServerAliveInterval 30\nAddKeysToAgent yes\n\nHost myserver\n    {FWD}\n"
        ));
    given(b"")
        .enable("myserver")
        .produces(&format!("Host myserver\n    {FWD}\n"));
    given(fixture("host_star_last.conf"))
        .enable("newhost")
        .inserts("User other\n\n", &format!("Host newhost\n    {FWD}\n\n"));
    // Above a final `Host *` (and its comment) in a file that parts its blocks with no blank
    // line: none is added after the new block either; with one, one (`disable` then gives
    // back the original bytes in both).
    for sep in ["", "\n"] {
        let text = format!("Host a\n  User x\n{sep}# defaults\nHost *\n  User y\n");
        given(&text).enable("newhost").inserts(
            &format!("User x\n{sep}"),
            &format!("Host newhost\n  {FWD}\n{sep}"),
        );
        let home = Home::new(text.as_bytes());
        let ctx = ResolveContext::current_user();
        let fwd = Forward::loopback(1455, 1455);
        home.write_plan(&home.load().enable("newhost", &fwd, &ctx).unwrap());
        home.write_plan(&home.load().disable("newhost", &fwd, &ctx).unwrap());
        assert_eq!(
            std::fs::read_to_string(home.config()).unwrap(),
            text,
            "{sep:?}"
        );
    }
    // `Host *` first: the new block goes at the end.
    let first = String::from_utf8(fixture("host_star_first.conf")).unwrap();
    assert!(first.ends_with("User other\n"));
    given(&first)
        .enable("newhost")
        .produces(&format!("{first}\nHost newhost\n    {FWD}\n"));
    // A file that ends inside a Match block: the new Host line ends that block.
    let in_match = String::from_utf8(fixture("ends_in_match.conf")).unwrap();
    assert!(in_match.ends_with("localhost:6000\n"));
    given(&in_match)
        .enable("newhost")
        .produces(&format!("{in_match}\nHost newhost\n    {FWD}\n"));
}

#[test]
fn never_edits_a_shared_block() {
    // web3 has its own block; web1 already gets 1455 from `Host web1 web2`.
    given(fixture("multi_name.conf"))
        .enable("web3")
        .inserts("Host web3\n    User w3\n", &format!("    {FWD}\n"));
    given(fixture("multi_name.conf")).enable("web1").unchanged();
    let home = Home::new(&fixture("multi_name.conf"));
    let set = home.load();
    let err = set
        .disable(
            "web1",
            &Forward::loopback(1455, 1455),
            &ResolveContext::current_user(),
        )
        .unwrap_err();
    let err = describe(&set, &err);
    assert!(
        err.contains(":2:") && err.contains("Host web1 web2"),
        "{err}"
    );
    // The first block that names exactly the host, even when an earlier block also applies.
    let dup = String::from_utf8(fixture("duplicate_hosts.conf")).unwrap();
    assert!(dup.starts_with("Host myserver\n    User me\n"));
    let output = given(&dup).enable("myserver").output();
    assert_eq!(
        output,
        format!(
            "Host myserver\n    User me\n    {FWD}\n{}",
            &dup["Host myserver\n    User me\n".len()..]
        )
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
    let ctx = ResolveContext::current_user();
    let fwd = Forward::loopback(1455, 1455);
    let plan = set.enable("db", &fwd, &ctx).unwrap();
    assert_eq!(plan.changes().len(), 1);
    assert!(plan.changes()[0].path().ends_with("conf.d/20-db.conf"));
    assert_eq!(
        String::from_utf8_lossy(plan.changes()[0].after()),
        format!("Host db\n    User postgres\n    {FWD}\n")
    );
    // web's forward comes from its own block in 10-web.conf: disable edits that file.
    let plan = set.disable("web", &fwd, &ctx).unwrap();
    assert!(plan.changes()[0].path().ends_with("conf.d/10-web.conf"));
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
    let err = describe(&set, &err);
    assert!(err.contains("block.inc:1:"), "{err}");
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
    // The fixture's command, pointed at a marker of this run alone.
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("exec-ran");
    let fixture =
        String::from_utf8(std::fs::read(fixtures().join("no_ssh_g/match_exec.conf")).unwrap())
            .unwrap();
    let bytes = fixture.replace("/tmp/codex-fwd-exec-ran", &marker.display().to_string());
    assert_ne!(bytes, fixture);
    let home = Home::new(bytes.as_bytes());
    let set = home.load();
    let r = set.resolve("myserver", &ResolveContext::current_user());
    assert!(r.forwards.is_empty());
    assert_eq!(r.not_evaluated.len(), 1);
    assert_eq!(r.not_evaluated[0].loc.line(), 3);
    let _ = enable(bytes.as_bytes(), "myserver").unwrap();
    assert!(!marker.exists(), "a Match exec command was run");
}

/// An `exec` criterion is taken as not matching (a command that fails): `Match exec` leaves
/// its block out, `Match !exec` lets the other criteria decide; both leave a note.
#[test]
fn negated_match_exec_is_the_opposite_guess() {
    let set = Home::new(
        b"Match host web !exec \"false\"\n    LocalForward 1 localhost:1\nMatch host web exec \"true\"\n    LocalForward 2 localhost:2\n",
    )
    .load();
    let r = set.resolve("web", &ResolveContext::new("u"));
    let ports: Vec<_> = r.forwards.iter().map(|f| f.forward.listen_port()).collect();
    assert_eq!(ports, vec![Some(1)]);
    assert_eq!(r.not_evaluated.len(), 2);
    let criteria: Vec<_> = r
        .not_evaluated
        .iter()
        .map(|n| (n.loc.line(), &n.what))
        .collect();
    assert_eq!(
        criteria,
        [
            (
                1,
                &sshcfg::Undecided::MatchCriterion {
                    name: "exec".into(),
                    negated: true
                }
            ),
            (
                3,
                &sshcfg::Undecided::MatchCriterion {
                    name: "exec".into(),
                    negated: false
                }
            )
        ]
    );
    assert!(
        set.resolve("other", &ResolveContext::new("u"))
            .forwards
            .is_empty()
    );
}

#[test]
fn bad_host_names_are_refused_before_planning() {
    for bad in [
        "", "a b", "a\nb", "#a", "web*", "!a", "a,b", "\"a\"", "a\\b", "a?",
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
    let opts =
        sshcfg::LoadOptions::openssh_default(home.config(), home.path()).with_system_config(&sys);
    let set = sshcfg::ConfigSet::load(&opts).unwrap();
    let ctx = ResolveContext::current_user();
    let fwd = Forward::loopback(1455, 1455);
    // Already effective through the system config: nothing to add.
    assert!(!set.enable("myserver", &fwd, &ctx).unwrap().is_change());
    let err = describe(&set, &set.disable("myserver", &fwd, &ctx).unwrap_err());
    assert!(
        err.contains("[system config") && err.contains("ssh_config:2:"),
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
    let r = set.resolve("myserver", &ResolveContext::current_user());
    let got: Vec<String> = r.forwards.iter().map(|f| f.forward.to_string()).collect();
    assert_eq!(got, ["1 [localhost]:1", "3 [localhost]:3"]);
    assert_eq!(
        r.not_evaluated.len(),
        1,
        "localnetwork is reported, not guessed"
    );
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    let r = set.resolve("other", &ResolveContext::current_user());
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
            && err.contains("[HostName real.example at ")
            && err.contains(":2]"),
        "{err}"
    );
    // `%h` in a HostName reaches every name with that prefix and suffix.
    let err = enable(
        b"Host *.corp\n  HostName %h.internal\nMatch final all\n",
        "db.internal",
    )
    .unwrap_err();
    assert!(err.contains("[HostName %h.internal at "), "{err}");
    assert!(
        enable(
            b"Host *.corp\n  HostName %h.internal\nMatch final all\n",
            "db.corp"
        )
        .is_ok()
    );
    assert!(enable(b"Host web*\n  HostName real.example\n", "real.example").is_ok());
}

/// Every way of asking for a second pass (a `Match` word `final` or `canonical`, in any letter
/// case, negated or not, quoted or after `=`; `CanonicalizeHostname` other than `no`) makes
/// the same edit refused; words that only hold those letters do not.
#[test]
fn every_spelling_of_a_final_pass_is_seen() {
    let base = "Host web*\n  HostName real.example\n";
    for (tail, second_pass) in [
        ("Match final all", true),
        ("Match FINAL all", true),
        ("Match FINAL", true),
        ("Match host x !CANONICAL", true),
        ("Match host x !Final", true),
        ("Match \"canonical\" all", true),
        ("match=Canonical all", true),
        ("Match fi\"nal\"", true),
        ("Match host x !f\"INAL\"", true),
        ("Match canon\"ical\" all", true),
        ("Match host finalize", false),
        ("Match host canonicals,final.example", false),
        ("Match exec \"echo final\"", false),
        ("CanonicalizeHostname yes", true),
        ("CanonicalizeHostname ALWAYS", true),
        ("\"canonicalizeHOSTNAME\" yes", true),
        ("CANONICALIZEHOSTNAME yes", true),
        ("Host zz\n  User zed\ncanonicalizehostname=yes", true),
        ("CanonicalizeHostname no", false),
    ] {
        let config = format!("{base}{tail}\n");
        let result = enable(config.as_bytes(), "real.example");
        assert_eq!(result.is_err(), second_pass, "{tail}: {result:?}");
    }
}

fn disable(bytes: &[u8], host: &str) -> Result<(String, Vec<sshcfg::Step>), String> {
    let home = Home::new(bytes);
    let set = home.load();
    let plan = set
        .disable(
            host,
            &Forward::loopback(1455, 1455),
            &ResolveContext::current_user(),
        )
        .map_err(|e| describe(&set, &e))?;
    let out = match plan.changes().first() {
        Some(c) => String::from_utf8_lossy(c.after()).into_owned(),
        None => String::from_utf8_lossy(bytes).into_owned(),
    };
    Ok((out, plan.steps().to_vec()))
}

#[test]
fn gateway_ports_yes_needs_an_explicit_loopback_bind() {
    for spelling in ["yes", "True", "YES"] {
        let cfg = format!("Host a\n  User me\n\nHost *\n  GatewayPorts {spelling}\n");
        // Without a bind address the forward would listen on every interface: refused.
        let home = Home::new(cfg.as_bytes());
        let set = home.load();
        let ctx = ResolveContext::current_user();
        let err = set
            .enable("a", &Forward::loopback(1455, 1455), &ctx)
            .unwrap_err();
        assert!(
            matches!(
                &err,
                sshcfg::EditError::NotEffective {
                    why: sshcfg::Ineffective::Blocked(b),
                    ..
                } if b.code() == "beyond-loopback"
            ),
            "{err:?}"
        );
        assert!(set.resolve("a", &ctx).gateway_ports());
        // With an explicit `localhost` bind it is written as given.
        let bound = Forward::from_args("localhost:1455", "localhost:1455").unwrap();
        let plan = set.enable("a", &bound, &ctx).unwrap();
        assert_eq!(
            String::from_utf8_lossy(plan.changes()[0].after()),
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
    given(b"Host a\n  User me\n\nHost *\n  LocalForward 1455 localhost:8080\n")
        .enable("a")
        .fails_with("CONFIG:5: LocalForward 1455 localhost:8080 also listens on local port 1455 for a [block `Host *` at CONFIG:4]");
}

#[test]
fn clear_all_forwardings_in_any_spelling_is_refused() {
    for v in ["yes", "TRUE", "True"] {
        given(format!("Host a\n  ClearAllForwardings {v}\n"))
            .enable("a")
            .fails_with("CONFIG:2: ClearAllForwardings yes applies to a");
    }
    given(b"Host a\n  ClearAllForwardings False\n")
        .enable("a")
        .produces(&format!("Host a\n  ClearAllForwardings False\n  {FWD}\n"));
}

#[test]
fn a_config_ssh_refuses_is_refused_with_its_message() {
    for (cfg, msg) in [
        (
            "Host b\n  LocalForward 1455 localhost:1455 extra\n",
            ":2: keyword localforward extra arguments at end of line",
        ),
        (
            "Host b\n  NoSuchOption yes\n",
            ":2: Bad configuration option: nosuchoption",
        ),
        (
            "Host b\n  GatewayPorts maybe\n",
            ":2: unsupported option \"maybe\".",
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
    given(cfg)
        .disable("a")
        .produces("Host a\n  LocalForward 1455 [::1]:1455\n");
    let (_, steps) = disable(cfg.as_bytes(), "a").unwrap();
    assert!(
        steps.iter().any(|s| matches!(s,
            sshcfg::Step::LeftAlone { loc, forward, local: 1455, remote: 1455, .. }
                if loc.line() == 2 && forward.directive() == "LocalForward 1455 [::1]:1455"
        )),
        "{steps:?}"
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
    let set = home.load();
    let e = set
        .disable(
            "a",
            &Forward::loopback(1455, 1455),
            &ResolveContext::current_user(),
        )
        .unwrap_err();
    let e = describe(&set, &e);
    assert!(
        e.contains("extra.conf, included at ") && e.contains(":2 inside `Host a`"),
        "{e}"
    );
}

#[test]
fn a_loopback_address_localhost_does_not_reach_is_replaced_or_refused() {
    // The client connects to 127.0.0.1: a listener on `::1` alone (however spelled) or on
    // another loopback address does not get the connection.
    for bind in ["127.0.0.2", "[0::1]", "[::1]"] {
        let cfg = format!("Host a\n  LocalForward {bind}:1455 localhost:1455\n");
        assert_eq!(
            enable(cfg.as_bytes(), "a").unwrap(),
            format!("Host a\n  {FWD}\n"),
            "{bind}"
        );
    }
    // Binds that do listen on 127.0.0.1 (checked with `ssh -L` and `ss -ltn`), and targets
    // that reach the remote's 127.0.0.1, are kept.
    for (bind, target) in [
        ("LOCALHOST", "localhost"),
        ("127.1", "127.1"),
        ("127.0.0.1", "0.0.0.0"),
        ("localhost", "LocalHost"),
    ] {
        let cfg = format!("Host a\n  LocalForward {bind}:1455 {target}:1455\n");
        assert_eq!(enable(cfg.as_bytes(), "a").unwrap(), cfg, "{bind} {target}");
    }
    given(b"Host a\n  User u\nHost *\n  LocalForward [::1]:1455 localhost:1455\n")
        .enable("a")
        .fails_with("CONFIG:4: LocalForward [::1]:1455 localhost:1455 also listens on local port 1455 for a [block `Host *` at CONFIG:3]");
    given(b"Host a\n  User u\nHost *\n  LocalForward 127.0.0.2:1455 localhost:1455\n")
        .enable("a")
        .fails_with("CONFIG:4: LocalForward 127.0.0.2:1455 localhost:1455 also listens on local port 1455 for a [block `Host *` at CONFIG:3]");
}

#[test]
fn own_forwards_go_whichever_comes_first_when_a_shared_one_carries() {
    given("Host a\n  LocalForward 0.0.0.0:1455 localhost:1455\nHost *\n  LocalForward 1455 localhost:1455\n")
        .enable("a")
        .produces("Host a\nHost *\n  LocalForward 1455 localhost:1455\n");
    given("Host *\n  LocalForward 1455 localhost:1455\nHost a\n  DynamicForward 1455\n")
        .enable("a")
        .produces("Host *\n  LocalForward 1455 localhost:1455\nHost a\n");
}

#[test]
fn lines_ssh_refuses_anywhere_refuse_the_edit() {
    for (cfg, msg) in [
        (
            "Host b\n  LocalForward 1455 localhost:1455:1\n",
            "Bad forwarding specification.",
        ),
        (
            "Host b\n  DynamicForward 0\n",
            "Bad forwarding specification.",
        ),
        (
            "Host b\n  User u v\n",
            "keyword user extra arguments at end of line",
        ),
        ("Host b\n  Port abc\n", "Bad port 'abc'."),
        (
            "Match all all\n  User q\n",
            "'all' cannot be combined with other Match attributes",
        ),
        (
            "Host b\n  IgnoreUnknown foobar\nHost a\n  foobar x\n",
            "Bad configuration option: foobar",
        ),
    ] {
        let line = if cfg.starts_with("Match") {
            1
        } else {
            cfg.lines().count()
        };
        given(cfg)
            .enable("a")
            .fails_with(&format!("CONFIG:{line}: {msg}"));
    }
}

#[test]
fn ignore_unknown_for_every_host_is_honoured_in_any_letter_case() {
    given("IgnoreUnknown UseKeychain\nHost *\n  UseKeychain yes\n")
        .enable("a")
        .inserts(
            "IgnoreUnknown UseKeychain\n",
            // (No blank line after it: the file has none before `Host *`.)
            &format!("Host a\n  {FWD}\n"),
        );
    given("Host *\n  IgnoreUnknown usekeychain,AddKeysToAgent\n  UseKeychain yes\n")
        .enable("a")
        .produces(&format!(
            "Host a\n  {FWD}\n\nHost *\n  IgnoreUnknown usekeychain,AddKeysToAgent\n  UseKeychain yes\n"
        ));
}

#[test]
fn service_names_are_ports_as_the_services_database_says() {
    let listed = cfg!(unix)
        && std::fs::read_to_string("/etc/services")
            .is_ok_and(|s| s.lines().any(|l| l.starts_with("http-alt")));
    if !listed {
        return; // no services database with it here: such forwards are not evaluated
    }
    let home = Home::new(b"Host a\n  LocalForward 0.0.0.0:http-alt localhost:8080\n");
    let plan = home
        .load()
        .enable(
            "a",
            &Forward::loopback(8080, 8080),
            &ResolveContext::current_user(),
        )
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(plan.changes()[0].after()),
        "Host a\n  LocalForward 8080 localhost:8080\n"
    );
}

#[test]
fn a_plan_over_several_hosts_and_ports_is_one_change_per_file() {
    let home = Home::new(b"Host a\n  User u\n\nHost *\n  ServerAliveInterval 30\n");
    let set = home.load();
    let ctx = ResolveContext::new("me");
    let fwds = [Forward::loopback(1455, 1455), Forward::loopback(1457, 1457)];
    let plan = set
        .plan(sshcfg::Action::Enable, &["a", "b"], &fwds, &ctx)
        .unwrap();
    assert_eq!(plan.changes().len(), 1);
    assert_eq!(
        String::from_utf8_lossy(plan.changes()[0].after()),
        "Host a\n  User u\n  LocalForward 1455 localhost:1455\n  LocalForward 1457 localhost:1457\n\n\
         Host b\n  LocalForward 1455 localhost:1455\n  LocalForward 1457 localhost:1457\n\n\
         Host *\n  ServerAliveInterval 30\n"
    );
    assert_eq!(
        plan.changes()[0].before(),
        std::fs::read(home.config()).unwrap()
    );
    // Applying the combined plan in memory gives what reading the new bytes gives.
    let after = set.with_plan(&plan);
    for h in ["a", "b"] {
        for p in [1455, 1457] {
            assert!(
                after.resolve(h, &ctx).loopback_tunnel(p, p).is_ok(),
                "{h} {p}"
            );
        }
    }
    let undo = after
        .plan(sshcfg::Action::Disable, &["a", "b"], &fwds, &ctx)
        .unwrap();
    assert_eq!(undo.changes()[0].after(), plan.changes()[0].before());
}

/// `ConfigSet::plan` over several hosts and ports is enable (or disable) after enable, applied
/// one after the other with `with_plan`, on every fixture: the same steps and the same bytes,
/// and refused exactly when one of them is.
#[test]
fn plan_is_one_edit_after_the_other() {
    let ctx = ResolveContext::new("me");
    let fwds = [Forward::loopback(1455, 1455), Forward::loopback(1457, 1457)];
    for path in files_under(&fixtures().join("flat")) {
        let home = Home::new(&std::fs::read(&path).unwrap());
        let set = home.load();
        let mut hosts = hosts_for(&set);
        hosts.truncate(5);
        for action in [sshcfg::Action::Enable, sshcfg::Action::Disable] {
            let mut cur = set.clone();
            let mut steps: Vec<sshcfg::Step> = Vec::new();
            let mut refused = false;
            'all: for host in &hosts {
                for f in &fwds {
                    let plan = match action {
                        sshcfg::Action::Enable => cur.enable(host, f, &ctx),
                        sshcfg::Action::Disable => cur.disable(host, f, &ctx),
                    };
                    match plan {
                        Ok(p) => {
                            steps.extend(p.steps().iter().cloned());
                            cur = cur.with_plan(&p);
                        }
                        Err(_) => {
                            refused = true;
                            break 'all;
                        }
                    }
                }
            }
            let got = set.plan(action, &hosts, &fwds, &ctx);
            assert_eq!(got.is_err(), refused, "{}", path.display());
            let Ok(plan) = got else { continue };
            crate::common::assert_unchanged_is_shared(&plan);
            assert_eq!(plan.steps(), steps.as_slice(), "{}", path.display());
            for (n, f) in cur.files().iter().enumerate() {
                let changed = plan.changes().iter().find(|c| c.file().index() == n);
                let after = changed.map_or(set.files()[n].doc.as_bytes(), |c| c.after());
                assert_eq!(after, f.doc.as_bytes(), "{}", path.display());
            }
        }
    }
}

/// A request refused only once the run's earlier changes are made is refused as such: `A`,
/// whose final pass (for the name `a`) reads the `Host a` block this run adds for `a`, where
/// `GatewayPorts yes` opens that block's forward to the network. Its reason's lines are those
/// of a config no file holds, so it is not handed over as if they were the files' (the CLI
/// named them in the files as they are, past their last line, and panicked).
#[test]
fn a_refusal_that_comes_of_the_earlier_changes_says_so() {
    let home = Home::new(b"Host !a *\n  GatewayPorts yes\nMatch final\n");
    let set = home.load();
    let ctx = ResolveContext::new("me");
    let fwd = [Forward::loopback(1455, 1455)];
    // As the CLI asks: a `localhost` bind where `GatewayPorts yes` applies.
    let plan = |set: &sshcfg::ConfigSet, hosts: &[&str]| {
        set.plan_written(
            sshcfg::Action::Enable,
            hosts,
            &fwd,
            sshcfg::TunnelEnds::IPV4_LOOPBACK,
            &ctx,
            |r, f| {
                let mut w = f.clone();
                if let sshcfg::Listen::Port {
                    bind: bind @ None, ..
                } = &mut w.listen
                    && r.gateway_ports()
                {
                    *bind = Some("localhost".into());
                }
                w
            },
        )
    };
    assert!(plan(&set, &["a"]).is_ok());
    assert!(plan(&set, &["A"]).is_ok());
    match plan(&set, &["a", "A"]) {
        Err(e @ sshcfg::EditError::AfterEarlier { .. }) => {
            let sshcfg::EditError::AfterEarlier {
                host,
                earlier,
                reason,
            } = &e
            else {
                unreachable!()
            };
            assert_eq!((host.as_str(), &earlier[..]), ("A", &["a".to_string()][..]));
            // (The reason names a line of the `Host a` block the earlier change adds.)
            let lines = set.files()[0].doc.line_count();
            assert!(
                reason.loc().is_some_and(|l| l.index() >= lines),
                "{reason:?}"
            );
            assert!(
                e.to_string().ends_with("(once the change for a is made)"),
                "{e}"
            );
        }
        other => panic!("{other:?}"),
    }
    // Made on its own first, the second is refused with the lines of the file as it then is.
    let after = set.with_plan(&plan(&set, &["a"]).unwrap());
    let e = plan(&after, &["A"]).unwrap_err();
    assert!(
        !matches!(e, sshcfg::EditError::AfterEarlier { .. }),
        "{e:?}"
    );
}

#[test]
fn a_remote_forward_of_the_remote_port_is_refused_not_enabled() {
    // sshd listens on the remote's 1455 for it, so a server there cannot (Codex moves to 1457).
    given(b"Host a\n  RemoteForward 1455 localhost:1455\n")
        .enable("a")
        .fails_with(
            "CONFIG:2: RemoteForward 1455 localhost:1455 applies to a and takes remote port 1455",
        );
    // Another remote port, or ClearAllForwardings for another host, does not matter.
    given(b"Host a\n  RemoteForward 8022 localhost:22\n")
        .enable("a")
        .produces(&format!(
            "Host a\n  RemoteForward 8022 localhost:22\n  {FWD}\n"
        ));
    let home = Home::new(b"Host a\n  LocalForward 1455 localhost:1455\n  RemoteForward [localhost]:1455 localhost:22\n");
    let r = home.load().resolve("a", &ResolveContext::current_user());
    assert_eq!(
        r.loopback_tunnel(1455, 1455).unwrap_err().code(),
        "remote-port-taken"
    );
}

#[test]
fn what_needs_a_command_or_dns_is_noted_where_enable_decides() {
    let home = Home::new(b"Host a\n  User u\nMatch exec \"false\"\n  ClearAllForwardings yes\n");
    let plan = home
        .load()
        .enable(
            "a",
            &Forward::loopback(1455, 1455),
            &ResolveContext::current_user(),
        )
        .unwrap();
    assert!(
        plan.steps().iter().any(|s| matches!(s,
            sshcfg::Step::NotEvaluated { what: sshcfg::Undecided::MatchCriterion { name, negated: false }, .. } if name == "exec"
        )),
        "{:?}",
        plan.steps()
    );
    let home = Home::new(
        b"CanonicalizeHostname always\nCanonicalDomains corp.example\nHost *.corp.example\n  ClearAllForwardings yes\n",
    );
    let r = home.load().resolve("a", &ResolveContext::current_user());
    assert!(
        r.not_evaluated.iter().any(|n| matches!(&n.what,
            sshcfg::Undecided::Canonicalization { value, domains }
                if value == "always" && domains.value == "corp.example" && domains.loc.line() == 2
        )),
        "{:?}",
        r.not_evaluated
    );
    // Without CanonicalDomains ssh has no suffix to try: nothing is left undecided.
    let home = Home::new(b"CanonicalizeHostname always\nHost a\n  User u\n");
    let r = home.load().resolve("a", &ResolveContext::current_user());
    assert!(r.not_evaluated.is_empty(), "{:?}", r.not_evaluated);
}

/// A shared `[::1]` forward of the port does not stand in the way of this host's own
/// `127.0.0.1` one, which comes first in `ssh -G` order and carries the browser's redirect:
/// ssh binds both, so enable has nothing to do (status calls it enabled, doctor clean). With a
/// second own line that carries nothing, the shared one is still refused, as before.
#[test]
fn own_ipv4_forward_beside_a_shared_v6_one_is_already_enabled() {
    let text = "Host a\n    LocalForward 127.0.0.1:1455 localhost:1455\nHost *\n    LocalForward [::1]:1455 localhost:1455\n";
    given(text).enable("a").unchanged();
    given("Host a\n    LocalForward [::1]:1455 localhost:1455\n    LocalForward 127.0.0.1:1455 localhost:1455\nHost *\n    LocalForward [::1]:1455 localhost:1455\n")
        .enable("a")
        .fails_with("CONFIG:5: LocalForward [::1]:1455 localhost:1455 also listens on local port 1455 for a [block `Host *` at CONFIG:4]");
}

/// `plan_written` enables each forward in the form the caller derives from the host's
/// resolution (here a `localhost` bind where `GatewayPorts yes` would open the port to the
/// network), resolving each host once for both; the result is what `plan_each` gives for the
/// forms written out by hand.
#[test]
fn plan_written_gives_each_host_its_own_form() {
    let set = Home::new(b"Host a\n  GatewayPorts yes\nHost b\n  User u\n").load();
    let ctx = ResolveContext::new("me");
    let fwds = [Forward::loopback(1455, 1455), Forward::loopback(1457, 1457)];
    let calls = std::cell::RefCell::new(Vec::new());
    let written = |r: &sshcfg::Resolution, f: &Forward| {
        calls.borrow_mut().push(r.host.clone());
        let mut w = f.clone();
        if let sshcfg::Listen::Port {
            bind: bind @ None, ..
        } = &mut w.listen
            && r.gateway_ports()
        {
            *bind = Some("localhost".into());
        }
        w
    };
    let plan = set
        .plan_written(
            sshcfg::Action::Enable,
            &["a", "b"],
            &fwds,
            sshcfg::TunnelEnds::IPV4_LOOPBACK,
            &ctx,
            written,
        )
        .unwrap();
    assert_eq!(*calls.borrow(), ["a", "a", "b", "b"]);
    let by_hand: Vec<(&str, Forward)> = ["a", "b"]
        .iter()
        .flat_map(|h| {
            let r = set.resolve(h, &ctx);
            fwds.iter().map(move |f| (*h, written(&r, f)))
        })
        .collect();
    let each = set
        .plan_each(
            sshcfg::Action::Enable,
            &by_hand,
            sshcfg::TunnelEnds::IPV4_LOOPBACK,
            &ctx,
        )
        .unwrap();
    let after = String::from_utf8(plan.changes()[0].after().to_vec()).unwrap();
    assert_eq!(
        after,
        String::from_utf8(each.changes()[0].after().to_vec()).unwrap()
    );
    assert_eq!(
        after,
        "Host a\n  GatewayPorts yes\n  LocalForward localhost:1455 localhost:1455\n  LocalForward localhost:1457 localhost:1457\nHost b\n  User u\n  LocalForward 1455 localhost:1455\n  LocalForward 1457 localhost:1457\n"
    );
}
