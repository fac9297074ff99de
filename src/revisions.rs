//! Released revisions: `rolesite release` freezes the data as it stands into
//! `revisions/<label>/` (its `roles.json`, the URLs its frozen pages publish, and what it
//! was released as), for the maintainer to commit. Every build publishes each revision
//! under `rev/<label>/` and compares consecutive ones from their frozen data alone: each
//! row's history, each vendor's gains and losses, the list of revisions. Nothing here
//! depends on what the last build happened to be.

use crate::changes::{self, Changes};
use crate::config::Project;
use crate::diag::{Code, Error, Location, Result};
use crate::manifest::Manifest;
use crate::model::{Frame, RoleKind, Row, Table, Version};
use crate::read::frozen::Layout;
use crate::urls;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The files of a revision's folder.
pub const DATA: &str = "roles.json";
pub const META: &str = "revision.json";
pub const URLS: &str = "urls.json";

/// What a revision was released as (`revision.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Meta {
    pub label: String,
    /// Its place among the revisions, from 1: the order they were released in.
    pub sequence: u32,
    /// The day it was released (ISO 8601).
    pub released: String,
    /// Rows given a new 項番 since the revision before, as `aliases.csv` declared them
    /// when it was released (old → new).
    #[serde(default)]
    pub moves: Vec<(u32, u32)>,
}

/// One released revision, read back.
pub struct Revision {
    pub meta: Meta,
    /// Its data, its rows shared with the revision before where they are the same.
    pub table: Frame,
    /// Its `urls.json`: the URLs its frozen pages publish, as released, each of which
    /// must still be published. Read when its tree is made (`released_urls`); a tree
    /// taken over was made by a build that checked them, from the same bytes.
    pub urls_file: PathBuf,
    /// Its `roles.json`, published as the revision's data when its tree is made: read
    /// again then rather than held by every build (`settled` sees it changed meanwhile).
    pub data_file: PathBuf,
    /// Its `roles.json` when held instead (a revision being released, not yet written).
    pub data: Option<bytes::Bytes>,
    /// A hash of its three files: what its frozen pages are made from, with the theme.
    pub key: u128,
}

impl Revision {
    pub fn label(&self) -> &str {
        &self.meta.label
    }

    /// Where its frozen pages stand: `rev/<label>/`.
    pub fn prefix(&self) -> String {
        urls::revision(&self.meta.label)
    }

    /// How readers and citations name it: the document's date with 版 (平成28年5月版) when
    /// the label is that date, else the label (2026-12-a版).
    pub fn edition(&self) -> String {
        edition(&self.meta.label, &self.table)
    }

    /// Its edition with its label where the edition does not show it: 平成28年5月版
    /// (2016-05), 2026-12版.
    pub fn name(&self) -> String {
        match self.edition() {
            e if e == format!("{}版", self.meta.label) => e,
            e => format!("{e}({})", self.meta.label),
        }
    }

    /// Its `roles.json` as released.
    pub fn data(&self) -> Result<bytes::Bytes> {
        match &self.data {
            Some(bytes) => Ok(bytes.clone()),
            None => Ok(crate::files::bytes(&self.data_file)?.into()),
        }
    }

    /// The URLs it was released with (its `urls.json`).
    pub fn released_urls(&self) -> Result<Manifest> {
        let text = crate::files::text(&self.urls_file, "a revision's urls.json")?;
        Ok(crate::manifest::Published::parse(&self.urls_file, &text)?.manifest)
    }

    pub fn moves(&self) -> BTreeMap<u32, u32> {
        self.meta.moves.iter().copied().collect()
    }
}

/// How a revision labelled `label` of `table` is named.
pub fn edition(label: &str, table: &dyn Version) -> String {
    let d = table.document();
    match (&d.date, &d.date_label) {
        (Some(date), Some(shown)) if date == label => format!("{shown}版"),
        _ => format!("{label}版"),
    }
}

