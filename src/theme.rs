//! The default theme compiled into the binary, overridden file by file from
//! `themes/<name>/`, and the Tera setup. `init` writes the defaults out.
//!
//! A theme is a folder of the project, so its templates are taken as hostile input: they
//! are refused when they nest too deep (`scan`) or recurse (`shape`), and every render is
//! bounded in work, time and size (`bounds`, `grow`), counted by calls put into the parsed
//! templates (`instrument`). Tera's `get_env` would publish the environment: it fails
//! instead.

mod bounds;
mod cheap;
mod grow;
mod instrument;
mod scan;
mod shape;
mod tree;

use crate::config::Project;
use crate::diag::{Code, Error, Location, Result};
use std::path::{Path, PathBuf};
use tera::Tera;

macro_rules! embed {
    ($($name:literal),* $(,)?) => { &[$(($name, include_str!(concat!("../themes/default/", $name)))),*] };
}

/// Every default theme file, by its path inside the theme folder.
pub const DEFAULT_FILES: &[(&str, &str)] = embed!(
    "templates/base.html",
    "templates/macros.html",
    "templates/charts.html",
    "templates/grid-rows.html",
    "templates/vendor-groups.html",
    "templates/vendor-group-rows.html",
    "templates/vendor-bars.html",
    "templates/home.html",
    "templates/item.html",
    "templates/phase.html",
    "templates/phases.html",
    "templates/vendor.html",
    "templates/vendor-part.html",
    "templates/vendors.html",
    "templates/subsystem.html",
    "templates/subsystems.html",
    "templates/rows.html",
    "templates/matrix.html",
    "templates/quality.html",
    "templates/page.html",
    "templates/redirect.html",
    "templates/404.html",
    "templates/tombstone.html",
    "templates/lost.html",
    "templates/source.html",
    "templates/changes.html",
    "templates/revisions.html",
    "static/style.css",
    "static/site.js",
    "static/search.js",
);

pub struct Theme {
    pub tera: Tera,
    /// Static files as `(path under assets/, bytes)`.
    pub assets: Vec<(String, Vec<u8>)>,
    /// The theme folder, for error locations.
    pub dir: PathBuf,
    /// Template sources by name, to find the line of a render error.
    sources: std::collections::BTreeMap<String, String>,
    /// A hash of every template source: pages rendered by another theme are not reused.
    pub fingerprint: u128,
    /// The project's `static/` folder, copied to the site's root as it is (`robots.txt`,
    /// `CNAME`): `(path, bytes)`.
    pub passthrough: Vec<(String, Vec<u8>)>,
}

impl Theme {
    /// `template` rendered with `ctx` for the page at `url` (named in errors), within the
    /// bounds of one render: the only place a template is rendered.
    pub fn render(&self, template: &str, ctx: &tera::Context, url: &str) -> Result<String> {
        let (result, trip) = bounds::within(|| {
            let mut page = bounds::Page::default();
            self.tera.render_to(template, ctx, &mut page).map(|()| page.bytes)
        });
        let failed = match result {
            Ok(Ok(bytes)) if trip.is_none() => {
                return crate::utf8::string(bytes)
                    .map_err(|_| Error::at(Code::Template, self.file(template, 0), "not UTF-8"));
            }
            Ok(Ok(_)) | Err(_) => Error::at(Code::Template, self.file(template, 0), "the template engine failed"),
            Ok(Err(e)) => self.render_error(&e),
        };
        let mut error = match trip {
            Some(trip) => self.tripped(failed, trip),
            None => failed,
        };
        if let Error::Located(f) = &mut error {
            // The home page's URL is empty: it is named by its file.
            let page = if url.is_empty() { crate::urls::file_of(url) } else { url.to_string() };
            f.message = format!("rendering {page}: {}", f.message);
        }
        Err(error)
    }

    fn file(&self, template: &str, line: usize) -> Location {
        Location::new(self.dir.join("templates").join(template), line)
    }

    /// A limit a render ran into, where it was counted when known, or else where Tera's
    /// error puts it. A limit fails the render even when Tera went on (it takes the error
    /// of an `if` condition as false).
    fn tripped(&self, failed: Error, trip: bounds::Trip) -> Error {
        let at = match (&trip.at, failed) {
            (Some((file, line)), _) => self.file(file, *line),
            (None, Error::Located(f)) => f.location,
            (None, _) => Location::default(),
        };
        Error::at(Code::Template, at, trip.message)
    }

