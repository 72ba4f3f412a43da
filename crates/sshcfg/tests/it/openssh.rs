//! Differential tests: OpenSSH's `ssh -G` is the judge of resolution and of every edit.

use crate::common::*;
use sshcfg::{Forward, ResolveContext};

/// Every fixture config that `ssh -G` may read (none with `Match exec`), with how to set it up.
fn cases() -> Vec<(String, Home)> {
    let mut out = Vec::new();
    for dir in ["flat", "corpus"] {
        for f in files_under(&fixtures().join(dir)) {
            if f.extension().is_none_or(|e| e != "conf") {
                continue;
            }
            let bytes = std::fs::read(&f).unwrap();
            assert!(!has_match_exec(&bytes) || dir == "corpus");
            if has_match_exec(&bytes) {
                continue;
            }
            out.push((f.display().to_string(), Home::new(&bytes)));
        }
    }
    out.push((
        "include_tree".into(),
        Home::copy_of(&fixtures().join("include_tree")),
    ));
    out
}

#[test]
fn resolution_matches_ssh_g_on_every_fixture() {
    if !need_ssh("resolution_matches_ssh_g_on_every_fixture") {
        return;
    }
    let ctx = ResolveContext::current_user();
    let mut compared = 0;
    for (name, home) in cases() {
        let set = home.load();
        for host in hosts_for(&set) {
            let Some(g) = home.ssh_g(&host) else { continue };
            let ours = set.resolve(&host, &ctx);
            assert_eq!(
                our_localforwards(&ours),
                localforwards(&g),
                "{name}: host {host}"
            );
            compared += 1;
        }
    }
    assert!(compared > 100, "only {compared} comparisons");
}

/// After `enable`, `ssh -G HOST` gains exactly the forward and every other host's output is
/// unchanged; after `disable`, the bytes are the original.
#[test]
fn enable_changes_only_the_host_and_disable_restores_bytes() {
    if !need_ssh("enable_changes_only_the_host_and_disable_restores_bytes") {
        return;
    }
    let ctx = ResolveContext::current_user();
    let fwd = Forward::loopback(1455, 1455);
    let line = "localforward 1455 [localhost]:1455".to_string();
    let mut edits = 0;
    for (name, home) in cases() {
        let set = home.load();
        let hosts = hosts_for(&set);
        let before: Vec<Option<Vec<String>>> = hosts.iter().map(|h| home.ssh_g(h)).collect();
        if before.iter().all(Option::is_none) {
            continue; // ssh rejects this config; covered by the round-trip tests
        }
        let originals: Vec<(std::path::PathBuf, Vec<u8>)> = set
            .files()
            .iter()
            .map(|f| (f.path.clone(), f.doc.as_bytes().to_vec()))
            .collect();
        for (i, host) in hosts.iter().enumerate() {
            let set = home.load();
            let plan = match set.enable(host, &fwd, &ctx) {
                Ok(p) => p,
                Err(e) => {
                    // Only ClearAllForwardings, or a change that would reach another host, may
                    // stop enable.
                    assert!(
                        matches!(
                            e,
                            sshcfg::EditError::ClearAllForwardings { .. }
                                | sshcfg::EditError::AlsoChanges { .. }
                        ),
                        "{name} {host}: {e}"
                    );
                    continue;
                }
            };
            home.write_plan(&plan);
            let final_pass = set.resolve(host, &ctx).final_pass;
            for (j, other) in hosts.iter().enumerate() {
                // With a final pass OpenSSH matches Host lines against the lowercased name, so
                // names that differ only in letter case reach the same blocks: that is ssh's
                // rule, not something an edit can avoid (see README, "Choices").
                if j != i && final_pass && other.eq_ignore_ascii_case(host) {
                    continue;
                }
                let after = home.ssh_g(other);
                if j == i && plan.is_change() {
                    let mut want = before[j].clone().expect("ssh -G before");
                    let after = after.expect("ssh -G after");
                    assert!(!want.contains(&line), "{name} {host}");
                    // The new forward is the only difference (its place in the list may vary).
                    want.push(line.clone());
                    let mut got = after.clone();
                    want.sort();
                    got.sort();
                    assert_eq!(got, want, "{name}: enable {host}");
                } else {
                    assert_eq!(after, before[j], "{name}: enable {host} changed {other}");
                }
            }
            if plan.is_change() {
                edits += 1;
                let set2 = home.load();
                let undo = set2
                    .disable(host, &fwd, &ctx)
                    .expect("disable after enable");
                home.write_plan(&undo);
                for (path, bytes) in &originals {
                    assert_eq!(
                        &std::fs::read(path).unwrap(),
                        bytes,
                        "{name}: enable+disable {host} changed {}",
                        path.display()
                    );
                }
            }
        }
    }
    assert!(edits > 50, "only {edits} edits checked");
}

