//! Finding good selections: a greedy that respects capacity, the mix and
//! precedence (an item comes with its unchosen prerequisites), a repair step
//! for the mix, and a local search of add and drop-add moves.
//!
//! The mix is a ratio, so no single item can be added to an empty plan
//! without breaking it. The greedy therefore works in two phases: while the
//! plan breaks the mix it accepts additions that reduce the total violation
//! of the share rows (the empty plan counts as "all shares 0"); once the plan
//! meets the mix, it accepts only additions that keep it met. Skipped items
//! are retried in later passes, because every addition shifts the shares.

use super::model::{Model, RowKind};

/// A selection with its row loads, updated incrementally.
pub(crate) struct State<'m> {
    pub m: &'m Model,
    pub sel: Vec<bool>,
    pub load: Vec<f64>,
    pub value: f64,
    pub total: f64,
    mark: Vec<u32>,
    epoch: u32,
    stack: Vec<u32>,
}

impl<'m> State<'m> {
    /// The fixed-to-1 items alone.
    pub fn new(m: &'m Model, fix: &[i8]) -> Self {
        let sel: Vec<bool> = fix.iter().map(|&f| f == 1).collect();
        Self::from_selection(m, &sel)
    }

    pub fn from_selection(m: &'m Model, sel: &[bool]) -> Self {
        let mut st = State {
            m,
            sel: sel.to_vec(),
            load: vec![0.0; m.n_rows()],
            value: 0.0,
            total: 0.0,
            mark: vec![0; m.n],
            epoch: 0,
            stack: Vec::new(),
        };
        st.recompute();
        st
    }

    /// Recomputes loads from scratch, clearing rounding drift.
    pub fn recompute(&mut self) {
        self.load.iter_mut().for_each(|l| *l = 0.0);
        self.value = 0.0;
        self.total = 0.0;
        for i in 0..self.m.n {
            if self.sel[i] {
                self.value += self.m.value[i];
                self.total += self.m.effort[i];
                for (r, a) in self.m.col(i) {
                    self.load[r] += a;
                }
            }
        }
    }

    pub fn add(&mut self, i: usize) {
        debug_assert!(!self.sel[i]);
        self.sel[i] = true;
        self.value += self.m.value[i];
        self.total += self.m.effort[i];
        for (r, a) in self.m.col(i) {
            self.load[r] += a;
        }
    }

    pub fn remove(&mut self, i: usize) {
        debug_assert!(self.sel[i]);
        self.sel[i] = false;
        self.value -= self.m.value[i];
        self.total -= self.m.effort[i];
        for (r, a) in self.m.col(i) {
            self.load[r] -= a;
        }
    }

    pub fn team_ok(&self, t: usize) -> bool {
        self.load[t] <= self.m.b[t] + self.m.tol(t, self.total)
    }

    /// Whether the teams item i uses are within their limits.
    pub fn teams_ok_for(&self, i: usize) -> bool {
        self.m.col(i).take_while(|&(r, _)| r < self.m.n_teams).all(|(r, _)| self.team_ok(r))
    }

    pub fn mix_ok(&self) -> bool {
        (self.m.n_teams..self.m.n_rows()).all(|k| self.load[k] <= self.m.tol(k, self.total))
    }

    pub fn feasible(&self) -> bool {
        (0..self.m.n_teams).all(|t| self.team_ok(t)) && self.mix_ok()
    }

    /// Total excess of the share rows, as shares; the empty plan reads as all
    /// shares 0.
    pub fn violation(&self) -> f64 {
        let m = self.m;
        if self.total <= 0.0 {
            return (m.n_teams..m.n_rows()).map(|k| m.mix_offset[k].max(0.0)).sum();
        }
        (m.n_teams..m.n_rows()).map(|k| (self.load[k] / self.total).max(0.0)).sum()
    }

