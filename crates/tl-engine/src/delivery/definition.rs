//! Metric definitions as data: what counts as a deployment, where lead time
//! starts and ends, the statistic, the window, incident attribution and the
//! benchmark table. A workspace file states them as overrides of a preset
//! (`model::DeliveryDefinition`); [`resolve_definitions`] turns those into
//! values and remembers where each came from.

use std::collections::HashMap;

use super::PRODUCTION;
use super::events::{Deployment, RunResult};
use crate::diag::{Diagnostic, Loc, did_you_mean};
use crate::model::{
    AttributionRule, AttributionScope, DeliveryDefinition, FrequencyName, LeadTimeFrom, LeadTimeTo, StatisticName,
};

/// Everything that decides a delivery number. Two teams that compute with
/// the same definition get comparable numbers; the name is what a dashboard
/// links to.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricDefinition {
    /// The preset or file name (`devlake`, `fourkeys`, `dora-2023`).
    pub name: String,
    /// One sentence for people: where the behaviour comes from.
    pub description: String,
    pub deployment: DeploymentRule,
    pub lead_time_start: LeadTimeStart,
    pub lead_time_end: LeadTimeEnd,
    /// Summarises lead times (and the PR cycle-time breakdown).
    pub lead_time_statistic: Statistic,
    /// Summarises times to restore.
    pub restore_statistic: Statistic,
    pub frequency_statistic: DeploymentFrequencyStat,
    pub window: Window,
    pub attribution: Attribution,
    pub benchmark: Benchmark,
}

/// Which deployments count.
#[derive(Clone, Debug, PartialEq)]
pub struct DeploymentRule {
    /// Exact environment name; `None` counts every environment.
    pub environment: Option<String>,
    /// Results that count (usually only success).
    pub results: Vec<RunResult>,
    /// When set, the deployment's name must match.
    pub name_pattern: Option<NamePattern>,
}

impl DeploymentRule {
    /// Whether `deployment` counts under this rule.
    pub fn counts(&self, deployment: &Deployment) -> bool {
        self.environment.as_deref().is_none_or(|env| env == deployment.environment)
            && self.results.contains(&deployment.result)
            && self.name_pattern.as_ref().is_none_or(|p| p.matches(&deployment.name))
    }
}

/// A glob over names: `*` matches any run of characters, `?` exactly one;
/// everything else matches itself. `deploy-*` matches `deploy-prod`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamePattern(pub String);

impl NamePattern {
    pub fn matches(&self, name: &str) -> bool {
        let pattern: Vec<char> = self.0.chars().collect();
        let text: Vec<char> = name.chars().collect();
        // Iterative glob with one backtrack point: linear in practice and
        // never recursive, so no input can blow the stack.
        let (mut p, mut t) = (0, 0);
        let mut star: Option<(usize, usize)> = None;
        while t < text.len() {
            if p < pattern.len() && (pattern[p] == '?' || pattern[p] == text[t]) {
                p += 1;
                t += 1;
            } else if p < pattern.len() && pattern[p] == '*' {
                star = Some((p, t));
                p += 1;
            } else if let Some((sp, st)) = star {
                p = sp + 1;
                t = st + 1;
                star = Some((sp, st + 1));
            } else {
                return false;
            }
        }
        pattern[p..].iter().all(|&c| c == '*')
    }
}

/// Where a change's lead time starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LeadTimeStart {
    /// The pull request's earliest-authored commit (DevLake's cycle time).
    FirstCommit,
    /// The pull request's creation.
    PrCreated,
    /// Every commit separately, from its author time (fourkeys: a change is
    /// a commit).
    CommitAuthored,
}

/// Where a change's lead time ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LeadTimeEnd {
    /// The finish of the first counted deployment containing the change.
    Deployed,
    /// The merge (for teams without deployment data; not a DORA lead time).
    Merged,
}

