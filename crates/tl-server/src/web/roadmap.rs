//! The roadmap (`/roadmap`): the schedule and its forecast, readable on a
//! laptop for any size of organisation. By default one Gantt row per
//! initiative (its milestones' span, forecast and due date), grouped by
//! theme; `?view=milestones` shows the milestones themselves; `?team=` and
//! `?theme=` narrow either view. The chart and the table are capped
//! (`MAX_CHART_ROWS`, `MAX_TABLE_ROWS`), and the page says so and links to
//! narrower views. The table's theme sections are `<details>`, so the page
//! needs no JavaScript.

use super::planning::{FORECAST_SAMPLES, chart_date, forecasted};
use super::{Layout, SignedIn, layout_for, render};
use crate::charts;
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use std::collections::{BTreeSet, HashMap};

/// Rows the Gantt chart draws (items and group headings count alike).
pub(crate) const MAX_CHART_ROWS: usize = 60;

/// Rows the table lists, over all its sections.
pub(crate) const MAX_TABLE_ROWS: usize = 400;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RoadmapQuery {
    /// `initiatives` (the default) or `milestones`.
    #[serde(default)]
    view: String,
    /// A team id: only that team's work.
    #[serde(default)]
    team: String,
    /// A theme id: only initiatives of that theme.
    #[serde(default)]
    theme: String,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum View {
    Initiatives,
    Milestones,
}

/// One row: an initiative (its items' span) or one milestone.
struct Row {
    initiative_id: String,
    /// What the row is: the initiative's title or the milestone's.
    label: String,
    /// The chart's id for the row (links are drawn between these).
    key: String,
    /// For a milestone row: its initiative's title.
    parent: String,
    teams: String,
    start: jiff::civil::Date,
    finish: jiff::civil::Date,
    p50: Option<jiff::civil::Date>,
    p85: Option<jiff::civil::Date>,
    due: Option<jiff::civil::Date>,
    on_time: String,
    criticality: String,
    critical: bool,
    late_days: i64,
    n_items: usize,
}

impl Row {
    fn late(&self) -> String {
        match self.late_days {
            1 => "1 day late".to_string(),
            d if d > 1 => format!("{d} days late"),
            _ => String::new(),
        }
    }

    fn date(d: Option<&jiff::civil::Date>) -> String {
        d.map_or(String::new(), |d| d.to_string())
    }
}

/// A row before it has text: indices into the plan and the schedule.
struct Slot {
    init: usize,
    /// The work item (for an initiative's row, its first).
    item: usize,
    teams: Vec<usize>,
    start: jiff::civil::Date,
    finish: jiff::civil::Date,
    p50: Option<jiff::civil::Date>,
    p85: Option<jiff::civil::Date>,
    due: Option<jiff::civil::Date>,
    critical: bool,
    late_days: i64,
    n_items: usize,
}

impl Slot {
    /// Widens an initiative's row to cover one more of its items.
    fn absorb(&mut self, other: &Slot) {
        self.start = self.start.min(other.start);
        self.finish = self.finish.max(other.finish);
        self.p50 = self.p50.max(other.p50);
        self.p85 = self.p85.max(other.p85);
        self.due = self.due.max(other.due);
        self.critical |= other.critical;
        self.late_days = self.late_days.max(other.late_days);
        self.n_items += other.n_items;
        for t in &other.teams {
            if !self.teams.contains(t) {
                self.teams.push(*t);
            }
        }
    }
}

/// A theme's rows, for one `<details>` section of the table.
struct Section {
    name: String,
    /// The theme id, for the link that narrows to it ("" for no theme).
    theme: String,
    rows: Vec<Row>,
    /// Rows of this theme not listed because of the table's cap.
    left_out: usize,
    n_late: usize,
    n_critical: usize,
}

struct Choice {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "roadmap.html")]
struct RoadmapPage {
    layout: Layout,
    summary: String,
    gantt: String,
    /// Rows in the chart and how many there were to draw.
    charted: usize,
    chartable: usize,
    sections: Vec<Section>,
    n_rows: usize,
    listed: usize,
    milestones: bool,
    teams: Vec<Choice>,
    themes: Vec<Choice>,
    /// The query string of this view without `view=`, for the view switch.
    narrow: String,
    error: Option<String>,
    samples: usize,
}

