//! Health, metrics and the OpenAPI document (a snapshot that cannot drift).

use crate::support::{As, TestServer};
use axum::http::StatusCode;

#[tokio::test]
async fn health_and_metrics() {
    let server = TestServer::new().await;
    let r = server.get("/healthz", &As::Anonymous).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json["status"], "ok");
    server.get("/api/teams/payments", &server.viewer_token).await;
    let r = server.get("/metrics", &As::Anonymous).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("http_requests_total{"), "{}", r.text);
    assert!(r.text.contains(r#"route="/api/teams/{id}""#), "routes are labelled by pattern: {}", r.text);
    assert!(r.text.contains("http_request_duration_seconds_bucket"), "{}", r.text);
}

#[tokio::test]
async fn openapi_document_matches_the_snapshot() {
    let server = TestServer::new().await;
    let r = server.get("/api/openapi.json", &As::Anonymous).await;
    assert_eq!(r.status, StatusCode::OK);
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/openapi.json");
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(&path, &r.text).expect("write the snapshot");
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(expected == r.text, "{} changed; rerun with UPDATE_EXPECT=1 and review the diff", path.display());
    for route in ["/api/key-results/{id}/check-ins", "/api/plan/apply", "/api/blockers"] {
        assert!(r.json["paths"][route].is_object(), "{route} is documented");
    }
    // Client generators name functions after operation ids: each must be unique.
    let mut seen = std::collections::BTreeMap::new();
    for (path, item) in r.json["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            if let Some(id) = op["operationId"].as_str()
                && let Some(other) = seen.insert(id.to_string(), format!("{method} {path}"))
            {
                panic!("operationId {id} is used by {other} and {method} {path}");
            }
        }
    }
}
