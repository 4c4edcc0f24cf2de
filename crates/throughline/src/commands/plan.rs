//! `throughline plan`: choose the quarter's portfolio under capacity, the
//! 70-20-10 mix, the tech-debt floor, skills and precedence, and compare
//! what-if scenarios.

use crate::Outcome;
use crate::commands::schedule::load_for_planning;
use crate::output::PlanFormat;
use std::collections::HashMap;
use std::fmt::Write;
use std::path::PathBuf;
use tl_engine::Model;
use tl_engine::model::Quarter;
use tl_engine::portfolio::{MixLimit, Reason, Solution, Status, solve};
use tl_engine::portfolio_plan::{QuarterPortfolio, WhatIf, apply_what_ifs, quarter_portfolio};

/// Choose the initiatives for a quarter.
///
/// Maximizes the total weighted score subject to each team's capacity under
/// the planned-utilization ceiling (85%), the 70-20-10 mix with its
/// tolerance, the tech-debt floor (15% of chosen effort), the skills being
/// held in the teams, precedence between initiatives, and initiatives that
/// are already in progress (mandatory) or cancelled (excluded). Prints the
/// selection, its value, an upper bound and the gap to it, the constraints
/// that bind, and a reason for every initiative left out.
///
/// With `--what-if`, also solves a scenario and prints it side by side:
/// `headcount:TEAM=+2`, `without:PERSON`, `shock:TEAM=-30` (percent of
/// capacity; `shock:-10` for every team) and `ceiling:95`. Several
/// `--what-if`s make one scenario.
#[derive(clap::Args)]
pub struct Args {
    /// The workspace folder.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// The quarter to plan, e.g. 2027-Q1. Default: the earliest quarter with initiatives.
    #[arg(long, value_parser = parse_quarter)]
    pub quarter: Option<Quarter>,
    /// A change to price against the baseline (repeatable).
    #[arg(long = "what-if", value_parser = parse_what_if)]
    pub what_if: Vec<WhatIf>,
    /// Output format (`csv` gives one row per initiative).
    #[arg(long, value_enum, default_value = "human")]
    pub format: PlanFormat,
}

fn parse_quarter(s: &str) -> Result<Quarter, String> {
    Quarter::parse(s)
}

fn parse_what_if(s: &str) -> Result<WhatIf, String> {
    WhatIf::parse(s)
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let ws = match load_for_planning(&args.dir) {
        Ok(ws) => ws,
        Err(outcome) => return Ok(outcome),
    };
    let model = &ws.model;
    let Some(quarter) = args.quarter.or_else(|| model.initiatives.iter().map(|i| i.quarter).min()) else {
        eprintln!("error: the workspace has no initiatives to plan");
        return Ok(Outcome::PlanErrors);
    };
    let baseline = quarter_portfolio(model, quarter, &HashMap::new(), None);
    let base_solution = solve(&baseline.problem, &baseline.options);
    let scenario = if args.what_if.is_empty() {
        None
    } else {
        let changed = match apply_what_ifs(model, &args.what_if) {
            Ok(x) => x,
            Err(e) => {
                eprintln!("error: {e}");
                return Ok(Outcome::Unreadable);
            }
        };
        let p = quarter_portfolio(&changed.model, quarter, &changed.capacity_factors, changed.ceiling);
        let s = solve(&p.problem, &p.options);
        Some((p, s))
    };
    match args.format {
        PlanFormat::Human => {
            print!("{}", human(model, quarter, &baseline, &base_solution));
            if let Some((p, s)) = &scenario {
                print!("{}", compare(&args.what_if, &baseline, &base_solution, p, s));
            }
        }
        PlanFormat::Json => {
            let mut doc = json(quarter, &baseline, &base_solution);
            if let Some((p, s)) = &scenario {
                doc["scenario"] = json(quarter, p, s);
                doc["scenario"]["what_if"] = args.what_if.iter().map(|w| format!("{w:?}")).collect::<Vec<_>>().into();
            }
            println!("{}", serde_json::to_string_pretty(&doc)?);
        }
        PlanFormat::Csv => {
            let mut out = String::from("initiative,selected,value,reason\n");
            for (k, item) in baseline.problem.items.iter().enumerate() {
                let reason = reason_text(&baseline, &base_solution, k).unwrap_or_default().replace('"', "'");
                let _ = writeln!(out, "{},{},{:.3},\"{}\"", item.name, base_solution.selected[k], item.value, reason);
            }
            print!("{out}");
        }
    }
    Ok(match base_solution.status {
        Status::Infeasible(_) | Status::Invalid(_) => Outcome::PlanErrors,
        _ => Outcome::Clean,
    })
}

