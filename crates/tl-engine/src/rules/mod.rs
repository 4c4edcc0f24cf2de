//! The linter: the framework's rules, each with a stable id, a default
//! severity, and an explanation for `throughline explain`.
//!
//! Rules never fail; they return findings. The workspace's policy can change a
//! rule's severity or turn it off. The catalogue also documents the load
//! checks (syntax, unknown fields, references, ...) so that every id a user
//! can see has an explanation.

mod alignment;
mod capacity;
mod delivery;
mod okrs;

use crate::capacity::{TeamQuarter, team_quarters};
use crate::diag::{Diagnostic, Loc, Severity};
use crate::model::{Model, Quarter};
use crate::validate::Index;
use std::collections::BTreeMap;

/// A rule's entry in the catalogue.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RuleInfo {
    pub id: &'static str,
    /// The severity before any policy override.
    pub severity: Severity,
    /// `true` for checks made while loading, which the policy cannot turn off.
    pub load_check: bool,
    /// One line: what the rule checks.
    pub summary: &'static str,
    /// Why it matters, and how to satisfy it.
    pub explanation: &'static str,
}

macro_rules! catalogue {
    ($($id:literal, $sev:ident, $load:literal, $summary:literal, $why:literal;)+) => {
        /// Every rule and load check, in the order they are documented.
        pub const RULES: &[RuleInfo] = &[$(RuleInfo {
            id: $id,
            severity: Severity::$sev,
            load_check: $load,
            summary: $summary,
            explanation: $why,
        }),+];
    };
}

