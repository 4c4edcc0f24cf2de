//! Timings of the Monte Carlo forecast: `cargo bench -p tl-engine --bench
//! forecast`. Prints the time of each pass, how it grows with samples and
//! plan size, and the precedence pass's operation rate against a simple
//! estimate of the machine's peak.

use std::hint::black_box;
use std::time::{Duration, Instant};

use tl_engine::forecast::synthetic::{self, SyntheticOptions};
use tl_engine::forecast::{Distribution, ForecastOptions, Network, Pass, simulate};

/// CPU time of all of this process's live threads, in nanoseconds (Linux;
/// 0 elsewhere). The machine may be shared, so CPU time is printed next to
/// wall time: CPU time / threads is what the wall time would be alone.
fn cpu_ns() -> u64 {
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else { return 0 };
    dir.filter_map(|e| std::fs::read_to_string(e.ok()?.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}

/// Wall and CPU time of one run.
#[derive(Clone, Copy, Default)]
struct Timing {
    wall: Duration,
    cpu: Duration,
}

impl std::fmt::Display for Timing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:8.1} ms wall ({:7.1} ms CPU)", ms(self.wall), ms(self.cpu))
    }
}

/// The run with the best wall time (the least disturbed by other processes)
/// among `runs`.
fn best_of<T>(runs: usize, mut f: impl FnMut() -> T) -> Timing {
    (0..runs)
        .map(|_| {
            let (t, c) = (Instant::now(), cpu_ns());
            black_box(f());
            Timing { wall: t.elapsed(), cpu: Duration::from_nanos(cpu_ns().saturating_sub(c)) }
        })
        .min_by_key(|t| t.wall)
        .unwrap_or_default()
}

fn net(tasks: usize, resources: usize) -> Network {
    synthetic::network(&SyntheticOptions { tasks, resources, ..SyntheticOptions::default() })
}

fn opts(samples: usize, distribution: Distribution, pass: Pass) -> ForecastOptions {
    ForecastOptions { samples, seed: 7, distribution, pass }
}

