//! The computed views, as DTOs: entities merged with their live data
//! (latest check-ins and status updates), the alignment tree, open blockers,
//! cross-team dependencies, capacity and scores. Pure functions of the plan,
//! the live data and today's date, so they are tested without a server.

use crate::dto;
use std::collections::HashMap;
use tl_engine::model::{DependencyStatus, Initiative, MilestoneStatus, Model};
use tl_store::{CheckIn, MetricCheckIn, Status, StatusUpdate, Store, SubjectKind};

/// The latest live data of every subject.
#[derive(Clone, Debug, Default)]
pub struct Live {
    pub check_ins: Vec<CheckIn>,
    pub milestones: Vec<StatusUpdate>,
    pub dependencies: Vec<StatusUpdate>,
    /// Values of key results and metrics bound to delivery events, by id;
    /// empty unless `measure` was called.
    pub measured: HashMap<String, tl_app::delivery::Measured>,
    /// The recent check-ins (at most `METRIC_HISTORY`) of team metrics
    /// reported by hand, by metric id, oldest first.
    pub metric_check_ins: HashMap<String, Vec<MetricCheckIn>>,
}

/// How many of a metric's latest check-ins the live data keeps: a quarter of
/// weekly readings, what the team page's sparkline shows.
pub const METRIC_HISTORY: i64 = 13;

impl Live {
    pub async fn load(store: &dyn Store) -> Result<Live, tl_store::Error> {
        Ok(Live {
            check_ins: store.latest_check_ins().await?,
            milestones: store.latest_status_updates(SubjectKind::Milestone).await?,
            dependencies: store.latest_status_updates(SubjectKind::Dependency).await?,
            measured: HashMap::new(),
            metric_check_ins: metric_histories(store.latest_metric_check_ins(METRIC_HISTORY).await?),
        })
    }

    /// Adds the values of key results and metrics bound to delivery events,
    /// computed from the stored events off the async threads.
    pub async fn measure(
        &mut self,
        store: &dyn Store,
        plan: std::sync::Arc<crate::state::Plan>,
    ) -> Result<(), crate::error::ApiError> {
        let model = plan.model();
        let bound =
            model.key_results().any(|(_, k)| k.measure.is_some()) || model.metrics.iter().any(|m| m.measure.is_some());
        if !bound {
            return Ok(());
        }
        let now = jiff::Timestamp::now();
        let delivery = tl_app::delivery::Delivery::new(model);
        let events =
            tl_app::delivery::load_events(store, &delivery, now).await.map_err(crate::error::ApiError::from)?;
        self.measured = tokio::task::spawn_blocking(move || delivery.measure_plan(plan.model(), &events, now))
            .await
            .map_err(crate::error::ApiError::internal)?;
        Ok(())
    }
}

/// Groups check-ins (sorted by metric, then version) by metric.
fn metric_histories(check_ins: Vec<MetricCheckIn>) -> HashMap<String, Vec<MetricCheckIn>> {
    let mut out: HashMap<String, Vec<MetricCheckIn>> = HashMap::new();
    for c in check_ins {
        out.entry(c.metric.clone()).or_default().push(c);
    }
    out
}

/// Every team metric with its value now and where it came from: measured
/// from delivery events when bound to them (`measure:`), else its latest
/// check-in, else none.
pub fn team_metrics(model: &Model, live: &Live) -> Vec<dto::Metric> {
    model
        .metrics
        .iter()
        .map(|m| {
            let base = dto::Metric::from(m);
            let (value, source) = if m.measure.is_some() {
                match live.measured.get(m.id.as_str()) {
                    Some(x) => (
                        x.value,
                        x.value.map(|_| dto::MetricValueSource {
                            kind: "events".into(),
                            definition: Some(x.definition.clone()),
                            author: None,
                            at: None,
                            version: None,
                        }),
                    ),
                    None => (None, None),
                }
            } else {
                match live.metric_check_ins.get(m.id.as_str()).and_then(|h| h.last()) {
                    Some(c) => (
                        Some(c.value),
                        Some(dto::MetricValueSource {
                            kind: "check-in".into(),
                            definition: None,
                            author: Some(c.author.clone()),
                            at: Some(c.at.to_string()),
                            version: Some(c.version),
                        }),
                    ),
                    None => (None, None),
                }
            };
            dto::Metric { value, source, ..base }
        })
        .collect()
}

