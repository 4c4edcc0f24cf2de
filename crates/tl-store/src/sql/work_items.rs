//! Recording and reading work items. Recording runs inside the transaction
//! of `record_events`: the batch's items are hashed, the stored hash, status
//! and transition count of their keys are read, and only new or changed
//! items are written (one multi-row upsert per chunk), each status change
//! with a transition row.

use super::{SqlStore, millis, placeholders, timestamp};
use crate::events::Counts;
use crate::work_items::{StatusTransition, StoredWorkItem, WorkItemFilter, WorkItemRecord};
use crate::{Error, Result};
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::{Any, AssertSqlSafe, Row, Transaction};
use std::collections::HashMap;

/// Rows per statement: 15 columns, well under both backends' parameter limits.
const CHUNK: usize = 200;

const COLUMNS: &[&str] = &[
    "source",
    "item_key",
    "kind",
    "title",
    "status",
    "created_at_ms",
    "resolved_at_ms",
    "updated_at_ms",
    "epic",
    "team",
    "initiative",
    "milestone",
    "transitions",
    "hash",
];

/// The content hash: every recorded field, with absent ones marked, so
/// that `None` and `""` differ.
fn hash(item: &WorkItemRecord) -> String {
    let mut hasher = Sha256::new();
    let texts = [&item.source, &item.key, &item.kind, &item.title, &item.status];
    for s in texts {
        hasher.update(format!("t{}:{s}", s.len()));
    }
    for t in [Some(item.created), item.resolved, item.updated] {
        match t {
            Some(t) => hasher.update(format!("i{};", millis(t))),
            None => hasher.update(b"n"),
        }
    }
    for s in [&item.epic, &item.team, &item.initiative, &item.milestone] {
        match s {
            Some(s) => hasher.update(format!("t{}:{s}", s.len())),
            None => hasher.update(b"n"),
        }
    }
    hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn check(item: &WorkItemRecord) -> Result<()> {
    if item.source.is_empty() || item.key.is_empty() {
        return Err(Error::Invalid(format!(
            "a work item needs a non-empty source and key (source `{}`, key `{}`)",
            item.source, item.key
        )));
    }
    if let Some(resolved) = item.resolved
        && resolved < item.created
    {
        return Err(Error::Invalid(format!(
            "work item `{}` of {}: resolved at {resolved}, before it was created at {}",
            item.key, item.source, item.created
        )));
    }
    Ok(())
}

/// What the store holds for one key.
struct Stored {
    hash: String,
    status: String,
    transitions: i64,
}

/// One row to write, and the transition it brings, if any.
struct Write<'a> {
    item: &'a WorkItemRecord,
    hash: String,
    transitions: i64,
    transition: Option<StatusTransition>,
}

