//! `throughline apply`: load a workspace into the database as a new revision.

use crate::Outcome;
use crate::commands::check::print_diagnostics;
use crate::output::Format;
use std::collections::BTreeMap;
use std::path::PathBuf;
use tl_app::{AppError, ApplyRequest, apply_workspace, open_store};
use tl_store::{ApplyOutcome, EntityKey};
use tl_workspace::load;

/// Apply a workspace to the database, as one new revision.
///
/// All or nothing, in one transaction. Re-applying the same files changes
/// nothing. A plan with errors is refused (exit 1) unless `--force` is given;
/// input that cannot be read (exit 2) is never applied. Check-ins and status
/// updates are kept across applies.
#[derive(clap::Args)]
pub struct Args {
    /// The workspace folder (or a single YAML file).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// The database: a file path, sqlite://PATH or postgres://USER@HOST/DB.
    #[arg(long, env = "THROUGHLINE_DATABASE_URL", default_value = tl_app::DEFAULT_DATABASE_URL, hide_env_values = true)]
    pub database_url: String,
    /// Apply even if the plan has validation or lint errors.
    #[arg(long)]
    pub force: bool,
    /// Who applies the plan, recorded in the revision (default: $USER).
    #[arg(long)]
    pub author: Option<String>,
    /// Output format (`github` prints diagnostics as annotations).
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let ws = load(&args.dir);
    let author = args.author.clone().or_else(|| std::env::var("USER").ok()).unwrap_or_else(|| "cli".into());
    let request = ApplyRequest { author, at: jiff::Timestamp::now(), force: args.force, expected_revision: None };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let result = runtime.block_on(async {
        // Refuse before touching the database, so that a bad plan needs none.
        tl_app::apply::admissible(&ws, args.force)?;
        let store = open_store(Some(&args.database_url)).await?;
        let outcome = apply_workspace(&store, &ws, request).await;
        store.close().await;
        outcome
    });
    match result {
        Ok(outcome) => {
            report(&outcome, args.format);
            Ok(Outcome::Clean)
        }
        Err(e @ (AppError::Unreadable { .. } | AppError::PlanErrors { .. })) => {
            print_diagnostics(&ws, args.format);
            eprintln!("error: {e}");
            Ok(if matches!(e, AppError::Unreadable { .. }) { Outcome::Unreadable } else { Outcome::PlanErrors })
        }
        Err(AppError::Store(e @ (tl_store::Error::Database(_) | tl_store::Error::UnsupportedUrl(_)))) => {
            eprintln!("error: cannot use the database: {e}");
            Ok(Outcome::Unreadable)
        }
        Err(e) => Err(e.into()),
    }
}

fn report(outcome: &ApplyOutcome, format: Format) {
    let keys = |keys: &[EntityKey]| -> serde_json::Value {
        keys.iter().map(|k| serde_json::json!([k.kind.as_str(), k.id])).collect()
    };
    match (outcome, format) {
        (ApplyOutcome::Unchanged { revision }, Format::Json) => {
            println!("{}", serde_json::json!({ "applied": false, "revision": revision }));
        }
        (ApplyOutcome::Unchanged { revision }, _) => println!("no changes: the database is at revision {revision}"),
        (ApplyOutcome::Applied(r), Format::Json) => {
            let doc = serde_json::json!({
                "applied": true,
                "revision": r.revision,
                "author": r.author,
                "forced": r.forced,
                "added": keys(&r.added),
                "changed": keys(&r.changed),
                "removed": keys(&r.removed),
                "reordered": r.reordered,
            });
            println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        }
        (ApplyOutcome::Applied(r), _) => {
            let forced = if r.forced { " (forced despite errors)" } else { "" };
            println!(
                "applied revision {} by {}{forced}: {} added, {} changed, {} removed",
                r.revision,
                r.author,
                r.added.len(),
                r.changed.len(),
                r.removed.len()
            );
            for (label, list) in [("added", &r.added), ("changed", &r.changed), ("removed", &r.removed)] {
                print_keys(label, list);
            }
            if r.reordered > 0 {
                println!("  {} entities only moved", r.reordered);
            }
        }
    }
}

/// Lists a few entities one per line, many as counts per kind.
fn print_keys(label: &str, keys: &[EntityKey]) {
    const LIST_UP_TO: usize = 20;
    if keys.len() <= LIST_UP_TO {
        for k in keys {
            println!("  {label:<8} {} {}", k.kind, k.id);
        }
    } else {
        let mut per_kind: BTreeMap<tl_store::Kind, usize> = BTreeMap::new();
        for k in keys {
            *per_kind.entry(k.kind).or_default() += 1;
        }
        let counts: Vec<String> = per_kind.iter().map(|(kind, n)| format!("{n} {kind}")).collect();
        println!("  {label:<8} {}", counts.join(", "));
    }
}
