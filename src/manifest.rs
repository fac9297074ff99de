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
    /// The URLs and kinds.
    words: Box<str>,
    /// The titles, apart: shared with the frozen trees' file lists that take their titles
    /// from them (`page::TreeFiles::new`), which keep them when the rest is let go.
    titles: std::sync::Arc<str>,
    /// In URL order.
    spots: Vec<Spot>,
}

/// Where an entry's words stand in `Manifest::words` (its title in `Manifest::titles`), and
/// the line of its URL in the file it was read from (0 when made).
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
    titles: String,
    kinds: Vec<(u32, u32)>,
    /// Where each title was written, by its hash.
    written: HashMap<u64, (u32, u32)>,
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
        let known = self.written.get(&hash).copied();
        match known.filter(|&t| word(&self.titles, t) == title) {
            Some(t) => t,
            None => {
                let t = (to_u32(self.titles.len()), to_u32(title.len()));
                self.titles.push_str(title);
                self.written.entry(hash).or_insert(t);
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
        Manifest::sorted(words, spots)
    }

    fn sorted(words: Words, mut spots: Vec<Spot>) -> Manifest {
        // Held for a whole build (or a watching session): no room kept for growth.
        spots.shrink_to_fit();
        let Words { words, titles, .. } = words;
        spots.sort_by(|a, b| word(&words, a.url).cmp(word(&words, b.url)));
        Manifest { words: words.into(), titles: titles.into(), spots }
    }

    /// The spot of `url`.
    fn find(&self, url: &str) -> Option<&Spot> {
        let i = self.spots.binary_search_by(|s| word(&self.words, s.url).cmp(url)).ok()?;
        Some(&self.spots[i])
    }

    /// Its titles, and where the title of `url` stands in them (start, end).
    pub fn title_at(&self, url: &str) -> Option<(&std::sync::Arc<str>, (u32, u32))> {
        let (start, len) = self.find(url)?.title;
        Some((&self.titles, (start, start + len)))
    }

    fn entry(&self, s: &Spot) -> Entry<'_> {
        Entry { url: word(&self.words, s.url), kind: word(&self.words, s.kind), title: word(&self.titles, s.title) }
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
        to_json(self.iter(), self.words.len() + self.titles.len() + self.spots.len() * 72)
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
        Ok(Manifest::sorted(words, spots))
    }

    /// The manifest `text` holds when it is laid out as `to_json` writes it, read line by
    /// line: a published `urls.json` is read by every build, and at 141,000 URLs a JSON
    /// parser took a tenth of a second of it. `None` for any other layout, read by
    /// `parse` as JSON.
    fn parse_as_written(text: &str) -> Option<Manifest> {
        let (mut words, mut spots) = (Words::default(), Vec::new());
        as_written(text.split('\n'), |e, line| spots.push(words.spot(e, line)))?;
        Some(Manifest::sorted(words, spots))
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

/// Each entry of a manifest laid out as `to_json` writes it, with the line of its URL, in
/// the file's order, from its `lines` (as `str::split('\n')` gives them: without their
/// ends, the empty one after the last end included). `None` as soon as a line is laid out
/// otherwise.
fn as_written<L: AsRef<str>>(lines: impl Iterator<Item = L>, mut each: impl FnMut(Entry, u32)) -> Option<()> {
    // Lines counted from 1.
    let mut lines = lines.enumerate().map(|(i, l)| (to_u32(i + 1), l));
    let mut line = || lines.next();
    let is = |l: Option<(u32, L)>, text: &str| l.is_some_and(|(_, l)| l.as_ref() == text);
    if !is(line(), "{") {
        return None;
    }
    let (_, open) = line()?;
    let rest = match open.as_ref() {
        "  \"urls\": []" => ["}", ""],
        "  \"urls\": [" => loop {
            if !is(line(), "    {") {
                return None;
            }
            let (at, url) = line()?;
            let (kind, title) = (line()?.1, line()?.1);
            let url = literal(url.as_ref().strip_prefix("      \"url\": ")?.strip_suffix(',')?)?;
            let kind = literal(kind.as_ref().strip_prefix("      \"kind\": ")?.strip_suffix(',')?)?;
            let title = literal(title.as_ref().strip_prefix("      \"title\": ")?)?;
            each(Entry { url: &url, kind: &kind, title: &title }, at);
            match line()?.1.as_ref() {
                "    }," => continue,
                "    }" if is(line(), "  ]") => break ["}", ""],
                _ => return None,
            }
        },
        _ => return None,
    };
    (rest.iter().all(|r| is(line(), r)) && line().is_none()).then_some(())
}

/// Each entry of the manifest file at `path`, read 64 KiB at a time, as `as_written` gives
/// them; with the hash of the file's bytes, or `None` when it is not laid out so (or not
/// UTF-8).
fn walk_as_written(path: &Path, each: impl FnMut(Entry, u32)) -> Result<Option<u128>> {
    let file = crate::files::regular(path)?;
    let mut lines = Lines::of(std::io::BufReader::with_capacity(1 << 16, file));
    let laid_out = as_written(lines.by_ref(), each);
    if let Some(e) = lines.error {
        return Err(Error::io(path, e));
    }
    Ok(laid_out.filter(|_| !lines.broken).map(|_| lines.hash.digest128()))
}

/// The lines of a file read in parts, as `str::split('\n')` gives them, each one's bytes
/// hashed as they are read (`Lines::hash`). Ends at the first that is not UTF-8 (`broken`).
struct Lines<R> {
    from: R,
    hash: crate::hash::Stream,
    /// Whether the file has ended, and with it the lines.
    ended: bool,
    broken: bool,
    error: Option<std::io::Error>,
}

impl<R> Lines<R> {
    fn of(from: R) -> Lines<R> {
        Lines { from, hash: crate::hash::Stream::new(), ended: false, broken: false, error: None }
    }
}

impl<R: std::io::BufRead> Iterator for Lines<R> {
    type Item = String;

    fn next(&mut self) -> Option<String> {
        if self.ended {
            return None;
        }
        let mut bytes = Vec::new();
        match self.from.read_until(b'\n', &mut bytes) {
            Ok(_) => self.hash.update(&bytes),
            Err(e) => {
                (self.ended, self.error) = (true, Some(e));
                return None;
            }
        }
        // A line without its end is the last (after the last end, the empty one).
        match bytes.last() {
            Some(b'\n') => _ = bytes.pop(),
            _ => self.ended = true,
        }
        let line = crate::utf8::string(bytes).ok();
        self.broken |= line.is_none();
        self.ended |= line.is_none();
        line
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
    /// The hash of the file's text as it was read: it is read again only if still the same.
    key: u128,
    /// Whether `manifest` lists every URL of the file, not the few `only` kept.
    whole: bool,
}

impl Published {
    /// The manifest read from `path` (by `baseline`, or the writer inspecting its folder).
    pub fn parse(path: &Path, text: &str) -> Result<Published> {
        let manifest = Manifest::parse(path, text)?;
        Ok(Published { file: path.to_path_buf(), manifest, key: crate::hash::bytes(text.as_bytes()), whole: true })
    }

    /// The manifest at `path`, read line by line as `to_json` lays it out (a published site
    /// of many frozen revisions has a manifest of some 23 MB, not held whole besides what
    /// is read of it), or read whole and parsed as JSON when it is laid out otherwise.
    pub fn read(path: &Path) -> Result<Published> {
        let (mut words, mut spots) = (Words::default(), Vec::new());
        let Some(key) = walk_as_written(path, |e, line| spots.push(words.spot(e, line)))? else {
            return Published::parse(path, &crate::files::text(path, "the manifest")?);
        };
        Ok(Published { file: path.to_path_buf(), manifest: Manifest::sorted(words, spots), key, whole: true })
    }

    /// The entries of `urls` alone (those it lists), to hold while the rest is not needed:
    /// a site with many frozen revisions publishes 141,000 URLs, and their words take more
    /// than the pages being made. [`Published::again`] reads the whole back.
    pub fn only<'u>(&self, urls: impl IntoIterator<Item = &'u str>) -> Published {
        let mut kept: Vec<(Entry, u32)> =
            urls.into_iter().filter_map(|u| self.manifest.find(u)).map(|s| (self.manifest.entry(s), s.line)).collect();
        kept.sort_by(|a, b| a.0.url.cmp(b.0.url));
        kept.dedup_by(|a, b| a.0.url == b.0.url);
        let mut words = Words::default();
        let spots = kept.into_iter().map(|(e, line)| words.spot(e, line)).collect();
        Published { file: self.file.clone(), manifest: Manifest::sorted(words, spots), key: self.key, whole: false }
    }

    /// The manifest whole, read again from its file (`self` as it is, when whole); an
    /// error when the file is no longer the one read: a build holds to one published site.
    pub fn again(&self) -> Result<std::borrow::Cow<'_, Published>> {
        if self.whole {
            return Ok(std::borrow::Cow::Borrowed(self));
        }
        let text = crate::files::text(&self.file, "the manifest")?;
        if crate::hash::bytes(text.as_bytes()) != self.key {
            return Err(self.changed());
        }
        Published::parse(&self.file, &text).map(std::borrow::Cow::Owned)
    }

    /// The file is no longer the one read.
    fn changed(&self) -> Error {
        let message = "changed while rolesite built from it: nothing was published; build again";
        Error::at(Code::InputChanged, Location::file_only(&self.file), message)
    }

    /// An error for each published URL that a newer manifest drops (that its URLs, `listed`
    /// in URL order, lack), located at its line, saying how to keep it. Checked against the
    /// whole manifest: when `self` holds part of it (`only`), the file is read again, line
    /// by line as it was written, or whole when it was written otherwise.
    pub fn check<'l, I: Iterator<Item = &'l str>>(&self, listed: impl Fn() -> I) -> Result<Vec<Finding>> {
        let held = |m: &Manifest| -> Vec<Dropped> {
            let dropped = m.dropped_from(listed()).into_iter();
            dropped.map(|(e, line)| Dropped { url: e.url.into(), title: e.title.into(), line }).collect()
        };
        let dropped = match self.whole {
            true => held(&self.manifest),
            false => match self.dropped_read_again(listed())? {
                Some(dropped) => dropped,
                None => held(&self.again()?.manifest),
            },
        };
        let found = dropped.into_iter().map(|d| {
            let at = Location::new(&self.file, d.line as usize);
            let message = format!(
                "{} ({}) was published and would disappear: map it to its new page in seeds/aliases.csv (old,new) \
                 or retire it in seeds/retired.csv (url,date,reason,see)",
                if d.url.is_empty() { "the home page" } else { &d.url },
                d.title
            );
            Finding::error(Code::UrlRemoved, at, message)
        });
        Ok(found.collect())
    }

    /// The URLs of the file that `listed` (in URL order) lacks, read line by line and
    /// walked beside `listed`: nothing of it held but the URLs dropped. `None` when it is
    /// not laid out as `to_json` writes it, in URL order. An error when the file is no
    /// longer the one read.
    fn dropped_read_again<'l>(&self, listed: impl Iterator<Item = &'l str>) -> Result<Option<Vec<Dropped>>> {
        let (mut listed, mut last, mut dropped, mut ordered) = (listed.peekable(), String::new(), Vec::new(), true);
        let key = walk_as_written(&self.file, |e, line| {
            ordered &= *last <= *e.url;
            last.clear();
            last.push_str(e.url);
            while listed.next_if(|l| *l < e.url).is_some() {}
            if listed.peek() != Some(&e.url) {
                dropped.push(Dropped { url: e.url.into(), title: e.title.into(), line });
            }
        })?;
        match key.filter(|_| ordered) {
            None => Ok(None),
            Some(key) if key != self.key => Err(self.changed()),
            Some(_) => Ok(Some(dropped)),
        }
    }
}

