//! Applying a workspace to the store.

use crate::error::AppError;
use jiff::Timestamp;
use tl_engine::Severity;
use tl_store::{ApplyOptions, ApplyOutcome, Store};
use tl_workspace::Workspace;

/// Diagnostics that mean part of the input never made it into the model.
/// A forced apply would silently drop that part, so they always refuse.
const LOSSY: &[&str] =
    &["io-error", "yaml-syntax", "unknown-field", "missing-field", "invalid-value", "duplicate-section"];

/// Who applies, and how.
#[derive(Clone, Debug)]
pub struct ApplyRequest {
    pub author: String,
    pub at: Timestamp,
    /// Apply even if the plan has validation or lint errors (recorded in the
    /// revision). Never overrides input that could not be read.
    pub force: bool,
    /// Apply only if the stored plan is still at this revision.
    pub expected_revision: Option<i64>,
}

/// Whether a loaded workspace may be applied: `Unreadable` if some input
/// was lost while loading, `PlanErrors` if it has errors and is not forced.
pub fn admissible(ws: &Workspace, force: bool) -> Result<(), AppError> {
    let errors = ws.count(Severity::Error);
    if ws.unreadable() || ws.diagnostics.iter().any(|d| d.severity == Severity::Error && LOSSY.contains(&d.rule)) {
        return Err(AppError::Unreadable { errors });
    }
    if errors > 0 && !force {
        return Err(AppError::PlanErrors { errors });
    }
    Ok(())
}

/// Applies a loaded workspace to the store, in one transaction.
pub async fn apply_workspace(
    store: &dyn Store,
    ws: &Workspace,
    request: ApplyRequest,
) -> Result<ApplyOutcome, AppError> {
    admissible(ws, request.force)?;
    let options = ApplyOptions {
        author: request.author,
        at: request.at,
        expected_revision: request.expected_revision,
        forced: ws.has_errors(),
    };
    Ok(store.apply(&ws.model, options).await?)
}
