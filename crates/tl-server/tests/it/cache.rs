//! The derived views are cached per plan revision and live version: a write
//! shows at once on the next request (the overview, the API's views), and a
//! cached overview never carries one user's name or CSRF token to another.

use crate::support::{As, Method, TestServer};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::json;

async fn html(server: &TestServer, who: &As, path: &str) -> String {
    let As::Session { cookie, .. } = who else { panic!("a session") };
    let request = Request::builder().uri(path).header(header::COOKIE, cookie).body(Body::empty()).expect("request");
    let r = server.request(request).await;
    assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text);
    r.text
}

#[tokio::test]
async fn live_writes_show_at_once_in_the_cached_views() {
    let server = TestServer::new().await;
    let who = &server.viewer_token;
    let blocker = "the vendor sandbox is down (cache test)";
    let before = html(&server, &server.viewer, "/").await;
    assert!(!before.contains(blocker));
    let blockers = server.get("/api/blockers", who).await.json;
    assert!(!blockers.to_string().contains(blocker));
    let dep = server.get("/api/dependencies/dep-kafka-for-fraud-features", who).await.json;
    assert_ne!(dep["status"], "blocked");

    let body =
        json!({"value": 92.0, "confidence": 0.4, "status": "off_track", "blockers": [blocker], "expected_version": 0});
    let r = server
        .send(Method::Post, "/api/key-results/kr-auth-success-rate/check-ins", &server.editor_token, Some(body))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = server
        .send(
            Method::Post,
            "/api/dependencies/dep-kafka-for-fraud-features/status",
            &server.editor_token,
            Some(json!({"status": "blocked", "expected_version": 0})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);

    let after = html(&server, &server.viewer, "/").await;
    assert!(after.contains(blocker), "the overview shows the new check-in's blocker");
    let blockers = server.get("/api/blockers", who).await.json;
    assert!(blockers.to_string().contains(blocker));
    assert!(
        blockers["dependencies"].as_array().expect("list").iter().any(|d| d["id"] == "dep-kafka-for-fraud-features")
    );
    let dep = server.get("/api/dependencies/dep-kafka-for-fraud-features", who).await.json;
    assert_eq!(dep["status"], "blocked");
    let kr = server.get("/api/key-results/kr-auth-success-rate", who).await.json;
    assert_eq!(kr["latest"]["status"], "off_track");
}

#[tokio::test]
async fn the_cached_overview_is_rendered_per_user() {
    let server = TestServer::new().await;
    // The viewer first, so the editor's page comes from the cache.
    let viewer = html(&server, &server.viewer, "/").await;
    let editor = html(&server, &server.editor, "/").await;
    let (As::Session { csrf: editor_csrf, .. }, As::Session { csrf: viewer_csrf, .. }) =
        (&server.editor, &server.viewer)
    else {
        panic!("sessions")
    };
    let user = |name: &str| format!("<span>{name} <span class=\"role\"");
    assert!(viewer.contains(&user("vera")) && !viewer.contains(&user("eddie")));
    assert!(editor.contains(&user("eddie")) && !editor.contains(&user("vera")));
    assert!(editor.contains(editor_csrf.as_str()), "the editor's forms carry the editor's token");
    assert!(!viewer.contains(editor_csrf.as_str()) && !editor.contains(viewer_csrf.as_str()));
    assert!(editor.contains("Record a check-in") && !viewer.contains("Record a check-in"));
    // And again, now both from the cache.
    assert_eq!(html(&server, &server.viewer, "/").await, viewer);
    assert_eq!(html(&server, &server.editor, "/").await, editor);
}
