//! `codex-fwd`: make the Codex CLI's OAuth login (a browser redirect to
//! `http://localhost:1455/auth/callback`) work when Codex runs on a remote machine over SSH, by
//! adding `LocalForward 1455 localhost:1455` to that host's block of `~/.ssh/config`.
//!
//! A thin layer over the `sshcfg` library: arguments, diff, confirmation, safe writes.

mod diff;
mod system;
mod write;

use std::io::{IsTerminal, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

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
  3  the config or system prevents it: the forward comes from a shared block, ClearAllForwardings,
     the local port is taken (tunnel); doctor: problems were found (nothing written)
  4  reading or writing failed, or ssh failed (nothing written)";

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
    /// Explain what stops the login callback from arriving, with a fix for each problem.
    /// Exit 0 when nothing is wrong, 3 otherwise.
    #[command(after_help = "Examples:
  codex-fwd doctor myserver
  codex-fwd doctor                 # every host the config names that has the forward
  codex-fwd doctor myserver --json
  codex-fwd doctor myserver --ssh-g   # also compare with ssh -G (runs Match exec commands!)")]
    Doctor(DoctorArgs),
    /// Forward the port for one session without editing the config: runs
    /// `ssh -N -L LOCAL:localhost:PORT HOST` until Ctrl-C.
    #[command(after_help = "Examples:
  codex-fwd tunnel myserver
  codex-fwd tunnel myserver --local-port 2455")]
    Tunnel(TunnelArgs),
    /// Print a shell completion script to stdout.
    #[command(after_help = "Install:
  bash: codex-fwd completions bash > ~/.local/share/bash-completion/completions/codex-fwd
  zsh:  codex-fwd completions zsh > ~/.zfunc/_codex-fwd   (with fpath+=~/.zfunc in ~/.zshrc)
  fish: codex-fwd completions fish > ~/.config/fish/completions/codex-fwd.fish")]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) to stdout.
    #[command(after_help = "Install:
  codex-fwd man > ~/.local/share/man/man1/codex-fwd.1 && man codex-fwd")]
    Man,
}

#[derive(Args, Debug)]
struct DoctorArgs {
    /// Host names [default: every literal host name in the config that has the forward].
    #[arg(value_name = "HOST")]
    hosts: Vec<String>,
    #[command(flatten)]
    ports: PortArgs,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    /// Also run `ssh -G` and compare its forwards with ours. ssh evaluates `Match exec`, so this
    /// runs the commands your config names; off by default.
    #[arg(long)]
    ssh_g: bool,
}

