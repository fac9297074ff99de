//! The typed domain every later stage shares: document, vendors, rows (項番) and their roles.

use crate::diag::{Code, Finding, Location, Severity};
use serde::Serialize;

/// What the table document says about itself (title block, legend, notes).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Document {
    pub title: String,
    pub annex: String,
    pub issuer: String,
    /// ISO year-month (`2016-05`), converted from the wareki label.
    pub date: Option<String>,
    /// The date as the document writes it (`平成28年5月`).
    pub date_label: Option<String>,
    /// What each symbol stands for: from `site.toml`, the document, or the standard ◎/○.
    pub legend: crate::legend::Legend,
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Vendor {
    /// Stable ASCII slug; it becomes the URL `vendors/<id>/`.
    pub id: String,
    pub name: String,
    /// Abbreviation for narrow table columns; falls back to the name.
    pub short: String,
    pub aliases: Vec<String>,
    /// Subsystem ids this vendor works on (curated), used to spot shifted cells.
    pub subsystems: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Subsystem {
    pub id: String,
    pub name: String,
    pub aliases: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Heading,
    Task,
}

pub use crate::legend::RoleKind;

/// Why a role is attributed to its vendor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Basis {
    /// The document names the vendor at that column.
    Source,
    /// A mapping decided in a file under `seeds/`, with its reason.
    Curated,
    /// The column could not be attributed.
    Uncertain,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Role {
    pub vendor: Option<String>,
    /// The header text of the source column exactly as written.
    pub column: String,
    pub role: RoleKind,
    pub basis: Basis,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// 1-based position of the source column: where a reader finds the symbol, and what
    /// names a column no vendor can be named for. A released revision keeps it.
    pub col: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Flag {
    pub code: Code,
    pub message: String,
}

impl Flag {
    /// Whether this warning puts every role on its row in question: the one place "in
    /// doubt" is defined. A name at odds with its ◎ is the sign of cells shifted in
    /// extraction, and a shift moves every symbol of the row to another vendor's column.
    pub fn questions_roles(&self) -> bool {
        self.code == Code::PrimaryMismatch
    }

    /// The severity of the finding a flag gives. A row is flagged only with codes of one
    /// severity (`Code::severity`): `no-roles`, `no-primary`, `uncertain-columns`,
    /// `primary-mismatch`, `duplicate-name`, `parent-unknown` and `lost-cells`.
    pub fn severity(&self) -> Severity {
        self.code.severity().expect("a row flag's code has one severity")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    pub no: u32,
    pub kind: Kind,
    /// Heading level 1–3; `None` for a task.
    pub level: Option<u8>,
    pub name: String,
    pub description: String,
    /// The heading this row stands under; `None` at the top or when lost in a gap.
    pub parent: Option<u32>,
    pub roles: Vec<Role>,
    #[serde(skip)]
    pub source: Location,
    pub flags: Vec<Flag>,
}

impl Row {
    pub fn is_heading(&self) -> bool {
        self.kind == Kind::Heading
    }

    pub fn primaries(&self) -> impl Iterator<Item = &Role> {
        self.roles.iter().filter(|r| r.role.is_heaviest())
    }

    /// The roles that count for a vendor, with its id. A symbol in a column no vendor can
    /// be named for (basis uncertain) counts for nobody.
    pub fn attributed(&self) -> impl Iterator<Item = (&str, &Role)> {
        self.roles.iter().filter(|r| r.basis != Basis::Uncertain).filter_map(|r| Some((r.vendor.as_deref()?, r)))
    }

    /// Whether the roles this row attributes are in doubt (see `Flag::questions_roles`):
    /// counted apart from the certain ones wherever roles are counted.
    pub fn roles_in_doubt(&self) -> bool {
        self.flags.iter().any(Flag::questions_roles)
    }

    /// The name of a code among its flags as the row's legend words it (「○のみで◎なし」,
    /// 「A・C・IのみでRなし」); a row without roles names it as the code does.
    pub fn flag_label(&self, code: Code) -> &'static str {
        match self.roles.first() {
            Some(r) => r.role.code_label(code),
            None => code.label(),
        }
    }

    pub fn has_flag(&self, code: Code) -> bool {
        self.flags.iter().any(|f| f.code == code)
    }

    /// Its flags as the findings a check of its source reported, at its source line.
    pub fn findings(&self) -> impl Iterator<Item = Finding> + '_ {
        self.flags.iter().map(|f| {
            let severity = f.code.severity().unwrap_or(Severity::Warning);
            Finding::new(f.code, severity, self.source.clone(), f.message.clone()).for_row(self.no)
        })
    }
}

/// Numbers missing between two rows that stand next to each other.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Gap {
    pub from: u32,
    pub to: u32,
    pub reason: String,
    /// The paragraph standing where the pages were lost, when the source has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lost_text: Option<String>,
    #[serde(skip)]
    pub location: Location,
}

