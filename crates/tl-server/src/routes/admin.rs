//! Users and API tokens: admins only.

use crate::auth::{self, Admin};
use crate::dto;
use crate::error::{ApiError, ErrorBody};
use crate::extract::ApiJson;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use tl_store::NewUser;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/users", get(users).post(create_user))
        .route("/api/tokens", get(tokens).post(create_token))
        .route("/api/tokens/{id}", delete(delete_token))
}

#[utoipa::path(get, path = "/api/users", tag = "admin",
    responses((status = 200, body = Vec<dto::User>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn users(State(state): State<AppState>, _: Admin) -> Result<Json<Vec<dto::User>>, ApiError> {
    Ok(Json(state.store.users().await?.iter().map(dto::User::from).collect()))
}

fn check_name(field: &str, name: &str) -> Result<(), ApiError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@'));
    if ok { Ok(()) } else { Err(ApiError::invalid(field, "use 1 to 64 letters, digits, `-`, `_`, `.` or `@`")) }
}

#[utoipa::path(post, path = "/api/users", tag = "admin", request_body = dto::NewUser,
    responses((status = 201, body = dto::User), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "The username is taken", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_user(
    State(state): State<AppState>,
    _: Admin,
    ApiJson(body): ApiJson<dto::NewUser>,
) -> Result<(StatusCode, Json<dto::User>), ApiError> {
    check_name("username", &body.username)?;
    if body.password.chars().count() < auth::MIN_PASSWORD_LEN {
        return Err(ApiError::invalid("password", format!("use at least {} characters", auth::MIN_PASSWORD_LEN)));
    }
    let password_hash = auth::hash_password_async(body.password).await?;
    let user = state
        .store
        .create_user(NewUser {
            username: body.username,
            role: body.role.into(),
            password_hash,
            at: jiff::Timestamp::now(),
        })
        .await?;
    Ok((StatusCode::CREATED, Json(dto::User::from(&user))))
}

#[utoipa::path(get, path = "/api/tokens", tag = "admin",
    responses((status = 200, body = Vec<dto::ApiToken>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn tokens(State(state): State<AppState>, _: Admin) -> Result<Json<Vec<dto::ApiToken>>, ApiError> {
    Ok(Json(state.store.api_tokens().await?.iter().map(dto::ApiToken::from).collect()))
}

#[utoipa::path(post, path = "/api/tokens", tag = "admin", request_body = dto::NewApiToken,
    responses((status = 201, description = "The secret is in this response only", body = dto::ApiToken),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_token(
    State(state): State<AppState>,
    Admin(caller): Admin,
    ApiJson(body): ApiJson<dto::NewApiToken>,
) -> Result<(StatusCode, Json<dto::ApiToken>), ApiError> {
    check_name("name", &body.name)?;
    let (token, secret) =
        auth::create_api_token(state.store.as_ref(), &body.name, body.role.into(), caller.user_id).await?;
    let mut out = dto::ApiToken::from(&token);
    out.secret = Some(secret);
    Ok((StatusCode::CREATED, Json(out)))
}

#[utoipa::path(delete, path = "/api/tokens/{id}", tag = "admin", params(("id" = i64, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_token(
    State(state): State<AppState>,
    _: Admin,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id: i64 = id.parse().map_err(|_| ApiError::not_found("token", &id))?;
    state.store.delete_api_token(id).await?;
    Ok(StatusCode::NO_CONTENT)
}
