//! Persistence for Throughline: the applied plan with its revision history,
//! live data (check-ins, status updates), and the users, sessions and API
//! tokens the server needs, and delivery events (deployments, commits, pull
//! requests, incidents) with the cursors of their ingestion, and work items
//! from issue trackers, behind one
//! trait, `Store`.
//!
//! Two backends implement it: SQLite (the embedded default, a file in WAL
//! mode) and PostgreSQL. Both run the same portable SQL through sqlx's `Any`
//! driver; what differs (connection set-up, migrations, how a transaction
//! starts) lives in the `sqlite` and `postgres` modules. Migrations are
//! embedded and run when a store is opened. This crate knows no HTTP.

pub mod auth;
pub mod error;
pub mod events;
pub mod live;
pub mod plan;
mod postgres;
mod sql;
mod sqlite;
pub mod work_items;

pub use auth::{ApiToken, NewApiToken, NewUser, Role, Session, User, UserUpdate};
pub use error::Error;
pub use events::{CommitRecord, Counts, CursorUpdate, EventBatch, EventCounts, EventWriter, Events, TimeWindow};
pub use live::{
    CheckIn, CheckInStatus, Confidence, MetricCheckIn, NewCheckIn, NewMetricCheckIn, NewStatusUpdate, Status,
    StatusUpdate, SubjectKind,
};
pub use plan::{
    ApplyOptions, ApplyOutcome, DocumentChange, EntityKey, Kind, PlanFiles, Revision, RevisionDetail, StoredPlan,
};
pub use sql::{OpenOptions, SqlStore, embedded_migrations};
pub use work_items::{StatusTransition, StoredWorkItem, WorkItemFilter, WorkItemRecord};

use jiff::Timestamp;
use std::future::Future;
use std::pin::Pin;
use tl_engine::Model;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A boxed future, so that `Store` can be used as `dyn Store`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The database behind a store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Opens the store at `url` and runs its migrations: `postgres://...`,
/// `sqlite://PATH`, or a plain file path for SQLite (created if missing).
pub async fn open(url: &str) -> Result<SqlStore> {
    SqlStore::open(url, OpenOptions::default()).await
}

/// The plan's revision and the live data's version, read together: what a
/// cache of views derived from both is keyed by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Versions {
    /// The plan's revision (`Store::revision`).
    pub plan: i64,
    /// Moves on every write to live data (check-ins, status updates), in the
    /// same transaction, whichever server instance wrote; never goes back.
    pub live: i64,
}

/// Everything Throughline keeps in a database. One contract test suite runs
/// against every implementation.
///
/// Writes that must not lose a concurrent update take the version the caller
/// last saw and fail with `Error::Conflict` if it is stale.
pub trait Store: Send + Sync {
    fn backend(&self) -> Backend;

    // The plan.

    /// The plan's current revision: 0 before the first apply. Cheap: one
    /// row, so a server can check it on every request and cache per revision.
    fn revision(&self) -> BoxFuture<'_, Result<i64>>;

    /// The plan's revision and the live data's version in one round trip,
    /// from one snapshot.
    fn versions(&self) -> BoxFuture<'_, Result<Versions>>;

    /// Stores `model` as the new plan, in one transaction: the documents that
    /// were added, changed or removed, and a revision saying so. Applying a
    /// plan identical to the stored one writes nothing.
    fn apply<'a>(&'a self, model: &'a Model, options: ApplyOptions) -> BoxFuture<'a, Result<ApplyOutcome>>;

    /// The current plan, loaded, validated and linted.
    fn load_plan(&self) -> BoxFuture<'_, Result<StoredPlan>>;

    /// The current plan as YAML files, one per section.
    fn plan_files(&self) -> BoxFuture<'_, Result<PlanFiles>>;

    /// The newest `limit` revisions, newest first.
    fn revisions(&self, limit: i64) -> BoxFuture<'_, Result<Vec<Revision>>>;

    /// One revision with the YAML, before and after, of at most
    /// `max_documents` of the documents it changed or removed. Fails with
    /// `NotFound` if there is no such revision.
    fn revision_detail(&self, revision: i64, max_documents: usize) -> BoxFuture<'_, Result<RevisionDetail>>;

    /// Whether the current plan has this entity (nested ones included).
    fn has_entity<'a>(&'a self, kind: Kind, id: &'a str) -> BoxFuture<'a, Result<bool>>;

    // Live data.

