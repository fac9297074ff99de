//! Injection: a catalogue of XSS vectors placed in every field that reaches HTML — task
//! names, descriptions, heading names, vendor names and short names, subsystem names, the
//! site title, and Markdown pages (front matter title and body) — must come out as text,
//! never as executable markup.
//!
//! Two checks, on two builds of the same scratch project:
//!
//! * Every built `.html` file is parsed (scraper) and searched for anything executable:
//!   `<script>`, `on*` attributes, `javascript:`/`data:`/`vbscript:` URLs, frames, objects,
//!   `<base>`, `<style>`, foreign refreshes. Each vector's text must also come back exactly
//!   as written where it is shown (escaped, not dropped, not evaluated as a template).
//! * Headless Chromium opens every page in a sandboxed iframe of one harness page. Each
//!   vector's payload logs a marker `PWNED-<n>` built at run time (`/PWN/.source+/ED-n/…`,
//!   so the marker never appears literally in any page) and Chromium's console log, on
//!   stderr, is searched for it. The frames are sandboxed without `allow-modals`, so a
//!   stray `alert()` is logged ("Ignored call to 'alert()'") instead of hanging the
//!   headless browser, and counts as a dialog.
//!
//! The detector is shown to bite twice per run: a control frame with a live vector must
//! log `PWNED-CONTROL`, and a second build with `trust_html = true` must run vectors from
//! its Markdown pages (while its data fields stay escaped).
//!
//! Needs Chromium like tests/it/browser.rs (`ROLESITE_CHROMIUM` to use another binary).

use crate::common;

use scraper::{ElementRef, Html, Selector};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

// ---------------------------------------------------------------------------
// the catalogue

/// `(what it tries, the vector)`. In the vector `{P}` stands for the payload of vector
/// number n (1-based), `{N}` for n, `{B64}` for base64 of `<script>{P}</script>`.
///
/// The payloads log instead of calling `alert()`: a dialog blocks headless Chromium's
/// `--dump-dom` until it is killed.
const VECTORS: &[(&str, &str)] = &[
    ("script element", "<script>{P}</script>"),
    ("script element, mixed case with attributes", "<ScRiPt type=text/javascript>{P}</sCrIpT>"),
    ("img onerror", "<img src=# onerror={P}>"),
    ("img onerror, slash separators", "<img/src=\"#\"/onerror={P}>"),
    ("svg onload", "<svg onload={P}>"),
    ("svg onload, unclosed tag", "<svg/onload={P}//"),
    ("script inside svg", "<svg><script>{P}</script></svg>"),
    ("svg animate onbegin", "<svg><animate onbegin={P} attributeName=x dur=1s></svg>"),
    ("svg a xlink:href", "<svg><a xlink:href=\"javascript:{P}\"><text x=20 y=20>x</text></a></svg>"),
    ("iframe src javascript:", "<iframe src=\"javascript:{P}\"></iframe>"),
    ("iframe srcdoc", "<iframe srcdoc=\"&lt;script&gt;{P}&lt;/script&gt;\"></iframe>"),
    ("iframe src data:text/html", "<iframe src=\"data:text/html,<script>{P}</script>\"></iframe>"),
    ("a href javascript:", "<a href=\"javascript:{P}\">x</a>"),
    ("a href JaVaScRiPt:", "<a href=\"JaVaScRiPt:{P}\">x</a>"),
    ("a href &#106;avascript: (decimal entity)", "<a href=\"&#106;avascript:{P}\">x</a>"),
    (
        "a href hex and zero-padded entities without semicolons",
        "<a href=\"&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#0000058{P}\">x</a>",
    ),
    ("a href with control chars, tab, newline, &colon;", "<a href=\" &#14; jav&#x09;a&#x0A;script&colon;{P}\">x</a>"),
    ("a href data:text/html;base64", "<a href=\"data:text/html;base64,{B64}\">x</a>"),
    ("a href vbscript:", "<a href=\"vbscript:{P}\">x</a>"),
    ("body onload", "<body onload={P}>"),
    (
        "style element: @import, url(javascript:), expression()",
        "<style>@import url(javascript:{P});body{background:url(javascript:{P});width:expression({P})}</style>",
    ),
    ("style attribute url(javascript:)", "<div style=\"background-image:url(javascript:{P});width:expression({P})\">x</div>"),
    ("link rel=stylesheet", "<link rel=stylesheet href=\"javascript:{P}\">"),
    ("meta refresh to javascript:", "<meta http-equiv=\"refresh\" content=\"0;url=javascript:{P}\">"),
    ("meta refresh to data:", "<meta http-equiv=refresh content=\"0;url=data:text/html;base64,{B64}\">"),
    ("object data", "<object data=\"javascript:{P}\"></object>"),
    ("embed src data:", "<embed src=\"data:text/html;base64,{B64}\">"),
    ("base href", "<base href=\"javascript:{P}//\">"),
    ("math mi xlink:href", "<math><mi xlink:href=\"javascript:{P}\">x</mi></math>"),
    (
        "math mglyph style (mXSS)",
        "<math><mtext><table><mglyph><style><img src=# onerror={P}></style></mglyph></table></mtext></math>",
    ),
    ("svg style namespace confusion (mXSS)", "<svg></p><style><a id=\"</style><img src=# onerror={P}>\">"),
    ("noscript title breakout (mXSS)", "<noscript><p title=\"</noscript><img src=# onerror={P}>\"></noscript>"),
    (
        "form action and button formaction",
        "<form action=\"javascript:{P}\"><button formaction=\"javascript:{P}\">x</button><input type=submit></form>",
    ),
    ("input autofocus onfocus", "<input autofocus onfocus={P}>"),
    ("details open ontoggle", "<details open ontoggle={P}><summary>x</summary></details>"),
    ("video source onerror", "<video><source onerror={P}></video>"),
    ("audio onerror", "<audio src=# onerror={P}></audio>"),
    ("marquee onstart", "<marquee onstart={P}>x</marquee>"),
    ("unknown element handlers", "<x onclick={P} onmouseover={P} onanimationstart={P}>x</x>"),
    ("image and isindex", "<image src=# onerror={P}><isindex type=image src=# onerror={P}>"),
    ("attribute breakout, double quote", "\"><script>{P}</script>"),
    ("attribute breakout, single quote", "'><img src=# onerror={P}>"),
    ("JS string breakout", "'-{P}-'\";{P};//"),
    ("textarea breakout", "</textarea><script>{P}</script>"),
    ("title breakout", "</title><script>{P}</script>"),
    ("comment breakout", "--><!--<img src=\"--><img src=# onerror={P}>\">"),
    ("CDATA section", "<![CDATA[<script>{P}</script>]]>"),
    ("template injection {{ 7*7 }}", "{{ 7*7 }}"),
    ("template tags {% raw %}", "{% raw %}{{ 7*7 }}{% endraw %}{% if true %}T{% endif %}"),
    ("other template syntaxes", "${7*7} #{7*7} <%= 7*7 %>"),
    ("markdown link javascript:", "[x](javascript:{P})"),
    ("markdown autolink javascript:", "<javascript:{P}>"),
    ("markdown reference link javascript:", "[x][r{N}]\n\n[r{N}]: javascript:{P}"),
    ("markdown image with quotes in alt and title", "![\" onerror={P} x=\"](# \"\\\" onerror={P} x=\\\"\")"),
    ("markdown image javascript:", "![x](javascript:{P})"),
    ("markdown link title breakout", "[x](# \"\\\"onmouseover={P} x=\\\"\")"),
    ("full-width brackets (harmless text)", "＜script＞{P}＜/script＞"),
    ("UTF-7", "+ADw-script+AD4-{P}+ADw-/script+AD4-"),
    (
        "null bytes",
        "<scr\0ipt>{P}</scr\0ipt><img src=# o\0nerror={P}><img src=# onerror\0={P}><iframe src=\"java\0script:{P}\"></iframe>",
    ),
    ("percent-encoded", "%3Cscript%3E{P}%3C/script%3E <iframe src=\"javascript%3A{P}\"></iframe>"),
    ("double-encoded entities", "&lt;script&gt;{P}&lt;/script&gt; &amp;lt;img src=# onerror={P}&amp;gt;"),
    ("unicode line separators around script", "\u{2028}<script>\u{2029}{P}</script>"),
];

