//! `urls.json`: every published URL with its page kind and title, the promise made to
//! everyone who links to the site. Each build writes it, and refuses to drop a URL the
//! previous manifest promised unless an alias or a retirement keeps it answering.

use crate::diag::{Code, Error, Finding, Location, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const FILE: &str = crate::urls::MANIFEST;

/// One published URL. `url` is site-relative (`items/704/`; the home page is `""`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub url: String,
    pub kind: String,
    pub title: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub urls: Vec<Entry>,
}

impl Manifest {
    /// Entries sorted by URL, so two builds of the same data write the same bytes.
    pub fn new(mut urls: Vec<Entry>) -> Manifest {
        urls.sort_by(|a, b| a.url.cmp(&b.url));
        Manifest { urls }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("strings only") + "\n"
    }

    fn parse(path: &Path, text: &str) -> Result<Manifest> {
        serde_json::from_str(text).map_err(|e| {
            let at = Location::new(path, e.line()).with_col(e.column());
            Error::at(Code::Manifest, at, format!("not a rolesite urls.json: {e}"))
        })
    }

    pub fn get(&self, url: &str) -> Option<&Entry> {
        self.urls.binary_search_by(|e| e.url.as_str().cmp(url)).ok().map(|i| &self.urls[i])
    }

    /// The URLs of `self` that `newer` no longer has.
    pub fn dropped_by<'a>(&'a self, newer: &Manifest) -> Vec<&'a Entry> {
        self.urls.iter().filter(|e| newer.get(&e.url).is_none()).collect()
    }
}

/// A manifest as it was published: where it was read and the line of each URL there, so a
/// dropped URL is reported where it stands even after the file has been replaced (a
/// watching process updates it in place).
#[derive(Debug, Clone)]
pub struct Published {
    pub file: PathBuf,
    pub manifest: Manifest,
    lines: BTreeMap<String, usize>,
}

impl Published {
    /// The manifest read from `path` (by `baseline`, or the writer inspecting its folder).
    pub fn parse(path: &Path, text: &str) -> Result<Published> {
        let manifest = Manifest::parse(path, text)?;
        let lines = text
            .lines()
            .enumerate()
            .filter_map(|(i, l)| Some((l.trim().strip_prefix("\"url\": \"")?.strip_suffix("\",")?.to_string(), i + 1)))
            .collect();
        Ok(Published { file: path.to_path_buf(), manifest, lines })
    }

    /// An error for each published URL that `newer` drops, located at its line, saying how
    /// to keep it.
    pub fn check(&self, newer: &Manifest) -> Vec<Finding> {
        self.manifest
            .dropped_by(newer)
            .into_iter()
            .map(|e| {
                let at = Location::new(&self.file, self.lines.get(&e.url).copied().unwrap_or(0));
                let message = format!(
                    "{} ({}) was published and would disappear: map it to its new page in seeds/aliases.csv \
                     (old,new) or retire it in seeds/retired.csv (url,date,reason,see)",
                    if e.url.is_empty() { "the home page" } else { &e.url },
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

    fn entry(url: &str) -> Entry {
        Entry { url: url.into(), kind: "item".into(), title: format!("t {url}") }
    }

    #[test]
    fn dropped_urls_are_found_and_located_in_the_old_file() {
        let old = Manifest::new(vec![entry("items/2/"), entry("items/1/"), entry("")]);
        let new = Manifest::new(vec![entry("items/1/")]);
        let dropped: Vec<&str> = old.dropped_by(&new).iter().map(|e| e.url.as_str()).collect();
        assert_eq!(dropped, ["", "items/2/"]);
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(FILE);
        std::fs::write(&file, old.to_json()).unwrap();
        let published = Published::parse(&file, &std::fs::read_to_string(&file).unwrap()).unwrap();
        assert_eq!(published.manifest, old);
        // Found where they stood, even once the file is gone.
        std::fs::remove_file(&file).unwrap();
        let findings = published.check(&new);
        let at: Vec<usize> = findings.iter().map(|f| f.location.line).collect();
        let text = old.to_json();
        let line_of = |url: &str| text.lines().position(|l| l.contains(&format!("\"url\": \"{url}\""))).unwrap() + 1;
        assert_eq!(at, [line_of(""), line_of("items/2/")]);
        assert!(findings[1].message.contains("seeds/aliases.csv"), "{}", findings[1].message);
    }
}
