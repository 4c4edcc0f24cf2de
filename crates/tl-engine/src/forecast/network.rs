//! The task network: validated once into flat arrays (predecessors in
//! compressed rows, a topological order, per-task sampling parameters), so
//! that the sampling loops do no checks and follow no pointers.

use std::fmt;

use super::Distribution;

/// A three-point estimate in working days: `0 <= optimistic <= likely <=
/// pessimistic`, all finite. Built by [`Estimate::new`], which checks this.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    optimistic: f64,
    likely: f64,
    pessimistic: f64,
}

impl Estimate {
    /// Returns `None` unless `0 <= optimistic <= likely <= pessimistic` and
    /// all three are finite.
    pub fn new(optimistic: f64, likely: f64, pessimistic: f64) -> Option<Estimate> {
        let ok = optimistic.is_finite()
            && likely.is_finite()
            && pessimistic.is_finite()
            && 0.0 <= optimistic
            && optimistic <= likely
            && likely <= pessimistic;
        ok.then_some(Estimate { optimistic, likely, pessimistic })
    }

    /// A duration known exactly.
    pub fn fixed(days: f64) -> Option<Estimate> {
        Estimate::new(days, days, days)
    }

    pub fn optimistic(&self) -> f64 {
        self.optimistic
    }

    pub fn likely(&self) -> f64 {
        self.likely
    }

    pub fn pessimistic(&self) -> f64 {
        self.pessimistic
    }

    /// The mean duration under the given distribution.
    pub fn mean(&self, distribution: Distribution) -> f64 {
        let (a, m, b) = (self.optimistic, self.likely, self.pessimistic);
        match distribution {
            Distribution::PertBeta => (a + 4.0 * m + b) / 6.0,
            Distribution::Triangular => (a + m + b) / 3.0,
        }
    }

    /// The PERT-Beta shape parameters `(alpha, beta)`, or `None` when the
    /// estimate is degenerate (`optimistic == pessimistic`).
    pub fn pert_shape(&self) -> Option<(f64, f64)> {
        let range = self.pessimistic - self.optimistic;
        (range > 0.0).then(|| {
            (1.0 + 4.0 * (self.likely - self.optimistic) / range, 1.0 + 4.0 * (self.pessimistic - self.likely) / range)
        })
    }
}

/// Units of one resource a task holds while it runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Demand {
    /// Index into the network's capacities.
    pub resource: usize,
    pub units: u32,
}

/// One task of a [`Network`].
#[derive(Clone, Debug, PartialEq)]
pub struct Task {
    pub estimate: Estimate,
    /// Indices of the tasks that must finish before this one starts.
    pub predecessors: Vec<usize>,
    /// Days between the latest predecessor's finish (or the project start,
    /// for a task without predecessors) and this task's start. Finite, at
    /// least 0.
    pub lag: f64,
    /// Resources held while the task runs (resource-aware pass only).
    pub demands: Vec<Demand>,
    /// A due day, counted from the project start; the forecast reports the
    /// probability of finishing by it.
    pub due: Option<f64>,
}

impl Task {
    /// A task with no predecessors, lag, demands or due day.
    pub fn new(estimate: Estimate) -> Task {
        Task { estimate, predecessors: Vec::new(), lag: 0.0, demands: Vec::new(), due: None }
    }
}

/// Why a network or a forecast request was rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ForecastError {
    /// A lag is negative or not finite.
    InvalidLag { task: usize },
    /// A predecessor index is out of range or the task itself.
    InvalidPredecessor { task: usize, predecessor: usize },
    /// The predecessors form a cycle; `task` lies on it.
    Cycle { task: usize },
    /// A demand names a resource index out of range.
    UnknownResource { task: usize, resource: usize },
    /// A task needs more units than the resource has, so it could never be
    /// scheduled.
    DemandExceedsCapacity { task: usize, resource: usize },
    /// A group names a task index out of range.
    UnknownGroupTask { group: usize, task: usize },
    /// A forecast needs at least one sample.
    NoSamples,
    /// The network has more tasks than the engine indexes (`u32::MAX - 1`).
    TooManyTasks,
    /// An activity list is not a permutation of the tasks with every task
    /// after its predecessors, or the durations do not match the tasks.
    InvalidPriorityOrder,
}

