//! Which vendor each column of a section names, and on what basis. The honesty rule lives
//! here: a symbol goes to a vendor only where the header names it (or a curated mapping
//! says so, with its reason); everything else stays `uncertain`.

use crate::diag::{Code, Finding, Location};
use crate::legend::{Cell, Legend};
use crate::model::{Basis, Role, RoleKind};
use crate::read::catalog::Catalog;
use crate::read::RawSection;
use std::collections::BTreeMap;

/// How one column is attributed.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub vendor: Option<String>,
    pub text: String,
    pub basis: Basis,
    pub reason: Option<String>,
}

impl Column {
    fn uncertain(text: &str, reason: impl Into<String>) -> Column {
        Column { vendor: None, text: text.to_string(), basis: Basis::Uncertain, reason: Some(reason.into()) }
    }

    pub fn role(&self, role: RoleKind, col: usize) -> Role {
        Role {
            vendor: self.vendor.clone(),
            column: self.text.clone(),
            role,
            basis: self.basis,
            reason: self.reason.clone(),
            col,
        }
    }
}

/// Whether unknown header text is a doubt to show (the seed) or a user error (clean tables).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strictness {
    Seed,
    Clean,
}

/// Column position → attribution, for every position that names something.
pub fn attribute(
    section: &RawSection,
    catalog: &Catalog,
    strictness: Strictness,
    findings: &mut Vec<Finding>,
) -> BTreeMap<usize, Column> {
    let mut columns = BTreeMap::new();
    for (pos, text) in section.columns.iter().enumerate().skip(1) {
        if text.is_empty() {
            continue;
        }
        let at = section.location.clone().with_col(pos);
        if let Some(column) = one(text, catalog, strictness, at, findings) {
            columns.insert(pos, column);
        }
    }
    demote_duplicates(section, catalog, &mut columns, findings);
    demote_when_rows_are_narrower(section, &mut columns);
    columns
}

/// Rows with fewer cells than their header names lost a cell somewhere, and nothing says
/// which: every column after the loss is shifted, so no column can be read by position.
/// (Seed line 101: the header names 16 cells, its rows reach 15, and the column headed
/// 厚生労働省・日本年金機構 — the busiest elsewhere — stays empty in every row.)
fn demote_when_rows_are_narrower(section: &RawSection, columns: &mut BTreeMap<usize, Column>) {
    let widest = section.rows.iter().map(|r| r.width).max().unwrap_or(0);
    if section.width == 0 || widest <= 2 || widest >= section.width {
        return;
    }
    let reason = format!(
        "見出しは{}列だが行は{widest}列までしかなく、どの列が欠けたか分からないため列の位置で事業者を決められない",
        section.width
    );
    for column in columns.values_mut() {
        if column.basis != Basis::Uncertain {
            *column = Column::uncertain(&column.text, reason.clone());
        }
    }
}

fn one(
    text: &str,
    catalog: &Catalog,
    strictness: Strictness,
    at: Location,
    findings: &mut Vec<Finding>,
) -> Option<Column> {
    if let Some(rest) = text.strip_prefix('?') {
        return Some(Column::uncertain(rest, "表で不明と記された列(?付き)"));
    }
    if let Some(id) = catalog.resolve(text) {
        return Some(Column {
            vendor: Some(id.to_string()),
            text: text.to_string(),
            basis: Basis::Source,
            reason: None,
        });
    }
    if let Some((id, reason)) = catalog.curation.get(&crate::read::text::key(text)) {
        return Some(Column {
            vendor: Some(id.clone()),
            text: text.to_string(),
            basis: Basis::Curated,
            reason: Some(reason.clone()),
        });
    }
    match strictness {
        Strictness::Clean => {
            findings.push(Finding::error(
                Code::UnknownColumn,
                at,
                format!("column {text:?} names no vendor in vendors.csv (by id, name or alias); prefix it with ? to keep it as uncertain"),
            ));
            None
        }
        Strictness::Seed => {
            findings.push(Finding::warning(
                Code::UnknownColumn,
                at,
                format!("列見出し「{text}」はどの事業者にも当たらないため、この列の記号は事業者不明とする"),
            ));
            Some(Column::uncertain(text, "列見出しがどの事業者にも当たらない"))
        }
    }
}

