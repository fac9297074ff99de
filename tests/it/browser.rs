//! The built seed site, opened from file:// in headless Chromium.
//!
//! These tests need Chromium and a Japanese font (Debian's `chromium` and
//! `fonts-noto-cjk`; `.ci/test` installs both). Without them they fail with a
//! message saying so: they never skip. Set `ROLESITE_CHROMIUM` to use another
//! Chromium binary.
//!
//! The site is built once per test run into `target/tmp/browser-site/`, and
//! the screenshots are kept in `target/screenshots/` for a person to look at.
//!
//! The same site, and a generated one, are also held to the W3C Nu HTML checker
//! (`vnu.jar`, pinned and fetched by `.ci/test`; it needs Java): no error on any page.

mod screens;

use crate::common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::thread;
use std::time::Duration;

use scraper::{Html, Selector};
use serde_json::Value;

/// Flags these tests add to every run: screenshots without scroll bars, at 1 px per px.
const VIEW_FLAGS: &[&str] = &["--hide-scrollbars", "--force-device-scale-factor=1"];

/// One Chromium run that takes longer than this is killed and fails its test.
const CHROMIUM_TIMEOUT: Duration = Duration::from_secs(90);

/// The pages these tests look at: (screenshot name, path in the site).
const PAGES: &[(&str, &str)] = &[
    ("home", "index.html"),
    ("item-704", "items/704/index.html"),
    ("vendor-dev-main", "vendors/dev-main/index.html"),
    ("phase-697", "phases/697/index.html"),
    ("matrix", "matrix/index.html"),
];

/// Window sizes: a desktop and a narrow phone.
const WIDE: (u32, u32) = (1280, 1600);
const NARROW: (u32, u32) = (360, 1400);

// ---------------------------------------------------------------------------
// the site, the browser and running it

fn target_tmp() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
}

/// Builds the seed site once for all tests of this file.
fn site() -> &'static Path {
    static SITE: OnceLock<PathBuf> = OnceLock::new();
    SITE.get_or_init(|| {
        let out = target_tmp().join("browser-site");
        if out.exists() {
            fs::remove_dir_all(&out).unwrap_or_else(|e| panic!("removing {}: {e}", out.display()));
        }
        let result = Command::new(env!("CARGO_BIN_EXE_rolesite"))
            .arg("build")
            .arg(env!("CARGO_MANIFEST_DIR"))
            .arg("-o")
            .arg(&out)
            .arg("-q")
            .output()
            .expect("running rolesite build");
        assert!(
            result.status.success(),
            "rolesite build failed ({}):\n{}{}",
            result.status,
            String::from_utf8_lossy(&result.stdout),
            String::from_utf8_lossy(&result.stderr)
        );
        assert!(out.join("index.html").is_file(), "rolesite build wrote no index.html");
        out
    })
}

use common::chromium::file_url;

fn page_url(page: &str) -> String {
    file_url(&site().join(page))
}

/// Runs Chromium once with a fresh profile and returns its standard output.
/// Panics (failing the test) when it cannot start, fails or hangs.
fn run_chromium(args: &[String], url: &str) -> String {
    let mut all: Vec<String> = VIEW_FLAGS.iter().map(|f| f.to_string()).collect();
    all.extend_from_slice(args);
    let run = common::chromium::run(&all, url, CHROMIUM_TIMEOUT);
    let tail = || {
        let lines: Vec<&str> = run.stderr.lines().filter(|l| !l.contains("dbus")).collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    };
    match run.status {
        None => panic!("chromium {args:?} {url} did not finish in {CHROMIUM_TIMEOUT:?}; stderr:\n{}", tail()),
        Some(s) if !s.success() => panic!("chromium {args:?} {url} failed ({s}); stderr:\n{}", tail()),
        Some(_) => run.stdout,
    }
}

