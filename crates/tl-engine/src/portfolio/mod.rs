//! Portfolio selection: which initiatives to take on in a quarter.
//!
//! The problem (see [`Problem`]): choose items x_i in {0, 1} to maximize
//! `sum v_i x_i` subject to each team's planned effort staying under its
//! ceiling (85% of capacity by default), each category's share of chosen
//! effort staying within its target band (70/20/10 +- 10 by default), the
//! tech-debt share of chosen effort staying above a floor (15% by default),
//! prerequisites (an item only with the items it requires), and mandatory,
//! excluded and not-allowed items. The shares are linearized by multiplying
//! through by the chosen effort (see `model`).
//!
//! The method (see [`solve`]):
//! - a greedy by value per person-week (the baseline, [`greedy`]); greedy
//!   passes under orders derived from the bounds' multipliers and from the
//!   teams' knapsack choices (a Lagrangian heuristic); a local search of
//!   drop-add moves with refill; a seeded perturbation search (`heuristic`);
//! - the LP bound: Lagrangian relaxation of the team and share rows, whose
//!   inner problem is a maximum-weight closure solved by minimum cut, with
//!   multipliers from coordinate descent on a smoothed dual (`dual`, proof of
//!   validity there);
//! - a tighter bound: Lagrangian decomposition by team, one exact 0/1
//!   knapsack per team, with subgradient steps on the value split and the
//!   share multipliers (`decompose`, proof there);
//! - depth-first branch and bound on the decomposition bound, re-tightened
//!   by a few subgradient steps at every node, with reduced-cost fixing, to
//!   prove optimality within a node and work budget (`bnb`);
//! - an explanation for every item left out (`explain`).
//!
//! All budgets count work, not time; the only randomness is the perturbation
//! search's generator, seeded from `Options::seed`; nothing runs in parallel.
//! A solve is therefore replayable exactly, on any machine and thread count.

// The numeric kernels index several parallel arrays by item or row; index
// loops read better there than zipped iterators.
#![allow(clippy::needless_range_loop)]

mod bnb;
mod closure;
mod decompose;
mod dual;
mod explain;
mod heuristic;
mod model;
mod problem;
mod solve;
mod synthetic;

pub use explain::{Explanation, Reason, Shortfall, explain};
pub use problem::{
    Category, FEASIBILITY_TOLERANCE, InputError, Item, MixLimit, MixTargets, Options, Problem, Team, Violation,
    selection_value, team_limit, validate, violations,
};
pub use solve::{Infeasibility, Selection, ShareUse, Solution, Stats, Status, TeamUse, greedy, solve};
pub use synthetic::{SyntheticOptions, synthetic};
