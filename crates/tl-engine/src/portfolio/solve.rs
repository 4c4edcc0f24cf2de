//! The solver's entry points, `solve` and the `greedy` baseline, and the
//! solution report: selection, value, bound, gap, binding constraints and an
//! explanation for every item left out.

use super::bnb::{Incumbent, Limits, offer, search};
use super::decompose::{self, Teams};
use super::dual::{Multipliers, exact, schedule, smooth};
use super::explain::{Explanation, Reason, explain_model};
use super::heuristic::{Neighbourhood, State, greedy as greedy_fill, local_search, perturb_search};
use super::model::{Conflict, FREE, Model, RowKind};
use super::problem::{InputError, MixLimit, Options, Problem, validate};

/// Smoothing: from a quarter of the mean item value down to this fraction.
const MU_START: f64 = 0.25;
const MU_END: f64 = 2e-5;
/// Greedy results the local search starts from, best first.
const LOCAL_SEARCH_STARTS: usize = 6;
/// Subgradient steps on the decomposition bound at the root.
const SPLIT_ITERATIONS: usize = 200;
/// Subgradient steps on the decomposition bound at each branch-and-bound node.
const NODE_SPLIT_ITERATIONS: usize = 9;

/// How the solve ended.
#[derive(Clone, Debug, PartialEq)]
pub enum Status {
    /// The selection is proven optimal (gap within `gap_tolerance`).
    Optimal,
    /// A feasible selection; `gap` says how far from optimal it can be.
    Feasible,
    /// No selection meets every constraint.
    Infeasible(Infeasibility),
    /// The budget ran out before any feasible selection was found, and
    /// none was proven impossible.
    Unknown,
    /// The problem or the options are malformed.
    Invalid(InputError),
}

/// Why no selection can meet every constraint.
#[derive(Clone, Debug, PartialEq)]
pub enum Infeasibility {
    /// `forced_by` is mandatory but needs `item`, which is excluded or not allowed.
    MandatoryBlocked { item: usize, forced_by: usize },
    /// The mandatory items (with their prerequisites) alone need more of a team than its limit.
    MandatoryOverCapacity { team: usize, needed: f64, limit: f64 },
    /// The mandatory items break a share limit, and no choice of other items can restore it.
    MandatoryMix { limit: MixLimit, share: f64, bound: f64 },
    /// Proven by exhaustive search; no simpler reason was found.
    NoFeasibleSelection,
}

/// A team's load in the solution.
#[derive(Clone, Debug, PartialEq)]
pub struct TeamUse {
    pub team: usize,
    /// Planned person-weeks.
    pub used: f64,
    /// Capacity times the ceiling.
    pub limit: f64,
    /// Within 1e-6 person-weeks of the limit.
    pub full: bool,
    /// No unchosen, allowed item that needs this team fits in what is left.
    pub nearly_full: bool,
    /// Shadow price from the bound: value one more person-week would be worth
    /// to the relaxation (0 when the team does not constrain it).
    pub price: f64,
}

/// A share limit in the solution.
#[derive(Clone, Debug, PartialEq)]
pub struct ShareUse {
    pub limit: MixLimit,
    /// Share of chosen effort (0 to 1).
    pub share: f64,
    /// The limit (0 to 1).
    pub bound: f64,
    /// Within 1e-6 of the limit.
    pub at_limit: bool,
    /// Items left out because of this limit.
    pub blocked_items: usize,
    /// Shadow price from the bound.
    pub price: f64,
}

/// Counters for reports and benchmarks; no clock is read.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stats {
    pub nodes: u64,
    /// Coefficient visits spent (see `Options::work_budget`).
    pub work: u64,
    /// The LP (Lagrangian) bound at the root, before branching.
    pub root_bound: f64,
    /// The decomposition bound at the root (see `decompose`).
    pub split_bound: f64,
    /// Value of the greedy baseline (value per person-week).
    pub greedy_value: f64,
    /// Value after the greedy heuristics and local search, before branching.
    pub heuristic_value: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Solution {
    pub status: Status,
    /// Per item: chosen or not.
    pub selected: Vec<bool>,
    pub value: f64,
    /// No feasible selection is worth more than this.
    pub bound: f64,
    /// `(bound - value) / bound`, 0 when the bound is 0.
    pub gap: f64,
    pub teams: Vec<TeamUse>,
    pub shares: Vec<ShareUse>,
    /// One per unchosen item, in item order.
    pub explanations: Vec<Explanation>,
    pub stats: Stats,
}

