//! The planning pages (portfolio, capacity; the roadmap is in `roadmap`) and the computations
//! behind them and the overview's heat map: the schedule, a Monte Carlo
//! forecast and the quarter's portfolio. Each runs on a blocking thread the
//! first time it is asked for and is then kept for as long as its plan
//! revision is the current one.

use super::{Ctx, Layout, SignedIn, num, render};
use crate::charts::{self, Date as ChartDate};
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::state::{AppState, Plan};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, Weak};
use tl_engine::Model;
use tl_engine::forecast::{Distribution, ForecastOptions, Pass, simulate};
use tl_engine::model::Quarter;
use tl_engine::planning::{PlanSchedule, ScheduleOptions, schedule_plan, to_network};
use tl_engine::portfolio::{Infeasibility, MixLimit, Problem, Reason, ShareUse, Solution, Status, solve};
use tl_engine::portfolio_plan::{QuarterPortfolio, WhatIf, apply_what_ifs, quarter_portfolio};
use tl_engine::validate::Index;
use tl_engine::workplan::{BuildOptions, WorkPlan, build};

/// Forecast samples for the roadmap: enough for stable P50/P85 dates.
pub(crate) const FORECAST_SAMPLES: usize = 1_000;

/// The plan on the calendar.
pub(crate) struct Scheduled {
    pub work: WorkPlan,
    pub schedule: Result<PlanSchedule, String>,
}

/// Forecast finish dates per work item (in `Scheduled::work` order).
pub(crate) struct Forecasted {
    pub p50: Vec<jiff::civil::Date>,
    pub p85: Vec<jiff::civil::Date>,
    pub on_time: Vec<Option<f64>>,
    pub criticality: Vec<Option<f64>>,
    pub error: Option<String>,
}

/// The quarter's portfolio and its solution.
pub(crate) struct Portfolio {
    pub quarter: Quarter,
    pub portfolio: QuarterPortfolio,
    pub solution: Solution,
}

#[derive(Default)]
struct Cached {
    scheduled: OnceLock<Arc<Scheduled>>,
    forecasted: OnceLock<Arc<Forecasted>>,
    portfolio: OnceLock<Option<Arc<Portfolio>>>,
}

/// One entry per live plan. A `Weak` keeps the plan's allocation, so its
/// address is never reused while the entry exists; entries whose plan was
/// dropped (a newer revision replaced it) are pruned on the next lookup.
static CACHE: Mutex<Vec<(Weak<Plan>, Arc<Cached>)>> = Mutex::new(Vec::new());

fn cached(plan: &Arc<Plan>) -> Arc<Cached> {
    let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    cache.retain(|(w, _)| w.strong_count() > 0);
    if let Some((_, c)) = cache.iter().find(|(w, _)| std::ptr::eq(w.as_ptr(), Arc::as_ptr(plan))) {
        return c.clone();
    }
    let c = Arc::new(Cached::default());
    cache.push((Arc::downgrade(plan), c.clone()));
    c
}

/// The schedule of `plan`, computed once per plan off the async threads.
pub(crate) async fn scheduled(plan: &Arc<Plan>) -> Result<Arc<Scheduled>, ApiError> {
    let cache = cached(plan);
    if let Some(s) = cache.scheduled.get() {
        return Ok(s.clone());
    }
    let plan = plan.clone();
    Ok(tokio::task::spawn_blocking(move || cache.scheduled.get_or_init(|| Arc::new(schedule(plan.model()))).clone())
        .await?)
}

pub(crate) async fn forecasted(plan: &Arc<Plan>) -> Result<(Arc<Scheduled>, Arc<Forecasted>), ApiError> {
    let scheduled = scheduled(plan).await?;
    let cache = cached(plan);
    if let Some(f) = cache.forecasted.get() {
        return Ok((scheduled, f.clone()));
    }
    let (plan, s) = (plan.clone(), scheduled.clone());
    let f = tokio::task::spawn_blocking(move || {
        cache.forecasted.get_or_init(|| Arc::new(forecast(plan.model(), &s.work))).clone()
    })
    .await?;
    Ok((scheduled, f))
}

