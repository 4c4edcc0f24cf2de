//! The Delivery page (`/delivery`): the four keys as tiles with tier badges,
//! targets and the trend against the previous window; weekly trend charts;
//! the keys per team; the PR cycle-time breakdown with review velocity. Every
//! number links to the definition it was computed with
//! (`/delivery/definitions/{id}`), which lists each field of the resolved
//! definition and where its value came from.

use super::{Ctx, Layout, SignedIn, num, render};
use crate::charts::{self, Tone};
use crate::dto;
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::routes::delivery_metrics::compute;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use tl_app::delivery::Delivery;
use tl_engine::delivery::{FourKeys, Tier};

/// The framework's targets: lead time under a day, daily deploys, time to
/// restore under an hour, change failure rate under 15%.
const LEAD_TIME_TARGET_MINUTES: f64 = 24.0 * 60.0;
/// Daily: one deployment per working day, per team.
const DEPLOYS_TARGET_PER_WEEK: f64 = 5.0;
const RESTORE_TARGET_MINUTES: f64 = 60.0;
const FAILURE_RATE_TARGET: f64 = 0.15;

#[derive(Deserialize)]
pub(crate) struct DeliveryQuery {
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    definition: Option<String>,
}

/// A duration in minutes for people: `45 min`, `6.5 h`, `2.3 days`.
fn duration(minutes: Option<f64>) -> String {
    match minutes {
        None => "no data".into(),
        Some(m) if m < 120.0 => format!("{} min", num(m.round())),
        Some(m) if m < 48.0 * 60.0 => format!("{} h", num((m / 6.0).round() / 10.0)),
        Some(m) => format!("{} days", num((m / 144.0).round() / 10.0)),
    }
}

fn per_week(v: f64) -> String {
    format!("{} / week", num((v * 10.0).round() / 10.0))
}

fn share(v: Option<f64>) -> String {
    v.map_or("no data".into(), |v| format!("{}%", num((v * 1000.0).round() / 10.0)))
}

fn tier_tone(t: Option<Tier>) -> Tone {
    match t {
        Some(Tier::Elite | Tier::High) => Tone::Good,
        Some(Tier::Medium) => Tone::Warning,
        Some(Tier::Low) => Tone::Bad,
        None => Tone::Neutral,
    }
}

/// One of the four tiles.
struct Tile {
    name: &'static str,
    value: String,
    tier: Option<&'static str>,
    /// What the benchmark report says for this tier.
    tier_text: String,
    target: String,
    meets_target: Option<bool>,
    /// `better`, `worse`, `same` or empty, and the previous value.
    trend: &'static str,
    previous: String,
    samples: String,
}

/// A row of the per-team table.
struct TeamRow {
    id: String,
    name: String,
    frequency: String,
    frequency_tier: &'static str,
    lead_time: String,
    lead_time_tier: Option<&'static str>,
    failure_rate: String,
    failure_rate_tier: Option<&'static str>,
    restore: String,
    restore_tier: Option<&'static str>,
}

struct Choice {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "delivery.html")]
struct DeliveryPage {
    layout: Layout,
    definition: String,
    description: String,
    scope_label: String,
    window: String,
    has_events: bool,
    tiles: Vec<Tile>,
    charts: Vec<String>,
    teams: Vec<TeamRow>,
    cycle_chart: String,
    cycle_total: String,
    review_velocity: String,
    pull_requests: usize,
    scopes: Vec<Choice>,
    definitions: Vec<Choice>,
}

/// Whether lower `now` than `before` is better, as a word; empty without both.
fn trend_word(now: Option<f64>, before: Option<f64>, higher_is_better: bool) -> &'static str {
    match (now, before) {
        (Some(a), Some(b)) if (a - b).abs() < 1e-9 => "same",
        (Some(a), Some(b)) if (a > b) == higher_is_better => "better",
        (Some(_), Some(_)) => "worse",
        _ => "",
    }
}

