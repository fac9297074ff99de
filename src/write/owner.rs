//! Which folder rolesite may replace, and which files in it are its own. A build replaces
//! its output folder whole, so it writes only into a folder it made: absent, empty, or
//! carrying its marker (`.rolesite`, the list of files the last build wrote). A folder
//! holding the project, or anything the project reads, is never an output; files in the
//! output that rolesite did not write are carried over (hidden names at the top, such as
//! `.git`) or stop the build until the user moves them or allows their removal (`--clean`).

use crate::config::Project;
use crate::diag::{Code, Error, Location, Result};
use crate::page::{Page, Tree};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// The marker a folder rolesite made carries: its first line, then one written file a line.
pub const MARKER: &str = ".rolesite";
/// The journal of an update in progress (see `journal`).
pub const JOURNAL: &str = ".rolesite-journal";
const MARKER_HEAD: &str = "rolesite output folder, v1: each build replaces the files listed below; anything else \
                           here is not rolesite's and is kept or refused, never deleted";

/// The output folder a build may write, its links resolved.
#[derive(Debug, Clone)]
pub struct Output {
    /// The folder as the project names it (it may be a link to the real one).
    pub named: PathBuf,
    /// The real folder: the new site is made beside it and swapped in there, so a link
    /// named as the output stays a link and leads to the new site.
    pub dir: PathBuf,
    /// Whether files in it that rolesite did not write may go with the old site.
    pub clean: bool,
}

impl Output {
    /// The project's output folder, refused when replacing it could cost the user a file:
    /// a file, a dangling link, the project itself or a folder of its sources.
    pub fn locate(project: &Project, clean: bool) -> Result<Output> {
        let named = project.output();
        let absolute = std::path::absolute(&named).map_err(|e| Error::io(&named, e))?;
        let dir = resolve(&named, &absolute)?;
        refuse_overlap(project, &named, &dir)?;
        Ok(Output { named, dir, clean })
    }

    /// The file name the scratch folders beside the real folder are named after.
    pub(crate) fn name(&self) -> &str {
        self.dir.file_name().and_then(|n| n.to_str()).unwrap_or("out")
    }

    /// The folder the real output stands in.
    pub(crate) fn parent(&self) -> &Path {
        self.dir.parent().unwrap_or(Path::new("/"))
    }
}

/// The real folder `named` (at `absolute`) stands for: itself, or where a link leads. A
/// file, or a link to nothing or to a file, is refused; a folder not made yet is made later.
fn resolve(named: &Path, absolute: &Path) -> Result<PathBuf> {
    let here = |m: String| Error::at(Code::Output, Location::file_only(named), m);
    match std::fs::symlink_metadata(absolute) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(real_prefix(absolute)),
        Err(e) => Err(Error::io(named, e)),
        Ok(m) if m.is_dir() || m.file_type().is_symlink() => match std::fs::canonicalize(absolute) {
            Ok(real) if real.is_dir() => Ok(real),
            Ok(real) => Err(here(format!("leads to {}, which is not a folder", real.display()))),
            Err(_) => Err(here(format!(
                "is a link to {}, which does not exist: make that folder, or name another output",
                std::fs::read_link(absolute).unwrap_or_default().display()
            ))),
        },
        Ok(_) => Err(here(
            "is a file, not a folder: rolesite writes the site into a folder of its own; move the \
                           file away or name another output folder"
                .into(),
        )),
    }
}

/// A path that does not exist yet, with its longest existing ancestor's links resolved.
fn real_prefix(path: &Path) -> PathBuf {
    let mut rest = Vec::new();
    let mut at = path;
    while let Some(parent) = at.parent() {
        rest.push(at.file_name().unwrap_or_default().to_owned());
        if let Ok(real) = std::fs::canonicalize(parent) {
            return rest.iter().rev().fold(real, |p, n| p.join(n));
        }
        at = parent;
    }
    path.to_path_buf()
}

