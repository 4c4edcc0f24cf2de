//! The organisation's plan on the calendar: turns a `WorkPlan` into a
//! scheduling problem (`schedule::Problem`) or a forecast network
//! (`forecast::Network`), and maps the answers back to items, dates, slack,
//! the resource-constrained critical path, missed due dates and weekly load.
//!
//! Buffers become zero-demand "lag" tasks between an item and its successor,
//! and external dependencies become zero-demand tasks from the plan's start
//! that end on the (buffered) date the party promised. Both schedulers and
//! the forecast then see plain finish-to-start precedence.

use crate::calendar::Calendar;
use crate::forecast;
use crate::schedule::{self, Problem, Schedule, SolveOptions};
use crate::workplan::{UNITS_PER_PERSON, WorkPlan, days_for};
use jiff::civil::Date;

/// Why a plan cannot be scheduled.
#[derive(Clone, Debug, PartialEq)]
pub enum PlanError {
    /// The scheduler rejected the problem (a cycle slipped through, ...).
    Schedule(String),
    /// The forecast rejected the network.
    Forecast(String),
}

impl std::error::Error for PlanError {}

impl std::fmt::Display for PlanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PlanError::Schedule(e) => write!(f, "cannot schedule the plan: {e}"),
            PlanError::Forecast(e) => write!(f, "cannot forecast the plan: {e}"),
        }
    }
}

/// The scheduling problem of a work plan, with the mapping back to items.
pub struct Mapped {
    pub problem: Problem,
    /// Tasks `0..n_items` are the plan's items; the rest are lags and releases.
    pub n_items: usize,
    /// Items left out, with why.
    pub unschedulable: Vec<(usize, String)>,
}

/// Builds the scheduling problem: one resource per team, capacity in
/// `UNITS_PER_PERSON` units per working day.
pub fn to_problem(plan: &WorkPlan, calendar: &Calendar) -> Mapped {
    let n_items = plan.items.len();
    let n_teams = plan.team_units.len();
    let mut unschedulable = Vec::new();
    let mut durations = Vec::with_capacity(n_items);
    let mut demands = Vec::with_capacity(n_items);
    for (i, item) in plan.items.iter().enumerate() {
        let capacity = plan.team_units[item.team];
        let mut d = vec![0; n_teams];
        if capacity == 0 {
            unschedulable.push((i, "its team has no capacity (no people, or all on call)".to_string()));
            durations.push(0);
        } else {
            let units = item.units.min(capacity);
            durations.push(days_for(item.effort_days.likely, units));
            d[item.team] = units;
        }
        demands.push(d);
    }
    let mut successors: Vec<Vec<usize>> = vec![Vec::new(); n_items];
    let extra =
        |duration: u32, durations: &mut Vec<u32>, demands: &mut Vec<Vec<u32>>, successors: &mut Vec<Vec<usize>>| {
            durations.push(duration);
            demands.push(vec![0; n_teams]);
            successors.push(Vec::new());
            durations.len() - 1
        };
    for link in &plan.links {
        let lag = (f64::from(durations[link.from]) * link.buffer_pct / 100.0).ceil() as u32;
        if lag == 0 {
            successors[link.from].push(link.to);
        } else {
            let t = extra(lag, &mut durations, &mut demands, &mut successors);
            successors[link.from].push(t);
            successors[t].push(link.to);
        }
    }
    for r in &plan.releases {
        let days = calendar.working_days_between(calendar.next_working(plan.start), r.not_before).max(0) as u32;
        if days > 0 {
            let t = extra(days, &mut durations, &mut demands, &mut successors);
            successors[t].push(r.item);
        }
    }
    for s in &mut successors {
        s.sort_unstable();
        s.dedup();
    }
    let capacities = plan.team_units.iter().map(|&u| u.max(1)).collect();
    Mapped { problem: Problem { durations, demands, capacities, successors }, n_items, unschedulable }
}

