//! The organisation's quarter as a portfolio problem, and what-if scenarios.
//!
//! Items are the quarter's initiatives: value is the weighted score, effort
//! the likely person-weeks per team. Initiatives already in progress or done
//! are mandatory; cancelled ones, and those the workspace excludes, are
//! excluded. An initiative whose needed skill nobody in its teams holds is
//! not allowed. B requires A when a milestone of B waits for a milestone of A.
//! Team capacity is the derived quarterly capacity; the ceiling, the mix and
//! the tech-debt floor come from the policy.
//!
//! A scenario is a list of `WhatIf`s applied to a copy of the model (and the
//! options), so the same mapping prices the baseline and the scenario.

use crate::capacity::team_capacities;
use crate::model::{
    Category, HOLDS_SKILL_LEVEL, Id, InitiativeStatus, Investment, Model, Person, Quarter, Ref, Seniority, Skill,
};
use crate::portfolio::{self, MixTargets, Options, Problem};
use crate::validate::Index;
use std::collections::{HashMap, HashSet};

/// The portfolio problem of one quarter.
pub struct QuarterPortfolio {
    pub problem: Problem,
    pub options: Options,
    /// Per item, the index of its initiative in `Model::initiatives`.
    pub initiatives: Vec<usize>,
    /// Per item, why it is not allowed (a missing skill), if it is not.
    pub missing_skill: Vec<Option<String>>,
}

/// A change to the organisation to price.
#[derive(Clone, Debug, PartialEq)]
pub enum WhatIf {
    /// Add (positive) or remove (negative) full-time people in a team.
    Headcount { team: String, delta: i32 },
    /// A named person leaves.
    Without { person: String },
    /// A team's capacity changes by a percentage (negative for a loss);
    /// `None` for every team.
    Shock { team: Option<String>, percent: f64 },
    /// The planned-utilization ceiling, in percent.
    Ceiling { percent: f64 },
}

impl WhatIf {
    /// Parses `headcount:TEAM=+N`, `without:PERSON`, `shock:TEAM=-N`
    /// (or `shock:-N` for all teams) and `ceiling:N`.
    pub fn parse(s: &str) -> Result<WhatIf, String> {
        let bad = || {
            format!(
                "`{s}` is not a what-if; use headcount:TEAM=+N, without:PERSON, shock:TEAM=-PCT, shock:-PCT or ceiling:PCT"
            )
        };
        let (kind, rest) = s.split_once(':').ok_or_else(bad)?;
        let number = |t: &str| t.trim().trim_end_matches('%').parse::<f64>().map_err(|_| bad());
        match kind {
            "headcount" => {
                let (team, delta) = rest.split_once('=').ok_or_else(bad)?;
                let delta = delta.trim().parse::<i32>().map_err(|_| bad())?;
                Ok(WhatIf::Headcount { team: team.trim().to_string(), delta })
            }
            "without" if !rest.trim().is_empty() => Ok(WhatIf::Without { person: rest.trim().to_string() }),
            "shock" => match rest.split_once('=') {
                Some((team, pct)) => Ok(WhatIf::Shock { team: Some(team.trim().to_string()), percent: number(pct)? }),
                None => Ok(WhatIf::Shock { team: None, percent: number(rest)? }),
            },
            "ceiling" => Ok(WhatIf::Ceiling { percent: number(rest)? }),
            _ => Err(bad()),
        }
    }
}

/// A model with what-ifs applied.
pub struct Scenario {
    pub model: Model,
    /// Capacity factor per team id (from shocks); absent means 1.
    pub capacity_factors: HashMap<String, f64>,
    /// The planned-utilization ceiling, if a what-if changed it.
    pub ceiling: Option<f64>,
}

/// Applies what-ifs to a copy of the model, or names an unknown team or person.
pub fn apply_what_ifs(model: &Model, what_ifs: &[WhatIf]) -> Result<Scenario, String> {
    let mut m = model.clone();
    let mut factors: HashMap<String, f64> = HashMap::new();
    let mut ceiling = None;
    let team_exists = |m: &Model, t: &str| m.teams.iter().any(|x| x.id.as_str() == t);
    for w in what_ifs {
        match w {
            WhatIf::Headcount { team, delta } => {
                if !team_exists(&m, team) {
                    return Err(format!("no team `{team}`"));
                }
                if *delta >= 0 {
                    // New hires bring the skills the team already holds.
                    let skills: Vec<Skill> = {
                        let mut names: Vec<&str> = m
                            .people
                            .iter()
                            .filter(|p| p.team.as_str() == team)
                            .flat_map(|p| {
                                p.skills.iter().filter(|s| s.level >= HOLDS_SKILL_LEVEL).map(|s| s.name.as_str())
                            })
                            .collect();
                        names.sort_unstable();
                        names.dedup();
                        names.into_iter().map(|n| Skill { name: n.to_string(), level: HOLDS_SKILL_LEVEL }).collect()
                    };
                    for k in 0..*delta {
                        m.people.push(Person {
                            id: Id(format!("what-if-hire-{team}-{k}")),
                            name: format!("New hire {} in {team}", k + 1),
                            team: Ref { id: Id(team.clone()), loc: crate::Loc::NONE },
                            seniority: Seniority::Mid,
                            fte: 1.0,
                            skills: skills.clone(),
                            loc: crate::Loc::NONE,
                        });
                    }
                } else {
                    // Remove the most junior people first.
                    let mut members: Vec<usize> =
                        (0..m.people.len()).filter(|&i| m.people[i].team.as_str() == team).collect();
                    members.sort_by_key(|&i| (m.people[i].seniority, std::cmp::Reverse(i)));
                    let remove: HashSet<usize> = members.into_iter().take(delta.unsigned_abs() as usize).collect();
                    let mut i = 0;
                    m.people.retain(|_| {
                        let keep = !remove.contains(&i);
                        i += 1;
                        keep
                    });
                }
            }
            WhatIf::Without { person } => {
                let before = m.people.len();
                m.people.retain(|p| p.id.as_str() != person);
                if m.people.len() == before {
                    return Err(format!("no person `{person}`"));
                }
            }
            WhatIf::Shock { team, percent } => match team {
                Some(t) if !team_exists(&m, t) => return Err(format!("no team `{t}`")),
                Some(t) => *factors.entry(t.clone()).or_insert(1.0) *= 1.0 + percent / 100.0,
                None => {
                    for t in &m.teams {
                        *factors.entry(t.id.to_string()).or_insert(1.0) *= 1.0 + percent / 100.0;
                    }
                }
            },
            WhatIf::Ceiling { percent } => ceiling = Some(*percent),
        }
    }
    Ok(Scenario { model: m, capacity_factors: factors, ceiling })
}