fn status_text(s: &Solution) -> String {
    match &s.status {
        Status::Optimal => "proven optimal".to_string(),
        Status::Feasible => format!("within {:.2}% of the bound", 100.0 * s.gap),
        Status::Infeasible(why) => format!("infeasible: {why:?}"),
        Status::Unknown => "no feasible selection found within the budget".to_string(),
        Status::Invalid(e) => format!("invalid input: {e:?}"),
    }
}

fn reason_text(p: &QuarterPortfolio, s: &Solution, item: usize) -> Option<String> {
    if s.selected[item] {
        return None;
    }
    let e = s.explanations.iter().find(|e| e.item == item)?;
    let name = &p.problem.items[item].name;
    let why = match (&e.reason, &p.missing_skill[item]) {
        (Reason::NotAllowed, Some(why)) => why.clone(),
        _ => e.describe(&p.problem),
    };
    Some(if why.starts_with(name.as_str()) { why } else { format!("{name}: {why}") })
}

fn limit_text(l: MixLimit) -> String {
    match l {
        MixLimit::CategoryMax(c) => format!("{c:?} share at its maximum").to_lowercase(),
        MixLimit::CategoryMin(c) => format!("{c:?} share at its minimum").to_lowercase(),
        MixLimit::DebtFloor => "tech-debt share at its floor".to_string(),
    }
}

fn human(model: &Model, quarter: Quarter, p: &QuarterPortfolio, s: &Solution) -> String {
    let mut out = String::new();
    let n_selected = s.selected.iter().filter(|&&x| x).count();
    let _ = writeln!(
        out,
        "Portfolio for {quarter}: {n_selected} of {} initiatives, value {:.2} (upper bound {:.2}; {})",
        p.problem.items.len(),
        s.value,
        s.bound,
        status_text(s)
    );
    let greedy_gap = if s.bound > 0.0 { 100.0 * (s.bound - s.stats.greedy_value) / s.bound } else { 0.0 };
    let _ = writeln!(
        out,
        "Greedy by value per person-week would reach {:.2} ({greedy_gap:.2}% below the bound).",
        s.stats.greedy_value
    );
    let _ = writeln!(out, "\nBinding constraints:");
    let mut any = false;
    // A team binds when it is full, or when an initiative that could be chosen
    // was left out and would not fit in what the team has left.
    let blocked_on = |team: usize| {
        (0..p.problem.items.len()).any(|k| {
            let item = &p.problem.items[k];
            !s.selected[k] && item.allowed && !item.excluded && item.effort.iter().any(|&(t, _)| t == team)
        })
    };
    for t in &s.teams {
        if t.full || (t.nearly_full && blocked_on(t.team)) {
            any = true;
            let _ = writeln!(
                out,
                "  team {}: {:.1} of {:.1} person-weeks under the {:.0}% ceiling{}",
                model.teams[t.team].id,
                t.used,
                t.limit,
                p.options.ceiling_percent,
                if t.full { " (full)" } else { " (nothing left out fits)" }
            );
        }
    }
    for sh in s.shares.iter().filter(|sh| sh.at_limit) {
        any = true;
        let _ = writeln!(out, "  {}: {:.1}% (limit {:.1}%)", limit_text(sh.limit), 100.0 * sh.share, 100.0 * sh.bound);
    }
    if !any {
        let _ = writeln!(out, "  none: nothing was left out for lack of capacity or mix");
    }
    let _ = writeln!(out, "\nSelected:");
    let mut selected: Vec<usize> = (0..p.problem.items.len()).filter(|&k| s.selected[k]).collect();
    selected.sort_by(|&a, &b| p.problem.items[b].value.total_cmp(&p.problem.items[a].value));
    for k in selected {
        let item = &p.problem.items[k];
        let effort: Vec<String> = item.effort.iter().map(|&(t, w)| format!("{} {w}", model.teams[t].id)).collect();
        let _ = writeln!(
            out,
            "  {:<28} {:>5.2}  {:<11} {}",
            item.name,
            item.value,
            format!("{:?}", item.category).to_lowercase(),
            effort.join(", ")
        );
    }
    let left_out: Vec<usize> = (0..p.problem.items.len()).filter(|&k| !s.selected[k]).collect();
    if !left_out.is_empty() {
        let _ = writeln!(out, "\nLeft out:");
        for k in left_out {
            let _ = writeln!(out, "  {}", reason_text(p, s, k).unwrap_or_else(|| p.problem.items[k].name.clone()));
        }
    }
    out
}

