//! Raw input → rows that each carry their location. No domain rules here: attribution,
//! headings and flags are decided by `assemble`.

pub mod bounds;
pub mod catalog;
pub mod continuity;
pub mod csv;
pub mod docx;
pub mod frozen;
pub mod seed;
pub mod text;
pub mod xlsx;

use crate::diag::{Code, Error, Finding, Location, Result};
use std::path::{Path, PathBuf};

/// One input file as read: its sections of rows, plus what the seed says about itself.
#[derive(Debug, Clone, Default)]
pub struct RawTable {
    pub file: PathBuf,
    pub document: Option<RawDocument>,
    pub sections: Vec<RawSection>,
    /// Paragraphs standing where table pages were lost (`Table with 16 columns: …`).
    pub lost: Vec<RawLost>,
    pub findings: Vec<Finding>,
    /// The input's lines as written, for the pages that show a row in its source (one per
    /// sheet of a workbook). Sections are filled in by `assemble`.
    pub text: Vec<crate::model::SourceText>,
}

/// The most cells of a line a source page shows: a far cell of a damaged sheet would
/// otherwise make every line of the page that wide.
pub const SOURCE_CELLS: usize = 256;

/// A line's cells as `SourceText` keeps them: placed at their columns, joined.
pub fn source_line<'a>(cells: impl Iterator<Item = (usize, &'a str)>) -> String {
    let mut out = String::new();
    let mut at = 0;
    for (col, text) in cells.take_while(|(col, _)| *col < SOURCE_CELLS) {
        while at < col {
            out.push(crate::model::SourceText::SEPARATOR);
            at += 1;
        }
        out.extend(text.chars().filter(|c| *c != crate::model::SourceText::SEPARATOR));
    }
    out
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawDocument {
    pub title: Option<String>,
    pub annex: Option<String>,
    pub issuer: Option<String>,
    pub date_label: Option<String>,
    /// `(symbol, label)` pairs in the order the legend gives them.
    pub legend: Vec<(String, String)>,
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RawLost {
    pub line: usize,
    pub text: String,
}

/// A run of rows under one header.
#[derive(Debug, Clone, Default)]
pub struct RawSection {
    pub location: Location,
    /// Header text by 1-based column position (index 0 unused); vendor columns only matter.
    pub columns: Vec<String>,
    /// Where the header puts 作業内容, 1-based.
    pub description_col: Option<usize>,
    /// The header's last non-empty cell, 1-based.
    pub width: usize,
    pub rows: Vec<RawRow>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawRow {
    pub location: Location,
    pub no: u32,
    pub level: Level,
    pub name: String,
    pub description: String,
    /// `(1-based column, symbol)` for each cell holding ◎ or ○.
    pub marks: Vec<(usize, String)>,
    /// The column the description was found in, 1-based.
    pub description_col: Option<usize>,
    /// The row's last non-empty cell, 1-based (the seed's headers and rows disagree).
    pub width: usize,
}

/// What the input says of a row's heading level.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Level {
    /// The source has no level column (the seed): decide from the rows around it.
    #[default]
    Unstated,
    /// A clean table's blank 階層: a task.
    Task,
    Heading(u8),
}

/// Read any supported input by its extension.
pub fn read_input(input: &crate::config::Input) -> Result<RawTable> {
    let path = &input.path;
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    if input.table.is_some() && ext != "docx" {
        let message = "site.toml chooses a table of this input (table = …), which only a Word document (.docx) holds";
        return Err(Error::at(Code::UnknownInput, Location::file_only(path), message));
    }
    match ext.as_str() {
        "txt" | "md" => seed::read(path),
        "csv" | "tsv" => csv::read(path),
        "xlsx" | "xlsm" | "xls" | "ods" => xlsx::read(path, &input.sheets),
        "docx" => docx::read(path, input.table.as_ref()),
        _ => Err(Error::at(
            Code::UnknownInput,
            Location::file_only(path),
            format!(
                "cannot read .{ext} files; use the seed text (.txt), .csv, .xlsx, .xls, .ods or a Word table (.docx)"
            ),
        )),
    }
}

/// A cell above this many bytes gets a `large-cell` warning. A task's name or description
/// is copied into every page and data file that shows it (its item page, the search index,
/// `data/`; a name also into its headings', vendors' and the matrix page), so one huge
/// cell makes a site many times its size. A description of a few paragraphs stays far
/// below it.
pub const LARGE_CELL: usize = 64 << 10;

/// The `large-cell` warning for a cell's text, when it is over [`LARGE_CELL`].
pub fn large_cell(at: impl FnOnce() -> Location, text: &str) -> Option<Finding> {
    (text.len() > LARGE_CELL).then(|| {
        let size = text.len() as f64 / 1024.0;
        let size = if size < 1024.0 { format!("{size:.0} KiB") } else { format!("{:.1} MiB", size / 1024.0) };
        Finding::warning(
            Code::LargeCell,
            at(),
            format!(
                "this cell holds {size} of text (over {} KiB); it is copied into every page and data file that shows it",
                LARGE_CELL >> 10
            ),
        )
    })
}

/// Parse a 項番 as written (full-width digits allowed).
pub fn parse_no(text: &str) -> Option<u32> {
    let digits: String = text.trim().chars().map(crate::wareki::ascii_digit).collect();
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// What the project's source files were at one moment: each file's size, modification time
/// and inode, by path. A build compares the moment before it read with the moment before it
/// publishes, so a file rewritten while it was read (a spreadsheet saving) is never
/// published half-written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp(Vec<(PathBuf, u64, i128, u64)>);

impl Stamp {
    /// `site.toml`, the files in `seeds/` and `content/`, the theme's files, the released
    /// revisions' files and every input `site.toml` names. Unreadable entries are left out;
    /// the read itself reports them.
    pub fn of(project: &crate::config::Project) -> Stamp {
        let c = &project.config;
        let theme = project.path(&c.themes).join(&c.theme);
        let shallow = [project.path(&c.seeds), project.path(&c.content)];
        let revisions = project.path(&c.revisions);
        let passthrough = project.path(&c.static_files);
        let deep = [(&theme, usize::MAX), (&passthrough, usize::MAX), (&revisions, 2)];
        let walks = shallow.iter().map(|d| (d, 1)).chain(deep);
        let mut files: Vec<PathBuf> = walks
            .flat_map(|(dir, depth)| walkdir::WalkDir::new(dir).max_depth(depth).follow_links(false))
            .filter_map(|e| e.ok())
            .filter(|e| !e.file_type().is_dir())
            .map(|e| e.into_path())
            .collect();
        files.push(project.path(std::path::Path::new(crate::config::CONFIG_FILE)));
        files.extend(c.inputs.iter().map(|i| project.path(&i.path)));
        files.sort();
        files.dedup();
        Stamp(
            files
                .into_iter()
                .filter_map(|f| Some((meta(&f)?, f)))
                .map(|((len, time, ino), f)| (f, len, time, ino))
                .collect(),
        )
    }

    /// The first file that differs between two moments (changed, come or gone).
    pub fn changed_since<'a>(&'a self, earlier: &'a Stamp) -> Option<&'a std::path::Path> {
        let (a, b) = (&earlier.0, &self.0);
        let differs = a.iter().zip(b).find(|(x, y)| x != y).map(|(_, y)| y);
        differs.or(b.get(a.len())).or(a.get(b.len())).map(|(p, ..)| p.as_path())
    }
}

/// A file's size, modification time (ns) and inode.
pub(crate) type FileMeta = (u64, i128, u64);

/// A file's size, modification time and inode, read without following a link.
#[cfg(unix)]
pub(crate) fn meta(path: &Path) -> Option<FileMeta> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::symlink_metadata(path).ok()?;
    Some((m.len(), i128::from(m.mtime()) * 1_000_000_000 + i128::from(m.mtime_nsec()), m.ino()))
}

#[cfg(not(unix))]
pub(crate) fn meta(path: &Path) -> Option<FileMeta> {
    let m = std::fs::symlink_metadata(path).ok()?;
    let time = m.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?.as_nanos() as i128;
    Some((m.len(), time, 0))
}
