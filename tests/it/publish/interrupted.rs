//! Work cut short: a watching process killed in the middle of an update in place, a build
//! killed while it carried the user's hidden entries, an input rewritten while it is read.
//! The next start repairs the first two; the third is never published half-written.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_rolesite");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Every file under `root` but the user's `.git`, with its bytes.
fn site(root: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .filter_entry(|e| e.file_name() != ".git")
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (e.path().strip_prefix(root).unwrap().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap())
        })
        .collect()
}

/// Repair what a killed run left, as the next start of any command does.
fn repair(project: &Path) {
    let project = rolesite::config::Project::load(project).unwrap();
    let output = rolesite::write::Output::locate(&project, false).unwrap();
    rolesite::write::repair(&output).unwrap();
}

/// A generated project with the default page frame as a theme file of its own, to edit.
fn project(dir: &Path, items: &str) -> PathBuf {
    let project = dir.join("p");
    let gen = Command::new(BIN).args(["gen", project.to_str().unwrap(), "--items", items, "--vendors", "8"]).output();
    assert!(gen.unwrap().status.success());
    let frame = project.join("themes/default/templates/base.html");
    std::fs::create_dir_all(frame.parent().unwrap()).unwrap();
    std::fs::copy(Path::new(ROOT).join("themes/default/templates/base.html"), frame).unwrap();
    project
}

/// Mark every page's frame (`edition` 0 is the default frame).
fn set_frame(project: &Path, edition: u32) {
    let frame = std::fs::read_to_string(Path::new(ROOT).join("themes/default/templates/base.html")).unwrap();
    let text = match edition {
        0 => frame,
        n => frame.replacen("</body>", &format!("<!-- 版 {n} --></body>"), 1),
    };
    std::fs::write(project.join("themes/default/templates/base.html"), text).unwrap();
}

/// `build --watch`, once its first build is reported and it watches: an edit made before
/// it says so is not seen (a full run under four threads edited in between, and waited
/// two minutes for an update that never began).
fn watch(project: &Path) -> (Child, std::sync::mpsc::Receiver<String>) {
    let mut child = Command::new(BIN)
        .args(["build", "--watch", project.to_str().unwrap()])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || BufReader::new(stderr).lines().map_while(Result::ok).for_each(|l| drop(tx.send(l))));
    next_build(&rx);
    while !rx.recv_timeout(Duration::from_secs(120)).unwrap().starts_with("watching ") {}
    (child, rx)
}

/// Once `ready` holds (polled), the moment it did.
fn wait_for(ready: impl Fn() -> bool) -> Instant {
    let start = Instant::now();
    while !ready() {
        assert!(start.elapsed() < Duration::from_secs(120), "waited two minutes");
        std::thread::sleep(Duration::from_micros(200));
    }
    Instant::now()
}

/// How long the journal of the update just begun stands, from its appearing to the
/// rebuild's report; `None` when the report came first, the journal unseen.
fn journal_window(journal: &Path, rx: &std::sync::mpsc::Receiver<String>) -> Option<Duration> {
    let start = Instant::now();
    // What the session said meanwhile, told if the update never comes.
    let mut said = Vec::new();
    while !journal.exists() {
        if let Ok(line) = rx.try_recv() {
            if line.contains(" written, ") {
                return None;
            }
            said.push(line);
        }
        assert!(start.elapsed() < Duration::from_secs(120), "waited two minutes; the session said {said:#?}");
        std::thread::sleep(Duration::from_micros(200));
    }
    let appeared = Instant::now();
    next_build(rx);
    Some(appeared.elapsed())
}

/// The next rebuild's report (`N written, …`), past the other lines.
fn next_build(rx: &std::sync::mpsc::Receiver<String>) -> String {
    loop {
        let line = rx.recv_timeout(Duration::from_secs(120)).unwrap();
        if line.contains(" written, ") {
            return line;
        }
    }
}