pub(crate) async fn portfolio_of(plan: &Arc<Plan>) -> Result<Option<Arc<Portfolio>>, ApiError> {
    let cache = cached(plan);
    if let Some(p) = cache.portfolio.get() {
        return Ok(p.clone());
    }
    let plan = plan.clone();
    Ok(tokio::task::spawn_blocking(move || {
        cache.portfolio.get_or_init(|| plan_quarter(plan.model(), &[]).ok().flatten().map(Arc::new)).clone()
    })
    .await?)
}

/// The first day of the earliest quarter with open work (as the CLI does).
pub(crate) fn plan_start(model: &Model) -> jiff::civil::Date {
    model
        .initiatives
        .iter()
        .filter(|i| i.is_active())
        .map(|i| i.quarter)
        .min()
        .map(|q| q.start())
        .unwrap_or_else(|| jiff::civil::date(2027, 1, 1))
}

/// The quarter the planning pages talk about: the earliest with initiatives.
pub(crate) fn plan_quarter_of(model: &Model) -> Option<Quarter> {
    model.initiatives.iter().filter(|i| i.is_active()).map(|i| i.quarter).min()
}

fn schedule(model: &Model) -> Scheduled {
    let index = Index::new(model);
    let work = build(model, &index, BuildOptions { start: plan_start(model), skip_done: true });
    let schedule =
        schedule_plan(&work, &model.organisation.calendar, ScheduleOptions::default()).map_err(|e| e.to_string());
    Scheduled { work, schedule }
}

fn forecast(model: &Model, work: &WorkPlan) -> Forecasted {
    let calendar = &model.organisation.calendar;
    let day0 = calendar.next_working(work.start);
    let to_date = |f: f64| calendar.date_of(day0, (f.ceil() as i64 - 1).max(0) as u32);
    let empty = |error: String| Forecasted {
        p50: Vec::new(),
        p85: Vec::new(),
        on_time: Vec::new(),
        criticality: Vec::new(),
        error: Some(error),
    };
    let (network, n_items) = match to_network(work, calendar) {
        Ok(x) => x,
        Err(e) => return empty(e.to_string()),
    };
    let options = ForecastOptions {
        samples: FORECAST_SAMPLES,
        seed: 1,
        distribution: Distribution::PertBeta,
        pass: Pass::ResourceAware,
    };
    let summary = simulate(&network, &options).and_then(|s| s.summarize(&network, &[]));
    let criticality = simulate(&network, &ForecastOptions { pass: Pass::Precedence, ..options })
        .ok()
        .and_then(|s| s.criticality())
        .unwrap_or_default();
    match summary {
        Ok(f) => {
            let tasks = &f.tasks[..n_items.min(f.tasks.len())];
            Forecasted {
                p50: tasks.iter().map(|t| to_date(t.p50)).collect(),
                p85: tasks.iter().map(|t| to_date(t.p85)).collect(),
                on_time: tasks.iter().map(|t| t.on_time).collect(),
                criticality: (0..tasks.len()).map(|t| criticality.get(t).copied()).collect(),
                error: None,
            }
        }
        Err(e) => empty(format!("{e:?}")),
    }
}

/// The quarter's portfolio, under what-ifs if any.
fn plan_quarter(model: &Model, what_ifs: &[WhatIf]) -> Result<Option<Portfolio>, String> {
    let Some(quarter) = plan_quarter_of(model) else {
        return Ok(None);
    };
    let (portfolio, _scenario) = if what_ifs.is_empty() {
        (quarter_portfolio(model, quarter, &HashMap::new(), None), None)
    } else {
        let changed = apply_what_ifs(model, what_ifs)?;
        (quarter_portfolio(&changed.model, quarter, &changed.capacity_factors, changed.ceiling), Some(()))
    };
    let solution = solve(&portfolio.problem, &portfolio.options);
    Ok(Some(Portfolio { quarter, portfolio, solution }))
}

pub(crate) fn chart_date(d: jiff::civil::Date) -> ChartDate {
    ChartDate::from_ymd(i32::from(d.year()), d.month() as u32, d.day() as u32).unwrap_or(ChartDate::from_days(0))
}

