//! The plan as a whole: the organisation, revisions, applying a workspace
//! (for CI, with an API token), lint findings and initiative scores.

use crate::auth::{Editor, Viewer};
use crate::dto;
use crate::error::{ApiError, ErrorBody};
use crate::extract::ApiJson;
use crate::extract::none_match;
use crate::state::AppState;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::header::{CONTENT_TYPE, ETAG};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use std::path::{Component, Path, PathBuf};
use tl_app::AppError;
use tl_store::ApplyOutcome;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/organisation", get(organisation))
        .route("/api/plan/revisions", get(revisions))
        .route("/api/plan/apply", post(apply).layer(DefaultBodyLimit::max(64 * 1024 * 1024)))
        .route("/api/lint", get(lint))
        .route("/api/scores", get(scores))
}

#[utoipa::path(get, path = "/api/organisation", tag = "plan",
    responses((status = 200, body = dto::Organisation), (status = 401, body = ErrorBody)))]
pub async fn organisation(State(state): State<AppState>, _: Viewer) -> Result<Json<dto::Organisation>, ApiError> {
    let plan = state.plan().await?;
    let o = &plan.model().organisation;
    Ok(Json(dto::Organisation { name: o.name.clone(), description: o.description.clone(), revision: plan.revision }))
}

#[utoipa::path(get, path = "/api/plan/revisions", tag = "plan",
    responses((status = 200, body = Vec<dto::Revision>), (status = 401, body = ErrorBody)))]
pub async fn revisions(State(state): State<AppState>, _: Viewer) -> Result<Json<Vec<dto::Revision>>, ApiError> {
    Ok(Json(state.store.revisions(100).await?.iter().map(dto::Revision::from).collect()))
}

#[utoipa::path(get, path = "/api/lint", tag = "plan",
    responses((status = 200, body = dto::Findings), (status = 401, body = ErrorBody)))]
pub async fn lint(State(state): State<AppState>, _: Viewer) -> Result<Json<dto::Findings>, ApiError> {
    Ok(Json(state.with_plan(crate::views::findings).await?))
}

#[utoipa::path(get, path = "/api/scores", tag = "plan",
    responses((status = 200, body = dto::Ranking), (status = 304, description = "Not modified: `If-None-Match` names the current `ETag`"), (status = 401, body = ErrorBody)))]
pub async fn scores(State(state): State<AppState>, _: Viewer, headers: HeaderMap) -> Result<Response, ApiError> {
    let plan = state.plan().await?;
    let tag = plan.etag();
    if none_match(&headers, &tag) {
        return Ok(crate::routes::delivery::not_modified(tag));
    }
    let body = tokio::task::spawn_blocking(move || plan.scores_json()).await??;
    Ok(([(CONTENT_TYPE, HeaderValue::from_static("application/json")), (ETAG, tag)], body).into_response())
}

/// A workspace path: relative, no `..`, a YAML file.
fn workspace_path(index: usize, path: &str) -> Result<PathBuf, ApiError> {
    let field = format!("files[{index}].path");
    let p = Path::new(path);
    if path.is_empty() || !p.components().all(|c| matches!(c, Component::Normal(_))) {
        return Err(ApiError::invalid(field, format!("`{path}` must be a relative path without `..`")));
    }
    if !(path.ends_with(".yaml") || path.ends_with(".yml")) {
        return Err(ApiError::invalid(field, format!("`{path}` is not a .yaml or .yml file")));
    }
    Ok(p.to_path_buf())
}

#[utoipa::path(post, path = "/api/plan/apply", tag = "plan", request_body = dto::ApplyRequest,
    responses(
        (status = 200, description = "Applied, or unchanged", body = dto::ApplyResult),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "The plan moved past `expected_revision`", body = ErrorBody),
        (status = 422, description = "The plan has errors (diagnostics attached) or a file path is bad", body = ErrorBody)))]
pub async fn apply(
    State(state): State<AppState>,
    Editor(caller): Editor,
    ApiJson(request): ApiJson<dto::ApplyRequest>,
) -> Result<Json<dto::ApplyResult>, ApiError> {
    if request.files.is_empty() {
        return Err(ApiError::invalid("files", "send at least one workspace file"));
    }
    let mut texts = Vec::with_capacity(request.files.len());
    for (i, f) in request.files.into_iter().enumerate() {
        texts.push((workspace_path(i, &f.path)?, f.text));
    }
    let ws = tokio::task::spawn_blocking(move || tl_workspace::load_texts(texts)).await?;
    let findings = |ws: &tl_workspace::Workspace| -> Vec<dto::Finding> {
        ws.diagnostics.iter().map(|d| dto::Finding::new(&ws.sources, d)).collect()
    };
    let request = tl_app::ApplyRequest {
        author: caller.name.clone(),
        at: jiff::Timestamp::now(),
        force: request.force,
        expected_revision: request.expected_revision,
    };
    match tl_app::apply_workspace(state.store.as_ref(), &ws, request).await {
        Ok(outcome) => {
            let (applied, added, changed, removed, forced) = match &outcome {
                ApplyOutcome::Unchanged { .. } => (false, 0, 0, 0, false),
                ApplyOutcome::Applied(r) => (true, r.added.len(), r.changed.len(), r.removed.len(), r.forced),
            };
            Ok(Json(dto::ApplyResult {
                applied,
                revision: outcome.revision(),
                added,
                changed,
                removed,
                forced,
                findings: findings(&ws),
            }))
        }
        Err(e @ (AppError::Unreadable { .. } | AppError::PlanErrors { .. })) => {
            Err(ApiError::PlanRejected { message: e.to_string(), diagnostics: findings(&ws) })
        }
        Err(e) => Err(e.into()),
    }
}
