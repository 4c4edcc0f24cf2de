//! The problem compiled into linear rows `a_k . x <= b_k` plus precedence
//! arcs, with forced choices propagated along the arcs. Everything after this
//! module (bound, heuristics, search) works on this form only.
//!
//! Rows, in order: one per team (`sum_i e_it x_i <= ceiling * capacity_t`),
//! then one per active mix limit, all homogeneous (`b = 0`):
//! - category c at most u_c:  `sum_i e_i (1[c_i = c] - u_c) x_i <= 0`
//! - category c at least l_c: `sum_i e_i (l_c - 1[c_i = c]) x_i <= 0`
//! - tech debt at least f:    `sum_i e_i (f - 1[debt_i]) x_i <= 0`
//!
//! where `e_i` is the item's total effort. Multiplying a share constraint by
//! the (non-negative) chosen effort makes it linear; for the empty selection
//! every share row reads `0 <= 0`, so "no effort" never breaks the mix. The
//! debt floor is a share of chosen effort, like the mix, rather than a share
//! of capacity: a quarter that leaves capacity idle should not be forced to
//! fill it with debt work, and a share keeps the rule meaningful at any size.

use super::problem::{FEASIBILITY_TOLERANCE, MixLimit, Options, Problem, team_limit};

/// A variable's state: free, or fixed to 0 or 1.
pub(crate) const FREE: i8 = -1;

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum RowKind {
    Team(usize),
    Mix(MixLimit),
}

/// Why the forced choices alone are contradictory.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Conflict {
    /// A mandatory item (or one a mandatory item requires) is excluded or not allowed.
    Forced { item: usize, forced_by: usize },
}

pub(crate) struct Model {
    pub n: usize,
    pub n_teams: usize,
    pub value: Vec<f64>,
    pub effort: Vec<f64>,
    /// Rows `a_k . x <= b_k`; teams first, then the mix rows.
    pub kind: Vec<RowKind>,
    pub b: Vec<f64>,
    /// For mix row k: its share reads `sign * share + offset <= 0`.
    pub mix_sign: Vec<f64>,
    pub mix_offset: Vec<f64>,
    /// Column-major coefficients.
    pub col_start: Vec<usize>,
    pub col_row: Vec<u32>,
    pub col_coef: Vec<f64>,
    /// Row-major coefficients.
    pub row_start: Vec<usize>,
    pub row_item: Vec<u32>,
    pub row_coef: Vec<f64>,
    /// Precedence arcs `(b, a)`: b requires a.
    pub arcs: Vec<(u32, u32)>,
    pub preds: Vec<Vec<u32>>,
    pub succs: Vec<Vec<u32>>,
    /// Weakly connected components of the arc graph with two or more items.
    pub components: Vec<Vec<u32>>,
    /// Excluded or not allowed, as given (before propagation).
    pub forbidden: Vec<bool>,
    /// Fixings from mandatory, excluded and disallowed items, propagated.
    pub fix: Vec<i8>,
    pub conflict: Option<Conflict>,
    /// Mean positive value: the scale for tolerances and smoothing.
    pub value_scale: f64,
}

