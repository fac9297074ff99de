//! Rebuilds of a watching process: each updates the output folder in place, rendering,
//! checking and writing only what changed, and must leave exactly what a fresh build of the
//! same project writes.

use crate::common;

use rolesite::baseline::Baseline;
use rolesite::rebuild::{rebuild, Outcome, Session as Watch};
use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use common::{roles_csv as roles, VENDORS};

const ROWS: &[&str] = &[
    "1,1,設計,,,,",
    "2,,基本設計,◎,○,,方針を決める",
    "3,,詳細設計,○,◎,,画面と帳票",
    "4,1,テスト,,,,",
    "5,2,総合テスト,,,,",
    "6,,総合テスト実施,○,◎,○,本番相当の環境で",
    "7,,受入テスト,◎,○,,",
    "8,1,運用,,,,",
    "9,,定常運用,,○,◎,監視と報告",
];

/// Every file under `dir`, by relative path, with its bytes.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| (e.path().strip_prefix(dir).unwrap().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap()))
        .collect()
}

/// The site's files (not the output folder's marker, which lists them) by their inodes.
fn inodes(dir: &Path) -> BTreeMap<String, u64> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file() && e.file_name() != ".rolesite")
        .map(|e| (e.path().strip_prefix(dir).unwrap().to_string_lossy().into_owned(), e.metadata().unwrap().ino()))
        .collect()
}

/// The project rebuilt in place matches a fresh build of it, file for file. The fresh
/// build is held to the same published site as the watcher (the changes page compares
/// with it).
fn assert_same_as_fresh(project: &Path, out: &Path, baseline: &Baseline) {
    let fresh = project.parent().unwrap().join("fresh");
    let mut once = Watch { last: None, baseline: baseline.clone(), clean: false };
    let outcome = rebuild(project, Some(&fresh), &mut once);
    assert!(matches!(outcome, Outcome::Built { .. }), "{outcome}");
    let (got, want) = (tree(out), tree(&fresh));
    let paths = |t: &BTreeMap<String, Vec<u8>>| t.keys().cloned().collect::<Vec<_>>();
    assert_eq!(paths(&got), paths(&want), "the same files");
    for (path, bytes) in &want {
        assert!(got[path] == *bytes, "{path} differs from a fresh build");
    }
    std::fs::remove_dir_all(&fresh).unwrap();
}

struct Session {
    _dir: tempfile::TempDir,
    project: PathBuf,
    out: PathBuf,
    watch: Watch,
}

impl Session {
    fn new(files: &[(&str, &[u8])]) -> Session {
        let dir = common::project(&[]);
        let project = dir.path().join("project");
        for (name, bytes) in files {
            let path = project.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, bytes).unwrap();
        }
        let out = dir.path().join("out");
        let mut s = Session { _dir: dir, project, out, watch: Watch::default() };
        s.rebuild();
        s
    }

    fn write(&self, name: &str, text: &str) {
        let path = self.project.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// Rebuild; returns (written, unchanged, removed).
    fn rebuild(&mut self) -> (usize, usize, usize) {
        match rebuild(&self.project, Some(&self.out), &mut self.watch) {
            Outcome::Built { written, unchanged, removed, .. } => (written, unchanged, removed),
            Outcome::Failed(e) => panic!("{e}"),
        }
    }
}

/// An edit of the table's rows or of the project's other files.
type Edit = dyn Fn(&mut Vec<String>, &Session);

