//! A plausible quarter of weekly check-ins for every key result, for the
//! demo: values move from baseline toward target at a pace of their own,
//! with noise; confidence and status follow how far each key result is
//! behind the straight line to its target. Team metrics that no event
//! definition measures get a quarter of weekly readings closing part of the
//! way to their target. Seeded and deterministic; the caller supplies `now`
//! (no clock here).

use jiff::{SignedDuration, Timestamp};
use tl_engine::Model;
use tl_engine::model::Direction;
use tl_store::{CheckInStatus, Confidence, NewCheckIn, NewMetricCheckIn};

/// SplitMix64: a tiny, well-mixed generator; enough for demo noise.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }
}

/// Weeks of history: one quarter.
pub const WEEKS: usize = 13;

const BLOCKERS: &[&str] = &[
    "waiting on a review from the platform team",
    "load-test environment unavailable",
    "key engineer on leave",
    "vendor has not delivered the sandbox",
];

/// The status and confidence a key result's owner would report at
/// `progress` when `planned` was due (both shares of the way), with a
/// little noise on the confidence.
fn standing(progress: f64, planned: f64, noise: f64) -> (CheckInStatus, Option<Confidence>) {
    let ratio = if planned > 0.0 { progress / planned } else { 1.0 };
    let status = if ratio >= 0.85 {
        CheckInStatus::OnTrack
    } else if ratio >= 0.6 {
        CheckInStatus::AtRisk
    } else {
        CheckInStatus::OffTrack
    };
    let confidence = (0.35 + 0.55 * ratio.min(1.1) + noise).clamp(0.05, 0.95);
    // Clamped to 0.05-0.95, so always a valid confidence.
    (status, Confidence::new((confidence * 100.0).round() / 100.0).ok())
}

/// Weekly check-ins for every key result (in model order, oldest first per
/// key result), the last one at `now`, the first `WEEKS - 1` weeks earlier.
/// Each list is ready for `Store::record_check_in` with expected versions
/// 0, 1, 2, ...
pub fn check_in_history(model: &Model, seed: u64, now: Timestamp) -> Vec<(String, Vec<NewCheckIn>)> {
    let mut rng = Rng(seed);
    let mut out = Vec::new();
    for (objective, kr) in model.key_results() {
        let author = objective.owner.as_ref().map_or_else(|| "demo".to_string(), |o| o.id.0.clone());
        let baseline = kr.baseline.unwrap_or(0.0);
        let target = kr.target.unwrap_or(baseline + 1.0);
        let span = target - baseline;
        // Most key results keep pace; some lag, a few stall.
        let pace = match rng.unit() {
            u if u < 0.6 => rng.range(0.9, 1.15),
            u if u < 0.85 => rng.range(0.6, 0.85),
            _ => rng.range(0.25, 0.5),
        };
        // Progress at the end of the history, as the share of the quarter
        // that is over (the demo quarter ends a few weeks from now).
        let horizon = WEEKS as f64 + 2.0;
        let mut list = Vec::with_capacity(WEEKS);
        let mut progress: f64 = 0.0;
        for week in 0..WEEKS {
            let elapsed = (week + 1) as f64 / horizon;
            let planned = elapsed;
            let step = pace / horizon + rng.range(-0.02, 0.02);
            progress = (progress + step).clamp(0.0, 1.05);
            let (status, confidence) = standing(progress, planned, rng.range(-0.05, 0.05));
            let Some(confidence) = confidence else {
                continue;
            };
            let value = baseline + span * progress;
            let value = (value * 100.0).round() / 100.0;
            let blockers = if status == CheckInStatus::OffTrack {
                vec![BLOCKERS[(rng.next_u64() % BLOCKERS.len() as u64) as usize].to_string()]
            } else {
                Vec::new()
            };
            let note = match status {
                CheckInStatus::OnTrack if week % 4 == 0 => Some("steady progress".to_string()),
                CheckInStatus::AtRisk => Some("behind plan; recovering".to_string()),
                CheckInStatus::OffTrack => Some("well behind plan".to_string()),
                _ => None,
            };
            let weeks_ago = (WEEKS - 1 - week) as i64;
            let at = now.checked_sub(SignedDuration::from_hours(24 * 7 * weeks_ago)).unwrap_or(now);
            list.push(NewCheckIn { value, confidence, status, note, blockers, author: author.clone(), at });
        }
        out.push((kr.id.0.clone(), list));
    }
    out
}

