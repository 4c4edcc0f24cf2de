//! Bound key results and team metrics on the example organisation, from
//! small event sets whose figures are worked out by hand in the comments;
//! and the demo's delivery history, through a real store.

use crate::{TempDir, repo_root};
use jiff::{SignedDuration, Timestamp};
use tl_app::delivery::{Delivery, EventSet, Scope, load_events};
use tl_app::open_store;
use tl_engine::delivery::{Deployment, Incident, PullRequest, RunResult};
use tl_engine::model::MeasureUnit;
use tl_store::Store;

const NOW: &str = "2027-03-01T00:00:00Z";

fn now() -> Timestamp {
    NOW.parse().unwrap()
}

/// `hours` before NOW.
fn ago(hours: f64) -> Timestamp {
    now().checked_sub(SignedDuration::from_secs((hours * 3600.0) as i64)).unwrap()
}

fn deploy(id: &str, service: &str, env: &str, hours_ago: f64, commits: &[&str]) -> Deployment {
    Deployment {
        id: id.into(),
        name: "deploy".into(),
        service: service.into(),
        scope_id: service.into(),
        environment: env.into(),
        result: RunResult::Success,
        started: Some(ago(hours_ago + 0.5)),
        finished: Some(ago(hours_ago)),
        commits: commits.iter().map(|c| c.to_string()).collect(),
    }
}

/// A pull request whose first commit is `lead` hours before it was deployed
/// by the deployment that ships `merge_sha` (linked by the definition, not
/// by the source), created an hour after the first commit, reviewed an hour
/// later, merged an hour after that.
fn pr(id: &str, service: &str, merge_sha: &str, deployed_hours_ago: f64, lead: f64) -> PullRequest {
    let first = ago(deployed_hours_ago + lead);
    let plus = |h: i64| first.checked_add(SignedDuration::from_hours(h)).unwrap();
    PullRequest {
        id: id.into(),
        repo_id: service.into(),
        service: service.into(),
        author: String::new(),
        created: plus(1),
        merged: Some(plus(3)),
        merge_commit_sha: Some(merge_sha.into()),
        first_commit: Some((format!("c-{id}"), first)),
        first_review: Some((format!("r-{id}"), plus(2))),
        deployed: None,
        deployment_id: None,
    }
}

fn incident(id: &str, service: &str, hours_ago: f64, minutes_to_restore: i64) -> Incident {
    let created = ago(hours_ago);
    Incident {
        id: id.into(),
        service: service.into(),
        created,
        resolved: Some(created.checked_add(SignedDuration::from_mins(minutes_to_restore)).unwrap()),
        severity: None,
        root_cause_commit: None,
        deployment_id: None,
    }
}

/// Within acme-delivery's 28-day window (672 hours) before NOW:
/// - checkout-web (checkout): production deployments d1-d4 at 100, 200, 300
///   and 400 hours ago, staging runs s1-s2 (not counted), one production
///   deployment 800 hours ago (outside the window);
/// - payments-api (payments): production deployments p1, p2;
/// - an incident on checkout-web 10 hours after d2 (attributed to d2, within
///   48 h), restored in 40 minutes; one on payments-api 60 hours after p1
///   (older than 48 h: attributed to nothing), restored in 90 minutes.
fn events() -> EventSet {
    EventSet {
        deployments: vec![
            deploy("d1", "checkout-web", "production", 100.0, &["m1"]),
            deploy("d2", "checkout-web", "production", 200.0, &["m2"]),
            deploy("d3", "checkout-web", "production", 300.0, &["m3"]),
            deploy("d4", "checkout-web", "production", 400.0, &["m4"]),
            deploy("s1", "checkout-web", "staging", 110.0, &["m1"]),
            deploy("s2", "checkout-web", "staging", 210.0, &["m2"]),
            deploy("d0", "checkout-web", "production", 800.0, &["m0"]),
            deploy("p1", "payments-api", "production", 150.0, &["pm1"]),
            deploy("p2", "payments-api", "production", 50.0, &["pm2"]),
        ],
        commits: Vec::new(),
        pull_requests: vec![
            // Checkout lead times 20, 40, 60, 80 hours (and 10 outside).
            pr("c1", "checkout-web", "m1", 100.0, 20.0),
            pr("c2", "checkout-web", "m2", 200.0, 40.0),
            pr("c3", "checkout-web", "m3", 300.0, 60.0),
            pr("c4", "checkout-web", "m4", 400.0, 80.0),
            pr("c0", "checkout-web", "m0", 800.0, 10.0),
            // Payments lead times 6 and 30 hours.
            pr("q1", "payments-api", "pm1", 150.0, 6.0),
            pr("q2", "payments-api", "pm2", 50.0, 30.0),
        ],
        incidents: vec![incident("i1", "checkout-web", 190.0, 40), incident("i2", "payments-api", 90.0, 90)],
    }
}

