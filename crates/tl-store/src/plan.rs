//! The plan as documents: each top-level entity of a `Model` is stored as the
//! YAML text that the workspace `Writer` prints for it, keyed by (kind, id),
//! with a content hash. Applying compares hashes; loading concatenates the
//! documents of each section into one file and reads them with the workspace
//! loader. There is no second serialization of the model to keep in step.

use crate::error::Error;
use jiff::Timestamp;
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::fmt;
use std::slice::from_ref;
use tl_engine::Model;
use tl_workspace::write::Writer;

/// The kinds of entity in a plan: the top-level ones, stored as documents,
/// and the nested ones (key results, milestones) that live data refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Organisation,
    Policy,
    Team,
    Person,
    Diagnosis,
    GuidingPolicy,
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
    pub const ALL: [Kind; 17] = [
        Kind::Organisation,
        Kind::Policy,
        Kind::Team,
        Kind::Person,
        Kind::Diagnosis,
        Kind::GuidingPolicy,
        Kind::Theme,
        Kind::Pillar,
        Kind::Objective,
        Kind::KeyResult,
        Kind::Initiative,
        Kind::Milestone,
        Kind::Dependency,
        Kind::Risk,
        Kind::Debt,
        Kind::Metric,
        Kind::DeliveryDefinition,
    ];

    /// The spelling in the database and in revision summaries.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Organisation => "organisation",
            Kind::Policy => "policy",
            Kind::Team => "team",
            Kind::Person => "person",
            Kind::Diagnosis => "diagnosis",
            Kind::GuidingPolicy => "guiding_policy",
            Kind::Theme => "theme",
            Kind::Pillar => "pillar",
            Kind::Objective => "objective",
            Kind::KeyResult => "key_result",
            Kind::Initiative => "initiative",
            Kind::Milestone => "milestone",
            Kind::Dependency => "dependency",
            Kind::Risk => "risk",
            Kind::Debt => "debt",
            Kind::Metric => "metric",
            Kind::DeliveryDefinition => "delivery_definition",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One entity of the plan, by kind and id.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EntityKey {
    pub kind: Kind,
    pub id: String,
}

impl fmt::Display for EntityKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind, self.id)
    }
}

/// How to apply a plan.
#[derive(Clone, Debug)]
pub struct ApplyOptions {
    /// Who applies it (a user name, a token name, `ci`).
    pub author: String,
    /// When; recorded in the revision.
    pub at: Timestamp,
    /// Apply only if the stored plan is still at this revision, else fail
    /// with `Error::Conflict`. `None` applies on top of whatever is stored,
    /// retrying internally if another apply wins a race.
    pub expected_revision: Option<i64>,
    /// Recorded in the revision: the caller overrode lint errors.
    pub forced: bool,
}

/// One revision of the plan: who changed what, and when.
#[derive(Clone, Debug, PartialEq)]
pub struct Revision {
    pub revision: i64,
    pub author: String,
    pub at: Timestamp,
    pub forced: bool,
    pub added: Vec<EntityKey>,
    pub changed: Vec<EntityKey>,
    pub removed: Vec<EntityKey>,
    /// How many entities only moved (a list reordered, an entity moved to
    /// another file); their content did not change.
    pub reordered: i64,
}

/// A revision with the YAML of the documents it changed or removed, for
/// showing it as a diff.
#[derive(Clone, Debug, PartialEq)]
pub struct RevisionDetail {
    pub revision: Revision,
    /// The changed documents, then the removed ones, in the revision's order,
    /// at most the number asked for. Added documents are only listed in
    /// `revision.added`.
    pub documents: Vec<DocumentChange>,
    /// How many changed or removed documents were left out by the limit.
    pub left_out: usize,
}

/// One document a revision changed or removed.
#[derive(Clone, Debug, PartialEq)]
pub struct DocumentChange {
    pub key: EntityKey,
    /// Whether the revision removed it (else it changed it).
    pub removed: bool,
    /// Its YAML before the revision; `None` when the revision predates the
    /// history (applied before migration 5).
    pub before: Option<String>,
    /// Its YAML as the revision left it; `None` when it was removed, or when
    /// that text is no longer known.
    pub after: Option<String>,
}

