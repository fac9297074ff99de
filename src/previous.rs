//! The last good build, kept in memory by a watching process between rebuilds. With it the
//! next rebuild renders only pages whose view changed, checks only the links of pages that
//! changed, and writes only the files that changed: after a one-cell edit most of a large
//! site is neither rendered, read nor written again.

use crate::links::Ids;
use crate::model::{Row, Table};
use crate::render::Page;
use crate::Rendered;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One file of the last good build.
pub struct Kept {
    /// What a template page was rendered from (see `render::Meta::render`); `None` for
    /// files copied or exported without a template.
    pub key: Option<u128>,
    pub bytes: bytes::Bytes,
    /// The ids an HTML page offers, for resolving `#anchors` into it without reading it.
    pub ids: Option<Ids>,
    /// What an HTML page links to: a changed page with the same links needs no check, and
    /// an unchanged one only when a place it leads to is lost.
    pub links: Option<crate::links::Links>,
    /// How `urls.json` lists it, and the file it was written from (see `Page`).
    pub listing: Option<(&'static str, String)>,
    pub source: Option<PathBuf>,
    /// The parts of it rendered by themselves (see `Page`).
    pub fragments: crate::render::Fragments,
}

impl Kept {
    /// The file again, for a build that takes it over unchanged.
    pub fn page(&self, path: &str) -> Page {
        Page {
            path: path.to_string(),
            bytes: self.bytes.clone(),
            source: self.source.clone(),
            key: self.key,
            listing: self.listing.clone(),
            unchanged: true,
            fragments: self.fragments.clone(),
            written: None,
        }
    }
}

/// What a build made from the whole table, kept so the next can take over the parts an
/// edit left alone.
#[derive(Default)]
pub struct Memo {
    /// Each row's entry in `data/roles.json`, by position in the table's rows.
    pub roles: Vec<Arc<str>>,
    /// Each row's line in `data/roles.csv`, with the columns.
    pub csv: crate::export::CsvMemo,
    pub search: crate::search::Memo,
    pub changes: crate::changes::Memo,
}

pub struct Previous {
    /// The table the build was made from, for telling which rows an edit changed.
    pub table: Table,
    /// A hash of what else its pages were made from (see `render::context_key`).
    pub context: u128,
    pub memo: Memo,
    /// Every file of the site, by its path under the output folder.
    pub files: HashMap<String, Kept>,
    /// Parts of its pages rendered by themselves, by the hash of their inputs.
    pub fragments: HashMap<u128, Arc<str>>,
    /// Its `urls.json`, with the hash of the pages' listings it was made from.
    pub manifest: (u128, Arc<crate::manifest::Manifest>),
    out: PathBuf,
    /// The output folder's identity when written, to notice that something else replaced
    /// or removed it (a `build` run by hand): then the next write is a whole one again.
    stamp: Option<(u64, u64)>,
}

impl Previous {
    /// Remember what was just written to `out`.
    pub fn new(out: &Path, rendered: Rendered) -> Previous {
        let Rendered { table, context, pages, found, memo, manifest, .. } = rendered;
        let fragments = pages.iter().flat_map(|p| p.fragments.iter().cloned()).collect();
        let files = pages
            .into_iter()
            .zip(found)
            .map(|(p, found)| {
                let (ids, links) = found.map_or((None, None), |f| (Some(f.ids), f.links));
                let kept = Kept {
                    key: p.key,
                    bytes: p.bytes,
                    ids,
                    links,
                    listing: p.listing,
                    source: p.source,
                    fragments: p.fragments,
                };
                (p.path, kept)
            })
            .collect();
        Previous { table, context, memo, files, fragments, manifest, out: absolute(out), stamp: stamp(out) }
    }

    /// Whether `out` is still the folder this build wrote, so it can be updated in place.
    pub fn still_at(&self, out: &Path) -> bool {
        self.out == absolute(out) && self.stamp.is_some() && stamp(out) == self.stamp
    }

