//! What the project reads: regular files inside it, never through a link, never a FIFO.
//! A site built from a shared folder must not publish whatever a link points at, and a
//! build must not hang on a pipe.

use crate::common::project;
use std::path::Path;
use std::time::{Duration, Instant};

const VENDORS: &str = "id,name\na,A社\nb,B社\n";
const SECRET: &str = "秘密の内容";

/// A project with one table and one page, and a secret file outside it.
fn fixture() -> (tempfile::TempDir, tempfile::TempDir) {
    let outside = tempfile::tempdir().unwrap();
    let secret_csv = format!("項番,作業項目,a,作業内容\n9,{SECRET},◎,{SECRET}\n");
    std::fs::write(outside.path().join("hr.csv"), secret_csv).unwrap();
    std::fs::write(outside.path().join("secret.md"), format!("+++\ntitle = \"秘密\"\n+++\n{SECRET}\n")).unwrap();
    std::fs::write(outside.path().join("base.html"), format!("<html>{SECRET}</html>")).unwrap();
    let dir = project(&[
        ("seeds/vendors.csv", VENDORS.as_bytes()),
        ("seeds/roles.csv", "項番,作業項目,a,作業内容\n1,x,◎,y\n".as_bytes()),
        ("content/real.md", "+++\ntitle = \"本物\"\n+++\n本文\n".as_bytes()),
    ]);
    (dir, outside)
}

/// Nothing under `out` holds the secret (or `out` was never made).
fn publishes_no_secret(dir: &Path) {
    for entry in walkdir::WalkDir::new(dir.join("out")).into_iter().filter_map(|e| e.ok()) {
        if entry.file_type().is_file() {
            let text = String::from_utf8_lossy(&std::fs::read(entry.path()).unwrap()).into_owned();
            assert!(!text.contains(SECRET), "{} publishes the linked file", entry.path().display());
        }
    }
}

#[cfg(unix)]
#[test]
fn a_link_anywhere_among_the_sources_is_refused_by_name() {
    let cases: [(&str, &str); 5] = [
        ("seeds/zz.csv", "hr.csv"),
        ("seeds/subsystems.csv", "hr.csv"),
        ("content/linked.md", "secret.md"),
        ("themes/default/templates/base.html", "base.html"),
        ("themes/default/static/extra.css", "base.html"),
    ];
    for (at, target) in cases {
        let (dir, outside) = fixture();
        let link = dir.path().join(at);
        std::fs::create_dir_all(link.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(outside.path().join(target), &link).unwrap();
        let (code, stderr) = super::build(dir.path());
        assert_eq!(code, 1, "{at}: {stderr}");
        assert!(stderr.contains(&format!("{at}: error[symlink]")), "{at}: {stderr}");
        assert!(!dir.path().join("out").exists(), "{at}: nothing is written");
        publishes_no_secret(dir.path());
    }
}

#[cfg(unix)]
#[test]
fn a_source_folder_that_leads_out_of_the_project_is_refused() {
    let (dir, outside) = fixture();
    std::fs::remove_dir_all(dir.path().join("content")).unwrap();
    std::fs::write(outside.path().join("page.md"), format!("+++\ntitle = \"外\"\n+++\n{SECRET}\n")).unwrap();
    std::os::unix::fs::symlink(outside.path(), dir.path().join("content")).unwrap();
    let (code, stderr) = super::build(dir.path());
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("content: error[outside-project]: leads out of the project"), "{stderr}");
    publishes_no_secret(dir.path());
}

#[cfg(unix)]
#[test]
fn a_named_input_may_be_a_link_only_to_a_file_inside_the_project() {
    let (dir, outside) = fixture();
    let inputs = "[[inputs]]\npath = \"seeds/roles.csv\"\n[[inputs]]\npath = \"extra.csv\"\noverrides = true\n";
    std::fs::write(dir.path().join("site.toml"), inputs).unwrap();
    // Inside: read as the file it leads to.
    std::fs::write(dir.path().join("tables.csv"), "項番,作業項目,b,作業内容\n2,内側の作業,◎,説明\n").unwrap();
    std::os::unix::fs::symlink(dir.path().join("tables.csv"), dir.path().join("extra.csv")).unwrap();
    let (code, stderr) = super::build(dir.path());
    assert_eq!(code, 0, "{stderr}");
    assert!(std::fs::read_to_string(dir.path().join("out/items/2/index.html")).unwrap().contains("内側の作業"));
    // Outside: refused, and the site built before stays as it was.
    let before = std::fs::read(dir.path().join("out/items/2/index.html")).unwrap();
    std::fs::remove_file(dir.path().join("extra.csv")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("hr.csv"), dir.path().join("extra.csv")).unwrap();
    let (code, stderr) = super::build(dir.path());
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("extra.csv: error[outside-project]"), "{stderr}");
    assert_eq!(std::fs::read(dir.path().join("out/items/2/index.html")).unwrap(), before);
    publishes_no_secret(dir.path());
    // A path that climbs out without a link is refused alike.
    let climbing =
        format!("[[inputs]]\npath = \"../{}/hr.csv\"\n", outside.path().file_name().unwrap().to_string_lossy());
    std::fs::write(dir.path().join("site.toml"), climbing).unwrap();
    let (code, stderr) = super::build(dir.path());
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("error[outside-project]"), "{stderr}");
}

/// A FIFO is refused at once: reading it would wait for a writer forever.
#[cfg(unix)]
#[test]
fn a_fifo_among_the_seeds_or_named_as_input_is_refused_at_once() {
    for named in [false, true] {
        let (dir, _outside) = fixture();
        let fifo = dir.path().join("seeds/pipe.csv");
        assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
        if named {
            std::fs::write(dir.path().join("site.toml"), "[[inputs]]\npath = \"seeds/pipe.csv\"\n").unwrap();
        }
        let start = Instant::now();
        let (code, stderr) = super::build(dir.path());
        assert!(start.elapsed() < Duration::from_secs(20), "the build waited on the FIFO");
        assert_eq!(code, 1, "{stderr}");
        assert!(stderr.contains("pipe.csv: error[not-a-file]"), "named {named}: {stderr}");
    }
}
