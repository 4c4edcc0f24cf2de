//! Whole-workspace behaviour: the JSON Schema on disk is current, generated
//! organisations are valid, and writing a model re-loads to the same model.

use crate::repo_root;
use std::path::PathBuf;
use tl_engine::generate::{GenOptions, generate};
use tl_engine::{Loc, Model, Severity};
use tl_workspace::{load_texts, write};

#[test]
fn schema_on_disk_is_current() {
    let actual = serde_json::to_string_pretty(&tl_workspace::schema::schema()).unwrap() + "\n";
    crate::expect_file(&repo_root().join("docs/throughline.schema.json"), &actual);
}

/// Clears every location so that models from different sources compare equal.
pub fn without_locs(mut m: Model) -> Model {
    let none = Loc::NONE;
    let clear = |r: &mut tl_engine::model::Ref| r.loc = none;
    m.organisation.loc = none;
    m.policy.loc = none;
    for (_, _, l) in &mut m.policy.rules {
        *l = none;
    }
    for t in &mut m.teams {
        t.loc = none;
        t.lead.as_mut().map(clear);
    }
    for p in &mut m.people {
        p.loc = none;
        clear(&mut p.team);
    }
    for d in &mut m.diagnosis {
        d.loc = none;
    }
    for p in &mut m.policies {
        p.loc = none;
        p.addresses.iter_mut().for_each(clear);
    }
    for t in &mut m.themes {
        t.loc = none;
    }
    for p in &mut m.pillars {
        p.loc = none;
        p.themes.iter_mut().for_each(clear);
    }
    for o in &mut m.objectives {
        o.loc = none;
        clear(&mut o.team);
        o.contributors.iter_mut().for_each(clear);
        o.theme.as_mut().map(clear);
        o.owner.as_mut().map(clear);
        for k in &mut o.key_results {
            k.loc = none;
        }
    }
    for i in &mut m.initiatives {
        i.loc = none;
        i.scores.loc = none;
        i.theme.as_mut().map(clear);
        i.owner.as_mut().map(clear);
        i.objectives.iter_mut().for_each(clear);
        i.policies.iter_mut().for_each(clear);
        i.pillars.iter_mut().for_each(clear);
        for e in &mut i.effort {
            e.loc = none;
            clear(&mut e.team);
        }
        for a in &mut i.staffing {
            clear(&mut a.person);
        }
        for c in [&mut i.scalability.x2, &mut i.scalability.x5, &mut i.scalability.x10].into_iter().flatten() {
            c.loc = none;
        }
        for ms in &mut i.milestones {
            ms.loc = none;
            ms.owner.as_mut().map(clear);
            ms.team.as_mut().map(clear);
        }
    }
    for d in &mut m.dependencies {
        d.loc = none;
        d.blocks.iter_mut().for_each(clear);
        d.waits_for.as_mut().map(clear);
        d.owner.as_mut().map(clear);
    }
    for r in &mut m.risks {
        r.loc = none;
        r.owner.as_mut().map(clear);
        r.initiatives.iter_mut().for_each(clear);
    }
    for d in &mut m.debt {
        d.loc = none;
        clear(&mut d.team);
        d.owner.as_mut().map(clear);
        d.initiative.as_mut().map(clear);
    }
    for k in &mut m.metrics {
        k.loc = none;
        clear(&mut k.team);
    }
    m
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
