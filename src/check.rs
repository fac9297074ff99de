//! Data-quality rules, one small pure function each: row flags, then findings from them.

use crate::assemble::outline::parentheticals;
use crate::diag::{Code, Finding};
use crate::legend::Legend;
use crate::model::{Basis, Flag, Row, Table};
use crate::read::catalog::Catalog;
use rayon::prelude::*;
use std::collections::HashMap;

/// Flag every row and add a finding per flag.
pub fn check(table: &mut Table, catalog: &Catalog) {
    // Each task's name as compared (NFKC), made once: the counts and each row use it.
    let keys: Vec<Option<String>> =
        table.rows.par_iter().map(|r| (!r.is_heading()).then(|| crate::read::text::key(&r.name))).collect();
    let name_counts = task_name_counts(&table.rows, &keys);
    let legend = &table.document.legend;
    table.rows.par_iter_mut().zip(&keys).filter_map(|(r, k)| Some((r, k.as_deref()?))).for_each(|(row, key)| {
        let flags: Vec<Flag> = [
            no_roles(row, legend),
            no_primary(row, legend),
            uncertain_columns(row),
            primary_mismatch(row, catalog, legend),
            duplicate_name(row, &name_counts[key]),
        ]
        .into_iter()
        .flatten()
        .collect();
        row.flags.extend(flags);
    });
    let findings: Vec<Vec<Finding>> = table.rows.par_iter().map(row_findings).collect();
    table.findings.extend(findings.into_iter().flatten());
}

fn row_findings(row: &Row) -> Vec<Finding> {
    row.flags
        .iter()
        .map(|f| {
            Finding::new(
                f.code,
                f.severity(),
                row.source.clone(),
                format!("項番{} {}: {}", row.no, row.name, f.message),
            )
            .for_row(row.no)
        })
        .collect()
}

fn flag(code: Code, message: impl Into<String>) -> Option<Flag> {
    Some(Flag { code, message: message.into() })
}

/// No symbol of the legend at all: 「◎も○もない作業」.
fn no_roles(row: &Row, legend: &Legend) -> Option<Flag> {
    let all: Vec<&str> = legend.kinds.iter().map(|k| k.symbol()).collect();
    row.roles.is_empty().then(|| flag(Code::NoRoles, format!("{}もない作業", all.join("も"))))?
}

/// Symbols, but none of the heaviest kind: nobody is shown doing the work.
fn no_primary(row: &Row, legend: &Legend) -> Option<Flag> {
    let (heaviest, rest) = legend.kinds.split_first()?;
    let rest: Vec<&str> = rest.iter().map(|k| k.symbol()).collect();
    (!row.roles.is_empty() && row.primaries().next().is_none()).then(|| {
        let message = format!("{}はあるが{}がなく、作業を行う者が示されていない", rest.join("・"), heaviest.symbol());
        flag(Code::NoPrimary, message)
    })?
}

fn uncertain_columns(row: &Row) -> Option<Flag> {
    let cols: Vec<String> =
        row.roles.iter().filter(|r| r.basis == Basis::Uncertain).map(|r| r.col.to_string()).collect();
    (!cols.is_empty())
        .then(|| flag(Code::UncertainColumns, format!("第{}列の記号は事業者を特定できない", cols.join("・"))))?
}