/// One item on the calendar.
#[derive(Clone, Debug, PartialEq)]
pub struct Placed {
    pub item: usize,
    /// Working-day numbers from the plan's start; `finish_day` is exclusive.
    pub start_day: u32,
    pub finish_day: u32,
    pub start: Date,
    /// The last working day of the item.
    pub finish: Date,
    /// Working days the item could start later without delaying the end of
    /// the plan, given the other items' resource use.
    pub slack_days: u32,
    /// On the resource-constrained critical path (no slack).
    pub critical: bool,
    /// Working days late against the due date (positive) or early (negative).
    pub late_days: Option<i64>,
}

/// Load of one team in one week.
#[derive(Clone, Debug, PartialEq)]
pub struct WeekLoad {
    pub monday: Date,
    /// Person-weeks scheduled.
    pub demand_weeks: f64,
    /// Person-weeks available.
    pub capacity_weeks: f64,
}

/// A scheduled plan.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanSchedule {
    pub items: Vec<Placed>,
    pub makespan_days: u32,
    pub end: Date,
    /// max(critical path, busiest resource), in working days.
    pub lower_bound_days: u32,
    /// Per team, weekly load over the schedule's span.
    pub load: Vec<Vec<WeekLoad>>,
    pub unschedulable: Vec<(usize, String)>,
}

/// Options for `schedule_plan`.
#[derive(Clone, Copy, Debug)]
pub struct ScheduleOptions {
    pub seed: u64,
    /// Search budget in task placements; bigger plans get fewer full schedules.
    pub work: usize,
}

impl Default for ScheduleOptions {
    fn default() -> Self {
        ScheduleOptions { seed: 1, work: 2_000_000 }
    }
}

/// Schedules a work plan under team capacity and precedence.
pub fn schedule_plan(
    plan: &WorkPlan,
    calendar: &Calendar,
    options: ScheduleOptions,
) -> Result<PlanSchedule, PlanError> {
    let mapped = to_problem(plan, calendar);
    let p = &mapped.problem;
    let n = p.durations.len().max(1);
    let solve_options = SolveOptions {
        seed: options.seed,
        max_schedules: (options.work / n).clamp(2, 25_000),
        ..SolveOptions::default()
    };
    // Two kinds of candidate: the shortest schedule the search finds, and
    // schedules that take items in order of their due dates (propagated
    // backward through dependencies) or of their score. The plan keeps the
    // one with the least score-weighted lateness, then the shortest.
    let shortest = schedule::solve(p, &solve_options).map_err(|e| PlanError::Schedule(format!("{e:?}")))?;
    let deadlines = propagated_deadlines(plan, p, calendar, mapped.n_items);
    let by_due = schedule::schedule_by_priority(p, |i| {
        u64::from(deadlines[i].saturating_sub(p.durations[i])) << 20 | priority_rank(plan, i)
    })
    .map_err(|e| PlanError::Schedule(format!("{e:?}")))?;
    let by_score = schedule::schedule_by_priority(p, |i| priority_rank(plan, i) << 32 | u64::from(deadlines[i]))
        .map_err(|e| PlanError::Schedule(format!("{e:?}")))?;
    let cost = |s: &Schedule| (weighted_lateness(plan, p, s, &deadlines), s.makespan);
    let sched = [shortest, by_due, by_score]
        .into_iter()
        .min_by(|a, b| cost(a).partial_cmp(&cost(b)).unwrap_or(std::cmp::Ordering::Equal))
        .expect("three candidates");
    let lower_bound_days = schedule::lower_bound(p).map_err(|e| PlanError::Schedule(format!("{e:?}")))?;
    let latest = latest_starts(p, &sched);
    let day0 = calendar.next_working(plan.start);
    let mut items = Vec::with_capacity(mapped.n_items);
    let skipped: std::collections::HashSet<usize> = mapped.unschedulable.iter().map(|(i, _)| *i).collect();
    for (i, item) in plan.items.iter().enumerate() {
        if skipped.contains(&i) {
            continue;
        }
        let start_day = sched.starts[i];
        let finish_day = start_day + p.durations[i];
        let start = calendar.date_of(day0, start_day);
        let finish = calendar.date_of(day0, finish_day.saturating_sub(1).max(start_day));
        let slack_days = latest[i].saturating_sub(start_day);
        let late_days = item.due.map(|due| {
            let due_day = calendar.working_days_between(day0, due);
            // Finishing on the due date itself is on time.
            i64::from(finish_day) - 1 - due_day
        });
        items.push(Placed {
            item: i,
            start_day,
            finish_day,
            start,
            finish,
            slack_days,
            critical: slack_days == 0,
            late_days,
        });
    }
    let load = weekly_load(plan, p, &sched, calendar, day0);
    Ok(PlanSchedule {
        items,
        makespan_days: sched.makespan,
        end: calendar.date_of(day0, sched.makespan.saturating_sub(1)),
        lower_bound_days,
        load,
        unschedulable: mapped.unschedulable,
    })
}

