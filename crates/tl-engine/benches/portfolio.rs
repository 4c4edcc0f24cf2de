//! Portfolio solver figures: for each size, the solver's value, its bound and
//! gap, the time, and the greedy baseline's value and gap to the same bound.
//! Run with `cargo bench -p tl-engine --bench portfolio`; pass sizes as
//! `ITEMSxTEAMS` arguments to choose others, and `--seeds N` for more seeds.

use std::time::Instant;

use tl_engine::portfolio::{Options, SyntheticOptions, greedy, solve, synthetic, violations};

fn main() {
    let mut sizes: Vec<(usize, usize)> = Vec::new();
    let mut seeds = 1u64;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--seeds" {
            seeds = args.next().and_then(|s| s.parse().ok()).unwrap_or(1);
        } else if let Some((i, t)) = a.split_once('x')
            && let (Ok(i), Ok(t)) = (i.parse(), t.parse())
        {
            sizes.push((i, t));
        }
    }
    if sizes.is_empty() {
        sizes = vec![(100, 10), (1_000, 50), (10_000, 200)];
    }
    let options = Options::default();
    println!(
        "{:>10} {:>4} {:>12} {:>12} {:>7} {:>9} {:>9} {:>7} {:>7} | {:>12} {:>7} {:>8}",
        "size", "seed", "value", "bound", "gap %", "time ms", "status", "nodes", "work M", "greedy", "gap %", "time ms"
    );
    for (items, teams) in sizes {
        for seed in 1..=seeds {
            let problem = synthetic(&SyntheticOptions { items, teams, seed, ..Default::default() });
            let start = Instant::now();
            let solution = solve(&problem, &options);
            let elapsed = start.elapsed();
            let start = Instant::now();
            let base = greedy(&problem, &options);
            let greedy_time = start.elapsed();
            assert!(violations(&problem, &options, &solution.selected).is_empty());
            let gap = |v: f64| 100.0 * (solution.bound - v) / solution.bound;
            let status = match &solution.status {
                tl_engine::portfolio::Status::Optimal => "optimal".to_string(),
                tl_engine::portfolio::Status::Feasible => "feasible".to_string(),
                other => format!("{other:?}"),
            };
            println!(
                "{:>10} {:>4} {:>12.2} {:>12.2} {:>7.3} {:>9.1} {:>9} {:>7} {:>7} | {:>12.2} {:>7.3} {:>8.1}",
                format!("{items}x{teams}"),
                seed,
                solution.value,
                solution.bound,
                100.0 * solution.gap,
                elapsed.as_secs_f64() * 1e3,
                status,
                solution.stats.nodes,
                solution.stats.work / 1_000_000,
                base.value,
                gap(base.value),
                greedy_time.as_secs_f64() * 1e3,
            );
        }
    }
}
