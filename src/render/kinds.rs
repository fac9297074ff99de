//! The page-specific views: one function per page kind, each returning a Serialize value.

use super::views::*;
use super::Site;
use crate::diag::{Code, Finding, Result, Severity};
use crate::model::{Basis, Document, RoleKind, Row, Subsystem, Vendor};
use crate::pages::ContentPage;
use crate::urls;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Serialize)]
pub struct Home<'a> {
    document: &'a Document,
    tree: Vec<TreeNode<'a>>,
    vendors: Vec<VendorLink<'a>>,
    quality: Vec<FindingCount>,
    tasks: usize,
    headings: usize,
    gaps: usize,
    map: super::charts::LoadMap,
    /// What the map's columns are: the top-level headings, and those whose heading above
    /// was lost (they stand at the top for want of it, whatever their level).
    map_caption: String,
    tops_only: bool,
}

pub fn home<'a>(site: &Site<'a>, from: &str) -> Home<'a> {
    let t = site.table;
    let orphans = t.headings().filter(|h| h.parent.is_none() && h.level != Some(1)).count();
    let roots = t.headings().filter(|h| h.parent.is_none()).count();
    let map_caption = match (orphans, crate::plan::home_map_run(t, roots)) {
        (_, run) if run > 1 => format!(
            "事業者 × 最上位の見出しの担当件数(最上位の見出し {roots} 件を、項番の順に {} 列にまとめています。見出しごとの数は、作業フェーズの一覧から各見出しのページへ)",
            roots.div_ceil(run)
        ),
        (0, _) => "事業者 × 作業フェーズ(第1階層の見出し)の担当件数".to_string(),
        (n, _) => format!(
            "事業者 × 最上位の見出しの担当件数(列は第1階層の見出しと、上位の見出しが原本で失われた見出し {n} 件)"
        ),
    };
    Home {
        map_caption,
        document: &t.document,
        tree: tree(t, site.index, from),
        vendors: VendorLink::all(t, site.index, from),
        quality: finding_counts(&t.findings, &t.document.legend),
        tasks: t.tasks().count(),
        headings: t.headings().count(),
        gaps: t.gaps.len(),
        map: super::charts::home_map(site, from),
        tops_only: crate::plan::tops_only(t),
    }
}

fn finding_counts(findings: &[Finding], legend: &crate::legend::Legend) -> Vec<FindingCount> {
    let mut counts: BTreeMap<(Code, Severity), usize> = BTreeMap::new();
    for f in findings.iter().filter(|f| f.severity >= Severity::Warning) {
        *counts.entry((f.code, f.severity)).or_default() += 1;
    }
    counts
        .into_iter()
        .map(|((code, severity), count)| FindingCount { code, severity, label: legend.code_label(code), count })
        .collect()
}

#[derive(Serialize)]
pub struct RowView<'a> {
    no: u32,
    name: &'a str,
    description: &'a str,
    level: Option<u8>,
    heading: bool,
}

fn row_view(r: &Row) -> RowView<'_> {
    RowView { no: r.no, name: &r.name, description: &r.description, level: r.level, heading: r.is_heading() }
}

#[derive(Serialize)]
pub struct FlagView<'a> {
    code: Code,
    label: &'static str,
    message: &'a str,
    /// Whether it puts the row's roles in doubt (`Flag::questions_roles`).
    questions_roles: bool,
}

#[derive(Serialize)]
pub struct Item<'a> {
    row: RowView<'a>,
    breadcrumb: Vec<RowLink<'a>>,
    roles: Vec<RoleView<'a>>,
    flags: Vec<FlagView<'a>>,
    prev: Option<RowLink<'a>>,
    next: Option<RowLink<'a>>,
    source_file: String,
    source_line: usize,
    /// The row's line on the page of its source, and how a reader names the place.
    source: Option<(String, String)>,
    /// What a specification cites: the latest released revision's page of the row when
    /// one has it, else this page.
    citation: String,
    /// The page the citation names, site-relative, and its href from here.
    permalink: String,
    permalink_href: String,
    /// The citation of this page (the working data), when `citation` is a revision's.
    citation_latest: Option<String>,
    /// 版ごとの担当: the rows of its table, the row in each released revision and in the
    /// working data (`None` when nothing was released).
    history: Option<super::Block>,
}

pub fn item<'a>(site: &Site<'a>, row: &'a Row, from: &str) -> Item<'a> {
    let t = site.table;
    let tasks = &site.index.tasks;
    let at = tasks.binary_search(&row.no).ok();
    let neighbour =
        |i: Option<usize>| i.and_then(|i| tasks.get(i)).and_then(|n| t.row(*n)).map(|r| RowLink::new(r, from));
    let (citation, citation_latest, permalink, here) = citations(site, row, from);
    Item {
        row: row_view(row),
        breadcrumb: RowLink::list(t, site.index.ancestors.get(&row.no).map_or(&[], |v| v.as_slice()), from),
        roles: RoleView::list(t, row, from),
        flags: row
            .flags
            .iter()
            .map(|f| FlagView {
                code: f.code,
                label: row.flag_label(f.code),
                message: &f.message,
                questions_roles: f.questions_roles(),
            })
            .collect(),
        prev: neighbour(at.and_then(|i| i.checked_sub(1))),
        next: neighbour(at.map(|i| i + 1)),
        source_file: crate::export::display_path(&site.project.root, &row.source.file),
        source_line: row.source.line,
        source: super::source::of_row(site, row, from),
        citation,
        permalink_href: urls::href(&here, &permalink),
        permalink,
        citation_latest,
        history: super::history::item(site, row, from),
    }
}

/// An item page's citations: the revision's page it pins (on a frozen page, its own; on a
/// current page, the latest revision's that has the row), the page itself as the other
/// choice, and where the pinned page stands. `from` is the page's URL, and where it
/// stands in the site (`rev/<label>/…` on a frozen page).
fn citations(site: &Site, row: &Row, from: &str) -> (String, Option<String>, String, String) {
    let at = site.frozen.map_or_else(|| from.to_string(), |r| format!("{}{from}", r.prefix()));
    let latest_revision = site.timeline.and_then(|t| {
        t.revisions.iter().rev().find_map(|r| Some((r, r.table.row(row.no).filter(|x| !x.is_heading())?)))
    });
    match latest_revision {
        Some((revision, then)) => {
            let url = format!("{}{}", revision.prefix(), urls::item(row.no));
            (super::cite::pinned(site, revision, then), Some(super::cite::row(site, row, from)), url, at)
        }
        None => (super::cite::row(site, row, from), None, at.clone(), at),
    }
}