/// Runs `jobs` on up to `workers` threads and returns their results in the
/// order of the list. A job's panic is re-raised here with its own message.
fn in_parallel<T: Send, R: Send>(jobs: Vec<T>, workers: usize, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;
    let jobs: Vec<Mutex<Option<T>>> = jobs.into_iter().map(|j| Mutex::new(Some(j))).collect();
    let results: Vec<Mutex<Option<thread::Result<R>>>> = jobs.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    thread::scope(|scope| {
        for _ in 0..workers.max(1) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(slot) = jobs.get(i) else { break };
                let job = slot.lock().unwrap().take().unwrap();
                let r = catch_unwind(AssertUnwindSafe(|| f(job)));
                *results[i].lock().unwrap() = Some(r);
            });
        }
    });
    results
        .into_iter()
        .map(|r| match r.into_inner().unwrap().unwrap() {
            Ok(r) => r,
            Err(panic) => resume_unwind(panic),
        })
        .collect()
}

// ---------------------------------------------------------------------------
// (a) screenshots

/// Width and height from a PNG's IHDR chunk.
fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    if bytes.len() < 24 || &bytes[..8] != b"\x89PNG\r\n\x1a\n" || &bytes[12..16] != b"IHDR" {
        return None;
    }
    let w = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let h = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    Some((w, h))
}

fn screenshot(url: &str, (w, h): (u32, u32), file: &Path) -> Vec<u8> {
    let _ = fs::remove_file(file);
    run_chromium(&[format!("--screenshot={}", file.display()), format!("--window-size={w},{h}")], url);
    fs::read(file).unwrap_or_else(|e| panic!("chromium wrote no screenshot {}: {e}", file.display()))
}

#[test]
fn screenshots_of_the_main_pages_are_full_size_and_not_blank() {
    let dir = target_tmp().join("..").join("screenshots");
    fs::create_dir_all(&dir).unwrap();
    let dir = dir.canonicalize().unwrap();

    let mut jobs: Vec<(String, String, (u32, u32))> = Vec::new();
    for size in [WIDE, NARROW] {
        jobs.push((format!("about-blank-{}", size.0), "about:blank".to_string(), size));
        for (name, page) in PAGES {
            jobs.push((format!("{name}-{}", size.0), page_url(page), size));
        }
    }
    let shots = in_parallel(jobs, 3, |(name, url, size)| {
        let file = dir.join(format!("{name}.png"));
        let bytes = screenshot(&url, size, &file);
        (name, size, file, bytes)
    });

    let blank_len = |width: u32| {
        shots.iter().find(|(name, ..)| *name == format!("about-blank-{width}")).map(|(.., bytes)| bytes.len()).unwrap()
    };
    let mut problems = Vec::new();
    for (name, size, file, bytes) in &shots {
        match png_size(bytes) {
            Some(got) if got == *size => {}
            got => problems.push(format!("{}: PNG size {got:?}, expected {size:?}", file.display())),
        }
        if name.starts_with("about-blank") {
            continue;
        }
        // A blank or single-colour page compresses to a few KB, like about:blank;
        // a page of Japanese text and tables is tens of KB at least.
        let floor = (blank_len(size.0) * 4).max(20_000);
        if bytes.len() < floor {
            problems.push(format!(
                "{}: only {} bytes (about:blank at this size is {}): the page looks blank",
                file.display(),
                bytes.len(),
                blank_len(size.0)
            ));
        }
    }
    assert!(problems.is_empty(), "screenshot problems:\n{}", problems.join("\n"));
    eprintln!("screenshots in {}", dir.display());
}

// ---------------------------------------------------------------------------
// (b) the page as loaded from file://

