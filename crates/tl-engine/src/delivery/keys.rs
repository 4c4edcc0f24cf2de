//! The four keys (deployment frequency, lead time for changes, change
//! failure rate, time to restore) and the PR cycle-time breakdown, computed
//! from events under a [`MetricDefinition`], overall, per service or team,
//! and per week and quarter.
//!
//! A report over a million events computes hundreds of (group, period)
//! cells, so it does not scan the events per cell: each group's events are
//! reduced once to what the keys need (counted deployments, lead-time and
//! restore samples), sorted by the time that places them in a period, and
//! each cell takes a slice by binary search. [`four_keys`] is the same
//! computation over one range.

use std::collections::{BTreeMap, HashMap, HashSet};

use jiff::civil::Date;
use jiff::tz::Offset;
use jiff::{SignedDuration, Timestamp, ToSpan};

use super::definition::{
    Attribution, DeploymentFrequencyStat, FrequencyBasis, LeadTimeEnd, LeadTimeStart, MetricDefinition, Statistic,
    Tier, WeekStart,
};
use super::events::{Commit, Deployment, Incident, PullRequest};
use super::stats::{span_minutes, summarize};

/// The events a report is computed from. Borrowed: the engine never owns
/// the event store.
#[derive(Clone, Copy, Debug)]
pub struct DeliveryEvents<'a> {
    pub deployments: &'a [Deployment],
    pub commits: &'a [Commit],
    pub pull_requests: &'a [PullRequest],
    /// Incidents with `deployment_id` already set keep it (the incident tool
    /// knew); the others are attributed with the definition.
    pub incidents: &'a [Incident],
}

/// How a report is broken down besides the overall figures.
#[derive(Clone, Copy, Debug)]
pub enum GroupBy<'a> {
    Service,
    /// By team, through a service → team map; unmapped services go to the
    /// group `""`.
    Team(&'a BTreeMap<String, String>),
}

impl GroupBy<'_> {
    fn key(&self, service: &str) -> String {
        match self {
            GroupBy::Service => service.to_string(),
            GroupBy::Team(map) => map.get(service).cloned().unwrap_or_default(),
        }
    }
}

/// The four keys over one time range.
#[derive(Clone, Debug, PartialEq)]
pub struct FourKeys {
    /// Deployments the definition counts that finished in the range.
    pub deployments: usize,
    /// Per week, in the unit of the definition's frequency statistic.
    pub deployment_frequency: f64,
    /// Minutes; `None` without a deployed change in the range.
    pub lead_time_minutes: Option<f64>,
    pub lead_time_samples: usize,
    /// Counted deployments with at least one incident attributed, over
    /// counted deployments; `None` without deployments.
    pub change_failure_rate: Option<f64>,
    pub failed_deployments: usize,
    /// Minutes from creation to resolution of incidents created in the
    /// range and resolved.
    pub time_to_restore_minutes: Option<f64>,
    pub restore_samples: usize,
    pub tiers: Tiers,
}

/// The benchmark tier of each key; `None` where there is no number (or the
/// benchmark gives no tier for the metric).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tiers {
    pub deployment_frequency: Tier,
    pub lead_time: Option<Tier>,
    pub change_failure_rate: Option<Tier>,
    pub time_to_restore: Option<Tier>,
}

/// A calendar period of a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Period {
    /// ISO week, Monday 00:00 UTC to the next Monday.
    Week,
    /// Calendar quarter in UTC.
    Quarter,
}

/// The four keys of one period (clipped to the report's window).
#[derive(Clone, Debug, PartialEq)]
pub struct PeriodKeys {
    pub period: Period,
    /// `2024-W05` or `2024-Q1`.
    pub label: String,
    pub start: Timestamp,
    pub end: Timestamp,
    pub overall: FourKeys,
    pub groups: BTreeMap<String, FourKeys>,
}

/// A full report: the window, overall and per group, then per week and per
/// quarter, with the PR cycle-time breakdown.
#[derive(Clone, Debug, PartialEq)]
pub struct KeysReport {
    pub definition: String,
    pub start: Timestamp,
    pub end: Timestamp,
    pub overall: FourKeys,
    pub groups: BTreeMap<String, FourKeys>,
    pub weeks: Vec<PeriodKeys>,
    pub quarters: Vec<PeriodKeys>,
    pub cycle_times: CycleTimes,
}

