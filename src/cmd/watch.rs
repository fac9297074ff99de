//! Rebuild when the project changes: seeds/, content/, themes/, static/, revisions/ and site.toml are
//! watched (notify, debounced so an editor's burst of writes is one rebuild). Each rebuild
//! is the library's (`rolesite::rebuild`); `serve` runs the watcher in a process of its
//! own, which tells it each outcome as a [`Report`].

use notify::RecursiveMode;
use notify_debouncer_full::{new_debouncer, DebounceEventResult};
use rolesite::config::{Project, CONFIG_FILE};
use rolesite::rebuild::{Outcome, Session};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, Sender};
use std::time::Duration;

/// What a rebuilding process tells `serve`, one JSON line each on its stdout (`build
/// --watch --for-serve`): the stages' times stay behind, as `serve` prints none.
#[derive(Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Report {
    Watching,
    Built { written: usize, unchanged: usize, removed: usize, ms: u64 },
    Failed(String),
}

impl From<Event<'_>> for Report {
    fn from(event: Event) -> Report {
        match event {
            Event::Watching => Report::Watching,
            Event::Built(&Outcome::Built { written, unchanged, removed, ms, .. }) => {
                Report::Built { written, unchanged, removed, ms: u64::try_from(ms).unwrap_or(u64::MAX) }
            }
            Event::Built(Outcome::Failed(e)) => Report::Failed(e.clone()),
        }
    }
}

impl Report {
    /// The rebuild's outcome, when this reports one.
    pub fn outcome(self) -> Option<Outcome> {
        match self {
            Report::Watching => None,
            Report::Built { written, unchanged, removed, ms } => {
                Some(Outcome::Built { written, unchanged, removed, ms: ms.into(), stages: Vec::new() })
            }
            Report::Failed(e) => Some(Outcome::Failed(e)),
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

/// What a watcher tells its caller: it is watching the project (once, when it starts), or
/// what a rebuild did.
pub enum Event<'a> {
    Watching,
    Built(&'a Outcome),
}

/// What wakes the watch loop: the project changed, or the caller asks it to stop.
enum Wake {
    Changed(DebounceEventResult),
    Stop,
}

/// Ends a [`Watcher`]'s run from another thread. A rebuild under way finishes first, so
/// the output folder is never left halfway through an update.
#[derive(Clone)]
pub struct Stop(Sender<Wake>);

impl Stop {
    pub fn stop(&self) {
        let _ = self.0.send(Wake::Stop);
    }
}

/// Rebuilds the project on every change, until stopped.
pub struct Watcher {
    tx: Sender<Wake>,
    rx: Receiver<Wake>,
}

impl Default for Watcher {
    fn default() -> Watcher {
        let (tx, rx) = std::sync::mpsc::channel();
        Watcher { tx, rx }
    }
}

impl Watcher {
    pub fn stopper(&self) -> Stop {
        Stop(self.tx.clone())
    }

    /// Watch the project and tell `on` when watching begins and after every rebuild, until
    /// stopped (or, without a [`Stop`], until the process ends).
    pub fn run(
        self,
        dir: &Path,
        output: Option<&Path>,
        session: &mut Session,
        mut on: impl FnMut(Event),
    ) -> anyhow::Result<()> {
        // Events name absolute paths; so must the folders they are compared with.
        let dir = &std::path::absolute(dir)?;
        let tx = self.tx.clone();
        let mut debouncer = new_debouncer(Duration::from_millis(20), None, move |r| {
            let _ = tx.send(Wake::Changed(r));
        })?;
        // The root only for site.toml and for watched folders that appear later.
        debouncer.watch(dir, RecursiveMode::NonRecursive)?;
        let mut watched: Vec<PathBuf> = Vec::new();
        let mut project = watch_sources(dir, &mut debouncer, &mut watched);
        on(Event::Watching);
        loop {
            let events = match self.rx.recv() {
                Ok(Wake::Changed(Ok(events))) => events,
                Ok(Wake::Changed(Err(errors))) => {
                    errors.iter().for_each(|e| eprintln!("watch: {e}"));
                    continue;
                }
                Ok(Wake::Stop) | Err(_) => return Ok(()),
            };
            if changes_project(&events, dir, &project) {
                // Reported before the session keeps the build: open pages reload without
                // waiting for that bookkeeping.
                let (outcome, made) = session.attempt(dir, output);
                on(Event::Built(&outcome));
                session.keep(made);
            }
            project = watch_sources(dir, &mut debouncer, &mut watched);
        }
    }
}

/// The project as it now stands, its source folders watched (those that appeared since
/// last time added, those gone forgotten).
fn watch_sources(dir: &Path, debouncer: &mut Debouncer, watched: &mut Vec<PathBuf>) -> Project {
    let project =
        Project::load(dir).unwrap_or_else(|_| Project { root: dir.to_path_buf(), config: Default::default() });
    for folder in sources(&project) {
        if folder.is_dir() && !watched.contains(&folder) && debouncer.watch(&folder, RecursiveMode::Recursive).is_ok() {
            watched.push(folder);
        }
    }
    watched.retain(|f| f.is_dir());
    project
}

type Debouncer = notify_debouncer_full::Debouncer<notify::RecommendedWatcher, notify_debouncer_full::RecommendedCache>;

fn sources(project: &Project) -> [PathBuf; 5] {
    let c = &project.config;
    [&c.seeds, &c.content, &c.themes, &c.static_files, &c.revisions].map(|f| project.path(f))
}

/// Whether a batch of events wrote to the project: `site.toml`, or a file under a source
/// folder that is not an editor's scratch file. Reads are events too (the rebuild's own
/// reads among them), and do not count.
fn changes_project(events: &[notify_debouncer_full::DebouncedEvent], dir: &Path, project: &Project) -> bool {
    let writes = events.iter().filter(|e| !matches!(e.kind, notify::EventKind::Access(_)));
    writes.flat_map(|e| &e.paths).filter(|p| !is_scratch(p)).any(|p| {
        p.file_name().is_some_and(|n| n == CONFIG_FILE) && p.parent() == Some(dir)
            || sources(project).iter().any(|f| p.starts_with(f))
    })
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
