//! The only writer of the site: render aside into a temporary folder beside the output,
//! then swap it in, so a failed or killed build leaves the previous site whole. It writes
//! only into a folder it owns (`owner`), and leaves a journal of any update in progress
//! for the next run to finish (`journal`).

pub mod frozen;
mod journal;
pub mod owner;

use crate::diag::{Code, Error, Result};
use crate::page::{Page, Tree};
use journal::{beside, Journal};
pub use owner::Output;
use owner::{Before, MARKER};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Finish or undo what a killed run left in and beside the output (see `journal`), before
/// anything reads the site there: what could not be cleaned up comes back as warnings.
pub fn repair(output: &Output) -> Result<Vec<String>> {
    journal::recover(output)
}

/// What a write did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Written {
    pub files: usize,
    pub bytes: usize,
    /// Files carried over from the previous site unchanged.
    pub unchanged: usize,
    /// Files of the previous site the new one no longer has.
    pub removed: usize,
    /// Hidden entries of the old folder (`.git`) carried into the new one.
    pub carried: Vec<String>,
    /// What could not be cleaned up after the site was published, for the user to see.
    pub warnings: Vec<String>,
}

/// Write `pages` as the whole new site of `output`, swapped in at once (a watching
/// process's first build; pages keep their bytes).
pub fn write(output: &Output, pages: &[Page], trees: &[Tree]) -> Result<Written> {
    let sink = Sink::open(output, None)?;
    pages.par_iter().try_for_each(|p| sink.write(p).map(drop))?;
    sink.finish(pages, trees)
}

/// The files the frozen trees taken over hold, counted as written unchanged.
fn files_in(trees: &[Tree]) -> usize {
    trees.iter().map(|t| t.files.len()).sum()
}

/// The marker of a site of `pages` and the frozen trees `trees` taken over whole: every
/// file rolesite wrote there.
fn marker_of(pages: &[Page], trees: &[Tree]) -> Vec<u8> {
    // Both in path order (trees in prefix order, none inside another): merged, not sorted.
    let made = pages.iter().map(|p| p.path.as_str());
    let held = trees.iter().flat_map(|t| t.files.paths());
    owner::marker(itertools::Itertools::merge_by(made, held, |a, b| a <= b))
}

/// Bring a folder this process wrote last time to `pages` in place: the changed files only
/// (those not `unchanged`, by the pages' places), each written beside its old self and renamed over it, so a reader
/// sees the old or the new file and never part of one; then the files that are gone
/// (`gone`, as `reuse::LastBuild::gone` found them), and folders left empty. Fast after a small
/// edit, where `write` re-creates every folder; the site is whole file by file, and a
/// journal lets the next run finish an update this process was killed in (`journal`).
///
/// A replaced file is given a second name before the rename, so the rename only drops a
/// link: on ext4, freeing a large file's pages inside the rename took most of a rebuild's
/// write. The old files are removed when the returned [`Replaced`] is dropped, after the
/// rebuild has been reported.
pub fn update(
    output: &Output,
    pages: &[Page],
    trees: &[Tree],
    unchanged: &[bool],
    gone: &[String],
) -> Result<(Written, Replaced)> {
    let out = &output.dir;
    let marker = Page::new(MARKER, marker_of(pages, trees));
    let marker_changed = std::fs::read(out.join(MARKER)).map_or(true, |b| *b != *marker.bytes);
    let changed: Vec<&Page> = pages
        .iter()
        .zip(unchanged)
        .filter(|(_, same)| !**same)
        .map(|(p, _)| p)
        .chain(marker_changed.then_some(&marker))
        .collect();
    let names: Vec<String> = changed.iter().map(|p| p.path.clone()).collect();
    real_folders(out, names.iter().chain(gone))?;
    Journal::new("prepared", names.clone(), gone.to_vec()).save(out)?;
    create_folders(out, changed.iter().copied())?;
    let pid = std::process::id();
    changed.par_iter().try_for_each(|page| {
        let aside = beside(&out.join(&page.path), "tmp", pid);
        std::fs::write(&aside, &page.bytes).map_err(|e| Error::io(&aside, e))
    })?;
    Journal::new("committed", names, gone.to_vec()).save(out)?;
    // Made first, so an error below still removes the second names made so far.
    let retired =
        Replaced { dir: out.clone(), files: changed.iter().map(|p| beside(&out.join(&p.path), "old", pid)).collect() };
    changed.par_iter().try_for_each(|page| {
        let path = out.join(&page.path);
        // Only a speed-up: a new file has no old self, and without the link the rename
        // frees the old file itself.
        let _ = std::fs::hard_link(&path, beside(&path, "old", pid));
        std::fs::rename(beside(&path, "tmp", pid), &path).map_err(|e| Error::io(&path, e))
    })?;
    for path in gone {
        let file = out.join(path);
        match std::fs::remove_file(&file) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(Error::io(&file, e)),
            _ => remove_empty_parents(out, &file),
        }
    }
    let bytes = pages.iter().map(|p| p.bytes.len()).sum();
    let in_trees = files_in(trees);
    let unchanged = unchanged.iter().filter(|same| **same).count() + in_trees;
    let files = pages.len() + in_trees;
    let written = Written { files, bytes, unchanged, removed: gone.len(), ..Default::default() };
    Ok((written, retired))
}

