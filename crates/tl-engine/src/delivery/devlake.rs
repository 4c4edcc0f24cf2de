//! Apache DevLake's DORA steps, reproduced on DevLake-shaped rows, so that
//! the `devlake` preset can be checked against DevLake's own end-to-end test
//! tables (see `tests/it/delivery.rs`).
//!
//! Each function mirrors one subtask of DevLake's `dora` plugin, including
//! the behaviour its expected tables pin down:
//!
//! - [`generate_deployment_commits`]: a pipeline is a deployment when its
//!   type is `DEPLOYMENT` or one of its non-skipped tasks is; skipped
//!   pipelines never are, failed ones are kept. An empty pipeline
//!   environment is taken from its tasks (production before staging before
//!   testing). The start is the finish minus the duration in whole seconds,
//!   not the creation time.
//! - [`prev_success_deployment_commit`]: consecutive successful deployment
//!   commits per CI/CD scope, repository and environment, in finish order.
//! - [`enrich_pull_requests`] and [`pr_metrics`]: the PR cycle-time
//!   breakdown in whole minutes rounded up, a negative span being `None`.
//! - [`connect_incidents`]: an incident is blamed on the deployment of the
//!   last successful production deployment commit that finished strictly
//!   before it.

use std::collections::{HashMap, HashSet};

use jiff::{SignedDuration, Timestamp};

use super::PRODUCTION;
use super::events::{DeploymentCommit, PullRequest, RunResult};
use super::stats::span_minutes_ceil;

/// DevLake's `project_mapping` row: `row_id` of `table` (`cicd_scopes`,
/// `repos`, `boards`) belongs to `project`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProjectMapping {
    pub project: String,
    pub table: String,
    pub row_id: String,
}

/// The set of (table, row) pairs mapped to one project.
struct ProjectScopes<'a> {
    rows: HashSet<(&'a str, &'a str)>,
}

