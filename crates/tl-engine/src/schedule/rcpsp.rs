//! The resource-constrained project scheduling problem (RCPSP), single mode:
//! the problem and schedule types, validation, lower bounds, a feasibility
//! check and `solve`, the heuristic that finds a short schedule.
//!
//! Time is counted in whole periods from 0. A task that starts at `s` with
//! duration `d` occupies periods `s..s + d` and finishes at `s + d`; its
//! successors may start at `s + d` at the earliest. Resources are renewable:
//! in every period the summed demand of the running tasks must stay within
//! each resource's capacity.

use std::fmt;

use super::search;
use super::sgs::Instance;

/// A single-mode RCPSP instance. Tasks are numbered by their index.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Problem {
    /// Duration of each task, in periods. Zero is allowed (milestones,
    /// dummy source and sink).
    pub durations: Vec<u32>,
    /// Per task, its demand of each resource in every period it runs.
    pub demands: Vec<Vec<u32>>,
    /// Per resource, the capacity available in every period.
    pub capacities: Vec<u32>,
    /// Per task, the tasks that may start only after it finishes.
    pub successors: Vec<Vec<usize>>,
}

/// Start times of every task and the resulting makespan.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Schedule {
    pub starts: Vec<u32>,
    /// The latest finish time of any task (0 for an empty problem).
    pub makespan: u32,
}

/// How hard `solve` tries. The defaults are the parameters measured on
/// PSPLIB J30 (see `benches/psplib.rs`); they are not tuned per instance.
#[derive(Clone, Debug, PartialEq)]
pub struct SolveOptions {
    /// Seeds every random choice; the same seed gives the same schedule.
    pub seed: u64,
    /// Budget: how many schedules the search may generate. Every pass of the
    /// schedule-generation scheme counts, the backward and forward passes of
    /// the justification included. The search stops earlier when it reaches
    /// the lower bound.
    pub max_schedules: usize,
    /// Individuals in the genetic algorithm's population.
    pub population: usize,
    /// Per list position, the probability of an adjacent swap in mutation.
    pub swap_rate: f64,
    /// Per child, the probability of moving one task to another position
    /// within its precedence window.
    pub shift_rate: f64,
    /// Generations without a better best schedule before the population is
    /// rebuilt around the best one. Zero disables restarts.
    pub restart_after: usize,
}

impl Default for SolveOptions {
    fn default() -> SolveOptions {
        SolveOptions {
            seed: 0,
            max_schedules: 20_000,
            population: 40,
            swap_rate: 0.05,
            shift_rate: 0.5,
            restart_after: 30,
        }
    }
}

/// Why a problem cannot be scheduled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProblemError {
    /// `demands` or `successors` does not have one entry per task.
    TaskCount { durations: usize, demands: usize, successors: usize },
    /// A task's demand vector does not have one entry per resource.
    DemandLength { task: usize, expected: usize, found: usize },
    /// A successor index is not a task.
    UnknownSuccessor { task: usize, successor: usize },
    /// The precedence relation has a cycle; `tasks` lists one, in order
    /// (each task is a predecessor of the next and the last of the first).
    Cycle { tasks: Vec<usize> },
    /// A task needs more of a resource than there is in any period, so no
    /// schedule exists.
    DemandExceedsCapacity { task: usize, resource: usize, demand: u32, capacity: u32 },
    /// The sum of all durations (an upper bound of the makespan) exceeds
    /// `MAX_HORIZON`; resource profiles are arrays indexed by period.
    HorizonTooLong { sum_of_durations: u64 },
}

/// The longest horizon (sum of durations) `solve` accepts.
pub const MAX_HORIZON: u64 = 1 << 26;

impl fmt::Display for ProblemError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProblemError::TaskCount { durations, demands, successors } => {
                write!(f, "{durations} durations but {demands} demand vectors and {successors} successor lists")
            }
            ProblemError::DemandLength { task, expected, found } => {
                write!(f, "task {task} has {found} demands, expected one per resource ({expected})")
            }
            ProblemError::UnknownSuccessor { task, successor } => {
                write!(f, "task {task} has successor {successor}, which is not a task")
            }
            ProblemError::Cycle { tasks } => {
                let names: Vec<String> = tasks.iter().map(usize::to_string).collect();
                write!(f, "precedence cycle: {} -> {}", names.join(" -> "), names.first().map_or("", |s| s))
            }
            ProblemError::DemandExceedsCapacity { task, resource, demand, capacity } => {
                write!(f, "task {task} needs {demand} of resource {resource}, which has capacity {capacity}")
            }
            ProblemError::HorizonTooLong { sum_of_durations } => {
                write!(f, "the durations sum to {sum_of_durations} periods, more than {MAX_HORIZON}")
            }
        }
    }
}