/// A label is a folder name and part of every frozen URL: letters, digits, `.`, `_` and
/// `-`, starting with a letter or digit.
pub fn check_label(label: &str) -> std::result::Result<(), String> {
    let ok = !label.is_empty()
        && label.len() <= 64
        && label.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && label.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    match ok {
        true => Ok(()),
        false => Err(format!(
            "{label:?} cannot label a revision: use up to 64 letters, digits, '.', '_' or '-', starting with a \
             letter or digit (2016-05, 2026-12-a)"
        )),
    }
}

/// The revisions folder of `project`, refused when it leads out of the project.
pub fn folder(project: &Project) -> Result<PathBuf> {
    project.source_dir(&project.config.revisions)
}

/// The released revisions as a build reads them, with what changed between each two in a
/// row: read and compared once, and kept by a watching process until a file of theirs
/// changes (a release is rare; an edit of the working data is not).
#[derive(Default)]
pub struct Released {
    /// In the order they were released.
    pub revisions: Vec<Revision>,
    /// What changed into each revision from the one before (the first: nothing compared).
    pub steps: Vec<Changes>,
    /// `assets/search-revisions.js`: every revision's rows for the search box, made once
    /// when first asked for (`search`) and kept for a watching process's next builds.
    search: std::sync::OnceLock<bytes::Bytes>,
    /// The latest revision as changes are computed from it: each build compares its
    /// working data with it.
    latest: Option<changes::Snapshot>,
    /// Each file read, with its size, modification time and inode when read.
    files: Vec<(PathBuf, Option<crate::read::FileMeta>)>,
}

impl Released {
    pub fn is_empty(&self) -> bool {
        self.revisions.is_empty()
    }

    /// `assets/search-revisions.js`, kept once made.
    pub fn search(&self) -> bytes::Bytes {
        self.search.get_or_init(|| self.search_made()).clone()
    }

    /// `assets/search-revisions.js`, made and not kept: a one-off build writes it at once.
    pub fn search_made(&self) -> bytes::Bytes {
        let named: Vec<_> = self.revisions.iter().map(|r| (r.label(), r.edition(), &r.table)).collect();
        crate::search::revisions_js(&named).into()
    }
}

/// Every released revision of `project`, in the order they were released. A folder that
/// is not a whole, valid revision is refused with its place. `last` is what the last build
/// of a watching process read: taken as it is when no file of it changed. `validated`
/// tells the data a build validated before (by folder and key; see `write::frozen`): its
/// schema is not run again.
pub fn load(
    project: &Project,
    last: Option<&Arc<Released>>,
    validated: &(dyn Fn(&str, u128) -> bool + Sync),
) -> Result<Arc<Released>> {
    let folders = folders(project)?;
    let files: Vec<(PathBuf, Option<crate::read::FileMeta>)> = (folders.iter())
        .flat_map(|f| [META, DATA, URLS].map(|n| f.join(n)))
        .map(|f| {
            let stamp = crate::read::meta(&f);
            (f, stamp)
        })
        .collect();
    if let Some(last) = last.filter(|l| l.files == files) {
        return Ok(Arc::clone(last));
    }
    let revisions = read_all(&folders, validated)?;
    let steps = (0..revisions.len())
        .into_par_iter()
        .map(|i| match i {
            0 => Changes::default(),
            _ => changes::between(&revisions[i - 1].table, &revisions[i].table, &revisions[i].moves()),
        })
        .collect();
    let search = std::sync::OnceLock::new();
    let latest = revisions.last().map(|r| changes::Snapshot::of(&r.table));
    Ok(Arc::new(Released { revisions, steps, search, latest, files }))
}

/// Every released revision of `project`, read afresh, in the order they were released.
pub fn read(project: &Project, validated: &(dyn Fn(&str, u128) -> bool + Sync)) -> Result<Vec<Revision>> {
    read_all(&folders(project)?, validated)
}

