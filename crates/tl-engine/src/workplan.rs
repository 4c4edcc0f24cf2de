//! The plan as schedulable work: milestones (and initiatives without
//! milestones) become work items on a team, dependencies become links with
//! buffers, and teams become resources with a daily capacity.
//!
//! Time is counted in working days from the plan's start. Effort is in
//! person-days (person-weeks × 5). Capacity is counted in tenths of a person,
//! so that a team of 7.5 FTE at a 0.7 focus factor has 52 units (5.2 people)
//! every working day. An item is worked on by at least a pair, or by the
//! people staffed on its initiative (the sum of their `staffing` shares) if
//! more, or by as many as it takes to finish by its due date if more still;
//! never by more than the team has. Its duration is its effort divided by
//! that many people.

use crate::model::{DependencyKind, Estimate, Id, Initiative, InitiativeStatus, MilestoneStatus, Model, Quarter};
use crate::validate::Index;
use jiff::civil::Date;

/// Capacity and demand are counted in tenths of a person.
pub const UNITS_PER_PERSON: u32 = 10;

/// People on an item when its initiative names no staffing: a pair.
pub const DEFAULT_PEOPLE_PER_ITEM: f64 = 2.0;

/// The units working on an item: a pair, the initiative's staffing, or as
/// many people as finishing `effort_days` within `days_to_due` takes,
/// whichever is most, capped by the team's capacity.
fn item_units(init: &Initiative, team_capacity: u32, effort_days: f64, days_to_due: Option<i64>) -> u32 {
    let staffed: f64 = init.staffing.iter().map(|a| a.share).sum();
    let for_due = match days_to_due {
        Some(days) if days > 0 => effort_days / days as f64,
        _ => 0.0,
    };
    let people = DEFAULT_PEOPLE_PER_ITEM.max(staffed).max(for_due);
    ((people * f64::from(UNITS_PER_PERSON)).ceil() as u32).clamp(1, team_capacity.max(1))
}

/// One schedulable piece of work.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkItem {
    /// The milestone's id, or the initiative's id (with `@team` when an
    /// initiative without milestones is split across teams).
    pub id: String,
    /// Index into `Model::initiatives`.
    pub initiative: usize,
    /// Index into the initiative's milestones, when the item is a milestone.
    pub milestone: Option<usize>,
    /// Index into `Model::teams`.
    pub team: usize,
    /// Person-days: optimistic, likely, pessimistic.
    pub effort_days: Estimate,
    /// People working on it at once, in `UNITS_PER_PERSON` units.
    pub units: u32,
    pub due: Option<Date>,
    /// Higher is scheduled first when items compete (the weighted score).
    pub priority: f64,
}

impl WorkItem {
    /// Working days the item takes at its likely effort.
    pub fn likely_days(&self) -> u32 {
        days_for(self.effort_days.likely, self.units)
    }
}

/// Working days for `effort` person-days done by `units` tenths of a person.
pub fn days_for(effort: f64, units: u32) -> u32 {
    let people = f64::from(units.max(1)) / f64::from(UNITS_PER_PERSON);
    (effort / people).ceil().max(0.0) as u32
}

/// "`to` starts after `from` finishes, plus a lag."
#[derive(Clone, Debug, PartialEq)]
pub struct Link {
    pub from: usize,
    pub to: usize,
    /// Schedule buffer, in percent of `from`'s duration.
    pub buffer_pct: f64,
    pub kind: DependencyKind,
    /// The dependency's id.
    pub dependency: Id,
}

/// A date before which an item cannot start (an external dependency).
#[derive(Clone, Debug, PartialEq)]
pub struct Release {
    pub item: usize,
    /// The dependency's due date, which already carries its buffer.
    pub not_before: Date,
    pub dependency: Id,
}

#[derive(Clone, Debug, PartialEq)]
pub struct WorkPlan {
    pub start: Date,
    pub items: Vec<WorkItem>,
    pub links: Vec<Link>,
    pub releases: Vec<Release>,
    /// Per team, capacity in `UNITS_PER_PERSON` units per working day.
    pub team_units: Vec<u32>,
}

/// Options for `build`.
#[derive(Clone, Copy, Debug)]
pub struct BuildOptions {
    /// The first working day of the plan.
    pub start: Date,
    /// Leave out milestones already done and initiatives done or cancelled.
    pub skip_done: bool,
}

/// A team's daily capacity in units: `(sum of FTE - on call) * focus factor`,
/// less the quarter's planned time off spread over its working days.
pub fn team_units(model: &Model, index: &Index<'_>, quarter: Quarter) -> Vec<u32> {
    let working_days = crate::capacity::working_weeks(model, quarter) * 5.0;
    crate::capacity::team_daily_fte(model, index)
        .into_iter()
        .zip(&model.teams)
        .map(|(daily, t)| {
            let off = if working_days > 0.0 { t.time_off_weeks * 5.0 * t.focus_factor / working_days } else { 0.0 };
            ((daily - off).max(0.0) * f64::from(UNITS_PER_PERSON)).floor() as u32
        })
        .collect()
}

