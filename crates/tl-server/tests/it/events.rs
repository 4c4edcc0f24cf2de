//! The webhooks: one event or a batch, idempotent, one transaction, fields
//! named by their JSON path, large batches, and the payload conversion
//! property-tested with arbitrary JSON.

use crate::support::{As, Method, TestServer};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use proptest::prelude::*;
use serde_json::{Value, json};
use tl_store::TimeWindow;

fn deployment(n: usize) -> Value {
    json!({
        "id": format!("run-{n}"),
        "service": "payments-api",
        "name": "deploy-prod",
        "environment": "production",
        "result": "success",
        "started_at": "2024-03-01T12:00:00Z",
        "finished_at": format!("2024-03-01T12:{:02}:00Z", n % 60),
        "commits": [format!("{n:040x}"), format!("{:040x}", n + 1_000_000)],
    })
}

fn token(server: &TestServer) -> &As {
    &server.editor_token
}

#[tokio::test]
async fn one_deployment_then_the_same_again_changes_nothing() {
    let server = TestServer::new().await;
    let r = server.send(Method::Post, "/api/events/deployments", token(&server), Some(deployment(1))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json, json!({"deployments": {"inserted": 1, "updated": 0, "unchanged": 0}}));
    let r = server.send(Method::Post, "/api/events/deployments", token(&server), Some(deployment(1))).await;
    assert_eq!(r.json, json!({"deployments": {"inserted": 0, "updated": 0, "unchanged": 1}}));
    // The run finished later than first reported: the event is replaced.
    let mut later = deployment(1);
    later["finished_at"] = json!("2024-03-01T13:00:00Z");
    let r = server.send(Method::Post, "/api/events/deployments", token(&server), Some(later)).await;
    assert_eq!(r.json["deployments"]["updated"], 1, "{}", r.text);
    let events = server.store.events(TimeWindow::all()).await.unwrap();
    assert_eq!(events.deployments.len(), 1);
    assert_eq!(events.deployments[0].finished, Some("2024-03-01T13:00:00Z".parse().unwrap()));
    assert_eq!(events.deployments[0].commits.len(), 2);
}

#[tokio::test]
async fn services_no_team_owns_are_recorded_and_named() {
    let server = TestServer::new().await;
    let mut stray = deployment(2);
    stray["service"] = json!("payments-apii");
    let mut other = deployment(3);
    other["service"] = json!("zeta");
    let batch = json!({"deployments": [deployment(1), stray, other]});
    let r = server.send(Method::Post, "/api/events/deployments", token(&server), Some(batch)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["deployments"]["inserted"], 3, "{}", r.text);
    assert_eq!(r.json["unowned_services"], json!(["payments-apii", "zeta"]));
    let changes = json!({"commits": [{"sha": "abc", "service": "ledger", "authored_at": "2024-03-01T10:00:00Z"}]});
    let r = server.send(Method::Post, "/api/events/changes", token(&server), Some(changes)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.json.get("unowned_services").is_none(), "{}", r.text);
}

#[tokio::test]
async fn a_batch_of_ten_thousand_is_one_request_and_one_transaction() {
    let server = TestServer::new().await;
    let batch = json!({"deployments": (0..10_000).map(deployment).collect::<Vec<_>>()});
    assert!(batch.to_string().len() > 2 * 1024 * 1024, "more than axum's default body limit");
    let r = server.send(Method::Post, "/api/events/deployments", token(&server), Some(batch.clone())).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["deployments"]["inserted"], 10_000);
    let r = server.send(Method::Post, "/api/events/deployments", token(&server), Some(batch.clone())).await;
    assert_eq!(r.json["deployments"], json!({"inserted": 0, "updated": 0, "unchanged": 10_000}));

    // One bad event near the end: 422 naming it, and nothing else written.
    let mut bad = batch;
    let list = bad["deployments"].as_array_mut().unwrap();
    for (i, d) in list.iter_mut().enumerate() {
        d["id"] = json!(format!("second-{i}"));
    }
    list[9_998]["finished_at"] = json!("2024-02-30T12:00:00Z");
    let r = server.send(Method::Post, "/api/events/deployments", token(&server), Some(bad)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.json["error"]["field"], "deployments[9998].finished_at");
    assert!(r.json["error"]["message"].as_str().unwrap().contains("RFC 3339"), "{}", r.text);
    assert_eq!(server.store.events(TimeWindow::all()).await.unwrap().deployments.len(), 10_000);
}

