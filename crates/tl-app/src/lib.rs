//! Throughline's use cases, shared by the command line and the server: load a
//! workspace and apply it to the store (refusing a plan with errors unless
//! forced), export the stored plan as YAML files, compute key-result
//! progress and objective roll-ups from the latest check-ins, ingest a git
//! history as delivery events, and import issue-tracker and incident-tool
//! exports.
//!
//! Front-ends parse input, call these functions and render the result; the
//! rules of each use case live here, once.

pub mod apply;
pub mod config;
pub mod delivery;
pub mod error;
pub mod export;
pub mod history;
pub mod import;
pub mod ingest;
pub mod progress;

pub use apply::{ApplyRequest, apply_workspace};
pub use config::{DEFAULT_DATABASE_URL, open_store};
pub use error::AppError;
pub use export::{Exported, export};