/// A page that only sends the reader on: meta refresh, canonical link, a visible link.
#[derive(Serialize)]
pub struct Redirect {
    target: String,
    /// The target, absolute when the site has a base URL.
    target_canonical: String,
    /// What the visible text says the page is.
    why: String,
    target_title: String,
}

fn redirect_to(site: &Site, from: &str, to: &str, why: String, target_title: String) -> Redirect {
    let target_canonical = match &site.project.config.base_url {
        Some(base) => urls::absolute(base, to),
        None => urls::href(from, to),
    };
    Redirect { target: urls::href(from, to), target_canonical, why, target_title }
}

/// `items/N/` of a heading: its phase page.
pub fn redirect(site: &Site, row: &Row, from: &str) -> Redirect {
    let why = format!("項番{}「{}」は見出しです。", row.no, row.name);
    redirect_to(site, from, &urls::phase(row.no), why, "見出しのページ".into())
}

/// An old URL kept by `aliases.csv`; returns the view and the target's title.
pub fn alias(site: &Site, a: &crate::read::continuity::Alias, from: &str) -> (Redirect, String) {
    let title = page_title(site, &a.new);
    let why = format!("このページ({})は {} に移りました。", a.old, a.new);
    (redirect_to(site, from, &a.new, why, title.clone()), title)
}

/// A page of a split list no longer made (see `plan::PartGone`): it leads to its list.
pub fn part_gone(site: &Site, gone: &crate::plan::PartGone, from: &str) -> (Redirect, String) {
    let title = match gone.list.as_str() {
        urls::QUALITY => "データ品質".to_string(),
        urls::UNASSIGNED => "事業者を特定できない作業".to_string(),
        urls::MATRIX => "役割分担表(全体)".to_string(),
        urls::VENDORS => "事業者".to_string(),
        list => page_title(site, list),
    };
    let why = format!("このページ({})の一覧は、分けるほど長くなくなりました。", gone.url);
    let mut view = redirect_to(site, from, &gone.list, why, title.clone());
    if let Some(fragment) = &gone.fragment {
        view.target.push('#');
        view.target.push_str(fragment);
        view.target_canonical.push('#');
        view.target_canonical.push_str(fragment);
    }
    (view, title)
}

/// The title of a page of this site by URL, as the reader knows it: the row or vendor name.
pub fn page_title(site: &Site, url: &str) -> String {
    let t = site.table;
    if let Some(row) = urls::row_no(url).and_then(|n| t.row(n)) {
        return format!("項番{} {}", row.no, row.name);
    }
    if let Some(v) = urls::vendor_id(url).and_then(|id| t.vendors.iter().find(|v| v.id == id)) {
        return v.name.clone();
    }
    if let Some(s) = urls::subsystem_id(url).and_then(|id| t.subsystems.iter().find(|s| s.id == id)) {
        return s.name.clone();
    }
    url.to_string()
}

/// The page standing at a retired URL.
#[derive(Serialize)]
pub struct Tombstone {
    pub title: String,
    url: String,
    date: String,
    reason: String,
    see: Option<Link>,
}

/// A link with its text.
#[derive(Serialize)]
pub struct Link {
    href: String,
    title: String,
}

pub fn tombstone(site: &Site, r: &crate::read::continuity::Retired, from: &str) -> Tombstone {
    // The title it had when it was published, when the previous manifest says.
    let published = site.baseline.manifest.as_ref().and_then(|p| p.manifest.get(&r.url)).map(|e| e.title.to_string());
    Tombstone {
        title: published.unwrap_or_else(|| r.url.clone()),
        url: r.url.clone(),
        date: r.date.clone(),
        reason: r.reason.clone(),
        see: r.see.as_ref().map(|to| Link { href: urls::href(from, to), title: page_title(site, to) }),
    }
}

/// The changes page: `data/changes.json` with links to the pages it names that still exist
/// (a removed row has none, unless an alias or a retirement stands at its URL).
#[derive(Serialize)]
pub struct ChangesPage {
    /// On a revision's frozen changes page: the revisions compared (this one, and the one
    /// before it).
    between: Option<(String, Option<String>)>,
    compared: bool,
    empty: bool,
    added: Vec<ChangeLine>,
    removed: Vec<ChangeLine>,
    renamed: Vec<ChangeLine>,
    renumbered: Vec<ChangeLine>,
    vendors: Vec<VendorLines>,
    /// How many lines each list has in all: past [`CHANGES_SHOWN`] (or a vendor's share of
    /// [`VENDOR_CHANGES_SHOWN`]) the page shows the first, and `data/changes.json` has all.
    counts: ChangeCounts,
}

/// The most lines of each of the lists of rows added, removed, renamed and renumbered the
/// changes page shows: a revision that renumbers a 100,000-task table changes every row,
/// and a page of every line would be tens of megabytes.
pub const CHANGES_SHOWN: usize = 500;

/// The most lines of roles gained and lost the changes page shows in all, shared among the
/// vendors (at least 20 each).
pub const VENDOR_CHANGES_SHOWN: usize = 2_000;

#[derive(Serialize)]
pub struct ChangeCounts {
    added: usize,
    removed: usize,
    renamed: usize,
    renumbered: usize,
}

#[derive(Serialize)]
pub struct ChangeLine {
    no: u32,
    name: String,
    href: Option<String>,
    /// A heading's mark, a former name, or the role gained or lost.
    note: String,
}

#[derive(Serialize)]
pub struct VendorLines {
    id: String,
    name: String,
    href: Option<String>,
    gained: Vec<ChangeLine>,
    lost: Vec<ChangeLine>,
    /// How many roles were gained and lost in all (see [`ChangesPage::counts`]).
    gained_count: usize,
    lost_count: usize,
}

