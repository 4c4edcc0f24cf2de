//! Importers for the export formats people already have: the Jira issue CSV,
//! GitHub pull requests and issues as JSON (from the `gh` CLI or the REST
//! API), and PagerDuty and Opsgenie incident CSVs.
//!
//! Every importer is pure: text in, events and a [`Report`] out. It never
//! returns part of a file: either every row it could read, as engine events
//! ([`PullRequest`], [`Incident`]) or [`WorkItem`]s, each with the team and
//! initiative the [`Mappings`] give it, together with a report of what was
//! read, skipped and rejected and why, line by line; or an [`ImportError`]
//! when the file is malformed (an unterminated quote, broken JSON) or is not
//! the export the importer reads (a required column is missing). So a caller
//! that persists an [`Imported`] in one transaction writes all or nothing.
//!
//! A *rejected* row is one the importer could not read (a date that is not a
//! date, an empty key); a *skipped* row is one it read but does not import
//! (a second row with the same natural key, a pull request in an issues
//! list). Line numbers are 1-based lines of the file, counting line breaks
//! inside quoted CSV fields.

pub mod csv;
mod github;
mod incidents;
mod jira;
pub mod mapping;
pub mod time;

use std::collections::HashMap;
use std::fmt;

use jiff::Timestamp;
use jiff::tz::Offset;
use tl_engine::delivery::{Incident, PullRequest};
use tl_engine::model::Id;

pub use github::github_json;
pub use incidents::{incidents_csv, opsgenie_csv, pagerduty_csv};
pub use jira::jira_csv;
pub use mapping::{Assignment, Facts, MappingRule, Mappings, Match, parse_mappings};
pub use time::DateOrder;

/// A work item from an issue tracker (a Jira issue, a GitHub issue). The
/// engine has no work items yet; this is what the importers hand over.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkItem {
    /// The natural key: Jira's `Issue key` (`PAY-12`), or `owner/repo#12`.
    pub key: String,
    /// The tracker's internal id (Jira's `Issue id`), when given.
    pub source_id: Option<String>,
    /// `Story`, `Bug`, `Epic`, ...; `issue` for GitHub issues.
    pub kind: String,
    /// The status as the tracker writes it (`In Progress`, `open`).
    pub status: String,
    pub summary: String,
    pub created: Timestamp,
    pub resolved: Option<Timestamp>,
    pub updated: Option<Timestamp>,
    pub labels: Vec<String>,
    pub components: Vec<String>,
    pub sprints: Vec<String>,
    /// Jira's `Fix Version/s`; a GitHub issue's milestone.
    pub fix_versions: Vec<String>,
    /// The key of the epic the item belongs to: Jira's Epic Link, or its
    /// parent when that parent is an epic (or the parent's epic).
    pub epic: Option<String>,
    /// The key of the parent issue (Jira's `Parent`, resolved from an issue
    /// id to a key when the parent is in the same file).
    pub parent: Option<String>,
    pub priority: Option<String>,
    pub assignee: Option<String>,
    pub reporter: Option<String>,
    /// The GitHub repository (`owner/name`) of a GitHub issue.
    pub repository: Option<String>,
}

/// One imported event with where it was read and what the mappings gave it.
#[derive(Clone, Debug, PartialEq)]
pub struct Item<T> {
    /// The 1-based line the row or object starts on.
    pub line: u32,
    pub event: T,
    pub team: Option<Id>,
    pub initiative: Option<Id>,
    pub milestone: Option<Id>,
}

/// Everything one file gave, and the report of how.
#[derive(Clone, Debug, PartialEq)]
pub struct Imported {
    pub work_items: Vec<Item<WorkItem>>,
    pub pull_requests: Vec<Item<PullRequest>>,
    pub incidents: Vec<Item<Incident>>,
    pub report: Report,
}

