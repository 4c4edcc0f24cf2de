//! The plain delivery events: deployments (and their commits, one row per
//! repository as DevLake stores them), commits, pull requests and incidents.
//!
//! Ids are the natural keys the source system gives, so that the same event
//! sent twice is the same event. Times are UTC; a missing time is `None`, not
//! a sentinel, because the sources really do leave them out (a pipeline still
//! running has no finish).

use std::collections::HashMap;

use jiff::Timestamp;

use super::definition::DeploymentRule;

/// The outcome of a CI/CD run (pipeline, task or deployment).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum RunResult {
    Success,
    Failure,
    /// The run did not execute; DevLake never counts it as a deployment.
    Skipped,
    /// Any other result a tool reports, kept as written.
    Other(String),
}

impl RunResult {
    /// DevLake's spelling (`SUCCESS`, `FAILURE`, `SKIPPED`), or the text as
    /// written for other results.
    pub fn as_str(&self) -> &str {
        match self {
            RunResult::Success => "SUCCESS",
            RunResult::Failure => "FAILURE",
            RunResult::Skipped => "SKIPPED",
            RunResult::Other(s) => s,
        }
    }

    /// Reads DevLake's spelling, case-insensitively; anything else is kept
    /// as [`RunResult::Other`].
    pub fn from_name(name: &str) -> RunResult {
        match name.to_ascii_uppercase().as_str() {
            "SUCCESS" => RunResult::Success,
            "FAILURE" => RunResult::Failure,
            "SKIPPED" => RunResult::Skipped,
            _ => RunResult::Other(name.to_string()),
        }
    }
}

/// One deployment: a CI/CD run that shipped a set of commits to an
/// environment.
#[derive(Clone, Debug, PartialEq)]
pub struct Deployment {
    /// Natural key from the CI/CD tool (DevLake: the pipeline id).
    pub id: String,
    /// The pipeline or job name, matched by a definition's name pattern.
    pub name: String,
    /// The service (DevLake: the repository URL) the deployment ships.
    pub service: String,
    /// The CI/CD scope it ran in (DevLake's `cicd_scope_id`); scopes are
    /// mapped to projects.
    pub scope_id: String,
    /// Free text as the tool reports it; empty when unknown.
    pub environment: String,
    pub result: RunResult,
    pub started: Option<Timestamp>,
    pub finished: Option<Timestamp>,
    /// The commits this deployment shipped: the range since the previous
    /// successful deployment of the same service and environment.
    pub commits: Vec<String>,
}

/// One deployed commit of a deployment, per repository: DevLake's
/// `cicd_deployment_commits` row. A deployment over several repositories has
/// one of these per repository.
#[derive(Clone, Debug, PartialEq)]
pub struct DeploymentCommit {
    /// DevLake: `{pipeline id}:{repo url}`.
    pub id: String,
    pub deployment_id: String,
    pub name: String,
    /// The head commit that was deployed.
    pub commit_sha: String,
    pub repo_id: String,
    /// The repository URL; DevLake's unit of "service".
    pub repo_url: String,
    pub scope_id: String,
    pub environment: String,
    pub result: RunResult,
    pub started: Option<Timestamp>,
    pub finished: Option<Timestamp>,
    /// The previous successful deployment commit of the same scope,
    /// repository and environment; `None` for the first one, or before
    /// [`super::devlake::prev_success_deployment_commit`] has run.
    pub prev_success_id: Option<String>,
}

/// A commit, the smallest change. Lead time per commit (fourkeys) starts at
/// `authored` and ends when the first deployment containing it finishes.
#[derive(Clone, Debug, PartialEq)]
pub struct Commit {
    pub sha: String,
    pub service: String,
    pub authored: Option<Timestamp>,
    /// Set by [`link_changes`].
    pub deployed: Option<Timestamp>,
    pub deployment_id: Option<String>,
}

