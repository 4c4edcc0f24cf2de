//! Webhooks for CI/CD and incident tools: deployments, incidents and
//! changes (commits and pull requests), one event or a batch per request,
//! written in one transaction. The payloads and their checks are in
//! `webhooks`; these handlers only parse, record and count.

use crate::auth::Editor;
use crate::dto;
use crate::error::{ApiError, ErrorBody};
use crate::extract::ApiJson;
use crate::state::AppState;
use crate::webhooks::{self, ChangesBody, DeploymentsBody, IncidentsBody, PayloadError};
use axum::extract::{DefaultBodyLimit, State};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::Value;

/// The largest body these routes accept: a batch of tens of thousands of
/// events in one request.
pub const BODY_LIMIT: usize = 32 * 1024 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/events/deployments", post(post_deployments))
        .route("/api/events/incidents", post(post_incidents))
        .route("/api/events/changes", post(post_changes))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
}

impl From<PayloadError> for ApiError {
    fn from(e: PayloadError) -> ApiError {
        ApiError::Invalid { field: e.field, message: e.message }
    }
}

async fn record(state: &AppState, batch: tl_store::EventBatch) -> Result<tl_store::EventCounts, ApiError> {
    Ok(state.store.record_events(&batch).await?)
}

#[utoipa::path(post, path = "/api/events/deployments", tag = "events",
    request_body(content = DeploymentsBody, description = "One deployment, or `{\"deployments\": [...]}`. Unknown fields are refused. Up to 32 MiB."),
    responses((status = 200, description = "What was recorded: inserted, updated (new content under a known id) and unchanged", body = dto::RecordedEvents),
        (status = 400, description = "Not JSON", body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 413, description = "Larger than 32 MiB", body = ErrorBody),
        (status = 422, description = "A field is wrong; `field` is its JSON path, e.g. `deployments[3].finished_at`", body = ErrorBody)))]
pub async fn post_deployments(
    State(state): State<AppState>,
    _: Editor,
    ApiJson(body): ApiJson<Value>,
) -> Result<Json<dto::RecordedEvents>, ApiError> {
    Ok(Json(dto::RecordedEvents::deployments(&record(&state, webhooks::deployments(body)?).await?)))
}

#[utoipa::path(post, path = "/api/events/incidents", tag = "events",
    request_body(content = IncidentsBody, description = "One incident, or `{\"incidents\": [...]}`. Unknown fields are refused. Up to 32 MiB."),
    responses((status = 200, description = "What was recorded", body = dto::RecordedEvents),
        (status = 400, description = "Not JSON", body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 413, description = "Larger than 32 MiB", body = ErrorBody),
        (status = 422, description = "A field is wrong; `field` is its JSON path, e.g. `incidents[0].resolved_at`", body = ErrorBody)))]
pub async fn post_incidents(
    State(state): State<AppState>,
    _: Editor,
    ApiJson(body): ApiJson<Value>,
) -> Result<Json<dto::RecordedEvents>, ApiError> {
    Ok(Json(dto::RecordedEvents::incidents(&record(&state, webhooks::incidents(body)?).await?)))
}

#[utoipa::path(post, path = "/api/events/changes", tag = "events",
    request_body(content = ChangesBody, description = "Commits and pull requests; either list may be left out, not both; an empty list is fine. Unknown fields are refused. Up to 32 MiB."),
    responses((status = 200, description = "What was recorded", body = dto::RecordedEvents),
        (status = 400, description = "Not JSON", body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 413, description = "Larger than 32 MiB", body = ErrorBody),
        (status = 422, description = "A field is wrong; `field` is its JSON path, e.g. `pull_requests[2].merged_at`", body = ErrorBody)))]
pub async fn post_changes(
    State(state): State<AppState>,
    _: Editor,
    ApiJson(body): ApiJson<Value>,
) -> Result<Json<dto::RecordedEvents>, ApiError> {
    Ok(Json(dto::RecordedEvents::changes(&record(&state, webhooks::changes(body)?).await?)))
}
