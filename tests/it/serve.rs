//! `rolesite serve` over real sockets: pages and types, the 404 page, traversal refused,
//! a stalled client holding up nobody, 200 connections at once.

use crate::common;

use common::chromium;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// A running server, killed when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
    stderr: std::sync::Arc<std::sync::Mutex<String>>,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Serve a copy of the seed project.
fn start(extra: &[&str]) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("project");
    for sub in ["seeds", "content"] {
        std::fs::create_dir_all(project.join(sub)).unwrap();
        for e in std::fs::read_dir(Path::new(ROOT).join(sub)).unwrap() {
            let p = e.unwrap().path();
            std::fs::copy(&p, project.join(sub).join(p.file_name().unwrap())).unwrap();
        }
    }
    // A theme's own assets, of the other types a site serves.
    let assets = project.join("themes/default/static");
    std::fs::create_dir_all(&assets).unwrap();
    std::fs::write(assets.join("mark.svg"), "<svg xmlns=\"http://www.w3.org/2000/svg\"/>").unwrap();
    std::fs::write(assets.join("extra.js"), "// 拡張\n").unwrap();
    launch(dir, extra)
}

fn launch(dir: tempfile::TempDir, extra: &[&str]) -> Server {
    let project = dir.path().join("project");
    launch_at(dir, &project, extra)
}

/// Serve the project at `served` (inside `dir`, perhaps reached through a link).
fn launch_at(dir: tempfile::TempDir, served: &Path, extra: &[&str]) -> Server {
    // Something beside the site that traversal would reach.
    std::fs::write(dir.path().join("project/secret.txt"), "SECRET-BESIDE-THE-SITE").unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_rolesite"))
        .args(["serve", served.to_str().unwrap(), "--port", "0"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let addr = line
        .trim()
        .rsplit("http://")
        .next()
        .unwrap()
        .trim_end_matches('/')
        .parse()
        .unwrap_or_else(|_| panic!("{line}"));
    // stderr is drained by a thread; the build and any warning are printed before the
    // address, so they are there once the address is.
    let stderr = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let sink = stderr.clone();
    let err = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(err).lines().map_while(Result::ok) {
            sink.lock().unwrap().push_str(&(line + "\n"));
        }
    });
    Server { child, addr, stderr, _dir: dir }
}

impl Server {
    fn stderr(&self) -> String {
        std::thread::sleep(Duration::from_millis(100));
        self.stderr.lock().unwrap().clone()
    }
}

struct Reply {
    status: u16,
    content_type: String,
    body: Vec<u8>,
    /// Whether the response says `Cache-Control: no-store`.
    no_store: bool,
    /// The status line and headers, as sent.
    head: String,
}

impl Reply {
    /// A header's value, by its lower-case name.
    fn header(&self, name: &str) -> Option<String> {
        let prefix = format!("{name}:");
        self.head
            .lines()
            .find_map(|l| l.to_ascii_lowercase().starts_with(&prefix).then(|| l[prefix.len()..].trim().to_string()))
    }
}

/// One raw HTTP/1.1 GET, the path sent exactly as given (no client normalises `..`).
fn get(addr: SocketAddr, path: &str) -> Reply {
    get_with(addr, path, "")
}

