//! The webhook payloads CI/CD and incident tools send to `/api/events/*`:
//! their wire types, and the pure conversion of a parsed JSON body into a
//! store `EventBatch`.
//!
//! Each endpoint takes one event as a JSON object, or a batch as an object
//! with one list (`{"deployments": [...]}`, `{"incidents": [...]}`;
//! `/api/events/changes` takes `{"commits": [...], "pull_requests": [...]}`).
//! An empty list is a valid batch that records nothing.
//! Times are RFC 3339 (`2024-03-01T12:00:00Z`, or with an offset). Unknown
//! fields are refused, not dropped, so that a misspelt `finshed_at` cannot
//! quietly lose a time. Every problem is reported as a [`PayloadError`]
//! naming the field by its JSON path (`deployments[3].finished_at`), and the
//! conversion never panics: it is property-tested with arbitrary JSON.
//!
//! The whole body is checked before anything is written, and the batch is
//! written in one transaction, so a bad event anywhere writes nothing.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::HashMap;
use tl_engine::delivery::{Commit, Deployment, Incident, PRODUCTION, PullRequest, RunResult};
use tl_store::{CommitRecord, EventBatch};
use utoipa::ToSchema;

/// The longest id, sha, service or name accepted, in bytes.
pub const MAX_TEXT: usize = 512;

/// A deployment: a CI/CD run that shipped commits to an environment.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeploymentEvent {
    /// The tool's id for this run (pipeline or job run id): the natural key.
    /// Sending the same id again with the same content changes nothing;
    /// with other content (a run that has since finished) replaces it.
    pub id: String,
    /// The id of the service deployed.
    pub service: String,
    /// The pipeline or job name (default: the id).
    #[serde(default)]
    pub name: Option<String>,
    /// The CI/CD scope (project) it ran in (default: the service).
    #[serde(default)]
    pub scope: Option<String>,
    /// The environment (default `PRODUCTION`).
    #[serde(default)]
    pub environment: Option<String>,
    /// `success`, `failure` or `skipped` (any case); other results are kept
    /// as written and never count as deployments.
    pub result: String,
    /// RFC 3339.
    #[serde(default)]
    pub started_at: Option<String>,
    /// RFC 3339; not before `started_at`.
    #[serde(default)]
    pub finished_at: Option<String>,
    /// The shas of the commits the deployment shipped.
    #[serde(default)]
    pub commits: Vec<String>,
}

/// Several deployments in one request and one transaction.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeploymentBatch {
    pub deployments: Vec<DeploymentEvent>,
}

/// One deployment, or a batch.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum DeploymentsBody {
    Batch(DeploymentBatch),
    One(DeploymentEvent),
}

/// An incident: a failure in production.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IncidentEvent {
    /// The incident tool's id: the natural key.
    pub id: String,
    /// The id of the service that failed.
    pub service: String,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339; not before `created_at`. Absent while open.
    #[serde(default)]
    pub resolved_at: Option<String>,
    /// As the tool writes it (`SEV1`, `P2`).
    #[serde(default)]
    pub severity: Option<String>,
    /// The commit a post-mortem named as the cause.
    #[serde(default)]
    pub root_cause_commit: Option<String>,
    /// The deployment that caused it, when known.
    #[serde(default)]
    pub deployment_id: Option<String>,
}

/// Several incidents in one request and one transaction.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IncidentBatch {
    pub incidents: Vec<IncidentEvent>,
}

/// One incident, or a batch.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum IncidentsBody {
    Batch(IncidentBatch),
    One(IncidentEvent),
}

/// A commit, keyed by service and sha.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommitEvent {
    pub sha: String,
    /// The id of the service whose repository holds the commit.
    pub service: String,
    /// RFC 3339: where lead time starts.
    #[serde(default)]
    pub authored_at: Option<String>,
    /// RFC 3339.
    #[serde(default)]
    pub committed_at: Option<String>,
    /// Parent shas, first parent first.
    #[serde(default)]
    pub parents: Vec<String>,
    /// RFC 3339: when the first deployment containing it finished.
    #[serde(default)]
    pub deployed_at: Option<String>,
    #[serde(default)]
    pub deployment_id: Option<String>,
}

