//! Exporting the stored plan as a workspace folder.

use crate::error::AppError;
use std::path::{Path, PathBuf};
use tl_store::Store;
use tl_store::plan::is_plan_file_name;

/// What an export wrote.
#[derive(Clone, Debug, PartialEq)]
pub struct Exported {
    pub revision: i64,
    pub files: Vec<PathBuf>,
}

/// Writes the stored plan into `dir` (created if missing), one file per
/// section. The folder may hold files of an earlier export, which are
/// replaced, but no other YAML: the loader would read it as part of the plan.
pub async fn export(store: &dyn Store, dir: &Path) -> Result<Exported, AppError> {
    let files = store.plan_files().await?;
    if files.revision == 0 {
        return Err(AppError::NothingApplied);
    }
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| AppError::Io { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let mut stale = Vec::new();
    check_folder(dir, dir, &mut stale)?;
    for path in stale {
        std::fs::remove_file(&path).map_err(io(&path))?;
    }
    let mut written = Vec::new();
    for (name, text) in files.files {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(io(&path))?;
        written.push(path);
    }
    Ok(Exported { revision: files.revision, files: written })
}

/// Collects an earlier export's files in `stale`; fails on any other YAML
/// file under `root` (the loader searches folders recursively).
fn check_folder(root: &Path, dir: &Path, stale: &mut Vec<PathBuf>) -> Result<(), AppError> {
    let entries = std::fs::read_dir(dir).map_err(|source| AppError::Io { path: dir.to_path_buf(), source })?;
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || name == "target" || name == "node_modules" {
            continue;
        }
        if path.is_dir() {
            check_folder(root, &path, stale)?;
        } else if name.ends_with(".yaml") || name.ends_with(".yml") {
            if dir == root && is_plan_file_name(&name) {
                stale.push(path);
            } else {
                return Err(AppError::ExportTarget { dir: root.to_path_buf(), example: path });
            }
        }
    }
    Ok(())
}
