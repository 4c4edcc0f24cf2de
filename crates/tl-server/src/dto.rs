//! The API's data transfer objects: every JSON shape the server reads or
//! writes, in one place, with the conversions from engine and store types.
//! Engine types stay free of serde; only this module knows the wire format.
//! Keywords are the workspace files' spellings (`in_progress`, `at_risk`);
//! dates are `YYYY-MM-DD`, times RFC 3339.

use serde::{Deserialize, Serialize};
use tl_engine::Diagnostic;
use tl_engine::model::{self as m, Ref};
use tl_workspace::source::Sources;
use utoipa::ToSchema;

fn id(r: &Ref) -> String {
    r.id.0.clone()
}

fn ids(refs: &[Ref]) -> Vec<String> {
    refs.iter().map(id).collect()
}

fn opt_id(r: &Option<Ref>) -> Option<String> {
    r.as_ref().map(id)
}

fn date(d: Option<jiff::civil::Date>) -> Option<String> {
    d.map(|d| d.to_string())
}

/// The organisation and the plan's revision.
#[derive(Debug, Serialize, ToSchema)]
pub struct Organisation {
    pub name: String,
    pub description: Option<String>,
    /// The stored plan's revision (0: nothing applied yet).
    pub revision: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Team {
    pub id: String,
    pub name: String,
    pub mission: Option<String>,
    pub lead: Option<String>,
    pub focus_factor: f64,
    pub on_call_fte: f64,
    pub time_off_weeks: f64,
    /// The ids of the people in the team.
    pub members: Vec<String>,
}

impl Team {
    pub fn from_model(t: &m::Team, model: &m::Model) -> Team {
        Team {
            id: t.id.0.clone(),
            name: t.name.clone(),
            mission: t.mission.clone(),
            lead: opt_id(&t.lead),
            focus_factor: t.focus_factor,
            on_call_fte: t.on_call_fte,
            time_off_weeks: t.time_off_weeks,
            members: model.people.iter().filter(|p| p.team.id == t.id).map(|p| p.id.0.clone()).collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Skill {
    pub name: String,
    /// 1 to 5.
    pub level: u8,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Person {
    pub id: String,
    pub name: String,
    pub team: String,
    pub seniority: String,
    pub fte: f64,
    pub skills: Vec<Skill>,
}

impl From<&m::Person> for Person {
    fn from(p: &m::Person) -> Person {
        Person {
            id: p.id.0.clone(),
            name: p.name.clone(),
            team: id(&p.team),
            seniority: p.seniority.as_str().into(),
            fte: p.fte,
            skills: p.skills.iter().map(|s| Skill { name: s.name.clone(), level: s.level }).collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Theme {
    pub id: String,
    pub name: String,
    pub impact: Option<String>,
    pub success_metrics: Vec<String>,
    pub capacity_share_pct: Option<f64>,
}

impl From<&m::Theme> for Theme {
    fn from(t: &m::Theme) -> Theme {
        Theme {
            id: t.id.0.clone(),
            name: t.name.clone(),
            impact: t.impact.clone(),
            success_metrics: t.success_metrics.clone(),
            capacity_share_pct: t.capacity_share_pct,
        }
    }
}

/// A check-in on a key result.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CheckIn {
    pub key_result: String,
    /// 1 for the first check-in of the key result, then 2, 3, ...
    pub version: i64,
    pub value: f64,
    /// 0 to 1.
    pub confidence: f64,
    /// `on_track`, `at_risk` or `off_track`.
    pub status: String,
    pub note: Option<String>,
    pub blockers: Vec<String>,
    pub author: String,
    pub at: String,
}

impl From<&tl_store::CheckIn> for CheckIn {
    fn from(c: &tl_store::CheckIn) -> CheckIn {
        CheckIn {
            key_result: c.key_result.clone(),
            version: c.version,
            value: c.value,
            confidence: c.confidence.get(),
            status: c.status.as_str().into(),
            note: c.note.clone(),
            blockers: c.blockers.clone(),
            author: c.author.clone(),
            at: c.at.to_string(),
        }
    }
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct KeyResult {
    pub id: String,
    pub objective: String,
    pub title: String,
    pub metric: Option<String>,
    pub baseline: Option<f64>,
    pub target: Option<f64>,
    pub unit: Option<String>,
    pub direction: Option<String>,
    pub due: Option<String>,
    /// 0 to 1, from baseline, target and the latest value; null if the key
    /// result is not measurable.
    pub progress: Option<f64>,
    /// The version to name in the next check-in (0: none yet).
    pub version: i64,
    pub latest: Option<CheckIn>,
    /// The current value progress is computed from: measured from delivery
    /// events when `measure` is set, else the latest check-in's.
    pub value: Option<f64>,
    /// The binding to delivery events, if the value is measured.
    pub measure: Option<Measure>,
}

/// What a key result or metric measures from delivery events.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Measure {
    /// `lead_time`, `deployment_frequency`, `change_failure_rate`, ...
    pub key: String,
    /// The delivery definition (or preset) the value is computed with.
    pub definition: String,
    /// `team`, `organisation` or `services`.
    pub scope: String,
    pub services: Vec<String>,
    /// The unit of the value, if stated (else derived from the key).
    pub unit: Option<String>,
}

impl From<&m::Measure> for Measure {
    fn from(x: &m::Measure) -> Measure {
        Measure {
            key: x.key.as_str().into(),
            definition: x
                .definition
                .as_ref()
                .map_or(tl_engine::delivery::definition::DEFAULT_PRESET.to_string(), |r| r.id.0.clone()),
            scope: x.scope.as_str().into(),
            services: x.services.clone(),
            unit: x.unit.map(|u| u.as_str().into()),
        }
    }
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Objective {
    pub id: String,
    pub title: String,
    pub quarter: String,
    pub team: String,
    pub contributors: Vec<String>,
    pub kind: String,
    pub theme: Option<String>,
    pub owner: Option<String>,
    /// The mean progress of its measurable key results.
    pub progress: Option<f64>,
    /// The mean confidence of its key results' latest check-ins.
    pub confidence: Option<f64>,
    /// The worst status among its key results' latest check-ins.
    pub status: Option<String>,
    pub key_results: Vec<KeyResult>,
}

impl Objective {
    pub fn new(o: &m::Objective, p: &tl_app::progress::ObjectiveProgress) -> Objective {
        let key_results = o
            .key_results
            .iter()
            .zip(&p.key_results)
            .map(|(kr, kp)| KeyResult {
                id: kr.id.0.clone(),
                objective: o.id.0.clone(),
                title: kr.title.clone(),
                metric: kr.metric.clone(),
                baseline: kr.baseline,
                target: kr.target,
                unit: kr.unit.clone(),
                direction: kr.direction.map(|d| d.as_str().into()),
                due: date(kr.due),
                progress: kp.progress,
                version: kp.latest.as_ref().map_or(0, |c| c.version),
                latest: kp.latest.as_ref().map(CheckIn::from),
                value: kp.value,
                measure: kr.measure.as_ref().map(Measure::from),
            })
            .collect();
        Objective {
            id: o.id.0.clone(),
            title: o.title.clone(),
            quarter: o.quarter.to_string(),
            team: id(&o.team),
            contributors: ids(&o.contributors),
            kind: o.kind.as_str().into(),
            theme: opt_id(&o.theme),
            owner: opt_id(&o.owner),
            progress: p.progress,
            confidence: p.confidence,
            status: p.status.map(|s| s.as_str().into()),
            key_results,
        }
    }
}

/// A status update of a milestone or a dependency.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct StatusUpdate {
    pub subject: String,
    pub version: i64,
    pub status: String,
    pub note: Option<String>,
    pub author: String,
    pub at: String,
}

impl From<&tl_store::StatusUpdate> for StatusUpdate {
    fn from(u: &tl_store::StatusUpdate) -> StatusUpdate {
        StatusUpdate {
            subject: u.subject_id.clone(),
            version: u.version,
            status: u.status.as_str().into(),
            note: u.note.clone(),
            author: u.author.clone(),
            at: u.at.to_string(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Milestone {
    pub id: String,
    pub initiative: String,
    pub title: String,
    pub outcome: Option<String>,
    pub due: Option<String>,
    pub owner: Option<String>,
    /// Person-weeks.
    pub effort: Option<f64>,
    /// The team doing it: its own, else its initiative's.
    pub team: Option<String>,
    /// The latest status update's status, else the plan's.
    pub status: String,
    /// The version to name in the next status update (0: none yet).
    pub version: i64,
    /// Late: marked late, or past due and not done or cancelled.
    pub late: bool,
    pub latest: Option<StatusUpdate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Scores {
    pub business_impact: Option<u8>,
    pub technical_feasibility: Option<u8>,
    pub resource_requirements: Option<u8>,
    pub strategic_fit: Option<u8>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TeamEffort {
    pub team: String,
    pub optimistic: f64,
    pub likely: f64,
    pub pessimistic: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Initiative {
    pub id: String,
    pub title: String,
    pub description: Option<String>,
    pub quarter: String,
    pub theme: Option<String>,
    pub objectives: Vec<String>,
    pub category: String,
    pub investment: String,
    pub status: String,
    pub owner: Option<String>,
    pub scores: Scores,
    pub effort: Vec<TeamEffort>,
    pub milestones: Vec<Milestone>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Dependency {
    pub id: String,
    pub kind: String,
    pub title: Option<String>,
    /// The milestones that cannot finish without it.
    pub blocks: Vec<String>,
    /// The milestone it waits for, when internal.
    pub waits_for: Option<String>,
    /// The outside party, when external.
    pub party: Option<String>,
    pub owner: Option<String>,
    pub due: Option<String>,
    /// The latest status update's status, else the plan's.
    pub status: String,
    /// The version to name in the next status update (0: none yet).
    pub version: i64,
    pub buffer_pct: Option<f64>,
    pub backup_plan: Option<String>,
    /// The team that must deliver (the waited-for milestone's team).
    pub from_team: Option<String>,
    /// The teams of the blocked milestones.
    pub to_teams: Vec<String>,
    /// Whether it crosses a team boundary.
    pub cross_team: bool,
    pub latest: Option<StatusUpdate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Debt {
    pub id: String,
    pub title: String,
    pub category: String,
    pub team: String,
    pub impact: String,
    pub impact_note: Option<String>,
    /// Person-weeks.
    pub effort: f64,
    pub owner: Option<String>,
    pub initiative: Option<String>,
}

impl From<&m::DebtItem> for Debt {
    fn from(d: &m::DebtItem) -> Debt {
        Debt {
            id: d.id.0.clone(),
            title: d.title.clone(),
            category: d.category.as_str().into(),
            team: id(&d.team),
            impact: d.impact.as_str().into(),
            impact_note: d.impact_note.clone(),
            effort: d.effort,
            owner: opt_id(&d.owner),
            initiative: opt_id(&d.initiative),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Metric {
    pub id: String,
    pub team: String,
    pub name: String,
    pub category: String,
    pub indicator: String,
    pub unit: Option<String>,
    pub direction: Option<String>,
    pub target: Option<f64>,
    /// The binding to delivery events, if the value is measured.
    pub measure: Option<Measure>,
    /// The value now: measured from delivery events when the metric is bound
    /// to them, else the latest check-in (null when there is neither).
    pub value: Option<f64>,
    /// Where `value` came from (null when there is no value).
    pub source: Option<MetricValueSource>,
}

/// Where a metric's value came from.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct MetricValueSource {
    /// `events` (measured with `definition`) or `check-in` (reported by
    /// `author` at `at`, as check-in `version`).
    pub kind: String,
    pub definition: Option<String>,
    pub author: Option<String>,
    pub at: Option<String>,
    pub version: Option<i64>,
}

/// A reported value of a team metric that no event definition measures.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct MetricCheckIn {
    pub metric: String,
    /// 1 for the metric's first check-in, then 2, 3, ...
    pub version: i64,
    pub value: f64,
    pub note: Option<String>,
    pub author: String,
    pub at: String,
}

impl From<&tl_store::MetricCheckIn> for MetricCheckIn {
    fn from(c: &tl_store::MetricCheckIn) -> MetricCheckIn {
        MetricCheckIn {
            metric: c.metric.clone(),
            version: c.version,
            value: c.value,
            note: c.note.clone(),
            author: c.author.clone(),
            at: c.at.to_string(),
        }
    }
}

/// A value to report on a team metric. A metric is a reading, not a
/// commitment: it has no confidence or status (its target says how it does).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMetricCheckIn {
    /// The metric's value, in its unit.
    pub value: f64,
    #[serde(default)]
    pub note: Option<String>,
    /// The version of the latest check-in you saw (0 for none); a stale one
    /// is refused with 409. Optional when an `If-Match` header names it.
    #[serde(default)]
    pub expected_version: Option<i64>,
}

impl From<&m::Metric> for Metric {
    fn from(x: &m::Metric) -> Metric {
        Metric {
            id: x.id.0.clone(),
            team: id(&x.team),
            name: x.name.clone(),
            category: x.category.as_str().into(),
            indicator: x.indicator.as_str().into(),
            unit: x.unit.clone(),
            direction: x.direction.map(|d| d.as_str().into()),
            target: x.target,
            measure: x.measure.as_ref().map(Measure::from),
            value: None,
            source: None,
        }
    }
}

/// A lint or validation finding.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Finding {
    pub rule: String,
    /// `error`, `warning` or `info`.
    pub severity: String,
    pub message: String,
    pub file: Option<String>,
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub hint: Option<String>,
}

impl Finding {
    pub fn new(sources: &Sources, d: &Diagnostic) -> Finding {
        let known = d.loc.line > 0;
        Finding {
            rule: d.rule.into(),
            severity: d.severity.as_str().into(),
            message: d.message.clone(),
            file: sources.path(d.loc),
            line: known.then_some(d.loc.line),
            column: known.then_some(d.loc.col),
            hint: d.hint.clone(),
        }
    }
}

/// The lint findings and their counts.
#[derive(Debug, Serialize, ToSchema)]
pub struct Findings {
    pub revision: i64,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    pub findings: Vec<Finding>,
}

/// One criterion's share of a score.
#[derive(Debug, Serialize, ToSchema)]
pub struct Contributions {
    pub business_impact: f64,
    pub technical_feasibility: f64,
    pub resource_requirements: f64,
    pub strategic_fit: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Score {
    pub rank: usize,
    pub initiative: String,
    pub title: String,
    /// The weighted score, 1 to 5.
    pub score: f64,
    pub contributions: Contributions,
    /// The best and worst rank when every weight moves by up to the perturbation.
    pub best_rank: usize,
    pub worst_rank: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Ranking {
    pub weights: Contributions,
    pub perturbation_pp: f64,
    pub n_weight_samples: usize,
    pub ranked: Vec<Score>,
    /// Initiatives without all four scores.
    pub unscored: Vec<String>,
}

/// One team's load in one quarter, in person-weeks.
#[derive(Debug, Serialize, ToSchema)]
pub struct TeamCapacity {
    pub team: String,
    pub quarter: String,
    pub capacity_weeks: f64,
    pub demand_weeks: f64,
    /// Demand over capacity, in percent; null without capacity.
    pub utilization_pct: Option<f64>,
    pub committed_weeks: f64,
    pub improvement_weeks: f64,
    pub exploration_weeks: f64,
    pub tech_debt_weeks: f64,
}

/// The alignment tree: theme → objective → key results and initiatives →
/// milestones. Objectives without a theme sit under a `null` theme.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlignmentTheme {
    pub id: Option<String>,
    pub name: String,
    pub objectives: Vec<AlignmentObjective>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AlignmentObjective {
    pub id: String,
    pub title: String,
    pub progress: Option<f64>,
    pub key_results: Vec<AlignmentKeyResult>,
    pub initiatives: Vec<AlignmentInitiative>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AlignmentKeyResult {
    pub id: String,
    pub title: String,
    pub progress: Option<f64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AlignmentInitiative {
    pub id: String,
    pub title: String,
    pub status: String,
    pub milestones: Vec<AlignmentMilestone>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AlignmentMilestone {
    pub id: String,
    pub title: String,
    pub status: String,
    pub due: Option<String>,
}

/// What blocks delivery now.
#[derive(Debug, Serialize, ToSchema)]
pub struct Blockers {
    /// Dependencies that are blocked or at risk.
    pub dependencies: Vec<Dependency>,
    /// Milestones marked late, or past due and not done.
    pub late_milestones: Vec<Milestone>,
    /// Blockers named in the latest check-ins.
    pub check_in_blockers: Vec<CheckIn>,
}

/// A plan revision.
#[derive(Debug, Serialize, ToSchema)]
pub struct Revision {
    pub revision: i64,
    pub author: String,
    pub at: String,
    pub forced: bool,
    /// `kind id` of each entity.
    pub added: Vec<String>,
    pub changed: Vec<String>,
    pub removed: Vec<String>,
}

impl From<&tl_store::Revision> for Revision {
    fn from(r: &tl_store::Revision) -> Revision {
        let keys = |k: &[tl_store::EntityKey]| k.iter().map(|k| k.to_string()).collect();
        Revision {
            revision: r.revision,
            author: r.author.clone(),
            at: r.at.to_string(),
            forced: r.forced,
            added: keys(&r.added),
            changed: keys(&r.changed),
            removed: keys(&r.removed),
        }
    }
}

/// A revision with what it did to each document it changed or removed.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevisionDetail {
    pub revision: Revision,
    /// Entities that only moved (a list reordered); their content is the same.
    pub reordered: i64,
    /// The changed documents, then the removed ones.
    pub documents: Vec<DocumentDiff>,
    /// Changed or removed documents not included (there is a limit per response).
    pub left_out: usize,
}

/// One document a revision changed or removed: its YAML before and after,
/// and the changed lines with three lines of context around each change.
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentDiff {
    /// `team`, `initiative`, `objective`, ...
    pub kind: String,
    pub id: String,
    /// The revision removed it (else it changed it).
    pub removed: bool,
    /// Absent when the revision was applied before history was kept.
    pub before: Option<String>,
    /// Absent when it was removed.
    pub after: Option<String>,
    /// Runs of lines shown together; empty when `before` is unknown.
    pub hunks: Vec<Vec<DiffLine>>,
}

/// One line of a diff.
#[derive(Debug, Serialize, ToSchema)]
pub struct DiffLine {
    /// `same`, `removed` or `added`.
    pub op: &'static str,
    /// The line's number (from 1) in the old text, unless it was added.
    pub old: Option<usize>,
    /// The line's number in the new text, unless it was removed.
    pub new: Option<usize>,
    pub text: String,
}

/// Lines of context around each change in a `DocumentDiff`.
const DIFF_CONTEXT: usize = 3;

impl From<&tl_store::DocumentChange> for DocumentDiff {
    fn from(d: &tl_store::DocumentChange) -> DocumentDiff {
        let hunks = match &d.before {
            Some(before) => {
                let lines = crate::diff::diff_lines(before, d.after.as_deref().unwrap_or(""));
                crate::diff::hunks(&lines, DIFF_CONTEXT)
                    .into_iter()
                    .map(|hunk| {
                        hunk.into_iter()
                            .map(|l| DiffLine { op: l.op.as_str(), old: l.old, new: l.new, text: l.text.to_string() })
                            .collect()
                    })
                    .collect()
            }
            None => Vec::new(),
        };
        DocumentDiff {
            kind: d.key.kind.as_str().to_string(),
            id: d.key.id.clone(),
            removed: d.removed,
            before: d.before.clone(),
            after: d.after.clone(),
            hunks,
        }
    }
}

impl From<&tl_store::RevisionDetail> for RevisionDetail {
    fn from(r: &tl_store::RevisionDetail) -> RevisionDetail {
        RevisionDetail {
            revision: Revision::from(&r.revision),
            reordered: r.revision.reordered,
            documents: r.documents.iter().map(DocumentDiff::from).collect(),
            left_out: r.left_out,
        }
    }
}

// Requests.

/// A check-in's status.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum CheckInStatus {
    OnTrack,
    AtRisk,
    OffTrack,
}

impl From<CheckInStatus> for tl_store::CheckInStatus {
    fn from(s: CheckInStatus) -> tl_store::CheckInStatus {
        match s {
            CheckInStatus::OnTrack => tl_store::CheckInStatus::OnTrack,
            CheckInStatus::AtRisk => tl_store::CheckInStatus::AtRisk,
            CheckInStatus::OffTrack => tl_store::CheckInStatus::OffTrack,
        }
    }
}

/// A check-in to record.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCheckIn {
    /// The metric's current value, in the key result's unit.
    pub value: f64,
    /// 0 to 1.
    pub confidence: f64,
    pub status: CheckInStatus,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub blockers: Vec<String>,
    /// The version of the latest check-in you saw (0 for none); a stale one
    /// is refused with 409. Optional when an `If-Match` header names it.
    #[serde(default)]
    pub expected_version: Option<i64>,
}

/// A status update to record on a milestone or a dependency.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewStatusUpdate {
    /// Milestones: `planned`, `in_progress`, `done`, `late`, `cancelled`.
    /// Dependencies: `open`, `at_risk`, `blocked`, `done`.
    pub status: String,
    #[serde(default)]
    pub note: Option<String>,
    /// The version of the latest update you saw (0 for none); a stale one
    /// is refused with 409. Optional when an `If-Match` header names it.
    #[serde(default)]
    pub expected_version: Option<i64>,
}

/// One file of a workspace.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkspaceFile {
    /// A relative path such as `teams.yaml` or `okrs/2027-Q1.yaml`.
    pub path: String,
    pub text: String,
}

/// A workspace to apply.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplyRequest {
    pub files: Vec<WorkspaceFile>,
    /// Apply even with lint or validation errors.
    #[serde(default)]
    pub force: bool,
    /// Apply only if the stored plan is still at this revision (else 409).
    #[serde(default)]
    pub expected_revision: Option<i64>,
}

/// What an apply did.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplyResult {
    /// False when the plan was identical to the stored one.
    pub applied: bool,
    pub revision: i64,
    pub added: usize,
    pub changed: usize,
    pub removed: usize,
    pub forced: bool,
    /// The warnings (and, when forced, errors) of the applied plan.
    pub findings: Vec<Finding>,
}

/// Credentials for `POST /api/login`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Login {
    pub username: String,
    pub password: String,
}

/// Who is calling.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub name: String,
    /// `admin`, `editor` or `viewer`.
    pub role: String,
    /// `session` or `token`.
    pub via: String,
    /// With a session: the token to send as `X-CSRF-Token` on writes.
    pub csrf_token: Option<String>,
}

/// A role.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Editor,
    Viewer,
}

impl From<Role> for tl_store::Role {
    fn from(r: Role) -> tl_store::Role {
        match r {
            Role::Admin => tl_store::Role::Admin,
            Role::Editor => tl_store::Role::Editor,
            Role::Viewer => tl_store::Role::Viewer,
        }
    }
}

/// A user to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub username: String,
    pub role: Role,
    /// At least 12 characters.
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub role: String,
    pub created_at: String,
}

impl From<&tl_store::User> for User {
    fn from(u: &tl_store::User) -> User {
        User {
            id: u.id,
            username: u.username.clone(),
            role: u.role.as_str().into(),
            created_at: u.created_at.to_string(),
        }
    }
}

/// An API token to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewApiToken {
    pub name: String,
    pub role: Role,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub role: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
    /// Only in the response that creates the token: send it as
    /// `Authorization: Bearer <secret>`. It is not stored and cannot be shown again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

impl From<&tl_store::ApiToken> for ApiToken {
    fn from(t: &tl_store::ApiToken) -> ApiToken {
        ApiToken {
            id: t.id,
            name: t.name.clone(),
            role: t.role.as_str().into(),
            created_at: t.created_at.to_string(),
            last_used_at: t.last_used_at.map(|t| t.to_string()),
            secret: None,
        }
    }
}

/// `GET /healthz`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    pub status: String,
    pub revision: i64,
}

/// What recording one kind of event did.
#[derive(Clone, Copy, Debug, Serialize, ToSchema)]
pub struct RecordCounts {
    /// Events the store did not have.
    pub inserted: u64,
    /// Events it had under the same key with other content, now replaced.
    pub updated: u64,
    /// Events it had exactly (repeats within the request included).
    pub unchanged: u64,
}

impl From<&tl_store::Counts> for RecordCounts {
    fn from(c: &tl_store::Counts) -> RecordCounts {
        RecordCounts { inserted: c.inserted, updated: c.updated, unchanged: c.unchanged }
    }
}

/// The answer to a webhook: counts for each kind of event the route takes.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RecordedEvents {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deployments: Option<RecordCounts>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commits: Option<RecordCounts>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pull_requests: Option<RecordCounts>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incidents: Option<RecordCounts>,
    /// Services of the batch that no team in the current plan lists under
    /// `services:`: their events are recorded and count for the
    /// organisation, but no team's delivery figures include them (a typo in
    /// the sender, or a team file to update). Left out when there are none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unowned_services: Vec<String>,
}

impl RecordedEvents {
    fn none() -> RecordedEvents {
        RecordedEvents {
            deployments: None,
            commits: None,
            pull_requests: None,
            incidents: None,
            unowned_services: vec![],
        }
    }

    /// The same, with the batch's services that no team owns.
    pub fn with_unowned(mut self, services: Vec<String>) -> RecordedEvents {
        self.unowned_services = services;
        self
    }

    /// The answer of `/api/events/deployments`.
    pub fn deployments(counts: &tl_store::EventCounts) -> RecordedEvents {
        RecordedEvents { deployments: Some((&counts.deployments).into()), ..RecordedEvents::none() }
    }

    /// The answer of `/api/events/incidents`.
    pub fn incidents(counts: &tl_store::EventCounts) -> RecordedEvents {
        RecordedEvents { incidents: Some((&counts.incidents).into()), ..RecordedEvents::none() }
    }

    /// The answer of `/api/events/changes`.
    pub fn changes(counts: &tl_store::EventCounts) -> RecordedEvents {
        RecordedEvents {
            commits: Some((&counts.commits).into()),
            pull_requests: Some((&counts.pull_requests).into()),
            ..RecordedEvents::none()
        }
    }
}
/// The four keys over one time range. Durations in minutes, frequency per
/// week (in the unit of the definition's frequency statistic), the change
/// failure rate as a fraction.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct FourKeys {
    pub deployments: usize,
    pub deployment_frequency: f64,
    pub lead_time_minutes: Option<f64>,
    pub lead_time_samples: usize,
    pub change_failure_rate: Option<f64>,
    pub failed_deployments: usize,
    pub time_to_restore_minutes: Option<f64>,
    pub restore_samples: usize,
    /// Benchmark tiers (`elite`, `high`, `medium`, `low`); null without a number.
    pub deployment_frequency_tier: String,
    pub lead_time_tier: Option<String>,
    pub change_failure_rate_tier: Option<String>,
    pub time_to_restore_tier: Option<String>,
}

impl From<&tl_engine::delivery::FourKeys> for FourKeys {
    fn from(k: &tl_engine::delivery::FourKeys) -> FourKeys {
        let tier = |t: Option<tl_engine::delivery::Tier>| t.map(|t| t.as_str().to_string());
        FourKeys {
            deployments: k.deployments,
            deployment_frequency: k.deployment_frequency,
            lead_time_minutes: k.lead_time_minutes,
            lead_time_samples: k.lead_time_samples,
            change_failure_rate: k.change_failure_rate,
            failed_deployments: k.failed_deployments,
            time_to_restore_minutes: k.time_to_restore_minutes,
            restore_samples: k.restore_samples,
            deployment_frequency_tier: k.tiers.deployment_frequency.as_str().into(),
            lead_time_tier: tier(k.tiers.lead_time),
            change_failure_rate_tier: tier(k.tiers.change_failure_rate),
            time_to_restore_tier: tier(k.tiers.time_to_restore),
        }
    }
}

/// The four keys of one week or quarter.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PeriodKeys {
    /// `2027-W05` or `2027-Q1`.
    pub label: String,
    pub start: String,
    pub end: String,
    pub keys: FourKeys,
}

/// The four keys of one team (`team` is empty for services no team owns).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct TeamKeys {
    pub team: String,
    pub keys: FourKeys,
}

/// The PR cycle-time breakdown in minutes, with review velocity.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CycleTimes {
    pub pull_requests: usize,
    pub coding_minutes: Option<f64>,
    pub pickup_minutes: Option<f64>,
    pub review_minutes: Option<f64>,
    pub deploy_minutes: Option<f64>,
    pub cycle_minutes: Option<f64>,
    /// PR created to merged, over reviewed pull requests.
    pub review_velocity_minutes: Option<f64>,
}

/// The delivery metrics of a scope under a definition.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct DeliveryKeys {
    /// The definition every number was computed with.
    pub definition: String,
    /// `organisation`, `team:<id>` or `service:<name>`.
    pub scope: String,
    /// `week` or `quarter`: the granularity of `periods`.
    pub period: String,
    /// The definition's window ending now.
    pub start: String,
    pub end: String,
    pub overall: FourKeys,
    /// The same window just before, for trends.
    pub previous: FourKeys,
    pub teams: Vec<TeamKeys>,
    pub periods: Vec<PeriodKeys>,
    pub cycle_times: CycleTimes,
    /// Events of the scope read for the figures (0: nothing ingested yet).
    pub events: usize,
}

impl DeliveryKeys {
    pub fn new(s: &tl_app::delivery::Summary, scope: &str, quarterly: bool) -> DeliveryKeys {
        let r = &s.report;
        let periods = if quarterly { &r.quarters } else { &r.weeks };
        let c = &r.cycle_times;
        DeliveryKeys {
            definition: r.definition.clone(),
            scope: scope.into(),
            period: if quarterly { "quarter" } else { "week" }.into(),
            start: r.start.to_string(),
            end: r.end.to_string(),
            overall: FourKeys::from(&r.overall),
            previous: FourKeys::from(&s.previous),
            teams: r.groups.iter().map(|(t, k)| TeamKeys { team: t.clone(), keys: FourKeys::from(k) }).collect(),
            periods: periods
                .iter()
                .map(|p| PeriodKeys {
                    label: p.label.clone(),
                    start: p.start.to_string(),
                    end: p.end.to_string(),
                    keys: FourKeys::from(&p.overall),
                })
                .collect(),
            cycle_times: CycleTimes {
                pull_requests: c.pull_requests,
                coding_minutes: c.coding,
                pickup_minutes: c.pickup,
                review_minutes: c.review,
                deploy_minutes: c.deploy,
                cycle_minutes: c.cycle,
                review_velocity_minutes: s.review_velocity_minutes,
            },
            events: s.n_events,
        }
    }
}

/// One field of a resolved delivery definition and where its value came from.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct DefinitionField {
    /// The dotted name the files use: `deployment.environment`.
    pub field: String,
    /// The value, as the files would spell it.
    pub value: String,
    /// `preset dora-2023`, or `file:line:column` in the stored plan.
    pub origin: String,
}

/// A delivery definition, resolved: every field and its origin.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct DeliveryDefinition {
    pub id: String,
    /// The preset or definition it extends; null for a preset.
    pub extends: Option<String>,
    pub preset: bool,
    pub description: String,
    pub fields: Vec<DefinitionField>,
}