pub fn changes(site: &Site, c: &crate::changes::Changes, from: &str) -> ChangesPage {
    let kept: std::collections::HashSet<&str> = site.continuity.declared().map(|(u, _)| u).collect();
    let line = |no: u32, name: &str, note: String| ChangeLine {
        no,
        name: name.to_string(),
        href: (site.table.row(no).is_some() || kept.contains(urls::item(no).as_str()))
            .then(|| urls::href(from, &urls::item(no))),
        note,
    };
    let heading = |h: bool| if h { "見出し".to_string() } else { String::new() };
    let role = |r: &crate::changes::RoleChange| {
        let label = match site.table.document.legend.by_id(&r.role) {
            Some(k) => format!("{} {}", k.symbol(), k.label()),
            None => r.role.clone(),
        };
        line(r.no, &r.name, label)
    };
    ChangesPage {
        between: site.frozen.map(|r| (r.edition(), site.previous.map(|p| p.edition()))),
        compared: c.compared,
        empty: c.added.is_empty()
            && c.removed.is_empty()
            && c.renamed.is_empty()
            && c.renumbered.is_empty()
            && c.vendors.is_empty(),
        added: c.added.iter().take(CHANGES_SHOWN).map(|i| line(i.no, &i.name, heading(i.heading))).collect(),
        removed: c.removed.iter().take(CHANGES_SHOWN).map(|i| line(i.no, &i.name, heading(i.heading))).collect(),
        renamed: c.renamed.iter().take(CHANGES_SHOWN).map(|r| line(r.no, &r.new, r.old.clone())).collect(),
        renumbered: c
            .renumbered
            .iter()
            .take(CHANGES_SHOWN)
            .map(|r| line(r.new, &r.name, format!("項番{}", r.old)))
            .collect(),
        vendors: c
            .vendors
            .iter()
            .map(|v| {
                // Each vendor's share, gained first: what is left of it goes to the lost.
                let share = (VENDOR_CHANGES_SHOWN / c.vendors.len().max(1)).max(20);
                let gained: Vec<ChangeLine> = v.gained.iter().take(share).map(role).collect();
                let lost = v.lost.iter().take(share - gained.len()).map(role).collect();
                VendorLines {
                    id: v.id.clone(),
                    name: v.name.clone(),
                    href: site.table.vendor(&v.id).is_some().then(|| urls::href(from, &urls::vendor(&v.id))),
                    gained,
                    lost,
                    gained_count: v.gained.len(),
                    lost_count: v.lost.len(),
                }
            })
            .collect(),
        counts: ChangeCounts {
            added: c.added.len(),
            removed: c.removed.len(),
            renamed: c.renamed.len(),
            renumbered: c.renumbered.len(),
        },
    }
}

/// A vendor × task grid limited to the vendors involved.
#[derive(Serialize)]
pub struct Grid<'a> {
    /// The legend's kinds: a row of counts in the foot for each.
    kinds: Vec<super::views::KindView>,
    vendors: Vec<GridVendor<'a>>,
    /// How many rows `body` holds.
    rows: usize,
    /// The rows as HTML, rendered block by block from `grid-rows.html`.
    body: super::Block,
}

/// What `grid-rows.html` sees: a block of rows, and how many columns the vendors span.
#[derive(Serialize)]
struct GridRows<'r, 'a> {
    rows: &'r [GridRow<'a>],
    columns: usize,
}

#[derive(Serialize)]
struct GridVendor<'a> {
    id: &'a str,
    name: &'a str,
    short: &'a str,
    href: String,
    /// Its tasks per kind, in legend order.
    counts: Vec<crate::index::Tally>,
}

#[derive(Serialize)]
struct GridRow<'a> {
    link: RowLink<'a>,
    level: Option<u8>,
    /// The task's vendor cells, as HTML (see `marks`); empty for a heading.
    marks: String,
    /// The symbols standing in columns no vendor can be named for, in column order.
    uncertain: String,
}

fn grid<'a>(site: &Site<'a>, rows: &[&'a Row], all_vendors: bool, from: &str) -> Result<Grid<'a>> {
    let t = site.table;
    let ix = site.index;
    let tasks: Vec<u32> = rows.iter().filter(|r| !r.is_heading()).map(|r| r.no).collect();
    let counts = ix.vendor_counts(t.vendors.len(), &tasks);
    // Each vendor's column in this grid, by its position in the table.
    let mut column = vec![None; t.vendors.len()];
    let mut vendors: Vec<(&Vendor, Vec<crate::index::Tally>)> = Vec::new();
    for (at, v) in t.vendors.iter().enumerate() {
        if all_vendors || counts[at].is_some() {
            column[at] = Some(vendors.len());
            let tallies = counts[at].clone().unwrap_or_else(|| vec![Default::default(); ix.kinds]);
            vendors.push((v, tallies));
        }
    }
    let several = t.document.legend.several;
    let grid_rows: Vec<GridRow> = rows
        .iter()
        .map(|r| GridRow {
            link: RowLink::new(r, from),
            level: r.level,
            marks: match r.is_heading() {
                true => String::new(),
                false => marks(ix.marks(r.no), &column, vendors.len(), ix.doubtful.contains(&r.no), several),
            },
            uncertain: r.roles.iter().filter(|x| x.basis == Basis::Uncertain).map(|x| x.role.symbol()).collect(),
        })
        .collect();
    let blocks: Vec<super::Block> = blocks(rows)
        .par_iter()
        .map(|range| {
            let view = GridRows { rows: &grid_rows[range.clone()], columns: vendors.len() + 1 };
            site.fragment(from, "grid-rows.html", &view)
        })
        .collect::<Result<_>>()?;
    Ok(Grid {
        kinds: super::views::KindView::all(&t.document.legend),
        vendors: vendors
            .into_iter()
            .map(|(v, counts)| GridVendor {
                id: &v.id,
                name: &v.name,
                short: &v.short,
                href: urls::href(from, &urls::vendor(&v.id)),
                counts,
            })
            .collect(),
        rows: rows.len(),
        body: super::Block::join(blocks),
    })
}

/// Split rows into blocks for rendering: at a heading once a block has 64 rows, and at 256
/// rows at the latest. Cutting at headings keeps the other blocks the same when a row is
/// added or removed, so they are taken from the last build rather than rendered again.
fn blocks(rows: &[&Row]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, row) in rows.iter().enumerate() {
        let len = i - start;
        if len >= 256 || (len >= 64 && row.is_heading()) {
            out.push(start..i);
            start = i;
        }
    }
    if start < rows.len() {
        out.push(start..rows.len());
    }
    out
}