/// A pull request, keyed by its id.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PullRequestEvent {
    /// A globally unique id, e.g. `acme/shop#42`.
    pub id: String,
    /// The base repository.
    pub repository: String,
    /// The id of the service the repository belongs to.
    pub service: String,
    #[serde(default)]
    pub author: Option<String>,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339; not before `created_at`. Absent while open or closed unmerged.
    #[serde(default)]
    pub merged_at: Option<String>,
    #[serde(default)]
    pub merge_commit_sha: Option<String>,
    /// The earliest-authored commit: give both `first_commit_sha` and
    /// `first_commit_at`, or neither.
    #[serde(default)]
    pub first_commit_sha: Option<String>,
    #[serde(default)]
    pub first_commit_at: Option<String>,
    /// The first review by someone other than the author: give both
    /// `first_review_id` and `first_review_at`, or neither.
    #[serde(default)]
    pub first_review_id: Option<String>,
    #[serde(default)]
    pub first_review_at: Option<String>,
    #[serde(default)]
    pub deployed_at: Option<String>,
    #[serde(default)]
    pub deployment_id: Option<String>,
}

/// Commits and pull requests in one request and one transaction; either
/// list may be left out, but not both.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangesBody {
    #[serde(default)]
    pub commits: Option<Vec<CommitEvent>>,
    #[serde(default)]
    pub pull_requests: Option<Vec<PullRequestEvent>>,
}

/// A payload the conversion refused: the field at fault as a JSON path
/// (absent when the body as a whole is wrong) and a message with a hint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PayloadError {
    pub field: Option<String>,
    pub message: String,
}

impl PayloadError {
    fn at(field: impl Into<String>, message: impl Into<String>) -> PayloadError {
        PayloadError { field: Some(field.into()), message: message.into() }
    }
}

/// Where a field is: `prefix` is the event's path (`deployments[3]`, or
/// empty for a single event).
fn path(prefix: &str, field: &str) -> String {
    if prefix.is_empty() { field.to_string() } else { format!("{prefix}.{field}") }
}

/// Deserializes `value` as `T`, naming the field at fault. `prefix` is
/// prepended to the path serde reports.
fn decode<T: DeserializeOwned>(value: Value, prefix: &str) -> Result<T, PayloadError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let inner = e.path().to_string();
        let field = match (prefix.is_empty(), inner.as_str()) {
            (true, ".") => None,
            (true, _) => Some(inner),
            (false, ".") => Some(prefix.to_string()),
            (false, _) => Some(format!("{prefix}.{inner}")),
        };
        let message = e.into_inner().to_string();
        // serde places a missing field at its parent; name the field itself.
        let missing = message.strip_prefix("missing field `").and_then(|rest| rest.split_once('`')).map(|(f, _)| f);
        let field = match (field, missing) {
            (Some(parent), Some(name)) => Some(format!("{parent}.{name}")),
            (None, Some(name)) => Some(name.to_string()),
            (field, None) => field,
        };
        let message = match missing {
            Some(name) => format!("{message}; `{name}` is required"),
            None => message,
        };
        PayloadError { field, message }
    })
}

