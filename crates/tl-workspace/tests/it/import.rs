//! The importers on realistic exports written for these tests
//! (`tests/fixtures/import/`): each import's report and events are compared
//! with a side-by-side `.expected.txt`, and the properties that matter are
//! also asserted directly. Property tests check that the CSV reader and the
//! importers never panic, and that the reader round-trips what it writes.

use std::fmt::Write as _;
use std::path::PathBuf;

use proptest::prelude::*;
use tl_engine::FileId;
use tl_workspace::import::{
    self, ImportError, ImportOptions, Imported, Mappings, Outcome, csv, github_json, incidents_csv, jira_csv,
    parse_mappings,
};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import")
}

pub(crate) fn fixture(name: &str) -> String {
    std::fs::read_to_string(dir().join(name)).expect("fixture")
}

fn mappings() -> Mappings {
    parse_mappings(FileId(0), &fixture("mappings.yaml")).expect("mappings.yaml decodes")
}

pub(crate) fn options() -> ImportOptions {
    ImportOptions { mappings: mappings(), ..ImportOptions::default() }
}

fn opt(x: &Option<impl std::fmt::Display>) -> String {
    x.as_ref().map_or("-".into(), |x| x.to_string())
}

/// The report, then one line per event with its assignment.
fn render(imported: &Imported) -> String {
    let mut out = imported.report.to_string();
    let assigned = |team: &Option<tl_engine::model::Id>, initiative: &Option<tl_engine::model::Id>| {
        format!("team {} initiative {}", opt(&team.as_ref().map(|t| &t.0)), opt(&initiative.as_ref().map(|i| &i.0)))
    };
    for i in &imported.work_items {
        let w = &i.event;
        writeln!(
            out,
            "line {}: work item {} ({}) {} [{}] created {} resolved {} updated {}\n  labels {:?} components {:?} sprints {:?} versions {:?} epic {} parent {} priority {} assignee {} reporter {} repo {}\n  {}",
            i.line,
            w.key,
            opt(&w.source_id),
            w.kind,
            w.status,
            w.created,
            opt(&w.resolved),
            opt(&w.updated),
            w.labels,
            w.components,
            w.sprints,
            w.fix_versions,
            opt(&w.epic),
            opt(&w.parent),
            opt(&w.priority),
            opt(&w.assignee),
            opt(&w.reporter),
            opt(&w.repository),
            assigned(&i.team, &i.initiative),
        )
        .unwrap();
    }
    for i in &imported.pull_requests {
        let p = &i.event;
        writeln!(
            out,
            "line {}: pull request {} repo {} author {} created {} merged {} merge commit {}\n  first commit {} first review {}\n  {}",
            i.line,
            p.id,
            p.repo_id,
            p.author,
            p.created,
            opt(&p.merged),
            opt(&p.merge_commit_sha),
            opt(&p.first_commit.as_ref().map(|(sha, at)| format!("{sha} at {at}"))),
            opt(&p.first_review.as_ref().map(|(id, at)| format!("{id} at {at}"))),
            assigned(&i.team, &i.initiative),
        )
        .unwrap();
    }
    for i in &imported.incidents {
        let e = &i.event;
        writeln!(
            out,
            "line {}: incident {} service {:?} created {} resolved {} severity {}\n  {}",
            i.line,
            e.id,
            e.service,
            e.created,
            opt(&e.resolved),
            opt(&e.severity),
            assigned(&i.team, &i.initiative),
        )
        .unwrap();
    }
    out
}

fn check(fixture_name: &str, imported: &Imported) {
    let expected = dir().join(format!("{fixture_name}.expected.txt"));
    crate::expect_file(&expected, &render(imported));
}

fn note(imported: &Imported, line: u32) -> String {
    imported.report.lines.iter().find(|l| l.line == line).map(|l| l.to_string()).unwrap_or_default()
}

