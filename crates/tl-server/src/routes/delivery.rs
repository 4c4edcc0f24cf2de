//! Initiatives, milestones and dependencies with their live status, status
//! updates, open blockers and cross-team dependencies.

use crate::auth::{Editor, Viewer};
use crate::dto;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, IfMatch, etag, none_match};
use crate::state::{AppState, JsonView};
use crate::views;
use axum::extract::{Path, State};
use axum::http::header::{CONTENT_TYPE, ETAG, LINK};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use tl_engine::model::{Category, DependencyStatus, InitiativeStatus, MilestoneStatus};
use tl_store::{NewStatusUpdate, Status, SubjectKind};
use utoipa::IntoParams;

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

/// Serialises a view shared through the cache without copying it.
pub(crate) fn json<T: serde::Serialize + ?Sized>(value: &T) -> Response {
    Json(value).into_response()
}

/// A whole view, serialised once per cache generation.
pub(crate) async fn cached_json(state: &AppState, view: JsonView, headers: &HeaderMap) -> Result<Response, ApiError> {
    let derived = state.derived().await?;
    let tag = derived.etag();
    if none_match(headers, &tag) {
        return Ok(not_modified(tag));
    }
    let body = derived.off_thread(move |d| d.json(view)).await??;
    Ok(([(CONTENT_TYPE, HeaderValue::from_static("application/json")), (ETAG, tag)], body).into_response())
}

/// 304: the client's copy, tagged `tag`, is current.
pub(crate) fn not_modified(tag: HeaderValue) -> Response {
    (StatusCode::NOT_MODIFIED, [(ETAG, tag)]).into_response()
}

/// The initiative with this id, or the one holding the milestone with this id.
async fn one_initiative(state: &AppState, id: &str) -> Result<Option<dto::Initiative>, ApiError> {
    let d = state.derived().await?;
    Ok(views::initiative(d.model(), &d.live, d.today, id))
}

/// The most initiatives one page holds, and how many it holds by default.
pub const MAX_PAGE: usize = 1000;
pub const DEFAULT_PAGE: usize = 100;

/// `GET /api/initiatives`' query: a page, and filters that all must hold.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct InitiativesQuery {
    /// How many initiatives to return: 1 to 1000, 100 by default.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<usize>,
    /// How many matching initiatives to skip first (0 by default).
    pub offset: Option<usize>,
    /// Only initiatives of this theme (its id).
    pub theme: Option<String>,
    /// Only initiatives a team works on: it estimated effort on one, or one
    /// of its milestones is the team's (the team's id).
    pub team: Option<String>,
    /// Only this category: `committed`, `improvement` or `exploration`.
    pub category: Option<String>,
    /// Only this status: `proposed`, `planned`, `in_progress`, `done` or
    /// `cancelled`.
    pub status: Option<String>,
}

impl InitiativesQuery {
    /// Checks the values against the plan: unknown ids and keywords are 422
    /// naming the parameter, rather than an empty page that hides a typo.
    fn validate(&self, model: &tl_engine::Model) -> Result<(usize, usize), ApiError> {
        let limit = self.limit.unwrap_or(DEFAULT_PAGE);
        if !(1..=MAX_PAGE).contains(&limit) {
            return Err(ApiError::invalid("limit", format!("limit is between 1 and {MAX_PAGE}, not {limit}")));
        }
        if let Some(theme) = &self.theme
            && !model.themes.iter().any(|t| t.id.as_str() == theme)
        {
            return Err(ApiError::invalid("theme", format!("no theme `{theme}` in the plan; see /api/themes")));
        }
        if let Some(team) = &self.team
            && !model.teams.iter().any(|t| t.id.as_str() == team)
        {
            return Err(ApiError::invalid("team", format!("no team `{team}` in the plan; see /api/teams")));
        }
        if let Some(category) = &self.category
            && Category::parse(category).is_none()
        {
            let allowed = Category::NAMES.join(", ");
            return Err(ApiError::invalid("category", format!("`{category}` is not a category; use one of {allowed}")));
        }
        if let Some(status) = &self.status
            && InitiativeStatus::parse(status).is_none()
        {
            let allowed = InitiativeStatus::NAMES.join(", ");
            return Err(ApiError::invalid("status", format!("`{status}` is not a status; use one of {allowed}")));
        }
        Ok((limit, self.offset.unwrap_or(0)))
    }

    fn matches(&self, i: &dto::Initiative) -> bool {
        self.theme.as_ref().is_none_or(|t| i.theme.as_ref() == Some(t))
            && self.category.as_ref().is_none_or(|c| &i.category == c)
            && self.status.as_ref().is_none_or(|s| &i.status == s)
            && self.team.as_ref().is_none_or(|t| {
                i.effort.iter().any(|e| &e.team == t) || i.milestones.iter().any(|m| m.team.as_ref() == Some(t))
            })
    }