    fn next_epoch(&mut self) -> u32 {
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            self.mark.iter_mut().for_each(|x| *x = 0);
            self.epoch = 1;
        }
        self.epoch
    }

    /// Item i with its unchosen prerequisites, transitively. False if one of
    /// them is fixed to 0.
    pub fn up_group(&mut self, i: usize, fix: &[i8], out: &mut Vec<u32>) -> bool {
        out.clear();
        let ep = self.next_epoch();
        self.stack.clear();
        self.stack.push(i as u32);
        while let Some(x) = self.stack.pop() {
            let xu = x as usize;
            if self.mark[xu] == ep || self.sel[xu] {
                continue;
            }
            if fix[xu] == 0 {
                return false;
            }
            self.mark[xu] = ep;
            out.push(x);
            self.stack.extend(self.m.preds[xu].iter().copied());
        }
        true
    }

    /// Item j with its chosen dependents, transitively. False if one of them
    /// is fixed to 1.
    pub fn down_group(&mut self, j: usize, fix: &[i8], out: &mut Vec<u32>) -> bool {
        out.clear();
        let ep = self.next_epoch();
        self.stack.clear();
        self.stack.push(j as u32);
        while let Some(x) = self.stack.pop() {
            let xu = x as usize;
            if self.mark[xu] == ep || !self.sel[xu] {
                continue;
            }
            if fix[xu] == 1 {
                return false;
            }
            self.mark[xu] = ep;
            out.push(x);
            self.stack.extend(self.m.succs[xu].iter().copied());
        }
        true
    }

    /// Adds a group if the teams it touches stay within limits and the mix
    /// stays met, or, while the mix is broken, gets less broken.
    pub fn try_add(&mut self, group: &[u32]) -> bool {
        let was_ok = self.total > 0.0 && self.mix_ok();
        let before = if was_ok { 0.0 } else { self.violation() };
        for &g in group {
            self.add(g as usize);
        }
        let teams_ok = group.iter().all(|&g| self.teams_ok_for(g as usize));
        let ok = teams_ok && (self.mix_ok() || (!was_ok && self.violation() < before - 1e-12));
        if !ok {
            for &g in group.iter().rev() {
                self.remove(g as usize);
            }
        }
        ok
    }
}

/// The greedy: passes over `order` until nothing more can be added, then a
/// repair of the mix if needed. Returns whether the result is feasible.
pub(crate) fn greedy(st: &mut State, fix: &[i8], order: &[u32]) -> bool {
    let mut group = Vec::new();
    fill(st, fix, order, &mut group);
    if !st.mix_ok() {
        repair(st, fix);
        fill(st, fix, order, &mut group);
    }
    st.recompute();
    st.feasible()
}

fn fill(st: &mut State, fix: &[i8], order: &[u32], group: &mut Vec<u32>) {
    let mut second = Vec::new();
    for _pass in 0..50 {
        let mut added = false;
        for &i in order {
            let i = i as usize;
            if st.sel[i] || fix[i] == 0 {
                continue;
            }
            if st.up_group(i, fix, group) && st.try_add(group) {
                added = true;
            }
        }
        // Stuck on the mix (a small plan sits on a share limit and every
        // single addition breaks it): try an item together with the first
        // item that balances it.
        if !added && st.mix_ok() {
            added = add_pair(st, fix, order, group, &mut second);
        }
        if !added {
            break;
        }
    }
}

/// Adds the first item (in order) that fits the teams but breaks the mix,
/// together with the first later item that restores it. At most
/// `PAIR_TRIES` first items are tried.
fn add_pair(st: &mut State, fix: &[i8], order: &[u32], group: &mut Vec<u32>, second: &mut Vec<u32>) -> bool {
    const PAIR_TRIES: usize = 20;
    let mut tries = 0;
    for &i in order {
        let i = i as usize;
        if st.sel[i] || fix[i] == 0 || !st.up_group(i, fix, group) {
            continue;
        }
        group.iter().for_each(|&g| st.add(g as usize));
        let fits = group.iter().all(|&g| st.teams_ok_for(g as usize));
        if fits {
            tries += 1;
            for &j in order {
                let j = j as usize;
                if st.sel[j] || fix[j] == 0 || !st.up_group(j, fix, second) {
                    continue;
                }
                second.iter().for_each(|&g| st.add(g as usize));
                if second.iter().all(|&g| st.teams_ok_for(g as usize)) && st.mix_ok() {
                    return true;
                }
                second.iter().rev().for_each(|&g| st.remove(g as usize));
            }
        }
        group.iter().rev().for_each(|&g| st.remove(g as usize));
        if tries >= PAIR_TRIES {
            break;
        }
    }
    false
}

/// Drops items, best violation reduction per value lost first, until the mix
/// is met or nothing helps.
fn repair(st: &mut State, fix: &[i8]) {
    let mut group = Vec::new();
    let scale = st.m.value_scale;
    while st.total > 0.0 && !st.mix_ok() {
        let v0 = st.violation();
        let mut best: Option<(f64, usize)> = None;
        for j in 0..st.m.n {
            if !st.sel[j] || fix[j] == 1 || !st.down_group(j, fix, &mut group) {
                continue;
            }
            let lost: f64 = group.iter().map(|&g| st.m.value[g as usize]).sum();
            group.iter().for_each(|&g| st.remove(g as usize));
            let v1 = if st.total > 0.0 { st.violation() } else { 0.0 };
            group.iter().rev().for_each(|&g| st.add(g as usize));
            if v1 < v0 - 1e-12 {
                let score = (v0 - v1) / (lost + 1e-9 * scale);
                if best.is_none_or(|(s, _)| score > s) {
                    best = Some((score, j));
                }
            }
        }
        let Some((_, j)) = best else { break };
        st.down_group(j, fix, &mut group);
        group.iter().for_each(|&g| st.remove(g as usize));
    }
}

