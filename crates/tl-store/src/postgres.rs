//! PostgreSQL specifics: which URLs mean PostgreSQL, how transactions start,
//! and the embedded migrations.

use sqlx::migrate::Migration;

pub(crate) fn is_url(input: &str) -> bool {
    input.starts_with("postgres://") || input.starts_with("postgresql://")
}

/// Row locks and unique indexes serialise writers; the conditional updates
/// on version columns detect the losers.
pub(crate) const BEGIN_WRITE: &str = "BEGIN";

/// One snapshot for the whole read, so that a plan's documents and its
/// revision number agree.
pub(crate) const BEGIN_READ: &str = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";

pub(crate) fn migrations() -> Vec<Migration> {
    vec![
        crate::sql::migration(1, "init", include_str!("../migrations/postgres/0001_init.sql")),
        crate::sql::migration(2, "delivery_events", include_str!("../migrations/postgres/0002_delivery_events.sql")),
        crate::sql::migration(3, "live_version", include_str!("../migrations/postgres/0003_live_version.sql")),
        crate::sql::migration(4, "work_items", include_str!("../migrations/postgres/0004_work_items.sql")),
        crate::sql::migration(5, "plan_history", include_str!("../migrations/postgres/0005_plan_history.sql")),
        crate::sql::migration(6, "metric_check_ins", include_str!("../migrations/postgres/0006_metric_check_ins.sql")),
        crate::sql::migration(
            7,
            "deployment_commit_lists",
            include_str!("../migrations/postgres/0007_deployment_commit_lists.sql"),
        ),
    ]
}
