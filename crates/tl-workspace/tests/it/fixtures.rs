//! Data-driven rule fixtures: `tests/fixtures/rules/<rule-id>/` holds a small
//! workspace under `input/` and the diagnostics it must produce in
//! `expected.txt`. Each fixture must trip the rule it is named after, and
//! every rule in the catalogue must have a fixture.

use crate::{expect_file, repo_root};
use std::collections::BTreeSet;
use std::path::Path;
use tl_engine::rules::RULES;
use tl_workspace::{load, render};

fn fixtures_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Renders a workspace's diagnostics with paths relative to `root`.
pub fn rendered(root: &Path) -> (String, BTreeSet<&'static str>) {
    let ws = load(root);
    let mut sources = ws.sources.clone();
    for f in &mut sources.files {
        if let Ok(rel) = f.path.strip_prefix(root) {
            f.path = rel.to_path_buf();
        }
    }
    let rules = ws.diagnostics.iter().map(|d| d.rule).collect();
    // Messages that quote a path (io-error) quote it as loaded; make them
    // independent of where the repository is checked out.
    let text = render::human_all(&sources, &ws.diagnostics, false).replace(&format!("{}/", root.display()), "");
    (text, rules)
}

#[test]
fn every_rule_fixture_trips_its_rule_and_matches_expected() {
    let dir = fixtures_dir().join("rules");
    let mut failures = Vec::new();
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).expect("fixtures/rules exists") {
        let path = entry.expect("entry").path();
        let rule = path.file_name().unwrap().to_string_lossy().to_string();
        let (text, rules) = rendered(&path.join("input"));
        if !rules.contains(rule.as_str()) {
            failures.push(format!("fixture `{rule}` does not trip `{rule}`; it reports {rules:?}"));
        }
        expect_file(&path.join("expected.txt"), &text);
        n += 1;
    }
    assert!(n > 0, "no fixtures found");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_rule_has_a_fixture() {
    let dir = fixtures_dir().join("rules");
    let missing: Vec<&str> = RULES.iter().map(|r| r.id).filter(|id| !dir.join(id).join("input").is_dir()).collect();
    assert!(missing.is_empty(), "rules without a fixture: {missing:?}");
}

#[test]
fn broken_workspace_trips_every_lint_rule() {
    let (text, rules) = rendered(&fixtures_dir().join("broken"));
    let missing: Vec<&str> =
        RULES.iter().filter(|r| !r.load_check).map(|r| r.id).filter(|id| !rules.contains(id)).collect();
    assert!(missing.is_empty(), "the broken workspace does not trip {missing:?}");
    expect_file(&fixtures_dir().join("broken.expected.txt"), &text);
}

#[test]
fn example_organisation_has_no_errors_and_few_warnings() {
    let root = repo_root().join("examples/acme");
    let ws = load(&root);
    let errors = ws.count(tl_engine::Severity::Error);
    let warnings = ws.count(tl_engine::Severity::Warning);
    assert_eq!(errors, 0, "{}", render::human_all(&ws.sources, &ws.diagnostics, false));
    assert!(warnings <= 4, "acme should show off only a few deliberate warnings, found {warnings}");
    assert!(ws.model.teams.len() >= 8 && ws.model.people.len() >= 55, "acme is a mid-size company");
    assert!(ws.model.initiatives.len() >= 35);
    assert!(ws.model.milestones().count() >= 70);
    assert!(ws.model.dependencies.len() >= 35);
    assert!(ws.model.debt.len() >= 20);
}
