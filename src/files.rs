//! The one way rolesite reads a project file: a regular file, opened without following a
//! link and without waiting on a FIFO or a device, each refusal naming the path. Every
//! reader of `seeds/`, `content/`, `themes/` and `site.toml` goes through here, so a link
//! planted in the project cannot publish a file from elsewhere.

use crate::diag::{Code, Error, Location, Result};
use std::io::Read;
use std::path::{Path, PathBuf};

/// The bytes of the regular file at `path`.
pub fn bytes(path: &Path) -> Result<Vec<u8>> {
    bytes_into(path, Vec::new())
}

/// The regular file at `path`, open to be read in parts.
pub fn regular(path: &Path) -> Result<std::fs::File> {
    let file = open(path)?;
    let meta = file.metadata().map_err(|e| Error::io(path, e))?;
    if !meta.is_file() {
        return Err(not_regular(path, &meta));
    }
    Ok(file)
}

/// The first `limit` bytes of the regular file at `path` (fewer when it is shorter).
pub fn head(path: &Path, limit: usize) -> Result<Vec<u8>> {
    let file = regular(path)?;
    let mut head = Vec::with_capacity(limit);
    file.take(limit as u64).read_to_end(&mut head).map_err(|e| Error::io(path, e))?;
    Ok(head)
}

/// `bytes`, read into `buffer` (emptied first): the files of one kind read one after the
/// other (the revisions' data) reuse one buffer rather than each leaving a large one freed.
pub fn bytes_into(path: &Path, mut buffer: Vec<u8>) -> Result<Vec<u8>> {
    let mut file = open(path)?;
    let meta = file.metadata().map_err(|e| Error::io(path, e))?;
    // Checked on the open file: the name may have been swapped for a FIFO since.
    if !meta.is_file() {
        return Err(not_regular(path, &meta));
    }
    buffer.clear();
    buffer.reserve(meta.len() as usize);
    file.read_to_end(&mut buffer).map_err(|e| Error::io(path, e))?;
    Ok(buffer)
}

/// `bytes` as UTF-8 text (a byte order mark dropped); `what` says what the file should be.
pub fn text(path: &Path, what: &str) -> Result<String> {
    text_into(path, what, Vec::new())
}

/// `text`, read into `buffer` (see `bytes_into`).
pub fn text_into(path: &Path, what: &str, buffer: Vec<u8>) -> Result<String> {
    let bytes = bytes_into(path, buffer)?;
    let text = crate::utf8::string(bytes)
        .map_err(|_| Error::at(Code::Encoding, Location::file_only(path), format!("{what} is not UTF-8 text")))?;
    Ok(text.strip_prefix('\u{feff}').map(str::to_string).unwrap_or(text))
}

#[cfg(target_os = "linux")]
fn open(path: &Path) -> Result<std::fs::File> {
    use rustix::fs::{Mode, OFlags};
    // NOFOLLOW: a link is refused, not read through. NONBLOCK: opening a FIFO returns at
    // once (and is then refused as not regular) instead of waiting for a writer forever.
    let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
    match rustix::fs::open(path, flags, Mode::empty()) {
        Ok(fd) => Ok(std::fs::File::from(fd)),
        Err(rustix::io::Errno::LOOP) => Err(link(path)),
        Err(e) => Err(Error::io(path, e.into())),
    }
}

#[cfg(not(target_os = "linux"))]
fn open(path: &Path) -> Result<std::fs::File> {
    let meta = std::fs::symlink_metadata(path).map_err(|e| Error::io(path, e))?;
    if meta.file_type().is_symlink() {
        return Err(link(path));
    }
    if !meta.is_file() {
        return Err(not_regular(path, &meta));
    }
    std::fs::File::open(path).map_err(|e| Error::io(path, e))
}

fn link(path: &Path) -> Error {
    let message = "is a symbolic link: rolesite reads only regular files inside the project, so that a link \
                   cannot publish a file from elsewhere; copy the file in instead";
    Error::at(Code::Symlink, Location::file_only(path), message)
}

fn not_regular(path: &Path, meta: &std::fs::Metadata) -> Error {
    let kind = if meta.is_dir() { "a folder" } else { "not a regular file (a FIFO, a socket or a device)" };
    Error::at(Code::NotAFile, Location::file_only(path), format!("is {kind}: rolesite reads regular files only"))
}

/// The entries of a source folder (`seeds/`, `content/`) that `wanted` picks by name, in
/// name order. Names starting with a dot (editors' lock and swap files, which Emacs makes as
/// dangling links) are passed over; a picked name that is a link or not a regular file is
/// refused, so nothing the folder points at from elsewhere is read.
pub fn list(dir: &Path, wanted: impl Fn(&str) -> bool) -> Result<Vec<PathBuf>> {
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || !wanted(&name) {
            continue;
        }
        let path = entry.path();
        let kind = entry.file_type().map_err(|e| Error::io(&path, e))?;
        if kind.is_symlink() {
            return Err(link(&path));
        }
        if kind.is_file() {
            found.push(path);
        } else if !kind.is_dir() {
            let meta = std::fs::symlink_metadata(&path).map_err(|e| Error::io(&path, e))?;
            return Err(not_regular(&path, &meta));
        }
    }
    found.sort();
    Ok(found)
}

/// Every file under `dir` as `(path under it with /, bytes)`, in path order: hidden names
/// (editors' swap and lock files) passed over, any other file read through [`bytes`], which
/// refuses a link or anything but a regular file. An absent folder has none.
pub fn tree(dir: &Path) -> Result<Vec<(String, Vec<u8>)>> {
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let walk = walkdir::WalkDir::new(dir).follow_links(false).sort_by_file_name().into_iter();
    let mut files = Vec::new();
    for entry in walk.filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.')) {
        let entry = entry.map_err(|e| Error::at(Code::Read, Location::file_only(dir), e.to_string()))?;
        if !entry.file_type().is_dir() {
            let rel = entry.path().strip_prefix(dir).unwrap_or(entry.path()).to_string_lossy().replace('\\', "/");
            files.push((rel, bytes(entry.path())?));
        }
    }
    Ok(files)
}

/// Whether the file at `path` exists, without following a link: a reference file that is a
/// link is then refused by `bytes` rather than taken as missing.
pub fn exists(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn links_fifos_and_folders_are_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.csv");
        std::fs::write(&real, "a,b\n").unwrap();
        std::os::unix::fs::symlink(&real, dir.path().join("link.csv")).unwrap();
        let fifo = dir.path().join("fifo.csv");
        assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
        assert_eq!(bytes(&real).unwrap(), b"a,b\n");
        let message = |p: &Path| bytes(p).unwrap_err().to_string();
        assert!(message(&dir.path().join("link.csv")).contains("link.csv: error[symlink]"));
        // Returns at once, where a plain open would wait for a writer forever.
        assert!(message(&fifo).contains("fifo.csv: error[not-a-file]"), "{}", message(&fifo));
        assert!(message(dir.path()).contains("error[not-a-file]"));
        let listed = list(dir.path(), |n| n.ends_with(".csv")).unwrap_err().to_string();
        assert!(listed.contains("error[") && !listed.contains("real.csv"), "{listed}");
        std::fs::remove_file(dir.path().join("link.csv")).unwrap();
        std::fs::remove_file(&fifo).unwrap();
        assert_eq!(list(dir.path(), |n| n.ends_with(".csv")).unwrap(), vec![real]);
    }
}
