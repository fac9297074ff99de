//! Every href and src among the rendered pages resolves to a page (and its #anchor), or
//! becomes a finding. Our own templates write the HTML, so scanning attributes suffices.

use crate::diag::{Code, Finding, Location};
use crate::page::{held, Page, Tree};
use rayon::prelude::*;
use rustc_hash::FxHashSet as HashSet;
use std::collections::BTreeSet;
use std::sync::Arc;

/// The ids an HTML page offers, shared with what a build keeps for the next.
pub type Ids = Arc<BTreeSet<String>>;

/// What a page links to, kept for the next build: a hash of its ids and one of its
/// hrefs/srcs, each in page order (to tell a changed page whose ids and links are the same
/// as before without reading them again), and a hash of each file and each `file#id` its
/// links lead to, sorted (to find the pages a lost file or id may break).
#[derive(Debug, Clone)]
pub struct Links {
    pub hashes: Hashes,
    pub leads_to: Arc<[u64]>,
}

/// A hash of a page's id values and one of its href/src values, each in page order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hashes {
    pub ids: u64,
    pub targets: u64,
}

impl Hashes {
    /// One pass over the page, with no set built and nothing decoded.
    fn of(bytes: &[u8]) -> Hashes {
        let (mut ids, mut targets) = (crate::hash::Stream::new(), crate::hash::Stream::new());
        each_attr(bytes, |kind, value| {
            let h = if kind == Attr::Id { &mut ids } else { &mut targets };
            h.update(value);
            h.update(&[0]);
        });
        Hashes { ids: ids.digest(), targets: targets.digest() }
    }
}

impl Links {
    fn of(from: &str, hashes: Hashes, targets: &BTreeSet<String>) -> Links {
        let mut leads_to = Vec::new();
        for t in targets {
            if let Destination::Place(file, anchor) = destination(from, t) {
                leads_to.push(place(&file, None));
                leads_to.extend(anchor.map(|a| place(&file, Some(a))));
            }
        }
        leads_to.sort_unstable();
        leads_to.dedup();
        Links { hashes, leads_to: leads_to.into() }
    }

    fn leads_to_any(&self, places: &HashSet<u64>) -> bool {
        self.leads_to.iter().any(|p| places.contains(p))
    }
}

/// A hash naming a file of the site, or an id in it (the id's hash seeded with the file's:
/// two one-shot hashes cost less than one streamed, and a page has hundreds).
fn place(file: &str, id: Option<&str>) -> u64 {
    let file = crate::hash::short(file.as_bytes());
    match id {
        Some(id) => crate::hash::short_seeded(id.as_bytes(), file),
        None => file,
    }
}

/// The ids a page offers and, when it was read, the hrefs/srcs it points at, with what
/// they lead to.
struct Scan<'a> {
    /// The page's place among all pages.
    at: usize,
    page: &'a Page,
    ids: Ids,
    targets: Option<BTreeSet<String>>,
    links: Option<Links>,
    /// Whether the earlier build had the page with the same bytes.
    unchanged: bool,
}

/// Read a page's ids and links; what they lead to only when the build is kept (`keep`).
fn scan(at: usize, page: &Page, keep: bool) -> Scan<'_> {
    let (ids, targets) = attrs(&page.bytes);
    let links = keep.then(|| Links::of(&page.path, Hashes::of(&page.bytes), &targets));
    Scan { at, page, ids: Arc::new(ids), links, targets: Some(targets), unchanged: false }
}

/// The outcome of a check: the broken links, and what was found in each page.
pub struct Checked {
    pub findings: Vec<Finding>,
    /// By the pages' places: `None` for a file that is not HTML.
    pub found: Vec<Option<Found>>,
}

/// What an earlier build of the same process found in its pages (see `reuse`).
pub trait Earlier: Sync {
    /// What it found in its page at `path`.
    fn found(&self, path: &str) -> Option<&Found>;
}

