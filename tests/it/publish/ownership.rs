//! What a build may replace: only an output folder of its own, and in it only the files it
//! wrote. Each case here lost a user's files before rolesite knew its own folder.

use crate::common::{project, roles_csv, VENDORS};
use std::path::Path;
use std::process::{Command, Output};

/// A small project to build.
fn small() -> tempfile::TempDir {
    let roles = roles_csv(&["1,1,準備,,,", "2,,計画書の作成,○,◎,,計画書を作る", "3,,運用,,◎,○,運用する"]);
    project(&[("seeds/vendors.csv", VENDORS.as_bytes()), ("seeds/roles.csv", roles.as_bytes())])
}

fn rolesite(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rolesite")).arg("build").arg(dir).args(args).output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Every file under `root` (links as links) with its bytes, to tell that nothing changed.
fn tree(root: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| !e.file_type().is_dir())
        .map(|e| {
            let rel = e.path().strip_prefix(root).unwrap().to_string_lossy().into_owned();
            let bytes = match e.file_type().is_symlink() {
                true => std::fs::read_link(e.path()).unwrap().to_string_lossy().into_owned().into_bytes(),
                false => std::fs::read(e.path()).unwrap(),
            };
            (rel, bytes)
        })
        .collect()
}

#[cfg(unix)]
#[test]
fn an_output_that_is_a_link_is_published_into_its_target_and_stays_a_link() {
    let dir = small();
    let www = tempfile::tempdir().unwrap();
    std::fs::create_dir(www.path().join("roles")).unwrap();
    std::fs::write(www.path().join("other-site.txt"), "beside").unwrap();
    std::os::unix::fs::symlink(www.path().join("roles"), dir.path().join("out")).unwrap();
    for round in 0..2 {
        let o = rolesite(dir.path(), &["-q"]);
        assert!(o.status.success(), "round {round}: {}", stderr(&o));
        assert!(std::fs::symlink_metadata(dir.path().join("out")).unwrap().file_type().is_symlink());
        assert!(www.path().join("roles/items/2/index.html").is_file(), "round {round}");
        let names: Vec<String> =
            std::fs::read_dir(www.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into()).collect();
        assert_eq!(names.len(), 2, "nothing but the site and its neighbour: {names:?}");
        assert_eq!(std::fs::read_to_string(www.path().join("other-site.txt")).unwrap(), "beside");
    }
    // A link to nothing is refused, not replaced by a folder.
    std::fs::remove_file(dir.path().join("out")).unwrap();
    std::os::unix::fs::symlink(www.path().join("gone"), dir.path().join("out")).unwrap();
    let o = rolesite(dir.path(), &["-q"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("out: error[output]: is a link to"), "{}", stderr(&o));
    assert!(std::fs::symlink_metadata(dir.path().join("out")).unwrap().file_type().is_symlink());
}

#[test]
fn an_output_that_is_or_holds_what_the_project_is_made_from_is_refused() {
    let dir = small();
    std::fs::create_dir_all(dir.path().join("content")).unwrap();
    std::fs::write(dir.path().join("content/about.md"), "+++\ntitle = \"概要\"\n+++\n本文\n").unwrap();
    let before = tree(dir.path());
    let cases = [
        ("seeds", "is the project's seeds folder"),
        ("content", "is the project's content folder"),
        ("content/sub", "lies inside the project's content folder"),
        (".", "is the project folder or holds it"),
        ("..", "is the project folder or holds it"),
    ];
    for (out, message) in cases {
        let o = rolesite(dir.path(), &["-q", "-o", &dir.path().join(out).to_string_lossy()]);
        assert_eq!(o.status.code(), Some(1), "-o {out}");
        assert!(stderr(&o).contains(&format!("error[output]: {message}")), "-o {out}: {}", stderr(&o));
        assert_eq!(tree(dir.path()), before, "-o {out} changed the project");
    }
    // The same through site.toml, for a folder that holds an input named there.
    std::fs::write(dir.path().join("site.toml"), "output = \"tables\"\n[[inputs]]\npath = \"tables/roles.csv\"\n")
        .unwrap();
    std::fs::create_dir(dir.path().join("tables")).unwrap();
    std::fs::copy(dir.path().join("seeds/roles.csv"), dir.path().join("tables/roles.csv")).unwrap();
    let o = rolesite(dir.path(), &["-q"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("holds the input"), "{}", stderr(&o));
    assert!(dir.path().join("tables/roles.csv").is_file());
}

#[test]
fn a_folder_rolesite_did_not_make_is_refused_and_an_empty_one_is_taken() {
    let dir = small();
    let docs = tempfile::tempdir().unwrap();
    std::fs::write(docs.path().join("notes.txt"), "mine").unwrap();
    std::fs::write(dir.path().join("site.toml"), format!("output = {:?}\n", docs.path())).unwrap();
    let o = rolesite(dir.path(), &["-q"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("error[output]: is not empty, and rolesite did not make it"), "{}", stderr(&o));
    assert_eq!(tree(docs.path()).len(), 1, "the folder is as it was");
    // Not even --clean replaces a folder that is not rolesite's.
    assert_eq!(rolesite(dir.path(), &["-q", "--clean"]).status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(docs.path().join("notes.txt")).unwrap(), "mine");
    std::fs::remove_file(docs.path().join("notes.txt")).unwrap();
    let o = rolesite(dir.path(), &["-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(docs.path().join("items/2/index.html").is_file());
}

#[test]
fn an_output_that_is_a_file_is_refused_and_left_alone() {
    let dir = small();
    std::fs::write(dir.path().join("out"), "{\"urls\": []}\n").unwrap();
    let o = rolesite(dir.path(), &["-q"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("out: error[output]: is a file, not a folder"), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(dir.path().join("out")).unwrap(), "{\"urls\": []}\n");
    // Once it is moved away, builds work (no wedge).
    std::fs::remove_file(dir.path().join("out")).unwrap();
    assert!(rolesite(dir.path(), &["-q"]).status.success());
}

/// A git repository in the output (a common way to publish a static site) survives every
/// build, with its history; an unknown file stops the build until it is moved or let go.
#[test]
fn files_rolesite_did_not_write_are_carried_over_or_refused() {
    let dir = small();
    let out = dir.path().join("out");
    assert!(rolesite(dir.path(), &["-q"]).status.success());
    let git = |args: &[&str]| {
        let o = Command::new("git").arg("-C").arg(&out).args(args).output().unwrap();
        assert!(o.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    git(&["init", "-q"]);
    git(&["-c", "user.name=t", "-c", "user.email=t@example.invalid", "add", "-A"]);
    git(&["-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-q", "-m", "公開 1"]);
    std::fs::write(out.join(".htaccess"), "Options -Indexes\n").unwrap();
    std::fs::write(out.join("CNAME"), "roles.example.invalid\n").unwrap();
    std::fs::write(out.join("items/robots.txt"), "nested\n").unwrap();
    let hidden = (tree(&out.join(".git")), std::fs::read(out.join(".htaccess")).unwrap());

    let o = rolesite(dir.path(), &["-q"]);
    assert_eq!(o.status.code(), Some(1));
    let message = stderr(&o);
    assert!(message.contains("out: error[output-foreign]: holds 2 file(s) rolesite did not write"), "{message}");
    assert!(message.contains("CNAME") && message.contains("items/robots.txt"), "{message}");
    assert!(out.join("CNAME").is_file() && out.join("items/robots.txt").is_file());

    std::fs::remove_file(out.join("items/robots.txt")).unwrap();
    let o = rolesite(dir.path(), &["--clean"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("kept from the previous site: .git, .htaccess"), "{}", stderr(&o));
    assert!(!out.join("CNAME").exists(), "--clean lets it go");
    assert_eq!((tree(&out.join(".git")), std::fs::read(out.join(".htaccess")).unwrap()), hidden);
    assert!(git(&["log", "--format=%s"]).contains("公開 1"));
    // The history sees the new build as a change of the files it tracked, nothing lost.
    assert!(git(&["status", "--porcelain"]).lines().all(|l| !l.starts_with(" D")), "{}", git(&["status", "-s"]));
}

/// A site written before output folders carried a marker is taken over, its own files
/// known from its urls.json; anything else in it is refused as in any other.
#[test]
fn a_site_an_earlier_version_wrote_is_taken_over() {
    let dir = small();
    let out = dir.path().join("out");
    assert!(rolesite(dir.path(), &["-q"]).status.success());
    std::fs::remove_file(out.join(".rolesite")).unwrap();
    std::fs::write(out.join("robots.txt"), "User-agent: *\n").unwrap();
    let o = rolesite(dir.path(), &["-q"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("robots.txt"), "{}", stderr(&o));
    std::fs::remove_file(out.join("robots.txt")).unwrap();
    let o = rolesite(dir.path(), &["-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(std::fs::read_to_string(out.join(".rolesite")).unwrap().lines().any(|l| l == "items/2/index.html"));
}

/// Start-up recovery removes only its own leftovers: named by rolesite, marked by it, and
/// of a process that no longer runs.
#[test]
fn only_rolesites_own_leftovers_are_removed() {
    let dir = small();
    assert!(rolesite(dir.path(), &["-q"]).status.success());
    let dead = {
        let mut child = Command::new("true").spawn().unwrap();
        child.wait().unwrap();
        child.id()
    };
    let users = [".out.old-20240501".to_string(), format!(".out.tmp-{dead}")];
    for name in &users {
        std::fs::create_dir(dir.path().join(name)).unwrap();
        std::fs::write(dir.path().join(name).join("keep.txt"), "a user's backup").unwrap();
    }
    let ours = dir.path().join(format!(".out.old-{dead}"));
    std::fs::create_dir(&ours).unwrap();
    std::fs::copy(dir.path().join("out/.rolesite"), ours.join(".rolesite")).unwrap();
    std::fs::write(ours.join("index.html"), "an old site").unwrap();
    let o = rolesite(dir.path(), &["-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    for name in &users {
        assert_eq!(std::fs::read_to_string(dir.path().join(name).join("keep.txt")).unwrap(), "a user's backup");
    }
    assert!(!ours.exists(), "a marked leftover of a dead process is removed");
}

/// A published site whose old copy cannot be removed (the output folder read-only for the
/// user) is a warning, and every later build still works.
#[cfg(unix)]
#[test]
fn a_leftover_that_cannot_be_removed_warns_and_does_not_wedge_later_builds() {
    use std::os::unix::fs::PermissionsExt;
    let dir = small();
    // Everyone may enter the project: the builds below may run as another user.
    for e in walkdir::WalkDir::new(dir.path()) {
        let e = e.unwrap();
        std::fs::set_permissions(e.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    }
    let as_user = |args: &[&str]| {
        let mut command = match is_root() {
            true => {
                let mut c = Command::new("setpriv");
                c.args(["--reuid=65534", "--regid=65534", "--clear-groups", env!("CARGO_BIN_EXE_rolesite")]);
                c
            }
            false => Command::new(env!("CARGO_BIN_EXE_rolesite")),
        };
        command.arg("build").arg(dir.path()).args(args).output().unwrap()
    };
    assert!(as_user(&["-q"]).status.success());
    let items = dir.path().join("out/items");
    std::fs::set_permissions(&items, std::fs::Permissions::from_mode(0o555)).unwrap();
    for round in 0..3 {
        std::fs::write(dir.path().join("site.toml"), format!("title = \"版{round}\"\n")).unwrap();
        let o = as_user(&[]);
        assert!(o.status.success(), "round {round}: {}", stderr(&o));
        assert!(stderr(&o).contains("warning:"), "round {round}: {}", stderr(&o));
        let page = std::fs::read_to_string(dir.path().join("out/items/2/index.html")).unwrap();
        assert!(page.contains(&format!("版{round}")), "round {round}: the new site is published");
    }
    // Let the temporary folder be cleaned up.
    for e in walkdir::WalkDir::new(dir.path()).into_iter().filter_map(|e| e.ok()) {
        let _ = std::fs::set_permissions(e.path(), std::fs::Permissions::from_mode(0o777));
    }
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .map(|s| s.lines().any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0")))
        .unwrap_or(false)
}

/// A file to publish beside the site (robots.txt, CNAME) lives in the project's `static/`:
/// copied to the site's root on every build, and refused where the site has a file.
#[test]
fn files_in_static_are_published_at_the_root() {
    let dir = small();
    std::fs::create_dir_all(dir.path().join("static/.well-known")).unwrap();
    std::fs::write(dir.path().join("static/CNAME"), "roles.example.invalid\n").unwrap();
    std::fs::write(dir.path().join("static/.well-known/editor-swap"), "hidden").unwrap();
    let o = rolesite(dir.path(), &["-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(dir.path().join("out/CNAME")).unwrap(), "roles.example.invalid\n");
    assert!(!dir.path().join("out/.well-known").exists(), "hidden names are not published");
    // Rebuilt, it is rolesite's own file now: no complaint.
    assert!(rolesite(dir.path(), &["-q"]).status.success());
    std::fs::write(dir.path().join("static/404.html"), "<p>mine</p>").unwrap();
    let o = rolesite(dir.path(), &["-q"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("static/404.html: error[duplicate-file]"), "{}", stderr(&o));
}