    /// This query's URL with another offset, for the `Link` header.
    fn url(&self, limit: usize, offset: usize) -> String {
        let mut q = form_urlencoded::Serializer::new(String::new());
        q.append_pair("limit", &limit.to_string());
        q.append_pair("offset", &offset.to_string());
        for (name, value) in
            [("theme", &self.theme), ("team", &self.team), ("category", &self.category), ("status", &self.status)]
        {
            if let Some(v) = value {
                q.append_pair(name, v);
            }
        }
        format!("/api/initiatives?{}", q.finish())
    }
}

/// RFC 8288 links to the first, previous, next and last pages.
fn page_links(query: &InitiativesQuery, total: usize, limit: usize, offset: usize) -> String {
    let mut links = vec![format!("<{}>; rel=\"first\"", query.url(limit, 0))];
    if offset > 0 {
        links.push(format!("<{}>; rel=\"prev\"", query.url(limit, offset.saturating_sub(limit))));
    }
    if offset + limit < total {
        links.push(format!("<{}>; rel=\"next\"", query.url(limit, offset + limit)));
    }
    let last = if total == 0 { 0 } else { (total - 1) / limit * limit };
    links.push(format!("<{}>; rel=\"last\"", query.url(limit, last)));
    links.join(", ")
}

#[utoipa::path(get, path = "/api/initiatives", tag = "delivery", params(InitiativesQuery),
    responses((status = 200, description = "One page of the initiatives that match, in plan order. `X-Total-Count` says how many match in all; `Link` (RFC 8288) points to the first, previous, next and last pages.",
            body = Vec<dto::Initiative>,
            headers(("X-Total-Count" = usize, description = "How many initiatives match the filters"),
                ("Link" = String, description = "first, prev, next and last pages"))),
        (status = 401, body = ErrorBody),
        (status = 422, description = "A parameter is invalid (named in `field`)", body = ErrorBody)))]
pub async fn initiatives(
    State(state): State<AppState>,
    _: Viewer,
    ApiQuery(query): ApiQuery<InitiativesQuery>,
) -> Result<Response, ApiError> {
    let d = state.derived().await?;
    let (limit, offset) = query.validate(d.model())?;
    let all = d.off_thread(|d| d.initiatives().clone()).await?;
    let filtered = query.theme.is_some() || query.team.is_some() || query.category.is_some() || query.status.is_some();
    let (total, page): (usize, Vec<&dto::Initiative>) = if filtered {
        let matching: Vec<&dto::Initiative> = all.iter().filter(|i| query.matches(i)).collect();
        (matching.len(), matching.into_iter().skip(offset).take(limit).collect())
    } else {
        (all.len(), all.iter().skip(offset).take(limit).collect())
    };
    let mut response = json(&page);
    let headers = response.headers_mut();
    headers.insert("x-total-count", HeaderValue::from(total));
    if let Ok(links) = HeaderValue::from_str(&page_links(&query, total, limit, offset)) {
        headers.insert(LINK, links);
    }
    Ok(response)
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
    responses((status = 200, body = Vec<dto::Dependency>), (status = 304, description = "Not modified: `If-None-Match` names the current `ETag`"), (status = 401, body = ErrorBody)))]
pub async fn dependencies(State(state): State<AppState>, _: Viewer, headers: HeaderMap) -> Result<Response, ApiError> {
    cached_json(&state, JsonView::Dependencies, &headers).await
}

#[utoipa::path(get, path = "/api/dependencies/{id}", tag = "delivery", params(("id" = String, Path)),
    responses((status = 200, body = dto::Dependency), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn dependency(
    State(state): State<AppState>,
    _: Viewer,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let all = state.derive(|d| d.dependencies().clone()).await?;
    all.iter().find(|d| d.id == id).map(json).ok_or_else(|| ApiError::not_found("dependency", &id))
}

#[utoipa::path(get, path = "/api/cross-team-dependencies", tag = "delivery",
    responses((status = 200, description = "Dependencies whose waited-for milestone belongs to another team than a blocked one", body = Vec<dto::Dependency>), (status = 304, description = "Not modified: `If-None-Match` names the current `ETag`"), (status = 401, body = ErrorBody)))]
pub async fn cross_team(State(state): State<AppState>, _: Viewer, headers: HeaderMap) -> Result<Response, ApiError> {
    cached_json(&state, JsonView::CrossTeamDependencies, &headers).await
}

#[utoipa::path(get, path = "/api/blockers", tag = "delivery",
    responses((status = 200, body = dto::Blockers), (status = 304, description = "Not modified: `If-None-Match` names the current `ETag`"), (status = 401, body = ErrorBody)))]
