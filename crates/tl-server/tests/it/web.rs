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
    assert_eq!(r.json["error"]["field"], "value");
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
