//! `throughline import`: read an issue-tracker or incident-tool export,
//! report it line by line, and record its work items and events in one
//! transaction.

use crate::Outcome;
use crate::output::use_color;
use std::path::{Path, PathBuf};
use tl_app::import::{ImportFormat, check_mappings, record_import};
use tl_app::{AppError, open_store};
use tl_engine::{Diagnostic, FileId};
use tl_store::{Counts, EventCounts};
use tl_workspace::import::{ImportError, ImportOptions, Imported, Mappings, parse_mappings};
use tl_workspace::render;
use tl_workspace::source::{SourceFile, Sources};

/// Import an export from an issue tracker or an incident tool.
///
/// Reads the file, prints what it read, skipped and rejected, and why, line
/// by line, and records the work items, pull requests and incidents in one
/// transaction. Every item is keyed by its natural key, so importing the same
/// file again reports everything unchanged. A malformed file (broken quoting,
/// broken JSON, a missing required column) writes nothing and exits 2 with
/// its place. Rejected rows are reported and the rest is imported (exit 0).
/// `--mapping` rules that name a team, initiative or milestone missing from
/// the stored plan are refused (exit 2).
#[derive(clap::Args)]
pub struct Args {
    /// The export: `jira` (issue CSV), `github` (issues and pull requests as
    /// JSON, from `gh` or the REST API), `pagerduty` (incident CSV) or
    /// `opsgenie` (alert CSV).
    #[arg(value_enum)]
    pub kind: Kind,
    /// The exported file.
    pub file: PathBuf,
    /// YAML mapping rules tying labels, components, epics, repositories or
    /// services to teams, initiatives and milestones.
    #[arg(long, value_name = "RULES.yaml")]
    pub mapping: Option<PathBuf>,
    /// The GitHub repository (`owner/name`) of a `gh` export without `url`.
    #[arg(long, value_name = "OWNER/NAME")]
    pub repository: Option<String>,
    /// The database: a file path, sqlite://PATH or postgres://USER@HOST/DB.
    #[arg(long, env = "THROUGHLINE_DATABASE_URL", default_value = tl_app::DEFAULT_DATABASE_URL, hide_env_values = true)]
    pub database_url: String,
    /// Read and report only: the database is not opened, nothing is written.
    #[arg(long)]
    pub dry_run: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: ReportFormat,
}

/// The export formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    Jira,
    Github,
    Pagerduty,
    Opsgenie,
}

impl Kind {
    fn format(self) -> ImportFormat {
        match self {
            Kind::Jira => ImportFormat::Jira,
            Kind::Github => ImportFormat::Github,
            Kind::Pagerduty => ImportFormat::Pagerduty,
            Kind::Opsgenie => ImportFormat::Opsgenie,
        }
    }
}

/// How the report is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// Readable text.
    Human,
    /// One JSON document on standard output.
    Json,
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let text = match std::fs::read_to_string(&args.file) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("error: cannot read `{}`: {e}", args.file.display());
            return Ok(Outcome::Unreadable);
        }
    };
    let mapping = match &args.mapping {
        Some(path) => match read_mapping(path) {
            Some(mapping) => Some(mapping),
            None => return Ok(Outcome::Unreadable),
        },
        None => None,
    };
    let options = ImportOptions {
        mappings: mapping.as_ref().map(|(m, _)| m.clone()).unwrap_or_default(),
        repository: args.repository.clone(),
        ..ImportOptions::default()
    };
    let format = args.kind.format();
    let imported = match format.read(&text, &options) {
        Ok(imported) => imported,
        Err(e) => {
            print_import_error(&args.file, &e);
            return Ok(Outcome::Unreadable);
        }
    };
    if args.dry_run {
        print_report(&args, &imported, None);
        return Ok(Outcome::Clean);
    }

    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let recorded: Result<Result<EventCounts, Vec<Diagnostic>>, AppError> = runtime.block_on(async {
        let store = open_store(Some(&args.database_url)).await?;
        let result = async {
            let diags = check_mappings(&store, &options.mappings).await?;
            if !diags.is_empty() {
                return Ok(Err(diags));
            }
            Ok(Ok(record_import(&store, format, &imported).await?))
        }
        .await;
        store.close().await;
        result
    });
    match recorded {
        Ok(Ok(counts)) => {
            print_report(&args, &imported, Some(&counts));
            Ok(Outcome::Clean)
        }
        Ok(Err(diags)) => {
            let sources = mapping.map(|(_, s)| s).unwrap_or_default();
            eprint!("{}", render::human_all(&sources, &diags, false));
            eprintln!("error: the mapping rules name what the stored plan does not have; nothing was written");
            Ok(Outcome::Unreadable)
        }
        Err(AppError::Store(e @ tl_store::Error::Invalid(_))) => {
            eprintln!("error: the store refused the import, nothing was written: {e}");
            Ok(Outcome::Unreadable)
        }
        Err(AppError::Store(e)) => {
            eprintln!("error: cannot use the database: {e}");
            Ok(Outcome::Unreadable)
        }
        Err(e) => Err(e.into()),
    }
}

