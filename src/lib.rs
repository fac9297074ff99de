//! rolesite: a role allocation table (役割分担表) → a static, cross-linked site.
//!
//! The pipeline reads top to bottom: config → read → assemble → check → index → pages →
//! render → links → write. Only `read`, `pages` and `theme` read files; only `write` writes.

pub mod assemble;
pub mod baseline;
pub mod changes;
pub mod check;
pub mod config;
pub mod diag;
pub mod export;
pub mod files;
pub mod hash;
pub mod html;
pub mod index;
pub mod links;
pub mod manifest;
pub mod model;
pub mod pages;
pub mod previous;
pub mod progress;
pub mod read;
pub mod rebuild;
pub mod render;
pub mod search;
pub mod theme;
pub mod urls;
pub mod wareki;
pub mod write;

use assemble::columns::Strictness;
use assemble::Source;
use config::Project;
use diag::{Error, Result};
use model::Table;
use rayon::prelude::*;
use read::catalog::Catalog;
use std::sync::Arc;

/// The table with the catalog it was read against.
pub struct Loaded {
    pub table: Table,
    pub catalog: Catalog,
}

/// Read every input and the catalog into one checked table. Error findings stay in
/// `table.findings`; callers decide whether they stop the run.
pub fn load(project: &Project) -> Result<Loaded> {
    let mut findings = Vec::new();
    let catalog = Catalog::load(&project.source_dir(&project.config.seeds)?, &mut findings)?;
    Error::from_findings(&findings)?;
    let mut sources = Vec::new();
    for input in project.inputs()? {
        let raw = read::read_input(&input.path, &input.sheets)?;
        let strictness = if raw.document.is_some() { Strictness::Seed } else { Strictness::Clean };
        sources.push(Source { raw, overrides: input.overrides, strictness });
    }
    if sources.is_empty() {
        return Err(Error::at(
            diag::Code::NoInput,
            diag::Location::file_only(&project.seeds()),
            "no role table found: put a .txt, .csv or .xlsx table in seeds/ or list inputs in site.toml",
        ));
    }
    let mut table = assemble::assemble(sources, catalog.clone(), project);
    check::check(&mut table, &catalog);
    table.findings.extend(findings);
    Ok(Loaded { table, catalog })
}

/// The whole site in memory, checked, not yet written.
pub struct Rendered {
    pub table: Table,
    /// A hash of what else the pages were made from (`render::context_key`); 0 for a build
    /// no next build takes over from.
    pub context: u128,
    pub pages: Vec<render::Page>,
    /// Every citable URL, as `urls.json` (among `pages`) lists it, with a hash of the
    /// pages' listings it was made from (see `publish_manifest`).
    pub manifest: (u128, Arc<manifest::Manifest>),
    /// What the link check found in each of `pages` (ids, links), by place.
    pub found: Vec<Option<links::Found>>,
    /// The files of the previous build (when one is known) that `pages` no longer has.
    pub gone: Vec<String>,
    /// What was made from the whole table, for the next build to take over in part.
    pub memo: previous::Memo,
    /// How long each stage took, in pipeline order, for `--verbose`.
    pub stages: Vec<(&'static str, std::time::Duration)>,
}

/// How a build relates to the ones before and after it.
#[derive(Clone, Copy, Default)]
pub struct Memory<'a> {
    /// The last good build, when a watching process kept one: only what changed is
    /// rendered and checked again.
    pub previous: Option<&'a previous::Previous>,
    /// Keep what the next build needs to do the same (a watching process).
    pub remember: bool,
    /// Where to report how far the build got (a person at a terminal).
    pub progress: Option<&'a dyn progress::Progress>,
    /// Where each page is written as soon as it is made (a one-off build): then the pages
    /// returned hold no bytes, and the site never stands in memory whole.
    pub sink: Option<&'a write::Sink<'a>>,
}

