//! `urls.json`: every published URL with its page kind and title, the promise made to
//! everyone who links to the site. Each build writes it, and refuses to drop a URL the
//! previous manifest promised unless an alias or a retirement keeps it answering.

use crate::diag::{Code, Error, Finding, Location, Result};
use serde::Deserialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub const FILE: &str = crate::urls::MANIFEST;

/// One published URL. `url` is site-relative (`items/704/`; the home page is `""`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry<'a> {
    pub url: &'a str,
    pub kind: &'a str,
    pub title: &'a str,
}

/// Every URL of a site with its kind and title, in URL order. Held as one string of their
/// words and each entry's places in it: a site with ten frozen revisions of a large table
/// lists some 141,000 URLs, and three strings of their own for each, read back from the
/// published file and made anew, cost a build more than a whole table did.
#[derive(Debug, Clone, Default)]
pub struct Manifest {
    /// Shared with the frozen trees' file lists that take their titles from it
    /// (`page::TreeFiles::new`).
    words: std::sync::Arc<str>,
    /// In URL order.
    spots: Vec<Spot>,
}

/// Where an entry's words stand in `Manifest::words`, and the line of its URL in the file
/// it was read from (0 when made).
#[derive(Debug, Clone, Copy)]
struct Spot {
    url: (u32, u32),
    kind: (u32, u32),
    title: (u32, u32),
    line: u32,
}

impl PartialEq for Manifest {
    fn eq(&self, other: &Manifest) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for Manifest {}

/// Builds a manifest's words, each kind written once, and each title once: a page of a
/// row has the same title in every revision that did not change it.
#[derive(Default)]
struct Words {
    words: String,
    kinds: Vec<(u32, u32)>,
    /// Where each title was written, by its hash.
    titles: HashMap<u64, (u32, u32)>,
}

impl Words {
    fn put(&mut self, s: &str) -> (u32, u32) {
        let at = self.words.len();
        self.words.push_str(s);
        (to_u32(at), to_u32(s.len()))
    }

    fn kind(&mut self, kind: &str) -> (u32, u32) {
        let known = self.kinds.iter().find(|&&k| word(&self.words, k) == kind);
        match known {
            Some(k) => *k,
            None => {
                let k = self.put(kind);
                self.kinds.push(k);
                k
            }
        }
    }

    fn title(&mut self, title: &str) -> (u32, u32) {
        let hash = crate::hash::short(title.as_bytes());
        let known = self.titles.get(&hash).copied();
        match known.filter(|&t| word(&self.words, t) == title) {
            Some(t) => t,
            None => {
                let t = self.put(title);
                self.titles.entry(hash).or_insert(t);
                t
            }
        }
    }

    fn spot(&mut self, e: Entry, line: u32) -> Spot {
        Spot { url: self.put(e.url), kind: self.kind(e.kind), title: self.title(e.title), line }
    }
}

/// The word at `(start, len)` of `words`.
fn word(words: &str, (start, len): (u32, u32)) -> &str {
    &words[start as usize..(start + len) as usize]
}

/// A manifest's words stay under 4 GiB: some 30 million URLs.
fn to_u32(n: usize) -> u32 {
    u32::try_from(n).expect("a manifest's words stay under 4 GiB")
}

impl Manifest {
    /// Entries sorted by URL, so two builds of the same data write the same bytes.
    pub fn new<'a>(entries: impl IntoIterator<Item = Entry<'a>>) -> Manifest {
        let mut words = Words::default();
        let spots = entries.into_iter().map(|e| words.spot(e, 0)).collect();
        Manifest::sorted(words.words, spots)
    }

    fn sorted(words: String, mut spots: Vec<Spot>) -> Manifest {
        // Held for a whole build (or a watching session): no room kept for growth.
        spots.shrink_to_fit();
        spots.sort_by(|a, b| word(&words, a.url).cmp(word(&words, b.url)));
        Manifest { words: words.into(), spots }
    }

    /// The spot of `url`.
    fn find(&self, url: &str) -> Option<&Spot> {
        let i = self.spots.binary_search_by(|s| word(&self.words, s.url).cmp(url)).ok()?;
        Some(&self.spots[i])
    }

    /// Its words, and where the title of `url` stands in them (start, end).
    pub fn title_at(&self, url: &str) -> Option<(&std::sync::Arc<str>, (u32, u32))> {
        let (start, len) = self.find(url)?.title;
        Some((&self.words, (start, start + len)))
    }