/// The events of a body that holds one event or a batch under `list`.
fn one_or_batch<T: DeserializeOwned>(body: Value, list: &str, what: &str) -> Result<Vec<(String, T)>, PayloadError> {
    let Value::Object(mut map) = body else {
        return Err(PayloadError {
            field: None,
            message: format!(
                "the body must be a JSON object: one {what}, or {{\"{list}\": [...]}} for several; found {}",
                kind_of(&body)
            ),
        });
    };
    let Some(items) = map.remove(list) else {
        return Ok(vec![(String::new(), decode(Value::Object(map), "")?)]);
    };
    if let Some(other) = map.keys().next() {
        return Err(PayloadError::at(
            other.clone(),
            format!("unknown field `{other}` next to `{list}`; a batch holds only `{list}`"),
        ));
    }
    let Value::Array(items) = items else {
        return Err(PayloadError::at(list, format!("`{list}` must be a list, found {}", kind_of(&items))));
    };
    items
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            let prefix = format!("{list}[{i}]");
            let event = decode(v, &prefix)?;
            Ok((prefix, event))
        })
        .collect()
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// A required identifier: trimmed, non-empty, not too long.
fn ident(prefix: &str, field: &str, value: &str) -> Result<String, PayloadError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(PayloadError::at(path(prefix, field), format!("`{field}` must not be empty")));
    }
    if v.len() > MAX_TEXT {
        return Err(PayloadError::at(
            path(prefix, field),
            format!("`{field}` is {} bytes long; at most {MAX_TEXT} are accepted", v.len()),
        ));
    }
    Ok(v.to_string())
}

/// An optional identifier: absent or blank is `None`.
fn opt_ident(prefix: &str, field: &str, value: Option<&str>) -> Result<Option<String>, PayloadError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) => ident(prefix, field, v).map(Some),
        None => Ok(None),
    }
}

fn time(prefix: &str, field: &str, value: &str) -> Result<jiff::Timestamp, PayloadError> {
    value.trim().parse::<jiff::Timestamp>().map_err(|_| {
        PayloadError::at(
            path(prefix, field),
            format!(
                "`{}` is not an RFC 3339 time; write a date, time and offset such as 2024-03-01T12:00:00Z",
                value.escape_debug()
            ),
        )
    })
}

fn opt_time(prefix: &str, field: &str, value: Option<&str>) -> Result<Option<jiff::Timestamp>, PayloadError> {
    value.map(|v| time(prefix, field, v)).transpose()
}

/// `later` must not be before `earlier`.
fn ordered(
    prefix: &str,
    (earlier_name, earlier): (&str, Option<jiff::Timestamp>),
    (later_name, later): (&str, Option<jiff::Timestamp>),
) -> Result<(), PayloadError> {
    if let (Some(a), Some(b)) = (earlier, later)
        && b < a
    {
        return Err(PayloadError::at(
            path(prefix, later_name),
            format!("`{later_name}` ({b}) is before `{earlier_name}` ({a})"),
        ));
    }
    Ok(())
}

/// Both or neither of a pair of fields.
fn pair<T>(
    prefix: &str,
    (a_name, a): (&str, Option<String>),
    (b_name, b): (&str, Option<T>),
) -> Result<Option<(String, T)>, PayloadError> {
    match (a, b) {
        (Some(a), Some(b)) => Ok(Some((a, b))),
        (None, None) => Ok(None),
        (Some(_), None) => {
            Err(PayloadError::at(path(prefix, b_name), format!("`{a_name}` is given, so give `{b_name}` too")))
        }
        (None, Some(_)) => {
            Err(PayloadError::at(path(prefix, a_name), format!("`{b_name}` is given, so give `{a_name}` too")))
        }
    }
}

/// Refuses a second event with the same key but other content; an exact
/// repeat is kept (the store counts it unchanged).
fn unique<T: PartialEq>(
    events: &[(String, T)],
    key_field: &str,
    key: impl Fn(&T) -> String,
) -> Result<(), PayloadError> {
    let mut first: HashMap<String, usize> = HashMap::new();
    for (i, (prefix, event)) in events.iter().enumerate() {
        let k = key(event);
        match first.get(&k) {
            Some(&j) if events[j].1 != *event => {
                return Err(PayloadError::at(
                    path(prefix, key_field),
                    format!("`{k}` is also at {} with other content; send each event once", events[j].0),
                ));
            }
            Some(_) => {}
            None => {
                first.insert(k, i);
            }
        }
    }
    Ok(())
}