/// The mapping rules and their source (for locating diagnostics), or `None`
/// after printing why they cannot be used.
fn read_mapping(path: &Path) -> Option<(Mappings, Sources)> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("error: cannot read the mapping file `{}`: {e}", path.display());
            return None;
        }
    };
    let sources = Sources { files: vec![SourceFile::new(path.to_path_buf(), text.clone())] };
    match parse_mappings(FileId(0), &text) {
        Ok(mappings) => Some((mappings, sources)),
        Err(diags) => {
            eprint!("{}", render::human_all(&sources, &diags, use_color()));
            eprintln!("error: the mapping file has errors; nothing was imported");
            None
        }
    }
}

fn print_import_error(file: &Path, e: &ImportError) {
    let file = file.display();
    match e {
        ImportError::Malformed { format, line, column, message } => {
            eprintln!("error: {file}:{line}:{column}: malformed {format}: {message}");
            eprintln!("  hint: import the export as the tool wrote it; nothing was written");
        }
        ImportError::NotThisFormat { format, line, message } => {
            eprintln!("error: {file}:{line}: not {format}: {message}");
            eprintln!("  hint: check the export kind (jira, github, pagerduty, opsgenie); nothing was written");
        }
    }
}

/// The kinds the import held, with what recording each did.
fn recorded_kinds<'a>(imported: &Imported, counts: &'a EventCounts) -> Vec<(&'static str, &'a Counts)> {
    let mut out = Vec::new();
    if !imported.work_items.is_empty() {
        out.push(("work items", &counts.work_items));
    }
    if !imported.pull_requests.is_empty() {
        out.push(("pull requests", &counts.pull_requests));
    }
    if !imported.incidents.is_empty() {
        out.push(("incidents", &counts.incidents));
    }
    out
}

fn print_report(args: &Args, imported: &Imported, counts: Option<&EventCounts>) {
    let report = &imported.report;
    match args.format {
        ReportFormat::Json => {
            let lines: Vec<serde_json::Value> = report
                .lines
                .iter()
                .map(|l| serde_json::json!({"line": l.line, "outcome": l.outcome.as_str(), "message": l.message}))
                .collect();
            let recorded = counts.map(|c| {
                let kinds = recorded_kinds(imported, c);
                let map: serde_json::Map<String, serde_json::Value> = kinds
                    .into_iter()
                    .map(|(name, c)| {
                        let value =
                            serde_json::json!({"inserted": c.inserted, "updated": c.updated, "unchanged": c.unchanged});
                        (name.replace(' ', "_"), value)
                    })
                    .collect();
                serde_json::Value::Object(map)
            });
            let doc = serde_json::json!({
                "file": args.file.display().to_string(),
                "format": report.format,
                "read": report.read,
                "imported": report.imported,
                "skipped": report.skipped,
                "rejected": report.rejected,
                "unmapped": report.unmapped,
                "remarks": report.remarks,
                "lines": lines,
                "dry_run": args.dry_run,
                "recorded": recorded,
            });
            println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        }
        ReportFormat::Human => {
            print!("{report}");
            match counts {
                None => println!("dry run: nothing was written"),
                Some(c) => {
                    let parts: Vec<String> = recorded_kinds(imported, c)
                        .into_iter()
                        .map(|(name, c)| {
                            format!("{name} {} new, {} updated, {} unchanged", c.inserted, c.updated, c.unchanged)
                        })
                        .collect();
                    if parts.is_empty() {
                        println!("recorded: nothing to record");
                    } else {
                        println!("recorded: {}", parts.join("; "));
                    }
                }
            }
        }
    }
}
