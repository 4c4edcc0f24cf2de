//! `throughline init`: write a commented starting workspace.

use crate::Outcome;
use anyhow::Context;
use std::path::PathBuf;

/// Create a commented starting workspace.
///
/// Writes an organisation, two teams, a strategy kernel, themes, a quarter of
/// objectives and a few initiatives, ready for `throughline check`. Refuses to
/// overwrite existing files unless `--force` is given.
#[derive(clap::Args)]
pub struct Args {
    /// Where to create the workspace.
    #[arg(default_value = "strategy")]
    pub dir: PathBuf,
    /// Overwrite files that already exist.
    #[arg(long)]
    pub force: bool,
}

/// The starter files, relative to the workspace folder.
const FILES: &[(&str, &str)] = &[
    ("organisation.yaml", include_str!("../../templates/organisation.yaml")),
    ("teams.yaml", include_str!("../../templates/teams.yaml")),
    ("strategy.yaml", include_str!("../../templates/strategy.yaml")),
    ("okrs/2027-Q1.yaml", include_str!("../../templates/okrs.yaml")),
    ("initiatives.yaml", include_str!("../../templates/initiatives.yaml")),
];

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    if !args.force {
        let existing: Vec<String> = FILES
            .iter()
            .map(|(rel, _)| args.dir.join(rel))
            .filter(|p| p.exists())
            .map(|p| p.display().to_string())
            .collect();
        if !existing.is_empty() {
            eprintln!("error: these files already exist: {}", existing.join(", "));
            eprintln!("hint: choose another folder, or pass --force to overwrite them");
            return Ok(Outcome::Unreadable);
        }
    }
    for (rel, text) in FILES {
        let path = args.dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
        }
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    println!("Created a starting workspace in {}.", args.dir.display());
    println!("Next: edit the files, then run `throughline check {}`.", args.dir.display());
    Ok(Outcome::Clean)
}