/// The second names of the files an update replaced, and its journal, removed on drop.
#[derive(Debug)]
#[must_use = "dropping it removes the replaced files now"]
pub struct Replaced {
    dir: PathBuf,
    files: Vec<PathBuf>,
}

impl Drop for Replaced {
    fn drop(&mut self) {
        // A path a file had no old self at is simply not there. The journal goes last: it
        // is what lets a next run remove what is left if this process dies meanwhile.
        self.files.iter().for_each(|p| drop(std::fs::remove_file(p)));
        let _ = Journal::remove(&self.dir);
    }
}

/// Refuse to write or remove `paths` under `out` unless each folder they stand in is a real
/// folder of it: a link put in the site (`out/items -> /elsewhere`) would lead the write
/// out of it. Each folder is looked at once; one not made yet is made by the writer.
pub(crate) fn real_folders<'a>(out: &Path, paths: impl Iterator<Item = &'a String>) -> Result<()> {
    let mut seen = std::collections::HashSet::new();
    for path in paths {
        if !plain(path) {
            return Err(Error::at(
                Code::Output,
                crate::diag::Location::file_only(&out.join(path)),
                "is not a plain path",
            ));
        }
        let mut folder = out.to_path_buf();
        for part in Path::new(path).parent().into_iter().flat_map(Path::components) {
            folder.push(part);
            if !seen.insert(folder.clone()) {
                continue;
            }
            match std::fs::symlink_metadata(&folder) {
                Ok(m) if !m.is_dir() => {
                    let message = "is a link or a file where the site has a folder: rolesite writes nothing \
                                   through it; remove it, or build without --watch to have it reported";
                    return Err(Error::at(Code::Output, crate::diag::Location::file_only(&folder), message));
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// A path under the output as rolesite names its files: relative, with no `..`.
pub(crate) fn plain(path: &str) -> bool {
    let path = Path::new(path);
    !path.as_os_str().is_empty() && path.components().all(|c| matches!(c, std::path::Component::Normal(_)))
}

/// Beside the output folder `out` (its links resolved), in a folder of this process's
/// (`.out.kept-<pid>`), hard links to those of `names` (paths inside `out`) it holds now:
/// for what must be read as it is now after `out` has been replaced. The writer never
/// changes a file in place, so a link keeps the bytes (a copy where the system has no
/// links). Marked like a scratch folder, and removed like one once this process is gone,
/// if it could not remove it itself.
pub fn keep_aside(out: &Path, names: &[&str]) -> Result<Aside> {
    let real = std::fs::canonicalize(out).unwrap_or_else(|_| out.to_path_buf());
    let kept = Aside(beside(&real, "kept", std::process::id()));
    if std::fs::symlink_metadata(&kept.0).is_ok() && !owner::is_marked(&kept.0) {
        let message = "stands where serve keeps the published site's files, and is not rolesite's: move it away";
        return Err(Error::at(Code::Output, crate::diag::Location::file_only(&kept.0), message));
    }
    remove(&kept.0)?;
    std::fs::create_dir_all(&kept.0).map_err(|e| Error::io(&kept.0, e))?;
    let marker = kept.0.join(MARKER);
    std::fs::write(&marker, owner::marker(std::iter::empty())).map_err(|e| Error::io(&marker, e))?;
    for name in names {
        let (from, to) = (real.join(name), kept.0.join(name));
        if std::fs::symlink_metadata(&from).is_ok_and(|m| m.is_file()) {
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

/// Write `bytes` at `path`, or hard-link the previous site's file at `old` when it holds
/// the same bytes: whether it was linked.
fn put_file(path: &Path, old: &Path, bytes: &[u8]) -> Result<bool> {
    if unchanged(old, bytes) && std::fs::hard_link(old, path).is_ok() {
        return Ok(true);
    }
    std::fs::write(path, bytes).map_err(|e| Error::io(path, e)).map(|_| false)
}

/// A new site being made beside the output: each page goes into the temporary folder as
/// soon as it is made (a one-off build drops its bytes then, so the site never stands in
/// memory whole); `finish` swaps the folder in. Dropped unfinished (the build failed), it
/// removes the folder, so the output is still the previous site, whole.
pub struct Sink<'p> {
    progress: Option<&'p dyn crate::progress::Progress>,
    output: Output,
    before: Before,
    tmp: PathBuf,
    old: PathBuf,
    /// What recovery could not clean up, reported with the result.
    warnings: Vec<String>,
    files: AtomicUsize,
    bytes: AtomicUsize,
    linked: AtomicUsize,
}

impl<'p> Sink<'p> {
    /// The temporary folder for a new site of `output`, after repairing what a killed run
    /// left, and once the output is known to be rolesite's to replace (`owner::inspect`).
    /// Each file written is reported to `progress`.
    pub fn open(output: &Output, progress: Option<&'p dyn crate::progress::Progress>) -> Result<Sink<'p>> {
        let warnings = journal::recover(output)?;
        let before = owner::inspect(output)?;
        let parent = output.parent();
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        let scratch = |what: &str| parent.join(format!(".{}.{what}-{}", output.name(), std::process::id()));
        let (tmp, old) = (scratch("tmp"), scratch("old"));
        // Only this process names a folder so; one left by an earlier attempt is removed,
        // provided it is marked as rolesite's.
        if std::fs::symlink_metadata(&tmp).is_ok() && !owner::is_marked(&tmp) {
            let message = "stands where rolesite makes its new site, and is not rolesite's: move it away";
            return Err(Error::at(Code::Output, crate::diag::Location::file_only(&tmp), message));
        }
        remove(&tmp)?;
        std::fs::create_dir(&tmp).map_err(|e| Error::io(&tmp, e))?;
        // Marked from the start, so a next run knows the folder for its own if this one dies.
        let marker = tmp.join(MARKER);
        std::fs::write(&marker, owner::marker(std::iter::empty())).map_err(|e| Error::io(&marker, e))?;
        let zero = || AtomicUsize::new(0);
        let output = output.clone();
        Ok(Sink { progress, output, before, tmp, old, warnings, files: zero(), bytes: zero(), linked: zero() })
    }

    /// Write `page` into the new site, and hand back what the link check needs of it: its
    /// bytes go.
    pub fn put(&self, page: &mut Page) -> Result<crate::links::Summary> {
        self.write(page)?;
        if page.in_place {
            return Ok(crate::links::Summary::default());
        }
        let summary = crate::links::Summary::of(&page.path, &page.bytes);
        page.bytes = bytes::Bytes::new();
        Ok(summary)
    }

    /// Write `page` into the new site, keeping it whole: whether it was linked from the old.
    /// A page in place is not written: its tree is moved in whole by `finish`.
    fn write(&self, page: &Page) -> Result<bool> {
        if page.in_place {
            self.files.fetch_add(1, Ordering::Relaxed);
            self.linked.fetch_add(1, Ordering::Relaxed);
            if let Some(p) = self.progress {
                p.step();
            }
            return Ok(true);
        }
        let path = self.tmp.join(&page.path);
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder).map_err(|e| Error::io(folder, e))?;
        }
        let linked = put_file(&path, &self.output.dir.join(&page.path), &page.bytes)?;
        self.files.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(page.bytes.len(), Ordering::Relaxed);
        self.linked.fetch_add(usize::from(linked), Ordering::Relaxed);
        if let Some(p) = self.progress {
            p.step();
        }
        Ok(linked)
    }

    /// Write the file at `path` as `write` makes it, straight to disk: a file too large to
    /// hold beside the rest of a build (`urls.json` of a site with many frozen revisions).
    /// It is linked from the old site instead when the two are the same. The page returned
    /// stands for it, its bytes not held.
    pub fn put_streamed(
        &self,
        path: &str,
        write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
    ) -> Result<Page> {
        use std::io::Write;
        let at = self.tmp.join(path);
        if let Some(folder) = at.parent() {
            std::fs::create_dir_all(folder).map_err(|e| Error::io(folder, e))?;
        }
        let file = std::fs::File::create(&at).map_err(|e| Error::io(&at, e))?;
        // Compared with the old site's as it is written: the same, the old file takes its
        // place, as `put_file` links an unchanged page (a link made aside and renamed over,
        // so the file is never missing).
        let old = self.output.dir.join(path);
        let old_file = (std::fs::symlink_metadata(&old).is_ok_and(|m| m.is_file()))
            .then(|| std::fs::File::open(&old).ok())
            .flatten();
        let comparing = Comparing { out: file, old: old_file, piece: Vec::new() };
        let mut out = std::io::BufWriter::with_capacity(256 * 1024, comparing);
        write(&mut out).and_then(|_| out.flush()).map_err(|e| Error::io(&at, e))?;
        let comparing = out.into_inner().map_err(|e| Error::io(&at, e.into_error()))?;
        let size = comparing.out.metadata().map_err(|e| Error::io(&at, e))?.len();
        let same = comparing.same();
        let aside = self.tmp.join(format!("{path}.link"));
        let linked = same && std::fs::hard_link(&old, &aside).and_then(|_| std::fs::rename(&aside, &at)).is_ok();
        if same && !linked {
            let _ = std::fs::remove_file(&aside);
        }
        self.files.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(size as usize, Ordering::Relaxed);
        self.linked.fetch_add(usize::from(linked), Ordering::Relaxed);
        if let Some(p) = self.progress {
            p.step();
        }
        Ok(Page::new(path, bytes::Bytes::new()))
    }

    /// Where the new site is being written.
    pub fn scratch(&self) -> &Path {
        &self.tmp
    }

    /// The output folder the new site will replace: where frozen trees are taken over from.
    pub fn output_dir(&self) -> &Path {
        &self.output.dir
    }

    /// A page already put, read back from the new site.
    pub fn read(&self, path: &str) -> std::io::Result<Vec<u8>> {
        std::fs::read(self.tmp.join(path))
    }

    /// Put the new site in place of the old; `pages` (in path order) are all it holds.
    /// The old folder's files rolesite did not write are carried over or refused first
    /// (`owner::survey`), before anything of the old site is touched.
    pub fn finish(mut self, pages: &[Page], trees: &[Tree]) -> Result<Written> {
        debug_assert_eq!(self.files.load(Ordering::Relaxed), pages.len(), "every page put once");
        let survey = owner::survey(&self.output, &self.before, pages, trees)?;
        let marker = self.tmp.join(MARKER);
        let list = marker_of(pages, trees);
        std::fs::write(&marker, list).map_err(|e| Error::io(&marker, e))?;
        self.mark_old_site()?;
        // The hidden entries, and the frozen trees taken over whole (`frozen`).
        let moving: Vec<String> = survey.carried.iter().cloned().chain(trees.iter().map(Tree::folder)).collect();
        self.carry(&moving)?;
        let (out, tmp, old) = (&self.output.dir, &self.tmp, &self.old);
        if let Err(e) = swap(out, tmp, old) {
            give_back(tmp, out, &moving);
            return Err(e);
        }
        // The old site now stands at one of the two scratch names.
        let cleanup = [Journal::remove(out), remove(tmp), remove(old)];
        let mut warnings = std::mem::take(&mut self.warnings);
        warnings
            .extend(cleanup.into_iter().filter_map(|r| r.err()).map(|e| format!("{e} (the old site, left in place)")));
        let in_trees = files_in(trees);
        Ok(Written {
            files: pages.len() + in_trees,
            bytes: self.bytes.load(Ordering::Relaxed),
            unchanged: self.linked.load(Ordering::Relaxed) + in_trees,
            removed: survey.removed,
            carried: survey.carried,
            warnings,
        })
    }

    /// A site an earlier rolesite wrote, unmarked, gets the marker before it steps aside:
    /// should this process die then, the next run knows the folder for rolesite's.
    fn mark_old_site(&self) -> Result<()> {
        let Before::Unmarked(files) = &self.before else { return Ok(()) };
        let mut files: Vec<&str> = files.iter().map(String::as_str).collect();
        files.sort_unstable();
        let marker = self.output.dir.join(MARKER);
        std::fs::write(&marker, owner::marker(files.into_iter())).map_err(|e| Error::io(&marker, e))
    }

    /// Move the old folder's hidden entries into the new site, listed there first.
    fn carry(&self, names: &[String]) -> Result<()> {
        if names.is_empty() {
            return Ok(());
        }
        Journal::new("carry", names.to_vec(), Vec::new()).save(&self.tmp)?;
        for name in names {
            let (from, to) = (self.output.dir.join(name), self.tmp.join(name));
            let made = to.parent().map_or(Ok(()), std::fs::create_dir_all);
            if let Err(e) = made.and_then(|_| std::fs::rename(&from, &to)) {
                give_back(&self.tmp, &self.output.dir, names);
                return Err(Error::io(&from, e));
            }
        }
        Ok(())
    }
}

/// Move carried entries back from the new site into the output, where they are missing.
fn give_back(tmp: &Path, out: &Path, names: &[String]) {
    for name in names {
        if std::fs::symlink_metadata(out.join(name)).is_err() {
            let _ = std::fs::rename(tmp.join(name), out.join(name));
        }
    }
}

impl Drop for Sink<'_> {
    fn drop(&mut self) {
        // After `finish` the folder is gone (it is the output now); after a failure it is
        // half a site, which nobody may see.
        let _ = remove(&self.tmp);
    }
}

/// Whether the file at `path` holds exactly `bytes` (a size check first, then the bytes).
fn unchanged(path: &Path, bytes: &[u8]) -> bool {
    let same_size = std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file() && m.len() == bytes.len() as u64);
    same_size && std::fs::File::open(path).is_ok_and(|f| holds(f, bytes))
}

/// Whether `old` holds exactly `bytes`, compared a piece at a time (as `Comparing` compares
/// a file written): the largest files of a site are not held twice.
fn holds(old: impl std::io::Read, bytes: &[u8]) -> bool {
    use std::io::Write;
    let mut comparing = Comparing { out: std::io::sink(), old: Some(old), piece: Vec::new() };
    bytes.chunks(64 * 1024).all(|piece| comparing.write_all(piece).is_ok()) && comparing.same()
}

/// Writes through to `out`, comparing what it writes with `old` a piece at a time: whether
/// the new file holds the old one's bytes is known once it is written, neither read again.
struct Comparing<W, R> {
    out: W,
    /// `None` once a piece differed (or there was no old file).
    old: Option<R>,
    piece: Vec<u8>,
}

impl<W: std::io::Write, R: std::io::Read> std::io::Write for Comparing<W, R> {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        let n = self.out.write(data)?;
        if let Some(old) = &mut self.old {
            if self.piece.len() < n {
                self.piece.resize(n, 0);
            }
            if fill(old, &mut self.piece[..n]) != Some(n) || self.piece[..n] != data[..n] {
                self.old = None;
            }
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

impl<W, R: std::io::Read> Comparing<W, R> {
    /// Whether all that was written is the old file's bytes, and the old file holds no more.
    fn same(mut self) -> bool {
        self.old.as_mut().is_some_and(|old| fill(old, &mut [0u8; 1]) == Some(0))
    }
}

/// Read into `piece` until it is full or the reader ends: how many bytes it holds.
fn fill(r: &mut impl std::io::Read, piece: &mut [u8]) -> Option<usize> {
    let mut n = 0;
    while n < piece.len() {
        match r.read(&mut piece[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
    Some(n)
}

/// Put the new site in place. On Linux one atomic exchange, so `out` is at every instant a
/// whole site; elsewhere two renames (the old site steps aside, the new takes its name),
/// and a build killed between them is repaired by the next (`journal::recover`).
fn swap(out: &Path, tmp: &Path, old: &Path) -> Result<()> {
    if !out.exists() {
        return std::fs::rename(tmp, out).map_err(|e| Error::io(tmp, e));
    }
    if exchange(tmp, out).is_ok() {
        return Ok(());
    }
    std::fs::rename(out, old).map_err(|e| Error::io(out, e))?;
    std::fs::rename(tmp, out).map_err(|e| Error::io(tmp, e))
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

/// Remove a scratch folder of rolesite's, its top-level entries in parallel and its marker
/// last: a removal cut short still leaves a folder the next run knows for its own.
fn remove(path: &Path) -> Result<()> {
    let Ok(meta) = std::fs::symlink_metadata(path) else { return Ok(()) };
    // Its entries are listed through `path`: a link there would lead the removal elsewhere.
    if !meta.is_dir() {
        let message = "stands where rolesite keeps a folder of its own, and is a link or a file: left as it is";
        return Err(Error::at(Code::Output, crate::diag::Location::file_only(path), message));
    }
    let entries: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(|e| Error::io(path, e))?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| !p.ends_with(MARKER))
        .collect();
    entries.par_iter().try_for_each(|p| {
        let is_dir = std::fs::symlink_metadata(p).is_ok_and(|m| m.is_dir());
        let result = if is_dir { std::fs::remove_dir_all(p) } else { std::fs::remove_file(p) };
        result.map_err(|e| Error::io(p, e))
    })?;
    std::fs::remove_dir_all(path).map_err(|e| Error::io(path, e))
}

/// Leftovers of runs that were killed beside an output folder: `.out.tmp-*`, `.out.old-*`,
/// and `serve`'s `.out.kept-*` (see [`keep_aside`]).
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

#[cfg(test)]
mod tests {
    /// A scratch folder's name that is a link to a folder of rolesite's is not taken for
    /// one, and removing it removes nothing through it.
    #[cfg(unix)]
    #[test]
    fn a_link_where_a_scratch_folder_stands_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let other = dir.path().join("other-site");
        std::fs::create_dir_all(other.join("items/1")).unwrap();
        std::fs::write(other.join(super::MARKER), super::owner::marker(["items/1/index.html"].into_iter())).unwrap();
        std::fs::write(other.join("items/1/index.html"), "page").unwrap();
        let link = dir.path().join(".out.tmp-1");
        std::os::unix::fs::symlink(&other, &link).unwrap();
        assert!(super::owner::is_marked(&other));
        assert!(!super::owner::is_marked(&link), "a link is no folder of rolesite's");
        assert!(super::remove(&link).is_err());
        assert!(other.join("items/1/index.html").is_file() && link.exists(), "nothing removed through the link");
        super::remove(&other).unwrap();
        assert!(!other.exists(), "a folder of rolesite's is removed whole");
    }

    #[test]
    fn a_file_is_the_same_only_when_every_byte_is() {
        let bytes: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        assert!(super::holds(&bytes[..], &bytes[..]));
        assert!(super::holds(&b""[..], &b""[..]));
        let mut other = bytes.clone();
        other[150_000] ^= 1;
        assert!(!super::holds(&other[..], &bytes[..]), "differs in a later piece");
        assert!(!super::holds(&bytes[..199_999], &bytes[..]), "shorter");
        assert!(!super::holds(&bytes[..], &bytes[..199_999]), "longer");
    }

    #[test]
    fn a_file_written_is_the_old_one_only_when_every_byte_is() {
        use std::io::Write;
        let bytes: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let mut changed = bytes.clone();
        changed[150_000] ^= 1;
        let same = |new: &[u8], old: Option<&[u8]>, piece: usize| {
            let comparing = super::Comparing { out: Vec::new(), old, piece: Vec::new() };
            let mut out = std::io::BufWriter::with_capacity(piece, comparing);
            new.chunks(7_000).for_each(|c| out.write_all(c).unwrap());
            let comparing = out.into_inner().unwrap_or_else(|_| panic!("written to memory"));
            assert_eq!(comparing.out, new, "written through");
            comparing.same()
        };
        for piece in [1_000, 64 * 1024] {
            assert!(same(&bytes, Some(&bytes), piece));
            assert!(same(b"", Some(b""), piece));
            assert!(!same(&bytes, Some(&changed), piece), "differs in a later piece");
            assert!(!same(&bytes[..199_999], Some(&bytes), piece), "shorter");
            assert!(!same(&bytes, Some(&bytes[..199_999]), piece), "longer");
            assert!(!same(&bytes, None, piece), "no old file");
        }
    }
}
