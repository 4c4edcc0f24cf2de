//! Many writers at once: versioned writes never lose an update, and racing
//! applies each land as their own revision.

use crate::live::check_in;
use crate::support::{acme, each_backend, options};
use std::collections::BTreeSet;
use tl_engine::generate::{GenOptions, generate};
use tl_store::{ApplyOutcome, Error, NewUser, Role, Store, UserUpdate};

const WRITERS: usize = 16;
const WRITES_EACH: usize = 5;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_check_ins_lose_no_update() {
    let model = acme();
    let kr = model.objectives[0].key_results[0].id.0.clone();
    each_backend(async |t| {
        t.store.apply(&model, options("alice")).await.unwrap();
        let mut tasks = Vec::new();
        for writer in 0..WRITERS {
            let store = t.store.clone();
            let kr = kr.clone();
            tasks.push(tokio::spawn(async move {
                let (mut written, mut conflicts) = (0, 0);
                while written < WRITES_EACH {
                    // Read the head, then write on top of it; on a conflict, read again.
                    let seen = store.check_ins(&kr).await.unwrap().last().map_or(0, |c| c.version);
                    let note = format!("writer {writer} write {written}");
                    match store.record_check_in(&kr, seen, check_in(written as f64, &note)).await {
                        Ok(c) => {
                            assert_eq!(c.version, seen + 1);
                            written += 1;
                        }
                        Err(Error::Conflict { .. }) => conflicts += 1,
                        Err(e) => panic!("unexpected error: {e}"),
                    }
                }
                conflicts
            }));
        }
        let mut conflicts = 0;
        for task in tasks {
            conflicts += task.await.unwrap();
        }
        let all = t.store.check_ins(&kr).await.unwrap();
        assert_eq!(all.len(), WRITERS * WRITES_EACH, "every successful write is there");
        let versions: Vec<i64> = all.iter().map(|c| c.version).collect();
        assert_eq!(versions, (1..=(WRITERS * WRITES_EACH) as i64).collect::<Vec<_>>(), "no gaps, no duplicates");
        let notes: BTreeSet<_> = all.iter().map(|c| c.note.clone().unwrap()).collect();
        assert_eq!(notes.len(), WRITERS * WRITES_EACH, "each write landed exactly once");
        eprintln!("{} conflicts were detected and retried", conflicts);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_applies_each_become_a_revision() {
    let models: Vec<_> = (0..6u64)
        .map(|seed| generate(GenOptions { teams: 3, initiatives: 20, seed, ..GenOptions::default() }))
        .collect();
    each_backend(async |t| {
        let mut tasks = Vec::new();
        for model in models.clone() {
            let store = t.store.clone();
            tasks.push(tokio::spawn(async move { store.apply(&model, options("racer")).await }));
        }
        let mut revisions = Vec::new();
        for task in tasks {
            match task.await.unwrap().unwrap() {
                ApplyOutcome::Applied(r) => revisions.push(r.revision),
                ApplyOutcome::Unchanged { .. } => panic!("every model differs"),
            }
        }
        revisions.sort();
        assert_eq!(revisions, (1..=models.len() as i64).collect::<Vec<_>>());
        let last = t.store.revisions(1).await.unwrap().remove(0);
        let plan = t.store.load_plan().await.unwrap();
        assert_eq!(plan.revision, last.revision);
        let loaded = crate::support::without_locs(plan.workspace.model);
        assert!(models.contains(&loaded), "the plan is exactly one of the applied models");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_user_updates_let_exactly_one_win() {
    each_backend(async |t| {
        let user = t
            .store
            .create_user(NewUser {
                username: "dana".into(),
                role: Role::Viewer,
                password_hash: "h".into(),
                at: crate::support::now(),
            })
            .await
            .unwrap();
        let mut tasks = Vec::new();
        for role in [Role::Editor, Role::Admin, Role::Editor, Role::Admin] {
            let store = t.store.clone();
            let update = UserUpdate { role: Some(role), password_hash: None };
            tasks.push(tokio::spawn(async move { store.update_user(user.id, user.version, update).await }));
        }
        let mut won = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(u) => {
                    assert_eq!(u.version, 2);
                    won += 1;
                }
                Err(Error::Conflict { current: 2, .. }) => {}
                Err(e) => panic!("unexpected error: {e}"),
            }
        }
        assert_eq!(won, 1);
    })
    .await;
}
