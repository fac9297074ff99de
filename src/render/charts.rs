//! Pictures drawn at build time as inline SVG: the load map (vendors × phases), a vendor's
//! bars and standing, and the quality strip of the 項番 range. No script is needed to see
//! them. The views here carry the numbers and the geometry; `charts.html` draws them.
//!
//! Every mark carries its number as text and its kind as a symbol (◎ above, ○ below), so
//! the pictures read without colour and print in black and white; shades only add emphasis.

use super::views::{RowLink, VendorLink};
use super::{Block, Site};
use crate::html::escape_into;
use crate::index::Tally;
use crate::model::{Basis, RoleKind, Row};
use crate::urls;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write;

/// Cell size of the load map, in SVG units (CSS pixels at 100%): five Japanese characters
/// of a column's name to a line.
const CELL_W: u32 = 64;
const CELL_H: u32 = 36;
/// Room for the vendors' names on the left.
const LABEL_W: u32 = 132;
/// A column's name is written level, wrapped to its width in at most this many lines (its
/// 項番 on a line above them); a longer one is cut, with the whole in its tooltip and in the
/// table of the same numbers.
const NAME_LINES: usize = 5;
const LINE_H: u32 = 14;

/// The shades of each kind of role, in legend order, from light (one task) to dark (the
/// most): ◎ blue, ○ brown, then green, purple, grey. A kind past them takes the last. The
/// symbol is always written in the mark, so kinds differ in black and white too.
const SCALES: [(Rgb, Rgb); 5] = [
    ((222.0, 235.0, 247.0), (8.0, 48.0, 107.0)),
    ((254.0, 237.0, 222.0), (140.0, 45.0, 4.0)),
    ((229.0, 245.0, 224.0), (0.0, 68.0, 27.0)),
    ((239.0, 237.0, 245.0), (63.0, 0.0, 125.0)),
    ((240.0, 240.0, 240.0), (37.0, 37.0, 37.0)),
];

fn scale(kind: RoleKind) -> (Rgb, Rgb) {
    SCALES[kind.rank().min(SCALES.len() - 1)]
}

/// One column of a load map: a phase.
#[derive(Serialize)]
pub struct MapColumn {
    x: u32,
    /// The baseline of the name's first line: the lines end just above the cells.
    y: u32,
    /// The name as drawn, a line each (its 項番 first), and whole.
    lines: Vec<String>,
    name: String,
    href: Option<String>,
}

/// One mark of a cell: the tasks a vendor does (◎) or helps with (○) in a phase, those in
/// doubt apart.
struct Mark {
    count: Tally,
    fill: String,
    /// Black or white, whichever stands out more from the fill (WCAG contrast ≥ 4.5).
    ink: &'static str,
    /// The vendor page's list of exactly these tasks.
    href: String,
    /// What a screen reader says for the mark.
    label: String,
}

struct MapCell {
    x: u32,
    /// The phase's position among the columns and the counts, for tests and scripts.
    column: usize,
    /// A mark per kind of role, in legend order.
    marks: Vec<Option<Mark>>,
}

struct MapRow<'a> {
    y: u32,
    id: &'a str,
    short: &'a str,
    name: &'a str,
    href: String,
    cells: Vec<MapCell>,
}

/// Vendors × phases, each cell the number of tasks by role.
#[derive(Serialize)]
pub struct LoadMap {
    columns: Vec<MapColumn>,
    /// How many vendors (rows) the map has.
    rows: usize,
    /// The rows drawn: in the picture, and in the table of the same numbers. A map of 25
    /// vendors by 10 phases has 250 cells of some forty values each, which a template
    /// would look up one by one.
    drawn: Block,
    table: Block,
    width: u32,
    height: u32,
    label_w: u32,
    head_h: u32,
    cell_w: u32,
    cell_h: u32,
    half: u32,
    /// The legend's kinds, for the key.
    kinds: Vec<super::views::KindView>,
}

/// The fragment of a vendor page that lists a column's tasks for a role, given the column,
/// the role's id prefix and the first such task.
type Anchor<'a> = Box<dyn Fn(usize, &str, u32) -> String + 'a>;

/// Where a task falls among a map's columns, and how its column is linked on a vendor page.
struct Columns<'a> {
    names: Vec<(String, Option<String>)>,
    /// The fragment of a vendor page listing the column's tasks, for ◎ (`primary`) or ○.
    anchor: Anchor<'a>,
    of: Box<dyn Fn(u32) -> Option<usize> + 'a>,
}

/// The page of a vendor's list of the kind `role` (its id) that holds task `first`, when
/// that list is too long for the vendor's page (see `plan::vendor_parts`): the part of
/// its span, as linked from the page at `from`. `None` when the vendor's page lists it.
fn list_page(site: &Site, vendor: &str, role: &str, first: u32, from: &str) -> Option<String> {
    let kind = site.table.document.legend.by_id(role)?;
    let split = crate::plan::list_split(site.index.vendors.get(vendor)?.of(kind).len());
    split.then(|| urls::href(from, &urls::vendor_part(vendor, role, crate::plan::span_of(first))))
}

/// The load map of the whole table: vendors × top-level phases, and a column for tasks
/// whose heading the source lost.
pub fn home_map(site: &Site, from: &str) -> LoadMap {
    let tasks: Vec<u32> = site.table.tasks().map(|r| r.no).collect();
    load_map(site, &tasks, home_columns(site, from), true, from)
}

