//! The program's verbs, one module each with its `Args` and `run`; and what only a running
//! program has: a terminal's progress bar, a file watcher, an HTTP server.

pub mod build;
pub mod check;
pub mod gen;
pub mod init;
pub mod progress;
pub mod release;
pub mod serve;
pub mod urls;
pub mod watch;

use std::path::PathBuf;

/// The project folder a verb works on: declared once, flattened into each verb's `Args`.
#[derive(Debug, clap::Args)]
pub struct ProjectDir {
    /// Project folder (holds site.toml, seeds/, content/).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
}

/// Where a verb that writes the site writes it, and what it may replace there: declared
/// once for `build` and `serve`.
#[derive(Debug, clap::Args)]
pub struct OutputFolder {
    /// Output folder, overriding site.toml.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Let files in the output folder that rolesite did not write go with the old site
    /// (hidden entries at its top, such as .git, are always kept).
    #[arg(long)]
    pub clean: bool,
}
