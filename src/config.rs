//! `site.toml` → Config: which inputs feed the site, theme, base URL, output folder.

use crate::diag::{Code, Error, Location, Result};
use serde::Deserialize;
use std::path::{Path, PathBuf};

pub const CONFIG_FILE: &str = "site.toml";

/// Reference files under `seeds/` that are not role tables.
pub const REFERENCE_FILES: [&str; 5] = ["vendors.csv", "subsystems.csv", "curation.csv", "aliases.csv", "retired.csv"];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Replaces the document's title on every page.
    pub title: Option<String>,
    pub theme: String,
    /// Absolute URL the site is published under; enables canonical links and sitemap.xml.
    pub base_url: Option<String>,
    pub output: PathBuf,
    pub seeds: PathBuf,
    pub content: PathBuf,
    pub themes: PathBuf,
    /// Released revisions (`rolesite release`), one folder each, published under `rev/`.
    pub revisions: PathBuf,
    /// Files copied to the site's root as they are (`robots.txt`, `CNAME`).
    #[serde(rename = "static")]
    pub static_files: PathBuf,
    /// Role tables in precedence order; empty means every table file in `seeds/`.
    pub inputs: Vec<Input>,
    /// Trust raw HTML in content pages instead of sanitising it.
    pub trust_html: bool,
    /// Document fields for sites fed only by clean tables, which carry no title block.
    pub document: DocumentConfig,
    /// How an item page cites itself (see `render::cite`).
    pub citation: CitationConfig,
    /// The legend, in order of weight (`[[roles]] symbol = "△" name = "確認"`): it decides
    /// what the cells mean, over the document's own legend lines. Empty: the document's,
    /// else ◎/○.
    pub roles: Vec<crate::legend::RoleConfig>,
    /// How cells use the legend.
    pub legend: LegendConfig,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LegendConfig {
    /// A cell may hold several symbols (`A/R`, `R・A`), each its own role.
    pub several: bool,
}

