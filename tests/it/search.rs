//! Search in a real browser: the seed site opened from `file://` and through `serve`,
//! driven key by key in headless Chromium; and the ranking, on small indexes made for it.

use crate::common;

use common::chromium::{self, driven, file_url, wait_until};
use headless_chrome::Tab;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;

fn build(project: &Path, out: &Path) {
    let o = Command::new(env!("CARGO_BIN_EXE_rolesite"))
        .args(["build", "-q", project.to_str().unwrap(), "-o", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// The seed site, built once for this file.
fn site() -> &'static Path {
    static SITE: OnceLock<PathBuf> = OnceLock::new();
    SITE.get_or_init(|| {
        let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("search-site");
        let _ = std::fs::remove_dir_all(&out);
        build(Path::new(env!("CARGO_MANIFEST_DIR")), &out);
        out
    })
}

/// A copy of the seed project (its seeds and narrative pages) under `dir`.
fn seed_project(dir: &Path) -> PathBuf {
    let project = dir.join("project");
    for sub in ["seeds", "content"] {
        std::fs::create_dir_all(project.join(sub)).unwrap();
        for e in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(sub)).unwrap() {
            let p = e.unwrap().path();
            std::fs::copy(&p, project.join(sub).join(p.file_name().unwrap())).unwrap();
        }
    }
    project
}

/// `rolesite serve --port 0` on a project, stopped however the test ends.
struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT/`, where the site's root is served.
    base: String,
}

impl Server {
    /// Started once its first build is done (it prints its address after the build).
    fn start(project: &Path, out: Option<&Path>) -> Server {
        let mut command = Command::new(env!("CARGO_BIN_EXE_rolesite"));
        command.args(["serve", project.to_str().unwrap(), "--port", "0"]);
        if let Some(out) = out {
            command.args(["-o", out.to_str().unwrap()]);
        }
        let mut child = command.stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let base = line.trim().rsplit(" at ").next().unwrap().to_string();
        assert!(base.starts_with("http://"), "serve printed {line:?}");
        Server { child, base }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Run `check` on the seed site opened from `file://`, then served over HTTP, in one
/// browser: it gets the tab and the site's root (ending in `/`).
fn on_file_and_http(check: impl Fn(&Tab, &str)) {
    let chrome = driven();
    let tab = chrome.browser.new_tab().unwrap();
    check(&tab, &format!("{}/", file_url(site())));
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&seed_project(dir.path()), None);
    check(&tab, &server.base);
}

/// Where each result shown leads, relative to the site's root `base`: `items/704/`.
fn shown_urls(tab: &Tab, base: &str) -> Vec<String> {
    let js =
        "JSON.stringify(Array.from(document.querySelectorAll('#search-results [role=option] a')).map(a => a.href))";
    let hrefs: Vec<String> =
        serde_json::from_str(tab.evaluate(js, false).unwrap().value.unwrap().as_str().unwrap()).unwrap();
    hrefs.iter().map(|h| h.strip_prefix(base).unwrap_or(h).trim_end_matches("index.html").to_string()).collect()
}

/// Open `page` and type `query` into its search box, key by key, as a reader does.
fn open_and_type(tab: &Tab, page: &str, query: &str) {
    tab.navigate_to(page).unwrap().wait_until_navigated().unwrap();
    focus_and_type(tab, query);
}

/// Focus the search box with `/`, once the script has shown it, and type `query` key by key.
fn focus_and_type(tab: &Tab, query: &str) {
    wait_until(
        tab,
        "the search box",
        "!!document.getElementById('search-input') && !document.getElementById('site-search').hidden",
    );
    tab.press_key("/").unwrap();
    wait_until(tab, "focus on the search box", "document.activeElement.id === 'search-input'");
    tab.type_str(query).unwrap();
}

/// Wait until the results of `query` stand in the list (at least one).
fn wait_for_results(tab: &Tab, query: &str) {
    // Past the debounce of the last keystroke, so the list answers the whole query and
    // not the beginning of it.
    std::thread::sleep(std::time::Duration::from_millis(150));
    let expected = serde_json::to_string(query).unwrap();
    wait_until(
        tab,
        &format!("results for {query}"),
        &format!(
            "document.getElementById('search-input').value === {expected} && \
             document.getElementById('search-results').children.length > 0 && \
             !document.getElementById('search-results').hidden"
        ),
    );
}

/// The 項番 of each result shown, in order.
fn shown(tab: &Tab) -> Vec<u32> {
    let js =
        "JSON.stringify(Array.from(document.querySelectorAll('#search-results [role=option] a')).map(a => a.href))";
    let hrefs: Vec<String> =
        serde_json::from_str(tab.evaluate(js, false).unwrap().value.unwrap().as_str().unwrap()).unwrap();
    hrefs
        .iter()
        .filter_map(|h| h.split("/items/").nth(1).or_else(|| h.split("/phases/").nth(1)))
        .filter_map(|rest| rest.split('/').next()?.parse().ok())
        .collect()
}