/// A grid row's vendor cells, one `<td>` for each of the grid's `width` vendors: the
/// heaviest symbol the task names it with (every one, as `A/R`, where the legend lets a
/// cell hold several), else empty; each symbol with its role in words for screen readers,
/// and on a row whose roles are in doubt marked `?` (要確認). `column` places a vendor (by
/// its position in the table) in the grid. Written here rather than looped over in
/// `grid-rows.html`: a 10,000-task site has over a million such cells, and a Tera loop,
/// which looks up every value it prints, costs far more than this one.
fn marks(marks: &[(usize, RoleKind)], column: &[Option<usize>], width: usize, doubtful: bool, several: bool) -> String {
    let mut cells: Vec<Vec<RoleKind>> = vec![Vec::new(); width];
    for &(at, role) in marks {
        if let Some(c) = column[at] {
            cells[c].push(role);
        }
    }
    let mut out = String::with_capacity(width * 24);
    for mut cell in cells {
        cell.sort();
        cell.dedup();
        if !several {
            cell.truncate(1);
        }
        // No class on a plain cell: the grid's style reaches its cells by their place, and a
        // class on each of a million cells would be 10 MB of a 100,000-task site.
        let Some(first) = cell.first() else {
            out.push_str("<td></td>");
            continue;
        };
        let mut classes: Vec<String> = match first.rank() {
            0 => vec!["p".into()],
            1 => vec![],
            _ => vec![first.class()],
        };
        if doubtful {
            classes.push("doubt".into());
        }
        match classes.is_empty() {
            true => out.push_str("<td>"),
            false => out.push_str(&format!("<td class=\"{}\">", classes.join(" "))),
        }
        // A legend's symbols and names come from site.toml: escaped like any text.
        let symbols: Vec<&str> = cell.iter().map(|k| k.symbol()).collect();
        let words: Vec<&str> = cell.iter().map(|k| k.label()).collect();
        crate::html::escape_into(&mut out, &symbols.join("/"));
        if doubtful {
            out.push_str("<sup aria-hidden=\"true\">?</sup>");
        }
        out.push_str("<span class=\"vh\">");
        crate::html::escape_into(&mut out, &words.join("・"));
        out.push_str(if doubtful { "(要確認)</span></td>" } else { "</span></td>" });
    }
    out
}

#[derive(Serialize)]
pub struct Phase<'a> {
    row: RowView<'a>,
    /// The heading's line on the page of its source, and how a reader names the place.
    source: Option<(String, String)>,
    breadcrumb: Vec<RowLink<'a>>,
    children: Vec<RowLink<'a>>,
    /// The grid of the rows below, or of those of one span (`span`); none when `parts`
    /// list the pages of the spans instead (see `plan::phase_parts`).
    grid: Option<Grid<'a>>,
    parts: Vec<PartLink>,
    span: Option<(u32, u32)>,
    list_href: String,
    tasks: usize,
    parent_unknown: bool,
    map: Option<super::charts::LoadMap>,
}

pub fn phase<'a>(site: &Site<'a>, row: &'a Row, from: &str) -> Result<Phase<'a>> {
    let t = site.table;
    let ix = site.index;
    let below: Vec<&Row> = descendants(site, row.no);
    // As `plan::phase_parts` cuts them: the same rows, found through the index.
    let nos: Vec<u32> = below.iter().map(|r| r.no).collect();
    let starts = match nos.len() > crate::plan::PHASE_GRID_AT_MOST {
        true => crate::plan::starts_of(&nos, crate::plan::grid_span_of),
        false => Vec::new(),
    };
    let parts = part_links(&nos, &starts, GRID_SPANS, |start| urls::phase_part(row.no, start), from);
    let children = ix.children.get(&row.no).map_or(&[][..], |v| v.as_slice());
    // Split, the page lists the headings right below it; their rows are in the parts.
    let children: Vec<u32> = match parts.is_empty() {
        true => children.to_vec(),
        false => children.iter().copied().filter(|no| t.row(*no).is_some_and(Row::is_heading)).collect(),
    };
    Ok(Phase {
        row: row_view(row),
        source: super::source::of_row(site, row, from),
        breadcrumb: RowLink::list(t, ix.ancestors.get(&row.no).map_or(&[], |v| v.as_slice()), from),
        children: RowLink::list(t, &children, from),
        grid: match parts.is_empty() {
            true => Some(grid(site, &below, false, from)?),
            false => None,
        },
        parts,
        span: None,
        list_href: urls::href(from, &urls::phase(row.no)),
        tasks: ix.tasks_under.get(&row.no).map_or(0, Vec::len),
        parent_unknown: row.has_flag(Code::ParentUnknown),
        map: Some(super::charts::phase_map(site, row, from)),
    })
}

/// One span of the rows below a heading, as its page's grid shows them.
pub fn phase_part<'a>(site: &Site<'a>, row: &'a Row, start: u32, from: &str) -> Result<Phase<'a>> {
    let t = site.table;
    let ix = site.index;
    let end = crate::plan::grid_span_end(start);
    let below: Vec<&Row> = descendants(site, row.no).into_iter().filter(|r| (start..=end).contains(&r.no)).collect();
    let mut breadcrumb: Vec<u32> = ix.ancestors.get(&row.no).cloned().unwrap_or_default();
    breadcrumb.push(row.no);
    Ok(Phase {
        row: row_view(row),
        source: None,
        breadcrumb: RowLink::list(t, &breadcrumb, from),
        children: Vec::new(),
        grid: Some(grid(site, &below, false, from)?),
        parts: Vec::new(),
        span: Some((start, end)),
        list_href: urls::href(from, &urls::phase(row.no)),
        tasks: ix.tasks_under.get(&row.no).map_or(0, Vec::len),
        parent_unknown: row.has_flag(Code::ParentUnknown),
        map: None,
    })
}

/// Every row below a heading, in table order.
fn descendants<'a>(site: &Site<'a>, no: u32) -> Vec<&'a Row> {
    let mut out = Vec::new();
    for child in site.index.children.get(&no).into_iter().flatten() {
        if let Some(r) = site.table.row(*child) {
            out.push(r);
            if r.is_heading() {
                out.extend(descendants(site, r.no));
            }
        }
    }
    out
}

#[derive(Serialize)]
pub struct NameGroup<'a> {
    name: &'a str,
    headings: Vec<TreeNode<'a>>,
}

#[derive(Serialize)]
pub struct Phases<'a> {
    tree: Vec<TreeNode<'a>>,
    by_name: Vec<NameGroup<'a>>,
    tops_only: bool,
}

