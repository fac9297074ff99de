//! The curated reference files under `seeds/`: vendors (stable ids and every spelling),
//! subsystems, and column interpretations decided by hand with their reasons.

use super::text::{decode, key};
use crate::diag::{Code, Error, Finding, Location, Result};
use crate::model::{Subsystem, Vendor};
use std::collections::HashMap;
use std::path::Path;

#[derive(Debug, Clone, Default)]
pub struct Catalog {
    pub vendors: Vec<Vendor>,
    pub subsystems: Vec<Subsystem>,
    /// Header text (by `key`) → (vendor id, reason).
    pub curation: HashMap<String, (String, String)>,
    by_key: HashMap<String, usize>,
    /// Every subsystem spelling by `key`, longest first, with its subsystem's position.
    subsystem_spellings: std::sync::OnceLock<Vec<(String, usize)>>,
}

/// One reference file as `(line, column name → value)` records.
pub(crate) fn records(path: &Path, required: &[&str]) -> Result<Vec<(usize, HashMap<String, String>)>> {
    let text = decode(path, crate::files::bytes(path)?)?;
    super::text::refuse_nul(path, &text)?;
    let mut reader = ::csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| Error::at(Code::Csv, Location::new(path, 1), format!("malformed CSV: {e}")))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    if let Some(missing) = required.iter().find(|r| !header.iter().any(|h| h == *r)) {
        return Err(Error::at(
            Code::Header,
            Location::new(path, 1),
            format!("header must name the column {missing:?}"),
        ));
    }
    let mut out = Vec::new();
    let mut lines = super::text::Lines::new(&text);
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(1, |p| super::text::Lines::new(&text).at(p.byte()));
            Error::at(Code::Csv, Location::new(path, line), format!("malformed CSV: {e}"))
        })?;
        let line = record.position().map_or(0, |p| lines.at(p.byte()));
        let map = header.iter().cloned().zip(record.iter().map(|c| c.trim().to_string())).collect();
        out.push((line, map));
    }
    Ok(out)
}

fn list(s: Option<&String>) -> Vec<String> {
    s.map(|s| s.split('|').map(str::trim).filter(|a| !a.is_empty()).map(str::to_string).collect()).unwrap_or_default()
}

/// Ids become folder names in the output: ASCII lower-case slugs, never a reserved device name.
pub fn check_slug(id: &str) -> std::result::Result<(), String> {
    let ok_chars = id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    let reserved = ["con", "prn", "aux", "nul"].contains(&id)
        || (id.len() == 4 && (id.starts_with("com") || id.starts_with("lpt")) && id.as_bytes()[3].is_ascii_digit());
    if ["no", "name", "level", "description"].contains(&id) {
        return Err(format!("id {id:?} is reserved: clean tables use it as a column name"));
    }
    let dashes_ok = !id.starts_with('-') && !id.ends_with('-') && !id.contains("--");
    if id.is_empty() || !ok_chars || !dashes_ok || id.len() > 64 {
        Err(format!("id {id:?} is not a safe slug: use a-z and 0-9 joined by single '-' (it becomes a URL path)"))
    } else if reserved {
        Err(format!("id {id:?} is a reserved device name on Windows file shares"))
    } else {
        Ok(())
    }
}

impl Catalog {
    /// Read `vendors.csv` and, when present, `subsystems.csv` and `curation.csv` from `dir`.
    pub fn load(dir: &Path, findings: &mut Vec<Finding>) -> Result<Catalog> {
        let mut catalog = Catalog::default();
        let vendors = dir.join("vendors.csv");
        if crate::files::exists(&vendors) {
            for (line, rec) in records(&vendors, &["id", "name"])? {
                catalog.add_vendor(&vendors, line, &rec, findings);
            }
        }
        let subsystems = dir.join("subsystems.csv");
        if crate::files::exists(&subsystems) {
            for (line, rec) in records(&subsystems, &["id", "name"])? {
                catalog.add_subsystem(&subsystems, line, &rec, findings);
            }
        }
        let curation = dir.join("curation.csv");
        if crate::files::exists(&curation) {
            for (line, rec) in records(&curation, &["header", "vendor", "reason"])? {
                catalog.add_curation(&curation, line, &rec, findings);
            }
        }
        Ok(catalog)
    }

