//! `GET /api/initiatives` in pages: limit and offset with a default and a
//! maximum, the total in `X-Total-Count`, RFC 8288 `Link`s that walk every
//! page, filters, and 422 naming the parameter for bad values.

use crate::support::TestServer;
use axum::http::{StatusCode, header};
use serde_json::Value;
use std::collections::BTreeMap;

fn ids(v: &Value) -> Vec<String> {
    v.as_array().expect("a list").iter().map(|i| i["id"].as_str().expect("id").to_string()).collect()
}

fn total(r: &crate::support::Response) -> usize {
    r.headers.get("x-total-count").and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok()).expect("X-Total-Count")
}

/// The `Link` header as rel → URL.
fn links(r: &crate::support::Response) -> BTreeMap<String, String> {
    let text = r.headers.get(header::LINK).and_then(|v| v.to_str().ok()).expect("Link");
    text.split(", ")
        .map(|part| {
            let (url, rel) = part.split_once("; rel=").expect("a link with rel");
            (rel.trim_matches('"').to_string(), url.trim_start_matches('<').trim_end_matches('>').to_string())
        })
        .collect()
}

#[tokio::test]
async fn pages_walk_every_initiative_once_in_plan_order() {
    let server = TestServer::new().await;
    let who = &server.viewer_token;
    let expected: Vec<String> = crate::support::acme().model.initiatives.iter().map(|i| i.id.0.clone()).collect();
    assert!(expected.len() > 5, "the example has enough initiatives to page");

    // The default page holds them all on the example (fewer than 100).
    let r = server.get("/api/initiatives", who).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(ids(&r.json), expected);
    assert_eq!(total(&r), expected.len());
    assert!(!links(&r).contains_key("next"));

    // Pages of 3, following `next` links.
    let mut seen = Vec::new();
    let mut url = "/api/initiatives?limit=3".to_string();
    let mut pages = 0;
    loop {
        let r = server.get(&url, who).await;
        assert_eq!(r.status, StatusCode::OK, "{url}: {}", r.text);
        assert_eq!(total(&r), expected.len());
        let page = ids(&r.json);
        assert!(page.len() <= 3);
        seen.extend(page);
        pages += 1;
        let l = links(&r);
        assert_eq!(l["first"], "/api/initiatives?limit=3&offset=0");
        let last_offset = (expected.len() - 1) / 3 * 3;
        assert_eq!(l["last"], format!("/api/initiatives?limit=3&offset={last_offset}"));
        assert_eq!(l.contains_key("prev"), pages > 1, "{url}");
        match l.get("next") {
            Some(next) => url = next.clone(),
            None => break,
        }
    }
    assert_eq!(seen, expected, "every initiative exactly once, in order");
    assert_eq!(pages, expected.len().div_ceil(3));

    // Past the end: an empty page, still with the total.
    let r = server.get("/api/initiatives?offset=100000", who).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(ids(&r.json), Vec::<String>::new());
    assert_eq!(total(&r), expected.len());
}

#[tokio::test]
async fn filters_narrow_the_pages_and_the_total() {
    let server = TestServer::new().await;
    let who = &server.viewer_token;
    let model = crate::support::acme().model;
    let theme = model.initiatives.iter().find_map(|i| i.theme.as_ref()).expect("a themed initiative").id.0.clone();
    let want: Vec<String> = model
        .initiatives
        .iter()
        .filter(|i| i.theme.as_ref().is_some_and(|t| t.id.0 == theme))
        .map(|i| i.id.0.clone())
        .collect();
    let r = server.get(&format!("/api/initiatives?theme={theme}&limit=1"), who).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(total(&r), want.len());
    assert_eq!(ids(&r.json), want[..1].to_vec());
    if want.len() > 1 {
        assert_eq!(links(&r)["next"], format!("/api/initiatives?limit=1&offset=1&theme={theme}"), "filters stay");
    }

    let r = server.get("/api/initiatives?status=in_progress&category=committed&limit=1000", who).await;
    let want = model
        .initiatives
        .iter()
        .filter(|i| i.status.as_str() == "in_progress" && i.category.as_str() == "committed")
        .count();
    assert_eq!(total(&r), want);
    assert!(
        r.json.as_array().expect("list").iter().all(|i| i["status"] == "in_progress" && i["category"] == "committed")
    );

    // A team: every initiative it estimated or works a milestone of.
    let team = model.teams[0].id.0.clone();
    let r = server.get(&format!("/api/initiatives?team={team}&limit=1000"), who).await;
    assert!(total(&r) > 0);
    for i in r.json.as_array().expect("list") {
        let estimated = i["effort"].as_array().expect("effort").iter().any(|e| e["team"] == team.as_str());
        let works = i["milestones"].as_array().expect("milestones").iter().any(|m| m["team"] == team.as_str());
        assert!(estimated || works, "{} is not {team}'s", i["id"]);
    }
}

#[tokio::test]
async fn bad_parameters_are_422_naming_them() {
    let server = TestServer::new().await;
    let who = &server.viewer_token;
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("limit=ten", "limit"),
        ("limit=-1", "limit"),
        ("offset=-5", "offset"),
        ("offset=x", "offset"),
        ("theme=t-nope", "theme"),
        ("team=nobody", "team"),
        ("category=moonshot", "category"),
        ("status=stalled", "status"),
    ] {
        let r = server.get(&format!("/api/initiatives?{query}"), who).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {}", r.text);
        assert_eq!(r.json["error"]["field"], field, "{query}: {}", r.text);
        assert!(r.json["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    let r = server.get("/api/initiatives?page=2", who).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "an unknown parameter is named: {}", r.text);
    assert!(r.json["error"]["message"].as_str().is_some_and(|m| m.contains("page")), "{}", r.text);
}