catalogue! {
    "io-error", Error, true,
    "A file or folder of the workspace cannot be read.",
    "Throughline reads every *.yaml and *.yml file under the workspace folder. A file that cannot be read (permissions, not UTF-8, vanished) stops the check with exit code 2, because every later rule would see an incomplete plan.";
    "yaml-syntax", Error, true,
    "A file is not valid YAML.",
    "The file could not be parsed as YAML, so nothing in it was loaded. The location points at where the parser gave up; the usual causes are inconsistent indentation, a tab used for indentation, or an unclosed quote or bracket. Exit code 2.";
    "unknown-field", Error, true,
    "A field that the format does not define.",
    "Every entity has a fixed set of fields (see docs/format.md or the JSON Schema). An unknown field is almost always a typo, and silently ignoring it would drop data you meant to give, so it is an error. The hint suggests the closest known field.";
    "missing-field", Error, true,
    "A required field is absent.",
    "Some fields are required for an entity to make sense at all (an id, a name, a team for a person). Fields the framework wants but a draft may lack (a key result's target, a milestone's owner) are optional in the format and checked by the lint rules instead, with more specific advice.";
    "invalid-value", Error, true,
    "A value has the wrong type or is out of range.",
    "Numbers must be numbers, dates YYYY-MM-DD, quarters YYYY-Qn, scores integers 1-5, fractions 0-1, percentages 0-100, and keywords one of the listed values. The hint lists what is accepted.";
    "duplicate-id", Error, true,
    "Two entities share an id.",
    "Ids are how entities reference each other, and they are unique across the whole workspace, whatever the kind of entity, so that a reference can never be ambiguous.";
    "duplicate-section", Error, true,
    "A singleton section (`organisation`, `policy`) appears twice.",
    "The organisation and the policy settings are defined once per workspace. A second definition in another file would silently override the first, so it is an error.";
    "unknown-reference", Error, true,
    "A reference names an id that does not exist, or an entity of the wrong kind.",
    "Cross-references are by id. A reference to nothing breaks the alignment chain (theme, objective, key result, initiative, milestone). The hint suggests the closest existing id of the right kind.";
    "dependency-cycle", Error, true,
    "Dependencies form a cycle.",
    "A dependency with `waits_for: A` and `blocks: [B]` means B waits for A. A cycle means some milestone waits for itself and can never be scheduled. The message prints the cycle.";
    "unknown-rule", Warning, true,
    "The policy overrides a rule that does not exist.",
    "`policy.rules` maps rule ids to a severity. An id that is not a rule is probably a typo, and the override it meant to make is not applied.";
    "weights-sum", Error, false,
    "The scoring weights do not sum to 100.",
    "The weighted matrix (business impact 30%, technical feasibility 25%, resource requirements 25%, strategic fit 20% by default) expresses trade-offs as shares of 100. Weights that sum to something else still rank, because scores are normalised, but usually mean a typo.";
    "theme-count", Warning, false,
    "The strategy has fewer or more themes than the policy allows (3-5).",
    "Three to five themes is enough to cover what matters and few enough that people remember them. Fewer means the strategy is not saying much; more means it is not choosing.";
    "theme-success-metrics", Error, false,
    "A theme has no success metrics.",
    "A theme's business impact is only real if you can tell whether it happened. Give every theme at least one success metric.";
    "objective-count", Warning, false,
    "A team has fewer or more objectives in a quarter than the policy allows (3-5).",
    "Counted per team and quarter, including objectives the team contributes to. Fewer than three objectives usually means the team's work is not represented; more than five means nothing is a priority. Checked for every quarter that has objectives.";
    "key-result-count", Warning, false,
    "An objective has fewer or more key results than the policy allows (2-4).",
    "One key result is easy to game; more than four dilutes focus. Two to four measurable key results describe an objective well.";
    "kr-measurable", Error, false,
    "A key result lacks a numeric baseline, a numeric target or a unit, or does not move.",
    "A key result is a measurement: where the metric is (baseline), where it should be (target), in what unit, and in which direction. If the baseline equals the target, or the stated direction contradicts them, there is nothing to achieve.";
    "kr-time-bound", Error, false,
    "A key result has no due date, or its due date falls outside its objective's quarter.",
    "Key results are time-bound: they are due within the quarter of their objective, so that the quarterly review can score them.";
    "kr-activity", Warning, false,
    "A key result describes an activity rather than an outcome.",
    "\"Launch the new router\" is an activity; \"Cut failed payments from 2% to 0.5%\" is an outcome. The rule flags key results whose title starts with an activity verb (launch, implement, build, migrate, complete, deliver, ship, ...) or whose unit is a completion count (done, tasks, milestones, ...), or that go from 0 to 1. Activities belong in initiatives and milestones.";
    "objective-theme", Warning, false,
    "An objective does not name a theme.",
    "Objectives roll up to themes; an objective without one cannot be shown in the alignment tree.";
    "initiative-traceability", Error, false,
    "An initiative does not trace to a theme, an objective and a guiding policy.",
    "Every piece of work should say why it exists: which theme it serves, which objective it moves, and which guiding policy it implements (that makes it a coherent action of the strategy kernel). Orphan work competes for capacity without a strategic reason.";
    "policy-addresses-diagnosis", Error, false,
    "A guiding policy addresses no diagnosis item.",
    "A guiding policy is a response to a diagnosed challenge. One that addresses nothing is a slogan.";
    "diagnosis-unaddressed", Warning, false,
    "A diagnosis item is addressed by no guiding policy.",
    "If the diagnosis names a challenge, some policy should say how the organisation will deal with it; otherwise the diagnosis is noise or the strategy has a hole.";
    "policy-without-action", Warning, false,
    "A guiding policy is implemented by no initiative.",
    "Coherent actions are the initiatives that implement policies. A policy without any action is not being executed.";
    "capacity-mix", Warning, false,
    "A team's effort mix in a quarter is outside 70-20-10 by more than the tolerance.",
    "The 70-20-10 rule: about 70% of planned effort on committed work, 20% on improvement, 10% on exploration, within a tolerance (10 percentage points by default). Computed from the likely effort of every non-cancelled initiative per team and quarter.";
    "utilization-high", Warning, false,
    "A team's planned utilization in a quarter is above the warning threshold (85%).",
    "Planned utilization is likely effort divided by derived capacity. Above 85%, queues grow sharply, interrupts have nowhere to go and estimates slip; leave slack.";
    "over-capacity", Error, false,
    "A team's planned utilization in a quarter is above 100%.",
    "The plan asks a team for more person-weeks than it has, after focus factor, on-call and time off. It will not happen; drop or move work.";
    "tech-debt-share", Warning, false,
    "A team's tech-debt work in a quarter is outside 15-25% of its capacity.",
    "Sustained delivery needs a steady investment in paying down technical debt: 15-25% of capacity. Less lets debt compound; more usually means feature work is being starved or debt is being used as a catch-all. Counted from initiatives whose investment type is tech_debt.";
    "dependency-owner", Error, false,
    "A dependency has no owner.",
    "A dependency nobody owns is a dependency nobody chases. Name the person responsible for getting it delivered.";
    "dependency-buffer", Warning, false,
    "A dependency carries less schedule buffer than its type requires (20% internal, 50% external).",
    "Dependencies slip, and external ones slip more: carry at least 50% buffer on external dependencies and 20% on internal ones (state it in `buffer`).";
    "dependency-backup-plan", Warning, false,
    "A dependency that blocks two or more milestones has no backup plan.",
    "When one dependency can stop several milestones, its failure is a plan-level risk; write down what you will do if it does not arrive.";
    "dependency-due", Error, false,
    "A dependency is due after a milestone it blocks.",
    "A dependency must arrive before the milestone that needs it is due; otherwise the milestone is late by construction.";
    "milestone-complete", Error, false,
    "A milestone lacks an owner, a due date or an outcome.",
    "Milestones are how progress is seen between quarterly reviews. Each needs a person who owns it, a date, and an outcome that says what is true when it is done.";
    "milestone-measurable", Warning, false,
    "A milestone's outcome is not measurable.",
    "\"Migrate 25% of users with zero downtime\" can be verified; \"do the migration\" cannot. The rule looks for a number or a quantifier (all, every, zero, none, each) in the outcome.";
    "milestone-in-quarter", Warning, false,
    "A milestone is due outside its initiative's quarter.",
    "An initiative's effort is planned, and counted against its teams' capacity, in its quarter. A milestone due after that quarter is work the capacity plan does not see (it lands on the next quarter unplanned); one due before it starts cannot be met by work planned in it. Move the due date into the quarter, or move or split the initiative.";
    "effort-estimate", Error, false,
    "An effort estimate is missing or not ordered optimistic <= likely <= pessimistic.",
    "Three-point estimates feed capacity, utilization and later the forecasts. An active initiative with no effort asks for nothing, and an unordered estimate is a typo.";
    "skill-spof", Warning, false,
    "A skill needed by a committed initiative is held by fewer than two people in its teams.",
    "A person holds a skill at level 3 or above. If only one person (or nobody) in the teams doing a committed initiative holds a skill it needs, that person is a single point of failure: illness, leave or departure stops the work.";
    "person-overallocated", Warning, false,
    "A person is allocated above their FTE in a quarter.",
    "Staffing allocations across initiatives of one quarter add up; above the person's FTE, something will not get done.";
    "senior-coverage", Warning, false,
    "A high-impact platform initiative has no senior-or-above engineer among its owner or staffing.",
    "Platform and architecture work with high business impact (4 or 5) shapes systems for years; it needs a senior, staff or principal engineer involved.";
    "core-metrics", Warning, false,
    "A team does not have 5-7 core metrics, including leading and lagging ones.",
    "Each team tracks five to seven core metrics across delivery, quality, reliability and business impact, with leading indicators (which predict) and lagging ones (which confirm).";
    "scalability-review", Warning, false,
    "A platform initiative lacks a complete 2x/5x/10x scalability review.",
    "Platform work should say what happens at 2x, 5x and 10x today's volume: ok, risk or blocker, with a note for anything but ok.";
    "scalability-blocker", Error, false,
    "A committed initiative has a blocker at 2x volume.",
    "Committing to work that is known to break at twice today's volume commits to a rewrite; resolve the blocker or change the category.";
    "scores-complete", Error, false,
    "An initiative is not scored on all four criteria.",
    "The weighted matrix needs business impact, technical feasibility, resource requirements and strategic fit (integers 1-5) to rank an initiative.";
}