/// Unknown keywords: our diagnostics, judged as the installed ssh reads configs (its release and
/// build), name exactly the lines `ssh -G` calls "Bad configuration option" (including a BOM,
/// shown as octal escapes, and macOS-only options such as `UseKeychain`).
#[test]
fn unknown_keywords_are_reported_as_ssh_g_reports_them() {
    if !need_ssh("unknown_keywords_are_reported_as_ssh_g_reports_them") {
        return;
    }
    let version = installed_version();
    let mut with_errors = 0;
    for (name, home) in cases() {
        let out = std::process::Command::new("ssh")
            .arg("-G")
            .arg("-F")
            .arg(home.config())
            .arg("corpus-probe-host")
            .env("HOME", home.path())
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let mut theirs: Vec<(usize, String)> = stderr
            .lines()
            .filter_map(|l| {
                let (_, rest) = l.split_once(": line ")?;
                let (n, msg) = rest.split_once(": ")?;
                msg.starts_with("Bad configuration option")
                    .then(|| (n.parse().unwrap(), msg.to_string()))
            })
            .collect();
        let doc = sshcfg::Document::parse(std::fs::read(home.config()).unwrap());
        let mut ours: Vec<(usize, String)> = doc
            .diagnostics_for(version)
            .into_iter()
            .filter(|d| d.message.starts_with("Bad configuration option"))
            .map(|d| (d.line, d.message))
            .collect();
        theirs.sort();
        ours.sort();
        assert_eq!(ours, theirs, "{name}");
        with_errors += usize::from(!theirs.is_empty());
    }
    assert!(with_errors >= 6, "{with_errors}");
}

