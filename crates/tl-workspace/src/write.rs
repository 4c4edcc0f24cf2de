//! Writing a model back out as workspace YAML.
//!
//! The output re-loads to the same model (locations aside). Strings are
//! always double-quoted, so no value can be misread as another type.

use std::fmt::Write;
use tl_engine::model::*;
use tl_engine::policy::{Policy, RuleLevel};

fn q(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_string())
}

fn num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 { format!("{}", x as i64) } else { format!("{x}") }
}

fn ids<'a>(refs: impl IntoIterator<Item = &'a Ref>) -> String {
    let v: Vec<&str> = refs.into_iter().map(|r| r.as_str()).collect();
    format!("[{}]", v.join(", "))
}

macro_rules! w {
    ($out:expr, $($arg:tt)*) => {{ let _ = writeln!($out, $($arg)*); }};
}

/// Minutes as the files write a duration, in the largest whole unit:
/// `2d`, `36h`, `90m`.
pub fn duration(minutes: i64) -> String {
    match minutes {
        m if m != 0 && m % (7 * 24 * 60) == 0 => format!("{}w", m / (7 * 24 * 60)),
        m if m != 0 && m % (24 * 60) == 0 => format!("{}d", m / (24 * 60)),
        m if m != 0 && m % 60 == 0 => format!("{}h", m / 60),
        m => format!("{m}m"),
    }
}

fn strs(items: &[String]) -> String {
    let v: Vec<String> = items.iter().map(|s| q(s)).collect();
    format!("[{}]", v.join(", "))
}

/// A binding to delivery events, indented under its key result or metric.
fn measure(o: &mut String, indent: &str, m: &Measure) {
    w!(o, "{indent}measure:");
    w!(o, "{indent}  key: {}", m.key);
    if let Some(d) = &m.definition {
        w!(o, "{indent}  definition: {}", d.as_str());
    }
    if m.services.is_empty() {
        w!(o, "{indent}  scope: {}", m.scope);
    } else {
        w!(o, "{indent}  services: {}", strs(&m.services));
    }
    if let Some(u) = m.unit {
        w!(o, "{indent}  unit: {u}");
    }
}

/// Builds YAML text section by section.
#[derive(Default)]
pub struct Writer {
    pub out: String,
}

impl Writer {
    pub fn comment(&mut self, text: &str) -> &mut Self {
        for line in text.lines() {
            w!(self.out, "# {line}");
        }
        self
    }

    pub fn organisation(&mut self, o: &Organisation) -> &mut Self {
        w!(self.out, "organisation:");
        w!(self.out, "  name: {}", q(&o.name));
        if let Some(d) = &o.description {
            w!(self.out, "  description: {}", q(d));
        }
        let cal = &o.calendar;
        if cal.working_weekdays != tl_engine::calendar::Calendar::default().working_weekdays {
            const NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
            let days: Vec<&str> = (0..7).filter(|&i| cal.working_weekdays[i]).map(|i| NAMES[i]).collect();
            w!(self.out, "  working_days: [{}]", days.join(", "));
        }
        if !cal.holidays.is_empty() {
            let days: Vec<String> = cal.holidays.iter().map(|d| d.to_string()).collect();
            w!(self.out, "  holidays: [{}]", days.join(", "));
        }
        self
    }