impl<'a> ProjectScopes<'a> {
    fn new(project: &str, mappings: &'a [ProjectMapping]) -> ProjectScopes<'a> {
        let rows =
            mappings.iter().filter(|m| m.project == project).map(|m| (m.table.as_str(), m.row_id.as_str())).collect();
        ProjectScopes { rows }
    }

    fn contains(&self, table: &str, row_id: &str) -> bool {
        self.rows.contains(&(table, row_id))
    }
}

const CICD_SCOPES: &str = "cicd_scopes";
const REPOS: &str = "repos";
const STAGING: &str = "STAGING";
const TESTING: &str = "TESTING";

/// DevLake's `cicd_pipelines` row, as far as the DORA steps read it.
#[derive(Clone, Debug, PartialEq)]
pub struct CicdPipeline {
    pub id: String,
    pub name: String,
    pub result: RunResult,
    /// `type = 'DEPLOYMENT'`.
    pub is_deployment: bool,
    pub environment: String,
    pub duration_sec: Option<f64>,
    pub created: Option<Timestamp>,
    pub finished: Option<Timestamp>,
    pub scope_id: String,
}

/// DevLake's `cicd_tasks` row (a job of a pipeline).
#[derive(Clone, Debug, PartialEq)]
pub struct CicdTask {
    pub id: String,
    pub pipeline_id: String,
    pub result: RunResult,
    /// `type = 'DEPLOYMENT'`.
    pub is_deployment: bool,
    pub environment: String,
}

/// DevLake's `cicd_pipeline_commits` row: a pipeline ran on a commit of a
/// repository.
#[derive(Clone, Debug, PartialEq)]
pub struct PipelineCommit {
    pub pipeline_id: String,
    pub commit_sha: String,
    pub branch: String,
    pub repo_id: String,
    pub repo_url: String,
}

fn not_skipped(result: &RunResult) -> bool {
    matches!(result, RunResult::Success | RunResult::Failure)
}

/// DevLake's `generateDeploymentCommits`: one deployment commit per
/// pipeline commit whose pipeline belongs to `project` and is a deployment,
/// in the order of `pipeline_commits`.
pub fn generate_deployment_commits(
    project: &str,
    mappings: &[ProjectMapping],
    pipelines: &[CicdPipeline],
    tasks: &[CicdTask],
    pipeline_commits: &[PipelineCommit],
) -> Vec<DeploymentCommit> {
    let scopes = ProjectScopes::new(project, mappings);
    let by_id: HashMap<&str, &CicdPipeline> = pipelines.iter().map(|p| (p.id.as_str(), p)).collect();
    let mut tasks_of: HashMap<&str, Vec<&CicdTask>> = HashMap::new();
    for task in tasks {
        tasks_of.entry(&task.pipeline_id).or_default().push(task);
    }
    let mut out = Vec::new();
    for pc in pipeline_commits {
        let Some(pipeline) = by_id.get(pc.pipeline_id.as_str()) else {
            continue;
        };
        if !scopes.contains(CICD_SCOPES, &pipeline.scope_id) || !not_skipped(&pipeline.result) {
            continue;
        }
        let own_tasks = tasks_of.get(pipeline.id.as_str()).map_or(&[][..], |t| t);
        let has_deploy_task = own_tasks.iter().any(|t| t.is_deployment && not_skipped(&t.result));
        if !pipeline.is_deployment && !has_deploy_task {
            continue;
        }
        let has_tasks_in = |env: &str| own_tasks.iter().any(|t| t.environment == env && not_skipped(&t.result));
        let environment = if !pipeline.environment.is_empty() {
            pipeline.environment.clone()
        } else if has_tasks_in(PRODUCTION) {
            PRODUCTION.to_string()
        } else if has_tasks_in(STAGING) {
            STAGING.to_string()
        } else if has_tasks_in(TESTING) {
            TESTING.to_string()
        } else {
            String::new()
        };
        // Go converts the float seconds to a Duration before scaling, which
        // truncates to whole seconds.
        let started = match (pipeline.finished, pipeline.duration_sec) {
            (Some(finished), Some(secs)) => finished.checked_sub(SignedDuration::from_secs(secs.trunc() as i64)).ok(),
            _ => None,
        };
        out.push(DeploymentCommit {
            id: format!("{}:{}", pc.pipeline_id, pc.repo_url),
            deployment_id: pc.pipeline_id.clone(),
            name: pipeline.name.clone(),
            commit_sha: pc.commit_sha.clone(),
            repo_id: pc.repo_id.clone(),
            repo_url: pc.repo_url.clone(),
            scope_id: pipeline.scope_id.clone(),
            environment,
            result: pipeline.result.clone(),
            started,
            finished: pipeline.finished,
            prev_success_id: None,
        });
    }
    out
}

/// DevLake's `enrichPrevSuccessDeploymentCommits`: returns `rows` with
/// `prev_success_id` set on every successful, finished deployment commit of
/// `project` that has an environment and a repository, to the one before it
/// (by finish) with the same scope, repository and environment. Other rows
/// come back unchanged.
pub fn prev_success_deployment_commit(
    project: &str,
    mappings: &[ProjectMapping],
    rows: &[DeploymentCommit],
) -> Vec<DeploymentCommit> {
    let scopes = ProjectScopes::new(project, mappings);
    let mut out = rows.to_vec();
    let mut chosen: Vec<usize> = (0..out.len())
        .filter(|&i| {
            let r = &out[i];
            r.finished.is_some()
                && !r.environment.is_empty()
                && !r.repo_url.is_empty()
                && r.result == RunResult::Success
                && scopes.contains(CICD_SCOPES, &r.scope_id)
        })
        .collect();
    chosen.sort_by(|&a, &b| {
        let (a, b) = (&out[a], &out[b]);
        (&a.scope_id, &a.repo_url, &a.environment, a.finished).cmp(&(
            &b.scope_id,
            &b.repo_url,
            &b.environment,
            b.finished,
        ))
    });
    let mut prev: Option<usize> = None;
    for i in chosen {
        let same_run = prev.is_some_and(|p| {
            let (p, r) = (&out[p], &out[i]);
            p.scope_id == r.scope_id && p.repo_url == r.repo_url && p.environment == r.environment
        });
        out[i].prev_success_id = if same_run { prev.map(|p| out[p].id.clone()) } else { None };
        prev = Some(i);
    }
    out
}

/// DevLake's `pull_request_commits` row.
#[derive(Clone, Debug, PartialEq)]
pub struct PrCommit {
    pub pr_id: String,
    pub sha: String,
    pub authored: Option<Timestamp>,
}

/// DevLake's `pull_request_comments` row.
#[derive(Clone, Debug, PartialEq)]
pub struct PrComment {
    pub id: String,
    pub pr_id: String,
    pub account: String,
    pub created: Option<Timestamp>,
}

/// DevLake's `commits_diffs` row: `commit_sha` is in the range deployed by
/// going from `old_sha` to `new_sha` (empty `old_sha`: the first deployment).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommitsDiff {
    pub old_sha: String,
    pub new_sha: String,
    pub commit_sha: String,
}

