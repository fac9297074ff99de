//! Released revisions, end to end on the seed: `rolesite release`, the frozen pages under
//! `rev/<label>/` that never change, each row's history, the list of revisions and each
//! revision's changes, citations pinned to a revision, the URLs of a revision guarded, and
//! a hand-edited frozen file refused at its line.

use scraper::{Html, Selector};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const SEED: &str = "seeds/000_cb154c5dc3bd9e83.txt";

fn rolesite(project: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rolesite"))
        .args(args)
        .arg(project)
        .env("SOURCE_DATE_EPOCH", "1796428800")
        .output()
        .unwrap()
}

fn ok(o: Output) -> Output {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    o
}

/// A copy of the seed project as shipped: seeds, content, themes and its released revision.
fn seed_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for folder in ["seeds", "content", "themes", "revisions"] {
        for e in walkdir::WalkDir::new(root.join(folder)) {
            let e = e.unwrap();
            let to = dir.path().join(e.path().strip_prefix(root).unwrap());
            if e.file_type().is_dir() {
                fs::create_dir_all(&to).unwrap();
            } else {
                fs::copy(e.path(), &to).unwrap();
            }
        }
    }
    dir
}

/// Every file under `dir`, by its path there, with its bytes.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| (e.path().strip_prefix(dir).unwrap().to_path_buf(), fs::read(e.path()).unwrap()))
        .collect()
}

fn page(out: &Path, url: &str) -> Html {
    Html::parse_document(&fs::read_to_string(out.join(url).join("index.html")).unwrap())
}

fn texts(doc: &Html, css: &str) -> Vec<String> {
    let sel = Selector::parse(css).unwrap();
    doc.select(&sel).map(|e| e.text().collect::<String>().split_whitespace().collect::<Vec<_>>().join(" ")).collect()
}

/// The seed with 項番704 renamed and its ◎ moved from 開発等(統合) (who keeps a ○) to
/// 厚生労働省・日本年金機構, and 項番705 renamed.
fn edit_seed(project: &Path) {
    let path = project.join(SEED);
    let text = fs::read_to_string(&path).unwrap();
    let was704 = "\n704\t総合テスト実施\t\t◎\t○";
    let was705 = "\n705\t総合テスト実施結果のレビュー・承認\t";
    assert!(text.contains(was704) && text.contains(was705), "the seed's rows 704 and 705 as the test knows them");
    let text = text
        .replace(was704, "\n704\t総合テスト実施(第2版)\t◎\t○\t○")
        .replace(was705, "\n705\t総合テスト結果のレビュー・承認\t");
    fs::write(path, text).unwrap();
}

