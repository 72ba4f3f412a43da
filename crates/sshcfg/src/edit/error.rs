//! Why an edit cannot be made: typed reasons, with the lines they are about. What to tell the
//! user, and what to advise, is the caller's to decide (the lines' paths come from
//! [`crate::ConfigSet::place`]).

use std::net::IpAddr;

use crate::forward::Forward;
use crate::listener::Blocker;
use crate::loc::{FileId, Loc};

/// Why an edit cannot be made. Nothing is planned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EditError {
    /// The host name is not one literal name ssh would read as such.
    #[error(transparent)]
    Host(#[from] crate::host::HostError),
    /// `ClearAllForwardings yes` applies to the host: no forward would take effect.
    #[error("ClearAllForwardings {value} applies to {host}")]
    ClearAllForwardings {
        /// The host.
        host: String,
        /// The setting.
        loc: Loc,
        /// The value as written.
        value: String,
    },
    /// The forward to remove comes from a block shared with other hosts; removing it would
    /// change them.
    #[error("the forward for {host} is shared with other hosts")]
    Shared {
        /// The host.
        host: String,
        /// The forward line.
        loc: Loc,
        /// Where the line is, that other hosts share.
        origin: Origin,
    },
    /// The change would also alter another host (through OpenSSH's final pass, where `Host`
    /// lines are matched against the `HostName` of other hosts).
    #[error("{host}: the change would also alter another host")]
    AlsoChanges {
        /// The host asked for.
        host: String,
        /// Another host the change would reach.
        other: OtherHost,
    },
    /// ssh refuses the whole config because of this line, whatever the host.
    #[error(transparent)]
    Rejected(#[from] Rejection),
    /// Another forward of the same local port applies to the host from a block other hosts
    /// share: replacing it would change them, keeping it would keep the port from the new one.
    #[error("{} also listens on local port {port} for {host}", forward.directive())]
    Conflict {
        /// The host.
        host: String,
        /// The forward line.
        loc: Loc,
        /// The forward there.
        forward: Box<Forward>,
        /// The local port.
        port: u16,
        /// Where the line is, that other hosts share.
        origin: Origin,
    },
    /// A `RemoteForward` of the host makes sshd hold the remote port the tunnel must reach.
    #[error("{line} applies to {host} and takes remote port {port}")]
    RemotePortTaken {
        /// The host.
        host: String,
        /// The `RemoteForward` line.
        loc: Loc,
        /// The line, as written (trimmed).
        line: String,
        /// The remote port.
        port: u16,
    },
    /// The host's `AddressFamily` keeps ssh from listening on the client's address family.
    #[error("the AddressFamily there applies to {host} and excludes {client}")]
    AddressFamily {
        /// The host.
        host: String,
        /// The `AddressFamily` line.
        loc: Loc,
        /// The address clients connect to.
        client: IpAddr,
    },
    /// No host or no forward was given.
    #[error("no host or no forward given")]
    NothingAsked,
    /// Not a loopback tunnel (`L localhost:P`, see [`crate::is_loopback_tunnel`]).
    #[error("LocalForward {} is not a loopback tunnel", forward.config_args())]
    NotATunnel {
        /// The forward asked for.
        forward: Box<Forward>,
    },
    /// The edit was planned but ssh would not see the intended result (a bug, or a config this
    /// library does not fully evaluate).
    #[error("{host}: the planned change does not have the intended effect")]
    NotEffective {
        /// The host.
        host: String,
        /// What went wrong.
        why: Ineffective,
    },
    /// A request of a run of several ([`crate::ConfigSet::plan`]) refused only on the config
    /// the run's earlier requests leave: on the files as they are it would be planned. The
    /// reason's lines are those of that config, which no file holds yet.
    #[error("{reason} (once the change for {} is made)", earlier.join(", "))]
    AfterEarlier {
        /// The host of the refused request.
        host: String,
        /// The hosts of the earlier requests that change something, in order.
        earlier: Vec<String>,
        /// Why it is refused there.
        reason: Box<EditError>,
    },
}

impl EditError {
    /// The line the reason is about, if one is.
    pub fn loc(&self) -> Option<Loc> {
        match self {
            EditError::ClearAllForwardings { loc, .. }
            | EditError::Shared { loc, .. }
            | EditError::Conflict { loc, .. }
            | EditError::RemotePortTaken { loc, .. }
            | EditError::AddressFamily { loc, .. } => Some(*loc),
            EditError::Rejected(r) => Some(r.loc),
            _ => None,
        }
    }
}

/// A line that makes ssh refuse the whole config, with what ssh says of it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Rejection {
    /// The line.
    pub loc: Loc,
    /// What ssh says.
    pub message: String,
}

/// Where a forward line is, when it is not in a block for one host alone.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Origin {
    /// A file this tool does not edit (the system config).
    SystemConfig {
        /// The file.
        file: FileId,
    },
    /// The top of an included file, before its first block.
    IncludedTop {
        /// The included file.
        file: FileId,
        /// The `Include` line.
        include: Loc,
        /// The header of the block the `Include` line is in, if any.
        within: Option<Loc>,
    },
    /// The global part of the main file (before its first block): it applies to every host.
    Global,
    /// A block whose header is not a `Host` line for this host alone.
    Block {
        /// The block's header line.
        header: Loc,
    },
}

/// Another host an edit would reach.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum OtherHost {
    /// Hosts whose `HostName` is this name (read against `Host` lines in the final pass).
    HostName {
        /// The name, lowercased.
        name: String,
        /// The `HostName` line.
        loc: Loc,
    },
    /// A host named in the config, whose forwards the change alters.
    Named(String),
}

/// Why a planned edit would not have its effect.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Ineffective {
    /// After the change, the tunnel is still blocked.
    Blocked(Blocker),
    /// After the change, more than one forward of the local port remains.
    SeveralForwards {
        /// The local port.
        port: u16,
    },
    /// After removing, an equivalent forward is still effective.
    StillEffective,
}