/// Everything but the write: `check` of the data, then the site rendered, its links checked
/// and its URLs held to the previously published site's (`baseline`).
pub fn render_site(project: &Project, baseline: &baseline::Baseline, memory: Memory) -> Result<Rendered> {
    let previous = memory.previous;
    let mut clock = Stages::default();
    if let Some(p) = memory.progress {
        p.stage("読み込み", None);
    }
    // The narrative pages, the theme and the URL files need nothing from the table: they
    // are read beside it.
    let (loaded, inputs) = rayon::join(
        || load(project),
        || -> Result<_> { Ok((pages::load(project)?, theme::load(project)?, read::continuity::load(project)?)) },
    );
    let Loaded { table, catalog } = loaded?;
    Error::from_findings(&table.findings)?;
    let (content, theme, continuity) = inputs?;
    // What the last build of a watching session made, with the rows changed since: what
    // the edit left alone is taken over.
    let changed = previous.map(|p| p.changed_rows(&table)).unwrap_or_default();
    let last = previous.map(|p| (&p.table, &p.memo, changed.as_slice()));
    // Only a build kept for the next needs to know what else its pages were made from.
    let context = match memory.remember {
        true => render::context_key(project, &content, &theme, &continuity),
        false => 0,
    };
    // After an edit of rows in place, only the pages that can show it are made again.
    let edited = previous.and_then(|p| p.rows_edited(&table, context, &changed));
    clock.lap("read and check");
    // The search index needs none of the pages: it is made beside everything else; and
    // `data/roles.json`, `data/roles.csv` and the changes beside the pages (see
    // `render::render`).
    let export = || -> Result<export::Exported> {
        let kept = last.map(|(_, m, changed)| (m.roles.as_slice(), changed));
        let (roles_json, roles) = export::roles_json(&table, &project.root, kept);
        let last_changes = last.map(|(t, m, changed)| (t, &m.changes, changed));
        let changes = changes::for_build(baseline, &table, &roles_json, &continuity, last_changes)?;
        // Each row's entry is kept only for a next build to take over.
        let roles = if memory.remember { roles } else { Vec::new() };
        let kept = last.map(|(_, m, changed)| (&m.csv, changed));
        let (roles_csv, csv) = export::roles_csv(&table, kept, memory.remember);
        Ok(export::Exported { roles_json, roles, roles_csv, csv, changes })
    };
    let (search, pages) = rayon::join(
        || search::index_js(&table, &content, last.map(|(_, m, changed)| (&m.search, changed)), memory.remember),
        || -> Result<_> {
            let index = index::build(&table, &catalog);
            let site = render::Site {
                project,
                table: &table,
                index: &index,
                content: &content,
                theme: &theme,
                previous,
                remember: memory.remember,
                continuity: &continuity,
                baseline,
                fragments: Default::default(),
                progress: memory.progress,
                edited: edited.as_ref(),
                outline: Default::default(),
                sink: memory.sink,
            };
            render::render(&site, export)
        },
    );
    let (search, search_memo) = search;
    let (mut pages, exported) = pages?;
    // Only a watching process keeps what the next build could take over.
    let memo = match memory.remember {
        true => {
            previous::Memo { roles: exported.roles, csv: exported.csv, search: search_memo, changes: exported.changes }
        }
        false => Default::default(),
    };
    insert_sorted(&mut pages, render::Page::new(search::FILE, search));
    clock.lap(match memory.sink {
        Some(_) => "index, render, search and write",
        None => "index, render and search",
    });
    // The manifest joins the pages before the link check, which takes any file the last
    // build had and this one lacks as a sign that links may have broken.
    let manifest = publish_manifest(&mut pages, baseline, previous)?;
    Error::from_findings(&render::collisions(&pages, &continuity))?;
    if let Some(previous) = previous {
        pages.par_iter_mut().for_each(|p| p.unchanged = previous.has_same(p));
    }
    // The files the last build had and this one lacks: lost places for the link check,
    // files to remove for the write.
    let gone: Vec<String> = previous.map(|p| p.gone(&pages).into_iter().cloned().collect()).unwrap_or_default();
    clock.lap("manifest");
    let checked = match memory.sink {
        // The pages made after rendering go too (the data files, the search index, urls.json).
        Some(sink) => {
            pages.par_iter_mut().filter(|p| p.written.is_none()).try_for_each(|p| sink.put(p))?;
            links::check_written(&pages, |path| sink.read(path))
        }
        None => links::check(&pages, previous, &gone, memory.remember),
    };
    Error::from_findings(&checked.findings)?;
    clock.lap("link check");
    Ok(Rendered { table, context, pages, manifest, found: checked.found, gone, memo, stages: clock.laps })
}

