//! The integration tests: one test binary, a module per topic (each file's opening comment
//! says what it holds), so that a cold `cargo test` links one binary rather than one per
//! topic. Tests of every topic share this process: `cargo test --test it browser::` runs one
//! topic, `cargo test --test it -- --list` lists them all.
//!
//! What the tests of one process share is kept apart by name: each topic builds its sites
//! under a folder of its own in `CARGO_TARGET_TMPDIR`, and no test sets an environment
//! variable or the current folder of this process (a child's `Command::env` and
//! `Command::current_dir` are its own).

mod common;

mod browser;
mod charts;
mod citation;
mod export;
mod formats;
mod hostile;
mod incremental;
mod inputs;
mod legends;
mod modules;
mod progress;
mod props;
mod publish;
mod revisions;
mod search;
mod seed;
mod serve;
mod site;
mod urls;
mod xss;