impl Solution {
    fn empty(problem: &Problem, status: Status) -> Solution {
        Solution {
            status,
            selected: vec![false; problem.items.len()],
            value: 0.0,
            bound: f64::NEG_INFINITY,
            gap: f64::INFINITY,
            teams: Vec::new(),
            shares: Vec::new(),
            explanations: Vec::new(),
            stats: Stats::default(),
        }
    }

    /// Indices of the chosen items.
    pub fn chosen(&self) -> Vec<usize> {
        self.selected.iter().enumerate().filter(|(_, s)| **s).map(|(i, _)| i).collect()
    }
}

/// A selection and its value, as the baseline returns it.
#[derive(Clone, Debug, PartialEq)]
pub struct Selection {
    pub selected: Vec<bool>,
    pub value: f64,
    /// False when even the baseline could not meet the constraints.
    pub feasible: bool,
}

fn ratio_order(m: &Model, fix: &[i8]) -> Vec<u32> {
    let mut order: Vec<u32> = (0..m.n as u32).filter(|&i| fix[i as usize] == FREE).collect();
    let key = |i: u32| {
        let i = i as usize;
        if m.effort[i] > 0.0 { m.value[i] / m.effort[i] } else { f64::INFINITY }
    };
    order.sort_by(|&a, &b| key(b).total_cmp(&key(a)).then(a.cmp(&b)));
    order
}

/// The baseline: items by value per person-week, each taken if it (with its
/// prerequisites) fits and keeps the mix (see the greedy's two phases).
pub fn greedy(problem: &Problem, options: &Options) -> Selection {
    let infeasible = Selection { selected: vec![false; problem.items.len()], value: 0.0, feasible: false };
    if validate(problem, options).is_err() {
        return infeasible;
    }
    let m = Model::build(problem, options);
    if m.conflict.is_some() {
        return infeasible;
    }
    let order = ratio_order(&m, &m.fix);
    let mut st = State::new(&m, &m.fix);
    let feasible = greedy_fill(&mut st, &m.fix, &order);
    Selection { selected: st.sel.clone(), value: st.value, feasible }
}

