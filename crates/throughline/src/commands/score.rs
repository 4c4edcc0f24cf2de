//! `throughline score`: rank initiatives by the weighted matrix, with how
//! robust each rank is.

use crate::Outcome;
use crate::output::{Format, use_color};
use std::path::PathBuf;
use tl_engine::Severity;
use tl_engine::policy::CRITERIA;
use tl_engine::scoring::{RankOptions, Ranked, Ranking, rank};
use tl_workspace::load;

/// Rank the initiatives by the weighted scoring matrix.
///
/// The score is the weighted mean of business impact, technical feasibility,
/// resource requirements (5 = needs few resources) and strategic fit, on a
/// 1-5 scale. Robustness: the rank range over every weight vector within
/// ±`policy.robustness_pp` percentage points of the weights (default 10) on
/// a 1-point grid. A wide range means the rank depends on the exact weights.
#[derive(clap::Args)]
pub struct Args {
    /// The workspace folder (or a single YAML file).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Output format (`github` prints the ranking as human text).
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    /// Show only the top N initiatives.
    #[arg(long)]
    pub top: Option<usize>,
}

/// A word for how far a rank can move.
pub fn robustness(r: &Ranked, n: usize) -> &'static str {
    let spread = r.spread();
    if spread == 0 {
        "stable"
    } else if spread <= (n / 10).max(2) {
        "moderate"
    } else {
        "fragile"
    }
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let ws = load(&args.dir);
    if ws.has_errors() {
        // Scoring a model with broken references would mislead; show why.
        let errors: Vec<_> = ws.diagnostics.iter().filter(|d| d.severity == Severity::Error).cloned().collect();
        eprint!("{}", tl_workspace::render::human_all(&ws.sources, &errors, use_color()));
        eprintln!("cannot score: fix the errors above first (`throughline check` shows everything)");
        return Ok(crate::commands::check::outcome(&ws));
    }
    let model = &ws.model;
    let ranking = rank(model, RankOptions { perturbation_pp: model.policy.robustness_pp, step_pp: 1.0 });
    let shown = args.top.unwrap_or(usize::MAX);
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&to_json(model, &ranking, shown))?),
        Format::Human | Format::Github => print!("{}", human(model, &ranking, shown, use_color())),
    }
    Ok(Outcome::Clean)
}

fn to_json(model: &tl_engine::Model, ranking: &Ranking, shown: usize) -> serde_json::Value {
    let n = ranking.entries.len();
    let entries: Vec<_> = ranking
        .entries
        .iter()
        .take(shown)
        .map(|r| {
            let init = &model.initiatives[r.initiative];
            let contributions: serde_json::Map<String, serde_json::Value> =
                CRITERIA.iter().zip(r.contributions).map(|(c, v)| (c.to_string(), round3(v).into())).collect();
            serde_json::json!({
                "rank": r.rank,
                "id": init.id.as_str(),
                "title": init.title,
                "score": round3(r.score),
                "contributions": contributions,
                "best_rank": r.best_rank,
                "worst_rank": r.worst_rank,
                "robustness": robustness(r, n),
            })
        })
        .collect();
    let unscored: Vec<&str> = ranking.unscored.iter().map(|&i| model.initiatives[i].id.as_str()).collect();
    let w = ranking.weights;
    serde_json::json!({
        "weights": {
            "business_impact": w.business_impact,
            "technical_feasibility": w.technical_feasibility,
            "resource_requirements": w.resource_requirements,
            "strategic_fit": w.strategic_fit,
        },
        "perturbation_pp": ranking.perturbation_pp,
        "weight_samples": ranking.n_weight_samples,
        "ranking": entries,
        "unscored": unscored,
    })
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn human(model: &tl_engine::Model, ranking: &Ranking, shown: usize, color: bool) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let n = ranking.entries.len();
    let w = ranking.weights;
    let _ = writeln!(
        out,
        "{} initiatives ranked; weights: impact {}, feasibility {}, resources {}, fit {}",
        n,
        fmt(w.business_impact),
        fmt(w.technical_feasibility),
        fmt(w.resource_requirements),
        fmt(w.strategic_fit)
    );
    let _ = writeln!(
        out,
        "rank range: best and worst rank over {} weight vectors within ±{} points\n",
        ranking.n_weight_samples,
        fmt(ranking.perturbation_pp)
    );
    let id_width = ranking
        .entries
        .iter()
        .take(shown)
        .map(|r| model.initiatives[r.initiative].id.as_str().len())
        .max()
        .unwrap_or(2)
        .max(10);
    let _ = writeln!(
        out,
        "{:>4}  {:<id_width$}  {:>5}  {:>6} {:>6} {:>6} {:>6}  {:>9}  robustness",
        "rank", "initiative", "score", "impact", "feas.", "resrc.", "fit", "range"
    );
    for r in ranking.entries.iter().take(shown) {
        let init = &model.initiatives[r.initiative];
        let c = r.contributions;
        let label = robustness(r, n);
        let label = if color {
            let code = match label {
                "stable" => "32",
                "moderate" => "33",
                _ => "31",
            };
            format!("\x1b[{code}m{label}\x1b[0m")
        } else {
            label.to_string()
        };
        let range = format!("{}-{}", r.best_rank, r.worst_rank);
        let _ = writeln!(
            out,
            "{:>4}  {:<id_width$}  {:>5.2}  {:>6.2} {:>6.2} {:>6.2} {:>6.2}  {:>9}  {label}",
            r.rank,
            init.id.as_str(),
            r.score,
            c[0],
            c[1],
            c[2],
            c[3],
            range
        );
    }
    if shown < n {
        let _ = writeln!(out, "... {} more (drop --top to see all)", n - shown);
    }
    if !ranking.unscored.is_empty() {
        let ids: Vec<&str> = ranking.unscored.iter().map(|&i| model.initiatives[i].id.as_str()).collect();
        let _ = writeln!(out, "\nnot ranked (incomplete scores): {}", ids.join(", "));
    }
    out
}

fn fmt(x: f64) -> String {
    tl_engine::rules::fmt_num(x)
}
