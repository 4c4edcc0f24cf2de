//! The workspace format: one `Record` per entity, and the functions that
//! decode each section of a file into the model.

use crate::decode::{Decoder, Obj, Record, Ty, opt, req};
use crate::yaml::{Node, Value};
use tl_engine::Diagnostic;
use tl_engine::calendar::Calendar;
use tl_engine::model::*;
use tl_engine::policy::{CountRange, PctRange, Policy, RuleLevel};
use tl_engine::{Loc, Severity};

const ID: Ty = Ty::Id;
const TEXT: Ty = Ty::Text;
const STR: Ty = Ty::Str;
const STRS: Ty = Ty::List(&Ty::Str);
const SCORE: Ty = Ty::Int(1, 5);

pub static ORGANISATION: Record = Record {
    name: "organisation",
    doc: "The organisation the workspace describes. Defined once.",
    fields: &[
        req("name", STR, "the organisation's name"),
        opt("description", TEXT, "what it does"),
        opt("working_days", Ty::List(&Ty::Keyword(WEEKDAYS)), "the working weekdays, default mon-fri"),
        opt("holidays", Ty::List(&Ty::Date), "days off for everyone"),
    ],
};

static WEIGHTS: Record = Record {
    name: "weights",
    doc: "Scoring weights in percent; they should sum to 100.",
    fields: &[
        opt("business_impact", Ty::Percent, "default 30"),
        opt("technical_feasibility", Ty::Percent, "default 25"),
        opt("resource_requirements", Ty::Percent, "default 25"),
        opt("strategic_fit", Ty::Percent, "default 20"),
    ],
};

static COUNT_RANGE: Record = Record {
    name: "count range",
    doc: "An inclusive range of counts.",
    fields: &[
        opt("min", Ty::Int(0, 1000), "smallest count allowed"),
        opt("max", Ty::Int(0, 1000), "largest count allowed"),
    ],
};

static PCT_RANGE: Record = Record {
    name: "percentage range",
    doc: "An inclusive range of percentages.",
    fields: &[opt("min", Ty::Percent, "lowest share allowed"), opt("max", Ty::Percent, "highest share allowed")],
};

static CAPACITY_MIX: Record = Record {
    name: "capacity mix",
    doc: "Target shares of effort per category (70-20-10) and the allowed deviation.",
    fields: &[
        opt("committed", Ty::Percent, "default 70"),
        opt("improvement", Ty::Percent, "default 20"),
        opt("exploration", Ty::Percent, "default 10"),
        opt("tolerance_pct", Ty::Percent, "allowed deviation in percentage points, default 10"),
    ],
};

static UTILIZATION: Record = Record {
    name: "utilization thresholds",
    doc: "Planned utilization thresholds in percent.",
    fields: &[
        opt("warn_pct", Ty::Number, "warn above, default 85"),
        opt("error_pct", Ty::Number, "error above, default 100"),
    ],
};

static BUFFERS: Record = Record {
    name: "buffer thresholds",
    doc: "Minimum schedule buffer per dependency type, in percent.",
    fields: &[
        opt("internal_pct", Ty::Number, "technical and organizational, default 20"),
        opt("external_pct", Ty::Number, "default 50"),
    ],
};

const RULE_LEVELS: &[&str] = &["error", "warning", "info", "off"];

pub static POLICY: Record = Record {
    name: "policy",
    doc: "Scoring weights and lint thresholds; the framework's numbers are the defaults. Defined once.",
    fields: &[
        opt("weights", Ty::Record(&WEIGHTS), "scoring weights"),
        opt("themes", Ty::Record(&COUNT_RANGE), "how many themes, default 3-5"),
        opt("objectives_per_team_quarter", Ty::Record(&COUNT_RANGE), "default 3-5"),
        opt("key_results_per_objective", Ty::Record(&COUNT_RANGE), "default 2-4"),
        opt("core_metrics_per_team", Ty::Record(&COUNT_RANGE), "default 5-7"),
        opt("capacity_mix", Ty::Record(&CAPACITY_MIX), "the 70-20-10 rule"),
        opt("utilization", Ty::Record(&UTILIZATION), "planned utilization thresholds"),
        opt("tech_debt_pct", Ty::Record(&PCT_RANGE), "share of capacity for tech debt, default 15-25"),
        opt("buffers", Ty::Record(&BUFFERS), "minimum dependency buffers"),
        opt(
            "min_skill_holders",
            Ty::Int(1, 100),
            "fewer holders of a needed skill is a single point of failure, default 2",
        ),
        opt("robustness_pp", Ty::Percent, "weight perturbation for rank robustness, default 10"),
        opt("rules", Ty::Map("rule id", &Ty::Keyword(RULE_LEVELS)), "per-rule severity: error, warning, info or off"),
    ],
};

pub static TEAM: Record = Record {
    name: "team",
    doc: "A team. Its capacity is derived from its members, focus factor, on-call load and time off.",
    fields: &[
        req("id", ID, "a stable id such as `payments`"),
        req("name", STR, "the team's name"),
        opt("mission", TEXT, "what the team is for"),
        opt("lead", Ty::Ref("person"), "the team lead"),
        opt("focus_factor", Ty::Fraction, "share of time for planned work, default 0.7"),
        opt("on_call_fte", Ty::Number, "FTE permanently consumed by on-call, default 0"),
        opt("time_off_weeks", Ty::Number, "planned person-weeks off per quarter, default 0"),
        opt("services", STRS, "the services the team owns, as delivery events name them"),
    ],
};

pub static PERSON: Record = Record {
    name: "person",
    doc: "A person in a team.",
    fields: &[
        req("id", ID, "a stable id such as `alice-ng`"),
        req("name", STR, "the person's name"),
        req("team", Ty::Ref("team"), "the team id"),
        req("seniority", Ty::Keyword(Seniority::NAMES), "junior, mid, senior, staff or principal"),
        opt("fte", Ty::Fraction, "full-time equivalent, default 1.0"),
        opt("skills", Ty::Map("skill name", &Ty::Int(1, 5)), "skill name to level 1-5; level 3+ holds the skill"),
    ],
};

pub static DIAGNOSIS: Record = Record {
    name: "diagnosis item",
    doc: "A challenge the strategy responds to.",
    fields: &[
        req("id", ID, "a stable id such as `d-monolith`"),
        req("kind", Ty::Keyword(DiagnosisKind::NAMES), "what kind of challenge"),
        req("statement", TEXT, "the challenge in one or two sentences"),
        opt("evidence", STRS, "facts that support it"),
    ],
};