#[test]
fn each_kind_of_edit_leaves_what_a_fresh_build_writes() {
    let roles_csv = roles(ROWS);
    // A theme that shows the flags of the tasks before and after: a flag's edit shows there.
    let item = rolesite::theme::DEFAULT_FILES.iter().find(|(n, _)| *n == "templates/item.html").unwrap().1;
    let item = item.replace("{% if next %}", "{% if next %}{% for f in next.flags %}[{{ f.short }}]{% endfor %}");
    let mut s = Session::new(&[
        ("themes/default/templates/item.html", item.as_bytes()),
        ("seeds/vendors.csv", VENDORS.as_bytes()),
        ("seeds/roles.csv", roles_csv.as_bytes()),
        (
            "content/guide.md",
            "+++\ntitle = \"読み方\"\n+++\n\n# 読み方\n\n[項番6](../../items/6/index.html)\n".as_bytes(),
        ),
    ]);
    assert_same_as_fresh(&s.project, &s.out, &s.watch.baseline);
    let mut rows: Vec<String> = ROWS.iter().map(|r| r.to_string()).collect();
    let mut edits: Vec<(&str, Box<Edit>)> = vec![
        ("a description", Box::new(|r, _| r[1] = "2,,基本設計,◎,○,,方針と範囲を決める".into())),
        ("a heading's description", Box::new(|r, _| r[0] = "1,1,設計,,,,要件から設計まで".into())),
        ("one cell", Box::new(|r, _| r[5] = "6,,総合テスト実施,◎,○,○,本番相当の環境で".into())),
        // Flagged 主担当なし: the flag shows on the pages of the tasks before and after it.
        ("a task's ◎ removed", Box::new(|r, _| r[5] = "6,,総合テスト実施,,○,○,本番相当の環境で".into())),
        ("a task renamed", Box::new(|r, _| r[2] = "3,,詳細設計(画面),○,◎,,画面と帳票".into())),
        ("a task added", Box::new(|r, _| r.push("10,,障害対応,,○,◎,".into()))),
        ("a task removed", Box::new(|r, _| r.retain(|x| !x.starts_with("7,")))),
        ("a heading renamed", Box::new(|r, _| r[3] = "4,1,試験,,,,".into())),
        (
            "a task renumbered, its old URL kept",
            Box::new(|r, s| {
                let at = r.iter().position(|x| x.starts_with("9,")).unwrap();
                r[at] = r[at].replacen("9,", "19,", 1);
                s.write("seeds/aliases.csv", "old,new\nitems/9/,items/19/\n");
            }),
        ),
        (
            "a vendor renamed",
            Box::new(|_, s| s.write("seeds/vendors.csv", &VENDORS.replace("運用業者", "運用保守業者"))),
        ),
        (
            "a template overridden",
            Box::new(|_, s| {
                let base = rolesite::theme::DEFAULT_FILES.iter().find(|(n, _)| *n == "templates/base.html").unwrap().1;
                s.write("themes/default/templates/base.html", &base.replace("</footer>", "<p>改訂版</p></footer>"));
            }),
        ),
        (
            "a narrative page edited",
            Box::new(|_, s| s.write("content/guide.md", "+++\ntitle = \"表の読み方\"\n+++\n\n本文\n")),
        ),
        (
            "the theme's CSS edited",
            Box::new(|_, s| s.write("themes/default/static/style.css", "body { color: #111 }\n")),
        ),
    ];
    for (what, edit) in edits.drain(..) {
        edit(&mut rows, &s);
        let refs: Vec<&str> = rows.iter().map(String::as_str).collect();
        s.write("seeds/roles.csv", &roles(&refs));
        let (written, _, _) = s.rebuild();
        assert!(written > 0, "{what}: something changed");
        assert_same_as_fresh(&s.project, &s.out, &s.watch.baseline);
    }
}

/// The files in which fresh builds of `ROWS` and of `edited` differ.
fn fresh_differences(edited: &[&str]) -> Vec<String> {
    let dir = common::project(&[]);
    let build = |rows: &[&str], name: &str| {
        let project = dir.path().join(name);
        std::fs::create_dir_all(project.join("seeds")).unwrap();
        std::fs::write(project.join("seeds/vendors.csv"), VENDORS).unwrap();
        std::fs::write(project.join("seeds/roles.csv"), roles(rows)).unwrap();
        let out = dir.path().join(format!("{name}-out"));
        let outcome = rebuild(&project, Some(&out), &mut Watch::default());
        assert!(matches!(outcome, Outcome::Built { .. }), "{outcome}");
        tree(&out)
    };
    let (before, after) = (build(ROWS, "before"), build(edited, "after"));
    before.keys().filter(|p| before.get(*p) != after.get(*p)).cloned().collect()
}

