//! Objectives and key results: the list by theme (`/okrs`), and one
//! objective (`/okrs/{id}`) with a burn-up chart per key result from its
//! check-in history, or for a key result bound to delivery events from the
//! weekly values the events give (confidence in the panel below), the recent check-ins,
//! the initiatives behind it, and the check-in form for editors.

use super::overview::ObjectiveRow;
use super::planning::chart_date;
use super::{Ctx, KeyResultRow, Layout, SignedIn, not_found, render};
use crate::charts;
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::state::AppState;
use crate::views;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

struct ThemeGroup {
    name: String,
    objectives: Vec<ObjectiveRow>,
}

#[derive(Template)]
#[template(path = "okrs.html")]
struct OkrsPage {
    layout: Layout,
    groups: Vec<ThemeGroup>,
}

pub(crate) async fn list(State(state): State<AppState>, SignedIn(caller): SignedIn) -> Result<Response, ApiError> {
    let ctx = Ctx::load(&state, caller).await?;
    let model = ctx.model();
    let mut objectives = views::objectives(model, &ctx.live);
    let mut groups = Vec::new();
    for t in &model.themes {
        let (mine, rest): (Vec<_>, Vec<_>) =
            objectives.into_iter().partition(|o| o.theme.as_deref() == Some(t.id.as_str()));
        objectives = rest;
        if !mine.is_empty() {
            groups.push(ThemeGroup {
                name: t.name.clone(),
                objectives: mine.into_iter().map(ObjectiveRow::new).collect(),
            });
        }
    }
    if !objectives.is_empty() {
        groups.push(ThemeGroup {
            name: "No theme".into(),
            objectives: objectives.into_iter().map(ObjectiveRow::new).collect(),
        });
    }
    Ok(render(&OkrsPage { layout: ctx.layout("Objectives and key results", "/okrs"), groups }, StatusCode::OK))
}

struct HistoryRow {
    date: String,
    value: String,
    confidence: String,
    status: String,
    note: String,
    author: String,
}

struct KeyResultDetail {
    row: KeyResultRow,
    chart: String,
    history: Vec<HistoryRow>,
    n_check_ins: usize,
    /// The definition a bound key result is measured with.
    measured_by: Option<String>,
    /// Its measured value, formatted.
    measured_value: Option<String>,
}

struct InitiativeLink {
    id: String,
    title: String,
    status: String,
}

#[derive(Template)]
#[template(path = "okr.html")]
struct OkrPage {
    layout: Layout,
    notice: Option<String>,
    objective: ObjectiveRow,
    theme: Option<String>,
    owner: Option<String>,
    key_results: Vec<KeyResultDetail>,
    initiatives: Vec<InitiativeLink>,
}

#[derive(Deserialize)]
pub(crate) struct SavedQuery {
    #[serde(default)]
    saved: Option<String>,
}

fn utc_date(t: jiff::Timestamp) -> jiff::civil::Date {
    jiff::tz::Offset::UTC.to_datetime(t).date()
}

pub(crate) async fn detail(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<SavedQuery>,
) -> Result<Response, ApiError> {
    let ctx = Ctx::load(&state, caller).await?;
    let model = ctx.model();
    let Some(objective) = views::objectives(model, &ctx.live).into_iter().find(|o| o.id == id) else {
        return Ok(not_found(&ctx, "objective", &id, "/okrs"));
    };
    let Some(source) = model.objectives.iter().find(|o| o.id.as_str() == id) else {
        return Ok(not_found(&ctx, "objective", &id, "/okrs"));
    };
    let mut key_results = Vec::new();
    for (k, spec) in objective.key_results.iter().zip(&source.key_results) {
        let history = state.store.check_ins(&k.id).await?;
        let measured = ctx.live.measured.get(&k.id);
        let quarter_start = source.quarter.start();
        let end = spec.due.unwrap_or_else(|| source.quarter.end());
        let moments: Vec<jiff::Timestamp> = match measured {
            Some(m) => m.history.iter().filter(|(_, v)| v.is_some()).map(|(at, _)| *at).collect(),
            None => history.iter().map(|c| c.at).collect(),
        };
        let first = moments.first().map(|t| utc_date(*t));
        let last = moments.last().map(|t| utc_date(*t));
        // The chart spans the quarter and every check-in, whichever is wider.
        let start = first.map_or(quarter_start, |f| f.min(quarter_start));
        let end = last.map_or(end, |l| l.max(end));
        let chart = match (spec.baseline, spec.target) {
            (Some(baseline), Some(target)) => charts::burn_up(&charts::BurnUp {
                title: k.title.clone(),
                unit: k.unit.clone().unwrap_or_default(),
                baseline,
                target,
                start: chart_date(start),
                end: chart_date(end),
                checkins: match &measured {
                    // A bound key result's line is what the events say, week
                    // by week; check-ins at the same moment add confidence.
                    Some(m) => m
                        .history
                        .iter()
                        .filter_map(|(at, v)| {
                            let confidence = history.iter().find(|c| c.at == *at).map(|c| c.confidence.get());
                            v.map(|value| charts::CheckIn { date: chart_date(utc_date(*at)), value, confidence })
                        })
                        .collect(),
                    None => history
                        .iter()
                        .map(|c| charts::CheckIn {
                            date: chart_date(utc_date(c.at)),
                            value: c.value,
                            confidence: Some(c.confidence.get()),
                        })
                        .collect(),
                },
                today: Some(chart_date(ctx.today)),
            }),
            _ => String::new(),
        };
        let rows = history
            .iter()
            .rev()
            .take(6)
            .map(|c| HistoryRow {
                date: utc_date(c.at).to_string(),
                value: super::num(c.value),
                confidence: format!("{:.0}%", 100.0 * c.confidence.get()),
                status: c.status.as_str().to_string(),
                note: c.note.clone().unwrap_or_default(),
                author: c.author.clone(),
            })
            .collect();
        key_results.push(KeyResultDetail {
            row: KeyResultRow::new(k),
            chart,
            history: rows,
            n_check_ins: history.len(),
            measured_by: measured.map(|m| m.definition.clone()),
            measured_value: measured.map(|m| m.value.map_or("no data yet".into(), super::num)),
        });
    }
    let initiatives = model
        .initiatives
        .iter()
        .filter(|i| i.objectives.iter().any(|r| r.as_str() == id))
        .map(|i| InitiativeLink { id: i.id.0.clone(), title: i.title.clone(), status: i.status.as_str().into() })
        .collect();
    let theme = source
        .theme
        .as_ref()
        .map(|r| model.themes.iter().find(|t| t.id == r.id).map_or(r.id.0.clone(), |t| t.name.clone()));
    let owner = source
        .owner
        .as_ref()
        .map(|r| model.people.iter().find(|p| p.id == r.id).map_or(r.id.0.clone(), |p| p.name.clone()));
    let page = OkrPage {
        layout: ctx.layout(objective.title.clone(), "/okrs"),
        notice: query.saved.map(|kr| format!("Check-in recorded for {kr}.")),
        objective: ObjectiveRow::new(objective),
        theme,
        owner,
        key_results,
        initiatives,
    };
    Ok(render(&page, StatusCode::OK))
}