/// How a set of durations becomes one number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Statistic {
    /// The middle value, or the mean of the two middle values.
    Median,
    /// The lower middle value: what DevLake's dashboards compute as
    /// `max(x) where percent_rank() <= 0.5`.
    MedianLow,
    /// The 75th percentile by nearest rank (the smallest value with at least
    /// 75% of values at or below it).
    P75,
    Mean,
}

/// How deployment frequency is measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeploymentFrequencyStat {
    /// Counted deployments per week of the window.
    PerWeek,
    /// The median, over the window's weeks, of the number of days with at
    /// least one deployment (DevLake's and fourkeys' dashboards), so that a
    /// burst of deployments on one day does not look like a daily habit.
    MedianDeployDaysPerWeek,
}

/// The trailing window a report covers: `days` days ending at `now`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub days: u32,
}

/// How an incident is attributed to a deployment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Attribution {
    /// The last counted deployment that finished strictly before the
    /// incident was created.
    LastDeploymentBefore {
        /// Only deployments of the incident's service (otherwise any
        /// deployment in the events given, as DevLake does per project).
        same_service: bool,
        /// When set, a deployment that finished longer ago than this many
        /// minutes before the incident is not blamed.
        within_minutes: Option<i64>,
    },
    /// The first counted deployment containing the incident's root-cause
    /// commit (fourkeys).
    RootCauseCommit,
}

/// Performance tiers of the State of DevOps reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tier {
    Elite,
    High,
    Medium,
    Low,
}

impl Tier {
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Elite => "elite",
            Tier::High => "high",
            Tier::Medium => "medium",
            Tier::Low => "low",
        }
    }
}

/// Boundaries of the elite, high and medium tiers for one metric; anything
/// beyond the medium boundary is low. Boundaries are inclusive.
#[derive(Clone, Debug, PartialEq)]
pub struct Ladder {
    /// For deployment frequency a higher value is better; for the others
    /// lower is better.
    pub higher_is_better: bool,
    pub elite: f64,
    pub high: f64,
    pub medium: f64,
    /// What the report says for elite, high, medium and low, verbatim in
    /// spirit, for display next to the number.
    pub reported: [String; 4],
}

impl Ladder {
    pub fn classify(&self, value: f64) -> Tier {
        let meets = |bound: f64| {
            if self.higher_is_better { value >= bound } else { value <= bound }
        };
        if meets(self.elite) {
            Tier::Elite
        } else if meets(self.high) {
            Tier::High
        } else if meets(self.medium) {
            Tier::Medium
        } else {
            Tier::Low
        }
    }
}

/// A benchmark table: tier boundaries for the four keys from one report.
///
/// Units: deployments per week (or deployment days per week, whichever the
/// definition measures), lead time and time to restore in minutes, change
/// failure rate as a fraction (0.15 = 15%).
#[derive(Clone, Debug, PartialEq)]
pub struct Benchmark {
    pub report_year: u16,
    /// The report the figures come from.
    pub source: String,
    pub deployment_frequency: Ladder,
    pub lead_time: Ladder,
    /// `None` when the report's clusters are not ordered on this metric, so
    /// that no tier can be read off it.
    pub change_failure_rate: Option<Ladder>,
    pub time_to_restore: Ladder,
}

const DAY: f64 = 24.0 * 60.0;
const WEEK: f64 = 7.0 * DAY;
const MONTH: f64 = 30.0 * DAY;

fn reported(texts: [&str; 4]) -> [String; 4] {
    texts.map(str::to_string)
}

fn frequency_ladder(reported_texts: [&str; 4]) -> Ladder {
    // "On demand (multiple deploys per day)" is read as at least daily,
    // "once per week" as 1 per week and "once per month" as 12 per 52 weeks.
    Ladder { higher_is_better: true, elite: 7.0, high: 1.0, medium: 12.0 / 52.0, reported: reported(reported_texts) }
}

