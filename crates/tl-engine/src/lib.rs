//! Throughline's domain: the strategy model, whole-model validation, the lint
//! rules, capacity and scoring.
//!
//! This crate is pure. It does no IO, reads no clock and owns no global random
//! number generator: everything it needs (the model, a seed) is passed in, so
//! every result can be replayed exactly.

pub mod calendar;
pub mod capacity;
pub mod delivery;
pub mod diag;
pub mod forecast;
pub mod generate;
pub mod model;
pub mod planning;
pub mod policy;
pub mod portfolio;
pub mod portfolio_plan;
pub mod rules;
pub mod schedule;
pub mod scoring;
pub mod validate;
pub mod workplan;

pub use diag::{Diagnostic, FileId, Loc, Severity};
pub use model::Model;

/// Validates references and runs every lint rule. Lint rules only run when
/// the model's references are sound, so that they never report consequences
/// of a broken reference as separate problems.
pub fn check(model: &Model) -> Vec<Diagnostic> {
    let index = validate::Index::new(model);
    let mut diags = validate::validate(model, &index);
    if !diags.iter().any(|d| d.severity == Severity::Error) {
        diags.extend(rules::lint(model, &index));
    }
    diags
}
