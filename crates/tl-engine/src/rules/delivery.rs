//! Rules on milestones and dependencies.

use super::okrs::join_and;
use super::{Ctx, Out, fmt_num};

pub(super) fn check(ctx: &Ctx<'_>, out: &mut Out<'_>) {
    milestones(ctx, out);
    dependencies(ctx, out);
}

/// Words that make an outcome countable even without a digit.
const QUANTIFIERS: &[&str] = &["all", "every", "zero", "none", "each", "no", "both", "half"];

fn milestones(ctx: &Ctx<'_>, out: &mut Out<'_>) {
    for (init, m) in ctx.model.milestones() {
        let mut missing = Vec::new();
        if m.owner.is_none() {
            missing.push("an owner");
        }
        if m.due.is_none() {
            missing.push("a due date");
        }
        if m.outcome.as_deref().is_none_or(|o| o.trim().is_empty()) {
            missing.push("an outcome");
        }
        if !missing.is_empty() {
            out.emit(
                "milestone-complete",
                m.loc,
                format!("milestone `{}` of `{}` lacks {}", m.id, init.id, join_and(&missing)),
                "give every milestone `owner`, `due` and a measurable `outcome`",
            );
        }
        if let Some(due) = m.due.filter(|due| !init.quarter.contains(*due)) {
            let q = init.quarter;
            out.emit(
                "milestone-in-quarter",
                m.loc,
                format!("milestone `{}` is due {due}, outside its initiative `{}`'s quarter {q}", m.id, init.id),
                format!(
                    "move the due date within {} to {}, or plan `{}` in {} (or split it)",
                    q.start(),
                    q.end(),
                    init.id,
                    crate::model::Quarter::containing(due)
                ),
            );
        }
        if let Some(outcome) = m.outcome.as_deref().filter(|o| !o.trim().is_empty()) {
            let has_digit = outcome.chars().any(|c| c.is_ascii_digit());
            let has_quantifier =
                outcome.split(|c: char| !c.is_alphanumeric()).any(|w| QUANTIFIERS.contains(&w.to_lowercase().as_str()));
            if !has_digit && !has_quantifier {
                out.emit(
                    "milestone-measurable",
                    m.loc,
                    format!("the outcome of milestone `{}` is not measurable: \"{outcome}\"", m.id),
                    "say what will be true and how much, e.g. \"25% of users migrated with zero downtime\"",
                );
            }
        }
    }
}

fn dependencies(ctx: &Ctx<'_>, out: &mut Out<'_>) {
    let model = ctx.model;
    let policy = &model.policy;
    for d in &model.dependencies {
        if d.owner.is_none() {
            out.emit(
                "dependency-owner",
                d.loc,
                format!("{} dependency `{}` has no owner", d.kind, d.id),
                "add `owner: <person id>`: the person who chases it",
            );
        }
        let required = if d.kind.is_external() { policy.buffer_external_pct } else { policy.buffer_internal_pct };
        let kind_word = if d.kind.is_external() { "external" } else { "internal" };
        match d.buffer_pct {
            None => {
                out.emit(
                    "dependency-buffer",
                    d.loc,
                    format!("{kind_word} dependency `{}` states no schedule buffer", d.id),
                    format!("add `buffer: {}` (percent) or more", fmt_num(required)),
                );
            }
            Some(b) if b + 1e-9 < required => {
                out.emit(
                    "dependency-buffer",
                    d.loc,
                    format!(
                        "{kind_word} dependency `{}` carries {}% buffer; {kind_word} dependencies need at least {}%",
                        d.id,
                        fmt_num(b),
                        fmt_num(required)
                    ),
                    format!("raise `buffer` to {} or move the dates apart", fmt_num(required)),
                );
            }
            Some(_) => {}
        }
        if d.blocks.len() >= 2 && d.backup_plan.as_deref().is_none_or(|p| p.trim().is_empty()) {
            out.emit(
                "dependency-backup-plan",
                d.loc,
                format!("dependency `{}` blocks {} milestones and has no backup plan", d.id, d.blocks.len()),
                "add `backup_plan:` saying what happens if it does not arrive",
            );
        }
        if let Some(due) = d.due {
            for b in &d.blocks {
                let Some(&(i, j)) = ctx.index.milestones.get(b.as_str()) else {
                    continue;
                };
                let m = &model.initiatives[i].milestones[j];
                if let Some(m_due) = m.due
                    && due > m_due
                {
                    let message = format!(
                        "dependency `{}` is due {due}, after milestone `{}` which needs it by {m_due}",
                        d.id, m.id
                    );
                    if let Some(diag) =
                        out.emit("dependency-due", b.loc, message, "bring the dependency forward or move the milestone")
                    {
                        diag.related.push((m.loc, format!("`{}` is due {m_due}", m.id)));
                    }
                }
            }
        }
    }
}