impl Benchmark {
    /// Google Cloud, "Accelerate State of DevOps Report 2023" (DORA), the
    /// software delivery performance clusters. The report gives bands, not
    /// boundaries: its low cluster shares the medium cluster's deployment
    /// frequency and lead time bands, so here low is what lies beyond the
    /// medium band. Change failure rates are the clusters' reported values
    /// (5%, 10%, 15%, 64%), used as upper bounds.
    pub fn dora_2023() -> Benchmark {
        Benchmark {
            report_year: 2023,
            source: "Accelerate State of DevOps Report 2023 (DORA, Google Cloud)".into(),
            deployment_frequency: frequency_ladder([
                "On demand",
                "Between once per day and once per week",
                "Between once per week and once per month",
                "Between once per week and once per month",
            ]),
            lead_time: Ladder {
                higher_is_better: false,
                elite: DAY,
                high: WEEK,
                medium: MONTH,
                reported: reported([
                    "Less than one day",
                    "Between one day and one week",
                    "Between one week and one month",
                    "Between one week and one month",
                ]),
            },
            change_failure_rate: Some(Ladder {
                higher_is_better: false,
                elite: 0.05,
                high: 0.10,
                medium: 0.15,
                reported: reported(["5%", "10%", "15%", "64%"]),
            }),
            time_to_restore: Ladder {
                higher_is_better: false,
                elite: 60.0,
                high: DAY,
                medium: WEEK,
                reported: reported([
                    "Less than one hour",
                    "Less than one day",
                    "Between one day and one week",
                    "Between one month and six months",
                ]),
            },
        }
    }

    /// Google Cloud, "Accelerate State of DevOps Report 2024" (DORA). Its
    /// clusters are not ordered on change failure rate (high 20%, medium
    /// 10%), so this table gives no change-failure tier; and high and medium
    /// share the "less than one day" recovery band, so medium is never the
    /// tier for time to restore.
    pub fn dora_2024() -> Benchmark {
        Benchmark {
            report_year: 2024,
            source: "Accelerate State of DevOps Report 2024 (DORA, Google Cloud)".into(),
            deployment_frequency: frequency_ladder([
                "On demand (multiple deploys per day)",
                "Between once per day and once per week",
                "Between once per week and once per month",
                "Between once per month and once every six months",
            ]),
            lead_time: Ladder {
                higher_is_better: false,
                elite: DAY,
                high: WEEK,
                medium: MONTH,
                reported: reported([
                    "Less than one day",
                    "Between one day and one week",
                    "Between one week and one month",
                    "Between one month and six months",
                ]),
            },
            change_failure_rate: None,
            time_to_restore: Ladder {
                higher_is_better: false,
                elite: 60.0,
                high: DAY,
                medium: DAY,
                reported: reported([
                    "Less than one hour",
                    "Less than one day",
                    "Less than one day",
                    "Between one week and one month",
                ]),
            },
        }
    }

    /// Every table the engine ships, oldest first.
    pub fn all() -> Vec<Benchmark> {
        vec![Benchmark::dora_2023(), Benchmark::dora_2024()]
    }
}

fn production_successes() -> DeploymentRule {
    DeploymentRule { environment: Some(PRODUCTION.to_string()), results: vec![RunResult::Success], name_pattern: None }
}

