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
use std::collections::BTreeSet;

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

/// Records the batch; says what was done, and which of its services no team
/// in the current plan owns.
async fn record(
    state: &AppState,
    batch: tl_store::EventBatch,
    answer: fn(&tl_store::EventCounts) -> dto::RecordedEvents,
) -> Result<Json<dto::RecordedEvents>, ApiError> {
    let counts = state.store.record_events(&batch).await?;
    let plan = state.plan().await?;
    let owned: BTreeSet<&str> =
        plan.workspace.model.teams.iter().flat_map(|t| t.services.iter().map(String::as_str)).collect();
    let services = batch
        .deployments
        .iter()
        .map(|d| &d.service)
        .chain(batch.commits.iter().map(|c| &c.commit.service))
        .chain(batch.pull_requests.iter().map(|p| &p.service))
        .chain(batch.incidents.iter().map(|i| &i.service));
    let unowned: BTreeSet<&String> = services.filter(|s| !owned.contains(s.as_str())).collect();
    Ok(Json(answer(&counts).with_unowned(unowned.into_iter().cloned().collect())))
}

#[utoipa::path(post, path = "/api/events/deployments", tag = "events",
    request_body(content = DeploymentsBody, description = "One deployment, or `{\"deployments\": [...]}`. Unknown fields are refused. Up to 32 MiB."),
    responses((status = 200, description = "What was recorded: inserted, updated (new content under a known id) and unchanged; and the services no team owns", body = dto::RecordedEvents),
        (status = 400, description = "Not JSON", body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 413, description = "Larger than 32 MiB", body = ErrorBody),
        (status = 422, description = "A field is wrong; `field` is its JSON path, e.g. `deployments[3].finished_at`", body = ErrorBody)))]
pub async fn post_deployments(
    State(state): State<AppState>,
    _: Editor,
    ApiJson(body): ApiJson<Value>,
) -> Result<Json<dto::RecordedEvents>, ApiError> {
    record(&state, webhooks::deployments(body)?, dto::RecordedEvents::deployments).await
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
    record(&state, webhooks::incidents(body)?, dto::RecordedEvents::incidents).await
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
    record(&state, webhooks::changes(body)?, dto::RecordedEvents::changes).await
}
