//! `throughline export`: write the plan in the database back to YAML files.

use crate::Outcome;
use std::path::PathBuf;
use tl_app::{AppError, export, open_store};

/// Write the plan in the database back to a workspace folder.
///
/// One file per section (large sections in parts of 500). The folder is
/// created if missing; it may hold an earlier export, which is replaced, but
/// no other YAML files. Loading the export gives the applied model.
#[derive(clap::Args)]
pub struct Args {
    /// The folder to write.
    pub dir: PathBuf,
    /// The database: a file path, sqlite://PATH or postgres://USER@HOST/DB.
    #[arg(long, env = "THROUGHLINE_DATABASE_URL", default_value = tl_app::DEFAULT_DATABASE_URL, hide_env_values = true)]
    pub database_url: String,
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let result = runtime.block_on(async {
        let store = open_store(Some(&args.database_url)).await?;
        let exported = export(&store, &args.dir).await;
        store.close().await;
        exported
    });
    match result {
        Ok(done) => {
            println!("exported revision {} to {} ({} files)", done.revision, args.dir.display(), done.files.len());
            Ok(Outcome::Clean)
        }
        Err(
            e @ (AppError::NothingApplied
            | AppError::ExportTarget { .. }
            | AppError::Io { .. }
            | AppError::Store(tl_store::Error::Database(_) | tl_store::Error::UnsupportedUrl(_))),
        ) => {
            eprintln!("error: {e}");
            Ok(Outcome::Unreadable)
        }
        Err(e) => Err(e.into()),
    }
}
