//! Rules on the strategy kernel and on initiatives: traceability, scoring,
//! estimates, scalability reviews and senior coverage.

use super::okrs::join_and;
use super::{Ctx, Out};
use crate::model::{Category, Initiative, Investment, ScalabilityRating};
use std::collections::HashSet;

pub(super) fn check(ctx: &Ctx<'_>, out: &mut Out<'_>) {
    kernel(ctx, out);
    for init in &ctx.model.initiatives {
        traceability(init, out);
        scores(init, out);
        estimates(init, out);
        scalability(init, out);
        senior_coverage(ctx, init, out);
    }
}

fn kernel(ctx: &Ctx<'_>, out: &mut Out<'_>) {
    let model = ctx.model;
    let mut addressed: HashSet<&str> = HashSet::new();
    for p in &model.policies {
        if p.addresses.is_empty() {
            out.emit(
                "policy-addresses-diagnosis",
                p.loc,
                format!("guiding policy `{}` addresses no diagnosis item", p.id),
                "add `addresses: [<diagnosis id>]` naming the challenge this policy responds to",
            );
        }
        addressed.extend(p.addresses.iter().map(|r| r.as_str()));
    }
    for d in &model.diagnosis {
        if !addressed.contains(d.id.as_str()) {
            out.emit(
                "diagnosis-unaddressed",
                d.loc,
                format!("diagnosis item `{}` is addressed by no guiding policy", d.id),
                "add a guiding policy with `addresses: [...]` naming it, or drop the item if it no longer matters",
            );
        }
    }
    let implemented: HashSet<&str> = model
        .initiatives
        .iter()
        .filter(|i| i.is_active())
        .flat_map(|i| i.policies.iter().map(|r| r.as_str()))
        .collect();
    for p in &model.policies {
        if !implemented.contains(p.id.as_str()) {
            out.emit(
                "policy-without-action",
                p.loc,
                format!("guiding policy `{}` is implemented by no initiative", p.id),
                "list the policy under `policies:` of the initiatives that carry it out",
            );
        }
    }
}

fn traceability(init: &Initiative, out: &mut Out<'_>) {
    let mut missing = Vec::new();
    if init.theme.is_none() {
        missing.push("a theme");
    }
    if init.objectives.is_empty() {
        missing.push("an objective");
    }
    if init.policies.is_empty() {
        missing.push("a guiding policy");
    }
    if !missing.is_empty() {
        out.emit(
            "initiative-traceability",
            init.loc,
            format!("initiative `{}` does not trace to {}", init.id, join_and(&missing)),
            "set `theme`, `objectives` and `policies` so the work traces back to the strategy",
        );
    }
}

fn scores(init: &Initiative, out: &mut Out<'_>) {
    let s = &init.scores;
    let mut missing = Vec::new();
    for (name, v) in [
        ("business_impact", s.business_impact),
        ("technical_feasibility", s.technical_feasibility),
        ("resource_requirements", s.resource_requirements),
        ("strategic_fit", s.strategic_fit),
    ] {
        if v.is_none() {
            missing.push(name);
        }
    }
    if !missing.is_empty() {
        let loc = if s.loc.is_known() { s.loc } else { init.loc };
        out.emit(
            "scores-complete",
            loc,
            format!("initiative `{}` is not scored on {}", init.id, join_and(&missing)),
            "score every criterion from 1 to 5 under `scores:`; for resource_requirements, 5 means it needs few resources",
        );
    }
}

fn estimates(init: &Initiative, out: &mut Out<'_>) {
    if init.is_active() && init.effort.is_empty() {
        out.emit(
            "effort-estimate",
            init.loc,
            format!("initiative `{}` has no effort estimate", init.id),
            "add `effort:` with, per team, `{ optimistic: .., likely: .., pessimistic: .. }` in person-weeks",
        );
    }
    for e in &init.effort {
        let est = e.estimate;
        if !(est.optimistic <= est.likely && est.likely <= est.pessimistic) {
            out.emit(
                "effort-estimate",
                e.loc,
                format!(
                    "the effort of team `{}` on `{}` is not ordered: optimistic {}, likely {}, pessimistic {}",
                    e.team.as_str(),
                    init.id,
                    super::fmt_num(est.optimistic),
                    super::fmt_num(est.likely),
                    super::fmt_num(est.pessimistic)
                ),
                "a three-point estimate needs optimistic <= likely <= pessimistic",
            );
        }
    }
}

fn scalability(init: &Initiative, out: &mut Out<'_>) {
    let review = &init.scalability;
    if init.investment == Investment::Platform && init.is_active() {
        let mut missing = Vec::new();
        for (name, check) in [("2x", &review.x2), ("5x", &review.x5), ("10x", &review.x10)] {
            match check {
                None => missing.push(format!("no {name} rating")),
                Some(c)
                    if c.rating != ScalabilityRating::Ok && c.note.as_deref().is_none_or(|n| n.trim().is_empty()) =>
                {
                    missing.push(format!("no note on the {name} {}", c.rating));
                }
                Some(_) => {}
            }
        }
        if !missing.is_empty() {
            let missing: Vec<&str> = missing.iter().map(String::as_str).collect();
            out.emit(
                "scalability-review",
                init.loc,
                format!(
                    "platform initiative `{}` has an incomplete scalability review: {}",
                    init.id,
                    join_and(&missing)
                ),
                "add `scalability:` with `2x`, `5x` and `10x`, each `{ rating: ok|risk|blocker, note: ... }`",
            );
        }
    }
    if init.category == Category::Committed
        && init.is_active()
        && let Some(x2) = &review.x2
        && x2.rating == ScalabilityRating::Blocker
    {
        out.emit(
            "scalability-blocker",
            x2.loc,
            format!("committed initiative `{}` has a blocker at 2x volume", init.id),
            "resolve the blocker first (as its own initiative), or make this initiative exploration until it is resolved",
        );
    }
}

fn senior_coverage(ctx: &Ctx<'_>, init: &Initiative, out: &mut Out<'_>) {
    if init.investment != Investment::Platform || init.scores.business_impact.unwrap_or(0) < 4 || !init.is_active() {
        return;
    }
    let people = &ctx.model.people;
    let is_senior = |id: &str| ctx.index.people.get(id).is_some_and(|&p| people[p].seniority.is_senior_or_above());
    let covered = init.owner.as_ref().is_some_and(|o| is_senior(o.as_str()))
        || init.staffing.iter().any(|a| is_senior(a.person.as_str()));
    if !covered {
        out.emit(
            "senior-coverage",
            init.loc,
            format!("high-impact platform initiative `{}` has no senior, staff or principal engineer as owner or in staffing", init.id),
            "add a senior-or-above engineer to `staffing:` or make one the owner",
        );
    }
}