fn read_all(folders: &[PathBuf], validated: &(dyn Fn(&str, u128) -> bool + Sync)) -> Result<Vec<Revision>> {
    // In the order released, as the folders' names need not tell it.
    let mut order = folders.iter().map(|f| Ok((read_meta(f)?, f))).collect::<Result<Vec<_>>>()?;
    order.sort_by_key(|((meta, _), _)| meta.sequence);
    // One after the other, each sharing the rows it has in common with the one before
    // (and reading only the others, when the data was validated before): ten revisions
    // of a large table read at once would hold ten whole tables. The next one's files are
    // read meanwhile, into the buffers of the one before: of that one only the layout is
    // kept, its rows' hashes.
    let mut revisions: Vec<Revision> = Vec::with_capacity(order.len());
    let mut before: Option<Layout> = None;
    let mut next = order.first().map(|((_, meta_text), dir)| Files::read(dir, meta_text, Default::default()));
    let mut spare = Default::default();
    for (i, ((meta, _), _)) in order.iter().enumerate() {
        let files = next.take().expect("read before")?;
        let last = revisions.last().map(|r| &r.table);
        let buffers = std::mem::take(&mut spare);
        let (table, following) = rayon::join(
            || files.frame(validated(&meta.label, files.key), before.as_ref().zip(last)),
            || order.get(i + 1).map(|((_, meta_text), dir)| Files::read(dir, meta_text, buffers)),
        );
        next = following;
        let table = table?;
        let Files { data_file, urls_file, text, layout, key, buffers } = files;
        revisions.push(Revision { meta: meta.clone(), table, urls_file, data_file, data: None, key });
        before = layout;
        spare = (text.into_bytes(), buffers.1);
    }
    for pair in revisions.windows(2) {
        if pair[0].meta.sequence == pair[1].meta.sequence {
            let at = Location::file_only(&pair[1].urls_file.with_file_name(META));
            let message = format!(
                "has the sequence {} of revision {} too: each revision has its own place",
                pair[1].meta.sequence,
                pair[0].label()
            );
            return Err(Error::at(Code::Revision, at, message));
        }
    }
    Ok(revisions)
}

