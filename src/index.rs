//! Reverse indexes built once from the table: vendor → tasks by role, phase → tasks and
//! vendors, subsystem → tasks, heading names → headings.

use crate::model::{Basis, RoleKind, Row, Table};
use crate::read::catalog::Catalog;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Default, Clone)]
pub struct VendorIndex {
    pub primary: Vec<u32>,
    pub cooperating: Vec<u32>,
    /// Header spellings this vendor's roles were read under.
    pub spellings: BTreeSet<String>,
}

#[derive(Debug, Default, Clone)]
pub struct Index {
    pub vendors: BTreeMap<String, VendorIndex>,
    /// Heading → its direct children (headings and tasks), in table order.
    pub children: BTreeMap<u32, Vec<u32>>,
    /// Heading → every task below it.
    pub tasks_under: BTreeMap<u32, Vec<u32>>,
    /// Heading name → headings with that name.
    pub headings_by_name: BTreeMap<String, Vec<u32>>,
    pub subsystems: BTreeMap<String, Vec<u32>>,
    /// Tasks with no attributed ◎.
    pub unassigned: Vec<u32>,
    /// Task → the heading chain above it, top first.
    pub ancestors: BTreeMap<u32, Vec<u32>>,
    /// Every task in table order, for previous/next.
    pub tasks: Vec<u32>,
}

pub fn build(table: &Table, catalog: &Catalog) -> Index {
    let mut ix = Index::default();
    for v in &table.vendors {
        ix.vendors.insert(v.id.clone(), VendorIndex::default());
    }
    for row in &table.rows {
        add_row(&mut ix, table, catalog, row);
    }
    ix
}

fn add_row(ix: &mut Index, table: &Table, catalog: &Catalog, row: &Row) {
    let chain = chain(table, row);
    if let Some(p) = row.parent {
        ix.children.entry(p).or_default().push(row.no);
    }
    if row.is_heading() {
        ix.headings_by_name.entry(row.name.clone()).or_default().push(row.no);
        ix.ancestors.insert(row.no, chain);
        return;
    }
    for h in &chain {
        ix.tasks_under.entry(*h).or_default().push(row.no);
    }
    ix.ancestors.insert(row.no, chain);
    ix.tasks.push(row.no);
    for (vendor, role) in row.attributed() {
        let Some(v) = ix.vendors.get_mut(vendor) else { continue };
        let list = if role.role == RoleKind::Primary { &mut v.primary } else { &mut v.cooperating };
        if list.last() != Some(&row.no) {
            list.push(row.no);
        }
        v.spellings.insert(role.column.clone());
    }
    if !row.primaries().any(|r| r.basis != Basis::Uncertain) {
        ix.unassigned.push(row.no);
    }
    for s in catalog.subsystems_in(&row.name) {
        ix.subsystems.entry(s.to_string()).or_default().push(row.no);
    }
}

/// The headings above a row, top first.
fn chain(table: &Table, row: &Row) -> Vec<u32> {
    let mut out = Vec::new();
    let mut next = row.parent;
    while let Some(no) = next {
        out.push(no);
        next = table.row(no).and_then(|r| r.parent);
    }
    out.reverse();
    out
}

impl Index {
    /// Vendors working on a phase, with their ◎ and ○ counts over the tasks below it.
    pub fn vendor_counts(&self, table: &Table, tasks: &[u32]) -> BTreeMap<String, (usize, usize)> {
        let mut counts: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        for no in tasks {
            let Some(row) = table.row(*no) else { continue };
            for (vendor, role) in row.attributed() {
                let c = counts.entry(vendor.to_string()).or_default();
                match role.role {
                    RoleKind::Primary => c.0 += 1,
                    RoleKind::Cooperating => c.1 += 1,
                }
            }
        }
        counts
    }
}
