//! Every page as `{path, bytes}` in memory, rendered in parallel from view structs.

mod block;
pub mod charts;
mod cite;
mod history;
mod source;
pub mod views;

pub use block::Block;

use crate::baseline::Baseline;
use crate::config::Project;
use crate::diag::{Error, Result};
use crate::index::Index;
use crate::model::Table;
use crate::page::{Page, Tree};
use crate::pages::ContentPage;
use crate::plan::{self, Shows, Spec};
use crate::read::continuity::Continuity;
use crate::theme::Theme;
use crate::urls;
use rayon::prelude::*;
use serde::Serialize;
use std::sync::Arc;
use views::*;

/// The parts of a page rendered by themselves, by the hash of their inputs.
pub type Fragments = Vec<(u128, Arc<str>)>;

/// A page as rendering made it, with what a build kept for the next needs of it.
pub struct Made {
    pub page: Page,
    /// What a template page was rendered from, hashed; `None` for other files, and when no
    /// build is kept for the next.
    pub key: Option<u128>,
    /// The parts rendered by themselves that the page holds, by the hash of their inputs.
    pub fragments: Fragments,
}

impl Made {
    /// A file made without a template (an asset, a data file).
    pub fn file(page: Page) -> Made {
        Made { page, key: None, fragments: Vec::new() }
    }
}

/// What rendering may take over from an earlier build of the same process. Rendering asks;
/// it never names that build (see `reuse`).
pub trait Reuse: Sync {
    /// The bytes made at `path` from inputs that hashed to `key`.
    fn page(&self, path: &str, key: u128) -> Option<bytes::Bytes>;
    /// A part of a page made from inputs that hashed to `key`.
    fn fragment(&self, key: u128) -> Option<Arc<str>>;
    /// The page made at `path`, when nothing it shows (`shows`) changed since.
    fn untouched(&self, path: &str, shows: &Shows) -> Option<Made>;
}

/// Everything rendering needs, borrowed.
pub struct Site<'a> {
    pub project: &'a Project,
    pub table: &'a Table,
    pub index: &'a Index,
    pub content: &'a [ContentPage],
    pub theme: &'a Theme,
    /// Old URLs kept answering: aliases and retired pages.
    pub continuity: &'a Continuity,
    /// The site this build replaces, for the titles of retired pages.
    pub baseline: &'a Baseline,
    /// What an earlier build made, when this build is kept for the next (a watching
    /// process): then the inputs of each page are hashed, pages and parts made from the
    /// same inputs as then are taken over, and each page's parts are kept.
    pub reuse: Option<&'a dyn Reuse>,
    /// The fragments each page rendered or took over, by the page's URL.
    pub fragments: std::sync::Mutex<std::collections::HashMap<String, Fragments>>,
    /// See `Site::outline`: made once, when first asked for.
    pub outline: std::sync::OnceLock<u128>,
    /// Set when rendering a released revision's frozen pages: they stand under its
    /// `rev/<label>/`, and show its data alone.
    pub frozen: Option<&'a crate::revisions::Revision>,
    /// On frozen pages: the revision before it, whose data its changes page compares with.
    pub previous: Option<&'a crate::revisions::Revision>,
    /// The released revisions and the working data (current pages; `None` on frozen ones).
    pub timeline: Option<&'a crate::revisions::Timeline<'a>>,
}