fn deployment(prefix: &str, d: DeploymentEvent) -> Result<Deployment, PayloadError> {
    let id = ident(prefix, "id", &d.id)?;
    let started = opt_time(prefix, "started_at", d.started_at.as_deref())?;
    let finished = opt_time(prefix, "finished_at", d.finished_at.as_deref())?;
    ordered(prefix, ("started_at", started), ("finished_at", finished))?;
    let result = ident(prefix, "result", &d.result)?;
    let service = ident(prefix, "service", &d.service)?;
    let commits = d
        .commits
        .iter()
        .enumerate()
        .map(|(i, sha)| ident(prefix, &format!("commits[{i}]"), sha))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Deployment {
        name: opt_ident(prefix, "name", d.name.as_deref())?.unwrap_or_else(|| id.clone()),
        scope_id: opt_ident(prefix, "scope", d.scope.as_deref())?.unwrap_or_else(|| service.clone()),
        environment: opt_ident(prefix, "environment", d.environment.as_deref())?
            .unwrap_or_else(|| PRODUCTION.to_string()),
        result: RunResult::from_name(&result),
        id,
        service,
        started,
        finished,
        commits,
    })
}

fn incident(prefix: &str, i: IncidentEvent) -> Result<Incident, PayloadError> {
    let created = time(prefix, "created_at", &i.created_at)?;
    let resolved = opt_time(prefix, "resolved_at", i.resolved_at.as_deref())?;
    ordered(prefix, ("created_at", Some(created)), ("resolved_at", resolved))?;
    Ok(Incident {
        id: ident(prefix, "id", &i.id)?,
        service: ident(prefix, "service", &i.service)?,
        created,
        resolved,
        severity: opt_ident(prefix, "severity", i.severity.as_deref())?,
        root_cause_commit: opt_ident(prefix, "root_cause_commit", i.root_cause_commit.as_deref())?,
        deployment_id: opt_ident(prefix, "deployment_id", i.deployment_id.as_deref())?,
    })
}

fn commit(prefix: &str, c: CommitEvent) -> Result<CommitRecord, PayloadError> {
    let deployed = opt_time(prefix, "deployed_at", c.deployed_at.as_deref())?;
    let deployment_id = opt_ident(prefix, "deployment_id", c.deployment_id.as_deref())?;
    Ok(CommitRecord {
        commit: Commit {
            sha: ident(prefix, "sha", &c.sha)?,
            service: ident(prefix, "service", &c.service)?,
            authored: opt_time(prefix, "authored_at", c.authored_at.as_deref())?,
            deployed,
            deployment_id,
        },
        committed: opt_time(prefix, "committed_at", c.committed_at.as_deref())?,
        parents: c
            .parents
            .iter()
            .enumerate()
            .map(|(i, sha)| ident(prefix, &format!("parents[{i}]"), sha))
            .collect::<Result<Vec<_>, _>>()?,
    })
}

fn pull_request(prefix: &str, p: PullRequestEvent) -> Result<PullRequest, PayloadError> {
    let created = time(prefix, "created_at", &p.created_at)?;
    let merged = opt_time(prefix, "merged_at", p.merged_at.as_deref())?;
    ordered(prefix, ("created_at", Some(created)), ("merged_at", merged))?;
    let first_commit = pair(
        prefix,
        ("first_commit_sha", opt_ident(prefix, "first_commit_sha", p.first_commit_sha.as_deref())?),
        ("first_commit_at", opt_time(prefix, "first_commit_at", p.first_commit_at.as_deref())?),
    )?;
    let first_review = pair(
        prefix,
        ("first_review_id", opt_ident(prefix, "first_review_id", p.first_review_id.as_deref())?),
        ("first_review_at", opt_time(prefix, "first_review_at", p.first_review_at.as_deref())?),
    )?;
    Ok(PullRequest {
        id: ident(prefix, "id", &p.id)?,
        repo_id: ident(prefix, "repository", &p.repository)?,
        service: ident(prefix, "service", &p.service)?,
        author: opt_ident(prefix, "author", p.author.as_deref())?.unwrap_or_default(),
        created,
        merged,
        merge_commit_sha: opt_ident(prefix, "merge_commit_sha", p.merge_commit_sha.as_deref())?,
        first_commit,
        first_review,
        deployed: opt_time(prefix, "deployed_at", p.deployed_at.as_deref())?,
        deployment_id: opt_ident(prefix, "deployment_id", p.deployment_id.as_deref())?,
    })
}