#[test]
fn released_revisions_stay_as_released_and_every_row_tells_its_history() {
    let dir = seed_project();
    let p = dir.path();
    let out = p.join("out");
    ok(rolesite(p, &["build", "-q"]));
    let first = files(&out.join("rev/2016-05"));
    assert!(first.len() > 900, "the shipped revision is published whole: {} files", first.len());
    let banner = texts(&page(&out, "rev/2016-05/items/704"), ".revision-banner").join("");
    assert!(banner.contains("平成28年5月版") && banner.contains("2016-05"), "{banner}");

    // Edits in the working data: the frozen pages do not move.
    edit_seed(p);
    ok(rolesite(p, &["build", "-q"]));
    assert_eq!(files(&out.join("rev/2016-05")), first, "rev/2016-05/ after editing the working data");
    let note = texts(&page(&out, "items/704"), ".revision-note").join("");
    assert!(note.contains("変更されています"), "the current page says it differs from 2016-05: {note}");

    // A second release, and its build.
    let again = rolesite(p, &["release"]);
    assert_eq!(again.status.code(), Some(1), "2016-05 exists");
    assert!(String::from_utf8_lossy(&again.stderr).contains("revision 2016-05 was released"));
    ok(rolesite(p, &["release", "--label", "2026-12"]));
    assert!(p.join("revisions/2026-12/roles.json").is_file());
    ok(rolesite(p, &["build", "-q"]));
    assert_eq!(files(&out.join("rev/2016-05")), first, "rev/2016-05/ after a second release");

    // The item's history: both revisions, the working data, and the exact change.
    let item = page(&out, "items/704");
    let rows = texts(&item, "#history ~ table tbody tr, section[aria-labelledby=history] tbody tr");
    assert_eq!(rows.len(), 3, "{rows:#?}");
    assert!(
        rows[0].starts_with("平成28年5月版") && rows[0].contains("総合テスト実施") && rows[0].contains("(最初の版)")
    );
    let marks = texts(&item, "section[aria-labelledby=history] tbody tr:nth-child(2) .mark");
    assert_eq!(
        marks,
        [
            "名称変更「総合テスト実施」→「総合テスト実施(第2版)」",
            "◎ 開発等(統合) → 厚労省・機構",
            "○ 追加: 開発等(統合)"
        ]
    );
    assert!(rows[2].starts_with("作業中のデータ") && rows[2].contains("変更なし"), "{}", rows[2]);
    // A row both revisions hold alike: the second is one line, linking its frozen page.
    let same = page(&out, "items/708");
    let rows = texts(&same, "section[aria-labelledby=history] tbody tr");
    assert_eq!(rows.len(), 3, "{rows:#?}");
    assert!(rows[1].starts_with("2026-12版") && rows[1].contains("前の版と同じ"), "{}", rows[1]);
    let sel = Selector::parse("tr.same a").unwrap();
    let links: Vec<&str> = same.select(&sel).map(|a| a.attr("href").unwrap()).collect();
    assert_eq!(links, ["../../rev/2026-12/items/708/index.html"]);

    // The revisions page and the second revision's changes list exactly the edits.
    let list = texts(&page(&out, "revisions"), "table.revisions tbody tr");
    // Each page's note on the working data links the list of revisions, but the list's own.
    assert_eq!(texts(&page(&out, "items/704"), ".revision-note a"), ["公開版の一覧"]);
    assert!(!texts(&page(&out, "revisions"), ".revision-note").is_empty());
    assert_eq!(texts(&page(&out, "revisions"), ".revision-note a"), Vec::<String>::new(), "no link to itself");
    assert_eq!(list.len(), 2, "{list:#?}");
    assert!(list[1].contains("追加 0・削除 0・名称変更 2・項番変更 0・担当の増 2/減 1(2 事業者)"), "{}", list[1]);
    let changes = page(&out, "rev/2026-12/changes");
    assert_eq!(
        texts(&changes, "#renamed + ul li"),
        [
            "項番704 総合テスト実施(第2版)(旧: 総合テスト実施)",
            "項番705 総合テスト結果のレビュー・承認(旧: 総合テスト実施結果のレビュー・承認)"
        ]
    );
    let roles = texts(&changes, "ul.changes li");
    assert_eq!(
        roles,
        [
            "増: ◎ 主担当 項番704 総合テスト実施(第2版)",
            "増: ○ 協力 項番704 総合テスト実施(第2版)",
            "減: ◎ 主担当 項番704 総合テスト実施(第2版)"
        ]
    );
    assert!(texts(&changes, "h2").iter().all(|h| !h.starts_with("追加") && !h.starts_with("削除")));
    assert!(texts(&page(&out, "rev/2016-05/changes"), "main p").iter().any(|t| t.contains("最初の公開版")));

    // Citations pin the revision; the current page offers its own as the other choice.
    let cite = |url: &str| texts(&page(&out, url), "code.citation");
    assert!(cite("rev/2016-05/items/704")[0].contains("(別紙2, 平成28年5月版) 項番704「総合テスト実施」"));
    assert!(cite("rev/2026-12/items/704")[0].contains("(別紙2, 2026-12版) 項番704「総合テスト実施(第2版)」"));
    let current = cite("items/704");
    assert!(current[0].contains("2026-12版") && current[1].contains("(別紙2, 平成28年5月) 項番704"), "{current:?}");
    let urls = String::from_utf8(ok(rolesite(p, &["urls"])).stdout).unwrap();
    assert!(
        urls.lines().any(|l| l.starts_with("rev/2016-05/items/704/\titem\t") && l.ends_with("\t2016-05")),
        "{urls}"
    );

    // A revision's folder removed: the build fails, naming the URLs that would vanish.
    let before = files(&out);
    let aside = p.join("aside-2016-05");
    fs::rename(p.join("revisions/2016-05"), &aside).unwrap();
    let gone = rolesite(p, &["build", "-q"]);
    let said = String::from_utf8_lossy(&gone.stderr);
    assert_eq!(gone.status.code(), Some(1), "{said}");
    assert!(said.contains("rev/2016-05/items/704/"), "{said}");
    assert_eq!(files(&out), before, "nothing written");
    fs::rename(&aside, p.join("revisions/2016-05")).unwrap();

    // A hand-edited frozen file is refused at its line.
    let data = p.join("revisions/2016-05/roles.json");
    let text = fs::read_to_string(&data).unwrap();
    let at = text.find("\"role\": \"cooperating\"").unwrap();
    let line = text[..at].matches('\n').count() + 1;
    fs::write(&data, text.replacen("\"role\": \"cooperating\"", "\"role\": \"協力\"", 1)).unwrap();
    let bad = rolesite(p, &["build", "-q"]);
    let said = String::from_utf8_lossy(&bad.stderr);
    assert_eq!(bad.status.code(), Some(1), "{said}");
    assert!(
        said.contains(&format!("revisions/2016-05/roles.json:{line}:")) && said.contains("error[revision]"),
        "{said}"
    );
    assert_eq!(files(&out), before, "nothing written");
}

