//! Metric definitions as data: what counts as a deployment, where lead time
//! starts and ends, the statistic, the window, incident attribution and the
//! benchmark table. A workspace file states them as overrides of a preset
//! (`model::DeliveryDefinition`); [`resolve_definitions`] turns those into
//! values and remembers where each came from.

use std::collections::HashMap;

use jiff::civil::{Date, Time};
use jiff::tz::Offset;
use jiff::{SignedDuration, Timestamp, ToSpan};

use super::PRODUCTION;
use super::events::{Deployment, RunResult};
use crate::diag::{Diagnostic, Loc, did_you_mean};
use crate::model::{
    AttributionRule, AttributionScope, DeliveryDefinition, FrequencyName, LeadTimeFrom, LeadTimeTo, RoundingName,
    StatisticName, WeekStartName,
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
    /// Lead times shorter than this many minutes (after rounding) are left
    /// out (fourkeys ignores changes deployed within a minute as automated
    /// pushes); 0 keeps every nonnegative lead time.
    pub lead_time_minimum_minutes: i64,
    /// Whether lead times are truncated first.
    pub lead_time_rounding: Rounding,
    /// Summarises times to restore.
    pub restore_statistic: Statistic,
    /// Whether times to restore are truncated to whole hours first.
    pub restore_rounding: Rounding,
    pub frequency_statistic: DeploymentFrequencyStat,
    /// The median (or other statistic) taken over weeks and months of
    /// deployment days: DevLake's lower middle, fourkeys' interpolated
    /// `PERCENTILE_CONT`.
    pub frequency_summary: Statistic,
    /// The first day of the weeks deployment days are counted in.
    pub week_start: WeekStart,
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

/// The first day of a week, for counting deployment days per week.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WeekStart {
    /// ISO weeks (DevLake's `WEEKDAY`).
    Monday,
    /// BigQuery's `TIMESTAMP_TRUNC(day, WEEK)` (fourkeys).
    Sunday,
}

/// How a duration is rounded before it is summarised.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rounding {
    /// As measured, to the millisecond.
    Exact,
    /// Truncated to whole minutes (`TIMESTAMP_DIFF(.., MINUTE)`).
    WholeMinutes,
    /// Truncated to whole hours (fourkeys' `TIMESTAMP_DIFF(.., HOUR)`): 59
    /// minutes count as 0.
    WholeHours,
}

impl Rounding {
    /// `minutes` rounded, still in minutes.
    pub fn apply(self, minutes: f64) -> f64 {
        match self {
            Rounding::Exact => minutes,
            Rounding::WholeMinutes => minutes.trunc(),
            Rounding::WholeHours => (minutes / 60.0).trunc() * 60.0,
        }
    }
}

/// The trailing window a report covers, ending at `now`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Window {
    /// This many days of 24 hours before `now`.
    Days(u32),
    /// From midnight UTC of today's date this many calendar months back
    /// (fourkeys' `DATE_SUB(CURRENT_DATE(), INTERVAL 3 MONTH)`, which keeps
    /// the day of the month or takes the month's last day).
    CalendarMonths(u32),
}

impl Window {
    /// The start of the window that ends at `end`. A century is longer than
    /// any delivery history: the cap keeps a mistyped window from asking for
    /// millions of weekly periods.
    pub fn start(self, end: Timestamp) -> Timestamp {
        match self {
            Window::Days(days) => {
                let days = i64::from(days.min(36_525));
                end.checked_sub(SignedDuration::from_hours(24 * days)).unwrap_or(Timestamp::MIN)
            }
            Window::CalendarMonths(months) => {
                let today = Offset::UTC.to_datetime(end).date();
                let first = today.checked_sub(i64::from(months.min(1_200)).months()).unwrap_or(Date::MIN);
                Offset::UTC.to_timestamp(first.to_datetime(Time::midnight())).unwrap_or(Timestamp::MIN)
            }
        }
    }

    /// The longest the window can be, in whole days (a month counts 31).
    pub fn max_days(self) -> u32 {
        match self {
            Window::Days(days) => days,
            Window::CalendarMonths(months) => months.saturating_mul(31),
        }
    }

    /// As the files write it: `28d`, `3mo`.
    pub fn label(self) -> String {
        match self {
            Window::Days(days) => format!("{days}d"),
            Window::CalendarMonths(months) => format!("{months}mo"),
        }
    }

