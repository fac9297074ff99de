//! Every href and src among the rendered pages resolves to a page (and its #anchor), or
//! becomes a finding. Our own templates write the HTML, so scanning attributes suffices.

use crate::diag::{Finding, Location};
use crate::render::Page;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

/// The ids a page offers and the hrefs/srcs it points at.
struct Scan<'a> {
    page: &'a Page,
    ids: BTreeSet<String>,
    targets: BTreeSet<String>,
}

fn scan(page: &Page) -> Scan<'_> {
    let text = String::from_utf8_lossy(&page.bytes);
    let mut targets = attrs(&text, "href");
    targets.extend(attrs(&text, "src"));
    Scan { page, ids: attrs(&text, "id"), targets }
}

/// Each page is read once, in parallel; findings come in page order.
pub fn check(pages: &[Page]) -> Vec<Finding> {
    let scans: Vec<Scan> = pages.par_iter().filter(|p| p.path.ends_with(".html")).map(scan).collect();
    let ids: BTreeMap<&str, &BTreeSet<String>> = scans.iter().map(|s| (s.page.path.as_str(), &s.ids)).collect();
    let files: BTreeSet<&str> = pages.iter().map(|p| p.path.as_str()).collect();
    scans
        .par_iter()
        .flat_map_iter(|s| {
            let at = Location::file_only(s.page.source.as_deref().unwrap_or(s.page.path.as_ref()));
            s.targets
                .iter()
                .filter_map(|target| {
                    let problem = resolve(&s.page.path, target, &files, &ids)?;
                    Some(Finding::error("broken-link", at.clone(), format!("{target}: {problem}")))
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

fn resolve(
    from: &str,
    target: &str,
    files: &BTreeSet<&str>,
    ids: &BTreeMap<&str, &BTreeSet<String>>,
) -> Option<String> {
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
fn attrs(text: &str, name: &str) -> BTreeSet<String> {
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