/// The PR cycle-time breakdown, each part summarised with the definition's
/// lead-time statistic, in minutes.
#[derive(Clone, Debug, PartialEq)]
pub struct CycleTimes {
    /// Pull requests merged in the range.
    pub pull_requests: usize,
    /// First commit to PR created.
    pub coding: Option<f64>,
    /// PR created to first review.
    pub pickup: Option<f64>,
    /// First review to merge.
    pub review: Option<f64>,
    /// Merge to deployed.
    pub deploy: Option<f64>,
    /// First commit (or creation, without commits) to deployed.
    pub cycle: Option<f64>,
}

fn in_range(t: Option<Timestamp>, start: Timestamp, end: Timestamp) -> bool {
    t.is_some_and(|t| start <= t && t < end)
}

/// Nonnegative span in minutes, or `None`.
fn span(start: Option<Timestamp>, end: Option<Timestamp>) -> Option<f64> {
    let m = span_minutes(start?, end?);
    (m >= 0.0).then_some(m)
}

/// Sets `deployment_id` on incidents that have none, as the definition's
/// attribution says. Only deployments the definition counts are blamed.
pub fn attribute_incidents(incidents: &mut [Incident], deployments: &[Deployment], definition: &MetricDefinition) {
    if incidents.iter().all(|i| i.deployment_id.is_some()) {
        return;
    }
    // (finish, deployment) of the counted deployments.
    let counted = deployments.iter().filter(|d| definition.deployment.counts(d)).filter_map(|d| Some((d.finished?, d)));
    match &definition.attribution {
        Attribution::LastDeploymentBefore { same_service, within_minutes } => {
            // Per service (or all in one list), ordered by finish and, on a
            // tie, by id descending: the last one finishing before an
            // incident is the latest, with the smallest id among equals.
            let mut lists: HashMap<&str, Vec<(Timestamp, &Deployment)>> = HashMap::new();
            for (finished, d) in counted {
                let key = if *same_service { d.service.as_str() } else { "" };
                lists.entry(key).or_default().push((finished, d));
            }
            for list in lists.values_mut() {
                list.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| b.1.id.cmp(&a.1.id)));
            }
            for incident in incidents.iter_mut().filter(|i| i.deployment_id.is_none()) {
                let key = if *same_service { incident.service.as_str() } else { "" };
                let blamed = lists.get(key).and_then(|list| {
                    let before = list.partition_point(|(finished, _)| *finished < incident.created);
                    let (finished, d) = *list.get(before.checked_sub(1)?)?;
                    // The latest is the nearest: if it is too old, all are.
                    within_minutes
                        .is_none_or(|limit| span_minutes(finished, incident.created) <= limit as f64)
                        .then_some(d)
                });
                incident.deployment_id = blamed.map(|d| d.id.clone());
            }
        }
        Attribution::RootCauseCommit => {
            let wanted: HashSet<&str> = incidents
                .iter()
                .filter(|i| i.deployment_id.is_none())
                .filter_map(|i| i.root_cause_commit.as_deref())
                .collect();
            // The first counted deployment (by finish, then id) per commit.
            let mut first: HashMap<&str, (Timestamp, &str)> = HashMap::new();
            for (finished, d) in counted {
                for sha in d.commits.iter().filter(|sha| wanted.contains(sha.as_str())) {
                    let candidate = (finished, d.id.as_str());
                    let slot = first.entry(sha.as_str()).or_insert(candidate);
                    if candidate < *slot {
                        *slot = candidate;
                    }
                }
            }
            for incident in incidents.iter_mut().filter(|i| i.deployment_id.is_none()) {
                let blamed = incident.root_cause_commit.as_deref().and_then(|sha| first.get(sha));
                incident.deployment_id = blamed.map(|(_, id)| id.to_string());
            }
        }
    }
}

