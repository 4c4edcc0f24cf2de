//! The upper bound: Lagrangian relaxation of the team and mix rows, whose
//! inner problem is a maximum-weight closure.
//!
//! **Why it is a valid bound.** Let `X` be the 0/1 vectors that respect the
//! precedence arcs and the fixings, and `x` any selection feasible for the
//! real problem (so `x` is in `X` and `a_k . x <= b_k` for every row k). For
//! any multipliers `lambda >= 0`:
//!
//! ```text
//! v . x  <=  v . x + sum_k lambda_k (b_k - a_k . x)          (each term >= 0)
//!         =  lambda . b + sum_i (v_i - lambda . a_i) x_i
//!        <=  lambda . b + max_{y in X} sum_i w_i y_i  =:  D(lambda)
//! ```
//!
//! with reduced costs `w_i = v_i - lambda . a_i`. The maximum over `X` is a
//! maximum-weight closure (fixed items are constants), solved exactly by
//! [`super::closure`]; so `D(lambda) >= OPT` for every `lambda >= 0`, however
//! `lambda` was found. The closure polytope is integral (its constraint matrix
//! is totally unimodular), so `min_lambda D(lambda)` equals the LP relaxation's
//! optimum: this is the LP bound, computed without a simplex.
//!
//! **How lambda is found.** `D` is piecewise linear. We minimize a smooth
//! version instead: precedence arcs are dualized too (multipliers `pi`), which
//! makes the inner problem separable, and each `max(0, w_i)` is replaced by
//! `mu * ln(1 + exp(w_i / mu))` (at most `mu ln 2` above it). The smoothed dual
//! is convex and differentiable; we minimize it by exact coordinate descent
//! (one multiplier at a time, a safeguarded Newton solve of a monotone
//! one-dimensional equation), lowering `mu` geometrically. Its gradient is the
//! constraint violation of the "soft" selection `x_i = sigmoid(w_i / mu)`,
//! which also guides branching. The smoothing never touches validity: the
//! reported bound is always the exact `D(lambda)` at the multipliers reached.

use super::closure::Closure;
use super::model::{FREE, Model};

/// Multiplier cap: reaching it means the rows cannot all be met (the node is
/// infeasible), and `D` is then hugely negative, which prunes it.
const LAMBDA_MAX: f64 = 1e30;

/// Multipliers for the rows (first `n_rows`) and the arcs (after them), and
/// the full reduced costs they give.
#[derive(Clone, Debug)]
pub(crate) struct Multipliers {
    pub lambda: Vec<f64>,
    /// Reduced costs including the arc multipliers, from the last smoothing.
    pub w: Vec<f64>,
    pub mu: f64,
}

impl Multipliers {
    pub fn zero(m: &Model) -> Self {
        Multipliers { lambda: vec![0.0; m.n_rows() + m.arcs.len()], w: m.value.clone(), mu: m.value_scale }
    }

