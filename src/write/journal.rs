//! What a write in progress leaves for the next run to finish or undo, so a killed
//! process costs neither a mixed site nor a file of the user's.
//!
//! An update in place (a watching process) first lists the files it will replace and
//! remove (`prepared`), writes each new file beside its old self, lists again
//! (`committed`), then renames them over the old ones. Killed before the commit, the next
//! run removes the new files; after it, it finishes the renames. A full build that carries
//! hidden entries (`.git`) into the new site lists them in the new site before moving
//! them, so a build killed before the swap gives them back. Leftover folders beside the
//! output are removed only when they carry rolesite's marker and name a process no longer
//! running: a folder of the user's that only looks like one is left alone.

use super::owner::{holds_nothing, is_marked, Output, JOURNAL};
use crate::diag::{Error, Result};
use std::path::{Path, PathBuf};

const HEAD: &str = "rolesite journal, v1";

/// A journal: whose it is, how far it got, and the paths it names (under its folder).
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Journal {
    pub pid: u32,
    pub state: String,
    /// Files replaced (an update) or hidden entries carried over (a full build).
    pub names: Vec<String>,
    /// Files removed (an update).
    pub gone: Vec<String>,
}

impl Journal {
    pub fn new(state: &str, names: Vec<String>, gone: Vec<String>) -> Journal {
        Journal { pid: std::process::id(), state: state.into(), names, gone }
    }

    /// Write it into `dir`, replacing the last state whole (a rename), so a reader finds
    /// one state or the other.
    pub fn save(&self, dir: &Path) -> Result<()> {
        let mut text = format!("{HEAD}\n{}\n{}\n", self.pid, self.state);
        self.names.iter().for_each(|n| text.push_str(&format!("+{n}\n")));
        self.gone.iter().for_each(|n| text.push_str(&format!("-{n}\n")));
        let aside = dir.join(format!("{JOURNAL}.tmp-{}", self.pid));
        std::fs::write(&aside, text).map_err(|e| Error::io(&aside, e))?;
        std::fs::rename(&aside, dir.join(JOURNAL)).map_err(|e| Error::io(&dir.join(JOURNAL), e))
    }

    pub fn read(dir: &Path) -> Option<Journal> {
        let text = std::fs::read_to_string(dir.join(JOURNAL)).ok()?;
        let mut lines = text.lines();
        if lines.next() != Some(HEAD) {
            return None;
        }
        let mut journal =
            Journal { pid: lines.next()?.parse().ok()?, state: lines.next()?.into(), ..Default::default() };
        for line in lines {
            match line.split_at_checked(1) {
                Some(("+", name)) => journal.names.push(name.into()),
                Some(("-", name)) => journal.gone.push(name.into()),
                _ => return None,
            }
        }
        Some(journal)
    }

    pub fn remove(dir: &Path) -> Result<()> {
        match std::fs::remove_file(dir.join(JOURNAL)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::io(&dir.join(JOURNAL), e)),
            _ => Ok(()),
        }
    }
}

/// A hidden name beside `path` for process `pid`'s own use: `.index.html.tmp-123`.
pub(crate) fn beside(path: &Path, what: &str, pid: u32) -> PathBuf {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    path.with_file_name(format!(".{name}.{what}-{pid}"))
}

/// Finish or undo what killed processes left in and beside the output folder. Returns
/// what could not be cleaned up, as warnings: a leftover that cannot be removed (a
/// read-only folder) must not stop every later build.
pub(crate) fn recover(output: &Output) -> Result<Vec<String>> {
    let dir = &output.dir;
    if let Some(journal) = Journal::read(dir).filter(|j| !running(j.pid)) {
        repair(dir, &journal)?;
    }
    let mut warnings = Vec::new();
    // A journal a killed process was saving: the state it names never took effect, and
    // left in place it would pass for a hidden file of the user's.
    for scratch in journal_scratch(dir) {
        if let Err(e) = std::fs::remove_file(&scratch) {
            warnings.push(format!("{} (a leftover of a killed build, left in place)", Error::io(&scratch, e)));
        }
    }
    let mut stale: Vec<(PathBuf, u32)> = leftovers(output).into_iter().filter(|(_, pid)| !running(*pid)).collect();
    stale.sort();
    // A site that stepped aside and was never replaced (killed between two renames).
    if std::fs::symlink_metadata(dir).is_err() {
        if let Some(i) = stale.iter().position(|(p, _)| p.to_string_lossy().contains(".old-")) {
            let (old, _) = stale.remove(i);
            std::fs::rename(&old, dir).map_err(|e| Error::io(&old, e))?;
        }
    }
    for (leftover, _) in stale {
        give_back(&leftover, dir)?;
        if let Err(e) = super::remove(&leftover) {
            warnings.push(format!("{e} (a leftover of a killed build, left in place)"));
        }
    }
    Ok(warnings)
}

/// The journals being saved (`.rolesite-journal.tmp-<pid>`) in `dir` by processes that no
/// longer run.
fn journal_scratch(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let prefix = format!("{JOURNAL}.tmp-");
    entries
        .filter_map(|e| e.ok())
        .filter(|e| {
            let name = e.file_name();
            let pid = name.to_str().and_then(|n| n.strip_prefix(&prefix)).and_then(|p| p.parse().ok());
            pid.is_some_and(|pid| !running(pid))
        })
        .map(|e| e.path())
        .collect()
}

