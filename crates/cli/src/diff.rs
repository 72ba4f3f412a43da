//! Unified diffs of planned changes, coloured only where colour is wanted.

use anstyle::{AnsiColor, Style};
use similar::TextDiff;

/// A unified diff (3 lines of context) of `old` to `new`, with `---`/`+++` headers naming
/// `path`. Only the region between the first and last changed line is handed to the diff
/// algorithm, so a small edit of a large file costs little.
pub fn unified(path: &str, old: &[u8], new: &[u8]) -> String {
    let old = String::from_utf8_lossy(old);
    let new = String::from_utf8_lossy(new);
    // Skip the common prefix and suffix, by whole lines.
    let prefix = common_prefix_lines(&old, &new);
    let (o, n) = (&old[prefix..], &new[prefix..]);
    let suffix = common_suffix_lines(o, n);
    let (o_mid, n_mid) = (&o[..o.len() - suffix], &n[..n.len() - suffix]);
    // Keep up to 3 lines of context on each side so hunks look as a full diff would.
    let before_lines: Vec<&str> = old[..prefix].split_inclusive('\n').collect();
    let ctx_before = &before_lines[before_lines.len().saturating_sub(3)..];
    let skipped = before_lines.len() - ctx_before.len();
    let after: Vec<&str> = o[o.len() - suffix..]
        .split_inclusive('\n')
        .take(3)
        .collect();
    let mut o_text = ctx_before.concat();
    o_text.push_str(o_mid);
    o_text.push_str(&after.concat());
    let mut n_text = ctx_before.concat();
    n_text.push_str(n_mid);
    n_text.push_str(&after.concat());
    let diff = TextDiff::from_lines(&o_text, &n_text);
    let mut out = format!("--- {path}\n+++ {path}\n");
    for hunk in diff.unified_diff().context_radius(3).iter_hunks() {
        let text = hunk.to_string();
        // Shift the hunk header's line numbers by the lines skipped before the window.
        let mut lines = text.splitn(2, '\n');
        let header = lines.next().unwrap_or_default();
        out.push_str(&shift_header(header, skipped));
        out.push('\n');
        let body = lines.next().unwrap_or_default();
        out.push_str(body);
        if !body.is_empty() && !body.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}

fn common_prefix_lines(a: &str, b: &str) -> usize {
    let mut n = 0;
    for (x, y) in a.split_inclusive('\n').zip(b.split_inclusive('\n')) {
        if x != y || !x.ends_with('\n') {
            break;
        }
        n += x.len();
    }
    n
}

fn common_suffix_lines(a: &str, b: &str) -> usize {
    let (ab, bb) = (a.as_bytes(), b.as_bytes());
    let mut n = 0;
    while n < ab.len() && n < bb.len() && ab[ab.len() - 1 - n] == bb[bb.len() - 1 - n] {
        n += 1;
    }
    // Back off to a line start in both.
    while n > 0 {
        let (sa, sb) = (ab.len() - n, bb.len() - n);
        if (sa == 0 || ab[sa - 1] == b'\n') && (sb == 0 || bb[sb - 1] == b'\n') {
            break;
        }
        n -= 1;
    }
    n
}

/// `@@ -a,b +c,d @@` with `skip` added to `a` and `c`.
fn shift_header(h: &str, skip: usize) -> String {
    let shift = |part: &str| -> String {
        let (sign, rest) = part.split_at(1);
        let mut it = rest.splitn(2, ',');
        let start: usize = it.next().and_then(|s| s.parse().ok()).unwrap_or(0);
        let start = if start == 0 && skip == 0 {
            0
        } else {
            start + skip
        };
        match it.next() {
            Some(len) => format!("{sign}{start},{len}"),
            None => format!("{sign}{start}"),
        }
    };
    let parts: Vec<&str> = h.split(' ').collect();
    if parts.len() >= 4 && parts[0] == "@@" {
        format!("@@ {} {} @@", shift(parts[1]), shift(parts[2]))
    } else {
        h.to_string()
    }
}

/// Write a diff, colouring `+`/`-` lines and headers (the stream decides whether colour shows).
pub fn styled(diff: &str) -> String {
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

    #[test]
    fn hunk_numbers_count_skipped_lines() {
        let old: String = (1..=20).map(|i| format!("l{i}\n")).collect();
        let new = old.replace("l10\n", "l10\nNEW\n");
        let d = unified("f", old.as_bytes(), new.as_bytes());
        assert!(d.contains("@@ -8,6 +8,7 @@"), "{d}");
        assert!(d.contains("+NEW\n"));
        assert!(d.starts_with("--- f\n+++ f\n"));
    }

    #[test]
    fn no_final_newline_is_shown() {
        let d = unified("f", b"a\nb", b"a\nb\nc");
        assert!(d.contains("-b\n"), "{d}");
        assert!(d.contains("+c"), "{d}");
    }
}
