//! A released revision's frozen pages are made once: each tree (`rev/<label>/`) carries a
//! stamp (`frozen.json`) naming the hash of all it was made from and every file it holds
//! with its size and listing. A build whose revision, theme and settings hash the same
//! takes the tree over from the output as it stands, unrendered, once it has checked that
//! the tree holds exactly the files the stamp lists, each a regular file of its size, and
//! nothing else (no link, no file put in since): a one-off build moves the tree into the
//! new site whole (`Sink::finish`), a watching process leaves it where it is.

use crate::page::{Page, Tree, TreeFile, TreeFiles};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::path::Path;
use std::sync::Arc;

/// The stamp's name inside its tree.
pub const STAMP: &str = "frozen.json";

/// Read borrowing from the stamp's bytes where its text has no escapes: a stamp lists
/// thousands of files.
#[derive(Serialize, Deserialize)]
struct Stamp<'a> {
    /// The hash of what the tree was made from, in hex.
    #[serde(borrow)]
    key: Text<'a>,
    /// The hash of the revision's files (`Revision::key`), in hex: data this build
    /// validated, which a later build of the same bytes need not validate again.
    #[serde(borrow, default)]
    data: Text<'a>,
    #[serde(borrow)]
    files: Vec<Entry<'a>>,
    /// The moment (seconds from 1970, UTC) every folder below the tree's own was dated to
    /// once the tree was written: the start of the day the revision was released. A file
    /// put in, removed or renamed in a folder since moves its time to when that happened.
    /// Absent when the tree was written after its stamp was made (a watching process's), and
    /// then the tree is walked instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    dated: Option<i64>,
}

#[derive(Serialize, Deserialize)]
struct Entry<'a> {
    /// Under the output folder.
    #[serde(borrow)]
    path: Text<'a>,
    size: u64,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    kind: Option<Text<'a>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    title: Option<Text<'a>>,
}

/// A string of a stamp: borrowed from its bytes when it has no escapes (`Cow` borrows only
/// as a field of its own, not inside an `Option`).
#[derive(Serialize, Deserialize, Default)]
#[serde(transparent)]
struct Text<'a>(#[serde(borrow)] Cow<'a, str>);

impl std::ops::Deref for Text<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl From<String> for Text<'_> {
    fn from(s: String) -> Self {
        Text(Cow::Owned(s))
    }
}

/// The kinds `urls.json` lists pages under, as `plan::describe` and the data files name
/// them: a stamp's kinds are read back as these.
const KINDS: [&str; 24] = [
    "home",
    "item",
    "heading",
    "phase",
    "phases",
    "phase-part",
    "vendor",
    "vendors",
    "vendor-part",
    "subsystem",
    "subsystems",
    "subsystem-part",
    "unassigned",
    "unassigned-part",
    "matrix",
    "matrix-part",
    "quality",
    "quality-part",
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
    written: Option<(&Path, i64)>,
) -> Page {
    let files: Vec<Entry> = files
        .map(|(path, size, listing)| Entry {
            path: Text(Cow::Borrowed(path)),
            size,
            kind: listing.map(|(k, _)| Text(Cow::Borrowed(*k))),
            title: listing.map(|(_, t)| Text(Cow::Borrowed(t.as_str()))),
        })
        .collect();
    let dated = written.and_then(|(root, when)| date_folders(root, prefix, &files, when).then_some(when));
    let stamp = Stamp { key: format!("{key:032x}").into(), data: format!("{data:032x}").into(), files, dated };
    Page::new(format!("{prefix}{STAMP}"), serde_json::to_vec(&stamp).expect("strings and numbers"))
}

/// Date every folder below the tree at `prefix` that holds `files`, as written under
/// `root`, to the moment `when` (seconds): whether all were. A fixed moment, not the time
/// each was written, so that the stamp, published with the tree, is the same in every
/// build of the same inputs.
fn date_folders(root: &Path, prefix: &str, files: &[Entry], when: i64) -> bool {
    tree_folders(prefix, files).into_iter().all(|d| set_mtime(&root.join(d), when))
}

