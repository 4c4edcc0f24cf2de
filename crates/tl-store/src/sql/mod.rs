//! `SqlStore`: the `Store` for both backends. Queries are portable SQL run
//! through sqlx's `Any` driver, with `$n` placeholders (which SQLite accepts
//! too), BIGINT epoch-millisecond times, and JSON lists as text.

mod auth;
mod events;
mod live;
mod plan;
mod work_items;

use crate::auth::{ApiToken, NewApiToken, NewUser, Session, User, UserUpdate};
use crate::events::{EventBatch, EventCounts, Events, TimeWindow};
use crate::live::{CheckIn, MetricCheckIn, NewCheckIn, NewMetricCheckIn, NewStatusUpdate, StatusUpdate, SubjectKind};
use crate::plan::{ApplyOptions, ApplyOutcome, Kind, PlanFiles, Revision, RevisionDetail, StoredPlan};
use crate::work_items::{StoredWorkItem, WorkItemFilter};
use crate::{Backend, BoxFuture, Error, Result, Store, Versions, postgres, sqlite};
use jiff::Timestamp;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{Any, AnyPool, Executor, SqlStr, Transaction};
use std::borrow::Cow;
use tl_engine::Model;

/// How to open a store.
#[derive(Clone, Debug, Default)]
pub struct OpenOptions {
    /// The pool's size; by default 8 for a SQLite file, 1 for SQLite in
    /// memory (each connection would get its own database), 10 for PostgreSQL.
    pub max_connections: Option<u32>,
}

/// The store on SQLite or PostgreSQL. Cloning is cheap and shares the pool.
#[derive(Clone, Debug)]
pub struct SqlStore {
    pool: AnyPool,
    backend: Backend,
}

impl SqlStore {
    /// Connects, sets the backend up (WAL for SQLite) and runs the migrations.
    pub async fn open(url: &str, options: OpenOptions) -> Result<SqlStore> {
        install_default_drivers();
        let (backend, url) = if postgres::is_url(url) {
            (Backend::Postgres, url.to_string())
        } else if let Some(url) = sqlite::url(url) {
            (Backend::Sqlite, url)
        } else {
            let scheme = url.split_once("://").map_or("", |(s, _)| s);
            return Err(Error::UnsupportedUrl(scheme.to_string()));
        };
        let memory = sqlite::is_memory(&url);
        let max = options.max_connections.unwrap_or(match backend {
            Backend::Sqlite if memory => 1,
            Backend::Sqlite => 8,
            Backend::Postgres => 10,
        });
        let mut pool_options = AnyPoolOptions::new().max_connections(max);
        if backend == Backend::Sqlite {
            pool_options = pool_options.after_connect(|conn, _meta| {
                Box::pin(async move {
                    conn.execute(sqlite::ON_CONNECT).await?;
                    Ok(())
                })
            });
            if memory {
                pool_options = pool_options.min_connections(1).idle_timeout(None).max_lifetime(None);
            }
        }
        let pool = pool_options.connect(&url).await?;
        if backend == Backend::Sqlite && !memory {
            pool.execute(sqlite::ON_OPEN).await?;
        }
        let migrations = match backend {
            Backend::Sqlite => sqlite::migrations(),
            Backend::Postgres => postgres::migrations(),
        };
        Migrator::with_migrations(migrations).run(&pool).await?;
        Ok(SqlStore { pool, backend })
    }

    /// The connection pool, for what the trait does not cover (tests, tools).
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Waits for the pool's connections to close.
    pub async fn close(&self) {
        self.pool.close().await
    }

    /// A transaction that will write.
    pub(crate) async fn begin_write(&self) -> Result<Transaction<'static, Any>> {
        let statement = match self.backend {
            Backend::Sqlite => sqlite::BEGIN_WRITE,
            Backend::Postgres => postgres::BEGIN_WRITE,
        };
        Ok(self.pool.begin_with(statement).await?)
    }

    /// A transaction that only reads, from one snapshot.
    pub(crate) async fn begin_read(&self) -> Result<Transaction<'static, Any>> {
        let statement = match self.backend {
            Backend::Sqlite => sqlite::BEGIN_READ,
            Backend::Postgres => postgres::BEGIN_READ,
        };
        Ok(self.pool.begin_with(statement).await?)
    }
}

