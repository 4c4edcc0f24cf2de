//! Themes, objectives and key results with computed progress, check-ins,
//! and the alignment tree.

use crate::auth::{Caller, Editor, Viewer};
use crate::dto;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, IfMatch, etag};
use crate::routes::delivery::{cached_json, json};
use crate::state::{AppState, JsonView};
use crate::views;
use axum::extract::{Path, State};
use axum::http::header::ETAG;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use tl_store::{Confidence, NewCheckIn};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/themes", get(themes))
        .route("/api/objectives", get(objectives))
        .route("/api/objectives/{id}", get(objective))
        .route("/api/key-results/{id}", get(key_result))
        .route("/api/key-results/{id}/check-ins", get(check_ins).post(post_check_in))
        .route("/api/alignment", get(alignment))
}

#[utoipa::path(get, path = "/api/themes", tag = "okrs",
    responses((status = 200, body = Vec<dto::Theme>), (status = 401, body = ErrorBody)))]
pub async fn themes(State(state): State<AppState>, _: Viewer) -> Result<Json<Vec<dto::Theme>>, ApiError> {
    let plan = state.plan().await?;
    Ok(Json(plan.model().themes.iter().map(dto::Theme::from).collect()))
}

async fn all_objectives(state: &AppState) -> Result<std::sync::Arc<Vec<dto::Objective>>, ApiError> {
    state.derive(|d| d.objectives().clone()).await
}

#[utoipa::path(get, path = "/api/objectives", tag = "okrs",
    responses((status = 200, description = "With key results, progress and roll-up", body = Vec<dto::Objective>), (status = 304, description = "Not modified: `If-None-Match` names the current `ETag`"), (status = 401, body = ErrorBody)))]
pub async fn objectives(State(state): State<AppState>, _: Viewer, headers: HeaderMap) -> Result<Response, ApiError> {
    cached_json(&state, JsonView::Objectives, &headers).await
}

#[utoipa::path(get, path = "/api/objectives/{id}", tag = "okrs", params(("id" = String, Path)),
    responses((status = 200, body = dto::Objective), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn objective(State(state): State<AppState>, _: Viewer, Path(id): Path<String>) -> Result<Response, ApiError> {
    let all = all_objectives(&state).await?;
    all.iter().find(|o| o.id == id).map(json).ok_or_else(|| ApiError::not_found("objective", &id))
}

#[utoipa::path(get, path = "/api/key-results/{id}", tag = "okrs", params(("id" = String, Path)),
    responses((status = 200, body = dto::KeyResult), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn key_result(
    State(state): State<AppState>,
    _: Viewer,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let all = all_objectives(&state).await?;
    let found = all.iter().flat_map(|o| &o.key_results).find(|k| k.id == id);
    found.map(json).ok_or_else(|| ApiError::not_found("key result", &id))
}

#[utoipa::path(get, path = "/api/key-results/{id}/check-ins", tag = "okrs", params(("id" = String, Path)),
    responses((status = 200, description = "Oldest first. `ETag` names the latest version, for `If-Match` on the POST.", body = Vec<dto::CheckIn>,
            headers(("ETag" = String, description = "`\"v<version>\"`: the latest check-in's version (`\"v0\"` for none)"))),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn check_ins(State(state): State<AppState>, _: Viewer, Path(id): Path<String>) -> Result<Response, ApiError> {
    let plan = state.plan().await?;
    if !plan.model().key_results().any(|(_, k)| k.id.as_str() == id) {
        return Err(ApiError::not_found("key result", &id));
    }
    let history = state.store.check_ins(&id).await?;
    let version = history.last().map_or(0, |c| c.version);
    let body: Vec<dto::CheckIn> = history.iter().map(dto::CheckIn::from).collect();
    Ok(([(ETAG, etag(version))], Json(body)).into_response())
}

/// Validates and records a check-in: the API and the HTML form share it.
pub async fn record_check_in(
    state: &AppState,
    caller: &Caller,
    key_result: &str,
    if_match: IfMatch,
    body: dto::NewCheckIn,
) -> Result<dto::CheckIn, ApiError> {
    if !body.value.is_finite() {
        return Err(ApiError::invalid("value", "the value must be a finite number"));
    }
    let confidence = Confidence::new(body.confidence).map_err(|_| {
        ApiError::invalid("confidence", format!("confidence is between 0 and 1, not {}", body.confidence))
    })?;
    let expected = if_match.expected_version(body.expected_version)?;
    let note = crate::extract::note(body.note)?;
    let blockers: Vec<String> =
        body.blockers.into_iter().map(|b| b.trim().to_string()).filter(|b| !b.is_empty()).collect();
    if blockers.len() > 50 || blockers.iter().any(|b| b.len() > 1000) {
        return Err(ApiError::invalid("blockers", "at most 50 blockers of at most 1000 characters each"));
    }
    let check_in = NewCheckIn {
        value: body.value,
        confidence,
        status: body.status.into(),
        note,
        blockers,
        author: caller.name.clone(),
        at: jiff::Timestamp::now(),
    };
    let recorded =
        state.store.record_check_in(key_result, expected.version, check_in).await.map_err(|e| expected.refused(e))?;
    Ok(dto::CheckIn::from(&recorded))
}

#[utoipa::path(post, path = "/api/key-results/{id}/check-ins", tag = "okrs",
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "The `ETag` of the check-ins you last read: the write is refused with 412 if another landed since. Without it, `expected_version` in the body says the same (and a stale one is 409).")),
    request_body = dto::NewCheckIn,
    responses((status = 201, body = dto::CheckIn, headers(("ETag" = String, description = "The new version's entity tag"))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`expected_version` is stale", body = ErrorBody),
        (status = 412, description = "`If-Match` names a stale version", body = ErrorBody),
        (status = 422, description = "A field is invalid (named in `field`)", body = ErrorBody)))]
pub async fn post_check_in(
    State(state): State<AppState>,
    Editor(caller): Editor,
    Path(id): Path<String>,
    if_match: IfMatch,
    ApiJson(body): ApiJson<dto::NewCheckIn>,
) -> Result<Response, ApiError> {
    let recorded = record_check_in(&state, &caller, &id, if_match, body).await?;
    Ok((StatusCode::CREATED, [(ETAG, etag(recorded.version))], Json(recorded)).into_response())
}

#[utoipa::path(get, path = "/api/alignment", tag = "okrs",
    responses((status = 200, description = "Theme → objective → key results and initiatives → milestones", body = Vec<dto::AlignmentTheme>), (status = 401, body = ErrorBody)))]
pub async fn alignment(State(state): State<AppState>, _: Viewer) -> Result<Json<Vec<dto::AlignmentTheme>>, ApiError> {
    Ok(Json(state.derive(|d| views::alignment(d.model(), &d.live)).await?))
}
