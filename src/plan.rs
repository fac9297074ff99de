//! Which pages a site has, where each stands, how `urls.json` lists it and what it shows;
//! and, after an edit of rows in place, which of them the edit touches. Every page kind is
//! described once, in `describe`: adding a kind means a variant of `Spec`, its line there,
//! and its view in `render`.

use crate::baseline::Baseline;
use crate::changes::Changes;
use crate::diag::{Code, Finding, Location};
use crate::model::{Gap, RoleKind, Row, SourceText, Subsystem, Table, Vendor};
use crate::pages::ContentPage;
use crate::read::continuity::{Alias, Continuity, Retired};
use crate::urls;
use std::collections::HashSet;

/// One page to make: one variant per page kind.
pub enum Spec<'a> {
    Home,
    Item(&'a Row),
    /// A heading's old address under items/, leading to its phase page.
    Redirect(&'a Row),
    Phase(&'a Row),
    Phases,
    Vendor(&'a Vendor),
    Vendors,
    Subsystem(&'a Subsystem),
    Subsystems,
    Unassigned,
    Matrix,
    /// A part of a matrix too large for one page (see [`matrix_parts`]).
    MatrixPart(MatrixPart<'a>),
    Quality,
    /// The rows of one flag, of one span of 項番, when the flag is on too many rows for the
    /// quality page to list (see [`flag_parts`]).
    FlagPart(Code, u32),
    /// The unassigned tasks of one span of 項番, when there are too many for one page (see
    /// [`unassigned_parts`]).
    UnassignedPart(u32),
    /// The rows below a heading of one span of 項番, when there are too many for its page's
    /// grid (see [`phase_parts`]).
    PhasePart(&'a Row, u32),
    /// A subsystem's tasks of one span of 項番, when it names too many for one page's grid
    /// (see [`subsystem_parts`]).
    SubsystemPart(&'a Subsystem, u32),
    /// A page of a split list published before and no longer made (see [`parts_gone`]).
    PartGone(PartGone),
    /// A vendor's rows of one kind of role, of one span of 項番, when it has too many for
    /// its page to list (see [`vendor_parts`]).
    VendorPart(&'a Vendor, RoleKind, u32),
    Content(&'a ContentPage),
    /// Made last: the changes are computed while the other pages are rendered.
    Changes(&'a Changes),
    /// The list of released revisions.
    Revisions,
    Alias(&'a Alias),
    Tombstone(&'a Retired),
    /// A 項番 in a range the source lost (`items/100/`): a specification may cite it.
    Lost(&'a Gap, u32),
    /// Lines of an input as written.
    Source(Part<'a>),
    NotFound,
}

/// What a page kind is, besides its view: where the page stands, how `urls.json` lists
/// it, the template and navigation entry it is rendered with, and what of the table it
/// shows (which decides whether an edit touches it).
pub struct Described<'a> {
    pub url: String,
    /// Its kind in `urls.json`; `None` for a page nobody cites.
    pub listed_as: Option<&'static str>,
    pub template: &'static str,
    /// The navigation entry it stands under ("" for none).
    pub nav: &'static str,
    pub shows: Shows<'a>,
}

/// What of the table a page shows.
pub enum Shows<'a> {
    /// One row: its own page (an item or a phase, with the rows it names).
    Row(u32),
    /// The headings: their numbers, names, flags and tasks.
    Headings,
    /// Anything of the whole table (counts, grids, lists of roles).
    Table,
    /// Lines of an input.
    Lines { file: &'a std::path::Path, first: usize, last: usize },
    /// A row's number and name, the gaps, or nothing of the table: an edit in place keeps it.
    Fixed,
}

/// Every page of the site made from templates, in the order they are made (the changes
/// page comes after them, see `Spec::Changes`).
pub fn specs<'a>(
    table: &'a Table,
    content: &'a [ContentPage],
    continuity: &'a Continuity,
    baseline: &Baseline,
) -> Vec<Spec<'a>> {
    let mut specs = vec![
        Spec::Home,
        Spec::Phases,
        Spec::Vendors,
        Spec::Subsystems,
        Spec::Unassigned,
        Spec::Matrix,
        Spec::Quality,
        Spec::NotFound,
        Spec::Revisions,
    ];
    specs.extend(list_parts(table));
    specs.extend(rows_and_catalog(table));
    specs.extend(content.iter().map(Spec::Content));
    specs.extend(continuity.aliases.iter().map(Spec::Alias));
    specs.extend(continuity.retired.iter().map(Spec::Tombstone));
    specs.extend(source_parts(&table.sources).into_iter().map(Spec::Source));
    for gap in table.gaps.iter().filter(|g| g.to - g.from < LOST_PAGES) {
        let lost = |no: &u32| lost_from_source(*no, continuity, baseline);
        specs.extend((gap.from..=gap.to).filter(lost).map(|no| Spec::Lost(gap, no)));
    }
    let gone = parts_gone(table, &specs, continuity, baseline);
    specs.extend(gone.into_iter().map(Spec::PartGone));
    specs
}

/// The pages of the lists too long for one, each above its threshold: what the current site
/// and a frozen revision share.
fn list_parts(table: &Table) -> impl Iterator<Item = Spec<'_>> {
    let matrix = matrix_parts(table).into_iter().map(Spec::MatrixPart);
    let flags = flag_parts(table).into_iter().map(|(code, start)| Spec::FlagPart(code, start));
    let unassigned = unassigned_parts(table).into_iter().map(Spec::UnassignedPart);
    let subsystems = subsystem_parts(table).into_iter().map(|(s, start)| Spec::SubsystemPart(s, start));
    let phases = phase_parts(table).into_iter().map(|(h, start)| Spec::PhasePart(h, start));
    let vendors = vendor_parts(table).into_iter().map(|(v, kind, start)| Spec::VendorPart(v, kind, start));
    matrix.chain(flags).chain(unassigned).chain(subsystems).chain(phases).chain(vendors)
}

/// A page of a split list (a part of the matrix, of a flag's rows, of a vendor's list or of
/// the unassigned tasks) that was published and is no longer made, since its list shrank
/// under the threshold or its span emptied: it stands on, leading to the list (`list`, at
/// `fragment`) it was part of, so a link to it still answers.
#[derive(Debug, Clone)]
pub struct PartGone {
    pub url: String,
    pub list: String,
    pub fragment: Option<String>,
}

/// The `urls.json` kinds of the pages of split lists, and of a page standing where one was.
const PART_KINDS: [&str; 7] =
    ["matrix-part", "quality-part", "vendor-part", "unassigned-part", "subsystem-part", "phase-part", "part-gone"];

/// The pages of split lists `baseline` published that `specs` no longer make and no alias
/// or retirement names.
fn parts_gone(table: &Table, specs: &[Spec], continuity: &Continuity, baseline: &Baseline) -> Vec<PartGone> {
    let Some(published) = &baseline.manifest else { return Vec::new() };
    let parts: Vec<&str> = (published.manifest.iter())
        .filter(|e| PART_KINDS.contains(&e.kind) && !e.url.starts_with("rev/"))
        .map(|e| e.url)
        .collect();
    // Most sites have no split page: their pages' URLs are not gathered at all.
    if parts.is_empty() {
        return Vec::new();
    }
    let made: HashSet<String> = specs.iter().map(|s| describe(s).url).collect();
    let declared: HashSet<&str> = continuity.declared().map(|(u, _)| u).collect();
    parts
        .into_iter()
        .filter(|url| !made.contains(*url) && !declared.contains(url))
        .filter_map(|url| part_list(table, url))
        .collect()
}

/// Where a part at `url` leads: `quality/#<flag>`, `vendors/<id>/#<kind>`, `unassigned/`,
/// `subsystems/<id>/`, `phases/<no>/` or `matrix/`, or the list's page without its place when
/// that is gone too. `None` unless `url` is exactly as a part's URL is made: the published
/// `urls.json` is a file in the output folder, and a page is written where it says.
fn part_list(table: &Table, url: &str) -> Option<PartGone> {
    let number = |s: &str| s.parse::<u32>().ok();
    let plain = |s: &str| {
        (1..=100).contains(&s.len())
            && !s.starts_with('.')
            && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    };
    let steps: Vec<&str> = url.strip_suffix('/')?.split('/').collect();
    let flagged = |code: &str| table.rows.iter().any(|r| r.flags.iter().any(|f| f.code.as_str() == code));
    let (list, fragment, made) = match steps.as_slice() {
        ["matrix", n] => (urls::MATRIX.to_string(), None, urls::matrix_part(number(n)?)),
        ["quality", flag, n] if plain(flag) => {
            (urls::QUALITY.to_string(), flagged(flag).then(|| flag.to_string()), urls::flag_part(flag, number(n)?))
        }
        ["vendors", id, kind, n] if plain(id) && plain(kind) => {
            let made = urls::vendor_part(id, kind, number(n)?);
            match table.vendor(id) {
                Some(_) => (urls::vendor(id), table.document.legend.by_id(kind).map(|_| kind.to_string()), made),
                None => (urls::VENDORS.to_string(), None, made),
            }
        }
        ["subsystems", id, n] if plain(id) => {
            let list = match table.subsystems.iter().any(|s| s.id == *id) {
                true => urls::subsystem(id),
                false => urls::SUBSYSTEMS.to_string(),
            };
            (list, None, urls::subsystem_part(id, number(n)?))
        }
        ["phases", no, n] => {
            let made = urls::phase_part(number(no)?, number(n)?);
            match table.row(number(no)?).filter(|r| r.is_heading()) {
                Some(h) => (urls::phase(h.no), None, made),
                None => (urls::PHASES.to_string(), None, made),
            }
        }
        ["unassigned", n] => (urls::UNASSIGNED.to_string(), None, urls::unassigned_part(number(n)?)),
        _ => return None,
    };
    (made == url).then(|| PartGone { url: url.to_string(), list, fragment })
}

/// A released revision's frozen pages (its changes page comes after them, see
/// `Spec::Changes`): the pages of the table's data, with the 項番 its source lost; not
/// the narrative pages, the URL files' pages or the source's lines, which it does not hold.
pub fn frozen_specs(table: &Table) -> Vec<Spec<'_>> {
    let mut specs =
        vec![Spec::Home, Spec::Phases, Spec::Vendors, Spec::Subsystems, Spec::Unassigned, Spec::Matrix, Spec::Quality];
    specs.extend(list_parts(table));
    specs.extend(rows_and_catalog(table));
    for gap in table.gaps.iter().filter(|g| g.to - g.from < LOST_PAGES) {
        specs.extend((gap.from..=gap.to).map(|no| Spec::Lost(gap, no)));
    }
    specs
}

/// A page per row (a heading's phase page and its items/ redirect, a task's item page),
/// per vendor and per subsystem: what the current site and a frozen revision share.
fn rows_and_catalog(table: &Table) -> impl Iterator<Item = Spec<'_>> {
    let rows = table.rows.iter().flat_map(|row| match row.is_heading() {
        true => vec![Spec::Phase(row), Spec::Redirect(row)],
        false => vec![Spec::Item(row)],
    });
    rows.chain(table.vendors.iter().map(Spec::Vendor)).chain(table.subsystems.iter().map(Spec::Subsystem))
}

/// Tables of more rows than this have their matrix cut into parts: one page of every row
/// and vendor would be megabytes (about 0.9 kB a row with 25 vendors) that no browser lays
/// out quickly. The seed and tables of a few thousand rows keep one page.
pub const MATRIX_WHOLE_AT_MOST: usize = 5_000;

/// Whether the home page's and `phases/`'s trees list only the headings with none above
/// them: past [`MATRIX_WHOLE_AT_MOST`] rows, every heading would make them megabytes (14,000
/// headings at 100,000 tasks), and each heading's page lists those below it.
pub fn tops_only(table: &Table) -> bool {
    table.rows.len() > MATRIX_WHOLE_AT_MOST
}

/// The home page's load map has a column per top-level heading, each about 21 kB with 25
/// vendors: at 100,000 tasks, 890 of them made an 18 MB page. Past [`MATRIX_WHOLE_AT_MOST`]
/// rows and this many top-level headings, a column stands for a run of consecutive ones.
pub const HOME_MAP_COLUMNS: usize = 30;

/// How many consecutive top-level headings (of `roots`) one column of the home page's load
/// map stands for: 1 for the seed and tables of a few thousand rows.
pub fn home_map_run(table: &Table, roots: usize) -> usize {
    match tops_only(table) && roots > HOME_MAP_COLUMNS {
        true => roots.div_ceil(HOME_MAP_COLUMNS),
        false => 1,
    }
}

/// The 項番 one part of a split matrix spans at most, from its start.
pub const MATRIX_PART_SPAN: u32 = 1_000;

/// A part of a split matrix: the rows under one top-level heading, or, under a heading of
/// more than [`MATRIX_PART_SPAN`] 項番, those of one span of them. It stands at
/// `matrix/<start>/`, `start` being the heading's 項番 or that plus a multiple of the span:
/// a part's address holds while its rows are edited, added or removed.
#[derive(Clone, Copy)]
pub struct MatrixPart<'a> {
    pub start: u32,
    pub rows: &'a [Row],
    /// Its place among the parts (from 0), how many there are, and the starts of the parts
    /// before and after it: known when the parts are cut, so a part's page need not cut
    /// them again.
    pub place: usize,
    pub count: usize,
    pub prev: Option<u32>,
    pub next: Option<u32>,
}

/// The parts of the matrix, in order; none when the table fits one page. Rows before the
/// first top-level heading make a part of their own (from the first row's 項番).
pub fn matrix_parts(table: &Table) -> Vec<MatrixPart<'_>> {
    let rows = &table.rows[..];
    if rows.len() <= MATRIX_WHOLE_AT_MOST {
        return Vec::new();
    }
    let top = rows.iter().filter_map(|r| r.level).min();
    let mut parts: Vec<MatrixPart> = Vec::new();
    let mut start_of_group = rows[0].no;
    let mut at = 0;
    while at < rows.len() {
        let row = &rows[at];
        if at > 0 && row.level.is_some() && row.level == top {
            start_of_group = row.no;
        }
        let span = row.no.saturating_sub(start_of_group) / MATRIX_PART_SPAN;
        let start = start_of_group + span * MATRIX_PART_SPAN;
        // A row opens a part where its start is past the last part's; starts only grow, so a
        // 項番 out of order stays in the part before it, and no two parts share an address.
        match parts.last_mut() {
            Some(last) if start <= last.start => last.rows = &rows[at - last.rows.len()..=at],
            _ => parts.push(MatrixPart { start, rows: &rows[at..=at], place: 0, count: 0, prev: None, next: None }),
        }
        at += 1;
    }
    let starts: Vec<u32> = parts.iter().map(|p| p.start).collect();
    for (place, part) in parts.iter_mut().enumerate() {
        part.place = place;
        part.count = starts.len();
        part.prev = place.checked_sub(1).map(|k| starts[k]);
        part.next = starts.get(place + 1).copied();
    }
    parts
}

/// The most rows a list of the quality page (one flag's) or of a vendor page (one kind of
/// role) holds itself: past this, it links to pages of [`LIST_PART_SPAN`] 項番 each (a row
/// takes about 180 bytes of a list).
pub const LIST_AT_MOST: usize = 2_000;

/// The 項番 one page of a long list spans: `quality/<flag>/<start>/` and
/// `vendors/<id>/<kind>/<start>/` list those from `start`, a multiple of this, on; the
/// address holds while rows are edited.
pub const LIST_PART_SPAN: u32 = 2_500;

/// Whether a list of `len` rows is too long for its page (see [`LIST_AT_MOST`]).
pub fn list_split(len: usize) -> bool {
    len > LIST_AT_MOST
}

/// The start of the span of a long list's pages that holds 項番 `no`.
pub fn span_of(no: u32) -> u32 {
    no / LIST_PART_SPAN * LIST_PART_SPAN
}

/// The last 項番 of the span from `start`.
pub fn span_end(start: u32) -> u32 {
    start + LIST_PART_SPAN - 1
}

/// The starts of the spans holding `nos`, in order.
pub fn spans(nos: &[u32]) -> Vec<u32> {
    starts_of(nos, span_of)
}

/// The start of the span of a grid's pages (a heading's rows, a subsystem's tasks) that
/// holds 項番 `no`: a multiple of [`MATRIX_PART_SPAN`].
pub fn grid_span_of(no: u32) -> u32 {
    no / MATRIX_PART_SPAN * MATRIX_PART_SPAN
}

/// The last 項番 of the grid's span from `start`.
pub fn grid_span_end(start: u32) -> u32 {
    start + MATRIX_PART_SPAN - 1
}

/// The starts (`of` each of `nos`), in order, each once.
pub fn starts_of(nos: &[u32], of: fn(u32) -> u32) -> Vec<u32> {
    let mut starts: Vec<u32> = nos.iter().map(|no| of(*no)).collect();
    starts.sort_unstable();
    starts.dedup();
    starts
}

/// The flags on more rows than the quality page lists, each with the starts of the spans
/// of 項番 that hold its rows, in order.
pub fn flag_parts(table: &Table) -> Vec<(Code, u32)> {
    let mut rows_of: std::collections::BTreeMap<Code, Vec<u32>> = Default::default();
    for row in &table.rows {
        for flag in &row.flags {
            rows_of.entry(flag.code).or_default().push(row.no);
        }
    }
    let mut parts = Vec::new();
    for (code, mut nos) in rows_of {
        // A row's flags may name one code twice.
        nos.dedup();
        if list_split(nos.len()) {
            parts.extend(spans(&nos).into_iter().map(|start| (code, start)));
        }
    }
    parts
}

/// A heading's page holds a grid of every row below it: past this many, it links pages of
/// [`MATRIX_PART_SPAN`] 項番 each instead, and lists only the headings right below it.
pub const PHASE_GRID_AT_MOST: usize = 1_000;

/// The headings with more rows below them than their page's grid holds, each with the
/// starts of the spans of 項番 holding those rows (`phases/<no>/<start>/`), in order.
pub fn phase_parts(table: &Table) -> Vec<(&Row, u32)> {
    if table.rows.len() <= PHASE_GRID_AT_MOST {
        return Vec::new();
    }
    // Every row below each heading: the headings of its chain, as the index has them.
    let mut below: std::collections::HashMap<u32, Vec<u32>> = Default::default();
    for row in &table.rows {
        for h in crate::index::chain(table, row) {
            below.entry(h).or_default().push(row.no);
        }
    }
    let mut parts = Vec::new();
    for heading in table.headings() {
        let Some(nos) = below.get(&heading.no).filter(|n| n.len() > PHASE_GRID_AT_MOST) else { continue };
        parts.extend(starts_of(nos, grid_span_of).into_iter().map(|start| (heading, start)));
    }
    parts
}

/// A subsystem page holds a grid of every task naming it (about 0.6 kB a row with 25
/// vendors): past this many, it links pages of [`MATRIX_PART_SPAN`] 項番 each instead.
pub const SUBSYSTEM_WHOLE_AT_MOST: usize = 1_000;

/// The subsystems named by more tasks than their page holds, each with the starts of the
/// spans of 項番 holding those tasks (`subsystems/<id>/<start>/`), in order.
pub fn subsystem_parts(table: &Table) -> Vec<(&Subsystem, u32)> {
    use rayon::prelude::*;
    if table.subsystems.is_empty() {
        return Vec::new();
    }
    // As the index finds them (`index::build`), from the table's own catalogue.
    let catalog = crate::read::catalog::Catalog::of(Vec::new(), table.subsystems.clone());
    let named: Vec<(u32, Vec<String>)> = table
        .rows
        .par_iter()
        .filter(|r| !r.is_heading())
        .map(|r| (r.no, catalog.subsystems_in(&r.name).into_iter().map(str::to_string).collect()))
        .collect();
    let mut parts = Vec::new();
    for s in &table.subsystems {
        let nos: Vec<u32> = named.iter().filter(|(_, ids)| ids.contains(&s.id)).map(|(no, _)| *no).collect();
        if nos.len() > SUBSYSTEM_WHOLE_AT_MOST {
            parts.extend(starts_of(&nos, grid_span_of).into_iter().map(|start| (s, start)));
        }
    }
    parts
}

/// The starts of the spans of 項番 holding the unassigned tasks, when there are more of
/// them than one page lists; else none.
pub fn unassigned_parts(table: &Table) -> Vec<u32> {
    let nos: Vec<u32> =
        table.rows.iter().filter(|r| !r.is_heading() && crate::index::unassigned(r)).map(|r| r.no).collect();
    match list_split(nos.len()) {
        true => spans(&nos),
        false => Vec::new(),
    }
}

/// The vendors with more tasks of one kind of role than their page lists, with the kind
/// and the starts of the spans of 項番 that hold those tasks, in order.
pub fn vendor_parts(table: &Table) -> Vec<(&Vendor, RoleKind, u32)> {
    let mut rows_of: std::collections::BTreeMap<(&str, RoleKind), Vec<u32>> = Default::default();
    for row in table.rows.iter().filter(|r| !r.is_heading()) {
        for role in &row.roles {
            if let Some(v) = role.vendor.as_deref() {
                rows_of.entry((v, role.role)).or_default().push(row.no);
            }
        }
    }
    rows_of.values_mut().for_each(|nos| nos.dedup());
    let mut parts = Vec::new();
    for v in &table.vendors {
        for &kind in &table.document.legend.kinds {
            let Some(nos) = rows_of.get(&(v.id.as_str(), kind)).filter(|n| list_split(n.len())) else {
                continue;
            };
            parts.extend(spans(nos).into_iter().map(|start| (v, kind, start)));
        }
    }
    parts
}

/// The most 項番 of one gap that get a page of their own. A range lost from a document is
/// a few pages of it; a far wider one is a numbering that skips (1000, 2000, …), where a
/// page per unused number would say nothing.
pub const LOST_PAGES: u32 = 10_000;

/// Whether a 項番 missing from the table stands for a row the source lost: unless the
/// published site had a page there (a row removed or renumbered, which the maintainer maps
/// or retires, and the manifest check holds them to), or the URL files declare it.
fn lost_from_source(no: u32, continuity: &Continuity, baseline: &Baseline) -> bool {
    let url = urls::item(no);
    let published = baseline.manifest.as_ref().and_then(|m| m.manifest.get(&url));
    published.is_none_or(|e| e.kind == "lost") && !continuity.declared().any(|(u, _)| u == url)
}

/// The one place each page kind is described.
pub fn describe<'a>(spec: &Spec<'a>) -> Described<'a> {
    let d = |url: String, listed_as, template, nav, shows| Described { url, listed_as, template, nav, shows };
    match spec {
        Spec::Home => d(String::new(), Some("home"), "home.html", "home", Shows::Table),
        Spec::Item(row) => d(urls::item(row.no), Some("item"), "item.html", "phases", Shows::Row(row.no)),
        Spec::Redirect(row) => d(urls::item(row.no), Some("heading"), "redirect.html", "phases", Shows::Fixed),
        Spec::Phase(row) => d(urls::phase(row.no), Some("phase"), "phase.html", "phases", Shows::Row(row.no)),
        Spec::Phases => d(urls::PHASES.into(), Some("phases"), "phases.html", "phases", Shows::Headings),
        Spec::Vendor(v) => d(urls::vendor(&v.id), Some("vendor"), "vendor.html", "vendors", Shows::Table),
        Spec::Vendors => d(urls::VENDORS.into(), Some("vendors"), "vendors.html", "vendors", Shows::Table),
        Spec::Subsystem(s) => {
            d(urls::subsystem(&s.id), Some("subsystem"), "subsystem.html", "subsystems", Shows::Table)
        }
        Spec::Subsystems => {
            d(urls::SUBSYSTEMS.into(), Some("subsystems"), "subsystems.html", "subsystems", Shows::Table)
        }
        Spec::Unassigned => d(urls::UNASSIGNED.into(), Some("unassigned"), "rows.html", "unassigned", Shows::Table),
        Spec::Matrix => d(urls::MATRIX.into(), Some("matrix"), "matrix.html", "matrix", Shows::Table),
        Spec::MatrixPart(part) => {
            d(urls::matrix_part(part.start), Some("matrix-part"), "matrix.html", "matrix", Shows::Table)
        }
        Spec::Quality => d(urls::QUALITY.into(), Some("quality"), "quality.html", "quality", Shows::Table),
        Spec::VendorPart(v, kind, start) => {
            let url = urls::vendor_part(&v.id, kind.id(), *start);
            d(url, Some("vendor-part"), "vendor-part.html", "vendors", Shows::Table)
        }
        Spec::FlagPart(code, start) => {
            d(urls::flag_part(code.as_str(), *start), Some("quality-part"), "rows.html", "quality", Shows::Table)
        }
        Spec::UnassignedPart(start) => {
            d(urls::unassigned_part(*start), Some("unassigned-part"), "rows.html", "unassigned", Shows::Table)
        }
        Spec::PhasePart(h, start) => {
            d(urls::phase_part(h.no, *start), Some("phase-part"), "phase.html", "phases", Shows::Table)
        }
        Spec::SubsystemPart(s, start) => {
            let url = urls::subsystem_part(&s.id, *start);
            d(url, Some("subsystem-part"), "subsystem.html", "subsystems", Shows::Table)
        }
        Spec::PartGone(gone) => d(gone.url.clone(), Some("part-gone"), "redirect.html", "", Shows::Fixed),
        Spec::Content(p) => d(p.url.clone(), Some("page"), "page.html", "pages", Shows::Fixed),
        Spec::Changes(_) => d(urls::CHANGES.into(), Some("changes"), "changes.html", "changes", Shows::Table),
        Spec::Revisions => d(urls::REVISIONS.into(), Some("revisions"), "revisions.html", "revisions", Shows::Table),
        Spec::Alias(a) => d(a.old.clone(), Some("alias"), "redirect.html", "", Shows::Fixed),
        Spec::Tombstone(r) => d(r.url.clone(), Some("retired"), "tombstone.html", "", Shows::Fixed),
        // Made from the gap and the rows beside it, which an edit in place keeps.
        Spec::Lost(_, no) => d(urls::item(*no), Some("lost"), "lost.html", "phases", Shows::Fixed),
        // The source's pages follow its lines, which a revision renumbers: not for citing.
        Spec::Source(p) => {
            let shows = Shows::Lines { file: &p.text.file, first: p.first, last: p.last };
            d(urls::source(p.input, p.first), None, "source.html", "quality", shows)
        }
        Spec::NotFound => d(urls::NOT_FOUND.into(), None, "404.html", "", Shows::Fixed),
    }
}

/// Aliases and retirements must stand where no page is, and lead to pages that are.
pub fn check_continuity(specs: &[Spec], continuity: &Continuity) -> Vec<Finding> {
    // Without aliases or retired pages there is nothing to hold to the pages.
    if continuity.declared().next().is_none() {
        return Vec::new();
    }
    let made = specs.iter().filter(|s| !matches!(s, Spec::Alias(_) | Spec::Tombstone(_))).map(|s| describe(s).url);
    let data = [urls::CHANGES, urls::ROLES_JSON, urls::ROLES_CSV, urls::CHANGES_JSON].map(String::from);
    let live: HashSet<String> = made.chain(data).collect();
    let mut findings = Vec::new();
    let mut problem =
        |at: &Location, message: String| findings.push(Finding::error(Code::Continuity, at.clone(), message));
    for (url, at) in continuity.declared() {
        if live.contains(url) {
            problem(at, format!("{url} is a page of the site: nothing else can stand there"));
        }
    }
    let targets = continuity.aliases.iter().map(|a| (&a.new, &a.at));
    for (url, at) in targets.chain(continuity.retired.iter().filter_map(|r| Some((r.see.as_ref()?, &r.at)))) {
        if !live.contains(url.as_str()) {
            problem(at, format!("{url} is not a page of the site, so nothing can lead there"));
        }
    }
    findings
}

/// The most lines of one source page; a longer section comes in parts, each under its header.
pub const SOURCE_PAGE_LINES: usize = 300;

/// One page of an input: its lines `first..=last`.
#[derive(Clone, Copy)]
pub struct Part<'a> {
    pub text: &'a SourceText,
    /// The input's place among the table's inputs, from 1 (in the URL).
    pub input: usize,
    pub first: usize,
    pub last: usize,
}

/// Every page of every input, in order.
pub fn source_parts(sources: &[SourceText]) -> Vec<Part<'_>> {
    let mut out = Vec::new();
    for (i, text) in sources.iter().enumerate() {
        let (Some(&(start, _)), Some(&(end, _))) = (text.lines.first(), text.lines.last()) else { continue };
        // A page starts at the input's first line, at each section's header, and every
        // SOURCE_PAGE_LINES lines within a section.
        let mut cuts: Vec<usize> = std::iter::once(start).chain(text.sections.iter().map(|s| s.0)).collect();
        cuts.sort_unstable();
        cuts.dedup();
        cuts.push(end + 1);
        for w in cuts.windows(2) {
            let lines = &text.lines[line_index(text, w[0])..line_index(text, w[1])];
            for chunk in lines.chunks(SOURCE_PAGE_LINES) {
                let (first, last) = (chunk[0].0, chunk[chunk.len() - 1].0);
                out.push(Part { text, input: i + 1, first, last });
            }
        }
    }
    out
}

/// The first line of the source page that holds `line`: the pages of a section start at
/// its header and every `SOURCE_PAGE_LINES` lines after (as `source_parts` cuts them),
/// found without cutting them all.
pub fn first_of_part(text: &SourceText, line: usize) -> Option<usize> {
    let at = text.lines.binary_search_by_key(&line, |(l, _)| *l).ok()?;
    let start_line = text.sections.iter().map(|s| s.0).filter(|&h| h <= line).max();
    let start = start_line.map_or(0, |h| line_index(text, h));
    Some(text.lines[start + (at - start) / SOURCE_PAGE_LINES * SOURCE_PAGE_LINES].0)
}

/// The position of the first line numbered `line` or after it.
pub fn line_index(text: &SourceText, line: usize) -> usize {
    text.lines.partition_point(|(l, _)| *l < line)
}

/// What an edit of rows in place changed since an earlier build (see `edit`).
#[derive(Debug, Default)]
pub struct Edit {
    /// The rows whose own page (item or phase) is made again; every other such page is
    /// taken from the earlier build.
    pub rows: rustc_hash::FxHashSet<u32>,
    /// Whether the pages made from the whole table (home, vendors, subsystems, the matrix…)
    /// are made again: false when only descriptions changed, which show on their own page
    /// only.
    pub wide: bool,
    /// Whether any row's flags changed: the outline of headings shows them.
    pub flags: bool,
}

impl Edit {
    /// Whether the edit touches a page that shows `shows` of `table`.
    pub fn touches(&self, shows: &Shows, table: &Table) -> bool {
        match shows {
            Shows::Row(no) => self.rows.contains(no),
            Shows::Headings => self.flags,
            Shows::Table => self.wide,
            // Again when an edited row stands among its lines.
            Shows::Lines { file, first, last } => self
                .rows
                .iter()
                .filter_map(|no| table.row(*no))
                .any(|r| r.source.file == *file && (first..=last).contains(&&r.source.line)),
            Shows::Fixed => false,
        }
    }
}

/// The positions of `table`'s rows that differ from the row at the same place in `before`,
/// or that it had no row at: every other row is as it was. Made once per rebuild, for all
/// that takes over work row by row.
pub fn changed_rows(before: &Table, table: &Table) -> Vec<usize> {
    use rayon::prelude::*;
    let before = &before.rows;
    table.rows.par_iter().enumerate().filter(|(i, row)| before.get(*i) != Some(*row)).map(|(i, _)| i).collect()
}

/// What an edit of rows in place changed between `before` and `table` (`changed`, as
/// `changed_rows` found them), when nothing else pages are made from did: not the
/// document, vendors, subsystems or gaps, and every row keeps its number, kind, level,
/// parent and name. `None` when anything else changed, or rows came or went: then every
/// page's view is made and compared. (Whether what else the pages are made from, the
/// configuration, theme and content, changed is the caller's to tell.)
pub fn edit(before: &Table, table: &Table, changed: &[usize]) -> Option<Edit> {
    let (a, b) = (before, table);
    let same = (&a.document, &a.vendors, &a.subsystems, &a.gaps) == (&b.document, &b.vendors, &b.subsystems, &b.gaps)
        && a.rows.len() == b.rows.len();
    if !same {
        return None;
    }
    // The findings show on the home and quality pages.
    let mut edit = Edit { wide: a.findings != b.findings, ..Edit::default() };
    for &i in changed {
        let (x, y) = (&a.rows[i], &b.rows[i]);
        if (x.no, x.kind, x.level, x.parent, &x.name) != (y.no, y.kind, y.level, y.parent, &y.name) {
            return None;
        }
        edit.rows.insert(y.no);
        if (&x.roles, &x.source, &x.flags) == (&y.roles, &y.source, &y.flags) {
            continue;
        }
        // Roles show in the grids and load maps of the headings above, and in every page
        // made from the whole table.
        edit.wide = true;
        edit.rows.extend(crate::index::chain(table, y));
        if x.flags != y.flags {
            edit.flags = true;
            edit.rows.extend(links_to(table, i));
        }
    }
    Some(edit)
}

/// The rows whose item or phase page links to the row at position `at` (with its flags):
/// the tasks before and after a task, and every row below a heading (in its breadcrumb).
/// The heading above is among the ancestors already.
fn links_to(table: &Table, at: usize) -> Vec<u32> {
    let rows = &table.rows;
    let row = &rows[at];
    if !row.is_heading() {
        let task = |r: &&Row| !r.is_heading();
        let before = rows[..at].iter().rev().find(task);
        let after = rows[at + 1..].iter().find(task);
        return before.into_iter().chain(after).map(|r| r.no).collect();
    }
    rows.iter().filter(|r| crate::index::chain(table, r).contains(&row.no)).map(|r| r.no).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A part gone stands only at a URL exactly as a part's is made: a published `urls.json`
    /// (a file in the output folder) naming anything else cannot have a page written there.
    #[test]
    fn a_part_gone_stands_only_where_a_part_could_have() {
        let table = Table::default();
        let parts = [
            "matrix/1000/",
            "quality/duplicate-name/2500/",
            "vendors/v01/cooperating/0/",
            "unassigned/0/",
            "subsystems/all/1000/",
            "phases/1/0/",
        ];
        for url in parts {
            assert_eq!(part_list(&table, url).map(|p| p.url), Some(url.to_string()));
        }
        let others = [
            "matrix/../../etc/",
            "matrix/01/",
            "matrix/+1/",
            "matrix/1000",
            "../matrix/1/",
            "quality/../x/1/",
            "quality/.x/1/",
            "vendors/a/b/c/0/",
            "vendors/a b/p/0/",
            "phases/x/0/",
            "items/1/",
            "unassigned/4294967296/",
            "",
        ];
        for url in others {
            assert!(part_list(&table, url).is_none(), "{url}");
        }
    }
}
