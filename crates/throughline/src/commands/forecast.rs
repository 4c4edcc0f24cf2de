//! `throughline forecast`: Monte Carlo finish dates for milestones,
//! initiatives and objectives.

use crate::Outcome;
use crate::commands::schedule::{load_for_planning, work_plan};
use crate::output::PlanFormat;
use std::fmt::Write;
use std::io::IsTerminal;
use std::path::PathBuf;
use tl_engine::calendar::Calendar;
use tl_engine::forecast::{Distribution, FinishStats, ForecastOptions, Group, Pass, simulate};
use tl_engine::planning::to_network;

/// Forecast finish dates by Monte Carlo simulation.
///
/// Draws every item's duration from its three-point estimate (PERT-Beta by
/// default) and schedules each sample under team capacity and dependencies.
/// Reports P50 / P85 / P95 finish dates per milestone, initiative and
/// objective, the probability of meeting the due date and the quarter end,
/// and a criticality index (how often an item is on the critical path,
/// measured along dependencies). The same seed gives the same numbers,
/// whatever the number of cores.
#[derive(clap::Args)]
pub struct Args {
    /// The workspace folder.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Number of samples.
    #[arg(long, default_value_t = 10_000)]
    pub samples: usize,
    /// Random seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Duration distribution.
    #[arg(long, value_enum, default_value = "pert")]
    pub distribution: DistributionArg,
    /// Schedule each sample under team capacity (`resource`) or along
    /// dependencies only (`precedence`).
    #[arg(long, value_enum, default_value = "resource")]
    pub pass: PassArg,
    /// First day of the plan (YYYY-MM-DD). Default: the first day of the
    /// earliest quarter with open initiatives.
    #[arg(long)]
    pub start: Option<jiff::civil::Date>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: PlanFormat,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum DistributionArg {
    /// PERT-Beta (lambda = 4).
    Pert,
    /// Triangular.
    Triangular,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum PassArg {
    /// Team capacity and dependencies.
    Resource,
    /// Dependencies only.
    Precedence,
}

/// One row of the report.
struct Row {
    kind: &'static str,
    id: String,
    stats: FinishStats,
    due: Option<jiff::civil::Date>,
    p_quarter_end: f64,
    criticality: Option<f64>,
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let ws = match load_for_planning(&args.dir) {
        Ok(ws) => ws,
        Err(outcome) => return Ok(outcome),
    };
    let model = &ws.model;
    let plan = work_plan(model, args.start);
    let start = plan.start;
    let calendar = &model.organisation.calendar;
    let (network, n_items) = to_network(&plan, calendar)?;
    let distribution = match args.distribution {
        DistributionArg::Pert => Distribution::PertBeta,
        DistributionArg::Triangular => Distribution::Triangular,
    };
    let pass = match args.pass {
        PassArg::Resource => Pass::ResourceAware,
        PassArg::Precedence => Pass::Precedence,
    };
    if std::io::stderr().is_terminal() {
        eprintln!("simulating {} samples of {} items...", args.samples, n_items);
    }
    let options = ForecastOptions { samples: args.samples, seed: args.seed, distribution, pass };
    let sim = simulate(&network, &options).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    // Criticality is traced along dependencies, so it comes from a
    // precedence pass with the same seed when the main pass is resource-aware.
    let criticality = match sim.criticality() {
        Some(c) => c,
        None => simulate(&network, &ForecastOptions { pass: Pass::Precedence, ..options })
            .map_err(|e| anyhow::anyhow!("{e:?}"))?
            .criticality()
            .unwrap_or_default(),
    };

    let day0 = calendar.next_working(start);
    let day_of = |date: jiff::civil::Date| (calendar.working_days_between(day0, date) + 1) as f64;
    // Groups: initiatives, then objectives.
    let mut groups = Vec::new();
    let mut group_meta = Vec::new();
    for (i, init) in model.initiatives.iter().enumerate() {
        let tasks: Vec<usize> =
            plan.items.iter().enumerate().filter(|(_, it)| it.initiative == i).map(|(t, _)| t).collect();
        if tasks.is_empty() {
            continue;
        }
        let due = init.quarter.end();
        groups.push(Group { name: init.id.to_string(), tasks, due: Some(day_of(due)) });
        group_meta.push(("initiative", init.id.to_string(), due));
    }
    for o in &model.objectives {
        let tasks: Vec<usize> = plan
            .items
            .iter()
            .enumerate()
            .filter(|(_, it)| model.initiatives[it.initiative].objectives.iter().any(|r| r.id == o.id))
            .map(|(t, _)| t)
            .collect();
        if tasks.is_empty() {
            continue;
        }
        let due = o.quarter.end();
        groups.push(Group { name: o.id.to_string(), tasks, due: Some(day_of(due)) });
        group_meta.push(("objective", o.id.to_string(), due));
    }
    let forecast = sim.summarize(&network, &groups).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let share_by = |finishes: &[f32], day: f64| {
        finishes.iter().filter(|&&f| f64::from(f) <= day).count() as f64 / finishes.len().max(1) as f64
    };

    let mut rows = Vec::new();
    for (t, item) in plan.items.iter().enumerate().take(n_items) {
        let quarter_end = model.initiatives[item.initiative].quarter.end();
        rows.push(Row {
            kind: "milestone",
            id: item.id.clone(),
            stats: forecast.tasks[t].clone(),
            due: item.due,
            p_quarter_end: share_by(&sim.task_finishes(t), day_of(quarter_end)),
            criticality: criticality.get(t).copied(),
        });
    }
    for (g, (kind, id, due)) in group_meta.into_iter().enumerate() {
        rows.push(Row {
            kind,
            id,
            stats: forecast.groups[g].clone(),
            due: None,
            p_quarter_end: share_by(&sim.group_finishes(&groups[g].tasks), day_of(due)),
            criticality: None,
        });
    }

    match args.format {
        PlanFormat::Human => print!("{}", human(&rows, calendar, day0, &options, n_items)),
        PlanFormat::Json => {
            let rows: Vec<_> = rows
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "kind": r.kind,
                        "id": r.id,
                        "p50": date(calendar, day0, r.stats.p50).to_string(),
                        "p85": date(calendar, day0, r.stats.p85).to_string(),
                        "p95": date(calendar, day0, r.stats.p95).to_string(),
                        "due": r.due.map(|d| d.to_string()),
                        "p_on_time": r.stats.on_time,
                        "p_quarter_end": r.p_quarter_end,
                        "criticality": r.criticality,
                    })
                })
                .collect();
            let doc = serde_json::json!({
                "samples": options.samples,
                "seed": options.seed,
                "start": day0.to_string(),
                "rows": rows,
            });
            println!("{}", serde_json::to_string_pretty(&doc)?);
        }
        PlanFormat::Csv => {
            let mut out = String::from("kind,id,p50,p85,p95,due,p_on_time,p_quarter_end,criticality\n");
            for r in &rows {
                let _ = writeln!(
                    out,
                    "{},{},{},{},{},{},{},{:.4},{}",
                    r.kind,
                    r.id,
                    date(calendar, day0, r.stats.p50),
                    date(calendar, day0, r.stats.p85),
                    date(calendar, day0, r.stats.p95),
                    r.due.map(|d| d.to_string()).unwrap_or_default(),
                    r.stats.on_time.map(|p| format!("{p:.4}")).unwrap_or_default(),
                    r.p_quarter_end,
                    r.criticality.map(|c| format!("{c:.4}")).unwrap_or_default()
                );
            }
            print!("{out}");
        }
    }
    Ok(Outcome::Clean)
}

