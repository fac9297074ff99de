//! `rolesite release`: freeze the data as it stands as a published revision, in
//! `revisions/<label>/` of the project: its `roles.json` (the documented export), the URLs
//! its frozen pages publish (`urls.json`) and what it was released as (`revision.json`),
//! for the maintainer to commit. Nothing else changes; the next build publishes it under
//! `rev/<label>/`.

use crate::config::Project;
use crate::diag::{Code, Error, Location, Result};
use crate::manifest::{Entry, Manifest};
use crate::revisions::{self, Meta, Revision};
use crate::{export, pipeline, read, theme, urls};
use std::path::{Path, PathBuf};

/// What a release wrote.
pub struct Released {
    pub label: String,
    pub dir: PathBuf,
    pub urls: usize,
    pub rows: usize,
}

/// Release the project's data as revision `label` (default: the document's ISO date),
/// released on `day` (ISO 8601). A label that exists, a table with errors, or a date the
/// document does not state with no label given is refused, and nothing is written.
pub fn release(project: &Project, label: Option<&str>, day: &str) -> Result<Released> {
    let (table, continuity, theme, mut existing) = pipeline::settled(project, || {
        let loaded = pipeline::load(project)?;
        Error::from_findings(&loaded.table.findings)?;
        let continuity = read::continuity::load(project)?;
        Ok((loaded.table, continuity, theme::load(project)?, revisions::read(project, &|_, _| false)?))
    })?;
    let folder = revisions::folder(project)?;
    let at = Location::file_only(&folder);
    let label = match label.map(str::to_string).or_else(|| table.document.date.clone()) {
        Some(l) => l,
        None => {
            let message = "the document states no date to label the revision with: give one with --label";
            return Err(Error::at(Code::Revision, at, message));
        }
    };
    revisions::check_label(&label).map_err(|m| Error::at(Code::Revision, at.clone(), m))?;
    if let Some(r) = existing.iter().find(|r| r.label() == label) {
        let message = format!(
            "revision {label} was released on {}: a released revision never changes; give another --label",
            r.meta.released
        );
        return Err(Error::at(Code::Revision, Location::file_only(&folder.join(&label)), message));
    }
    let data = export::roles_json(&table, &project.root, None).0;
    let sequence = existing.iter().map(|r| r.meta.sequence).max().unwrap_or(0) + 1;
    let moves = pipeline::renumbered(&continuity).into_iter().collect();
    let meta = Meta { label: label.clone(), sequence, released: day.to_string(), moves };
    let meta_text = serde_json::to_string_pretty(&meta).expect("strings and numbers") + "\n";
    // Read back as any build will read it: what is released is what the schema accepts.
    let frozen = read::frozen::read_text(&folder.join(&label).join(revisions::DATA), &data)?;
    let revision = Revision {
        meta,
        table: crate::model::Frame::sharing(frozen, None),
        urls_file: PathBuf::new(),
        data_file: PathBuf::new(),
        data: Some(data.clone().into_bytes().into()),
        key: 0,
    };
    existing.push(revision);
    let k = existing.len() - 1;
    let made = pipeline::frozen_site(project, &theme, &existing, k, |_| Ok(()))?;
    let entries = made.iter().filter_map(|(m, _)| {
        let (kind, title) = m.page.listing.as_ref()?;
        Some(Entry { url: urls::url_of_file(&m.page.path), kind, title })
    });
    let manifest = Manifest::new(entries);
    let dir = write_folder(
        &folder,
        &label,
        &[
            (revisions::DATA, data.as_bytes()),
            (revisions::META, meta_text.as_bytes()),
            (revisions::URLS, manifest.to_json().as_bytes()),
        ],
    )?;
    Ok(Released { label, dir, urls: manifest.len(), rows: existing[k].table.len() })
}

/// Write `files` into a new folder `label` of `folder` at once: made aside, then renamed
/// into place, so a killed release leaves no half revision. The revisions folder must be a
/// real folder of the project; a folder at the label's name stops it.
fn write_folder(folder: &Path, label: &str, files: &[(&str, &[u8])]) -> Result<PathBuf> {
    match std::fs::symlink_metadata(folder) {
        Ok(m) if !m.is_dir() => {
            let message = "is not a folder: released revisions are kept in a folder of the project";
            return Err(Error::at(Code::Revision, Location::file_only(folder), message));
        }
        Ok(_) => {}
        Err(_) => std::fs::create_dir_all(folder).map_err(|e| Error::io(folder, e))?,
    }
    let dir = folder.join(label);
    if std::fs::symlink_metadata(&dir).is_ok() {
        let message = "already exists: a revision is released into a folder of its own";
        return Err(Error::at(Code::Revision, Location::file_only(&dir), message));
    }
    let aside = folder.join(format!(".{label}.tmp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&aside);
    std::fs::create_dir(&aside).map_err(|e| Error::io(&aside, e))?;
    let written = files.iter().try_for_each(|(name, bytes)| {
        let path = aside.join(name);
        std::fs::write(&path, bytes).map_err(|e| Error::io(&path, e))
    });
    let moved = written.and_then(|_| std::fs::rename(&aside, &dir).map_err(|e| Error::io(&dir, e)));
    if moved.is_err() {
        let _ = std::fs::remove_dir_all(&aside);
    }
    moved.map(|_| dir)
}

/// Today as ISO 8601 (`2026-12-05`, UTC), or the day of `SOURCE_DATE_EPOCH` when set, for
/// releases made again to the same bytes.
pub fn today() -> String {
    let epoch = std::env::var("SOURCE_DATE_EPOCH").ok().and_then(|s| s.parse::<i64>().ok());
    let secs = epoch.unwrap_or_else(|| {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
        now.map_or(0, |d| d.as_secs() as i64)
    });
    let (y, m, d) = crate::wareki::civil_from_days(secs.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}
