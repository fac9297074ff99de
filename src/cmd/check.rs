//! `rolesite check`: read everything, print every finding compiler style, exit by severity.

use rolesite::config::Project;
use rolesite::diag::{Finding, Severity};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub project: super::ProjectDir,
    /// Fail on warnings too.
    #[arg(long)]
    pub strict: bool,
    /// Also print informational findings.
    #[arg(long, short)]
    pub verbose: bool,
}

/// Findings sorted by file, line and code, so the output is stable.
pub fn sorted(findings: &[Finding]) -> Vec<&Finding> {
    let mut list: Vec<&Finding> = findings.iter().collect();
    list.sort_by(|a, b| (&a.location, a.code, &a.message).cmp(&(&b.location, b.code, &b.message)));
    list
}

pub fn run(args: &Args) -> anyhow::Result<i32> {
    let project = Project::load(&args.project.dir)?;
    let table = rolesite::load(&project)?.table;
    // Everything a build reads: the narrative pages and the theme's templates too.
    rolesite::pages::load(&project)?;
    rolesite::theme::load(&project)?;
    let min = if args.verbose { Severity::Info } else { Severity::Warning };
    for f in sorted(&table.findings).into_iter().filter(|f| f.severity >= min) {
        println!("{f}");
    }
    let count = |s: Severity| table.findings.iter().filter(|f| f.severity == s).count();
    let (errors, warnings) = (count(Severity::Error), count(Severity::Warning));
    eprintln!(
        "checked {} rows ({} tasks, {} headings): {errors} error(s), {warnings} warning(s), {} note(s)",
        table.rows.len(),
        table.tasks().count(),
        table.headings().count(),
        count(Severity::Info)
    );
    Ok(if errors > 0 || (args.strict && warnings > 0) { 1 } else { 0 })
}
