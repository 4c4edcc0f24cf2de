//! Delivery metrics for the plan: the workspace's definitions resolved
//! against the presets, the four keys per organisation, team and service
//! from the stored events, and the values of key results and team metrics
//! bound to events (`measure:`), now and week by week.
//!
//! The store gives the events; the engine computes. What lives here is the
//! glue the front ends share: which events a scope covers (a team's
//! services), which definition a binding means, what unit its value is in,
//! and which time ranges a history is made of.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use jiff::{SignedDuration, Timestamp};
use tl_engine::Model;
use tl_engine::delivery::measure::{convert, default_unit, evaluate};
use tl_engine::delivery::{
    Commit, DeliveryEvents, Deployment, FourKeys, GroupBy, Incident, KeysReport, PeriodKeys, PullRequest,
    ResolvedDefinition, Window, attribute_incidents, four_keys, link_changes, report, resolve_definitions,
};
use tl_engine::model::{DeliveryKey, Measure, MeasureScope, MeasureUnit};
use tl_store::{Events, Store, TimeWindow};

use crate::error::AppError;

/// Weeks of history a bound key result or metric shows: one quarter.
pub const HISTORY_WEEKS: usize = 13;

/// Delivery events, owned, in the engine's types.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EventSet {
    pub deployments: Vec<Deployment>,
    pub commits: Vec<Commit>,
    pub pull_requests: Vec<PullRequest>,
    pub incidents: Vec<Incident>,
}

impl EventSet {
    pub fn from_store(events: Events) -> EventSet {
        EventSet {
            deployments: events.deployments,
            commits: events.commits.into_iter().map(|c| c.commit).collect(),
            pull_requests: events.pull_requests,
            incidents: events.incidents,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.deployments.is_empty()
            && self.commits.is_empty()
            && self.pull_requests.is_empty()
            && self.incidents.is_empty()
    }

    /// The events of these services only.
    pub fn of_services(&self, services: &BTreeSet<&str>) -> EventSet {
        let keep = |s: &String| services.contains(s.as_str());
        EventSet {
            deployments: self.deployments.iter().filter(|d| keep(&d.service)).cloned().collect(),
            commits: self.commits.iter().filter(|c| keep(&c.service)).cloned().collect(),
            pull_requests: self.pull_requests.iter().filter(|p| keep(&p.service)).cloned().collect(),
            incidents: self.incidents.iter().filter(|i| keep(&i.service)).cloned().collect(),
        }
    }

    /// A copy prepared for `definition`: changes that no stored deployment
    /// time covers are linked to the first deployment the definition counts
    /// that shipped them, and incidents without a deployment are attributed
    /// as the definition says. Links the source already made are kept.
    pub fn prepared(&self, definition: &ResolvedDefinition) -> EventSet {
        let mut out = self.clone();
        let rule = &definition.definition.deployment;
        link_changes(&mut out.commits, &mut out.pull_requests, &self.deployments, rule);
        attribute_incidents(&mut out.incidents, &self.deployments, &definition.definition);
        out
    }

    pub fn borrowed(&self) -> DeliveryEvents<'_> {
        DeliveryEvents {
            deployments: &self.deployments,
            commits: &self.commits,
            pull_requests: &self.pull_requests,
            incidents: &self.incidents,
        }
    }
}

/// What a scope of the Delivery page or a binding covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    Organisation,
    Team(String),
    Services(Vec<String>),
}

impl Scope {
    /// `organisation`, `team:<id>` or `service:<name>`, as the API takes it.
    pub fn parse(text: &str) -> Option<Scope> {
        match text.split_once(':') {
            None if text == "organisation" => Some(Scope::Organisation),
            Some(("team", id)) if !id.is_empty() => Some(Scope::Team(id.to_string())),
            Some(("service", name)) if !name.is_empty() => Some(Scope::Services(vec![name.to_string()])),
            _ => None,
        }
    }
}

/// The plan's delivery setting: its definitions, resolved, and which team
/// owns which service.
pub struct Delivery {
    pub definitions: Vec<ResolvedDefinition>,
    /// Service to owning team, from the teams' `services`.
    pub service_team: BTreeMap<String, String>,
}

/// The Delivery page's figures for one scope and definition.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    pub report: KeysReport,
    /// The four keys over the window just before the report's.
    pub previous: FourKeys,
    /// The four keys per week over the last quarter (or the window, if
    /// longer), for trend charts.
    pub trend_weeks: Vec<PeriodKeys>,
    /// Review velocity over the report's window (see
    /// `tl_engine::delivery::measure::evaluate`), in minutes.
    pub review_velocity_minutes: Option<f64>,
    /// Events of the scope, of every kind, read for the figures.
    pub n_events: usize,
}

