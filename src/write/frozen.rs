//! A released revision's frozen pages are made once: each tree (`rev/<label>/`) carries a
//! stamp (`frozen.json`) naming the hash of all it was made from and every file it holds
//! with its size and listing. A build whose revision, theme and settings hash the same
//! takes the tree over from the output as it stands, unrendered, once it has checked that
//! the tree holds exactly the files the stamp lists, each a regular file of its size, and
//! nothing else (no link, no file put in since): a one-off build moves the tree into the
//! new site whole (`Sink::finish`), a watching process leaves it where it is.

use crate::page::{Page, Tree, TreeFile};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The stamp's name inside its tree.
pub const STAMP: &str = "frozen.json";

#[derive(Serialize, Deserialize)]
struct Stamp {
    /// The hash of what the tree was made from, in hex.
    key: String,
    /// The hash of the revision's files (`Revision::key`), in hex: data this build
    /// validated, which a later build of the same bytes need not validate again.
    #[serde(default)]
    data: String,
    files: Vec<Entry>,
}

#[derive(Serialize, Deserialize)]
struct Entry {
    /// Under the output folder.
    path: String,
    size: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    title: Option<String>,
}

/// The kinds `urls.json` lists pages under, as `plan::describe` and the data files name
/// them: a stamp's kinds are read back as these.
const KINDS: [&str; 18] = [
    "home",
    "item",
    "heading",
    "phase",
    "phases",
    "vendor",
    "vendors",
    "subsystem",
    "subsystems",
    "unassigned",
    "matrix",
    "quality",
    "page",
    "changes",
    "alias",
    "retired",
    "lost",
    "data",
];

