//! The server-rendered pages: for now the login form and one overview page
//! (the organisation, OKR progress bars, and a check-in form per key result,
//! with CSRF tokens). The full dashboard grows here; charts come from
//! `charts`. Pages work without JavaScript.

use crate::auth::{self, Caller, MaybeCaller, Via};
use crate::dto;
use crate::error::ApiError;
use crate::extract::{ApiForm, ApiQuery};
use crate::routes::okrs::record_check_in;
use crate::state::AppState;
use crate::views::{self, Live};
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

/// The login form's POST, which is rate-limited (see `app`).
pub fn login_router() -> Router<AppState> {
    Router::new().route("/login", post(login))
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(index))
        .route("/login", get(login_page))
        .route("/logout", post(logout))
        .route("/key-results/{id}/check-in", post(check_in))
}

fn render(template: &impl Template, status: StatusCode) -> Response {
    match template.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => ApiError::internal(format!("rendering a page failed: {e}")).into_response(),
    }
}

fn see_other(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, to.to_string())]).into_response()
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    failed: bool,
}

async fn login_page() -> Response {
    render(&LoginPage { failed: false }, StatusCode::OK)
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
}

async fn login(State(state): State<AppState>, ApiForm(form): ApiForm<LoginForm>) -> Result<Response, ApiError> {
    match auth::check_credentials(state.store.as_ref(), &form.username, &form.password).await {
        Ok(user) => {
            let (secret, _csrf) = auth::start_session(&state, &user).await?;
            let mut response = see_other("/");
            response.headers_mut().insert(SET_COOKIE, auth::session_cookie(&state, Some(&secret)));
            Ok(response)
        }
        Err(ApiError::BadCredentials) => Ok(render(&LoginPage { failed: true }, StatusCode::UNAUTHORIZED)),
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

fn check_csrf(caller: &Caller, sent: &str) -> Result<(), ApiError> {
    match caller.csrf() {
        Some(expected) if auth::constant_time_eq(expected, sent) => Ok(()),
        _ => Err(ApiError::Forbidden("the form's CSRF token is missing or stale; reload the page".into())),
    }
}

async fn logout(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    ApiForm(form): ApiForm<CsrfForm>,
) -> Result<Response, ApiError> {
    if let Some(caller) = caller {
        check_csrf(&caller, &form.csrf)?;
        if let Via::Session { id, .. } = &caller.via {
            state.store.delete_session(id).await?;
        }
    }
    let mut response = see_other("/login");
    response.headers_mut().insert(SET_COOKIE, auth::session_cookie(&state, None));
    Ok(response)
}

/// A key result as the page shows it.
struct KeyResultRow {
    kr: dto::KeyResult,
    percent: u32,
    value: String,
    confidence: String,
    status: String,
}

struct ObjectiveRow {
    objective: dto::Objective,
    percent: u32,
    key_results: Vec<KeyResultRow>,
}

#[derive(Template)]
#[template(path = "index.html")]
struct IndexPage {
    organisation: String,
    revision: i64,
    user: String,
    role: String,
    can_write: bool,
    csrf: String,
    notice: Option<String>,
    objectives: Vec<ObjectiveRow>,
}

#[derive(Deserialize)]
struct IndexQuery {
    #[serde(default)]
    saved: Option<String>,
}

fn percent(p: Option<f64>) -> u32 {
    p.map_or(0, |p| (p * 100.0).round().clamp(0.0, 100.0) as u32)
}

async fn index(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    ApiQuery(query): ApiQuery<IndexQuery>,
) -> Result<Response, ApiError> {
    let Some(caller) = caller else {
        return Ok(see_other("/login"));
    };
    let plan = state.plan().await?;
    let live = Live::load(state.store.as_ref()).await?;
    let objectives = views::objectives(plan.model(), &live)
        .into_iter()
        .map(|o| ObjectiveRow {
            percent: percent(o.progress),
            key_results: o
                .key_results
                .iter()
                .map(|k| KeyResultRow {
                    percent: percent(k.progress),
                    value: k.latest.as_ref().map(|c| c.value).or(k.baseline).map_or(String::new(), |v| v.to_string()),
                    confidence: k.latest.as_ref().map_or("0.7".into(), |c| c.confidence.to_string()),
                    status: k.latest.as_ref().map_or("on_track".into(), |c| c.status.clone()),
                    kr: k.clone(),
                })
                .collect(),
            objective: o,
        })
        .collect();
    let page = IndexPage {
        organisation: plan.model().organisation.name.clone(),
        revision: plan.revision,
        user: caller.name.clone(),
        role: caller.role.to_string(),
        can_write: caller.role.can_write(),
        csrf: caller.csrf().unwrap_or_default().to_string(),
        notice: query.saved.map(|kr| format!("Check-in recorded for {kr}.")),
        objectives,
    };
    Ok(render(&page, StatusCode::OK))
}

#[derive(Deserialize)]
struct CheckInForm {
    #[serde(default)]
    csrf: String,
    value: f64,
    confidence: f64,
    status: dto::CheckInStatus,
    #[serde(default)]
    note: String,
    /// One blocker per line.
    #[serde(default)]
    blockers: String,
    expected_version: i64,
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage {
    title: String,
    message: String,
}

async fn check_in(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    Path(id): Path<String>,
    ApiForm(form): ApiForm<CheckInForm>,
) -> Result<Response, ApiError> {
    let caller = caller.ok_or(ApiError::Unauthenticated)?;
    check_csrf(&caller, &form.csrf)?;
    if !caller.role.can_write() {
        return Err(ApiError::Forbidden(format!(
            "recording a check-in needs the editor role; you are {}",
            caller.role
        )));
    }
    let body = dto::NewCheckIn {
        value: form.value,
        confidence: form.confidence,
        status: form.status,
        note: Some(form.note),
        blockers: form.blockers.lines().map(String::from).collect(),
        expected_version: form.expected_version,
    };
    match record_check_in(&state, &caller, &id, body).await {
        Ok(_) => Ok(see_other(&format!("/?saved={id}"))),
        Err(e @ (ApiError::Conflict { .. } | ApiError::Invalid { .. })) => {
            let status = e.status();
            let page = MessagePage { title: "The check-in was not recorded".into(), message: e.to_string() };
            Ok(render(&page, status))
        }
        Err(e) => Err(e),
    }
}
