//! Adding and removing a `LocalForward` for one host, changing nothing else.
//!
//! Choices (also in the README):
//! - `enable` adds nothing when an equivalent forward is already effective (from any block).
//!   Otherwise it adds the line to the first applying block whose `Host` line names exactly that
//!   host (in whichever editable file holds it), after the block's last keyword line, with the
//!   block's indentation. Failing that it creates `Host <name>` in the main file: before a final
//!   `Host *` block (and the comments right above it) if the file ends with one (with a blank
//!   line after it where the file has one before what it goes above), else at the end, after a
//!   blank line.
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
mod request;
mod splice;
mod verify;

pub use error::{EditError, Ineffective, Origin, OtherHost, Rejection};
pub(crate) use reject::Added;
