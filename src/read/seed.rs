//! The seed document: a text extraction of a role table with title block, legend, notes,
//! tab-separated sections and paragraphs where pages were lost.

use super::text::{clean, decode};
use super::{parse_no, RawDocument, RawLost, RawRow, RawSection, RawTable};
use crate::diag::{Code, Error, Finding, Location, Result};
use std::path::Path;

pub fn read(path: &Path) -> Result<RawTable> {
    let text = decode(path, crate::files::bytes(path)?)?;
    parse(path, &text)
}

/// Parse seed text; `path` only labels locations.
pub fn parse(path: &Path, text: &str) -> Result<RawTable> {
    super::text::refuse_nul(path, text)?;
    let lines: Vec<&str> = text.lines().map(|l| l.trim_end_matches('\r')).collect();
    let mut table = RawTable { file: path.to_path_buf(), ..RawTable::default() };
    let mut doc = RawDocument::default();
    // Notes repeat on every page of the document; keep each once (by its `key`).
    let mut notes_seen = std::collections::HashSet::new();
    let mut i = 0;
    while i < lines.len() {
        if is_header(lines[i]) {
            let (section, next) = read_section(path, &lines, i, &mut table.findings)?;
            table.sections.push(section);
            i = next;
        } else {
            prose_line(path, i + 1, lines[i], &mut doc, &mut table, &mut notes_seen);
            i += 1;
        }
    }
    if table.sections.is_empty() {
        return Err(Error::at(
            Code::NoTable,
            Location::file_only(path),
            "no table found: expected a tab-separated header line starting with 項番",
        ));
    }
    let text_lines = lines.iter().enumerate().map(|(i, l)| (i + 1, super::source_line(l.split('\t').enumerate())));
    table.text.push(crate::model::SourceText {
        file: path.to_path_buf(),
        lines: text_lines.collect(),
        sections: Vec::new(),
        document: true,
    });
    table.document = Some(doc);
    Ok(table)
}

fn cells(line: &str) -> Vec<&str> {
    line.split('\t').map(str::trim).collect()
}

/// 1-based position of the last cell with text.
fn last_filled(cells: &[&str]) -> usize {
    cells.iter().rposition(|c| !c.is_empty()).map_or(0, |p| p + 1)
}

fn is_header(line: &str) -> bool {
    line.contains('\t') && cells(line).first().is_some_and(|c| *c == "項番")
}

/// A second header row leaves the 項番 and 作業項目 cells empty and names the vendors.
fn is_header_continuation(line: &str) -> bool {
    let c = cells(line);
    c.len() > 3 && c[0].is_empty() && c[1].is_empty() && c[2..].iter().any(|s| !s.is_empty())
}

fn read_section(path: &Path, lines: &[&str], start: usize, findings: &mut Vec<Finding>) -> Result<(RawSection, usize)> {
    let first = cells(lines[start]);
    let mut header: Vec<String> = first.iter().map(|s| s.to_string()).collect();
    let mut i = start + 1;
    if i < lines.len() && is_header_continuation(lines[i]) {
        header = merge_header(&first, &cells(lines[i]));
        i += 1;
    }
    let description_col = first.iter().position(|c| *c == "作業内容").map(|p| p + 1);
    let mut columns = vec![String::new()];
    columns.extend(header.iter().map(|h| if is_structural(h) { String::new() } else { h.clone() }));
    let width = last_filled(&header.iter().map(String::as_str).collect::<Vec<_>>());
    for (i, text) in header.iter().enumerate() {
        findings.extend(super::large_cell(|| Location::new(path, start + 1).with_col(i + 1), text));
    }
    let mut section =
        RawSection { location: Location::new(path, start + 1), columns, description_col, width, rows: Vec::new() };
    while i < lines.len() && lines[i].contains('\t') && !is_header(lines[i]) {
        let row = read_row(path, i + 1, lines[i], description_col, findings)?;
        section.rows.push(row);
        i += 1;
    }
    Ok((section, i))
}

/// Header labels that name no vendor: the first row's group label and fixed columns.
fn is_structural(h: &str) -> bool {
    matches!(h, "項番" | "作業項目" | "役割" | "作業内容")
}

fn merge_header(first: &[&str], second: &[&str]) -> Vec<String> {
    let n = first.len().max(second.len());
    (0..n)
        .map(|i| {
            let below = second.get(i).copied().unwrap_or("");
            let above = first.get(i).copied().unwrap_or("");
            if below.is_empty() { above } else { below }.to_string()
        })
        .collect()
}