pub(crate) fn migration(version: i64, description: &'static str, sql: &'static str) -> Migration {
    Migration::new(version, Cow::Borrowed(description), MigrationType::Simple, SqlStr::from_static(sql), false)
}

/// The embedded migrations of a backend, as (version, description, SQL), for
/// the test that compares them with the migration folders.
pub fn embedded_migrations(backend: Backend) -> Vec<(i64, String, String)> {
    let migrations = match backend {
        Backend::Sqlite => sqlite::migrations(),
        Backend::Postgres => postgres::migrations(),
    };
    migrations.into_iter().map(|m| (m.version, m.description.to_string(), m.sql.as_str().to_string())).collect()
}

pub(crate) fn millis(t: Timestamp) -> i64 {
    t.as_millisecond()
}

/// A time as the store keeps it: whole milliseconds.
pub(crate) fn stored(t: Timestamp) -> Timestamp {
    Timestamp::from_millisecond(t.as_millisecond()).unwrap_or(t)
}

pub(crate) fn timestamp(ms: i64) -> Result<Timestamp> {
    Timestamp::from_millisecond(ms).map_err(|e| Error::Corrupt(format!("time {ms} ms: {e}")))
}

/// `($1, $2, $3), ($4, $5, $6), ...`: placeholders for a multi-row insert.
pub(crate) fn placeholders(rows: usize, cols: usize, first: usize) -> String {
    let mut out = String::with_capacity(rows * cols * 5);
    let mut n = first;
    for r in 0..rows {
        out.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..cols {
            if c > 0 {
                out.push_str(", ");
            }
            out.push('$');
            out.push_str(&n.to_string());
            n += 1;
        }
        out.push(')');
    }
    out
}

impl Store for SqlStore {
    fn backend(&self) -> Backend {
        self.backend
    }

