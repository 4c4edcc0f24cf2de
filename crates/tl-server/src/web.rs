//! The server-rendered dashboard: the login form, one shared layout (skip
//! link, navigation, the user and role, logout), and a page per area, each
//! in its own module under `web/`. Charts are inline SVG from `charts`.
//! Pages need no JavaScript: filters and sorting are links and GET forms,
//! check-ins are plain POST forms with a CSRF token.
//!
//! Errors on these routes are pages too: `html_errors` turns any error
//! response into a page in the layout (401 into a redirect to the login
//! form), while `/api/*` keeps its JSON bodies.
//!
//! Handlers gather the plan (cached per revision), the live data and, for
//! the planning pages, the schedule, forecast or portfolio (computed off
//! the async threads and cached per plan in `web::planning`), then call
//! pure view functions and render an askama template.

mod delivery;
mod initiatives;
mod okrs;
mod overview;
mod planning;
mod registers;
mod revisions;
mod roadmap;
mod teams;

pub(crate) use overview::OverviewData;

use crate::auth::{self, Caller, MaybeCaller, Via};
use crate::dto;
use crate::error::{ApiError, ErrorInfo};
use crate::extract::{ApiForm, IfMatch};
use crate::routes::okrs::record_check_in;
use crate::state::{AppState, Derived, Plan};
use crate::views::Live;
use askama::Template;
use axum::Router;
use axum::extract::{FromRequestParts, Path, Request, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::middleware::Next;
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
        .route("/metrics/{id}/check-in", post(teams::check_in))
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
        .route("/roadmap", get(roadmap::page))
        .route("/capacity", get(planning::capacity))
        .route("/delivery", get(delivery::page))
        .route("/delivery/definitions/{id}", get(delivery::definition))
        .route("/revisions", get(revisions::list))
        .route("/revisions/{revision}", get(revisions::detail))
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
const NAV: [(&str, &str); 12] = [
    ("/", "Overview"),
    ("/okrs", "OKRs"),
    ("/initiatives", "Initiatives"),
    ("/delivery", "Delivery"),
    ("/teams", "Teams"),
    ("/dependencies", "Dependencies"),
    ("/debt", "Tech debt"),
    ("/health", "Strategy health"),
    ("/portfolio", "Portfolio"),
    ("/roadmap", "Roadmap"),
    ("/capacity", "Capacity"),
    ("/revisions", "Revisions"),
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

/// The layout for a page that needs only the plan's name and revision, not
/// its live data. A plan that does not load leaves the defaults.
pub(crate) async fn layout_for(
    state: &AppState,
    caller: &Caller,
    title: impl Into<String>,
    current: &'static str,
) -> Layout {
    let (organisation, revision) = match state.plan().await {
        Ok(plan) => (plan.model().organisation.name.clone(), plan.revision),
        Err(_) => (String::new(), 0),
    };
    Layout {
        title: title.into(),
        organisation: if organisation.is_empty() { "Throughline".into() } else { organisation },
        user: caller.name.clone(),
        role: caller.role.to_string(),
        csrf: caller.csrf().unwrap_or_default().to_string(),
        can_write: caller.role.can_write(),
        revision,
        current,
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

/// The fallback for unknown paths outside `/api`: an HTML 404 page, in the
/// layout for a signed-in caller.
pub async fn fallback(State(state): State<AppState>, MaybeCaller(caller): MaybeCaller, uri: Uri) -> Response {
    let info =
        ErrorInfo { status: StatusCode::NOT_FOUND, message: format!("Nothing lives at {}.", uri.path()), field: None };
    error_page(&state, caller, &info, "").await
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    heading: &'static str,
    message: String,
    field: Option<String>,
    hint: String,
    back_label: String,
}

/// The navigation entry a path belongs to, for the error page's way back.
fn section_of(path: &str) -> &'static str {
    NAV.iter()
        .skip(1)
        .find(|(href, _)| path == *href || path.strip_prefix(href).is_some_and(|rest| rest.starts_with('/')))
        .map_or(if path.starts_with("/key-results/") { "/okrs" } else { "" }, |(href, _)| href)
}

/// Answers an error on a dashboard route with a page: 401 sends the browser
/// to the login form; anything else is a page in the layout with the message
/// and the field at fault. Handlers and extractors keep returning `ApiError`,
/// whose response carries an `ErrorInfo`; responses without one pass as they are.
pub async fn html_errors(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let (method, uri, headers): (Method, Uri, HeaderMap) =
        (request.method().clone(), request.uri().clone(), request.headers().clone());
    let response = next.run(request).await;
    let Some(info) = response.extensions().get::<ErrorInfo>().cloned() else {
        return response;
    };
    if info.status == StatusCode::UNAUTHORIZED {
        return see_other("/login");
    }
    // Who asked, read again from the request's cookie, for the layout.
    let mut again = axum::http::Request::new(());
    *again.method_mut() = method;
    *again.uri_mut() = uri.clone();
    *again.headers_mut() = headers;
    let (mut parts, ()) = again.into_parts();
    let caller = MaybeCaller::from_request_parts(&mut parts, &state).await.ok().and_then(|c| c.0);
    error_page(&state, caller, &info, section_of(uri.path())).await
}

/// The page for an error: in the layout for a signed-in caller, else a bare
/// message with a link to the login form.
async fn error_page(state: &AppState, caller: Option<Caller>, info: &ErrorInfo, current: &'static str) -> Response {
    let (heading, hint) = match info.status {
        StatusCode::BAD_REQUEST => ("The request could not be read", ""),
        StatusCode::FORBIDDEN => ("Not allowed", "Ask an admin if you need a role that can do this."),
        StatusCode::NOT_FOUND => ("Not found", ""),
        StatusCode::CONFLICT => ("Someone else changed this first", "Reload the page to see the latest version."),
        StatusCode::UNPROCESSABLE_ENTITY => ("Some values are not valid", "Go back, correct the field and try again."),
        s if s.is_server_error() => ("Something went wrong", "The error was logged. Try again in a moment."),
        _ => ("The request failed", ""),
    };
    let Some(caller) = caller else {
        return render(&MessagePage { title: heading.into(), message: info.message.clone() }, info.status);
    };
    let back_label = NAV.iter().find(|(href, _)| *href == current).map_or(String::new(), |(_, l)| l.to_lowercase());
    let page = ErrorPage {
        layout: layout_for(state, &caller, heading, current).await,
        heading,
        message: info.message.clone(),
        field: info.field.clone(),
        hint: hint.into(),
        back_label,
    };
    render(&page, info.status)
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
    /// The form's defaults: the latest value, confidence and status (or,
    /// after a refused check-in, what was sent).
    pub value: String,
    pub confidence: String,
    pub status: String,
    pub note: String,
    pub blockers: String,
    /// The version the form names as the latest it saw.
    pub version: i64,
    /// Whether the form starts unfolded, and the field to mark as invalid.
    pub open: bool,
    pub invalid: String,
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
            note: String::new(),
            blockers: String::new(),
            version: k.version,
            open: false,
            invalid: String::new(),
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

/// The check-in form as sent: every field as text, so that a refused
/// check-in can be shown again with exactly what was typed.
#[derive(Deserialize)]
struct CheckInForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    confidence: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    note: String,
    /// One blocker per line.
    #[serde(default)]
    blockers: String,
    #[serde(default)]
    expected_version: String,
    /// The page to return to: `okrs` for the objective's page; else the
    /// overview.
    #[serde(default)]
    back: String,
}

impl CheckInForm {
    fn parse(&self) -> Result<dto::NewCheckIn, ApiError> {
        fn number(field: &str, text: &str) -> Result<f64, ApiError> {
            let text = text.trim();
            if text.is_empty() {
                return Err(ApiError::invalid(field, format!("the {field} is required")));
            }
            text.parse().map_err(|_| ApiError::invalid(field, format!("the {field} must be a number, not “{text}”")))
        }
        let status = match self.status.as_str() {
            "on_track" => dto::CheckInStatus::OnTrack,
            "at_risk" => dto::CheckInStatus::AtRisk,
            "off_track" => dto::CheckInStatus::OffTrack,
            other => {
                return Err(ApiError::invalid(
                    "status",
                    format!("the status is on_track, at_risk or off_track, not “{other}”"),
                ));
            }
        };
        let expected_version = self.expected_version.trim().parse().map_err(|_| {
            ApiError::invalid("expected_version", "the form has no valid version; reload the page and try again")
        })?;
        Ok(dto::NewCheckIn {
            value: number("value", &self.value)?,
            confidence: number("confidence", &self.confidence)?,
            status,
            note: Some(self.note.clone()),
            blockers: self.blockers.lines().map(String::from).collect(),
            expected_version: Some(expected_version),
        })
    }
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage {
    title: String,
    message: String,
}

#[derive(Template)]
#[template(path = "checkin_error.html")]
struct CheckInErrorPage {
    layout: Layout,
    message: String,
    field: Option<String>,
    k: KeyResultRow,
    back: String,
    objective: Option<String>,
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
    let result = match form.parse() {
        Ok(body) => record_check_in(&state, &caller, &id, IfMatch::Absent, body).await,
        Err(e) => Err(e),
    };
    match result {
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
            refused_check_in(&state, caller, &id, form, e).await
        }
        Err(e) => Err(e),
    }
}

/// The check-in form again, unfolded, with what was sent and why it was
/// refused. After a conflict it names the version that is current now, so
/// that saving again (having read the latest check-in) goes through.
async fn refused_check_in(
    state: &AppState,
    caller: Caller,
    id: &str,
    form: CheckInForm,
    error: ApiError,
) -> Result<Response, ApiError> {
    let status = error.status();
    let ctx = Ctx::load(state, caller).await?;
    let objectives = crate::views::objectives(ctx.model(), &ctx.live);
    let Some((objective, kr)) =
        objectives.iter().find_map(|o| o.key_results.iter().find(|k| k.id == id).map(|k| (o.id.clone(), k)))
    else {
        return Err(ApiError::not_found("key result", id));
    };
    let (field, message) = match &error {
        ApiError::Invalid { field, message } => (field.clone(), message.clone()),
        other => (None, format!("{other} The latest check-in is shown on the objective's page.")),
    };
    let mut k = KeyResultRow::new(kr);
    k.value = form.value;
    k.confidence = form.confidence;
    k.status = form.status;
    k.note = form.note;
    k.blockers = form.blockers;
    k.open = true;
    k.invalid = field.clone().unwrap_or_default();
    if !matches!(error, ApiError::Conflict { .. }) {
        k.version = form.expected_version.trim().parse().unwrap_or(kr.version);
    }
    let back = if form.back == "okrs" { "okrs".to_string() } else { String::new() };
    let page = CheckInErrorPage {
        layout: ctx.layout("Check-in not recorded", "/okrs"),
        message,
        field,
        k,
        back,
        objective: Some(objective),
    };
    Ok(render(&page, status))
}

/// Computes, ahead of any request, what the dashboard's first page needs for
/// the current plan and live data: the derived views and the overview, and
/// for a new plan revision its schedule, forecast and portfolio (seconds on
/// a large organisation), and the Delivery page's default figures. Returns
/// the versions it warmed.
pub async fn warm(state: &AppState) -> Result<(i64, i64), crate::error::ApiError> {
    let derived = state.derived().await?;
    derived
        .off_thread(|d| {
            d.objectives();
            d.initiatives();
            d.blockers();
        })
        .await?;
    overview::overview_data(&derived).await?;
    planning::forecasted(&derived.plan).await?;
    planning::portfolio_of(&derived.plan).await?;
    // The Delivery page's default view (the organisation, the default
    // definition): reading the events is its cost.
    crate::routes::delivery_metrics::compute(state, None, None).await?;
    Ok((derived.plan.revision, derived.live_version))
}
