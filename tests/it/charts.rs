//! The pictures (#9), held to the data: every number a load map, a vendor's bars or its
//! standing shows is counted again here from `data/roles.json`; every mark's link lands on
//! a list of exactly the tasks it counts; the quality strip shows the gaps and the rows
//! `rolesite check` warns about. Then, in Chromium, axe-core finds no serious or critical
//! accessibility problem on the pages with pictures, and screenshots are kept in
//! `target/screenshots/` for a person to look at.

use crate::common;

use common::chromium::{driven, file_url};
use scraper::{ElementRef, Html, Selector};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

fn rolesite(args: &[&str]) -> std::process::Output {
    let out = Command::new(env!("CARGO_BIN_EXE_rolesite")).args(args).output().expect("running rolesite");
    assert!(out.status.success(), "rolesite {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out
}

fn build(project: &Path, name: &str) -> PathBuf {
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    if out.exists() {
        fs::remove_dir_all(&out).unwrap();
    }
    rolesite(&["build", "-q", project.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    out
}

/// The seed site, built once for this file.
fn seed() -> &'static Path {
    static SITE: OnceLock<PathBuf> = OnceLock::new();
    SITE.get_or_init(|| build(Path::new(env!("CARGO_MANIFEST_DIR")), "charts-seed"))
}

/// A generated table (three heading levels, eight vendors), built once.
fn generated() -> &'static Path {
    static SITE: OnceLock<PathBuf> = OnceLock::new();
    SITE.get_or_init(|| {
        let project = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("charts-gen-project");
        if project.exists() {
            fs::remove_dir_all(&project).unwrap();
        }
        rolesite(&["gen", project.to_str().unwrap(), "--items", "400", "--vendors", "8", "--seed", "9"]);
        build(&project, "charts-gen")
    })
}

fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap()
}

fn html(site: &Path, page: &str) -> Html {
    Html::parse_document(&fs::read_to_string(site.join(page)).unwrap_or_else(|e| panic!("{page}: {e}")))
}

fn attr<'a>(e: ElementRef<'a>, name: &str) -> &'a str {
    e.value().attr(name).unwrap_or_else(|| panic!("no {name} on {}", e.html()))
}

/// `data/roles.json`, read the way a person checking the pictures would.
struct Roles {
    json: Value,
    rows: Vec<Value>,
    by_no: HashMap<u64, Value>,
}

impl Roles {
    fn of(site: &Path) -> Roles {
        let json: Value = serde_json::from_str(&fs::read_to_string(site.join("data/roles.json")).unwrap()).unwrap();
        let rows = json["rows"].as_array().unwrap().clone();
        let by_no = rows.iter().map(|r| (r["no"].as_u64().unwrap(), r.clone())).collect();
        Roles { json, rows, by_no }
    }

    /// The headings above a row, top first.
    fn chain(&self, row: &Value) -> Vec<u64> {
        let mut out = Vec::new();
        let mut next = row["parent"].as_u64();
        while let Some(no) = next {
            out.push(no);
            next = self.by_no.get(&no).and_then(|r| r["parent"].as_u64());
        }
        out.reverse();
        out
    }

    fn tasks(&self) -> impl Iterator<Item = &Value> {
        self.rows.iter().filter(|r| r["kind"] != "heading")
    }

    /// (vendor, "primary" | "cooperating") a task names, each once, uncertain columns aside.
    fn roles(row: &Value) -> BTreeSet<(String, String)> {
        row["roles"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["basis"] != "uncertain" && r["vendor"].is_string())
            .map(|r| (r["vendor"].as_str().unwrap().to_string(), r["role"].as_str().unwrap().to_string()))
            .collect()
    }

    /// The roles in columns no vendor can be named for, each kind once: the map's
    /// 事業者不明 row (its vendor is "").
    fn unknown(row: &Value) -> BTreeSet<(String, String)> {
        row["roles"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["basis"] == "uncertain")
            .map(|r| (String::new(), r["role"].as_str().unwrap().to_string()))
            .collect()
    }

    /// Whether the row's roles are in doubt: what every count shows apart.
    fn doubtful(row: &Value) -> bool {
        row["roles_in_doubt"] == true
    }