    fn entry(&self, s: &Spot) -> Entry<'_> {
        Entry { url: word(&self.words, s.url), kind: word(&self.words, s.kind), title: word(&self.words, s.title) }
    }

    /// Every entry, in URL order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = Entry<'_>> + '_ {
        self.spots.iter().map(|s| self.entry(s))
    }

    pub fn len(&self) -> usize {
        self.spots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spots.is_empty()
    }

    /// The file (see `to_json`).
    pub fn to_json(&self) -> String {
        to_json(self.iter(), self.words.len() + self.spots.len() * 72)
    }

    /// The manifest `text` holds, each URL with its line there (`"url": "…"` on a line of
    /// its own, as `to_json` writes it; else 0).
    fn parse(path: &Path, text: &str) -> Result<Manifest> {
        if let Some(manifest) = Manifest::parse_as_written(text) {
            return Ok(manifest);
        }
        use std::borrow::Cow;
        #[derive(Deserialize)]
        struct File<'a> {
            #[serde(borrow)]
            urls: Vec<Read<'a>>,
        }
        #[derive(Deserialize)]
        struct Read<'a> {
            #[serde(borrow)]
            url: Cow<'a, str>,
            #[serde(borrow)]
            kind: Cow<'a, str>,
            #[serde(borrow)]
            title: Cow<'a, str>,
        }
        let file: File = serde_json::from_str(text).map_err(|e| {
            let at = Location::new(path, e.line()).with_col(e.column());
            Error::at(Code::Manifest, at, format!("not a rolesite urls.json: {e}"))
        })?;
        let lines: HashMap<&str, usize> = (text.lines().enumerate())
            .filter_map(|(i, l)| Some((l.trim().strip_prefix("\"url\": \"")?.strip_suffix("\",")?, i + 1)))
            .collect();
        let mut words = Words::default();
        let spots = (file.urls.iter())
            .map(|r| {
                let line = lines.get(r.url.as_ref()).map_or(0, |&l| to_u32(l));
                words.spot(Entry { url: &r.url, kind: &r.kind, title: &r.title }, line)
            })
            .collect();
        Ok(Manifest::sorted(words.words, spots))
    }

    /// The manifest `text` holds when it is laid out as `to_json` writes it, read line by
    /// line: a published `urls.json` is read by every build, and at 141,000 URLs a JSON
    /// parser took a tenth of a second of it. `None` for any other layout, read by
    /// `parse` as JSON.
    fn parse_as_written(text: &str) -> Option<Manifest> {
        if text == "{\n  \"urls\": []\n}\n" {
            return Some(Manifest::default());
        }
        let body = text.strip_prefix("{\n  \"urls\": [\n")?;
        // Lines counted from 1, the body's first being the file's third.
        let mut lines = body.split('\n').enumerate().map(|(i, l)| (i + 3, l));
        let (mut words, mut spots) = (Words::default(), Vec::new());
        loop {
            let (_, open) = lines.next()?;
            if open != "    {" {
                return None;
            }
            let (at, url) = lines.next()?;
            let url = literal(url.strip_prefix("      \"url\": ")?.strip_suffix(',')?)?;
            let kind = literal(lines.next()?.1.strip_prefix("      \"kind\": ")?.strip_suffix(',')?)?;
            let title = literal(lines.next()?.1.strip_prefix("      \"title\": ")?)?;
            spots.push(words.spot(Entry { url: &url, kind: &kind, title: &title }, to_u32(at)));
            match lines.next()?.1 {
                "    }," => continue,
                "    }" => break,
                _ => return None,
            }
        }
        let rest: Vec<&str> = lines.map(|(_, l)| l).collect();
        (rest == ["  ]", "}", ""]).then(|| Manifest::sorted(words.words, spots))
    }

    pub fn get(&self, url: &str) -> Option<Entry<'_>> {
        self.find(url).map(|s| self.entry(s))
    }

    /// The URLs of `self` that a newer manifest no longer lists (`listed`: its URLs, in
    /// URL order), with the line of each where `self` was read: both walked once, side by
    /// side. A URL out of order in `listed` can only make a URL seem dropped, never kept.
    fn dropped_from<'l>(&self, listed: impl Iterator<Item = &'l str>) -> Vec<(Entry<'_>, u32)> {
        let mut listed = listed.peekable();
        let mut dropped = Vec::new();
        for s in &self.spots {
            let e = self.entry(s);
            while listed.next_if(|l| *l < e.url).is_some() {}
            if listed.peek() != Some(&e.url) {
                dropped.push((e, s.line));
            }
        }
        dropped
    }
}

/// The string a JSON string literal (`"…"`, a whole line's value) stands for: borrowed
/// when it escapes nothing; `None` when it is no string literal.
fn literal(s: &str) -> Option<std::borrow::Cow<'_, str>> {
    let inner = s.strip_prefix('"')?.strip_suffix('"')?;
    if escapes_nothing(inner) {
        return Some(std::borrow::Cow::Borrowed(inner));
    }
    serde_json::from_str::<String>(s).ok().map(std::borrow::Cow::Owned)
}