    /// Writes the policy section, or nothing if the policy is the default.
    pub fn policy(&mut self, p: &Policy) -> &mut Self {
        let d = Policy::default();
        let mut body = String::new();
        if p.weights != d.weights {
            let wt = p.weights;
            w!(body, "  weights:");
            w!(body, "    business_impact: {}", num(wt.business_impact));
            w!(body, "    technical_feasibility: {}", num(wt.technical_feasibility));
            w!(body, "    resource_requirements: {}", num(wt.resource_requirements));
            w!(body, "    strategic_fit: {}", num(wt.strategic_fit));
        }
        for (name, r, dr) in [
            ("themes", p.themes, d.themes),
            ("objectives_per_team_quarter", p.objectives_per_team_quarter, d.objectives_per_team_quarter),
            ("key_results_per_objective", p.key_results_per_objective, d.key_results_per_objective),
            ("core_metrics_per_team", p.core_metrics_per_team, d.core_metrics_per_team),
        ] {
            if r != dr {
                w!(body, "  {name}: {{ min: {}, max: {} }}", r.min, r.max);
            }
        }
        if p.capacity_mix != d.capacity_mix {
            let m = p.capacity_mix;
            w!(
                body,
                "  capacity_mix: {{ committed: {}, improvement: {}, exploration: {}, tolerance_pct: {} }}",
                num(m.committed),
                num(m.improvement),
                num(m.exploration),
                num(m.tolerance_pct)
            );
        }
        if (p.utilization_warn_pct, p.utilization_error_pct) != (d.utilization_warn_pct, d.utilization_error_pct) {
            w!(
                body,
                "  utilization: {{ warn_pct: {}, error_pct: {} }}",
                num(p.utilization_warn_pct),
                num(p.utilization_error_pct)
            );
        }
        if p.tech_debt_pct != d.tech_debt_pct {
            w!(body, "  tech_debt_pct: {{ min: {}, max: {} }}", num(p.tech_debt_pct.min), num(p.tech_debt_pct.max));
        }
        if (p.buffer_internal_pct, p.buffer_external_pct) != (d.buffer_internal_pct, d.buffer_external_pct) {
            w!(
                body,
                "  buffers: {{ internal_pct: {}, external_pct: {} }}",
                num(p.buffer_internal_pct),
                num(p.buffer_external_pct)
            );
        }
        if p.min_skill_holders != d.min_skill_holders {
            w!(body, "  min_skill_holders: {}", p.min_skill_holders);
        }
        if p.robustness_pp != d.robustness_pp {
            w!(body, "  robustness_pp: {}", num(p.robustness_pp));
        }
        if !p.rules.is_empty() {
            w!(body, "  rules:");
            for (rule, level, _) in &p.rules {
                let level = match level {
                    RuleLevel::Off => "off",
                    RuleLevel::Is(s) => s.as_str(),
                };
                w!(body, "    {}: {level}", q(rule));
            }
        }
        if !body.is_empty() {
            w!(self.out, "policy:");
            self.out.push_str(&body);
        }
        self
    }

    pub fn teams(&mut self, teams: &[Team]) -> &mut Self {
        if teams.is_empty() {
            return self;
        }
        w!(self.out, "teams:");
        for t in teams {
            w!(self.out, "  - id: {}", t.id);
            w!(self.out, "    name: {}", q(&t.name));
            if let Some(m) = &t.mission {
                w!(self.out, "    mission: {}", q(m));
            }
            if let Some(l) = &t.lead {
                w!(self.out, "    lead: {}", l.as_str());
            }
            w!(self.out, "    focus_factor: {}", num(t.focus_factor));
            w!(self.out, "    on_call_fte: {}", num(t.on_call_fte));
            w!(self.out, "    time_off_weeks: {}", num(t.time_off_weeks));
            if !t.services.is_empty() {
                w!(self.out, "    services: {}", strs(&t.services));
            }
        }
        self
    }

    pub fn people(&mut self, people: &[Person]) -> &mut Self {
        if people.is_empty() {
            return self;
        }
        w!(self.out, "people:");
        for p in people {
            w!(self.out, "  - id: {}", p.id);
            w!(self.out, "    name: {}", q(&p.name));
            w!(self.out, "    team: {}", p.team.as_str());
            w!(self.out, "    seniority: {}", p.seniority);
            w!(self.out, "    fte: {}", num(p.fte));
            if !p.skills.is_empty() {
                let skills: Vec<String> = p.skills.iter().map(|s| format!("{}: {}", q(&s.name), s.level)).collect();
                w!(self.out, "    skills: {{ {} }}", skills.join(", "));
            }
        }
        self
    }

    pub fn kernel(&mut self, diagnosis: &[DiagnosisItem], policies: &[GuidingPolicy]) -> &mut Self {
        if diagnosis.is_empty() && policies.is_empty() {
            return self;
        }
        w!(self.out, "kernel:");
        if !diagnosis.is_empty() {
            w!(self.out, "  diagnosis:");
            for d in diagnosis {
                w!(self.out, "    - id: {}", d.id);
                w!(self.out, "      kind: {}", d.kind);
                w!(self.out, "      statement: {}", q(&d.statement));
                if !d.evidence.is_empty() {
                    w!(self.out, "      evidence:");
                    for e in &d.evidence {
                        w!(self.out, "        - {}", q(e));
                    }
                }
            }
        }
        if !policies.is_empty() {
            w!(self.out, "  policies:");
            for p in policies {
                w!(self.out, "    - id: {}", p.id);
                w!(self.out, "      statement: {}", q(&p.statement));
                w!(self.out, "      addresses: {}", ids(&p.addresses));
            }
        }
        self
    }