/// Focus search with `/`, type `query` key by key, and wait for its results.
fn type_query(tab: &Tab, query: &str) {
    focus_and_type(tab, query);
    let expected = serde_json::to_string(query).unwrap();
    wait_until(
        tab,
        "results",
        &format!(
            "document.getElementById('search-input').value === {expected} && \
             document.getElementById('search-results').children.length > 0"
        ),
    );
}

/// What every page of the seed offers, wherever it is opened from.
fn virus_then_704(tab: &Tab, start: &str) {
    tab.navigate_to(start).unwrap().wait_until_navigated().unwrap();
    type_query(tab, "ウイルス");
    let results = shown(tab);
    for no in [978, 979, 926, 927, 928, 929, 930, 931, 932, 933, 934, 935, 936] {
        assert!(results.contains(&no), "ウイルス: {no} among {results:?}");
    }
    // Names above descriptions: every name match comes before every description match.
    let first_description = results.iter().position(|n| [929, 930, 931, 932, 933].contains(n)).unwrap();
    assert!(results[..first_description].contains(&978), "{results:?}");
    let marks: Vec<String> = serde_json::from_str(
        tab.evaluate(
            "JSON.stringify(Array.from(document.querySelectorAll('#search-results mark')).map(m => m.textContent))",
            false,
        )
        .unwrap()
        .value
        .unwrap()
        .as_str()
        .unwrap(),
    )
    .unwrap();
    assert!(!marks.is_empty() && marks.iter().all(|m| m == "ウイルス"), "highlighted: {marks:?}");
    let aria = tab
        .evaluate(
            "[document.getElementById('search-input').getAttribute('role'), \
              document.getElementById('search-input').getAttribute('aria-expanded'), \
              document.getElementById('search-results').getAttribute('role'), \
              document.getElementById('search-input').getAttribute('aria-activedescendant')].join(' ')",
            false,
        )
        .unwrap()
        .value
        .unwrap();
    assert_eq!(aria.as_str().unwrap(), "combobox true listbox search-result-0");
    tab.press_key("ArrowDown").unwrap();
    wait_until(
        tab,
        "the second result active",
        "document.getElementById('search-input').getAttribute('aria-activedescendant') === 'search-result-1'",
    );

    // Clear, then a 項番: Enter lands on its item.
    tab.evaluate("document.getElementById('search-input').value = ''", false).unwrap();
    tab.type_str("704").unwrap();
    wait_until(tab, "704 first", "document.querySelector('#search-results [role=option] a') !== null && document.querySelector('#search-results [role=option] a').href.includes('/items/704/')");
    tab.press_key("Enter").unwrap();
    wait_until(
        tab,
        "item 704",
        "location.href.includes('/items/704/') && document.querySelector('h1').textContent.includes('総合テスト実施')",
    );
}

#[test]
fn search_works_from_a_file_share() {
    let chrome = driven();
    let tab = chrome.browser.new_tab().unwrap();
    virus_then_704(&tab, &file_url(&site().join("items/1/index.html")));
}

#[test]
fn search_works_through_serve() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&seed_project(dir.path()), None);
    let chrome = driven();
    let tab = chrome.browser.new_tab().unwrap();
    virus_then_704(&tab, &format!("{}phases/", server.base));
}

/// Search covers the working data; the box 「過去の公開版も」 adds the released revisions'
/// rows, loaded with a `<script>` only when ticked (so from `file://` too), each after the
/// working data's results, named by its edition and leading to its frozen page; unticked,
/// they go again. The seed ships with its first revision released (2016-05).
#[test]
fn released_revisions_are_searched_only_when_asked() {
    let chrome = driven();
    let tab = chrome.browser.new_tab().unwrap();
    let base = format!("{}/", file_url(site()));
    let released = |tab: &Tab| shown_urls(tab, &base).into_iter().filter(|u| u.starts_with("rev/")).collect::<Vec<_>>();
    open_and_type(&tab, &format!("{base}phases/index.html"), "全体実施計画書");
    wait_for_results(&tab, "全体実施計画書");
    let current = shown_urls(&tab, &base);
    assert!(current.contains(&"items/4/".to_string()), "{current:?}");
    assert!(released(&tab).is_empty(), "the working data only, by default: {current:?}");
    let loaded = "!!window.ROLESITE_REVISIONS || !!document.querySelector('script[src$=\"search-revisions.js\"]')";
    assert_eq!(tab.evaluate(loaded, false).unwrap().value, Some(serde_json::Value::Bool(false)), "not loaded unasked");

    tab.evaluate("document.getElementById('search-revisions').click()", false).unwrap();
    wait_until(
        &tab,
        "the released rows",
        "Array.from(document.querySelectorAll('#search-results a')).some(a => a.href.includes('/rev/2016-05/items/4/'))",
    );
    let all = shown_urls(&tab, &base);
    let first_released = all.iter().position(|u| u.starts_with("rev/")).unwrap();
    assert!(all[..first_released].contains(&"items/4/".to_string()), "working data first: {all:?}");
    assert!(all[first_released..].iter().all(|u| u.starts_with("rev/2016-05/")), "then the released: {all:?}");
    assert!(
        (0..all.len())
            .filter(|i| all[*i] == "rev/2016-05/items/4/")
            .any(|i| result_text(&tab, i).contains("平成28年5月版")),
        "named by its edition"
    );
    tab.evaluate("document.getElementById('search-revisions').click()", false).unwrap();
    wait_until(
        &tab,
        "the released rows gone",
        "document.querySelectorAll('#search-results a').length > 0 && \
         !Array.from(document.querySelectorAll('#search-results a')).some(a => a.href.includes('/rev/'))",
    );
}

