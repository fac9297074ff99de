//! A hostile theme or configuration. A theme is a folder of the project, so its templates may
//! try to publish the environment, recurse, loop or write without end, and `site.toml` or
//! `retired.csv` may carry what must never reach the pages. Each is refused with its
//! location, in little time, and the site built before is left as it was.

use crate::common::{project, roles_csv, VENDORS};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// What a refused build may take: the limits stop a render within seconds, even in a debug
/// build on a machine busy with other builds. Unbounded, these templates run for hours or
/// abort the process.
const QUICK: Duration = Duration::from_secs(60);

const SECRET: &str = "tok-3f9a1c77e2";

/// A small project on the default theme, built once.
fn built() -> tempfile::TempDir {
    let roles = roles_csv(&["1,1,要件定義,,,,", "2,,要件の確認,◎,○,,確認する", "3,,要件の承認,○,◎,,承認する"]);
    let dir = project(&[("seeds/vendors.csv", VENDORS.as_bytes()), ("seeds/roles.csv", roles.as_bytes())]);
    let (code, stderr, _) = build(dir.path());
    assert_eq!(code, Some(0), "{stderr}");
    dir
}

fn build(dir: &Path) -> (Option<i32>, String, Duration) {
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_rolesite"))
        .args(["build", "-q", dir.to_str().unwrap()])
        .env("ROLESITE_SECRET", SECRET)
        .output()
        .unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned(), started.elapsed())
}

/// Every file under `dir` with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| (e.path().strip_prefix(dir).unwrap().to_path_buf(), std::fs::read(e.path()).unwrap()))
        .collect()
}

/// Write `files` (paths under the project) into a built project and build again: the build
/// fails with each of `expected` in its error, quickly, and `out/` holds the same bytes.
fn refused(files: &[(&str, &str)], expected: &[&str]) {
    let dir = built();
    let before = snapshot(&dir.path().join("out"));
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let (code, stderr, took) = build(dir.path());
    assert_eq!(code, Some(1), "{stderr}");
    for part in expected {
        assert!(stderr.contains(part), "expected {part:?} in:\n{stderr}");
    }
    assert!(!stderr.contains("panicked") && !stderr.contains(SECRET), "{stderr}");
    assert!(took < QUICK, "took {took:?}");
    assert!(snapshot(&dir.path().join("out")) == before, "out/ changed");
    let beside: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert!(beside.iter().all(|n| !n.to_string_lossy().starts_with(".out")), "{beside:?}");
}

fn template(name: &str) -> String {
    format!("themes/default/templates/{name}")
}

/// The 404 page with `main` as its main block (from line 3).
fn page_404(main: &str) -> String {
    format!("{{% extends \"base.html\" %}}\n{{% block main %}}\n{main}\n{{% endblock main %}}\n")
}

/// The 404 page calling `call` from the macros of `file`, imported as `m`.
fn page_404_calling(file: &str, call: &str) -> String {
    format!("{{% extends \"base.html\" %}}\n{{% import \"{file}\" as m %}}\n{{% block main %}}{{{{ m::{call} }}}}{{% endblock main %}}\n")
}

#[test]
fn get_env_fails_rather_than_publish_the_environment() {
    for call in ["get_env(name=\"ROLESITE_SECRET\")", "get_env(name=\"ROLESITE_SECRET\", default=\"\")"] {
        refused(
            &[(&template("404.html"), &page_404(&format!("<p>{{{{ {call} }}}}</p>")))],
            &["templates/404.html:3: error[template]: rendering 404.html:", "get_env is not available"],
        );
    }
}

#[test]
fn a_macro_that_calls_itself_is_refused_when_the_theme_is_loaded() {
    let tree = "{% macro tree(rows) %}<ul>{% for r in rows %}\n<li>{{ r.name }}{{ self::tree(rows=r.children) }}</li>{% endfor %}</ul>{% endmacro tree %}\n";
    refused(
        &[(&template("tree.html"), tree)],
        &[
            "templates/tree.html:2: error[template]: macro tree calls itself through tree.html::tree → tree.html::tree; \
             rolesite's templates may not recurse: the views give nested lists ready to print",
        ],
    );
}

#[test]
fn macros_that_call_each_other_through_an_imported_file_are_refused() {
    // As one file's pair, imported by the page …
    let pair = "{% macro ping(n) %}{{ self::pong(n=n) }}{% endmacro ping %}\n{% macro pong(n) %}\n{{ self::ping(n=n) }}{% endmacro pong %}\n";
    refused(
        &[
            (&template("pair.html"), pair),
            (&template("404.html"), &page_404_calling("pair.html", "ping(n=1)")),
        ],
        &["templates/pair.html:3: error[template]: macro ping calls itself through pair.html::ping → pair.html::pong → pair.html::ping"],
    );
    // … and across two files, one imported under an alias: inside a block, `self::` names
    // the block's template's macros, which hold the importing file's.
    refused(
        &[
            (&template("ping.html"), "{% import \"pong.html\" as other %}{% macro ping() %}{{ other::pong() }}{% endmacro %}"),
            (&template("pong.html"), "{% macro pong() %}\n{{ self::ping() }}{% endmacro %}"),
            (&template("404.html"), &page_404_calling("ping.html", "ping()")),
        ],
        &["templates/pong.html:2: error[template]: macro ping calls itself through ping.html::ping → pong.html::pong → ping.html::ping"],
    );
}