/// Builds the portfolio problem of `quarter`.
pub fn quarter_portfolio(
    model: &Model,
    quarter: Quarter,
    factors: &HashMap<String, f64>,
    ceiling: Option<f64>,
) -> QuarterPortfolio {
    let index = Index::new(model);
    let capacities = team_capacities(model, &index, quarter);
    let teams = model
        .teams
        .iter()
        .zip(&capacities)
        .map(|(t, &c)| portfolio::Team {
            name: t.id.to_string(),
            capacity_weeks: (c * factors.get(t.id.as_str()).copied().unwrap_or(1.0)).max(0.0),
        })
        .collect();
    let ranking = crate::scoring::rank(model, crate::scoring::RankOptions { perturbation_pp: 0.0, step_pp: 1.0 });
    let mut value = vec![0.0; model.initiatives.len()];
    for r in &ranking.entries {
        value[r.initiative] = r.score;
    }
    // Skills held per team.
    let mut held: HashSet<(usize, &str)> = HashSet::new();
    for p in &model.people {
        if let Some(&t) = index.teams.get(p.team.as_str()) {
            for s in p.skills.iter().filter(|s| s.level >= HOLDS_SKILL_LEVEL) {
                held.insert((t, s.name.as_str()));
            }
        }
    }
    let chosen: Vec<usize> =
        (0..model.initiatives.len()).filter(|&i| model.initiatives[i].quarter == quarter).collect();
    let item_of: HashMap<usize, usize> = chosen.iter().enumerate().map(|(k, &i)| (i, k)).collect();
    let mut items = Vec::with_capacity(chosen.len());
    let mut missing_skill = Vec::with_capacity(chosen.len());
    for &i in &chosen {
        let init = &model.initiatives[i];
        let effort: Vec<(usize, f64)> = init
            .effort
            .iter()
            .filter_map(|e| index.teams.get(e.team.as_str()).map(|&t| (t, e.estimate.likely)))
            .collect();
        let team_ids: Vec<usize> = effort.iter().map(|&(t, _)| t).collect();
        let missing = init.skills.iter().find(|s| !team_ids.iter().any(|&t| held.contains(&(t, s.as_str()))));
        missing_skill.push(missing.map(|s| {
            let names: Vec<&str> = init.effort.iter().map(|e| e.team.as_str()).collect();
            format!("needs `{s}`, which nobody in {} holds", names.join(", "))
        }));
        items.push(portfolio::Item {
            name: init.id.to_string(),
            value: value[i],
            effort,
            category: match init.category {
                Category::Committed => portfolio::Category::Committed,
                Category::Improvement => portfolio::Category::Improvement,
                Category::Exploration => portfolio::Category::Exploration,
            },
            tech_debt: init.investment == Investment::TechDebt,
            allowed: missing.is_none(),
            mandatory: matches!(init.status, InitiativeStatus::InProgress | InitiativeStatus::Done),
            excluded: init.status == InitiativeStatus::Cancelled,
            requires: Vec::new(),
        });
    }
    // B requires A when a milestone of B waits for a milestone of A.
    for d in &model.dependencies {
        let Some((a, _)) = d.waits_for.as_ref().and_then(|r| index.milestones.get(r.as_str())) else { continue };
        for b in &d.blocks {
            if let Some(&(bi, _)) = index.milestones.get(b.as_str())
                && bi != *a
                && let (Some(&ka), Some(&kb)) = (item_of.get(a), item_of.get(&bi))
                && !items[kb].requires.contains(&ka)
            {
                items[kb].requires.push(ka);
            }
        }
    }
    let policy = &model.policy;
    let options = Options {
        ceiling_percent: ceiling.unwrap_or(policy.utilization_warn_pct),
        mix: Some(MixTargets {
            committed: policy.capacity_mix.committed,
            improvement: policy.capacity_mix.improvement,
            exploration: policy.capacity_mix.exploration,
            tolerance: policy.capacity_mix.tolerance_pct,
        }),
        debt_floor_percent: Some(policy.tech_debt_pct.min),
        ..Options::default()
    };
    QuarterPortfolio { problem: Problem { teams, items }, options, initiatives: chosen, missing_skill }
}