/// Fills `first_commit`, `first_review`, `deployed` and `deployment_id` of
/// the merged pull requests of `project` (base repository mapped to it),
/// as DevLake's `calculateChangeLeadTime` finds them:
///
/// - the first commit is the earliest authored (ties: smallest sha; a
///   commit without an author time sorts first, as NULL does in MySQL);
/// - the first review is the earliest comment by an account other than the
///   author (ties: smallest comment id);
/// - the deployment is the earliest started (ties: smallest id) successful
///   `PRODUCTION` deployment commit of the project that has a previous
///   successful one and whose range from that previous commit contains the
///   merge commit.
///
/// Unmerged pull requests and those of other projects are left out.
pub fn enrich_pull_requests(
    project: &str,
    mappings: &[ProjectMapping],
    pull_requests: &[PullRequest],
    commits: &[PrCommit],
    comments: &[PrComment],
    deployment_commits: &[DeploymentCommit],
    diffs: &[CommitsDiff],
) -> Vec<PullRequest> {
    let scopes = ProjectScopes::new(project, mappings);
    let mut commits_of: HashMap<&str, Vec<&PrCommit>> = HashMap::new();
    for c in commits {
        commits_of.entry(&c.pr_id).or_default().push(c);
    }
    let mut comments_of: HashMap<&str, Vec<&PrComment>> = HashMap::new();
    for c in comments {
        comments_of.entry(&c.pr_id).or_default().push(c);
    }
    let dc_by_id: HashMap<&str, &DeploymentCommit> = deployment_commits.iter().map(|d| (d.id.as_str(), d)).collect();
    let range: HashSet<(&str, &str, &str)> =
        diffs.iter().map(|d| (d.old_sha.as_str(), d.new_sha.as_str(), d.commit_sha.as_str())).collect();
    // Candidates in DevLake's order: started (NULL first), then id.
    let mut candidates: Vec<&DeploymentCommit> = deployment_commits
        .iter()
        .filter(|dc| {
            dc.prev_success_id.as_deref().is_some_and(|p| !p.is_empty())
                && dc.environment == PRODUCTION
                && dc.result == RunResult::Success
                && scopes.contains(CICD_SCOPES, &dc.scope_id)
        })
        .collect();
    candidates.sort_by(|a, b| (a.started, &a.id).cmp(&(b.started, &b.id)));

    let mut out = Vec::new();
    for pr in pull_requests {
        if pr.merged.is_none() || !scopes.contains(REPOS, &pr.repo_id) {
            continue;
        }
        let mut pr = pr.clone();
        pr.first_commit = commits_of
            .get(pr.id.as_str())
            .and_then(|cs| cs.iter().min_by(|a, b| (a.authored, &a.sha).cmp(&(b.authored, &b.sha))))
            .and_then(|c| c.authored.map(|at| (c.sha.clone(), at)));
        pr.first_review = comments_of
            .get(pr.id.as_str())
            .and_then(|cs| {
                cs.iter().filter(|c| c.account != pr.author).min_by(|a, b| (a.created, &a.id).cmp(&(b.created, &b.id)))
            })
            .and_then(|c| c.created.map(|at| (c.id.clone(), at)));
        let merge_sha = pr.merge_commit_sha.as_deref().unwrap_or("");
        let deployment = candidates.iter().find(|dc| {
            let prev_sha =
                dc.prev_success_id.as_deref().and_then(|p| dc_by_id.get(p)).map_or("", |p| p.commit_sha.as_str());
            range.contains(&(prev_sha, dc.commit_sha.as_str(), merge_sha))
        });
        if let Some(dc) = deployment.filter(|dc| dc.finished.is_some()) {
            pr.deployed = dc.finished;
            pr.deployment_id = Some(dc.id.clone());
        }
        out.push(pr);
    }
    out
}

/// DevLake's `project_pr_metrics` row. Times are whole minutes, rounded up;
/// a span that would be negative is `None`.
#[derive(Clone, Debug, PartialEq)]
pub struct PrMetrics {
    pub pr_id: String,
    pub project: String,
    pub first_commit_sha: Option<String>,
    pub first_commit_authored: Option<Timestamp>,
    /// First commit to PR created.
    pub coding_minutes: Option<i64>,
    pub first_review_id: Option<String>,
    pub first_review_at: Option<Timestamp>,
    /// PR created to first review.
    pub pickup_minutes: Option<i64>,
    /// First review to merge.
    pub review_minutes: Option<i64>,
    pub deployment_commit_id: Option<String>,
    /// Merge to deployment finished.
    pub deploy_minutes: Option<i64>,
    /// Coding + (created to merged) + deploy, each only when present; so a
    /// PR without a review still has a cycle time, and one with a negative
    /// coding time simply leaves it out.
    pub cycle_minutes: i64,
    pub created: Timestamp,
    pub merged: Option<Timestamp>,
    pub deployed: Option<Timestamp>,
}