/// The home map's columns: the top-level headings (or runs of them, see
/// `plan::home_map_run`), then one for tasks without a heading.
fn home_columns<'s>(site: &'s Site, from: &str) -> Columns<'s> {
    let t = site.table;
    let roots: Vec<&Row> = t.headings().filter(|h| h.parent.is_none()).collect();
    let run = crate::plan::home_map_run(t, roots.len());
    let orphans = t.tasks().any(|r| r.parent.is_none());
    let mut names: Vec<(String, Option<String>)> = match run {
        1 => roots.iter().map(|h| heading_column(h, from)).collect(),
        _ => {
            let last = t.rows.last().map_or(0, |r| r.no);
            let href = |first: &Row| format!("{}#top-{}", urls::href(from, "phases/"), first.no);
            runs(&roots, run, last, "最上位の見出し", &href)
        }
    };
    let unknown = names.len();
    if orphans {
        names.push(("見出し不明".to_string(), None));
    }
    let position: BTreeMap<u32, usize> = roots.iter().enumerate().map(|(i, h)| (h.no, i / run)).collect();
    let root = |no: u32| site.index.ancestors.get(&no).and_then(|a| a.first()).copied();
    let of = move |no: u32| match root(no) {
        Some(root) => position.get(&root).copied(),
        None => Some(unknown),
    };
    // A cell links the vendor's list at the top-level heading of its first task: in a
    // column of one heading, that heading.
    let anchor = move |_column: usize, role: &str, first: u32| match root(first) {
        Some(no) => format!("{role}-in-{no}"),
        None => format!("{role}-unknown-{first}"),
    };
    Columns { names, anchor: Box::new(anchor), of: Box::new(of) }
}

/// The columns of `headings` taken `run` at a time: each the 項番 from its first heading to
/// the one before the next run's (or `last`), as a heading's column gives its 項番, named
/// with how many headings (`what`) it stands for, linked where `href` says for its first.
fn runs(
    headings: &[&Row],
    run: usize,
    last: u32,
    what: &str,
    href: &dyn Fn(&Row) -> String,
) -> Vec<(String, Option<String>)> {
    let starts: Vec<u32> = headings.iter().step_by(run).map(|h| h.no).collect();
    (headings.chunks(run).enumerate())
        .map(|(i, c)| {
            let end = starts.get(i + 1).map_or(last, |next| next - 1);
            (format!("{}–{end} {what} {} 件", c[0].no, c.len()), Some(href(c[0])))
        })
        .collect()
}

/// A column for a heading: its 項番 and name, and a link to its page.
fn heading_column(h: &Row, from: &str) -> (String, Option<String>) {
    (format!("{} {}", h.no, h.name), Some(urls::href(from, &urls::row(h.no, true))))
}

/// The load map of one phase: vendors × the headings right below it, and a column for the
/// tasks right below it when it has both.
pub fn phase_map(site: &Site, phase: &Row, from: &str) -> LoadMap {
    let t = site.table;
    let ix = site.index;
    let children: Vec<&Row> =
        ix.children.get(&phase.no).into_iter().flatten().filter_map(|n| t.row(*n)).filter(|r| r.is_heading()).collect();
    let direct = ix.children.get(&phase.no).into_iter().flatten().filter_map(|n| t.row(*n)).any(|r| !r.is_heading());
    // Past 5,000 rows and 30 headings right below, a column stands for a run of them, as on
    // the home page (`plan::home_map_run`).
    let run = crate::plan::home_map_run(t, children.len());
    let mut names: Vec<(String, Option<String>)> = match run {
        1 => children.iter().map(|h| heading_column(h, from)).collect(),
        _ => {
            let last = ix.tasks_under.get(&phase.no).and_then(|t| t.last()).copied().unwrap_or(phase.no);
            runs(&children, run, last, "見出し", &|h: &Row| urls::href(from, &urls::phase(h.no)))
        }
    };
    let direct_column = names.len();
    if direct || children.is_empty() {
        names.push((if children.is_empty() { phase.name.clone() } else { "直下の作業".to_string() }, None));
    }
    let position: BTreeMap<u32, usize> = children.iter().enumerate().map(|(i, h)| (h.no, i / run)).collect();
    let no = phase.no;
    let of = move |task: u32| {
        let chain = ix.ancestors.get(&task)?;
        let at = chain.iter().position(|h| *h == no)?;
        match chain.get(at + 1) {
            Some(child) => position.get(child).copied(),
            None => Some(direct_column),
        }
    };
    let none_below = children.is_empty();
    // A cell links the vendor's list at the heading right below the phase that holds its
    // first task; the tasks right below the phase are the group under its own name.
    let child_of = move |task: u32| {
        let chain = ix.ancestors.get(&task)?;
        chain.get(chain.iter().position(|h| *h == no)? + 1).copied()
    };
    let anchor = move |column: usize, role: &str, first: u32| match child_of(first) {
        Some(child) if column < direct_column => format!("{role}-in-{child}"),
        _ if none_below => format!("{role}-in-{no}"),
        _ => format!("{role}-p{no}"),
    };
    let tasks = ix.tasks_under.get(&phase.no).map_or(&[][..], Vec::as_slice);
    load_map(site, tasks, Columns { names, anchor: Box::new(anchor), of: Box::new(of) }, false, from)
}