/// Refuse an output that is, holds or lies inside what the project is made from.
fn refuse_overlap(project: &Project, named: &Path, dir: &Path) -> Result<()> {
    let here = |m: String| Err(Error::at(Code::Output, Location::file_only(named), m));
    let root = project.real_root()?;
    if root.starts_with(dir) {
        return here(format!(
            "is the project folder or holds it ({}): a build replaces its output folder whole; name a folder of \
             its own, such as out/",
            root.display()
        ));
    }
    let config = &project.config;
    let sources = [("seeds", &config.seeds), ("content", &config.content), ("themes", &config.themes)];
    let more = [("static", &config.static_files), ("revisions", &config.revisions)];
    for (what, folder) in sources.into_iter().chain(more) {
        let source = real_prefix(&project.path(folder));
        let relation = match () {
            _ if source == dir => "is",
            _ if source.starts_with(dir) => "holds",
            _ if dir.starts_with(&source) => "lies inside",
            _ => continue,
        };
        return here(format!(
            "{relation} the project's {what} folder ({}): a build replaces its output folder whole; name a folder \
             of its own, such as out/",
            source.display()
        ));
    }
    // Inputs named in site.toml may stand anywhere in the project.
    for input in project.inputs().unwrap_or_default() {
        if real_prefix(&input.path).starts_with(dir) {
            return here(format!("holds the input {}, which a build would delete", input.path.display()));
        }
    }
    Ok(())
}

/// What the output folder held when a full build began.
#[derive(Debug)]
pub(crate) enum Before {
    /// Absent or empty.
    Nothing,
    /// Made by rolesite: its marker lists the files its last build wrote, read when the
    /// new site replaces it (`survey`), not held through the build (142,000 paths for a
    /// site of ten frozen revisions of a large table).
    Marked,
    /// A site an earlier rolesite wrote before folders carried a marker: the files its
    /// `urls.json` lists are taken as its own, beside those the new site writes.
    Unmarked(HashSet<String>),
}

/// What the output folder holds: refused unless rolesite may replace it.
pub(crate) fn inspect(output: &Output) -> Result<Before> {
    let dir = &output.dir;
    let mut entries = match std::fs::read_dir(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Before::Nothing),
        Err(e) => return Err(Error::io(dir, e)),
        Ok(entries) => entries,
    };
    if entries.next().is_none() {
        return Ok(Before::Nothing);
    }
    if carries_marker(dir)? {
        return Ok(Before::Marked);
    }
    let manifest = dir.join(crate::manifest::FILE);
    let read = crate::files::text(&manifest, "the manifest");
    if let Ok(published) = read.and_then(|text| crate::manifest::Published::parse(&manifest, &text)) {
        let files = published.manifest.iter().map(|e| crate::urls::file_of(e.url));
        return Ok(Before::Unmarked(files.chain([crate::manifest::FILE.to_string()]).collect()));
    }
    Err(Error::at(
        Code::Output,
        Location::file_only(&output.named),
        "is not empty, and rolesite did not make it (it has no .rolesite marker and no urls.json of a site): a \
         build replaces its output folder whole, so it writes only into a folder of its own. Name an empty or new \
         folder (-o, or output = in site.toml), or move what is here away",
    ))
}

/// The files a marker lists, held as its text with each line's place, in order: a site
/// with frozen revisions lists 141,000 files, held through a whole build.
#[derive(Debug)]
pub(crate) struct Paths {
    text: String,
    lines: Vec<(u32, u32)>,
}

impl Paths {
    /// The lines of `text` after its first (the marker's head).
    fn of(text: String) -> Paths {
        let mut lines = Vec::new();
        let mut at = 0;
        for line in text.split_inclusive('\n') {
            let bare = line.trim_end_matches(['\n', '\r']);
            if at > 0 {
                lines.push((to_u32(at), to_u32(at + bare.len())));
            }
            at += line.len();
        }
        let mut paths = Paths { text, lines };
        // Written in order; sorted if it was not, so a lookup is a search.
        if !paths.lines.windows(2).all(|w| paths.at(w[0]) <= paths.at(w[1])) {
            let mut lines = std::mem::take(&mut paths.lines);
            lines.sort_by(|a, b| paths.at(*a).cmp(paths.at(*b)));
            paths.lines = lines;
        }
        paths
    }

    fn at(&self, (start, end): (u32, u32)) -> &str {
        &self.text[start as usize..end as usize]
    }

    pub(crate) fn contains(&self, path: &str) -> bool {
        self.lines.binary_search_by(|l| self.at(*l).cmp(path)).is_ok()
    }
}