impl Config {
    /// The legend `[[roles]]` states, or `None` to take the document's.
    pub fn legend(&self) -> std::result::Result<Option<crate::legend::Legend>, String> {
        if self.roles.is_empty() {
            return match self.legend.several {
                true => Err("[legend] several = true needs the legend it applies to: list it as [[roles]]".into()),
                false => Ok(None),
            };
        }
        crate::legend::Legend::configured(&self.roles, self.legend.several).map(Some)
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CitationConfig {
    /// The citation with `{issuer}`, `{title}`, `{annex}`, `{date}`, `{no}`, `{name}` and
    /// `{url}` put in; `None` for the form a Japanese specification uses.
    pub format: Option<String>,
}

/// The words a citation format may name.
pub const CITATION_FIELDS: [&str; 7] = ["issuer", "title", "annex", "date", "no", "name", "url"];

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DocumentConfig {
    pub title: Option<String>,
    pub annex: Option<String>,
    pub issuer: Option<String>,
    pub date: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Input {
    pub path: PathBuf,
    /// Rows of this file replace rows with the same 項番 from earlier inputs.
    #[serde(default)]
    pub overrides: bool,
    #[serde(default)]
    pub sheets: Sheets,
    /// Which table of a Word document (.docx) holds the roles; by default its only table,
    /// else the first with a 項番 header.
    #[serde(default)]
    pub table: Option<TableChoice>,
    /// Where this input writes the legend's symbols otherwise: each glyph with the id or
    /// symbol of the kind it stands for (`symbols = { "●" = "◎" }`), for inputs kept with
    /// different symbols for the same roles.
    #[serde(default)]
    pub symbols: std::collections::BTreeMap<String, String>,
}

/// A table of a Word document: its number in document order (from 1), or words of the
/// caption or heading it stands under (the last paragraph with text before it).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum TableChoice {
    Number(u32),
    Caption(String),
}

/// Which sheets of a workbook hold the table.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(try_from = "SheetsSpec")]
pub enum Sheets {
    #[default]
    First,
    All,
    Named(Vec<String>),
}

#[derive(Deserialize)]
#[serde(untagged)]
enum SheetsSpec {
    Word(String),
    List(Vec<String>),
}

impl TryFrom<SheetsSpec> for Sheets {
    type Error = String;
    fn try_from(spec: SheetsSpec) -> std::result::Result<Self, String> {
        match spec {
            SheetsSpec::Word(w) if w == "first" => Ok(Sheets::First),
            SheetsSpec::Word(w) if w == "all" => Ok(Sheets::All),
            SheetsSpec::Word(w) => Err(format!("sheets must be \"first\", \"all\" or a list of names, not {w:?}")),
            SheetsSpec::List(names) => Ok(Sheets::Named(names)),
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            title: None,
            theme: "default".into(),
            base_url: None,
            output: "out".into(),
            seeds: "seeds".into(),
            content: "content".into(),
            themes: "themes".into(),
            static_files: "static".into(),
            revisions: "revisions".into(),
            inputs: Vec::new(),
            trust_html: false,
            document: DocumentConfig::default(),
            citation: CitationConfig::default(),
            roles: Vec::new(),
            legend: LegendConfig::default(),
        }
    }
}

/// A config with every path resolved against the project root.
#[derive(Debug, Clone)]
pub struct Project {
    pub root: PathBuf,
    pub config: Config,
}

impl Project {
    /// Read `site.toml` from `root` when present; defaults otherwise.
    pub fn load(root: &Path) -> Result<Project> {
        let path = root.join(CONFIG_FILE);
        let config = if crate::files::exists(&path) {
            parse(&path, &crate::files::text(&path, "site.toml")?)?
        } else {
            Config::default()
        };
        Ok(Project { root: root.to_path_buf(), config })
    }

    pub fn path(&self, p: &Path) -> PathBuf {
        self.root.join(p)
    }

    pub fn output(&self) -> PathBuf {
        self.path(&self.config.output)
    }

    pub fn seeds(&self) -> PathBuf {
        self.path(&self.config.seeds)
    }

    /// The inputs to read, in precedence order.
    pub fn inputs(&self) -> Result<Vec<Input>> {
        if !self.config.inputs.is_empty() {
            let named = self.config.inputs.iter().map(|i| Ok(Input { path: self.named_input(&i.path)?, ..i.clone() }));
            return named.collect();
        }
        let seeds = self.source_dir(&self.config.seeds)?;
        let found = crate::files::list(&seeds, is_table_file)?;
        let input =
            |path| Input { path, overrides: false, sheets: Sheets::First, table: None, symbols: Default::default() };
        Ok(found.into_iter().map(input).collect())
    }

    /// A source folder (`seeds/`, `content/`, `themes/`) under the root, refused when it
    /// leads out of the project (a link, or `..`): what it holds is published.
    pub fn source_dir(&self, dir: &Path) -> Result<PathBuf> {
        let path = self.path(dir);
        match std::fs::canonicalize(&path) {
            Ok(real) if !real.starts_with(self.real_root()?) => Err(outside(&path, &real)),
            _ => Ok(path),
        }
    }

    /// An input that `site.toml` names: a regular file inside the project, or a link to
    /// one (read as the file it leads to); anything leading out of the project is refused.
    fn named_input(&self, given: &Path) -> Result<PathBuf> {
        let path = self.path(given);
        let real = std::fs::canonicalize(&path).map_err(|e| Error::io(&path, e))?;
        let root = self.real_root()?;
        match real.strip_prefix(&root) {
            Ok(inside) if real.is_file() => Ok(self.root.join(inside)),
            Ok(_) => Err(Error::at(Code::NotAFile, Location::file_only(&path), "is not a regular file")),
            Err(_) => Err(outside(&path, &real)),
        }
    }

    /// The project folder with every link resolved, to tell what lies inside it.
    pub fn real_root(&self) -> Result<PathBuf> {
        std::fs::canonicalize(&self.root).map_err(|e| Error::io(&self.root, e))
    }
}

fn outside(path: &Path, real: &Path) -> Error {
    let message = format!(
        "leads out of the project (to {}): rolesite reads only files inside the project, so that nothing from \
         elsewhere is published; copy it in",
        real.display()
    );
    Error::at(Code::OutsideProject, Location::file_only(path), message)
}

/// A role table among `seeds/`, by name: not a reference file, with a table's extension.
fn is_table_file(name: &str) -> bool {
    let ext = Path::new(name).extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    // Word and Excel keep a lock file (`~$roles.docx`) beside a document while it is open.
    !REFERENCE_FILES.contains(&name)
        && !name.starts_with("~$")
        && ["txt", "csv", "tsv", "xlsx", "xls", "ods", "docx"].contains(&ext.as_str())
}

pub fn parse(path: &Path, text: &str) -> Result<Config> {
    let config: Config = toml::from_str(text).map_err(|e| {
        let line = e.span().map_or(1, |s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        Error::at(Code::Config, Location::new(path, line), e.message().to_string())
    })?;
    let line_of = |key: &str| text.lines().position(|l| l.trim_start().starts_with(key)).map_or(1, |i| i + 1);
    if let Some(date) = config.document.date.as_deref().filter(|d| crate::wareki::parse(d).is_none()) {
        let message = format!(
            "date {date:?} is not a date: write it as the document does (平成28年5月, 令和元年5月) or as 2016-05"
        );
        return Err(Error::at(Code::Config, Location::new(path, line_of("date")), message));
    }
    if let Some(Err(message)) = config.base_url.as_deref().map(check_base_url) {
        return Err(Error::at(Code::Config, Location::new(path, line_of("base_url")), message));
    }
    if let Err(message) = config.legend() {
        let line = text.lines().position(|l| l.trim_start().starts_with("[[roles]]")).map_or(1, |i| i + 1);
        return Err(Error::at(Code::Config, Location::new(path, line), message));
    }
    if let Some(format) = &config.citation.format {
        if let Err(message) = check_citation(format) {
            let line = text.lines().position(|l| l.trim_start().starts_with("format")).map_or(1, |i| i + 1);
            return Err(Error::at(Code::Config, Location::new(path, line), message));
        }
    }
    Ok(config)
}

/// A citation format names only the fields there are, each in braces.
fn check_citation(format: &str) -> std::result::Result<(), String> {
    let mut rest = format;
    while let Some(open) = rest.find(['{', '}']) {
        let after = &rest[open + 1..];
        let close = after.find('}').filter(|_| rest[open..].starts_with('{'));
        let Some(close) = close else {
            return Err(format!("citation format {format:?}: a brace that does not enclose a field name"));
        };
        let name = &after[..close];
        if !CITATION_FIELDS.contains(&name) {
            let known = CITATION_FIELDS.map(|f| format!("{{{f}}}")).join(", ");
            return Err(format!("citation format names {{{name}}}, which is none of {known}"));
        }
        rest = &after[close + 1..];
    }
    Ok(())
}

/// `base_url` starts every canonical link, every link of the 404 page and every address of
/// the site map: anything but a web address with a host (`javascript:`, `data:`, a path)
/// would be published in all of them.
fn check_base_url(base: &str) -> std::result::Result<(), String> {
    let refuse = |why: &str| {
        Err(format!("base_url {base:?} {why}: write the address the site is published under, such as https://intra.example/roles/"))
    };
    // The URL parser drops tabs, line breaks and surrounding spaces; the links use the text as written.
    if base.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return refuse("holds spaces or control characters");
    }
    let Ok(url) = url::Url::parse(base) else { return refuse("is not an absolute URL") };
    if !["http", "https"].contains(&url.scheme()) || !base[url.scheme().len()..].starts_with("://") {
        return refuse("must start with https:// or http://");
    }
    if url.host_str().is_none_or(str::is_empty) {
        return refuse("names no host");
    }
    if !url.username().is_empty() || url.password().is_some() {
        return refuse("holds a user name or password, which every page would publish");
    }
    if url.query().is_some() || url.fragment().is_some() {
        return refuse("has a query or a fragment, which the paths of the pages cannot follow");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check_base_url;

    #[test]
    fn base_url_must_be_a_web_address_with_a_host() {
        for good in ["https://intra.example/roles/", "http://intra.example", "https://intra.example:8443/役割/"] {
            assert_eq!(check_base_url(good), Ok(()), "{good}");
        }
        for bad in [
            "javascript:alert(1)",
            "data:text/html,x",
            "ftp://intra.example/roles/",
            "/roles/",
            "roles",
            "https://",
            "https:intra.example/roles/",
            "file:///srv/roles/",
            "https://user:secret@intra.example/",
            "https://intra.example/?a=b",
            "https://intra.example/#top",
            "https://intra.example/\troles/",
            " https://intra.example/",
        ] {
            assert!(check_base_url(bad).is_err(), "{bad}");
        }
    }
}
