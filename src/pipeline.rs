//! A build, stage by stage: read → assemble → check (`load`), then plan → index → render
//! (with the data files and the search index beside it) → manifest → links → write.
//! Only `read`, `pages` and `theme` read project files, and `baseline` the published site;
//! only `write` writes. What a watching process takes over from its last build comes from
//! the reuse layer (`reuse`), which each stage that can use it is handed: no stage here
//! names the last build.

use crate::assemble::{self, columns::Strictness, Source};
use crate::baseline::Baseline;
use crate::config::Project;
use crate::diag::{self, Error, Result};
use crate::links::Summary;
use crate::manifest::{self, Manifest};
use crate::model::Table;
use crate::page::{Page, Tree};
use crate::progress::Progress;
use crate::read::{self, catalog::Catalog};
use crate::reuse::{ForNext, LastBuild, Memos, Taking};
use crate::{changes, check, export, index, links, pages, plan, render, revisions, search, theme, urls, write};
use rayon::prelude::*;
use std::sync::Arc;
use std::time::{Duration, Instant};

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
        let raw = read::read_input(&input)?;
        let strictness = if raw.document.is_some() { Strictness::Seed } else { Strictness::Clean };
        sources.push(Source { raw, overrides: input.overrides, strictness, symbols: input.symbols });
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

/// The whole site, checked; in memory, or written as it was made (`Run::sink`).
pub struct Rendered {
    pub table: Table,
    /// Every file, in path order, but those of the frozen trees taken over whole (each
    /// tree's stamp is among them, in place). Written out by the sink, they hold no bytes.
    pub pages: Vec<Page>,
    /// The frozen trees taken over whole, in path order: their files stand where they are.
    pub trees: Vec<Tree>,
    /// Every citable URL, as `urls.json` (among `pages`) lists it: held by a site made
    /// in memory (no `Run::sink`); a one-off build wrote it out.
    pub manifest: Option<Arc<Manifest>>,
    /// Which of `pages` the last build had with the same bytes, by place (a build that
    /// took over from one; else empty).
    pub unchanged: Vec<bool>,
    /// The files of the last build that `pages` no longer has.
    pub gone: Vec<String>,
    /// What the next build takes over, when this one is kept (`Run::last`).
    pub next: Option<ForNext>,
    /// How long each stage took, in pipeline order, for `--verbose`.
    pub stages: Vec<Stage>,
}

/// How one build runs.
#[derive(Clone, Copy, Default)]
pub struct Run<'a> {
    /// The last good build of a watching process (`LastBuild::default()` before its first):
    /// what it made that this build would make again is taken over, and this build is kept
    /// for the next likewise. `None` for a build nobody keeps.
    pub last: Option<&'a LastBuild>,
    /// Where to report how far the build got (a person at a terminal).
    pub progress: Option<&'a dyn Progress>,
    /// Where each page is written as soon as it is made (a one-off build): then the pages
    /// returned hold no bytes, and the site never stands in memory whole.
    pub sink: Option<&'a write::Sink<'a>>,
    /// The output folder the site will replace, for a build with no sink (a watching
    /// process's first): the frozen trees that stand whole there are taken over.
    pub output: Option<&'a std::path::Path>,
}

/// Everything but the write: `check` of the data, then the site rendered, its links checked
/// and its URLs held to the previously published site's (`baseline`).
pub fn render_site(project: &Project, baseline: &Baseline, run: Run) -> Result<Rendered> {
    render_against(project, Previous::Held(baseline), run)
}