/// A GET with extra header lines (each ending in CRLF).
fn get_with(addr: SocketAddr, path: &str, headers: &str) -> Reply {
    request(addr, &format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n{headers}Connection: close\r\n\r\n"))
}

/// Send `raw` as it is, and read the reply to its end.
fn request(addr: SocketAddr, raw: &str) -> Reply {
    request_within(addr, raw, Duration::from_secs(10))
}

/// `request`, waiting up to `time` for each read.
fn request_within(addr: SocketAddr, raw: &str, time: Duration) -> Reply {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(time)).unwrap();
    s.write_all(raw.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("a header block");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let content_type = head
        .lines()
        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-type:").map(|v| v.trim().to_string()))
        .unwrap_or_default();
    let no_store = head.to_ascii_lowercase().contains("\r\ncache-control: no-store");
    Reply { status, content_type, body: raw[split + 4..].to_vec(), no_store, head }
}

#[test]
fn pages_types_and_the_404_page() {
    let s = start(&[]);
    for (path, status, kind) in [
        ("/", 200, "text/html; charset=utf-8"),
        ("/items/704/", 200, "text/html; charset=utf-8"),
        ("/items/704/index.html", 200, "text/html; charset=utf-8"),
        ("/assets/style.css", 200, "text/css; charset=utf-8"),
        ("/data/roles.json", 200, "application/json; charset=utf-8"),
        ("/data/roles.csv", 200, "text/csv; charset=utf-8"),
        ("/assets/mark.svg", 200, "image/svg+xml"),
        ("/assets/extra.js", 200, "text/javascript; charset=utf-8"),
        ("/items/99999/", 404, "text/html; charset=utf-8"),
    ] {
        let r = get(s.addr, path);
        assert_eq!((r.status, r.content_type.as_str()), (status, kind), "{path}");
    }
    assert!(String::from_utf8_lossy(&get(s.addr, "/items/704/").body).contains("総合テスト実施"));
    assert_eq!(get(s.addr, "/assets/extra.js").body, "// 拡張\n".as_bytes(), "only HTML gets the live script");
    assert!(String::from_utf8_lossy(&get(s.addr, "/no/such/page").body).contains("ページが見つかりません"));
    // A page may change twice in the second `Last-Modified` names: never "not modified",
    // never stored.
    let later = "If-Modified-Since: Fri, 01 Jan 2100 00:00:00 GMT\r\nIf-None-Match: *\r\n";
    let again = get_with(s.addr, "/items/704/", later);
    assert_eq!(again.status, 200);
    assert!(again.no_store && get(s.addr, "/assets/style.css").no_store, "Cache-Control: no-store");
    let stderr = s.stderr();
    let files = walkdir::WalkDir::new(s._dir.path().join("project/out"))
        .into_iter()
        .filter(|e| e.as_ref().unwrap().file_type().is_file() && e.as_ref().unwrap().file_name() != ".rolesite")
        .count();
    assert!(stderr.contains(&format!("{files} written")), "the build is reported: {stderr}");
    assert!(!stderr.contains("warning"), "no warning on loopback: {stderr}");
}

/// The 404 page is written at the site's root; served for a missing page at any depth, its
/// links must still lead to the site's files (its stylesheet above all), and its skip link
/// stay on the page.
#[test]
fn the_404_page_links_from_the_root_at_any_depth() {
    let s = start(&[]);
    let links = scraper::Selector::parse("[href], [src], [data-root]").unwrap();
    for missing in ["/nothing.html", "/items/99999/", "/a/b/c/d/index.html"] {
        let reply = get(s.addr, missing);
        assert_eq!(reply.status, 404, "{missing}");
        let html = scraper::Html::parse_document(&String::from_utf8_lossy(&reply.body));
        let mut followed = 0;
        for e in html.select(&links) {
            let attrs = ["href", "src", "data-root"];
            let value = attrs.iter().find_map(|a| e.value().attr(a)).unwrap();
            if let Some(anchor) = value.strip_prefix('#') {
                let target = scraper::Selector::parse(&format!("#{anchor}")).unwrap();
                assert!(html.select(&target).next().is_some(), "{missing}: #{anchor} is on the page");
                continue;
            }
            assert!(value.starts_with('/'), "{missing}: {value} leads from the root");
            let file = if value.ends_with('/') { format!("{value}index.html") } else { value.to_string() };
            assert_eq!(get(s.addr, &file).status, 200, "{missing}: {value}");
            followed += 1;
        }
        assert!(followed >= 8, "{missing}: the page's links were followed ({followed})");
        assert!(html.select(&scraper::Selector::parse("link[href='/assets/style.css']").unwrap()).next().is_some());
    }
    // Only the served 404 page is changed: the file keeps its relative links.
    let file = std::fs::read_to_string(s._dir.path().join("project/out/404.html")).unwrap();
    assert!(file.contains("href=\"assets/style.css\""), "the written 404 page is as built");
}

/// A rebuild's scratch files and the second names of replaced files stand in `out/` for a
/// moment; they are not the site's, and are answered as missing.
#[test]
fn hidden_files_are_not_served() {
    let s = start(&[]);
    let out = s._dir.path().join("project/out");
    std::fs::write(out.join(".notes.html"), "<p>private</p>").unwrap();
    std::fs::write(out.join("items/704/.index.html.old-1"), "<p>old</p>").unwrap();
    for path in ["/.notes.html", "/%2enotes.html", "/%2Enotes.html", "/items/704/.index.html.old-1"] {
        let reply = get(s.addr, path);
        assert_eq!(reply.status, 404, "{path}");
        let body = String::from_utf8_lossy(&reply.body);
        assert!(
            body.contains("ページが見つかりません") && !body.contains("private") && !body.contains("<p>old"),
            "{path}"
        );
    }
    assert_eq!(get(s.addr, "/items/704/index.html").status, 200, "the page itself is served");
}

#[test]
fn traversal_is_refused() {
    let s = start(&[]);
    for path in [
        "/../secret.txt",
        "/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/secret.txt",
        "/items/%2e%2e/%2e%2e/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "/..%5csecret.txt",
        "/..\\secret.txt",
        "//etc/passwd",
        "/%2fetc%2fpasswd",
        "/../../../../../../etc/passwd",
        "/%252e%252e/secret.txt",
        "/items/704/../../../secret.txt",
    ] {
        let r = get(s.addr, path);
        let body = String::from_utf8_lossy(&r.body);
        assert!(r.status == 404 || r.status == 400, "{path}: {}", r.status);
        assert!(!body.contains("SECRET-BESIDE-THE-SITE") && !body.contains("root:"), "{path} leaked");
    }
}

/// A client that sends half a request and stalls, and one that hangs up at once, hold up
/// nobody: other requests are answered at their usual pace meanwhile.
#[test]
fn a_stalled_client_holds_up_nobody() {
    let s = start(&[]);
    let mut stalled: Vec<TcpStream> = (0..20)
        .map(|_| {
            let mut c = TcpStream::connect(s.addr).unwrap();
            c.write_all(b"GET /items/704/ HTTP/1.1\r\nHost: loc").unwrap();
            c
        })
        .collect();
    for _ in 0..20 {
        drop(TcpStream::connect(s.addr).unwrap());
    }
    let start = Instant::now();
    for _ in 0..50 {
        assert_eq!(get(s.addr, "/items/704/").status, 200);
    }
    assert!(start.elapsed() < Duration::from_secs(10), "{:?}", start.elapsed());
    stalled.clear();
    assert_eq!(get(s.addr, "/").status, 200);
}

#[test]
fn two_hundred_connections_at_once() {
    let s = start(&[]);
    let addr = s.addr;
    let threads: Vec<_> = (0..200)
        .map(|i| {
            std::thread::spawn(move || {
                let path = ["/", "/items/704/", "/matrix/", "/assets/style.css", "/vendors/dev-main/"][i % 5];
                get(addr, path).status
            })
        })
        .collect();
    let statuses: Vec<u16> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
}

#[test]
fn a_non_loopback_bind_warns() {
    let s = start(&["--bind", "0.0.0.0"]);
    let stderr = s.stderr();
    assert!(stderr.contains("warning: listening on 0.0.0.0"), "{stderr}");
    let local = SocketAddr::new("127.0.0.1".parse().unwrap(), s.addr.port());
    assert_eq!(get(local, "/").status, 200);
    // Reachable from other machines by any of its names.
    let named = request(local, "GET / HTTP/1.1\r\nHost: rolesite.example:8080\r\nConnection: close\r\n\r\n");
    assert_eq!(named.status, 200);
}

fn text(addr: SocketAddr, path: &str) -> String {
    String::from_utf8_lossy(&get(addr, path).body).into_owned()
}

/// Poll until `ok` holds, for up to 15 s.
fn eventually(what: &str, mut ok: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ok() {
        assert!(start.elapsed() < Duration::from_secs(15), "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Read server-sent events from `/__rolesite/live` on a thread, into a shared log.
fn listen(addr: SocketAddr) -> std::sync::Arc<std::sync::Mutex<String>> {
    let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let sink = log.clone();
    let mut s = TcpStream::connect(addr).unwrap();
    write!(s, "GET /__rolesite/live HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n").unwrap();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = s.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock().unwrap().push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    });
    log
}

/// `serve` on a one-row table, to be edited: the server and the project's seeds/ folder.
fn live_project() -> (Server, std::path::PathBuf) {
    let dir = one_row_project();
    let seeds = dir.path().join("project/seeds");
    (launch(dir, &[]), seeds)
}

/// A folder holding `project/`, a one-row table.
fn one_row_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let seeds = dir.path().join("project/seeds");
    std::fs::create_dir_all(&seeds).unwrap();
    std::fs::write(seeds.join("vendors.csv"), "id,name\nowner,発注者\n").unwrap();
    std::fs::write(seeds.join("roles.csv"), "項番,作業項目,owner,作業内容\n1,最初の名前,◎,説明\n").unwrap();
    dir
}

/// Edit, break, fix: the site follows good edits, keeps the last good site through a bad
/// one while every open page is told the error, and clears it on the next good save.
#[test]
fn live_rebuilds_follow_edits_and_survive_bad_ones() {
    let (s, seeds) = live_project();
    let roles = seeds.join("roles.csv");
    let page = text(s.addr, "/items/1/");
    assert!(page.contains("最初の名前") && page.contains("/__rolesite/live"), "served pages get the live script");
    assert!(!get(s.addr, "/assets/style.css").body.windows(8).any(|w| w == b"<script>"));
    assert!(!std::fs::read_to_string(s._dir.path().join("project/out/items/1/index.html"))
        .unwrap()
        .contains("/__rolesite/live"));
    let events = listen(s.addr);
    eventually("the first event", || events.lock().unwrap().contains("event: ok"));

    // A good edit, saved the way editors do: write aside, then rename over.
    let aside = seeds.join(".roles.csv.swp");
    std::fs::write(&aside, "項番,作業項目,owner,作業内容\n1,新しい名前,◎,説明\n2,追加した作業,◎,説明\n").unwrap();
    std::fs::rename(&aside, &roles).unwrap();
    // A rebuild's pages appear one by one: the whole site is asserted once it is announced.
    eventually("the edit announced", || {
        events.lock().unwrap().contains("event: reload") && text(s.addr, "/items/1/").contains("新しい名前")
    });
    assert_eq!(get(s.addr, "/items/2/").status, 200);

    // A bad edit: broken quoting. The last good site stays; the error reaches the page.
    std::fs::write(&roles, "項番,作業項目,owner,作業内容\n1,\"壊れた,◎,説明\n").unwrap();
    eventually("the error event", || events.lock().unwrap().contains("event: failed"));
    let log = events.lock().unwrap().clone();
    assert!(log.contains("roles.csv:2:3: error[csv]"), "{log}");
    assert!(text(s.addr, "/items/1/").contains("新しい名前"), "the last good site is still served");
    let late = listen(s.addr);
    eventually("a page opened during the failure sees it", || late.lock().unwrap().contains("event: failed"));

    // The fix clears it. A rebuild writes its pages before it removes the ones gone, so
    // the removal is asserted once the rebuild is announced, not when the first page shows.
    let reloads = || events.lock().unwrap().matches("event: reload").count();
    let before = reloads();
    std::fs::write(&roles, "項番,作業項目,owner,作業内容\n1,直した名前,◎,説明\n").unwrap();
    eventually("the fix announced", || reloads() > before && text(s.addr, "/items/1/").contains("直した名前"));
    assert_eq!(get(s.addr, "/items/2/").status, 404, "a removed item's page is gone");
    // Other bad edits: a template syntax error, an unknown vendor column. Each is reported
    // at its place, and the next good save clears it.
    let template = seeds.parent().unwrap().join("themes/default/templates/item.html");
    std::fs::create_dir_all(template.parent().unwrap()).unwrap();
    std::fs::write(&template, "{% extends \"base.html\" %}\n{% block main %}\n{% if %}\n{% endblock main %}\n")
        .unwrap();
    eventually("the template error", || events.lock().unwrap().contains("item.html:3:"));
    std::fs::remove_file(&template).unwrap();
    std::fs::write(&roles, "項番,作業項目,owner,nobody,作業内容\n1,直した名前,◎,○,説明\n").unwrap();
    eventually("the unknown column", || events.lock().unwrap().contains("roles.csv:1:"));
    std::fs::write(&roles, "項番,作業項目,owner,作業内容\n1,直した名前,◎,説明\n").unwrap();

    // A page opened now sees the site good: at once (`ok`), or, if it connected between the
    // swap and the announcement, the failure followed by the `reload` that clears it.
    let after = listen(s.addr);
    eventually("the state is ok again", || {
        let log = after.lock().unwrap();
        let last = log.rfind("event: ");
        last.is_some_and(|i| log[i..].starts_with("event: ok") || log[i..].starts_with("event: reload"))
    });
}

/// `build --watch`: the same rebuilds without a server, each reported with its counts. Run
/// the way people do, inside the project with no folder named; and idle while nothing
/// changes (its own reads of the project are not changes).
#[test]
fn build_watch_rebuilds_and_reports() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("project");
    std::fs::create_dir_all(project.join("seeds")).unwrap();
    std::fs::write(project.join("seeds/vendors.csv"), "id,name\nowner,発注者\n").unwrap();
    std::fs::write(project.join("seeds/roles.csv"), "項番,作業項目,owner,作業内容\n1,前,◎,説明\n2,消す作業,◎,説明\n")
        .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_rolesite"))
        .args(["build", "--watch"])
        .current_dir(&project)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let sink = log.clone();
    let err = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(err).lines().map_while(Result::ok) {
            sink.lock().unwrap().push_str(&(line + "\n"));
        }
    });
    eventually("watching", || log.lock().unwrap().contains("watching"));
    let reports = || log.lock().unwrap().lines().filter(|l| l.contains(" written, ")).count();
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(reports(), 1, "no rebuild without a change: {}", log.lock().unwrap());
    std::fs::write(project.join("seeds/roles.csv"), "項番,作業項目,owner,作業内容\n1,後,◎,説明\n").unwrap();
    let page = project.join("out/items/1/index.html");
    eventually("the rebuilt page", || std::fs::read_to_string(&page).is_ok_and(|t| t.contains("後")));
    // One report per rebuild: `N written, M unchanged, K removed in T ms`; the one that
    // followed the edit removed items/2.
    let removed =
        |line: &str| -> usize { line.split(" removed").next().unwrap().rsplit(' ').next().unwrap().parse().unwrap() };
    eventually("a report of the removal", || {
        log.lock()
            .unwrap()
            .lines()
            .filter(|l| l.contains(" written, "))
            .any(|l| l.contains(" removed in ") && removed(l) >= 1)
    });

    // A folder that did not exist when watching began, and a new file in it.
    std::fs::create_dir_all(project.join("content")).unwrap();
    std::fs::write(project.join("content/new.md"), "+++\ntitle = \"新しいページ\"\n+++\n\n本文\n").unwrap();
    let new_page = project.join("out/pages/new/index.html");
    eventually("the new page", || std::fs::read_to_string(&new_page).is_ok_and(|t| t.contains("新しいページ")));

    // A data file deleted (the build fails, the site stays) and created again.
    std::fs::remove_file(project.join("seeds/roles.csv")).unwrap();
    eventually("the failure reported", || log.lock().unwrap().contains("error[no-input]"));
    assert!(std::fs::read_to_string(&page).unwrap().contains("後"), "the last good site stays");
    std::fs::write(project.join("seeds/roles.csv"), "項番,作業項目,owner,作業内容\n1,再作成,◎,説明\n").unwrap();
    eventually("the re-created file's page", || std::fs::read_to_string(&page).is_ok_and(|t| t.contains("再作成")));
    let _ = child.kill();
    let _ = child.wait();
}