fn read_row(
    path: &Path,
    line: usize,
    text: &str,
    description_col: Option<usize>,
    findings: &mut Vec<Finding>,
) -> Result<RawRow> {
    let c = cells(text);
    let location = Location::new(path, line);
    let no = parse_no(c[0]).ok_or_else(|| {
        Error::at(Code::BadNo, location.clone().with_col(1), format!("項番 must be a number, found {:?}", c[0]))
    })?;
    let mut row = RawRow {
        location,
        no,
        name: clean(c.get(1).copied().unwrap_or("")),
        width: last_filled(&c),
        ..RawRow::default()
    };
    findings.extend(super::large_cell(|| Location::new(path, line).with_col(2), c.get(1).copied().unwrap_or("")));
    let mut texts = Vec::new();
    for (i, cell) in c.iter().enumerate().skip(2) {
        let col = i + 1;
        if cell.is_empty() {
            continue;
        }
        // Short cells before the description are symbols, read through the legend by
        // `assemble` (a symbol it lacks is reported there, and kept out of the roles).
        if crate::legend::Legend::standard().kind(cell).is_some()
            || (crate::legend::looks_like_symbols(cell) && description_col.is_none_or(|d| col < d))
        {
            row.marks.push((col, cell.to_string()));
        } else {
            findings.extend(super::large_cell(|| Location::new(path, line).with_col(col), cell));
            texts.push(clean(cell));
            row.description_col.get_or_insert(col);
        }
    }
    row.description = texts.join("\n");
    Ok(row)
}

/// Everything outside the tables: title block, legend, notes, lost-page paragraphs.
fn prose_line(
    path: &Path,
    line: usize,
    raw: &str,
    doc: &mut RawDocument,
    table: &mut RawTable,
    notes_seen: &mut std::collections::HashSet<String>,
) {
    let is_heading = raw.starts_with('#');
    let text = clean(raw.trim_start_matches('#').trim_start_matches("- "));
    if text.is_empty() {
        return;
    }
    if is_heading && !text.starts_with("別紙") {
        doc.title.get_or_insert(text);
    } else if text.starts_with("Table with") {
        table.lost.push(RawLost { line, text });
    } else if let Some(rest) = text.strip_prefix("別紙") {
        annex_line(rest, doc);
    } else if let Some((symbol, label)) = legend_line(&text) {
        legend(path, line, symbol, label, doc, table);
    } else if text.starts_with('…') {
        table.findings.push(Finding::info(
            Code::LegendVariant,
            Location::new(path, line),
            format!("記号のない凡例の行: {text}"),
        ));
    } else if doc.date_label.is_none() && crate::wareki::parse(&text).is_some() && text.chars().count() < 20 {
        doc.date_label = Some(text);
    } else if doc.issuer.is_none() && is_issuer(&text) {
        doc.issuer = Some(text);
    } else if notes_seen.insert(super::text::key(&text)) {
        doc.notes.push(text);
    }
}

/// `別紙2` alone, or `別紙2 関連業者との役割分担表` (the title repeated on each page).
fn annex_line(rest: &str, doc: &mut RawDocument) {
    let digits: String = rest.chars().take_while(|c| !c.is_whitespace()).collect();
    let title = rest[digits.len()..].trim();
    doc.annex.get_or_insert_with(|| format!("別紙{digits}"));
    if !title.is_empty() {
        doc.title.get_or_insert_with(|| title.to_string());
    }
}

/// A legend line: a symbol, `…`, its wording (`◎…主たる作業`, `△…確認・承認`).
fn legend_line(text: &str) -> Option<(String, String)> {
    let (symbol, label) = text.split_once('…')?;
    let symbol = symbol.trim();
    let one = symbol.chars().count() == 1 && !symbol.chars().any(char::is_alphanumeric);
    (one || crate::legend::Legend::standard().kind(symbol).is_some())
        .then(|| (symbol.to_string(), label.trim().to_string()))
}

/// The legend is repeated on every page; keep the first and note the variants.
fn legend(path: &Path, line: usize, symbol: String, label: String, doc: &mut RawDocument, table: &mut RawTable) {
    match doc.legend.iter().find(|(s, _)| *s == symbol) {
        None => doc.legend.push((symbol, label)),
        Some((_, first)) if *first != label => table.findings.push(Finding::info(
            Code::LegendVariant,
            Location::new(path, line),
            format!("{symbol}の凡例がここでは「{label}」、最初の記載では「{first}」"),
        )),
        Some(_) => {}
    }
}

