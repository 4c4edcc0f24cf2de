//! The resource-aware pass: every sample is scheduled by a serial
//! schedule-generation scheme (SGS) in one fixed activity list, in whole
//! days, against a usage profile per resource.
//!
//! The durations of sample `s` are the same draws as in the precedence pass
//! with the same seed (the same generators consume them in the same order),
//! rounded up to whole days, so per sample the resource-aware finish is never
//! earlier than the precedence-only one.

use rayon::prelude::*;

use super::network::{ForecastError, Network};
use super::sample::BlockRng;
use super::stats::Simulation;
use super::{ForecastOptions, LANES, Pass};

/// One demand, flattened: resource index, the highest usage at which the
/// task still fits (`capacity - units`), and the units.
#[derive(Clone, Copy, Debug)]
struct Need {
    resource: u32,
    limit: u32,
    units: u32,
}

/// The parts of a network the SGS reads, flattened.
pub(crate) struct Plan<'a> {
    network: &'a Network,
    order: Vec<u32>,
    lag_days: Vec<u32>,
    need_start: Vec<u32>,
    needs: Vec<Need>,
}

impl<'a> Plan<'a> {
    fn new(network: &'a Network, order: Vec<u32>) -> Plan<'a> {
        let mut need_start = vec![0u32];
        let mut needs = Vec::new();
        for task in &network.tasks {
            for d in &task.demands {
                if d.units > 0 {
                    let cap = network.capacities[d.resource];
                    needs.push(Need { resource: d.resource as u32, limit: cap - d.units, units: d.units });
                }
            }
            need_start.push(needs.len() as u32);
        }
        let lag_days = network.tasks.iter().map(|t| t.lag.ceil() as u32).collect();
        Plan { network, order, lag_days, need_start, needs }
    }
}

/// Reusable buffers of the SGS; their contents never outlive a schedule.
pub(crate) struct Sgs {
    finish: Vec<u32>,
    /// Units in use per resource and day.
    usage: Vec<Vec<u32>>,
}

impl Sgs {
    fn new(network: &Network) -> Sgs {
        Sgs { finish: vec![0; network.len()], usage: vec![Vec::new(); network.capacities.len()] }
    }

    /// Schedules every task at the earliest day on which its predecessors
    /// (plus lag) are done and every resource it needs has room for its
    /// whole duration, in activity-list order. Leaves the finish days in
    /// `self.finish` and returns the start days through `start`.
    fn schedule(&mut self, plan: &Plan<'_>, duration: &[u32], mut start_out: Option<&mut [u32]>) {
        let network = plan.network;
        let mut horizon = 0usize;
        for &task in &plan.order {
            let task = task as usize;
            let ready = network.preds_of(task).iter().map(|&p| self.finish[p as usize]).max().unwrap_or(0);
            let mut start = (ready + plan.lag_days[task]) as usize;
            let d = duration[task] as usize;
            let needs = &plan.needs[plan.need_start[task] as usize..plan.need_start[task + 1] as usize];
            if d > 0 && !needs.is_empty() {
                'search: loop {
                    let end = start + d;
                    for need in needs {
                        let profile = &mut self.usage[need.resource as usize];
                        if profile.len() < end {
                            profile.resize(end.next_power_of_two(), 0);
                        }
                        if let Some(k) = profile[start..end].iter().rposition(|&u| u > need.limit) {
                            start += k + 1;
                            continue 'search;
                        }
                    }
                    break;
                }
                for need in needs {
                    for u in &mut self.usage[need.resource as usize][start..start + d] {
                        *u += need.units;
                    }
                }
                horizon = horizon.max(start + d);
            }
            self.finish[task] = (start + d) as u32;
            if let Some(out) = start_out.as_deref_mut() {
                out[task] = start as u32;
            }
        }
        for profile in &mut self.usage {
            let used = horizon.min(profile.len());
            profile[..used].fill(0);
        }
    }
}

