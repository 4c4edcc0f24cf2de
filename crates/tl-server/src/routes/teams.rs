//! Teams, people, and capacity and utilization per team and quarter.

use crate::auth::Viewer;
use crate::dto;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/teams", get(teams))
        .route("/api/teams/{id}", get(team))
        .route("/api/people", get(people))
        .route("/api/people/{id}", get(person))
        .route("/api/capacity", get(capacity))
}

#[utoipa::path(get, path = "/api/teams", tag = "teams",
    responses((status = 200, body = Vec<dto::Team>), (status = 401, body = ErrorBody)))]
pub async fn teams(State(state): State<AppState>, _: Viewer) -> Result<Json<Vec<dto::Team>>, ApiError> {
    let plan = state.plan().await?;
    let model = plan.model();
    Ok(Json(model.teams.iter().map(|t| dto::Team::from_model(t, model)).collect()))
}

#[utoipa::path(get, path = "/api/teams/{id}", tag = "teams", params(("id" = String, Path)),
    responses((status = 200, body = dto::Team), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn team(
    State(state): State<AppState>,
    _: Viewer,
    Path(id): Path<String>,
) -> Result<Json<dto::Team>, ApiError> {
    let plan = state.plan().await?;
    let model = plan.model();
    let t = model.teams.iter().find(|t| t.id.as_str() == id).ok_or_else(|| ApiError::not_found("team", &id))?;
    Ok(Json(dto::Team::from_model(t, model)))
}

#[utoipa::path(get, path = "/api/people", tag = "teams",
    responses((status = 200, body = Vec<dto::Person>), (status = 401, body = ErrorBody)))]
pub async fn people(State(state): State<AppState>, _: Viewer) -> Result<Json<Vec<dto::Person>>, ApiError> {
    let plan = state.plan().await?;
    Ok(Json(plan.model().people.iter().map(dto::Person::from).collect()))
}

#[utoipa::path(get, path = "/api/people/{id}", tag = "teams", params(("id" = String, Path)),
    responses((status = 200, body = dto::Person), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn person(
    State(state): State<AppState>,
    _: Viewer,
    Path(id): Path<String>,
) -> Result<Json<dto::Person>, ApiError> {
    let plan = state.plan().await?;
    let p =
        plan.model().people.iter().find(|p| p.id.as_str() == id).ok_or_else(|| ApiError::not_found("person", &id))?;
    Ok(Json(dto::Person::from(p)))
}

#[utoipa::path(get, path = "/api/capacity", tag = "teams",
    responses((status = 200, description = "Per team and quarter", body = Vec<dto::TeamCapacity>), (status = 401, body = ErrorBody)))]
pub async fn capacity(State(state): State<AppState>, _: Viewer) -> Result<axum::response::Response, ApiError> {
    Ok(crate::routes::delivery::json(state.with_plan(|p| p.capacity().clone()).await?.as_slice()))
}