/// A vendor's tasks of each kind of role in one column, and the first task of each, in
/// legend order.
#[derive(Clone)]
struct Count {
    kinds: Vec<(Tally, u32)>,
}

impl Count {
    fn none(kinds: usize) -> Count {
        Count { kinds: vec![(Tally::default(), u32::MAX); kinds] }
    }

    fn add(&mut self, kind: RoleKind, no: u32, doubtful: bool) {
        if let Some((tally, first)) = self.kinds.get_mut(kind.rank()) {
            tally.add(doubtful);
            *first = (*first).min(no);
        }
    }

    fn tally(&self, rank: usize) -> Tally {
        self.kinds.get(rank).map_or_else(Tally::default, |k| k.0)
    }
}

/// The counts of a map: one per (vendor position in the table, column) with any role.
struct Counts {
    columns: usize,
    cells: Vec<Option<Count>>,
}

impl Counts {
    fn get(&self, vendor: usize, column: usize) -> Option<&Count> {
        self.cells[vendor * self.columns + column].as_ref()
    }

    fn values(&self) -> impl Iterator<Item = &Count> {
        self.cells.iter().flatten()
    }

    fn involves(&self, vendor: usize) -> bool {
        (0..self.columns).any(|c| self.get(vendor, c).is_some())
    }
}

/// Each vendor's ◎ and ○ by column over `tasks` (or only vendor `only`'s, by position), a
/// task counted once per vendor and symbol.
fn count(site: &Site, tasks: &[u32], columns: &Columns, only: Option<usize>) -> Counts {
    let width = columns.names.len();
    let mut counts = Counts { columns: width, cells: vec![None; site.table.vendors.len() * width] };
    let kinds = site.index.kinds;
    for &no in tasks {
        let Some(column) = (columns.of)(no) else { continue };
        let doubtful = site.index.doubtful.contains(&no);
        for &(vendor, kind) in site.index.marks(no).iter().filter(|(v, _)| only.is_none_or(|o| o == *v)) {
            counts.cells[vendor * width + column].get_or_insert_with(|| Count::none(kinds)).add(kind, no, doubtful);
        }
    }
    counts
}

/// The symbols no vendor can be named for (事業者不明) by column over `tasks`: a task
/// counted once per symbol, as for a vendor.
fn count_unknown(site: &Site, tasks: &[u32], columns: &Columns) -> Vec<Option<Count>> {
    let mut cells = vec![None; columns.names.len()];
    for &no in tasks {
        let (Some(column), Some(row)) = ((columns.of)(no), site.table.row(no)) else { continue };
        let unknown = |kind| row.roles.iter().any(|r| r.role == kind && r.basis == Basis::Uncertain);
        for &kind in site.table.document.legend.kinds.iter().filter(|k| unknown(**k)) {
            cells[column].get_or_insert_with(|| Count::none(site.index.kinds)).add(kind, no, false);
        }
    }
    cells
}

/// The counts of `tasks` laid out as a map: a row per vendor, then one for the symbols no
/// vendor can be named for, so a column nobody can be named for does not look empty.
fn load_map(site: &Site, tasks: &[u32], columns: Columns, all_vendors: bool, from: &str) -> LoadMap {
    let t = site.table;
    let counts = count(site, tasks, &columns, None);
    let unknown = count_unknown(site, tasks, &columns);
    let all = || counts.values().chain(unknown.iter().flatten());
    let kinds = &t.document.legend.kinds;
    let max: Vec<usize> =
        (0..kinds.len()).map(|k| all().map(|c| c.tally(k).certain).max().unwrap_or(0).max(1)).collect();
    let vendors = t.vendors.iter().enumerate().filter(|(at, _)| all_vendors || counts.involves(*at));
    let mut rows: Vec<MapRow> = vendors
        .map(|(at, v)| {
            let page = urls::href(from, &urls::vendor(&v.id));
            let cells: Vec<Option<Count>> = (0..columns.names.len()).map(|c| counts.get(at, c).cloned()).collect();
            let anchor = |column, role: &str, first| {
                let list = list_page(site, &v.id, role, first, from).unwrap_or_else(|| page.clone());
                format!("{list}#{}", (columns.anchor)(column, role, first))
            };
            let cells = map_cells(&cells, &columns, kinds, &max, &v.name, &anchor);
            MapRow { y: 0, id: &v.id, short: &v.short, name: &v.name, href: page, cells }
        })
        .collect();
    if unknown.iter().any(Option::is_some) {
        let page = urls::href(from, "quality/");
        let anchor = |_, _: &str, _| format!("{page}#uncertain-columns");
        let cells = map_cells(&unknown, &columns, kinds, &max, UNKNOWN_NAME, &anchor);
        rows.push(MapRow { y: 0, id: "", short: "事業者不明", name: UNKNOWN_NAME, href: page, cells });
    }
    let labels: Vec<Vec<String>> = columns.names.iter().map(|(name, _)| column_lines(name)).collect();
    let head_h = 8 + LINE_H * labels.iter().map(Vec::len).max().unwrap_or(1) as u32;
    let cell_h = cell_height(kinds.len());
    for (i, row) in rows.iter_mut().enumerate() {
        row.y = head_h + i as u32 * cell_h;
    }
    let columns: Vec<MapColumn> = columns
        .names
        .into_iter()
        .zip(labels)
        .enumerate()
        .map(|(i, ((name, href), lines))| MapColumn {
            x: LABEL_W + i as u32 * CELL_W,
            y: head_h - 6 - LINE_H * (lines.len() as u32 - 1),
            lines,
            name,
            href,
        })
        .collect();
    LoadMap {
        width: LABEL_W + columns.len() as u32 * CELL_W + 8,
        height: head_h + rows.len() as u32 * cell_h + 4,
        columns,
        rows: rows.len(),
        drawn: Block::new(None, draw_rows(&rows, kinds).into()),
        table: Block::new(None, table_rows(&rows, kinds).into()),
        label_w: LABEL_W,
        head_h,
        cell_w: CELL_W,
        cell_h,
        half: BAND_H,
        kinds: super::views::KindView::all(&t.document.legend),
    }
}

