//! The JSON API: entities and computed views on the example organisation,
//! error responses, versioned writes, and applying a plan with a token.

use crate::auth::acme_files;
use crate::support::{As, Method, TestServer};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};

#[tokio::test]
async fn read_endpoints_serve_the_example() {
    let server = TestServer::new().await;
    let who = &server.viewer_token;
    for path in [
        "/api/organisation",
        "/api/teams",
        "/api/teams/payments",
        "/api/people",
        "/api/themes",
        "/api/objectives",
        "/api/objectives/o-pay-resilience",
        "/api/key-results/kr-auth-success-rate",
        "/api/key-results/kr-auth-success-rate/check-ins",
        "/api/initiatives",
        "/api/milestones/m-kafka-upgrade",
        "/api/milestones/m-kafka-upgrade/status",
        "/api/dependencies",
        "/api/dependencies/dep-kafka-for-fraud-features",
        "/api/dependencies/dep-kafka-for-fraud-features/status",
        "/api/debt",
        "/api/metrics",
        "/api/lint",
        "/api/scores",
        "/api/capacity",
        "/api/alignment",
        "/api/blockers",
        "/api/cross-team-dependencies",
        "/api/plan/revisions",
        "/api/revisions",
        "/api/revisions/1",
        "/api/me",
    ] {
        let r = server.get(path, who).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text);
        assert!(!r.json.is_null(), "{path} returns JSON");
    }
    let org = server.get("/api/organisation", who).await.json;
    assert_eq!(org["revision"], 1);
    assert!(!org["name"].as_str().unwrap_or("").is_empty());
    let scores = server.get("/api/scores", who).await.json;
    assert_eq!(scores["ranked"][0]["rank"], 1);
    let capacity = server.get("/api/capacity", who).await.json;
    assert!(capacity.as_array().is_some_and(|a| !a.is_empty()));
    let alignment = server.get("/api/alignment", who).await.json;
    let objectives: usize =
        alignment.as_array().expect("themes").iter().map(|t| t["objectives"].as_array().map_or(0, Vec::len)).sum();
    let all = server.get("/api/objectives", who).await.json;
    assert_eq!(objectives, all.as_array().map_or(0, Vec::len), "every objective once in the tree");
    let cross = server.get("/api/cross-team-dependencies", who).await.json;
    assert!(cross.as_array().expect("list").iter().all(|d| d["cross_team"] == true));
}

#[tokio::test]
async fn unknown_ids_are_404() {
    let server = TestServer::new().await;
    let who = &server.editor_token;
    for path in [
        "/api/teams/nope",
        "/api/people/nope",
        "/api/objectives/nope",
        "/api/key-results/nope",
        "/api/key-results/nope/check-ins",
        "/api/metrics/nope/check-ins",
        "/api/initiatives/nope",
        "/api/milestones/nope",
        "/api/milestones/nope/status",
        "/api/dependencies/nope",
        "/api/dependencies/nope/status",
        "/api/no-such-route",
    ] {
        let r = server.get(path, who).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}: {}", r.text);
        assert_eq!(r.json["error"]["code"], "not_found", "{path}");
    }
    let body = json!({"value": 1.0, "confidence": 0.5, "status": "on_track", "expected_version": 0});
    let r = server.send(Method::Post, "/api/key-results/nope/check-ins", who, Some(body)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    let r = server
        .send(Method::Post, "/api/milestones/nope/status", who, Some(json!({"status": "done", "expected_version": 0})))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
}

