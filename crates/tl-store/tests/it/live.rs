//! Check-ins on key results and metrics, and status updates: versions,
//! history, and surviving a re-apply.

use crate::support::{acme, each_backend, now, options};
use tl_engine::model::{DependencyStatus, MilestoneStatus};
use tl_store::{
    CheckInStatus, Confidence, Error, NewCheckIn, NewMetricCheckIn, NewStatusUpdate, Status, Store, SubjectKind,
};

pub fn check_in(value: f64, note: &str) -> NewCheckIn {
    NewCheckIn {
        value,
        confidence: Confidence::new(0.7).unwrap(),
        status: CheckInStatus::OnTrack,
        note: Some(note.into()),
        blockers: vec![],
        author: "alice".into(),
        at: now(),
    }
}

#[tokio::test]
async fn check_ins_are_versioned_and_kept() {
    let model = acme();
    let kr = model.objectives[0].key_results[0].id.0.clone();
    let other = model.objectives[1].key_results[0].id.0.clone();
    each_backend(async |t| {
        let store: &dyn Store = &t.store;
        assert!(matches!(store.record_check_in(&kr, 0, check_in(1.0, "x")).await, Err(Error::NotFound { .. })));
        store.apply(&model, options("alice")).await.unwrap();
        assert!(store.check_ins(&kr).await.unwrap().is_empty());

        let first = store.record_check_in(&kr, 0, check_in(10.0, "first")).await.unwrap();
        assert_eq!(first.version, 1);
        let second = NewCheckIn {
            confidence: Confidence::new(0.3).unwrap(),
            status: CheckInStatus::AtRisk,
            note: None,
            blockers: vec!["waiting for the vendor".into(), "on-call load".into()],
            ..check_in(12.5, "")
        };
        let second = store.record_check_in(&kr, 1, second).await.unwrap();
        assert_eq!(second.version, 2);

        match store.record_check_in(&kr, 1, check_in(99.0, "stale")).await {
            Err(Error::Conflict { expected: 1, current: 2, .. }) => {}
            other => panic!("expected a conflict, got {other:?}"),
        }
        match store.record_check_in(&kr, 5, check_in(99.0, "from the future")).await {
            Err(Error::Conflict { expected: 5, current: 2, .. }) => {}
            other => panic!("expected a conflict, got {other:?}"),
        }
        assert_eq!(store.check_ins(&kr).await.unwrap(), vec![first, second.clone()]);

        let o = store.record_check_in(&other, 0, check_in(3.0, "other")).await.unwrap();
        assert_eq!(store.latest_check_ins().await.unwrap(), {
            let mut v = vec![second, o];
            v.sort_by(|a, b| a.key_result.cmp(&b.key_result));
            v
        });
        assert!(matches!(store.check_ins("kr-nope").await, Err(Error::NotFound { .. })));
    })
    .await;
}

#[tokio::test]
async fn bad_check_ins_are_refused() {
    assert!(matches!(Confidence::new(1.5), Err(Error::Invalid(_))));
    assert!(matches!(Confidence::new(-0.1), Err(Error::Invalid(_))));
    assert!(matches!(Confidence::new(f64::NAN), Err(Error::Invalid(_))));
    assert_eq!(CheckInStatus::parse("off_track"), Some(CheckInStatus::OffTrack));
    assert_eq!(CheckInStatus::parse("fine"), None);
    let model = acme();
    let kr = model.objectives[0].key_results[0].id.0.clone();
    each_backend(async |t| {
        t.store.apply(&model, options("alice")).await.unwrap();
        let result = t.store.record_check_in(&kr, 0, check_in(f64::INFINITY, "inf")).await;
        assert!(matches!(result, Err(Error::Invalid(_))), "{result:?}");
        assert!(t.store.check_ins(&kr).await.unwrap().is_empty());
    })
    .await;
}

