//! The search behind `solve`: an activity-list genetic algorithm in the
//! style of Hartmann (1998), with forward-backward justification applied to
//! every individual (Valls, Ballestín & Quintanilla 2005).
//!
//! An individual is a precedence-feasible activity list. It is decoded with
//! the serial SGS, justified, and replaced by the list of its justified
//! schedule sorted by start time (so good schedules pass on as lists).
//! The first population comes from priority rules (LFT, LST, MTS, GRPW, MIS,
//! EST, SPT) and from biased random sampling on latest finish times. Each
//! generation pairs the population at random; each pair gives two children
//! by two-point crossover, then adjacent-swap and shift mutation. The best
//! distinct individuals of parents and children survive. When the best
//! makespan has not improved for a while, all but the best are replaced by
//! new samples. The search stops at the lower bound or when the budget of
//! schedules is spent.

use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};

use super::rcpsp::SolveOptions;
use super::sgs::{Decoder, Instance};

struct Individual {
    list: Vec<u32>,
    makespan: u32,
    /// Hash of the start times, to keep the population distinct.
    hash: u64,
}

struct Search<'a> {
    dec: Decoder<'a>,
    budget: usize,
    starts: Vec<u32>,
    best_starts: Vec<u32>,
    best_makespan: u32,
}

impl Search<'_> {
    fn exhausted(&self) -> bool {
        self.dec.n_schedules >= self.budget
    }

    /// Decodes and justifies `list`, records a new best schedule, and
    /// returns the individual with its list sorted by start time.
    fn evaluate(&mut self, list: Vec<u32>) -> Individual {
        let mut starts = std::mem::take(&mut self.starts);
        let makespan = self.dec.serial(&list, false, &mut starts);
        let makespan = self.dec.justify(&mut starts, makespan, self.budget);
        if makespan < self.best_makespan {
            self.best_makespan = makespan;
            self.best_starts.clone_from(&starts);
        }
        let mut sorted = list;
        self.dec.list_by_start(&starts, &mut sorted);
        let hash = hash_starts(&starts);
        self.starts = starts;
        Individual { list: sorted, makespan, hash }
    }
}

