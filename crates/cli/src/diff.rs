//! Unified diffs of planned changes, coloured only where colour is wanted.

use anstyle::{AnsiColor, Style};
use similar::udiff::UnifiedHunkHeader;
use similar::{DiffOp, DiffTag};

/// [`unified_spliced`], given the whole new side.
#[cfg(test)]
pub(crate) fn unified(path: &str, old: &[u8], new: &[u8], same: sshcfg::Unchanged) -> Vec<u8> {
    let mid = &new[same.head..new.len() - same.tail];
    unified_spliced(path.as_bytes(), old, mid, same)
}

/// The new side of a diff, as the old side's bytes and what replaces those between the ones
/// known to be shared: the first `head` bytes of `old`, `mid`, the last `tail` bytes of `old`
/// (no copy of a large file for a change of a few lines).
struct Spliced<'a> {
    old: &'a [u8],
    head: usize,
    mid: &'a [u8],
    tail: usize,
}

impl Spliced<'_> {
    fn len(&self) -> usize {
        self.head + self.mid.len() + self.tail
    }

    /// Its pieces, each with where it starts.
    fn pieces(&self) -> [(usize, &[u8]); 3] {
        let (o, h, m) = (self.old, self.head, self.mid.len());
        [
            (0, &o[..h]),
            (h, self.mid),
            (h + m, &o[o.len() - self.tail..]),
        ]
    }

    /// The byte at `i`.
    fn at(&self, i: usize) -> u8 {
        let (o, h, m) = (self.old, self.head, self.mid.len());
        if i < h {
            o[i]
        } else if i < h + m {
            self.mid[i - h]
        } else {
            o[o.len() - (self.len() - i)]
        }
    }

    /// The bytes `range`, copied.
    fn range(&self, range: std::ops::Range<usize>) -> Vec<u8> {
        let mut out = Vec::with_capacity(range.len());
        for (start, piece) in self.pieces() {
            let (a, b) = (range.start.max(start), range.end.min(start + piece.len()));
            if a < b {
                out.extend_from_slice(&piece[a - start..b - start]);
            }
        }
        out
    }
}

/// A unified diff (3 lines of context) of `old` to the new side, with `---`/`+++` headers
/// naming `path`, byte for byte as the files hold their lines (a byte that is not UTF-8 is
/// kept, so that `patch` finds the lines it names): the new side is the bytes of `old` with
/// `mid` in place of those between the ones `same` says the two share (the first
/// `same.head`, the last `same.tail`). Only the
/// region between the first and last changed line is handed to the diff algorithm, so a small
/// edit of a large file costs little; the bytes known to be shared are not compared again,
/// and the output is the same whatever `same` says.
pub(crate) fn unified_spliced(
    path: &[u8],
    old: &[u8],
    mid: &[u8],
    same: sshcfg::Unchanged,
) -> Vec<u8> {
    let mut out = header(path);
    out.extend_from_slice(&hunks(old, mid, same, 0).0);
    out
}

/// The `---`/`+++` lines naming `path` (its bytes as the system gives them: `patch` takes
/// the file's name from them). A name with a blank, a quote, a backslash or a control byte is
/// written in double quotes with C escapes, as GNU diff writes it and `patch` reads it (bare,
/// `patch` would take `my config` for `my`).
fn header(path: &[u8]) -> Vec<u8> {
    let quoted = path
        .iter()
        .any(|&b| b == b' ' || b == b'"' || b == b'\\' || b < 0x20 || b == 0x7f);
    let mut name = Vec::with_capacity(path.len() + 2);
    if quoted {
        name.push(b'"');
        for &b in path {
            match b {
                b'"' | b'\\' => name.extend_from_slice(&[b'\\', b]),
                b'\t' => name.extend_from_slice(b"\\t"),
                b'\n' => name.extend_from_slice(b"\\n"),
                b'\r' => name.extend_from_slice(b"\\r"),
                b if b < 0x20 || b == 0x7f => {
                    name.extend_from_slice(format!("\\{b:03o}").as_bytes());
                }
                b => name.push(b),
            }
        }
        name.push(b'"');
    } else {
        name.extend_from_slice(path);
    }
    let mut out = Vec::with_capacity(2 * name.len() + 10);
    for mark in [&b"--- "[..], b"+++ "] {
        out.extend_from_slice(mark);
        out.extend_from_slice(&name);
        out.push(b'\n');
    }
    out
}