fn payload(n: usize) -> String {
    // Built at run time: the marker `PWNED-n` itself appears in no page.
    format!("console.log(/PWN/.source+/ED-{n}/.source)")
}

/// Vector number `n` (1-based), ready to use.
fn vector(n: usize) -> String {
    let p = payload(n);
    VECTORS[n - 1]
        .1
        .replace("{B64}", &base64(format!("<script>{p}</script>").as_bytes()))
        .replace("{P}", &p)
        .replace("{N}", &n.to_string())
}

fn n_of(label: &str) -> usize {
    VECTORS.iter().position(|(l, _)| *l == label).unwrap_or_else(|| panic!("no vector {label:?}")) + 1
}

fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------
// the scratch project and its builds

/// Vector `n` as the tables get it. A table refuses a NUL (`read::text::refuse_nul`), so
/// it gets what a page shows for one, U+FFFD; the Markdown pages keep the NULs.
fn table_text(n: usize) -> String {
    vector(n).replace('\0', "\u{FFFD}")
}

fn csv_cell(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => write!(out, "\\u{:04X}", c as u32).unwrap(),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Row numbers: vector n is the heading `2n-1` (a phase page; `items/2n-1/` redirects)
/// and, under it, the task `2n`, primary for vendor `v<n>`.
fn heading_no(n: usize) -> usize {
    2 * n - 1
}
fn task_no(n: usize) -> usize {
    2 * n
}

/// Vectors left out of the Markdown pages of the `trust_html` build: kept raw, their
/// `href="…"`/`src="…"` are not files of the site (for `comment breakout`, one inside an
/// HTML comment), and the build's link check (src/links.rs) refuses them as broken links.
/// The untrusted build has every vector everywhere.
const REFUSED_WHEN_TRUSTED: &[&str] = &[
    "iframe src javascript:",
    "a href javascript:",
    "a href JaVaScRiPt:",
    "a href &#106;avascript: (decimal entity)",
    "a href hex and zero-padded entities without semicolons",
    "a href with control chars, tab, newline, &colon;",
    "a href vbscript:",
    "link rel=stylesheet",
    "base href",
    "comment breakout",
    "markdown link javascript:",
    "markdown autolink javascript:",
    "markdown reference link javascript:",
    "markdown image javascript:",
    "null bytes",
    "percent-encoded",
];

/// Vectors that run on load, with no click: in the `trust_html` build each must be seen
/// running, which proves the detector sees what it looks for.
const RUN_ON_LOAD: &[&str] = &[
    "script element",
    "script element, mixed case with attributes",
    "img onerror",
    "svg onload",
    "script inside svg",
    "details open ontoggle",
    "video source onerror",
    "attribute breakout, double quote",
    "title breakout",
];

/// Vectors that also go into `site.toml`: the title shown on every page, and the
/// document's annex and issuer.
const CONFIG_VECTORS: [&str; 3] = ["title breakout", "attribute breakout, double quote", "svg onload"];

fn write_project(dir: &Path, trust_html: bool) {
    let count = VECTORS.len();
    fs::create_dir_all(dir.join("seeds")).unwrap();
    fs::create_dir_all(dir.join("content")).unwrap();

    let mut vendors = String::from("id,name,short,aliases,subsystems\n");
    let mut subsystems = String::from("id,name\n");
    for n in 1..=count {
        let v = table_text(n);
        writeln!(vendors, "v{n},{},{},,s{n}", csv_cell(&v), csv_cell(&v)).unwrap();
        writeln!(subsystems, "s{n},{}", csv_cell(&v)).unwrap();
    }
    fs::write(dir.join("seeds/vendors.csv"), vendors).unwrap();
    fs::write(dir.join("seeds/subsystems.csv"), subsystems).unwrap();

    // Vendor columns are headed by the vendor's name, so the header text is shown too. The
    // table is written as rolesite writes one: a cell a spreadsheet would run as a formula
    // gets a `'` in front, which reading takes away (`'-…` itself is written `''-…`).
    let cell = |n: usize| csv_cell(&rolesite::read::csv::guard(&table_text(n)));
    let mut roles = String::from("項番,階層,作業項目");
    for n in 1..=count {
        write!(roles, ",{}", cell(n)).unwrap();
    }
    roles.push_str(",作業内容\n");
    for n in 1..=count {
        let v = cell(n);
        let empty = ",".repeat(count);
        writeln!(roles, "{},1,{v}{empty},{v}", heading_no(n)).unwrap();
        let cells: String = (1..=count).map(|c| if c == n { ",◎" } else { "," }).collect();
        writeln!(roles, "{},,{v}{cells},{v}", task_no(n)).unwrap();
    }
    fs::write(dir.join("seeds/roles.csv"), roles).unwrap();

    // One page per vector (its title and its body), and one with them all.
    let mut all = String::new();
    for n in 1..=count {
        let v = vector(n);
        if trust_html && REFUSED_WHEN_TRUSTED.contains(&VECTORS[n - 1].0) {
            continue;
        }
        fs::write(
            dir.join(format!("content/x{n}.md")),
            format!("+++\ntitle = {}\norder = {n}\n+++\n\n{v}\n", toml_string(&v)),
        )
        .unwrap();
        write!(all, "{v}\n\n").unwrap();
    }
    if !trust_html {
        fs::write(dir.join("content/all.md"), format!("+++\ntitle = \"all\"\norder = 0\n+++\n\n{all}")).unwrap();
    }

    let [title, annex, issuer] = CONFIG_VECTORS.map(|l| toml_string(&vector(n_of(l))));
    let mut config =
        format!("title = {title}\ntrust_html = {trust_html}\n\n[document]\nannex = {annex}\nissuer = {issuer}\n");
    if !trust_html {
        config = config.replace("trust_html = false\n", "");
    }
    fs::write(dir.join("site.toml"), config).unwrap();
}

struct Site {
    /// The project folder; the site is in `out/` under it.
    dir: PathBuf,
    /// Every `.html` file, by its path under `out/`.
    pages: BTreeMap<String, String>,
}

impl Site {
    fn html(&self, path: &str) -> Html {
        Html::parse_document(self.pages.get(path).unwrap_or_else(|| panic!("{path} was not built")))
    }
}

/// The scratch project built into `target/tmp/xss-<variant>/out`, read back once.
fn site(trust_html: bool) -> &'static Site {
    static PLAIN: OnceLock<Site> = OnceLock::new();
    static TRUSTED: OnceLock<Site> = OnceLock::new();
    let cell = if trust_html { &TRUSTED } else { &PLAIN };
    cell.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(if trust_html { "xss-trusted" } else { "xss" });
        if dir.exists() {
            fs::remove_dir_all(&dir).unwrap();
        }
        write_project(&dir, trust_html);
        let out = dir.join("out");
        let result = Command::new(env!("CARGO_BIN_EXE_rolesite"))
            .arg("build")
            .arg(&dir)
            .arg("-o")
            .arg(&out)
            .arg("-q")
            .output()
            .unwrap();
        assert!(
            result.status.success(),
            "build of the XSS project failed ({}):\n{}{}",
            result.status,
            String::from_utf8_lossy(&result.stdout),
            String::from_utf8_lossy(&result.stderr)
        );
        let pages = walkdir::WalkDir::new(&out)
            .sort_by_file_name()
            .into_iter()
            .map(Result::unwrap)
            .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "html"))
            .map(|e| {
                let rel = e.path().strip_prefix(&out).unwrap().to_string_lossy().replace('\\', "/");
                let text = String::from_utf8(fs::read(e.path()).unwrap()).unwrap_or_else(|_| panic!("{rel} not UTF-8"));
                (rel, text)
            })
            .collect();
        Site { dir, pages }
    })
}

