//! `rolesite init DIR`: a new site that builds at once, with the default theme written out.

use rolesite::diag::{Code, Error, Location};
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Folder to create (must be empty or absent).
    pub dir: PathBuf,
}

const SITE_TOML: &str = r#"# rolesite configuration
theme = "default"
output = "out"
# base_url = "https://example.go.jp/roles"   # enables canonical links and sitemap.xml

# Copy a file from the default theme into themes/default/ (same path) to change it;
# files you do not copy keep coming from rolesite itself.

[document]
title = "役割分担表"
# annex = "別紙1"
# issuer = "発行元"
# date = "令和8年4月"   # wareki or 2026-04
"#;

// Header only: the site builds at once and fills as rows are added.
const VENDORS: &str = "id,name,short,aliases,subsystems\n";
const ROLES: &str = "項番,階層,作業項目,作業内容\n";
const PAGE: &str = "+++\ntitle = \"この表の読み方\"\norder = 1\n+++\n\n◎は主たる作業を行う者、○は作業に協力する者を示します。\n\n事業者は `seeds/vendors.csv` に、作業は `seeds/roles.csv` に書きます。\n";

pub fn run(args: &Args) -> anyhow::Result<i32> {
    init(&args.dir)?;
    eprintln!("created a new site in {}; build it with: rolesite build {}", args.dir.display(), args.dir.display());
    Ok(0)
}

pub fn init(dir: &Path) -> rolesite::diag::Result<()> {
    if dir.exists() && std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?.next().is_some() {
        return Err(Error::at(Code::Init, Location::file_only(dir), "folder is not empty; choose a new one"));
    }
    let files: Vec<(PathBuf, &str)> = vec![
        ("site.toml".into(), SITE_TOML),
        ("seeds/vendors.csv".into(), VENDORS),
        ("seeds/roles.csv".into(), ROLES),
        ("content/guide.md".into(), PAGE),
    ];
    for (rel, text) in files {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        std::fs::write(&path, text).map_err(|e| Error::io(&path, e))?;
    }
    Ok(())
}
