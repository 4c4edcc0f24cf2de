//! The precedence-only pass: per block of [`LANES`] samples, a forward pass
//! over the tasks in topological order on `finish[task][lane]` arrays,
//! remembering per task and lane which predecessor finished last, then a walk
//! back along those from the project's last task in each sample to count how
//! often each task is critical.

// Lane loops index several arrays in step; plain indices read best there.
#![allow(clippy::needless_range_loop)]

use rayon::prelude::*;

use super::network::{NONE, Network};
use super::sample::BlockRng;
use super::stats::Simulation;
use super::{ForecastOptions, LANES, Pass};

pub(crate) fn run(network: &Network, options: &ForecastOptions) -> Simulation {
    let n = network.len();
    let n_blocks = options.samples.div_ceil(LANES);
    let mut finishes = vec![0.0f32; n_blocks * n * LANES];
    let samplers = network.samplers(options.distribution);
    let critical = if n == 0 {
        Vec::new()
    } else {
        finishes
            .par_chunks_mut(n * LANES)
            .enumerate()
            .fold(
                || (vec![0u32; n], vec![[NONE; LANES]; n]),
                |(mut critical, mut driver), (block, out)| {
                    let (rows, _) = out.as_chunks_mut::<LANES>();
                    let mut rng = BlockRng::new(options.seed, block);
                    forward(network, &samplers, &mut rng, rows, &mut driver);
                    let valid = (options.samples - block * LANES).min(LANES);
                    walk_back(rows, &driver, valid, &mut critical);
                    (critical, driver)
                },
            )
            .map(|(critical, _)| critical)
            .reduce(|| vec![0u32; n], add_counts)
    };
    Simulation::new(n, options.samples, Pass::Precedence, finishes, Some(critical))
}

fn add_counts(mut a: Vec<u32>, b: Vec<u32>) -> Vec<u32> {
    for (x, y) in a.iter_mut().zip(&b) {
        *x += y;
    }
    a
}

/// Samples every task's duration and computes its finish per lane:
/// `finish = max(0, finish of each predecessor) + lag + duration`.
#[inline(never)]
fn forward(
    network: &Network,
    samplers: &[super::sample::Sampler],
    rng: &mut BlockRng,
    rows: &mut [[f32; LANES]],
    driver: &mut [[u32; LANES]],
) {
    let mut duration = [0.0f32; LANES];
    for &task in &network.topo {
        let task = task as usize;
        samplers[task].fill(rng, &mut duration);
        let mut start = [0.0f32; LANES];
        let mut last = [NONE; LANES];
        for &p in network.preds_of(task) {
            let finish_p = &rows[p as usize];
            // Selects by mask rather than `if`, which the compiler would
            // turn into conditional stores that SSE2 cannot vectorize.
            for l in 0..LANES {
                let mask = u32::from(finish_p[l] > start[l]).wrapping_neg();
                last[l] = (last[l] & !mask) | (p & mask);
                start[l] = start[l].max(finish_p[l]);
            }
        }
        let lag = network.lag[task];
        let row = &mut rows[task];
        for l in 0..LANES {
            row[l] = start[l] + lag + duration[l];
        }
        driver[task] = last;
    }
}

/// Counts, for each of the first `valid` lanes, the tasks on the chain of
/// last-finishing predecessors that ends at the project's last task (the
/// lowest index among ties).
fn walk_back(rows: &[[f32; LANES]], driver: &[[u32; LANES]], valid: usize, critical: &mut [u32]) {
    let mut best = [f32::NEG_INFINITY; LANES];
    let mut end = [0u32; LANES];
    for (task, row) in rows.iter().enumerate() {
        for l in 0..LANES {
            let mask = u32::from(row[l] > best[l]).wrapping_neg();
            end[l] = (end[l] & !mask) | (task as u32 & mask);
            best[l] = best[l].max(row[l]);
        }
    }
    for (l, &last) in end.iter().enumerate().take(valid) {
        let mut task = last;
        while task != NONE {
            critical[task as usize] += 1;
            task = driver[task as usize][l];
        }
    }
}
