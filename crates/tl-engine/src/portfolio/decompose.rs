//! A second bound, at least as strong as the LP bound at the same
//! multipliers: Lagrangian decomposition by team.
//!
//! Keep the share rows and precedence arcs dualized (multipliers `lambda`,
//! `pi` from [`super::dual`]), giving each item the reduced value
//! `w_i = v_i - lambda . a_i^{share} - pi-terms`. Split `w_i` across the
//! item's teams, `w_i = sum_{t in T_i} s_it` (any split). Then for any
//! feasible selection x:
//!
//! ```text
//! v . x <= sum_i w_i x_i = sum_t sum_{i in t} s_it x_i <= sum_t KP_t(s_.t)
//! ```
//!
//! where `KP_t` is team t's own 0/1 knapsack (maximize `sum s_it y_i` with
//! `sum e_it y_i <= limit_t`), which x restricted to team t satisfies. So
//! `sum_t KP_t` (plus `max(0, w_i)` for items without effort) is a valid
//! upper bound for every `lambda, pi >= 0` and every split. Splitting by the
//! team prices (`s_it = lambda_t e_it + r_i / |T_i| + delta_it`, with r_i the
//! LP reduced cost and `sum_t delta_it = 0`) makes each knapsack's LP bound
//! sum to the LP bound, so the integer knapsacks can only be tighter: they
//! see that a team cannot take a fraction of an item. Subgradient steps on
//! `delta` then make the teams agree on shared items.

use super::model::{FREE, Model};

/// Per team, the `(item, effort, column position)` entries.
pub(crate) struct Teams {
    entries: Vec<Vec<(u32, f64, u32)>>,
    /// Column position -> team entry index (u32::MAX for share rows).
    pub n_team_entries: usize,
}

impl Teams {
    pub fn new(m: &Model) -> Teams {
        let mut entries = vec![Vec::new(); m.n_teams];
        for i in 0..m.n {
            for p in m.col_start[i]..m.col_start[i + 1] {
                let r = m.col_row[p] as usize;
                if r < m.n_teams {
                    entries[r].push((i as u32, m.col_coef[p], p as u32));
                }
            }
        }
        Teams { entries, n_team_entries: m.col_row.len() }
    }
}

#[derive(Default)]
pub(crate) struct Workspace {
    w: Vec<f64>,
    split: Vec<f64>,
    items: Vec<(f64, f64, u32)>,
    take: Vec<bool>,
    best_take: Vec<bool>,
    /// Per column position: the team's knapsack took the item.
    pub taken: Vec<bool>,
    /// Per item: share of its copies taken (its value in the relaxation).
    pub x: Vec<f64>,
}

/// The decomposition bound at multipliers `lambda` (rows then arcs) and
/// split corrections `delta` (per column position; only team entries are
/// read). `work` counts knapsack steps.
pub(crate) fn bound(
    m: &Model,
    teams: &Teams,
    fix: &[i8],
    lambda: &[f64],
    delta: &[f64],
    ws: &mut Workspace,
    work: &mut u64,
) -> f64 {
    let n_rows = m.n_rows();
    // Reduced values with share rows and arcs dualized (teams kept).
    ws.w.clear();
    ws.w.extend_from_slice(&m.value);
    for i in 0..m.n {
        for (r, a) in m.col(i) {
            if r >= m.n_teams {
                ws.w[i] -= lambda[r] * a;
            }
        }
    }
    for (j, &(b, a)) in m.arcs.iter().enumerate() {
        let pi = lambda[n_rows + j];
        ws.w[b as usize] -= pi;
        ws.w[a as usize] += pi;
    }
    ws.split.clear();
    ws.split.resize(teams.n_team_entries, 0.0);
    ws.taken.clear();
    ws.taken.resize(teams.n_team_entries, false);
    let mut total = 0.0;
    for i in 0..m.n {
        let (s, e) = (m.col_start[i], m.col_start[i + 1]);
        let k = (s..e).filter(|&p| (m.col_row[p] as usize) < m.n_teams).count();
        if k == 0 {
            if fix[i] == 1 {
                total += ws.w[i];
            } else if fix[i] == FREE {
                total += ws.w[i].max(0.0);
            }
            continue;
        }
        let priced: f64 = (s..e)
            .filter(|&p| (m.col_row[p] as usize) < m.n_teams)
            .map(|p| lambda[m.col_row[p] as usize] * m.col_coef[p])
            .sum();
        let share = (ws.w[i] - priced) / k as f64;
        for p in s..e {
            let t = m.col_row[p] as usize;
            if t < m.n_teams {
                ws.split[p] = lambda[t] * m.col_coef[p] + share + delta[p];
            }
        }
    }
    for (t, entries) in teams.entries.iter().enumerate() {
        let mut cap = m.b[t] + m.tol(t, 0.0);
        let mut fixed_profit = 0.0;
        ws.items.clear();
        for &(i, e, p) in entries {
            match fix[i as usize] {
                1 => {
                    cap -= e;
                    fixed_profit += ws.split[p as usize];
                    ws.taken[p as usize] = true;
                }
                FREE if ws.split[p as usize] > 0.0 => ws.items.push((ws.split[p as usize], e, p)),
                _ => {}
            }
        }
        if cap < 0.0 {
            return f64::NEG_INFINITY;
        }
        total += fixed_profit + knapsack(ws, cap, work);
    }
    total
}

