//! Recording and reading delivery events. A batch is written in one
//! transaction: for each kind, the stored hashes of the batch's keys are read,
//! and only new or changed events are written, with one multi-row upsert per
//! chunk. Rules the database enforces (a finish before its start, an incident
//! resolved before it was created) fail the whole batch as `Invalid`.
//!
//! Statements with thousands of parameters use anonymous `?` placeholders on
//! SQLite: sqlx looks each numbered one (`$n`) up by name, which SQLite does
//! by a linear scan, so binding `$1..$n` costs O(n²) (it was 55% of ingesting
//! a 200,000-commit repository).

use super::{SqlStore, millis, placeholders, timestamp};
use crate::Backend;
use crate::events::{
    CommitRecord, Counts, CursorUpdate, EventBatch, EventCounts, Events, TimeWindow, commit_moment, deployment_moment,
    pull_request_moment,
};
use crate::{Error, Result};
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::{Any, AssertSqlSafe, Row, Transaction};
use std::collections::HashMap;
use std::fmt::Write as _;
use tl_engine::delivery::{Commit, Deployment, Incident, PullRequest, RunResult};

/// Rows per statement: well under both backends' limits on bound parameters.
const CHUNK: usize = 400;

/// One bound value.
#[derive(Clone, Debug, PartialEq)]
enum Value {
    Int(Option<i64>),
    Text(Option<String>),
}

fn int(t: Option<jiff::Timestamp>) -> Value {
    Value::Int(t.map(millis))
}

fn text(s: &str) -> Value {
    Value::Text(Some(s.to_string()))
}

fn opt_text(s: Option<&str>) -> Value {
    Value::Text(s.map(str::to_string))
}

/// A table of events: its key columns (one, or a scope and an id) and its
/// other columns, in bind order. `hash` is always the last column.
struct Table {
    name: &'static str,
    keys: &'static [&'static str],
    columns: &'static [&'static str],
}

const DEPLOYMENTS: Table = Table {
    name: "delivery_deployments",
    keys: &["id"],
    columns: &[
        "id",
        "name",
        "service",
        "scope_id",
        "environment",
        "result",
        "started_at_ms",
        "finished_at_ms",
        "occurred_at_ms",
    ],
};

const COMMITS: Table = Table {
    name: "delivery_commits",
    keys: &["service", "sha"],
    columns: &[
        "service",
        "sha",
        "authored_at_ms",
        "committed_at_ms",
        "parents",
        "deployed_at_ms",
        "deployment_id",
        "occurred_at_ms",
    ],
};

const PULL_REQUESTS: Table = Table {
    name: "delivery_pull_requests",
    keys: &["id"],
    columns: &[
        "id",
        "repo_id",
        "service",
        "author",
        "created_at_ms",
        "merged_at_ms",
        "merge_commit_sha",
        "first_commit_sha",
        "first_commit_at_ms",
        "first_review_id",
        "first_review_at_ms",
        "deployed_at_ms",
        "deployment_id",
        "occurred_at_ms",
    ],
};

const INCIDENTS: Table = Table {
    name: "delivery_incidents",
    keys: &["id"],
    columns: &[
        "id",
        "service",
        "created_at_ms",
        "resolved_at_ms",
        "severity",
        "root_cause_commit",
        "deployment_id",
        "occurred_at_ms",
    ],
};

/// An event as the row it is stored as.
struct EventRow {
    /// The key columns' values, in the table's key order.
    key: Vec<String>,
    values: Vec<Value>,
    hash: String,
}

