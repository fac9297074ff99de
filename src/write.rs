//! The only writer of the site: render aside into a temporary folder beside the output,
//! then swap it in, so a failed or killed build leaves the previous site whole.

use crate::diag::{Error, Result};
use crate::render::Page;
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// What a write did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    pub files: usize,
    pub bytes: usize,
    /// Files carried over from the previous site unchanged.
    pub unchanged: usize,
    /// Files of the previous site the new one no longer has.
    pub removed: usize,
}

pub fn write(out: &Path, pages: &[Page]) -> Result<Written> {
    write_reporting(out, pages, None)
}

/// `write`, reporting each file written to `progress`.
pub fn write_reporting(
    out: &Path,
    pages: &[Page],
    progress: Option<&dyn crate::progress::Progress>,
) -> Result<Written> {
    let (tmp, old) = scratch(out)?;
    if let Some(p) = progress {
        p.stage("書き込み", Some(pages.len() as u64));
    }
    let written = write_tree(&tmp, pages, out, progress)?;
    swap(out, &tmp, &old)?;
    Ok(written)
}

/// Beside `out`, the names of this process's new site and of the old one stepping aside
/// (`.out.tmp-<pid>`, `.out.old-<pid>`), after repairing what a killed build left
/// (`recover`) and clearing the first.
fn scratch(out: &Path) -> Result<(PathBuf, PathBuf)> {
    let parent = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    let name = out.file_name().and_then(|n| n.to_str()).unwrap_or("out");
    let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    let old = parent.join(format!(".{name}.old-{}", std::process::id()));
    recover(out)?;
    remove(&tmp)?;
    Ok((tmp, old))
}

/// Bring a folder this process wrote last time from `previous` to `pages` in place: the
/// changed files only, each written beside its old self and renamed over it, so a reader
/// sees the old or the new file and never part of one; then the files that are gone
/// (`gone`, as `Previous::gone` found them), and folders left empty. Fast after a small
/// edit, where `write` re-creates every folder; but the site is whole only file by file,
/// which is why only a watching process uses it and a one-off `build` swaps whole sites.
///
/// A replaced file is given a second name before the rename, so the rename only drops a
/// link: on ext4, freeing a large file's pages inside the rename took most of a rebuild's
/// write (a role edit of a 10,000-task table changes 37 files, 50 MB: its write took 35 ms
/// at the median without the second names, 8 ms with them, 10 edits each, alternately).
/// The old files are removed when the returned [`Retired`] is dropped, after the rebuild
/// has been reported.
pub fn update(out: &Path, pages: &[Page], gone: &[String]) -> Result<(Written, Retired)> {
    let changed: Vec<&Page> = pages.iter().filter(|p| !p.unchanged).collect();
    create_folders(out, changed.iter().copied())?;
    // Made first, so an error below still removes the second names made so far.
    let retired = Retired(changed.iter().map(|p| beside(&out.join(&p.path), "old")).collect());
    changed.par_iter().try_for_each(|page| {
        let path = out.join(&page.path);
        let aside = beside(&path, "tmp");
        std::fs::write(&aside, &page.bytes).map_err(|e| Error::io(&aside, e))?;
        // Only a speed-up: a new file has no old self, and without the link the rename
        // frees the old file itself.
        let _ = std::fs::hard_link(&path, beside(&path, "old"));
        std::fs::rename(&aside, &path).map_err(|e| Error::io(&path, e))
    })?;
    for path in gone {
        let file = out.join(path);
        match std::fs::remove_file(&file) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(Error::io(&file, e)),
            _ => remove_empty_parents(out, &file),
        }
    }
    let bytes = pages.iter().map(|p| p.bytes.len()).sum();
    let written = Written { files: pages.len(), bytes, unchanged: pages.len() - changed.len(), removed: gone.len() };
    Ok((written, retired))
}

/// A hidden name beside `path` for this process's own use: `.index.html.tmp-123`.
fn beside(path: &Path, what: &str) -> PathBuf {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    path.with_file_name(format!(".{name}.{what}-{}", std::process::id()))
}

/// The second names of the files an update replaced, removed on drop.
#[derive(Debug)]
#[must_use = "dropping it removes the replaced files now"]
pub struct Retired(Vec<PathBuf>);

impl Drop for Retired {
    fn drop(&mut self) {
        // A path a file had no old self at is simply not there.
        self.0.iter().for_each(|p| drop(std::fs::remove_file(p)));
    }
}

