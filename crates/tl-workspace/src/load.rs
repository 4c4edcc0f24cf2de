//! Reading a workspace folder: find the YAML files, parse and decode them in
//! parallel, merge them into one model, and validate it.

use crate::decode::Decoder;
use crate::sections::{Part, decode_document, merge};
use crate::source::{SourceFile, Sources};
use crate::yaml;
use std::path::{Path, PathBuf};
use tl_engine::{Diagnostic, FileId, Loc, Model, Severity};

/// A loaded workspace: its files, the model, and every problem found.
pub struct Workspace {
    pub sources: Sources,
    pub model: Model,
    pub diagnostics: Vec<Diagnostic>,
}

impl Workspace {
    /// Whether some input could not be read at all (unreadable file or YAML
    /// syntax error), as opposed to read but wrong.
    pub fn unreadable(&self) -> bool {
        self.diagnostics.iter().any(|d| d.rule == "io-error" || d.rule == "yaml-syntax")
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.diagnostics.iter().filter(|d| d.severity == severity).count()
    }

    pub fn has_errors(&self) -> bool {
        self.count(Severity::Error) > 0
    }
}

/// Loads every `*.yaml`/`*.yml` file under `root` (or `root` itself if it is a file).
pub fn load(root: &Path) -> Workspace {
    let mut diagnostics = Vec::new();
    let mut paths = Vec::new();
    if root.is_file() {
        paths.push(root.to_path_buf());
    } else if root.is_dir() {
        find_yaml(root, &mut paths, &mut diagnostics);
        paths.sort();
    } else {
        diagnostics.push(
            Diagnostic::error("io-error", Loc::NONE, format!("`{}` is not a file or folder", root.display()))
                .with_hint(
                    "pass the folder that holds the workspace's YAML files, e.g. `throughline check examples/acme`",
                ),
        );
    }
    if paths.is_empty() && diagnostics.is_empty() {
        diagnostics.push(
            Diagnostic::error(
                "io-error",
                Loc::NONE,
                format!("no *.yaml or *.yml files found under `{}`", root.display()),
            )
            .with_hint("run `throughline init` to create a starting workspace"),
        );
    }
    let mut files = Vec::with_capacity(paths.len());
    for path in paths {
        match std::fs::read(&path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => files.push((path, text)),
                Err(e) => diagnostics.push(
                    Diagnostic::error(
                        "io-error",
                        Loc::NONE,
                        format!(
                            "`{}` is not UTF-8 text (invalid byte at offset {})",
                            path.display(),
                            e.utf8_error().valid_up_to()
                        ),
                    )
                    .with_hint("save the file as UTF-8"),
                ),
            },
            Err(e) => diagnostics.push(
                Diagnostic::error("io-error", Loc::NONE, format!("cannot read `{}`: {e}", path.display()))
                    .with_hint("check that the file exists and is readable"),
            ),
        }
    }
    // A file that could not be read leaves the model incomplete: validate
    // what was read, but do not lint it.
    let lint = !diagnostics.iter().any(|d| d.severity == Severity::Error);
    let mut ws = load_files(files, lint);
    diagnostics.append(&mut ws.diagnostics);
    ws.diagnostics = diagnostics;
    tl_engine::diag::sort(&mut ws.diagnostics);
    ws
}

fn find_yaml(dir: &Path, out: &mut Vec<PathBuf>, diags: &mut Vec<Diagnostic>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            diags.push(Diagnostic::error(
                "io-error",
                Loc::NONE,
                format!("cannot read folder `{}`: {e}", dir.display()),
            ));
            return;
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') || name == "target" || name == "node_modules" {
            continue;
        }
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            find_yaml(&path, out, diags);
        } else if name.ends_with(".yaml") || name.ends_with(".yml") {
            out.push(path);
        }
    }
}

/// Loads a workspace from file texts already in memory (no IO).
pub fn load_texts(files: Vec<(PathBuf, String)>) -> Workspace {
    load_files(files, true)
}

fn load_files(files: Vec<(PathBuf, String)>, lint: bool) -> Workspace {
    let sources = Sources { files: files.into_iter().map(|(p, t)| SourceFile::new(p, t)).collect() };
    // Parse and decode files in parallel; merge in file order so the result
    // does not depend on the thread count.
    let n_threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(sources.files.len().max(1));
    let chunk = sources.files.len().div_ceil(n_threads).max(1);
    let results: Vec<(Part, Vec<Diagnostic>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = sources
            .files
            .chunks(chunk)
            .enumerate()
            .map(|(c, files)| {
                scope.spawn(move || {
                    files
                        .iter()
                        .enumerate()
                        .map(|(i, f)| decode_file(FileId((c * chunk + i) as u32), &f.text))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_default()).collect()
    });
    let mut diagnostics = Vec::new();
    let mut parts = Vec::with_capacity(results.len());
    for (part, mut diags) in results {
        parts.push(part);
        diagnostics.append(&mut diags);
    }
    let model = merge(parts, &mut diagnostics);
    if !diagnostics.iter().any(|d| d.rule == "yaml-syntax") {
        // Decoding errors leave placeholders in the model: validate the
        // references but do not lint a model we know is incomplete.
        if !lint || diagnostics.iter().any(|d| d.severity == Severity::Error) {
            let index = tl_engine::validate::Index::new(&model);
            diagnostics.extend(tl_engine::validate::validate(&model, &index));
        } else {
            diagnostics.extend(tl_engine::check(&model));
        }
    }
    tl_engine::diag::sort(&mut diagnostics);
    Workspace { sources, model, diagnostics }
}

fn decode_file(file: FileId, text: &str) -> (Part, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut part = Part::default();
    match yaml::parse(file, text) {
        Ok(docs) => {
            let mut decoder = Decoder::new(&mut diags);
            for doc in &docs {
                decode_document(&mut decoder, doc, &mut part);
            }
        }
        Err(e) => diags.push(
            Diagnostic::error("yaml-syntax", e.loc, format!("invalid YAML: {}", e.message))
                .with_hint("check the indentation (spaces, not tabs) and that quotes and brackets are closed"),
        ),
    }
    (part, diags)
}
