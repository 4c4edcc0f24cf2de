//! `throughline check`: load a workspace and report every problem.

use crate::Outcome;
use crate::output::{Format, use_color};
use std::path::PathBuf;
use tl_workspace::{Workspace, load, render};

/// Check a workspace against the format and the framework's rules.
///
/// Reports every problem at once, with file, line, column, rule id and hint.
/// Exit code 0 when there are no errors (warnings allowed), 1 when there are
/// errors, 2 when a file could not be read or parsed.
#[derive(clap::Args)]
pub struct Args {
    /// The workspace folder (or a single YAML file).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let ws = load(&args.dir);
    print_diagnostics(&ws, args.format);
    Ok(outcome(&ws))
}

/// Prints a workspace's diagnostics in the chosen format.
pub fn print_diagnostics(ws: &Workspace, format: Format) {
    match format {
        Format::Human => print!("{}", render::human_all(&ws.sources, &ws.diagnostics, use_color())),
        Format::Json => {
            let diags: Vec<_> = ws.diagnostics.iter().map(|d| render::json(&ws.sources, d)).collect();
            let doc = serde_json::json!({
                "summary": {
                    "errors": ws.count(tl_engine::Severity::Error),
                    "warnings": ws.count(tl_engine::Severity::Warning),
                    "infos": ws.count(tl_engine::Severity::Info),
                },
                "diagnostics": diags,
            });
            println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        }
        Format::Github => print!("{}", render::github(&ws.sources, &ws.diagnostics)),
    }
}

/// The exit outcome for a loaded workspace.
pub fn outcome(ws: &Workspace) -> Outcome {
    if ws.unreadable() {
        Outcome::Unreadable
    } else if ws.has_errors() {
        Outcome::PlanErrors
    } else {
        Outcome::Clean
    }
}
