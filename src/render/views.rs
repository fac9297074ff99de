//! View structs that borrow the model: what each template sees, named so grep finds where
//! a template variable comes from.

use crate::diag::{Code, Severity};
use crate::index::{Index, Tally};
use crate::model::{Basis, Role, Row, Table, Vendor};
use crate::urls;
use serde::Serialize;

/// What every page shares.
#[derive(Serialize)]
pub struct Base<'a> {
    pub site: &'a SiteView<'a>,
    /// Relative prefix back to the site root.
    pub root: String,
    pub page_title: String,
    /// Site-relative URL of this page (what a citation names).
    pub url: String,
    pub canonical: Option<String>,
    pub nav_current: &'static str,
    /// Relative prefix back to the root of the whole site, where the assets and the search
    /// index stand: `root` itself, except on a revision's frozen pages, whose `root` is the
    /// revision's.
    pub site_root: String,
    /// On a frozen page: which revision it shows.
    pub revision: Option<Banner>,
    /// On a current page: how its data stands against the latest released revision.
    pub revision_note: Option<Note>,
}

/// What a frozen page says of itself: the revision, its date, and the same page in the
/// working data (`latest`), whose URL lasts as every URL does.
#[derive(Serialize)]
pub struct Banner {
    pub label: String,
    pub edition: String,
    pub released: String,
    pub latest: String,
    pub revisions: String,
}

/// A current page's word on the released revisions: `differs` when its data is not the
/// latest revision's; with a link to the list of revisions.
#[derive(Serialize, Hash)]
pub struct Note {
    pub text: String,
    pub differs: bool,
    pub href: String,
}

#[derive(Serialize)]
pub struct SiteView<'a> {
    pub title: &'a str,
    pub annex: &'a str,
    pub issuer: &'a str,
    pub date_label: Option<&'a str>,
    pub date: Option<&'a str>,
    pub pages: Vec<NavPage>,
    pub base_url: Option<&'a str>,
    /// Whether the site publishes released revisions (a search may include them).
    pub revisions: bool,
    /// The legend's kinds of role, heaviest first.
    pub kinds: Vec<KindView>,
}

#[derive(Serialize, Clone)]
pub struct NavPage {
    pub title: String,
    pub url: String,
}

/// A link to a row, with what a list needs to show beside it.
#[derive(Serialize)]
pub struct RowLink<'a> {
    pub no: u32,
    pub name: &'a str,
    pub heading: bool,
    pub href: String,
    pub flags: Vec<FlagTag>,
}

/// A row flag as a tag: its code for styles and scripts, its name for readers.
#[derive(Serialize)]
pub struct FlagTag {
    pub code: Code,
    pub label: &'static str,
    /// The same name, as themes written for an earlier version print it.
    pub short: &'static str,
}

impl<'a> RowLink<'a> {
    pub fn new(row: &'a Row, from: &str) -> Self {
        RowLink {
            no: row.no,
            name: &row.name,
            heading: row.is_heading(),
            href: urls::row_href(from, row.no, row.is_heading()),
            flags: row
                .flags
                .iter()
                .map(|f| FlagTag { code: f.code, label: row.flag_label(f.code), short: row.flag_label(f.code) })
                .collect(),
        }
    }

    pub fn list(table: &'a Table, nos: &[u32], from: &str) -> Vec<Self> {
        nos.iter().filter_map(|n| table.row(*n)).map(|r| RowLink::new(r, from)).collect()
    }
}

#[derive(Serialize)]
pub struct RoleView<'a> {
    pub vendor: Option<&'a str>,
    pub vendor_name: Option<&'a str>,
    pub vendor_short: Option<&'a str>,
    pub href: Option<String>,
    pub symbol: &'static str,
    pub label: &'static str,
    pub primary: bool,
    /// The theme's class for its kind (`primary`, `coop`, `kind3`…).
    pub class: String,
    pub basis: Basis,
    pub basis_label: &'static str,
    pub column: &'a str,
    pub col: usize,
    pub reason: Option<&'a str>,
    /// Attributed on a row whose roles are in doubt (`Row::roles_in_doubt`).
    pub doubt: bool,
    /// The first role of its vendor in the list: the one a link to the vendor's place on
    /// the page (`#v-<id>`) lands on, when a cell holds several (A/R).
    pub anchor: bool,
}

pub fn basis_label(b: Basis) -> &'static str {
    match b {
        Basis::Source => "原文どおり",
        Basis::Curated => "判断により対応付け",
        Basis::Uncertain => "事業者不明",
    }
}