/// A load map cell has a band per kind of role: two fill `CELL_H`.
const BAND_H: u32 = CELL_H / 2;

fn cell_height(kinds: usize) -> u32 {
    BAND_H * kinds.max(2) as u32
}

/// What the load map's last row stands for.
const UNKNOWN_NAME: &str = "事業者不明(事業者を特定できない列の記号)";

/// One row's cells: each column's mark per kind of role, shaded by the certain count
/// against the map's `max` for that kind, each linked where `anchor` says (column, role,
/// first task).
fn map_cells(
    counts: &[Option<Count>],
    columns: &Columns,
    kinds: &[RoleKind],
    max: &[usize],
    who: &str,
    anchor: &dyn Fn(usize, &str, u32) -> String,
) -> Vec<MapCell> {
    (0..columns.names.len())
        .map(|column| {
            let c = counts[column].clone().unwrap_or_else(|| Count::none(kinds.len()));
            let phase = &columns.names[column].0;
            let mark = |kind: RoleKind| {
                let (count, first) = c.kinds[kind.rank()];
                (count.total() > 0).then(|| {
                    // Only what is certain darkens a cell: doubtful tasks alone leave it white.
                    let fill = match count.certain {
                        0 => (255.0, 255.0, 255.0),
                        n => shade(scale(kind), n, max[kind.rank()]),
                    };
                    Mark {
                        count,
                        ink: ink(fill),
                        fill: hex(fill),
                        href: anchor(column, kind.id(), first),
                        label: format!("{who}・{phase}: {}", spoken(kind, count, "")),
                    }
                })
            };
            MapCell { x: LABEL_W + column as u32 * CELL_W, column, marks: kinds.iter().map(|k| mark(*k)).collect() }
        })
        .collect()
}

/// A mark's kind and count read aloud, holding the mark's own text as a name must (WCAG
/// 2.5.3): `主担当(◎) 3 件` for a mark written `◎3` (a symbol is not read as text), `実行責任
/// R1 件` for one written `R1` (`R 1` with `gap` " "), a letter being text.
fn spoken(kind: RoleKind, count: Tally, gap: &str) -> String {
    match kind.symbol().chars().any(char::is_alphanumeric) {
        false => format!("{}({}) {}", kind.label(), kind.symbol(), in_words(count)),
        true => format!("{} {}{gap}{}", kind.label(), kind.symbol(), in_words(count)),
    }
}

/// A count read aloud: `3 件`, or `3+2 件(+2 は要確認)`, holding the mark's own text as
/// a name must (WCAG 2.5.3).
pub fn in_words(t: Tally) -> String {
    match t.doubtful {
        0 => format!("{} 件", t.certain),
        d => format!("{}+{d} 件(+{d} は要確認)", t.certain),
    }
}