/// The text of the `n`th result shown.
fn result_text(tab: &Tab, n: usize) -> String {
    let js = format!("document.querySelectorAll('#search-results [role=option]')[{n}].textContent");
    tab.evaluate(&js, false).unwrap().value.unwrap().as_str().unwrap().to_string()
}

#[test]
fn enter_opens_the_result_chosen_with_the_arrow_keys() {
    on_file_and_http(|tab, base| {
        open_and_type(tab, &format!("{base}items/1/index.html"), "総合テスト");
        wait_for_results(tab, "総合テスト");
        let results = shown_urls(tab, base);
        tab.press_key("ArrowDown").unwrap();
        tab.press_key("ArrowDown").unwrap();
        wait_until(
            tab,
            "the third result active",
            "document.getElementById('search-input').getAttribute('aria-activedescendant') === 'search-result-2' && \
             document.getElementById('search-result-2').getAttribute('aria-selected') === 'true'",
        );
        let chosen = &results[2];
        assert_ne!(chosen, &results[0], "{base}: the test needs the third result to differ from the first");
        tab.press_key("Enter").unwrap();
        let expected = serde_json::to_string(&format!("{base}{chosen}index.html")).unwrap();
        wait_until(tab, &format!("{chosen} opened ({base})"), &format!("location.href === {expected}"));
    });
}

#[test]
fn an_exact_name_ranks_above_names_that_start_with_it() {
    on_file_and_http(|tab, base| {
        open_and_type(tab, &format!("{base}index.html"), "総合テスト");
        wait_for_results(tab, "総合テスト");
        // 696 and 697 are headings named 「総合テスト」; 45 「総合テスト工程ガイドの作成」 and
        // 698 「総合テスト計画・準備…」 start with it; then names holding it elsewhere.
        let results = shown(tab);
        assert_eq!(results[..4], [696, 697, 45, 698], "{base}: {results:?}");
    });
}

#[test]
fn no_result_is_said_in_the_dropdown() {
    on_file_and_http(|tab, base| {
        open_and_type(tab, &format!("{base}index.html"), "存在しない語");
        // Seen, not only announced: the message is on top of the page at its place.
        wait_until(
            tab,
            &format!("the empty result shown ({base})"),
            "(function () {
               var box = document.getElementById('site-search');
               var el = Array.from(box.querySelectorAll('*'))
                 .find(function (e) { return e.textContent.trim() === '一致する作業はありません'; });
               if (!el || !el.checkVisibility()) return false;
               var r = el.getBoundingClientRect();
               if (r.width < 40 || r.height < 10) return false;
               var top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
               return !!top && (top === el || el.contains(top));
             })()",
        );
        assert!(shown_urls(tab, base).is_empty());
    });
}

#[test]
fn a_vendor_is_found_by_its_short_name_first() {
    on_file_and_http(|tab, base| {
        // The matrix's column labels: 「2次連携開発」 and 「2次連携HW」 start with 「2次連携」;
        // 「開発等(統合)」 is the short name of dev-main, whose tasks name 「開発等」 too.
        for (query, first) in [
            ("2次連携", &["vendors/kojin2-renkei-dev/", "vendors/kojin2-renkei-hw/"][..]),
            ("開発等", &["vendors/dev-main/"][..]),
            ("開発等(統合)", &["vendors/dev-main/"][..]),
            ("AP保守", &["vendors/app-maint/"][..]),
        ] {
            open_and_type(tab, &format!("{base}index.html"), query);
            wait_for_results(tab, query);
            let results = shown_urls(tab, base);
            assert_eq!(results[..first.len()], *first, "{base}: {query}: {results:?}");
        }
    });
}

#[test]
fn a_lost_number_says_its_range_and_links_its_page() {
    on_file_and_http(|tab, base| {
        for query in ["100", "項番100", "項番 100"] {
            open_and_type(tab, &format!("{base}index.html"), query);
            wait_for_results(tab, query);
            assert_eq!(shown_urls(tab, base)[0], "items/100/", "{base}: {query}");
            let text = result_text(tab, 0);
            assert!(
                text.contains("項番100") && text.contains("原本で失われた範囲") && text.contains("58–251"),
                "{base}: {query}: {text}"
            );
        }
        tab.press_key("Enter").unwrap();
        wait_until(
            tab,
            &format!("the lost item's page ({base})"),
            "location.href.endsWith('/items/100/index.html') && \
             document.querySelector('h1').textContent.includes('原本で失われた範囲')",
        );
    });
}

