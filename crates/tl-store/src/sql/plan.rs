//! The plan's tables: `plan_head` (the revision, the plan's version),
//! `plan_revisions`, `plan_documents`, `plan_entities`, and `plan_history`
//! (what changed and removed documents held before).

use super::{SqlStore, millis, placeholders, timestamp};
use crate::plan::{
    self, ApplyOptions, ApplyOutcome, Doc, DocumentChange, EntityKey, Kind, PlanFiles, Revision, RevisionDetail,
};
use crate::{Error, Result};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};
use std::collections::HashMap;
use tl_engine::Model;

/// Rows per multi-row statement: well under both backends' parameter limits.
const CHUNK: usize = 500;

/// How many times `apply` without an expected revision recomputes its
/// changes after losing a race to another apply.
const RETRIES: usize = 8;

pub(super) async fn revision(store: &SqlStore) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT revision FROM plan_head WHERE singleton = 1").fetch_one(&store.pool).await?)
}

pub(super) async fn apply(store: &SqlStore, model: &Model, options: ApplyOptions) -> Result<ApplyOutcome> {
    let docs = plan::documents(model)?;
    let mut attempt = 0;
    loop {
        match try_apply(store, &docs, &options).await {
            Err(Error::Conflict { .. }) if options.expected_revision.is_none() && attempt < RETRIES => attempt += 1,
            result => return result,
        }
    }
}

/// What a stored document is, for comparing.
struct StoredDoc {
    position: i64,
    hash: String,
    revision: i64,
}

