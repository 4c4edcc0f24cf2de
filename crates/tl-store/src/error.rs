//! The store's one error type. Every failure a caller can act on has its own
//! variant; database failures keep sqlx's error as the source.

/// What went wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The thing asked for does not exist: a key result, milestone or
    /// dependency that is not in the current plan, a user, a token, a revision.
    #[error("{kind} `{id}` not found")]
    NotFound { kind: &'static str, id: String },

    /// A write carried a stale version: someone else wrote first, so this
    /// write was refused rather than silently overwriting theirs. Re-read the
    /// current state (`current` is its version) and retry.
    #[error("conflict: {what} is at version {current}, but the write expected version {expected}")]
    Conflict { what: String, expected: i64, current: i64 },

    /// A value that must be unique (a username, a token hash) is taken.
    #[error("{kind} `{id}` already exists")]
    AlreadyExists { kind: &'static str, id: String },

    /// The input breaks a rule of the store: two entities of one kind share
    /// an id, a confidence outside 0-1, a value that is not a finite number.
    #[error("invalid input: {0}")]
    Invalid(String),

    /// The database URL names no backend the store knows. Only the URL's
    /// scheme is kept, so that a password never reaches a log.
    #[error("unsupported database URL scheme `{0}`: use a file path, sqlite://PATH or postgres://...")]
    UnsupportedUrl(String),

    /// Stored data does not read back (the plan does not load, a keyword or
    /// time is out of range): a bug, or a database edited by hand.
    #[error("the stored data is corrupt: {0}")]
    Corrupt(String),

    /// Running the embedded migrations failed, for example because the
    /// database was migrated by a newer version of Throughline.
    #[error("migrating the database failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),

    /// The database reported an error or could not be reached.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

impl Error {
    pub(crate) fn not_found(kind: &'static str, id: impl Into<String>) -> Error {
        Error::NotFound { kind, id: id.into() }
    }
}

/// Whether a database error is a unique-constraint violation, the signal of
/// a lost race between two writers.
pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.is_unique_violation())
}