    pub fn themes(&mut self, themes: &[Theme]) -> &mut Self {
        if themes.is_empty() {
            return self;
        }
        w!(self.out, "themes:");
        for t in themes {
            w!(self.out, "  - id: {}", t.id);
            w!(self.out, "    name: {}", q(&t.name));
            if let Some(i) = &t.impact {
                w!(self.out, "    impact: {}", q(i));
            }
            if !t.success_metrics.is_empty() {
                w!(self.out, "    success_metrics:");
                for m in &t.success_metrics {
                    w!(self.out, "      - {}", q(m));
                }
            }
            if let Some(s) = t.capacity_share_pct {
                w!(self.out, "    capacity_share_pct: {}", num(s));
            }
        }
        self
    }

    pub fn pillars(&mut self, pillars: &[Pillar]) -> &mut Self {
        if pillars.is_empty() {
            return self;
        }
        w!(self.out, "pillars:");
        for p in pillars {
            w!(self.out, "  - id: {}", p.id);
            w!(self.out, "    name: {}", q(&p.name));
            if let Some(d) = &p.description {
                w!(self.out, "    description: {}", q(d));
            }
            w!(self.out, "    themes: {}", ids(&p.themes));
        }
        self
    }

    pub fn objectives(&mut self, objectives: &[Objective]) -> &mut Self {
        if objectives.is_empty() {
            return self;
        }
        w!(self.out, "objectives:");
        for o in objectives {
            w!(self.out, "  - id: {}", o.id);
            w!(self.out, "    title: {}", q(&o.title));
            w!(self.out, "    quarter: {}", o.quarter);
            w!(self.out, "    team: {}", o.team.as_str());
            if !o.contributors.is_empty() {
                w!(self.out, "    contributors: {}", ids(&o.contributors));
            }
            w!(self.out, "    kind: {}", o.kind);
            if let Some(t) = &o.theme {
                w!(self.out, "    theme: {}", t.as_str());
            }
            if let Some(p) = &o.owner {
                w!(self.out, "    owner: {}", p.as_str());
            }
            if !o.key_results.is_empty() {
                w!(self.out, "    key_results:");
                for k in &o.key_results {
                    w!(self.out, "      - id: {}", k.id);
                    w!(self.out, "        title: {}", q(&k.title));
                    if let Some(m) = &k.metric {
                        w!(self.out, "        metric: {}", q(m));
                    }
                    if let Some(b) = k.baseline {
                        w!(self.out, "        baseline: {}", num(b));
                    }
                    if let Some(t) = k.target {
                        w!(self.out, "        target: {}", num(t));
                    }
                    if let Some(u) = &k.unit {
                        w!(self.out, "        unit: {}", q(u));
                    }
                    if let Some(d) = k.direction {
                        w!(self.out, "        direction: {d}");
                    }
                    if let Some(d) = k.due {
                        w!(self.out, "        due: {d}");
                    }
                    if let Some(m) = &k.measure {
                        measure(&mut self.out, "        ", m);
                    }
                }
            }
        }
        self
    }

    pub fn initiatives(&mut self, initiatives: &[Initiative]) -> &mut Self {
        if initiatives.is_empty() {
            return self;
        }
        w!(self.out, "initiatives:");
        for i in initiatives {
            self.initiative(i);
        }
        self
    }

