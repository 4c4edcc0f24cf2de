//! Capacity and demand per team and quarter, in person-weeks.
//!
//! Capacity of a team per quarter is `(sum of members' FTE - on-call FTE) *
//! focus factor * working weeks - planned time off * focus factor`, never
//! below zero. Working weeks are the quarter's working days (the calendar's
//! weekdays, minus holidays) divided by five. Demand is the sum of the likely
//! effort of the team on every non-cancelled initiative of the quarter.

use crate::model::{Category, Investment, Model, Quarter};
use crate::validate::Index;
use jiff::civil::Date;
use std::collections::BTreeMap;

/// One team's load in one quarter.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TeamQuarter {
    pub capacity_weeks: f64,
    pub demand_weeks: f64,
    /// Demand split by 70-20-10 category: committed, improvement, exploration.
    pub by_category: [f64; 3],
    /// Demand on initiatives whose investment type is tech debt.
    pub tech_debt_weeks: f64,
}

impl TeamQuarter {
    /// Planned utilization in percent; `None` when the team has no capacity.
    pub fn utilization_pct(&self) -> Option<f64> {
        (self.capacity_weeks > 0.0).then(|| 100.0 * self.demand_weeks / self.capacity_weeks)
    }
}

pub fn category_idx(c: Category) -> usize {
    match c {
        Category::Committed => 0,
        Category::Improvement => 1,
        Category::Exploration => 2,
    }
}

/// Working weeks in a quarter: its working days divided by five.
pub fn working_weeks(model: &Model, quarter: Quarter) -> f64 {
    let end = quarter.end().tomorrow().unwrap_or(quarter.end());
    model.organisation.calendar.working_days_between(quarter.start(), end) as f64 / 5.0
}

/// Each team's available FTE on a working day: `(sum of FTE - on call) * focus`.
pub fn team_daily_fte(model: &Model, index: &Index<'_>) -> Vec<f64> {
    let mut fte = vec![0.0; model.teams.len()];
    for p in &model.people {
        if let Some(&t) = index.teams.get(p.team.as_str()) {
            fte[t] += p.fte;
        }
    }
    model.teams.iter().zip(fte).map(|(t, fte)| (fte - t.on_call_fte).max(0.0) * t.focus_factor).collect()
}

/// Each team's capacity in person-weeks in a quarter, by team index.
pub fn team_capacities(model: &Model, index: &Index<'_>, quarter: Quarter) -> Vec<f64> {
    let weeks = working_weeks(model, quarter);
    team_daily_fte(model, index)
        .into_iter()
        .zip(&model.teams)
        .map(|(daily, t)| (daily * weeks - t.time_off_weeks * t.focus_factor).max(0.0))
        .collect()
}

/// One team's capacity per calendar week (Monday first) of a quarter, in
/// person-weeks: the week's working days / 5 of its daily capacity, with the
/// quarter's planned time off spread evenly over its working weeks.
pub fn team_weekly_capacity(model: &Model, index: &Index<'_>, team: usize, quarter: Quarter) -> Vec<(Date, f64)> {
    let daily = team_daily_fte(model, index).get(team).copied().unwrap_or(0.0);
    let t = &model.teams[team];
    let weeks = working_weeks(model, quarter);
    let off_per_week = if weeks > 0.0 { t.time_off_weeks * t.focus_factor / weeks } else { 0.0 };
    model
        .organisation
        .calendar
        .weeks(quarter.start(), quarter.end())
        .into_iter()
        .map(|(monday, days)| (monday, ((daily - off_per_week) * f64::from(days) / 5.0).max(0.0)))
        .collect()
}

/// Load per (quarter, team index), for every quarter that has initiatives.
pub fn team_quarters(model: &Model, index: &Index<'_>) -> BTreeMap<(Quarter, usize), TeamQuarter> {
    let mut capacities: BTreeMap<Quarter, Vec<f64>> = BTreeMap::new();
    let mut out: BTreeMap<(Quarter, usize), TeamQuarter> = BTreeMap::new();
    for init in model.initiatives.iter().filter(|i| i.is_active()) {
        for e in &init.effort {
            let Some(&team) = index.teams.get(e.team.as_str()) else {
                continue;
            };
            let capacity =
                capacities.entry(init.quarter).or_insert_with(|| team_capacities(model, index, init.quarter))[team];
            let tq = out
                .entry((init.quarter, team))
                .or_insert_with(|| TeamQuarter { capacity_weeks: capacity, ..TeamQuarter::default() });
            tq.demand_weeks += e.estimate.likely;
            tq.by_category[category_idx(init.category)] += e.estimate.likely;
            if init.investment == Investment::TechDebt {
                tq.tech_debt_weeks += e.estimate.likely;
            }
        }
    }
    out
}
