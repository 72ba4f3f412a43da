//! The keywords this library reads; every other one is kept as it is. `table` holds every
//! keyword OpenSSH knows, as data.

pub(crate) mod table;

/// The keywords this library acts on; every other keyword is [`Keyword::Other`] and is kept as is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Keyword {
    /// `Host`: starts a block.
    Host,
    /// `Match`: starts a block.
    Match,
    /// `Include`.
    Include,
    /// `LocalForward`.
    LocalForward,
    /// `DynamicForward`: a SOCKS listener, which ssh keeps in the same list as `LocalForward`s.
    DynamicForward,
    /// `RemoteForward`: sshd listens on the remote machine's port.
    RemoteForward,
    /// `HostName`.
    HostName,
    /// `User`.
    User,
    /// `Port`.
    Port,
    /// `ClearAllForwardings`.
    ClearAllForwardings,
    /// `CanonicalizeHostname`.
    CanonicalizeHostname,
    /// `Tag` (OpenSSH 9.4+), read by `Match tagged`.
    Tag,
    /// `GatewayPorts`.
    GatewayPorts,
    /// `ExitOnForwardFailure`.
    ExitOnForwardFailure,
    /// `ControlMaster`.
    ControlMaster,
    /// `ControlPersist`.
    ControlPersist,
    /// `IgnoreUnknown`: keywords whose rejection a host's config silences.
    IgnoreUnknown,
    /// `AddressFamily`: which families ssh's listeners may bind.
    AddressFamily,
    /// `CanonicalDomains`: the suffixes canonicalisation tries.
    CanonicalDomains,
    /// Any other keyword (known to OpenSSH or not).
    Other,
}

impl Keyword {
    pub(crate) fn from_bytes(kw: &[u8]) -> Keyword {
        // Every name below is lowercase letters only, so `byte | 0x20` folds the case of the
        // keyword's byte exactly when it is a letter (anything else cannot match).
        let is = |name: &[u8]| kw.iter().zip(name).all(|(&a, &b)| a | 0x20 == b);
        let candidates: &[(&[u8], Keyword)] = match kw.len() {
            3 => &[(b"tag", Keyword::Tag)],
            4 => &[
                (b"host", Keyword::Host),
                (b"user", Keyword::User),
                (b"port", Keyword::Port),
            ],
            5 => &[(b"match", Keyword::Match)],
            7 => &[(b"include", Keyword::Include)],
            8 => &[(b"hostname", Keyword::HostName)],
            12 => &[
                (b"localforward", Keyword::LocalForward),
                (b"gatewayports", Keyword::GatewayPorts),
            ],
            13 => &[
                (b"controlmaster", Keyword::ControlMaster),
                (b"remoteforward", Keyword::RemoteForward),
                (b"ignoreunknown", Keyword::IgnoreUnknown),
                (b"addressfamily", Keyword::AddressFamily),
            ],
            14 => &[
                (b"controlpersist", Keyword::ControlPersist),
                (b"dynamicforward", Keyword::DynamicForward),
            ],
            16 => &[(b"canonicaldomains", Keyword::CanonicalDomains)],
            19 => &[(b"clearallforwardings", Keyword::ClearAllForwardings)],
            20 => &[
                (b"exitonforwardfailure", Keyword::ExitOnForwardFailure),
                (b"canonicalizehostname", Keyword::CanonicalizeHostname),
            ],
            _ => &[],
        };
        candidates
            .iter()
            .find(|(name, _)| is(name))
            .map_or(Keyword::Other, |&(_, k)| k)
    }

    /// The keyword as `ssh_config(5)` spells it (`Other` has no name: `""`).
    pub fn name(self) -> &'static str {
        match self {
            Keyword::Host => "Host",
            Keyword::Match => "Match",
            Keyword::Include => "Include",
            Keyword::LocalForward => "LocalForward",
            Keyword::DynamicForward => "DynamicForward",
            Keyword::RemoteForward => "RemoteForward",
            Keyword::HostName => "HostName",
            Keyword::User => "User",
            Keyword::Port => "Port",
            Keyword::ClearAllForwardings => "ClearAllForwardings",
            Keyword::CanonicalizeHostname => "CanonicalizeHostname",
            Keyword::Tag => "Tag",
            Keyword::GatewayPorts => "GatewayPorts",
            Keyword::ExitOnForwardFailure => "ExitOnForwardFailure",
            Keyword::ControlMaster => "ControlMaster",
            Keyword::ControlPersist => "ControlPersist",
            Keyword::IgnoreUnknown => "IgnoreUnknown",
            Keyword::AddressFamily => "AddressFamily",
            Keyword::CanonicalDomains => "CanonicalDomains",
            Keyword::Other => "",
        }
    }

    /// Does this keyword start a new block?
    pub fn starts_block(self) -> bool {
        matches!(self, Keyword::Host | Keyword::Match)
    }
}
