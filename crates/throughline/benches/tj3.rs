//! Scheduler speed at organisation scale, against TaskJuggler 3.
//!
//! `cargo bench -p throughline --bench tj3 [-- TASKS...]` generates flat
//! projects (about two predecessors per task, one team per task, effort in
//! days; a team works on one task at a time), schedules each with our
//! scheduler in-process, writes the same project as a `.tjp` file and runs
//! `tj3` on it, then prints both makespans, the lower bound max(critical path,
//! busiest team's load), both times and the speed ratio. If `tj3` is not
//! installed it says so and runs ours alone. Sizes default to 1,000, 5,000,
//! 10,000 and 20,000 tasks with one team per 50 tasks.
//!
//! TaskJuggler may split a task over whatever free hours its team has; ours
//! never splits a task. TaskJuggler's makespan is converted to working days
//! from its report's end time (8-hour days, 9:00-12:00 and 13:00-18:00).

use std::path::Path;
use std::process::Command;
use std::time::Instant;
use tl_engine::generate::{ProjectOptions, generate_project};
use tl_engine::schedule::{SolveOptions, is_feasible, solve};

fn main() {
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let sizes = if args.is_empty() { vec![1_000, 5_000, 10_000, 20_000] } else { args };
    let have_tj3 = Command::new("tj3").arg("--version").output().is_ok_and(|o| o.status.success());
    if !have_tj3 {
        println!("tj3 (TaskJuggler 3, Debian package `tj3`) is not installed: running ours alone.");
    }
    let dir = std::env::temp_dir().join(format!("throughline-tj3-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    println!(
        "{:>6} {:>5} | {:>8} {:>8} {:>9} | {:>8} {:>9} | {:>7}",
        "tasks", "teams", "bound", "ours", "ours s", "tj3", "tj3 s", "speedup"
    );
    for tasks in sizes {
        let teams = (tasks / 50).max(1);
        let project = generate_project(ProjectOptions { tasks, teams, seed: 1, ..ProjectOptions::default() });
        let problem = project.problem();
        let bound = project.lower_bound();
        let options = SolveOptions { max_schedules: budget(tasks), ..SolveOptions::default() };
        let t0 = Instant::now();
        let schedule = solve(&problem, &options).expect("the generated project is valid");
        let ours_s = t0.elapsed().as_secs_f64();
        is_feasible(&problem, &schedule).expect("our schedule is feasible");

        let (tj_makespan, tj_s) = if have_tj3 {
            let file = dir.join(format!("p{tasks}.tjp"));
            std::fs::write(&file, tl_workspace::tjp::to_tjp(&project, &format!("r{tasks}"))).expect("write tjp");
            let t0 = Instant::now();
            let out = Command::new("tj3")
                .args(["--silent", "--no-color"])
                .arg(&file)
                .current_dir(&dir)
                .output()
                .expect("run tj3");
            let secs = t0.elapsed().as_secs_f64();
            if !out.status.success() {
                println!("tj3 failed on {tasks} tasks:\n{}", String::from_utf8_lossy(&out.stderr));
                (None, secs)
            } else {
                (tj_makespan_days(&dir.join(format!("r{tasks}.csv"))), secs)
            }
        } else {
            (None, f64::NAN)
        };
        let fmt_opt = |x: Option<f64>| x.map_or("-".to_string(), |d| format!("{d:.1}"));
        let speedup = if tj_s.is_finite() { format!("{:.0}x", tj_s / ours_s) } else { "-".into() };
        println!(
            "{:>6} {:>5} | {:>8} {:>8} {:>9.3} | {:>8} {:>9.2} | {:>7}",
            tasks,
            teams,
            bound,
            schedule.makespan,
            ours_s,
            fmt_opt(tj_makespan),
            tj_s,
            speedup
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The search budget: a fixed number of schedules (`TL_SCHEDULES`, default
/// 400). One schedule costs time that grows with the project's size, but
/// TaskJuggler's run grows faster, so a fixed count keeps the ratio at
/// every size.
fn budget(_tasks: usize) -> usize {
    std::env::var("TL_SCHEDULES").ok().and_then(|v| v.parse().ok()).unwrap_or(400)
}

/// The project's end from TaskJuggler's CSV task report, in working days
/// from the project start (Monday 9:00).
fn tj_makespan_days(csv: &Path) -> Option<f64> {
    let text = std::fs::read_to_string(csv).ok()?;
    let start: jiff::civil::Date = tl_workspace::tjp::PROJECT_START.parse().ok()?;
    let mut latest: Option<f64> = None;
    for line in text.lines().skip(1) {
        let fields: Vec<&str> = line.split(';').map(|f| f.trim_matches('"')).collect();
        let end = fields.get(2)?;
        let (date, time) = end.split_once(' ')?;
        let date: jiff::civil::Date = date.parse().ok()?;
        let (h, m) = time.split_once(':')?;
        let hour = h.parse::<f64>().ok()? + m.parse::<f64>().ok()? / 60.0;
        // Hours worked on the end day: 9-12 and 13-18.
        let worked = (hour.min(12.0) - 9.0).max(0.0) + (hour.min(18.0) - 13.0).max(0.0);
        let cal = tl_engine::calendar::Calendar::default();
        let days = cal.working_days_between(start, date) as f64 + worked / 8.0;
        latest = Some(latest.map_or(days, |l: f64| l.max(days)));
    }
    latest
}
