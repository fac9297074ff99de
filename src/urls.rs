//! The only owner of output paths and hrefs. A page's URL is its folder (`items/704/`,
//! what specifications cite); its file is `items/704/index.html`; links between pages are
//! relative and name `index.html` so the site works opened from a file share.

/// The site's data files, at fixed paths: what the next build reads back as the published
/// site (`baseline`), and what readers download.
pub const MANIFEST: &str = "urls.json";
pub const ROLES_JSON: &str = "data/roles.json";
pub const ROLES_CSV: &str = "data/roles.csv";
pub const CHANGES_JSON: &str = "data/changes.json";
pub const SEARCH_INDEX: &str = "assets/search-index.js";
/// The released revisions' rows, loaded only by a search that includes them.
pub const SEARCH_REVISIONS: &str = "assets/search-revisions.js";
/// The site map, written when the site has a `base_url`.
pub const SITEMAP: &str = "sitemap.xml";

/// The pages that list the whole table, one each.
pub const PHASES: &str = "phases/";
pub const VENDORS: &str = "vendors/";
pub const SUBSYSTEMS: &str = "subsystems/";
pub const UNASSIGNED: &str = "unassigned/";
pub const MATRIX: &str = "matrix/";
pub const QUALITY: &str = "quality/";
pub const CHANGES: &str = "changes/";
/// The list of released revisions.
pub const REVISIONS: &str = "revisions/";
/// The page a server shows at a missing URL: a file, not a folder.
pub const NOT_FOUND: &str = "404.html";

/// A theme's file, under the site's `assets/`.
pub fn asset(path: &str) -> String {
    format!("assets/{path}")
}

/// Site-relative URL of an item. A heading's item URL redirects to its phase page.
pub fn item(no: u32) -> String {
    format!("items/{no}/")
}

/// A part of a matrix too large for one page (see `plan::matrix_parts`).
pub fn matrix_part(start: u32) -> String {
    format!("matrix/{start}/")
}

/// A vendor's tasks of one kind of role in one span of 項番 (see `plan::vendor_parts`).
pub fn vendor_part(id: &str, kind: &str, start: u32) -> String {
    format!("{}{kind}/{start}/", vendor(id))
}

/// The rows below a heading of one span of 項番 (see `plan::phase_parts`).
pub fn phase_part(no: u32, start: u32) -> String {
    format!("{}{start}/", phase(no))
}

/// A subsystem's tasks of one span of 項番 (see `plan::subsystem_parts`).
pub fn subsystem_part(id: &str, start: u32) -> String {
    format!("{}{start}/", subsystem(id))
}

/// The unassigned tasks of one span of 項番 (see `plan::unassigned_parts`).
pub fn unassigned_part(start: u32) -> String {
    format!("{UNASSIGNED}{start}/")
}

/// The rows of one flag in one span of 項番 (see `plan::flag_parts`).
pub fn flag_part(code: &str, start: u32) -> String {
    format!("quality/{code}/{start}/")
}

pub fn phase(no: u32) -> String {
    format!("phases/{no}/")
}

pub fn vendor(id: &str) -> String {
    format!("vendors/{id}/")
}

pub fn subsystem(id: &str) -> String {
    format!("subsystems/{id}/")
}

/// Where a released revision's frozen pages stand: `rev/2016-05/`.
pub fn revision(label: &str) -> String {
    format!("rev/{label}/")
}

/// The label of the revision a frozen page belongs to (`rev/2016-05/items/704/` → 2016-05).
pub fn revision_of(url: &str) -> Option<&str> {
    url.strip_prefix("rev/")?.split('/').next().filter(|l| !l.is_empty())
}

/// A page of an input as written: its place among the inputs and its first line.
pub fn source(input: usize, first: usize) -> String {
    format!("source/{input}-{first}/")
}

pub fn content_page(slug: &str) -> String {
    format!("pages/{slug}/")
}

/// The 項番 of an item URL (`items/704/` → 704).
pub fn item_no(url: &str) -> Option<u32> {
    url.strip_prefix("items/")?.strip_suffix('/')?.parse().ok()
}

/// The 項番 of a row's page (`items/704/`, `phases/696/`, with or without the last slash).
pub fn row_no(url: &str) -> Option<u32> {
    let no = |prefix: &str| url.strip_prefix(prefix)?.trim_end_matches('/').parse::<u32>().ok();
    no("items/").or_else(|| no("phases/"))
}

/// The id of a vendor's page (`vendors/renkei/` → renkei) or of a subsystem's.
pub fn vendor_id(url: &str) -> Option<&str> {
    url.strip_prefix("vendors/").map(|id| id.trim_end_matches('/'))
}

pub fn subsystem_id(url: &str) -> Option<&str> {
    url.strip_prefix("subsystems/").map(|id| id.trim_end_matches('/'))
}

/// The URL a row's name links to: its phase page for a heading, its item page for a task.
pub fn row(no: u32, heading: bool) -> String {
    if heading {
        phase(no)
    } else {
        item(no)
    }
}

/// The file a URL is written to.
pub fn file_of(url: &str) -> String {
    if url.is_empty() || url.ends_with('/') {
        format!("{url}index.html")
    } else {
        url.to_string()
    }
}

/// The URL a file is cited by: the inverse of [`file_of`] (`items/704/index.html` →
/// `items/704/`).
pub fn url_of_file(path: &str) -> &str {
    path.strip_suffix("index.html").unwrap_or(path)
}

/// Relative prefix from the page at `url` back to the site root: `items/704/` → `../../`.
pub fn root_of(url: &str) -> String {
    // `file_of` adds no slash, so the URL's own slashes are the file's.
    "../".repeat(url.matches('/').count())
}

/// Href from the page at `from` to a row's page: `href(from, &row(no, heading))` in one
/// string, as lists link hundreds of thousands of rows.
pub fn row_href(from: &str, no: u32, heading: bool) -> String {
    use std::fmt::Write;
    let depth = from.matches('/').count();
    let mut out = String::with_capacity(3 * depth + 32);
    for _ in 0..depth {
        out.push_str("../");
    }
    let _ = write!(out, "{}/{no}/index.html", if heading { "phases" } else { "items" });
    out
}

/// Href from the page at `from` to the page at `to`, naming the file so `file://` works.
pub fn href(from: &str, to: &str) -> String {
    // Made in one string: a large site asks for hundreds of thousands of these.
    let depth = from.matches('/').count();
    let mut out = String::with_capacity(3 * depth + to.len() + "index.html".len());
    for _ in 0..depth {
        out.push_str("../");
    }
    out.push_str(to);
    if to.is_empty() || to.ends_with('/') {
        out.push_str("index.html");
    }
    out
}

/// Absolute URL under a configured base.
pub fn absolute(base: &str, url: &str) -> String {
    format!("{}/{}", base.trim_end_matches('/'), url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_pages_link_back_to_the_root_by_relative_paths() {
        assert_eq!(root_of("items/704/"), "../../");
        assert_eq!(root_of(""), "");
        assert_eq!(href("items/704/", "vendors/dev-main/"), "../../vendors/dev-main/index.html");
        assert_eq!(href("", "matrix/"), "matrix/index.html");
        assert_eq!(href("vendors/x/", "data/roles.json"), "../../data/roles.json");
        for (from, no, heading) in [("", 7, false), ("phases/3/", 704, true), ("vendors/x/", 12, false)] {
            assert_eq!(row_href(from, no, heading), href(from, &row(no, heading)));
        }
    }
}