/// In a real browser: an open page reloads by itself after a good edit, shows a bad edit's
/// error over the last good page, and drops it after the fix.
#[test]
fn an_open_page_follows_edits_in_the_browser() {
    let (s, seeds) = live_project();
    let roles = seeds.join("roles.csv");
    let chrome = chromium::driven();
    let tab = chrome.browser.new_tab().unwrap();
    tab.navigate_to(&format!("http://{}/items/1/", s.addr)).unwrap().wait_until_navigated().unwrap();
    let heading = |name: &str| format!("document.querySelector('h1').textContent.includes('{name}')");
    chromium::wait_until(&tab, "the first page", &heading("最初の名前"));
    // Mark this document: a reload replaces it, so the mark is gone after one.
    tab.evaluate("window.__before_reload = true", false).unwrap();

    std::fs::write(&roles, "項番,作業項目,owner,作業内容\n1,新しい名前,◎,説明\n").unwrap();
    chromium::wait_until(&tab, "the page to reload with the edit", &heading("新しい名前"));
    chromium::wait_until(&tab, "a new document", "window.__before_reload === undefined");

    std::fs::write(&roles, "項番,作業項目,owner,作業内容\n1,\"壊れた,◎,説明\n").unwrap();
    let overlay = "document.getElementById('rolesite-error')";
    chromium::wait_until(
        &tab,
        "the error over the page",
        &format!("!!{overlay} && {overlay}.textContent.includes('roles.csv:2:3: error[csv]')"),
    );
    assert_eq!(
        tab.evaluate(&heading("新しい名前"), false).unwrap().value,
        Some(serde_json::Value::Bool(true)),
        "the last good page stays under the error"
    );

    std::fs::write(&roles, "項番,作業項目,owner,作業内容\n1,直した名前,◎,説明\n").unwrap();
    chromium::wait_until(&tab, "the fixed page", &heading("直した名前"));
    chromium::wait_until(&tab, "the error gone", &format!("{overlay} === null"));
}

