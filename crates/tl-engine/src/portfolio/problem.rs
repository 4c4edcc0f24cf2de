//! The portfolio problem as the optimizer sees it (items, teams, options) and
//! the feasibility check that every selection must pass. The check is written
//! the plain way on purpose: the solver's incremental bookkeeping is tested
//! against it.

use std::fmt;

/// Slack allowed on every constraint, relative to its scale (`max(1, limit)`
/// for a team, `max(1, total effort)` for a share), so that rounding in sums
/// does not turn an exactly full team into an overloaded one.
pub const FEASIBILITY_TOLERANCE: f64 = 1e-9;

/// The three kinds of work the mix rule balances.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    /// Promised work: commitments to customers or the business.
    Committed,
    /// Making existing things better.
    Improvement,
    /// Bets whose value is uncertain.
    Exploration,
}

impl Category {
    pub const ALL: [Category; 3] = [Category::Committed, Category::Improvement, Category::Exploration];

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn name(self) -> &'static str {
        match self {
            Category::Committed => "committed",
            Category::Improvement => "improvement",
            Category::Exploration => "exploration",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A team and what it can give this quarter.
#[derive(Clone, Debug, PartialEq)]
pub struct Team {
    pub name: String,
    /// Person-weeks available in the quarter, before the ceiling.
    pub capacity_weeks: f64,
}

/// A candidate initiative.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub name: String,
    /// What choosing it is worth (a weighted score or an explicit value), >= 0.
    pub value: f64,
    /// Person-weeks asked of each team: `(team index, weeks)`.
    pub effort: Vec<(usize, f64)>,
    pub category: Category,
    /// Counts towards the tech-debt floor.
    pub tech_debt: bool,
    /// False when a skill it needs is missing from its teams (the caller
    /// decides); such an item is never chosen.
    pub allowed: bool,
    /// Must be chosen.
    pub mandatory: bool,
    /// Must not be chosen.
    pub excluded: bool,
    /// Items that must be chosen whenever this one is (indices).
    pub requires: Vec<usize>,
}

impl Item {
    /// An allowed, optional item with no effort and no prerequisites.
    pub fn new(name: impl Into<String>, value: f64, category: Category) -> Self {
        Item {
            name: name.into(),
            value,
            effort: Vec::new(),
            category,
            tech_debt: false,
            allowed: true,
            mandatory: false,
            excluded: false,
            requires: Vec::new(),
        }
    }

    /// Person-weeks over all teams; the mix and the tech-debt floor are shares
    /// of this.
    pub fn total_effort(&self) -> f64 {
        self.effort.iter().map(|&(_, e)| e).sum()
    }

    /// Person-weeks asked of one team.
    pub fn effort_on(&self, team: usize) -> f64 {
        self.effort.iter().filter(|&&(t, _)| t == team).map(|&(_, e)| e).sum()
    }
}

/// Items and teams. Items refer to teams and to each other by index.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Problem {
    pub teams: Vec<Team>,
    pub items: Vec<Item>,
}

/// Target shares of chosen effort per category, in percent, each allowed to
/// drift by `tolerance` percentage points.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MixTargets {
    pub committed: f64,
    pub improvement: f64,
    pub exploration: f64,
    pub tolerance: f64,
}

impl Default for MixTargets {
    fn default() -> Self {
        MixTargets { committed: 70.0, improvement: 20.0, exploration: 10.0, tolerance: 10.0 }
    }
}

impl MixTargets {
    /// Target share of a category, in percent.
    pub fn target(&self, category: Category) -> f64 {
        match category {
            Category::Committed => self.committed,
            Category::Improvement => self.improvement,
            Category::Exploration => self.exploration,
        }
    }
}

/// How to solve. Shares and thresholds are percentages, like the rest of the
/// policy; budgets count units of work, never seconds, so that a result can
/// be replayed exactly.
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    /// Share of each team's capacity that may be planned (default 85).
    pub ceiling_percent: f64,
    /// The category mix; `None` switches the rule off.
    pub mix: Option<MixTargets>,
    /// Minimum share of chosen effort on tech-debt items (default 15);
    /// `None` switches the rule off.
    pub debt_floor_percent: Option<f64>,
    /// Branch-and-bound nodes at most.
    pub node_budget: u64,
    /// Coefficient visits (one per item and constraint touched) at most,
    /// over the bound computation and the branch and bound.
    pub work_budget: u64,
    /// Relative gap under which a selection counts as optimal.
    pub gap_tolerance: f64,
    /// Rounds of the perturbation search that refines the heuristic plan.
    pub search_rounds: u32,
    /// Seed for the perturbation search.
    pub seed: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            ceiling_percent: 85.0,
            mix: Some(MixTargets::default()),
            debt_floor_percent: Some(15.0),
            node_budget: 200_000,
            work_budget: 100_000_000,
            gap_tolerance: 1e-9,
            search_rounds: 1000,
            seed: 1,
        }
    }
}