/// The name designates a vendor or subsystem (in a parenthetical) while every ◎ we can
/// attribute sits with another vendor: the typical sign of cells shifted in extraction.
fn primary_mismatch(row: &Row, catalog: &Catalog, legend: &Legend) -> Option<Flag> {
    let p = legend.heaviest()?.symbol();
    let primaries: Vec<&str> =
        row.attributed().filter(|(_, r)| r.role.is_heaviest()).map(|(vendor, _)| vendor).collect();
    if primaries.is_empty() {
        return None;
    }
    let groups = parentheticals(&row.name);
    if let Some(named) = groups.iter().find_map(|g| catalog.designated_vendor(g)) {
        return (!primaries.contains(&named)).then(|| {
            let (named, primaries) = (vendor_names(catalog, &[named]), vendor_names(catalog, &primaries));
            flag(Code::PrimaryMismatch, format!("作業名は事業者 {named} を指すが、{p}は {primaries} にある"))
        })?;
    }
    let subsystems: Vec<&str> = groups.iter().flat_map(|g| catalog.subsystems_in(g)).collect();
    if subsystems.is_empty() {
        return named_in_text(row, catalog, &primaries, p);
    }
    let serves = |v: &str| {
        catalog.vendors.iter().any(|x| x.id == v && x.subsystems.iter().any(|s| subsystems.contains(&s.as_str())))
    };
    (!primaries.iter().any(|v| serves(v))).then(|| {
        flag(
            Code::PrimaryMismatch,
            format!(
                "作業名はサブシステム {} を指すが、{p}はそれを担当しない {} にある",
                subsystem_names(catalog, &subsystems),
                vendor_names(catalog, &primaries)
            ),
        )
    })?
}

/// A subsystem the name itself names (outside any parenthetical, as `統計・業務分析サブシステム
/// 保守業務の引継`), while every ◎ sits with vendors tied to other subsystems. A vendor with
/// no subsystem of its own (the owner, the operators) works across them all, so its ◎ is
/// never at odds with such a name. Vendors named in the running text are not checked: in
/// the tables seen they receive the work (`…保守業務の引継`: handed over to them by the ◎).
fn named_in_text(row: &Row, catalog: &Catalog, primaries: &[&str], p: &str) -> Option<Flag> {
    let subsystems = catalog.subsystems_in(&row.name);
    if subsystems.is_empty() {
        return None;
    }
    let own = |v: &str| catalog.vendors.iter().find(|x| x.id == v).map_or(&[][..], |x| x.subsystems.as_slice());
    let tied = primaries.iter().all(|v| !own(v).is_empty());
    let serves = primaries.iter().any(|v| own(v).iter().any(|s| subsystems.contains(&s.as_str())));
    (tied && !serves).then(|| {
        flag(
            Code::PrimaryMismatch,
            format!(
                "作業名はサブシステム {} を指すが、{p}はそれを担当しない {} にある",
                subsystem_names(catalog, &subsystems),
                vendor_names(catalog, primaries)
            ),
        )
    })?
}

/// Vendors as a reader knows them: their short names, by id.
fn vendor_names(catalog: &Catalog, ids: &[&str]) -> String {
    let name = |id: &str| catalog.vendors.iter().find(|v| v.id == id).map_or(id.to_string(), |v| v.short.clone());
    ids.iter().map(|id| name(id)).collect::<Vec<_>>().join("、")
}

fn subsystem_names(catalog: &Catalog, ids: &[&str]) -> String {
    let name = |id: &str| catalog.subsystems.iter().find(|s| s.id == id).map_or(id.to_string(), |s| s.name.clone());
    ids.iter().map(|id| name(id)).collect::<Vec<_>>().join("、")
}

/// The tasks by name as compared (`keys`, by row; `None` for a heading).
fn task_name_counts<'k>(rows: &[Row], keys: &'k [Option<String>]) -> HashMap<&'k str, Vec<u32>> {
    let mut counts: HashMap<&str, Vec<u32>> = HashMap::new();
    for (r, key) in rows.iter().zip(keys) {
        if let Some(key) = key {
            counts.entry(key).or_default().push(r.no);
        }
    }
    counts
}

