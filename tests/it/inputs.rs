//! Clean tables (CSV in UTF-8, UTF-8 with BOM, Shift_JIS; Excel), precedence between
//! inputs, and the errors a user can cause: each located, none a panic.

use crate::common;

use common::project;
use rolesite::config::Project;
use rolesite::diag::{Code, Severity};
use rolesite::model::{Basis, Kind, RoleKind, Row, Table};
use std::path::{Path, PathBuf};
use std::process::Command;

pub(crate) const VENDORS: &str = "id,name,short,aliases\nowner,発注者,発注者,厚生労働省・日本年金機構\nvendor-a,A社,A,A業者|Ａ社\nvendor-b,B社,B,B業務\n";

const ROLES: &str = "項番,階層,作業項目,owner,A業者,B業務,作業内容\n\
1,1,統合業務関連,,,,\n\
2,3,実施計画,,,,\n\
3,,全体実施計画書の作成,○,◎,,計画書を作る\n\
4,,\"レビュー・承認, 最終\",◎,〇,◯,\"複数行の\n説明\"\n\
5,,記号のない作業,,,,\n";

pub(crate) fn load(dir: &Path) -> rolesite::diag::Result<Table> {
    rolesite::load(&Project::load(dir)?).map(|l| l.table)
}

/// One role without its position: vendor, role, basis, column text.
pub(crate) type RoleEssence = (Option<String>, RoleKind, Basis, String);
/// One row without where it came from: no, kind, level, name, description, parent, roles.
pub(crate) type RowEssence = (u32, Kind, Option<u8>, String, String, Option<u32>, Vec<RoleEssence>);

/// The model without where it came from: what must be equal across encodings and formats.
pub(crate) fn essence(t: &Table) -> Vec<RowEssence> {
    t.rows
        .iter()
        .map(|r: &Row| {
            let roles = r.roles.iter().map(|x| (x.vendor.clone(), x.role, x.basis, x.column.clone())).collect();
            (r.no, r.kind, r.level, r.name.clone(), r.description.clone(), r.parent, roles)
        })
        .collect()
}

pub(crate) fn errors(t: &Table) -> Vec<String> {
    t.findings.iter().filter(|f| f.severity == Severity::Error).map(|f| f.to_string()).collect()
}

#[test]
fn clean_csv_reads_levels_roles_and_quoted_cells() {
    let dir = project(&[("seeds/vendors.csv", VENDORS.as_bytes()), ("seeds/roles.csv", ROLES.as_bytes())]);
    let t = load(dir.path()).unwrap();
    assert!(errors(&t).is_empty(), "{:?}", errors(&t));
    let e = essence(&t);
    assert_eq!(e.len(), 5);
    assert_eq!((e[0].1, e[0].2), (Kind::Heading, Some(1)));
    assert_eq!((e[1].1, e[1].2, e[1].5), (Kind::Heading, Some(3), Some(1)));
    assert_eq!((e[2].1, e[2].5), (Kind::Task, Some(2)));
    assert_eq!(e[3].3, "レビュー・承認, 最終");
    assert_eq!(e[3].4, "複数行の\n説明");
    let roles: Vec<(Option<&str>, RoleKind)> = e[3].6.iter().map(|r| (r.0.as_deref(), r.1)).collect();
    assert_eq!(
        roles,
        vec![
            (Some("owner"), RoleKind::primary()),
            (Some("vendor-a"), RoleKind::cooperating()),
            (Some("vendor-b"), RoleKind::cooperating())
        ],
        "〇 (U+3007) and ◯ (U+25EF) are ○"
    );
    assert_eq!(e[3].6[1].3, "A業者", "the column keeps the header as written");
    assert!(t.rows[4].has_flag(Code::NoRoles));
    assert_eq!(t.rows[3].source.line, 5);
    assert_eq!(t.rows[4].source.line, 7, "line numbers count the quoted newline");
}

#[test]
fn english_header_and_no_level_column() {
    let csv = "no,name,owner,vendor-a,description\n1,統合業務関連,,,\n2,計画書の作成,○,◎,作る\n";
    let dir = project(&[("seeds/vendors.csv", VENDORS.as_bytes()), ("seeds/roles.csv", csv.as_bytes())]);
    let t = load(dir.path()).unwrap();
    assert!(errors(&t).is_empty(), "{:?}", errors(&t));
    assert_eq!(t.rows[0].kind, Kind::Heading, "without 階層 the outline is inferred as for the seed");
    assert_eq!(t.rows[1].parent, Some(1));
}

