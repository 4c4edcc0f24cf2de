//! Key-result progress and objective roll-ups, from the plan and the latest
//! check-ins, or, for key results bound to delivery events, the measured
//! value. Pure functions: no store, no clock.

use std::collections::HashMap;
use tl_engine::Model;
use tl_engine::model::{KeyResult, Objective};
use tl_store::{CheckIn, CheckInStatus};

/// How far a key result has moved from its baseline towards its target,
/// 0 to 1 (clamped: overshooting counts as done, moving the wrong way as 0).
/// `latest` is the latest checked-in value; without one the key result is
/// at its baseline. `None` if the key result is not measurable (no baseline
/// or target, or they are equal).
pub fn key_result_progress(kr: &KeyResult, latest: Option<f64>) -> Option<f64> {
    let (baseline, target) = (kr.baseline?, kr.target?);
    let span = target - baseline;
    if span == 0.0 || !span.is_finite() {
        return None;
    }
    let value = latest.unwrap_or(baseline);
    Some(((value - baseline) / span).clamp(0.0, 1.0))
}

/// One key result's standing.
#[derive(Clone, Debug, PartialEq)]
pub struct KeyResultProgress {
    pub id: String,
    pub progress: Option<f64>,
    pub latest: Option<CheckIn>,
    /// The value progress was computed from: the measured one for a key
    /// result bound to delivery events, else the latest check-in's.
    pub value: Option<f64>,
    /// Whether `value` was measured from delivery events.
    pub measured: bool,
}

/// An objective rolled up from its key results.
#[derive(Clone, Debug, PartialEq)]
pub struct ObjectiveProgress {
    pub id: String,
    /// The mean progress of its measurable key results (`None` if none is).
    pub progress: Option<f64>,
    /// The mean confidence of its key results' latest check-ins.
    pub confidence: Option<f64>,
    /// The worst status among its key results' latest check-ins.
    pub status: Option<CheckInStatus>,
    pub key_results: Vec<KeyResultProgress>,
}

fn severity(s: CheckInStatus) -> u8 {
    match s {
        CheckInStatus::OnTrack => 0,
        CheckInStatus::AtRisk => 1,
        CheckInStatus::OffTrack => 2,
    }
}

fn mean(values: impl Iterator<Item = f64>) -> Option<f64> {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    (n > 0).then(|| sum / n as f64)
}

/// Rolls an objective up from the latest check-in of each key result.
pub fn objective_progress(objective: &Objective, latest: &HashMap<&str, &CheckIn>) -> ObjectiveProgress {
    objective_progress_measured(objective, latest, &HashMap::new())
}

/// Rolls an objective up; a key result in `measured` (bound to delivery
/// events; `None` when the events hold nothing yet) takes its value from
/// there, the others from their latest check-in. Confidence and status
/// always come from check-ins.
pub fn objective_progress_measured(
    objective: &Objective,
    latest: &HashMap<&str, &CheckIn>,
    measured: &HashMap<&str, Option<f64>>,
) -> ObjectiveProgress {
    let key_results: Vec<KeyResultProgress> = objective
        .key_results
        .iter()
        .map(|kr| {
            let last = latest.get(kr.id.as_str()).copied();
            let (value, is_measured) = match measured.get(kr.id.as_str()) {
                Some(v) => (*v, true),
                None => (last.map(|c| c.value), false),
            };
            KeyResultProgress {
                id: kr.id.0.clone(),
                progress: key_result_progress(kr, value),
                latest: last.cloned(),
                value,
                measured: is_measured,
            }
        })
        .collect();
    let checked: Vec<&CheckIn> = key_results.iter().filter_map(|k| k.latest.as_ref()).collect();
    ObjectiveProgress {
        id: objective.id.0.clone(),
        progress: mean(key_results.iter().filter_map(|k| k.progress)),
        confidence: mean(checked.iter().map(|c| c.confidence.get())),
        status: checked.iter().map(|c| c.status).max_by_key(|s| severity(*s)),
        key_results,
    }
}

/// Every objective of the plan, rolled up; `latest` as from
/// `Store::latest_check_ins`.
pub fn progress(model: &Model, latest: &[CheckIn]) -> Vec<ObjectiveProgress> {
    progress_measured(model, latest, &HashMap::new())
}

/// Every objective of the plan, rolled up, with the measured values of
/// key results bound to delivery events (see [`objective_progress_measured`]).
pub fn progress_measured(
    model: &Model,
    latest: &[CheckIn],
    measured: &HashMap<&str, Option<f64>>,
) -> Vec<ObjectiveProgress> {
    let by_kr: HashMap<&str, &CheckIn> = latest.iter().map(|c| (c.key_result.as_str(), c)).collect();
    model.objectives.iter().map(|o| objective_progress_measured(o, &by_kr, measured)).collect()
}