/// A marker's size stays under 4 GiB.
fn to_u32(n: usize) -> u32 {
    u32::try_from(n).expect("a marker stays under 4 GiB")
}

/// The files the marker of `dir` lists, when it carries rolesite's marker.
pub(crate) fn marked(dir: &Path) -> Result<Option<Paths>> {
    let path = dir.join(MARKER);
    if !crate::files::exists(&path) {
        return Ok(None);
    }
    let text = crate::files::text(&path, "the output folder's marker")?;
    Ok((text.lines().next() == Some(MARKER_HEAD)).then(|| Paths::of(text)))
}

/// Whether `dir` carries rolesite's marker, told from its first line as `marked` reads it.
fn carries_marker(dir: &Path) -> Result<bool> {
    let path = dir.join(MARKER);
    if !crate::files::exists(&path) {
        return Ok(false);
    }
    let head = crate::files::head(&path, MARKER_HEAD.len() + 2)?;
    let first = head.split(|b| *b == b'\n').next().unwrap_or_default();
    Ok(first.strip_suffix(b"\r").unwrap_or(first) == MARKER_HEAD.as_bytes())
}

/// The marker of a folder holding `files` (paths under it, in order).
pub(crate) fn marker<'a>(files: impl Iterator<Item = &'a str>) -> Vec<u8> {
    let mut text = String::from(MARKER_HEAD);
    text.push('\n');
    for f in files {
        text.push_str(f);
        text.push('\n');
    }
    text.into_bytes()
}

/// Whether `dir` carries a marker, whatever it lists: a scratch folder of rolesite's.
/// A link is none, wherever it leads: a folder removed as rolesite's is never reached
/// through one.
pub(crate) fn is_marked(dir: &Path) -> bool {
    std::fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir()) && carries_marker(dir).unwrap_or(false)
}

/// Whether `dir` holds nothing but, at most, the beginning of an empty marker: what a
/// process killed while it made a scratch folder (between the folder and its marker) or
/// removed one (between the marker and the folder) leaves. Removing it loses nothing.
pub(crate) fn holds_nothing(dir: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else { return false };
    let empty_marker = format!("{MARKER_HEAD}\n");
    entries.into_iter().all(|e| {
        e.is_ok_and(|e| {
            e.file_name() == MARKER
                && e.file_type().is_ok_and(|t| t.is_file())
                && std::fs::read(e.path()).is_ok_and(|b| empty_marker.as_bytes().starts_with(&b))
        })
    })
}

/// What becomes of the old folder's contents when the new site replaces it.
#[derive(Debug, Default)]
pub(crate) struct Survey {
    /// Hidden entries at the top (`.git`, `.htaccess`, `.well-known`) moved into the new site.
    pub carried: Vec<String>,
    /// Files rolesite wrote that the new site no longer has.
    pub removed: usize,
}

/// Sort the old folder's contents against the new site's `pages` (in path order): its own
/// files are replaced or removed, hidden entries at the top carried over, and any other
/// file refused unless the output was opened with `clean`.
pub(crate) fn survey(output: &Output, before: &Before, pages: &[Page], trees: &[Tree]) -> Result<Survey> {
    let new = |rel: &str| pages.binary_search_by(|p| p.path.as_str().cmp(rel)).is_ok();
    let marked = match before {
        Before::Marked => Some(marked(&output.dir)?.ok_or_else(|| {
            let message = "lost its .rolesite marker while the site was built: nothing was replaced; build again";
            Error::at(Code::Output, Location::file_only(&output.named), message)
        })?),
        _ => None,
    };
    let ours = |rel: &str| match before {
        Before::Nothing => false,
        Before::Marked => marked.as_ref().is_some_and(|files| files.contains(rel)),
        Before::Unmarked(files) => files.contains(rel) || new(rel),
    };
    let (mut survey, mut foreign) = (Survey::default(), Vec::new());
    if std::fs::symlink_metadata(&output.dir).is_err() {
        return Ok(survey);
    }
    // A frozen tree taken over was looked at whole when it was (`frozen::in_place`).
    let taken: Vec<String> = trees.iter().map(Tree::folder).collect();
    let mut walk = walkdir::WalkDir::new(&output.dir).min_depth(1).follow_links(false).sort_by_file_name().into_iter();
    while let Some(entry) = walk.next() {
        let entry = entry.map_err(|e| Error::at(Code::Output, Location::file_only(&output.named), e.to_string()))?;
        let rel = relative(&output.dir, entry.path());
        if entry.file_type().is_dir() && taken.contains(&rel) {
            walk.skip_current_dir();
            continue;
        }
        if entry.depth() == 1 && rel.starts_with('.') && rel != MARKER && rel != JOURNAL {
            survey.carried.push(rel);
            // Only a folder's own contents are skipped: for a file, this would skip the
            // rest of the folder it stands in.
            if entry.file_type().is_dir() {
                walk.skip_current_dir();
            }
        } else if entry.file_type().is_dir() || rel == MARKER || rel == JOURNAL {
            continue;
        } else if !ours(&rel) {
            foreign.push(rel);
        } else if !new(&rel) {
            survey.removed += 1;
        }
    }
    match foreign.is_empty() || output.clean {
        true => Ok(survey),
        false => Err(foreign_files(output, &foreign)),
    }
}

