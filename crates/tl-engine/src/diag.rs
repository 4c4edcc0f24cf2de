//! Diagnostics: what the loader and the linter report, with where and why.
//!
//! A diagnostic points at a `Loc` (file, line, column). The engine knows files
//! only by `FileId`; the workspace's source map turns them into paths and
//! snippets when the diagnostic is rendered.

use std::fmt;

/// An index into the workspace's list of source files.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(pub u32);

/// A position in a source file. Lines and columns are 1-based; line 0 means
/// "no position" (an entity built in code, or a workspace-wide finding).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Loc {
    pub file: FileId,
    pub line: u32,
    pub col: u32,
}

impl Loc {
    /// The location of something that has no place in a file.
    pub const NONE: Loc = Loc { file: FileId(u32::MAX), line: 0, col: 0 };

    pub fn new(file: FileId, line: u32, col: u32) -> Loc {
        Loc { file, line, col }
    }

    /// Whether this location points into a file.
    pub fn is_known(&self) -> bool {
        self.line > 0 && self.file.0 != u32::MAX
    }
}

/// How bad a finding is. Ordered from least to most severe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem found in a workspace.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    /// The stable id of the rule or load check that produced it, e.g. `kr-time-bound`.
    pub rule: &'static str,
    pub severity: Severity,
    /// What is wrong, naming the offending entity.
    pub message: String,
    pub loc: Loc,
    /// How to fix it.
    pub hint: Option<String>,
    /// Other places that explain the problem (the first definition of a duplicate id, ...).
    pub related: Vec<(Loc, String)>,
}

impl Diagnostic {
    pub fn new(rule: &'static str, severity: Severity, loc: Loc, message: impl Into<String>) -> Self {
        Diagnostic { rule, severity, message: message.into(), loc, hint: None, related: Vec::new() }
    }

    pub fn error(rule: &'static str, loc: Loc, message: impl Into<String>) -> Self {
        Self::new(rule, Severity::Error, loc, message)
    }

    pub fn warning(rule: &'static str, loc: Loc, message: impl Into<String>) -> Self {
        Self::new(rule, Severity::Warning, loc, message)
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn with_related(mut self, loc: Loc, note: impl Into<String>) -> Self {
        self.related.push((loc, note.into()));
        self
    }
}

/// Sorts diagnostics into the order a reader expects: by file, line and
/// column. The sort is stable, so findings at one place keep the order the
/// checks made them in (which is deterministic).
pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by_key(|d| (d.loc.file, d.loc.line, d.loc.col));
}

/// The closest candidate to `word`, if one is close enough to be a likely typo.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<(f64, &str)> = None;
    for candidate in candidates {
        let score = strsim::jaro_winkler(word, candidate);
        if score > 0.8 && best.is_none_or(|(s, _)| score > s) {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, c)| c)
}