pub static GUIDING_POLICY: Record = Record {
    name: "guiding policy",
    doc: "A principle for trade-offs that responds to diagnosis items.",
    fields: &[
        req("id", ID, "a stable id such as `p-platform-first`"),
        req("statement", TEXT, "the policy"),
        opt("addresses", Ty::List(&Ty::Ref("diagnosis item")), "diagnosis items it responds to"),
    ],
};

pub static KERNEL: Record = Record {
    name: "kernel",
    doc: "The strategy kernel: diagnosis and guiding policies. Coherent actions are the initiatives that implement the policies.",
    fields: &[
        opt("diagnosis", Ty::List(&Ty::Record(&DIAGNOSIS)), "the diagnosis"),
        opt("policies", Ty::List(&Ty::Record(&GUIDING_POLICY)), "the guiding policies"),
    ],
};

pub static THEME: Record = Record {
    name: "theme",
    doc: "A strategic theme (the framework wants 3-5).",
    fields: &[
        req("id", ID, "a stable id such as `t-reliability`"),
        req("name", STR, "the theme's name"),
        opt("impact", TEXT, "its business impact"),
        opt("success_metrics", STRS, "how you will know it worked"),
        opt("capacity_share_pct", Ty::Percent, "target share of capacity"),
    ],
};

pub static PILLAR: Record = Record {
    name: "pillar",
    doc: "A core technical capability that supports themes.",
    fields: &[
        req("id", ID, "a stable id"),
        req("name", STR, "the pillar's name"),
        opt("description", TEXT, "what it covers"),
        opt("themes", Ty::List(&Ty::Ref("theme")), "themes it supports"),
    ],
};

pub static KEY_RESULT: Record = Record {
    name: "key result",
    doc: "A measurable, time-bound result.",
    fields: &[
        req("id", ID, "a stable id such as `kr-checkout-p99`"),
        req("title", STR, "the outcome, e.g. 'Cut checkout p99 from 800 ms to 300 ms'"),
        opt("metric", STR, "the metric measured"),
        opt("baseline", Ty::Number, "the value today"),
        opt("target", Ty::Number, "the value to reach"),
        opt("unit", STR, "the unit of baseline and target"),
        opt("direction", Ty::Keyword(Direction::NAMES), "increase or decrease"),
        opt("due", Ty::Date, "the due date, within the objective's quarter"),
        opt("measure", Ty::Record(&MEASURE), "take the value from delivery events instead of check-ins"),
    ],
};

pub static OBJECTIVE: Record = Record {
    name: "objective",
    doc: "A quarterly objective of a team.",
    fields: &[
        req("id", ID, "a stable id"),
        req("title", STR, "the objective"),
        req("quarter", Ty::Quarter, "e.g. 2027-Q1"),
        req("team", Ty::Ref("team"), "the owning team"),
        opt("contributors", Ty::List(&Ty::Ref("team")), "other teams sharing the objective"),
        req("kind", Ty::Keyword(ObjectiveKind::NAMES), "technical, process or innovation"),
        opt("theme", Ty::Ref("theme"), "the theme it serves"),
        opt("owner", Ty::Ref("person"), "the person accountable"),
        opt("key_results", Ty::List(&Ty::Record(&KEY_RESULT)), "2-4 key results"),
    ],
};

static SCORES: Record = Record {
    name: "scores",
    doc: "The weighted-matrix scores, integers 1-5.",
    fields: &[
        opt("business_impact", SCORE, "1-5"),
        opt("technical_feasibility", SCORE, "1-5"),
        opt("resource_requirements", SCORE, "1-5; 5 = needs few resources, 1 = needs very many"),
        opt("strategic_fit", SCORE, "1-5"),
    ],
};

static ESTIMATE: Record = Record {
    name: "estimate",
    doc: "A three-point estimate in person-weeks.",
    fields: &[
        req("optimistic", Ty::Number, "person-weeks if all goes well"),
        req("likely", Ty::Number, "the most likely person-weeks"),
        req("pessimistic", Ty::Number, "person-weeks if things go wrong"),
    ],
};

static SCALABILITY_CHECK: Record = Record {
    name: "scalability check",
    doc: "The review at one volume level.",
    fields: &[
        req("rating", Ty::Keyword(ScalabilityRating::NAMES), "ok, risk or blocker"),
        opt("note", TEXT, "why, for risk and blocker"),
    ],
};

static SCALABILITY: Record = Record {
    name: "scalability review",
    doc: "The review at 2x, 5x and 10x today's volume.",
    fields: &[
        opt("2x", Ty::Record(&SCALABILITY_CHECK), "at twice the volume"),
        opt("5x", Ty::Record(&SCALABILITY_CHECK), "at five times the volume"),
        opt("10x", Ty::Record(&SCALABILITY_CHECK), "at ten times the volume"),
    ],
};

pub static MILESTONE: Record = Record {
    name: "milestone",
    doc: "A milestone of an initiative, with a measurable outcome.",
    fields: &[
        req("id", ID, "a stable id"),
        req("title", STR, "a short name"),
        opt("outcome", TEXT, "what is true when it is done, measurably"),
        opt("due", Ty::Date, "the due date"),
        opt("owner", Ty::Ref("person"), "the person accountable"),
        opt("effort", Ty::Number, "person-weeks"),
        opt("team", Ty::Ref("team"), "the team doing it"),
        opt("status", Ty::Keyword(MilestoneStatus::NAMES), "default planned"),
    ],
};

pub static INITIATIVE: Record = Record {
    name: "initiative",
    doc: "A piece of work: a coherent action of the strategy.",
    fields: &[
        req("id", ID, "a stable id"),
        req("title", STR, "a short name"),
        opt("description", TEXT, "what and why"),
        req("quarter", Ty::Quarter, "the quarter it is planned in"),
        opt("theme", Ty::Ref("theme"), "the theme it serves"),
        opt("objectives", Ty::List(&Ty::Ref("objective")), "objectives it moves"),
        opt("policies", Ty::List(&Ty::Ref("guiding policy")), "guiding policies it implements"),
        opt("pillars", Ty::List(&Ty::Ref("pillar")), "pillars it builds on"),
        req("category", Ty::Keyword(Category::NAMES), "committed, improvement or exploration"),
        req("investment", Ty::Keyword(Investment::NAMES), "feature, platform, tech_debt, ktlo or innovation"),
        opt("scores", Ty::Record(&SCORES), "the weighted-matrix scores"),
        opt("effort", Ty::Map("team id", &Ty::Record(&ESTIMATE)), "person-weeks per team"),
        opt("skills", STRS, "skills the work needs"),
        opt("owner", Ty::Ref("person"), "the person accountable"),
        opt("staffing", Ty::Map("person id", &Ty::Fraction), "person to share of their time this quarter"),
        opt("status", Ty::Keyword(InitiativeStatus::NAMES), "default proposed"),
        opt("scalability", Ty::Record(&SCALABILITY), "2x/5x/10x review"),
        opt("milestones", Ty::List(&Ty::Record(&MILESTONE)), "the milestones"),
    ],
};