impl<'a> RoleView<'a> {
    pub fn new(table: &'a Table, role: &'a Role, doubt: bool, from: &str) -> Self {
        let vendor: Option<&Vendor> =
            role.vendor.as_deref().and_then(|v| table.vendor(v)).filter(|_| role.basis != Basis::Uncertain);
        RoleView {
            vendor: vendor.map(|v| v.id.as_str()),
            vendor_name: vendor.map(|v| v.name.as_str()),
            vendor_short: vendor.map(|v| v.short.as_str()),
            href: vendor.map(|v| urls::href(from, &urls::vendor(&v.id))),
            symbol: role.role.symbol(),
            label: role.role.label(),
            primary: role.role.is_heaviest(),
            class: role.role.class(),
            basis: role.basis,
            basis_label: basis_label(role.basis),
            column: &role.column,
            col: role.col,
            reason: role.reason.as_deref(),
            doubt: doubt && vendor.is_some(),
            anchor: true,
        }
    }

    /// Primary roles first, then by column as the document has them.
    pub fn list(table: &'a Table, row: &'a Row, from: &str) -> Vec<Self> {
        let mut roles: Vec<&Role> = row.roles.iter().collect();
        roles.sort_by_key(|r| (r.role, r.col));
        let mut views: Vec<Self> =
            roles.into_iter().map(|r| RoleView::new(table, r, row.roles_in_doubt(), from)).collect();
        for i in 1..views.len() {
            let (before, rest) = views.split_at_mut(i);
            rest[0].anchor = rest[0].vendor.is_none_or(|v| !before.iter().any(|b| b.vendor == Some(v)));
        }
        views
    }
}

#[derive(Serialize)]
pub struct VendorLink<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub short: &'a str,
    pub href: String,
    /// Its tasks per kind of role, in legend order (`SiteView::kinds`).
    pub counts: Vec<Tally>,
}

impl VendorLink<'_> {
    /// Its tasks of the heaviest kind.
    pub fn primary(&self) -> Tally {
        self.counts.first().copied().unwrap_or_default()
    }

    /// Its certain counts, heaviest kind first: the order of a standing (ties by the next).
    pub fn standing(&self) -> Vec<usize> {
        self.counts.iter().map(|t| t.certain).collect()
    }
}

/// A kind of role as every page names it (`SiteView::kinds`).
#[derive(Serialize, Clone)]
pub struct KindView {
    pub id: &'static str,
    pub symbol: &'static str,
    pub label: &'static str,
    /// The legend's wording (主たる作業).
    pub meaning: &'static str,
    pub class: String,
}

impl KindView {
    pub fn all(legend: &crate::legend::Legend) -> Vec<KindView> {
        legend
            .kinds
            .iter()
            .map(|k| KindView {
                id: k.id(),
                symbol: k.symbol(),
                label: k.label(),
                meaning: &k.def().meaning,
                class: k.class(),
            })
            .collect()
    }
}

impl<'a> VendorLink<'a> {
    pub fn all(table: &'a Table, ix: &Index, from: &str) -> Vec<Self> {
        table
            .vendors
            .iter()
            .map(|v| {
                let vi = &ix.vendors[&v.id];
                VendorLink {
                    id: &v.id,
                    name: &v.name,
                    short: &v.short,
                    href: urls::href(from, &urls::vendor(&v.id)),
                    counts: vi.roles.iter().map(|tasks| ix.tally(tasks)).collect(),
                }
            })
            .collect()
    }
}

/// One node of the phase tree: a heading with the number of tasks below it, or a marker
/// where the source lost a range of 項番 (`gap`), so a heading after it is not read as
/// standing under the one before it.
#[derive(Serialize, Clone)]
pub struct TreeNode<'a> {
    pub no: u32,
    pub name: &'a str,
    pub level: u8,
    pub href: String,
    pub tasks: usize,
    pub parent_unknown: bool,
    /// The lost range `(from, to)`, for a marker.
    pub gap: Option<(u32, u32)>,
}

/// The phase tree: every heading, or, for a table too large to list them all on one page
/// (`plan::tops_only`), those with no heading above them; each heading's page lists the
/// headings below it.
pub fn tree<'a>(table: &'a Table, ix: &Index, from: &str) -> Vec<TreeNode<'a>> {
    let mut gaps = table.gaps.iter().peekable();
    let mut nodes = Vec::new();
    let tops_only = crate::plan::tops_only(table);
    for h in table.headings().filter(|h| !tops_only || h.parent.is_none()) {
        while let Some(g) = gaps.next_if(|g| g.to < h.no) {
            let (name, href, gap) = ("", String::new(), Some((g.from, g.to)));
            nodes.push(TreeNode { no: g.from, name, level: 1, href, tasks: 0, parent_unknown: false, gap });
        }
        nodes.push(TreeNode {
            no: h.no,
            name: &h.name,
            level: h.level.unwrap_or(1),
            href: urls::href(from, &urls::phase(h.no)),
            tasks: ix.tasks_under.get(&h.no).map_or(0, Vec::len),
            parent_unknown: h.has_flag(Code::ParentUnknown),
            gap: None,
        });
    }
    nodes
}

/// Counts of findings by code and severity, for the quality summary.
#[derive(Serialize)]
pub struct FindingCount {
    pub code: Code,
    pub severity: Severity,
    pub label: &'static str,
    pub count: usize,
}
