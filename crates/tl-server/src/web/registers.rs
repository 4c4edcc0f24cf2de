//! The registers: dependencies (`/dependencies`, a list and a graph with
//! late, blocked and external ones marked), technical debt (`/debt`, by
//! category and as a share of capacity) and strategy health (`/health`, the
//! lint findings linked to the entities they concern).

use super::overview::{is_late, team_graph};
use super::{Ctx, Layout, SignedIn, num, render};
use crate::charts;
use crate::dto;
use crate::error::ApiError;
use crate::state::AppState;
use crate::views;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

struct DependencyRow {
    d: dto::Dependency,
    provider: String,
    provider_href: String,
    blocks: Vec<(String, String)>,
    late: bool,
    external: bool,
}

#[derive(Template)]
#[template(path = "dependencies.html")]
struct DependenciesPage {
    layout: Layout,
    graph: String,
    rows: Vec<DependencyRow>,
    n_blocked: usize,
    n_late: usize,
    n_external: usize,
}

pub(crate) async fn dependencies(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
) -> Result<Response, ApiError> {
    let ctx = Ctx::load(&state, caller).await?;
    let model = ctx.model();
    let deps = views::dependencies(model, &ctx.live);
    let (graph, _) = team_graph(model, &deps, ctx.today, true);
    // Where an id lives: an initiative, or the initiative of a milestone.
    let href = |id: &str| -> String {
        if model.initiatives.iter().any(|i| i.id.as_str() == id) {
            return format!("/initiatives/{id}");
        }
        model
            .milestones()
            .find(|(_, m)| m.id.as_str() == id)
            .map_or(String::new(), |(i, m)| format!("/initiatives/{}#m-{}", i.id, m.id))
    };
    let rows: Vec<DependencyRow> = deps
        .into_iter()
        .map(|d| {
            let (provider, provider_href) = match (&d.waits_for, &d.party) {
                (Some(w), _) => (w.clone(), href(w)),
                (None, Some(p)) => (p.clone(), String::new()),
                _ => (String::new(), String::new()),
            };
            DependencyRow {
                provider,
                provider_href,
                blocks: d.blocks.iter().map(|b| (b.clone(), href(b))).collect(),
                late: is_late(&d, ctx.today),
                external: d.kind == "external",
                d,
            }
        })
        .collect();
    let page = DependenciesPage {
        layout: ctx.layout("Dependencies", "/dependencies"),
        graph: charts::dependency_graph(&graph),
        n_blocked: rows.iter().filter(|r| r.d.status == "blocked").count(),
        n_late: rows.iter().filter(|r| r.late).count(),
        n_external: rows.iter().filter(|r| r.external).count(),
        rows,
    };
    Ok(render(&page, StatusCode::OK))
}

struct DebtRow {
    d: dto::Debt,
    team: String,
}

#[derive(Template)]
#[template(path = "debt.html")]
struct DebtPage {
    layout: Layout,
    chart: String,
    rows: Vec<DebtRow>,
    total: String,
    quarters: Vec<(String, String, String, String, bool)>,
    floor: String,
}

pub(crate) async fn debt(State(state): State<AppState>, SignedIn(caller): SignedIn) -> Result<Response, ApiError> {
    let ctx = Ctx::load(&state, caller).await?;
    let model = ctx.model();
    let by_category = views::debt_by_category(model);
    let chart = charts::bar_chart(&charts::BarChart {
        title: "Technical debt by category".into(),
        unit: "person-weeks".into(),
        bars: by_category
            .iter()
            .map(|(c, n, w)| charts::Bar {
                label: super::words(c),
                value: *w,
                tone: charts::Tone::Neutral,
                note: format!("{n} item{}", if *n == 1 { "" } else { "s" }),
            })
            .collect(),
        reference: None,
    });
    let team_name =
        |id: &str| model.teams.iter().find(|t| t.id.as_str() == id).map_or(id.to_string(), |t| t.name.clone());
    let mut rows: Vec<DebtRow> =
        model.debt.iter().map(|d| DebtRow { team: team_name(d.team.as_str()), d: dto::Debt::from(d) }).collect();
    let impact = |s: &str| match s {
        "critical" => 0,
        "high" => 1,
        "medium" => 2,
        _ => 3,
    };
    rows.sort_by(|a, b| impact(&a.d.impact).cmp(&impact(&b.d.impact)).then(b.d.effort.total_cmp(&a.d.effort)));
    // The share of each quarter's capacity planned for tech debt, against
    // the policy's range.
    let range = model.policy.tech_debt_pct;
    let mut quarters: Vec<(String, f64, f64)> = Vec::new();
    for c in views::capacity(model) {
        match quarters.iter_mut().find(|q| q.0 == c.quarter) {
            Some(q) => {
                q.1 += c.tech_debt_weeks;
                q.2 += c.capacity_weeks;
            }
            None => quarters.push((c.quarter.clone(), c.tech_debt_weeks, c.capacity_weeks)),
        }
    }
    let quarters = quarters
        .into_iter()
        .map(|(q, debt, cap)| {
            let share = if cap > 0.0 { 100.0 * debt / cap } else { 0.0 };
            (q, num(debt), num(cap), format!("{share:.0}%"), share + 0.5 < range.min)
        })
        .collect();
    let page = DebtPage {
        layout: ctx.layout("Technical debt", "/debt"),
        chart,
        total: num(model.debt.iter().map(|d| d.effort).sum()),
        rows,
        quarters,
        floor: format!("{:.0}%–{:.0}%", range.min, range.max),
    };
    Ok(render(&page, StatusCode::OK))
}

struct FindingRow {
    f: dto::Finding,
    link: Option<(String, String)>,
}

#[derive(Template)]
#[template(path = "health.html")]
struct HealthPage {
    layout: Layout,
    errors: usize,
    warnings: usize,
    infos: usize,
    groups: Vec<(String, Vec<FindingRow>)>,
}

pub(crate) async fn health(State(state): State<AppState>, SignedIn(caller): SignedIn) -> Result<Response, ApiError> {
    let ctx = Ctx::load(&state, caller).await?;
    let model = ctx.model();
    let findings = views::findings(&ctx.plan);
    let mut groups: Vec<(String, Vec<FindingRow>)> = Vec::new();
    for (severity, heading) in [("error", "Errors"), ("warning", "Warnings"), ("info", "Notes")] {
        let rows: Vec<FindingRow> = findings
            .findings
            .iter()
            .filter(|f| f.severity == severity)
            .map(|f| FindingRow { link: views::finding_link(model, &f.message), f: f.clone() })
            .collect();
        if !rows.is_empty() {
            groups.push((heading.to_string(), rows));
        }
    }
    let page = HealthPage {
        layout: ctx.layout("Strategy health", "/health"),
        errors: findings.errors,
        warnings: findings.warnings,
        infos: findings.infos,
        groups,
    };
    Ok(render(&page, StatusCode::OK))
}
