//! Initiatives, milestones and dependencies with their live status, status
//! updates, open blockers and cross-team dependencies.

use crate::auth::{Editor, Viewer};
use crate::dto;
use crate::error::{ApiError, ErrorBody};
use crate::extract::ApiJson;
use crate::routes::today;
use crate::state::AppState;
use crate::views::{self, Live};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use tl_engine::model::{DependencyStatus, MilestoneStatus};
use tl_store::{NewStatusUpdate, Status, SubjectKind};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/initiatives", get(initiatives))
        .route("/api/initiatives/{id}", get(initiative))
        .route("/api/milestones/{id}", get(milestone))
        .route("/api/milestones/{id}/status", get(milestone_updates).post(post_milestone_status))
        .route("/api/dependencies", get(dependencies))
        .route("/api/dependencies/{id}", get(dependency))
        .route("/api/dependencies/{id}/status", get(dependency_updates).post(post_dependency_status))
        .route("/api/blockers", get(blockers))
        .route("/api/cross-team-dependencies", get(cross_team))
}

async fn all_initiatives(state: &AppState) -> Result<Vec<dto::Initiative>, ApiError> {
    let plan = state.plan().await?;
    let live = Live::load(state.store.as_ref()).await?;
    Ok(views::initiatives(plan.model(), &live, today()))
}

/// The initiative with this id, or the one holding the milestone with this id.
async fn one_initiative(state: &AppState, id: &str) -> Result<Option<dto::Initiative>, ApiError> {
    let plan = state.plan().await?;
    let live = Live::load(state.store.as_ref()).await?;
    Ok(views::initiative(plan.model(), &live, today(), id))
}

async fn all_dependencies(state: &AppState) -> Result<Vec<dto::Dependency>, ApiError> {
    let plan = state.plan().await?;
    let live = Live::load(state.store.as_ref()).await?;
    Ok(views::dependencies(plan.model(), &live))
}

#[utoipa::path(get, path = "/api/initiatives", tag = "delivery",
    responses((status = 200, body = Vec<dto::Initiative>), (status = 401, body = ErrorBody)))]
pub async fn initiatives(State(state): State<AppState>, _: Viewer) -> Result<Json<Vec<dto::Initiative>>, ApiError> {
    Ok(Json(all_initiatives(&state).await?))
}

#[utoipa::path(get, path = "/api/initiatives/{id}", tag = "delivery", params(("id" = String, Path)),
    responses((status = 200, body = dto::Initiative), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn initiative(
    State(state): State<AppState>,
    _: Viewer,
    Path(id): Path<String>,
) -> Result<Json<dto::Initiative>, ApiError> {
    let found = one_initiative(&state, &id).await?.filter(|i| i.id == id);
    found.map(Json).ok_or_else(|| ApiError::not_found("initiative", &id))
}

#[utoipa::path(get, path = "/api/milestones/{id}", tag = "delivery", params(("id" = String, Path)),
    responses((status = 200, body = dto::Milestone), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn milestone(
    State(state): State<AppState>,
    _: Viewer,
    Path(id): Path<String>,
) -> Result<Json<dto::Milestone>, ApiError> {
    let found = one_initiative(&state, &id).await?.into_iter().flat_map(|i| i.milestones).find(|m| m.id == id);
    found.map(Json).ok_or_else(|| ApiError::not_found("milestone", &id))
}

#[utoipa::path(get, path = "/api/dependencies", tag = "delivery",
    responses((status = 200, body = Vec<dto::Dependency>), (status = 401, body = ErrorBody)))]
pub async fn dependencies(State(state): State<AppState>, _: Viewer) -> Result<Json<Vec<dto::Dependency>>, ApiError> {
    Ok(Json(all_dependencies(&state).await?))
}

#[utoipa::path(get, path = "/api/dependencies/{id}", tag = "delivery", params(("id" = String, Path)),
    responses((status = 200, body = dto::Dependency), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn dependency(
    State(state): State<AppState>,
    _: Viewer,
    Path(id): Path<String>,
) -> Result<Json<dto::Dependency>, ApiError> {
    let found = all_dependencies(&state).await?.into_iter().find(|d| d.id == id);
    found.map(Json).ok_or_else(|| ApiError::not_found("dependency", &id))
}

#[utoipa::path(get, path = "/api/cross-team-dependencies", tag = "delivery",
    responses((status = 200, description = "Dependencies whose waited-for milestone belongs to another team than a blocked one", body = Vec<dto::Dependency>), (status = 401, body = ErrorBody)))]