fn query_string(view: View, team: &str, theme: &str) -> String {
    let mut parts = Vec::new();
    if view == View::Milestones {
        parts.push("view=milestones".to_string());
    }
    if !team.is_empty() {
        parts.push(format!("team={}", urlencode(team)));
    }
    if !theme.is_empty() {
        parts.push(format!("theme={}", urlencode(theme)));
    }
    if parts.is_empty() { String::new() } else { format!("?{}", parts.join("&")) }
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

pub(crate) async fn page(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    ApiQuery(query): ApiQuery<RoadmapQuery>,
) -> Result<Response, ApiError> {
    let view = match query.view.as_str() {
        "" | "initiatives" => View::Initiatives,
        "milestones" => View::Milestones,
        other => {
            return Err(ApiError::invalid("view", format!("view is `initiatives` or `milestones`, not `{other}`")));
        }
    };
    let plan = state.plan().await?;
    let model = plan.model();
    let team_filter = match query.team.as_str() {
        "" => None,
        id => Some(model.teams.iter().position(|t| t.id.as_str() == id).ok_or_else(|| {
            ApiError::invalid("team", format!("there is no team `{id}` in the plan; choose one from the list"))
        })?),
    };
    if !query.theme.is_empty() && !model.themes.iter().any(|t| t.id.as_str() == query.theme) {
        return Err(ApiError::invalid(
            "theme",
            format!("there is no theme `{}` in the plan; choose one from the list", query.theme),
        ));
    }
    let layout = layout_for(&state, &caller, "Roadmap", "/roadmap").await;
    let (scheduled, forecast) = forecasted(&plan).await?;
    let s = match &scheduled.schedule {
        Ok(s) => s,
        Err(e) => {
            let page = super::EmptyPage {
                layout,
                heading: "Roadmap".into(),
                message: format!("The plan could not be scheduled: {e}"),
            };
            return Ok(render(&page, StatusCode::OK));
        }
    };
    let work = &scheduled.work;
    let percent = |x: Option<f64>| x.map_or(String::new(), |x| format!("{:.0}%", 100.0 * x));

    // What each row needs, without strings: a large organisation has tens
    // of thousands of items, of which the page shows a few hundred. Rows
    // get their text only when they are drawn or listed.
    let mut slots: Vec<Slot> = Vec::new();
    let mut slot_of_initiative: Vec<Option<usize>> = vec![None; model.initiatives.len()];
    for p in &s.items {
        let item = &work.items[p.item];
        if team_filter.is_some_and(|t| item.team != t) {
            continue;
        }
        let init = &model.initiatives[item.initiative];
        if !query.theme.is_empty() && init.theme.as_ref().is_none_or(|r| r.id.as_str() != query.theme) {
            continue;
        }
        let slot = Slot {
            init: item.initiative,
            item: p.item,
            teams: vec![item.team],
            start: p.start,
            finish: p.finish,
            p50: forecast.p50.get(p.item).copied(),
            p85: forecast.p85.get(p.item).copied(),
            due: item.due,
            critical: p.critical,
            late_days: p.late_days.unwrap_or(0).max(0),
            n_items: 1,
        };
        match (view, slot_of_initiative[item.initiative]) {
            (View::Initiatives, Some(k)) => slots[k].absorb(&slot),
            (View::Initiatives, None) => {
                slot_of_initiative[item.initiative] = Some(slots.len());
                slots.push(slot);
            }
            (View::Milestones, _) => slots.push(slot),
        }
    }
    let n_rows = slots.len();

    // Sections by theme, in the plan's theme order, then "No theme".
    // Initiatives by start; milestones under their initiative, initiatives
    // by their first item's start.
    let theme_index: HashMap<&str, usize> = model.themes.iter().enumerate().map(|(i, t)| (t.id.as_str(), i)).collect();
    let mut first_start: Vec<Option<jiff::civil::Date>> = vec![None; model.initiatives.len()];
    for sl in &slots {
        let f = &mut first_start[sl.init];
        *f = Some(f.map_or(sl.start, |d| d.min(sl.start)));
    }
    let mut by_theme: Vec<Vec<Slot>> = (0..=model.themes.len()).map(|_| Vec::new()).collect();
    for sl in slots {
        let t = model.initiatives[sl.init].theme.as_ref().and_then(|r| theme_index.get(r.id.as_str()).copied());
        by_theme[t.unwrap_or(model.themes.len())].push(sl);
    }
    for slots in &mut by_theme {
        slots.sort_by_key(|sl| (first_start[sl.init], sl.init, sl.start, sl.finish, sl.item));
    }
    let row = |sl: &Slot| -> Row {
        let init = &model.initiatives[sl.init];
        let item = &work.items[sl.item];
        let teams: Vec<&str> = sl.teams.iter().map(|&t| model.teams[t].name.as_str()).collect();
        let (label, key, parent, on_time, criticality) = match view {
            View::Milestones => (
                item.milestone
                    .and_then(|m| init.milestones.get(m))
                    .map_or_else(|| init.title.clone(), |m| m.title.clone()),
                item.id.clone(),
                init.title.clone(),
                percent(forecast.on_time.get(sl.item).copied().flatten()),
                percent(forecast.criticality.get(sl.item).copied().flatten()),
            ),
            View::Initiatives => (init.title.clone(), init.id.0.clone(), String::new(), String::new(), String::new()),
        };
        Row {
            initiative_id: init.id.0.clone(),
            label,
            key,
            parent,
            teams: teams.join(", "),
            start: sl.start,
            finish: sl.finish,
            p50: sl.p50,
            p85: sl.p85,
            due: sl.due,
            on_time,
            criticality,
            critical: sl.critical,
            late_days: sl.late_days,
            n_items: sl.n_items,
        }
    };

    // The chart: the rows in the table's order (themes in turn, earliest
    // first), up to the cap. Milestones group by initiative, initiatives by
    // theme.
    let mut groups: Vec<charts::GanttGroup> = Vec::new();
    let mut chart_rows = 0;
    let mut charted = 0;
    let mut keys = BTreeSet::new();
    'themes: for (t, slots) in by_theme.iter().enumerate() {
        let mut current: Option<(usize, charts::GanttGroup)> = None;
        for sl in slots {
            let group = match view {
                View::Milestones => sl.init,
                View::Initiatives => t,
            };
            if current.as_ref().is_none_or(|(g, _)| *g != group) {
                if chart_rows + 2 > MAX_CHART_ROWS {
                    if let Some((_, g)) = current.take() {
                        groups.push(g);
                    }
                    break 'themes;
                }
                if let Some((_, g)) = current.take() {
                    groups.push(g);
                }
                chart_rows += 1;
                let label = match view {
                    View::Milestones => model.initiatives[sl.init].title.clone(),
                    View::Initiatives => model.themes.get(t).map_or_else(|| "No theme".to_string(), |t| t.name.clone()),
                };
                current = Some((group, charts::GanttGroup { label, items: Vec::new() }));
            }
            if chart_rows + 1 > MAX_CHART_ROWS {
                break;
            }
            chart_rows += 1;
            charted += 1;
            let r = row(sl);
            keys.insert(r.key.clone());
            if let Some((_, g)) = current.as_mut() {
                g.items.push(charts::GanttItem {
                    id: r.key,
                    label: r.label,
                    start: chart_date(r.start),
                    finish: chart_date(r.finish),
                    p50: r.p50.map(chart_date),
                    p85: r.p85.map(chart_date),
                    due: r.due.map(chart_date),
                    critical: r.critical,
                });
            }
        }
        if let Some((_, g)) = current.take() {
            groups.push(g);
        }
    }
    // Dependency arrows between drawn milestones. One row per initiative
    // stands for several items, and arrows between such rows crossed the
    // whole chart without saying which milestone waits for which: that view
    // leaves them out.
    let mut link_pairs = BTreeSet::new();
    if view == View::Milestones {
        for l in &work.links {
            let (from, to) = (&work.items[l.from].id, &work.items[l.to].id);
            if keys.contains(from) && keys.contains(to) {
                link_pairs.insert((from.clone(), to.clone()));
            }
        }
    }
    let gantt = charts::gantt(&charts::Gantt {
        title: match view {
            View::Initiatives => "Roadmap by initiative: planned span with P50 and P85 forecasts".into(),
            View::Milestones => "Roadmap by milestone: planned dates with P50 and P85 forecasts".into(),
        },
        groups,
        links: link_pairs.into_iter().map(|(from, to)| charts::GanttLink { from, to }).collect(),
        today: Some(chart_date(crate::routes::today())),
    });

    // The table: every theme a section, capped over all of them.
    let mut budget = MAX_TABLE_ROWS;
    let mut sections = Vec::new();
    for (t, slots) in by_theme.iter().enumerate() {
        if slots.is_empty() {
            continue;
        }
        let keep = slots.len().min(budget);
        budget -= keep;
        sections.push(Section {
            name: model.themes.get(t).map_or_else(|| "No theme".to_string(), |t| t.name.clone()),
            theme: model.themes.get(t).map_or_else(String::new, |t| t.id.0.clone()),
            rows: slots[..keep].iter().map(&row).collect(),
            left_out: slots.len() - keep,
            n_late: slots.iter().filter(|sl| sl.late_days > 0).count(),
            n_critical: slots.iter().filter(|sl| sl.critical).count(),
        });
    }
    let listed = sections.iter().map(|s| s.rows.len()).sum();

    let choices = |all: Vec<(String, String)>, chosen: &str| -> Vec<Choice> {
        all.into_iter().map(|(value, label)| Choice { selected: value == chosen, value, label }).collect()
    };
    let what = match view {
        View::Initiatives => "initiatives",
        View::Milestones => "milestones",
    };
    let page = RoadmapPage {
        layout,
        summary: format!(
            "{} scheduled items from {} to {}: {} working days (lower bound {}). This view: {n_rows} {what}.",
            s.items.len(),
            work.start,
            s.end,
            s.makespan_days,
            s.lower_bound_days
        ),
        gantt,
        charted,
        chartable: n_rows,
        sections,
        n_rows,
        listed,
        milestones: view == View::Milestones,
        teams: choices(model.teams.iter().map(|t| (t.id.0.clone(), t.name.clone())).collect(), &query.team),
        themes: choices(model.themes.iter().map(|t| (t.id.0.clone(), t.name.clone())).collect(), &query.theme),
        narrow: query_string(View::Initiatives, &query.team, &query.theme).trim_start_matches('?').to_string(),
        error: forecast.error.clone(),
        samples: FORECAST_SAMPLES,
    };
    Ok(render(&page, StatusCode::OK))
}
