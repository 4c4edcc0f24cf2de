//! The delivery endpoints on the example organisation: the four keys from
//! a few recorded events (worked out by hand), field-naming errors, the
//! definitions with the origin of each field, and bound key results.

use crate::support::{As, TestServer};
use axum::http::StatusCode;
use jiff::{SignedDuration, Timestamp};
use tl_engine::delivery::{Deployment, Incident, PullRequest, RunResult};
use tl_store::EventBatch;

/// `h` hours before one instant shared by the whole run (whole seconds), so
/// that differences between these times are exact: each taking its own
/// `now` made lead times a millisecond short whenever the clock ticked
/// between two calls.
fn hours_ago(h: i64) -> Timestamp {
    static BASE: std::sync::OnceLock<Timestamp> = std::sync::OnceLock::new();
    let base = *BASE.get_or_init(|| Timestamp::from_second(Timestamp::now().as_second()).expect("now"));
    base.checked_sub(SignedDuration::from_hours(h)).unwrap()
}

fn deploy(id: &str, service: &str, env: &str, h: i64, sha: &str) -> Deployment {
    Deployment {
        id: id.into(),
        name: "deploy".into(),
        service: service.into(),
        scope_id: service.into(),
        environment: env.into(),
        result: RunResult::Success,
        started: Some(hours_ago(h + 1)),
        finished: Some(hours_ago(h)),
        commits: vec![sha.into()],
    }
}

fn pr(id: &str, service: &str, sha: &str, first_commit_h: i64, merged_h: i64) -> PullRequest {
    PullRequest {
        id: id.into(),
        repo_id: service.into(),
        service: service.into(),
        author: String::new(),
        created: hours_ago(first_commit_h - 1),
        merged: Some(hours_ago(merged_h)),
        merge_commit_sha: Some(sha.into()),
        first_commit: Some((format!("c-{id}"), hours_ago(first_commit_h))),
        first_review: Some((format!("r-{id}"), hours_ago(first_commit_h - 2))),
        deployed: None,
        deployment_id: None,
    }
}

/// In the last 28 days: checkout-web deployed to production 4 times (and
/// once to staging), payments-api twice; lead times (first commit to
/// production) 10, 20, 30 and 40 hours on checkout, 50 and 60 on payments;
/// one checkout incident 2 hours after its deployment 100 hours ago,
/// restored in 30 minutes.
async fn server_with_events() -> TestServer {
    let server = TestServer::new().await;
    let batch = EventBatch {
        deployments: vec![
            deploy("d1", "checkout-web", "production", 100, "m1"),
            deploy("d2", "checkout-web", "production", 200, "m2"),
            deploy("d3", "checkout-web", "production", 300, "m3"),
            deploy("d4", "checkout-web", "production", 400, "m4"),
            deploy("s1", "checkout-web", "staging", 110, "m1"),
            deploy("p1", "payments-api", "production", 150, "n1"),
            deploy("p2", "payments-api", "production", 250, "n2"),
        ],
        pull_requests: vec![
            pr("c1", "checkout-web", "m1", 110, 105),
            pr("c2", "checkout-web", "m2", 220, 205),
            pr("c3", "checkout-web", "m3", 330, 305),
            pr("c4", "checkout-web", "m4", 440, 405),
            pr("q1", "payments-api", "n1", 200, 155),
            pr("q2", "payments-api", "n2", 310, 255),
        ],
        incidents: vec![Incident {
            id: "i1".into(),
            service: "checkout-web".into(),
            created: hours_ago(98),
            resolved: Some(hours_ago(98).checked_add(SignedDuration::from_mins(30)).unwrap()),
            severity: None,
            root_cause_commit: None,
            deployment_id: None,
        }],
        ..EventBatch::default()
    };
    server.store.record_events(&batch).await.expect("record events");
    server
}

