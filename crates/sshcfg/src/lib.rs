//! `sshcfg`: a lossless model of OpenSSH client configuration files, resolution of the options
//! that apply to a host as `ssh -G` computes them, and edits that add or remove a `LocalForward`
//! while leaving every other byte as it was.
//!
//! Round trip: any bytes (CRLF, tabs, comments, no final newline, invalid UTF-8, lines OpenSSH
//! would reject) come back unchanged.
//!
//! ```
//! use sshcfg::Document;
//! let input = b"Host web\r\n\tUser = me # trailing comment\r\n\xff odd bytes";
//! let doc = Document::parse(input.to_vec());
//! assert_eq!(doc.as_bytes(), input);
//! ```
//!
//! Enabling a forward for one host changes only that host's effective config:
//!
//! ```
//! use sshcfg::{ConfigSet, Forward, LoadOptions, ResolveContext};
//! use std::path::Path;
//!
//! let text = b"Host *\n    ServerAliveInterval 30\n".to_vec();
//! let set = ConfigSet::from_main_bytes(text,
//!     &LoadOptions::explicit_file("config", "/nonexistent")).unwrap();
//! let ctx = ResolveContext::current_user();
//! let plan = set.enable("myserver", &Forward::loopback(1455, 1455), &ctx).unwrap();
//! assert_eq!(
//!     String::from_utf8(plan.changes()[0].after().to_vec()).unwrap(),
//!     "Host myserver\n    LocalForward 1455 localhost:1455\n\nHost *\n    ServerAliveInterval 30\n"
//! );
//! // ... and disable gives back the original bytes.
//! let after = set.with_plan(&plan);
//! let undo = after.disable("myserver", &Forward::loopback(1455, 1455), &ctx).unwrap();
//! assert_eq!(undo.changes()[0].after(), b"Host *\n    ServerAliveInterval 30\n");
//! ```
//!
//! Resolution answers what `ssh -G` would say for a host, with where each value comes from:
//!
//! ```
//! use sshcfg::{ConfigSet, LoadOptions, ResolveContext};
//! use std::path::Path;
//!
//! let text = b"Host web1 web2\n  LocalForward 8080 localhost:80\nHost *\n  User deploy\n".to_vec();
//! let set = ConfigSet::from_main_bytes(text,
//!     &LoadOptions::explicit_file("config", "/nonexistent")).unwrap();
//! let r = set.resolve("web2", &ResolveContext::current_user());
//! assert_eq!(r.forwards[0].forward.to_string(), "8080 [localhost]:80"); // as ssh -G prints it
//! assert_eq!(set.place(r.forwards[0].loc).to_string(), "config:2");     // path:line
//! assert!(!r.forwards[0].exclusive);       // shared with web1: disable would refuse it
//! assert_eq!(r.get::<sshcfg::setting::User>().unwrap().value, "deploy");
//! ```
//!
//! Refusals ([`EditError`]) and what an edit decided ([`Plan::steps`]) are typed, with the
//! lines they are about; how to word them, and what to advise, is the caller's:
//!
//! ```
//! use sshcfg::{ConfigSet, EditError, Forward, Insertion, LoadOptions, ResolveContext, Step};
//! use std::path::Path;
//!
//! let text = b"Host web\n    User me\nHost *\n    LocalForward 1455 localhost:8080\n".to_vec();
//! let set = ConfigSet::from_main_bytes(text,
//!     &LoadOptions::explicit_file("config", "/nonexistent")).unwrap();
//! let ctx = ResolveContext::new("me");
//! match set.enable("web", &Forward::loopback(1455, 1455), &ctx) {
//!     Err(EditError::Conflict { loc, port: 1455, .. }) => {
//!         assert_eq!(set.place(loc).to_string(), "config:4")
//!     }
//!     other => panic!("{other:?}"),
//! }
//! let plan = set.enable("web", &Forward::loopback(2455, 2455), &ctx).unwrap();
//! assert!(matches!(
//!     plan.steps(),
//!     [Step::Add { at: Insertion::InBlock(header), .. }] if header.line() == 1
//! ));
//! ```
//!
//! Parsing never fails; lines OpenSSH would reject are kept and reported:
//!
//! ```
//! let doc = sshcfg::Document::parse(b"Host a\n  LocalForward 0 localhost:1\n".to_vec());
//! let d = &doc.diagnostics()[0];
//! assert_eq!((d.line, d.message.as_str()), (2, "Bad forwarding specification."));
//! ```