/// What `apply` did.
#[derive(Clone, Debug, PartialEq)]
pub enum ApplyOutcome {
    /// The plan is identical to the stored one: nothing was written.
    Unchanged { revision: i64 },
    /// A new revision was written.
    Applied(Revision),
}

impl ApplyOutcome {
    /// The plan's revision after the apply.
    pub fn revision(&self) -> i64 {
        match self {
            ApplyOutcome::Unchanged { revision } => *revision,
            ApplyOutcome::Applied(r) => r.revision,
        }
    }
}

/// The stored plan, loaded.
pub struct StoredPlan {
    /// The revision it was read at (0: nothing was ever applied). A server can
    /// cache everything it computes from the model per revision.
    pub revision: i64,
    /// The model, the section files it was read from, and the diagnostics of
    /// validating and linting it (locations point into `plan_files`).
    pub workspace: tl_workspace::Workspace,
}

/// The stored plan as workspace files, one per section: what `export` writes.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanFiles {
    pub revision: i64,
    /// File names (no folders) and their YAML text, in load order.
    pub files: Vec<(String, String)>,
}

/// One stored document: a top-level entity as YAML.
pub(crate) struct Doc {
    pub kind: Kind,
    pub id: String,
    pub position: i64,
    pub body: String,
    pub hash: String,
    /// The entities this document holds: itself and its key results or milestones.
    pub entities: Vec<(Kind, String)>,
    /// A metric bound to delivery events (`measure:`), which takes no check-ins.
    pub measured: bool,
}

/// The first lines of a document of this kind, which sections repeat once.
fn header(kind: Kind) -> &'static str {
    match kind {
        Kind::Organisation => "organisation:\n",
        Kind::Policy => "policy:\n",
        Kind::Team => "teams:\n",
        Kind::Person => "people:\n",
        Kind::Diagnosis => "kernel:\n  diagnosis:\n",
        Kind::GuidingPolicy => "kernel:\n  policies:\n",
        Kind::Theme => "themes:\n",
        Kind::Pillar => "pillars:\n",
        Kind::Objective => "objectives:\n",
        Kind::Initiative => "initiatives:\n",
        Kind::Dependency => "dependencies:\n",
        Kind::Risk => "risks:\n",
        Kind::Debt => "debt:\n",
        Kind::Metric => "metrics:\n",
        Kind::DeliveryDefinition => "delivery_definitions:\n",
        Kind::KeyResult | Kind::Milestone => "",
    }
}