/// Everything read and checked: the one value check, index, render and export share.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub document: Document,
    pub vendors: Vec<Vendor>,
    pub subsystems: Vec<Subsystem>,
    pub rows: Vec<Row>,
    pub gaps: Vec<Gap>,
    pub findings: Vec<Finding>,
    /// Each input as written, so a reader can check a row against its source line.
    pub sources: Vec<SourceText>,
}

/// One input (a file, or a sheet of a workbook) as written: every line with its cells, and
/// where each table section's header stands. What the source pages show.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SourceText {
    /// The input as locations name it (`seeds/roles.xlsx[表1]`).
    pub file: std::path::PathBuf,
    /// Each line (or record) by its number, its cells joined by `SourceText::SEPARATOR`.
    pub lines: Vec<(usize, String)>,
    /// Each table section: the line of its header and of its first row (the header is the
    /// lines between).
    pub sections: Vec<(usize, usize)>,
    /// Whether the input carries the document's title block: its sections are named by the
    /// document (別紙2 表3), not by the file.
    pub document: bool,
}

impl SourceText {
    /// Between a line's cells: a control character no cell holds (cells are text).
    pub const SEPARATOR: char = '\u{1f}';
}

impl Table {
    /// The row numbered `no`. Rows are in number order, each number once (`assemble`), and
    /// most tables number them without gaps, so the row is first looked for where it would
    /// stand then. Pages look rows up by the hundred thousand, and a binary search over a
    /// large table's rows takes a cache miss at nearly every step.
    pub fn row(&self, no: u32) -> Option<&Row> {
        let first = self.rows.first()?.no;
        let guess = no.checked_sub(first).and_then(|d| self.rows.get(d as usize));
        if let Some(row) = guess.filter(|r| r.no == no) {
            return Some(row);
        }
        self.rows.binary_search_by_key(&no, |r| r.no).ok().map(|i| &self.rows[i])
    }

    pub fn vendor(&self, id: &str) -> Option<&Vendor> {
        self.vendors.iter().find(|v| v.id == id)
    }

    pub fn tasks(&self) -> impl Iterator<Item = &Row> {
        self.rows.iter().filter(|r| !r.is_heading())
    }

    pub fn headings(&self) -> impl Iterator<Item = &Row> {
        self.rows.iter().filter(|r| r.is_heading())
    }
}

/// A state of the table as histories and changes read it: the working data (`Table`) or a
/// released revision (`Frame`).
pub trait Version: Sync {
    fn document(&self) -> &Document;
    fn vendors(&self) -> &[Vendor];
    fn gaps(&self) -> &[Gap];
    /// The row numbered `no`.
    fn row(&self, no: u32) -> Option<&Row>;
    /// Every row, in 項番 order.
    fn each_row(&self) -> Box<dyn Iterator<Item = &Row> + '_>;

    fn vendor(&self, id: &str) -> Option<&Vendor> {
        self.vendors().iter().find(|v| v.id == id)
    }
}

/// The parts a `Table` and a `Frame` hold alike, as `Version` reads them.
macro_rules! held_parts {
    () => {
        fn document(&self) -> &Document {
            &self.document
        }
        fn vendors(&self) -> &[Vendor] {
            &self.vendors
        }
        fn gaps(&self) -> &[Gap] {
            &self.gaps
        }
    };
}

impl Version for Table {
    held_parts!();
    fn row(&self, no: u32) -> Option<&Row> {
        Table::row(self, no)
    }
    fn each_row(&self) -> Box<dyn Iterator<Item = &Row> + '_> {
        Box::new(self.rows.iter())
    }
}

/// A released revision's table as a build holds it: its rows shared with the revision
/// before wherever they are the same (most rows stay the same from one revision to the
/// next, and ten revisions of a large table held whole would cost ten tables), without the
/// findings and sources a page of the working data shows. `to_table` makes the table its
/// frozen pages are rendered from.
#[derive(Debug, Clone, Default)]
pub struct Frame {
    pub document: Document,
    pub vendors: Vec<Vendor>,
    pub subsystems: Vec<Subsystem>,
    pub gaps: Vec<Gap>,
    rows: Vec<std::sync::Arc<Row>>,
}

impl Frame {
    /// `table`'s rows, each shared with `before`'s row of the same number when equal.
    pub fn sharing(table: Table, before: Option<&Frame>) -> Frame {
        let rows = (table.rows.into_iter()).map(|row| Frame::share(before, row)).collect();
        let Table { document, vendors, subsystems, gaps, .. } = table;
        Frame { document, vendors, subsystems, gaps, rows }
    }

    /// `row`, as `before`'s row of the same number when the two are equal.
    pub fn share(before: Option<&Frame>, row: Row) -> std::sync::Arc<Row> {
        let same = before.and_then(|b| b.shared(row.no)).filter(|s| ***s == row);
        same.cloned().unwrap_or_else(|| std::sync::Arc::new(row))
    }

