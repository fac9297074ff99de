//! Every href and src among the rendered pages resolves to a page (and its #anchor), or
//! becomes a finding. Our own templates write the HTML, so scanning attributes suffices.

use crate::diag::{Finding, Location};
use crate::render::Page;
use std::collections::{BTreeMap, BTreeSet};

pub fn check(pages: &[Page]) -> Vec<Finding> {
    let ids: BTreeMap<&str, BTreeSet<String>> =
        pages.iter().filter(|p| p.path.ends_with(".html")).map(|p| (p.path.as_str(), attrs(&p.bytes, "id"))).collect();
    let files: BTreeSet<&str> = pages.iter().map(|p| p.path.as_str()).collect();
    let mut findings = Vec::new();
    for page in pages.iter().filter(|p| p.path.ends_with(".html")) {
        for target in attrs(&page.bytes, "href").into_iter().chain(attrs(&page.bytes, "src")) {
            if let Some(problem) = resolve(&page.path, &target, &files, &ids) {
                findings.push(Finding::error(
                    "broken-link",
                    Location::file_only(page.source.as_deref().unwrap_or(page.path.as_ref())),
                    format!("{target}: {problem}"),
                ));
            }
        }
    }
    findings
}

fn resolve(from: &str, target: &str, files: &BTreeSet<&str>, ids: &BTreeMap<&str, BTreeSet<String>>) -> Option<String> {
    if has_scheme(target) {
        return None;
    }
    let (path, anchor) = target.split_once('#').map_or((target, None), |(p, a)| (p, Some(a)));
    let file = if path.is_empty() {
        from.to_string()
    } else {
        match join(from, path) {
            Some(f) => f,
            None => return Some("climbs above the site root".into()),
        }
    };
    if !files.contains(file.as_str()) {
        return Some(format!("no such file {file}"));
    }
    match anchor {
        Some(a) if !a.is_empty() && ids.get(file.as_str()).is_some_and(|set| !set.contains(a)) => {
            Some(format!("no #{a} in {file}"))
        }
        _ => None,
    }
}

/// `https:`, `mailto:`, `tel:`…: a URL that is not a file of the site.
fn has_scheme(target: &str) -> bool {
    let scheme: String =
        target.chars().take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-')).collect();
    scheme.starts_with(|c: char| c.is_ascii_alphabetic()) && target[scheme.len()..].starts_with(':')
}

/// Resolve a relative path against the folder of `from`; `None` when it climbs out.
pub fn join(from: &str, rel: &str) -> Option<String> {
    let mut parts: Vec<&str> = from.split('/').collect();
    parts.pop();
    for seg in rel.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

/// Values of one attribute, with the entities our escaping writes decoded.
fn attrs(html: &[u8], name: &str) -> BTreeSet<String> {
    let text = String::from_utf8_lossy(html);
    let needle = format!(" {name}=\"");
    text.match_indices(&needle)
        .filter_map(|(i, _)| {
            let rest = &text[i + needle.len()..];
            rest.find('"').map(|end| unescape(&rest[..end]))
        })
        .collect()
}

/// Undo [`crate::theme::escape_html`].
fn unescape(s: &str) -> String {
    s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#x27;", "'").replace("&amp;", "&")
}