    /// Tasks counted per (vendor, column, role) as (certain, doubtful), with the column each
    /// task falls in; the symbols no vendor can be named for under vendor "".
    fn count(&self, column_of: impl Fn(&[u64]) -> Option<usize>) -> BTreeMap<(String, usize, String), (usize, usize)> {
        let mut counts = BTreeMap::new();
        for task in self.tasks() {
            let Some(column) = column_of(&self.chain(task)) else { continue };
            let doubt = Roles::doubtful(task);
            for (vendor, role) in Roles::roles(task) {
                let c: &mut (usize, usize) = counts.entry((vendor, column, role)).or_default();
                if doubt {
                    c.1 += 1
                } else {
                    c.0 += 1
                }
            }
            for key in Roles::unknown(task) {
                counts.entry((key.0, column, key.1)).or_insert((0, 0)).0 += 1;
            }
        }
        counts
    }
}

/// `12` or `12+3`: a count as a mark shows it, certain then doubtful.
fn shown(certain: usize, doubtful: usize, symbol: &str) -> String {
    match doubtful {
        0 => format!("{symbol}{certain}"),
        d => format!("{symbol}{certain}+{d}"),
    }
}

/// Every cell of the load map on `page`, as (vendor, column, role) → (certain, doubtful),
/// zeros left out. The last row, vendor "", is the symbols no vendor can be named for.
fn map_cells(site: &Path, page: &str) -> BTreeMap<(String, usize, String), (usize, usize)> {
    let doc = html(site, page);
    let mut cells = BTreeMap::new();
    for row in doc.select(&sel("figure.loadmap g.vendor-row")) {
        let vendor = attr(row, "data-vendor").to_string();
        for cell in row.select(&sel("g.cell")) {
            let column: usize = attr(cell, "data-column").parse().unwrap();
            for role in ["primary", "cooperating"] {
                let n: usize = attr(cell, &format!("data-{role}")).parse().unwrap();
                let d: usize = attr(cell, &format!("data-{role}-doubtful")).parse().unwrap();
                // The numbers are also what the cell shows, the doubtful part apart.
                let marks: Vec<String> = cell.select(&sel("a")).map(|a| a.text().collect()).collect();
                let symbol = if role == "primary" { "◎" } else { "○" };
                assert_eq!(marks.contains(&shown(n, d, symbol)), n + d > 0, "{page} {vendor} {column}: {marks:?}");
                if n + d > 0 {
                    cells.insert((vendor.clone(), column, role.to_string()), (n, d));
                }
            }
        }
    }
    cells
}

/// The columns of the load map on `page`: their full names, in order.
fn map_columns(site: &Path, page: &str) -> Vec<String> {
    html(site, page).select(&sel("figure.loadmap g.col title")).map(|t| t.text().collect()).collect()
}

fn assert_home_map(site: &Path) {
    let roles = Roles::of(site);
    let roots: Vec<&Value> = roles.rows.iter().filter(|r| r["kind"] == "heading" && r["parent"].is_null()).collect();
    let mut names: Vec<String> = roots.iter().map(|r| format!("{} {}", r["no"], r["name"].as_str().unwrap())).collect();
    let orphans = roles.tasks().any(|t| t["parent"].is_null());
    if orphans {
        names.push("見出し不明".into());
    }
    assert_eq!(map_columns(site, "index.html"), names);
    let position: HashMap<u64, usize> = roots.iter().enumerate().map(|(i, r)| (r["no"].as_u64().unwrap(), i)).collect();
    let want = roles.count(|chain| match chain.first() {
        Some(root) => position.get(root).copied(),
        None => Some(roots.len()),
    });
    assert!(!want.is_empty());
    let got = map_cells(site, "index.html");
    assert_eq!(got, want);
    // Every mark of the table, the vendors' and the unnamed ones, is in the map once.
    let marks: usize = roles.tasks().map(|t| Roles::roles(t).len() + Roles::unknown(t).len()).sum();
    assert_eq!(got.values().map(|(c, d)| c + d).sum::<usize>(), marks, "the map sums to the table");
}