/// What an HTML page offers and links to.
#[derive(Debug, Clone)]
pub struct Found {
    pub ids: Ids,
    /// Where known (a build kept for the next).
    pub links: Option<Links>,
}

/// Each page is read once, in parallel; findings come in page order. What each page's
/// links lead to is worked out only for a build that is kept for the next (`keep`, a
/// watching process).
///
/// With an earlier build (`earlier`: what it found, which of `pages` it had with the same
/// bytes, and its files `pages` no longer have), a page it had with the same bytes, or with
/// the same ids and links in the same order, is not read into sets again: its links
/// resolved then, and they still do unless a file they lead to went away or a changed page
/// lost an id they lead to: such pages are read and checked again.
///
/// `pages` are in path order, as a build makes them, each path once.
pub fn check(
    pages: &[Page],
    trees: &[Tree],
    earlier: Option<(&dyn Earlier, &[bool], &[String])>,
    keep: bool,
) -> Checked {
    debug_assert!(pages.windows(2).all(|w| w[0].path < w[1].path), "pages in path order");
    let unchanged = |at: usize| earlier.is_some_and(|(_, same, _)| same[at]);
    let before = |p: &Page| earlier.and_then(|(e, _, _)| e.found(&p.path));
    let mut scans: Vec<Scan> = pages
        .par_iter()
        .enumerate()
        .filter(|(_, p)| p.path.ends_with(".html"))
        .map(|(at, p)| match before(p).and_then(|f| Some((f.ids.clone(), f.links.clone()?))) {
            // Unchanged, or changed with the same ids and links in the same order.
            Some((ids, links)) if unchanged(at) || Hashes::of(&p.bytes) == links.hashes => {
                Scan { at, page: p, ids, targets: None, links: Some(links), unchanged: unchanged(at) }
            }
            _ => Scan { unchanged: unchanged(at), ..scan(at, p, keep) },
        })
        .collect();
    let lost = earlier.map(|(e, _, gone)| lost_places(&scans, e, gone));
    // A page whose links are all as before: they resolved then, and still do, unless they
    // lead to a place that is lost. It is read again then (or when nothing is known of
    // where it leads).
    scans
        .par_iter_mut()
        .filter(|s| s.targets.is_none())
        .filter(|s| match &lost {
            None => true,
            Some(lost) => !lost.is_empty() && s.links.as_ref().is_none_or(|l| l.leads_to_any(lost)),
        })
        .for_each(|s| {
            let targets = attrs(&s.page.bytes).1;
            s.links = Some(Links::of(&s.page.path, Hashes::of(&s.page.bytes), &targets));
            s.targets = Some(targets);
        });
    // Both in path order, as pages are made: looked up without building maps.
    let places = Places { pages, scans: &scans, trees };
    let findings = scans
        .par_iter()
        .flat_map_iter(|s| {
            let at = Location::file_only(s.page.source.as_deref().unwrap_or(s.page.path.as_ref()));
            s.targets
                .iter()
                .flatten()
                .filter_map(|target| {
                    let problem = resolve(&s.page.path, target, &places)?;
                    Some(Finding::error(Code::BrokenLink, at.clone(), format!("{target}: {problem}")))
                })
                .collect::<Vec<_>>()
        })
        .collect();
    let mut found: Vec<Option<Found>> = vec![None; pages.len()];
    for s in scans {
        found[s.at] = Some(Found { ids: s.ids, links: s.links });
    }
    Checked { findings, found }
}

/// All pages, and the HTML pages' scans, both in path order; and the frozen trees taken
/// over whole.
struct Places<'s, 'p> {
    pages: &'p [Page],
    scans: &'s [Scan<'p>],
    trees: &'p [Tree],
}

/// What a link may lead to: the site's files, and the ids of its HTML pages.
trait Lookup {
    fn has_file(&self, path: &str) -> bool;
    /// Whether the HTML page at `path` offers `id`; `None` for a file that is not HTML.
    fn has_id(&self, path: &str, id: &str) -> Option<bool>;
}