impl fmt::Display for ForecastError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ForecastError::InvalidLag { task } => {
                write!(f, "task {task}: the lag must be a finite number of days, at least 0")
            }
            ForecastError::InvalidPredecessor { task, predecessor } => {
                write!(f, "task {task}: predecessor {predecessor} is not another task of the network")
            }
            ForecastError::Cycle { task } => write!(f, "task {task} depends on itself through its predecessors"),
            ForecastError::UnknownResource { task, resource } => write!(f, "task {task}: unknown resource {resource}"),
            ForecastError::DemandExceedsCapacity { task, resource } => {
                write!(f, "task {task} needs more of resource {resource} than its capacity")
            }
            ForecastError::UnknownGroupTask { group, task } => write!(f, "group {group}: unknown task {task}"),
            ForecastError::NoSamples => write!(f, "a forecast needs at least one sample"),
            ForecastError::TooManyTasks => write!(f, "too many tasks"),
            ForecastError::InvalidPriorityOrder => {
                write!(f, "the activity list must list every task once, after its predecessors, with one duration each")
            }
        }
    }
}

impl std::error::Error for ForecastError {}

/// Marks "no predecessor" in per-lane argmax arrays.
pub(crate) const NONE: u32 = u32::MAX;

/// A validated task network.
#[derive(Clone, Debug)]
pub struct Network {
    pub(crate) tasks: Vec<Task>,
    pub(crate) capacities: Vec<u32>,
    /// Predecessors of task `i`: `preds[pred_start[i]..pred_start[i + 1]]`.
    pub(crate) pred_start: Vec<u32>,
    pub(crate) preds: Vec<u32>,
    /// Every task after all of its predecessors.
    pub(crate) topo: Vec<u32>,
    pub(crate) lag: Vec<f32>,
}

impl Network {
    /// Checks the tasks against each other and against the capacities
    /// (one per resource) and prepares them for sampling.
    pub fn new(tasks: Vec<Task>, capacities: Vec<u32>) -> Result<Network, ForecastError> {
        let n = tasks.len();
        if n >= NONE as usize {
            return Err(ForecastError::TooManyTasks);
        }
        let mut pred_start = Vec::with_capacity(n + 1);
        let mut preds = Vec::new();
        pred_start.push(0);
        for (i, task) in tasks.iter().enumerate() {
            if !(task.lag.is_finite() && task.lag >= 0.0) {
                return Err(ForecastError::InvalidLag { task: i });
            }
            for &p in &task.predecessors {
                if p >= n || p == i {
                    return Err(ForecastError::InvalidPredecessor { task: i, predecessor: p });
                }
                preds.push(p as u32);
            }
            pred_start.push(preds.len() as u32);
            for d in &task.demands {
                let Some(&cap) = capacities.get(d.resource) else {
                    return Err(ForecastError::UnknownResource { task: i, resource: d.resource });
                };
                if d.units > cap {
                    return Err(ForecastError::DemandExceedsCapacity { task: i, resource: d.resource });
                }
            }
        }
        let topo = topological_order(n, &pred_start, &preds)?;
        let lag = tasks.iter().map(|t| t.lag as f32).collect();
        Ok(Network { tasks, capacities, pred_start, preds, topo, lag })
    }

    pub fn tasks(&self) -> &[Task] {
        &self.tasks
    }

    pub fn capacities(&self) -> &[u32] {
        &self.capacities
    }

    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    /// Number of predecessor links.
    pub fn n_links(&self) -> usize {
        self.preds.len()
    }

    pub(crate) fn preds_of(&self, task: usize) -> &[u32] {
        &self.preds[self.pred_start[task] as usize..self.pred_start[task + 1] as usize]
    }