pub fn phases<'a>(site: &Site<'a>, from: &str) -> Phases<'a> {
    let all = tree(site.table, site.index, from);
    let tops_only = crate::plan::tops_only(site.table);
    let mut by_name: Vec<NameGroup> = Vec::new();
    for (name, nos) in &site.index.headings_by_name {
        let nodes: Vec<TreeNode> = all.iter().filter(|n| n.gap.is_none() && nos.contains(&n.no)).cloned().collect();
        // A tree of the top headings names only them.
        if !(tops_only && nodes.is_empty()) {
            by_name.push(NameGroup { name, headings: nodes });
        }
    }
    Phases { tree: all, by_name, tops_only }
}

#[derive(Serialize)]
pub struct PhaseGroup<'a> {
    phase: Option<RowLink<'a>>,
    rows: Vec<RowLink<'a>>,
    /// Headings whose part of the list starts here, top first: each opens a block that
    /// holds exactly the listed tasks below that heading, so a link can point at them.
    open: Vec<Opening<'a>>,
    /// How many of those blocks end after this group.
    close: usize,
}

#[derive(Serialize)]
pub struct Opening<'a> {
    link: RowLink<'a>,
    /// Whether the heading needs a line of its own (the group's own heading has its title).
    label: bool,
}

/// Tasks grouped under their immediate heading, in table order, inside nested blocks for
/// every heading above them.
fn by_phase<'a>(site: &Site<'a>, nos: &[u32], from: &str) -> Vec<PhaseGroup<'a>> {
    let mut groups: Vec<(Option<u32>, Vec<u32>)> = Vec::new();
    for no in nos {
        let parent = site.table.row(*no).and_then(|r| r.parent);
        match groups.last_mut() {
            Some((p, list)) if *p == parent => list.push(*no),
            _ => groups.push((parent, vec![*no])),
        }
    }
    // The heading chain each group sits in, top first, its own heading last.
    let chain = |p: Option<u32>| -> Vec<u32> {
        let Some(p) = p else { return Vec::new() };
        let mut chain = site.index.ancestors.get(&p).cloned().unwrap_or_default();
        chain.push(p);
        chain
    };
    let chains: Vec<Vec<u32>> = groups.iter().map(|(p, _)| chain(*p)).collect();
    let shared = |a: &[u32], b: &[u32]| a.iter().zip(b).take_while(|(x, y)| x == y).count();
    groups
        .into_iter()
        .enumerate()
        .map(|(i, (p, list))| {
            let here = &chains[i];
            let before = if i == 0 { 0 } else { shared(&chains[i - 1], here) };
            let after = chains.get(i + 1).map_or(0, |next| shared(here, next));
            PhaseGroup {
                phase: p.and_then(|p| site.table.row(p)).map(|r| RowLink::new(r, from)),
                rows: RowLink::list(site.table, &list, from),
                open: here[before..]
                    .iter()
                    .filter_map(|h| site.table.row(*h))
                    .map(|r| Opening { label: Some(r.no) != p, link: RowLink::new(r, from) })
                    .collect(),
                close: here.len() - after,
            }
        })
        .collect()
}

#[derive(Serialize)]
pub struct VendorPage<'a> {
    vendor: &'a Vendor,
    spellings: Vec<&'a str>,
    /// A list of tasks by phase for each kind of role, heaviest first, rendered
    /// (`vendor-groups.html`).
    lists: Vec<super::Block>,
    /// Its tasks per kind, in legend order.
    counts: Vec<crate::index::Tally>,
    /// Whether any of them is in doubt.
    doubtful: bool,
    /// The bars by phase, rendered (`vendor-bars.html`).
    bars: super::Block,
    standings: super::charts::Standings<'a>,
    /// Per released revision, the roles gained and lost.
    steps: Vec<super::history::VendorStep>,
}

/// A vendor page's bars, for `vendor-bars.html`.
#[derive(Serialize)]
struct Bars {
    bars: super::charts::VendorBars,
}

/// One list of a vendor page, for `vendor-groups.html`: its groups come rendered.
#[derive(Serialize)]
struct Groups<'t> {
    id: &'t str,
    title: &'t str,
    count: crate::index::Tally,
    body: super::Block,
}

/// A run of a list's groups, for `vendor-group-rows.html`.
#[derive(Serialize)]
struct GroupRows<'v, 'a> {
    id: &'v str,
    groups: &'v [PhaseGroup<'a>],
}

/// A vendor's list, its groups rendered in runs of about 256 rows on all cores: the list of
/// a large table's vendor has tens of thousands of rows, and rendered whole its template's
/// context no longer fits the processor's caches, so each row costs more.
fn vendor_list<'t>(site: &Site, from: &str, id: &'t str, title: &'t str, nos: &[u32]) -> Result<Groups<'t>> {
    let groups = by_phase(site, nos, from);
    let mut runs = Vec::new();
    let (mut start, mut rows) = (0, 0);
    for (i, g) in groups.iter().enumerate() {
        if rows >= 256 {
            runs.push(start..i);
            (start, rows) = (i, 0);
        }
        rows += g.rows.len();
    }
    runs.push(start..groups.len());
    let parts = runs
        .into_par_iter()
        .map(|run| site.part(from, "vendor-group-rows.html", &GroupRows { id, groups: &groups[run] }))
        .collect::<Result<Vec<_>>>()?;
    Ok(Groups { id, title, count: site.index.tally(nos), body: super::Block::join(parts) })
}

pub fn vendor<'a>(site: &Site<'a>, v: &'a Vendor, from: &str) -> Result<VendorPage<'a>> {
    let vi = &site.index.vendors[&v.id];
    // Each list is a fragment: an edit that moves another vendor's counts changes this
    // page's charts, not its lists, which are then taken from the last build.
    // A list shows its rows as the outline has them: it is known by their numbers.
    let list = |id: &str, title: &str, nos: &[u32]| {
        let groups = || vendor_list(site, from, id, title, nos);
        site.fragment_from(from, "vendor-groups.html", &(from, id, title, nos), groups)
    };
    let kinds = &site.table.document.legend.kinds;
    let lists = (kinds.iter())
        .map(|k| match crate::plan::list_split(vi.of(*k).len()) {
            true => list_parts(site, v, *k, from),
            false => list(k.id(), &list_title(*k), vi.of(*k)),
        })
        .collect::<Result<Vec<_>>>()?;
    let counts: Vec<crate::index::Tally> = vi.roles.iter().map(|nos| site.index.tally(nos)).collect();
    Ok(VendorPage {
        vendor: v,
        spellings: vi.spellings.iter().map(String::as_str).collect(),
        lists,
        doubtful: counts.iter().any(|c| c.doubtful > 0),
        counts,
        // The bars count the vendor's own tasks, by the outline's top headings; which are
        // in doubt, the outline's flags tell.
        bars: site.fragment_from(
            from,
            "vendor-bars.html",
            &(from, &v.name, &vi.roles, &site.table.document.legend),
            || Ok(Bars { bars: super::charts::vendor_bars(site, v, from) }),
        )?,
        standings: super::charts::standings(site, v, from),
        steps: super::history::vendor(site, &v.id, from),
    })
}