/// A bound key result's or metric's value and history.
#[derive(Clone, Debug, PartialEq)]
pub struct Measured {
    /// The definition it was computed with.
    pub definition: String,
    pub unit: MeasureUnit,
    /// Over the definition's window ending now; `None` when the events hold
    /// nothing to measure.
    pub value: Option<f64>,
    /// One point per week, oldest first, each over the window ending then.
    pub history: Vec<(Timestamp, Option<f64>)>,
}

impl Delivery {
    /// Resolves the model's definitions; definitions with errors are left
    /// out (the loader has reported them).
    pub fn new(model: &Model) -> Delivery {
        let (definitions, _) = resolve_definitions(&model.delivery_definitions);
        let mut service_team = BTreeMap::new();
        for team in &model.teams {
            for s in &team.services {
                service_team.entry(s.clone()).or_insert_with(|| team.id.0.clone());
            }
        }
        Delivery { definitions, service_team }
    }

    /// The definition called `name`; without a name, the workspace's first
    /// definition, else the default preset.
    pub fn definition(&self, name: Option<&str>) -> Option<&ResolvedDefinition> {
        match name {
            Some(n) => self.definitions.iter().find(|d| d.name() == n),
            None => self.definitions.iter().find(|d| d.loc.is_some()).or_else(|| self.definitions.first()),
        }
    }

    /// The services a scope covers; `None` for the whole organisation.
    pub fn services(&self, model: &Model, scope: &Scope) -> Option<BTreeSet<String>> {
        match scope {
            Scope::Organisation => None,
            Scope::Team(id) => {
                Some(model.teams.iter().filter(|t| t.id.0 == *id).flat_map(|t| t.services.iter().cloned()).collect())
            }
            Scope::Services(names) => Some(names.iter().cloned().collect()),
        }
    }

    fn scoped(&self, model: &Model, events: &EventSet, scope: &Scope) -> EventSet {
        match self.services(model, scope) {
            None => events.clone(),
            Some(services) => events.of_services(&services.iter().map(String::as_str).collect()),
        }
    }

    /// The four keys over the definition's window ending at `now`, overall
    /// and per team (services no team owns are grouped under `""`), per week
    /// and quarter, with the PR cycle-time breakdown.
    pub fn report(
        &self,
        model: &Model,
        events: &EventSet,
        scope: &Scope,
        definition: &ResolvedDefinition,
        now: Timestamp,
    ) -> KeysReport {
        let prepared = self.scoped(model, events, scope).prepared(definition);
        report(&prepared.borrowed(), &definition.definition, now, GroupBy::Team(&self.service_team))
    }

    /// Everything the Delivery page shows for a scope: the report, the four
    /// keys over the window before it (for the trend), review velocity, and
    /// how many events the scope holds.
    pub fn summary(
        &self,
        model: &Model,
        events: &EventSet,
        scope: &Scope,
        definition: &ResolvedDefinition,
        now: Timestamp,
    ) -> Summary {
        let prepared = self.scoped(model, events, scope).prepared(definition);
        let def = &definition.definition;
        let report = report(&prepared.borrowed(), def, now, GroupBy::Team(&self.service_team));
        let before = def.window.start(report.start);
        let previous = four_keys(&prepared.borrowed(), def, before, report.start);
        let review_velocity = evaluate(DeliveryKey::ReviewVelocity, &prepared.borrowed(), def, report.start, now);
        // Trends look back a quarter even when the window is shorter.
        let mut quarter = def.clone();
        quarter.window = Window::Days(quarter.window.max_days().max(7 * HISTORY_WEEKS as u32));
        let no_groups = BTreeMap::new();
        let trend_weeks =
            tl_engine::delivery::report(&prepared.borrowed(), &quarter, now, GroupBy::Team(&no_groups)).weeks;
        let n_events = prepared.deployments.len()
            + prepared.commits.len()
            + prepared.pull_requests.len()
            + prepared.incidents.len();
        Summary { report, previous, trend_weeks, review_velocity_minutes: review_velocity, n_events }
    }

    /// The value and weekly history of a binding. `owner_team` is the
    /// metric's team or the key result's objective's team; `stated_unit` is
    /// the key result's or metric's own `unit`. `None` if the definition
    /// does not resolve (the loader reported why).
    pub fn measure(
        &self,
        model: &Model,
        events: &EventSet,
        measure: &Measure,
        owner_team: &str,
        stated_unit: Option<&str>,
        now: Timestamp,
    ) -> Option<Measured> {
        self.measure_cached(model, events, measure, owner_team, stated_unit, now, &mut HashMap::new())
    }

