//! Exact branch and bound on the Lagrangian bound of [`super::dual`].
//!
//! Depth first, one item fixed per branch (with its prerequisites when fixed
//! to 1, its dependents when fixed to 0). Each node first checks the parent's
//! multipliers (any `lambda >= 0` gives a valid bound, so this costs one
//! evaluation and often prunes), then improves them by a few warm-started
//! smoothing sweeps. Reduced-cost fixing: for an item outside any precedence
//! component, forcing it against the sign of its reduced cost `w_i` lowers
//! `D(lambda)` by exactly `|w_i|`; when that falls to the incumbent, the item
//! is fixed the other way. Every node runs the greedy under its fixings,
//! ordered by reduced cost, to improve the incumbent.

use super::decompose::{self, Teams};
use super::dual::{Exact, ExactWorkspace, Multipliers, exact, smooth};
use super::heuristic::{State, greedy};
use super::model::{FREE, Model};

pub(crate) struct Incumbent {
    pub value: f64,
    pub sel: Vec<bool>,
}

pub(crate) struct Limits {
    pub node_budget: u64,
    pub work_budget: u64,
    /// Absolute slack under which a node cannot beat the incumbent.
    pub abs_tol: f64,
    /// Smoothing level reached at the root.
    pub mu: f64,
    /// Re-optimize the multipliers at every node (slower nodes, tighter bounds).
    pub resmooth: bool,
    /// Subgradient steps on the decomposition bound at each node.
    pub split_iterations: usize,
    /// Run the greedy at every this many nodes.
    pub greedy_every: u64,
}

pub(crate) struct Outcome {
    /// The whole tree was explored: the incumbent is optimal (or, without
    /// one, the problem is infeasible).
    pub exhausted: bool,
    /// Best bound over the nodes left open (minus infinity if none).
    pub open_bound: f64,
    pub nodes: u64,
}

struct Node {
    fix: Vec<i8>,
    mult: Multipliers,
    /// Multipliers and split corrections of the decomposition bound.
    split_lambda: Vec<f64>,
    delta: Vec<f64>,
    bound: f64,
}

