//! Reuse: what a watching process keeps of its last good build, and what the next build
//! takes over from it. The pipeline asks this layer (`render::Reuse`, `links::Earlier`,
//! the memos of the stages that work row by row); no stage names the last build.

use crate::config::Project;
use crate::links::{Earlier, Found};
use crate::manifest::Manifest;
use crate::model::Table;
use crate::page::{Page, Tree};
use crate::pages::ContentPage;
use crate::plan::{Edit, Shows};
use crate::read::continuity::Continuity;
use crate::render::{Fragments, Made};
use crate::theme::Theme;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One file of the last good build.
pub struct LastFile {
    /// What a template page was rendered from (see `render::Made`); `None` for files
    /// copied or exported without a template.
    key: Option<u128>,
    bytes: bytes::Bytes,
    /// What the link check found in an HTML page: the ids it offers, for resolving
    /// `#anchors` into it without reading it, and what it links to (a changed page with
    /// the same links needs no check, and an unchanged one only when a place it leads to
    /// is lost).
    found: Option<Found>,
    /// How `urls.json` lists it, and the file it was written from (see `Page`).
    listing: Option<(&'static str, String)>,
    source: Option<PathBuf>,
    /// The parts of it rendered by themselves.
    fragments: Fragments,
}

impl LastFile {
    /// The file again, for a build that takes it over unchanged.
    fn made(&self, path: &str) -> Made {
        let page = Page {
            path: path.to_string(),
            bytes: self.bytes.clone(),
            source: self.source.clone(),
            listing: self.listing.clone(),
            in_place: false,
        };
        Made { page, key: self.key, fragments: self.fragments.clone() }
    }
}

/// What the stages that take over work row by row (the data files, the search index, the
/// changes) made from the whole table, for the next build.
#[derive(Default)]
pub struct Memos {
    /// Each row's entry in `data/roles.json`, by position in the table's rows.
    pub roles: Vec<Arc<str>>,
    /// Each row's line in `data/roles.csv`, with the columns.
    pub csv: crate::export::CsvMemo,
    pub search: crate::search::IndexMemo,
    pub changes: crate::changes::ChangesMemo,
}

/// What a build kept for the next makes beside its pages (see `pipeline::Rendered`).
#[derive(Default)]
pub struct ForNext {
    /// A hash of what else the pages were made from (see `context_key`).
    pub context: u128,
    /// Each page's key and parts, by the pages' places.
    pub made: Vec<(Option<u128>, Fragments)>,
    /// What the link check found in each page, by the pages' places.
    pub found: Vec<Option<Found>>,
    pub memos: Memos,
    /// `urls.json`, with the hash of the pages' listings it was made from.
    pub manifest: (u128, Arc<Manifest>),
    /// The released revisions as read, with their changes: read again only when a file of
    /// theirs changes.
    pub released: Arc<crate::revisions::Released>,
    /// The frozen trees taken over whole.
    pub trees: Vec<Tree>,
}

/// The last good build of a watching process, kept in memory until the next: with it the
/// next build renders only pages whose view changed, checks only the links of pages that
/// changed, and writes only the files that changed: after a one-cell edit most of a large
/// site is neither rendered, read nor written again.
#[derive(Default)]
pub struct LastBuild {
    /// The table the build was made from, for telling which rows an edit changed.
    table: Table,
    context: u128,
    memos: Memos,
    /// Every file of the site, by its path under the output folder.
    files: HashMap<String, LastFile>,
    /// Parts of its pages rendered by themselves, by the hash of their inputs.
    fragments: HashMap<u128, Arc<str>>,
    manifest: (u128, Arc<Manifest>),
    released: Option<Arc<crate::revisions::Released>>,
    /// The frozen trees it took over whole, by their prefix: their files are not among
    /// `files`.
    trees: HashMap<String, Tree>,
    out: PathBuf,
    /// The output folder's identity when written, to notice that something else replaced
    /// or removed it (a `build` run by hand): then the next write is a whole one again.
    stamp: Option<(u64, u64)>,
}

impl LastBuild {
    /// Remember what was just written to `out`: the table, the pages (in path order) and
    /// what was made beside them.
    pub fn new(out: &Path, table: Table, pages: Vec<Page>, next: ForNext) -> LastBuild {
        let ForNext { context, made, found, memos, manifest, released, trees } = next;
        let fragments = made.iter().flat_map(|(_, f)| f.iter().cloned()).collect();
        let files = pages
            .into_iter()
            .zip(made)
            .zip(found)
            .map(|((p, (key, fragments)), found)| {
                // A frozen tree is taken over whole, by its stamp: its pages' bytes are not
                // kept (their stamp's are, and the ones of a tree taken over were never read).
                let frozen =
                    crate::urls::revision_of(&p.path).is_some() && !p.path.ends_with(crate::write::frozen::STAMP);
                let bytes = if frozen { bytes::Bytes::new() } else { p.bytes };
                let file = LastFile { key, bytes, found, listing: p.listing, source: p.source, fragments };
                (p.path, file)
            })
            .collect();
        let (out, stamp) = (absolute(out), stamp(out));
        let trees = trees.into_iter().map(|t| (t.prefix.clone(), t)).collect();
        LastBuild { table, context, memos, files, fragments, manifest, released: Some(released), trees, out, stamp }
    }

    /// Whether `out` is still the folder this build wrote, so it can be updated in place.
    pub fn still_at(&self, out: &Path) -> bool {
        self.out == absolute(out) && self.stamp.is_some() && stamp(out) == self.stamp
    }

