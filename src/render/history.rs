//! What the current pages show of the released revisions: each item's history
//! (版ごとの担当), each vendor's roles gained and lost per revision, and the list of
//! revisions. All of it comes from the revisions' frozen data (`revisions::Timeline`).

use super::{Block, Site};
use crate::html::escape_into;
use crate::model::{Basis, Row, Version};
use crate::revisions::{Held, Revision, Timeline};
use crate::urls;
use serde::Serialize;
use std::fmt::Write;

/// The rows of an item's 版ごとの担当 table: each state row `row` of the working data
/// stands in, oldest first, one `<tr>` a line. Revisions that hold it unchanged from the
/// one before are told in one line per run, not repeated whole: a row of a table released
/// ten times mostly reads 「r02版・…・r10版: 前の版と同じ」. `None` when nothing was
/// released.
///
/// Written here, not by `item.html`, as a grid row's cells are: a 10,000-task table
/// released ten times has ten thousand such tables of some forty values each, which Tera
/// looked up one by one for a sixth of the whole build's time. The markup keeps its classes
/// (`same`, `working`, `gone`, `held-roles`, `role-*`, `flag-*`, `mark-*`) for a theme's
/// stylesheet.
pub fn item(site: &Site, row: &Row, from: &str) -> Option<Block> {
    let timeline = site.timeline?;
    let mut html = String::new();
    // Revisions in a row that hold it as the state before did: the run's first number,
    // and each revision's edition and frozen page.
    let mut run: Option<(u32, Vec<Edition>)> = None;
    let (mut first, mut last_present) = (true, false);
    for h in timeline.history(row.no) {
        let edition = edition_of(h.revision);
        let href = h
            .revision
            .zip(h.row)
            .map(|(r, row)| urls::href(from, &format!("{}{}", r.prefix(), urls::row(row.no, row.is_heading()))));
        let as_before = h.revision.is_some() && h.row.is_some() && h.marks.is_empty();
        if as_before && last_present {
            run.get_or_insert_with(|| (h.no, Vec::new())).1.push((edition, href));
            continue;
        }
        if let Some((no, editions)) = run.take() {
            same_line(&mut html, no, &editions);
        }
        whole_line(&mut html, &h, (&edition, href.as_deref()), first);
        first = false;
        last_present = h.row.is_some();
    }
    if let Some((no, editions)) = run.take() {
        same_line(&mut html, no, &editions);
    }
    (!html.is_empty()).then(|| Block::new(None, html.into()))
}

/// How a state is named: a revision by its edition (平成28年5月版), the working data as
/// such.
fn edition_of(revision: Option<&Revision>) -> String {
    revision.map_or_else(|| "作業中のデータ".to_string(), Revision::edition)
}

/// A revision's edition (r02版) and the href of its frozen page of the row.
type Edition = (String, Option<String>);

/// A revision's edition, linked to its frozen page when it has one.
fn edition_link(out: &mut String, edition: &str, href: Option<&str>) {
    match href {
        Some(href) => {
            out.push_str("<a href=\"");
            escape_into(out, href);
            out.push_str("\">");
            escape_into(out, edition);
            out.push_str("</a>");
        }
        None => escape_into(out, edition),
    }
}

/// A run of revisions holding the row as the one before them did, in one line.
fn same_line(out: &mut String, no: u32, editions: &[Edition]) {
    out.push_str("<tr class=\"same\"><th scope=\"row\">");
    for (i, (edition, href)) in editions.iter().enumerate() {
        if i > 0 {
            out.push('・');
        }
        edition_link(out, edition, href.as_deref());
    }
    let _ = writeln!(
        out,
        "</th><td colspan=\"3\">前の版と同じ(項番{no}、作業項目・作業内容・担当・指摘とも変更なし)</td></tr>"
    );
}