/// The previously published site a build is held to.
#[derive(Clone, Copy)]
enum Previous<'a> {
    /// Read already (a watching process reads it once, when it starts).
    Held(&'a Baseline),
    /// To be read by the build, beside its sources: the manifest of a site with many
    /// frozen revisions takes a tenth of a second to read, on one core.
    Read(&'a (dyn Fn() -> Result<Baseline> + Sync)),
}

fn render_against(project: &Project, previous: Previous, run: Run) -> Result<Rendered> {
    let mut clock = Stages::default();
    if let Some(p) = run.progress {
        p.stage("読み込み", None);
    }
    // The narrative pages, the theme and the URL files need nothing from the table: they
    // are read beside it, on the thread pool. The published site, when the build reads it,
    // is read meanwhile by the thread that runs the build; its errors are reported before
    // theirs, as when it was read first.
    let mut sources = None;
    let read = rayon::in_place_scope(|scope| {
        scope.spawn(|_| {
            sources = Some(rayon::join(
                || load(project),
                || -> Result<_> {
                    let (content, theme) = (pages::load(project)?, theme::load(project)?);
                    let released = revisions::load(project, run.last.and_then(LastBuild::released), &|label, key| {
                        validated_before(run, label, key)
                    })?;
                    Ok((content, theme, read::continuity::load(project)?, released))
                },
            ))
        });
        match previous {
            Previous::Held(_) => Ok(None),
            Previous::Read(read) => read().map(Some),
        }
    })?;
    let (loaded, inputs) = sources.expect("read when the scope ends");
    // Read by the build exactly when not held.
    let given = match previous {
        Previous::Held(baseline) => Some(baseline),
        Previous::Read(_) => None,
    };
    let whole = read.as_ref().or(given).expect("held or read");
    let Loaded { table, catalog } = loaded?;
    Error::from_findings(&table.findings)?;
    let (content, theme, continuity, released) = inputs?;
    let revisions = &released.revisions[..];
    // The revisions' search file, the plan of the pages, and the timeline with what the last
    // build left to take over need nothing of each other: made beside each other.
    let (search_revisions, (specs, (timeline, context, taking))) = rayon::join(
        || revisions_search(&released, run),
        || {
            rayon::join(
                || plan::specs(&table, &content, &continuity, whole),
                || {
                    let timeline = revisions::Timeline::new(&released, &table, renumbered(&continuity));
                    // A build kept for the next hashes what else its pages are made from, and
                    // takes over from the last what the edit since left alone.
                    let keys: Vec<u128> = revisions.iter().map(|r| r.key).collect();
                    let context =
                        run.last.map(|_| crate::reuse::context_key(project, &content, &theme, &continuity, &keys));
                    let taking = run.last.zip(context).map(|(last, context)| Taking::new(last, &table, context));
                    (timeline, context, taking)
                },
            )
        },
    );
    let search_revisions = search_revisions?;
    let rows = taking.as_ref().map(Taking::rows);
    Error::from_findings(&plan::check_continuity(&specs, &continuity))?;
    // Each released revision's frozen pages: taken over where they stand whole, made from
    // the same inputs; else made again.
    let frozen: Vec<Frozen> = (0..revisions.len())
        .into_par_iter()
        .map(|k| frozen_plan(project, (&theme, whole.manifest.as_ref()), revisions, k, run))
        .collect();
    // Of the published manifest, a one-off build holds on only what its pages show (the
    // titles of the URLs the URL files retire) and the titles its frozen trees share:
    // the manifest's check reads the file again, line by line (`Published::check`).
    let lean = read.map(|b| b.lean(continuity.declared().map(|(url, _)| url)));
    let baseline = lean.as_ref().or(given).expect("held or read");
    clock.lap("read and check");

    // Each page made goes out at once in a one-off build.
    let done = |made: &mut render::Made| -> Result<Option<Summary>> {
        match run.sink {
            Some(sink) => sink.put(&mut made.page).map(Some),
            None => {
                run.progress.inspect(|p| p.step());
                Ok(None)
            }
        }
    };
    // The search index needs none of the pages: it is made beside everything else; and
    // `data/roles.json`, `data/roles.csv` and the changes beside the pages (see
    // `render::render`).
    let keep = run.last.is_some();
    let export = || -> Result<export::Exported> {
        let (roles_json, roles) = export::roles_json(&table, &project.root, rows.map(|(_, m, c)| (&m.roles[..], c)));
        let changes =
            changes::for_build(baseline, &table, &roles_json, &continuity, rows.map(|(t, m, c)| (t, &m.changes, c)))?;
        // Each row's entry is kept only for a next build to take over.
        let roles = if keep { roles } else { Vec::new() };
        let (roles_csv, csv) = export::roles_csv(&table, rows.map(|(_, m, c)| (&m.csv, c)), keep);
        Ok(export::Exported { roles_json, roles, roles_csv, csv, changes })
    };
    let (search, rendered) = rayon::join(
        || search::index_js(&table, &content, rows.map(|(_, m, c)| (&m.search, c)), keep),
        || -> Result<_> {
            let index = index::build(&table, &catalog);
            let site = render::Site {
                project,
                table: &table,
                index: &index,
                content: &content,
                theme: &theme,
                continuity: &continuity,
                baseline,
                reuse: taking.as_ref().map(|t| t as &dyn render::Reuse),
                fragments: Default::default(),
                outline: Default::default(),
                frozen: None,
                previous: None,
                timeline: Some(&timeline),
            };
            // Counted as each file is written: the pages, the files made beside them, the
            // frozen pages, and the search index's files and `urls.json` after them.
            if let Some(p) = run.progress {
                let files = specs.len() + render::files_beside(&site) + frozen.iter().map(Frozen::files).sum::<usize>();
                let after = search::file_count(&table, &content) + 1;
                match run.sink {
                    Some(_) => p.stage("描画・書き込み", Some((files + after) as u64)),
                    None => p.stage("描画", Some(specs.len() as u64 + 1)),
                }
            }
            let (mut made, exported) = render::render(&site, &specs, export, done)?;
            let mut trees = Vec::new();
            for (k, plan) in frozen.into_iter().enumerate() {
                match plan {
                    Frozen::Taken(tree) => {
                        let mut stamp = render::Made::file(tree.stamp.clone());
                        let summary = done(&mut stamp)?;
                        made.push((stamp, Some(summary)));
                        trees.push(tree);
                    }
                    Frozen::Made(key) => {
                        let dated = revisions[k].meta.released.as_str();
                        let written = run.sink.map(write::Sink::scratch).zip(crate::wareki::day_start(dated));
                        made.extend(frozen_pages(project, &theme, revisions, (k, key), written, &done)?)
                    }
                }
            }
            // The frozen trees stand under rev/, among the site's other folders.
            made.par_sort_by(|a, b| a.0.page.path.cmp(&b.0.page.path));
            trees.sort_by(|a, b| a.prefix.cmp(&b.prefix));
            Ok((made, exported, trees))
        },
    );
    let (search, search_memo) = search;
    let (made, exported, trees) = rendered?;
    // A one-off build writes each file of the search index at once, as it did the pages.
    let mut beside = search
        .into_iter()
        .map(|(path, bytes)| {
            let mut file = render::Made::file(Page::new(path, bytes));
            let written = run.sink.map(|sink| sink.put(&mut file.page)).transpose()?;
            Ok((file, Some(written)))
        })
        .collect::<Result<Vec<_>>>()?;
    beside.extend(search_revisions.map(|(written, page)| (render::Made::file(page), Some(written))));
    let mut pages = Vec::with_capacity(made.len() + beside.len() + 1);
    let mut summaries: Vec<Option<Summary>> = Vec::with_capacity(made.len() + beside.len() + 1);
    let mut kept = Vec::new();
    for (m, summary) in merged(made, beside) {
        summaries.push(summary.flatten());
        if keep {
            kept.push((m.key, m.fragments));
        }
        pages.push(m.page);
    }
    // The revisions are held on only for a next build: they are most of what a build of a
    // table released many times holds.
    drop(timeline);
    let released = keep.then_some(released);
    clock.lap(match run.sink {
        Some(_) => "index, render, search and write",
        None => "index, render and search",
    });

    // The manifest joins the pages before the link check, which takes any file the last
    // build had and this one lacks as a sign that links may have broken.
    // A one-off build writes its manifest out; a site kept in memory holds it.
    let held = run.sink.is_none();
    let (manifest_key, manifest_page, manifest) =
        publish_manifest(&pages, &trees, baseline.manifest.as_ref(), run, held)?;
    // A one-off build wrote it already.
    let written = run.sink.map(|_| Summary::default());
    insert_placed(&mut pages, &mut summaries, &mut kept, keep, manifest_page, written);
    Error::from_findings(&render::collisions(&pages, &trees, &continuity))?;
    let unchanged: Vec<bool> = match run.last {
        Some(last) => pages.par_iter().map(|p| p.in_place || last.has_same(p)).collect(),
        None => Vec::new(),
    };
    // The files the last build had and this one lacks: lost places for the link check,
    // files to remove for the write.
    let gone = run.last.map(|last| last.gone(&pages, &trees)).unwrap_or_default();
    clock.lap("manifest");

    let checked = match run.sink {
        // The pages made after rendering go too (the data files, the search index, urls.json).
        Some(sink) => {
            let summaries = pages
                .par_iter_mut()
                .zip(summaries)
                .map(|(page, summary)| summary.map_or_else(|| sink.put(page), Ok))
                .collect::<Result<Vec<Summary>>>()?;
            links::check_written(&pages, &trees, &summaries, |path| sink.read(path))
        }
        None => {
            let earlier = run.last.map(|last| (last as &dyn links::Earlier, unchanged.as_slice(), gone.as_slice()));
            links::check(&pages, &trees, earlier, keep)
        }
    };
    Error::from_findings(&checked.findings)?;
    clock.lap("link check");

    // Only a build kept for the next keeps what the next could take over.
    let next = context.zip(manifest.clone()).zip(released).map(|((context, manifest), released)| ForNext {
        context,
        made: kept,
        found: checked.found,
        memos: Memos { roles: exported.roles, csv: exported.csv, search: search_memo, changes: exported.changes },
        manifest: (manifest_key, manifest),
        released,
        trees: trees.clone(),
    });
    Ok(Rendered { table, pages, trees, manifest, unchanged, gone, next, stages: clock.laps })
}

/// The revisions' search file: a one-off build writes it now, made from the rows read just
/// before, rather than holding it while the pages are made. With what the link check knows
/// of it, when it was written. `None` without revisions.
fn revisions_search(released: &revisions::Released, run: Run) -> Result<Option<(Option<Summary>, Page)>> {
    if released.is_empty() {
        return Ok(None);
    }
    Ok(Some(match run.sink {
        Some(sink) => {
            let mut page = Page::new(urls::SEARCH_REVISIONS, released.search_made());
            (Some(sink.put(&mut page)?), page)
        }
        None => (None, Page::new(urls::SEARCH_REVISIONS, released.search())),
    }))
}

/// Whether the revision data of folder `label`, hashing to `key`, was validated by the
/// build that made its frozen tree where this build writes (its stamp says so): then its
/// schema is not run again. Its bytes are the same; the model's checks run all the same.
fn validated_before(run: Run, label: &str, key: u128) -> bool {
    let prefix = urls::revision(label);
    // The stamp in memory, or the start of the one in the output (not its list of files).
    let validated = match run.last.and_then(|last| last.stamp(&prefix)) {
        Some(stamp) => write::frozen::validated(&stamp),
        None => run
            .sink
            .map(write::Sink::output_dir)
            .or(run.output)
            .and_then(|out| {
                let stamp = out.join(&prefix).join(write::frozen::STAMP);
                crate::files::head(&stamp, write::frozen::VALIDATED_WITHIN).ok()
            })
            .and_then(|head| write::frozen::validated(&head)),
    };
    validated == Some(key)
}

/// Renumberings the URL files declare: an alias from one item URL to another (old → new).
pub(crate) fn renumbered(continuity: &read::continuity::Continuity) -> std::collections::BTreeMap<u32, u32> {
    let item_no = urls::item_no;
    continuity.aliases.iter().filter_map(|a| Some((item_no(&a.old)?, item_no(&a.new)?))).collect()
}

/// What a build does with a released revision's frozen pages.
enum Frozen {
    /// They stand whole in the output, made from the same inputs: taken over, unread.
    Taken(Tree),
    /// They are made, from inputs that hash to this key.
    Made(u128),
}

impl Frozen {
    /// How many files it adds to the site as it is made (for a progress total): a tree
    /// taken over is one, its stamp.
    fn files(&self) -> usize {
        match self {
            Frozen::Taken(_) => 1,
            Frozen::Made(_) => 0,
        }
    }
}

/// Whether revision `k` is taken over or made: taken over when its tree stands whole where
/// the site is written (a one-off build's output, or a watching process's last build) and
/// was made from the same revision, the one before it, the theme, the settings its pages
/// show and this version of rolesite.
fn frozen_plan(
    project: &Project,
    (theme, published): (&theme::Theme, Option<&manifest::Published>),
    revisions: &[revisions::Revision],
    k: usize,
    run: Run,
) -> Frozen {
    let rev = &revisions[k];
    let before = k.checked_sub(1).map_or(0, |j| revisions[j].key);
    let config = &project.config;
    let settings = format!("{:?}{:?}{}", config.base_url, config.citation.format, env!("CARGO_PKG_VERSION"));
    let key = crate::hash::fields_key(&[
        &rev.key.to_le_bytes(),
        &before.to_le_bytes(),
        &theme.fingerprint.to_le_bytes(),
        settings.as_bytes(),
    ]);
    let prefix = rev.prefix();
    let taken = match (run.last, run.sink) {
        (Some(last), _) => last
            .tree(&prefix, key)
            .or_else(|| write::frozen::listed(&prefix, key, last.stamp(&prefix)?))
            .or_else(|| write::frozen::in_place(run.output?, &prefix, key, &|_| None)),
        // A one-off build keeps nothing for a next one: it drops the stamps' bytes (by which
        // a watching process takes a tree over, see `Tree::stamp`), and reads the titles
        // that are as published from the published manifest.
        (None, Some(sink)) => {
            let titles = |url: &str| published?.manifest.title_at(url);
            write::frozen::in_place(sink.output_dir(), &prefix, key, &titles).map(|mut tree| {
                tree.stamp.bytes = bytes::Bytes::new();
                tree
            })
        }
        (None, None) => None,
    };
    match taken {
        Some(tree) => Frozen::Taken(tree),
        None => Frozen::Made(key),
    }
}

/// Revision `k`'s frozen pages, made from its data alone (from inputs that hashed to
/// `key`), each through `done` (with its stamp last), every URL it was released with among
/// them. `written`: where `done` wrote them, when it did, with the moment to date the
/// tree's folders to (see `write::frozen::stamp`).
fn frozen_pages(
    project: &Project,
    theme: &theme::Theme,
    revisions: &[revisions::Revision],
    (k, key): (usize, u128),
    written: Option<(&std::path::Path, i64)>,
    done: &(impl Fn(&mut render::Made) -> Result<Option<Summary>> + Sync),
) -> Result<Vec<render::Answered<Option<Summary>>>> {
    let rev = &revisions[k];
    // The size of each page is kept for the stamp: a one-off build drops its bytes.
    let sized = |m: &mut render::Made| -> Result<(u64, Option<Summary>)> {
        let size = m.page.bytes.len() as u64;
        Ok((size, done(m)?))
    };
    let mut made = frozen_site(project, theme, revisions, k, sized)?;
    released_urls(rev, made.iter().map(|(m, _)| &m.page))?;
    // The data files are made after the pages: out before the stamp, which takes the times
    // of the tree's folders as written.
    if written.is_some() {
        for (m, a) in made.iter_mut().filter(|(_, a)| a.is_none()) {
            *a = Some(sized(m)?);
        }
    }
    let files = made.iter().map(|(m, a)| {
        let size = a.as_ref().map_or(m.page.bytes.len() as u64, |(size, _)| *size);
        (m.page.path.as_str(), size, m.page.listing.as_ref())
    });
    let stamp = write::frozen::stamp(&rev.prefix(), key, rev.key, files, written);
    let mut out: Vec<_> = made.into_iter().map(|(m, a)| (m, a.map(|(_, s)| s))).collect();
    out.push((render::Made::file(stamp), None));
    Ok(out)
}

/// Revision `k`'s frozen pages, made from its data alone (and its changes from the
/// revision before), each page through `done`, the data files after them.
pub(crate) fn frozen_site<S: Send>(
    project: &Project,
    theme: &theme::Theme,
    revisions: &[revisions::Revision],
    k: usize,
    done: impl Fn(&mut render::Made) -> Result<S> + Sync,
) -> Result<Vec<render::Answered<S>>> {
    let rev = &revisions[k];
    let previous = k.checked_sub(1).map(|j| &revisions[j]);
    let table = rev.table.to_table();
    let catalog = Catalog::of(table.vendors.clone(), table.subsystems.clone());
    let index = index::build(&table, &catalog);
    let (content, continuity, baseline) = (Vec::new(), Default::default(), Baseline::default());
    let site = render::Site {
        project,
        table: &table,
        index: &index,
        content: &content,
        theme,
        continuity: &continuity,
        baseline: &baseline,
        reuse: None,
        fragments: Default::default(),
        outline: Default::default(),
        frozen: Some(rev),
        previous,
        timeline: None,
    };
    let changes = match previous {
        Some(p) => changes::between(&p.table, &table, &rev.moves()),
        None => changes::Changes::default(),
    };
    render::frozen(&site, &plan::frozen_specs(&table), &changes, done)
}

/// Every URL a revision was released with is among its frozen pages: a later rolesite
/// that would make fewer is refused, naming them where `urls.json` lists them.
fn released_urls<'p>(rev: &revisions::Revision, pages: impl Iterator<Item = &'p Page>) -> Result<()> {
    let made: std::collections::HashSet<&str> =
        pages.filter(|p| p.listing.is_some()).map(|p| p.path.as_str()).collect();
    let prefix = rev.prefix();
    let released = rev.released_urls()?;
    let findings: Vec<diag::Finding> = (released.iter())
        .filter(|e| !made.contains(urls::file_of(e.url).as_str()))
        .map(|e| {
            let message = format!("{} was released with revision {} and is not made from its data", e.url, rev.label());
            diag::Finding::error(diag::Code::Revision, diag::Location::file_only(&rev.urls_file), message)
        })
        .collect();
    debug_assert!(released.iter().all(|e| e.url.starts_with(&prefix)), "released URLs stand under {prefix}");
    Error::from_findings(&findings)
}

