//! Delivery events: recording is idempotent by natural key, one batch is one
//! transaction, windows select by each event's moment, and cursors are
//! written with the events they cover.

use crate::support::each_backend;
use jiff::Timestamp;
use tl_engine::delivery::{Commit, Deployment, Incident, PullRequest, RunResult};
use tl_store::{CommitRecord, Counts, CursorUpdate, Error, EventBatch, Store, TimeWindow};

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn deployment(id: &str, finished: &str, commits: &[&str]) -> Deployment {
    Deployment {
        id: id.into(),
        name: format!("deploy {id}"),
        service: "api".into(),
        scope_id: "api".into(),
        environment: "PRODUCTION".into(),
        result: RunResult::Success,
        started: Some(at(finished) - jiff::SignedDuration::from_mins(5)),
        finished: Some(at(finished)),
        commits: commits.iter().map(|s| s.to_string()).collect(),
    }
}

fn commit(sha: &str, authored: &str, deployed: Option<(&str, &str)>) -> CommitRecord {
    CommitRecord {
        commit: Commit {
            sha: sha.into(),
            service: "api".into(),
            authored: Some(at(authored)),
            deployed: deployed.map(|(t, _)| at(t)),
            deployment_id: deployed.map(|(_, id)| id.to_string()),
        },
        committed: Some(at(authored) + jiff::SignedDuration::from_mins(1)),
        parents: vec![format!("{sha}-parent")],
    }
}

fn pull_request(id: &str, created: &str, merged: Option<&str>) -> PullRequest {
    PullRequest {
        id: id.into(),
        repo_id: "repo:api".into(),
        service: "api".into(),
        author: "alice".into(),
        created: at(created),
        merged: merged.map(at),
        merge_commit_sha: merged.map(|_| format!("{id}-merge")),
        first_commit: Some((format!("{id}-first"), at(created) - jiff::SignedDuration::from_hours(2))),
        first_review: Some((format!("{id}-review"), at(created) + jiff::SignedDuration::from_hours(1))),
        deployed: None,
        deployment_id: None,
    }
}

fn incident(id: &str, created: &str, resolved: Option<&str>) -> Incident {
    Incident {
        id: id.into(),
        service: "api".into(),
        created: at(created),
        resolved: resolved.map(at),
        severity: Some("SEV2".into()),
        root_cause_commit: None,
        deployment_id: Some("d1".into()),
    }
}

fn batch() -> EventBatch {
    EventBatch {
        deployments: vec![
            deployment("d1", "2024-03-01T12:00:00Z", &["c1", "c2"]),
            deployment("d2", "2024-03-08T12:00:00Z", &["c3"]),
        ],
        commits: vec![
            commit("c1", "2024-02-28T09:00:00Z", Some(("2024-03-01T12:00:00Z", "d1"))),
            commit("c2", "2024-02-29T09:00:00Z", Some(("2024-03-01T12:00:00Z", "d1"))),
            commit("c3", "2024-03-05T09:00:00Z", Some(("2024-03-08T12:00:00Z", "d2"))),
        ],
        pull_requests: vec![
            pull_request("pr1", "2024-02-27T10:00:00Z", Some("2024-02-29T10:00:00Z")),
            pull_request("pr2", "2024-03-06T10:00:00Z", None),
        ],
        incidents: vec![incident("i1", "2024-03-02T08:00:00Z", Some("2024-03-02T09:30:00Z"))],
        work_items: Vec::new(),
        cursor: None,
    }
}

fn inserted(n: u64) -> Counts {
    Counts { inserted: n, updated: 0, unchanged: 0 }
}

fn unchanged(n: u64) -> Counts {
    Counts { inserted: 0, updated: 0, unchanged: n }
}

