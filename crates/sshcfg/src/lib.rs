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
//! let set = ConfigSet::from_main_bytes(Path::new("config"), text, true,
//!     &LoadOptions::with_home("/nonexistent")).unwrap();
//! let ctx = ResolveContext::default();
//! let plan = set.enable("myserver", &Forward::loopback(1455, 1455), &ctx).unwrap();
//! assert_eq!(
//!     String::from_utf8(plan.changes[0].new.to_vec()).unwrap(),
//!     "Host myserver\n    LocalForward 1455 localhost:1455\n\nHost *\n    ServerAliveInterval 30\n"
//! );
//! // ... and disable gives back the original bytes.
//! let after = set.with_plan(&plan);
//! let undo = after.disable("myserver", &Forward::loopback(1455, 1455), &ctx).unwrap();
//! assert_eq!(undo.changes[0].new.as_slice(), b"Host *\n    ServerAliveInterval 30\n");
//! ```
//!
//! Resolution answers what `ssh -G` would say for a host, with where each value comes from:
//!
//! ```
//! use sshcfg::{ConfigSet, LoadOptions, ResolveContext};
//! use std::path::Path;
//!
//! let text = b"Host web1 web2\n  LocalForward 8080 localhost:80\nHost *\n  User deploy\n".to_vec();
//! let set = ConfigSet::from_main_bytes(Path::new("config"), text, true,
//!     &LoadOptions::with_home("/nonexistent")).unwrap();
//! let r = set.resolve("web2", &ResolveContext::default());
//! assert_eq!(r.forwards[0].forward.to_string(), "8080 [localhost]:80"); // as ssh -G prints it
//! assert_eq!(r.forwards[0].loc.line, 1);                               // 0-based line
//! assert!(!r.forwards[0].exclusive);       // shared with web1: disable would refuse it
//! assert_eq!(r.user.unwrap().value, "deploy");
//! ```
//!
//! Parsing never fails; lines OpenSSH would reject are kept and reported:
//!
//! ```
//! let doc = sshcfg::Document::parse(b"Host a\n  LocalForward 0 localhost:1\n".to_vec());
//! let d = &doc.diagnostics()[0];
//! assert_eq!((d.line, d.message.as_str()), (2, "Bad forwarding specification."));
//! ```
#![warn(missing_docs)]

mod check;
pub mod config;
pub mod doctor;
pub mod document;
pub mod edit;
mod error;
pub mod forward;
pub mod host;
pub mod index;
pub mod lexer;
mod listener;
mod options;
pub mod pattern;
pub mod resolve;

pub use config::{ConfigSet, FileId, FileRole, LoadOptions, SourceFile};
pub use doctor::{Finding, Severity};
pub use document::{Block, Diagnostic, DiagnosticKind, Document, Keyword, LineKind, Splice};
pub use edit::{Action, EditError, FileChange, Plan};
pub use error::Error;
pub use forward::{Connect, Forward, ForwardError, Listen};
pub use host::{HostAlias, HostError};
pub use index::ResolveIndex;
pub use lexer::Eol;
pub use listener::{BindScope, Blocker, Listener, connects_to_remote_loopback, is_loopback_tunnel};
pub use options::{ControlMaster, ControlPersist, Flag};
pub use resolve::{EffectiveForward, Loc, Located, Note, Resolution, ResolveContext};