// ---------------------------------------------------------------------------
// what the parsed output must not hold

fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap()
}

fn text(e: ElementRef) -> String {
    e.text().collect()
}

/// Elements sanitised Markdown must never let through, and the site never emits but for
/// two exceptions, each allowed only in exactly its own form: the site's script
/// ([`is_own_script`]) and an item page's copy button ([`is_own_button`]).
const FORBIDDEN_ELEMENTS: &[&str] = &[
    "script",
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "base",
    "style",
    "form",
    "input",
    "button",
    "textarea",
    "select",
    "svg",
    "math",
    "template",
    "noscript",
    "video",
    "audio",
    "source",
    "marquee",
    "isindex",
    "portal",
    "xmp",
    "plaintext",
    "noembed",
    "noframes",
];

/// Attributes whose value the browser loads or navigates to.
const URL_ATTRIBUTES: &[&str] = &[
    "href",
    "src",
    "action",
    "formaction",
    "data",
    "xlink:href",
    "poster",
    "background",
    "cite",
    "longdesc",
    "lowsrc",
    "dynsrc",
    "codebase",
    "ping",
    "srcset",
    "manifest",
    "icon",
    "usemap",
    "archive",
    "classid",
];

/// The scheme of a URL as a browser reads it: tab and newline removed anywhere, leading
/// and trailing C0 controls and spaces trimmed, case folded. `None` when relative.
fn scheme(url: &str) -> Option<String> {
    let cleaned: String = url
        .trim_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect::<String>()
        .to_ascii_lowercase();
    let (head, _) = cleaned.split_once(':')?;
    let mut chars = head.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    valid.then(|| head.to_string())
}

/// The relative prefix from the page at `path` (under `out/`) to the site's root.
fn root_of(path: &str) -> String {
    "../".repeat(path.matches('/').count())
}

/// An HTML element (not SVG or MathML) with exactly these attributes, in any order.
fn html_element_with(e: ElementRef, name: &str, attrs: &[(&str, &str)]) -> bool {
    let el = e.value();
    let mut got: Vec<(&str, &str)> = el.attrs().collect();
    got.sort_unstable();
    let mut want = attrs.to_vec();
    want.sort_unstable();
    el.name() == name && &*el.name.ns == "http://www.w3.org/1999/xhtml" && got == want
}

/// The site's own scripts, as `base.html` writes them: `<script src="<root>assets/site.js"
/// defer></script>` and the same for `search.js`, with that `src` for the page's own depth,
/// `defer`, no other attribute, no content.
const OWN_SCRIPTS: [&str; 2] = ["site.js", "search.js"];

fn is_own_script(path: &str, e: ElementRef) -> bool {
    OWN_SCRIPTS.iter().any(|name| {
        let src = format!("{}assets/{name}", root_of(path));
        html_element_with(e, "script", &[("src", &src), ("defer", "")])
    }) && e.children().next().is_none()
}

/// `base.html`'s search box, exactly: the one `<input>` the templates write.
fn is_own_input(e: ElementRef) -> bool {
    html_element_with(
        e,
        "input",
        &[
            ("id", "search-input"),
            ("type", "text"),
            ("inputmode", "search"),
            ("enterkeyhint", "search"),
            ("role", "combobox"),
            ("aria-autocomplete", "list"),
            ("aria-expanded", "false"),
            ("aria-controls", "search-results"),
            ("autocomplete", "off"),
            ("spellcheck", "false"),
            ("placeholder", "作業名・事業者・項番(/ で移動)"),
        ],
    ) && e.children().next().is_none()
}

