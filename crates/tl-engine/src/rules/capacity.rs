//! Rules on capacity and people: utilization, the 70-20-10 mix, the tech-debt
//! share, single points of failure, over-allocation and core metrics.

use super::{Ctx, Out, fmt_num};
use crate::model::{Category, HOLDS_SKILL_LEVEL, Indicator, Quarter};
use std::collections::{BTreeMap, HashMap};

pub(super) fn check(ctx: &Ctx<'_>, out: &mut Out<'_>) {
    load(ctx, out);
    single_points_of_failure(ctx, out);
    over_allocation(ctx, out);
    core_metrics(ctx, out);
}

fn load(ctx: &Ctx<'_>, out: &mut Out<'_>) {
    let policy = &ctx.model.policy;
    for (&(quarter, t), tq) in &ctx.load {
        let team = &ctx.model.teams[t];
        match tq.utilization_pct() {
            None if tq.demand_weeks > 0.0 => {
                out.emit(
                    "over-capacity",
                    team.loc,
                    format!(
                        "team `{}` has no capacity in {quarter} but is planned for {} person-weeks",
                        team.id,
                        fmt_num(tq.demand_weeks)
                    ),
                    "add people to the team (each person's `team`), or move the work to another team",
                );
            }
            Some(u) if u > policy.utilization_error_pct => {
                out.emit(
                    "over-capacity",
                    team.loc,
                    format!(
                        "team `{}` is planned at {}% of capacity in {quarter} ({} of {} person-weeks)",
                        team.id,
                        fmt_num(u),
                        fmt_num(tq.demand_weeks),
                        fmt_num(tq.capacity_weeks)
                    ),
                    "drop, shrink or move initiatives until the likely effort fits the capacity",
                );
            }
            Some(u) if u > policy.utilization_warn_pct => {
                out.emit(
                    "utilization-high",
                    team.loc,
                    format!(
                        "team `{}` is planned at {}% of capacity in {quarter} ({} of {} person-weeks), above {}%",
                        team.id,
                        fmt_num(u),
                        fmt_num(tq.demand_weeks),
                        fmt_num(tq.capacity_weeks),
                        fmt_num(policy.utilization_warn_pct)
                    ),
                    format!(
                        "leave slack for interrupts and estimation error: plan at most {}% of capacity",
                        fmt_num(policy.utilization_warn_pct)
                    ),
                );
            }
            _ => {}
        }

        if tq.demand_weeks > 0.0 {
            let mix = policy.capacity_mix;
            let targets = [mix.committed, mix.improvement, mix.exploration];
            let shares = tq.by_category.map(|x| 100.0 * x / tq.demand_weeks);
            let off = (0..3).any(|k| (shares[k] - targets[k]).abs() > mix.tolerance_pct + 1e-9);
            if off {
                out.emit(
                    "capacity-mix",
                    team.loc,
                    format!(
                        "team `{}` in {quarter} plans {}% committed / {}% improvement / {}% exploration, outside {}/{}/{} ± {}",
                        team.id,
                        fmt_num(shares[0]),
                        fmt_num(shares[1]),
                        fmt_num(shares[2]),
                        fmt_num(targets[0]),
                        fmt_num(targets[1]),
                        fmt_num(targets[2]),
                        fmt_num(mix.tolerance_pct)
                    ),
                    "rebalance the team's initiatives across categories, or change `category` where it is wrong",
                );
            }
        }

        if tq.capacity_weeks > 0.0 && tq.demand_weeks > 0.0 {
            let share = 100.0 * tq.tech_debt_weeks / tq.capacity_weeks;
            let range = policy.tech_debt_pct;
            if share < range.min - 1e-9 || share > range.max + 1e-9 {
                out.emit(
                    "tech-debt-share",
                    team.loc,
                    format!(
                        "team `{}` spends {}% of its {quarter} capacity on tech debt ({} of {} person-weeks), outside {}-{}%",
                        team.id,
                        fmt_num(share),
                        fmt_num(tq.tech_debt_weeks),
                        fmt_num(tq.capacity_weeks),
                        fmt_num(range.min),
                        fmt_num(range.max)
                    ),
                    format!("plan tech-debt initiatives (`investment: tech_debt`) worth {}-{}% of the team's capacity; the debt register lists candidates", fmt_num(range.min), fmt_num(range.max)),
                );
            }
        }
    }
}