/// `same`: the tasks of the row's name, itself among them.
fn duplicate_name(row: &Row, same: &[u32]) -> Option<Flag> {
    use std::fmt::Write;
    // Name a few; a table where thousands share a name must not grow a message per pair.
    // Written into one string: in a large table most tasks share their name with others.
    let mut message = String::from("同じ名前の作業がある: 項番 ");
    let mut named = 0;
    for n in same.iter().filter(|n| **n != row.no).take(5) {
        let _ = write!(message, "{}{n}", if named > 0 { "、" } else { "" });
        named += 1;
    }
    if named == 0 {
        return None;
    }
    let more = (same.len() - 1).saturating_sub(named);
    if more > 0 {
        let _ = write!(message, " ほか{more}件");
    }
    flag(Code::DuplicateName, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Location;
    use crate::model::{Kind, Role, RoleKind};
    use crate::read::catalog::tests::shipped;

    fn role(vendor: Option<&str>, role: RoleKind) -> Role {
        let basis = if vendor.is_some() { Basis::Source } else { Basis::Uncertain };
        Role { vendor: vendor.map(str::to_string), column: String::new(), role, basis, reason: None, col: 3 }
    }

    fn task(no: u32, name: &str, roles: Vec<Role>) -> Row {
        Row { roles, source: Location::new("seed.txt", no as usize), ..Row::task(no, name) }
    }

    fn flags_of(rows: Vec<Row>) -> Vec<Vec<Code>> {
        let mut table = Table { rows, ..Table::default() };
        check(&mut table, &shipped());
        table.rows.iter().map(|r| r.flags.iter().map(|f| f.code).collect()).collect()
    }

    #[test]
    fn each_rule_flags_its_row() {
        let flags = flags_of(vec![
            task(
                1,
                "全体実施計画書の作成",
                vec![role(Some("mhlw-jps"), RoleKind::cooperating()), role(Some("dev-main"), RoleKind::primary())],
            ),
            task(2, "監視", vec![]),
            task(3, "報告", vec![role(Some("mhlw-jps"), RoleKind::cooperating())]),
            task(4, "確認", vec![role(Some("mhlw-jps"), RoleKind::primary()), role(None, RoleKind::cooperating())]),
            task(5, "報告", vec![role(Some("mhlw-jps"), RoleKind::primary())]),
        ]);
        assert_eq!(
            flags,
            vec![
                vec![],
                vec![Code::NoRoles],
                vec![Code::NoPrimary, Code::DuplicateName],
                vec![Code::UncertainColumns],
                vec![Code::DuplicateName],
            ]
        );
    }

    /// The name designates a vendor (`…(共通運用管理業務)`) or a subsystem while ◎ sits
    /// elsewhere: seed 8 and 698 are such rows.
    #[test]
    fn primary_mismatch_by_vendor_and_by_subsystem() {
        let flags = flags_of(vec![
            task(8, "実施計画書の作成(共通運用管理業務)", vec![role(Some("kojin2-renkei-dev"), RoleKind::primary())]),
            task(9, "実施計画書の作成(共通運用管理業務)", vec![role(Some("common-ops"), RoleKind::primary())]),
            task(
                698,
                "総合テスト計画・準備(個人番号管理サブシステム(2次開発情報連携分))",
                vec![role(Some("common-ops"), RoleKind::primary())],
            ),
            task(
                699,
                "総合テスト計画・準備(個人番号管理サブシステム(2次開発情報連携分))",
                vec![role(Some("kojin2-renkei-dev"), RoleKind::primary())],
            ),
            task(700, "障害調査(統計・業務分析サブシステム)", vec![role(None, RoleKind::primary())]),
        ]);
        assert!(flags[0].contains(&Code::PrimaryMismatch), "{flags:?}");
        assert!(!flags[1].contains(&Code::PrimaryMismatch));
        assert!(flags[2].contains(&Code::PrimaryMismatch));
        assert!(!flags[3].contains(&Code::PrimaryMismatch));
        assert!(!flags[4].contains(&Code::PrimaryMismatch), "an uncertain ◎ proves nothing either way");
    }

    #[test]
    fn headings_are_not_flagged() {
        let mut h = task(1, "統合業務関連", vec![]);
        h.kind = Kind::Heading;
        assert_eq!(flags_of(vec![h]), vec![Vec::<Code>::new()]);
    }
}
