//! `throughline schedule`: place milestones on the calendar under team
//! capacity and dependencies.

use crate::Outcome;
use crate::output::PlanFormat;
use std::fmt::Write;
use std::path::PathBuf;
use tl_engine::Model;
use tl_engine::planning::{PlanSchedule, ScheduleOptions, schedule_plan};
use tl_engine::validate::Index;
use tl_engine::workplan::{BuildOptions, WorkPlan, build};

/// Schedule milestones (and initiatives without milestones) on the calendar.
///
/// Respects each team's daily capacity (FTE, focus factor, on-call, time off),
/// dependencies with their buffers (20% internal, 50% external by default),
/// and the working calendar. Reports start and finish per item, slack, the
/// resource-constrained critical path, due dates missed and by how much, and
/// each team's load per week.
#[derive(clap::Args)]
pub struct Args {
    /// The workspace folder.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: PlanFormat,
    /// First day of the plan (YYYY-MM-DD). Default: the first day of the
    /// earliest quarter with open initiatives.
    #[arg(long)]
    pub start: Option<jiff::civil::Date>,
    /// Also write the roadmap as a Gantt chart (SVG) to this file.
    #[arg(long)]
    pub svg: Option<PathBuf>,
    /// Random seed of the search.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// Loads a workspace for planning; prints errors and returns `None` when it has any.
pub fn load_for_planning(dir: &std::path::Path) -> Result<tl_workspace::Workspace, Outcome> {
    let ws = tl_workspace::load(dir);
    if ws.has_errors() {
        let errors: Vec<_> =
            ws.diagnostics.iter().filter(|d| d.severity == tl_engine::Severity::Error).cloned().collect();
        eprint!("{}", tl_workspace::render::human_all(&ws.sources, &errors, crate::output::use_color()));
        eprintln!("cannot plan: fix the errors above first (`throughline check` shows everything)");
        return Err(crate::commands::check::outcome(&ws));
    }
    Ok(ws)
}

/// The default start: the first day of the earliest quarter with open work.
pub fn default_start(model: &Model) -> jiff::civil::Date {
    model
        .initiatives
        .iter()
        .filter(|i| i.is_active())
        .map(|i| i.quarter)
        .min()
        .map(|q| q.start())
        .unwrap_or_else(|| jiff::civil::date(2027, 1, 1))
}

/// The work plan of a workspace from `start` (default: `default_start`),
/// leaving out work already done.
pub fn work_plan(model: &Model, start: Option<jiff::civil::Date>) -> WorkPlan {
    let index = Index::new(model);
    let start = start.unwrap_or_else(|| default_start(model));
    build(model, &index, BuildOptions { start, skip_done: true })
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let ws = match load_for_planning(&args.dir) {
        Ok(ws) => ws,
        Err(outcome) => return Ok(outcome),
    };
    let model = &ws.model;
    let plan = work_plan(model, args.start);
    let calendar = &model.organisation.calendar;
    let schedule = schedule_plan(&plan, calendar, ScheduleOptions { seed: args.seed, ..ScheduleOptions::default() })?;
    if let Some(path) = &args.svg {
        std::fs::write(path, gantt_svg(model, &plan, &schedule))?;
    }
    match args.format {
        PlanFormat::Human => print!("{}", human(model, &plan, &schedule)),
        PlanFormat::Json => println!("{}", serde_json::to_string_pretty(&json(model, &plan, &schedule))?),
        PlanFormat::Csv => print!("{}", csv(model, &plan, &schedule)),
    }
    Ok(Outcome::Clean)
}

fn human(model: &Model, plan: &WorkPlan, s: &PlanSchedule) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} items scheduled from {} to {}: {} working days (lower bound {})",
        s.items.len(),
        plan.start,
        s.end,
        s.makespan_days,
        s.lower_bound_days
    );
    let width = s.items.iter().map(|p| plan.items[p.item].id.len()).max().unwrap_or(4).max(4);
    let _ = writeln!(
        out,
        "\n{:<width$}  {:<12} {:<10}  {:<10}  {:>5}  {:<10}  late",
        "item", "team", "start", "finish", "slack", "due"
    );
    let mut placed: Vec<_> = s.items.iter().collect();
    placed.sort_by_key(|p| (p.start_day, p.finish_day, p.item));
    for p in &placed {
        let item = &plan.items[p.item];
        let due = item.due.map_or(String::new(), |d| d.to_string());
        let late = match p.late_days {
            Some(d) if d > 0 => format!("{d} days late"),
            _ => String::new(),
        };
        let mark = if p.critical { "*" } else { " " };
        let _ = writeln!(
            out,
            "{:<width$}  {:<12} {:<10}  {:<10}  {:>4}{mark}  {:<10}  {late}",
            item.id,
            model.teams[item.team].id.as_str(),
            p.start,
            p.finish,
            p.slack_days,
            due
        );
    }
    let _ = writeln!(out, "(* on the resource-constrained critical path: no slack)");
    let missed: Vec<_> = placed.iter().filter(|p| p.late_days.is_some_and(|d| d > 0)).collect();
    if missed.is_empty() {
        let _ = writeln!(out, "\nEvery item with a due date finishes on time.");
    } else {
        let _ = writeln!(out, "\n{} items miss their due date:", missed.len());
        for p in missed {
            let item = &plan.items[p.item];
            let _ = writeln!(
                out,
                "  {} finishes {}, due {}: {} working days late",
                item.id,
                p.finish,
                item.due.map(|d| d.to_string()).unwrap_or_default(),
                p.late_days.unwrap_or(0)
            );
        }
    }
    for (i, why) in &s.unschedulable {
        let _ = writeln!(out, "not scheduled: {} ({why})", plan.items[*i].id);
    }
    let _ = writeln!(out, "\nLoad per team and week (scheduled / available person-weeks; ! above 85%):");
    for (t, weeks) in s.load.iter().enumerate() {
        if weeks.iter().all(|w| w.demand_weeks == 0.0) {
            continue;
        }
        let cells: Vec<String> = weeks
            .iter()
            .map(|w| {
                let pct = if w.capacity_weeks > 0.0 { 100.0 * w.demand_weeks / w.capacity_weeks } else { 0.0 };
                format!("{:>3.0}%{}", pct, if pct > 85.0 { "!" } else { " " })
            })
            .collect();
        let _ = writeln!(out, "  {:<12} {}", model.teams[t].id.as_str(), cells.join(""));
    }
    out
}

