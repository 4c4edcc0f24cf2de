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
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, AssertSqlSafe, Row, Transaction};
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::future::Future as _;
use std::task::Poll;
use tl_engine::delivery::{Commit, Deployment, Incident, PullRequest, RunResult};

/// Rows per statement: well under both backends' limits on bound parameters.
const CHUNK: usize = 400;

/// One bound value, borrowed from the batch where it can be.
#[derive(Clone, Debug, PartialEq)]
enum Value<'a> {
    Int(Option<i64>),
    Text(Option<&'a str>),
    Owned(String),
}

fn int<'a>(t: Option<jiff::Timestamp>) -> Value<'a> {
    Value::Int(t.map(millis))
}

fn text(s: &str) -> Value<'_> {
    Value::Text(Some(s))
}

fn opt_text(s: Option<&str>) -> Value<'_> {
    Value::Text(s)
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
        "commits",
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

/// A row's key: the id, under a scope for two-column keys (a commit's
/// service). Ordered as the table's primary key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct Key<'a> {
    scope: Option<&'a str>,
    id: &'a str,
}

impl Key<'_> {
    fn display(&self) -> String {
        match self.scope {
            Some(scope) => format!("{scope} {}", self.id),
            None => self.id.to_string(),
        }
    }
}

/// An event as the row it is stored as, borrowing its text from the batch.
struct EventRow<'a> {
    key: Key<'a>,
    values: Vec<Value<'a>>,
    /// SHA-256 of the content; stored as lowercase hex.
    hash: [u8; 32],
}

/// Lowercase hex of a content hash, as stored.
fn hex(hash: &[u8; 32]) -> [u8; 64] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; 64];
    for (i, b) in hash.iter().enumerate() {
        out[2 * i] = HEX[usize::from(b >> 4)];
        out[2 * i + 1] = HEX[usize::from(b & 15)];
    }
    out
}

fn hex_string(hash: &[u8; 32]) -> String {
    // Only ASCII hex digits.
    String::from_utf8_lossy(&hex(hash)).into_owned()
}

impl<'a> EventRow<'a> {
    /// `extra` is hashed with the columns: content kept in another table
    /// (a deployment's commits).
    fn new(key: Key<'a>, values: Vec<Value<'a>>, extra: &[String]) -> EventRow<'a> {
        // The bytes hashed are `i{int};`, `t{len}:{text}`, `e{len}:{text}`
        // and `n` for null, as stored hashes were computed; the prefixes are
        // written into a stack buffer rather than a string per value.
        let mut hasher = Sha256::new();
        let mut buf = Prefix::default();
        for v in &values {
            match v {
                Value::Int(None) | Value::Text(None) => hasher.update(b"n"),
                Value::Int(Some(i)) => {
                    buf.clear();
                    let _ = write!(buf, "i{i};");
                    hasher.update(buf.bytes());
                }
                Value::Text(Some(s)) => {
                    buf.clear();
                    let _ = write!(buf, "t{}:", s.len());
                    hasher.update(buf.bytes());
                    hasher.update(s.as_bytes());
                }
                Value::Owned(s) => {
                    buf.clear();
                    let _ = write!(buf, "t{}:", s.len());
                    hasher.update(buf.bytes());
                    hasher.update(s.as_bytes());
                }
            }
        }
        for s in extra {
            buf.clear();
            let _ = write!(buf, "e{}:", s.len());
            hasher.update(buf.bytes());
            hasher.update(s.as_bytes());
        }
        EventRow { key, values, hash: hasher.finalize().into() }
    }

    fn same_hash(&self, stored: &str) -> bool {
        hex(&self.hash).as_slice() == stored.as_bytes()
    }
}

/// A small stack buffer for the hashed prefixes (`i-9223372036854775808;`
/// is the longest).
#[derive(Default)]
struct Prefix {
    bytes: [u8; 32],
    len: usize,
}

impl Prefix {
    fn clear(&mut self) {
        self.len = 0;
    }

