//! Integration tests of the workspace format: data-driven rule fixtures, the
//! example organisation, the JSON Schema, round trips and robustness.

mod fixtures;
mod import;
mod import_fuzz;
mod props;
mod workspaces;

use std::path::{Path, PathBuf};

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repo root")
}

/// Compares `actual` with the file at `path`; with `UPDATE_EXPECT=1`, rewrites
/// the file instead. Review the diff of rewritten files before committing.
pub fn expect_file(path: &Path, actual: &str) {
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(path, actual).expect("write expected file");
        return;
    }
    let expected = std::fs::read_to_string(path).unwrap_or_default();
    if expected != actual {
        panic!(
            "{} differs from the actual output (run with UPDATE_EXPECT=1 to accept):\n--- expected\n{expected}\n--- actual\n{actual}",
            path.display()
        );
    }
}
