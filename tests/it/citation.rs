//! The "引用をコピー" button beside an item page's citation, and the stable ids of the phase
//! headings that group rows (vendor pages, `unassigned/`) and of the home page's 注記.
//!
//! * Static, on the parsed seed site: every task page shows its citation with a copy
//!   button, hidden until `themes/default/static/site.js` runs, and a polite live status;
//!   ids are unique on every page, and phase headings have the documented ids.
//! * In headless Chromium, from file://: clicking the button copies exactly the citation,
//!   through `navigator.clipboard.writeText` when there is one, and through a hidden
//!   textarea and `document.execCommand('copy')` when there is none or it refuses. What
//!   would reach the clipboard is recorded by replacing those two functions in the page
//!   before the click, so the tests do not depend on the machine's clipboard.
//!
//! Needs Chromium like tests/it/browser.rs (`ROLESITE_CHROMIUM` to use another binary).

use crate::common;

use common::chromium::{self, file_url};
use headless_chrome::Tab;
use scraper::{ElementRef, Html, Selector};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, OnceLock};

/// What a specification needs: issuer, title, annex, date, 項番 and name; without a base URL
/// no address (a relative path means nothing pasted elsewhere).
/// The seed ships its first revision (2016-05): an item page's citation, the one its button
/// copies, names that revision's frozen page; the working page's own comes second.
const CITATION_704: &str =
    "厚生労働省年金局事業管理課システム室『関連業者との役割分担表』(別紙2, 平成28年5月版) 項番704「総合テスト実施」";
const CITATION_704_LATEST: &str =
    "厚生労働省年金局事業管理課システム室『関連業者との役割分担表』(別紙2, 平成28年5月) 項番704「総合テスト実施」";
const BASE_URL: &str = "https://intra.example/roles/";
const CITATION_704_ABSOLUTE: &str =
    "厚生労働省年金局事業管理課システム室『関連業者との役割分担表』(別紙2, 平成28年5月) \
                                     項番704「総合テスト実施」 https://intra.example/roles/items/704/";
const COPIED: &str = "コピーしました";

// ---------------------------------------------------------------------------
// the sites

fn target_tmp() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
}

/// Builds the project `dir` into `out` (emptied first).
fn build(dir: &Path, out: &Path) {
    if out.exists() {
        fs::remove_dir_all(out).unwrap_or_else(|e| panic!("removing {}: {e}", out.display()));
    }
    let result = Command::new(env!("CARGO_BIN_EXE_rolesite"))
        .arg("build")
        .arg(dir)
        .arg("-o")
        .arg(out)
        .arg("-q")
        .output()
        .expect("running rolesite build");
    assert!(
        result.status.success(),
        "rolesite build {} failed ({}):\n{}{}",
        dir.display(),
        result.status,
        String::from_utf8_lossy(&result.stdout),
        String::from_utf8_lossy(&result.stderr)
    );
}

/// The seed site, built once for this file's tests.
fn seed_site() -> &'static Path {
    static SITE: OnceLock<PathBuf> = OnceLock::new();
    SITE.get_or_init(|| {
        let out = target_tmp().join("citation-site");
        build(Path::new(env!("CARGO_MANIFEST_DIR")), &out);
        out
    })
}

/// A copy of the seed project (`seeds/`, `content/`) with `base_url` set, built once.
fn base_url_site() -> &'static Path {
    static SITE: OnceLock<PathBuf> = OnceLock::new();
    SITE.get_or_init(|| {
        let project = target_tmp().join("citation-base-url");
        if project.exists() {
            fs::remove_dir_all(&project).unwrap();
        }
        let seed = Path::new(env!("CARGO_MANIFEST_DIR"));
        for folder in ["seeds", "content"] {
            for e in walkdir::WalkDir::new(seed.join(folder)) {
                let e = e.unwrap();
                let to = project.join(e.path().strip_prefix(seed).unwrap());
                if e.file_type().is_dir() {
                    fs::create_dir_all(&to).unwrap();
                } else {
                    fs::copy(e.path(), &to).unwrap();
                }
            }
        }
        fs::write(project.join("site.toml"), format!("base_url = \"{BASE_URL}\"\n")).unwrap();
        let out = project.join("out");
        build(&project, &out);
        out
    })
}

