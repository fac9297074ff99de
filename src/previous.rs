//! The last good build, kept in memory by a watching process between rebuilds. With it the
//! next rebuild renders only pages whose view changed, checks only the links of pages that
//! changed, and writes only the files that changed: after a one-cell edit most of a large
//! site is neither rendered, read nor written again.

use crate::links::Ids;
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
    pub bytes: Arc<[u8]>,
    /// The ids an HTML page offers, for resolving `#anchors` into it without reading it.
    pub ids: Option<Ids>,
    /// A hash of an HTML page's links: a changed page with the same links needs no check.
    pub links: Option<u64>,
}

/// What a build made from the whole table, kept so the next can take over the parts an
/// edit left alone.
#[derive(Default)]
pub struct Memo {
    /// Each row's entry in `data/roles.json`, by position in the table's rows.
    pub roles: Vec<Arc<str>>,
    pub search: crate::search::Memo,
    pub changes: crate::changes::Memo,
}

pub struct Previous {
    /// The table the build was made from, for telling which rows an edit changed.
    pub table: crate::model::Table,
    pub memo: Memo,
    /// Every file of the site, by its path under the output folder.
    pub files: HashMap<String, Kept>,
    /// Parts of pages rendered by themselves, by the hash of their inputs.
    pub fragments: HashMap<u128, Arc<str>>,
    out: PathBuf,
    /// The output folder's identity when written, to notice that something else replaced
    /// or removed it (a `build` run by hand): then the next write is a whole one again.
    stamp: Option<(u64, u64)>,
}

impl Previous {
    /// Remember what was just written to `out`.
    pub fn new(out: &Path, rendered: Rendered) -> Previous {
        let Rendered { table, pages, ids, links, fragments, memo, .. } = rendered;
        let files = pages
            .into_iter()
            .map(|p| {
                let kept = Kept {
                    key: p.key,
                    bytes: p.bytes,
                    ids: ids.get(&p.path).cloned(),
                    links: links.get(&p.path).copied(),
                };
                (p.path, kept)
            })
            .collect();
        Previous { table, memo, files, fragments, out: absolute(out), stamp: stamp(out) }
    }

    /// Whether `out` is still the folder this build wrote, so it can be updated in place.
    pub fn still_at(&self, out: &Path) -> bool {
        self.out == absolute(out) && self.stamp.is_some() && stamp(out) == self.stamp
    }

    /// The files of the last build that `pages` (in path order, as a build makes them) no
    /// longer has.
    pub fn gone<'a>(&'a self, pages: &'a [Page]) -> impl Iterator<Item = &'a String> + 'a {
        self.files.keys().filter(|path| pages.binary_search_by(|p| p.path.as_str().cmp(path)).is_err())
    }

    /// Whether `page` holds the same bytes as the file of the same path last time.
    pub fn has_same(&self, page: &Page) -> bool {
        self.files.get(&page.path).is_some_and(|k| Arc::ptr_eq(&k.bytes, &page.bytes) || k.bytes == page.bytes)
    }
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
