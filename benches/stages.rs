//! The in-process stages of a build, on a generated 10,000-task table (25 vendors):
//! read and check (`rolesite::load`), index, everything in memory (`render_site`: read,
//! check, index, render, link check, manifest) and the write into a fresh folder.
//! The render stage alone is about `render_site` minus `load` and `index`.
//!
//! `cargo bench --bench stages` (sample sizes are small: a few minutes in all).
//! `ROLESITE_BENCH_ITEMS=1000 cargo bench --bench stages` for another size.
//! Each sample of the write goes into a folder of its own, all deleted at the end.

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

/// 10,000 tasks under `cargo bench`; 300 when `cargo test --all-targets` runs each
/// benchmark once as a test (without `--bench`).
fn items() -> usize {
    let default = if std::env::args().any(|a| a == "--bench") { 10_000 } else { 300 };
    std::env::var("ROLESITE_BENCH_ITEMS").ok().and_then(|s| s.parse().ok()).unwrap_or(default)
}

/// A generated project in a temporary folder, through the binary's own `gen` command.
fn project(dir: &Path) -> rolesite::config::Project {
    let bin = env!("CARGO_BIN_EXE_rolesite");
    let status = std::process::Command::new(bin)
        .args(["gen", "--items", &items().to_string(), "--vendors", "25"])
        .arg(dir)
        .stdout(std::process::Stdio::null())
        .status()
        .expect("run rolesite gen");
    assert!(status.success(), "rolesite gen failed");
    rolesite::config::Project::load(dir).expect("load site.toml")
}

fn stages(c: &mut Criterion) {
    let tmp = tempfile::tempdir().expect("temporary folder");
    let project = project(&tmp.path().join("project"));
    let baseline = rolesite::baseline::Baseline::default();
    let n = items();

    let mut group = c.benchmark_group(format!("stages/{n}"));
    group.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(10));

    group.bench_function("load (read + check)", |b| b.iter(|| black_box(rolesite::load(&project).unwrap())));

    let loaded = rolesite::load(&project).unwrap();
    group.bench_function("index", |b| b.iter(|| black_box(rolesite::index::build(&loaded.table, &loaded.catalog))));

    group.bench_function("render_site (load..manifest, in memory)", |b| {
        b.iter(|| black_box(rolesite::render_site(&project, &baseline, Default::default()).unwrap()))
    });

    // Each sample writes into a folder of its own, and none is deleted before the end: on
    // ext4 without a journal, creating files soon after deleting many is several times
    // slower (see bench/perf.sh). 10,000 tasks: about 0.25 GB per sample.
    let rendered = rolesite::render_site(&project, &baseline, Default::default()).unwrap();
    let mut k = 0usize;
    group.bench_function("write (fresh folder)", |b| {
        b.iter_batched(
            || {
                k += 1;
                let mut project = project.clone();
                project.config.output = tmp.path().join(format!("out-{k}"));
                rolesite::write::Output::locate(&project, false).unwrap()
            },
            |out| black_box(rolesite::write::write(&out, &rendered.pages, &rendered.trees).unwrap()),
            criterion::BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