impl std::error::Error for ProblemError {}

/// Why a schedule is not feasible for a problem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Violation {
    /// The problem itself is invalid.
    Problem(ProblemError),
    /// The schedule does not have one start per task.
    StartCount { expected: usize, found: usize },
    /// `after` starts before its predecessor `before` finishes.
    Precedence { before: usize, after: usize },
    /// In `period`, the running tasks need `usage` of `resource`, more than
    /// its `capacity`.
    Capacity { resource: usize, period: u64, usage: u64, capacity: u32 },
    /// The stated makespan is not the latest finish time.
    Makespan { stated: u32, actual: u64 },
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Violation::Problem(e) => write!(f, "invalid problem: {e}"),
            Violation::StartCount { expected, found } => {
                write!(f, "{found} start times for {expected} tasks")
            }
            Violation::Precedence { before, after } => {
                write!(f, "task {after} starts before its predecessor {before} finishes")
            }
            Violation::Capacity { resource, period, usage, capacity } => {
                write!(f, "period {period}: resource {resource} is used {usage}, capacity {capacity}")
            }
            Violation::Makespan { stated, actual } => {
                write!(f, "makespan stated as {stated} but the last task finishes at {actual}")
            }
        }
    }
}

impl std::error::Error for Violation {}

impl Problem {
    pub fn n_tasks(&self) -> usize {
        self.durations.len()
    }

    pub fn n_resources(&self) -> usize {
        self.capacities.len()
    }

    /// Checks shapes, indices, demands and acyclicity; returns a topological
    /// order of the tasks.
    pub fn validate(&self) -> Result<Vec<usize>, ProblemError> {
        let n = self.n_tasks();
        if self.demands.len() != n || self.successors.len() != n {
            return Err(ProblemError::TaskCount {
                durations: n,
                demands: self.demands.len(),
                successors: self.successors.len(),
            });
        }
        let n_res = self.n_resources();
        for (task, demand) in self.demands.iter().enumerate() {
            if demand.len() != n_res {
                return Err(ProblemError::DemandLength { task, expected: n_res, found: demand.len() });
            }
            for (resource, (&d, &c)) in demand.iter().zip(&self.capacities).enumerate() {
                if d > c {
                    return Err(ProblemError::DemandExceedsCapacity { task, resource, demand: d, capacity: c });
                }
            }
        }
        for (task, succs) in self.successors.iter().enumerate() {
            if let Some(&successor) = succs.iter().find(|&&s| s >= n) {
                return Err(ProblemError::UnknownSuccessor { task, successor });
            }
        }
        let sum: u64 = self.durations.iter().map(|&d| u64::from(d)).sum();
        if sum > MAX_HORIZON {
            return Err(ProblemError::HorizonTooLong { sum_of_durations: sum });
        }
        topological_order(&self.successors)
    }
}

/// Kahn's algorithm; on a cycle, walks predecessors among the unsorted tasks
/// until one repeats, to name the cycle.
fn topological_order(successors: &[Vec<usize>]) -> Result<Vec<usize>, ProblemError> {
    let n = successors.len();
    let mut indegree = vec![0usize; n];
    for succs in successors {
        for &s in succs {
            indegree[s] += 1;
        }
    }
    let mut order: Vec<usize> = (0..n).filter(|&i| indegree[i] == 0).collect();
    let mut head = 0;
    while head < order.len() {
        let i = order[head];
        head += 1;
        for &s in &successors[i] {
            indegree[s] -= 1;
            if indegree[s] == 0 {
                order.push(s);
            }
        }
    }
    if order.len() == n {
        return Ok(order);
    }
    // Every unsorted task has an unsorted predecessor: follow them back.
    let mut pred_in_cycle = vec![usize::MAX; n];
    for (i, succs) in successors.iter().enumerate() {
        if indegree[i] > 0 {
            for &s in succs {
                if indegree[s] > 0 {
                    pred_in_cycle[s] = i;
                }
            }
        }
    }
    let start = (0..n).find(|&i| indegree[i] > 0).unwrap_or(0);
    let mut seen = vec![usize::MAX; n];
    let mut path = Vec::new();
    let mut cur = start;
    while seen[cur] == usize::MAX && pred_in_cycle[cur] != usize::MAX {
        seen[cur] = path.len();
        path.push(cur);
        cur = pred_in_cycle[cur];
    }
    let from = if seen[cur] == usize::MAX { 0 } else { seen[cur] };
    let mut tasks = path[from..].to_vec();
    tasks.reverse();
    // Name the cycle from its smallest task, so that the answer is canonical.
    let smallest = (0..tasks.len()).min_by_key(|&k| tasks[k]).unwrap_or(0);
    tasks.rotate_left(smallest);
    Err(ProblemError::Cycle { tasks })
}

