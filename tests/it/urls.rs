//! Links that stay: urls.json, the refusal to drop a published URL, aliases (redirect
//! pages), retirements (tombstones), the changes page, and `rolesite urls`.

use crate::common;

use scraper::{Html, Selector};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{roles_csv as roles, VENDORS};

const ROWS: &[&str] = &[
    "1,1,設計,,,,",
    "2,,基本設計,◎,○,,方針を決める",
    "3,,詳細設計,○,◎,,画面と帳票",
    "4,1,テスト,,,,",
    "5,,総合テスト実施,○,◎,○,本番相当の環境で",
    "6,,受入テスト,◎,○,,",
];

struct Project {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl Project {
    fn new(rows: &[&str]) -> Project {
        let dir = common::project(&[("seeds/vendors.csv", VENDORS.as_bytes())]);
        let root = dir.path().to_path_buf();
        let p = Project { _dir: dir, root };
        p.write("seeds/roles.csv", &roles(rows));
        p
    }

    fn write(&self, name: &str, text: &str) {
        std::fs::write(self.root.join(name), text).unwrap();
    }

    fn out(&self) -> PathBuf {
        self.root.join("out")
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_rolesite")).args(args).current_dir(&self.root).output().unwrap()
    }

    fn build(&self) -> Output {
        self.run(&["build", "-q"])
    }

    fn page(&self, path: &str) -> Html {
        Html::parse_document(&std::fs::read_to_string(self.out().join(path)).unwrap())
    }
}

fn ok(o: &Output) -> &Output {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    o
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn select<'a>(doc: &'a Html, css: &str) -> Vec<scraper::ElementRef<'a>> {
    doc.select(&Selector::parse(css).unwrap()).collect()
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("urls.json")).unwrap()).unwrap()
}

fn entry<'a>(m: &'a serde_json::Value, url: &str) -> Option<&'a serde_json::Value> {
    m["urls"].as_array().unwrap().iter().find(|e| e["url"] == url)
}

fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        // The output folder's marker lists the site's files; it is none of them.
        .filter(|e| e.file_type().is_file() && e.file_name() != ".rolesite")
        .map(|e| (e.path().strip_prefix(dir).unwrap().display().to_string(), std::fs::read(e.path()).unwrap()))
        .collect();
    files.sort();
    files
}

#[test]
fn the_manifest_lists_every_citable_page_with_kind_and_title() {
    let p = Project::new(ROWS);
    ok(&p.build());
    let m = manifest(&p.out());
    for (url, kind, title) in [
        ("", "home", ""),
        ("items/5/", "item", "項番5 総合テスト実施"),
        ("items/4/", "heading", "項番4 テスト"),
        ("phases/4/", "phase", "テスト (項番4)"),
        ("vendors/dev/", "vendor", "開発業者"),
        ("matrix/", "matrix", "役割分担表(全体)"),
        ("changes/", "changes", "変更点"),
        ("data/roles.json", "data", "data/roles.json"),
    ] {
        let e = entry(&m, url).unwrap_or_else(|| panic!("{url} listed"));
        assert_eq!(e["kind"], kind, "{url}");
        assert!(e["title"].as_str().unwrap().contains(title), "{url}: {e}");
    }
    // Every listed URL is a file of the site, and every page of the site is listed.
    for e in m["urls"].as_array().unwrap() {
        let url = e["url"].as_str().unwrap();
        let file = if url.is_empty() || url.ends_with('/') { format!("{url}index.html") } else { url.to_string() };
        assert!(p.out().join(&file).is_file(), "{file}");
    }
    for (path, _) in tree(&p.out()) {
        let url = path.strip_suffix("index.html").unwrap_or(&path);
        // The source's pages follow its lines, which a revision renumbers: not for citing.
        let unlisted =
            ["assets/", "source/"].iter().any(|p| path.starts_with(p)) || path == "404.html" || path == "urls.json";
        assert!(unlisted || entry(&m, url).is_some(), "{path} is not in urls.json");
    }
}