impl EventRow {
    /// `extra` is hashed with the columns: content kept in another table
    /// (a deployment's commits).
    fn new(key: Vec<String>, values: Vec<Value>, extra: &[String]) -> EventRow {
        // The bytes hashed are `i{int};`, `t{len}:{text}`, `e{len}:{text}`
        // and `n` for null, as stored hashes were computed; written into one
        // buffer rather than a string per value.
        let mut hasher = Sha256::new();
        let mut buf = String::new();
        for v in &values {
            buf.clear();
            match v {
                Value::Int(None) | Value::Text(None) => buf.push('n'),
                Value::Int(Some(i)) => {
                    let _ = write!(buf, "i{i};");
                }
                Value::Text(Some(s)) => {
                    let _ = write!(buf, "t{}:", s.len());
                    hasher.update(buf.as_bytes());
                    buf.clear();
                    hasher.update(s.as_bytes());
                }
            }
            hasher.update(buf.as_bytes());
        }
        for s in extra {
            buf.clear();
            let _ = write!(buf, "e{}:", s.len());
            hasher.update(buf.as_bytes());
            hasher.update(s.as_bytes());
        }
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let digest = hasher.finalize();
        let mut hash = String::with_capacity(2 * digest.len());
        for b in digest {
            hash.push(HEX[usize::from(b >> 4)] as char);
            hash.push(HEX[usize::from(b & 15)] as char);
        }
        EventRow { key, values, hash }
    }
}

fn deployment_row(d: &Deployment) -> Result<EventRow> {
    non_empty("deployment", "id", &d.id, &d.id)?;
    let values = vec![
        text(&d.id),
        text(&d.name),
        text(&d.service),
        text(&d.scope_id),
        text(&d.environment),
        text(d.result.as_str()),
        int(d.started),
        int(d.finished),
        int(deployment_moment(d)),
    ];
    Ok(EventRow::new(vec![d.id.clone()], values, &d.commits))
}

fn commit_row(c: &CommitRecord) -> Result<EventRow> {
    non_empty("commit", "sha", &c.commit.sha, &c.commit.sha)?;
    let parents = serde_json::to_string(&c.parents).map_err(|e| Error::Invalid(e.to_string()))?;
    let values = vec![
        text(&c.commit.service),
        text(&c.commit.sha),
        int(c.commit.authored),
        int(c.committed),
        Value::Text(Some(parents)),
        int(c.commit.deployed),
        opt_text(c.commit.deployment_id.as_deref()),
        int(commit_moment(c)),
    ];
    Ok(EventRow::new(vec![c.commit.service.clone(), c.commit.sha.clone()], values, &[]))
}

fn pull_request_row(p: &PullRequest) -> Result<EventRow> {
    non_empty("pull request", "id", &p.id, &p.id)?;
    let values = vec![
        text(&p.id),
        text(&p.repo_id),
        text(&p.service),
        text(&p.author),
        int(Some(p.created)),
        int(p.merged),
        opt_text(p.merge_commit_sha.as_deref()),
        opt_text(p.first_commit.as_ref().map(|(sha, _)| sha.as_str())),
        int(p.first_commit.as_ref().map(|(_, at)| *at)),
        opt_text(p.first_review.as_ref().map(|(id, _)| id.as_str())),
        int(p.first_review.as_ref().map(|(_, at)| *at)),
        int(p.deployed),
        opt_text(p.deployment_id.as_deref()),
        int(Some(pull_request_moment(p))),
    ];
    Ok(EventRow::new(vec![p.id.clone()], values, &[]))
}

fn incident_row(i: &Incident) -> Result<EventRow> {
    non_empty("incident", "id", &i.id, &i.id)?;
    let values = vec![
        text(&i.id),
        text(&i.service),
        int(Some(i.created)),
        int(i.resolved),
        opt_text(i.severity.as_deref()),
        opt_text(i.root_cause_commit.as_deref()),
        opt_text(i.deployment_id.as_deref()),
        int(Some(i.created)),
    ];
    Ok(EventRow::new(vec![i.id.clone()], values, &[]))
}

fn non_empty(kind: &str, field: &str, value: &str, key: &str) -> Result<()> {
    if value.is_empty() {
        return Err(Error::Invalid(format!("a {kind} needs a non-empty {field} (key `{key}`)")));
    }
    Ok(())
}