/// How many unchanged lines part two changes of a file that [`unified_change`] diffs apart
/// (hunks more than 6 lines apart are shown apart: more, since a hunk's context can grow
/// beside repeated lines; windows that meet anyway are found and diffed as one).
const APART: usize = 16;

/// The unified diff of a planned change, as [`unified_spliced`] makes it: a change's groups of
/// splices far apart in the file (a plan for many hosts of a large file edits a few lines here
/// and there) are diffed each with the lines around it, not as one region from the first to
/// the last; when the lines two groups show would meet, the whole region is diffed as one.
pub(crate) fn unified_change(path: &[u8], c: &sshcfg::FileChange) -> Vec<u8> {
    unified_change_apart(path, c, APART)
}

/// [`unified_change`], with groups `apart` lines apart.
fn unified_change_apart(path: &[u8], c: &sshcfg::FileChange, apart: usize) -> Vec<u8> {
    let (old, splices) = (c.before(), c.splices());
    let whole = || unified_spliced(path, old, &c.changed_text(), c.unchanged());
    // Groups: runs of splices fewer than APART lines apart.
    let mut groups: Vec<std::ops::Range<usize>> = Vec::new();
    for (i, s) in splices.iter().enumerate() {
        match groups.last_mut() {
            Some(g)
                if memchr::memchr_iter(b'\n', &old[splices[i - 1].range.end..s.range.start])
                    .count()
                    < apart =>
            {
                g.end = i + 1
            }
            _ => groups.push(i..i + 1),
        }
    }
    if groups.len() < 2 {
        return whole();
    }
    let mut out = header(path);
    // Lines before `counted`; lines the groups before add; where the hunks so far end.
    let (mut lines, mut counted, mut added, mut shown_to) = (0, 0, 0isize, 0);
    for g in groups {
        let group = &splices[g];
        let (first, last) = (&group[0], &group[group.len() - 1]);
        let head = memchr::memrchr(b'\n', &old[..first.range.start]).map_or(0, |p| p + 1);
        lines += memchr::memchr_iter(b'\n', &old[counted..head]).count();
        counted = head;
        // The new bytes from the line of the first splice to the end of the last.
        let mut mid = old[head..first.range.start].to_vec();
        for (k, s) in group.iter().enumerate() {
            if k > 0 {
                mid.extend_from_slice(&old[group[k - 1].range.end..s.range.start]);
            }
            mid.extend_from_slice(&s.text);
        }
        let same = sshcfg::Unchanged {
            lines,
            head,
            tail: old.len() - last.range.end,
        };
        let (h, window) = hunks(old, &mid, same, added);
        if !h.is_empty() {
            // Lines shown twice, a change of another group shown as unchanged, or hunks the
            // whole diff shows as one (their lines meet).
            if window.start <= shown_to && shown_to > 0 {
                return whole();
            }
            shown_to = window.end;
            out.extend_from_slice(&h);
        }
        let newlines = |b: &[u8]| memchr::memchr_iter(b'\n', b).count() as isize;
        added += newlines(&mid) - newlines(&old[head..last.range.end]);
    }
    out
}