/// The four keys over `[start, end)`. Incidents must already be attributed
/// (see [`attribute_incidents`]).
pub fn four_keys(
    events: &DeliveryEvents<'_>,
    definition: &MetricDefinition,
    start: Timestamp,
    end: Timestamp,
) -> FourKeys {
    let scope = Scope {
        deployments: events.deployments.iter().collect(),
        commits: events.commits.iter().collect(),
        pull_requests: events.pull_requests.iter().collect(),
        incidents: events.incidents.iter().collect(),
    };
    Samples::new(&scope, definition).keys(definition, start, end)
}

/// The events of one group, borrowed.
#[derive(Default)]
struct Scope<'a> {
    deployments: Vec<&'a Deployment>,
    commits: Vec<&'a Commit>,
    pull_requests: Vec<&'a PullRequest>,
    incidents: Vec<&'a Incident>,
}

/// What the four keys of a scope are computed from, each list sorted by the
/// time that places it in a range.
struct Samples {
    /// Counted deployments with a finish: (finish, an incident of the scope
    /// is attributed to it).
    deployments: Vec<(Timestamp, bool)>,
    /// (end of the lead time, minutes).
    lead_times: Vec<(Timestamp, f64)>,
    /// (incident created, minutes to resolution).
    restores: Vec<(Timestamp, f64)>,
}

/// The slice of `sorted` whose times are in `[start, end)`.
fn within<T>(sorted: &[(Timestamp, T)], start: Timestamp, end: Timestamp) -> &[(Timestamp, T)] {
    let from = sorted.partition_point(|(t, _)| *t < start);
    let to = sorted.partition_point(|(t, _)| *t < end).max(from);
    &sorted[from..to]
}

fn by_time<T>(list: &mut [(Timestamp, T)]) {
    list.sort_by_key(|a| a.0);
}

impl Samples {
    fn new(scope: &Scope<'_>, definition: &MetricDefinition) -> Samples {
        let blamed: HashSet<&str> = scope.incidents.iter().filter_map(|i| i.deployment_id.as_deref()).collect();
        let mut deployments: Vec<(Timestamp, bool)> = scope
            .deployments
            .iter()
            .filter(|d| definition.deployment.counts(d))
            .filter_map(|d| Some((d.finished?, blamed.contains(d.id.as_str()))))
            .collect();
        by_time(&mut deployments);

        let mut lead_times: Vec<(Timestamp, f64)> = if definition.lead_time_start == LeadTimeStart::CommitAuthored {
            if definition.lead_time_end == LeadTimeEnd::Deployed {
                scope.commits.iter().filter_map(|c| Some((c.deployed?, span(c.authored, c.deployed)?))).collect()
            } else {
                Vec::new()
            }
        } else {
            scope
                .pull_requests
                .iter()
                .filter_map(|pr| {
                    let finish = match definition.lead_time_end {
                        LeadTimeEnd::Deployed => pr.deployed,
                        LeadTimeEnd::Merged => pr.merged,
                    }?;
                    let begin = match definition.lead_time_start {
                        LeadTimeStart::FirstCommit => pr.first_commit.as_ref().map(|(_, at)| *at),
                        _ => Some(pr.created),
                    };
                    Some((finish, span(begin, Some(finish))?))
                })
                .collect()
        };
        let (minimum, rounding) = (definition.lead_time_minimum_minutes as f64, definition.lead_time_rounding);
        if rounding != super::definition::Rounding::Exact {
            lead_times.iter_mut().for_each(|(_, m)| *m = rounding.apply(*m));
        }
        lead_times.retain(|(_, m)| *m >= minimum);
        by_time(&mut lead_times);

        let rounding = definition.restore_rounding;
        let mut restores: Vec<(Timestamp, f64)> = scope
            .incidents
            .iter()
            .filter_map(|i| Some((i.created, rounding.apply(span(Some(i.created), i.resolved)?))))
            .collect();
        by_time(&mut restores);
        Samples { deployments, lead_times, restores }
    }

