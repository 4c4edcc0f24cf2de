//! Whole-workspace behaviour: the JSON Schema on disk is current, generated
//! organisations are valid, and writing a model re-loads to the same model.

use crate::repo_root;
use std::path::PathBuf;
use tl_engine::generate::{GenOptions, generate};
use tl_engine::{Model, Severity};
use tl_workspace::{load_texts, write};

#[test]
fn schema_on_disk_is_current() {
    let actual = serde_json::to_string_pretty(&tl_workspace::schema::schema()).unwrap() + "\n";
    crate::expect_file(&repo_root().join("docs/throughline.schema.json"), &actual);
}

/// Clears every location so that models from different sources compare equal.
pub fn without_locs(m: Model) -> Model {
    m.without_locations()
}

pub fn reload(model: &Model) -> tl_workspace::Workspace {
    let text = write::to_yaml(model);
    load_texts(vec![(PathBuf::from("model.yaml"), text)])
}

#[test]
fn generated_organisations_pass_check_without_errors() {
    for (teams, initiatives, seed) in [(3, 30, 1), (20, 400, 7), (50, 1000, 42)] {
        let model =
            generate(GenOptions { teams, initiatives, milestones_per_initiative: 5, seed, ..GenOptions::default() });
        let ws = reload(&model);
        let errors: Vec<_> = ws.diagnostics.iter().filter(|d| d.severity == Severity::Error).collect();
        assert!(errors.is_empty(), "generated org ({teams} teams, {initiatives} initiatives) has errors: {errors:?}");
        assert_eq!(without_locs(ws.model), model, "the written model re-loads to the same model");
    }
}

#[test]
fn example_organisation_round_trips_through_the_writer() {
    let ws = tl_workspace::load(&repo_root().join("examples/acme"));
    let original = without_locs(ws.model);
    let again = reload(&original);
    assert!(!again.has_errors(), "{:?}", again.diagnostics);
    assert_eq!(without_locs(again.model), original);
}

#[test]
fn delivery_definition_fields_decode_and_round_trip() {
    let text = "\
delivery_definitions:
  - id: sunday-weeks
    extends: fourkeys
    lead_time:
      minimum: 2m
      rounding: whole_hours
    restore_rounding: exact
    frequency_statistic: median_low
    week_start: monday
    window: 6mo
    benchmark: 2019
";
    let ws = load_texts(vec![(PathBuf::from("delivery.yaml"), text.to_string())]);
    assert!(!ws.has_errors(), "{:?}", ws.diagnostics);
    let d = &ws.model.delivery_definitions[0];
    use tl_engine::model::{RoundingName, StatisticName, WeekStartName};
    assert_eq!(d.lead_time_minimum_minutes, Some(2));
    assert_eq!(d.lead_time_rounding, Some(RoundingName::WholeHours));
    assert_eq!(d.restore_rounding, Some(RoundingName::Exact));
    assert_eq!(d.frequency_statistic, Some(StatisticName::MedianLow));
    assert_eq!(d.week_start, Some(WeekStartName::Monday));
    assert_eq!((d.window_months, d.window_days), (Some(6), None));
    let fields: Vec<&str> = d.fields.iter().map(|(f, _)| *f).collect();
    for field in ["lead_time.minimum", "lead_time.rounding", "restore_rounding", "frequency_statistic", "week_start"] {
        assert!(fields.contains(&field), "{field} is noted in {fields:?}");
    }
    let original = without_locs(ws.model);
    let again = reload(&original);
    assert!(!again.has_errors(), "{:?}", again.diagnostics);
    assert_eq!(without_locs(again.model), original);

    let bad = load_texts(vec![(PathBuf::from("delivery.yaml"), text.replace("monday", "tuesday"))]);
    let error = bad.diagnostics.iter().find(|d| d.severity == Severity::Error).expect("an error");
    assert_eq!((error.loc.line, error.loc.col), (9, 17), "the error points at the value");
    assert!(error.hint.as_deref().is_some_and(|h| h.contains("monday, sunday")), "{error:?}");

    for (window, message) in [
        ("0mo", "`0mo` is not a number of months from 1 to 1200"),
        ("xmo", "`xmo` is not a number of months from 1 to 1200"),
        ("36h", "a window is a whole number of days"),
    ] {
        let bad = load_texts(vec![(PathBuf::from("delivery.yaml"), text.replace("6mo", window))]);
        let error = bad.diagnostics.iter().find(|d| d.severity == Severity::Error).expect("an error");
        assert_eq!((error.message.as_str(), error.loc.line), (message, 10), "{window}");
    }
}
