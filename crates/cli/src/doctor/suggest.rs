//! The `codex-fwd` commands a finding suggests, written so that they work when run as printed:
//! with the `-F` and the ports the user gave (without them the command would read, or edit,
//! another file, or forward another port).

use std::path::Path;

use crate::shell::quote;

use crate::args::PortArgs;

/// How to write a suggested command line.
pub(crate) struct Suggest {
    /// `-F PATH ` (quoted for a POSIX shell), or nothing.
    config: String,
    /// The port options as given (`--port 1455,2455:1457 --local-port 2455`), or nothing.
    ports: String,
    /// `--port` as given, or nothing.
    port: String,
    /// The file given with `-F`, if any.
    file: Option<std::path::PathBuf>,
}

impl Suggest {
    /// For a run with `config` given with `-F` (or not) and `ports`.
    pub(crate) fn new(config: Option<&Path>, ports: &PortArgs) -> Suggest {
        let config_words = config
            .map(|p| format!("-F {} ", quote(&p.to_string_lossy())))
            .unwrap_or_default();
        let mut words = Vec::new();
        let default = ports.port.len() == 1 && ports.port[0].local.is_none();
        let mut port = String::new();
        if !default || ports.port[0].remote != crate::codex::DEFAULT_PORT {
            let list: Vec<String> = (ports.port.iter())
                .map(|p| match p.local {
                    Some(l) => format!("{l}:{}", p.remote),
                    None => p.remote.to_string(),
                })
                .collect();
            port = format!("--port {}", list.join(","));
            words.push(port.clone());
        }
        if let Some(l) = ports.local_port {
            words.push(format!("--local-port {l}"));
        }
        Suggest {
            config: config_words,
            ports: words.join(" "),
            port,
            file: config.map(Path::to_path_buf),
        }
    }

    /// The file given with `-F`, if any.
    pub(crate) fn file(&self) -> Option<&Path> {
        self.file.as_deref()
    }

    /// `codex-fwd [-F PATH] SUB HOSTS [--port as given] --local-port LOCAL`.
    pub(crate) fn run_with_local_port(&self, sub: &str, hosts: &str, local: u16) -> String {
        let ports = match self.port.as_str() {
            "" => format!("--local-port {local}"),
            port => format!("{port} --local-port {local}"),
        };
        self.join(sub, hosts, &ports)
    }

    /// `codex-fwd [-F PATH] SUB HOSTS [the ports given]`.
    pub(crate) fn run(&self, sub: &str, hosts: &str) -> String {
        self.join(sub, hosts, &self.ports)
    }

    /// `codex-fwd [-F PATH] SUB HOSTS PORTS`: other port options than the ones given.
    pub(crate) fn run_with_ports(&self, sub: &str, hosts: &str, ports: &str) -> String {
        self.join(sub, hosts, ports)
    }

    /// `ssh [-F PATH] ARGS HOST`: an ssh command that reads the same config as this run.
    pub(crate) fn ssh(&self, args: &str, host: &str) -> String {
        format!("ssh {}{args} {}", self.config, quote(host))
    }

    fn join(&self, sub: &str, hosts: &str, ports: &str) -> String {
        let mut s = format!("codex-fwd {}{sub} {hosts}", self.config);
        if !ports.is_empty() {
            s.push(' ');
            s.push_str(ports);
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn ports(args: &[&str]) -> PortArgs {
        #[derive(Parser)]
        struct P {
            #[command(flatten)]
            ports: PortArgs,
        }
        P::parse_from(std::iter::once("x").chain(args.iter().copied())).ports
    }

    #[test]
    fn suggestions_keep_the_config_and_ports_given() {
        let s = Suggest::new(None, &ports(&[]));
        assert_eq!(s.run("enable", "h"), "codex-fwd enable h");
        assert_eq!(s.ssh("-O exit", "h"), "ssh -O exit h");
        let s = Suggest::new(Some(Path::new("/a b/config")), &ports(&["--port", "8080"]));
        assert_eq!(
            s.run("enable", "h"),
            "codex-fwd -F '/a b/config' enable h --port 8080"
        );
        assert_eq!(s.ssh("-G", "h"), "ssh -F '/a b/config' -G h");
        let s = Suggest::new(
            Some(Path::new("cfg")),
            &ports(&["--port", "2455:1455,1457"]),
        );
        assert_eq!(
            s.run("tunnel", "h"),
            "codex-fwd -F cfg tunnel h --port 2455:1455,1457"
        );
        assert_eq!(
            s.run_with_local_port("enable", "h", 2456),
            "codex-fwd -F cfg enable h --port 2455:1455,1457 --local-port 2456"
        );
        let s = Suggest::new(None, &ports(&["--local-port", "2455"]));
        assert_eq!(
            s.run_with_local_port("enable", "h", 2456),
            "codex-fwd enable h --local-port 2456"
        );
        assert_eq!(s.run("enable", "h"), "codex-fwd enable h --local-port 2455");
        assert_eq!(
            s.run_with_ports("enable", "h", "--port 1455,1457"),
            "codex-fwd enable h --port 1455,1457"
        );
    }
}
