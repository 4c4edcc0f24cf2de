//! Why each item was left out, computed from the selection itself: what the
//! item (with any unchosen prerequisites) would need from each team, what it
//! would displace there, or which share limit it would break. Structured, so
//! that the CLI can render text or JSON.

use std::fmt::Write as _;

use super::heuristic::State;
use super::model::{Model, RowKind};
use super::problem::{MixLimit, Options, Problem};

/// A team that lacks room for an item.
#[derive(Clone, Debug, PartialEq)]
pub struct Shortfall {
    pub team: usize,
    /// Person-weeks the item (with its unchosen prerequisites) needs from the team.
    pub needs: f64,
    /// Person-weeks the team has left under its ceiling.
    pub available: f64,
}

/// Why an item is not in the selection.
#[derive(Clone, Debug, PartialEq)]
pub enum Reason {
    /// A skill it needs is missing from its teams.
    NotAllowed,
    /// Excluded on purpose.
    Excluded,
    /// It requires an item that is excluded or not allowed.
    PrerequisiteBlocked { prerequisite: usize },
    /// It does not fit: `shortfalls` lists the teams without room. Making
    /// room would displace `displaced` (the cheapest chosen items on those
    /// teams, by value per person-week), worth `displaced_value`, against
    /// the item's own `value` (with its prerequisites). `None` when even
    /// dropping every optional item would not make room.
    Capacity {
        prerequisites: Vec<usize>,
        shortfalls: Vec<Shortfall>,
        displaced: Option<Vec<usize>>,
        displaced_value: f64,
        value: f64,
    },
    /// It fits the teams, but would move a share past its limit.
    Mix { prerequisites: Vec<usize>, limit: MixLimit, share: f64, bound: f64 },
    /// Its value (with its prerequisites) is zero.
    NoValue,
    /// It fits every constraint; it was left out only because the search
    /// stopped at its budget.
    Fits { prerequisites: Vec<usize> },
}

/// The reason for one unchosen item.
#[derive(Clone, Debug, PartialEq)]
pub struct Explanation {
    pub item: usize,
    pub reason: Reason,
}

impl Explanation {
    /// One sentence for a manager, with the problem's names.
    pub fn describe(&self, problem: &Problem) -> String {
        let item = |i: usize| problem.items.get(i).map_or("?", |it| it.name.as_str());
        let team = |t: usize| problem.teams.get(t).map_or("?", |t| t.name.as_str());
        let names = |v: &[usize]| v.iter().map(|&i| item(i)).collect::<Vec<_>>().join(", ");
        let mut s = String::new();
        let requires = |s: &mut String, pre: &[usize]| {
            if !pre.is_empty() {
                let _ = write!(
                    s,
                    "it requires {}, which {} not selected; ",
                    names(pre),
                    if pre.len() == 1 { "is" } else { "are" }
                );
            }
        };
        match &self.reason {
            Reason::NotAllowed => s.push_str("a skill it needs is missing from its teams"),
            Reason::Excluded => s.push_str("excluded"),
            Reason::PrerequisiteBlocked { prerequisite } => {
                let _ = write!(s, "requires {}, which cannot be selected", item(*prerequisite));
            }
            Reason::Capacity { prerequisites, shortfalls, displaced, displaced_value, value } => {
                requires(&mut s, prerequisites);
                let parts: Vec<String> = shortfalls
                    .iter()
                    .map(|f| {
                        format!("{:.1} person-weeks from {}, which has {:.1} left", f.needs, team(f.team), f.available)
                    })
                    .collect();
                let _ = write!(s, "needs {}", parts.join("; and "));
                match displaced {
                    Some(d) if !d.is_empty() => {
                        let _ = write!(
                            s,
                            "; including it would displace {} (value {:.1} against its {:.1})",
                            names(d),
                            displaced_value,
                            value
                        );
                    }
                    Some(_) => {}
                    None => s.push_str("; mandatory work leaves no room for it"),
                }
            }
            Reason::Mix { prerequisites, limit, share, bound } => {
                requires(&mut s, prerequisites);
                let what = match limit {
                    MixLimit::CategoryMax(c) | MixLimit::CategoryMin(c) => c.name(),
                    MixLimit::DebtFloor => "tech debt",
                };
                let kind = if limit.is_max() { "limit" } else { "floor" };
                let _ = write!(s, "would push {what} to {:.0}% ({kind} {:.0}%)", share * 100.0, bound * 100.0);
            }
            Reason::NoValue => s.push_str("adds no value"),
            Reason::Fits { prerequisites } => {
                requires(&mut s, prerequisites);
                s.push_str("fits, but the search stopped at its budget before taking it");
            }
        }
        s
    }
}

