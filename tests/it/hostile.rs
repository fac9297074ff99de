//! Inputs at the edges: a 1 MB cell, a 100,000-row table, a symbolic link out of the
//! project, a hostile theme or configuration (`hostile/templates.rs`). These must work (or
//! be refused safely), never crash.

mod bounds;
mod sources;
mod templates;

use crate::common::project;
use rolesite::config::Project;
use std::path::Path;
use std::process::Command;

const VENDORS: &str = "id,name\na,A社\nb,B社\n";

fn build(dir: &Path) -> (i32, String) {
    let out =
        Command::new(env!("CARGO_BIN_EXE_rolesite")).args(["build", "-q", dir.to_str().unwrap()]).output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn a_one_megabyte_cell_is_kept_whole() {
    let big = "長い説明。".repeat(70_000); // 5 characters × 3 bytes × 70,000 ≈ 1 MB
    assert!(big.len() >= 1_000_000);
    let csv = format!("項番,作業項目,a,b,作業内容\n1,作業,◎,,\"{big}\"\n2,次の作業,,◎,短い\n");
    let dir = project(&[("seeds/vendors.csv", VENDORS.as_bytes()), ("seeds/roles.csv", csv.as_bytes())]);
    let (code, stderr) = build(dir.path());
    assert_eq!(code, 0, "{stderr}");
    let page = std::fs::read_to_string(dir.path().join("out/items/1/index.html")).unwrap();
    assert!(page.contains(&big));
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("out/data/roles.json")).unwrap()).unwrap();
    assert_eq!(json["rows"][0]["description"].as_str().unwrap().len(), big.len());
    assert_eq!(json["rows"][1]["source"]["line"], 3, "line numbers after the big cell stay right");
}

/// 100,000 rows (1,000 headings of 99 tasks) read, checked and rendered in memory: every
/// page is there. (Writing them is the same code as for the seed; the release build of
/// this table, written to disk, is measured in docs/PERFORMANCE.md.)
#[test]
fn a_hundred_thousand_rows_render() {
    let mut csv = String::from("項番,階層,作業項目,a,b,作業内容\n");
    let mut no = 1;
    for h in 0..1000 {
        csv.push_str(&format!("{no},1,見出し{h},,,\n"));
        no += 1;
        for _ in 0..99 {
            csv.push_str(&format!("{no},,作業{no},◎,○,説明{no}\n"));
            no += 1;
        }
    }
    let dir = project(&[("seeds/vendors.csv", VENDORS.as_bytes()), ("seeds/roles.csv", csv.as_bytes())]);
    let project = Project::load(dir.path()).unwrap();
    let rendered = rolesite::render_site(&project, &Default::default(), Default::default()).unwrap();
    assert_eq!(rendered.table.rows.len(), 100_000);
    let items = rendered.pages.iter().filter(|p| p.path.starts_with("items/")).count();
    let phases =
        rendered.pages.iter().filter(|p| p.path.starts_with("phases/") && p.path != "phases/index.html").count();
    assert_eq!((items, phases), (100_000, 1_000));
    let last = rendered.table.rows.last().unwrap();
    assert_eq!((last.no, last.source.line), (100_000, 100_001));
}