/// The shipped definitions: `dora-2023` (the default), `devlake` and
/// `fourkeys`. The default comes first.
pub fn presets() -> Vec<MetricDefinition> {
    vec![
        MetricDefinition {
            name: "dora-2023".into(),
            description: "Follows the Accelerate State of DevOps Report 2023: successful \
                          production deployments, lead time from first commit to deployment, \
                          medians, incidents blamed on the service's last deployment before them."
                .into(),
            deployment: production_successes(),
            lead_time_start: LeadTimeStart::FirstCommit,
            lead_time_end: LeadTimeEnd::Deployed,
            lead_time_statistic: Statistic::Median,
            restore_statistic: Statistic::Median,
            frequency_statistic: DeploymentFrequencyStat::PerWeek,
            window: Window { days: 91 },
            attribution: Attribution::LastDeploymentBefore { same_service: true, within_minutes: None },
            benchmark: Benchmark::dora_2023(),
        },
        MetricDefinition {
            name: "devlake".into(),
            description: "Reproduces Apache DevLake's DORA plugin: successful PRODUCTION \
                          deployments, PR cycle time (first commit to deployment), medians as \
                          max(x) where percent_rank <= 0.5, incidents blamed on the project's \
                          last successful production deployment before them."
                .into(),
            deployment: production_successes(),
            lead_time_start: LeadTimeStart::FirstCommit,
            lead_time_end: LeadTimeEnd::Deployed,
            lead_time_statistic: Statistic::MedianLow,
            restore_statistic: Statistic::MedianLow,
            frequency_statistic: DeploymentFrequencyStat::MedianDeployDaysPerWeek,
            // DevLake's DORA dashboard opens on the last six months.
            window: Window { days: 182 },
            attribution: Attribution::LastDeploymentBefore { same_service: false, within_minutes: None },
            benchmark: Benchmark::dora_2023(),
        },
        MetricDefinition {
            name: "fourkeys".into(),
            description: "Follows Google's fourkeys: deployments from deploy events in any \
                          environment, lead time per commit from commit to deployment, medians, \
                          incidents blamed on the deployment that shipped their root-cause \
                          commit, over the last three months."
                .into(),
            deployment: DeploymentRule { environment: None, results: vec![RunResult::Success], name_pattern: None },
            lead_time_start: LeadTimeStart::CommitAuthored,
            lead_time_end: LeadTimeEnd::Deployed,
            lead_time_statistic: Statistic::Median,
            restore_statistic: Statistic::Median,
            frequency_statistic: DeploymentFrequencyStat::MedianDeployDaysPerWeek,
            window: Window { days: 90 },
            attribution: Attribution::RootCauseCommit,
            benchmark: Benchmark::dora_2023(),
        },
    ]
}

/// The preset called `name`, if there is one.
pub fn preset(name: &str) -> Option<MetricDefinition> {
    presets().into_iter().find(|d| d.name == name)
}

/// Where a field of a resolved definition got its value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// The preset at the root of the `extends` chain.
    Preset(String),
    /// Written in a workspace file, at this location.
    File(Loc),
}

/// A definition ready to compute with: the engine's [`MetricDefinition`]
/// (named by its id), what it extends, and where each field came from.
#[derive(Clone, Debug, PartialEq)]
pub struct ResolvedDefinition {
    pub definition: MetricDefinition,
    /// The preset or definition it extends; `None` for a preset.
    pub extends: Option<String>,
    /// Every field, by the dotted name the files use, with its origin, in
    /// [`FIELDS`] order.
    pub origins: Vec<(&'static str, Origin)>,
    /// Where the definition is written; `None` for a preset.
    pub loc: Option<Loc>,
}

impl ResolvedDefinition {
    pub fn name(&self) -> &str {
        &self.definition.name
    }

    /// Where `field` came from.
    pub fn origin(&self, field: &str) -> Option<&Origin> {
        self.origins.iter().find(|(f, _)| *f == field).map(|(_, o)| o)
    }
}

/// The fields of a definition, by the dotted names the files use.
pub const FIELDS: &[&str] = &[
    "description",
    "deployment.environment",
    "deployment.results",
    "deployment.pattern",
    "lead_time.start",
    "lead_time.end",
    "lead_time.statistic",
    "restore_statistic",
    "frequency",
    "window",
    "attribution",
    "benchmark",
];

/// The preset every definition extends unless it says otherwise.
pub const DEFAULT_PRESET: &str = "dora-2023";

fn from_preset(preset: MetricDefinition) -> ResolvedDefinition {
    let origins = FIELDS.iter().map(|f| (*f, Origin::Preset(preset.name.clone()))).collect();
    ResolvedDefinition { definition: preset, extends: None, origins, loc: None }
}

fn statistic(s: StatisticName) -> Statistic {
    match s {
        StatisticName::Median => Statistic::Median,
        StatisticName::MedianLow => Statistic::MedianLow,
        StatisticName::P75 => Statistic::P75,
        StatisticName::Mean => Statistic::Mean,
    }
}

/// File spelling of a statistic, for display.
pub fn statistic_name(s: Statistic) -> &'static str {
    match s {
        Statistic::Median => StatisticName::Median.as_str(),
        Statistic::MedianLow => StatisticName::MedianLow.as_str(),
        Statistic::P75 => StatisticName::P75.as_str(),
        Statistic::Mean => StatisticName::Mean.as_str(),
    }
}

