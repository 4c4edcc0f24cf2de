//! The overview (`/`): the strategy kernel, themes with health, OKR progress
//! with the check-in form, troubled key results, open blockers, lint counts,
//! the capacity mix, utilization per team and week, and the cross-team
//! dependency graph.

use super::planning::{Scheduled, plan_quarter_of, scheduled, utilization_heat_map};
use super::{Ctx, KeyResultRow, Layout, SignedIn, render, words};
use crate::charts;
use crate::dto;
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::state::{AppState, Derived};
use crate::views;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use std::sync::Arc;
use tl_engine::Model;
use tl_engine::Severity;

pub(crate) struct ObjectiveRow {
    pub objective: dto::Objective,
    pub bar: String,
    pub key_results: Vec<KeyResultRow>,
}

impl ObjectiveRow {
    pub fn new(o: dto::Objective) -> ObjectiveRow {
        ObjectiveRow {
            bar: charts::progress_bar(&charts::Progress {
                label: o.title.clone(),
                value: o.progress.unwrap_or(0.0),
                expected: None,
                tone: super::tone_of(o.status.as_deref()),
            }),
            key_results: o.key_results.iter().map(KeyResultRow::new).collect(),
            objective: o,
        }
    }
}

struct ThemeRow {
    theme: views::ThemeHealth,
    bar: String,
    class: &'static str,
}

struct Troubled {
    kr: dto::KeyResult,
    objective: String,
    status: String,
    confidence: String,
    note: String,
}

struct Blocker {
    what: String,
    href: String,
    detail: String,
}

/// What the overview shows that is the same for every user, computed once
/// per plan revision, live version and day (`Derived`); only the layout
/// (user, role, CSRF token) and the notice are per request.
pub(crate) struct OverviewData {
    diagnosis: String,
    policies: String,
    actions: String,
    themes: Vec<ThemeRow>,
    objectives: Vec<ObjectiveRow>,
    /// Objectives not listed on the overview (the OKRs page lists them all).
    more_objectives: usize,
    troubled: Vec<Troubled>,
    blockers: Vec<Blocker>,
    errors: usize,
    warnings: usize,
    infos: usize,
    donut: String,
    mix_quarter: String,
    heat_map: String,
    graph: String,
    n_cross_team: usize,
}

#[derive(Template)]
#[template(path = "overview.html")]
struct OverviewPage<'a> {
    layout: Layout,
    notice: Option<String>,
    diagnosis: &'a str,
    policies: &'a str,
    actions: &'a str,
    themes: &'a [ThemeRow],
    objectives: &'a [ObjectiveRow],
    more_objectives: usize,
    troubled: &'a [Troubled],
    blockers: &'a [Blocker],
    errors: usize,
    warnings: usize,
    infos: usize,
    donut: &'a str,
    mix_quarter: &'a str,
    heat_map: &'a str,
    graph: &'a str,
    n_cross_team: usize,
}

#[derive(Deserialize)]
pub(crate) struct OverviewQuery {
    #[serde(default)]
    saved: Option<String>,
}

/// The kernel in three lines: diagnosis, guiding policies, coherent actions.
fn kernel(model: &Model) -> (String, String, String) {
    let first_more = |first: Option<&String>, n: usize, none: &str| match first {
        None => none.to_string(),
        Some(s) if n > 1 => format!("{s} (and {} more)", n - 1),
        Some(s) => s.clone(),
    };
    let diagnosis = first_more(model.diagnosis.first().map(|d| &d.statement), model.diagnosis.len(), "none written");
    let policies = first_more(model.policies.first().map(|p| &p.statement), model.policies.len(), "none written");
    let active = model.initiatives.iter().filter(|i| i.is_active()).count();
    let in_progress =
        model.initiatives.iter().filter(|i| i.status == tl_engine::model::InitiativeStatus::InProgress).count();
    let actions = format!(
        "{active} initiatives ({in_progress} in progress) serving {} objectives with {} key results",
        model.objectives.len(),
        model.key_results().count()
    );
    (diagnosis, policies, actions)
}