    fn keys(&self, definition: &MetricDefinition, start: Timestamp, end: Timestamp) -> FourKeys {
        let counted = within(&self.deployments, start, end);
        let weeks = (span_minutes(start, end) / (7.0 * 24.0 * 60.0)).max(f64::MIN_POSITIVE);
        let days = deploy_days(counted);
        let calendar = DeployCalendar { days: &days, start, end, definition };
        let deployment_frequency = match definition.frequency_statistic {
            DeploymentFrequencyStat::PerWeek => counted.len() as f64 / weeks,
            DeploymentFrequencyStat::MedianDeployDaysPerWeek => calendar.figure(FrequencyBasis::Figure),
        };
        let bench = &definition.benchmark;
        let frequency_tier = bench.deployment_frequency.classify_with(|rung| match bench.frequency_basis[rung] {
            FrequencyBasis::Figure => deployment_frequency,
            basis => calendar.figure(basis),
        });

        let lead_times: Vec<f64> = within(&self.lead_times, start, end).iter().map(|(_, m)| *m).collect();
        let lead_time_minutes = summarize(definition.lead_time_statistic, &lead_times);

        let failed_deployments = counted.iter().filter(|(_, blamed)| *blamed).count();
        let change_failure_rate = (!counted.is_empty()).then(|| failed_deployments as f64 / counted.len() as f64);

        let restores: Vec<f64> = within(&self.restores, start, end).iter().map(|(_, m)| *m).collect();
        let time_to_restore_minutes = summarize(definition.restore_statistic, &restores);
        Samples::assemble(
            definition,
            counted.len(),
            (deployment_frequency, frequency_tier),
            (lead_time_minutes, lead_times.len()),
            (change_failure_rate, failed_deployments),
            (time_to_restore_minutes, restores.len()),
        )
    }

    fn assemble(
        definition: &MetricDefinition,
        deployments: usize,
        (deployment_frequency, frequency_tier): (f64, Tier),
        (lead_time_minutes, lead_time_samples): (Option<f64>, usize),
        (change_failure_rate, failed_deployments): (Option<f64>, usize),
        (time_to_restore_minutes, restore_samples): (Option<f64>, usize),
    ) -> FourKeys {
        let bench = &definition.benchmark;
        FourKeys {
            deployments,
            deployment_frequency,
            lead_time_minutes,
            lead_time_samples,
            change_failure_rate,
            failed_deployments,
            time_to_restore_minutes,
            restore_samples,
            tiers: Tiers {
                deployment_frequency: frequency_tier,
                lead_time: lead_time_minutes.map(|v| bench.lead_time.classify(v)),
                change_failure_rate: change_failure_rate
                    .and_then(|v| bench.change_failure_rate.as_ref().map(|l| l.classify(v))),
                time_to_restore: time_to_restore_minutes.map(|v| bench.time_to_restore.classify(v)),
            },
        }
    }
}

/// The distinct UTC days of the counted deployments (sorted by finish).
fn deploy_days(counted: &[(Timestamp, bool)]) -> Vec<Date> {
    let mut days: Vec<Date> = counted.iter().map(|(t, _)| utc_date(*t)).collect();
    days.dedup();
    days
}

/// The days with a deployment in `[start, end)`, counted per week and per
/// month as the definition says (its week start, its `frequency_summary`).
struct DeployCalendar<'a> {
    /// Sorted, distinct.
    days: &'a [Date],
    start: Timestamp,
    end: Timestamp,
    definition: &'a MetricDefinition,
}

