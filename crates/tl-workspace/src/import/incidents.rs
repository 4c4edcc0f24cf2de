//! Incident CSVs as PagerDuty and Opsgenie export them, into engine
//! [`Incident`] events.
//!
//! **PagerDuty** (the incidents CSV of the web app's incident list and of
//! the Analytics/Insights export). Columns read: `id` (required; the natural
//! key, imported as `pagerduty:{id}`), `created_on` (required; `created_at`
//! accepted), `resolved_on` (`resolved_at`), `service_name` (`service`),
//! `priority`, `urgency`, `incident_number`, `title`, `description`,
//! `status`. The severity is `priority` when set, else `urgency`
//! (`high`/`low`). A PagerDuty export is recognised by `incident_number`,
//! `created_on` or `service_name` in its header.
//!
//! **Opsgenie** (the alert list's "Export to CSV"). Columns read: `TinyId`
//! or `ID` or `Alias` (one required; `ID` is preferred because Opsgenie
//! reuses tiny ids; imported as `opsgenie:{id}`), `CreatedAt` (required),
//! `ClosedAt`, `UpdatedAt`, `Status`, `Priority` (`P1`-`P5`, the severity),
//! `Tags` (comma-separated in one cell), `Entity`, `Message`. The service is
//! `Entity`, else a `service:NAME` tag, else empty. When there is no
//! `ClosedAt`, a closed alert (`Status` `closed`) is taken as resolved at
//! `UpdatedAt`, which the report says, because a later edit moves it.
//! Recognised by `TinyId` or `CreatedAt` in the header.
//!
//! Both tools write times as ISO 8601 with an offset, or in the exporting
//! user's zone without one; epoch milliseconds are read too.
//!
//! The column names are the ones in the Throughline issue and in PagerDuty's
//! and Opsgenie's API field lists (`created_on`/`resolved_on` of PagerDuty's
//! reporting API, `tinyId`/`createdAt`/`updatedAt` of Opsgenie's alert API);
//! no vendor document lists the CSV headers exactly, so they compare
//! case-insensitively and ignoring spaces and underscores.

use tl_engine::delivery::Incident;

use super::csv::CsvRecord;
use super::mapping::Facts;
use super::{Collector, Header, ImportError, ImportOptions, Imported, cell, csv_records, time_cell};

/// Reads an incident CSV, telling PagerDuty from Opsgenie by its header.
pub fn incidents_csv(text: &str, options: &ImportOptions) -> Result<Imported, ImportError> {
    let (header, rows) = csv_records(text, "incident CSV")?;
    let has = |name: &str| header.find(name).is_some();
    if has("incident_number") || has("created_on") || has("service_name") {
        pagerduty(header, rows, options)
    } else if has("TinyId") || has("CreatedAt") {
        opsgenie(header, rows, options)
    } else {
        Err(ImportError::NotThisFormat {
            format: "incident CSV".into(),
            line: header.line,
            message: "the header is neither PagerDuty's (`incident_number`, `created_on`) nor Opsgenie's (`TinyId`, `CreatedAt`)".into(),
        })
    }
}

/// The column names compared loosely: case, spaces and underscores ignored.
fn loose(name: &str) -> String {
    name.chars().filter(|c| !matches!(c, ' ' | '_' | '-')).flat_map(char::to_lowercase).collect()
}

impl Header {
    /// The first column whose loose name equals `name`'s.
    fn find(&self, name: &str) -> Option<usize> {
        let want = loose(name);
        self.names.iter().position(|n| loose(n) == want)
    }

    fn find_any(&self, names: &[&str]) -> Option<usize> {
        names.iter().find_map(|n| self.find(n))
    }

    fn need(&self, format: &str, names: &[&str]) -> Result<usize, ImportError> {
        self.find_any(names).ok_or_else(|| ImportError::NotThisFormat {
            format: format.into(),
            line: self.line,
            message: format!(
                "the header has no `{}` column",
                names.iter().map(|n| n.to_string()).collect::<Vec<_>>().join("` or `")
            ),
        })
    }
}

/// Reads a PagerDuty incidents CSV.
pub fn pagerduty_csv(text: &str, options: &ImportOptions) -> Result<Imported, ImportError> {
    let (header, rows) = csv_records(text, "PagerDuty CSV")?;
    pagerduty(header, rows, options)
}