/// The rebuilds run in a process of their own, so nothing a theme or a table does to it
/// can stop the server: when it dies (here killed outright, as an abort ends it), the last
/// good site stays served, open pages are told, and a new one builds the next edit, held to
/// the site as published before the session, as the first was.
#[cfg(target_os = "linux")]
#[test]
fn the_server_outlives_its_rebuilding_process() {
    let (s, seeds) = live_project();
    let roles = seeds.join("roles.csv");
    let events = listen(s.addr);
    eventually("the first event", || events.lock().unwrap().contains("event: ok"));
    let reloads = || events.lock().unwrap().matches("event: reload").count();
    std::fs::write(&roles, "項番,作業項目,owner,作業内容\n1,最初の名前,◎,説明\n2,追加した作業,◎,説明\n").unwrap();
    // At least one reload: a write seen half done (truncated, then filled) may give two.
    eventually("a task added", || get(s.addr, "/items/2/").status == 200 && reloads() >= 1);

    let first = rebuilder(&s);
    signal(first, "KILL");
    eventually("the failure told to open pages", || events.lock().unwrap().contains("event: failed"));
    let log = events.lock().unwrap().clone();
    assert!(log.contains("ビルド処理が異常終了しました"), "{log}");
    assert!(text(s.addr, "/items/2/").contains("追加した作業"), "the last good site is still served");
    eventually("a new rebuilding process, watching", || s.stderr().contains("watching for changes again"));
    assert_ne!(rebuilder(&s), first);

    // The task added in the session was never published: it may go again.
    let before = reloads();
    std::fs::write(&roles, "項番,作業項目,owner,作業内容\n1,新しい名前,◎,説明\n").unwrap();
    eventually("the edit announced", || reloads() > before && text(s.addr, "/items/1/").contains("新しい名前"));
    assert_eq!(get(s.addr, "/items/2/").status, 404);
}

