//! A line diff of two texts, for showing what a plan revision did to one
//! entity's YAML document. Pure: text in, lines out.
//!
//! The common prefix and suffix are matched first (most edits touch a few
//! lines of a document); the middle is a longest common subsequence over
//! lines by dynamic programming, which is minimal and easy to trust. A middle
//! larger than `MAX_CELLS` (thousands of changed lines in one entity) is
//! shown as removed then added: still a correct diff, just not a minimal one.

/// What happened to a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Same,
    Removed,
    Added,
}

impl Op {
    /// The marker of a unified diff: ` `, `-`, `+`.
    pub fn marker(self) -> char {
        match self {
            Op::Same => ' ',
            Op::Removed => '-',
            Op::Added => '+',
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Op::Same => "same",
            Op::Removed => "removed",
            Op::Added => "added",
        }
    }
}

/// One line of a diff, with its 1-based number in the old and new text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line<'a> {
    pub op: Op,
    pub old: Option<usize>,
    pub new: Option<usize>,
    pub text: &'a str,
}

/// The largest middle part (old lines × new lines) diffed exactly.
pub const MAX_CELLS: usize = 1 << 20;

/// Every line of both texts, in order: unchanged, removed and added lines.
/// Removed lines come before the added lines that replace them.
pub fn diff_lines<'a>(before: &'a str, after: &'a str) -> Vec<Line<'a>> {
    let old: Vec<&str> = before.lines().collect();
    let new: Vec<&str> = after.lines().collect();
    let prefix = old.iter().zip(&new).take_while(|(a, b)| a == b).count();
    let suffix = old[prefix..].iter().rev().zip(new[prefix..].iter().rev()).take_while(|(a, b)| a == b).count();
    let old_mid = &old[prefix..old.len() - suffix];
    let new_mid = &new[prefix..new.len() - suffix];

    let mut ops = Vec::with_capacity(old.len() + new.len());
    ops.extend(std::iter::repeat_n(Op::Same, prefix));
    ops.extend(middle(old_mid, new_mid));
    ops.extend(std::iter::repeat_n(Op::Same, suffix));

    let (mut i, mut j) = (0, 0);
    ops.into_iter()
        .map(|op| match op {
            Op::Same => {
                let line = Line { op, old: Some(i + 1), new: Some(j + 1), text: old[i] };
                i += 1;
                j += 1;
                line
            }
            Op::Removed => {
                let line = Line { op, old: Some(i + 1), new: None, text: old[i] };
                i += 1;
                line
            }
            Op::Added => {
                let line = Line { op, old: None, new: Some(j + 1), text: new[j] };
                j += 1;
                line
            }
        })
        .collect()
}

/// The operations turning `old` into `new`, by longest common subsequence.
fn middle(old: &[&str], new: &[&str]) -> Vec<Op> {
    let (n, m) = (old.len(), new.len());
    if n == 0 || m == 0 || n.saturating_mul(m) > MAX_CELLS {
        let mut ops = vec![Op::Removed; n];
        ops.extend(std::iter::repeat_n(Op::Added, m));
        return ops;
    }
    // lcs[i][j]: the longest common subsequence of old[i..] and new[j..].
    // Lengths fit in u32 since n * m is bounded.
    let width = m + 1;
    let mut lcs = vec![0u32; (n + 1) * width];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i * width + j] = if old[i] == new[j] {
                lcs[(i + 1) * width + j + 1] + 1
            } else {
                lcs[(i + 1) * width + j].max(lcs[i * width + j + 1])
            };
        }
    }
    let mut ops = Vec::with_capacity(n + m);
    let (mut i, mut j) = (0, 0);
    while i < n && j < m {
        if old[i] == new[j] {
            ops.push(Op::Same);
            i += 1;
            j += 1;
        } else if lcs[(i + 1) * width + j] >= lcs[i * width + j + 1] {
            ops.push(Op::Removed);
            i += 1;
        } else {
            ops.push(Op::Added);
            j += 1;
        }
    }
    ops.extend(std::iter::repeat_n(Op::Removed, n - i));
    ops.extend(std::iter::repeat_n(Op::Added, m - j));
    ops
}

