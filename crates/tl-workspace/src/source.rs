//! The files of a workspace as they were read, for snippets and paths.

use std::path::PathBuf;
use tl_engine::{FileId, Loc};

/// One file's text, with its line starts indexed.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// The path as shown to users (the workspace folder joined with the
    /// file's relative path).
    pub path: PathBuf,
    pub text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub fn new(path: PathBuf, text: String) -> SourceFile {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        SourceFile { path, text, line_starts }
    }

    /// The text of a 1-based line, without its line break.
    pub fn line(&self, line: u32) -> Option<&str> {
        let idx = (line as usize).checked_sub(1)?;
        let start = *self.line_starts.get(idx)?;
        let end = self.line_starts.get(idx + 1).copied().unwrap_or(self.text.len());
        Some(self.text[start..end].trim_end_matches(['\n', '\r']))
    }
}

/// Every file of a workspace, indexed by `FileId`.
#[derive(Clone, Debug, Default)]
pub struct Sources {
    pub files: Vec<SourceFile>,
}

impl Sources {
    pub fn get(&self, file: FileId) -> Option<&SourceFile> {
        self.files.get(file.0 as usize)
    }

    /// `path:line:column`, or the path alone, or nothing for a workspace-wide location.
    pub fn describe(&self, loc: Loc) -> Option<String> {
        let file = self.get(loc.file)?;
        if loc.line == 0 {
            return Some(file.path.display().to_string());
        }
        Some(format!("{}:{}:{}", file.path.display(), loc.line, loc.col))
    }

    pub fn path(&self, loc: Loc) -> Option<String> {
        self.get(loc.file).map(|f| f.path.display().to_string())
    }
}