/// Each task's deadline in working days (exclusive finish): its item's due
/// date, or the earliest deadline of its successors less their durations;
/// `u32::MAX / 2` when nothing downstream is due.
fn propagated_deadlines(plan: &WorkPlan, p: &Problem, calendar: &Calendar, n_items: usize) -> Vec<u32> {
    let n = p.durations.len();
    let day0 = calendar.next_working(plan.start);
    let mut deadline = vec![u32::MAX / 2; n];
    for (i, item) in plan.items.iter().enumerate().take(n_items) {
        if let Some(due) = item.due {
            deadline[i] = (calendar.working_days_between(day0, due) + 1).max(0) as u32;
        }
    }
    // Reverse topological order: validated problems have one.
    if let Ok(order) = p.validate() {
        for &i in order.iter().rev() {
            for &j in &p.successors[i] {
                let through = deadline[j].saturating_sub(p.durations[j]);
                deadline[i] = deadline[i].min(through);
            }
        }
    }
    deadline
}

/// Orders items by score, best first (lags and releases last).
fn priority_rank(plan: &WorkPlan, task: usize) -> u64 {
    plan.items.get(task).map_or(u64::from(u32::MAX), |item| ((5.0 - item.priority.clamp(0.0, 5.0)) * 1000.0) as u64)
}

/// Working days late summed over items with a due date, each weighted by
/// one plus its score, so that late important work costs more.
fn weighted_lateness(plan: &WorkPlan, p: &Problem, s: &Schedule, deadlines: &[u32]) -> f64 {
    plan.items
        .iter()
        .enumerate()
        .filter(|(_, item)| item.due.is_some())
        .map(|(i, item)| {
            let finish = s.starts[i] + p.durations[i];
            f64::from(finish.saturating_sub(deadlines[i])) * (1.0 + item.priority)
        })
        .sum()
}

/// The latest start of every task that keeps the schedule's makespan, with
/// the resource use of the other tasks: a backward serial pass over the tasks
/// in order of decreasing finish, each placed as late as its successors and
/// the resources allow. A task whose latest start equals its start is
/// critical: the resource-constrained critical path.
pub fn latest_starts(p: &Problem, s: &Schedule) -> Vec<u32> {
    let n = p.durations.len();
    let horizon = s.makespan as usize;
    let mut usage: Vec<Vec<u32>> = vec![vec![0; horizon]; p.capacities.len()];
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&i| std::cmp::Reverse((s.starts[i] + p.durations[i], s.starts[i])));
    let mut latest = vec![u32::MAX; n];
    for &i in &order {
        let d = p.durations[i];
        let mut finish_limit = s.makespan;
        for &j in &p.successors[i] {
            finish_limit = finish_limit.min(latest[j]);
        }
        let resources: Vec<(usize, u32)> =
            p.demands[i].iter().enumerate().filter(|&(_, &q)| q > 0).map(|(r, &q)| (r, q)).collect();
        // Scan down from the latest finish for a window that fits.
        let mut start = finish_limit.saturating_sub(d);
        let earliest = s.starts[i];
        loop {
            let fits = resources.iter().all(|&(r, q)| {
                (start..start + d).all(|t| usage[r].get(t as usize).is_none_or(|&u| u + q <= p.capacities[r]))
            });
            if fits || start <= earliest {
                break;
            }
            start -= 1;
        }
        let start = start.max(earliest);
        for &(r, q) in &resources {
            for t in start..start + d {
                if let Some(u) = usage[r].get_mut(t as usize) {
                    *u += q;
                }
            }
        }
        latest[i] = start;
    }
    latest
}