/// Records `items` in `tx`: new and changed items are written, repeats are
/// counted unchanged. Two different items with one key fail the batch.
pub(super) async fn record(tx: &mut Transaction<'static, Any>, items: &[WorkItemRecord]) -> Result<Counts> {
    let mut counts = Counts::default();
    let mut first: HashMap<(&str, &str), (usize, String)> = HashMap::new();
    let mut unique: Vec<(usize, String)> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        check(item)?;
        let h = hash(item);
        match first.get(&(item.source.as_str(), item.key.as_str())) {
            Some((_, seen)) if *seen == h => counts.unchanged += 1,
            Some(_) => {
                return Err(Error::Invalid(format!(
                    "work_items: the batch holds two different work items with the key `{} {}`",
                    item.source, item.key
                )));
            }
            None => {
                first.insert((&item.source, &item.key), (i, h.clone()));
                unique.push((i, h));
            }
        }
    }
    if unique.is_empty() {
        return Ok(counts);
    }

    let stored = stored(tx, items, &unique).await?;
    let mut writes: Vec<Write<'_>> = Vec::new();
    for (i, h) in unique {
        let item = &items[i];
        match stored.get(&(item.source.clone(), item.key.clone())) {
            Some(s) if s.hash == h => counts.unchanged += 1,
            Some(s) => {
                counts.updated += 1;
                let changed = s.status != item.status;
                let transition = changed.then(|| StatusTransition {
                    from: Some(s.status.clone()),
                    to: item.status.clone(),
                    at: item.status_time(),
                });
                writes.push(Write { item, hash: h, transitions: s.transitions + i64::from(changed), transition });
            }
            None => {
                counts.inserted += 1;
                let transition = StatusTransition { from: None, to: item.status.clone(), at: item.status_time() };
                writes.push(Write { item, hash: h, transitions: 1, transition: Some(transition) });
            }
        }
    }

    let updates: Vec<String> = COLUMNS
        .iter()
        .filter(|c| !matches!(**c, "source" | "item_key"))
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    for chunk in writes.chunks(CHUNK) {
        let sql = format!(
            "INSERT INTO work_items ({}) VALUES {} ON CONFLICT (source, item_key) DO UPDATE SET {}",
            COLUMNS.join(", "),
            placeholders(chunk.len(), COLUMNS.len(), 1),
            updates.join(", ")
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for w in chunk {
            let item = w.item;
            query = query
                .bind(item.source.clone())
                .bind(item.key.clone())
                .bind(item.kind.clone())
                .bind(item.title.clone())
                .bind(item.status.clone())
                .bind(millis(item.created))
                .bind(item.resolved.map(millis))
                .bind(item.updated.map(millis))
                .bind(item.epic.clone())
                .bind(item.team.clone())
                .bind(item.initiative.clone())
                .bind(item.milestone.clone())
                .bind(w.transitions)
                .bind(w.hash.clone());
        }
        query.execute(&mut **tx).await.map_err(refused)?;
    }

    let transitions: Vec<(&Write<'_>, &StatusTransition)> =
        writes.iter().filter_map(|w| w.transition.as_ref().map(|t| (w, t))).collect();
    for chunk in transitions.chunks(CHUNK) {
        let sql = format!(
            "INSERT INTO work_item_transitions (source, item_key, position, from_status, to_status, at_ms) VALUES {}",
            placeholders(chunk.len(), 6, 1)
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for (w, t) in chunk {
            query = query
                .bind(w.item.source.clone())
                .bind(w.item.key.clone())
                .bind(w.transitions)
                .bind(t.from.clone())
                .bind(t.to.clone())
                .bind(millis(t.at));
        }
        query.execute(&mut **tx).await?;
    }
    Ok(counts)
}

/// A CHECK constraint the database enforced becomes `Invalid`.
fn refused(e: sqlx::Error) -> Error {
    match &e {
        sqlx::Error::Database(db) if matches!(db.kind(), sqlx::error::ErrorKind::CheckViolation) => {
            let rule = db.constraint().map_or_else(|| db.message().to_string(), str::to_string);
            Error::Invalid(format!("work_items: a row breaks the rule `{rule}`"))
        }
        _ => Error::Database(e),
    }
}

/// The stored state of the given items' keys, looked up per source.
async fn stored(
    tx: &mut Transaction<'static, Any>,
    items: &[WorkItemRecord],
    which: &[(usize, String)],
) -> Result<HashMap<(String, String), Stored>> {
    let mut by_source: HashMap<&str, Vec<&str>> = HashMap::new();
    for (i, _) in which {
        by_source.entry(items[*i].source.as_str()).or_default().push(items[*i].key.as_str());
    }
    let mut out = HashMap::new();
    for (source, keys) in by_source {
        for chunk in keys.chunks(CHUNK * 4) {
            let list: Vec<String> = (2..2 + chunk.len()).map(|n| format!("${n}")).collect();
            let sql = format!(
                "SELECT item_key, hash, status, transitions FROM work_items WHERE source = $1 AND item_key IN ({})",
                list.join(", ")
            );
            let mut query = sqlx::query(AssertSqlSafe(sql)).bind(source);
            for key in chunk {
                query = query.bind(*key);
            }
            for row in query.fetch_all(&mut **tx).await? {
                let key: String = row.try_get(0)?;
                let stored = Stored { hash: row.try_get(1)?, status: row.try_get(2)?, transitions: row.try_get(3)? };
                out.insert((source.to_string(), key), stored);
            }
        }
    }
    Ok(out)
}

/// The WHERE clause of a filter, and its values in bind order (the window
/// first).
fn conditions(filter: &WorkItemFilter, alias: &str) -> (String, Vec<String>) {
    let mut sql =
        format!("{alias}created_at_ms < $1 AND ({alias}resolved_at_ms IS NULL OR {alias}resolved_at_ms >= $2)");
    let mut values = Vec::new();
    for (column, value) in
        [("team", &filter.team), ("initiative", &filter.initiative), ("milestone", &filter.milestone)]
    {
        if let Some(v) = value {
            values.push(v.clone());
            sql.push_str(&format!(" AND {alias}{column} = ${}", values.len() + 2));
        }
    }
    (sql, values)
}

fn ts(row: &AnyRow, column: &str) -> Result<Option<jiff::Timestamp>> {
    row.try_get::<Option<i64>, _>(column)?.map(timestamp).transpose()
}

pub(super) async fn work_items(store: &SqlStore, filter: WorkItemFilter) -> Result<Vec<StoredWorkItem>> {
    let (to, from) = (millis(filter.window.to), millis(filter.window.from));
    let mut tx = store.begin_read().await?;

    let (cond, values) = conditions(&filter, "");
    let sql = format!(
        "SELECT source, item_key, kind, title, status, created_at_ms, resolved_at_ms, updated_at_ms, epic, team, \
         initiative, milestone FROM work_items WHERE {cond} ORDER BY created_at_ms, source, item_key"
    );
    let mut query = sqlx::query(AssertSqlSafe(sql)).bind(to).bind(from);
    for v in &values {
        query = query.bind(v.clone());
    }
    let rows = query.fetch_all(&mut *tx).await?;
    let mut items = rows
        .iter()
        .map(|r| {
            Ok(StoredWorkItem {
                item: WorkItemRecord {
                    source: r.try_get("source")?,
                    key: r.try_get("item_key")?,
                    kind: r.try_get("kind")?,
                    title: r.try_get("title")?,
                    status: r.try_get("status")?,
                    created: timestamp(r.try_get("created_at_ms")?)?,
                    resolved: ts(r, "resolved_at_ms")?,
                    updated: ts(r, "updated_at_ms")?,
                    epic: r.try_get("epic")?,
                    team: r.try_get("team")?,
                    initiative: r.try_get("initiative")?,
                    milestone: r.try_get("milestone")?,
                },
                transitions: Vec::new(),
            })
        })
        .collect::<Result<Vec<_>>>()?;

    let (cond, values) = conditions(&filter, "w.");
    let sql = format!(
        "SELECT t.source, t.item_key, t.from_status, t.to_status, t.at_ms FROM work_item_transitions t \
         JOIN work_items w ON w.source = t.source AND w.item_key = t.item_key \
         WHERE {cond} ORDER BY t.source, t.item_key, t.position"
    );
    let mut query = sqlx::query(AssertSqlSafe(sql)).bind(to).bind(from);
    for v in &values {
        query = query.bind(v.clone());
    }
    let rows = query.fetch_all(&mut *tx).await?;
    tx.commit().await?;
    let index: HashMap<(String, String), usize> =
        items.iter().enumerate().map(|(i, w)| ((w.item.source.clone(), w.item.key.clone()), i)).collect();
    for r in &rows {
        let key: (String, String) = (r.try_get(0)?, r.try_get(1)?);
        if let Some(&i) = index.get(&key) {
            items[i].transitions.push(StatusTransition {
                from: r.try_get(2)?,
                to: r.try_get(3)?,
                at: timestamp(r.try_get(4)?)?,
            });
        }
    }
    Ok(items)
}
