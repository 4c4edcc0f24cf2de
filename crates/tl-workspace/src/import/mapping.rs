//! Mapping rules: which team, initiative and milestone an imported item
//! belongs to, decided by its labels, components, epic, repository or
//! service.
//!
//! A mapping file is YAML, decoded by the workspace's own decoder so that its
//! mistakes are reported like the plan's (file, line, column, did you mean):
//!
//! ```yaml
//! mappings:
//!   - match: { label: payments }
//!     team: payments
//!     initiative: i-checkout-split
//!   - match: { component: Checkout API, epic: PAY-1 }   # both must hold
//!     initiative: i-checkout-split
//!   - match: { repository: acme/ledger }
//!     team: ledger
//!   - match: { epic: LED-7 }
//!     milestone: m-ledger-v2
//! ```
//!
//! **Rules are tried in file order, and each of `team`, `initiative` and
//! `milestone` is taken from the first matching rule that sets it.** A rule that gives only
//! a team does not stop a later rule from giving the initiative, so
//! "component → team" and "epic → initiative" rules combine; put specific
//! rules before catch-alls. Within one `match`, every condition must hold.
//! Values compare case-insensitively (ASCII) and after trimming.
//!
//! `epic` matches a work item's epic (Jira's `Custom field (Epic Link)`, or
//! the parent when the parent is an epic), and an epic's own key.

use crate::decode::{Decoder, Record, Ty, opt, req};
use crate::yaml::{self, Node, Value};
use tl_engine::diag::did_you_mean;
use tl_engine::model::{Id, Model, Ref};
use tl_engine::{Diagnostic, FileId, Loc};

static MATCH: Record = Record {
    name: "match",
    doc: "Conditions on an imported item; all given conditions must hold.",
    fields: &[
        opt("label", Ty::Str, "a label (Jira label, GitHub label, Opsgenie tag)"),
        opt("component", Ty::Str, "a Jira component"),
        opt("epic", Ty::Str, "the key of the item's epic, e.g. PAY-1"),
        opt("repository", Ty::Str, "a GitHub repository as owner/name"),
        opt("service", Ty::Str, "the service an incident is for"),
    ],
};

static MAPPING: Record = Record {
    name: "mapping",
    doc: "Ties the items a `match` selects to a team, an initiative, or both.",
    fields: &[
        req("match", Ty::Record(&MATCH), "which items the rule applies to"),
        opt("team", Ty::Ref("team"), "the team the items belong to"),
        opt("initiative", Ty::Ref("initiative"), "the initiative the items advance"),
        opt("milestone", Ty::Ref("milestone"), "the milestone the items advance"),
    ],
};

/// The top level of a mapping file.
pub static MAPPING_FILE: Record = Record {
    name: "mapping file",
    doc: "Rules that map imported items to teams and initiatives, tried in order.",
    fields: &[req("mappings", Ty::List(&Ty::Record(&MAPPING)), "the rules, most specific first")],
};

/// The conditions of one rule. `None` means "any".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Match {
    pub label: Option<String>,
    pub component: Option<String>,
    pub epic: Option<String>,
    pub repository: Option<String>,
    pub service: Option<String>,
}

/// One mapping rule.
#[derive(Clone, Debug, PartialEq)]
pub struct MappingRule {
    pub matcher: Match,
    pub team: Option<Ref>,
    pub initiative: Option<Ref>,
    pub milestone: Option<Ref>,
    /// Where the rule was written.
    pub loc: Loc,
}

/// The rules of a mapping file, in order. The default maps nothing.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Mappings {
    pub rules: Vec<MappingRule>,
}

/// What a rule can look at in one imported item.
#[derive(Clone, Debug, Default)]
pub struct Facts<'a> {
    pub labels: &'a [String],
    pub components: &'a [String],
    /// The item's epic and, for an epic, its own key.
    pub epics: Vec<&'a str>,
    pub repository: Option<&'a str>,
    pub service: Option<&'a str>,
}

/// The team, initiative and milestone the rules give one item.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Assignment {
    pub team: Option<Id>,
    pub initiative: Option<Id>,
    pub milestone: Option<Id>,
}

fn same(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

impl Match {
    /// Whether every given condition holds for `facts`.
    pub fn matches(&self, facts: &Facts<'_>) -> bool {
        fn any<'a>(want: &Option<String>, mut have: impl Iterator<Item = &'a str>) -> bool {
            match want {
                None => true,
                Some(w) => have.any(|h| same(w, h)),
            }
        }
        any(&self.label, facts.labels.iter().map(String::as_str))
            && any(&self.component, facts.components.iter().map(String::as_str))
            && any(&self.epic, facts.epics.iter().copied())
            && any(&self.repository, facts.repository.into_iter())
            && any(&self.service, facts.service.into_iter())
    }
}