    fn add_vendor(&mut self, path: &Path, line: usize, rec: &HashMap<String, String>, findings: &mut Vec<Finding>) {
        let at = Location::new(path, line);
        let id = rec.get("id").cloned().unwrap_or_default();
        if let Err(msg) = check_slug(&id) {
            return findings.push(Finding::error(Code::BadId, at, msg));
        }
        let name = rec.get("name").cloned().unwrap_or_default();
        if name.is_empty() {
            return findings.push(Finding::error(Code::BadVendor, at, format!("vendor {id} has no name")));
        }
        let vendor = Vendor {
            short: rec.get("short").filter(|s| !s.is_empty()).cloned().unwrap_or_else(|| name.clone()),
            aliases: list(rec.get("aliases")),
            subsystems: list(rec.get("subsystems")),
            id,
            name,
        };
        let spellings: Vec<String> =
            [&vendor.id, &vendor.name].into_iter().chain(&vendor.aliases).map(|s| key(s)).collect();
        // Check every spelling before recording any, so a refused vendor leaves no trace.
        for (spelling, k) in [&vendor.id, &vendor.name].into_iter().chain(&vendor.aliases).zip(&spellings) {
            if let Some(&other) = self.by_key.get(k) {
                let msg = format!("{spelling:?} already names vendor {}", self.vendors[other].id);
                return findings.push(Finding::error(Code::DuplicateVendor, at, msg));
            }
        }
        let index = self.vendors.len();
        for k in spellings {
            self.by_key.insert(k, index);
        }
        self.vendors.push(vendor);
    }

    fn add_subsystem(&mut self, path: &Path, line: usize, rec: &HashMap<String, String>, findings: &mut Vec<Finding>) {
        let id = rec.get("id").cloned().unwrap_or_default();
        if let Err(msg) = check_slug(&id) {
            return findings.push(Finding::error(Code::BadId, Location::new(path, line), msg));
        }
        let name = rec.get("name").cloned().unwrap_or_default();
        self.subsystems.push(Subsystem { id, name, aliases: list(rec.get("aliases")) });
    }

    fn add_curation(&mut self, path: &Path, line: usize, rec: &HashMap<String, String>, findings: &mut Vec<Finding>) {
        let at = Location::new(path, line);
        let vendor = rec.get("vendor").cloned().unwrap_or_default();
        let reason = rec.get("reason").cloned().unwrap_or_default();
        if self.resolve(&vendor) != Some(vendor.as_str()) {
            return findings.push(Finding::error(Code::BadCuration, at, format!("unknown vendor id {vendor:?}")));
        }
        if reason.is_empty() {
            return findings.push(Finding::error(Code::BadCuration, at, "a curated mapping must state its reason"));
        }
        let header = rec.get("header").cloned().unwrap_or_default();
        self.curation.insert(key(&header), (vendor, reason));
    }

    /// The catalog a released revision lists: its vendors and subsystems, nothing curated.
    pub fn of(vendors: Vec<Vendor>, subsystems: Vec<Subsystem>) -> Catalog {
        Catalog { vendors, subsystems, ..Default::default() }
    }

    /// The vendor id a header spelling names: its id, name or one of its aliases.
    pub fn resolve(&self, spelling: &str) -> Option<&str> {
        self.by_key.get(&key(spelling)).map(|&i| self.vendors[i].id.as_str())
    }

    /// The vendor a task name designates in a parenthetical: the longest spelling the text
    /// starts with (`…業者担当` designates the 業者). A vendor named by its work (`…業務`)
    /// designates the vendor (`…業者`).
    pub fn designated_vendor(&self, text: &str) -> Option<&str> {
        let text = key(text);
        let mut best: Option<(usize, usize)> = None;
        for (spelling, &index) in &self.by_key {
            // Each form as head and tail, so no string is made for it: this runs for every
            // parenthetical of every row.
            let work = spelling.strip_suffix("業者").map(|stem| (stem, "業務"));
            for (head, tail) in std::iter::once((spelling.as_str(), "")).chain(work) {
                let len = head.len() + tail.len();
                let better = best.is_none_or(|(l, i)| (len, std::cmp::Reverse(index)) > (l, std::cmp::Reverse(i)));
                let named = text.strip_prefix(head).is_some_and(|rest| rest.starts_with(tail));
                if named && better && head.chars().count() + tail.chars().count() >= 4 {
                    best = Some((len, index));
                }
            }
        }
        best.map(|(_, i)| self.vendors[i].id.as_str())
    }

