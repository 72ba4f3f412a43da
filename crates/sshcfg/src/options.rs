//! Typed values of the options that decide whether a forward takes effect, read as OpenSSH's
//! `process_config_line_depth` (readconf.c) reads them. Nothing else in the library compares
//! option strings.
//!
//! - Flags (`ClearAllForwardings`, `GatewayPorts`, `ExitOnForwardFailure`) use the table
//!   `multistate_flag`: `yes`/`true` and `no`/`false`, compared with `strcasecmp`, so in any
//!   letter case.
//! - `ControlMaster` uses `multistate_controlmaster`: `yes`/`true`, `no`/`false`, `ask`, `auto`,
//!   `autoask`, in any letter case.
//! - `ControlPersist` compares `yes`/`true`/`no`/`false` with `strcmp` (lowercase only; checked
//!   with `ssh -G`: `ControlPersist YES` is "Bad ControlPersist argument"), else reads a time
//!   (`convtime`: `10m`, `1h30m`, `0` meaning "forever").
//!
//! A value outside the table is an error in every block, applying or not: OpenSSH parses the
//! value before it looks at whether the block is active, and stops ("terminating, 1 bad
//! configuration options").

use std::fmt;

/// `AddressFamily` (`multistate_addressfamily`: `inet`, `inet6`, `any`, in any letter case): which
/// address family ssh uses, for its connection and for the addresses its local forwards listen
/// on (`getaddrinfo` with that family; checked with `ssh -o AddressFamily=inet6 -L P:...` and
/// `ss -ltn`: `[::1]:P` only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum AddressFamily {
    /// `any`: both.
    Any,
    /// `inet`: IPv4 only.
    Inet,
    /// `inet6`: IPv6 only.
    Inet6,
}

impl AddressFamily {
    /// Read a value as `multistate_addressfamily` does; `None` when OpenSSH would reject it.
    pub fn parse(v: &[u8]) -> Option<AddressFamily> {
        [
            (&b"inet"[..], AddressFamily::Inet),
            (b"inet6", AddressFamily::Inet6),
            (b"any", AddressFamily::Any),
        ]
        .into_iter()
        .find(|(name, _)| v.eq_ignore_ascii_case(name))
        .map(|(_, f)| f)
    }

    /// Is `ip` of this family?
    pub fn admits(self, ip: std::net::IpAddr) -> bool {
        match self {
            AddressFamily::Any => true,
            AddressFamily::Inet => ip.is_ipv4(),
            AddressFamily::Inet6 => ip.is_ipv6(),
        }
    }
}

/// A yes/no option (`multistate_flag`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Flag {
    /// `yes` or `true`.
    Yes,
    /// `no` or `false`.
    No,
}

impl Flag {
    /// Read a value as `multistate_flag` does; `None` when OpenSSH would reject it.
    pub fn parse(v: &[u8]) -> Option<Flag> {
        match () {
            _ if v.eq_ignore_ascii_case(b"yes") || v.eq_ignore_ascii_case(b"true") => {
                Some(Flag::Yes)
            }
            _ if v.eq_ignore_ascii_case(b"no") || v.eq_ignore_ascii_case(b"false") => {
                Some(Flag::No)
            }
            _ => None,
        }
    }

    /// Is it `yes`?
    pub fn is_yes(self) -> bool {
        self == Flag::Yes
    }
}

/// `ControlMaster` (`multistate_controlmaster`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum ControlMaster {
    /// `no` or `false`: no connection sharing from this side.
    No,
    /// `yes` or `true`: this connection becomes a master.
    Yes,
    /// `ask`.
    Ask,
    /// `auto`: use a master if one is running, else become one.
    Auto,
    /// `autoask`.
    AutoAsk,
}

impl ControlMaster {
    /// Read a value as `multistate_controlmaster` does; `None` when OpenSSH would reject it.
    pub fn parse(v: &[u8]) -> Option<ControlMaster> {
        let is = |s: &str| v.eq_ignore_ascii_case(s.as_bytes());
        Some(match () {
            _ if is("yes") || is("true") => ControlMaster::Yes,
            _ if is("no") || is("false") => ControlMaster::No,
            _ if is("ask") => ControlMaster::Ask,
            _ if is("auto") => ControlMaster::Auto,
            _ if is("autoask") => ControlMaster::AutoAsk,
            _ => return None,
        })
    }

    /// Does this connection take part in connection sharing (anything but `no`)?
    pub fn shares(self) -> bool {
        self != ControlMaster::No
    }
}

