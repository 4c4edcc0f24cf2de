//! Who may do what: the role matrix over every mutating route, sessions,
//! CSRF on API writes, tokens, and the login rate limit.

use crate::support::{As, Method, PASSWORD, TestServer, acme};
use axum::http::StatusCode;
use serde_json::{Value, json};
use tl_store::Role;

/// The mutating routes and the role each needs.
const ROUTES: &[(&str, Role)] = &[
    ("check-in", Role::Editor),
    ("metric check-in", Role::Editor),
    ("milestone status", Role::Editor),
    ("dependency status", Role::Editor),
    ("apply", Role::Editor),
    ("deployments webhook", Role::Editor),
    ("incidents webhook", Role::Editor),
    ("changes webhook", Role::Editor),
    ("create user", Role::Admin),
    ("create token", Role::Admin),
    ("delete token", Role::Admin),
];

pub fn acme_files() -> Value {
    let ws = acme();
    let root = crate::support::repo_root().join("examples/acme");
    let files: Vec<Value> = ws
        .sources
        .files
        .iter()
        .map(|f| {
            let path = f.path.strip_prefix(&root).unwrap_or(&f.path).display().to_string();
            json!({"path": path, "text": f.text})
        })
        .collect();
    json!(files)
}

async fn version(server: &TestServer, path: &str) -> i64 {
    let r = server.get(path, &server.editor_token).await;
    assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text);
    r.json["version"].as_i64().expect("a version")
}

/// Tries one route as one caller; returns the status.
async fn attempt(server: &TestServer, route: &str, who: &As, n: usize) -> StatusCode {
    let (method, path, body) = match route {
        "check-in" => {
            let v = version(server, "/api/key-results/kr-auth-success-rate").await;
            let body = json!({"value": 92.0, "confidence": 0.7, "status": "on_track", "expected_version": v});
            (Method::Post, "/api/key-results/kr-auth-success-rate/check-ins".to_string(), Some(body))
        }
        "metric check-in" => {
            let path = "/api/metrics/km-payments-auth-success/check-ins".to_string();
            let history = server.get(&path, &server.editor_token).await.json;
            let v = history.as_array().and_then(|h| h.last()).map_or(0, |c| c["version"].as_i64().expect("version"));
            (Method::Post, path, Some(json!({"value": 93.2, "expected_version": v})))
        }
        "milestone status" => {
            let v = version(server, "/api/milestones/m-kafka-upgrade").await;
            let body = json!({"status": "in_progress", "expected_version": v});
            (Method::Post, "/api/milestones/m-kafka-upgrade/status".to_string(), Some(body))
        }
        "dependency status" => {
            let v = version(server, "/api/dependencies/dep-kafka-for-fraud-features").await;
            let body = json!({"status": "blocked", "note": "cluster not ready", "expected_version": v});
            (Method::Post, "/api/dependencies/dep-kafka-for-fraud-features/status".to_string(), Some(body))
        }
        "apply" => (Method::Post, "/api/plan/apply".to_string(), Some(json!({"files": acme_files()}))),
        "deployments webhook" => {
            let body = json!({"id": format!("run-{n}"), "service": "api", "result": "success"});
            (Method::Post, "/api/events/deployments".to_string(), Some(body))
        }
        "incidents webhook" => {
            let body = json!({"incidents": [{"id": format!("inc-{n}"), "service": "api", "created_at": "2024-03-01T00:00:00Z"}]});
            (Method::Post, "/api/events/incidents".to_string(), Some(body))
        }
        "changes webhook" => {
            let body = json!({"commits": [{"sha": format!("{n:040x}"), "service": "api"}]});
            (Method::Post, "/api/events/changes".to_string(), Some(body))
        }
        "create user" => {
            let body = json!({"username": format!("user{n}"), "role": "viewer", "password": "a long enough password"});
            (Method::Post, "/api/users".to_string(), Some(body))
        }
        "create token" => {
            (Method::Post, "/api/tokens".to_string(), Some(json!({"name": format!("t{n}"), "role": "viewer"})))
        }
        "delete token" => {
            let (token, _) =
                tl_server::auth::create_api_token(server.store.as_ref(), &format!("del{n}"), Role::Viewer, None)
                    .await
                    .expect("token");
            (Method::Delete, format!("/api/tokens/{}", token.id), None)
        }
        other => panic!("unknown route {other}"),
    };
    let response = server.send(method, &path, who, body).await;
    assert!(response.status != StatusCode::INTERNAL_SERVER_ERROR, "{route} as {}: 500 {}", who.label(), response.text);
    response.status
}