#[cfg(unix)]
fn set_mtime(path: &Path, when: i64) -> bool {
    use rustix::fs::{utimensat, AtFlags, Timespec, Timestamps, CWD};
    let at = Timespec { tv_sec: when, tv_nsec: 0 };
    let times = Timestamps { last_access: at, last_modification: at };
    utimensat(CWD, path, &times, AtFlags::SYMLINK_NOFOLLOW).is_ok()
}

#[cfg(not(unix))]
fn set_mtime(_: &Path, _: i64) -> bool {
    false
}

/// Every folder below the tree at `prefix` that `files` stand in, once each, in order.
fn tree_folders<'f>(prefix: &str, files: &'f [Entry]) -> Vec<&'f str> {
    let mut dirs: Vec<&str> = files.iter().flat_map(|f| folders(prefix, &f.path)).collect();
    dirs.sort_unstable();
    dirs.dedup();
    dirs
}

/// The folders `path` stands in below the tree at `prefix` (`rev/a/items/1`, `rev/a/items`).
fn folders<'p>(prefix: &str, path: &'p str) -> impl Iterator<Item = &'p str> {
    let below = prefix.len();
    std::iter::successors(path.rsplit_once('/').map(|(p, _)| p), |at| at.rsplit_once('/').map(|(p, _)| p))
        .take_while(move |p| p.len() >= below)
}

/// A folder's modification time in ns, read without following a link; `None` for
/// anything but a folder.
#[cfg(not(target_os = "linux"))]
fn mtime(path: &Path) -> Option<i128> {
    let m = std::fs::symlink_metadata(path).ok().filter(|m| m.is_dir())?;
    let t = m.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?;
    Some(t.as_nanos() as i128)
}

/// How much of a stamp `validated` reads: its start, with room to spare.
pub const VALIDATED_WITHIN: usize = 128;

/// The revision data (`Revision::key`) the build that wrote `stamp` validated. Read where
/// `stamp` writes it, at the start (`{"key":"…","data":"…",`), not by parsing the list of
/// thousands of files after it; a stamp laid out otherwise tells of none, and the data is
/// validated again.
pub fn validated(stamp: &[u8]) -> Option<u128> {
    let rest = stamp.strip_prefix(br#"{"key":""#)?.get(32..)?.strip_prefix(br#"","data":""#)?;
    let (hex, rest) = (rest.get(..32)?, &rest[32..]);
    let hex = std::str::from_utf8(hex).ok().filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))?;
    rest.starts_with(b"\",").then(|| u128::from_str_radix(hex, 16).ok())?
}

