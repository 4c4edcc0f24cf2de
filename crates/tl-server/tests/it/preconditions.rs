//! Optimistic concurrency over HTTP: the GET of a subject's history carries
//! an `ETag` naming its latest version, the POST honours `If-Match` (a stale
//! one is 412, a malformed one 400), the body's `expected_version` keeps
//! working (409), and of many writers racing with the same `ETag` exactly one
//! wins each version.

use crate::support::{As, TestServer};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};
use std::sync::Arc;

const KR: &str = "/api/key-results/kr-auth-success-rate/check-ins";
const METRIC: &str = "/api/metrics/km-payments-auth-success/check-ins";
const MILESTONE: &str = "/api/milestones/m-kafka-upgrade/status";
const DEPENDENCY: &str = "/api/dependencies/dep-kafka-for-fraud-features/status";

/// A POST with an optional `If-Match` as an editor's bearer token.
async fn post(server: &TestServer, path: &str, if_match: Option<&str>, body: Value) -> crate::support::Response {
    let As::Token { secret, .. } = &server.editor_token else { panic!("a token") };
    let mut request = Request::builder()
        .method("POST")
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {secret}"))
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(tag) = if_match {
        request = request.header(header::IF_MATCH, tag);
    }
    server.request(request.body(Body::from(body.to_string())).expect("request")).await
}

async fn etag_of(server: &TestServer, path: &str) -> String {
    let r = server.get(path, &server.viewer_token).await;
    assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text);
    r.headers.get(header::ETAG).and_then(|v| v.to_str().ok()).expect("an ETag").to_string()
}

fn check_in(value: f64) -> Value {
    json!({"value": value, "confidence": 0.7, "status": "on_track"})
}

fn status_body(path: &str) -> Value {
    if path == METRIC {
        return json!({"value": 93.1, "note": "from the card network report"});
    }
    if path.starts_with("/api/milestones") { json!({"status": "in_progress"}) } else { json!({"status": "at_risk"}) }
}