/// `item.html`'s `<button type="button" class="copy-citation" hidden>引用をコピー</button>`,
/// on an item page only, with that text and nothing else inside.
fn is_own_button(path: &str, e: ElementRef) -> bool {
    let item_page = path
        .strip_prefix("items/")
        .and_then(|p| p.strip_suffix("/index.html"))
        .is_some_and(|no| !no.is_empty() && no.bytes().all(|b| b.is_ascii_digit()));
    item_page
        && html_element_with(e, "button", &[("type", "button"), ("class", "copy-citation"), ("hidden", "")])
        && e.inner_html() == "引用をコピー"
}

/// The SVG elements and attributes `charts.html` draws with: shapes, text and links, no
/// script, no foreign content, nothing that animates or loads.
const CHART_ELEMENTS: &[&str] = &["g", "a", "text", "tspan", "title", "rect", "path", "defs", "pattern", "line"];
const CHART_ATTRIBUTES: &[&str] = &[
    "class",
    "id",
    "role",
    "href",
    "x",
    "y",
    "x1",
    "y1",
    "x2",
    "y2",
    "d",
    "width",
    "height",
    "viewBox",
    "fill",
    "stroke",
    "stroke-width",
    "transform",
    "text-anchor",
    "font-size",
    "font-weight",
    "font-style",
    "text-decoration",
    "stroke-dasharray",
    "dy",
    "patternUnits",
    "patternTransform",
];

/// A picture from `charts.html`: an `<svg>` straight inside `figure.chart >
/// div.chart-scroll`, off the narrative pages (whose Markdown must never carry one), made
/// only of [`CHART_ELEMENTS`] with [`CHART_ATTRIBUTES`], `aria-*` and `data-*`.
fn is_own_chart(path: &str, e: ElementRef) -> bool {
    const SVG: &str = "http://www.w3.org/2000/svg";
    fn html_parent<'a>(e: ElementRef<'a>, name: &str, class: &str) -> Option<ElementRef<'a>> {
        e.parent().and_then(ElementRef::wrap).filter(|p| {
            p.value().name() == name
                && &*p.value().name.ns == "http://www.w3.org/1999/xhtml"
                && p.value().classes().any(|c| c == class)
        })
    }
    let placed = html_parent(e, "div", "chart-scroll").and_then(|d| html_parent(d, "figure", "chart")).is_some();
    let attributes_ok = |el: ElementRef| {
        el.value()
            .attrs()
            .all(|(a, _)| CHART_ATTRIBUTES.contains(&a) || a.starts_with("aria-") || a.starts_with("data-"))
    };
    let parts_ok = e
        .descendants()
        .skip(1)
        .filter_map(ElementRef::wrap)
        .all(|d| &*d.value().name.ns == SVG && CHART_ELEMENTS.contains(&d.value().name()) && attributes_ok(d));
    !path.starts_with("pages/")
        && e.value().name() == "svg"
        && &*e.value().name.ns == SVG
        && placed
        && parts_ok
        && attributes_ok(e)
}

/// Whatever in `path`'s parsed HTML could run script or load something it should not.
fn problems(path: &str, doc: &Html) -> Vec<String> {
    let mut found = Vec::new();
    // items/N/ of a heading redirects to its phase page, and only there, only like this.
    let redirect = path
        .strip_prefix("items/")
        .and_then(|p| p.strip_suffix("/index.html"))
        .map(|no| format!("0; url=../../phases/{no}/index.html"));
    for e in doc.root_element().descendants().filter_map(ElementRef::wrap) {
        let el = e.value();
        let name = el.name();
        let own = is_own_script(path, e) || is_own_button(path, e) || is_own_input(e) || is_own_chart(path, e);
        if FORBIDDEN_ELEMENTS.contains(&name) && !own {
            found.push(format!("<{name}> element"));
        }
        for (attr, value) in el.attrs() {
            let attr_lc = attr.to_ascii_lowercase();
            if attr_lc.starts_with("on") {
                found.push(format!("<{name} {attr}={value:?}>: event handler"));
            }
            if attr_lc == "srcdoc" {
                found.push(format!("<{name} srcdoc>"));
            }
            if attr_lc == "style" {
                let align = ["left", "center", "right"].iter().any(|a| value == format!("text-align: {a}"));
                if !(align && matches!(name, "th" | "td")) {
                    found.push(format!("<{name} style={value:?}>"));
                }
            }
            if URL_ATTRIBUTES.contains(&attr_lc.as_str()) || attr_lc.ends_with(":href") {
                if let Some(s) = scheme(value).filter(|s| !matches!(s.as_str(), "http" | "https" | "mailto")) {
                    found.push(format!("<{name} {attr}={value:?}>: {s}: URL"));
                }
            }
        }
        if name == "meta" {
            let ok = match (el.attr("charset"), el.attr("name"), el.attr("http-equiv")) {
                (Some(c), None, None) => c.eq_ignore_ascii_case("utf-8"),
                (None, Some("viewport"), None) => true,
                (None, None, Some(h)) if h.eq_ignore_ascii_case("refresh") => {
                    redirect.is_some() && el.attr("content") == redirect.as_deref()
                }
                _ => false,
            };
            if !ok {
                found.push(format!("{:?}: not one of the site's own <meta>", e.html()));
            }
        }
        if name == "link" {
            let href = el.attr("href").unwrap_or("");
            let stylesheet =
                el.attr("rel") == Some("stylesheet") && href.trim_start_matches("../") == "assets/style.css";
            if !stylesheet && el.attr("rel") != Some("canonical") {
                found.push(format!("{:?}: not the site's own <link>", e.html()));
            }
        }
    }
    found.into_iter().map(|p| format!("{path}: {p}")).collect()
}

fn all_problems(site: &Site) -> Vec<String> {
    site.pages.keys().flat_map(|p| problems(p, &site.html(p))).collect()
}

// ---------------------------------------------------------------------------
// static tests

#[test]
fn the_catalogue_has_at_least_30_distinct_vectors() {
    assert!(VECTORS.len() >= 30, "{} vectors", VECTORS.len());
    let labels: BTreeSet<_> = VECTORS.iter().map(|(l, _)| l).collect();
    let vectors: BTreeSet<_> = VECTORS.iter().map(|(_, v)| v).collect();
    assert_eq!(labels.len(), VECTORS.len(), "labels repeat");
    assert_eq!(vectors.len(), VECTORS.len(), "vectors repeat");
    for (n, (label, _)) in VECTORS.iter().enumerate() {
        let v = vector(n + 1);
        assert!(!v.contains("PWNED"), "{label}: the marker must be built at run time, not written in the page");
        assert!(!["{P}", "{N}", "{B64}"].iter().any(|p| v.contains(p)), "{label}: placeholder left in {v:?}");
    }
    assert_eq!(base64(b"<s>"), "PHM+");
    assert_eq!(base64(b"ab"), "YWI=");
    assert_eq!(base64(b"a"), "YQ==");
}