#[test]
fn item_page_opened_from_file_url_shows_its_content() {
    let dom = run_chromium(&["--dump-dom".to_string()], &page_url("items/704/index.html"));
    let doc = Html::parse_document(&dom);
    let sel = |s: &str| Selector::parse(s).unwrap();
    let text = |s: &str| {
        doc.select(&sel(s))
            .next()
            .map(|e| e.text().collect::<String>())
            .unwrap_or_else(|| panic!("no {s} in the DOM chromium loaded from file://:\n{dom}"))
    };
    let h1 = text("h1");
    assert!(h1.contains("項番704"), "h1 is {h1:?}, expected it to contain 項番704");
    assert!(h1.contains("総合テスト実施"), "h1 is {h1:?}, expected the item's name");
    let rows: Vec<_> = doc.select(&sel("table.roles tbody tr")).collect();
    assert!(rows.len() >= 2, "roles table has {} rows, expected the item's vendors", rows.len());
    let first = rows[0].text().collect::<String>();
    assert!(first.contains("主担当"), "first role row is {first:?}, expected the primary (主担当)");
    let vendor_link = rows[0].select(&sel("a")).next().and_then(|a| a.value().attr("href")).unwrap_or_default();
    assert_eq!(vendor_link, "../../vendors/dev-main/index.html");
}

// ---------------------------------------------------------------------------
// (c) printing

/// Every `/MediaBox [x0 y0 x1 y1]` in a PDF, as (width, height) in points.
/// Chromium's PDFs (Skia) keep page dictionaries uncompressed, so a plain
/// scan of the bytes finds them; the test fails if it finds none.
fn pdf_media_boxes(pdf: &[u8]) -> Vec<(f64, f64)> {
    let key = b"/MediaBox";
    let mut boxes = Vec::new();
    let mut i = 0;
    while let Some(pos) = pdf[i..].windows(key.len()).position(|w| w == key) {
        let start = i + pos + key.len();
        i = start;
        let rest = &pdf[start..pdf.len().min(start + 200)];
        let Some(open) = rest.iter().position(|&b| b == b'[') else { continue };
        if !rest[..open].iter().all(u8::is_ascii_whitespace) {
            continue; // an indirect reference, not an inline array
        }
        let Some(close) = rest.iter().position(|&b| b == b']') else { continue };
        let nums: Vec<f64> = String::from_utf8_lossy(&rest[open + 1..close])
            .split_ascii_whitespace()
            .filter_map(|n| n.parse().ok())
            .collect();
        if let [x0, y0, x1, y1] = nums[..] {
            boxes.push((x1 - x0, y1 - y0));
        }
    }
    boxes
}

fn print_pdf(page: &str, file: &Path) -> Vec<u8> {
    let _ = fs::remove_file(file);
    run_chromium(
        &[format!("--print-to-pdf={}", file.display()), "--no-pdf-header-footer".to_string()],
        &page_url(page),
    );
    fs::read(file).unwrap_or_else(|e| panic!("chromium wrote no PDF {}: {e}", file.display()))
}

fn assert_page_size(what: &str, boxes: &[(f64, f64)], (w, h): (f64, f64), name: &str) {
    assert!(!boxes.is_empty(), "{what}: no /MediaBox found in the PDF");
    for (i, &(bw, bh)) in boxes.iter().enumerate() {
        assert!(
            (bw - w).abs() <= 2.0 && (bh - h).abs() <= 2.0,
            "{what}: page {} is {bw:.2} x {bh:.2} pt, expected {name} ({w} x {h} pt); all pages: {boxes:?}",
            i + 1
        );
    }
}

#[test]
fn the_matrix_and_home_print_on_a3_landscape_and_other_pages_on_a4_portrait() {
    let dir = target_tmp().join("browser-pdf");
    fs::create_dir_all(&dir).unwrap();
    let mut pdfs = in_parallel(vec!["matrix/index.html", "index.html", "items/704/index.html"], 2, |page| {
        let name = page.replace('/', "_").replace(".html", ".pdf");
        print_pdf(page, &dir.join(name))
    });
    let item = pdf_media_boxes(&pdfs.pop().unwrap());
    let home = pdf_media_boxes(&pdfs.pop().unwrap());
    let matrix = pdf_media_boxes(&pdfs.pop().unwrap());
    assert_page_size("matrix/index.html", &matrix, (1190.55, 841.89), "A3 landscape");
    assert!(matrix.len() > 1, "the whole matrix printed on {} page(s)", matrix.len());
    // The home page's load map is as wide as the table has top headings.
    assert_page_size("index.html", &home, (1190.55, 841.89), "A3 landscape");
    assert_page_size("items/704/index.html", &item, (595.28, 841.89), "A4 portrait");
}