pub static DEPENDENCY: Record = Record {
    name: "dependency",
    doc: "Something milestones wait for: another milestone, a decision, or an outside party.",
    fields: &[
        req("id", ID, "a stable id"),
        req("kind", Ty::Keyword(DependencyKind::NAMES), "technical, organizational or external"),
        opt("title", STR, "what is needed"),
        req("blocks", Ty::List(&Ty::Ref("milestone")), "milestones that wait for it"),
        opt("waits_for", Ty::Ref("milestone"), "the milestone it waits for, if internal"),
        opt("party", STR, "the outside party, if external"),
        opt("owner", Ty::Ref("person"), "who chases it"),
        opt("due", Ty::Date, "when it must arrive"),
        opt("status", Ty::Keyword(DependencyStatus::NAMES), "default open"),
        opt("buffer", Ty::Percent, "schedule buffer carried, percent"),
        opt("backup_plan", TEXT, "what happens if it does not arrive"),
    ],
};

pub static RISK: Record = Record {
    name: "risk",
    doc: "A risk to the plan.",
    fields: &[
        req("id", ID, "a stable id"),
        req("title", STR, "the risk"),
        req("likelihood", Ty::Keyword(Level::NAMES), "low, medium or high"),
        req("impact", Ty::Keyword(Level::NAMES), "low, medium or high"),
        opt("owner", Ty::Ref("person"), "who manages it"),
        opt("mitigation", TEXT, "what is being done"),
        opt("initiatives", Ty::List(&Ty::Ref("initiative")), "initiatives it threatens"),
    ],
};

pub static DEBT: Record = Record {
    name: "debt item",
    doc: "An entry of the technical-debt register.",
    fields: &[
        req("id", ID, "a stable id"),
        req("title", STR, "the debt"),
        req("category", Ty::Keyword(DebtCategory::NAMES), "a category of Google's tech-debt taxonomy"),
        req("team", Ty::Ref("team"), "the team that owns the code"),
        req("impact", Ty::Keyword(DebtImpact::NAMES), "business impact: low, medium, high or critical"),
        opt("impact_note", TEXT, "how it hurts"),
        req("effort", Ty::Number, "person-weeks to pay it down"),
        opt("owner", Ty::Ref("person"), "who owns it"),
        opt("initiative", Ty::Ref("initiative"), "the initiative that pays it down"),
    ],
};

pub static METRIC: Record = Record {
    name: "metric",
    doc: "A team KPI.",
    fields: &[
        req("id", ID, "a stable id"),
        req("team", Ty::Ref("team"), "the team"),
        req("name", STR, "what is measured"),
        req("category", Ty::Keyword(MetricCategory::NAMES), "delivery, quality, reliability or business_impact"),
        req("indicator", Ty::Keyword(Indicator::NAMES), "leading or lagging"),
        opt("unit", STR, "the unit"),
        opt("direction", Ty::Keyword(Direction::NAMES), "increase or decrease"),
        opt("target", Ty::Number, "the target value"),
        opt("measure", Ty::Record(&MEASURE), "take the value from delivery events instead of check-ins"),
    ],
};

pub static MEASURE: Record = Record {
    name: "measure",
    doc: "A binding to delivery events: the value is computed, not checked in.",
    fields: &[
        req(
            "key",
            Ty::Keyword(DeliveryKey::NAMES),
            "what is measured: one of the four keys, a PR cycle-time part or review velocity",
        ),
        opt("definition", Ty::Ref("delivery definition"), "a delivery definition or preset, default dora-2023"),
        opt(
            "scope",
            Ty::Keyword(MeasureScope::NAMES),
            "team (the owning team's services, the default), organisation (every event) or services",
        ),
        opt("services", STRS, "the services measured; implies scope: services"),
        opt(
            "unit",
            Ty::Keyword(MeasureUnit::NAMES),
            "the unit of the value; default hours for durations, per_week for frequencies, percent for the change failure rate",
        ),
    ],
};

static DEFINITION_DEPLOYMENT: Record = Record {
    name: "deployment rule",
    doc: "Which CI/CD runs count as deployments.",
    fields: &[
        opt("environment", STR, "the exact environment name, or `*` for every environment"),
        opt("results", STRS, "run results that count, e.g. [success]"),
        opt("pattern", STR, "a glob the run's name must match (`*` any text, `?` one character)"),
    ],
};

static DEFINITION_LEAD_TIME: Record = Record {
    name: "lead time rule",
    doc: "Where a change's lead time starts and ends, and how lead times are summarised.",
    fields: &[
        opt("start", Ty::Keyword(LeadTimeFrom::NAMES), "first_commit, pr_created or commit_authored"),
        opt("end", Ty::Keyword(LeadTimeTo::NAMES), "deployed or merged"),
        opt("statistic", Ty::Keyword(StatisticName::NAMES), "median, median_low, p75 or mean"),
        opt("minimum", Ty::Duration, "shorter lead times are left out, e.g. 1m (fourkeys ignores them)"),
        opt(
            "rounding",
            Ty::Keyword(RoundingName::NAMES),
            "exact, whole_minutes or whole_hours: lead times truncated first",
        ),
    ],
};

static DEFINITION_ATTRIBUTION: Record = Record {
    name: "attribution rule",
    doc: "How an incident is attributed to a deployment.",
    fields: &[
        req("rule", Ty::Keyword(AttributionRule::NAMES), "last_deployment_before or root_cause_commit"),
        opt("scope", Ty::Keyword(AttributionScope::NAMES), "service (the incident's service, default) or any"),
        opt("within", Ty::Duration, "blame no deployment older than this before the incident, e.g. 24h"),
    ],
};

pub static DELIVERY_DEFINITION: Record = Record {
    name: "delivery definition",
    doc: "A definition of the delivery metrics: a preset or another definition, and the fields it overrides.",
    fields: &[
        req("id", ID, "the name numbers link to"),
        opt(
            "extends",
            Ty::Ref("delivery definition"),
            "a preset (dora-2023, devlake, fourkeys) or definition, default dora-2023",
        ),
        opt("description", TEXT, "what the definition is for"),
        opt("deployment", Ty::Record(&DEFINITION_DEPLOYMENT), "what counts as a deployment"),
        opt("lead_time", Ty::Record(&DEFINITION_LEAD_TIME), "where lead time starts and ends, and its statistic"),
        opt("restore_statistic", Ty::Keyword(StatisticName::NAMES), "how times to restore are summarised"),
        opt(
            "restore_rounding",
            Ty::Keyword(RoundingName::NAMES),
            "exact, whole_minutes or whole_hours (truncated first, as fourkeys does)",
        ),
        opt("frequency", Ty::Keyword(FrequencyName::NAMES), "per_week or deploy_days_per_week"),
        opt(
            "frequency_statistic",
            Ty::Keyword(StatisticName::NAMES),
            "how deployment days per week and month are summarised (median interpolates)",
        ),
        opt("week_start", Ty::Keyword(WeekStartName::NAMES), "monday or sunday: the weeks deployment days count in"),
        opt(
            "window",
            Ty::Window,
            "the trailing window a figure covers: whole days, e.g. 28d, or calendar months, e.g. 3mo",
        ),
        opt("attribution", Ty::Record(&DEFINITION_ATTRIBUTION), "how incidents are attributed to deployments"),
        opt("benchmark", Ty::Int(2000, 2100), "the year of the DORA report whose tiers classify the figures"),
    ],
};

