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

/// A GET with `If-None-Match` naming the current `ETag` of a cached list.
async fn conditional(server: &TestServer, path: &str, tag: &str) -> crate::support::Response {
    let As::Token { secret, .. } = &server.viewer_token else { panic!("a token") };
    let request = Request::builder()
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {secret}"))
        .header(header::IF_NONE_MATCH, tag)
        .body(Body::empty())
        .expect("request");
    server.request(request).await
}

#[tokio::test]
async fn cached_lists_answer_304_to_a_current_etag_and_move_with_writes() {
    let server = TestServer::new().await;
    let who = &server.viewer_token;
    for path in ["/api/objectives", "/api/dependencies", "/api/cross-team-dependencies", "/api/blockers", "/api/scores"]
    {
        let full = server.get(path, who).await;
        assert_eq!(full.status, StatusCode::OK, "{path}: {}", full.text);
        let tag = full.headers.get(header::ETAG).expect("an ETag").to_str().unwrap().to_string();
        let again = conditional(&server, path, &tag).await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{path}");
        assert!(again.text.is_empty(), "{path}: a 304 has no body");
        assert_eq!(again.headers.get(header::ETAG).unwrap(), tag.as_str());
        // In a list, weak, or `*`: still current. Another tag: the body.
        for header in [format!("\"x\", {tag}"), format!("W/{tag}"), "*".to_string()] {
            assert_eq!(conditional(&server, path, &header).await.status, StatusCode::NOT_MODIFIED, "{path} {header}");
        }
        let other = conditional(&server, path, "\"d0.0.19700101\"").await;
        assert_eq!((other.status, other.text.len()), (StatusCode::OK, full.text.len()), "{path}");
    }

    // A check-in moves the live views' tag, not the plan's (scores).
    let objectives = server.get("/api/objectives", who).await.headers[header::ETAG].to_str().unwrap().to_string();
    let scores = server.get("/api/scores", who).await.headers[header::ETAG].to_str().unwrap().to_string();
    let body = json!({"value": 92.0, "confidence": 0.6, "status": "on_track", "expected_version": 0});
    let r = server
        .send(Method::Post, "/api/key-results/kr-auth-success-rate/check-ins", &server.editor_token, Some(body))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let stale = conditional(&server, "/api/objectives", &objectives).await;
    assert_eq!(stale.status, StatusCode::OK, "a stale tag gets the new body");
    assert!(stale.text.contains("92"), "{}", &stale.text[..200.min(stale.text.len())]);
    assert_eq!(conditional(&server, "/api/scores", &scores).await.status, StatusCode::NOT_MODIFIED);
}

/// Waits (up to 60 s) until the server's caches are warm for the store's
/// current versions, with no request made.
async fn until_warm(server: &TestServer) {
    for _ in 0..3000 {
        let versions = server.store.versions().await.unwrap();
        if server.state.is_warm(versions) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("the caches never warmed");
}

#[tokio::test]
async fn the_warmer_follows_the_store_without_requests() {
    let server = TestServer::new().await;
    let versions = server.store.versions().await.unwrap();
    assert!(!server.state.is_warm(versions), "nothing has asked yet");
    let warmer = tokio::spawn(tl_server::keep_warm(server.state.clone(), std::time::Duration::from_millis(20)));
    until_warm(&server).await;
    // A check-in written straight to the store (as another instance would)
    // moves the live version; the warmer catches up on its own.
    let check_in = tl_store::NewCheckIn {
        value: 91.0,
        confidence: tl_store::Confidence::new(0.5).unwrap(),
        status: tl_store::CheckInStatus::OnTrack,
        note: None,
        blockers: vec![],
        author: "warmer test".into(),
        at: jiff::Timestamp::now(),
    };
    server.store.record_check_in("kr-auth-success-rate", 0, check_in).await.unwrap();
    let moved = server.store.versions().await.unwrap();
    assert_ne!(moved, versions);
    until_warm(&server).await;
    warmer.abort();
    let metrics = server.get("/metrics", &server.viewer_token).await.text;
    assert!(metrics.contains("throughline_warm_seconds"), "{metrics}");
    assert!(metrics.contains("throughline_warm_plan_revision"), "{metrics}");
}

#[tokio::test]
async fn a_database_with_no_plan_serves_every_page_and_warms() {
    // A fresh database: nothing applied yet. Forecasting an empty schedule
    // used to panic (the roadmap, and the warmer of `serve`).
    let dir = crate::support::TempDir(std::env::temp_dir().join(crate::support::unique_name("tl_empty")));
    std::fs::create_dir_all(&dir.0).unwrap();
    let store = tl_store::open(&dir.0.join("t.db").display().to_string()).await.unwrap();
    let server = TestServer::on(std::sync::Arc::new(store), tl_server::Config::default(), Some(dir), true).await;
    for path in ["/", "/okrs", "/initiatives", "/teams", "/dependencies", "/debt", "/health", "/portfolio", "/roadmap"]
        .into_iter()
        .chain(["/capacity", "/delivery", "/revisions"])
    {
        let page = html(&server, &server.viewer, path).await;
        assert!(page.contains("</html>"), "{path}");
    }
    tl_server::web::warm(&server.state).await.expect("warms an empty plan");
}