#[tokio::test]
async fn bad_input_is_400_or_422_naming_the_field() {
    let server = TestServer::new().await;
    let who = &server.editor_token;
    let path = "/api/key-results/kr-auth-success-rate/check-ins";
    let cases = [
        (json!({"value": 1.0, "confidence": 1.5, "status": "on_track", "expected_version": 0}), "confidence"),
        (json!({"value": 1.0, "confidence": 0.5, "status": "sideways", "expected_version": 0}), "status"),
        (json!({"value": "high", "confidence": 0.5, "status": "on_track", "expected_version": 0}), "value"),
        (json!({"confidence": 0.5, "status": "on_track", "expected_version": 0}), ""),
        (json!({"value": 1.0, "confidence": 0.5, "status": "on_track", "expected_version": 0, "colour": "red"}), ""),
        (json!({"value": 1.0, "confidence": 0.5, "status": "on_track", "expected_version": -1}), "expected_version"),
    ];
    for (body, field) in cases {
        let r = server.send(Method::Post, path, who, Some(body.clone())).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {}", r.text);
        assert!(r.json["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
        if !field.is_empty() {
            assert_eq!(r.json["error"]["field"], field, "{body}: {}", r.text);
        }
    }
    let r = server
        .send(
            Method::Post,
            "/api/milestones/m-kafka-upgrade/status",
            who,
            Some(json!({"status": "blocked", "expected_version": 0})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.json["error"]["field"], "status");

    // Not JSON at all, or no JSON content type: 400.
    let As::Token { secret, .. } = who else { panic!() };
    for (content_type, body) in [("application/json", "{not json"), ("text/plain", "{}")] {
        let request = Request::builder()
            .method("POST")
            .uri(path)
            .header("authorization", format!("Bearer {secret}"))
            .header("content-type", content_type)
            .body(Body::from(body))
            .expect("request");
        let r = server.request(request).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{content_type} {body}: {}", r.text);
        assert_eq!(r.json["error"]["code"], "bad_request");
    }
    // Bad apply paths name the file.
    let r = server
        .send(
            Method::Post,
            "/api/plan/apply",
            who,
            Some(json!({"files": [{"path": "../etc/passwd.yaml", "text": ""}]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json["error"]["field"], "files[0].path");
}

#[tokio::test]
async fn check_ins_carry_versions_and_conflicts_are_409() {
    let server = TestServer::new().await;
    let who = &server.editor_token;
    let path = "/api/key-results/kr-auth-success-rate/check-ins";
    let body = |v: i64, value: f64| json!({"value": value, "confidence": 0.8, "status": "at_risk", "note": "n", "blockers": ["b"], "expected_version": v});
    let r = server.send(Method::Post, path, who, Some(body(0, 92.5))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json["version"], 1);
    let stale = server.send(Method::Post, path, who, Some(body(0, 93.0))).await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.text);
    assert_eq!(stale.json["error"]["current_version"], 1);
    let kr = server.get("/api/key-results/kr-auth-success-rate", who).await.json;
    assert_eq!(kr["version"], 1);
    assert_eq!(kr["latest"]["value"], 92.5);
    // 91.5 → 93.5, at 92.5: half way.
    assert!((kr["progress"].as_f64().expect("progress") - 0.5).abs() < 1e-9);
    let blockers = server.get("/api/blockers", who).await.json;
    assert!(
        blockers["check_in_blockers"]
            .as_array()
            .is_some_and(|a| a.iter().any(|c| c["key_result"] == "kr-auth-success-rate"))
    );

    // Dependency status updates change the served status.
    let dep = "/api/dependencies/dep-kafka-for-fraud-features";
    let r = server
        .send(Method::Post, &format!("{dep}/status"), who, Some(json!({"status": "done", "expected_version": 0})))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let d = server.get(dep, who).await.json;
    assert_eq!(d["status"], "done");
    assert_eq!(d["version"], 1);
    let r = server
        .send(Method::Post, &format!("{dep}/status"), who, Some(json!({"status": "open", "expected_version": 0})))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn apply_with_a_token_refuses_lint_errors_unless_forced() {
    let server = TestServer::new().await;
    let who = &server.editor_token;
    // The same files: nothing to do.
    let r = server.send(Method::Post, "/api/plan/apply", who, Some(json!({"files": acme_files()}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["applied"], false);
    assert_eq!(r.json["revision"], 1);

    // A reference to a team that does not exist: an error finding.
    let mut files = acme_files();
    let list = files.as_array_mut().expect("files");
    let teams = list.iter_mut().find(|f| f["path"] == "people.yaml").expect("people.yaml");
    let text = teams["text"].as_str().expect("text").replacen("team: payments", "team: paymnts", 1);
    teams["text"] = json!(text);
    let r = server.send(Method::Post, "/api/plan/apply", who, Some(json!({"files": files.clone()}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.json["error"]["code"], "plan_rejected");
    let diagnostics = r.json["error"]["diagnostics"].as_array().expect("diagnostics");
    assert!(diagnostics.iter().any(|d| d["severity"] == "error" && d["file"] == "people.yaml"), "{diagnostics:?}");

    let r = server.send(Method::Post, "/api/plan/apply", who, Some(json!({"files": files, "force": true}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["applied"], true);
    assert_eq!(r.json["forced"], true);
    assert_eq!(r.json["revision"], 2);
    // The cache follows the revision.
    let org = server.get("/api/organisation", who).await.json;
    assert_eq!(org["revision"], 2);
    let revisions = server.get("/api/plan/revisions", who).await.json;
    assert_eq!(revisions[0]["author"].as_str().map(|a| a.starts_with("token:")), Some(true));

    // A stale expected revision is a conflict.
    let r = server
        .send(Method::Post, "/api/plan/apply", who, Some(json!({"files": acme_files(), "expected_revision": 1})))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
}

#[test]
fn demo_history_is_deterministic_and_consistent() {
    let ws = crate::support::acme();
    let now = jiff::Timestamp::from_second(1_800_000_000).expect("time");
    let a = tl_app::history::check_in_history(&ws.model, 7, now);
    let b = tl_app::history::check_in_history(&ws.model, 7, now);
    assert_eq!(a, b);
    assert_eq!(a.len(), ws.model.key_results().count());
    for (kr, list) in &a {
        assert_eq!(list.len(), tl_app::history::WEEKS, "{kr}");
        assert!(list.windows(2).all(|w| w[0].at < w[1].at), "{kr}: weekly, oldest first");
        assert_eq!(list.last().map(|c| c.at), Some(now));
        for c in list {
            assert!((0.0..=1.0).contains(&c.confidence.get()));
            if c.status == tl_store::CheckInStatus::OffTrack {
                assert!(!c.blockers.is_empty(), "{kr}: off track names a blocker");
            }
        }
    }
}

#[tokio::test]
async fn metrics_take_check_ins_unless_measured_from_events() {
    let server = TestServer::new().await;
    let who = &server.editor_token;
    let path = "/api/metrics/km-payments-auth-success/check-ins";
    let metric = |list: &Value, id: &str| -> Value {
        list.as_array().expect("list").iter().find(|m| m["id"] == id).cloned().expect("the metric")
    };

    // Before any check-in: no value, no source.
    let before = server.get("/api/metrics", who).await.json;
    let m = metric(&before, "km-payments-auth-success");
    assert_eq!((m["value"].clone(), m["source"].clone()), (Value::Null, Value::Null));

    // Bad values are 422 naming the field; nothing is written.
    for (body, field) in [
        (json!({"value": "high", "expected_version": 0}), "value"),
        (json!({"value": 1.0, "expected_version": 0, "confidence": 0.5}), "confidence"),
        (json!({"value": 1.0, "note": "x".repeat(4001), "expected_version": 0}), "note"),
    ] {
        let r = server.send(Method::Post, path, who, Some(body.clone())).await;
        assert!(
            r.status == StatusCode::UNPROCESSABLE_ENTITY || r.status == StatusCode::BAD_REQUEST,
            "{body}: {}",
            r.text
        );
        assert_eq!(r.json["error"]["field"], field, "{body}: {}", r.text);
    }
    // A missing field is named in the message (serde reports no path for it).
    let r = server.send(Method::Post, path, who, Some(json!({"expected_version": 0}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.json["error"]["message"].as_str().is_some_and(|m| m.contains("`value`")), "{}", r.text);
    assert_eq!(server.get(path, who).await.json, json!([]));

    let r = server
        .send(Method::Post, path, who, Some(json!({"value": 93.4, "note": " card network ", "expected_version": 0})))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!((r.json["version"].as_i64(), r.json["note"].as_str()), (Some(1), Some("card network")));
    let r = server.send(Method::Post, path, who, Some(json!({"value": 93.9, "expected_version": 0}))).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);

    // The list now carries the value and where it came from.
    let after = server.get("/api/metrics", who).await.json;
    let m = metric(&after, "km-payments-auth-success");
    assert_eq!(m["value"], 93.4);
    assert_eq!(m["source"]["kind"], "check-in");
    assert_eq!(m["source"]["version"], 1);
    assert!(m["source"]["author"].as_str().is_some_and(|a| !a.is_empty()), "{m}");
    assert!(m["source"]["at"].as_str().is_some(), "{m}");

    // A metric measured from events refuses check-ins: its value is computed.
    let bound = "/api/metrics/km-payments-lead-time/check-ins";
    let r = server.send(Method::Post, bound, who, Some(json!({"value": 12.0, "expected_version": 0}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.json["error"]["message"].as_str().is_some_and(|m| m.contains("measure:")), "{}", r.text);
    assert_eq!(server.get(bound, who).await.json, json!([]));
    let m = metric(&after, "km-payments-lead-time");
    assert!(m["source"].is_null() || m["source"]["kind"] == "events", "{m}");
}