/// Weekly readings of every team metric without `measure:` (in model order,
/// oldest first per metric), the last one at `now`, the first `WEEKS - 1`
/// weeks earlier, reported by the team's lead. Each starts some way from its
/// target on the wrong side (as the metric's direction sees it) and closes
/// part of the gap, with noise; percentages stay within 0-100 and values
/// that start non-negative stay so. Each list is ready for
/// `Store::record_metric_check_in` with expected versions 0, 1, 2, ...
pub fn metric_check_in_history(model: &Model, seed: u64, now: Timestamp) -> Vec<(String, Vec<NewMetricCheckIn>)> {
    // Its own stream, so that adding metrics does not move the key results'.
    let mut rng = Rng(seed ^ 0x6d65_7472_6963_7321);
    let mut out = Vec::new();
    for m in model.metrics.iter().filter(|m| m.measure.is_none()) {
        let team = model.teams.iter().find(|t| t.id.as_str() == m.team.as_str());
        let author = team.and_then(|t| t.lead.as_ref()).map_or_else(|| "demo".to_string(), |l| l.id.0.clone());
        let percent = m.unit.as_deref() == Some("%");
        let target = m.target.unwrap_or(10.0);
        // Where the quarter starts: the gap to the target, on the side the
        // direction calls worse (either side when there is none).
        let gap = match m.direction {
            Some(Direction::Increase) => {
                let gap = target.abs() * rng.range(0.03, 0.15);
                -(if percent { gap.min(4.0 * (100.0 - target).max(0.0) + 0.3) } else { gap })
            }
            Some(Direction::Decrease) if target == 0.0 => rng.range(3.0, 12.0),
            Some(Direction::Decrease) => target.abs() * rng.range(0.1, 0.6),
            None => target.abs() * rng.range(-0.05, 0.05),
        };
        let start = target + gap;
        // The share of the gap closed by the last week: most close much of
        // it, some little, a few overshoot the target a little.
        let closed = rng.range(0.2, 1.1);
        let (lo, hi) =
            (if start >= 0.0 && target >= 0.0 { 0.0 } else { f64::MIN }, if percent { 100.0 } else { f64::MAX });
        let mut list = Vec::with_capacity(WEEKS);
        for week in 0..WEEKS {
            let share = closed * week as f64 / (WEEKS - 1) as f64;
            let noise = gap.abs().max(target.abs() * 0.01) * rng.range(-0.12, 0.12);
            let value = (start - gap * share + noise).clamp(lo, hi);
            let value = (value * 100.0).round() / 100.0;
            let note = (week % 4 == 0).then(|| "weekly reading from the team's dashboard".to_string());
            let weeks_ago = (WEEKS - 1 - week) as i64;
            let at = now.checked_sub(SignedDuration::from_hours(24 * 7 * weeks_ago)).unwrap_or(now);
            list.push(NewMetricCheckIn { value, note, author: author.clone(), at });
        }
        out.push((m.id.0.clone(), list));
    }
    out
}

/// How one team's delivery moves over the demo quarter, from `start` to
/// `end` (linear): deployments per working day, median lead time in hours,
/// and the chance that a deployment causes an incident.
struct Trend {
    deploys_per_day: (f64, f64),
    lead_time_hours: (f64, f64),
    failure_chance: (f64, f64),
}

fn trend(team: &str, rng: &mut Rng) -> Trend {
    match team {
        // The acme key results: checkout deploys 2 → 10 a week, org-wide
        // lead time 9 days → 1 day, change failure rate 16% → 10%.
        "checkout" => Trend { deploys_per_day: (0.3, 1.9), lead_time_hours: (200.0, 30.0), failure_chance: (0.2, 0.1) },
        "devex" | "platform" => {
            Trend { deploys_per_day: (0.6, 1.4), lead_time_hours: (150.0, 20.0), failure_chance: (0.15, 0.07) }
        }
        _ => Trend {
            deploys_per_day: (rng.range(0.2, 0.5), rng.range(0.6, 1.2)),
            lead_time_hours: (rng.range(150.0, 260.0), rng.range(24.0, 60.0)),
            failure_chance: (rng.range(0.14, 0.2), rng.range(0.08, 0.12)),
        },
    }
}

