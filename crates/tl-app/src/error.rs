//! The use cases' error type.

use std::path::PathBuf;

/// Why a use case did not complete.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Some of the workspace could not be read or decoded (a YAML syntax
    /// error, an unknown field, a bad value), so there is no complete model
    /// to apply. Forcing does not help; the diagnostics say what to fix.
    #[error("the workspace could not be read in full; nothing was applied")]
    Unreadable { errors: usize },

    /// The plan has validation or lint errors and the apply was not forced.
    #[error("the plan has errors ({errors}); nothing was applied (fix them, or force the apply)")]
    PlanErrors { errors: usize },

    /// The database holds no plan yet, so there is nothing to export.
    #[error("the database holds no plan yet; apply a workspace first")]
    NothingApplied,

    /// The export folder holds YAML files that the export would not
    /// overwrite; mixing them with the export would make a different plan.
    #[error("`{}` holds other YAML files (such as `{}`); export into an empty folder", .dir.display(), .example.display())]
    ExportTarget { dir: PathBuf, example: PathBuf },

    /// Reading or writing a file failed.
    #[error("cannot write `{}`: {source}", .path.display())]
    Io { path: PathBuf, source: std::io::Error },

    /// The stored ingestion cursor does not read back: a database edited by
    /// hand, or written by a newer version.
    #[error("the stored ingestion cursor is unreadable: {0}")]
    Cursor(String),

    /// The store failed.
    #[error(transparent)]
    Store(#[from] tl_store::Error),
}