pub async fn blockers(State(state): State<AppState>, _: Viewer, headers: HeaderMap) -> Result<Response, ApiError> {
    cached_json(&state, JsonView::Blockers, &headers).await
}

/// A subject's history with its `ETag`: the version of its latest update.
async fn updates(state: &AppState, kind: SubjectKind, id: &str) -> Result<Response, ApiError> {
    let kind_name = kind.as_str();
    let known = match kind {
        SubjectKind::Milestone => state.store.has_entity(tl_store::Kind::Milestone, id).await?,
        SubjectKind::Dependency => state.store.has_entity(tl_store::Kind::Dependency, id).await?,
    };
    if !known {
        return Err(ApiError::not_found(kind_name, id));
    }
    let history = state.store.status_updates(kind, id).await?;
    let version = history.last().map_or(0, |u| u.version);
    let body: Vec<dto::StatusUpdate> = history.iter().map(dto::StatusUpdate::from).collect();
    Ok(([(ETAG, etag(version))], Json(body)).into_response())
}

#[utoipa::path(get, path = "/api/milestones/{id}/status", tag = "delivery", params(("id" = String, Path)),
    responses((status = 200, description = "Status updates, oldest first. `ETag` names the latest version, for `If-Match` on the POST.", body = Vec<dto::StatusUpdate>,
            headers(("ETag" = String, description = "`\"v<version>\"`: the latest update's version (`\"v0\"` for none)"))),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn milestone_updates(
    State(state): State<AppState>,
    _: Viewer,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    updates(&state, SubjectKind::Milestone, &id).await
}

#[utoipa::path(get, path = "/api/dependencies/{id}/status", tag = "delivery", params(("id" = String, Path)),
    responses((status = 200, description = "Status updates, oldest first. `ETag` names the latest version, for `If-Match` on the POST.", body = Vec<dto::StatusUpdate>,
            headers(("ETag" = String, description = "`\"v<version>\"`: the latest update's version (`\"v0\"` for none)"))),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn dependency_updates(
    State(state): State<AppState>,
    _: Viewer,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    updates(&state, SubjectKind::Dependency, &id).await
}

async fn record(
    state: &AppState,
    author: String,
    kind: SubjectKind,
    id: &str,
    if_match: IfMatch,
    body: dto::NewStatusUpdate,
) -> Result<Response, ApiError> {
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
    let expected = if_match.expected_version(body.expected_version)?;
    let note = crate::extract::note(body.note)?;
    let update = NewStatusUpdate { status, note, author, at: jiff::Timestamp::now() };
    let recorded =
        state.store.record_status_update(id, expected.version, update).await.map_err(|e| expected.refused(e))?;
    Ok((StatusCode::CREATED, [(ETAG, etag(recorded.version))], Json(dto::StatusUpdate::from(&recorded)))
        .into_response())
}

#[utoipa::path(post, path = "/api/milestones/{id}/status", tag = "delivery",
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "The `ETag` of the history you last read: the write is refused with 412 if another landed since. Without it, `expected_version` in the body says the same (and a stale one is 409).")),
    request_body = dto::NewStatusUpdate,
    responses((status = 201, body = dto::StatusUpdate, headers(("ETag" = String, description = "The new version's entity tag"))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "`expected_version` is stale", body = ErrorBody),
        (status = 412, description = "`If-Match` names a stale version", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn post_milestone_status(
    State(state): State<AppState>,
    Editor(caller): Editor,
    Path(id): Path<String>,
    if_match: IfMatch,
    ApiJson(body): ApiJson<dto::NewStatusUpdate>,
) -> Result<Response, ApiError> {
    record(&state, caller.name, SubjectKind::Milestone, &id, if_match, body).await
}

#[utoipa::path(post, path = "/api/dependencies/{id}/status", tag = "delivery",
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "The `ETag` of the history you last read: the write is refused with 412 if another landed since. Without it, `expected_version` in the body says the same (and a stale one is 409).")),
    request_body = dto::NewStatusUpdate,
    responses((status = 201, body = dto::StatusUpdate, headers(("ETag" = String, description = "The new version's entity tag"))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "`expected_version` is stale", body = ErrorBody),
        (status = 412, description = "`If-Match` names a stale version", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn post_dependency_status(
    State(state): State<AppState>,
    Editor(caller): Editor,
    Path(id): Path<String>,
    if_match: IfMatch,
    ApiJson(body): ApiJson<dto::NewStatusUpdate>,
) -> Result<Response, ApiError> {
    record(&state, caller.name, SubjectKind::Dependency, &id, if_match, body).await
}