/// What lets a watcher make only the own page of a row whose description alone changed:
/// two fresh builds that differ in one task's and one heading's description differ in
/// those rows' own pages and the data files, and nowhere else.
#[test]
fn a_description_shows_on_its_own_page_only() {
    let mut edited: Vec<&str> = ROWS.to_vec();
    edited[5] = "6,,総合テスト実施,○,◎,○,本番相当の環境で、利用者も加わって";
    edited[4] = "5,2,総合テスト,,,,全体を通した試験";
    let differ = fresh_differences(&edited);
    let own = ["items/6/index.html", "phases/5/index.html"];
    let data = ["data/roles.csv", "data/roles.json"];
    // The source's page shows the rows' lines as written; the search index's shards hold
    // the words (the index's first file, the vendors and lost ranges, does not change).
    let shown = |p: &String| {
        own.contains(&p.as_str())
            || data.contains(&p.as_str())
            || p.starts_with("source/")
            || p.starts_with("assets/search/")
    };
    assert!(differ.iter().all(shown), "{differ:?}");
    assert!(differ.iter().any(|p| p == own[0]) && differ.iter().any(|p| p == data[1]), "the edit shows: {differ:?}");
}

/// What lets a watcher make again, after a role's edit, only the row's own page, the
/// pages of the headings above it and the pages made from the whole table; and, when the
/// row's flags changed, the pages that link to it with them (the tasks before and after).
#[test]
fn a_role_shows_on_its_own_page_the_headings_above_and_the_whole_table_only() {
    // Of the item and phase pages, only `pages` may differ.
    let only = |differ: &[String], pages: &[&str]| {
        let stray: Vec<&String> = differ
            .iter()
            .filter(|p| p.starts_with("items/") || (p.starts_with("phases/") && p.as_str() != "phases/index.html"))
            .filter(|p| !pages.contains(&p.as_str()))
            .collect();
        assert!(stray.is_empty(), "{stray:?} differ, of {differ:?}");
    };
    // A ○ added to 7, under 総合テスト (5), under テスト (4).
    let mut edited: Vec<&str> = ROWS.to_vec();
    edited[6] = "7,,受入テスト,◎,○,○,";
    let differ = fresh_differences(&edited);
    only(&differ, &["items/7/index.html", "phases/5/index.html", "phases/4/index.html"]);
    for page in ["items/7/index.html", "phases/4/index.html", "vendors/ops/index.html", "matrix/index.html"] {
        assert!(differ.iter().any(|p| p == page), "{page} shows the ○: {differ:?}");
    }
    // The outline of headings shows no roles.
    assert!(!differ.iter().any(|p| p == "phases/index.html"), "{differ:?}");
    // 7 loses its ◎ and is flagged. 6 and 9, the tasks before and after it, link to it
    // with its flags: a theme may show them (the default does not).
    edited[6] = "7,,受入テスト,,○,,";
    let differ = fresh_differences(&edited);
    let pages = ["items/7/index.html", "phases/5/index.html", "phases/4/index.html"];
    only(&differ, &[&pages[..], &["items/6/index.html", "items/9/index.html"]].concat());
    assert!(pages.iter().all(|page| differ.iter().any(|p| p == page)), "{differ:?}");
}

/// After a one-cell edit only the pages that show that cell are written; every other file
/// keeps its inode (it was not even replaced).
#[test]
fn a_one_cell_edit_writes_only_the_pages_that_show_it() {
    let roles_csv = roles(ROWS);
    let mut s = Session::new(&[("seeds/vendors.csv", VENDORS.as_bytes()), ("seeds/roles.csv", roles_csv.as_bytes())]);
    let before = inodes(&s.out);
    let edited = roles_csv.replace("9,,定常運用,,○,◎,", "9,,定常運用,○,○,◎,");
    s.write("seeds/roles.csv", &edited);
    let (written, unchanged, removed) = s.rebuild();
    let after = inodes(&s.out);
    let replaced: Vec<&String> = after.keys().filter(|p| before.get(*p) != after.get(*p)).collect();
    assert_eq!(replaced.len(), written, "{replaced:?}");
    assert_eq!((written + unchanged, removed), (before.len(), 0));
    // Every vendor page shows where each vendor stands, by its counts: they all change.
    let shown = ["items/9/index.html", "phases/8/index.html", "vendors/owner/index.html", "vendors/dev/index.html"];
    for page in shown.iter().chain(&["matrix/index.html", "index.html"]) {
        assert!(replaced.iter().any(|p| p == page), "{page} shows the cell: {replaced:?}");
    }
    for page in ["items/2/index.html", "items/6/index.html", "phases/1/index.html", "subsystems/index.html"] {
        assert!(!replaced.iter().any(|p| *p == page), "{page} does not show it: {replaced:?}");
    }
    assert_same_as_fresh(&s.project, &s.out, &s.watch.baseline);
}

