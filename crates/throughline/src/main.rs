//! The `throughline` binary: the command-line interface.
//!
//! Exit codes: 0 when no errors were found (warnings allowed), 1 when the plan
//! has errors, 2 when the input could not be read (unreadable files, YAML
//! syntax errors) or the command line is wrong, 3 on an internal failure.

mod commands;
mod output;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Throughline: engineering strategy as code.
///
/// Check a plan against the framework's rules, rank initiatives, and keep
/// strategy, OKRs, roadmap and capacity in one model.
#[derive(Parser)]
#[command(
    name = "throughline",
    version,
    after_help = "Exit codes: 0 no errors (warnings allowed), 1 the plan has errors, 2 the input could not be read or the command line is wrong, 3 internal error."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Init(commands::init::Args),
    Check(commands::check::Args),
    Score(commands::score::Args),
    Explain(commands::explain::Args),
    Gen(commands::generate::Args),
    Plan(commands::plan::Args),
    Schedule(commands::schedule::Args),
    Forecast(commands::forecast::Args),
    Schema(commands::schema::Args),
    Apply(commands::apply::Args),
    Export(commands::export::Args),
    Serve(commands::serve::Args),
    Demo(commands::demo::Args),
    Ingest(commands::ingest::Args),
    Import(commands::import::Args),
}

/// How a command ended, mapped to the documented exit codes.
pub enum Outcome {
    /// Exit 0.
    Clean,
    /// Exit 1: the plan has errors.
    PlanErrors,
    /// Exit 2: the input could not be read.
    Unreadable,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Init(args) => commands::init::run(args),
        Command::Check(args) => commands::check::run(args),
        Command::Score(args) => commands::score::run(args),
        Command::Explain(args) => commands::explain::run(args),
        Command::Gen(args) => commands::generate::run(args),
        Command::Plan(args) => commands::plan::run(args),
        Command::Schedule(args) => commands::schedule::run(args),
        Command::Forecast(args) => commands::forecast::run(args),
        Command::Schema(args) => commands::schema::run(args),
        Command::Apply(args) => commands::apply::run(args),
        Command::Export(args) => commands::export::run(args),
        Command::Serve(args) => commands::serve::run(args),
        Command::Demo(args) => commands::demo::run(args),
        Command::Ingest(args) => commands::ingest::run(args),
        Command::Import(args) => commands::import::run(args),
    };
    match result {
        Ok(Outcome::Clean) => ExitCode::SUCCESS,
        Ok(Outcome::PlanErrors) => ExitCode::from(1),
        Ok(Outcome::Unreadable) => ExitCode::from(2),
        Err(e) => {
            eprintln!("throughline: internal error: {e:#}");
            ExitCode::from(3)
        }
    }
}