/// `ControlPersist`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum ControlPersist {
    /// `no` or `false`: the master ends with its first session.
    No,
    /// `yes`, `true` or `0`: the master stays in the background until told to exit.
    Forever,
    /// A time: the master stays this many seconds after the last session.
    Seconds(u64),
}

impl ControlPersist {
    /// Read a value as readconf.c does (`strcmp` for the words, `convtime` for times); `None`
    /// when OpenSSH would reject it.
    pub fn parse(v: &[u8]) -> Option<ControlPersist> {
        match v {
            b"no" | b"false" => Some(ControlPersist::No),
            b"yes" | b"true" => Some(ControlPersist::Forever),
            // The one reading of convtime (leading blanks, `\v` too, and a `+` are read).
            _ => match u64::try_from(crate::diagnose::value::convtime(v)?).ok()? {
                0 => Some(ControlPersist::Forever),
                s => Some(ControlPersist::Seconds(s)),
            },
        }
    }

    /// Does a master connection outlive its first session?
    pub fn persists(self) -> bool {
        self != ControlPersist::No
    }
}

/// Whose build of OpenSSH the client is, as `ssh -V` names it: some vendors' patches add
/// keywords that upstream OpenSSH refuses ("Bad configuration option").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[non_exhaustive]
pub enum Vendor {
    /// A build `ssh -V` names no vendor for: OpenSSH portable as released, and the builds of
    /// Fedora, Homebrew, the BSDs... (`OpenSSH_10.0p2, OpenSSL 3.5.0 8 Apr 2025`).
    #[default]
    Portable,
    /// Apple's build, the `ssh` of macOS (`OpenSSH_9.8p1, LibreSSL 3.3.6`): a portable release
    /// built with LibreSSL, which `ssh -V` names. Its patches add the client keywords
    /// `UseKeychain`, `AppleMultipath` (from 9.0) and `NoHostAuthenticationForProxyCommand`
    /// (from 9.6) ([`Vendor::has_apple_patches`]).
    Apple,
    /// Win32-OpenSSH (`OpenSSH_for_Windows_9.5p1`).
    Windows,
    /// Debian's package (`OpenSSH_9.2p1 Debian-2+deb12u6`).
    Debian,
    /// Ubuntu's package, built from Debian's source (`OpenSSH_9.6p1 Ubuntu-3ubuntu13.5`).
    Ubuntu,
    /// Raspbian's rebuild of Debian's package (`OpenSSH_9.2p1 Raspbian-2+deb12u3`).
    Raspbian,
}

impl Vendor {
    /// Does this build carry Debian's patches (`debian/patches` of its `openssh` source
    /// package), which add the client keywords `ProtocolKeepAlives` and `SetupTimeOut`
    /// (`keepalive-extensions.patch`) and `UseBlacklistedKeys` (`ssh-vulnkey-compat.patch`),
    /// and let a config be group-writable when the user is the group's one member
    /// (`user-group-modes.patch`)?
    /// Debian's packaging names the vendor in `ssh -V` (`SSH_EXTRAVERSION`, from
    /// `dpkg-vendor`), so a distribution built from it says so.
    pub fn has_debian_patches(self) -> bool {
        matches!(self, Vendor::Debian | Vendor::Ubuntu | Vendor::Raspbian)
    }

    /// Does this build carry Apple's patches (apple-oss-distributions/OpenSSH, built with
    /// `__APPLE_KEYCHAIN__`, `__APPLE_NW_CONNECTION__` and `__APPLE_NOHOSTAUTHPROXY__`), which add
    /// the client flags `UseKeychain`, `AppleMultipath` (Apple's 9.0 and later) and
    /// `NoHostAuthenticationForProxyCommand` (9.6 and later)?
    pub fn has_apple_patches(self) -> bool {
        self == Vendor::Apple
    }

