//! Delivery metrics: the four keys, the PR cycle-time breakdown and review
//! velocity per organisation, team or service under a named definition, and
//! the definitions themselves with where each field came from.

use crate::auth::Viewer;
use crate::dto;
use crate::error::{ApiError, ErrorBody};
use crate::extract::ApiQuery;
use crate::state::{AppState, Plan};
use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use std::sync::Arc;
use tl_app::delivery::{Delivery, Scope, Summary, load_events};
use tl_engine::delivery::ResolvedDefinition;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/delivery/keys", get(keys))
        .route("/api/delivery/definitions", get(definitions))
        .route("/api/delivery/definitions/{id}", get(definition))
}

/// The figures of one scope under one definition, with what they came from.
pub(crate) struct Computed {
    pub plan: Arc<Plan>,
    pub definition: ResolvedDefinition,
    pub summary: Summary,
    /// `organisation`, `team:<id>` or `service:<name>`.
    pub scope: String,
}

/// Parses the scope and definition (naming the field on a mistake), reads
/// the events and computes the summary off the async threads; the same
/// question within the hour, with no new events or plan, is answered from
/// the cache.
pub(crate) async fn compute(
    state: &AppState,
    scope: Option<&str>,
    definition: Option<&str>,
) -> Result<Arc<Computed>, ApiError> {
    let derived = state.derived().await?;
    let plan = derived.plan.clone();
    let scope_text = scope.map(str::trim).filter(|s| !s.is_empty()).unwrap_or("organisation").to_string();
    let parsed = Scope::parse(&scope_text).ok_or_else(|| {
        ApiError::invalid(
            "scope",
            format!("`{scope_text}` is not a scope; use organisation, team:<id> or service:<name>"),
        )
    })?;
    if let Scope::Team(id) = &parsed
        && !plan.model().teams.iter().any(|t| t.id.as_str() == id)
    {
        return Err(ApiError::not_found("team", id));
    }
    let delivery = Delivery::new(plan.model());
    let definition = delivery
        .definition(definition.map(str::trim).filter(|d| !d.is_empty()))
        .cloned()
        .ok_or_else(|| ApiError::not_found("delivery definition", definition.unwrap_or_default()))?;
    let now = jiff::Timestamp::now();
    let key = (scope_text.clone(), definition.name().to_string(), now.as_second().div_euclid(3600));
    let cache = |d: &crate::state::Derived| d.delivery.lock().unwrap_or_else(|e| e.into_inner()).get(&key).cloned();
    if let Some(hit) = cache(&derived) {
        return Ok(hit);
    }
    let events = load_events(state.store.as_ref(), &delivery, now).await?;
    let (plan2, def2) = (plan.clone(), definition.clone());
    let summary =
        tokio::task::spawn_blocking(move || delivery.summary(plan2.model(), &events, &parsed, &def2, now)).await?;
    let computed = Arc::new(Computed { plan, definition, summary, scope: scope_text });
    let mut cached = derived.delivery.lock().unwrap_or_else(|e| e.into_inner());
    // Hours and scopes add up over a long-lived `Derived`: keep it small.
    if cached.len() >= 256 {
        cached.clear();
    }
    cached.insert(key, computed.clone());
    Ok(computed)
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct KeysQuery {
    /// `organisation` (default), `team:<id>` or `service:<name>`.
    scope: Option<String>,
    /// `week` (default) or `quarter`: the granularity of `periods`.
    period: Option<String>,
    /// A delivery definition or preset; default the workspace's first
    /// definition, else `dora-2023`.
    definition: Option<String>,
}

#[utoipa::path(get, path = "/api/delivery/keys", tag = "delivery", params(KeysQuery),
    responses((status = 200, description = "The four keys over the definition's window, per team and per period, with the PR cycle-time breakdown", body = dto::DeliveryKeys),
        (status = 401, body = ErrorBody), (status = 404, description = "Unknown team or definition", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn keys(
    State(state): State<AppState>,
    _: Viewer,
    ApiQuery(query): ApiQuery<KeysQuery>,
) -> Result<Json<dto::DeliveryKeys>, ApiError> {
    let quarterly = match query.period.as_deref().map(str::trim) {
        None | Some("" | "week") => false,
        Some("quarter") => true,
        Some(other) => {
            return Err(ApiError::invalid("period", format!("`{other}` is not a period; use week or quarter")));
        }
    };
    let c = compute(&state, query.scope.as_deref(), query.definition.as_deref()).await?;
    Ok(Json(dto::DeliveryKeys::new(&c.summary, &c.scope, quarterly)))
}

#[utoipa::path(get, path = "/api/delivery/definitions", tag = "delivery",
    responses((status = 200, description = "The presets, then the workspace's definitions, resolved", body = Vec<dto::DeliveryDefinition>), (status = 401, body = ErrorBody)))]
pub async fn definitions(
    State(state): State<AppState>,
    _: Viewer,
) -> Result<Json<Vec<dto::DeliveryDefinition>>, ApiError> {
    let plan = state.plan().await?;
    let sources = &plan.workspace.sources;
    let delivery = Delivery::new(plan.model());
    Ok(Json(delivery.definitions.iter().map(|d| dto::DeliveryDefinition::new(sources, d)).collect()))
}

#[utoipa::path(get, path = "/api/delivery/definitions/{id}", tag = "delivery", params(("id" = String, Path)),
    responses((status = 200, body = dto::DeliveryDefinition), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn definition(
    State(state): State<AppState>,
    _: Viewer,
    Path(id): Path<String>,
) -> Result<Json<dto::DeliveryDefinition>, ApiError> {
    let plan = state.plan().await?;
    let delivery = Delivery::new(plan.model());
    let found = delivery.definition(Some(&id)).map(|d| dto::DeliveryDefinition::new(&plan.workspace.sources, d));
    found.map(Json).ok_or_else(|| ApiError::not_found("delivery definition", &id))
}
