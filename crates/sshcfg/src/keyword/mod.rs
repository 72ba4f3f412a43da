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

/// The keywords this library acts on, by their lowercase names.
const NAMED: &[(&str, Keyword)] = &[
    ("tag", Keyword::Tag),
    ("host", Keyword::Host),
    ("user", Keyword::User),
    ("port", Keyword::Port),
    ("match", Keyword::Match),
    ("include", Keyword::Include),
    ("hostname", Keyword::HostName),
    ("localforward", Keyword::LocalForward),
    ("gatewayports", Keyword::GatewayPorts),
    ("controlmaster", Keyword::ControlMaster),
    ("remoteforward", Keyword::RemoteForward),
    ("ignoreunknown", Keyword::IgnoreUnknown),
    ("addressfamily", Keyword::AddressFamily),
    ("controlpersist", Keyword::ControlPersist),
    ("dynamicforward", Keyword::DynamicForward),
    ("canonicaldomains", Keyword::CanonicalDomains),
    ("clearallforwardings", Keyword::ClearAllForwardings),
    ("exitonforwardfailure", Keyword::ExitOnForwardFailure),
    ("canonicalizehostname", Keyword::CanonicalizeHostname),
];

impl Keyword {
    /// The keyword `kw` names, ignoring letter case.
    #[cfg(test)]
    pub(crate) fn from_bytes(kw: &[u8]) -> Keyword {
        // Every name is lowercase letters only, so `byte | 0x20` folds the case of the
        // keyword's byte exactly when it is a letter (anything else cannot match).
        NAMED
            .iter()
            .find(|(name, _)| {
                name.len() == kw.len() && kw.iter().zip(name.bytes()).all(|(&a, b)| a | 0x20 == b)
            })
            .map_or(Keyword::Other, |&(_, k)| k)
    }

    /// The keyword of a lowercase name (at compile time: the keyword table's names).
    pub(crate) const fn of_name(name: &str) -> Keyword {
        let name = name.as_bytes();
        let mut k = 0;
        while k < NAMED.len() {
            let candidate = NAMED[k].0.as_bytes();
            if candidate.len() == name.len() {
                let mut i = 0;
                while i < name.len() && candidate[i] == name[i] {
                    i += 1;
                }
                if i == name.len() {
                    return NAMED[k].1;
                }
            }
            k += 1;
        }
        Keyword::Other
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_named_keyword_is_an_entry_of_the_table() {
        for &(name, k) in NAMED {
            let at = table::lookup_index(name.as_bytes()).expect(name);
            assert_eq!(table::keyword_of(at), k, "{name}");
        }
        let acted_on = table::KEYWORDS
            .iter()
            .enumerate()
            .filter(|&(i, _)| table::keyword_of(i as u8) != Keyword::Other)
            .count();
        assert_eq!(acted_on, NAMED.len());
    }
}