    /// Read the vendor from what `ssh -V` prints (see [`OpenSshVersion::from_ssh_v`]).
    /// `portable`: the release has the portable suffix (`9.8p1`, not OpenBSD's `9.8`).
    fn from_ssh_v(windows: bool, portable: bool, after_release: &str) -> Vendor {
        if windows {
            return Vendor::Windows;
        }
        // `OpenSSH_9.2p1 Debian-2+deb12u6, OpenSSL ...`: `SSH_RELEASE` is the release, a space
        // and `VENDOR-REVISION`; without a vendor a comma follows the release.
        let word = after_release
            .strip_prefix(' ')
            .and_then(|r| r.split([',', ' ']).next())
            .unwrap_or_default();
        match word.split_once('-').map(|(v, _)| v) {
            Some("Debian") => Vendor::Debian,
            Some("Ubuntu") => Vendor::Ubuntu,
            Some("Raspbian") => Vendor::Raspbian,
            // `OpenSSH_9.8p1, LibreSSL 3.3.6`: no vendor word, the library LibreSSL. Apple's is
            // the one portable build of the day linked with LibreSSL (Windows' says
            // `for_Windows`, OpenBSD's has no portable suffix; Linux distributions that once
            // built with LibreSSL went back to OpenSSL by 2021).
            _ if portable && after_release.starts_with(", LibreSSL ") => Vendor::Apple,
            _ => Vendor::Portable,
        }
    }
}

/// The version of the OpenSSH client that reads the config: keywords and `Match` criteria newer
/// than it make it refuse the config, and so do keywords its vendor's build lacks.
///
/// Ordered by release first (`major`, `minor`), then by vendor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OpenSshVersion {
    /// Major version (`9` in 9.2p1).
    pub major: u32,
    /// Minor version (`2` in 9.2p1).
    pub minor: u32,
    /// Whose build it is ([`Vendor::Portable`] unless `ssh -V` names another).
    pub vendor: Vendor,
}

impl OpenSshVersion {
    /// Release `major.minor` as OpenSSH portable builds it ([`Vendor::Portable`]).
    pub const fn new(major: u32, minor: u32) -> OpenSshVersion {
        OpenSshVersion {
            major,
            minor,
            vendor: Vendor::Portable,
        }
    }

    /// The same release, as `vendor` builds it.
    pub const fn with_vendor(self, vendor: Vendor) -> OpenSshVersion {
        OpenSshVersion { vendor, ..self }
    }

    /// Read what `ssh -V` prints: `OpenSSH_9.2p1 Debian-2+deb12u6, OpenSSL ...` (also
    /// `OpenSSH_for_Windows_9.5p1`, and macOS's `OpenSSH_9.8p1, LibreSSL 3.3.6`), with the
    /// vendor it names.
    pub fn from_ssh_v(text: &str) -> Option<OpenSshVersion> {
        let at = text.find("OpenSSH_")? + "OpenSSH_".len();
        let rest = &text[at..];
        let windows = rest.starts_with("for_Windows_");
        let rest = rest.strip_prefix("for_Windows_").unwrap_or(rest);
        let (major, rest) = rest.split_once('.')?;
        let minor: String = rest.chars().take_while(char::is_ascii_digit).collect();
        // The portable suffix (`p1`) ends the release.
        let suffix = &rest[minor.len()..];
        let after = suffix.trim_start_matches(|c: char| c.is_ascii_alphanumeric());
        Some(OpenSshVersion {
            major: major.parse().ok()?,
            minor: minor.parse().ok()?,
            vendor: Vendor::from_ssh_v(windows, suffix.starts_with('p'), after),
        })
    }
}

impl fmt::Display for OpenSshVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OpenSSH {}.{}", self.major, self.minor)
    }
}

impl fmt::Display for Flag {
    /// As `ssh -G` prints it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Flag::Yes => "yes",
            Flag::No => "no",
        })
    }
}

impl fmt::Display for ControlMaster {
    /// As `ssh -G` prints it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ControlMaster::No => "false",
            ControlMaster::Yes => "true",
            ControlMaster::Ask => "ask",
            ControlMaster::Auto => "auto",
            ControlMaster::AutoAsk => "autoask",
        })
    }
}

impl fmt::Display for ControlPersist {
    /// As `ssh -G` prints it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ControlPersist::No => f.write_str("no"),
            ControlPersist::Forever => f.write_str("yes"),
            ControlPersist::Seconds(s) => write!(f, "{s}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_in_any_letter_case() {
        for v in ["yes", "YES", "True", "tRUE"] {
            assert_eq!(Flag::parse(v.as_bytes()), Some(Flag::Yes), "{v}");
        }
        for v in ["no", "No", "FALSE", "false"] {
            assert_eq!(Flag::parse(v.as_bytes()), Some(Flag::No), "{v}");
        }
        for v in ["", "1", "0", "on", "yes!", "y"] {
            assert_eq!(Flag::parse(v.as_bytes()), None, "{v}");
        }
    }