#[tokio::test]
async fn bad_payloads_name_the_field() {
    let server = TestServer::new().await;
    let cases = [
        ("/api/events/deployments", json!({"id": "r", "service": "api"}), "result"),
        (
            "/api/events/deployments",
            json!({"id": "r", "service": "api", "result": "success", "finshed_at": "x"}),
            "finshed_at",
        ),
        (
            "/api/events/deployments",
            json!({"deployments": [deployment(1), {"id": "", "service": "a", "result": "success"}]}),
            "deployments[1].id",
        ),
        (
            "/api/events/incidents",
            json!({"incidents": [{"id": "i", "service": "api", "created_at": "2024-03-02T00:00:00Z", "resolved_at": "2024-03-01T00:00:00Z"}]}),
            "incidents[0].resolved_at",
        ),
        ("/api/events/incidents", json!({"id": "i", "service": "api", "created_at": 17}), "created_at"),
        (
            "/api/events/changes",
            json!({"commits": [{"sha": "abc", "service": "api", "parents": [1]}]}),
            "commits[0].parents[0]",
        ),
        (
            "/api/events/changes",
            json!({"pull_requests": [{"id": "p", "repository": "r", "service": "s", "created_at": "2024-03-01T00:00:00Z", "first_review_at": "2024-03-01T00:00:00Z"}]}),
            "pull_requests[0].first_review_id",
        ),
        ("/api/events/changes", json!({"comits": []}), "comits"),
    ];
    for (path, body, field) in cases {
        let r = server.send(Method::Post, path, token(&server), Some(body.clone())).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{path} {body}: {}", r.text);
        assert_eq!(r.json["error"]["field"], field, "{path} {body}: {}", r.text);
    }
    // Not JSON at all: 400.
    let Some(As::Token { secret, .. }) = Some(token(&server).clone()) else { unreachable!() };
    let request = Request::post("/api/events/incidents")
        .header(header::AUTHORIZATION, format!("Bearer {secret}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{\"incidents\": [{\"id\": "))
        .unwrap();
    let r = server.request(request).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    // Beyond the 32 MiB limit: 413, not a server error.
    let mut huge = " ".repeat(tl_server::routes::events::BODY_LIMIT + 1);
    huge.push_str("{}");
    let request = Request::post("/api/events/deployments")
        .header(header::AUTHORIZATION, format!("Bearer {secret}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(huge))
        .unwrap();
    let r = server.request(request).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.text);
    assert_eq!(r.json["error"]["code"], "payload_too_large", "{}", r.text);
    let events = server.store.events(TimeWindow::all()).await.unwrap();
    assert!(events.deployments.is_empty() && events.incidents.is_empty() && events.commits.is_empty());
}

#[tokio::test]
async fn incidents_and_changes_are_recorded() {
    let server = TestServer::new().await;
    let incident = json!({"id": "PD-1", "service": "payments-api", "created_at": "2024-03-02T08:00:00Z",
        "resolved_at": "2024-03-02T09:30:00+00:00", "severity": "SEV2", "deployment_id": "run-1"});
    let r = server.send(Method::Post, "/api/events/incidents", token(&server), Some(incident.clone())).await;
    assert_eq!(r.json, json!({"incidents": {"inserted": 1, "updated": 0, "unchanged": 0}}), "{}", r.text);
    let changes = json!({
        "commits": [{"sha": "a1", "service": "payments-api", "authored_at": "2024-03-01T09:00:00Z", "parents": ["a0"]}],
        "pull_requests": [{"id": "acme/pay#7", "repository": "acme/pay", "service": "payments-api", "author": "alice",
            "created_at": "2024-03-01T10:00:00Z", "merged_at": "2024-03-01T15:00:00Z", "merge_commit_sha": "a1",
            "first_commit_sha": "a1", "first_commit_at": "2024-03-01T09:00:00Z"}],
    });
    let r = server.send(Method::Post, "/api/events/changes", token(&server), Some(changes.clone())).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["commits"]["inserted"], 1);
    assert_eq!(r.json["pull_requests"]["inserted"], 1);
    assert!(r.json.get("deployments").is_none());
    // An empty batch is valid and records nothing.
    let r = server.send(Method::Post, "/api/events/incidents", token(&server), Some(json!({"incidents": []}))).await;
    assert_eq!(r.json, json!({"incidents": {"inserted": 0, "updated": 0, "unchanged": 0}}), "{}", r.text);
    let r = server.send(Method::Post, "/api/events/changes", token(&server), Some(changes)).await;
    assert_eq!(r.json["pull_requests"]["unchanged"], 1);
    let events = server.store.events(TimeWindow::all()).await.unwrap();
    assert_eq!(events.incidents[0].resolved, Some("2024-03-02T09:30:00Z".parse().unwrap()));
    assert_eq!(events.pull_requests[0].first_commit.as_ref().map(|(s, _)| s.as_str()), Some("a1"));
}

