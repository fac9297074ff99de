//! Clean tables: `項番,階層,作業項目,<vendor columns…>,作業内容` as CSV (UTF-8 or Shift_JIS),
//! and the record layout shared with Excel sheets.

use super::text::{clean, decode};
use super::{parse_no, Level, RawRow, RawSection, RawTable};
use crate::diag::{Code, Error, Finding, Location, Result};
use rayon::prelude::*;
use std::path::Path;

pub fn read(path: &Path) -> Result<RawTable> {
    let text = decode(path, crate::files::bytes(path)?)?;
    parse(path, &text)
}

/// Parse CSV (or TSV, by extension) text; `path` labels locations.
pub fn parse(path: &Path, text: &str) -> Result<RawTable> {
    let tab = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("tsv"));
    let delimiter = if tab { b'\t' } else { b',' };
    super::text::refuse_nul(path, text)?;
    if let Some(mut records) = records_by_line(text, delimiter) {
        records.par_iter_mut().for_each(|(_, cells)| cells.iter_mut().for_each(|c| *c = unguard(c)));
        return from_records(path, records);
    }
    check_quotes(path, text, delimiter)?;
    let records = records_by_csv(path, text, delimiter)?;
    // Each record holds its cells in one buffer: they are read from it, not copied out.
    from_records(path, records.iter().map(|(line, r)| (*line, r.iter().map(unguard).collect::<Vec<&str>>())).collect())
}

/// The characters a spreadsheet starts a formula with, by OWASP's advice on CSV injection:
/// a cell of `data/roles.csv` opened in Excel must stay text.
const FORMULA_START: &[u8] = b"=+-@\t\r";

/// A cell made of apostrophes (none or more), then a character that starts a formula.
fn formula_like(cell: &str) -> bool {
    cell.trim_start_matches('\'').as_bytes().first().is_some_and(|b| FORMULA_START.contains(b))
}

/// A cell as `data/roles.csv` writes it: one `'` more before a [`formula_like`] cell, so a
/// spreadsheet shows it as text. Counting the apostrophes already there keeps a cell that
/// starts with `'=` itself apart from a guarded `=`: [`unguard`] takes exactly one away.
pub fn guard(cell: &str) -> std::borrow::Cow<'_, str> {
    if formula_like(cell) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// A cell of a CSV as read: a `'` in front of a [`formula_like`] rest is taken to be the
/// guard [`guard`] wrote (or one a person wrote for the same reason) and dropped. Any other
/// apostrophe is text.
pub fn unguard(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if formula_like(rest) => rest,
        _ => cell,
    }
}

/// The records as the csv crate reads them, with their lines.
fn records_by_csv(path: &Path, text: &str, delimiter: u8) -> Result<Vec<(usize, ::csv::StringRecord)>> {
    let mut reader =
        ::csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(text.as_bytes());
    let mut records = Vec::new();
    let mut lines = super::text::Lines::new(text);
    for record in reader.records() {
        let record = record.map_err(|e| csv_error(path, text, &e))?;
        let line = record.position().map_or(0, |p| lines.at(p.byte()));
        records.push((line, record));
    }
    Ok(records)
}

/// A text without quotes, whose line ends are LF or CRLF, has one record per line: its
/// lines are cut into cells in parallel, as the csv crate would cut them. `None` for any
/// other text. Blank lines come as one empty cell (the csv crate skips them; the records
/// are filtered for blank ones after).
fn records_by_line(text: &str, delimiter: u8) -> Option<Vec<(usize, Vec<&str>)>> {
    let bytes = text.as_bytes();
    let crlf_only = memchr::memchr_iter(b'\r', bytes).all(|i| bytes.get(i + 1) == Some(&b'\n'));
    if memchr::memchr(b'"', bytes).is_some() || !crlf_only {
        return None;
    }
    let lines: Vec<&str> = text.split('\n').collect();
    let delimiter = char::from(delimiter);
    Some(
        lines
            .par_iter()
            .enumerate()
            .map(|(i, line)| (i + 1, line.strip_suffix('\r').unwrap_or(line).split(delimiter).collect()))
            .collect(),
    )
}