#[test]
fn pdf_media_box_scan_reads_inline_arrays_only() {
    let pdf = b"1 0 obj <</Type /Page /MediaBox [0 0 1191.12 841.91998]>>\n\
                2 0 obj <</MediaBox 7 0 R>>\n3 0 obj <</MediaBox[ 10 20 605.28 861.89 ]>>";
    assert_eq!(pdf_media_boxes(pdf), vec![(1191.12, 841.91998), (595.28, 841.89)]);
    assert_eq!(pdf_media_boxes(b"%PDF-1.4 no boxes"), vec![]);
}

// ---------------------------------------------------------------------------
// (d) layout, measured inside the browser

/// One page loaded into a harness iframe of a given size.
struct Frame {
    page: &'static str,
    size: (u32, u32),
}

const FRAMES: &[Frame] = &[
    Frame { page: "index.html", size: NARROW },
    Frame { page: "items/704/index.html", size: NARROW },
    Frame { page: "vendors/dev-main/index.html", size: NARROW },
    Frame { page: "phases/697/index.html", size: NARROW },
    Frame { page: "matrix/index.html", size: NARROW },
    Frame { page: "index.html", size: WIDE },
    Frame { page: "items/704/index.html", size: WIDE },
    Frame { page: "vendors/dev-main/index.html", size: WIDE },
    Frame { page: "phases/697/index.html", size: WIDE },
    Frame { page: "matrix/index.html", size: WIDE },
];