/// A share constraint: one side of a category's band, or the debt floor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MixLimit {
    /// The category's share must not exceed target + tolerance.
    CategoryMax(Category),
    /// The category's share must not fall below target - tolerance.
    CategoryMin(Category),
    /// The tech-debt share must not fall below the floor.
    DebtFloor,
}

impl MixLimit {
    /// The limit as a fraction of chosen effort, clamped to [0, 1]; `None`
    /// when the options switch it off.
    pub fn bound(self, options: &Options) -> Option<f64> {
        match self {
            MixLimit::CategoryMax(c) => {
                options.mix.map(|mix| ((mix.target(c) + mix.tolerance) / 100.0).clamp(0.0, 1.0))
            }
            MixLimit::CategoryMin(c) => {
                options.mix.map(|mix| ((mix.target(c) - mix.tolerance) / 100.0).clamp(0.0, 1.0))
            }
            MixLimit::DebtFloor => options.debt_floor_percent.map(|p| (p / 100.0).clamp(0.0, 1.0)),
        }
    }

    /// Whether the limit can ever be broken: a maximum of 100% or a minimum
    /// of 0% cannot.
    pub fn is_active(self, options: &Options) -> bool {
        match (self, self.bound(options)) {
            (_, None) => false,
            (MixLimit::CategoryMax(_), Some(b)) => b < 1.0,
            (_, Some(b)) => b > 0.0,
        }
    }

    /// Every limit, in report order.
    pub fn all() -> [MixLimit; 7] {
        use Category::*;
        [
            MixLimit::CategoryMin(Committed),
            MixLimit::CategoryMax(Committed),
            MixLimit::CategoryMin(Improvement),
            MixLimit::CategoryMax(Improvement),
            MixLimit::CategoryMin(Exploration),
            MixLimit::CategoryMax(Exploration),
            MixLimit::DebtFloor,
        ]
    }

    /// Share of `selected`'s effort that this limit measures.
    pub fn share(self, problem: &Problem, selected: &[bool]) -> f64 {
        let (mut part, mut total) = (0.0, 0.0);
        for (item, _) in problem.items.iter().zip(selected).filter(|(_, s)| **s) {
            let e = item.total_effort();
            total += e;
            if self.counts(item) {
                part += e;
            }
        }
        if total > 0.0 { part / total } else { 0.0 }
    }

    /// Whether an item's effort is in this limit's numerator.
    pub fn counts(self, item: &Item) -> bool {
        match self {
            MixLimit::CategoryMax(c) | MixLimit::CategoryMin(c) => item.category == c,
            MixLimit::DebtFloor => item.tech_debt,
        }
    }

    pub fn is_max(self) -> bool {
        matches!(self, MixLimit::CategoryMax(_))
    }
}

impl fmt::Display for MixLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MixLimit::CategoryMax(c) => write!(f, "{c} maximum"),
            MixLimit::CategoryMin(c) => write!(f, "{c} minimum"),
            MixLimit::DebtFloor => f.write_str("tech-debt floor"),
        }
    }
}

/// Why a problem or its options cannot be solved as given.
#[derive(Clone, Debug, PartialEq)]
pub enum InputError {
    /// An item asks effort of a team that does not exist.
    UnknownTeam { item: usize, team: usize },
    /// An item requires an item that does not exist.
    UnknownItem { item: usize, requires: usize },
    /// A value or effort is negative, infinite or not a number.
    BadNumber { item: usize, field: &'static str },
    /// A team's capacity is negative, infinite or not a number.
    BadCapacity { team: usize },
    /// An option is out of range.
    BadOption { option: &'static str },
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputError::UnknownTeam { item, team } => write!(f, "item {item} asks effort of unknown team {team}"),
            InputError::UnknownItem { item, requires } => write!(f, "item {item} requires unknown item {requires}"),
            InputError::BadNumber { item, field } => write!(f, "item {item} has a bad {field}"),
            InputError::BadCapacity { team } => write!(f, "team {team} has a bad capacity"),
            InputError::BadOption { option } => write!(f, "option {option} is out of range"),
        }
    }
}

impl std::error::Error for InputError {}

