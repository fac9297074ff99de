//! The search index: every task, heading, vendor and narrative page, shipped as a script
//! (`assets/search-index.js`) that a `<script>` element loads, so search works opened from
//! a file share, where `fetch()` cannot read files. `themes/default/static/search.js` asks it.
//!
//! Japanese has no spaces between words, so the index does not look for words: text is
//! NFKC-normalised (full and half width become one) and lower-cased, then cut into runs of
//! letters and digits. An ASCII run is one term (`lan`, `704`); any other run gives its
//! character bigrams (`ウイルス` → `ウイ`, `イル`, `ルス`), or the character itself when the
//! run is one character long. A query is cut the same way, and a document must hold every
//! term; the script then checks each query word as a substring of the normalised text and
//! ranks by field and by how close the words stand.

use crate::model::{RoleKind, Table};
use crate::pages::ContentPage;
use serde::Serialize;
use std::collections::BTreeMap;
use unicode_normalization::UnicodeNormalization;

pub const FILE: &str = "assets/search-index.js";

/// The form every text and query is compared in: NFKC, lower case.
pub fn normalize(text: &str) -> String {
    text.nfkc().collect::<String>().to_lowercase()
}

/// The index terms of a text: ASCII words whole, other runs as bigrams (a lone character
/// as itself). Duplicates are kept; the builder drops them.
pub fn terms(text: &str) -> Vec<String> {
    let text = normalize(text);
    let mut out = Vec::new();
    let mut run: Vec<char> = Vec::new();
    let mut flush = |run: &mut Vec<char>| {
        match run.as_slice() {
            [] => {}
            r if r[0].is_ascii() => out.push(r.iter().collect()),
            [c] => out.push(c.to_string()),
            r => out.extend(r.windows(2).map(|w| w.iter().collect::<String>())),
        }
        run.clear();
    };
    for c in text.chars() {
        if !c.is_alphanumeric() {
            flush(&mut run);
        } else if run.last().is_some_and(|l| l.is_ascii() != c.is_ascii()) {
            flush(&mut run);
            run.push(c);
        } else {
            run.push(c);
        }
    }
    flush(&mut run);
    out
}

/// One searchable page, as a compact array the script reads by position:
/// `[kind, 項番, name, others, description, url]`. Kind is `t` task, `h` heading, `v` vendor,
/// `p` narrative page. `others` is, for a task or heading, the positions of its vendors'
/// documents (their names are searched with it, without being repeated in every row), and
/// for a vendor, its other spellings. A task's or heading's URL follows from its 項番, so
/// only vendors and pages carry one.
#[derive(Serialize)]
struct Doc<'a>(&'static str, u32, &'a str, Others<'a>, &'a str, &'a str);

#[derive(Serialize)]
#[serde(untagged)]
enum Others<'a> {
    Vendors(Vec<usize>),
    Text(String),
    None(&'a str),
}

#[derive(Serialize)]
struct Index<'a> {
    docs: Vec<Doc<'a>>,
    /// Term → positions of the documents holding it, ascending, each stored as the
    /// difference from the one before (smaller numbers, smaller file).
    terms: BTreeMap<String, Vec<u32>>,
}