fn time_pass(network: &Network, o: &ForecastOptions, runs: usize) -> Timing {
    best_of(runs, || simulate(network, o).expect("valid options"))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Max/add operations per second of an in-cache loop shaped like the
/// precedence pass's inner loop, on every thread: what the machine reaches
/// with this build's vector width.
#[allow(clippy::needless_range_loop)] // lanes index three arrays in step
fn measured_peak() -> f64 {
    use rayon::prelude::*;
    const L: usize = 64;
    const ROWS: usize = 64;
    const REPS: usize = 20_000;
    let threads = rayon::current_num_threads();
    let run = || {
        (0..threads)
            .into_par_iter()
            .map(|t| {
                let mut rows = [[t as f32; L]; ROWS];
                for r in 0..REPS {
                    for i in 1..ROWS {
                        let (done, rest) = rows.split_at_mut(i);
                        let p = &done[(i * 7 + r) % i];
                        let q = &done[i - 1];
                        let row = &mut rest[0];
                        for l in 0..L {
                            row[l] = p[l].max(q[l]) + 1.0;
                        }
                    }
                    black_box(&mut rows);
                }
                rows[ROWS - 1][0]
            })
            .sum::<f32>()
    };
    let d = best_of(3, run);
    // One max and one add per element and row; per core, from CPU time, so
    // that other processes on the machine do not lower it.
    (REPS * (ROWS - 1) * L * 2) as f64 * threads as f64 / d.cpu.as_secs_f64()
}

fn cpu_mhz() -> Option<f64> {
    let info = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    info.lines().find(|l| l.starts_with("cpu MHz"))?.split(':').nth(1)?.trim().parse().ok()
}

/// `forecast probe TASKS SAMPLES REPS [resource]`: one configuration only,
/// for profiling.
fn probe(args: &[String]) {
    let arg = |i: usize, default: usize| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(default);
    let (tasks, samples, reps) = (arg(2, 1_000), arg(3, 10_000), arg(4, 20));
    let resource = args.get(5).is_some_and(|a| a == "resource");
    let distribution =
        if args.get(6).is_some_and(|a| a == "pert") { Distribution::PertBeta } else { Distribution::Triangular };
    let network = net(tasks, if resource { 20 } else { 0 });
    let pass = if resource { Pass::ResourceAware } else { Pass::Precedence };
    let o = opts(samples, distribution, pass);
    let t = Instant::now();
    for _ in 0..reps {
        black_box(simulate(&network, &o).expect("valid options"));
    }
    println!("{:.2} ms per run", ms(t.elapsed()) / reps as f64);
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).is_some_and(|a| a == "probe") {
        return probe(&args);
    }
    let threads = rayon::current_num_threads();
    println!("forecast benchmark: {threads} rayon threads, {} samples per block", tl_engine::forecast::LANES);
    println!("best of several runs; simulate() = sampling + the pass + storing every finish (4 B per task-sample);");
    println!("summarize() = P50/P85/P95, mean, due-day probability per task. ns/task-sample from CPU time.\n");

    println!("== precedence-only, triangular, ~2 links per task ==");
    let mut rate_1k = (0.0, 0.0);
    for &tasks in &[1_000usize, 10_000] {
        let network = net(tasks, 0);
        let o = opts(10_000, Distribution::Triangular, Pass::Precedence);
        let d = time_pass(&network, &o, 5);
        let ops = 10_000.0 * (network.len() + network.n_links()) as f64;
        let sim = simulate(&network, &o).expect("valid options");
        let s = best_of(3, || sim.summarize(&network, &[]).expect("valid groups"));
        println!("10,000 samples x {tasks:>6} tasks, {:>6} links: simulate {d}   summarize {s}", network.n_links());
        if tasks == 1_000 {
            rate_1k = (ops / d.wall.as_secs_f64(), ops * threads as f64 / d.cpu.as_secs_f64());
        }
    }
    let network = net(1_000, 0);
    let o = opts(10_000, Distribution::Triangular, Pass::Precedence);
    let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("thread pool");
    println!(
        "10,000 samples x   1000 tasks, 1 thread:          simulate {}",
        one.install(|| time_pass(&network, &o, 5))
    );
    let o = opts(10_000, Distribution::PertBeta, Pass::Precedence);
    println!("10,000 samples x   1000 tasks, PERT-Beta:         simulate {}", time_pass(&network, &o, 3));

    println!("\n== growth, precedence-only, triangular ==");
    for &samples in &[1_000usize, 10_000, 100_000] {
        let d = time_pass(&network, &opts(samples, Distribution::Triangular, Pass::Precedence), 3);
        let per = d.cpu.as_secs_f64() * 1e9 / (samples * 1000) as f64;
        println!("{samples:>7} samples x   1000 tasks: {d}  {per:5.2} ns/task-sample");
    }
    for &tasks in &[100usize, 1_000, 3_000, 10_000, 30_000] {
        let network = net(tasks, 0);
        let d = time_pass(&network, &opts(10_000, Distribution::Triangular, Pass::Precedence), 3);
        let per = d.cpu.as_secs_f64() * 1e9 / (tasks * 10_000) as f64;
        println!(" 10,000 samples x {tasks:>6} tasks: {d}  {per:5.2} ns/task-sample");
    }

    println!("\n== resource-aware (serial SGS per sample), ~2 links, 20 resources ==");
    let network = net(1_000, 20);
    for dist in [Distribution::Triangular, Distribution::PertBeta] {
        let o = opts(10_000, dist, Pass::ResourceAware);
        let d = time_pass(&network, &o, 3);
        let limited = simulate(&network, &o).expect("valid").summarize(&network, &[]).expect("valid");
        let free = simulate(&network, &opts(10_000, dist, Pass::Precedence)).expect("valid");
        let free = free.summarize(&network, &[]).expect("valid");
        println!(
            "10,000 samples x  1000 tasks, {dist:<10?}: {d}  (project P50 {:.0} d with resources, {:.0} d precedence only)",
            limited.project.p50, free.project.p50
        );
    }
    for &(samples, tasks) in &[(1_000usize, 1_000usize), (10_000, 300), (10_000, 3_000)] {
        let network = net(tasks, 20);
        let d = time_pass(&network, &opts(samples, Distribution::Triangular, Pass::ResourceAware), 2);
        let per = d.cpu.as_secs_f64() * 1e9 / (samples * tasks) as f64;
        println!("{samples:>6} samples x {tasks:>5} tasks, triangular: {d}  {per:5.1} ns/task-sample");
    }

    println!("\n== floor of the precedence-only pass (10,000 samples x 1,000 tasks) ==");
    let network = net(1_000, 0);
    let per_sample = network.len() + network.n_links();
    println!(
        "work: samples x (tasks + links) = 10,000 x ({} + {}) = {:.1} M max/add operations,",
        network.len(),
        network.n_links(),
        (10_000 * per_sample) as f64 / 1e6
    );
    println!("      plus per task-sample one uniform (~10 integer ops), one sqrt, one 4-byte store");
    println!(
        "achieved: {:.2} G ops/s wall, {:.2} G ops/s from CPU time ({threads} threads)",
        rate_1k.0 / 1e9,
        rate_1k.1 / 1e9
    );
    let measured = measured_peak();
    println!(
        "in-cache max+add loop of the same shape: {:.1} G ops/s on {threads} cores -> ratio {:.0}%",
        measured / 1e9,
        100.0 * rate_1k.1 / measured
    );
    if let Some(mhz) = cpu_mhz() {
        // Baseline x86-64 (SSE2) build: 4 f32 lanes; one max and one add
        // issued per cycle per core at best.
        let nominal = threads as f64 * mhz * 1e6 * 4.0 * 2.0;
        println!(
            "nominal peak: {threads} cores x {:.2} GHz x 4 lanes x 2 ops/cycle = {:.1} G ops/s -> ratio {:.0}%",
            mhz / 1e3,
            nominal / 1e9,
            100.0 * rate_1k.1 / nominal
        );
    }
    let store = 10_000.0 * 1000.0 * 4.0;
    println!(
        "memory floor: the {:.0} MB of stored finishes are first-touch page faults (kernel time) plus write bandwidth",
        store / 1e6
    );
}
