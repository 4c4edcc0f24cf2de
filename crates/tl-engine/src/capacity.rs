//! Capacity and demand per team and quarter, in person-weeks.
//!
//! Capacity of a team per quarter is `(sum of members' FTE - on-call FTE) *
//! focus factor * weeks per quarter - planned time off * focus factor`, never
//! below zero. Demand is the sum of the likely effort of the team on every
//! non-cancelled initiative of the quarter.

use crate::model::{Category, Investment, Model, Quarter};
use crate::validate::Index;
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

/// Each team's capacity in person-weeks per quarter, by team index.
pub fn team_capacities(model: &Model, index: &Index<'_>) -> Vec<f64> {
    let mut fte = vec![0.0; model.teams.len()];
    for p in &model.people {
        if let Some(&t) = index.teams.get(p.team.as_str()) {
            fte[t] += p.fte;
        }
    }
    let weeks = model.organisation.weeks_per_quarter;
    model
        .teams
        .iter()
        .zip(fte)
        .map(|(t, fte)| {
            let weekly = (fte - t.on_call_fte).max(0.0) * t.focus_factor;
            (weekly * weeks - t.time_off_weeks * t.focus_factor).max(0.0)
        })
        .collect()
}

/// Load per (quarter, team index), for every quarter that has initiatives.
pub fn team_quarters(model: &Model, index: &Index<'_>) -> BTreeMap<(Quarter, usize), TeamQuarter> {
    let capacities = team_capacities(model, index);
    let mut out: BTreeMap<(Quarter, usize), TeamQuarter> = BTreeMap::new();
    for init in model.initiatives.iter().filter(|i| i.is_active()) {
        for e in &init.effort {
            let Some(&team) = index.teams.get(e.team.as_str()) else {
                continue;
            };
            let tq = out
                .entry((init.quarter, team))
                .or_insert_with(|| TeamQuarter { capacity_weeks: capacities[team], ..TeamQuarter::default() });
            tq.demand_weeks += e.estimate.likely;
            tq.by_category[category_idx(init.category)] += e.estimate.likely;
            if init.investment == Investment::TechDebt {
                tq.tech_debt_weeks += e.estimate.likely;
            }
        }
    }
    out
}
