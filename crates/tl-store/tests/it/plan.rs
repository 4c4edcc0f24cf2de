//! Applying, loading and exporting the plan: idempotence, the revision
//! history, all-or-nothing writes, and the round trip to YAML.

use crate::support::{TempDir, acme, each_backend, options, without_locs};
use proptest::prelude::*;
use sqlx::Executor;
use tl_engine::Model;
use tl_engine::generate::{GenOptions, generate};
use tl_store::{ApplyOutcome, EntityKey, Error, Kind, SqlStore, Store};

async fn loaded(store: &dyn Store) -> Model {
    let plan = store.load_plan().await.expect("load the plan");
    without_locs(plan.workspace.model)
}

/// Writes the plan files to a folder and loads the folder, as a user would.
async fn exported(store: &dyn Store) -> Model {
    let dir = TempDir::create();
    for (name, text) in store.plan_files().await.expect("plan files").files {
        std::fs::write(dir.path().join(name), text).expect("write a plan file");
    }
    let ws = tl_workspace::load(dir.path());
    assert!(!ws.unreadable(), "{:?}", ws.diagnostics);
    without_locs(ws.model)
}

fn applied(outcome: ApplyOutcome) -> tl_store::Revision {
    match outcome {
        ApplyOutcome::Applied(r) => r,
        ApplyOutcome::Unchanged { revision } => panic!("expected a new revision, got none (at {revision})"),
    }
}

#[tokio::test]
async fn an_empty_store_is_at_revision_zero() {
    each_backend(async |t| {
        let store: &dyn Store = &t.store;
        assert_eq!(store.revision().await.unwrap(), 0);
        assert!(store.plan_files().await.unwrap().files.is_empty());
        assert!(store.revisions(10).await.unwrap().is_empty());
        assert_eq!(loaded(store).await, Model::default());
    })
    .await;
}

#[tokio::test]
async fn applying_acme_stores_it_and_reapplying_changes_nothing() {
    let model = acme();
    each_backend(async |t| {
        let store = &t.store;
        let first = applied(store.apply(&model, options("alice")).await.unwrap());
        assert_eq!(first.revision, 1);
        assert_eq!(first.author, "alice");
        assert!(first.changed.is_empty() && first.removed.is_empty());
        let top_level = 1
            + model.teams.len()
            + model.people.len()
            + model.diagnosis.len()
            + model.policies.len()
            + model.themes.len()
            + model.pillars.len()
            + model.objectives.len()
            + model.initiatives.len()
            + model.dependencies.len()
            + model.risks.len()
            + model.debt.len()
            + model.metrics.len()
            + model.delivery_definitions.len();
        let policy = usize::from(!tl_workspace::write::Writer::default().policy(&model.policy).out.is_empty());
        assert_eq!(first.added.len(), top_level + policy);

        assert_eq!(loaded(store).await, model, "the stored plan loads back to the same model");
        assert_eq!(exported(store).await, model, "the exported files load back to the same model");

        let again = store.apply(&model, options("bob")).await.unwrap();
        assert_eq!(again, ApplyOutcome::Unchanged { revision: 1 });
        let history = store.revisions(10).await.unwrap();
        assert_eq!(history.len(), 1);
        assert_eq!(history[0], first, "the revision reads back as it was written");

        let kr = &model.objectives[0].key_results[0].id.0;
        assert!(store.has_entity(Kind::KeyResult, kr).await.unwrap());
        let milestone = &model.initiatives[0].milestones[0].id.0;
        assert!(store.has_entity(Kind::Milestone, milestone).await.unwrap());
        assert!(!store.has_entity(Kind::Milestone, "no-such-milestone").await.unwrap());
    })
    .await;
}

#[tokio::test]
async fn a_revision_lists_what_was_added_changed_and_removed() {
    let model = acme();
    let mut next = model.clone();
    next.initiatives[0].title.push_str(" (renamed)");
    let gone = next.risks.remove(0);
    let mut extra = next.risks[0].clone();
    extra.id = tl_engine::model::Id("r-new-risk".into());
    next.risks.push(extra);
    let removed_milestones: Vec<String> = next.initiatives[1].milestones.drain(..).map(|m| m.id.0).collect();

    each_backend(async |t| {
        let store = &t.store;
        store.apply(&model, options("alice")).await.unwrap();
        let r = applied(store.apply(&next, options("bob")).await.unwrap());
        assert_eq!(r.revision, 2);
        assert_eq!(r.added, vec![EntityKey { kind: Kind::Risk, id: "r-new-risk".into() }]);
        let mut changed = vec![
            EntityKey { kind: Kind::Initiative, id: model.initiatives[0].id.0.clone() },
            EntityKey { kind: Kind::Initiative, id: model.initiatives[1].id.0.clone() },
        ];
        changed.sort();
        let mut got = r.changed.clone();
        got.sort();
        assert_eq!(got, changed);
        assert_eq!(r.removed, vec![EntityKey { kind: Kind::Risk, id: gone.id.0.clone() }]);
        assert_eq!(loaded(store).await, next);
        for m in &removed_milestones {
            assert!(!store.has_entity(Kind::Milestone, m).await.unwrap(), "{m} left the plan");
        }
        let history = store.revisions(10).await.unwrap();
        assert_eq!(history.iter().map(|r| r.revision).collect::<Vec<_>>(), vec![2, 1], "newest first");

        // Going back is a revision too.
        let back = applied(store.apply(&model, options("carol")).await.unwrap());
        assert_eq!(back.revision, 3);
        assert_eq!(loaded(store).await, model);
        for m in &removed_milestones {
            assert!(store.has_entity(Kind::Milestone, m).await.unwrap(), "{m} is back");
        }
    })
    .await;
}

