//! Every page of the built site, at a phone's width and a desktop's, in Chromium: nothing
//! scrolls the page sideways. Only a figure or a table inside its own scroll box may be
//! wider than the screen.

use super::{site, target_tmp};
use crate::common::chromium::{driven_with, file_url};
use serde_json::Value;
use std::fs;
use std::path::Path;

/// Pages loaded at once, each in a frame of each screen's width.
const PAGES_PER_LOAD: usize = 15;

/// A phone's width and a desktop's.
const WIDTHS: [u32; 2] = [360, 1280];

/// Whether the harness and every frame in it have loaded.
const LOADED: &str = "document.readyState === 'complete' && Array.from(document.querySelectorAll('iframe')).every(function (f) { return f.contentDocument && f.contentDocument.readyState === 'complete'; })";

/// Wait for the harness and its frames to load: two minutes at most, as a loaded machine
/// (the other browser tests beside this one) may take a while over thirty pages.
fn loaded(tab: &headless_chrome::Tab, harness: &Path) {
    let start = std::time::Instant::now();
    while tab.evaluate(LOADED, false).ok().and_then(|r| r.value) != Some(Value::Bool(true)) {
        assert!(start.elapsed().as_secs() < 120, "{} did not load in two minutes", harness.display());
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// Measures every frame: the page scrolls sideways when its document is wider than the
/// frame; then names what sticks out past the right edge, leaving out what stands inside
/// a box that scrolls by itself.
const MEASURE: &str = r#"
(function () {
  function scrolls(el) {
    for (var p = el.parentElement; p; p = p.parentElement) {
      var o = getComputedStyle(p).overflowX;
      if (o === 'auto' || o === 'scroll' || o === 'hidden') return true;
    }
    return false;
  }
  function describe(el) {
    var s = el.tagName.toLowerCase();
    if (el.id) s += '#' + el.id;
    if (typeof el.className === 'string' && el.className.trim()) s += '.' + el.className.trim().split(/\s+/).join('.');
    return s;
  }
  var out = [];
  document.querySelectorAll('iframe').forEach(function (f) {
    var r = { page: f.getAttribute('src') };
    out.push(r);
    var d = f.contentDocument;
    if (!d || !d.documentElement) { r.error = 'no document'; return; }
    var de = d.documentElement;
    r.scrollWidth = de.scrollWidth; r.clientWidth = de.clientWidth;
    if (r.scrollWidth > r.clientWidth) {
      r.sticking = [];
      d.querySelectorAll('body *').forEach(function (el) {
        var b = el.getBoundingClientRect();
        if (b.right > de.clientWidth + 0.5 && !scrolls(el) && r.sticking.length < 5) r.sticking.push(describe(el) + ' → ' + Math.round(b.right));
      });
    }
  });
  return JSON.stringify(out);
})()
"#;

/// The pages measured: every HTML page of the site but redirects (which show nothing
/// before they lead to a page that is itself measured), and of the pages made from one
/// template many times over, a sample. Item pages, current and frozen, are one template
/// over rows of one kind, and they are most of a site (the seed has some 700 of each):
/// what makes one wider than another is its text. So every sixteenth current item (項番
/// divisible by 16) and every thirtieth frozen one are measured, and with them the 24 items
/// whose pages hold the most text, where a long name, description or vendor list would
/// stick out first. Of the phase, vendor and subsystem pages every second is measured, and
/// of the frozen ones (the same templates under a banner) every sixth; every other page is.
fn pages(root: &Path) -> Vec<String> {
    let redirect = |p: &Path| fs::read_to_string(p).is_ok_and(|t| t.contains("http-equiv=\"refresh\""));
    let all: Vec<(String, u64)> = walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.path().extension().is_some_and(|x| x == "html") && !e.file_name().to_string_lossy().starts_with("__")
        })
        .filter(|e| !redirect(e.path()))
        .map(|e| {
            let path = e.path().strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
            (path, e.metadata().unwrap().len())
        })
        .collect();
    let mut items: Vec<&(String, u64)> = all.iter().filter(|(p, _)| item_no(p).is_some()).collect();
    items.sort_by_key(|(p, size)| (std::cmp::Reverse(*size), p.clone()));
    let fullest: std::collections::HashSet<&str> = items.iter().take(24).map(|(p, _)| p.as_str()).collect();
    let listed = |p: &str| ["phases/", "vendors/", "subsystems/"].iter().any(|l| p.contains(l));
    let mut pages: Vec<String> = all.iter().map(|(p, _)| p.clone()).collect();
    pages.sort();
    let (mut current, mut frozen) = (0, 0);
    pages.retain(|p| match item_no(p) {
        None if listed(p) && p.starts_with("rev/") => {
            frozen += 1;
            frozen % 6 == 1
        }
        None if listed(p) => {
            current += 1;
            current % 2 == 1
        }
        None => true,
        Some((frozen, no)) => no % if frozen { 30 } else { 16 } == 0 || fullest.contains(p.as_str()),
    });
    pages
}