/// A state shown whole: its edition, the row's number, name and flags, its roles with
/// their vendors as that state names them, and what changed from the state before.
fn whole_line(out: &mut String, h: &Held, (edition, href): (&str, Option<&str>), first: bool) {
    let working = if h.revision.is_none() { "working" } else { "" };
    let gone = if h.row.is_none() { " gone" } else { "" };
    let _ = write!(out, "<tr class=\"{working}{gone}\"><th scope=\"row\">");
    edition_link(out, edition, href);
    if let Some(r) = h.revision {
        out.push_str("<br><small><code>");
        escape_into(out, r.label());
        out.push_str("</code> ");
        escape_into(out, &r.meta.released);
        out.push_str(" 公開</small>");
    }
    let _ = write!(out, "</th><td><span class=\"no\">項番{}</span>", h.no);
    match h.row {
        Some(row) => {
            out.push(' ');
            escape_into(out, &row.name);
            for f in &row.flags {
                let _ = write!(out, " <span class=\"flag flag-{}\">", f.code.as_str());
                escape_into(out, row.flag_label(f.code));
                out.push_str("</span>");
            }
        }
        None => out.push_str("(この版にはありません)"),
    }
    out.push_str("</td><td>");
    match h.row {
        Some(row) if !row.roles.is_empty() => roles(out, h.table, row),
        Some(_) => out.push_str("記号なし"),
        None => {}
    }
    out.push_str("</td><td>");
    if h.marks.is_empty() {
        out.push_str(if first { "(最初の版)" } else { "変更なし" });
    } else {
        out.push_str("<ul class=\"marks\">");
        for k in &h.marks {
            out.push_str("<li class=\"mark mark-");
            escape_into(out, &k.kind);
            out.push_str("\">");
            escape_into(out, &k.text);
            out.push_str("</li>");
        }
        out.push_str("</ul>");
    }
    out.push_str("</td></tr>\n");
}

/// A row's ◎/○, heaviest kind first, each with its vendor as `table` names it, or
/// 事業者不明 where the symbol cannot be attributed.
fn roles(out: &mut String, table: &dyn Version, row: &Row) {
    let mut roles: Vec<_> = row.roles.iter().collect();
    roles.sort_by_key(|r| (r.role, r.col));
    out.push_str("<ul class=\"held-roles\">");
    for r in roles {
        out.push_str("<li><span class=\"role role-");
        escape_into(out, &r.role.class());
        out.push_str("\"><span class=\"sym\" aria-hidden=\"true\">");
        escape_into(out, r.role.symbol());
        out.push_str("</span>");
        escape_into(out, r.role.label());
        out.push_str("</span> ");
        match r.vendor.as_deref().filter(|_| r.basis != Basis::Uncertain) {
            Some(v) => escape_into(out, table.vendor(v).map_or(v, |v| v.short.as_str())),
            None => out.push_str("<span class=\"unknown\">事業者不明</span>"),
        }
        out.push_str("</li>");
    }
    out.push_str("</ul>");
}

/// A vendor's roles gained and lost in one revision (or in the working data).
#[derive(Serialize)]
pub struct VendorStep {
    pub edition: String,
    pub href: Option<String>,
    pub gained: Vec<StepLine>,
    pub lost: Vec<StepLine>,
}

#[derive(Serialize)]
pub struct StepLine {
    pub symbol: &'static str,
    pub no: u32,
    pub name: String,
    pub href: Option<String>,
}

/// Per revision, the roles `vendor` gained and lost since the one before.
pub fn vendor(site: &Site, vendor: &str, from: &str) -> Vec<VendorStep> {
    let Some(timeline) = site.timeline else { return Vec::new() };
    timeline
        .vendor_steps(vendor)
        .into_iter()
        .map(|(revision, v)| {
            // Gains link to the row as that revision has it; losses to the row before.
            let line = |c: &crate::changes::RoleChange, at: Option<&Revision>| StepLine {
                symbol: site.table.document.legend.by_id(&c.role).map_or("", |k| k.symbol()),
                no: c.no,
                name: c.name.clone(),
                href: page_of(timeline, at, c.no, from),
            };
            let before = revision_before(timeline, revision);
            VendorStep {
                edition: edition_of(revision),
                href: revision.map(|r| urls::href(from, &format!("{}{}", r.prefix(), urls::CHANGES))),
                gained: v.gained.iter().map(|c| line(c, revision)).collect(),
                lost: v.lost.iter().map(|c| line(c, before)).collect(),
            }
        })
        .collect()
}

/// The revision before `revision` (before the working data: the latest).
fn revision_before<'a>(timeline: &Timeline<'a>, revision: Option<&'a Revision>) -> Option<&'a Revision> {
    let at = match revision {
        Some(r) => timeline.revisions.iter().position(|x| std::ptr::eq(x, r))?,
        None => timeline.revisions.len(),
    };
    at.checked_sub(1).map(|i| &timeline.revisions[i])
}