/// Exact 0/1 knapsack over `ws.items` (profit > 0, weight > 0) by depth-first
/// branch and bound with the Dantzig bound; marks `ws.taken`. Falls back to
/// the Dantzig bound (still a valid upper bound) past its step budget.
fn knapsack(ws: &mut Workspace, cap: f64, work: &mut u64) -> f64 {
    let items = &mut ws.items;
    if items.is_empty() {
        return 0.0;
    }
    items.sort_by(|a, b| (b.0 / b.1).total_cmp(&(a.0 / a.1)).then(a.2.cmp(&b.2)));
    let n = items.len();
    // Dantzig bound from position k with remaining capacity c.
    let dantzig = |items: &[(f64, f64, u32)], k: usize, c: f64| -> f64 {
        let mut c = c;
        let mut v = 0.0;
        for &(p, w, _) in &items[k..] {
            if w <= c {
                c -= w;
                v += p;
            } else {
                return v + p * c / w;
            }
        }
        v
    };
    let root = dantzig(items, 0, cap);
    ws.take.clear();
    ws.take.resize(n, false);
    ws.best_take.clear();
    ws.best_take.resize(n, false);
    let mut best = 0.0;
    // Iterative DFS: at depth k decide item k (take first, then skip).
    let mut k = 0usize;
    let mut c = cap;
    let mut v = 0.0;
    let mut steps = 0u64;
    let budget = 200_000u64;
    let mut exact = true;
    loop {
        steps += 1;
        if steps > budget {
            exact = false;
            break;
        }
        // Descend greedily while the bound allows.
        let forward = k < n && v + dantzig(items, k, c) > best + 1e-12 * root.abs().max(1.0);
        if forward {
            if items[k].1 <= c {
                ws.take[k] = true;
                c -= items[k].1;
                v += items[k].0;
            } else {
                ws.take[k] = false;
            }
            k += 1;
            continue;
        }
        if v > best {
            best = v;
            ws.best_take[..k].copy_from_slice(&ws.take[..k]);
            ws.best_take[k..].iter_mut().for_each(|x| *x = false);
        }
        // Backtrack to the last taken item and skip it instead.
        let mut found = false;
        while k > 0 {
            k -= 1;
            if ws.take[k] {
                ws.take[k] = false;
                c += items[k].1;
                v -= items[k].0;
                k += 1;
                found = true;
                break;
            }
        }
        if !found {
            break;
        }
    }
    *work += steps;
    for (idx, &(_, _, p)) in items.iter().enumerate() {
        ws.taken[p as usize] = ws.best_take[idx];
    }
    if exact { best } else { root }
}

