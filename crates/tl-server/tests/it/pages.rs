//! The dashboard pages for a logged-in viewer on the example organisation:
//! each renders with its key elements, unknown ids get the 404 page, the
//! initiative filters work through query parameters, and an editor's
//! check-in from an objective's page returns there.

use crate::support::{As, TestServer};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};

async fn page(server: &TestServer, who: &As, path: &str) -> (StatusCode, String) {
    let As::Session { cookie, .. } = who else { panic!("a session") };
    let request = Request::builder().uri(path).header(header::COOKIE, cookie).body(Body::empty()).expect("request");
    let r = server.request(request).await;
    (r.status, r.text)
}

async fn ok(server: &TestServer, path: &str, expected: &[&str]) -> String {
    let (status, html) = page(server, &server.viewer, path).await;
    assert_eq!(status, StatusCode::OK, "{path}: {html}");
    // The shared layout: skip link, navigation with the current page, the
    // user and role, logout.
    for common in
        [r##"href="#main""##, r#"<nav aria-label="Dashboard">"#, r#"aria-current="page""#, "vera", "viewer", "Log out"]
    {
        assert!(html.contains(common), "{path} lacks {common}");
    }
    for e in expected {
        assert!(html.contains(e), "{path} lacks {e}");
    }
    assert!(!html.contains("<script"), "{path} needs no JavaScript");
    html
}

#[tokio::test]
async fn every_page_renders_for_a_viewer() {
    let server = TestServer::new().await;
    let html = ok(
        &server,
        "/",
        &[
            "Strategy kernel",
            "Diagnosis",
            "Themes",
            "Open blockers",
            "errors",
            r#"href="/health""#,
            "Capacity mix against 70-20-10",
            "Planned utilization per team and week",
            "Cross-team dependencies",
            "Objectives and key results",
            "<svg",
        ],
    )
    .await;
    assert!(!html.contains("Record a check-in"), "viewers get no form");
    ok(
        &server,
        "/okrs",
        &["Objectives and key results", "Keep card payments flowing", "href=\"/okrs/o-pay-resilience\""],
    )
    .await;
    ok(&server, "/okrs/o-pay-resilience", &["Keep card payments flowing", "Progress", "Initiatives", "<svg"]).await;
    ok(
        &server,
        "/initiatives",
        &["Rank range", "<select id=\"f-theme\" name=\"theme\">", "href=\"/initiatives?sort=title\""],
    )
    .await;
    ok(&server, "/initiatives/i-sca-exemptions", &["Milestones", "Dependencies", "Scalability review", "10×"]).await;
    ok(&server, "/teams", &["Single points of failure", "href=\"/teams/payments\""]).await;
    ok(
        &server,
        "/teams/payments",
        &["Capacity", "Members", "Skills matrix", "Allocation", "Core metrics", "no events yet", "not reported yet"],
    )
    .await;
    ok(&server, "/dependencies", &["All dependencies", "external", "<svg"]).await;
    ok(&server, "/debt", &["Technical debt by category", "Share of capacity", "The register"]).await;
    ok(&server, "/health", &["Strategy health", "Concerns"]).await;
    let html = ok(
        &server,
        "/portfolio",
        &["Portfolio for 2027-Q1", "Selected", "Left out, and why", "upper bound", "Committed work, at most"],
    )
    .await;
    for debug in ["CategoryMax", "CategoryMin", "DebtFloor", "Committed)", "Infeasib"] {
        assert!(!html.contains(debug), "the portfolio prints Rust's {debug}");
    }
    ok(&server, "/roadmap", &["Roadmap", "P50", "P85", "critical", "<svg", "Initiatives by theme", "<details open>"])
        .await;
    let html = ok(&server, "/roadmap?view=milestones&team=payments", &["Milestones by theme", "<svg"]).await;
    assert!(html.contains(r#"<option value="payments" selected>"#), "the filter keeps its choice");
    ok(&server, "/revisions", &["Plan revisions", r#"href="/revisions/1""#]).await;
    ok(&server, "/revisions/1", &["Revision 1", "Added"]).await;
    ok(&server, "/capacity", &["Capacity", "85%", "<svg"]).await;
    // Without events the Delivery page says how to get them; every number
    // still names its definition.
    ok(
        &server,
        "/delivery",
        &["No delivery events yet", "throughline ingest git", "href=\"/delivery/definitions/acme-delivery\"", "<svg"],
    )
    .await;
    ok(
        &server,
        "/delivery/definitions/acme-delivery-p75",
        &[
            "extending <a href=\"/delivery/definitions/acme-delivery\">",
            "lead_time.statistic",
            "p75",
            "delivery.yaml:",
            "preset dora-2023",
        ],
    )
    .await;
    ok(&server, "/okrs/o-devex-lead-time", &["Measured from delivery events", "acme-delivery"]).await;
    let r = server.get("/style.css", &As::Anonymous).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.headers[header::CONTENT_TYPE].to_str().unwrap_or("").starts_with("text/css"));
}

#[tokio::test]
async fn unknown_ids_get_the_not_found_page() {
    let server = TestServer::new().await;
    for path in [
        "/okrs/nope",
        "/initiatives/nope",
        "/teams/nope",
        "/no-such-page",
        "/delivery/definitions/nope",
        "/delivery?scope=team:nope",
    ] {
        let (status, html) = page(&server, &server.viewer, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(html.contains("<h1>") && html.contains("not found") || html.contains("Not found"), "{path}: {html}");
    }
    // Anyone not logged in is sent to the login form.
    let r = server.get("/teams", &As::Anonymous).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location.as_deref(), Some("/login"));
}

#[tokio::test]
async fn initiatives_filter_and_sort_by_query_parameters() {
    let server = TestServer::new().await;
    let (_, all) = page(&server, &server.viewer, "/initiatives").await;
    let (_, exploration) = page(&server, &server.viewer, "/initiatives?category=exploration&sort=title").await;
    let rows = |html: &str| html.matches("<tr><td class=\"num\">").count();
    assert!(rows(&exploration) > 0 && rows(&exploration) < rows(&all), "{} of {}", rows(&exploration), rows(&all));
    assert!(exploration.contains("<option value=\"exploration\" selected>"));
    assert!(!exploration.contains(">committed</td>"));
    let (status, _) =
        page(&server, &server.viewer, "/initiatives?team=payments&status=in_progress&sort=nonsense").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_check_in_from_the_objective_page_returns_there() {
    let server = TestServer::new().await;
    let (status, html) = page(&server, &server.editor, "/okrs/o-pay-resilience").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Record a check-in") && html.contains(r#"name="back" value="okrs""#));
    let As::Session { cookie, csrf, .. } = &server.editor else { panic!() };
    let body = format!("csrf={csrf}&expected_version=0&value=92.5&confidence=0.8&status=at_risk&back=okrs");
    let request = Request::builder()
        .method("POST")
        .uri("/key-results/kr-auth-success-rate/check-in")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, cookie)
        .body(Body::from(body))
        .expect("request");
    let r = server.request(request).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let to = r.location.expect("a redirect");
    assert!(to.starts_with("/okrs/o-pay-resilience?saved=kr-auth-success-rate"), "{to}");
    let (_, html) = page(&server, &server.editor, "/okrs/o-pay-resilience?saved=kr-auth-success-rate").await;
    assert!(html.contains("Check-in recorded") && html.contains("92.5"));
}