/// One vendor cannot own two columns of a section: when it seems to, the header was
/// duplicated or garbled and none of those columns can be trusted. A curated column is a
/// person's decision with its reason, so it is kept beside the vendor's own column.
fn demote_duplicates(
    section: &RawSection,
    catalog: &Catalog,
    columns: &mut BTreeMap<usize, Column>,
    findings: &mut Vec<Finding>,
) {
    let mut by_vendor: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (pos, c) in columns.iter().filter(|(_, c)| c.basis == Basis::Source) {
        if let Some(v) = &c.vendor {
            by_vendor.entry(v.clone()).or_default().push(*pos);
        }
    }
    for (vendor, positions) in by_vendor.into_iter().filter(|(_, p)| p.len() > 1) {
        let list = positions.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("・");
        // Readers know a vendor by its name, never by its id.
        let name = catalog.vendors.iter().find(|v| v.id == vendor).map_or(vendor.as_str(), |v| v.short.as_str());
        findings.push(Finding::warning(
            Code::DuplicateColumn,
            section.location.clone().with_col(positions[0]),
            format!("第{list}列の見出しがすべて同じ事業者({name})を指すため、これらの列の記号は事業者不明とする"),
        ));
        let reason = format!(
            "見出しの第{list}列がすべて同じ事業者({name})を指す。一つの事業者が一つの表で二つの列を持つことはないので、\
             抽出の際に見出しが重複したか崩れたと見られ、どの列が本来その事業者の列か決められない"
        );
        for pos in positions {
            let text = columns[&pos].text.clone();
            columns.insert(pos, Column::uncertain(&text, reason.clone()));
        }
    }
}

/// Roles of one row: each mark through its column, or uncertain where no header names it,
/// and each symbol through the legend. A mark the legend has no symbol for is an error in a
/// clean table and a warning in the seed's extraction (kept in the findings, never mapped
/// by guess).
pub fn roles(
    marks: &[(usize, String)],
    columns: &BTreeMap<usize, Column>,
    legend: &Legend,
    strictness: Strictness,
    at: &Location,
) -> (Vec<Role>, Vec<Finding>) {
    let mut roles = Vec::new();
    let mut unknown = Vec::new();
    for (col, text) in marks {
        let kinds = match legend.read(text) {
            Cell::Empty => continue,
            Cell::Roles(kinds) => kinds,
            Cell::Unknown(t) => {
                let message = format!(
                    "cell holds {:?}, which the legend has no symbol for: expected {} or nothing",
                    truncate(&t),
                    legend.symbols()
                );
                let at = at.clone().with_col(*col);
                unknown.push(match strictness {
                    Strictness::Clean => Finding::error(Code::UnknownSymbol, at, message),
                    Strictness::Seed => Finding::warning(Code::UnknownSymbol, at, message),
                });
                continue;
            }
        };
        for role in kinds {
            roles.push(match columns.get(col) {
                Some(c) => c.role(role, *col),
                None => Column::uncertain("", format!("第{col}列には見出しがない")).role(role, *col),
            });
        }
    }
    (roles, unknown)
}

/// At most 20 characters of a cell, for a message.
fn truncate(s: &str) -> String {
    let mut t: String = s.chars().take(20).collect();
    if t.len() < s.len() {
        t.push('…');
    }
    t
}

