//! Authentication and roles.
//!
//! - Passwords are argon2id PHC strings, hashed and checked on a blocking
//!   thread. An unknown username is checked against a dummy hash, so timing
//!   does not reveal which usernames exist.
//! - A login creates a session: the cookie holds a random secret; the store
//!   keeps its SHA-256 (so a database leak gives no live sessions) with the
//!   user and a per-session CSRF token. The cookie is HttpOnly and
//!   SameSite=Lax, and Secure unless the server listens on loopback.
//! - CSRF: form posts carry the session's token in a hidden `csrf` field;
//!   JSON writes made with a session cookie carry it in `X-CSRF-Token`.
//!   Requests with an API token need neither (no ambient credential).
//! - API tokens (`Authorization: Bearer tl_...`) are random secrets stored as
//!   SHA-256 hashes, each with a role.
//! - `Caller` resolves who is calling; `Viewer`, `Editor` and `Admin` are
//!   extractors that refuse with 401 (nobody) or 403 (role too low).

use crate::error::ApiError;
use crate::state::AppState;
use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};
use axum::extract::FromRequestParts;
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method};
use jiff::Timestamp;
use sha2::{Digest, Sha256};
use std::sync::OnceLock;
use tl_store::{NewApiToken, NewUser, Role, Session, Store};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "tl_session";
/// The header that carries the CSRF token on JSON writes with a session.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// API token secrets start with this, so that they are easy to spot in leaks.
pub const TOKEN_PREFIX: &str = "tl_";

/// `n` random bytes as lowercase hex.
pub fn random_hex(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    // The operating system's generator failing is not recoverable: no
    // secret can be made without it.
    getrandom::fill(&mut bytes).expect("the operating system's random number generator failed");
    hex(&bytes)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of a secret, as hex: how sessions and tokens are stored.
pub fn sha256_hex(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

/// A random password of `len` characters from an alphabet without look-alikes.
pub fn random_password(len: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let mut out = String::with_capacity(len);
    while out.len() < len {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).expect("the operating system's random number generator failed");
        // Rejection sampling keeps every character equally likely.
        let limit = 256 - 256 % ALPHABET.len();
        for b in bytes {
            if (b as usize) < limit && out.len() < len {
                out.push(ALPHABET[b as usize % ALPHABET.len()] as char);
            }
        }
    }
    out
}

/// Compares two strings in time that does not depend on where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Hashes a password with argon2id (blocking: call it off the async threads).
pub fn hash_password(password: &str) -> Result<String, ApiError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| ApiError::internal(format!("hashing a password failed: {e}")))
}

/// Checks a password against a PHC string (blocking).
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|hash| Argon2::default().verify_password(password.as_bytes(), &hash).is_ok())
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_password(&random_password(20)).unwrap_or_default())
}

/// Hashes on a blocking thread.
pub async fn hash_password_async(password: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || hash_password(&password)).await?
}

/// The minimum password length for new users.
pub const MIN_PASSWORD_LEN: usize = 12;

/// Creates the first admin if there are no users, and returns its username
/// and one-time password (to print once). `None` if users exist already.
pub async fn ensure_admin(store: &dyn Store) -> Result<Option<(String, String)>, ApiError> {
    if !store.users().await?.is_empty() {
        return Ok(None);
    }
    let password = random_password(20);
    let password_hash = hash_password_async(password.clone()).await?;
    let user = NewUser { username: "admin".into(), role: Role::Admin, password_hash, at: Timestamp::now() };
    match store.create_user(user).await {
        Ok(_) => Ok(Some(("admin".into(), password))),
        // Another instance created it first.
        Err(tl_store::Error::AlreadyExists { .. }) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Creates an API token and returns its secret (shown once).
pub async fn create_api_token(
    store: &dyn Store,
    name: &str,
    role: Role,
    created_by: Option<i64>,
) -> Result<(tl_store::ApiToken, String), ApiError> {
    let secret = format!("{TOKEN_PREFIX}{}", random_hex(24));
    let token =
        NewApiToken { name: name.to_string(), token_hash: sha256_hex(&secret), role, created_by, at: Timestamp::now() };
    Ok((store.create_api_token(token).await?, secret))
}

/// Checks a username and password; the user on success.
pub async fn check_credentials(store: &dyn Store, username: &str, password: &str) -> Result<tl_store::User, ApiError> {
    let user = store.user_by_name(username).await?;
    let hash = user.as_ref().map_or_else(|| dummy_hash().to_string(), |u| u.password_hash.clone());
    let password = password.to_string();
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, &hash)).await?;
    match user {
        Some(user) if ok => Ok(user),
        _ => Err(ApiError::BadCredentials),
    }
}

/// What a session stores besides its user.
#[derive(serde::Serialize, serde::Deserialize)]
struct SessionData {
    csrf: String,
}

/// Starts a session for `user`; returns the cookie secret and the CSRF token.
pub async fn start_session(state: &AppState, user: &tl_store::User) -> Result<(String, String), ApiError> {
    let now = Timestamp::now();
    let secret = random_hex(32);
    let csrf = random_hex(24);
    let data = serde_json::to_string(&SessionData { csrf: csrf.clone() }).map_err(ApiError::internal)?;
    let expires_at =
        now.checked_add(jiff::SignedDuration::from_hours(state.config.session_hours)).map_err(ApiError::internal)?;
    state.store.save_session(Session { id: sha256_hex(&secret), user_id: Some(user.id), data, expires_at }).await?;
    // Housekeeping on login keeps the table small without a timer.
    let _ = state.store.delete_expired_sessions(now).await;
    Ok((secret, csrf))
}

