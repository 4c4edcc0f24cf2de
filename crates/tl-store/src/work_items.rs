//! Work items from issue trackers (Jira issues, GitHub issues) in the store:
//! recorded with the delivery events, in the same batch and transaction, and
//! read back by time window, team and initiative.
//!
//! An item is identified by its source (`jira`, `github`, ...) and its key
//! (`PAY-12`, `acme/shop#12`), and carries a content hash, so recording the
//! same item twice changes nothing. The store keeps each item's status
//! transitions as it observes them: the status an item was first recorded
//! with, then every recording that changed it. Exports do not carry the
//! history of an item, so a transition is dated by what the tracker reported
//! with the new status: its `updated` time, else its resolution, else its
//! creation.

use crate::events::TimeWindow;
use jiff::Timestamp;

/// A work item as recorded.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkItemRecord {
    /// The tracker it comes from: `jira`, `github`, ...
    pub source: String,
    /// The natural key within the source.
    pub key: String,
    /// `Story`, `Bug`, `Epic`, `issue`, ... as the tracker writes it.
    pub kind: String,
    pub title: String,
    /// The status as the tracker writes it (`In Progress`, `closed`).
    pub status: String,
    pub created: Timestamp,
    pub resolved: Option<Timestamp>,
    /// When the tracker last changed the item, if it says.
    pub updated: Option<Timestamp>,
    /// The key of the item's epic.
    pub epic: Option<String>,
    /// What the mapping rules gave it: ids in the plan.
    pub team: Option<String>,
    pub initiative: Option<String>,
    pub milestone: Option<String>,
}

impl WorkItemRecord {
    /// The time a status change seen with this content is dated at.
    pub fn status_time(&self) -> Timestamp {
        self.updated.or(self.resolved).unwrap_or(self.created)
    }
}

/// One observed status change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusTransition {
    /// `None` for the status the item was first recorded with.
    pub from: Option<String>,
    pub to: String,
    pub at: Timestamp,
}

/// A stored work item with its transitions, oldest first.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredWorkItem {
    pub item: WorkItemRecord,
    pub transitions: Vec<StatusTransition>,
}

/// Which work items to read. An item is in a window when it was open at some
/// moment of it: created before the window ends, and not resolved before it
/// starts. `team`, `initiative` and `milestone`, when given, must match
/// exactly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkItemFilter {
    pub window: TimeWindow,
    pub team: Option<String>,
    pub initiative: Option<String>,
    pub milestone: Option<String>,
}

impl Default for WorkItemFilter {
    fn default() -> Self {
        WorkItemFilter { window: TimeWindow::all(), team: None, initiative: None, milestone: None }
    }
}