fn by_subject(updates: &[StatusUpdate]) -> HashMap<&str, &StatusUpdate> {
    updates.iter().map(|u| (u.subject_id.as_str(), u)).collect()
}

/// Each person's team, by person id: built once per view, so that looking up
/// the team of 50,000 milestones does not scan every person each time.
pub fn person_teams(model: &Model) -> HashMap<&str, &str> {
    model.people.iter().map(|p| (p.id.as_str(), p.team.as_str())).collect()
}

/// The team that works on a milestone: its own, else its initiative owner's,
/// else the first team that estimated effort on the initiative.
pub fn milestone_team<'m>(
    person_teams: &HashMap<&'m str, &'m str>,
    init: &'m Initiative,
    team: Option<&'m str>,
) -> Option<&'m str> {
    team.or_else(|| person_teams.get(init.owner.as_ref()?.as_str()).copied())
        .or_else(|| init.effort.first().map(|e| e.team.as_str()))
}

/// Every objective with its key results and computed progress.
pub fn objectives(model: &Model, live: &Live) -> Vec<dto::Objective> {
    let measured: HashMap<&str, Option<f64>> = live.measured.iter().map(|(k, m)| (k.as_str(), m.value)).collect();
    let progress = tl_app::progress::progress_measured(model, &live.check_ins, &measured);
    model.objectives.iter().zip(&progress).map(|(o, p)| dto::Objective::new(o, p)).collect()
}

/// Every initiative with its milestones' effective status.
pub fn initiatives(model: &Model, live: &Live, today: jiff::civil::Date) -> Vec<dto::Initiative> {
    let updates = by_subject(&live.milestones);
    let person_teams = person_teams(model);
    model.initiatives.iter().map(|i| initiative_view(&person_teams, &updates, i, today)).collect()
}

/// The initiative with id `id`, or the one holding milestone `id`, built
/// without building every other initiative.
pub fn initiative(model: &Model, live: &Live, today: jiff::civil::Date, id: &str) -> Option<dto::Initiative> {
    let i =
        model.initiatives.iter().find(|i| i.id.as_str() == id || i.milestones.iter().any(|m| m.id.as_str() == id))?;
    let updates = by_subject(&live.milestones);
    Some(initiative_view(&person_teams(model), &updates, i, today))
}

fn initiative_view(
    person_teams: &HashMap<&str, &str>,
    updates: &HashMap<&str, &StatusUpdate>,
    i: &Initiative,
    today: jiff::civil::Date,
) -> dto::Initiative {
    dto::Initiative {
        id: i.id.0.clone(),
        title: i.title.clone(),
        description: i.description.clone(),
        quarter: i.quarter.to_string(),
        theme: i.theme.as_ref().map(|r| r.id.0.clone()),
        objectives: i.objectives.iter().map(|r| r.id.0.clone()).collect(),
        category: i.category.as_str().into(),
        investment: i.investment.as_str().into(),
        status: i.status.as_str().into(),
        owner: i.owner.as_ref().map(|r| r.id.0.clone()),
        scores: dto::Scores {
            business_impact: i.scores.business_impact,
            technical_feasibility: i.scores.technical_feasibility,
            resource_requirements: i.scores.resource_requirements,
            strategic_fit: i.scores.strategic_fit,
        },
        effort: i
            .effort
            .iter()
            .map(|e| dto::TeamEffort {
                team: e.team.id.0.clone(),
                optimistic: e.estimate.optimistic,
                likely: e.estimate.likely,
                pessimistic: e.estimate.pessimistic,
            })
            .collect(),
        milestones: i.milestones.iter().map(|m| milestone_view(person_teams, updates, i, m, today)).collect(),
    }
}

/// A milestone's effective status (its latest update, else the plan's) and
/// whether it is late on `today`.
fn milestone_state(
    updates: &HashMap<&str, &StatusUpdate>,
    m: &tl_engine::model::Milestone,
    today: jiff::civil::Date,
) -> (MilestoneStatus, bool) {
    let status = match updates.get(m.id.as_str()).map(|u| u.status) {
        Some(Status::Milestone(s)) => s,
        _ => m.status,
    };
    let finished = matches!(status, MilestoneStatus::Done | MilestoneStatus::Cancelled);
    let late = status == MilestoneStatus::Late || (!finished && m.due.is_some_and(|d| d < today));
    (status, late)
}