impl Lookup for Places<'_, '_> {
    fn has_file(&self, path: &str) -> bool {
        self.pages.binary_search_by(|p| p.path.as_str().cmp(path)).is_ok() || held(self.trees, path)
    }

    fn has_id(&self, path: &str, id: &str) -> Option<bool> {
        match self.scans.binary_search_by(|s| s.page.path.as_str().cmp(path)) {
            Ok(at) => Some(self.scans[at].ids.contains(id)),
            // A page of a tree taken over is not read: no id of it is known.
            Err(_) => (path.ends_with(".html") && held(self.trees, path)).then_some(false),
        }
    }
}

/// What a page written out and dropped from memory (a one-off build, see `write::Sink`)
/// leaves for the check: the places of its ids and of what its links lead to, hashed, so a
/// hundred thousand pages' links take a few bytes each. Only a page with a link that does
/// not resolve is read back, to say which.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// `place(page, id)` of each id.
    ids: Box<[u64]>,
    /// `place(file)` and, for a link with an anchor, `place(file, id)`, sorted, each once.
    targets: Box<[(u64, Option<u64>)]>,
    /// Whether a link climbs above the site root.
    climbs: bool,
}

impl Summary {
    /// The summary of the file at `path`; empty for a file that is not HTML. Nothing is
    /// decoded twice: a hundred links to the same page are one target.
    pub fn of(path: &str, bytes: &[u8]) -> Summary {
        if !path.ends_with(".html") {
            return Summary::default();
        }
        let (mut ids, mut targets) = (Vec::new(), Vec::new());
        each_attr(bytes, |kind, value| match kind {
            Attr::Id => ids.push(place(path, Some(&decoded(value)))),
            Attr::Target => targets.push(value),
        });
        targets.sort_unstable();
        targets.dedup();
        let mut climbs = false;
        let mut places = Vec::with_capacity(targets.len());
        for t in targets {
            match destination(path, &decoded(t)) {
                Destination::Outside => {}
                Destination::AboveRoot => climbs = true,
                Destination::Place(file, anchor) => {
                    places.push((place(&file, None), anchor.map(|a| place(&file, Some(a)))))
                }
            }
        }
        places.sort_unstable();
        places.dedup();
        Summary { ids: ids.into(), targets: places.into(), climbs }
    }

    /// Whether a link on the page does not resolve.
    fn broken(&self, on: &Hashed) -> bool {
        self.climbs
            || self.targets.iter().any(|&(file, id)| {
                !on.files.contains(&file) || id.is_some_and(|id| on.html.contains(&file) && !on.ids.contains(&id))
            })
    }
}

/// The site's files, its HTML pages and their ids, by their places' hashes. (Two of a few
/// hundred thousand places hashing alike, which could hide one broken link, has odds of
/// about one in a hundred million.)
#[derive(Default)]
struct Hashed {
    files: HashSet<u64>,
    html: HashSet<u64>,
    ids: HashSet<u64>,
}

impl Lookup for Hashed {
    fn has_file(&self, path: &str) -> bool {
        self.files.contains(&place(path, None))
    }

    fn has_id(&self, path: &str, id: &str) -> Option<bool> {
        self.html.contains(&place(path, None)).then(|| self.ids.contains(&place(path, Some(id))))
    }
}

