//! What a person sees, pinned whole: each case runs `codex-fwd` on a config and compares its exit
//! code, stdout and stderr with a snapshot file in `crates/cli/tests/snapshots/` (toml_edit's
//! `fixtures/invalid/*.stderr` habit). A changed message fails here until the snapshot is
//! regenerated on purpose (`SNAPSHOTS=overwrite cargo test -p codex-fwd --test it messages`) and
//! the difference read in `git diff`.
//!
//! Temporary paths are written as `[CONFIG]` (the config file) and `[DIR]` (its directory).

use std::path::{Path, PathBuf};
use std::process::Command;

use snapbox::{Assert, Data};

/// A case: the config it starts from.
struct Given {
    config: &'static str,
}

fn given(config: &'static str) -> Given {
    Given { config }
}

/// A case being run: the config and the arguments after `-F CONFIG`.
struct Running {
    config: &'static str,
    args: Vec<&'static str>,
}

impl Given {
    fn running(self, args: &[&'static str]) -> Running {
        Running {
            config: self.config,
            args: args.to_vec(),
        }
    }
}

impl Running {
    /// Run it and compare with `snapshots/NAME.txt`.
    fn produces(self, name: &str) {
        let d = tempfile::tempdir().unwrap();
        let config = d.path().join("config");
        std::fs::write(&config, self.config).unwrap();
        let out = Command::new(assert_cmd::cargo::cargo_bin("codex-fwd"))
            .arg("-F")
            .arg(&config)
            .args(&self.args)
            .env("NO_COLOR", "1")
            .env("HOME", d.path())
            .env_remove("CODEX_FWD_NIX_STORE")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        let clean = |b: &[u8]| redact(&String::from_utf8_lossy(b), &config, d.path());
        let text = format!(
            "$ codex-fwd -F [CONFIG] {}\nexit: {}\n--- stdout\n{}--- stderr\n{}",
            self.args.join(" "),
            out.status.code().map_or("signal".into(), |c| c.to_string()),
            clean(&out.stdout),
            clean(&out.stderr),
        );
        Assert::new()
            .action_env("SNAPSHOTS")
            .eq(text, Data::read_from(&snapshot(name), None).raw());
    }
}

fn snapshot(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(format!("{name}.txt"))
}

fn redact(s: &str, config: &Path, dir: &Path) -> String {
    s.replace(config.to_str().unwrap(), "[CONFIG]")
        .replace(dir.to_str().unwrap(), "[DIR]")
}

const PLAIN: &str = "# my hosts\nHost myserver\n    HostName 10.0.0.5\n    User me\n\nHost *\n    ServerAliveInterval 30\n";

#[test]
fn enable() {
    given(PLAIN)
        .running(&["enable", "myserver", "--dry-run"])
        .produces("enable_dry_run");
    given(PLAIN)
        .running(&["enable", "myserver", "--yes"])
        .produces("enable_yes");
    given(PLAIN)
        .running(&["enable", "myserver", "--check"])
        .produces("enable_check_change_needed");
    given(PLAIN)
        .running(&["enable", "myserver"])
        .produces("enable_no_terminal");
    given(PLAIN)
        .running(&["enable", "myserver", "--local-port", "2455", "--dry-run"])
        .produces("enable_local_port");
    given("Host myserver\n    GatewayPorts Yes\n")
        .running(&["enable", "myserver", "--dry-run"])
        .produces("enable_gateway_ports");
    given("Host myserver\n    LocalForward 1455 localhost:1455\n")
        .running(&["enable", "myserver", "--yes"])
        .produces("enable_already");
    // The note's `ssh -G` reads the same file as this run (`-F`), or it would judge another.
    given("Host myserver\n    User me\nMatch exec \"false\"\n    ClearAllForwardings yes\n")
        .running(&["enable", "myserver", "--dry-run"])
        .produces("enable_match_exec_note");
}

#[test]
fn enable_refusals() {
    given("Host myserver\n    User me\nHost *\n    LocalForward 1455 localhost:9\n")
        .running(&["enable", "myserver", "--yes"])
        .produces("enable_shared_conflict");
    given("Host myserver\n    Bogus yes\n")
        .running(&["enable", "myserver", "--yes"])
        .produces("enable_unknown_keyword");
    given("\u{feff}Host myserver\n    User me\n")
        .running(&["enable", "myserver", "--yes"])
        .produces("enable_bom");
    given("Host myserver\n    ClearAllForwardings yes\n")
        .running(&["enable", "myserver", "--yes"])
        .produces("enable_clear_all");
    given(PLAIN)
        .running(&["enable", "me@myserver", "--yes"])
        .produces("enable_user_at_host");
    given(PLAIN)
        .running(&["enable", "myserver", "--port", "0"])
        .produces("enable_port_zero");
    given("Host myserver\n    RemoteForward 1455 localhost:1455\n")
        .running(&["enable", "myserver", "--yes"])
        .produces("enable_remote_forward");
    given("Host myserver\n    User me\nHost *\n    LocalForward [::1]:1455 localhost:1455\n")
        .running(&["enable", "myserver", "--yes"])
        .produces("enable_shared_v6_only");
    given("Host myserver\n    AddressFamily inet6\n")
        .running(&["enable", "myserver", "--yes"])
        .produces("enable_address_family");
    given("Host web*\n    HostName real.example\nMatch final all\n")
        .running(&["enable", "real.example", "--yes"])
        .produces("enable_final_pass");
}

#[test]
fn enable_replaces() {
    given(
        "Host myserver\n    LocalForward 1455 [::1]:1455\n    LocalForward 1455 localhost:8080\n",
    )
    .running(&["enable", "myserver", "--dry-run"])
    .produces("enable_replaces");
}

#[test]
fn disable_refusals() {
    given("Host myserver other\n    LocalForward 1455 localhost:1455\n")
        .running(&["disable", "myserver", "--yes"])
        .produces("disable_shared_block");
    given("LocalForward 1455 localhost:1455\nHost myserver\n    User me\n")
        .running(&["disable", "myserver", "--yes"])
        .produces("disable_global");
}

#[test]
fn disable() {
    given("Host myserver\n    LocalForward 1455 localhost:1455\n    LocalForward 1455 localhost:8080\n")
        .running(&["disable", "myserver", "--yes"])
        .produces("disable_with_note");
    given(PLAIN)
        .running(&["disable", "myserver", "--yes"])
        .produces("disable_nothing");
}

#[test]
fn status() {
    given("Host myserver\n    LocalForward 1455 localhost:1455\nHost other\n    LocalForward 1455 [::1]:1455\nHost gw\n    GatewayPorts yes\n    LocalForward 1455 localhost:1455\n")
        .running(&["status"])
        .produces("status_every_host");
    given("Host myserver\n    Compression maybe\n")
        .running(&["status", "myserver"])
        .produces("status_rejected_line");
    // ssh's own message is shown, not only where the line is.
    given("Host myserver\n    Bogus yes\n    LocalForward 1455 localhost:1455\n")
        .running(&["status"])
        .produces("status_rejected_keyword");
    given("Host v6\n    LocalForward [::1]:1455 localhost:1455\nHost upper\n    LocalForward LOCALHOST:1455 127.1:1455\nHost socks\n    DynamicForward 1455\nHost remote\n    LocalForward 1455 localhost:1455\n    RemoteForward 1455 localhost:1455\n")
        .running(&["status"])
        .produces("status_redirect_127");
    given("\u{feff}Host myserver\n    User me\n")
        .running(&["status", "myserver"])
        .produces("status_bom");
    // Each host's HostName, User and Port, in every combination shown, and a note.
    given("Host a\n    HostName h.example\n    User u\n    Port 2\n    LocalForward 1455 localhost:1455\nHost b\n    Port 3\nHost c\n    User v\n    Port 4\n    LocalForward 1455 [::1]:1455\nHost d\n    HostName x\n    Port 5\n    Match exec true\n")
        .running(&["status"])
        .produces("status_settings");
}

#[test]
fn doctor() {
    given("Host myserver\n    HostName 10.0.0.5\n")
        .running(&["doctor", "myserver", "--local-port", "1"])
        .produces("doctor_missing");
    given("Host myserver\n    LocalForward [::1]:1 localhost:1455\nHost d\n    DynamicForward 1\nHost r\n    LocalForward 1 localhost:1455\n    RemoteForward 1455 localhost:22\n")
        .running(&["doctor", "--local-port", "1"])
        .produces("doctor_v6_socks_remote");
    // A byte-order mark: named, and a fix that works (not IgnoreUnknown).
    given("\u{feff}Host myserver\n    User me\n")
        .running(&["doctor", "myserver", "--local-port", "1"])
        .produces("doctor_bom");
}

#[test]
fn help() {
    // The first screen a new user reads: `login` first, as the way to start.
    given(PLAIN).running(&["--help"]).produces("help");
}