impl DeployCalendar<'_> {
    fn first_day(&self) -> Date {
        utc_date(self.start)
    }

    fn last_day(&self) -> Date {
        utc_date(self.end.checked_sub(SignedDuration::from_millis(1)).unwrap_or(self.end))
    }

    /// The number of deployment days in `[from, to)`.
    fn days_between(&self, from: Date, to: Date) -> usize {
        self.days.partition_point(|d| *d < to) - self.days.partition_point(|d| *d < from)
    }

    /// The starts of the weeks overlapping the range.
    fn weeks(&self) -> Vec<Date> {
        let mut weeks = Vec::new();
        let mut week = week_start(self.first_day(), self.definition.week_start);
        let last = self.last_day();
        while week <= last {
            weeks.push(week);
            let next = week.saturating_add(7.days());
            if next <= week {
                break;
            }
            week = next;
        }
        weeks
    }

    fn summary(&self, values: &[f64]) -> f64 {
        summarize(self.definition.frequency_summary, values).unwrap_or(0.0)
    }

    /// The figure a frequency boundary is compared with; `Figure` is the
    /// median deployment days per week.
    fn figure(&self, basis: FrequencyBasis) -> f64 {
        let week_days = |w: Date| self.days_between(w, w.saturating_add(7.days()));
        match basis {
            FrequencyBasis::Figure => {
                let counts: Vec<f64> = self.weeks().into_iter().map(|w| week_days(w) as f64).collect();
                self.summary(&counts)
            }
            FrequencyBasis::WeeksWithDeployment => {
                let flags: Vec<f64> = self.weeks().into_iter().map(|w| f64::from(u8::from(week_days(w) > 0))).collect();
                self.summary(&flags)
            }
            FrequencyBasis::DeployDaysPerMonth => {
                let mut counts = Vec::new();
                let mut month = month_start(self.first_day());
                let last = self.last_day();
                while month <= last {
                    let next = month.saturating_add(1.month());
                    counts.push(self.days_between(month, next) as f64);
                    if next <= month {
                        break;
                    }
                    month = next;
                }
                self.summary(&counts)
            }
            FrequencyBasis::DeployWeeksPerMonth => {
                let weeks = self.weeks();
                let mut per_month: BTreeMap<Date, f64> = BTreeMap::new();
                for &w in &weeks {
                    *per_month.entry(month_start(w)).or_default() += f64::from(u8::from(week_days(w) > 0));
                }
                let counts: Vec<f64> = weeks.iter().map(|w| per_month[&month_start(*w)]).collect();
                self.summary(&counts)
            }
        }
    }
}

fn month_start(d: Date) -> Date {
    Date::new(d.year(), d.month(), 1).unwrap_or(d)
}

fn utc_date(t: Timestamp) -> Date {
    Offset::UTC.to_datetime(t).date()
}

fn week_start(d: Date, first: WeekStart) -> Date {
    let offset = match first {
        WeekStart::Monday => d.weekday().to_monday_zero_offset(),
        WeekStart::Sunday => d.weekday().to_sunday_zero_offset(),
    };
    d.saturating_sub(i64::from(offset).days())
}

fn quarter_start(d: Date) -> Date {
    let month = (d.month() - 1) / 3 * 3 + 1;
    Date::new(d.year(), month, 1).unwrap_or(d)
}

