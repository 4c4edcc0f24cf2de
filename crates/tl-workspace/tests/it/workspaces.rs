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
