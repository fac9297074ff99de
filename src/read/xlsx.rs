//! Excel workbooks in the clean table layout, read through calamine once `bounds` has
//! checked what the file holds.

use super::csv::{Record, SparseRow};
use super::{bounds, RawTable};
use crate::config::Sheets;
use crate::diag::{Code, Error, Location, Result};
use calamine::{open_workbook_auto_from_rs, open_workbook_from_rs, Data, Reader};
use std::collections::BTreeMap;
use std::io::{Cursor, Read, Seek};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

/// Read a workbook file: its size is checked before it is read, then as [`read_bytes`].
pub fn read(path: &Path, sheets: &Sheets) -> Result<RawTable> {
    let size = std::fs::symlink_metadata(path).map_err(|e| Error::io(path, e))?.len();
    bounds::check_size(path, size)?;
    read_bytes(path, &crate::files::bytes(path)?, sheets)
}

/// Read a workbook held in memory: the one way in, so every workbook is held to
/// [`bounds::check`] before calamine sees it. `label` names it in locations and, by its
/// extension, picks the format.
pub fn read_bytes(label: &Path, bytes: &[u8], sheets: &Sheets) -> Result<RawTable> {
    bounds::check(label, bytes)?;
    // A damaged file can still make calamine panic while opening; that is a located error.
    let book = catch_unwind(AssertUnwindSafe(|| open(label, bytes)))
        .unwrap_or_else(|_| Err(bad(label, "the workbook is damaged: it cannot be opened".into())))?;
    read_book(label, book, sheets)
}

fn open<'a>(label: &Path, bytes: &'a [u8]) -> Result<calamine::Sheets<Cursor<&'a [u8]>>> {
    let data = Cursor::new(bytes);
    let ext = label.extension().and_then(|e| e.to_str());
    match ext {
        Some("xls" | "xla") => open_workbook_from_rs(data).map(calamine::Sheets::Xls).map_err(calamine::Error::Xls),
        Some("xlsx" | "xlsm" | "xlam") => {
            open_workbook_from_rs(data).map(calamine::Sheets::Xlsx).map_err(calamine::Error::Xlsx)
        }
        Some("xlsb") => open_workbook_from_rs(data).map(calamine::Sheets::Xlsb).map_err(calamine::Error::Xlsb),
        Some("ods") => open_workbook_from_rs(data).map(calamine::Sheets::Ods).map_err(calamine::Error::Ods),
        _ => open_workbook_auto_from_rs(data),
    }
    .map_err(|e| cannot_open(label, e))
}

fn bad(label: &Path, message: String) -> Error {
    Error::at(Code::Xlsx, Location::file_only(label), message)
}

fn cannot_open(path: &Path, e: calamine::Error) -> Error {
    Error::at(Code::Xlsx, Location::file_only(path), format!("cannot open workbook: {e}"))
}

fn read_book<RS: Read + Seek>(path: &Path, mut book: calamine::Sheets<RS>, sheets: &Sheets) -> Result<RawTable> {
    let names = book.sheet_names().to_vec();
    let chosen: Vec<String> = match sheets {
        Sheets::First => names.into_iter().take(1).collect(),
        Sheets::All => names,
        Sheets::Named(list) => list.clone(),
    };
    let mut table = RawTable { file: path.to_path_buf(), ..RawTable::default() };
    for name in chosen {
        let label = PathBuf::from(format!("{}[{name}]", path.display()));
        let records = sheet_records(&mut book, &name, &label)?;
        // With every sheet chosen, a blank one (a cover, a spare) is no table to read.
        if *sheets == Sheets::All && records.iter().all(|(_, r)| r.cells().all(|(_, c)| c.trim().is_empty())) {
            continue;
        }
        let sheet = super::csv::from_records(&label, records)?;
        table.sections.extend(sheet.sections);
        table.findings.extend(sheet.findings);
        table.text.extend(sheet.text);
    }
    Ok(table)
}

/// Excel's grid: a cell beyond it can only come from a damaged or hostile file.
const MAX_ROWS: u32 = 1_048_576;
const MAX_COLS: u32 = 16_384;

/// One sheet as `(line, cells)` records, the rows that hold something only, each holding
/// only its cells that hold something: a cell far to the right costs what a near one does.
///
/// An .xlsx sheet is streamed cell by cell and a position beyond Excel's grid refused:
/// calamine would allocate the whole range up to such a cell (gigabytes, then an abort).
/// A damaged cell reference can also overflow inside calamine (a panic where overflow is
/// checked); both become a located error, never a crash.
fn sheet_records<RS: Read + Seek>(
    book: &mut calamine::Sheets<RS>,
    name: &str,
    label: &Path,
) -> Result<Vec<(usize, SparseRow)>> {
    let bad = |m: String| bad(label, m);
    let read = catch_unwind(AssertUnwindSafe(|| -> Result<Vec<(usize, SparseRow)>> {
        let mut rows: BTreeMap<u32, Vec<(usize, String)>> = BTreeMap::new();
        let mut keep = |r: u32, c: u32, cell: &Data| -> Result<()> {
            let text = cell_text(cell);
            if text.contains('\0') {
                return Err(Error::at(
                    Code::Nul,
                    Location::new(label, r as usize + 1).with_col(c as usize + 1),
                    "the cell holds a NUL character: table text never holds one (is the workbook damaged?)",
                ));
            }
            if !text.is_empty() {
                rows.entry(r).or_default().push((c as usize, text));
            }
            Ok(())
        };
        match book {
            calamine::Sheets::Xlsx(xlsx) => {
                let mut cells =
                    xlsx.worksheet_cells_reader(name).map_err(|e| bad(format!("cannot read sheet: {e}")))?;
                while let Some(cell) = cells.next_cell().map_err(|e| bad(format!("cannot read sheet: {e}")))? {
                    let (r, c) = cell.get_position();
                    if r >= MAX_ROWS || c >= MAX_COLS {
                        return Err(bad(format!(
                            "a cell at row {}, column {} lies outside any worksheet",
                            r as u64 + 1,
                            c as u64 + 1
                        )));
                    }
                    keep(r, c, &Data::from(cell.get_value().clone()))?;
                }
            }
            other => {
                let range = other.worksheet_range(name).map_err(|e| bad(format!("cannot read sheet: {e}")))?;
                let (r0, c0) = range.start().unwrap_or((0, 0));
                for (r, c, cell) in range.used_cells() {
                    keep(r0 + r as u32, c0 + c as u32, cell)?;
                }
            }
        }
        Ok(rows.into_iter().map(|(r, cells)| (r as usize + 1, SparseRow::new(cells))).collect())
    }));
    read.unwrap_or_else(|_| Err(bad("the workbook is damaged: a cell reference cannot be read".into())))
}

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::Float(f) if f.fract() == 0.0 => format!("{}", *f as i64),
        other => other.to_string(),
    }
}