#[tokio::test]
async fn recording_the_same_events_twice_changes_nothing() {
    each_backend(async |t| {
        let store: &dyn Store = &t.store;
        let batch = batch();
        let version = store.versions().await.unwrap().live;
        let first = store.record_events(&batch).await.unwrap();
        // Views measured from events are cached per live version: a batch
        // that wrote something moves it once; a repeat does not.
        let moved = store.versions().await.unwrap().live;
        assert_eq!(moved, version + 1);
        assert_eq!(first.deployments, inserted(2));
        assert_eq!(first.commits, inserted(3));
        assert_eq!(first.pull_requests, inserted(2));
        assert_eq!(first.incidents, inserted(1));
        let before = store.events(TimeWindow::all()).await.unwrap();

        let again = store.record_events(&batch).await.unwrap();
        assert_eq!(again.deployments, unchanged(2));
        assert_eq!(again.commits, unchanged(3));
        assert_eq!(again.pull_requests, unchanged(2));
        assert_eq!(again.incidents, unchanged(1));
        assert_eq!(store.events(TimeWindow::all()).await.unwrap(), before);
        assert_eq!(store.versions().await.unwrap().live, moved);

        // Everything reads back as it was written.
        assert_eq!(before.deployments, batch.deployments);
        assert_eq!(before.commits, batch.commits);
        let mut prs = batch.pull_requests.clone();
        prs.sort_by_key(|p| p.merged.unwrap_or(p.created));
        assert_eq!(before.pull_requests, prs);
        assert_eq!(before.incidents, batch.incidents);

        // A repeat within one batch is a repeat too.
        let twice = EventBatch {
            incidents: vec![batch.incidents[0].clone(), batch.incidents[0].clone()],
            ..Default::default()
        };
        assert_eq!(store.record_events(&twice).await.unwrap().incidents, unchanged(2));
    })
    .await;
}

#[tokio::test]
async fn new_content_under_a_known_key_replaces_the_event() {
    each_backend(async |t| {
        let store: &dyn Store = &t.store;
        store.record_events(&batch()).await.unwrap();
        // pr2 is merged, c3 moves to a later deployment with one more commit.
        let mut later = EventBatch {
            deployments: vec![deployment("d2", "2024-03-08T12:00:00Z", &["c3", "c4"])],
            pull_requests: vec![pull_request("pr2", "2024-03-06T10:00:00Z", Some("2024-03-07T10:00:00Z"))],
            commits: vec![commit("c4", "2024-03-07T09:00:00Z", Some(("2024-03-08T12:00:00Z", "d2")))],
            ..Default::default()
        };
        later.pull_requests[0].deployed = Some(at("2024-03-08T12:00:00Z"));
        later.pull_requests[0].deployment_id = Some("d2".into());
        let counts = store.record_events(&later).await.unwrap();
        assert_eq!(counts.deployments, Counts { inserted: 0, updated: 1, unchanged: 0 });
        assert_eq!(counts.pull_requests, Counts { inserted: 0, updated: 1, unchanged: 0 });
        assert_eq!(counts.commits, inserted(1));

        let events = store.events(TimeWindow::all()).await.unwrap();
        let d2 = events.deployments.iter().find(|d| d.id == "d2").unwrap();
        assert_eq!(d2.commits, vec!["c3", "c4"]);
        let pr2 = events.pull_requests.iter().find(|p| p.id == "pr2").unwrap();
        assert_eq!(pr2, &later.pull_requests[0]);
        assert_eq!(events.commits.len(), 4);
    })
    .await;
}

#[tokio::test]
async fn a_batch_with_an_invalid_event_writes_nothing() {
    each_backend(async |t| {
        let store: &dyn Store = &t.store;
        // The bad incident comes last, after deployments, commits and pull
        // requests have been written inside the transaction: the database
        // refuses it, and the whole batch is rolled back.
        let mut bad = batch();
        bad.incidents.push(incident("i2", "2024-03-03T08:00:00Z", Some("2024-03-03T07:00:00Z")));
        bad.cursor =
            Some(CursorUpdate { source: "git:api".into(), state: "tips".into(), at: at("2024-03-09T00:00:00Z") });
        match store.record_events(&bad).await {
            Err(Error::Invalid(message)) => assert!(message.contains("incident"), "{message}"),
            other => panic!("expected Invalid, got {other:?}"),
        }
        assert_eq!(store.events(TimeWindow::all()).await.unwrap(), Default::default());
        assert_eq!(store.ingest_cursor("git:api").await.unwrap(), None);

        // A deployment that finishes before it starts, an empty key, and two
        // different events under one key are refused the same way.
        let mut backwards = batch();
        backwards.deployments[1].started = Some(at("2024-03-09T00:00:00Z"));
        assert!(matches!(store.record_events(&backwards).await, Err(Error::Invalid(_))));
        let mut empty = batch();
        empty.pull_requests[0].id.clear();
        assert!(matches!(store.record_events(&empty).await, Err(Error::Invalid(_))));
        let mut contradiction = batch();
        let mut other = contradiction.commits[0].clone();
        other.commit.deployed = None;
        contradiction.commits.push(other);
        assert!(matches!(store.record_events(&contradiction).await, Err(Error::Invalid(_))));
        assert_eq!(store.events(TimeWindow::all()).await.unwrap(), Default::default());

        // The good batch still goes in afterwards.
        assert_eq!(store.record_events(&batch()).await.unwrap().deployments, inserted(2));
    })
    .await;
}

