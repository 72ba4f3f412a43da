//! Codex's doctor: what stops the login callback from arriving, in plain sentences with a fix
//! for each. The config is judged with the library's OpenSSH model (`config`); what needs the
//! running system is in `machine`.

mod config;
mod finding;
mod machine;
mod probe;
mod suggest;

pub(crate) use config::{Missing, error_findings, file_findings, host_findings};
pub(crate) use finding::{Code, Finding, Severity};
pub(crate) use machine::{home_finding, permission_findings, port_findings, ssh_g_findings};
pub(crate) use probe::{probe, probe_finding};
pub(crate) use suggest::Suggest;
