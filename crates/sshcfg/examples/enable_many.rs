//! Embed the library: add `LocalForward 1455 localhost:1455` for every host named on the command
//! line, printing the diff of each plan. Writes nothing.
//!
//! `cargo run -p sshcfg --example enable_many -- ~/.ssh/config myserver other`

use std::path::PathBuf;

use sshcfg::{ConfigSet, Forward, LoadOptions, ResolveContext};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = PathBuf::from(args.next().ok_or("usage: enable_many CONFIG HOST...")?);
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    let mut set = ConfigSet::load(&path, &LoadOptions::with_home(home))?;
    let ctx = ResolveContext::current_user();
    let forward = Forward::loopback(1455, 1455);
    for host in args {
        let plan = set.enable(&host, &forward, &ctx)?;
        for line in plan.summary() {
            println!("{line}");
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
        set = set.with_plan(&plan);
    }
    Ok(())
}