/// Measures each frame after load and writes the results as JSON into
/// `<pre id="result">`, which `--dump-dom` then prints.
const HARNESS_SCRIPT: &str = r#"
function describe(el) {
  var s = el.tagName.toLowerCase();
  if (el.id) s += '#' + el.id;
  if (typeof el.className === 'string' && el.className) s += '.' + el.className.trim().split(/\s+/).join('.');
  return s;
}
function measure(frame) {
  var r = { src: frame.getAttribute('src'), width: frame.width | 0 };
  try {
    var w = frame.contentWindow, d = frame.contentDocument, de = d.documentElement;
    r.title = d.title;
    r.scrollWidth = de.scrollWidth; r.clientWidth = de.clientWidth;
    r.scrollHeight = de.scrollHeight; r.clientHeight = de.clientHeight;
    var footer = d.querySelector('.site-footer');
    r.footerBottom = footer ? footer.getBoundingClientRect().bottom + w.scrollY : null;
    // stylesheets must have loaded from file://
    r.sheets = [];
    d.querySelectorAll('link[rel~="stylesheet"]').forEach(function (l) {
      var rules = -1;
      try { rules = l.sheet ? l.sheet.cssRules.length : -1; } catch (e) { rules = -2; }
      r.sheets.push({ href: l.getAttribute('href'), rules: rules });
    });
    // what sticks out to the right of the viewport, for the failure message:
    // anything outside the scroll box, or positioned so that it escapes it
    r.overflowing = [];
    d.querySelectorAll('body *').forEach(function (el) {
      var b = el.getBoundingClientRect();
      if (b.width === 0 && b.height === 0) return;
      if (b.right <= de.clientWidth + 0.5 && b.bottom + w.scrollY <= Math.max(de.clientHeight, r.footerBottom || 0) + 0.5) return;
      var inside = el.parentElement && el.parentElement.closest('.table-scroll');
      var pos = w.getComputedStyle(el).position;
      if (inside && pos !== 'absolute' && pos !== 'fixed') return;
      if (r.overflowing.length < 8) r.overflowing.push(describe(el) + ' (right ' + Math.round(b.right) + ', bottom ' + Math.round(b.bottom + w.scrollY) + ', position ' + pos + ')');
    });
    var sc = d.querySelector('.table-scroll');
    if (sc) {
      var s = { scrollWidth: sc.scrollWidth, clientWidth: sc.clientWidth, scrollHeight: sc.scrollHeight, clientHeight: sc.clientHeight };
      var th = sc.querySelector('thead th');
      if (th && sc.scrollHeight > sc.clientHeight + 300) {
        sc.scrollTop = 300;
        s.stickyOffset = th.getBoundingClientRect().top - (sc.getBoundingClientRect().top + sc.clientTop);
        sc.scrollTop = 0;
      }
      r.scroller = s;
    }
    // kanji must not all render as the same "tofu" box
    var h1 = d.querySelector('h1');
    if (h1) {
      var cs = w.getComputedStyle(h1);
      var canvas = d.createElement('canvas');
      canvas.width = 64; canvas.height = 64;
      var ctx = canvas.getContext('2d');
      var glyph = function (ch) {
        ctx.clearRect(0, 0, 64, 64);
        ctx.font = '48px ' + cs.fontFamily;
        ctx.fillStyle = '#000';
        ctx.fillText(ch, 4, 52);
        var px = ctx.getImageData(0, 0, 64, 64).data, ink = 0, sig = [];
        for (var i = 3; i < px.length; i += 4) { if (px[i] > 127) ink++; sig.push(px[i] > 127 ? 1 : 0); }
        return { ink: ink, sig: sig.join('') };
      };
      var a = glyph('項'), b = glyph('番'), c = glyph('担');
      r.glyphs = { ink: [a.ink, b.ink, c.ink], distinct: a.sig !== b.sig && b.sig !== c.sig && a.sig !== c.sig };
    }
  } catch (e) {
    r.error = String(e);
  }
  return r;
}
window.addEventListener('load', function () {
  var out = [];
  document.querySelectorAll('iframe').forEach(function (f) { out.push(measure(f)); });
  document.getElementById('result').textContent = JSON.stringify(out);
});
"#;

/// Loads every frame of `FRAMES` in one Chromium run and returns what the
/// harness measured, in the order of `FRAMES`.
fn layout() -> &'static [Value] {
    static LAYOUT: OnceLock<Vec<Value>> = OnceLock::new();
    LAYOUT.get_or_init(|| {
        let mut html = String::from(
            "<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\">\
             <title>layout harness</title></head><body>\n",
        );
        for f in FRAMES {
            html.push_str(&format!(
                "<iframe src=\"{}\" width=\"{}\" height=\"{}\" style=\"border:0;display:block\"></iframe>\n",
                f.page, f.size.0, f.size.1
            ));
        }
        html.push_str("<pre id=\"result\"></pre>\n<script>");
        html.push_str(HARNESS_SCRIPT);
        html.push_str("</script>\n</body></html>\n");
        let harness = site().join("__layout_harness.html");
        fs::write(&harness, html).unwrap();
        let dom = run_chromium(
            &[
                "--allow-file-access-from-files".to_string(),
                "--virtual-time-budget=10000".to_string(),
                "--window-size=1400,1000".to_string(),
                "--dump-dom".to_string(),
            ],
            &file_url(&harness),
        );
        let doc = Html::parse_document(&dom);
        let json = doc
            .select(&Selector::parse("pre#result").unwrap())
            .next()
            .map(|e| e.text().collect::<String>())
            .unwrap_or_default();
        let frames: Vec<Value> = serde_json::from_str(&json)
            .unwrap_or_else(|e| panic!("the layout harness reported nothing usable ({e}); DOM:\n{dom}"));
        assert_eq!(frames.len(), FRAMES.len(), "harness measured {json}");
        for (f, v) in FRAMES.iter().zip(&frames) {
            assert!(v.get("error").is_none(), "harness could not measure {}: {v}", f.page);
        }
        frames
    })
}

