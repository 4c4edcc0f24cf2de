//! Rules on themes, objectives and key results.

use super::{Ctx, Out, plural};
use crate::model::{Direction, KeyResult, Objective, Quarter};
use std::collections::{BTreeMap, BTreeSet};

pub(super) fn check(ctx: &Ctx<'_>, out: &mut Out<'_>) {
    themes(ctx, out);
    objective_counts(ctx, out);
    for o in &ctx.model.objectives {
        let range = ctx.model.policy.key_results_per_objective;
        if !range.contains(o.key_results.len()) {
            out.emit(
                "key-result-count",
                o.loc,
                format!("objective `{}` has {}", o.id, plural(o.key_results.len(), "key result", "key results")),
                format!("give each objective {}-{} measurable key results", range.min, range.max),
            );
        }
        if o.theme.is_none() {
            out.emit(
                "objective-theme",
                o.loc,
                format!("objective `{}` does not name a theme", o.id),
                "add `theme: <theme id>` so the objective rolls up to the strategy",
            );
        }
        for kr in &o.key_results {
            measurable(o, kr, out);
            time_bound(o, kr, out);
            activity(kr, out);
        }
    }
}

fn themes(ctx: &Ctx<'_>, out: &mut Out<'_>) {
    let model = ctx.model;
    let range = model.policy.themes;
    if !range.contains(model.themes.len()) {
        let loc = model.themes.first().map_or(model.policy.loc, |t| t.loc);
        out.emit(
            "theme-count",
            loc,
            format!("the strategy has {}", plural(model.themes.len(), "theme", "themes")),
            format!("a strategy has {}-{} themes: merge or drop some, or name what is missing", range.min, range.max),
        );
    }
    for t in &model.themes {
        if t.success_metrics.iter().all(|m| m.trim().is_empty()) {
            out.emit(
                "theme-success-metrics",
                t.loc,
                format!("theme `{}` has no success metrics", t.id),
                "add `success_metrics:` with at least one way to tell that the theme's impact happened",
            );
        }
    }
}

fn objective_counts(ctx: &Ctx<'_>, out: &mut Out<'_>) {
    let model = ctx.model;
    let mut quarters: BTreeSet<Quarter> = BTreeSet::new();
    let mut counts: BTreeMap<(Quarter, usize), usize> = BTreeMap::new();
    for o in &model.objectives {
        quarters.insert(o.quarter);
        let mut teams: BTreeSet<usize> = BTreeSet::new();
        for r in std::iter::once(&o.team).chain(&o.contributors) {
            if let Some(&t) = ctx.index.teams.get(r.as_str()) {
                teams.insert(t);
            }
        }
        for t in teams {
            *counts.entry((o.quarter, t)).or_default() += 1;
        }
    }
    let range = model.policy.objectives_per_team_quarter;
    for &q in &quarters {
        for (t, team) in model.teams.iter().enumerate() {
            let n = counts.get(&(q, t)).copied().unwrap_or(0);
            if !range.contains(n) {
                out.emit(
                    "objective-count",
                    team.loc,
                    format!("team `{}` has {} in {q}", team.id, plural(n, "objective", "objectives")),
                    format!(
                        "aim for {}-{} objectives per team and quarter (owned or contributed to via `contributors`)",
                        range.min, range.max
                    ),
                );
            }
        }
    }
}