    /// The soft selection of an item in the last smoothing.
    pub fn soft(&self, i: usize) -> f64 {
        sigmoid(self.w[i] / self.mu)
    }
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// Recomputes the full reduced costs from the multipliers.
pub(crate) fn reduced_costs(m: &Model, fix: &[i8], lambda: &[f64], with_arcs: bool, w: &mut Vec<f64>) {
    w.clear();
    w.extend_from_slice(&m.value);
    for (i, wi) in w.iter_mut().enumerate() {
        if fix[i] == 0 {
            continue;
        }
        for (r, a) in m.col(i) {
            *wi -= lambda[r] * a;
        }
    }
    if with_arcs {
        let n_rows = m.n_rows();
        for (j, &(b, a)) in m.arcs.iter().enumerate() {
            let pi = lambda[n_rows + j];
            w[b as usize] -= pi;
            w[a as usize] += pi;
        }
    }
}

/// Coordinate descent on the smoothed dual for each `(mu, sweeps)` stage.
/// `work` counts coefficient visits.
pub(crate) fn smooth(m: &Model, fix: &[i8], mult: &mut Multipliers, stages: &[(f64, usize)], work: &mut u64) {
    let n_rows = m.n_rows();
    let mut fixed_load = vec![0.0; n_rows];
    for i in (0..m.n).filter(|&i| fix[i] == 1) {
        for (r, a) in m.col(i) {
            fixed_load[r] += a;
        }
    }
    let mut w = std::mem::take(&mut mult.w);
    for &(mu, sweeps) in stages {
        reduced_costs(m, fix, &mult.lambda, true, &mut w);
        for _ in 0..sweeps {
            for k in 0..n_rows {
                let (items, coefs) = m.row(k);
                let rhs = m.b[k] - fixed_load[k];
                let lam = &mut mult.lambda[k];
                line_search(items, coefs, fix, &mut w, mu, rhs, lam, m.value_scale, work);
            }
            for (j, &(bi, ai)) in m.arcs.iter().enumerate() {
                // x_b - x_a <= 0; a fixed end makes the row a constant.
                let (fb, fa) = (fix[bi as usize], fix[ai as usize]);
                let lam = &mut mult.lambda[n_rows + j];
                if fb != FREE || fa != FREE {
                    if *lam != 0.0 {
                        let d = -*lam;
                        *lam = 0.0;
                        w[bi as usize] += d;
                        w[ai as usize] -= d;
                    }
                    continue;
                }
                let items = [bi, ai];
                let coefs = [1.0, -1.0];
                line_search(&items, &coefs, fix, &mut w, mu, 0.0, lam, m.value_scale, work);
            }
        }
        mult.mu = mu;
    }
    mult.w = w;
}

/// Minimizes the smoothed dual along one multiplier: solves
/// `rhs - sum_i a_i sigmoid((w_i - d a_i) / mu) = 0` for the step d (the left
/// side increases with d), keeping `lambda + d >= 0`, then updates w.
#[allow(clippy::too_many_arguments)]
fn line_search(
    items: &[u32],
    coefs: &[f64],
    fix: &[i8],
    w: &mut [f64],
    mu: f64,
    rhs: f64,
    lambda: &mut f64,
    value_scale: f64,
    work: &mut u64,
) {
    let mut abs_sum = 0.0;
    let mut count = 0usize;
    for (&i, &a) in items.iter().zip(coefs) {
        if fix[i as usize] == FREE {
            abs_sum += a.abs();
            count += 1;
        }
    }
    if count == 0 {
        // Only constants: the multiplier is 0 if the row holds, else capped.
        *lambda = if rhs >= 0.0 { 0.0 } else { LAMBDA_MAX };
        return;
    }
    let eval = |d: f64, work: &mut u64| -> (f64, f64) {
        *work += items.len() as u64;
        let (mut h, mut dh) = (rhs, 0.0);
        for (&i, &a) in items.iter().zip(coefs) {
            if fix[i as usize] != FREE {
                continue;
            }
            let s = sigmoid((w[i as usize] - d * a) / mu);
            h -= a * s;
            dh += a * a * s * (1.0 - s);
        }
        (h, dh / mu)
    };
    let lam_old = *lambda;
    let floor = -lam_old;
    let tol = 1e-11 * (abs_sum + rhs.abs());
    let (mut lo, mut hi) = (floor, f64::INFINITY);
    let mut lo_known = lam_old == 0.0;
    let mut step = value_scale / (abs_sum / count as f64).max(1e-300);
    let mut d = 0.0;
    for _ in 0..60 {
        let (h, dh) = eval(d, work);
        if h.abs() <= tol {
            break;
        }
        if h > 0.0 {
            hi = d;
            if d <= floor {
                break; // The optimum is lambda = 0.
            }
        } else {
            lo = d;
            lo_known = true;
            if lam_old + d >= LAMBDA_MAX {
                break;
            }
        }
        let newton = if dh > 0.0 { d - h / dh } else { f64::NAN };
        let mut next = newton;
        if !(next > lo && next < hi) {
            next = if !lo_known && h > 0.0 {
                floor // Try the boundary: lambda may drop to 0.
            } else if hi.is_finite() {
                0.5 * (lo + hi)
            } else {
                step *= 2.0;
                d + step
            };
        }
        if hi - lo <= 1e-14 * (1.0 + lam_old.abs() + d.abs()) {
            break;
        }
        if !lo_known && next <= floor {
            next = floor;
        }
        d = next;
    }
    let new = (lam_old + d).clamp(0.0, LAMBDA_MAX);
    let d = new - lam_old;
    if d != 0.0 {
        *lambda = new;
        for (&i, &a) in items.iter().zip(coefs) {
            if fix[i as usize] == FREE {
                w[i as usize] -= d * a;
            }
        }
    }
}

/// The exact Lagrangian value `D(lambda)` (rows only; arc multipliers are
/// ignored because the closure handles the arcs exactly).
pub(crate) struct Exact {
    pub value: f64,
    /// The maximizing closure over the free items (fixed items as fixed).
    pub x: Vec<bool>,
    /// Reduced costs `v_i - lambda . a_i`.
    pub w: Vec<f64>,
    /// Whether each free item sits in a precedence component with other free items.
    pub linked: Vec<bool>,
}

#[derive(Default)]
pub(crate) struct ExactWorkspace {
    closure: Closure,
    local: Vec<u32>,
    weights: Vec<f64>,
    arcs: Vec<(usize, usize)>,
    chosen: Vec<bool>,
    members: Vec<u32>,
}

pub(crate) fn exact(m: &Model, fix: &[i8], lambda: &[f64], ws: &mut ExactWorkspace, work: &mut u64) -> Exact {
    let n_rows = m.n_rows();
    let mut w = Vec::new();
    reduced_costs(m, fix, &lambda[..n_rows], false, &mut w);
    *work += m.col_row.len() as u64;
    let mut value = 0.0;
    let mut fixed_load = vec![0.0; n_rows];
    for i in (0..m.n).filter(|&i| fix[i] == 1) {
        value += m.value[i];
        for (r, a) in m.col(i) {
            fixed_load[r] += a;
        }
    }
    for k in 0..n_rows {
        if lambda[k] != 0.0 {
            value += lambda[k] * (m.b[k] - fixed_load[k]);
        }
    }
    let mut x: Vec<bool> = fix.iter().map(|&f| f == 1).collect();
    let mut linked = vec![false; m.n];
    ws.local.resize(m.n, u32::MAX);
    for comp in &m.components {
        ws.members.clear();
        ws.members.extend(comp.iter().copied().filter(|&i| fix[i as usize] == FREE));
        if ws.members.len() < 2 {
            continue;
        }
        ws.weights.clear();
        for (l, &i) in ws.members.iter().enumerate() {
            ws.local[i as usize] = l as u32;
            ws.weights.push(w[i as usize]);
            linked[i as usize] = true;
        }
        ws.arcs.clear();
        for &i in &ws.members {
            for &p in &m.preds[i as usize] {
                if fix[p as usize] == FREE {
                    ws.arcs.push((ws.local[i as usize] as usize, ws.local[p as usize] as usize));
                }
            }
        }
        value += ws.closure.solve(&ws.weights, &ws.arcs, &mut ws.chosen);
        for (l, &i) in ws.members.iter().enumerate() {
            x[i as usize] = ws.chosen[l];
            ws.local[i as usize] = u32::MAX;
        }
        *work += (ws.members.len() + ws.arcs.len()) as u64 * 4;
    }
    for i in 0..m.n {
        if fix[i] == FREE && !linked[i] && w[i] > 0.0 {
            value += w[i];
            x[i] = true;
        }
    }
    Exact { value, x, w, linked }
}

/// A stage plan: `mu` from `start` down to `end`, halving, `sweeps` each.
pub(crate) fn schedule(scale: f64, start: f64, end: f64, sweeps: usize, final_sweeps: usize) -> Vec<(f64, usize)> {
    let mut out = Vec::new();
    let mut mu = start * scale;
    while mu > end * scale {
        out.push((mu, sweeps));
        mu *= 0.5;
    }
    out.push((end * scale, final_sweeps));
    out
}