fn compare(what_ifs: &[WhatIf], bp: &QuarterPortfolio, bs: &Solution, sp: &QuarterPortfolio, ss: &Solution) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "\nScenario: {}", what_ifs.iter().map(describe).collect::<Vec<_>>().join("; "));
    let _ = writeln!(out, "  {:<24} {:>12} {:>12}", "", "baseline", "scenario");
    let count = |s: &Solution| s.selected.iter().filter(|&&x| x).count();
    let _ = writeln!(out, "  {:<24} {:>12} {:>12}", "initiatives selected", count(bs), count(ss));
    let _ = writeln!(out, "  {:<24} {:>12.2} {:>12.2}", "value", bs.value, ss.value);
    let _ = writeln!(out, "  {:<24} {:>12.2} {:>12.2}", "upper bound", bs.bound, ss.bound);
    for (bt, st) in bs.teams.iter().zip(&ss.teams) {
        let name = &bp.problem.teams[bt.team].name;
        let _ = writeln!(
            out,
            "  {:<24} {:>12} {:>12}",
            format!("{name} used/limit"),
            format!("{:.0}/{:.0}", bt.used, bt.limit),
            format!("{:.0}/{:.0}", st.used, st.limit)
        );
    }
    let names = |p: &QuarterPortfolio, s: &Solution| -> Vec<String> {
        (0..p.problem.items.len()).filter(|&k| s.selected[k]).map(|k| p.problem.items[k].name.clone()).collect()
    };
    let (before, after) = (names(bp, bs), names(sp, ss));
    let added: Vec<&String> = after.iter().filter(|n| !before.contains(n)).collect();
    let dropped: Vec<&String> = before.iter().filter(|n| !after.contains(n)).collect();
    if added.is_empty() && dropped.is_empty() {
        let _ = writeln!(out, "  the same initiatives are selected");
    }
    for n in added {
        let _ = writeln!(out, "  + {n}");
    }
    for n in dropped {
        let k = sp.problem.items.iter().position(|i| &i.name == n).unwrap_or(0);
        let _ = writeln!(out, "  - {}", reason_text(sp, ss, k).unwrap_or_else(|| n.clone()));
    }
    out
}

fn describe(w: &WhatIf) -> String {
    match w {
        WhatIf::Headcount { team, delta } => format!("{delta:+} people in {team}"),
        WhatIf::Without { person } => format!("without {person}"),
        WhatIf::Shock { team: Some(t), percent } => format!("{t} capacity {percent:+}%"),
        WhatIf::Shock { team: None, percent } => format!("every team's capacity {percent:+}%"),
        WhatIf::Ceiling { percent } => format!("utilization ceiling {percent}%"),
    }
}

fn json(quarter: Quarter, p: &QuarterPortfolio, s: &Solution) -> serde_json::Value {
    let items: Vec<_> = p
        .problem
        .items
        .iter()
        .enumerate()
        .map(|(k, item)| {
            serde_json::json!({
                "id": item.name,
                "selected": s.selected[k],
                "value": item.value,
                "reason": reason_text(p, s, k),
            })
        })
        .collect();
    let teams: Vec<_> = s
        .teams
        .iter()
        .map(|t| serde_json::json!({"team": p.problem.teams[t.team].name, "used_weeks": t.used, "limit_weeks": t.limit, "binding": t.full || t.nearly_full}))
        .collect();
    serde_json::json!({
        "quarter": quarter.to_string(),
        "status": status_text(s),
        "value": s.value,
        "bound": s.bound,
        "gap": s.gap,
        "greedy_value": s.stats.greedy_value,
        "teams": teams,
        "initiatives": items,
    })
}
