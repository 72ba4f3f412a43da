//! The lossless document: a file's bytes and, for every physical line, what OpenSSH reads in it.
//!
//! A [`Document`] never rewrites the bytes it was given: [`Document::as_bytes`] returns them
//! unchanged, whatever they hold. Edits are made as [`Splice`]s over those bytes, so every line an
//! edit is not about keeps every byte.

use std::ops::Range;
use std::sync::Arc;

use crate::bytes::FileBytes;
use crate::header::{Header, HostLine, MatchLine};
use crate::keyword::Keyword;
use crate::lexer::{self, Eol, LexedLine, LineShape, SplitError, Token};

mod checks;
mod lines;

pub use crate::lexer::LineKind;
use lines::{
    ARGS_FAR, BLANK, COMMENT, HOST, LineTable, MATCH, UNKNOWN, UNREADABLE, kind_of, lex_lines,
    must_read, spec_of,
};

/// A block: the global area (lines before the first `Host`/`Match`) or a `Host`/`Match` line and
/// every line up to the next one, whatever the indentation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// Index of the `Host`/`Match` line; `None` for the global area.
    pub header: Option<usize>,
    /// Line indices this block covers, header included.
    pub lines: Range<usize>,
}

/// One keyword line, tokenised as OpenSSH does.
#[derive(Debug, Clone)]
pub struct Directive<'a> {
    /// Which keyword (case-insensitive).
    pub keyword: Keyword,
    /// The keyword as written.
    pub keyword_text: &'a [u8],
    /// The arguments after quote and escape removal, comments cut off, each with its span
    /// in the line.
    pub args: Result<Vec<Token<'a>>, SplitError>,
    /// The raw argument text (after the keyword and its `=`/whitespace), as OpenSSH's `str`.
    pub raw_args: &'a [u8],
}

/// A replacement of `range` (byte offsets in the document) by `text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Splice {
    /// The bytes replaced.
    pub range: Range<usize>,
    /// What replaces them.
    pub text: Vec<u8>,
}

/// A lossless OpenSSH client config file.
///
/// ```
/// let input = b"# mine\nHost web\r\n\tUser=me  # trailing\n";
/// let doc = sshcfg::Document::parse(input.to_vec());
/// assert_eq!(doc.as_bytes(), input);
/// assert_eq!(doc.blocks().len(), 2);
/// ```
#[derive(Debug, Clone)]
pub struct Document {
    bytes: FileBytes,
    lines: Arc<LineTable>,
    /// How many blocks (their first lines are found in the line table: the headers, and line
    /// 0 for the global area).
    block_count: usize,
    /// The header lines a walk for one host must read whatever the host (`lines::must_read`).
    reads: Arc<Vec<u32>>,
    /// Whether the first block is the global area (it has no header line).
    has_global: bool,
    /// Whether the bytes hold a NUL anywhere (OpenSSH cuts a line at its first NUL).
    has_nul: bool,
    /// What the newest ssh refuses in it: found while reading, or on first asking for a
    /// document made by splicing.
    checks: Arc<std::sync::OnceLock<crate::diagnose::Checks>>,
    /// What the first release asked about refuses (when the answer depends on the release): a
    /// run asks about one, the installed client, for every host it looks at.
    checks_for: Arc<std::sync::OnceLock<(crate::OpenSshVersion, crate::diagnose::Checks)>>,
    /// The lines that hold the first name asked for ([`Document::lines_naming`]).
    named: Arc<std::sync::OnceLock<Named>>,
    /// About how many bytes a pass through the whole of them reads before it hands their pages
    /// back (a mapped file's, [`MAPPED_PART`]; else `usize::MAX`, all at once).
    part: usize,
}

/// [`Document::header`] with the document's bytes and line table looked up once
/// ([`Document::header_reader`]).
pub(crate) struct HeaderReader<'d> {
    doc: &'d Document,
    bytes: &'d [u8],
    starts: &'d [u32],
    codes: &'d [u8],
    args: &'d [u8],
}

impl<'d> HeaderReader<'d> {
    /// Line `i` as a block header, as [`Document::header`] reads it: for a line whose
    /// arguments' offset is known in a document without NUL, its bytes to where the next line
    /// starts, trailing whitespace stripped (`\r` and `\n` with it), from that offset on.
    #[inline(always)]
    pub(crate) fn header(&self, i: usize) -> Option<Header<'d>> {
        let (code, a) = (self.codes[i], self.args[i]);
        if (code != HOST && code != MATCH) || a == 0 || a == ARGS_FAR || self.doc.has_nul {
            return self.doc.header(i);
        }
        let start = self.starts[i] as usize;
        let end = self
            .starts
            .get(i + 1)
            .map_or(self.bytes.len(), |&s| s as usize);
        let raw = &lexer::strip_trailing(&self.bytes[start..end])[usize::from(a)..];
        Some(match code {
            HOST => Header::Host(HostLine::new(raw)),
            _ => Header::Match(MatchLine::new(raw)),
        })
    }

    /// The one word of `Host` line `i` when its arguments are a plain host name's bytes
    /// (letters, digits, `.`, `-`, `_`) up to the line's ending (`\n`, `\r\n`, or none at the
    /// end of the file): most lines of a large config. [`HostLine::plain_patterns_or_commented`]
    /// of [`HeaderReader::header`] reads such a line as that word alone, not a wildcard, of name
    /// bytes; here it is found in one look at its bytes, without the header's trailing
    /// whitespace stripped first or its bytes classed one at a time. `None` for any other line
    /// (read through [`HeaderReader::header`]).
    #[inline(always)]
    pub(crate) fn plain_host_name(&self, i: usize) -> Option<&'d [u8]> {
        let (code, a) = (self.codes[i], self.args[i]);
        if code != HOST || a == 0 || a == ARGS_FAR || self.doc.has_nul {
            return None;
        }
        let start = self.starts[i] as usize + usize::from(a);
        let end = self
            .starts
            .get(i + 1)
            .map_or(self.bytes.len(), |&s| s as usize);
        let word = match self.bytes.get(start..end)? {
            [w @ .., b'\n'] => w,
            w => w,
        };
        // (Eight bytes at a time, without a branch for each: names are short.)
        let class = |b: &[u8]| b.iter().fold(0, |n, &b| n | NOT_NAME_BYTE[usize::from(b)]);
        let mut chunks = word.chunks_exact(8);
        for c in &mut chunks {
            if class(c) != 0 {
                return None;
            }
        }
        (!word.is_empty() && class(chunks.remainder()) == 0).then_some(word)
    }
}

/// 1 for each byte that is not a plain host name's (`crate::host::PLAIN_NAME_BYTE`), else 0.
static NOT_NAME_BYTE: [u8; 256] = {
    let mut t = [0; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = !crate::host::PLAIN_NAME_BYTE[b] as u8;
        b += 1;
    }
    t
};

/// The lines where a name occurs in a document's bytes, in order.
#[derive(Debug)]
struct Named {
    name: Vec<u8>,
    lines: Vec<u32>,
}

/// How many blocks, counted from the `Host`/`Match` lines (the global area, when the file does
/// not start with one, is a block too): only those need to be seen.
struct BlockCount {
    headers: usize,
    has_global: bool,
}

impl BlockCount {
    /// Before any line: a global area at line 0 until line 0 is seen to be a header.
    fn new() -> BlockCount {
        BlockCount {
            headers: 0,
            has_global: true,
        }
    }

    /// Line `i` is a `Host` or `Match` line when `kind` says so (any other line may be
    /// passed, or not).
    #[inline]
    fn line(&mut self, i: usize, kind: LineKind) {
        if let LineKind::Directive(k) = kind
            && k.starts_block()
        {
            self.headers += 1;
            if i == 0 {
                self.has_global = false;
            }
        }
    }

    /// The number of blocks and whether the first block is the global area, for a document
    /// of `lines` lines.
    fn finish(self, lines: usize) -> (usize, bool) {
        if lines == 0 {
            (0, false)
        } else {
            (self.headers + usize::from(self.has_global), self.has_global)
        }
    }
}

/// The blocks of a document not yet taken, from both ends: their first lines are found from
/// the line table's codes (a few lines a block in a large config).
struct Blocks<'a> {
    doc: &'a Document,
    /// The first line of the first block left.
    front: usize,
    /// The end of the last block left.
    end: usize,
    /// How many are left.
    left: usize,
}