/// Stopping the server, by Ctrl-C, SIGTERM or outright, stops its rebuilding process too;
/// and what it set aside beside the output folder (the published site's URLs, for a
/// restarted rebuilding process) goes with it, or with the next whole build.
#[cfg(target_os = "linux")]
#[test]
fn stopping_the_server_stops_its_rebuilding_process() {
    for how in ["INT", "TERM", "KILL"] {
        let (mut s, _) = live_project();
        let project = s._dir.path().join("project");
        let names =
            || std::fs::read_dir(&project).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned());
        let set_aside = || names().filter(|n| n.starts_with(".out.kept-")).count();
        assert_eq!(set_aside(), 1, "SIG{how}");
        let child = rebuilder(&s);
        signal(s.child.id(), how);
        s.child.wait().unwrap();
        eventually(&format!("the rebuilding process gone after SIG{how}"), || !running(child));
        if how != "KILL" {
            assert_eq!(set_aside(), 0, "SIG{how}");
        }
        let built = Command::new(env!("CARGO_BIN_EXE_rolesite")).arg("build").arg(&project).output().unwrap();
        assert!(built.status.success() && set_aside() == 0, "SIG{how}: a whole build removes a killed serve's");
    }
}

/// The process `serve` rebuilds in: its one running child.
fn rebuilder(s: &Server) -> u32 {
    let mut found = Vec::new();
    eventually("the rebuilding process", || {
        found = children(s.child.id()).into_iter().filter(|p| running(*p)).collect();
        found.len() == 1
    });
    found[0]
}