/// The top level of a file.
pub static FILE: Record = Record {
    name: "workspace file",
    doc: "A Throughline workspace file. Every section is optional; list sections from several files are concatenated.",
    fields: &[
        opt("organisation", Ty::Record(&ORGANISATION), "the organisation (once per workspace)"),
        opt("policy", Ty::Record(&POLICY), "policy settings (once per workspace)"),
        opt("teams", Ty::List(&Ty::Record(&TEAM)), "teams"),
        opt("people", Ty::List(&Ty::Record(&PERSON)), "people"),
        opt("kernel", Ty::Record(&KERNEL), "the strategy kernel"),
        opt("themes", Ty::List(&Ty::Record(&THEME)), "themes"),
        opt("pillars", Ty::List(&Ty::Record(&PILLAR)), "pillars"),
        opt("objectives", Ty::List(&Ty::Record(&OBJECTIVE)), "quarterly objectives with key results"),
        opt("initiatives", Ty::List(&Ty::Record(&INITIATIVE)), "initiatives with milestones"),
        opt("dependencies", Ty::List(&Ty::Record(&DEPENDENCY)), "dependencies"),
        opt("risks", Ty::List(&Ty::Record(&RISK)), "risks"),
        opt("debt", Ty::List(&Ty::Record(&DEBT)), "the technical-debt register"),
        opt("metrics", Ty::List(&Ty::Record(&METRIC)), "team KPIs"),
        opt("delivery_definitions", Ty::List(&Ty::Record(&DELIVERY_DEFINITION)), "definitions of the delivery metrics"),
    ],
};

/// What one file contributes to the model. Singletons are kept apart so that
/// the merge can report a second definition.
#[derive(Default)]
pub struct Part {
    pub model: Model,
    pub organisation: Option<Organisation>,
    pub policy: Option<Policy>,
}

/// Placeholder for a required quarter that failed to decode (already reported).
const PLACEHOLDER_QUARTER: Quarter = Quarter { year: 2000, q: 1 };

/// Drops entities whose id failed to decode (already reported).
fn has_id<T>(entity: Option<T>, id: impl Fn(&T) -> &Id) -> Option<T> {
    entity.filter(|e| !id(e).0.is_empty())
}

/// Placeholder for a required reference that failed to decode (already reported).
fn missing_ref() -> Ref {
    Ref { id: Id(String::new()), loc: Loc::NONE }
}

/// Decodes one YAML document into a part of the model.
pub fn decode_document(d: &mut Decoder<'_>, doc: &Node, part: &mut Part) {
    if doc.is_null() {
        return;
    }
    let Some(obj) = d.obj(doc, &FILE) else { return };
    if let Some(n) = obj.get("organisation") {
        part.organisation = organisation(d, n);
    }
    if let Some(n) = obj.get("policy") {
        part.policy = policy(d, n);
    }
    let m = &mut part.model;
    for n in items(d, &obj, "teams") {
        m.teams.extend(has_id(team(d, n), |e| &e.id));
    }
    for n in items(d, &obj, "people") {
        m.people.extend(has_id(person(d, n), |e| &e.id));
    }
    if let Some(n) = obj.get("kernel")
        && let Some(k) = d.obj(n, &KERNEL)
    {
        for n in items(d, &k, "diagnosis") {
            m.diagnosis.extend(has_id(diagnosis(d, n), |e| &e.id));
        }
        for n in items(d, &k, "policies") {
            m.policies.extend(has_id(guiding_policy(d, n), |e| &e.id));
        }
    }
    for n in items(d, &obj, "themes") {
        m.themes.extend(has_id(theme(d, n), |e| &e.id));
    }
    for n in items(d, &obj, "pillars") {
        m.pillars.extend(has_id(pillar(d, n), |e| &e.id));
    }
    for n in items(d, &obj, "objectives") {
        m.objectives.extend(has_id(objective(d, n), |e| &e.id));
    }
    for n in items(d, &obj, "initiatives") {
        m.initiatives.extend(has_id(initiative(d, n), |e| &e.id));
    }
    for n in items(d, &obj, "dependencies") {
        m.dependencies.extend(has_id(dependency(d, n), |e| &e.id));
    }
    for n in items(d, &obj, "risks") {
        m.risks.extend(has_id(risk(d, n), |e| &e.id));
    }
    for n in items(d, &obj, "debt") {
        m.debt.extend(has_id(debt(d, n), |e| &e.id));
    }
    for n in items(d, &obj, "delivery_definitions") {
        m.delivery_definitions.extend(has_id(delivery_definition(d, n), |e| &e.id));
    }
    for n in items(d, &obj, "metrics") {
        m.metrics.extend(has_id(metric(d, n), |e| &e.id));
    }
}

fn items<'n>(d: &mut Decoder<'_>, obj: &Obj<'n>, name: &str) -> Vec<&'n Node> {
    match obj.get(name) {
        Some(n) => match &n.value {
            Value::Seq(items) => items.iter().collect(),
            _ => {
                d.invalid(
                    n.loc,
                    format!("`{name}` must be a list, found {}", n.describe()),
                    format!("write each of the {name} as a list item starting with `- `"),
                );
                Vec::new()
            }
        },
        None => Vec::new(),
    }
}

fn organisation(d: &mut Decoder<'_>, n: &Node) -> Option<Organisation> {
    let o = d.obj(n, &ORGANISATION)?;
    Some(Organisation {
        name: d.string(&o, "name").unwrap_or_default(),
        description: d.string(&o, "description"),
        calendar: calendar(d, &o),
        loc: o.loc,
    })
}