impl Blocks<'_> {
    fn block(&self, lines: Range<usize>) -> Block {
        let global = lines.start == 0 && self.doc.has_global;
        Block {
            header: (!global).then_some(lines.start),
            lines,
        }
    }
}

impl Iterator for Blocks<'_> {
    type Item = Block;

    #[inline]
    fn next(&mut self) -> Option<Block> {
        let start = self.front;
        self.left = self.left.checked_sub(1)?;
        self.front = match self.left {
            0 => self.end,
            _ => self.doc.lines.header_from(start + 1).expect("a block left"),
        };
        Some(self.block(start..self.front))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl DoubleEndedIterator for Blocks<'_> {
    fn next_back(&mut self) -> Option<Block> {
        let end = self.end;
        self.left = self.left.checked_sub(1)?;
        self.end = match self.left {
            0 => self.front,
            _ => self.doc.lines.header_before(end).expect("a block left"),
        };
        Some(self.block(self.end..end))
    }
}

impl ExactSizeIterator for Blocks<'_> {}

/// Append to `found` the lines of `lines` (the table of `bytes`) whose bytes within `range` (from
/// a line start) hold `name`, each once, in order.
fn find_lines(
    bytes: &[u8],
    lines: &LineTable,
    name: &[u8],
    range: Range<usize>,
    found: &mut Vec<u32>,
) {
    let from = range.start;
    for off in memchr::memmem::find_iter(&bytes[range], name) {
        let line = lines.line_at(from + off) as u32;
        if found.last() != Some(&line) {
            found.push(line);
        }
    }
}

/// About how many bytes of a mapped file are read before its pages are handed back (see
/// [`Document::from_file_bytes`]).
const MAPPED_PART: usize = 1 << 20;

/// `bytes` cut into parts of `size` bytes or a little more, each but the last ending just
/// after a `\n` (none for no bytes). Each part's end is found as it is reached, not before:
/// finding it reads the bytes there, and in a mapped file a read brings in a page, or a larger
/// folio of the file's cache (2 MiB on some kernels), that the pass would otherwise hold from
/// the start.
fn parts(bytes: &[u8], size: usize) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut from = 0;
    std::iter::from_fn(move || {
        if from >= bytes.len() {
            return None;
        }
        let to = match from.checked_add(size).filter(|&t| t < bytes.len()) {
            Some(t) => memchr::memchr(b'\n', &bytes[t..]).map_or(bytes.len(), |n| t + n + 1),
            None => bytes.len(),
        };
        let part = from..to;
        from = to;
        Some(part)
    })
}

fn block_count(lines: &LineTable) -> (usize, bool) {
    let mut b = BlockCount::new();
    for i in lines.headers() {
        b.line(i, kind_of(lines.code(i)));
    }
    b.finish(lines.len())
}

/// What each line of a document is ([`Document::kinds`]).
#[derive(Clone, Copy)]
pub(crate) struct Kinds<'a>(&'a [u8]);

impl Kinds<'_> {
    /// What line `i` is ([`Document::kind`]).
    #[inline(always)]
    pub(crate) fn get(self, i: usize) -> LineKind {
        kind_of(self.0[i])
    }

    /// How many lines there are.
    #[inline(always)]
    pub(crate) fn len(self) -> usize {
        self.0.len()
    }
}

impl Document {
    /// Read any bytes. Nothing is rejected: problems are reported by [`Document::diagnostics`].
    ///
    /// Offsets are kept in 32 bits: input of 4 GiB or more is refused with a panic
    /// ([`ConfigSet::load`](crate::ConfigSet::load) refuses such a file before reading it).
    pub fn parse(bytes: impl Into<Vec<u8>>) -> Document {
        Document::from_file_bytes(FileBytes::from(bytes.into()))
    }

    /// As [`Document::parse`], sharing bytes already held in an `Arc`.
    pub fn from_shared(bytes: Arc<Vec<u8>>) -> Document {
        Document::from_file_bytes(FileBytes::from(bytes))
    }

    /// As [`Document::parse`], on bytes read or mapped from a file (see
    /// [`read_file_bytes`](crate::read_file_bytes)).
    pub fn from_file_bytes(bytes: FileBytes) -> Document {
        let part = if bytes.is_mapped() {
            MAPPED_PART
        } else {
            usize::MAX
        };
        Document::read_in_parts(bytes, part)
    }

    /// As [`Document::from_file_bytes`], reading the bytes in parts of about `part` bytes.
    fn read_in_parts(bytes: FileBytes, part: usize) -> Document {
        assert!(
            bytes.len() < u32::MAX as usize,
            "ssh config of 4 GiB or more is not supported"
        );
        // A mapped file is read in parts, each part's pages handed back once it is read
        // (`FileBytes::release_pages`), so that the process does not hold the file whole.
        let (mut newlines, mut has_nul) = (0, false);
        for part in parts(&bytes, part) {
            newlines += memchr::memchr_iter(b'\n', &bytes[part.clone()]).count();
            has_nul |= memchr::memchr(0, &bytes[part.clone()]).is_some();
            bytes.release_pages();
        }
        let mut lines = LineTable::with_capacity(newlines + 1);
        // What the newest ssh refuses is found in the same pass (every command asks it).
        let mut checker = crate::diagnose::Checker::new(None);
        let mut blocks = BlockCount::new();
        let mut reads = Vec::new();
        for part in parts(&bytes, part) {
            lex_lines(&bytes, part.start, part.end, !has_nul, &mut lines, |l| {
                blocks.line(l.index, l.kind);
                if must_read(&l) {
                    reads.push(l.index as u32);
                }
                checker.line(&l);
            });
            bytes.release_pages();
        }
        let checks = checker.finish();
        let (block_count, has_global) = blocks.finish(lines.len());
        Document {
            lines: Arc::new(lines),
            block_count,
            reads: Arc::new(reads),
            has_global,
            has_nul,
            checks: Arc::new(std::sync::OnceLock::from(checks)),
            checks_for: Arc::default(),
            named: Arc::default(),
            bytes,
            part,
        }
    }

    /// The document after `splices` (sorted, non-overlapping), re-reading only the lines they
    /// touch. Gives the same result as parsing the spliced bytes.
    pub fn with_splices(&self, splices: &[Splice]) -> Document {
        self.with_spliced_bytes(splices, Arc::new(self.splice(splices)))
    }