    fn revision(&self) -> BoxFuture<'_, Result<i64>> {
        Box::pin(plan::revision(self))
    }

    fn versions(&self) -> BoxFuture<'_, Result<Versions>> {
        Box::pin(live::versions(self))
    }

    fn apply<'a>(&'a self, model: &'a Model, options: ApplyOptions) -> BoxFuture<'a, Result<ApplyOutcome>> {
        Box::pin(plan::apply(self, model, options))
    }

    fn load_plan(&self) -> BoxFuture<'_, Result<StoredPlan>> {
        Box::pin(async move { crate::plan::load(plan::plan_files(self).await?) })
    }

    fn plan_files(&self) -> BoxFuture<'_, Result<PlanFiles>> {
        Box::pin(plan::plan_files(self))
    }

    fn revisions(&self, limit: i64) -> BoxFuture<'_, Result<Vec<Revision>>> {
        Box::pin(plan::revisions(self, limit))
    }

    fn revision_detail(&self, revision: i64, max_documents: usize) -> BoxFuture<'_, Result<RevisionDetail>> {
        Box::pin(plan::revision_detail(self, revision, max_documents))
    }

    fn has_entity<'a>(&'a self, kind: Kind, id: &'a str) -> BoxFuture<'a, Result<bool>> {
        Box::pin(plan::has_entity(self, kind, id))
    }

    fn record_check_in<'a>(
        &'a self,
        key_result: &'a str,
        expected_version: i64,
        check_in: NewCheckIn,
    ) -> BoxFuture<'a, Result<CheckIn>> {
        Box::pin(live::record_check_in(self, key_result, expected_version, check_in))
    }

    fn check_ins<'a>(&'a self, key_result: &'a str) -> BoxFuture<'a, Result<Vec<CheckIn>>> {
        Box::pin(live::check_ins(self, key_result))
    }

    fn latest_check_ins(&self) -> BoxFuture<'_, Result<Vec<CheckIn>>> {
        Box::pin(live::latest_check_ins(self))
    }

    fn record_status_update<'a>(
        &'a self,
        subject_id: &'a str,
        expected_version: i64,
        update: NewStatusUpdate,
    ) -> BoxFuture<'a, Result<StatusUpdate>> {
        Box::pin(live::record_status_update(self, subject_id, expected_version, update))
    }

    fn status_updates<'a>(&'a self, kind: SubjectKind, id: &'a str) -> BoxFuture<'a, Result<Vec<StatusUpdate>>> {
        Box::pin(live::status_updates(self, kind, id))
    }

    fn latest_status_updates(&self, kind: SubjectKind) -> BoxFuture<'_, Result<Vec<StatusUpdate>>> {
        Box::pin(live::latest_status_updates(self, kind))
    }

    fn record_metric_check_in<'a>(
        &'a self,
        metric: &'a str,
        expected_version: i64,
        check_in: NewMetricCheckIn,
    ) -> BoxFuture<'a, Result<MetricCheckIn>> {
        Box::pin(live::record_metric_check_in(self, metric, expected_version, check_in))
    }

    fn metric_check_ins<'a>(&'a self, metric: &'a str) -> BoxFuture<'a, Result<Vec<MetricCheckIn>>> {
        Box::pin(live::metric_check_ins(self, metric))
    }

    fn latest_metric_check_ins(&self, per_metric: i64) -> BoxFuture<'_, Result<Vec<MetricCheckIn>>> {
        Box::pin(live::latest_metric_check_ins(self, per_metric))
    }

    fn create_user(&self, user: NewUser) -> BoxFuture<'_, Result<User>> {
        Box::pin(auth::create_user(self, user))
    }

    fn user(&self, id: i64) -> BoxFuture<'_, Result<User>> {
        Box::pin(auth::user(self, id))
    }

    fn user_by_name<'a>(&'a self, username: &'a str) -> BoxFuture<'a, Result<Option<User>>> {
        Box::pin(auth::user_by_name(self, username))
    }

    fn users(&self) -> BoxFuture<'_, Result<Vec<User>>> {
        Box::pin(auth::users(self))
    }

    fn update_user(&self, id: i64, expected_version: i64, update: UserUpdate) -> BoxFuture<'_, Result<User>> {
        Box::pin(auth::update_user(self, id, expected_version, update))
    }

    fn delete_user(&self, id: i64) -> BoxFuture<'_, Result<()>> {
        Box::pin(auth::delete_user(self, id))
    }

    fn save_session(&self, session: Session) -> BoxFuture<'_, Result<()>> {
        Box::pin(auth::save_session(self, session))
    }

    fn load_session<'a>(&'a self, id: &'a str, now: Timestamp) -> BoxFuture<'a, Result<Option<Session>>> {
        Box::pin(auth::load_session(self, id, now))
    }

    fn session_user<'a>(&'a self, id: &'a str, now: Timestamp) -> BoxFuture<'a, Result<Option<(Session, User)>>> {
        Box::pin(auth::session_user(self, id, now))
    }

    fn delete_session<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(auth::delete_session(self, id))
    }

    fn delete_expired_sessions(&self, now: Timestamp) -> BoxFuture<'_, Result<u64>> {
        Box::pin(auth::delete_expired_sessions(self, now))
    }

    fn create_api_token(&self, token: NewApiToken) -> BoxFuture<'_, Result<ApiToken>> {
        Box::pin(auth::create_api_token(self, token))
    }

    fn use_api_token<'a>(&'a self, token_hash: &'a str, now: Timestamp) -> BoxFuture<'a, Result<Option<ApiToken>>> {
        Box::pin(auth::use_api_token(self, token_hash, now))
    }

    fn api_tokens(&self) -> BoxFuture<'_, Result<Vec<ApiToken>>> {
        Box::pin(auth::api_tokens(self))
    }

    fn delete_api_token(&self, id: i64) -> BoxFuture<'_, Result<()>> {
        Box::pin(auth::delete_api_token(self, id))
    }

    fn record_events<'a>(&'a self, batch: &'a EventBatch) -> BoxFuture<'a, Result<EventCounts>> {
        Box::pin(events::record_events(self, batch))
    }

    fn event_writer(&self) -> BoxFuture<'_, Result<Box<dyn crate::EventWriter>>> {
        Box::pin(async move { Ok(Box::new(events::SqlEventWriter::begin(self).await?) as Box<dyn crate::EventWriter>) })
    }

    fn events(&self, window: TimeWindow) -> BoxFuture<'_, Result<Events>> {
        Box::pin(events::events(self, window))
    }

    fn ingest_cursor<'a>(&'a self, source: &'a str) -> BoxFuture<'a, Result<Option<String>>> {
        Box::pin(events::ingest_cursor(self, source))
    }

    fn work_items(&self, filter: WorkItemFilter) -> BoxFuture<'_, Result<Vec<StoredWorkItem>>> {
        Box::pin(work_items::work_items(self, filter))
    }
}