/// The hunks of [`unified_spliced`]'s diff, their new side's line numbers moved `new_shift`
/// lines on (the lines earlier changes add); and the bytes of `old` they show.
fn hunks(
    old: &[u8],
    mid: &[u8],
    same: sshcfg::Unchanged,
    new_shift: isize,
) -> (Vec<u8>, std::ops::Range<usize>) {
    let new = Spliced {
        old,
        head: same.head,
        mid,
        tail: same.tail,
    };
    // Skip the common prefix and suffix, by whole lines, with plain byte comparisons.
    let prefix = common_prefix_lines(old, &new, same.head);
    let o = &old[prefix..];
    let n_len = new.len() - prefix;
    let suffix = common_suffix_lines(o, &new, prefix, same.tail.min(o.len()).min(n_len));
    let o_mid = &o[..o.len() - suffix];
    let n_mid = new.range(prefix..new.len() - suffix);
    let tail = &o[o.len() - suffix..];
    // Lines of context taken on each side of the changed region: 3, or more when the diff moves
    // a change into them (beside repeated lines: a new `Host db` block after a block that ends
    // with the same forward line and blank line), so that every hunk keeps the 3 lines of
    // context the file has around it.
    let mut k = 3;
    loop {
        let ctx_start = back_lines(old, prefix, k);
        let ctx_before = &old[ctx_start..prefix];
        let after = &tail[..forward_lines(tail, k)];
        let window = |mid: &[u8]| {
            let mut v = Vec::with_capacity(ctx_before.len() + mid.len() + after.len());
            v.extend_from_slice(ctx_before);
            v.extend_from_slice(mid);
            v.extend_from_slice(after);
            v
        };
        let (o_text, n_text) = (window(o_mid), window(&n_mid));
        // Lines end at a `\n` only, as in the file (and for `patch`): a `\r` elsewhere is a
        // byte of its line (similar's own line split would end a line there).
        let o_lines: Vec<&[u8]> = o_text.split_inclusive(|&b| b == b'\n').collect();
        let n_lines: Vec<&[u8]> = n_text.split_inclusive(|&b| b == b'\n').collect();
        let ops = similar::capture_diff_slices(similar::Algorithm::Myers, &o_lines, &n_lines);
        // 3 kept lines before the first change and after the last, or the file's edge.
        let kept = |op: Option<&DiffOp>| matches!(op, Some(DiffOp::Equal { len, .. }) if *len >= 3);
        let changed = ops.iter().any(|op| op.tag() != DiffTag::Equal);
        let full_before = ctx_start == 0 || kept(ops.first());
        let full_after = after.len() == tail.len() || kept(ops.last());
        if changed && !(full_before && full_after) {
            k *= 2;
            continue;
        }
        // Lines before the window: counted from the end of the lines known to be shared.
        let skipped = match ctx_start.checked_sub(same.head) {
            Some(_) => same.lines + memchr::memchr_iter(b'\n', &old[same.head..ctx_start]).count(),
            None => same.lines - memchr::memchr_iter(b'\n', &old[ctx_start..same.head]).count(),
        };
        let new_skipped = skipped
            .checked_add_signed(new_shift)
            .expect("lines before the window");
        let mut out = Vec::new();
        for ops in similar::group_diff_ops(ops, 3) {
            // The hunk's header, as the whole file numbers its lines; then its lines, a line
            // without a line ending (the file's last) followed by diff's note saying so.
            let shifted: Vec<DiffOp> = (ops.iter())
                .map(|op| shift(op, skipped, new_skipped))
                .collect();
            out.extend_from_slice(format!("{}\n", UnifiedHunkHeader::new(&shifted)).as_bytes());
            let mut put = |tag: u8, lines: &[&[u8]]| {
                for line in lines {
                    out.push(tag);
                    out.extend_from_slice(line);
                    if !line.ends_with(b"\n") {
                        out.extend_from_slice(b"\n\\ No newline at end of file\n");
                    }
                }
            };
            for op in &ops {
                // Removed lines before added ones, as similar and diff(1) write them.
                let (tag, o_range, n_range) = op.as_tag_tuple();
                match tag {
                    DiffTag::Equal => put(b' ', &o_lines[o_range]),
                    _ => {
                        put(b'-', &o_lines[o_range]);
                        put(b'+', &n_lines[n_range]);
                    }
                }
            }
        }
        return (out, ctx_start..prefix + o_mid.len() + after.len());
    }
}

/// `op` with its line indices moved `k` lines on in the old file and `n` in the new.
fn shift(op: &DiffOp, k: usize, n: usize) -> DiffOp {
    match *op {
        DiffOp::Equal {
            old_index,
            new_index,
            len,
        } => DiffOp::Equal {
            old_index: old_index + k,
            new_index: new_index + n,
            len,
        },
        DiffOp::Delete {
            old_index,
            old_len,
            new_index,
        } => DiffOp::Delete {
            old_index: old_index + k,
            old_len,
            new_index: new_index + n,
        },
        DiffOp::Insert {
            old_index,
            new_index,
            new_len,
        } => DiffOp::Insert {
            old_index: old_index + k,
            new_index: new_index + n,
            new_len,
        },
        DiffOp::Replace {
            old_index,
            old_len,
            new_index,
            new_len,
        } => DiffOp::Replace {
            old_index: old_index + k,
            old_len,
            new_index: new_index + n,
            new_len,
        },
    }
}

