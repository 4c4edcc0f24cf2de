//! Seeded synthetic portfolio problems for tests and benchmarks: items asking
//! one to three teams for log-normal effort, values that grow with effort but
//! vary in value per person-week, a 65/22/13 category mix, about a fifth of
//! the effort on tech debt, prerequisites on about a tenth of the items, and
//! teams that can take roughly half of what is asked of them.

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, LogNormal};

use super::problem::{Category, Item, Problem, Team};

#[derive(Clone, Debug, PartialEq)]
pub struct SyntheticOptions {
    pub items: usize,
    pub teams: usize,
    pub seed: u64,
    /// Share of items with a prerequisite (0 to 1).
    pub precedence_share: f64,
    /// Share of items that are mandatory (0 to 1); they are small, so that
    /// the instance stays feasible.
    pub mandatory_share: f64,
    /// Share of items excluded, and share not allowed (0 to 1, each).
    pub excluded_share: f64,
    /// Capacity as a share of the effort asked of each team, drawn in this range.
    pub capacity_share: (f64, f64),
}

impl Default for SyntheticOptions {
    fn default() -> Self {
        SyntheticOptions {
            items: 100,
            teams: 10,
            seed: 1,
            precedence_share: 0.10,
            mandatory_share: 0.02,
            excluded_share: 0.01,
            capacity_share: (0.45, 0.75),
        }
    }
}

/// A problem of the given size; the same options always give the same problem.
pub fn synthetic(opt: &SyntheticOptions) -> Problem {
    let mut rng = StdRng::seed_from_u64(opt.seed);
    let n_teams = opt.teams.max(1);
    let effort_dist: LogNormal<f64> = LogNormal::new(1.3, 0.8).expect("valid parameters");
    let noise: LogNormal<f64> = LogNormal::new(0.0, 0.35).expect("valid parameters");
    let mut demand = vec![0.0; n_teams];
    let mut items = Vec::with_capacity(opt.items);
    for i in 0..opt.items {
        let category = match rng.random_range(0.0..1.0) {
            x if x < 0.65 => Category::Committed,
            x if x < 0.87 => Category::Improvement,
            _ => Category::Exploration,
        };
        let debt_p = match category {
            Category::Committed => 0.12,
            Category::Improvement => 0.5,
            Category::Exploration => 0.05,
        };
        let n_item_teams = match rng.random_range(0.0..1.0) {
            x if x < 0.5 => 1,
            x if x < 0.85 => 2,
            _ => 3,
        }
        .min(n_teams);
        let mut effort: Vec<(usize, f64)> = Vec::new();
        while effort.len() < n_item_teams {
            let t = rng.random_range(0..n_teams);
            if effort.iter().all(|&(u, _)| u != t) {
                let scale: f64 = if effort.is_empty() { 1.0 } else { 0.5 };
                let e: f64 = (effort_dist.sample(&mut rng) * scale).clamp(0.5, 40.0);
                let e = (e * 2.0).round() / 2.0;
                demand[t] += e;
                effort.push((t, e));
            }
        }
        let total: f64 = effort.iter().map(|&(_, e)| e).sum();
        // A weighted score from 1 to 5, times size with economies of scale.
        let score = 1.0 + 4.0 * rng.random_range(0.0..1.0f64).powf(1.5);
        let mut value = score * total.powf(0.8) * noise.sample(&mut rng);
        if category == Category::Exploration {
            value *= 1.2;
        }
        let mut item = Item::new(format!("I{i:05}"), (value * 100.0).round() / 100.0, category);
        item.effort = effort;
        item.tech_debt = rng.random_bool(debt_p);
        if i > 0 && rng.random_bool(opt.precedence_share.clamp(0.0, 1.0)) {
            // Prerequisites point back to earlier items, so there are no cycles.
            let lo = i.saturating_sub(50);
            item.requires.push(rng.random_range(lo..i));
        }
        let roll = rng.random_range(0.0..1.0);
        if roll < opt.mandatory_share && total <= 6.0 {
            item.mandatory = true;
        } else if roll > 1.0 - opt.excluded_share {
            item.excluded = true;
        } else if roll > 1.0 - 2.0 * opt.excluded_share {
            item.allowed = false;
        }
        items.push(item);
    }
    let (lo, hi) = opt.capacity_share;
    let teams = demand
        .iter()
        .enumerate()
        .map(|(t, &d)| {
            let share = if hi > lo { rng.random_range(lo..hi) } else { lo };
            Team { name: format!("T{t:03}"), capacity_weeks: ((d * share / 0.85) * 2.0).round() / 2.0 }
        })
        .collect();
    // A mandatory item must not need a forbidden one (prerequisites point
    // back, so one pass in index order sees every chain).
    let mut problem = Problem { teams, items };
    let mut blocked = vec![false; problem.items.len()];
    for i in 0..problem.items.len() {
        let it = &problem.items[i];
        blocked[i] = it.excluded || !it.allowed || it.requires.iter().any(|&r| blocked[r]);
        if blocked[i] {
            problem.items[i].mandatory = false;
        }
    }
    problem
}