    /// In words: `28 days`, `3 calendar months`.
    pub fn describe(self) -> String {
        match self {
            Window::Days(1) => "1 day".into(),
            Window::Days(days) => format!("{days} days"),
            Window::CalendarMonths(1) => "1 calendar month".into(),
            Window::CalendarMonths(months) => format!("{months} calendar months"),
        }
    }
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
/// beyond the medium boundary is low. Each boundary is inclusive unless
/// marked strict.
#[derive(Clone, Debug, PartialEq)]
pub struct Ladder {
    /// For deployment frequency a higher value is better; for the others
    /// lower is better.
    pub higher_is_better: bool,
    pub elite: f64,
    pub high: f64,
    pub medium: f64,
    /// For the elite, high and medium boundary: whether a value equal to it
    /// falls short (`<` rather than `<=`, `>` rather than `>=`), as the
    /// dashboards write their buckets.
    pub strict: [bool; 3],
    /// What the report says for elite, high, medium and low, verbatim in
    /// spirit, for display next to the number.
    pub reported: [String; 4],
}

impl Ladder {
    pub fn classify(&self, value: f64) -> Tier {
        self.classify_with(|_| value)
    }

    /// Whether `value` reaches boundary `rung` (0 elite, 1 high, 2 medium).
    pub fn meets(&self, rung: usize, value: f64) -> bool {
        let bound = [self.elite, self.high, self.medium][rung];
        match (self.higher_is_better, self.strict[rung]) {
            (true, false) => value >= bound,
            (true, true) => value > bound,
            (false, false) => value <= bound,
            (false, true) => value < bound,
        }
    }

    /// The tier when each boundary is compared with its own figure
    /// (`value(rung)`), computed only when reached.
    pub fn classify_with(&self, mut value: impl FnMut(usize) -> f64) -> Tier {
        [Tier::Elite, Tier::High, Tier::Medium]
            .into_iter()
            .enumerate()
            .find(|&(rung, _)| self.meets(rung, value(rung)))
            .map_or(Tier::Low, |(_, tier)| tier)
    }
}

/// The figure a deployment-frequency boundary is compared with. The
/// dashboards do not read one number against three boundaries: DevLake
/// falls back to deployment days per month for medium, fourkeys to weeks
/// with a deployment for "Weekly" and to those weeks per month for
/// "Monthly". Medians here are the definition's `frequency_summary`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrequencyBasis {
    /// The definition's deployment frequency (per week).
    Figure,
    /// The median over the window's weeks of 1 for a week with a deployment,
    /// else 0 (fourkeys' `week_deployed`).
    WeeksWithDeployment,
    /// The median over the calendar months the window touches of the days
    /// with a deployment (DevLake's `median_number_of_deployment_days_per_month`).
    DeployDaysPerMonth,
    /// The median over the window's weeks of the number of weeks with a
    /// deployment in the calendar month the week starts in (fourkeys'
    /// `monthly_deploys`, a window function over weeks).
    DeployWeeksPerMonth,
}

