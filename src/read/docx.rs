//! Tables inside a Word document (.docx): the table an input chooses (`table = 3`, or a
//! caption or heading it stands under), read in the clean table layout as a workbook's
//! sheet is, with locations as `spec.docx[表3]:12:4` (the table's row, then its column in
//! the table's grid).
//!
//! A Word table is laid out for a reader, so it is read as a reader sees it: a cell merged
//! across columns (`gridSpan`) stands at its first column, one merged down rows (`vMerge`)
//! holds its text in every row it covers, and a header of several rows (a group title over
//! the vendors' names, the 項番 cell merged down beside them) is read as one, each column
//! named by its lowest text. Paragraphs and line breaks inside a cell are kept as lines.
//! What cannot be told is not guessed: a symbol in a cell merged across several vendors'
//! columns is a located error, and a character from a symbol font (`w:sym`) is kept as
//! itself, so the legend check reports it.

use super::csv::SparseRow;
use super::{bounds, RawTable};
use crate::config::TableChoice;
use crate::diag::{Code, Error, Location, Result};
use quick_xml::events::{BytesStart, Event};
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

/// The part of the package that holds the document's body.
const DOCUMENT: &str = "word/document.xml";

/// Read the table `choice` names in the Word document at `path`: its size is checked before
/// it is read, then as [`read_bytes`].
pub fn read(path: &Path, choice: Option<&TableChoice>) -> Result<RawTable> {
    let size = std::fs::symlink_metadata(path).map_err(|e| Error::io(path, e))?.len();
    bounds::check_size_as(path, size, Code::Docx)?;
    read_bytes(path, &crate::files::bytes(path)?, choice)
}

/// Read the table `choice` names in a Word document held in memory; `path` names it in
/// locations. The package is held to the limits a workbook is (`bounds`) before its XML is
/// read.
pub fn read_bytes(path: &Path, bytes: &[u8], choice: Option<&TableChoice>) -> Result<RawTable> {
    bounds::check_as(path, bytes, Code::Docx)?;
    let xml = document_xml(path, bytes)?;
    let tables = tables(path, &xml)?;
    let (number, table) = choose(path, &tables, choice)?;
    let label = PathBuf::from(format!("{}[表{number}]", path.display()));
    let records = records(&label, table)?;
    let mut raw = super::csv::from_records(&label, records)?;
    raw.file = path.to_path_buf();
    Ok(raw)
}

fn bad(path: &Path, message: impl Into<String>) -> Error {
    Error::at(Code::Docx, Location::file_only(path), message)
}

/// `word/document.xml`, as text.
fn document_xml(path: &Path, bytes: &[u8]) -> Result<String> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| bad(path, format!("not a Word document (.docx is a zip package): {e}")))?;
    let mut part =
        zip.by_name(DOCUMENT).map_err(|_| bad(path, format!("not a Word document: it has no {DOCUMENT}")))?;
    let mut xml = Vec::new();
    part.read_to_end(&mut xml).map_err(|e| bad(path, format!("{DOCUMENT} cannot be inflated: {e}")))?;
    String::from_utf8(xml).map_err(|_| bad(path, format!("{DOCUMENT} is not UTF-8 text")))
}

/// A top-level table of the document, as its XML lays it out.
#[derive(Debug, Default)]
struct WordTable {
    /// The last paragraph with text before it: its caption or the heading it stands under.
    caption: String,
    rows: Vec<WordRow>,
}

#[derive(Debug, Default)]
struct WordRow {
    /// Grid columns left empty before its first cell (`w:gridBefore`).
    before: usize,
    cells: Vec<WordCell>,
}

#[derive(Debug, Default)]
struct WordCell {
    /// Its paragraphs, each a line.
    lines: Vec<String>,
    /// Grid columns it spans (`w:gridSpan`).
    span: usize,
    /// It continues the cell above it (`w:vMerge` without `restart`).
    continues: bool,
}

impl WordCell {
    fn text(&self) -> String {
        let end = self.lines.iter().rposition(|l| !l.trim().is_empty()).map_or(0, |i| i + 1);
        self.lines[..end].join("\n")
    }
}

