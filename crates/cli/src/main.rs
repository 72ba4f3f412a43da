//! `codex-fwd`: make the Codex CLI's OAuth login (a browser redirect to
//! `http://localhost:1455/auth/callback`) work when Codex runs on a remote machine over SSH, by
//! adding `LocalForward 1455 localhost:1455` to that host's block of `~/.ssh/config`.
//!
//! A thin layer over the `sshcfg` library: arguments, diff, confirmation, safe writes.

mod diff;
mod write;

use std::io::{IsTerminal, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use serde::Serialize;
use sshcfg::{ConfigSet, Forward, HostAlias, LoadOptions, Plan, ResolveContext};

const EXIT_CHANGE_NEEDED: u8 = 1;
const EXIT_USAGE: u8 = 2;
const EXIT_REFUSED: u8 = 3;
const EXIT_IO: u8 = 4;

const EXIT_CODES: &str = "\
Exit codes:
  0  success (changed, or already in the wanted state)
  1  --check: a change is needed
  2  bad usage or bad input (nothing written)
  3  the config prevents the change, e.g. the forward comes from a shared block (nothing written)
  4  reading or writing failed (nothing written)";

#[derive(Parser, Debug)]
#[command(
    name = "codex-fwd",
    version,
    about = "Forward the Codex login callback port (1455) over SSH by editing ~/.ssh/config safely",
    after_help = EXIT_CODES
)]
struct Cli {
    /// The ssh config file to read and edit [default: ~/.ssh/config]. With -F only this file
    /// (and its Includes) is read, as `ssh -F`; without it /etc/ssh/ssh_config is read too.
    #[arg(short = 'F', long = "config", global = true, value_name = "PATH")]
    config: Option<PathBuf>,

    /// When to colour output.
    #[arg(long, global = true, value_enum, default_value_t = ColorWhen::Auto)]
    color: ColorWhen,

    #[command(subcommand)]
    command: Command,
}

#[derive(Copy, Clone, Debug, ValueEnum)]
enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Add the forward for each HOST (nothing changes if an equivalent one is already effective).
    #[command(after_help = "Examples:
  codex-fwd enable myserver                 # show the diff, ask, write
  codex-fwd enable myserver --local-port 2455  # laptop port 1455 is busy
  codex-fwd enable myserver --check || codex-fwd enable myserver --yes   # dotfile scripts
  codex-fwd enable myserver --dry-run --json")]
    Enable(EditArgs),
    /// Remove the forward for each HOST.
    #[command(after_help = "Examples:
  codex-fwd disable myserver
  codex-fwd disable myserver --yes --json")]
    Disable(EditArgs),
    /// Show whether the forward is effective for each HOST (default: every host the config names).
    #[command(after_help = "Examples:
  codex-fwd status
  codex-fwd status myserver --json")]
    Status(StatusArgs),
}

#[derive(Args, Debug)]
struct PortArgs {
    /// The remote port the Codex login server listens on.
    #[arg(long, default_value = "1455", value_parser = parse_port)]
    port: u16,
    /// The laptop's port [default: the same as --port].
    #[arg(long, value_parser = parse_port)]
    local_port: Option<u16>,
}

impl PortArgs {
    fn forward(&self) -> Forward {
        Forward::loopback(self.local_port.unwrap_or(self.port), self.port)
    }
}

