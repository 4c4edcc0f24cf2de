//! `throughline schema`: print the JSON Schema of the workspace format.

use crate::Outcome;

/// Print the JSON Schema of workspace files.
///
/// For editors that use yaml-language-server: save it and point a file at it
/// with a first line `# yaml-language-server: $schema=PATH`.
#[derive(clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> anyhow::Result<Outcome> {
    println!("{}", serde_json::to_string_pretty(&tl_workspace::schema::schema())?);
    Ok(Outcome::Clean)
}