    fn bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

impl std::fmt::Write for Prefix {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        let slot = self.bytes.get_mut(self.len..end).ok_or(std::fmt::Error)?;
        slot.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

fn deployment_row(d: &Deployment) -> Result<EventRow<'_>> {
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
    // The commit list is hashed as content kept apart, as it was when it
    // had a table of its own, so that stored hashes still match.
    let mut row = EventRow::new(Key { scope: None, id: &d.id }, values, &d.commits);
    row.values.push(Value::Owned(json_list(&d.commits)?));
    Ok(row)
}

fn commit_row(c: &CommitRecord) -> Result<EventRow<'_>> {
    non_empty("commit", "sha", &c.commit.sha, &c.commit.sha)?;
    let values = vec![
        text(&c.commit.service),
        text(&c.commit.sha),
        int(c.commit.authored),
        int(c.committed),
        Value::Owned(json_list(&c.parents)?),
        int(c.commit.deployed),
        opt_text(c.commit.deployment_id.as_deref()),
        int(commit_moment(c)),
    ];
    Ok(EventRow::new(Key { scope: Some(&c.commit.service), id: &c.commit.sha }, values, &[]))
}

/// A list of strings as a JSON array, byte for byte what serde_json writes:
/// commit ids need no escaping, so the common case skips serde.
fn json_list(items: &[String]) -> Result<String> {
    // The bytes that need no escaping and are common in ids, as a table:
    // commit lists are long, and this is checked byte by byte.
    const PLAIN: [bool; 256] = {
        let mut table = [false; 256];
        let mut b = 0;
        while b < 256 {
            let c = b as u8;
            table[b] = c.is_ascii_alphanumeric() || c == b'-' || c == b'_' || c == b'.';
            b += 1;
        }
        table
    };
    let plain = |s: &String| s.bytes().fold(true, |all, b| all & PLAIN[usize::from(b)]);
    if !items.iter().all(plain) {
        return serde_json::to_string(items).map_err(|e| Error::Invalid(e.to_string()));
    }
    let mut out = String::with_capacity(2 + items.iter().map(|s| s.len() + 3).sum::<usize>());
    out.push('[');
    for (i, s) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('"');
        out.push_str(s);
        out.push('"');
    }
    out.push(']');
    Ok(out)
}

fn pull_request_row(p: &PullRequest) -> Result<EventRow<'_>> {
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
    Ok(EventRow::new(Key { scope: None, id: &p.id }, values, &[]))
}

fn incident_row(i: &Incident) -> Result<EventRow<'_>> {
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
    Ok(EventRow::new(Key { scope: None, id: &i.id }, values, &[]))
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

