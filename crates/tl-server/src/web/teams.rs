//! Teams: the list with capacity and utilization (`/teams`), and one team
//! (`/teams/{id}`) with its capacity per quarter, members, a skills matrix
//! with single points of failure highlighted, and its allocation to
//! initiatives.

use super::{Ctx, Layout, SignedIn, not_found, num, render};
use crate::error::ApiError;
use crate::state::AppState;
use crate::views;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

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
}

/// A core metric with its value: measured from delivery events when it is
/// bound to them, else none (the plan holds only its target).
struct MetricRow {
    name: String,
    category: String,
    indicator: String,
    value: String,
    target: String,
    /// The definition a measured value was computed with.
    definition: Option<String>,
}

pub(crate) async fn detail(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let ctx = Ctx::load(&state, caller).await?;
    let model = ctx.model();
    let Some(team) = model.teams.iter().find(|t| t.id.as_str() == id) else {
        return Ok(not_found(&ctx, "team", &id, "/teams"));
    };
    let unit = |u: &Option<String>| u.as_deref().map_or(String::new(), |u| format!(" {u}"));
    let metrics = model
        .metrics
        .iter()
        .filter(|m| m.team.as_str() == id)
        .map(|m| {
            let measured = ctx.live.measured.get(m.id.as_str());
            MetricRow {
                name: m.name.clone(),
                category: m.category.as_str().replace('_', " "),
                indicator: m.indicator.as_str().into(),
                value: match measured {
                    Some(x) => x.value.map_or("no events yet".into(), |v| format!("{}{}", num(v), unit(&m.unit))),
                    None => "reported by hand".into(),
                },
                target: m.target.map_or(String::new(), |t| format!("{}{}", num(t), unit(&m.unit))),
                definition: measured.map(|x| x.definition.clone()),
            }
        })
        .collect();
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
    };
    Ok(render(&page, StatusCode::OK))
}