fn measurable(o: &Objective, kr: &KeyResult, out: &mut Out<'_>) {
    let mut missing = Vec::new();
    if kr.baseline.is_none() {
        missing.push("a numeric `baseline`");
    }
    if kr.target.is_none() {
        missing.push("a numeric `target`");
    }
    if kr.unit.as_deref().is_none_or(|u| u.trim().is_empty()) {
        missing.push("a `unit`");
    }
    if !missing.is_empty() {
        out.emit(
            "kr-measurable",
            kr.loc,
            format!("key result `{}` of objective `{}` lacks {}", kr.id, o.id, join_and(&missing)),
            "state where the metric is today (baseline), where it must be (target) and its unit",
        );
        return;
    }
    let (Some(baseline), Some(target)) = (kr.baseline, kr.target) else {
        return;
    };
    if baseline == target {
        out.emit(
            "kr-measurable",
            kr.loc,
            format!("key result `{}` has the same baseline and target ({target})", kr.id),
            "a key result must move the metric; to keep a level, measure how often it is breached and aim to reduce that",
        );
    } else if let Some(direction) = kr.direction {
        let moves_up = target > baseline;
        if moves_up != (direction == Direction::Increase) {
            out.emit(
                "kr-measurable",
                kr.loc,
                format!(
                    "key result `{}` says `direction: {direction}` but goes from {} to {}",
                    kr.id, baseline, target
                ),
                "fix the direction, or swap baseline and target",
            );
        }
    }
}

fn time_bound(o: &Objective, kr: &KeyResult, out: &mut Out<'_>) {
    match kr.due {
        None => {
            out.emit(
                "kr-time-bound",
                kr.loc,
                format!("key result `{}` has no due date", kr.id),
                format!("add `due: YYYY-MM-DD` within {} ({} to {})", o.quarter, o.quarter.start(), o.quarter.end()),
            );
        }
        Some(due) if !o.quarter.contains(due) => {
            out.emit(
                "kr-time-bound",
                kr.loc,
                format!("key result `{}` is due {due}, outside its objective's quarter {}", kr.id, o.quarter),
                format!(
                    "move the due date within {} to {}, or move the key result to another objective",
                    o.quarter.start(),
                    o.quarter.end()
                ),
            );
        }
        Some(_) => {}
    }
}

/// Verbs that start a description of work to do rather than of a result.
const ACTIVITY_VERBS: &[&str] = &[
    "launch",
    "implement",
    "build",
    "migrate",
    "complete",
    "deliver",
    "ship",
    "create",
    "deploy",
    "finish",
    "start",
    "write",
    "introduce",
    "release",
    "develop",
    "design",
    "hire",
    "roll",
    "set",
    "setup",
    "do",
    "run",
    "conduct",
    "publish",
    "integrate",
    "refactor",
    "rewrite",
    "adopt",
    "evaluate",
    "investigate",
    "research",
    "document",
    "upgrade",
    "install",
];

/// Units that count completed activities rather than measure an outcome.
const COMPLETION_UNITS: &[&str] = &[
    "done",
    "tasks",
    "task",
    "milestones",
    "milestone",
    "deliverables",
    "deliverable",
    "boolean",
    "bool",
    "yes/no",
    "binary",
    "launched",
    "features",
    "feature",
    "projects",
    "project",
    "steps",
    "tickets",
    "stories",
];

fn activity(kr: &KeyResult, out: &mut Out<'_>) {
    let first_word =
        kr.title.split(|c: char| !c.is_alphanumeric()).find(|w| !w.is_empty()).unwrap_or("").to_lowercase();
    let unit = kr.unit.as_deref().unwrap_or("").trim().to_lowercase();
    let reason = if ACTIVITY_VERBS.contains(&first_word.as_str()) {
        Some(format!("its title starts with the activity verb \"{first_word}\""))
    } else if COMPLETION_UNITS.contains(&unit.as_str()) {
        Some(format!("its unit \"{unit}\" counts completed work"))
    } else if kr.baseline == Some(0.0) && kr.target == Some(1.0) {
        Some("it goes from 0 to 1, a done/not-done switch".to_string())
    } else {
        None
    };
    if let Some(reason) = reason {
        out.emit(
            "kr-activity",
            kr.loc,
            format!("key result `{}` looks like an activity, not an outcome: {reason}", kr.id),
            "state the change the work should cause (\"Cut checkout p99 from 800 ms to 300 ms\") and move the activity to an initiative or milestone",
        );
    }
}

pub(super) fn join_and(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}
