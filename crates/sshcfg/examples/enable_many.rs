//! Embed the library as ssh reads its config: the user's `~/.ssh/config`, then the system
//! config, as the current user; plan `LocalForward 1455 localhost:1455` for every host named on
//! the command line, as one plan, and print its diff. Writes nothing.
//!
//! `cargo run -p sshcfg --example enable_many -- myserver other`

use std::path::PathBuf;

use sshcfg::{Action, ConfigSet, Forward, LoadOptions, ResolveContext};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let hosts: Vec<String> = std::env::args().skip(1).collect();
    if hosts.is_empty() {
        return Err("usage: enable_many HOST...".into());
    }
    let home = std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .map(PathBuf::from)
        .ok_or("no home directory")?;
    // The same defaults as `ssh HOST`: ~/.ssh/config, then /etc/ssh/ssh_config.
    let opts = LoadOptions::openssh_default(home.join(".ssh").join("config"), &home);
    let set = ConfigSet::load(&opts)?;
    let ctx = ResolveContext::current_user();
    let plan = set.plan(
        Action::Enable,
        &hosts,
        &[Forward::loopback(1455, 1455)],
        &ctx,
    )?;
    for step in plan.steps() {
        println!("{step:?}");
    }
    for change in plan.changes() {
        let old = String::from_utf8_lossy(change.before());
        let new = String::from_utf8_lossy(change.after());
        let name = change.path().display().to_string();
        print!(
            "{}",
            similar::TextDiff::from_lines(&old, &new)
                .unified_diff()
                .header(&name, &name)
        );
    }
    Ok(())
}
