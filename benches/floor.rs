//! The floor for `bench/perf.sh`: the least any generator must do to publish a given site.
//!
//! `floor TEMPLATE DEST` reads every file of `TEMPLATE` (a built site) into memory, then
//! writes the same tree into the fresh folder `DEST`: the same folders, files and bytes,
//! folders level by level and files in parallel on all cores (rayon), as `std::fs::write`
//! does it, with no fsync. Only that write is timed. It prints one line:
//!
//! `floor files=N dirs=D bytes=B wall_s=W user_s=U sys_s=S`
//!
//! where user and system CPU are this process's (all threads) over the write, read from
//! `/proc/self/stat` (so in clock ticks, 10 ms), or `-` where there is no `/proc`.
//! Registered as a `[[bench]]` with `harness = false`; without arguments (as under a bare
//! `cargo bench`) it prints its usage and succeeds.

use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let [template, dest] = args.as_slice() else {
        eprintln!("usage: floor TEMPLATE DEST   (DEST must not exist; see bench/perf.sh)");
        return;
    };
    if let Err(e) = run(Path::new(template), Path::new(dest)) {
        eprintln!("floor: {e}");
        std::process::exit(1);
    }
}

fn run(template: &Path, dest: &Path) -> std::io::Result<()> {
    if dest.exists() {
        return Err(std::io::Error::other(format!("{} exists: give a fresh folder", dest.display())));
    }
    let (dirs, files) = read_tree(template)?;
    let bytes: usize = files.iter().map(|(_, b)| b.len()).sum();

    let cpu0 = cpu_seconds();
    let t0 = Instant::now();
    std::fs::create_dir_all(dest)?;
    // Folders by depth, each level in parallel once its parents stand.
    let mut by_depth: Vec<Vec<&PathBuf>> = Vec::new();
    for d in &dirs {
        let depth = d.components().count();
        if by_depth.len() < depth {
            by_depth.resize(depth, Vec::new());
        }
        by_depth[depth - 1].push(d);
    }
    for level in &by_depth {
        level.par_iter().try_for_each(|d| std::fs::create_dir(dest.join(d)))?;
    }
    files.par_iter().try_for_each(|(path, content)| std::fs::write(dest.join(path), content))?;
    let wall = t0.elapsed().as_secs_f64();
    let cpu = match (cpu0, cpu_seconds()) {
        (Some((u0, s0)), Some((u1, s1))) => (format!("{:.2}", u1 - u0), format!("{:.2}", s1 - s0)),
        _ => ("-".into(), "-".into()),
    };
    println!(
        "floor files={} dirs={} bytes={} wall_s={:.3} user_s={} sys_s={}",
        files.len(),
        dirs.len(),
        bytes,
        wall,
        cpu.0,
        cpu.1
    );
    Ok(())
}

type Tree = (Vec<PathBuf>, Vec<(PathBuf, Vec<u8>)>);

/// Every folder (relative, not the root itself) and every file with its bytes.
fn read_tree(root: &Path) -> std::io::Result<Tree> {
    let mut dirs = Vec::new();
    let mut paths = Vec::new();
    for entry in walkdir::WalkDir::new(root).min_depth(1) {
        let entry = entry.map_err(std::io::Error::other)?;
        let rel = entry.path().strip_prefix(root).map_err(std::io::Error::other)?.to_path_buf();
        if entry.file_type().is_dir() {
            dirs.push(rel);
        } else if entry.file_type().is_file() {
            paths.push(rel);
        }
    }
    let files = paths
        .into_par_iter()
        .map(|rel| std::fs::read(root.join(&rel)).map(|bytes| (rel, bytes)))
        .collect::<std::io::Result<Vec<_>>>()?;
    Ok((dirs, files))
}

/// User and system CPU seconds of this process so far (fields 14 and 15 of
/// `/proc/self/stat`, in ticks of 1/100 s, which is USER_HZ on Linux).
fn cpu_seconds() -> Option<(f64, f64)> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name (field 2) may hold spaces; the fields after it follow its ')'.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let user: f64 = fields.get(11)?.parse().ok()?;
    let system: f64 = fields.get(12)?.parse().ok()?;
    Some((user / 100.0, system / 100.0))
}