/// A benchmark table: tier boundaries for the four keys from one report.
///
/// Units: each deployment-frequency boundary in the unit of its
/// [`FrequencyBasis`] (the definition's figure per week, deployment days per
/// month, ...), lead time and time to restore in minutes, change failure
/// rate as a fraction (0.15 = 15%).
#[derive(Clone, Debug, PartialEq)]
pub struct Benchmark {
    pub report_year: u16,
    /// The report the figures come from.
    pub source: String,
    pub deployment_frequency: Ladder,
    /// What each deployment-frequency boundary (elite, high, medium) is
    /// compared with.
    pub frequency_basis: [FrequencyBasis; 3],
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

/// DevLake's reading of the 2023 report (`grafana/dashboards/DORA.json`,
/// "2023 report"): elite at a median of 7 deployment days per week ("on
/// demand" as daily), high at 1 per week, medium at a median of 1
/// deployment day per calendar month. Pair with [`DEVLAKE_FREQUENCY_BASIS`].
fn frequency_ladder(reported_texts: [&str; 4]) -> Ladder {
    Ladder {
        higher_is_better: true,
        elite: 7.0,
        high: 1.0,
        medium: 1.0,
        strict: [false; 3],
        reported: reported(reported_texts),
    }
}

const DEVLAKE_FREQUENCY_BASIS: [FrequencyBasis; 3] =
    [FrequencyBasis::Figure, FrequencyBasis::Figure, FrequencyBasis::DeployDaysPerMonth];

impl Benchmark {
    /// Google Cloud, "Accelerate State of DevOps Report 2023" (DORA), the
    /// software delivery performance clusters. The report gives bands, not
    /// boundaries: its low cluster shares the medium cluster's deployment
    /// frequency and lead time bands, so here low is what lies beyond the
    /// medium band. Change failure rates are the clusters' reported values
    /// (5%, 10%, 15%, 64%), used as upper bounds.
    ///
    /// Verified against DevLake's "2023 report" dashboard queries (apache/
    /// incubator-devlake, `grafana/dashboards/DORA.json` and the config-ui
    /// copies): lead time `< 24*60`, `< 7*24*60`, `< 30*24*60` minutes;
    /// time to restore `< 60`, `< 24*60`, `< 7*24*60`; change failure rate
    /// `<= .05`, `<= .10`, `<= .15`; deployment frequency as in
    /// `frequency_ladder`. The "less than" bands are strict, as there. The
    /// report itself is not in the sources we could read: the band texts
    /// are as published, unverified here.
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
            frequency_basis: DEVLAKE_FREQUENCY_BASIS,
            lead_time: Ladder {
                higher_is_better: false,
                elite: DAY,
                high: WEEK,
                medium: MONTH,
                strict: [true; 3],
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
                strict: [false; 3],
                reported: reported(["5%", "10%", "15%", "64%"]),
            }),
            time_to_restore: Ladder {
                higher_is_better: false,
                elite: 60.0,
                high: DAY,
                medium: WEEK,
                strict: [true; 3],
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
    ///
    /// The report itself is not in the sources we could read, nor is a
    /// dashboard implementing it. Third-party summaries of it agree with the
    /// deployment frequency bands (with the clusters' shares: 19%, 22%, 35%,
    /// 25%), the lead time bands, and the elite and high change failure
    /// rates (5%, 20%) used here; the recovery bands and the medium and low
    /// change failure rates (10%, 40%) are unconfirmed. The deployment
    /// frequency rule is DevLake's 2023 reading, whose bands the 2024 report
    /// repeats.
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
            frequency_basis: DEVLAKE_FREQUENCY_BASIS,
            lead_time: Ladder {
                higher_is_better: false,
                elite: DAY,
                high: WEEK,
                medium: MONTH,
                strict: [true; 3],
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
                strict: [true; 3],
                reported: reported([
                    "Less than one hour",
                    "Less than one day",
                    "Less than one day",
                    "Between one week and one month",
                ]),
            },
        }
    }

    /// The buckets of Google's fourkeys dashboard (dora-team/fourkeys,
    /// `METRICS.md` and `dashboard/fourkeys_dashboard.json`), which follow
    /// the 2019 State of DevOps report, read as tiers in order:
    /// - deployment frequency: "Daily" when the median deployment days per
    ///   week is `>= 3`, "Weekly" when the median week had a deployment,
    ///   "Monthly" when the median over weeks of the deployment weeks in
    ///   their month is `>= 1`, else "Yearly";
    /// - lead time `< 24`, `< 168`, `< 730` hours ("One day", "One week",
    ///   "One month"; "Six months" and "One year" are low);
    /// - time to restore, the same hour buckets;
    /// - change failure rate `<= .15` "0-15%" (the report's elite, high and
    ///   medium share it), `< .46` "16-45%", else "46-60%".
    pub fn fourkeys_2019() -> Benchmark {
        let hours = |h: f64| h * 60.0;
        let duration_ladder = || Ladder {
            higher_is_better: false,
            elite: hours(24.0),
            high: hours(168.0),
            medium: hours(730.0),
            strict: [true; 3],
            reported: reported(["One day", "One week", "One month", "Six months or one year"]),
        };
        Benchmark {
            report_year: 2019,
            source: "dora-team/fourkeys dashboard (2019 State of DevOps buckets)".into(),
            deployment_frequency: Ladder {
                higher_is_better: true,
                elite: 3.0,
                high: 1.0,
                medium: 1.0,
                strict: [false; 3],
                reported: reported(["Daily", "Weekly", "Monthly", "Yearly"]),
            },
            frequency_basis: [
                FrequencyBasis::Figure,
                FrequencyBasis::WeeksWithDeployment,
                FrequencyBasis::DeployWeeksPerMonth,
            ],
            lead_time: duration_ladder(),
            change_failure_rate: Some(Ladder {
                higher_is_better: false,
                elite: 0.15,
                high: 0.15,
                medium: 0.46,
                strict: [false, false, true],
                reported: reported(["0-15%", "0-15%", "16-45%", "46-60%"]),
            }),
            time_to_restore: duration_ladder(),
        }
    }

    /// Every table the engine ships, oldest first.
    pub fn all() -> Vec<Benchmark> {
        vec![Benchmark::fourkeys_2019(), Benchmark::dora_2023(), Benchmark::dora_2024()]
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
            lead_time_minimum_minutes: 0,
            lead_time_rounding: Rounding::Exact,
            restore_statistic: Statistic::Median,
            restore_rounding: Rounding::Exact,
            frequency_statistic: DeploymentFrequencyStat::PerWeek,
            frequency_summary: Statistic::MedianLow,
            week_start: WeekStart::Monday,
            window: Window::Days(91),
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
            lead_time_minimum_minutes: 0,
            lead_time_rounding: Rounding::Exact,
            restore_statistic: Statistic::MedianLow,
            restore_rounding: Rounding::Exact,
            frequency_statistic: DeploymentFrequencyStat::MedianDeployDaysPerWeek,
            frequency_summary: Statistic::MedianLow,
            week_start: WeekStart::Monday,
            // DevLake's DORA dashboard opens on the last six months.
            window: Window::Days(182),
            attribution: Attribution::LastDeploymentBefore { same_service: false, within_minutes: None },
            benchmark: Benchmark::dora_2023(),
        },
        MetricDefinition {
            name: "fourkeys".into(),
            description: "Follows Google's fourkeys: deployments from deploy events in any \
                          environment, lead time per commit from commit to deployment in whole \
                          minutes ignoring zero, interpolated medians, times to restore in whole \
                          hours, deployment days per Sunday-start week, \
                          incidents blamed on the deployment that shipped their root-cause \
                          commit, fourkeys' 2019 buckets, over three calendar months."
                .into(),
            deployment: DeploymentRule { environment: None, results: vec![RunResult::Success], name_pattern: None },
            lead_time_start: LeadTimeStart::CommitAuthored,
            lead_time_end: LeadTimeEnd::Deployed,
            lead_time_statistic: Statistic::Median,
            // `IF(time_to_change_minutes > 0, ..)` over whole minutes.
            lead_time_minimum_minutes: 1,
            lead_time_rounding: Rounding::WholeMinutes,
            restore_statistic: Statistic::Median,
            restore_rounding: Rounding::WholeHours,
            frequency_statistic: DeploymentFrequencyStat::MedianDeployDaysPerWeek,
            frequency_summary: Statistic::Median,
            week_start: WeekStart::Sunday,
            window: Window::CalendarMonths(3),
            // fourkeys' `queries/change_failure_rate.sql` divides the
            // distinct deployments that shipped an incident's root-cause
            // change by the distinct deployments, as here, except that it
            // blames every deployment listing that change where this blames
            // the first. Its Grafana stat panel instead counts (deployment,
            // change, incident) rows over distinct deployments, which can
            // pass 100%; that is not reproduced.
            attribution: Attribution::RootCauseCommit,
            benchmark: Benchmark::fourkeys_2019(),
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
    "lead_time.minimum",
    "lead_time.rounding",
    "restore_statistic",
    "restore_rounding",
    "frequency",
    "frequency_statistic",
    "week_start",
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

fn rounding(r: RoundingName) -> Rounding {
    match r {
        RoundingName::Exact => Rounding::Exact,
        RoundingName::WholeMinutes => Rounding::WholeMinutes,
        RoundingName::WholeHours => Rounding::WholeHours,
    }
}

/// File spelling of a rounding, for display.
pub fn rounding_name(r: Rounding) -> &'static str {
    match r {
        Rounding::Exact => RoundingName::Exact.as_str(),
        Rounding::WholeMinutes => RoundingName::WholeMinutes.as_str(),
        Rounding::WholeHours => RoundingName::WholeHours.as_str(),
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
    if let Some(m) = spec.lead_time_minimum_minutes {
        d.lead_time_minimum_minutes = m;
    }
    if let Some(s) = spec.restore_statistic {
        d.restore_statistic = statistic(s);
    }
    if let Some(r) = spec.lead_time_rounding {
        d.lead_time_rounding = rounding(r);
    }
    if let Some(r) = spec.restore_rounding {
        d.restore_rounding = rounding(r);
    }
    if let Some(s) = spec.frequency_statistic {
        d.frequency_summary = statistic(s);
    }
    if let Some(w) = spec.week_start {
        d.week_start = match w {
            WeekStartName::Monday => WeekStart::Monday,
            WeekStartName::Sunday => WeekStart::Sunday,
        };
    }
    if let Some(f) = spec.frequency {
        d.frequency_statistic = match f {
            FrequencyName::PerWeek => DeploymentFrequencyStat::PerWeek,
            FrequencyName::DeployDaysPerWeek => DeploymentFrequencyStat::MedianDeployDaysPerWeek,
        };
    }
    if let Some(days) = spec.window_days {
        d.window = Window::Days(days);
    }
    if let Some(months) = spec.window_months {
        d.window = Window::CalendarMonths(months);
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
