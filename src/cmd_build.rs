//! `rolesite build`: the seed (or any project) → the site in `out/`.

use crate::config::Project;
use crate::diag::Severity;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Project folder (holds site.toml, seeds/, content/).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Output folder, overriding site.toml.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Print nothing but errors.
    #[arg(long, short, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Also print how long each stage took.
    #[arg(long, short)]
    pub verbose: bool,
    /// The published site this build must keep every URL of, and that the changes page
    /// compares with: its folder, or its urls.json. Default: the output folder.
    #[arg(long, value_name = "FILE|DIR")]
    pub previous: Option<PathBuf>,
    /// Keep running: rebuild whenever seeds/, content/, themes/ or site.toml change.
    #[arg(long, short)]
    pub watch: bool,
    /// Let files in the output folder that rolesite did not write go with the old site
    /// (hidden entries at its top, such as .git, are always kept).
    #[arg(long)]
    pub clean: bool,
}

pub fn run(args: &Args) -> anyhow::Result<i32> {
    if args.watch {
        let output = args.output.as_ref().map(|o| std::env::current_dir().map(|d| d.join(o))).transpose()?;
        let verbose = args.verbose;
        let report = |o: &crate::watch::Outcome| {
            if verbose {
                eprint!("{}", o.stages());
            }
            eprintln!("{o}");
        };
        let mut session =
            crate::watch::Session::start(&args.dir, output.as_deref(), args.previous.as_deref(), args.clean)?;
        report(&crate::watch::rebuild(&args.dir, output.as_deref(), &mut session));
        eprintln!("watching {} for changes (Ctrl-C to stop)", args.dir.display());
        crate::watch::watch(&args.dir, output.as_deref(), &mut session, report)?;
        return Ok(0);
    }
    let start = Instant::now();
    let mut project = Project::load(&args.dir)?;
    if let Some(out) = &args.output {
        project.config.output = std::env::current_dir()?.join(out);
    }
    // Progress only for a person at a terminal, and not when asked to be quiet. Dropping
    // the bar clears it, on success and on error alike.
    let bar = if args.quiet { None } else { crate::progress::Bar::on_terminal() };
    let progress = bar.as_ref().map(|b| b as &dyn crate::progress::Progress);
    let options = crate::BuildOptions { previous: args.previous.as_deref(), clean: args.clean };
    let (rendered, written) = crate::build(&project, options, progress)?;
    drop(bar);
    written.warnings.iter().for_each(|w| eprintln!("warning: {w}"));
    if args.verbose {
        eprint!("{}", crate::stage_lines(&rendered.stages));
    }
    let total = start.elapsed();
    if !args.quiet {
        let warnings = rendered.table.findings.iter().filter(|f| f.severity == Severity::Warning).count();
        eprintln!(
            "built {} files ({} KiB, {} unchanged) from {} rows into {} in {} ms; {warnings} data warning(s), see `rolesite check`",
            written.files,
            written.bytes / 1024,
            written.unchanged,
            rendered.table.rows.len(),
            project.output().display(),
            total.as_millis(),
        );
        if !written.carried.is_empty() {
            eprintln!("kept from the previous site: {}", written.carried.join(", "));
        }
    }
    Ok(0)
}
