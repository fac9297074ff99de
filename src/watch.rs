//! Rebuild when the project changes: seeds/, content/, themes/ and site.toml are watched
//! (notify, debounced so an editor's burst of writes is one rebuild). A failed rebuild
//! leaves the last good site in place and is reported; the next good one clears it. `serve`
//! runs the watcher in a process of its own, which tells it each outcome as a [`Report`].

use crate::baseline::Baseline;
use crate::config::{Project, CONFIG_FILE};
use crate::previous::Previous;
use notify::RecursiveMode;
use notify_debouncer_full::{new_debouncer, DebounceEventResult};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, Sender};
use std::time::{Duration, Instant};

/// What one rebuild did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Built {
        written: usize,
        unchanged: usize,
        removed: usize,
        ms: u128,
        /// How long each stage took, for `--verbose`.
        stages: Vec<(&'static str, Duration)>,
    },
    /// The error as `file:line: …`, already printed.
    Failed(String),
}

impl Outcome {
    /// Each stage's time, one per line, for `--verbose`.
    pub fn stages(&self) -> String {
        match self {
            Outcome::Built { stages, .. } => crate::stage_lines(stages),
            Outcome::Failed(_) => String::new(),
        }
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outcome::Built { written, unchanged, removed, ms, .. } => {
                write!(f, "{written} written, {unchanged} unchanged, {removed} removed in {ms} ms")
            }
            Outcome::Failed(e) => write!(f, "{e}"),
        }
    }
}

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

/// What a watching process keeps from one rebuild to the next.
#[derive(Default)]
pub struct Session {
    /// The last good build, which the next one updates.
    pub previous: Option<Previous>,
    /// The site as published before the session began: its URLs must all stay, and the
    /// changes page lists the session's edits against it.
    pub baseline: Baseline,
    /// Whether files in the output that rolesite did not write may go (`--clean`).
    pub clean: bool,
}

impl Session {
    /// Read the published site before the first build replaces it: `previous` when named
    /// (`--previous`), else the output folder, once what a killed run left there is repaired.
    pub fn start(
        dir: &Path,
        output: Option<&Path>,
        previous: Option<&Path>,
        clean: bool,
    ) -> crate::diag::Result<Session> {
        if let Some(previous) = previous {
            return Ok(Session { previous: None, baseline: Baseline::load_named(previous)?, clean });
        }
        // A project that does not load yet has no site to hold to; its error comes with
        // the first build.
        let Ok(project) = project(dir, output) else { return Ok(Session { clean, ..Default::default() }) };
        let out = crate::write::Output::locate(&project, clean)?;
        crate::write::repair(&out)?.iter().for_each(|w| eprintln!("warning: {w}"));
        Ok(Session { previous: None, baseline: Baseline::load(&out.dir)?, clean })
    }
}

/// The project in `dir`, its output replaced by `output` when given.
fn project(dir: &Path, output: Option<&Path>) -> crate::diag::Result<Project> {
    let mut project = Project::load(dir)?;
    if let Some(out) = output {
        project.config.output = out.to_path_buf();
    }
    Ok(project)
}

/// Build once, reporting instead of stopping on error. The session's previous build is
/// what this one updates: the first build, and any after the output folder was replaced
/// behind our back, write the whole site atomically; the others render, check and write
/// only what changed. A failed rebuild leaves the session as it was, like the site on disk.
pub fn rebuild(dir: &Path, output: Option<&Path>, session: &mut Session) -> Outcome {
    let (outcome, kept) = build_once(dir, output, session);
    keep(session, kept);
    outcome
}

/// What a good build leaves for the session to remember: the output folder and the site;
/// and the files it replaced, to be removed once it has been reported.
type Kept = Option<(std::path::PathBuf, crate::Rendered, Option<crate::write::Retired>)>;

/// One rebuild, leaving the site it made to be remembered by [`keep`]: a watcher reports
/// first, so open pages reload without waiting for that bookkeeping.
fn build_once(dir: &Path, output: Option<&Path>, session: &mut Session) -> (Outcome, Kept) {
    let start = Instant::now();
    let Session { previous, baseline, clean } = session;
    let result = project(dir, output).and_then(|project| {
        let output = crate::write::Output::locate(&project, *clean)?;
        let out = output.dir.clone();
        let usable = previous.as_ref().filter(|p| p.still_at(&out));
        let memory = crate::Memory { previous: usable, remember: true, ..Default::default() };
        let rendered = crate::settled(&project, || crate::render_site(&project, baseline, memory))?;
        let written_at = Instant::now();
        let written = match usable {
            Some(_) => crate::write::update(&output, &rendered.pages, &rendered.gone).map(|(w, r)| (w, Some(r))),
            None => crate::write::write(&output, &rendered.pages).map(|w| (w, None)),
        };
        let Ok(written) = written else {
            // After a failed update the folder is partly new: forget it, so the next build
            // is whole.
            *previous = None;
            return Err(written.unwrap_err());
        };
        let mut stages = rendered.stages.clone();
        stages.push(("write", written_at.elapsed()));
        Ok((written, stages, out, rendered))
    });
    match result {
        Ok(((w, retired), stages, out, rendered)) => {
            let outcome = Outcome::Built {
                written: w.files - w.unchanged,
                unchanged: w.unchanged,
                removed: w.removed,
                ms: start.elapsed().as_millis(),
                stages,
            };
            (outcome, Some((out, rendered, retired)))
        }
        Err(e) => (Outcome::Failed(e.to_string()), None),
    }
}

/// Remember a good build for the next (a failed one leaves the session as it was).
fn keep(session: &mut Session, kept: Kept) {
    if let Some((out, rendered, retired)) = kept {
        session.previous = Some(Previous::new(&out, rendered));
        drop(retired);
    }
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
                let (outcome, kept) = build_once(dir, output, session);
                on(Event::Built(&outcome));
                keep(session, kept);
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

fn sources(project: &Project) -> [PathBuf; 4] {
    let c = &project.config;
    [&c.seeds, &c.content, &c.themes, &c.static_files].map(|f| project.path(f))
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