#[tokio::test]
async fn live_data_survives_reapplying_and_removing_the_plan() {
    let model = acme();
    let objective = model.objectives[0].clone();
    let kr = objective.key_results[0].id.0.clone();
    let mut renamed = model.clone();
    renamed.objectives[0].title.push_str(" (reworded)");
    let mut without = model.clone();
    without.objectives.remove(0);
    each_backend(async |t| {
        let store = &t.store;
        store.apply(&model, options("alice")).await.unwrap();
        store.record_check_in(&kr, 0, check_in(1.0, "one")).await.unwrap();
        store.apply(&renamed, options("alice")).await.unwrap();
        assert_eq!(store.check_ins(&kr).await.unwrap().len(), 1, "a changed objective keeps its check-ins");
        store.record_check_in(&kr, 1, check_in(2.0, "two")).await.unwrap();

        store.apply(&without, options("alice")).await.unwrap();
        assert_eq!(store.check_ins(&kr).await.unwrap().len(), 2, "history outlives the key result");
        assert!(matches!(store.record_check_in(&kr, 2, check_in(3.0, "x")).await, Err(Error::NotFound { .. })));

        store.apply(&model, options("alice")).await.unwrap();
        assert_eq!(store.record_check_in(&kr, 2, check_in(3.0, "three")).await.unwrap().version, 3);
    })
    .await;
}

#[tokio::test]
async fn status_updates_for_milestones_and_dependencies() {
    let model = acme();
    let milestone = model.initiatives[0].milestones[0].id.0.clone();
    let dependency = model.dependencies[0].id.0.clone();
    let update = |status| NewStatusUpdate { status, note: Some("weekly".into()), author: "bob".into(), at: now() };
    each_backend(async |t| {
        let store: &dyn Store = &t.store;
        store.apply(&model, options("alice")).await.unwrap();
        let late = Status::Milestone(MilestoneStatus::Late);
        let blocked = Status::Dependency(DependencyStatus::Blocked);

        let m1 = store.record_status_update(&milestone, 0, update(late)).await.unwrap();
        assert_eq!(m1.version, 1);
        let m2 = store.record_status_update(&milestone, 1, update(Status::Milestone(MilestoneStatus::Done))).await;
        let m2 = m2.unwrap();
        match store.record_status_update(&milestone, 1, update(late)).await {
            Err(Error::Conflict { expected: 1, current: 2, .. }) => {}
            other => panic!("expected a conflict, got {other:?}"),
        }
        let d1 = store.record_status_update(&dependency, 0, update(blocked)).await.unwrap();

        // The status's kind names the subject's kind.
        let wrong = store.record_status_update(&milestone, 0, update(blocked)).await;
        assert!(matches!(wrong, Err(Error::NotFound { .. })), "{wrong:?}");
        let unknown = store.record_status_update("m-nope", 0, update(late)).await;
        assert!(matches!(unknown, Err(Error::NotFound { .. })), "{unknown:?}");

        assert_eq!(store.status_updates(SubjectKind::Milestone, &milestone).await.unwrap(), vec![m1, m2.clone()]);
        assert_eq!(store.latest_status_updates(SubjectKind::Milestone).await.unwrap(), vec![m2]);
        assert_eq!(store.latest_status_updates(SubjectKind::Dependency).await.unwrap(), vec![d1]);
        assert!(matches!(store.status_updates(SubjectKind::Dependency, "d-nope").await, Err(Error::NotFound { .. })));
    })
    .await;
}

