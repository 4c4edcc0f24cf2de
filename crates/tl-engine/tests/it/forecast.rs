//! The Monte Carlo forecast against independent, obvious implementations:
//! its quantiles are calibrated against outcomes drawn with `rand_distr` and
//! scheduled by a naive critical-path pass or a day-by-day serial scheduler;
//! its results do not depend on the thread count; its resource schedules
//! never break precedence or capacity.

use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rand_distr::Distribution as _;
use tl_engine::forecast::synthetic::{self, SyntheticOptions};
use tl_engine::forecast::{
    Demand, Distribution, Estimate, ForecastError, ForecastOptions, Group, Network, Pass, Task, check_schedule,
    forecast, resource_schedule, simulate,
};

fn est(a: f64, m: f64, b: f64) -> Estimate {
    Estimate::new(a, m, b).expect("ordered estimate")
}

fn opts(samples: usize, seed: u64, distribution: Distribution, pass: Pass) -> ForecastOptions {
    ForecastOptions { samples, seed, distribution, pass }
}

/// One duration drawn by `rand_distr`, independently of the engine's
/// samplers.
fn draw(e: &Estimate, distribution: Distribution, rng: &mut StdRng) -> f64 {
    let (a, m, b) = (e.optimistic(), e.likely(), e.pessimistic());
    if b <= a {
        return a;
    }
    match distribution {
        Distribution::Triangular => rand_distr::Triangular::new(a, b, m).expect("valid").sample(rng),
        Distribution::PertBeta => {
            let alpha = 1.0 + 4.0 * (m - a) / (b - a);
            let beta = 1.0 + 4.0 * (b - m) / (b - a);
            a + (b - a) * rand_distr::Beta::new(alpha, beta).expect("valid").sample(rng)
        }
    }
}

/// Finish of every task along precedence, by recursion over predecessors.
fn naive_finishes(network: &Network, durations: &[f64]) -> Vec<f64> {
    fn finish(network: &Network, durations: &[f64], memo: &mut Vec<Option<f64>>, t: usize) -> f64 {
        if let Some(f) = memo[t] {
            return f;
        }
        let task = &network.tasks()[t];
        let start = task.predecessors.iter().map(|&p| finish(network, durations, memo, p)).fold(0.0, f64::max);
        let f = start + task.lag + durations[t];
        memo[t] = Some(f);
        f
    }
    let mut memo = vec![None; network.len()];
    (0..network.len()).map(|t| finish(network, durations, &mut memo, t)).collect()
}

/// Serial scheduling the slow way: try every day from the earliest until the
/// whole duration fits every resource.
fn naive_sgs(network: &Network, order: &[usize], durations: &[u32]) -> Vec<u32> {
    let mut usage: Vec<Vec<u32>> = vec![Vec::new(); network.capacities().len()];
    let mut finish = vec![0u32; network.len()];
    for &t in order {
        let task = &network.tasks()[t];
        let d = durations[t];
        let mut start = task.predecessors.iter().map(|&p| finish[p]).max().unwrap_or(0) + task.lag.ceil() as u32;
        let fits = |start: u32, usage: &Vec<Vec<u32>>| {
            task.demands.iter().all(|dem| {
                (start..start + d).all(|day| {
                    usage[dem.resource].get(day as usize).copied().unwrap_or(0) + dem.units
                        <= network.capacities()[dem.resource]
                })
            })
        };
        while !fits(start, &usage) {
            start += 1;
        }
        for dem in &task.demands {
            let profile = &mut usage[dem.resource];
            if profile.len() < (start + d) as usize {
                profile.resize((start + d) as usize, 0);
            }
            for day in start..start + d {
                profile[day as usize] += dem.units;
            }
        }
        finish[t] = start + d;
    }
    finish
}

/// The fractions of outcomes at most `bound` and strictly below it (equal
/// for continuous outcomes; whole-day outcomes have atoms).
fn hit_rates(outcomes: &[f64], bound: f64) -> (f64, f64) {
    let n = outcomes.len() as f64;
    let at_most = outcomes.iter().filter(|&&x| x <= bound).count() as f64 / n;
    let below = outcomes.iter().filter(|&&x| x < bound).count() as f64 / n;
    (at_most, below)
}

fn small_network(tasks: usize, resources: usize, seed: u64) -> Network {
    synthetic::network(&SyntheticOptions { tasks, links_per_task: 2.0, window: 10, resources, seed })
}