fn pagerduty(header: Header, rows: Vec<CsvRecord>, options: &ImportOptions) -> Result<Imported, ImportError> {
    const FORMAT: &str = "PagerDuty CSV";
    let id_col = header.need(FORMAT, &["id"])?;
    let created_col = header.need(FORMAT, &["created_on", "created_at"])?;
    let resolved_col = header.find_any(&["resolved_on", "resolved_at"]);
    let service_col = header.find_any(&["service_name", "service"]);
    let priority_col = header.find("priority");
    let urgency_col = header.find("urgency");

    let mut c = Collector::new(FORMAT);
    let mut incidents = Vec::new();
    for row in &rows {
        c.report.read += 1;
        let f = &row.fields;
        if f.len() != header.names.len() {
            c.reject(row.line, format!("{} fields, but the header has {}", f.len(), header.names.len()));
            continue;
        }
        let Some(id) = cell(f, Some(id_col)) else {
            c.reject(row.line, "id is empty");
            continue;
        };
        let id = format!("pagerduty:{id}");
        let service = cell(f, service_col).unwrap_or_default().to_string();
        let severity = cell(f, priority_col).or(cell(f, urgency_col)).map(str::to_string);
        let Some(incident) =
            times(&mut c, row.line, &id, f, (created_col, "created_on"), (resolved_col, "resolved_on"), options)
        else {
            continue;
        };
        if !c.first(&id, row.line, "incident") {
            continue;
        }
        let (created, resolved) = incident;
        let event = Incident { id, service, created, resolved, severity, root_cause_commit: None, deployment_id: None };
        let facts = Facts { service: Some(&event.service), ..Facts::default() };
        let assignment = options.mappings.assign(&facts);
        incidents.push(c.item(row.line, event, assignment));
    }
    Ok(Imported { work_items: Vec::new(), pull_requests: Vec::new(), incidents, report: c.finish() })
}

/// Reads an Opsgenie alerts CSV.
pub fn opsgenie_csv(text: &str, options: &ImportOptions) -> Result<Imported, ImportError> {
    let (header, rows) = csv_records(text, "Opsgenie CSV")?;
    opsgenie(header, rows, options)
}

fn opsgenie(header: Header, rows: Vec<CsvRecord>, options: &ImportOptions) -> Result<Imported, ImportError> {
    const FORMAT: &str = "Opsgenie CSV";
    let id_col = header.need(FORMAT, &["ID", "TinyId", "Alias"])?;
    let created_col = header.need(FORMAT, &["CreatedAt"])?;
    let closed_col = header.find("ClosedAt");
    let updated_col = header.find("UpdatedAt");
    let status_col = header.find("Status");
    let priority_col = header.find("Priority");
    let tags_col = header.find("Tags");
    let entity_col = header.find("Entity");

    let mut c = Collector::new(FORMAT);
    let mut incidents = Vec::new();
    let mut closed_from_updated = 0;
    for row in &rows {
        c.report.read += 1;
        let f = &row.fields;
        if f.len() != header.names.len() {
            c.reject(row.line, format!("{} fields, but the header has {}", f.len(), header.names.len()));
            continue;
        }
        let Some(id) = cell(f, Some(id_col)) else {
            c.reject(row.line, format!("{} is empty", header.names[id_col]));
            continue;
        };
        let id = format!("opsgenie:{id}");
        let closed = cell(f, status_col).is_some_and(|s| s.eq_ignore_ascii_case("closed"));
        let (resolved_col, resolved_name) = match closed_col {
            Some(col) => (Some(col), "ClosedAt"),
            None if closed => (updated_col, "UpdatedAt"),
            None => (None, "ClosedAt"),
        };
        let Some((created, resolved_at)) =
            times(&mut c, row.line, &id, f, (created_col, "CreatedAt"), (resolved_col, resolved_name), options)
        else {
            continue;
        };
        if !c.first(&id, row.line, "alert") {
            continue;
        }
        if resolved_name == "UpdatedAt" && resolved_at.is_some() {
            closed_from_updated += 1;
        }
        let tags: Vec<String> = cell(f, tags_col)
            .map(|t| t.split(',').map(str::trim).filter(|t| !t.is_empty()).map(str::to_string).collect())
            .unwrap_or_default();
        let service = cell(f, entity_col)
            .map(str::to_string)
            .or_else(|| tags.iter().find_map(|t| t.strip_prefix("service:")).map(|s| s.trim().to_string()))
            .unwrap_or_default();
        let event = Incident {
            id,
            service,
            created,
            resolved: resolved_at,
            severity: cell(f, priority_col).map(str::to_string),
            root_cause_commit: None,
            deployment_id: None,
        };
        let facts = Facts { labels: &tags, service: Some(&event.service), ..Facts::default() };
        let assignment = options.mappings.assign(&facts);
        incidents.push(c.item(row.line, event, assignment));
    }
    if closed_from_updated > 0 {
        c.report.remarks.push(format!(
            "{closed_from_updated} closed alert(s) without a ClosedAt column: resolved at UpdatedAt, which a later edit moves"
        ));
    }
    Ok(Imported { work_items: Vec::new(), pull_requests: Vec::new(), incidents, report: c.finish() })
}

/// The created and resolved times of one row, or `None` after rejecting it.
fn times(
    c: &mut Collector,
    line: u32,
    id: &str,
    f: &[String],
    created: (usize, &str),
    resolved: (Option<usize>, &str),
    options: &ImportOptions,
) -> Option<(jiff::Timestamp, Option<jiff::Timestamp>)> {
    let result = time_cell(f, Some(created.0), created.1, options).and_then(|at| {
        let at = at.ok_or_else(|| format!("{} is empty", created.1))?;
        let resolved_at = time_cell(f, resolved.0, resolved.1, options)?;
        if let Some(r) = resolved_at
            && r < at
        {
            return Err(format!("{} {r} is before {} {at}", resolved.1, created.1));
        }
        Ok((at, resolved_at))
    });
    match result {
        Ok(t) => Some(t),
        Err(message) => {
            c.reject(line, format!("{id}: {message}"));
            None
        }
    }
}