/// A vendor's list of one kind of role too long for its page: its count, and links to the
/// pages of its tasks by span of 項番 (see `plan::vendor_parts`), each with its count.
fn list_parts(site: &Site, v: &Vendor, kind: RoleKind, from: &str) -> Result<super::Block> {
    let nos = site.index.vendors[&v.id].of(kind);
    let mut body =
        String::from("<p>一ページには多すぎるため、項番の範囲ごとのページに分けています。</p>\n<ul class=\"parts\">");
    for start in crate::plan::spans(nos) {
        let href = crate::html::escape(&urls::href(from, &urls::vendor_part(&v.id, kind.id(), start)));
        let count = nos.iter().filter(|no| crate::plan::span_of(**no) == start).count();
        let end = crate::plan::span_end(start);
        body.push_str(&format!("<li><a href=\"{href}\">項番 {start}–{end}</a>({count} 件)</li>"));
    }
    body.push_str("</ul>\n");
    let title = list_title(kind);
    let count = site.index.tally(nos);
    let view = Groups { id: kind.id(), title: &title, count, body: super::Block::new(None, body.into()) };
    site.part(from, "vendor-groups.html", &view)
}

/// One page of a vendor's tasks of one kind of role (see `plan::vendor_parts`): the part
/// of its list, with the same anchors, so the load maps and bars can link into it.
#[derive(Serialize)]
pub struct VendorPart<'a> {
    vendor: &'a Vendor,
    vendor_href: String,
    intro: String,
    list: super::Block,
}

pub fn vendor_part<'a>(
    site: &Site<'a>,
    v: &'a Vendor,
    kind: RoleKind,
    start: u32,
    from: &str,
) -> Result<VendorPart<'a>> {
    let nos: Vec<u32> =
        site.index.vendors[&v.id].of(kind).iter().copied().filter(|no| crate::plan::span_of(*no) == start).collect();
    let end = crate::plan::span_end(start);
    let title = list_title(kind);
    let intro = format!(
        "{}の「{title}」のうち、項番 {start}–{end} のものです。ほかの項番は事業者のページから開けます。",
        v.name
    );
    let list = site.part(from, "vendor-groups.html", &vendor_list(site, from, kind.id(), &title, &nos)?)?;
    Ok(VendorPart { vendor: v, vendor_href: urls::href(from, &urls::vendor(&v.id)), intro, list })
}

/// The heading of a vendor's list of one kind of role: 「◎ 主担当の作業」, 「○ 協力する作業」.
pub fn list_title(kind: RoleKind) -> String {
    match kind.label() {
        "協力" => format!("{} 協力する作業", kind.symbol()),
        label => format!("{} {label}の作業", kind.symbol()),
    }
}

#[derive(Serialize)]
pub struct Vendors<'a> {
    vendors: Vec<VendorLink<'a>>,
}

pub fn vendors<'a>(site: &Site<'a>, from: &str) -> Vendors<'a> {
    Vendors { vendors: VendorLink::all(site.table, site.index, from) }
}

#[derive(Serialize)]
pub struct SubsystemPage<'a> {
    subsystem: &'a Subsystem,
    /// The tasks naming it.
    count: usize,
    /// The grid of those tasks, or of those of one span (`span`); none when `parts` list
    /// the pages of the spans instead.
    grid: Option<Grid<'a>>,
    parts: Vec<PartLink>,
    span: Option<(u32, u32)>,
    list_href: String,
}

/// A subsystem's page: the grid of the tasks naming it, or the list of the pages of their
/// spans (see `plan::subsystem_parts`).
pub fn subsystem<'a>(site: &Site<'a>, s: &'a Subsystem, from: &str) -> Result<SubsystemPage<'a>> {
    let nos = site.index.subsystems.get(&s.id).map_or(&[][..], Vec::as_slice);
    // As `plan::subsystem_parts` cuts them: the same tasks, found through the index.
    let starts = match nos.len() > crate::plan::SUBSYSTEM_WHOLE_AT_MOST {
        true => crate::plan::starts_of(nos, crate::plan::grid_span_of),
        false => Vec::new(),
    };
    let parts = part_links(nos, &starts, GRID_SPANS, |start| urls::subsystem_part(&s.id, start), from);
    let grid = match parts.is_empty() {
        true => Some(grid(site, &nos.iter().filter_map(|n| site.table.row(*n)).collect::<Vec<_>>(), false, from)?),
        false => None,
    };
    let list_href = urls::href(from, &urls::subsystem(&s.id));
    Ok(SubsystemPage { subsystem: s, count: nos.len(), grid, parts, span: None, list_href })
}

/// One span of a subsystem's tasks, as its page's grid shows them.
pub fn subsystem_part<'a>(site: &Site<'a>, s: &'a Subsystem, start: u32, from: &str) -> Result<SubsystemPage<'a>> {
    let nos = site.index.subsystems.get(&s.id).map_or(&[][..], Vec::as_slice);
    let end = crate::plan::grid_span_end(start);
    let rows: Vec<&Row> =
        nos.iter().filter(|no| (start..=end).contains(*no)).filter_map(|n| site.table.row(*n)).collect();
    Ok(SubsystemPage {
        subsystem: s,
        count: nos.len(),
        grid: Some(grid(site, &rows, false, from)?),
        parts: Vec::new(),
        span: Some((start, end)),
        list_href: urls::href(from, &urls::subsystem(&s.id)),
    })
}

#[derive(Serialize)]
pub struct SubsystemLink<'a> {
    id: &'a str,
    name: &'a str,
    href: String,
    tasks: usize,
}

