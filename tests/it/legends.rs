//! Tables with other legends, each in a real format: ◎/○/△ in a workbook (.xlsx), ●/○ in a
//! LibreOffice spreadsheet (.ods) and RACI letters with `A/R` cells in a Word table
//! (.docx). Each builds a site whose item pages, vendor pages, load map and `roles.json`
//! show exactly the roles of its cells; a symbol outside the legend is a located error.

use crate::common::office::{cell, docx, ods, paragraph, table};
use crate::common::project;
use crate::inputs::{rolesite, write_xlsx, VENDORS};
use scraper::{ElementRef, Html, Selector};
use std::collections::BTreeMap;
use std::path::Path;

/// The header every table here has, then its rows: vendors owner, A業者 (vendor-a), B業務
/// (vendor-b).
const HEADER: &str = "項番,階層,作業項目,owner,A業者,B業務,作業内容";

fn select(s: &str) -> Selector {
    Selector::parse(s).unwrap()
}

fn text(e: ElementRef) -> String {
    e.text().collect::<String>().trim().to_string()
}

fn page(out: &Path, path: &str) -> Html {
    Html::parse_document(&std::fs::read_to_string(out.join(path)).unwrap())
}

/// Build `dir`, which must succeed, and give its output.
fn build(dir: &Path) -> std::path::PathBuf {
    let (code, _, err) = rolesite(&["build", "-q", dir.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    dir.join("out")
}

/// An item page's roles as (vendor, symbol, name of the role), in the page's order.
fn item_roles(out: &Path, no: u32) -> Vec<(String, String, String)> {
    let html = page(out, &format!("items/{no}/index.html"));
    html.select(&select("table.roles tbody tr"))
        .map(|tr| {
            let role = tr.select(&select("td .role")).next().unwrap();
            let symbol = text(role.select(&select(".sym")).next().unwrap());
            let name = text(role).trim_start_matches(&symbol).to_string();
            (text(tr.select(&select("th")).next().unwrap()), symbol, name)
        })
        .collect()
}

/// A vendor page's lists: each list's id (the kind's), title and the 項番 it links.
fn vendor_lists(out: &Path, vendor: &str) -> Vec<(String, String, Vec<u32>)> {
    let html = page(out, &format!("vendors/{vendor}/index.html"));
    html.select(&select("section"))
        .filter_map(|s| {
            let h2 = s.select(&select("h2")).next()?;
            let id = h2.value().attr("id")?.to_string();
            let items = s.select(&select("a[href*='items/'] .no")).filter_map(|n| text(n).parse().ok()).collect();
            Some((id, text(h2), items))
        })
        .filter(|(id, _, _)| !["load", "steps"].contains(&id.as_str()))
        .collect()
}

/// The home load map's cells of a vendor row: each cell's data attributes (kind id → count).
fn map_cells(out: &Path, vendor: &str) -> Vec<BTreeMap<String, String>> {
    let html = page(out, "index.html");
    let row = html.select(&select(&format!("g.vendor-row[data-vendor='{vendor}']"))).next().unwrap();
    row.select(&select("g.cell"))
        .map(|c| c.value().attrs().filter(|(k, _)| k.starts_with("data-")).map(|(k, v)| (k.into(), v.into())).collect())
        .collect()
}

/// `roles.json`'s roles of row `no` as (vendor, kind id, column).
fn json_roles(out: &Path, no: u32) -> Vec<(String, String, u64)> {
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("data/roles.json")).unwrap()).unwrap();
    let row = json["rows"].as_array().unwrap().iter().find(|r| r["no"] == no).unwrap().clone();
    row["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["vendor"].as_str().unwrap().into(), r["role"].as_str().unwrap().into(), r["col"].as_u64().unwrap()))
        .collect()
}

fn triples(v: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
    v.iter().map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string())).collect()
}