/// A manifest of entries borrowed from the pages that list them and from the frozen trees
/// taken over (each tree's files in URL order already, and all of a tree's URLs between
/// two others'), in URL order: what a one-off build checks and writes without a copy of
/// their words or a list of the trees' 128,000 entries.
pub struct Listing<'a> {
    made: Vec<Entry<'a>>,
    trees: &'a [crate::page::Tree],
}

impl<'a> Listing<'a> {
    /// `made`, in any order, and `trees`, in prefix order.
    pub fn new(made: impl IntoIterator<Item = Entry<'a>>, trees: &'a [crate::page::Tree]) -> Listing<'a> {
        let mut made: Vec<Entry<'a>> = made.into_iter().collect();
        made.sort_unstable_by(|a, b| a.url.cmp(b.url));
        Listing { made, trees }
    }

    /// Every URL, in order.
    pub fn urls(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.entries().map(|e| e.url)
    }

    /// Every entry, in URL order: the pages' and the trees' merged.
    fn entries(&self) -> impl Iterator<Item = Entry<'a>> + '_ {
        let trees =
            (self.trees.iter().flat_map(|t| t.files.listed())).map(|(url, kind, title)| Entry { url, kind, title });
        itertools::Itertools::merge_by(self.made.iter().copied(), trees, |a, b| a.url <= b.url)
    }

    /// The file (see `to_json`).
    pub fn to_json(&self) -> String {
        let size = self.entries().map(|e| e.url.len() + e.kind.len() + e.title.len() + 72).sum();
        to_json(self.entries(), size)
    }

    /// The file, written to `out` as it is made.
    pub fn write_json(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        write_json(self.entries(), out)
    }

    /// The same entries, held.
    pub fn to_manifest(&self) -> Manifest {
        Manifest::new(self.entries())
    }
}

/// `urls.json` of `entries` (in URL order; about `size` bytes when written): as
/// `serde_json::to_string_pretty` writes `{"urls": [{url, kind, title}…]}`, each string
/// escaped by serde_json, written straight into one buffer of about its size.
fn to_json<'a>(entries: impl Iterator<Item = Entry<'a>>, size: usize) -> String {
    let mut out = Vec::with_capacity(size + 16);
    write_json(entries, &mut out).expect("written to memory");
    crate::utf8::string(out).expect("strings written as JSON are UTF-8")
}

/// `to_json`, written to `out`: each entry put together in a buffer, which goes out in
/// pieces of some 64 KiB (a manifest of 141,000 URLs is written in every build).
fn write_json<'a>(entries: impl Iterator<Item = Entry<'a>>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut entries = entries.peekable();
    if entries.peek().is_none() {
        return out.write_all(b"{\n  \"urls\": []\n}\n");
    }
    let mut buf = Vec::with_capacity(1 << 17);
    buf.extend_from_slice(b"{\n  \"urls\": [");
    for (i, e) in entries.enumerate() {
        buf.extend_from_slice(if i == 0 { b"\n    {\n      \"url\": " } else { b",\n    {\n      \"url\": " });
        json_string(&mut buf, e.url);
        buf.extend_from_slice(b",\n      \"kind\": ");
        json_string(&mut buf, e.kind);
        buf.extend_from_slice(b",\n      \"title\": ");
        json_string(&mut buf, e.title);
        buf.extend_from_slice(b"\n    }");
        if buf.len() >= 1 << 16 {
            out.write_all(&buf)?;
            buf.clear();
        }
    }
    buf.extend_from_slice(b"\n  ]\n}\n");
    out.write_all(&buf)
}

/// `s` as a JSON string literal, as serde_json writes it: most URLs and titles escape
/// nothing, and are told so a block of bytes at a time.
fn json_string(out: &mut Vec<u8>, s: &str) {
    match escapes_nothing(s) {
        true => {
            out.push(b'"');
            out.extend_from_slice(s.as_bytes());
            out.push(b'"');
        }
        false => serde_json::to_writer(out, s).expect("written to memory"),
    }
}

/// Whether `s` holds nothing a JSON string escapes (a quote, a backslash, a control
/// character). Every byte looked at, with no early way out, so that it runs on vectors.
fn escapes_nothing(s: &str) -> bool {
    !s.bytes().fold(false, |any, b| any | (b < 0x20) | (b == b'"') | (b == b'\\'))
}

/// A manifest as it was published: where it was read and the line of each URL there, so a
/// dropped URL is reported where it stands even after the file has been replaced (a
/// watching process updates it in place).
#[derive(Debug, Clone)]
pub struct Published {
    pub file: PathBuf,
    pub manifest: Manifest,
}

