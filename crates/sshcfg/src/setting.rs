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
    fn slot(s: &Settings) -> Option<&Located<Self::Value>>;
    #[doc(hidden)]
    fn unset(s: &mut Settings);
    /// Is a value in force ([`Setting::slot`] is `Some`)? Told by its bit alone.
    #[doc(hidden)]
    fn is_set(s: &Settings) -> bool;
}

mod sealed {
    pub trait Sealed {}
}

/// A recorded option's value, read from the first argument of a line into a slot that may hold
/// an earlier host's value (whose room is reused). `false`: ssh refuses it, and the slot is not
/// in force.
trait Value: Sized {
    fn read_into(arg: &[u8], slot: &mut Option<Located<Self>>, loc: Loc) -> bool;
}

/// A value kept as written (unexpanded), in the string an earlier host left when there is one.
impl Value for String {
    #[inline(always)]
    fn read_into(v: &[u8], slot: &mut Option<Located<String>>, loc: Loc) -> bool {
        let l = slot.get_or_insert_with(|| Located {
            value: String::new(),
            loc,
        });
        l.loc = loc;
        let s = &mut l.value;
        s.clear();
        if crate::swar::is_ascii(v) {
            // SAFETY: ASCII bytes are UTF-8 (checked word by word, cheaper than the general
            // check for the short values of nearly every line).
            s.push_str(unsafe { std::str::from_utf8_unchecked(v) });
        } else {
            // UTF-8 is copied as it is; anything else as `from_utf8_lossy` reads it.
            s.push_str(&String::from_utf8_lossy(v));
        }
        true
    }
}

/// Values read by their type's own `parse`.
macro_rules! parsed {
    ($($ty:ty),*) => {
        $( impl Value for $ty {
            fn read_into(v: &[u8], slot: &mut Option<Located<$ty>>, loc: Loc) -> bool {
                match <$ty>::parse(v) {
                    Some(value) => {
                        *slot = Some(Located { value, loc });
                        true
                    }
                    None => false,
                }
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
        /// Each option's bit in [`Settings::present`].
        #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
        enum Bit {
            $( $field, )*
        }

        impl Bit {
            /// Its bit in [`Settings::present`].
            #[inline(always)]
            const fn mask(self) -> u32 {
                1 << self as u32
            }
        }

        // (Each bit is one of `present`'s 32.)
        const _: () = assert!([$( Bit::$field as u32, )*].len() <= 32);

        /// The recorded options of one resolution (read them with
        /// [`Resolution::get`](crate::Resolution::get)). A slot is in force only when its bit
        /// of `present` is set: clearing keeps the values (and the room of their strings) of an
        /// earlier host for the next.
        #[doc(hidden)]
        #[derive(Clone, Default)]
        pub struct Settings {
            $( $field: Option<Located<$ty>>, )*
            present: u32,
        }

        impl Settings {
            $(
                #[inline(always)]
                fn $field(&self) -> Option<&Located<$ty>> {
                    if self.present & Bit::$field.mask() != 0 {
                        self.$field.as_ref()
                    } else {
                        None
                    }
                }
            )*

            /// Nothing recorded; the values are kept, out of force, for their room.
            #[inline]
            pub(crate) fn clear(&mut self) {
                self.present = 0;
            }

            /// Is a value of `kw` recorded (then a line of it changes nothing here: the first
            /// value obtained wins)? `None`: `kw` is not recorded here.
            #[inline(always)]
            pub(crate) fn holds(&self, kw: Keyword) -> Option<bool> {
                match kw {
                    $( Keyword::$name => Some(self.$field().is_some()), )*
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
                        let bit = Bit::$field.mask();
                        if self.present & bit == 0
                            && <$ty as Value>::read_into(arg, &mut self.$field, loc)
                        {
                            self.present |= bit;
                        }
                        true
                    } )*
                    _ => false,
                }
            }
        }

        impl PartialEq for Settings {
            fn eq(&self, other: &Settings) -> bool {
                true $( && self.$field() == other.$field() )*
            }
        }

        impl Eq for Settings {}

        impl std::fmt::Debug for Settings {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct("Settings")
                    $( .field(stringify!($field), &self.$field()) )*
                    .finish()
            }
        }

        #[cfg(feature = "serde")]
        impl serde::Serialize for Settings {
            fn serialize<Se: serde::Serializer>(&self, s: Se) -> Result<Se::Ok, Se::Error> {
                use serde::ser::SerializeStruct;
                let mut st = s.serialize_struct("Settings", [$( stringify!($field), )*].len())?;
                $( st.serialize_field(stringify!($field), &self.$field())?; )*
                st.end()
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
                fn slot(s: &Settings) -> Option<&Located<$ty>> {
                    s.$field()
                }
                fn unset(s: &mut Settings) {
                    s.present &= !Bit::$field.mask();
                }
                #[inline(always)]
                fn is_set(s: &Settings) -> bool {
                    let set = s.present & Bit::$field.mask() != 0;
                    debug_assert_eq!(set, s.$field.is_some() && set, "a bit set holds a value");
                    set
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
            assert!(s.hostname().is_none() && s.user().is_none());
            assert!(s.record(Keyword::HostName, loc, v));
            assert!(s.record(Keyword::User, loc, v));
            // First wins.
            assert!(s.record(Keyword::User, loc, b"other"));
            for got in [s.hostname(), s.user()] {
                let got = got.as_ref().expect("recorded");
                assert_eq!(
                    (got.value.as_str(), got.loc),
                    (&*String::from_utf8_lossy(v), loc)
                );
            }
        }
    }
}
