//! Excel workbooks in the clean table layout, read through calamine.

use super::RawTable;
use crate::config::Sheets;
use crate::diag::{Error, Location, Result};
use calamine::{open_workbook_auto, open_workbook_auto_from_rs, open_workbook_from_rs, Data, Reader};
use std::io::{Cursor, Read, Seek};
use std::path::{Path, PathBuf};

pub fn read(path: &Path, sheets: &Sheets) -> Result<RawTable> {
    let book = open_workbook_auto(path).map_err(|e| cannot_open(path, e))?;
    read_book(path, book, sheets)
}

/// Read a workbook held in memory. `label` names it in locations and, by its extension,
/// picks the format the way [`read`] does for a file.
pub fn read_bytes(label: &Path, bytes: &[u8], sheets: &Sheets) -> Result<RawTable> {
    let data = Cursor::new(bytes);
    let ext = label.extension().and_then(|e| e.to_str());
    let book = match ext {
        Some("xls" | "xla") => open_workbook_from_rs(data).map(calamine::Sheets::Xls).map_err(calamine::Error::Xls),
        Some("xlsx" | "xlsm" | "xlam") => {
            open_workbook_from_rs(data).map(calamine::Sheets::Xlsx).map_err(calamine::Error::Xlsx)
        }
        Some("xlsb") => open_workbook_from_rs(data).map(calamine::Sheets::Xlsb).map_err(calamine::Error::Xlsb),
        Some("ods") => open_workbook_from_rs(data).map(calamine::Sheets::Ods).map_err(calamine::Error::Ods),
        _ => open_workbook_auto_from_rs(data),
    }
    .map_err(|e| cannot_open(label, e))?;
    read_book(label, book, sheets)
}

fn cannot_open(path: &Path, e: calamine::Error) -> Error {
    Error::at("xlsx", Location::file_only(path), format!("cannot open workbook: {e}"))
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
        let range = book
            .worksheet_range(&name)
            .map_err(|e| Error::at("xlsx", Location::file_only(&label), format!("cannot read sheet: {e}")))?;
        let records = range
            .rows()
            .enumerate()
            .map(|(i, row)| (i + range.start().map_or(0, |s| s.0 as usize) + 1, row.iter().map(cell_text).collect()))
            .collect();
        // With every sheet chosen, a blank one (a cover, a spare) is no table to read.
        if *sheets == Sheets::All && range.rows().all(|r| r.iter().all(|c| cell_text(c).trim().is_empty())) {
            continue;
        }
        let sheet = super::csv::from_records(&label, records)?;
        table.sections.extend(sheet.sections);
        table.findings.extend(sheet.findings);
    }
    Ok(table)
}

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::Float(f) if f.fract() == 0.0 => format!("{}", *f as i64),
        other => other.to_string(),
    }
}