fn acme() -> tl_engine::Model {
    let ws = tl_workspace::load(&repo_root().join("examples/acme"));
    assert!(!ws.has_errors());
    ws.model
}

#[test]
fn bound_key_results_and_metrics_take_their_values_from_events() {
    let model = acme();
    let delivery = Delivery::new(&model);
    let measured = delivery.measure_plan(&model, &events(), now());
    let value = |id: &str| measured.get(id).and_then(|m| m.value);

    // Checkout deploys: 4 production deployments in 4 weeks = 1 per week
    // (the key result's unit `deploys/week` reads as per_week).
    assert_eq!(measured["kr-checkout-deploys"].unit, MeasureUnit::PerWeek);
    assert_eq!(measured["kr-checkout-deploys"].definition, "acme-delivery");
    assert_eq!(value("kr-checkout-deploys"), Some(1.0));
    assert_eq!(value("km-checkout-deploy-frequency"), Some(1.0));
    // Checkout lead time: median of 20, 40, 60, 80 hours = 50 hours.
    assert_eq!(value("km-checkout-lead-time"), Some(50.0));
    // Payments lead time: median of 6 and 30 hours = 18 hours.
    assert_eq!(value("km-payments-lead-time"), Some(18.0));
    // Org-wide lead time in days: median of 6, 20, 30, 40, 60, 80 hours =
    // 35 hours = 35/24 days.
    assert_eq!(measured["kr-lead-time"].unit, MeasureUnit::Days);
    assert!((value("kr-lead-time").unwrap() - 35.0 / 24.0).abs() < 1e-9);
    // Checkout change failure rate: d2 of 4 failed = 25%; org-wide: 1 of 6.
    assert_eq!(value("km-checkout-change-failure"), Some(25.0));
    assert!((value("kr-change-failure").unwrap() - 100.0 / 6.0).abs() < 1e-9);
    // Platform owns no service with events: nothing to measure.
    assert_eq!(value("km-platform-mttr"), None);
    // Unbound key results are not measured.
    assert!(!measured.contains_key("kr-auth-success-rate"));

    // History: 13 weekly points, oldest first, the last one now. The point
    // three weeks ago covers 504 to 1176 hours ago, which holds only d0
    // (800 hours ago): 1 deployment in 4 weeks.
    let history = &measured["kr-checkout-deploys"].history;
    assert_eq!(history.len(), 13);
    assert_eq!(history[12], (now(), Some(1.0)));
    assert_eq!(history[9].1, Some(0.25));
}

