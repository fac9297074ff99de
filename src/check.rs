//! Data-quality rules, one small pure function each: row flags, then findings from them.

use crate::assemble::outline::parentheticals;
use crate::diag::{Finding, Severity};
use crate::model::{Basis, Flag, Row, Table};
use crate::read::catalog::Catalog;
use std::collections::HashMap;

/// Flag every row and add a finding per flag.
pub fn check(table: &mut Table, catalog: &Catalog) {
    let name_counts = task_name_counts(&table.rows);
    for row in table.rows.iter_mut().filter(|r| !r.is_heading()) {
        let flags: Vec<Flag> = [
            no_roles(row),
            no_primary(row),
            uncertain_columns(row),
            primary_mismatch(row, catalog),
            duplicate_name(row, &name_counts),
        ]
        .into_iter()
        .flatten()
        .collect();
        row.flags.extend(flags);
    }
    let findings: Vec<Finding> = table.rows.iter().flat_map(row_findings).collect();
    table.findings.extend(findings);
}

pub fn severity(code: &str) -> Severity {
    match code {
        "parent-unknown" | "duplicate-name" | "lost-cells" => Severity::Info,
        "duplicate-no" => Severity::Error,
        _ => Severity::Warning,
    }
}

fn row_findings(row: &Row) -> Vec<Finding> {
    row.flags
        .iter()
        .map(|f| Finding::new(f.code, severity(f.code), row.source.clone(), format!("項番{} {}: {}", row.no, row.name, f.message)).for_row(row.no))
        .collect()
}

fn flag(code: &'static str, message: impl Into<String>) -> Option<Flag> {
    Some(Flag { code, message: message.into() })
}

fn no_roles(row: &Row) -> Option<Flag> {
    row.roles.is_empty().then(|| flag("no-roles", "a task with no ◎ or ○"))?
}

fn no_primary(row: &Row) -> Option<Flag> {
    (!row.roles.is_empty() && row.primaries().next().is_none()).then(|| flag("no-primary", "○ without any ◎: nobody is named to do the work"))?
}

fn uncertain_columns(row: &Row) -> Option<Flag> {
    let cols: Vec<String> = row.roles.iter().filter(|r| r.basis == Basis::Uncertain).map(|r| r.col.to_string()).collect();
    (!cols.is_empty()).then(|| flag("uncertain-columns", format!("symbols in column(s) {} cannot be attributed to a vendor", cols.join(", "))))?
}

/// The name designates a vendor or subsystem (in a parenthetical) while every ◎ we can
/// attribute sits with another vendor: the typical sign of cells shifted in extraction.
fn primary_mismatch(row: &Row, catalog: &Catalog) -> Option<Flag> {
    let primaries: Vec<&str> = row.primaries().filter(|r| r.basis != Basis::Uncertain).filter_map(|r| r.vendor.as_deref()).collect();
    if primaries.is_empty() {
        return None;
    }
    let groups = parentheticals(&row.name);
    if let Some(named) = groups.iter().find_map(|g| catalog.designated_vendor(g)) {
        return (!primaries.contains(&named)).then(|| {
            flag("primary-mismatch", format!("the name designates vendor {named}, but ◎ sits with {}", primaries.join(", ")))
        })?;
    }
    let subsystems: Vec<&str> = groups.iter().flat_map(|g| catalog.subsystems_in(g)).collect();
    if subsystems.is_empty() {
        return None;
    }
    let serves = |v: &str| catalog.vendors.iter().any(|x| x.id == v && x.subsystems.iter().any(|s| subsystems.contains(&s.as_str())));
    (!primaries.iter().any(|v| serves(v))).then(|| {
        flag(
            "primary-mismatch",
            format!("the name designates subsystem {}, but ◎ sits with {}, which does not work on it", subsystems.join(", "), primaries.join(", ")),
        )
    })?
}

fn task_name_counts(rows: &[Row]) -> HashMap<String, Vec<u32>> {
    let mut counts: HashMap<String, Vec<u32>> = HashMap::new();
    for r in rows.iter().filter(|r| !r.is_heading()) {
        counts.entry(crate::read::text::key(&r.name)).or_default().push(r.no);
    }
    counts
}

fn duplicate_name(row: &Row, counts: &HashMap<String, Vec<u32>>) -> Option<Flag> {
    let same = counts.get(&crate::read::text::key(&row.name))?;
    let others: Vec<String> = same.iter().filter(|n| **n != row.no).map(|n| n.to_string()).collect();
    (!others.is_empty()).then(|| flag("duplicate-name", format!("another task has the same name: 項番 {}", others.join(", "))))?
}