/// Utilization per team and week from the schedule, for the heat map:
/// at most `weeks` columns from the start of the plan.
pub(crate) fn utilization_heat_map(model: &Model, s: &PlanSchedule, weeks: usize) -> charts::HeatMap {
    let n = s.load.iter().map(Vec::len).max().unwrap_or(0).min(weeks);
    let columns = s
        .load
        .iter()
        .find(|l| l.len() >= n)
        .map(|l| l.iter().take(n).map(|w| chart_date(w.monday).short()).collect())
        .unwrap_or_default();
    let rows = model
        .teams
        .iter()
        .zip(&s.load)
        .map(|(team, load)| charts::HeatRow {
            label: team.name.clone(),
            values: load
                .iter()
                .take(n)
                .map(|w| (w.capacity_weeks > 0.0).then(|| w.demand_weeks / w.capacity_weeks))
                .collect(),
        })
        .collect();
    charts::HeatMap {
        title: "Planned utilization per team and week".into(),
        columns,
        rows,
        threshold: model.policy.utilization_warn_pct / 100.0,
    }
}

// ---------------------------------------------------------------- portfolio

struct PortfolioRow {
    id: String,
    title: String,
    value: String,
    category: String,
    effort: String,
    reason: String,
}

struct TeamUseRow {
    team: String,
    used: String,
    limit: String,
    percent: u32,
    binding: bool,
}

/// One mix limit of the portfolio in words, with where the selection is.
struct ShareRow {
    label: String,
    share: String,
    bound: String,
    at_limit: bool,
    /// Initiatives left out because of it, if any, in words.
    blocked: String,
}

#[derive(Template)]
#[template(path = "portfolio.html")]
struct PortfolioPage {
    layout: Layout,
    quarter: String,
    status: String,
    value: String,
    bound: String,
    greedy: String,
    selected: Vec<PortfolioRow>,
    excluded: Vec<PortfolioRow>,
    teams: Vec<TeamUseRow>,
    shares: Vec<ShareRow>,
    what_if: String,
    scenario_error: Option<String>,
    /// With a what-if: initiatives the scenario adds and drops, and its value.
    scenario: Option<ScenarioDiff>,
}

struct ScenarioDiff {
    value: String,
    added: Vec<String>,
    dropped: Vec<String>,
}

#[derive(Deserialize)]
pub(crate) struct PortfolioQuery {
    #[serde(default)]
    what_if: String,
}

/// The solver's status in words; with the problem, infeasibility names the
/// initiatives and teams involved.
fn status_in_words(s: &Solution, problem: Option<&Problem>) -> String {
    let item = |i: usize| {
        problem.and_then(|p| p.items.get(i)).map_or_else(|| format!("initiative {}", i + 1), |it| it.name.clone())
    };
    let team =
        |t: usize| problem.and_then(|p| p.teams.get(t)).map_or_else(|| format!("team {}", t + 1), |t| t.name.clone());
    match &s.status {
        Status::Optimal => "proven optimal".to_string(),
        Status::Feasible => format!("within {:.2}% of the upper bound", 100.0 * s.gap),
        Status::Infeasible(why) => format!(
            "no selection is possible: {}",
            match why {
                Infeasibility::MandatoryBlocked { item: needed, forced_by } =>
                    format!("committed work {} needs {}, which cannot be selected", item(*forced_by), item(*needed)),
                Infeasibility::MandatoryOverCapacity { team: t, needed, limit } => format!(
                    "committed work alone needs {} person-weeks of {}, above its limit of {}",
                    num(*needed),
                    team(*t),
                    num(*limit)
                ),
                Infeasibility::MandatoryMix { limit, share, bound } => format!(
                    "committed work alone puts {} at {:.0}%, beyond the {} of {:.0}%",
                    mix_subject(*limit),
                    100.0 * share,
                    mix_bound_word(*limit),
                    100.0 * bound
                ),
                Infeasibility::NoFeasibleSelection => "no choice of initiatives meets every constraint".to_string(),
            }
        ),
        Status::Unknown => "no feasible selection found within the budget".to_string(),
        Status::Invalid(e) => format!("the portfolio cannot be built from the plan: {e}"),
    }
}

/// What a mix limit constrains, in words.
fn mix_subject(limit: MixLimit) -> String {
    match limit {
        MixLimit::CategoryMax(c) | MixLimit::CategoryMin(c) => format!("{} work", c.name()),
        MixLimit::DebtFloor => "tech-debt work".to_string(),
    }
}

/// "maximum" or "minimum".
fn mix_bound_word(limit: MixLimit) -> &'static str {
    if limit.is_max() { "maximum" } else { "minimum" }
}