/// Turns a database's refusal of a row (a CHECK constraint) into `Invalid`;
/// other errors stay database errors.
fn refused(table: &str, e: sqlx::Error) -> Error {
    match &e {
        sqlx::Error::Database(db) if matches!(db.kind(), sqlx::error::ErrorKind::CheckViolation) => {
            let rule = db.constraint().map_or_else(|| db.message().to_string(), str::to_string);
            Error::Invalid(format!("{table}: a row breaks the rule `{rule}`"))
        }
        _ => Error::Database(e),
    }
}

/// `rows` tuples of `cols` placeholders: `$n` from `first` on PostgreSQL,
/// anonymous `?` on SQLite (see the module's comment).
fn value_list(backend: Backend, rows: usize, cols: usize, first: usize) -> String {
    match backend {
        Backend::Postgres => placeholders(rows, cols, first),
        Backend::Sqlite => {
            let tuple = format!("({})", vec!["?"; cols].join(", "));
            vec![tuple.as_str(); rows].join(", ")
        }
    }
}

/// `n` placeholders separated by commas, from `first` on.
fn param_list(backend: Backend, n: usize, first: usize) -> String {
    match backend {
        Backend::Postgres => (first..first + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", "),
        Backend::Sqlite => vec!["?"; n].join(", "),
    }
}

/// Which rows of `table` are new or changed; counts them; writes them.
/// Returns the indexes (into `rows`) that were written.
async fn upsert(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
    table: &Table,
    rows: &[EventRow],
) -> Result<(Counts, Vec<usize>)> {
    let mut counts = Counts::default();
    // Repeats within the batch: the same content is a repeat, other content
    // for the same key is a contradiction.
    let mut first_of: HashMap<&[String], usize> = HashMap::new();
    let mut unique: Vec<usize> = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        match first_of.get(row.key.as_slice()) {
            Some(&j) if rows[j].hash == row.hash => counts.unchanged += 1,
            Some(_) => {
                return Err(Error::Invalid(format!(
                    "{}: the batch holds two different events with the key `{}`",
                    table.name,
                    row.key.join(" ")
                )));
            }
            None => {
                first_of.insert(&row.key, i);
                unique.push(i);
            }
        }
    }

    let stored = stored_hashes(tx, backend, table, rows, &unique).await?;
    let mut writes: Vec<usize> = Vec::new();
    for i in unique {
        match stored.get(&rows[i].key) {
            Some(hash) if *hash == rows[i].hash => counts.unchanged += 1,
            Some(_) => {
                counts.updated += 1;
                writes.push(i);
            }
            None => {
                counts.inserted += 1;
                writes.push(i);
            }
        }
    }

    // In key order, so that the key's index is filled left to right rather
    // than split all over (most of a large ingestion's write cost).
    writes.sort_unstable_by(|&a, &b| rows[a].key.cmp(&rows[b].key));
    let mut columns: Vec<&str> = table.columns.to_vec();
    columns.push("hash");
    let updates: Vec<String> =
        columns.iter().filter(|c| !table.keys.contains(c)).map(|c| format!("{c} = excluded.{c}")).collect();
    for chunk in writes.chunks(CHUNK) {
        let sql = format!(
            "INSERT INTO {} ({}) VALUES {} ON CONFLICT ({}) DO UPDATE SET {}",
            table.name,
            columns.join(", "),
            value_list(backend, chunk.len(), columns.len(), 1),
            table.keys.join(", "),
            updates.join(", ")
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for &i in chunk {
            for v in &rows[i].values {
                query = match v {
                    Value::Int(x) => query.bind(*x),
                    Value::Text(x) => query.bind(x.as_deref()),
                };
            }
            query = query.bind(rows[i].hash.as_str());
        }
        query.execute(&mut **tx).await.map_err(|e| refused(table.name, e))?;
    }
    Ok((counts, writes))
}