/// The folders of `project`'s revisions folder, each checked to be a revision's.
fn folders(project: &Project) -> Result<Vec<PathBuf>> {
    let dir = folder(project)?;
    if std::fs::symlink_metadata(&dir).is_err() {
        return Ok(Vec::new());
    }
    let mut folders = Vec::new();
    for entry in std::fs::read_dir(&dir).map_err(|e| Error::io(&dir, e))? {
        let entry = entry.map_err(|e| Error::io(&dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        let kind = entry.file_type().map_err(|e| Error::io(&path, e))?;
        if kind.is_symlink() {
            let message = "is a symbolic link: a revision is a folder of the project, so that nothing from elsewhere \
                           is published as one";
            return Err(Error::at(Code::Symlink, Location::file_only(&path), message));
        }
        if !kind.is_dir() {
            let message = "is not a revision's folder: revisions/ holds one folder per released revision";
            return Err(Error::at(Code::Revision, Location::file_only(&path), message));
        }
        check_label(&name).map_err(|m| Error::at(Code::Revision, Location::file_only(&path), m))?;
        folders.push(path);
    }
    folders.sort();
    Ok(folders)
}

/// A revision folder's `revision.json`, read and held to the folder's name, with its text.
fn read_meta(dir: &Path) -> Result<(Meta, String)> {
    let meta_file = dir.join(META);
    let meta_text = crate::files::text(&meta_file, "revision.json")?;
    let meta: Meta = serde_json::from_str(&meta_text).map_err(|e| {
        let at = Location::new(&meta_file, e.line()).with_col(e.column());
        Error::at(Code::Revision, at, format!("not a revision's revision.json: {e}"))
    })?;
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    if meta.label != name {
        let message = format!(
            "labels the revision {:?}, but its folder is {name:?}: a revision's folder is its label",
            meta.label
        );
        return Err(Error::at(Code::Revision, Location::new(&meta_file, 1), message));
    }
    Ok((meta, meta_text))
}

/// A revision folder's files as read: its data's text and layout, and the hash of its
/// three files.
struct Files {
    data_file: PathBuf,
    urls_file: PathBuf,
    text: String,
    layout: Option<Layout>,
    key: u128,
    /// What its `urls.json` was read into, for the next files read (with `text`'s).
    buffers: (Vec<u8>, Vec<u8>),
}

impl Files {
    /// Read into `buffers` (those of files read before, emptied).
    fn read(dir: &Path, meta_text: &str, buffers: (Vec<u8>, Vec<u8>)) -> Result<Files> {
        let (data_file, urls_file) = (dir.join(DATA), dir.join(URLS));
        let text = crate::files::text_into(&data_file, "a revision's roles.json", buffers.0)?;
        let urls = crate::files::bytes_into(&urls_file, buffers.1)?;
        let key = crate::hash::fields_key(&[meta_text.as_bytes(), text.as_bytes(), &urls]);
        let layout = Layout::of(&text);
        Ok(Files { data_file, urls_file, text, layout, key, buffers: (Vec::new(), urls) })
    }

    /// Its table, sharing the rows it has in common with `before` (the revision before it,
    /// with its files); read against the schema unless a build `validated` these bytes.
    fn frame(&self, validated: bool, before: Option<(&Layout, &Frame)>) -> Result<Frame> {
        use crate::read::frozen;
        let shared = before
            .filter(|_| validated)
            .and_then(|(b, frame)| Some((self.layout.as_ref()?, (b, frame))))
            .and_then(|(mine, b)| frozen::read_sharing(&self.text, mine, b));
        if let Some(frame) = shared {
            return Ok(frame);
        }
        let table = match validated {
            true => frozen::read_validated(&self.data_file, &self.text)?,
            false => frozen::read_text(&self.data_file, &self.text)?,
        };
        Ok(Frame::sharing(table, before.map(|b| b.1)))
    }
}

/// The revisions and the working data, in order: what changed from each to the next.
pub struct Timeline<'a> {
    pub revisions: &'a [Revision],
    /// What changed into each revision from the one before (`Released::steps`).
    released_steps: &'a [Changes],
    pub working: &'a Table,
    /// Renumberings in the working data since the last revision (`aliases.csv`).
    pub moves: BTreeMap<u32, u32>,
    /// What changed into the working data from the latest revision.
    working_step: Changes,
    /// Whether the working data differs from the latest revision in anything a page
    /// shows of a row (name, description, roles, flags), or in its rows.
    pub working_differs: bool,
}

impl<'a> Timeline<'a> {
    pub fn new(released: &'a Released, working: &'a Table, moves: BTreeMap<u32, u32>) -> Timeline<'a> {
        let revisions = &released.revisions[..];
        let working_step =
            released.latest.as_ref().map_or_else(Changes::default, |latest| changes::since(latest, working, &moves));
        let working_differs = revisions.last().is_some_and(|latest| {
            let (a, b) = (&latest.table, &working.rows);
            a.len() != b.len() || a.rows().zip(b).any(|(x, y)| x.no != y.no || !same_row(x, y))
        });
        Timeline { revisions, released_steps: &released.steps, working, moves, working_step, working_differs }
    }

    /// No revisions: nothing to compare.
    pub fn is_empty(&self) -> bool {
        self.revisions.is_empty()
    }

    /// What changed into the working data since the latest revision (`None` without one).
    pub fn since_latest(&self) -> Option<&Changes> {
        (!self.revisions.is_empty()).then_some(&self.working_step)
    }

    /// What changed into state `k` (a revision's index, or `revisions.len()` for the
    /// working data) from the state before.
    pub fn step(&self, k: usize) -> &Changes {
        self.released_steps.get(k).unwrap_or(&self.working_step)
    }

    /// Whether the working row `no` differs from the latest revision's (or the latest has
    /// none): what the current page says of itself.
    pub fn row_differs(&self, no: u32) -> Option<bool> {
        let latest = self.revisions.last()?;
        let now = self.working.row(no);
        let then = latest.table.row(self.number_before(self.revisions.len(), no)?);
        Some(match (then, now) {
            (Some(a), Some(b)) => !same_row(a, b),
            (None, None) => false,
            _ => true,
        })
    }

    /// State `k`: a revision's table, or the working data after the last.
    pub fn state(&self, k: usize) -> &'a dyn Version {
        match self.revisions.get(k) {
            Some(r) => &r.table,
            None => self.working,
        }
    }

    /// The 項番 the row numbered `no` in state `k + 1` had in state `k` (a renumbering read
    /// backwards). States are the revisions, then the working data.
    fn number_before(&self, k_plus_one: usize, no: u32) -> Option<u32> {
        let table = |k: usize| self.state(k);
        // Asked for every row of every item page: the renumberings are walked where they
        // stand, not copied.
        let mut moves: Box<dyn Iterator<Item = (u32, u32)>> = match self.revisions.get(k_plus_one) {
            Some(r) => Box::new(r.meta.moves.iter().copied()),
            None => Box::new(self.moves.iter().map(|(o, n)| (*o, *n))),
        };
        let (before, after) = (table(k_plus_one - 1), table(k_plus_one));
        let moved = moves.find(|&(old, new)| {
            new == no && before.row(no).is_none() && before.row(old).is_some() && after.row(old).is_none()
        });
        Some(moved.map_or(no, |(old, _)| old))
    }

    /// Row `no` of the working data through every state it exists in: each revision (and
    /// the working data), with what changed from the state before.
    pub fn history(&self, no: u32) -> Vec<Held<'a>> {
        if self.revisions.is_empty() {
            return Vec::new();
        }
        let n = self.revisions.len();
        // Its number in each state, read backwards from the working data.
        let mut numbers = vec![no; n + 1];
        for k in (1..=n).rev() {
            numbers[k - 1] = self.number_before(k, numbers[k]).unwrap_or(numbers[k]);
        }
        let table = |k: usize| self.state(k);
        let mut out = Vec::new();
        for k in 0..=n {
            let (t, num) = (table(k), numbers[k]);
            let row = t.row(num);
            let before = k.checked_sub(1).map(|j| (table(j), table(j).row(numbers[j])));
            let marks = match (before, row) {
                (None, _) => Vec::new(),
                (Some((_, None)), None) => continue,
                (Some((was_t, None)), Some(_)) => match in_gap(was_t, num) {
                    true => vec![Mark::new("recovered", "原本の欠落から回復".into())],
                    false => vec![Mark::new("added", "追加".into())],
                },
                (Some((_, Some(_))), None) => match in_gap(t, num) {
                    true => vec![Mark::new("lost", "原本で欠落".into())],
                    false => vec![Mark::new("removed", "削除".into())],
                },
                (Some((was_t, Some(was))), Some(now)) => marks(was_t, was, t, now),
            };
            if row.is_none() && k == 0 {
                continue;
            }
            out.push(Held { state: k, revision: self.revisions.get(k), table: t, no: num, row, marks });
        }
        out
    }

    /// Each revision's (and last the working data's) roles gained and lost by `vendor`.
    pub fn vendor_steps(&self, vendor: &str) -> Vec<(Option<&'a Revision>, &changes::VendorChanges)> {
        (self.released_steps.iter().chain([&self.working_step]))
            .enumerate()
            .skip(1)
            .filter_map(|(k, c)| Some((self.revisions.get(k), c.vendors.iter().find(|v| v.id == vendor)?)))
            .collect()
    }
}