/// Where the reader stands in the body.
#[derive(Default)]
struct Walk {
    tables: Vec<WordTable>,
    /// Tables open around the reader: 1 inside a top-level table, more in a nested one.
    depth: usize,
    /// The body paragraph being read (outside any table), and the last with text.
    paragraph: String,
    caption: String,
    /// Inside `w:t`: its text is the document's (not a field code's, not deleted text).
    in_text: bool,
}

impl Walk {
    fn cell(&mut self) -> Option<&mut WordCell> {
        self.tables.last_mut()?.rows.last_mut()?.cells.last_mut()
    }

    /// Text at the reader's place: into the open cell (a nested table's too), else into
    /// the body paragraph.
    fn push(&mut self, text: &str) {
        if self.depth == 0 {
            self.paragraph.push_str(text);
        } else if let Some(cell) = self.cell() {
            match cell.lines.last_mut() {
                Some(line) => line.push_str(text),
                None => cell.lines.push(text.to_string()),
            }
        }
    }

    /// A paragraph ends (or a nested table's row): the next text starts a line.
    fn end_paragraph(&mut self) {
        if self.depth == 0 {
            let text = std::mem::take(&mut self.paragraph);
            if !text.trim().is_empty() {
                self.caption = text.trim().to_string();
            }
        } else if let Some(cell) = self.cell() {
            cell.lines.push(String::new());
        }
    }

    fn start(&mut self, e: &BytesStart, empty: bool) {
        let top = self.depth == 1;
        match e.local_name().as_ref() {
            "tbl" if !empty => {
                self.depth += 1;
                if self.depth == 1 {
                    let caption = std::mem::take(&mut self.caption);
                    self.tables.push(WordTable { caption, rows: Vec::new() });
                }
            }
            "tr" if top && !empty => {
                if let Some(t) = self.tables.last_mut() {
                    t.rows.push(WordRow::default());
                }
            }
            "tc" if top && !empty => {
                if let Some(r) = self.tables.last_mut().and_then(|t| t.rows.last_mut()) {
                    r.cells.push(WordCell { lines: Vec::new(), span: 1, continues: false });
                }
            }
            "gridBefore" if top => {
                let before = val(e).and_then(|v| v.parse().ok()).unwrap_or(0);
                if let Some(r) = self.tables.last_mut().and_then(|t| t.rows.last_mut()) {
                    r.before = before;
                }
            }
            "gridSpan" if top => {
                let span = val(e).and_then(|v| v.parse::<usize>().ok()).unwrap_or(1).max(1);
                if let Some(c) = self.cell() {
                    c.span = span;
                }
            }
            "vMerge" if top => {
                let continues = val(e).is_none_or(|v| v != "restart");
                if let Some(c) = self.cell() {
                    c.continues = continues;
                }
            }
            "t" => self.in_text = !empty,
            "br" | "cr" => self.push("\n"),
            // A run's tab; a tab stop of the paragraph's properties has a w:val.
            "tab" if val(e).is_none() => self.push(" "),
            "sym" => {
                // A character of a symbol font (Wingdings' circles) has no meaning in Unicode:
                // it is kept as what it is, so the legend check names it.
                let font = attr(e, "font").unwrap_or_default();
                let char = attr(e, "char").unwrap_or_default();
                self.push(&format!("〔記号 {font} {char}〕"));
            }
            "p" if empty => self.end_paragraph(),
            _ => {}
        }
    }

    fn end(&mut self, name: &str) {
        match name {
            "tbl" => self.depth = self.depth.saturating_sub(1),
            "p" => self.end_paragraph(),
            "tr" if self.depth > 1 => self.end_paragraph(),
            "t" => self.in_text = false,
            _ => {}
        }
    }
}

/// The `w:val` of an element.
fn val(e: &BytesStart) -> Option<String> {
    attr(e, "val")
}

/// An attribute of an element by its local name (`w:val` → `val`).
fn attr(e: &BytesStart, local: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == local)
        .and_then(|a| a.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok().map(|v| v.into_owned()))
}