    /// A topological order: every task after all of its predecessors.
    pub fn topological_order(&self) -> Vec<usize> {
        self.topo.iter().map(|&t| t as usize).collect()
    }

    /// The activity list the resource-aware pass dispatches in: tasks by
    /// latest start in the deterministic plan whose durations are the means
    /// under `distribution` (precedence only, no resources), ties broken by
    /// topological position, so that the list is precedence-feasible.
    pub fn priority_order(&self, distribution: Distribution) -> Vec<usize> {
        let n = self.len();
        let dur: Vec<f64> = self.tasks.iter().map(|t| t.estimate.mean(distribution)).collect();
        let mut finish = vec![0.0f64; n];
        let mut makespan = 0.0f64;
        for &i in &self.topo {
            let i = i as usize;
            let start = self.preds_of(i).iter().map(|&p| finish[p as usize]).fold(0.0, f64::max);
            finish[i] = start + self.tasks[i].lag + dur[i];
            makespan = makespan.max(finish[i]);
        }
        let mut latest_finish = vec![makespan; n];
        let mut latest_start = vec![0.0f64; n];
        for &i in self.topo.iter().rev() {
            let i = i as usize;
            latest_start[i] = latest_finish[i] - dur[i];
            let bound = latest_start[i] - self.tasks[i].lag;
            for &p in self.preds_of(i) {
                let p = p as usize;
                latest_finish[p] = latest_finish[p].min(bound);
            }
        }
        let mut rank = vec![0usize; n];
        for (pos, &i) in self.topo.iter().enumerate() {
            rank[i as usize] = pos;
        }
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&x, &y| latest_start[x].total_cmp(&latest_start[y]).then(rank[x].cmp(&rank[y])));
        order
    }

    /// The sampling parameters of every task for one distribution.
    pub(crate) fn samplers(&self, distribution: Distribution) -> Vec<super::sample::Sampler> {
        self.tasks.iter().map(|t| super::sample::Sampler::new(&t.estimate, distribution)).collect()
    }
}

/// Kahn's algorithm, first in first out from the lowest index, so the order
/// is a pure function of the network.
fn topological_order(n: usize, pred_start: &[u32], preds: &[u32]) -> Result<Vec<u32>, ForecastError> {
    let mut indegree: Vec<u32> = (0..n).map(|i| pred_start[i + 1] - pred_start[i]).collect();
    let mut succ_start = vec![0u32; n + 1];
    for &p in preds {
        succ_start[p as usize + 1] += 1;
    }
    for i in 0..n {
        succ_start[i + 1] += succ_start[i];
    }
    let mut fill = succ_start.clone();
    let mut succs = vec![0u32; preds.len()];
    for i in 0..n {
        for &p in &preds[pred_start[i] as usize..pred_start[i + 1] as usize] {
            succs[fill[p as usize] as usize] = i as u32;
            fill[p as usize] += 1;
        }
    }
    let mut order: Vec<u32> = (0..n as u32).filter(|&i| indegree[i as usize] == 0).collect();
    let mut head = 0;
    while head < order.len() {
        let t = order[head] as usize;
        head += 1;
        for &s in &succs[succ_start[t] as usize..succ_start[t + 1] as usize] {
            indegree[s as usize] -= 1;
            if indegree[s as usize] == 0 {
                order.push(s);
            }
        }
    }
    if order.len() == n {
        return Ok(order);
    }
    // Every unplaced task has an unplaced predecessor; following them for n
    // steps from any unplaced task must end on a cycle.
    let mut t = (0..n).find(|&i| indegree[i] > 0).unwrap_or(0);
    for _ in 0..n {
        t = preds[pred_start[t] as usize..pred_start[t + 1] as usize]
            .iter()
            .map(|&p| p as usize)
            .find(|&p| indegree[p] > 0)
            .unwrap_or(t);
    }
    Err(ForecastError::Cycle { task: t })
}
