//! Rebuilding a site again and again (a watching process): the session keeps the last good
//! build, so each rebuild renders, checks and writes only what changed, and a failed one
//! leaves the last good site in place. What calls for a rebuild (a file watcher, `serve`)
//! is the program's; this is what a rebuild is.

use crate::baseline::Baseline;
use crate::config::Project;
use crate::pipeline::{self, Rendered};
use crate::reuse::LastBuild;
use std::path::Path;
use std::time::Instant;

/// What one rebuild did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Built {
        written: usize,
        unchanged: usize,
        removed: usize,
        ms: u128,
        /// How long each stage took, for `--verbose`.
        stages: Vec<pipeline::Stage>,
    },
    /// The error as `file:line: …`, already printed.
    Failed(String),
}

impl Outcome {
    /// Each stage's time, one per line, for `--verbose`.
    pub fn stages(&self) -> String {
        match self {
            Outcome::Built { stages, .. } => pipeline::stage_lines(stages),
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

/// What a watching process keeps from one rebuild to the next.
#[derive(Default)]
pub struct Session {
    /// The last good build, which the next one updates.
    pub last: Option<LastBuild>,
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
            return Ok(Session { last: None, baseline: Baseline::load_named(previous)?, clean });
        }
        // A project that does not load yet has no site to hold to; its error comes with
        // the first build.
        let Ok(project) = project(dir, output) else { return Ok(Session { clean, ..Default::default() }) };
        let out = crate::write::Output::locate(&project, clean)?;
        // What could not be cleaned up is for the first build to report, as its own write does.
        let _ = crate::write::repair(&out)?;
        Ok(Session { last: None, baseline: Baseline::load(&out.dir)?, clean })
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

/// Build once, reporting instead of stopping on error. The session's last build is
/// what this one updates: the first build, and any after the output folder was replaced
/// behind our back, write the whole site atomically; the others render, check and write
/// only what changed. A failed rebuild leaves the session as it was, like the site on disk.
pub fn rebuild(dir: &Path, output: Option<&Path>, session: &mut Session) -> Outcome {
    let (outcome, made) = session.attempt(dir, output);
    session.keep(made);
    outcome
}

/// What a good build leaves for the session to remember ([`Session::keep`]): the output
/// folder and the site; and the files it replaced, removed once it has been reported.
pub struct Attempt(Option<Good>);

impl Session {
    /// One rebuild, leaving the site it made for [`Session::keep`]: a watcher reports
    /// first, so open pages reload without waiting for that bookkeeping.
    pub fn attempt(&mut self, dir: &Path, output: Option<&Path>) -> (Outcome, Attempt) {
        let (outcome, made) = build_once(dir, output, self);
        (outcome, Attempt(made))
    }

    /// Remember a good build for the next (a failed one leaves the session as it was).
    pub fn keep(&mut self, made: Attempt) {
        if let Some((out, rendered, retired)) = made.0 {
            let Rendered { table, pages, next, .. } = rendered;
            self.last = Some(LastBuild::new(&out, table, pages, next.unwrap_or_default()));
            drop(retired);
        }
    }
}

type Good = (std::path::PathBuf, Rendered, Option<crate::write::Replaced>);

fn build_once(dir: &Path, output: Option<&Path>, session: &mut Session) -> (Outcome, Option<Good>) {
    let start = Instant::now();
    let Session { last, baseline, clean } = session;
    let result = project(dir, output).and_then(|project| {
        let output = crate::write::Output::locate(&project, *clean)?;
        let out = output.dir.clone();
        // The first build, and any after the output folder was replaced, take over nothing.
        let usable = last.as_ref().filter(|l| l.still_at(&out));
        let none = LastBuild::default();
        // A whole write (the first) takes the frozen trees standing in the output over.
        let whole = usable.is_none().then_some(out.as_path());
        let run = pipeline::Run { last: Some(usable.unwrap_or(&none)), output: whole, ..Default::default() };
        let rendered = pipeline::settled(&project, || pipeline::render_site(&project, baseline, run))?;
        let written_at = Instant::now();
        let written = match usable {
            Some(_) => {
                let (pages, trees) = (&rendered.pages, &rendered.trees);
                crate::write::update(&output, pages, trees, &rendered.unchanged, &rendered.gone)
                    .map(|(w, r)| (w, Some(r)))
            }
            None => crate::write::write(&output, &rendered.pages, &rendered.trees).map(|w| (w, None)),
        };
        let Ok(written) = written else {
            // After a failed update the folder is partly new: forget it, so the next build
            // is whole.
            *last = None;
            return Err(written.unwrap_err());
        };
        let mut stages = rendered.stages.clone();
        stages.push(pipeline::Stage::ended("write", written_at.elapsed()));
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