pub(crate) fn run(network: &Network, options: &ForecastOptions) -> Simulation {
    let n = network.len();
    let n_blocks = options.samples.div_ceil(LANES);
    let mut finishes = vec![0.0f32; n_blocks * n * LANES];
    if n > 0 {
        let samplers = network.samplers(options.distribution);
        let order = network.priority_order(options.distribution).into_iter().map(|t| t as u32).collect();
        let plan = Plan::new(network, order);
        finishes.par_chunks_mut(n * LANES).enumerate().for_each_init(
            || (Sgs::new(network), vec![[0.0f32; LANES]; n], vec![0u32; n]),
            |(sgs, sampled, days), (block, out)| {
                let (rows, _) = out.as_chunks_mut::<LANES>();
                let mut rng = BlockRng::new(options.seed, block);
                // The same draws, in the same order, as the precedence pass.
                for &task in &network.topo {
                    samplers[task as usize].fill(&mut rng, &mut sampled[task as usize]);
                }
                let valid = (options.samples - block * LANES).min(LANES);
                for l in 0..valid {
                    for (day, row) in days.iter_mut().zip(sampled.iter()) {
                        *day = row[l].ceil() as u32;
                    }
                    sgs.schedule(&plan, days, None);
                    for (row, &finish) in rows.iter_mut().zip(&sgs.finish) {
                        row[l] = finish as f32;
                    }
                }
            },
        );
    }
    Simulation::new(n, options.samples, Pass::ResourceAware, finishes, None)
}

/// Schedules one outcome with whole-day `durations` (one per task) by the
/// serial SGS the resource-aware pass uses, dispatching tasks in `order` (a
/// permutation of the tasks with every task after its predecessors, e.g.
/// [`Network::priority_order`]). Returns each task's start day.
pub fn resource_schedule(network: &Network, order: &[usize], durations: &[u32]) -> Result<Vec<u32>, ForecastError> {
    let n = network.len();
    if durations.len() != n || order.len() != n {
        return Err(ForecastError::InvalidPriorityOrder);
    }
    let mut placed = vec![false; n];
    for &task in order {
        if task >= n || placed[task] || network.preds_of(task).iter().any(|&p| !placed[p as usize]) {
            return Err(ForecastError::InvalidPriorityOrder);
        }
        placed[task] = true;
    }
    let plan = Plan::new(network, order.iter().map(|&t| t as u32).collect());
    let mut start = vec![0u32; n];
    Sgs::new(network).schedule(&plan, durations, Some(&mut start));
    Ok(start)
}

/// A way in which a schedule breaks the network's rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResourceViolation {
    /// `task` starts before `predecessor` finishes plus the task's lag
    /// (rounded up to whole days).
    Precedence { task: usize, predecessor: usize },
    /// More units of `resource` are in use on `day` than its capacity.
    Capacity { resource: usize, day: u32 },
}

/// Checks a whole-day schedule (`start` and `durations` per task) against
/// precedence, lags and capacities. A straightforward day-by-day check,
/// independent of the SGS.
pub fn check_schedule(network: &Network, durations: &[u32], start: &[u32]) -> Result<(), ResourceViolation> {
    for (task, t) in network.tasks.iter().enumerate() {
        for &p in &t.predecessors {
            if start[task] < start[p] + durations[p] + t.lag.ceil() as u32 {
                return Err(ResourceViolation::Precedence { task, predecessor: p });
            }
        }
    }
    let horizon = (0..network.len()).map(|t| start[t] + durations[t]).max().unwrap_or(0);
    for (resource, &cap) in network.capacities.iter().enumerate() {
        for day in 0..horizon {
            let used: u32 = (0..network.len())
                .filter(|&t| start[t] <= day && day < start[t] + durations[t])
                .flat_map(|t| network.tasks[t].demands.iter())
                .filter(|d| d.resource == resource)
                .map(|d| d.units)
                .sum();
            if used > cap {
                return Err(ResourceViolation::Capacity { resource, day });
            }
        }
    }
    Ok(())
}