impl DeliveryDefinition {
    pub fn new(sources: &Sources, r: &tl_engine::delivery::ResolvedDefinition) -> DeliveryDefinition {
        use tl_engine::delivery::Origin;
        let origin = |field: &str| match r.origin(field) {
            Some(Origin::Preset(p)) => format!("preset {p}"),
            Some(Origin::File(loc)) => sources.describe(*loc).unwrap_or_else(|| "the stored plan".into()),
            None => String::new(),
        };
        DeliveryDefinition {
            id: r.name().into(),
            extends: r.extends.clone(),
            preset: r.loc.is_none(),
            description: r.definition.description.clone(),
            fields: definition_values(&r.definition)
                .into_iter()
                .map(|(field, value)| DefinitionField { field: field.into(), origin: origin(field), value })
                .collect(),
        }
    }
}

/// Every field of a definition with its value as the files spell it.
fn definition_values(d: &tl_engine::delivery::MetricDefinition) -> Vec<(&'static str, String)> {
    use tl_engine::delivery::definition::{rounding_name, statistic_name};
    use tl_engine::delivery::{Attribution, DeploymentFrequencyStat, LeadTimeEnd, LeadTimeStart, WeekStart};
    let dep = &d.deployment;
    let results: Vec<String> = dep.results.iter().map(|r| r.as_str().to_ascii_lowercase()).collect();
    let attribution = match &d.attribution {
        Attribution::RootCauseCommit => "root_cause_commit".to_string(),
        Attribution::LastDeploymentBefore { same_service, within_minutes } => {
            let mut s = format!("last_deployment_before, scope {}", if *same_service { "service" } else { "any" });
            if let Some(m) = within_minutes {
                s.push_str(&format!(", within {}", tl_workspace::write::duration(*m)));
            }
            s
        }
    };
    let b = &d.benchmark;
    vec![
        ("description", d.description.clone()),
        ("deployment.environment", dep.environment.clone().unwrap_or_else(|| "* (every environment)".into())),
        ("deployment.results", format!("[{}]", results.join(", "))),
        ("deployment.pattern", dep.name_pattern.as_ref().map_or("(any name)".into(), |p| p.0.clone())),
        (
            "lead_time.start",
            match d.lead_time_start {
                LeadTimeStart::FirstCommit => "first_commit",
                LeadTimeStart::PrCreated => "pr_created",
                LeadTimeStart::CommitAuthored => "commit_authored",
            }
            .into(),
        ),
        (
            "lead_time.end",
            match d.lead_time_end {
                LeadTimeEnd::Deployed => "deployed",
                LeadTimeEnd::Merged => "merged",
            }
            .into(),
        ),
        ("lead_time.statistic", statistic_name(d.lead_time_statistic).into()),
        ("lead_time.minimum", tl_workspace::write::duration(d.lead_time_minimum_minutes)),
        ("lead_time.rounding", rounding_name(d.lead_time_rounding).into()),
        ("restore_statistic", statistic_name(d.restore_statistic).into()),
        ("restore_rounding", rounding_name(d.restore_rounding).into()),
        (
            "frequency",
            match d.frequency_statistic {
                DeploymentFrequencyStat::PerWeek => "per_week",
                DeploymentFrequencyStat::MedianDeployDaysPerWeek => "deploy_days_per_week",
            }
            .into(),
        ),
        ("frequency_statistic", statistic_name(d.frequency_summary).into()),
        (
            "week_start",
            match d.week_start {
                WeekStart::Monday => "monday",
                WeekStart::Sunday => "sunday",
            }
            .into(),
        ),
        ("window", d.window.label()),
        ("attribution", attribution),
        ("benchmark", format!("{} ({})", b.report_year, b.source)),
    ]
}