fn read(site: &Path, page: &str) -> String {
    fs::read_to_string(site.join(page)).unwrap_or_else(|e| panic!("{page}: {e}"))
}

fn html(site: &Path, page: &str) -> Html {
    Html::parse_document(&read(site, page))
}

/// Every `.html` file of a site, as its path under the site.
fn html_pages(site: &Path) -> Vec<String> {
    walkdir::WalkDir::new(site)
        .sort_by_file_name()
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "html"))
        .map(|e| e.path().strip_prefix(site).unwrap().to_string_lossy().replace('\\', "/"))
        .collect()
}

fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap()
}

fn text(e: ElementRef) -> String {
    e.text().collect()
}

fn all<'a>(doc: &'a Html, selector: &str) -> Vec<ElementRef<'a>> {
    doc.select(&sel(selector)).collect()
}

// ---------------------------------------------------------------------------
// static: the parsed pages

#[test]
fn every_task_page_has_its_citation_a_hidden_copy_button_and_a_live_status() {
    let site = seed_site();
    let model: Value = serde_json::from_str(&read(site, "data/roles.json")).unwrap();
    let document = &model["document"];
    let field = |k: &str| document[k].as_str().unwrap();
    let (issuer, annex, title, date) = (field("issuer"), field("annex"), field("title"), field("date_label"));
    let rows = model["rows"].as_array().unwrap();
    let mut tasks = 0;
    for row in rows {
        let no = row["no"].as_u64().unwrap();
        let page = format!("items/{no}/index.html");
        let doc = html(site, &page);
        if row["kind"] == "heading" {
            // items/N/ of a heading redirects: no citation there, and no button.
            assert!(all(&doc, "meta[http-equiv=refresh]").len() == 1, "{page}: a heading's item page redirects");
            assert!(all(&doc, ".citation, button, .copy-status").is_empty(), "{page}: a redirect has no citation");
            continue;
        }
        tasks += 1;
        // The released revision's page first (the seed ships 2016-05, the same data), then
        // this page's own.
        let name = row["name"].as_str().unwrap();
        let want = [
            format!("{issuer}『{title}』({annex}, {date}版) 項番{no}「{name}」"),
            format!("{issuer}『{title}』({annex}, {date}) 項番{no}「{name}」"),
        ];

        let citations = all(&doc, "code.citation");
        assert_eq!(citations.iter().map(|c| text(*c)).collect::<Vec<_>>(), want, "{page}: the citations");

        let buttons = all(&doc, "button");
        let status = all(&doc, ".copy-status");
        assert_eq!((buttons.len(), status.len()), (2, 2), "{page}: a button and a status per citation");
        for ((button, status), citation) in buttons.iter().zip(&status).zip(&citations) {
            let b = button.value();
            assert_eq!(b.attr("type"), Some("button"), "{page}: the button submits nothing");
            assert_eq!(b.attr("class"), Some("copy-citation"), "{page}");
            assert!(b.attr("hidden").is_some(), "{page}: without script the button stays hidden");
            assert_eq!(text(*button), "引用をコピー", "{page}: the button's label");
            assert!(b.attrs().all(|(name, _)| !name.starts_with("on")), "{page}: no inline handler");
            assert_eq!(status.value().attr("aria-live"), Some("polite"), "{page}: the status is a polite live region");
            assert_eq!(text(*status), "", "{page}: the status starts empty");
            // Button and status stand beside their citation, in the same <dd>, which site.js uses.
            let parent = |e: ElementRef| e.parent().and_then(ElementRef::wrap).map(|p| p.id());
            assert_eq!(parent(*button), parent(*citation), "{page}: the button is beside the citation");
            assert_eq!(parent(*status), parent(*citation), "{page}: the status is beside the citation");
            assert_eq!(citation.parent().and_then(ElementRef::wrap).unwrap().value().name(), "dd");
        }

        let scripts = all(&doc, "script");
        let srcs: Vec<Option<&str>> = scripts.iter().map(|s| s.value().attr("src")).collect();
        assert_eq!(
            srcs,
            [Some("../../assets/site.js"), Some("../../assets/search.js")],
            "{page}: the site's scripts, relative"
        );
        assert!(scripts.iter().all(|s| s.value().attr("defer").is_some()), "{page}: the scripts are deferred");
    }
    assert_eq!(tasks, 276, "task pages of the seed");
    // The script is the theme's, copied as it is.
    assert_eq!(
        read(site, "assets/site.js"),
        include_str!("../../themes/default/static/site.js"),
        "assets/site.js is the theme's site.js"
    );
    let on_704 = all(&html(site, "items/704/index.html"), "code.citation").into_iter().map(text).collect::<Vec<_>>();
    assert_eq!(on_704, [CITATION_704, CITATION_704_LATEST]);
}

