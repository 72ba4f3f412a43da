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

/// Room of strings a [`Settings`] held for an earlier host, kept for the next (resolving host
/// after host into one [`Resolution`](crate::Resolution) then allocates no string for them).
/// It is no part of the settings: equal whatever it holds, not printed, cloned empty.
#[derive(Default)]
pub(crate) struct Spare(Vec<String>);

impl Clone for Spare {
    fn clone(&self) -> Spare {
        Spare::default()
    }
}

impl PartialEq for Spare {
    fn eq(&self, _: &Spare) -> bool {
        true
    }
}

impl Eq for Spare {}

/// A recorded option's value: read from the first argument of a line (`None`: ssh refuses it),
/// and its room handed back when the settings are cleared.
trait Value: Sized {
    fn read(arg: &[u8], spare: &mut Spare) -> Option<Self>;
    fn recycle(self, _spare: &mut Spare) {}
}

/// A value kept as written (unexpanded), in a string whose room an earlier host left when there
/// is one.
impl Value for String {
    #[inline(always)]
    fn read(v: &[u8], spare: &mut Spare) -> Option<String> {
        let mut s = spare.0.pop().unwrap_or_default();
        s.clear();
        if crate::swar::is_ascii(v) {
            // SAFETY: ASCII bytes are UTF-8 (checked word by word, cheaper than the general
            // check for the short values of nearly every line).
            s.push_str(unsafe { std::str::from_utf8_unchecked(v) });
        } else {
            // UTF-8 is copied as it is; anything else as `from_utf8_lossy` reads it.
            s.push_str(&String::from_utf8_lossy(v));
        }
        Some(s)
    }

    fn recycle(self, spare: &mut Spare) {
        spare.0.push(self);
    }
}

/// Values read by their type's own `parse` (nothing to hand back).
macro_rules! parsed {
    ($($ty:ty),*) => {
        $( impl Value for $ty {
            fn read(v: &[u8], _: &mut Spare) -> Option<$ty> {
                <$ty>::parse(v)
            }
        } )*
    };
}

parsed!(
    options::AddressFamily,
    options::Flag,
    options::ControlMaster,
    options::ControlPersist
);

macro_rules! settings {
    ($( $(#[$doc:meta])* $name:ident ($field:ident): $ty:ty; )*) => {
        /// The recorded options of one resolution (read them with
        /// [`Resolution::get`](crate::Resolution::get)).
        #[doc(hidden)]
        #[derive(Clone, Default, PartialEq, Eq)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize))]
        pub struct Settings {
            $( $field: Option<Located<$ty>>, )*
            #[cfg_attr(feature = "serde", serde(skip))]
            spare: Spare,
        }

        impl std::fmt::Debug for Settings {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct("Settings")
                    $( .field(stringify!($field), &self.$field) )*
                    .finish()
            }
        }

        impl Settings {
            /// Nothing recorded; the room of the strings that were is kept for the next values.
            pub(crate) fn clear(&mut self) {
                $( if let Some(v) = self.$field.take() {
                    v.value.recycle(&mut self.spare);
                } )*
            }

            /// Is a value of `kw` recorded (then a line of it changes nothing here: the first
            /// value obtained wins)? `None`: `kw` is not recorded here.
            #[inline(always)]
            pub(crate) fn holds(&self, kw: Keyword) -> Option<bool> {
                match kw {
                    $( Keyword::$name => Some(self.$field.is_some()), )*
                    _ => None,
                }
            }

            /// Record the first argument `arg` of a `kw` line at `loc` that applies, unless a
            /// value is already there (first wins) or ssh refuses it. `false`: `kw` is not
            /// recorded here.
            #[inline(always)]
            pub(crate) fn record(&mut self, kw: Keyword, loc: Loc, arg: &[u8]) -> bool {
                match kw {
                    $( Keyword::$name => {
                        if self.$field.is_none() {
                            if let Some(value) = <$ty as Value>::read(arg, &mut self.spare) {
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
    HostName (hostname): String;
    /// `User`, as written.
    User (user): String;
    /// `Port`, as written.
    Port (port): String;
    /// `IgnoreUnknown`: the pattern list in force, as written.
    IgnoreUnknown (ignore_unknown): String;
    /// `AddressFamily`: the family local forwards listen on, too.
    AddressFamily (address_family): options::AddressFamily;
    /// `ClearAllForwardings`.
    ClearAllForwardings (clear_all_forwardings): options::Flag;
    /// `GatewayPorts`.
    GatewayPorts (gateway_ports): options::Flag;
    /// `ExitOnForwardFailure`.
    ExitOnForwardFailure (exit_on_forward_failure): options::Flag;
    /// `ControlMaster`.
    ControlMaster (control_master): options::ControlMaster;
    /// `ControlPersist`.
    ControlPersist (control_persist): options::ControlPersist;
}

#[cfg(test)]
mod tests {
    use super::Settings;
    use crate::keyword::Keyword;
    use crate::loc::{FileId, Loc};

    /// A value is read as written (non-UTF-8 as `from_utf8_lossy` reads it), whatever the room
    /// an earlier value left: longer, shorter, or none.
    #[test]
    fn values_are_read_as_written_into_reused_room() {
        let mut s = Settings::default();
        let loc = Loc::new(FileId::new(0), 3);
        let values: [&[u8]; 6] = [
            b"a-long-host-name.example.com",
            b"x",
            "h\u{e9}llo".as_bytes(),
            b"bad\xffbyte",
            b"10.0.0.1",
            b"",
        ];
        for v in values {
            s.clear();
            assert!(s.hostname.is_none() && s.user.is_none());
            assert!(s.record(Keyword::HostName, loc, v));
            assert!(s.record(Keyword::User, loc, v));
            // First wins.
            assert!(s.record(Keyword::User, loc, b"other"));
            for got in [&s.hostname, &s.user] {
                let got = got.as_ref().expect("recorded");
                assert_eq!(
                    (got.value.as_str(), got.loc),
                    (&*String::from_utf8_lossy(v), loc)
                );
            }
        }
    }
}