    #[test]
    fn versions_from_ssh_v() {
        let v = |s| OpenSshVersion::from_ssh_v(s);
        assert_eq!(
            v("OpenSSH_9.2p1 Debian-2+deb12u6, OpenSSL 3.0.19 27 Jan 2026"),
            Some(OpenSshVersion::new(9, 2).with_vendor(Vendor::Debian))
        );
        assert_eq!(
            v("OpenSSH_for_Windows_9.5p1, LibreSSL 3.8.2"),
            Some(OpenSshVersion::new(9, 5).with_vendor(Vendor::Windows))
        );
        assert_eq!(
            v("OpenSSH_9.6p1 Ubuntu-3ubuntu13.5, OpenSSL 3.0.13 30 Jan 2024"),
            Some(OpenSshVersion::new(9, 6).with_vendor(Vendor::Ubuntu))
        );
        assert_eq!(
            v("OpenSSH_9.2p1 Raspbian-2+deb12u3, OpenSSL 3.0.15 3 Sep 2024"),
            Some(OpenSshVersion::new(9, 2).with_vendor(Vendor::Raspbian))
        );
        // macOS's own ssh (`/usr/bin/ssh`, macOS 15), and its 26: Apple's build.
        assert_eq!(
            v("OpenSSH_9.8p1, LibreSSL 3.3.6"),
            Some(OpenSshVersion::new(9, 8).with_vendor(Vendor::Apple))
        );
        assert_eq!(
            v("OpenSSH_10.0p2, LibreSSL 3.3.6"),
            Some(OpenSshVersion::new(10, 0).with_vendor(Vendor::Apple))
        );
        // Homebrew's on macOS, OpenBSD's (no portable suffix): not Apple's.
        assert_eq!(
            v("OpenSSH_10.0p2, OpenSSL 3.5.0 8 Apr 2025"),
            Some(OpenSshVersion::new(10, 0))
        );
        assert_eq!(
            v("OpenSSH_9.8, LibreSSL 3.9.0"),
            Some(OpenSshVersion::new(9, 8))
        );
        // A release with no vendor: portable.
        assert_eq!(v("OpenSSH_10.0p2"), Some(OpenSshVersion::new(10, 0)));
        // The vendor is the word right after the release, spelled as dpkg-vendor does.
        assert_eq!(v("OpenSSH_10.0p2 Ubuntu"), Some(OpenSshVersion::new(10, 0)));
        assert_eq!(
            v("OpenSSH_9.6p1, OpenSSL 3.0.13 Debian-1"),
            Some(OpenSshVersion::new(9, 6))
        );
        assert_eq!(v("OpenSSH_9.2p1 debian-2"), Some(OpenSshVersion::new(9, 2)));
        assert_eq!(v("usage: ssh"), None);
        for vendor in [Vendor::Debian, Vendor::Ubuntu, Vendor::Raspbian] {
            assert!(vendor.has_debian_patches(), "{vendor:?}");
        }
        for vendor in [Vendor::Portable, Vendor::Windows, Vendor::Apple] {
            assert!(!vendor.has_debian_patches(), "{vendor:?}");
        }
        for vendor in [Vendor::Portable, Vendor::Windows, Vendor::Debian] {
            assert!(!vendor.has_apple_patches(), "{vendor:?}");
        }
        assert!(Vendor::Apple.has_apple_patches());
    }

    #[test]
    fn control_persist_words_are_lowercase_only() {
        assert_eq!(ControlPersist::parse(b"YES"), None);
        assert_eq!(
            ControlPersist::parse(b"true"),
            Some(ControlPersist::Forever)
        );
        assert_eq!(ControlPersist::parse(b"0"), Some(ControlPersist::Forever));
        assert_eq!(
            ControlPersist::parse(b"1h30m"),
            Some(ControlPersist::Seconds(5400))
        );
        assert_eq!(ControlPersist::parse(b"-1"), None);
        assert_eq!(ControlPersist::parse(b"10x"), None);
        // convtime's strtol skips leading blanks, the vertical tab among them (`ssh -G` 9.2p1:
        // `ControlPersist " 10m"` is `controlpersist 600`).
        assert_eq!(
            ControlPersist::parse(b"\x0b10m"),
            Some(ControlPersist::Seconds(600))
        );
        assert_eq!(
            ControlPersist::parse(b"1h +5m"),
            Some(ControlPersist::Seconds(3900))
        );
    }
}