/// Beside `out`, in a folder of this process's (`.out.kept-<pid>`), hard links to those of
/// `names` (paths inside `out`) it holds now: for what must be read as it is now after
/// `out` has been replaced. The writer never changes a file in place, so a link keeps the
/// bytes (a copy where the system has no links). Named like a killed build's leftovers,
/// and removed like them once this process is gone, if it could not remove it itself.
pub fn keep_aside(out: &Path, names: &[&str]) -> Result<Aside> {
    let kept = Aside(beside(out, "kept"));
    remove(&kept.0)?;
    std::fs::create_dir_all(&kept.0).map_err(|e| Error::io(&kept.0, e))?;
    for name in names {
        let (from, to) = (out.join(name), kept.0.join(name));
        if from.is_file() {
            let folder = to.parent().unwrap_or(&kept.0);
            std::fs::create_dir_all(folder).map_err(|e| Error::io(folder, e))?;
            let linked = std::fs::hard_link(&from, &to).or_else(|_| std::fs::copy(&from, &to).map(drop));
            linked.map_err(|e| Error::io(&to, e))?;
        }
    }
    Ok(kept)
}

/// Files set aside by [`keep_aside`], removed when dropped.
#[derive(Debug)]
pub struct Aside(PathBuf);

impl Aside {
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Aside {
    fn drop(&mut self) {
        let _ = remove(&self.0);
    }
}

/// The folders `pages` stand in under `dir`, each made once, in order.
fn create_folders<'a>(dir: &Path, pages: impl Iterator<Item = &'a Page>) -> Result<()> {
    let folders: std::collections::BTreeSet<PathBuf> =
        pages.map(|p| dir.join(&p.path).parent().unwrap_or(dir).to_path_buf()).collect();
    folders.iter().try_for_each(|f| std::fs::create_dir_all(f).map_err(|e| Error::io(f, e)))
}

/// Remove the folders above a removed file that it left empty, up to `out`.
fn remove_empty_parents(out: &Path, file: &Path) {
    let mut dir = file.parent();
    while let Some(d) = dir.filter(|d| *d != out && d.starts_with(out)) {
        if std::fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
}

/// Folders first, in order; then the files in parallel. A file whose bytes equal the
/// previous site's is hard-linked from it rather than written: most of a build is
/// file-system time, and a rebuild after a small change leaves most pages as they were.
fn write_tree(
    dir: &Path,
    pages: &[Page],
    previous: &Path,
    progress: Option<&dyn crate::progress::Progress>,
) -> Result<Written> {
    create_folders(dir, pages.iter())?;
    let linked = pages
        .par_iter()
        .map(|page| {
            let path = dir.join(&page.path);
            let old = previous.join(&page.path);
            if let Some(p) = progress {
                p.step();
            }
            put_file(&path, &old, &page.bytes).map(usize::from)
        })
        .collect::<Result<Vec<usize>>>()?
        .into_iter()
        .sum();
    let removed = removed_from(previous, pages);
    Ok(Written { files: pages.len(), bytes: pages.iter().map(|p| p.bytes.len()).sum(), unchanged: linked, removed })
}

/// Write `bytes` at `path`, or hard-link the previous site's file at `old` when it holds
/// the same bytes: whether it was linked.
fn put_file(path: &Path, old: &Path, bytes: &[u8]) -> Result<bool> {
    if unchanged(old, bytes) && std::fs::hard_link(old, path).is_ok() {
        return Ok(true);
    }
    std::fs::write(path, bytes).map_err(|e| Error::io(path, e)).map(|_| false)
}

/// A site written as it is rendered (a one-off build): each page goes into the temporary
/// folder beside the output as soon as it is made, and its bytes leave memory; `finish`
/// swaps the folder in. Dropped unfinished (the build failed), it removes the folder, so
/// the output is still the previous site, whole.
pub struct Sink<'p> {
    progress: Option<&'p dyn crate::progress::Progress>,
    out: PathBuf,
    tmp: PathBuf,
    old: PathBuf,
    files: AtomicUsize,
    bytes: AtomicUsize,
    linked: AtomicUsize,
}

impl<'p> Sink<'p> {
    /// The temporary folder for a new site at `out`, made empty (after repairing what a
    /// killed build left, see `recover`). Each file written is reported to `progress`.
    pub fn open(out: &Path, progress: Option<&'p dyn crate::progress::Progress>) -> Result<Sink<'p>> {
        let (tmp, old) = scratch(out)?;
        std::fs::create_dir(&tmp).map_err(|e| Error::io(&tmp, e))?;
        let zero = || AtomicUsize::new(0);
        Ok(Sink { progress, out: out.to_path_buf(), tmp, old, files: zero(), bytes: zero(), linked: zero() })
    }

    /// Write `page` into the new site; what the link check needs of it stays
    /// (`Page::written`), its bytes go.
    pub fn put(&self, page: &mut Page) -> Result<()> {
        let path = self.tmp.join(&page.path);
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder).map_err(|e| Error::io(folder, e))?;
        }
        let linked = put_file(&path, &self.out.join(&page.path), &page.bytes)?;
        page.written = Some(crate::links::Summary::of(&page.path, &page.bytes));
        self.files.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(page.bytes.len(), Ordering::Relaxed);
        self.linked.fetch_add(usize::from(linked), Ordering::Relaxed);
        page.bytes = bytes::Bytes::new();
        if let Some(p) = self.progress {
            p.step();
        }
        Ok(())
    }

    /// A page already put, read back from the new site.
    pub fn read(&self, path: &str) -> std::io::Result<Vec<u8>> {
        std::fs::read(self.tmp.join(path))
    }

    /// Put the new site in place of the old; `pages` are all it holds.
    pub fn finish(self, pages: &[Page]) -> Result<Written> {
        debug_assert_eq!(self.files.load(Ordering::Relaxed), pages.len(), "every page put once");
        let removed = removed_from(&self.out, pages);
        swap(&self.out, &self.tmp, &self.old)?;
        Ok(Written {
            files: pages.len(),
            bytes: self.bytes.load(Ordering::Relaxed),
            unchanged: self.linked.load(Ordering::Relaxed),
            removed,
        })
    }
}