/// A failed rebuild changes nothing; the fix after it still updates in place correctly.
/// A site replaced behind the watcher's back (a `build` run by hand) is noticed.
#[test]
fn failures_and_outside_builds_are_survived() {
    let roles_csv = roles(ROWS);
    let mut s = Session::new(&[("seeds/vendors.csv", VENDORS.as_bytes()), ("seeds/roles.csv", roles_csv.as_bytes())]);
    let before = tree(&s.out);
    s.write("seeds/roles.csv", &roles_csv.replace("受入テスト,◎", "受入テスト,\"◎"));
    assert!(matches!(rebuild(&s.project, Some(&s.out), &mut s.watch), Outcome::Failed(_)));
    assert_eq!(tree(&s.out), before, "a failed rebuild writes nothing");
    s.write("seeds/roles.csv", &roles_csv.replace("受入テスト", "受入試験"));
    s.rebuild();
    assert_same_as_fresh(&s.project, &s.out, &s.watch.baseline);

    // Someone builds into the same folder by hand, from other data; then the watcher's
    // next rebuild must not trust its memory of the folder.
    s.write("seeds/roles.csv", &roles_csv.replace("定常運用", "定常運用(外部)"));
    let mut other = Watch::default();
    assert!(matches!(rebuild(&s.project, Some(&s.out), &mut other), Outcome::Built { .. }));
    s.write("seeds/roles.csv", &roles_csv);
    s.rebuild();
    assert_same_as_fresh(&s.project, &s.out, &s.watch.baseline);
}

/// Held to a published site, the changes page lists each rebuild's edits against it, as a
/// fresh build does, whether the edit touched what changes are computed from or not.
#[test]
fn the_changes_follow_each_edit_against_the_published_site() {
    let mut rows: Vec<String> = ROWS.iter().map(|r| r.to_string()).collect();
    let refs = |rows: &[String]| roles(&rows.iter().map(String::as_str).collect::<Vec<_>>());
    let mut s = Session::new(&[("seeds/vendors.csv", VENDORS.as_bytes()), ("seeds/roles.csv", refs(&rows).as_bytes())]);
    s.watch.baseline = Baseline::load(&s.out).unwrap();
    let changes = |s: &Session| std::fs::read_to_string(s.out.join("data/changes.json")).unwrap();
    // Each edit, and whether the changes it leaves differ from the last.
    let mut edits: Vec<(&str, bool, Box<Edit>)> = vec![
        ("a role moved", true, Box::new(|r, _| r[1] = "2,,基本設計,○,◎,,方針を決める".into())),
        ("only a description", false, Box::new(|r, _| r[1] = "2,,基本設計,○,◎,,方針と範囲を決める".into())),
        (
            "7 renumbered as 10, with 11 added",
            true,
            Box::new(|r, s| {
                r.retain(|x| !x.starts_with("7,"));
                r.extend(["10,,受入テスト,◎,○,,".to_string(), "11,,受入確認,◎,,,".to_string()]);
                s.write("seeds/aliases.csv", "old,new\nitems/7/,items/10/\n");
            }),
        ),
        // The table as it was: only what the changes say of 7, 10 and 11 follows.
        (
            "only the alias, now to 11",
            true,
            Box::new(|_, s| s.write("seeds/aliases.csv", "old,new\nitems/7/,items/11/\n")),
        ),
    ];
    let mut seen = vec![changes(&s)];
    for (what, differs, edit) in edits.drain(..) {
        edit(&mut rows, &s);
        s.write("seeds/roles.csv", &refs(&rows));
        s.rebuild();
        assert_same_as_fresh(&s.project, &s.out, &s.watch.baseline);
        seen.push(changes(&s));
        assert_eq!(seen[seen.len() - 2] != seen[seen.len() - 1], differs, "{what}: {}", seen[seen.len() - 1]);
    }
    assert!(seen[3].contains("\"new\": 10") && seen[4].contains("\"new\": 11"), "{seen:?}");
}