fn hash_starts(starts: &[u32]) -> u64 {
    // FNV-1a over the words: stable across platforms and runs.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &s in starts {
        h ^= u64::from(s);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Runs the search; returns start times and makespan.
pub(crate) fn run(inst: &Instance, lower_bound: u32, o: &SolveOptions) -> (Vec<u32>, u32) {
    let n = inst.n;
    if n == 0 {
        return (Vec::new(), 0);
    }
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(o.seed);
    let mut s = Search {
        dec: Decoder::new(inst),
        budget: o.max_schedules.max(1),
        starts: vec![0; n],
        best_starts: Vec::new(),
        best_makespan: u32::MAX,
    };
    let pop_size = o.population.max(2);

    // Priority rules: each a key where smaller goes first.
    let lf = &inst.latest_finish;
    let dur = &inst.durations;
    let n_successors_total = transitive_successor_counts(inst);
    let far = u64::from(u32::MAX);
    let rules: Vec<Box<dyn Fn(usize) -> u64>> = vec![
        Box::new(|j| u64::from(lf[j])),
        Box::new(|j| u64::from(lf[j] - dur[j])),
        Box::new(|j| u64::MAX - n_successors_total[j]),
        Box::new(|j| far - inst.succs(j).iter().map(|&k| u64::from(dur[k as usize])).sum::<u64>() - u64::from(dur[j])),
        Box::new(|j| far - inst.succs(j).len() as u64),
        Box::new(|j| u64::from(inst.earliest_start[j])),
        Box::new(|j| u64::from(dur[j])),
    ];
    let mut population: Vec<Individual> = Vec::with_capacity(2 * pop_size);
    for rule in &rules {
        if s.exhausted() || population.len() >= pop_size {
            break;
        }
        let list = inst.priority_list(rule);
        let ind = s.evaluate(list);
        population.push(ind);
        if s.best_makespan <= lower_bound {
            return (s.best_starts, s.best_makespan);
        }
    }
    drop(rules);

    // Regret-based biased random sampling on latest finish times: among the
    // eligible tasks, task j goes next with probability proportional to its
    // regret weight. Drawing exponential keys with rate w_j and taking the
    // smallest is the same as drawing with probability w_j / sum(w)
    // (Efraimidis & Spirakis), and costs O(n log n) per list.
    let max_lf = lf.iter().copied().max().unwrap_or(0);
    let weights: Vec<f64> = lf.iter().map(|&l| f64::from(max_lf - l) + 1.0).collect();
    let sample = |rng: &mut Xoshiro256PlusPlus| {
        let keys: Vec<u64> = weights
            .iter()
            .map(|&w| {
                let u: f64 = rng.random::<f64>();
                let key = -(1.0 - u).ln() / w;
                key.to_bits()
            })
            .collect();
        inst.priority_list(|j| keys[j])
    };
    while population.len() < pop_size && !s.exhausted() {
        let list = sample(&mut rng);
        let ind = s.evaluate(list);
        population.push(ind);
        if s.best_makespan <= lower_bound {
            return (s.best_starts, s.best_makespan);
        }
    }

    let mut pos = vec![0usize; n];
    let mut taken = vec![false; n];
    let mut stale = 0usize;
    let mut order: Vec<usize> = Vec::with_capacity(pop_size);
    while !s.exhausted() && s.best_makespan > lower_bound {
        let best_before = s.best_makespan;
        let parents = population.len();
        order.clear();
        order.extend(0..parents);
        for k in (1..parents).rev() {
            order.swap(k, rng.random_range(0..=k));
        }
        let mut children: Vec<Individual> = Vec::with_capacity(parents);
        for pair in order.chunks_exact(2) {
            let q1 = rng.random_range(0..=n);
            let q2 = rng.random_range(q1..=n);
            for (m, f) in [(pair[0], pair[1]), (pair[1], pair[0])] {
                if s.exhausted() {
                    break;
                }
                let mut child = crossover(&population[m].list, &population[f].list, q1, q2, &mut taken);
                mutate(inst, &mut child, o, &mut rng, &mut pos);
                children.push(s.evaluate(child));
            }
        }
        // Children first, so that among equal makespans the newer survive
        // and the population keeps moving across plateaus.
        children.append(&mut population);
        children.sort_by_key(|ind| ind.makespan);
        let mut kept: Vec<Individual> = Vec::with_capacity(pop_size);
        let mut seen: Vec<(u32, u64)> = Vec::with_capacity(pop_size);
        let mut duplicates = Vec::new();
        for ind in children {
            if kept.len() >= pop_size {
                break;
            }
            if seen.contains(&(ind.makespan, ind.hash)) {
                duplicates.push(ind);
            } else {
                seen.push((ind.makespan, ind.hash));
                kept.push(ind);
            }
        }
        for ind in duplicates {
            if kept.len() >= pop_size {
                break;
            }
            kept.push(ind);
        }
        population = kept;

        if s.best_makespan < best_before {
            stale = 0;
        } else {
            stale += 1;
        }
        if o.restart_after > 0 && stale >= o.restart_after {
            stale = 0;
            population.truncate(1);
            while population.len() < pop_size && !s.exhausted() {
                let list = sample(&mut rng);
                population.push(s.evaluate(list));
            }
        }
    }
    (s.best_starts, s.best_makespan)
}

/// For each task, how many tasks follow it directly or indirectly (the MTS
/// rule). Exact with bitsets up to `EXACT_MTS_LIMIT` tasks; beyond that,
/// quadratic memory is too much, and the count is approximated by summing
/// over direct successors (shared descendants counted once per path,
/// saturating).
fn transitive_successor_counts(inst: &Instance) -> Vec<u64> {
    const EXACT_MTS_LIMIT: usize = 4096;
    let n = inst.n;
    let mut counts = vec![0u64; n];
    if n <= EXACT_MTS_LIMIT {
        let words = n.div_ceil(64);
        let mut reach = vec![0u64; n * words];
        for &i in inst.topo.iter().rev() {
            let i = i as usize;
            for &k in inst.succs(i) {
                let k = k as usize;
                reach[i * words + k / 64] |= 1 << (k % 64);
                for w in 0..words {
                    reach[i * words + w] |= reach[k * words + w];
                }
            }
            counts[i] = reach[i * words..(i + 1) * words].iter().map(|w| u64::from(w.count_ones())).sum();
        }
    } else {
        for &i in inst.topo.iter().rev() {
            let i = i as usize;
            counts[i] =
                inst.succs(i).iter().fold(0u64, |acc, &k| acc.saturating_add(1).saturating_add(counts[k as usize]));
        }
    }
    counts
}

/// Hartmann's two-point crossover: the child takes the mother's first `q1`
/// tasks, then the father's next tasks not yet taken up to position `q2`,
/// then the mother's remaining tasks. Keeps precedence feasibility.
fn crossover(mother: &[u32], father: &[u32], q1: usize, q2: usize, taken: &mut [bool]) -> Vec<u32> {
    let n = mother.len();
    taken.fill(false);
    let mut child = Vec::with_capacity(n);
    for &j in &mother[..q1] {
        taken[j as usize] = true;
        child.push(j);
    }
    for &j in father {
        if child.len() >= q2 {
            break;
        }
        if !taken[j as usize] {
            taken[j as usize] = true;
            child.push(j);
        }
    }
    for &j in mother {
        if !taken[j as usize] {
            taken[j as usize] = true;
            child.push(j);
        }
    }
    child
}

/// Swaps neighbours that are not precedence-related, each with probability
/// `swap_rate`; then, with probability `shift_rate`, moves one task to a
/// random position between its last predecessor and its first successor.
fn mutate(inst: &Instance, list: &mut [u32], o: &SolveOptions, rng: &mut Xoshiro256PlusPlus, pos: &mut [usize]) {
    let n = list.len();
    if o.swap_rate > 0.0 {
        for i in 0..n.saturating_sub(1) {
            if rng.random_bool(o.swap_rate.min(1.0)) {
                let (a, b) = (list[i], list[i + 1]);
                if !inst.preds(b as usize).contains(&a) {
                    list.swap(i, i + 1);
                }
            }
        }
    }
    if o.shift_rate > 0.0 && n > 1 && rng.random_bool(o.shift_rate.min(1.0)) {
        for (k, &j) in list.iter().enumerate() {
            pos[j as usize] = k;
        }
        let from = rng.random_range(0..n);
        let j = list[from] as usize;
        let lo = inst.preds(j).iter().map(|&p| pos[p as usize] + 1).max().unwrap_or(0);
        let hi = inst.succs(j).iter().map(|&q| pos[q as usize] - 1).min().unwrap_or(n - 1);
        let to = rng.random_range(lo..=hi);
        if to < from {
            list[to..=from].rotate_right(1);
        } else {
            list[from..=to].rotate_left(1);
        }
    }
}
