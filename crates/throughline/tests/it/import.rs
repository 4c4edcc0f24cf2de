//! `throughline import` end to end: small exports written for these tests
//! (`tests/fixtures/import/`, with the tools' real header names), imported
//! into a SQLite file that holds the acme plan, then read back with the
//! store.

use super::{code, repo, run, stdout, temp_dir};
use std::path::PathBuf;
use std::process::Output;
use tl_store::{Store, StoredWorkItem, TimeWindow, WorkItemFilter};

fn sample(name: &str) -> String {
    repo().join("crates/throughline/tests/fixtures/import").join(name).display().to_string()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A database with acme applied.
fn database(name: &str) -> (PathBuf, String) {
    let dir = temp_dir(name);
    std::fs::create_dir_all(&dir).unwrap();
    let url = dir.join("t.db").display().to_string();
    let out = run(&["apply", "examples/acme", "--database-url", &url]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    (dir, url)
}

fn import(url: &str, args: &[&str]) -> Output {
    let mut all = vec!["import"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--database-url", url]);
    run(&all)
}

fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(f)
}

fn work_items(url: &str) -> Vec<StoredWorkItem> {
    block_on(async {
        let store = tl_store::open(url).await.unwrap();
        let items = store.work_items(WorkItemFilter::default()).await.unwrap();
        store.close().await;
        items
    })
}

fn incident_count(url: &str) -> usize {
    block_on(async {
        let store = tl_store::open(url).await.unwrap();
        let n = store.events(TimeWindow::all()).await.unwrap().incidents.len();
        store.close().await;
        n
    })
}

#[test]
fn jira_import_reports_line_by_line_maps_and_is_idempotent() {
    let (dir, url) = database("import-jira");
    let (jira, mapping) = (sample("jira.csv"), sample("mapping.yaml"));
    let out = import(&url, &["jira", &jira, "--mapping", &mapping]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "Jira CSV: read 7, imported 4, skipped 1, rejected 2, unmapped 0\n\
         line 7: rejected: LED-4: Created \"31/Feb/24 9:00 AM\" is not a date\n\
         line 8: rejected: Issue key is empty\n\
         line 9: skipped: Issue key CO-9 again; the row on line 5 is kept\n\
         recorded: work items 4 new, 0 updated, 0 unchanged\n"
    );

    let items = work_items(&url);
    let keys: Vec<&str> = items.iter().map(|w| w.item.key.as_str()).collect();
    assert_eq!(keys, ["CO-1", "CO-7", "CO-9", "CO-11"]);
    let co7 = &items[1].item;
    assert_eq!((co7.source.as_str(), co7.kind.as_str(), co7.status.as_str()), ("jira", "Story", "Done"));
    assert_eq!(co7.resolved, Some("2024-03-01T17:00:00Z".parse().unwrap()));
    assert_eq!(co7.team.as_deref(), Some("checkout"));
    assert_eq!(co7.initiative.as_deref(), Some("i-checkout-extraction"));
    assert_eq!(co7.milestone.as_deref(), Some("m-co-service-shadow"));
    // The sub-task's parent id resolves to CO-9, whose epic maps it.
    let co11 = &items[3].item;
    assert_eq!((co11.epic.as_deref(), co11.initiative.as_deref()), (Some("CO-1"), Some("i-checkout-extraction")));
    assert_eq!(items[2].transitions.len(), 1);

    let again = import(&url, &["jira", &jira, "--mapping", &mapping, "--format", "json"]);
    assert_eq!(code(&again), 0, "{}", stderr(&again));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&again)).unwrap();
    assert_eq!(doc["recorded"]["work_items"], serde_json::json!({"inserted": 0, "updated": 0, "unchanged": 4}));
    assert_eq!(
        doc["lines"][0],
        serde_json::json!({"line": 7, "outcome": "rejected", "message": "LED-4: Created \"31/Feb/24 9:00 AM\" is not a date"})
    );
    assert_eq!(
        (doc["read"].as_u64(), doc["rejected"].as_u64(), doc["dry_run"].as_bool()),
        (Some(7), Some(2), Some(false))
    );
    assert_eq!(work_items(&url), items);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_malformed_file_writes_nothing_and_says_where() {
    let (dir, url) = database("import-malformed");
    let out = import(&url, &["jira", &sample("jira-malformed.csv")]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(err.contains("jira-malformed.csv:3:1: malformed Jira CSV: a quoted field is never closed"), "{err}");
    assert!(err.contains("hint:") && err.contains("nothing was written"), "{err}");
    assert!(stdout(&out).is_empty());

    // The wrong kind of export is refused with the column it lacks.
    let out = import(&url, &["pagerduty", &sample("jira.csv")]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("jira.csv:1: not PagerDuty CSV: the header has no `id` column"), "{}", stderr(&out));
    assert!(work_items(&url).is_empty());
    assert_eq!(incident_count(&url), 0);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn mapping_rules_naming_what_the_plan_lacks_write_nothing() {
    let (dir, url) = database("import-mapping");
    let out = import(&url, &["jira", &sample("jira.csv"), "--mapping", &sample("mapping-typo.yaml")]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(err.contains("there is no initiative `i-checkout-extractoin`"), "{err}");
    assert!(err.contains("mapping-typo.yaml:3:17"), "{err}");
    assert!(err.contains("did you mean `i-checkout-extraction`?"), "{err}");
    assert!(work_items(&url).is_empty());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn dry_run_reads_and_reports_without_a_database() {
    let dir = temp_dir("import-dry");
    std::fs::create_dir_all(&dir).unwrap();
    let url = dir.join("never.db").display().to_string();
    let out = import(&url, &["pagerduty", &sample("pagerduty.csv"), "--dry-run"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "PagerDuty CSV: read 3, imported 2, skipped 0, rejected 1, unmapped 2\n\
         line 4: rejected: pagerduty:Q2CO0003: created_on \"not a time\" is not a date\n\
         dry run: nothing was written\n"
    );
    assert!(!dir.join("never.db").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn incidents_and_github_issues_are_recorded() {
    let (dir, url) = database("import-incidents");
    let mapping = sample("mapping.yaml");
    let out = import(&url, &["pagerduty", &sample("pagerduty.csv"), "--mapping", &mapping]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).ends_with("recorded: incidents 2 new, 0 updated, 0 unchanged\n"), "{}", stdout(&out));
    let out = import(&url, &["opsgenie", &sample("opsgenie.csv"), "--mapping", &mapping]);
    assert!(stdout(&out).contains("resolved at UpdatedAt"), "{}", stdout(&out));
    assert!(stdout(&out).ends_with("recorded: incidents 2 new, 0 updated, 0 unchanged\n"), "{}", stdout(&out));
    assert_eq!(incident_count(&url), 4);

    let out = import(&url, &["github", &sample("github-issues.json"), "--mapping", &mapping]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let items = work_items(&url);
    let shop: Vec<(&str, &str, Option<&str>)> =
        items.iter().map(|w| (w.item.key.as_str(), w.item.status.as_str(), w.item.team.as_deref())).collect();
    assert_eq!(shop, [("acme/shop#41", "closed", Some("checkout")), ("acme/shop#57", "open", Some("checkout"))]);
    assert_eq!(items[0].item.source, "github");
    std::fs::remove_dir_all(&dir).unwrap();
}
