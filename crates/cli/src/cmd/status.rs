//! `status`: is the forward effective for each host, and where from.

use serde::Serialize;
use sshcfg::ResolveContext;

use crate::args::{Cli, StatusArgs};
use crate::common::*;

#[derive(Serialize)]
struct ForwardReport {
    listen: String,
    connect: String,
    file: String,
    line: usize,
}

#[derive(Serialize)]
struct HostStatus {
    host: String,
    enabled: bool,
    /// Where the wanted forward comes from.
    source: Option<String>,
    forwards: Vec<ForwardReport>,
    hostname: Option<String>,
    user: Option<String>,
    port: Option<String>,
    clear_all_forwardings: bool,
    notes: Vec<String>,
}

pub(crate) fn status(cli: &Cli, a: &StatusArgs) -> Result<u8, Failure> {
    check_hosts(&a.hosts)?;
    let t = target(cli)?;
    let set = load(&t)?;
    let ctx = ResolveContext::default();
    let want = a.ports.forward();
    let hosts = if a.hosts.is_empty() {
        set.literal_hosts()
    } else {
        a.hosts.clone()
    };
    let at = |loc: sshcfg::Loc| (set.file(loc.file).path.display().to_string(), loc.line + 1);
    let mut report = Vec::new();
    for host in &hosts {
        let r = set.resolve(host, &ctx);
        let hit = r.forwards.iter().find(|f| f.forward.equivalent(&want));
        let forwards = r
            .forwards
            .iter()
            .filter(|f| !f.forward.hidden_by_ssh_g())
            .map(|f| {
                let (file, line) = at(f.loc);
                ForwardReport {
                    listen: f.forward.listen_display(),
                    connect: f.forward.connect_display(),
                    file,
                    line,
                }
            })
            .collect();
        let mut notes: Vec<String> = r
            .not_evaluated
            .iter()
            .chain(r.errors.iter())
            .map(|n| {
                let (f, l) = at(n.loc);
                format!("{f}:{l}: {}", n.message)
            })
            .collect();
        notes.extend(r.unreadable_forwards.iter().map(|n| {
            let (f, l) = at(n.loc);
            format!("{f}:{l}: {}", n.message)
        }));
        let cleared = r.clears_forwardings();
        report.push(HostStatus {
            host: host.clone(),
            enabled: hit.is_some(),
            source: hit.map(|f| {
                let (file, line) = at(f.loc);
                format!("{file}:{line}")
            }),
            forwards,
            hostname: r.hostname.map(|v| v.value),
            user: r.user.map(|v| v.value),
            port: r.port.map(|v| v.value),
            clear_all_forwardings: cleared,
            notes,
        });
    }
    if a.json {
        print_json(&report);
        return Ok(0);
    }
    if report.is_empty() {
        eprintln!("{}: no host names defined", t.path.display());
    }
    for h in &report {
        let state = match &h.source {
            Some(src) => format!("enabled ({src})"),
            None if h.clear_all_forwardings => "disabled (ClearAllForwardings yes)".to_string(),
            None => "disabled".to_string(),
        };
        let mut extra = Vec::new();
        if let Some(v) = &h.hostname {
            extra.push(format!("hostname={v}"));
        }
        if let Some(v) = &h.user {
            extra.push(format!("user={v}"));
        }
        if let Some(v) = &h.port {
            extra.push(format!("port={v}"));
        }
        let extra = if extra.is_empty() {
            String::new()
        } else {
            format!("  [{}]", extra.join(" "))
        };
        println!("{}: {} {state}{extra}", h.host, want.config_args());
        for n in &h.notes {
            println!("    note: {n}");
        }
    }
    Ok(0)
}
