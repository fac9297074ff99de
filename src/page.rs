//! One file of the site, as it will be written: the unit every stage after rendering hands
//! on (the manifest, the link check, the writer). What a build keeps of a page for the next
//! one (see `reuse`) and what the link check finds in it live beside it, not on it.

use std::sync::Arc;

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
    pub files: std::sync::Arc<TreeFiles>,
    /// Its stamp, in place, with its bytes: a watching process takes the tree over by
    /// them next time.
    pub stamp: Page,
}

/// A file of a tree taken over, and how `urls.json` lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TreeFile<'a> {
    pub path: &'a str,
    pub listing: Option<(&'static str, &'a str)>,
}

/// A tree's files in path order, held as one string of their paths and titles with each
/// file's places in it: ten frozen revisions of a large table hold 128,000 files, and two
/// strings of their own for each would cost a build more than its own pages' list does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TreeFiles {
    words: String,
    /// The published manifest's words, where titles the same as published are read
    /// (see `new`): a title span whose start has `SHARED` set stands there.
    shared: Option<std::sync::Arc<str>>,
    /// Each file's place, in path order.
    spots: Vec<Spot>,
    /// The kinds the files are listed under, each once (a dozen at most).
    kinds: Vec<&'static str>,
    /// The files `urls.json` lists (those with a kind and title), by their places in
    /// `spots`, in URL order: as the manifest merges them in, unsorted again.
    by_url: Vec<u32>,
}

/// Where a word stands in `TreeFiles::words`: its start and end.
type Span = (u32, u32);

/// A file's path and title in `TreeFiles::words` and its kind's place in `kinds`
/// (`UNLISTED` for a file `urls.json` does not list): 20 bytes, where a kind held as a
/// string beside an optional title took 32, for each of 128,000 files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Spot {
    path: Span,
    title: Span,
    kind: u8,
}

/// The kind of a file `urls.json` does not list.
const UNLISTED: u8 = u8::MAX;

/// Set in a title's start when the title stands in `TreeFiles::shared`.
const SHARED: u32 = 1 << 31;

impl TreeFiles {
    /// `files`, in any order; `None` when a path is listed twice. Each title that the
    /// published manifest gives the same URL is read from its words instead of held again
    /// (`published`: the manifest's words and where the title of a URL stands in them,
    /// `manifest::Manifest::title_at`): a frozen page's title is the one published, in every
    /// build that takes its tree over (128,000 titles for ten revisions of a 10,000-task
    /// table).
    pub fn new<'a, 'm>(
        files: impl IntoIterator<Item = TreeFile<'a>>,
        published: impl Fn(&str) -> Option<(&'m Arc<str>, Span)>,
    ) -> Option<TreeFiles> {
        let mut words = String::new();
        let mut put = |s: &str| {
            let start = words.len();
            words.push_str(s);
            (to_u32(start), to_u32(words.len()))
        };
        let mut shared: Option<Arc<str>> = None;
        let mut kinds: Vec<&'static str> = Vec::new();
        let files = files.into_iter();
        let mut spots = Vec::with_capacity(files.size_hint().0);
        for f in files {
            let (kind, title) = match f.listing {
                None => (UNLISTED, (0, 0)),
                Some((kind, own)) => {
                    // Files of a kind stand together (a tree's items, its phases): the last
                    // kind is looked at first.
                    let at = kinds.iter().rposition(|k| *k == kind).unwrap_or_else(|| {
                        kinds.push(kind);
                        kinds.len() - 1
                    });
                    let same = published(crate::urls::url_of_file(f.path)).filter(|(w, (s, e))| {
                        *s < SHARED
                            && &w[*s as usize..*e as usize] == own
                            && shared.as_ref().is_none_or(|x| Arc::ptr_eq(x, w))
                    });
                    let title = match same {
                        Some((w, (s, e))) => {
                            shared.get_or_insert_with(|| Arc::clone(w));
                            (s | SHARED, e)
                        }
                        None => put(own),
                    };
                    (u8::try_from(at).ok().filter(|k| *k != UNLISTED)?, title)
                }
            };
            spots.push(Spot { path: put(f.path), title, kind });
        }
        // Held for the build: no room kept for growth.
        spots.shrink_to_fit();
        let at = |(start, end): (u32, u32)| &words[start as usize..end as usize];
        spots.sort_by(|a, b| at(a.path).cmp(at(b.path)));
        if spots.windows(2).any(|w| at(w[0].path) == at(w[1].path)) {
            return None;
        }
        let url = |i: &u32| crate::urls::url_of_file(at(spots[*i as usize].path));
        let listed = |i: &u32| spots[*i as usize].kind != UNLISTED;
        let mut by_url: Vec<u32> = (0..to_u32(spots.len())).filter(listed).collect();
        by_url.sort_by(|a, b| url(a).cmp(url(b)));
        words.shrink_to_fit();
        Some(TreeFiles { words, shared, spots, kinds, by_url })
    }

    fn at(&self, (start, end): (u32, u32)) -> &str {
        &self.words[start as usize..end as usize]
    }

    fn title(&self, (start, end): (u32, u32)) -> &str {
        match &self.shared {
            Some(shared) if start & SHARED != 0 => &shared[(start & !SHARED) as usize..end as usize],
            _ => self.at((start, end)),
        }
    }

    pub fn len(&self) -> usize {
        self.spots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spots.is_empty()
    }

    /// How `urls.json` lists the file at `spot`, if it does.
    fn listing(&self, spot: &Spot) -> Option<(&'static str, &str)> {
        (spot.kind != UNLISTED).then(|| (self.kinds[spot.kind as usize], self.title(spot.title)))
    }

    /// Every file, in path order.
    pub fn iter(&self) -> impl Iterator<Item = TreeFile<'_>> + Clone + '_ {
        (self.spots.iter()).map(|s| TreeFile { path: self.at(s.path), listing: self.listing(s) })
    }

    /// The paths alone, in order.
    pub fn paths(&self) -> impl Iterator<Item = &str> + '_ {
        self.spots.iter().map(|s| self.at(s.path))
    }