fn weekly_load(plan: &WorkPlan, p: &Problem, s: &Schedule, calendar: &Calendar, day0: Date) -> Vec<Vec<WeekLoad>> {
    let n_teams = plan.team_units.len();
    if s.makespan == 0 {
        return vec![Vec::new(); n_teams];
    }
    let end = calendar.date_of(day0, s.makespan - 1);
    let weeks = calendar.weeks(day0, end);
    let week_of_day: Vec<usize> = {
        let mut out = Vec::with_capacity(s.makespan as usize);
        let mut w = 0;
        for day in 0..s.makespan {
            let date = calendar.date_of(day0, day);
            while w + 1 < weeks.len() && weeks[w + 1].0 <= date {
                w += 1;
            }
            out.push(w);
        }
        out
    };
    let mut demand = vec![vec![0.0; weeks.len()]; n_teams];
    for (i, item) in plan.items.iter().enumerate() {
        let units = p.demands[i][item.team];
        for day in s.starts[i]..s.starts[i] + p.durations[i] {
            demand[item.team][week_of_day[day as usize]] += f64::from(units) / f64::from(UNITS_PER_PERSON) / 5.0;
        }
    }
    (0..n_teams)
        .map(|t| {
            weeks
                .iter()
                .enumerate()
                .map(|(w, &(monday, days))| WeekLoad {
                    monday,
                    demand_weeks: demand[t][w],
                    capacity_weeks: f64::from(plan.team_units[t]) / f64::from(UNITS_PER_PERSON) * f64::from(days) / 5.0,
                })
                .collect()
        })
        .collect()
}

/// Builds the forecast network of a work plan: items with their three-point
/// estimates in working days, lags and releases as fixed-duration tasks, and
/// each item's demand on its team.
pub fn to_network(plan: &WorkPlan, calendar: &Calendar) -> Result<(forecast::Network, usize), PlanError> {
    let mapped = to_problem(plan, calendar);
    let p = &mapped.problem;
    let n = p.durations.len();
    let mut preds: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, succ) in p.successors.iter().enumerate() {
        for &j in succ {
            preds[j].push(i);
        }
    }
    let skipped: std::collections::HashSet<usize> = mapped.unschedulable.iter().map(|(i, _)| *i).collect();
    let mut tasks = Vec::with_capacity(n);
    for (i, predecessors) in preds.into_iter().enumerate() {
        let estimate = if i < mapped.n_items && !skipped.contains(&i) {
            let item = &plan.items[i];
            let units = p.demands[i][item.team].max(1);
            let people = f64::from(units) / f64::from(UNITS_PER_PERSON);
            let e = item.effort_days;
            forecast::Estimate::new(e.optimistic / people, e.likely / people, e.pessimistic / people)
                .ok_or_else(|| PlanError::Forecast(format!("item `{}` has an unordered estimate", item.id)))?
        } else {
            forecast::Estimate::fixed(f64::from(p.durations[i]))
                .ok_or_else(|| PlanError::Forecast("a negative lag".to_string()))?
        };
        let mut task = forecast::Task::new(estimate);
        task.predecessors = predecessors;
        task.demands = p.demands[i]
            .iter()
            .enumerate()
            .filter(|&(_, &q)| q > 0)
            .map(|(resource, &units)| forecast::Demand { resource, units })
            .collect();
        if i < mapped.n_items
            && let Some(due) = plan.items[i].due
        {
            let day0 = calendar.next_working(plan.start);
            task.due = Some((calendar.working_days_between(day0, due) + 1) as f64);
        }
        tasks.push(task);
    }
    let network =
        forecast::Network::new(tasks, p.capacities.clone()).map_err(|e| PlanError::Forecast(format!("{e:?}")))?;
    Ok((network, mapped.n_items))
}