/// The longest chain of durations along precedence relations: no schedule is
/// shorter.
pub fn critical_path_lower_bound(p: &Problem) -> Result<u32, ProblemError> {
    let order = p.validate()?;
    let mut finish = vec![0u64; p.n_tasks()];
    let mut earliest = vec![0u64; p.n_tasks()];
    let mut best = 0;
    for &i in &order {
        finish[i] = earliest[i] + u64::from(p.durations[i]);
        best = best.max(finish[i]);
        for &s in &p.successors[i] {
            earliest[s] = earliest[s].max(finish[i]);
        }
    }
    Ok(u32::try_from(best).unwrap_or(u32::MAX))
}

/// The largest, over resources, total work (duration times demand) divided
/// by capacity, rounded up: no schedule is shorter.
pub fn resource_lower_bound(p: &Problem) -> Result<u32, ProblemError> {
    p.validate()?;
    let mut best = 0u64;
    for (r, &cap) in p.capacities.iter().enumerate() {
        let work: u64 = p.durations.iter().zip(&p.demands).map(|(&d, q)| u64::from(d) * u64::from(q[r])).sum();
        if cap > 0 {
            best = best.max(work.div_ceil(u64::from(cap)));
        }
    }
    Ok(u32::try_from(best).unwrap_or(u32::MAX))
}

/// The larger of the critical-path and the resource lower bound.
pub fn lower_bound(p: &Problem) -> Result<u32, ProblemError> {
    Ok(critical_path_lower_bound(p)?.max(resource_lower_bound(p)?))
}

/// Checks that every task starts after its predecessors finish, that no
/// resource is over capacity in any period, and that the makespan is the
/// latest finish. Works on any horizon (a sweep over start and finish
/// events, not an array of periods).
pub fn is_feasible(p: &Problem, s: &Schedule) -> Result<(), Violation> {
    p.validate().map_err(Violation::Problem)?;
    let n = p.n_tasks();
    if s.starts.len() != n {
        return Err(Violation::StartCount { expected: n, found: s.starts.len() });
    }
    let finish = |i: usize| u64::from(s.starts[i]) + u64::from(p.durations[i]);
    for (i, succs) in p.successors.iter().enumerate() {
        for &j in succs {
            if u64::from(s.starts[j]) < finish(i) {
                return Err(Violation::Precedence { before: i, after: j });
            }
        }
    }
    let actual = (0..n).map(finish).max().unwrap_or(0);
    if actual != u64::from(s.makespan) {
        return Err(Violation::Makespan { stated: s.makespan, actual });
    }
    // Events at each time: finishes (release) sort before starts (take).
    let mut events: Vec<(u64, bool, usize)> = Vec::with_capacity(2 * n);
    for i in 0..n {
        if p.durations[i] > 0 {
            events.push((u64::from(s.starts[i]), true, i));
            events.push((finish(i), false, i));
        }
    }
    events.sort_unstable();
    let mut usage = vec![0u64; p.n_resources()];
    for &(time, is_start, i) in &events {
        for (r, &q) in p.demands[i].iter().enumerate() {
            if is_start {
                usage[r] += u64::from(q);
                if usage[r] > u64::from(p.capacities[r]) {
                    return Err(Violation::Capacity {
                        resource: r,
                        period: time,
                        usage: usage[r],
                        capacity: p.capacities[r],
                    });
                }
            } else {
                usage[r] -= u64::from(q);
            }
        }
    }
    Ok(())
}

/// Finds a short feasible schedule: priority-rule and randomly sampled
/// activity lists, then an activity-list genetic algorithm, every schedule
/// decoded by the serial schedule-generation scheme and improved by
/// forward-backward justification. Deterministic for `o.seed`.
pub fn solve(p: &Problem, o: &SolveOptions) -> Result<Schedule, ProblemError> {
    let order = p.validate()?;
    let lb = lower_bound(p)?;
    let instance = Instance::new(p, &order);
    let (starts, makespan) = search::run(&instance, lb, o);
    Ok(Schedule { starts, makespan })
}

/// Schedules with one priority rule: the serial schedule-generation scheme
/// takes, among the tasks whose predecessors are placed, the one with the
/// smallest `key`, and starts it as early as precedence and resources allow.
/// For callers with their own objective (due dates, priorities), where
/// `solve`'s shortest makespan is not the whole story.
pub fn schedule_by_priority(p: &Problem, key: impl Fn(usize) -> u64) -> Result<Schedule, ProblemError> {
    let order = p.validate()?;
    let instance = Instance::new(p, &order);
    let list = instance.priority_list(key);
    let mut decoder = super::sgs::Decoder::new(&instance);
    let mut starts = vec![0; p.n_tasks()];
    let makespan = decoder.serial(&list, false, &mut starts);
    Ok(Schedule { starts, makespan })
}