/// `check` for pages already written and dropped from memory, each with the `Summary` the
/// writer handed back (`summaries`, by the pages' places): a page with a link that does not
/// resolve is read back (`read`, by its path) to name the link and the problem. Nothing is
/// kept for a next build.
pub fn check_written(
    pages: &[Page],
    trees: &[Tree],
    summaries: &[Summary],
    read: impl Fn(&str) -> std::io::Result<Vec<u8>> + Sync,
) -> Checked {
    debug_assert_eq!(pages.len(), summaries.len(), "every page written");
    let mut hashed = Hashed::default();
    // A page of a tree taken over is not read: no id of it is known.
    hashed.files.reserve(trees.iter().map(|t| t.files.len()).sum::<usize>() + pages.len());
    for path in trees.iter().flat_map(|t| t.files.paths()) {
        let file = place(path, None);
        hashed.files.insert(file);
        if path.ends_with(".html") {
            hashed.html.insert(file);
        }
    }
    for (p, summary) in pages.iter().zip(summaries) {
        let file = place(&p.path, None);
        hashed.files.insert(file);
        if p.path.ends_with(".html") {
            hashed.html.insert(file);
            hashed.ids.extend(summary.ids.iter());
        }
    }
    let findings = pages
        .par_iter()
        .zip(summaries)
        .filter(|(_, s)| s.broken(&hashed))
        .flat_map_iter(|(p, _)| {
            let at = Location::file_only(p.source.as_deref().unwrap_or(p.path.as_ref()));
            let targets = match read(&p.path) {
                Ok(bytes) => attrs(&bytes).1,
                Err(e) => return vec![Finding::error(Code::BrokenLink, at, format!("could not read it back: {e}"))],
            };
            targets
                .iter()
                .filter_map(|target| {
                    let problem = resolve(&p.path, target, &hashed)?;
                    Some(Finding::error(Code::BrokenLink, at.clone(), format!("{target}: {problem}")))
                })
                .collect()
        })
        .collect();
    Checked { findings, found: vec![None; pages.len()] }
}

/// The places links may lead to that the last build had and this one lacks: the files
/// that are gone, and the ids a page no longer offers.
fn lost_places(scans: &[Scan], earlier: &dyn Earlier, gone: &[String]) -> HashSet<u64> {
    let mut lost: HashSet<u64> = gone.iter().map(|f| place(f, None)).collect();
    for s in scans.iter().filter(|s| !s.unchanged) {
        let before = earlier.found(&s.page.path).map(|f| &f.ids);
        if let Some(before) = before.filter(|b| !Arc::ptr_eq(b, &s.ids)) {
            lost.extend(before.difference(&s.ids).map(|id| place(&s.page.path, Some(id))));
        }
    }
    lost
}

/// Where a link leads: the file (and id), resolved against the page it is on.
enum Destination<'t> {
    /// A URL outside the site (`https:`, `mailto:`…).
    Outside,
    /// A relative path that climbs above the site root.
    AboveRoot,
    Place(String, Option<&'t str>),
}

fn destination<'t>(from: &str, target: &'t str) -> Destination<'t> {
    if has_scheme(target) {
        return Destination::Outside;
    }
    let (path, anchor) = target.split_once('#').map_or((target, None), |(p, a)| (p, Some(a)));
    let file = if path.is_empty() { Some(from.to_string()) } else { join(from, path) };
    match file {
        Some(file) => Destination::Place(file, anchor.filter(|a| !a.is_empty())),
        None => Destination::AboveRoot,
    }
}

fn resolve(from: &str, target: &str, places: &impl Lookup) -> Option<String> {
    let (file, anchor) = match destination(from, target) {
        Destination::Outside => return None,
        Destination::AboveRoot => return Some("climbs above the site root".into()),
        Destination::Place(file, anchor) => (file, anchor),
    };
    if !places.has_file(&file) {
        return Some(format!("no such file {file}"));
    }
    match anchor {
        Some(a) if places.has_id(&file, a) == Some(false) => Some(format!("no #{a} in {file}")),
        _ => None,
    }
}

/// `https:`, `mailto:`, `tel:`…: a URL that is not a file of the site.
fn has_scheme(target: &str) -> bool {
    let scheme = target.bytes().take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'.' | b'-')).count();
    target.starts_with(|c: char| c.is_ascii_alphabetic()) && target[scheme..].starts_with(':')
}