impl Site<'_> {
    /// A part of a page (a block of table rows) rendered by itself, or taken from the
    /// last build when its template, theme and view are the same as then: the matrix
    /// of a large table is one page, and an edit changes one block of it.
    /// `from` is the URL of the page it is part of.
    pub fn fragment(&self, from: &str, template: &str, view: &impl Serialize) -> Result<Block> {
        let key = match self.reuse {
            Some(_) => Some(inputs_key(self.theme, template, &(), view).map_err(view_error)?),
            None => None,
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
        let key = match self.reuse {
            Some(_) => Some(inputs_key(self.theme, template, &self.outline(), inputs).map_err(view_error)?),
            None => None,
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
        let html = match self.reuse.and_then(|r| r.fragment(key)) {
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

/// A file made, with `done`'s answer for a template page (see `render`).
pub type Answered<S> = (Made, Option<S>);

/// Every page of `specs` (as `plan::specs` lists them), the changes page, the theme's
/// files and the data files, in path order. `export` makes `data/roles.json` and the
/// changes, which the pages need none of until the changes page: it runs beside the
/// rendering. Each template page goes through `done` as soon as it is made (a one-off
/// build writes it out there, see `write::Sink::put`), whose answer comes with it; the
/// other files are left for the caller.
pub fn render<S: Send>(
    site: &Site,
    specs: &[Spec],
    export: impl FnOnce() -> Result<crate::export::Exported> + Send,
    done: impl Fn(&mut Made) -> Result<S> + Sync,
) -> Result<(Vec<Answered<S>>, crate::export::Exported)> {
    let view = site_view(site);
    let one = |s: &Spec| {
        let described = plan::describe(s);
        let taken = site.reuse.and_then(|r| r.untouched(&urls::file_of(&described.url), &described.shows));
        let mut made = match taken {
            Some(made) => made,
            None => render_one(site, &view, s, described)?,
        };
        let answer = done(&mut made)?;
        Ok((made, Some(answer)))
    };
    let (made, exported) = rayon::join(|| specs.par_iter().map(one).collect::<Result<Vec<_>>>(), export);
    let (mut made, mut exported) = (made?, exported?);
    made.push(one(&Spec::Changes(&exported.changes.changes))?);
    let file = |page: Page| (Made::file(page), None);
    made.extend(site.theme.assets.iter().map(|(p, b)| file(Page::new(urls::asset(p), b.clone()))));
    let project = &site.project;
    let passthrough = project.path(&project.config.static_files);
    made.extend(
        site.theme
            .passthrough
            .iter()
            .map(|(p, b)| file(Page { source: Some(passthrough.join(p)), ..Page::new(p.clone(), b.clone()) })),
    );
    let data =
        |path: &str, bytes: Vec<u8>| file(Page { listing: Some(("data", path.to_string())), ..Page::new(path, bytes) });
    made.push(data(urls::ROLES_JSON, std::mem::take(&mut exported.roles_json).into_bytes()));
    made.push(data(urls::ROLES_CSV, std::mem::take(&mut exported.roles_csv).into_bytes()));
    let changes = serde_json::to_string_pretty(&exported.changes.changes).expect("strings and numbers") + "\n";
    made.push(data(urls::CHANGES_JSON, changes.into_bytes()));
    if let Some(base) = &site.project.config.base_url {
        let sitemap = sitemap(base, made.iter().map(|(m, _)| &m.page));
        made.push(file(Page::new(urls::SITEMAP, sitemap.into_bytes())));
    }
    // Paths are compared whole, and a large site has a hundred thousand: sorted on all cores.
    made.par_sort_by(|a, b| a.0.page.path.cmp(&b.0.page.path));
    Ok((made, exported))
}

/// A released revision's frozen pages (`site.frozen`): those of `specs` (as
/// `plan::frozen_specs` lists them) and its changes page (`changes`, from the revision
/// before), each through `done` as soon as it is made; then its data files, left for the
/// caller. All of it under `rev/<label>/`.
pub fn frozen<S: Send>(
    site: &Site,
    specs: &[Spec],
    changes: &crate::changes::Changes,
    done: impl Fn(&mut Made) -> Result<S> + Sync,
) -> Result<Vec<Answered<S>>> {
    let revision = site.frozen.expect("a frozen site names its revision");
    let view = site_view(site);
    let changes_spec = [Spec::Changes(changes)];
    let mut made = specs
        .par_iter()
        .chain(&changes_spec)
        .map(|s| {
            let mut made = render_one(site, &view, s, plan::describe(s))?;
            let answer = done(&mut made)?;
            Ok((made, Some(answer)))
        })
        .collect::<Result<Vec<_>>>()?;
    let prefix = revision.prefix();
    let data = |path: &str, bytes: bytes::Bytes| {
        let path = format!("{prefix}{path}");
        (Made::file(Page { listing: Some(("data", path.clone())), ..Page::new(path, bytes) }), None)
    };
    made.push(data(urls::ROLES_JSON, revision.data()?));
    made.push(data(urls::ROLES_CSV, crate::export::roles_csv(site.table, None, false).0.into()));
    let changes = serde_json::to_string_pretty(changes).expect("strings and numbers") + "\n";
    made.push(data(urls::CHANGES_JSON, changes.into()));
    made.par_sort_by(|a, b| a.0.page.path.cmp(&b.0.page.path));
    Ok(made)
}

/// The files a site has besides the pages of `specs`: the changes page, the theme's files,
/// the three data files and the site map (for a progress total).
pub fn files_beside(site: &Site) -> usize {
    1 + site.theme.assets.len() + site.theme.passthrough.len() + 3 + usize::from(site.project.config.base_url.is_some())
}

/// Two files at one path, among all the site writes (`pages` in path order): an alias or a
/// retirement declared where the site writes a file of its own (`urls.json`, an asset, the
/// search index). Reported where it was declared. Template pages are caught earlier, by
/// `check_continuity`; this catches every file, whichever stage adds it.
pub fn collisions(pages: &[Page], trees: &[Tree], continuity: &Continuity) -> Vec<crate::diag::Finding> {
    let declared_at = |path: &str| continuity.declared().find(|(url, _)| urls::file_of(url) == path);
    // A file made where a frozen tree taken over has one: the two stand as one pair.
    let in_trees = pages.iter().filter(|p| crate::page::held(trees, &p.path)).map(|p| [p, p]);
    let pairs = pages.windows(2).filter(|w| w[0].path == w[1].path).map(|w| [&w[0], &w[1]]);
    pairs
        .chain(in_trees)
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
        // A frozen page stands only where revisions are published.
        revisions: site.frozen.is_some() || site.timeline.is_some_and(|t| !t.is_empty()),
        kinds: views::KindView::all(&d.legend),
    }
}

/// One template page: its title and view by its kind, rendered with its kind's template.
fn render_one(site: &Site, view: &SiteView, spec: &Spec, described: plan::Described) -> Result<Made> {
    let plan::Described { url, listed_as, template, nav, .. } = described;
    let u = url.as_str();
    // A frozen page's title names its revision: in a browser's tab, and in `urls.json`.
    let edition = site.frozen.map(|r| r.edition());
    let page = |title: String| {
        let title = match &edition {
            Some(e) => format!("{title}({e})"),
            None => title,
        };
        Meta { site, view, url: u, template, nav, title, note: note_for(site, spec) }
    };
    // An alias is listed under its target's title, a retired page under the title it had;
    // every other page under its own.
    let mut listed = None;
    let rendered = match spec {
        Spec::Home => page(site.table.document.title.clone()).render(kinds::home(site, u)),
        Spec::Item(row) => page(format!("項番{} {}", row.no, row.name)).render(kinds::item(site, row, u)),
        Spec::Redirect(row) => page(format!("項番{} {}", row.no, row.name)).render(kinds::redirect(site, row, u)),
        Spec::Phase(row) => page(format!("{} (項番{})", row.name, row.no)).render(kinds::phase(site, row, u)?),
        Spec::PhasePart(row, start) => {
            let end = plan::grid_span_end(*start);
            page(format!("{} (項番{})の項番{start}–{end}", row.name, row.no))
                .render(kinds::phase_part(site, row, *start, u)?)
        }
        Spec::Phases => page("作業フェーズ".into()).render(kinds::phases(site, u)),
        Spec::Vendor(v) => page(v.name.clone()).render(kinds::vendor(site, v, u)?),
        Spec::Vendors => page("事業者".into()).render(kinds::vendors(site, u)),
        Spec::Subsystem(s) => page(s.name.clone()).render(kinds::subsystem(site, s, u)?),
        Spec::SubsystemPart(s, start) => {
            let end = plan::grid_span_end(*start);
            page(format!("{}(項番{start}–{end})", s.name)).render(kinds::subsystem_part(site, s, *start, u)?)
        }
        Spec::Subsystems => page("サブシステム".into()).render(kinds::subsystems(site, u)),
        Spec::Unassigned => {
            let heaviest = site.table.document.legend.heaviest().map_or("", |k| k.symbol());
            page(format!("{heaviest}を担う事業者を特定できない作業")).render(kinds::unassigned(site, u))
        }
        Spec::Matrix => page("役割分担表(全体)".into()).render(kinds::matrix(site, u)?),
        Spec::MatrixPart(part) => {
            let (first, last) = (part.rows[0].no, part.rows[part.rows.len() - 1].no);
            page(format!("役割分担表(全体) 項番{first}–{last}")).render(kinds::matrix_part(site, part, u)?)
        }
        Spec::Quality => page("データ品質".into()).render(kinds::quality(site, u)),
        Spec::VendorPart(v, kind, start) => {
            let end = plan::span_end(*start);
            let title = format!("{}: {}(項番{start}–{end})", v.name, kinds::list_title(*kind));
            page(title).render(kinds::vendor_part(site, v, *kind, *start, u)?)
        }
        Spec::FlagPart(code, start) => {
            let label = site.table.document.legend.code_label(*code);
            let end = plan::span_end(*start);
            page(format!("データ品質: {label}(項番{start}–{end})")).render(kinds::flag_part(site, *code, *start, u))
        }
        Spec::UnassignedPart(start) => {
            let heaviest = site.table.document.legend.heaviest().map_or("", |k| k.symbol());
            let end = plan::span_end(*start);
            page(format!("{heaviest}を担う事業者を特定できない作業(項番{start}–{end})"))
                .render(kinds::unassigned_part(site, *start, u))
        }
        Spec::Content(p) => page(p.title.clone()).render(kinds::content(p)),
        Spec::Changes(c) => page("変更点".into()).render(kinds::changes(site, c, u)),
        Spec::Revisions => page("公開版".into()).render(history::revisions(site, u)),
        Spec::PartGone(gone) => {
            let (target, title) = kinds::part_gone(site, gone, u);
            page(format!("移動しました: {title}")).render(target)
        }
        Spec::Alias(a) => {
            let (target, title) = kinds::alias(site, a, u);
            let rendered = page(format!("移動しました: {title}")).render(target);
            listed = Some(title);
            rendered
        }
        Spec::Tombstone(r) => {
            let view = kinds::tombstone(site, r, u);
            listed = Some(view.title.clone());
            page(format!("削除されました: {}", view.title)).render(view)
        }
        Spec::Lost(gap, no) => page(format!("項番{no}(原本で欠落)")).render(kinds::lost(site, gap, *no, u)),
        Spec::Source(p) => {
            let view = source::page(site, p, &plan::source_parts(&site.table.sources), u);
            page(format!("原本: {} {}–{} 行目", source::name(site, p.text, p.first), p.first, p.last)).render(view)
        }
        Spec::NotFound => page("ページが見つかりません".into()).render(kinds::not_found()),
    };
    let (key, bytes, title) = rendered?;
    let source = match spec {
        Spec::Content(p) => Some(p.source.clone()),
        _ => None,
    };
    let listing = listed_as.map(|k| (k, listed.unwrap_or(title)));
    let fragments = site.fragments.lock().unwrap_or_else(|p| p.into_inner()).remove(u).unwrap_or_default();
    let path = match site.frozen {
        Some(r) => format!("{}{}", r.prefix(), urls::file_of(&url)),
        None => urls::file_of(&url),
    };
    Ok(Made { page: Page { path, bytes, source, listing, in_place: false }, key, fragments })
}

/// What every page shares: where it is, its template, its place in the navigation, its title.
struct Meta<'s, 'a> {
    site: &'s Site<'a>,
    view: &'s SiteView<'a>,
    url: &'s str,
    template: &'static str,
    nav: &'static str,
    title: String,
    note: Option<Note>,
}

impl Meta<'_, '_> {
    /// Render the template with the shared base and the page's own view, or take the
    /// last build's bytes when template, theme and views are all the same as then.
    /// Returns the hash of those inputs with the bytes, and the page's title.
    fn render<V: Serialize>(self, own: V) -> Result<(Option<u128>, bytes::Bytes, String)> {
        let Meta { site, view, url, template, nav, title, note } = self;
        let page_title = title.clone();
        // A frozen page links within its revision (`root`), and to the site's assets and
        // to the same page in the working data from the site's root.
        let prefix = site.frozen.map(|r| r.prefix()).unwrap_or_default();
        let at = format!("{prefix}{url}");
        let revision = site.frozen.map(|r| Banner {
            label: r.label().to_string(),
            edition: r.edition(),
            released: r.meta.released.clone(),
            latest: urls::href(&at, url),
            revisions: urls::href(&at, urls::REVISIONS),
        });
        let base = Base {
            site: view,
            root: root_for(site, url),
            page_title: title,
            url: url.to_string(),
            canonical: site.project.config.base_url.as_deref().map(|b| urls::absolute(b, &at)),
            nav_current: nav,
            // The 404 page of a site with a base URL names it in full, as `root` does.
            site_root: match site.frozen {
                Some(_) => urls::root_of(&at),
                None => root_for(site, url),
            },
            revision,
            revision_note: note,
        };
        let key = match site.reuse {
            Some(_) => Some(inputs_key(site.theme, template, &base, &own).map_err(view_error)?),
            None => None,
        };
        let taken = site.reuse.zip(key).and_then(|(r, key)| r.page(&urls::file_of(url), key));
        if let Some(bytes) = taken {
            return Ok((key, bytes, page_title));
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

/// What a current page says of the released revisions: an item page of its row, a page
/// that shows the whole table of the table. Pages that show one row or none say nothing,
/// as an edit elsewhere would not make them again.
fn note_for(site: &Site, spec: &Spec) -> Option<Note> {
    let timeline = site.timeline.filter(|t| !t.is_empty())?;
    let latest = timeline.revisions.last()?;
    let href = |from: &str| urls::href(from, urls::REVISIONS);
    let name = latest.name();
    match spec {
        Spec::Item(row) => {
            let differs = timeline.row_differs(row.no)?;
            let text = match (differs, latest.table.row(row.no).is_some()) {
                (false, _) => format!("この作業は公開版の最新({name})と同じ内容です。"),
                (true, true) => format!("この作業は公開版の最新({name})から変更されています。"),
                (true, false) => format!("この作業は公開版の最新({name})にはありません。"),
            };
            Some(Note { text, differs, href: href(&urls::item(row.no)) })
        }
        _ if matches!(plan::describe(spec).shows, Shows::Table) => {
            let url = plan::describe(spec).url;
            let differs = timeline.working_differs;
            let text = match differs {
                false => format!("このサイトのデータは公開版の最新({name})と同じです。"),
                true => format!("このサイトのデータは公開版の最新({name})から変更されています。"),
            };
            Some(Note { text, differs, href: href(&url) })
        }
        _ => None,
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

fn sitemap<'p>(base: &str, pages: impl Iterator<Item = &'p Page>) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    // Pages with content of their own: not the redirects and tombstones.
    let own = |p: &&Page| p.listing.as_ref().is_some_and(|(k, _)| !["heading", "alias", "retired", "data"].contains(k));
    for p in pages.filter(own) {
        let url = urls::url_of_file(&p.path);
        let loc = crate::html::escape(&urls::absolute(base, url));
        out.push_str(&format!("  <url><loc>{loc}</loc></url>\n"));
    }
    out.push_str("</urlset>\n");
    out
}

pub mod kinds;
