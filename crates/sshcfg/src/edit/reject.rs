//! What makes ssh refuse the whole config.

use super::error::Rejection;
use crate::config::ConfigSet;
use crate::loc::{FileId, Loc};
use crate::options::OpenSshVersion;
use crate::resolve::Resolution;

impl ConfigSet {
    /// The first line of the set that makes the newest ssh refuse the whole config, as ssh
    /// reports it.
    pub fn rejection(&self) -> Option<Rejection> {
        self.rejection_for(None)
    }

    /// The first line of the set that makes OpenSSH `version` refuse the whole config (`None`:
    /// the newest), as ssh reports it.
    pub fn rejection_for(&self, version: Option<OpenSshVersion>) -> Option<Rejection> {
        self.first_rejection(version, |_, _| true)
    }

    /// The first line, in the order ssh reads the set, that makes `version` refuse the config
    /// and that `counts`: each file's lines in order, an `Include`'s files read where the
    /// `Include` stands (ssh prints its first error there, and stops at the end of the file
    /// that holds it).
    pub(crate) fn first_rejection(
        &self,
        version: Option<OpenSshVersion>,
        mut counts: impl FnMut(FileId, &crate::Diagnostic) -> bool,
    ) -> Option<Rejection> {
        // (Asked for every host of a run: the file's diagnostics are looked through where the
        // document keeps them, and only the one found is copied.)
        let mut first_of = |id: FileId| {
            self.with_file_diagnostics(id, version, |found| {
                (found.iter())
                    .find(|d| d.rejects_config() && counts(id, d))
                    .map(|d| Rejection {
                        loc: Loc::new(id, d.line - 1),
                        message: d.message.clone(),
                    })
            })
        };
        self.roots()
            .iter()
            .find_map(|&root| self.in_reading_order(root, 0, &mut first_of))
    }

    /// The problems OpenSSH `version` (`None`: the newest) finds in file `id` as this set reads
    /// it, in line order: [`Document::diagnostics_for`](crate::Document::diagnostics_for), and
    /// the unknown keywords the file's own first `IgnoreUnknown` covers only where ssh's first
    /// reading of the files gives that line to every host (an included file, the system
    /// config: not where its `Include` stands inside a block, or an earlier `IgnoreUnknown` is
    /// in force), each as ssh refuses it.
    pub fn file_diagnostics(
        &self,
        id: FileId,
        version: Option<OpenSshVersion>,
    ) -> Vec<crate::Diagnostic> {
        self.with_file_diagnostics(id, version, <[crate::Diagnostic]>::to_vec)
    }

    /// `f` of [`ConfigSet::file_diagnostics`], borrowed from the document's checks when this
    /// set adds nothing to them (most files): a run asks for every host, and copying them
    /// each time made a config refused at many lines quadratic in its size.
    fn with_file_diagnostics<T>(
        &self,
        id: FileId,
        version: Option<OpenSshVersion>,
        f: impl FnOnce(&[crate::Diagnostic]) -> T,
    ) -> T {
        let doc = &self.file(id).doc;
        doc.with_diagnostics_and_own_cover_for(version, |found, took_own| {
            // A file's own check takes its first IgnoreUnknown (in the global area, `Host *`,
            // `Match all`) as every host's; in a file not read first at the top (an included
            // one, the system config), or read first but with an `Include` above that line
            // (its files are read there, and may hold an `IgnoreUnknown` ssh obtains first),
            // that holds only where ssh's first reading of the files gets it for every host.
            let read_first = self.roots().first() == Some(&id)
                && (self.file(id).includes.first()).is_none_or(|&(include, _)| {
                    doc.lines_of("ignoreunknown")
                        .next()
                        .is_some_and(|own| own < include)
                });
            if !took_own || read_first {
                return f(found);
            }
            // (Asked for every host of a run: kept for the first release asked.)
            let added = || {
                let more = self.uncovered_unknown_keywords(id, version, found);
                (!more.is_empty()).then(|| {
                    let mut all = found.to_vec();
                    all.extend(more);
                    all.sort_by_key(|d| d.line);
                    all
                })
            };
            match self
                .added_slot(id)
                .map(|s| s.get_or_init(|| (version, added())))
            {
                Some((v, all)) if *v == version => f(all.as_deref().unwrap_or(found)),
                // (Another release than the one kept: rare, not kept.)
                _ => f(added().as_deref().unwrap_or(found)),
            }
        })
    }