/// The csv crate forgives bad quoting (an unclosed quote swallows the rest of the file as
/// one cell), so check it first, by RFC 4180: a quote opens a cell only at its start, and a
/// closing quote is followed by a delimiter, a line end or another quote.
fn check_quotes(path: &Path, text: &str, delimiter: u8) -> Result<()> {
    let bytes = text.as_bytes();
    let (mut line, mut col, mut at_cell_start, mut open) = (1usize, 0usize, true, None::<(usize, usize)>);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        // Count characters, not bytes, for the column.
        if b & 0xC0 != 0x80 {
            col += 1;
        }
        match (open, b) {
            (None, b'"') if at_cell_start => open = Some((line, col)),
            (None, b'\n') => (line, col, at_cell_start) = (line + 1, 0, true),
            (None, d) if d == delimiter => at_cell_start = true,
            (None, b'\r') => {}
            (None, _) => at_cell_start = false,
            (Some(_), b'"') if bytes.get(i + 1) == Some(&b'"') => {
                i += 1;
                col += 1;
            }
            (Some(_), b'"') => {
                let next = bytes.get(i + 1).copied();
                if !matches!(next, None | Some(b'\n') | Some(b'\r')) && next != Some(delimiter) {
                    let message = "text after a closing quote: inside a quoted cell write a quote as \"\"";
                    return Err(Error::at(Code::Csv, Location::new(path, line).with_col(col), message));
                }
                open = None;
                at_cell_start = false;
            }
            (Some(_), b'\n') => (line, col) = (line + 1, 0),
            (Some(_), _) => {}
        }
        i += 1;
    }
    match open {
        Some((l, c)) => Err(Error::at(Code::Csv, Location::new(path, l).with_col(c), "this quote is never closed")),
        None => Ok(()),
    }
}

fn csv_error(path: &Path, text: &str, e: &::csv::Error) -> Error {
    let line = e.position().map_or(0, |p| super::text::Lines::new(text).at(p.byte()));
    let message = match e.kind() {
        ::csv::ErrorKind::Utf8 { .. } => "text is not valid UTF-8".to_string(),
        _ => format!("malformed CSV: {e}"),
    };
    Error::at(Code::Csv, Location::new(path, line.max(1)), message)
}

/// The role of each header cell, by its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    No,
    Level,
    Name,
    Description,
    Vendor,
}

fn field(header: &str) -> Field {
    match header.trim().to_ascii_lowercase().as_str() {
        "項番" | "no" | "no." => Field::No,
        "階層" | "level" => Field::Level,
        "作業項目" | "name" => Field::Name,
        "作業内容" | "description" => Field::Description,
        _ => Field::Vendor,
    }
}

/// Whether a header cell names the 項番 column.
pub fn is_no_header(text: &str) -> bool {
    field(text) == Field::No
}

/// The cells of one record by 0-based column. A CSV line is read dense; a sheet's row
/// holds only the cells with something in them ([`SparseRow`]), so a cell far to the right
/// costs no more than one beside the header.
pub trait Record: Sync {
    /// The cells, left to right, with their 0-based column.
    fn cells(&self) -> impl Iterator<Item = (usize, &str)>;
    /// The cell at a 0-based column, or "" where there is none.
    fn cell(&self, col: usize) -> &str;
}

impl<C: AsRef<str> + Sync> Record for Vec<C> {
    fn cells(&self) -> impl Iterator<Item = (usize, &str)> {
        self.iter().map(AsRef::as_ref).enumerate()
    }

    fn cell(&self, col: usize) -> &str {
        self.get(col).map_or("", AsRef::as_ref)
    }
}

/// A sheet's row: `(0-based column, text)` of its cells, sorted by column, one per column.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SparseRow(Vec<(usize, String)>);

