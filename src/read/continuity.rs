//! What keeps old links working when the data changes: `aliases.csv` (an old URL now
//! answered by another page: a renumbered item, a renamed vendor id) and `retired.csv` (a
//! page removed on purpose, with when, why and where to look instead). Either file may
//! stand in `seeds/` or `content/`.

use super::catalog::records;
use crate::config::Project;
use crate::diag::{Code, Error, Location, Result};
use std::path::PathBuf;

pub const ALIASES_FILE: &str = "aliases.csv";
pub const RETIRED_FILE: &str = "retired.csv";

/// An old URL that redirects to a page of the site.
#[derive(Debug, Clone)]
pub struct Alias {
    pub old: String,
    pub new: String,
    pub at: Location,
}

/// A URL whose page was removed on purpose; a tombstone page stands there.
#[derive(Debug, Clone)]
pub struct Retired {
    pub url: String,
    /// When it was removed, as the maintainer wrote it (2026-11-25, 令和8年11月).
    pub date: String,
    pub reason: String,
    /// Where to look instead: a page of the site.
    pub see: Option<String>,
    pub at: Location,
}

#[derive(Debug, Clone, Default)]
pub struct Continuity {
    pub aliases: Vec<Alias>,
    pub retired: Vec<Retired>,
}

impl Continuity {
    /// Every URL this file keeps alive, with where it was declared.
    pub fn declared(&self) -> impl Iterator<Item = (&str, &Location)> {
        let aliases = self.aliases.iter().map(|a| (a.old.as_str(), &a.at));
        aliases.chain(self.retired.iter().map(|r| (r.url.as_str(), &r.at)))
    }
}

fn files(project: &Project, name: &str) -> Result<Vec<PathBuf>> {
    let dirs = [project.source_dir(&project.config.seeds)?, project.source_dir(&project.config.content)?];
    Ok(dirs.iter().map(|d| d.join(name)).filter(|p| crate::files::exists(p)).collect())
}

pub fn load(project: &Project) -> Result<Continuity> {
    let mut out = Continuity::default();
    for path in files(project, ALIASES_FILE)? {
        for (line, rec) in records(&path, &["old", "new"])? {
            let at = Location::new(&path, line);
            let old = url(&rec["old"], &at)?;
            let new = url(&rec["new"], &at)?;
            out.aliases.push(Alias { old, new, at });
        }
    }
    for path in files(project, RETIRED_FILE)? {
        for (line, rec) in records(&path, &["url", "date", "reason"])? {
            let at = Location::new(&path, line);
            let field = |name: &str| rec.get(name).cloned().unwrap_or_default();
            if field("date").is_empty() || field("reason").is_empty() {
                return Err(Error::at(Code::Retired, at, "a retired page needs its date and its reason"));
            }
            check_date(&field("date"), &at)?;
            let see = rec.get("see").filter(|s| !s.is_empty()).map(|s| url(s, &at)).transpose()?;
            out.retired.push(Retired {
                url: url(&rec["url"], &at)?,
                date: field("date"),
                reason: field("reason"),
                see,
                at,
            });
        }
    }
    let mut seen: std::collections::HashMap<&str, &Location> = std::collections::HashMap::new();
    for (url, at) in out.declared() {
        if let Some(first) = seen.insert(url, at) {
            let message = format!("{url} is declared twice (also at {first})");
            return Err(Error::at(Code::Continuity, at.clone(), message));
        }
    }
    Ok(out)
}

/// A retirement's date is shown on its tombstone as written, and must be one: a typo here
/// would be published as the day the page went.
fn check_date(date: &str, at: &Location) -> Result<()> {
    if crate::wareki::parse_day(date).is_some() {
        return Ok(());
    }
    let message = format!(
        "date {date:?} is not a date: write it as 2026-11-25 or 2026-11, or in the era of the document (令和8年11月25日)"
    );
    Err(Error::at(Code::Retired, at.clone(), message))
}

/// A site-relative URL as the manifest writes it: `items/704/`, `vendors/dev-main/`,
/// `data/roles.csv`. A leading `/` is dropped and a folder gets its trailing `/`. Each part
/// becomes a folder or file name, so only plain ASCII names are taken.
pub fn url(text: &str, at: &Location) -> Result<String> {
    let trimmed = text.trim().trim_start_matches('/');
    let parts: Vec<&str> = trimmed.split('/').filter(|p| !p.is_empty()).collect();
    let plain = |p: &&str| {
        p.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) && !p.starts_with('.') && p.len() <= 100
    };
    if parts.is_empty() || !parts.iter().all(plain) {
        let message = format!(
            "{text:?} is not a URL of the site: write it as urls.json does, such as items/704/ or vendors/dev-main/"
        );
        return Err(Error::at(Code::Continuity, at.clone(), message));
    }
    let last = parts[parts.len() - 1];
    let file = last.contains('.') && !last.ends_with('.');
    Ok(if file { parts.join("/") } else { format!("{}/", parts.join("/")) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_normalised_and_only_plain_names_pass() {
        let at = Location::default();
        assert_eq!(url("items/704", &at).unwrap(), "items/704/");
        assert_eq!(url("/vendors/dev-main/", &at).unwrap(), "vendors/dev-main/");
        assert_eq!(url("data/roles.csv", &at).unwrap(), "data/roles.csv");
        for bad in
            ["", "/", "../x", "items/../../etc", "items/.hidden/", "https://x/items/1/", "a b/", "項番/1/", "a\\b"]
        {
            assert!(url(bad, &at).is_err(), "{bad:?}");
        }
    }
}