/// Length of the common prefix of `a` and `b` (known to be at least `known`), cut back to just
/// after a newline.
fn common_prefix_lines(a: &[u8], b: &Spliced<'_>, known: usize) -> usize {
    let n = a.len().min(b.len());
    // Compare piece by piece (in chunks: memcmp), then byte by byte in the chunk that differs.
    let mut i = known;
    'pieces: for (start, piece) in b.pieces() {
        let end = (start + piece.len()).min(n);
        while i < end && i >= start {
            let step = (end - i).min(4096);
            if a[i..i + step] == piece[i - start..i - start + step] {
                i += step;
                continue;
            }
            while a[i] == piece[i - start] {
                i += 1;
            }
            break 'pieces;
        }
        if i < start + piece.len() && i < n {
            break;
        }
    }
    match memchr::memrchr(b'\n', &a[..i]) {
        Some(p) => p + 1,
        None => 0,
    }
}

/// Length of the common suffix of `a` and `b[from..]` (known to be at least `known`) that
/// starts at a line start in both.
fn common_suffix_lines(a: &[u8], b: &Spliced<'_>, from: usize, known: usize) -> usize {
    let b_len = b.len() - from;
    let max = a.len().min(b_len);
    let mut n = known;
    while n < max && a[a.len() - 1 - n] == b.at(b.len() - 1 - n) {
        n += 1;
    }
    while n > 0 {
        let (sa, sb) = (a.len() - n, b_len - n);
        if (sa == 0 || a[sa - 1] == b'\n') && (sb == 0 || b.at(from + sb - 1) == b'\n') {
            break;
        }
        n -= 1;
    }
    n
}

/// The start of the line `k` lines before offset `at` (a line start).
fn back_lines(s: &[u8], at: usize, k: usize) -> usize {
    let mut pos = at;
    for _ in 0..k {
        if pos == 0 {
            break;
        }
        pos = memchr::memrchr(b'\n', &s[..pos - 1]).map_or(0, |p| p + 1);
    }
    pos
}

/// The length of the first `k` lines of `s`.
fn forward_lines(s: &[u8], k: usize) -> usize {
    let mut pos = 0;
    for _ in 0..k {
        match memchr::memchr(b'\n', &s[pos..]) {
            Some(p) => pos += p + 1,
            None => return s.len(),
        }
    }
    pos
}