fn milestone_view(
    person_teams: &HashMap<&str, &str>,
    updates: &HashMap<&str, &StatusUpdate>,
    i: &Initiative,
    m: &tl_engine::model::Milestone,
    today: jiff::civil::Date,
) -> dto::Milestone {
    let latest = updates.get(m.id.as_str()).copied();
    let (status, late) = milestone_state(updates, m, today);
    dto::Milestone {
        id: m.id.0.clone(),
        initiative: i.id.0.clone(),
        title: m.title.clone(),
        outcome: m.outcome.clone(),
        due: m.due.map(|d| d.to_string()),
        owner: m.owner.as_ref().map(|r| r.id.0.clone()),
        effort: m.effort,
        team: milestone_team(person_teams, i, m.team.as_ref().map(|t| t.as_str())).map(String::from),
        status: status.as_str().into(),
        version: latest.map_or(0, |u| u.version),
        late,
        latest: latest.map(dto::StatusUpdate::from),
    }
}

/// The team of every milestone, by milestone id (`milestone_team`). It
/// depends on the plan only, so a server builds it once per revision rather
/// than for each of 50,000 milestones on every change of live data.
#[derive(Clone, Debug, Default)]
pub struct MilestoneTeams(HashMap<String, Option<String>>);

impl MilestoneTeams {
    pub fn new(model: &Model) -> MilestoneTeams {
        let person_teams = person_teams(model);
        MilestoneTeams(
            model
                .milestones()
                .map(|(init, m)| {
                    let team = milestone_team(&person_teams, init, m.team.as_ref().map(|t| t.as_str()));
                    (m.id.0.clone(), team.map(String::from))
                })
                .collect(),
        )
    }

    /// The milestone's team; `None` for an unknown milestone or one without.
    pub fn get(&self, milestone: &str) -> Option<&str> {
        self.0.get(milestone).and_then(|t| t.as_deref())
    }
}

/// Every dependency with its effective status and the teams it connects.
pub fn dependencies(model: &Model, live: &Live) -> Vec<dto::Dependency> {
    dependencies_with(model, live, &MilestoneTeams::new(model))
}

/// `dependencies`, given the plan's `MilestoneTeams`.
pub fn dependencies_with(model: &Model, live: &Live, teams: &MilestoneTeams) -> Vec<dto::Dependency> {
    let updates = by_subject(&live.dependencies);
    model
        .dependencies
        .iter()
        .map(|d| {
            let latest = updates.get(d.id.as_str()).copied();
            let status = match latest.map(|u| u.status) {
                Some(Status::Dependency(s)) => s,
                _ => d.status,
            };
            let from_team = d.waits_for.as_ref().and_then(|w| teams.get(w.as_str()));
            let mut to_teams: Vec<String> = Vec::new();
            for b in &d.blocks {
                if let Some(t) = teams.get(b.as_str())
                    && !to_teams.iter().any(|x| x == t)
                {
                    to_teams.push(t.to_string());
                }
            }
            let cross_team = from_team.is_some_and(|f| to_teams.iter().any(|t| t != f));
            dto::Dependency {
                id: d.id.0.clone(),
                kind: d.kind.as_str().into(),
                title: d.title.clone(),
                blocks: d.blocks.iter().map(|r| r.id.0.clone()).collect(),
                waits_for: d.waits_for.as_ref().map(|r| r.id.0.clone()),
                party: d.party.clone(),
                owner: d.owner.as_ref().map(|r| r.id.0.clone()),
                due: d.due.map(|x| x.to_string()),
                status: status.as_str().into(),
                version: latest.map_or(0, |u| u.version),
                buffer_pct: d.buffer_pct,
                backup_plan: d.backup_plan.clone(),
                from_team: from_team.map(String::from),
                to_teams,
                cross_team,
                latest: latest.map(dto::StatusUpdate::from),
            }
        })
        .collect()
}

/// Blocked or at-risk dependencies, late milestones, and the blockers named
/// in the latest check-ins.
pub fn blockers(model: &Model, live: &Live, today: jiff::civil::Date) -> dto::Blockers {
    blockers_with(model, live, today, &dependencies(model, live))
}