/// Every phase page's map: vendors × the headings right below, plus its own direct tasks.
fn assert_phase_maps(site: &Path) -> usize {
    let roles = Roles::of(site);
    let mut checked = 0;
    for phase in roles.rows.iter().filter(|r| r["kind"] == "heading") {
        let no = phase["no"].as_u64().unwrap();
        let page = format!("phases/{no}/index.html");
        let children: Vec<u64> = roles
            .rows
            .iter()
            .filter(|r| r["kind"] == "heading" && r["parent"].as_u64() == Some(no))
            .map(|r| r["no"].as_u64().unwrap())
            .collect();
        let want = roles.count(|chain| {
            let at = chain.iter().position(|h| *h == no)?;
            match chain.get(at + 1) {
                Some(child) => children.iter().position(|c| c == child),
                None => Some(children.len()),
            }
        });
        let got = map_cells(site, &page);
        // A phase with a single column below it gets no map: it would say nothing its grid
        // does not.
        let direct = roles.rows.iter().any(|r| r["kind"] != "heading" && r["parent"].as_u64() == Some(no));
        let columns = children.len() + usize::from(direct || children.is_empty());
        match columns {
            1 => assert!(got.is_empty(), "{page}: a map of one column"),
            _ => assert_eq!(got, want, "{page}"),
        }
        checked += usize::from(!got.is_empty());
    }
    checked
}

#[test]
fn the_home_load_map_counts_what_roles_json_holds() {
    assert_home_map(seed());
    assert_home_map(generated());
}

#[test]
fn every_phase_load_map_counts_what_roles_json_holds() {
    assert!(assert_phase_maps(seed()) >= 5);
    assert!(assert_phase_maps(generated()) >= 15);
}

/// The items a link's target lists: the block it names on a vendor page, or the group
/// after a group heading.
fn listed(site: &Path, href: &str, from: &str) -> (String, Vec<u64>) {
    let (file, id) = href.split_once('#').unwrap();
    let page = normalize(Path::new(from).parent().unwrap().join(file).to_str().unwrap());
    let doc = html(site, &page);
    let target = doc.select(&sel(&format!("[id=\"{id}\"]"))).next().unwrap_or_else(|| panic!("{page}#{id} is missing"));
    let nos = |e: ElementRef| -> Vec<u64> {
        e.select(&sel("ul.rows li .no")).map(|n| n.text().collect::<String>().trim().parse().unwrap()).collect()
    };
    let items = if target.value().name() == "h3" {
        let list = target.next_siblings().filter_map(ElementRef::wrap).find(|e| e.value().name() == "ul").unwrap();
        nos(list)
    } else {
        nos(target)
    };
    (page, items)
}

/// `a/b/../c` → `a/c`.
fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for p in path.split('/') {
        match p {
            ".." => {
                parts.pop();
            }
            "." | "" => {}
            p => parts.push(p),
        }
    }
    parts.join("/")
}

#[test]
fn a_mark_links_to_a_list_of_exactly_the_tasks_it_counts() {
    for site in [seed(), generated()] {
        let roles = Roles::of(site);
        let mut checked = 0;
        for page in ["index.html", "phases/1/index.html"] {
            let doc = html(site, page);
            for a in doc.select(&sel("figure.loadmap g.cell a")) {
                let href = attr(a, "href");
                // The unnamed symbols' row leads to the list of rows with such columns.
                if href.contains("quality/") {
                    continue;
                }
                let text: String = a.text().collect();
                let count: usize = text[3..].split('+').map(|n| n.parse::<usize>().unwrap()).sum();
                let (target, items) = listed(site, href, page);
                // The tasks right below headings the source lost come in several groups;
                // the link goes to the first.
                if href.contains("-unknown-") {
                    assert!(!items.is_empty() && items.len() <= count, "{page} → {href}");
                    continue;
                }
                assert_eq!(items.len(), count, "{page} → {target}: {href}");
                let vendor = target.trim_start_matches("vendors/").trim_end_matches("/index.html");
                let role = if href.contains("#primary") { "primary" } else { "cooperating" };
                for no in &items {
                    let roles_of = Roles::roles(&roles.by_no[no]);
                    assert!(roles_of.contains(&(vendor.to_string(), role.to_string())), "{href}: item {no}");
                }
                checked += 1;
            }
        }
        assert!(checked > 30, "{checked} marks checked in {}", site.display());
    }
}

