//! The plan's revision history: `/revisions` lists the newest revisions
//! (who, when, what kinds of change), `/revisions/{n}` shows one: the
//! entities it added, and a line diff of the YAML of each entity it changed
//! or removed, with links to the entities that are still in the plan.

use super::{Layout, SignedIn, layout_for, render};
use crate::dto;
use crate::error::ApiError;
use crate::routes::revisions::{MAX_DOCUMENTS, parse_revision};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use std::collections::HashSet;
use tl_store::{EntityKey, Kind};

/// Revisions on the list page; older ones are reached page by page from a
/// revision's "previous" link.
const LIST_LIMIT: i64 = 200;

/// Entities named per list on a revision's page (a first apply of a large
/// organisation adds thousands).
const MAX_NAMED: usize = 300;

/// How many entity names the list page shows per revision.
const SUMMARY_NAMES: usize = 4;

struct RevisionRow {
    revision: i64,
    author: String,
    forced: bool,
    date: String,
    added: usize,
    changed: usize,
    removed: usize,
    reordered: i64,
    /// A few of the entities it touched, as "kind id".
    summary: String,
}

#[derive(Template)]
#[template(path = "revisions.html")]
struct RevisionsPage {
    layout: Layout,
    rows: Vec<RevisionRow>,
    /// The current revision: how many there are.
    head: i64,
}

/// A time as the list shows it: UTC, to the minute.
fn when(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

pub(crate) async fn list(State(state): State<AppState>, SignedIn(caller): SignedIn) -> Result<Response, ApiError> {
    let revisions = state.store.revisions(LIST_LIMIT).await?;
    let layout = layout_for(&state, &caller, "Plan revisions", "/revisions").await;
    let head = revisions.first().map_or(0, |r| r.revision);
    let rows = revisions
        .iter()
        .map(|r| {
            let touched: Vec<String> =
                r.changed.iter().chain(&r.added).chain(&r.removed).take(SUMMARY_NAMES).map(|k| k.to_string()).collect();
            let total = r.changed.len() + r.added.len() + r.removed.len();
            let mut summary = touched.join(", ");
            if total > touched.len() {
                summary.push_str(&format!(" and {} more", total - touched.len()));
            }
            RevisionRow {
                revision: r.revision,
                author: r.author.clone(),
                forced: r.forced,
                date: when(r.at),
                added: r.added.len(),
                changed: r.changed.len(),
                removed: r.removed.len(),
                reordered: r.reordered,
                summary,
            }
        })
        .collect();
    Ok(render(&RevisionsPage { layout, rows, head }, StatusCode::OK))
}

/// An entity the page names, linked when it has a page in the current plan.
struct Entity {
    label: String,
    href: Option<String>,
}

/// A changed or removed document and its diff.
struct DocumentView {
    entity: Entity,
    removed: bool,
    /// Lines in the diff shown (for a removed document: all of it).
    n_lines: usize,
    d: dto::DocumentDiff,
}

#[derive(Template)]
#[template(path = "revision.html")]
struct RevisionPage {
    layout: Layout,
    r: dto::Revision,
    date: String,
    reordered: i64,
    added: Vec<Entity>,
    added_left_out: usize,
    changed: Vec<DocumentView>,
    removed: Vec<DocumentView>,
    left_out: usize,
    previous: Option<i64>,
    next: Option<i64>,
}

/// The ids of the entities that have pages, in the current plan.
struct Pages {
    teams: HashSet<String>,
    objectives: HashSet<String>,
    initiatives: HashSet<String>,
}

impl Pages {
    fn of(model: &tl_engine::Model) -> Pages {
        Pages {
            teams: model.teams.iter().map(|t| t.id.0.clone()).collect(),
            objectives: model.objectives.iter().map(|o| o.id.0.clone()).collect(),
            initiatives: model.initiatives.iter().map(|i| i.id.0.clone()).collect(),
        }
    }

    fn entity(&self, kind: Kind, id: &str) -> Entity {
        let href = match kind {
            Kind::Team if self.teams.contains(id) => Some(format!("/teams/{id}")),
            Kind::Objective if self.objectives.contains(id) => Some(format!("/okrs/{id}")),
            Kind::Initiative if self.initiatives.contains(id) => Some(format!("/initiatives/{id}")),
            _ => None,
        };
        Entity { label: EntityKey { kind, id: id.to_string() }.to_string().replace('_', " "), href }
    }
}

pub(crate) async fn detail(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(revision): Path<String>,
) -> Result<Response, ApiError> {
    let n = parse_revision(&revision)?;
    let detail = state.store.revision_detail(n, MAX_DOCUMENTS).await?;
    let head = state.store.revision().await?;
    let plan = state.plan().await?;
    let pages = Pages::of(plan.model());
    let layout = layout_for(&state, &caller, format!("Revision {n}"), "/revisions").await;
    let dto = dto::RevisionDetail::from(&detail);
    let (removed, changed): (Vec<DocumentView>, Vec<DocumentView>) = dto
        .documents
        .into_iter()
        .map(|d| DocumentView {
            entity: pages.entity(Kind::parse(&d.kind).unwrap_or(Kind::Organisation), &d.id),
            removed: d.removed,
            n_lines: d.hunks.iter().map(Vec::len).sum(),
            d,
        })
        .partition(|v| v.removed);
    let added = detail.revision.added.iter().take(MAX_NAMED).map(|k| pages.entity(k.kind, &k.id)).collect();
    let page = RevisionPage {
        layout,
        date: when(detail.revision.at),
        reordered: detail.revision.reordered,
        added,
        added_left_out: detail.revision.added.len().saturating_sub(MAX_NAMED),
        changed,
        removed,
        left_out: dto.left_out,
        previous: (n > 1).then_some(n - 1),
        next: (n < head).then_some(n + 1),
        r: dto.revision,
    };
    Ok(render(&page, StatusCode::OK))
}