/// The files `made` (in path order) and those made after them (`beside`, in any order), in
/// path order: merged in one pass, not put in one at a time, which moved every page after
/// each of the search index's 173 files (a fifth of a `serve` rebuild's render stage).
fn merged<T>(
    made: Vec<(render::Made, T)>,
    mut beside: Vec<(render::Made, T)>,
) -> impl Iterator<Item = (render::Made, T)> {
    use itertools::Itertools;
    beside.sort_by(|a, b| a.0.page.path.cmp(&b.0.page.path));
    // Before a page of the same path, as a file put in by its place would go.
    made.into_iter().merge_by(beside, |m, b| m.0.page.path < b.0.page.path)
}

/// Add a file made after the others at its place in path order, with what the link check
/// knows of it when it was written.
fn insert_placed(
    pages: &mut Vec<Page>,
    summaries: &mut Vec<Option<Summary>>,
    kept: &mut Vec<(Option<u128>, render::Fragments)>,
    keep: bool,
    page: Page,
    summary: Option<Summary>,
) {
    let at = pages.partition_point(|p| p.path < page.path);
    summaries.insert(at, summary);
    if keep {
        kept.insert(at, (None, Vec::new()));
    }
    pages.insert(at, page);
}

/// List every citable page in `urls.json`, and refuse the build when a URL the previous
/// manifest promised is gone. Returns the hash of the listings, the file and, for a site
/// someone keeps (`keep`: a watching process's, or one made in memory), the manifest.
/// When the pages are listed as in the last build, its manifest and file are taken over:
/// they are the same, and the same manifest was already held to the same baseline.
fn publish_manifest(
    pages: &[Page],
    trees: &[Tree],
    published: Option<&manifest::Published>,
    run: Run,
    keep: bool,
) -> Result<(u128, Page, Option<Arc<Manifest>>)> {
    let last = run.last;
    let made = || pages.iter().filter_map(|p| Some((p.path.as_str(), p.listing.as_ref()?)));
    // A tree taken over lists what its key says it was made from: hashed by that key.
    let tree_keys: Vec<[u8; 16]> = trees.iter().map(|t| t.key.to_le_bytes()).collect();
    let fields: Vec<&[u8]> = made()
        .flat_map(|(path, (kind, title))| [path.as_bytes(), kind.as_bytes(), title.as_bytes()])
        .chain(trees.iter().zip(&tree_keys).flat_map(|(t, k)| [t.prefix.as_bytes(), &k[..]]))
        .collect();
    let key = crate::hash::fields_key(&fields);
    if let Some((page, manifest)) = last.and_then(|last| last.manifest(key)) {
        return Ok((key, page, Some(manifest)));
    }
    let made = made().map(|(path, (kind, title))| manifest::Entry { url: urls::url_of_file(path), kind, title });
    let listing = manifest::Listing::new(made, trees);
    let held = || match published {
        Some(published) => Error::from_findings(&published.check(|| listing.urls())?),
        None => Ok(()),
    };
    // A one-off build writes it as it is made (at 141,000 URLs it is some 23 MB), beside
    // the check: a site that fails it is never swapped in.
    let (held, page) = match run.sink {
        Some(sink) => rayon::join(held, || sink.put_streamed(manifest::FILE, |out| listing.write_json(out))),
        None => (held(), Ok(Page::new(manifest::FILE, listing.to_json().into_bytes()))),
    };
    held?;
    let page = page?;
    Ok((key, page, keep.then(|| Arc::new(listing.to_manifest()))))
}

