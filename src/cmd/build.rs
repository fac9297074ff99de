//! `rolesite build`: the seed (or any project) → the site in `out/`.

use rolesite::config::Project;
use rolesite::diag::Severity;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub project: super::ProjectDir,
    #[command(flatten)]
    pub out: super::OutputFolder,
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
    /// For `serve`, which runs the rebuilds in a process of its own: report on stdout, one
    /// JSON line each, and stop once stdin closes (`serve` ended).
    #[arg(long, hide = true, requires = "watch")]
    pub for_serve: bool,
    /// For `serve`, after its rebuilding process died: no first build; the next change
    /// builds, so a project whose build kills the process does not kill it over and over.
    #[arg(long, hide = true, requires = "for_serve")]
    pub after_change: bool,
}

pub fn run(args: &Args) -> anyhow::Result<i32> {
    if args.watch {
        return watch(args);
    }
    let start = Instant::now();
    let mut project = Project::load(&args.project.dir)?;
    if let Some(out) = &args.out.output {
        project.config.output = std::env::current_dir()?.join(out);
    }
    // Progress only for a person at a terminal, and not when asked to be quiet. Dropping
    // the bar clears it, on success and on error alike.
    let bar = if args.quiet { None } else { super::progress::Bar::on_terminal() };
    let progress = bar.as_ref().map(|b| b as &dyn rolesite::progress::Progress);
    let options = rolesite::BuildOptions { previous: args.previous.as_deref(), clean: args.out.clean };
    let (rendered, written) = rolesite::build(&project, options, progress)?;
    drop(bar);
    written.warnings.iter().for_each(|w| eprintln!("warning: {w}"));
    if args.verbose {
        eprint!("{}", rolesite::stage_lines(&rendered.stages));
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

/// `build --watch`: build, then rebuild on every change, reporting each to a person on
/// stderr, or to `serve` on stdout.
fn watch(args: &Args) -> anyhow::Result<i32> {
    use super::watch::{Event, Report};
    let output = args.out.output.as_ref().map(|o| std::env::current_dir().map(|d| d.join(o))).transpose()?;
    let (dir, verbose) = (&args.project.dir, args.verbose);
    let mut session =
        rolesite::rebuild::Session::start(dir, output.as_deref(), args.previous.as_deref(), args.out.clean)?;
    let watcher = super::watch::Watcher::default();
    let mut report: Box<dyn FnMut(Event)> = if args.for_serve {
        stop_when_stdin_closes(watcher.stopper());
        Box::new(|event| to_serve(&Report::from(event)))
    } else {
        Box::new(|event| match event {
            Event::Watching => eprintln!("watching {} for changes (Ctrl-C to stop)", dir.display()),
            Event::Built(outcome) => {
                if verbose {
                    eprint!("{}", outcome.stages());
                }
                eprintln!("{outcome}");
            }
        })
    };
    if !args.after_change {
        report(Event::Built(&rolesite::rebuild::rebuild(dir, output.as_deref(), &mut session)));
    }
    watcher.run(dir, output.as_deref(), &mut session, report)?;
    Ok(0)
}

/// One line to `serve`. Should it be gone, the line is lost, and stdin closing stops us.
fn to_serve(report: &super::watch::Report) {
    use std::io::Write;
    let Ok(line) = serde_json::to_string(report) else { return };
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{line}").and_then(|()| stdout.flush());
}

/// `serve` holds our stdin open and never writes to it: when it closes, `serve` has ended,
/// however it ended (a SIGKILL too), and so do we, once the rebuild under way is done.
fn stop_when_stdin_closes(stop: super::watch::Stop) {
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut std::io::stdin().lock(), &mut std::io::sink());
        stop.stop();
    });
}
