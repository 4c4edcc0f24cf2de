//! Work items: recorded with the events in one transaction, idempotent by
//! (source, key), status transitions observed between recordings, and read
//! back by window, team, initiative and milestone.

use crate::support::each_backend;
use jiff::Timestamp;
use tl_engine::delivery::Incident;
use tl_store::{Counts, Error, EventBatch, StatusTransition, Store, TimeWindow, WorkItemFilter, WorkItemRecord};

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn item(key: &str, status: &str, created: &str, resolved: Option<&str>) -> WorkItemRecord {
    WorkItemRecord {
        source: "jira".into(),
        key: key.into(),
        kind: "Story".into(),
        title: format!("Story {key}"),
        status: status.into(),
        created: at(created),
        resolved: resolved.map(at),
        updated: Some(resolved.map_or_else(|| at(created) + jiff::SignedDuration::from_hours(1), at)),
        epic: Some("PAY-1".into()),
        team: Some("payments".into()),
        initiative: Some("i-checkout".into()),
        milestone: None,
    }
}

fn items() -> Vec<WorkItemRecord> {
    let mut other = item("LED-3", "To Do", "2024-03-10T09:00:00Z", None);
    other.team = Some("ledger".into());
    other.initiative = None;
    other.milestone = Some("m-ledger-v2".into());
    vec![
        item("PAY-2", "In Progress", "2024-03-01T09:00:00Z", None),
        item("PAY-3", "Done", "2024-02-01T09:00:00Z", Some("2024-02-20T17:00:00Z")),
        other,
    ]
}

fn batch(items: Vec<WorkItemRecord>) -> EventBatch {
    EventBatch { work_items: items, ..Default::default() }
}

fn counts(inserted: u64, updated: u64, unchanged: u64) -> Counts {
    Counts { inserted, updated, unchanged }
}

fn keys(items: &[tl_store::StoredWorkItem]) -> Vec<&str> {
    items.iter().map(|w| w.item.key.as_str()).collect()
}

#[tokio::test]
async fn recording_the_same_items_twice_changes_nothing() {
    each_backend(async |t| {
        let store: &dyn Store = &t.store;
        let first = store.record_events(&batch(items())).await.unwrap();
        assert_eq!(first.work_items, counts(3, 0, 0));
        let before = store.work_items(WorkItemFilter::default()).await.unwrap();
        assert_eq!(keys(&before), ["PAY-3", "PAY-2", "LED-3"], "by creation");
        let mut written = items();
        written.sort_by_key(|w| w.created);
        assert_eq!(before.iter().map(|w| w.item.clone()).collect::<Vec<_>>(), written);
        // The first transition is the status the item was first seen with.
        assert_eq!(
            before[0].transitions,
            [StatusTransition { from: None, to: "Done".into(), at: at("2024-02-20T17:00:00Z") }]
        );

        let again = store.record_events(&batch(items())).await.unwrap();
        assert_eq!(again.work_items, counts(0, 0, 3));
        assert_eq!(store.work_items(WorkItemFilter::default()).await.unwrap(), before);

        // A repeat within one batch is a repeat too.
        let twice = batch(vec![items()[0].clone(), items()[0].clone()]);
        assert_eq!(store.record_events(&twice).await.unwrap().work_items, counts(0, 0, 2));
    })
    .await;
}

#[tokio::test]
async fn a_status_change_is_a_transition_and_other_changes_are_not() {
    each_backend(async |t| {
        let store: &dyn Store = &t.store;
        store.record_events(&batch(items())).await.unwrap();

        let mut done = items()[0].clone();
        done.status = "Done".into();
        done.resolved = Some(at("2024-03-05T12:00:00Z"));
        done.updated = done.resolved;
        let mut renamed = items()[2].clone();
        renamed.title = "Ledger v2 migration".into();
        let recorded = store.record_events(&batch(vec![done.clone(), renamed.clone()])).await.unwrap();
        assert_eq!(recorded.work_items, counts(0, 2, 0));

        let all = store.work_items(WorkItemFilter::default()).await.unwrap();
        let pay2 = all.iter().find(|w| w.item.key == "PAY-2").unwrap();
        assert_eq!(pay2.item, done);
        assert_eq!(
            pay2.transitions,
            [
                StatusTransition { from: None, to: "In Progress".into(), at: at("2024-03-01T10:00:00Z") },
                StatusTransition {
                    from: Some("In Progress".into()),
                    to: "Done".into(),
                    at: at("2024-03-05T12:00:00Z")
                },
            ]
        );
        let led3 = all.iter().find(|w| w.item.key == "LED-3").unwrap();
        assert_eq!(led3.item.title, "Ledger v2 migration");
        assert_eq!(led3.transitions.len(), 1, "a new title is no status change");

        // Back to In Progress: a third transition, numbered after the others.
        let mut reopened = done.clone();
        reopened.status = "In Progress".into();
        reopened.resolved = None;
        reopened.updated = Some(at("2024-03-06T08:00:00Z"));
        store.record_events(&batch(vec![reopened])).await.unwrap();
        let pay2 =
            store.work_items(WorkItemFilter::default()).await.unwrap().into_iter().find(|w| w.item.key == "PAY-2");
        let transitions = pay2.unwrap().transitions;
        assert_eq!(transitions.len(), 3);
        assert_eq!(transitions[2].from.as_deref(), Some("Done"));
        assert_eq!(transitions[2].at, at("2024-03-06T08:00:00Z"));
    })
    .await;
}