#[test]
fn utf8_bom_and_shift_jis_read_like_plain_utf8() {
    let plain = project(&[("seeds/vendors.csv", VENDORS.as_bytes()), ("seeds/roles.csv", ROLES.as_bytes())]);
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(ROLES.as_bytes());
    let with_bom = project(&[("seeds/vendors.csv", VENDORS.as_bytes()), ("seeds/roles.csv", &bom)]);
    let (sjis, _, lossy) = encoding_rs::SHIFT_JIS.encode(ROLES);
    assert!(!lossy);
    assert!(std::str::from_utf8(&sjis).is_err(), "the fixture really is Shift_JIS");
    let (sjis_vendors, _, _) = encoding_rs::SHIFT_JIS.encode(VENDORS);
    let shift_jis = project(&[("seeds/vendors.csv", &sjis_vendors), ("seeds/roles.csv", &sjis)]);
    let expected = essence(&load(plain.path()).unwrap());
    assert_eq!(essence(&load(with_bom.path()).unwrap()), expected);
    assert_eq!(essence(&load(shift_jis.path()).unwrap()), expected);
}

pub(crate) fn write_xlsx(path: &Path, sheets: &[(&str, &str)]) {
    let mut book = rust_xlsxwriter::Workbook::new();
    for (name, csv) in sheets {
        let sheet = book.add_worksheet();
        sheet.set_name(*name).unwrap();
        let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(csv.as_bytes());
        for (r, record) in reader.records().enumerate() {
            for (c, cell) in record.unwrap().iter().enumerate() {
                match cell.parse::<f64>() {
                    Ok(n) => sheet.write_number(r as u32, c as u16, n).unwrap(),
                    Err(_) if cell.is_empty() => sheet,
                    Err(_) => sheet.write_string(r as u32, c as u16, cell).unwrap(),
                };
            }
        }
    }
    book.save(path).unwrap();
}

#[test]
fn xlsx_reads_like_its_csv_twin() {
    let csv_dir = project(&[("seeds/vendors.csv", VENDORS.as_bytes()), ("seeds/roles.csv", ROLES.as_bytes())]);
    let xlsx_dir = project(&[("seeds/vendors.csv", VENDORS.as_bytes())]);
    write_xlsx(&xlsx_dir.path().join("seeds/roles.xlsx"), &[("役割分担", ROLES)]);
    let t = load(xlsx_dir.path()).unwrap();
    assert!(errors(&t).is_empty(), "{:?}", errors(&t));
    assert_eq!(essence(&t), essence(&load(csv_dir.path()).unwrap()));
    assert_eq!(
        t.rows[2].source.file,
        PathBuf::from(format!("{}[役割分担]", xlsx_dir.path().join("seeds/roles.xlsx").display()))
    );
}

#[test]
fn xlsx_sheets_first_all_or_named() {
    let second = "項番,階層,作業項目,owner,作業内容\n10,,追加の作業,◎,追加\n";
    let dir = project(&[("seeds/vendors.csv", VENDORS.as_bytes())]);
    write_xlsx(&dir.path().join("book.xlsx"), &[("表1", ROLES), ("表2", second)]);
    let nos = |config: &str| {
        std::fs::write(dir.path().join("site.toml"), config).unwrap();
        load(dir.path()).unwrap().rows.iter().map(|r| r.no).collect::<Vec<_>>()
    };
    assert_eq!(nos("[[inputs]]\npath = \"book.xlsx\"\n"), vec![1, 2, 3, 4, 5]);
    assert_eq!(nos("[[inputs]]\npath = \"book.xlsx\"\nsheets = \"all\"\n"), vec![1, 2, 3, 4, 5, 10]);
    assert_eq!(nos("[[inputs]]\npath = \"book.xlsx\"\nsheets = [\"表2\"]\n"), vec![10]);
}