/// Draws `n` independent actual outcomes of the project and of `group`.
fn actual_outcomes(
    network: &Network,
    distribution: Distribution,
    pass: Pass,
    group: &[usize],
    n: usize,
    seed: u64,
) -> (Vec<f64>, Vec<f64>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let order = network.priority_order(distribution);
    let (mut project, mut grouped) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for _ in 0..n {
        let durations: Vec<f64> = network.tasks().iter().map(|t| draw(&t.estimate, distribution, &mut rng)).collect();
        let finishes: Vec<f64> = match pass {
            Pass::Precedence => naive_finishes(network, &durations),
            Pass::ResourceAware => {
                let days: Vec<u32> = durations.iter().map(|d| d.ceil() as u32).collect();
                naive_sgs(network, &order, &days).into_iter().map(f64::from).collect()
            }
        };
        project.push(finishes.iter().copied().fold(0.0, f64::max));
        grouped.push(group.iter().map(|&t| finishes[t]).fold(0.0, f64::max));
    }
    (project, grouped)
}

fn check_calibration(network: &Network, distribution: Distribution, pass: Pass, samples: usize, actuals: usize) {
    let group: Vec<usize> = (0..network.len()).step_by(7).collect();
    let groups = [Group { name: "every seventh".into(), tasks: group.clone(), due: None }];
    let f = forecast(network, &opts(samples, 11, distribution, pass), &groups).expect("valid");
    let (project, grouped) = actual_outcomes(network, distribution, pass, &group, actuals, 99);
    let rates = [
        ("project P50", hit_rates(&project, f.project.p50), 0.50),
        ("project P85", hit_rates(&project, f.project.p85), 0.85),
        ("project P95", hit_rates(&project, f.project.p95), 0.95),
        ("group P50", hit_rates(&grouped, f.groups[0].p50), 0.50),
        ("group P85", hit_rates(&grouped, f.groups[0].p85), 0.85),
    ];
    for (what, (at_most, below), target) in rates {
        eprintln!(
            "{distribution:?} {pass:?} {what}: met by {at_most:.4} of actuals, {below:.4} strictly (target {target})"
        );
        // The forecast quantile must be a quantile of the actual outcomes,
        // within 2 points: P(actual < q) <= target <= P(actual <= q).
        assert!(
            below - 0.02 <= target && target <= at_most + 0.02,
            "{distribution:?} {pass:?} {what}: met by {at_most} ({below} strictly), target {target}"
        );
    }
}

#[test]
fn precedence_quantiles_are_calibrated() {
    let network = small_network(60, 0, 3);
    check_calibration(&network, Distribution::Triangular, Pass::Precedence, 20_000, 20_000);
    check_calibration(&network, Distribution::PertBeta, Pass::Precedence, 20_000, 20_000);
}

#[test]
fn resource_aware_quantiles_are_calibrated() {
    let network = small_network(40, 4, 5);
    check_calibration(&network, Distribution::PertBeta, Pass::ResourceAware, 10_000, 10_000);
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let network = small_network(300, 6, 8);
    for pass in [Pass::Precedence, Pass::ResourceAware] {
        for distribution in [Distribution::Triangular, Distribution::PertBeta] {
            // Not a multiple of the block size, so the last block is partial.
            let o = opts(1_000, 42, distribution, pass);
            let run = |threads: usize| {
                let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("pool");
                pool.install(|| {
                    let sim = simulate(&network, &o).expect("valid");
                    let summary = sim.summarize(&network, &[]).expect("valid");
                    (sim, summary)
                })
            };
            let (one, four) = (run(1), run(4));
            assert!(one == four, "{pass:?} {distribution:?}: 1 and 4 threads differ");
            let other_seed = simulate(&network, &ForecastOptions { seed: 43, ..o }).expect("valid");
            assert!(other_seed != one.0, "another seed gives other samples");
        }
    }
}

#[test]
fn the_first_samples_do_not_depend_on_the_sample_count() {
    let network = small_network(50, 0, 2);
    let short = simulate(&network, &opts(100, 5, Distribution::PertBeta, Pass::Precedence)).expect("valid");
    let long = simulate(&network, &opts(1_000, 5, Distribution::PertBeta, Pass::Precedence)).expect("valid");
    for task in 0..network.len() {
        assert_eq!(short.task_finishes(task)[..], long.task_finishes(task)[..100]);
    }
}