/// The first keystrokes, typed right after focusing the box while a large index is still on
/// its way, are answered when it arrives, without typing again.
#[test]
fn a_query_typed_while_the_index_loads_is_answered() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("project");
    crate::common::generated(&project, 2_000, 25);
    // One build, by the server, served over HTTP and opened from its folder.
    let out = dir.path().join("out");
    let server = Server::start(&project, Some(&out));
    let chrome = driven();
    let tab = chrome.browser.new_tab().unwrap();
    for base in [format!("{}/", file_url(&out)), server.base.clone()] {
        tab.navigate_to(&format!("{base}index.html")).unwrap().wait_until_navigated().unwrap();
        wait_until(&tab, "the search box", "!document.getElementById('site-search').hidden");
        // The index's <script> element is held back until the query is typed, so the test
        // does not depend on how fast the machine loads the index: typing over the DevTools
        // protocol can be slower than that here.
        tab.evaluate(
            "(function () {
               var append = Node.prototype.appendChild;
               Node.prototype.appendChild = function (node) {
                 if (node instanceof HTMLScriptElement && /search-index\\.js$/.test(node.src) && !window.__release) {
                   var parent = this;
                   window.__release = function () { append.call(parent, node); };
                   return node;
                 }
                 return append.call(this, node);
               };
             })()",
            false,
        )
        .unwrap();
        tab.press_key("/").unwrap();
        tab.type_str("移行").unwrap();
        wait_until(&tab, "the index asked for", "typeof window.__release === 'function'");
        // Past the debounce of the last keystroke: all typing is done while the index loads.
        std::thread::sleep(std::time::Duration::from_millis(200));
        assert!(shown_urls(&tab, &base).is_empty(), "{base}: results before the index arrived");
        tab.evaluate("window.__release()", false).unwrap();
        wait_for_results(&tab, "移行");
        assert!(shown_urls(&tab, &base).iter().all(|u| u.starts_with("items/") || u.starts_with("phases/")));
    }
}

/// The ranking, on an index made for it: fields, closeness, AND, width, 項番.
#[test]
fn ranking_by_field_closeness_and_number() {
    let dir = tempfile::tempdir().unwrap();
    let files: &[(&str, &str)] = &[
        ("seeds/vendors.csv", "id,name,aliases\nlan,機構LAN保守業者,機橋LAN保守業者\nops,運用業者,\n"),
        (
            "seeds/roles.csv",
            "項番,作業項目,lan,ops,作業内容\n\
             1,障害の切り分け,◎,,移行 手順書を作る\n\
             2,移行に使う作業手順書,,◎,\n\
             3,データ移行,◎,,本番の手順書とは別\n\
             4,手順書の改訂,,◎,移行のたびに見直す\n\
             5,受入テスト,◎,,ＬＡＮ機器の確認\n\
             704,総合テスト実施,,◎,\n\
             7040,項番704の補足,,◎,\n\
             7041,移行手順書の作成,,◎,\n",
        ),
    ];
    for (name, text) in files {
        let path = dir.path().join("project").join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let out = dir.path().join("out");
    build(&dir.path().join("project"), &out);
    let chrome = driven();
    let tab = chrome.browser.new_tab().unwrap();
    tab.navigate_to(&file_url(&out.join("index.html"))).unwrap().wait_until_navigated().unwrap();
    wait_until(&tab, "the search script", "!!window.ROLESITE_SEARCH");
    tab.evaluate("window.ROLESITE_SEARCH.everything(function () { window.__ready = true; })", false).unwrap();
    wait_until(&tab, "the index", "window.__ready === true");
    let rank = |q: &str| -> Vec<String> {
        let js = format!(
            "JSON.stringify(window.ROLESITE_SEARCH.search({}).map(r => window.ROLESITE_SEARCH.url(r.id)))",
            serde_json::to_string(q).unwrap()
        );
        serde_json::from_str(tab.evaluate(&js, false).unwrap().value.unwrap().as_str().unwrap()).unwrap()
    };
    // Both words in the name, adjacent before apart (though the 項番 orders them the other
    // way); then one word in the name (at its start first), the other in the description;
    // then both in the description only.
    assert_eq!(rank("移行 手順書"), ["items/7041/", "items/2/", "items/4/", "items/3/", "items/1/"]);
    // Every word must be there.
    assert_eq!(rank("移行 障害"), ["items/1/"]);
    assert!(rank("移行 存在しない語").is_empty());
    // Full width meets half width, and case is folded; a vendor's name is searched, and
    // the tasks that name it through their vendors rank below it.
    assert_eq!(rank("lan")[0], "vendors/lan/");
    assert!(rank("LAN").contains(&"items/5/".to_string()));
    assert_eq!(rank("ＬＡＮ保守")[0], "vendors/lan/");
    // The typo spelling of the vendor finds it too.
    assert_eq!(rank("機橋")[0], "vendors/lan/");
    // One character.
    assert!(rank("障").contains(&"items/1/".to_string()));
    // A 項番 goes first, with or without 項番.
    assert_eq!(rank("704")[0], "items/704/");
    assert_eq!(rank("項番704")[0], "items/704/");
    assert_eq!(rank("７０４")[0], "items/704/");
    // Timing at this size, for the record (docs/PERFORMANCE.md measures 10,000 tasks).
    let ms = tab
        .evaluate("(function(){var t=performance.now();for(var i=0;i<100;i++)window.ROLESITE_SEARCH.search('移行 手順書');return (performance.now()-t)/100})()", false)
        .unwrap()
        .value
        .unwrap();
    eprintln!("{} ms per query on a tiny index", ms);
    let _ = chromium::exe();
}

/// Not a test: the figures in docs/PERFORMANCE.md's search table. Builds a generated
/// 10,000-task table (`rolesite gen`), opens it from `file://`, and times loading the index
/// and each query.
/// `cargo test --release --test it search:: -- --ignored --nocapture`
#[test]
#[ignore]
fn measure_index_size_and_query_time() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("project");
    crate::common::generated(&project, 10_000, 25);
    let out = dir.path().join("out");
    build(&project, &out);
    // A picture of the results, to look at.
    {
        let chrome = driven();
        let tab = chrome.browser.new_tab().unwrap();
        tab.navigate_to(&file_url(&site().join("items/1/index.html"))).unwrap().wait_until_navigated().unwrap();
        type_query(&tab, "ウイルス 更新");
        let png = tab
            .capture_screenshot(
                headless_chrome::protocol::cdp::Page::CaptureScreenshotFormatOption::Png,
                None,
                None,
                true,
            )
            .unwrap();
        let file = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("search.png");
        std::fs::write(&file, png).unwrap();
        println!("screenshot: {}", file.display());
    }
    for (name, site) in [("seed", site()), ("10,000 tasks", out.as_path())] {
        let index = std::fs::metadata(site.join("assets/search-index.js")).unwrap().len();
        let chrome = driven();
        let tab = chrome.browser.new_tab().unwrap();
        tab.navigate_to(&file_url(&site.join("index.html"))).unwrap().wait_until_navigated().unwrap();
        wait_until(&tab, "the search script", "!!window.ROLESITE_SEARCH");
        tab.evaluate("window.__t0 = performance.now(); window.ROLESITE_SEARCH.everything(function () { window.__load = performance.now() - window.__t0; })", false).unwrap();
        wait_until(&tab, "the index", "window.__load !== undefined");
        let load = tab.evaluate("window.__load", false).unwrap().value.unwrap();
        println!("{name}: index {:.0} KiB, loaded and parsed in {load} ms", index as f64 / 1024.0);
        for q in ["ウイルス", "移行", "手順書 作成", "704", "障", "lan", "個人番号管理サブシステム 報告"]
        {
            let js = format!(
                "(function(){{var q={q:?};var first=performance.now();var n=window.ROLESITE_SEARCH.search(q).length;first=performance.now()-first;\
                 var t=[];for(var i=0;i<21;i++){{var s=performance.now();window.ROLESITE_SEARCH.search(q);t.push(performance.now()-s)}}\
                 t.sort(function(a,b){{return a-b}});var d=[];for(var i=0;i<21;i++){{var s=performance.now();window.ROLESITE_SEARCH.show(q);d.push(performance.now()-s)}}\
                 d.sort(function(a,b){{return a-b}});return JSON.stringify([n,first,t[10],d[10]])}})()"
            );
            let v: (usize, f64, f64, f64) =
                serde_json::from_str(tab.evaluate(&js, false).unwrap().value.unwrap().as_str().unwrap()).unwrap();
            println!(
                "  {q:<24} {:>6} results   first {:>6.1} ms   median {:>5.1} ms   with 20 results drawn {:>5.1} ms",
                v.0, v.1, v.2, v.3
            );
        }
    }
}

