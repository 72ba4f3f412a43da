//! `Include` patterns globbed as glob(3) globs them for ssh (findings 1-4 of the hostile
//! tester): dotfiles only for a literal `.`, `**` as `*`, POSIX classes, `!` negation, names
//! and patterns that are not UTF-8 (on Unix but macOS). Each file forwards its own port, so
//! the forwards `ssh -G` lists say which files it read, in which order; the files
//! `ConfigSet::load` includes are held to the same list, and to the one written here where ssh
//! is missing.

use std::path::Path;

use crate::common::*;
use sshcfg::ResolveContext;

/// Whether the tree holds names that are not UTF-8 (and `x]`): on Unix, but not on macOS,
/// whose file system refuses a name that is not UTF-8.
const BYTE_NAMES: bool = cfg!(all(unix, not(target_os = "macos")));

/// The tree: each file's name (bytes: with [`BYTE_NAMES`] some are not UTF-8) and the port it
/// forwards.
fn tree() -> Vec<(Vec<u8>, u16)> {
    // No two names differ in case alone (macOS and Windows file systems would make them one).
    let mut names: Vec<&[u8]> = vec![
        b"a.conf",
        b"b.conf",
        b"Z.conf",
        b"1.conf",
        b"_.conf",
        b"^.conf",
        b".gw-defaults",
        b".hidden.conf",
        b"sub/c.conf",
        b"sub/.d.conf",
        b"sub/deep/e.conf",
    ];
    if BYTE_NAMES {
        // A name that is not UTF-8 (Latin-1 e-acute), its UTF-8 spelling, and `]` in a name.
        names.extend([&b"\xe9.conf"[..], "\u{e9}.conf".as_bytes(), b"x]"]);
    }
    names
        .into_iter()
        .enumerate()
        .map(|(k, n)| (n.to_vec(), 3000 + k as u16))
        .collect()
}

/// A path under `dir` from a name's bytes.
fn under(dir: &Path, name: &[u8]) -> std::path::PathBuf {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt as _;
        dir.join(std::ffi::OsStr::from_bytes(name))
    }
    #[cfg(not(unix))]
    {
        dir.join(std::str::from_utf8(name).unwrap())
    }
}

/// Each pattern (bytes) and the names it reads, in order.
fn cases() -> Vec<(Vec<u8>, Vec<&'static [u8]>)> {
    let mut cases: Vec<(&[u8], Vec<&'static [u8]>)> = vec![
        // A leading `.` of a name only for a literal `.` (finding 2).
        (b"*.conf", star_conf()),
        (b".gw*", vec![b".gw-defaults"]),
        (b".*.conf", vec![b".hidden.conf"]),
        (b"[.]gw*", vec![]),
        (b"?gw*", vec![]),
        (b"sub/.*", vec![b"sub/.d.conf"]),
        // `**` is `*`: one level (finding 3).
        (b"**/*.conf", vec![b"sub/c.conf"]),
        (b"*/*.conf", vec![b"sub/c.conf"]),
        (b"*/*/*.conf", vec![b"sub/deep/e.conf"]),
        // POSIX classes, `!` (and not `^`) negating (finding 4).
        (b"[[:alpha:]].conf", vec![b"Z.conf", b"a.conf", b"b.conf"]),
        (b"[[:upper:][:digit:]].conf", vec![b"1.conf", b"Z.conf"]),
        (
            b"[![:alpha:]].conf",
            latin1_too(vec![b"1.conf", b"^.conf", b"_.conf"]),
        ),
        (b"[^a].conf", vec![b"^.conf", b"a.conf"]),
        (
            b"[!a-z].conf",
            latin1_too(vec![b"1.conf", b"Z.conf", b"^.conf", b"_.conf"]),
        ),
        (b"[[:nosuch:]].conf", vec![]),
        (b"[a-b].conf", vec![b"a.conf", b"b.conf"]),
        (b"[b-a].conf", vec![]),
    ];
    if BYTE_NAMES {
        cases.extend([
            // A pattern that is not UTF-8, and `?` as one byte (finding 4; finding 1's listing
            // of a name that is not UTF-8 in every `*`).
            (&b"\xe9.conf"[..], vec![&b"\xe9.conf"[..]]),
            (
                b"?.conf",
                vec![
                    b"1.conf",
                    b"Z.conf",
                    b"^.conf",
                    b"_.conf",
                    b"a.conf",
                    b"b.conf",
                    b"\xe9.conf",
                ],
            ),
            (b"??.conf", vec!["\u{e9}.conf".as_bytes()]),
            (b"[\x80-\xff]*", vec![b"\xc3\xa9.conf", b"\xe9.conf"]),
            (
                b"*",
                vec![
                    b"1.conf",
                    b"Z.conf",
                    b"^.conf",
                    b"_.conf",
                    b"a.conf",
                    b"b.conf",
                    b"x]",
                    b"\xc3\xa9.conf",
                    b"\xe9.conf",
                ],
            ),
            // `]` quoted in brackets.
            (b"x[\\]]", vec![b"x]"]),
            (b"[x][\\]]", vec![b"x]"]),
        ]);
    }
    cases.into_iter().map(|(p, n)| (p.to_vec(), n)).collect()
}

