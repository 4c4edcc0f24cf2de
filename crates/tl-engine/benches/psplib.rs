//! Solves every PSPLIB J30 instance with the default `SolveOptions` and
//! reports the deviation from the proven optima and the time per instance.
//! Runs on one thread, one instance after another. Reports wall-clock time
//! and, on Linux, the thread's CPU time (immune to other load).
//!
//! `cargo bench -p tl-engine --bench psplib`
//!
//! Environment (for experiments; the reported figures use the defaults):
//! `PSPLIB_DIR` another instance folder with an `optimum.csv`,
//! `TL_SCHEDULES` the schedule budget, `TL_SEED` the seed, `TL_POP`,
//! `TL_SWAP`, `TL_SHIFT`, `TL_RESTART` the other `SolveOptions`,
//! `TL_VERBOSE=1` one line per instance that is not solved optimally.

use std::path::PathBuf;
use std::time::Instant;

use tl_engine::schedule::{SolveOptions, is_feasible, lower_bound, psplib, solve};

fn main() {
    let dir = std::env::var_os("PSPLIB_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/psplib/j30"));
    let Ok(csv) = std::fs::read_to_string(dir.join("optimum.csv")) else {
        println!("psplib: no data at {} (see ../shared/data/README.md); nothing to do", dir.display());
        return;
    };
    let mut options = SolveOptions::default();
    if let Some(v) = std::env::var("TL_SCHEDULES").ok().and_then(|v| v.parse().ok()) {
        options.max_schedules = v;
    }
    if let Some(v) = std::env::var("TL_SEED").ok().and_then(|v| v.parse().ok()) {
        options.seed = v;
    }
    if let Some(v) = std::env::var("TL_POP").ok().and_then(|v| v.parse().ok()) {
        options.population = v;
    }
    if let Some(v) = std::env::var("TL_SWAP").ok().and_then(|v| v.parse().ok()) {
        options.swap_rate = v;
    }
    if let Some(v) = std::env::var("TL_SHIFT").ok().and_then(|v| v.parse().ok()) {
        options.shift_rate = v;
    }
    if let Some(v) = std::env::var("TL_RESTART").ok().and_then(|v| v.parse().ok()) {
        options.restart_after = v;
    }
    let verbose = std::env::var("TL_VERBOSE").is_ok_and(|v| v == "1");

    let mut deviations = Vec::new();
    let mut millis = Vec::new();
    let mut cpu_millis = Vec::new();
    let mut n_optimal = 0;
    let mut n_at_bound = 0;
    for line in csv.lines().skip(1) {
        let Some((name, optimum)) = line.split_once(',') else { continue };
        let optimum: u32 = optimum.trim().parse().expect("optimum.csv: bad optimum");
        let text = std::fs::read_to_string(dir.join(name)).expect("read instance");
        let problem = psplib::parse(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let started = Instant::now();
        let cpu_started = thread_cpu_ns();
        let schedule = solve(&problem, &options).unwrap_or_else(|e| panic!("{name}: {e}"));
        let ms = started.elapsed().as_secs_f64() * 1e3;
        if let (Some(a), Some(b)) = (cpu_started, thread_cpu_ns()) {
            cpu_millis.push((b - a) as f64 / 1e6);
        }
        is_feasible(&problem, &schedule).unwrap_or_else(|v| panic!("{name}: infeasible: {v}"));
        assert!(schedule.makespan >= optimum, "{name}: makespan {} below the optimum {optimum}", schedule.makespan);
        let lb = lower_bound(&problem).expect("valid problem");
        if lb == optimum {
            n_at_bound += 1;
        }
        let deviation = 100.0 * f64::from(schedule.makespan - optimum) / f64::from(optimum);
        if schedule.makespan == optimum {
            n_optimal += 1;
        } else if verbose {
            println!("{name}: {} vs optimum {optimum} (+{deviation:.2}%), {ms:.1} ms", schedule.makespan);
        }
        deviations.push(deviation);
        millis.push(ms);
    }
    let n = deviations.len();
    if n == 0 {
        println!("psplib: optimum.csv lists no instances");
        return;
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let max = |v: &[f64]| v.iter().copied().fold(0.0, f64::max);
    println!("instances            {n} ({})", dir.display());
    println!("budget               {} schedules, seed {}", options.max_schedules, options.seed);
    println!("optimal              {n_optimal} / {n} (optimum = simple lower bound on {n_at_bound})");
    println!("deviation from opt.  mean {:.3}%  max {:.2}%", mean(&deviations), max(&deviations));
    println!("time per instance    mean {:.2} ms  max {:.2} ms (wall clock)", mean(&millis), max(&millis));
    if cpu_millis.len() == n {
        println!(
            "cpu per instance     mean {:.2} ms  max {:.2} ms (this thread only)",
            mean(&cpu_millis),
            max(&cpu_millis)
        );
    }
}

/// CPU time of the current thread in nanoseconds, from Linux's schedstat,
/// so that the figures hold on a busy machine. `None` elsewhere.
fn thread_cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}