#[derive(Args, Debug)]
struct TunnelArgs {
    /// The host to forward through.
    #[arg(value_name = "HOST")]
    host: String,
    #[command(flatten)]
    ports: PortArgs,
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
        Command::Doctor(a) => doctor(&cli, a, choice),
        Command::Tunnel(a) => tunnel(&cli, a),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            clap_complete::generate(
                *shell,
                &mut Cli::command(),
                "codex-fwd",
                &mut std::io::stdout(),
            );
            Ok(0)
        }
        Command::Man => {
            use clap::CommandFactory;
            clap_mangen::Man::new(Cli::command())
                .render(&mut std::io::stdout())
                .map(|_| 0)
                .map_err(|e| Failure::new(EXIT_IO, format!("cannot write the man page: {e}")))
        }
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
    if std::fs::metadata(&real).is_ok_and(|m| m.len() >= u64::from(u32::MAX)) {
        return Err(Failure::new(
            EXIT_USAGE,
            format!(
                "{}: 4 GiB or more is not an ssh config this tool edits",
                t.path.display()
            ),
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
    type Change = (sshcfg::FileId, PathBuf, Arc<Vec<u8>>, Arc<Vec<u8>>);
    let mut changes: Vec<Change> = Vec::new();
    for (n, host) in a.hosts.iter().enumerate() {
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
        if n + 1 < a.hosts.len() && plan.is_change() {
            set = set.with_plan(&plan);
        }
    }
    drop(set);
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

#[derive(Serialize)]
struct DoctorReport {
    ok: bool,
    hosts: Vec<String>,
    findings: Vec<sshcfg::Finding>,
}

fn doctor(cli: &Cli, a: &DoctorArgs, choice: anstream::ColorChoice) -> Result<u8, Failure> {
    use sshcfg::{Finding, Severity};
    check_hosts(&a.hosts)?;
    let t = target(cli)?;
    let set = load(&t)?;
    let ctx = ResolveContext::default();
    let want = a.ports.forward();
    let local = a.ports.local_port.unwrap_or(a.ports.port);
    let named = !a.hosts.is_empty();
    let hosts: Vec<String> = if named {
        a.hosts.clone()
    } else {
        set.literal_hosts()
            .into_iter()
            .filter(|h| {
                set.resolve(h, &ctx)
                    .forwards
                    .iter()
                    .any(|f| f.forward.equivalent(&want))
            })
            .collect()
    };
    let mut findings: Vec<Finding> = Vec::new();
    for h in &hosts {
        findings.extend(set.doctor(h, &want, named, &ctx));
    }
    let sys = |code, severity, message: String, fix: String, file: Option<String>| Finding {
        code,
        severity,
        host: None,
        message,
        fix,
        file,
        line: None,
    };
    if let Some(owner) = system::port_in_use(local) {
        let who = match (&owner.name, owner.pid) {
            (Some(n), Some(p)) => format!("{n} (pid {p})"),
            _ => "another process".to_string(),
        };
        let ssh_note = if owner.name.as_deref() == Some("ssh") {
            " It looks like an SSH tunnel that is already up: that is what a remote login needs, but `codex login` run on this machine then fails with \"Address in use (os error 98)\"."
        } else {
            ""
        };
        findings.push(sys(
            "local-port-in-use",
            Severity::Error,
            format!("localhost:{local} on this machine is already in use by {who}: ssh cannot listen there, so the browser's redirect goes to that process instead.{ssh_note}"),
            format!("stop it, or use another local port: `codex-fwd enable HOST --local-port {}`", if local == 2455 { 2456 } else { 2455 }),
            None,
        ));
    }
    // OpenSSH refuses a user config or an included file with a bad owner or mode.
    for f in set.files() {
        let checked = match f.role {
            sshcfg::FileRole::Main => cli.config.is_none(),
            sshcfg::FileRole::Included { .. } => true,
            sshcfg::FileRole::System => false,
        };
        if checked
            && f.exists
            && let Some(why) = system::bad_permissions(&write::real_path(&f.path))
        {
            let p = f.path.display().to_string();
            findings.push(sys(
                "bad-permissions",
                Severity::Error,
                format!("{p} is {why}: ssh stops with \"Bad owner or permissions\" and reads no config at all"),
                format!("chmod 600 {p} (and make it yours: chown \"$USER\" {p})"),
                Some(p),
            ));
        }
    }
    if cli.config.is_none() {
        let ssh_dir = set.home().join(".ssh");
        if let Ok(m) = std::fs::metadata(&ssh_dir) {
            use std::os::unix::fs::MetadataExt;
            if m.mode() & 0o022 != 0 {
                let p = ssh_dir.display().to_string();
                findings.push(sys(
                    "ssh-dir-permissions",
                    Severity::Warning,
                    format!("{p} has mode {:04o}: others can replace your config, and sshd's StrictModes refuses keys under it", m.mode() & 0o7777),
                    format!("chmod 700 {p}"),
                    Some(p),
                ));
            }
        }
    }
    if a.ssh_g {
        eprintln!("codex-fwd: running ssh -G, which evaluates Match exec commands in your config");
        for h in &hosts {
            let mut cmd = std::process::Command::new("ssh");
            cmd.arg("-G");
            if let Some(c) = &cli.config {
                cmd.arg("-F").arg(c);
            }
            let out = cmd.arg(h).stdin(std::process::Stdio::null()).output();
            let Ok(out) = out else {
                return Err(Failure::new(EXIT_IO, "cannot run ssh"));
            };
            let theirs: Vec<String> = String::from_utf8_lossy(&out.stdout)
                .lines()
                .filter_map(|l| l.strip_prefix("localforward ").map(str::to_string))
                .collect();
            let ours: Vec<String> = set
                .resolve(h, &ctx)
                .forwards
                .iter()
                .filter(|f| !f.forward.hidden_by_ssh_g())
                .map(|f| f.forward.to_string())
                .collect();
            if out.status.success() && theirs != ours {
                findings.push(sys(
                    "ssh-g-differs",
                    Severity::Warning,
                    format!("ssh -G {h} reports forwards [{}], this tool reads [{}] (a Match exec or a setting it does not evaluate)", theirs.join(", "), ours.join(", ")),
                    "trust ssh -G; please report the difference".into(),
                    None,
                ));
            }
        }
    }
    let ok = findings.is_empty();
    if a.json {
        print_json(&DoctorReport {
            ok,
            hosts,
            findings,
        });
    } else {
        let mut out = anstream::AutoStream::new(std::io::stdout(), choice);
        if ok {
            let _ = writeln!(
                out,
                "No problems found{}.",
                if hosts.is_empty() {
                    String::new()
                } else {
                    format!(" for {}", hosts.join(", "))
                }
            );
        }
        for f in &findings {
            let (style, label) = match f.severity {
                Severity::Error => (
                    anstyle::Style::new()
                        .fg_color(Some(anstyle::AnsiColor::Red.into()))
                        .bold(),
                    "error",
                ),
                Severity::Warning => (
                    anstyle::Style::new()
                        .fg_color(Some(anstyle::AnsiColor::Yellow.into()))
                        .bold(),
                    "warning",
                ),
            };
            let place = match (&f.file, f.line) {
                (Some(p), Some(l)) => format!("{p}:{l}: "),
                (Some(p), None) => format!("{p}: "),
                _ => String::new(),
            };
            let host = f
                .host
                .as_ref()
                .map(|h| format!("({h}) "))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "{style}{label}[{}]{style:#} {host}{place}{}",
                f.code, f.message
            );
            let _ = writeln!(out, "    fix: {}", f.fix);
        }
    }
    Ok(if ok { 0 } else { EXIT_REFUSED })
}

fn tunnel(cli: &Cli, a: &TunnelArgs) -> Result<u8, Failure> {
    check_hosts(std::slice::from_ref(&a.host))?;
    let local = a.ports.local_port.unwrap_or(a.ports.port);
    let port = a.ports.port;
    if let Some(owner) = system::port_in_use(local) {
        let who = match (&owner.name, owner.pid) {
            (Some(n), Some(p)) => format!("{n} (pid {p})"),
            _ => "another process".to_string(),
        };
        return Err(Failure::new(
            EXIT_REFUSED,
            format!(
                "localhost:{local} is already in use by {who}; stop it or pass --local-port 2455"
            ),
        ));
    }
    let mut cmd = std::process::Command::new("ssh");
    if let Some(c) = &cli.config {
        cmd.arg("-F").arg(c);
    }
    cmd.args([
        "-N",
        "-o",
        "ExitOnForwardFailure=yes",
        "-o",
        "ClearAllForwardings=no",
        "-L",
        &format!("{local}:localhost:{port}"),
        &a.host,
    ]);
    eprintln!(
        "Forwarding localhost:{local} here to localhost:{port} on {} (ssh -N -L {local}:localhost:{port} {}). Log in now; press Ctrl-C to stop.",
        a.host, a.host
    );
    let mut child = cmd
        .spawn()
        .map_err(|e| Failure::new(EXIT_IO, format!("cannot run ssh: {e}")))?;
    let pid = child.id() as i32;
    let interrupted = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    {
        let interrupted = interrupted.clone();
        // On Ctrl-C (or SIGTERM) stop ssh and wait for it, rather than dying first.
        let _ = ctrlc::set_handler(move || {
            interrupted.store(true, std::sync::atomic::Ordering::SeqCst);
            // SAFETY: kill(2) with a pid we spawned and a valid signal number.
            unsafe {
                libc::kill(pid, libc::SIGTERM);
            }
        });
    }
    let status = child
        .wait()
        .map_err(|e| Failure::new(EXIT_IO, format!("waiting for ssh: {e}")))?;
    if interrupted.load(std::sync::atomic::Ordering::SeqCst) {
        eprintln!("Tunnel closed.");
        return Ok(0);
    }
    if status.success() {
        Ok(0)
    } else {
        Err(Failure::new(
            EXIT_IO,
            format!("ssh exited with {status} (see its message above)"),
        ))
    }
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