/// Resolve a relative path against the folder of `from`; `None` when it climbs out.
fn join(from: &str, rel: &str) -> Option<String> {
    // Built in place: the folder of `from`, then each segment, a `..` cutting the last off.
    let mut out = String::with_capacity(from.len() + rel.len());
    out.push_str(from.rsplit_once('/').map_or("", |(folder, _)| folder));
    for seg in rel.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if out.is_empty() {
                    return None;
                }
                out.truncate(out.rfind('/').unwrap_or(0));
            }
            s => {
                if !out.is_empty() {
                    out.push('/');
                }
                out.push_str(s);
            }
        }
    }
    Some(out)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Attr {
    Id,
    /// `href` or `src`.
    Target,
}

/// Each `id`, `href` and `src` value of a page, as written (escaped), in page order. Only
/// inside a tag: text may hold `href="x"` too, unescaped (Markdown and html5ever escape no
/// `"` in text), as in a code span showing HTML. A tag is told from text by the nearest `<`
/// or `>` before the attribute and after the previous value, which may hold either.
fn each_attr<'b>(bytes: &'b [u8], mut f: impl FnMut(Attr, &'b [u8])) {
    // `from`: where the last value ended; `inside`: whether a tag was open there.
    let (mut from, mut inside) = (0, false);
    for i in memchr::memmem::find_iter(bytes, b"=\"") {
        if i < from {
            continue;
        }
        if let Some(k) = memchr::memrchr2(b'<', b'>', &bytes[from..i]) {
            inside = bytes[from + k] == b'<';
        }
        if !inside {
            from = i;
            continue;
        }
        let rest = &bytes[i + 2..];
        let Some(end) = memchr::memchr(b'"', rest) else { return };
        from = i + 2 + end + 1;
        let name = &bytes[..i];
        let kind = if name.ends_with(b" id") {
            Attr::Id
        } else if name.ends_with(b" href") || name.ends_with(b" src") {
            Attr::Target
        } else {
            continue;
        };
        f(kind, &rest[..end]);
    }
}

/// The `id` values, and the `href` and `src` values, of a page, in one pass over it, with
/// the entities our escaping writes decoded.
fn attrs(bytes: &[u8]) -> (BTreeSet<String>, BTreeSet<String>) {
    let (mut ids, mut targets) = (BTreeSet::new(), BTreeSet::new());
    each_attr(bytes, |kind, value| {
        let set = if kind == Attr::Id { &mut ids } else { &mut targets };
        let value = decoded(value);
        if !set.contains(value.as_ref()) {
            set.insert(value.into_owned());
        }
    });
    (ids, targets)
}

/// An attribute's value as written, with the entities our escaping and html5ever's write
/// decoded.
fn decoded(value: &[u8]) -> std::borrow::Cow<'_, str> {
    match String::from_utf8_lossy(value) {
        v if v.contains('&') => crate::html::unescape(&v).into(),
        v => v,
    }
}

#[cfg(test)]
mod tests {
    /// Attributes are read inside tags only; a value may hold `<` or `>`.
    #[test]
    fn attributes_are_read_in_tags_not_text() {
        let page = br#"<p id="a">see <code>&lt;a href="text.html"&gt;</code> and a="b"</p><a title="x>y" href="t.html" id="b">t</a><script>s.href="js.html"</script><img alt="<" src="i.png">"#;
        let mut found = Vec::new();
        super::each_attr(page, |kind, value| {
            found.push((kind == super::Attr::Id, String::from_utf8_lossy(value).into_owned()))
        });
        let want = [(true, "a"), (false, "t.html"), (true, "b"), (false, "i.png")];
        assert_eq!(found, want.map(|(id, v)| (id, v.to_string())));
    }

    #[test]
    fn values_are_decoded_as_escaped() {
        let cases: [(&[u8], &str); 4] = [
            (b"a.html", "a.html"),
            (b"a&amp;b&quot;&lt;&gt;&#x27;.html", "a&b\"<>'.html"),
            (b"a&nbsp;b.html", "a\u{a0}b.html"),
            (b"a&amp;nbsp;b.html", "a&nbsp;b.html"),
        ];
        for (written, value) in cases {
            assert_eq!(super::decoded(written), value, "{}", String::from_utf8_lossy(written));
        }
    }