fn json(model: &Model, plan: &WorkPlan, s: &PlanSchedule) -> serde_json::Value {
    let items: Vec<_> = s
        .items
        .iter()
        .map(|p| {
            let item = &plan.items[p.item];
            serde_json::json!({
                "id": item.id,
                "initiative": model.initiatives[item.initiative].id.as_str(),
                "team": model.teams[item.team].id.as_str(),
                "start": p.start.to_string(),
                "finish": p.finish.to_string(),
                "start_day": p.start_day,
                "finish_day": p.finish_day,
                "slack_days": p.slack_days,
                "critical": p.critical,
                "due": item.due.map(|d| d.to_string()),
                "late_days": p.late_days,
            })
        })
        .collect();
    let load: Vec<_> = s
        .load
        .iter()
        .enumerate()
        .map(|(t, weeks)| {
            let weeks: Vec<_> = weeks
                .iter()
                .map(|w| serde_json::json!({"week": w.monday.to_string(), "demand_weeks": w.demand_weeks, "capacity_weeks": w.capacity_weeks}))
                .collect();
            serde_json::json!({"team": model.teams[t].id.as_str(), "weeks": weeks})
        })
        .collect();
    serde_json::json!({
        "start": plan.start.to_string(),
        "end": s.end.to_string(),
        "makespan_days": s.makespan_days,
        "lower_bound_days": s.lower_bound_days,
        "items": items,
        "load": load,
        "unschedulable": s.unschedulable.iter().map(|(i, why)| serde_json::json!({"id": plan.items[*i].id, "reason": why})).collect::<Vec<_>>(),
    })
}

fn csv(model: &Model, plan: &WorkPlan, s: &PlanSchedule) -> String {
    let mut out = String::from("id,initiative,team,start,finish,slack_days,critical,due,late_days\n");
    for p in &s.items {
        let item = &plan.items[p.item];
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{},{}",
            item.id,
            model.initiatives[item.initiative].id,
            model.teams[item.team].id,
            p.start,
            p.finish,
            p.slack_days,
            p.critical,
            item.due.map(|d| d.to_string()).unwrap_or_default(),
            p.late_days.map(|d| d.to_string()).unwrap_or_default()
        );
    }
    out
}

/// A roadmap: one row per item, grouped by initiative, bars from start to
/// finish, critical items in red, due dates as ticks, late items outlined.
fn gantt_svg(model: &Model, plan: &WorkPlan, s: &PlanSchedule) -> String {
    let mut placed: Vec<_> = s.items.iter().collect();
    placed.sort_by_key(|p| (plan.items[p.item].initiative, p.start_day));
    let day_w = (900.0 / f64::from(s.makespan_days.max(1))).clamp(1.0, 12.0);
    let label_w = 260.0;
    let row_h = 18.0;
    let width = label_w + day_w * f64::from(s.makespan_days.max(1)) + 20.0;
    let height = 40.0 + row_h * placed.len() as f64;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" height=\"{height:.0}\" font-family=\"sans-serif\" font-size=\"11\" role=\"img\" aria-label=\"Roadmap\">\n<title>Roadmap {} to {}</title>\n",
        plan.start, s.end
    );
    let _ = writeln!(
        svg,
        "<text x=\"4\" y=\"14\" font-weight=\"bold\">Roadmap: {} to {} ({} working days)</text>",
        plan.start, s.end, s.makespan_days
    );
    for (row, p) in placed.iter().enumerate() {
        let item = &plan.items[p.item];
        let y = 30.0 + row_h * row as f64;
        let x = label_w + day_w * f64::from(p.start_day);
        let w = (day_w * f64::from(p.finish_day - p.start_day)).max(2.0);
        let fill = if p.critical { "#c0392b" } else { "#2e6da4" };
        let late = p.late_days.is_some_and(|d| d > 0);
        let stroke = if late { " stroke=\"#000\" stroke-width=\"2\"" } else { "" };
        let label = format!("{} ({})", item.id, model.teams[item.team].id);
        let _ = writeln!(svg, "<text x=\"4\" y=\"{:.1}\">{}</text>", y + 12.0, xml_escape(&label));
        let _ = writeln!(
            svg,
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{:.1}\" fill=\"{fill}\"{stroke}><title>{}: {} to {}{}</title></rect>",
            y + 2.0,
            row_h - 4.0,
            xml_escape(&item.id),
            p.start,
            p.finish,
            if late { format!(", {} days late", p.late_days.unwrap_or(0)) } else { String::new() }
        );
    }
    svg.push_str("</svg>\n");
    svg
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