impl Model {
    pub fn build(problem: &Problem, options: &Options) -> Model {
        let n = problem.items.len();
        let n_teams = problem.teams.len();
        let value: Vec<f64> = problem.items.iter().map(|it| it.value).collect();
        let effort: Vec<f64> = problem.items.iter().map(|it| it.total_effort()).collect();

        let mut kind: Vec<RowKind> = (0..n_teams).map(RowKind::Team).collect();
        let mut b: Vec<f64> = problem.teams.iter().map(|t| team_limit(t, options)).collect();
        let (mut mix_sign, mut mix_offset) = (vec![0.0; n_teams], vec![0.0; n_teams]);
        for limit in MixLimit::all() {
            if !limit.is_active(options) {
                continue;
            }
            let bound = limit.bound(options).unwrap_or(0.0);
            kind.push(RowKind::Mix(limit));
            b.push(0.0);
            if limit.is_max() {
                mix_sign.push(1.0);
                mix_offset.push(-bound);
            } else {
                mix_sign.push(-1.0);
                mix_offset.push(bound);
            }
        }
        let n_rows = kind.len();

        // Columns: team efforts (merged per team), then the mix rows.
        let mut col_start = vec![0];
        let mut col_row = Vec::new();
        let mut col_coef = Vec::new();
        let mut per_team: Vec<(usize, f64)> = Vec::new();
        for (i, item) in problem.items.iter().enumerate() {
            per_team.clear();
            per_team.extend(item.effort.iter().copied().filter(|&(_, e)| e > 0.0));
            per_team.sort_by_key(|&(t, _)| t);
            let mut k = 0;
            while k < per_team.len() {
                let t = per_team[k].0;
                let mut e = 0.0;
                while k < per_team.len() && per_team[k].0 == t {
                    e += per_team[k].1;
                    k += 1;
                }
                col_row.push(t as u32);
                col_coef.push(e);
            }
            if effort[i] > 0.0 {
                for r in n_teams..n_rows {
                    let RowKind::Mix(limit) = kind[r] else { continue };
                    let ind = if limit.counts(item) { 1.0 } else { 0.0 };
                    let coef = effort[i] * (mix_sign[r] * ind + mix_offset[r]);
                    if coef != 0.0 {
                        col_row.push(r as u32);
                        col_coef.push(coef);
                    }
                }
            }
            col_start.push(col_row.len());
        }
        let (row_start, row_item, row_coef) = transpose(n_rows, &col_start, &col_row, &col_coef);

        // Arcs, deduplicated, without self loops.
        let mut arcs: Vec<(u32, u32)> = Vec::new();
        for (i, item) in problem.items.iter().enumerate() {
            for &r in &item.requires {
                if r != i {
                    arcs.push((i as u32, r as u32));
                }
            }
        }
        arcs.sort_unstable();
        arcs.dedup();
        let mut preds = vec![Vec::new(); n];
        let mut succs = vec![Vec::new(); n];
        for &(bi, ai) in &arcs {
            preds[bi as usize].push(ai);
            succs[ai as usize].push(bi);
        }
        let components = components(n, &arcs);

        let positive: Vec<f64> = value.iter().copied().filter(|&v| v > 0.0).collect();
        let value_scale = if positive.is_empty() { 1.0 } else { positive.iter().sum::<f64>() / positive.len() as f64 };

        let mut model = Model {
            n,
            n_teams,
            value,
            effort,
            kind,
            b,
            mix_sign,
            mix_offset,
            col_start,
            col_row,
            col_coef,
            row_start,
            row_item,
            row_coef,
            arcs,
            preds,
            succs,
            components,
            fix: vec![FREE; n],
            forbidden: problem.items.iter().map(|it| it.excluded || !it.allowed).collect(),
            conflict: None,
            value_scale,
        };

        // Forced choices: forbidden items first (they propagate to the items
        // requiring them), then mandatory ones, which conflict with a forbidden
        // prerequisite.
        let mut fix = vec![FREE; n];
        for (i, item) in problem.items.iter().enumerate() {
            if (item.excluded || !item.allowed) && fix[i] == FREE {
                model.propagate(&mut fix, i, 0);
            }
        }
        for (i, item) in problem.items.iter().enumerate() {
            if item.mandatory && model.conflict.is_none() && !model.propagate(&mut fix, i, 1) {
                let culprit = model.forbidden_prerequisite(i).unwrap_or(i);
                model.conflict = Some(Conflict::Forced { item: culprit, forced_by: i });
            }
        }
        model.fix = fix;
        model
    }

    pub fn n_rows(&self) -> usize {
        self.kind.len()
    }

