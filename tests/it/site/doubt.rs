//! Doubt where readers look, in readers' words; every number of the original answers.
//! (The counts themselves are held to `data/roles.json` in tests/it/charts.rs.)

use super::{resolve, sel, site, text, ROOT};
use rolesite::diag::Code;
use scraper::Html;
use std::collections::BTreeSet;

/// The text a reader sees on a page: its elements' text (tooltips of SVG titles included),
/// without scripts, styles and the addresses the page prints as such (`code.url`, the
/// citation), which hold URLs.
fn reader_text(doc: &Html) -> String {
    let skip = |e: &scraper::node::Element| {
        let address = e.name() == "code" && e.classes().any(|c| c == "url" || c == "citation");
        address || ["script", "style"].contains(&e.name())
    };
    let mut out = String::new();
    for node in doc.root_element().descendants() {
        let Some(t) = node.value().as_text() else { continue };
        let hidden = node.ancestors().filter_map(|a| a.value().as_element()).any(skip);
        if !hidden {
            out.push_str(t);
            out.push(' ');
        }
    }
    out
}

fn roles_json() -> serde_json::Value {
    serde_json::from_slice(&site().files["data/roles.json"]).unwrap()
}

#[test]
fn no_reader_text_names_a_finding_code_or_a_vendor_id() {
    let json = roles_json();
    let ids: Vec<String> =
        json["vendors"].as_array().unwrap().iter().map(|v| v["id"].as_str().unwrap().into()).collect();
    let codes: BTreeSet<String> = json["rows"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["flags"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap().to_string()))
        .chain(["gap", "lost-section", "unknown-column", "duplicate-column", "header-width"].map(String::from))
        .collect();
    assert!(codes.contains("primary-mismatch") && ids.contains(&"kojin2-renkei-hw".to_string()));
    let mut pages = 0;
    for page in site().pages() {
        let text = reader_text(&site().html(page));
        for word in ids.iter().chain(&codes) {
            // As a word: `gap` inside `gaps` or an id inside a longer one is not it.
            let found = text.match_indices(word.as_str()).any(|(at, _)| {
                let before = text[..at].chars().next_back();
                let after = text[at + word.len()..].chars().next();
                let word_char = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '-');
                !word_char(before) && !word_char(after)
            });
            assert!(!found, "{page} shows {word:?} to its readers");
        }
        pages += 1;
    }
    assert!(pages > 1000, "{pages} pages read");
}

/// The finding kinds are named alike wherever they show: the quality page's table, its
/// section headings, the tags on rows and the item pages' lists.
#[test]
fn each_finding_kind_has_one_name_on_every_page() {
    let s = site();
    let quality = s.html("quality/index.html");
    let names: Vec<(String, String)> = quality
        .select(&sel("table.list tbody tr[data-code]"))
        .map(|tr| (tr.value().attr("data-code").unwrap().to_string(), text(tr.select(&sel("th")).next().unwrap())))
        .collect();
    assert!(names.iter().any(|(c, n)| c == "primary-mismatch" && n == "列ずれの疑い"), "{names:?}");
    for page in s.pages() {
        for tag in s.html(page).select(&sel(".flag[class*='flag-']")) {
            let class = tag.value().attr("class").unwrap();
            let code = class.split_whitespace().find_map(|c| c.strip_prefix("flag-")).unwrap();
            if let Some((_, name)) = names.iter().find(|(c, _)| c == code) {
                assert_eq!(&text(tag), name, "{page}: the tag of {code}");
            }
            let code: Code = code.parse().unwrap_or_else(|e| panic!("{page}: {e}"));
            assert_eq!(text(tag), code.label(), "{page}: the tag of {code}");
        }
    }
}

/// A suspect ◎ says so in the role table itself, linked to the finding below it.
#[test]
fn an_item_whose_roles_are_in_doubt_says_so_in_its_role_table() {
    let json = roles_json();
    let mut checked = 0;
    for row in json["rows"].as_array().unwrap() {
        let no = row["no"].as_u64().unwrap();
        if row["kind"] == "heading" {
            continue;
        }
        let doc = site().html(&format!("items/{no}/index.html"));
        let doubtful = row["roles_in_doubt"] == true;
        for tr in doc.select(&sel("table.roles tbody tr")) {
            let attributed = tr.select(&sel("th a")).next().is_some();
            let basis = tr.select(&sel("td")).nth(1).unwrap();
            let says = text(basis).contains("列ずれの疑い");
            assert_eq!(says, doubtful && attributed, "items/{no}/: {}", text(basis));
            if says {
                let link = basis.select(&sel("a.doubt")).next().expect("a link to the finding");
                let id = link.value().attr("href").unwrap().trim_start_matches('#');
                assert!(doc.select(&sel(&format!("[id=\"{id}\"]"))).next().is_some(), "items/{no}/#{id}");
                checked += 1;
            }
        }
    }
    assert!(checked >= 38, "{checked} doubtful roles checked");
}

/// Every 項番 of a range the source lost has its page, saying so and leading on; the
/// manifest lists it as its own kind.
#[test]
fn every_number_the_source_lost_has_a_page_that_says_so() {
    let s = site();
    let json = roles_json();
    let manifest: serde_json::Value = serde_json::from_slice(&s.files["urls.json"]).unwrap();
    let kind = |url: &str| {
        manifest["urls"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["url"] == url)
            .map(|e| e["kind"].as_str().unwrap().to_string())
    };
    for gap in json["gaps"].as_array().unwrap() {
        let (from, to) = (gap["from"].as_u64().unwrap(), gap["to"].as_u64().unwrap());
        for no in from..=to {
            let page = format!("items/{no}/index.html");
            let doc = s.html(&page);
            let body = text(doc.select(&sel("main")).next().unwrap());
            assert!(body.contains(&format!("項番 {from}–{to}")) && body.contains("失われて"), "{page}");
            for a in doc.select(&sel("main a")) {
                let target = resolve(&page, a.value().attr("href").unwrap()).unwrap();
                let target = target.split('#').next().unwrap().to_string();
                assert!(s.files.contains_key(&target), "{page} → {target}");
            }
            assert_eq!(kind(&format!("items/{no}/")).as_deref(), Some("lost"), "{page}");
        }
    }
    assert!(s.files.contains_key("items/100/index.html"));
}