#[tokio::test]
async fn windows_select_each_event_by_its_moment() {
    each_backend(async |t| {
        let store: &dyn Store = &t.store;
        store.record_events(&batch()).await.unwrap();
        // The first week of March, half-open: d2 finishes exactly at its end.
        let week = TimeWindow { from: at("2024-03-01T00:00:00Z"), to: at("2024-03-08T12:00:00Z") };
        let events = store.events(week).await.unwrap();
        let ids = |v: Vec<&str>| v.into_iter().map(str::to_string).collect::<Vec<_>>();
        assert_eq!(events.deployments.iter().map(|d| d.id.clone()).collect::<Vec<_>>(), ids(vec!["d1"]));
        assert_eq!(events.deployments[0].commits, vec!["c1", "c2"]);
        // Commits by author time, pull requests by merge (else creation),
        // incidents by creation.
        assert_eq!(events.commits.iter().map(|c| c.commit.sha.clone()).collect::<Vec<_>>(), ids(vec!["c3"]));
        assert_eq!(events.pull_requests.iter().map(|p| p.id.clone()).collect::<Vec<_>>(), ids(vec!["pr2"]));
        assert_eq!(events.incidents.iter().map(|i| i.id.clone()).collect::<Vec<_>>(), ids(vec!["i1"]));

        let february = TimeWindow { from: at("2024-02-01T00:00:00Z"), to: at("2024-03-01T00:00:00Z") };
        let events = store.events(february).await.unwrap();
        assert!(events.deployments.is_empty());
        assert_eq!(events.commits.len(), 2);
        assert_eq!(events.pull_requests.len(), 1);
        assert!(events.incidents.is_empty());
    })
    .await;
}

#[tokio::test]
async fn cursors_are_written_with_their_events() {
    each_backend(async |t| {
        let store: &dyn Store = &t.store;
        assert_eq!(store.ingest_cursor("git:api").await.unwrap(), None);
        let mut first = batch();
        first.cursor =
            Some(CursorUpdate { source: "git:api".into(), state: "one".into(), at: at("2024-03-09T00:00:00Z") });
        store.record_events(&first).await.unwrap();
        assert_eq!(store.ingest_cursor("git:api").await.unwrap().as_deref(), Some("one"));
        let moved = EventBatch {
            cursor: Some(CursorUpdate {
                source: "git:api".into(),
                state: "two".into(),
                at: at("2024-03-10T00:00:00Z"),
            }),
            ..Default::default()
        };
        let counts = store.record_events(&moved).await.unwrap();
        assert_eq!(counts, Default::default());
        assert_eq!(store.ingest_cursor("git:api").await.unwrap().as_deref(), Some("two"));
        assert_eq!(store.ingest_cursor("git:web").await.unwrap(), None);
    })
    .await;
}

#[tokio::test]
async fn large_batches_go_in_one_call() {
    each_backend(async |t| {
        let store: &dyn Store = &t.store;
        let base = at("2024-01-01T00:00:00Z");
        let commits: Vec<CommitRecord> = (0..2_500)
            .map(|i| {
                let authored = base + jiff::SignedDuration::from_mins(i);
                let mut c = commit(&format!("{i:040x}"), "2024-01-01T00:00:00Z", None);
                c.commit.authored = Some(authored);
                c
            })
            .collect();
        let deployments: Vec<Deployment> = (0..1_000)
            .map(|i| {
                let mut d = deployment(&format!("d{i}"), "2024-06-01T00:00:00Z", &[]);
                d.commits = (0..3).map(|k| format!("{:040x}", i * 2 + k)).collect();
                d
            })
            .collect();
        let batch = EventBatch { commits, deployments, ..Default::default() };
        let counts = store.record_events(&batch).await.unwrap();
        assert_eq!(counts.commits, inserted(2_500));
        assert_eq!(counts.deployments, inserted(1_000));
        let again = store.record_events(&batch).await.unwrap();
        assert_eq!(again.commits, unchanged(2_500));
        let events = store.events(TimeWindow::all()).await.unwrap();
        assert_eq!(events.commits.len(), 2_500);
        assert_eq!(events.deployments.iter().map(|d| d.commits.len()).sum::<usize>(), 3_000);
    })
    .await;
}

