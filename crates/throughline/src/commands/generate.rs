//! `throughline gen`: write a synthetic organisation of a given size.

use crate::Outcome;
use anyhow::Context;
use std::path::{Path, PathBuf};
use tl_engine::generate::{GenOptions, generate};
use tl_engine::model::Quarter;
use tl_workspace::write::Writer;

/// Generate a synthetic organisation of any size.
///
/// For benchmarks and experiments. The result passes `check` without errors
/// and is deterministic for a given seed.
#[derive(clap::Args)]
pub struct Args {
    /// Number of teams.
    #[arg(long, default_value_t = 8)]
    pub teams: usize,
    /// People per team.
    #[arg(long, default_value_t = 8)]
    pub people_per_team: usize,
    /// Number of initiatives.
    #[arg(long, default_value_t = 40)]
    pub initiatives: usize,
    /// Milestones per initiative.
    #[arg(long, default_value_t = 5)]
    pub milestones: usize,
    /// The quarter to plan, e.g. 2027-Q1.
    #[arg(long, default_value = "2027-Q1", value_parser = parse_quarter)]
    pub quarter: Quarter,
    /// Random seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Output folder (created; must be empty or absent).
    #[arg(long, short)]
    pub out: PathBuf,
}

fn parse_quarter(s: &str) -> Result<Quarter, String> {
    Quarter::parse(s)
}

/// Items per generated file, so that loading can use every core.
const TEAMS_PER_FILE: usize = 50;
const INITIATIVES_PER_FILE: usize = 500;

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    if args.out.exists() && args.out.read_dir().map(|mut d| d.next().is_some()).unwrap_or(true) {
        eprintln!("error: `{}` exists and is not empty; choose a new folder", args.out.display());
        return Ok(Outcome::Unreadable);
    }
    let model = generate(GenOptions {
        teams: args.teams,
        people_per_team: args.people_per_team,
        initiatives: args.initiatives,
        milestones_per_initiative: args.milestones,
        quarter: args.quarter,
        seed: args.seed,
    });
    let out = &args.out;
    let mut w = Writer::default();
    w.comment("Synthetic organisation written by `throughline gen`.")
        .organisation(&model.organisation)
        .kernel(&model.diagnosis, &model.policies)
        .themes(&model.themes)
        .pillars(&model.pillars);
    write(out, "organisation.yaml", &w.out)?;
    let per_team_people = args.people_per_team.max(3);
    for (c, teams) in model.teams.chunks(TEAMS_PER_FILE).enumerate() {
        let first = c * TEAMS_PER_FILE;
        let range = first..first + teams.len();
        let mut w = Writer::default();
        w.teams(teams)
            .people(&model.people[range.start * per_team_people..range.end * per_team_people])
            .metrics(&model.metrics[range.start * 5..range.end * 5])
            .objectives(&model.objectives[range.start * 3..range.end * 3]);
        write(out, &format!("teams/teams-{c:04}.yaml"), &w.out)?;
    }
    for (c, inits) in model.initiatives.chunks(INITIATIVES_PER_FILE).enumerate() {
        let mut w = Writer::default();
        w.initiatives(inits);
        write(out, &format!("initiatives/initiatives-{c:04}.yaml"), &w.out)?;
    }
    let mut w = Writer::default();
    w.dependencies(&model.dependencies);
    write(out, "dependencies.yaml", &w.out)?;
    let n_ms: usize = model.initiatives.iter().map(|i| i.milestones.len()).sum();
    eprintln!(
        "wrote {}: {} teams, {} people, {} initiatives, {} milestones, {} dependencies",
        out.display(),
        model.teams.len(),
        model.people.len(),
        model.initiatives.len(),
        n_ms,
        model.dependencies.len()
    );
    Ok(Outcome::Clean)
}

fn write(root: &Path, rel: &str, text: &str) -> anyhow::Result<()> {
    let path = root.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    }
    std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))
}
