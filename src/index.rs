//! Reverse indexes built once from the table: vendor → tasks by role, phase → tasks and
//! vendors, subsystem → tasks, heading names → headings.

use crate::model::{Basis, RoleKind, Row, Table};
use crate::read::catalog::Catalog;
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// How many tasks give a vendor a role: those the table states, and those on rows whose
/// roles are in doubt (`Row::roles_in_doubt`). Every count on the site shows both, the
/// doubtful part apart, and rankings go by the certain part.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Tally {
    pub certain: usize,
    pub doubtful: usize,
}

impl Tally {
    pub fn add(&mut self, doubtful: bool) {
        match doubtful {
            true => self.doubtful += 1,
            false => self.certain += 1,
        }
    }

    pub fn total(self) -> usize {
        self.certain + self.doubtful
    }
}

#[derive(Debug, Default, Clone)]
pub struct VendorIndex {
    /// The vendor's position in `table.vendors`.
    pub position: usize,
    /// Its tasks for each kind of role, by the kind's place in the legend (the heaviest
    /// first), each in table order.
    pub roles: Vec<Vec<u32>>,
    /// Header spellings this vendor's roles were read under.
    pub spellings: BTreeSet<String>,
}

impl VendorIndex {
    /// Its tasks with a role of the heaviest kind (◎).
    pub fn primary(&self) -> &[u32] {
        self.roles.first().map_or(&[], Vec::as_slice)
    }

    /// Its tasks with a role of `kind`.
    pub fn of(&self, kind: RoleKind) -> &[u32] {
        self.roles.get(kind.rank()).map_or(&[], Vec::as_slice)
    }
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
    /// Task → the heading chain above it, top first. Looked up for every task of every
    /// chart and list, never walked: a hash map with a fast hash for integers.
    pub ancestors: FxHashMap<u32, Vec<u32>>,
    /// Every task in table order, for previous/next.
    pub tasks: Vec<u32>,
    /// Task → each (vendor position, role) it attributes, once, in column order: what the
    /// grids and load maps count, without comparing vendor ids again on every page.
    pub marks: FxHashMap<u32, Vec<(usize, RoleKind)>>,
    /// Tasks whose roles are in doubt (`Row::roles_in_doubt`): counted apart everywhere.
    pub doubtful: FxHashSet<u32>,
    /// How many kinds of role the legend has.
    pub kinds: usize,
}

pub fn build(table: &Table, catalog: &Catalog) -> Index {
    let mut ix = Index { kinds: table.document.legend.kinds.len(), ..Index::default() };
    let kinds = ix.kinds;
    // Vendors are looked up for every role of every row: by a hash of the id, into a list
    // by position, made into the map by id at the end.
    let position: FxHashMap<&str, usize> = table.vendors.iter().enumerate().map(|(i, v)| (v.id.as_str(), i)).collect();
    let mut vendors: Vec<VendorIndex> = (0..table.vendors.len())
        .map(|position| VendorIndex { position, roles: vec![Vec::new(); kinds], ..Default::default() })
        .collect();
    // The subsystems each task names: the one costly look at a row's text, made on all cores.
    let subsystems: Vec<Vec<&str>> = table
        .rows
        .par_iter()
        .map(|r| if r.is_heading() { Vec::new() } else { catalog.subsystems_in(&r.name) })
        .collect();
    for (row, subsystems) in table.rows.iter().zip(subsystems) {
        add_row(&mut ix, (&position, &mut vendors), table, row, subsystems);
    }
    ix.vendors = table.vendors.iter().map(|v| v.id.clone()).zip(vendors).collect();
    ix
}

fn add_row(
    ix: &mut Index,
    (position, vendors): (&FxHashMap<&str, usize>, &mut [VendorIndex]),
    table: &Table,
    row: &Row,
    subsystems: Vec<&str>,
) {
    // A parent comes before its rows, so its own chain is known: the row's is one longer.
    let chain = match row.parent.map(|p| (p, ix.ancestors.get(&p))) {
        Some((p, Some(above))) => above.iter().copied().chain([p]).collect(),
        _ => chain(table, row),
    };
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
    let mut marks = Vec::new();
    for (vendor, role) in row.attributed() {
        let Some(v) = position.get(vendor).and_then(|at| vendors.get_mut(*at)) else { continue };
        if !marks.contains(&(v.position, role.role)) {
            marks.push((v.position, role.role));
        }
        let list = &mut v.roles[role.role.rank()];
        if list.last() != Some(&row.no) {
            list.push(row.no);
        }
        if !v.spellings.contains(&role.column) {
            v.spellings.insert(role.column.clone());
        }
    }
    ix.marks.insert(row.no, marks);
    if row.roles_in_doubt() {
        ix.doubtful.insert(row.no);
    }
    if unassigned(row) {
        ix.unassigned.push(row.no);
    }
    for s in subsystems {
        ix.subsystems.entry(s.to_string()).or_default().push(row.no);
    }
}

/// Whether no vendor can be named for a task's heaviest role (the unassigned page lists
/// it): it has no ◎, or its ◎ are only in columns no vendor is named for.
pub fn unassigned(row: &Row) -> bool {
    !row.primaries().any(|r| r.basis != Basis::Uncertain)
}

/// The headings above a row, top first.
pub fn chain(table: &Table, row: &Row) -> Vec<u32> {
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
    /// The (vendor position, role) pairs a task attributes, each once.
    pub fn marks(&self, no: u32) -> &[(usize, RoleKind)] {
        self.marks.get(&no).map_or(&[], Vec::as_slice)
    }

    /// Each vendor's counts per kind of role (in legend order) over `tasks`, by position
    /// in `table.vendors`; `None` for a vendor with no role there. A task counts once per
    /// symbol, as its grid row shows it.
    pub fn vendor_counts(&self, vendors: usize, tasks: &[u32]) -> Vec<Option<Vec<Tally>>> {
        let mut counts: Vec<Option<Vec<Tally>>> = vec![None; vendors];
        for no in tasks {
            let doubtful = self.doubtful.contains(no);
            for &(at, role) in self.marks(*no) {
                let c = counts[at].get_or_insert_with(|| vec![Tally::default(); self.kinds]);
                c[role.rank()].add(doubtful);
            }
        }
        counts
    }

    /// `tasks` counted as certain or doubtful.
    pub fn tally(&self, tasks: &[u32]) -> Tally {
        let doubtful = tasks.iter().filter(|n| self.doubtful.contains(n)).count();
        Tally { certain: tasks.len() - doubtful, doubtful }
    }
}
