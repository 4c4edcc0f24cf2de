//! The samples of a run and their summaries: exact order-statistic
//! quantiles, the probability of meeting a due day and the criticality
//! index, per task, per group of tasks and for the whole project.

use rayon::prelude::*;

use super::network::{ForecastError, Network};
use super::{LANES, Pass};

/// A set of tasks reported together (an initiative, a milestone's
/// deliverables); it finishes when its last task finishes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Group {
    pub name: String,
    pub tasks: Vec<usize>,
    /// A due day, counted from the project start.
    pub due: Option<f64>,
}

/// The distribution of one finish day (days from the project start) over
/// the samples.
///
/// Quantiles are exact order statistics of the samples (nearest rank: the
/// `ceil(q n)`-th smallest of `n` values), so `P(finish <= p85)` over the
/// samples is at least 0.85.
#[derive(Clone, Debug, PartialEq)]
pub struct FinishStats {
    pub p50: f64,
    pub p85: f64,
    pub p95: f64,
    pub mean: f64,
    pub min: f64,
    pub max: f64,
    /// The fraction of samples finishing on or before the due day, if one
    /// was given.
    pub on_time: Option<f64>,
    /// The fraction of samples in which the task is on the critical path
    /// (precedence pass, tasks only; `None` otherwise).
    pub criticality: Option<f64>,
}

/// Every summary of a run.
#[derive(Clone, Debug, PartialEq)]
pub struct Forecast {
    pub samples: usize,
    pub pass: Pass,
    /// One per task, in the network's order.
    pub tasks: Vec<FinishStats>,
    /// One per group, in the order given.
    pub groups: Vec<FinishStats>,
    /// The finish of the last task.
    pub project: FinishStats,
}

/// Every task's finish day in every sample of one run.
#[derive(Clone, Debug, PartialEq)]
pub struct Simulation {
    n_tasks: usize,
    n_samples: usize,
    pass: Pass,
    /// `[block][task][lane]`; lanes past `n_samples` in the last block are
    /// padding.
    finishes: Vec<f32>,
    /// Per task, the number of samples in which it is critical.
    critical: Option<Vec<u32>>,
}

impl Simulation {
    pub(crate) fn new(
        n_tasks: usize,
        n_samples: usize,
        pass: Pass,
        finishes: Vec<f32>,
        critical: Option<Vec<u32>>,
    ) -> Simulation {
        Simulation { n_tasks, n_samples, pass, finishes, critical }
    }

    pub fn n_samples(&self) -> usize {
        self.n_samples
    }

    pub fn n_tasks(&self) -> usize {
        self.n_tasks
    }

    pub fn pass(&self) -> Pass {
        self.pass
    }

    /// The finish day of `task` in `sample`. Panics if either is out of
    /// range.
    pub fn finish(&self, task: usize, sample: usize) -> f32 {
        assert!(task < self.n_tasks && sample < self.n_samples, "task or sample out of range");
        let (block, lane) = (sample / LANES, sample % LANES);
        self.finishes[(block * self.n_tasks + task) * LANES + lane]
    }

    /// Iterates over the blocks as `(rows, valid lanes)`.
    fn blocks(&self) -> impl Iterator<Item = (&[[f32; LANES]], usize)> {
        let n_samples = self.n_samples;
        self.finishes
            .chunks(self.n_tasks.max(1) * LANES)
            .enumerate()
            .map(move |(block, chunk)| (chunk.as_chunks::<LANES>().0, (n_samples - block * LANES).min(LANES)))
    }

    /// The finish day of `task` in every sample, in sample order. Panics if
    /// `task` is out of range.
    pub fn task_finishes(&self, task: usize) -> Vec<f32> {
        let mut out = Vec::with_capacity(self.n_samples);
        self.task_finishes_into(task, &mut out);
        out
    }

    fn task_finishes_into(&self, task: usize, out: &mut Vec<f32>) {
        assert!(task < self.n_tasks, "task out of range");
        out.clear();
        for (rows, valid) in self.blocks() {
            out.extend_from_slice(&rows[task][..valid]);
        }
    }