/// A page left unchanged by an edit is checked again when a place its links lead to is
/// lost: an id another page no longer offers, or a file no longer written.
#[test]
fn an_unchanged_page_whose_link_target_went_is_reported() {
    let guide = "+++\ntitle = \"読み方\"\n+++\n\n[運用で協力](../../vendors/dev/index.html#cooperating-in-8)、[定常運用](../../items/9/index.html)\n";
    let mut s = Session::new(&[
        ("seeds/vendors.csv", VENDORS.as_bytes()),
        ("seeds/roles.csv", roles(ROWS).as_bytes()),
        ("content/guide.md", guide.as_bytes()),
    ]);
    let mut rows: Vec<&str> = ROWS.to_vec();
    let expect_broken = |s: &mut Session, rows: &[&str], what: &str| {
        s.write("seeds/roles.csv", &roles(rows));
        let Outcome::Failed(e) = rebuild(&s.project, Some(&s.out), &mut s.watch) else {
            panic!("{what} goes unnoticed")
        };
        assert!(e.contains("guide.md") && e.contains("broken-link") && e.contains(what), "{e}");
    };
    // dev's only ○ under heading 8 goes: its vendor page loses #cooperating-in-8.
    rows[8] = "9,,定常運用,,,◎,監視と報告";
    expect_broken(&mut s, &rows, "no #cooperating-in-8");
    rows[8] = ROWS[8];
    s.write("seeds/roles.csv", &roles(&rows));
    s.rebuild();
    assert_same_as_fresh(&s.project, &s.out, &s.watch.baseline);
    // Row 9 goes: its page is no longer written.
    rows.retain(|r| !r.starts_with("9,"));
    expect_broken(&mut s, &rows, "no such file items/9/index.html");
}

/// A URL the published site promised is reported at its line in the manifest as it was
/// published, though the watcher has rewritten that file in place since.
#[test]
fn a_dropped_url_is_located_in_the_manifest_as_published() {
    let roles_csv = roles(ROWS);
    let mut s = Session::new(&[("seeds/vendors.csv", VENDORS.as_bytes()), ("seeds/roles.csv", roles_csv.as_bytes())]);
    s.watch.baseline = Baseline::load(&s.out).unwrap();
    let published = std::fs::read_to_string(s.out.join("urls.json")).unwrap();
    let line = published.lines().position(|l| l.contains("\"url\": \"items/7/\"")).unwrap() + 1;
    // A new row sorts before items/7/ in urls.json, so the file the watcher rewrites moves
    // items/7/ down.
    let mut added: Vec<&str> = ROWS.to_vec();
    added.push("10,,追加作業,◎,,,");
    s.write("seeds/roles.csv", &roles(&added));
    s.rebuild();
    let rewritten = std::fs::read_to_string(s.out.join("urls.json")).unwrap();
    assert_ne!(rewritten.lines().position(|l| l.contains("\"url\": \"items/7/\"")).unwrap() + 1, line);
    added.retain(|r| !r.starts_with("7,"));
    s.write("seeds/roles.csv", &roles(&added));
    let Outcome::Failed(e) = rebuild(&s.project, Some(&s.out), &mut s.watch) else { panic!("items/7/ dropped") };
    let message = e.to_string();
    assert!(message.contains(&format!("urls.json:{line}: error[url-removed]: items/7/")), "{message}");
}

/// The seed itself, edited as its maintainers would: a symbol moved in the text.
#[test]
fn an_edit_of_the_seed_text_matches_a_fresh_build() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let seed = std::fs::read_to_string(root.join("seeds/000_cb154c5dc3bd9e83.txt")).unwrap();
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for sub in ["seeds", "content"] {
        for e in std::fs::read_dir(root.join(sub)).unwrap() {
            let e = e.unwrap();
            files.push((format!("{sub}/{}", e.file_name().to_string_lossy()), std::fs::read(e.path()).unwrap()));
        }
    }
    let refs: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
    let mut s = Session::new(&refs);
    let line = seed.lines().find(|l| l.starts_with("704\t")).unwrap();
    s.write("seeds/000_cb154c5dc3bd9e83.txt", &seed.replace(line, &line.replace("総合テスト実施", "総合テストの実施")));
    let (written, unchanged, _) = s.rebuild();
    assert!(written > 0 && written < unchanged / 10, "{written} written, {unchanged} unchanged");
    assert!(std::fs::read_to_string(s.out.join("items/704/index.html")).unwrap().contains("総合テストの実施"));
    assert_same_as_fresh(&s.project, &s.out, &s.watch.baseline);
}