#[test]
fn progress_uses_the_measured_value_and_check_ins_only_for_confidence() {
    let model = acme();
    let delivery = Delivery::new(&model);
    let measured = delivery.measure_plan(&model, &events(), now());
    let values: std::collections::HashMap<&str, Option<f64>> =
        measured.iter().map(|(k, v)| (k.as_str(), v.value)).collect();
    let progress = tl_app::progress::progress_measured(&model, &[], &values);
    let kr = progress.iter().flat_map(|o| &o.key_results).find(|k| k.id == "kr-checkout-deploys").unwrap();
    // From 2 to 10 deploys a week, at 1: below the baseline, so 0.
    assert!(kr.measured);
    assert_eq!(kr.value, Some(1.0));
    assert_eq!(kr.progress, Some(0.0));
    let kr = progress.iter().flat_map(|o| &o.key_results).find(|k| k.id == "kr-lead-time").unwrap();
    // From 9 days to 1 day, at 35/24 days: (9 - 1.4583) / 8 = 0.9427.
    assert!((kr.progress.unwrap() - (9.0 - 35.0 / 24.0) / 8.0).abs() < 1e-9);
}

#[test]
fn the_team_report_splits_by_owning_team_and_the_definition_decides_what_counts() {
    let model = acme();
    let delivery = Delivery::new(&model);
    let acme_def = delivery.definition(None).unwrap();
    assert_eq!(acme_def.name(), "acme-delivery");
    let report = delivery.report(&model, &events(), &Scope::Organisation, acme_def, now());
    assert_eq!(report.overall.deployments, 6);
    assert_eq!(report.groups["checkout"].deployments, 4);
    assert_eq!(report.groups["payments"].deployments, 2);
    // Time to restore: i1 40 min, i2 90 min; median 65.
    assert_eq!(report.overall.time_to_restore_minutes, Some(65.0));
    // The preset counts only `PRODUCTION`, which acme's pipelines never say.
    let preset = delivery.definition(Some("dora-2023")).unwrap();
    let report = delivery.report(&model, &events(), &Scope::Team("checkout".into()), preset, now());
    assert_eq!(report.overall.deployments, 0);
}

#[tokio::test]
async fn the_demo_history_records_and_measures_plausibly() {
    let model = acme();
    let now = now();
    let batch = tl_app::history::delivery_history(&model, 7, now);
    assert_eq!(batch, tl_app::history::delivery_history(&model, 7, now), "seeded");
    assert!(batch.deployments.len() > 500, "{}", batch.deployments.len());
    let tmp = TempDir::create();
    let store = open_store(Some(tmp.path().join("t.db").to_str().unwrap())).await.unwrap();
    store.record_events(&batch).await.unwrap();
    let delivery = Delivery::new(&model);
    let events = load_events(&store, &delivery, now).await.unwrap();
    let measured = delivery.measure_plan(&model, &events, now);
    let value = |id: &str| measured[id].value.unwrap();
    let first = |id: &str| measured[id].history[0].1.unwrap();
    // Checkout speeds up from about 2 deploys a week towards 9.
    assert!(
        first("kr-checkout-deploys") < 4.5 && value("kr-checkout-deploys") > 6.0,
        "{:?}",
        measured["kr-checkout-deploys"]
    );
    // Org-wide lead time falls from days to about a day and a half.
    assert!(first("kr-lead-time") > 4.0 && value("kr-lead-time") < 2.5, "{:?}", measured["kr-lead-time"]);
    // Change failure rate between 0 and 30%, lower at the end.
    assert!(value("kr-change-failure") < first("kr-change-failure"), "{:?}", measured["kr-change-failure"]);

    // Check-ins of bound key results carry the measured value of their
    // moment, and a status that follows it; unbound ones are untouched.
    let generated = tl_app::history::check_in_history(&model, 7, now);
    let mut aligned = generated.clone();
    tl_app::history::align_with_measured(&model, &mut aligned, &measured);
    let list = |h: &[(String, Vec<tl_store::NewCheckIn>)], id: &str| h.iter().find(|(k, _)| k == id).unwrap().1.clone();
    let last = list(&aligned, "kr-lead-time").pop().unwrap();
    assert_eq!(last.value, (value("kr-lead-time") * 100.0).round() / 100.0);
    assert_eq!(list(&aligned, "kr-auth-success-rate"), list(&generated, "kr-auth-success-rate"));
}