/// How the importers read a file.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportOptions {
    /// Rules giving items a team and an initiative.
    pub mappings: Mappings,
    /// The offset of times written without one. Jira exports times in the
    /// exporting user's time zone and does not say which; default UTC.
    pub utc_offset: Offset,
    /// How to read a numeric date such as `3/12/2024`.
    pub date_order: DateOrder,
    /// The GitHub repository (`owner/name`) when the JSON does not say (a
    /// `gh pr list` without the `url` field).
    pub repository: Option<String>,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            mappings: Mappings::default(),
            utc_offset: Offset::UTC,
            date_order: DateOrder::default(),
            repository: None,
        }
    }
}

/// What happened to one row that was not simply imported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Read, but not imported (a duplicate, a record of another kind).
    Skipped,
    /// Could not be read (a bad date, an empty key).
    Rejected,
    /// Imported, with a caveat worth knowing.
    Note,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Skipped => "skipped",
            Outcome::Rejected => "rejected",
            Outcome::Note => "note",
        }
    }
}

/// One line of a report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineNote {
    pub line: u32,
    pub outcome: Outcome,
    pub message: String,
}

impl fmt::Display for LineNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}: {}", self.line, self.outcome.as_str(), self.message)
    }
}

/// What one import read, skipped and rejected, and why.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// The format that was read, e.g. `Jira CSV`.
    pub format: String,
    /// Rows (CSV records after the header, JSON objects) read.
    pub read: usize,
    pub imported: usize,
    pub skipped: usize,
    pub rejected: usize,
    /// Imported items that no mapping rule gave a team, an initiative or a
    /// milestone.
    pub unmapped: usize,
    /// Per row, in line order.
    pub lines: Vec<LineNote>,
    /// Remarks about the whole file (an approximation that was made).
    pub remarks: Vec<String>,
}

impl Report {
    /// One line: `Jira CSV: read 12, imported 9, skipped 1, rejected 2, unmapped 3`.
    pub fn summary(&self) -> String {
        format!(
            "{}: read {}, imported {}, skipped {}, rejected {}, unmapped {}",
            self.format, self.read, self.imported, self.skipped, self.rejected, self.unmapped
        )
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.summary())?;
        for remark in &self.remarks {
            writeln!(f, "{remark}")?;
        }
        for line in &self.lines {
            writeln!(f, "{line}")?;
        }
        Ok(())
    }
}

/// Why a file was not imported at all.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    /// The text is not well-formed CSV or JSON; the place is where reading
    /// failed (for an unterminated quote, where the quote opened).
    #[error("line {line}, column {column}: malformed {format}: {message}")]
    Malformed { format: String, line: u32, column: u32, message: String },
    /// Well-formed, but not the export this importer reads (a required
    /// column is missing, the JSON is not a list of objects).
    #[error("line {line}: not {format}: {message}")]
    NotThisFormat { format: String, line: u32, message: String },
}

/// Collects the outcome of each row while a file is read.
struct Collector {
    report: Report,
    /// Natural key to the line it was first imported from.
    seen: HashMap<String, u32>,
}

impl Collector {
    fn new(format: &str) -> Collector {
        Collector { report: Report { format: format.to_string(), ..Report::default() }, seen: HashMap::new() }
    }

    fn note(&mut self, line: u32, outcome: Outcome, message: impl Into<String>) {
        match outcome {
            Outcome::Skipped => self.report.skipped += 1,
            Outcome::Rejected => self.report.rejected += 1,
            Outcome::Note => {}
        }
        self.report.lines.push(LineNote { line, outcome, message: message.into() });
    }

    fn reject(&mut self, line: u32, message: impl Into<String>) {
        self.note(line, Outcome::Rejected, message);
    }

    /// Whether `key` is new; a repeated key is reported as skipped.
    fn first(&mut self, key: &str, line: u32, what: &str) -> bool {
        if let Some(&first) = self.seen.get(key) {
            self.note(line, Outcome::Skipped, format!("{what} {key} again; the row on line {first} is kept"));
            return false;
        }
        self.seen.insert(key.to_string(), line);
        true
    }