    /// As [`Document::with_splices`], given the spliced bytes already made (they must be
    /// `self.splice(splices)`).
    pub fn with_spliced_bytes(&self, splices: &[Splice], new_bytes: Arc<Vec<u8>>) -> Document {
        debug_assert_eq!(*new_bytes, self.splice(splices));
        let (Some(first), Some(last)) = (splices.first(), splices.last()) else {
            return Document::from_shared(new_bytes);
        };
        let new_bytes = FileBytes::from(new_bytes);
        let n = self.lines.len();
        if n == 0 {
            return Document::from_file_bytes(new_bytes);
        }
        // The line holding the first change, and the line holding the last.
        let containing = |off: usize| -> usize { self.lines.line_at(off) };
        let l0 = containing(first.range.start);
        let l1 = containing(last.range.end).max(l0);
        let old_end = self.line_end(l1);
        let delta = new_bytes.len() as i64 - self.bytes.len() as i64;
        let new_end = (old_end as i64 + delta) as usize;
        let from = self.lines.start(l0);
        // Whether the text holds a NUL decides how every line is read (`lex_lines`): a splice
        // that brings in the first one or takes out the last is read as a whole.
        let has_nul = match self.has_nul {
            false => memchr::memchr(0, &new_bytes[from..new_end]).is_some(),
            true => memchr::memchr(0, &new_bytes).is_some(),
        };
        if has_nul != self.has_nul {
            return Document::from_file_bytes(new_bytes);
        }
        let mut lines = LineTable::with_capacity(n + 4);
        lines.extend_shifted(&self.lines, 0..l0, 0);
        // Headers to read: those before the first re-read line are kept, the re-read lines
        // are looked at as they are read, those after the last are shifted.
        let mut reads = Vec::with_capacity(self.reads.len() + 2);
        reads.extend_from_slice(&self.reads[..self.reads.partition_point(|&r| (r as usize) < l0)]);
        // What the newest ssh refuses carries over when the re-read lines, before and after,
        // show that nothing else changes (`checks::carried`); it is worth finding out only
        // when it refused nothing before.
        let before = self
            .checks
            .get()
            .filter(|c| c.newest.is_empty() && !has_nul);
        let mut old_lines = checks::Reread::new();
        if before.is_some() {
            let mut scratch = LineTable::with_capacity(l1 + 1 - l0);
            lex_lines(&self.bytes, from, old_end, true, &mut scratch, |l| {
                old_lines.line(&l)
            });
        }
        let mut new_lines = checks::Reread::new();
        lex_lines(&new_bytes, from, new_end, !has_nul, &mut lines, |l| {
            if must_read(&l) {
                reads.push(l.index as u32);
            }
            new_lines.line(&l);
        });
        let carried = before.and_then(|b| checks::carried(b, old_lines, new_lines));
        let added_lines = lines.len() as i64 - l0 as i64 - (l1 as i64 + 1 - l0 as i64);
        let after_reads = self.reads.partition_point(|&r| (r as usize) <= l1);
        reads.extend(
            self.reads[after_reads..]
                .iter()
                .map(|&r| (i64::from(r) + added_lines) as u32),
        );
        lines.extend_shifted(&self.lines, l1 + 1..n, delta);
        // Blocks: those of the re-read lines are counted again (their headers are found in the
        // table), the others are as they were.
        let added = lines.len() as i64 - n as i64;
        let reread_end = (l1 as i64 + 1 + added) as usize;
        let (block_count, has_global) = if l0 == 0 {
            block_count(&lines)
        } else {
            let headers = |t: &LineTable, range: Range<usize>| {
                t.headers_from(range.start)
                    .take_while(|&i| i < range.end)
                    .count()
            };
            (
                self.block_count - headers(&self.lines, l0..l1 + 1)
                    + headers(&lines, l0..reread_end),
                self.has_global,
            )
        };
        // The lines naming the name a walk asked the document for: those outside the re-read
        // lines are kept or shifted (a name without a line ending occurs within one line),
        // the re-read ones searched again.
        let named = match self.named.get() {
            Some(n) if !n.name.contains(&b'\n') => {
                let mut found = Vec::with_capacity(n.lines.len() + 1);
                found
                    .extend_from_slice(&n.lines[..n.lines.partition_point(|&l| (l as usize) < l0)]);
                find_lines(&new_bytes, &lines, &n.name, from..new_end, &mut found);
                let after = n.lines.partition_point(|&l| (l as usize) <= l1);
                found.extend(
                    n.lines[after..]
                        .iter()
                        .map(|&l| (i64::from(l) + added) as u32),
                );
                std::sync::OnceLock::from(Named {
                    name: n.name.clone(),
                    lines: found,
                })
            }
            _ => std::sync::OnceLock::new(),
        };
        Document {
            bytes: new_bytes,
            lines: Arc::new(lines),
            block_count,
            reads: Arc::new(reads),
            has_global,
            has_nul,
            checks: Arc::new(
                carried.map_or_else(std::sync::OnceLock::new, std::sync::OnceLock::from),
            ),
            checks_for: Arc::default(),
            named: Arc::new(named),
            // (New bytes are in memory.)
            part: usize::MAX,
        }
    }

    #[inline]
    fn line_end(&self, i: usize) -> usize {
        self.lines.next_start(i).unwrap_or(self.bytes.len())
    }

    /// Where line `i`'s text ends: before its `\n`, and before a `\r` ahead of that which is
    /// part of the line (as `lex_lines` reads it).
    #[inline]
    fn content_end(&self, i: usize) -> usize {
        self.content(&self.bytes, i).len() + self.lines.start(i)
    }