impl SparseRow {
    /// The row from its cells in any order; of two cells at one column the later is kept
    /// (as a damaged sheet that repeats a cell is read by calamine's range).
    pub fn new(mut cells: Vec<(usize, String)>) -> Self {
        cells.sort_by_key(|(col, _)| *col);
        cells.dedup_by(|later, kept| {
            let same = later.0 == kept.0;
            if same {
                std::mem::swap(&mut later.1, &mut kept.1);
            }
            same
        });
        SparseRow(cells)
    }
}

impl Record for SparseRow {
    fn cells(&self) -> impl Iterator<Item = (usize, &str)> {
        self.0.iter().map(|(col, text)| (*col, text.as_str()))
    }

    fn cell(&self, col: usize) -> &str {
        self.0.binary_search_by_key(&col, |(c, _)| *c).map_or("", |i| self.0[i].1.as_str())
    }
}

/// Records as `(line, cells)`; the first non-blank one is the header. A cell beyond the
/// header is read as a vendor column's: a symbol there is kept (and found uncertain), any
/// other text is an `unknown-symbol` error at its column.
pub fn from_records<R: Record>(path: &Path, records: Vec<(usize, R)>) -> Result<RawTable> {
    let lines = records.iter().map(|(line, cells)| (*line, super::source_line(cells.cells()))).collect();
    let text = crate::model::SourceText { file: path.to_path_buf(), lines, ..Default::default() };
    let mut records = records.into_iter().filter(|(_, cells)| cells.cells().any(|(_, c)| !c.trim().is_empty()));
    let Some((header_line, header)) = records.next() else {
        return Err(Error::at(
            Code::Empty,
            Location::new(path, 1),
            "file is empty: expected a header 項番,階層,作業項目,…,作業内容",
        ));
    };
    let header: Vec<(usize, &str)> = header.cells().collect();
    let width = header.last().map_or(0, |(col, _)| col + 1);
    // Columns the header leaves blank are vendor columns without a name, as a blank cell is.
    let mut fields = vec![Field::Vendor; width];
    let mut columns = vec![String::new(); width + 1];
    let mut table = RawTable { file: path.to_path_buf(), text: vec![text], ..RawTable::default() };
    for &(col, text) in &header {
        fields[col] = field(text);
        if fields[col] == Field::Vendor {
            columns[col + 1] = text.trim().to_string();
        }
        let at = || Location::new(path, header_line).with_col(col + 1);
        table.findings.extend(super::large_cell(at, text));
    }
    let no_at = fields.iter().position(|f| *f == Field::No).ok_or_else(|| {
        Error::at(Code::NoHeader, Location::new(path, header_line), "header has no 項番 (or no) column")
    })?;
    let mut section = RawSection {
        location: Location::new(path, header_line),
        columns,
        description_col: fields.iter().position(|f| *f == Field::Description).map(|p| p + 1),
        // Clean tables are addressed by header name, so no width check.
        width: 0,
        rows: Vec::new(),
    };
    // Rows are read each by itself, in parallel, and kept in file order with their findings.
    let records: Vec<(usize, R)> = records.collect();
    let read: Vec<(Option<RawRow>, Vec<Finding>)> = records
        .par_iter()
        .map(|(line, cells)| {
            let mut findings = Vec::new();
            (read_row(path, *line, cells, &fields, no_at, &mut findings), findings)
        })
        .collect();
    for (row, findings) in read {
        table.findings.extend(findings);
        section.rows.extend(row);
    }
    table.sections.push(section);
    Ok(table)
}

