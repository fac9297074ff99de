//! Office files made by the tests from their XML parts, as Word and LibreOffice lay them
//! out: a Word document (.docx) with tables, and an OpenDocument spreadsheet (.ods).

use std::io::Write;

/// A Word table's cell: its text (a line per paragraph, or per line break with `breaks`),
/// the grid columns it spans, and how it merges with the cell above.
#[derive(Debug, Clone, Default)]
pub struct Cell {
    pub text: String,
    pub span: usize,
    /// `Some("restart")` opens a cell merged downwards, `Some("")` continues it.
    pub merge: Option<&'static str>,
    /// Lines as `w:br` breaks inside one paragraph rather than as paragraphs.
    pub breaks: bool,
}

pub fn cell(text: &str) -> Cell {
    Cell { text: text.to_string(), span: 1, ..Cell::default() }
}

impl Cell {
    pub fn span(self, span: usize) -> Cell {
        Cell { span, ..self }
    }

    /// The first cell of a merge downwards.
    pub fn restart(self) -> Cell {
        Cell { merge: Some("restart"), ..self }
    }

    /// A cell continuing the merge from the row above (its own text is not shown).
    pub fn continued() -> Cell {
        Cell { merge: Some(""), span: 1, ..Cell::default() }
    }

    pub fn with_breaks(self) -> Cell {
        Cell { breaks: true, ..self }
    }
}

pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn run(text: &str) -> String {
    format!("<w:r><w:t xml:space=\"preserve\">{}</w:t></w:r>", escape(text))
}

/// A body paragraph.
pub fn paragraph(text: &str) -> String {
    format!("<w:p><w:pPr><w:pStyle w:val=\"Caption\"/><w:tabs><w:tab w:val=\"left\" w:pos=\"840\"/></w:tabs></w:pPr>{}</w:p>", run(text))
}

/// A table of rows of cells.
pub fn table(rows: &[Vec<Cell>]) -> String {
    let mut xml = String::from("<w:tbl><w:tblPr><w:tblStyle w:val=\"TableGrid\"/></w:tblPr><w:tblGrid/>");
    for row in rows {
        xml.push_str("<w:tr><w:trPr><w:tblHeader/></w:trPr>");
        for c in row {
            xml.push_str("<w:tc><w:tcPr><w:tcW w:w=\"1000\" w:type=\"dxa\"/>");
            if c.span > 1 {
                xml.push_str(&format!("<w:gridSpan w:val=\"{}\"/>", c.span));
            }
            match c.merge {
                Some("restart") => xml.push_str("<w:vMerge w:val=\"restart\"/>"),
                Some(_) => xml.push_str("<w:vMerge/>"),
                None => {}
            }
            xml.push_str("</w:tcPr>");
            let lines: Vec<&str> = c.text.split('\n').collect();
            match c.breaks {
                true => {
                    let runs: Vec<String> = lines.iter().map(|l| run(l)).collect();
                    xml.push_str(&format!("<w:p>{}</w:p>", runs.join("<w:r><w:br/></w:r>")));
                }
                false if c.text.is_empty() => xml.push_str("<w:p/>"),
                false => lines.iter().for_each(|l| xml.push_str(&format!("<w:p>{}</w:p>", run(l)))),
            }
            xml.push_str("</w:tc>");
        }
        xml.push_str("</w:tr>");
    }
    xml.push_str("</w:tbl>");
    xml
}

/// A Word document whose body is `body` (paragraphs and tables, as XML).
pub fn docx(body: &str) -> Vec<u8> {
    let document = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:document \
         xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\" \
         xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><w:body>{body}<w:sectPr/></w:body></w:document>"
    );
    let content_types = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Types \
        xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" \
        ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" \
        ContentType=\"application/xml\"/><Override PartName=\"/word/document.xml\" \
        ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/></Types>";
    let rels = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Relationships \
        xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" \
        Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" \
        Target=\"word/document.xml\"/></Relationships>";
    zip(&[("[Content_Types].xml", content_types), ("_rels/.rels", rels), ("word/document.xml", &document)])
}

/// An OpenDocument spreadsheet with one sheet `name` holding `csv` (a clean table), each
/// cell as LibreOffice writes it: numbers as floats, text in paragraphs (a line each).
pub fn ods(name: &str, csv: &str) -> Vec<u8> {
    let mut rows = String::new();
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(csv.as_bytes());
    for record in reader.records() {
        rows.push_str("<table:table-row>");
        for text in record.unwrap().iter() {
            match text.parse::<f64>() {
                Ok(n) => rows.push_str(&format!(
                    "<table:table-cell office:value-type=\"float\" office:value=\"{n}\"><text:p>{text}</text:p></table:table-cell>"
                )),
                Err(_) if text.is_empty() => rows.push_str("<table:table-cell/>"),
                Err(_) => {
                    let paragraphs: String = text.split('\n').map(|l| format!("<text:p>{}</text:p>", escape(l))).collect();
                    rows.push_str(&format!("<table:table-cell office:value-type=\"string\">{paragraphs}</table:table-cell>"));
                }
            }
        }
        rows.push_str("</table:table-row>");
    }
    let content = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<office:document-content \
         xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" \
         xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" \
         xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" office:version=\"1.2\"><office:body><office:spreadsheet>\
         <table:table table:name=\"{}\">{rows}</table:table></office:spreadsheet></office:body></office:document-content>",
        escape(name)
    );
    let manifest = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<manifest:manifest \
        xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\" manifest:version=\"1.2\">\
        <manifest:file-entry manifest:full-path=\"/\" manifest:media-type=\"application/vnd.oasis.opendocument.spreadsheet\"/>\
        <manifest:file-entry manifest:full-path=\"content.xml\" manifest:media-type=\"text/xml\"/></manifest:manifest>";
    zip(&[
        ("mimetype", "application/vnd.oasis.opendocument.spreadsheet"),
        ("META-INF/manifest.xml", manifest),
        ("content.xml", &content),
    ])
}

/// A zip package of `parts`; the first is stored (an OpenDocument's `mimetype` must be).
fn zip(parts: &[(&str, &str)]) -> Vec<u8> {
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (i, (name, text)) in parts.iter().enumerate() {
        let method = if i == 0 { zip::CompressionMethod::Stored } else { zip::CompressionMethod::Deflated };
        out.start_file(*name, zip::write::SimpleFileOptions::default().compression_method(method)).unwrap();
        out.write_all(text.as_bytes()).unwrap();
    }
    out.finish().unwrap().into_inner()
}
