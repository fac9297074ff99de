//! The source pages: each input's lines as written, a page per table section (long ones in
//! parts), every line in a table row of its own with each cell in its column under the
//! section's header, so a reader can check a row against the document without opening
//! files. An item or phase page links to its line (`source/1-101/index.html#L112`).

use super::Site;
use crate::html::escape_into;
use crate::model::{Row, SourceText};
use crate::plan::{self, Part};
use crate::urls;
use serde::Serialize;
use std::fmt::Write;

/// Where a row stands in its source, for a link from `from`: the href to its line, and
/// how a reader names the place.
pub fn of_row(site: &Site, row: &Row, from: &str) -> Option<(String, String)> {
    let (i, text) = site.table.sources.iter().enumerate().find(|(_, t)| t.file == row.source.file)?;
    let line = row.source.line;
    let href = format!("{}#L{line}", urls::href(from, &urls::source(i + 1, plan::first_of_part(text, line)?)));
    Some((href, format!("{} {line} 行目", name(site, text, line))))
}

/// How a reader names a place in the source: by the document and its table section
/// (別紙2 表3) for the input that carries the document's title block, else by the file.
pub fn name(site: &Site, text: &SourceText, line: usize) -> String {
    let section = text.sections.iter().rposition(|s| s.0 <= line);
    let d = &site.table.document;
    let file = crate::export::display_path(&site.project.root, &text.file);
    match (section, text.document && !d.annex.is_empty()) {
        (Some(s), true) => format!("{} 表{}", d.annex, s + 1),
        (None, true) => format!("{} 表の前の記載", d.annex),
        _ => file,
    }
}

#[derive(Serialize)]
pub struct SourcePage {
    name: String,
    file: String,
    first: usize,
    last: usize,
    /// The columns the widest line has.
    width: usize,
    /// The header rows of the section the lines stand in, as table rows.
    header: super::Block,
    rows: super::Block,
    prev: Option<String>,
    next: Option<String>,
}

pub fn page(site: &Site, part: &Part, all: &[Part], from: &str) -> SourcePage {
    let text = part.text;
    let lines = &text.lines[plan::line_index(text, part.first)..plan::line_index(text, part.last + 1)];
    let section = text.sections.iter().rev().find(|s| s.0 <= part.first && part.first < next_section(text, s.0));
    let header_lines =
        section.map_or(&[][..], |&(h, first)| &text.lines[plan::line_index(text, h)..plan::line_index(text, first)]);
    // The header stands above the lines, once: not again among them.
    let lines = match section {
        Some(&(h, first)) if h == part.first => &lines[lines.partition_point(|(l, _)| *l < first)..],
        _ => lines,
    };
    let width =
        lines.iter().chain(header_lines).map(|(_, l)| l.split(SourceText::SEPARATOR).count()).max().unwrap_or(1);
    let at = all.iter().position(|p| p.input == part.input && p.first == part.first);
    let near = |i: Option<usize>| i.and_then(|i| all.get(i)).map(|p| urls::href(from, &urls::source(p.input, p.first)));
    SourcePage {
        name: name(site, text, part.first),
        file: crate::export::display_path(&site.project.root, &text.file),
        first: part.first,
        last: part.last,
        width,
        header: super::Block::new(None, rows_html(site, header_lines, width, "th", from).into()),
        rows: super::Block::new(None, rows_html(site, lines, width, "td", from).into()),
        prev: near(at.and_then(|i| i.checked_sub(1))),
        next: near(at.map(|i| i + 1)),
    }
}

/// The line after the section that starts at `header` ends (the next section's header).
fn next_section(text: &SourceText, header: usize) -> usize {
    text.sections.iter().map(|s| s.0).find(|&h| h > header).unwrap_or(usize::MAX)
}

/// Lines as table rows: the line number, then each cell in its column (`cell` is `th` for
/// header rows). A cell holding the 項番 of a row links to that row's page. Written here:
/// a large input's page holds thousands of cells.
fn rows_html(site: &Site, lines: &[(usize, String)], width: usize, cell: &str, from: &str) -> String {
    let mut out = String::new();
    for (line, text) in lines {
        let _ = write!(out, "<tr id=\"L{line}\"><th scope=\"row\" class=\"line\">{line}</th>");
        let mut cells = text.split(SourceText::SEPARATOR);
        for col in 0..width {
            let value = cells.next().unwrap_or("");
            let _ = write!(out, "<{cell}{}>", if cell == "th" { " scope=\"col\"><div" } else { "" });
            let row = (col == 0 && cell == "td").then(|| crate::read::parse_no(value)).flatten();
            match row.and_then(|no| site.table.row(no)).filter(|r| r.source.line == *line) {
                Some(r) => {
                    let _ = write!(out, "<a href=\"{}\">", urls::row_href(from, r.no, r.is_heading()));
                    escape_into(&mut out, value);
                    out.push_str("</a>");
                }
                None => escape_into(&mut out, value),
            }
            let _ = write!(out, "{}</{cell}>", if cell == "th" { "</div>" } else { "" });
        }
        out.push_str("</tr>\n");
    }
    out
}