/// Released revisions under a watching process: a frozen tree is made once, then taken over
/// whole by every rebuild (its files not rewritten: the same inodes) while the working data
/// is edited, re-made when a template changes, removed whole with its revision, and the
/// site matches a fresh build at each step.
#[test]
fn frozen_trees_are_taken_over_whole_by_every_rebuild() {
    let mut s = Session::new(&[("seeds/vendors.csv", VENDORS.as_bytes()), ("seeds/roles.csv", roles(ROWS).as_bytes())]);
    let release = |s: &Session, label: &str| {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_rolesite"))
            .args(["release", s.project.to_str().unwrap(), "--label", label])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    let frozen = |s: &Session, label: &str| {
        let all = inodes(&s.out);
        let prefix = format!("rev/{label}/");
        all.into_iter().filter(|(p, _)| p.starts_with(&prefix)).collect::<BTreeMap<_, _>>()
    };
    release(&s, "r1");
    s.rebuild();
    assert_same_as_fresh(&s.project, &s.out, &s.watch.baseline);
    let r1 = frozen(&s, "r1");
    assert!(r1.len() > 10 && r1.contains_key("rev/r1/items/6/index.html"), "{r1:?}");
    let mut rows: Vec<String> = ROWS.iter().map(|r| r.to_string()).collect();
    let mut edit = |s: &mut Session, at: usize, row: &str| {
        rows[at] = row.to_string();
        let refs: Vec<&str> = rows.iter().map(String::as_str).collect();
        s.write("seeds/roles.csv", &roles(&refs));
        s.rebuild()
    };
    let (written, unchanged, _) = edit(&mut s, 5, "6,,総合テスト実施,◎,○,○,本番相当の環境で");
    assert!(written > 0 && unchanged > r1.len(), "{written} written, {unchanged} unchanged");
    assert_eq!(frozen(&s, "r1"), r1, "the frozen tree is not rewritten");
    assert_same_as_fresh(&s.project, &s.out, &s.watch.baseline);

    release(&s, "r2");
    s.rebuild();
    assert_eq!(frozen(&s, "r1"), r1, "a second release leaves the first tree");
    let r2 = frozen(&s, "r2");
    assert!(!r2.is_empty());
    edit(&mut s, 1, "2,,基本設計,◎,,○,方針を決める");
    assert_eq!((frozen(&s, "r1"), frozen(&s, "r2")), (r1.clone(), r2.clone()), "both trees taken over");
    assert_same_as_fresh(&s.project, &s.out, &s.watch.baseline);

    // A template change re-makes the frozen pages too; the next edit takes them over again.
    let base = rolesite::theme::DEFAULT_FILES.iter().find(|(n, _)| *n == "templates/base.html").unwrap().1;
    s.write("themes/default/templates/base.html", &base.replace("</footer>", "<p>改訂版</p></footer>"));
    s.rebuild();
    assert_same_as_fresh(&s.project, &s.out, &s.watch.baseline);
    let remade = frozen(&s, "r1");
    assert!(std::fs::read_to_string(s.out.join("rev/r1/items/6/index.html")).unwrap().contains("改訂版"));
    edit(&mut s, 2, "3,,詳細設計,○,◎,○,画面と帳票");
    assert_eq!(frozen(&s, "r1"), remade, "taken over again after it was re-made");
    assert_same_as_fresh(&s.project, &s.out, &s.watch.baseline);

    // The session is held to the site published before it began, which had no revision:
    // a revision released and removed within it goes, its whole tree with it.
    std::fs::remove_dir_all(s.project.join("revisions/r1")).unwrap();
    let (_, _, removed) = s.rebuild();
    assert!(removed >= remade.len() && frozen(&s, "r1").is_empty(), "{removed} removed");
    assert_eq!(frozen(&s, "r2").len(), r2.len());
    assert_same_as_fresh(&s.project, &s.out, &s.watch.baseline);
}
