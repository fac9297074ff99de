//! `rolesite release`: freeze the current data as a published revision (see
//! `rolesite::release`).

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub project: super::ProjectDir,
    /// The revision's label, part of its URLs (rev/<label>/); default: the document's date
    /// (2016-05).
    #[arg(long)]
    pub label: Option<String>,
}

pub fn run(args: &Args) -> anyhow::Result<i32> {
    let project = rolesite::config::Project::load(&args.project.dir)?;
    let r = rolesite::release::release(&project, args.label.as_deref(), &rolesite::release::today())?;
    eprintln!(
        "released {} ({} rows, {} URLs) into {}: commit it; the next build publishes it under rev/{}/",
        r.label,
        r.rows,
        r.urls,
        r.dir.display(),
        r.label
    );
    Ok(0)
}
