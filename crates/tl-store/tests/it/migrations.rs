//! Opening a store: the embedded migrations match the folders, migrating is
//! idempotent, SQLite runs in WAL mode, and bad URLs are refused.

use crate::support::{TempDir, each_backend, repo_root};
use tl_store::{Backend, Error, OpenOptions, SqlStore, Store, embedded_migrations};

#[test]
fn embedded_migrations_match_the_migration_folders() {
    for (backend, folder) in [(Backend::Sqlite, "sqlite"), (Backend::Postgres, "postgres")] {
        let dir = repo_root().join("crates/tl-store/migrations").join(folder);
        let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| {
                let path = e.unwrap().path();
                (path.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read_to_string(&path).unwrap())
            })
            .collect();
        files.sort();
        let embedded: Vec<(String, String)> = embedded_migrations(backend)
            .into_iter()
            .map(|(version, description, sql)| (format!("{version:04}_{description}.sql"), sql))
            .collect();
        assert_eq!(embedded, files, "{folder}: every migration file is embedded, in order");
    }
}

#[tokio::test]
async fn reopening_a_store_keeps_its_data() {
    each_backend(async |t| {
        let model = crate::support::acme();
        t.store.apply(&model, crate::support::options("alice")).await.unwrap();
        let again = SqlStore::open(&t.url, OpenOptions::default()).await.expect("reopen");
        assert_eq!(again.backend(), t.store.backend());
        assert_eq!(again.revision().await.unwrap(), 1);
        again.close().await;
    })
    .await;
}

#[tokio::test]
async fn sqlite_is_a_file_in_wal_mode() {
    let dir = TempDir::create();
    let path = dir.path().join("plain path.db");
    let store = SqlStore::open(path.to_str().unwrap(), OpenOptions::default()).await.unwrap();
    assert_eq!(store.backend(), Backend::Sqlite);
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(store.pool()).await.unwrap();
    assert_eq!(mode, "wal");
    assert!(path.exists());
    store.close().await;

    let memory = SqlStore::open("sqlite::memory:", OpenOptions::default()).await.unwrap();
    assert_eq!(memory.revision().await.unwrap(), 0);
}

#[tokio::test]
async fn unknown_urls_are_refused_without_echoing_secrets() {
    let err = SqlStore::open("mysql://root:hunter2@localhost/db", OpenOptions::default()).await.unwrap_err();
    assert!(matches!(err, Error::UnsupportedUrl(_)));
    assert!(!err.to_string().contains("hunter2"), "{err}");
}

/// Migration 0006 finds the metrics bound with `measure:` in a database
/// applied before it (whose `measured` column it adds as 0) from the
/// writer's text: its backfill, run on the documents `apply` writes, marks
/// exactly the metrics that have `measure:`.
#[tokio::test]
async fn migration_0006_marks_the_measured_metrics_of_an_existing_plan() {
    let model = crate::support::acme();
    each_backend(async |t| {
        t.store.apply(&model, crate::support::options("alice")).await.unwrap();
        let backend = t.store.backend();
        let (_, _, sql) = embedded_migrations(backend).into_iter().find(|(v, _, _)| *v == 6).expect("0006");
        let start = sql.find("UPDATE plan_entities SET measured = 1").expect("the backfill");
        let backfill = &sql[start..start + sql[start..].find(';').expect("its end")];
        let pool = t.store.pool();
        sqlx::query("UPDATE plan_entities SET measured = 0").execute(pool).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(backfill.to_string())).execute(pool).await.unwrap();
        let mut marked: Vec<String> =
            sqlx::query_scalar("SELECT id FROM plan_entities WHERE measured = 1").fetch_all(pool).await.unwrap();
        marked.sort();
        let mut bound: Vec<String> =
            model.metrics.iter().filter(|m| m.measure.is_some()).map(|m| m.id.0.clone()).collect();
        bound.sort();
        assert!(!bound.is_empty());
        assert_eq!(marked, bound);
    })
    .await;
}

/// Migration 0007 moves each deployment's commits from a row per commit
/// into a JSON list on the deployment, in their positions' order; a
/// deployment without rows keeps the empty list.
#[tokio::test]
async fn migration_0007_gathers_each_deployments_commits_in_order() {
    each_backend(async |t| {
        let at: jiff::Timestamp = "2024-03-01T12:00:00Z".parse().unwrap();
        let deployment = |id: &str| tl_engine::delivery::Deployment {
            id: id.into(),
            name: id.into(),
            service: "api".into(),
            scope_id: "api".into(),
            environment: "PRODUCTION".into(),
            result: tl_engine::delivery::RunResult::Success,
            started: Some(at),
            finished: Some(at),
            commits: Vec::new(),
        };
        let batch =
            tl_store::EventBatch { deployments: vec![deployment("d1"), deployment("d2")], ..Default::default() };
        t.store.record_events(&batch).await.unwrap();
        let backend = t.store.backend();
        let (_, _, sql) = embedded_migrations(backend).into_iter().find(|(v, _, _)| *v == 7).expect("0007");
        let start = sql.find("UPDATE delivery_deployments SET commits").expect("the backfill");
        let backfill = &sql[start..start + sql[start..].find(';').expect("its end")];
        let pool = t.store.pool();
        // The table as migration 0002 made it, filled out of order.
        sqlx::query(
            "CREATE TABLE delivery_deployment_commits (deployment_id TEXT NOT NULL, position BIGINT NOT NULL, \
             sha TEXT NOT NULL, PRIMARY KEY (deployment_id, position))",
        )
        .execute(pool)
        .await
        .unwrap();
        for (id, position, sha) in [("d1", 2, "c3"), ("d1", 0, "c1"), ("d1", 1, "c2"), ("gone", 0, "x")] {
            sqlx::query("INSERT INTO delivery_deployment_commits VALUES ($1, $2, $3)")
                .bind(id)
                .bind(position as i64)
                .bind(sha)
                .execute(pool)
                .await
                .unwrap();
        }
        sqlx::query(sqlx::AssertSqlSafe(backfill.to_string())).execute(pool).await.unwrap();
        sqlx::query("DROP TABLE delivery_deployment_commits").execute(pool).await.unwrap();
        let events = t.store.events(tl_store::TimeWindow::all()).await.unwrap();
        let lists: Vec<(&str, Vec<&str>)> = events
            .deployments
            .iter()
            .map(|d| (d.id.as_str(), d.commits.iter().map(String::as_str).collect()))
            .collect();
        assert_eq!(lists, vec![("d1", vec!["c1", "c2", "c3"]), ("d2", vec![])]);
    })
    .await;
}
