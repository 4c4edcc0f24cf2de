//! How `solve` scales: a random project of 10,000 tasks over 200 resources
//! (each task needs one to five of them), solved with a few budgets.
//! Prints the makespan against the lower bounds and the time per schedule.
//!
//! `cargo bench -p tl-engine --bench rcpsp_scale`

use std::time::Instant;

use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use tl_engine::schedule::{Problem, SolveOptions, critical_path_lower_bound, is_feasible, resource_lower_bound, solve};

fn random_problem(n_tasks: usize, n_resources: usize, seed: u64) -> Problem {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let capacities: Vec<u32> = (0..n_resources).map(|_| rng.random_range(10..=30)).collect();
    let mut durations = Vec::with_capacity(n_tasks);
    let mut demands = Vec::with_capacity(n_tasks);
    let mut successors = vec![Vec::new(); n_tasks];
    for j in 0..n_tasks {
        durations.push(rng.random_range(1..=10));
        let mut q = vec![0u32; n_resources];
        for _ in 0..rng.random_range(1..=5) {
            let r = rng.random_range(0..n_resources);
            q[r] = rng.random_range(1..=capacities[r]);
        }
        demands.push(q);
        // One to three predecessors among the previous 200 tasks.
        if j > 0 {
            for _ in 0..rng.random_range(1..=3) {
                let i = rng.random_range(j.saturating_sub(200)..j);
                if !successors[i].contains(&j) {
                    successors[i].push(j);
                }
            }
        }
    }
    Problem { durations, demands, capacities, successors }
}

fn main() {
    let p = random_problem(10_000, 200, 1);
    let cp = critical_path_lower_bound(&p).expect("valid");
    let rb = resource_lower_bound(&p).expect("valid");
    println!("10,000 tasks x 200 resources: critical path {cp}, resource bound {rb}");
    for budget in [1, 10, 100, 500] {
        let started = Instant::now();
        let s = solve(&p, &SolveOptions { max_schedules: budget, ..Default::default() }).expect("valid");
        let ms = started.elapsed().as_secs_f64() * 1e3;
        is_feasible(&p, &s).expect("feasible");
        println!(
            "budget {budget:>4}: makespan {:>6}  {:>9.1} ms  ({:.2} ms per schedule)",
            s.makespan,
            ms,
            ms / budget as f64
        );
    }
}