/// The titles of a published manifest, by URL: its words and where the title stands in
/// them (`manifest::Manifest::title_at`). A tree's titles the same as published are read
/// from them (`TreeFiles::new`).
pub type Titles<'m> = &'m dyn Fn(&str) -> Option<(&'m Arc<str>, (u32, u32))>;

/// The tree at `prefix` as a build takes it over, read from `stamp` (its bytes, kept as
/// the tree's stamp): when it was made from inputs that hashed to `key`. `None` when it
/// was not, or the stamp cannot be read.
pub fn listed(prefix: &str, key: u128, stamp: bytes::Bytes) -> Option<Tree> {
    let read: Stamp = serde_json::from_str(crate::utf8::str(&stamp)?).ok()?;
    made_from(&read, key).then(|| tree_of(prefix, key, read, stamp.clone(), &|_| None))?
}

/// Whether the stamp `read` says its tree was made from inputs that hashed to `key`.
fn made_from(read: &Stamp, key: u128) -> bool {
    *read.key == format!("{key:032x}")
}

/// The tree of the stamp `read` (parsed from `stamp`), made from inputs that hashed to `key`.
fn tree_of(prefix: &str, key: u128, read: Stamp, stamp: bytes::Bytes, published: Titles) -> Option<Tree> {
    let own = format!("{prefix}{STAMP}");
    let mut files = Vec::with_capacity(read.files.len());
    for f in &read.files {
        if !f.path.starts_with(prefix) || !super::plain(&f.path) || *f.path == own {
            return None;
        }
        let listing = match (&f.kind, &f.title) {
            (Some(k), Some(t)) => Some((*KINDS.iter().find(|x| **x == &**k)?, &**t)),
            _ => None,
        };
        files.push(TreeFile { path: &f.path, listing });
    }
    let files = TreeFiles::new(files, published)?;
    let stamp = Page { in_place: true, ..Page::new(own, stamp) };
    Some(Tree { prefix: prefix.to_string(), key, files: files.into(), stamp })
}

/// The tree at `prefix` in the folder `out`, when it stands whole as its stamp lists it and
/// was made from inputs that hashed to `key` (see `listed`): walked without following a
/// link, each entry a folder or a regular file, each file listed with its size, and no file
/// besides. Its titles the same as `published` are read from there. A stamp of other
/// inputs is refused before any entry is looked at.
pub fn in_place(out: &Path, prefix: &str, key: u128, published: Titles) -> Option<Tree> {
    let tree = out.join(prefix);
    let stamp = bytes::Bytes::from(crate::files::bytes(&tree.join(STAMP)).ok()?);
    let read: Stamp = serde_json::from_str(crate::utf8::str(&stamp)?).ok()?;
    if !made_from(&read, key) {
        return None;
    }
    let whole = match read.dated {
        None => walked(out, prefix, &read),
        Some(when) => unchanged(out, prefix, &read, i128::from(when) * 1_000_000_000),
    };
    whole.then(|| tree_of(prefix, key, read, stamp.clone(), published))?
}

/// The tree holds exactly what `read` lists, walked: each folder one the listed files stand
/// in, each file listed with its size.
fn walked(out: &Path, prefix: &str, read: &Stamp) -> bool {
    let sizes: std::collections::HashMap<&str, u64> = read.files.iter().map(|f| (&*f.path, f.size)).collect();
    let mut folders = tree_folders(prefix, &read.files);
    folders.push(prefix.trim_end_matches('/'));
    folders.sort_unstable();
    let mut seen = 0;
    for entry in walkdir::WalkDir::new(out.join(prefix)).follow_links(false) {
        let Ok(entry) = entry else { return false };
        let kind = entry.file_type();
        let Some(rel) = entry.path().strip_prefix(out).ok().and_then(|p| p.to_str()) else { return false };
        let rel = rel.replace('\\', "/");
        if kind.is_dir() {
            if folders.binary_search(&rel.as_str()).is_err() {
                return false;
            }
            continue;
        }
        if !kind.is_file() {
            return false;
        }
        if rel == format!("{prefix}{STAMP}") {
            continue;
        }
        let size = entry.metadata().map(|m| m.len()).ok();
        if size.is_none() || sizes.get(rel.as_str()) != size.as_ref() {
            return false;
        }
        seen += 1;
    }
    seen == sizes.len()
}

/// The tree holds exactly what `read` lists, told without reading its folders: the tree's
/// own folder holds exactly the entries the listing puts there; every folder below it is
/// still dated to `when` (ns: nothing put in, removed or renamed there since it was
/// written); every file is a regular file of its size. A stat a path instead of a walk: a
/// tree of 12,800 pages has as many folders, and reading each costs several times what a
/// stat does.
fn unchanged(out: &Path, prefix: &str, read: &Stamp, when: i128) -> bool {
    use rayon::prelude::*;
    let mut top: Vec<&str> = read.files.iter().filter_map(|f| f.path.strip_prefix(prefix)?.split('/').next()).collect();
    top.push(STAMP);
    top.sort_unstable();
    top.dedup();
    let Ok(entries) = std::fs::read_dir(out.join(prefix)) else { return false };
    let mut found: Vec<String> = Vec::with_capacity(top.len());
    for e in entries {
        let Some(name) = e.ok().and_then(|e| e.file_name().to_str().map(str::to_string)) else { return false };
        found.push(name);
    }
    found.sort_unstable();
    let Some(look) = Looker::open(out, prefix) else { return false };
    // Each folder looked at just before the first file in it (the files are in path order,
    // so a folder's files stand together; else a folder is looked at more than once): the
    // kernel finds the file through the folder it has just looked up. In runs of at least
    // 256 files, so that each core walks a part of the tree in order.
    let files = &read.files;
    let whole = (0..files.len()).into_par_iter().with_min_len(256).all(|i| {
        let path = &*files[i].path;
        let seen = |folder: &str| i > 0 && files[i - 1].path.strip_prefix(folder).is_some_and(|r| r.starts_with('/'));
        folders(prefix, path).take_while(|d| !seen(d)).all(|d| look.folder_time(d) == Some(when))
            && look.file_size(path) == Some(files[i].size)
    });
    found == top && whole
}

/// Looks at entries of the tree at `prefix` in `out` without following a link: on Linux
/// each by its path from the tree's own folder, held open, which saves the kernel walking
/// the output's path again for each of a hundred thousand entries (a third of the time
/// the look took).
struct Looker {
    #[cfg(target_os = "linux")]
    tree: rustix::fd::OwnedFd,
    #[cfg(not(target_os = "linux"))]
    out: std::path::PathBuf,
    below: usize,
}

impl Looker {
    fn open(out: &Path, prefix: &str) -> Option<Looker> {
        #[cfg(target_os = "linux")]
        {
            use rustix::fs::{Mode, OFlags};
            let flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
            let tree = rustix::fs::open(out.join(prefix), flags, Mode::empty()).ok()?;
            Some(Looker { tree, below: prefix.len() })
        }
        #[cfg(not(target_os = "linux"))]
        Some(Looker { out: out.to_path_buf(), below: prefix.len() })
    }

    /// The size of the regular file at `path` (under the output, in the tree).
    fn file_size(&self, path: &str) -> Option<u64> {
        #[cfg(target_os = "linux")]
        {
            use rustix::fs::{AtFlags, FileType};
            let st = rustix::fs::statat(&self.tree, path.get(self.below..)?, AtFlags::SYMLINK_NOFOLLOW).ok()?;
            (FileType::from_raw_mode(st.st_mode) == FileType::RegularFile).then_some(st.st_size as u64)
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = self.below;
            let m = std::fs::symlink_metadata(self.out.join(path)).ok()?;
            m.is_file().then_some(m.len())
        }
    }

    /// The modification time (ns) of the folder at `path`; `None` for anything else.
    fn folder_time(&self, path: &str) -> Option<i128> {
        #[cfg(target_os = "linux")]
        {
            use rustix::fs::{AtFlags, FileType};
            let st = rustix::fs::statat(&self.tree, path.get(self.below..)?, AtFlags::SYMLINK_NOFOLLOW).ok()?;
            let dir = FileType::from_raw_mode(st.st_mode) == FileType::Directory;
            dir.then_some(i128::from(st.st_mtime) * 1_000_000_000 + i128::from(st.st_mtime_nsec))
        }
        #[cfg(not(target_os = "linux"))]
        mtime(&self.out.join(path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tree of two pages written in `dir`, its stamp with its folders' times when
    /// `timed`.
    fn tree(dir: &Path, timed: bool) -> Vec<Page> {
        let pages = vec![
            Page {
                listing: Some(("item", "項番1 設計".into())), ..Page::new("rev/a/items/1/index.html", "<p>1</p>")
            },
            Page::new("rev/a/assets.txt", "x"),
            // A title the stamp writes with escapes: read back owned, not borrowed.
            Page {
                listing: Some(("item", "項番2 \"引用\" \\ 設計".into())),
                ..Page::new("rev/a/items/2/index.html", "<p>2</p>")
            },
        ];
        for p in &pages {
            let path = dir.join(&p.path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, &p.bytes).unwrap();
        }
        let files = pages.iter().map(|p| (p.path.as_str(), p.bytes.len() as u64, p.listing.as_ref()));
        let stamp = stamp("rev/a/", 7, 9, files, timed.then_some((dir, 1_464_652_800)));
        std::fs::write(dir.join(&stamp.path), &stamp.bytes).unwrap();
        pages
    }

    #[test]
    fn a_whole_tree_is_taken_over_and_any_change_in_it_is_not() {
        for timed in [true, false] {
            let dir = tempfile::tempdir().unwrap();
            tree(dir.path(), timed);
            let tree = in_place(dir.path(), "rev/a/", 7, &|_| None).expect("whole");
            let paths: Vec<&str> = tree.files.paths().collect();
            assert_eq!(paths, ["rev/a/assets.txt", "rev/a/items/1/index.html", "rev/a/items/2/index.html"]);
            assert!(tree.stamp.in_place && tree.stamp.path == "rev/a/frozen.json" && !tree.stamp.bytes.is_empty());
            assert_eq!(tree.files.iter().nth(1).and_then(|f| f.listing), Some(("item", "項番1 設計")));
            assert_eq!(tree.files.iter().nth(2).and_then(|f| f.listing), Some(("item", "項番2 \"引用\" \\ 設計")));
            assert!(
                tree.holds("rev/a/assets.txt") && !tree.holds("rev/a/frozen.json") && !tree.holds("rev/b/assets.txt")
            );
            assert!(in_place(dir.path(), "rev/a/", 8, &|_| None).is_none(), "made from other inputs");
            let stamp = std::fs::read_to_string(dir.path().join("rev/a/frozen.json")).unwrap();
            assert_eq!(stamp.contains("\"dated\":1464652800"), timed, "{stamp}");
            if timed {
                let t = std::fs::metadata(dir.path().join("rev/a/items/1")).unwrap().modified().unwrap();
                assert_eq!(t.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs(), 1_464_652_800);
            }
        }
        // Each change on a fresh tree, found by the folders' times and by the walk alike.
        type Change = (&'static str, fn(&Path));
        let changes: [Change; 6] = [
            ("a file put in", |d| std::fs::write(d.join("rev/a/items/1/extra.html"), "x").unwrap()),
            ("a file put in at the top", |d| std::fs::write(d.join("rev/a/extra.html"), "x").unwrap()),
            ("a folder put in", |d| std::fs::create_dir(d.join("rev/a/items/3")).unwrap()),
            ("a file changed", |d| std::fs::write(d.join("rev/a/assets.txt"), "xy").unwrap()),
            ("a file gone", |d| std::fs::remove_file(d.join("rev/a/items/1/index.html")).unwrap()),
            ("a link in place of a file", |d| {
                std::fs::remove_file(d.join("rev/a/assets.txt")).unwrap();
                #[cfg(unix)]
                std::os::unix::fs::symlink("/etc/hostname", d.join("rev/a/assets.txt")).unwrap();
            }),
        ];
        for (what, change) in changes {
            for timed in [true, false] {
                let dir = tempfile::tempdir().unwrap();
                tree(dir.path(), timed);
                change(dir.path());
                assert!(in_place(dir.path(), "rev/a/", 7, &|_| None).is_none(), "{what} (timed: {timed})");
            }
        }
    }

    #[test]
    fn the_data_a_stamp_says_was_validated_is_read_from_its_start_only() {
        let files = [("rev/a/items/1/index.html", 10, None), ("rev/a/items/2/index.html", 20, None)];
        let stamp = stamp("rev/a/", 7, 0xabc, files.into_iter(), None);
        assert_eq!(validated(&stamp.bytes), Some(0xabc));
        assert_eq!(validated(&stamp.bytes[..VALIDATED_WITHIN]), Some(0xabc), "told within its start");
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(STAMP), &stamp.bytes).unwrap();
        let head = crate::files::head(&dir.path().join(STAMP), VALIDATED_WITHIN).unwrap();
        assert_eq!((head.len(), validated(&head)), (VALIDATED_WITHIN, Some(0xabc)), "as read from the file");
        let parsed: serde_json::Value = serde_json::from_slice(&stamp.bytes).unwrap();
        assert_eq!(parsed["data"], format!("{:032x}", 0xabc), "the field it is read from");
        // Laid out otherwise, cut short, or not hex: none.
        let pretty = serde_json::to_vec_pretty(&parsed).unwrap();
        let text = String::from_utf8(stamp.bytes.to_vec()).unwrap();
        let cut = &text.as_bytes()[..text.find("\",\"files\"").unwrap() - 1];
        let not_hex = text.replacen("abc\"", "abg\"", 1);
        for other in [&pretty[..], cut, not_hex.as_bytes(), b""] {
            assert_eq!(validated(other), None, "{}", String::from_utf8_lossy(other));
        }
    }

    #[test]
    fn a_file_swapped_in_by_rename_is_found_by_its_folders_time() {
        let dir = tempfile::tempdir().unwrap();
        tree(dir.path(), true);
        // Same name, same size, written aside and renamed over: the folder's time moves.
        std::fs::write(dir.path().join("rev/a/items/1/new"), "<p>2</p>").unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::rename(dir.path().join("rev/a/items/1/new"), dir.path().join("rev/a/items/1/index.html")).unwrap();
        assert!(in_place(dir.path(), "rev/a/", 7, &|_| None).is_none());
    }
}