    /// Line `i` without its line ending, out of `bytes` (the document's bytes, looked up once
    /// by the caller).
    #[inline]
    fn content<'b>(&self, bytes: &'b [u8], i: usize) -> &'b [u8] {
        let start = self.lines.start(i);
        let end = self.lines.next_start(i).unwrap_or(bytes.len());
        let mut line = &bytes[start..end];
        if let [rest @ .., b'\n'] = line {
            line = rest;
            if let [rest @ .., b'\r'] = line {
                line = rest;
            }
        }
        line
    }

    /// The bytes, exactly as given.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Hand the pages of a mapped file back to the kernel (see `FileBytes::release_pages`): a
    /// pass through a large file calls it now and then.
    pub(crate) fn release_pages(&self) {
        self.bytes.release_pages();
    }

    /// The bytes, shared.
    pub fn shared_bytes(&self) -> FileBytes {
        self.bytes.clone()
    }

    /// Take the bytes back.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes.into_vec()
    }

    /// Number of physical lines (a final newline does not start another line).
    pub fn line_count(&self) -> usize {
        self.lines.len()
    }

    /// Number of blocks (the global area counts when it has lines).
    pub fn block_count(&self) -> usize {
        self.block_count
    }

    /// Block `b` (0-based, in file order). Found by walking the blocks before it (a document
    /// keeps no list of where its blocks start): to visit several, iterate
    /// [`Document::blocks`].
    pub fn block(&self, b: usize) -> Block {
        self.blocks().nth(b).expect("no such block")
    }

    /// The block that starts at line `start` (a header, or line 0 of the global area).
    fn block_at(&self, start: usize) -> Block {
        let global = start == 0 && self.has_global;
        let from = if global { 0 } else { start + 1 };
        Block {
            header: (!global).then_some(start),
            lines: start
                ..self
                    .lines
                    .headers_from(from)
                    .next()
                    .unwrap_or(self.lines.len()),
        }
    }

    /// The global area and the `Host`/`Match` blocks, in file order.
    pub fn blocks(&self) -> impl DoubleEndedIterator<Item = Block> + ExactSizeIterator + '_ {
        Blocks {
            doc: self,
            front: 0,
            end: self.lines.len(),
            left: self.block_count,
        }
    }

    /// What line `i` (0-based) is.
    pub fn kind(&self, i: usize) -> LineKind {
        kind_of(self.lines.code(i))
    }

    /// What each line is ([`Document::kind`]), for a walk through the lines: taken once, it
    /// is read without going through the document again at each line.
    #[inline]
    pub(crate) fn kinds(&self) -> Kinds<'_> {
        let codes = self.lines.parts().1;
        debug_assert_eq!(codes.len(), self.line_count(), "a code a line");
        Kinds(codes)
    }

    /// The text of line `i` without its line ending.
    pub fn line_text(&self, i: usize) -> &[u8] {
        self.content(&self.bytes, i)
    }

    /// How line `i` ends.
    pub fn eol(&self, i: usize) -> Eol {
        match self.line_end(i) - self.content_end(i) {
            0 => Eol::None,
            1 => Eol::Lf,
            _ => Eol::CrLf,
        }
    }

    /// Byte range of line `i`, its line ending included.
    pub fn line_range(&self, i: usize) -> Range<usize> {
        self.lines.start(i)..self.line_end(i)
    }

    /// The text of line `i` as OpenSSH reads it: cut at a NUL, trailing whitespace stripped.
    #[inline(always)]
    pub(crate) fn effective_text(&self, i: usize) -> &[u8] {
        if self.has_nul {
            lexer::effective_line(self.line_text(i))
        } else {
            lexer::strip_trailing(self.line_text(i))
        }
    }

    /// The first argument of keyword line `i` as [`lexer::first_arg`] reads it from
    /// [`Document::raw_args`], found without the line's end: most values are a plain word (no
    /// quote, backslash or control byte) ended by a blank or the newline, read eight bytes at a
    /// time; anything else is read as `first_arg` reads it.
    #[inline(always)]
    pub(crate) fn first_arg(&self, i: usize) -> Option<std::borrow::Cow<'_, [u8]>> {
        self.first_arg_marked(i).map(|(a, _)| a)
    }

    /// [`Document::first_arg`], with whether it may hold a `%`: `false` only when read as a
    /// plain word none of whose bytes is one of `!#$%&` (which the eight-byte runs stop at
    /// anyway), so that a value most lines have is known to hold none without looking at its
    /// bytes again.
    #[inline(always)]
    pub(crate) fn first_arg_marked(&self, i: usize) -> Option<(std::borrow::Cow<'_, [u8]>, bool)> {
        use crate::swar;
        let a = self.lines.args(i);
        if a != 0 && a != ARGS_FAR && !self.has_nul {
            let bytes: &[u8] = &self.bytes;
            let start = self.lines.start(i) + usize::from(a);
            // (A line's arguments start at a byte that is not blank: `#` begins a comment.)
            if bytes.get(start).is_some_and(|&b| b != b'#') {
                let mut at = start;
                let mut marked = false;
                loop {
                    // The next byte that may end a plain word's run: a blank or control byte, a
                    // quote, a backslash, or (tested with them, eight bytes at a time) one of
                    // `!#$%&`, which do not end it.
                    let stop = |w: u64| swar::below(w, b'\'' + 1) | swar::eq(w, b'\\');
                    while at + 8 <= bytes.len() {
                        let hit = stop(swar::load(bytes, at));
                        if hit != 0 {
                            at += hit.trailing_zeros() as usize / 8;
                            break;
                        }
                        at += 8;
                    }
                    if at + 8 > bytes.len() {
                        while at < bytes.len() && !matches!(bytes[at], 0..=b'\'' | b'\\') {
                            at += 1;
                        }
                    }
                    match bytes.get(at) {
                        // Ended by a blank, the newline or the end of the file: that is the
                        // word (a blank before the line's end is passed over as trailing, or
                        // ends the first token).
                        None | Some(b' ' | b'\t' | b'\n') => {
                            return Some((std::borrow::Cow::Borrowed(&bytes[start..at]), marked));
                        }
                        Some(b'!' | b'#' | b'$' | b'%' | b'&') => {
                            marked = true;
                            at += 1;
                        }
                        _ => break,
                    }
                }
            }
        }
        lexer::first_arg(self.raw_args(i)).map(|a| (a, true))
    }

    /// Where the arguments of line `i` start within its text (`None`: no argument).
    #[inline(always)]
    pub(crate) fn args_offset(&self, i: usize) -> Option<usize> {
        match self.lines.args(i) {
            0 => None,
            ARGS_FAR => match lexer::shape(self.effective_text(i)) {
                LineShape::Directive { args, .. } => args,
                _ => None,
            },
            a => Some(a as usize),
        }
    }

    /// The arguments of keyword line `i`, tokenised as `argv_split` does (`None` for other
    /// lines).
    pub fn args(&self, i: usize) -> Option<Result<Vec<Token<'_>>, SplitError>> {
        let LineKind::Directive(_) = kind_of(self.lines.code(i)) else {
            return None;
        };
        let text = self.effective_text(i);
        Some(match self.args_offset(i) {
            Some(a) => lexer::argv_split(&text[a..], a),
            None => Ok(Vec::new()),
        })
    }

    /// The raw argument text of keyword line `i` (after the keyword and its `=`/whitespace).
    #[inline(always)]
    pub fn raw_args(&self, i: usize) -> &[u8] {
        let text = self.effective_text(i);
        match self.args_offset(i) {
            Some(a) => &text[a..],
            None => &text[text.len()..],
        }
    }

    /// Line `i` as a block header (`None` unless it is a `Host` or `Match` line): told by its
    /// code in the line table (no keyword is looked up).
    #[inline]
    pub fn header(&self, i: usize) -> Option<Header<'_>> {
        match self.lines.code(i) {
            HOST => Some(Header::Host(HostLine::new(self.raw_args(i)))),
            MATCH => Some(Header::Match(MatchLine::new(self.raw_args(i)))),
            _ => None,
        }
    }

    /// A reader of the header lines ([`Document::header`]) with the bytes and the line table
    /// looked up once (the index reads every header of a large config).
    pub(crate) fn header_reader(&self) -> HeaderReader<'_> {
        let (starts, codes, args) = self.lines.parts();
        HeaderReader {
            doc: self,
            bytes: &self.bytes,
            starts,
            codes,
            args,
        }
    }

    /// The `Host` and `Match` lines from line `from` on, in order (the first lines of the
    /// blocks but the global area), found from the line table's codes.
    pub(crate) fn header_lines_from(&self, from: usize) -> impl Iterator<Item = usize> + '_ {
        self.lines.headers_from(from)
    }

    /// The leading whitespace of line `i`.
    pub fn indent(&self, i: usize) -> &[u8] {
        let t = self.line_text(i);
        let n = t.iter().take_while(|&&b| b == b' ' || b == b'\t').count();
        &t[..n]
    }

    /// Every line in order, as a pass over the whole file reads it: the bytes are reached once,
    /// not once per question about a line.
    pub(crate) fn sweep(&self) -> impl Iterator<Item = LexedLine<'_>> + '_ {
        (0..self.lines.len()).map(move |index| LexedLine {
            index,
            kind: kind_of(self.lines.code(index)),
            spec: spec_of(self.lines.code(index)),
            text: self.effective_text(index),
            args: self.args_offset(index),
            class: None,
        })
    }

    /// The keyword-table entry of line `i` (`None`: not a keyword line, or a keyword OpenSSH
    /// does not know).
    #[inline]
    pub(crate) fn spec(&self, i: usize) -> Option<&'static crate::keyword::table::Spec> {
        spec_of(self.lines.code(i))
    }

    /// The position in the keyword table of line `i`'s keyword (`None` as for [`Self::spec`]).
    #[inline]
    pub(crate) fn spec_index(&self, i: usize) -> Option<u8> {
        match self.lines.code(i) {
            BLANK | COMMENT | UNREADABLE | UNKNOWN => None,
            k => Some(k),
        }
    }

    /// The keyword of line `i` as `strdelim` gives it to ssh (quotes removed: `"Po"rt` is `Po`),
    /// with its place in the line; `None` for a line that is not a keyword line.
    pub(crate) fn keyword_token(&self, i: usize) -> Option<Token<'_>> {
        match lexer::shape(self.effective_text(i)) {
            LineShape::Directive { keyword, .. } => Some(keyword),
            _ => None,
        }
    }

    /// Line `i` tokenised as OpenSSH does, if it is a keyword line.
    pub fn directive(&self, i: usize) -> Option<Directive<'_>> {
        let LineKind::Directive(keyword) = kind_of(self.lines.code(i)) else {
            return None;
        };
        let text = lexer::effective_line(self.line_text(i));
        let keyword_text = match lexer::shape(text) {
            LineShape::Directive { keyword, .. } => {
                &text[keyword.span.start..keyword.span.end.min(text.len())]
            }
            _ => return None,
        };
        Some(Directive {
            keyword,
            keyword_text,
            args: self.args(i)?,
            raw_args: self.raw_args(i),
        })
    }

    /// The line ending this file uses: that of its first line that has one (`\n` if none).
    pub fn eol_style(&self) -> Eol {
        (0..self.lines.len())
            .map(|i| self.eol(i))
            .find(|&e| e != Eol::None)
            .unwrap_or(Eol::Lf)
    }

    /// Does the file end with a line ending (an empty file counts as yes)?
    pub fn ends_with_newline(&self) -> bool {
        self.lines.len() == 0 || self.eol(self.lines.len() - 1) != Eol::None
    }

    /// The indentation of the first indented keyword line that is not a `Host`/`Match` line.
    pub fn indent_style(&self) -> Option<&[u8]> {
        (0..self.lines.len()).find_map(|i| match kind_of(self.lines.code(i)) {
            LineKind::Directive(k) if !k.starts_block() && !self.indent(i).is_empty() => {
                Some(self.indent(i))
            }
            _ => None,
        })
    }

    /// The lines whose keyword is `keyword` (lowercase, as the keyword table names it), in
    /// order: a look at each line's code, not at its text.
    pub(crate) fn lines_of(&self, keyword: &str) -> impl Iterator<Item = usize> + '_ {
        let code = crate::keyword::table::lookup_index(keyword.as_bytes());
        code.into_iter()
            .flat_map(|code| self.lines.lines_with_code(code))
    }

    /// The lines whose keyword OpenSSH `version` does not know (`None`: the newest, which
    /// knows every keyword of the table), in order: a keyword no OpenSSH knows, or one newer
    /// than `version` or added by another vendor's patches (Apple's `UseKeychain` on Linux).
    pub(crate) fn unknown_keyword_lines(
        &self,
        version: Option<crate::OpenSshVersion>,
    ) -> Vec<usize> {
        let mut lines: Vec<usize> = self.lines.lines_with_code(UNKNOWN).collect();
        if version.is_some() {
            let table = crate::keyword::table::KEYWORDS;
            for (code, spec) in (0u8..).zip(table) {
                if crate::diagnose::unknown_to(spec, version) {
                    lines.extend(self.lines.lines_with_code(code));
                }
            }
            lines.sort_unstable();
        }
        lines
    }

    /// The line that holds byte offset `off` (the last line for the end of the file).
    pub(crate) fn line_at(&self, off: usize) -> usize {
        self.lines.line_at(off)
    }

    /// The header lines a walk for one host must read whatever the host, in order: every
    /// `Match` line, and each `Host` line with no argument or whose arguments hold a wildcard,
    /// quote or backslash. Any other `Host` line can apply to a host only if its text holds
    /// the host's name.
    pub(crate) fn header_reads(&self) -> &[u32] {
        &self.reads
    }

    /// Is it known that the newest ssh refuses no line of it? Then every line's quotes close
    /// (`argv_split` succeeds on each). `false` also when that is not known yet (a document
    /// made by splicing, not checked since).
    pub(crate) fn refuses_nothing(&self) -> bool {
        self.checks.get().is_some_and(|c| c.newest.is_empty())
    }

    /// The lines whose bytes hold `name`, in order: found by one search of the bytes, kept for
    /// the first name asked (a walk for one host asks for its name, and asks again of the
    /// document an edit makes from this one, which finds them in the lines it re-reads only).
    pub(crate) fn lines_naming(&self, name: &[u8]) -> std::borrow::Cow<'_, [u32]> {
        let all = || {
            let mut found = Vec::new();
            // A mapped file is searched in parts, as it is read (no line holds a `\n`).
            let size = match name.contains(&b'\n') {
                true => usize::MAX,
                false => self.part,
            };
            for part in parts(&self.bytes, size) {
                find_lines(&self.bytes, &self.lines, name, part, &mut found);
                self.bytes.release_pages();
            }
            found
        };
        let kept = self.named.get_or_init(|| Named {
            name: name.to_vec(),
            lines: all(),
        });
        match kept.name == name {
            true => std::borrow::Cow::Borrowed(&kept.lines),
            false => std::borrow::Cow::Owned(all()),
        }
    }

    /// The block that holds line `i`.
    pub fn block_of(&self, i: usize) -> Block {
        self.block_at(self.lines.header_before(i + 1).unwrap_or(0))
    }

    /// Apply splices (sorted, non-overlapping ranges) and return the new bytes.
    pub fn splice(&self, splices: &[Splice]) -> Vec<u8> {
        splice_bytes(&self.bytes, splices)
    }
}

