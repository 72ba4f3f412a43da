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
    /// How many lines come before a line start at or before the first splice, and that start.
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

    /// Where line `index`, which starts at byte `at` of the bytes before, is in the bytes after:
    /// its index and start there. A line a splice replaces goes to where the replacement
    /// starts (the line put in its place, or the one that follows a removal).
    pub(crate) fn line_after(&self, index: usize, at: usize) -> (usize, usize) {
        let (mut lines, mut bytes) = (0isize, 0isize);
        for s in &self.splices {
            if s.range.end <= at {
                lines += newlines(&s.text) - newlines(&self.old[s.range.clone()]);
                bytes += s.text.len() as isize - s.range.len() as isize;
            } else if s.range.start <= at {
                let back = newlines(&self.old[s.range.start..at]);
                let start = s.range.start as isize + bytes;
                return ((index as isize + lines - back) as usize, start as usize);
            } else {
                break;
            }
        }
        (
            (index as isize + lines) as usize,
            (at as isize + bytes) as usize,
        )
    }

    /// Where line `index`, which starts at byte `at` of the bytes after, is in the bytes
    /// before: its index and start there. A line a splice put in goes to where the bytes it
    /// replaced start.
    pub(crate) fn line_before(&self, index: usize, at: usize) -> (usize, usize) {
        let (mut lines, mut bytes) = (0isize, 0isize);
        for s in &self.splices {
            let start = (s.range.start as isize + bytes) as usize;
            let end = start + s.text.len();
            if end <= at {
                lines += newlines(&s.text) - newlines(&self.old[s.range.clone()]);
                bytes += s.text.len() as isize - s.range.len() as isize;
            } else if start <= at {
                let back = newlines(&s.text[..at - start]);
                return ((index as isize - lines - back) as usize, s.range.start);
            } else {
                break;
            }
        }
        (
            (index as isize - lines) as usize,
            (at as isize - bytes) as usize,
        )
    }

    /// The splices that make the bytes after of the bytes before: sorted and apart, each a
    /// range of the bytes before and what replaces it (a plan for several hosts keeps one for
    /// each place it edits). Outside them the two sides are the same.
    pub fn splices(&self) -> &[Splice] {
        &self.splices
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
    /// bytes to this one's new bytes, as splices of those old bytes ([`compose`]), so that the
    /// change of a plan for many hosts stays a few small splices (its diff then compares only
    /// the lines around them, not the file between the first and the last).
    pub(crate) fn continued_from(&self, earlier: &FileChange) -> FileChange {
        let splices = compose(&earlier.old, &earlier.splices, &self.splices);
        // A line start before both changes' first splices: this change's own, when it comes
        // before `earlier`'s first splice (the bytes there are the old ones), else `earlier`'s.
        let head = match earlier.splices.first() {
            Some(f) if self.head.1 >= f.range.start => earlier.head,
            _ => self.head,
        };
        let change = FileChange::new(
            self.file,
            self.path.clone(),
            earlier.old.clone(),
            splices,
            head,
        );
        if let Some(new) = self.new.get() {
            let _ = change.new.set(new.clone());
        }
        change
    }
}

/// `at` moved by `by` bytes (within the bytes it indexes).
fn shifted(at: usize, by: isize) -> usize {
    at.checked_add_signed(by)
        .expect("a position within the bytes")
}

/// How many line ends `s` holds.
fn newlines(s: &[u8]) -> isize {
    memchr::memchr_iter(b'\n', s).count() as isize
}

impl Step {
    /// The lines the step names, each with whether the edit keeps it (`false`: the step removes
    /// it). A line replaced in place (`Insertion::InPlaceOf`) counts as kept: it names where
    /// the new line stands.
    pub(crate) fn lines_mut(&mut self) -> Vec<(&mut Loc, bool)> {
        match self {
            Step::NotEvaluated { loc, .. }
            | Step::AlreadyThere { loc, .. }
            | Step::LeftAlone { loc, .. } => vec![(loc, true)],
            Step::Add {
                at: Insertion::InPlaceOf(loc) | Insertion::InBlock(loc),
                ..
            } => vec![(loc, true)],
            Step::Add { .. } | Step::NothingToRemove { .. } => Vec::new(),
            Step::RemoveConflict { loc, .. }
            | Step::Remove { loc, .. }
            | Step::RemoveEmptyBlock { header: loc, .. } => vec![(loc, false)],
        }
    }
}