/// A generated table of 1,500 tasks: its index is cut into 16 term shards and 7 document
/// shards.
fn generated_site() -> &'static Path {
    static SITE: OnceLock<PathBuf> = OnceLock::new();
    SITE.get_or_init(|| built_once("search-gen", |project| crate::common::generated(project, 1_500, 25)))
}

/// The site of a project `make` writes into a fresh `project/` under the tests' folder
/// `name`, built into `out/` beside it.
fn built_once(name: &str, make: impl FnOnce(&Path)) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    make(&dir.join("project"));
    build(&dir.join("project"), &dir.join("out"));
    dir.join("out")
}

/// A table made for the ranking by marked names: 1,140 rows (past three document shards), a
/// word in the description only (rows 1–300), inside the name (301–600), at its start
/// (601–900), the whole name (901, 902), and two words two characters apart (903–930), one
/// apart (931–960) and, in a document shard of their own, side by side (1,100–1,140): the
/// better a row, the later it stands.
fn ranked_site() -> &'static Path {
    static SITE: OnceLock<PathBuf> = OnceLock::new();
    SITE.get_or_init(|| {
        built_once("search-ranked", |project| {
            let seeds = project.join("seeds");
            std::fs::create_dir_all(&seeds).unwrap();
            std::fs::write(seeds.join("vendors.csv"), "id,name\nowner,発注者\n").unwrap();
            let mut roles = String::from("項番,作業項目,owner,作業内容\n");
            for i in 1..=1_140 {
                let (name, description) = match i {
                    1..=300 => (format!("作業{i}"), "ウイルスの確認をする"),
                    301..=600 => (format!("定義のウイルス確認 {i}"), "説明"),
                    601..=900 => (format!("ウイルス対策の確認 {i}"), "説明"),
                    901 => ("ウイルス".to_string(), "説明"),
                    902 => ("ウイルス 確認".to_string(), "説明"),
                    903..=930 => (format!("作業点検のの記録 {i}"), "説明"),
                    931..=960 => (format!("作業点検・記録 {i}"), "説明"),
                    961..=1_099 => (format!("作業{i}"), "説明"),
                    _ => (format!("作業点検記録 {i}"), "説明"),
                };
                roles.push_str(&format!("{i},{name},◎,{description}\n"));
            }
            std::fs::write(seeds.join("roles.csv"), roles).unwrap();
        })
    })
}