/// Looks a rule up by id.
pub fn info(id: &str) -> Option<&'static RuleInfo> {
    RULES.iter().find(|r| r.id == id)
}

/// What every rule sees.
pub(crate) struct Ctx<'m> {
    pub model: &'m Model,
    pub index: &'m Index<'m>,
    pub load: BTreeMap<(Quarter, usize), TeamQuarter>,
}

/// Collects findings, applying the policy's severity overrides.
pub(crate) struct Out<'m> {
    model: &'m Model,
    pub diags: Vec<Diagnostic>,
}

impl Out<'_> {
    /// Reports a finding of `rule` at its default severity (or the policy's override).
    pub fn emit(
        &mut self,
        rule: &'static str,
        loc: Loc,
        message: String,
        hint: impl Into<String>,
    ) -> Option<&mut Diagnostic> {
        let default = info(rule).map_or(Severity::Warning, |r| r.severity);
        let severity = self.model.policy.level_of(rule, default)?;
        self.diags.push(Diagnostic::new(rule, severity, loc, message).with_hint(hint));
        self.diags.last_mut()
    }
}

/// Runs every lint rule over a model whose references have been validated.
pub fn lint(model: &Model, index: &Index<'_>) -> Vec<Diagnostic> {
    let ctx = Ctx { model, index, load: team_quarters(model, index) };
    let mut out = Out { model, diags: Vec::new() };
    check_policy(&ctx, &mut out);
    okrs::check(&ctx, &mut out);
    alignment::check(&ctx, &mut out);
    capacity::check(&ctx, &mut out);
    delivery::check(&ctx, &mut out);
    out.diags
}

fn check_policy(ctx: &Ctx<'_>, out: &mut Out<'_>) {
    let policy = &ctx.model.policy;
    for (rule, _, loc) in &policy.rules {
        if info(rule).is_none() {
            let ids = RULES.iter().map(|r| r.id);
            let hint = match crate::diag::did_you_mean(rule, ids) {
                Some(best) => {
                    format!("did you mean `{best}`? `throughline explain --list` lists the rules")
                }
                None => "`throughline explain --list` lists the rules".to_string(),
            };
            out.emit("unknown-rule", *loc, format!("`{rule}` is not a rule"), hint);
        }
    }
    let sum = policy.weights.sum();
    if (sum - 100.0).abs() > 1e-6 {
        out.emit(
            "weights-sum",
            policy.loc,
            format!("the scoring weights sum to {}, not 100", fmt_num(sum)),
            "set the four weights so they sum to 100 (the default is 30/25/25/20)",
        );
    }
}

/// Formats a number with at most two decimals and no trailing zeros.
pub fn fmt_num(x: f64) -> String {
    let text = format!("{:.2}", (x * 100.0).round() / 100.0);
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" { "0".to_string() } else { text.to_string() }
}

/// "1 objective", "3 objectives".
pub(crate) fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 { format!("{n} {one}") } else { format!("{n} {many}") }
}