#[test]
fn a_vendor_page_charts_its_phases_and_its_standing() {
    let site = seed();
    let roles = Roles::of(site);
    let home = map_cells(site, "index.html");
    let totals = totals(&roles);
    for vendor in ["dev-main", "mhlw-jps", "common-ops"] {
        let page = format!("vendors/{vendor}/index.html");
        let doc = html(site, &page);
        // The bars: one per phase the vendor works in, the same numbers as the home map's row.
        let n = |e: ElementRef, name: &str| -> usize { attr(e, name).parse().unwrap() };
        let bars: Vec<Counts> = doc
            .select(&sel("figure.bars g.bar"))
            .map(|b| {
                let p = (n(b, "data-primary"), n(b, "data-primary-doubtful"));
                (p, (n(b, "data-cooperating"), n(b, "data-cooperating-doubtful")))
            })
            .collect();
        let mut row: BTreeMap<usize, Counts> = BTreeMap::new();
        for ((v, column, role), n) in &home {
            if v == vendor {
                let e = row.entry(*column).or_default();
                if role == "primary" {
                    e.0 = *n
                } else {
                    e.1 = *n
                }
            }
        }
        assert_eq!(bars, row.values().copied().collect::<Vec<_>>(), "{page}");
        // Each bar links into this page's own lists.
        for a in doc.select(&sel("figure.bars a")) {
            let id = attr(a, "href").strip_prefix('#').expect("a link on the same page");
            assert!(doc.select(&sel(&format!("[id=\"{id}\"]"))).next().is_some(), "{page}#{id}");
        }
        // The standing: every vendor with its totals, this one marked, ranked by certain ◎.
        let standing: Vec<(String, Counts, bool)> = doc
            .select(&sel("figure.standings g.standing"))
            .map(|g| {
                let p = (n(g, "data-primary"), n(g, "data-primary-doubtful"));
                let c = (n(g, "data-cooperating"), n(g, "data-cooperating-doubtful"));
                (attr(g, "data-vendor").to_string(), (p, c), attr(g, "class").contains("current"))
            })
            .collect();
        assert_eq!(standing.len(), roles.json["vendors"].as_array().unwrap().len());
        for (id, counts, current) in &standing {
            assert_eq!(*counts, totals.get(id).copied().unwrap_or_default(), "{page}: {id}");
            assert_eq!(*current, id == vendor, "{page}: {id}");
        }
        let certain = |s: &(String, Counts, bool)| (s.1 .0 .0, s.1 .1 .0);
        assert!(standing.windows(2).all(|w| certain(&w[0]) >= certain(&w[1])), "{page}: not in order");
        let own = totals[vendor].0 .0;
        let rank = 1 + totals.values().filter(|(p, _)| p.0 > own).count();
        let caption: String = doc.select(&sel("#standing-caption")).next().unwrap().text().collect();
        assert!(caption.contains(&format!("中 {rank} 位")), "{page}: {caption}");
    }
}

/// A vendor's ◎ and ○, each as (certain, doubtful).
type Counts = ((usize, usize), (usize, usize));

/// Every vendor's counts over the whole table, from `data/roles.json`.
fn totals(roles: &Roles) -> BTreeMap<String, Counts> {
    let mut totals: BTreeMap<String, Counts> = BTreeMap::new();
    for task in roles.tasks() {
        let doubt = Roles::doubtful(task);
        for (vendor, role) in Roles::roles(task) {
            let t = totals.entry(vendor).or_default();
            let side = if role == "primary" { &mut t.0 } else { &mut t.1 };
            if doubt {
                side.1 += 1
            } else {
                side.0 += 1
            }
        }
    }
    for v in roles.json["vendors"].as_array().unwrap() {
        totals.entry(v["id"].as_str().unwrap().to_string()).or_default();
    }
    totals
}

/// `12` or `12 + 要確認 3`, as the tally macro writes a count, read back.
fn tally(text: &str) -> (usize, usize) {
    let text: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match text.split_once(" + 要確認 ") {
        Some((c, d)) => (c.parse().unwrap(), d.parse().unwrap()),
        None => (text.parse().unwrap_or_else(|_| panic!("{text:?} is no count")), 0),
    }
}