fn read_row(
    path: &Path,
    line: usize,
    cells: &impl Record,
    fields: &[Field],
    no_at: usize,
    findings: &mut Vec<Finding>,
) -> Option<RawRow> {
    let at = |col: usize| Location::new(path, line).with_col(col);
    let no_text = cells.cell(no_at);
    let Some(no) = parse_no(no_text) else {
        findings.push(Finding::error(Code::BadNo, at(no_at + 1), format!("項番 must be a number, found {no_text:?}")));
        return None;
    };
    let mut row = RawRow { location: Location::new(path, line), no, level: Level::Task, ..RawRow::default() };
    if !fields.contains(&Field::Level) {
        row.level = Level::Unstated;
    }
    for (i, cell) in cells.cells() {
        let cell = cell.trim();
        match fields.get(i).copied().unwrap_or(Field::Vendor) {
            Field::No => {}
            Field::Level => {
                row.level = level(cell).unwrap_or_else(|| {
                    findings.push(Finding::error(
                        Code::BadLevel,
                        at(i + 1),
                        format!("階層 must be 1, 2, 3 or blank, found {cell:?}"),
                    ));
                    Level::Task
                })
            }
            Field::Name => {
                findings.extend(super::large_cell(|| at(i + 1), cell));
                row.name = clean(cell);
            }
            Field::Description => {
                findings.extend(super::large_cell(|| at(i + 1), cell));
                row.description = cell.to_string();
                row.description_col = Some(i + 1);
            }
            Field::Vendor if cell.trim().is_empty() => {}
            // What the cell holds is read through the legend by `assemble`.
            Field::Vendor => row.marks.push((i + 1, cell.to_string())),
        }
    }
    Some(row)
}

fn level(cell: &str) -> Option<Level> {
    match super::text::key(cell).as_str() {
        "" => Some(Level::Task),
        "1" => Some(Level::Heading(1)),
        "2" => Some(Level::Heading(2)),
        "3" => Some(Level::Heading(3)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// Every cell a spreadsheet would run gets one `'`, and reading takes exactly that one
    /// away, so any text comes back as it was, `'=` itself included.
    #[test]
    fn formula_cells_are_guarded_and_read_back_whole() {
        for c in ['=', '+', '-', '@', '\t', '\r'] {
            for text in [format!("{c}1+1"), format!("'{c}x"), format!("''{c}"), c.to_string()] {
                let guarded = super::guard(&text);
                assert_eq!(guarded, format!("'{text}"), "{text:?}");
                assert_eq!(super::unguard(&guarded), text, "{text:?}");
            }
        }
        for text in ["", "'", "''", "'x", "x=1", "設計", "?=列", "\u{FF1D}全角"] {
            assert_eq!(super::guard(text), text, "{text:?} is left alone");
            assert_eq!(super::unguard(text), text, "{text:?} is read as it is");
        }
    }

    /// Cut by lines, a text without quotes gives the csv crate's records, at the same
    /// lines, once blank records are left out (as `from_records` leaves them out).
    #[test]
    fn records_by_line_are_the_csv_crates() {
        let texts = [
            "項番,作業項目,a\n1,設計,◎\n2,試験\n",
            "項番,作業項目,a\r\n1,設計,◎\r\n\r\n2,試験,,○,\r\n",
            "a,b\n\n\n1,2\n,,\n3",
            "項番\t作業項目\n1\t設計(a,b)\n",
            "",
        ];
        let blank = |cells: &[String]| cells.iter().all(|c| c.trim().is_empty());
        for text in texts {
            for delimiter in [b',', b'\t'] {
                let by_line: Vec<(usize, Vec<String>)> = super::records_by_line(text, delimiter)
                    .unwrap()
                    .into_iter()
                    .map(|(l, cells)| (l, cells.into_iter().map(String::from).collect::<Vec<_>>()))
                    .filter(|(_, cells)| !blank(cells))
                    .collect();
                let by_csv: Vec<(usize, Vec<String>)> = super::records_by_csv(Path::new("t.csv"), text, delimiter)
                    .unwrap()
                    .into_iter()
                    .map(|(l, r)| (l, r.iter().map(String::from).collect::<Vec<_>>()))
                    .filter(|(_, cells)| !blank(cells))
                    .collect();
                assert_eq!(by_line, by_csv, "{text:?}");
            }
        }
        // Quotes, or a lone carriage return, take the csv crate's way.
        assert!(super::records_by_line("a,\"b,c\"\n", b',').is_none());
        assert!(super::records_by_line("a,b\r1,2\r", b',').is_none());
    }
}