    /// The lines of file `id` with a keyword `version` does not know that its own check took as
    /// covered by the file's first `IgnoreUnknown` (they are not in `found`, its diagnostics)
    /// where ssh's first reading does not give that one to every host (an `Include` inside a
    /// block, an earlier `IgnoreUnknown` in force): each as ssh refuses it.
    fn uncovered_unknown_keywords(
        &self,
        id: FileId,
        version: Option<OpenSshVersion>,
        found: &[crate::Diagnostic],
    ) -> Vec<crate::Diagnostic> {
        let doc = &self.file(id).doc;
        (doc.unknown_keyword_lines(version).into_iter())
            .filter(|&i| !found.iter().any(|d| d.line == i + 1))
            .filter(|&i| {
                !matches!(
                    self.unknown_keyword_cover(Loc::new(id, i)),
                    crate::UnknownCover::EveryHost { .. }
                )
            })
            .filter_map(|i| {
                let kw = doc.keyword_token(i)?;
                Some(crate::Diagnostic {
                    line: i + 1,
                    column: kw.span.start + 1,
                    message: crate::diagnose::bad_option(&kw.value),
                    kind: crate::DiagnosticKind::UnknownKeyword,
                })
            })
            .collect()
    }

    /// [`ConfigSet::first_rejection`] from file `id`, `depth` Includes down.
    fn in_reading_order(
        &self,
        id: FileId,
        depth: usize,
        first_of: &mut dyn FnMut(FileId) -> Option<Rejection>,
    ) -> Option<Rejection> {
        let own = first_of(id);
        let stop = own.as_ref().map_or(usize::MAX, |r| r.loc.index());
        if depth < crate::config::MAX_INCLUDE_DEPTH {
            for (line, children) in &self.file(id).includes {
                if *line >= stop {
                    break;
                }
                for &child in children {
                    if let Some(r) = self.in_reading_order(child, depth + 1, first_of) {
                        return Some(r);
                    }
                }
            }
        }
        own
    }
}

/// What a set adds to a file's diagnostics for a release (see
/// [`ConfigSet::file_diagnostics`]): all of them, when it adds any.
pub(crate) type Added = (Option<OpenSshVersion>, Option<Vec<crate::Diagnostic>>);

/// Which of two places ssh reaches first in its first reading of the files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum First {
    /// The problem the reading for the host met.
    Met,
    /// The line refused for every host.
    Refused,
}

impl ConfigSet {
    /// What ssh names first when it refuses the config for the host `r` resolves (this set's
    /// resolution of `r.host`): of `rejection`, the line it refuses for every host (as
    /// [`ConfigSet::rejection_for_host`] finds it for this host; `None` when there is none) and
    /// the problems its reading for the host met ([`Resolution::errors`]: a bad `Match`, an
    /// applying line past readconf.c's limits, ...), the one it meets first as it reads the
    /// files (each file's lines in order, an `Include`'s files where it stands). It prints an
    /// error at each line it refuses and stops at the end of the file that holds one, so the
    /// first it meets is the first it names (checked with `ssh -G` 9.2p1: `Host a` /
    /// `UserKnownHostsFile` with 33 entries / `Port abc` is refused at line 2 for `a`, at line 3
    /// for other hosts). A problem found after the first reading (in a final pass, or by the
    /// checks ssh.c makes once it has read the files) comes after any such line: ssh stops
    /// before it. Where both name the same line, the reading's word is what ssh says for this
    /// host (readconf.c's limits are checked as it keeps an entry: `UserKnownHostsFile` with 33
    /// entries and a bad 34th is refused for "too many" entries where the line applies).
    pub fn refusal_for_host(
        &self,
        rejection: Option<Rejection>,
        r: &Resolution,
    ) -> Option<Rejection> {
        let as_rejection = |n: &crate::Note| Rejection {
            loc: n.loc,
            message: n.message.clone(),
        };
        let Some(rejection) = rejection else {
            return r.errors.first().map(as_rejection);
        };
        let Some(met) = r.errors[..r.read_errors].first() else {
            return Some(rejection);
        };
        if met.loc == rejection.loc {
            return Some(match self.limit_first(met.loc) {
                true => as_rejection(met),
                false => rejection,
            });
        }
        // Where the host's reading met its problem: through the Includes it followed (a file
        // included at two places may be read for this host only at the second); the line
        // refused for every host is met where ssh first reads its file.
        let met_path: Vec<Loc> = (r.first_error_via.iter().copied())
            .chain([met.loc])
            .collect();
        let first = self.first_reading_path(rejection.loc).map(|refused| {
            match self.reached_first(&met_path, &refused) {
                true => First::Met,
                false => First::Refused,
            }
        });
        Some(match first {
            Some(First::Met) => as_rejection(met),
            _ => rejection,
        })
    }