/// Every count of a vendor's roles on the pages that show one — the home page's and
/// vendors/'s tables, the vendor page's header, the matrix's totals — is the certain figure
/// with the doubtful part beside it, as `data/roles.json` has them.
#[test]
fn every_count_of_a_vendor_shows_the_certain_and_the_doubtful_part_as_roles_json_has_them() {
    for site in [seed(), generated()] {
        let roles = Roles::of(site);
        let totals = totals(&roles);
        let name_of: HashMap<String, String> = roles.json["vendors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| (v["name"].as_str().unwrap().to_string(), v["id"].as_str().unwrap().to_string()))
            .collect();
        for (page, table) in [("index.html", "#vendors ~ table"), ("vendors/index.html", "table.list")] {
            let doc = html(site, page);
            let table = doc.select(&sel(table)).next().unwrap_or_else(|| panic!("{page}"));
            let mut seen = 0;
            for tr in table.select(&sel("tbody tr")) {
                let name: String = tr.select(&sel("th")).next().unwrap().text().collect();
                let cells: Vec<String> = tr.select(&sel("td.num")).map(|td| td.text().collect()).collect();
                let got = (tally(&cells[0]), tally(&cells[1]));
                assert_eq!(got, totals[&name_of[&name]], "{page}: {name}");
                seen += 1;
            }
            assert_eq!(seen, totals.len(), "{page}");
        }
        for (id, want) in &totals {
            let doc = html(site, &format!("vendors/{id}/index.html"));
            let counts: Vec<(usize, usize)> = doc
                .select(&sel("dl.meta dd"))
                .find(|dd| dd.text().collect::<String>().contains("主担当"))
                .map(|dd| {
                    let text: String = dd.text().collect();
                    let text = text.split('「').next().unwrap().replace(['◎', '○'], "");
                    let text = text.replace("主担当", "").replace("協力", "");
                    text.split('件').take(2).map(|t| tally(t.trim().trim_start_matches('、'))).collect()
                })
                .unwrap();
            assert_eq!((counts[0], counts[1]), *want, "vendors/{id}/");
        }
        // The matrix's totals: a row for ◎ and one for ○, a cell per vendor.
        let doc = html(site, "matrix/index.html");
        let ids: Vec<String> = doc
            .select(&sel("table.grid thead th.v a"))
            .map(|a| attr(a, "href").trim_start_matches("../vendors/").trim_end_matches("/index.html").to_string())
            .collect();
        let foot: Vec<Vec<(usize, usize)>> = doc
            .select(&sel("table.grid tfoot tr"))
            .map(|tr| tr.select(&sel("td.c")).map(|td| tally(&td.text().collect::<String>())).collect())
            .collect();
        for (i, id) in ids.iter().enumerate() {
            assert_eq!((foot[0][i], foot[1][i]), totals[id], "matrix/: {id}");
        }
        // Every phase page's grid: its totals count the tasks below the heading.
        for phase in roles.rows.iter().filter(|r| r["kind"] == "heading") {
            let no = phase["no"].as_u64().unwrap();
            let page = format!("phases/{no}/index.html");
            let doc = html(site, &page);
            let ids: Vec<String> = doc
                .select(&sel("table.grid thead th.v a"))
                .map(|a| attr(a, "href").rsplit("vendors/").next().unwrap().trim_end_matches("/index.html").to_string())
                .collect();
            let foot: Vec<Vec<(usize, usize)>> = doc
                .select(&sel("table.grid tfoot tr"))
                .map(|tr| tr.select(&sel("td.c")).map(|td| tally(&td.text().collect::<String>())).collect())
                .collect();
            let mut below: BTreeMap<String, Counts> = BTreeMap::new();
            for task in roles.tasks().filter(|t| roles.chain(t).contains(&no)) {
                let doubt = Roles::doubtful(task);
                for (vendor, role) in Roles::roles(task) {
                    let t = below.entry(vendor).or_default();
                    let side = if role == "primary" { &mut t.0 } else { &mut t.1 };
                    if doubt {
                        side.1 += 1
                    } else {
                        side.0 += 1
                    }
                }
            }
            for (i, id) in ids.iter().enumerate() {
                assert_eq!((foot[0][i], foot[1][i]), below.get(id).copied().unwrap_or_default(), "{page}: {id}");
            }
            assert_eq!(ids.len(), below.len(), "{page}: a column for each vendor involved");
        }
    }
}

#[test]
fn the_quality_strip_shows_the_gaps_and_the_rows_check_warns_about() {
    let site = seed();
    let json = Roles::of(site).json;
    let doc = html(site, "quality/index.html");
    let gaps: Vec<(u64, u64)> = doc
        .select(&sel("figure.strip a.gap"))
        .map(|a| (attr(a, "data-from").parse().unwrap(), attr(a, "data-to").parse().unwrap()))
        .collect();
    let want: Vec<(u64, u64)> = json["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["from"].as_u64().unwrap(), g["to"].as_u64().unwrap()))
        .collect();
    assert_eq!(gaps, want);
    assert!(gaps.contains(&(58, 251)));
    // The rows `rolesite check` reports a warning for, by 項番.
    let check = Command::new(env!("CARGO_BIN_EXE_rolesite"))
        .arg("check")
        .arg(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("rolesite check");
    let report = String::from_utf8_lossy(&check.stdout).into_owned() + &String::from_utf8_lossy(&check.stderr);
    let warned: BTreeSet<u64> = report
        .lines()
        .filter(|l| l.contains(": warning["))
        .filter_map(|l| l.split("]: 項番").nth(1))
        // A row's finding names it as `項番N name`; a gap's (`項番 58–251`) is no row's.
        .filter_map(|rest| rest.split(' ').next()?.parse().ok())
        .collect();
    let ticks: BTreeSet<u64> =
        doc.select(&sel("figure.strip a.flagged")).map(|a| attr(a, "data-no").parse().unwrap()).collect();
    assert!(warned.len() > 50, "{} warned rows", warned.len());
    assert_eq!(ticks, warned);
    // Each tick links to its row's page, which exists.
    for a in doc.select(&sel("figure.strip a.flagged")) {
        let href = attr(a, "href");
        assert!(site.join("quality").join(href).exists(), "{href}");
    }
    // The present runs and the gaps tile the 項番 range without overlapping.
    let mut spans: Vec<(u64, u64)> = doc
        .select(&sel("figure.strip rect.present title"))
        .map(|t| {
            let text: String = t.text().collect();
            let (a, b) = text.trim_start_matches("項番 ").split_once('–').unwrap();
            (a.parse().unwrap(), b.parse().unwrap())
        })
        .chain(gaps.iter().copied())
        .collect();
    spans.sort();
    assert_eq!(spans.first().unwrap().0, 1);
    assert!(spans.windows(2).all(|w| w[0].1 + 1 == w[1].0), "{spans:?}");
}

/// axe-core, as `.ci/test` fetches it (a pinned version); `ROLESITE_AXE` overrides.
fn axe_source() -> String {
    let path = std::env::var_os("ROLESITE_AXE")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-deps/axe-core/axe.min.js"));
    fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("{}: {e}. The accessibility test needs axe-core: run `.ci/test`, which fetches it.", path.display())
    })
}

/// A site built from a small RACI table (R 実行責任, A 説明責任, C 協議, I 報告先; `A/R` cells),
/// in `out/` of the folder returned.
fn raci_site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::create_dir_all(root.join("seeds")).unwrap();
    let vendors = "id,name\nowner,発注者\npmo,PMO支援業者\ndev,設計・開発業者\nops,運用業者\n";
    fs::write(root.join("seeds/vendors.csv"), vendors).unwrap();
    let rows =
        "項番,階層,作業項目,owner,pmo,dev,ops,作業内容\n1,1,計画,,,,,\n2,,全体計画書の作成,A/R,C,I,I,全体を定める\n\
                3,,リスク管理計画,A,R,C,C,\n4,1,設計・開発,,,,,\n5,,基本設計,A,C,R,C,\n6,,詳細設計,I,C,A/R,,\n\
                7,1,運用,,,,,\n8,,運用手順書の作成,A,I,C,R,\n9,,運用開始判定,C,I,I,,\n";
    fs::write(root.join("seeds/roles.csv"), rows).unwrap();
    let kinds = [("R", "実行責任"), ("A", "説明責任"), ("C", "協議"), ("I", "報告先")];
    let roles = kinds.map(|(s, n)| format!("[[roles]]\nsymbol = \"{s}\"\nname = \"{n}\"\n")).concat();
    fs::write(root.join("site.toml"), format!("[legend]\nseveral = true\n\n{roles}")).unwrap();
    let build =
        std::process::Command::new(env!("CARGO_BIN_EXE_rolesite")).args(["build", "-q"]).arg(root).output().unwrap();
    assert!(build.status.success(), "{}", String::from_utf8_lossy(&build.stderr));
    dir
}