fn initiative_done(i: &Initiative) -> bool {
    matches!(i.status, InitiativeStatus::Done | InitiativeStatus::Cancelled)
}

/// Builds the work plan of a model whose references are valid.
pub fn build(model: &Model, index: &Index<'_>, options: BuildOptions) -> WorkPlan {
    let quarter = Quarter::containing(options.start);
    let team_units = team_units(model, index, quarter);
    let calendar = &model.organisation.calendar;
    let ranking = crate::scoring::rank(model, crate::scoring::RankOptions { perturbation_pp: 0.0, step_pp: 1.0 });
    let mut priority = vec![0.0; model.initiatives.len()];
    for r in &ranking.entries {
        priority[r.initiative] = r.score;
    }
    let mut items = Vec::new();
    let mut item_of_milestone = std::collections::HashMap::new();
    for (i, init) in model.initiatives.iter().enumerate() {
        if options.skip_done && initiative_done(init) {
            continue;
        }
        let team_of = |r: &crate::model::Ref| index.teams.get(r.as_str()).copied();
        let first_team = init.effort.first().and_then(|e| team_of(&e.team));
        if init.milestones.is_empty() {
            for e in &init.effort {
                let Some(team) = team_of(&e.team) else { continue };
                let id = if init.effort.len() > 1 {
                    format!("{}@{}", init.id, e.team.as_str())
                } else {
                    init.id.to_string()
                };
                items.push(WorkItem {
                    id,
                    initiative: i,
                    milestone: None,
                    team,
                    effort_days: scale(e.estimate, 5.0),
                    units: item_units(init, team_units[team], e.estimate.likely * 5.0, None),
                    due: None,
                    priority: priority[i],
                });
            }
            continue;
        }
        // Milestones without their own effort share what the initiative's
        // estimate leaves, in proportion.
        let total: Estimate =
            init.effort.iter().fold(Estimate { optimistic: 0.0, likely: 0.0, pessimistic: 0.0 }, |a, e| Estimate {
                optimistic: a.optimistic + e.estimate.optimistic,
                likely: a.likely + e.estimate.likely,
                pessimistic: a.pessimistic + e.estimate.pessimistic,
            });
        let n_ms = init.milestones.len() as f64;
        for (j, m) in init.milestones.iter().enumerate() {
            if options.skip_done && matches!(m.status, MilestoneStatus::Done | MilestoneStatus::Cancelled) {
                continue;
            }
            let Some(team) = m.team.as_ref().and_then(team_of).or(first_team) else { continue };
            let effort_weeks = match m.effort {
                // A stated effort is the likely value; the spread follows the
                // initiative's estimate.
                Some(likely) if total.likely > 0.0 => scale(total, likely / total.likely),
                Some(likely) => Estimate { optimistic: likely, likely, pessimistic: likely },
                None => scale(total, 1.0 / n_ms),
            };
            let effort_days = scale(effort_weeks, 5.0);
            let days_to_due = m.due.map(|due| calendar.working_days_between(options.start, due) + 1);
            item_of_milestone.insert(m.id.as_str(), items.len());
            items.push(WorkItem {
                id: m.id.to_string(),
                initiative: i,
                milestone: Some(j),
                team,
                effort_days,
                units: item_units(init, team_units[team], effort_days.likely, days_to_due),
                due: m.due,
                priority: priority[i],
            });
        }
    }
    let policy = &model.policy;
    let mut links = Vec::new();
    let mut releases = Vec::new();
    for d in &model.dependencies {
        let default_buffer = if d.kind.is_external() { policy.buffer_external_pct } else { policy.buffer_internal_pct };
        let buffer_pct = d.buffer_pct.unwrap_or(default_buffer);
        let blocked: Vec<usize> = d.blocks.iter().filter_map(|b| item_of_milestone.get(b.as_str()).copied()).collect();
        match d.waits_for.as_ref().and_then(|on| item_of_milestone.get(on.as_str()).copied()) {
            Some(from) => {
                for &to in &blocked {
                    links.push(Link { from, to, buffer_pct, kind: d.kind, dependency: d.id.clone() });
                }
            }
            None => {
                // Something outside the plan: its due date is when the plan
                // counts on it, and the buffer it carries is already in that
                // date (that is what `dependency-buffer` checks).
                if let Some(due) = d.due {
                    for &item in &blocked {
                        releases.push(Release { item, not_before: due, dependency: d.id.clone() });
                    }
                }
            }
        }
    }
    WorkPlan { start: options.start, items, links, releases, team_units }
}

fn scale(e: Estimate, k: f64) -> Estimate {
    Estimate { optimistic: e.optimistic * k, likely: e.likely * k, pessimistic: e.pessimistic * k }
}