/// Whether `path` is an item page, of a released revision or not, and its 項番.
fn item_no(path: &str) -> Option<(bool, u32)> {
    let (frozen, rest) = match path.strip_prefix("rev/") {
        Some(rest) => (true, rest.split_once('/')?.1),
        None => (false, path),
    };
    let no = rest.strip_prefix("items/")?.strip_suffix("/index.html")?;
    Some((frozen, no.parse().ok()?))
}

/// The pages that scroll sideways at a phone's or a desktop's width, with what sticks out.
fn overflowing(root: &Path) -> (usize, Vec<String>) {
    // The harness reads its frames' documents, which file:// allows only when asked.
    let chrome = driven_with(&[
        "--allow-file-access-from-files",
        "--hide-scrollbars",
        "--disable-site-isolation-trials",
        "--disable-features=IsolateOrigins,site-per-process",
    ]);
    let tab = chrome.browser.new_tab().unwrap();
    let all = pages(root);
    let mut problems = Vec::new();
    for (i, chunk) in all.chunks(PAGES_PER_LOAD).enumerate() {
        let mut html = String::from(
            "<!DOCTYPE html><html lang=\"ja\"><head><meta charset=\"utf-8\"><title>screens</title></head><body>\n",
        );
        for page in chunk {
            for width in WIDTHS {
                html.push_str(&format!("<iframe src=\"{page}\" width=\"{width}\" height=\"800\" style=\"border:0;display:block\"></iframe>\n"));
            }
        }
        html.push_str("</body></html>\n");
        let harness = root.join(format!("__screens-{i}.html"));
        fs::write(&harness, html).unwrap();
        tab.navigate_to(&file_url(&harness)).unwrap();
        loaded(&tab, &harness);
        let measured = tab.evaluate(MEASURE, false).unwrap().value.expect("a measurement");
        let frames: Vec<Value> = serde_json::from_str(measured.as_str().unwrap()).unwrap();
        assert_eq!(frames.len(), chunk.len() * WIDTHS.len(), "every frame measured");
        for (f, width) in frames.into_iter().zip(WIDTHS.iter().cycle()) {
            assert!(f.get("error").is_none(), "{}: {}", f["page"], f["error"]);
            assert_eq!(f["clientWidth"], *width, "{}: the frame is {} wide", f["page"], f["clientWidth"]);
            if f["scrollWidth"].as_u64() > f["clientWidth"].as_u64() {
                problems.push(format!("{} at {width}px is {} wide: {}", f["page"], f["scrollWidth"], f["sticking"]));
            }
        }
        fs::remove_file(&harness).unwrap();
    }
    (all.len(), problems)
}

#[test]
fn no_page_of_the_site_scrolls_sideways_on_a_phone_or_a_desktop() {
    let (pages, problems) = overflowing(site());
    assert!(pages > 120, "{pages} pages walked");
    assert!(problems.is_empty(), "{} page(s) scroll sideways:\n{}", problems.len(), problems.join("\n"));
}

/// The same on a generated table: three heading levels, many vendors, long names.
#[test]
fn no_page_of_a_generated_site_scrolls_sideways() {
    let project = target_tmp().join("screens-gen");
    if project.exists() {
        fs::remove_dir_all(&project).unwrap();
    }
    let rolesite = |args: &[&str]| {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_rolesite")).args(args).output().unwrap();
        assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
    };
    rolesite(&["gen", project.to_str().unwrap(), "--items", "300", "--vendors", "25", "--seed", "3"]);
    rolesite(&["build", "-q", project.to_str().unwrap()]);
    let problems = overflowing(&project.join("out")).1;
    assert!(problems.is_empty(), "{} page(s) scroll sideways:\n{}", problems.len(), problems.join("\n"));
}

/// What a page looks like as print media lays it out, at `width` CSS pixels: `expression`
/// evaluated there.
fn printed(page: &str, width: u32, expression: &str) -> Value {
    let chrome = crate::common::chromium::driven();
    let tab = chrome.browser.new_tab().unwrap();
    tab.set_bounds(headless_chrome::types::Bounds::Normal {
        left: Some(0),
        top: Some(0),
        width: Some(f64::from(width)),
        height: Some(1000.0),
    })
    .unwrap();
    tab.navigate_to(&file_url(&site().join(page))).unwrap().wait_until_navigated().unwrap();
    tab.call_method(headless_chrome::protocol::cdp::Emulation::SetEmulatedMedia {
        media: Some("print".into()),
        features: None,
    })
    .unwrap();
    let value = tab.evaluate(expression, false).unwrap().value.expect("a value");
    serde_json::from_str(value.as_str().unwrap()).unwrap()
}