/// A mix limit as a table row: "Committed work, at most" 62% of 72%.
fn share_row(sh: &ShareUse) -> ShareRow {
    let mut label = mix_subject(sh.limit);
    if let Some(first) = label.get(..1) {
        label = first.to_uppercase() + &label[1..];
    }
    label.push_str(if sh.limit.is_max() { ", at most" } else { ", at least" });
    let n = sh.blocked_items;
    ShareRow {
        label,
        share: format!("{:.0}%", 100.0 * sh.share),
        bound: format!("{:.0}%", 100.0 * sh.bound),
        at_limit: sh.at_limit,
        blocked: match n {
            0 => String::new(),
            1 => "keeps 1 initiative out".to_string(),
            n => format!("keeps {n} initiatives out"),
        },
    }
}

fn rows(model: &Model, p: &Portfolio, chosen: bool) -> Vec<PortfolioRow> {
    let (problem, s) = (&p.portfolio.problem, &p.solution);
    let mut ks: Vec<usize> = (0..problem.items.len()).filter(|&k| s.selected[k] == chosen).collect();
    ks.sort_by(|&a, &b| problem.items[b].value.total_cmp(&problem.items[a].value));
    ks.into_iter()
        .map(|k| {
            let item = &problem.items[k];
            let init = p.portfolio.initiatives.get(k).and_then(|&i| model.initiatives.get(i));
            let reason = if chosen {
                if item.mandatory { "committed (in progress)".into() } else { String::new() }
            } else {
                s.explanations
                    .iter()
                    .find(|e| e.item == k)
                    .map(|e| match (&e.reason, &p.portfolio.missing_skill[k]) {
                        (Reason::NotAllowed, Some(why)) => why.clone(),
                        _ => e.describe(problem),
                    })
                    .unwrap_or_default()
            };
            PortfolioRow {
                id: init.map_or_else(|| item.name.clone(), |i| i.id.0.clone()),
                title: init.map_or_else(|| item.name.clone(), |i| i.title.clone()),
                value: format!("{:.2}", item.value),
                category: item.category.name().to_string(),
                effort: item
                    .effort
                    .iter()
                    .map(|&(t, w)| format!("{} {}", model.teams.get(t).map_or("?", |t| t.name.as_str()), num(w)))
                    .collect::<Vec<_>>()
                    .join(", "),
                reason,
            }
        })
        .collect()
}

pub(crate) async fn portfolio(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    ApiQuery(query): ApiQuery<PortfolioQuery>,
) -> Result<Response, ApiError> {
    let ctx = Ctx::load(&state, caller).await?;
    let base = portfolio_of(&ctx.plan).await?;
    let layout = ctx.layout("Portfolio", "/portfolio");
    let Some(base) = base else {
        let page = super::EmptyPage { layout, heading: "Portfolio".into(), message: "No initiatives to plan.".into() };
        return Ok(render(&page, StatusCode::OK));
    };
    let model = ctx.model();
    // A what-if scenario is computed per request (it is a few milliseconds
    // on a blocking thread); only the baseline is cached.
    let what_if = query.what_if.trim().to_string();
    let (scenario, scenario_error) = if what_if.is_empty() {
        (None, None)
    } else {
        let parsed: Result<Vec<WhatIf>, String> =
            what_if.split([',', ' ']).filter(|s| !s.is_empty()).map(WhatIf::parse).collect();
        match parsed {
            Err(e) => (None, Some(e)),
            Ok(what_ifs) => {
                let plan = ctx.plan.clone();
                match tokio::task::spawn_blocking(move || plan_quarter(plan.model(), &what_ifs)).await? {
                    Err(e) => (None, Some(e)),
                    Ok(None) => (None, None),
                    Ok(Some(p)) => {
                        let chosen = |p: &Portfolio| -> Vec<String> {
                            (0..p.portfolio.problem.items.len())
                                .filter(|&k| p.solution.selected[k])
                                .map(|k| p.portfolio.problem.items[k].name.clone())
                                .collect()
                        };
                        let (before, after) = (chosen(&base), chosen(&p));
                        let diff = ScenarioDiff {
                            value: format!(
                                "{:.2} ({})",
                                p.solution.value,
                                status_in_words(&p.solution, Some(&p.portfolio.problem))
                            ),
                            added: after.iter().filter(|x| !before.contains(x)).cloned().collect(),
                            dropped: before.iter().filter(|x| !after.contains(x)).cloned().collect(),
                        };
                        (Some(diff), None)
                    }
                }
            }
        }
    };
    let s = &base.solution;
    let page = PortfolioPage {
        layout,
        quarter: base.quarter.to_string(),
        status: status_in_words(s, Some(&base.portfolio.problem)),
        value: format!("{:.2}", s.value),
        bound: format!("{:.2}", s.bound),
        greedy: format!("{:.2}", s.stats.greedy_value),
        selected: rows(model, &base, true),
        excluded: rows(model, &base, false),
        teams: s
            .teams
            .iter()
            .map(|t| TeamUseRow {
                team: model.teams.get(t.team).map_or("?".into(), |x| x.name.clone()),
                used: format!("{:.1}", t.used),
                limit: format!("{:.1}", t.limit),
                percent: super::percent(Some(if t.limit > 0.0 { t.used / t.limit } else { 0.0 })),
                binding: t.full || t.nearly_full,
            })
            .collect(),
        shares: s.shares.iter().map(share_row).collect(),
        what_if,
        scenario_error,
        scenario,
    };
    Ok(render(&page, StatusCode::OK))
}

