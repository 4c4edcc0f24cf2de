//! Whole-model checks that no single file can make: duplicate ids, references
//! to ids that do not exist (or name the wrong kind of thing), and cycles in
//! the dependency graph. `Index` is the id lookup the linter reuses.

use crate::diag::{Diagnostic, Loc, did_you_mean};
use crate::model::{MeasureScope, Model, Ref};
use std::collections::HashMap;

/// The kinds of entity an id can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Team,
    Person,
    Diagnosis,
    Policy,
    Theme,
    Pillar,
    Objective,
    KeyResult,
    Initiative,
    Milestone,
    Dependency,
    Risk,
    Debt,
    Metric,
    DeliveryDefinition,
}

impl Kind {
    pub fn noun(self) -> &'static str {
        match self {
            Kind::Team => "team",
            Kind::Person => "person",
            Kind::Diagnosis => "diagnosis item",
            Kind::Policy => "guiding policy",
            Kind::Theme => "theme",
            Kind::Pillar => "pillar",
            Kind::Objective => "objective",
            Kind::KeyResult => "key result",
            Kind::Initiative => "initiative",
            Kind::Milestone => "milestone",
            Kind::Dependency => "dependency",
            Kind::Risk => "risk",
            Kind::Debt => "debt item",
            Kind::Metric => "metric",
            Kind::DeliveryDefinition => "delivery definition",
        }
    }
}

/// Id lookups over a model. Built once; the first definition of an id wins.
pub struct Index<'m> {
    pub ids: HashMap<&'m str, (Kind, Loc)>,
    pub teams: HashMap<&'m str, usize>,
    pub people: HashMap<&'m str, usize>,
    pub objectives: HashMap<&'m str, usize>,
    pub initiatives: HashMap<&'m str, usize>,
    /// Milestone id to (initiative index, milestone index).
    pub milestones: HashMap<&'m str, (usize, usize)>,
    duplicates: Vec<(Kind, &'m str, Loc, Loc)>,
}