fn convert<T, U>(
    events: Vec<(String, T)>,
    f: impl Fn(&str, T) -> Result<U, PayloadError>,
) -> Result<Vec<(String, U)>, PayloadError> {
    events.into_iter().map(|(prefix, e)| f(&prefix, e).map(|u| (prefix, u))).collect()
}

/// The body of `POST /api/events/deployments` as a batch.
pub fn deployments(body: Value) -> Result<EventBatch, PayloadError> {
    let events = convert(one_or_batch::<DeploymentEvent>(body, "deployments", "deployment")?, deployment)?;
    unique(&events, "id", |d| d.id.clone())?;
    Ok(EventBatch { deployments: events.into_iter().map(|(_, d)| d).collect(), ..EventBatch::default() })
}

/// The body of `POST /api/events/incidents` as a batch.
pub fn incidents(body: Value) -> Result<EventBatch, PayloadError> {
    let events = convert(one_or_batch::<IncidentEvent>(body, "incidents", "incident")?, incident)?;
    unique(&events, "id", |i| i.id.clone())?;
    Ok(EventBatch { incidents: events.into_iter().map(|(_, i)| i).collect(), ..EventBatch::default() })
}

/// The body of `POST /api/events/changes` as a batch.
pub fn changes(body: Value) -> Result<EventBatch, PayloadError> {
    if !body.is_object() {
        return Err(PayloadError {
            field: None,
            message: format!(
                "the body must be a JSON object {{\"commits\": [...], \"pull_requests\": [...]}}; found {}",
                kind_of(&body)
            ),
        });
    }
    let body: ChangesBody = decode(body, "")?;
    let (commits, pull_requests) = match (body.commits, body.pull_requests) {
        (None, None) => {
            return Err(PayloadError {
                field: None,
                message: "the body holds no change; send `commits`, `pull_requests` or both".into(),
            });
        }
        (commits, pull_requests) => (commits.unwrap_or_default(), pull_requests.unwrap_or_default()),
    };
    fn indexed(list: &'static str, n: usize) -> impl Iterator<Item = String> {
        (0..n).map(move |i| format!("{list}[{i}]"))
    }
    let commits = convert(indexed("commits", commits.len()).zip(commits).collect(), commit)?;
    unique(&commits, "sha", |c| format!("{} {}", c.commit.service, c.commit.sha))?;
    let pull_requests =
        convert(indexed("pull_requests", pull_requests.len()).zip(pull_requests).collect(), pull_request)?;
    unique(&pull_requests, "id", |p| p.id.clone())?;
    Ok(EventBatch {
        commits: commits.into_iter().map(|(_, c)| c).collect(),
        pull_requests: pull_requests.into_iter().map(|(_, p)| p).collect(),
        ..EventBatch::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn err(r: Result<EventBatch, PayloadError>) -> PayloadError {
        r.expect_err("refused")
    }

    #[test]
    fn one_deployment_or_a_batch() {
        let one = json!({"id": "run-1", "service": "api", "result": "SUCCESS",
            "started_at": "2024-03-01T11:00:00Z", "finished_at": "2024-03-01T12:05:00+01:00", "commits": ["abc"]});
        let batch = deployments(one.clone()).unwrap();
        let d = &batch.deployments[0];
        assert_eq!((d.name.as_str(), d.scope_id.as_str(), d.environment.as_str()), ("run-1", "api", "PRODUCTION"));
        assert_eq!(d.result, RunResult::Success);
        assert_eq!(d.finished, Some("2024-03-01T11:05:00Z".parse().unwrap()));
        // The offset made the finish earlier than the start.
        let mut late = one.clone();
        late["finished_at"] = json!("2024-03-01T12:05:00+01:00");
        late["started_at"] = json!("2024-03-01T11:30:00Z");
        let e = err(deployments(json!({"deployments": [one.clone(), late]})));
        assert_eq!(e.field.as_deref(), Some("deployments[1].finished_at"), "{e:?}");
    }

    #[test]
    fn fields_are_named_by_their_path() {
        let good = json!({"id": "r", "service": "api", "result": "success"});
        let cases = [
            (
                json!({"deployments": [good.clone(), {"id": "r2", "service": "api", "result": "success", "finished_at": "yesterday"}]}),
                Some("deployments[1].finished_at"),
            ),
            (
                json!({"deployments": [good.clone(), {"id": "r2", "service": "api", "result": "success", "finshed_at": "x"}]}),
                Some("deployments[1].finshed_at"),
            ),
            (json!({"deployments": [{"id": 5, "service": "api", "result": "success"}]}), Some("deployments[0].id")),
            (json!({"deployments": [{"id": " ", "service": "api", "result": "success"}]}), Some("deployments[0].id")),
            (json!({"deployments": [good.clone()], "extra": 1}), Some("extra")),
            (json!({"deployments": {"id": "r"}}), Some("deployments")),
            (json!({"service": "api", "result": "success"}), Some("id")),
            (json!({"deployments": [{"service": "api", "result": "success"}]}), Some("deployments[0].id")),
            (json!({"id": "r", "service": "api", "result": "success", "commits": ["a", ""]}), Some("commits[1]")),
            (json!([good.clone()]), None),
        ];
        for (body, field) in cases {
            let e = err(deployments(body.clone()));
            assert_eq!(e.field.as_deref(), field, "{body}: {e:?}");
            assert!(!e.message.is_empty());
        }
        let e = err(deployments(json!({"id": "r", "service": "api", "result": "success", "finshed_at": "x"})));
        assert!(e.message.contains("finshed_at"), "{e:?}");
    }

    #[test]
    fn a_key_twice_with_other_content_is_refused_and_an_exact_repeat_is_kept() {
        let a = json!({"id": "i1", "service": "api", "created_at": "2024-03-01T00:00:00Z"});
        let b = json!({"id": "i1", "service": "web", "created_at": "2024-03-01T00:00:00Z"});
        assert_eq!(incidents(json!({"incidents": [a.clone(), a.clone()]})).unwrap().incidents.len(), 2);
        let e = err(incidents(json!({"incidents": [a, b]})));
        assert_eq!(e.field.as_deref(), Some("incidents[1].id"));
        assert!(e.message.contains("incidents[0]"), "{e:?}");
    }

    #[test]
    fn changes_need_pairs_and_order() {
        let pr = json!({"id": "acme/shop#1", "repository": "acme/shop", "service": "shop",
            "created_at": "2024-03-01T00:00:00Z", "first_commit_sha": "abc"});
        let e = err(changes(json!({"pull_requests": [pr]})));
        assert_eq!(e.field.as_deref(), Some("pull_requests[0].first_commit_at"));
        let pr = json!({"id": "acme/shop#1", "repository": "acme/shop", "service": "shop",
            "created_at": "2024-03-02T00:00:00Z", "merged_at": "2024-03-01T00:00:00Z"});
        let e = err(changes(json!({"pull_requests": [pr]})));
        assert_eq!(e.field.as_deref(), Some("pull_requests[0].merged_at"));
        assert!(err(changes(json!({}))).message.contains("no change"));
        let c = json!({"sha": "abc", "service": "shop", "parents": ["p1"], "authored_at": "2024-03-01T00:00:00Z"});
        let batch = changes(json!({"commits": [c]})).unwrap();
        assert_eq!(batch.commits[0].parents, ["p1"]);
    }
}