/// A site killed in the middle of an update in place (every page's frame changed) is, once
/// the next start has repaired it, the site before the edit or the site after it.
#[test]
fn an_update_killed_in_place_is_finished_or_undone_by_the_next_start() {
    let dir = tempfile::tempdir().unwrap();
    let project = project(dir.path(), "600");
    let out = project.join("out");
    // The two sites: before and after the edit, as an uninterrupted session makes them.
    let (mut child, rx) = watch(&project);
    let before = site(&out);
    // How long the update's journal stands: the window the kills below aim at. (The
    // replaced files' second names and the journal go just after the report.) On a loaded
    // machine a short update can come and go between two looks: then the frame goes back
    // and the edit is made again.
    let journal = out.join(".rolesite-journal");
    let mut tries = 0;
    let window = loop {
        set_frame(&project, 1);
        if let Some(window) = journal_window(&journal, &rx) {
            break window;
        }
        tries += 1;
        assert!(tries < 5, "five updates came and went without their journal seen");
        set_frame(&project, 0);
        next_build(&rx);
    };
    wait_for(|| !journal.exists());
    let after = site(&out);
    child.kill().unwrap();
    child.wait().unwrap();
    assert_ne!(before, after);

    let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
    let mut outcomes = BTreeMap::<&str, u32>::new();
    // Six kills at least; more, up to 18, while one outcome has not been seen: on a loaded
    // machine the update's window moves, and six random kills may all land after it.
    let both = |o: &BTreeMap<&str, u32>| o.contains_key("undone") && o.contains_key("finished");
    for attempt in 0..18 {
        if attempt >= 6 && both(&outcomes) {
            break;
        }
        set_frame(&project, 0);
        let (mut child, _rx) = watch(&project);
        assert!(site(&out) == before, "attempt {attempt}: the session starts from the site before the edit");
        set_frame(&project, 1);
        // Killed at a pseudo-random moment after the update began: its journal is there.
        // Every other kill aims at the renames, once the new files are all written.
        let committed = || std::fs::read_to_string(&journal).is_ok_and(|j| j.lines().nth(2) == Some("committed"));
        let aim = if attempt % 2 == 0 { window } else { Duration::from_millis(3) };
        wait_for(|| if attempt % 2 == 0 { journal.exists() } else { committed() });
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        std::thread::sleep(Duration::from_micros((seed >> 33) % aim.as_micros() as u64));
        child.kill().unwrap();
        child.wait().unwrap();
        let interrupted = journal.exists();
        repair(&project);
        let now = site(&out);
        let outcome = match () {
            _ if now == before => "undone",
            _ if now == after => "finished",
            _ => panic!("attempt {attempt}: after repair the site is neither the old nor the new one"),
        };
        *outcomes.entry(if interrupted { outcome } else { "not interrupted" }).or_default() += 1;
        assert!(!journal.exists());
        let scratch: Vec<String> = now.keys().filter(|p| p.contains(".tmp-") || p.contains(".old-")).cloned().collect();
        assert!(scratch.is_empty(), "attempt {attempt}: {scratch:?}");
    }
    eprintln!("outcomes: {outcomes:?}");
    assert!(both(&outcomes), "{outcomes:?}");
}

/// The states a kill can leave an update in, made by hand: prepared (new files written
/// beside the old, not yet in place) is undone; committed is finished.
#[test]
fn a_prepared_update_is_undone_and_a_committed_one_finished() {
    let dir = tempfile::tempdir().unwrap();
    let project = project(dir.path(), "20");
    assert!(Command::new(BIN).args(["build", "-q", project.to_str().unwrap()]).status().unwrap().success());
    let out = project.join("out");
    let dead = {
        let mut child = Command::new("true").spawn().unwrap();
        child.wait().unwrap();
        child.id()
    };
    let page = out.join("items/2/index.html");
    let old = std::fs::read(&page).unwrap();
    for (state, expected) in [("prepared", old.clone()), ("committed", b"new page".to_vec())] {
        std::fs::write(&page, &old).unwrap();
        std::fs::write(page.with_file_name(format!(".index.html.tmp-{dead}")), "new page").unwrap();
        std::fs::hard_link(&page, page.with_file_name(format!(".index.html.old-{dead}"))).unwrap();
        let gone = out.join("items/3/index.html");
        let journal = format!("rolesite journal, v1\n{dead}\n{state}\n+items/2/index.html\n-items/3/index.html\n");
        std::fs::write(out.join(".rolesite-journal"), journal).unwrap();
        repair(&project);
        assert_eq!(std::fs::read(&page).unwrap(), expected, "{state}");
        assert_eq!(gone.exists(), state == "prepared", "{state}: the removal is finished only once committed");
        let names: Vec<String> = std::fs::read_dir(page.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["index.html"], "{state}: no second names left");
        assert!(!out.join(".rolesite-journal").exists());
        if !gone.exists() {
            // Put it back for the next state.
            std::fs::create_dir_all(gone.parent().unwrap()).unwrap();
            std::fs::write(&gone, "x").unwrap();
        }
    }
    // A journal naming a path out of the site is refused, not followed.
    std::fs::write(out.join(".rolesite-journal"), format!("rolesite journal, v1\n{dead}\ncommitted\n-../../x\n"))
        .unwrap();
    let project = rolesite::config::Project::load(&project).unwrap();
    let output = rolesite::write::Output::locate(&project, false).unwrap();
    assert!(rolesite::write::repair(&output).is_err());
}