#[test]
fn no_built_page_holds_executable_markup() {
    let s = site(false);
    // home, 404, matrix, quality, unassigned, changes, revisions, three indexes, all.md, the
    // table as written (one source page); then per vector two items (task and heading), a
    // phase, a vendor, a subsystem and a Markdown page
    let expected = 12 + 6 * VECTORS.len();
    assert_eq!(s.pages.len(), expected, "pages built");
    let found = all_problems(s);
    assert!(found.is_empty(), "{} problems:\n{}", found.len(), found.join("\n"));
    // The exceptions are there, once a page, and in their own form: every page but the
    // redirects (items/N/ of a heading) loads the site's two scripts and has the search box,
    // every task page has the copy button. Anything beyond that would be a finding above.
    for p in s.pages.keys() {
        let doc = s.html(p);
        let redirect = doc.select(&sel("meta[http-equiv=refresh]")).next().is_some();
        let scripts: Vec<ElementRef> = doc.select(&sel("script")).collect();
        assert_eq!(scripts.len(), OWN_SCRIPTS.len() * usize::from(!redirect), "{p}: <script> elements");
        assert!(scripts.iter().all(|e| is_own_script(p, *e)), "{p}: not the site's own <script>");
        let inputs: Vec<ElementRef> = doc.select(&sel("input")).collect();
        assert_eq!(inputs.len(), usize::from(!redirect), "{p}: <input> elements (the search box)");
        assert!(inputs.iter().all(|e| is_own_input(*e)), "{p}: not the site's own <input>");
        let buttons: Vec<ElementRef> = doc.select(&sel("button")).collect();
        let task_page = p.starts_with("items/") && !redirect;
        assert_eq!(buttons.len(), usize::from(task_page), "{p}: <button> elements");
        assert!(buttons.iter().all(|e| is_own_button(p, *e)), "{p}: not the site's own <button>");
    }
    assert_eq!(
        s.pages.keys().filter(|p| p.starts_with("items/") && s.html(p).select(&sel("button")).next().is_some()).count(),
        VECTORS.len(),
        "task pages with a copy button"
    );
}

