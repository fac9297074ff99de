//! What a revision changed, for the `changes/` page and `data/changes.json`: items added,
//! removed and renamed, and the roles each vendor gained and lost, against the previously
//! published data (`data/roles.json` of the site being replaced, or of `--previous`).
//!
//! When the data is the same as the previous site's, the previous list is carried over, so
//! building twice does not wipe out what the last revision changed.

use crate::baseline::Baseline;
use crate::diag::{Error, Location, Result};
use crate::model::{RoleKind, Table};
use crate::read::continuity::Continuity;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const FILE: &str = "data/changes.json";

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

/// A task where a vendor's role appeared or went: `role` is `primary` or `cooperating`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleChange {
    pub no: u32,
    pub name: String,
    pub role: String,
}

/// The part of a version that changes are computed from.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    vendors: Vec<(String, String)>,
    /// 項番 → (heading, name).
    rows: BTreeMap<u32, (bool, String)>,
    /// (項番, vendor id) → the vendor's strongest role there. Unattributed symbols are left
    /// out: they name no vendor to gain or lose anything.
    roles: BTreeMap<(u32, String), String>,
}

impl Snapshot {
    /// Record a vendor's role on a row, keeping the strongest: ◎ over ○.
    fn add_role(&mut self, no: u32, vendor: String, role: &str) {
        let slot = self.roles.entry((no, vendor)).or_insert_with(|| role.to_string());
        if role == "primary" && slot != "primary" {
            *slot = role.to_string();
        }
    }

    fn of(table: &Table) -> Snapshot {
        let mut s = Snapshot {
            vendors: table.vendors.iter().map(|v| (v.id.clone(), v.name.clone())).collect(),
            ..Default::default()
        };
        for row in &table.rows {
            s.rows.insert(row.no, (row.is_heading(), row.name.clone()));
            for (vendor, role) in row.attributed() {
                let role = match role.role {
                    RoleKind::Primary => "primary",
                    RoleKind::Cooperating => "cooperating",
                };
                s.add_role(row.no, vendor.to_string(), role);
            }
        }
        s
    }