    /// Wraps an event with its assignment and counts it.
    fn item<T>(&mut self, line: u32, event: T, assignment: Assignment) -> Item<T> {
        self.report.imported += 1;
        if assignment.team.is_none() && assignment.initiative.is_none() && assignment.milestone.is_none() {
            self.report.unmapped += 1;
        }
        Item { line, event, team: assignment.team, initiative: assignment.initiative, milestone: assignment.milestone }
    }

    fn finish(mut self) -> Report {
        self.report.lines.sort_by_key(|l| l.line);
        self.report
    }
}

/// A CSV header: column names, looked up case-insensitively.
struct Header {
    names: Vec<String>,
    line: u32,
}

impl Header {
    fn new(fields: &[String], line: u32) -> Header {
        Header { names: fields.iter().map(|f| f.trim().to_string()).collect(), line }
    }

    /// Every column called `name` (Jira repeats `Labels`, `Sprint`, ...).
    fn all(&self, name: &str) -> Vec<usize> {
        (0..self.names.len()).filter(|&i| self.names[i].eq_ignore_ascii_case(name)).collect()
    }

    /// The first column with any of `names`.
    fn any(&self, names: &[&str]) -> Option<usize> {
        names.iter().find_map(|n| self.all(n).first().copied())
    }

    /// Every column with any of `names`.
    fn all_of(&self, names: &[&str]) -> Vec<usize> {
        let mut out: Vec<usize> = names.iter().flat_map(|n| self.all(n)).collect();
        out.sort_unstable();
        out
    }

    /// A required column, or an error naming it with a did-you-mean hint.
    fn require(&self, format: &str, names: &[&str]) -> Result<usize, ImportError> {
        if let Some(i) = self.any(names) {
            return Ok(i);
        }
        let hint = names
            .iter()
            .find_map(|n| tl_engine::diag::did_you_mean(n, self.names.iter().map(String::as_str)))
            .map(|best| format!(" (is `{best}` it?)"))
            .unwrap_or_default();
        Err(ImportError::NotThisFormat {
            format: format.to_string(),
            line: self.line,
            message: format!("the header has no `{}` column{hint}", names[0]),
        })
    }
}

/// The trimmed, non-empty value of a cell.
fn cell(fields: &[String], idx: Option<usize>) -> Option<&str> {
    idx.and_then(|i| fields.get(i)).map(|s| s.trim()).filter(|s| !s.is_empty())
}

/// The CSV records of an export: the header and the data rows. A data row
/// whose field count differs from the header's is rejected by the caller.
fn csv_records(text: &str, format: &str) -> Result<(Header, Vec<csv::CsvRecord>), ImportError> {
    let mut records = csv::read(text).map_err(|e| ImportError::Malformed {
        format: format.to_string(),
        line: e.line,
        column: e.column,
        message: e.message,
    })?;
    if records.is_empty() {
        return Err(ImportError::NotThisFormat {
            format: format.to_string(),
            line: 1,
            message: "the file is empty; an export starts with a header line".into(),
        });
    }
    let head = records.remove(0);
    Ok((Header::new(&head.fields, head.line), records))
}

/// Reads a time cell: `Ok(None)` when empty, `Err` with the report message
/// (`Created "31/Feb/24" is not a date`) when it is not a time.
fn time_cell(
    fields: &[String],
    idx: Option<usize>,
    column: &str,
    options: &ImportOptions,
) -> Result<Option<Timestamp>, String> {
    let Some(text) = cell(fields, idx) else { return Ok(None) };
    match time::parse(text, options.utc_offset, options.date_order) {
        Some(t) => Ok(Some(t)),
        None => Err(format!("{column} \"{}\" is not a date", text.escape_debug())),
    }
}
