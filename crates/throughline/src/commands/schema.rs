//! `throughline schema`: print the JSON Schema of the workspace format.

use crate::Outcome;

/// Print the JSON Schema of workspace files, for editors that use
/// yaml-language-server (`# yaml-language-server: $schema=...`).
#[derive(clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> anyhow::Result<Outcome> {
    println!("{}", serde_json::to_string_pretty(&tl_workspace::schema::schema())?);
    Ok(Outcome::Clean)
}