/// Every top-level table of the document, in order.
fn tables(path: &Path, xml: &str) -> Result<Vec<WordTable>> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut walk = Walk::default();
    loop {
        let at = reader.buffer_position();
        let event = reader
            .read_event()
            .map_err(|e| bad(path, format!("{DOCUMENT} is not well-formed XML at byte {at}: {e}")))?;
        match event {
            Event::Start(e) => walk.start(&e, false),
            Event::Empty(e) => walk.start(&e, true),
            Event::End(e) => walk.end(e.local_name().as_ref()),
            Event::Text(t) if walk.in_text => walk.push(&t.xml10_content()),
            Event::CData(t) if walk.in_text => walk.push(&t.xml10_content()),
            Event::GeneralRef(r) if walk.in_text => {
                let resolved = match quick_xml::escape::resolve_xml_entity(&r) {
                    Some(s) => Some(s.to_string()),
                    None => r.resolve_char_ref().ok().flatten().map(String::from),
                };
                let text =
                    resolved.ok_or_else(|| bad(path, format!("{DOCUMENT} refers to an unknown entity &{};", &*r)))?;
                walk.push(&text);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(walk.tables)
}

/// The table `choice` names, with its number (from 1, in document order).
fn choose<'t>(path: &Path, tables: &'t [WordTable], choice: Option<&TableChoice>) -> Result<(usize, &'t WordTable)> {
    let numbered = || tables.iter().enumerate().map(|(i, t)| (i + 1, t));
    let found = match choice {
        Some(TableChoice::Number(n)) => numbered().find(|(i, _)| *i == *n as usize),
        Some(TableChoice::Caption(words)) => numbered().find(|(_, t)| t.caption.contains(words.as_str())),
        None if tables.len() == 1 => numbered().next(),
        None => numbered()
            .find(|(_, t)| t.rows.iter().take(3).any(|r| r.cells.iter().any(|c| super::csv::is_no_header(&c.text())))),
    };
    found.ok_or_else(|| {
        let captions: Vec<String> = numbered().map(|(i, t)| format!("表{i}「{}」", truncate(&t.caption))).collect();
        let held = match captions.is_empty() {
            true => "it holds no table".to_string(),
            false => format!("it holds {}", captions.join("、")),
        };
        let asked = match choice {
            Some(TableChoice::Number(n)) => format!("no table {n}"),
            Some(TableChoice::Caption(w)) => format!("no table under a caption or heading with {w:?}"),
            None => "no table with a 項番 header; name one in site.toml ([[inputs]] table = 2)".to_string(),
        };
        bad(path, format!("{asked}: {held}"))
    })
}

fn truncate(text: &str) -> String {
    match text.char_indices().nth(30) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

/// The table as `(row, cells)` records on its grid, merged cells as a reader sees them, its
/// header rows read as one.
fn records(label: &Path, table: &WordTable) -> Result<Vec<(usize, SparseRow)>> {
    let mut grid: Vec<(usize, Vec<(usize, String)>)> = Vec::new();
    // The text of each column's cell in the row above, for a cell that continues it.
    let mut above: Vec<String> = Vec::new();
    // Whether each row continues a cell from the row above (a header of several rows does).
    let mut continued = Vec::new();
    for (i, row) in table.rows.iter().enumerate() {
        let line = i + 1;
        let mut col = row.before;
        let mut cells = Vec::new();
        let mut continues = false;
        let mut now = vec![String::new(); above.len()];
        for cell in &row.cells {
            let text = match cell.continues {
                true => above.get(col).cloned().unwrap_or_default(),
                false => cell.text(),
            };
            continues |= cell.continues;
            if cell.span > 1 && is_symbol_like(&text) {
                let message = format!(
                    "{} stands in one cell merged across columns {} to {}: which of them holds it cannot be told; split \
                     the cell",
                    text.trim(),
                    col + 1,
                    col + cell.span
                );
                return Err(Error::at(Code::Docx, Location::new(label, line).with_col(col + 1), message));
            }
            if now.len() < col + cell.span {
                now.resize(col + cell.span, String::new());
            }
            now[col].clone_from(&text);
            if !text.is_empty() {
                cells.push((col, text));
            }
            col += cell.span;
        }
        above = now;
        continued.push(continues);
        grid.push((line, cells));
    }
    Ok(fold_header(grid, &continued))
}

/// The first row with text is the header; each row after it that continues one of its
/// cells downwards is more of it. Each column is named by its lowest text in them.
fn fold_header(grid: Vec<(usize, Vec<(usize, String)>)>, continued: &[bool]) -> Vec<(usize, SparseRow)> {
    let Some(first) = grid.iter().position(|(_, cells)| cells.iter().any(|(_, t)| !t.trim().is_empty())) else {
        return grid.into_iter().map(|(line, cells)| (line, SparseRow::new(cells))).collect();
    };
    let last = (first + 1..grid.len()).take_while(|&i| continued[i]).last().unwrap_or(first);
    let mut named: std::collections::BTreeMap<usize, String> = std::collections::BTreeMap::new();
    for (_, cells) in &grid[first..=last] {
        for (col, text) in cells.iter().filter(|(_, t)| !t.trim().is_empty()) {
            named.insert(*col, text.clone());
        }
    }
    let header_line = grid[first].0;
    let mut out: Vec<(usize, SparseRow)> = Vec::with_capacity(grid.len());
    out.push((header_line, SparseRow::new(named.into_iter().collect())));
    out.extend(grid.into_iter().skip(last + 1).map(|(line, cells)| (line, SparseRow::new(cells))));
    out
}

/// Whether a merged cell's text reads as role symbols (`◎`, `R`, `A/R`): single characters,
/// as a legend's symbols are, where a header spanning columns has words (関連業者). The
/// legend is not known yet here; a symbol it lacks is reported by `assemble`.
fn is_symbol_like(text: &str) -> bool {
    crate::legend::Legend::standard().kind(text).is_some()
        || (crate::legend::looks_like_symbols(text)
            && text
                .split(|c: char| {
                    !c.is_alphanumeric()
                        && !matches!(
                            c,
                            '◎' | '○'
                                | '〇'
                                | '◯'
                                | '●'
                                | '△'
                                | '▲'
                                | '□'
                                | '■'
                                | '◇'
                                | '◆'
                                | '☆'
                                | '★'
                                | '×'
                        )
                })
                .all(|p| p.chars().count() <= 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(xml: &str) -> String {
        format!("<w:document xmlns:w=\"w\"><w:body>{xml}</w:body></w:document>")
    }

    fn tc(inner: &str) -> String {
        format!("<w:tc><w:p>{inner}</w:p></w:tc>")
    }

    #[test]
    fn text_is_what_a_reader_sees() {
        let row = [
            tc("<w:r><w:t>A&amp;B</w:t></w:r>"),
            tc("<w:r><w:t>&#x25CE;</w:t></w:r>"),
            tc("<w:r><w:delText>消した</w:delText><w:instrText>PAGE</w:instrText><w:t>残す</w:t></w:r>"),
            tc("<w:r><w:sym w:font=\"Wingdings\" w:char=\"F0A4\"/></w:r>"),
        ]
        .concat();
        let xml = body(&format!(
            "<w:p><w:r><w:t>表1 体制</w:t></w:r></w:p><w:tbl><w:tr><w:trPr><w:gridBefore w:val=\"1\"/></w:trPr>{row}</w:tr></w:tbl>"
        ));
        let tables = tables(Path::new("t.docx"), &xml).unwrap();
        assert_eq!(tables.len(), 1);
        assert_eq!(tables[0].caption, "表1 体制");
        let records = records(Path::new("t.docx[表1]"), &tables[0]).unwrap();
        let cells: Vec<(usize, &str)> = super::super::csv::Record::cells(&records[0].1).collect();
        assert_eq!(cells, [(1, "A&B"), (2, "◎"), (3, "残す"), (4, "〔記号 Wingdings F0A4〕")]);
    }

    #[test]
    fn a_nested_table_is_text_of_its_cell_and_not_counted() {
        let inner = "<w:tbl><w:tr>".to_string() + &tc("<w:r><w:t>内</w:t></w:r>") + "</w:tr></w:tbl>";
        let xml = body(&format!("<w:tbl><w:tr><w:tc><w:p><w:r><w:t>外</w:t></w:r></w:p>{inner}</w:tc></w:tr></w:tbl>"));
        let tables = tables(Path::new("t.docx"), &xml).unwrap();
        assert_eq!(tables.len(), 1);
        assert_eq!(tables[0].rows[0].cells[0].text(), "外\n内");
    }
}
