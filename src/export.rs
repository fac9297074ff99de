//! The data behind the site: `data/roles.json` (schema in `schema/roles.schema.json`) and
//! `data/roles.csv`, the clean CSV layout, so the seed becomes an editable table that a
//! spreadsheet opens without running any cell as a formula.

use crate::model::{Basis, Document, Flag, Gap, Kind, Role, Row, Table};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

#[derive(Serialize)]
struct Export<'a> {
    document: &'a Document,
    vendors: Vec<VendorOut<'a>>,
    subsystems: &'a [crate::model::Subsystem],
    /// Left empty here: the rows are written one by one and put in (`roles_json`).
    rows: &'a [RowOut<'a>],
    gaps: &'a [Gap],
}

#[derive(Serialize)]
struct VendorOut<'a> {
    id: &'a str,
    name: &'a str,
    short: &'a str,
    aliases: &'a [String],
    url: String,
}

#[derive(Serialize)]
struct RowOut<'a> {
    no: u32,
    kind: Kind,
    level: Option<u8>,
    name: &'a str,
    description: &'a str,
    parent: Option<u32>,
    url: String,
    roles: &'a [Role],
    source: SourceOut,
    flags: &'a [Flag],
    /// Present (true) when a flag puts the row's roles in doubt (`Row::roles_in_doubt`):
    /// every count of the site shows its roles apart, as 要確認.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    roles_in_doubt: bool,
}

#[derive(Serialize)]
struct SourceOut {
    file: String,
    line: usize,
}

/// A path as published: relative to the project, with forward slashes.
pub fn display_path(root: &Path, file: &Path) -> String {
    file.strip_prefix(root).unwrap_or(file).to_string_lossy().replace('\\', "/")
}

/// What is made from the whole table beside the pages: `data/roles.json` and
/// `data/roles.csv` with their rows as written (kept for a next build only), and the
/// changes.
pub struct Exported {
    pub roles_json: String,
    pub roles: Vec<Arc<str>>,
    pub roles_csv: String,
    pub csv: CsvMemo,
    pub changes: crate::changes::ChangesMemo,
}

/// The last build's text for the row at position `i` (`earlier`: the texts by position,
/// and the positions of the rows changed since), when that row is unchanged.
fn kept_row(earlier: Option<(&[Arc<str>], &[usize])>, i: usize) -> Option<Arc<str>> {
    let (kept, changed) = earlier?;
    let text = kept.get(i)?;
    changed.binary_search(&i).is_err().then(|| Arc::clone(text))
}

/// `data/roles.json`, and each row's entry in it (by position in `table.rows`) for the next
/// build to take over. `earlier` holds the last build's entries and the positions of the
/// rows that changed since (`plan::changed_rows`): every other row keeps its entry
/// rather than being written again.
pub fn roles_json(table: &Table, root: &Path, earlier: Option<(&[Arc<str>], &[usize])>) -> (String, Vec<Arc<str>>) {
    let entries: Vec<Arc<str>> = table
        .rows
        .par_iter()
        .enumerate()
        .map(|(i, row)| kept_row(earlier, i).unwrap_or_else(|| row_entry(row, root).into()))
        .collect();
    let export = Export {
        document: &table.document,
        vendors: table
            .vendors
            .iter()
            .map(|v| VendorOut {
                id: &v.id,
                name: &v.name,
                short: &v.short,
                aliases: &v.aliases,
                url: crate::urls::vendor(&v.id),
            })
            .collect(),
        subsystems: &table.subsystems,
        rows: &[],
        gaps: &table.gaps,
    };
    let frame = serde_json::to_string_pretty(&export).expect("the export holds only strings and numbers");
    // The rows go into their array as written: an empty array is a unique mark, as quotes
    // inside strings are escaped. The whole is made in one allocation: at 100,000 rows it is
    // over 100 MB, and every copy of it costs.
    let mark = "\n  \"rows\": [";
    let at = frame.find(mark).expect("the export has rows") + mark.len();
    let size = frame.len() + entries.iter().map(|e| e.len() + 6).sum::<usize>() + 4;
    let mut json = String::with_capacity(size);
    json.push_str(&frame[..at]);
    for (i, entry) in entries.iter().enumerate() {
        json.push_str(if i == 0 { "\n    " } else { ",\n    " });
        json.push_str(entry);
    }
    if !entries.is_empty() {
        json.push_str("\n  ");
    }
    json.push_str(&frame[at..]);
    json.push('\n');
    (json, entries)
}

/// One row as it stands in the rows array, two levels in: a JSON string holds no raw line
/// break, so every line break is the layout's, and indenting after each is exact.
fn row_entry(row: &Row, root: &Path) -> String {
    let json = serde_json::to_string_pretty(&row_out(row, root)).expect("a row holds only strings and numbers");
    json.replace('\n', "\n    ")
}

fn row_out<'a>(r: &'a Row, root: &Path) -> RowOut<'a> {
    RowOut {
        no: r.no,
        kind: r.kind,
        level: r.level,
        name: &r.name,
        description: &r.description,
        parent: r.parent,
        url: crate::urls::row(r.no, r.is_heading()),
        roles: &r.roles,
        source: SourceOut { file: display_path(root, &r.source.file), line: r.source.line },
        flags: &r.flags,
        roles_in_doubt: r.roles_in_doubt(),
    }
}

