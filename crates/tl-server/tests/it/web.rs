//! The pages: log in with the form, see the OKRs, record a check-in with the
//! form (CSRF checked).

use crate::support::{As, PASSWORD, TestServer};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};

fn form(path: &str, cookie: Option<&str>, body: String) -> Request<Body> {
    let mut builder =
        Request::builder().method("POST").uri(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(c) = cookie {
        builder = builder.header(header::COOKIE, c);
    }
    builder.body(Body::from(body)).expect("request")
}

fn page(path: &str, cookie: &str) -> Request<Body> {
    Request::builder().uri(path).header(header::COOKIE, cookie).body(Body::empty()).expect("request")
}

fn hidden(html: &str, name: &str) -> String {
    let marker = format!(r#"name="{name}" value=""#);
    let start = html.find(&marker).expect("the hidden field") + marker.len();
    html[start..].split('"').next().unwrap_or("").to_string()
}

#[tokio::test]
async fn login_form_overview_and_check_in_form() {
    let server = TestServer::new().await;
    let r = server.get("/", &As::Anonymous).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location.as_deref(), Some("/login"));
    let r = server.get("/login", &As::Anonymous).await;
    assert!(r.text.contains("<form method=\"post\" action=\"/login\">"));

    let r = server.request(form("/login", None, "username=eddie&password=wrong".into())).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.text.contains("Wrong username or password"));
    let r =
        server.request(form("/login", None, format!("username=eddie&password={}", PASSWORD.replace(' ', "+")))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let cookie = r.set_cookie.expect("cookie");

    let r = server.request(page("/", &cookie)).await;
    assert_eq!(r.status, StatusCode::OK);
    let org = server.get("/api/organisation", &server.viewer_token).await.json;
    assert!(r.text.contains(org["name"].as_str().expect("name")), "the organisation's name");
    assert!(r.text.contains("Record a check-in"));
    let csrf = hidden(&r.text, "csrf");
    assert!(!csrf.is_empty());

    let body = |csrf: &str| {
        format!("csrf={csrf}&expected_version=0&value=92.5&confidence=0.8&status=at_risk&note=ok&blockers=one%0Atwo")
    };
    let r = server.request(form("/key-results/kr-auth-success-rate/check-in", Some(&cookie), body("wrong"))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = server.request(form("/key-results/kr-auth-success-rate/check-in", Some(&cookie), body(&csrf))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let kr = server.get("/api/key-results/kr-auth-success-rate", &server.viewer_token).await.json;
    assert_eq!(kr["latest"]["value"], 92.5);
    assert_eq!(kr["latest"]["blockers"], serde_json::json!(["one", "two"]));
    let r = server.request(page("/?saved=kr-auth-success-rate", &cookie)).await;
    assert!(r.text.contains("Check-in recorded"));
    assert!(r.text.contains("92.5"));
    // The same form again is stale now.
    let r = server.request(form("/key-results/kr-auth-success-rate/check-in", Some(&cookie), body(&csrf))).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    // A bad number names the field.
    let r = server
        .request(form(
            "/key-results/kr-auth-success-rate/check-in",
            Some(&cookie),
            format!("csrf={csrf}&expected_version=1&value=lots&confidence=0.8&status=at_risk"),
        ))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("(field “value”)"), "the page names the field: {}", r.text);
}

/// A page's content type is HTML, and it has the layout's navigation.
fn assert_page_in_layout(r: &crate::support::Response, what: &str) {
    let content_type = r.headers[header::CONTENT_TYPE].to_str().unwrap_or("");
    assert!(content_type.starts_with("text/html"), "{what}: {content_type}");
    assert!(r.text.contains(r#"<nav aria-label="Dashboard">"#), "{what} is not in the layout: {}", r.text);
}

#[tokio::test]
async fn a_refused_check_in_shows_the_form_again_with_the_values_sent() {
    let server = TestServer::new().await;
    let As::Session { cookie, csrf, .. } = &server.editor else { panic!() };
    let path = "/key-results/kr-auth-success-rate/check-in";
    let sent = |value: &str, confidence: &str, version: i64| {
        format!(
            "csrf={csrf}&expected_version={version}&value={value}&confidence={confidence}&status=off_track\
             &note=kept+note&blockers=first+blocker%0Asecond&back=okrs"
        )
    };

    // A value that is not a number: 422, the field named and marked, every
    // value kept, nothing written.
    let r = server.request(form(path, Some(cookie), sent("lots", "0.8", 0))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_page_in_layout(&r, "the refused check-in");
    assert!(r.text.contains("(field “value”)"), "{}", r.text);
    assert!(r.text.contains(r#"name="value" aria-invalid="true" type="number" step="any" value="lots""#), "{}", r.text);
    assert!(r.text.contains(r#"<option value="off_track" selected>"#));
    assert!(r.text.contains(">kept note</textarea>") && r.text.contains(">first blocker\nsecond</textarea>"));
    assert!(r.text.contains("<details open>"), "the form is unfolded");
    assert!(r.text.contains(r#"href="/okrs/o-pay-resilience""#), "a way back to the objective");
    assert!(server.store.check_ins("kr-auth-success-rate").await.unwrap().is_empty());

    // A confidence out of range is the store's rule, named the same way.
    let r = server.request(form(path, Some(cookie), sent("92", "7", 0))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("(field “confidence”)") && r.text.contains(r#"value="7""#), "{}", r.text);

    // A stale version: 409 with the values kept and the current version in
    // the form, so that saving again goes through.
    let r = server.request(form(path, Some(cookie), sent("92", "0.8", 0))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let r = server.request(form(path, Some(cookie), sent("93", "0.8", 0))).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.text.contains(r#"name="expected_version" value="1""#), "{}", r.text);
    assert!(r.text.contains(r#"value="93""#));
    let r = server.request(form(path, Some(cookie), sent("93", "0.8", 1))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(server.store.check_ins("kr-auth-success-rate").await.unwrap().len(), 2);
}

#[tokio::test]
async fn html_routes_answer_errors_with_pages_and_the_api_with_json() {
    let server = TestServer::new().await;
    let As::Session { cookie, csrf, .. } = &server.viewer else { panic!() };

    // A viewer's form post: 403 as a page in the layout, naming the role.
    let body = format!("csrf={csrf}&expected_version=0&value=92.5&confidence=0.8&status=at_risk");
    let r = server.request(form("/key-results/kr-auth-success-rate/check-in", Some(cookie), body.clone())).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_page_in_layout(&r, "403");
    assert!(r.text.contains("Not allowed") && r.text.contains("needs the editor role"), "{}", r.text);
    assert!(!r.text.contains(r#"{"error""#), "no JSON in the page");

    // The same post without a session goes to the login form.
    let r = server.request(form("/key-results/kr-auth-success-rate/check-in", None, body)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location.as_deref(), Some("/login"));

    // Unknown pages and ids, and bad query parameters, are pages too.
    for (path, status, text) in [
        ("/no-such-page", StatusCode::NOT_FOUND, "Nothing lives at /no-such-page"),
        ("/revisions/999", StatusCode::NOT_FOUND, "revision `999` not found"),
        ("/revisions/x", StatusCode::BAD_REQUEST, "(field “revision”)"),
        ("/roadmap?view=gantt", StatusCode::UNPROCESSABLE_ENTITY, "(field “view”)"),
        ("/roadmap?team=nobody", StatusCode::UNPROCESSABLE_ENTITY, "(field “team”)"),
    ] {
        let r = server.request(page(path, cookie)).await;
        assert_eq!(r.status, status, "{path}");
        assert_page_in_layout(&r, path);
        assert!(r.text.contains(text), "{path}: {}", r.text);
    }
    // Anonymous visitors to an unknown page get a plain page with a way in.
    let r = server.get("/no-such-page", &As::Anonymous).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.text.contains(r#"href="/login""#));

    // The API keeps JSON for the same mistakes.
    let r = server.get("/api/revisions/x", &server.viewer_token).await;
    assert_eq!((r.status, r.json["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("revision")));
    let r = server.get("/api/no-such-route", &server.viewer_token).await;
    assert_eq!((r.status, r.json["error"]["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
    let r = server
        .send(
            crate::support::Method::Post,
            "/api/key-results/kr-auth-success-rate/check-ins",
            &server.viewer,
            Some(serde_json::json!({"value": 1.0, "confidence": 0.5, "status": "on_track", "expected_version": 0})),
        )
        .await;
    assert_eq!((r.status, r.json["error"]["code"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden")));
}

#[tokio::test]
async fn viewers_see_no_form_and_cannot_post_one() {
    let server = TestServer::new().await;
    let As::Session { cookie, csrf, .. } = &server.viewer else { panic!() };
    let r = server.request(page("/", cookie)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!r.text.contains("Record a check-in"));
    let body = format!("csrf={csrf}&expected_version=0&value=92.5&confidence=0.8&status=at_risk");
    let r = server.request(form("/key-results/kr-auth-success-rate/check-in", Some(cookie), body)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn team_metrics_are_reported_with_the_form_on_the_team_page() {
    let server = TestServer::new().await;
    let As::Session { cookie, csrf, .. } = &server.editor else { panic!() };
    let path = "/metrics/km-payments-auth-success/check-in";
    let sent = |value: &str, version: i64| {
        format!("csrf={csrf}&expected_version={version}&value={value}&note=from+the+network+report")
    };

    // Unreported metrics offer the form; metrics measured from events do not.
    let r = server.request(page("/teams/payments", cookie)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains(r#"action="/metrics/km-payments-auth-success/check-in""#), "{}", r.text);
    assert!(!r.text.contains(r#"action="/metrics/km-payments-lead-time/check-in""#));
    assert!(r.text.contains("not reported yet"));

    // A bad value: 422 on the team page, field named and marked, typed values kept.
    let r = server.request(form(path, Some(cookie), sent("lots", 0))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_page_in_layout(&r, "the refused metric value");
    assert!(r.text.contains("(field “value”)"), "{}", r.text);
    assert!(r.text.contains(r#"value="lots" aria-invalid="true""#), "{}", r.text);
    assert!(r.text.contains(r#"value="from the network report""#));
    assert!(r.text.contains("<details open>"));
    assert!(server.store.metric_check_ins("km-payments-auth-success").await.unwrap().is_empty());

    // Saved: back to the team page, which shows the value, date and author.
    let r = server.request(form(path, Some(cookie), sent("93.4", 0))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let to = r.location.expect("a redirect");
    assert_eq!(to, "/teams/payments?saved=km-payments-auth-success#m-km-payments-auth-success");
    let r = server.request(page("/teams/payments?saved=km-payments-auth-success", cookie)).await;
    assert!(r.text.contains("Value recorded for “Card authorisation success rate”."), "{}", r.text);
    assert!(r.text.contains("<strong>93.4 %</strong>"), "{}", r.text);
    let today = jiff::Timestamp::now().to_string()[..10].to_string();
    assert!(r.text.contains(&today), "the date it was reported");

    // A second value draws the sparkline; a stale form is 409 with the
    // current version in it, so saving again goes through.
    let r = server.request(form(path, Some(cookie), sent("93.8", 1))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let r = server.request(form(path, Some(cookie), sent("94", 1))).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.text.contains(r#"name="expected_version" value="2""#), "{}", r.text);
    assert!(r.text.contains(r#"value="94""#));
    let r = server.request(page("/teams/payments", cookie)).await;
    assert!(r.text.contains("Card authorisation success rate: recent values"), "a sparkline");

    // Measured metrics and unknown ones are refused; a viewer is forbidden.
    let r = server.request(form("/metrics/km-payments-lead-time/check-in", Some(cookie), sent("12", 0))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("measured from delivery events"), "{}", r.text);
    let r = server.request(form("/metrics/nope/check-in", Some(cookie), sent("12", 0))).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let As::Session { cookie: viewer, csrf: viewer_csrf, .. } = &server.viewer else { panic!() };
    let body = format!("csrf={viewer_csrf}&expected_version=2&value=1");
    let r = server.request(form(path, Some(viewer), body)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = server.request(page("/teams/payments", viewer)).await;
    assert!(!r.text.contains("Report a value"), "viewers get no form");
    assert_eq!(server.store.metric_check_ins("km-payments-auth-success").await.unwrap().len(), 2);
}
