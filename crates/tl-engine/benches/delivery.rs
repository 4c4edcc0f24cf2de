//! Timings of the four keys over a million delivery events: `cargo bench -p
//! tl-engine --bench delivery`. Generates (seeded) a year of events across
//! 200 services in 25 teams: 100,000 deployments (a few failed, a few to
//! staging), 800,000 commits, 90,000 pull requests and 10,000 incidents,
//! then times, per preset, linking changes to deployments and the full
//! report (overall, per service and per team, per week and per quarter),
//! over the preset's own window and over the whole year.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use tl_engine::delivery::{
    Commit, DeliveryEvents, Deployment, GroupBy, Incident, PRODUCTION, PullRequest, RunResult, Window, link_changes,
    presets, report,
};

const SERVICES: usize = 200;
const TEAMS: usize = 25;
const DEPLOYMENTS: usize = 100_000;
const COMMITS_PER_DEPLOYMENT: usize = 8;
const PULL_REQUESTS: usize = 90_000;
const INCIDENTS: usize = 10_000;
const YEAR_MINUTES: i64 = 365 * 24 * 60;

struct Data {
    deployments: Vec<Deployment>,
    commits: Vec<Commit>,
    pull_requests: Vec<PullRequest>,
    incidents: Vec<Incident>,
    teams: BTreeMap<String, String>,
    now: Timestamp,
}

impl Data {
    fn len(&self) -> usize {
        self.deployments.len() + self.commits.len() + self.pull_requests.len() + self.incidents.len()
    }
}

fn generate(seed: u64) -> Data {
    let mut rng = StdRng::seed_from_u64(seed);
    let start = Timestamp::from_second(1_700_000_000).expect("valid");
    let now = start + SignedDuration::from_mins(YEAR_MINUTES);
    let at = |minutes: i64| start + SignedDuration::from_mins(minutes);
    let service = |s: usize| format!("service-{s:03}");
    let teams = (0..SERVICES).map(|s| (service(s), format!("team-{:02}", s % TEAMS))).collect();

    let mut deployments = Vec::with_capacity(DEPLOYMENTS);
    let mut commits = Vec::with_capacity(DEPLOYMENTS * COMMITS_PER_DEPLOYMENT);
    for d in 0..DEPLOYMENTS {
        let s = rng.random_range(0..SERVICES);
        let finished = rng.random_range(0..YEAR_MINUTES);
        let result = if rng.random_range(0..20) == 0 { RunResult::Failure } else { RunResult::Success };
        let environment = if rng.random_range(0..10) == 0 { "STAGING" } else { PRODUCTION };
        let mut shipped = Vec::with_capacity(COMMITS_PER_DEPLOYMENT);
        for c in 0..COMMITS_PER_DEPLOYMENT {
            let sha = format!("{:040x}", d * COMMITS_PER_DEPLOYMENT + c);
            commits.push(Commit {
                sha: sha.clone(),
                service: service(s),
                authored: Some(at(finished - rng.random_range(10..20_000))),
                deployed: None,
                deployment_id: None,
            });
            shipped.push(sha);
        }
        deployments.push(Deployment {
            id: format!("deploy-{d}"),
            name: format!("deploy-{}", service(s)),
            service: service(s),
            scope_id: format!("scope-{s}"),
            environment: environment.into(),
            result,
            started: Some(at(finished - rng.random_range(1..30))),
            finished: Some(at(finished)),
            commits: shipped,
        });
    }
    let pull_requests = (0..PULL_REQUESTS)
        .map(|p| {
            let d = &deployments[rng.random_range(0..DEPLOYMENTS)];
            let merged = d.started.expect("set") - SignedDuration::from_mins(rng.random_range(1..2_000));
            let created = merged - SignedDuration::from_mins(rng.random_range(30..10_000));
            PullRequest {
                id: format!("pr-{p}"),
                repo_id: format!("repo-{}", d.service),
                service: d.service.clone(),
                author: format!("dev-{}", rng.random_range(0..2_000)),
                created,
                merged: Some(merged),
                merge_commit_sha: Some(d.commits[0].clone()),
                first_commit: Some((
                    format!("first-{p}"),
                    created - SignedDuration::from_mins(rng.random_range(0..5_000)),
                )),
                first_review: Some((
                    format!("review-{p}"),
                    created + SignedDuration::from_mins(rng.random_range(5..600)),
                )),
                deployed: None,
                deployment_id: None,
            }
        })
        .collect();
    let incidents = (0..INCIDENTS)
        .map(|i| {
            let created = rng.random_range(0..YEAR_MINUTES);
            let cause = &commits[rng.random_range(0..commits.len())];
            Incident {
                id: format!("incident-{i}"),
                service: service(rng.random_range(0..SERVICES)),
                created: at(created),
                resolved: (rng.random_range(0..10) > 0).then(|| at(created + rng.random_range(5..3_000))),
                severity: Some(format!("SEV{}", rng.random_range(1..4))),
                root_cause_commit: (rng.random_range(0..2) == 0).then(|| cause.sha.clone()),
                deployment_id: None,
            }
        })
        .collect();
    Data { deployments, commits, pull_requests, incidents, teams, now }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// The best wall time of `runs` runs, and the last result.
fn best_of<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut last = None;
    for _ in 0..runs {
        let t = Instant::now();
        let out = black_box(f());
        best = best.min(t.elapsed());
        last = Some(out);
    }
    (best, last.expect("at least one run"))
}

fn main() {
    let t = Instant::now();
    let mut data = generate(42);
    println!(
        "{} events: {} deployments, {} commits, {} pull requests, {} incidents over 365 days; generated in {:.0} ms",
        data.len(),
        data.deployments.len(),
        data.commits.len(),
        data.pull_requests.len(),
        data.incidents.len(),
        ms(t.elapsed())
    );
    for base in presets() {
        let (link, ()) = best_of(3, || {
            for c in &mut data.commits {
                c.deployed = None;
                c.deployment_id = None;
            }
            for pr in &mut data.pull_requests {
                pr.deployed = None;
                pr.deployment_id = None;
            }
            link_changes(&mut data.commits, &mut data.pull_requests, &data.deployments, &base.deployment);
        });
        let events = DeliveryEvents {
            deployments: &data.deployments,
            commits: &data.commits,
            pull_requests: &data.pull_requests,
            incidents: &data.incidents,
        };
        println!("{:<10} link_changes {:8.1} ms", base.name, ms(link));
        for window in [base.window, Window::Days(365)] {
            let definition = tl_engine::delivery::MetricDefinition { window, ..base.clone() };
            for (label, group_by) in [("service", GroupBy::Service), ("team", GroupBy::Team(&data.teams))] {
                let (wall, keys) = best_of(3, || report(&events, &definition, data.now, group_by));
                println!(
                    "{:<10} {:>4} window by {:<7} {:8.1} ms   ({} weeks, {} groups; {} deployments, lead time {:.0} min, CFR {:.3}, restore {:.0} min)",
                    base.name,
                    window.label(),
                    label,
                    ms(wall),
                    keys.weeks.len(),
                    keys.groups.len(),
                    keys.overall.deployments,
                    keys.overall.lead_time_minutes.unwrap_or(f64::NAN),
                    keys.overall.change_failure_rate.unwrap_or(f64::NAN),
                    keys.overall.time_to_restore_minutes.unwrap_or(f64::NAN),
                );
            }
        }
    }
}
