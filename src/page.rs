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
    /// Already in the output as a whole tree the build takes over unrendered (a released
    /// revision's frozen pages, see `write::frozen`): it holds no bytes, and nothing writes it.
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