/// What `*.conf` lists: with [`BYTE_NAMES`] the names that are not ASCII too, after the others (bytes
/// above 127 sort last).
fn star_conf() -> Vec<&'static [u8]> {
    let mut names: Vec<&[u8]> = vec![
        b"1.conf", b"Z.conf", b"^.conf", b"_.conf", b"a.conf", b"b.conf",
    ];
    if BYTE_NAMES {
        names.extend([&b"\xc3\xa9.conf"[..], b"\xe9.conf"]);
    }
    names
}

/// `names`, and with [`BYTE_NAMES`] the one-byte Latin-1 name after them (a negated set takes it).
fn latin1_too(mut names: Vec<&'static [u8]>) -> Vec<&'static [u8]> {
    if BYTE_NAMES {
        names.push(b"\xe9.conf");
    }
    names
}

/// The ports the `localforward` lines of `ssh -G` name, in order.
fn ports(lines: &[String]) -> Vec<u16> {
    lines
        .iter()
        .filter_map(|l| l.strip_prefix("localforward "))
        .map(|l| l.split(' ').next().unwrap().parse().unwrap())
        .collect()
}

/// The files each pattern includes are the ones glob(3) lists for ssh (`ssh -G` when ssh is
/// here, the list written above everywhere), and ssh's forwards are ours.
#[test]
fn includes_read_the_files_glob_3_lists_for_ssh() {
    let home = Home::new(b"");
    let d = home.path().join("inc");
    let tree = tree();
    for (name, port) in &tree {
        let f = under(&d, name);
        std::fs::create_dir_all(f.parent().unwrap()).unwrap();
        let mut text = format!("LocalForward {port} localhost:22\n");
        if name.starts_with(b".gw") {
            text.push_str("GatewayPorts yes\n");
        }
        std::fs::write(&f, text).unwrap();
    }
    let port_of = |name: &[u8]| tree.iter().find(|(n, _)| n == name).unwrap().1;
    let ssh = ssh_available();
    let ctx = ResolveContext::current_user();
    let mut dir = d.display().to_string().into_bytes();
    dir.push(b'/');
    for (pattern, names) in cases() {
        let what = String::from_utf8_lossy(&pattern).into_owned();
        let config = [&b"Include "[..], &dir, &pattern, b"\n"].concat();
        std::fs::write(home.config(), &config).unwrap();
        let set = home.load();
        let main = set.main();
        let got: Vec<_> = main
            .included_at(0)
            .iter()
            .map(|&id| set.file(id).path.clone())
            .collect();
        let want: Vec<_> = names.iter().map(|n| under(&d, n)).collect();
        assert_eq!(got, want, "Include {what}");
        let ours = home.load().resolve("h", &ctx);
        let want_ports: Vec<u16> = names.iter().map(|n| port_of(n)).collect();
        assert_eq!(
            ports(&our_localforwards(&ours)),
            want_ports,
            "Include {what}"
        );
        if ssh {
            let g = home.ssh_g("h").expect("ssh -G reads it");
            assert_eq!(ports(&g), want_ports, "ssh -G, Include {what}");
            let gateway = g.iter().any(|l| l == "gatewayports yes");
            assert_eq!(ours.gateway_ports(), gateway, "Include {what}");
        }
    }
}