/// The history rows are written by rolesite, not by the template: data in them is escaped
/// as the template would escape it, in a task's name and a vendor's.
#[test]
fn a_history_prints_markup_in_the_data_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("t");
    ok(Command::new(env!("CARGO_BIN_EXE_rolesite")).args(["gen"]).arg(&p).args(["--items", "3"]).output().unwrap());
    let csv = p.join("seeds/roles.csv");
    let name = r#"<b>A&B "q" 'r'</b>"#;
    let text = fs::read_to_string(&csv).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let mut cells: Vec<String> = lines[2].split(',').map(str::to_string).collect();
    cells[2] = format!("\"{}\"", name.replace('"', "\"\""));
    lines[2] = cells.join(",");
    fs::write(&csv, lines.join("\n")).unwrap();
    let vendors = p.join("seeds/vendors.csv");
    let v = fs::read_to_string(&vendors).unwrap().replace("v01,共通基盤設計・開発業者", "v01,<i>V&1</i>");
    fs::write(&vendors, v).unwrap();
    ok(rolesite(&p, &["release", "--label", "r1"]));
    ok(rolesite(&p, &["build", "-q"]));
    let item = page(&p.join("out"), "items/2");
    let rows = texts(&item, "section[aria-labelledby=history] tbody tr");
    assert_eq!(rows.len(), 2, "{rows:#?}");
    assert!(rows[0].starts_with("r1版r1 ") && rows[0].contains(name), "{}", rows[0]);
    assert!(rows[0].contains("<i>V&1</i>"), "{}", rows[0]);
    assert!(rows[1].starts_with("作業中のデータ") && rows[1].contains(name), "{}", rows[1]);
    let sel = Selector::parse("section[aria-labelledby=history] :is(b, i)").unwrap();
    assert_eq!(item.select(&sel).count(), 0, "no element made of the data");
    let sel = Selector::parse("section[aria-labelledby=history] a").unwrap();
    let links: Vec<&str> = item.select(&sel).map(|a| a.attr("href").unwrap()).collect();
    assert_eq!(links.len(), 1);
    assert!(links[0].ends_with("/items/2/index.html") && links[0].starts_with("../../rev/r"), "{links:?}");
}
