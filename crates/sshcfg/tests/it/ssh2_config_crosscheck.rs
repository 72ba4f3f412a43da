//! An independent cross-check: the `ssh2-config` crate (a lossy reader, not the editing layer)
//! agrees with our resolution of HostName, User and Port on plain configs.

use crate::common::*;
use ssh2_config::{ParseRule, SshConfig};
use sshcfg::ResolveContext;

#[test]
fn hostname_user_port_agree_with_ssh2_config() {
    let ctx = ResolveContext::current_user();
    let mut compared = 0;
    for name in [
        "crlf.conf",
        "tabs_equals.conf",
        "host_star_first.conf",
        "host_star_last.conf",
        "multi_name.conf",
        "negation.conf",
        "duplicate_hosts.conf",
        "no_final_newline.conf",
    ] {
        let bytes = std::fs::read(fixtures().join("flat").join(name)).unwrap();
        let theirs = SshConfig::default()
            .parse(
                &mut std::io::Cursor::new(&bytes),
                ParseRule::ALLOW_UNKNOWN_FIELDS | ParseRule::ALLOW_UNSUPPORTED_FIELDS,
            )
            .unwrap_or_else(|e| panic!("{name}: ssh2-config: {e}"));
        let home = Home::new(&bytes);
        let set = home.load();
        for host in hosts_for(&set) {
            let ours = set.resolve(&host, &ctx);
            let p = theirs.query(&host);
            assert_eq!(
                ours.get::<sshcfg::setting::HostName>()
                    .map(|v| v.value.clone()),
                p.host_name,
                "{name} {host} hostname"
            );
            assert_eq!(
                ours.get::<sshcfg::setting::User>().map(|v| v.value.clone()),
                p.user,
                "{name} {host} user"
            );
            assert_eq!(
                ours.get::<sshcfg::setting::Port>()
                    .map(|v| v.value.parse::<u16>().unwrap()),
                p.port,
                "{name} {host} port"
            );
            compared += 1;
        }
    }
    assert!(compared > 40, "{compared}");
}