#[test]
fn a_template_that_includes_itself_is_refused() {
    refused(
        &[(&template("404.html"), &page_404("{% include \"404.html\" %}"))],
        &["templates/404.html:3: error[template]: template 404.html includes itself through 404.html → 404.html"],
    );
}

#[test]
fn two_templates_that_include_each_other_are_refused() {
    refused(
        &[
            (&template("a.html"), "<p>a</p>\n{% include \"b.html\" %}"),
            (&template("b.html"), "<p>b</p>\n\n{% include \"a.html\" %}"),
            (&template("404.html"), &page_404("{% include \"a.html\" %}")),
        ],
        &["templates/b.html:3: error[template]: template a.html includes itself through a.html → b.html → a.html"],
    );
}

#[test]
fn a_range_of_two_hundred_million_numbers_is_refused() {
    refused(
        &[(&template("404.html"), &page_404("{% for i in range(end=200000000) %}{{ i }}{% endfor %}"))],
        &["templates/404.html:3: error[template]: rendering 404.html: range of 200,000,000 numbers: at most 100,000"],
    );
}

#[test]
fn loops_inside_loops_stop_at_the_budget_of_a_render() {
    let loops = "{% for i in range(end=50000) %}\n{% for j in range(end=50000) %}{% endfor %}{% endfor %}";
    refused(
        &[(
            &template("item.html"),
            &format!("{{% extends \"base.html\" %}}\n{{% block main %}}\n{loops}{{% endblock main %}}"),
        )],
        // Items 2 and 3 are rendered at once: either may be the one reported.
        &["templates/item.html:4: error[template]: rendering items/", "more than 10,000,000 loop turns"],
    );
}

#[test]
fn a_page_that_grows_without_end_is_stopped() {
    let line = "0123456789".repeat(10);
    let loops =
        format!("{{% for i in range(end=100000) %}}{{% for j in range(end=100) %}}{line}{{% endfor %}}{{% endfor %}}");
    refused(
        &[(&template("404.html"), &page_404(&loops))],
        &["templates/404.html: error[template]: rendering 404.html: the page grew past 64 MiB"],
    );
    // Inside a macro, Tera gathers the output in a buffer of its own before the page sees it.
    let gathered = format!("{{% macro big() %}}{loops}{{% endmacro big %}}\n{{{{ self::big() }}}}");
    refused(
        &[(&template("404.html"), &gathered)],
        &["rendering 404.html: macros and filter sections made more than 64 MiB"],
    );
    // A string doubled at each turn of a loop.
    let doubled =
        "{% set s = \"xx\" %}{% for i in range(end=60) %}\n{% set_global s = s ~ s %}{% endfor %}{{ s | length }}";
    refused(
        &[(&template("404.html"), &page_404(doubled))],
        &["templates/404.html:4: error[template]: rendering 404.html: this set made a value of more than 64 MiB"],
    );
}

#[test]
fn every_template_error_is_located() {
    // Tera unwraps the sum of two floats, which overflows here.
    let overflow = format!("{{{{ 1{0}.0 + 1{0}.0 }}}}", "0".repeat(308));
    let rendered = [
        ("{{ root | no_such_filter }}", "templates/404.html:3: error[template]: rendering 404.html:"),
        ("{{ no_such_variable }}", "templates/404.html:3: error[template]: rendering 404.html:"),
        ("{% include \"missing.html\" %}", "templates/404.html:3: error[template]: rendering 404.html:"),
        ("{{ no_such_function() }}", "templates/404.html:3: error[template]: rendering 404.html:"),
        ("{{ now() }}", "Function 'now' not found"),
        ("{{ get_random(end=9) }}", "Function 'get_random' not found"),
        ("{{ root ~ }}", "templates/404.html:3:"),
        (&overflow, "templates/404.html: error[template]: rendering 404.html: the template engine failed"),
    ];
    for (main, expected) in rendered {
        refused(&[(&template("404.html"), &page_404(main))], &[expected]);
    }
    let loaded = [
        ("{% extends \"missing.html\" %}", "templates/404.html:1: error[template]"),
        ("{% import \"missing.html\" as m %}\n<p>x</p>", "templates/404.html:1: error[template]"),
    ];
    for (text, expected) in loaded {
        refused(&[(&template("404.html"), text)], &[expected]);
    }
}

#[test]
fn a_base_url_that_is_not_a_web_address_is_refused_at_its_line() {
    for base in
        ["javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "ftp://intra.example/roles/", "/roles/"]
    {
        let toml = format!("title = \"役割分担表\"\nbase_url = \"{base}\"\n");
        refused(&[("site.toml", &toml)], &["site.toml:2: error[config]: base_url"]);
    }
}

#[test]
fn a_retired_page_with_a_date_that_is_not_one_is_refused_at_its_line() {
    refused(
        &[("seeds/retired.csv", "url,date,reason\nitems/8/,2026-11-25,統合\nitems/9/,きのう,統合\n")],
        &["retired.csv:3: error[retired]: date \"きのう\" is not a date"],
    );
}