fn midnight(d: Date) -> Timestamp {
    Offset::UTC.to_timestamp(d.to_datetime(jiff::civil::Time::midnight())).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// The periods overlapping `[start, end)`, clipped to it, with their labels.
fn periods(period: Period, start: Timestamp, end: Timestamp) -> Vec<(String, Timestamp, Timestamp)> {
    let mut out = Vec::new();
    let mut day = match period {
        Period::Week => week_start(utc_date(start), WeekStart::Monday),
        Period::Quarter => quarter_start(utc_date(start)),
    };
    loop {
        let next = match period {
            Period::Week => day.saturating_add(7.days()),
            Period::Quarter => day.saturating_add(3.months()),
        };
        let (from, to) = (midnight(day), midnight(next));
        if from >= end || next <= day {
            break;
        }
        let label = match period {
            Period::Week => {
                let iso = day.iso_week_date();
                format!("{}-W{:02}", iso.year(), iso.week())
            }
            Period::Quarter => format!("{}-Q{}", day.year(), (day.month() - 1) / 3 + 1),
        };
        out.push((label, from.max(start), to.min(end)));
        day = next;
    }
    out
}

/// The events of each group (a service's events go to its group, looked up
/// once per service).
fn split<'a>(events: &DeliveryEvents<'a>, group_by: GroupBy<'_>) -> BTreeMap<String, Scope<'a>> {
    let mut scopes: Vec<(String, Scope<'a>)> = Vec::new();
    let mut by_key: HashMap<String, usize> = HashMap::new();
    let mut by_service: HashMap<&'a str, usize> = HashMap::new();
    let mut index = |service: &'a str| -> usize {
        *by_service.entry(service).or_insert_with(|| {
            let key = group_by.key(service);
            *by_key.entry(key.clone()).or_insert_with(|| {
                scopes.push((key, Scope::default()));
                scopes.len() - 1
            })
        })
    };
    let deployments: Vec<usize> = events.deployments.iter().map(|d| index(&d.service)).collect();
    let commits: Vec<usize> = events.commits.iter().map(|c| index(&c.service)).collect();
    let pull_requests: Vec<usize> = events.pull_requests.iter().map(|pr| index(&pr.service)).collect();
    let incidents: Vec<usize> = events.incidents.iter().map(|i| index(&i.service)).collect();
    for (d, g) in events.deployments.iter().zip(deployments) {
        scopes[g].1.deployments.push(d);
    }
    for (c, g) in events.commits.iter().zip(commits) {
        scopes[g].1.commits.push(c);
    }
    for (pr, g) in events.pull_requests.iter().zip(pull_requests) {
        scopes[g].1.pull_requests.push(pr);
    }
    for (i, g) in events.incidents.iter().zip(incidents) {
        scopes[g].1.incidents.push(i);
    }
    scopes.into_iter().collect()
}

/// The PR cycle-time breakdown over pull requests merged in `[start, end)`.
pub fn cycle_times(
    pull_requests: &[PullRequest],
    statistic: Statistic,
    start: Timestamp,
    end: Timestamp,
) -> CycleTimes {
    let merged: Vec<&PullRequest> = pull_requests.iter().filter(|pr| in_range(pr.merged, start, end)).collect();
    let part = |f: &dyn Fn(&PullRequest) -> Option<f64>| {
        let values: Vec<f64> = merged.iter().filter_map(|pr| f(pr)).collect();
        summarize(statistic, &values)
    };
    let first_commit = |pr: &PullRequest| pr.first_commit.as_ref().map(|(_, at)| *at);
    let review = |pr: &PullRequest| pr.first_review.as_ref().map(|(_, at)| *at);
    CycleTimes {
        pull_requests: merged.len(),
        coding: part(&|pr| span(first_commit(pr), Some(pr.created))),
        pickup: part(&|pr| span(Some(pr.created), review(pr))),
        review: part(&|pr| span(review(pr), pr.merged)),
        deploy: part(&|pr| span(pr.merged, pr.deployed)),
        cycle: part(&|pr| {
            let begin = first_commit(pr).map_or(pr.created, |c| c.min(pr.created));
            span(Some(begin), pr.deployed)
        }),
    }
}

/// The report for the definition's window ending at `now`: incidents are
/// attributed with the definition, then the four keys are computed overall,
/// per group, per week and per quarter, with the cycle-time breakdown.
pub fn report(
    events: &DeliveryEvents<'_>,
    definition: &MetricDefinition,
    now: Timestamp,
    group_by: GroupBy<'_>,
) -> KeysReport {
    let start = definition.window.start(now);
    let mut incidents = events.incidents.to_vec();
    attribute_incidents(&mut incidents, events.deployments, definition);
    let events = DeliveryEvents { incidents: &incidents, ..*events };
    let all = Scope {
        deployments: events.deployments.iter().collect(),
        commits: events.commits.iter().collect(),
        pull_requests: events.pull_requests.iter().collect(),
        incidents: events.incidents.iter().collect(),
    };
    let overall = Samples::new(&all, definition);
    drop(all);
    let groups: Vec<(String, Samples)> = split(&events, group_by)
        .into_iter()
        .map(|(key, scope)| {
            let samples = Samples::new(&scope, definition);
            (key, samples)
        })
        .collect();
    let per_group = |from: Timestamp, to: Timestamp| -> BTreeMap<String, FourKeys> {
        groups.iter().map(|(k, g)| (k.clone(), g.keys(definition, from, to))).collect()
    };
    let per_period = |period: Period| -> Vec<PeriodKeys> {
        periods(period, start, now)
            .into_iter()
            .map(|(label, from, to)| PeriodKeys {
                period,
                label,
                start: from,
                end: to,
                overall: overall.keys(definition, from, to),
                groups: per_group(from, to),
            })
            .collect()
    };
    KeysReport {
        definition: definition.name.clone(),
        start,
        end: now,
        overall: overall.keys(definition, start, now),
        groups: per_group(start, now),
        weeks: per_period(Period::Week),
        quarters: per_period(Period::Quarter),
        cycle_times: cycle_times(events.pull_requests, definition.lead_time_statistic, start, now),
    }
}