/// The vendors' rows of the picture: a label, then per column a frame and a band per kind
/// of role (◎ above ○, in legend order), each a link to the vendor's list of exactly those
/// tasks and written with its symbol. The part in doubt follows the certain number as `+n`,
/// set apart (italic, underlined with dashes) so it reads apart in black and white too; a
/// mark of doubtful tasks alone has a dashed frame.
fn draw_rows(rows: &[MapRow], kinds: &[RoleKind]) -> String {
    let (w, h, band) = (CELL_W, cell_height(kinds.len()), BAND_H);
    let mut out = String::new();
    for r in rows {
        let y = r.y;
        out.push_str("<g class=\"vendor-row\" data-vendor=\"");
        escape_into(&mut out, r.id);
        out.push_str("\">\n<a href=\"");
        escape_into(&mut out, &r.href);
        let _ = write!(out, "\"><text x=\"{}\" y=\"{}\" text-anchor=\"end\"><title>", LABEL_W - 8, y + h / 2 + 4);
        escape_into(&mut out, r.name);
        out.push_str("</title>");
        // A name longer than the label's room ends in …, the whole name in its title: drawn
        // whole, it would run off the picture's left edge.
        escape_into(&mut out, wrap(r.short, LABEL_W - 12, 1).concat().as_str());
        out.push_str("</text></a>\n");
        for c in &r.cells {
            let _ = write!(out, "<g class=\"cell\" data-column=\"{}\"", c.column);
            for (kind, mark) in kinds.iter().zip(&c.marks) {
                let t = mark.as_ref().map_or(Tally::default(), |m| m.count);
                out.push_str(" data-");
                escape_into(&mut out, kind.id());
                let _ = write!(out, "=\"{}\" data-", t.certain);
                escape_into(&mut out, kind.id());
                let _ = write!(out, "-doubtful=\"{}\"", t.doubtful);
            }
            let _ = write!(
                out,
                "><rect x=\"{}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" fill=\"none\" stroke=\"#d8d8db\"/>",
                c.x
            );
            for (i, (kind, mark)) in kinds.iter().zip(&c.marks).enumerate() {
                let Some(m) = mark else { continue };
                // The first band starts a unit below the frame, the others on their line.
                let top = y + i as u32 * band + u32::from(i == 0);
                let baseline = y + i as u32 * band + 14 - u32::from(i > 0);
                out.push_str("<a href=\"");
                escape_into(&mut out, &m.href);
                out.push_str("\" aria-label=\"");
                escape_into(&mut out, &m.label);
                let frame = if m.count.certain == 0 { " stroke=\"#4d4d4d\" stroke-dasharray=\"3 2\"" } else { "" };
                let _ = write!(
                    out,
                    "\"><rect x=\"{}\" y=\"{top}\" width=\"{}\" height=\"{}\"{frame} fill=\"",
                    c.x + 1,
                    w - 2,
                    band - 1
                );
                escape_into(&mut out, &m.fill);
                // The heaviest in bold: it stands out from the others in black and white too.
                let weight = if kind.is_heaviest() { " font-weight=\"700\"" } else { "" };
                let _ = write!(out, "\"/><text x=\"{}\" y=\"{baseline}\"{weight} fill=\"", c.x + 4);
                escape_into(&mut out, m.ink);
                out.push_str("\">");
                escape_into(&mut out, kind.symbol());
                let _ = write!(out, "{}", m.count.certain);
                if m.count.doubtful > 0 {
                    let _ = write!(
                        out,
                        "<tspan class=\"doubt\" font-style=\"italic\" text-decoration=\"underline\">+{}</tspan>",
                        m.count.doubtful
                    );
                }
                out.push_str("</text></a>");
            }
            out.push_str("</g>\n");
        }
        out.push_str("</g>\n");
    }
    out
}

/// The same numbers as a table's rows: a vendor, then each kind's count per column, the
/// part in doubt apart.
fn table_rows(rows: &[MapRow], kinds: &[RoleKind]) -> String {
    let mut out = String::new();
    for r in rows {
        out.push_str("<tr><th scope=\"row\"><a href=\"");
        escape_into(&mut out, &r.href);
        out.push_str("\">");
        escape_into(&mut out, r.name);
        out.push_str("</a></th>");
        for c in &r.cells {
            out.push_str("<td class=\"num\">");
            let marks = kinds.iter().zip(&c.marks).filter_map(|(k, m)| Some((k, m.as_ref()?)));
            for (i, (kind, mark)) in marks.enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                escape_into(&mut out, kind.symbol());
                let _ = write!(out, "{}", mark.count.certain);
                if mark.count.doubtful > 0 {
                    let _ = write!(out, " <span class=\"doubt\">+ 要確認 {}</span>", mark.count.doubtful);
                }
            }
            out.push_str("</td>");
        }
        out.push_str("</tr>");
    }
    out
}

/// A column's name as drawn: its 項番 (or range of them) on a line of its own, then the name
/// wrapped to the column's width.
fn column_lines(name: &str) -> Vec<String> {
    match name.split_once(' ').filter(|(no, _)| no.chars().all(|c| c.is_ascii_digit() || c == '–')) {
        Some((no, rest)) => std::iter::once(no.to_string()).chain(wrap(rest, CELL_W - 4, NAME_LINES)).collect(),
        None => wrap(name, CELL_W - 4, NAME_LINES),
    }
}

/// `text` in lines of at most `width` units at the charts' 12-unit font (a full-width
/// character 12 wide, any other 7), at most `lines` of them; the last ends with … only
/// when the text does not fit.
fn wrap(text: &str, width: u32, lines: usize) -> Vec<String> {
    let wide = |c: char| if c.is_ascii() || ('\u{FF61}'..='\u{FF9F}').contains(&c) { 7 } else { 12 };
    let mut out: Vec<String> = vec![String::new()];
    let mut used = 0;
    for c in text.chars() {
        if used + wide(c) > width {
            if out.len() == lines {
                let last = out.last_mut().expect("a line");
                while last.chars().map(wide).sum::<u32>() + 12 > width {
                    last.pop();
                }
                last.push('…');
                return out;
            }
            out.push(String::new());
            used = 0;
        }
        out.last_mut().expect("a line").push(c);
        used += wide(c);
    }
    out
}

type Rgb = (f64, f64, f64);

/// The shade for `count` out of `max`: light for one, darkest for the most.
fn shade(scale: (Rgb, Rgb), count: usize, max: usize) -> Rgb {
    let ((r0, g0, b0), (r1, g1, b1)) = scale;
    let f = if max <= 1 { 1.0 } else { (count.saturating_sub(1)) as f64 / (max - 1) as f64 };
    // Light shades for most cells would lose the difference between 1 and 3; a square root
    // spreads the small counts.
    let f = f.sqrt();
    (r0 + (r1 - r0) * f, g0 + (g1 - g0) * f, b0 + (b1 - b0) * f)
}

fn hex((r, g, b): Rgb) -> String {
    format!("#{:02x}{:02x}{:02x}", r.round() as u8, g.round() as u8, b.round() as u8)
}