#[test]
fn the_seed_gives_byte_identical_manifests() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let mut manifests = Vec::new();
    for name in ["a", "b"] {
        let out = dir.path().join(name);
        let o = Command::new(env!("CARGO_BIN_EXE_rolesite"))
            .args(["build", "-q", root.to_str().unwrap(), "-o", out.to_str().unwrap()])
            .output()
            .unwrap();
        ok(&o);
        manifests.push(std::fs::read(out.join("urls.json")).unwrap());
    }
    assert_eq!(manifests[0], manifests[1]);
    let m: serde_json::Value = serde_json::from_slice(&manifests[0]).unwrap();
    assert_eq!(entry(&m, "items/704/").unwrap()["title"], "項番704 総合テスト実施");
    assert_eq!(entry(&m, "items/261/").unwrap()["kind"], "heading");
}

#[test]
fn a_renumbered_item_fails_the_build_until_an_alias_maps_it() {
    let p = Project::new(ROWS);
    ok(&p.build());
    let before = tree(&p.out());
    let renumbered: Vec<String> = ROWS.iter().map(|r| r.replace("5,,総合テスト実施", "50,,総合テスト実施")).collect();
    let refs: Vec<&str> = renumbered.iter().map(String::as_str).collect();
    p.write("seeds/roles.csv", &roles(&refs));
    let o = p.build();
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    let line = std::fs::read_to_string(p.out().join("urls.json"))
        .unwrap()
        .lines()
        .position(|l| l.contains("\"url\": \"items/5/\""))
        .unwrap()
        + 1;
    assert!(
        err.contains(&format!("out/urls.json:{line}: error[url-removed]: items/5/ (項番5 総合テスト実施)")),
        "{err}"
    );
    assert!(err.contains("seeds/aliases.csv"), "says how to keep it: {err}");
    assert_eq!(tree(&p.out()), before, "nothing written");

    p.write("seeds/aliases.csv", "old,new\nitems/5/,items/50/\n");
    ok(&p.build());
    let old = p.page("items/5/index.html");
    let refresh = select(&old, "meta[http-equiv=refresh]");
    assert_eq!(refresh[0].value().attr("content"), Some("0; url=../../items/50/index.html"));
    assert_eq!(select(&old, "link[rel=canonical]")[0].value().attr("href"), Some("../../items/50/index.html"));
    let visible = select(&old, "main a");
    assert_eq!(visible[0].value().attr("href"), Some("../../items/50/index.html"));
    assert!(visible[0].text().collect::<String>().contains("項番50 総合テスト実施"));
    let m = manifest(&p.out());
    assert_eq!(entry(&m, "items/5/").unwrap()["kind"], "alias");
    assert_eq!(entry(&m, "items/50/").unwrap()["kind"], "item");

    // The changes page tells the renumbering, not a removal and an addition.
    let changes = p.page("changes/index.html");
    let text = select(&changes, "main")[0].text().collect::<String>();
    assert!(text.contains("項番が変わった行") && text.contains("旧: 項番5"), "{text}");
    assert!(!text.contains("削除された行") && !text.contains("追加された行"), "{text}");

    // With a base URL the redirect's canonical link is the new page's absolute URL.
    p.write("site.toml", "base_url = \"https://intra.example/roles/\"\n");
    ok(&p.build());
    let old = p.page("items/5/index.html");
    let canonical = select(&old, "link[rel=canonical]")[0].value().attr("href").map(str::to_string);
    assert_eq!(canonical.as_deref(), Some("https://intra.example/roles/items/50/"));
}