impl Published {
    /// The manifest read from `path` (by `baseline`, or the writer inspecting its folder).
    pub fn parse(path: &Path, text: &str) -> Result<Published> {
        Ok(Published { file: path.to_path_buf(), manifest: Manifest::parse(path, text)? })
    }

    /// An error for each published URL that a newer manifest drops (that its URLs, `listed`
    /// in URL order, lack), located at its line, saying how to keep it.
    pub fn check<'l>(&self, listed: impl Iterator<Item = &'l str>) -> Vec<Finding> {
        self.manifest
            .dropped_from(listed)
            .into_iter()
            .map(|(e, line)| {
                let at = Location::new(&self.file, line as usize);
                let message = format!(
                    "{} ({}) was published and would disappear: map it to its new page in seeds/aliases.csv \
                     (old,new) or retire it in seeds/retired.csv (url,date,reason,see)",
                    if e.url.is_empty() { "the home page" } else { e.url },
                    e.title
                );
                Finding::error(Code::UrlRemoved, at, message)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(url: &str) -> Entry<'_> {
        Entry { url, kind: "item", title: "t" }
    }

    #[test]
    fn dropped_urls_are_found_and_located_in_the_old_file() {
        let old = Manifest::new(vec![entry("items/2/"), entry("items/1/"), entry("")]);
        // The newer one lists URLs the old did not, before, between and after the old ones.
        let new = Manifest::new(vec![entry("items/1/"), entry("a/"), entry("items/10/"), entry("z/")]);
        let listed = || new.iter().map(|e| e.url);
        let dropped: Vec<&str> = old.dropped_from(listed()).iter().map(|(e, _)| e.url).collect();
        assert_eq!(dropped, ["", "items/2/"]);
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(FILE);
        std::fs::write(&file, old.to_json()).unwrap();
        let published = Published::parse(&file, &std::fs::read_to_string(&file).unwrap()).unwrap();
        assert_eq!(published.manifest, old);
        // Found where they stood, even once the file is gone.
        std::fs::remove_file(&file).unwrap();
        let findings = published.check(listed());
        let at: Vec<usize> = findings.iter().map(|f| f.location.line).collect();
        let text = old.to_json();
        let line_of = |url: &str| text.lines().position(|l| l.contains(&format!("\"url\": \"{url}\""))).unwrap() + 1;
        assert_eq!(at, [line_of(""), line_of("items/2/")]);
        assert!(findings[1].message.contains("seeds/aliases.csv"), "{}", findings[1].message);
    }

    #[test]
    fn the_file_is_written_as_serde_json_writes_it_and_reads_back() {
        #[derive(serde::Serialize)]
        struct File<'a> {
            urls: Vec<Owned<'a>>,
        }
        #[derive(serde::Serialize)]
        struct Owned<'a> {
            url: &'a str,
            kind: &'a str,
            title: &'a str,
        }
        let odd = [
            Entry {
                url: "items/704/", kind: "item", title: "項番704 「引用」\"そのまま\" \\ タブ\t改行\n"
            },
            Entry { url: "", kind: "home", title: "ホーム" },
            Entry { url: "phases/3/", kind: "phase", title: "\u{1f}制御文字" },
        ];
        for entries in [&odd[..], &odd[..1], &[]] {
            let manifest = Manifest::new(entries.iter().copied());
            let mut sorted: Vec<Entry> = entries.to_vec();
            sorted.sort_by(|a, b| a.url.cmp(b.url));
            let owned = sorted.iter().map(|e| Owned { url: e.url, kind: e.kind, title: e.title }).collect();
            let file = File { urls: owned };
            let expected = serde_json::to_string_pretty(&file).unwrap() + "\n";
            assert_eq!(manifest.to_json(), expected);
            assert!(Manifest::parse_as_written(&expected).is_some(), "read line by line");
            let back = Manifest::parse(Path::new("urls.json"), &expected).unwrap();
            assert_eq!(back, manifest);
            // Laid out otherwise (on one line, or with a key in another place): read as JSON.
            let compact = serde_json::to_string(&file).unwrap();
            let moved = expected.replacen(
                "\"url\": \"items/704/\",\n      \"kind\": \"item\"",
                "\"kind\": \"item\",\n      \"url\": \"items/704/\"",
                1,
            );
            for other in [&compact, &moved] {
                assert!(entries.is_empty() || Manifest::parse_as_written(other).is_none(), "{other}");
                assert_eq!(Manifest::parse(Path::new("urls.json"), other).unwrap(), manifest);
            }
            assert_eq!(back.iter().collect::<Vec<_>>(), sorted);
            assert_eq!(back.get("phases/3/").map(|e| e.kind), entries.get(2).map(|_| "phase"));
        }
    }
}