/// The tiles; `teams` is how many teams the scope covers, since the
/// deployment target is daily per team.
fn tiles(now: &FourKeys, before: &FourKeys, d: &tl_engine::delivery::MetricDefinition, teams: usize) -> Vec<Tile> {
    let deploy_target = DEPLOYS_TARGET_PER_WEEK * teams.max(1) as f64;
    let b = &d.benchmark;
    let text = |ladder: &tl_engine::delivery::Ladder, t: Option<Tier>| {
        t.map(|t| {
            let i = match t {
                Tier::Elite => 0,
                Tier::High => 1,
                Tier::Medium => 2,
                Tier::Low => 3,
            };
            ladder.reported[i].clone()
        })
        .unwrap_or_default()
    };
    let tier = |t: Option<Tier>| t.map(Tier::as_str);
    vec![
        Tile {
            name: "Deployment frequency",
            value: per_week(now.deployment_frequency),
            tier: tier(Some(now.tiers.deployment_frequency)),
            tier_text: text(&b.deployment_frequency, Some(now.tiers.deployment_frequency)),
            target: if teams > 1 {
                format!("daily deploys per team ({} teams: {})", teams, per_week(deploy_target))
            } else {
                format!("daily deploys ({})", per_week(deploy_target))
            },
            meets_target: Some(now.deployment_frequency >= deploy_target),
            trend: trend_word(Some(now.deployment_frequency), Some(before.deployment_frequency), true),
            previous: per_week(before.deployment_frequency),
            samples: format!("{} deployments", now.deployments),
        },
        Tile {
            name: "Lead time for changes",
            value: duration(now.lead_time_minutes),
            tier: tier(now.tiers.lead_time),
            tier_text: text(&b.lead_time, now.tiers.lead_time),
            target: "under a day".into(),
            meets_target: now.lead_time_minutes.map(|m| m < LEAD_TIME_TARGET_MINUTES),
            trend: trend_word(now.lead_time_minutes, before.lead_time_minutes, false),
            previous: duration(before.lead_time_minutes),
            samples: format!("{} changes", now.lead_time_samples),
        },
        Tile {
            name: "Change failure rate",
            value: share(now.change_failure_rate),
            tier: tier(now.tiers.change_failure_rate),
            tier_text: b.change_failure_rate.as_ref().map_or(String::new(), |l| text(l, now.tiers.change_failure_rate)),
            target: "under 15%".into(),
            meets_target: now.change_failure_rate.map(|r| r < FAILURE_RATE_TARGET),
            trend: trend_word(now.change_failure_rate, before.change_failure_rate, false),
            previous: share(before.change_failure_rate),
            samples: format!("{} of {} deployments failed", now.failed_deployments, now.deployments),
        },
        Tile {
            name: "Time to restore",
            value: duration(now.time_to_restore_minutes),
            tier: tier(now.tiers.time_to_restore),
            tier_text: text(&b.time_to_restore, now.tiers.time_to_restore),
            target: "under an hour".into(),
            meets_target: now.time_to_restore_minutes.map(|m| m < RESTORE_TARGET_MINUTES),
            trend: trend_word(now.time_to_restore_minutes, before.time_to_restore_minutes, false),
            previous: duration(before.time_to_restore_minutes),
            samples: format!("{} incidents restored", now.restore_samples),
        },
    ]
}

/// One key's value (in the chart's unit) and tier.
type KeyOf = dyn Fn(&FourKeys) -> (Option<f64>, Option<Tier>);

/// The weekly trend charts: one per key, coloured by each week's tier.
fn weekly_charts(weeks: &[tl_engine::delivery::PeriodKeys], teams: usize) -> Vec<String> {
    let week = |label: &str| label.split_once('-').map_or(label.to_string(), |(_, w)| w.to_string());
    let chart = |title: &str, unit: &str, target: f64, target_label: &str, f: &KeyOf| {
        charts::trend(&charts::Trend {
            title: title.into(),
            unit: unit.into(),
            points: weeks
                .iter()
                .map(|p| {
                    let (value, tier) = f(&p.overall);
                    charts::TrendPoint { label: week(&p.label), value, tone: tier_tone(tier) }
                })
                .collect(),
            target: Some(charts::Reference { value: target, label: target_label.into() }),
        })
    };
    vec![
        chart(
            "Deployments per week",
            "deployments per week",
            DEPLOYS_TARGET_PER_WEEK * teams.max(1) as f64,
            "target",
            &|k| (Some(k.deployment_frequency), Some(k.tiers.deployment_frequency)),
        ),
        chart("Lead time for changes", "hours", LEAD_TIME_TARGET_MINUTES / 60.0, "target", &|k| {
            (k.lead_time_minutes.map(|m| m / 60.0), k.tiers.lead_time)
        }),
        chart("Change failure rate", "percent of deployments", FAILURE_RATE_TARGET * 100.0, "target", &|k| {
            (k.change_failure_rate.map(|r| r * 100.0), k.tiers.change_failure_rate)
        }),
        chart("Time to restore", "minutes", RESTORE_TARGET_MINUTES, "target", &|k| {
            (k.time_to_restore_minutes, k.tiers.time_to_restore)
        }),
    ]
}

