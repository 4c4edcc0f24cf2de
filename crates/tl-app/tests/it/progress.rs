//! Key-result progress and objective roll-ups.

use std::collections::HashMap;
use tl_app::progress::{key_result_progress, objective_progress};
use tl_engine::model::{Id, KeyResult, Objective};
use tl_store::{CheckIn, CheckInStatus, Confidence};

fn kr(id: &str, baseline: Option<f64>, target: Option<f64>) -> KeyResult {
    let acme = tl_workspace::load(&crate::repo_root().join("examples/acme")).model;
    let mut k = acme.objectives[0].key_results[0].clone();
    k.id = Id(id.into());
    k.baseline = baseline;
    k.target = target;
    k
}

fn check_in(kr: &str, value: f64, confidence: f64, status: CheckInStatus) -> CheckIn {
    CheckIn {
        key_result: kr.into(),
        version: 1,
        value,
        confidence: Confidence::new(confidence).unwrap(),
        status,
        note: None,
        blockers: vec![],
        author: "a".into(),
        at: jiff::Timestamp::UNIX_EPOCH,
    }
}

#[test]
fn progress_runs_from_baseline_to_target_either_way() {
    let up = kr("up", Some(10.0), Some(20.0));
    assert_eq!(key_result_progress(&up, None), Some(0.0), "no check-in: at the baseline");
    assert_eq!(key_result_progress(&up, Some(15.0)), Some(0.5));
    assert_eq!(key_result_progress(&up, Some(25.0)), Some(1.0), "overshoot counts as done");
    assert_eq!(key_result_progress(&up, Some(5.0)), Some(0.0), "backwards counts as nothing");
    let down = kr("down", Some(800.0), Some(400.0));
    assert_eq!(key_result_progress(&down, Some(700.0)), Some(0.25));
    assert_eq!(key_result_progress(&kr("flat", Some(1.0), Some(1.0)), Some(2.0)), None);
    assert_eq!(key_result_progress(&kr("vague", None, Some(1.0)), Some(2.0)), None);
}

#[test]
fn objectives_roll_up_from_their_key_results() {
    let acme = tl_workspace::load(&crate::repo_root().join("examples/acme")).model;
    let mut objective: Objective = acme.objectives[0].clone();
    objective.key_results = vec![kr("a", Some(0.0), Some(10.0)), kr("b", Some(100.0), Some(0.0)), kr("c", None, None)];
    let a = check_in("a", 5.0, 0.8, CheckInStatus::OnTrack);
    let b = check_in("b", 0.0, 0.4, CheckInStatus::AtRisk);
    let latest: HashMap<&str, &CheckIn> = [("a", &a), ("b", &b)].into_iter().collect();
    let rolled = objective_progress(&objective, &latest);
    assert_eq!(rolled.progress, Some(0.75), "mean of 0.5 and 1.0; c is not measurable");
    assert!((rolled.confidence.unwrap() - 0.6).abs() < 1e-9);
    assert_eq!(rolled.status, Some(CheckInStatus::AtRisk), "the worst status");
    let none = objective_progress(&objective, &HashMap::new());
    assert_eq!((none.progress, none.confidence, none.status), (Some(0.0), None, None));
}