/// Arbitrary JSON, nested a few levels, with the field names the payloads
/// use so that the conversion gets past the first check.
fn any_json() -> impl Strategy<Value = Value> {
    let names = prop::sample::select(vec![
        "id",
        "service",
        "result",
        "started_at",
        "finished_at",
        "commits",
        "deployments",
        "incidents",
        "created_at",
        "resolved_at",
        "pull_requests",
        "sha",
        "parents",
        "repository",
        "merged_at",
        "first_commit_sha",
        "first_commit_at",
        "first_review_id",
        "first_review_at",
        "x",
    ]);
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::from),
        prop::sample::select(vec![
            "2024-03-01T12:00:00Z",
            "2024-02-30T00:00:00Z",
            "",
            " ",
            "success",
            "-9999-01-01T00:00:00Z"
        ])
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 64, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(names.clone(), inner, 0..8)
                .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_string(), v)).collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn arbitrary_json_gives_a_batch_or_an_error_never_a_panic(body in any_json()) {
        for convert in [tl_server::webhooks::deployments, tl_server::webhooks::incidents, tl_server::webhooks::changes] {
            match convert(body.clone()) {
                Ok(batch) => {
                    // What passes the checks is what the store accepts.
                    prop_assert!(batch.deployments.iter().all(|d| !d.id.is_empty() && !matches!((d.started, d.finished), (Some(s), Some(f)) if f < s)));
                    prop_assert!(batch.incidents.iter().all(|i| !i.id.is_empty() && i.resolved.is_none_or(|r| r >= i.created)));
                    prop_assert!(batch.commits.iter().all(|c| !c.commit.sha.is_empty()));
                    prop_assert!(batch.pull_requests.iter().all(|p| !p.id.is_empty() && p.merged.is_none_or(|m| m >= p.created)));
                }
                Err(e) => prop_assert!(!e.message.is_empty()),
            }
        }
    }

    #[test]
    fn one_bad_field_in_a_valid_batch_is_named(i in 0usize..5, field in prop::sample::select(vec!["id", "service", "result", "started_at", "finished_at", "commits"]), value in any_json()) {
        let mut batch = json!({"deployments": (0..5).map(deployment).collect::<Vec<_>>()});
        batch["deployments"][i][field] = value;
        if let Err(e) = tl_server::webhooks::deployments(batch) {
            let f = e.field.unwrap_or_default();
            prop_assert!(f.starts_with(&format!("deployments[{i}]")), "{f}: {}", e.message);
        }
    }
}