/// Write a diff, colouring `+`/`-` lines and headers (the stream decides whether colour shows);
/// the lines' bytes are kept as they are.
pub(crate) fn styled(diff: &[u8]) -> Vec<u8> {
    let red = Style::new().fg_color(Some(AnsiColor::Red.into()));
    let green = Style::new().fg_color(Some(AnsiColor::Green.into()));
    let cyan = Style::new().fg_color(Some(AnsiColor::Cyan.into()));
    let bold = Style::new().bold();
    let mut out = Vec::with_capacity(diff.len() + 64);
    for line in diff.split_inclusive(|&b| b == b'\n') {
        let style = if line.starts_with(b"---") || line.starts_with(b"+++") {
            bold
        } else if line.starts_with(b"@@") {
            cyan
        } else if line.starts_with(b"+") {
            green
        } else if line.starts_with(b"-") {
            red
        } else {
            Style::new()
        };
        let body = line.strip_suffix(b"\n").unwrap_or(line);
        out.extend_from_slice(format!("{style}").as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(format!("{style:#}").as_bytes());
        if line.ends_with(b"\n") {
            out.push(b'\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use similar::TextDiff;

    /// [`super::unified`] of UTF-8 text, as text.
    fn unified(path: &str, old: &[u8], new: &[u8], same: sshcfg::Unchanged) -> String {
        String::from_utf8(super::unified(path, old, new, same)).unwrap()
    }

    /// Nothing known to be shared.
    const NOTHING: sshcfg::Unchanged = sshcfg::Unchanged {
        lines: 0,
        head: 0,
        tail: 0,
    };

    #[test]
    fn hunk_numbers_count_skipped_lines() {
        let old: String = (1..=20).map(|i| format!("l{i}\n")).collect();
        let new = old.replace("l10\n", "l10\nNEW\n");
        let d = unified("f", old.as_bytes(), new.as_bytes(), NOTHING);
        assert!(d.contains("@@ -8,6 +8,7 @@"), "{d}");
        assert!(d.contains("+NEW\n"));
        assert!(d.starts_with("--- f\n+++ f\n"));
    }

    /// The windowed diff is the diff of the whole files, byte for byte.
    #[test]
    fn the_window_changes_nothing_in_the_output() {
        let base: String = (1..=40).map(|i| format!("line {i}\n")).collect();
        let cases = [
            (base.clone(), base.replace("line 20\n", "line 20\nadded\n")),
            (base.clone(), base.replace("line 1\n", "")),
            (base.clone(), base.replace("line 40\n", "line 40")),
            (
                base.clone(),
                base.replace("line 3\n", "x\n").replace("line 30\n", ""),
            ),
            ("a\nb".to_string(), "a\nb\nc".to_string()),
            // Two changes, the second beside lines it repeats: the diff shows it after them,
            // with the 3 lines after it as context.
            (
                "Host web\n  User u\n\nHost x\n  LocalForward 1455 localhost:1455\n\nHost *\n  User me\n  ServerAliveInterval 30\n  ForwardAgent no\n".to_string(),
                "Host web\n  User u\n  LocalForward 1455 localhost:1455\n\nHost x\n  LocalForward 1455 localhost:1455\n\nHost db\n  LocalForward 1455 localhost:1455\n\nHost *\n  User me\n  ServerAliveInterval 30\n  ForwardAgent no\n".to_string(),
            ),
            (String::new(), "Host a\n".to_string()),
            ("Host a\n".to_string(), String::new()),
        ];
        for (old, new) in cases {
            let full = format!(
                "{}",
                TextDiff::from_lines(&old, &new)
                    .unified_diff()
                    .context_radius(3)
                    .header("f", "f")
            );
            let ours = unified("f", old.as_bytes(), new.as_bytes(), NOTHING);
            assert_eq!(ours, full, "{old:?} -> {new:?}");
            // Whatever is given as known to be shared (whole lines at the start, any bytes at
            // the end, as long as they are shared), the diff is the same.
            let (o, n) = (old.as_bytes(), new.as_bytes());
            let prefix = o.iter().zip(n).take_while(|(a, b)| a == b).count();
            let suffix = (o.iter().rev().zip(n.iter().rev()))
                .take(o.len().min(n.len()))
                .take_while(|(a, b)| a == b)
                .count();
            for lines in 0..=o.split_inclusive(|&b| b == b'\n').count() {
                let head: usize = (o.split_inclusive(|&b| b == b'\n').take(lines))
                    .map(<[u8]>::len)
                    .sum();
                if head > prefix || (lines > 0 && o[head - 1] != b'\n') {
                    continue;
                }
                for tail in 0..=suffix.min(o.len() - head).min(n.len() - head) {
                    let same = sshcfg::Unchanged { lines, head, tail };
                    assert_eq!(
                        unified("f", o, n, same),
                        full,
                        "{old:?} -> {new:?}, {same:?}"
                    );
                }
            }
        }
    }

    /// `diff` (a unified diff of one file) applied to `old`, as `patch` with no fuzz applies it:
    /// every hunk's kept and removed lines must be those at its line numbers. Also checks that
    /// each hunk has 3 kept lines before its first change and after its last, unless the file
    /// has fewer there.
    fn apply(old: &str, diff: &str) -> String {
        let old: Vec<&str> = old.split_inclusive('\n').collect();
        let mut lines = diff.split_inclusive('\n').peekable();
        assert!(
            lines.next().is_some_and(|l| l.starts_with("--- ")),
            "{diff}"
        );
        assert!(
            lines.next().is_some_and(|l| l.starts_with("+++ ")),
            "{diff}"
        );
        let range = |r: &str| -> (usize, usize) {
            match r.split_once(',') {
                Some((a, b)) => (a.parse().unwrap(), b.parse().unwrap()),
                None => (r.parse().unwrap(), 1),
            }
        };
        let (mut out, mut next) = (String::new(), 0);
        while let Some(header) = lines.next() {
            let h: Vec<&str> = header.split(' ').collect();
            assert_eq!((h[0], h[3]), ("@@", "@@\n"), "{diff}");
            let (o_start, o_len) = range(&h[1][1..]);
            let (_, n_len) = range(&h[2][1..]);
            // (An empty range names the line before it.)
            let from = if o_len == 0 { o_start } else { o_start - 1 };
            let (mut taken, mut given, mut tags) = (Vec::new(), Vec::new(), Vec::new());
            while let Some(l) = lines.next_if(|l| !l.starts_with("@@")) {
                let mut text = l[1..].to_string();
                if lines
                    .next_if(|l| *l == "\\ No newline at end of file\n")
                    .is_some()
                {
                    text.pop();
                }
                let tag = l.as_bytes()[0];
                tags.push(tag);
                if tag != b'+' {
                    taken.push(text.clone());
                }
                if tag != b'-' {
                    given.push(text);
                }
            }
            assert_eq!((taken.len(), given.len()), (o_len, n_len), "{diff}");
            assert!(from >= next && from + o_len <= old.len(), "{diff}");
            assert_eq!(&old[from..from + o_len], &taken[..], "{diff}");
            let lead = tags.iter().take_while(|&&t| t == b' ').count();
            let trail = tags.iter().rev().take_while(|&&t| t == b' ').count();
            assert!(lead >= 3 || from == 0, "context before: {diff}");
            assert!(
                trail >= 3 || from + o_len == old.len(),
                "context after: {diff}"
            );
            out.extend(old[next..from].iter().copied());
            out.extend(given);
            next = from + o_len;
        }
        out.extend(old[next..].iter().copied());
        out
    }

    /// Every diff applies to its old text to give the new one, with full context, whatever the
    /// text repeats (a change the diff slides into lines that repeat it) and wherever a `\r`
    /// stands (a line ends at a `\n` only), given what is known to be shared or not.
    #[test]
    fn every_diff_applies_with_full_context() {
        const LINES: [&str; 7] = [
            "Host a\n",
            "  LocalForward 1455 localhost:1455\n",
            "\n",
            "Host *\n",
            "  User u\n",
            "# x\ry\n",
            "a\r\n",
        ];
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut rand = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        for _ in 0..4000 {
            let mut lines: Vec<String> = (0..rand(16)).map(|_| LINES[rand(7)].into()).collect();
            let old = lines.concat();
            for _ in 0..1 + rand(3) {
                let at = rand(lines.len() + 1);
                match rand(3) {
                    0 if at < lines.len() => drop(lines.remove(at)),
                    _ => (0..1 + rand(3)).for_each(|_| lines.insert(at, LINES[rand(7)].into())),
                }
            }
            let mut new = lines.concat();
            let mut old = old;
            // Sometimes a last line without a line ending, on either side.
            if rand(4) == 0 {
                old = old.trim_end_matches('\n').into();
            }
            if rand(4) == 0 {
                new = new.trim_end_matches('\n').into();
            }
            let (o, n) = (old.as_bytes(), new.as_bytes());
            let first = o.iter().zip(n).take_while(|(a, b)| a == b).count();
            let head = o[..first]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |p| p + 1);
            let tail = (o.iter().rev().zip(n.iter().rev()))
                .take_while(|(a, b)| a == b)
                .count()
                .min(o.len() - head)
                .min(n.len() - head);
            let lines = o[..head].iter().filter(|&&b| b == b'\n').count();
            for same in [NOTHING, sshcfg::Unchanged { lines, head, tail }] {
                let d = unified("f", o, n, same);
                assert_eq!(apply(&old, &d), new, "{old:?} -> {new:?}\n{d}");
            }
        }
    }

    /// A plan for several hosts far apart in a file is diffed a group of changes at a time:
    /// the diff applies with full context and is the diff of the whole region, whatever lines
    /// lie between (repeats of the added lines among them), whether the file ends with a line
    /// ending or not.
    #[test]
    fn changes_far_apart_are_diffed_apart_as_the_whole_diff_shows_them() {
        use sshcfg::{Action, ConfigSet, Forward, LoadOptions, ResolveContext};
        const FILLER: [&str; 4] = [
            "  LocalForward 1455 localhost:1455\n",
            "\n",
            "# note\n",
            "  User u\n",
        ];
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut rand = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let (ctx, fwd) = (ResolveContext::new("me"), [Forward::loopback(1455, 1455)]);
        let mut apart = 0;
        for _ in 0..400 {
            let mut text = String::new();
            for h in 0..5 {
                text.push_str(&format!("Host h{h}\n  HostName x{h}\n"));
                // Filler in a block of its own (a `Match` line that applies to no host here).
                text.push_str("Match host none\n");
                for _ in 0..rand(3) * rand(20) {
                    text.push_str(FILLER[rand(4)]);
                }
            }
            if rand(4) == 0 {
                text.pop();
            }
            let set = ConfigSet::from_main_bytes(
                text.clone().into_bytes(),
                &LoadOptions::explicit_file("f", "/nonexistent"),
            )
            .unwrap();
            let hosts: Vec<String> = (0..1 + rand(4)).map(|_| format!("h{}", rand(6))).collect();
            let plan = set.plan(Action::Enable, &hosts, &fwd, &ctx).unwrap();
            let Some(c) = plan.changes().first() else {
                continue;
            };
            let after = String::from_utf8(c.after().to_vec()).unwrap();
            let whole = unified("f", c.before(), c.after(), NOTHING);
            // (Groups closer than APART lines show when the lines of their hunks meet.)
            for apart in [APART, 1, 4, 7] {
                let d = String::from_utf8(unified_change_apart(b"f", c, apart)).unwrap();
                assert_eq!(apply(&text, &d), after, "{hosts:?}\n{text}\n{d}");
                assert_eq!(d, whole, "{hosts:?}, {apart}\n{text}");
            }
            apart += usize::from(c.splices().len() > 1);
        }
        assert!(apart > 100, "{apart}");
    }

    /// Names `patch` would cut or misread are quoted as GNU diff quotes them; others are not.
    #[test]
    fn names_with_blanks_quotes_or_controls_are_quoted() {
        for (name, shown) in [
            (&b"config"[..], &b"config"[..]),
            (b"/h/.ssh/caf\xe9", b"/h/.ssh/caf\xe9"),
            (b"my config", b"\"my config\""),
            (b"a\tb", b"\"a\\tb\""),
            (b"a\nb\"c\\d\x01", b"\"a\\nb\\\"c\\\\d\\001\""),
        ] {
            let want = [&b"--- "[..], shown, b"\n+++ ", shown, b"\n"].concat();
            assert_eq!(header(name), want, "{}", String::from_utf8_lossy(name));
        }
    }

    #[test]
    fn no_final_newline_is_shown() {
        let d = unified("f", b"a\nb", b"a\nb\nc", NOTHING);
        assert!(d.contains("-b\n"), "{d}");
        assert!(d.contains("+c"), "{d}");
    }

    /// Bytes that are not UTF-8 (a Latin-1 comment) are kept as the file holds them, in kept,
    /// removed and added lines alike, so that `patch` finds the lines; the colours wrap them
    /// without touching them.
    #[test]
    fn bytes_that_are_not_utf8_are_kept() {
        let old = b"# caf\xe9\nHost a\n  User \xff\n\n# \xe9t\xe9\n".to_vec();
        let new = b"# caf\xe9\nHost a\n  User \xfe\n  LocalForward 1\n\n# \xe9t\xe9\n".to_vec();
        let d = super::unified("f", &old, &new, NOTHING);
        let want: &[u8] = b"--- f\n+++ f\n@@ -1,5 +1,6 @@\n # caf\xe9\n Host a\n-  User \xff\n+  User \xfe\n+  LocalForward 1\n \n # \xe9t\xe9\n";
        assert_eq!(d, want, "{}", String::from_utf8_lossy(&d));
        let plain = styled(&d)
            .split(|&b| b == 0x1b)
            .flat_map(|part| match part.iter().position(|&b| b == b'm') {
                Some(m) if part.first() == Some(&b'[') => &part[m + 1..],
                _ => part,
            })
            .copied()
            .collect::<Vec<u8>>();
        assert_eq!(plain, want);
    }
}