/// Finish an update a killed process committed, or undo one it had only prepared. (A
/// journal of carried entries found in the output is the new site's: they are in place.)
fn repair(dir: &Path, journal: &Journal) -> Result<()> {
    if journal.state == "carry" {
        return Journal::remove(dir);
    }
    let pid = journal.pid;
    // A journal is a file in the output: its paths are held to the site's own folders.
    super::real_folders(dir, journal.names.iter().chain(&journal.gone))?;
    for name in &journal.names {
        let path = dir.join(name);
        let new = beside(&path, "tmp", pid);
        if journal.state == "committed" && new.exists() {
            std::fs::rename(&new, &path).map_err(|e| Error::io(&path, e))?;
        }
        // A file prepared but not committed, and the second name of a replaced one.
        for aside in [new, beside(&path, "old", pid)] {
            let _ = std::fs::remove_file(aside);
        }
    }
    if journal.state == "committed" {
        for name in &journal.gone {
            let path = dir.join(name);
            if std::fs::remove_file(&path).is_ok() {
                super::remove_empty_parents(dir, &path);
            }
        }
    }
    Journal::remove(dir)
}

/// Hidden entries a killed build had carried into its new site before the swap: moved back
/// into the output, where they were, unless the output has them (the swap happened).
fn give_back(leftover: &Path, dir: &Path) -> Result<()> {
    let Some(journal) = Journal::read(leftover).filter(|j| j.state == "carry") else { return Ok(()) };
    // Entries at the top, and frozen trees (`rev/2016-05`) into the folder they were in.
    for name in journal.names.iter().filter(|n| super::plain(n)) {
        let (from, to) = (leftover.join(name), dir.join(name));
        let home = to.parent().is_some_and(|p| std::fs::symlink_metadata(p).is_ok_and(|m| m.is_dir()));
        if home && std::fs::symlink_metadata(&from).is_ok() && std::fs::symlink_metadata(&to).is_err() {
            std::fs::rename(&from, &to).map_err(|e| Error::io(&from, e))?;
        }
    }
    Ok(())
}

/// Scratch folders of rolesite's beside the output (`.out.tmp-<pid>`, `.out.old-<pid>`,
/// and `serve`'s `.out.kept-<pid>`), with their process: those named so and carrying the
/// marker or a journal, or holding nothing (see `owner::holds_nothing`).
fn leftovers(output: &Output) -> Vec<(PathBuf, u32)> {
    let name = output.name();
    let Ok(entries) = std::fs::read_dir(output.parent()) else { return Vec::new() };
    let ours = |n: &str| {
        let rest = n.strip_prefix(&format!(".{name}."))?;
        let pid = ["tmp-", "old-", "kept-"].iter().find_map(|what| rest.strip_prefix(what))?;
        pid.parse::<u32>().ok()
    };
    entries
        .filter_map(|e| e.ok())
        .filter_map(|e| Some((e.path(), ours(e.file_name().to_str()?)?)))
        .filter(|(p, _)| {
            p.is_dir() && !p.is_symlink() && (is_marked(p) || p.join(JOURNAL).exists() || holds_nothing(p))
        })
        .collect()
}

/// Whether process `pid` still runs (this one does). Only Linux can tell; elsewhere every
/// process is taken as running, so nothing of another's is touched.
fn running(pid: u32) -> bool {
    pid == std::process::id() || !Path::new("/proc/self").exists() || Path::new("/proc").join(pid.to_string()).exists()
}

#[cfg(test)]
mod tests {
    use super::Journal;

    #[test]
    fn a_journal_reads_back_as_written() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::new("committed", vec!["items/1/index.html".into()], vec!["items/2/index.html".into()]);
        journal.save(dir.path()).unwrap();
        assert_eq!(Journal::read(dir.path()), Some(journal));
        std::fs::write(dir.path().join(super::JOURNAL), "not a journal\n1\ncommitted\n").unwrap();
        assert_eq!(Journal::read(dir.path()), None);
    }

    /// A journal half-saved by a killed process goes; one this process is saving stays.
    #[test]
    fn a_scratch_folder_killed_before_its_marker_goes_and_one_holding_anything_else_stays() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        std::fs::create_dir(&out).unwrap();
        let output = super::Output { named: out.clone(), dir: out.clone(), clean: false };
        let dead = (1u32 << 22) + 1000;
        let folder = |n: u32| dir.path().join(format!(".out.tmp-{}", dead + n));
        // Made, its marker not yet written; its marker half written; a file of someone's.
        std::fs::create_dir(folder(0)).unwrap();
        std::fs::create_dir(folder(1)).unwrap();
        std::fs::write(folder(1).join(super::super::owner::MARKER), "rolesite output").unwrap();
        std::fs::create_dir(folder(2)).unwrap();
        std::fs::write(folder(2).join("notes.txt"), "x").unwrap();
        super::recover(&output).unwrap();
        assert!(!folder(0).exists() && !folder(1).exists(), "nothing lost: removed");
        assert!(folder(2).join("notes.txt").exists(), "a folder holding a file it cannot tell stays");
    }

    #[test]
    fn a_journal_a_dead_process_was_saving_is_scratch() {
        let dir = tempfile::tempdir().unwrap();
        // Above the largest process id Linux gives (2^22): no process has it.
        let dead = dir.path().join(format!("{}.tmp-{}", super::JOURNAL, (1u32 << 22) + 1000));
        let live = dir.path().join(format!("{}.tmp-{}", super::JOURNAL, std::process::id()));
        let other = dir.path().join(".rolesite-journal.tmp-x");
        for f in [&dead, &live, &other] {
            std::fs::write(f, "").unwrap();
        }
        assert_eq!(super::journal_scratch(dir.path()), vec![dead]);
    }
}
