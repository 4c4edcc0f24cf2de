//! Teams: the list with capacity and utilization (`/teams`), and one team
//! (`/teams/{id}`) with its capacity per quarter, members, a skills matrix
//! with single points of failure highlighted, and its allocation to
//! initiatives, and its core metrics: measured from delivery events where a
//! definition binds them, else reported by hand with the form here
//! (`POST /metrics/{id}/check-in`).

use super::{Ctx, Layout, SignedIn, check_csrf, not_found, num, render, see_other};
use crate::auth::MaybeCaller;
use crate::charts;
use crate::dto;
use crate::error::ApiError;
use crate::extract::{ApiForm, ApiQuery, IfMatch};
use crate::routes::register::record_metric_check_in;
use crate::state::AppState;
use crate::views;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

struct TeamRow {
    id: String,
    name: String,
    members: usize,
    fte: String,
    capacity: String,
    demand: String,
    utilization: String,
    over: bool,
    single_points: usize,
}

#[derive(Template)]
#[template(path = "teams.html")]
struct TeamsPage {
    layout: Layout,
    quarter: String,
    rows: Vec<TeamRow>,
    ceiling: String,
}

fn utilization(u: Option<f64>) -> String {
    u.map_or("–".into(), |u| format!("{u:.0}%"))
}

pub(crate) async fn list(State(state): State<AppState>, SignedIn(caller): SignedIn) -> Result<Response, ApiError> {
    let ctx = Ctx::load(&state, caller).await?;
    let model = ctx.model();
    let quarter = super::planning::plan_quarter_of(model).map_or(String::new(), |q| q.to_string());
    let caps = views::capacity(model);
    let ceiling = model.policy.utilization_warn_pct;
    let rows = model
        .teams
        .iter()
        .map(|t| {
            let people: Vec<_> = model.people.iter().filter(|p| p.team.as_str() == t.id.as_str()).collect();
            let cap = caps.iter().find(|c| c.team == t.id.as_str() && c.quarter == quarter);
            let matrix = views::skills_matrix(model, t.id.as_str());
            TeamRow {
                id: t.id.0.clone(),
                name: t.name.clone(),
                members: people.len(),
                fte: num(people.iter().map(|p| p.fte).sum()),
                capacity: cap.map_or("–".into(), |c| num(c.capacity_weeks)),
                demand: cap.map_or("–".into(), |c| num(c.demand_weeks)),
                utilization: utilization(cap.and_then(|c| c.utilization_pct)),
                over: cap.and_then(|c| c.utilization_pct).is_some_and(|u| u > ceiling + 0.5),
                single_points: matrix.single_point.iter().filter(|&&x| x).count(),
            }
        })
        .collect();
    let page = TeamsPage { layout: ctx.layout("Teams", "/teams"), quarter, rows, ceiling: format!("{ceiling:.0}%") };
    Ok(render(&page, StatusCode::OK))
}

struct CapacityRow {
    quarter: String,
    capacity: String,
    demand: String,
    utilization: String,
    over: bool,
    mix: String,
}

struct Member {
    id: String,
    name: String,
    seniority: String,
    fte: String,
    lead: bool,
}

struct MatrixRow {
    name: String,
    cells: Vec<(String, bool)>,
}

struct Allocation {
    id: String,
    title: String,
    status: String,
    likely: String,
    staffing: String,
}

#[derive(Template)]
#[template(path = "team.html")]
struct TeamPage {
    layout: Layout,
    name: String,
    mission: Option<String>,
    focus: String,
    on_call: String,
    time_off: String,
    capacity: Vec<CapacityRow>,
    members: Vec<Member>,
    skills: Vec<(String, usize, bool)>,
    matrix: Vec<MatrixRow>,
    allocations: Vec<Allocation>,
    ceiling: String,
    metrics: Vec<MetricRow>,
    /// After a metric value was saved.
    notice: Option<String>,
    /// Why a reported value was refused, and the field at fault.
    error: Option<(String, Option<String>)>,
}

/// A core metric with its value: measured from delivery events when it is
/// bound to them, else its latest check-in.
struct MetricRow {
    id: String,
    name: String,
    category: String,
    indicator: String,
    value: String,
    target: String,
    /// The definition a measured value was computed with.
    definition: Option<String>,
    /// For a value reported by hand: when and by whom.
    reported: Option<String>,
    /// Recent values as an inline SVG (empty with fewer than two).
    sparkline: String,
    /// The form to report a value; only for metrics no definition measures.
    form: Option<MetricForm>,
}

/// What a metric's check-in form shows: the latest version it saw and the
/// values typed (after a refusal) or none.
struct MetricForm {
    unit: String,
    version: i64,
    value: String,
    note: String,
    open: bool,
    invalid: String,
}

/// A refused metric check-in, shown again on its team's page.
struct Refused {
    metric: String,
    value: String,
    note: String,
    /// The version the form should name now: the current one after a
    /// conflict (so that saving again goes through), else what was sent.
    version: Option<i64>,
    field: Option<String>,
    message: String,
    status: StatusCode,
}