/// Whether `table` holds any row (of `scope`, for two-column keys).
async fn any_stored(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
    table: &Table,
    scope: Option<&str>,
) -> Result<bool> {
    let sql = match scope {
        Some(_) => {
            format!("SELECT 1 FROM {} WHERE {} = {} LIMIT 1", table.name, table.keys[0], param_list(backend, 1, 1))
        }
        None => format!("SELECT 1 FROM {} LIMIT 1", table.name),
    };
    let mut query = sqlx::query(AssertSqlSafe(sql));
    if let Some(scope) = scope {
        query = query.bind(scope);
    }
    Ok(query.fetch_optional(&mut **tx).await?.is_some())
}

/// The stored hashes of the given rows' keys.
async fn stored_hashes(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
    table: &Table,
    rows: &[EventRow],
    which: &[usize],
) -> Result<HashMap<Vec<String>, String>> {
    let mut out = HashMap::new();
    // Two-column keys are looked up per scope (a commit's service).
    let mut by_scope: HashMap<Option<&str>, Vec<&str>> = HashMap::new();
    for &i in which {
        let key = &rows[i].key;
        match key.as_slice() {
            [id] => by_scope.entry(None).or_default().push(id),
            [scope, id] => by_scope.entry(Some(scope.as_str())).or_default().push(id),
            _ => unreachable!("keys have one or two columns"),
        }
    }
    let id_column = table.keys[table.keys.len() - 1];
    for (scope, mut ids) in by_scope {
        // A first ingestion finds nothing stored: one probe instead of a
        // lookup per chunk. The write transaction holds the lock, so the
        // answer stays true until it commits.
        if ids.len() > CHUNK && !any_stored(tx, backend, table, scope).await? {
            continue;
        }
        ids.sort_unstable();
        for chunk in ids.chunks(CHUNK) {
            let first = if scope.is_some() { 2 } else { 1 };
            let list = param_list(backend, chunk.len(), first);
            let sql = match scope {
                Some(_) => format!(
                    "SELECT {id_column}, hash FROM {} WHERE {} = {} AND {id_column} IN ({list})",
                    table.name,
                    table.keys[0],
                    param_list(backend, 1, 1),
                ),
                None => format!("SELECT {id_column}, hash FROM {} WHERE {id_column} IN ({list})", table.name),
            };
            let mut query = sqlx::query(AssertSqlSafe(sql));
            if let Some(scope) = scope {
                query = query.bind(scope);
            }
            for id in chunk {
                query = query.bind(*id);
            }
            for row in query.fetch_all(&mut **tx).await? {
                let id: String = row.try_get(0)?;
                let hash: String = row.try_get(1)?;
                let key = match scope {
                    Some(scope) => vec![scope.to_string(), id],
                    None => vec![id],
                };
                out.insert(key, hash);
            }
        }
    }
    Ok(out)
}