impl<'m> Index<'m> {
    pub fn new(model: &'m Model) -> Index<'m> {
        let n_milestones: usize = model.initiatives.iter().map(|i| i.milestones.len()).sum();
        let mut index = Index {
            ids: HashMap::with_capacity(model.initiatives.len() + n_milestones + model.people.len()),
            teams: HashMap::with_capacity(model.teams.len()),
            people: HashMap::with_capacity(model.people.len()),
            objectives: HashMap::with_capacity(model.objectives.len()),
            initiatives: HashMap::with_capacity(model.initiatives.len()),
            milestones: HashMap::with_capacity(n_milestones),
            duplicates: Vec::new(),
        };
        for (i, t) in model.teams.iter().enumerate() {
            if index.add(Kind::Team, t.id.as_str(), t.loc) {
                index.teams.insert(t.id.as_str(), i);
            }
        }
        for (i, p) in model.people.iter().enumerate() {
            if index.add(Kind::Person, p.id.as_str(), p.loc) {
                index.people.insert(p.id.as_str(), i);
            }
        }
        for d in &model.diagnosis {
            index.add(Kind::Diagnosis, d.id.as_str(), d.loc);
        }
        for p in &model.policies {
            index.add(Kind::Policy, p.id.as_str(), p.loc);
        }
        for t in &model.themes {
            index.add(Kind::Theme, t.id.as_str(), t.loc);
        }
        for p in &model.pillars {
            index.add(Kind::Pillar, p.id.as_str(), p.loc);
        }
        for (i, o) in model.objectives.iter().enumerate() {
            if index.add(Kind::Objective, o.id.as_str(), o.loc) {
                index.objectives.insert(o.id.as_str(), i);
            }
            for kr in &o.key_results {
                index.add(Kind::KeyResult, kr.id.as_str(), kr.loc);
            }
        }
        for (i, init) in model.initiatives.iter().enumerate() {
            if index.add(Kind::Initiative, init.id.as_str(), init.loc) {
                index.initiatives.insert(init.id.as_str(), i);
            }
            for (j, m) in init.milestones.iter().enumerate() {
                if index.add(Kind::Milestone, m.id.as_str(), m.loc) {
                    index.milestones.insert(m.id.as_str(), (i, j));
                }
            }
        }
        for d in &model.dependencies {
            index.add(Kind::Dependency, d.id.as_str(), d.loc);
        }
        for r in &model.risks {
            index.add(Kind::Risk, r.id.as_str(), r.loc);
        }
        for d in &model.debt {
            index.add(Kind::Debt, d.id.as_str(), d.loc);
        }
        for m in &model.metrics {
            index.add(Kind::Metric, m.id.as_str(), m.loc);
        }
        for d in &model.delivery_definitions {
            index.add(Kind::DeliveryDefinition, d.id.as_str(), d.loc);
        }
        index
    }

    fn add(&mut self, kind: Kind, id: &'m str, loc: Loc) -> bool {
        match self.ids.get(id) {
            Some(&(_, first)) => {
                self.duplicates.push((kind, id, loc, first));
                false
            }
            None => {
                self.ids.insert(id, (kind, loc));
                true
            }
        }
    }

    pub fn kind_of(&self, id: &str) -> Option<Kind> {
        self.ids.get(id).map(|(k, _)| *k)
    }

    pub fn loc_of(&self, id: &str) -> Option<Loc> {
        self.ids.get(id).map(|(_, l)| *l)
    }
}

/// Checks ids, references and cycles. Returns every problem found.
pub fn validate(model: &Model, index: &Index<'_>) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    for &(kind, id, loc, first) in &index.duplicates {
        let first_kind = index.kind_of(id).map_or("entity", Kind::noun);
        diags.push(
            Diagnostic::error("duplicate-id", loc, format!("the id `{id}` of this {} is already used", kind.noun()))
                .with_related(first, format!("`{id}` is first defined here as a {first_kind}"))
                .with_hint("ids are unique across the whole workspace; rename one of them"),
        );
    }
    check_references(model, index, &mut diags);
    check_cycles(model, index, &mut diags);
    check_measures(model, &mut diags);
    diags
}

/// Delivery definitions resolve (their `extends` chains end in a preset),
/// and every binding names a definition that exists, a unit that fits what
/// it measures, and services only with `scope: services`.
fn check_measures(model: &Model, diags: &mut Vec<Diagnostic>) {
    let (resolved, problems) = crate::delivery::resolve_definitions(&model.delivery_definitions);
    diags.extend(problems);
    let names: Vec<&str> = resolved.iter().map(|r| r.name()).collect();
    let declared: Vec<&str> = model.delivery_definitions.iter().map(|d| d.id.as_str()).collect();
    let bound = model
        .objectives
        .iter()
        .flat_map(|o| o.key_results.iter().filter_map(|k| k.measure.as_ref()))
        .chain(model.metrics.iter().filter_map(|m| m.measure.as_ref()));
    for m in bound {
        if let Some(r) = &m.definition
            && !names.contains(&r.as_str())
            && !declared.contains(&r.as_str())
        {
            let hint = match did_you_mean(r.as_str(), names.iter().copied()) {
                Some(best) => format!("did you mean `{best}`?"),
                None => format!("name a preset or a definition: {}", names.join(", ")),
            };
            diags.push(
                Diagnostic::error(
                    "unknown-reference",
                    r.loc,
                    format!(
                        "`definition` refers to `{}`, which is neither a preset nor a delivery definition",
                        r.as_str()
                    ),
                )
                .with_hint(hint),
            );
        }
        if let Some(unit) = m.unit
            && !crate::delivery::measure::unit_fits(m.key, unit)
        {
            diags.push(
                Diagnostic::error("invalid-value", m.loc, format!("`{unit}` cannot express {}", m.key))
                    .with_hint("durations take minutes, hours or days; frequencies per_day or per_week; the change failure rate percent or fraction"),
            );
        }
        match m.scope {
            MeasureScope::Services if m.services.is_empty() => diags.push(
                Diagnostic::error("missing-field", m.loc, "`scope: services` needs the list of `services`")
                    .with_hint("add `services: [name, ...]` with the service names the events use"),
            ),
            MeasureScope::Team | MeasureScope::Organisation if !m.services.is_empty() => diags.push(
                Diagnostic::error(
                    "invalid-value",
                    m.loc,
                    format!("`services` is given, but the scope is `{}`", m.scope),
                )
                .with_hint("remove `scope` (services imply `scope: services`) or remove `services`"),
            ),
            _ => {}
        }
    }
}