/// Applies the overrides of `spec` to its resolved parent.
fn apply(parent: &ResolvedDefinition, spec: &DeliveryDefinition, diags: &mut Vec<Diagnostic>) -> ResolvedDefinition {
    let mut out = parent.clone();
    out.extends = Some(parent.definition.name.clone());
    out.loc = Some(spec.loc);
    let d = &mut out.definition;
    d.name = spec.id.0.clone();
    if let Some(text) = &spec.description {
        d.description = text.clone();
    }
    if let Some(env) = &spec.environment {
        d.deployment.environment = (env != "*").then(|| env.clone());
    }
    if !spec.results.is_empty() {
        d.deployment.results = spec.results.iter().map(|r| RunResult::from_name(r)).collect();
    }
    if let Some(p) = &spec.pattern {
        d.deployment.name_pattern = Some(NamePattern(p.clone()));
    }
    if let Some(s) = spec.lead_time_start {
        d.lead_time_start = match s {
            LeadTimeFrom::FirstCommit => LeadTimeStart::FirstCommit,
            LeadTimeFrom::PrCreated => LeadTimeStart::PrCreated,
            LeadTimeFrom::CommitAuthored => LeadTimeStart::CommitAuthored,
        };
    }
    if let Some(e) = spec.lead_time_end {
        d.lead_time_end = match e {
            LeadTimeTo::Deployed => LeadTimeEnd::Deployed,
            LeadTimeTo::Merged => LeadTimeEnd::Merged,
        };
    }
    if let Some(s) = spec.lead_time_statistic {
        d.lead_time_statistic = statistic(s);
    }
    if let Some(s) = spec.restore_statistic {
        d.restore_statistic = statistic(s);
    }
    if let Some(f) = spec.frequency {
        d.frequency_statistic = match f {
            FrequencyName::PerWeek => DeploymentFrequencyStat::PerWeek,
            FrequencyName::DeployDaysPerWeek => DeploymentFrequencyStat::MedianDeployDaysPerWeek,
        };
    }
    if let Some(days) = spec.window_days {
        d.window = Window { days };
    }
    if let Some(a) = &spec.attribution {
        d.attribution = match a.rule {
            AttributionRule::RootCauseCommit => {
                if a.scope.is_some() || a.within_minutes.is_some() {
                    diags.push(
                        Diagnostic::error(
                            "invalid-value",
                            a.loc,
                            "`scope` and `within` apply only to `rule: last_deployment_before`",
                        )
                        .with_hint("remove them, or use `rule: last_deployment_before`"),
                    );
                }
                Attribution::RootCauseCommit
            }
            AttributionRule::LastDeploymentBefore => Attribution::LastDeploymentBefore {
                same_service: a.scope.unwrap_or(AttributionScope::Service) == AttributionScope::Service,
                within_minutes: a.within_minutes,
            },
        };
    }
    if let Some(year) = spec.benchmark {
        match Benchmark::all().into_iter().find(|b| b.report_year == year) {
            Some(b) => d.benchmark = b,
            None => {
                let loc = spec.fields.iter().find(|(f, _)| *f == "benchmark").map_or(spec.loc, |(_, l)| *l);
                let years: Vec<String> = Benchmark::all().iter().map(|b| b.report_year.to_string()).collect();
                diags.push(
                    Diagnostic::error("invalid-value", loc, format!("there is no benchmark table for {year}"))
                        .with_hint(format!("use one of the report years {}", years.join(", "))),
                );
            }
        }
    }
    for (field, loc) in &spec.fields {
        if let Some(slot) = out.origins.iter_mut().find(|(f, _)| f == field) {
            slot.1 = Origin::File(*loc);
        }
    }
    out
}

