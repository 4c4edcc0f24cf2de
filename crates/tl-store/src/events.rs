//! Delivery events in the store: deployments (with the commits they
//! shipped), commits, pull requests and incidents, recorded in batches and
//! read back by time window, plus the cursors of incremental ingestion.
//!
//! Every event is identified by its natural key (a deployment, pull request
//! or incident by its id, a commit by service and sha), so recording the same
//! event twice changes nothing; recording it with new content (a pull request
//! that has since been merged, a commit that has since been deployed)
//! replaces the stored one. The event types are the engine's, so that what
//! is read back feeds the metrics directly; only commits carry more here
//! (committer time and parents), which the engine does not need.

use crate::work_items::WorkItemRecord;
use crate::{BoxFuture, Result};
use jiff::Timestamp;
use tl_engine::delivery::{Commit, Deployment, Incident, PullRequest};

/// A commit as ingested from a repository: the engine's commit plus what
/// the history says about it.
#[derive(Clone, Debug, PartialEq)]
pub struct CommitRecord {
    pub commit: Commit,
    pub committed: Option<Timestamp>,
    /// Parent shas, first parent first; empty for a root commit.
    pub parents: Vec<String>,
}

/// Where an incremental ingestion stopped, written in the same transaction
/// as the events it covers, so that a crash can never leave a cursor ahead
/// of the data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CursorUpdate {
    /// Which source this is, for example a repository and deployment rule.
    pub source: String,
    /// The ingester's own state; the store keeps it as text.
    pub state: String,
    pub at: Timestamp,
}

/// Events to record in one transaction.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EventBatch {
    pub deployments: Vec<Deployment>,
    pub commits: Vec<CommitRecord>,
    pub pull_requests: Vec<PullRequest>,
    pub incidents: Vec<Incident>,
    /// Work items from issue trackers, recorded in the same transaction.
    pub work_items: Vec<WorkItemRecord>,
    pub cursor: Option<CursorUpdate>,
}

impl EventBatch {
    pub fn is_empty(&self) -> bool {
        self.deployments.is_empty()
            && self.commits.is_empty()
            && self.pull_requests.is_empty()
            && self.incidents.is_empty()
            && self.work_items.is_empty()
            && self.cursor.is_none()
    }
}

/// What recording did with the events of one kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Events the store did not have.
    pub inserted: u64,
    /// Events the store had with other content, now replaced.
    pub updated: u64,
    /// Events the store already had exactly (repeats within the batch
    /// included).
    pub unchanged: u64,
}

impl Counts {
    pub fn total(&self) -> u64 {
        self.inserted + self.updated + self.unchanged
    }
}

impl std::ops::AddAssign for Counts {
    fn add_assign(&mut self, other: Counts) {
        self.inserted += other.inserted;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
    }
}

/// What recording a batch did, per kind of event.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EventCounts {
    pub deployments: Counts,
    pub commits: Counts,
    pub pull_requests: Counts,
    pub incidents: Counts,
    pub work_items: Counts,
}

/// A half-open time window, `from <= t < to`. Each kind of event is placed
/// in time by one moment: a deployment by its finish (else its start), a
/// commit by its author time (else its committer time), a pull request by its
/// merge (else its creation), an incident by its creation. Events without
/// such a time are in no window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeWindow {
    pub from: Timestamp,
    pub to: Timestamp,
}

impl TimeWindow {
    /// Every time the store can hold.
    pub fn all() -> TimeWindow {
        TimeWindow { from: Timestamp::MIN, to: Timestamp::MAX }
    }
}

/// The events of a window, each kind ordered by its moment, then its key.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Events {
    pub deployments: Vec<Deployment>,
    pub commits: Vec<CommitRecord>,
    pub pull_requests: Vec<PullRequest>,
    pub incidents: Vec<Incident>,
}

/// The moment a window places a deployment at.
pub(crate) fn deployment_moment(d: &Deployment) -> Option<Timestamp> {
    d.finished.or(d.started)
}

pub(crate) fn commit_moment(c: &CommitRecord) -> Option<Timestamp> {
    c.commit.authored.or(c.committed)
}

pub(crate) fn pull_request_moment(p: &PullRequest) -> Timestamp {
    p.merged.unwrap_or(p.created)
}

/// One batch of events that arrives in parts, recorded in one transaction:
/// what [`crate::Store::record_events`] does, for a batch too large to hold
/// at once or produced while it is written (a repository being read). A key
/// repeated in a later part is that event sent again: unchanged, or
/// replaced. Nothing is visible to others until [`EventWriter::finish`]; a
/// writer dropped before it (an error, the producer failing) writes nothing.
pub trait EventWriter: Send {
    /// Records one part. After an error the writer must be dropped.
    fn write<'a>(&'a mut self, part: &'a EventBatch) -> BoxFuture<'a, Result<()>>;

    /// Commits everything written, and says what was done.
    fn finish(self: Box<Self>) -> BoxFuture<'static, Result<EventCounts>>;
}
