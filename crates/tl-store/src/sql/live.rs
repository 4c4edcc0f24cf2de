//! Check-ins and status updates: append-only rows numbered per subject. A
//! row is inserted only if the subject is in the plan and its latest number
//! is the one the writer saw; the primary key stops two writers that saw the
//! same number at once.

use super::{SqlStore, millis, stored, timestamp};
use crate::error::is_unique_violation;
use crate::live::{
    CheckIn, CheckInStatus, Confidence, MetricCheckIn, NewCheckIn, NewMetricCheckIn, NewStatusUpdate, Status,
    StatusUpdate, SubjectKind,
};
use crate::plan::Kind;
use crate::{Error, Result, Versions};
use sqlx::Row;
use sqlx::any::AnyRow;

/// One row from each single-row table: the migration's triggers keep
/// `live_version` current in the transaction of every live write.
pub(super) async fn versions(store: &SqlStore) -> Result<Versions> {
    let row = sqlx::query(
        "SELECT p.revision, l.version FROM plan_head p, live_version l WHERE p.singleton = 1 AND l.singleton = 1",
    )
    .fetch_one(&store.pool)
    .await?;
    Ok(Versions { plan: row.try_get(0)?, live: row.try_get(1)? })
}

const CHECK_IN_COLUMNS: &str = "key_result, version, value, confidence, status, note, blockers, author, created_at_ms";

pub(super) async fn record_check_in(
    store: &SqlStore,
    key_result: &str,
    expected_version: i64,
    c: NewCheckIn,
) -> Result<CheckIn> {
    if !c.value.is_finite() {
        return Err(Error::Invalid(format!("a check-in's value must be a number, not {}", c.value)));
    }
    let blockers = serde_json::to_string(&c.blockers).map_err(|e| Error::Invalid(e.to_string()))?;
    let inserted = sqlx::query(
        "INSERT INTO check_ins (key_result, version, value, confidence, status, note, blockers, author, created_at_ms) \
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9 \
         WHERE EXISTS (SELECT 1 FROM plan_entities WHERE kind = 'key_result' AND id = $1) \
         AND (SELECT COALESCE(MAX(version), 0) FROM check_ins WHERE key_result = $1) = $10",
    )
    .bind(key_result)
    .bind(expected_version + 1)
    .bind(c.value)
    .bind(c.confidence.get())
    .bind(c.status.as_str())
    .bind(c.note.as_deref())
    .bind(&blockers)
    .bind(&c.author)
    .bind(millis(c.at))
    .bind(expected_version)
    .execute(&store.pool)
    .await;
    match inserted {
        Ok(done) if done.rows_affected() == 1 => Ok(CheckIn {
            key_result: key_result.to_string(),
            version: expected_version + 1,
            value: c.value,
            confidence: c.confidence,
            status: c.status,
            note: c.note,
            blockers: c.blockers,
            author: c.author,
            at: stored(c.at),
        }),
        Ok(_) => Err(refused(store, Kind::KeyResult, key_result, expected_version).await?),
        Err(e) if is_unique_violation(&e) => Err(refused(store, Kind::KeyResult, key_result, expected_version).await?),
        Err(e) => Err(e.into()),
    }
}

/// Why an append was refused: the subject is not in the plan, or the
/// writer's version is stale.
async fn refused(store: &SqlStore, kind: Kind, id: &str, expected: i64) -> Result<Error> {
    if !super::plan::has_entity(store, kind, id).await? {
        return Ok(Error::not_found(kind.as_str(), id));
    }
    let current: i64 = match kind {
        Kind::KeyResult => {
            sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM check_ins WHERE key_result = $1")
                .bind(id)
                .fetch_one(&store.pool)
                .await?
        }
        Kind::Metric => {
            sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM metric_check_ins WHERE metric = $1")
                .bind(id)
                .fetch_one(&store.pool)
                .await?
        }
        _ => {
            sqlx::query_scalar(
                "SELECT COALESCE(MAX(version), 0) FROM status_updates WHERE subject_kind = $1 AND subject_id = $2",
            )
            .bind(kind.as_str())
            .bind(id)
            .fetch_one(&store.pool)
            .await?
        }
    };
    Ok(Error::Conflict { what: format!("{kind} `{id}`"), expected, current })
}

fn check_in_of(row: &AnyRow) -> Result<CheckIn> {
    let status: String = row.try_get("status")?;
    let blockers: String = row.try_get("blockers")?;
    Ok(CheckIn {
        key_result: row.try_get("key_result")?,
        version: row.try_get("version")?,
        value: row.try_get("value")?,
        confidence: Confidence::new(row.try_get("confidence")?).map_err(|e| Error::Corrupt(e.to_string()))?,
        status: CheckInStatus::parse(&status)
            .ok_or_else(|| Error::Corrupt(format!("unknown check-in status `{status}`")))?,
        note: row.try_get("note")?,
        blockers: serde_json::from_str(&blockers).map_err(|e| Error::Corrupt(format!("blockers: {e}")))?,
        author: row.try_get("author")?,
        at: timestamp(row.try_get("created_at_ms")?)?,
    })
}

