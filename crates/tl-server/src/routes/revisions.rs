//! The plan's revision history: the newest revisions, and one revision with
//! the line diff of every document it changed or removed.

use crate::auth::Viewer;
use crate::dto;
use crate::error::{ApiError, ErrorBody};
use crate::extract::ApiQuery;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;

/// Changed or removed documents per revision response; the rest are counted
/// in `left_out`.
pub const MAX_DOCUMENTS: usize = 200;

/// The most revisions one list response holds.
pub const MAX_LIMIT: i64 = 1000;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/revisions", get(revisions)).route("/api/revisions/{revision}", get(revision))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// How many of the newest revisions to return: 1 to 1000, by default 100.
    pub limit: Option<i64>,
}

#[utoipa::path(get, path = "/api/revisions", tag = "plan", operation_id = "list_revisions", params(ListQuery),
    responses((status = 200, description = "The newest revisions, newest first", body = Vec<dto::Revision>),
        (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn revisions(
    State(state): State<AppState>,
    _: Viewer,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<Vec<dto::Revision>>, ApiError> {
    let limit = query.limit.unwrap_or(100);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::invalid("limit", format!("limit is between 1 and {MAX_LIMIT}, not {limit}")));
    }
    Ok(Json(state.store.revisions(limit).await?.iter().map(dto::Revision::from).collect()))
}

/// A revision number from a path: an integer of 1 or more.
pub fn parse_revision(text: &str) -> Result<i64, ApiError> {
    let n: i64 = text.parse().map_err(|_| ApiError::BadRequest {
        field: Some("revision".into()),
        message: format!("the revision is a whole number such as 3, not `{text}`"),
    })?;
    if n < 1 {
        return Err(ApiError::invalid("revision", format!("revisions are numbered from 1, not {n}")));
    }
    Ok(n)
}

#[utoipa::path(get, path = "/api/revisions/{revision}", tag = "plan", operation_id = "get_revision",
    params(("revision" = i64, Path, description = "The revision number, from 1")),
    responses((status = 200, body = dto::RevisionDetail),
        (status = 400, description = "The revision is not a number", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, description = "The revision is below 1", body = ErrorBody)))]
pub async fn revision(
    State(state): State<AppState>,
    _: Viewer,
    Path(revision): Path<String>,
) -> Result<Json<dto::RevisionDetail>, ApiError> {
    let n = parse_revision(&revision)?;
    let detail = state.store.revision_detail(n, MAX_DOCUMENTS).await?;
    Ok(Json(dto::RevisionDetail::from(&detail)))
}