/// The page of row `no` in `revision` (its frozen page), or in the working data.
fn page_of(timeline: &Timeline, revision: Option<&Revision>, no: u32, from: &str) -> Option<String> {
    let (table, prefix): (&dyn Version, _) = match revision {
        Some(r) => (&r.table, r.prefix()),
        None => (timeline.working, String::new()),
    };
    let row = table.row(no)?;
    Some(urls::href(from, &format!("{prefix}{}", urls::row(no, row.is_heading()))))
}

/// The list of revisions.
#[derive(Serialize)]
pub struct RevisionsPage {
    pub revisions: Vec<RevisionLine>,
    /// The working data against the latest revision.
    pub working: Option<RevisionLine>,
}

/// One revision (or the working data): its counts, and what changed into it.
#[derive(Serialize)]
pub struct RevisionLine {
    pub edition: String,
    pub label: Option<String>,
    pub date: Option<String>,
    pub date_label: Option<String>,
    pub released: Option<String>,
    pub href: Option<String>,
    pub changes_href: Option<String>,
    pub tasks: usize,
    pub headings: usize,
    /// Its attributed roles per kind, by the kind's place in the working data's legend
    /// (`SiteView::kinds`); `doubtful`, those on rows whose roles are in doubt (要確認).
    pub counts: Vec<crate::index::Tally>,
    pub uncertain: usize,
    pub compared: bool,
    pub added: usize,
    pub removed: usize,
    pub renamed: usize,
    pub renumbered: usize,
    /// Roles gained and lost, summed over the vendors.
    pub gained: usize,
    pub lost: usize,
    pub vendors: usize,
}

/// A state's counts for the list of revisions, in one pass over its rows: it is made again
/// for each revision in every build (and every rebuild under `serve`).
#[derive(Default)]
struct Counted {
    tasks: usize,
    headings: usize,
    /// Per kind of role (by its rank), every role stated for a vendor (`certain`, those on
    /// rows in doubt among them) and those on rows whose roles are in doubt (`doubtful`).
    counts: Vec<crate::index::Tally>,
    /// Roles whose vendor is unknown.
    uncertain: usize,
}

impl Counted {
    fn of<'r>(rows: impl Iterator<Item = &'r Row>, kinds: usize) -> Counted {
        let mut c = Counted { counts: vec![crate::index::Tally::default(); kinds], ..Counted::default() };
        for row in rows {
            if row.is_heading() {
                c.headings += 1;
                continue;
            }
            c.tasks += 1;
            let doubtful = row.roles_in_doubt();
            for r in &row.roles {
                if r.basis == Basis::Uncertain {
                    c.uncertain += 1;
                } else if let Some(t) = c.counts.get_mut(r.role.rank()) {
                    t.certain += 1;
                    t.doubtful += usize::from(doubtful);
                }
            }
        }
        c
    }
}

pub fn revisions(site: &Site, from: &str) -> RevisionsPage {
    let Some(timeline) = site.timeline else { return RevisionsPage { revisions: Vec::new(), working: None } };
    let kinds = site.table.document.legend.kinds.len();
    let line = |k: usize, revision: Option<&Revision>| {
        let table = timeline.state(k);
        let c = timeline.step(k);
        let counted = Counted::of(table.each_row(), kinds);
        RevisionLine {
            edition: edition_of(revision),
            label: revision.map(|r| r.label().to_string()),
            date: table.document().date.clone(),
            date_label: table.document().date_label.clone(),
            released: revision.map(|r| r.meta.released.clone()),
            href: revision.map(|r| urls::href(from, &r.prefix())),
            changes_href: revision.map(|r| urls::href(from, &format!("{}{}", r.prefix(), urls::CHANGES))),
            tasks: counted.tasks,
            headings: counted.headings,
            counts: counted.counts,
            uncertain: counted.uncertain,
            compared: c.compared,
            added: c.added.len(),
            removed: c.removed.len(),
            renamed: c.renamed.len(),
            renumbered: c.renumbered.len(),
            gained: c.vendors.iter().map(|v| v.gained.len()).sum(),
            lost: c.vendors.iter().map(|v| v.lost.len()).sum(),
            vendors: c.vendors.len(),
        }
    };
    let revisions = timeline.revisions.iter().enumerate().map(|(k, r)| line(k, Some(r))).collect();
    let working = (!timeline.is_empty()).then(|| line(timeline.revisions.len(), None));
    RevisionsPage { revisions, working }
}