/// A published URL a newer manifest drops: its title, and its line in the file.
struct Dropped {
    url: Box<str>,
    title: Box<str>,
    line: u32,
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
        let findings = published.check(listed).unwrap();
        let at: Vec<usize> = findings.iter().map(|f| f.location.line).collect();
        let text = old.to_json();
        let line_of = |url: &str| text.lines().position(|l| l.contains(&format!("\"url\": \"{url}\""))).unwrap() + 1;
        assert_eq!(at, [line_of(""), line_of("items/2/")]);
        assert!(findings[1].message.contains("seeds/aliases.csv"), "{}", findings[1].message);
    }

    /// What a check reports: each dropped URL's line and message.
    fn told(findings: &[Finding]) -> Vec<(usize, String)> {
        findings.iter().map(|f| (f.location.line, f.message.clone())).collect()
    }

    #[test]
    fn a_manifest_held_in_part_is_checked_whole_from_its_file() {
        let old = Manifest::new((1..=40).map(|n| format!("items/{n}/")).collect::<Vec<_>>().iter().map(|u| Entry {
            url: u,
            kind: "item",
            title: "題",
        }));
        let new = Manifest::new(old.iter().filter(|e| !["items/17/", "items/3/", "items/9/"].contains(&e.url)));
        let listed = || new.iter().map(|e| e.url);
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(FILE);
        // As written, in another layout, and as written with its entries out of order.
        let reordered = old.to_json().replacen("items/1/", "items/~/", 1);
        let compact =
            serde_json::to_string(&serde_json::from_str::<serde_json::Value>(&old.to_json()).unwrap()).unwrap();
        for text in [old.to_json(), compact, reordered] {
            std::fs::write(&file, &text).unwrap();
            let read = Published::read(&file).unwrap();
            let parsed = Published::parse(&file, &text).unwrap();
            assert_eq!((&read.manifest, read.key), (&parsed.manifest, parsed.key), "read as parsed");
            let whole = told(&read.check(listed).unwrap());
            assert_eq!(whole.len(), if text.contains("~") { 4 } else { 3 }, "{whole:?}");
            let part = read.only(["items/9/", "nothing/", "items/9/"]);
            assert_eq!(part.manifest.iter().map(|e| e.url).collect::<Vec<_>>(), ["items/9/"]);
            assert_eq!(told(&part.check(listed).unwrap()), whole, "the same, from the file");
            let line_by_line = part.dropped_read_again(listed()).unwrap().is_some();
            assert_eq!(line_by_line, text == old.to_json(), "read line by line only as written, in order");
            assert!(part.again().unwrap().manifest == read.manifest);
            // The file changed since: refused, whether read line by line or whole.
            std::fs::write(&file, text.replacen("題", "別", 1)).unwrap();
            let changed = part.check(listed).unwrap_err();
            assert!(matches!(&changed, Error::Located(f) if f.code == Code::InputChanged), "{changed}");
            assert!(part.again().is_err());
        }
        // Read line by line or whole, a whole manifest needs no file.
        std::fs::remove_file(&file).unwrap();
        let whole = Published::parse(&file, &old.to_json()).unwrap();
        assert_eq!(whole.check(listed).unwrap().len(), 3);
    }

    #[test]
    fn only_the_layout_to_json_writes_is_read_line_by_line() {
        let manifest = Manifest::new([entry("items/1/"), entry("")]);
        let text = manifest.to_json();
        let lines = |t: &str| -> Option<usize> {
            let mut n = 0;
            as_written(t.split('\n'), |_, _| n += 1).map(|_| n)
        };
        assert_eq!(lines(&text), Some(2));
        assert_eq!(lines(&Manifest::default().to_json()), Some(0));
        for other in [
            text.trim_end().to_string(),
            text.clone() + "\n",
            text.replace("    },", "    } ,"),
            text.replacen('{', "\u{feff}{", 1),
            text.replace("\n", "\r\n"),
        ] {
            assert_eq!(lines(&other), None, "{other:?}");
        }
        // A file's lines as read in parts are those `split` gives, and hashed whole.
        for t in [text.as_str(), "", "a", "a\n", "\n\n"] {
            let mut read = Lines::of(std::io::BufReader::with_capacity(3, t.as_bytes()));
            let got: Vec<String> = read.by_ref().collect();
            assert_eq!(got, t.split('\n').collect::<Vec<_>>());
            assert_eq!(read.hash.digest128(), crate::hash::bytes(t.as_bytes()));
        }
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
