//! Every page as `{path, bytes}` in memory, rendered in parallel from view structs.

mod block;
pub mod charts;
mod cite;
mod source;
pub mod views;

pub use block::Block;

use crate::baseline::Baseline;
use crate::changes::Changes;
use crate::config::Project;
use crate::diag::{Error, Result};
use crate::index::Index;
use crate::model::Table;
use crate::pages::ContentPage;
use crate::previous::Previous;
use crate::read::continuity::{Alias, Continuity, Retired};
use crate::theme::Theme;
use crate::urls;
use rayon::prelude::*;
use serde::Serialize;
use std::sync::Arc;
use views::*;

/// The parts of a page rendered by themselves, by the hash of their inputs.
pub type Fragments = Vec<(u128, Arc<str>)>;

/// One output file, by its path under the output folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub path: String,
    /// Shared, so a page carried over from the previous build is not copied; and made from
    /// the rendered text without copying it.
    pub bytes: bytes::Bytes,
    /// The file a page was written from, when a person wrote it (content pages), so a
    /// problem in it is reported there.
    pub source: Option<std::path::PathBuf>,
    /// What a template page was rendered from, hashed; `None` for other files.
    pub key: Option<u128>,
    /// How `urls.json` lists the page: its kind and title. `None` for files nobody cites
    /// (assets, the 404 page).
    pub listing: Option<(&'static str, String)>,
    /// Whether the previous build (when one is known) had this very file.
    pub unchanged: bool,
    /// The parts rendered by themselves that the page holds, by the hash of their inputs,
    /// kept (by a watching process) for the next build to take over.
    pub fragments: Fragments,
    /// Set once the page is written out (a one-off build, see `write::Sink`): then `bytes`
    /// are dropped, and this is what the link check has of it.
    pub written: Option<crate::links::Summary>,
}

impl Page {
    pub fn new(path: impl Into<String>, bytes: Vec<u8>) -> Page {
        let path = path.into();
        Page {
            path,
            bytes: bytes.into(),
            source: None,
            key: None,
            listing: None,
            unchanged: false,
            fragments: Vec::new(),
            written: None,
        }
    }
}

/// Everything rendering needs, borrowed.
pub struct Site<'a> {
    pub project: &'a Project,
    pub table: &'a Table,
    pub index: &'a Index,
    pub content: &'a [ContentPage],
    pub theme: &'a Theme,
    /// The last good build, when a watching process kept one: pages whose view is the
    /// same as then are taken from it rather than rendered again.
    pub previous: Option<&'a Previous>,
    /// Whether this build is kept for the next (a watching process): only then are the
    /// inputs of each page hashed and its fragments kept.
    pub remember: bool,
    /// Old URLs kept answering: aliases and retired pages.
    pub continuity: &'a Continuity,
    /// The site this build replaces, for the titles of retired pages.
    pub baseline: &'a Baseline,
    /// The fragments each page rendered or took over, by the page's URL.
    pub fragments: std::sync::Mutex<std::collections::HashMap<String, Fragments>>,
    /// Where to report each page rendered.
    pub progress: Option<&'a dyn crate::progress::Progress>,
    /// Set when rows were edited in place since `previous`: then only the pages that can
    /// show the edit are made again, and every other page is taken from `previous` as it was.
    pub edited: Option<&'a crate::previous::Edit>,
    /// See `Site::outline`: made once, when first asked for.
    pub outline: std::sync::OnceLock<u128>,
    /// Where each page goes as soon as it is made (a one-off build), so the site is never
    /// in memory whole.
    pub sink: Option<&'a crate::write::Sink<'a>>,
}