#[tokio::test]
async fn the_live_version_moves_with_every_live_write_and_only_then() {
    let model = acme();
    let kr = model.objectives[0].key_results[0].id.0.clone();
    let milestone = model.initiatives[0].milestones[0].id.0.clone();
    let dependency = model.dependencies[0].id.0.clone();
    let update = |status| NewStatusUpdate { status, note: None, author: "bob".into(), at: now() };
    each_backend(async |t| {
        let store: &dyn Store = &t.store;
        let start = store.versions().await.unwrap();
        assert_eq!(start.plan, 0);

        // Applying moves the plan's revision, not the live version.
        store.apply(&model, options("alice")).await.unwrap();
        let applied = store.versions().await.unwrap();
        assert_eq!((applied.plan, applied.live), (1, start.live));
        assert_eq!(applied.plan, store.revision().await.unwrap());

        store.record_check_in(&kr, 0, check_in(1.0, "one")).await.unwrap();
        let after_check_in = store.versions().await.unwrap();
        assert!(after_check_in.live > applied.live, "{after_check_in:?} after {applied:?}");
        assert_eq!(after_check_in.plan, 1);

        // Refused writes (stale version, unknown subject, invalid value) write
        // nothing, so the version stays.
        assert!(store.record_check_in(&kr, 0, check_in(2.0, "stale")).await.is_err());
        assert!(store.record_check_in("kr-nope", 0, check_in(2.0, "unknown")).await.is_err());
        assert!(store.record_check_in(&kr, 1, check_in(f64::NAN, "nan")).await.is_err());
        let milestone_status = Status::Milestone(MilestoneStatus::Late);
        assert!(store.record_status_update(&milestone, 3, update(milestone_status)).await.is_err());
        assert_eq!(store.versions().await.unwrap(), after_check_in);

        store.record_status_update(&milestone, 0, update(milestone_status)).await.unwrap();
        let after_milestone = store.versions().await.unwrap();
        assert!(after_milestone.live > after_check_in.live);
        store
            .record_status_update(&dependency, 0, update(Status::Dependency(DependencyStatus::Blocked)))
            .await
            .unwrap();
        let after_dependency = store.versions().await.unwrap();
        assert!(after_dependency.live > after_milestone.live);

        // Another connection pool on the same database (a second server
        // instance) sees the same versions, and its writes move them for
        // everyone.
        let other = tl_store::SqlStore::open(&t.url, tl_store::OpenOptions::default()).await.unwrap();
        assert_eq!(other.versions().await.unwrap(), after_dependency);
        other.record_check_in(&kr, 1, check_in(2.0, "from elsewhere")).await.unwrap();
        let seen = store.versions().await.unwrap();
        assert!(seen.live > after_dependency.live);
        assert_eq!(other.versions().await.unwrap(), seen);
        other.close().await;

        // Re-applying the same plan writes nothing and moves neither.
        store.apply(&model, options("alice")).await.unwrap();
        assert_eq!(store.versions().await.unwrap(), seen);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_live_writers_each_move_the_live_version() {
    let model = acme();
    let key_results: Vec<String> = model.key_results().map(|(_, k)| k.id.0.clone()).take(8).collect();
    each_backend(async |t| {
        t.store.apply(&model, options("alice")).await.unwrap();
        let before = t.store.versions().await.unwrap().live;
        let writes = key_results.iter().flat_map(|kr| {
            (0..3).map(move |n| {
                let store = t.store.clone();
                let kr = kr.clone();
                async move { store.record_check_in(&kr, 0, check_in(n as f64, "race")).await }
            })
        });
        let results = futures_join_all(writes.collect()).await;
        let won = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(won, key_results.len(), "exactly one writer per key result wins version 1");
        let after = t.store.versions().await.unwrap().live;
        assert_eq!(after - before, won as i64, "one bump per row written, none per refused write");
    })
    .await;
}

/// Runs the futures concurrently on the current runtime, in order of output.
async fn futures_join_all<T: Send + 'static>(
    futures: Vec<impl std::future::Future<Output = T> + Send + 'static>,
) -> Vec<T> {
    let handles: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::with_capacity(handles.len());
    for h in handles {
        out.push(h.await.expect("a writer task"));
    }
    out
}

fn metric_check_in(value: f64, note: &str) -> NewMetricCheckIn {
    NewMetricCheckIn { value, note: Some(note.into()), author: "bob".into(), at: now() }
}

#[tokio::test]
async fn metric_check_ins_are_versioned_and_refused_on_measured_metrics() {
    let model = acme();
    let unbound: Vec<String> =
        model.metrics.iter().filter(|m| m.measure.is_none()).map(|m| m.id.0.clone()).take(2).collect();
    let bound = model.metrics.iter().find(|m| m.measure.is_some()).expect("acme binds a metric").id.0.clone();
    let (metric, other) = (&unbound[0], &unbound[1]);
    each_backend(async |t| {
        let store: &dyn Store = &t.store;
        let result = store.record_metric_check_in(metric, 0, metric_check_in(1.0, "x")).await;
        assert!(matches!(result, Err(Error::NotFound { kind: "metric", .. })), "{result:?}");
        store.apply(&model, options("alice")).await.unwrap();
        assert!(store.metric_check_ins(metric).await.unwrap().is_empty());
        assert!(store.latest_metric_check_ins(1).await.unwrap().is_empty());

        let live = store.versions().await.unwrap().live;
        let first = store.record_metric_check_in(metric, 0, metric_check_in(93.1, "first")).await.unwrap();
        assert_eq!((first.version, first.value, first.author.as_str()), (1, 93.1, "bob"));
        // A metric check-in is live data: cached views must refresh.
        assert_eq!(store.versions().await.unwrap().live, live + 1);
        let second = NewMetricCheckIn { note: None, ..metric_check_in(92.4, "") };
        let second = store.record_metric_check_in(metric, 1, second).await.unwrap();
        assert_eq!(second.version, 2);
        match store.record_metric_check_in(metric, 1, metric_check_in(0.0, "stale")).await {
            Err(Error::Conflict { expected: 1, current: 2, .. }) => {}
            other => panic!("expected a conflict, got {other:?}"),
        }
        let third = store.record_metric_check_in(metric, 2, metric_check_in(94.0, "third")).await.unwrap();
        assert_eq!(store.metric_check_ins(metric).await.unwrap(), vec![first, second.clone(), third.clone()]);

        // Bound metrics and bad values are refused and write nothing.
        let live = store.versions().await.unwrap().live;
        let result = store.record_metric_check_in(&bound, 0, metric_check_in(12.0, "computed")).await;
        assert!(matches!(&result, Err(Error::Invalid(m)) if m.contains("measure:")), "{result:?}");
        assert!(store.metric_check_ins(&bound).await.unwrap().is_empty());
        let result = store.record_metric_check_in(other, 0, metric_check_in(f64::NAN, "nan")).await;
        assert!(matches!(result, Err(Error::Invalid(_))), "{result:?}");
        // A key result's id is not a metric's.
        let kr = model.objectives[0].key_results[0].id.0.clone();
        let result = store.record_metric_check_in(&kr, 0, metric_check_in(1.0, "kr")).await;
        assert!(matches!(result, Err(Error::NotFound { kind: "metric", .. })), "{result:?}");
        assert_eq!(store.versions().await.unwrap().live, live);

        // Latest per metric, and the recent history per metric.
        let o = store.record_metric_check_in(other, 0, metric_check_in(5.0, "other")).await.unwrap();
        let mut latest = vec![third.clone(), o.clone()];
        latest.sort_by(|a, b| a.metric.cmp(&b.metric));
        assert_eq!(store.latest_metric_check_ins(1).await.unwrap(), latest);
        let mut recent = vec![second, third, o];
        recent.sort_by(|a, b| a.metric.cmp(&b.metric).then(a.version.cmp(&b.version)));
        assert_eq!(store.latest_metric_check_ins(2).await.unwrap(), recent);
        assert!(matches!(store.metric_check_ins("km-nope").await, Err(Error::NotFound { .. })));

        // Binding the metric to events later closes it to check-ins; its
        // history stays.
        let mut bound_later = model.clone();
        let m = bound_later.metrics.iter_mut().find(|m| &m.id.0 == metric).unwrap();
        m.measure = model.metrics.iter().find(|m| m.measure.is_some()).unwrap().measure.clone();
        store.apply(&bound_later, options("alice")).await.unwrap();
        let result = store.record_metric_check_in(metric, 3, metric_check_in(1.0, "now computed")).await;
        assert!(matches!(result, Err(Error::Invalid(_))), "{result:?}");
        assert_eq!(store.metric_check_ins(metric).await.unwrap().len(), 3);
        // Unbinding it opens it again.
        store.apply(&model, options("alice")).await.unwrap();
        store.record_metric_check_in(metric, 3, metric_check_in(95.0, "by hand again")).await.unwrap();
    })
    .await;
}
