//! SQLite specifics: which URLs mean SQLite, WAL mode, per-connection
//! settings, how transactions start, and the embedded migrations.

use crate::sql::migration;
use sqlx::migrate::Migration;

/// Turns what the user wrote into a sqlx SQLite URL, or `None` if it is not
/// SQLite. A plain path (no `scheme://`) is a SQLite file. Files are created
/// if missing unless the URL sets its own `mode`.
pub(crate) fn url(input: &str) -> Option<String> {
    if input == "sqlite::memory:" || input == "sqlite://:memory:" {
        return Some("sqlite::memory:".to_string());
    }
    let path_and_query = match input.strip_prefix("sqlite://").or_else(|| input.strip_prefix("sqlite:")) {
        Some(rest) => rest.to_string(),
        None if !input.contains("://") => encode_path(input),
        None => return None,
    };
    let has_mode = path_and_query.split_once('?').is_some_and(|(_, q)| q.split('&').any(|p| p.starts_with("mode=")));
    let sep = if path_and_query.contains('?') { '&' } else { '?' };
    Some(if has_mode {
        format!("sqlite://{path_and_query}")
    } else {
        format!("sqlite://{path_and_query}{sep}mode=rwc")
    })
}

/// sqlx percent-decodes the path part of a SQLite URL.
fn encode_path(path: &str) -> String {
    path.replace('%', "%25").replace('?', "%3F").replace('#', "%23")
}

pub(crate) fn is_memory(url: &str) -> bool {
    url == "sqlite::memory:"
}

/// Run once per database: WAL lets readers work while one writer writes, and
/// it is a property of the file, so it outlives the connection.
pub(crate) const ON_OPEN: &str = "PRAGMA journal_mode = WAL";

/// Run on every new connection. `synchronous = NORMAL` is durable in WAL mode
/// except for the last transactions before a power cut; a writer waits up to
/// 10 s for another to finish. Bulk writes (ingesting a large repository in
/// one transaction) need the rest: statement journals of multi-row upserts
/// in memory rather than in temporary files, and a page cache of up to
/// 64 MiB (allocated as used) so that a large transaction does not spill
/// dirty pages to the WAL before it commits.
pub(crate) const ON_CONNECT: &str =
    "PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 10000; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -65536";

/// Takes the write lock at once, so that a transaction that reads before it
/// writes cannot fail on upgrading its lock.
pub(crate) const BEGIN_WRITE: &str = "BEGIN IMMEDIATE";

/// A deferred transaction sees one snapshot from its first read on.
pub(crate) const BEGIN_READ: &str = "BEGIN";

pub(crate) fn migrations() -> Vec<Migration> {
    vec![
        migration(1, "init", include_str!("../migrations/sqlite/0001_init.sql")),
        migration(2, "delivery_events", include_str!("../migrations/sqlite/0002_delivery_events.sql")),
        migration(3, "live_version", include_str!("../migrations/sqlite/0003_live_version.sql")),
        migration(4, "work_items", include_str!("../migrations/sqlite/0004_work_items.sql")),
        migration(5, "plan_history", include_str!("../migrations/sqlite/0005_plan_history.sql")),
        migration(6, "metric_check_ins", include_str!("../migrations/sqlite/0006_metric_check_ins.sql")),
        migration(7, "deployment_commit_lists", include_str!("../migrations/sqlite/0007_deployment_commit_lists.sql")),
    ]
}