/// `bytes` with `splices` (sorted, non-overlapping ranges) made.
pub(crate) fn splice_bytes(bytes: &[u8], splices: &[Splice]) -> Vec<u8> {
    let extra: usize = splices.iter().map(|s| s.text.len()).sum();
    let mut out = Vec::with_capacity(bytes.len() + extra);
    let mut at = 0;
    for s in splices {
        out.extend_from_slice(&bytes[at..s.range.start]);
        out.extend_from_slice(&s.text);
        at = s.range.end;
    }
    out.extend_from_slice(&bytes[at..]);
    out
}

#[cfg(test)]
mod tests {
    /// The header reader reads every line as `Document::header` does: line endings of every
    /// kind, trailing blanks, tabs and form feeds, `=`, no arguments, a keyword indented too
    /// far for the line table, a last line without its newline, and a document with a NUL.
    #[test]
    fn the_header_reader_reads_headers_as_the_document_does() {
        let far = " ".repeat(300);
        let lines = [
            "Host a".to_string(),
            "Host a b \r".to_string(),
            "Host a\t\x0c ".to_string(),
            "Host\ta\r\r".to_string(),
            "Match host x user y  ".to_string(),
            "Host=a".to_string(),
            "Host = a b".to_string(),
            "Host".to_string(),
            "Host   ".to_string(),
            "  User x".to_string(),
            "# Host a".to_string(),
            "".to_string(),
            format!("{far}Host far"),
            "Host \"q d\" # c".to_string(),
        ];
        for ending in ["\n", "\r\n"] {
            for nul in [false, true] {
                let mut text = lines.join(ending);
                if nul {
                    text.push_str(ending);
                    text.push_str("Host n\0ul");
                }
                for last in ["", ending] {
                    let doc = super::Document::parse(format!("{text}{last}").into_bytes());
                    let reader = doc.header_reader();
                    for i in 0..doc.line_count() {
                        assert_eq!(
                            format!("{:?}", reader.header(i)),
                            format!("{:?}", doc.header(i)),
                            "line {i} of {text:?}{last:?}"
                        );
                    }
                }
            }
        }
    }
    use super::*;

    /// The header reader's plain host name of a line is the one word the header's plain
    /// reading gives (not a wildcard, of name bytes), and it is found for a `Host` line of one
    /// such word and its `\n` (or none, at the end of the file): words of one to twenty bytes
    /// with a wildcard, a quote, a blank or a byte that is not a name's at each place (in the
    /// eight-byte runs and in the bytes after them), trailing blanks, form feeds and `\r`,
    /// which the header strips and this reading does not take.
    #[test]
    fn a_plain_host_name_is_the_headers_one_word() {
        let mut lines = vec![
            ("Host=a".to_string(), true),
            ("Host = h0.example-1_x".to_string(), true),
            ("Host -dash".to_string(), true),
            ("Host a ".to_string(), false),
            ("Host a\t".to_string(), false),
            ("Host a\x0c".to_string(), false),
            ("Host a\r".to_string(), false),
            ("Host a b".to_string(), false),
            ("Host a # c".to_string(), false),
            ("Host \"a\"".to_string(), false),
            ("Host".to_string(), false),
            ("Match host a".to_string(), false),
            ("Host ab\0c".to_string(), false),
            ("Host a\0".to_string(), false),
            ("  User a".to_string(), false),
        ];
        for len in 1..=20 {
            let name: String = "abcdefghijklmnopqrstuvwxyz".chars().take(len).collect();
            lines.push((format!("Host {name}"), true));
            for at in 0..len {
                for odd in ["*", "?", "\"", "!", "#", " ", "\t", "@", "é", "\x7f", "\r"] {
                    let mut bad = name.clone();
                    bad.replace_range(at..at + 1, odd);
                    // (A blank or `\r` before the name is the keyword's separator.)
                    let blank = matches!(odd, " " | "\t" | "\r") && at == 0 && len > 1;
                    lines.push((format!("Host {bad}"), blank));
                }
            }
        }
        for (line, taken) in &lines {
            for ending in ["\n", "\r\n", ""] {
                for after in ["", "  User x"] {
                    // The line, with its ending, then perhaps another after it.
                    let text = format!("{line}{ending}{after}");
                    let doc = Document::parse(text.clone().into_bytes());
                    let reader = doc.header_reader();
                    let plain = match doc.header(0) {
                        Some(Header::Host(h)) => (h.plain_patterns_or_commented())
                            .filter(|p| !p.wild && p.name_bytes)
                            .and_then(|p| p.words.only()),
                        _ => None,
                    };
                    let name = reader.plain_host_name(0);
                    assert!(name.is_none() || name == plain, "{text:?}: {name:?}");
                    let ends = ending == "\n" || (ending.is_empty() && after.is_empty());
                    assert_eq!(name.is_some(), *taken && ends, "{text:?}");
                }
            }
        }
    }

    #[test]
    fn blocks_run_to_the_next_host_or_match_whatever_the_indentation() {
        let doc =
            Document::parse(b"A b\n\nHost x\n  User u\n    Host y\nZ z\nMatch all\n# c\n".to_vec());
        let b: Vec<_> = doc.blocks().map(|b| (b.header, b.lines.clone())).collect();
        assert_eq!(
            b,
            vec![
                (None, 0..2),
                (Some(2), 2..4),
                (Some(4), 4..6),
                (Some(6), 6..8)
            ]
        );
        assert_eq!(doc.block_of(5).header, Some(4));
    }

    #[test]
    fn with_splices_reads_as_a_full_parse() {
        let doc = Document::parse(b"Host a\n  User u\nHost b\n  Port 2".to_vec());
        let splices = [
            Splice {
                range: 7..7,
                text: b"  LocalForward 1 localhost:1\n".to_vec(),
            },
            Splice {
                range: 29..29,
                text: b"\nMatch all".to_vec(),
            },
        ];
        let a = doc.with_splices(&splices);
        let b = Document::parse(doc.splice(&splices));
        assert_eq!(a.as_bytes(), b.as_bytes());
        assert_eq!(a.line_count(), b.line_count());
        for i in 0..a.line_count() {
            assert_eq!((a.line_range(i), a.kind(i)), (b.line_range(i), b.kind(i)));
        }
        assert_eq!(
            a.blocks().collect::<Vec<_>>(),
            b.blocks().collect::<Vec<_>>()
        );
        assert_eq!(a.kind(1), LineKind::Directive(Keyword::LocalForward));
        assert_eq!(a.header_reads(), b.header_reads());
    }

