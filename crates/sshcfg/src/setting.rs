//! Typed access to the options a [`Resolution`](crate::Resolution) records for a host.
//!
//! Each option is a marker type naming its keyword and the type of its value:
//! `resolution.get::<setting::GatewayPorts>()` is the `GatewayPorts` in force, with the line that
//! set it. An option keeps the first value obtained for the host, as readconf.c does
//! (`if (*activep && *intptr == -1)`); a value OpenSSH refuses sets nothing (the file's
//! diagnostics report it, and ssh stops there). Adding an option is one line of the table below
//! (and its [`Keyword`] variant).
//!
//! ```
//! # use sshcfg::{ConfigSet, LoadOptions, ResolveContext, setting};
//! let text = b"Host web\n  User deploy\n  GatewayPorts yes\nHost *\n  User nobody\n".to_vec();
//! let set = ConfigSet::from_main_bytes(text,
//!     &LoadOptions::explicit_file("config", "/nonexistent")).unwrap();
//! let r = set.resolve("web", &ResolveContext::new("me"));
//! assert_eq!(r.get::<setting::User>().unwrap().value, "deploy");
//! assert!(r.get::<setting::GatewayPorts>().unwrap().value.is_yes());
//! assert_eq!(r.get::<setting::GatewayPorts>().unwrap().loc.line(), 3);
//! assert!(r.get::<setting::ControlMaster>().is_none());
//! ```

use crate::keyword::Keyword;
use crate::loc::{Loc, Located};
use crate::options;

/// An option whose effective value a [`Resolution`](crate::Resolution) records: the types of
/// this module. Sealed: the set of recorded options is the library's.
pub trait Setting: sealed::Sealed {
    /// The option's keyword.
    const KEYWORD: Keyword;
    /// Its value as OpenSSH reads the first argument.
    type Value: Clone + std::fmt::Debug;
    #[doc(hidden)]
    fn slot(s: &Settings) -> &Option<Located<Self::Value>>;
    #[doc(hidden)]
    fn slot_mut(s: &mut Settings) -> &mut Option<Located<Self::Value>>;
}

mod sealed {
    pub trait Sealed {}
}

/// A value kept as written (unexpanded).
fn text(v: &[u8]) -> Option<String> {
    // UTF-8 (nearly every value) is copied as it is; anything else as `from_utf8_lossy` reads it.
    Some(match std::str::from_utf8(v) {
        Ok(s) => s.to_owned(),
        Err(_) => String::from_utf8_lossy(v).into_owned(),
    })
}

macro_rules! settings {
    ($( $(#[$doc:meta])* $name:ident ($field:ident): $ty:ty = $parse:expr; )*) => {
        /// The recorded options of one resolution (read them with
        /// [`Resolution::get`](crate::Resolution::get)).
        #[doc(hidden)]
        #[derive(Debug, Clone, Default, PartialEq, Eq)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize))]
        pub struct Settings {
            $( $field: Option<Located<$ty>>, )*
        }

        impl Settings {
            /// Record the first argument `arg` of a `kw` line at `loc` that applies, unless a
            /// value is already there (first wins) or ssh refuses it. `false`: `kw` is not
            /// recorded here.
            pub(crate) fn record(&mut self, kw: Keyword, loc: Loc, arg: &[u8]) -> bool {
                match kw {
                    $( Keyword::$name => {
                        if self.$field.is_none() {
                            if let Some(value) = ($parse)(arg) {
                                self.$field = Some(Located { value, loc });
                            }
                        }
                        true
                    } )*
                    _ => false,
                }
            }
        }

        $(
            $(#[$doc])*
            #[derive(Debug, Clone, Copy, PartialEq, Eq)]
            pub struct $name;
            impl sealed::Sealed for $name {}
            impl Setting for $name {
                const KEYWORD: Keyword = Keyword::$name;
                type Value = $ty;
                fn slot(s: &Settings) -> &Option<Located<$ty>> {
                    &s.$field
                }
                fn slot_mut(s: &mut Settings) -> &mut Option<Located<$ty>> {
                    &mut s.$field
                }
            }
        )*
    };
}

settings! {
    /// `HostName`, as written (its `%` tokens unexpanded). A final pass never changes it: ssh.c
    /// makes the host name the one the first pass gave before reading the files again.
    HostName (hostname): String = text;
    /// `User`, as written.
    User (user): String = text;
    /// `Port`, as written.
    Port (port): String = text;
    /// `IgnoreUnknown`: the pattern list in force, as written.
    IgnoreUnknown (ignore_unknown): String = text;
    /// `AddressFamily`: the family local forwards listen on, too.
    AddressFamily (address_family): options::AddressFamily = options::AddressFamily::parse;
    /// `ClearAllForwardings`.
    ClearAllForwardings (clear_all_forwardings): options::Flag = options::Flag::parse;
    /// `GatewayPorts`.
    GatewayPorts (gateway_ports): options::Flag = options::Flag::parse;
    /// `ExitOnForwardFailure`.
    ExitOnForwardFailure (exit_on_forward_failure): options::Flag = options::Flag::parse;
    /// `ControlMaster`.
    ControlMaster (control_master): options::ControlMaster = options::ControlMaster::parse;
    /// `ControlPersist`.
    ControlPersist (control_persist): options::ControlPersist = options::ControlPersist::parse;
}