#[derive(Deserialize)]
pub(crate) struct TeamQuery {
    /// The metric whose value was just recorded.
    #[serde(default)]
    saved: Option<String>,
}

fn utc_date(t: jiff::Timestamp) -> String {
    jiff::tz::Offset::UTC.to_datetime(t).date().to_string()
}

pub(crate) async fn detail(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<TeamQuery>,
) -> Result<Response, ApiError> {
    let ctx = Ctx::load(&state, caller).await?;
    let notice = query.saved.and_then(|saved| {
        let m = ctx.model().metrics.iter().find(|m| m.id.as_str() == saved && m.team.as_str() == id)?;
        Some(format!("Value recorded for “{}”.", m.name))
    });
    Ok(team_page(&ctx, &id, notice, None))
}

fn metric_rows(ctx: &Ctx, team: &str, refused: Option<&Refused>) -> Vec<MetricRow> {
    let model = ctx.model();
    let unit = |u: &Option<String>| u.as_deref().map_or(String::new(), |u| format!(" {u}"));
    model
        .metrics
        .iter()
        .filter(|m| m.team.as_str() == team)
        .map(|m| {
            let target = m.target.map_or(String::new(), |t| format!("{}{}", num(t), unit(&m.unit)));
            let title = format!("{}: recent values", m.name);
            let spark = |points: Vec<(String, f64)>| {
                if points.len() < 2 {
                    String::new()
                } else {
                    charts::sparkline(&charts::Sparkline { title: title.clone(), points, target: m.target })
                }
            };
            let row = |value: String| MetricRow {
                id: m.id.0.clone(),
                name: m.name.clone(),
                category: m.category.as_str().replace('_', " "),
                indicator: m.indicator.as_str().into(),
                value,
                target: target.clone(),
                definition: None,
                reported: None,
                sparkline: String::new(),
                form: None,
            };
            if m.measure.is_some() {
                let measured = ctx.live.measured.get(m.id.as_str());
                let value = measured.and_then(|x| x.value);
                let history = measured
                    .map_or(vec![], |x| x.history.iter().filter_map(|(at, v)| Some((utc_date(*at), (*v)?))).collect());
                return MetricRow {
                    definition: measured.map(|x| x.definition.clone()),
                    sparkline: spark(history),
                    ..row(value.map_or("no events yet".into(), |v| format!("{}{}", num(v), unit(&m.unit))))
                };
            }
            let history = ctx.live.metric_check_ins.get(m.id.as_str()).map_or(&[][..], Vec::as_slice);
            let latest = history.last();
            let mut form = MetricForm {
                unit: m.unit.clone().unwrap_or_default(),
                version: latest.map_or(0, |c| c.version),
                value: String::new(),
                note: String::new(),
                open: false,
                invalid: String::new(),
            };
            if let Some(r) = refused.filter(|r| r.metric == m.id.as_str()) {
                form.value = r.value.clone();
                form.note = r.note.clone();
                form.version = r.version.unwrap_or(form.version);
                form.open = true;
                form.invalid = r.field.clone().unwrap_or_default();
            }
            MetricRow {
                reported: latest.map(|c| format!("{} by {}", utc_date(c.at), c.author)),
                sparkline: spark(history.iter().map(|c| (utc_date(c.at), c.value)).collect()),
                form: Some(form),
                ..row(latest.map_or("not reported yet".into(), |c| format!("{}{}", num(c.value), unit(&m.unit))))
            }
        })
        .collect()
}