    fn initiative(&mut self, i: &Initiative) {
        let o = &mut self.out;
        w!(o, "  - id: {}", i.id);
        w!(o, "    title: {}", q(&i.title));
        if let Some(d) = &i.description {
            w!(o, "    description: {}", q(d));
        }
        w!(o, "    quarter: {}", i.quarter);
        if let Some(t) = &i.theme {
            w!(o, "    theme: {}", t.as_str());
        }
        if !i.objectives.is_empty() {
            w!(o, "    objectives: {}", ids(&i.objectives));
        }
        if !i.policies.is_empty() {
            w!(o, "    policies: {}", ids(&i.policies));
        }
        if !i.pillars.is_empty() {
            w!(o, "    pillars: {}", ids(&i.pillars));
        }
        w!(o, "    category: {}", i.category);
        w!(o, "    investment: {}", i.investment);
        let s = &i.scores;
        let scores: Vec<String> = [
            ("business_impact", s.business_impact),
            ("technical_feasibility", s.technical_feasibility),
            ("resource_requirements", s.resource_requirements),
            ("strategic_fit", s.strategic_fit),
        ]
        .iter()
        .filter_map(|(n, v)| v.map(|v| format!("{n}: {v}")))
        .collect();
        if !scores.is_empty() {
            w!(o, "    scores: {{ {} }}", scores.join(", "));
        }
        if !i.effort.is_empty() {
            w!(o, "    effort:");
            for e in &i.effort {
                let est = e.estimate;
                w!(
                    o,
                    "      {}: {{ optimistic: {}, likely: {}, pessimistic: {} }}",
                    e.team.as_str(),
                    num(est.optimistic),
                    num(est.likely),
                    num(est.pessimistic)
                );
            }
        }
        if !i.skills.is_empty() {
            let skills: Vec<String> = i.skills.iter().map(|s| q(s)).collect();
            w!(o, "    skills: [{}]", skills.join(", "));
        }
        if let Some(p) = &i.owner {
            w!(o, "    owner: {}", p.as_str());
        }
        if !i.staffing.is_empty() {
            let s: Vec<String> =
                i.staffing.iter().map(|a| format!("{}: {}", a.person.as_str(), num(a.share))).collect();
            w!(o, "    staffing: {{ {} }}", s.join(", "));
        }
        w!(o, "    status: {}", i.status);
        if !i.scalability.is_empty() {
            w!(o, "    scalability:");
            for (name, c) in [("2x", &i.scalability.x2), ("5x", &i.scalability.x5), ("10x", &i.scalability.x10)] {
                if let Some(c) = c {
                    match &c.note {
                        Some(n) => w!(o, "      {name}: {{ rating: {}, note: {} }}", c.rating, q(n)),
                        None => w!(o, "      {name}: {{ rating: {} }}", c.rating),
                    };
                }
            }
        }
        if !i.milestones.is_empty() {
            w!(o, "    milestones:");
            for m in &i.milestones {
                w!(o, "      - id: {}", m.id);
                w!(o, "        title: {}", q(&m.title));
                if let Some(x) = &m.outcome {
                    w!(o, "        outcome: {}", q(x));
                }
                if let Some(d) = m.due {
                    w!(o, "        due: {d}");
                }
                if let Some(p) = &m.owner {
                    w!(o, "        owner: {}", p.as_str());
                }
                if let Some(e) = m.effort {
                    w!(o, "        effort: {}", num(e));
                }
                if let Some(t) = &m.team {
                    w!(o, "        team: {}", t.as_str());
                }
                w!(o, "        status: {}", m.status);
            }
        }
    }

    pub fn dependencies(&mut self, deps: &[Dependency]) -> &mut Self {
        if deps.is_empty() {
            return self;
        }
        w!(self.out, "dependencies:");
        for d in deps {
            let o = &mut self.out;
            w!(o, "  - id: {}", d.id);
            w!(o, "    kind: {}", d.kind);
            if let Some(t) = &d.title {
                w!(o, "    title: {}", q(t));
            }
            w!(o, "    blocks: {}", ids(&d.blocks));
            if let Some(on) = &d.waits_for {
                w!(o, "    waits_for: {}", on.as_str());
            }
            if let Some(p) = &d.party {
                w!(o, "    party: {}", q(p));
            }
            if let Some(p) = &d.owner {
                w!(o, "    owner: {}", p.as_str());
            }
            if let Some(due) = d.due {
                w!(o, "    due: {due}");
            }
            w!(o, "    status: {}", d.status);
            if let Some(b) = d.buffer_pct {
                w!(o, "    buffer: {}", num(b));
            }
            if let Some(b) = &d.backup_plan {
                w!(o, "    backup_plan: {}", q(b));
            }
        }
        self
    }

    pub fn risks(&mut self, risks: &[Risk]) -> &mut Self {
        if risks.is_empty() {
            return self;
        }
        w!(self.out, "risks:");
        for r in risks {
            let o = &mut self.out;
            w!(o, "  - id: {}", r.id);
            w!(o, "    title: {}", q(&r.title));
            w!(o, "    likelihood: {}", r.likelihood);
            w!(o, "    impact: {}", r.impact);
            if let Some(p) = &r.owner {
                w!(o, "    owner: {}", p.as_str());
            }
            if let Some(m) = &r.mitigation {
                w!(o, "    mitigation: {}", q(m));
            }
            if !r.initiatives.is_empty() {
                w!(o, "    initiatives: {}", ids(&r.initiatives));
            }
        }
        self
    }

    pub fn debt(&mut self, debt: &[DebtItem]) -> &mut Self {
        if debt.is_empty() {
            return self;
        }
        w!(self.out, "debt:");
        for d in debt {
            let o = &mut self.out;
            w!(o, "  - id: {}", d.id);
            w!(o, "    title: {}", q(&d.title));
            w!(o, "    category: {}", d.category);
            w!(o, "    team: {}", d.team.as_str());
            w!(o, "    impact: {}", d.impact);
            if let Some(n) = &d.impact_note {
                w!(o, "    impact_note: {}", q(n));
            }
            w!(o, "    effort: {}", num(d.effort));
            if let Some(p) = &d.owner {
                w!(o, "    owner: {}", p.as_str());
            }
            if let Some(i) = &d.initiative {
                w!(o, "    initiative: {}", i.as_str());
            }
        }
        self
    }