/// Static orders for the local search.
pub(crate) struct Neighbourhood {
    /// Per team: items by value per effort on that team, cheapest first.
    drop_order: Vec<Vec<u32>>,
    /// Per team: items by priority.
    fill_order: Vec<Vec<u32>>,
    /// Per share row: items whose removal lowers the row, cheapest first.
    mix_drop_order: Vec<Vec<u32>>,
}

impl Neighbourhood {
    pub fn new(m: &Model, order: &[u32]) -> Self {
        let mut rank = vec![u32::MAX; m.n];
        for (p, &i) in order.iter().enumerate() {
            rank[i as usize] = p as u32;
        }
        let mut drop_order = Vec::with_capacity(m.n_teams);
        let mut fill_order = Vec::with_capacity(m.n_teams);
        let mut mix_drop_order = Vec::new();
        for k in 0..m.n_rows() {
            let (items, coefs) = m.row(k);
            let mut by_cost: Vec<(f64, u32)> = items
                .iter()
                .zip(coefs)
                .filter(|&(_, &a)| a > 0.0)
                .map(|(&i, &a)| (m.value[i as usize] / a, i))
                .collect();
            by_cost.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)));
            let cheap: Vec<u32> = by_cost.into_iter().map(|(_, i)| i).collect();
            match m.kind[k] {
                RowKind::Team(_) => {
                    drop_order.push(cheap);
                    let mut by_rank: Vec<u32> = items.to_vec();
                    by_rank.sort_by_key(|&i| rank[i as usize]);
                    fill_order.push(by_rank);
                }
                RowKind::Mix(_) => mix_drop_order.push(cheap),
            }
        }
        Neighbourhood { drop_order, fill_order, mix_drop_order }
    }
}

/// Local search: fill, then for each unchosen item (in priority order) try
/// "add it with its prerequisites, drop the cheapest chosen items to make
/// room on each overloaded team and to restore the mix, refill the freed
/// room"; keep the move if the value rises. Repeats while anything improves
/// or until `max_passes`.
pub(crate) fn local_search(
    st: &mut State,
    fix: &[i8],
    order: &[u32],
    nb: &Neighbourhood,
    max_passes: usize,
    work: &mut u64,
) {
    let m = st.m;
    let mut group = Vec::new();
    let mut drop = Vec::new();
    let mut log: Vec<(u32, bool)> = Vec::new();
    let mut short: Vec<usize> = Vec::new();
    let eps = 1e-9 * m.value_scale;
    for _pass in 0..max_passes {
        fill(st, fix, order, &mut group);
        let mut improved = false;
        for &cand in order {
            let c = cand as usize;
            if st.sel[c] || fix[c] == 0 || !st.up_group(c, fix, &mut group) {
                continue;
            }
            let gain: f64 = group.iter().map(|&g| m.value[g as usize]).sum();
            if gain <= eps {
                continue;
            }
            let before = st.value;
            log.clear();
            for &g in &group {
                st.add(g as usize);
                log.push((g, true));
            }
            let in_group = group.clone();
            *work += 8 * in_group.len() as u64;
            short.clear();
            for &g in &in_group {
                for (r, _) in m.col(g as usize) {
                    if r < m.n_teams && !st.team_ok(r) && !short.contains(&r) {
                        short.push(r);
                    }
                }
            }
            let mut failed = false;
            // Make room on each short team, cheapest value per week first.
            'teams: for &t in &short {
                for &j in &nb.drop_order[t] {
                    if st.team_ok(t) {
                        continue 'teams;
                    }
                    *work += 1;
                    let j = j as usize;
                    if !st.sel[j] || fix[j] == 1 || in_group.contains(&(j as u32)) {
                        continue;
                    }
                    if !st.down_group(j, fix, &mut drop) || drop.iter().any(|d| in_group.contains(d)) {
                        continue;
                    }
                    for &d in &drop {
                        st.remove(d as usize);
                        log.push((d, false));
                    }
                    if st.value < before - 0.5 * gain {
                        // Lost far more than the candidate brings; a refill
                        // rarely wins that back.
                        failed = true;
                        break 'teams;
                    }
                }
                if !st.team_ok(t) {
                    failed = true;
                    break;
                }
            }
            // Restore the mix by dropping from the most broken share row.
            let mut guard = 0;
            while !failed && !st.mix_ok() && guard < 50 {
                guard += 1;
                let worst = (m.n_teams..m.n_rows())
                    .max_by(|&a, &b| st.load[a].total_cmp(&st.load[b]))
                    .expect("a broken mix has a share row");
                let list = &nb.mix_drop_order[worst - m.n_teams];
                let mut dropped = false;
                for &j in list {
                    *work += 1;
                    let j = j as usize;
                    if !st.sel[j] || fix[j] == 1 || in_group.contains(&(j as u32)) {
                        continue;
                    }
                    if !st.down_group(j, fix, &mut drop) || drop.iter().any(|d| in_group.contains(d)) {
                        continue;
                    }
                    for &d in &drop {
                        st.remove(d as usize);
                        log.push((d, false));
                    }
                    dropped = true;
                    break;
                }
                if !dropped {
                    failed = true;
                }
            }
            if !failed {
                // Refill the teams that gave room, in priority order.
                for &t in short.iter() {
                    refill_team(st, fix, &nb.fill_order[t], &mut group, &mut log, work);
                }
                for &(d, added) in log.clone().iter() {
                    if !added {
                        for (r, _) in m.col(d as usize) {
                            if r < m.n_teams && !short.contains(&r) {
                                refill_team(st, fix, &nb.fill_order[r], &mut group, &mut log, work);
                            }
                        }
                    }
                }
            }
            if !failed && st.value > before + eps && st.feasible() {
                improved = true;
            } else {
                for &(x, added) in log.iter().rev() {
                    if added {
                        st.remove(x as usize);
                    } else {
                        st.add(x as usize);
                    }
                }
            }
        }
        st.recompute();
        if !improved {
            break;
        }
    }
}

