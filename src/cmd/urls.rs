//! `rolesite urls`: the manifest for people writing specifications, and `--check OLD` to
//! see whether every URL of an older manifest still answers, without writing anything.

use rolesite::baseline::Baseline;
use rolesite::config::Project;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub project: super::ProjectDir,
    /// A published urls.json (or a site's folder): fail, listing them, if any of its URLs
    /// would disappear.
    #[arg(long, value_name = "OLD.json")]
    pub check: Option<PathBuf>,
    /// Print urls.json itself instead of a table.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &Args) -> anyhow::Result<i32> {
    let project = Project::load(&args.project.dir)?;
    let baseline = match &args.check {
        Some(old) => Baseline::load_named(old)?,
        None => Baseline::default(),
    };
    let rendered = rolesite::render_site(&project, &baseline, Default::default())?;
    let manifest = rendered.manifest.expect("a site made in memory holds its manifest");
    if let (Some(path), Some(old)) = (&args.check, baseline.manifest.as_ref().map(|p| &p.manifest)) {
        let new = manifest.iter().filter(|e| old.get(e.url).is_none()).count();
        eprintln!("ok: all {} URLs of {} still answer ({new} new)", old.len(), path.display());
        return Ok(0);
    }
    if args.json {
        print!("{}", manifest.to_json());
        return Ok(0);
    }
    // A frozen page's revision in a fourth column: what a specification cites it as.
    for e in manifest.iter() {
        let url = if e.url.is_empty() { "./" } else { e.url };
        match rolesite::urls::revision_of(e.url) {
            Some(label) => println!("{url}\t{}\t{}\t{label}", e.kind, e.title),
            None => println!("{url}\t{}\t{}", e.kind, e.title),
        }
    }
    Ok(0)
}