    /// Does ssh's first reading of the files, which reached `at` through the `Include` lines
    /// `via` (outermost first), get there before it first reads `line` (each file's lines in
    /// order, an `Include`'s files where it stands)? A file included at two places is read at
    /// both: what a host obtains in it at the second comes after its lines were read at the
    /// first.
    pub(crate) fn obtained_before(&self, via: &[Loc], at: Loc, line: Loc) -> bool {
        let path: Vec<Loc> = via.iter().copied().chain([at]).collect();
        self.first_reading_path(line)
            .is_some_and(|line| self.reached_first(&path, &line))
    }

    /// Line `loc`, which ssh refuses for every host and where the reading for the host met a
    /// problem too: does readconf.c stop at its limit on what it keeps (the reading's word)
    /// before it reaches the argument it refuses for every host? It checks each argument, then
    /// keeps it if the line applies and there is room: the 33rd entry of `UserKnownHostsFile`,
    /// `GlobalKnownHostsFile`, `CanonicalDomains` and `CanonicalizePermittedCNAMEs` (after its
    /// own check), the file of an `IdentityFile` or `CertificateFile` (before the check for
    /// extra arguments). So the limit comes first when the argument refused lies past that one
    /// (checked with `ssh -G` 9.2p1: 33 entries then `none` is "too many userknownhostsfile
    /// entries." where the line applies, 32 then `none` is "\"none\" argument must appear
    /// alone."; the 101st `IdentityFile` with an extra argument is "Too many identity files",
    /// with an empty one "Missing argument.").
    fn limit_first(&self, loc: Loc) -> bool {
        let doc = &self.file(loc.file()).doc;
        let k = match doc.spec(loc.index()).map(|s| s.name) {
            Some("identityfile" | "identityfile2" | "certificatefile") => 1,
            Some(
                "userknownhostsfile"
                | "globalknownhostsfile"
                | "canonicaldomains"
                | "canonicalizepermittedcnames",
            ) => 33,
            _ => return false,
        };
        let Some(Ok(args)) = doc.args(loc.index()) else {
            return false;
        };
        let refused = (doc.checks().newest.iter())
            .find(|d| d.line == loc.line() && d.rejects_config())
            .map(|d| d.column - 1);
        args.get(k - 1)
            .zip(refused)
            .is_some_and(|(a, at)| at > a.span.start)
    }

    /// How ssh's first reading of the files reaches `loc` (each file's lines in order, an
    /// `Include`'s files read where it stands, files deeper than ssh reads not read): the
    /// `Include` lines it passes, outermost first, then `loc`. `None` when it does not reach it.
    fn first_reading_path(&self, loc: Loc) -> Option<Vec<Loc>> {
        let mut path = Vec::new();
        (self.roots().iter())
            .any(|&root| self.first_reading_path_in(root, 0, loc, &mut path))
            .then_some(path)
    }