#[test]
fn a_retired_item_leaves_a_tombstone() {
    let p = Project::new(ROWS);
    ok(&p.build());
    let without: Vec<&str> = ROWS.iter().copied().filter(|r| !r.starts_with("6,")).collect();
    p.write("seeds/roles.csv", &roles(&without));
    assert_eq!(p.build().status.code(), Some(1));
    p.write("seeds/retired.csv", "url,date,reason,see\nitems/6/,2026-11-25,総合テストに統合したため,items/5/\n");
    ok(&p.build());
    let page = p.page("items/6/index.html");
    let text = select(&page, "main")[0].text().collect::<String>();
    for part in ["項番6 受入テスト", "2026-11-25", "総合テストに統合したため", "項番5 総合テスト実施"]
    {
        assert!(text.contains(part), "{part}: {text}");
    }
    assert_eq!(select(&page, "main a")[0].value().attr("href"), Some("../../items/5/index.html"));
    let m = manifest(&p.out());
    assert_eq!(entry(&m, "items/6/").unwrap()["kind"], "retired");
    assert_eq!(entry(&m, "items/6/").unwrap()["title"], "項番6 受入テスト", "listed under the title it had");
    // The next build keeps it, and keeps its title.
    ok(&p.build());
    assert_eq!(entry(&manifest(&p.out()), "items/6/").unwrap()["title"], "項番6 受入テスト");
}

#[test]
fn a_role_change_shows_on_the_changes_page_and_survives_a_rebuild() {
    let p = Project::new(ROWS);
    ok(&p.build());
    let first = p.page("changes/index.html");
    assert!(select(&first, "main")[0].text().collect::<String>().contains("比較する前回の版がありません"));
    let changed: Vec<String> = ROWS.iter().map(|r| r.replace("6,,受入テスト,◎,○,,", "6,,受入テスト,○,◎,,")).collect();
    let refs: Vec<&str> = changed.iter().map(String::as_str).collect();
    p.write("seeds/roles.csv", &roles(&refs));
    ok(&p.build());
    let check = |doc: &Html| {
        let owner = select(doc, "#v-owner + ul li");
        let dev = select(doc, "#v-dev + ul li");
        let texts = |l: &[scraper::ElementRef]| l.iter().map(|e| e.text().collect::<String>()).collect::<Vec<_>>();
        assert_eq!(texts(&owner), ["増: ○ 協力 項番6 受入テスト", "減: ◎ 主担当 項番6 受入テスト"]);
        assert_eq!(texts(&dev), ["増: ◎ 主担当 項番6 受入テスト", "減: ○ 協力 項番6 受入テスト"]);
        assert!(select(doc, "#v-ops").is_empty(), "ops did not change");
    };
    check(&p.page("changes/index.html"));
    // Building again from the same data keeps what this revision changed.
    ok(&p.build());
    check(&p.page("changes/index.html"));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(p.out().join("data/changes.json")).unwrap()).unwrap();
    assert_eq!(json["vendors"][0]["id"], "owner");
}

