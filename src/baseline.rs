//! The previously published site a build is held to: its manifest (no URL it promised may
//! disappear) and its data (what the `changes/` page compares against). By default the
//! site in the output folder, which the build replaces; `--previous` names another folder
//! or a bare `urls.json`. A watching process reads it once, when it starts, so a session's
//! edits are compared with the site as it stood before them.

use crate::diag::{Code, Error, Location, Result};
use crate::manifest::Published;
use crate::urls;
use std::path::{Path, PathBuf};

/// The files of a site [`Baseline::load`] reads, by their paths inside it.
pub const FILES: [&str; 3] = [urls::MANIFEST, urls::ROLES_JSON, urls::CHANGES_JSON];

#[derive(Debug, Clone, Default)]
pub struct Baseline {
    /// The previous `urls.json`, as it was read; in part once a one-off build has planned
    /// its pages (`lean`), checked whole all the same (`Published::check`).
    pub manifest: Option<Published>,
    /// The previous `data/roles.json`, as bytes, and where it was read.
    pub roles: Option<(PathBuf, Vec<u8>)>,
    /// The previous `data/changes.json`.
    pub changes: Option<Vec<u8>>,
}

impl Baseline {
    /// The site in `path` (a folder) or the manifest at `path` (a file). A folder that does
    /// not exist yet is an empty baseline: nothing was published there.
    pub fn load(path: &Path) -> Result<Baseline> {
        if path.is_file() {
            return Ok(Baseline { manifest: Some(published(path)?), ..Default::default() });
        }
        // Read as project files are: a link planted in an old site is refused, not followed.
        let file = |name: &str| Some(path.join(name)).filter(|p| crate::files::exists(p));
        let read = |p: PathBuf| crate::files::bytes(&p).map(|b| (p, b));
        Ok(Baseline {
            manifest: file(urls::MANIFEST).map(|p| published(&p)).transpose()?,
            roles: file(urls::ROLES_JSON).map(read).transpose()?,
            changes: file(urls::CHANGES_JSON).map(read).transpose()?.map(|(_, b)| b),
        })
    }

    /// What a one-off build holds of it while its pages are made: the data, and of the
    /// manifest the entries of `urls` (the pages that show a published title: those the
    /// URL files retire). The manifest's check reads the file again
    /// (`manifest::Published::check`).
    pub fn lean<'u>(self, urls: impl IntoIterator<Item = &'u str>) -> Baseline {
        Baseline { manifest: self.manifest.map(|m| m.only(urls)), ..self }
    }

    /// `--previous` as given: it must exist, since the user named it.
    pub fn load_named(path: &Path) -> Result<Baseline> {
        if !path.exists() {
            let message = "--previous names nothing: give a published site's folder or its urls.json";
            return Err(Error::at(Code::Previous, Location::file_only(path), message));
        }
        Baseline::load(path)
    }
}

/// The manifest at `path`, as the published site has it.
fn published(path: &Path) -> Result<Published> {
    Published::read(path)
}
