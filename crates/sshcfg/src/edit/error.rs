//! Why an edit cannot be made.

/// Why an edit cannot be made. Nothing is planned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    /// The host name is not one literal name ssh would read as such.
    #[error(transparent)]
    Host(#[from] crate::host::HostError),
    /// `ClearAllForwardings yes` applies to the host: no forward would take effect.
    #[error(
        "{path}:{line}: ClearAllForwardings {value} applies to {host}, so no LocalForward can take effect; remove it for this host first"
    )]
    ClearAllForwardings {
        /// The host.
        host: String,
        /// File of the setting.
        path: String,
        /// 1-based line.
        line: usize,
        /// The value as written.
        value: String,
    },
    /// The forward comes from a block shared with other hosts; removing it would change them.
    #[error(
        "{path}:{line}: the forward for {host} comes from {why}; removing it would change other hosts, so nothing was changed"
    )]
    Shared {
        /// The host.
        host: String,
        /// File of the forward line.
        path: String,
        /// 1-based line.
        line: usize,
        /// Which block, described.
        why: String,
    },
    /// The change would also alter another host (through OpenSSH's final pass, where `Host`
    /// lines are matched against the `HostName` of other hosts).
    #[error(
        "{host}: the change would also alter the effective config of {other} (its HostName is read against Host lines in the final pass); nothing was changed"
    )]
    AlsoChanges {
        /// The host asked for.
        host: String,
        /// Another host the change would reach.
        other: String,
    },
    /// ssh refuses the whole config because of this line, whatever the host.
    #[error(
        "{path}:{line}: ssh refuses this config: {message} (fix that line first); nothing was changed"
    )]
    Rejected {
        /// The file.
        path: String,
        /// 1-based line.
        line: usize,
        /// What ssh says.
        message: String,
    },
    /// Another forward of the same local port applies to the host from a block other hosts
    /// share: replacing it would change them, keeping it would keep the port from the new one.
    #[error(
        "{path}:{line}: {forward} also listens on local port {port} for {host} and comes from {why}; remove or change it there (or choose another local port), nothing was changed"
    )]
    Conflict {
        /// The host.
        host: String,
        /// File of the forward line.
        path: String,
        /// 1-based line.
        line: usize,
        /// The forward, as a config line (`LocalForward 1455 localhost:8080`).
        forward: String,
        /// The local port.
        port: u16,
        /// Which block, described.
        why: String,
    },
    /// A `RemoteForward` of the host makes sshd hold the remote port the tunnel must reach.
    #[error(
        "{path}:{line}: {forward} applies to {host}: sshd then listens on the remote machine's port {port} itself, so a server there cannot, and a LocalForward to it does not help; remove or change that line for {host} first, nothing was changed"
    )]
    RemotePortTaken {
        /// The host.
        host: String,
        /// File of the `RemoteForward` line.
        path: String,
        /// 1-based line.
        line: usize,
        /// The line, as written.
        forward: String,
        /// The remote port.
        port: u16,
    },
    /// The host's `AddressFamily` keeps ssh from listening on the client's address family.
    #[error(
        "{path}:{line}: the AddressFamily there applies to {host}: ssh then listens for forwards only on addresses of that family, and clients connect to {client}; remove it for this host (or make it `any`) first, nothing was changed"
    )]
    AddressFamily {
        /// The host.
        host: String,
        /// File of the `AddressFamily` line.
        path: String,
        /// 1-based line.
        line: usize,
        /// The address clients connect to.
        client: String,
    },
    /// No host or no forward was given.
    #[error("nothing to plan: no host or no forward given")]
    NothingAsked,
    /// `enable` writes loopback tunnels only (`L localhost:P`).
    #[error(
        "LocalForward {forward} is not a loopback tunnel (a local port on loopback to localhost or 127.0.0.1 on the remote side)"
    )]
    NotATunnel {
        /// The forward asked for.
        forward: String,
    },
    /// The edit was planned but ssh would not see the intended result (a bug, or a config this
    /// library does not fully evaluate).
    #[error(
        "{host}: the planned change does not have the intended effect ({why}); nothing was changed"
    )]
    NotEffective {
        /// The host.
        host: String,
        /// What went wrong.
        why: String,
    },
}