/// A3 landscape holds 1,062 CSS pixels of height inside its 8 mm margins (96 px to 25.4 mm).
const A3_LANDSCAPE: (f64, f64) = (1524.0, 1062.0);

/// On paper the matrix starts with its key: the legend of the marks and every vendor's
/// short name beside its full name, on the first page; its header row repeats on every
/// page; and no sentence meant for a screen (hover, scroll) is printed.
#[test]
fn the_matrix_prints_its_key_on_the_first_page_and_its_header_on_every_page() {
    let layout = printed(
        "matrix/index.html",
        A3_LANDSCAPE.0 as u32,
        "JSON.stringify((function () { \
           var key = document.querySelector('.grid-key'), dl = key && key.querySelector('.vendor-key dl'); \
           var table = document.querySelector('table.grid'); \
           var visible = function (e) { return e && getComputedStyle(e).display !== 'none' && e.getBoundingClientRect().height > 0; }; \
           return { key: visible(key), names: dl ? dl.querySelectorAll('dt').length : 0, keyBottom: key ? key.getBoundingClientRect().bottom + scrollY : 1e9, \
             legend: key ? key.innerText : '', thead: getComputedStyle(table.tHead).display, \
             text: document.querySelector('main').innerText, vendors: table.querySelectorAll('thead th.v').length - 1 }; })())",
    );
    assert_eq!(layout["key"], true, "{layout}");
    assert_eq!(layout["names"], layout["vendors"], "a short name for every vendor column: {layout}");
    assert!(layout["keyBottom"].as_f64().unwrap() < A3_LANDSCAPE.1, "the key ends on the first page: {layout}");
    let legend = layout["legend"].as_str().unwrap();
    for mark in ["◎ 主担当", "○ 協力", "要確認", "不明"] {
        assert!(legend.contains(mark), "the legend names {mark}: {legend}");
    }
    assert_eq!(layout["thead"], "table-header-group", "the header repeats on every printed page");
    let text = layout["text"].as_str().unwrap();
    assert!(!text.contains("ポイント") && !text.contains("スクロール"), "no screen-only sentence is printed");
}

/// The home page prints on A3 landscape with its load map on the first page, right under
/// the title, at a size a reader can read (no half-empty first page before it).
#[test]
fn the_home_page_prints_its_chart_on_the_first_page() {
    let layout = printed(
        "index.html",
        A3_LANDSCAPE.0 as u32,
        "JSON.stringify((function () { var s = document.querySelector('#loadmap svg').getBoundingClientRect(); \
           var w = +document.querySelector('#loadmap svg').getAttribute('width'); \
           return { bottom: s.bottom + scrollY, scale: s.width / w }; })())",
    );
    assert!(layout["bottom"].as_f64().unwrap() < A3_LANDSCAPE.1, "the map ends on the first page: {layout}");
    // Its 12 px text printed at no less than 60 %: about 5.5 pt on A3, as the numbers of a
    // table are.
    assert!(layout["scale"].as_f64().unwrap() >= 0.6, "the map is printed too small: {layout}");
}

/// On a phone the matrix scrolls sideways in its box while 項番 and 作業項目 stay in view,
/// and ◎ stands out from ○ by weight and size (in black and white too).
#[test]
fn on_a_phone_the_matrix_keeps_its_row_labels_in_view_and_marks_primary_apart() {
    let chrome = crate::common::chromium::driven();
    let tab = chrome.browser.new_tab().unwrap();
    tab.set_bounds(headless_chrome::types::Bounds::Normal {
        left: Some(0),
        top: Some(0),
        width: Some(360.0),
        height: Some(800.0),
    })
    .unwrap();
    tab.navigate_to(&file_url(&site().join("matrix/index.html"))).unwrap().wait_until_navigated().unwrap();
    let measured = tab
        .evaluate(
            "JSON.stringify((function () { var box = document.querySelector('.table-scroll'); box.scrollLeft = 400; \
               var left = box.getBoundingClientRect().left + box.clientLeft; \
               var no = document.querySelector('table.grid tbody td.no'), name = document.querySelector('table.grid tbody th.name'); \
               var p = getComputedStyle(document.querySelector('table.grid tbody td.p')); \
               var c = Array.from(document.querySelectorAll('table.grid tbody td:not(.no)')).find(function (t) { return t.textContent.indexOf('○') === 0; }); \
               c = getComputedStyle(c); \
               return { scrolled: box.scrollLeft, no: no.getBoundingClientRect().left - left, \
                 name: name.getBoundingClientRect().left - no.getBoundingClientRect().right, \
                 weights: [p.fontWeight, c.fontWeight], sizes: [parseFloat(p.fontSize), parseFloat(c.fontSize)] }; })())",
            false,
        )
        .unwrap()
        .value
        .unwrap();
    let m: Value = serde_json::from_str(measured.as_str().unwrap()).unwrap();
    assert!(m["scrolled"].as_f64().unwrap() > 300.0, "the grid scrolls sideways in its box: {m}");
    assert!(m["no"].as_f64().unwrap().abs() <= 2.0, "項番 stays at the box's left edge: {m}");
    assert!(m["name"].as_f64().unwrap().abs() <= 2.0, "作業項目 stays beside it: {m}");
    let weights: Vec<u32> =
        m["weights"].as_array().unwrap().iter().map(|w| w.as_str().unwrap().parse().unwrap()).collect();
    assert!(weights[0] >= 700 && weights[1] < 700, "◎ in bold, ○ not: {m}");
    let sizes: Vec<f64> = m["sizes"].as_array().unwrap().iter().map(|s| s.as_f64().unwrap()).collect();
    assert!(sizes[0] > sizes[1], "◎ larger than ○: {m}");
}

