//! Tables as their owners keep them: an old Excel workbook (.xls), a LibreOffice
//! spreadsheet (.ods) and a table inside a Word document (.docx) with a header of merged
//! cells, each read as its CSV twin; and the mistakes such files hold, each located.

use crate::common::office::{cell, docx, ods, paragraph, table, Cell};
use crate::common::project;
use crate::inputs::{errors, essence, load, rolesite, VENDORS};
use std::path::PathBuf;

/// The clean table every format here holds (`tests/fixtures/roles.xls` was made from it).
const CSV: &str = include_str!("../fixtures/roles.csv");

/// A project with the vendors and `file` under `seeds/` (a name, its bytes).
fn with_table(file: &str, bytes: &[u8]) -> tempfile::TempDir {
    project(&[("seeds/vendors.csv", VENDORS.as_bytes()), (file, bytes)])
}

fn csv_twin() -> Vec<crate::inputs::RowEssence> {
    essence(&load(with_table("seeds/roles.csv", CSV.as_bytes()).path()).unwrap())
}

#[test]
fn xls_reads_like_its_csv_twin() {
    let dir = with_table("seeds/roles.xls", include_bytes!("../fixtures/roles.xls"));
    let t = load(dir.path()).unwrap();
    assert!(errors(&t).is_empty(), "{:?}", errors(&t));
    assert_eq!(essence(&t), csv_twin());
    let book = dir.path().join("seeds/roles.xls");
    assert_eq!(t.rows[3].source.file, PathBuf::from(format!("{}[役割分担]", book.display())));
    assert_eq!(t.rows[3].source.line, 5, "the sheet's row");
}

#[test]
fn ods_reads_like_its_csv_twin() {
    let dir = with_table("seeds/roles.ods", &ods("役割分担", CSV));
    let t = load(dir.path()).unwrap();
    assert!(errors(&t).is_empty(), "{:?}", errors(&t));
    assert_eq!(essence(&t), csv_twin());
    assert_eq!(t.rows[3].description, "複数行の\n説明", "a cell's paragraphs are its lines");
}

/// The roles table of `CSV` as a Word table: a header of two rows (項番, 階層, 作業項目 and
/// 作業内容 merged down beside 関連業者, which spans the vendors' names), headings whose
/// name spans the vendors' columns, and a description written with a line break.
/// `replace` swaps the cells of one data row (by 項番) for others.
fn word_roles(replace: Option<(u32, Vec<Cell>)>) -> String {
    let mut rows = vec![
        vec![
            cell("項番").restart(),
            cell("階層").restart(),
            cell("作業項目").restart(),
            cell("関連業者").span(3),
            cell("作業内容").restart(),
        ],
        vec![
            Cell::continued(),
            Cell::continued(),
            Cell::continued(),
            cell("owner"),
            cell("A業者"),
            cell("B業務"),
            Cell::continued(),
        ],
        vec![cell("1"), cell("1"), cell("統合業務関連").span(4), cell("")],
        vec![cell("2"), cell("3"), cell("実施計画").span(4), cell("")],
        vec![cell("3"), cell(""), cell("全体実施計画書の作成"), cell("○"), cell("◎"), cell(""), cell("計画書を作る")],
        vec![
            cell("4"),
            cell(""),
            cell("レビュー・承認, 最終"),
            cell("◎"),
            cell("〇"),
            cell("◯"),
            cell("複数行の\n説明").with_breaks(),
        ],
        vec![cell("5"), cell(""), cell("記号のない作業"), cell(""), cell(""), cell(""), cell("")],
    ];
    if let Some((no, cells)) = replace {
        let at = rows.iter().position(|r| r[0].text == no.to_string()).unwrap();
        rows[at] = cells;
    }
    let history = table(&[vec![cell("版"), cell("日付")], vec![cell("1.0"), cell("平成28年5月")]]);
    [paragraph("改訂履歴"), history, paragraph("表2 関連業者との役割分担表"), table(&rows)].concat()
}

#[test]
fn a_word_table_with_a_merged_header_reads_like_its_csv_twin() {
    let document = docx(&word_roles(None));
    let expected = csv_twin();
    let dir = with_table("roles.docx", &document);
    for choice in ["", "table = 2\n", "table = \"役割分担表\"\n"] {
        std::fs::write(dir.path().join("site.toml"), format!("[[inputs]]\npath = \"roles.docx\"\n{choice}")).unwrap();
        let t = load(dir.path()).unwrap_or_else(|e| panic!("{choice:?}: {e}"));
        assert!(errors(&t).is_empty(), "{choice:?}: {:?}", errors(&t));
        assert_eq!(essence(&t), expected, "{choice:?}");
        let label = PathBuf::from(format!("{}[表2]", dir.path().join("roles.docx").display()));
        assert_eq!((&t.rows[3].source.file, t.rows[3].source.line), (&label, 6), "{choice:?}: the table's row");
        let cols: Vec<usize> = t.rows[3].roles.iter().map(|r| r.col).collect();
        assert_eq!(cols, [4, 5, 6], "{choice:?}: each role at its column of the table's grid");
    }
    // Found among seeds/ as any table file is: the first table with a 項番 header.
    let found = with_table("seeds/roles.docx", &document);
    assert_eq!(essence(&load(found.path()).unwrap()), expected);
}

