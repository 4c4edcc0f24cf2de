//! The serial schedule-generation scheme and forward-backward justification,
//! on a compact copy of a validated problem.
//!
//! Resource profiles are one array per resource, indexed by period and grown
//! on demand, so memory follows the makespan actually reached rather than the
//! worst-case horizon. A task is checked only against the resources it uses
//! (demands are stored sparsely), which keeps a decode cheap when there are
//! many resources and each task needs few of them.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::rcpsp::Problem;

/// One nonzero demand of a task.
#[derive(Clone, Copy, Debug)]
struct Demand {
    resource: u32,
    /// Capacity minus demand: a period with usage above this is full.
    limit: u32,
    quantity: u32,
}

/// A validated problem in flat arrays. Tasks are `u32` indices.
pub(crate) struct Instance {
    pub n: usize,
    pub durations: Vec<u32>,
    pred_offsets: Vec<usize>,
    preds: Vec<u32>,
    succ_offsets: Vec<usize>,
    succs: Vec<u32>,
    demand_offsets: Vec<usize>,
    demands: Vec<Demand>,
    n_resources: usize,
    /// A topological order, and each task's position in it (used to break
    /// ties so that sorting by time keeps a precedence-feasible order).
    pub topo: Vec<u32>,
    pub rank: Vec<u32>,
    /// Latest finish times from the critical path (horizon: its length).
    pub latest_finish: Vec<u32>,
    pub earliest_start: Vec<u32>,
}

impl Instance {
    /// `order` must be a topological order of `p`, which must be valid.
    pub fn new(p: &Problem, order: &[usize]) -> Instance {
        let n = p.n_tasks();
        let mut succ_lists: Vec<Vec<u32>> = p
            .successors
            .iter()
            .map(|s| {
                let mut s: Vec<u32> = s.iter().map(|&j| j as u32).collect();
                s.sort_unstable();
                s.dedup();
                s
            })
            .collect();
        let mut pred_lists: Vec<Vec<u32>> = vec![Vec::new(); n];
        for (i, s) in succ_lists.iter().enumerate() {
            for &j in s {
                pred_lists[j as usize].push(i as u32);
            }
        }
        let flatten = |lists: &mut Vec<Vec<u32>>| {
            let mut offsets = Vec::with_capacity(n + 1);
            let mut flat = Vec::new();
            offsets.push(0);
            for l in lists.iter() {
                flat.extend_from_slice(l);
                offsets.push(flat.len());
            }
            lists.clear();
            (offsets, flat)
        };
        let (succ_offsets, succs) = flatten(&mut succ_lists);
        let (pred_offsets, preds) = flatten(&mut pred_lists);
        let mut demand_offsets = Vec::with_capacity(n + 1);
        let mut demands = Vec::new();
        demand_offsets.push(0);
        for (i, q) in p.demands.iter().enumerate() {
            if p.durations[i] > 0 {
                for (r, (&q, &c)) in q.iter().zip(&p.capacities).enumerate() {
                    if q > 0 {
                        demands.push(Demand { resource: r as u32, limit: c - q, quantity: q });
                    }
                }
            }
            demand_offsets.push(demands.len());
        }
        let topo: Vec<u32> = order.iter().map(|&i| i as u32).collect();
        let mut rank = vec![0u32; n];
        for (k, &i) in topo.iter().enumerate() {
            rank[i as usize] = k as u32;
        }
        let mut inst = Instance {
            n,
            durations: p.durations.clone(),
            pred_offsets,
            preds,
            succ_offsets,
            succs,
            demand_offsets,
            demands,
            n_resources: p.n_resources(),
            topo,
            rank,
            latest_finish: Vec::new(),
            earliest_start: Vec::new(),
        };
        let mut es = vec![0u32; n];
        let mut horizon = 0;
        for &i in &inst.topo {
            let i = i as usize;
            es[i] = inst.preds(i).iter().map(|&k| es[k as usize] + inst.durations[k as usize]).max().unwrap_or(0);
            horizon = horizon.max(es[i] + inst.durations[i]);
        }
        let mut lf = vec![horizon; n];
        for &i in inst.topo.iter().rev() {
            let i = i as usize;
            lf[i] = inst.succs(i).iter().map(|&k| lf[k as usize] - inst.durations[k as usize]).min().unwrap_or(horizon);
        }
        inst.earliest_start = es;
        inst.latest_finish = lf;
        inst
    }

    pub fn preds(&self, i: usize) -> &[u32] {
        &self.preds[self.pred_offsets[i]..self.pred_offsets[i + 1]]
    }

    pub fn succs(&self, i: usize) -> &[u32] {
        &self.succs[self.succ_offsets[i]..self.succ_offsets[i + 1]]
    }

    fn demands(&self, i: usize) -> &[Demand] {
        &self.demands[self.demand_offsets[i]..self.demand_offsets[i + 1]]
    }

    /// The precedence-feasible list that always takes the eligible task with
    /// the smallest key (ties by index).
    pub fn priority_list(&self, key: impl Fn(usize) -> u64) -> Vec<u32> {
        let mut missing: Vec<u32> = (0..self.n).map(|i| self.preds(i).len() as u32).collect();
        let mut heap: BinaryHeap<Reverse<(u64, u32)>> =
            (0..self.n).filter(|&i| missing[i] == 0).map(|i| Reverse((key(i), i as u32))).collect();
        let mut list = Vec::with_capacity(self.n);
        while let Some(Reverse((_, i))) = heap.pop() {
            list.push(i);
            for &s in self.succs(i as usize) {
                missing[s as usize] -= 1;
                if missing[s as usize] == 0 {
                    heap.push(Reverse((key(s as usize), s)));
                }
            }
        }
        list
    }
}