impl Site<'_> {
    /// A part of a page (a block of table rows) rendered by itself, or taken from the
    /// previous build when its template, theme and view are the same as then: the matrix
    /// of a large table is one page, and an edit changes one block of it.
    /// `from` is the URL of the page it is part of.
    pub fn fragment(&self, from: &str, template: &str, view: &impl Serialize) -> Result<Block> {
        let key = match self.remember {
            true => Some(inputs_key(self.theme, template, &(), view).map_err(view_error)?),
            false => None,
        };
        self.fragment_keyed(from, template, key, || Ok(view))
    }

    /// A fragment known by what its view is made from, rather than by the view: `inputs`
    /// and the table's outline (every row's number, kind, level, parent, name and flags).
    /// The view is made only when no earlier build rendered the same.
    pub fn fragment_from<V: Serialize>(
        &self,
        from: &str,
        template: &str,
        inputs: &impl Serialize,
        view: impl FnOnce() -> Result<V>,
    ) -> Result<Block> {
        let key = match self.remember {
            true => Some(inputs_key(self.theme, template, &self.outline(), inputs).map_err(view_error)?),
            false => None,
        };
        self.fragment_keyed(from, template, key, view)
    }

    fn fragment_keyed<V: Serialize>(
        &self,
        from: &str,
        template: &str,
        key: Option<u128>,
        view: impl FnOnce() -> Result<V>,
    ) -> Result<Block> {
        let render = || -> Result<Arc<str>> { Ok(self.part_html(from, template, &view()?)?.into()) };
        let Some(key) = key else { return Ok(Block::new(None, render()?)) };
        let html = match self.previous.and_then(|p| p.fragments.get(&key)).cloned() {
            Some(html) => html,
            None => render()?,
        };
        let mut fragments = self.fragments.lock().unwrap_or_else(|p| p.into_inner());
        fragments.entry(from.to_string()).or_default().push((key, Arc::clone(&html)));
        Ok(Block::new(Some(key), html))
    }

    /// A part of a fragment, rendered by itself and not kept: it is taken over with the
    /// fragment it is part of.
    pub fn part(&self, from: &str, template: &str, view: &impl Serialize) -> Result<Block> {
        Ok(Block::new(None, self.part_html(from, template, view)?.into()))
    }

    /// `template` rendered with `view`, whose blocks are put in afterwards, for the page at
    /// `from`.
    fn part_html(&self, from: &str, template: &str, view: &impl Serialize) -> Result<String> {
        block::render_with_blocks(
            || tera::Context::from_serialize(view).map_err(view_error),
            |ctx| self.theme.render(template, ctx, from),
        )
    }

    /// A hash of every row's number, kind, level, parent, name and flags: what a list of
    /// rows shows of them, and how they nest.
    fn outline(&self) -> u128 {
        *self.outline.get_or_init(|| {
            let rows: Vec<_> =
                self.table.rows.iter().map(|r| (r.no, r.kind, r.level, r.parent, &r.name, &r.flags)).collect();
            crate::hash::bytes(&postcard::to_allocvec(&rows).expect("numbers and strings"))
        })
    }
}

/// A view that could not be hashed or made into a template context.
fn view_error(e: impl std::fmt::Display) -> Error {
    Error::at(crate::diag::Code::Template, Default::default(), e.to_string())
}