    /// The files of this build that `pages` (in path order, as a build makes them) and
    /// `trees` (taken over whole) no longer have. Usually none: that is told by counting
    /// the pages it had, and by the trees being the same.
    pub fn gone(&self, pages: &[Page], trees: &[Tree]) -> Vec<String> {
        use rayon::prelude::*;
        let made = |path: &str| pages.binary_search_by(|p| p.path.as_str().cmp(path)).is_ok();
        let kept = |path: &str| made(path) || crate::page::held(trees, path);
        let mut gone = Vec::new();
        let still = pages.par_iter().filter(|p| self.files.contains_key(&p.path)).count();
        if still != self.files.len() {
            gone.extend(self.files.keys().filter(|path| !kept(path)).cloned());
        }
        for old in self.trees.values() {
            let same = trees.iter().any(|t| t.prefix == old.prefix && Arc::ptr_eq(&t.files, &old.files));
            if !same {
                gone.extend(old.files.paths().filter(|path| !kept(path)).map(str::to_string));
            }
        }
        gone
    }

    /// The frozen tree at `prefix` as this build took it over, when it was made from
    /// inputs that hashed to `key`: it stands as it was, in the folder this build wrote.
    pub fn tree(&self, prefix: &str, key: u128) -> Option<Tree> {
        self.trees.get(prefix).filter(|t| t.key == key).cloned()
    }

    /// Whether `page` holds the same bytes as the file of the same path in this build.
    pub fn has_same(&self, page: &Page) -> bool {
        self.files.get(&page.path).is_some_and(|k| same_buffer(&k.bytes, &page.bytes) || k.bytes == page.bytes)
    }

    /// The stamp of the frozen tree at `prefix` as this build wrote it (see
    /// `write::frozen`): the tree stands as it was, in the folder this build wrote.
    pub fn stamp(&self, prefix: &str) -> Option<bytes::Bytes> {
        let file = self.files.get(&format!("{prefix}{}", crate::write::frozen::STAMP))?;
        (!file.bytes.is_empty()).then(|| file.bytes.clone())
    }

    /// The released revisions as this build read them.
    pub fn released(&self) -> Option<&Arc<crate::revisions::Released>> {
        self.released.as_ref()
    }

    /// `urls.json` as this build made it, when the pages' listings hash to the same `key`.
    pub fn manifest(&self, key: u128) -> Option<(Page, Arc<Manifest>)> {
        let file = self.files.get(crate::manifest::FILE).filter(|_| self.manifest.0 == key)?;
        Some((file.made(crate::manifest::FILE).page, Arc::clone(&self.manifest.1)))
    }
}

impl Earlier for LastBuild {
    fn found(&self, path: &str) -> Option<&Found> {
        self.files.get(path)?.found.as_ref()
    }
}

/// A build taking over from the last: which rows changed since, and what the edit touches
/// (`plan::edit`).
pub struct Taking<'a> {
    pub last: &'a LastBuild,
    /// The positions of the rows that differ from the last build's (`plan::changed_rows`).
    pub changed: Vec<usize>,
    /// Set when rows were edited in place and nothing else pages are made from changed:
    /// then only the pages that can show the edit are made again.
    edit: Option<Edit>,
    table: &'a Table,
}

impl<'a> Taking<'a> {
    /// What `table`, with pages made from `context` besides it, takes over from `last`.
    pub fn new(last: &'a LastBuild, table: &'a Table, context: u128) -> Taking<'a> {
        let changed = crate::plan::changed_rows(&last.table, table);
        let edit = (context == last.context).then(|| crate::plan::edit(&last.table, table, &changed)).flatten();
        Taking { last, changed, edit, table }
    }

    /// The last build's table, its memos, and the rows changed since: what the stages that
    /// take over work row by row ask for.
    pub fn rows(&self) -> (&'a Table, &'a Memos, &[usize]) {
        (&self.last.table, &self.last.memos, &self.changed)
    }
}

impl crate::render::Reuse for Taking<'_> {
    fn page(&self, path: &str, key: u128) -> Option<bytes::Bytes> {
        self.last.files.get(path).filter(|f| f.key == Some(key)).map(|f| f.bytes.clone())
    }

    fn fragment(&self, key: u128) -> Option<Arc<str>> {
        self.last.fragments.get(&key).cloned()
    }

    fn untouched(&self, path: &str, shows: &Shows) -> Option<Made> {
        let edit = self.edit.as_ref()?;
        if edit.touches(shows, self.table) {
            return None;
        }
        self.last.files.get(path).map(|f| f.made(path))
    }
}

/// A hash of what pages are made from besides the table: the project's configuration, the
/// narrative pages, the theme's templates and the URL files. Made from their debug form:
/// any difference gives another hash, which costs no more than a whole render. (The site
/// a watching session is held to stays the same for the session.)
pub fn context_key(
    project: &Project,
    content: &[ContentPage],
    theme: &Theme,
    continuity: &Continuity,
    revisions: &[u128],
) -> u128 {
    let text = format!("{project:?}\n{content:?}\n{continuity:?}\n{}\n{revisions:?}", theme.fingerprint);
    crate::hash::bytes(text.as_bytes())
}

/// Whether two files are one buffer shared (a page taken over), told without reading them.
fn same_buffer(a: &[u8], b: &[u8]) -> bool {
    std::ptr::eq(a, b)
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Device and inode of a folder; `None` where the platform does not tell (then every
/// rebuild writes the whole site, which is correct, only slower).
#[cfg(unix)]
fn stamp(dir: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::symlink_metadata(dir).ok().filter(|m| m.is_dir()).map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn stamp(_: &Path) -> Option<(u64, u64)> {
    None
}
