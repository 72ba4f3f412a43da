//! The lossless document: a file's bytes and, for every physical line, what OpenSSH reads in it.
//!
//! A [`Document`] never rewrites the bytes it was given: [`Document::as_bytes`] returns them
//! unchanged, whatever they hold. Edits are made as [`Splice`]s over those bytes, so every line an
//! edit is not about keeps every byte.

use std::ops::Range;

use crate::lexer::{self, Eol, LineShape, LineSpan, SplitError, Token};

/// The keywords this library acts on; every other keyword is [`Keyword::Other`] and is kept as is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Keyword {
    /// `Host`: starts a block.
    Host,
    /// `Match`: starts a block.
    Match,
    /// `Include`.
    Include,
    /// `LocalForward`.
    LocalForward,
    /// `HostName`.
    HostName,
    /// `User`.
    User,
    /// `Port`.
    Port,
    /// `ClearAllForwardings`.
    ClearAllForwardings,
    /// `CanonicalizeHostname`.
    CanonicalizeHostname,
    /// `Tag` (OpenSSH 9.4+), read by `Match tagged`.
    Tag,
    /// `GatewayPorts`.
    GatewayPorts,
    /// `ExitOnForwardFailure`.
    ExitOnForwardFailure,
    /// `ControlMaster`.
    ControlMaster,
    /// `ControlPersist`.
    ControlPersist,
    /// Any other keyword (known to OpenSSH or not).
    Other,
}

impl Keyword {
    fn from_bytes(kw: &[u8]) -> Keyword {
        const TABLE: &[(&[u8], Keyword)] = &[
            (b"host", Keyword::Host),
            (b"match", Keyword::Match),
            (b"include", Keyword::Include),
            (b"localforward", Keyword::LocalForward),
            (b"hostname", Keyword::HostName),
            (b"user", Keyword::User),
            (b"port", Keyword::Port),
            (b"clearallforwardings", Keyword::ClearAllForwardings),
            (b"canonicalizehostname", Keyword::CanonicalizeHostname),
            (b"tag", Keyword::Tag),
            (b"gatewayports", Keyword::GatewayPorts),
            (b"exitonforwardfailure", Keyword::ExitOnForwardFailure),
            (b"controlmaster", Keyword::ControlMaster),
            (b"controlpersist", Keyword::ControlPersist),
        ];
        TABLE
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(kw))
            .map_or(Keyword::Other, |&(_, k)| k)
    }

    /// Does this keyword start a new block?
    pub fn starts_block(self) -> bool {
        matches!(self, Keyword::Host | Keyword::Match)
    }
}

/// What a physical line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    /// Empty or only whitespace.
    Blank,
    /// A comment line.
    Comment,
    /// A keyword line; see [`Document::directive`].
    Directive(Keyword),
    /// A line OpenSSH cannot even split into a keyword (an unclosed `"` in the keyword).
    Unreadable,
}

#[derive(Debug, Clone)]
pub(crate) struct Line {
    pub span: LineSpan,
    pub kind: LineKind,
    /// Offset (within the line) where the arguments start; `None` when there are none.
    pub args: Option<u32>,
}

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
    pub args: Result<Vec<Token<'static>>, SplitError>,
    /// The raw argument text (after the keyword and its `=`/whitespace), as OpenSSH's `str`.
    pub raw_args: &'a [u8],
}

/// A problem OpenSSH would report for a line; the line itself is kept as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// 1-based line number.
    pub line: usize,
    /// 1-based column (byte) where the problem starts.
    pub column: usize,
    /// What is wrong, in OpenSSH's terms.
    pub message: String,
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
    bytes: Vec<u8>,
    lines: Vec<Line>,
    blocks: Vec<Block>,
}

impl Document {
    /// Read any bytes. Nothing is rejected: problems are reported by [`Document::diagnostics`].
    pub fn parse(bytes: impl Into<Vec<u8>>) -> Document {
        let bytes = bytes.into();
        let spans = lexer::split_lines(&bytes);
        let mut lines = Vec::with_capacity(spans.len());
        let mut blocks = Vec::new();
        let mut block_start = 0usize;
        let mut header = None;
        for (i, span) in spans.into_iter().enumerate() {
            let text = lexer::effective_line(&bytes[span.start..span.content_end]);
            let (kind, args) = match lexer::shape(text) {
                LineShape::Blank => (LineKind::Blank, None),
                LineShape::Comment => (LineKind::Comment, None),
                LineShape::BadKeywordQuote => (LineKind::Unreadable, None),
                LineShape::Directive { keyword, args } => (
                    LineKind::Directive(Keyword::from_bytes(&keyword.value)),
                    args.map(|a| a as u32),
                ),
            };
            if let LineKind::Directive(k) = kind
                && k.starts_block()
            {
                if i > block_start || header.is_some() {
                    blocks.push(Block {
                        header,
                        lines: block_start..i,
                    });
                }
                header = Some(i);
                block_start = i;
            }
            lines.push(Line { span, kind, args });
        }
        if lines.len() > block_start || header.is_some() {
            blocks.push(Block {
                header,
                lines: block_start..lines.len(),
            });
        }
        Document {
            bytes,
            lines,
            blocks,
        }
    }

    /// The bytes, exactly as given.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Take the bytes back.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// Number of physical lines (a final newline does not start another line).
    pub fn line_count(&self) -> usize {
        self.lines.len()
    }