async fn try_apply(store: &SqlStore, docs: &[Doc], options: &ApplyOptions) -> Result<ApplyOutcome> {
    // Read without a lock; the conditional update of the head below turns a
    // concurrent apply in between into a conflict.
    let head = revision(store).await?;
    if let Some(expected) = options.expected_revision
        && expected != head
    {
        return Err(Error::Conflict { what: "the plan".into(), expected, current: head });
    }
    let mut stored: HashMap<(Kind, String), StoredDoc> = HashMap::new();
    for row in
        sqlx::query("SELECT kind, id, position, hash, revision FROM plan_documents").fetch_all(&store.pool).await?
    {
        let kind = kind_of(row.try_get("kind")?)?;
        let doc = StoredDoc {
            position: row.try_get("position")?,
            hash: row.try_get("hash")?,
            revision: row.try_get("revision")?,
        };
        stored.insert((kind, row.try_get("id")?), doc);
    }

    let new = head + 1;
    let mut added = Vec::new();
    let mut changed = Vec::new();
    // Documents to write with the revision each should carry.
    let mut writes: Vec<(&Doc, i64)> = Vec::new();
    let mut reordered = 0;
    for doc in docs {
        match stored.remove(&(doc.kind, doc.id.clone())) {
            None => {
                added.push(doc);
                writes.push((doc, new));
            }
            Some(s) if s.hash != doc.hash => {
                changed.push(doc);
                writes.push((doc, new));
            }
            Some(s) if s.position != doc.position => {
                reordered += 1;
                writes.push((doc, s.revision));
            }
            Some(_) => {}
        }
    }
    let mut removed: Vec<EntityKey> = stored.into_keys().map(|(kind, id)| EntityKey { kind, id }).collect();
    removed.sort();
    if writes.is_empty() && removed.is_empty() {
        return Ok(ApplyOutcome::Unchanged { revision: head });
    }
    let key = |d: &&Doc| EntityKey { kind: d.kind, id: d.id.clone() };
    let summary = Revision {
        revision: new,
        author: options.author.clone(),
        at: super::stored(options.at),
        forced: options.forced,
        added: added.iter().map(key).collect(),
        changed: changed.iter().map(key).collect(),
        removed,
        reordered,
    };

    let mut tx = store.begin_write().await?;
    let moved = sqlx::query("UPDATE plan_head SET revision = $1 WHERE singleton = 1 AND revision = $2")
        .bind(new)
        .bind(head)
        .execute(&mut *tx)
        .await?;
    if moved.rows_affected() != 1 {
        tx.rollback().await?;
        return Err(Error::Conflict { what: "the plan".into(), expected: head, current: revision(store).await? });
    }
    sqlx::query(
        "INSERT INTO plan_revisions (revision, author, created_at_ms, forced, added, changed, removed, reordered) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(new)
    .bind(&summary.author)
    .bind(millis(summary.at))
    .bind(i64::from(summary.forced))
    .bind(keys_json(&summary.added))
    .bind(keys_json(&summary.changed))
    .bind(keys_json(&summary.removed))
    .bind(reordered)
    .execute(&mut *tx)
    .await?;

    // Entities of removed and changed documents go; those of added and
    // changed documents come (back). The head is ours now, so the documents
    // read here are those of revision `head`: their text goes to the history
    // before it is overwritten or deleted.
    let mut gone: Vec<(Kind, &str)> = summary.removed.iter().map(|k| (k.kind, k.id.as_str())).collect();
    gone.extend(changed.iter().map(|d| (d.kind, d.id.as_str())));
    keep_history(&mut tx, new, &gone).await?;
    delete_by_key(&mut tx, "plan_entities", "doc_kind", "doc_id", &gone).await?;
    let removed_docs: Vec<(Kind, &str)> = summary.removed.iter().map(|k| (k.kind, k.id.as_str())).collect();
    delete_by_key(&mut tx, "plan_documents", "kind", "id", &removed_docs).await?;

    for chunk in writes.chunks(CHUNK) {
        let sql = format!(
            "INSERT INTO plan_documents (kind, id, position, body, hash, revision) VALUES {} \
             ON CONFLICT (kind, id) DO UPDATE SET position = excluded.position, body = excluded.body, \
             hash = excluded.hash, revision = excluded.revision",
            placeholders(chunk.len(), 6, 1)
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for (doc, rev) in chunk {
            query = query
                .bind(doc.kind.as_str())
                .bind(&doc.id)
                .bind(doc.position)
                .bind(&doc.body)
                .bind(&doc.hash)
                .bind(*rev);
        }
        query.execute(&mut *tx).await?;
    }

    let entities: Vec<(Kind, &str, &Doc)> = added
        .iter()
        .chain(&changed)
        .flat_map(|d| d.entities.iter().map(move |(k, id)| (*k, id.as_str(), *d)))
        .collect();
    for chunk in entities.chunks(CHUNK) {
        let sql = format!(
            "INSERT INTO plan_entities (kind, id, doc_kind, doc_id, measured) VALUES {}",
            placeholders(chunk.len(), 5, 1)
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for (kind, id, doc) in chunk {
            // Only the document's own entity (a metric) can be measured.
            let measured = doc.measured && *kind == doc.kind;
            query = query.bind(kind.as_str()).bind(*id).bind(doc.kind.as_str()).bind(&doc.id).bind(i64::from(measured));
        }
        query.execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(ApplyOutcome::Applied(summary))
}

/// Deletes rows whose (kind, id) columns match, grouped by kind and chunked.
async fn delete_by_key(
    conn: &mut AnyConnection,
    table: &str,
    kind_col: &str,
    id_col: &str,
    keys: &[(Kind, &str)],
) -> Result<()> {
    let mut by_kind: HashMap<Kind, Vec<&str>> = HashMap::new();
    for (kind, id) in keys {
        by_kind.entry(*kind).or_default().push(id);
    }
    for (kind, ids) in by_kind {
        for chunk in ids.chunks(CHUNK) {
            let list: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
            let sql = format!("DELETE FROM {table} WHERE {kind_col} = $1 AND {id_col} IN ({})", list.join(", "));
            let mut query = sqlx::query(AssertSqlSafe(sql)).bind(kind.as_str());
            for id in chunk {
                query = query.bind(*id);
            }
            query.execute(&mut *conn).await?;
        }
    }
    Ok(())
}

/// Copies the current text of these documents into `plan_history` as what
/// they held before `revision`.
async fn keep_history(conn: &mut AnyConnection, revision: i64, keys: &[(Kind, &str)]) -> Result<()> {
    let mut by_kind: HashMap<Kind, Vec<&str>> = HashMap::new();
    for (kind, id) in keys {
        by_kind.entry(*kind).or_default().push(id);
    }
    for (kind, ids) in by_kind {
        for chunk in ids.chunks(CHUNK) {
            let list: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 3)).collect();
            let sql = format!(
                "INSERT INTO plan_history (revision, kind, id, body) \
                 SELECT $1, kind, id, body FROM plan_documents WHERE kind = $2 AND id IN ({})",
                list.join(", ")
            );
            let mut query = sqlx::query(AssertSqlSafe(sql)).bind(revision).bind(kind.as_str());
            for id in chunk {
                query = query.bind(*id);
            }
            query.execute(&mut *conn).await?;
        }
    }
    Ok(())
}

fn keys_json(keys: &[EntityKey]) -> String {
    let pairs: Vec<[&str; 2]> = keys.iter().map(|k| [k.kind.as_str(), k.id.as_str()]).collect();
    serde_json::to_string(&pairs).unwrap_or_else(|_| "[]".into())
}

fn keys_from_json(text: &str) -> Result<Vec<EntityKey>> {
    let pairs: Vec<(String, String)> =
        serde_json::from_str(text).map_err(|e| Error::Corrupt(format!("revision summary: {e}")))?;
    pairs.into_iter().map(|(kind, id)| Ok(EntityKey { kind: kind_of(kind)?, id })).collect()
}

fn kind_of(text: String) -> Result<Kind> {
    Kind::parse(&text).ok_or_else(|| Error::Corrupt(format!("unknown entity kind `{text}`")))
}

pub(super) async fn plan_files(store: &SqlStore) -> Result<PlanFiles> {
    let mut tx = store.begin_read().await?;
    let revision: i64 =
        sqlx::query_scalar("SELECT revision FROM plan_head WHERE singleton = 1").fetch_one(&mut *tx).await?;
    let rows = sqlx::query("SELECT kind, body FROM plan_documents ORDER BY position").fetch_all(&mut *tx).await?;
    tx.commit().await?;
    let mut docs = Vec::with_capacity(rows.len());
    for row in rows {
        docs.push((kind_of(row.try_get("kind")?)?, row.try_get::<String, _>("body")?));
    }
    plan::assemble(revision, &docs)
}

pub(super) async fn revisions(store: &SqlStore, limit: i64) -> Result<Vec<Revision>> {
    let rows = sqlx::query(
        "SELECT revision, author, created_at_ms, forced, added, changed, removed, reordered \
         FROM plan_revisions ORDER BY revision DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(&store.pool)
    .await?;
    rows.iter().map(revision_of).collect()
}

pub(super) async fn revision_detail(store: &SqlStore, n: i64, max_documents: usize) -> Result<RevisionDetail> {
    let mut tx = store.begin_read().await?;
    let row = sqlx::query(
        "SELECT revision, author, created_at_ms, forced, added, changed, removed, reordered \
         FROM plan_revisions WHERE revision = $1",
    )
    .bind(n)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        tx.commit().await?;
        return Err(Error::not_found("revision", n.to_string()));
    };
    let revision = revision_of(&row)?;
    let keys: Vec<(&EntityKey, bool)> =
        revision.changed.iter().map(|k| (k, false)).chain(revision.removed.iter().map(|k| (k, true))).collect();
    let left_out = keys.len().saturating_sub(max_documents);
    let mut documents = Vec::with_capacity(keys.len().min(max_documents));
    for (key, removed) in keys.into_iter().take(max_documents) {
        let before: Option<String> =
            sqlx::query_scalar("SELECT body FROM plan_history WHERE kind = $1 AND id = $2 AND revision = $3")
                .bind(key.kind.as_str())
                .bind(&key.id)
                .bind(n)
                .fetch_optional(&mut *tx)
                .await?;
        let after = if removed {
            None
        } else {
            // What it held after `n` lasted until the next revision that
            // changed or removed it, which kept that text; else it is current.
            let later: Option<String> = sqlx::query_scalar(
                "SELECT body FROM plan_history WHERE kind = $1 AND id = $2 AND revision > $3 \
                 ORDER BY revision LIMIT 1",
            )
            .bind(key.kind.as_str())
            .bind(&key.id)
            .bind(n)
            .fetch_optional(&mut *tx)
            .await?;
            match later {
                Some(body) => Some(body),
                None => {
                    sqlx::query_scalar("SELECT body FROM plan_documents WHERE kind = $1 AND id = $2")
                        .bind(key.kind.as_str())
                        .bind(&key.id)
                        .fetch_optional(&mut *tx)
                        .await?
                }
            }
        };
        documents.push(DocumentChange { key: key.clone(), removed, before, after });
    }
    tx.commit().await?;
    Ok(RevisionDetail { revision, documents, left_out })
}

fn revision_of(row: &AnyRow) -> Result<Revision> {
    Ok(Revision {
        revision: row.try_get("revision")?,
        author: row.try_get("author")?,
        at: timestamp(row.try_get("created_at_ms")?)?,
        forced: row.try_get::<i64, _>("forced")? != 0,
        added: keys_from_json(row.try_get("added")?)?,
        changed: keys_from_json(row.try_get("changed")?)?,
        removed: keys_from_json(row.try_get("removed")?)?,
        reordered: row.try_get("reordered")?,
    })
}

pub(super) async fn has_entity(store: &SqlStore, kind: Kind, id: &str) -> Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM plan_entities WHERE kind = $1 AND id = $2")
        .bind(kind.as_str())
        .bind(id)
        .fetch_one(&store.pool)
        .await?;
    Ok(n > 0)
}