#[test]
fn jira_export_with_repeated_columns_and_multiline_description() {
    let imported = jira_csv(&fixture("jira.csv"), &options()).expect("imports");
    check("jira.csv", &imported);
    let r = &imported.report;
    assert_eq!((r.read, r.imported, r.skipped, r.rejected), (9, 5, 1, 3));

    // Every repeated column is read.
    let pay12 = &imported.work_items.iter().find(|i| i.event.key == "PAY-12").unwrap();
    assert_eq!(pay12.event.components, ["Checkout API", "Ledger"]);
    assert_eq!(pay12.event.labels, ["payments", "q1-goals"]);
    assert_eq!(pay12.event.sprints, ["PAY Sprint 7", "PAY Sprint 8"]);
    assert_eq!(pay12.event.fix_versions, ["2024.03", "2024.04"]);
    assert_eq!(pay12.event.created.to_string(), "2024-03-12T16:05:00Z");
    // Team from the first rule that sets one (component Ledger), initiative
    // from the first that sets one (label payments).
    assert_eq!(pay12.team.as_ref().unwrap().0, "ledger");
    assert_eq!(pay12.initiative.as_ref().unwrap().0, "i-checkout-split");

    // The three-line description: the row after it starts on line 6.
    assert_eq!(note(&imported, 8), "line 8: rejected: PAY-15: Created \"31/Feb/24\" is not a date");
    assert_eq!(note(&imported, 9), "line 9: rejected: Issue key is empty");
    assert!(note(&imported, 10).starts_with("line 10: skipped: Issue key PAY-12 again; the row on line 3 is kept"));
    assert!(note(&imported, 11).contains("4 fields, but the header has 28"));

    // A numeric Parent resolves to its key, and the epic follows parents.
    let by_key = |k: &str| &imported.work_items.iter().find(|i| i.event.key == k).unwrap().event;
    assert_eq!(by_key("PAY-13").parent.as_deref(), Some("PAY-1"));
    assert_eq!(by_key("PAY-13").epic.as_deref(), Some("PAY-1"));
    assert_eq!(by_key("PAY-14").parent.as_deref(), Some("PAY-12"));
    assert_eq!(by_key("PAY-14").epic.as_deref(), Some("PAY-1"));
}

#[test]
fn jira_times_without_offset_use_the_given_offset() {
    let options = ImportOptions { utc_offset: jiff::tz::Offset::from_hours(-7).unwrap(), ..ImportOptions::default() };
    let imported = jira_csv(&fixture("jira.csv"), &options).unwrap();
    let pay12 = imported.work_items.iter().find(|i| i.event.key == "PAY-12").unwrap();
    assert_eq!(pay12.event.created.to_string(), "2024-03-12T23:05:00Z");
}

#[test]
fn malformed_jira_file_imports_nothing() {
    let err = jira_csv(&fixture("jira-malformed.csv"), &options()).unwrap_err();
    assert_eq!(
        err,
        ImportError::Malformed {
            format: "Jira CSV".into(),
            line: 3,
            column: 79,
            message: "a quoted field is never closed".into()
        }
    );
    assert_eq!(err.to_string(), "line 3, column 79: malformed Jira CSV: a quoted field is never closed");
}

#[test]
fn a_file_that_is_not_a_jira_export_is_refused_with_a_hint() {
    let err = jira_csv("Key,Issue-key,Type,Status,Created\r\nPAY-1,PAY-1,Story,Done,01/Mar/24\r\n", &options());
    assert_eq!(
        err.unwrap_err().to_string(),
        "line 1: not Jira CSV: the header has no `Issue key` column (is `Issue-key` it?)"
    );
    assert!(matches!(jira_csv("", &options()), Err(ImportError::NotThisFormat { .. })));
}

#[test]
fn gh_pull_requests() {
    let imported = github_json(&fixture("gh-prs.json"), &options()).expect("imports");
    check("gh-prs.json", &imported);
    let pr = &imported.pull_requests[0];
    assert_eq!(pr.line, 2);
    assert_eq!(pr.event.id, "acme/shop#101");
    // Alice's own review does not count; Bob's came before Carol's.
    assert_eq!(pr.event.first_review.as_ref().unwrap().0, "PRR_kwDOA1_2");
    assert_eq!(pr.event.first_commit.as_ref().unwrap().0, "0f1e2d3c4b5a69788796a5b4c3d2e1f009876543");
    assert_eq!(imported.report.rejected, 1);
    assert!(note(&imported, 88).contains("createdAt \"yesterday\" is not a date"), "{}", imported.report);
}

#[test]
fn gh_output_without_url_needs_the_repository() {
    let text = r#"[{"number": 5, "createdAt": "2024-03-01T00:00:00Z", "mergedAt": null}]"#;
    let without = github_json(text, &ImportOptions::default()).unwrap();
    assert_eq!(without.report.rejected, 1);
    assert!(without.report.lines[0].message.starts_with("no repository"));
    let with = ImportOptions { repository: Some("acme/shop".into()), ..ImportOptions::default() };
    let imported = github_json(text, &with).unwrap();
    assert_eq!(imported.pull_requests[0].event.id, "acme/shop#5");
}

#[test]
fn rest_pull_requests_paginated() {
    let imported = github_json(&fixture("rest-pulls.json"), &options()).expect("imports");
    check("rest-pulls.json", &imported);
    assert_eq!((imported.report.read, imported.report.imported, imported.report.skipped), (3, 2, 1));
    // An open pull request's merge_commit_sha is GitHub's test merge: dropped.
    let open = imported.pull_requests.iter().find(|p| p.event.id == "acme/ledger#8").unwrap();
    assert_eq!(open.event.merge_commit_sha, None);
}