/// The text the store keeps for one top-level entity of a model.
fn document(model: &Model, kind: Kind, id: &str) -> String {
    let mut w = tl_workspace::write::Writer::default();
    match kind {
        Kind::Initiative => {
            w.initiatives(std::slice::from_ref(model.initiatives.iter().find(|i| i.id.0 == id).unwrap()))
        }
        Kind::Risk => w.risks(std::slice::from_ref(model.risks.iter().find(|r| r.id.0 == id).unwrap())),
        other => panic!("no document helper for {other}"),
    };
    w.out
}

#[tokio::test]
async fn a_revision_detail_has_each_changed_document_before_and_after() {
    let v1 = acme();
    let initiative = v1.initiatives[0].id.0.clone();
    let mut v2 = v1.clone();
    v2.initiatives[0].title.push_str(" (v2)");
    let gone = v2.risks.remove(0).id.0;
    let mut v3 = v2.clone();
    v3.initiatives[0].title.push_str(" (v3)");
    each_backend(async |t| {
        let store = &t.store;
        store.apply(&v1, options("alice")).await.unwrap();
        store.apply(&v2, options("bob")).await.unwrap();

        let two = store.revision_detail(2, 100).await.unwrap();
        assert_eq!(two.revision.author, "bob");
        assert_eq!(two.left_out, 0);
        let changed = two.documents.iter().find(|d| d.key.id == initiative).expect("the changed initiative");
        assert!(!changed.removed);
        assert_eq!(changed.before.as_deref(), Some(document(&v1, Kind::Initiative, &initiative).as_str()));
        assert_eq!(changed.after.as_deref(), Some(document(&v2, Kind::Initiative, &initiative).as_str()));
        let removed = two.documents.iter().find(|d| d.key.id == gone).expect("the removed risk");
        assert!(removed.removed);
        assert_eq!(removed.before.as_deref(), Some(document(&v1, Kind::Risk, &gone).as_str()));
        assert_eq!(removed.after, None);
        assert_eq!(two.documents.len(), 2);

        // After a later change, revision 2's "after" is still its own text,
        // not the current one.
        store.apply(&v3, options("carol")).await.unwrap();
        let two_again = store.revision_detail(2, 100).await.unwrap();
        assert_eq!(two_again, two);
        let three = store.revision_detail(3, 100).await.unwrap();
        assert_eq!(three.documents.len(), 1);
        assert_eq!(three.documents[0].before.as_deref(), Some(document(&v2, Kind::Initiative, &initiative).as_str()));
        assert_eq!(three.documents[0].after.as_deref(), Some(document(&v3, Kind::Initiative, &initiative).as_str()));

        // The first revision only added documents: nothing to diff.
        let one = store.revision_detail(1, 100).await.unwrap();
        assert!(one.documents.is_empty() && !one.revision.added.is_empty());

        let capped = store.revision_detail(2, 1).await.unwrap();
        assert_eq!((capped.documents.len(), capped.left_out), (1, 1));
        assert_eq!(capped.documents[0], two.documents[0]);

        for missing in [0, 4, -1] {
            match store.revision_detail(missing, 10).await {
                Err(Error::NotFound { kind: "revision", id }) => assert_eq!(id, missing.to_string()),
                other => panic!("revision {missing}: expected not found, got {other:?}"),
            }
        }
    })
    .await;
}

#[tokio::test]
async fn reordering_is_a_revision_without_content_changes() {
    let model = acme();
    let mut reversed = model.clone();
    reversed.teams.reverse();
    each_backend(async |t| {
        let store = &t.store;
        store.apply(&model, options("alice")).await.unwrap();
        let r = applied(store.apply(&reversed, options("alice")).await.unwrap());
        assert!(r.added.is_empty() && r.changed.is_empty() && r.removed.is_empty());
        assert!(r.reordered >= model.teams.len() as i64 - 1);
        assert_eq!(loaded(store).await, reversed, "the new order is kept");
    })
    .await;
}