/// The presets, then the workspace's definitions resolved against them (in
/// file order), with every problem: an `extends` naming nothing (with a
/// did-you-mean hint), a cycle of `extends`, an id that shadows a preset, a
/// benchmark year without a table. A definition with a problem in its chain
/// is left out.
pub fn resolve_definitions(specs: &[DeliveryDefinition]) -> (Vec<ResolvedDefinition>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut resolved: Vec<ResolvedDefinition> = presets().into_iter().map(from_preset).collect();
    let preset_names: Vec<String> = resolved.iter().map(|r| r.definition.name.clone()).collect();
    let mut state: HashMap<&str, Option<usize>> = HashMap::new();
    for spec in specs {
        if preset_names.contains(&spec.id.0) {
            diags.push(
                Diagnostic::error(
                    "duplicate-id",
                    spec.loc,
                    format!("the definition `{}` has the name of a preset", spec.id),
                )
                .with_hint(format!("give it another id and write `extends: {}` to start from the preset", spec.id)),
            );
        }
    }
    fn visit<'s>(
        i: usize,
        specs: &'s [DeliveryDefinition],
        resolved: &mut Vec<ResolvedDefinition>,
        state: &mut HashMap<&'s str, Option<usize>>,
        chain: &mut Vec<usize>,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<usize> {
        let spec = &specs[i];
        if let Some(done) = state.get(spec.id.as_str()) {
            return *done;
        }
        if chain.contains(&i) {
            let mut names: Vec<&str> = chain.iter().skip_while(|&&c| c != i).map(|&c| specs[c].id.as_str()).collect();
            names.push(spec.id.as_str());
            diags.push(
                Diagnostic::error(
                    "invalid-value",
                    spec.loc,
                    format!("`extends` goes round in a circle: {}", names.join(" → ")),
                )
                .with_hint(format!("let one of them extend a preset, such as `{DEFAULT_PRESET}`")),
            );
            return None;
        }
        chain.push(i);
        let parent_name = spec.extends.as_ref().map_or(DEFAULT_PRESET, |r| r.as_str());
        let parent = if let Some(j) = specs.iter().position(|s| s.id.as_str() == parent_name) {
            visit(j, specs, resolved, state, chain, diags)
        } else if let Some(p) = resolved.iter().position(|r| r.extends.is_none() && r.definition.name == parent_name) {
            Some(p)
        } else {
            let loc = spec.extends.as_ref().map_or(spec.loc, |r| r.loc);
            let names =
                presets().into_iter().map(|p| p.name).chain(specs.iter().map(|s| s.id.0.clone())).collect::<Vec<_>>();
            let hint = match did_you_mean(parent_name, names.iter().map(String::as_str)) {
                Some(best) => format!("did you mean `{best}`?"),
                None => format!("extend a preset ({}) or a definition of the workspace", preset_names_list()),
            };
            diags.push(
                Diagnostic::error(
                    "unknown-reference",
                    loc,
                    format!("`extends` names `{parent_name}`, which is neither a preset nor a definition"),
                )
                .with_hint(hint),
            );
            None
        };
        chain.pop();
        let out = parent.map(|p| {
            let def = apply(&resolved[p], spec, diags);
            resolved.push(def);
            resolved.len() - 1
        });
        state.insert(spec.id.as_str(), out);
        out
    }
    for i in 0..specs.len() {
        visit(i, specs, &mut resolved, &mut state, &mut Vec::new(), &mut diags);
    }
    // Presets first, then the workspace's definitions in file order.
    let n_presets = preset_names.len();
    let mut tail: Vec<ResolvedDefinition> = resolved.split_off(n_presets);
    let order: HashMap<&str, usize> = specs.iter().enumerate().map(|(i, s)| (s.id.as_str(), i)).collect();
    tail.sort_by_key(|r| order.get(r.definition.name.as_str()).copied().unwrap_or(usize::MAX));
    resolved.extend(tail);
    (resolved, diags)
}

fn preset_names_list() -> String {
    presets().into_iter().map(|p| p.name).collect::<Vec<_>>().join(", ")
}
