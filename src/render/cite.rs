//! How a page is cited: the reference a specification carries (issuer, title, annex, date,
//! 項番, name and, when the site has a public address, the URL), in the form a Japanese
//! specification uses unless `site.toml` gives another (`[citation] format`).

use super::Site;
use crate::model::Row;
use crate::urls;

/// The citation of a row's page, at site-relative `url`: on a frozen page, of that
/// revision's page, naming the revision.
pub fn row(site: &Site, row: &Row, url: &str) -> String {
    match site.frozen {
        Some(r) => pinned(site, r, row),
        None => of(site, &site.table.document, None, row, url),
    }
}

/// The citation of `row`'s frozen page in `revision` (`rev/<label>/items/<no>/`), naming
/// the revision (…(別紙2, 平成28年5月版) 項番704…): what a specification cites, as it
/// shows what was agreed then, whatever changes later.
pub fn pinned(site: &Site, revision: &crate::revisions::Revision, row: &Row) -> String {
    let url = format!("{}{}", revision.prefix(), urls::item(row.no));
    of(site, &revision.table.document, Some(revision.edition()), row, &url)
}

fn of(site: &Site, d: &crate::model::Document, edition: Option<String>, row: &Row, url: &str) -> String {
    // A relative path means nothing pasted into a specification: without a base URL the
    // citation names the document and the row, and no address.
    let address = site.project.config.base_url.as_deref().map(|b| urls::absolute(b, url)).unwrap_or_default();
    let date = edition.unwrap_or_else(|| d.date_label.clone().unwrap_or_default());
    let fields = [
        ("issuer", d.issuer.as_str()),
        ("title", d.title.as_str()),
        ("annex", d.annex.as_str()),
        ("date", date.as_str()),
        ("no", &row.no.to_string()),
        ("name", row.name.as_str()),
        ("url", &address),
    ]
    .map(|(k, v)| (k, v.to_string()));
    let text = match &site.project.config.citation.format {
        Some(format) => fill(format, &fields),
        None => usual(&fields),
    };
    text.trim().to_string()
}

/// `{field}` in `format` replaced by its value (the format was checked when read).
fn fill(format: &str, fields: &[(&str, String)]) -> String {
    fields.iter().fold(format.to_string(), |text, (k, v)| text.replace(&format!("{{{k}}}"), v))
}

/// 厚生労働省…室『関連業者との役割分担表』(別紙2, 平成28年5月) 項番704「総合テスト実施」 URL,
/// leaving out what the document does not state.
fn usual(fields: &[(&str, String); 7]) -> String {
    let [issuer, title, annex, date, no, name, url] = fields.each_ref().map(|(_, v)| v.as_str());
    let mut text = String::from(issuer);
    if !title.is_empty() {
        text.push_str(&format!("『{title}』"));
    }
    let note: Vec<&str> = [annex, date].into_iter().filter(|s| !s.is_empty()).collect();
    if !note.is_empty() {
        text.push_str(&format!("({})", note.join(", ")));
    }
    text.push_str(&format!(" 項番{no}「{name}」"));
    if !url.is_empty() {
        text.push(' ');
        text.push_str(url);
    }
    text
}