/// Opens a light page of `site` (the search script is on every page), loads the index (every
/// shard when `whole`, else only what `query` asks for, by `find`), and returns the results
/// of `query` (their URLs, all of them) and the index files the page loaded (each by a
/// `<script>` element, which stays in the page).
fn opened_and_found(tab: &Tab, site: &Path, query: &str, whole: bool) -> Found {
    tab.navigate_to(&file_url(&site.join("404.html"))).unwrap().wait_until_navigated().unwrap();
    let q = serde_json::to_string(query).unwrap();
    let load = match whole {
        true => "everything(".to_string(),
        false => format!("find({q}, "),
    };
    let js = format!(
        "new Promise(function (done) {{ (function go() {{ var s = window.ROLESITE_SEARCH; \
           if (!s) return setTimeout(go, 10); s.{load}function () {{ done({}); }}); }})(); }})",
        found_js(&q)
    );
    let value = tab.evaluate(&js, true).unwrap().value.unwrap();
    serde_json::from_str(value.as_str().unwrap()).unwrap()
}

/// What a query found: the pages of its results, best first (only those read when not
/// `exact`), the index files the page loaded, whether every document found was read, and
/// how many were found (read or not).
type Found = (Vec<String>, Vec<String>, bool, usize);

/// What [`opened_and_found`] returns, as a JSON string made in the page.
fn found_js(q: &str) -> String {
    format!(
        "JSON.stringify((function (r) {{ return [r.map(r => window.ROLESITE_SEARCH.url(r.id, r.no)), \
         Array.from(document.querySelectorAll('script[src]'), e => e.src).filter(n => /assets\\/search(-index\\.js|\\/)/.test(n)) \
         .map(n => n.replace(/^.*assets\\//, '')), r.exact !== false, r.total === undefined ? r.length : r.total]; }})\
         (window.ROLESITE_SEARCH.search({q})))"
    )
}