fn refill_team(
    st: &mut State,
    fix: &[i8],
    items: &[u32],
    group: &mut Vec<u32>,
    log: &mut Vec<(u32, bool)>,
    work: &mut u64,
) {
    for &i in items {
        *work += 1;
        let i = i as usize;
        if st.sel[i] || fix[i] == 0 {
            continue;
        }
        if st.up_group(i, fix, group) && st.try_add(group) {
            log.extend(group.iter().map(|&g| (g, true)));
        }
    }
}

/// Iterated local search: each round picks a full team at random, drops
/// each of its optional items with probability `drop_p`, refills and runs a
/// local search restricted to the teams touched; the round is kept only if
/// the plan stays feasible and loses no value. Seeded, so replayable.
#[allow(clippy::too_many_arguments)]
pub(crate) fn perturb_search(
    st: &mut State,
    fix: &[i8],
    priority: &[f64],
    nb: &Neighbourhood,
    rounds: usize,
    seed: u64,
    work: &mut u64,
) {
    use rand::rngs::StdRng;
    use rand::{RngExt, SeedableRng};
    let m = st.m;
    if m.n_teams == 0 {
        return;
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let mut drop = Vec::new();
    let mut touched: Vec<usize> = Vec::new();
    let mut cands: Vec<u32> = Vec::new();
    let mut in_cands = vec![false; m.n];
    let eps = 1e-9 * m.value_scale;
    for _ in 0..rounds {
        let full: Vec<usize> = (0..m.n_teams).filter(|&t| m.b[t] - st.load[t] < 0.1 * m.b[t]).collect();
        let t = if full.is_empty() { rng.random_range(0..m.n_teams) } else { full[rng.random_range(0..full.len())] };
        let before_sel = st.sel.clone();
        let before = st.value;
        touched.clear();
        touched.push(t);
        let drop_p = rng.random_range(0.2..0.6);
        for &j in &nb.fill_order[t] {
            let j = j as usize;
            if !st.sel[j] || fix[j] == 1 || !rng.random_bool(drop_p) {
                continue;
            }
            if st.down_group(j, fix, &mut drop) {
                for &d in &drop {
                    st.remove(d as usize);
                    for (r, _) in m.col(d as usize) {
                        if r < m.n_teams && !touched.contains(&r) {
                            touched.push(r);
                        }
                    }
                }
            }
        }
        // Candidates: every item on a touched team, by noisy priority.
        cands.clear();
        for &r in &touched {
            for &i in &nb.fill_order[r] {
                if !in_cands[i as usize] {
                    in_cands[i as usize] = true;
                    cands.push(i);
                }
            }
        }
        let noise = m.value_scale * 0.3;
        let mut keyed: Vec<(f64, u32)> =
            cands.iter().map(|&i| (priority[i as usize] + noise * rng.random_range(-1.0..1.0), i)).collect();
        keyed.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        cands.clear();
        cands.extend(keyed.iter().map(|&(_, i)| i));
        cands.iter().for_each(|&i| in_cands[i as usize] = false);
        *work += cands.len() as u64;
        local_search(st, fix, &cands, nb, 3, work);
        if !st.feasible() || st.value < before - eps {
            *st = State::from_selection(m, &before_sel);
        }
    }
    st.recompute();
}