/// Executes one statement per chunk. The next chunk's statement is built
/// (its values bound, most of this side's cost) while the database runs the
/// previous one: SQLite runs statements on its own worker thread, and
/// PostgreSQL on the server.
async fn execute_chunks<'q, T: Sync + 'q>(
    tx: &mut Transaction<'static, Any>,
    items: &'q [T],
    mut build: impl FnMut(&'q [T]) -> Query<'q, Any, AnyArguments>,
) -> std::result::Result<(), sqlx::Error> {
    let mut pending: Option<Query<'q, Any, AnyArguments>> = None;
    for chunk in items.chunks(CHUNK) {
        let next = match pending.take() {
            None => build(chunk),
            Some(query) => {
                // Polled once, the execution hands the statement over;
                // the next one is built while it runs.
                let mut done = std::pin::pin!(query.execute(&mut **tx));
                let first = std::future::poll_fn(|cx| Poll::Ready(done.as_mut().poll(cx))).await;
                let next = build(chunk);
                match first {
                    Poll::Ready(result) => result?,
                    Poll::Pending => done.await?,
                };
                next
            }
        };
        pending = Some(next);
    }
    if let Some(query) = pending {
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Which rows of `table` are new or changed; counts them; writes them.
async fn upsert(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
    seen: &mut Seen,
    table: &Table,
    rows: &[EventRow<'_>],
) -> Result<Counts> {
    let mut counts = Counts::default();
    // In key order, so that the key's index is filled left to right rather
    // than split all over (most of a large ingestion's write cost). The sort
    // compares a rank of the scope and the id's first eight bytes, and the
    // whole id only when those tie; the row's index last, so that repeats
    // of a key keep their batch order.
    let mut scopes: Vec<Option<&str>> = rows.iter().map(|r| r.key.scope).collect();
    scopes.sort_unstable();
    scopes.dedup();
    let mut last: Option<(Option<&str>, u32)> = None;
    let mut order: Vec<(u32, u64, usize)> = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let rank = match last {
            Some((scope, rank)) if scope == row.key.scope => rank,
            _ => {
                let rank = scopes.binary_search(&row.key.scope).unwrap_or_default() as u32;
                last = Some((row.key.scope, rank));
                rank
            }
        };
        let mut prefix = [0u8; 8];
        let id = row.key.id.as_bytes();
        let n = id.len().min(8);
        prefix[..n].copy_from_slice(&id[..n]);
        order.push((rank, u64::from_be_bytes(prefix), i));
    }
    order.sort_unstable_by(|a, b| {
        (a.0, a.1).cmp(&(b.0, b.1)).then_with(|| rows[a.2].key.id.cmp(rows[b.2].key.id)).then(a.2.cmp(&b.2))
    });

    // Repeats within the batch: the same content is a repeat, other content
    // for the same key is a contradiction.
    let mut unique: Vec<usize> = Vec::with_capacity(rows.len());
    for (_, _, i) in order {
        match unique.last() {
            Some(&j) if rows[j].key == rows[i].key => {
                if rows[j].hash != rows[i].hash {
                    return Err(Error::Invalid(format!(
                        "{}: the batch holds two different events with the key `{}`",
                        table.name,
                        rows[i].key.display()
                    )));
                }
                counts.unchanged += 1;
            }
            _ => unique.push(i),
        }
    }

    let stored = stored_hashes(tx, backend, seen, table, rows, &unique).await?;
    let mut inserts: Vec<usize> = Vec::with_capacity(unique.len());
    let mut updates: Vec<usize> = Vec::new();
    for i in unique {
        match stored.get(&i) {
            Some(hash) if rows[i].same_hash(hash) => counts.unchanged += 1,
            Some(_) => {
                counts.updated += 1;
                updates.push(i);
            }
            None => {
                counts.inserted += 1;
                inserts.push(i);
            }
        }
    }

    let mut columns: Vec<&str> = table.columns.to_vec();
    columns.push("hash");
    let assignments: Vec<String> =
        columns.iter().filter(|c| !table.keys.contains(c)).map(|c| format!("{c} = excluded.{c}")).collect();
    let upsert = format!("ON CONFLICT ({}) DO UPDATE SET {}", table.keys.join(", "), assignments.join(", "));
    // Rows found absent are inserted without an upsert clause on SQLite,
    // `OR FAIL`: a multi-row statement that may abort half-way makes SQLite
    // copy every page it touches to a statement journal first (a third of
    // the write cost of a large batch), and a failure rolls the whole
    // transaction back anyway. The write lock is held since the lookup, so
    // they are still absent. PostgreSQL keeps the upsert.
    let insert_clause = match backend {
        Backend::Sqlite => ("INSERT OR FAIL INTO", ""),
        Backend::Postgres => ("INSERT INTO", upsert.as_str()),
    };
    for (rows_written, (verb, tail)) in [(&inserts, insert_clause), (&updates, ("INSERT INTO", upsert.as_str()))] {
        let build = |chunk: &[usize]| {
            let sql = format!(
                "{verb} {} ({}) VALUES {} {tail}",
                table.name,
                columns.join(", "),
                value_list(backend, chunk.len(), columns.len(), 1),
            );
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for &i in chunk {
                for v in &rows[i].values {
                    query = match v {
                        Value::Int(x) => query.bind(*x),
                        Value::Text(x) => query.bind(*x),
                        Value::Owned(x) => query.bind(x.as_str()),
                    };
                }
                query = query.bind(hex_string(&rows[i].hash));
            }
            query
        };
        execute_chunks(tx, rows_written, build).await.map_err(|e| refused(table.name, e))?;
    }
    seen.written(table, rows, &inserts);
    Ok(counts)
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

/// What a writer knows of the keys stored, per table and scope (a commit's
/// service): whether the scope held no row when the writer first met it, and
/// if so a fingerprint of every key the writer has inserted into it since. A
/// key whose fingerprint is not there cannot be stored, so a large first
/// ingestion needs no lookups at all, however many parts it comes in. (Two
/// keys with one fingerprint only cost a lookup.)
#[derive(Default)]
struct Seen {
    scopes: HashMap<(&'static str, Option<String>), Option<HashSet<u64>>>,
}

fn fingerprint(id: &str) -> u64 {
    // FNV-1a: the ids are the batch's own, and a collision only costs a
    // lookup.
    id.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

impl Seen {
    fn written(&mut self, table: &Table, rows: &[EventRow<'_>], inserted: &[usize]) {
        // In key order, so in runs of one scope: one entry lookup per run.
        for run in inserted.chunk_by(|&a, &b| rows[a].key.scope == rows[b].key.scope) {
            let scope = rows[run[0]].key.scope.map(str::to_string);
            if let Some(Some(ids)) = self.scopes.get_mut(&(table.name, scope)) {
                ids.extend(run.iter().map(|&i| fingerprint(rows[i].key.id)));
            }
        }
    }
}

/// The stored hashes of the given rows' keys, by row index.
async fn stored_hashes(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
    seen: &mut Seen,
    table: &Table,
    rows: &[EventRow<'_>],
    which: &[usize],
) -> Result<HashMap<usize, String>> {
    let mut out = HashMap::new();
    // Two-column keys are looked up per scope (a commit's service).
    let mut by_scope: HashMap<Option<&str>, Vec<usize>> = HashMap::new();
    for &i in which {
        by_scope.entry(rows[i].key.scope).or_default().push(i);
    }
    let id_column = table.keys[table.keys.len() - 1];
    for (scope, mut indexes) in by_scope {
        let key = (table.name, scope.map(str::to_string));
        // A scope met with many rows is probed once: if it holds nothing,
        // only keys this writer inserted can be stored (the write
        // transaction holds the lock until it commits).
        if !seen.scopes.contains_key(&key) {
            let fresh = indexes.len() > CHUNK && !any_stored(tx, backend, table, scope).await?;
            seen.scopes.insert(key.clone(), fresh.then(HashSet::new));
        }
        if let Some(Some(ids)) = seen.scopes.get(&key) {
            indexes.retain(|&i| ids.contains(&fingerprint(rows[i].key.id)));
        }
        indexes.sort_unstable_by_key(|&i| rows[i].key.id);
        for chunk in indexes.chunks(CHUNK) {
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
            let mut index: HashMap<&str, usize> = HashMap::with_capacity(chunk.len());
            for &i in chunk {
                query = query.bind(rows[i].key.id);
                index.insert(rows[i].key.id, i);
            }
            for row in query.fetch_all(&mut **tx).await? {
                let id: String = row.try_get(0)?;
                let hash: String = row.try_get(1)?;
                if let Some(&i) = index.get(id.as_str()) {
                    out.insert(i, hash);
                }
            }
        }
    }
    Ok(out)
}

/// The commits' rows. A large batch is split over two threads: hashing is
/// most of the cost, and the database has nothing to do yet.
fn commit_rows(commits: &[CommitRecord]) -> Result<Vec<EventRow<'_>>> {
    const PARALLEL_FROM: usize = 4 * CHUNK;
    if commits.len() < PARALLEL_FROM {
        return commits.iter().map(commit_row).collect();
    }
    let (head, tail) = commits.split_at(commits.len() / 2);
    let (head, tail) = std::thread::scope(|s| {
        let tail = s.spawn(|| tail.iter().map(commit_row).collect::<Result<Vec<_>>>());
        let head = head.iter().map(commit_row).collect::<Result<Vec<_>>>();
        (head, tail.join())
    });
    let mut rows = head?;
    match tail {
        Ok(tail) => rows.extend(tail?),
        Err(panic) => std::panic::resume_unwind(panic),
    }
    Ok(rows)
}

pub(super) async fn record_events(store: &SqlStore, batch: &EventBatch) -> Result<EventCounts> {
    let mut writer = SqlEventWriter::begin(store).await?;
    writer.write_part(batch).await?;
    writer.commit().await
}

/// Records a batch in parts in one write transaction (see `EventWriter`).
pub(super) struct SqlEventWriter {
    tx: Transaction<'static, Any>,
    backend: Backend,
    seen: Seen,
    counts: EventCounts,
}

impl SqlEventWriter {
    pub(super) async fn begin(store: &SqlStore) -> Result<SqlEventWriter> {
        Ok(SqlEventWriter {
            tx: store.begin_write().await?,
            backend: store.backend,
            seen: Seen::default(),
            counts: EventCounts::default(),
        })
    }

    async fn write_part(&mut self, batch: &EventBatch) -> Result<()> {
        let deployments = batch.deployments.iter().map(deployment_row).collect::<Result<Vec<_>>>()?;
        let commits = commit_rows(&batch.commits)?;
        let pull_requests = batch.pull_requests.iter().map(pull_request_row).collect::<Result<Vec<_>>>()?;
        let incidents = batch.incidents.iter().map(incident_row).collect::<Result<Vec<_>>>()?;

        let (tx, backend, seen, counts) = (&mut self.tx, self.backend, &mut self.seen, &mut self.counts);
        counts.deployments += upsert(tx, backend, seen, &DEPLOYMENTS, &deployments).await?;
        counts.commits += upsert(tx, backend, seen, &COMMITS, &commits).await?;
        counts.pull_requests += upsert(tx, backend, seen, &PULL_REQUESTS, &pull_requests).await?;
        counts.incidents += upsert(tx, backend, seen, &INCIDENTS, &incidents).await?;
        counts.work_items += super::work_items::record(tx, &batch.work_items).await?;
        if let Some(cursor) = &batch.cursor {
            write_cursor(tx, cursor).await?;
        }
        Ok(())
    }

    async fn commit(mut self) -> Result<EventCounts> {
        let counts = self.counts;
        // Views measured from events are cached per live version (see the
        // 0003 migration): a batch that changed anything moves it, once.
        let changed =
            [&counts.deployments, &counts.commits, &counts.pull_requests, &counts.incidents, &counts.work_items]
                .iter()
                .any(|c| c.inserted + c.updated > 0);
        if changed {
            sqlx::query("UPDATE live_version SET version = version + 1 WHERE singleton = 1")
                .execute(&mut *self.tx)
                .await?;
        }
        self.tx.commit().await?;
        Ok(counts)
    }
}

impl crate::EventWriter for SqlEventWriter {
    fn write<'a>(&'a mut self, part: &'a EventBatch) -> crate::BoxFuture<'a, Result<()>> {
        Box::pin(self.write_part(part))
    }

    fn finish(self: Box<Self>) -> crate::BoxFuture<'static, Result<EventCounts>> {
        Box::pin((*self).commit())
    }
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
        "SELECT id, name, service, scope_id, environment, result, started_at_ms, finished_at_ms, commits \
         FROM delivery_deployments WHERE occurred_at_ms >= $1 AND occurred_at_ms < $2 \
         ORDER BY occurred_at_ms, id",
    )
    .bind(from)
    .bind(to)
    .fetch_all(&mut *tx)
    .await?;
    let deployments = rows
        .iter()
        .map(|r| {
            let result: String = r.try_get("result")?;
            let commits: String = r.try_get("commits")?;
            Ok(Deployment {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                service: r.try_get("service")?,
                scope_id: r.try_get("scope_id")?,
                environment: r.try_get("environment")?,
                result: RunResult::from_name(&result),
                started: ts(r, "started_at_ms")?,
                finished: ts(r, "finished_at_ms")?,
                commits: serde_json::from_str(&commits)
                    .map_err(|e| Error::Corrupt(format!("deployment commits: {e}")))?,
            })
        })
        .collect::<Result<Vec<_>>>()?;

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

#[cfg(test)]
mod tests {
    //! The content hashes are stored: a row whose bytes hash differently
    //! after a change here would be reported (and rewritten) as updated.

    use super::*;

    /// The hash as first defined, one formatted string per column.
    fn reference(columns: &[Option<String>], ints: &[usize], extra: &[String]) -> String {
        let mut bytes = Vec::new();
        for (n, column) in columns.iter().enumerate() {
            match column {
                None => bytes.extend_from_slice(b"n"),
                Some(v) if ints.contains(&n) => bytes.extend_from_slice(format!("i{v};").as_bytes()),
                Some(v) => bytes.extend_from_slice(format!("t{}:{v}", v.len()).as_bytes()),
            }
        }
        for e in extra {
            bytes.extend_from_slice(format!("e{}:{e}", e.len()).as_bytes());
        }
        Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect()
    }

    fn at(seconds: i64) -> jiff::Timestamp {
        jiff::Timestamp::from_second(seconds).unwrap()
    }

    fn commit(sha: &str, parents: &[&str], deployed: Option<(&str, i64)>) -> CommitRecord {
        CommitRecord {
            commit: Commit {
                sha: sha.into(),
                service: "api".into(),
                authored: Some(at(1_700_000_000)),
                deployed: deployed.map(|(_, s)| at(s)),
                deployment_id: deployed.map(|(id, _)| id.to_string()),
            },
            committed: Some(at(1_700_000_060)),
            parents: parents.iter().map(|p| p.to_string()).collect(),
        }
    }

    #[test]
    fn commit_hashes_stay_as_first_defined() {
        let cases = [
            commit("0123456789abcdef0123456789abcdef01234567", &[], None),
            commit("a1", &["b2", "c3"], Some(("git:api:tag:v1", 1_700_003_600))),
            // Parents that need escaping take serde_json's path.
            commit("x", &["quo\"te", "back\\slash", "naïve"], None),
        ];
        for c in &cases {
            let parents = serde_json::to_string(&c.parents).unwrap();
            let ms = |t: Option<jiff::Timestamp>| t.map(|t| millis(t).to_string());
            let columns = [
                Some(c.commit.service.clone()),
                Some(c.commit.sha.clone()),
                ms(c.commit.authored),
                ms(c.committed),
                Some(parents),
                ms(c.commit.deployed),
                c.commit.deployment_id.clone(),
                ms(commit_moment(c)),
            ];
            let row = commit_row(c).unwrap();
            assert_eq!(hex_string(&row.hash), reference(&columns, &[2, 3, 5, 7], &[]), "{}", c.commit.sha);
        }
        // And one pinned (computed apart, with Python's hashlib), so that the
        // reference cannot drift with the code.
        assert_eq!(
            hex_string(&commit_row(&cases[1]).unwrap().hash),
            "6fe59dee783973a202c893b704f54e9ae923564eff0005c03b960eb2500a7c13"
        );
    }

    #[test]
    fn json_lists_are_what_serde_writes() {
        let cases: &[&[&str]] = &[
            &[],
            &["0123456789abcdef0123456789abcdef01234567"],
            &["a", "b-c_d.e", "UPPER"],
            &["with \"quote\"", "back\\slash", "tab\there", "\u{1}"],
            &["é", "日本", "a/b", "sp ace", ""],
        ];
        for items in cases {
            let items: Vec<String> = items.iter().map(|s| s.to_string()).collect();
            assert_eq!(json_list(&items).unwrap(), serde_json::to_string(&items).unwrap());
        }
    }

    #[test]
    fn deployment_hashes_cover_the_commit_list() {
        let d = Deployment {
            id: "git:api:tag:v1".into(),
            name: "v1".into(),
            service: "api".into(),
            scope_id: "/r".into(),
            environment: "PRODUCTION".into(),
            result: RunResult::Success,
            started: Some(at(1_700_003_600)),
            finished: Some(at(1_700_003_600)),
            commits: vec!["a1".into(), "b2".into()],
        };
        let t = |s: &str| Some(s.to_string());
        let columns = [
            t("git:api:tag:v1"),
            t("v1"),
            t("api"),
            t("/r"),
            t("PRODUCTION"),
            t(d.result.as_str()),
            t("1700003600000"),
            t("1700003600000"),
            deployment_moment(&d).map(|m| millis(m).to_string()),
        ];
        let row = deployment_row(&d).unwrap();
        assert_eq!(hex_string(&row.hash), reference(&columns, &[6, 7, 8], &d.commits));
        let mut other = d.clone();
        other.commits.pop();
        assert_ne!(deployment_row(&other).unwrap().hash, row.hash);
    }
}