pub(super) async fn check_ins(store: &SqlStore, key_result: &str) -> Result<Vec<CheckIn>> {
    let sql = format!("SELECT {CHECK_IN_COLUMNS} FROM check_ins WHERE key_result = $1 ORDER BY version");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(key_result).fetch_all(&store.pool).await?;
    if rows.is_empty() && !super::plan::has_entity(store, Kind::KeyResult, key_result).await? {
        return Err(Error::not_found("key_result", key_result));
    }
    rows.iter().map(check_in_of).collect()
}

pub(super) async fn latest_check_ins(store: &SqlStore) -> Result<Vec<CheckIn>> {
    let rows = sqlx::query(
        "SELECT c.key_result, c.version, c.value, c.confidence, c.status, c.note, c.blockers, c.author, c.created_at_ms \
         FROM check_ins c \
         JOIN (SELECT key_result, MAX(version) AS version FROM check_ins GROUP BY key_result) m \
           ON c.key_result = m.key_result AND c.version = m.version \
         ORDER BY c.key_result",
    )
    .fetch_all(&store.pool)
    .await?;
    rows.iter().map(check_in_of).collect()
}

fn subject_entity(kind: SubjectKind) -> Kind {
    match kind {
        SubjectKind::Milestone => Kind::Milestone,
        SubjectKind::Dependency => Kind::Dependency,
    }
}

pub(super) async fn record_status_update(
    store: &SqlStore,
    subject_id: &str,
    expected_version: i64,
    u: NewStatusUpdate,
) -> Result<StatusUpdate> {
    let kind = u.status.subject_kind();
    let inserted = sqlx::query(
        "INSERT INTO status_updates (subject_kind, subject_id, version, status, note, author, created_at_ms) \
         SELECT $1, $2, $3, $4, $5, $6, $7 \
         WHERE EXISTS (SELECT 1 FROM plan_entities WHERE kind = $1 AND id = $2) \
         AND (SELECT COALESCE(MAX(version), 0) FROM status_updates WHERE subject_kind = $1 AND subject_id = $2) = $8",
    )
    .bind(kind.as_str())
    .bind(subject_id)
    .bind(expected_version + 1)
    .bind(u.status.as_str())
    .bind(u.note.as_deref())
    .bind(&u.author)
    .bind(millis(u.at))
    .bind(expected_version)
    .execute(&store.pool)
    .await;
    let entity = subject_entity(kind);
    match inserted {
        Ok(done) if done.rows_affected() == 1 => Ok(StatusUpdate {
            subject_id: subject_id.to_string(),
            version: expected_version + 1,
            status: u.status,
            note: u.note,
            author: u.author,
            at: stored(u.at),
        }),
        Ok(_) => Err(refused(store, entity, subject_id, expected_version).await?),
        Err(e) if is_unique_violation(&e) => Err(refused(store, entity, subject_id, expected_version).await?),
        Err(e) => Err(e.into()),
    }
}

fn status_update_of(kind: SubjectKind, row: &AnyRow) -> Result<StatusUpdate> {
    let status: String = row.try_get("status")?;
    Ok(StatusUpdate {
        subject_id: row.try_get("subject_id")?,
        version: row.try_get("version")?,
        status: Status::parse(kind, &status)
            .ok_or_else(|| Error::Corrupt(format!("unknown {} status `{status}`", kind.as_str())))?,
        note: row.try_get("note")?,
        author: row.try_get("author")?,
        at: timestamp(row.try_get("created_at_ms")?)?,
    })
}

pub(super) async fn status_updates(store: &SqlStore, kind: SubjectKind, id: &str) -> Result<Vec<StatusUpdate>> {
    let rows = sqlx::query(
        "SELECT subject_id, version, status, note, author, created_at_ms FROM status_updates \
         WHERE subject_kind = $1 AND subject_id = $2 ORDER BY version",
    )
    .bind(kind.as_str())
    .bind(id)
    .fetch_all(&store.pool)
    .await?;
    if rows.is_empty() && !super::plan::has_entity(store, subject_entity(kind), id).await? {
        return Err(Error::not_found(kind.as_str(), id));
    }
    rows.iter().map(|r| status_update_of(kind, r)).collect()
}