    /// The files of the last build that `pages` (in path order, as a build makes them) no
    /// longer has. Usually none: that is told by counting the pages it had.
    pub fn gone<'a>(&'a self, pages: &'a [Page]) -> Vec<&'a String> {
        use rayon::prelude::*;
        let still = pages.par_iter().filter(|p| self.files.contains_key(&p.path)).count();
        if still == self.files.len() {
            return Vec::new();
        }
        self.files.keys().filter(|path| pages.binary_search_by(|p| p.path.as_str().cmp(path)).is_err()).collect()
    }

    /// The positions of `table`'s rows that differ from the row at the same place in this
    /// build's table, or that it had no row at: every other row is as it was. Made once per
    /// rebuild, for all that takes over work row by row.
    pub fn changed_rows(&self, table: &Table) -> Vec<usize> {
        use rayon::prelude::*;
        let before = &self.table.rows;
        table.rows.par_iter().enumerate().filter(|(i, row)| before.get(*i) != Some(*row)).map(|(i, _)| i).collect()
    }

    /// What an edit of rows in place changed since this build (`changed`, as `changed_rows`
    /// found them), when nothing else pages are made from did: not the document, vendors,
    /// subsystems or gaps of `table`, nor the `context`, and every row keeps its number,
    /// kind, level, parent and name. `None` when anything else changed, or rows came or went:
    /// then every page's view is made and compared.
    pub fn rows_edited(&self, table: &Table, context: u128, changed: &[usize]) -> Option<Edit> {
        let (a, b) = (&self.table, table);
        let same = context == self.context
            && (&a.document, &a.vendors, &a.subsystems, &a.gaps) == (&b.document, &b.vendors, &b.subsystems, &b.gaps)
            && a.rows.len() == b.rows.len();
        if !same {
            return None;
        }
        // The findings show on the home and quality pages.
        let mut edit = Edit { wide: a.findings != b.findings, ..Edit::default() };
        for &i in changed {
            let (x, y) = (&a.rows[i], &b.rows[i]);
            if (x.no, x.kind, x.level, x.parent, &x.name) != (y.no, y.kind, y.level, y.parent, &y.name) {
                return None;
            }
            edit.rows.insert(y.no);
            if (&x.roles, &x.source, &x.flags) == (&y.roles, &y.source, &y.flags) {
                continue;
            }
            // Roles show in the grids and load maps of the headings above, and in every
            // page made from the whole table.
            edit.wide = true;
            edit.rows.extend(crate::index::chain(table, y));
            if x.flags != y.flags {
                edit.flags = true;
                edit.rows.extend(links_to(table, i));
            }
        }
        Some(edit)
    }

    /// Whether `page` holds the same bytes as the file of the same path last time.
    pub fn has_same(&self, page: &Page) -> bool {
        self.files.get(&page.path).is_some_and(|k| same_buffer(&k.bytes, &page.bytes) || k.bytes == page.bytes)
    }
}

/// The rows whose item or phase page links to the row at position `at` (with its flags):
/// the tasks before and after a task, and every row below a heading (in its breadcrumb).
/// The heading above is among the ancestors already.
fn links_to(table: &Table, at: usize) -> Vec<u32> {
    let rows = &table.rows;
    let row = &rows[at];
    if !row.is_heading() {
        let task = |r: &&Row| !r.is_heading();
        let before = rows[..at].iter().rev().find(task);
        let after = rows[at + 1..].iter().find(task);
        return before.into_iter().chain(after).map(|r| r.no).collect();
    }
    rows.iter().filter(|r| crate::index::chain(table, r).contains(&row.no)).map(|r| r.no).collect()
}

/// What an edit of rows in place changed (see `Previous::rows_edited`).
#[derive(Debug, Default)]
pub struct Edit {
    /// The rows whose own page (item or phase) is made again; every other such page is
    /// taken from the last build.
    pub rows: rustc_hash::FxHashSet<u32>,
    /// Whether the pages made from the whole table (home, vendors, subsystems, the matrix…)
    /// are made again: false when only descriptions changed, which show on their own page
    /// only.
    pub wide: bool,
    /// Whether any row's flags changed: the outline of headings shows them.
    pub flags: bool,
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