/// The section's own shape problems: rows wider or narrower than their header, and
/// descriptions standing under another header.
pub fn shape_findings(section: &RawSection, findings: &mut Vec<Finding>) {
    let widest = section.rows.iter().map(|r| r.width).max().unwrap_or(0);
    if section.width > 0 && widest > 2 && widest != section.width {
        findings.push(Finding::warning(
            Code::HeaderWidth,
            section.location.clone(),
            format!(
                "見出しは{}列あるが、行は{widest}列まで: 記号は列の位置で読み、事業者見出しのない列の記号は事業者不明とする",
                section.width
            ),
        ));
    }
    let mut counts: BTreeMap<usize, usize> = BTreeMap::new();
    for row in &section.rows {
        if let Some(c) = row.description_col {
            *counts.entry(c).or_default() += 1;
        }
    }
    let Some((&actual, _)) = counts.iter().max_by_key(|(c, n)| (**n, std::cmp::Reverse(**c))) else { return };
    if section.description_col.is_some_and(|d| d != actual) {
        let under = section
            .columns
            .get(actual)
            .filter(|t| !t.is_empty())
            .map_or(String::new(), |t| format!("(その列の見出しは「{t}」)"));
        findings.push(Finding::warning(
            Code::DescriptionColumn,
            section.location.clone(),
            format!(
                "見出しでは作業内容が第{}列だが、作業内容は第{actual}列にある{under}",
                section.description_col.unwrap_or(0)
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Severity;
    use crate::read::catalog::tests::shipped;
    use crate::read::RawRow;

    fn section(headers: &[&str]) -> RawSection {
        let mut columns = vec![String::new(), String::new(), String::new()];
        columns.extend(headers.iter().map(|h| h.to_string()));
        RawSection { location: Location::new("seed.txt", 10), columns, ..RawSection::default() }
    }

    fn codes(findings: &[Finding]) -> Vec<Code> {
        findings.iter().map(|f| f.code).collect()
    }

    #[test]
    fn named_columns_are_source_basis() {
        let mut f = Vec::new();
        let cols =
            attribute(&section(&["厚生労働省・日本年金機構", "機橋LAN保守業者"]), &shipped(), Strictness::Seed, &mut f);
        assert_eq!(cols[&3].vendor.as_deref(), Some("mhlw-jps"));
        assert_eq!(cols[&4].vendor.as_deref(), Some("jps-lan"));
        assert_eq!(cols[&4].text, "機橋LAN保守業者", "the header text is kept as written");
        assert!(cols.values().all(|c| c.basis == Basis::Source));
        assert!(f.is_empty());
    }

    /// Trap: the same vendor twice in one header (seed lines 349–350, 418–419): OCR
    /// duplicated or garbled the names, so neither column can be trusted.
    #[test]
    fn duplicated_vendor_columns_all_become_uncertain() {
        let mut f = Vec::new();
        let name = "個人番号管理サブシステム(1次)ハードウェア等納入保守業者";
        let cols = attribute(
            &section(&["共通運用管理業者", name, "個人番号管理サブシステム（1次）ハードウェア等"]),
            &shipped(),
            Strictness::Seed,
            &mut f,
        );
        assert_eq!(cols[&3].basis, Basis::Source);
        for pos in [4, 5] {
            assert_eq!(cols[&pos].basis, Basis::Uncertain);
            assert_eq!(cols[&pos].vendor, None);
        }
        assert_eq!(codes(&f), vec![Code::DuplicateColumn]);
        assert_eq!(f[0].location.col, 4);
    }

    /// Trap: garbled header text names nobody: a warning in the seed, symbols kept as
    /// uncertain; an error in a clean table, where the user can fix it.
    #[test]
    fn garbled_headers_stay_uncertain_in_the_seed_and_fail_a_clean_table() {
        let garbled = "個人番号管理サブシステム(2次)開発個人番号管理1次改修分(に)";
        let mut f = Vec::new();
        let cols = attribute(&section(&[garbled]), &shipped(), Strictness::Seed, &mut f);
        assert_eq!((cols[&3].basis, cols[&3].vendor.as_ref()), (Basis::Uncertain, None));
        assert_eq!((f[0].code, f[0].severity), (Code::UnknownColumn, crate::diag::Severity::Warning));
        let mut f = Vec::new();
        let cols = attribute(&section(&[garbled]), &shipped(), Strictness::Clean, &mut f);
        assert!(cols.is_empty());
        assert_eq!((f[0].code, f[0].severity), (Code::UnknownColumn, crate::diag::Severity::Error));
    }

    #[test]
    fn question_mark_keeps_a_column_uncertain_on_purpose() {
        let mut f = Vec::new();
        let cols = attribute(&section(&["?読めない列"]), &shipped(), Strictness::Clean, &mut f);
        assert_eq!((cols[&3].basis, cols[&3].text.as_str()), (Basis::Uncertain, "読めない列"));
        assert!(f.is_empty());
    }

    /// Trap: the abbreviated 委託者 header maps to a vendor only through curation.csv,
    /// and the role carries that file's reason.
    #[test]
    fn curated_mapping_carries_its_reason() {
        let mut f = Vec::new();
        let cols = attribute(&section(&["開発等業者(統括業務委託者を含む)"]), &shipped(), Strictness::Seed, &mut f);
        let role = cols[&3].role(RoleKind::primary(), 3);
        assert_eq!((role.vendor.as_deref(), role.basis), (Some("dev-main"), Basis::Curated));
        assert!(role.reason.unwrap().contains("誤記"));
    }

    fn roles_of_clean(cols: &BTreeMap<usize, Column>, at: &Location) -> (Vec<Role>, Vec<Finding>) {
        roles(&[(10, "△".into())], cols, &Legend::default(), Strictness::Clean, at)
    }

    #[test]
    fn marks_under_no_header_are_uncertain_roles() {
        let mut f = Vec::new();
        let cols = attribute(&section(&["共通運用管理業者"]), &shipped(), Strictness::Seed, &mut f);
        let at = Location::new("seed.txt", 5);
        let marks = [(3, "◎".into()), (9, "〇".into()), (10, "△".into())];
        let (roles, unknown) = roles(&marks, &cols, &Legend::default(), Strictness::Seed, &at);
        assert_eq!((roles[0].vendor.as_deref(), roles[0].role), (Some("common-ops"), RoleKind::primary()));
        // A symbol the legend lacks is kept out of the roles and reported at its cell: a
        // warning in the seed's extraction, an error in a clean table.
        assert_eq!(roles.len(), 2);
        assert_eq!(
            (unknown[0].code, unknown[0].severity, unknown[0].location.col),
            (Code::UnknownSymbol, Severity::Warning, 10)
        );
        let (_, clean) = roles_of_clean(&cols, &at);
        assert_eq!(clean[0].severity, Severity::Error);
        assert_eq!(
            (roles[1].vendor.as_deref(), roles[1].basis, roles[1].role),
            (None, Basis::Uncertain, RoleKind::cooperating())
        );
    }

    fn row(width: usize, description_col: Option<usize>) -> RawRow {
        RawRow { width, description_col, ..RawRow::default() }
    }

    /// Trap: a header whose cell span differs from its rows' (seed lines 101 and 418).
    #[test]
    fn header_and_row_widths_that_disagree_are_reported() {
        let mut s = section(&["A", "B", "C"]);
        s.width = 6;
        s.description_col = Some(6);
        s.rows = vec![row(5, Some(5)), row(2, None), row(5, Some(5))];
        let mut f = Vec::new();
        shape_findings(&s, &mut f);
        assert_eq!(codes(&f), vec![Code::HeaderWidth, Code::DescriptionColumn]);
        assert!(f[1].message.contains("第5列"), "{}", f[1].message);
        s.width = 5;
        s.description_col = Some(5);
        let mut f = Vec::new();
        shape_findings(&s, &mut f);
        assert!(f.is_empty(), "{f:?}");
    }
}
