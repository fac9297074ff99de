//! Every page of the built site, at a phone's width and a desktop's, in Chromium: nothing
//! scrolls the page sideways. Only a figure or a table inside its own scroll box may be
//! wider than the screen.

use super::{site, target_tmp};
use crate::common::chromium::{driven_with, file_url};
use serde_json::Value;
use std::fs;
use std::path::Path;

/// Pages loaded at once, each in a frame of the screen's width.
const FRAMES_PER_LOAD: usize = 20;

/// Whether the harness and every frame in it have loaded.
const LOADED: &str = "document.readyState === 'complete' && Array.from(document.querySelectorAll('iframe')).every(function (f) { return f.contentDocument && f.contentDocument.readyState === 'complete'; })";

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

/// Every HTML page of the site, by its path; but redirects, which show nothing before they
/// lead to a page that is itself measured.
fn pages(root: &Path) -> Vec<String> {
    let redirect = |p: &Path| fs::read_to_string(p).is_ok_and(|t| t.contains("http-equiv=\"refresh\""));
    let mut pages: Vec<String> = walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "html") && !e.file_name().to_string_lossy().starts_with("__"))
        .filter(|e| !redirect(e.path()))
        .map(|e| e.path().strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/"))
        .collect();
    pages.sort();
    pages
}

/// The pages that scroll sideways at `width`, with what sticks out.
fn overflowing(root: &Path, width: u32) -> (usize, Vec<String>) {
    // The harness reads its frames' documents, which file:// allows only when asked.
    let chrome = driven_with(&["--allow-file-access-from-files", "--hide-scrollbars", "--disable-site-isolation-trials", "--disable-features=IsolateOrigins,site-per-process"]);
    let tab = chrome.browser.new_tab().unwrap();
    let all = pages(root);
    let mut problems = Vec::new();
    for (i, chunk) in all.chunks(FRAMES_PER_LOAD).enumerate() {
        let mut html = String::from("<!DOCTYPE html><html lang=\"ja\"><head><meta charset=\"utf-8\"><title>screens</title></head><body>\n");
        for page in chunk {
            html.push_str(&format!("<iframe src=\"{page}\" width=\"{width}\" height=\"800\" style=\"border:0;display:block\"></iframe>\n"));
        }
        html.push_str("</body></html>\n");
        let harness = root.join(format!("__screens-{width}-{i}.html"));
        fs::write(&harness, html).unwrap();
        tab.navigate_to(&file_url(&harness)).unwrap();
        crate::common::chromium::wait_until(&tab, "the frames to load", LOADED);
        let measured = tab.evaluate(MEASURE, false).unwrap().value.expect("a measurement");
        let frames: Vec<Value> = serde_json::from_str(measured.as_str().unwrap()).unwrap();
        assert_eq!(frames.len(), chunk.len(), "every frame measured");
        for f in frames {
            assert!(f.get("error").is_none(), "{}: {}", f["page"], f["error"]);
            assert_eq!(f["clientWidth"], width, "{}: the frame is {} wide", f["page"], f["clientWidth"]);
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
    let root = site();
    let mut problems = Vec::new();
    for width in [360, 1280] {
        let (pages, found) = overflowing(root, width);
        assert!(pages > 1000, "{pages} pages walked");
        problems.extend(found);
    }
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
    let mut problems = Vec::new();
    for width in [360, 1280] {
        problems.extend(overflowing(&project.join("out"), width).1);
    }
    assert!(problems.is_empty(), "{} page(s) scroll sideways:\n{}", problems.len(), problems.join("\n"));
}