//! # The public API
//!
//! Every item is at the crate root, except the option markers of [`setting`]:
//!
//! - Reading: [`ConfigSet`] (a config and its `Include`s: [`ConfigSet::load`] with
//!   [`LoadOptions`], [`ConfigSet::from_main_bytes`]), its files ([`SourceFile`], [`FileRole`],
//!   [`FileBytes`], [`read_file_bytes`], [`system_config_path`], [`passwd_home`]) and
//!   [`LoadError`]; one file as a lossless [`Document`] ([`LineKind`], [`Directive`], [`Block`],
//!   [`Splice`], [`Keyword`], [`Token`], [`Eol`], [`SplitError`]); `Host`/`Match` lines as
//!   [`Header`] ([`HostLine`], [`HostPattern`], [`HostPatterns`], [`MatchLine`], [`MatchWords`],
//!   [`Criteria`], [`Criterion`], [`Attribute`], [`Negation`], [`HeaderError`],
//!   [`CriterionError`]).
//! - What ssh refuses: [`Document::diagnostics`] ([`Diagnostic`], [`DiagnosticKind`]),
//!   [`keywords`], [`OpenSshVersion`] ([`Vendor`]).
//! - Resolving a host as `ssh -G` does: [`ConfigSet::resolve`] with a [`ResolveContext`] gives a
//!   [`Resolution`] (its forwards as [`EffectiveForward`]s, notes as [`Note`]s, what it could
//!   not decide as [`NotEvaluated`] ([`Undecided`]), options by
//!   [`Resolution::get`] with the markers of [`setting`], valued as [`Flag`], [`AddressFamily`],
//!   [`ControlMaster`], [`ControlPersist`]); many hosts at once with [`ResolveIndex`]; where
//!   things are: [`Loc`], [`FileId`], [`Located`], [`Place`].
//! - Forwards and listeners: [`Forward`] ([`Listen`], [`Connect`], [`ForwardError`]),
//!   [`Listener`], [`BindScope`], [`Socket`], [`Blocker`], [`LoopbackAddrs`], [`TargetHost`],
//!   [`TunnelEnds`], [`is_loopback_tunnel`], [`parse_ip`]; host names as [`HostAlias`]
//!   ([`HostError`]).
//! - Editing: [`ConfigSet::enable`], [`ConfigSet::disable`] and [`ConfigSet::plan`] ([`Action`];
//!   each host's forward in a form of the caller's choosing: [`ConfigSet::plan_each`],
//!   [`ConfigSet::plan_written`]) return a [`Plan`] ([`FileChange`], [`Step`], [`Insertion`]) or an [`EditError`]
//!   ([`Rejection`], [`Ineffective`], [`Origin`], [`OtherHost`]); [`ConfigSet::with_plan`] reads
//!   the result. Nothing is written: writing the bytes is the caller's.
//! - [`Error`]: any of the above.

// A library writes nothing to the terminal: what to say is its caller's to decide.
#![cfg_attr(not(test), deny(clippy::print_stdout, clippy::print_stderr))]

mod bytes;
mod config;
mod ctype;
mod diagnose;
mod document;
mod edit;
mod error;
mod expand;
mod forward;
mod hash;
mod header;
mod host;
mod include_glob;
mod index;
mod keyword;
mod lexer;
mod listener;
mod loc;
mod options;
mod passwd;
mod pattern;
mod plan;
mod resolve;
pub mod setting;
mod swar;
mod unknown;

pub use bytes::FileBytes;
pub use config::{
    ConfigSet, FileRole, IncludedDir, LoadError, LoadOptions, SourceFile, read_file_bytes,
    system_config_path,
};
pub use diagnose::{Diagnostic, DiagnosticKind, keywords, vendor_keyword};
pub use document::{Block, Directive, Document, LineKind, Splice};
pub use edit::{EditError, Ineffective, Origin, OtherHost, Rejection};
pub use error::Error;
pub use forward::{Connect, Forward, ForwardError, Listen};
pub use header::{
    Attribute, Criteria, Criterion, CriterionError, Header, HeaderError, HostLine, HostPattern,
    HostPatterns, MatchLine, MatchWords, Negation,
};
pub use host::{HostAlias, HostError};
pub use index::{HostNames, HostNamesIter, ResolveIndex};
pub use keyword::Keyword;
pub use lexer::{Eol, SplitError, Token};
pub use listener::{
    BindScope, Blocker, Listener, LoopbackAddrs, Socket, TargetHost, TunnelEnds,
    is_loopback_tunnel, parse_ip,
};
pub use loc::{FileId, Loc, Located, Place};
pub use options::{AddressFamily, ControlMaster, ControlPersist, Flag, OpenSshVersion, Vendor};
pub use passwd::passwd_home;
pub use plan::{Action, FileChange, Insertion, Plan, Step, Unchanged};
pub use resolve::{EffectiveForward, NotEvaluated, Note, Resolution, ResolveContext, Undecided};
pub use unknown::UnknownCover;