/// Subgradient steps on the split corrections `delta` towards agreement
/// between the teams on shared items (Polyak steps against `target`, a
/// known feasible value). Returns the best bound seen and leaves the best
/// `delta` in place.
#[allow(clippy::too_many_arguments)]
pub(crate) fn improve(
    m: &Model,
    teams: &Teams,
    fix: &[i8],
    lambda: &mut [f64],
    delta: &mut [f64],
    target: f64,
    iterations: usize,
    ws: &mut Workspace,
    work: &mut u64,
    mut on_iterate: impl FnMut(&Workspace),
) -> f64 {
    let mut best = bound(m, teams, fix, lambda, delta, ws, work);
    on_iterate(ws);
    let mut best_delta = delta.to_vec();
    let mut best_lambda = lambda.to_vec();
    let n_rows = m.n_rows();
    let mut scale = 1.0;
    let mut stall = 0;
    let mut g = vec![0.0; delta.len()];
    for iteration in 0..iterations {
        // First the split alone (the LP multipliers are a good start), then
        // the share and arc multipliers with it.
        let move_lambda = iteration >= iterations / 3;
        if iteration == iterations / 3 {
            delta.copy_from_slice(&best_delta);
            scale = 1.0;
        }
        let current = bound(m, teams, fix, lambda, delta, ws, work);
        on_iterate(ws);
        if current < best - 1e-12 * best.abs() {
            best = current;
            best_delta.copy_from_slice(delta);
            best_lambda.copy_from_slice(lambda);
            stall = 0;
        } else {
            stall += 1;
            if stall >= 5 {
                scale *= 0.5;
                stall = 0;
            }
        }
        // Subgradient: y_it - mean over the item's teams.
        let mut norm = 0.0;
        for i in 0..m.n {
            if fix[i] != FREE {
                continue;
            }
            let (s, e) = (m.col_start[i], m.col_start[i + 1]);
            let ps: Vec<usize> = (s..e).filter(|&p| (m.col_row[p] as usize) < m.n_teams).collect();
            if ps.len() < 2 {
                continue;
            }
            let mean = ps.iter().filter(|&&p| ws.taken[p]).count() as f64 / ps.len() as f64;
            for &p in &ps {
                let gp = if ws.taken[p] { 1.0 } else { 0.0 } - mean;
                g[p] = gp;
                norm += gp * gp;
            }
        }
        // The relaxation's selection, for the share rows and arcs.
        ws.x.clear();
        ws.x.resize(m.n, 0.0);
        for i in 0..m.n {
            let (s, e) = (m.col_start[i], m.col_start[i + 1]);
            let (mut k, mut taken) = (0usize, 0usize);
            for p in s..e {
                if (m.col_row[p] as usize) < m.n_teams {
                    k += 1;
                    taken += usize::from(ws.taken[p]);
                }
            }
            ws.x[i] = match fix[i] {
                1 => 1.0,
                0 => 0.0,
                _ if k == 0 => f64::from(u8::from(ws.w[i] > 0.0)),
                _ => taken as f64 / k as f64,
            };
        }
        let mut gl = vec![0.0; lambda.len()];
        let mut norm_l = 0.0;
        for (k, g) in gl.iter_mut().enumerate().take(n_rows).skip(m.n_teams) {
            let (items, coefs) = m.row(k);
            let ax: f64 = items.iter().zip(coefs).map(|(&i, &a)| a * ws.x[i as usize]).sum();
            *g = ax - m.b[k];
            if lambda[k] <= 0.0 && *g < 0.0 {
                *g = 0.0;
            }
        }
        for (j, &(b, a)) in m.arcs.iter().enumerate() {
            let g = ws.x[b as usize] - ws.x[a as usize];
            gl[n_rows + j] = if lambda[n_rows + j] <= 0.0 && g < 0.0 { 0.0 } else { g };
        }
        norm_l += gl.iter().map(|g| g * g).sum::<f64>();
        if (norm == 0.0 && norm_l == 0.0) || !current.is_finite() {
            break;
        }
        let gap = (current - target).max(1e-9 * m.value_scale);
        if move_lambda && norm_l > 0.0 {
            let step_l = 0.5 * scale * gap / norm_l;
            for (l, g) in lambda.iter_mut().zip(&gl).skip(m.n_teams) {
                *l = (*l + step_l * g).max(0.0);
            }
        }
        let share = if move_lambda { 0.5 } else { 1.0 };
        let step = if norm > 0.0 { share * scale * gap / norm } else { 0.0 };
        for i in 0..m.n {
            if fix[i] != FREE {
                continue;
            }
            for p in m.col_start[i]..m.col_start[i + 1] {
                if (m.col_row[p] as usize) < m.n_teams {
                    delta[p] -= step * g[p];
                    g[p] = 0.0;
                }
            }
        }
        if scale < 1e-4 {
            if move_lambda {
                break;
            }
            scale = 1e-4;
        }
    }
    delta.copy_from_slice(&best_delta);
    lambda.copy_from_slice(&best_lambda);
    best
}