#[test]
fn rest_issues_become_work_items() {
    let imported = github_json(&fixture("rest-issues.json"), &options()).expect("imports");
    check("rest-issues.json", &imported);
    assert_eq!(imported.work_items.len(), 2);
    assert_eq!(imported.report.skipped, 1);
    assert_eq!(imported.report.rejected, 1);
    let outcomes: Vec<Outcome> = imported.report.lines.iter().map(|l| l.outcome).collect();
    assert_eq!(outcomes, [Outcome::Skipped, Outcome::Rejected]);
}

#[test]
fn malformed_json_imports_nothing() {
    let err = github_json(&fixture("malformed.json"), &options()).unwrap_err();
    assert!(matches!(err, ImportError::Malformed { line: 4, .. }), "{err}");
    assert!(matches!(github_json("{\"a\": 1} 7", &options()), Err(ImportError::NotThisFormat { .. })));
}

#[test]
fn pagerduty_incidents() {
    let imported = incidents_csv(&fixture("pagerduty.csv"), &options()).expect("imports");
    check("pagerduty.csv", &imported);
    assert_eq!(imported.report.format, "PagerDuty CSV");
    assert_eq!(imported.incidents[0].event.created.to_string(), "2024-03-12T23:20:00Z");
    assert_eq!(imported.incidents[1].line, 4);
    assert_eq!(imported.incidents[1].event.severity.as_deref(), Some("low"));
    assert!(note(&imported, 5).contains("resolved_on 2024-03-14T09:00:00Z is before created_on"));
}

#[test]
fn opsgenie_alerts() {
    let imported = incidents_csv(&fixture("opsgenie.csv"), &options()).expect("imports");
    check("opsgenie.csv", &imported);
    assert_eq!(imported.report.format, "Opsgenie CSV");
    let first = &imported.incidents[0].event;
    assert_eq!(first.service, "checkout-api");
    assert_eq!(first.resolved.unwrap().to_string(), "2024-03-13T00:05:41.008Z");
    assert_eq!(imported.incidents[1].event.resolved, None);
    assert_eq!(imported.report.remarks.len(), 1);
    assert_eq!(note(&imported, 4), "line 4: rejected: opsgenie:313: CreatedAt \"13/03/2024 08:00\" is not a date");
}

#[test]
fn unknown_incident_csv_is_refused() {
    let err = incidents_csv("when,what\n2024-03-01,outage\n", &options()).unwrap_err();
    assert!(matches!(err, ImportError::NotThisFormat { line: 1, .. }), "{err}");
}

#[test]
fn mapping_file_errors_are_located_with_did_you_mean() {
    let diags = parse_mappings(FileId(0), &fixture("mappings-bad.yaml")).unwrap_err();
    let text: Vec<String> = diags
        .iter()
        .map(|d| {
            format!("{}:{} {}: {} ({})", d.loc.line, d.loc.col, d.rule, d.message, d.hint.clone().unwrap_or_default())
        })
        .collect();
    assert_eq!(
        text,
        [
            "3:5 unknown-field: unknown field `tem` in a mapping (did you mean `team`?)",
            "2:5 invalid-value: this mapping gives no `team`, `initiative` or `milestone` (add `team:`, `initiative:`, `milestone:` or several)",
            "4:14 unknown-field: unknown field `compnent` in a match (did you mean `component`?)",
            "4:12 invalid-value: this `match` has no condition, so it would match every item (give one of `label`, `component`, `epic`, `repository` or `service`)",
            "6:12 invalid-value: this `match` has no condition, so it would match every item (give one of `label`, `component`, `epic`, `repository` or `service`)",
            "8:5 invalid-value: this mapping gives no `team`, `initiative` or `milestone` (add `team:`, `initiative:`, `milestone:` or several)",
        ]
    );
    let syntax = parse_mappings(FileId(0), "mappings:\n  - match: { label: [\n").unwrap_err();
    assert_eq!(syntax[0].rule, "yaml-syntax");
}

#[test]
fn mapping_references_are_checked_against_the_workspace() {
    let ws = tl_workspace::load(&crate::repo_root().join("examples/acme"));
    let rules = parse_mappings(FileId(0), "mappings:\n  - match: { label: pay }\n    team: paymnts\n").unwrap();
    let diags = rules.check(&ws.model);
    assert_eq!(diags.len(), 1);
    assert_eq!(diags[0].message, "there is no team `paymnts`");
    assert_eq!(diags[0].hint.as_deref(), Some("did you mean `payments`?"));
    assert_eq!((diags[0].loc.line, diags[0].loc.col), (3, 11));
}

