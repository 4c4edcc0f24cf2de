//! Two server instances on one PostgreSQL database behave as one: what one
//! writes, the other serves. Runs when `DATABASE_URL` is set (CI sets it).

use crate::auth::acme_files;
use crate::support::{Method, TestServer, postgres_store};
use axum::http::StatusCode;
use serde_json::json;
use std::sync::Arc;
use tl_server::Config;

#[tokio::test]
async fn two_instances_share_one_postgres_database() {
    let Some((url, first)) = postgres_store().await else {
        if std::env::var("TL_STORE_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") {
            panic!("TL_STORE_REQUIRE_POSTGRES=1 but DATABASE_URL is not set");
        }
        return;
    };
    let second = tl_store::open(&url).await.expect("second connection pool");
    let a = TestServer::on(Arc::new(first), Config::default(), None, true).await;
    let b = TestServer::on(Arc::new(second), Config::default(), None, false).await;

    // A plan applied through A is served by B.
    let r = a.send(Method::Post, "/api/plan/apply", &a.editor_token, Some(json!({"files": acme_files()}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let org = b.get("/api/organisation", &b.viewer_token).await.json;
    assert_eq!(org["revision"], 1);
    assert!(b.get("/api/objectives", &b.viewer).await.json.as_array().is_some_and(|o| !o.is_empty()));

    // A check-in written through A is read through B; B's session works too.
    // B cached its views when it served the objectives above: the live
    // version in the store, not anything in A's memory, tells it they moved.
    let body = json!({"value": 92.5, "confidence": 0.8, "status": "on_track", "expected_version": 0});
    let r =
        a.send(Method::Post, "/api/key-results/kr-auth-success-rate/check-ins", &a.editor, Some(body.clone())).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let kr = b.get("/api/key-results/kr-auth-success-rate", &b.viewer).await.json;
    assert_eq!(kr["latest"]["value"], 92.5);
    assert_eq!(kr["version"], 1);
    // The same stale write through B is refused.
    let r = b.send(Method::Post, "/api/key-results/kr-auth-success-rate/check-ins", &b.editor, Some(body)).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);

    // A re-apply with a change through B is served by A at once.
    let mut files = acme_files();
    let org_file =
        files.as_array_mut().expect("files").iter_mut().find(|f| f["path"] == "organisation.yaml").expect("org");
    let name = org["name"].as_str().expect("name").to_string();
    let text = org_file["text"].as_str().expect("text").replacen(&name, "Renamed Org", 1);
    org_file["text"] = json!(text);
    let r = b.send(Method::Post, "/api/plan/apply", &b.editor_token, Some(json!({"files": files}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let org = a.get("/api/organisation", &a.viewer).await.json;
    assert_eq!(org["name"], "Renamed Org");
    assert_eq!(org["revision"], 2);
}