    /// A render error located at its template and, when the message names what failed (a
    /// variable, a filter, a function, a macro, an included template), the first line that
    /// uses it (Tera reports no line for render errors).
    fn render_error(&self, e: &tera::Error) -> Error {
        let mut error = template_error(&self.dir, e);
        if let Error::Located(f) = &mut error {
            if f.location.line == 0 {
                let name = f.location.file.file_name().and_then(|n| n.to_str()).unwrap_or("");
                if let (Some(source), Some(needle)) = (self.sources.get(name), needle(&f.message)) {
                    f.location.line = needle.line_in(source);
                }
            }
        }
        error
    }
}

/// Load the configured theme: each file from the project's theme folder when present,
/// the compiled-in default otherwise.
pub fn load(project: &Project) -> Result<Theme> {
    let dir = project.source_dir(&project.config.themes)?.join(&project.config.theme);
    if project.config.theme != "default" && !dir.is_dir() {
        return Err(Error::at(
            Code::Theme,
            Location::file_only(&dir),
            format!("theme {:?} not found", project.config.theme),
        ));
    }
    let mut templates = Vec::new();
    let mut assets = Vec::new();
    for (name, bytes) in files(&dir)? {
        if let Some(t) = name.strip_prefix("templates/") {
            let text = String::from_utf8(bytes).map_err(|_| {
                Error::at(Code::Template, Location::file_only(&dir.join(&name)), "template is not UTF-8 text")
            })?;
            templates.push((t.to_string(), text));
        } else if let Some(s) = name.strip_prefix("static/") {
            assets.push((s.to_string(), bytes));
        }
    }
    let sources: std::collections::BTreeMap<String, String> = templates.iter().cloned().collect();
    let parts: Vec<&[u8]> = sources.iter().flat_map(|(name, text)| [name.as_bytes(), text.as_bytes()]).collect();
    let fingerprint = crate::hash::fields_key(&parts);
    let mut lines = std::collections::BTreeMap::new();
    for (name, text) in &sources {
        let scanned = scan::scan(text).map_err(|(line, message)| {
            Error::at(Code::Template, Location::new(dir.join("templates").join(name), line), message)
        })?;
        lines.insert(name.clone(), scanned);
    }
    let passthrough = crate::files::tree(&project.source_dir(&project.config.static_files)?)?;
    let mut tera = Tera::default();
    tera.autoescape_on(vec![".html", ".xml"]);
    tera.set_escape_fn(bounds::escape);
    tera.add_raw_templates(templates).map_err(|e| load_error(&dir, &sources, &e))?;
    shape::check(&tera, &sources).map_err(|f| {
        Error::at(Code::Template, Location::new(dir.join("templates").join(&f.template), f.line), f.message)
    })?;
    instrument::instrument(&mut tera, &lines);
    Ok(Theme { tera, assets, dir, sources, fingerprint, passthrough })
}

/// Default files overlaid with the project's own, sorted by path.
fn files(dir: &Path) -> Result<Vec<(String, Vec<u8>)>> {
    let mut out: std::collections::BTreeMap<String, Vec<u8>> =
        DEFAULT_FILES.iter().map(|(n, t)| (n.to_string(), t.as_bytes().to_vec())).collect();
    out.extend(crate::files::tree(dir)?);
    Ok(out.into_iter().collect())
}