/// A pull request with the times the cycle-time breakdown needs.
#[derive(Clone, Debug, PartialEq)]
pub struct PullRequest {
    pub id: String,
    /// The base repository, mapped to a project.
    pub repo_id: String,
    pub service: String,
    /// Empty when the source does not say.
    pub author: String,
    pub created: Timestamp,
    /// `None` while open (or closed unmerged).
    pub merged: Option<Timestamp>,
    pub merge_commit_sha: Option<String>,
    /// The sha and author time of the PR's earliest-authored commit.
    pub first_commit: Option<(String, Timestamp)>,
    /// The id and time of the first comment by someone other than the
    /// author.
    pub first_review: Option<(String, Timestamp)>,
    /// When the first production deployment containing the merge commit
    /// finished, and its id.
    pub deployed: Option<Timestamp>,
    pub deployment_id: Option<String>,
}

/// An incident: a failure in production, possibly caused by a deployment.
#[derive(Clone, Debug, PartialEq)]
pub struct Incident {
    pub id: String,
    pub service: String,
    pub created: Timestamp,
    pub resolved: Option<Timestamp>,
    /// As the incident tool writes it (`SEV1`, `P2`, ...).
    pub severity: Option<String>,
    /// The commit a post-mortem named as the cause, when known (fourkeys
    /// attributes by it).
    pub root_cause_commit: Option<String>,
    /// The deployment it is attributed to (see
    /// [`super::keys::attribute_incidents`]).
    pub deployment_id: Option<String>,
}

/// Groups deployment commits into deployments (DevLake's `ToDeployment`):
/// one per `deployment_id`, with every commit it shipped, the earliest start
/// and the latest finish, keeping the first row's other fields. The result
/// is ordered by id.
pub fn deployments_from_commits(rows: &[DeploymentCommit]) -> Vec<Deployment> {
    let mut by_id: HashMap<&str, Deployment> = HashMap::new();
    for row in rows {
        let dep = by_id.entry(row.deployment_id.as_str()).or_insert_with(|| Deployment {
            id: row.deployment_id.clone(),
            name: row.name.clone(),
            service: row.repo_url.clone(),
            scope_id: row.scope_id.clone(),
            environment: row.environment.clone(),
            result: row.result.clone(),
            started: row.started,
            finished: row.finished,
            commits: Vec::new(),
        });
        dep.commits.push(row.commit_sha.clone());
        dep.started = min_opt(dep.started, row.started);
        dep.finished = dep.finished.max(row.finished);
    }
    let mut out: Vec<Deployment> = by_id.into_values().collect();
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}

fn min_opt(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<Timestamp> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, None) => a,
        (None, b) => b,
    }
}

/// Sets `deployed` on commits and pull requests: the finish of the earliest
/// finishing deployment that `rule` counts and whose `commits` contain the
/// commit (for a pull request, its merge commit). Changes no deployment
/// contains keep `None`.
pub fn link_changes(
    commits: &mut [Commit],
    pull_requests: &mut [PullRequest],
    deployments: &[Deployment],
    rule: &DeploymentRule,
) {
    // Sized for every shipped commit, so that a million of them are not
    // rehashed as the map grows.
    let mut first: HashMap<&str, (Timestamp, &str)> =
        HashMap::with_capacity(deployments.iter().map(|d| d.commits.len()).sum());
    for dep in deployments.iter().filter(|d| rule.counts(d)) {
        let Some(finished) = dep.finished else {
            continue;
        };
        for sha in &dep.commits {
            let slot = first.entry(sha.as_str()).or_insert((finished, &dep.id));
            if (finished, dep.id.as_str()) < *slot {
                *slot = (finished, &dep.id);
            }
        }
    }
    for commit in commits {
        if let Some(&(at, id)) = first.get(commit.sha.as_str()) {
            commit.deployed = Some(at);
            commit.deployment_id = Some(id.to_string());
        }
    }
    for pr in pull_requests {
        let hit = pr.merge_commit_sha.as_deref().and_then(|sha| first.get(sha));
        if let Some(&(at, id)) = hit {
            pr.deployed = Some(at);
            pr.deployment_id = Some(id.to_string());
        }
    }
}