#[test]
fn the_problem_finder_catches_trusted_raw_html() {
    // Proof that `problems` bites: with trust_html the Markdown pages keep their vectors.
    let s = site(true);
    let found = all_problems(s);
    for (n, what) in [(n_of("script element"), "<script> element"), (n_of("img onerror"), "onerror")] {
        let page = format!("pages/x{n}/index.html:");
        assert!(
            found.iter().any(|p| p.starts_with(&page) && p.contains(what)),
            "trusted build: expected {what} on {page}; found:\n{}",
            found.join("\n")
        );
    }
    // The data fields stay escaped even then: only the Markdown pages' bodies differ.
    let outside: Vec<_> = found.iter().filter(|p| !p.starts_with("pages/")).collect();
    assert!(outside.is_empty(), "trusted build, outside pages/: {outside:#?}");
    assert!(problems("x.html", &Html::parse_document("<a href=' JaVa\tScRiPt:x'>")).len() == 1);
    assert!(problems("x.html", &Html::parse_document("<p onclick=x style=color:red>")).len() == 2);
    assert!(
        problems(
            "items/3/index.html",
            &Html::parse_document("<meta http-equiv=refresh content='0; url=../../phases/4/index.html'>")
        )
        .len()
            == 1
    );
    assert!(problems(
        "items/3/index.html",
        &Html::parse_document("<meta http-equiv=refresh content='0; url=../../phases/3/index.html'>")
    )
    .is_empty());
    // The site's own script and copy button pass only in exactly their own form.
    let count = |path: &str, html: &str| problems(path, &Html::parse_document(html)).len();
    let own_script = r#"<script src="../../assets/site.js" defer></script>"#;
    let own_button = r#"<button type="button" class="copy-citation" hidden>引用をコピー</button>"#;
    assert_eq!(count("items/4/index.html", own_script), 0);
    assert_eq!(count("index.html", r#"<script defer src="assets/site.js"></script>"#), 0);
    assert_eq!(count("items/4/index.html", own_button), 0);
    assert_eq!(
        count("items/4/index.html", r#"<button hidden class="copy-citation" type="button">引用をコピー</button>"#),
        0
    );
    for (path, html) in [
        // the script: another depth, file, or attribute; content; no defer; in SVG
        ("index.html", own_script),
        ("items/4/index.html", r#"<script src="../assets/site.js" defer></script>"#),
        ("items/4/index.html", r#"<script src="../../assets/site.js"></script>"#),
        ("items/4/index.html", r#"<script src="../../assets/other.js" defer></script>"#),
        ("items/4/index.html", r#"<script src="../../assets/site.js?x" defer></script>"#),
        ("items/4/index.html", r#"<script src="../../assets/site.js" defer="defer"></script>"#),
        ("items/4/index.html", r#"<script src="../../assets/site.js" defer async></script>"#),
        ("items/4/index.html", r#"<script src="../../assets/site.js" defer type="module"></script>"#),
        ("items/4/index.html", r#"<script src="../../assets/site.js" defer integrity="x"></script>"#),
        ("items/4/index.html", r#"<script src="../../assets/site.js" defer>alert(1)</script>"#),
        ("items/4/index.html", r#"<script src="../../assets/site.js" defer> </script>"#),
        ("items/4/index.html", "<script>alert(1)</script>"),
        ("items/4/index.html", r#"<svg><script src="../../assets/site.js" defer></script></svg>"#),
        // the button: off an item page, other attributes, other content
        ("index.html", own_button),
        ("pages/x/index.html", own_button),
        ("items/4/index.html", r#"<button type="submit" class="copy-citation" hidden>引用をコピー</button>"#),
        ("items/4/index.html", r#"<button type="button" class="copy-citation">引用をコピー</button>"#),
        ("items/4/index.html", r#"<button type="button" class="copy-citation" hidden form="f">引用をコピー</button>"#),
        ("items/4/index.html", r#"<button type="button" class="copy-citation" hidden>コピー</button>"#),
        ("items/4/index.html", r#"<button type="button" class="copy-citation" hidden><b>引用をコピー</b></button>"#),
        // the search box: another type, or one more attribute
        (
            "index.html",
            r#"<input id="search-input" type="search" inputmode="search" enterkeyhint="search" role="combobox" aria-autocomplete="list" aria-expanded="false" aria-controls="search-results" autocomplete="off" spellcheck="false" placeholder="作業名・事業者・項番(/ で移動)">"#,
        ),
        (
            "index.html",
            r#"<input id="search-input" type="text" inputmode="search" enterkeyhint="search" role="combobox" aria-autocomplete="list" aria-expanded="false" aria-controls="search-results" autocomplete="off" spellcheck="false" placeholder="作業名・事業者・項番(/ で移動)" formaction="x">"#,
        ),
        ("index.html", r#"<input type="image" src="x">"#),
    ] {
        let found = problems(path, &Html::parse_document(html));
        assert!(
            found
                .iter()
                .any(|p| ["<script> element", "<button> element", "<input> element"].iter().any(|e| p.ends_with(e))),
            "{path}: {html} passed as the site's own: {found:?}"
        );
    }
    // A chart passes only where charts.html puts it and only as it draws.
    let chart = |svg: &str| format!(r#"<figure class="chart"><div class="chart-scroll">{svg}</div></figure>"#);
    let own_chart = chart(
        r##"<svg width="9" role="group" aria-labelledby="c"><g class="cell" data-primary="1"><a href="../vendors/v/index.html#primary-in-1" aria-label="x"><rect x="1" y="1" fill="#fff"/><text x="1">◎1</text></a></g></svg>"##,
    );
    assert_eq!(count("phases/1/index.html", &own_chart), 0);
    for (path, html) in [
        ("pages/x/index.html", own_chart.clone()),
        ("index.html", r#"<svg width="9"><rect x="1"/></svg>"#.to_string()),
        ("index.html", format!(r#"<figure class="chart">{}</figure>"#, r#"<svg><rect x="1"/></svg>"#)),
        ("index.html", chart("<svg><script>alert(1)</script></svg>")),
        ("index.html", chart("<svg><foreignObject><p>x</p></foreignObject></svg>")),
        ("index.html", chart(r#"<svg><animate attributeName="href" to="javascript:alert(1)"/></svg>"#)),
        ("index.html", chart(r#"<svg><image href="x.png"/></svg>"#)),
        ("index.html", chart(r#"<svg><rect style="fill:red"/></svg>"#)),
        ("index.html", chart(r##"<svg><use href="#x"/></svg>"##)),
    ] {
        let found = problems(path, &Html::parse_document(&html));
        assert!(found.iter().any(|p| p.ends_with("<svg> element")), "{path}: {html} passed as a chart: {found:?}");
    }
    // An event handler on the own script is both: not the own form, and a handler.
    assert_eq!(count("items/4/index.html", r#"<script src="../../assets/site.js" defer onload="x"></script>"#), 2);
}

/// What the page shows for text written out escaped: the escaping turns a NUL into U+FFFD.
fn as_text(s: &str) -> String {
    s.replace('\0', "\u{FFFD}")
}

/// The same in an attribute or `<title>`.
fn as_attr(s: &str) -> String {
    as_text(s)
}

/// Names have their white space folded (`read::text::clean`).
fn folded(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn one(doc: &Html, path: &str, selector: &str) -> String {
    let found: Vec<String> = doc.select(&sel(selector)).map(text).collect();
    assert_eq!(found.len(), 1, "{path}: {selector} matched {} times: {found:?}", found.len());
    found.into_iter().next().unwrap()
}

#[test]
fn every_vector_comes_back_as_the_text_it_was() {
    let s = site(false);
    let mut wrong = Vec::new();
    let mut check = |path: String, what: &str, got: String, want: String| {
        if got != want {
            wrong.push(format!("{path}: {what}\n  got  {got:?}\n  want {want:?}"));
        }
    };
    for n in 1..=VECTORS.len() {
        let v = vector(n);
        let name = folded(&v);
        let trimmed = v.trim().to_string();

        let p = format!("items/{}/index.html", task_no(n));
        let doc = s.html(&p);
        check(p.clone(), "h1", one(&doc, &p, "h1"), as_text(&format!("項番{} {name}", task_no(n))));
        check(p.clone(), "description", one(&doc, &p, "p.description"), as_text(&trimmed));
        let want = as_attr(&format!("項番{} {name} | ", task_no(n)));
        let title: String = one(&doc, &p, "title").chars().take(want.chars().count()).collect();
        check(p.clone(), "<title> start", title, want);
        let vendor_link = doc.select(&sel("table.roles th a")).map(text).collect::<Vec<_>>();
        check(p.clone(), "vendor link", vendor_link.join("|"), as_text(&trimmed));
        let column = one(&doc, &p, "table.roles td:last-child small");
        check(p.clone(), "column header", column, as_text(&trimmed));

        let p = format!("phases/{}/index.html", heading_no(n));
        let doc = s.html(&p);
        check(p.clone(), "h1", one(&doc, &p, "h1"), as_text(&format!("{name} 項番{}", heading_no(n))));

        let p = format!("vendors/v{n}/index.html");
        let doc = s.html(&p);
        check(p.clone(), "h1", one(&doc, &p, "h1"), as_text(&trimmed));

        let p = format!("subsystems/s{n}/index.html");
        let doc = s.html(&p);
        check(p.clone(), "h1", one(&doc, &p, "h1"), as_text(&trimmed));

        let p = format!("pages/x{n}/index.html");
        let doc = s.html(&p);
        check(p.clone(), "h1", one(&doc, &p, "article h1"), as_text(&v));
    }
    // The matrix names every vendor in a tooltip attribute and its short name as text.
    let p = "matrix/index.html";
    let doc = s.html(p);
    let titles: Vec<String> =
        doc.select(&sel("thead th.v a abbr")).filter_map(|a| a.value().attr("title").map(str::to_string)).collect();
    let shorts: Vec<String> = doc.select(&sel("thead th.v a abbr")).map(text).collect();
    let want: Vec<String> = (1..=VECTORS.len()).map(|n| vector(n).trim().to_string()).collect();
    check(p.into(), "abbr titles", titles.join("\n"), as_attr(&want.join("\n")));
    check(p.into(), "short names", shorts.join("\n"), as_text(&want.join("\n")));
    // The site title from site.toml, on every page.
    let title = vector(n_of("title breakout"));
    for p in ["index.html", "matrix/index.html", "pages/all/index.html"] {
        let doc = s.html(p);
        check(p.into(), "site name", text(doc.select(&sel(".site-name a")).next().unwrap()).trim().to_string(), {
            let annex = vector(n_of("attribute breakout, double quote"));
            format!("{annex} {title}")
        });
    }
    assert!(wrong.is_empty(), "{} fields differ from their input:\n{}", wrong.len(), wrong.join("\n"));
}

#[test]
fn template_syntax_in_data_and_markdown_stays_literal() {
    let s = site(false);
    for label in ["template injection {{ 7*7 }}", "template tags {% raw %}", "other template syntaxes"] {
        let n = n_of(label);
        let v = vector(n);
        for p in [format!("items/{}/index.html", task_no(n)), format!("vendors/v{n}/index.html")] {
            let h1 = text(s.html(&p).select(&sel("h1")).next().unwrap());
            assert!(h1.contains(&v), "{p}: h1 {h1:?} does not hold {v:?} literally");
        }
        let p = format!("pages/x{n}/index.html");
        let body = text(s.html(&p).select(&sel("article")).next().unwrap());
        assert!(!body.contains("49"), "{p}: 7*7 was evaluated: {body:?}");
        // Markdown reads `7*7} #{7*7` as emphasis; the other two must come through whole.
        if label != "other template syntaxes" {
            assert!(body.matches(v.as_str()).count() == 2, "{p}: title and body should both read {v:?}: {body:?}");
        }
    }
    let h1 = text(
        s.html(&format!("items/{}/index.html", task_no(n_of("template injection {{ 7*7 }}"))))
            .select(&sel("h1"))
            .next()
            .unwrap(),
    );
    assert!(h1.ends_with(" {{ 7*7 }}"), "{h1:?}");
}

// ---------------------------------------------------------------------------
// headless Chromium

/// Flags this test adds to every run.
const CHROMIUM_FLAGS: &[&str] = &[
    // the harness reads its frames' documents
    "--allow-file-access-from-files",
    // console messages of every frame go to stderr, where the markers are looked for
    "--enable-logging=stderr",
    "--v=0",
    "--virtual-time-budget=3000",
    "--dump-dom",
];

/// Long enough for a machine busy with the other browser tests: a hang (an opened dialog)
/// is told by reaching it.
const CHROMIUM_TIMEOUT: Duration = Duration::from_secs(180);

use common::chromium::file_url;

/// `(stdout, stderr)` of one Chromium run with a fresh profile.
fn run_chromium(url: &str) -> (String, String) {
    let flags: Vec<String> = CHROMIUM_FLAGS.iter().map(|f| f.to_string()).collect();
    let run = common::chromium::run(&flags, url, CHROMIUM_TIMEOUT);
    match run.status {
        Some(s) if s.success() => (run.stdout, run.stderr),
        // A hang is what an opened dialog looks like under --dump-dom.
        status => panic!(
            "chromium on {url} failed or hung ({status:?}; a JavaScript dialog blocks it); stderr:\n{}",
            run.stderr
        ),
    }
}

/// Runs in the harness page: inspects each frame's live DOM after load, clicks every link
/// the browser resolves to a script-capable scheme (so a surviving `javascript:` link runs
/// and is caught), then writes a JSON report into `<pre id="result">`.
const HARNESS_SCRIPT: &str = r#"
var URL_ATTRS = ['href', 'src', 'action', 'formaction', 'data', 'xlink:href', 'poster', 'background'];
var BAD_TAGS = /^(script|iframe|frame|object|embed|base|style|form|svg|math)$/i;
// The site's own scripts, exactly as base.html writes them (see `is_own_script`): the src
// for the page's depth under out/, defer, no other attribute, no content.
function ownScript(el, frameSrc) {
  var depth = frameSrc.replace(/^out\//, '').split('/').length;
  var root = new Array(depth).join('../');
  var src = el.getAttribute('src');
  return el.namespaceURI === 'http://www.w3.org/1999/xhtml' && el.localName === 'script' &&
    el.attributes.length === 2 && (src === root + 'assets/site.js' || src === root + 'assets/search.js') &&
    el.getAttribute('defer') === '' && el.childNodes.length === 0;
}
// The site's charts, as `is_own_chart` allows them: an <svg> straight inside
// figure.chart > div.chart-scroll, off the narrative pages, drawn only with these parts.
var CHART_TAGS = /^(g|a|text|tspan|title|rect|path|defs|pattern|line)$/;
var CHART_ATTRS = /^(class|id|role|href|x|y|x1|y1|x2|y2|d|dy|width|height|viewBox|fill|stroke|stroke-width|stroke-dasharray|transform|text-anchor|font-size|font-weight|font-style|text-decoration|patternUnits|patternTransform|aria-[a-z]+|data-[a-z-]+)$/;
function attrsOk(el) {
  for (var j = 0; j < el.attributes.length; j++) if (!CHART_ATTRS.test(el.attributes[j].name)) return false;
  return true;
}
function ownChart(el, frameSrc) {
  var svg = 'http://www.w3.org/2000/svg';
  var div = el.parentElement, fig = div && div.parentElement;
  if (el.namespaceURI !== svg || el.localName !== 'svg' || /(^|\/)pages\//.test(frameSrc.replace(/^out\//, ''))) return false;
  if (!div || div.localName !== 'div' || !div.classList.contains('chart-scroll')) return false;
  if (!fig || fig.localName !== 'figure' || !fig.classList.contains('chart') || !attrsOk(el)) return false;
  var parts = el.getElementsByTagName('*');
  for (var i = 0; i < parts.length; i++) {
    if (parts[i].namespaceURI !== svg || !CHART_TAGS.test(parts[i].localName) || !attrsOk(parts[i])) return false;
  }
  return true;
}
function inspect(frame) {
  var r = { src: frame.getAttribute('src'), findings: [] };
  try {
    var d = frame.contentDocument;
    r.url = String(d.URL);
    var all = d.getElementsByTagName('*');
    for (var i = 0; i < all.length; i++) {
      var el = all[i];
      if (BAD_TAGS.test(el.localName) && !ownScript(el, r.src) && !ownChart(el, r.src)) r.findings.push('<' + el.localName + '>');
      for (var j = 0; j < el.attributes.length; j++) {
        var a = el.attributes[j], name = a.name.toLowerCase();
        if (name.indexOf('on') === 0) r.findings.push(el.localName + ' ' + name);
        if (URL_ATTRS.indexOf(name) >= 0) {
          var protocol;
          try { protocol = new URL(a.value, d.baseURI).protocol; } catch (e) { protocol = 'invalid:'; }
          if (!/^(file|https?|mailto|invalid):$/.test(protocol)) {
            r.findings.push(el.localName + ' ' + name + '=' + protocol);
            if (typeof el.click === 'function') el.click();
          }
        }
      }
    }
  } catch (e) {
    r.error = String(e);
  }
  return r;
}
window.addEventListener('load', function () {
  var frames = document.querySelectorAll('iframe');
  var out = [];
  for (var i = 0; i < frames.length; i++) out.push(inspect(frames[i]));
  setTimeout(function () {
    document.getElementById('result').textContent = JSON.stringify(out);
    console.log(/HARNESS-/.source + /DONE/.source);
  }, 500);
});
"#;

/// A frame that must run: proof, in every run, that markers from inside sandboxed frames
/// reach stderr, and that a dialog is logged (not opened, which would hang the run).
const CONTROL_PAGE: &str = "<!DOCTYPE html><meta charset=utf-8><title>control</title>\
     <img src=x onerror=console.log(/PWN/.source+/ED-CONTROL/.source)><script>alert(0)</script>";

struct Run {
    /// Vector numbers whose marker Chromium logged.
    executed: BTreeSet<usize>,
    control: bool,
    /// Whether the control frame's `alert()` was logged as ignored.
    control_dialog: bool,
    /// Console messages about blocked dialogs, popups, navigations or submissions.
    blocked: Vec<String>,
    /// `(page, what the live DOM holds)` for each frame with findings.
    findings: Vec<(String, Vec<String>)>,
    /// `(page, error)` for frames the harness could not read.
    errors: Vec<(String, String)>,
    frames: usize,
}

/// Loads `pages` (paths under `out/`) into sandboxed iframes of one harness page.
fn browse(site: &Site, name: &str, pages: &[&String]) -> Run {
    fs::write(site.dir.join("control.html"), CONTROL_PAGE).unwrap();
    let mut html =
        String::from("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>xss harness</title></head><body>\n");
    html.push_str("<iframe sandbox=\"allow-scripts allow-same-origin\" src=\"control.html\"></iframe>\n");
    for p in pages {
        writeln!(html, "<iframe sandbox=\"allow-scripts allow-same-origin\" src=\"out/{p}\"></iframe>").unwrap();
    }
    write!(html, "<pre id=\"result\"></pre>\n<script>{HARNESS_SCRIPT}</script>\n</body></html>\n").unwrap();
    let harness = site.dir.join(name);
    fs::write(&harness, html).unwrap();
    let (dom, log) = run_chromium(&file_url(&harness));
    fs::write(site.dir.join(format!("{name}.stderr.txt")), &log).unwrap();

    let consoles: Vec<&str> = log.lines().filter(|l| l.contains(":CONSOLE")).collect();
    assert!(
        consoles.iter().any(|l| l.contains("\"HARNESS-DONE\"")),
        "the harness never finished (no HARNESS-DONE on the console); stderr:\n{log}"
    );
    let mut executed = BTreeSet::new();
    let mut control = false;
    for line in &consoles {
        for (i, _) in line.match_indices("PWNED-") {
            let rest = &line[i + "PWNED-".len()..];
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            if let Ok(n) = digits.parse() {
                executed.insert(n);
            } else if rest.starts_with("CONTROL") {
                control = true;
            }
        }
    }
    let (control_lines, blocked): (Vec<String>, Vec<String>) = consoles
        .iter()
        .filter(|l| {
            (l.contains("Ignored call to") || l.contains("sandboxed") || l.contains("Blocked"))
                && !l.contains("can escape its sandboxing")
        })
        .map(|l| l.to_string())
        .partition(|l| l.contains("/control.html"));
    let control_dialog = control_lines.iter().any(|l| l.contains("Ignored call to 'alert()'"));

    let doc = Html::parse_document(&dom);
    let json = doc.select(&sel("pre#result")).next().map(text).unwrap_or_default();
    let report: serde_json::Value =
        serde_json::from_str(&json).unwrap_or_else(|e| panic!("harness wrote no report ({e}); DOM:\n{dom}"));
    let frames = report.as_array().unwrap();
    let mut findings = Vec::new();
    let mut errors = Vec::new();
    for f in frames.iter().skip(1) {
        let src = f["src"].as_str().unwrap_or("?").to_string();
        if let Some(e) = f["error"].as_str() {
            errors.push((src.clone(), e.to_string()));
        }
        let list: Vec<String> =
            f["findings"].as_array().into_iter().flatten().filter_map(|x| x.as_str().map(str::to_string)).collect();
        if !list.is_empty() {
            findings.push((src, list));
        }
    }
    Run { executed, control, control_dialog, blocked, findings, errors, frames: frames.len() - 1 }
}

#[test]
fn no_vector_runs_in_chromium() {
    let s = site(false);
    let pages: Vec<&String> = s.pages.keys().collect();
    let run = browse(s, "harness.html", &pages);
    assert_eq!(run.frames, pages.len(), "frames in the report");
    assert!(run.control, "the control frame's marker was not seen: the detector is blind");
    assert!(run.control_dialog, "the control frame's alert() was not logged: dialogs would go unseen");
    let executed: Vec<String> = run.executed.iter().map(|n| format!("{n}: {}", VECTORS[n - 1].0)).collect();
    assert!(executed.is_empty(), "vectors ran in Chromium:\n{}", executed.join("\n"));
    assert!(run.blocked.is_empty(), "dialogs, popups or navigations were attempted:\n{}", run.blocked.join("\n"));
    assert!(run.findings.is_empty(), "the live DOM holds executable markup:\n{:#?}", run.findings);
    assert!(run.errors.is_empty(), "frames the harness could not read:\n{:#?}", run.errors);
}

#[test]
fn chromium_detector_catches_vectors_in_trusted_markdown() {
    let s = site(true);
    let pages: Vec<&String> = s.pages.keys().filter(|p| p.starts_with("pages/")).collect();
    let run = browse(s, "harness.html", &pages);
    assert!(run.control, "the control frame's marker was not seen: the detector is blind");
    let executed: Vec<String> = run.executed.iter().map(|n| format!("{n}: {}", VECTORS[n - 1].0)).collect();
    eprintln!("trusted Markdown: {} of {} vectors ran:\n{}", executed.len(), VECTORS.len(), executed.join("\n"));
    for label in RUN_ON_LOAD {
        assert!(run.executed.contains(&n_of(label)), "trusted build: {label:?} did not run; ran: {executed:?}");
    }
    assert!(!run.findings.is_empty(), "trusted build: the live-DOM inspection found nothing");
}
