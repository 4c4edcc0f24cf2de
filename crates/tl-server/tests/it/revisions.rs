//! The revision history over HTTP: the list and one revision as JSON (with
//! the line diff of each changed document), the pages, and the errors for
//! revision numbers that are bad or do not exist.

use crate::support::{As, TestServer, acme};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::Value;

/// Applies a second revision: an initiative renamed, a risk removed.
async fn second_revision(server: &TestServer) -> (String, String) {
    let mut model = acme().model;
    model.initiatives[0].title.push_str(" (rescoped)");
    let initiative = model.initiatives[0].id.0.clone();
    let risk = model.risks.pop().expect("a risk").id.0;
    let options = tl_store::ApplyOptions {
        author: "carol".into(),
        at: jiff::Timestamp::now(),
        expected_revision: Some(1),
        forced: false,
    };
    server.store.apply(&model, options).await.expect("apply revision 2");
    (initiative, risk)
}

fn lines(hunks: &Value, op: &str) -> Vec<String> {
    hunks
        .as_array()
        .expect("hunks")
        .iter()
        .flat_map(|h| h.as_array().expect("a hunk").iter())
        .filter(|l| l["op"] == op)
        .map(|l| l["text"].as_str().unwrap_or("").to_string())
        .collect()
}

#[tokio::test]
async fn a_revision_shows_what_changed_as_a_line_diff() {
    let server = TestServer::new().await;
    let (initiative, risk) = second_revision(&server).await;
    let who = &server.viewer_token;

    let list = server.get("/api/revisions", who).await;
    assert_eq!(list.status, StatusCode::OK);
    let numbers: Vec<i64> =
        list.json.as_array().expect("a list").iter().filter_map(|r| r["revision"].as_i64()).collect();
    assert_eq!(numbers, [2, 1], "newest first");
    assert_eq!(server.get("/api/revisions?limit=1", who).await.json.as_array().map(Vec::len), Some(1));

    let r = server.get("/api/revisions/2", who).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["revision"]["author"], "carol");
    assert_eq!(r.json["left_out"], 0);
    let docs = r.json["documents"].as_array().expect("documents");
    assert_eq!(docs.len(), 2, "one changed, one removed");
    let changed = docs.iter().find(|d| d["id"] == initiative.as_str()).expect("the initiative");
    assert_eq!((changed["kind"].as_str(), changed["removed"].as_bool()), (Some("initiative"), Some(false)));
    let removed = lines(&changed["hunks"], "removed");
    let added = lines(&changed["hunks"], "added");
    assert_eq!(removed.len(), 1, "{removed:?}");
    assert_eq!(added.len(), 1, "{added:?}");
    assert!(removed[0].trim_start().starts_with("title:") && added[0].contains("(rescoped)"), "{removed:?} {added:?}");
    assert!(!lines(&changed["hunks"], "same").is_empty(), "context around the change");
    let gone = docs.iter().find(|d| d["id"] == risk.as_str()).expect("the risk");
    assert_eq!(gone["removed"], true);
    assert!(gone["after"].is_null() && gone["before"].as_str().is_some_and(|b| b.contains(&risk)));
    assert!(lines(&gone["hunks"], "added").is_empty());

    let first = server.get("/api/revisions/1", who).await;
    assert_eq!(first.status, StatusCode::OK);
    assert!(first.json["documents"].as_array().is_some_and(Vec::is_empty), "revision 1 only added");

    // Bad and unknown numbers.
    for (path, status, field) in [
        ("/api/revisions/two", StatusCode::BAD_REQUEST, Some("revision")),
        ("/api/revisions/0", StatusCode::UNPROCESSABLE_ENTITY, Some("revision")),
        ("/api/revisions/-3", StatusCode::UNPROCESSABLE_ENTITY, Some("revision")),
        ("/api/revisions/99999999999999999999", StatusCode::BAD_REQUEST, Some("revision")),
        ("/api/revisions/3", StatusCode::NOT_FOUND, None),
        ("/api/revisions?limit=0", StatusCode::UNPROCESSABLE_ENTITY, Some("limit")),
        ("/api/revisions?limit=many", StatusCode::UNPROCESSABLE_ENTITY, Some("limit")),
    ] {
        let r = server.get(path, who).await;
        assert_eq!(r.status, status, "{path}: {}", r.text);
        assert_eq!(r.json["error"]["field"].as_str(), field, "{path}");
    }
}

#[tokio::test]
async fn the_revision_pages_list_and_diff() {
    let server = TestServer::new().await;
    let (initiative, risk) = second_revision(&server).await;
    let As::Session { cookie, .. } = &server.viewer else { panic!() };
    let get = |path: &'static str| {
        Request::builder().uri(path).header(header::COOKIE, cookie.as_str()).body(Body::empty()).expect("request")
    };

    let r = server.request(get("/revisions")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains(r#"<a href="/revisions" aria-current="page">Revisions</a>"#), "in the navigation");
    assert!(r.text.contains(r#"href="/revisions/2""#) && r.text.contains(r#"href="/revisions/1""#));
    assert!(r.text.contains("carol"));

    let r = server.request(get("/revisions/2")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains(&format!(r#"<a href="/initiatives/{initiative}">initiative {initiative}</a>"#)), "linked");
    assert!(r.text.contains(r#"<tr class="removed">"#) && r.text.contains(r#"<tr class="added">"#));
    assert!(r.text.contains("(rescoped)"));
    assert!(r.text.contains(&format!("risk {risk}")), "the removed risk is named");
    assert!(r.text.contains(r#"href="/revisions/1" rel="prev""#) && !r.text.contains(r#"rel="next""#));

    let r = server.request(get("/revisions/1")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("<h2 id=\"added\">Added</h2>") && r.text.contains(r#"rel="next""#));
}