/// The processes whose parent is `pid`, from /proc.
fn children(pid: u32) -> Vec<u32> {
    let all = std::fs::read_dir("/proc").unwrap().filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok());
    all.filter(|p| stat(*p).is_some_and(|(_, parent)| parent == pid)).collect()
}

/// A process's state letter and parent, from /proc/PID/stat (the name in parentheses may
/// hold spaces).
fn stat(pid: u32) -> Option<(char, u32)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let mut fields = text[text.rfind(')')? + 2..].split(' ');
    Some((fields.next()?.chars().next()?, fields.next()?.parse().ok()?))
}

/// Whether `pid` still runs: a zombie has ended and only waits to be reaped.
fn running(pid: u32) -> bool {
    stat(pid).is_some_and(|(state, _)| state != 'Z')
}

fn signal(pid: u32, name: &str) {
    assert!(Command::new("kill").arg(format!("-{name}")).arg(pid.to_string()).status().unwrap().success());
}

/// A page is sent from its file as it is read, the live script after it: slow readers of
/// a large page cost the server little memory, not a copy of the page each.
#[cfg(target_os = "linux")]
#[test]
fn slow_readers_of_a_large_page_cost_little_memory() {
    let (s, _) = live_project();
    let mut page = String::from("<!DOCTYPE html><html lang=\"ja\"><head><title>大きな表</title></head><body><table>\n");
    while page.len() < 16 << 20 {
        page.push_str("<tr><td>要件定義書の作成</td><td>◎</td><td>○</td><td>説明</td></tr>\n");
    }
    page.push_str("</table></body></html>\n");
    let out = s._dir.path().join("project/out");
    std::fs::create_dir_all(out.join("big")).unwrap();
    std::fs::write(out.join("big/index.html"), &page).unwrap();
    let whole = get(s.addr, "/big/");
    assert!(whole.body.starts_with(page.as_bytes()), "the page as on disk");
    let script = &whole.body[page.len()..];
    assert!(String::from_utf8_lossy(script).contains("/__rolesite/live") && script.len() < 4096, "then the script");
    let before = resident_kib(s.child.id());
    let readers: Vec<TcpStream> = (0..24)
        .map(|_| {
            let mut c = TcpStream::connect(s.addr).unwrap();
            c.write_all(b"GET /big/ HTTP/1.1\r\nHost: localhost\r\n\r\n").unwrap();
            let mut first = [0u8; 4096];
            c.read_exact(&mut first).unwrap();
            c
        })
        .collect();
    std::thread::sleep(Duration::from_secs(2));
    let grown = resident_kib(s.child.id()).saturating_sub(before);
    assert!(grown < 96 * 1024, "24 slow readers of a 16 MiB page took {grown} KiB more");
    drop(readers);
}