fn lerp((a, b): (f64, f64), t: f64) -> f64 {
    a + (b - a) * t
}

fn hex(rng: &mut Rng) -> String {
    format!("{:016x}{:016x}", rng.next_u64(), rng.next_u64())
}

/// A plausible quarter of delivery events for every service the model's
/// teams own, ending at `now`, plus the four weeks before it so that the
/// first week's trailing window has data: production deployments on working
/// days (each shipping the pull requests merged since the previous one, with
/// their commits), a staging deployment before each (which production-only
/// definitions ignore), and incidents after some deployments, resolved
/// within hours. Teams get faster and safer over the quarter. Seeded and
/// deterministic.
pub fn delivery_history(model: &Model, seed: u64, now: Timestamp) -> tl_store::EventBatch {
    use tl_engine::delivery::{Deployment, Incident, PullRequest, RunResult};
    use tl_store::CommitRecord;

    let mut rng = Rng(seed ^ 0xD0_2A_u64);
    let mut batch = tl_store::EventBatch::default();
    let days = (WEEKS + 4) * 7;
    let hour = |h: f64| SignedDuration::from_secs((h * 3600.0).round() as i64);
    let day_start = |days_ago: usize| {
        let midnight = now.checked_sub(SignedDuration::from_hours(24 * days_ago as i64)).unwrap_or(now);
        // Truncate to 00:00 UTC.
        let secs = midnight.as_second() - midnight.as_second().rem_euclid(86_400);
        Timestamp::from_second(secs).unwrap_or(midnight)
    };
    for team in &model.teams {
        let trend = trend(team.id.as_str(), &mut rng);
        let people: Vec<String> =
            model.people.iter().filter(|p| p.team.as_str() == team.id.as_str()).map(|p| p.id.0.clone()).collect();
        for service in &team.services {
            let mut n_deploy = 0;
            let mut n_pr = 0;
            for days_ago in (1..=days).rev() {
                let day = day_start(days_ago);
                let weekday = jiff::tz::Offset::UTC.to_datetime(day).weekday().to_monday_zero_offset();
                if weekday >= 5 {
                    continue;
                }
                let t = 1.0 - days_ago as f64 / days as f64;
                // Whole deployments today: the integer part, plus one more
                // with the fractional part as its chance.
                // The team's rate, shared among its services.
                let rate = lerp(trend.deploys_per_day, t) / team.services.len() as f64;
                let n_today = rate.floor() as usize + usize::from(rng.unit() < rate.fract());
                for k in 0..n_today {
                    let finished =
                        day.checked_add(hour(9.0 + 8.0 * (k as f64 + rng.unit()) / n_today as f64)).unwrap_or(day);
                    if finished > now {
                        continue;
                    }
                    n_deploy += 1;
                    let id = format!("demo:{service}:deploy:{n_deploy}");
                    let mut shipped = Vec::new();
                    let n_prs = 1 + (rng.next_u64() % 3) as usize;
                    for _ in 0..n_prs {
                        n_pr += 1;
                        // Lead time around the day's median, skewed right.
                        let lead = lerp(trend.lead_time_hours, t) * rng.range(0.5, 1.7);
                        let first_commit = finished.checked_sub(hour(lead)).unwrap_or(finished);
                        let created = first_commit.checked_add(hour(lead * rng.range(0.25, 0.45))).unwrap_or(finished);
                        let review = created.checked_add(hour(lead * rng.range(0.1, 0.2))).unwrap_or(finished);
                        let merged = review.checked_add(hour(lead * rng.range(0.1, 0.25))).unwrap_or(finished);
                        let merged = merged.min(finished);
                        let merge_sha = hex(&mut rng);
                        let n_commits = 1 + (rng.next_u64() % 3) as usize;
                        let mut first = None;
                        for c in 0..n_commits {
                            let sha = hex(&mut rng);
                            let authored = first_commit
                                .checked_add(hour(lead * 0.3 * c as f64 / n_commits as f64))
                                .unwrap_or(first_commit);
                            first.get_or_insert((sha.clone(), authored));
                            shipped.push(sha.clone());
                            batch.commits.push(CommitRecord {
                                commit: tl_engine::delivery::Commit {
                                    sha,
                                    service: service.clone(),
                                    authored: Some(authored),
                                    deployed: Some(finished),
                                    deployment_id: Some(id.clone()),
                                },
                                committed: Some(authored),
                                parents: Vec::new(),
                            });
                        }
                        shipped.push(merge_sha.clone());
                        let author = people
                            .get((rng.next_u64() % people.len().max(1) as u64) as usize)
                            .cloned()
                            .unwrap_or_default();
                        batch.pull_requests.push(PullRequest {
                            id: format!("demo:{service}:pr:{n_pr}"),
                            repo_id: service.clone(),
                            service: service.clone(),
                            author,
                            created,
                            merged: Some(merged),
                            merge_commit_sha: Some(merge_sha),
                            first_commit: first,
                            first_review: Some((format!("demo:{service}:review:{n_pr}"), review)),
                            deployed: Some(finished),
                            deployment_id: Some(id.clone()),
                        });
                    }
                    let staged = finished.checked_sub(hour(rng.range(0.5, 2.0))).unwrap_or(finished);
                    batch.deployments.push(Deployment {
                        id: format!("{id}:staging"),
                        name: "deploy-staging".into(),
                        service: service.clone(),
                        scope_id: service.clone(),
                        environment: "staging".into(),
                        result: RunResult::Success,
                        started: staged.checked_sub(hour(0.2)).ok(),
                        finished: Some(staged),
                        commits: shipped.clone(),
                    });
                    batch.deployments.push(Deployment {
                        id: id.clone(),
                        name: "deploy-production".into(),
                        service: service.clone(),
                        scope_id: service.clone(),
                        environment: "production".into(),
                        result: RunResult::Success,
                        started: finished.checked_sub(hour(rng.range(0.1, 0.4))).ok(),
                        finished: Some(finished),
                        commits: shipped,
                    });
                    if rng.unit() < lerp(trend.failure_chance, t) {
                        let created = finished.checked_add(hour(rng.range(0.2, 6.0))).unwrap_or(finished);
                        // Time to restore shrinks too: hours early on, under
                        // an hour by the end for most.
                        let restore = lerp((4.0, 0.8), t) * rng.range(0.3, 1.6);
                        let resolved = created.checked_add(hour(restore)).unwrap_or(created);
                        batch.incidents.push(Incident {
                            id: format!("demo:{service}:incident:{n_deploy}"),
                            service: service.clone(),
                            created,
                            resolved: (resolved <= now).then_some(resolved),
                            severity: Some(if rng.unit() < 0.2 { "SEV1" } else { "SEV2" }.into()),
                            root_cause_commit: None,
                            deployment_id: None,
                        });
                    }
                }
            }
        }
    }
    batch
}

