//! What a revision changed, for the `changes/` page and `data/changes.json`: items added,
//! removed and renamed, and the roles each vendor gained and lost, against the previously
//! published data (`data/roles.json` of the site being replaced, or of `--previous`).
//!
//! When the data is the same as the previous site's, the previous list is carried over, so
//! building twice does not wipe out what the last revision changed.

use crate::baseline::Baseline;
use crate::diag::{Code, Error, Location, Result};
use crate::model::{RoleKind, Table, Version};
use crate::read::continuity::Continuity;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const FILE: &str = crate::urls::CHANGES_JSON;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Changes {
    /// Whether a previous version was there to compare with.
    pub compared: bool,
    pub added: Vec<ItemRef>,
    pub removed: Vec<ItemRef>,
    pub renamed: Vec<Renamed>,
    /// Rows given a new 項番, as `aliases.csv` maps their old item URL to the new one.
    pub renumbered: Vec<Renumbered>,
    /// Vendors whose roles changed, in the order of the table's vendors.
    pub vendors: Vec<VendorChanges>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemRef {
    pub no: u32,
    pub name: String,
    pub heading: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Renamed {
    pub no: u32,
    pub old: String,
    pub new: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Renumbered {
    pub old: u32,
    pub new: u32,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VendorChanges {
    pub id: String,
    pub name: String,
    pub gained: Vec<RoleChange>,
    pub lost: Vec<RoleChange>,
}

impl Changes {
    /// Whether nothing changed (or nothing was compared).
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.removed.is_empty()
            && self.renamed.is_empty()
            && self.renumbered.is_empty()
            && self.vendors.is_empty()
    }
}

/// A task where a vendor's role appeared or went: `role` is `primary` or `cooperating`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleChange {
    pub no: u32,
    pub name: String,
    pub role: String,
}

/// The part of a version that changes are computed from: its vendors, and its rows in
/// 項番 order.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    vendors: Vec<(String, String)>,
    rows: Vec<Entry<String>>,
}

/// A row as changes see it: its number, kind and name, and each vendor's strongest role
/// there (◎ over ○), a vendor once, in the order first met. Unattributed symbols are left
/// out: they name no vendor to gain or lose anything.
#[derive(Debug, Clone)]
struct Entry<S> {
    no: u32,
    heading: bool,
    name: S,
    roles: Vec<(S, RoleKind)>,
}

impl<S: AsRef<str>> Entry<S> {
    /// Record a vendor's role, keeping the strongest.
    fn add_role(&mut self, vendor: S, role: RoleKind) {
        match self.roles.iter_mut().find(|(v, _)| v.as_ref() == vendor.as_ref()) {
            Some((_, slot)) => *slot = (*slot).min(role),
            None => self.roles.push((vendor, role)),
        }
    }

    fn role_of(&self, vendor: &str) -> Option<RoleKind> {
        self.roles.iter().find(|(v, _)| v.as_ref() == vendor).map(|(_, r)| *r)
    }

    /// Fold `later`, a row with the same number, into this one: its kind and name win; its
    /// roles are added, the strongest kept (`strongest`), or replace this one's per vendor.
    fn absorb(&mut self, later: Entry<S>, strongest: bool) {
        (self.heading, self.name) = (later.heading, later.name);
        for (v, r) in later.roles {
            match self.roles.iter_mut().find(|(x, _)| x.as_ref() == v.as_ref()) {
                Some((_, slot)) => *slot = if strongest { (*slot).min(r) } else { r },
                None => self.roles.push((v, r)),
            }
        }
    }

    fn borrowed(&self) -> Entry<&str> {
        let roles = self.roles.iter().map(|(v, r)| (v.as_ref(), *r)).collect();
        Entry { no: self.no, heading: self.heading, name: self.name.as_ref(), roles }
    }
}

/// Rows in 項番 order, each number once: a number met again is folded into the first row
/// with it (see `Entry::absorb`).
fn by_number<S: AsRef<str>>(mut rows: Vec<Entry<S>>, strongest: bool) -> Vec<Entry<S>> {
    rows.sort_by_key(|e| e.no);
    let mut out: Vec<Entry<S>> = Vec::with_capacity(rows.len());
    for e in rows {
        match out.last_mut() {
            Some(last) if last.no == e.no => last.absorb(e, strongest),
            _ => out.push(e),
        }
    }
    out
}

/// A table's rows as changes see them, borrowed.
fn entries(table: &dyn Version) -> Vec<Entry<&str>> {
    let rows = table.each_row().map(|row| {
        let mut e = Entry { no: row.no, heading: row.is_heading(), name: row.name.as_str(), roles: Vec::new() };
        for (vendor, role) in row.attributed() {
            e.add_role(vendor, role.role);
        }
        e
    });
    by_number(rows.collect(), true)
}

impl Snapshot {
    /// Read back a previous `data/roles.json`, only the fields changes need.
    fn from_json(bytes: &[u8], file: &std::path::Path) -> Result<Snapshot> {
        #[derive(Deserialize)]
        struct Export {
            #[serde(default)]
            document: Option<Doc>,
            vendors: Vec<V>,
            rows: Vec<R>,
        }
        #[derive(Deserialize)]
        struct V {
            id: String,
            name: String,
        }
        #[derive(Deserialize)]
        struct R {
            no: u32,
            kind: String,
            name: String,
            roles: Vec<Ro>,
        }
        #[derive(Deserialize)]
        struct Doc {
            #[serde(default)]
            legend: Vec<crate::legend::Entry>,
        }
        #[derive(Deserialize)]
        struct Ro {
            vendor: Option<String>,
            role: String,
            basis: String,
        }
        let export: Export = serde_json::from_slice(bytes).map_err(|e| {
            let at = Location::new(file, e.line()).with_col(e.column());
            Error::at(Code::Previous, at, format!("the previous site's data cannot be read: {e}"))
        })?;
        let entries = export.document.map(|d| d.legend).unwrap_or_default();
        let legend = crate::legend::Legend::from_entries(entries).unwrap_or_default();
        let rows = export.rows.into_iter().map(|row| {
            let mut e = Entry { no: row.no, heading: row.kind == "heading", name: row.name, roles: Vec::new() };
            for role in row.roles.into_iter().filter(|r| r.basis != "uncertain") {
                // A role its legend does not name is left out, as an unattributed one is.
                let Some(kind) = legend.by_id(&role.role) else { continue };
                if let Some(vendor) = role.vendor {
                    e.add_role(vendor, kind);
                }
            }
            e
        });
        let vendors = export.vendors.into_iter().map(|v| (v.id, v.name)).collect();
        Ok(Snapshot { vendors, rows: by_number(rows.collect(), true) })
    }
}

/// The changes this build publishes, given the previous site, this build's roles.json and
/// the aliases (an alias from one item URL to another is a renumbering). `last` is the
/// last build of a watching session (its table and memo, and the positions of the rows
/// changed since): when its rows, names, roles and renumberings are the same as this
/// build's, so are the changes.
pub fn for_build(
    baseline: &Baseline,
    table: &Table,
    roles_json: &str,
    continuity: &Continuity,
    last: Option<(&Table, &ChangesMemo, &[usize])>,
) -> Result<ChangesMemo> {
    let item_no = crate::urls::item_no;
    let moves: BTreeMap<u32, u32> =
        continuity.aliases.iter().filter_map(|a| Some((item_no(&a.old)?, item_no(&a.new)?))).collect();
    // The baseline as changes are computed from it, parsed once a session: a watching
    // process compares every rebuild with the same baseline.
    let before = last.and_then(|(_, m, _)| m.before.clone());
    let memo = |changes, before| Ok(ChangesMemo { moves: moves.clone(), changes, before });
    let Some((file, old)) = &baseline.roles else { return memo(Changes::default(), before) };
    if old.as_slice() == roles_json.as_bytes() {
        if let Some(kept) = baseline.changes.as_ref().and_then(|c| serde_json::from_slice(c).ok()) {
            return memo(kept, before);
        }
    }
    if let Some((_, kept, _)) = last.filter(|(t, m, changed)| m.moves == moves && same_snapshot(t, table, changed)) {
        return memo(kept.changes.clone(), before);
    }
    let before = match before {
        Some(s) => s,
        None => std::sync::Arc::new(Snapshot::from_json(old, file)?),
    };
    let vendors: Vec<(&str, &str)> = table.vendors.iter().map(|v| (v.id.as_str(), v.name.as_str())).collect();
    memo(diff(&before, &vendors, &entries(table), &moves), Some(before.clone()))
}

/// What changed from `old` to `new`, two revisions of one table, given the renumberings
/// between them (old 項番 → new).
pub fn between(old: &dyn Version, new: &dyn Version, moves: &BTreeMap<u32, u32>) -> Changes {
    since(&Snapshot::of(old), new, moves)
}

/// `between`, from a snapshot of the older table made once (`Snapshot::of`): a watching
/// process compares every rebuild's table with the same latest revision.
pub fn since(old: &Snapshot, new: &dyn Version, moves: &BTreeMap<u32, u32>) -> Changes {
    let vendors: Vec<(&str, &str)> = new.vendors().iter().map(|v| (v.id.as_str(), v.name.as_str())).collect();
    diff(old, &vendors, &entries(new), moves)
}

impl Snapshot {
    /// What changes are computed from in `table`.
    pub fn of(table: &dyn Version) -> Snapshot {
        let owned = |e: Entry<&str>| Entry {
            no: e.no,
            heading: e.heading,
            name: e.name.to_string(),
            roles: e.roles.into_iter().map(|(v, r)| (v.to_string(), r)).collect(),
        };
        Snapshot {
            vendors: table.vendors().iter().map(|v| (v.id.clone(), v.name.clone())).collect(),
            rows: entries(table).into_iter().map(owned).collect(),
        }
    }
}

/// A build's changes with the renumberings they were computed under, for the next build.
#[derive(Debug, Clone, Default)]
pub struct ChangesMemo {
    pub moves: BTreeMap<u32, u32>,
    pub changes: Changes,
    /// The baseline's roles as the changes are computed from them, once parsed.
    before: Option<std::sync::Arc<Snapshot>>,
}

/// Whether two tables agree on all that changes are computed from (`Snapshot::of`): the
/// vendors' ids and names, and each row's number, kind, name and attributed roles. Only the
/// rows at `changed` positions can differ.
fn same_snapshot(a: &Table, b: &Table, changed: &[usize]) -> bool {
    fn roles(r: &crate::model::Row) -> impl Iterator<Item = (&str, crate::model::RoleKind)> {
        r.attributed().map(|(v, role)| (v, role.role))
    }
    let same_row = |x: &crate::model::Row, y: &crate::model::Row| {
        (x.no, x.kind, &x.name) == (y.no, y.kind, &y.name) && roles(x).eq(roles(y))
    };
    a.vendors.len() == b.vendors.len()
        && a.vendors.iter().zip(&b.vendors).all(|(x, y)| (&x.id, &x.name) == (&y.id, &y.name))
        && a.rows.len() == b.rows.len()
        && changed.iter().all(|&i| same_row(&a.rows[i], &b.rows[i]))
}

/// `moves` maps an old 項番 to its new one: such a row is compared with its new self.
/// `new` is in 項番 order.
fn diff(old: &Snapshot, vendors: &[(&str, &str)], new: &[Entry<&str>], moves: &BTreeMap<u32, u32>) -> Changes {
    let mut changes = Changes { compared: true, ..Default::default() };
    let find = |rows: &[Entry<&str>], no: u32| rows.binary_search_by_key(&no, |e| e.no).ok();
    let (in_new, in_old) =
        (|no: u32| find(new, no).is_some(), |no: u32| old.rows.binary_search_by_key(&no, |e| e.no).is_ok());
    // Read the old version under the new numbers, where a row moved and its old number is
    // gone (and its new one was not there before).
    let mut renumbering = BTreeMap::new();
    for e in &old.rows {
        let moved = moves.get(&e.no).filter(|to| !in_new(e.no) && !in_old(**to) && in_new(**to));
        if let Some(&to) = moved {
            let name = find(new, to).map_or("", |i| new[i].name).to_string();
            changes.renumbered.push(Renumbered { old: e.no, new: to, name });
            renumbering.insert(e.no, to);
        }
    }
    // Two old rows renumbered as one are read as the later, over the earlier.
    let renumber = |no: u32| renumbering.get(&no).copied().unwrap_or(no);
    let before = old.rows.iter().map(|e| Entry { no: renumber(e.no), ..e.borrowed() });
    let before = by_number(before.collect(), false);
    let item = |e: &Entry<&str>| ItemRef { no: e.no, name: e.name.to_string(), heading: e.heading };
    // Each vendor's gains and losses, in 項番 order: the rows of both versions are walked
    // together, in that order.
    let mut moved: BTreeMap<&str, (Vec<RoleChange>, Vec<RoleChange>)> = BTreeMap::new();
    let mut note = |vendor, no, name: &str, role: RoleKind, gained: bool| {
        let change = RoleChange { no, name: name.to_string(), role: role_name(role).to_string() };
        let (g, l) = moved.entry(vendor).or_default();
        if gained {
            g.push(change)
        } else {
            l.push(change)
        }
    };
    let (mut a, mut b) = (before.iter().peekable(), new.iter().peekable());
    loop {
        let (was, now) = match (a.peek(), b.peek()) {
            (None, None) => break,
            (Some(x), Some(y)) if x.no == y.no => (a.next(), b.next()),
            (Some(x), Some(y)) if x.no < y.no => (a.next(), None),
            (Some(_), None) => (a.next(), None),
            _ => (None, b.next()),
        };
        match (was, now) {
            (None, Some(y)) => changes.added.push(item(y)),
            (Some(x), None) => changes.removed.push(item(x)),
            (Some(x), Some(y)) if x.name != y.name => {
                changes.renamed.push(Renamed { no: y.no, old: x.name.to_string(), new: y.name.to_string() })
            }
            _ => {}
        }
        // A row's name in the changes is its new name when it has one.
        let name = now.or(was).map_or("", |e| e.name);
        let no = now.or(was).map_or(0, |e| e.no);
        for (v, role) in now.iter().flat_map(|e| &e.roles) {
            if was.and_then(|x| x.role_of(v)) != Some(*role) {
                note(*v, no, name, *role, true);
            }
        }
        for (v, role) in was.iter().flat_map(|e| &e.roles) {
            if now.and_then(|y| y.role_of(v)) != Some(*role) {
                note(*v, no, name, *role, false);
            }
        }
    }
    // The table's vendors in its order, then those only the old version had.
    let gone = old.vendors.iter().filter(|(id, _)| !vendors.iter().any(|(n, _)| n == id));
    let all = vendors.iter().map(|(id, name)| (*id, *name)).chain(gone.map(|(id, name)| (id.as_str(), name.as_str())));
    for (id, name) in all {
        if let Some((gained, lost)) = moved.remove(id) {
            changes.vendors.push(VendorChanges { id: id.to_string(), name: name.to_string(), gained, lost });
        }
    }
    changes
}

fn role_name(role: RoleKind) -> &'static str {
    role.id()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(rows: &[(u32, &str)], roles: &[(u32, &str, &str)]) -> Snapshot {
        let kind = |r: &str| crate::legend::Legend::standard().by_id(r).unwrap();
        let rows = rows.iter().map(|(no, n)| Entry {
            no: *no,
            heading: false,
            name: n.to_string(),
            roles: roles.iter().filter(|r| r.0 == *no).map(|(_, v, r)| (v.to_string(), kind(r))).collect(),
        });
        Snapshot { vendors: vec![("a".into(), "A社".into()), ("b".into(), "B社".into())], rows: rows.collect() }
    }

    /// `old` against `new`, as a build of `new` would compare them.
    fn diff(old: &Snapshot, new: &Snapshot, moves: &BTreeMap<u32, u32>) -> Changes {
        let vendors: Vec<(&str, &str)> = new.vendors.iter().map(|(i, n)| (i.as_str(), n.as_str())).collect();
        let rows: Vec<Entry<&str>> = new.rows.iter().map(Entry::borrowed).collect();
        super::diff(old, &vendors, &rows, moves)
    }

    #[test]
    fn added_removed_renamed_and_roles_per_vendor() {
        let old = snapshot(&[(1, "設計"), (2, "試験"), (3, "運用")], &[(1, "a", "primary"), (2, "b", "cooperating")]);
        let new = snapshot(&[(1, "設計"), (2, "総合試験"), (4, "保守")], &[(1, "b", "primary"), (2, "b", "primary")]);
        let c = diff(&old, &new, &BTreeMap::new());
        assert!(c.compared);
        assert_eq!(c.added.iter().map(|i| i.no).collect::<Vec<_>>(), [4]);
        assert_eq!(c.removed.iter().map(|i| i.no).collect::<Vec<_>>(), [3]);
        assert_eq!(c.renamed, [Renamed { no: 2, old: "試験".into(), new: "総合試験".into() }]);
        let a = &c.vendors[0];
        assert_eq!((a.id.as_str(), a.gained.len(), a.lost[0].no, a.lost[0].role.as_str()), ("a", 0, 1, "primary"));
        let b = &c.vendors[1];
        let gained: Vec<(u32, &str)> = b.gained.iter().map(|g| (g.no, g.role.as_str())).collect();
        let lost: Vec<(u32, &str)> = b.lost.iter().map(|g| (g.no, g.role.as_str())).collect();
        assert_eq!((gained, lost), (vec![(1, "primary"), (2, "primary")], vec![(2, "cooperating")]));
        assert_eq!(b.gained[1].name, "総合試験");
    }

    #[test]
    fn the_same_data_changes_nothing() {
        let s = || snapshot(&[(1, "設計")], &[(1, "a", "primary")]);
        assert_eq!(diff(&s(), &s(), &BTreeMap::new()), Changes { compared: true, ..Default::default() });
    }

    #[test]
    fn an_aliased_item_is_renumbered_not_removed_and_added() {
        let old = snapshot(&[(1, "設計"), (2, "試験")], &[(2, "a", "primary")]);
        let new = snapshot(&[(1, "設計"), (20, "試験")], &[(20, "a", "primary")]);
        let c = diff(&old, &new, &[(2, 20)].into());
        assert_eq!(c.renumbered, [Renumbered { old: 2, new: 20, name: "試験".into() }]);
        assert!(c.added.is_empty() && c.removed.is_empty() && c.vendors.is_empty(), "{c:?}");
    }
}