pub async fn cross_team(State(state): State<AppState>, _: Viewer) -> Result<Json<Vec<dto::Dependency>>, ApiError> {
    Ok(Json(all_dependencies(&state).await?.into_iter().filter(|d| d.cross_team).collect()))
}

#[utoipa::path(get, path = "/api/blockers", tag = "delivery",
    responses((status = 200, body = dto::Blockers), (status = 401, body = ErrorBody)))]
pub async fn blockers(State(state): State<AppState>, _: Viewer) -> Result<Json<dto::Blockers>, ApiError> {
    let plan = state.plan().await?;
    let live = Live::load(state.store.as_ref()).await?;
    Ok(Json(views::blockers(plan.model(), &live, today())))
}

async fn updates(state: &AppState, kind: SubjectKind, id: &str) -> Result<Json<Vec<dto::StatusUpdate>>, ApiError> {
    let kind_name = kind.as_str();
    let known = match kind {
        SubjectKind::Milestone => state.store.has_entity(tl_store::Kind::Milestone, id).await?,
        SubjectKind::Dependency => state.store.has_entity(tl_store::Kind::Dependency, id).await?,
    };
    if !known {
        return Err(ApiError::not_found(kind_name, id));
    }
    Ok(Json(state.store.status_updates(kind, id).await?.iter().map(dto::StatusUpdate::from).collect()))
}

#[utoipa::path(get, path = "/api/milestones/{id}/status", tag = "delivery", params(("id" = String, Path)),
    responses((status = 200, description = "Status updates, oldest first", body = Vec<dto::StatusUpdate>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn milestone_updates(
    State(state): State<AppState>,
    _: Viewer,
    Path(id): Path<String>,
) -> Result<Json<Vec<dto::StatusUpdate>>, ApiError> {
    updates(&state, SubjectKind::Milestone, &id).await
}

#[utoipa::path(get, path = "/api/dependencies/{id}/status", tag = "delivery", params(("id" = String, Path)),
    responses((status = 200, description = "Status updates, oldest first", body = Vec<dto::StatusUpdate>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn dependency_updates(
    State(state): State<AppState>,
    _: Viewer,
    Path(id): Path<String>,
) -> Result<Json<Vec<dto::StatusUpdate>>, ApiError> {
    updates(&state, SubjectKind::Dependency, &id).await
}

async fn record(
    state: &AppState,
    author: String,
    kind: SubjectKind,
    id: &str,
    body: dto::NewStatusUpdate,
) -> Result<(StatusCode, Json<dto::StatusUpdate>), ApiError> {
    let status = Status::parse(kind, &body.status).ok_or_else(|| {
        let allowed = match kind {
            SubjectKind::Milestone => MilestoneStatus::NAMES,
            SubjectKind::Dependency => DependencyStatus::NAMES,
        };
        ApiError::invalid(
            "status",
            format!("`{}` is not a {} status; use one of {}", body.status, kind.as_str(), allowed.join(", ")),
        )
    })?;
    if body.expected_version < 0 {
        return Err(ApiError::invalid("expected_version", "a version is 0 or more"));
    }
    let note = body.note.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
    if note.as_ref().is_some_and(|n| n.len() > 4000) {
        return Err(ApiError::invalid("note", "a note has at most 4000 characters"));
    }
    let update = NewStatusUpdate { status, note, author, at: jiff::Timestamp::now() };
    let recorded = state.store.record_status_update(id, body.expected_version, update).await?;
    Ok((StatusCode::CREATED, Json(dto::StatusUpdate::from(&recorded))))
}

#[utoipa::path(post, path = "/api/milestones/{id}/status", tag = "delivery", params(("id" = String, Path)),
    request_body = dto::NewStatusUpdate,
    responses((status = 201, body = dto::StatusUpdate), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn post_milestone_status(
    State(state): State<AppState>,
    Editor(caller): Editor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<dto::NewStatusUpdate>,
) -> Result<(StatusCode, Json<dto::StatusUpdate>), ApiError> {
    record(&state, caller.name, SubjectKind::Milestone, &id, body).await
}

#[utoipa::path(post, path = "/api/dependencies/{id}/status", tag = "delivery", params(("id" = String, Path)),
    request_body = dto::NewStatusUpdate,
    responses((status = 201, body = dto::StatusUpdate), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn post_dependency_status(
    State(state): State<AppState>,
    Editor(caller): Editor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<dto::NewStatusUpdate>,
) -> Result<(StatusCode, Json<dto::StatusUpdate>), ApiError> {
    record(&state, caller.name, SubjectKind::Dependency, &id, body).await
}
