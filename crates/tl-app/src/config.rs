//! Which database to use.

use tl_store::{OpenOptions, SqlStore};

/// The database every command uses unless told otherwise: a SQLite file in
/// the current folder.
pub const DEFAULT_DATABASE_URL: &str = "./throughline.db";

/// Opens the store at `url` (a file path, `sqlite://PATH` or
/// `postgres://...`), or the default, and runs its migrations.
pub async fn open_store(url: Option<&str>) -> Result<SqlStore, tl_store::Error> {
    SqlStore::open(url.unwrap_or(DEFAULT_DATABASE_URL), OpenOptions::default()).await
}