#[test]
fn urls_prints_and_checks_without_building() {
    let p = Project::new(ROWS);
    let listing = ok(&p.run(&["urls"])).stdout.clone();
    let listing = String::from_utf8(listing).unwrap();
    assert!(listing.contains("items/5/\titem\t項番5 総合テスト実施\n"), "{listing}");
    assert!(!p.out().exists(), "urls writes nothing");
    let json = ok(&p.run(&["urls", "--json"])).stdout.clone();
    ok(&p.build());
    assert_eq!(json, std::fs::read(p.out().join("urls.json")).unwrap(), "--json prints urls.json");

    let old = p.root.join("published.json");
    std::fs::copy(p.out().join("urls.json"), &old).unwrap();
    let without: Vec<&str> = ROWS.iter().copied().filter(|r| !r.starts_with("3,")).collect();
    p.write("seeds/roles.csv", &roles(&without));
    let o = p.run(&["urls", "--check", "published.json"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("published.json:") && stderr(&o).contains("items/3/ (項番3 詳細設計)"),
        "{}",
        stderr(&o)
    );
    p.write("seeds/roles.csv", &roles(ROWS));
    assert!(stderr(ok(&p.run(&["urls", "--check", "published.json"]))).starts_with("ok: all "));
    assert_eq!(p.run(&["urls", "--check", "nowhere.json"]).status.code(), Some(1));

    // --previous holds a build to another published site.
    p.write("seeds/roles.csv", &roles(&without));
    std::fs::remove_dir_all(p.out()).unwrap();
    assert_eq!(p.run(&["build", "-q", "--previous", "published.json"]).status.code(), Some(1));
    ok(&p.run(&["build", "-q"]));
}

#[test]
fn aliases_and_retirements_are_checked_where_they_are_written() {
    let p = Project::new(ROWS);
    for (file, text, expected) in [
        ("seeds/aliases.csv", "old,new\nitems/2/,items/3/\n", "aliases.csv:2: error[continuity]: items/2/ is a page"),
        (
            "seeds/aliases.csv",
            "old,new\nitems/99/,items/98/\n",
            "aliases.csv:2: error[continuity]: items/98/ is not a page",
        ),
        (
            "seeds/aliases.csv",
            "old,new\n../../etc/,items/2/\n",
            "aliases.csv:2: error[continuity]: \"../../etc/\" is not a URL",
        ),
        (
            "seeds/aliases.csv",
            "old,new\nitems/9/,items/2/\nitems/9,items/3/\n",
            "aliases.csv:3: error[continuity]: items/9/ is declared twice",
        ),
        // Files the site writes besides its pages are taken too.
        (
            "seeds/aliases.csv",
            "old,new\nurls.json,matrix/\n",
            "aliases.csv:2: error[continuity]: urls.json is a file the site writes",
        ),
        (
            "seeds/retired.csv",
            "url,date,reason\nassets/search-index.js,2026-01-01,x\n",
            "retired.csv:2: error[continuity]: assets/search-index.js is a file the site writes",
        ),
        (
            "seeds/retired.csv",
            "url,date,reason\nitems/9/,,\n",
            "retired.csv:2: error[retired]: a retired page needs its date",
        ),
        (
            "seeds/retired.csv",
            "url,date,reason,see\nitems/9/,2026-01-01,統合,items/97/\n",
            "retired.csv:2: error[continuity]: items/97/ is not a page",
        ),
    ] {
        p.write(file, text);
        let o = p.build();
        assert_eq!(o.status.code(), Some(1), "{text}");
        assert!(stderr(&o).contains(expected), "{text}: {}", stderr(&o));
        std::fs::remove_file(p.root.join(file)).unwrap();
    }
    assert!(!p.out().exists());
    // Either file may stand in content/ too.
    std::fs::create_dir_all(p.root.join("content")).unwrap();
    p.write("content/aliases.csv", "old,new\nitems/9/,items/2/\n");
    ok(&p.build());
    assert!(p.out().join("items/9/index.html").is_file());
}

/// The published manifest is read beside the sources: when it cannot be read, the build
/// stops at its line all the same, with that error first (the table's, here a 項番 that is
/// no number, comes after it is mended), and nothing is written.
#[test]
fn a_published_manifest_that_cannot_be_read_stops_the_build_at_its_line_first() {
    let p = Project::new(ROWS);
    ok(&p.build());
    std::fs::write(p.out().join("urls.json"), "{\n  \"urls\": [\n    {\"url\": 5}\n  ]\n}\n").unwrap();
    let broken: Vec<&str> = ROWS.iter().copied().chain(["x,,番号でない項番,◎,,,"]).collect();
    p.write("seeds/roles.csv", &roles(&broken));
    let before = tree(&p.out());
    let o = p.build();
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("out/urls.json:3:") && err.contains("error[manifest]"), "{err}");
    assert!(!err.contains("roles.csv"), "the manifest's error comes first: {err}");
    assert_eq!(tree(&p.out()), before, "nothing written");
    // With the manifest as published again, the table's error is the one reported.
    let written = p.out().join("urls.json");
    std::fs::write(&written, "{\n  \"urls\": []\n}\n").unwrap();
    let err = stderr(&p.build());
    assert!(err.contains("seeds/roles.csv:") && !err.contains("error[manifest]"), "{err}");
}