    #[test]
    fn join_resolves_against_the_pages_folder() {
        let cases = [
            ("index.html", "items/5/index.html", Some("items/5/index.html")),
            ("items/5/index.html", "../../vendors/v1/index.html", Some("vendors/v1/index.html")),
            ("items/5/index.html", "./a/../b.html", Some("items/5/b.html")),
            ("items/5/index.html", "../../../x.html", None),
            ("index.html", "../x.html", None),
            ("a/b.html", "", Some("a")),
            ("a/b.html", "c//d.html", Some("a/c/d.html")),
            ("a/b/c.html", "../../d/", Some("d")),
        ];
        for (from, rel, want) in cases {
            assert_eq!(super::join(from, rel).as_deref(), want, "{from} + {rel}");
        }
    }

    /// A page written out and dropped from memory gets the same findings as one held whole.
    #[test]
    fn a_written_site_is_checked_as_one_in_memory() {
        use crate::page::Page;
        let html = |path: &str, body: &str| Page::new(path, format!("<html><body>{body}</body></html>").into_bytes());
        let pages = vec![
            Page::new("data/roles.json", b"{}".to_vec()),
            html(
                "index.html",
                r##"<a href="items/1/index.html">1</a> <a href="items/2/index.html">2</a> <a href="https://x.invalid/">x</a>"##,
            ),
            html(
                "items/1/index.html",
                concat!(
                    r##"<h1 id="top">1</h1><a href="#top">up</a> <a href="#gone">gone</a> <a href="../../../up.html">up</a>"##,
                    r##" <a href="../../data/roles.json#any">data</a> <a href="../../index.html#nowhere">home</a>"##,
                    r##" <a id="a&amp;b" href="#a&amp;b">amp</a> <img src="../../assets/none.png">"##,
                ),
            ),
            html(
                "items/2/index.html",
                r##"<a href="../1/index.html#top">1</a> <a href="../../items/1/index.html#top">1</a>"##,
            ),
        ];
        let whole = super::check(&pages, &[], None, false);
        let bytes: std::collections::HashMap<String, Vec<u8>> =
            pages.iter().map(|p| (p.path.clone(), p.bytes.to_vec())).collect();
        let summaries: Vec<_> = pages.iter().map(|p| super::Summary::of(&p.path, &p.bytes)).collect();
        let written: Vec<Page> = pages.iter().map(|p| Page { bytes: Default::default(), ..p.clone() }).collect();
        let read = |path: &str| bytes.get(path).cloned().ok_or(std::io::ErrorKind::NotFound.into());
        let checked = super::check_written(&written, &[], &summaries, read);
        let messages = |c: &super::Checked| c.findings.iter().map(|f| f.to_string()).collect::<Vec<_>>();
        assert_eq!(messages(&checked), messages(&whole));
        // What the page above holds: the missing id, the climb, the home page's missing id
        // and the missing file; not the id of a file that is not HTML.
        let expected = [
            "#gone: no #gone in",
            "climbs above the site root",
            "#nowhere: no #nowhere in index.html",
            "no such file assets/none.png",
        ];
        for e in expected {
            assert!(messages(&whole).iter().any(|m| m.contains(e)), "{e}: {:?}", messages(&whole));
        }
        assert_eq!(messages(&whole).len(), expected.len(), "{:?}", messages(&whole));
    }

    #[test]
    fn a_scheme_is_letters_first_then_a_colon() {
        for outside in ["https://example.org/", "mailto:a@b", "tel:+81", "a+b.c-d:x"] {
            assert!(super::has_scheme(outside), "{outside}");
        }
        for inside in ["../x.html", "#top", "1http:x", "x.html", "", "a/b:c"] {
            assert!(!super::has_scheme(inside), "{inside}");
        }
    }
}
