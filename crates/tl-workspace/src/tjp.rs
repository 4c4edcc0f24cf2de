//! Writing a generated project as a TaskJuggler 3 (`.tjp`) file, so that the
//! scheduler comparison in `benches/tj3.rs` can be rerun by anyone with
//! `tj3` installed.
//!
//! Each team is one TaskJuggler resource; each task has an effort in days
//! and is allocated to its team; predecessors become `depends`. A CSV task
//! report with start and end times is requested, so the project's end can be
//! read back.

use std::fmt::Write;
use tl_engine::generate::GeneratedProject;

/// The first day of every generated project (a Monday).
pub const PROJECT_START: &str = "2027-01-04";

/// The `.tjp` text of a project. `report` names the CSV report file (without
/// extension) that `tj3` will write next to the project.
pub fn to_tjp(project: &GeneratedProject, report: &str) -> String {
    let mut out = String::new();
    // The project must be long enough for any schedule TaskJuggler finds:
    // allow three times the lower bound, in calendar days, plus slack.
    let horizon_days = u64::from(project.lower_bound()) * 3 * 7 / 5 + 90;
    let _ = writeln!(out, "project gen \"Generated project\" {PROJECT_START} +{horizon_days}d {{");
    let _ = writeln!(out, "  timezone \"UTC\"");
    let _ = writeln!(out, "  timeformat \"%Y-%m-%d %H:%M\"");
    let _ = writeln!(out, "}}");
    for t in 0..project.teams {
        let _ = writeln!(out, "resource team{t} \"Team {t}\"");
    }
    for (i, (&team, &effort)) in project.team_of.iter().zip(&project.effort_days).enumerate() {
        let _ = write!(out, "task t{i} \"Task {i}\" {{ effort {effort}d allocate team{team}");
        let preds = &project.predecessors[i];
        if !preds.is_empty() {
            let list: Vec<String> = preds.iter().map(|p| format!("t{p}")).collect();
            let _ = write!(out, " depends {}", list.join(", "));
        }
        let _ = writeln!(out, " }}");
    }
    let _ = writeln!(out, "taskreport \"{report}\" {{ formats csv columns id, start, end }}");
    out
}
