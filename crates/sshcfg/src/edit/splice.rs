//! The byte splices of an edit: inserting a line, a new block, removing lines.

use crate::config::ConfigSet;
use crate::document::{Document, LineKind, Splice};
use crate::header::Header;
use crate::lexer::Eol;
use crate::loc::{FileId, Loc};
use crate::plan::FileChange;

/// The line ending to give line `line` when something is added after it. A last line without
/// one gets the file's style; if its text ends in `\r`, it gets `\r\n`, so that removing that
/// ending again (see [`removal_splices`]) gives back the `\r`.
pub(super) fn eol_after(doc: &Document, line: usize) -> Eol {
    match doc.eol(line) {
        Eol::None if doc.line_text(line).ends_with(b"\r") => Eol::CrLf,
        Eol::None => doc.eol_style(),
        e => e,
    }
}

/// Splices that insert the forward line after line `after` of `doc`.
pub(super) fn insert_after(doc: &Document, after: usize, text: &[u8]) -> Splice {
    let eol = eol_after(doc, after);
    let r = doc.line_range(after);
    let mut t = Vec::new();
    if doc.eol(after) == Eol::None {
        t.extend_from_slice(eol.as_bytes());
        t.extend_from_slice(text);
    } else {
        t.extend_from_slice(text);
        t.extend_from_slice(eol.as_bytes());
    }
    Splice {
        range: r.end..r.end,
        text: t,
    }
}

/// The splice that creates a new `Host` block holding `line` in `doc`.
pub(super) fn new_block(doc: &Document, host: &str, line_body: &[u8]) -> Splice {
    let eol = doc.eol_style().as_bytes();
    let indent = doc.indent_style().unwrap_or(b"    ");
    let mut block = Vec::new();
    block.extend_from_slice(b"Host ");
    block.extend_from_slice(host.as_bytes());
    block.extend_from_slice(eol);
    block.extend_from_slice(indent);
    block.extend_from_slice(line_body);
    // A final `Host *` block: the new block goes before it (and the comments right above it).
    let blocks = doc.blocks();
    if let Some(last) = blocks.last()
        && let Some(h) = last.header
        && is_exact_host_block(doc, h, "*")
    {
        let mut at = h;
        while at > 0 && doc.kind(at - 1) == LineKind::Comment {
            at -= 1;
        }
        block.extend_from_slice(eol);
        // A blank line after it, as the file has one before what it goes above (most files
        // part their blocks with one); none where the file parts them with none (`User x` then
        // `# defaults` / `Host *`), so that the new block reads as the others do.
        if at == 0 || doc.kind(at - 1) == LineKind::Blank {
            block.extend_from_slice(eol);
        }
        let start = doc.line_range(at).start;
        return Splice {
            range: start..start,
            text: block,
        };
    }
    let end = doc.as_bytes().len();
    let mut text = Vec::new();
    if doc.line_count() > 0 {
        if !doc.ends_with_newline() {
            text.extend_from_slice(eol_after(doc, doc.line_count() - 1).as_bytes());
        }
        text.extend_from_slice(eol);
    }
    text.extend_from_slice(&block);
    if doc.ends_with_newline() {
        text.extend_from_slice(eol);
    }
    Splice {
        range: end..end,
        text,
    }
}

/// Byte ranges that remove the given lines (sorted, unique) from `doc`. When the last line of the
/// file goes and it had no line ending, the line ending before it goes too, so the file keeps
/// "no final newline".
pub(super) fn removal_splices(doc: &Document, lines: &[usize]) -> Vec<Splice> {
    let mut out: Vec<Splice> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let first = lines[i];
        let mut last = first;
        while i + 1 < lines.len() && lines[i + 1] == last + 1 {
            i += 1;
            last = lines[i];
        }
        let mut start = doc.line_range(first).start;
        let end = doc.line_range(last).end;
        if last + 1 == doc.line_count() && doc.eol(last) == Eol::None && first > 0 {
            let prev = doc.line_range(first - 1);
            let prev_eol = doc.eol(first - 1).as_bytes().len();
            start = prev.end - prev_eol;
        }
        out.push(Splice {
            range: start..end,
            text: Vec::new(),
        });
        i += 1;
    }
    out
}

pub(super) fn push_line(per_file: &mut Vec<(FileId, Vec<usize>)>, loc: Loc) {
    match per_file.iter_mut().find(|(id, _)| *id == loc.file()) {
        Some((_, v)) => v.push(loc.index()),
        None => per_file.push((loc.file(), vec![loc.index()])),
    }
}

/// Is the block at `header` a `Host` line naming exactly `host` (one argument)?
pub(super) fn is_exact_host_block(doc: &Document, header: usize, host: &str) -> bool {
    let Some(Header::Host(line)) = doc.header(header) else {
        return false;
    };
    let mut patterns = line.patterns();
    line.check_quotes().is_ok()
        && matches!(patterns.next(), Some(Ok(p)) if !p.is_negated() && *p.pattern == *host.as_bytes())
        && patterns.next().is_none()
}

impl ConfigSet {
    pub(super) fn changes_from(&self, per_file: Vec<(FileId, Vec<Splice>)>) -> Vec<FileChange> {
        per_file
            .into_iter()
            .map(|(file, mut splices)| {
                splices.sort_by_key(|s| (s.range.start, s.range.end));
                let f = self.file(file);
                let first = splices.first().map_or(0, |s| f.doc.line_at(s.range.start));
                let head = match f.doc.line_count() {
                    0 => (0, 0),
                    _ => (first, f.doc.line_range(first).start),
                };
                FileChange::new(file, f.path.clone(), f.doc.shared_bytes(), splices, head)
            })
            .collect()
    }
}
