//! The server-rendered dashboard: the login form, one shared layout (skip
//! link, navigation, the user and role, logout), and a page per area, each
//! in its own module under `web/`. Charts are inline SVG from `charts`.
//! Pages need no JavaScript: filters and sorting are links and GET forms,
//! check-ins are plain POST forms with a CSRF token.
//!
//! Handlers gather the plan (cached per revision), the live data and, for
//! the planning pages, the schedule, forecast or portfolio (computed off
//! the async threads and cached per plan in `web::planning`), then call
//! pure view functions and render an askama template.

mod initiatives;
mod okrs;
mod overview;
mod planning;
mod registers;
mod teams;

pub(crate) use overview::OverviewData;

use crate::auth::{self, Caller, MaybeCaller, Via};
use crate::dto;
use crate::error::ApiError;
use crate::extract::{ApiForm, IfMatch};
use crate::routes::okrs::record_check_in;
use crate::state::{AppState, Derived, Plan};
use crate::views::Live;
use askama::Template;
use axum::Router;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use std::sync::Arc;

/// The login form's POST, which is rate-limited (see `app`).
pub fn login_router() -> Router<AppState> {
    Router::new().route("/login", post(login))
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page))
        .route("/logout", post(logout))
        .route("/style.css", get(stylesheet))
        .route("/key-results/{id}/check-in", post(check_in))
        .route("/", get(overview::page))
        .route("/okrs", get(okrs::list))
        .route("/okrs/{id}", get(okrs::detail))
        .route("/initiatives", get(initiatives::list))
        .route("/initiatives/{id}", get(initiatives::detail))
        .route("/teams", get(teams::list))
        .route("/teams/{id}", get(teams::detail))
        .route("/dependencies", get(registers::dependencies))
        .route("/debt", get(registers::debt))
        .route("/health", get(registers::health))
        .route("/portfolio", get(planning::portfolio))
        .route("/roadmap", get(planning::roadmap))
        .route("/capacity", get(planning::capacity))
}

const STYLESHEET: &str = include_str!("../templates/style.css");

async fn stylesheet() -> Response {
    ([(CONTENT_TYPE, "text/css; charset=utf-8"), (CACHE_CONTROL, "public, max-age=3600")], STYLESHEET).into_response()
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

/// The pages in the navigation, in order.
const NAV: [(&str, &str); 10] = [
    ("/", "Overview"),
    ("/okrs", "OKRs"),
    ("/initiatives", "Initiatives"),
    ("/teams", "Teams"),
    ("/dependencies", "Dependencies"),
    ("/debt", "Tech debt"),
    ("/health", "Strategy health"),
    ("/portfolio", "Portfolio"),
    ("/roadmap", "Roadmap"),
    ("/capacity", "Capacity"),
];

/// What the shared layout (`page.html`) shows around every page.
pub(crate) struct Layout {
    pub title: String,
    pub organisation: String,
    pub user: String,
    pub role: String,
    pub csrf: String,
    pub can_write: bool,
    pub revision: i64,
    /// The navigation entry this page belongs to.
    pub current: &'static str,
}

impl Layout {
    pub fn nav(&self) -> &'static [(&'static str, &'static str)] {
        &NAV
    }

    pub fn is_current(&self, href: &str) -> bool {
        self.current == href
    }
}

/// A signed-in caller; anyone else is sent to the login form.
pub(crate) struct SignedIn(pub Caller);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<SignedIn, Response> {
        match MaybeCaller::from_request_parts(parts, state).await {
            Ok(MaybeCaller(Some(caller))) => Ok(SignedIn(caller)),
            Ok(MaybeCaller(None)) => Err(see_other("/login")),
            Err(e) => Err(e.into_response()),
        }
    }
}

/// What every page starts from: who asks, the plan, its live data, today,
/// and the views derived from them (cached across requests).
pub(crate) struct Ctx {
    pub caller: Caller,
    pub plan: Arc<Plan>,
    pub live: Arc<Live>,
    pub today: jiff::civil::Date,
    pub derived: Arc<Derived>,
}

impl Ctx {
    pub async fn load(state: &AppState, caller: Caller) -> Result<Ctx, ApiError> {
        let derived = state.derived().await?;
        Ok(Ctx { caller, plan: derived.plan.clone(), live: derived.live.clone(), today: derived.today, derived })
    }

    pub fn model(&self) -> &tl_engine::Model {
        self.plan.model()
    }