#[test]
fn site_js_is_small_self_contained_and_uses_no_inline_handlers() {
    let js = include_str!("../../themes/default/static/site.js");
    assert!(js.len() < 8 * 1024, "site.js is {} bytes", js.len());
    for bad in [
        "http:",
        "https:",
        "//cdn",
        "fetch(",
        "XMLHttpRequest",
        "WebSocket",
        "EventSource",
        "sendBeacon",
        "import ",
        "import(",
        "require(",
        "eval(",
        "Function(",
        "innerHTML",
        "document.write",
        ".onclick",
        "setAttribute('on",
    ] {
        assert!(!js.contains(bad), "site.js contains {bad:?}");
    }
    for needed in ["addEventListener('click'", "navigator.clipboard", "writeText", "execCommand('copy')", "'textarea'"]
    {
        assert!(js.contains(needed), "site.js lacks {needed:?}");
    }
    // Every page that is not a redirect loads it, so it must not need a citation.
    let site = seed_site();
    for page in ["index.html", "vendors/dev-main/index.html", "matrix/index.html", "404.html"] {
        let doc = html(site, page);
        assert!(all(&doc, "code.citation").is_empty(), "{page}");
        assert_eq!(all(&doc, "script[src$='assets/site.js'][defer]").len(), 1, "{page}: loads site.js");
    }
}

/// `phases/N/index.html` (relative) → N.
fn phase_no(href: &str) -> u64 {
    let no = href.trim_start_matches("../").strip_prefix("phases/").and_then(|p| p.strip_suffix("/index.html"));
    no.and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("not a phase link: {href}"))
}

/// The first row number listed after a group heading.
fn first_row_no(heading: ElementRef) -> u64 {
    let list = heading.next_siblings().filter_map(ElementRef::wrap).next().expect("a list after the heading");
    let no = list.select(&sel("li a .no")).next().map(text).expect("a row in the list");
    no.trim().parse().unwrap_or_else(|_| panic!("row number {no:?}"))
}

/// The id a phase group's heading must have: `p<N>`, or `unknown-<first row>` for rows
/// whose heading was lost (several such groups can share a page).
fn group_id(heading: ElementRef) -> String {
    match heading.select(&sel("a[href]")).next() {
        Some(a) => format!("p{}", phase_no(a.value().attr("href").unwrap())),
        None => {
            assert!(text(heading).contains("見出し不明"), "a group heading without a phase link: {}", heading.html());
            format!("unknown-{}", first_row_no(heading))
        }
    }
}

