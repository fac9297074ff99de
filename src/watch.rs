//! Rebuild when the project changes: seeds/, content/, themes/ and site.toml are watched
//! (notify, debounced so an editor's burst of writes is one rebuild). A failed rebuild
//! leaves the last good site in place and is reported; the next good one clears it.

use crate::config::{Project, CONFIG_FILE};
use notify::RecursiveMode;
use notify_debouncer_full::{new_debouncer, DebounceEventResult};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// What one rebuild did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Built {
        written: usize,
        unchanged: usize,
        removed: usize,
        ms: u128,
    },
    /// The error as `file:line: …`, already printed.
    Failed(String),
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outcome::Built { written, unchanged, removed, ms } => {
                write!(f, "{written} written, {unchanged} unchanged, {removed} removed in {ms} ms")
            }
            Outcome::Failed(e) => write!(f, "{e}"),
        }
    }
}

/// Files editors and spreadsheets keep beside the real one while saving (`.x.swp`,
/// `x~`, `~$x.xlsx`, `x.tmp`): their churn is not a change of the project.
fn is_scratch(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name.starts_with('.')
        || name.starts_with("~$")
        || name.ends_with('~')
        || [".tmp", ".swp", ".swx", ".bak", ".part"].iter().any(|s| name.ends_with(s))
}

/// Build once, reporting instead of stopping on error.
pub fn rebuild(dir: &Path, output: Option<&Path>) -> Outcome {
    let start = Instant::now();
    let result = Project::load(dir).and_then(|mut project| {
        if let Some(out) = output {
            project.config.output = out.to_path_buf();
        }
        crate::build(&project)
    });
    match result {
        Ok((_, w)) => Outcome::Built {
            written: w.files - w.unchanged,
            unchanged: w.unchanged,
            removed: w.removed,
            ms: start.elapsed().as_millis(),
        },
        Err(e) => Outcome::Failed(e.to_string()),
    }
}

/// Watch the project and call `on_build` after every rebuild, until the process ends.
pub fn watch(dir: &Path, output: Option<&Path>, mut on_build: impl FnMut(&Outcome)) -> anyhow::Result<()> {
    let (tx, rx) = std::sync::mpsc::channel::<DebounceEventResult>();
    let mut debouncer = new_debouncer(Duration::from_millis(40), None, tx)?;
    // The root only for site.toml and for watched folders that appear later.
    debouncer.watch(dir, RecursiveMode::NonRecursive)?;
    let mut watched: Vec<PathBuf> = Vec::new();
    let sources = |project: &Project| {
        let c = &project.config;
        vec![project.path(&c.seeds), project.path(&c.content), project.path(&c.themes)]
    };
    loop {
        let project =
            Project::load(dir).unwrap_or_else(|_| Project { root: dir.to_path_buf(), config: Default::default() });
        for folder in sources(&project) {
            if folder.is_dir()
                && !watched.contains(&folder)
                && debouncer.watch(&folder, RecursiveMode::Recursive).is_ok()
            {
                watched.push(folder);
            }
        }
        watched.retain(|f| f.is_dir());
        let Ok(events) = rx.recv() else { return Ok(()) };
        let events = match events {
            Ok(events) => events,
            Err(errors) => {
                errors.iter().for_each(|e| eprintln!("watch: {e}"));
                continue;
            }
        };
        let relevant = events.iter().flat_map(|e| &e.paths).filter(|p| !is_scratch(p)).any(|p| {
            p.file_name().is_some_and(|n| n == CONFIG_FILE) && p.parent() == Some(dir)
                || sources(&project).iter().any(|f| p.starts_with(f))
        });
        if relevant {
            on_build(&rebuild(dir, output));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_scratch;
    use std::path::Path;

    #[test]
    fn editor_scratch_files_are_not_changes() {
        for name in [".roles.csv.swp", "roles.csv~", "~$roles.xlsx", "roles.csv.tmp", ".#roles.csv", "x.part"] {
            assert!(is_scratch(Path::new("seeds").join(name).as_path()), "{name}");
        }
        for name in ["roles.csv", "000_cb154c5dc3bd9e83.txt", "how-to-read.md", "style.css"] {
            assert!(!is_scratch(Path::new("seeds").join(name).as_path()), "{name}");
        }
    }
}