/// Each query finds on a fresh page, loading only the shards it needs, exactly what it
/// finds with the whole index loaded, in the same order: on the seed and on a table of
/// 1,500 tasks. A 項番 or a word loads one term shard per term at most and the document
/// shards of what it finds; only a lone character reads every term shard. On the larger
/// tables, whose names are marked, a common word reads only the documents that may show
/// first, and its first 20 results are still exactly those of the whole index: on the
/// generated table and on one made so that the better a row ranks, the later it stands.
#[test]
fn search_over_shards_finds_what_the_whole_index_finds() {
    let chrome = driven();
    let (whole_tab, tab) = (chrome.browser.new_tab().unwrap(), chrome.browser.new_tab().unwrap());
    let sites: [(&Path, &[&str]); 3] = [
        (
            site(),
            &["ウイルス", "総合テスト", "704", "項番704", "移行 手順書", "障", "LAN", "厚労省", "存在しない語", "328"],
        ),
        (
            generated_site(),
            &[
                "ウイルス",
                "総合テスト",
                "1234",
                "ウイルス定義ファイル 更新",
                "運用手順書",
                "認証基盤",
                "認",
                "障害報告書 提出",
                "サブシステム",
                "移行",
                "報告書の提出",
            ],
        ),
        (
            ranked_site(),
            &[
                "ウイルス",
                "ウイルス 確認",
                "確認 ウイルス",
                "対策",
                "ウイルス対策",
                "定義",
                "確認",
                "点検 記録",
                "記録 点検",
            ],
        ),
    ];
    for (site, queries) in sites {
        let (shards, docs) = {
            let text = std::fs::read_to_string(site.join("assets/search-index.js")).unwrap();
            let meta: serde_json::Value = serde_json::from_str(
                text.trim_start_matches("window.ROLESITE_SEARCH_INDEX=").trim_end().trim_end_matches(';'),
            )
            .unwrap();
            (meta["terms"].as_u64().unwrap() as usize, meta["docs"].as_u64().unwrap() as usize)
        };
        assert!(shards > 1 && docs > 1, "{}: {shards} term shards, {docs} document shards", site.display());
        opened_and_found(&whole_tab, site, "", true);
        let mut found_any = 0;
        let mut partly_read = Vec::new();
        for query in queries {
            let js = found_js(&serde_json::to_string(query).unwrap());
            let (whole, all_files, all_read, _): Found =
                serde_json::from_str(whole_tab.evaluate(&js, false).unwrap().value.unwrap().as_str().unwrap()).unwrap();
            assert_eq!(all_files.len(), 1 + shards + docs, "{query}: {all_files:?}");
            assert!(all_read, "{query}: with every shard loaded, every document is read");
            let (sharded, files, exact, total) = opened_and_found(&tab, site, query, false);
            if exact {
                assert_eq!(sharded, whole, "{query}: over shards ({files:?}) and over the whole index");
            } else {
                // Only what may show first was read: the first MAX (20) are the same, in order.
                let first = |r: &[String]| r.iter().take(20).cloned().collect::<Vec<_>>();
                assert_eq!(first(&sharded), first(&whole), "{query}: over shards ({files:?}) and over the whole index");
                assert!(sharded.len() < total && total >= whole.len(), "{query}: {} read of {total}", sharded.len());
                partly_read.push((*query, total));
            }
            assert!(total >= whole.len(), "{query}: {total} found, {} results", whole.len());
            found_any += usize::from(!whole.is_empty());
            let terms = files.iter().filter(|f| f.starts_with("search/t")).count();
            let words = query.split(' ').map(|w| w.trim_start_matches("項番")).collect::<Vec<_>>();
            if words.iter().any(|w| w.chars().count() == 1 && !w.is_ascii()) {
                assert_eq!(terms, shards, "{query}: a lone character reads every term shard");
            } else {
                // A word of n characters has n − 1 bigrams; an ASCII word is one term. Where
                // names are marked, each two words add the two bigrams across them.
                let terms: usize = words.iter().map(|w| if w.is_ascii() { 1 } else { w.chars().count() - 1 }).sum();
                let most = terms + words.len() * (words.len() - 1);
                assert!((1..=most).contains(&terms), "{query}: {terms} term shards of {shards} for {most} terms");
            }
            let doc_files = files.iter().filter(|f| f.starts_with("search/d")).count();
            if whole.len() <= 3 {
                assert!(doc_files <= whole.len(), "{query}: {doc_files} document shards for {} results", whole.len());
            }
            eprintln!(
                "{query}: {} results, {terms}/{shards} term shards, {doc_files}/{docs} document shards",
                whole.len()
            );
        }
        assert!(found_any + 2 >= queries.len(), "most queries find something");
        // The generated table is large enough for marked names (search::names_marked): its
        // common words read only some of the documents they find; the seed's read all.
        if site == self::site() {
            assert!(partly_read.is_empty(), "{partly_read:?}");
            continue;
        }
        assert!(partly_read.len() >= 3, "{partly_read:?}");
        if site != generated_site() {
            continue;
        }
        let virus = partly_read.iter().find(|(q, _)| *q == "ウイルス").map(|(_, total)| *total);
        // The reader is shown the first 20, and the number found as the most there can be.
        // The word comes whole, as an input method gives it: typed key by key, its first
        // character alone would read every document holding it.
        open_and_type(&tab, &file_url(&site.join("index.html")), "");
        let put = "var i = document.getElementById('search-input'); i.value = 'ウイルス'; \
                   i.dispatchEvent(new InputEvent('input', { data: 'ウイルス' }));";
        tab.evaluate(put, false).unwrap();
        wait_for_results(&tab, "ウイルス");
        let js = "document.getElementById('search-status').textContent";
        let status = tab.evaluate(js, false).unwrap().value.unwrap().as_str().unwrap().to_string();
        assert_eq!(Some(status), virus.map(|n| format!("最大 {n} 件(上位 20 件を表示)")), "{partly_read:?}");
    }
}