/// The working day on which a fractional finish (in days from the start) falls.
fn date(calendar: &Calendar, day0: jiff::civil::Date, finish: f64) -> jiff::civil::Date {
    let day = (finish.ceil() as i64 - 1).max(0) as u32;
    calendar.date_of(day0, day)
}

fn human(
    rows: &[Row],
    calendar: &Calendar,
    day0: jiff::civil::Date,
    options: &ForecastOptions,
    n_items: usize,
) -> String {
    let mut out = String::new();
    let pass = match options.pass {
        Pass::ResourceAware => "under team capacity and dependencies",
        Pass::Precedence => "along dependencies only",
    };
    let _ =
        writeln!(out, "{} samples of {} items, scheduled {pass}, seed {}\n", options.samples, n_items, options.seed);
    let width = rows.iter().map(|r| r.id.len()).max().unwrap_or(2).max(10);
    let _ = writeln!(
        out,
        "{:<10} {:<width$}  {:<10}  {:<10}  {:<10}  {:<10}  {:>7}  {:>9}  {:>5}",
        "kind", "id", "P50", "P85", "P95", "due", "on time", "by Q end", "crit."
    );
    for r in rows {
        let pct = |p: Option<f64>| p.map_or(String::new(), |p| format!("{:.0}%", 100.0 * p));
        let _ = writeln!(
            out,
            "{:<10} {:<width$}  {:<10}  {:<10}  {:<10}  {:<10}  {:>7}  {:>9}  {:>5}",
            r.kind,
            r.id,
            date(calendar, day0, r.stats.p50),
            date(calendar, day0, r.stats.p85),
            date(calendar, day0, r.stats.p95),
            r.due.map(|d| d.to_string()).unwrap_or_default(),
            pct(r.stats.on_time),
            pct(Some(r.p_quarter_end)),
            pct(r.criticality)
        );
    }
    out
}