/// List every citable page in `urls.json`, add it to the pages, and refuse the build when
/// a URL the previous manifest promised is gone. When the pages are listed as in the
/// previous build (`previous`, a watching process's), its manifest and file are taken
/// over: they are the same, and the same manifest was already held to the same baseline.
fn publish_manifest(
    pages: &mut Vec<render::Page>,
    baseline: &baseline::Baseline,
    previous: Option<&previous::Previous>,
) -> Result<(u128, Arc<manifest::Manifest>)> {
    let listed = || pages.iter().filter_map(|p| Some((&p.path, p.listing.as_ref()?)));
    let fields: Vec<&[u8]> =
        listed().flat_map(|(path, (kind, title))| [path.as_bytes(), kind.as_bytes(), title.as_bytes()]).collect();
    let key = hash::fields_key(&fields);
    let kept = previous.filter(|p| p.manifest.0 == key).and_then(|p| Some((p, p.files.get(manifest::FILE)?)));
    if let Some((previous, file)) = kept {
        insert_sorted(pages, file.page(manifest::FILE));
        return Ok((key, Arc::clone(&previous.manifest.1)));
    }
    let entries = listed().map(|(path, (kind, title))| {
        let url = urls::url_of_file(path).to_string();
        manifest::Entry { url, kind: kind.to_string(), title: title.clone() }
    });
    let manifest = manifest::Manifest::new(entries.collect());
    if let Some(published) = &baseline.manifest {
        Error::from_findings(&published.check(&manifest))?;
    }
    insert_sorted(pages, render::Page::new(manifest::FILE, manifest.to_json().into_bytes()));
    Ok((key, Arc::new(manifest)))
}

/// How many files `render_site` adds to what `render::render` made: the search index and
/// `urls.json`. (A one-off build's progress counts every file.)
const ADDED_LATER: usize = 2;

/// Add a page made after rendering at its place in path order.
fn insert_sorted(pages: &mut Vec<render::Page>, page: render::Page) {
    let at = pages.partition_point(|p| p.path < page.path);
    pages.insert(at, page);
}

/// A stopwatch that records one lap per pipeline stage.
struct Stages {
    last: std::time::Instant,
    laps: Vec<(&'static str, std::time::Duration)>,
}

impl Default for Stages {
    fn default() -> Self {
        Stages { last: std::time::Instant::now(), laps: Vec::new() }
    }
}

impl Stages {
    fn lap(&mut self, stage: &'static str) {
        let now = std::time::Instant::now();
        self.laps.push((stage, now - self.last));
        self.last = now;
    }
}

/// How a one-off build treats what came before it.
#[derive(Debug, Clone, Copy, Default)]
pub struct BuildOptions<'a> {
    /// The published site it must keep every URL of (`--previous`); default: the output's.
    pub previous: Option<&'a std::path::Path>,
    /// Let files in the output that rolesite did not write go with the old site (`--clean`).
    pub clean: bool,
}

/// Build the site into the output folder, replacing the previous one only on success. It
/// is held to the site published at `options.previous`, else to the output folder's, and
/// reports to `progress`. Pages are written as they are rendered; the last of the
/// returned stages is the swap of the new site for the old.
pub fn build(
    project: &Project,
    options: BuildOptions,
    progress: Option<&dyn progress::Progress>,
) -> Result<(Rendered, write::Written)> {
    let output = write::Output::locate(project, options.clean)?;
    settled(project, || {
        // Each page is written as it is made, into a folder beside the output that takes
        // its place only when the whole site is made and checked. Opening it first repairs
        // what a killed run left, so the baseline is read from a whole site.
        let sink = write::Sink::open(&output, progress)?;
        let baseline = match options.previous {
            Some(p) => baseline::Baseline::load_named(p)?,
            None => baseline::Baseline::load(&output.dir)?,
        };
        let rendered = render_site(project, &baseline, Memory { progress, sink: Some(&sink), ..Default::default() })?;
        Ok((rendered, sink))
    })
    .and_then(|(mut rendered, sink)| {
        let start = std::time::Instant::now();
        let written = sink.finish(&rendered.pages)?;
        rendered.stages.push(("swap", start.elapsed()));
        Ok((rendered, written))
    })
}

/// Run `attempt` (a read and render) until no source file changed while it ran: once more
/// after a change, then refuse, naming the file. What is published was read whole; and an
/// error found in a file caught half-saved is not reported as the file's.
pub fn settled<T>(project: &Project, mut attempt: impl FnMut() -> Result<T>) -> Result<T> {
    for tries in 1.. {
        let before = read::Stamp::of(project);
        let made = attempt();
        let after = read::Stamp::of(project);
        let Some(changed) = after.changed_since(&before) else { return made };
        if tries == 2 {
            let message = "changed while rolesite read it, twice: nothing was published; build again once it is saved";
            return Err(Error::at(diag::Code::InputChanged, diag::Location::file_only(changed), message));
        }
    }
    unreachable!("the loop returns by its second try")
}

/// Each stage's time, one line each, for `--verbose`.
pub fn stage_lines(stages: &[(&'static str, std::time::Duration)]) -> String {
    stages.iter().map(|(s, t)| format!("{s:>16}: {:>7.1} ms\n", t.as_secs_f64() * 1000.0)).collect()
}
