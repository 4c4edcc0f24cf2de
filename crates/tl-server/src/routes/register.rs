//! The technical-debt register and the teams' KPIs.

use crate::auth::Viewer;
use crate::dto;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/debt", get(debt)).route("/api/metrics", get(metrics))
}

#[utoipa::path(get, path = "/api/debt", tag = "register",
    responses((status = 200, body = Vec<dto::Debt>), (status = 401, body = ErrorBody)))]
pub async fn debt(State(state): State<AppState>, _: Viewer) -> Result<Json<Vec<dto::Debt>>, ApiError> {
    let plan = state.plan().await?;
    Ok(Json(plan.model().debt.iter().map(dto::Debt::from).collect()))
}

#[utoipa::path(get, path = "/api/metrics", operation_id = "team_metrics", tag = "register",
    responses((status = 200, description = "The teams' KPIs, with the value of those bound to delivery events (Prometheus metrics are at /metrics)", body = Vec<dto::Metric>), (status = 401, body = ErrorBody)))]
pub async fn metrics(State(state): State<AppState>, _: Viewer) -> Result<Json<Vec<dto::Metric>>, ApiError> {
    let derived = state.derived().await?;
    let (plan, live) = (&derived.plan, &derived.live);
    let value = |id: &str| live.measured.get(id).and_then(|m| m.value);
    Ok(Json(
        plan.model()
            .metrics
            .iter()
            .map(|m| dto::Metric { value: value(m.id.as_str()), ..dto::Metric::from(m) })
            .collect(),
    ))
}
