//! Delivery metrics: deployments, changes and incidents as plain events, the
//! DORA four keys computed from them under an explicit [`MetricDefinition`],
//! and a reproduction of Apache DevLake's DORA steps.
//!
//! The open-source DORA tools each decide silently what a deployment, a lead
//! time and a failure are. Here the decisions are values: a definition says
//! which runs count as deployments, where lead time starts and ends, which
//! statistic summarises it, the window, how an incident is attributed to a
//! deployment and which benchmark table gives the tier. [`presets`] names the
//! definitions that reproduce DevLake and fourkeys, and the default that
//! follows the DORA report.
//!
//! Like the rest of the engine this module does no IO and reads no clock:
//! times are UTC [`jiff::Timestamp`]s, and `now` is an argument.

pub mod definition;
pub mod devlake;
pub mod events;
pub mod keys;
pub mod measure;
pub mod stats;

pub use definition::{
    Attribution, Benchmark, DeploymentFrequencyStat, DeploymentRule, FrequencyBasis, Ladder, LeadTimeEnd,
    LeadTimeStart, MetricDefinition, NamePattern, Origin, ResolvedDefinition, Rounding, Statistic, Tier, WeekStart,
    Window, preset, presets, resolve_definitions,
};
pub use events::{
    Commit, Deployment, DeploymentCommit, Incident, PullRequest, RunResult, deployments_from_commits, link_changes,
};
pub use keys::{
    CycleTimes, DeliveryEvents, FourKeys, GroupBy, KeysReport, Period, PeriodKeys, Tiers, attribute_incidents,
    cycle_times, four_keys, report,
};

/// The environment name DevLake and most CI tools use for production.
pub const PRODUCTION: &str = "PRODUCTION";