/// WCAG relative luminance of an sRGB colour.
fn luminance((r, g, b): Rgb) -> f64 {
    let lin = |c: f64| {
        let c = c / 255.0;
        if c <= 0.039_28 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
}

/// WCAG contrast ratio of two colours.
fn contrast(a: Rgb, b: Rgb) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// The text colour for a fill: whichever of black and white contrasts more. One of the
/// two always reaches 4.58:1 (near-black would not: mid blues fall short with both).
fn ink(fill: Rgb) -> &'static str {
    if contrast(fill, (0.0, 0.0, 0.0)) >= contrast(fill, (255.0, 255.0, 255.0)) {
        "#000000"
    } else {
        "#ffffff"
    }
}

/// One phase's bars on a vendor page.
#[derive(Serialize)]
pub struct Bar {
    y: u32,
    /// The phase's name as drawn beside its bars (two lines at most, the first at
    /// `label_y`) and whole.
    lines: Vec<String>,
    label_y: u32,
    name: String,
    /// A bar per kind of role, in legend order, each on its own line.
    marks: Vec<BarSlot>,
}

/// A kind's place among a phase's bars: its bar, when the vendor has such tasks there.
#[derive(Serialize)]
pub struct BarSlot {
    id: &'static str,
    symbol: &'static str,
    y: u32,
    /// How the bar is painted (SVG attributes): ◎ solid, ○ hatched, the others dotted.
    paint: &'static str,
    mark: Option<BarMark>,
}

/// A bar: the certain tasks solid, those in doubt after them in a dashed frame.
#[derive(Serialize)]
pub struct BarMark {
    count: Tally,
    width: u32,
    doubt_width: u32,
    href: String,
    label: String,
}

/// A vendor's ◎ and ○ per top-level phase, as horizontal bars.
#[derive(Serialize)]
pub struct VendorBars {
    bars: Vec<Bar>,
    /// The legend's kinds, for the key, with each one's paint.
    kinds: Vec<(super::views::KindView, &'static str)>,
    /// Whether a kind past the second is drawn: its patterns are defined.
    more: bool,
    width: u32,
    height: u32,
    label_w: u32,
    bar_w: u32,
}

const BAR_LABEL_W: u32 = 220;
const BAR_W: u32 = 360;
/// A phase's bars: 18 units a kind, 8 between phases.
const BAR_H: u32 = 18;
const BAR_GAP: u32 = 8;

/// How a kind's bars are painted, by its place in the legend: solid, hatched, then dotted
/// and cross-hatched, so that they differ in black and white.
const BAR_PAINTS: [&str; 5] = [
    " fill=\"#08306b\"",
    " fill=\"url(#hatch-coop)\" stroke=\"#8c2d04\"",
    " fill=\"url(#dots-3)\" stroke=\"#00441b\"",
    " fill=\"url(#cross-4)\" stroke=\"#3f007d\"",
    " fill=\"#ffffff\" stroke=\"#252525\" stroke-width=\"2\"",
];

fn bar_paint(kind: RoleKind) -> &'static str {
    BAR_PAINTS[kind.rank().min(BAR_PAINTS.len() - 1)]
}
/// Room right of the longest bar for its number (`◎ 37 + 要確認 12`), so none is cut off.
const BAR_TEXT_W: u32 = 150;

pub fn vendor_bars(site: &Site, vendor: &crate::model::Vendor, from: &str) -> VendorBars {
    // The home map's row for this vendor, counted over its own tasks only.
    let vi = &site.index.vendors[&vendor.id];
    let kinds = &site.table.document.legend.kinds;
    let row_h = BAR_H * kinds.len().max(2) as u32 + BAR_GAP;
    let mut tasks: Vec<u32> = vi.roles.iter().flatten().copied().collect();
    tasks.sort_unstable();
    tasks.dedup();
    let columns = home_columns(site, from);
    let at = vi.position;
    let counts = count(site, &tasks, &columns, Some(at));
    let max = counts.values().flat_map(|c| c.kinds.iter().map(|k| k.0.total())).max().unwrap_or(1).max(1);
    let width = |n: usize| (n as f64 / max as f64 * BAR_W as f64).round() as u32;
    // Links stay on this page, its own lists of the phase's tasks; or go to the part of a
    // list too long for it.
    let bar = |column: usize, kind: RoleKind, (count, first): (Tally, u32)| {
        (count.total() > 0).then(|| BarMark {
            count,
            width: width(count.certain).max(u32::from(count.certain > 0) * 2),
            doubt_width: width(count.doubtful).max(u32::from(count.doubtful > 0) * 2),
            href: format!(
                "{}#{}",
                list_page(site, &vendor.id, kind.id(), first, from).unwrap_or_default(),
                (columns.anchor)(column, kind.id(), first)
            ),
            label: format!("{}・{}: {}", vendor.name, columns.names[column].0, spoken(kind, count, " ")),
        })
    };
    let bars: Vec<Bar> = (0..columns.names.len())
        .filter_map(|column| Some((column, counts.get(at, column)?)))
        .enumerate()
        .map(|(i, (column, c))| {
            let name = columns.names[column].0.clone();
            let lines = wrap(&name, BAR_LABEL_W - 12, 2);
            let y = i as u32 * row_h;
            let marks = (kinds.iter().enumerate())
                .map(|(k, kind)| BarSlot {
                    id: kind.id(),
                    symbol: kind.symbol(),
                    y: y + 4 + k as u32 * BAR_H,
                    paint: bar_paint(*kind),
                    mark: bar(column, *kind, c.kinds[k]),
                })
                .collect();
            Bar { y, label_y: y + row_h / 2 + 2 - 7 * (lines.len() as u32 - 1), lines, name, marks }
        })
        .collect();
    VendorBars {
        width: if bars.is_empty() { 0 } else { BAR_LABEL_W + BAR_W + BAR_TEXT_W },
        height: bars.len() as u32 * row_h,
        bars,
        kinds: (super::views::KindView::all(&site.table.document.legend).into_iter())
            .zip(kinds.iter().map(|k| bar_paint(*k)))
            .collect(),
        more: kinds.len() > 2,
        label_w: BAR_LABEL_W,
        bar_w: BAR_W,
    }
}