fn frame(page: &str, size: (u32, u32)) -> &'static Value {
    let i = FRAMES
        .iter()
        .position(|f| f.page == page && f.size == size)
        .unwrap_or_else(|| panic!("{page} at {size:?} is not in FRAMES"));
    &layout()[i]
}

fn num(v: &Value, key: &str) -> f64 {
    v.get(key).and_then(Value::as_f64).unwrap_or_else(|| panic!("harness result has no number {key}: {v}"))
}

/// The document does not scroll sideways, and ends with its footer (nothing
/// invisible below it stretches the page). Returns the problems found.
fn page_fits(page: &str, size: (u32, u32)) -> Vec<String> {
    let v = frame(page, size);
    let mut problems = Vec::new();
    let (sw, cw) = (num(v, "scrollWidth"), num(v, "clientWidth"));
    if cw != f64::from(size.0) {
        problems.push(format!("{page} at {}px: viewport is {cw}px wide", size.0));
    }
    if sw > cw {
        problems.push(format!(
            "{page} at {}px: the document scrolls sideways (scrollWidth {sw} > {cw}); sticking out: {}",
            size.0, v["overflowing"]
        ));
    }
    let (sh, ch) = (num(v, "scrollHeight"), num(v, "clientHeight"));
    let footer = num(v, "footerBottom");
    if sh > ch.max(footer.ceil()) + 1.0 {
        problems.push(format!(
            "{page} at {}px: the document is {sh}px tall but its footer ends at {footer:.0}px; sticking out: {}",
            size.0, v["overflowing"]
        ));
    }
    problems
}