/// `n` commits with ids from `from` on, under `service`.
fn commits(service: &str, from: usize, n: usize) -> Vec<CommitRecord> {
    (from..from + n)
        .map(|i| {
            let mut c = commit(&format!("{i:040x}"), "2024-01-01T00:00:00Z", None);
            c.commit.service = service.into();
            c
        })
        .collect()
}

#[tokio::test]
async fn a_batch_in_parts_is_one_transaction() {
    each_backend(async |t| {
        let store: &dyn Store = &t.store;
        // Something stored beforehand under another service, and one commit
        // under this one that a part sends again unchanged.
        store.record_events(&EventBatch { commits: commits("web", 0, 10), ..Default::default() }).await.unwrap();
        let old = commits("api", 100_000, 1);
        store.record_events(&EventBatch { commits: old.clone(), ..Default::default() }).await.unwrap();

        let mut writer = store.event_writer().await.unwrap();
        // Parts large enough for the writer to take the scope as new...
        writer.write(&EventBatch { commits: commits("api", 0, 1_000), ..Default::default() }).await.unwrap();
        // ...then repeats of the first part, one changed, with new ones,
        // the commit stored before, and a deployment.
        let mut part = commits("api", 990, 1_000);
        part[0].commit.deployed = Some(at("2024-02-01T00:00:00Z"));
        part[0].commit.deployment_id = Some("d1".into());
        part.extend(old.clone());
        let part = EventBatch {
            commits: part,
            deployments: vec![deployment("d1", "2024-02-01T00:00:00Z", &[&format!("{:040x}", 990)])],
            cursor: Some(CursorUpdate { source: "parts".into(), state: "done".into(), at: at("2024-02-02T00:00:00Z") }),
            ..Default::default()
        };
        writer.write(&part).await.unwrap();
        // Nothing is visible before the end.
        assert_eq!(store.ingest_cursor("parts").await.unwrap(), None);
        let counts = writer.finish().await.unwrap();
        assert_eq!(counts.commits, Counts { inserted: 1_990, updated: 1, unchanged: 10 });
        assert_eq!(counts.deployments, inserted(1));
        let events = store.events(TimeWindow::all()).await.unwrap();
        assert_eq!(events.commits.len(), 10 + 1 + 1_990);
        let changed = events.commits.iter().find(|c| c.commit.sha == format!("{:040x}", 990)).unwrap();
        assert_eq!(changed.commit.deployment_id.as_deref(), Some("d1"));
        assert_eq!(store.ingest_cursor("parts").await.unwrap().as_deref(), Some("done"));

        // A writer dropped before its end writes nothing, and one whose
        // part fails cannot finish what came before.
        let before = store.versions().await.unwrap();
        let mut writer = store.event_writer().await.unwrap();
        writer.write(&EventBatch { commits: commits("other", 0, 500), ..Default::default() }).await.unwrap();
        drop(writer);
        let mut writer = store.event_writer().await.unwrap();
        writer.write(&EventBatch { commits: commits("other", 0, 500), ..Default::default() }).await.unwrap();
        let mut bad = deployment("bad", "2024-02-01T00:00:00Z", &[]);
        bad.started = Some(at("2024-03-01T00:00:00Z"));
        let refused = writer.write(&EventBatch { deployments: vec![bad], ..Default::default() }).await;
        assert!(matches!(refused, Err(Error::Invalid(_))), "{refused:?}");
        drop(writer);
        let events = store.events(TimeWindow::all()).await.unwrap();
        assert!(events.commits.iter().all(|c| c.commit.service != "other"));
        assert_eq!(store.versions().await.unwrap(), before);
    })
    .await;
}