/// Precedence: inputs in order; a later `overrides` input replaces rows by 項番 and adds
/// new ones; without `overrides` a repeated 項番 is an error naming both places.
#[test]
fn later_overriding_input_replaces_rows_by_number() {
    let fix = "項番,階層,作業項目,owner,vendor-a,作業内容\n3,,全体実施計画書の作成,◎,○,訂正後\n6,,追加の作業,◎,,追加\n";
    let dir = project(&[
        ("seeds/vendors.csv", VENDORS.as_bytes()),
        ("seeds/roles.csv", ROLES.as_bytes()),
        ("fixes/fix.csv", fix.as_bytes()),
    ]);
    std::fs::write(
        dir.path().join("site.toml"),
        "[[inputs]]\npath = \"seeds/roles.csv\"\n\n[[inputs]]\npath = \"fixes/fix.csv\"\noverrides = true\n",
    )
    .unwrap();
    let t = load(dir.path()).unwrap();
    assert!(errors(&t).is_empty(), "{:?}", errors(&t));
    let three = t.rows.iter().find(|r| r.no == 3).unwrap();
    assert_eq!(three.description, "訂正後");
    assert!(three.source.file.ends_with("fixes/fix.csv"));
    assert_eq!(t.rows.iter().map(|r| r.no).collect::<Vec<_>>(), vec![1, 2, 3, 4, 5, 6]);

    std::fs::write(
        dir.path().join("site.toml"),
        "[[inputs]]\npath = \"seeds/roles.csv\"\n\n[[inputs]]\npath = \"fixes/fix.csv\"\n",
    )
    .unwrap();
    let t = load(dir.path()).unwrap();
    let e = errors(&t);
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(e[0].contains("fix.csv:2: error[duplicate-no]") && e[0].contains("roles.csv:4"), "{}", e[0]);
}