/// `first` (splices of `old`) then `second` (splices of the bytes `first` makes of `old`, the
/// middle bytes), as splices of `old`: the splices of both that meet in the middle bytes
/// (overlap or touch) become one, whose text is the middle bytes it covers with `second`'s
/// splices made; the others keep their text, moved to where their bytes were in `old`.
fn compose(old: &[u8], first: &[Splice], second: &[Splice]) -> Vec<Splice> {
    // Where each text of `first` lies in the middle bytes, and what each adds to the length.
    let growth = |s: &Splice| s.text.len() as isize - s.range.len() as isize;
    let mut mids = Vec::with_capacity(first.len());
    let mut grown = 0isize;
    for s in first {
        let start = shifted(s.range.start, grown);
        mids.push(start..start + s.text.len());
        grown += growth(s);
    }
    let mut out = Vec::with_capacity(first.len() + second.len());
    // Next of each list; what the splices of `first` before the group add to the length.
    let (mut i, mut j, mut before) = (0, 0, 0isize);
    while i < first.len() || j < second.len() {
        // A group starts with whichever comes first in the middle bytes, and takes every
        // splice that starts at or before its end.
        let (gi, gj) = (i, j);
        let (start, mut end) =
            if j >= second.len() || (i < first.len() && mids[i].start <= second[j].range.start) {
                i += 1;
                (mids[gi].start, mids[gi].end)
            } else {
                j += 1;
                (second[gj].range.start, second[gj].range.end)
            };
        loop {
            if i < first.len() && mids[i].start <= end {
                end = end.max(mids[i].end);
                i += 1;
            } else if j < second.len() && second[j].range.start <= end {
                end = end.max(second[j].range.end);
                j += 1;
            } else {
                break;
            }
        }
        let inside: isize = first[gi..i].iter().map(growth).sum();
        let old_range = shifted(start, -before)..shifted(end, -(before + inside));
        // The middle bytes of the group, then `second`'s splices made in them.
        let mut middle = Vec::with_capacity(end - start);
        let mut at = old_range.start;
        for s in &first[gi..i] {
            middle.extend_from_slice(&old[at..s.range.start]);
            middle.extend_from_slice(&s.text);
            at = s.range.end;
        }
        middle.extend_from_slice(&old[at..old_range.end]);
        let mut text = Vec::with_capacity(middle.len());
        let mut at = start;
        for s in &second[gj..j] {
            text.extend_from_slice(&middle[at - start..s.range.start - start]);
            text.extend_from_slice(&s.text);
            at = s.range.end;
        }
        text.extend_from_slice(&middle[at - start..]);
        out.push(Splice {
            range: old_range,
            text,
        });
        before += inside;
    }
    out
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

    /// What was decided, in order. In a plan for several requests ([`ConfigSet::plan`]) each
    /// is planned on the bytes the earlier ones leave, but the steps' lines are those of the
    /// files after the whole plan, except a line a step removes, which is that of the files
    /// before it.
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
    use super::compose;
    use crate::document::{Splice, splice_bytes};

    /// Sorted splices of `len` bytes (they may touch) from random cut points and texts.
    fn splices(len: usize, cuts: &[(usize, usize, Vec<u8>)]) -> Vec<Splice> {
        let mut points: Vec<(usize, usize, &Vec<u8>)> = cuts
            .iter()
            .map(|(a, b, t)| {
                let (a, b) = (a % (len + 1), b % (len + 1));
                (a.min(b), a.max(b), t)
            })
            .collect();
        points.sort();
        let mut out: Vec<Splice> = Vec::new();
        for (a, b, t) in points {
            if out.last().is_none_or(|s| s.range.end <= a) {
                out.push(Splice {
                    range: a..b,
                    text: t.clone(),
                });
            }
        }
        out
    }

    fn text() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
        proptest::collection::vec(proptest::sample::select(b"ab\n".to_vec()), 0..6)
    }

    /// A line is carried through a change to where it is after (a replaced line to its
    /// replacement's start) and back (an inserted line to where the insertion was).
    #[test]
    fn lines_are_carried_through_a_change_both_ways() {
        let old = b"a\nb\nc\nd\n".to_vec();
        let splices = vec![
            Splice {
                range: 2..4,
                text: b"B1\nB2\n".to_vec(),
            },
            Splice {
                range: 6..6,
                text: b"X\n".to_vec(),
            },
        ];
        let new = splice_bytes(&old, &splices);
        assert_eq!(new, b"a\nB1\nB2\nc\nX\nd\n");
        let c = super::FileChange::new(
            crate::loc::FileId::new(0),
            "f".into(),
            old.into(),
            splices,
            (0, 0),
        );
        // (index, start) before -> after.
        assert_eq!(c.line_after(0, 0), (0, 0));
        assert_eq!(c.line_after(1, 2), (1, 2));
        assert_eq!(c.line_after(2, 4), (3, 8));
        assert_eq!(c.line_after(3, 6), (5, 12));
        // After -> before.
        assert_eq!(c.line_before(0, 0), (0, 0));
        assert_eq!(c.line_before(2, 5), (1, 2));
        assert_eq!(c.line_before(3, 8), (2, 4));
        assert_eq!(c.line_before(4, 10), (3, 6));
        assert_eq!(c.line_before(5, 12), (3, 6));
    }

    /// A plan for several hosts keeps a splice per edited place, and what it says the two
    /// sides share holds: the lines before `head` (counted), the bytes after the last splice.
    #[test]
    fn a_plan_for_several_hosts_keeps_small_splices() {
        use crate::{Action, ConfigSet, Forward, LoadOptions, ResolveContext};
        let text = b"User x\nHost a\n  User u\nHost b\n  User v\nHost c\n  User w\n".to_vec();
        let set =
            ConfigSet::from_main_bytes(text, &LoadOptions::explicit_file("c", "/nonexistent"))
                .unwrap();
        let ctx = ResolveContext::new("me");
        let fwd = [Forward::loopback(1455, 1455)];
        for hosts in [
            &["a", "c"][..],
            &["c", "a"],
            &["b", "new", "a"],
            &["c", "b", "a", "c"],
        ] {
            let plan = set.plan(Action::Enable, hosts, &fwd, &ctx).unwrap();
            let c = &plan.changes()[0];
            let (before, after) = (c.before(), c.after());
            let same = c.unchanged();
            assert_eq!(before[..same.head], after[..same.head], "{hosts:?}");
            assert_eq!(
                same.lines,
                before[..same.head].iter().filter(|&&b| b == b'\n').count(),
                "{hosts:?}"
            );
            assert!(
                same.head == 0 || before[same.head - 1] == b'\n',
                "{hosts:?}"
            );
            let mut whole = before[..same.head].to_vec();
            whole.extend_from_slice(&c.changed_text());
            whole.extend_from_slice(&before[before.len() - same.tail..]);
            assert_eq!(whole, after, "{hosts:?}");
            // One splice per edited block (the new block is added at the end).
            let places = hosts.iter().collect::<std::collections::HashSet<_>>().len();
            assert_eq!(c.splices.len(), places, "{hosts:?}: {:?}", c.splices);
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        /// The splices composed make of the old bytes what both lists make one after the
        /// other, sorted and apart; those that do not meet keep their text.
        #[test]
        fn composed_splices_make_what_both_make(
            old in text(),
            more in text(),
            first in proptest::collection::vec((0..20usize, 0..20usize, text()), 0..4),
            second in proptest::collection::vec((0..24usize, 0..24usize, text()), 0..4),
        ) {
            let old = [old, more.clone(), more].concat();
            let first = splices(old.len(), &first);
            let middle = splice_bytes(&old, &first);
            let second = splices(middle.len(), &second);
            let new = splice_bytes(&middle, &second);
            let both = compose(&old, &first, &second);
            proptest::prop_assert_eq!(splice_bytes(&old, &both), new);
            for w in both.windows(2) {
                proptest::prop_assert!(w[0].range.end < w[1].range.start, "{:?}", both);
            }
            proptest::prop_assert!(both.len() <= first.len() + second.len());
            if second.is_empty() && first.windows(2).all(|w| w[0].range.end < w[1].range.start) {
                proptest::prop_assert_eq!(&both, &first);
            }
        }
    }
}
