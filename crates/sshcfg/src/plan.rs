//! What an edit plans: per file the bytes before and after, and why; applying a plan in memory.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::config::ConfigSet;
use crate::document::{LineKind, Splice};
use crate::forward::Forward;
use crate::keyword::Keyword;
use crate::loc::{FileId, Loc};

/// What an edit does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Action {
    /// Add the forward.
    Enable,
    /// Remove the forward.
    Disable,
}

/// One thing an edit decided, for one host: what it adds or removes and where, or why it leaves
/// a line alone. How to say it is the caller's to decide.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case", tag = "step"))]
#[non_exhaustive]
pub enum Step {
    /// A line that could apply to the host was not evaluated (it needs a command or a DNS
    /// lookup); what ssh does with it was not checked.
    NotEvaluated {
        /// The host.
        host: String,
        /// The line.
        loc: Loc,
        /// What was not evaluated.
        what: crate::Undecided,
    },
    /// An equivalent forward already applies to the host: nothing to add.
    AlreadyThere {
        /// The host.
        host: String,
        /// The forward line that carries it.
        loc: Loc,
        /// The forward there.
        forward: Forward,
    },
    /// A forward of the same local port, in a block for this host alone, goes (it would keep
    /// the port from the new one).
    RemoveConflict {
        /// The host.
        host: String,
        /// The line removed.
        loc: Loc,
        /// The forward there.
        forward: Forward,
        /// The local port.
        port: u16,
    },
    /// The forward is added.
    Add {
        /// The host.
        host: String,
        /// The file it goes to.
        file: FileId,
        /// The forward as written.
        forward: Forward,
        /// Where in the file.
        at: Insertion,
    },
    /// A forward of the local port that is not the one asked for stays.
    LeftAlone {
        /// The host.
        host: String,
        /// The line.
        loc: Loc,
        /// The forward there.
        forward: Forward,
        /// The local port asked for.
        local: u16,
        /// The remote port asked for.
        remote: u16,
    },
    /// The host has no such forward: nothing to remove.
    NothingToRemove {
        /// The host.
        host: String,
        /// The forward asked for.
        forward: Forward,
    },
    /// The forward line goes.
    Remove {
        /// The host.
        host: String,
        /// The line.
        loc: Loc,
        /// The forward there.
        forward: Forward,
    },
    /// The host's `Host` block, left with nothing in it, goes.
    RemoveEmptyBlock {
        /// The host.
        host: String,
        /// The block's header line.
        header: Loc,
    },
}

/// Where an added line goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Insertion {
    /// In place of this line (a forward of the same port in the host's block).
    InPlaceOf(Loc),
    /// At the end of the block whose header is this line.
    InBlock(Loc),
    /// In a new `Host` block.
    NewBlock,
}

/// One file's change: its bytes before and after, and the byte ranges that differ (kept
/// consistent by construction: only this crate makes one).
///
/// The bytes after are the bytes before with the splices made: they are put together only when
/// asked for ([`FileChange::after`]), so that a change of a few lines of a large file, shown
/// as a diff ([`FileChange::changed_text`]) and checked, holds no second copy of the file.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct FileChange {
    pub(crate) file: FileId,
    pub(crate) path: PathBuf,
    #[cfg_attr(feature = "serde", serde(skip))]
    pub(crate) old: crate::FileBytes,
    /// The bytes after, once asked for (`old` with `splices` made).
    #[cfg_attr(feature = "serde", serde(skip))]
    pub(crate) new: std::sync::OnceLock<Arc<Vec<u8>>>,
    #[cfg_attr(feature = "serde", serde(skip))]
    pub(crate) splices: Vec<Splice>,
    /// A line start at or before the first splice, and how many lines come before it.
    #[cfg_attr(feature = "serde", serde(skip))]
    pub(crate) head: (usize, usize),
}

/// What the two sides of a [`FileChange`] are known to share without comparing them: the lines
/// before the first line it touches, and the bytes after the last byte it replaces. A diff need
/// compare only what lies between (what it finds there is what comparing the whole would find).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unchanged {
    /// How many whole lines at the start are the same before and after.
    pub lines: usize,
    /// Their length in bytes.
    pub head: usize,
    /// How many bytes at the end are the same before and after (not always whole lines).
    pub tail: usize,
}

impl PartialEq for FileChange {
    fn eq(&self, other: &FileChange) -> bool {
        // The bytes after follow from the bytes before and the splices.
        (self.file, &self.path, &*self.old, &self.splices, self.head)
            == (
                other.file,
                &other.path,
                &*other.old,
                &other.splices,
                other.head,
            )
    }
}

impl Eq for FileChange {}

impl FileChange {
    /// A change of `old` by `splices` (sorted, non-overlapping).
    pub(crate) fn new(
        file: FileId,
        path: PathBuf,
        old: crate::FileBytes,
        splices: Vec<Splice>,
        head: (usize, usize),
    ) -> FileChange {
        FileChange {
            file,
            path,
            old,
            new: std::sync::OnceLock::new(),
            splices,
            head,
        }
    }