fn foreign_files(output: &Output, foreign: &[String]) -> Error {
    const SHOWN: usize = 10;
    let mut list = foreign.iter().take(SHOWN).cloned().collect::<Vec<_>>().join(", ");
    if foreign.len() > SHOWN {
        list.push_str(&format!(" and {} more", foreign.len() - SHOWN));
    }
    let message = format!(
        "holds {} file(s) rolesite did not write, which replacing the site would delete: {list}. Hidden entries at \
         the top (.git, .htaccess) are carried into each new site; move anything else out (a file to publish with \
         the site goes in the project's static/ folder), or build with --clean to let it go",
        foreign.len()
    );
    Error::at(Code::OutputForeign, Location::file_only(&output.named), message)
}

/// `path` under `dir`, with `/` between its parts, as page paths are written.
pub(crate) fn relative(dir: &Path, path: &Path) -> String {
    path.strip_prefix(dir).unwrap_or(path).to_string_lossy().replace('\\', "/")
}

#[cfg(test)]
mod tests {
    use super::{carries_marker, marker, Paths, MARKER, MARKER_HEAD};

    #[test]
    fn a_folder_carries_the_marker_by_its_first_line_alone() {
        let dir = tempfile::tempdir().unwrap();
        let at = dir.path().join(MARKER);
        assert!(!carries_marker(dir.path()).unwrap(), "none there");
        let long = format!("{MARKER_HEAD}\n{}", "rev/a/items/1/index.html\n".repeat(10_000));
        for (text, carries) in [
            (long.as_str(), true),
            (MARKER_HEAD, true),
            (&format!("{MARKER_HEAD}\r\nindex.html\r\n"), true),
            (&format!("{MARKER_HEAD} and more\n"), false),
            (&MARKER_HEAD[1..], false),
            ("", false),
        ] {
            std::fs::write(&at, text).unwrap();
            assert_eq!(carries_marker(dir.path()).unwrap(), carries, "{:?}", &text[..text.len().min(40)]);
        }
        // A link in its place is refused, not followed.
        #[cfg(unix)]
        {
            let real = dir.path().join("real");
            std::fs::write(&real, MARKER_HEAD).unwrap();
            std::fs::remove_file(&at).unwrap();
            std::os::unix::fs::symlink(&real, &at).unwrap();
            assert!(carries_marker(dir.path()).is_err());
        }
    }

    #[test]
    fn a_marker_lists_exactly_the_files_written_in_it() {
        let files = ["assets/site.css", "index.html", "items/1/index.html", "rev/a/items/1/index.html", "urls.json"];
        let paths = Paths::of(String::from_utf8(marker(files.iter().copied())).unwrap());
        for f in files {
            assert!(paths.contains(f), "{f}");
        }
        for other in [MARKER_HEAD, "", "items/1/", "items/2/index.html", "urls.json\n", "assets"] {
            assert!(!paths.contains(other), "{other:?}");
        }
        // Out of order, or with Windows line ends: the same files.
        let shuffled = Paths::of(format!("{MARKER_HEAD}\r\nurls.json\r\nindex.html\r\nassets/site.css\r\n"));
        assert!(["urls.json", "index.html", "assets/site.css"].iter().all(|f| shuffled.contains(f)));
        assert!(!shuffled.contains("items/1/index.html"));
    }
}
