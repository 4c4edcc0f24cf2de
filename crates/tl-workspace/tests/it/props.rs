//! Property tests: the loader never panics, whatever the bytes, and always
//! answers with diagnostics rather than failing.

use crate::repo_root;
use proptest::prelude::*;
use std::path::PathBuf;
use tl_workspace::load_texts;

fn load_one(text: String) -> tl_workspace::Workspace {
    load_texts(vec![(PathBuf::from("fuzz.yaml"), text)])
}

fn acme_texts() -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![repo_root().join("examples/acme")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(std::fs::read_to_string(p).unwrap());
            }
        }
    }
    out.sort();
    out
}

/// Every diagnostic of a loaded text points inside that text.
fn assert_locations_in_bounds(text: &str, ws: &tl_workspace::Workspace) {
    let n_lines = text.lines().count().max(1) as u32 + 1;
    for d in &ws.diagnostics {
        if d.loc.is_known() {
            assert!(d.loc.line <= n_lines, "{d:?} points past the end of the text");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,400}") {
        let ws = load_one(text.clone());
        assert_locations_in_bounds(&text, &ws);
    }

    #[test]
    fn yaml_shaped_text_never_panics(lines in prop::collection::vec("( {0,6})(- )?(id|name|teams|people|effort|initiatives|milestones|key_results|[a-z]{1,8})?: ?(\\[|\\{|&a|\\*a|[a-z0-9 .-]{0,12}|\"[^\"]{0,5})", 0..40)) {
        let text = lines.join("\n");
        let ws = load_one(text.clone());
        assert_locations_in_bounds(&text, &ws);
    }

    #[test]
    fn mutated_example_never_panics(file in 0usize..64, cut in 0usize..100_000, len in 0usize..200, insert in "[\\PC\\n ]{0,20}") {
        let texts = acme_texts();
        let text = &texts[file % texts.len()];
        let mut chars: Vec<char> = text.chars().collect();
        let at = cut % (chars.len() + 1);
        let end = (at + len).min(chars.len());
        chars.splice(at..end, insert.chars());
        let mutated: String = chars.into_iter().collect();
        let ws = load_one(mutated.clone());
        assert_locations_in_bounds(&mutated, &ws);
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    for text in [
        "[".repeat(100_000) + &"]".repeat(100_000),
        "- ".repeat(50_000) + "x",
        "{a: ".repeat(20_000) + &"}".repeat(20_000),
    ] {
        let ws = load_one(text);
        assert!(ws.unreadable(), "deep nesting is reported as a syntax error");
    }
}

#[test]
fn alias_bombs_are_capped() {
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let prev = i - 1;
        text.push_str(&format!("a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"));
    }
    let ws = load_one(text);
    assert!(ws.unreadable(), "{:?}", ws.diagnostics);
}