/// Only regular files inside the output folder are served: a link inside it, to a file or
/// a folder, within the site or outside it, gets the 404 page. The project, and so the
/// output folder, may itself be reached through a link.
#[cfg(unix)]
#[test]
fn links_inside_the_output_folder_are_not_followed() {
    use std::os::unix::fs::symlink;
    let dir = one_row_project();
    let alias = dir.path().join("alias");
    symlink(dir.path().join("project"), &alias).unwrap();
    let s = launch_at(dir, &alias, &[]);
    let out = s._dir.path().join("project/out");
    symlink("/etc/passwd", out.join("passwd.txt")).unwrap();
    symlink("../secret.txt", out.join("leak.txt")).unwrap();
    symlink(out.join("items"), out.join("tasks")).unwrap();
    symlink("/etc", out.join("etc")).unwrap();
    symlink("index.html", out.join("items/1/copy.html")).unwrap();
    assert_eq!(get(s.addr, "/items/1/").status, 200, "the site, through the project's link");
    for path in
        ["/passwd.txt", "/leak.txt", "/tasks/1/", "/tasks/1/index.html", "/etc/passwd", "/etc/", "/items/1/copy.html"]
    {
        let reply = get(s.addr, path);
        let body = String::from_utf8_lossy(&reply.body);
        assert_eq!(reply.status, 404, "{path}");
        assert!(body.contains("ページが見つかりません"), "{path}: the site's 404 page");
        assert!(!body.contains("root:") && !body.contains("SECRET-BESIDE-THE-SITE"), "{path} leaked");
    }
}