/// One vendor in the standing of all vendors.
#[derive(Serialize)]
pub struct Standing<'a> {
    y: u32,
    link: VendorLink<'a>,
    /// A bar per kind of role, in legend order, each the certain part then the part in doubt.
    parts: Vec<StandingPart>,
    /// Where the bars end.
    end: u32,
    /// Whether any of its counts is in doubt.
    doubtful: bool,
    current: bool,
}

#[derive(Serialize)]
pub struct StandingPart {
    id: &'static str,
    symbol: &'static str,
    count: Tally,
    x: u32,
    w: u32,
    doubt_x: u32,
    doubt_w: u32,
    /// How the bar is painted (SVG attributes): the page's own vendor in the bars'
    /// colours, the others in greys.
    paint: &'static str,
}

/// All vendors by their number of certain roles of the heaviest kind, ties by the next
/// kind, with the one a page is about marked. What is in doubt is drawn after, and counts
/// for no place.
#[derive(Serialize)]
pub struct Standings<'a> {
    vendors: Vec<Standing<'a>>,
    /// The vendor's place by certain roles of the heaviest kind (ties share a place) and
    /// the number of vendors.
    rank: usize,
    of: usize,
    /// The heaviest kind's symbol and name, which the place is counted by.
    by: (&'static str, &'static str),
    width: u32,
    height: u32,
    label_w: u32,
}

const RANK_ROW_H: u32 = 22;
const RANK_LABEL_W: u32 = 140;
const RANK_BAR_W: u32 = 420;

/// A standing bar's paint: the page's own vendor (`current`) in the bars' colours, the
/// others in greys that still tell the kinds apart.
fn standing_paint(kind: RoleKind, current: bool) -> &'static str {
    match (kind.rank(), current) {
        (0, true) => " fill=\"#08306b\"",
        (0, false) => " fill=\"#767676\"",
        (1, true) => " fill=\"url(#hatch-coop)\" stroke=\"#8c2d04\" stroke-width=\"0.5\"",
        (1, false) => " fill=\"#d0d0d0\" stroke=\"#767676\" stroke-width=\"0.5\"",
        (2, true) => " fill=\"url(#dots-3)\" stroke=\"#00441b\" stroke-width=\"0.5\"",
        (3, true) => " fill=\"url(#cross-4)\" stroke=\"#3f007d\" stroke-width=\"0.5\"",
        (_, true) => " fill=\"#ffffff\" stroke=\"#252525\" stroke-width=\"1\"",
        (_, false) => " fill=\"#f0f0f0\" stroke=\"#767676\" stroke-width=\"0.5\"",
    }
}

pub fn standings<'a>(site: &Site<'a>, vendor: &crate::model::Vendor, from: &str) -> Standings<'a> {
    let kinds = &site.table.document.legend.kinds;
    let mut all = VendorLink::all(site.table, site.index, from);
    all.sort_by_key(|v| std::cmp::Reverse(v.standing()));
    let most = all.iter().map(|v| v.counts.iter().map(|t| t.total()).sum::<usize>()).max().unwrap_or(0).max(1);
    let own = all.iter().find(|v| v.id == vendor.id).map_or(0, |v| v.primary().certain);
    let rank = 1 + all.iter().filter(|v| v.primary().certain > own).count();
    let width = |n: usize| (n as f64 / most as f64 * RANK_BAR_W as f64).round() as u32;
    let of = all.len();
    let vendors = all
        .into_iter()
        .enumerate()
        .map(|(i, link)| {
            let current = link.id == vendor.id;
            let mut x = RANK_LABEL_W;
            let parts = (kinds.iter().zip(&link.counts))
                .map(|(kind, &count)| {
                    let (w, doubt_w) = (width(count.certain), width(count.doubtful));
                    let part = StandingPart {
                        id: kind.id(),
                        symbol: kind.symbol(),
                        count,
                        x,
                        w,
                        doubt_x: x + w,
                        doubt_w,
                        paint: standing_paint(*kind, current),
                    };
                    x += w + doubt_w;
                    part
                })
                .collect();
            Standing {
                y: i as u32 * RANK_ROW_H,
                parts,
                end: x,
                doubtful: link.counts.iter().any(|t| t.doubtful > 0),
                current,
                link,
            }
        })
        .collect();
    let by = kinds.first().map_or(("", ""), |k| (k.symbol(), k.label()));
    Standings {
        vendors,
        rank,
        of,
        by,
        width: RANK_LABEL_W + RANK_BAR_W + 200,
        height: of as u32 * RANK_ROW_H,
        label_w: RANK_LABEL_W,
    }
}