pub(crate) async fn page(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    ApiQuery(query): ApiQuery<DeliveryQuery>,
) -> Result<Response, ApiError> {
    let ctx = Ctx::load(&state, caller).await?;
    let computed = match compute(&state, query.scope.as_deref(), query.definition.as_deref()).await {
        Ok(c) => c,
        Err(ApiError::NotFound { kind, id }) => return Ok(super::not_found(&ctx, &kind, &id, "/delivery")),
        Err(e) => return Err(e),
    };
    let model = computed.plan.model();
    let team_name = |id: &str| model.teams.iter().find(|t| t.id.as_str() == id).map(|t| t.name.clone());
    let r = &computed.summary.report;
    let def = &computed.definition;
    let scope_label = match computed.scope.split_once(':') {
        Some(("team", id)) => team_name(id).unwrap_or_else(|| id.to_string()),
        Some(("service", name)) => format!("service {name}"),
        _ => "the whole organisation".into(),
    };
    let tier = |t: Option<Tier>| t.map(Tier::as_str);
    // Teams whose services the scope covers (the group "" is services no
    // team owns).
    let teams_in_scope = r.groups.keys().filter(|k| !k.is_empty()).count();
    let teams = r
        .groups
        .iter()
        .map(|(id, k)| TeamRow {
            id: id.clone(),
            name: if id.is_empty() {
                "Services no team owns".into()
            } else {
                team_name(id).unwrap_or_else(|| id.clone())
            },
            frequency: per_week(k.deployment_frequency),
            frequency_tier: k.tiers.deployment_frequency.as_str(),
            lead_time: duration(k.lead_time_minutes),
            lead_time_tier: tier(k.tiers.lead_time),
            failure_rate: share(k.change_failure_rate),
            failure_rate_tier: tier(k.tiers.change_failure_rate),
            restore: duration(k.time_to_restore_minutes),
            restore_tier: tier(k.tiers.time_to_restore),
        })
        .collect();
    let c = &r.cycle_times;
    let hours = |m: Option<f64>| m.map_or(f64::NAN, |m| m / 60.0);
    let part = |label: &str, m: Option<f64>| charts::Bar {
        label: label.into(),
        value: hours(m),
        tone: Tone::Neutral,
        note: String::new(),
    };
    let cycle_chart = charts::bar_chart(&charts::BarChart {
        title: "PR cycle time, by part".into(),
        unit: "hours".into(),
        bars: vec![
            part("Coding (first commit → PR)", c.coding),
            part("Pickup (PR → first review)", c.pickup),
            part("Review (first review → merge)", c.review),
            part("Deploy (merge → production)", c.deploy),
        ],
        reference: None,
    });
    let delivery = Delivery::new(model);
    let scopes = std::iter::once(("organisation".to_string(), "Whole organisation".to_string()))
        .chain(
            model.teams.iter().filter(|t| !t.services.is_empty()).map(|t| (format!("team:{}", t.id), t.name.clone())),
        )
        .map(|(value, label)| Choice { selected: value == computed.scope, value, label })
        .collect();
    let definitions = delivery
        .definitions
        .iter()
        .map(|d| Choice {
            value: d.name().into(),
            label: if d.loc.is_some() { d.name().to_string() } else { format!("{} (preset)", d.name()) },
            selected: d.name() == def.name(),
        })
        .collect();
    let page = DeliveryPage {
        layout: ctx.layout("Delivery", "/delivery"),
        definition: def.name().into(),
        description: def.definition.description.clone(),
        scope_label,
        window: format!("{} to {}", def.definition.window.describe(), r.end.strftime("%Y-%m-%d %H:%M UTC")),
        has_events: computed.summary.n_events > 0,
        tiles: tiles(&r.overall, &computed.summary.previous, &def.definition, teams_in_scope),
        charts: weekly_charts(&computed.summary.trend_weeks, teams_in_scope),
        teams,
        cycle_chart,
        cycle_total: duration(c.cycle),
        review_velocity: duration(computed.summary.review_velocity_minutes),
        pull_requests: c.pull_requests,
        scopes,
        definitions,
    };
    Ok(render(&page, StatusCode::OK))
}

#[derive(Template)]
#[template(path = "delivery_definition.html")]
struct DefinitionPage {
    layout: Layout,
    definition: dto::DeliveryDefinition,
    /// Key results and metrics bound to it: (href, title).
    used_by: Vec<(String, String)>,
}

pub(crate) async fn definition(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let ctx = Ctx::load(&state, caller).await?;
    let model = ctx.model();
    let delivery = Delivery::new(model);
    let Some(found) = delivery.definition(Some(&id)) else {
        return Ok(super::not_found(&ctx, "delivery definition", &id, "/delivery"));
    };
    let default = tl_engine::delivery::definition::DEFAULT_PRESET;
    let names = |m: &Option<tl_engine::model::Measure>| {
        m.as_ref().is_some_and(|m| m.definition.as_ref().map_or(default, |r| r.as_str()) == id)
    };
    let mut used_by: Vec<(String, String)> = model
        .key_results()
        .filter(|(_, k)| names(&k.measure))
        .map(|(o, k)| (format!("/okrs/{}#kr-{}", o.id, k.id), format!("Key result: {}", k.title)))
        .collect();
    used_by.extend(
        model
            .metrics
            .iter()
            .filter(|m| names(&m.measure))
            .map(|m| (format!("/teams/{}", m.team.as_str()), format!("Metric of {}: {}", m.team.as_str(), m.name))),
    );
    let page = DefinitionPage {
        layout: ctx.layout(format!("Definition {id}"), "/delivery"),
        definition: dto::DeliveryDefinition::new(&ctx.plan.workspace.sources, found),
        used_by,
    };
    Ok(render(&page, StatusCode::OK))
}
