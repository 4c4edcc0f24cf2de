//! The technical-debt register, the teams' KPIs, and the check-ins that
//! report the value of the KPIs no event definition measures.

use crate::auth::{Caller, Editor, Viewer};
use crate::dto;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, IfMatch, etag};
use crate::state::AppState;
use crate::views;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header::ETAG;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use tl_store::NewMetricCheckIn;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/debt", get(debt))
        .route("/api/metrics", get(metrics))
        .route("/api/metrics/{id}/check-ins", get(metric_check_ins).post(post_metric_check_in))
}

#[utoipa::path(get, path = "/api/debt", tag = "register",
    responses((status = 200, body = Vec<dto::Debt>), (status = 401, body = ErrorBody)))]
pub async fn debt(State(state): State<AppState>, _: Viewer) -> Result<Json<Vec<dto::Debt>>, ApiError> {
    let plan = state.plan().await?;
    Ok(Json(plan.model().debt.iter().map(dto::Debt::from).collect()))
}

#[utoipa::path(get, path = "/api/metrics", operation_id = "team_metrics", tag = "register",
    responses((status = 200, description = "The teams' KPIs, each with its value now and where it came from: delivery events for those bound with `measure:`, else the latest check-in (Prometheus metrics are at /metrics)", body = Vec<dto::Metric>), (status = 401, body = ErrorBody)))]
pub async fn metrics(State(state): State<AppState>, _: Viewer) -> Result<Json<Vec<dto::Metric>>, ApiError> {
    let derived = state.derived().await?;
    Ok(Json(views::team_metrics(derived.plan.model(), &derived.live)))
}

#[utoipa::path(get, path = "/api/metrics/{id}/check-ins", tag = "register", params(("id" = String, Path)),
    responses((status = 200, description = "Oldest first. `ETag` names the latest version, for `If-Match` on the POST.", body = Vec<dto::MetricCheckIn>,
            headers(("ETag" = String, description = "`\"v<version>\"`: the latest check-in's version (`\"v0\"` for none)"))),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn metric_check_ins(
    State(state): State<AppState>,
    _: Viewer,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let plan = state.plan().await?;
    if !plan.model().metrics.iter().any(|m| m.id.as_str() == id) {
        return Err(ApiError::not_found("metric", &id));
    }
    let history = state.store.metric_check_ins(&id).await?;
    let version = history.last().map_or(0, |c| c.version);
    let body: Vec<dto::MetricCheckIn> = history.iter().map(dto::MetricCheckIn::from).collect();
    Ok(([(ETAG, etag(version))], Json(body)).into_response())
}

/// Validates and records a metric check-in: the API and the team page's
/// form share it.
pub async fn record_metric_check_in(
    state: &AppState,
    caller: &Caller,
    metric: &str,
    if_match: IfMatch,
    body: dto::NewMetricCheckIn,
) -> Result<dto::MetricCheckIn, ApiError> {
    if !body.value.is_finite() {
        return Err(ApiError::invalid("value", "the value must be a finite number"));
    }
    let plan = state.plan().await?;
    match plan.model().metrics.iter().find(|m| m.id.as_str() == metric) {
        None => return Err(ApiError::not_found("metric", metric)),
        Some(m) if m.measure.is_some() => {
            return Err(ApiError::Invalid {
                field: None,
                message: format!(
                    "metric `{metric}` is measured from delivery events (`measure:` in the plan): its value is \
                     computed, so it takes no check-ins"
                ),
            });
        }
        Some(_) => {}
    }
    let expected = if_match.expected_version(body.expected_version)?;
    let note = crate::extract::note(body.note)?;
    let check_in =
        NewMetricCheckIn { value: body.value, note, author: caller.name.clone(), at: jiff::Timestamp::now() };
    // The store checks existence and binding again, in the insert itself, in
    // case the plan changed since it was read.
    let recorded = state
        .store
        .record_metric_check_in(metric, expected.version, check_in)
        .await
        .map_err(|e| expected.refused(e))?;
    Ok(dto::MetricCheckIn::from(&recorded))
}

#[utoipa::path(post, path = "/api/metrics/{id}/check-ins", tag = "register",
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "The `ETag` of the check-ins you last read: the write is refused with 412 if another landed since. Without it, `expected_version` in the body says the same (and a stale one is 409).")),
    request_body = dto::NewMetricCheckIn,
    responses((status = 201, body = dto::MetricCheckIn, headers(("ETag" = String, description = "The new version's entity tag"))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`expected_version` is stale", body = ErrorBody),
        (status = 412, description = "`If-Match` names a stale version", body = ErrorBody),
        (status = 422, description = "A field is invalid (named in `field`), or the metric is measured from delivery events", body = ErrorBody)))]
pub async fn post_metric_check_in(
    State(state): State<AppState>,
    Editor(caller): Editor,
    Path(id): Path<String>,
    if_match: IfMatch,
    ApiJson(body): ApiJson<dto::NewMetricCheckIn>,
) -> Result<Response, ApiError> {
    let recorded = record_metric_check_in(&state, &caller, &id, if_match, body).await?;
    Ok((StatusCode::CREATED, [(ETAG, etag(recorded.version))], Json(recorded)).into_response())
}