/// A site built from the Word table shows its roles on the item pages and in roles.json.
#[test]
fn a_site_built_from_a_word_table_shows_its_cells() {
    let dir = with_table("seeds/roles.docx", &docx(&word_roles(None)));
    let (code, _, err) = rolesite(&["build", "-q", dir.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let out = dir.path().join("out");
    let page = std::fs::read_to_string(out.join("items/4/index.html")).unwrap();
    let html = scraper::Html::parse_document(&page);
    let select = |s: &str| scraper::Selector::parse(s).unwrap();
    let text = |e: scraper::ElementRef| e.text().collect::<String>();
    let marks: Vec<(String, String, String)> = html
        .select(&select("table.roles tbody tr"))
        .map(|tr| {
            let cells: Vec<String> = tr.select(&select("td, th")).map(text).collect();
            (cells[1].clone(), cells[0].chars().take(1).collect(), cells[3].clone())
        })
        .collect();
    let expected = [("発注者", "◎", "owner"), ("A社", "○", "A業者"), ("B社", "○", "B業務")];
    assert_eq!(marks, expected.map(|(v, m, c)| (v.to_string(), m.to_string(), c.to_string())), "item 4's roles");
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("data/roles.json")).unwrap()).unwrap();
    let row = json["rows"].as_array().unwrap().iter().find(|r| r["no"] == 4).unwrap();
    let roles: Vec<(String, String)> = row["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["vendor"].as_str().unwrap().to_string(), r["role"].as_str().unwrap().to_string()))
        .collect();
    let expected = [("owner", "primary"), ("vendor-a", "cooperating"), ("vendor-b", "cooperating")];
    assert_eq!(roles, expected.map(|(v, r)| (v.to_string(), r.to_string())));
    assert_eq!(row["source"]["line"], 6);
    assert!(row["source"]["file"].as_str().unwrap().ends_with("roles.docx[表2]"), "{}", row["source"]);
}

/// Each mistake in a Word table or its choice, located at the table, row and column, with
/// exit 1.
#[test]
fn word_table_mistakes_are_located() {
    let site = |choice: &str| format!("[[inputs]]\npath = \"roles.docx\"\n{choice}");
    let symbol_outside =
        word_roles(Some((3, vec![cell("3"), cell(""), cell("作業"), cell("△"), cell("◎"), cell(""), cell("")])));
    let merged_symbol =
        word_roles(Some((3, vec![cell("3"), cell(""), cell("作業"), cell("◎").span(2), cell(""), cell("")])));
    let cases: Vec<(&str, String, Vec<u8>, &str)> = vec![
        ("a symbol outside the legend", site(""), docx(&symbol_outside), "roles.docx[表2]:5:4: error[unknown-symbol]"),
        ("a ◎ merged across two vendors", site(""), docx(&merged_symbol), "roles.docx[表2]:5:4: error[docx]"),
        ("no such table", site("table = 9\n"), docx(&word_roles(None)), "roles.docx: error[docx]"),
        ("no such caption", site("table = \"体制図\"\n"), docx(&word_roles(None)), "roles.docx: error[docx]"),
        ("no table at all", site(""), docx(&paragraph("本文のみ")), "roles.docx: error[docx]"),
        ("not a Word document", site(""), b"PK\x03\x04 not a zip".to_vec(), "roles.docx: error[docx]"),
    ];
    for (what, config, bytes, expected) in cases {
        let dir = project(&[
            ("seeds/vendors.csv", VENDORS.as_bytes()),
            ("site.toml", config.as_bytes()),
            ("roles.docx", &bytes),
        ]);
        for verb in ["check", "build"] {
            let (code, out, err) = rolesite(&[verb, dir.path().to_str().unwrap()]);
            let said = format!("{out}{err}");
            assert_eq!(code, 1, "{what} / {verb}: {said}");
            assert!(said.contains(expected), "{what} / {verb}: expected {expected:?} in:\n{said}");
            assert!(!said.contains("panicked"), "{what} / {verb}: {said}");
        }
        assert!(!dir.path().join("out").exists(), "{what}: a failed build leaves no output");
    }
    let (_, _, err) = {
        let dir = project(&[
            ("seeds/vendors.csv", VENDORS.as_bytes()),
            ("site.toml", site("table = 9\n").as_bytes()),
            ("roles.docx", &docx(&word_roles(None))),
        ]);
        rolesite(&["check", dir.path().to_str().unwrap()])
    };
    assert!(
        err.contains("表1「改訂履歴」") && err.contains("表2「表2 関連業者との役割分担表」"),
        "the tables it holds are named: {err}"
    );
    // A table chosen of a file that holds none.
    let csv = project(&[
        ("seeds/vendors.csv", VENDORS.as_bytes()),
        ("roles.csv", CSV.as_bytes()),
        ("site.toml", b"[[inputs]]\npath = \"roles.csv\"\ntable = 2\n"),
    ]);
    let (code, _, err) = rolesite(&["check", csv.path().to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("roles.csv: error[unknown-input]") && err.contains(".docx"), "{err}");
}

/// Word's lock file beside an open document (`~$roles.docx`) is no table.
#[test]
fn an_office_lock_file_among_seeds_is_not_read() {
    let dir = with_table("seeds/roles.csv", CSV.as_bytes());
    std::fs::write(dir.path().join("seeds/~$roles.docx"), b"\x0blocked by someone").unwrap();
    let t = load(dir.path()).unwrap();
    assert_eq!(essence(&t), csv_twin());
}