/// A run of the 項番 range on the quality strip.
#[derive(Serialize)]
pub struct Span {
    x: f64,
    width: f64,
    from: u32,
    to: u32,
}

/// A flagged row on the quality strip.
#[derive(Serialize)]
pub struct Tick<'a> {
    x: f64,
    link: RowLink<'a>,
    label: String,
}

/// The 項番 range as a strip: rows present, gaps, flagged rows.
#[derive(Serialize)]
pub struct Strip<'a> {
    present: Vec<Span>,
    gaps: Vec<Span>,
    flagged: Vec<Tick<'a>>,
    first: u32,
    last: u32,
    width: u32,
}

const STRIP_W: f64 = 960.0;

/// Past this many rows warned, the strip has a tick per two units of its width, for the
/// rows warned there, rather than one per row: 10,000 of them made a 2.4 MB page.
const STRIP_TICKS_AT_MOST: usize = 480;

pub fn quality_strip<'a>(site: &Site<'a>, from: &str) -> Strip<'a> {
    let t = site.table;
    let (first, last) = match (t.rows.first(), t.rows.last()) {
        (Some(a), Some(b)) => (a.no, b.no),
        _ => (1, 1),
    };
    let scale = STRIP_W / f64::from(last - first + 1);
    let span = |from: u32, to: u32| Span {
        x: round(f64::from(from - first) * scale),
        // At least a hair wide, so a lone row still shows.
        width: round((f64::from(to - from + 1) * scale).max(1.0)),
        from,
        to,
    };
    let mut present = Vec::new();
    let mut run: Option<(u32, u32)> = None;
    for no in t.rows.iter().map(|r| r.no) {
        run = match run {
            Some((a, b)) if no == b + 1 => Some((a, no)),
            Some((a, b)) => {
                present.push(span(a, b));
                Some((no, no))
            }
            None => Some((no, no)),
        };
    }
    present.extend(run.map(|(a, b)| span(a, b)));
    let gaps = t.gaps.iter().filter(|g| g.from >= first && g.to <= last).map(|g| span(g.from, g.to)).collect();
    let warned: Vec<&Row> =
        t.rows.iter().filter(|r| r.flags.iter().any(|f| f.severity() >= crate::diag::Severity::Warning)).collect();
    let tick = |r: &'a Row, label: String| Tick {
        x: round((f64::from(r.no - first) + 0.5) * scale),
        link: RowLink::new(r, from),
        label,
    };
    let one = |r: &'a Row| {
        let flags: Vec<&str> = r.flags.iter().map(|f| r.flag_label(f.code)).collect();
        tick(r, format!("項番{} {}: {}", r.no, r.name, flags.join("、")))
    };
    let flagged = match warned.len() <= STRIP_TICKS_AT_MOST {
        true => warned.iter().map(|r| one(r)).collect(),
        // One tick per two units of width, for the rows warned there, leading to the first.
        false => warned
            .chunk_by(|a, b| {
                ((f64::from(a.no - first) + 0.5) * scale / 2.0) as u32
                    == ((f64::from(b.no - first) + 0.5) * scale / 2.0) as u32
            })
            .map(|rows| {
                let (a, b) = (rows[0], rows[rows.len() - 1]);
                match rows.len() {
                    1 => one(a),
                    n => tick(a, format!("項番{}–{}: 警告のある行 {n} 件(最初の行へ)", a.no, b.no)),
                }
            })
            .collect(),
    };
    Strip { present, gaps, flagged, first, last, width: STRIP_W as u32 }
}

fn round(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shade_carries_text_at_aa_contrast() {
        for scale in SCALES {
            for count in 1..=40 {
                let fill = shade(scale, count, 40);
                let text = if ink(fill) == "#ffffff" { (255.0, 255.0, 255.0) } else { (0.0, 0.0, 0.0) };
                assert!(contrast(fill, text) >= 4.5, "{} on {}", ink(fill), hex(fill));
            }
        }
    }

    #[test]
    fn shades_run_from_light_to_dark() {
        assert_eq!(hex(shade(SCALES[0], 1, 10)), "#deebf7");
        assert_eq!(hex(shade(SCALES[0], 10, 10)), "#08306b");
        assert!(luminance(shade(SCALES[0], 3, 10)) > luminance(shade(SCALES[0], 4, 10)));
    }

    #[test]
    fn names_wrap_to_the_width_and_only_what_does_not_fit_is_cut() {
        assert_eq!(column_lines("1 統合業務関連"), ["1", "統合業務関", "連"]);
        assert_eq!(column_lines("見出し不明"), ["見出し不明"]);
        // Five lines hold it: written whole.
        let fits = column_lines("674 拠点機器の納入及び導入(拠点機器の単体テスト含む)");
        assert_eq!(fits.concat(), "674拠点機器の納入及び導入(拠点機器の単体テスト含む)");
        let long = column_lines("674 拠点機器の納入及び導入(拠点機器の単体テストを含む作業の一式)");
        assert_eq!(long.len(), 1 + NAME_LINES);
        assert!(long.last().unwrap().ends_with('…'), "{long:?}");
        assert_eq!(wrap("AB 12 総合テスト", 58, 3), ["AB 12 総", "合テスト"]);
    }
}