    /// Pieces of configs: headers that must be read and others, other lines, line endings.
    const PIECES: &[&str] = &[
        "Host a\n",
        "Host b c\n",
        "Host *\n",
        "Host \"q\"\n",
        "Host\n",
        "Match all\n",
        "  User u\n",
        "Include x\n",
        "# c\n",
        "\n",
        "\r\n",
        "Host d\r\n",
        "\tHost=e?\n",
        "a",
    ];

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        /// A spliced document is read as the whole spliced text is: lines, kinds, blocks and
        /// the headers a one-host walk must read; and so is a document spliced from it.
        #[test]
        fn splicing_reads_as_a_full_parse(
            doc in proptest::collection::vec(proptest::sample::select(PIECES.to_vec()), 0..10),
            cuts in proptest::collection::vec((0usize..200, 0usize..6, proptest::collection::vec(
                proptest::sample::select(PIECES.to_vec()), 0..3)), 1..3),
            again in proptest::collection::vec((0usize..200, 0usize..6, proptest::collection::vec(
                proptest::sample::select(PIECES.to_vec()), 0..3)), 0..3),
            name in proptest::option::of(proptest::sample::select(vec![
                "a", "b", "Host", "ost a", "\r", "\n", "\nHost",
            ])),
        ) {
            let doc = Document::parse(doc.concat().into_bytes());
            // A walk for `name` asked the document for the lines that hold it.
            if let Some(name) = name {
                doc.lines_naming(name.as_bytes());
            }
            let splices = splices_at(&doc, &cuts);
            let a = doc.with_splices(&splices);
            let b = Document::parse(doc.splice(&splices));
            assert_reads_as(&a, &b);
            // The lines naming it, carried over, are those a search of the whole text finds.
            if let Some(kept) = a.named.get() {
                proptest::prop_assert_eq!(Some(&kept.name[..]), name.map(str::as_bytes));
            } else {
                // (Not carried: none asked, one spanning lines, or a document read anew.)
                proptest::prop_assert!(
                    name.is_none_or(|n| n.contains('\n'))
                        || doc.line_count() == 0
                        || splices.is_empty()
                );
            }
            // Spliced again (lines laid over lines laid over a table).
            let splices = splices_at(&a, &again);
            assert_reads_as(&a.with_splices(&splices), &Document::parse(a.splice(&splices)));
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        /// A document read in parts (as a mapped file is, each part's pages handed back) reads
        /// as the whole text read at once, and finds the same lines holding a name.
        #[test]
        fn reading_in_parts_reads_as_a_whole(
            doc in proptest::collection::vec(proptest::sample::select(PIECES.to_vec()), 0..12),
            part in 1usize..40,
            name in proptest::sample::select(vec!["a", "Host", "ost a", "\r", "\n", "\nHost"]),
        ) {
            let text = doc.concat().into_bytes();
            let a = Document::read_in_parts(FileBytes::from(text.clone()), part);
            let b = Document::parse(text);
            proptest::prop_assert_eq!(
                a.lines_naming(name.as_bytes()),
                b.lines_naming(name.as_bytes())
            );
            assert_reads_as(&a, &b);
        }
    }

    #[test]
    fn parts_end_after_a_newline_and_cover_the_bytes() {
        let text = b"ab\ncdefg\n\nh\nij";
        let cut = |size| -> Vec<&[u8]> { parts(text, size).map(|r| &text[r]).collect() };
        // (A part is at least `size` bytes: the one from the blank line takes the next line too.)
        assert_eq!(cut(1), [&b"ab\n"[..], b"cdefg\n", b"\nh\n", b"ij"]);
        assert_eq!(cut(4), [&b"ab\ncdefg\n"[..], b"\nh\nij"]);
        assert_eq!(cut(usize::MAX), [&text[..]]);
        assert_eq!(parts(b"", 1).count(), 0);
    }

    /// Splices of `doc` at the offsets `cuts` give (each past the last), each replacing that
    /// many bytes with those pieces.
    fn splices_at(doc: &Document, cuts: &[(usize, usize, Vec<&str>)]) -> Vec<Splice> {
        let len = doc.as_bytes().len();
        let mut splices: Vec<Splice> = Vec::new();
        let mut from = 0;
        for (at, width, text) in cuts {
            let start = (from + at % (len + 1)).min(len);
            let end = (start + width).min(len);
            if start < from {
                continue;
            }
            splices.push(Splice {
                range: start..end,
                text: text.concat().into_bytes(),
            });
            from = end + 1;
        }
        splices
    }

    /// `a` (a document made by splicing) reads as `b` (a full parse of its bytes) does: every
    /// line, the lines of each code, the line of each offset, the blocks, the headers to read,
    /// the checks and names it carried over.
    fn assert_reads_as(a: &Document, b: &Document) {
        let text = || b.as_bytes().escape_ascii().to_string();
        assert_eq!(a.as_bytes(), b.as_bytes());
        assert_eq!(a.line_count(), b.line_count(), "{}", text());
        for i in 0..a.line_count() {
            assert_eq!(
                (a.line_range(i), a.kind(i), a.eol(i), a.line_text(i)),
                (b.line_range(i), b.kind(i), b.eol(i), b.line_text(i)),
                "{} line {i}",
                text()
            );
            assert_eq!(
                (a.raw_args(i), a.args_offset(i), a.spec_index(i)),
                (b.raw_args(i), b.args_offset(i), b.spec_index(i)),
                "{} line {i}",
                text()
            );
        }
        for off in 0..=a.as_bytes().len() {
            assert_eq!(a.line_at(off), b.line_at(off), "{} offset {off}", text());
        }
        for k in ["host", "match", "user", "include", "port"] {
            assert_eq!(
                a.lines_of(k).collect::<Vec<_>>(),
                b.lines_of(k).collect::<Vec<_>>()
            );
        }
        let blocks: Vec<Block> = b.blocks().collect();
        assert_eq!(a.blocks().collect::<Vec<_>>(), blocks);
        // The count kept over the splice, and the block of each line, found from its lines.
        assert_eq!(a.block_count(), blocks.len(), "{}", text());
        assert_eq!(a.blocks().len(), blocks.len());
        let back: Vec<Block> = a.blocks().rev().collect();
        assert!(back.iter().eq(blocks.iter().rev()), "{}", text());
        for (n, block) in blocks.iter().enumerate() {
            assert_eq!(&a.block(n), block);
            for i in block.lines.clone() {
                assert_eq!(&a.block_of(i), block, "{} line {i}", text());
            }
        }
        assert_eq!(a.header_reads(), b.header_reads(), "{}", text());
        assert_carried_checks_hold(a, b);
        if let Some(kept) = a.named.get() {
            assert_eq!(
                &kept.lines[..],
                &b.lines_naming(&kept.name)[..],
                "{}",
                text()
            );
        }
    }

    /// When a spliced document knows its checks without a sweep (carried over), they are
    /// those of a full parse of its bytes (`b`).
    fn assert_carried_checks_hold(a: &Document, b: &Document) {
        if let Some(carried) = a.checks.get() {
            let full = b.checks();
            assert_eq!(
                carried.newest,
                full.newest,
                "{:?}",
                b.as_bytes().escape_ascii().to_string()
            );
            assert_eq!(
                carried.depends_on_version,
                full.depends_on_version,
                "{:?}",
                b.as_bytes().escape_ascii().to_string()
            );
        }
    }

    /// Splices of whole lines of `doc`: at the start of each line asked for (counted on from
    /// the line after the last splice), that many lines removed and the text put in their
    /// place; or, when `at_end`, the text's lines added at the end of that line's text, before
    /// its line ending (a line of the re-read ones is then kept, the new ones come after it).
    fn line_splices(doc: &Document, cuts: &[(usize, usize, String, bool)]) -> Vec<Splice> {
        let (n, len) = (doc.line_count(), doc.as_bytes().len());
        let mut splices: Vec<Splice> = Vec::new();
        let mut next = 0;
        for (at, remove, text, at_end) in cuts {
            let at = next + at;
            let (range, text) = if *at_end && at < n && !text.is_empty() {
                let end = doc.line_range(at).start + doc.line_text(at).len();
                (
                    end..end,
                    format!("\n{}", text.strip_suffix('\n').unwrap_or(text)),
                )
            } else {
                let start = if at < n {
                    doc.line_range(at).start
                } else {
                    len
                };
                let last = (at + remove).min(n);
                let end = if *remove == 0 || at >= n {
                    start
                } else {
                    doc.line_range(last - 1).end
                };
                (start..end, text.clone())
            };
            if splices.last().is_some_and(|s| s.range.end > range.start) {
                continue;
            }
            splices.push(Splice {
                range,
                text: text.into_bytes(),
            });
            next = at + remove + 1;
        }
        splices
    }