/// `blockers`, given every dependency's view (`dependencies`).
pub fn blockers_with(
    model: &Model,
    live: &Live,
    today: jiff::civil::Date,
    dependencies: &[dto::Dependency],
) -> dto::Blockers {
    let blocking = [DependencyStatus::Blocked.as_str(), DependencyStatus::AtRisk.as_str()];
    dto::Blockers {
        dependencies: dependencies.iter().filter(|d| blocking.contains(&d.status.as_str())).cloned().collect(),
        late_milestones: {
            // Only late milestones become DTOs: building all 50,000 to keep a
            // few dominated the overview of a large organisation.
            let updates = by_subject(&live.milestones);
            let person_teams = person_teams(model);
            model
                .milestones()
                .filter(|(_, m)| milestone_state(&updates, m, today).1)
                .map(|(i, m)| milestone_view(&person_teams, &updates, i, m, today))
                .collect()
        },
        check_in_blockers: live.check_ins.iter().filter(|c| !c.blockers.is_empty()).map(dto::CheckIn::from).collect(),
    }
}

/// The alignment tree.
pub fn alignment(model: &Model, live: &Live) -> Vec<dto::AlignmentTheme> {
    let objectives = objectives(model, live);
    let node = |o: &dto::Objective| dto::AlignmentObjective {
        id: o.id.clone(),
        title: o.title.clone(),
        progress: o.progress,
        key_results: o
            .key_results
            .iter()
            .map(|k| dto::AlignmentKeyResult { id: k.id.clone(), title: k.title.clone(), progress: k.progress })
            .collect(),
        initiatives: model
            .initiatives
            .iter()
            .filter(|i| i.objectives.iter().any(|r| r.as_str() == o.id))
            .map(|i| dto::AlignmentInitiative {
                id: i.id.0.clone(),
                title: i.title.clone(),
                status: i.status.as_str().into(),
                milestones: i
                    .milestones
                    .iter()
                    .map(|m| dto::AlignmentMilestone {
                        id: m.id.0.clone(),
                        title: m.title.clone(),
                        status: m.status.as_str().into(),
                        due: m.due.map(|d| d.to_string()),
                    })
                    .collect(),
            })
            .collect(),
    };
    let mut out: Vec<dto::AlignmentTheme> = model
        .themes
        .iter()
        .map(|t| dto::AlignmentTheme {
            id: Some(t.id.0.clone()),
            name: t.name.clone(),
            objectives: objectives.iter().filter(|o| o.theme.as_deref() == Some(t.id.as_str())).map(node).collect(),
        })
        .collect();
    let unthemed: Vec<_> = objectives
        .iter()
        .filter(|o| o.theme.as_ref().is_none_or(|t| !model.themes.iter().any(|x| x.id.as_str() == t)))
        .map(node)
        .collect();
    if !unthemed.is_empty() {
        out.push(dto::AlignmentTheme { id: None, name: "No theme".into(), objectives: unthemed });
    }
    out
}

/// Capacity, demand and utilization per team and quarter.
pub fn capacity(model: &Model) -> Vec<dto::TeamCapacity> {
    let index = tl_engine::validate::Index::new(model);
    tl_engine::capacity::team_quarters(model, &index)
        .into_iter()
        .map(|((quarter, team), tq)| dto::TeamCapacity {
            team: model.teams[team].id.0.clone(),
            quarter: quarter.to_string(),
            capacity_weeks: tq.capacity_weeks,
            demand_weeks: tq.demand_weeks,
            utilization_pct: tq.utilization_pct(),
            committed_weeks: tq.by_category[0],
            improvement_weeks: tq.by_category[1],
            exploration_weeks: tq.by_category[2],
            tech_debt_weeks: tq.tech_debt_weeks,
        })
        .collect()
}

fn contributions(c: [f64; 4]) -> dto::Contributions {
    dto::Contributions {
        business_impact: c[0],
        technical_feasibility: c[1],
        resource_requirements: c[2],
        strategic_fit: c[3],
    }
}