    /// A frame of these parts, its rows in 項番 order.
    pub fn from_parts(table: Table, rows: Vec<std::sync::Arc<Row>>) -> Frame {
        let Table { document, vendors, subsystems, gaps, .. } = table;
        Frame { document, vendors, subsystems, gaps, rows }
    }

    /// Its rows as held, each shareable.
    pub fn shared_rows(&self) -> &[std::sync::Arc<Row>] {
        &self.rows
    }

    /// The row numbered `no`, shareable.
    pub fn shared(&self, no: u32) -> Option<&std::sync::Arc<Row>> {
        let first = self.rows.first()?.no;
        let guess = no.checked_sub(first).and_then(|d| self.rows.get(d as usize)).filter(|r| r.no == no);
        guess.or_else(|| self.rows.binary_search_by_key(&no, |r| r.no).ok().map(|i| &self.rows[i]))
    }

    pub fn row(&self, no: u32) -> Option<&Row> {
        self.shared(no).map(|r| &**r)
    }

    pub fn rows(&self) -> impl Iterator<Item = &Row> + Clone {
        self.rows.iter().map(|r| &**r)
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn tasks(&self) -> impl Iterator<Item = &Row> {
        self.rows().filter(|r| !r.is_heading())
    }

    pub fn headings(&self) -> impl Iterator<Item = &Row> {
        self.rows().filter(|r| r.is_heading())
    }

    /// How many of its rows are held by `other` too (the same row, shared).
    pub fn shared_with(&self, other: &Frame) -> usize {
        self.rows.iter().filter(|r| other.shared(r.no).is_some_and(|o| std::sync::Arc::ptr_eq(o, r))).count()
    }

    /// The whole table, as its frozen pages are rendered from: its rows copied, each
    /// flag a finding at the row's source line (as the table was checked when released).
    pub fn to_table(&self) -> Table {
        let rows: Vec<Row> = self.rows().cloned().collect();
        let findings = rows.iter().flat_map(Row::findings).collect();
        Table {
            document: self.document.clone(),
            vendors: self.vendors.clone(),
            subsystems: self.subsystems.clone(),
            rows,
            gaps: self.gaps.clone(),
            findings,
            sources: Vec::new(),
        }
    }
}

impl Version for Frame {
    held_parts!();
    fn row(&self, no: u32) -> Option<&Row> {
        Frame::row(self, no)
    }
    fn each_row(&self) -> Box<dyn Iterator<Item = &Row> + '_> {
        Box::new(self.rows())
    }
}

#[cfg(test)]
impl Row {
    /// A task with a number and a name, and nothing else: for tests.
    pub(crate) fn task(no: u32, name: &str) -> Row {
        Row {
            no,
            kind: Kind::Task,
            level: None,
            name: name.into(),
            description: String::new(),
            parent: None,
            roles: Vec::new(),
            source: Default::default(),
            flags: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Row, Table};

    #[test]
    fn a_row_is_found_by_its_number_with_and_without_gaps() {
        let table = |nos: &[u32]| Table { rows: nos.iter().map(|&no| Row::task(no, "")).collect(), ..Table::default() };
        for nos in [&[][..], &[1, 2, 3, 4], &[5, 6, 7], &[1, 2, 58, 251, 252, 900], &[3, 10, 11, 12]] {
            let t = table(nos);
            for no in 0..1000 {
                let found = t.row(no).map(|r| r.no);
                assert_eq!(found, nos.contains(&no).then_some(no), "{no} in {nos:?}");
            }
        }
    }

    #[test]
    fn a_frame_shares_the_rows_it_has_in_common_with_the_one_before_and_gives_its_table_back() {
        use super::{Flag, Frame};
        use crate::diag::Code;
        let mut first =
            Table { rows: (1..=5).map(|no| Row::task(no, &format!("作業{no}"))).collect(), ..Table::default() };
        first.rows[1].flags.push(Flag { code: Code::NoPrimary, message: "◎なし".into() });
        first.findings = first.rows.iter().flat_map(Row::findings).collect();
        let mut second = first.clone();
        second.rows[2].name = "改名".into();
        second.rows.push(Row::task(9, "追加"));
        let a = Frame::sharing(first.clone(), None);
        let b = Frame::sharing(second.clone(), Some(&a));
        assert_eq!(b.shared_with(&a), 4, "rows 1, 2, 4 and 5 shared; 3 renamed, 9 new");
        assert_eq!(b.row(3).map(|r| r.name.as_str()), Some("改名"));
        assert_eq!(a.row(3).map(|r| r.name.as_str()), Some("作業3"));
        assert!(b.row(6).is_none() && b.row(9).is_some());
        for (frame, table) in [(&a, &first), (&b, &second)] {
            let back = frame.to_table();
            assert_eq!(back.rows, table.rows);
            assert_eq!(format!("{:?}", back.findings), format!("{:?}", table.findings));
        }
    }
}