    pub fn layout(&self, title: impl Into<String>, current: &'static str) -> Layout {
        let organisation = &self.model().organisation.name;
        Layout {
            title: title.into(),
            organisation: if organisation.is_empty() { "Throughline".into() } else { organisation.clone() },
            user: self.caller.name.clone(),
            role: self.caller.role.to_string(),
            csrf: self.caller.csrf().unwrap_or_default().to_string(),
            can_write: self.caller.role.can_write(),
            revision: self.plan.revision,
            current,
        }
    }
}

#[derive(Template)]
#[template(path = "not_found.html")]
struct NotFoundPage {
    layout: Layout,
    message: String,
}

/// A page with nothing to show but a sentence (no plan yet, ...).
#[derive(Template)]
#[template(path = "empty.html")]
pub(crate) struct EmptyPage {
    pub layout: Layout,
    pub heading: String,
    pub message: String,
}

/// The 404 page for an unknown id, inside the layout.
pub(crate) fn not_found(ctx: &Ctx, kind: &str, id: &str, current: &'static str) -> Response {
    let page = NotFoundPage {
        layout: ctx.layout("Not found", current),
        message: format!("There is no {kind} with the id “{id}” in the current plan."),
    };
    render(&page, StatusCode::NOT_FOUND)
}

/// The fallback for unknown paths outside `/api`: an HTML 404 page.
pub async fn fallback(uri: Uri) -> Response {
    let page = MessagePage { title: "Page not found".into(), message: format!("Nothing lives at {}.", uri.path()) };
    render(&page, StatusCode::NOT_FOUND)
}

/// A share (0..=1) as a whole percentage for CSS widths and labels.
pub(crate) fn percent(p: Option<f64>) -> u32 {
    p.map_or(0, |p| if p.is_finite() { (p * 100.0).round().clamp(0.0, 100.0) as u32 } else { 0 })
}

/// A number without trailing zeros: 12, 12.5, 0.25.
pub(crate) fn num(v: f64) -> String {
    if !v.is_finite() {
        return "n/a".into();
    }
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.to_string() }
}

/// A key result with what its check-in form needs.
pub(crate) struct KeyResultRow {
    pub kr: dto::KeyResult,
    pub bar: String,
    /// The form's defaults: the latest value, confidence and status.
    pub value: String,
    pub confidence: String,
    pub status: String,
}

impl KeyResultRow {
    pub fn new(k: &dto::KeyResult) -> KeyResultRow {
        KeyResultRow {
            bar: crate::charts::progress_bar(&crate::charts::Progress {
                label: k.title.clone(),
                value: k.progress.unwrap_or(0.0),
                expected: None,
                tone: tone_of(k.latest.as_ref().map(|c| c.status.as_str())),
            }),
            value: k.latest.as_ref().map(|c| c.value).or(k.baseline).map_or(String::new(), |v| v.to_string()),
            confidence: k.latest.as_ref().map_or("0.7".into(), |c| c.confidence.to_string()),
            status: k.latest.as_ref().map_or("on_track".into(), |c| c.status.clone()),
            kr: k.clone(),
        }
    }
}

/// The chart tone of a check-in or delivery status.
pub(crate) fn tone_of(status: Option<&str>) -> crate::charts::Tone {
    use crate::charts::Tone;
    match status {
        Some("on_track" | "done" | "ok") => Tone::Good,
        Some("at_risk" | "risk" | "late") => Tone::Warning,
        Some("off_track" | "blocked" | "blocker") => Tone::Bad,
        Some("cancelled") => Tone::Muted,
        _ => Tone::Neutral,
    }
}

/// A status keyword as words: `at_risk` → "at risk".
pub(crate) fn words(s: &str) -> String {
    s.replace('_', " ")
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
    /// The page to return to: `okrs` for the objective's page; else the
    /// overview.
    #[serde(default)]
    back: String,
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
        expected_version: Some(form.expected_version),
    };
    match record_check_in(&state, &caller, &id, IfMatch::Absent, body).await {
        Ok(_) => {
            // Only a known page is a valid place to return to, so the form
            // cannot be turned into an open redirect.
            let objective = state
                .plan()
                .await?
                .model()
                .key_results()
                .find(|(_, k)| k.id.as_str() == id)
                .map(|(o, _)| o.id.0.clone());
            let to = match objective {
                Some(o) if form.back == "okrs" => format!("/okrs/{o}?saved={id}#kr-{id}"),
                _ => format!("/?saved={id}"),
            };
            Ok(see_other(&to))
        }
        Err(e @ (ApiError::Conflict { .. } | ApiError::Invalid { .. })) => {
            let status = e.status();
            let page = MessagePage { title: "The check-in was not recorded".into(), message: e.to_string() };
            Ok(render(&page, status))
        }
        Err(e) => Err(e),
    }
}