    /// The bytes after, made on first asking.
    pub(crate) fn new_bytes(&self) -> &Arc<Vec<u8>> {
        self.new
            .get_or_init(|| Arc::new(crate::document::splice_bytes(&self.old, &self.splices)))
    }

    /// The file in the set.
    pub fn file(&self) -> FileId {
        self.file
    }

    /// Its path (for the main file, as given).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The bytes before.
    pub fn before(&self) -> &[u8] {
        &self.old
    }

    /// The bytes after (put together on first asking: see [`FileChange::changed_text`] for a
    /// look at what changed that needs no copy of the whole file).
    pub fn after(&self) -> &[u8] {
        self.new_bytes()
    }

    /// The bytes after between those known to be shared ([`FileChange::unchanged`]): the bytes
    /// after are the first `head` bytes before, these, then the last `tail` bytes before.
    ///
    /// ```
    /// # use sshcfg::{ConfigSet, Forward, LoadOptions, ResolveContext};
    /// let set = ConfigSet::from_main_bytes(b"Host a\n  User u\nHost b\n".to_vec(),
    ///     &LoadOptions::explicit_file("config", "/nonexistent")).unwrap();
    /// let plan = set.enable("a", &Forward::loopback(1455, 1455), &ResolveContext::new("me")).unwrap();
    /// let c = &plan.changes()[0];
    /// let same = c.unchanged();
    /// let mut after = c.before()[..same.head].to_vec();
    /// after.extend_from_slice(&c.changed_text());
    /// after.extend_from_slice(&c.before()[c.before().len() - same.tail..]);
    /// assert_eq!(after, c.after());
    /// ```
    pub fn changed_text(&self) -> Vec<u8> {
        let same = self.unchanged();
        if let Some(new) = self.new.get() {
            return new[same.head..new.len() - same.tail].to_vec();
        }
        let mut out = Vec::new();
        let mut at = same.head;
        for s in &self.splices {
            out.extend_from_slice(&self.old[at..s.range.start]);
            out.extend_from_slice(&s.text);
            at = s.range.end;
        }
        out.extend_from_slice(&self.old[at..self.old.len() - same.tail]);
        out
    }

    /// What the bytes before and after are known to share ([`Unchanged`]).
    ///
    /// ```
    /// # use sshcfg::{ConfigSet, Forward, LoadOptions, ResolveContext};
    /// let set = ConfigSet::from_main_bytes(b"Host a\n  User u\nHost b\n".to_vec(),
    ///     &LoadOptions::explicit_file("config", "/nonexistent")).unwrap();
    /// let plan = set.enable("a", &Forward::loopback(1455, 1455), &ResolveContext::new("me")).unwrap();
    /// let c = &plan.changes()[0];
    /// let same = c.unchanged();
    /// assert_eq!(c.before()[..same.head], c.after()[..same.head]);
    /// assert_eq!((same.lines, same.head, same.tail), (2, 16, 7));
    /// ```
    pub fn unchanged(&self) -> Unchanged {
        let (lines, head) = self.head;
        Unchanged {
            lines,
            head,
            tail: self
                .splices
                .last()
                .map_or(self.old.len(), |s| self.old.len() - s.range.end),
        }
    }

    /// The same change, made after `earlier` (a change of the same file): from `earlier`'s old
    /// bytes to this one's new bytes, as one splice over the range that differs.
    pub(crate) fn continued_from(&self, earlier: &FileChange) -> FileChange {
        let (old, new) = (&earlier.old, self.new_bytes());
        let prefix = common_prefix(old, new);
        let max_suffix = old.len().min(new.len()) - prefix;
        let suffix = common_suffix(&old[prefix..], &new[prefix..]).min(max_suffix);
        let change = FileChange::new(
            self.file,
            self.path.clone(),
            old.clone(),
            vec![Splice {
                range: prefix..old.len() - suffix,
                text: new[prefix..new.len() - suffix].to_vec(),
            }],
            (0, 0),
        );
        let _ = change.new.set(new.clone());
        change
    }
}

/// Blocks of bytes compared at once by [`common_prefix`] and [`common_suffix`] (a `memcmp`
/// each: a plan for many hosts compares whole files once per host).
const BLOCK: usize = 4096;

/// How many bytes `a` and `b` share at the start.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let mut at = 0;
    while at + BLOCK <= n && a[at..at + BLOCK] == b[at..at + BLOCK] {
        at += BLOCK;
    }
    at + a[at..n]
        .iter()
        .zip(&b[at..n])
        .take_while(|(x, y)| x == y)
        .count()
}

/// How many bytes `a` and `b` share at the end.
fn common_suffix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let (ea, eb) = (a.len(), b.len());
    let mut k = 0;
    while k + BLOCK <= n && a[ea - k - BLOCK..ea - k] == b[eb - k - BLOCK..eb - k] {
        k += BLOCK;
    }
    k + a[..ea - k]
        .iter()
        .rev()
        .zip(b[..eb - k].iter().rev())
        .take_while(|(x, y)| x == y)
        .count()
}

