//! One file of the site, as it will be written: the unit every stage after rendering hands
//! on (the manifest, the link check, the writer). What a build keeps of a page for the next
//! one (see `reuse`) and what the link check finds in it live beside it, not on it.

/// One output file, by its path under the output folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub path: String,
    /// Shared, so a page taken over from an earlier build is not copied; and made from the
    /// rendered text without copying it. Empty once a one-off build has written the page
    /// out (see `write::Sink::put`).
    pub bytes: bytes::Bytes,
    /// The file a page was written from, when a person wrote it (content pages, `static/`),
    /// so a problem in it is reported there.
    pub source: Option<std::path::PathBuf>,
    /// How `urls.json` lists the page: its kind and title. `None` for files nobody cites
    /// (assets, the 404 page).
    pub listing: Option<(&'static str, String)>,
    /// Already in the output, the stamp of a whole tree the build takes over unrendered (a
    /// released revision's frozen pages, see `Tree` and `write::frozen`): nothing writes it.
    pub in_place: bool,
}

impl Page {
    pub fn new(path: impl Into<String>, bytes: impl Into<bytes::Bytes>) -> Page {
        Page { path: path.into(), bytes: bytes.into(), source: None, listing: None, in_place: false }
    }
}

/// Add a page made after the others at its place in path order.
pub fn insert_sorted(pages: &mut Vec<Page>, page: Page) {
    let at = pages.partition_point(|p| p.path < page.path);
    pages.insert(at, page);
}

/// A frozen tree taken over whole: its files stand in the output as its stamp lists them,
/// unread, and a build carries it as one (its stamp among the pages, in place), not as
/// the thousands of files it holds: nothing of it is made, compared, checked or written.
#[derive(Debug, Clone)]
pub struct Tree {
    /// `rev/2016-05/`.
    pub prefix: String,
    /// The hash of what it was made from.
    pub key: u128,
    /// Its files but the stamp, in path order.
    pub files: std::sync::Arc<[TreeFile]>,
    /// Its stamp, in place, with its bytes: a watching process takes the tree over by
    /// them next time.
    pub stamp: Page,
}

/// A file of a tree taken over, and how `urls.json` lists it.
#[derive(Debug, Clone)]
pub struct TreeFile {
    pub path: String,
    pub listing: Option<(&'static str, String)>,
}

impl Tree {
    /// Its folder under the output (`rev/2016-05`, no slash at the end).
    pub fn folder(&self) -> String {
        self.prefix.trim_end_matches('/').to_string()
    }

    /// Whether the tree holds the file at `path` (its stamp aside).
    pub fn holds(&self, path: &str) -> bool {
        path.starts_with(&self.prefix) && self.files.binary_search_by(|f| f.path.as_str().cmp(path)).is_ok()
    }
}

/// Whether one of `trees` holds the file at `path`.
pub fn held(trees: &[Tree], path: &str) -> bool {
    trees.iter().any(|t| t.holds(path))
}
