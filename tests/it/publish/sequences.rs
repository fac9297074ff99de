//! Random sequences of builds, edits and kills against one project: after every step, once
//! the next start has repaired what a kill left, the output is one whole site, and nothing
//! outside it (the user's `.git` in it, a folder beside it, the project) has changed.

use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_rolesite");

#[derive(Debug, Clone)]
enum Step {
    /// Give the site another title: every page changes.
    Edit(u8),
    Build,
    /// A build killed after this fraction (in thousandths) of a build's time.
    KillBuild(u16),
    /// `build --watch` killed this far (in thousandths) into the update an edit started.
    KillWatch(u8, u16),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0u8..3).prop_map(Step::Edit),
        Just(Step::Build),
        (0u16..1000).prop_map(Step::KillBuild),
        ((0u8..3), (0u16..1000)).prop_map(|(v, at)| Step::KillWatch(v, at)),
    ]
}

struct World {
    _dir: tempfile::TempDir,
    project: PathBuf,
    /// A folder beside the output, and the user's history inside it: never touched.
    beside: PathBuf,
    /// How long one build takes here, to aim the kills.
    build_time: Duration,
    /// The titles the site has been given: a whole site shows one of them.
    titles: BTreeSet<String>,
}

fn title(v: u8) -> String {
    format!("役割分担表 第{v}版")
}

fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("p");
    let gen = Command::new(BIN).args(["gen", project.to_str().unwrap(), "--items", "150", "--vendors", "6"]).output();
    assert!(gen.unwrap().status.success());
    std::fs::write(project.join("site.toml"), format!("title = {:?}\n", title(0))).unwrap();
    let start = Instant::now();
    assert!(build(&project).status.success());
    let build_time = start.elapsed();
    let beside = dir.path().join("p/backup");
    std::fs::create_dir_all(&beside).unwrap();
    std::fs::write(beside.join("notes.txt"), "手元の控え").unwrap();
    std::fs::create_dir_all(project.join("out/.git/objects")).unwrap();
    std::fs::write(project.join("out/.git/HEAD"), "ref: refs/heads/main\n").unwrap();
    World { _dir: dir, project, beside, build_time, titles: [title(0)].into() }
}

fn build(project: &Path) -> std::process::Output {
    Command::new(BIN).args(["build", "-q", project.to_str().unwrap()]).output().unwrap()
}

fn edit(world: &mut World, v: u8) {
    world.titles.insert(title(v));
    std::fs::write(world.project.join("site.toml"), format!("title = {:?}\n", title(v))).unwrap();
}

fn run(world: &mut World, step: &Step) {
    let project = world.project.clone();
    match *step {
        Step::Edit(v) => edit(world, v),
        Step::Build => {
            let o = build(&project);
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        }
        Step::KillBuild(at) => {
            let mut child = Command::new(BIN).args(["build", "-q", project.to_str().unwrap()]).spawn().unwrap();
            std::thread::sleep(world.build_time * u32::from(at) / 1000);
            let _ = child.kill();
            child.wait().unwrap();
        }
        Step::KillWatch(v, at) => {
            let mut child = Command::new(BIN)
                .args(["build", "--watch", "-q", project.to_str().unwrap()])
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            let stderr = child.stderr.take().unwrap();
            let (tx, rx) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                use std::io::BufRead;
                for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
                    let _ = tx.send(line);
                }
            });
            // The first build (a whole one), then the edit and its update in place.
            let first = rx.recv_timeout(Duration::from_secs(120));
            if first.is_ok_and(|l| l.contains(" written, ")) {
                edit(world, v);
                std::thread::sleep(world.build_time * u32::from(at) / 1000);
            }
            let _ = child.kill();
            child.wait().unwrap();
        }
    }
}

/// The next start repairs what a kill left; then the output must be one whole site.
fn assert_whole(world: &World) {
    let project = rolesite::config::Project::load(&world.project).unwrap();
    let output = rolesite::write::Output::locate(&project, false).unwrap();
    rolesite::write::repair(&output).unwrap();
    let out = world.project.join("out");
    let leftovers: Vec<_> = std::fs::read_dir(&world.project)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".out."))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let files: BTreeMap<String, Vec<u8>> = walkdir::WalkDir::new(&out)
        .min_depth(1)
        .into_iter()
        .filter_entry(|e| e.file_name() != ".git")
        .map(Result::unwrap)
        .filter(|e| !e.file_type().is_dir())
        .map(|e| {
            (e.path().strip_prefix(&out).unwrap().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap())
        })
        .collect();
    let marker = String::from_utf8(files[".rolesite"].clone()).unwrap();
    let listed: BTreeSet<&str> = marker.lines().skip(1).collect();
    let present: BTreeSet<&str> = files.keys().map(String::as_str).filter(|p| *p != ".rolesite").collect();
    assert_eq!(listed, present, "the marker lists exactly the files there (no scratch, no journal)");
    // One site: every page shows the same title, one the site was given.
    let shown: BTreeSet<String> = files
        .iter()
        .filter(|(p, _)| p.ends_with(".html"))
        .filter_map(|(_, b)| {
            let page = String::from_utf8_lossy(b);
            let head = page.split("</title>").next()?;
            Some(head.rsplit(" | ").next()?.trim().to_string()).filter(|_| head.contains(" | "))
        })
        .collect();
    assert_eq!(shown.len(), 1, "pages of different builds: {shown:?}");
    assert!(world.titles.contains(shown.iter().next().unwrap()), "{shown:?}");
    let manifest: serde_json::Value = serde_json::from_slice(&files["urls.json"]).unwrap();
    for entry in manifest["urls"].as_array().unwrap() {
        let url = entry["url"].as_str().unwrap();
        let file = if url.is_empty() || url.ends_with('/') { format!("{url}index.html") } else { url.to_string() };
        assert!(files.contains_key(&file), "urls.json lists {url}, which is missing");
    }
    // Nothing that is not the site changed.
    assert_eq!(std::fs::read_to_string(out.join(".git/HEAD")).unwrap(), "ref: refs/heads/main\n");
    assert!(out.join(".git/objects").is_dir());
    assert_eq!(std::fs::read_to_string(world.beside.join("notes.txt")).unwrap(), "手元の控え");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn after_any_sequence_of_builds_edits_and_kills_the_output_is_one_whole_site(
        steps in proptest::collection::vec(step(), 1..6)
    ) {
        let mut world = world();
        assert_whole(&world);
        for (i, s) in steps.iter().enumerate() {
            run(&mut world, s);
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| assert_whole(&world)));
            prop_assert!(result.is_ok(), "after step {i} ({s:?}) of {steps:?}");
        }
    }
}
