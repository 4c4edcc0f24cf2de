//! `throughline demo`: the example organisation with a quarter of history,
//! served from a temporary database.

use crate::Outcome;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tl_app::{ApplyRequest, apply_workspace};
use tl_store::{OpenOptions, SqlStore, Store};

/// Serve the example organisation with a quarter of check-in history.
///
/// Loads `examples/acme` (from the current folder or one above it) into a
/// temporary SQLite database, adds thirteen weeks of weekly check-ins for
/// every key result and every team metric no event definition measures, and
/// of delivery events for every team's services,
/// creates an admin account and an editor API token, prints
/// the URL and the credentials, and serves until Ctrl-C. The database is
/// deleted on exit.
#[derive(clap::Args)]
pub struct Args {
    /// The port to listen on.
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: IpAddr,
    /// The example workspace to load.
    #[arg(long, default_value = "examples/acme")]
    pub example: PathBuf,
    /// Seed of the generated history.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
}

/// A temporary folder, removed on drop.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn find_example(path: &Path) -> Option<PathBuf> {
    if path.is_absolute() {
        return path.is_dir().then(|| path.to_path_buf());
    }
    let cwd = std::env::current_dir().ok()?;
    cwd.ancestors().map(|dir| dir.join(path)).find(|p| p.is_dir())
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let Some(example) = find_example(&args.example) else {
        eprintln!(
            "error: cannot find the example workspace `{}` in this folder or above it; run the demo from a clone of the Throughline repository, or pass --example DIR",
            args.example.display()
        );
        return Ok(Outcome::Unreadable);
    };
    let ws = tl_workspace::load(&example);
    if tl_app::apply::admissible(&ws, false).is_err() {
        eprintln!("error: the example workspace `{}` has errors; run `throughline check` on it", example.display());
        return Ok(Outcome::PlanErrors);
    }
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    let dir = TempDir(std::env::temp_dir().join(format!("throughline-demo-{}-{nanos}", std::process::id())));
    std::fs::create_dir_all(&dir.0)?;
    let url = dir.0.join("demo.db").display().to_string();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let store = SqlStore::open(&url, OpenOptions::default()).await?;
        let now = jiff::Timestamp::now();
        let request = ApplyRequest { author: "demo".into(), at: now, force: false, expected_revision: None };
        apply_workspace(&store, &ws, request).await?;
        let events = tl_app::history::delivery_history(&ws.model, args.seed, now);
        let n_deployments = events.deployments.len();
        store.record_events(&events).await?;
        let delivery = tl_app::delivery::Delivery::new(&ws.model);
        let stored = tl_app::delivery::load_events(&store, &delivery, now).await?;
        let measured = delivery.measure_plan(&ws.model, &stored, now);
        let mut history = tl_app::history::check_in_history(&ws.model, args.seed, now);
        tl_app::history::align_with_measured(&ws.model, &mut history, &measured);
        let mut n_check_ins = 0;
        for (key_result, check_ins) in history {
            for (version, check_in) in check_ins.into_iter().enumerate() {
                store.record_check_in(&key_result, version as i64, check_in).await?;
                n_check_ins += 1;
            }
        }
        for (metric, readings) in tl_app::history::metric_check_in_history(&ws.model, args.seed, now) {
            for (version, reading) in readings.into_iter().enumerate() {
                store.record_metric_check_in(&metric, version as i64, reading).await?;
                n_check_ins += 1;
            }
        }
        let store: Arc<dyn Store> = Arc::new(store);
        let (_, token) = tl_server::auth::create_api_token(store.as_ref(), "demo-ci", tl_store::Role::Editor, None)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let banner = format!(
            "Loaded {} with {n_check_ins} check-ins and {n_deployments} deployments into a temporary database.\nAn editor API token for scripts (Authorization: Bearer ...):\n  {token}",
            example.display()
        );
        crate::commands::serve::serve(store, args.bind, args.port, Some(banner)).await
    })
}
