//! The Jira issue CSV export ("Export → CSV (all fields)" or "current
//! fields"), read by its real header.
//!
//! Columns read (names compare case-insensitively):
//!
//! | column | use |
//! |---|---|
//! | `Issue key` (required) | the natural key |
//! | `Issue Type` (required), `Status` (required) | kind and status |
//! | `Created` (required), `Resolved`, `Updated` | times |
//! | `Issue id` | the internal id; resolves a numeric `Parent` to a key |
//! | `Summary`, `Priority`, `Assignee`, `Reporter` | as written |
//! | `Labels`, `Component/s` (`Components`), `Sprint`, `Fix Version/s` (`Fix versions`) | every column of the name; Jira repeats them, one value per column |
//! | `Custom field (Epic Link)` (`Epic Link`) | the epic (company-managed projects) |
//! | `Parent`, `Parent id`, `Parent key` | the parent (team-managed projects and Jira Cloud) |
//!
//! Other columns (`Description`, `Comment`, custom fields) are ignored, but a
//! multi-line description is still counted in line numbers.
//!
//! The header spellings are those of Jira Cloud and Data Center exports as
//! seen in public importers and in Atlassian's CSV documentation; Jira
//! localises headers for non-English users, which this importer does not
//! read (the error names the missing column).

use std::collections::HashMap;

use super::mapping::Facts;
use super::{Collector, ImportError, ImportOptions, Imported, WorkItem, cell, csv_records, time_cell};

const FORMAT: &str = "Jira CSV";

/// Reads a Jira issue CSV export into work items.
pub fn jira_csv(text: &str, options: &ImportOptions) -> Result<Imported, ImportError> {
    let (header, rows) = csv_records(text, FORMAT)?;
    let key_col = header.require(FORMAT, &["Issue key"])?;
    let type_col = header.require(FORMAT, &["Issue Type"])?;
    let status_col = header.require(FORMAT, &["Status"])?;
    let created_col = header.require(FORMAT, &["Created"])?;
    let id_col = header.any(&["Issue id"]);
    let resolved_col = header.any(&["Resolved"]);
    let updated_col = header.any(&["Updated"]);
    let summary_col = header.any(&["Summary"]);
    let priority_col = header.any(&["Priority"]);
    let assignee_col = header.any(&["Assignee"]);
    let reporter_col = header.any(&["Reporter"]);
    let label_cols = header.all_of(&["Labels"]);
    let component_cols = header.all_of(&["Component/s", "Components"]);
    let sprint_cols = header.all_of(&["Sprint"]);
    let version_cols = header.all_of(&["Fix Version/s", "Fix versions"]);
    let epic_col = header.any(&["Custom field (Epic Link)", "Epic Link"]);
    let parent_cols = header.all_of(&["Parent", "Parent id", "Parent key"]);

    let mut c = Collector::new(FORMAT);
    let mut items: Vec<(u32, WorkItem)> = Vec::new();
    for row in &rows {
        c.report.read += 1;
        let f = &row.fields;
        if f.len() != header.names.len() {
            c.reject(row.line, format!("{} fields, but the header has {}", f.len(), header.names.len()));
            continue;
        }
        let Some(key) = cell(f, Some(key_col)) else {
            c.reject(row.line, "Issue key is empty");
            continue;
        };
        if key.contains(char::is_whitespace) {
            c.reject(row.line, format!("Issue key \"{key}\" is not an issue key"));
            continue;
        }
        let times = time_cell(f, Some(created_col), "Created", options).and_then(|created| {
            let created = created.ok_or_else(|| "Created is empty".to_string())?;
            let resolved = time_cell(f, resolved_col, "Resolved", options)?;
            let updated = time_cell(f, updated_col, "Updated", options)?;
            Ok((created, resolved, updated))
        });
        let (created, resolved, updated) = match times {
            Ok(times) => times,
            Err(message) => {
                c.reject(row.line, format!("{key}: {message}"));
                continue;
            }
        };
        if let Some(r) = resolved
            && r < created
        {
            c.reject(row.line, format!("{key}: Resolved {r} is before Created {created}"));
            continue;
        }
        if !c.first(key, row.line, "Issue key") {
            continue;
        }
        let values = |cols: &[usize]| -> Vec<String> {
            cols.iter().filter_map(|&i| cell(f, Some(i))).map(str::to_string).collect()
        };
        // Jira labels cannot contain spaces; some exports put several in one cell.
        let labels: Vec<String> =
            values(&label_cols).iter().flat_map(|l| l.split_whitespace().map(str::to_string)).collect();
        let text = |i: Option<usize>| cell(f, i).map(str::to_string);
        items.push((
            row.line,
            WorkItem {
                key: key.to_string(),
                source_id: text(id_col),
                kind: text(Some(type_col)).unwrap_or_default(),
                status: text(Some(status_col)).unwrap_or_default(),
                summary: text(summary_col).unwrap_or_default(),
                created,
                resolved,
                updated,
                labels,
                components: values(&component_cols),
                sprints: values(&sprint_cols),
                fix_versions: values(&version_cols),
                epic: text(epic_col),
                parent: values(&parent_cols).into_iter().next(),
                priority: text(priority_col),
                assignee: text(assignee_col),
                reporter: text(reporter_col),
                repository: None,
            },
        ));
    }

    resolve_parents(&mut items);

    let mut work_items = Vec::with_capacity(items.len());
    for (line, item) in items {
        let mut epics: Vec<&str> = item.epic.iter().map(String::as_str).collect();
        if item.kind.eq_ignore_ascii_case("epic") {
            epics.push(&item.key);
        }
        let facts = Facts { labels: &item.labels, components: &item.components, epics, ..Facts::default() };
        let assignment = options.mappings.assign(&facts);
        work_items.push(c.item(line, item, assignment));
    }
    Ok(Imported { work_items, pull_requests: Vec::new(), incidents: Vec::new(), report: c.finish() })
}

/// Turns a numeric `Parent` (an issue id) into the parent's key when the
/// parent is in the file, and fills `epic` from the parent: the parent itself
/// when it is an epic, else the parent's epic (a sub-task's story's epic).
fn resolve_parents(items: &mut [(u32, WorkItem)]) {
    let key_of_id: HashMap<String, String> =
        items.iter().filter_map(|(_, w)| w.source_id.clone().map(|id| (id, w.key.clone()))).collect();
    for (_, w) in items.iter_mut() {
        if let Some(p) = &w.parent
            && let Some(key) = key_of_id.get(p)
        {
            w.parent = Some(key.clone());
        }
    }
    let by_key: HashMap<String, (bool, Option<String>)> =
        items.iter().map(|(_, w)| (w.key.clone(), (w.kind.eq_ignore_ascii_case("epic"), w.epic.clone()))).collect();
    for (_, w) in items.iter_mut() {
        if w.epic.is_some() {
            continue;
        }
        let Some(parent) = &w.parent else { continue };
        match by_key.get(parent) {
            Some((true, _)) => w.epic = Some(parent.clone()),
            Some((false, Some(epic))) => w.epic = Some(epic.clone()),
            Some((false, None)) => {}
            // A parent outside the file: in team-managed projects the parent
            // of a story is its epic, so a key (not an id) is taken as one
            // unless the item is a sub-task.
            None if !w.kind.to_ascii_lowercase().contains("sub") && !parent.bytes().all(|b| b.is_ascii_digit()) => {
                w.epic = Some(parent.clone());
            }
            None => {}
        }
    }
}