/// The stamp of the tree at `prefix` (`rev/2016-05/`) made from inputs that hashed to
/// `key`, listing `files` (every other file of the tree: its path, size and listing).
pub fn stamp<'p>(
    prefix: &str,
    key: u128,
    data: u128,
    files: impl Iterator<Item = (&'p str, u64, Option<&'p (&'static str, String)>)>,
) -> Page {
    let files = files
        .map(|(path, size, listing)| Entry {
            path: path.to_string(),
            size,
            kind: listing.map(|(k, _)| k.to_string()),
            title: listing.map(|(_, t)| t.clone()),
        })
        .collect();
    let stamp = Stamp { key: format!("{key:032x}"), data: format!("{data:032x}"), files };
    Page::new(format!("{prefix}{STAMP}"), serde_json::to_vec(&stamp).expect("strings and numbers"))
}

/// The revision data (`Revision::key`) the build that wrote `stamp` validated.
pub fn validated(stamp: &[u8]) -> Option<u128> {
    #[derive(Deserialize)]
    struct Head {
        #[serde(default)]
        data: String,
    }
    let head: Head = serde_json::from_slice(stamp).ok()?;
    u128::from_str_radix(&head.data, 16).ok()
}

/// The tree at `prefix` as a build takes it over, read from `stamp` (its bytes): when it
/// was made from inputs that hashed to `key`. `None` when it was not, or the stamp cannot
/// be read.
pub fn listed(prefix: &str, key: u128, stamp: &[u8]) -> Option<Tree> {
    tree_of(prefix, key, serde_json::from_slice(stamp).ok()?, stamp)
}

/// `listed`, of the stamp `read` already parsed from `stamp`.
fn tree_of(prefix: &str, key: u128, read: Stamp, stamp: &[u8]) -> Option<Tree> {
    if read.key != format!("{key:032x}") {
        return None;
    }
    let (mut files, own) = (Vec::with_capacity(read.files.len()), format!("{prefix}{STAMP}"));
    for f in read.files {
        if !f.path.starts_with(prefix) || !super::plain(&f.path) || f.path == own {
            return None;
        }
        let listing = match (f.kind, f.title) {
            (Some(k), Some(t)) => Some((*KINDS.iter().find(|x| **x == k)?, t)),
            _ => None,
        };
        files.push(TreeFile { path: f.path, listing });
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    if files.windows(2).any(|w| w[0].path == w[1].path) {
        return None;
    }
    let stamp = Page { in_place: true, ..Page::new(own, bytes::Bytes::copy_from_slice(stamp)) };
    Some(Tree { prefix: prefix.to_string(), key, files: files.into(), stamp })
}

/// The tree at `prefix` in the folder `out`, when it stands whole as its stamp lists it and
/// was made from inputs that hashed to `key` (see `listed`): walked without following a
/// link, each entry a folder or a regular file, each file listed with its size, and no file
/// besides.
pub fn in_place(out: &Path, prefix: &str, key: u128) -> Option<Tree> {
    let tree = out.join(prefix);
    let stamp = crate::files::bytes(&tree.join(STAMP)).ok()?;
    let read: Stamp = serde_json::from_slice(&stamp).ok()?;
    if read.key != format!("{key:032x}") {
        return None;
    }
    let sizes: std::collections::HashMap<&str, u64> = read.files.iter().map(|f| (f.path.as_str(), f.size)).collect();
    let mut seen = 0;
    for entry in walkdir::WalkDir::new(&tree).follow_links(false) {
        let entry = entry.ok()?;
        let kind = entry.file_type();
        if kind.is_dir() {
            continue;
        }
        if !kind.is_file() {
            return None;
        }
        let rel = entry.path().strip_prefix(out).ok()?.to_str()?.replace('\\', "/");
        if rel == format!("{prefix}{STAMP}") {
            continue;
        }
        let size = entry.metadata().ok()?.len();
        if sizes.get(rel.as_str()) != Some(&size) {
            return None;
        }
        seen += 1;
    }
    if seen != sizes.len() {
        return None;
    }
    drop(sizes);
    tree_of(prefix, key, read, &stamp)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(dir: &Path) -> Vec<Page> {
        let pages = vec![
            Page {
                listing: Some(("item", "項番1 設計".into())), ..Page::new("rev/a/items/1/index.html", "<p>1</p>")
            },
            Page::new("rev/a/assets.txt", "x"),
        ];
        for p in &pages {
            let path = dir.join(&p.path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, &p.bytes).unwrap();
        }
        let stamp =
            stamp("rev/a/", 7, 9, pages.iter().map(|p| (p.path.as_str(), p.bytes.len() as u64, p.listing.as_ref())));
        std::fs::write(dir.join(&stamp.path), &stamp.bytes).unwrap();
        pages
    }

    #[test]
    fn a_whole_tree_is_taken_over_and_any_change_in_it_is_not() {
        let dir = tempfile::tempdir().unwrap();
        tree(dir.path());
        let tree = in_place(dir.path(), "rev/a/", 7).expect("whole");
        let paths: Vec<&str> = tree.files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["rev/a/assets.txt", "rev/a/items/1/index.html"]);
        assert!(tree.stamp.in_place && tree.stamp.path == "rev/a/frozen.json" && !tree.stamp.bytes.is_empty());
        assert_eq!(tree.files[1].listing, Some(("item", "項番1 設計".into())));
        assert!(tree.holds("rev/a/assets.txt") && !tree.holds("rev/a/frozen.json") && !tree.holds("rev/b/assets.txt"));
        assert!(in_place(dir.path(), "rev/a/", 8).is_none(), "made from other inputs");
        let extra = dir.path().join("rev/a/items/1/extra.html");
        std::fs::write(&extra, "x").unwrap();
        assert!(in_place(dir.path(), "rev/a/", 7).is_none(), "a file put in");
        std::fs::remove_file(&extra).unwrap();
        std::fs::write(dir.path().join("rev/a/assets.txt"), "xy").unwrap();
        assert!(in_place(dir.path(), "rev/a/", 7).is_none(), "a file changed");
        std::fs::remove_file(dir.path().join("rev/a/assets.txt")).unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink("/etc/hostname", dir.path().join("rev/a/assets.txt")).unwrap();
        assert!(in_place(dir.path(), "rev/a/", 7).is_none(), "a link in place of a file");
    }
}
