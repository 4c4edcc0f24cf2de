//! The four keys (deployment frequency, lead time for changes, change
//! failure rate, time to restore) and the PR cycle-time breakdown, computed
//! from events under a [`MetricDefinition`], overall, per service or team,
//! and per week and quarter.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use jiff::tz::Offset;
use jiff::{SignedDuration, Timestamp, ToSpan};

use super::definition::{
    Attribution, DeploymentFrequencyStat, LeadTimeEnd, LeadTimeStart, MetricDefinition, Statistic, Tier,
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
    let counted: Vec<&Deployment> =
        deployments.iter().filter(|d| definition.deployment.counts(d) && d.finished.is_some()).collect();
    for incident in incidents.iter_mut().filter(|i| i.deployment_id.is_none()) {
        let blamed = match &definition.attribution {
            Attribution::LastDeploymentBefore { same_service, within_minutes } => counted
                .iter()
                .filter(|d| !same_service || d.service == incident.service)
                .filter(|d| {
                    let finished = d.finished.unwrap_or(incident.created);
                    finished < incident.created
                        && within_minutes.is_none_or(|limit| span_minutes(finished, incident.created) <= limit as f64)
                })
                // Latest finish; on a tie the smallest id.
                .max_by(|a, b| a.finished.cmp(&b.finished).then_with(|| b.id.cmp(&a.id))),
            Attribution::RootCauseCommit => incident.root_cause_commit.as_ref().and_then(|sha| {
                counted
                    .iter()
                    .filter(|d| d.commits.contains(sha))
                    .min_by(|a, b| (a.finished, &a.id).cmp(&(b.finished, &b.id)))
            }),
        };
        incident.deployment_id = blamed.map(|d| d.id.clone());
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
    let counted: Vec<&Deployment> = events
        .deployments
        .iter()
        .filter(|d| definition.deployment.counts(d) && in_range(d.finished, start, end))
        .collect();
    let weeks = (span_minutes(start, end) / (7.0 * 24.0 * 60.0)).max(f64::MIN_POSITIVE);
    let deployment_frequency = match definition.frequency_statistic {
        DeploymentFrequencyStat::PerWeek => counted.len() as f64 / weeks,
        DeploymentFrequencyStat::MedianDeployDaysPerWeek => median_deploy_days_per_week(&counted, start, end),
    };

    let lead_times = lead_time_samples(events, definition, start, end);
    let lead_time_minutes = summarize(definition.lead_time_statistic, &lead_times);

    let blamed: BTreeSet<&str> = events.incidents.iter().filter_map(|i| i.deployment_id.as_deref()).collect();
    let failed_deployments = counted.iter().filter(|d| blamed.contains(d.id.as_str())).count();
    let change_failure_rate = (!counted.is_empty()).then(|| failed_deployments as f64 / counted.len() as f64);

    let restores: Vec<f64> = events
        .incidents
        .iter()
        .filter(|i| in_range(Some(i.created), start, end))
        .filter_map(|i| span(Some(i.created), i.resolved))
        .collect();
    let time_to_restore_minutes = summarize(definition.restore_statistic, &restores);

    let bench = &definition.benchmark;
    FourKeys {
        deployments: counted.len(),
        deployment_frequency,
        lead_time_minutes,
        lead_time_samples: lead_times.len(),
        change_failure_rate,
        failed_deployments,
        time_to_restore_minutes,
        restore_samples: restores.len(),
        tiers: Tiers {
            deployment_frequency: bench.deployment_frequency.classify(deployment_frequency),
            lead_time: lead_time_minutes.map(|v| bench.lead_time.classify(v)),
            change_failure_rate: change_failure_rate
                .and_then(|v| bench.change_failure_rate.as_ref().map(|l| l.classify(v))),
            time_to_restore: time_to_restore_minutes.map(|v| bench.time_to_restore.classify(v)),
        },
    }
}

fn lead_time_samples(
    events: &DeliveryEvents<'_>,
    definition: &MetricDefinition,
    start: Timestamp,
    end: Timestamp,
) -> Vec<f64> {
    if definition.lead_time_start == LeadTimeStart::CommitAuthored {
        if definition.lead_time_end != LeadTimeEnd::Deployed {
            return Vec::new();
        }
        return events
            .commits
            .iter()
            .filter(|c| in_range(c.deployed, start, end))
            .filter_map(|c| span(c.authored, c.deployed))
            .collect();
    }
    events
        .pull_requests
        .iter()
        .filter_map(|pr| {
            let finish = match definition.lead_time_end {
                LeadTimeEnd::Deployed => pr.deployed,
                LeadTimeEnd::Merged => pr.merged,
            };
            if !in_range(finish, start, end) {
                return None;
            }
            let begin = match definition.lead_time_start {
                LeadTimeStart::FirstCommit => pr.first_commit.as_ref().map(|(_, at)| *at),
                _ => Some(pr.created),
            };
            span(begin, finish)
        })
        .collect()
}

/// The median (lower middle, as DevLake's and fourkeys' dashboards take it)
/// over the ISO weeks overlapping `[start, end)` of the number of UTC days
/// with at least one deployment.
fn median_deploy_days_per_week(counted: &[&Deployment], start: Timestamp, end: Timestamp) -> f64 {
    let mut days_per_week: BTreeMap<Date, BTreeSet<Date>> = BTreeMap::new();
    let mut week = week_start(utc_date(start));
    let last = utc_date(end.checked_sub(SignedDuration::from_millis(1)).unwrap_or(end));
    while week <= last {
        days_per_week.insert(week, BTreeSet::new());
        week = week.saturating_add(7.days());
    }
    for d in counted {
        if let Some(finished) = d.finished {
            let day = utc_date(finished);
            days_per_week.entry(week_start(day)).or_default().insert(day);
        }
    }
    let counts: Vec<f64> = days_per_week.values().map(|s| s.len() as f64).collect();
    summarize(Statistic::MedianLow, &counts).unwrap_or(0.0)
}

fn utc_date(t: Timestamp) -> Date {
    Offset::UTC.to_datetime(t).date()
}

fn week_start(d: Date) -> Date {
    d.saturating_sub(i64::from(d.weekday().to_monday_zero_offset()).days())
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
        Period::Week => week_start(utc_date(start)),
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

/// Events of one group, owned so that they can be borrowed as
/// [`DeliveryEvents`].
#[derive(Default)]
struct Owned {
    deployments: Vec<Deployment>,
    commits: Vec<Commit>,
    pull_requests: Vec<PullRequest>,
    incidents: Vec<Incident>,
}

impl Owned {
    fn events(&self) -> DeliveryEvents<'_> {
        DeliveryEvents {
            deployments: &self.deployments,
            commits: &self.commits,
            pull_requests: &self.pull_requests,
            incidents: &self.incidents,
        }
    }
}

fn split(events: &DeliveryEvents<'_>, group_by: GroupBy<'_>) -> BTreeMap<String, Owned> {
    let mut groups: BTreeMap<String, Owned> = BTreeMap::new();
    for d in events.deployments {
        let g = groups.entry(group_by.key(&d.service)).or_default();
        g.deployments.push(d.clone());
    }
    for c in events.commits {
        let g = groups.entry(group_by.key(&c.service)).or_default();
        g.commits.push(c.clone());
    }
    for pr in events.pull_requests {
        let g = groups.entry(group_by.key(&pr.service)).or_default();
        g.pull_requests.push(pr.clone());
    }
    for i in events.incidents {
        let g = groups.entry(group_by.key(&i.service)).or_default();
        g.incidents.push(i.clone());
    }
    groups
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
    // A century is longer than any delivery history; the cap keeps a
    // mistyped window from asking for millions of weekly periods.
    let days = i64::from(definition.window.days.min(36_525));
    let start = now.checked_sub(SignedDuration::from_hours(24 * days)).unwrap_or(Timestamp::MIN);
    let mut incidents = events.incidents.to_vec();
    attribute_incidents(&mut incidents, events.deployments, definition);
    let events = DeliveryEvents { incidents: &incidents, ..*events };
    let groups = split(&events, group_by);
    let per_period = |period: Period| -> Vec<PeriodKeys> {
        periods(period, start, now)
            .into_iter()
            .map(|(label, from, to)| PeriodKeys {
                period,
                label,
                start: from,
                end: to,
                overall: four_keys(&events, definition, from, to),
                groups: groups.iter().map(|(k, g)| (k.clone(), four_keys(&g.events(), definition, from, to))).collect(),
            })
            .collect()
    };
    KeysReport {
        definition: definition.name.clone(),
        start,
        end: now,
        overall: four_keys(&events, definition, start, now),
        groups: groups.iter().map(|(k, g)| (k.clone(), four_keys(&g.events(), definition, start, now))).collect(),
        weeks: per_period(Period::Week),
        quarters: per_period(Period::Quarter),
        cycle_times: cycle_times(events.pull_requests, definition.lead_time_statistic, start, now),
    }
}