#[test]
fn resource_limits_only_delay() {
    let network = small_network(80, 3, 4);
    for distribution in [Distribution::Triangular, Distribution::PertBeta] {
        let free = simulate(&network, &opts(500, 9, distribution, Pass::Precedence)).expect("valid");
        let limited = simulate(&network, &opts(500, 9, distribution, Pass::ResourceAware)).expect("valid");
        for task in 0..network.len() {
            for s in 0..500 {
                assert!(limited.finish(task, s) >= free.finish(task, s) - 1e-3);
            }
        }
    }
}

#[test]
fn sampled_durations_have_the_stated_mean_and_spread() {
    let e = est(2.0, 3.0, 10.0);
    for distribution in [Distribution::Triangular, Distribution::PertBeta] {
        let network = Network::new(vec![Task::new(e)], vec![]).expect("valid");
        let values =
            simulate(&network, &opts(200_000, 1, distribution, Pass::Precedence)).expect("valid").task_finishes(0);
        let n = values.len() as f64;
        let mean = values.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
        let var = values.iter().map(|&v| (f64::from(v) - mean).powi(2)).sum::<f64>() / n;
        let (a, m, b) = (2.0f64, 3.0, 10.0);
        let expected_var = match distribution {
            Distribution::Triangular => (a * a + m * m + b * b - a * m - a * b - m * b) / 18.0,
            Distribution::PertBeta => {
                let (al, be) = e.pert_shape().expect("not degenerate");
                al * be / ((al + be).powi(2) * (al + be + 1.0)) * (b - a).powi(2)
            }
        };
        assert!((mean - e.mean(distribution)).abs() < 0.02, "{distribution:?}: mean {mean}");
        assert!((var / expected_var - 1.0).abs() < 0.02, "{distribution:?}: variance {var} vs {expected_var}");
        assert!(values.iter().all(|&v| (2.0..=10.0).contains(&v)));
    }
}

#[test]
fn fixed_durations_give_the_critical_path_exactly() {
    // 0 -> 1 -> 3 and 0 -> 2 -> 3, with 2 the longer branch and a lag on 3.
    let mut tasks = vec![
        Task::new(Estimate::fixed(2.0).expect("valid")),
        Task::new(Estimate::fixed(3.0).expect("valid")),
        Task::new(Estimate::fixed(5.0).expect("valid")),
        Task::new(Estimate::fixed(1.0).expect("valid")),
    ];
    tasks[1].predecessors = vec![0];
    tasks[2].predecessors = vec![0];
    tasks[3].predecessors = vec![1, 2];
    tasks[3].lag = 0.5;
    tasks[3].due = Some(8.5);
    tasks[2].due = Some(6.0);
    let network = Network::new(tasks, vec![]).expect("valid");
    let f = forecast(&network, &opts(100, 1, Distribution::PertBeta, Pass::Precedence), &[]).expect("valid");
    let finishes: Vec<f64> = f.tasks.iter().map(|t| t.p50).collect();
    assert_eq!(finishes, [2.0, 5.0, 7.0, 8.5]);
    assert_eq!(f.project.p95, 8.5);
    let crit: Vec<Option<f64>> = f.tasks.iter().map(|t| t.criticality).collect();
    assert_eq!(crit, [Some(1.0), Some(0.0), Some(1.0), Some(1.0)]);
    assert_eq!(f.tasks[3].on_time, Some(1.0));
    assert_eq!(f.tasks[2].on_time, Some(0.0));
}

#[test]
fn criticality_follows_the_longer_branch_most_often() {
    // Two parallel tasks into an end task: B is usually longer than A.
    let mut tasks = vec![Task::new(est(1.0, 2.0, 6.0)), Task::new(est(2.0, 4.0, 7.0)), Task::new(est(1.0, 1.0, 1.0))];
    tasks[2].predecessors = vec![0, 1];
    let network = Network::new(tasks, vec![]).expect("valid");
    let f = forecast(&network, &opts(20_000, 3, Distribution::Triangular, Pass::Precedence), &[]).expect("valid");
    let (ca, cb) = (f.tasks[0].criticality.expect("precedence"), f.tasks[1].criticality.expect("precedence"));
    assert!((ca + cb - 1.0).abs() < 1e-9, "exactly one branch is critical per sample");
    assert!(cb > 0.75 && ca > 0.02, "A {ca}, B {cb}");
    assert_eq!(f.tasks[2].criticality, Some(1.0));
    // Resource-aware: no criticality index.
    let f = forecast(&network, &opts(100, 3, Distribution::Triangular, Pass::ResourceAware), &[]).expect("valid");
    assert_eq!(f.tasks[0].criticality, None);
}