/// One vendor column of the CSV export.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Col {
    /// Symbols the document attributes: headed by the vendor id.
    Vendor(String),
    /// Curated: headed by the original header text, which the curation file maps.
    Curated(String),
    /// Uncertain: `?` + the header text; repeated when a row has several.
    Uncertain(String, usize),
}

impl Col {
    fn of(role: &Role, nth: usize) -> Col {
        match (role.basis, &role.vendor) {
            (Basis::Source, Some(v)) => Col::Vendor(v.clone()),
            (Basis::Curated, Some(_)) => Col::Curated(role.column.clone()),
            _ => Col::Uncertain(role.column.clone(), nth),
        }
    }

    fn header(&self) -> String {
        match self {
            Col::Vendor(id) => id.clone(),
            Col::Curated(text) => text.clone(),
            Col::Uncertain(text, _) => format!("?{text}"),
        }
    }
}

/// Each role of a row with its column; the n-th uncertain role of one header text goes
/// to the n-th `?text` column.
fn placed(row: &Row) -> Vec<(Col, &Role)> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    row.roles
        .iter()
        .map(|r| {
            let nth = if r.basis == Basis::Uncertain || r.vendor.is_none() {
                let n = seen.entry(r.column.clone()).or_default();
                *n += 1;
                *n
            } else {
                0
            };
            (Col::of(r, nth), r)
        })
        .collect()
}

/// The CSV's vendor columns: every vendor, then the other columns the rows use, sorted.
fn columns(table: &Table, placed: &[Vec<(Col, &Role)>]) -> Vec<Col> {
    let mut cols: Vec<Col> = table.vendors.iter().map(|v| Col::Vendor(v.id.clone())).collect();
    let known: std::collections::HashSet<&Col> = cols.iter().collect();
    let extra: std::collections::BTreeSet<&Col> =
        placed.iter().flatten().map(|(col, _)| col).filter(|c| !known.contains(c)).collect();
    let extra: Vec<Col> = extra.into_iter().cloned().collect();
    cols.extend(extra);
    cols
}

/// `data/roles.csv`'s rows as written, kept for the next build (see `roles_csv`).
#[derive(Debug, Default, Clone)]
pub struct CsvMemo {
    cols: Vec<Col>,
    rows: Vec<Arc<str>>,
}

/// UTF-8 with a BOM, which Japanese Excel needs to open UTF-8 CSV correctly. Each row is
/// written by itself, in parallel; with `earlier` (the last build's rows and the positions
/// of the rows changed since), a row at an unchanged position keeps its line when the
/// columns are the same. The rows are kept for the next build when `remember`.
pub fn roles_csv(table: &Table, earlier: Option<(&CsvMemo, &[usize])>, remember: bool) -> (String, CsvMemo) {
    let placed: Vec<Vec<(Col, &Role)>> = table.rows.par_iter().map(placed).collect();
    let cols = columns(table, &placed);
    let position: std::collections::HashMap<&Col, usize> = cols.iter().enumerate().map(|(i, c)| (c, i)).collect();
    let kept = earlier.filter(|(m, _)| m.cols == cols);
    let several = table.document.legend.several;
    let rows: Vec<Arc<str>> = table
        .rows
        .par_iter()
        .zip(&placed)
        .enumerate()
        .map(|(i, (row, roles))| {
            kept_row(kept.map(|(m, changed)| (m.rows.as_slice(), changed)), i).unwrap_or_else(|| {
                // A column's first role on the row is the one shown; every one, as `A/R`,
                // where the legend lets a cell hold several (it reads back the same).
                let mut marks = vec![String::new(); cols.len()];
                for (col, role) in roles {
                    let mark = &mut marks[position[col]];
                    if mark.is_empty() {
                        mark.push_str(role.role.symbol());
                    } else if several {
                        mark.push('/');
                        mark.push_str(role.role.symbol());
                    }
                }
                let (no, level) = (row.no.to_string(), row.level.map_or(String::new(), |l| l.to_string()));
                let fields = [no.as_str(), level.as_str(), row.name.as_str()]
                    .into_iter()
                    .chain(marks.iter().map(String::as_str));
                csv_line(fields.chain([row.description.as_str()])).into()
            })
        })
        .collect();
    let mut header = vec!["項番".to_string(), "階層".to_string(), "作業項目".to_string()];
    header.extend(cols.iter().map(Col::header));
    header.push("作業内容".into());
    let header = csv_line(header.iter().map(String::as_str));
    let mut out = String::with_capacity(3 + header.len() + rows.iter().map(|r| r.len()).sum::<usize>());
    out.push('\u{feff}');
    out.push_str(&header);
    rows.iter().for_each(|r| out.push_str(r));
    let memo = if remember { CsvMemo { cols, rows } } else { CsvMemo::default() };
    (out, memo)
}

/// One record as the CSV writes it, CRLF included. A cell that a spreadsheet would run as
/// a formula (`=`, `+`, `-`, `@`, tab, CR first) is written guarded by a `'`, which the CSV
/// reader takes away again (`read::csv::guard`, `unguard`).
fn csv_line<'a>(fields: impl IntoIterator<Item = &'a str>) -> String {
    let mut w = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::CRLF)
        .buffer_capacity(256)
        .from_writer(Vec::with_capacity(256));
    for field in fields {
        w.write_field(crate::read::csv::guard(field).as_bytes()).expect("writing to memory");
    }
    w.write_record(None::<&[u8]>).expect("writing to memory");
    String::from_utf8(w.into_inner().expect("flushing to memory")).expect("records are UTF-8")
}