/// Checks indices and numbers.
pub fn validate(problem: &Problem, options: &Options) -> Result<(), InputError> {
    let good = |x: f64| x.is_finite() && x >= 0.0;
    for (t, team) in problem.teams.iter().enumerate() {
        if !good(team.capacity_weeks) {
            return Err(InputError::BadCapacity { team: t });
        }
    }
    for (i, item) in problem.items.iter().enumerate() {
        if !good(item.value) {
            return Err(InputError::BadNumber { item: i, field: "value" });
        }
        for &(t, e) in &item.effort {
            if t >= problem.teams.len() {
                return Err(InputError::UnknownTeam { item: i, team: t });
            }
            if !good(e) {
                return Err(InputError::BadNumber { item: i, field: "effort" });
            }
        }
        if let Some(&r) = item.requires.iter().find(|&&r| r >= problem.items.len()) {
            return Err(InputError::UnknownItem { item: i, requires: r });
        }
    }
    if !(options.ceiling_percent.is_finite() && options.ceiling_percent >= 0.0) {
        return Err(InputError::BadOption { option: "ceiling_percent" });
    }
    if let Some(mix) = options.mix {
        let all = [mix.committed, mix.improvement, mix.exploration, mix.tolerance];
        if !all.iter().all(|x| x.is_finite() && *x >= 0.0) {
            return Err(InputError::BadOption { option: "mix" });
        }
    }
    if let Some(p) = options.debt_floor_percent
        && !(p.is_finite() && p >= 0.0)
    {
        return Err(InputError::BadOption { option: "debt_floor_percent" });
    }
    if !(options.gap_tolerance.is_finite() && options.gap_tolerance >= 0.0) {
        return Err(InputError::BadOption { option: "gap_tolerance" });
    }
    Ok(())
}

/// A broken constraint.
#[derive(Clone, Debug, PartialEq)]
pub enum Violation {
    /// A team is asked for more than its ceiling.
    Capacity { team: usize, used: f64, limit: f64 },
    /// A share is outside its limit.
    Mix { limit: MixLimit, share: f64, bound: f64 },
    /// An item is chosen without one it requires.
    Precedence { item: usize, requires: usize },
    /// A mandatory item is left out.
    Mandatory { item: usize },
    /// An excluded or disallowed item is chosen.
    Forbidden { item: usize },
}

/// Planned person-weeks a team may carry: capacity times the ceiling.
pub fn team_limit(team: &Team, options: &Options) -> f64 {
    team.capacity_weeks * options.ceiling_percent / 100.0
}

/// Every constraint `selected` breaks (empty when it is feasible). The empty
/// selection satisfies the mix and the debt floor: there is no effort to share.
pub fn violations(problem: &Problem, options: &Options, selected: &[bool]) -> Vec<Violation> {
    let mut out = Vec::new();
    let mut used = vec![0.0; problem.teams.len()];
    for (i, item) in problem.items.iter().enumerate() {
        let chosen = selected.get(i).copied().unwrap_or(false);
        if chosen {
            for &(t, e) in &item.effort {
                used[t] += e;
            }
            if item.excluded || !item.allowed {
                out.push(Violation::Forbidden { item: i });
            }
            for &r in &item.requires {
                if !selected.get(r).copied().unwrap_or(false) {
                    out.push(Violation::Precedence { item: i, requires: r });
                }
            }
        } else if item.mandatory {
            out.push(Violation::Mandatory { item: i });
        }
    }
    for (t, team) in problem.teams.iter().enumerate() {
        let limit = team_limit(team, options);
        if used[t] > limit + FEASIBILITY_TOLERANCE * limit.max(1.0) {
            out.push(Violation::Capacity { team: t, used: used[t], limit });
        }
    }
    let total: f64 = problem.items.iter().zip(selected).filter(|(_, s)| **s).map(|(it, _)| it.total_effort()).sum();
    if total > 0.0 {
        for limit in MixLimit::all() {
            let Some(bound) = limit.bound(options) else { continue };
            let part: f64 = problem
                .items
                .iter()
                .zip(selected)
                .filter(|(it, s)| **s && limit.counts(it))
                .map(|(it, _)| it.total_effort())
                .sum();
            let excess = if limit.is_max() { part - bound * total } else { bound * total - part };
            if excess > FEASIBILITY_TOLERANCE * total.max(1.0) {
                out.push(Violation::Mix { limit, share: part / total, bound });
            }
        }
    }
    out
}

/// Total value of a selection.
pub fn selection_value(problem: &Problem, selected: &[bool]) -> f64 {
    problem.items.iter().zip(selected).filter(|(_, s)| **s).map(|(it, _)| it.value).sum()
}