    /// The global area and the `Host`/`Match` blocks, in file order.
    pub fn blocks(&self) -> &[Block] {
        &self.blocks
    }

    /// What line `i` (0-based) is.
    pub fn kind(&self, i: usize) -> LineKind {
        self.lines[i].kind
    }

    /// The text of line `i` without its line ending.
    pub fn line_text(&self, i: usize) -> &[u8] {
        let s = self.lines[i].span;
        &self.bytes[s.start..s.content_end]
    }

    /// How line `i` ends.
    pub fn eol(&self, i: usize) -> Eol {
        self.lines[i].span.eol
    }

    /// Byte range of line `i`, its line ending included.
    pub fn line_range(&self, i: usize) -> Range<usize> {
        let s = self.lines[i].span;
        s.start..s.end
    }

    /// The leading whitespace of line `i`.
    pub fn indent(&self, i: usize) -> &[u8] {
        let t = self.line_text(i);
        let n = t.iter().take_while(|&&b| b == b' ' || b == b'\t').count();
        &t[..n]
    }

    /// Line `i` tokenised as OpenSSH does, if it is a keyword line.
    pub fn directive(&self, i: usize) -> Option<Directive<'_>> {
        let line = &self.lines[i];
        let LineKind::Directive(keyword) = line.kind else {
            return None;
        };
        let text = lexer::effective_line(self.line_text(i));
        let (kw_token, _) = match lexer::shape(text) {
            LineShape::Directive { keyword, args } => (keyword, args),
            _ => return None,
        };
        let keyword_text = &text[kw_token.span.start..kw_token.span.end.min(text.len())];
        let (raw_args, args) = match line.args {
            Some(a) => {
                let a = a as usize;
                (&text[a..], lexer::argv_split(&text[a..], a))
            }
            None => (&text[text.len()..], Ok(Vec::new())),
        };
        Some(Directive {
            keyword,
            keyword_text,
            args,
            raw_args,
        })
    }

    /// The line ending this file uses: that of its first line that has one (`\n` if none).
    pub fn eol_style(&self) -> Eol {
        self.lines
            .iter()
            .map(|l| l.span.eol)
            .find(|&e| e != Eol::None)
            .unwrap_or(Eol::Lf)
    }

    /// Does the file end with a line ending (an empty file counts as yes)?
    pub fn ends_with_newline(&self) -> bool {
        self.lines.last().is_none_or(|l| l.span.eol != Eol::None)
    }

    /// The indentation of the first indented keyword line that is not a `Host`/`Match` line.
    pub fn indent_style(&self) -> Option<&[u8]> {
        (0..self.lines.len()).find_map(|i| match self.lines[i].kind {
            LineKind::Directive(k) if !k.starts_block() && !self.indent(i).is_empty() => {
                Some(self.indent(i))
            }
            _ => None,
        })
    }

    /// The block that holds line `i`.
    pub fn block_of(&self, i: usize) -> &Block {
        let idx = self
            .blocks
            .partition_point(|b| b.lines.end <= i)
            .min(self.blocks.len().saturating_sub(1));
        &self.blocks[idx]
    }

    /// Problems OpenSSH would report, line by line, for the keywords this library reads (and for
    /// lines it cannot split). Unknown keywords are not judged here.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for i in 0..self.lines.len() {
            let diag = |column: usize, message: String| Diagnostic {
                line: i + 1,
                column: column + 1,
                message,
            };
            match self.lines[i].kind {
                LineKind::Unreadable => out.push(diag(0, "invalid quotes".into())),
                LineKind::Directive(k) => {
                    let d = self.directive(i).expect("directive line");
                    let kw = String::from_utf8_lossy(d.keyword_text).to_lowercase();
                    let start = self.lines[i]
                        .args
                        .map_or(self.line_text(i).len(), |a| a as usize);
                    if self.lines[i].args.is_none() {
                        out.push(diag(start, format!("no argument after keyword \"{kw}\"")));
                        continue;
                    }
                    let args = match d.args {
                        Ok(a) => a,
                        Err(SplitError::InvalidQuotes) => {
                            out.push(diag(start, "invalid quotes".into()));
                            continue;
                        }
                    };
                    if let Some(msg) = crate::check::check_directive(k, &args, d.raw_args) {
                        let col = args.first().map_or(start, |t| t.span.start);
                        out.push(diag(col, msg));
                    }
                }
                _ => {}
            }
        }
        out
    }

    /// Apply splices (sorted, non-overlapping ranges) and return the new bytes.
    pub fn splice(&self, splices: &[Splice]) -> Vec<u8> {
        let extra: usize = splices.iter().map(|s| s.text.len()).sum();
        let mut out = Vec::with_capacity(self.bytes.len() + extra);
        let mut at = 0;
        for s in splices {
            out.extend_from_slice(&self.bytes[at..s.range.start]);
            out.extend_from_slice(&s.text);
            at = s.range.end;
        }
        out.extend_from_slice(&self.bytes[at..]);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_run_to_the_next_host_or_match_whatever_the_indentation() {
        let doc =
            Document::parse(b"A b\n\nHost x\n  User u\n    Host y\nZ z\nMatch all\n# c\n".to_vec());
        let b: Vec<_> = doc
            .blocks()
            .iter()
            .map(|b| (b.header, b.lines.clone()))
            .collect();
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
}