#[tokio::test]
async fn a_stale_expected_revision_is_a_conflict() {
    let model = acme();
    let mut next = model.clone();
    next.teams[0].name.push('!');
    each_backend(async |t| {
        let store = &t.store;
        store.apply(&model, options("alice")).await.unwrap();
        let stale = tl_store::ApplyOptions { expected_revision: Some(0), ..options("bob") };
        match store.apply(&next, stale).await {
            Err(Error::Conflict { expected: 0, current: 1, .. }) => {}
            other => panic!("expected a conflict, got {other:?}"),
        }
        assert_eq!(loaded(store).await, model, "nothing was written");
        let fresh = tl_store::ApplyOptions { expected_revision: Some(1), ..options("bob") };
        assert_eq!(store.apply(&next, fresh).await.unwrap().revision(), 2);
    })
    .await;
}

#[tokio::test]
async fn duplicate_ids_are_refused_before_anything_is_written() {
    let model = acme();
    let mut twice = model.clone();
    twice.teams.push(twice.teams[0].clone());
    let mut kr_twice = model.clone();
    let kr = kr_twice.objectives[0].key_results[0].clone();
    kr_twice.objectives[1].key_results.push(kr);
    each_backend(async |t| {
        let store = &t.store;
        assert!(matches!(store.apply(&twice, options("a")).await, Err(Error::Invalid(_))));
        assert!(matches!(store.apply(&kr_twice, options("a")).await, Err(Error::Invalid(_))));
        assert_eq!(store.revision().await.unwrap(), 0);
    })
    .await;
}

#[tokio::test]
async fn a_failure_inside_the_transaction_writes_nothing() {
    let model = acme();
    let mut next = model.clone();
    next.initiatives[0].title.push_str(" v2");
    let new_milestone = {
        let mut m = next.initiatives[0].milestones[0].clone();
        m.id = tl_engine::model::Id("m-sabotaged".into());
        m
    };
    next.initiatives[0].milestones.push(new_milestone);
    each_backend(async |t| {
        let store: &SqlStore = &t.store;
        store.apply(&model, options("alice")).await.unwrap();
        // A stray row that the apply's last insert will collide with.
        store
            .pool()
            .execute("INSERT INTO plan_entities (kind, id, doc_kind, doc_id) VALUES ('milestone', 'm-sabotaged', 'initiative', 'elsewhere')")
            .await
            .unwrap();
        let result = store.apply(&next, options("bob")).await;
        assert!(matches!(result, Err(Error::Database(_))), "{result:?}");
        assert_eq!(store.revision().await.unwrap(), 1);
        assert_eq!(store.revisions(10).await.unwrap().len(), 1);
        assert_eq!(loaded(store).await, model, "no document changed");
        let history: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM plan_history").fetch_one(store.pool()).await.unwrap();
        assert_eq!(history, 0, "no history was kept for the failed apply");
    })
    .await;
}

#[tokio::test]
async fn a_large_generated_organisation_round_trips_through_split_files() {
    let model = generate(GenOptions { teams: 12, initiatives: 1200, seed: 3, ..GenOptions::default() });
    each_backend(async |t| {
        let store = &t.store;
        store.apply(&model, options("gen")).await.unwrap();
        let files = store.plan_files().await.unwrap();
        let names: Vec<&str> = files.files.iter().map(|(n, _)| n.as_str()).collect();
        assert!(names.contains(&"initiatives-0003.yaml"), "{names:?}");
        assert!(names.iter().all(|n| tl_store::plan::is_plan_file_name(n)), "{names:?}");
        assert_eq!(exported(store).await, model);
        assert_eq!(store.apply(&model, options("gen")).await.unwrap(), ApplyOutcome::Unchanged { revision: 1 });
    })
    .await;
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    /// Any sequence of generated organisations, applied one after another to
    /// the same store, loads and exports back to the last one applied.
    #[test]
    fn applied_models_load_and_export_to_the_same_model(
        orgs in prop::collection::vec((1usize..6, 0usize..40, 0usize..4, any::<u64>()), 1..4)
    ) {
        runtime().block_on(each_backend(async |t| {
            let store = &t.store;
            let mut revision = 0;
            for &(teams, initiatives, milestones, seed) in &orgs {
                let model = generate(GenOptions {
                    teams,
                    initiatives,
                    milestones_per_initiative: milestones,
                    seed,
                    ..GenOptions::default()
                });
                revision = store.apply(&model, options("prop")).await.unwrap().revision();
                assert_eq!(store.revision().await.unwrap(), revision);
                assert_eq!(loaded(store).await, model);
                assert_eq!(exported(store).await, model);
                let again = store.apply(&model, options("prop")).await.unwrap();
                assert_eq!(again, ApplyOutcome::Unchanged { revision });
            }
            assert!(revision <= orgs.len() as i64);
        }));
    }
}