/// Explains every unchosen item of `selected` (which should be feasible).
pub fn explain(problem: &Problem, options: &Options, selected: &[bool]) -> Vec<Explanation> {
    let m = Model::build(problem, options);
    explain_model(problem, &m, selected)
}

pub(crate) fn explain_model(problem: &Problem, m: &Model, selected: &[bool]) -> Vec<Explanation> {
    let mut st = State::from_selection(m, selected);
    let mut out = Vec::new();
    let mut group = Vec::new();
    let mut drop = Vec::new();
    for i in 0..m.n {
        if st.sel[i] {
            continue;
        }
        let it = &problem.items[i];
        let reason = if !it.allowed {
            Reason::NotAllowed
        } else if it.excluded {
            Reason::Excluded
        } else if m.fix[i] == 0 || !st.up_group(i, &m.fix, &mut group) {
            let prerequisite = m.forbidden_prerequisite(i).unwrap_or(i);
            Reason::PrerequisiteBlocked { prerequisite }
        } else {
            let prerequisites: Vec<usize> = group.iter().map(|&g| g as usize).filter(|&g| g != i).collect::<Vec<_>>();
            let mut prerequisites = prerequisites;
            prerequisites.sort_unstable();
            let value: f64 = group.iter().map(|&g| m.value[g as usize]).sum();
            let total_before = st.total;
            let load_before: Vec<(usize, f64)> = team_rows(m, &group).into_iter().map(|t| (t, st.load[t])).collect();
            let in_group = group.clone();
            in_group.iter().for_each(|&g| st.add(g as usize));
            let shortfalls: Vec<Shortfall> = load_before
                .iter()
                .filter(|&&(t, _)| !st.team_ok(t))
                .map(|&(t, before)| Shortfall {
                    team: t,
                    needs: st.load[t] - before,
                    available: (m.b[t] - before).max(0.0),
                })
                .collect();
            let reason = if value <= 0.0 {
                Reason::NoValue
            } else if !shortfalls.is_empty() {
                let mut log = Vec::new();
                let mut possible = true;
                for f in &shortfalls {
                    let (items, coefs) = m.row(f.team);
                    let mut cands: Vec<(f64, u32)> = items
                        .iter()
                        .zip(coefs)
                        .filter(|&(&j, _)| st.sel[j as usize] && m.fix[j as usize] != 1 && !in_group.contains(&j))
                        .map(|(&j, &a)| (m.value[j as usize] / a, j))
                        .collect();
                    cands.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                    for (_, j) in cands {
                        if st.team_ok(f.team) {
                            break;
                        }
                        let j = j as usize;
                        if !st.sel[j]
                            || !st.down_group(j, &m.fix, &mut drop)
                            || drop.iter().any(|d| in_group.contains(d))
                        {
                            continue;
                        }
                        for &d in &drop {
                            st.remove(d as usize);
                            log.push(d);
                        }
                    }
                    possible &= st.team_ok(f.team);
                }
                let displaced_value: f64 = log.iter().map(|&d| m.value[d as usize]).sum();
                log.iter().for_each(|&d| st.add(d as usize));
                let mut displaced: Vec<usize> = log.iter().map(|&d| d as usize).collect();
                displaced.sort_unstable();
                Reason::Capacity {
                    prerequisites: prerequisites.clone(),
                    shortfalls,
                    displaced: possible.then_some(displaced),
                    displaced_value: if possible { displaced_value } else { 0.0 },
                    value,
                }
            } else if !st.mix_ok() {
                let total = st.total;
                let worst = (m.n_teams..m.n_rows())
                    .max_by(|&a, &b| (st.load[a] - m.tol(a, total)).total_cmp(&(st.load[b] - m.tol(b, total))))
                    .expect("a broken mix has a share row");
                let RowKind::Mix(limit) = m.kind[worst] else { unreachable!("share rows follow team rows") };
                let share = (st.load[worst] / total - m.mix_offset[worst]) / m.mix_sign[worst];
                let bound = m.mix_offset[worst].abs();
                Reason::Mix { prerequisites: prerequisites.clone(), limit, share, bound }
            } else {
                Reason::Fits { prerequisites: prerequisites.clone() }
            };
            in_group.iter().rev().for_each(|&g| st.remove(g as usize));
            debug_assert!((st.total - total_before).abs() <= 1e-6 * (1.0 + total_before));
            reason
        };
        out.push(Explanation { item: i, reason });
    }
    out
}

fn team_rows(m: &Model, group: &[u32]) -> Vec<usize> {
    let mut teams: Vec<usize> =
        group.iter().flat_map(|&g| m.col(g as usize)).map(|(r, _)| r).filter(|&r| r < m.n_teams).collect();
    teams.sort_unstable();
    teams.dedup();
    teams
}