    /// The finish day of a group (its latest task; 0 for no tasks) in every
    /// sample, in sample order. Panics if a task is out of range.
    pub fn group_finishes(&self, tasks: &[usize]) -> Vec<f32> {
        assert!(tasks.iter().all(|&t| t < self.n_tasks), "task out of range");
        if self.n_tasks == 0 {
            // Nothing to do finishes on day 0 (there are no blocks to read).
            return vec![0.0; self.n_samples];
        }
        let mut out = Vec::with_capacity(self.n_samples);
        for (rows, valid) in self.blocks() {
            let mut latest = [0.0f32; LANES];
            for &task in tasks {
                for (m, &f) in latest.iter_mut().zip(&rows[task]) {
                    *m = m.max(f);
                }
            }
            out.extend_from_slice(&latest[..valid]);
        }
        out
    }

    /// The project's finish (its last task's) in every sample.
    pub fn project_finishes(&self) -> Vec<f32> {
        if self.n_tasks == 0 {
            return vec![0.0; self.n_samples];
        }
        let mut out = Vec::with_capacity(self.n_samples);
        for (rows, valid) in self.blocks() {
            let mut latest = [0.0f32; LANES];
            for row in rows {
                for (m, &f) in latest.iter_mut().zip(row) {
                    *m = m.max(f);
                }
            }
            out.extend_from_slice(&latest[..valid]);
        }
        out
    }

    /// Per task, the fraction of samples in which it lies on the critical
    /// path; `None` for the resource-aware pass.
    pub fn criticality(&self) -> Option<Vec<f64>> {
        let n = self.n_samples as f64;
        self.critical.as_ref().map(|c| c.iter().map(|&k| k as f64 / n).collect())
    }

    /// Summarizes every task (with its due day from `network`), every group
    /// and the project. `network` must be the one simulated.
    pub fn summarize(&self, network: &Network, groups: &[Group]) -> Result<Forecast, ForecastError> {
        assert_eq!(network.len(), self.n_tasks, "summarize with the simulated network");
        for (g, group) in groups.iter().enumerate() {
            if let Some(&task) = group.tasks.iter().find(|&&t| t >= self.n_tasks) {
                return Err(ForecastError::UnknownGroupTask { group: g, task });
            }
        }
        let criticality = self.criticality();
        let tasks = (0..self.n_tasks)
            .into_par_iter()
            .map_init(
                || Vec::with_capacity(self.n_samples),
                |values, task| {
                    self.task_finishes_into(task, values);
                    let mut stats = FinishStats::of(values, network.tasks[task].due);
                    stats.criticality = criticality.as_ref().map(|c| c[task]);
                    stats
                },
            )
            .collect();
        let groups =
            groups.par_iter().map(|group| FinishStats::of(&mut self.group_finishes(&group.tasks), group.due)).collect();
        let project = FinishStats::of(&mut self.project_finishes(), None);
        Ok(Forecast { samples: self.n_samples, pass: self.pass, tasks, groups, project })
    }
}

/// The 0-based index of the nearest-rank `percent` quantile of `n` values.
fn rank(n: usize, percent: usize) -> usize {
    (n * percent).div_ceil(100).clamp(1, n) - 1
}

impl FinishStats {
    /// Summarizes `values` (reordered in place). `values` must not be empty.
    fn of(values: &mut [f32], due: Option<f64>) -> FinishStats {
        let n = values.len();
        let mut sum = 0.0f64;
        let mut min = f32::INFINITY;
        let mut max = f32::NEG_INFINITY;
        for &v in values.iter() {
            sum += f64::from(v);
            min = min.min(v);
            max = max.max(v);
        }
        let on_time = due.map(|due| values.iter().filter(|&&v| f64::from(v) <= due).count() as f64 / n as f64);
        // Finish days are never negative, and non-negative floats order as
        // their bit patterns do: select on integers, which is faster.
        let (i95, i85, i50) = (rank(n, 95), rank(n, 85), rank(n, 50));
        let mut keys: Vec<u32> = values.iter().map(|v| v.to_bits()).collect();
        // Each selection leaves smaller values to the left, so the next,
        // lower quantile is selected among those only.
        let p95 = *keys.select_nth_unstable(i95).1;
        let p85 = *keys[..=i95].select_nth_unstable(i85).1;
        let p50 = *keys[..=i85].select_nth_unstable(i50).1;
        let value = |bits: u32| f64::from(f32::from_bits(bits));
        FinishStats {
            p50: value(p50),
            p85: value(p85),
            p95: value(p95),
            mean: sum / n as f64,
            min: min.into(),
            max: max.into(),
            on_time,
            criticality: None,
        }
    }
}