/// The DevLake cycle-time row of one pull request enriched by
/// [`enrich_pull_requests`].
pub fn pr_metrics(project: &str, pr: &PullRequest) -> PrMetrics {
    let first_commit_at = pr.first_commit.as_ref().map(|(_, at)| *at);
    let review_at = pr.first_review.as_ref().map(|(_, at)| *at);
    let coding = span_minutes_ceil(first_commit_at, Some(pr.created));
    let (pickup, review) = match review_at {
        Some(at) => (span_minutes_ceil(Some(pr.created), Some(at)), span_minutes_ceil(Some(at), pr.merged)),
        None => (None, None),
    };
    let open = span_minutes_ceil(Some(pr.created), pr.merged);
    let deploy = span_minutes_ceil(pr.merged, pr.deployed);
    PrMetrics {
        pr_id: pr.id.clone(),
        project: project.to_string(),
        first_commit_sha: pr.first_commit.as_ref().map(|(sha, _)| sha.clone()),
        first_commit_authored: first_commit_at,
        coding_minutes: coding,
        first_review_id: pr.first_review.as_ref().map(|(id, _)| id.clone()),
        first_review_at: review_at,
        pickup_minutes: pickup,
        review_minutes: review,
        deployment_commit_id: pr.deployment_id.clone(),
        deploy_minutes: deploy,
        cycle_minutes: coding.unwrap_or(0) + open.unwrap_or(0) + deploy.unwrap_or(0),
        created: pr.created,
        merged: pr.merged,
        deployed: pr.deployed,
    }
}

/// DevLake's `calculateChangeLeadTime`: [`enrich_pull_requests`] then
/// [`pr_metrics`] for each merged pull request of `project`.
pub fn change_lead_time(
    project: &str,
    mappings: &[ProjectMapping],
    pull_requests: &[PullRequest],
    commits: &[PrCommit],
    comments: &[PrComment],
    deployment_commits: &[DeploymentCommit],
    diffs: &[CommitsDiff],
) -> Vec<PrMetrics> {
    enrich_pull_requests(project, mappings, pull_requests, commits, comments, deployment_commits, diffs)
        .iter()
        .map(|pr| pr_metrics(project, pr))
        .collect()
}

/// DevLake's `incidents` row, as far as attribution reads it: the incident
/// belongs to the project that `table`/`scope_id` (a repo or a board) is
/// mapped to.
#[derive(Clone, Debug, PartialEq)]
pub struct DevlakeIncident {
    pub id: String,
    pub created: Option<Timestamp>,
    pub table: String,
    pub scope_id: String,
}

/// DevLake's `project_incident_deployment_relationships` row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IncidentDeployment {
    pub incident_id: String,
    pub project: String,
    /// The deployment (pipeline) id, not the deployment commit id.
    pub deployment_id: String,
}

/// DevLake's `ConnectIncidentToDeployment`: for each incident of `project`,
/// the deployment of the latest-finishing successful `PRODUCTION`
/// deployment commit of the project that finished strictly before the
/// incident was created. Incidents with no such deployment get no row.
/// Equal finish times go to the commit listed first.
pub fn connect_incidents(
    project: &str,
    mappings: &[ProjectMapping],
    incidents: &[DevlakeIncident],
    deployment_commits: &[DeploymentCommit],
) -> Vec<IncidentDeployment> {
    let scopes = ProjectScopes::new(project, mappings);
    let candidates: Vec<(Timestamp, &str)> = deployment_commits
        .iter()
        .filter(|dc| {
            dc.result == RunResult::Success
                && dc.environment == PRODUCTION
                && scopes.contains(CICD_SCOPES, &dc.scope_id)
        })
        .filter_map(|dc| dc.finished.map(|f| (f, dc.deployment_id.as_str())))
        .collect();
    incidents
        .iter()
        .filter(|i| scopes.contains(&i.table, &i.scope_id))
        .filter_map(|incident| {
            let created = incident.created?;
            let mut best: Option<(Timestamp, &str)> = None;
            for &(finished, id) in &candidates {
                if finished < created && best.is_none_or(|(b, _)| finished > b) {
                    best = Some((finished, id));
                }
            }
            best.map(|(_, id)| IncidentDeployment {
                incident_id: incident.id.clone(),
                project: project.to_string(),
                deployment_id: id.to_string(),
            })
        })
        .collect()
}
