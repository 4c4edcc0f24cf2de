//! A server on a fresh SQLite file with the example organisation applied,
//! users of every role, and API tokens; helpers to send requests.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tl_server::{AppState, Config};
use tl_store::{NewUser, Role, SqlStore, Store};
use tower::ServiceExt;

static COUNTER: AtomicUsize = AtomicUsize::new(0);

pub fn unique_name(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    format!("{prefix}_{}_{}_{nanos}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed))
}

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn acme() -> tl_workspace::Workspace {
    tl_workspace::load(&repo_root().join("examples/acme"))
}

/// A temporary folder, removed on drop.
pub struct TempDir(pub PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Who sends a request.
#[derive(Clone, Debug)]
pub enum As {
    Anonymous,
    /// A session cookie and its CSRF token.
    Session {
        cookie: String,
        csrf: String,
        role: Role,
    },
    Token {
        secret: String,
        role: Role,
    },
}

impl As {
    pub fn label(&self) -> String {
        match self {
            As::Anonymous => "anonymous".into(),
            As::Session { role, .. } => format!("{role} session"),
            As::Token { role, .. } => format!("{role} token"),
        }
    }
}

pub struct TestServer {
    pub app: Router,
    pub state: AppState,
    pub store: Arc<dyn Store>,
    pub viewer: As,
    pub editor: As,
    pub admin: As,
    pub viewer_token: As,
    pub editor_token: As,
    _dir: Option<TempDir>,
}

pub const PASSWORD: &str = "correct horse battery";

pub async fn create_user(store: &dyn Store, name: &str, role: Role) {
    let password_hash = tl_server::auth::hash_password(PASSWORD).expect("hash");
    store
        .create_user(NewUser { username: name.into(), role, password_hash, at: jiff::Timestamp::now() })
        .await
        .expect("create user");
}

impl TestServer {
    /// A server on a fresh SQLite file with acme applied.
    pub async fn new() -> TestServer {
        TestServer::with_config(Config::default()).await
    }

    pub async fn with_config(config: Config) -> TestServer {
        let dir = TempDir(std::env::temp_dir().join(unique_name("tl_server_test")));
        std::fs::create_dir_all(&dir.0).expect("temp dir");
        let store = tl_store::open(&dir.0.join("t.db").display().to_string()).await.expect("open store");
        let ws = acme();
        let request = tl_app::ApplyRequest {
            author: "test".into(),
            at: jiff::Timestamp::now(),
            force: false,
            expected_revision: None,
        };
        tl_app::apply_workspace(&store, &ws, request).await.expect("apply acme");
        TestServer::on(Arc::new(store), config, Some(dir), true).await
    }

    /// A server on an existing store; `seed_users` creates the users.
    pub async fn on(store: Arc<dyn Store>, config: Config, dir: Option<TempDir>, seed_users: bool) -> TestServer {
        if seed_users {
            for (name, role) in [("vera", Role::Viewer), ("eddie", Role::Editor), ("ada", Role::Admin)] {
                create_user(store.as_ref(), name, role).await;
            }
        }
        let state = AppState::new(store.clone(), config);
        let app = tl_server::app(state.clone());
        let token = |name: &str, role: Role| {
            let store = store.clone();
            let name = name.to_string();
            async move {
                let (_, secret) =
                    tl_server::auth::create_api_token(store.as_ref(), &name, role, None).await.expect("token");
                As::Token { secret, role }
            }
        };
        let viewer_token = token(&unique_name("viewer"), Role::Viewer).await;
        let editor_token = token(&unique_name("editor"), Role::Editor).await;
        let mut server = TestServer {
            app,
            state,
            store,
            viewer: As::Anonymous,
            editor: As::Anonymous,
            admin: As::Anonymous,
            viewer_token,
            editor_token,
            _dir: dir,
        };
        server.viewer = server.login("vera", Role::Viewer).await;
        server.editor = server.login("eddie", Role::Editor).await;
        server.admin = server.login("ada", Role::Admin).await;
        server
    }

    /// Logs in through `POST /api/login`.
    pub async fn login(&self, username: &str, role: Role) -> As {
        let body = serde_json::json!({"username": username, "password": PASSWORD});
        let response = self.send(Method::Post, "/api/login", &As::Anonymous, Some(body)).await;
        assert_eq!(response.status, StatusCode::OK, "login {username}: {}", response.text);
        let cookie = response.set_cookie.expect("a session cookie");
        let csrf = response.json["csrf_token"].as_str().expect("csrf token").to_string();
        As::Session { cookie, csrf, role }
    }

    pub async fn request(&self, request: Request<Body>) -> Response {
        let response = self.app.clone().oneshot(request).await.expect("infallible");
        Response::read(response).await
    }

    pub async fn send(&self, method: Method, path: &str, who: &As, body: Option<Value>) -> Response {
        let mut builder = Request::builder().method(method.as_str()).uri(path);
        match who {
            As::Anonymous => {}
            As::Session { cookie, csrf, .. } => {
                builder = builder.header(header::COOKIE, cookie).header("x-csrf-token", csrf);
            }
            As::Token { secret, .. } => builder = builder.header(header::AUTHORIZATION, format!("Bearer {secret}")),
        }
        let body = match body {
            Some(v) => {
                builder = builder.header(header::CONTENT_TYPE, "application/json");
                Body::from(v.to_string())
            }
            None => Body::empty(),
        };
        self.request(builder.body(body).expect("request")).await
    }

    pub async fn get(&self, path: &str, who: &As) -> Response {
        self.send(Method::Get, path, who, None).await
    }
}

#[derive(Clone, Copy, Debug)]
pub enum Method {
    Get,
    Post,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Delete => "DELETE",
        }
    }
}

pub struct Response {
    pub status: StatusCode,
    pub text: String,
    pub json: Value,
    /// The `name=value` part of a Set-Cookie header.
    pub set_cookie: Option<String>,
    pub location: Option<String>,
    pub headers: axum::http::HeaderMap,
}

impl Response {
    async fn read(response: axum::response::Response) -> Response {
        let status = response.status();
        let headers = response.headers().clone();
        let set_cookie = headers
            .get(header::SET_COOKIE)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or("").to_string());
        let location = headers.get(header::LOCATION).and_then(|v| v.to_str().ok()).map(String::from);
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.expect("body");
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        Response { status, text, json, set_cookie, location, headers }
    }
}

/// A store on the PostgreSQL at `DATABASE_URL`, in a fresh database, if set.
pub async fn postgres_store() -> Option<(String, SqlStore)> {
    let url = std::env::var("DATABASE_URL").ok().filter(|u| !u.is_empty())?;
    sqlx::any::install_default_drivers();
    let admin = sqlx::AnyPool::connect(&url).await.expect("connect to DATABASE_URL");
    let database = unique_name("tl_server");
    sqlx::Executor::execute(&admin, sqlx::AssertSqlSafe(format!("CREATE DATABASE {database}")))
        .await
        .expect("create database");
    admin.close().await;
    let (base, query) = url.split_once('?').map_or((url.as_str(), None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let base = base[scheme_end..].find('/').map_or(base, |slash| &base[..scheme_end + slash]);
    let db_url = match query {
        Some(q) => format!("{base}/{database}?{q}"),
        None => format!("{base}/{database}"),
    };
    let store = tl_store::open(&db_url).await.expect("open fresh database");
    Some((db_url, store))
}