#[test]
fn narrow_pages_do_not_scroll_sideways() {
    let mut problems = Vec::new();
    for page in ["index.html", "items/704/index.html", "vendors/dev-main/index.html"] {
        problems.extend(page_fits(page, NARROW));
        problems.extend(page_fits(page, WIDE));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn grid_pages_scroll_only_inside_the_table_scroll_box() {
    let mut problems = Vec::new();
    for page in ["matrix/index.html", "phases/697/index.html"] {
        problems.extend(page_fits(page, NARROW));
        problems.extend(page_fits(page, WIDE));
    }
    // The matrix is much wider than a phone: its own box must scroll instead.
    let sc = &frame("matrix/index.html", NARROW)["scroller"];
    assert!(sc.is_object(), "matrix has no .table-scroll box");
    if num(sc, "scrollWidth") <= num(sc, "clientWidth") {
        problems.push(format!("matrix at 360px: the .table-scroll box does not scroll sideways: {sc}"));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn matrix_header_sticks_to_the_top_of_its_scroll_box() {
    for size in [WIDE, NARROW] {
        let sc = &frame("matrix/index.html", size)["scroller"];
        let offset = sc
            .get("stickyOffset")
            .and_then(Value::as_f64)
            .unwrap_or_else(|| panic!("matrix at {}px: the .table-scroll box does not scroll down: {sc}", size.0));
        assert!(
            offset.abs() <= 2.0,
            "matrix at {}px: after scrolling the table 300px down, its header row is {offset}px \
             from the top of the box (sticky thead not working)",
            size.0
        );
    }
}

#[test]
fn stylesheet_and_japanese_glyphs_render_from_file_url() {
    for f in FRAMES {
        let v = frame(f.page, f.size);
        let sheets = v["sheets"].as_array().cloned().unwrap_or_default();
        assert!(!sheets.is_empty(), "{}: no stylesheet link", f.page);
        for s in &sheets {
            assert!(
                s["rules"].as_i64().unwrap_or(-1) > 0,
                "{}: stylesheet {} did not load from file:// ({s})",
                f.page,
                s["href"]
            );
        }
        let glyphs = &v["glyphs"];
        let inked = glyphs["ink"].as_array().is_some_and(|a| a.iter().all(|n| n.as_u64().unwrap_or(0) > 20));
        assert!(
            inked && glyphs["distinct"] == Value::Bool(true),
            "{}: the kanji 項, 番, 担 do not render as distinct glyphs in the page's font \
             ({glyphs}); is a Japanese font (fonts-noto-cjk) installed?",
            f.page
        );
    }
}

// (e) Nothing fetched from outside the site is covered statically by
// tests/it/site.rs (`no_external_requests_anywhere`,
// `every_internal_link_resolves_and_none_leaves_the_site`).

// ---------------------------------------------------------------------------
// valid HTML

/// The Nu HTML checker, as `.ci/test` fetches it (a pinned version); `ROLESITE_VNU`
/// overrides. Fails, never skips, when it is missing.
fn vnu_jar() -> PathBuf {
    let jar = std::env::var_os("ROLESITE_VNU")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-deps/vnu/vnu.jar"));
    assert!(
        jar.is_file(),
        "{}: missing. The HTML validity test needs the W3C Nu HTML checker (npm package vnu-jar) \
         and Java: run `.ci/test`, which fetches the pinned version, or set ROLESITE_VNU to a vnu.jar.",
        jar.display()
    );
    jar
}

/// The checker's errors on every `.html` file among `paths` (files, or folders it walks),
/// one per line.
fn vnu_errors(dirs: &[&Path]) -> Vec<String> {
    let jar = vnu_jar();
    let run = Command::new("java")
        .arg("-jar")
        .arg(&jar)
        .args(["--skip-non-html", "--errors-only"])
        .args(dirs)
        .output()
        .unwrap_or_else(|e| {
            panic!("running java -jar {}: {e}. Is Java installed (`.ci/test` installs it)?", jar.display())
        });
    // It writes its messages to stderr and exits with 1 when there are any.
    let errors: Vec<String> = String::from_utf8_lossy(&run.stderr).lines().map(str::to_string).collect();
    assert!(run.status.success() || !errors.is_empty(), "the checker failed ({}) without a message", run.status);
    errors
}

#[test]
fn every_page_of_the_seed_and_of_a_generated_site_is_valid_html() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("gen");
    crate::common::generated(&project, 400, 8);
    // Build `project` into `out`, which must succeed.
    let build = |project: &Path, out: &Path| {
        let mut run = Command::new(env!("CARGO_BIN_EXE_rolesite"));
        let done = run.args(["build", "-q"]).arg(project).arg("-o").arg(out).output().unwrap();
        assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stderr));
    };
    let generated = dir.path().join("gen-out");
    build(&project, &generated);
    // A table with another legend: four kinds of role and cells holding two, which draw
    // more bands, bars and patterns than ◎/○ do.
    let raci = dir.path().join("raci");
    fs::create_dir_all(raci.join("seeds")).unwrap();
    fs::write(raci.join("seeds/vendors.csv"), "id,name\nowner,発注者\ndev,開発業者\nops,運用業者\n").unwrap();
    let rows =
        "項番,階層,作業項目,owner,dev,ops,作業内容\n1,1,計画,,,,\n2,,計画書,A/R,C,I,\n3,,設計,A,R,C,\n4,,判定,C,I,,\n";
    fs::write(raci.join("seeds/roles.csv"), rows).unwrap();
    let roles = ["R", "A", "C", "I"].map(|r| format!("[[roles]]\nsymbol = \"{r}\"\nname = \"役割{r}\"\n")).concat();
    fs::write(raci.join("site.toml"), format!("[legend]\nseveral = true\n\n{roles}")).unwrap();
    let raci_out = dir.path().join("raci-out");
    build(&raci, &raci_out);
    // A table above the split thresholds: its matrix in parts, its repeated names' flag and
    // its vendors' ○ in pages (plan::MATRIX_WHOLE_AT_MOST and LIST_AT_MOST). Their lists
    // and a part of each are checked.
    // Built first without its ◎ and with a subsystem every task names: its unassigned
    // tasks and the subsystem's in pages, and the quality strip's ticks by stretch. Then
    // renamed, ◎ back: the changes page cut, the unassigned pages left as redirects.
    let large = dir.path().join("large");
    crate::common::generated(&large, 5_100, 4);
    let roles = large.join("seeds/roles.csv");
    let generated_roles = fs::read_to_string(&roles).unwrap();
    fs::write(&roles, generated_roles.replace('◎', "")).unwrap();
    fs::write(large.join("seeds/subsystems.csv"), "id,name,aliases\nall,サブシステム,\n").unwrap();
    let large_out = dir.path().join("large-out");
    build(&large, &large_out);
    let first = [
        "quality/index.html",
        "unassigned/index.html",
        "unassigned/0/index.html",
        "subsystems/all/index.html",
        "subsystems/all/1000/index.html",
    ];
    let kept = dir.path().join("large-first");
    for page in first {
        fs::create_dir_all(kept.join(page).parent().unwrap()).unwrap();
        fs::copy(large_out.join(page), kept.join(page)).unwrap();
    }
    fs::write(&roles, generated_roles.replace("サブシステム)", "サブシステム)改")).unwrap();
    build(&large, &large_out);
    let split = [
        "matrix/index.html",
        "matrix/1/index.html",
        "quality/index.html",
        "quality/duplicate-name/0/index.html",
        "vendors/v01/index.html",
        "vendors/v01/cooperating/0/index.html",
        "changes/index.html",
        "unassigned/0/index.html",
    ]
    .map(|page| large_out.join(page))
    .into_iter()
    .chain(first.map(|page| kept.join(page)))
    .collect::<Vec<_>>();
    assert!(split.iter().all(|p| p.is_file()), "the large table's pages are split: {split:?}");
    // A page the checker must reject, so a run that checked nothing cannot pass.
    let control = dir.path().join("control");
    fs::create_dir(&control).unwrap();
    fs::write(
        control.join("bad.html"),
        "<!DOCTYPE html><html lang=\"ja\"><title>x</title><input type=\"search\" role=\"combobox\">",
    )
    .unwrap();
    // A frozen item page is its current twin's template and text under a banner: every
    // tenth is checked (every other frozen page, every current one, all of them).
    let seed: Vec<PathBuf> = walkdir::WalkDir::new(site())
        .into_iter()
        .map(Result::unwrap)
        .map(walkdir::DirEntry::into_path)
        .filter(|p| p.extension().is_some_and(|x| x == "html"))
        .filter(|p| {
            let rel = p.strip_prefix(site()).unwrap().to_string_lossy().replace('\\', "/");
            let frozen_item = rel.strip_prefix("rev/").and_then(|r| r.split_once("/items/")).map(|(_, rest)| rest);
            match frozen_item.and_then(|rest| rest.strip_suffix("/index.html")?.parse::<u32>().ok()) {
                Some(no) => no % 10 == 0,
                None => true,
            }
        })
        .collect();
    assert!(seed.len() > 1000 && seed.iter().any(|p| p.to_string_lossy().contains("/rev/")), "{} pages", seed.len());
    let mut paths: Vec<&Path> = seed.iter().map(PathBuf::as_path).collect();
    paths.extend([generated.as_path(), raci_out.as_path(), control.as_path()]);
    paths.extend(split.iter().map(PathBuf::as_path));
    let errors = vnu_errors(&paths);
    let (caught, site_errors): (Vec<String>, Vec<String>) = errors.into_iter().partition(|e| e.contains("/control/"));
    assert!(!caught.is_empty(), "the checker found nothing wrong in the control page: did it run?");
    assert!(
        site_errors.is_empty(),
        "{} HTML errors, the first:\n{}",
        site_errors.len(),
        site_errors[..site_errors.len().min(30)].join("\n")
    );
}