/// Not a test: the figures of docs/PERFORMANCE.md's tables of a reader's pages and sharded
/// search at size. For each site, the pages of each kind `urls.json` lists (number, average,
/// largest), the first contentful paint of the ten largest HTML pages opened from `file://`;
/// then, for the search (`ROLESITE_BENCH_SITES="name=folder,…"`, sites built beforehand,
/// by `bench/reading.sh`; else a 10,000-task table built here), each query on a freshly opened page: the index
/// bytes it loaded and the time from asking to the results ranked (cold); then, on that
/// page, the query again and a second query (warm). Medians of `ROUNDS` (5) openings.
/// `cargo test --test it search::measure_reading -- --ignored --nocapture`
#[test]
#[ignore]
fn measure_reading_at_size() {
    let dir = tempfile::tempdir().unwrap();
    let sites: Vec<(String, PathBuf)> = match std::env::var("ROLESITE_BENCH_SITES") {
        Ok(list) => list
            .split(',')
            .map(|s| {
                let (name, path) = s.split_once('=').expect("name=folder");
                (name.to_string(), PathBuf::from(path))
            })
            .collect(),
        Err(_) => {
            let project = dir.path().join("project");
            crate::common::generated(&project, 10_000, 25);
            build(&project, &dir.path().join("out"));
            vec![("10,000 tasks".to_string(), dir.path().join("out"))]
        }
    };
    let rounds: usize = std::env::var("ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(5);
    let queries =
        [("ウイルス", "手順書 作成"), ("総合テスト", "移行"), ("704", "7041"), ("認証基盤 報告", "障害報告書")];
    let chrome = driven();
    let tab = chrome.browser.new_tab().unwrap();
    for (name, site) in &sites {
        pages_at_size(&tab, name, site);
        let files: Vec<_> = std::fs::read_dir(site.join("assets/search")).unwrap().map(|e| e.unwrap().path()).collect();
        let total: u64 = files.iter().map(|f| f.metadata().unwrap().len()).sum::<u64>()
            + site.join("assets/search-index.js").metadata().unwrap().len();
        println!("{name}: {} shard files, {:.0} KiB in all", files.len(), total as f64 / 1024.0);
        for (q, next) in queries {
            let mut cold = Vec::new();
            let mut again = Vec::new();
            let mut second = Vec::new();
            let mut bytes = 0;
            let mut results = 0;
            for _ in 0..rounds {
                tab.navigate_to(&file_url(&site.join("404.html"))).unwrap().wait_until_navigated().unwrap();
                let js = format!(
                    "new Promise(function (done) {{ (function go() {{ var S = window.ROLESITE_SEARCH; \
                       if (!S) return setTimeout(go, 5); \
                       var t = performance.now(); S.find({q:?}, function () {{ var r = S.search({q:?}); var cold = performance.now() - t; \
                       var n = r.total === undefined ? r.length : r.total; \
                         var files = Array.from(document.querySelectorAll('script[src]'), e => e.src).filter(n => /assets\\/search(-index\\.js|\\/)/.test(n)); \
                         t = performance.now(); S.find({q:?}, function () {{ S.search({q:?}); var again = performance.now() - t; \
                           t = performance.now(); S.find({next:?}, function () {{ S.search({next:?}); \
                             done(JSON.stringify([n, cold, again, performance.now() - t, files])); }}); }}); }}); }})(); }})"
                );
                let value = tab.evaluate(&js, true).unwrap().value.unwrap();
                let (n, c, a, s, loaded): (usize, f64, f64, f64, Vec<String>) =
                    serde_json::from_str(value.as_str().unwrap()).unwrap();
                let path =
                    |url: &str| site.join(url.rsplit_once("/assets/").map(|(_, p)| format!("assets/{p}")).unwrap());
                bytes = loaded.iter().map(|u| path(u).metadata().unwrap().len()).sum::<u64>();
                results = n;
                cold.push(c);
                again.push(a);
                second.push(s);
            }
            let median = |v: &mut Vec<f64>| {
                v.sort_by(f64::total_cmp);
                v[v.len() / 2]
            };
            println!(
                "  {q:<16} {results:>6} results  cold: {:>7.1} kB loaded, {:>6.1} ms   again {:>5.1} ms   then {next}: {:>6.1} ms",
                bytes as f64 / 1000.0,
                median(&mut cold),
                median(&mut again),
                median(&mut second)
            );
        }
    }
}

/// The pages of each kind `urls.json` lists (their number, average and largest), and the
/// first contentful paint of the ten largest HTML pages, each opened from `file://` (the median of three openings).
fn pages_at_size(tab: &Tab, name: &str, site: &Path) {
    let urls: serde_json::Value = serde_json::from_slice(&std::fs::read(site.join("urls.json")).unwrap()).unwrap();
    // Per kind: the largest page and its file, how many pages, their bytes in all.
    let mut largest: std::collections::BTreeMap<String, (u64, String, usize, u64)> = Default::default();
    let mut html: Vec<(u64, String)> = Vec::new();
    for u in urls["urls"].as_array().unwrap() {
        let (url, kind) = (u["url"].as_str().unwrap(), u["kind"].as_str().unwrap());
        let file = if url.is_empty() || url.ends_with('/') { format!("{url}index.html") } else { url.to_string() };
        let Ok(meta) = site.join(&file).metadata() else { continue };
        let kind = if url.starts_with("rev/") { format!("{kind} (released)") } else { kind.to_string() };
        let entry = largest.entry(kind).or_insert((0, String::new(), 0, 0));
        entry.2 += 1;
        entry.3 += meta.len();
        if meta.len() > entry.0 {
            (entry.0, entry.1) = (meta.len(), file.clone());
        }
        if file.ends_with(".html") {
            html.push((meta.len(), file));
        }
    }
    println!("{name}: the pages of each kind: how many, their average and the largest");
    for (kind, (bytes, file, count, total)) in &largest {
        let average = *total as f64 / *count as f64 / 1000.0;
        println!(
            "  {kind:<22} {count:>7} pages   average {average:>7.1} kB   largest {:>9.1} kB  {file}",
            *bytes as f64 / 1000.0
        );
    }
    let (pages, bytes) = largest.values().fold((0, 0), |(n, b), e| (n + e.2, b + e.3));
    println!("  all {pages} pages: {:.1} kB on average", bytes as f64 / pages as f64 / 1000.0);
    html.sort();
    println!("{name}: first contentful paint of the ten largest pages (median of 3)");
    for (bytes, file) in html.iter().rev().take(10) {
        let mut paints: Vec<f64> = (0..3)
            .map(|_| {
                tab.navigate_to(&file_url(&site.join(file))).unwrap().wait_until_navigated().unwrap();
                let js = "new Promise(function (done) { (function go() { \
                    var p = performance.getEntriesByName('first-contentful-paint')[0]; \
                    if (p) return done(p.startTime); setTimeout(go, 20); })(); })";
                tab.evaluate(js, true).unwrap().value.unwrap().as_f64().unwrap()
            })
            .collect();
        paints.sort_by(f64::total_cmp);
        println!("  {:>9.1} kB  {:>7.0} ms  {file}", *bytes as f64 / 1000.0, paints[1]);
    }
}
