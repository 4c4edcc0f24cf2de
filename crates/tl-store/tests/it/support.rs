//! Running one test against every backend: SQLite always (a fresh temporary
//! file), PostgreSQL when `DATABASE_URL` is set (a fresh database created on
//! that server, dropped after a passing test). If `DATABASE_URL` is set but
//! the server cannot be reached, the test fails: it is never skipped.
//! `TL_STORE_REQUIRE_POSTGRES=1` (set by `.ci/run`) also fails the test when
//! `DATABASE_URL` is missing, so CI cannot quietly test SQLite alone.

use sqlx::Executor;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use tl_engine::Model;
use tl_store::{OpenOptions, SqlStore};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

fn unique_name(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    format!("{prefix}_{}_{}_{nanos}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed))
}

/// A folder under the system's temporary folder, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn create() -> TempDir {
        let dir = std::env::temp_dir().join(unique_name("tl_store_test"));
        std::fs::create_dir_all(&dir).expect("create a temporary folder");
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The PostgreSQL server to test against, if any.
pub fn postgres_url() -> Option<String> {
    match std::env::var("DATABASE_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            if std::env::var("TL_STORE_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") {
                panic!("TL_STORE_REQUIRE_POSTGRES=1 but DATABASE_URL is not set");
            }
            None
        }
    }
}

/// A store on a fresh database, and how to clean it up.
pub struct TestStore {
    pub store: SqlStore,
    pub name: &'static str,
    /// The URL the store was opened with, to open a second store on it.
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] TempDir),
    Postgres { admin_url: String, database: String },
}

/// Replaces the database name in a PostgreSQL URL.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{database}?{q}"),
        None => format!("{base}/{database}"),
    }
}

pub async fn sqlite() -> TestStore {
    let dir = TempDir::create();
    let url = format!("sqlite://{}", dir.path().join("store.db").display());
    let store = SqlStore::open(&url, OpenOptions::default()).await.expect("open a SQLite store");
    TestStore { store, name: "sqlite", url, cleanup: Cleanup::Sqlite(dir) }
}

pub async fn postgres(admin_url: &str) -> TestStore {
    sqlx::any::install_default_drivers();
    let database = unique_name("tl_test");
    let mut admin = <sqlx::AnyConnection as sqlx::Connection>::connect(admin_url)
        .await
        .unwrap_or_else(|e| panic!("DATABASE_URL is set but PostgreSQL cannot be reached: {e}"));
    admin.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {database}"))).await.expect("create a test database");
    let url = with_database(admin_url, &database);
    let store = SqlStore::open(&url, OpenOptions::default()).await.expect("open a PostgreSQL store");
    TestStore {
        store,
        name: "postgres",
        url,
        cleanup: Cleanup::Postgres { admin_url: admin_url.to_string(), database },
    }
}

impl TestStore {
    async fn cleanup(self) {
        self.store.close().await;
        if let Cleanup::Postgres { admin_url, database } = self.cleanup
            && let Ok(mut admin) = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin_url).await
        {
            let _ =
                admin.execute(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)"))).await;
        }
    }
}

/// Runs `test` on a fresh store of every backend in turn.
pub async fn each_backend(test: impl AsyncFn(&TestStore)) {
    let mut stores = vec![sqlite().await];
    if let Some(url) = postgres_url() {
        stores.push(postgres(&url).await);
    }
    for store in stores {
        eprintln!("-- backend: {}", store.name);
        test(&store).await;
        store.cleanup().await;
    }
}

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The example organisation, without locations.
pub fn acme() -> Model {
    let ws = tl_workspace::load(&repo_root().join("examples/acme"));
    assert!(!ws.unreadable(), "examples/acme loads");
    without_locs(ws.model)
}

pub fn options(author: &str) -> tl_store::ApplyOptions {
    tl_store::ApplyOptions { author: author.into(), at: now(), expected_revision: None, forced: false }
}

pub fn now() -> jiff::Timestamp {
    // Whole milliseconds: what the store keeps.
    jiff::Timestamp::from_millisecond(jiff::Timestamp::now().as_millisecond()).expect("now is in range")
}

/// Clears every location so that models from different sources compare equal.
pub fn without_locs(m: Model) -> Model {
    m.without_locations()
}