/// The cross-team dependency graph: teams (and external parties) as nodes,
/// one edge per dependency between different teams.
pub(crate) fn team_graph(
    model: &Model,
    deps: &[dto::Dependency],
    today: jiff::civil::Date,
    with_external: bool,
) -> (charts::DepGraph, usize) {
    use std::collections::{HashMap, HashSet};
    // Lookups by id, and edges kept unique as they are found: a large
    // organisation has thousands of dependencies between the same few
    // hundred teams, and scanning the teams and nodes for each was most of
    // the overview's cost after a live write.
    let team_names: HashMap<&str, &str> = model.teams.iter().map(|t| (t.id.as_str(), t.name.as_str())).collect();
    let team_name = |id: &str| team_names.get(id).map_or(id.to_string(), |name| name.to_string());
    let mut nodes: Vec<charts::GraphNode> = Vec::new();
    let mut node_ids: HashSet<String> = HashSet::new();
    let mut add = |nodes: &mut Vec<charts::GraphNode>, id: &str, label: &dyn Fn() -> String, external: bool| {
        if !node_ids.contains(id) {
            node_ids.insert(id.to_string());
            nodes.push(charts::GraphNode { id: id.into(), label: label(), detail: String::new(), external });
        }
    };
    let mut seen: HashSet<(String, &str, charts::EdgeKind, charts::EdgeState)> = HashSet::new();
    let mut edges = Vec::new();
    let mut n = 0;
    for d in deps {
        let (from, external) = match (&d.from_team, &d.party) {
            (Some(t), _) => (t.clone(), false),
            (None, Some(party)) if with_external && d.kind == "external" => (format!("party:{party}"), true),
            _ => continue,
        };
        let targets: Vec<&String> = d.to_teams.iter().filter(|t| **t != from).collect();
        if targets.is_empty() {
            continue;
        }
        n += 1;
        if external {
            add(&mut nodes, &from, &|| d.party.clone().unwrap_or_default(), true);
        } else {
            add(&mut nodes, &from, &|| team_name(&from), false);
        }
        let (kind, state) = (edge_kind(&d.kind), edge_state(d, today));
        for t in targets {
            add(&mut nodes, t, &|| team_name(t), false);
            if seen.insert((from.clone(), t.as_str(), kind, state)) {
                edges.push(charts::GraphEdge { from: from.clone(), to: t.clone(), kind, state });
            }
        }
    }
    let mut title = "Cross-team dependencies".to_string();
    if nodes.len() > MAX_GRAPH_NODES {
        // A graph of hundreds of teams is unreadable (and slow to lay out):
        // keep the most connected ones; the Dependencies page lists them all.
        let mut degree: HashMap<&str, usize> = HashMap::new();
        for e in &edges {
            *degree.entry(e.from.as_str()).or_default() += 1;
            *degree.entry(e.to.as_str()).or_default() += 1;
        }
        let mut ranked: Vec<(&str, usize)> = degree.into_iter().collect();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let keep: HashSet<String> = ranked.into_iter().take(MAX_GRAPH_NODES).map(|(id, _)| id.to_string()).collect();
        title = format!("Cross-team dependencies: the {MAX_GRAPH_NODES} most connected of {} teams", nodes.len());
        nodes.retain(|n| keep.contains(&n.id));
        edges.retain(|e| keep.contains(&e.from) && keep.contains(&e.to));
    }
    (charts::DepGraph { title, nodes, edges }, n)
}

/// The most objectives the overview lists; a large organisation's page
/// would otherwise run to megabytes.
const MAX_OBJECTIVES: usize = 25;

/// The most teams the overview's heat map shows.
const MAX_HEAT_MAP_ROWS: usize = 30;

/// The most nodes a dependency graph shows.
const MAX_GRAPH_NODES: usize = 30;

pub(crate) fn edge_kind(kind: &str) -> charts::EdgeKind {
    match kind {
        "external" => charts::EdgeKind::External,
        "organizational" => charts::EdgeKind::Organizational,
        _ => charts::EdgeKind::Technical,
    }
}

/// Blocked, done, late (past due and not done, or at risk), else on track.
pub(crate) fn edge_state(d: &dto::Dependency, today: jiff::civil::Date) -> charts::EdgeState {
    match d.status.as_str() {
        "blocked" => charts::EdgeState::Blocked,
        "done" => charts::EdgeState::Done,
        _ if is_late(d, today) => charts::EdgeState::Late,
        _ => charts::EdgeState::OnTrack,
    }
}

pub(crate) fn is_late(d: &dto::Dependency, today: jiff::civil::Date) -> bool {
    d.status == "at_risk"
        || (d.status != "done"
            && d.due.as_deref().and_then(|x| x.parse::<jiff::civil::Date>().ok()).is_some_and(|due| due < today))
}

/// The overview's user-independent view model, computed once per derived
/// state off the async threads.
pub(crate) async fn overview_data(derived: &Arc<Derived>) -> Result<Arc<OverviewData>, ApiError> {
    if let Some(data) = derived.overview.get() {
        return Ok(data.clone());
    }
    let scheduled = scheduled(&derived.plan).await?;
    let derived = derived.clone();
    Ok(tokio::task::spawn_blocking(move || {
        derived.overview.get_or_init(|| Arc::new(OverviewData::new(&derived, &scheduled))).clone()
    })
    .await?)
}

pub(crate) async fn page(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    ApiQuery(query): ApiQuery<OverviewQuery>,
) -> Result<Response, ApiError> {
    let ctx = Ctx::load(&state, caller).await?;
    let data = overview_data(&ctx.derived).await?;
    let page = OverviewPage {
        layout: ctx.layout("Overview", "/"),
        notice: query.saved.map(|kr| format!("Check-in recorded for {kr}.")),
        diagnosis: &data.diagnosis,
        policies: &data.policies,
        actions: &data.actions,
        themes: &data.themes,
        objectives: &data.objectives,
        more_objectives: data.more_objectives,
        troubled: &data.troubled,
        blockers: &data.blockers,
        errors: data.errors,
        warnings: data.warnings,
        infos: data.infos,
        donut: &data.donut,
        mix_quarter: &data.mix_quarter,
        heat_map: &data.heat_map,
        graph: &data.graph,
        n_cross_team: data.n_cross_team,
    };
    Ok(render(&page, StatusCode::OK))
}