impl Drop for Sink<'_> {
    fn drop(&mut self) {
        // After `finish` the folder is gone (it is the output now); after a failure it is
        // half a site, which nobody may see.
        let _ = remove(&self.tmp);
    }
}

/// How many files of the previous site are not among the new pages.
fn removed_from(previous: &Path, pages: &[Page]) -> usize {
    let new: std::collections::HashSet<&str> = pages.iter().map(|p| p.path.as_str()).collect();
    walkdir::WalkDir::new(previous)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file())
        .filter(|e| {
            let rel = e.path().strip_prefix(previous).unwrap_or(e.path()).to_string_lossy().replace('\\', "/");
            !new.contains(rel.as_str())
        })
        .count()
}

/// Whether the file at `path` holds exactly `bytes` (a size check first, then the bytes).
fn unchanged(path: &Path, bytes: &[u8]) -> bool {
    let same_size = std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file() && m.len() == bytes.len() as u64);
    same_size && std::fs::read(path).is_ok_and(|old| old == bytes)
}

/// Put the new site in place. On Linux one atomic exchange, so `out` is at every instant a
/// whole site; elsewhere two renames (the old site steps aside, the new takes its name),
/// and a build killed between them is repaired by the next (`recover`).
fn swap(out: &Path, tmp: &Path, old: &Path) -> Result<()> {
    if !out.exists() {
        return std::fs::rename(tmp, out).map_err(|e| Error::io(tmp, e));
    }
    if exchange(tmp, out).is_ok() {
        return remove(tmp);
    }
    std::fs::rename(out, old).map_err(|e| Error::io(out, e))?;
    std::fs::rename(tmp, out).map_err(|e| Error::io(tmp, e))?;
    remove(old)
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use rustix::fs::{renameat_with, RenameFlags, CWD};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(std::io::Error::from)
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::ErrorKind::Unsupported.into())
}

/// Repair after a killed build: if the output folder is gone but a previous site stepped
/// aside (`.out.old-*`), put it back; then drop the leftovers of builds no longer running.
pub fn recover(out: &Path) -> Result<()> {
    let mut stale: Vec<PathBuf> = leftovers(out).into_iter().filter(|p| !owner_running(p)).collect();
    stale.sort();
    if !out.exists() {
        if let Some(i) = stale.iter().position(|p| p.to_string_lossy().contains(".old-")) {
            let old = stale.remove(i);
            std::fs::rename(&old, out).map_err(|e| Error::io(&old, e))?;
        }
    }
    stale.iter().try_for_each(|p| remove(p))
}

/// Whether the build that made a leftover (`.out.tmp-<pid>`) still runs. Only Linux can
/// tell; elsewhere leftovers are assumed live and kept.
fn owner_running(leftover: &Path) -> bool {
    let pid = leftover.to_string_lossy().rsplit('-').next().unwrap_or("").to_string();
    if pid.parse::<u32>().is_err() || !Path::new("/proc/self").exists() {
        return true;
    }
    pid.parse::<u32>().is_ok_and(|p| p == std::process::id()) || Path::new("/proc").join(&pid).exists()
}

/// Remove a previous tree, its top-level folders in parallel.
fn remove(path: &Path) -> Result<()> {
    if !path.exists() {
        return Ok(());
    }
    let entries: Vec<PathBuf> =
        std::fs::read_dir(path).map_err(|e| Error::io(path, e))?.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    entries.par_iter().try_for_each(|p| {
        let result = if p.is_dir() { std::fs::remove_dir_all(p) } else { std::fs::remove_file(p) };
        result.map_err(|e| Error::io(p, e))
    })?;
    std::fs::remove_dir_all(path).map_err(|e| Error::io(path, e))
}

/// Leftovers of builds that were killed: `.out.tmp-*` and `.out.old-*` beside the output;
/// and of `serve`, `.out.kept-*` (see [`keep_aside`]).
pub fn leftovers(out: &Path) -> Vec<PathBuf> {
    let parent = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = out.file_name().and_then(|n| n.to_str()).unwrap_or("out");
    let Ok(entries) = std::fs::read_dir(parent) else { return Vec::new() };
    entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            let n = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            ["tmp", "old", "kept"].iter().any(|what| n.starts_with(&format!(".{name}.{what}-")))
        })
        .collect()
}