/// Chooses the portfolio: greedy orderings and local search for a good
/// selection, the Lagrangian (LP) bound for proof, and branch and bound to
/// close the gap within the budgets.
pub fn solve(problem: &Problem, options: &Options) -> Solution {
    if let Err(e) = validate(problem, options) {
        return Solution::empty(problem, Status::Invalid(e));
    }
    let m = Model::build(problem, options);
    if let Some(Conflict::Forced { item, forced_by }) = m.conflict {
        return Solution::empty(problem, Status::Infeasible(Infeasibility::MandatoryBlocked { item, forced_by }));
    }
    let base = State::new(&m, &m.fix);
    if let Some(t) = (0..m.n_teams).find(|&t| !base.team_ok(t)) {
        let why = Infeasibility::MandatoryOverCapacity { team: t, needed: base.load[t], limit: m.b[t] };
        return Solution::empty(problem, Status::Infeasible(why));
    }
    let mut work = 0u64;
    let mut stats = Stats::default();
    let mut inc: Option<Incumbent> = None;

    // Baseline.
    let by_ratio = ratio_order(&m, &m.fix);
    let mut st = State::new(&m, &m.fix);
    if greedy_fill(&mut st, &m.fix, &by_ratio) {
        stats.greedy_value = st.value;
        offer(&mut inc, &st);
    }

    // Root bound.
    let mut mult = Multipliers::zero(&m);
    let stages = schedule(m.value_scale, MU_START, MU_END, 6, 30);
    smooth(&m, &m.fix, &mut mult, &stages, &mut work);
    let mut ws = Default::default();
    let root = exact(&m, &m.fix, &mult.lambda, &mut ws, &mut work);
    stats.root_bound = root.value;

    // Greedy under orders the multipliers suggest, then local search.
    let free: Vec<u32> = (0..m.n as u32).filter(|&i| m.fix[i as usize] == FREE).collect();
    let by_reduced = sorted(&free, |i| root.w[i]);
    let by_priced = sorted(&free, |i| {
        let priced: f64 = m.col(i).map(|(r, a)| mult.lambda[r] * a).sum();
        m.value[i] / priced.max(1e-12 * m.value_scale)
    });
    let by_soft = sorted(&free, |i| mult.soft(i) + 1e-3 * root.w[i] / m.value_scale.max(1e-300));
    let mut starts: Vec<(f64, Vec<bool>, Vec<u32>)> = Vec::new();
    for order in [&by_reduced, &by_priced, &by_soft, &by_ratio] {
        let mut st = State::new(&m, &m.fix);
        if greedy_fill(&mut st, &m.fix, order) {
            offer(&mut inc, &st);
            starts.push((st.value, st.sel.clone(), order.clone()));
        }
    }
    // The decomposition bound, tightened towards the best selection so far.
    let teams = Teams::new(&m);
    let mut delta = vec![0.0; teams.n_team_entries];
    let target = inc.as_ref().map_or(0.0, |b| b.value);
    let mut dws = decompose::Workspace::default();
    // Each subgradient step's knapsack choices suggest an order (items every
    // team takes first): the Lagrangian heuristic.
    let mut best_consensus: Option<(f64, Vec<bool>, Vec<u32>)> = None;
    let mut split_lambda = mult.lambda.clone();
    let split = decompose::improve(
        &m,
        &teams,
        &m.fix,
        &mut split_lambda,
        &mut delta,
        target,
        SPLIT_ITERATIONS,
        &mut dws,
        &mut work,
        |dws| {
            let order = consensus_order(&m, &free, &dws.taken, &root.w);
            let mut st = State::new(&m, &m.fix);
            if greedy_fill(&mut st, &m.fix, &order) && best_consensus.as_ref().is_none_or(|b| st.value > b.0) {
                best_consensus = Some((st.value, st.sel.clone(), order));
            }
        },
    );
    stats.split_bound = split;
    if let Some((_, sel, _)) = &best_consensus {
        offer(&mut inc, &State::from_selection(&m, sel));
    }
    starts.extend(best_consensus);
    decompose::bound(&m, &teams, &m.fix, &split_lambda, &delta, &mut dws, &mut work);
    let by_consensus = consensus_order(&m, &free, &dws.taken, &root.w);
    let mut st = State::new(&m, &m.fix);
    if greedy_fill(&mut st, &m.fix, &by_consensus) {
        offer(&mut inc, &st);
        starts.push((st.value, st.sel.clone(), by_consensus));
    }
    starts.sort_by(|a, b| b.0.total_cmp(&a.0));
    starts.dedup_by(|a, b| a.1 == b.1);
    for (_, sel, order) in starts.iter().take(LOCAL_SEARCH_STARTS) {
        let nb = Neighbourhood::new(&m, order);
        let mut st = State::from_selection(&m, sel);
        local_search(&mut st, &m.fix, &by_reduced, &nb, 30, &mut work);
        offer(&mut inc, &st);
    }
    if let Some(best) = inc.as_ref().map(|b| b.sel.clone()) {
        let nb = Neighbourhood::new(&m, &by_reduced);
        let mut st = State::from_selection(&m, &best);
        let rounds = options.search_rounds as usize;
        perturb_search(&mut st, &m.fix, &root.w, &nb, rounds, options.seed, &mut work);
        offer(&mut inc, &st);
    }
    stats.heuristic_value = inc.as_ref().map_or(0.0, |b| b.value);

    // Branch and bound while the gap is open.
    let abs_tol = |inc: &Option<Incumbent>| {
        let v = inc.as_ref().map_or(0.0, |b| b.value.abs());
        (options.gap_tolerance * v).max(1e-9 * m.value_scale)
    };
    let mut bound = root.value.min(split);
    let mut exhausted = false;
    let open = inc.as_ref().is_none_or(|b| bound > b.value + abs_tol(&inc));
    if open && options.node_budget > 0 {
        let limits = Limits {
            node_budget: options.node_budget,
            work_budget: options.work_budget,
            abs_tol: abs_tol(&inc),
            mu: MU_END * m.value_scale,
            resmooth: false,
            split_iterations: NODE_SPLIT_ITERATIONS,
            greedy_every: 4,
        };
        let outcome =
            search(&m, &teams, &split_lambda, &delta, m.fix.clone(), mult.clone(), bound, &mut inc, &limits, &mut work);
        stats.nodes = outcome.nodes;
        exhausted = outcome.exhausted;
        let best = inc.as_ref().map_or(f64::NEG_INFINITY, |b| b.value);
        bound = if exhausted { best } else { bound.min(outcome.open_bound.max(best)) };
    } else if !open {
        exhausted = true;
        bound = bound.max(inc.as_ref().map_or(f64::NEG_INFINITY, |b| b.value));
    }
    stats.work = work;

    let Some(best) = inc else {
        let status =
            if exhausted { Status::Infeasible(infeasibility_reason(problem, options, &m)) } else { Status::Unknown };
        let mut s = Solution::empty(problem, status);
        s.stats = stats;
        s.bound = bound;
        return s;
    };
    let value = best.value;
    let bound = bound.max(value);
    let gap = if bound > 0.0 { ((bound - value) / bound).max(0.0) } else { 0.0 };
    let status = if exhausted || gap <= options.gap_tolerance { Status::Optimal } else { Status::Feasible };
    let bound = if status == Status::Optimal { value } else { bound };
    let gap = if status == Status::Optimal { 0.0 } else { gap };
    let explanations = explain_model(problem, &m, &best.sel);
    let (teams, shares) = report(problem, &m, &best.sel, &mult.lambda, &explanations);
    Solution { status, selected: best.sel, value, bound, gap, teams, shares, explanations, stats }
}