fn attrs(v: &[(&str, &str)]) -> BTreeMap<String, String> {
    v.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

const TRIANGLES: &str = "[[roles]]\nsymbol = \"◎\"\nname = \"主担当\"\nmeaning = \"主たる作業\"\n\n\
[[roles]]\nsymbol = \"○\"\nname = \"協力\"\nmeaning = \"作業協力\"\nvariants = [\"〇\", \"◯\"]\n\n\
[[roles]]\nsymbol = \"△\"\nname = \"確認\"\nmeaning = \"確認・承認\"\nid = \"review\"\n";

#[test]
fn a_workbook_with_triangles_shows_three_kinds_everywhere() {
    let rows = format!(
        "{HEADER}\n1,1,設計,,,,\n2,,基本設計書の作成,△,◎,○,設計書を作る\n3,,設計レビュー,◎,△,△,レビューする\n4,,議事録,,〇,◎,\n"
    );
    let dir = project(&[("seeds/vendors.csv", VENDORS.as_bytes()), ("site.toml", TRIANGLES.as_bytes())]);
    write_xlsx(&dir.path().join("seeds/roles.xlsx"), &[("役割分担", &rows)]);
    let out = build(dir.path());
    // Heaviest first, then by column.
    let expected = [("A社", "◎", "主担当"), ("B社", "○", "協力"), ("発注者", "△", "確認")];
    assert_eq!(item_roles(&out, 2), triples(&expected));
    let expected = [("発注者", "◎", "主担当"), ("A社", "△", "確認"), ("B社", "△", "確認")];
    assert_eq!(item_roles(&out, 3), triples(&expected));
    // A list per kind, in legend order, each with exactly its tasks.
    let lists = vendor_lists(&out, "vendor-a");
    let ids: Vec<(&str, &[u32])> = lists.iter().map(|(id, _, nos)| (id.as_str(), nos.as_slice())).collect();
    assert_eq!(ids, [("primary", &[2][..]), ("cooperating", &[4][..]), ("review", &[3][..])]);
    assert!(lists[2].1.starts_with("△ 確認の作業"), "{}", lists[2].1);
    // The load map: a mark per kind in the one column (設計).
    let cells = map_cells(&out, "vendor-a");
    let expected = [("data-column", "0"), ("data-primary", "1"), ("data-cooperating", "1"), ("data-review", "1")];
    let mut want = attrs(&expected);
    for k in ["primary", "cooperating", "review"] {
        want.insert(format!("data-{k}-doubtful"), "0".into());
    }
    assert_eq!(cells, vec![want]);
    let home = page(&out, "index.html");
    let legend: Vec<String> = home.select(&select("ul.legend li")).map(text).collect();
    assert_eq!(legend, ["◎主担当 主たる作業", "○協力 作業協力", "△確認 確認・承認"]);
    let heads: Vec<String> = home.select(&select("#vendors + table thead th")).map(text).collect();
    assert_eq!(heads, ["事業者", "◎ 主担当", "○ 協力", "△ 確認"]);
    // roles.json: the kinds by id, the legend with them; and the schema still holds.
    let expected = [("owner", "review", 4), ("vendor-a", "primary", 5), ("vendor-b", "cooperating", 6)];
    let expected: Vec<(String, String, u64)> =
        expected.iter().map(|(v, k, c)| (v.to_string(), k.to_string(), *c)).collect();
    assert_eq!(json_roles(&out, 2), expected);
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("data/roles.json")).unwrap()).unwrap();
    let legend: Vec<(&str, &str, &str)> = json["document"]["legend"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["symbol"].as_str().unwrap(), l["role"].as_str().unwrap(), l["name"].as_str().unwrap()))
        .collect();
    assert_eq!(legend, [("◎", "primary", "主担当"), ("○", "cooperating", "協力"), ("△", "review", "確認")]);
    let schema: serde_json::Value = serde_json::from_str(rolesite::read::frozen::SCHEMA).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    assert!(validator.is_valid(&json));
    // A task with △ alone has no role of the heaviest kind.
    let (code, _, err) = rolesite(&["check", dir.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn a_spreadsheet_with_filled_circles_reads_them_as_its_legend_says() {
    let legend = "[[roles]]\nsymbol = \"●\"\nname = \"主担当\"\nid = \"primary\"\n\n[[roles]]\nsymbol = \"○\"\nname = \"副担当\"\n";
    let rows = format!("{HEADER}\n1,1,運用,,,,\n2,,監視,●,○,,\n3,,報告,○,,●,\n");
    let dir = project(&[
        ("seeds/vendors.csv", VENDORS.as_bytes()),
        ("seeds/roles.ods", &ods("役割分担", &rows)),
        ("site.toml", legend.as_bytes()),
    ]);
    let out = build(dir.path());
    assert_eq!(item_roles(&out, 2), triples(&[("発注者", "●", "主担当"), ("A社", "○", "副担当")]));
    assert_eq!(item_roles(&out, 3), triples(&[("B社", "●", "主担当"), ("発注者", "○", "副担当")]));
    let lists = vendor_lists(&out, "owner");
    let ids: Vec<(&str, &[u32])> = lists.iter().map(|(id, _, nos)| (id.as_str(), nos.as_slice())).collect();
    assert_eq!(ids, [("primary", &[2][..]), ("cooperating", &[3][..])]);
    let cells = map_cells(&out, "owner");
    let expected = [("data-column", "0"), ("data-primary", "1"), ("data-primary-doubtful", "0")];
    let mut want = attrs(&expected);
    want.extend(attrs(&[("data-cooperating", "1"), ("data-cooperating-doubtful", "0")]));
    assert_eq!(cells, vec![want]);
    // The grid writes the legend's symbols, and counts by them in its foot.
    let phase = page(&out, "phases/1/index.html");
    let foot: Vec<String> = phase.select(&select("table.grid tfoot th")).map(text).collect();
    assert_eq!(foot, ["● の件数", "○ の件数"]);
    let json = json_roles(&out, 3);
    assert_eq!(json, [("owner".to_string(), "cooperating".to_string(), 4), ("vendor-b".into(), "primary".into(), 6)]);
    // ◎ is not in this legend: a located error, and nothing built.
    let rows = format!("{HEADER}\n1,1,運用,,,,\n2,,監視,●,◎,,\n");
    std::fs::write(dir.path().join("seeds/roles.ods"), ods("役割分担", &rows)).unwrap();
    let (code, _, err) = rolesite(&["build", "-q", "-o", "fresh", dir.path().to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("roles.ods[役割分担]:3:5:") && err.contains("unknown-symbol") && err.contains("\"◎\""),
        "{err}"
    );
    assert!(!dir.path().join("fresh").exists());
}

/// RACI: R 実行, A 承認, C 相談, I 報告, a cell holding `A/R` two roles.
const RACI: &str = "[legend]\nseveral = true\n\n\
[[roles]]\nsymbol = \"R\"\nname = \"実行責任\"\nmeaning = \"Responsible: 作業を実施する\"\n\n\
[[roles]]\nsymbol = \"A\"\nname = \"説明責任\"\nmeaning = \"Accountable: 結果に責任を持ち承認する\"\n\n\
[[roles]]\nsymbol = \"C\"\nname = \"協議\"\nmeaning = \"Consulted: 事前に相談を受ける\"\n\n\
[[roles]]\nsymbol = \"I\"\nname = \"報告先\"\nmeaning = \"Informed: 結果の報告を受ける\"\n\n\
[[inputs]]\npath = \"spec.docx\"\ntable = \"役割分担\"\n";

fn raci_docx(cells: [&str; 3]) -> Vec<u8> {
    let head = ["項番", "階層", "作業項目", "owner", "A業者", "B業務", "作業内容"].map(cell).to_vec();
    let rows = vec![
        head,
        vec![cell("1"), cell("1"), cell("移行").span(4), cell("")],
        vec![cell("2"), cell(""), cell("移行計画の策定"), cell(cells[0]), cell(cells[1]), cell(cells[2]), cell("")],
        vec![cell("3"), cell(""), cell("移行リハーサル"), cell("I"), cell("R"), cell("C"), cell("")],
        vec![cell("4"), cell(""), cell("移行判定"), cell("C"), cell("I"), cell(""), cell("")],
    ];
    docx(&[paragraph("表1 役割分担(RACI)"), table(&rows)].concat())
}

#[test]
fn a_raci_word_table_keeps_each_letter_of_a_cell_as_its_own_role() {
    let dir = project(&[
        ("seeds/vendors.csv", VENDORS.as_bytes()),
        ("spec.docx", &raci_docx(["A/R", "C", "I"])),
        ("site.toml", RACI.as_bytes()),
    ]);
    let out = build(dir.path());
    let expected =
        [("発注者", "R", "実行責任"), ("発注者", "A", "説明責任"), ("A社", "C", "協議"), ("B社", "I", "報告先")];
    assert_eq!(item_roles(&out, 2), triples(&expected));
    // The vendor's place on the page is its first row, once (the Nu checker refused two).
    let item = page(&out, "items/2/index.html");
    assert_eq!(item.select(&select("#v-owner")).count(), 1);
    assert!(text(item.select(&select("#v-owner")).next().unwrap()).starts_with("R"));
    // Both roles of the A/R cell stand at its column.
    let json = json_roles(&out, 2);
    let owner: Vec<(&str, u64)> = json.iter().filter(|r| r.0 == "owner").map(|r| (r.1.as_str(), r.2)).collect();
    assert_eq!(owner, [("r", 4), ("a", 4)]);
    let lists = vendor_lists(&out, "owner");
    let ids: Vec<(&str, &[u32])> = lists.iter().map(|(id, _, nos)| (id.as_str(), nos.as_slice())).collect();
    assert_eq!(ids, [("r", &[2][..]), ("a", &[2][..]), ("c", &[4][..]), ("i", &[3][..])]);
    let cells = map_cells(&out, "owner");
    let counts: Vec<(&str, &str)> =
        ["data-r", "data-a", "data-c", "data-i"].iter().map(|k| (*k, cells[0][*k].as_str())).collect();
    assert_eq!(counts, [("data-r", "1"), ("data-a", "1"), ("data-c", "1"), ("data-i", "1")]);
    // A task with no R is flagged, and the flag is named by the legend.
    let item = page(&out, "items/4/index.html");
    let flags: Vec<String> = item.select(&select(".flag-list .flag")).map(text).collect();
    assert_eq!(flags, ["A・C・IのみでRなし"]);
    let message = text(item.select(&select(".flag-list li")).next().unwrap());
    assert!(message.contains("A・C・IはあるがRがなく"), "{message}");
    // What names the heaviest kind names it by the legend: the navigation, the page of
    // tasks nobody is named for.
    let unassigned = page(&out, "unassigned/index.html");
    let nav: Vec<String> = unassigned.select(&select("nav a[aria-current='page']")).map(text).collect();
    assert_eq!(nav, ["R未特定"]);
    assert_eq!(text(unassigned.select(&select("h1")).next().unwrap()), "Rを担う事業者を特定できない作業");
    // The grid's cell shows the whole cell, the heaviest first.
    let phase = page(&out, "phases/1/index.html");
    let row = phase.select(&select("table.grid tbody tr")).find(|r| text(*r).contains("移行計画の策定")).unwrap();
    let marks: Vec<String> =
        row.select(&select("td:not(.no)")).map(|c| c.text().next().unwrap_or("").to_string()).collect();
    assert_eq!(marks, ["R/A", "C", "I", ""]);
    // roles.csv writes the A/R cell back as one cell, and reads as the same roles.
    let csv = std::fs::read_to_string(out.join("data/roles.csv")).unwrap();
    assert!(csv.contains(",R/A,C,I,"), "{csv}");
    // Released, the revision's frozen pages read its legend back from its roles.json: the
    // same kinds, and the A/R cell whole.
    let (code, _, err) = rolesite(&["release", dir.path().to_str().unwrap(), "--label", "r1"]);
    assert_eq!(code, 0, "{err}");
    let out = build(dir.path());
    assert_eq!(item_roles(&out, 2), item_roles(&out.join("rev/r1"), 2));
    let frozen = page(&out, "rev/r1/phases/1/index.html");
    let row = frozen.select(&select("table.grid tbody tr")).find(|r| text(*r).contains("移行計画の策定")).unwrap();
    let marks: Vec<String> =
        row.select(&select("td:not(.no)")).map(|c| c.text().next().unwrap_or("").to_string()).collect();
    assert_eq!(marks, ["R/A", "C", "I", ""]);
    // A letter outside the legend: located at the Word table's row and column.
    std::fs::write(dir.path().join("spec.docx"), raci_docx(["A/R", "X", "I"])).unwrap();
    let (code, out, err) = rolesite(&["check", dir.path().to_str().unwrap()]);
    let err = format!("{out}{err}");
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("spec.docx[表1]:3:5:") && err.contains("unknown-symbol"), "{err}");
    assert!(err.contains("R, A, C, I"), "the message lists the legend: {err}");
}

#[test]
fn a_symbol_outside_the_standard_legend_is_a_located_error_in_a_clean_table() {
    let rows = format!("{HEADER}\n1,1,設計,,,,\n2,,基本設計,◎,△,,\n");
    let dir = project(&[("seeds/vendors.csv", VENDORS.as_bytes()), ("seeds/roles.csv", rows.as_bytes())]);
    let (code, _, err) = rolesite(&["build", "-q", dir.path().to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("seeds/roles.csv:3:5:") && err.contains("\"△\"") && err.contains("◎, ○ (〇, ◯)"), "{err}");
    assert!(!dir.path().join("out").exists());
    // A legend that gives one glyph to two kinds is refused at site.toml.
    let twice =
        "[[roles]]\nsymbol = \"●\"\nname = \"主\"\n\n[[roles]]\nsymbol = \"○\"\nname = \"副\"\nvariants = [\"●\"]\n";
    std::fs::write(dir.path().join("site.toml"), twice).unwrap();
    let (code, out, err) = rolesite(&["check", dir.path().to_str().unwrap()]);
    let err = format!("{out}{err}");
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("site.toml:1:") && err.contains("gives ● to both"), "{err}");
}

#[test]
fn inputs_kept_with_different_symbols_read_as_one_legend() {
    // The office's table writes ◎/○; the vendor's own copy writes ●/・ for the same roles.
    let ours = format!("{HEADER}\n1,1,設計,,,,\n2,,基本設計,◎,○,,\n");
    let theirs = format!("{HEADER}\n3,,詳細設計,・,●,,\n");
    let config = "[[inputs]]\npath = \"seeds/ours.csv\"\n\n[[inputs]]\npath = \"seeds/theirs.csv\"\nsymbols = { \"●\" = \"primary\", \"・\" = \"○\" }\n";
    let dir = project(&[
        ("seeds/vendors.csv", VENDORS.as_bytes()),
        ("seeds/ours.csv", ours.as_bytes()),
        ("seeds/theirs.csv", theirs.as_bytes()),
        ("site.toml", config.as_bytes()),
    ]);
    let out = build(dir.path());
    assert_eq!(item_roles(&out, 2), triples(&[("発注者", "◎", "主担当"), ("A社", "○", "協力")]));
    assert_eq!(item_roles(&out, 3), triples(&[("A社", "◎", "主担当"), ("発注者", "○", "協力")]));
    // The glyphs are the input's own: ● in the office's table is still outside the legend.
    std::fs::write(dir.path().join("seeds/ours.csv"), format!("{HEADER}\n1,1,設計,,,,\n2,,基本設計,●,○,,\n")).unwrap();
    let (code, _, err) = rolesite(&["build", "-q", "-o", "fresh", dir.path().to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("seeds/ours.csv:3:4:") && err.contains("\"●\""), "{err}");
    // A glyph given to a kind the legend lacks is an error at that input.
    let config = config.replace("\"primary\"", "\"lead\"");
    std::fs::write(dir.path().join("site.toml"), config).unwrap();
    let (code, out, err) = rolesite(&["check", dir.path().to_str().unwrap()]);
    let err = format!("{out}{err}");
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("theirs.csv") && err.contains("\"lead\", which the legend has no kind for"), "{err}");
}