/// The `Set-Cookie` value for a session secret (`None`: clear the cookie).
pub fn session_cookie(state: &AppState, secret: Option<&str>) -> HeaderValue {
    let secure = if state.config.secure_cookies { "; Secure" } else { "" };
    let value = match secret {
        Some(s) => {
            format!(
                "{SESSION_COOKIE}={s}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
                state.config.session_hours * 3600
            )
        }
        None => format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"),
    };
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The session secret from the request's cookies.
pub fn session_secret(parts: &Parts) -> Option<String> {
    parts.headers.get_all(COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|c| {
        let (name, value) = c.trim().split_once('=')?;
        (name == SESSION_COOKIE && !value.is_empty()).then(|| value.to_string())
    })
}

/// How the caller proved who they are.
#[derive(Clone, Debug)]
pub enum Via {
    /// A session cookie: `id` is the stored (hashed) session id.
    Session { id: String, csrf: String },
    /// An API token.
    Token { id: i64 },
}

/// An authenticated caller.
#[derive(Clone, Debug)]
pub struct Caller {
    /// The username, or `token:<name>`.
    pub name: String,
    pub user_id: Option<i64>,
    pub role: Role,
    pub via: Via,
}

impl Caller {
    pub fn csrf(&self) -> Option<&str> {
        match &self.via {
            Via::Session { csrf, .. } => Some(csrf),
            Via::Token { .. } => None,
        }
    }
}

/// Who is calling, if anyone: resolved once per request and kept in the
/// request's extensions. A bad or unknown bearer token is a 401, not
/// anonymous, so that a misconfigured CI job fails loudly.
pub async fn resolve(parts: &mut Parts, state: &AppState) -> Result<Option<Caller>, ApiError> {
    if let Some(cached) = parts.extensions.get::<Option<Caller>>() {
        return Ok(cached.clone());
    }
    let now = Timestamp::now();
    let caller = if let Some(header) = parts.headers.get(AUTHORIZATION) {
        let secret = header
            .to_str()
            .ok()
            .and_then(|h| h.strip_prefix("Bearer ").or_else(|| h.strip_prefix("bearer ")))
            .map(str::trim)
            .ok_or(ApiError::Unauthenticated)?;
        let token = state.store.use_api_token(&sha256_hex(secret), now).await?.ok_or(ApiError::Unauthenticated)?;
        Some(Caller {
            name: format!("token:{}", token.name),
            user_id: token.created_by,
            role: token.role,
            via: Via::Token { id: token.id },
        })
    } else if let Some(secret) = session_secret(parts) {
        let id = sha256_hex(&secret);
        // One round trip for the session and its user.
        state.store.session_user(&id, now).await?.map(|(session, user)| {
            let csrf = serde_json::from_str::<SessionData>(&session.data).map(|d| d.csrf).unwrap_or_default();
            Caller { name: user.username, user_id: Some(user.id), role: user.role, via: Via::Session { id, csrf } }
        })
    } else {
        None
    };
    parts.extensions.insert(caller.clone());
    Ok(caller)
}

/// The caller, if any (never rejects for lack of one).
pub struct MaybeCaller(pub Option<Caller>);

impl FromRequestParts<AppState> for MaybeCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        resolve(parts, state).await.map(MaybeCaller)
    }
}

async fn require(parts: &mut Parts, state: &AppState, role: Role) -> Result<Caller, ApiError> {
    let caller = resolve(parts, state).await?.ok_or(ApiError::Unauthenticated)?;
    if caller.role < role {
        return Err(ApiError::Forbidden(format!("this needs the {role} role; you are {}", caller.role)));
    }
    // A write with a session cookie must prove it came from our pages (or a
    // client that logged in through the API), not from another site.
    let writes = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
    let is_api = parts.uri.path().starts_with("/api/");
    if writes
        && is_api
        && let Some(expected) = caller.csrf()
    {
        let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
        if !constant_time_eq(sent, expected) {
            return Err(ApiError::Forbidden(format!("missing or wrong `{CSRF_HEADER}` header")));
        }
    }
    Ok(caller)
}

/// Any authenticated caller: reads.
pub struct Viewer(pub Caller);
/// An editor or admin: writes.
pub struct Editor(pub Caller);
/// An admin: users and tokens.
pub struct Admin(pub Caller);

impl FromRequestParts<AppState> for Viewer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        require(parts, state, Role::Viewer).await.map(Viewer)
    }
}

impl FromRequestParts<AppState> for Editor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        require(parts, state, Role::Editor).await.map(Editor)
    }
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        require(parts, state, Role::Admin).await.map(Admin)
    }
}

/// The login rate limiter's key: the peer's IP address. Without connection
/// info (tests driving the router directly) every request shares one key.
#[derive(Clone, Copy, Debug)]
pub struct PeerIp;

impl tower_governor::key_extractor::KeyExtractor for PeerIp {
    type Key = std::net::IpAddr;

    fn extract<T>(&self, req: &axum::http::Request<T>) -> Result<Self::Key, tower_governor::GovernorError> {
        Ok(req
            .extensions()
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map_or(std::net::IpAddr::from([0, 0, 0, 0]), |c| c.0.ip()))
    }
}