    /// The files `urls.json` lists, in URL order: each one's URL, kind and title.
    pub fn listed(&self) -> impl Iterator<Item = (&str, &'static str, &str)> + '_ {
        self.by_url.iter().filter_map(|&i| {
            let spot = &self.spots[i as usize];
            let (kind, title) = self.listing(spot)?;
            Some((crate::urls::url_of_file(self.at(spot.path)), kind, title))
        })
    }

    pub fn contains(&self, path: &str) -> bool {
        self.spots.binary_search_by(|s| self.at(s.path).cmp(path)).is_ok()
    }
}

/// A tree's words stay under 2 GiB (the top bit of a place is `SHARED`).
fn to_u32(n: usize) -> u32 {
    u32::try_from(n).ok().filter(|&n| n < SHARED).expect("a tree's paths and titles stay under 2 GiB")
}

impl Tree {
    /// Its folder under the output (`rev/2016-05`, no slash at the end).
    pub fn folder(&self) -> String {
        self.prefix.trim_end_matches('/').to_string()
    }

    /// Whether the tree holds the file at `path` (its stamp aside).
    pub fn holds(&self, path: &str) -> bool {
        path.starts_with(&self.prefix) && self.files.contains(path)
    }
}

/// Whether one of `trees` holds the file at `path`.
pub fn held(trees: &[Tree], path: &str) -> bool {
    trees.iter().any(|t| t.holds(path))
}

#[cfg(test)]
mod tests {
    use super::{TreeFile, TreeFiles};
    use std::sync::Arc;

    #[test]
    fn a_tree_reading_its_titles_from_the_published_manifest_lists_the_same() {
        let file = |path, title: Option<&'static str>| TreeFile { path, listing: title.map(|t| ("item", t)) };
        let files = [
            file("rev/a/items/2/index.html", Some("項番2 設計(a版)")),
            file("rev/a/items/1/index.html", Some("項番1 計画(a版)")),
            file("rev/a/items/3/index.html", Some("項番3 試験(a版)")),
            file("rev/a/assets.txt", None),
        ];
        let own = TreeFiles::new(files, |_| None).unwrap();
        // A published manifest's words, and where each URL's title stands in them.
        let words: Arc<str> = "項番1 計画項番1 計画(a版)項番2 別名(a版)".into();
        let places =
            [("items/1/", "項番1 計画"), ("rev/a/items/1/", "項番1 計画(a版)"), ("rev/a/items/2/", "項番2 別名(a版)")];
        let published = |url: &str| {
            let (_, title) = places.iter().find(|(u, _)| *u == url)?;
            let start = words.find(title)? as u32;
            Some((&words, (start, start + title.len() as u32)))
        };
        let shared = TreeFiles::new(files, published).unwrap();
        let listed: Vec<_> = own.listed().collect();
        assert_eq!(shared.listed().collect::<Vec<_>>(), listed);
        assert_eq!(
            listed.iter().map(|l| l.0).collect::<Vec<_>>(),
            ["rev/a/items/1/", "rev/a/items/2/", "rev/a/items/3/"]
        );
        assert_eq!(shared.iter().collect::<Vec<_>>(), own.iter().collect::<Vec<_>>());
        assert!(shared.words.len() < own.words.len(), "the title as published is not held again");
        assert!(shared.words.contains("項番2 設計") && !shared.words.contains("項番1 計画"));
        assert!(shared.shared.as_ref().is_some_and(|w| Arc::ptr_eq(w, &words)) && own.shared.is_none());
        // Listed twice: refused.
        assert!(TreeFiles::new([files[0], files[1], files[0]], published).is_none());
    }

    #[test]
    fn each_file_keeps_its_own_kind() {
        let files = [
            TreeFile { path: "rev/a/phases/1/index.html", listing: Some(("phase", "項番1 計画(a版)")) },
            TreeFile { path: "rev/a/data/roles.json", listing: None },
            TreeFile { path: "rev/a/items/2/index.html", listing: Some(("item", "項番2 設計(a版)")) },
            TreeFile { path: "rev/a/index.html", listing: Some(("home", "役割分担表(a版)")) },
            TreeFile { path: "rev/a/items/3/index.html", listing: Some(("item", "項番3 試験(a版)")) },
        ];
        let tree = TreeFiles::new(files, |_| None).unwrap();
        let mut sorted = files;
        sorted.sort_by_key(|f| f.path);
        assert_eq!(tree.iter().collect::<Vec<_>>(), sorted);
        assert_eq!(tree.kinds, ["phase", "item", "home"], "each kind held once");
        let listed: Vec<_> = tree.listed().map(|(url, kind, _)| (url, kind)).collect();
        assert_eq!(
            listed,
            [("rev/a/", "home"), ("rev/a/items/2/", "item"), ("rev/a/items/3/", "item"), ("rev/a/phases/1/", "phase")]
        );
        assert_eq!(std::mem::size_of::<super::Spot>(), 20);
    }
}