#[derive(Serialize)]
pub struct Subsystems<'a> {
    subsystems: Vec<SubsystemLink<'a>>,
}

pub fn subsystems<'a>(site: &Site<'a>, from: &str) -> Subsystems<'a> {
    Subsystems {
        subsystems: site
            .table
            .subsystems
            .iter()
            .map(|s| SubsystemLink {
                id: &s.id,
                name: &s.name,
                href: urls::href(from, &urls::subsystem(&s.id)),
                tasks: site.index.subsystems.get(&s.id).map_or(0, Vec::len),
            })
            .collect(),
    }
}

#[derive(Serialize)]
pub struct Rows<'a> {
    intro: String,
    groups: Vec<PhaseGroup<'a>>,
    count: usize,
    /// The pages listing them instead, when they are too many for one.
    parts: Vec<PartLink>,
}

/// The tasks no vendor can be named for as ◎, with why: no symbol at all, ○ only, or a ◎
/// standing only in columns no vendor can be named for. (Not the 「○のみで◎なし」 finding,
/// which is one of the three.)
pub fn unassigned<'a>(site: &Site<'a>, from: &str) -> Rows<'a> {
    let nos = &site.index.unassigned;
    let rows = || nos.iter().filter_map(|n| site.table.row(*n));
    let none = rows().filter(|r| r.roles.is_empty()).count();
    let cooperating = rows().filter(|r| !r.roles.is_empty() && r.primaries().next().is_none()).count();
    let unknown = nos.len() - none - cooperating;
    // Named by the legend: ◎ and ○ in the standard one, R and A, C, I in RACI.
    let kinds = &site.table.document.legend.kinds;
    let (p, name) = kinds.first().map_or(("", ""), |k| (k.symbol(), k.label()));
    let others: Vec<&str> = kinds.iter().skip(1).map(|k| k.symbol()).collect();
    let others = others.join("・");
    // As `plan::unassigned_parts` cuts them: the same tasks, found through the index.
    let starts = match crate::plan::list_split(nos.len()) {
        true => crate::plan::spans(nos),
        false => Vec::new(),
    };
    let parts = part_links(nos, &starts, LIST_SPANS, urls::unassigned_part, from);
    Rows {
        intro: format!(
            "{p}({name})を担う事業者を名指しできない作業です。内訳は、記号が一つもない作業 {none} 件、{others}のみで{p}がない作業 \
             {cooperating} 件、{p}が事業者を特定できない列にしかない作業 {unknown} 件。原本のセル欠落や列ずれの可能性があります。"
        ),
        groups: match parts.is_empty() {
            true => by_phase(site, nos, from),
            false => Vec::new(),
        },
        count: nos.len(),
        parts,
    }
}

/// One page of the unassigned tasks (see `plan::unassigned_parts`), by heading.
pub fn unassigned_part<'a>(site: &Site<'a>, start: u32, from: &str) -> Rows<'a> {
    span_rows(site, &site.index.unassigned, start, "担う事業者を名指しできない作業", "一覧のページ", from)
}

/// One page of a split list: those of `nos` in the span from `start`, by heading,
/// introduced as part of `what`, the others being on `elsewhere`.
fn span_rows<'a>(site: &Site<'a>, nos: &[u32], start: u32, what: &str, elsewhere: &str, from: &str) -> Rows<'a> {
    let nos: Vec<u32> = nos.iter().copied().filter(|no| crate::plan::span_of(*no) == start).collect();
    let end = crate::plan::span_end(start);
    Rows {
        intro: format!("{what}のうち、項番 {start}–{end} のものです。ほかの項番は{elsewhere}から開けます。"),
        groups: by_phase(site, &nos, from),
        count: nos.len(),
        parts: Vec::new(),
    }
}

/// The matrix: every row in one grid, or, for a table too large for one page, the list of
/// its parts (`parts`); or one part (`part`, with its grid).
#[derive(Serialize)]
pub struct Matrix<'a> {
    grid: Option<Grid<'a>>,
    parts: Vec<MatrixPartLink>,
    part: Option<MatrixPartNav>,
    rows: usize,
}

/// A part of the matrix as its list shows it: the 項番 it spans, its first heading, and its
/// tasks, of which `doubtful` have a role in doubt.
#[derive(Serialize)]
pub struct MatrixPartLink {
    href: String,
    from: u32,
    to: u32,
    heading: String,
    tasks: usize,
    doubtful: usize,
}

/// Where a part stands among the parts: its place, and links to the list and its neighbours.
#[derive(Serialize)]
pub struct MatrixPartNav {
    from: u32,
    to: u32,
    place: usize,
    count: usize,
    list: String,
    prev: Option<String>,
    next: Option<String>,
}

pub fn matrix<'a>(site: &Site<'a>, from: &str) -> Result<Matrix<'a>> {
    let t = site.table;
    let parts = crate::plan::matrix_parts(t);
    if !parts.is_empty() {
        let link = |p: &crate::plan::MatrixPart| {
            let tasks: Vec<u32> = p.rows.iter().filter(|r| !r.is_heading()).map(|r| r.no).collect();
            MatrixPartLink {
                href: urls::href(from, &urls::matrix_part(p.start)),
                from: p.rows[0].no,
                to: p.rows[p.rows.len() - 1].no,
                heading: p.rows.iter().find(|r| r.is_heading()).map(|r| r.name.clone()).unwrap_or_default(),
                doubtful: tasks.iter().filter(|n| site.index.doubtful.contains(n)).count(),
                tasks: tasks.len(),
            }
        };
        let parts = parts.iter().map(link).collect();
        return Ok(Matrix { grid: None, parts, part: None, rows: t.rows.len() });
    }
    let rows: Vec<&Row> = t.rows.iter().collect();
    Ok(Matrix { grid: Some(grid(site, &rows, true, from)?), parts: Vec::new(), part: None, rows: rows.len() })
}

/// One part of a split matrix (see `plan::matrix_parts`).
pub fn matrix_part<'a>(site: &Site<'a>, part: &crate::plan::MatrixPart<'a>, from: &str) -> Result<Matrix<'a>> {
    let href = |start: u32| urls::href(from, &urls::matrix_part(start));
    let rows: Vec<&Row> = part.rows.iter().collect();
    let nav = MatrixPartNav {
        from: part.rows[0].no,
        to: part.rows[part.rows.len() - 1].no,
        place: part.place + 1,
        count: part.count,
        list: urls::href(from, urls::MATRIX),
        prev: part.prev.map(href),
        next: part.next.map(href),
    };
    Ok(Matrix { grid: Some(grid(site, &rows, true, from)?), parts: Vec::new(), part: Some(nav), rows: rows.len() })
}