fn consensus_order(m: &Model, free: &[u32], taken: &[bool], w: &[f64]) -> Vec<u32> {
    sorted(free, |i| {
        let (s, e) = (m.col_start[i], m.col_start[i + 1]);
        let (mut teams, mut agree) = (0usize, 0usize);
        for p in s..e {
            if (m.col_row[p] as usize) < m.n_teams {
                teams += 1;
                agree += usize::from(taken[p]);
            }
        }
        let share = if teams == 0 { f64::from(u8::from(w[i] > 0.0)) } else { agree as f64 / teams as f64 };
        share + 1e-3 * (w[i] / m.value_scale.max(1e-300)).tanh()
    })
}

fn sorted(items: &[u32], key: impl Fn(usize) -> f64) -> Vec<u32> {
    let mut keyed: Vec<(f64, u32)> = items.iter().map(|&i| (key(i as usize), i)).collect();
    keyed.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    keyed.into_iter().map(|(_, i)| i).collect()
}

fn infeasibility_reason(problem: &Problem, options: &Options, m: &Model) -> Infeasibility {
    let mandatory: Vec<bool> = m.fix.iter().map(|&f| f == 1).collect();
    for limit in MixLimit::all() {
        if !limit.is_active(options) {
            continue;
        }
        let bound = limit.bound(options).unwrap_or(0.0);
        let share = limit.share(problem, &mandatory);
        let broken = if limit.is_max() { share > bound } else { share < bound };
        if broken && mandatory.iter().any(|&s| s) {
            return Infeasibility::MandatoryMix { limit, share, bound };
        }
    }
    Infeasibility::NoFeasibleSelection
}

fn report(
    problem: &Problem,
    m: &Model,
    sel: &[bool],
    lambda: &[f64],
    explanations: &[Explanation],
) -> (Vec<TeamUse>, Vec<ShareUse>) {
    let st = State::from_selection(m, sel);
    let teams = (0..m.n_teams)
        .map(|t| {
            let left = m.b[t] - st.load[t];
            let (items, coefs) = m.row(t);
            let smallest = items
                .iter()
                .zip(coefs)
                .filter(|&(&i, _)| !sel[i as usize] && m.fix[i as usize] != 0)
                .map(|(_, &a)| a)
                .fold(f64::INFINITY, f64::min);
            TeamUse {
                team: t,
                used: st.load[t],
                limit: m.b[t],
                full: left.abs() <= 1e-6,
                nearly_full: left < smallest,
                price: lambda[t],
            }
        })
        .collect();
    let mut shares = Vec::new();
    for k in m.n_teams..m.n_rows() {
        let RowKind::Mix(limit) = m.kind[k] else { continue };
        let share = limit.share(problem, sel);
        let bound = m.mix_offset[k].abs();
        let blocked_items =
            explanations.iter().filter(|e| matches!(e.reason, Reason::Mix { limit: l, .. } if l == limit)).count();
        let at_limit = st.total > 0.0 && (share - bound).abs() <= 1e-6;
        shares.push(ShareUse { limit, share, bound, at_limit, blocked_items, price: lambda[k] });
    }
    (teams, shares)
}