pub(crate) fn rolesite(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_rolesite")).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

/// Each mistake a user can make, with the message it must produce: located, exit 1, no panic.
#[test]
fn user_errors_are_located_and_exit_1() {
    type Files<'a> = Vec<(&'a str, &'a [u8])>;
    let cases: Vec<(&str, Files, &str)> = vec![
        (
            "bad symbol",
            vec![("seeds/roles.csv", "項番,作業項目,owner\n1,x,△\n".as_bytes())],
            "roles.csv:2:3: error[unknown-symbol]",
        ),
        (
            "bad number",
            vec![("seeds/roles.csv", "項番,作業項目,owner\nx,y,◎\n".as_bytes())],
            "roles.csv:2:1: error[bad-no]",
        ),
        (
            "bad level",
            vec![("seeds/roles.csv", "項番,階層,作業項目,owner\n1,4,y,\n".as_bytes())],
            "roles.csv:2:2: error[bad-level]",
        ),
        (
            "unknown vendor column",
            vec![("seeds/roles.csv", "項番,作業項目,C社\n1,y,◎\n".as_bytes())],
            "roles.csv:1:3: error[unknown-column]",
        ),
        (
            "no 項番 column",
            vec![("seeds/roles.csv", "作業項目,owner\ny,◎\n".as_bytes())],
            "roles.csv:1: error[no-header]",
        ),
        ("not text", vec![("seeds/roles.csv", b"\x80\x81\xff\xfe,\n")], "roles.csv:1:1: error[encoding]"),
        ("broken workbook", vec![("seeds/roles.xlsx", b"PK\x03\x04 not a zip")], "roles.xlsx: error[xlsx]"),
        (
            "unclosed quote",
            vec![("seeds/roles.csv", "項番,作業項目,owner\n1,x,◎\n2,\"y,◎\n3,z,\n".as_bytes())],
            "roles.csv:3:3: error[csv]",
        ),
        (
            "text after a closing quote",
            vec![("seeds/roles.csv", "項番,作業項目,owner\n1,\"x\"y,◎\n".as_bytes())],
            "roles.csv:2:5: error[csv]",
        ),
        ("empty csv", vec![("seeds/roles.csv", b"")], "roles.csv:1: error[empty]"),
        (
            "one 項番 in two files",
            vec![
                ("seeds/a.csv", "項番,作業項目,owner\n1,x,◎\n".as_bytes()),
                ("seeds/b.csv", "項番,作業項目,owner\n\n1,y,◎\n".as_bytes()),
            ],
            "b.csv:3: error[duplicate-no]",
        ),
        ("empty seed text", vec![("seeds/seed.txt", b"")], "seed.txt: error[no-table]"),
        (
            "seed text without a table",
            vec![("seeds/seed.txt", "## 別紙2\n関連業者との役割分担表\n".as_bytes())],
            "seed.txt: error[no-table]",
        ),
        (
            "bad front matter",
            vec![
                ("seeds/roles.csv", ROLES.as_bytes()),
                ("content/a.md", "+++\ntitle = \"t\"\norder = x\n+++\nbody\n".as_bytes()),
            ],
            "a.md:3: error[front-matter]",
        ),
        (
            "no front matter",
            vec![("seeds/roles.csv", ROLES.as_bytes()), ("content/a.md", "# title\n".as_bytes())],
            "a.md:1: error[front-matter]",
        ),
        (
            "bad config",
            vec![
                ("seeds/roles.csv", ROLES.as_bytes()),
                ("site.toml", "theme = \"default\"\nouptut = \"x\"\n".as_bytes()),
            ],
            "site.toml:2: error[config]",
        ),
        (
            "bad vendor id",
            vec![("seeds/roles.csv", ROLES.as_bytes()), ("seeds/vendors.csv", "id,name\nA社,A社\n".as_bytes())],
            "vendors.csv:2: error",
        ),
        (
            "a date that is not one",
            vec![
                ("seeds/roles.csv", ROLES.as_bytes()),
                ("site.toml", "title = \"t\"\n[document]\ndate = \"平成99年5月\"\n".as_bytes()),
            ],
            "site.toml:3: error[config]",
        ),
        (
            "one spelling for two vendors, the second curated",
            vec![
                ("seeds/roles.csv", ROLES.as_bytes()),
                ("seeds/vendors.csv", "id,name,aliases\nowner,発注者,\nother,別業者,発注者\n".as_bytes()),
                ("seeds/curation.csv", "header,vendor,reason\n略称,other,理由\n".as_bytes()),
            ],
            "vendors.csv:3: error[duplicate-vendor]",
        ),
    ];
    for id in ["../x", "a/b", "a b", "CON", "con", "x.", ".."] {
        let vendors = format!("id,name\n\"{id}\",名前\n");
        let dir = project(&[("seeds/vendors.csv", vendors.as_bytes()), ("seeds/roles.csv", ROLES.as_bytes())]);
        let (code, stdout, stderr) = rolesite(&["build", dir.path().to_str().unwrap()]);
        assert_eq!(code, 1, "vendor id {id:?}: {stdout}{stderr}");
        assert!(stderr.contains("vendors.csv:2: error[bad-id]"), "vendor id {id:?}: {stderr}");
        assert!(!dir.path().join("out").exists() && !dir.path().join("x").exists());
    }
    for (what, mut files, expected) in cases {
        if !files.iter().any(|(n, _)| *n == "seeds/vendors.csv") {
            files.push(("seeds/vendors.csv", VENDORS.as_bytes()));
        }
        let dir = project(&files);
        let d = dir.path().to_str().unwrap();
        for verb in ["check", "build"] {
            let (code, stdout, stderr) = rolesite(&[verb, d]);
            assert_eq!(code, 1, "{what} / {verb}: {stdout}{stderr}");
            assert!(
                stdout.contains(expected) || stderr.contains(expected),
                "{what} / {verb}: expected {expected:?} in:\n{stdout}{stderr}"
            );
            assert!(!stderr.contains("panicked"), "{what} / {verb}: {stderr}");
        }
        assert!(!dir.path().join("out").exists(), "{what}: a failed build must leave no output");
    }
}

#[test]
fn check_exit_codes_follow_severity() {
    let dir = project(&[("seeds/vendors.csv", VENDORS.as_bytes()), ("seeds/roles.csv", ROLES.as_bytes())]);
    let d = dir.path().to_str().unwrap();
    let (code, stdout, _) = rolesite(&["check", d]);
    assert_eq!(code, 0, "warnings alone pass: {stdout}");
    assert!(stdout.contains("roles.csv:7: warning[no-roles]"), "{stdout}");
    let (code, _, _) = rolesite(&["check", "--strict", d]);
    assert_eq!(code, 1, "--strict fails on warnings");
}

#[test]
fn the_seed_checks_with_warnings_and_no_errors() {
    let (code, stdout, stderr) = rolesite(&["check", env!("CARGO_MANIFEST_DIR")]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("checked 323 rows") && stderr.contains(" 0 error(s)"), "{stderr}");
    let first = stdout.lines().next().unwrap();
    assert!(
        first.starts_with("seeds/000_cb154c5dc3bd9e83.txt:") || first.contains("/seeds/000_cb154c5dc3bd9e83.txt:"),
        "{first}"
    );
    assert!(stdout.lines().all(|l| l.contains(": warning[")), "only warnings without -v");
}