fn team_page(ctx: &Ctx, id: &str, notice: Option<String>, refused: Option<Refused>) -> Response {
    let model = ctx.model();
    let Some(team) = model.teams.iter().find(|t| t.id.as_str() == id) else {
        return not_found(ctx, "team", id, "/teams");
    };
    let id = id.to_string();
    let metrics = metric_rows(ctx, &id, refused.as_ref());
    let ceiling = model.policy.utilization_warn_pct;
    let capacity = views::capacity(model)
        .into_iter()
        .filter(|c| c.team == id)
        .map(|c| CapacityRow {
            quarter: c.quarter.clone(),
            capacity: num(c.capacity_weeks),
            demand: num(c.demand_weeks),
            utilization: utilization(c.utilization_pct),
            over: c.utilization_pct.is_some_and(|u| u > ceiling + 0.5),
            mix: format!(
                "{} committed, {} improvement, {} exploration; {} tech debt",
                num(c.committed_weeks),
                num(c.improvement_weeks),
                num(c.exploration_weeks),
                num(c.tech_debt_weeks)
            ),
        })
        .collect();
    let lead = team.lead.as_ref().map(|r| r.as_str());
    let members = model
        .people
        .iter()
        .filter(|p| p.team.as_str() == id)
        .map(|p| Member {
            id: p.id.0.clone(),
            name: p.name.clone(),
            seniority: p.seniority.as_str().into(),
            fte: num(p.fte),
            lead: lead == Some(p.id.as_str()),
        })
        .collect();
    let matrix = views::skills_matrix(model, &id);
    let skills = matrix
        .skills
        .iter()
        .zip(&matrix.holders)
        .zip(&matrix.single_point)
        .map(|((s, &h), &spof)| (s.clone(), h, spof))
        .collect();
    let rows = matrix
        .people
        .iter()
        .map(|(_, name, levels)| MatrixRow {
            name: name.clone(),
            cells: levels
                .iter()
                .zip(&matrix.single_point)
                .map(|(&l, &spof)| {
                    (
                        if l == 0 { String::new() } else { l.to_string() },
                        spof && l >= tl_engine::model::HOLDS_SKILL_LEVEL,
                    )
                })
                .collect(),
        })
        .collect();
    let person = |pid: &str| model.people.iter().find(|p| p.id.as_str() == pid);
    let allocations = model
        .initiatives
        .iter()
        .filter(|i| i.is_active())
        .filter_map(|i| {
            let likely = i.likely_effort_of(&id);
            let staffing: Vec<String> = i
                .staffing
                .iter()
                .filter_map(|a| {
                    let p = person(a.person.as_str())?;
                    (p.team.as_str() == id).then(|| format!("{} {:.0}%", p.name, 100.0 * a.share))
                })
                .collect();
            (likely > 0.0 || !staffing.is_empty()).then(|| Allocation {
                id: i.id.0.clone(),
                title: i.title.clone(),
                status: i.status.as_str().into(),
                likely: num(likely),
                staffing: staffing.join(", "),
            })
        })
        .collect();
    let page = TeamPage {
        layout: ctx.layout(team.name.clone(), "/teams"),
        name: team.name.clone(),
        mission: team.mission.clone(),
        focus: format!("{:.0}%", 100.0 * team.focus_factor),
        on_call: num(team.on_call_fte),
        time_off: num(team.time_off_weeks),
        capacity,
        members,
        skills,
        matrix: rows,
        allocations,
        ceiling: format!("{ceiling:.0}%"),
        metrics,
        notice,
        error: refused.as_ref().map(|r| (r.message.clone(), r.field.clone())),
    };
    render(&page, refused.map_or(StatusCode::OK, |r| r.status))
}

/// The metric check-in form as sent: every field as text, so that a refused
/// value can be shown again exactly as typed.
#[derive(Deserialize)]
pub(crate) struct MetricCheckInForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    expected_version: String,
}

impl MetricCheckInForm {
    fn parse(&self) -> Result<dto::NewMetricCheckIn, ApiError> {
        let text = self.value.trim();
        if text.is_empty() {
            return Err(ApiError::invalid("value", "the value is required"));
        }
        let value = text
            .parse()
            .map_err(|_| ApiError::invalid("value", format!("the value must be a number, not “{text}”")))?;
        let expected_version = self.expected_version.trim().parse().map_err(|_| {
            ApiError::invalid("expected_version", "the form has no valid version; reload the page and try again")
        })?;
        Ok(dto::NewMetricCheckIn { value, note: Some(self.note.clone()), expected_version: Some(expected_version) })
    }
}

/// `POST /metrics/{id}/check-in`: records a reported value and returns to the
/// team's page; a refused value comes back on that page, unfolded, as typed.
pub(crate) async fn check_in(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    Path(id): Path<String>,
    ApiForm(form): ApiForm<MetricCheckInForm>,
) -> Result<Response, ApiError> {
    let caller = caller.ok_or(ApiError::Unauthenticated)?;
    check_csrf(&caller, &form.csrf)?;
    if !caller.role.can_write() {
        return Err(ApiError::Forbidden(format!("reporting a metric needs the editor role; you are {}", caller.role)));
    }
    let plan = state.plan().await?;
    let team = plan.model().metrics.iter().find(|m| m.id.as_str() == id).map(|m| m.team.as_str().to_string());
    let team = team.ok_or_else(|| ApiError::not_found("metric", &id))?;
    let result = match form.parse() {
        Ok(body) => record_metric_check_in(&state, &caller, &id, IfMatch::Absent, body).await,
        Err(e) => Err(e),
    };
    match result {
        // Both ids come from the plan, so the redirect stays on this site.
        Ok(_) => Ok(see_other(&format!("/teams/{team}?saved={id}#m-{id}"))),
        Err(e @ (ApiError::Conflict { .. } | ApiError::Invalid { .. })) => {
            let ctx = Ctx::load(&state, caller).await?;
            let (field, message) = match &e {
                ApiError::Invalid { field, message } => (field.clone(), message.clone()),
                other => (None, format!("{other} The latest value is shown below; save again to report yours.")),
            };
            let version = match &e {
                ApiError::Conflict { .. } => None,
                _ => form.expected_version.trim().parse().ok(),
            };
            let refused =
                Refused { metric: id, value: form.value, note: form.note, version, field, message, status: e.status() };
            Ok(team_page(&ctx, &team, None, Some(refused)))
        }
        Err(e) => Err(e),
    }
}