/// Whether `no` falls in a range of 項番 the source of `table` lost.
fn in_gap(table: &dyn Version, no: u32) -> bool {
    table.gaps().iter().any(|g| g.from <= no && no <= g.to)
}

/// A row in one state of the timeline.
pub struct Held<'a> {
    /// Its place: a revision's index, or `revisions.len()` for the working data.
    pub state: usize,
    /// `None` for the working data.
    pub revision: Option<&'a Revision>,
    /// The table of that state.
    pub table: &'a dyn Version,
    pub no: u32,
    /// `None` where the row was removed or lost in this state.
    pub row: Option<&'a Row>,
    /// What changed from the state before.
    pub marks: Vec<Mark>,
}

/// One change of a row between two states: a kind (for styling and tests) and its words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mark {
    pub kind: String,
    pub text: String,
}

impl Mark {
    fn new(kind: &str, text: String) -> Mark {
        Mark { kind: kind.to_string(), text }
    }
}

/// Each vendor's kinds of role on a row (attributed ones), in vendor order.
fn roles_of(row: &Row) -> BTreeMap<&str, Vec<RoleKind>> {
    let mut out: BTreeMap<&str, Vec<RoleKind>> = BTreeMap::new();
    for (v, r) in row.attributed() {
        let kinds = out.entry(v).or_default();
        if !kinds.contains(&r.role) {
            kinds.push(r.role);
        }
    }
    out
}