/// The whole page as a PNG.
fn save_screenshot(tab: &headless_chrome::Tab, file: &Path) {
    use headless_chrome::protocol::cdp::Page::CaptureScreenshotFormatOption::Png;
    let png = tab.capture_screenshot(Png, None, None, true).unwrap();
    fs::write(file, png).unwrap();
}

#[test]
fn pages_with_pictures_pass_axe_and_are_kept_as_screenshots() {
    let axe = axe_source();
    let site = seed();
    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    fs::create_dir_all(&shots).unwrap();
    let chrome = driven();
    let mut problems = Vec::new();
    // A RACI table beside the seed: four kinds of role, a cell holding two (A/R).
    let raci = raci_site();
    let raci_out = raci.path().join("out");
    let raci_site: &Path = &raci_out;
    for (name, site, page) in [
        ("charts-home", site, "index.html"),
        ("charts-vendor", site, "vendors/dev-main/index.html"),
        ("charts-quality", site, "quality/index.html"),
        ("charts-phase", site, "phases/1/index.html"),
        ("raci-home", raci_site, "index.html"),
        ("raci-vendor", raci_site, "vendors/owner/index.html"),
        ("raci-item", raci_site, "items/2/index.html"),
    ] {
        let tab = chrome.browser.new_tab().unwrap();
        tab.set_bounds(headless_chrome::types::Bounds::Normal {
            left: Some(0),
            top: Some(0),
            width: Some(1280.0),
            height: Some(1000.0),
        })
        .unwrap();
        tab.navigate_to(&file_url(&site.join(page))).unwrap().wait_until_navigated().unwrap();
        let has_chart = !name.ends_with("-item");
        tab.evaluate(&axe, false).unwrap();
        let run = "axe.run(document).then(function (r) { return JSON.stringify({ passes: r.passes.length, \
                   violations: r.violations.map(function (v) { return { id: v.id, impact: v.impact, \
                   nodes: v.nodes.length, first: v.nodes[0] && v.nodes[0].html.slice(0, 160) }; }) }); })";
        let result = tab.evaluate(run, true).unwrap().value.expect("axe result");
        let result: Value = serde_json::from_str(result.as_str().unwrap()).unwrap();
        // Proof that axe ran its rules on the page.
        assert!(result["passes"].as_u64().unwrap() > 10, "{page}: axe passed {} rules", result["passes"]);
        for v in result["violations"].as_array().unwrap() {
            if ["serious", "critical"].contains(&v["impact"].as_str().unwrap_or("")) {
                problems.push(format!("{page}: {v}"));
            }
        }
        // The picture is drawn: the browser lays the SVG out at its size.
        let drawn = tab
            .evaluate("Array.from(document.querySelectorAll('figure.chart svg')).every(function (s) { return s.getBoundingClientRect().width > 100; })", false)
            .unwrap()
            .value;
        assert!(!has_chart || drawn == Some(Value::Bool(true)), "{page}: a chart is not laid out");
        save_screenshot(&tab, &shots.join(format!("{name}.png")));
        // Printed in black and white: the same page as print media, in grey.
        tab.call_method(headless_chrome::protocol::cdp::Emulation::SetEmulatedMedia {
            media: Some("print".into()),
            features: None,
        })
        .unwrap();
        tab.evaluate("document.documentElement.style.filter = 'grayscale(1)'", false).unwrap();
        save_screenshot(&tab, &shots.join(format!("{name}-print-bw.png")));
    }
    assert!(problems.is_empty(), "axe-core found serious or critical problems:\n{}", problems.join("\n"));
}
