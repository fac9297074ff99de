//! Publishing: a build killed (SIGKILL) at any moment leaves the output folder a whole
//! site, the old one or the new one, never a mix and never missing; and a build replaces
//! only a folder of its own, and in it only what it wrote (`publish/ownership.rs`).

mod interrupted;
mod ownership;
mod sequences;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (e.path().strip_prefix(root).unwrap().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap())
        })
        .collect()
}

fn copy_project(to: &Path) {
    for dir in ["seeds", "content"] {
        std::fs::create_dir_all(to.join(dir)).unwrap();
        for entry in std::fs::read_dir(Path::new(ROOT).join(dir)).unwrap() {
            let path = entry.unwrap().path();
            std::fs::copy(&path, to.join(dir).join(path.file_name().unwrap())).unwrap();
        }
    }
}

fn set_title(project: &Path, title: &str) {
    std::fs::write(project.join("site.toml"), format!("title = \"{title}\"\n")).unwrap();
}

fn build(project: &Path, out: &Path) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_rolesite"))
        .args(["build", "-q", project.to_str().unwrap(), "-o", out.to_str().unwrap()])
        .spawn()
        .unwrap()
}

#[test]
fn a_killed_build_leaves_a_whole_site() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("project");
    copy_project(&project);
    // The two sites the output may hold. Each replaces the other, as in the loop below:
    // the changes page compares a build with the site it replaces.
    let mut sites = [BTreeMap::new(), BTreeMap::new()];
    let mut took = Duration::ZERO;
    let reference = dir.path().join("reference");
    for (i, title) in [(0, "旧い題名"), (1, "新しい題名"), (0, "旧い題名")] {
        set_title(&project, title);
        let start = Instant::now();
        assert!(build(&project, &reference).wait().unwrap().success());
        took = took.max(start.elapsed());
        sites[i] = tree(&reference);
    }
    assert_ne!(sites[0], sites[1]);
    let out = dir.path().join("out");
    for title in ["新しい題名", "旧い題名"] {
        set_title(&project, title);
        assert!(build(&project, &out).wait().unwrap().success());
    }
    assert!(tree(&out) == sites[0]);
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let (mut killed, mut finished) = (0, 0);
    let mut i = 0;
    while killed < 20 && i < 150 {
        i += 1;
        set_title(&project, ["旧い題名", "新しい題名"][i % 2]);
        // Deterministic pseudo-random moments across the whole build.
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let delay = Duration::from_micros((seed >> 33) % (took.as_micros() as u64 * 9 / 10 + 1));
        let mut child = build(&project, &out);
        std::thread::sleep(delay);
        match child.try_wait().unwrap() {
            Some(_) => finished += 1,
            None => {
                child.kill().unwrap();
                killed += 1;
            }
        }
        child.wait().unwrap();
        assert!(out.is_dir(), "iteration {i} ({delay:?}): the output folder is missing");
        let now = tree(&out);
        assert!(
            now == sites[0] || now == sites[1],
            "iteration {i} ({delay:?}): the output is neither the old nor the new site"
        );
    }
    assert!(killed >= 20, "only {killed} builds were killed ({finished} finished first)");
    // The next build cleans up what the killed ones left beside the output.
    assert!(build(&project, &out).wait().unwrap().success());
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".out."))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