/// The ranking as a DTO.
pub fn ranking(model: &Model, ranking: &tl_engine::scoring::Ranking) -> dto::Ranking {
    dto::Ranking {
        weights: contributions(ranking.weights.as_array()),
        perturbation_pp: ranking.perturbation_pp,
        n_weight_samples: ranking.n_weight_samples,
        ranked: ranking
            .entries
            .iter()
            .map(|r| {
                let i = &model.initiatives[r.initiative];
                dto::Score {
                    rank: r.rank,
                    initiative: i.id.0.clone(),
                    title: i.title.clone(),
                    score: r.score,
                    contributions: contributions(r.contributions),
                    best_rank: r.best_rank,
                    worst_rank: r.worst_rank,
                }
            })
            .collect(),
        unscored: ranking.unscored.iter().map(|&i| model.initiatives[i].id.0.clone()).collect(),
    }
}

/// The plan's findings as a DTO.
pub fn findings(plan: &crate::state::Plan) -> dto::Findings {
    use tl_engine::Severity;
    let ws = &plan.workspace;
    dto::Findings {
        revision: plan.revision,
        errors: ws.count(Severity::Error),
        warnings: ws.count(Severity::Warning),
        infos: ws.count(Severity::Info),
        findings: ws.diagnostics.iter().map(|d| dto::Finding::new(&ws.sources, d)).collect(),
    }
}

/// A theme's health, rolled up from its objectives.
#[derive(Clone, Debug, PartialEq)]
pub struct ThemeHealth {
    pub id: String,
    pub name: String,
    pub n_objectives: usize,
    /// Mean progress of its objectives that have one.
    pub progress: Option<f64>,
    /// Its objectives whose latest roll-up is off track, and at risk.
    pub n_off_track: usize,
    pub n_at_risk: usize,
    /// Its objectives with any check-in.
    pub n_checked: usize,
}

impl ThemeHealth {
    /// The health as a status keyword: off track when at least half its
    /// objectives are, at risk when any objective is at risk or off track,
    /// else on track; `None` without check-ins.
    pub fn status(&self) -> Option<&'static str> {
        if self.n_checked == 0 {
            None
        } else if 2 * self.n_off_track >= self.n_checked {
            Some("off_track")
        } else if self.n_off_track + self.n_at_risk > 0 {
            Some("at_risk")
        } else {
            Some("on_track")
        }
    }

    /// The health in words, with the objectives behind it.
    pub fn health(&self) -> String {
        let detail = |n: usize, what: &str| format!("{n} of {} objectives {what}", self.n_objectives);
        match self.status() {
            _ if self.n_objectives == 0 => "no objectives".into(),
            None => "no check-ins yet".into(),
            Some("on_track") => "healthy".into(),
            Some("off_track") => format!("off track: {}", detail(self.n_off_track, "off track")),
            _ => format!("at risk: {}", detail(self.n_off_track + self.n_at_risk, "at risk or off track")),
        }
    }
}

fn status_rank(s: &str) -> u8 {
    match s {
        "off_track" => 2,
        "at_risk" => 1,
        _ => 0,
    }
}

/// Every theme with the progress and worst status of its objectives.
pub fn theme_health(model: &Model, objectives: &[dto::Objective]) -> Vec<ThemeHealth> {
    model
        .themes
        .iter()
        .map(|t| {
            let mine: Vec<&dto::Objective> =
                objectives.iter().filter(|o| o.theme.as_deref() == Some(t.id.as_str())).collect();
            let measured: Vec<f64> = mine.iter().filter_map(|o| o.progress).collect();
            ThemeHealth {
                id: t.id.0.clone(),
                name: t.name.clone(),
                n_objectives: mine.len(),
                progress: (!measured.is_empty()).then(|| measured.iter().sum::<f64>() / measured.len() as f64),
                n_off_track: mine.iter().filter(|o| o.status.as_deref() == Some("off_track")).count(),
                n_at_risk: mine.iter().filter(|o| o.status.as_deref() == Some("at_risk")).count(),
                n_checked: mine.iter().filter(|o| o.status.is_some()).count(),
            }
        })
        .collect()
}

/// Key results whose latest check-in is at risk or off track, worst first.
pub fn troubled_key_results(objectives: &[dto::Objective]) -> Vec<dto::KeyResult> {
    let mut out: Vec<dto::KeyResult> = objectives
        .iter()
        .flat_map(|o| &o.key_results)
        .filter(|k| k.latest.as_ref().is_some_and(|c| status_rank(&c.status) > 0))
        .cloned()
        .collect();
    out.sort_by_key(|k| std::cmp::Reverse(k.latest.as_ref().map_or(0, |c| status_rank(&c.status))));
    out
}