#[test]
fn github_times_out_of_order_are_rejected_rows_not_a_failed_import() {
    let text = r#"[
  {"number": 1, "url": "https://github.com/acme/shop/pull/1", "createdAt": "2024-03-02T00:00:00Z",
   "mergedAt": "2024-03-01T00:00:00Z", "headRefName": "f"},
  {"number": 2, "url": "https://github.com/acme/shop/issues/2", "createdAt": "2024-03-02T00:00:00Z",
   "closedAt": "2024-03-01T00:00:00Z", "state": "CLOSED"},
  {"number": 3, "url": "https://github.com/acme/shop/issues/3", "createdAt": "2024-03-02T00:00:00Z", "state": "OPEN"}
]"#;
    let imported = github_json(text, &ImportOptions::default()).unwrap();
    assert_eq!((imported.report.rejected, imported.report.imported), (2, 1));
    assert!(imported.report.lines[0].message.contains("mergedAt 2024-03-01T00:00:00Z is before createdAt"));
    assert!(imported.report.lines[1].message.contains("closedAt 2024-03-01T00:00:00Z is before createdAt"));
}

#[test]
fn milestones_are_mapped_and_checked_too() {
    let ws = tl_workspace::load(&crate::repo_root().join("examples/acme"));
    let text = "mappings:\n  - match: { epic: RISK-1 }\n    milestone: m-fraud-shadow\n  - match: { label: risk }\n    milestone: m-fraud-shadw\n    team: payments\n";
    let rules = parse_mappings(FileId(0), text).unwrap();
    let diags = rules.check(&ws.model);
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(diags[0].message, "there is no milestone `m-fraud-shadw`");
    assert_eq!(diags[0].hint.as_deref(), Some("did you mean `m-fraud-shadow`?"));
    let labels = vec!["risk".to_string()];
    let facts = import::Facts { labels: &labels, epics: vec!["RISK-1"], ..import::Facts::default() };
    let got = rules.assign(&facts);
    assert_eq!(got.milestone.map(|m| m.0), Some("m-fraud-shadow".to_string()), "the first rule that sets it");
    assert_eq!(got.team.map(|t| t.0), Some("payments".to_string()));
}

fn records() -> impl Strategy<Value = Vec<Vec<String>>> {
    let field = prop_oneof!["[a-z ,\"\r\n]{0,8}", "\\PC{0,12}", Just(String::new())];
    prop::collection::vec(prop::collection::vec(field, 1..6), 0..8)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn csv_reader_never_panics(text in "[a-z,\"\r\n\u{feff} ]{0,200}|\\PC{0,200}") {
        if let Ok(records) = csv::read(&text) {
            let n_lines = text.split('\n').count() as u32 + text.matches('\r').count() as u32 + 1;
            for r in records {
                prop_assert!(r.line >= 1 && r.line <= n_lines);
            }
        }
    }

    #[test]
    fn csv_round_trips_what_it_writes(records in records()) {
        let text = csv::write(&records);
        let read = csv::read(&text).expect("reads what it wrote");
        let fields: Vec<Vec<String>> = read.into_iter().map(|r| r.fields).collect();
        prop_assert_eq!(fields, records);
    }

    #[test]
    fn importers_never_panic(text in "[a-zA-Z0-9 ,:/\"\r\n{}\\[\\]_-]{0,300}") {
        let options = ImportOptions::default();
        let _ = jira_csv(&text, &options);
        let _ = github_json(&text, &options);
        let _ = incidents_csv(&text, &options);
        let _ = import::time::parse(&text, jiff::tz::Offset::UTC, import::DateOrder::MonthFirst);
    }

    #[test]
    fn mutated_exports_never_panic(file in 0usize..6, cut in 0usize..10_000, len in 0usize..40, insert in "[\\PC\\n\",{}]{0,10}") {
        let names = ["jira.csv", "gh-prs.json", "rest-pulls.json", "rest-issues.json", "pagerduty.csv", "opsgenie.csv"];
        let mut chars: Vec<char> = fixture(names[file]).chars().collect();
        let at = cut % (chars.len() + 1);
        let end = (at + len).min(chars.len());
        chars.splice(at..end, insert.chars());
        let text: String = chars.into_iter().collect();
        let options = options();
        let results = [jira_csv(&text, &options), github_json(&text, &options), incidents_csv(&text, &options)];
        for imported in results.into_iter().flatten() {
            let r = &imported.report;
            prop_assert_eq!(r.read, r.imported + r.skipped + r.rejected);
        }
    }
}
