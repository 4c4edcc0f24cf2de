//! Applying workspaces and exporting them again.

use crate::{TempDir, repo_root};
use tl_app::{AppError, ApplyRequest, apply_workspace, export, open_store};
use tl_store::{ApplyOutcome, Store};

fn request(force: bool) -> ApplyRequest {
    ApplyRequest { author: "test".into(), at: jiff::Timestamp::now(), force, expected_revision: None }
}

fn copy_acme(to: &std::path::Path) {
    let from = repo_root().join("examples/acme");
    for entry in walk(&from) {
        let rel = entry.strip_prefix(&from).unwrap();
        std::fs::create_dir_all(to.join(rel).parent().unwrap()).unwrap();
        std::fs::copy(&entry, to.join(rel)).unwrap();
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() { out.extend(walk(&p)) } else { out.push(p) }
    }
    out
}

#[tokio::test]
async fn acme_applies_exports_and_reapplies_unchanged() {
    let tmp = TempDir::create();
    let db = tmp.path().join("t.db");
    let store = open_store(Some(db.to_str().unwrap())).await.unwrap();
    let ws = tl_workspace::load(&repo_root().join("examples/acme"));
    let outcome = apply_workspace(&store, &ws, request(false)).await.unwrap();
    assert_eq!(outcome.revision(), 1);

    let out = tmp.path().join("export");
    let exported = export(&store, &out).await.unwrap();
    assert_eq!(exported.revision, 1);
    let again = tl_workspace::load(&out);
    assert!(!again.has_errors(), "{:?}", again.diagnostics);
    assert_eq!(again.count(tl_engine::Severity::Warning), ws.count(tl_engine::Severity::Warning));

    // The export applies as "no changes", and exporting again replaces it.
    assert_eq!(apply_workspace(&store, &again, request(false)).await.unwrap(), ApplyOutcome::Unchanged { revision: 1 });
    export(&store, &out).await.unwrap();
}

#[tokio::test]
async fn a_plan_with_errors_is_refused_unless_forced() {
    let tmp = TempDir::create();
    let ws_dir = tmp.path().join("ws");
    copy_acme(&ws_dir);
    // A theme without success metrics is a lint error.
    let themes = ws_dir.join("themes.yaml");
    let text = std::fs::read_to_string(&themes).unwrap();
    assert!(text.contains("success_metrics:"), "acme's themes have success metrics");
    let broken = tl_workspace::load(&ws_dir);
    assert!(!broken.has_errors());
    let mut model = broken.model.clone();
    model.themes[0].success_metrics.clear();
    std::fs::write(&themes, tl_workspace::write::Writer::default().themes(&model.themes).out.clone()).unwrap();
    let ws = tl_workspace::load(&ws_dir);
    assert!(ws.has_errors() && !ws.unreadable());

    let store = open_store(Some(tmp.path().join("t.db").to_str().unwrap())).await.unwrap();
    assert!(matches!(apply_workspace(&store, &ws, request(false)).await, Err(AppError::PlanErrors { .. })));
    assert_eq!(store.revision().await.unwrap(), 0, "nothing was written");
    match apply_workspace(&store, &ws, request(true)).await.unwrap() {
        ApplyOutcome::Applied(r) => assert!(r.forced),
        other => panic!("{other:?}"),
    }

    // Input that did not load is never applied, forced or not.
    std::fs::write(ws_dir.join("extra.yaml"), "teams:\n  - id: x\n    nmae: typo\n").unwrap();
    let lossy = tl_workspace::load(&ws_dir);
    assert!(matches!(apply_workspace(&store, &lossy, request(true)).await, Err(AppError::Unreadable { .. })));
    assert_eq!(store.revision().await.unwrap(), 1);
}

#[tokio::test]
async fn export_refuses_a_folder_with_other_yaml() {
    let tmp = TempDir::create();
    let store = open_store(Some(tmp.path().join("t.db").to_str().unwrap())).await.unwrap();
    let out = tmp.path().join("out");
    assert!(matches!(export(&store, &out).await, Err(AppError::NothingApplied)));

    let ws = tl_workspace::load(&repo_root().join("examples/acme"));
    apply_workspace(&store, &ws, request(false)).await.unwrap();
    std::fs::create_dir_all(out.join("sub")).unwrap();
    std::fs::write(out.join("sub/mine.yaml"), "teams: []\n").unwrap();
    assert!(matches!(export(&store, &out).await, Err(AppError::ExportTarget { .. })));
    std::fs::remove_dir_all(out.join("sub")).unwrap();
    std::fs::write(out.join("notes.txt"), "not YAML, left alone").unwrap();
    std::fs::write(out.join("initiatives-0007.yaml"), "# from an older, larger export\n").unwrap();
    let exported = export(&store, &out).await.unwrap();
    assert!(!out.join("initiatives-0007.yaml").exists(), "a stale part of an earlier export is removed");
    assert!(out.join("notes.txt").exists());
    assert!(exported.files.iter().all(|f| f.exists()));
}