    /// Subsystems a text names, longest spelling first so `…(2次開発情報連携分)` is not
    /// also counted as a shorter name it contains.
    pub fn subsystems_in(&self, text: &str) -> Vec<&str> {
        // Made once per catalog: this runs for every parenthetical of every row.
        let spellings = self.subsystem_spellings.get_or_init(|| {
            let mut spellings: Vec<(String, usize)> = (self.subsystems.iter().enumerate())
                .flat_map(|(i, s)| std::iter::once(&s.name).chain(&s.aliases).map(move |n| (key(n), i)))
                .collect();
            spellings.sort_by_key(|(n, _)| std::cmp::Reverse(n.len()));
            spellings
        });
        let mut rest = key(text);
        let mut found = Vec::new();
        for (spelling, i) in spellings {
            let id = self.subsystems[*i].id.as_str();
            if rest.contains(spelling.as_str()) {
                rest = rest.replace(spelling.as_str(), "\u{0}");
                if !found.contains(&id) {
                    found.push(id);
                }
            }
        }
        found
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The catalog shipped for the seed.
    pub(crate) fn shipped() -> Catalog {
        let mut findings = Vec::new();
        let c = Catalog::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds"), &mut findings).unwrap();
        assert!(findings.is_empty(), "{findings:?}");
        c
    }

    /// Trap: full- and half-width parentheses and spaces spell the same vendor, in aliases
    /// and in curated headers alike.
    #[test]
    fn full_and_half_width_spellings_resolve_alike() {
        let c = shipped();
        assert_eq!(c.resolve("個人番号管理サブシステム(1次)ハードウェア等納入保守業者"), Some("kojin1-hw"));
        assert_eq!(c.resolve("個人番号管理サブシステム（１次）ハードウェア等納入保守業者"), Some("kojin1-hw"));
        assert_eq!(c.resolve("個人番号管理サブシステム （1次） ハードウェア等納入保守業者"), Some("kojin1-hw"));
        assert!(
            c.curation.contains_key(&key("開発等業者(統合業務受託者を含む)")),
            "curated in full width, found in half"
        );
        assert!(c.curation.contains_key(&key("開発等業者（統括業務受託者を含む）")));
    }

    /// Trap: the OCR typo 機橋 for 機構 is a curated alias, not a new vendor.
    #[test]
    fn typo_spelling_is_an_alias() {
        let c = shipped();
        assert_eq!(c.resolve("機橋LAN保守業者"), Some("jps-lan"));
        assert_eq!(c.resolve("機構LAN保守業者"), Some("jps-lan"));
        assert_eq!(c.resolve("機橋LAN"), None, "no fuzzy matching beyond the curated spellings");
    }

    /// Trap: `…業務` and `…業者` name one vendor, in headers and in task names.
    #[test]
    fn work_and_worker_spellings_name_one_vendor() {
        let c = shipped();
        assert_eq!(c.resolve("統計・業務分析サブシステムに係る設計・開発等業務"), Some("toukei-dev"));
        assert_eq!(c.resolve("統計・業務分析サブシステムに係る設計・開発等業者"), Some("toukei-dev"));
        assert_eq!(c.designated_vendor("共通運用管理業務"), Some("common-ops"));
        assert_eq!(c.designated_vendor("共通運用管理業者"), Some("common-ops"));
    }

    /// Trap: abbreviated header names. `開発等業者(…を含む)` could be any of the four
    /// developers by its words alone, so every abbreviated form is a curated reading with
    /// its reason, never an alias that would pass for 原文どおり.
    #[test]
    fn abbreviated_names_are_curated_not_aliases() {
        let c = shipped();
        for header in
            ["開発等業者(統括業務受託者を含む)", "開発等業者(統合業務受託者を含む)", "開発等業者(統括業務委託者を含む)"]
        {
            assert_eq!(c.resolve(header), None, "{header}");
            let (id, reason) = &c.curation[&key(header)];
            assert_eq!(id, "dev-main");
            assert!(reason.contains("行目"), "the reason cites the document: {reason}");
        }
    }

    #[test]
    fn subsystems_match_longest_first() {
        let c = shipped();
        assert_eq!(c.subsystems_in("障害調査(個人番号管理サブシステム(2次開発情報連携分))"), vec!["kojin2-renkei"]);
        assert!(c.subsystems_in("全体実施計画書の作成").is_empty());
    }

    #[test]
    fn slugs_are_ascii_and_portable() {
        assert!(check_slug("dev-main").is_ok());
        for bad in ["", "Dev", "開発", "a_b", "-a", "a-", "con", "a--b"] {
            assert!(check_slug(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn reference_file_errors_are_located() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("vendors.csv"), "id,name,aliases\nok,正しい,\n開発,名前,\n").unwrap();
        let mut findings = Vec::new();
        Catalog::load(dir.path(), &mut findings).unwrap();
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert_eq!(findings[0].location.line, 3);
        assert_eq!(findings[0].severity, crate::diag::Severity::Error);
    }
}
