//! Seeded synthetic task networks for tests and benchmarks: estimates of a
//! few days to a few weeks, predecessors drawn from the recent tasks (so the
//! network has long chains, as plans do), each task held by one team and
//! some by a second, shared resource.

use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};

use super::network::{Demand, Estimate, Network, Task};

/// The shape of a synthetic network.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SyntheticOptions {
    pub tasks: usize,
    /// Mean number of predecessors per task (each task draws uniformly
    /// between 0 and twice this, capped by the tasks before it).
    pub links_per_task: f64,
    /// Predecessors are drawn among this many tasks before each task.
    pub window: usize,
    /// Number of resources; 0 for no demands.
    pub resources: usize,
    pub seed: u64,
}

impl Default for SyntheticOptions {
    fn default() -> Self {
        SyntheticOptions { tasks: 1_000, links_per_task: 2.0, window: 50, resources: 20, seed: 1 }
    }
}

/// Builds a network: optimistic 1-10 days, likely up to 5 more, pessimistic
/// up to 15 more; capacities 2-6 units; each task needs 1-2 units of its
/// team's resource and one in five also 1 unit of another resource.
pub fn network(options: &SyntheticOptions) -> Network {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(options.seed);
    let capacities: Vec<u32> = (0..options.resources).map(|_| rng.random_range(2..=6)).collect();
    let max_links = (2.0 * options.links_per_task).round() as usize;
    let mut tasks = Vec::with_capacity(options.tasks);
    for i in 0..options.tasks {
        let a: f64 = rng.random_range(1.0..10.0);
        let m = a + rng.random_range(0.0..5.0);
        let b = m + rng.random_range(0.0..15.0);
        let mut task = Task::new(Estimate::new(a, m, b).expect("ordered by construction"));
        let lo = i.saturating_sub(options.window);
        let k = rng.random_range(0..=max_links).min(i - lo);
        while task.predecessors.len() < k {
            let p = rng.random_range(lo..i);
            if !task.predecessors.contains(&p) {
                task.predecessors.push(p);
            }
        }
        if options.resources > 0 {
            let team = rng.random_range(0..options.resources);
            task.demands.push(Demand { resource: team, units: rng.random_range(1..=2) });
            let other = rng.random_range(0..options.resources);
            if other != team && rng.random_range(0..5) == 0 {
                task.demands.push(Demand { resource: other, units: 1 });
            }
        }
        tasks.push(task);
    }
    match Network::new(tasks, capacities) {
        Ok(network) => network,
        // Predecessors point backwards and demands fit by construction.
        Err(e) => unreachable!("synthetic network rejected: {e}"),
    }
}