#[tokio::test]
async fn the_history_etag_guards_the_next_write() {
    let server = TestServer::new().await;
    for (path, body) in [
        (KR, check_in(92.0)),
        (METRIC, status_body(METRIC)),
        (MILESTONE, status_body(MILESTONE)),
        (DEPENDENCY, status_body(DEPENDENCY)),
    ] {
        assert_eq!(etag_of(&server, path).await, "\"v0\"", "{path}: no history yet");

        // The ETag alone is enough: no expected_version in the body.
        let r = post(&server, path, Some("\"v0\""), body.clone()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{path}: {}", r.text);
        assert_eq!(r.json["version"], 1);
        assert_eq!(r.headers.get(header::ETAG).and_then(|v| v.to_str().ok()), Some("\"v1\""), "{path}");
        assert_eq!(etag_of(&server, path).await, "\"v1\"");

        // The same ETag again is stale: 412 with the current version, and
        // nothing written.
        let r = post(&server, path, Some("\"v0\""), body.clone()).await;
        assert_eq!(r.status, StatusCode::PRECONDITION_FAILED, "{path}: {}", r.text);
        assert_eq!(r.json["error"]["code"], "precondition_failed");
        assert_eq!(r.json["error"]["current_version"], 1);
        assert!(r.json["error"]["message"].as_str().is_some_and(|m| m.contains("\"v1\"")), "{}", r.text);
        assert_eq!(etag_of(&server, path).await, "\"v1\"");

        // A tag from the future, a weak tag or a foreign one never matches.
        for tag in ["\"v7\"", "W/\"v1\"", "\"abc\""] {
            let r = post(&server, path, Some(tag), body.clone()).await;
            assert_eq!(r.status, StatusCode::PRECONDITION_FAILED, "{path} {tag}: {}", r.text);
        }

        // `*` and no header leave it to the body; without either it is 422.
        let mut with_version = body.clone();
        with_version["expected_version"] = json!(1);
        let r = post(&server, path, Some("*"), with_version.clone()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{path}: {}", r.text);
        let r = post(&server, path, None, with_version.clone()).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{path}: a stale body version stays 409: {}", r.text);
        let r = post(&server, path, None, body.clone()).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {}", r.text);
        assert_eq!(r.json["error"]["field"], "expected_version");

        // Header and body must agree.
        let r = post(&server, path, Some("\"v2\""), with_version).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {}", r.text);
        assert_eq!(r.json["error"]["field"], "expected_version");

        // Malformed headers are 400 naming the header.
        for tag in ["v2", "\"v2\", \"v3\"", "\""] {
            let r = post(&server, path, Some(tag), body.clone()).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{path} {tag}: {}", r.text);
            assert_eq!(r.json["error"]["field"], "If-Match");
        }
        assert_eq!(etag_of(&server, path).await, "\"v2\"", "{path}: refused writes wrote nothing");
    }
    // An unknown subject is 404 whatever the header says.
    let r = post(&server, "/api/key-results/nope/check-ins", Some("\"v0\""), check_in(1.0)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    let r = post(&server, "/api/metrics/nope/check-ins", Some("\"v0\""), status_body(METRIC)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
}

/// `n` writers race for each of `rounds` versions with the ETag they all
/// read; exactly one must win each.
async fn race(server: &Arc<TestServer>, path: &'static str, rounds: i64, n: usize) {
    for round in 0..rounds {
        let tag = etag_of(server, path).await;
        assert_eq!(tag, format!("\"v{round}\""));
        let writers: Vec<_> = (0..n)
            .map(|w| {
                let server = server.clone();
                let tag = tag.clone();
                let body = if path == KR { check_in(w as f64) } else { status_body(path) };
                tokio::spawn(async move { post(&server, path, Some(&tag), body).await })
            })
            .collect();
        let mut won = Vec::new();
        let mut failed = 0;
        for writer in writers {
            let r = writer.await.expect("a writer");
            match r.status {
                StatusCode::CREATED => won.push(r.json["version"].as_i64().expect("version")),
                StatusCode::PRECONDITION_FAILED => {
                    assert_eq!(r.json["error"]["current_version"], round + 1, "{}", r.text);
                    failed += 1;
                }
                other => panic!("{path}: unexpected {other}: {}", r.text),
            }
        }
        assert_eq!(won, vec![round + 1], "{path} round {round}: exactly one writer wins the version");
        assert_eq!(failed, n - 1);
    }
    let history = server.get(path, &server.viewer_token).await.json;
    let versions: Vec<i64> =
        history.as_array().expect("history").iter().map(|c| c["version"].as_i64().unwrap()).collect();
    assert_eq!(versions, (1..=rounds).collect::<Vec<_>>(), "{path}: no version lost or written twice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_many_concurrent_writers_with_one_etag_exactly_one_wins_each_version() {
    let server = Arc::new(TestServer::new().await);
    race(&server, KR, 4, 12).await;
    race(&server, METRIC, 3, 12).await;
    race(&server, MILESTONE, 3, 12).await;
    race(&server, DEPENDENCY, 3, 12).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn writers_that_reread_on_412_all_land_in_turn() {
    let server = Arc::new(TestServer::new().await);
    let n = 8;
    let writers: Vec<_> = (0..n)
        .map(|w| {
            let server = server.clone();
            tokio::spawn(async move {
                for attempt in 0.. {
                    assert!(attempt < 200, "writer {w} starved");
                    let tag = etag_of(&server, KR).await;
                    let r = post(&server, KR, Some(&tag), check_in(w as f64)).await;
                    match r.status {
                        StatusCode::CREATED => return r.json["version"].as_i64().expect("version"),
                        StatusCode::PRECONDITION_FAILED => continue,
                        other => panic!("unexpected {other}: {}", r.text),
                    }
                }
                unreachable!()
            })
        })
        .collect();
    let mut versions = Vec::new();
    for w in writers {
        versions.push(w.await.expect("writer"));
    }
    versions.sort();
    assert_eq!(versions, (1..=n).collect::<Vec<i64>>(), "every writer got its own version");
}