/// A team's skills: one row per person, one column per skill, with the
/// skills fewer than `min_holders` people hold at a working level.
#[derive(Clone, Debug, PartialEq)]
pub struct SkillsMatrix {
    pub skills: Vec<String>,
    /// Person id, name, and the level per skill (0 when absent).
    pub people: Vec<(String, String, Vec<u8>)>,
    /// Per skill: how many hold it at `HOLDS_SKILL_LEVEL` or above.
    pub holders: Vec<usize>,
    /// Per skill: a single point of failure (held by exactly one person).
    pub single_point: Vec<bool>,
}

pub fn skills_matrix(model: &Model, team: &str) -> SkillsMatrix {
    use tl_engine::model::HOLDS_SKILL_LEVEL;
    let people: Vec<_> = model.people.iter().filter(|p| p.team.as_str() == team).collect();
    let mut skills: Vec<String> = Vec::new();
    for p in &people {
        for s in &p.skills {
            if !skills.contains(&s.name) {
                skills.push(s.name.clone());
            }
        }
    }
    skills.sort();
    let rows: Vec<(String, String, Vec<u8>)> = people
        .iter()
        .map(|p| {
            let levels = skills
                .iter()
                .map(|s| p.skills.iter().filter(|x| &x.name == s).map(|x| x.level).max().unwrap_or(0))
                .collect();
            (p.id.0.clone(), p.name.clone(), levels)
        })
        .collect();
    let holders: Vec<usize> =
        (0..skills.len()).map(|k| rows.iter().filter(|r| r.2[k] >= HOLDS_SKILL_LEVEL).count()).collect();
    let single_point = holders.iter().map(|&h| h == 1).collect();
    SkillsMatrix { skills, people: rows, holders, single_point }
}

/// The debt register per category: items and person-weeks, largest first.
pub fn debt_by_category(model: &Model) -> Vec<(String, usize, f64)> {
    let mut out: Vec<(String, usize, f64)> = Vec::new();
    for d in &model.debt {
        let name = d.category.as_str();
        match out.iter_mut().find(|(c, _, _)| c == name) {
            Some(row) => {
                row.1 += 1;
                row.2 += d.effort;
            }
            None => out.push((name.to_string(), 1, d.effort)),
        }
    }
    out.sort_by(|a, b| b.2.total_cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
    out
}

/// Where a finding points: the entity its message names, found by id in
/// the plan, as a dashboard path. Findings name their entity in backticks
/// or by id; the first id that is an entity with a page wins.
pub fn finding_link(model: &Model, message: &str) -> Option<(String, String)> {
    let words = message
        .split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .map(|w| w.trim_end_matches('.'))
        .filter(|w| !w.is_empty());
    for w in words {
        if model.initiatives.iter().any(|i| i.id.as_str() == w) {
            return Some((format!("/initiatives/{w}"), w.to_string()));
        }
        if let Some((i, _)) = model.milestones().find(|(_, m)| m.id.as_str() == w) {
            return Some((format!("/initiatives/{}", i.id), w.to_string()));
        }
        if model.objectives.iter().any(|o| o.id.as_str() == w) {
            return Some((format!("/okrs/{w}"), w.to_string()));
        }
        if let Some((o, _)) = model.key_results().find(|(_, k)| k.id.as_str() == w) {
            return Some((format!("/okrs/{}#kr-{w}", o.id), w.to_string()));
        }
        if model.teams.iter().any(|t| t.id.as_str() == w) {
            return Some((format!("/teams/{w}"), w.to_string()));
        }
        if let Some(p) = model.people.iter().find(|p| p.id.as_str() == w) {
            return Some((format!("/teams/{}", p.team.as_str()), w.to_string()));
        }
        if model.dependencies.iter().any(|d| d.id.as_str() == w) {
            return Some((format!("/dependencies#dep-{w}"), w.to_string()));
        }
        if model.debt.iter().any(|d| d.id.as_str() == w) {
            return Some((format!("/debt#debt-{w}"), w.to_string()));
        }
    }
    None
}