impl OverviewData {
    fn new(derived: &Derived, scheduled: &Scheduled) -> OverviewData {
        let model = derived.model();
        let objectives = derived.objectives();
        let (diagnosis, policies, actions) = kernel(model);
        let themes = views::theme_health(model, objectives)
            .into_iter()
            .map(|t| ThemeRow {
                bar: charts::progress_bar(&charts::Progress {
                    label: t.name.clone(),
                    value: t.progress.unwrap_or(0.0),
                    expected: None,
                    tone: super::tone_of(t.status()),
                }),
                class: match t.status() {
                    Some("off_track") => "bad",
                    Some("at_risk") => "warn",
                    Some(_) => "good",
                    None => "muted",
                },
                theme: t,
            })
            .collect();
        let objective_title = |kr: &dto::KeyResult| {
            objectives.iter().find(|o| o.id == kr.objective).map_or(String::new(), |o| o.title.clone())
        };
        let troubled = views::troubled_key_results(objectives)
            .into_iter()
            .map(|k| Troubled {
                objective: objective_title(&k),
                status: k.latest.as_ref().map_or(String::new(), |c| c.status.clone()),
                confidence: k.latest.as_ref().map_or(String::new(), |c| format!("{:.0}%", 100.0 * c.confidence)),
                note: k.latest.as_ref().and_then(|c| c.note.clone()).unwrap_or_default(),
                kr: k,
            })
            .collect();
        let b = derived.blockers();
        let mut blockers = Vec::new();
        for d in &b.dependencies {
            blockers.push(Blocker {
                what: d.title.clone().unwrap_or_else(|| d.id.clone()),
                href: format!("/dependencies#dep-{}", d.id),
                detail: format!(
                    "dependency {}, {}",
                    words(&d.status),
                    d.due.as_ref().map_or(String::new(), |x| format!("due {x}"))
                ),
            });
        }
        for m in &b.late_milestones {
            blockers.push(Blocker {
                what: m.title.clone(),
                href: format!("/initiatives/{}", m.initiative),
                detail: format!("milestone late{}", m.due.as_ref().map_or(String::new(), |x| format!(", due {x}"))),
            });
        }
        for c in &b.check_in_blockers {
            let kr = objectives.iter().flat_map(|o| &o.key_results).find(|k| k.id == c.key_result);
            for text in &c.blockers {
                blockers.push(Blocker {
                    what: text.clone(),
                    href: kr.map_or("/okrs".into(), |k| format!("/okrs/{}#kr-{}", k.objective, k.id)),
                    detail: format!(
                        "named in the check-in on {}",
                        kr.map_or(c.key_result.as_str(), |k| k.title.as_str())
                    ),
                });
            }
        }
        let ws = &derived.plan.workspace;
        // The capacity mix of the quarter being planned, over every team.
        let quarter = plan_quarter_of(model);
        let caps = derived.plan.capacity();
        let in_quarter = caps.iter().filter(|c| quarter.is_some_and(|q| c.quarter == q.to_string()));
        let (mut committed, mut improvement, mut exploration) = (0.0, 0.0, 0.0);
        for c in in_quarter {
            committed += c.committed_weeks;
            improvement += c.improvement_weeks;
            exploration += c.exploration_weeks;
        }
        let donut = charts::donut(&charts::Donut::capacity_mix(committed, improvement, exploration));
        let heat_map = match &scheduled.schedule {
            Ok(s) => {
                let mut map = utilization_heat_map(model, s, 14);
                if map.rows.len() > MAX_HEAT_MAP_ROWS {
                    // The overview shows the busiest teams; the Capacity page has them all.
                    let peak = |r: &charts::HeatRow| r.values.iter().flatten().fold(0.0f64, |a, &b| a.max(b));
                    map.rows.sort_by(|a, b| peak(b).total_cmp(&peak(a)));
                    map.title = format!("{}: the {MAX_HEAT_MAP_ROWS} busiest of {} teams", map.title, map.rows.len());
                    map.rows.truncate(MAX_HEAT_MAP_ROWS);
                }
                charts::heat_map(&map)
            }
            Err(e) => format!("<p class=\"error\">The plan could not be scheduled: {}</p>", charts::escape(e)),
        };
        let (graph, n_cross_team) = team_graph(model, derived.dependencies(), derived.today, false);
        OverviewData {
            diagnosis,
            policies,
            actions,
            themes,
            more_objectives: objectives.len().saturating_sub(MAX_OBJECTIVES),
            objectives: objectives.iter().take(MAX_OBJECTIVES).cloned().map(ObjectiveRow::new).collect(),
            troubled,
            blockers,
            errors: ws.count(Severity::Error),
            warnings: ws.count(Severity::Warning),
            infos: ws.count(Severity::Info),
            donut,
            mix_quarter: quarter.map_or(String::new(), |q| q.to_string()),
            heat_map,
            graph: charts::dependency_graph(&graph),
            n_cross_team,
        }
    }
}