/// What a Tera error names as having failed, to find in its template's source.
enum Needle<'m> {
    /// A variable, macro, template or other text, as written.
    Text(&'m str),
    /// A filter: its name after a `|`.
    Filter(&'m str),
    /// A function: its name before a `(`.
    Function(&'m str),
}

impl Needle<'_> {
    /// The first line of `source` that holds it, or 0.
    fn line_in(&self, source: &str) -> usize {
        let found = |l: &str| match self {
            Needle::Text(t) => l.contains(t),
            Needle::Filter(f) => l.split('|').skip(1).any(|after| after.trim_start().starts_with(f)),
            Needle::Function(f) => l.contains(&format!("{f}(")),
        };
        source.lines().position(found).map_or(0, |i| i + 1)
    }
}

/// The innermost thing a Tera render error names: `Variable \`x.y\` not found`,
/// `Filter call 'replace' failed`, `Function 'f' not found`, `Macro \`m::x\` not found`,
/// `Template '[a.html]' not found`.
fn needle(message: &str) -> Option<Needle<'_>> {
    let between = |open: &str, close: char| -> Option<(usize, &str)> {
        let at = message.rfind(open)? + open.len();
        Some((at, message[at..].split(close).next()?))
    };
    let found = [
        between("Variable `", '`').map(|(at, v)| (at, Needle::Text(v))),
        between("Filter '", '\'').map(|(at, f)| (at, Needle::Filter(f))),
        between("Filter call '", '\'').map(|(at, f)| (at, Needle::Filter(f))),
        between("Function '", '\'').map(|(at, f)| (at, Needle::Function(f))),
        between("Function call '", '\'').map(|(at, f)| (at, Needle::Function(f))),
        between("Macro `", '`').map(|(at, m)| (at, Needle::Text(m))),
        between("Template '[", ']').map(|(at, t)| (at, Needle::Text(t.split(", ").next().unwrap_or(t)))),
    ];
    found.into_iter().flatten().max_by_key(|(at, _)| *at).map(|(_, n)| n)
}

/// A Tera error as `templates/x.html:line:col: error[template]: …`. Tera puts the line of a
/// parse error in a `--> line:col` marker inside its message; render errors carry none.
pub fn template_error(dir: &Path, e: &tera::Error) -> Error {
    let mut parts = vec![e.to_string()];
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        parts.push(s.to_string());
        source = s.source();
    }
    let whole = parts.join("\n");
    let file = template_file(dir, &whole);
    let mut location = Location::file_only(&file);
    if let Some((line, col)) = marker(&whole) {
        location = Location::new(&file, line).with_col(col);
    }
    let message: Vec<String> = whole
        .lines()
        .map(str::trim)
        .filter(|l| {
            !l.is_empty()
                && !l.starts_with("-->")
                && !l.starts_with('|')
                && !l.chars().next().is_some_and(|c| c.is_ascii_digit())
        })
        .map(|l| l.trim_start_matches("= ").to_string())
        .collect();
    Error::at(Code::Template, location, message.join(": "))
}

/// `--> 3:12` → `(3, 12)`.
fn marker(message: &str) -> Option<(usize, usize)> {
    let rest = &message[message.find("--> ")? + 4..];
    let spot: String = rest.chars().take_while(|c| c.is_ascii_digit() || *c == ':').collect();
    let (line, col) = spot.split_once(':')?;
    Some((line.parse().ok()?, col.parse().ok()?))
}

/// The template file a Tera message names (`'item.html'`), for the location.
fn template_file(dir: &Path, message: &str) -> PathBuf {
    // Every text between two quotes that is a template's name; the text between may hold
    // apostrophes (`doesn't`), so quotes are not taken in pairs.
    let quotes: Vec<usize> = message.match_indices(['\'', '`']).map(|(i, _)| i).collect();
    let mut names = quotes.windows(2).map(|w| &message[w[0] + 1..w[1]]).filter(|n| {
        (n.ends_with(".html") || n.ends_with(".xml")) && !n.contains(char::is_whitespace) && !n.starts_with('[')
    });
    // A template that refers to one that is not there is named first; otherwise the
    // innermost template named is where the fault is (`rendering 'macros.html'`).
    let refers = ["is inheriting from", "loads macros from", "Circular extend"].iter().any(|m| message.contains(m));
    let name = if refers { names.next() } else { names.next_back() };
    match name {
        Some(n) => dir.join("templates").join(n),
        None => dir.join("templates"),
    }
}

/// An error of loading the templates, at the line of the tag at fault when Tera names none.
fn load_error(dir: &Path, sources: &std::collections::BTreeMap<String, String>, e: &tera::Error) -> Error {
    let mut error = template_error(dir, e);
    if let Error::Located(f) = &mut error {
        let name = f.location.file.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let tag = match &f.message {
            m if m.contains("is inheriting from") => Some("extends"),
            m if m.contains("loads macros from") => Some("import"),
            _ => None,
        };
        if let (0, Some(source), Some(tag)) = (f.location.line, sources.get(name), tag) {
            f.location.line = Needle::Text(tag).line_in(source);
        }
    }
    error
}
