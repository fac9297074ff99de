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
}
