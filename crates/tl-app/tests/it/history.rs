//! The demo's history of team metrics reported by hand: which metrics get
//! readings, their shape, and that the store takes them as they are.

use crate::{TempDir, repo_root};
use jiff::{SignedDuration, Timestamp};
use tl_app::history::{WEEKS, metric_check_in_history};
use tl_app::open_store;
use tl_engine::model::Direction;
use tl_store::Store;

fn acme() -> tl_engine::Model {
    let ws = tl_workspace::load(&repo_root().join("examples/acme"));
    assert!(!ws.has_errors());
    ws.model
}

fn now() -> Timestamp {
    Timestamp::from_second(1_767_225_600).unwrap() // 2026-01-01
}

#[test]
fn every_unbound_metric_gets_a_quarter_of_weekly_readings_toward_its_target() {
    let model = acme();
    let history = metric_check_in_history(&model, 7, now());
    let unbound: Vec<&str> = model.metrics.iter().filter(|m| m.measure.is_none()).map(|m| m.id.as_str()).collect();
    assert_eq!(history.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>(), unbound);
    assert_eq!(history, metric_check_in_history(&model, 7, now()), "seeded");
    assert_ne!(history, metric_check_in_history(&model, 8, now()), "the seed matters");

    let mut improved = 0;
    let mut directed = 0;
    for (id, readings) in &history {
        let m = model.metrics.iter().find(|m| m.id.as_str() == id).unwrap();
        assert_eq!(readings.len(), WEEKS, "{id}");
        assert_eq!(readings.last().unwrap().at, now());
        for pair in readings.windows(2) {
            assert_eq!(pair[1].at.duration_since(pair[0].at), SignedDuration::from_hours(24 * 7), "{id}: weekly");
        }
        for r in readings {
            assert!(r.value.is_finite() && r.value >= 0.0, "{id}: {}", r.value);
            if m.unit.as_deref() == Some("%") {
                assert!(r.value <= 100.0, "{id}: {}", r.value);
            }
        }
        let lead = model.teams.iter().find(|t| t.id.as_str() == m.team.as_str()).and_then(|t| t.lead.as_ref());
        assert_eq!(readings[0].author, lead.map_or("demo", |l| l.id.as_str()), "{id}: reported by the team lead");
        if let (Some(direction), Some(target)) = (m.direction, m.target) {
            directed += 1;
            let (first, last) = (readings[0].value, readings[WEEKS - 1].value);
            // Starts on the side of the target its direction calls worse.
            match direction {
                Direction::Increase => assert!(first <= target, "{id}: {first} vs {target}"),
                Direction::Decrease => assert!(first >= target, "{id}: {first} vs {target}"),
            }
            if (target - last).abs() < (target - first).abs() {
                improved += 1;
            }
        }
    }
    assert!(directed > 20 && improved * 4 >= directed * 3, "most metrics close in: {improved} of {directed}");
}

#[tokio::test]
async fn the_store_takes_the_demo_readings_in_order() {
    let model = acme();
    let tmp = TempDir::create();
    let store = open_store(Some(tmp.path().join("t.db").to_str().unwrap())).await.unwrap();
    let ws = tl_workspace::load(&repo_root().join("examples/acme"));
    let request = tl_app::apply::ApplyRequest { author: "t".into(), at: now(), force: false, expected_revision: None };
    tl_app::apply_workspace(&store, &ws, request).await.unwrap();
    let history = metric_check_in_history(&model, 7, now());
    for (metric, readings) in &history {
        for (version, r) in readings.iter().enumerate() {
            store.record_metric_check_in(metric, version as i64, r.clone()).await.unwrap();
        }
    }
    let latest = store.latest_metric_check_ins(1).await.unwrap();
    assert_eq!(latest.len(), history.len());
    assert!(latest.iter().all(|c| c.version == WEEKS as i64));
}