/// On a phone the navigation folds away (a disclosure that needs no script), so a page's
/// own content starts in the first screen; the breadcrumbs name each heading with its 項番,
/// since names repeat (総合テスト › 総合テスト); the charts' words stay inside them: no bar's
/// number is cut off, and the load map's column names are written level, not turned.
#[test]
fn a_phone_sees_content_first_and_charts_whole() {
    let chrome = crate::common::chromium::driven();
    let tab = chrome.browser.new_tab().unwrap();
    tab.set_bounds(headless_chrome::types::Bounds::Normal {
        left: Some(0),
        top: Some(0),
        width: Some(390.0),
        height: Some(844.0),
    })
    .unwrap();
    let open = |page: &str| tab.navigate_to(&file_url(&site().join(page))).unwrap().wait_until_navigated().unwrap();
    let eval = |js: &str| -> Value {
        serde_json::from_str(tab.evaluate(js, false).unwrap().value.unwrap().as_str().unwrap()).unwrap()
    };
    open("items/704/index.html");
    let m = eval(
        "JSON.stringify({ h1: document.querySelector('h1').getBoundingClientRect().top, \
           menu: document.querySelector('.site-nav ul').checkVisibility(), menuH: document.querySelector('.site-nav ul').getBoundingClientRect().height, \
           crumbs: Array.from(document.querySelectorAll('.breadcrumb a')).map(function (a) { return a.textContent; }) })",
    );
    assert!(m["h1"].as_f64().unwrap() < 400.0, "the page's heading starts in the first screen: {m}");
    assert_eq!(m["menu"], false, "the navigation is folded on a phone: {m}");
    assert_eq!(m["crumbs"], serde_json::json!(["696 総合テスト", "697 総合テスト"]), "{m}");
    tab.find_element(".nav-menu > summary").unwrap().click().unwrap();
    let opened = eval("JSON.stringify(document.querySelector('.site-nav ul').getBoundingClientRect().height)");
    assert!(opened.as_f64().unwrap() > 200.0, "the menu opens when asked: {opened}");

    open("vendors/mhlw-jps/index.html");
    let bars = eval(
        "JSON.stringify(Array.from(document.querySelectorAll('figure.bars svg')).map(function (s) { \
           var w = +s.getAttribute('width'), r = s.getBoundingClientRect(); \
           return Array.from(s.querySelectorAll('text')).map(function (t) { var b = t.getBBox(); return b.x + b.width - w; }); }))",
    );
    let over: Vec<f64> = bars
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s.as_array().unwrap().iter().map(|v| v.as_f64().unwrap()))
        .collect();
    assert!(!over.is_empty() && over.iter().all(|o| *o <= 0.5), "a bar's words stand outside its picture: {over:?}");

    open("index.html");
    let columns = eval(
        "JSON.stringify(Array.from(document.querySelectorAll('figure.loadmap g.col')).map(function (g) { \
           var t = g.querySelector('text'); return { turned: (g.getAttribute('transform') || '').indexOf('rotate') >= 0, \
           shown: Array.from(t.querySelectorAll('tspan')).map(function (s) { return s.textContent; }).join(''), \
           name: t.querySelector('title').textContent }; }))",
    );
    for c in columns.as_array().unwrap() {
        assert_eq!(c["turned"], false, "{c}");
        let (shown, name) = (c["shown"].as_str().unwrap(), c["name"].as_str().unwrap().replace(' ', ""));
        let whole = shown == name;
        let cut = shown.ends_with('…') && name.starts_with(shown.trim_end_matches('…'));
        assert!(whole || cut, "a column's name is shown whole, or cut only where it does not fit: {c}");
    }
}