fn check_references(model: &Model, index: &Index<'_>, diags: &mut Vec<Diagnostic>) {
    let mut check = |r: &Ref, want: Kind, field: &str| {
        check_ref(index, r, want, field, diags);
    };
    for t in &model.teams {
        if let Some(lead) = &t.lead {
            check(lead, Kind::Person, "lead");
        }
    }
    for p in &model.people {
        check(&p.team, Kind::Team, "team");
    }
    for p in &model.policies {
        for r in &p.addresses {
            check(r, Kind::Diagnosis, "addresses");
        }
    }
    for p in &model.pillars {
        for r in &p.themes {
            check(r, Kind::Theme, "themes");
        }
    }
    for o in &model.objectives {
        check(&o.team, Kind::Team, "team");
        for r in &o.contributors {
            check(r, Kind::Team, "contributors");
        }
        if let Some(r) = &o.theme {
            check(r, Kind::Theme, "theme");
        }
        if let Some(r) = &o.owner {
            check(r, Kind::Person, "owner");
        }
    }
    for i in &model.initiatives {
        if let Some(r) = &i.theme {
            check(r, Kind::Theme, "theme");
        }
        for r in &i.objectives {
            check(r, Kind::Objective, "objectives");
        }
        for r in &i.policies {
            check(r, Kind::Policy, "policies");
        }
        for r in &i.pillars {
            check(r, Kind::Pillar, "pillars");
        }
        for e in &i.effort {
            check(&e.team, Kind::Team, "effort");
        }
        if let Some(r) = &i.owner {
            check(r, Kind::Person, "owner");
        }
        for a in &i.staffing {
            check(&a.person, Kind::Person, "staffing");
        }
        for m in &i.milestones {
            if let Some(r) = &m.owner {
                check(r, Kind::Person, "owner");
            }
            if let Some(r) = &m.team {
                check(r, Kind::Team, "team");
            }
        }
    }
    for d in &model.dependencies {
        for r in &d.blocks {
            check(r, Kind::Milestone, "blocks");
        }
        if let Some(r) = &d.waits_for {
            check(r, Kind::Milestone, "waits_for");
        }
        if let Some(r) = &d.owner {
            check(r, Kind::Person, "owner");
        }
    }
    for r in &model.risks {
        if let Some(o) = &r.owner {
            check(o, Kind::Person, "owner");
        }
        for i in &r.initiatives {
            check(i, Kind::Initiative, "initiatives");
        }
    }
    for d in &model.debt {
        check(&d.team, Kind::Team, "team");
        if let Some(o) = &d.owner {
            check(o, Kind::Person, "owner");
        }
        if let Some(i) = &d.initiative {
            check(i, Kind::Initiative, "initiative");
        }
    }
    for m in &model.metrics {
        check(&m.team, Kind::Team, "team");
    }
}