// ---------------------------------------------------------------- capacity

struct CapacityTeam {
    id: String,
    name: String,
    chart: String,
    peak: String,
    over: usize,
}

#[derive(Template)]
#[template(path = "capacity.html")]
struct CapacityPage {
    layout: Layout,
    heat_map: String,
    teams: Vec<CapacityTeam>,
    ceiling: String,
    error: Option<String>,
}

pub(crate) async fn capacity(State(state): State<AppState>, SignedIn(caller): SignedIn) -> Result<Response, ApiError> {
    let ctx = Ctx::load(&state, caller).await?;
    let scheduled = scheduled(&ctx.plan).await?;
    let model = ctx.model();
    let ceiling = model.policy.utilization_warn_pct;
    let (heat_map, teams, error) = match &scheduled.schedule {
        Err(e) => (String::new(), Vec::new(), Some(e.clone())),
        Ok(s) => {
            let heat = charts::heat_map(&utilization_heat_map(model, s, 26));
            let teams = model
                .teams
                .iter()
                .zip(&s.load)
                .map(|(team, load)| {
                    let bars = load
                        .iter()
                        .map(|w| {
                            let u = if w.capacity_weeks > 0.0 { w.demand_weeks / w.capacity_weeks } else { 0.0 };
                            charts::Bar {
                                label: format!("Week of {}", chart_date(w.monday).short()),
                                value: 100.0 * u,
                                tone: if 100.0 * u > ceiling + 0.5 { charts::Tone::Bad } else { charts::Tone::Neutral },
                                note: format!("{} of {} pw", num(w.demand_weeks), num(w.capacity_weeks)),
                            }
                        })
                        .collect::<Vec<_>>();
                    let peak = load
                        .iter()
                        .filter(|w| w.capacity_weeks > 0.0)
                        .map(|w| w.demand_weeks / w.capacity_weeks)
                        .fold(0.0_f64, f64::max);
                    let over = load
                        .iter()
                        .filter(|w| w.capacity_weeks > 0.0 && 100.0 * w.demand_weeks / w.capacity_weeks > ceiling + 0.5)
                        .count();
                    CapacityTeam {
                        id: team.id.0.clone(),
                        name: team.name.clone(),
                        chart: charts::bar_chart(&charts::BarChart {
                            title: format!("{}: demand as a share of capacity per week", team.name),
                            unit: "% of capacity".into(),
                            bars,
                            reference: Some(charts::Reference {
                                value: ceiling,
                                label: format!("{ceiling:.0}% ceiling"),
                            }),
                        }),
                        peak: format!("{:.0}%", 100.0 * peak),
                        over,
                    }
                })
                .collect();
            (heat, teams, None)
        }
    };
    let page = CapacityPage {
        layout: ctx.layout("Capacity", "/capacity"),
        heat_map,
        teams,
        ceiling: format!("{ceiling:.0}%"),
        error,
    };
    Ok(render(&page, StatusCode::OK))
}