    pub fn metrics(&mut self, metrics: &[Metric]) -> &mut Self {
        if metrics.is_empty() {
            return self;
        }
        w!(self.out, "metrics:");
        for m in metrics {
            let o = &mut self.out;
            w!(o, "  - id: {}", m.id);
            w!(o, "    team: {}", m.team.as_str());
            w!(o, "    name: {}", q(&m.name));
            w!(o, "    category: {}", m.category);
            w!(o, "    indicator: {}", m.indicator);
            if let Some(u) = &m.unit {
                w!(o, "    unit: {}", q(u));
            }
            if let Some(d) = m.direction {
                w!(o, "    direction: {d}");
            }
            if let Some(t) = m.target {
                w!(o, "    target: {}", num(t));
            }
            if let Some(x) = &m.measure {
                measure(o, "    ", x);
            }
        }
        self
    }

    pub fn delivery_definitions(&mut self, definitions: &[DeliveryDefinition]) -> &mut Self {
        if definitions.is_empty() {
            return self;
        }
        w!(self.out, "delivery_definitions:");
        for d in definitions {
            let o = &mut self.out;
            w!(o, "  - id: {}", d.id);
            if let Some(e) = &d.extends {
                w!(o, "    extends: {}", e.as_str());
            }
            if let Some(text) = &d.description {
                w!(o, "    description: {}", q(text));
            }
            if d.environment.is_some() || !d.results.is_empty() || d.pattern.is_some() {
                w!(o, "    deployment:");
                if let Some(e) = &d.environment {
                    w!(o, "      environment: {}", q(e));
                }
                if !d.results.is_empty() {
                    w!(o, "      results: {}", strs(&d.results));
                }
                if let Some(p) = &d.pattern {
                    w!(o, "      pattern: {}", q(p));
                }
            }
            if d.lead_time_start.is_some()
                || d.lead_time_end.is_some()
                || d.lead_time_statistic.is_some()
                || d.lead_time_minimum_minutes.is_some()
                || d.lead_time_rounding.is_some()
            {
                w!(o, "    lead_time:");
                if let Some(x) = d.lead_time_start {
                    w!(o, "      start: {x}");
                }
                if let Some(x) = d.lead_time_end {
                    w!(o, "      end: {x}");
                }
                if let Some(x) = d.lead_time_statistic {
                    w!(o, "      statistic: {x}");
                }
                if let Some(m) = d.lead_time_minimum_minutes {
                    w!(o, "      minimum: {}", duration(m));
                }
                if let Some(x) = d.lead_time_rounding {
                    w!(o, "      rounding: {x}");
                }
            }
            if let Some(x) = d.restore_statistic {
                w!(o, "    restore_statistic: {x}");
            }
            if let Some(x) = d.restore_rounding {
                w!(o, "    restore_rounding: {x}");
            }
            if let Some(x) = d.frequency {
                w!(o, "    frequency: {x}");
            }
            if let Some(x) = d.frequency_statistic {
                w!(o, "    frequency_statistic: {x}");
            }
            if let Some(x) = d.week_start {
                w!(o, "    week_start: {x}");
            }
            if let Some(days) = d.window_days {
                w!(o, "    window: {days}d");
            }
            if let Some(months) = d.window_months {
                w!(o, "    window: {months}mo");
            }
            if let Some(a) = &d.attribution {
                w!(o, "    attribution:");
                w!(o, "      rule: {}", a.rule);
                if let Some(s) = a.scope {
                    w!(o, "      scope: {s}");
                }
                if let Some(m) = a.within_minutes {
                    w!(o, "      within: {}", duration(m));
                }
            }
            if let Some(y) = d.benchmark {
                w!(o, "    benchmark: {y}");
            }
        }
        self
    }

    /// The whole model as one file.
    pub fn model(&mut self, m: &Model) -> &mut Self {
        self.organisation(&m.organisation)
            .policy(&m.policy)
            .teams(&m.teams)
            .people(&m.people)
            .kernel(&m.diagnosis, &m.policies)
            .themes(&m.themes)
            .pillars(&m.pillars)
            .objectives(&m.objectives)
            .initiatives(&m.initiatives)
            .dependencies(&m.dependencies)
            .risks(&m.risks)
            .debt(&m.debt)
            .metrics(&m.metrics)
            .delivery_definitions(&m.delivery_definitions)
    }
}

/// The whole model as the text of one YAML file.
pub fn to_yaml(model: &Model) -> String {
    let mut w = Writer::default();
    w.model(model);
    w.out
}
