//! Monte Carlo schedule forecasts: how likely a plan of tasks with
//! three-point estimates is to finish by a given day.
//!
//! A [`Network`] holds tasks with an (optimistic, likely, pessimistic)
//! estimate in working days, finish-to-start predecessors, an optional lag
//! (buffer) before the task may start, and optional resource demands.
//! [`simulate`] draws every task's duration from a PERT-Beta or triangular
//! distribution and computes, for each sample, the finish day of every task,
//! either along precedence alone ([`Pass::Precedence`]) or under resource
//! limits as well ([`Pass::ResourceAware`]). [`Simulation::summarize`] turns
//! the samples into P50 / P85 / P95 finishes, the probability of meeting a
//! due day and, for the precedence pass, a criticality index, per task and
//! per caller-defined group of tasks.
//!
//! Reproducibility: samples are processed in fixed blocks of [`LANES`]
//! samples, and each block owns a random number generator seeded from
//! `(seed, block index)`. The blocks run in parallel on rayon's pool, but no
//! number depends on which thread ran which block, so the same seed gives the
//! same results whatever the thread count. The first `n` samples of a run are
//! the same whatever the total number of samples.
//!
//! Performance: the precedence pass processes a block as struct-of-arrays
//! (`finish[task][lane]`), so sampling, the max over predecessors and the
//! additions are loops over lanes that the compiler vectorizes. The resource
//! pass runs a serial schedule-generation scheme per sample with buffers
//! reused per worker.

mod network;
mod precedence;
mod resource;
mod sample;
mod stats;
pub mod synthetic;

pub use network::{Demand, Estimate, ForecastError, Network, Task};
pub use resource::{ResourceViolation, check_schedule, resource_schedule};
pub use stats::{FinishStats, Forecast, Group, Simulation};

/// Samples per block: the unit of parallel work and of random number
/// seeding. Part of the reproducibility contract: changing it changes the
/// numbers a seed gives.
pub const LANES: usize = 64;

/// The distribution a task's duration is drawn from, given its estimate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Distribution {
    /// PERT-Beta with shape `lambda = 4`: `alpha = 1 + 4 (m - a) / (b - a)`,
    /// `beta = 1 + 4 (b - m) / (b - a)`, scaled to `[a, b]`. Its mean is
    /// `(a + 4 m + b) / 6`.
    #[default]
    PertBeta,
    /// Triangular on `[a, b]` with mode `m`. Its mean is `(a + m + b) / 3`.
    Triangular,
}

/// Which constraints each sample is scheduled under.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Pass {
    /// Finish-to-start precedence and lags only, in continuous days.
    #[default]
    Precedence,
    /// Precedence and resource capacities, in whole days: each sampled
    /// duration and each lag is rounded up to whole days, and the tasks are
    /// placed by a serial schedule-generation scheme in one fixed priority
    /// order (latest start in the deterministic plan built from mean
    /// durations; see [`Network::priority_order`]). Applying the same
    /// priority rule to every sample is standard practice: it forecasts the
    /// plan as it would be dispatched, not a per-sample optimum.
    ResourceAware,
}

/// What to simulate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ForecastOptions {
    /// Number of samples (at least 1).
    pub samples: usize,
    /// Seed of the random numbers; the same seed gives the same results.
    pub seed: u64,
    pub distribution: Distribution,
    pub pass: Pass,
}

impl Default for ForecastOptions {
    fn default() -> Self {
        ForecastOptions { samples: 10_000, seed: 1, distribution: Distribution::PertBeta, pass: Pass::Precedence }
    }
}

/// Simulates the network and summarizes every task, the given groups and the
/// whole project. A shortcut for [`simulate`] then [`Simulation::summarize`].
pub fn forecast(network: &Network, options: &ForecastOptions, groups: &[Group]) -> Result<Forecast, ForecastError> {
    simulate(network, options)?.summarize(network, groups)
}

/// Draws `options.samples` outcomes of the network and keeps every task's
/// finish day per sample (4 bytes per task and sample).
pub fn simulate(network: &Network, options: &ForecastOptions) -> Result<Simulation, ForecastError> {
    if options.samples == 0 {
        return Err(ForecastError::NoSamples);
    }
    Ok(match options.pass {
        Pass::Precedence => precedence::run(network, options),
        Pass::ResourceAware => resource::run(network, options),
    })
}