    pub fn col(&self, i: usize) -> impl Iterator<Item = (usize, f64)> + '_ {
        let (s, e) = (self.col_start[i], self.col_start[i + 1]);
        self.col_row[s..e].iter().zip(&self.col_coef[s..e]).map(|(&r, &c)| (r as usize, c))
    }

    pub fn row(&self, k: usize) -> (&[u32], &[f64]) {
        let (s, e) = (self.row_start[k], self.row_start[k + 1]);
        (&self.row_item[s..e], &self.row_coef[s..e])
    }

    /// Tolerance on row k when the chosen effort is `total`.
    pub fn tol(&self, k: usize, total: f64) -> f64 {
        if k < self.n_teams {
            FEASIBILITY_TOLERANCE * self.b[k].max(1.0)
        } else {
            FEASIBILITY_TOLERANCE * total.max(1.0)
        }
    }

    /// Fixes `item` to `to` and everything that follows along the arcs
    /// (prerequisites of a chosen item, dependents of a dropped one).
    /// Returns false on a contradiction; `fix` is then partly updated.
    pub fn propagate(&self, fix: &mut [i8], item: usize, to: i8) -> bool {
        let mut stack = vec![item as u32];
        while let Some(i) = stack.pop() {
            let i = i as usize;
            if fix[i] == to {
                continue;
            }
            if fix[i] != FREE {
                return false;
            }
            fix[i] = to;
            let next = if to == 1 { &self.preds[i] } else { &self.succs[i] };
            stack.extend(next.iter().copied());
        }
        true
    }

    /// A prerequisite of `item` (itself included), direct or not, that is
    /// excluded or not allowed.
    pub fn forbidden_prerequisite(&self, item: usize) -> Option<usize> {
        let mut seen = vec![false; self.n];
        let mut stack = vec![item];
        while let Some(i) = stack.pop() {
            if std::mem::replace(&mut seen[i], true) {
                continue;
            }
            if self.forbidden[i] {
                return Some(i);
            }
            stack.extend(self.preds[i].iter().map(|&p| p as usize));
        }
        None
    }
}

fn transpose(
    n_rows: usize,
    col_start: &[usize],
    col_row: &[u32],
    col_coef: &[f64],
) -> (Vec<usize>, Vec<u32>, Vec<f64>) {
    let mut count = vec![0usize; n_rows + 1];
    for &r in col_row {
        count[r as usize + 1] += 1;
    }
    for k in 0..n_rows {
        count[k + 1] += count[k];
    }
    let row_start = count.clone();
    let mut next = count;
    let mut row_item = vec![0u32; col_row.len()];
    let mut row_coef = vec![0.0; col_row.len()];
    for i in 0..col_start.len() - 1 {
        for p in col_start[i]..col_start[i + 1] {
            let r = col_row[p] as usize;
            row_item[next[r]] = i as u32;
            row_coef[next[r]] = col_coef[p];
            next[r] += 1;
        }
    }
    (row_start, row_item, row_coef)
}

fn components(n: usize, arcs: &[(u32, u32)]) -> Vec<Vec<u32>> {
    let mut parent: Vec<u32> = (0..n as u32).collect();
    fn find(parent: &mut [u32], mut x: u32) -> u32 {
        while parent[x as usize] != x {
            let up = parent[parent[x as usize] as usize];
            parent[x as usize] = up;
            x = up;
        }
        x
    }
    for &(a, b) in arcs {
        let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
        if ra != rb {
            parent[ra.max(rb) as usize] = ra.min(rb);
        }
    }
    let mut by_root: std::collections::BTreeMap<u32, Vec<u32>> = Default::default();
    for &(a, b) in arcs {
        for x in [a, b] {
            let r = find(&mut parent, x);
            by_root.entry(r).or_default().push(x);
        }
    }
    by_root
        .into_values()
        .map(|mut v| {
            v.sort_unstable();
            v.dedup();
            v
        })
        .collect()
}