    /// Read back a previous `data/roles.json`, only the fields changes need.
    fn from_json(bytes: &[u8], file: &std::path::Path) -> Result<Snapshot> {
        #[derive(Deserialize)]
        struct Export {
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
        struct Ro {
            vendor: Option<String>,
            role: String,
            basis: String,
        }
        let export: Export = serde_json::from_slice(bytes).map_err(|e| {
            let at = Location::new(file, e.line()).with_col(e.column());
            Error::at("previous", at, format!("the previous site's data cannot be read: {e}"))
        })?;
        let mut s =
            Snapshot { vendors: export.vendors.into_iter().map(|v| (v.id, v.name)).collect(), ..Default::default() };
        for row in export.rows {
            for role in row.roles.iter().filter(|r| r.basis != "uncertain") {
                if let Some(vendor) = role.vendor.clone() {
                    s.add_role(row.no, vendor, &role.role);
                }
            }
            s.rows.insert(row.no, (row.kind == "heading", row.name));
        }
        Ok(s)
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
    last: Option<(&Table, &Memo, &[usize])>,
) -> Result<Memo> {
    let item_no = |url: &str| url.strip_prefix("items/")?.strip_suffix('/')?.parse::<u32>().ok();
    let moves: BTreeMap<u32, u32> =
        continuity.aliases.iter().filter_map(|a| Some((item_no(&a.old)?, item_no(&a.new)?))).collect();
    let memo = |changes| Ok(Memo { moves: moves.clone(), changes });
    let Some((file, old)) = &baseline.roles else { return memo(Changes::default()) };
    if old.as_slice() == roles_json.as_bytes() {
        if let Some(kept) = baseline.changes.as_ref().and_then(|c| serde_json::from_slice(c).ok()) {
            return memo(kept);
        }
    }
    if let Some((_, kept, _)) = last.filter(|(t, m, changed)| m.moves == moves && same_snapshot(t, table, changed)) {
        return memo(kept.changes.clone());
    }
    let before = match baseline.snapshot.get() {
        Some(s) => s,
        None => {
            let parsed = Snapshot::from_json(old, file)?;
            baseline.snapshot.get_or_init(|| parsed)
        }
    };
    memo(diff(before, &Snapshot::of(table), &moves))
}

/// A build's changes with the renumberings they were computed under, for the next build.
#[derive(Debug, Clone, Default)]
pub struct Memo {
    pub moves: BTreeMap<u32, u32>,
    pub changes: Changes,
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
fn diff(old: &Snapshot, new: &Snapshot, moves: &BTreeMap<u32, u32>) -> Changes {
    let mut changes = Changes { compared: true, ..Default::default() };
    // Read the old version under the new numbers, where a row moved and its old number is
    // gone (and its new one was not there before).
    let moved = |no: &u32| moves.get(no).filter(|to| !new.rows.contains_key(no) && !old.rows.contains_key(to));
    let mut renumbering = BTreeMap::new();
    for no in old.rows.keys() {
        if let Some(to) = moved(no).filter(|to| new.rows.contains_key(to)) {
            changes.renumbered.push(Renumbered { old: *no, new: *to, name: new.rows[to].1.clone() });
            renumbering.insert(*no, *to);
        }
    }
    // Only a renumbering needs the old version copied under its new numbers.
    let renumbered;
    let old = match renumbering.is_empty() {
        true => old,
        false => {
            let renumber = |no: u32| renumbering.get(&no).copied().unwrap_or(no);
            renumbered = Snapshot {
                vendors: old.vendors.clone(),
                rows: old.rows.iter().map(|(no, r)| (renumber(*no), r.clone())).collect(),
                roles: old.roles.iter().map(|((no, v), r)| ((renumber(*no), v.clone()), r.clone())).collect(),
            };
            &renumbered
        }
    };
    let item = |no: u32, (heading, name): &(bool, String)| ItemRef { no, name: name.clone(), heading: *heading };
    for (no, row) in &new.rows {
        match old.rows.get(no) {
            None => changes.added.push(item(*no, row)),
            Some((_, was)) if *was != row.1 => {
                changes.renamed.push(Renamed { no: *no, old: was.clone(), new: row.1.clone() })
            }
            Some(_) => {}
        }
    }
    changes.removed =
        old.rows.iter().filter(|(no, _)| !new.rows.contains_key(no)).map(|(no, r)| item(*no, r)).collect();
    let name_of = |no: u32| new.rows.get(&no).or(old.rows.get(&no)).map_or(String::new(), |r| r.1.clone());
    let mut vendors: Vec<(String, String)> = new.vendors.clone();
    vendors.extend(old.vendors.iter().filter(|(id, _)| !new.vendors.iter().any(|(n, _)| n == id)).cloned());
    // Each side's roles by vendor, in one pass over each.
    fn by_vendor(s: &Snapshot) -> BTreeMap<&str, BTreeMap<u32, &str>> {
        let mut map: BTreeMap<&str, BTreeMap<u32, &str>> = BTreeMap::new();
        for ((no, v), r) in &s.roles {
            map.entry(v.as_str()).or_default().insert(*no, r);
        }
        map
    }
    let (old_roles, new_roles) = (by_vendor(old), by_vendor(new));
    let none = BTreeMap::new();
    for (id, name) in vendors {
        let before = old_roles.get(id.as_str()).unwrap_or(&none);
        let after = new_roles.get(id.as_str()).unwrap_or(&none);
        let moved = |from: &BTreeMap<u32, &str>, to: &BTreeMap<u32, &str>| -> Vec<RoleChange> {
            from.iter()
                .filter(|(no, role)| to.get(no) != Some(role))
                .map(|(no, role)| RoleChange { no: *no, name: name_of(*no), role: role.to_string() })
                .collect()
        };
        let (gained, lost) = (moved(after, before), moved(before, after));
        if !gained.is_empty() || !lost.is_empty() {
            changes.vendors.push(VendorChanges { id, name, gained, lost });
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(rows: &[(u32, &str)], roles: &[(u32, &str, &str)]) -> Snapshot {
        Snapshot {
            vendors: vec![("a".into(), "A社".into()), ("b".into(), "B社".into())],
            rows: rows.iter().map(|(no, n)| (*no, (false, n.to_string()))).collect(),
            roles: roles.iter().map(|(no, v, r)| ((*no, v.to_string()), r.to_string())).collect(),
        }
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