pub(crate) fn hash(body: &str) -> String {
    let digest = Sha256::digest(body.as_bytes());
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// The text one call of the writer prints.
fn text(write: impl FnOnce(&mut Writer) -> &mut Writer) -> String {
    let mut w = Writer::default();
    write(&mut w);
    w.out
}

/// Splits a model into documents, in model order. Fails if two entities of
/// one kind share an id, since (kind, id) is the key of everything stored.
pub(crate) fn documents(model: &Model) -> Result<Vec<Doc>, Error> {
    let mut docs = Vec::new();
    let mut push = |kind: Kind, id: &str, body: String, children: Vec<(Kind, String)>| {
        let mut entities = vec![(kind, id.to_string())];
        entities.extend(children);
        docs.push(Doc { kind, id: id.to_string(), position: 0, hash: hash(&body), body, entities, measured: false });
    };
    push(Kind::Organisation, "organisation", text(|w| w.organisation(&model.organisation)), vec![]);
    let policy = text(|w| w.policy(&model.policy));
    if !policy.is_empty() {
        push(Kind::Policy, "policy", policy, vec![]);
    }
    for t in &model.teams {
        push(Kind::Team, t.id.as_str(), text(|w| w.teams(from_ref(t))), vec![]);
    }
    for p in &model.people {
        push(Kind::Person, p.id.as_str(), text(|w| w.people(from_ref(p))), vec![]);
    }
    for d in &model.diagnosis {
        push(Kind::Diagnosis, d.id.as_str(), text(|w| w.kernel(from_ref(d), &[])), vec![]);
    }
    for p in &model.policies {
        push(Kind::GuidingPolicy, p.id.as_str(), text(|w| w.kernel(&[], from_ref(p))), vec![]);
    }
    for t in &model.themes {
        push(Kind::Theme, t.id.as_str(), text(|w| w.themes(from_ref(t))), vec![]);
    }
    for p in &model.pillars {
        push(Kind::Pillar, p.id.as_str(), text(|w| w.pillars(from_ref(p))), vec![]);
    }
    for o in &model.objectives {
        let krs = o.key_results.iter().map(|k| (Kind::KeyResult, k.id.0.clone())).collect();
        push(Kind::Objective, o.id.as_str(), text(|w| w.objectives(from_ref(o))), krs);
    }
    for i in &model.initiatives {
        let milestones = i.milestones.iter().map(|m| (Kind::Milestone, m.id.0.clone())).collect();
        push(Kind::Initiative, i.id.as_str(), text(|w| w.initiatives(from_ref(i))), milestones);
    }
    for d in &model.dependencies {
        push(Kind::Dependency, d.id.as_str(), text(|w| w.dependencies(from_ref(d))), vec![]);
    }
    for r in &model.risks {
        push(Kind::Risk, r.id.as_str(), text(|w| w.risks(from_ref(r))), vec![]);
    }
    for d in &model.debt {
        push(Kind::Debt, d.id.as_str(), text(|w| w.debt(from_ref(d))), vec![]);
    }
    for m in &model.metrics {
        push(Kind::Metric, m.id.as_str(), text(|w| w.metrics(from_ref(m))), vec![]);
    }
    for d in &model.delivery_definitions {
        let body = text(|w| w.delivery_definitions(from_ref(d)));
        push(Kind::DeliveryDefinition, d.id.as_str(), body, vec![]);
    }
    let measured: HashSet<&str> = model.metrics.iter().filter(|m| m.measure.is_some()).map(|m| m.id.as_str()).collect();
    for doc in &mut docs {
        doc.measured = doc.kind == Kind::Metric && measured.contains(doc.id.as_str());
    }

    let mut seen = HashSet::new();
    let mut position = 0;
    let mut last_kind = None;
    for doc in &mut docs {
        if last_kind != Some(doc.kind) {
            position = 0;
            last_kind = Some(doc.kind);
        }
        doc.position = position;
        position += 1;
        if !doc.body.starts_with(header(doc.kind)) {
            return Err(Error::Invalid(format!(
                "the writer's text for {} `{}` has an unexpected shape",
                doc.kind, doc.id
            )));
        }
        for (kind, id) in &doc.entities {
            if id.is_empty() {
                return Err(Error::Invalid(format!("a {kind} has no id")));
            }
            if !seen.insert((*kind, id.as_str())) {
                return Err(Error::Invalid(format!("two entities of kind {kind} have the id `{id}`")));
            }
        }
    }
    Ok(docs)
}

/// The export files and what each holds.
const FILES: &[(&str, &[Kind])] = &[
    ("organisation.yaml", &[Kind::Organisation]),
    ("policy.yaml", &[Kind::Policy]),
    ("teams.yaml", &[Kind::Team]),
    ("people.yaml", &[Kind::Person]),
    ("kernel.yaml", &[Kind::Diagnosis, Kind::GuidingPolicy]),
    ("themes.yaml", &[Kind::Theme]),
    ("pillars.yaml", &[Kind::Pillar]),
    ("objectives.yaml", &[Kind::Objective]),
    ("initiatives.yaml", &[Kind::Initiative]),
    ("dependencies.yaml", &[Kind::Dependency]),
    ("risks.yaml", &[Kind::Risk]),
    ("debt.yaml", &[Kind::Debt]),
    ("metrics.yaml", &[Kind::Metric]),
    ("delivery.yaml", &[Kind::DeliveryDefinition]),
];

/// Documents per file for large sections, so that loading can decode files
/// on every core (the loader parallelises over files).
const PART_SIZE: usize = 500;

/// Whether `name` is a file that `assemble` may produce: `teams.yaml`, or a
/// part of a large section such as `initiatives-0003.yaml`.
pub fn is_plan_file_name(name: &str) -> bool {
    let Some(stem) = name.strip_suffix(".yaml") else {
        return false;
    };
    FILES.iter().any(|(file, _)| {
        let section = file.trim_end_matches(".yaml");
        stem == section
            || stem
                .strip_prefix(section)
                .and_then(|s| s.strip_prefix('-'))
                .is_some_and(|n| n.len() == 4 && n.bytes().all(|b| b.is_ascii_digit()))
    })
}

/// Joins stored documents (kind, body), in position order within each kind,
/// into files per section, in an order that sorts by name the same way (as
/// the workspace loader reads a folder). Sections without documents get no file.
pub(crate) fn assemble(revision: i64, docs: &[(Kind, String)]) -> Result<PlanFiles, Error> {
    let comment = format!("# Exported from the Throughline database, plan revision {revision}.\n");
    let mut files = Vec::new();
    for (name, kinds) in FILES {
        if let [kind] = kinds {
            let head = header(*kind);
            let bodies: Vec<&str> =
                docs.iter().filter(|(k, _)| k == kind).map(|(_, body)| strip(body, *kind)).collect::<Result<_, _>>()?;
            let parts: Vec<&[&str]> = bodies.chunks(PART_SIZE).collect();
            for (i, part) in parts.iter().enumerate() {
                let file = if parts.len() == 1 {
                    name.to_string()
                } else {
                    format!("{}-{:04}.yaml", name.trim_end_matches(".yaml"), i + 1)
                };
                files.push((file, comment.clone() + head + &part.concat()));
            }
        } else {
            // The kernel: two lists under one key, small enough for one file.
            let mut text = String::new();
            for &kind in *kinds {
                let mut first = true;
                for (_, body) in docs.iter().filter(|(k, _)| *k == kind) {
                    if first {
                        let head = header(kind);
                        text.push_str(if text.is_empty() { head } else { head.trim_start_matches("kernel:\n") });
                        first = false;
                    }
                    text.push_str(strip(body, kind)?);
                }
            }
            if !text.is_empty() {
                files.push((name.to_string(), comment.clone() + &text));
            }
        }
    }
    Ok(PlanFiles { revision, files })
}

/// A document without the section header it shares with its siblings.
fn strip(body: &str, kind: Kind) -> Result<&str, Error> {
    body.strip_prefix(header(kind)).ok_or_else(|| {
        Error::Corrupt(format!("a stored {kind} document does not start with `{}`", header(kind).trim()))
    })
}

/// Diagnostics that mean the text itself did not read back, as opposed to a
/// plan whose references or rules fail (which a forced apply may store).
const UNREADABLE: &[&str] =
    &["io-error", "yaml-syntax", "unknown-field", "missing-field", "invalid-value", "duplicate-section"];

/// Reads stored plan files with the workspace loader. This is CPU work
/// (parsing, validation, lint): an async caller with a large plan may want to
/// run it on a blocking thread.
pub fn load(files: PlanFiles) -> Result<StoredPlan, Error> {
    let texts = files.files.into_iter().map(|(name, text)| (std::path::PathBuf::from(name), text)).collect();
    let workspace = tl_workspace::load_texts(texts);
    if let Some(d) = workspace.diagnostics.iter().find(|d| UNREADABLE.contains(&d.rule)) {
        return Err(Error::Corrupt(format!("the stored plan does not load back: {}", d.message)));
    }
    Ok(StoredPlan { revision: files.revision, workspace })
}
