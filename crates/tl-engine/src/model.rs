//! The strategy model: plain types for everything a workspace describes.
//!
//! Entities carry their stable `Id` and the `Loc` where they were defined, so
//! that findings can point at them. Cross-references are `Ref`s: an id plus the
//! place the reference was written. Fields the linter checks (a key result's
//! target, a milestone's owner, ...) are `Option`s, so that a missing value is
//! a finding with a hint rather than a load failure.

use crate::calendar::Calendar;
use crate::diag::Loc;
use crate::policy::Policy;
use jiff::civil::Date;
use std::fmt;

/// A stable, human-readable identifier (`payments`, `kr-checkout-p99`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Id(pub String);

impl Id {
    /// Checks the id syntax: lowercase ASCII letters, digits, `-`, `_`, `.`,
    /// starting with a letter or digit, at most 100 characters.
    pub fn parse(s: &str) -> Result<Id, String> {
        let first_ok = s.chars().next().is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
        let rest_ok = s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'));
        if s.is_empty() {
            Err("an id cannot be empty".into())
        } else if s.len() > 100 {
            Err(format!("an id has at most 100 characters; this one has {}", s.len()))
        } else if !first_ok || !rest_ok {
            Err(format!(
                "`{s}` is not a valid id: use lowercase letters, digits, `-`, `_` and `.`, starting with a letter or digit"
            ))
        } else {
            Ok(Id(s.to_string()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A reference to another entity, with the place it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Ref {
    pub id: Id,
    pub loc: Loc,
}

impl Ref {
    pub fn as_str(&self) -> &str {
        self.id.as_str()
    }
}

/// A calendar quarter, such as 2027-Q1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quarter {
    pub year: i16,
    /// 1 to 4.
    pub q: u8,
}

impl Quarter {
    /// Parses `YYYY-Qn`.
    pub fn parse(s: &str) -> Result<Quarter, String> {
        let bad = || format!("`{s}` is not a quarter; write it as YYYY-Qn, e.g. 2027-Q1");
        let (year, q) = s.split_once("-Q").or_else(|| s.split_once("-q")).ok_or_else(bad)?;
        let year: i16 = year.parse().map_err(|_| bad())?;
        let q: u8 = q.parse().map_err(|_| bad())?;
        if !(1..=4).contains(&q) || !(1900..=9999).contains(&year) {
            return Err(bad());
        }
        Ok(Quarter { year, q })
    }

    /// The quarter a date falls in.
    pub fn containing(date: Date) -> Quarter {
        Quarter { year: date.year(), q: ((date.month() - 1) / 3 + 1) as u8 }
    }

    /// The first day of the quarter.
    pub fn start(self) -> Date {
        Date::new(self.year, (self.q as i8 - 1) * 3 + 1, 1).expect("quarter start is a valid date")
    }

    /// The last day of the quarter.
    pub fn end(self) -> Date {
        let month = self.q as i8 * 3;
        let first = Date::new(self.year, month, 1).expect("valid month");
        first.last_of_month()
    }

    pub fn contains(self, date: Date) -> bool {
        self.start() <= date && date <= self.end()
    }
}

impl fmt::Display for Quarter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-Q{}", self.year, self.q)
    }
}

/// Declares a closed set of keywords that appear in the files as snake_case strings.
macro_rules! keywords {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name { $($variant),+ }

        impl $name {
            /// Every value with its spelling in the files.
            pub const ALL: &'static [($name, &'static str)] = &[$(($name::$variant, $text)),+];

            /// The spellings, for error messages and the JSON Schema.
            pub const NAMES: &'static [&'static str] = &[$($text),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(s: &str) -> Option<$name> {
                Self::ALL.iter().find(|(_, t)| *t == s).map(|(v, _)| *v)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

keywords!(
    /// How senior a person is.
    Seniority { Junior = "junior", Mid = "mid", Senior = "senior", Staff = "staff", Principal = "principal" }
);

impl Seniority {
    /// Senior, staff and principal engineers.
    pub fn is_senior_or_above(self) -> bool {
        self >= Seniority::Senior
    }
}

keywords!(
    /// What kind of problem a diagnosis item names.
    DiagnosisKind {
        TechnicalDebt = "technical_debt",
        ScalabilityBottleneck = "scalability_bottleneck",
        TalentGap = "talent_gap",
        CompetitivePosition = "competitive_position",
        Other = "other",
    }
);

keywords!(
    /// The kind of an objective.
    ObjectiveKind { Technical = "technical", Process = "process", Innovation = "innovation" }
);

keywords!(
    /// Which way a metric should move.
    Direction { Increase = "increase", Decrease = "decrease" }
);

keywords!(
    /// The 70-20-10 category of an initiative.
    Category { Committed = "committed", Improvement = "improvement", Exploration = "exploration" }
);

keywords!(
    /// What kind of investment an initiative is.
    Investment {
        Feature = "feature",
        Platform = "platform",
        TechDebt = "tech_debt",
        Ktlo = "ktlo",
        Innovation = "innovation",
    }
);

keywords!(
    /// Where an initiative stands.
    InitiativeStatus {
        Proposed = "proposed",
        Planned = "planned",
        InProgress = "in_progress",
        Done = "done",
        Cancelled = "cancelled",
    }
);

keywords!(
    /// Where a milestone stands.
    MilestoneStatus {
        Planned = "planned",
        InProgress = "in_progress",
        Done = "done",
        Late = "late",
        Cancelled = "cancelled",
    }
);

keywords!(
    /// The outcome of a scalability review at one volume level.
    ScalabilityRating { Ok = "ok", Risk = "risk", Blocker = "blocker" }
);

keywords!(
    /// The type of a dependency.
    DependencyKind { Technical = "technical", Organizational = "organizational", External = "external" }
);

impl DependencyKind {
    pub fn is_external(self) -> bool {
        self == DependencyKind::External
    }
}

keywords!(
    /// Where a dependency stands.
    DependencyStatus { Open = "open", AtRisk = "at_risk", Blocked = "blocked", Done = "done" }
);

keywords!(
    /// A coarse three-level scale for risks.
    Level { Low = "low", Medium = "medium", High = "high" }
);

keywords!(
    /// The business impact of a debt item.
    DebtImpact { Low = "low", Medium = "medium", High = "high", Critical = "critical" }
);

keywords!(
    /// The ten categories of Google's technical-debt taxonomy.
    DebtCategory {
        MigrationNeeded = "migration_needed",
        Documentation = "documentation",
        Testing = "testing",
        CodeQuality = "code_quality",
        DeadCode = "dead_code",
        CodeDegradation = "code_degradation",
        Expertise = "expertise",
        Dependencies = "dependencies",
        MigrationAbandoned = "migration_abandoned",
        ReleaseProcess = "release_process",
    }
);

keywords!(
    /// What a KPI measures.
    MetricCategory {
        Delivery = "delivery",
        Quality = "quality",
        Reliability = "reliability",
        BusinessImpact = "business_impact",
    }
);

keywords!(
    /// Whether a KPI predicts (leading) or confirms (lagging) an outcome.
    Indicator { Leading = "leading", Lagging = "lagging" }
);

/// The organisation the workspace describes.
#[derive(Clone, Debug, PartialEq)]
pub struct Organisation {
    pub name: String,
    pub description: Option<String>,
    /// Working weekdays and holidays; capacity and schedules count working days.
    pub calendar: Calendar,
    pub loc: Loc,
}

impl Default for Organisation {
    fn default() -> Self {
        Organisation { name: String::new(), description: None, calendar: Calendar::default(), loc: Loc::NONE }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Team {
    pub id: Id,
    pub name: String,
    pub mission: Option<String>,
    pub lead: Option<Ref>,
    /// Share of time available for planned work, 0-1.
    pub focus_factor: f64,
    /// FTE permanently consumed by on-call.
    pub on_call_fte: f64,
    /// Planned person-weeks off per quarter.
    pub time_off_weeks: f64,
    /// The services (as delivery events name them) the team owns; delivery
    /// metrics per team are computed over these.
    pub services: Vec<String>,
    pub loc: Loc,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Skill {
    pub name: String,
    /// 1 to 5.
    pub level: u8,
}

/// A person holds a skill at this level or above.
pub const HOLDS_SKILL_LEVEL: u8 = 3;

#[derive(Clone, Debug, PartialEq)]
pub struct Person {
    pub id: Id,
    pub name: String,
    pub team: Ref,
    pub seniority: Seniority,
    pub fte: f64,
    pub skills: Vec<Skill>,
    pub loc: Loc,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DiagnosisItem {
    pub id: Id,
    pub kind: DiagnosisKind,
    pub statement: String,
    pub evidence: Vec<String>,
    pub loc: Loc,
}

#[derive(Clone, Debug, PartialEq)]
pub struct GuidingPolicy {
    pub id: Id,
    pub statement: String,
    pub addresses: Vec<Ref>,
    pub loc: Loc,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Theme {
    pub id: Id,
    pub name: String,
    pub impact: Option<String>,
    pub success_metrics: Vec<String>,
    pub capacity_share_pct: Option<f64>,
    pub loc: Loc,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Pillar {
    pub id: Id,
    pub name: String,
    pub description: Option<String>,
    pub themes: Vec<Ref>,
    pub loc: Loc,
}

#[derive(Clone, Debug, PartialEq)]
pub struct KeyResult {
    pub id: Id,
    pub title: String,
    pub metric: Option<String>,
    pub baseline: Option<f64>,
    pub target: Option<f64>,
    pub unit: Option<String>,
    pub direction: Option<Direction>,
    pub due: Option<Date>,
    /// When set, the value comes from delivery events, not check-ins.
    pub measure: Option<Measure>,
    pub loc: Loc,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Objective {
    pub id: Id,
    pub title: String,
    pub quarter: Quarter,
    pub team: Ref,
    pub contributors: Vec<Ref>,
    pub kind: ObjectiveKind,
    pub theme: Option<Ref>,
    pub owner: Option<Ref>,
    pub key_results: Vec<KeyResult>,
    pub loc: Loc,
}

/// The four criteria of the weighted scoring matrix, each scored 1-5.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Scores {
    pub business_impact: Option<u8>,
    pub technical_feasibility: Option<u8>,
    /// 5 means the initiative needs few resources; 1 means very many.
    pub resource_requirements: Option<u8>,
    pub strategic_fit: Option<u8>,
    pub loc: Loc,
}

impl Scores {
    /// The four scores in criterion order, if all are present.
    pub fn complete(&self) -> Option<[u8; 4]> {
        Some([self.business_impact?, self.technical_feasibility?, self.resource_requirements?, self.strategic_fit?])
    }
}

/// A three-point estimate in person-weeks.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    pub optimistic: f64,
    pub likely: f64,
    pub pessimistic: f64,
}

impl Estimate {
    /// The PERT mean, (o + 4m + p) / 6.
    pub fn mean(&self) -> f64 {
        (self.optimistic + 4.0 * self.likely + self.pessimistic) / 6.0
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct TeamEffort {
    pub team: Ref,
    pub estimate: Estimate,
    pub loc: Loc,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Allocation {
    pub person: Ref,
    /// Share of the person's time over the quarter, 0-1.
    pub share: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ScalabilityCheck {
    pub rating: ScalabilityRating,
    pub note: Option<String>,
    pub loc: Loc,
}

/// The review of an initiative at 2x, 5x and 10x volume.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ScalabilityReview {
    pub x2: Option<ScalabilityCheck>,
    pub x5: Option<ScalabilityCheck>,
    pub x10: Option<ScalabilityCheck>,
}

impl ScalabilityReview {
    pub fn is_empty(&self) -> bool {
        self.x2.is_none() && self.x5.is_none() && self.x10.is_none()
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Milestone {
    pub id: Id,
    pub title: String,
    pub outcome: Option<String>,
    pub due: Option<Date>,
    pub owner: Option<Ref>,
    /// Person-weeks.
    pub effort: Option<f64>,
    pub team: Option<Ref>,
    pub status: MilestoneStatus,
    pub loc: Loc,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Initiative {
    pub id: Id,
    pub title: String,
    pub description: Option<String>,
    pub quarter: Quarter,
    pub theme: Option<Ref>,
    pub objectives: Vec<Ref>,
    pub policies: Vec<Ref>,
    pub pillars: Vec<Ref>,
    pub category: Category,
    pub investment: Investment,
    pub scores: Scores,
    pub effort: Vec<TeamEffort>,
    pub skills: Vec<String>,
    pub owner: Option<Ref>,
    pub staffing: Vec<Allocation>,
    pub status: InitiativeStatus,
    pub scalability: ScalabilityReview,
    pub milestones: Vec<Milestone>,
    pub loc: Loc,
}

impl Initiative {
    /// Whether the initiative still asks for capacity.
    pub fn is_active(&self) -> bool {
        self.status != InitiativeStatus::Cancelled
    }

    /// The likely effort of one team on this initiative.
    pub fn likely_effort_of(&self, team: &str) -> f64 {
        self.effort.iter().filter(|e| e.team.as_str() == team).map(|e| e.estimate.likely).sum()
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Dependency {
    pub id: Id,
    pub kind: DependencyKind,
    pub title: Option<String>,
    /// The milestones that cannot finish without this dependency.
    pub blocks: Vec<Ref>,
    /// The milestone this dependency waits for, when it is internal.
    pub waits_for: Option<Ref>,
    /// The outside party, when it is external.
    pub party: Option<String>,
    pub owner: Option<Ref>,
    pub due: Option<Date>,
    pub status: DependencyStatus,
    /// Schedule buffer carried, in percent.
    pub buffer_pct: Option<f64>,
    pub backup_plan: Option<String>,
    pub loc: Loc,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Risk {
    pub id: Id,
    pub title: String,
    pub likelihood: Level,
    pub impact: Level,
    pub owner: Option<Ref>,
    pub mitigation: Option<String>,
    pub initiatives: Vec<Ref>,
    pub loc: Loc,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DebtItem {
    pub id: Id,
    pub title: String,
    pub category: DebtCategory,
    pub team: Ref,
    pub impact: DebtImpact,
    pub impact_note: Option<String>,
    /// Person-weeks.
    pub effort: f64,
    pub owner: Option<Ref>,
    pub initiative: Option<Ref>,
    pub loc: Loc,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Metric {
    pub id: Id,
    pub team: Ref,
    pub name: String,
    pub category: MetricCategory,
    pub indicator: Indicator,
    pub unit: Option<String>,
    pub direction: Option<Direction>,
    pub target: Option<f64>,
    /// When set, the value comes from delivery events, not check-ins.
    pub measure: Option<Measure>,
    pub loc: Loc,
}

keywords!(
    /// Where a change's lead time starts, as a definition file spells it.
    LeadTimeFrom { FirstCommit = "first_commit", PrCreated = "pr_created", CommitAuthored = "commit_authored" }
);

keywords!(
    /// Where a change's lead time ends.
    LeadTimeTo { Deployed = "deployed", Merged = "merged" }
);

keywords!(
    /// How durations are summarised.
    StatisticName { Median = "median", MedianLow = "median_low", P75 = "p75", Mean = "mean" }
);

keywords!(
    /// How deployment frequency is counted.
    FrequencyName { PerWeek = "per_week", DeployDaysPerWeek = "deploy_days_per_week" }
);

keywords!(
    /// The first day of the weeks deployment days are counted in.
    WeekStartName { Monday = "monday", Sunday = "sunday" }
);

keywords!(
    /// How durations are rounded before they are summarised.
    RoundingName { Exact = "exact", WholeMinutes = "whole_minutes", WholeHours = "whole_hours" }
);

keywords!(
    /// How an incident is attributed to a deployment.
    AttributionRule { LastDeploymentBefore = "last_deployment_before", RootCauseCommit = "root_cause_commit" }
);

keywords!(
    /// Which deployments an incident may be blamed on.
    AttributionScope { Service = "service", Any = "any" }
);

/// Incident attribution as a definition file states it.
#[derive(Clone, Debug, PartialEq)]
pub struct AttributionSpec {
    pub rule: AttributionRule,
    /// Only for `last_deployment_before`; default `service`.
    pub scope: Option<AttributionScope>,
    /// Only for `last_deployment_before`: older deployments are not blamed.
    pub within_minutes: Option<i64>,
    pub loc: Loc,
}

/// A delivery-metric definition as written in the workspace: a preset or
/// another definition it extends, and the fields it overrides. Every field
/// left out is inherited; `delivery::resolve_definitions` turns it into the
/// engine's `MetricDefinition`.
#[derive(Clone, Debug, PartialEq)]
pub struct DeliveryDefinition {
    pub id: Id,
    /// A preset (`dora-2023`, `devlake`, `fourkeys`) or another definition;
    /// `None` extends the default preset.
    pub extends: Option<Ref>,
    pub description: Option<String>,
    /// `*` counts every environment.
    pub environment: Option<String>,
    /// Run results that count as a deployment; empty inherits.
    pub results: Vec<String>,
    pub pattern: Option<String>,
    pub lead_time_start: Option<LeadTimeFrom>,
    pub lead_time_end: Option<LeadTimeTo>,
    pub lead_time_statistic: Option<StatisticName>,
    /// Shorter lead times are left out, in minutes.
    pub lead_time_minimum_minutes: Option<i64>,
    pub lead_time_rounding: Option<RoundingName>,
    pub restore_statistic: Option<StatisticName>,
    pub restore_rounding: Option<RoundingName>,
    pub frequency: Option<FrequencyName>,
    /// Summarises deployment days over weeks and months.
    pub frequency_statistic: Option<StatisticName>,
    pub week_start: Option<WeekStartName>,
    pub window_days: Option<u32>,
    /// A window of calendar months (`3mo`); at most one of the two is set.
    pub window_months: Option<u32>,
    pub attribution: Option<AttributionSpec>,
    pub benchmark: Option<u16>,
    /// Where each overriding field was written, by its dotted name
    /// (`deployment.environment`), for showing where a value came from.
    pub fields: Vec<(&'static str, Loc)>,
    pub loc: Loc,
}

keywords!(
    /// What a bound metric measures from delivery events: one of the four
    /// keys, a part of the PR cycle time, or review velocity.
    DeliveryKey {
        DeploymentFrequency = "deployment_frequency",
        LeadTime = "lead_time",
        ChangeFailureRate = "change_failure_rate",
        TimeToRestore = "time_to_restore",
        CycleTime = "cycle_time",
        CodingTime = "coding_time",
        PickupTime = "pickup_time",
        ReviewTime = "review_time",
        DeployTime = "deploy_time",
        ReviewVelocity = "review_velocity",
    }
);

keywords!(
    /// The events a bound metric is computed over.
    MeasureScope { Team = "team", Organisation = "organisation", Services = "services" }
);

keywords!(
    /// The unit a bound metric's value is reported in.
    MeasureUnit {
        Minutes = "minutes",
        Hours = "hours",
        Days = "days",
        PerDay = "per_day",
        PerWeek = "per_week",
        Percent = "percent",
        Fraction = "fraction",
    }
);

/// A binding from a key result or team metric to delivery events.
#[derive(Clone, Debug, PartialEq)]
pub struct Measure {
    pub key: DeliveryKey,
    /// A workspace definition or preset; `None` is the default preset.
    pub definition: Option<Ref>,
    /// Default `team` (the metric's team, or the key result's objective's
    /// team); `services` when `services` is given.
    pub scope: MeasureScope,
    pub services: Vec<String>,
    /// Default: hours for durations, per week for frequencies, percent for
    /// the change failure rate.
    pub unit: Option<MeasureUnit>,
    pub loc: Loc,
}

/// A whole workspace: the organisation, its strategy and its plan.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Model {
    pub organisation: Organisation,
    pub policy: Policy,
    pub teams: Vec<Team>,
    pub people: Vec<Person>,
    pub diagnosis: Vec<DiagnosisItem>,
    pub policies: Vec<GuidingPolicy>,
    pub themes: Vec<Theme>,
    pub pillars: Vec<Pillar>,
    pub objectives: Vec<Objective>,
    pub initiatives: Vec<Initiative>,
    pub dependencies: Vec<Dependency>,
    pub risks: Vec<Risk>,
    pub debt: Vec<DebtItem>,
    pub metrics: Vec<Metric>,
    pub delivery_definitions: Vec<DeliveryDefinition>,
}

impl Model {
    /// Every milestone, with the initiative it belongs to.
    pub fn milestones(&self) -> impl Iterator<Item = (&Initiative, &Milestone)> {
        self.initiatives.iter().flat_map(|i| i.milestones.iter().map(move |m| (i, m)))
    }

    /// The same model with every location cleared, so that models read
    /// from different files (or rebuilt from a database) compare equal.
    pub fn without_locations(self) -> Model {
        let mut m = self;
        let none = Loc::NONE;
        let clear = |r: &mut Ref| r.loc = none;
        m.organisation.loc = none;
        m.policy.loc = none;
        for (_, _, l) in &mut m.policy.rules {
            *l = none;
        }
        for t in &mut m.teams {
            t.loc = none;
            t.lead.as_mut().map(clear);
        }
        for p in &mut m.people {
            p.loc = none;
            clear(&mut p.team);
        }
        for d in &mut m.diagnosis {
            d.loc = none;
        }
        for p in &mut m.policies {
            p.loc = none;
            p.addresses.iter_mut().for_each(clear);
        }
        for t in &mut m.themes {
            t.loc = none;
        }
        for p in &mut m.pillars {
            p.loc = none;
            p.themes.iter_mut().for_each(clear);
        }
        for o in &mut m.objectives {
            o.loc = none;
            clear(&mut o.team);
            o.contributors.iter_mut().for_each(clear);
            o.theme.as_mut().map(clear);
            o.owner.as_mut().map(clear);
            for k in &mut o.key_results {
                k.loc = none;
            }
        }
        for i in &mut m.initiatives {
            i.loc = none;
            i.scores.loc = none;
            i.theme.as_mut().map(clear);
            i.owner.as_mut().map(clear);
            i.objectives.iter_mut().for_each(clear);
            i.policies.iter_mut().for_each(clear);
            i.pillars.iter_mut().for_each(clear);
            for e in &mut i.effort {
                e.loc = none;
                clear(&mut e.team);
            }
            for a in &mut i.staffing {
                clear(&mut a.person);
            }
            for c in [&mut i.scalability.x2, &mut i.scalability.x5, &mut i.scalability.x10].into_iter().flatten() {
                c.loc = none;
            }
            for ms in &mut i.milestones {
                ms.loc = none;
                ms.owner.as_mut().map(clear);
                ms.team.as_mut().map(clear);
            }
        }
        for d in &mut m.dependencies {
            d.loc = none;
            d.blocks.iter_mut().for_each(clear);
            d.waits_for.as_mut().map(clear);
            d.owner.as_mut().map(clear);
        }
        for r in &mut m.risks {
            r.loc = none;
            r.owner.as_mut().map(clear);
            r.initiatives.iter_mut().for_each(clear);
        }
        for d in &mut m.debt {
            d.loc = none;
            clear(&mut d.team);
            d.owner.as_mut().map(clear);
            d.initiative.as_mut().map(clear);
        }
        let clear_measure = |x: &mut Option<Measure>| {
            if let Some(x) = x {
                x.loc = none;
                x.definition.as_mut().map(clear);
            }
        };
        for o in &mut m.objectives {
            for k in &mut o.key_results {
                clear_measure(&mut k.measure);
            }
        }
        for k in &mut m.metrics {
            k.loc = none;
            clear(&mut k.team);
            clear_measure(&mut k.measure);
        }
        for d in &mut m.delivery_definitions {
            d.loc = none;
            d.extends.as_mut().map(clear);
            d.fields.iter_mut().for_each(|(_, l)| *l = none);
            if let Some(a) = &mut d.attribution {
                a.loc = none;
            }
        }
        m
    }

    /// Every key result, with its objective.
    pub fn key_results(&self) -> impl Iterator<Item = (&Objective, &KeyResult)> {
        self.objectives.iter().flat_map(|o| o.key_results.iter().map(move |k| (o, k)))
    }
}