fn single_points_of_failure(ctx: &Ctx<'_>, out: &mut Out<'_>) {
    let model = ctx.model;
    // (team index, skill) -> people who hold it.
    let mut holders: HashMap<(usize, &str), Vec<&str>> = HashMap::new();
    for p in &model.people {
        let Some(&t) = ctx.index.teams.get(p.team.as_str()) else {
            continue;
        };
        for s in &p.skills {
            if s.level >= HOLDS_SKILL_LEVEL {
                holders.entry((t, s.name.as_str())).or_default().push(p.id.as_str());
            }
        }
    }
    let min = model.policy.min_skill_holders as usize;
    for init in &model.initiatives {
        if init.category != Category::Committed || !init.is_active() {
            continue;
        }
        let teams: Vec<usize> =
            init.effort.iter().filter_map(|e| ctx.index.teams.get(e.team.as_str()).copied()).collect();
        if teams.is_empty() {
            // No team carries it yet (effort-estimate reports that).
            continue;
        }
        for skill in &init.skills {
            let mut who: Vec<&str> =
                teams.iter().filter_map(|&t| holders.get(&(t, skill.as_str()))).flatten().copied().collect();
            who.sort_unstable();
            who.dedup();
            if who.len() < min {
                let team_names: Vec<&str> = init.effort.iter().map(|e| e.team.as_str()).collect();
                let message = match who.as_slice() {
                    [] => format!(
                        "committed initiative `{}` needs `{skill}`, which nobody in {} holds",
                        init.id,
                        team_names.join(", ")
                    ),
                    [one] => format!(
                        "committed initiative `{}` needs `{skill}`, held only by `{one}` in {}: a single point of failure",
                        init.id,
                        team_names.join(", ")
                    ),
                    many => format!(
                        "committed initiative `{}` needs `{skill}`, held by only {} people ({})",
                        init.id,
                        many.len(),
                        many.join(", ")
                    ),
                };
                out.emit(
                    "skill-spof",
                    init.loc,
                    message,
                    format!("pair someone up to level {HOLDS_SKILL_LEVEL} in `{skill}`, or staff the initiative with another holder"),
                );
            }
        }
    }
}

fn over_allocation(ctx: &Ctx<'_>, out: &mut Out<'_>) {
    let model = ctx.model;
    let mut total: BTreeMap<(usize, Quarter), (f64, Vec<&str>)> = BTreeMap::new();
    for init in model.initiatives.iter().filter(|i| i.is_active()) {
        for a in &init.staffing {
            if let Some(&p) = ctx.index.people.get(a.person.as_str()) {
                let entry = total.entry((p, init.quarter)).or_default();
                entry.0 += a.share;
                entry.1.push(init.id.as_str());
            }
        }
    }
    for ((p, quarter), (share, initiatives)) in total {
        let person = &model.people[p];
        if share > person.fte + 1e-9 {
            out.emit(
                "person-overallocated",
                person.loc,
                format!(
                    "`{}` is allocated {}% in {quarter} ({}) but works {}%",
                    person.id,
                    fmt_num(share * 100.0),
                    initiatives.join(", "),
                    fmt_num(person.fte * 100.0)
                ),
                "lower the allocations under `staffing:` or move some of this work to someone else",
            );
        }
    }
}

fn core_metrics(ctx: &Ctx<'_>, out: &mut Out<'_>) {
    let model = ctx.model;
    let mut per_team: Vec<(usize, bool, bool)> = vec![(0, false, false); model.teams.len()];
    for m in &model.metrics {
        if let Some(&t) = ctx.index.teams.get(m.team.as_str()) {
            per_team[t].0 += 1;
            match m.indicator {
                Indicator::Leading => per_team[t].1 = true,
                Indicator::Lagging => per_team[t].2 = true,
            }
        }
    }
    let range = model.policy.core_metrics_per_team;
    for (t, &(n, leading, lagging)) in per_team.iter().enumerate() {
        let team = &model.teams[t];
        let mut problems = Vec::new();
        if !range.contains(n) {
            problems.push(format!("has {}", super::plural(n, "core metric", "core metrics")));
        }
        if n > 0 && !leading {
            problems.push("has no leading indicator".to_string());
        }
        if n > 0 && !lagging {
            problems.push("has no lagging indicator".to_string());
        }
        if !problems.is_empty() {
            out.emit(
                "core-metrics",
                team.loc,
                format!("team `{}` {}", team.id, problems.join(" and ")),
                format!(
                    "give each team {}-{} metrics under `metrics:`, mixing leading (predictive) and lagging (confirming) ones",
                    range.min, range.max
                ),
            );
        }
    }
}