/// Gives the check-ins of key results bound to delivery events the value
/// measured at the same moment, so that a check-in's number agrees with the
/// events it sits beside (the note, confidence and status stay as
/// generated). Check-ins and history points are matched by time.
pub fn align_with_measured(
    model: &Model,
    history: &mut [(String, Vec<NewCheckIn>)],
    measured: &std::collections::HashMap<String, crate::delivery::Measured>,
) {
    let horizon = WEEKS as f64 + 2.0;
    for (key_result, check_ins) in history.iter_mut() {
        let (Some(m), Some((_, kr))) =
            (measured.get(key_result), model.key_results().find(|(_, k)| k.id.as_str() == key_result))
        else {
            continue;
        };
        for (week, c) in check_ins.iter_mut().enumerate() {
            let Some((_, Some(v))) = m.history.iter().find(|(at, _)| *at == c.at) else {
                continue;
            };
            c.value = (v * 100.0).round() / 100.0;
            // The owner's status and confidence follow the measured
            // progress, as they would in a real check-in.
            let progress = crate::progress::key_result_progress(kr, Some(*v)).unwrap_or(0.0);
            let planned = (week + 1) as f64 / horizon;
            let (status, confidence) = standing(progress, planned, 0.0);
            c.status = status;
            if let Some(confidence) = confidence {
                c.confidence = confidence;
            }
            if status != CheckInStatus::OffTrack {
                c.blockers.clear();
            }
            c.note = match status {
                CheckInStatus::OnTrack => Some("measured from delivery events; on pace".to_string()),
                CheckInStatus::AtRisk => Some("measured from delivery events; behind the straight line".to_string()),
                CheckInStatus::OffTrack => Some("measured from delivery events; well behind plan".to_string()),
            };
        }
    }
}