#[tokio::test]
async fn the_four_keys_come_from_the_events_under_the_named_definition() {
    let server = server_with_events().await;
    let who = &server.viewer_token;
    let r = server.get("/api/delivery/keys", who).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let k = &r.json;
    let first = r.json.clone();
    assert_eq!(k["definition"], "acme-delivery");
    assert_eq!(k["scope"], "organisation");
    let o = &k["overall"];
    // 6 production deployments in 4 weeks; staging does not count.
    assert_eq!(o["deployments"], 6);
    assert_eq!(o["deployment_frequency"], 1.5);
    // Median of 10, 20, 30, 40, 50, 60 hours = 35 hours.
    assert_eq!(o["lead_time_minutes"], 35.0 * 60.0);
    assert_eq!(o["lead_time_tier"], "high");
    // One of six deployments failed; restored in 30 minutes (elite).
    assert_eq!(o["failed_deployments"], 1);
    assert_eq!(o["time_to_restore_minutes"], 30.0);
    assert_eq!(o["time_to_restore_tier"], "elite");
    let teams: Vec<(&str, u64)> = k["teams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["team"].as_str().unwrap(), t["keys"]["deployments"].as_u64().unwrap()))
        .collect();
    assert_eq!(teams, [("checkout", 4), ("payments", 2)]);
    assert_eq!(k["cycle_times"]["pull_requests"], 6);

    // One team; and the preset, which counts only `PRODUCTION`.
    let r = server.get("/api/delivery/keys?scope=team:payments&period=quarter", who).await;
    assert_eq!(r.json["overall"]["deployments"], 2, "{}", r.text);
    assert_eq!(r.json["period"], "quarter");
    let r = server.get("/api/delivery/keys?definition=dora-2023", who).await;
    assert_eq!(r.json["overall"]["deployments"], 0, "{}", r.text);

    // The checkout deploys key result: 4 in 4 weeks = 1 per week.
    let kr = server.get("/api/key-results/kr-checkout-deploys", who).await;
    assert_eq!(kr.json["value"], 1.0, "{}", kr.text);
    assert_eq!(kr.json["measure"]["definition"], "acme-delivery");
    // Team metrics bound to events carry their value; the others none.
    let metrics = server.get("/api/metrics", who).await.json;
    let value = |id: &str| metrics.as_array().unwrap().iter().find(|m| m["id"] == id).unwrap()["value"].clone();
    assert_eq!(value("km-checkout-deploy-frequency"), 1.0);
    // Checkout lead times 10, 20, 30, 40 hours: median 25 hours.
    assert_eq!(value("km-checkout-lead-time"), 25.0);
    assert!(value("km-checkout-web-conversion").is_null());

    // Asked again: the same figures (from the cache). A new deployment
    // moves the live version, so the next answer counts it.
    assert_eq!(server.get("/api/delivery/keys", who).await.json, first);
    let more =
        EventBatch { deployments: vec![deploy("d5", "checkout-web", "production", 50, "m5")], ..EventBatch::default() };
    server.store.record_events(&more).await.expect("record");
    let after = server.get("/api/delivery/keys", who).await.json;
    assert_eq!(after["overall"]["deployments"], 7, "{after}");
    let page = server.get("/delivery", &server.viewer).await;
    assert_eq!(page.status, StatusCode::OK);
}

#[tokio::test]
async fn mistakes_name_the_field_and_unknown_names_are_404() {
    let server = TestServer::new().await;
    let who = &server.viewer_token;
    for (path, status, field) in [
        ("/api/delivery/keys?scope=everyone", StatusCode::UNPROCESSABLE_ENTITY, Some("scope")),
        ("/api/delivery/keys?period=month", StatusCode::UNPROCESSABLE_ENTITY, Some("period")),
        ("/api/delivery/keys?scope=team:nope", StatusCode::NOT_FOUND, None),
        ("/api/delivery/keys?definition=dora-2032", StatusCode::NOT_FOUND, None),
        ("/api/delivery/definitions/nope", StatusCode::NOT_FOUND, None),
    ] {
        let r = server.get(path, who).await;
        assert_eq!(r.status, status, "{path}: {}", r.text);
        if let Some(f) = field {
            assert_eq!(r.json["error"]["field"], f, "{path}");
        }
    }
    assert_eq!(server.get("/api/delivery/keys", &As::Anonymous).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn definitions_list_presets_then_the_workspace_with_origins() {
    let server = TestServer::new().await;
    let r = server.get("/api/delivery/definitions", &server.viewer_token).await;
    let names: Vec<&str> = r.json.as_array().unwrap().iter().map(|d| d["id"].as_str().unwrap()).collect();
    assert_eq!(names, ["dora-2023", "devlake", "fourkeys", "acme-delivery", "acme-delivery-p75"]);
    let d = server.get("/api/delivery/definitions/acme-delivery", &server.viewer_token).await.json;
    assert_eq!(d["extends"], "dora-2023");
    let field = |name: &str| d["fields"].as_array().unwrap().iter().find(|f| f["field"] == name).unwrap().clone();
    assert_eq!(field("window")["value"], "28d");
    assert!(field("window")["origin"].as_str().unwrap().starts_with("delivery.yaml:"));
    assert_eq!(field("lead_time.statistic")["origin"], "preset dora-2023");
    assert_eq!(field("attribution")["value"], "last_deployment_before, scope service, within 2d");
}