/// An item of the phase tree: a heading's 項番, or a lost range's marker.
type TreeItem = (Option<u64>, Option<(u64, u64)>);

/// The outline shows no heading under a parent across a lost range: a heading after a gap
/// whose parent is unknown comes after a marker of the gap, never inside the heading before.
#[test]
fn the_phase_tree_places_no_heading_under_a_parent_across_a_gap() {
    let json = roles_json();
    let rows = json["rows"].as_array().unwrap();
    for page in ["index.html", "phases/index.html"] {
        let doc = site().html(page);
        let items: Vec<TreeItem> = doc
            .select(&sel("ul.tree > li"))
            .map(|li| match li.value().attr("class") == Some("gap") {
                true => {
                    let mark = text(li.select(&sel(".gap-mark")).next().unwrap());
                    let (a, b) = mark.trim_start_matches("項番 ").trim_end_matches(" 欠落").split_once('–').unwrap();
                    (None, Some((a.parse().unwrap(), b.parse().unwrap())))
                }
                false => (Some(text(li.select(&sel(".no")).next().unwrap()).parse().unwrap()), None),
            })
            .collect();
        for gap in json["gaps"].as_array().unwrap() {
            let (from, to) = (gap["from"].as_u64().unwrap(), gap["to"].as_u64().unwrap());
            let at =
                items.iter().position(|(_, g)| *g == Some((from, to))).unwrap_or_else(|| panic!("{page}: {from}–{to}"));
            let next = items[at + 1].0.unwrap();
            assert!(next > to, "{page}: the marker of {from}–{to} stands before {next}");
            let before = items[..at].iter().rev().find_map(|(n, _)| *n).unwrap();
            assert!(before < from, "{page}");
        }
        // And a heading whose parent is unknown is never placed right under a heading of a
        // lower level with no marker between them.
        for (i, (no, _)) in items.iter().enumerate() {
            let Some(no) = no else { continue };
            let row = rows.iter().find(|r| r["no"] == *no).unwrap();
            if row["parent"].is_null() && row["level"].as_u64() != Some(1) {
                let previous = &items[..i];
                let crossed = previous.iter().rev().take_while(|(n, _)| n.is_some()).count() < previous.len();
                assert!(crossed || i == 0, "{page}: {no} has no known parent and no gap marker above it");
            }
        }
    }
}

/// The flagged names rule reads the whole task name: 774 names the statistics subsystem
/// outside any parenthetical, and its ◎ sits with a vendor of another subsystem.
#[test]
fn a_subsystem_named_outside_a_parenthetical_is_checked_against_the_primary() {
    let json = roles_json();
    let row = json["rows"].as_array().unwrap().iter().find(|r| r["no"] == 774).unwrap();
    assert_eq!(row["roles_in_doubt"], true, "{row}");
    let message = row["flags"][0]["message"].as_str().unwrap();
    assert!(message.contains("統計・業務分析サブシステム") && message.contains("拠点HW"), "{message}");
    let seed = std::fs::read_to_string(std::path::Path::new(ROOT).join("seeds/000_cb154c5dc3bd9e83.txt")).unwrap();
    assert!(seed.lines().any(|l| l.starts_with("774\t統計・業務分析サブシステム保守業務の引継")));
}

/// Every item and heading links to its line on a page of the source as written: the line
/// there carries the row's 項番 in its first cell, each cell in its column under the
/// section's header, and names the place by the document (別紙2 表n).
#[test]
fn every_row_links_to_its_line_in_the_source() {
    let s = site();
    let json = roles_json();
    for row in json["rows"].as_array().unwrap() {
        let no = row["no"].as_u64().unwrap();
        let page = match row["kind"] == "heading" {
            true => format!("phases/{no}/index.html"),
            false => format!("items/{no}/index.html"),
        };
        let doc = s.html(&page);
        let link = doc.select(&sel("a.source-link")).next().unwrap_or_else(|| panic!("{page}: no source link"));
        let href = link.value().attr("href").unwrap();
        let (file, anchor) = href.split_once('#').unwrap();
        let line = row["source"]["line"].as_u64().unwrap();
        assert_eq!(anchor, format!("L{line}"), "{page}");
        assert!(text(link).starts_with("別紙2 表") && text(link).ends_with(&format!("{line} 行目")), "{page}");
        let target = resolve(&page, file).unwrap();
        let source = s.html(&target);
        let tr =
            source.select(&sel(&format!("tr[id=\"{anchor}\"]"))).next().unwrap_or_else(|| panic!("{target}#{anchor}"));
        let cells: Vec<String> = tr.select(&sel("td")).map(text).collect();
        assert_eq!(cells[0].trim(), no.to_string(), "{target}#{anchor}");
        assert_eq!(cells[1].trim(), row["name"].as_str().unwrap().trim(), "{target}#{anchor}");
        // The header above names the columns.
        let header = source.select(&sel("table.source thead tr")).next().unwrap_or_else(|| panic!("{target}"));
        assert!(text(header).contains("作業項目"), "{target}");
    }
}