    /// [`ConfigSet::first_reading_path`] in file `id`, `depth` Includes down: `true` with the
    /// path in `path` when the reading of `id` reaches `loc`.
    fn first_reading_path_in(
        &self,
        id: FileId,
        depth: usize,
        loc: Loc,
        path: &mut Vec<Loc>,
    ) -> bool {
        let here = loc.file() == id;
        for (line, children) in &self.file(id).includes {
            if here && loc.index() <= *line {
                break;
            }
            if depth >= crate::config::MAX_INCLUDE_DEPTH {
                continue;
            }
            path.push(Loc::new(id, *line));
            for &child in children {
                if self.first_reading_path_in(child, depth + 1, loc, path) {
                    return true;
                }
            }
            path.pop();
        }
        if here {
            path.push(loc);
        }
        here
    }

    /// Of two paths of a reading (as [`ConfigSet::first_reading_path`] gives them: `Include`
    /// lines, outermost first, then a place), does the reading pass along `a` reach its end
    /// before (or when) it reaches `b`'s? At the first step where they part, the earlier line
    /// of one file, or of two files, the one read first (the roots' order, or the order of the
    /// `Include` they come from); a path that ends on the other's `Include` line comes first.
    fn reached_first(&self, a: &[Loc], b: &[Loc]) -> bool {
        let order = |x: Loc, y: Loc, from: Option<Loc>| {
            let files = match from {
                Some(include) => self.file(include.file()).included_at(include.index()),
                None => self.roots(),
            };
            let rank = |f: FileId| files.iter().position(|&g| g == f);
            rank(x.file()) <= rank(y.file())
        };
        for k in 0..a.len().min(b.len()) {
            let (x, y) = (a[k], b[k]);
            if x == y {
                continue;
            }
            return match x.file() == y.file() {
                true => x.index() < y.index(),
                false => order(x, y, k.checked_sub(1).map(|p| a[p])),
            };
        }
        a.len() <= b.len()
    }
}

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

#[cfg(test)]
mod tests {
    use crate::loc::FileId;
    use crate::{ConfigSet, LoadOptions, OpenSshVersion};

    /// What a set adds to a file's diagnostics (an unknown keyword its own first `IgnoreUnknown`
    /// covers, where ssh obtains another first) is kept for the first release asked: every
    /// answer is a fresh set's, for each release in any order, and a changed file is read
    /// again.
    #[test]
    fn what_a_set_adds_to_a_files_diagnostics_is_kept_per_release() {
        let dir = tempfile::tempdir().unwrap();
        let inc = dir.path().join("inc");
        std::fs::write(&inc, "IgnoreUnknown Bar\n").unwrap();
        let main = dir.path().join("config");
        // ssh obtains `Bar` from the included file first: `Foo` is refused for every host
        // (`ssh -G` 9.2p1), though the file's own check takes its `IgnoreUnknown Foo` as
        // every host's. 8.0 knows no `PermitRemoteOpen`.
        let text = format!(
            "Include {}\nIgnoreUnknown Foo\nHost a\n  Foo 1\n  PermitRemoteOpen any\n",
            inc.display()
        );
        std::fs::write(&main, &text).unwrap();
        let fresh = || ConfigSet::load(&LoadOptions::explicit_file(&main, dir.path())).unwrap();
        let lines = |set: &ConfigSet, v| {
            (set.file_diagnostics(FileId::new(0), v).iter())
                .map(|d| d.line)
                .collect::<Vec<_>>()
        };
        let (old, new) = (Some(OpenSshVersion::new(8, 0)), None);
        assert_eq!(lines(&fresh(), new), [4]);
        assert_eq!(lines(&fresh(), old), [4, 5]);
        for order in [[old, new, old, new], [new, old, new, old]] {
            let set = fresh();
            for v in order {
                assert_eq!(lines(&set, v), lines(&fresh(), v), "{v:?}");
            }
        }
        let mut set = fresh();
        assert_eq!(lines(&set, new), [4]);
        set.file_mut(FileId::new(0)).doc = crate::Document::parse(
            text.replace("  Foo 1\n", "  User u\n  Foo 1\n")
                .into_bytes(),
        );
        assert_eq!(lines(&set, new), [5]);
    }
}