pub(super) async fn latest_status_updates(store: &SqlStore, kind: SubjectKind) -> Result<Vec<StatusUpdate>> {
    let rows = sqlx::query(
        "SELECT s.subject_id, s.version, s.status, s.note, s.author, s.created_at_ms \
         FROM status_updates s \
         JOIN (SELECT subject_id, MAX(version) AS version FROM status_updates WHERE subject_kind = $1 \
               GROUP BY subject_id) m \
           ON s.subject_id = m.subject_id AND s.version = m.version \
         WHERE s.subject_kind = $1 ORDER BY s.subject_id",
    )
    .bind(kind.as_str())
    .fetch_all(&store.pool)
    .await?;
    rows.iter().map(|r| status_update_of(kind, r)).collect()
}

pub(super) async fn record_metric_check_in(
    store: &SqlStore,
    metric: &str,
    expected_version: i64,
    c: NewMetricCheckIn,
) -> Result<MetricCheckIn> {
    if !c.value.is_finite() {
        return Err(Error::Invalid(format!("a metric check-in's value must be a number, not {}", c.value)));
    }
    let inserted = sqlx::query(
        "INSERT INTO metric_check_ins (metric, version, value, note, author, created_at_ms) \
         SELECT $1, $2, $3, $4, $5, $6 \
         WHERE EXISTS (SELECT 1 FROM plan_entities WHERE kind = 'metric' AND id = $1 AND measured = 0) \
         AND (SELECT COALESCE(MAX(version), 0) FROM metric_check_ins WHERE metric = $1) = $7",
    )
    .bind(metric)
    .bind(expected_version + 1)
    .bind(c.value)
    .bind(c.note.as_deref())
    .bind(&c.author)
    .bind(millis(c.at))
    .bind(expected_version)
    .execute(&store.pool)
    .await;
    match inserted {
        Ok(done) if done.rows_affected() == 1 => Ok(MetricCheckIn {
            metric: metric.to_string(),
            version: expected_version + 1,
            value: c.value,
            note: c.note,
            author: c.author,
            at: stored(c.at),
        }),
        Ok(_) => Err(metric_refused(store, metric, expected_version).await?),
        Err(e) if is_unique_violation(&e) => Err(metric_refused(store, metric, expected_version).await?),
        Err(e) => Err(e.into()),
    }
}

/// Why a metric check-in was refused: as for other live data, or because
/// the metric's value is computed from delivery events.
async fn metric_refused(store: &SqlStore, metric: &str, expected: i64) -> Result<Error> {
    if is_measured(store, metric).await? {
        return Ok(Error::Invalid(format!(
            "metric `{metric}` is measured from delivery events (`measure:` in the plan), so its value is computed \
             and takes no check-ins; remove `measure:` to report it by hand"
        )));
    }
    refused(store, Kind::Metric, metric, expected).await
}

async fn is_measured(store: &SqlStore, metric: &str) -> Result<bool> {
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM plan_entities WHERE kind = 'metric' AND id = $1 AND measured = 1")
            .bind(metric)
            .fetch_one(&store.pool)
            .await?;
    Ok(n > 0)
}

const METRIC_CHECK_IN_COLUMNS: &str = "metric, version, value, note, author, created_at_ms";

fn metric_check_in_of(row: &AnyRow) -> Result<MetricCheckIn> {
    Ok(MetricCheckIn {
        metric: row.try_get("metric")?,
        version: row.try_get("version")?,
        value: row.try_get("value")?,
        note: row.try_get("note")?,
        author: row.try_get("author")?,
        at: timestamp(row.try_get("created_at_ms")?)?,
    })
}

pub(super) async fn metric_check_ins(store: &SqlStore, metric: &str) -> Result<Vec<MetricCheckIn>> {
    let sql = format!("SELECT {METRIC_CHECK_IN_COLUMNS} FROM metric_check_ins WHERE metric = $1 ORDER BY version");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(metric).fetch_all(&store.pool).await?;
    if rows.is_empty() && !super::plan::has_entity(store, Kind::Metric, metric).await? {
        return Err(Error::not_found("metric", metric));
    }
    rows.iter().map(metric_check_in_of).collect()
}

pub(super) async fn latest_metric_check_ins(store: &SqlStore, per_metric: i64) -> Result<Vec<MetricCheckIn>> {
    let rows = sqlx::query(
        "SELECT c.metric, c.version, c.value, c.note, c.author, c.created_at_ms \
         FROM metric_check_ins c \
         JOIN (SELECT metric, MAX(version) AS version FROM metric_check_ins GROUP BY metric) m \
           ON c.metric = m.metric AND c.version > m.version - $1 \
         ORDER BY c.metric, c.version",
    )
    .bind(per_metric.max(1))
    .fetch_all(&store.pool)
    .await?;
    rows.iter().map(metric_check_in_of).collect()
}