    #[test]
    fn checks_carry_over_a_splice_that_adds_only_lines_ssh_accepts() {
        let doc = Document::parse(
            b"Host a\n  User u\nHost *\n  IgnoreUnknown x*\n  xfoo 1\n  Port 22\n".to_vec(),
        );
        assert!(doc.refuses_nothing());
        let spliced = |at: usize, remove: usize, text: &str| {
            let d = doc.with_splices(&line_splices(
                &doc,
                &[(at, remove, text.to_string(), false)],
            ));
            let full = Document::parse(d.as_bytes().to_vec());
            assert_carried_checks_hold(&d, &full);
            (d.checks.get().is_some(), full.diagnostics().len())
        };
        // A forward line, in a block or before a header; a line replaced by another one ssh
        // accepts; a line removed: carried over, and nothing refused.
        assert_eq!(
            spliced(2, 0, "  LocalForward 1455 localhost:1455\n"),
            (true, 0)
        );
        assert_eq!(
            spliced(6, 0, "  LocalForward 1455 localhost:1455\n"),
            (true, 0)
        );
        assert_eq!(spliced(1, 1, "  User v\n"), (true, 0));
        assert_eq!(spliced(5, 1, ""), (true, 0));
        // An Include line (the check passes over it, as over most lines the pass hands on to
        // no one): carried over.
        assert_eq!(spliced(2, 0, "Include x\n"), (true, 0));
        // A line ssh refuses, an unknown keyword (judged by the IgnoreUnknown above it, which
        // these lines do not know), a header, an IgnoreUnknown, a removed header: not carried
        // over (a sweep finds what ssh says when asked).
        assert_eq!(spliced(2, 0, "  Port x\n"), (false, 1));
        assert_eq!(spliced(2, 0, "  Nonesuch x\n"), (false, 1));
        assert_eq!(spliced(6, 0, "  xbar 1\n"), (false, 0));
        assert_eq!(spliced(2, 0, "  LocalForward 1455\n"), (false, 1));
        assert_eq!(spliced(2, 0, "Host b\n"), (false, 0));
        // (In `Host a`, above the `Host *` one: for `a` it is the first obtained and does not
        // cover `xfoo`, which `ssh -G a` 9.2p1 refuses at line 6.)
        assert_eq!(spliced(2, 0, "IgnoreUnknown y\n"), (false, 1));
        assert_eq!(spliced(2, 1, ""), (false, 1));
        // An unknown keyword after an IgnoreUnknown that the splice keeps: read alone, the
        // IgnoreUnknown would count for every host; under `Host a` it does not.
        let doc = Document::parse(b"Host a\n  IgnoreUnknown x*\n".to_vec());
        let end = doc.as_bytes().len() - 1;
        let d = doc.with_splices(&[Splice {
            range: end..end,
            text: b"\n  xbar 1".to_vec(),
        }]);
        assert!(d.checks.get().is_none());
        assert_eq!(d.diagnostics().len(), 1);
        // A config ssh refuses already: its checks are found again when asked.
        let bad = Document::parse(b"Host a\n  Port x\n".to_vec());
        let d = bad.with_splices(&line_splices(&bad, &[(2, 0, "  User u\n".into(), false)]));
        assert!(d.checks.get().is_none());
        assert_eq!(d.diagnostics().len(), 1);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]