/// The result of planning an edit: what changes, per file, and why.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Plan {
    pub(crate) hosts: Vec<String>,
    pub(crate) forwards: Vec<Forward>,
    pub(crate) action: Action,
    pub(crate) changes: Vec<FileChange>,
    pub(crate) steps: Vec<Step>,
}

impl Plan {
    /// A plan that changes nothing (yet).
    pub(crate) fn empty(host: &str, forward: &Forward, action: Action) -> Plan {
        Plan {
            hosts: vec![host.to_string()],
            forwards: vec![forward.clone()],
            action,
            changes: Vec::new(),
            steps: Vec::new(),
        }
    }

    /// The hosts, as asked for.
    pub fn hosts(&self) -> &[String] {
        &self.hosts
    }

    /// The forwards asked for.
    pub fn forwards(&self) -> &[Forward] {
        &self.forwards
    }

    /// Enable or disable.
    pub fn action(&self) -> Action {
        self.action
    }

    /// Per file, old and new bytes; empty when the hosts are already in the wanted state.
    pub fn changes(&self) -> &[FileChange] {
        &self.changes
    }

    /// What was decided, in order.
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// Does the plan change anything?
    pub fn is_change(&self) -> bool {
        !self.changes.is_empty()
    }

    /// This plan followed by `next` (planned on the set after this one): per file, the bytes
    /// before both and after both.
    pub(crate) fn then(mut self, next: Plan) -> Plan {
        for c in next.changes {
            match self.changes.iter_mut().find(|x| x.file == c.file) {
                Some(x) => *x = c.continued_from(x),
                None => self.changes.push(c),
            }
        }
        self.steps.extend(next.steps);
        for h in next.hosts {
            if !self.hosts.contains(&h) {
                self.hosts.push(h);
            }
        }
        for f in next.forwards {
            if !self.forwards.contains(&f) {
                self.forwards.push(f);
            }
        }
        self
    }
}

impl ConfigSet {
    /// A copy of the set with a plan's changes made (in memory only).
    pub fn with_plan(&self, plan: &Plan) -> ConfigSet {
        let mut next = self.clone();
        for c in &plan.changes {
            next.apply_change(c);
        }
        next
    }

    /// Apply a planned change to a file (in memory), re-reading only the lines it touches and
    /// reusing the plan's new bytes. Include targets are kept as they were: edits never add or
    /// remove Include lines, so those keep their order and are matched up again by position.
    pub(crate) fn apply_change(&mut self, change: &FileChange) {
        let f = self.file_mut(change.file);
        // Where each Include line starts, before: edits never touch Include lines, so each
        // one's new start is its old one moved by the splices before it.
        let starts: Vec<usize> = f
            .includes
            .iter()
            .map(|&(line, _)| f.doc.line_range(line).start)
            .collect();
        f.doc = f
            .doc
            .with_spliced_bytes(&change.splices, change.new_bytes().clone());
        let moved: Vec<(usize, Vec<FileId>)> = f
            .includes
            .drain(..)
            .zip(starts)
            .map(|((_, ids), start)| {
                let shift: isize = change
                    .splices
                    .iter()
                    .filter(|s| s.range.end <= start)
                    .map(|s| s.text.len() as isize - s.range.len() as isize)
                    .sum();
                (f.doc.line_at((start as isize + shift) as usize), ids)
            })
            .collect();
        debug_assert!(
            moved
                .iter()
                .all(|&(l, _)| f.doc.kind(l) == LineKind::Directive(Keyword::Include))
        );
        f.includes = moved;
    }
}

#[cfg(test)]
mod tests {
    use super::{BLOCK, common_prefix, common_suffix};

    fn naive_prefix(a: &[u8], b: &[u8]) -> usize {
        a.iter().zip(b).take_while(|(x, y)| x == y).count()
    }

    fn naive_suffix(a: &[u8], b: &[u8]) -> usize {
        a.iter()
            .rev()
            .zip(b.iter().rev())
            .take_while(|(x, y)| x == y)
            .count()
    }

    proptest::proptest! {
        /// The shared start and end are those a byte-by-byte look finds, for differences
        /// before, at and after a block's edge and for sides of unequal lengths.
        #[test]
        fn shared_ends_are_found_a_block_at_a_time(
            len in 0..3 * BLOCK,
            extra in proptest::collection::vec(proptest::num::u8::ANY, 0..3),
            diffs in proptest::collection::vec((0..3 * BLOCK, 1..=255u8), 0..3),
            cut in 0..2 * BLOCK + 2,
        ) {
            let a: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            let mut b = a.clone();
            for (at, x) in diffs {
                if at < b.len() {
                    b[at] ^= x;
                }
            }
            b.extend_from_slice(&extra);
            let b = &b[cut.min(b.len())..];
            for (x, y) in [(&a[..], b), (b, &a[..])] {
                proptest::prop_assert_eq!(common_prefix(x, y), naive_prefix(x, y));
                proptest::prop_assert_eq!(common_suffix(x, y), naive_suffix(x, y));
            }
            proptest::prop_assert_eq!(common_prefix(&a, &a), a.len());
            proptest::prop_assert_eq!(common_suffix(&a, &a), a.len());
        }
    }
}