/// The issuing office: a short line naming a ministry's bureau or office.
fn is_issuer(text: &str) -> bool {
    let short = text.chars().count() <= 40 && !text.contains('。');
    short
        && (text.contains('省') || text.contains('庁'))
        && ["室", "局", "課", "部", "省", "庁"].iter().any(|s| text.ends_with(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> RawTable {
        parse(Path::new("seed.txt"), text).expect("parses")
    }

    const TITLE: &str = "## 別紙2\n### 関連業者との役割分担表\n平成28年5月\n厚生労働省年金局事業管理課システム室\n\
◎…主たる作業\n○…当該業務に関して作業担当と密に連携し、作業協力\n(※) 保守業務を含む。\n";

    #[test]
    fn title_block_legend_and_notes() {
        let t = parse_str(&format!("{TITLE}項番\t作業項目\tA業者\t作業内容\n1\t計画\t\t\n"));
        let d = t.document.unwrap();
        assert_eq!(d.annex.as_deref(), Some("別紙2"));
        assert_eq!(d.title.as_deref(), Some("関連業者との役割分担表"));
        assert_eq!(d.date_label.as_deref(), Some("平成28年5月"));
        assert_eq!(d.issuer.as_deref(), Some("厚生労働省年金局事業管理課システム室"));
        assert_eq!(d.legend[0], ("◎".to_string(), "主たる作業".to_string()));
        assert_eq!(d.legend[1].0, "○");
        assert_eq!(d.notes, vec!["(※) 保守業務を含む。".to_string()]);
    }

    #[test]
    fn legend_variant_on_a_later_page_is_noted_not_replacing_the_first() {
        let t = parse_str(&format!(
            "{TITLE}◎…主たる作業者\n- …当該職務に関して\n項番\t作業項目\tA業者\t作業内容\n1\tx\t◎\ty\n"
        ));
        assert_eq!(t.document.unwrap().legend[0].1, "主たる作業");
        let codes: Vec<_> = t.findings.iter().map(|f| (f.code, f.location.line)).collect();
        assert_eq!(codes, vec![(Code::LegendVariant, 8), (Code::LegendVariant, 9)]);
    }

    /// Trap: the header spans more cells than its rows use, and the description is not in
    /// the last cell (seed lines 101–102: 作業内容 at 16, descriptions in 15).
    #[test]
    fn description_found_where_it_stands_not_where_the_header_says() {
        let t = parse_str("項番\t作業項目\t役割\t\t\t作業内容\n\t\tA業者\tB業者\t\t\n5\t引継\t◎\t○\t引継書の作成\t\n");
        let s = &t.sections[0];
        assert_eq!(s.description_col, Some(6));
        assert_eq!(s.width, 6);
        assert_eq!(s.columns[3], "A業者");
        assert_eq!(s.columns[4], "B業者");
        let r = &s.rows[0];
        assert_eq!(r.description, "引継書の作成");
        assert_eq!(r.description_col, Some(5));
        assert_eq!(r.width, 5);
        assert_eq!(r.marks, vec![(3, "◎".to_string()), (4, "○".to_string())]);
    }

    /// Trap: a two-row header whose second row carries the vendor names under `役割`.
    #[test]
    fn two_row_header_merges_group_label_with_vendor_names() {
        let t = parse_str("項番\t作業項目\t役割\t\t作業内容\n\t\t厚生労働省・日本年金機構\t開発等業者(統括業務受託者を含む)\t\n1\tx\t○\t◎\ty\n");
        let s = &t.sections[0];
        assert_eq!(
            &s.columns[3..5],
            &["厚生労働省・日本年金機構".to_string(), "開発等業者(統括業務受託者を含む)".to_string()]
        );
        assert_eq!(s.location.line, 1);
        assert_eq!(s.rows[0].location.line, 3);
    }

    #[test]
    fn lost_page_paragraphs_are_kept_with_their_line() {
        let t = parse_str("項番\t作業項目\tA\t作業内容\n57\tx\t◎\ty\n\nTable with 16 columns: 項番 252 to 327\n項番\t作業項目\tA\t作業内容\n252\tz\t◎\tw\n");
        assert_eq!(t.lost, vec![RawLost { line: 4, text: "Table with 16 columns: 項番 252 to 327".into() }]);
        assert_eq!(t.sections.len(), 2);
    }

    #[test]
    fn rows_without_symbols_keep_empty_marks() {
        let t = parse_str("項番\t作業項目\tA\tB\t作業内容\n1\t統合業務関連\t\t\t\n");
        let r = &t.sections[0].rows[0];
        assert!(r.marks.is_empty() && r.description.is_empty());
    }

    #[test]
    fn full_width_digits_in_no_are_read() {
        let t = parse_str("項番\t作業項目\tA\t作業内容\n１２\tx\t◎\ty\n");
        assert_eq!(t.sections[0].rows[0].no, 12);
    }

    #[test]
    fn short_cells_before_the_description_are_kept_for_the_legend_to_read() {
        // What △ means is the legend's to say (assemble reports it when it says nothing).
        let t = parse_str("項番\t作業項目\tA\tB\t作業内容\n1\tx\t△\t◎\ty\n");
        let r = &t.sections[0].rows[0];
        assert_eq!(r.marks, vec![(3, "△".to_string()), (4, "◎".to_string())]);
        assert_eq!(r.description, "y");
    }

    #[test]
    fn a_legend_line_with_another_symbol_is_read() {
        let t = parse_str("◎…主たる作業\n△…確認・承認\n項番\t作業項目\tA\t作業内容\n1\tx\t△\ty\n");
        let legend = &t.document.as_ref().unwrap().legend;
        assert_eq!(legend[1], ("△".to_string(), "確認・承認".to_string()));
    }

    #[test]
    fn a_non_numeric_no_stops_with_line_and_column() {
        let e = parse(Path::new("seed.txt"), "項番\t作業項目\tA\t作業内容\nx1\tx\t◎\ty\n").unwrap_err();
        assert_eq!(e.to_string(), "seed.txt:2:1: error[bad-no]: 項番 must be a number, found \"x1\"");
    }

    #[test]
    fn text_without_a_table_is_refused() {
        let e = parse(Path::new("seed.txt"), "## 別紙2\nno table here\n").unwrap_err();
        assert!(e.to_string().starts_with("seed.txt: error[no-table]"), "{e}");
    }
}
