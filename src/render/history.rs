//! What the current pages show of the released revisions: each item's history
//! (版ごとの担当), each vendor's roles gained and lost per revision, and the list of
//! revisions. All of it comes from the revisions' frozen data (`revisions::Timeline`).

use super::views::FlagTag;
use super::Site;
use crate::model::{Basis, Row, Version};
use crate::revisions::{Mark, Revision, Timeline};
use crate::urls;
use serde::Serialize;

/// A row in one state: a revision or the working data.
#[derive(Serialize)]
pub struct Held {
    /// The revision's name (平成28年5月版), or 作業中のデータ.
    pub edition: String,
    pub label: Option<String>,
    pub released: Option<String>,
    /// Its frozen page; `None` for the working data and where the row is gone.
    pub href: Option<String>,
    pub no: u32,
    pub present: bool,
    pub name: Option<String>,
    pub roles: Vec<HeldRole>,
    pub flags: Vec<FlagTag>,
    pub marks: Vec<Mark>,
    pub working: bool,
    /// Revisions in a row that hold it as the state before did: shown as one line instead
    /// (its other fields are then those of the first of them). Empty for a state shown
    /// whole.
    pub unchanged: Vec<Unchanged>,
}

/// A revision holding a row as the revision before it did.
#[derive(Serialize)]
pub struct Unchanged {
    pub edition: String,
    pub href: Option<String>,
}

/// One ◎/○ of a row in a revision, with its vendor as that revision names it.
#[derive(Serialize)]
pub struct HeldRole {
    /// The theme's class for its kind (`primary`, `coop`, `kind3`…).
    pub class: String,
    pub symbol: &'static str,
    pub label: &'static str,
    pub primary: bool,
    /// `None` for a symbol no vendor can be named for.
    pub vendor: Option<String>,
}

/// Each state row `row` of the working data stands in, oldest first. Revisions that hold
/// it unchanged from the one before are told in one line per run, not repeated whole: a
/// row of a table released ten times mostly reads 「r02版・…・r10版: 変更なし」.
pub fn item(site: &Site, row: &Row, from: &str) -> Vec<Held> {
    let Some(timeline) = site.timeline else { return Vec::new() };
    let mut out: Vec<Held> = Vec::new();
    for h in timeline.history(row.no) {
        let edition = h.revision.map_or_else(|| "作業中のデータ".to_string(), Revision::edition);
        let href = h
            .revision
            .zip(h.row)
            .map(|(r, row)| urls::href(from, &format!("{}{}", r.prefix(), urls::row(row.no, row.is_heading()))));
        let as_before = h.revision.is_some() && h.row.is_some() && h.marks.is_empty();
        if as_before && out.last().is_some_and(|last| last.present) {
            let unchanged = Unchanged { edition: edition.clone(), href: href.clone() };
            match out.last_mut().filter(|last| !last.unchanged.is_empty()) {
                Some(run) => run.unchanged.push(unchanged),
                None => out.push(Held {
                    edition,
                    label: None,
                    released: None,
                    href,
                    no: h.no,
                    present: true,
                    name: None,
                    roles: Vec::new(),
                    flags: Vec::new(),
                    marks: Vec::new(),
                    working: false,
                    unchanged: vec![unchanged],
                }),
            }
            continue;
        }
        out.push(Held {
            edition,
            label: h.revision.map(|r| r.label().to_string()),
            released: h.revision.map(|r| r.meta.released.clone()),
            href,
            no: h.no,
            present: h.row.is_some(),
            name: h.row.map(|r| r.name.clone()),
            roles: h.row.map(|r| roles(h.table, r)).unwrap_or_default(),
            flags: h.row.map(flags).unwrap_or_default(),
            marks: h.marks,
            working: h.revision.is_none(),
            unchanged: Vec::new(),
        });
    }
    out
}

fn roles(table: &dyn Version, row: &Row) -> Vec<HeldRole> {
    let mut roles: Vec<_> = row.roles.iter().collect();
    roles.sort_by_key(|r| (r.role, r.col));
    roles
        .into_iter()
        .map(|r| HeldRole {
            symbol: r.role.symbol(),
            label: r.role.label(),
            primary: r.role.is_heaviest(),
            class: r.role.class(),
            vendor: r
                .vendor
                .as_deref()
                .filter(|_| r.basis != Basis::Uncertain)
                .map(|v| table.vendor(v).map_or(v.to_string(), |v| v.short.clone())),
        })
        .collect()
}

fn flags(row: &Row) -> Vec<FlagTag> {
    row.flags
        .iter()
        .map(|f| FlagTag { code: f.code, label: row.flag_label(f.code), short: row.flag_label(f.code) })
        .collect()
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
                edition: revision.map_or_else(|| "作業中のデータ".to_string(), Revision::edition),
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

pub fn revisions(site: &Site, from: &str) -> RevisionsPage {
    let Some(timeline) = site.timeline else { return RevisionsPage { revisions: Vec::new(), working: None } };
    let line = |k: usize, revision: Option<&Revision>| {
        let table = timeline.state(k);
        let tasks = || table.each_row().filter(|r| !r.is_heading());
        let c = timeline.step(k);
        let count = |f: &dyn Fn(&Row, &crate::model::Role) -> bool| {
            tasks().flat_map(|row| row.roles.iter().map(move |r| (row, r))).filter(|(row, r)| f(row, r)).count()
        };
        let certain = |r: &crate::model::Role, rank: usize| r.role.rank() == rank && r.basis != Basis::Uncertain;
        let kinds = site.table.document.legend.kinds.len();
        RevisionLine {
            edition: revision.map_or_else(|| "作業中のデータ".to_string(), Revision::edition),
            label: revision.map(|r| r.label().to_string()),
            date: table.document().date.clone(),
            date_label: table.document().date_label.clone(),
            released: revision.map(|r| r.meta.released.clone()),
            href: revision.map(|r| urls::href(from, &r.prefix())),
            changes_href: revision.map(|r| urls::href(from, &format!("{}{}", r.prefix(), urls::CHANGES))),
            tasks: tasks().count(),
            headings: table.each_row().filter(|r| r.is_heading()).count(),
            counts: (0..kinds)
                .map(|k| {
                    let doubtful = count(&|row, r| certain(r, k) && row.roles_in_doubt());
                    crate::index::Tally { certain: count(&|_, r| certain(r, k)), doubtful }
                })
                .collect(),
            uncertain: count(&|_, r| r.basis == Basis::Uncertain),
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