/// A narrative page's text without its markup, for the index.
fn plain(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    let text = out.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The index as the script that carries it.
pub fn index_js(table: &Table, content: &[ContentPage]) -> String {
    // Vendors first, so rows can point at them.
    let vendor_urls: Vec<String> = table.vendors.iter().map(|v| crate::urls::vendor(&v.id)).collect();
    let mut docs: Vec<Doc> = table
        .vendors
        .iter()
        .zip(&vendor_urls)
        .map(|(v, url)| Doc("v", 0, &v.name, Others::Text(v.aliases.join(" ")), &v.short, url))
        .collect();
    let position = |id: &str| table.vendors.iter().position(|v| v.id == id);
    for r in &table.rows {
        let mut vendors: Vec<usize> = Vec::new();
        for kind in [RoleKind::Primary, RoleKind::Cooperating] {
            for role in r.roles.iter().filter(|x| x.role == kind) {
                if let Some(at) = role.vendor.as_deref().and_then(position).filter(|at| !vendors.contains(at)) {
                    vendors.push(at);
                }
            }
        }
        let kind = if r.is_heading() { "h" } else { "t" };
        docs.push(Doc(kind, r.no, &r.name, Others::Vendors(vendors), &r.description, ""));
    }
    let texts: Vec<String> = content.iter().map(|p| plain(&p.html)).collect();
    for (p, text) in content.iter().zip(&texts) {
        docs.push(Doc("p", 0, &p.title, Others::None(""), text, &p.url));
    }
    // A hash map while filling (most terms are seen many times), sorted once at the end so
    // the file is the same bytes every build.
    let mut postings: std::collections::HashMap<String, Vec<u32>> = std::collections::HashMap::new();
    for (id, doc) in docs.iter().enumerate() {
        let number = if doc.1 > 0 { doc.1.to_string() } else { String::new() };
        let others = match &doc.3 {
            Others::Vendors(at) => at.iter().map(|i| docs[*i].2).collect::<Vec<_>>().join(" "),
            Others::Text(t) => t.clone(),
            Others::None(_) => String::new(),
        };
        let mut own: Vec<String> = [doc.2, &others, doc.4, &number].iter().flat_map(|f| terms(f)).collect();
        own.sort();
        own.dedup();
        for term in own {
            match postings.get_mut(&term) {
                Some(ids) => ids.push(id as u32),
                None => {
                    postings.insert(term, vec![id as u32]);
                }
            }
        }
    }
    let mut postings: BTreeMap<String, Vec<u32>> = postings.into_iter().collect();
    for ids in postings.values_mut() {
        let mut last = 0;
        for id in ids.iter_mut() {
            (*id, last) = (*id - last, *id);
        }
    }
    let json = serde_json::to_string(&Index { docs, terms: postings }).expect("strings and numbers");
    format!("window.ROLESITE_SEARCH_INDEX={json};\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn japanese_runs_become_bigrams_and_ascii_runs_words() {
        assert_eq!(terms("ウイルス検知"), ["ウイ", "イル", "ルス", "ス検", "検知"]);
        assert_eq!(terms("機構LAN保守"), ["機構", "lan", "保守"]);
        assert_eq!(terms("項番704"), ["項番", "704"]);
        // A run of one character stands as itself; punctuation separates runs.
        assert_eq!(terms("系・データ"), ["系", "デー", "ータ"]);
        assert_eq!(terms("  "), Vec::<String>::new());
    }

    #[test]
    fn full_and_half_width_and_case_meet_in_one_form() {
        assert_eq!(terms("ＬＡＮ"), terms("lan"));
        assert_eq!(terms("ｳｲﾙｽ"), terms("ウイルス"));
        assert_eq!(terms("(個人番号管理)"), terms("(個人番号管理)"));
        assert_eq!(normalize("Ａｂｃ１２３"), "abc123");
    }

    #[test]
    fn postings_are_ascending_and_delta_encoded() {
        let js = index_js(
            &Table {
                rows: ["ウイルス検知", "定義ファイル", "ウイルス定義"]
                    .iter()
                    .enumerate()
                    .map(|(i, n)| crate::model::Row {
                        no: i as u32 + 1,
                        kind: crate::model::Kind::Task,
                        level: None,
                        name: n.to_string(),
                        description: String::new(),
                        parent: None,
                        roles: Vec::new(),
                        source: Default::default(),
                        flags: Vec::new(),
                    })
                    .collect(),
                ..Default::default()
            },
            &[],
        );
        let json: serde_json::Value =
            serde_json::from_str(js.trim_start_matches("window.ROLESITE_SEARCH_INDEX=").trim_end_matches(";\n"))
                .unwrap();
        // ウイ is in rows 1 and 3 (ids 0 and 2): stored as 0, then +2.
        assert_eq!(json["terms"]["ウイ"], serde_json::json!([0, 2]));
        assert_eq!(json["terms"]["定義"], serde_json::json!([1, 1]));
        assert_eq!(json["docs"][2], serde_json::json!(["t", 3, "ウイルス定義", [], "", ""]));
        assert_eq!(json["terms"]["3"], serde_json::json!([2]), "the 項番 is a term");
    }
}