/// Offers a selection to the incumbent if it is feasible and better.
pub(crate) fn offer(inc: &mut Option<Incumbent>, st: &State) -> bool {
    if !st.feasible() {
        return false;
    }
    let better = inc.as_ref().is_none_or(|b| st.value > b.value);
    if better {
        *inc = Some(Incumbent { value: st.value, sel: st.sel.clone() });
    }
    better
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn search(
    m: &Model,
    teams: &Teams,
    split_lambda: &[f64],
    delta: &[f64],
    root_fix: Vec<i8>,
    root_mult: Multipliers,
    root_bound: f64,
    inc: &mut Option<Incumbent>,
    limits: &Limits,
    work: &mut u64,
) -> Outcome {
    let mut ws = ExactWorkspace::default();
    let mut dws = decompose::Workspace::default();
    let mut stack = vec![Node {
        fix: root_fix,
        mult: root_mult,
        split_lambda: split_lambda.to_vec(),
        delta: delta.to_vec(),
        bound: root_bound,
    }];
    let mut nodes = 0u64;
    let mu = limits.mu;
    let stages = [(mu * 4.0, 2), (mu * 2.0, 2), (mu, 4)];
    let mut order: Vec<u32> = Vec::with_capacity(m.n);
    while let Some(mut node) = stack.pop() {
        if nodes >= limits.node_budget || *work >= limits.work_budget {
            let open = stack.iter().map(|n| n.bound).fold(node.bound, f64::max);
            return Outcome { exhausted: false, open_bound: open, nodes };
        }
        nodes += 1;
        let cut = |inc: &Option<Incumbent>, fixed_value: f64| -> f64 {
            match inc {
                Some(b) => b.value + limits.abs_tol,
                // No incumbent: a bound below the fixed items' own value
                // proves the node infeasible.
                None => fixed_value - limits.abs_tol,
            }
        };
        let fixed_value: f64 = (0..m.n).filter(|&i| node.fix[i] == 1).map(|i| m.value[i]).sum();
        // State set-ups and the node's greedy, in coefficient visits.
        *work += 2 * m.col_row.len() as u64;
        let base = State::new(m, &node.fix);
        if !(0..m.n_teams).all(|t| base.team_ok(t)) {
            continue;
        }
        if base.feasible() && (0..m.n).all(|i| node.fix[i] != FREE) {
            offer(inc, &base);
            continue;
        }
        let prunes = |inc: &Option<Incumbent>, d: f64| match inc {
            Some(_) => d <= cut(inc, fixed_value),
            None => d < cut(inc, fixed_value),
        };
        let split = decompose::bound(m, teams, &node.fix, &node.split_lambda, &node.delta, &mut dws, work);
        node.bound = node.bound.min(split);
        if prunes(inc, node.bound) {
            continue;
        }
        if limits.split_iterations > 0 {
            let target = inc.as_ref().map_or(fixed_value, |b| b.value);
            let split = decompose::improve(
                m,
                teams,
                &node.fix,
                &mut node.split_lambda,
                &mut node.delta,
                target,
                limits.split_iterations,
                &mut dws,
                work,
                |_| {},
            );
            node.bound = node.bound.min(split);
            if prunes(inc, node.bound) {
                continue;
            }
        }
        let ex: Exact = exact(m, &node.fix, &node.mult.lambda, &mut ws, work);
        node.bound = node.bound.min(ex.value);
        if prunes(inc, node.bound) {
            continue;
        }
        if limits.resmooth {
            smooth(m, &node.fix, &mut node.mult, &stages, work);
            let split = decompose::bound(m, teams, &node.fix, &node.mult.lambda, &node.delta, &mut dws, work);
            node.bound = node.bound.min(split);
            if prunes(inc, node.bound) {
                continue;
            }
        }

        // Primal: the relaxation's own selection, then the greedy by reduced cost.
        let relaxed = State::from_selection(m, &ex.x);
        offer(inc, &relaxed);
        order.clear();
        order.extend((0..m.n as u32).filter(|&i| node.fix[i as usize] == FREE));
        order.sort_by(|&a, &b| ex.w[b as usize].total_cmp(&ex.w[a as usize]).then(a.cmp(&b)));
        let mut st = base;
        if nodes % limits.greedy_every == 1 {
            *work += 4 * m.col_row.len() as u64;
        }
        if nodes % limits.greedy_every == 1 && greedy(&mut st, &node.fix, &order) {
            offer(inc, &st);
        }
        if prunes(inc, node.bound) {
            continue;
        }

        // Reduced-cost fixing on items outside precedence components.
        if let Some(b) = inc.as_ref() {
            let floor = b.value + limits.abs_tol;
            for i in 0..m.n {
                if node.fix[i] != FREE || ex.linked[i] {
                    continue;
                }
                if ex.w[i] > 0.0 && ex.value - ex.w[i] <= floor {
                    if !m.propagate(&mut node.fix, i, 1) {
                        node.bound = f64::NEG_INFINITY;
                        break;
                    }
                } else if ex.w[i] <= 0.0 && ex.value + ex.w[i] <= floor && !m.propagate(&mut node.fix, i, 0) {
                    node.bound = f64::NEG_INFINITY;
                    break;
                }
            }
            if node.bound == f64::NEG_INFINITY {
                continue;
            }
        }

        // Branch on the most fractional free item of the smoothed relaxation.
        // Prefer items the teams' knapsacks disagree on (in the last
        // decomposition step), then the most fractional in the LP.
        let disagree = |i: usize| dws.x.get(i).map_or(0.5, |x| (x - 0.5).abs());
        let pick = (0..m.n).filter(|&i| node.fix[i] == FREE).min_by(|&a, &b| {
            disagree(a)
                .total_cmp(&disagree(b))
                .then(node.mult.w[a].abs().total_cmp(&node.mult.w[b].abs()))
                .then(a.cmp(&b))
        });
        let Some(i) = pick else {
            // Everything fixed by reduced costs: evaluate the leaf.
            let leaf = State::new(m, &node.fix);
            offer(inc, &leaf);
            continue;
        };
        let up_first = node.mult.soft(i) >= 0.5;
        let mut children = Vec::with_capacity(2);
        for to in [1i8, 0] {
            let mut fix = node.fix.clone();
            if m.propagate(&mut fix, i, to) {
                let child = Node {
                    fix,
                    mult: node.mult.clone(),
                    split_lambda: node.split_lambda.clone(),
                    delta: node.delta.clone(),
                    bound: node.bound,
                };
                children.push((to, child));
            }
        }
        // Push the preferred child last so that it is explored first.
        children.sort_by_key(|(to, _)| (*to == 1) == up_first);
        stack.extend(children.into_iter().map(|(_, n)| n));
    }
    Outcome { exhausted: true, open_bound: f64::NEG_INFINITY, nodes }
}
