//! Live data: check-ins on key results and status updates of milestones and
//! dependencies. Both are append-only and keyed by the plan's stable ids, so
//! they survive re-applying the plan. Each subject's rows are numbered from 1;
//! that number is the subject's version for optimistic concurrency.

use crate::error::Error;
use jiff::Timestamp;
use std::fmt;
use tl_engine::model::{DependencyStatus, MilestoneStatus};

/// How sure the owner is that a key result will be met, 0 to 1.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
pub struct Confidence(f64);

impl Confidence {
    pub fn new(value: f64) -> Result<Confidence, Error> {
        if (0.0..=1.0).contains(&value) {
            Ok(Confidence(value))
        } else {
            Err(Error::Invalid(format!("a confidence is between 0 and 1, not {value}")))
        }
    }

    pub fn get(self) -> f64 {
        self.0
    }
}

/// The owner's call on a key result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CheckInStatus {
    OnTrack,
    AtRisk,
    OffTrack,
}

impl CheckInStatus {
    pub const ALL: [CheckInStatus; 3] = [CheckInStatus::OnTrack, CheckInStatus::AtRisk, CheckInStatus::OffTrack];

    pub fn as_str(self) -> &'static str {
        match self {
            CheckInStatus::OnTrack => "on_track",
            CheckInStatus::AtRisk => "at_risk",
            CheckInStatus::OffTrack => "off_track",
        }
    }

    pub fn parse(s: &str) -> Option<CheckInStatus> {
        CheckInStatus::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

impl fmt::Display for CheckInStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A check-in to record.
#[derive(Clone, Debug, PartialEq)]
pub struct NewCheckIn {
    /// The metric's current value, in the key result's unit.
    pub value: f64,
    pub confidence: Confidence,
    pub status: CheckInStatus,
    pub note: Option<String>,
    pub blockers: Vec<String>,
    pub author: String,
    pub at: Timestamp,
}

/// A recorded check-in.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckIn {
    pub key_result: String,
    /// 1 for the key result's first check-in, then 2, 3, ...
    pub version: i64,
    pub value: f64,
    pub confidence: Confidence,
    pub status: CheckInStatus,
    pub note: Option<String>,
    pub blockers: Vec<String>,
    pub author: String,
    pub at: Timestamp,
}

/// What a status update is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SubjectKind {
    Milestone,
    Dependency,
}

impl SubjectKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SubjectKind::Milestone => "milestone",
            SubjectKind::Dependency => "dependency",
        }
    }

    pub fn parse(s: &str) -> Option<SubjectKind> {
        [SubjectKind::Milestone, SubjectKind::Dependency].into_iter().find(|k| k.as_str() == s)
    }
}

/// A new status, in the vocabulary of its subject's kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    Milestone(MilestoneStatus),
    Dependency(DependencyStatus),
}

impl Status {
    pub fn subject_kind(self) -> SubjectKind {
        match self {
            Status::Milestone(_) => SubjectKind::Milestone,
            Status::Dependency(_) => SubjectKind::Dependency,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Milestone(s) => s.as_str(),
            Status::Dependency(s) => s.as_str(),
        }
    }

    pub fn parse(kind: SubjectKind, s: &str) -> Option<Status> {
        match kind {
            SubjectKind::Milestone => MilestoneStatus::parse(s).map(Status::Milestone),
            SubjectKind::Dependency => DependencyStatus::parse(s).map(Status::Dependency),
        }
    }
}

/// A status update to record.
#[derive(Clone, Debug, PartialEq)]
pub struct NewStatusUpdate {
    /// The new status; its variant says whether the subject is a milestone or
    /// a dependency.
    pub status: Status,
    pub note: Option<String>,
    pub author: String,
    pub at: Timestamp,
}

/// A recorded status update.
#[derive(Clone, Debug, PartialEq)]
pub struct StatusUpdate {
    pub subject_id: String,
    /// 1 for the subject's first update, then 2, 3, ...
    pub version: i64,
    pub status: Status,
    pub note: Option<String>,
    pub author: String,
    pub at: Timestamp,
}

/// A reading of a team metric to record: the value of a core metric that no
/// event definition measures. It carries no confidence or status: a metric is
/// a reading, not a commitment (its target says whether it is good).
#[derive(Clone, Debug, PartialEq)]
pub struct NewMetricCheckIn {
    /// The metric's value, in its unit.
    pub value: f64,
    pub note: Option<String>,
    pub author: String,
    pub at: Timestamp,
}

/// A recorded reading of a team metric.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricCheckIn {
    pub metric: String,
    /// 1 for the metric's first check-in, then 2, 3, ...
    pub version: i64,
    pub value: f64,
    pub note: Option<String>,
    pub author: String,
    pub at: Timestamp,
}
