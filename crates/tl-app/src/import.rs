//! Importing the exports people have (Jira issue CSV, GitHub issues and pull
//! requests as JSON, PagerDuty and Opsgenie incident CSVs) into the store.
//!
//! Reading is the workspace's pure importers; this module picks the
//! importer, checks the mapping rules against the stored plan, turns what
//! was read into one `EventBatch` (work items, pull requests, incidents) and
//! records it in one transaction. A malformed file gives an `ImportError`
//! before anything is written; importing the same file again finds every
//! event and work item unchanged.

use crate::error::AppError;
use tl_engine::Diagnostic;
use tl_store::{EventBatch, EventCounts, Store, WorkItemRecord};
use tl_workspace::import::{
    ImportError, ImportOptions, Imported, Mappings, github_json, jira_csv, opsgenie_csv, pagerduty_csv,
};

/// The export formats `import` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportFormat {
    /// Jira's issue CSV: work items.
    Jira,
    /// GitHub pull requests (events) and issues (work items) as JSON.
    Github,
    /// PagerDuty's incident CSV.
    Pagerduty,
    /// Opsgenie's alert CSV.
    Opsgenie,
}

impl ImportFormat {
    /// The name of the source work items are recorded under.
    pub fn source(self) -> &'static str {
        match self {
            ImportFormat::Jira => "jira",
            ImportFormat::Github => "github",
            ImportFormat::Pagerduty => "pagerduty",
            ImportFormat::Opsgenie => "opsgenie",
        }
    }

    /// Reads `text` with this format's importer. Pure.
    pub fn read(self, text: &str, options: &ImportOptions) -> Result<Imported, ImportError> {
        match self {
            ImportFormat::Jira => jira_csv(text, options),
            ImportFormat::Github => github_json(text, options),
            ImportFormat::Pagerduty => pagerduty_csv(text, options),
            ImportFormat::Opsgenie => opsgenie_csv(text, options),
        }
    }
}

/// The events and work items of an import as one batch. Work items carry
/// their source's name, their summary as title, and what the mapping rules
/// gave them; events carry no mapping in the store (their team comes from
/// their service).
pub fn batch(format: ImportFormat, imported: &Imported) -> EventBatch {
    let work_items = imported
        .work_items
        .iter()
        .map(|item| {
            let w = &item.event;
            WorkItemRecord {
                source: format.source().to_string(),
                key: w.key.clone(),
                kind: w.kind.clone(),
                title: w.summary.clone(),
                status: w.status.clone(),
                created: w.created,
                resolved: w.resolved,
                updated: w.updated,
                epic: w.epic.clone(),
                team: item.team.as_ref().map(|t| t.0.clone()),
                initiative: item.initiative.as_ref().map(|i| i.0.clone()),
                milestone: item.milestone.as_ref().map(|m| m.0.clone()),
            }
        })
        .collect();
    EventBatch {
        pull_requests: imported.pull_requests.iter().map(|i| i.event.clone()).collect(),
        incidents: imported.incidents.iter().map(|i| i.event.clone()).collect(),
        work_items,
        ..EventBatch::default()
    }
}

/// Checks that the teams, initiatives and milestones the rules name exist
/// in the stored plan. With no plan applied yet there is nothing to check
/// against, and no diagnostics.
pub async fn check_mappings(store: &dyn Store, mappings: &Mappings) -> Result<Vec<Diagnostic>, AppError> {
    if mappings.rules.is_empty() || store.revision().await? == 0 {
        return Ok(Vec::new());
    }
    let plan = store.load_plan().await?;
    Ok(mappings.check(&plan.workspace.model))
}

/// Records what was imported in one transaction.
pub async fn record_import(
    store: &dyn Store,
    format: ImportFormat,
    imported: &Imported,
) -> Result<EventCounts, AppError> {
    Ok(store.record_events(&batch(format, imported)).await?)
}