/// What to render: one variant per page kind.
enum Spec<'a> {
    Home,
    Item(&'a crate::model::Row),
    Redirect(&'a crate::model::Row),
    Phase(&'a crate::model::Row),
    Phases,
    Vendor(&'a crate::model::Vendor),
    Vendors,
    Subsystem(&'a crate::model::Subsystem),
    Subsystems,
    Unassigned,
    Matrix,
    Quality,
    Content(&'a ContentPage),
    /// Made last: the changes are computed while the other pages are rendered.
    Changes(&'a Changes),
    Alias(&'a Alias),
    Tombstone(&'a Retired),
    /// A 項番 in a range the source lost (`items/100/`): a specification may cite it.
    Lost(&'a crate::model::Gap, u32),
    /// Lines of an input as written.
    Source(source::Part<'a>),
    NotFound,
}

/// The most 項番 of one gap that get a page of their own. A range lost from a document is
/// a few pages of it; a far wider one is a numbering that skips (1000, 2000, …), where a
/// page per unused number would say nothing.
pub(crate) const LOST_PAGES: u32 = 10_000;

/// Every page and data file. `export` makes `data/roles.json` and the changes, which the
/// pages need none of until the changes page: it runs beside the rendering.
pub fn render(
    site: &Site,
    export: impl FnOnce() -> Result<crate::export::Exported> + Send,
) -> Result<(Vec<Page>, crate::export::Exported)> {
    let specs = specs(site);
    Error::from_findings(&check_continuity(site, &specs))?;
    let view = site_view(site);
    if let Some(p) = site.progress {
        match site.sink {
            // Counted as each file is written: the pages, then the files made beside them
            // (assets, the three data files, the site map) and after them (`ADDED_LATER`).
            Some(_) => {
                let theme = site.theme.assets.len() + site.theme.passthrough.len();
                let beside = theme + 3 + usize::from(site.project.config.base_url.is_some());
                p.stage("描画・書き込み", Some((specs.len() + 1 + beside + crate::ADDED_LATER) as u64));
            }
            None => p.stage("描画", Some(specs.len() as u64 + 1)),
        }
    }
    let one = |s: &Spec| {
        let mut page = match taken_over(site, s) {
            Some(kept) => kept,
            None => render_one(site, &view, s)?,
        };
        match (site.sink, site.progress) {
            (Some(sink), _) => sink.put(&mut page)?,
            (None, Some(p)) => p.step(),
            (None, None) => {}
        }
        Ok(page)
    };
    let (pages, exported) = rayon::join(|| specs.par_iter().map(one).collect::<Result<Vec<Page>>>(), export);
    let (mut pages, mut exported) = (pages?, exported?);
    pages.push(one(&Spec::Changes(&exported.changes.changes))?);
    pages.extend(site.theme.assets.iter().map(|(p, b)| Page::new(format!("assets/{p}"), b.clone())));
    let project = &site.project;
    let passthrough = project.path(&project.config.static_files);
    pages.extend(
        site.theme
            .passthrough
            .iter()
            .map(|(p, b)| Page { source: Some(passthrough.join(p)), ..Page::new(p.clone(), b.clone()) }),
    );
    let data =
        |path: &str, bytes: Vec<u8>| Page { listing: Some(("data", path.to_string())), ..Page::new(path, bytes) };
    pages.push(data("data/roles.json", std::mem::take(&mut exported.roles_json).into_bytes()));
    pages.push(data("data/roles.csv", std::mem::take(&mut exported.roles_csv).into_bytes()));
    let changes = serde_json::to_string_pretty(&exported.changes.changes).expect("strings and numbers") + "\n";
    pages.push(data(crate::changes::FILE, changes.into_bytes()));
    if let Some(base) = &site.project.config.base_url {
        pages.push(Page::new("sitemap.xml", sitemap(base, &pages).into_bytes()));
    }
    // Paths are compared whole, and a large site has a hundred thousand: sorted on all cores.
    pages.par_sort_by(|a, b| a.path.cmp(&b.path));
    Ok((pages, exported))
}

/// The previous build's page for `spec`, when rows were edited in place since (`edited`)
/// and none that this page shows.
fn taken_over(site: &Site, spec: &Spec) -> Option<Page> {
    let edit = site.edited?;
    let made_again = match spec {
        Spec::Item(row) | Spec::Phase(row) => edit.rows.contains(&row.no),
        // Made from a row's number and name, or from no row at all.
        Spec::Redirect(_) | Spec::Content(_) | Spec::Alias(_) | Spec::Tombstone(_) | Spec::NotFound => false,
        // Made from the gap and the rows beside it, which an edit in place keeps.
        Spec::Lost(..) => false,
        // Made from its lines: again when an edited row stands among them.
        Spec::Source(p) => edit
            .rows
            .iter()
            .filter_map(|no| site.table.row(*no))
            .any(|r| r.source.file == p.text.file && (p.first..=p.last).contains(&r.source.line)),
        // Made from the headings alone: their numbers, names, flags and tasks.
        Spec::Phases => edit.flags,
        // Made from the whole table.
        Spec::Home
        | Spec::Vendor(_)
        | Spec::Vendors
        | Spec::Subsystem(_)
        | Spec::Subsystems
        | Spec::Unassigned
        | Spec::Matrix
        | Spec::Quality
        | Spec::Changes(_) => edit.wide,
    };
    if made_again {
        return None;
    }
    let path = urls::file_of(&url_of(spec));
    site.previous?.files.get(&path).map(|kept| kept.page(&path))
}

/// A hash of what pages are made from besides the table: the project's configuration, the
/// narrative pages, the theme's templates and the URL files. Made from their debug form:
/// any difference gives another hash, which costs no more than a whole render. (The site
/// a watching session is held to stays the same for the session.)
pub fn context_key(project: &Project, content: &[ContentPage], theme: &Theme, continuity: &Continuity) -> u128 {
    let text = format!("{project:?}\n{content:?}\n{continuity:?}\n{}", theme.fingerprint);
    crate::hash::bytes(text.as_bytes())
}

fn specs<'a>(site: &Site<'a>) -> Vec<Spec<'a>> {
    let t = site.table;
    let mut specs = vec![
        Spec::Home,
        Spec::Phases,
        Spec::Vendors,
        Spec::Subsystems,
        Spec::Unassigned,
        Spec::Matrix,
        Spec::Quality,
        Spec::NotFound,
    ];
    for row in &t.rows {
        if row.is_heading() {
            specs.push(Spec::Phase(row));
            specs.push(Spec::Redirect(row));
        } else {
            specs.push(Spec::Item(row));
        }
    }
    specs.extend(t.vendors.iter().map(Spec::Vendor));
    specs.extend(t.subsystems.iter().map(Spec::Subsystem));
    specs.extend(site.content.iter().map(Spec::Content));
    specs.extend(site.continuity.aliases.iter().map(Spec::Alias));
    specs.extend(site.continuity.retired.iter().map(Spec::Tombstone));
    specs.extend(source::parts(&t.sources).into_iter().map(Spec::Source));
    for gap in t.gaps.iter().filter(|g| g.to - g.from < LOST_PAGES) {
        specs.extend((gap.from..=gap.to).filter(|no| lost_from_source(site, *no)).map(|no| Spec::Lost(gap, no)));
    }
    specs
}

/// Whether a 項番 missing from the table stands for a row the source lost: unless the
/// published site had a page there (a row removed or renumbered, which the maintainer maps
/// or retires, and the manifest check holds them to), or the URL files declare it.
fn lost_from_source(site: &Site, no: u32) -> bool {
    let url = urls::item(no);
    let published = site.baseline.manifest.as_ref().and_then(|m| m.manifest.get(&url));
    published.is_none_or(|e| e.kind == "lost") && !site.continuity.declared().any(|(u, _)| u == url)
}

/// Two files at one path, among all the site writes (`pages` in path order): an alias or a
/// retirement declared where the site writes a file of its own (`urls.json`, an asset, the
/// search index). Reported where it was declared. Template pages are caught earlier, by
/// `check_continuity`; this catches every file, whichever stage adds it.
pub fn collisions(pages: &[Page], continuity: &Continuity) -> Vec<crate::diag::Finding> {
    let declared_at = |path: &str| continuity.declared().find(|(url, _)| urls::file_of(url) == path);
    pages
        .windows(2)
        .filter(|w| w[0].path == w[1].path)
        .map(|w| match declared_at(&w[0].path) {
            Some((url, at)) => crate::diag::Finding::error(
                crate::diag::Code::Continuity,
                at.clone(),
                format!("{url} is a file the site writes: nothing else can stand there"),
            ),
            // A file a person put in (static/, content/) is where the clash is told.
            None => match w.iter().find_map(|p| p.source.as_ref()) {
                Some(source) => crate::diag::Finding::error(
                    crate::diag::Code::DuplicateFile,
                    crate::diag::Location::file_only(source),
                    format!("the site writes a file of its own at {}: give this one another name", w[0].path),
                ),
                None => crate::diag::Finding::error(
                    crate::diag::Code::DuplicateFile,
                    Default::default(),
                    format!("two files would be written at {}", w[0].path),
                ),
            },
        })
        .collect()
}

/// Aliases and retirements must stand where no page is, and lead to pages that are.
fn check_continuity(site: &Site, specs: &[Spec]) -> Vec<crate::diag::Finding> {
    // Without aliases or retired pages there is nothing to hold to the pages.
    if site.continuity.declared().next().is_none() {
        return Vec::new();
    }
    let live: std::collections::HashSet<String> = specs
        .iter()
        .filter(|s| !matches!(s, Spec::Alias(_) | Spec::Tombstone(_)))
        .map(url_of)
        .chain(["changes/", "data/roles.json", "data/roles.csv", crate::changes::FILE].map(String::from))
        .collect();
    let mut findings = Vec::new();
    let mut problem = |at: &crate::diag::Location, message: String| {
        findings.push(crate::diag::Finding::error(crate::diag::Code::Continuity, at.clone(), message));
    };
    for (url, at) in site.continuity.declared() {
        if live.contains(url) {
            problem(at, format!("{url} is a page of the site: nothing else can stand there"));
        }
    }
    let targets = site.continuity.aliases.iter().map(|a| (&a.new, &a.at));
    for (url, at) in targets.chain(site.continuity.retired.iter().filter_map(|r| Some((r.see.as_ref()?, &r.at)))) {
        if !live.contains(url.as_str()) {
            problem(at, format!("{url} is not a page of the site, so nothing can lead there"));
        }
    }
    findings
}

fn site_view<'a>(site: &Site<'a>) -> SiteView<'a> {
    let d = &site.table.document;
    SiteView {
        title: &d.title,
        annex: &d.annex,
        issuer: &d.issuer,
        date_label: d.date_label.as_deref(),
        date: d.date.as_deref(),
        pages: site.content.iter().map(|p| NavPage { title: p.title.clone(), url: p.url.clone() }).collect(),
        base_url: site.project.config.base_url.as_deref(),
    }
}

/// The site-relative URL of each page: the one place a spec becomes an address.
fn url_of(spec: &Spec) -> String {
    match spec {
        Spec::Home => String::new(),
        Spec::Item(row) | Spec::Redirect(row) => urls::item(row.no),
        Spec::Lost(_, no) => urls::item(*no),
        Spec::Source(p) => source::url(p),
        Spec::Phase(row) => urls::phase(row.no),
        Spec::Phases => "phases/".into(),
        Spec::Vendor(v) => urls::vendor(&v.id),
        Spec::Vendors => "vendors/".into(),
        Spec::Subsystem(s) => urls::subsystem(&s.id),
        Spec::Subsystems => "subsystems/".into(),
        Spec::Unassigned => "unassigned/".into(),
        Spec::Matrix => "matrix/".into(),
        Spec::Quality => "quality/".into(),
        Spec::Content(p) => p.url.clone(),
        Spec::Changes(_) => "changes/".into(),
        Spec::Alias(a) => a.old.clone(),
        Spec::Tombstone(r) => r.url.clone(),
        Spec::NotFound => "404.html".into(),
    }
}

/// How `urls.json` names each kind of page.
fn kind_of(spec: &Spec) -> Option<&'static str> {
    Some(match spec {
        Spec::Home => "home",
        Spec::Item(_) => "item",
        Spec::Redirect(_) => "heading",
        Spec::Phase(_) => "phase",
        Spec::Phases => "phases",
        Spec::Vendor(_) => "vendor",
        Spec::Vendors => "vendors",
        Spec::Subsystem(_) => "subsystem",
        Spec::Subsystems => "subsystems",
        Spec::Unassigned => "unassigned",
        Spec::Matrix => "matrix",
        Spec::Quality => "quality",
        Spec::Content(_) => "page",
        Spec::Changes(_) => "changes",
        Spec::Alias(_) => "alias",
        Spec::Tombstone(_) => "retired",
        Spec::Lost(..) => "lost",
        // The source's pages follow its lines, which a revision renumbers: not for citing.
        Spec::Source(_) | Spec::NotFound => return None,
    })
}

fn render_one(site: &Site, view: &SiteView, spec: &Spec) -> Result<Page> {
    let url = url_of(spec);
    let u = url.as_str();
    let page = |template, nav, title: String| Meta { site, view, url: u, template, nav, title };
    // An alias is listed under its target's title, a retired page under the title it had;
    // every other page under its own.
    let mut listed = None;
    let bytes =
        match spec {
            Spec::Home => page("home.html", "home", site.table.document.title.clone()).render(kinds::home(site, u)),
            Spec::Item(row) => {
                page("item.html", "phases", format!("項番{} {}", row.no, row.name)).render(kinds::item(site, row, u))
            }
            Spec::Redirect(row) => page("redirect.html", "phases", format!("項番{} {}", row.no, row.name))
                .render(kinds::redirect(site, row, u)),
            Spec::Phase(row) => page("phase.html", "phases", format!("{} (項番{})", row.name, row.no))
                .render(kinds::phase(site, row, u)?),
            Spec::Phases => page("phases.html", "phases", "作業フェーズ".into()).render(kinds::phases(site, u)),
            Spec::Vendor(v) => page("vendor.html", "vendors", v.name.clone()).render(kinds::vendor(site, v, u)?),
            Spec::Vendors => page("vendors.html", "vendors", "事業者".into()).render(kinds::vendors(site, u)),
            Spec::Subsystem(s) => {
                page("subsystem.html", "subsystems", s.name.clone()).render(kinds::subsystem(site, s, u)?)
            }
            Spec::Subsystems => {
                page("subsystems.html", "subsystems", "サブシステム".into()).render(kinds::subsystems(site, u))
            }
            Spec::Unassigned => page("rows.html", "unassigned", "◎を担う事業者を特定できない作業".into())
                .render(kinds::unassigned(site, u)),
            Spec::Matrix => page("matrix.html", "matrix", "役割分担表(全体)".into()).render(kinds::matrix(site, u)?),
            Spec::Quality => page("quality.html", "quality", "データ品質".into()).render(kinds::quality(site, u)),
            Spec::Content(p) => page("page.html", "pages", p.title.clone()).render(kinds::content(p)),
            Spec::Changes(c) => page("changes.html", "changes", "変更点".into()).render(kinds::changes(site, c, u)),
            Spec::Alias(a) => {
                let (target, title) = kinds::alias(site, a, u);
                let rendered = page("redirect.html", "", format!("移動しました: {title}")).render(target);
                listed = Some(title);
                rendered
            }
            Spec::Tombstone(r) => {
                let view = kinds::tombstone(site, r, u);
                listed = Some(view.title.clone());
                page("tombstone.html", "", format!("削除されました: {}", view.title)).render(view)
            }
            Spec::Lost(gap, no) => {
                page("lost.html", "phases", format!("項番{no}(原本で欠落)")).render(kinds::lost(site, gap, *no, u))
            }
            Spec::Source(p) => {
                let view = source::page(site, p, &source::parts(&site.table.sources), u);
                let title = format!("原本: {} {}–{} 行目", source::name(site, p.text, p.first), p.first, p.last);
                page("source.html", "quality", title).render(view)
            }
            Spec::NotFound => page("404.html", "", "ページが見つかりません".into()).render(kinds::not_found()),
        }?;
    let source = match spec {
        Spec::Content(p) => Some(p.source.clone()),
        _ => None,
    };
    let (key, bytes, title) = bytes;
    let listing = kind_of(spec).map(|k| (k, listed.unwrap_or(title)));
    let fragments = site.fragments.lock().unwrap_or_else(|p| p.into_inner()).remove(u).unwrap_or_default();
    Ok(Page { path: urls::file_of(&url), bytes, source, key, listing, unchanged: false, fragments, written: None })
}

/// What every page shares: where it is, its template, its place in the navigation, its title.
struct Meta<'s, 'a> {
    site: &'s Site<'a>,
    view: &'s SiteView<'a>,
    url: &'s str,
    template: &'static str,
    nav: &'static str,
    title: String,
}

impl Meta<'_, '_> {
    /// Render the template with the shared base and the page's own view, or take the
    /// previous build's bytes when template, theme and views are all the same as then.
    /// Returns the hash of those inputs with the bytes, and the page's title.
    fn render<V: Serialize>(self, own: V) -> Result<(Option<u128>, bytes::Bytes, String)> {
        let Meta { site, view, url, template, nav, title } = self;
        let page_title = title.clone();
        let base = Base {
            site: view,
            root: root_for(site, url),
            page_title: title,
            url: url.to_string(),
            canonical: site.project.config.base_url.as_deref().map(|b| urls::absolute(b, url)),
            nav_current: nav,
        };
        let key = match site.remember {
            true => Some(inputs_key(site.theme, template, &base, &own).map_err(view_error)?),
            false => None,
        };
        let kept =
            site.previous.and_then(|p| p.files.get(&urls::file_of(url))).filter(|k| key.is_some() && k.key == key);
        if let Some(kept) = kept {
            return Ok((key, kept.bytes.clone(), page_title));
        }
        // The view's blocks reach the template as placeholders and are put in after it ran.
        let html = block::render_with_blocks(
            || -> Result<tera::Context> {
                let mut ctx = tera::Context::from_serialize(&base).map_err(view_error)?;
                ctx.extend(tera::Context::from_serialize(&own).map_err(view_error)?);
                Ok(ctx)
            },
            |ctx| site.theme.render(template, ctx, url),
        )?;
        Ok((key, html.into(), page_title))
    }
}

/// A 128-bit hash of everything a template page is rendered from: the theme, the template's
/// name and the views. Rendering is a pure function of these, so an equal hash means equal
/// bytes. The views are hashed in postcard's compact binary form, which is unambiguous for
/// a given type and, unlike JSON, escapes nothing; the type names keep two view types that
/// happen to encode alike apart.
fn inputs_key<B: Serialize, O: Serialize>(theme: &Theme, template: &str, base: &B, own: &O) -> postcard::Result<u128> {
    thread_local! {
        // Serialized whole, then hashed at once: much faster than feeding the hasher the
        // many small writes of a serializer.
        static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    BUFFER.with_borrow_mut(|buf| {
        let mut bytes = std::mem::take(buf);
        bytes.clear();
        bytes.extend_from_slice(&theme.fingerprint.to_le_bytes());
        for name in [template, std::any::type_name::<B>(), std::any::type_name::<O>()] {
            bytes.extend_from_slice(&(name.len() as u64).to_le_bytes());
            bytes.extend_from_slice(name.as_bytes());
        }
        let bytes = postcard::to_extend(own, postcard::to_extend(base, bytes)?)?;
        let key = crate::hash::bytes(&bytes);
        // Keep a large page's buffer from staying allocated for the life of the process.
        if bytes.capacity() <= 1 << 20 {
            *buf = bytes;
        }
        Ok(key)
    })
}

/// Relative everywhere, except on the 404 page of a site with a base URL: a server shows
/// that page at whatever missing URL was asked for, so relative links would not resolve.
fn root_for(site: &Site, url: &str) -> String {
    match site.project.config.base_url.as_deref() {
        Some(base) if url == "404.html" => format!("{}/", base.trim_end_matches('/')),
        _ => urls::root_of(url),
    }
}

fn sitemap(base: &str, pages: &[Page]) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    // Pages with content of their own: not the redirects and tombstones.
    let own = |p: &&Page| p.listing.as_ref().is_some_and(|(k, _)| !["heading", "alias", "retired", "data"].contains(k));
    for p in pages.iter().filter(own) {
        let url = urls::url_of_file(&p.path);
        let loc = crate::html::escape(&urls::absolute(base, url));
        out.push_str(&format!("  <url><loc>{loc}</loc></url>\n"));
    }
    out.push_str("</urlset>\n");
    out
}

pub mod kinds;