        /// Checks carried over a splice of whole lines, of every kind the reading pass tells
        /// apart (refused or not, headers, `IgnoreUnknown`, `Include`, unknown keywords), are
        /// those of a full parse.
        #[test]
        fn carried_checks_are_those_of_a_full_parse(
            doc in proptest::collection::vec(proptest::sample::select(LINES.to_vec()), 0..12),
            cuts in proptest::collection::vec((0usize..6, 0usize..3, proptest::collection::vec(
                proptest::sample::select(LINES.to_vec()), 0..3), proptest::bool::ANY), 1..3),
        ) {
            let doc = Document::parse(doc.concat().into_bytes());
            let cuts: Vec<(usize, usize, String, bool)> = cuts
                .into_iter()
                .map(|(at, remove, text, at_end)| (at, remove, text.concat(), at_end))
                .collect();
            let a = doc.with_splices(&line_splices(&doc, &cuts));
            let b = Document::parse(a.as_bytes().to_vec());
            assert_carried_checks_hold(&a, &b);
        }
    }

    /// Lines the reading pass hands on or not: keywords that take any word (known to every
    /// release, or not; `IgnoreUnknown`), headers, blank lines and comments, in the spellings
    /// each reading path takes.
    const LINES: &[&str] = &[
        "Host a\n",
        "Host *\n",
        "Match all\n",
        "Match host x localnetwork 1\n",
        "User u\n",
        "  user=u\n",
        "User\n",
        "User \"u\"\n",
        "IdentityFile \"~/.ssh/id\"\n",
        "User \"\"\n",
        "User ''\n",
        "User \"a b\"\n",
        "User \"a\\\"b\"\n",
        "User 'u'\n",
        "User \"u\"x\n",
        "User \"u'\n",
        "User \"u\" \n",
        "User \"u\"#\n",
        "Tag \"t\"\n",
        "IgnoreUnknown \"nonesuch\"\n",
        "User a b\n",
        "HostName h\r\n",
        "IdentityFile ~/.ssh/id\n",
        "Include x\n",
        "ProxyCommand nc\n",
        "IgnoreUnknown nonesuch\n",
        "IgnoreUnknown n*\n",
        "Nonesuch x\n",
        "Tag t\n",
        "LogVerbose x\n",
        "UseBlacklistedKeys x\n",
        "RefuseConnection x\n",
        "Ciphers aes128-ctr\n",
        "Port 22\n",
        "Port x\n",
        "\"User\" u\n",
        "# c\n",
        "\n",
        "   \n",
        "\tUser u # a comment long enough for the window\n",
    ];

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        /// The reading pass, which hands on only the lines someone must look at, finds what a
        /// sweep of every line finds: what ssh refuses, whether the release matters, the block
        /// starts and the headers to read.
        #[test]
        fn the_pass_finds_what_a_sweep_of_every_line_finds(
            doc in proptest::collection::vec(proptest::sample::select(LINES.to_vec()), 0..12),
            padded in proptest::bool::ANY,
        ) {
            // Padded: a long last line, so that every line before it is read through a window.
            let mut doc = doc.concat();
            if padded {
                doc.push_str("# a comment as long as a line's window, or longer\n");
            }
            let doc = Document::parse(doc.into_bytes());
            let (pass, sweep) = (doc.checks(), doc.check(None));
            proptest::prop_assert_eq!(&pass.newest, &sweep.newest);
            proptest::prop_assert_eq!(pass.depends_on_version, sweep.depends_on_version);
            let n = doc.line_count();
            let header = |i: usize| matches!(doc.kind(i), LineKind::Directive(k) if k.starts_block());
            let mut want: Vec<Block> = Vec::new();
            for i in 0..n {
                if i == 0 || header(i) {
                    if let Some(b) = want.last_mut() {
                        b.lines.end = i;
                    }
                    want.push(Block { header: header(i).then_some(i), lines: i..n });
                }
            }
            proptest::prop_assert_eq!(doc.blocks().collect::<Vec<_>>(), want);
            // Each line's argument classes found from its text, as the pass finds them.
            let reads: Vec<u32> = doc
                .sweep()
                .map(|mut l| {
                    let raw = l.args.map_or(&b""[..], |a| &l.text[a..]);
                    l.class = Some(raw.iter().fold(0, |c, &b| c | lexer::class::OF[usize::from(b)]));
                    l
                })
                .filter(must_read)
                .map(|l| l.index as u32)
                .collect();
            proptest::prop_assert_eq!(doc.header_reads(), &reads[..]);
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]

        /// A line's first argument found from where its arguments start (eight bytes at a
        /// time) is the one `first_arg` reads from the line's arguments: for words of every
        /// length around eight bytes, ended by blanks, tabs, `\r\n`, `\n`, a form feed, a
        /// comment or the end of the file, holding quotes, backslashes, control and
        /// non-ASCII bytes, `!#$%&(` (near the quotes' bytes), or a NUL somewhere in the file.
        #[test]
        fn a_first_argument_read_from_its_start_is_the_one_first_arg_reads(
            lines in proptest::collection::vec(
                (
                    proptest::sample::select(vec!["User", "HostName", "Port", "IdentityFile", "X"]),
                    proptest::sample::select(vec![" ", "\t", " = ", "=", "  \t "]),
                    proptest::collection::vec(
                        proptest::sample::select(vec![
                            b'a', b'b', b'.', b'-', b'%', b'#', b'!', b'$', b'&', b'(', b'"',
                            b'\'', b'\\', b' ', b'\t',
                            b'\r', 0x0c, 0x01, 0x7f, 0xc3, 0xa9, 0xff, b'=',
                        ]),
                        0..24,
                    ),
                    proptest::sample::select(vec!["\n", "\r\n", " \n", "\t\r\n", " # c\n", ""]),
                ),
                1..6,
            ),
            nul in proptest::bool::weighted(0.1),
        ) {
            let mut text = Vec::new();
            for (kw, sep, arg, end) in &lines {
                text.extend_from_slice(kw.as_bytes());
                text.extend_from_slice(sep.as_bytes());
                text.extend_from_slice(arg);
                text.extend_from_slice(end.as_bytes());
            }
            if nul {
                text.extend_from_slice(b"# \0\n");
            }
            let doc = Document::parse(text);
            for i in 0..doc.line_count() {
                if let LineKind::Directive(_) = doc.kind(i) {
                    proptest::prop_assert_eq!(
                        doc.first_arg(i),
                        lexer::first_arg(doc.raw_args(i)),
                        "line {}", i
                    );
                }
            }
        }
    }

    #[test]
    fn keywords_are_case_insensitive_and_exact() {
        for (text, k) in [
            ("HOST", Keyword::Host),
            ("hostName", Keyword::HostName),
            ("LocalForward", Keyword::LocalForward),
            ("localforward", Keyword::LocalForward),
            ("ExitOnForwardFailure", Keyword::ExitOnForwardFailure),
            ("CanonicalizeHostname", Keyword::CanonicalizeHostname),
            ("ClearAllForwardings", Keyword::ClearAllForwardings),
            ("Tag", Keyword::Tag),
            ("Hos", Keyword::Other),
            ("Hostx", Keyword::Other),
            ("H0st", Keyword::Other),
            ("IdentityFile", Keyword::Other),
        ] {
            assert_eq!(Keyword::from_bytes(text.as_bytes()), k, "{text}");
        }
    }

    #[test]
    fn arguments_far_into_a_line_and_every_line_ending_are_kept() {
        // An argument offset that does not fit the table's byte is found again when asked.
        for pad in [0, 250, 254, 255, 256, 300, 70_000] {
            let indent = " ".repeat(pad);
            let text = format!(
                "{indent}LocalForward 1455 localhost:1455\r\nUser\tme\n\r\n{indent}Port 22"
            );
            let doc = Document::parse(text.clone().into_bytes());
            assert_eq!(doc.as_bytes(), text.as_bytes());
            assert_eq!(doc.raw_args(0), b"1455 localhost:1455", "{pad}");
            assert_eq!(doc.raw_args(3), b"22", "{pad}");
            assert_eq!(
                doc.line_text(0),
                format!("{indent}LocalForward 1455 localhost:1455").as_bytes()
            );
            let eols: Vec<Eol> = (0..doc.line_count()).map(|i| doc.eol(i)).collect();
            assert_eq!(eols, [Eol::CrLf, Eol::Lf, Eol::CrLf, Eol::None]);
            assert!(doc.diagnostics().is_empty(), "{pad}");
        }
        let doc = Document::parse(b"\r\n\n\r".to_vec());
        let eols: Vec<Eol> = (0..doc.line_count()).map(|i| doc.eol(i)).collect();
        assert_eq!(eols, [Eol::CrLf, Eol::Lf, Eol::None]);
        assert!(!doc.ends_with_newline());
        assert_eq!(doc.eol_style(), Eol::CrLf);
    }

    #[test]
    fn directive_tokens() {
        let doc = Document::parse(b"Host=\"a b\" c # d\nLocalForward\n".to_vec());
        let d = doc.directive(0).unwrap();
        assert_eq!(d.keyword, Keyword::Host);
        let args: Vec<_> = d
            .args
            .unwrap()
            .into_iter()
            .map(|t| t.value.into_owned())
            .collect();
        assert_eq!(args, vec![b"a b".to_vec(), b"c".to_vec()]);
        assert_eq!(doc.diagnostics()[0].line, 2);
    }

    /// A splice that brings in a text's first NUL, or takes out its last, changes how every
    /// line is read (a line of a text with a NUL is read without the quick scan, so each
    /// `Host` line is a header to read): the spliced document reads as a full parse does.
    #[test]
    fn a_splice_that_brings_in_or_takes_out_the_only_nul_reads_as_a_full_parse() {
        let doc = Document::parse(b"  User u\nHost a\nHost b\r\n".to_vec());
        let with = doc.with_splices(&[Splice {
            range: 0..0,
            text: b"\0".to_vec(),
        }]);
        assert_reads_as(&with, &Document::parse(with.as_bytes().to_vec()));
        let without = with.with_splices(&[Splice {
            range: 0..1,
            text: Vec::new(),
        }]);
        assert_reads_as(&without, &Document::parse(without.as_bytes().to_vec()));
        assert_eq!(without.header_reads(), doc.header_reads());
    }

    /// Lines and pieces of lines of every kind the checks and the walk tell apart (refused or
    /// not, headers, `IgnoreUnknown` and what it lets pass, keywords of some releases, NUL,
    /// `\r`), for splices that cut anywhere.
    const HOSTILE: &[&str] = &[
        "Host a\n",
        "Host *\n",
        "Host a\r\n",
        "Match all\n",
        "Match host a\n",
        "Match final\n",
        "  User u\n",
        "  LocalForward 1455 localhost:1455\n",
        "  LocalForward 1455 localhost:1455\r\n",
        "IgnoreUnknown foo*\n",
        "  IgnoreUnknown foo*\n",
        "  foobar 1\n",
        "  Bogus x\n",
        "  Port x\n",
        "  \"User u\n",
        "  SessionType default\n",
        "  Ciphers +aes128-ctr\n",
        "  Ciphers +nonesuch\n",
        "  EnableEscapeCommandline yes\n",
        "  UseBlacklistedKeys no\n",
        "Include x\n",
        "# a\n",
        "\n",
        "\r\n",
        "a",
        "\r",
        " x",
        "\"",
        "\0",
        "Host",
        "Port",
        "  LocalForward 1455",
        " localhost:1455",
        "Match all host a\n",
        "Host !a *\n",
        "IgnoreUnknown bogus\n",
        "  bogus 2\n",
    ];

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]

        /// A document spliced anywhere, with what it carries over (checks, lines naming a name
        /// asked before), and one spliced from it, read as a full parse of their text does.
        #[test]
        fn splices_anywhere_of_any_line_read_as_a_full_parse(
            doc in proptest::collection::vec(proptest::sample::select(HOSTILE.to_vec()), 0..14),
            cuts in proptest::collection::vec((0usize..300, 0usize..30, proptest::collection::vec(
                proptest::sample::select(HOSTILE.to_vec()), 0..4)), 1..4),
            again in proptest::collection::vec((0usize..300, 0usize..30, proptest::collection::vec(
                proptest::sample::select(HOSTILE.to_vec()), 0..4)), 0..3),
            name in proptest::option::of(proptest::sample::select(vec![
                "a", "Host", "ost a", "\r", "a\r", "1455", "oo", "\0",
            ])),
            check_first in proptest::bool::ANY,
        ) {
            let doc = Document::parse(doc.concat().into_bytes());
            if let Some(name) = name {
                doc.lines_naming(name.as_bytes());
            }
            let splices = splices_at(&doc, &cuts);
            let a = doc.with_splices(&splices);
            let b = Document::parse(doc.splice(&splices));
            assert_reads_as(&a, &b);
            // The spliced document's checks found (or not) and its name lines asked for
            // before it is spliced again.
            if check_first {
                a.checks();
            }
            if let Some(name) = name {
                a.lines_naming(name.as_bytes());
            }
            let splices = splices_at(&a, &again);
            let c = a.with_splices(&splices);
            assert_reads_as(&c, &Document::parse(a.splice(&splices)));
        }
    }
}