#[derive(Args, Debug)]
struct EditArgs {
    /// Host names (as you type them after `ssh`).
    #[arg(required = true, value_name = "HOST")]
    hosts: Vec<String>,
    #[command(flatten)]
    ports: PortArgs,
    /// Print the diff and write nothing.
    #[arg(short = 'n', long)]
    dry_run: bool,
    /// Write nothing; exit 1 if a change is needed, 0 if not.
    #[arg(long, conflicts_with = "dry_run")]
    check: bool,
    /// Write without asking.
    #[arg(short = 'y', long)]
    yes: bool,
    /// Print one JSON object describing what was (or would be) done.
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
struct StatusArgs {
    /// Host names [default: every literal host name in the config].
    #[arg(value_name = "HOST")]
    hosts: Vec<String>,
    #[command(flatten)]
    ports: PortArgs,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

fn parse_port(s: &str) -> Result<u16, String> {
    match s.parse::<u32>() {
        Ok(p) if (1..=65535).contains(&p) => Ok(p as u16),
        _ => Err(format!(
            "`{s}` is not a port: expected a number from 1 to 65535"
        )),
    }
}

/// A failure, with the exit code it maps to and a one-line message.
struct Failure {
    code: u8,
    message: String,
}

impl Failure {
    fn new(code: u8, message: impl Into<String>) -> Failure {
        Failure {
            code,
            message: message.into(),
        }
    }
}

impl From<sshcfg::Error> for Failure {
    fn from(e: sshcfg::Error) -> Failure {
        let code = match e {
            sshcfg::Error::Read { .. } | sshcfg::Error::Host(_) => EXIT_USAGE,
            sshcfg::Error::Edit(_) => EXIT_REFUSED,
        };
        Failure::new(code, e.to_string())
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let choice = match cli.color {
        ColorWhen::Auto => anstream::ColorChoice::Auto,
        ColorWhen::Always => anstream::ColorChoice::Always,
        ColorWhen::Never => anstream::ColorChoice::Never,
    };
    let result = match &cli.command {
        Command::Enable(a) => edit(&cli, a, sshcfg::Action::Enable, choice),
        Command::Disable(a) => edit(&cli, a, sshcfg::Action::Disable, choice),
        Command::Status(a) => status(&cli, a),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(f) => {
            let mut err = anstream::AutoStream::new(std::io::stderr(), choice);
            let red = anstyle::Style::new()
                .fg_color(Some(anstyle::AnsiColor::Red.into()))
                .bold();
            let _ = writeln!(err, "{red}codex-fwd: error:{red:#} {}", f.message);
            ExitCode::from(f.code)
        }
    }
}

/// Where the config is, whether ssh would also read the system config, and the home directory.
struct Target {
    path: PathBuf,
    opts: LoadOptions,
}

fn target(cli: &Cli) -> Result<Target, Failure> {
    let home = dirs::home_dir()
        .ok_or_else(|| Failure::new(EXIT_USAGE, "cannot find the home directory (set HOME)"))?;
    let (path, system_config) = match &cli.config {
        Some(p) => (p.clone(), None),
        None => (
            home.join(".ssh/config"),
            Some(PathBuf::from("/etc/ssh/ssh_config")),
        ),
    };
    Ok(Target {
        path,
        opts: LoadOptions {
            home,
            system_config,
        },
    })
}

fn load(t: &Target) -> Result<ConfigSet, Failure> {
    let real = write::real_path(&t.path);
    if real.is_dir() {
        return Err(Failure::new(
            EXIT_USAGE,
            format!("{}: is a directory, not a config file", t.path.display()),
        ));
    }
    // Read the link's target but keep naming the file as the user named it.
    let bytes = match std::fs::read(&real) {
        Ok(b) => Some(b),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            return Err(Failure::new(
                EXIT_USAGE,
                format!("{}: cannot read: {e}", t.path.display()),
            ));
        }
    };
    let exists = bytes.is_some();
    Ok(ConfigSet::from_main_bytes(
        &t.path,
        bytes.unwrap_or_default(),
        exists,
        &t.opts,
    )?)
}

fn check_hosts(hosts: &[String]) -> Result<(), Failure> {
    for h in hosts {
        HostAlias::new(h).map_err(|e| Failure::new(EXIT_USAGE, e.to_string()))?;
    }
    Ok(())
}

#[derive(Serialize)]
struct FileReport {
    path: String,
    diff: String,
}

#[derive(Serialize)]
struct EditReport<'a> {
    action: sshcfg::Action,
    hosts: &'a [String],
    forward: String,
    changed: bool,
    written: bool,
    files: Vec<FileReport>,
    summary: Vec<String>,
}

fn edit(
    cli: &Cli,
    a: &EditArgs,
    action: sshcfg::Action,
    choice: anstream::ColorChoice,
) -> Result<u8, Failure> {
    check_hosts(&a.hosts)?;
    let t = target(cli)?;
    let forward = a.ports.forward();
    let will_write = !a.dry_run && !a.check;
    let real = write::real_path(&t.path);
    // Lock before reading, so the read-modify-write of concurrent runs is serialised.
    let _lock =
        if will_write {
            let dir = real
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            Some(write::lock_dir(dir).map_err(|e| {
                Failure::new(EXIT_IO, format!("{}: cannot lock: {e}", dir.display()))
            })?)
        } else {
            None
        };
    let mut set = load(&t)?;
    let ctx = ResolveContext::default();
    let mut summary = Vec::new();
    // Per file: original bytes and latest bytes.
    let mut changes: Vec<(sshcfg::FileId, PathBuf, Vec<u8>, Vec<u8>)> = Vec::new();
    for host in &a.hosts {
        let plan: Plan = match action {
            sshcfg::Action::Enable => set.enable(host, &forward, &ctx)?,
            sshcfg::Action::Disable => set.disable(host, &forward, &ctx)?,
        };
        summary.extend(plan.summary.iter().cloned());
        for c in &plan.changes {
            match changes.iter_mut().find(|x| x.0 == c.file) {
                Some(x) => x.3 = c.new.clone(),
                None => changes.push((c.file, c.path.clone(), c.old.clone(), c.new.clone())),
            }
        }
        set = set.with_plan(&plan);
    }
    let files: Vec<FileReport> = changes
        .iter()
        .map(|(_, path, old, new)| FileReport {
            path: path.display().to_string(),
            diff: diff::unified(&path.display().to_string(), old, new),
        })
        .collect();
    let changed = !changes.is_empty();
    let mut out = anstream::AutoStream::new(std::io::stdout(), choice);
    let mut written = false;
    let report = |written: bool, files: Vec<FileReport>, summary: Vec<String>| EditReport {
        action,
        hosts: &a.hosts,
        forward: forward.config_args(),
        changed,
        written,
        files,
        summary,
    };
    if !a.json {
        for f in &files {
            let _ = write!(out, "{}", diff::styled(&f.diff));
        }
        for s in &summary {
            eprintln!("{s}");
        }
    }
    if a.dry_run || a.check || !changed {
        if a.json {
            print_json(&report(false, files, summary));
        }
        return Ok(if a.check && changed {
            EXIT_CHANGE_NEEDED
        } else {
            0
        });
    }
    if !a.yes {
        if !std::io::stdin().is_terminal() {
            if a.json {
                print_json(&report(false, files, summary));
            }
            return Err(Failure::new(
                EXIT_USAGE,
                "not writing: standard input is not a terminal to confirm on; pass --yes to write",
            ));
        }
        eprint!("Apply? [y/N] ");
        let mut answer = String::new();
        let _ = std::io::stdin().read_line(&mut answer);
        if !matches!(answer.trim(), "y" | "Y" | "yes" | "Yes") {
            eprintln!("Nothing written.");
            return Ok(0);
        }
    }
    for (_, path, _, new) in &changes {
        let real = write::real_path(path);
        write::write_atomic(&real, new)
            .map_err(|e| Failure::new(EXIT_IO, format!("{}: cannot write: {e}", path.display())))?;
        written = true;
    }
    if a.json {
        print_json(&report(written, files, summary));
    } else {
        eprintln!("Written.");
    }
    Ok(0)
}

fn print_json<T: Serialize>(v: &T) {
    println!(
        "{}",
        serde_json::to_string_pretty(v).expect("JSON of plain data")
    );
}

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

fn status(cli: &Cli, a: &StatusArgs) -> Result<u8, Failure> {
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
            clear_all_forwardings: r
                .clear_all_forwardings
                .as_ref()
                .is_some_and(|c| c.value.eq_ignore_ascii_case("yes")),
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