#[test]
fn ids_are_unique_on_every_page() {
    let site = seed_site();
    let mut problems = Vec::new();
    for page in html_pages(site) {
        let doc = html(site, &page);
        let mut seen = BTreeMap::new();
        for e in all(&doc, "[id]") {
            *seen.entry(e.value().attr("id").unwrap().to_string()).or_insert(0) += 1;
        }
        for (id, n) in seen.into_iter().filter(|(_, n)| *n > 1) {
            problems.push(format!("{page}: id {id:?} {n} times"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn phase_group_headings_have_stable_ids() {
    let site = seed_site();
    // Vendor pages: the groups macro twice, its ids prefixed with the section's.
    let vendors: Vec<String> =
        html_pages(site).into_iter().filter(|p| p.starts_with("vendors/") && p != "vendors/index.html").collect();
    assert!(vendors.len() > 10, "vendor pages: {vendors:?}");
    let mut in_both_sections = 0;
    let mut unknown = 0;
    for page in &vendors {
        let doc = html(site, page);
        let mut by_section: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for section in all(&doc, "section[aria-labelledby]") {
            let prefix = section.value().attr("aria-labelledby").unwrap();
            if prefix == "load" {
                // The pictures, which hold no groups.
                assert!(section.select(&sel("h3")).next().is_none(), "{page}: a group among the pictures");
                continue;
            }
            assert!(["primary", "cooperating"].contains(&prefix), "{page}: section {prefix}");
            for h in section.select(&sel("h3")) {
                let want = format!("{prefix}-{}", group_id(h));
                assert_eq!(h.value().attr("id"), Some(want.as_str()), "{page}: {}", h.html());
                unknown += usize::from(want.contains("-unknown-"));
                by_section.entry(prefix.to_string()).or_default().insert(group_id(h));
            }
        }
        let empty = BTreeSet::new();
        let primary = by_section.get("primary").unwrap_or(&empty);
        let cooperating = by_section.get("cooperating").unwrap_or(&empty);
        in_both_sections += primary.intersection(cooperating).count();
        assert_eq!(all(&doc, "h3").len(), all(&doc, "h3[id]").len(), "{page}: an h3 without an id");
    }
    // The prefix is what keeps ids apart: one phase heads a group in both sections.
    assert!(in_both_sections > 0, "no vendor page has a phase under both ◎ and ○");
    assert!(unknown > 0, "no vendor page has a group whose heading was lost");
    let dev_main = read(site, "vendors/dev-main/index.html");
    assert!(dev_main.contains("<h3 id=\"primary-p697\">"), "item 704's phase under dev-main's ◎");
    let jps = html(site, "vendors/mhlw-jps/index.html");
    for id in ["primary-p3", "cooperating-p3", "primary-unknown-673", "primary-unknown-916"] {
        assert_eq!(all(&jps, &format!("h3#{id}")).len(), 1, "vendors/mhlw-jps/: #{id}");
    }

    // unassigned/: one h2 a group, without a prefix.
    let doc = html(site, "unassigned/index.html");
    let groups = all(&doc, "main h2");
    assert!(groups.len() > 10, "unassigned/: {} groups", groups.len());
    for h in &groups {
        assert_eq!(h.value().attr("id"), Some(group_id(*h).as_str()), "unassigned/: {}", h.html());
    }
    assert!(groups.iter().filter(|h| h.value().attr("id").unwrap().starts_with("unknown-")).count() >= 2);

    // The home page's 注記.
    let home = html(site, "index.html");
    let notes = all(&home, "h3#notes");
    assert_eq!(notes.len(), 1, "index.html: h3#notes");
    assert_eq!(text(notes[0]), "注記");
}

#[test]
fn the_citation_follows_the_format_site_toml_gives_and_a_bad_one_is_located() {
    let project = target_tmp().join("citation-format");
    if project.exists() {
        fs::remove_dir_all(&project).unwrap();
    }
    let seed = Path::new(env!("CARGO_MANIFEST_DIR"));
    fs::create_dir_all(project.join("seeds")).unwrap();
    for e in fs::read_dir(seed.join("seeds")).unwrap() {
        let e = e.unwrap();
        fs::copy(e.path(), project.join("seeds").join(e.file_name())).unwrap();
    }
    let config = format!(
        "base_url = \"{BASE_URL}\"\n[citation]\nformat = \"{{annex}}「{{title}}」項番{{no}}({{name}}) <{{url}}>\"\n"
    );
    fs::write(project.join("site.toml"), config).unwrap();
    let out = project.join("out");
    build(&project, &out);
    let citation = text(all(&html(&out, "items/704/index.html"), "code.citation")[0]);
    assert_eq!(
        citation,
        "別紙2「関連業者との役割分担表」項番704(総合テスト実施) <https://intra.example/roles/items/704/>"
    );
    // A field the format cannot have is an error at its line.
    fs::write(project.join("site.toml"), "[citation]\n\nformat = \"{annex} {page}\"\n").unwrap();
    let o =
        Command::new(env!("CARGO_BIN_EXE_rolesite")).args(["build", "-q", project.to_str().unwrap()]).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("site.toml:3: error[config]: citation format names {page}"), "{stderr}");
}

#[test]
fn with_a_base_url_the_citation_is_absolute() {
    let site = base_url_site();
    let doc = html(site, "items/704/index.html");
    let citation = text(all(&doc, "code.citation")[0]);
    assert!(citation.ends_with("https://intra.example/roles/items/704/"), "{citation}");
    assert_eq!(citation, CITATION_704_ABSOLUTE);
    // The script stays relative on item pages; only the 404 page, shown at any URL, names
    // it (like the stylesheet) under the base URL.
    assert_eq!(all(&doc, "script[src='../../assets/site.js'][defer]").len(), 1);
    let not_found = html(site, "404.html");
    assert_eq!(all(&not_found, "script[src='https://intra.example/roles/assets/site.js'][defer]").len(), 1);
}

// ---------------------------------------------------------------------------
// in Chromium, from file://

/// Opens `page` of `site` in a new tab and waits for site.js to show the button.
fn open(chrome: &chromium::Driven, site: &Path, page: &str) -> Arc<Tab> {
    let tab = chrome.browser.new_tab().unwrap();
    tab.navigate_to(&file_url(&site.join(page))).unwrap().wait_until_navigated().unwrap();
    chromium::wait_until(
        &tab,
        "site.js to show the copy button",
        "(function () { var b = document.querySelector('button.copy-citation'); \
         return !!b && !b.hidden && b.getBoundingClientRect().width > 0; })()",
    );
    tab
}

/// Evaluates `expression` in `tab` and returns its value through JSON.
fn eval(tab: &Tab, expression: &str) -> Value {
    let r = tab.evaluate(&format!("JSON.stringify({expression})"), false).unwrap();
    let json =
        r.value.as_ref().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_else(|| panic!("{expression}: {r:?}"));
    serde_json::from_str(&json).unwrap()
}

/// What `navigator.clipboard` does in the page.
#[derive(Clone, Copy)]
enum Clipboard {
    /// `writeText` resolves.
    Writes,
    /// `writeText` rejects, as when permission is refused.
    Refuses,
    /// There is no `navigator.clipboard` (old browsers, some file:// set-ups).
    Absent,
}

/// Replaces `navigator.clipboard.writeText` and `document.execCommand` with recorders:
/// `window.__writes` gets each text written, `window.__execs` each command with what was
/// focused and selected in it; `execCommand` returns `exec_copies`.
fn record(tab: &Tab, clipboard: Clipboard, exec_copies: bool) {
    let clipboard = match clipboard {
        Clipboard::Writes => "writes",
        Clipboard::Refuses => "refuses",
        Clipboard::Absent => "absent",
    };
    let script = format!(
        r#"(function (clipboard, execCopies) {{
  window.__writes = [];
  window.__execs = [];
  if (clipboard === 'absent') {{
    Object.defineProperty(navigator, 'clipboard', {{ value: undefined, configurable: true }});
  }} else {{
    navigator.clipboard.writeText = function (text) {{
      window.__writes.push(text);
      return clipboard === 'writes' ? Promise.resolve() : Promise.reject(new DOMException('refused', 'NotAllowedError'));
    }};
  }}
  document.execCommand = function (command) {{
    var a = document.activeElement;
    var field = a && typeof a.value === 'string';
    window.__execs.push({{
      command: command,
      focused: a ? a.localName : null,
      selected: field ? a.value.slice(a.selectionStart, a.selectionEnd) : null,
      inDocument: !!a && document.body.contains(a)
    }});
    return execCopies;
  }};
  return navigator.clipboard === undefined ? 'absent' : 'present';
}})({clipboard:?}, {exec_copies})"#
    );
    let got = eval(tab, &script);
    assert_eq!(got, if clipboard == "absent" { "absent" } else { "present" }, "installing the recorders");
}

/// Clicks the copy button (a real mouse click through DevTools, so a user gesture) and
/// waits for the status to speak; returns what the page recorded.
fn click_and_report(tab: &Tab) -> Value {
    tab.find_element("button.copy-citation").unwrap().click().unwrap();
    chromium::wait_until(
        tab,
        "the status after the click",
        "document.querySelector('.copy-status').textContent !== ''",
    );
    eval(
        tab,
        "{ writes: window.__writes, execs: window.__execs, \
           status: document.querySelector('.copy-status').textContent, \
           live: document.querySelector('.copy-status').getAttribute('aria-live'), \
           textareas: document.querySelectorAll('textarea').length, \
           buttonFocused: document.activeElement === document.querySelector('button.copy-citation'), \
           selection: String(window.getSelection()) }",
    )
}

#[test]
fn the_button_copies_the_citation_with_the_clipboard_api_from_file_url() {
    let chrome = chromium::driven();
    let tab = open(&chrome, seed_site(), "items/704/index.html");
    assert_eq!(eval(&tab, "typeof navigator.clipboard.writeText"), "function", "file:// has the Clipboard API");
    record(&tab, Clipboard::Writes, false);
    let r = click_and_report(&tab);
    assert_eq!(r["writes"], json!([CITATION_704]), "{r}");
    assert_eq!(r["execs"], json!([]), "no fallback when writeText succeeds: {r}");
    assert_eq!(r["status"], COPIED, "{r}");
    assert_eq!(r["live"], "polite", "{r}");

    // A second click says it again (the status is cleared, then set).
    tab.evaluate("document.querySelector('.copy-status').textContent = ''", false).unwrap();
    let r = click_and_report(&tab);
    assert_eq!(r["writes"], json!([CITATION_704, CITATION_704]), "{r}");
    assert_eq!(r["status"], COPIED, "{r}");
}

#[test]
fn without_the_clipboard_api_the_button_copies_through_a_textarea() {
    let chrome = chromium::driven();
    let tab = open(&chrome, seed_site(), "items/704/index.html");
    record(&tab, Clipboard::Absent, true);
    let r = click_and_report(&tab);
    assert_eq!(
        r["execs"],
        json!([{ "command": "copy", "focused": "textarea", "selected": CITATION_704, "inDocument": true }]),
        "execCommand('copy') with the whole citation selected in a textarea: {r}"
    );
    assert_eq!(r["status"], COPIED, "{r}");
    assert_eq!(r["textareas"], 0, "the textarea is removed again: {r}");
    assert_eq!(r["buttonFocused"], true, "focus goes back to the button: {r}");
}

#[test]
fn when_the_clipboard_api_refuses_the_button_falls_back_to_the_textarea() {
    let chrome = chromium::driven();
    let tab = open(&chrome, seed_site(), "items/704/index.html");
    record(&tab, Clipboard::Refuses, true);
    let r = click_and_report(&tab);
    assert_eq!(r["writes"], json!([CITATION_704]), "writeText was tried first: {r}");
    assert_eq!(
        r["execs"],
        json!([{ "command": "copy", "focused": "textarea", "selected": CITATION_704, "inDocument": true }]),
        "{r}"
    );
    assert_eq!(r["status"], COPIED, "{r}");
    assert_eq!(r["textareas"], 0, "{r}");
}

#[test]
fn when_nothing_can_copy_the_status_says_to_copy_by_hand_and_the_citation_is_selected() {
    let chrome = chromium::driven();
    let tab = open(&chrome, seed_site(), "items/704/index.html");
    record(&tab, Clipboard::Refuses, false);
    let r = click_and_report(&tab);
    assert_eq!(r["execs"].as_array().map(Vec::len), Some(1), "{r}");
    let status = r["status"].as_str().unwrap();
    assert!(status.starts_with("コピーできませんでした") && status.contains("手動でコピー"), "{r}");
    assert!(!status.contains(COPIED), "{r}");
    assert_eq!(r["selection"], CITATION_704, "the citation is selected for copying by hand: {r}");
    assert_eq!(r["textareas"], 0, "{r}");
}

#[test]
fn with_a_base_url_the_button_copies_the_absolute_citation() {
    let chrome = chromium::driven();
    let tab = open(&chrome, base_url_site(), "items/704/index.html");
    record(&tab, Clipboard::Writes, false);
    let r = click_and_report(&tab);
    assert_eq!(r["writes"], json!([CITATION_704_ABSOLUTE]), "{r}");
    assert_eq!(r["status"], COPIED, "{r}");
}

/// No recorders: the clipboard of the headless browser itself, read back with the
/// permission granted through DevTools, after a copy by each of the two ways.
#[test]
fn the_browsers_own_clipboard_receives_the_citation_both_ways() {
    use headless_chrome::protocol::cdp::Browser::{GrantPermissions, PermissionType};
    let chrome = chromium::driven();
    let tab = open(&chrome, seed_site(), "items/704/index.html");
    tab.call_method(GrantPermissions {
        permissions: vec![PermissionType::ClipboardReadWrite, PermissionType::ClipboardSanitizedWrite],
        origin: None,
        browser_context_id: None,
    })
    .unwrap();
    let read_back = |tab: &Tab| {
        let v = tab.evaluate("window.__clipboard.readText()", true).unwrap();
        v.value.as_ref().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_else(|| panic!("readText gave {v:?}"))
    };
    let clear_status = "document.querySelector('.copy-status').textContent = ''";

    // navigator.clipboard.writeText
    tab.evaluate(
        "window.__clipboard = navigator.clipboard; __clipboard.writeText('before').then(function () { return 1; })",
        true,
    )
    .unwrap();
    assert_eq!(read_back(&tab), "before");
    tab.find_element("button.copy-citation").unwrap().click().unwrap();
    chromium::wait_until(
        &tab,
        "the status",
        &format!("document.querySelector('.copy-status').textContent === '{COPIED}'"),
    );
    assert_eq!(read_back(&tab), CITATION_704, "the clipboard after writeText");

    // The textarea and execCommand('copy'), with navigator.clipboard hidden from site.js.
    tab.evaluate("__clipboard.writeText('before').then(function () { return 1; })", true).unwrap();
    assert_eq!(read_back(&tab), "before");
    tab.evaluate(clear_status, false).unwrap();
    tab.evaluate("Object.defineProperty(navigator, 'clipboard', { value: undefined, configurable: true })", false)
        .unwrap();
    tab.find_element("button.copy-citation").unwrap().click().unwrap();
    chromium::wait_until(
        &tab,
        "the status",
        &format!("document.querySelector('.copy-status').textContent === '{COPIED}'"),
    );
    assert_eq!(read_back(&tab), CITATION_704, "the clipboard after execCommand('copy')");
}

#[test]
fn site_js_runs_without_errors_on_pages_without_a_citation() {
    let chrome = chromium::driven();
    let site = seed_site();
    for page in ["index.html", "vendors/dev-main/index.html", "unassigned/index.html", "404.html"] {
        let tab = chrome.browser.new_tab().unwrap();
        // Collect uncaught errors from the start, before site.js runs.
        tab.call_method(headless_chrome::protocol::cdp::Page::AddScriptToEvaluateOnNewDocument {
            source: "window.__errors = []; window.addEventListener('error', function (e) { window.__errors.push(String(e.message)); });".into(),
            world_name: None,
            include_command_line_api: None,
            run_immediately: None,
        })
        .unwrap();
        tab.navigate_to(&file_url(&site.join(page))).unwrap().wait_until_navigated().unwrap();
        chromium::wait_until(&tab, "the page to load", "document.readyState === 'complete'");
        let loaded = eval(
            &tab,
            "Array.prototype.some.call(document.scripts, function (s) { return /assets\\/site\\.js$/.test(s.src); })",
        );
        assert_eq!(loaded, true, "{page}: loads site.js");
        assert_eq!(eval(&tab, "window.__errors"), json!([]), "{page}: errors");
    }
    // And on an item page, site.js itself has run (the button shows) without errors.
    let tab = open(&chrome, site, "items/704/index.html");
    assert_eq!(eval(&tab, "document.querySelectorAll('button.copy-citation:not([hidden])').length"), 2);
}