const WEEKDAYS: &[&str] = &["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

fn calendar(d: &mut Decoder<'_>, o: &Obj<'_>) -> Calendar {
    let mut cal = Calendar::default();
    if let Some(node) = o.get("working_days") {
        let mut days = [false; 7];
        for n in d.list(node, "weekdays") {
            if let Some(i) = d.keyword_node(n, WEEKDAYS, |s| WEEKDAYS.iter().position(|w| *w == s)) {
                days[i] = true;
            }
        }
        if !days.iter().any(|&w| w) {
            d.invalid(
                node.loc,
                "no working days".to_string(),
                "list the worked weekdays, e.g. [mon, tue, wed, thu, fri]",
            );
        } else {
            cal.working_weekdays = days;
        }
    }
    if let Some(node) = o.get("holidays") {
        for n in d.list(node, "dates") {
            if let Some(date) = d.date_node(n) {
                cal.holidays.insert(date);
            }
        }
    }
    cal
}

fn count_range(d: &mut Decoder<'_>, o: &Obj<'_>, name: &str, default: CountRange) -> CountRange {
    let Some(n) = o.get(name) else { return default };
    let Some(r) = d.obj(n, &COUNT_RANGE) else {
        return default;
    };
    let min = d.int(&r, "min", 0, 1000).map_or(default.min, |x| x as u32);
    let max = d.int(&r, "max", 0, 1000).map_or(default.max, |x| x as u32);
    if min > max {
        d.invalid(n.loc, format!("`{name}` has min {min} above max {max}"), "make min at most max");
    }
    CountRange { min, max }
}

fn policy(d: &mut Decoder<'_>, n: &Node) -> Option<Policy> {
    let o = d.obj(n, &POLICY)?;
    let mut p = Policy { loc: o.loc, ..Policy::default() };
    if let Some(w) = o.get("weights").and_then(|n| d.obj(n, &WEIGHTS)) {
        let ws = &mut p.weights;
        ws.business_impact = d.percent(&w, "business_impact").unwrap_or(ws.business_impact);
        ws.technical_feasibility = d.percent(&w, "technical_feasibility").unwrap_or(ws.technical_feasibility);
        ws.resource_requirements = d.percent(&w, "resource_requirements").unwrap_or(ws.resource_requirements);
        ws.strategic_fit = d.percent(&w, "strategic_fit").unwrap_or(ws.strategic_fit);
    }
    p.themes = count_range(d, &o, "themes", p.themes);
    p.objectives_per_team_quarter = count_range(d, &o, "objectives_per_team_quarter", p.objectives_per_team_quarter);
    p.key_results_per_objective = count_range(d, &o, "key_results_per_objective", p.key_results_per_objective);
    p.core_metrics_per_team = count_range(d, &o, "core_metrics_per_team", p.core_metrics_per_team);
    if let Some(m) = o.get("capacity_mix").and_then(|n| d.obj(n, &CAPACITY_MIX)) {
        let mix = &mut p.capacity_mix;
        mix.committed = d.percent(&m, "committed").unwrap_or(mix.committed);
        mix.improvement = d.percent(&m, "improvement").unwrap_or(mix.improvement);
        mix.exploration = d.percent(&m, "exploration").unwrap_or(mix.exploration);
        mix.tolerance_pct = d.percent(&m, "tolerance_pct").unwrap_or(mix.tolerance_pct);
    }
    if let Some(u) = o.get("utilization").and_then(|n| d.obj(n, &UTILIZATION)) {
        p.utilization_warn_pct = d.non_negative(&u, "warn_pct").unwrap_or(p.utilization_warn_pct);
        p.utilization_error_pct = d.non_negative(&u, "error_pct").unwrap_or(p.utilization_error_pct);
    }
    if let Some(n) = o.get("tech_debt_pct")
        && let Some(r) = d.obj(n, &PCT_RANGE)
    {
        let min = d.percent(&r, "min").unwrap_or(p.tech_debt_pct.min);
        let max = d.percent(&r, "max").unwrap_or(p.tech_debt_pct.max);
        p.tech_debt_pct = PctRange { min, max };
    }
    if let Some(b) = o.get("buffers").and_then(|n| d.obj(n, &BUFFERS)) {
        p.buffer_internal_pct = d.non_negative(&b, "internal_pct").unwrap_or(p.buffer_internal_pct);
        p.buffer_external_pct = d.non_negative(&b, "external_pct").unwrap_or(p.buffer_external_pct);
    }
    p.min_skill_holders = d.int(&o, "min_skill_holders", 1, 100).map_or(p.min_skill_holders, |x| x as u32);
    p.robustness_pp = d.percent(&o, "robustness_pp").unwrap_or(p.robustness_pp);
    for (k, v) in d.entries(&o, "rules", "rule severities") {
        let Some(rule) = d.scalar(k, "a rule id") else {
            continue;
        };
        let level = d.keyword_node(v, RULE_LEVELS, |s| match s {
            "off" => Some(RuleLevel::Off),
            "error" => Some(RuleLevel::Is(Severity::Error)),
            "warning" => Some(RuleLevel::Is(Severity::Warning)),
            "info" => Some(RuleLevel::Is(Severity::Info)),
            _ => None,
        });
        if let Some(level) = level {
            p.rules.push((rule.to_string(), level, k.loc));
        }
    }
    Some(p)
}

fn team(d: &mut Decoder<'_>, n: &Node) -> Option<Team> {
    let o = d.obj(n, &TEAM)?;
    Some(Team {
        id: d.id(&o, "id").unwrap_or_default(),
        name: d.string(&o, "name").unwrap_or_default(),
        mission: d.string(&o, "mission"),
        lead: d.reference(&o, "lead"),
        focus_factor: d.fraction(&o, "focus_factor").unwrap_or(0.7),
        on_call_fte: d.non_negative(&o, "on_call_fte").unwrap_or(0.0),
        time_off_weeks: d.non_negative(&o, "time_off_weeks").unwrap_or(0.0),
        services: d.strings(&o, "services"),
        loc: o.loc,
    })
}

fn person(d: &mut Decoder<'_>, n: &Node) -> Option<Person> {
    let o = d.obj(n, &PERSON)?;
    let mut skills = Vec::new();
    for (k, v) in d.entries(&o, "skills", "skills") {
        let (Some(name), Some(level)) = (d.scalar(k, "a skill name").map(str::to_string), d.int_node(v, 1, 5)) else {
            continue;
        };
        skills.push(Skill { name, level: level as u8 });
    }
    Some(Person {
        id: d.id(&o, "id").unwrap_or_default(),
        name: d.string(&o, "name").unwrap_or_default(),
        team: d.reference(&o, "team").unwrap_or_else(missing_ref),
        seniority: d.keyword(&o, "seniority", Seniority::NAMES, Seniority::parse).unwrap_or(Seniority::Mid),
        fte: d.fraction(&o, "fte").unwrap_or(1.0),
        skills,
        loc: o.loc,
    })
}

fn diagnosis(d: &mut Decoder<'_>, n: &Node) -> Option<DiagnosisItem> {
    let o = d.obj(n, &DIAGNOSIS)?;
    Some(DiagnosisItem {
        id: d.id(&o, "id").unwrap_or_default(),
        kind: d.keyword(&o, "kind", DiagnosisKind::NAMES, DiagnosisKind::parse).unwrap_or(DiagnosisKind::Other),
        statement: d.string(&o, "statement").unwrap_or_default(),
        evidence: d.strings(&o, "evidence"),
        loc: o.loc,
    })
}

fn guiding_policy(d: &mut Decoder<'_>, n: &Node) -> Option<GuidingPolicy> {
    let o = d.obj(n, &GUIDING_POLICY)?;
    Some(GuidingPolicy {
        id: d.id(&o, "id").unwrap_or_default(),
        statement: d.string(&o, "statement").unwrap_or_default(),
        addresses: d.references(&o, "addresses"),
        loc: o.loc,
    })
}

fn theme(d: &mut Decoder<'_>, n: &Node) -> Option<Theme> {
    let o = d.obj(n, &THEME)?;
    Some(Theme {
        id: d.id(&o, "id").unwrap_or_default(),
        name: d.string(&o, "name").unwrap_or_default(),
        impact: d.string(&o, "impact"),
        success_metrics: d.strings(&o, "success_metrics"),
        capacity_share_pct: d.percent(&o, "capacity_share_pct"),
        loc: o.loc,
    })
}

fn pillar(d: &mut Decoder<'_>, n: &Node) -> Option<Pillar> {
    let o = d.obj(n, &PILLAR)?;
    Some(Pillar {
        id: d.id(&o, "id").unwrap_or_default(),
        name: d.string(&o, "name").unwrap_or_default(),
        description: d.string(&o, "description"),
        themes: d.references(&o, "themes"),
        loc: o.loc,
    })
}

fn key_result(d: &mut Decoder<'_>, n: &Node) -> Option<KeyResult> {
    let o = d.obj(n, &KEY_RESULT)?;
    Some(KeyResult {
        id: d.id(&o, "id").unwrap_or_default(),
        title: d.string(&o, "title").unwrap_or_default(),
        metric: d.string(&o, "metric"),
        baseline: d.number(&o, "baseline"),
        target: d.number(&o, "target"),
        unit: d.string(&o, "unit"),
        direction: d.keyword(&o, "direction", Direction::NAMES, Direction::parse),
        due: d.date(&o, "due"),
        measure: o.get("measure").and_then(|n| measure(d, n)),
        loc: o.loc,
    })
}

fn measure(d: &mut Decoder<'_>, n: &Node) -> Option<Measure> {
    let o = d.obj(n, &MEASURE)?;
    let services = d.strings(&o, "services");
    let default_scope = if services.is_empty() { MeasureScope::Team } else { MeasureScope::Services };
    Some(Measure {
        key: d.keyword(&o, "key", DeliveryKey::NAMES, DeliveryKey::parse)?,
        definition: d.reference(&o, "definition"),
        scope: d.keyword(&o, "scope", MeasureScope::NAMES, MeasureScope::parse).unwrap_or(default_scope),
        services,
        unit: d.keyword(&o, "unit", MeasureUnit::NAMES, MeasureUnit::parse),
        loc: o.loc,
    })
}

fn delivery_definition(d: &mut Decoder<'_>, n: &Node) -> Option<DeliveryDefinition> {
    let o = d.obj(n, &DELIVERY_DEFINITION)?;
    let mut fields: Vec<(&'static str, Loc)> = Vec::new();
    let mut note = |name: &'static str, node: Option<&Node>| {
        if let Some(node) = node {
            fields.push((name, node.loc));
        }
    };
    note("description", o.get("description"));
    note("restore_statistic", o.get("restore_statistic"));
    note("restore_rounding", o.get("restore_rounding"));
    note("frequency", o.get("frequency"));
    note("frequency_statistic", o.get("frequency_statistic"));
    note("week_start", o.get("week_start"));
    note("window", o.get("window"));
    note("attribution", o.get("attribution"));
    note("benchmark", o.get("benchmark"));
    let (mut environment, mut results, mut pattern) = (None, Vec::new(), None);
    if let Some(dep) = o.get("deployment").and_then(|n| d.obj(n, &DEFINITION_DEPLOYMENT)) {
        note("deployment.environment", dep.get("environment"));
        note("deployment.results", dep.get("results"));
        note("deployment.pattern", dep.get("pattern"));
        environment = d.string(&dep, "environment");
        results = d.strings(&dep, "results");
        pattern = d.string(&dep, "pattern");
    }
    let (mut start, mut end, mut statistic, mut minimum, mut rounding) = (None, None, None, None, None);
    if let Some(lt) = o.get("lead_time").and_then(|n| d.obj(n, &DEFINITION_LEAD_TIME)) {
        note("lead_time.start", lt.get("start"));
        note("lead_time.end", lt.get("end"));
        note("lead_time.statistic", lt.get("statistic"));
        note("lead_time.minimum", lt.get("minimum"));
        minimum = d.duration_minutes(&lt, "minimum");
        note("lead_time.rounding", lt.get("rounding"));
        rounding = d.keyword(&lt, "rounding", RoundingName::NAMES, RoundingName::parse);
        start = d.keyword(&lt, "start", LeadTimeFrom::NAMES, LeadTimeFrom::parse);
        end = d.keyword(&lt, "end", LeadTimeTo::NAMES, LeadTimeTo::parse);
        statistic = d.keyword(&lt, "statistic", StatisticName::NAMES, StatisticName::parse);
    }
    let attribution = o.get("attribution").and_then(|n| d.obj(n, &DEFINITION_ATTRIBUTION)).and_then(|a| {
        Some(AttributionSpec {
            scope: d.keyword(&a, "scope", AttributionScope::NAMES, AttributionScope::parse),
            within_minutes: d.duration_minutes(&a, "within"),
            rule: d.keyword(&a, "rule", AttributionRule::NAMES, AttributionRule::parse)?,
            loc: a.loc,
        })
    });
    let window_months = o.get("window").and_then(|node| {
        let text = node.scalar()?.trim();
        let months = text.strip_suffix("mo")?.trim_end();
        match months.parse::<u32>().ok().filter(|_| months.bytes().all(|b| b.is_ascii_digit())) {
            Some(n) if (1..=1_200).contains(&n) => Some(n),
            _ => {
                d.invalid(
                    node.loc,
                    format!("`{text}` is not a number of months from 1 to 1200"),
                    "write calendar months as a whole number and `mo`, e.g. 3mo",
                );
                None
            }
        }
    });
    let is_months = o.get("window").and_then(Node::scalar).is_some_and(|t| t.trim().ends_with("mo"));
    let window_days = o.get("window").filter(|_| !is_months).and_then(|node| {
        let minutes = d.duration_node(node)?;
        if minutes % (24 * 60) != 0 || minutes == 0 {
            d.invalid(
                node.loc,
                "a window is a whole number of days".to_string(),
                "write the window in whole days, e.g. 28d or 13w, or in calendar months, e.g. 3mo",
            );
            return None;
        }
        u32::try_from(minutes / (24 * 60)).ok()
    });
    Some(DeliveryDefinition {
        id: d.id(&o, "id").unwrap_or_default(),
        extends: d.reference(&o, "extends"),
        description: d.string(&o, "description"),
        environment,
        results,
        pattern,
        lead_time_start: start,
        lead_time_end: end,
        lead_time_statistic: statistic,
        lead_time_minimum_minutes: minimum,
        lead_time_rounding: rounding,
        restore_statistic: d.keyword(&o, "restore_statistic", StatisticName::NAMES, StatisticName::parse),
        restore_rounding: d.keyword(&o, "restore_rounding", RoundingName::NAMES, RoundingName::parse),
        frequency: d.keyword(&o, "frequency", FrequencyName::NAMES, FrequencyName::parse),
        frequency_statistic: d.keyword(&o, "frequency_statistic", StatisticName::NAMES, StatisticName::parse),
        week_start: d.keyword(&o, "week_start", WeekStartName::NAMES, WeekStartName::parse),
        window_days,
        window_months,
        attribution,
        benchmark: d.int(&o, "benchmark", 2000, 2100).and_then(|y| u16::try_from(y).ok()),
        fields,
        loc: o.loc,
    })
}

fn objective(d: &mut Decoder<'_>, n: &Node) -> Option<Objective> {
    let o = d.obj(n, &OBJECTIVE)?;
    let key_results = match o.get("key_results") {
        Some(list) => {
            d.list(list, "key results").into_iter().filter_map(|n| has_id(key_result(d, n), |e| &e.id)).collect()
        }
        None => Vec::new(),
    };
    Some(Objective {
        id: d.id(&o, "id").unwrap_or_default(),
        title: d.string(&o, "title").unwrap_or_default(),
        quarter: d.quarter(&o, "quarter").unwrap_or(PLACEHOLDER_QUARTER),
        team: d.reference(&o, "team").unwrap_or_else(missing_ref),
        contributors: d.references(&o, "contributors"),
        kind: d.keyword(&o, "kind", ObjectiveKind::NAMES, ObjectiveKind::parse).unwrap_or(ObjectiveKind::Technical),
        theme: d.reference(&o, "theme"),
        owner: d.reference(&o, "owner"),
        key_results,
        loc: o.loc,
    })
}

fn scores(d: &mut Decoder<'_>, n: &Node) -> Scores {
    let Some(o) = d.obj(n, &SCORES) else {
        return Scores::default();
    };
    let mut score = |name| d.int(&o, name, 1, 5).map(|x| x as u8);
    Scores {
        business_impact: score("business_impact"),
        technical_feasibility: score("technical_feasibility"),
        resource_requirements: score("resource_requirements"),
        strategic_fit: score("strategic_fit"),
        loc: o.loc,
    }
}

fn scalability_check(d: &mut Decoder<'_>, n: &Node) -> Option<ScalabilityCheck> {
    let o = d.obj(n, &SCALABILITY_CHECK)?;
    Some(ScalabilityCheck {
        rating: d.keyword(&o, "rating", ScalabilityRating::NAMES, ScalabilityRating::parse)?,
        note: d.string(&o, "note"),
        loc: o.loc,
    })
}

fn milestone(d: &mut Decoder<'_>, n: &Node) -> Option<Milestone> {
    let o = d.obj(n, &MILESTONE)?;
    Some(Milestone {
        id: d.id(&o, "id").unwrap_or_default(),
        title: d.string(&o, "title").unwrap_or_default(),
        outcome: d.string(&o, "outcome"),
        due: d.date(&o, "due"),
        owner: d.reference(&o, "owner"),
        effort: d.non_negative(&o, "effort"),
        team: d.reference(&o, "team"),
        status: d
            .keyword(&o, "status", MilestoneStatus::NAMES, MilestoneStatus::parse)
            .unwrap_or(MilestoneStatus::Planned),
        loc: o.loc,
    })
}

fn initiative(d: &mut Decoder<'_>, n: &Node) -> Option<Initiative> {
    let o = d.obj(n, &INITIATIVE)?;
    let mut effort = Vec::new();
    for (k, v) in d.entries(&o, "effort", "team efforts") {
        let team = d.reference_node(k);
        let estimate = d.obj(v, &ESTIMATE).and_then(|e| {
            let optimistic = d.non_negative(&e, "optimistic");
            let likely = d.non_negative(&e, "likely");
            let pessimistic = d.non_negative(&e, "pessimistic");
            Some(Estimate { optimistic: optimistic?, likely: likely?, pessimistic: pessimistic? })
        });
        if let (Some(team), Some(estimate)) = (team, estimate) {
            effort.push(TeamEffort { team, estimate, loc: k.loc });
        }
    }
    let mut staffing = Vec::new();
    for (k, v) in d.entries(&o, "staffing", "allocations") {
        let person = d.reference_node(k);
        let share = d.number_node(v);
        if let Some(s) = share
            && !(0.0..=1.0).contains(&s)
        {
            d.invalid(
                v.loc,
                format!("an allocation is a fraction of the person's time, found {s}"),
                "write allocations as 0-1, e.g. 0.5 for half time",
            );
            continue;
        }
        if let (Some(person), Some(share)) = (person, share) {
            staffing.push(Allocation { person, share });
        }
    }
    let mut scalability = ScalabilityReview::default();
    if let Some(s) = o.get("scalability").and_then(|n| d.obj(n, &SCALABILITY)) {
        scalability.x2 = s.get("2x").and_then(|n| scalability_check(d, n));
        scalability.x5 = s.get("5x").and_then(|n| scalability_check(d, n));
        scalability.x10 = s.get("10x").and_then(|n| scalability_check(d, n));
    }
    let milestones = match o.get("milestones") {
        Some(list) => {
            d.list(list, "milestones").into_iter().filter_map(|n| has_id(milestone(d, n), |e| &e.id)).collect()
        }
        None => Vec::new(),
    };
    Some(Initiative {
        id: d.id(&o, "id").unwrap_or_default(),
        title: d.string(&o, "title").unwrap_or_default(),
        description: d.string(&o, "description"),
        quarter: d.quarter(&o, "quarter").unwrap_or(PLACEHOLDER_QUARTER),
        theme: d.reference(&o, "theme"),
        objectives: d.references(&o, "objectives"),
        policies: d.references(&o, "policies"),
        pillars: d.references(&o, "pillars"),
        category: d.keyword(&o, "category", Category::NAMES, Category::parse).unwrap_or(Category::Committed),
        investment: d.keyword(&o, "investment", Investment::NAMES, Investment::parse).unwrap_or(Investment::Feature),
        scores: o.get("scores").map(|n| scores(d, n)).unwrap_or_default(),
        effort,
        skills: d.strings(&o, "skills"),
        owner: d.reference(&o, "owner"),
        staffing,
        status: d
            .keyword(&o, "status", InitiativeStatus::NAMES, InitiativeStatus::parse)
            .unwrap_or(InitiativeStatus::Proposed),
        scalability,
        milestones,
        loc: o.loc,
    })
}

fn dependency(d: &mut Decoder<'_>, n: &Node) -> Option<Dependency> {
    let o = d.obj(n, &DEPENDENCY)?;
    Some(Dependency {
        id: d.id(&o, "id").unwrap_or_default(),
        kind: d.keyword(&o, "kind", DependencyKind::NAMES, DependencyKind::parse).unwrap_or(DependencyKind::Technical),
        title: d.string(&o, "title"),
        blocks: d.references(&o, "blocks"),
        waits_for: d.reference(&o, "waits_for"),
        party: d.string(&o, "party"),
        owner: d.reference(&o, "owner"),
        due: d.date(&o, "due"),
        status: d
            .keyword(&o, "status", DependencyStatus::NAMES, DependencyStatus::parse)
            .unwrap_or(DependencyStatus::Open),
        buffer_pct: d.percent(&o, "buffer"),
        backup_plan: d.string(&o, "backup_plan"),
        loc: o.loc,
    })
}

fn risk(d: &mut Decoder<'_>, n: &Node) -> Option<Risk> {
    let o = d.obj(n, &RISK)?;
    Some(Risk {
        id: d.id(&o, "id").unwrap_or_default(),
        title: d.string(&o, "title").unwrap_or_default(),
        likelihood: d.keyword(&o, "likelihood", Level::NAMES, Level::parse).unwrap_or(Level::Medium),
        impact: d.keyword(&o, "impact", Level::NAMES, Level::parse).unwrap_or(Level::Medium),
        owner: d.reference(&o, "owner"),
        mitigation: d.string(&o, "mitigation"),
        initiatives: d.references(&o, "initiatives"),
        loc: o.loc,
    })
}

fn debt(d: &mut Decoder<'_>, n: &Node) -> Option<DebtItem> {
    let o = d.obj(n, &DEBT)?;
    Some(DebtItem {
        id: d.id(&o, "id").unwrap_or_default(),
        title: d.string(&o, "title").unwrap_or_default(),
        category: d
            .keyword(&o, "category", DebtCategory::NAMES, DebtCategory::parse)
            .unwrap_or(DebtCategory::CodeQuality),
        team: d.reference(&o, "team").unwrap_or_else(missing_ref),
        impact: d.keyword(&o, "impact", DebtImpact::NAMES, DebtImpact::parse).unwrap_or(DebtImpact::Medium),
        impact_note: d.string(&o, "impact_note"),
        effort: d.non_negative(&o, "effort").unwrap_or(0.0),
        owner: d.reference(&o, "owner"),
        initiative: d.reference(&o, "initiative"),
        loc: o.loc,
    })
}

fn metric(d: &mut Decoder<'_>, n: &Node) -> Option<Metric> {
    let o = d.obj(n, &METRIC)?;
    Some(Metric {
        id: d.id(&o, "id").unwrap_or_default(),
        team: d.reference(&o, "team").unwrap_or_else(missing_ref),
        name: d.string(&o, "name").unwrap_or_default(),
        category: d
            .keyword(&o, "category", MetricCategory::NAMES, MetricCategory::parse)
            .unwrap_or(MetricCategory::Delivery),
        indicator: d.keyword(&o, "indicator", Indicator::NAMES, Indicator::parse).unwrap_or(Indicator::Lagging),
        unit: d.string(&o, "unit"),
        direction: d.keyword(&o, "direction", Direction::NAMES, Direction::parse),
        target: d.number(&o, "target"),
        measure: o.get("measure").and_then(|n| measure(d, n)),
        loc: o.loc,
    })
}

/// Merges the parts of every file, in file order, into one model.
pub fn merge(parts: Vec<Part>, diags: &mut Vec<Diagnostic>) -> Model {
    let mut model = Model::default();
    let mut org_seen: Option<Loc> = None;
    let mut policy_seen: Option<Loc> = None;
    for part in parts {
        if let Some(org) = part.organisation {
            match org_seen {
                Some(first) => diags.push(
                    Diagnostic::error("duplicate-section", org.loc, "the organisation is defined a second time")
                        .with_related(first, "first defined here")
                        .with_hint("keep one `organisation:` section in the workspace"),
                ),
                None => {
                    org_seen = Some(org.loc);
                    model.organisation = org;
                }
            }
        }
        if let Some(policy) = part.policy {
            match policy_seen {
                Some(first) => diags.push(
                    Diagnostic::error("duplicate-section", policy.loc, "the policy settings are defined a second time")
                        .with_related(first, "first defined here")
                        .with_hint("keep one `policy:` section in the workspace"),
                ),
                None => {
                    policy_seen = Some(policy.loc);
                    model.policy = policy;
                }
            }
        }
        let m = part.model;
        model.teams.extend(m.teams);
        model.people.extend(m.people);
        model.diagnosis.extend(m.diagnosis);
        model.policies.extend(m.policies);
        model.themes.extend(m.themes);
        model.pillars.extend(m.pillars);
        model.objectives.extend(m.objectives);
        model.initiatives.extend(m.initiatives);
        model.dependencies.extend(m.dependencies);
        model.risks.extend(m.risks);
        model.debt.extend(m.debt);
        model.metrics.extend(m.metrics);
        model.delivery_definitions.extend(m.delivery_definitions);
    }
    model
}

/// All records, for the JSON Schema's definitions.
pub fn all_records() -> Vec<&'static Record> {
    fn walk(r: &'static Record, out: &mut Vec<&'static Record>) {
        if out.iter().any(|x| std::ptr::eq(*x, r)) {
            return;
        }
        out.push(r);
        for f in r.fields {
            walk_ty(&f.ty, out);
        }
    }
    fn walk_ty(t: &Ty, out: &mut Vec<&'static Record>) {
        match t {
            Ty::Record(r) => walk(r, out),
            Ty::List(inner) | Ty::Map(_, inner) => walk_ty(inner, out),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(&FILE, &mut out);
    out
}