fn same_row(a: &Row, b: &Row) -> bool {
    // Asked of every row of every build: compared in place, nothing copied.
    fn role(x: &crate::model::Role) -> (Option<&str>, RoleKind, crate::model::Basis) {
        (x.vendor.as_deref(), x.role, x.basis)
    }
    (a.kind, &a.name, &a.description) == (b.kind, &b.name, &b.description)
        && a.roles.iter().map(role).eq(b.roles.iter().map(role))
        && a.flags.iter().map(|f| f.code).eq(b.flags.iter().map(|f| f.code))
}

/// The changes of a row from `was` (in `was_t`) to `now` (in `t`).
fn marks(was_t: &dyn Version, was: &Row, t: &dyn Version, now: &Row) -> Vec<Mark> {
    // A row two revisions share (`Frame::sharing`) is the same row: nothing changed. Most
    // rows of most revisions are.
    if std::ptr::eq(was, now) {
        return Vec::new();
    }
    let name = |t: &dyn Version, id: &str| t.vendor(id).map_or(id.to_string(), |v| v.short.clone());
    let mut out = Vec::new();
    if was.no != now.no {
        out.push(Mark::new("renumbered", format!("項番変更 {} → {}", was.no, now.no)));
    }
    if was.name != now.name {
        out.push(Mark::new("renamed", format!("名称変更「{}」→「{}」", was.name, now.name)));
    }
    if was.description != now.description {
        out.push(Mark::new("described", "作業内容の変更".into()));
    }
    let (a, b) = (roles_of(was), roles_of(now));
    let holders = |m: &BTreeMap<&str, Vec<RoleKind>>, k: RoleKind| -> Vec<String> {
        m.iter().filter(|(_, r)| r.contains(&k)).map(|(v, _)| v.to_string()).collect()
    };
    // Each kind of either legend, the heaviest first: who holds the heaviest moves from
    // some to others; the others are added and removed vendor by vendor.
    let (legend, was_legend) = (&t.document().legend, &was_t.document().legend);
    let mut kinds: Vec<RoleKind> = legend.kinds.clone();
    kinds.extend(was_legend.kinds.iter().filter(|k| !legend.kinds.contains(k)));
    for k in kinds {
        let (ka, kb) = (holders(&a, k), holders(&b, k));
        if k.is_heaviest() {
            if ka != kb {
                let list = |t: &dyn Version, ids: &[String]| match ids.is_empty() {
                    true => "なし".to_string(),
                    false => ids.iter().map(|id| name(t, id)).collect::<Vec<_>>().join("・"),
                };
                out.push(Mark::new("primary", format!("{} {} → {}", k.symbol(), list(was_t, &ka), list(t, &kb))));
            }
            continue;
        }
        for v in kb.iter().filter(|v| !ka.contains(v)) {
            out.push(Mark::new(&format!("{}-added", k.id()), format!("{} 追加: {}", k.symbol(), name(t, v))));
        }
        for v in ka.iter().filter(|v| !kb.contains(v)) {
            out.push(Mark::new(&format!("{}-removed", k.id()), format!("{} 削除: {}", k.symbol(), name(was_t, v))));
        }
    }
    let unsure = |r: &Row| r.roles.iter().filter(|x| x.vendor.is_none()).count();
    if unsure(was) != unsure(now) {
        out.push(Mark::new("uncertain", format!("事業者不明の記号 {} → {}", unsure(was), unsure(now))));
    }
    for f in now.flags.iter().filter(|f| !was.has_flag(f.code)) {
        out.push(Mark::new("flag-added", format!("指摘 追加: {}", f.code.label())));
    }
    for f in was.flags.iter().filter(|f| !now.has_flag(f.code)) {
        out.push(Mark::new("flag-removed", format!("指摘 解消: {}", f.code.label())));
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::model::{Frame, Table};
    use crate::read::frozen::tests::SMALL;
    use crate::read::frozen::{read_sharing, read_text, read_validated, Layout};
    use std::path::Path;

    /// `SMALL` with more rows, written as rolesite writes a revision's data.
    fn written(edit: impl Fn(&mut Table)) -> String {
        let mut t = read_text(Path::new("r.json"), SMALL).unwrap();
        for no in 3..40 {
            let mut row = t.rows[1].clone();
            (row.no, row.name) = (no, format!("作業{no}"));
            t.rows.push(row);
        }
        edit(&mut t);
        crate::export::roles_json(&t, Path::new("."), None).0
    }

    #[test]
    fn a_revision_read_by_its_rows_changed_is_the_revision_read_whole() {
        let first = written(|_| {});
        let frame = Frame::sharing(read_validated(Path::new("a.json"), &first).unwrap(), None);
        let laid = Layout::of(&first).expect("laid out as written");
        type Edit = fn(&mut Table);
        let edits: [(&str, Edit); 4] = [
            ("nothing", |_| {}),
            ("a rename and a role moved", |t| {
                t.rows[5].name = "改名".into();
                t.rows[9].roles.clear();
            }),
            ("a row added and one removed", |t| {
                t.rows.remove(12);
                let mut row = t.rows[3].clone();
                row.no = 99;
                t.rows.push(row);
            }),
            ("a gap", |t| {
                t.gaps.push(crate::model::Gap {
                    from: 40,
                    to: 41,
                    reason: "欠落".into(),
                    lost_text: None,
                    location: Default::default(),
                })
            }),
        ];
        for (what, edit) in edits {
            let second = written(edit);
            let whole = Frame::sharing(read_validated(Path::new("b.json"), &second).unwrap(), Some(&frame));
            let mine = Layout::of(&second).unwrap();
            let shared = read_sharing(&second, &mine, (&laid, &frame)).expect(what);
            assert_eq!(shared.to_table().rows, whole.to_table().rows, "{what}");
            assert_eq!(shared.gaps, whole.gaps, "{what}");
            assert_eq!(shared.document, whole.document, "{what}");
            assert_eq!(shared.shared_with(&frame), whole.shared_with(&frame), "{what}");
        }
        // What the rows stand under changed (a vendor renamed), or a row no longer stands
        // where it may (its parent is no heading now): read whole instead.
        let renamed = written(|t| t.vendors[0].name = "別名".into());
        assert!(read_sharing(&renamed, &Layout::of(&renamed).unwrap(), (&laid, &frame)).is_none());
        let orphaned = written(|t| t.rows[0].kind = crate::model::Kind::Task);
        assert!(read_sharing(&orphaned, &Layout::of(&orphaned).unwrap(), (&laid, &frame)).is_none());
        assert!(read_validated(Path::new("o.json"), &orphaned).unwrap_err().to_string().contains("no heading"));
        assert!(Layout::of(SMALL).is_none(), "laid out otherwise");
    }
}