/// The changed lines with up to `context` unchanged lines around each
/// change, as hunks (runs of lines shown together). No change: no hunk.
pub fn hunks<'a>(lines: &[Line<'a>], context: usize) -> Vec<Vec<Line<'a>>> {
    let changed: Vec<usize> = lines.iter().enumerate().filter(|(_, l)| l.op != Op::Same).map(|(i, _)| i).collect();
    let mut out: Vec<Vec<Line<'a>>> = Vec::new();
    let mut range: Option<(usize, usize)> = None;
    for &c in &changed {
        let start = c.saturating_sub(context);
        let end = (c + context + 1).min(lines.len());
        range = match range {
            Some((s, e)) if start <= e => Some((s, end.max(e))),
            Some((s, e)) => {
                out.push(lines[s..e].to_vec());
                Some((start, end))
            }
            None => Some((start, end)),
        };
    }
    if let Some((s, e)) = range {
        out.push(lines[s..e].to_vec());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The diff as unified-diff lines, for compact expectations.
    fn show(before: &str, after: &str) -> Vec<String> {
        diff_lines(before, after).iter().map(|l| format!("{}{}", l.op.marker(), l.text)).collect()
    }

    /// Both texts are recovered from the diff, and its unchanged lines are a
    /// common subsequence as long as the longest one.
    fn check_consistent(before: &str, after: &str) {
        let lines = diff_lines(before, after);
        let old: Vec<&str> = lines.iter().filter(|l| l.op != Op::Added).map(|l| l.text).collect();
        let new: Vec<&str> = lines.iter().filter(|l| l.op != Op::Removed).map(|l| l.text).collect();
        assert_eq!(old, before.lines().collect::<Vec<_>>());
        assert_eq!(new, after.lines().collect::<Vec<_>>());
        let same = lines.iter().filter(|l| l.op == Op::Same).count();
        let a: Vec<&str> = before.lines().collect();
        let b: Vec<&str> = after.lines().collect();
        if a.len() * b.len() <= MAX_CELLS {
            assert_eq!(same, naive_lcs(&a, &b), "{before:?} → {after:?}");
        }
        for (k, l) in lines.iter().enumerate() {
            if let (Some(o), Some(n)) = (l.old, l.new) {
                assert_eq!((a[o - 1], b[n - 1]), (l.text, l.text), "line {k} numbers");
            }
        }
    }

    /// The length of the longest common subsequence, by plain recursion with
    /// memo: an independent check on the table above.
    fn naive_lcs(a: &[&str], b: &[&str]) -> usize {
        fn go(a: &[&str], b: &[&str], memo: &mut std::collections::HashMap<(usize, usize), usize>) -> usize {
            if a.is_empty() || b.is_empty() {
                return 0;
            }
            if let Some(&v) = memo.get(&(a.len(), b.len())) {
                return v;
            }
            let v = if a[0] == b[0] {
                1 + go(&a[1..], &b[1..], memo)
            } else {
                go(&a[1..], b, memo).max(go(a, &b[1..], memo))
            };
            memo.insert((a.len(), b.len()), v);
            v
        }
        go(a, b, &mut Default::default())
    }

    #[test]
    fn identical_texts_have_no_changes_and_no_hunks() {
        let text = "a\nb\nc\n";
        assert_eq!(show(text, text), [" a", " b", " c"]);
        assert!(hunks(&diff_lines(text, text), 3).is_empty());
        assert!(diff_lines("", "").is_empty());
    }

    #[test]
    fn a_changed_line_is_removed_then_added() {
        assert_eq!(
            show("id: a\ntitle: Old\nteam: t\n", "id: a\ntitle: New\nteam: t\n"),
            [" id: a", "-title: Old", "+title: New", " team: t"]
        );
    }

    #[test]
    fn insertions_and_deletions_in_the_middle_keep_the_common_lines() {
        assert_eq!(show("a\nb\nc\nd\n", "a\nc\nx\nd\n"), [" a", "-b", " c", "+x", " d"]);
        assert_eq!(show("", "a\nb\n"), ["+a", "+b"]);
        assert_eq!(show("a\nb\n", ""), ["-a", "-b"]);
    }

    #[test]
    fn line_numbers_count_from_one_in_each_text() {
        let lines = diff_lines("a\nb\nc\n", "a\nx\nc\n");
        let numbers: Vec<_> = lines.iter().map(|l| (l.old, l.new)).collect();
        assert_eq!(numbers, [(Some(1), Some(1)), (Some(2), None), (None, Some(2)), (Some(3), Some(3))]);
    }

    #[test]
    fn diffs_are_consistent_and_minimal() {
        let cases = [
            ("a\nb\nc\n", "c\nb\na\n"),
            ("a\nb\na\nb\n", "b\na\nb\na\n"),
            ("x\ny\nz\n", "p\nq\n"),
            ("same\nsame\nsame\n", "same\n"),
            ("- id: m1\n  due: 2026-01-01\n- id: m2\n", "- id: m0\n- id: m1\n  due: 2026-02-01\n- id: m2\n"),
        ];
        for (before, after) in cases {
            check_consistent(before, after);
            check_consistent(after, before);
        }
        // Every pair of short texts over a two-letter alphabet.
        let texts: Vec<String> = (0..64u32)
            .flat_map(|bits| {
                (0..=5).map(move |len| (0..len).map(|k| if bits >> k & 1 == 1 { "a\n" } else { "b\n" }).collect())
            })
            .collect();
        for before in &texts {
            for after in texts.iter().step_by(7) {
                check_consistent(before, after);
            }
        }
    }

    #[test]
    fn a_middle_too_large_for_the_table_is_replaced_whole_but_correctly() {
        let before: String = (0..1100).map(|i| format!("old {i}\n")).collect();
        let after: String = (0..1100).map(|i| format!("new {i}\n")).collect();
        let lines = diff_lines(&before, &after);
        assert_eq!(lines.iter().filter(|l| l.op == Op::Removed).count(), 1100);
        assert_eq!(lines.iter().filter(|l| l.op == Op::Added).count(), 1100);
        check_consistent(&before, &after);
    }

    #[test]
    fn hunks_keep_context_and_merge_when_close() {
        let before: String = (1..=20).map(|i| format!("{i}\n")).collect();
        let after: String = (1..=20)
            .map(|i| match i {
                3 => "three\n".to_string(),
                5 => "five\n".to_string(),
                18 => "eighteen\n".to_string(),
                _ => format!("{i}\n"),
            })
            .collect();
        let lines = diff_lines(&before, &after);
        let hunks = hunks(&lines, 2);
        assert_eq!(hunks.len(), 2, "3 and 5 share a hunk, 18 has its own");
        let first: Vec<_> = hunks[0].iter().map(|l| format!("{}{}", l.op.marker(), l.text)).collect();
        assert_eq!(first, [" 1", " 2", "-3", "+three", " 4", "-5", "+five", " 6", " 7"]);
        let second: Vec<_> = hunks[1].iter().map(|l| format!("{}{}", l.op.marker(), l.text)).collect();
        assert_eq!(second, [" 16", " 17", "-18", "+eighteen", " 19", " 20"]);
    }
}