impl Mappings {
    /// The team and initiative for one item: each from the first matching
    /// rule that sets it.
    pub fn assign(&self, facts: &Facts<'_>) -> Assignment {
        let mut out = Assignment::default();
        for rule in &self.rules {
            if out.team.is_some() && out.initiative.is_some() && out.milestone.is_some() {
                break;
            }
            if !rule.matcher.matches(facts) {
                continue;
            }
            if out.team.is_none() {
                out.team = rule.team.as_ref().map(|r| r.id.clone());
            }
            if out.initiative.is_none() {
                out.initiative = rule.initiative.as_ref().map(|r| r.id.clone());
            }
            if out.milestone.is_none() {
                out.milestone = rule.milestone.as_ref().map(|r| r.id.clone());
            }
        }
        out
    }

    /// Checks that every team, initiative and milestone a rule names exists
    /// in `model`,
    /// with a did-you-mean hint for near misses.
    pub fn check(&self, model: &Model) -> Vec<Diagnostic> {
        let mut diags = Vec::new();
        let teams: Vec<&str> = model.teams.iter().map(|t| t.id.0.as_str()).collect();
        let initiatives: Vec<&str> = model.initiatives.iter().map(|i| i.id.0.as_str()).collect();
        let milestones: Vec<&str> =
            model.initiatives.iter().flat_map(|i| i.milestones.iter().map(|m| m.id.0.as_str())).collect();
        for rule in &self.rules {
            let refs = [
                (&rule.team, "team", &teams),
                (&rule.initiative, "initiative", &initiatives),
                (&rule.milestone, "milestone", &milestones),
            ];
            for (r, kind, known) in refs {
                let Some(r) = r else { continue };
                if known.contains(&r.id.0.as_str()) {
                    continue;
                }
                let hint = match did_you_mean(&r.id.0, known.iter().copied()) {
                    Some(best) => format!("did you mean `{best}`?"),
                    None => format!("name a {kind} defined in the workspace"),
                };
                diags.push(
                    Diagnostic::error("unknown-reference", r.loc, format!("there is no {kind} `{}`", r.id.0))
                        .with_hint(hint),
                );
            }
        }
        diags
    }
}

/// Decodes a mapping file. Every problem is reported, each with its place;
/// a file with any problem gives no rules, so that a typo cannot silently
/// leave items unmapped.
pub fn parse_mappings(file: FileId, text: &str) -> Result<Mappings, Vec<Diagnostic>> {
    let docs = match yaml::parse(file, text) {
        Ok(docs) => docs,
        Err(e) => return Err(vec![Diagnostic::error("yaml-syntax", e.loc, format!("invalid YAML: {}", e.message))]),
    };
    let mut diags = Vec::new();
    let mut rules = Vec::new();
    let mut d = Decoder::new(&mut diags);
    let mut docs = docs.iter().filter(|n| !n.is_null());
    if let Some(doc) = docs.next() {
        decode_file(&mut d, doc, &mut rules);
    }
    for extra in docs {
        d.invalid(extra.loc, "a mapping file holds one document".into(), "remove the `---` and join the rules");
    }
    if diags.is_empty() { Ok(Mappings { rules }) } else { Err(diags) }
}

fn decode_file(d: &mut Decoder<'_>, doc: &Node, rules: &mut Vec<MappingRule>) {
    let Some(obj) = d.obj(doc, &MAPPING_FILE) else { return };
    let Some(list) = obj.get("mappings") else { return };
    let Value::Seq(items) = &list.value else {
        d.invalid(
            list.loc,
            format!("`mappings` must be a list, found {}", list.describe()),
            "write each rule as a list item starting with `- match:`",
        );
        return;
    };
    for item in items {
        if let Some(rule) = decode_rule(d, item) {
            rules.push(rule);
        }
    }
}

fn decode_rule(d: &mut Decoder<'_>, node: &Node) -> Option<MappingRule> {
    let obj = d.obj(node, &MAPPING)?;
    let team = d.reference(&obj, "team");
    let initiative = d.reference(&obj, "initiative");
    let milestone = d.reference(&obj, "milestone");
    let matcher = match obj.get("match") {
        Some(m) => {
            let m_obj = d.obj(m, &MATCH)?;
            let matcher = Match {
                label: d.string(&m_obj, "label"),
                component: d.string(&m_obj, "component"),
                epic: d.string(&m_obj, "epic"),
                repository: d.string(&m_obj, "repository"),
                service: d.string(&m_obj, "service"),
            };
            if matcher == Match::default() {
                d.invalid(
                    m.loc,
                    "this `match` has no condition, so it would match every item".into(),
                    "give one of `label`, `component`, `epic`, `repository` or `service`",
                );
                return None;
            }
            matcher
        }
        None => return None,
    };
    if obj.get("team").is_none() && obj.get("initiative").is_none() && obj.get("milestone").is_none() {
        d.invalid(
            obj.loc,
            "this mapping gives no `team`, `initiative` or `milestone`".into(),
            "add `team:`, `initiative:`, `milestone:` or several",
        );
        return None;
    }
    Some(MappingRule { matcher, team, initiative, milestone, loc: obj.loc })
}