/// A build killed after it moved the user's hidden entries into its new site, before the
/// swap: the next start gives them back.
#[test]
fn hidden_entries_a_killed_build_was_carrying_are_given_back() {
    let dir = tempfile::tempdir().unwrap();
    let project = project(dir.path(), "20");
    assert!(Command::new(BIN).args(["build", "-q", project.to_str().unwrap()]).status().unwrap().success());
    let dead = {
        let mut child = Command::new("true").spawn().unwrap();
        child.wait().unwrap();
        child.id()
    };
    // The state the kill left: the new site beside the output, holding .git and its list.
    let scratch = project.join(format!(".out.tmp-{dead}"));
    std::fs::create_dir_all(scratch.join(".git")).unwrap();
    std::fs::write(scratch.join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
    std::fs::copy(project.join("out/.rolesite"), scratch.join(".rolesite")).unwrap();
    std::fs::write(scratch.join(".rolesite-journal"), format!("rolesite journal, v1\n{dead}\ncarry\n+.git\n")).unwrap();
    let status = Command::new(BIN).args(["build", "-q", project.to_str().unwrap()]).status().unwrap();
    assert!(status.success());
    assert_eq!(std::fs::read_to_string(project.join("out/.git/HEAD")).unwrap(), "ref: refs/heads/main\n");
    assert!(!scratch.exists());
}

/// A table rewritten in place while builds run (a spreadsheet saving in chunks): every
/// build publishes one whole version of it, or refuses with the file named. Never a
/// truncated table. Once the file is left alone, the next build publishes it.
#[test]
fn an_input_rewritten_while_it_is_read_is_never_published_half_written() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("p");
    std::fs::create_dir_all(project.join("seeds")).unwrap();
    std::fs::write(project.join("seeds/vendors.csv"), "id,name\na,A社\nb,B社\n").unwrap();
    const ROWS: usize = 300;
    let version = |v: usize| {
        let mut text = String::from("項番,階層,作業項目,a,b,作業内容\n");
        for no in 1..=ROWS {
            text.push_str(&format!("{no},,版{v}の作業{no},◎,○,版{v}の説明{no}。{}\n", "長い説明".repeat(8)));
        }
        text.into_bytes()
    };
    let versions = [version(1), version(2)];
    let table = project.join("seeds/roles.csv");
    std::fs::write(&table, &versions[0]).unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (stop, table, versions) = (stop.clone(), table.clone(), versions.clone());
        std::thread::spawn(move || {
            let mut i = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let mut file = std::fs::OpenOptions::new().write(true).truncate(true).open(&table).unwrap();
                for chunk in versions[i % 2].chunks(4096) {
                    file.write_all(chunk).unwrap();
                    file.flush().unwrap();
                    std::thread::sleep(Duration::from_millis(1));
                }
                drop(file);
                i += 1;
                std::thread::sleep(Duration::from_millis(500 + (i as u64 * 397) % 700));
            }
        })
    };
    let build = || Command::new(BIN).args(["build", "-q", project.to_str().unwrap()]).output().unwrap();
    // The version a published site holds, checked whole and of one version.
    let published_version = |round: &str| {
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(project.join("out/data/roles.json")).unwrap()).unwrap();
        let rows = json["rows"].as_array().unwrap();
        assert_eq!(rows.len(), ROWS, "{round}: a truncated table was published");
        let first = rows[0]["name"].as_str().unwrap();
        let v = if first.starts_with("版1") { "版1" } else { "版2" };
        assert!(rows.iter().all(|r| r["name"].as_str().unwrap().starts_with(v)), "{round}: a mixed table");
        v
    };
    let (mut published, mut refused) = (0, 0);
    for round in 0..16 {
        let o = build();
        let stderr = String::from_utf8_lossy(&o.stderr);
        if !o.status.success() {
            assert!(stderr.contains("roles.csv: error[input-changed]"), "round {round}: {stderr}");
            refused += 1;
            continue;
        }
        published_version(&format!("round {round}"));
        published += 1;
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    writer.join().unwrap();
    // How many got through while the file was rewritten depends on how fast builds run
    // beside the rewrites (on a loaded machine, none may); once it is left alone, one does.
    eprintln!("published {published}, refused {refused}");
    let o = build();
    assert!(o.status.success(), "the file left alone: {}", String::from_utf8_lossy(&o.stderr));
    let last = std::fs::read_to_string(&table).unwrap();
    let expected = if last.contains("版1の作業1,") { "版1" } else { "版2" };
    assert_eq!(published_version("the file left alone"), expected, "the version last written");
}
