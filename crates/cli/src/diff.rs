//! Unified diffs of planned changes, coloured only where colour is wanted.

use anstyle::{AnsiColor, Style};
use similar::udiff::{UnifiedDiffHunk, UnifiedHunkHeader};
use similar::{DiffOp, TextDiff};

/// A unified diff (3 lines of context) of `old` to `new`, with `---`/`+++` headers naming
/// `path`. Only the region between the first and last changed line is handed to the diff
/// algorithm, so a small edit of a large file costs little. `same` is what the two are known
/// to share (the bytes there are not compared again; the output is the same whatever it says).
pub(crate) fn unified(path: &str, old: &[u8], new: &[u8], same: sshcfg::Unchanged) -> String {
    // Skip the common prefix and suffix, by whole lines, with plain byte comparisons.
    let prefix = common_prefix_lines(old, new, same.head);
    let (o, n) = (&old[prefix..], &new[prefix..]);
    let suffix = common_suffix_lines(o, n, same.tail.min(o.len()).min(n.len()));
    let (o_mid, n_mid) = (&o[..o.len() - suffix], &n[..n.len() - suffix]);
    // Keep up to 3 lines of context on each side so hunks look as a full diff would.
    let ctx_start = back_lines(old, prefix, 3);
    let ctx_before = &old[ctx_start..prefix];
    // Lines before the context: counted from the end of the lines known to be shared.
    let skipped = match ctx_start.checked_sub(same.head) {
        Some(_) => same.lines + memchr::memchr_iter(b'\n', &old[same.head..ctx_start]).count(),
        None => same.lines - memchr::memchr_iter(b'\n', &old[ctx_start..same.head]).count(),
    };
    let tail = &o[o.len() - suffix..];
    let after = &tail[..forward_lines(tail, 3)];
    let window = |mid: &[u8]| {
        let mut v = Vec::with_capacity(ctx_before.len() + mid.len() + after.len());
        v.extend_from_slice(ctx_before);
        v.extend_from_slice(mid);
        v.extend_from_slice(after);
        String::from_utf8_lossy(&v).into_owned()
    };
    let (o_text, n_text) = (window(o_mid), window(n_mid));
    let diff = TextDiff::from_lines(&o_text, &n_text);
    let mut out = format!("--- {path}\n+++ {path}\n");
    for ops in diff.grouped_ops(3) {
        // The hunk's header, as the whole file numbers its lines; its lines, as similar
        // writes them (with its "No newline at end of file" hints).
        let shifted: Vec<DiffOp> = ops.iter().map(|op| shift(op, skipped)).collect();
        out.push_str(&format!("{}\n", UnifiedHunkHeader::new(&shifted)));
        let hunk = UnifiedDiffHunk::new(ops, &diff, true).to_string();
        out.push_str(hunk.split_once('\n').map_or("", |(_, body)| body));
    }
    out
}

/// `op` with its line indices moved `k` lines on, in both files.
fn shift(op: &DiffOp, k: usize) -> DiffOp {
    match *op {
        DiffOp::Equal {
            old_index,
            new_index,
            len,
        } => DiffOp::Equal {
            old_index: old_index + k,
            new_index: new_index + k,
            len,
        },
        DiffOp::Delete {
            old_index,
            old_len,
            new_index,
        } => DiffOp::Delete {
            old_index: old_index + k,
            old_len,
            new_index: new_index + k,
        },
        DiffOp::Insert {
            old_index,
            new_index,
            new_len,
        } => DiffOp::Insert {
            old_index: old_index + k,
            new_index: new_index + k,
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
            new_index: new_index + k,
            new_len,
        },
    }
}

/// Length of the common prefix of `a` and `b` (known to be at least `known`), cut back to just
/// after a newline.
fn common_prefix_lines(a: &[u8], b: &[u8], known: usize) -> usize {
    let n = a.len().min(b.len());
    // Compare in chunks (memcmp), then byte by byte in the first chunk that differs.
    let mut i = known;
    while i + 4096 <= n && a[i..i + 4096] == b[i..i + 4096] {
        i += 4096;
    }
    while i < n && a[i] == b[i] {
        i += 1;
    }
    match memchr::memrchr(b'\n', &a[..i]) {
        Some(p) => p + 1,
        None => 0,
    }
}

/// Length of the common suffix of `a` and `b` (known to be at least `known`) that starts at a
/// line start in both.
fn common_suffix_lines(a: &[u8], b: &[u8], known: usize) -> usize {
    let max = a.len().min(b.len());
    let mut n = known;
    while n + 4096 <= max
        && a[a.len() - n - 4096..a.len() - n] == b[b.len() - n - 4096..b.len() - n]
    {
        n += 4096;
    }
    while n < max && a[a.len() - 1 - n] == b[b.len() - 1 - n] {
        n += 1;
    }
    while n > 0 {
        let (sa, sb) = (a.len() - n, b.len() - n);
        if (sa == 0 || a[sa - 1] == b'\n') && (sb == 0 || b[sb - 1] == b'\n') {
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

/// Write a diff, colouring `+`/`-` lines and headers (the stream decides whether colour shows).
pub(crate) fn styled(diff: &str) -> String {
    let red = Style::new().fg_color(Some(AnsiColor::Red.into()));
    let green = Style::new().fg_color(Some(AnsiColor::Green.into()));
    let cyan = Style::new().fg_color(Some(AnsiColor::Cyan.into()));
    let bold = Style::new().bold();
    let mut out = String::with_capacity(diff.len() + 64);
    for line in diff.split_inclusive('\n') {
        let style = if line.starts_with("---") || line.starts_with("+++") {
            bold
        } else if line.starts_with("@@") {
            cyan
        } else if line.starts_with('+') {
            green
        } else if line.starts_with('-') {
            red
        } else {
            Style::new()
        };
        let body = line.strip_suffix('\n').unwrap_or(line);
        out.push_str(&format!("{style}{body}{style:#}"));
        if line.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn no_final_newline_is_shown() {
        let d = unified("f", b"a\nb", b"a\nb\nc", NOTHING);
        assert!(d.contains("-b\n"), "{d}");
        assert!(d.contains("+c"), "{d}");
    }
}