/// Scratch space for decoding activity lists; counts the schedules it
/// generates.
pub(crate) struct Decoder<'a> {
    inst: &'a Instance,
    usage: Vec<Vec<u32>>,
    used_len: Vec<usize>,
    reversed: Vec<u32>,
    keys: Vec<u64>,
    list: Vec<u32>,
    /// Schedule-generation passes so far.
    pub n_schedules: usize,
}

impl<'a> Decoder<'a> {
    pub fn new(inst: &'a Instance) -> Decoder<'a> {
        Decoder {
            inst,
            usage: vec![Vec::new(); inst.n_resources],
            used_len: vec![0; inst.n_resources],
            reversed: vec![0; inst.n],
            keys: Vec::with_capacity(inst.n),
            list: Vec::with_capacity(inst.n),
            n_schedules: 0,
        }
    }

    fn clear_profiles(&mut self) {
        for (usage, used) in self.usage.iter_mut().zip(&mut self.used_len) {
            usage[..*used].fill(0);
            *used = 0;
        }
    }

    /// The earliest start at or after `from` at which task `j` fits the
    /// resource profiles. On a full period `p` inside the window, the next
    /// candidate is `p + 1`; scanning the window from its end finds the
    /// latest such period and so the longest jump.
    fn earliest_fit(&self, j: usize, from: u32) -> u32 {
        let d = self.inst.durations[j];
        let demands = self.inst.demands(j);
        let mut t = from;
        'candidate: loop {
            for dem in demands {
                let usage = &self.usage[dem.resource as usize];
                let end = ((t + d) as usize).min(usage.len());
                let window = usage.get(t as usize..end).unwrap_or(&[]);
                if let Some(k) = window.iter().rposition(|&u| u > dem.limit) {
                    t += k as u32 + 1;
                    continue 'candidate;
                }
            }
            return t;
        }
    }

    fn place(&mut self, j: usize, start: u32) {
        let end = (start + self.inst.durations[j]) as usize;
        for dem in self.inst.demands(j) {
            let r = dem.resource as usize;
            let usage = &mut self.usage[r];
            if usage.len() < end {
                usage.resize(end.max(2 * usage.len()), 0);
            }
            for u in &mut usage[start as usize..end] {
                *u += dem.quantity;
            }
            self.used_len[r] = self.used_len[r].max(end);
        }
    }

    /// The serial SGS: takes the tasks in list order and starts each as
    /// early as precedence and resources allow. With `backward`, schedules
    /// the reversed problem (successors act as predecessors), so `starts`
    /// are in reversed time. The list must be precedence-feasible for that
    /// direction. Returns the makespan.
    pub fn serial(&mut self, list: &[u32], backward: bool, starts: &mut [u32]) -> u32 {
        self.clear_profiles();
        self.n_schedules += 1;
        let inst = self.inst;
        let mut makespan = 0;
        for &j in list {
            let j = j as usize;
            let before = if backward { inst.succs(j) } else { inst.preds(j) };
            let est = before.iter().map(|&i| starts[i as usize] + inst.durations[i as usize]).max().unwrap_or(0);
            let start = self.earliest_fit(j, est);
            self.place(j, start);
            starts[j] = start;
            makespan = makespan.max(start + inst.durations[j]);
        }
        makespan
    }

    /// Forward-backward improvement (double justification, one pass):
    /// schedules the tasks backward in order of decreasing finish time, then
    /// forward in order of increasing start time of the backward schedule.
    /// Neither pass can lengthen the schedule. Costs two schedules; skipped
    /// when fewer remain in `budget`. Returns the new makespan; `starts` is
    /// updated.
    pub fn justify(&mut self, starts: &mut [u32], makespan: u32, budget: usize) -> u32 {
        if self.n_schedules + 2 > budget {
            return makespan;
        }
        let inst = self.inst;
        let n = inst.n as u64;
        let mut reversed = std::mem::take(&mut self.reversed);
        let mut list = std::mem::take(&mut self.list);
        // Backward: latest finish first; among equal finishes, later in
        // topological order first (zero-duration successors).
        self.keys.clear();
        self.keys.extend((0..inst.n).map(|j| {
            let finish = starts[j] + inst.durations[j];
            (u64::from(makespan - finish) << 32) | (n - 1 - u64::from(inst.rank[j]))
        }));
        self.keys.sort_unstable();
        list.clear();
        list.extend(self.keys.iter().map(|&k| inst.topo[(n - 1 - (k & 0xFFFF_FFFF)) as usize]));
        let back = self.serial(&list, true, &mut reversed);
        self.keys.clear();
        self.keys.extend((0..inst.n).map(|j| {
            let start = back - reversed[j] - inst.durations[j];
            (u64::from(start) << 32) | u64::from(inst.rank[j])
        }));
        self.keys.sort_unstable();
        list.clear();
        list.extend(self.keys.iter().map(|&k| inst.topo[(k & 0xFFFF_FFFF) as usize]));
        let forward = self.serial(&list, false, starts);
        debug_assert!(forward <= makespan);
        self.reversed = reversed;
        self.list = list;
        forward
    }

    /// The tasks sorted by start time (ties in topological order): a
    /// precedence-feasible list that the serial SGS decodes into this
    /// schedule or a better one.
    pub fn list_by_start(&mut self, starts: &[u32], out: &mut Vec<u32>) {
        let inst = self.inst;
        self.keys.clear();
        self.keys.extend((0..inst.n).map(|j| (u64::from(starts[j]) << 32) | u64::from(inst.rank[j])));
        self.keys.sort_unstable();
        out.clear();
        out.extend(self.keys.iter().map(|&k| inst.topo[(k & 0xFFFF_FFFF) as usize]));
    }
}