/// Answers are whole and exact: a Range is ignored (a 200 with the whole page is always a
/// valid answer, and part of a page with the script added would be wrong); HEAD tells the
/// length GET sends; odd targets get 404 or 400, never an empty 500; and a folder asked
/// without its slash is redirected within the site, never to `//name/`, which a browser
/// reads as another host.
#[test]
fn answers_are_whole_and_their_lengths_exact() {
    let (s, _) = live_project();
    let out = s._dir.path().join("project/out");
    let page = std::fs::read(out.join("items/1/index.html")).unwrap();
    let ranged = get_with(s.addr, "/items/1/", "Range: bytes=0-99\r\n");
    assert_eq!(ranged.status, 200);
    assert!(ranged.body.starts_with(&page) && ranged.body.len() > page.len(), "the whole page, then the script");
    assert_eq!(ranged.header("accept-ranges"), None);
    let css = get_with(s.addr, "/assets/style.css", "Range: bytes=10-20\r\n");
    assert_eq!((css.status, css.body), (200, std::fs::read(out.join("assets/style.css")).unwrap()));

    for path in ["/", "/index.html", "/items/1/", "/assets/style.css", "/no/such/page"] {
        let got = get(s.addr, path);
        let head = request(s.addr, &format!("HEAD {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"));
        let length = Some(got.body.len().to_string());
        assert_eq!((head.status, head.header("content-length")), (got.status, length.clone()), "{path}");
        assert_eq!(got.header("content-length"), length, "{path}");
        assert!(head.body.is_empty(), "{path}");
    }

    for path in [
        format!("/{}", "a".repeat(300)),
        format!("/items/{}/", "9".repeat(4000)),
        format!("/{}.html", "長".repeat(200)),
    ] {
        let reply = get(s.addr, &path);
        assert_eq!(reply.status, 404, "a long name");
        assert!(String::from_utf8_lossy(&reply.body).contains("ページが見つかりません"));
    }
    for target in ["items", "items/1/", "*"] {
        let reply = request(s.addr, &format!("GET {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"));
        assert_eq!(reply.status, 400, "{target}");
    }
    for (path, to) in [
        ("/items", "/items/"),
        ("//items", "/items/"),
        ("/items/1", "/items/1/"),
        ("//items/1", "/items/1/"),
        ("///items//1", "/items/1/"),
        ("//items/1?x=1", "/items/1/?x=1"),
    ] {
        let reply = get(s.addr, path);
        assert!([301, 308].contains(&reply.status), "{path}: {}", reply.status);
        assert_eq!(reply.header("location").as_deref(), Some(to), "{path}");
    }
    assert_eq!(get(s.addr, "/items/1/?x=1").status, 200);
    let post = request(s.addr, "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    assert_eq!(post.status, 405);
}

/// The resident memory of `pid`, in KiB.
fn resident_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// A page elsewhere on the web can have a browser send requests here under a host name of
/// its own (DNS rebinding): on loopback only the local names are answered, the live events
/// included; anything else gets 421 and a line of text.
#[test]
fn on_loopback_only_local_host_names_are_answered() {
    let (s, _) = live_project();
    let port = s.addr.port();
    let ask = |host: &str, path: &str| {
        request(s.addr, &format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"))
    };
    let local = ["localhost".to_string(), format!("localhost:{port}"), format!("127.0.0.1:{port}")];
    for host in local.iter().cloned().chain([format!("[::1]:{port}"), "127.0.0.1".into(), format!("LocalHost:{port}")])
    {
        assert_eq!(ask(&host, "/items/1/").status, 200, "{host}");
    }
    let other = port.wrapping_add(1);
    for host in [
        "evil.example".to_string(),
        format!("evil.example:{port}"),
        format!("localhost:{other}"),
        format!("localhost.evil.example:{port}"),
        format!("127.0.0.1.nip.io:{port}"),
        format!("[::2]:{port}"),
    ] {
        for path in ["/", "/items/1/", "/no/such/", "/__rolesite/live", "/assets/style.css"] {
            let reply = ask(&host, path);
            assert_eq!(reply.status, 421, "{host} {path}");
            assert!(reply.content_type.starts_with("text/plain"), "{host} {path}: {}", reply.content_type);
            assert!(reply.body.len() < 200, "{host} {path}: a short text");
        }
    }
    assert_eq!(request(s.addr, "GET / HTTP/1.0\r\n\r\n").status, 421, "no Host at all");
}

/// Clients that open connections and never finish their headers (slowloris), or send
/// nothing, are cut off after about ten seconds.
#[test]
fn unfinished_requests_are_cut_off() {
    let (s, _) = live_project();
    let started = Instant::now();
    let mut idle: Vec<TcpStream> = (0..40)
        .map(|i| {
            let mut c = TcpStream::connect(s.addr).unwrap();
            if i % 2 == 0 {
                c.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Wait: ").unwrap();
            }
            c.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
            c
        })
        .collect();
    for c in &mut idle {
        let mut rest = Vec::new();
        match c.read_to_end(&mut rest) {
            Ok(_) => {}
            Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset, "closed, not timed out: {e}"),
        }
    }
    assert!(started.elapsed() < Duration::from_secs(20), "{:?}", started.elapsed());
    assert_eq!(get(s.addr, "/").status, 200);
}

/// Connections beyond the server's cap wait in the queue rather than each taking a task
/// and descriptors: many idle connections cannot exhaust the process, and a request waits
/// its turn.
#[cfg(target_os = "linux")]
#[test]
fn connections_over_the_cap_wait_their_turn() {
    let (s, _) = live_project();
    let held: Vec<TcpStream> = (0..800).map(|_| TcpStream::connect(s.addr).unwrap()).collect();
    std::thread::sleep(Duration::from_secs(1));
    let fds = std::fs::read_dir(format!("/proc/{}/fd", s.child.id())).unwrap().count();
    assert!(fds < 600, "{fds} descriptors open for 800 connections");
    let raw = "GET /items/1/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    assert_eq!(request_within(s.addr, raw, Duration::from_secs(40)).status, 200, "a request waits its turn");
    drop(held);
}
