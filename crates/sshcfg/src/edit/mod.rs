//! Adding and removing a `LocalForward` for one host, changing nothing else.
//!
//! Choices (also in the README):
//! - `enable` adds nothing when an equivalent forward is already effective (from any block).
//!   Otherwise it adds the line to the first applying block whose `Host` line names exactly that
//!   host (in whichever editable file holds it), after the block's last keyword line, with the
//!   block's indentation. Failing that it creates `Host <name>` in the main file: before a final
//!   `Host *` block (and the comments right above it) if the file ends with one, else at the end,
//!   after a blank line.
//! - `disable` removes every equivalent forward line that applies to the host, provided each comes
//!   from a block for that host alone; if any comes from a shared block (`Host *`, `Host a b`,
//!   `Match`, a global area, the system config) nothing is changed and the error names it. A
//!   `Host` block left with nothing but blank lines goes too (comments right above the next block
//!   stay with that block), with the blank line `enable` put beside it, so `enable` then
//!   `disable` gives back the original bytes; the one exception is a `Host` block for the host
//!   that was already empty before `enable`, which `disable` removes (no host's `ssh -G` output
//!   changes).
//! - With a final pass (`Match final`, `Match canonical`, `CanonicalizeHostname`), an edit that a
//!   `HostName` could carry to another host is refused.

mod batch;
mod disable;
mod enable;
mod error;
mod origin;
mod reject;
mod splice;
mod verify;

pub use error::{EditError, Ineffective, Origin, OtherHost, Rejection};

use enable::tunnel_ports;
use origin::origin;
use splice::{insert_after, new_block, removal_splices};

use std::sync::Arc;

use crate::config::ConfigSet;
use crate::document::{Document, Splice};
use crate::host::HostAlias;
use crate::keyword::Keyword;
use crate::loc::{FileId, Loc};
use crate::plan::FileChange;

/// Whether [`ConfigSet::enable`] runs its pass over every line for what ssh rejects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RejectionCheck {
    /// Run it.
    Run,
    /// Skip it: the caller checked this config, or one it was edited from (edits only add lines
    /// this library writes and remove forward lines and emptied blocks, which cannot make ssh
    /// reject a config it accepts).
    Known,
}

pub(super) fn push_line(per_file: &mut Vec<(FileId, Vec<usize>)>, loc: Loc) {
    match per_file.iter_mut().find(|(id, _)| *id == loc.file()) {
        Some((_, v)) => v.push(loc.index()),
        None => per_file.push((loc.file(), vec![loc.index()])),
    }
}

/// Is the block at `header` a `Host` line naming exactly `host` (one argument)?
pub(super) fn is_exact_host_block(doc: &Document, header: usize, host: &str) -> bool {
    match doc.directive(header) {
        Some(d) if d.keyword == Keyword::Host => match d.args {
            Ok(a) => a.len() == 1 && *a[0].value == *host.as_bytes(),
            Err(_) => false,
        },
        _ => false,
    }
}

impl ConfigSet {
    pub(super) fn check_host(host: &str) -> Result<HostAlias, EditError> {
        Ok(HostAlias::new(host)?)
    }

    pub(super) fn changes_from(&self, per_file: Vec<(FileId, Vec<Splice>)>) -> Vec<FileChange> {
        per_file
            .into_iter()
            .map(|(file, mut splices)| {
                splices.sort_by_key(|s| (s.range.start, s.range.end));
                let f = self.file(file);
                FileChange {
                    file,
                    path: f.path.clone(),
                    old: f.doc.shared_bytes(),
                    new: Arc::new(f.doc.splice(&splices)),
                    splices,
                }
            })
            .collect()
    }
}