#[tokio::test]
async fn windows_and_links_select_items() {
    each_backend(async |t| {
        let store: &dyn Store = &t.store;
        store.record_events(&batch(items())).await.unwrap();
        let window = |from: &str, to: &str| WorkItemFilter {
            window: TimeWindow { from: at(from), to: at(to) },
            ..WorkItemFilter::default()
        };
        // Open at some moment of the window: PAY-3 was resolved on Feb 20.
        let march = store.work_items(window("2024-03-01T00:00:00Z", "2024-04-01T00:00:00Z")).await.unwrap();
        assert_eq!(keys(&march), ["PAY-2", "LED-3"]);
        let february = store.work_items(window("2024-02-01T00:00:00Z", "2024-03-01T00:00:00Z")).await.unwrap();
        assert_eq!(keys(&february), ["PAY-3"]);
        // The window is half-open: created at its end is outside.
        let before = store.work_items(window("2024-01-01T00:00:00Z", "2024-02-01T09:00:00Z")).await.unwrap();
        assert!(before.is_empty());

        let initiative = WorkItemFilter { initiative: Some("i-checkout".into()), ..WorkItemFilter::default() };
        let got = store.work_items(initiative).await.unwrap();
        assert_eq!(keys(&got), ["PAY-3", "PAY-2"]);
        assert!(got.iter().all(|w| !w.transitions.is_empty()));
        let team = WorkItemFilter { team: Some("ledger".into()), ..WorkItemFilter::default() };
        assert_eq!(keys(&store.work_items(team).await.unwrap()), ["LED-3"]);
        let milestone = WorkItemFilter {
            milestone: Some("m-ledger-v2".into()),
            team: Some("payments".into()),
            ..WorkItemFilter::default()
        };
        assert!(store.work_items(milestone).await.unwrap().is_empty(), "every given condition must hold");
    })
    .await;
}

#[tokio::test]
async fn a_bad_item_fails_the_whole_batch() {
    each_backend(async |t| {
        let store: &dyn Store = &t.store;
        let incident = Incident {
            id: "inc-1".into(),
            service: "api".into(),
            created: at("2024-03-01T00:00:00Z"),
            resolved: None,
            severity: None,
            root_cause_commit: None,
            deployment_id: None,
        };
        let mut bad = item("PAY-9", "Done", "2024-03-01T09:00:00Z", Some("2024-02-01T09:00:00Z"));
        bad.updated = None;
        let mut batch = batch(vec![items()[0].clone(), bad]);
        batch.incidents.push(incident);
        let err = store.record_events(&batch).await.unwrap_err();
        assert!(matches!(&err, Error::Invalid(m) if m.contains("PAY-9")), "{err}");

        let mut empty_key = items()[0].clone();
        empty_key.key.clear();
        assert!(matches!(store.record_events(&self::batch(vec![empty_key])).await, Err(Error::Invalid(_))));

        let mut other = items()[0].clone();
        other.title = "something else".into();
        let err = store.record_events(&self::batch(vec![items()[0].clone(), other])).await.unwrap_err();
        assert!(matches!(&err, Error::Invalid(m) if m.contains("two different")), "{err}");

        // Nothing of the failed batches was written, events included.
        assert!(store.work_items(WorkItemFilter::default()).await.unwrap().is_empty());
        assert!(store.events(TimeWindow::all()).await.unwrap().incidents.is_empty());
    })
    .await;
}

#[tokio::test]
async fn large_batches_are_chunked() {
    each_backend(async |t| {
        let store: &dyn Store = &t.store;
        let many: Vec<WorkItemRecord> =
            (0..1_000).map(|n| item(&format!("BIG-{n}"), "To Do", "2024-01-01T00:00:00Z", None)).collect();
        assert_eq!(store.record_events(&batch(many.clone())).await.unwrap().work_items, counts(1_000, 0, 0));
        assert_eq!(store.record_events(&batch(many)).await.unwrap().work_items, counts(0, 0, 1_000));
        let all = store.work_items(WorkItemFilter::default()).await.unwrap();
        assert_eq!(all.len(), 1_000);
        assert!(all.iter().all(|w| w.transitions.len() == 1));
    })
    .await;
}