    /// Appends a check-in to a key result of the current plan.
    /// `expected_version` is the version of the latest check-in the writer
    /// saw (0 for none); the new check-in gets the next one.
    fn record_check_in<'a>(
        &'a self,
        key_result: &'a str,
        expected_version: i64,
        check_in: NewCheckIn,
    ) -> BoxFuture<'a, Result<CheckIn>>;

    /// A key result's check-ins, oldest first.
    fn check_ins<'a>(&'a self, key_result: &'a str) -> BoxFuture<'a, Result<Vec<CheckIn>>>;

    /// The latest check-in of every key result that has one.
    fn latest_check_ins(&self) -> BoxFuture<'_, Result<Vec<CheckIn>>>;

    /// Appends a status update to a milestone or dependency of the current
    /// plan (which one: `update.status`); versioned like check-ins.
    fn record_status_update<'a>(
        &'a self,
        subject_id: &'a str,
        expected_version: i64,
        update: NewStatusUpdate,
    ) -> BoxFuture<'a, Result<StatusUpdate>>;

    /// A subject's status updates, oldest first.
    fn status_updates<'a>(&'a self, kind: SubjectKind, id: &'a str) -> BoxFuture<'a, Result<Vec<StatusUpdate>>>;

    /// The latest status update of every subject of this kind that has one.
    fn latest_status_updates(&self, kind: SubjectKind) -> BoxFuture<'_, Result<Vec<StatusUpdate>>>;

    /// Appends a check-in to a team metric of the current plan, versioned
    /// like key-result check-ins. Fails with `NotFound` for a metric not in
    /// the plan and `Invalid` for one bound to delivery events (`measure:`),
    /// whose value is computed.
    fn record_metric_check_in<'a>(
        &'a self,
        metric: &'a str,
        expected_version: i64,
        check_in: NewMetricCheckIn,
    ) -> BoxFuture<'a, Result<MetricCheckIn>>;

    /// A metric's check-ins, oldest first.
    fn metric_check_ins<'a>(&'a self, metric: &'a str) -> BoxFuture<'a, Result<Vec<MetricCheckIn>>>;

    /// The latest `per_metric` check-ins (at least one) of every metric that
    /// has one, by metric then oldest first: `1` gives each metric's latest,
    /// more gives the recent history a sparkline shows.
    fn latest_metric_check_ins(&self, per_metric: i64) -> BoxFuture<'_, Result<Vec<MetricCheckIn>>>;

    // Users, sessions, tokens.

    /// Fails with `AlreadyExists` if the username is taken.
    fn create_user(&self, user: NewUser) -> BoxFuture<'_, Result<User>>;
    fn user(&self, id: i64) -> BoxFuture<'_, Result<User>>;
    fn user_by_name<'a>(&'a self, username: &'a str) -> BoxFuture<'a, Result<Option<User>>>;
    /// Every user, by id.
    fn users(&self) -> BoxFuture<'_, Result<Vec<User>>>;
    /// Fails with `Conflict` if the user changed since `expected_version`.
    fn update_user(&self, id: i64, expected_version: i64, update: UserUpdate) -> BoxFuture<'_, Result<User>>;
    /// Deletes a user and their sessions.
    fn delete_user(&self, id: i64) -> BoxFuture<'_, Result<()>>;

    /// Creates or replaces a session.
    fn save_session(&self, session: Session) -> BoxFuture<'_, Result<()>>;
    /// The session, if it exists and has not expired at `now`.
    fn load_session<'a>(&'a self, id: &'a str, now: Timestamp) -> BoxFuture<'a, Result<Option<Session>>>;
    /// The live session `id` and its user, in one round trip; `None` if the
    /// session is unknown, expired or has no user.
    fn session_user<'a>(&'a self, id: &'a str, now: Timestamp) -> BoxFuture<'a, Result<Option<(Session, User)>>>;
    fn delete_session<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<()>>;
    /// Deletes the sessions expired at `now`; returns how many.
    fn delete_expired_sessions(&self, now: Timestamp) -> BoxFuture<'_, Result<u64>>;

    /// Fails with `AlreadyExists` if the hash is taken.
    fn create_api_token(&self, token: NewApiToken) -> BoxFuture<'_, Result<ApiToken>>;
    /// The token with this hash, marked as used at `now`.
    fn use_api_token<'a>(&'a self, token_hash: &'a str, now: Timestamp) -> BoxFuture<'a, Result<Option<ApiToken>>>;
    /// Every token, by id.
    fn api_tokens(&self) -> BoxFuture<'_, Result<Vec<ApiToken>>>;
    fn delete_api_token(&self, id: i64) -> BoxFuture<'_, Result<()>>;

    // Delivery events.

    /// Records deployments, commits, pull requests and incidents, and the
    /// batch's ingestion cursor, in one transaction: all of it or, on any
    /// error, nothing. Events are keyed naturally; an event stored with the
    /// same content is counted unchanged and not written again, one with
    /// other content replaces it. Fails with `Invalid` if an event breaks a
    /// rule (an empty key, a finish before its start, an incident resolved
    /// before it was created, two different events with one key).
    fn record_events<'a>(&'a self, batch: &'a EventBatch) -> BoxFuture<'a, Result<EventCounts>>;

    /// Starts recording one batch in parts (see [`EventWriter`]). It holds
    /// the write transaction until it is finished or dropped.
    fn event_writer(&self) -> BoxFuture<'_, Result<Box<dyn EventWriter>>>;

    /// The events whose moment is in `window` (see `TimeWindow`), read from
    /// one snapshot.
    fn events(&self, window: TimeWindow) -> BoxFuture<'_, Result<Events>>;

    /// The state an ingester last stored for `source`, if any.
    fn ingest_cursor<'a>(&'a self, source: &'a str) -> BoxFuture<'a, Result<Option<String>>>;

    // Work items (recorded by `record_events`).

    /// The work items `filter` selects, each with its status transitions,
    /// ordered by creation, source and key, read from one snapshot.
    fn work_items(&self, filter: WorkItemFilter) -> BoxFuture<'_, Result<Vec<StoredWorkItem>>>;
}