pub(super) async fn record_events(store: &SqlStore, batch: &EventBatch) -> Result<EventCounts> {
    // Everything that can be checked without the database is, before the
    // transaction starts.
    let deployments = batch.deployments.iter().map(deployment_row).collect::<Result<Vec<_>>>()?;
    let commits = batch.commits.iter().map(commit_row).collect::<Result<Vec<_>>>()?;
    let pull_requests = batch.pull_requests.iter().map(pull_request_row).collect::<Result<Vec<_>>>()?;
    let incidents = batch.incidents.iter().map(incident_row).collect::<Result<Vec<_>>>()?;

    let backend = store.backend;
    let mut tx = store.begin_write().await?;
    let mut counts = EventCounts::default();
    let (c, written) = upsert(&mut tx, backend, &DEPLOYMENTS, &deployments).await?;
    counts.deployments = c;
    write_deployment_commits(&mut tx, backend, written.iter().map(|&i| &batch.deployments[i]).collect()).await?;
    counts.commits = upsert(&mut tx, backend, &COMMITS, &commits).await?.0;
    counts.pull_requests = upsert(&mut tx, backend, &PULL_REQUESTS, &pull_requests).await?.0;
    counts.incidents = upsert(&mut tx, backend, &INCIDENTS, &incidents).await?.0;
    counts.work_items = super::work_items::record(&mut tx, &batch.work_items).await?;
    if let Some(cursor) = &batch.cursor {
        write_cursor(&mut tx, cursor).await?;
    }
    // Views measured from events are cached per live version (see the
    // 0003 migration): a batch that changed anything moves it, once.
    let changed = [&counts.deployments, &counts.commits, &counts.pull_requests, &counts.incidents, &counts.work_items]
        .iter()
        .any(|c| c.inserted + c.updated > 0);
    if changed {
        sqlx::query("UPDATE live_version SET version = version + 1 WHERE singleton = 1").execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(counts)
}

/// Replaces the commit lists of the deployments that were written.
async fn write_deployment_commits(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
    deployments: Vec<&Deployment>,
) -> Result<()> {
    for chunk in deployments.chunks(CHUNK) {
        let list = param_list(backend, chunk.len(), 1);
        let sql = format!("DELETE FROM delivery_deployment_commits WHERE deployment_id IN ({list})");
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for d in chunk {
            query = query.bind(d.id.as_str());
        }
        query.execute(&mut **tx).await?;
    }
    let rows: Vec<(&str, i64, &str)> = deployments
        .iter()
        .flat_map(|d| d.commits.iter().enumerate().map(|(pos, sha)| (d.id.as_str(), pos as i64, sha.as_str())))
        .collect();
    for chunk in rows.chunks(CHUNK) {
        let sql = format!(
            "INSERT INTO delivery_deployment_commits (deployment_id, position, sha) VALUES {}",
            value_list(backend, chunk.len(), 3, 1)
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for (id, pos, sha) in chunk {
            query = query.bind(*id).bind(*pos).bind(*sha);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

async fn write_cursor(tx: &mut Transaction<'static, Any>, cursor: &CursorUpdate) -> Result<()> {
    sqlx::query(
        "INSERT INTO ingest_cursors (source, state, updated_at_ms) VALUES ($1, $2, $3) \
         ON CONFLICT (source) DO UPDATE SET state = excluded.state, updated_at_ms = excluded.updated_at_ms",
    )
    .bind(&cursor.source)
    .bind(&cursor.state)
    .bind(millis(cursor.at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub(super) async fn ingest_cursor(store: &SqlStore, source: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar("SELECT state FROM ingest_cursors WHERE source = $1")
        .bind(source)
        .fetch_optional(&store.pool)
        .await?)
}

fn ts(row: &AnyRow, column: &str) -> Result<Option<jiff::Timestamp>> {
    row.try_get::<Option<i64>, _>(column)?.map(timestamp).transpose()
}

fn required_ts(row: &AnyRow, column: &str) -> Result<jiff::Timestamp> {
    timestamp(row.try_get(column)?)
}

pub(super) async fn events(store: &SqlStore, window: TimeWindow) -> Result<Events> {
    let (from, to) = (millis(window.from), millis(window.to));
    let mut tx = store.begin_read().await?;

    let rows = sqlx::query(
        "SELECT id, name, service, scope_id, environment, result, started_at_ms, finished_at_ms \
         FROM delivery_deployments WHERE occurred_at_ms >= $1 AND occurred_at_ms < $2 \
         ORDER BY occurred_at_ms, id",
    )
    .bind(from)
    .bind(to)
    .fetch_all(&mut *tx)
    .await?;
    let mut deployments = rows
        .iter()
        .map(|r| {
            let result: String = r.try_get("result")?;
            Ok(Deployment {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                service: r.try_get("service")?,
                scope_id: r.try_get("scope_id")?,
                environment: r.try_get("environment")?,
                result: RunResult::from_name(&result),
                started: ts(r, "started_at_ms")?,
                finished: ts(r, "finished_at_ms")?,
                commits: Vec::new(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let shipped = sqlx::query(
        "SELECT c.deployment_id, c.sha FROM delivery_deployment_commits c \
         JOIN delivery_deployments d ON d.id = c.deployment_id \
         WHERE d.occurred_at_ms >= $1 AND d.occurred_at_ms < $2 ORDER BY c.deployment_id, c.position",
    )
    .bind(from)
    .bind(to)
    .fetch_all(&mut *tx)
    .await?;
    let index: HashMap<String, usize> = deployments.iter().enumerate().map(|(i, d)| (d.id.clone(), i)).collect();
    for r in &shipped {
        let id: String = r.try_get(0)?;
        if let Some(&i) = index.get(&id) {
            deployments[i].commits.push(r.try_get(1)?);
        }
    }

    let rows = sqlx::query(
        "SELECT service, sha, authored_at_ms, committed_at_ms, parents, deployed_at_ms, deployment_id \
         FROM delivery_commits WHERE occurred_at_ms >= $1 AND occurred_at_ms < $2 \
         ORDER BY occurred_at_ms, service, sha",
    )
    .bind(from)
    .bind(to)
    .fetch_all(&mut *tx)
    .await?;
    let commits = rows
        .iter()
        .map(|r| {
            let parents: String = r.try_get("parents")?;
            Ok(CommitRecord {
                commit: Commit {
                    sha: r.try_get("sha")?,
                    service: r.try_get("service")?,
                    authored: ts(r, "authored_at_ms")?,
                    deployed: ts(r, "deployed_at_ms")?,
                    deployment_id: r.try_get("deployment_id")?,
                },
                committed: ts(r, "committed_at_ms")?,
                parents: serde_json::from_str(&parents).map_err(|e| Error::Corrupt(format!("commit parents: {e}")))?,
            })
        })
        .collect::<Result<Vec<_>>>()?;

    let rows = sqlx::query(
        "SELECT id, repo_id, service, author, created_at_ms, merged_at_ms, merge_commit_sha, first_commit_sha, \
         first_commit_at_ms, first_review_id, first_review_at_ms, deployed_at_ms, deployment_id \
         FROM delivery_pull_requests WHERE occurred_at_ms >= $1 AND occurred_at_ms < $2 ORDER BY occurred_at_ms, id",
    )
    .bind(from)
    .bind(to)
    .fetch_all(&mut *tx)
    .await?;
    let pull_requests = rows
        .iter()
        .map(|r| {
            let pair = |id: &str, at: &str| -> Result<Option<(String, jiff::Timestamp)>> {
                let id: Option<String> = r.try_get(id)?;
                Ok(id.zip(ts(r, at)?))
            };
            Ok(PullRequest {
                id: r.try_get("id")?,
                repo_id: r.try_get("repo_id")?,
                service: r.try_get("service")?,
                author: r.try_get("author")?,
                created: required_ts(r, "created_at_ms")?,
                merged: ts(r, "merged_at_ms")?,
                merge_commit_sha: r.try_get("merge_commit_sha")?,
                first_commit: pair("first_commit_sha", "first_commit_at_ms")?,
                first_review: pair("first_review_id", "first_review_at_ms")?,
                deployed: ts(r, "deployed_at_ms")?,
                deployment_id: r.try_get("deployment_id")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;

    let rows = sqlx::query(
        "SELECT id, service, created_at_ms, resolved_at_ms, severity, root_cause_commit, deployment_id \
         FROM delivery_incidents WHERE occurred_at_ms >= $1 AND occurred_at_ms < $2 ORDER BY occurred_at_ms, id",
    )
    .bind(from)
    .bind(to)
    .fetch_all(&mut *tx)
    .await?;
    let incidents = rows
        .iter()
        .map(|r| {
            Ok(Incident {
                id: r.try_get("id")?,
                service: r.try_get("service")?,
                created: required_ts(r, "created_at_ms")?,
                resolved: ts(r, "resolved_at_ms")?,
                severity: r.try_get("severity")?,
                root_cause_commit: r.try_get("root_cause_commit")?,
                deployment_id: r.try_get("deployment_id")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    tx.commit().await?;
    Ok(Events { deployments, commits, pull_requests, incidents })
}
