//! Logging in and out through the API, and who am I. The HTML login form is
//! in `web`; both are rate-limited per client address (see `lib.rs`).

use crate::auth::{self, Via, Viewer};
use crate::dto;
use crate::error::{ApiError, ErrorBody};
use crate::extract::ApiJson;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::SET_COOKIE;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};

/// The routes that need the login rate limit (wrapped in `lib.rs`).
pub fn login_router() -> Router<AppState> {
    Router::new().route("/api/login", post(login))
}

pub fn router() -> Router<AppState> {
    Router::new().route("/api/logout", post(logout)).route("/api/me", get(me))
}

#[utoipa::path(post, path = "/api/login", tag = "session", request_body = dto::Login,
    responses((status = 200, description = "Sets the session cookie", body = dto::Me),
        (status = 401, description = "Wrong username or password", body = ErrorBody),
        (status = 429, description = "Too many attempts from this address")))]
pub async fn login(State(state): State<AppState>, ApiJson(body): ApiJson<dto::Login>) -> Result<Response, ApiError> {
    let user = auth::check_credentials(state.store.as_ref(), &body.username, &body.password).await?;
    let (secret, csrf) = auth::start_session(&state, &user).await?;
    let me =
        dto::Me { name: user.username, role: user.role.as_str().into(), via: "session".into(), csrf_token: Some(csrf) };
    Ok(([(SET_COOKIE, auth::session_cookie(&state, Some(&secret)))], Json(me)).into_response())
}

#[utoipa::path(post, path = "/api/logout", tag = "session",
    responses((status = 204, description = "Ends the session"), (status = 401, body = ErrorBody)))]
pub async fn logout(State(state): State<AppState>, Viewer(caller): Viewer) -> Result<Response, ApiError> {
    if let Via::Session { id, .. } = &caller.via {
        state.store.delete_session(id).await?;
    }
    Ok((StatusCode::NO_CONTENT, [(SET_COOKIE, auth::session_cookie(&state, None))]).into_response())
}

#[utoipa::path(get, path = "/api/me", tag = "session",
    responses((status = 200, body = dto::Me), (status = 401, body = ErrorBody)))]
pub async fn me(Viewer(caller): Viewer) -> Json<dto::Me> {
    let via = match caller.via {
        Via::Session { .. } => "session",
        Via::Token { .. } => "token",
    };
    Json(dto::Me {
        csrf_token: caller.csrf().map(String::from),
        name: caller.name,
        role: caller.role.as_str().into(),
        via: via.into(),
    })
}