#[tokio::test]
async fn role_matrix_of_every_mutating_route() {
    let server = TestServer::new().await;
    let callers = [
        (As::Anonymous, None),
        (server.viewer.clone(), Some(Role::Viewer)),
        (server.editor.clone(), Some(Role::Editor)),
        (server.admin.clone(), Some(Role::Admin)),
        (server.viewer_token.clone(), Some(Role::Viewer)),
        (server.editor_token.clone(), Some(Role::Editor)),
    ];
    let mut table = String::new();
    let mut n = 0;
    for (route, needs) in ROUTES {
        for (who, role) in &callers {
            n += 1;
            let status = attempt(&server, route, who, n).await;
            let expected = match role {
                None => "401",
                Some(r) if r < needs => "403",
                Some(_) => "2xx",
            };
            let got = if status.is_success() { "2xx".to_string() } else { status.as_u16().to_string() };
            table.push_str(&format!("{route:<18} {:<16} {got}\n", who.label()));
            assert_eq!(got, expected, "{route} as {}", who.label());
        }
    }
    // Reads: any authenticated caller, nobody else.
    for (who, role) in &callers {
        for path in ["/api/objectives", "/api/revisions", "/api/revisions/1"] {
            let status = server.get(path, who).await.status;
            let expected = if role.is_some() { StatusCode::OK } else { StatusCode::UNAUTHORIZED };
            assert_eq!(status, expected, "{path} as {}", who.label());
        }
    }
    assert!(!table.is_empty());
}

#[tokio::test]
async fn session_writes_need_the_csrf_header() {
    let server = TestServer::new().await;
    let As::Session { cookie, .. } = &server.editor else { panic!("a session") };
    let no_csrf = As::Session { cookie: cookie.clone(), csrf: String::new(), role: Role::Editor };
    let body = json!({"value": 92.0, "confidence": 0.7, "status": "on_track", "expected_version": 0});
    let r = server
        .send(Method::Post, "/api/key-results/kr-auth-success-rate/check-ins", &no_csrf, Some(body.clone()))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let r =
        server.send(Method::Post, "/api/key-results/kr-auth-success-rate/check-ins", &server.editor, Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json["author"], "eddie");
}

#[tokio::test]
async fn login_logout_and_bad_credentials() {
    let server = TestServer::new().await;
    let r = server
        .send(Method::Post, "/api/login", &As::Anonymous, Some(json!({"username": "eddie", "password": "nope"})))
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = server
        .send(Method::Post, "/api/login", &As::Anonymous, Some(json!({"username": "nobody", "password": PASSWORD})))
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);

    let session = server.login("eddie", Role::Editor).await;
    let me = server.get("/api/me", &session).await;
    assert_eq!(me.json["name"], "eddie");
    assert_eq!(me.json["role"], "editor");
    let r = server
        .send(Method::Post, "/api/login", &As::Anonymous, Some(json!({"username": "eddie", "password": PASSWORD})))
        .await;
    let cookie = r.headers.get("set-cookie").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(!cookie.contains("Secure"), "no Secure flag on loopback: {cookie}");

    let r = server.send(Method::Post, "/api/logout", &session, None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(server.get("/api/me", &session).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn unknown_or_malformed_tokens_are_refused() {
    let server = TestServer::new().await;
    let fake = As::Token { secret: "tl_0000".into(), role: Role::Admin };
    assert_eq!(server.get("/api/teams", &fake).await.status, StatusCode::UNAUTHORIZED);
    let request = axum::http::Request::builder()
        .uri("/api/teams")
        .header("authorization", "Basic abc")
        .body(axum::body::Body::empty())
        .expect("request");
    assert_eq!(server.request(request).await.status, StatusCode::UNAUTHORIZED);
    // Tokens are stored as hashes only.
    let tokens = server.store.api_tokens().await.expect("tokens");
    let As::Token { secret, .. } = &server.editor_token else { panic!() };
    assert!(tokens.iter().all(|t| t.token_hash != *secret && !t.token_hash.starts_with("tl_")));
}

#[tokio::test]
async fn login_attempts_are_rate_limited() {
    let config = tl_server::Config { login_burst: 5, login_replenish_seconds: 60, ..Default::default() };
    // `TestServer` logs three users in, which uses three of the five attempts.
    let server = TestServer::with_config(config).await;
    let body = json!({"username": "eddie", "password": "wrong"});
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(server.send(Method::Post, "/api/login", &As::Anonymous, Some(body.clone())).await.status);
    }
    assert_eq!(
        statuses,
        [
            StatusCode::UNAUTHORIZED,
            StatusCode::UNAUTHORIZED,
            StatusCode::TOO_MANY_REQUESTS,
            StatusCode::TOO_MANY_REQUESTS
        ]
    );
}

#[tokio::test]
async fn first_start_creates_one_admin() {
    let dir = crate::support::TempDir(std::env::temp_dir().join(crate::support::unique_name("tl_server_admin")));
    std::fs::create_dir_all(&dir.0).expect("dir");
    let store = tl_store::open(&dir.0.join("a.db").display().to_string()).await.expect("store");
    let (username, password) = tl_server::auth::ensure_admin(&store).await.expect("ok").expect("created");
    assert_eq!(username, "admin");
    assert!(password.len() >= 16);
    assert!(tl_server::auth::ensure_admin(&store).await.expect("ok").is_none(), "only once");
    let users = tl_store::Store::users(&store).await.expect("users");
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].role, Role::Admin);
    assert!(users[0].password_hash.starts_with("$argon2id$"));
}