fn check_ref(index: &Index<'_>, r: &Ref, want: Kind, field: &str, diags: &mut Vec<Diagnostic>) {
    let id = r.as_str();
    if id.is_empty() {
        // A required reference that failed to decode; already reported.
        return;
    }
    match index.ids.get(id) {
        Some((kind, _)) if *kind == want => {}
        Some((kind, loc)) => diags.push(
            Diagnostic::error(
                "unknown-reference",
                r.loc,
                format!("`{field}` must name a {}, but `{id}` is a {}", want.noun(), kind.noun()),
            )
            .with_related(*loc, format!("`{id}` is defined here"))
            .with_hint(format!("use the id of a {}", want.noun())),
        ),
        None => {
            let candidates = index.ids.iter().filter(|(_, (k, _))| *k == want).map(|(id, _)| *id);
            let hint = match did_you_mean(id, candidates) {
                Some(best) => format!("did you mean `{best}`?"),
                None => format!("define a {} with id `{id}`, or fix the reference", want.noun()),
            };
            diags.push(
                Diagnostic::error(
                    "unknown-reference",
                    r.loc,
                    format!("`{field}` refers to the {} `{id}`, which does not exist", want.noun()),
                )
                .with_hint(hint),
            );
        }
    }
}

/// Finds cycles in the milestone graph: a dependency with `waits_for: A` and
/// `blocks: [B]` makes the edge A → B.
fn check_cycles(model: &Model, index: &Index<'_>, diags: &mut Vec<Diagnostic>) {
    let n = model.initiatives.iter().map(|i| i.milestones.len()).sum::<usize>();
    if n == 0 {
        return;
    }
    // Number the milestones densely.
    let mut base = Vec::with_capacity(model.initiatives.len());
    let mut acc = 0;
    for i in &model.initiatives {
        base.push(acc);
        acc += i.milestones.len();
    }
    let node_of = |id: &str| index.milestones.get(id).map(|&(i, j)| base[i] + j);
    let mut edges: Vec<Vec<(usize, usize)>> = vec![Vec::new(); n]; // (to, dependency idx)
    for (d_idx, d) in model.dependencies.iter().enumerate() {
        let Some(from) = d.waits_for.as_ref().and_then(|r| node_of(r.as_str())) else {
            continue;
        };
        for b in &d.blocks {
            if let Some(to) = node_of(b.as_str()) {
                edges[from].push((to, d_idx));
            }
        }
    }
    let mut names: Vec<&str> = Vec::with_capacity(n);
    for i in &model.initiatives {
        for m in &i.milestones {
            names.push(m.id.as_str());
        }
    }

    // Iterative DFS with colours; each back edge closes a cycle we report once
    // per set of nodes.
    const WHITE: u8 = 0;
    const GREY: u8 = 1;
    const BLACK: u8 = 2;
    let mut colour = vec![WHITE; n];
    let mut stack: Vec<(usize, usize)> = Vec::new(); // (node, next edge)
    let mut on_path: Vec<(usize, usize)> = Vec::new(); // (node, dependency used to enter the next node)
    let mut reported = 0;
    for start in 0..n {
        if colour[start] != WHITE {
            continue;
        }
        stack.push((start, 0));
        colour[start] = GREY;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            if *next < edges[node].len() {
                let (to, dep) = edges[node][*next];
                *next += 1;
                match colour[to] {
                    WHITE => {
                        on_path.push((node, dep));
                        colour[to] = GREY;
                        stack.push((to, 0));
                    }
                    GREY if reported < 20 => {
                        // The cycle is the path from `to` to `node`, then back to `to`.
                        let start_pos = on_path.iter().position(|&(v, _)| v == to).unwrap_or(on_path.len());
                        let mut path: Vec<(usize, usize)> = on_path[start_pos..].to_vec();
                        path.push((node, dep));
                        let mut text = String::new();
                        for &(v, d) in &path {
                            text.push_str(&format!("{} --[{}]--> ", names[v], model.dependencies[d].id));
                        }
                        text.push_str(names[to]);
                        let d = &model.dependencies[dep];
                        diags.push(
                            Diagnostic::error("dependency-cycle", d.loc, format!("dependency `{}` closes a cycle: {text}", d.id))
                                .with_hint("a milestone cannot wait for itself; remove one of these dependencies or split a milestone"),
                        );
                        reported += 1;
                    }
                    _ => {}
                }
            } else {
                colour[node] = BLACK;
                stack.pop();
                on_path.pop();
            }
        }
    }
}