/// Every letter-case spelling of a word: lower, UPPER, Capitalised and aLtErNaTiNg.
fn spellings(word: &str) -> Vec<String> {
    let alt: String = word
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if i % 2 == 1 {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect();
    let mut cap = word.to_string();
    cap[..1].make_ascii_uppercase();
    let mut v = vec![word.to_string(), word.to_ascii_uppercase(), cap, alt];
    v.dedup();
    v
}

/// The typed options read every value as `ssh -G` prints it, and reject what ssh rejects with
/// ssh's own message.
#[test]
fn typed_options_read_every_spelling_as_ssh_g() {
    if !need_ssh("typed_options_read_every_spelling_as_ssh_g") {
        return;
    }
    let ctx = ResolveContext::current_user();
    let words = [
        "yes", "no", "true", "false", "ask", "auto", "autoask", "0", "1", "10m", "1h30m", "-1",
        "maybe", "on",
    ];
    let mut checked = 0;
    for kw in [
        "ClearAllForwardings",
        "GatewayPorts",
        "ExitOnForwardFailure",
        "ControlMaster",
        "ControlPersist",
    ] {
        for value in words.iter().flat_map(|w| spellings(w)) {
            let home = Home::new(format!("Host h\n  {kw} {value}\n").as_bytes());
            let set = home.load();
            let ours = set.resolve("h", &ctx);
            let diags = set.main().doc.diagnostics();
            let lower = kw.to_ascii_lowercase();
            let ours_printed = match kw {
                "ClearAllForwardings" => ours
                    .get::<sshcfg::setting::ClearAllForwardings>()
                    .map(|v| v.value.to_string()),
                "GatewayPorts" => ours
                    .get::<sshcfg::setting::GatewayPorts>()
                    .map(|v| v.value.to_string()),
                "ExitOnForwardFailure" => ours
                    .get::<sshcfg::setting::ExitOnForwardFailure>()
                    .map(|v| v.value.to_string()),
                "ControlMaster" => ours
                    .get::<sshcfg::setting::ControlMaster>()
                    .map(|v| v.value.to_string()),
                _ => ours
                    .get::<sshcfg::setting::ControlPersist>()
                    .map(|v| v.value.to_string()),
            };
            match home.ssh_g("h") {
                Some(g) => {
                    let theirs = g
                        .iter()
                        .find_map(|l| l.strip_prefix(&format!("{lower} ")))
                        .map(str::to_string);
                    assert_eq!(ours_printed, theirs, "{kw} {value}");
                    assert!(diags.is_empty(), "{kw} {value}: {diags:?}");
                }
                None => {
                    let err = home.ssh_g_error("h");
                    assert_eq!(ours_printed, None, "{kw} {value}");
                    assert_eq!(diags.len(), 1, "{kw} {value}");
                    assert!(
                        err.contains(&format!("line 2: {}", diags[0].message)),
                        "{kw} {value}: ssh says {err:?}, we say {:?}",
                        diags[0].message
                    );
                }
            }
            checked += 1;
        }
    }
    assert!(checked > 200, "{checked}");
}

/// Lines ssh refuses, in a block that does not apply: ssh stops all the same, with the message
/// our diagnostics give; lines it accepts give none.
#[test]
fn rejected_lines_are_reported_with_ssh_s_message() {
    if !need_ssh("rejected_lines_are_reported_with_ssh_s_message") {
        return;
    }
    for line in [
        "LocalForward 1455 localhost:1455:1",
        "LocalForward 1455 localhost:1455#x",
        "LocalForward 1455 localhost:abc",
        "LocalForward 1455 localhost:0x10",
        "LocalForward 1455 a:b:c",
        "LocalForward ssh localhost:1455",
        "DynamicForward 0",
        "DynamicForward 1455:x",
        "DynamicForward 1455 x",
        "User u v",
        "HostName a b",
        "Port abc",
        "Port 0",
        "Port 22 x",
        "Port +22",
        "IgnoreUnknown NoSuchThing\n  NOSUCHTHING 1",
    ] {
        let home = Home::new(format!("Host elsewhere\n  {line}\n").as_bytes());
        let diags = home.load().main().doc.diagnostics();
        agrees_with_ssh_g(&home, &diags, line);
    }
}

/// `CanonicalizeHostname` in every spelling ssh reads: `no` and `false` (any case) leave the
/// config read once, so a block that matches only the `HostName` does not apply; `yes`, `true`
/// and `always` read it again for that name (here with no `CanonicalDomains`: no lookup).
#[test]
fn canonicalize_hostname_false_means_no_final_pass() {
    if !need_ssh("canonicalize_hostname_false_means_no_final_pass") {
        return;
    }
    let ctx = ResolveContext::current_user();
    for v in [
        "no", "No", "false", "FALSE", "yes", "True", "always", "ALWAYS",
    ] {
        let text = format!(
            "CanonicalizeHostname {v}\nHost h\n  HostName srv\nHost srv\n  ClearAllForwardings yes\nHost h\n  LocalForward 1455 localhost:1455\n"
        );
        let home = Home::new(text.as_bytes());
        let g = home.ssh_g("h").expect("ssh -G accepts it");
        let r = home.load().resolve("h", &ctx);
        assert_eq!(localforwards(&g), our_localforwards(&r), "{v}");
        assert_eq!(
            g.iter().any(|l| l == "clearallforwardings yes"),
            r.clears_forwardings(),
            "{v}"
        );
        let off = v.eq_ignore_ascii_case("no") || v.eq_ignore_ascii_case("false");
        assert_eq!(r.final_pass, !off, "{v}");
    }
}

/// Keywords and `Match` criteria newer than the installed OpenSSH: with its version (`ssh -V`),
/// the diagnostics refuse exactly what it refuses, with its message.
#[test]
fn newer_keywords_are_judged_by_the_installed_version() {
    if !need_ssh("newer_keywords_are_judged_by_the_installed_version") {
        return;
    }
    let out = std::process::Command::new("ssh")
        .arg("-V")
        .output()
        .unwrap();
    let version = sshcfg::OpenSshVersion::from_ssh_v(&String::from_utf8_lossy(&out.stderr));
    assert!(version.is_some(), "ssh -V: {out:?}");
    let mut refused = 0;
    for line in [
        "Host x\n  Tag foo",
        "Host x\n  ObscureKeystrokeTiming no",
        "Host x\n  ChannelTimeout session=1m",
        "Host x\n  RefuseConnection no",
        "Host x\n  WarnWeakCrypto no",
        "Host x\n  EnableEscapeCommandline no",
        "Host x\n  RequiredRSASize 2048",
        "Host x\n  SessionType default",
        "Match tagged x",
        "Match localnetwork 10.0.0.0/8",
        "Match version 9",
        "Match sessiontype default",
        "Match command x",
        "Match host version",
        // Algorithms some releases know and others do not (added in 9.9; removed in 8.5;
        // DSA, off by default from 9.8), and one in every release.
        "Host x\n  KexAlgorithms mlkem768x25519-sha256",
        "Host x\n  KexAlgorithms +curve25519-sha256,mlkem768x25519-sha256",
        "Host x\n  Ciphers rijndael-cbc@lysator.liu.se",
        "Host x\n  HostKeyAlgorithms +ssh-dss",
        "Host x\n  PubkeyAcceptedAlgorithms ssh-dss-cert-v01@openssh.com,ssh-ed25519",
        "Host x\n  CASignatureAlgorithms \"+ssh-dss\"",
        "Host x\n  HostbasedAcceptedAlgorithms ssh-d*",
        "Host x\n  KexAlgorithms sntrup761x25519-sha512@openssh.com",
        "Host x\n  KexAlgorithms mlkem768nistp256-sha256",
        "Host x\n  HostKeyAlgorithms webauthn-sk-ecdsa-sha2-nistp256-cert-v01@openssh.com",
    ] {
        let home = Home::new(format!("Host h\n  User u\n{line}\n  User v\n").as_bytes());
        let diags: Vec<_> = home
            .load()
            .main()
            .doc
            .diagnostics_for(version)
            .into_iter()
            .filter(|d| d.rejects_config())
            .collect();
        if !agrees_with_ssh_g(&home, &diags, line) {
            refused += 1;
        }
    }
    // On OpenSSH 9.2 (this project's machines) the newer ones are refused.
    if version.is_some_and(|v| (v.major, v.minor) < (9, 4)) {
        assert!(refused >= 8, "{refused}");
    }
}

/// `ssh -G h` accepts the config exactly when `diags` has nothing, and otherwise prints the one
/// diagnostic's line and message. Returns whether ssh accepted it.
fn agrees_with_ssh_g(home: &Home, diags: &[sshcfg::Diagnostic], what: &str) -> bool {
    if home.ssh_g("h").is_some() {
        assert!(diags.is_empty(), "{what}: {diags:?}");
        return true;
    }
    let err = home.ssh_g_error("h");
    assert_eq!(diags.len(), 1, "{what}: ssh says {err}");
    // Most messages carry the line; match_cfg_line's come first on their own, the line after
    // them with "Bad Match condition".
    let (line, message) = (diags[0].line, &diags[0].message);
    assert!(
        err.contains(&format!("line {line}: {message}"))
            || (err.lines().any(|l| l.trim_end() == message)
                && err.contains(&format!("line {line}: Bad Match condition"))),
        "{what}: ssh says {err:?}, we say {message:?}"
    );
    false
}

/// `RemoteForward` listening ports and `AddressFamily`, as `ssh -G` prints them (`remoteforward
/// LISTEN TARGET`, `addressfamily inet6`), for the spellings the listener model reads.
#[test]
fn remote_forwards_and_address_family_match_ssh_g() {
    if !need_ssh("remote_forwards_and_address_family_match_ssh_g") {
        return;
    }
    let ctx = ResolveContext::current_user();
    let text = b"Host a\n  RemoteForward 1455 localhost:1455\n  RemoteForward [127.0.0.1]:8022 localhost:22\n  RemoteForward 1080\n  RemoteForward localhost:9000 /tmp/s\n  AddressFamily Inet6\nHost b\n  RemoteForward=+01457 localhost:1457\n  ClearAllForwardings yes\nHost *\n  RemoteForward 1455 localhost:1455\n  AddressFamily INET\n";
    let home = Home::new(text);
    let set = home.load();
    for host in ["a", "b", "c"] {
        let g = home.ssh_g(host).expect("ssh -G accepts it");
        let theirs: Vec<u16> = g
            .iter()
            .filter_map(|l| l.strip_prefix("remoteforward "))
            .map(|l| {
                let listen = l.split(' ').next().unwrap();
                listen.rsplit(':').next().unwrap().parse().unwrap()
            })
            .collect();
        let r = set.resolve(host, &ctx);
        let mut ours: Vec<u16> = r
            .remote_listeners
            .iter()
            .filter_map(|l| match &l.value {
                sshcfg::Listen::Port { port, .. } => Some(*port),
                sshcfg::Listen::Path(_) => None,
            })
            .collect();
        // ssh merges identical remote forwards (here: the same line in two blocks).
        let mut seen = Vec::new();
        ours.retain(|p| {
            let new = !seen.contains(p);
            seen.push(*p);
            new
        });
        assert_eq!(ours, theirs, "{host}");
        let family = g
            .iter()
            .find_map(|l| l.strip_prefix("addressfamily "))
            .unwrap();
        let want = match family {
            "inet" => sshcfg::AddressFamily::Inet,
            "inet6" => sshcfg::AddressFamily::Inet6,
            _ => sshcfg::AddressFamily::Any,
        };
        assert_eq!(
            r.get::<sshcfg::setting::AddressFamily>()
                .map_or(sshcfg::AddressFamily::Any, |f| f.value),
            want,
            "{host}"
        );
    }
}

/// Unix-socket forwards as `ssh -G` prints them: `%` tokens expanded for the host, and
/// `${VAR}` from the environment.
#[test]
fn socket_forward_paths_are_expanded_as_ssh_g_prints_them() {
    if !need_ssh("socket_forward_paths_are_expanded_as_ssh_g_prints_them") {
        return;
    }
    let home = Home::new(
        b"Host *\n  HostName real.%h\n  User bob\n  Port 2222\n  LocalForward /tmp/%h-%r-%p-%n-%u-%%.sock /tmp/x.sock\n  LocalForward ${CARGO_MANIFEST_DIR}/a.sock localhost:1455\n",
    );
    let set = home.load();
    let ours = set.resolve("MyHost", &ResolveContext::current_user());
    let g = home.ssh_g("MyHost").expect("ssh -G reads it");
    assert_eq!(our_localforwards(&ours), localforwards(&g));
    assert_eq!(ours.forwards.len(), 2);
    assert!(
        ours.forwards[0]
            .forward
            .to_string()
            .starts_with("/tmp/real.myhost-bob-2222-MyHost-")
    );
}

/// The tokens of socket paths that come from the system and the other options, as `ssh -G`
/// prints them: `%C` (the SHA-1 of `%l%h%p%r`, and from 9.6 the jump host), `%l`/`%L` (this
/// machine's name, and its first label), `%i` (the user id), `%d` (the home in the password
/// database, not `$HOME`), `%k` (`HostKeyAlias` lowercased, or the host as given). With a
/// `ProxyJump` and a release that puts the jump host in `%C`, `%C` is left as written.
#[test]
fn socket_path_tokens_of_the_system_are_expanded_as_ssh_g_prints_them() {
    if !need_ssh("socket_path_tokens_of_the_system_are_expanded_as_ssh_g_prints_them") {
        return;
    }
    let installed = ResolveContext::current_user().with_openssh(installed_version());
    for (config, host) in [
        (
            &b"Host a\n  HostKeyAlias FOO.Bar\n  User Bob\n  Port 2222\n  HostName Ex.COM\n  LocalForward /tmp/%C.%l.%L.%i.%d.%k.%h.%r.%p /tmp/%k\n"[..],
            "a",
        ),
        (b"Host *\n  LocalForward /tmp/%k.%n.%C /tmp/y\n", "MyHost"),
        (
            b"Host *\n  ProxyJump none\n  LocalForward /tmp/%C /tmp/y\n",
            "j1",
        ),
        (
            b"Host *\n  ProxyCommand none\n  ProxyJump b\n  LocalForward /tmp/%C /tmp/y\n",
            "j2",
        ),
        (
            b"Host *\n  ProxyJump b\n  RemoteForward /tmp/%C /tmp/%l\n  LocalForward /tmp/%C /tmp/y\n",
            "j3",
        ),
    ] {
        let home = Home::new(config);
        let g = home.ssh_g(host).expect("ssh -G reads it");
        let ours = home.load().resolve(host, &installed);
        let text = String::from_utf8_lossy(config);
        assert!(ours.errors.is_empty(), "{text}: {:?}", ours.errors);
        assert_eq!(our_localforwards(&ours), localforwards(&g), "{text}");
        assert!(!our_localforwards(&ours)[0].contains('%'), "{text}");
        // The newest release puts the jump host in `%C`: with a `ProxyJump` naming one, it
        // is left as written.
        let newest = home.load().resolve(host, &ResolveContext::current_user());
        assert_eq!(
            our_localforwards(&newest)[0].contains("%C"),
            host == "j3",
            "{text}"
        );
    }
}

/// `%j` (OpenSSH 9.6) in a socket path is the jump host: empty without one, left as written
/// when a `ProxyJump` names one; a release before 9.6 refuses the host.
#[test]
fn percent_j_in_a_socket_path_is_the_jump_host() {
    let v = |major, minor| {
        ResolveContext::current_user().with_openssh(Some(sshcfg::OpenSshVersion::new(major, minor)))
    };
    for (config, want) in [
        (&b"Host *\n  LocalForward /tmp/x%jy /tmp/y\n"[..], "/tmp/xy"),
        (
            b"Host *\n  ProxyJump NONE\n  LocalForward /tmp/x%jy /tmp/y\n",
            "/tmp/xy",
        ),
        (
            b"Host *\n  ProxyJump b\n  LocalForward /tmp/x%jy /tmp/y\n",
            "/tmp/x%jy",
        ),
    ] {
        let home = Home::new(config);
        let text = String::from_utf8_lossy(config);
        for ctx in [v(9, 6), ResolveContext::current_user()] {
            let r = home.load().resolve("h", &ctx);
            assert!(r.errors.is_empty(), "{text}");
            assert_eq!(
                our_localforwards(&r),
                [format!("localforward {want} /tmp/y")],
                "{text}"
            );
        }
        let r = home.load().resolve("h", &v(9, 2));
        assert!(
            r.errors
                .iter()
                .any(|e| e.message.contains("unknown key %j")),
            "{text}"
        );
    }
}

/// `Include` patterns are read as glob(3) reads them: a backslash quotes the next character
/// (in brackets too; one that ends the pattern is itself), and the files a pattern names are
/// read in the byte order of their whole paths.
#[test]
fn include_patterns_are_globbed_as_glob_3_globs_them() {
    if !need_ssh("include_patterns_are_globbed_as_glob_3_globs_them") {
        return;
    }
    let home = Home::new(b"");
    let d = home.path().join("inc");
    // Each file forwards its own port, so the forwards ssh -G lists say which files it read,
    // in which order.
    for (k, name) in ["xy", "x\\y", "x\\", "x", "s*", "sa", "a/c", "a-b/c"]
        .iter()
        .enumerate()
    {
        let f = d.join(name);
        std::fs::create_dir_all(f.parent().unwrap()).unwrap();
        std::fs::write(&f, format!("LocalForward {} localhost:22\n", 2000 + k)).unwrap();
    }
    let ctx = ResolveContext::current_user();
    for pattern in [
        r"x\y",
        r"x\\y",
        r#""x\\y""#,
        r"s\*",
        r"s*",
        r"*/c",
        r"[x]\y",
        r"x[\y]",
        r"x\",
        r"[]x]",
        r"[!]a]y",
        r"\[x]",
    ] {
        let include = if let Some(quoted) = pattern.strip_prefix('"') {
            format!("Include \"{}/{quoted}\n", d.display())
        } else {
            format!("Include {}/{pattern}\n", d.display())
        };
        std::fs::write(home.config(), &include).unwrap();
        let g = home.ssh_g("h").expect("ssh -G reads it");
        let ours = home.load().resolve("h", &ctx);
        assert_eq!(our_localforwards(&ours), localforwards(&g), "{include}");
    }
}

/// A directory an `Include` names is no config (ssh reads no line from it) but is in the set's
/// included directories, once, with the first line that names it, so its owner and mode can be
/// checked as ssh checks them. (On Windows the path starts with a drive letter: absolute, as
/// OpenSSH for Windows reads it.)
#[test]
fn an_included_directory_is_listed_once_with_its_include_line() {
    let home = Home::new(b"");
    let d = home.path().join("conf.d");
    std::fs::create_dir_all(d.join("old")).unwrap();
    std::fs::write(d.join("a.conf"), b"Host a\n  User u\n").unwrap();
    std::fs::write(
        home.config(),
        format!(
            "Host b\n  User v\nInclude {0}\nInclude {0}/*\n",
            d.display()
        ),
    )
    .unwrap();
    let set = home.load();
    let dirs: Vec<_> = set
        .included_dirs()
        .iter()
        .map(|x| (x.path.clone(), set.place(x.from).to_string()))
        .collect();
    let at = |line| format!("{}:{line}", home.config().display());
    assert_eq!(dirs, [(d.clone(), at(3)), (d.join("old"), at(4))]);
    assert_eq!(set.files().len(), 2, "the main file and conf.d/a.conf");
}

/// ssh.c makes the host name the one the final pass reads the files with before that pass, so
/// a `HostName` in it has no effect and the name `ssh -G` prints is that one (`%h` expanded,
/// lowercased); the host's options follow.
#[test]
fn a_final_pass_keeps_the_host_name_it_was_read_with() {
    if !need_ssh("a_final_pass_keeps_the_host_name_it_was_read_with") {
        return;
    }
    let ctx = ResolveContext::current_user();
    // The name is kept as written; `ssh -G` prints it expanded and lowercased.
    for config in [
        "Match final\n  HostName zzz\n",
        "Match final\n  HostName zzz\nHost zzz\n  User zu\n",
        "Match canonical\n  HostName zzz\nMatch final\n",
        "Host h1\n  HostName FOO.%h\nMatch final\n",
        "Host h1\n  HostName a%%b\nMatch final\n",
        "Host h1\n  HostName Real.Example\nMatch final\n  HostName other\nHost real.example\n  User ru\n",
        "Host h1\n  HostName Real.Example\nHost real.example\n  User ru\n",
        "CanonicalizeHostname yes\nHost h1\n  HostName B.example\nHost b.example\n  HostName c\n  User bu\n",
    ] {
        let home = Home::new(config.as_bytes());
        let g = home.ssh_g("h1").expect(config);
        let want = |key: &str| {
            g.iter()
                .find_map(|l| l.strip_prefix(&format!("{key} ")).map(str::to_string))
        };
        let r = home.load().resolve("h1", &ctx);
        // ssh accepts each: no refusal (a `%%` expanded twice was one).
        assert!(r.errors.is_empty(), "{config}: {:?}", r.errors);
        let hostname = r
            .get::<sshcfg::setting::HostName>()
            .map_or("h1".to_string(), |h| {
                h.value.replace("%h", "h1").replace("%%", "%")
            });
        assert_eq!(
            Some(hostname.to_ascii_lowercase()),
            want("hostname"),
            "{config}"
        );
        let user = r.get::<sshcfg::setting::User>().map(|u| u.value.clone());
        if let Some(user) = user {
            assert_eq!(Some(user), want("user"), "{config}");
        } else {
            assert_ne!(want("user").as_deref(), Some("zu"), "{config}");
        }
    }
}

/// The name the final pass reads the files with is the one ssh.c makes: lowercased unless it is
/// or looks like an address (any `%` or `:`, or only digits and dots), and a numeric address
/// (`127.1`, `0x7f.1`, `FE80:0::1`, `fe80::1%1`) rewritten as getnameinfo prints it, for the
/// AddressFamily in force. `Host` and `Match final host` lines see that name; a socket path's
/// `%h` shows it; a ProxyJump to it is a loop.
#[test]
fn the_final_pass_reads_the_name_ssh_c_makes_of_an_address() {
    if !need_ssh("the_final_pass_reads_the_name_ssh_c_makes_of_an_address") {
        return;
    }
    let ctx = ResolveContext::current_user();
    // (host typed, HostName as written, AddressFamily, canonicalize instead of `Match final`)
    let mut cases: Vec<(&str, Option<&str>, &str, bool)> = [
        "127.1",
        "0x7f.1",
        "0X7F.1",
        "2130706433",
        "0177.0.0.1",
        "1.2.65535",
        "4294967296",
        "127.1.",
        "01.02.03.08",
        "0x",
        "FOO",
        "Foo.Example",
        "Foo:Bar",
        "FOO%%Bar",
        "FE80::1",
        "FE80:0::1",
        "1:0:0:1:0:0:0:1",
        "::FFFF:1.2.3.4",
        "fe80::1%%1",
        "FE80::A%%1",
        "FE80::1%%lo",
        "::1%%lo",
        "ff01::1%%lo",
        "fe80::1%%nosuch",
        "fe80::1%%0",
        "%h.Example",
    ]
    .into_iter()
    .map(|n| ("x", Some(n), "any", false))
    .collect();
    cases.extend([
        ("x", Some("::ffff:1.2.3.4"), "inet", false),
        ("x", Some("0X7F.1"), "inet", false),
        ("x", Some("0X7F.1"), "inet6", false),
        ("x", Some("127.1"), "inet6", false),
        ("x", Some("127.1"), "any", true),
        ("x", Some("Foo:Bar"), "any", true),
        ("x", Some("FOO"), "any", true),
        ("0X7F.1", None, "any", false),
        ("FE80:0::1", None, "any", false),
        ("Foo:Bar", None, "any", false),
    ]);
    for (host, hostname, family, canonicalize) in cases {
        let head = format!(
            "{}AddressFamily {family}\nLocalForward /tmp/%h.sock /tmp/t.sock\n{}",
            hostname.map_or(String::new(), |h| format!("HostName {h}\n")),
            if canonicalize {
                "CanonicalizeHostname yes\n"
            } else {
                "Match final\n"
            },
        );
        // Blocks for the name as written, lowercased, and as ssh prints it.
        let written = hostname.map_or(host.to_string(), |h| {
            h.replace("%%", "%").replace("%h", host)
        });
        let printed = Home::new(head.as_bytes())
            .ssh_g(host)
            .expect(&head)
            .iter()
            .find_map(|l| l.strip_prefix("hostname ").map(str::to_string))
            .unwrap();
        let mut names = vec![written.clone(), written.to_ascii_lowercase(), printed];
        names.sort();
        names.dedup();
        let mut config = head.clone();
        for (i, n) in names.iter().enumerate() {
            let port = 10000 + 10 * i;
            config += &format!(
                "Host \"{n}\"\n  LocalForward {port} localhost:{port}\nMatch final host \"{n}\"\n  LocalForward {} localhost:1\n",
                port + 1
            );
        }
        let home = Home::new(config.as_bytes());
        let g = home.ssh_g(host).expect(&config);
        let set = home.load();
        let r = set.resolve(host, &ctx);
        assert!(r.errors.is_empty(), "{config}: {:?}", r.errors);
        assert_eq!(our_localforwards(&r), localforwards(&g), "{host}: {config}");
        // The index reads the same blocks.
        let many = set.resolve_many(&[host], &ctx);
        assert_eq!(format!("{:?}", many[0]), format!("{r:?}"), "{config}");
    }
    // ssh.c compares the jump host with that name, made with the AddressFamily of the first
    // reading (one set in the final pass comes too late).
    for (config, refused) in [
        ("HostName 127.1\nProxyJump 127.0.0.1\n", true),
        (
            "HostName ::ffff:1.2.3.4\nProxyJump 1.2.3.4\nAddressFamily inet\n",
            true,
        ),
        (
            "HostName ::ffff:1.2.3.4\nProxyJump 1.2.3.4\nMatch final\n  AddressFamily inet\n",
            false,
        ),
    ] {
        let home = Home::new(config.as_bytes());
        let ssh_says = home.ssh_g_error("x");
        assert_eq!(home.ssh_g("x").is_none(), refused, "{config}: {ssh_says}");
        let r = home.load().resolve("x", &ctx);
        let ours: Vec<_> = r.errors.iter().map(|e| e.message.clone()).collect();
        if refused {
            assert_eq!(ours.len(), 1, "{config}");
            assert!(ssh_says.contains(&ours[0]), "{config}: {ssh_says}");
            assert!(ours[0].starts_with("jumphost loop via "), "{config}");
        } else {
            assert!(ours.is_empty(), "{config}: {ours:?}");
        }
    }
}

/// The line reported as refused is the first ssh reports: the files are read in order, an
/// Include's files where the Include stands, whatever the file list's order.
#[test]
fn the_refused_line_is_the_first_ssh_reads_through_includes() {
    if !need_ssh("the_refused_line_is_the_first_ssh_reads_through_includes") {
        return;
    }
    for (included, main) in [
        ("Match bogus\n", "Include {inc}\nMatch bogus9\n"),
        ("Port abc\n", "Include {inc}\nPort abd\n"),
        ("Port abc\n", "Port abd\nInclude {inc}\n"),
        ("User x\n", "Include {inc}\nMatch bogus9\n"),
        (
            "Host a\n  Port abc\n",
            "Host b\n  Include {inc}\nPort abd\n",
        ),
    ] {
        let home = Home::new(b"");
        let inc = home.path().join("inc.conf");
        std::fs::write(&inc, included).unwrap();
        let text = main.replace("{inc}", &inc.display().to_string());
        std::fs::write(home.config(), &text).unwrap();
        let err = home.ssh_g_error("h1");
        // ssh's first "FILE line N" (or "FILE: line N").
        let (file, line) =
            first_file_line(&err, |_| false).unwrap_or_else(|| panic!("{text}: {err}"));
        let set = home.load();
        let r = set.rejection().expect(&text);
        assert_eq!(
            (
                set.file(r.loc.file()).path.display().to_string(),
                r.loc.line()
            ),
            (file, line),
            "{text}"
        );
    }
}

/// A line with an unclosed quote is refused whatever its keyword (`argv_split` fails before
/// the keyword is looked at): the resolution's first error is the line ssh names, also for
/// keywords the walk does not record, and a clean config gives none.
#[test]
fn an_unclosed_quote_is_the_walk_s_error_whatever_the_keyword() {
    if !need_ssh("an_unclosed_quote_is_the_walk_s_error_whatever_the_keyword") {
        return;
    }
    let ctx = ResolveContext::current_user();
    for config in [
        "Host h1\n  ServerAliveInterval \"30\n  User u\n",
        "ServerAliveCountMax 3\nHost h1\n  User u\n  Compression 'yes\n",
        "Host h1\n  User \"u\n",
        "Host h1\n  LocalForward 1455 \"localhost:1455\n",
        "Host h1\n  SendEnv A\nHost *\n  ForwardAgent \"no\n",
        "Host h1\n  ServerAliveInterval \"30\"\n  User u\n",
    ] {
        let home = Home::new(config.as_bytes());
        let ssh = match home.ssh_g("h1") {
            Some(_) => None,
            None => first_file_line(&home.ssh_g_error("h1"), |_| false).map(|(_, n)| n),
        };
        let r = home.load().resolve("h1", &ctx);
        let ours = r.errors.first().map(|n| n.loc.line());
        assert_eq!(ours, ssh, "{config}: {:?}", r.errors);
    }
}

/// A `Match` line whose first criterion fails still asks for a final pass when a later word is
/// `final`, in any spelling ssh reads (`match_cfg_line` reads every word): the forward of the
/// `Match canonical` block (true in the final pass only; `canonical` asks for none) is the
/// host's, as `ssh -G` shows; a failing line without `final` leaves the host without it.
#[test]
fn a_failed_criterion_before_final_still_asks_for_a_final_pass() {
    if !need_ssh("a_failed_criterion_before_final_still_asks_for_a_final_pass") {
        return;
    }
    let ctx = ResolveContext::current_user();
    for first in [
        "Match host nomatch final",
        "Match host nomatch !FINAL",
        "Match host nomatch fi\"nal\"",
        "Match user nobody-here final",
        "Match host nomatch user x final",
        "Match host nomatch user x",
        "Match host nomatch",
    ] {
        let config =
            format!("{first}\n  User u\nMatch canonical\n  LocalForward 1455 localhost:1455\n");
        let home = Home::new(config.as_bytes());
        let g = home.ssh_g("h1").expect(&config);
        let r = home.load().resolve("h1", &ctx);
        assert_eq!(our_localforwards(&r), localforwards(&g), "{config}");
        assert!(r.errors.is_empty(), "{config}: {:?}", r.errors);
    }
}