#[test]
fn bad_networks_are_rejected() {
    let mut tasks = vec![Task::new(est(1.0, 2.0, 3.0)), Task::new(est(1.0, 2.0, 3.0)), Task::new(est(1.0, 2.0, 3.0))];
    tasks[0].predecessors = vec![2];
    tasks[1].predecessors = vec![0];
    tasks[2].predecessors = vec![1];
    assert!(matches!(Network::new(tasks.clone(), vec![]), Err(ForecastError::Cycle { .. })));
    tasks[0].predecessors = vec![0];
    assert_eq!(
        Network::new(tasks.clone(), vec![]).err(),
        Some(ForecastError::InvalidPredecessor { task: 0, predecessor: 0 })
    );
    tasks[0].predecessors = vec![];
    tasks[1].demands = vec![Demand { resource: 0, units: 3 }];
    assert_eq!(
        Network::new(tasks.clone(), vec![2]).err(),
        Some(ForecastError::DemandExceedsCapacity { task: 1, resource: 0 })
    );
    assert_eq!(
        Network::new(tasks.clone(), vec![]).err(),
        Some(ForecastError::UnknownResource { task: 1, resource: 0 })
    );
    tasks[1].demands.clear();
    tasks[2].lag = -1.0;
    assert_eq!(Network::new(tasks.clone(), vec![]).err(), Some(ForecastError::InvalidLag { task: 2 }));
    assert!(Estimate::new(3.0, 2.0, 4.0).is_none());
    assert!(Estimate::new(-1.0, 2.0, 4.0).is_none());
    assert!(Estimate::new(1.0, 2.0, f64::INFINITY).is_none());
    tasks[2].lag = 0.0;
    let network = Network::new(tasks, vec![]).expect("valid");
    assert_eq!(
        simulate(&network, &opts(0, 1, Distribution::PertBeta, Pass::Precedence)).err(),
        Some(ForecastError::NoSamples)
    );
    let groups = [Group { name: "bad".into(), tasks: vec![7], due: None }];
    assert_eq!(
        forecast(&network, &opts(10, 1, Distribution::PertBeta, Pass::Precedence), &groups).err(),
        Some(ForecastError::UnknownGroupTask { group: 0, task: 7 })
    );
}

#[test]
fn the_priority_order_is_precedence_feasible() {
    let network = small_network(200, 5, 12);
    let order = network.priority_order(Distribution::PertBeta);
    let mut placed = vec![false; network.len()];
    for &t in &order {
        assert!(network.tasks()[t].predecessors.iter().all(|&p| placed[p]));
        placed[t] = true;
    }
    assert!(placed.iter().all(|&p| p));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// The fast SGS never breaks precedence or capacity, and matches the
    /// day-by-day scheduler.
    #[test]
    fn resource_schedules_are_feasible(seed in 0u64..1_000, tasks in 1usize..40, resources in 1usize..4) {
        let network = small_network(tasks, resources, seed);
        let mut rng = StdRng::seed_from_u64(seed);
        let durations: Vec<u32> = (0..tasks).map(|_| rng.random_range(0..6)).collect();
        let order = network.priority_order(Distribution::Triangular);
        let start = resource_schedule(&network, &order, &durations).expect("valid order");
        prop_assert_eq!(check_schedule(&network, &durations, &start), Ok(()));
        let finish: Vec<u32> = start.iter().zip(&durations).map(|(s, d)| s + d).collect();
        prop_assert_eq!(finish, naive_sgs(&network, &order, &durations));
    }
}

#[test]
fn an_empty_network_finishes_on_day_zero() {
    // A plan with nothing scheduled (a new database) used to panic here.
    let network = Network::new(vec![], vec![]).expect("valid");
    let group = tl_engine::forecast::Group { name: "none".into(), tasks: vec![], due: Some(3.0) };
    for pass in [Pass::Precedence, Pass::ResourceAware] {
        let f = forecast(&network, &opts(100, 1, Distribution::PertBeta, pass), std::slice::from_ref(&group))
            .expect("valid");
        assert!(f.tasks.is_empty());
        assert_eq!((f.project.p50, f.project.p95), (0.0, 0.0));
        assert_eq!(f.groups[0].on_time, Some(1.0));
    }
}