    /// [`Delivery::measure`], reusing events already scoped and prepared
    /// for the same definition and scope (bindings often share them).
    #[allow(clippy::too_many_arguments)]
    fn measure_cached(
        &self,
        model: &Model,
        events: &EventSet,
        measure: &Measure,
        owner_team: &str,
        stated_unit: Option<&str>,
        now: Timestamp,
        prepared_by: &mut HashMap<String, EventSet>,
    ) -> Option<Measured> {
        let definition = self.definition(Some(
            measure.definition.as_ref().map_or(tl_engine::delivery::definition::DEFAULT_PRESET, |r| r.as_str()),
        ))?;
        let scope = match measure.scope {
            MeasureScope::Organisation => Scope::Organisation,
            MeasureScope::Team => Scope::Team(owner_team.to_string()),
            MeasureScope::Services => Scope::Services(measure.services.clone()),
        };
        let prepared = prepared_by
            .entry(format!("{}|{scope:?}", definition.name()))
            .or_insert_with(|| self.scoped(model, events, &scope).prepared(definition));
        let unit = measure
            .unit
            .or_else(|| stated_unit.and_then(|u| unit_from_text(measure.key, u)))
            .unwrap_or_else(|| default_unit(measure.key));
        let at = |end: Timestamp| {
            let start = definition.definition.window.start(end);
            evaluate(measure.key, &prepared.borrowed(), &definition.definition, start, end).map(|v| convert(v, unit))
        };
        let history = (0..HISTORY_WEEKS)
            .rev()
            .map(|weeks_ago| {
                let end = now.checked_sub(SignedDuration::from_hours(24 * 7 * weeks_ago as i64)).unwrap_or(now);
                (end, at(end))
            })
            .collect();
        Some(Measured { definition: definition.name().to_string(), unit, value: at(now), history })
    }

    /// The measured value of every bound key result and team metric, by id.
    pub fn measure_plan(&self, model: &Model, events: &EventSet, now: Timestamp) -> HashMap<String, Measured> {
        let mut out = HashMap::new();
        let mut cache = HashMap::new();
        for objective in &model.objectives {
            for kr in &objective.key_results {
                if let Some(m) = &kr.measure
                    && let Some(v) = self.measure_cached(
                        model,
                        events,
                        m,
                        objective.team.as_str(),
                        kr.unit.as_deref(),
                        now,
                        &mut cache,
                    )
                {
                    out.insert(kr.id.0.clone(), v);
                }
            }
        }
        for metric in &model.metrics {
            if let Some(m) = &metric.measure
                && let Some(v) =
                    self.measure_cached(model, events, m, metric.team.as_str(), metric.unit.as_deref(), now, &mut cache)
            {
                out.insert(metric.id.0.clone(), v);
            }
        }
        out
    }
}

/// Reads a key result's or metric's own unit as a measure unit, when it
/// plainly is one and fits the key: `minutes`, `hours`, `days`, `%`, or a
/// rate ending in `/week` or `/day`.
pub fn unit_from_text(key: DeliveryKey, text: &str) -> Option<MeasureUnit> {
    let text = text.trim().to_ascii_lowercase();
    let unit = match text.as_str() {
        "%" | "percent" => MeasureUnit::Percent,
        t if t.ends_with("/week") || t.ends_with(" per week") => MeasureUnit::PerWeek,
        t if t.ends_with("/day") || t.ends_with(" per day") => MeasureUnit::PerDay,
        t => MeasureUnit::parse(t)?,
    };
    tl_engine::delivery::measure::unit_fits(key, unit).then_some(unit)
}

/// How far back the events must go for every figure computed at `now`: the
/// longest window of any definition plus the weeks of history.
pub fn lookback(delivery: &Delivery) -> SignedDuration {
    let days = delivery.definitions.iter().map(|d| i64::from(d.definition.window.max_days())).max().unwrap_or(91);
    SignedDuration::from_hours(24 * (days + 7 * HISTORY_WEEKS as i64 + 7))
}

/// The stored events every figure at `now` needs.
pub async fn load_events(store: &dyn Store, delivery: &Delivery, now: Timestamp) -> Result<EventSet, AppError> {
    let from = now.checked_sub(lookback(delivery)).unwrap_or(Timestamp::MIN);
    // Changes are placed in time by when they were authored or merged, but
    // deployed up to a window later; read a little past `now` so nothing
    // deployed before it is missed.
    let to = now.checked_add(SignedDuration::from_hours(24)).unwrap_or(Timestamp::MAX);
    let events = store.events(TimeWindow { from, to }).await?;
    Ok(EventSet::from_store(events))
}