/// One stage of a build as `--verbose` tells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    pub name: &'static str,
    pub time: Duration,
    /// The process's peak memory (resident) at the stage's end, in KiB, where the system
    /// tells it (Linux): what a build costs is told by its largest stage.
    pub peak_kib: Option<u64>,
}

impl Stage {
    pub fn ended(name: &'static str, time: Duration) -> Stage {
        Stage { name, time, peak_kib: peak_kib() }
    }
}

/// The process's peak resident memory so far (`VmHWM`), in KiB: the highest it has read.
/// Linux adds a process's resident memory up from per-processor counts that it gathers
/// now and then, so a later reading can come out a little lower than an earlier one (a
/// clean checkout's test saw 47 MiB, then 46).
fn peak_kib() -> Option<u64> {
    static HIGHEST: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let now: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    let before = HIGHEST.fetch_max(now, std::sync::atomic::Ordering::Relaxed);
    Some(before.max(now))
}

/// A stopwatch that records one lap per pipeline stage.
struct Stages {
    last: Instant,
    laps: Vec<Stage>,
}

impl Default for Stages {
    fn default() -> Self {
        Stages { last: Instant::now(), laps: Vec::new() }
    }
}

impl Stages {
    fn lap(&mut self, stage: &'static str) {
        let now = Instant::now();
        self.laps.push(Stage::ended(stage, now - self.last));
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
    progress: Option<&dyn Progress>,
) -> Result<(Rendered, write::Written)> {
    let output = write::Output::locate(project, options.clean)?;
    settled(project, || {
        // Each page is written as it is made, into a folder beside the output that takes
        // its place only when the whole site is made and checked. Opening it first repairs
        // what a killed run left, so the baseline is read from a whole site.
        let sink = write::Sink::open(&output, progress)?;
        let baseline = || match options.previous {
            Some(p) => Baseline::load_named(p),
            None => Baseline::load(&output.dir),
        };
        let run = Run { progress, sink: Some(&sink), last: None, output: None };
        let rendered = render_against(project, Previous::Read(&baseline), run)?;
        Ok((rendered, sink))
    })
    .and_then(|(mut rendered, sink)| {
        let start = Instant::now();
        let written = sink.finish(&rendered.pages, &rendered.trees)?;
        rendered.stages.push(Stage::ended("swap", start.elapsed()));
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

/// Each stage's time (and the peak memory at its end), one line each, for `--verbose`.
pub fn stage_lines(stages: &[Stage]) -> String {
    let line = |s: &Stage| {
        let peak = s.peak_kib.map_or_else(String::new, |k| format!(", peak {:>5} MiB", k / 1024));
        format!("{:>16}: {:>7.1} ms{peak}\n", s.name, s.time.as_secs_f64() * 1000.0)
    };
    stages.iter().map(line).collect()
}