/// One page of a flag's rows (see `plan::flag_parts`), by heading, as the list of tasks
/// without a named ◎ is.
pub fn flag_part<'a>(site: &Site<'a>, code: Code, start: u32, from: &str) -> Rows<'a> {
    let nos: Vec<u32> = site.table.rows.iter().filter(|r| r.has_flag(code)).map(|r| r.no).collect();
    let what = format!("「{}」の指摘がある行", site.table.document.legend.code_label(code));
    span_rows(site, &nos, start, &what, "「データ品質」のページ", from)
}

#[derive(Serialize)]
pub struct FindingView {
    /// Set on the first finding of each code, so the counts table can link to it.
    anchor: Option<Code>,
    location: String,
    code: Code,
    label: &'static str,
    severity: Severity,
    message: String,
}

/// The rows of one flag: listed here, or, when too many (`plan::LIST_AT_MOST`), in
/// pages of a span of 項番 each, linked from `parts`.
#[derive(Serialize)]
pub struct FlagGroup<'a> {
    code: Code,
    label: &'static str,
    count: usize,
    rows: Vec<RowLink<'a>>,
    parts: Vec<PartLink>,
}

/// A page of a split list, as the list's page links it: its span of 項番 and how many of
/// the list's rows stand in it.
#[derive(Serialize)]
pub struct PartLink {
    href: String,
    from: u32,
    to: u32,
    count: usize,
}

/// The links to the pages at `starts` of a list of rows `nos`, cut in spans by `of` (a
/// 項番's span) and `end` (a span's last 項番), each page at `url`.
fn part_links(nos: &[u32], starts: &[u32], (of, end): Spans, url: impl Fn(u32) -> String, from: &str) -> Vec<PartLink> {
    let links = starts.iter().map(|&start| PartLink {
        href: urls::href(from, &url(start)),
        from: start,
        to: end(start),
        count: nos.iter().filter(|no| of(**no) == start).count(),
    });
    links.collect()
}

/// How a split list is cut: the start of a 項番's span, and a span's last 項番.
type Spans = (fn(u32) -> u32, fn(u32) -> u32);

/// How the lists of the quality, unassigned and vendor pages are cut, and how grids are.
const LIST_SPANS: Spans = (crate::plan::span_of, crate::plan::span_end);
const GRID_SPANS: Spans = (crate::plan::grid_span_of, crate::plan::grid_span_end);

#[derive(Serialize)]
pub struct Quality<'a> {
    counts: Vec<FindingCount>,
    gaps: &'a [crate::model::Gap],
    document: Vec<FindingView>,
    flagged: Vec<FlagGroup<'a>>,
    strip: super::charts::Strip<'a>,
}

pub fn quality<'a>(site: &Site<'a>, from: &str) -> Quality<'a> {
    let t = site.table;
    let root = &site.project.root;
    let mut document: Vec<FindingView> = t
        .findings
        .iter()
        .filter(|f| f.no.is_none())
        .map(|f| FindingView {
            anchor: None,
            location: format!("{}:{}", crate::export::display_path(root, &f.location.file), f.location.line),
            code: f.code,
            label: t.document.legend.code_label(f.code),
            severity: f.severity,
            message: f.message.clone(),
        })
        .collect();
    document.sort_by(|a, b| (a.location.len(), &a.location, a.code).cmp(&(b.location.len(), &b.location, b.code)));
    let mut anchored = std::collections::HashSet::from([Code::Gap]);
    for f in &mut document {
        if anchored.insert(f.code) {
            f.anchor = Some(f.code);
        }
    }
    let mut codes: Vec<Code> = t.rows.iter().flat_map(|r| r.flags.iter().map(|f| f.code)).collect();
    codes.sort();
    codes.dedup();
    let parts = crate::plan::flag_parts(t);
    let flagged = codes
        .into_iter()
        .map(|code| {
            let rows: Vec<&Row> = t.rows.iter().filter(|r| r.has_flag(code)).collect();
            let nos: Vec<u32> = rows.iter().map(|r| r.no).collect();
            let starts: Vec<u32> = parts.iter().filter(|(c, _)| *c == code).map(|(_, start)| *start).collect();
            let parts = part_links(&nos, &starts, LIST_SPANS, |start| urls::flag_part(code.as_str(), start), from);
            FlagGroup {
                code,
                label: t.document.legend.code_label(code),
                count: rows.len(),
                rows: match parts.is_empty() {
                    true => rows.iter().map(|r| RowLink::new(r, from)).collect(),
                    false => Vec::new(),
                },
                parts,
            }
        })
        .collect();
    Quality {
        counts: finding_counts(&t.findings, &t.document.legend),
        gaps: &t.gaps,
        document,
        flagged,
        strip: super::charts::quality_strip(site, from),
    }
}

#[derive(Serialize)]
pub struct Content<'a> {
    html: &'a str,
}

pub fn content(p: &ContentPage) -> Content<'_> {
    Content { html: &p.html }
}

/// A 項番 the source lost: where it falls, what the document says there, and the rows
/// standing either side of the loss.
#[derive(Serialize)]
pub struct Lost<'a> {
    no: u32,
    from: u32,
    to: u32,
    reason: &'a str,
    lost_text: Option<&'a str>,
    before: Option<RowLink<'a>>,
    after: Option<RowLink<'a>>,
}

pub fn lost<'a>(site: &Site<'a>, gap: &'a crate::model::Gap, no: u32, from: &str) -> Lost<'a> {
    let t = site.table;
    let at = t.rows.partition_point(|r| r.no < gap.from);
    Lost {
        no,
        from: gap.from,
        to: gap.to,
        reason: &gap.reason,
        lost_text: gap.lost_text.as_deref(),
        before: at.checked_sub(1).and_then(|i| t.rows.get(i)).map(|r| RowLink::new(r, from)),
        after: t.rows.get(at).map(|r| RowLink::new(r, from)),
    }
}

#[derive(Serialize)]
pub struct Empty {}

pub fn not_found() -> Empty {
    Empty {}
}
