//! The site's files as `serve` sends them: only regular files inside the output folder,
//! never through a link; HTML pages from disk as they are read, the live script after
//! them, so a slow reader of a large page holds a buffer, not the page. Every answer is
//! whole (a Range is ignored: a 200 always answers one, and part of a page with the script
//! added would be wrong) and not to be stored: a page can change twice within the second
//! `Last-Modified` would name, and a browser revalidating by date would keep the old one.

use super::LIVE_SCRIPT;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::Response;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

/// The largest 404 page sent as the site's: it is read whole, to make its links start from
/// `/`. A larger one (a theme's mistake) gets a line of text.
const NOT_FOUND_PAGE: u64 = 1 << 20;

const HTML: &str = "text/html; charset=utf-8";

/// GET or HEAD of a file, of a folder's `index.html`, or else the site's 404 page.
pub async fn send(State(root): State<Arc<PathBuf>>, request: Request) -> Response {
    let head = request.method() == Method::HEAD;
    if !head && request.method() != Method::GET {
        let mut refused = super::plain(StatusCode::METHOD_NOT_ALLOWED, "Only GET and HEAD.\n");
        refused.headers_mut().insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return refused;
    }
    // `GET items`, or `OPTIONS *`: no path of ours.
    let Some(path) = request.uri().path().strip_prefix('/') else {
        return super::plain(StatusCode::BAD_REQUEST, "A path starts with /.\n");
    };
    let folder = path.is_empty() || path.ends_with('/');
    let found = match names(path) {
        Some(names) => {
            let root = root.clone();
            tokio::task::spawn_blocking(move || find(&root, &names, folder)).await.ok().flatten()
        }
        None => None,
    };
    match found {
        Some(Found::File(file, len, kind)) => send_file(file, len, kind, head),
        Some(Found::Folder) => to_folder(path, request.uri().query()),
        None => not_found(root, head).await,
    }
}

/// The names a path walks through, decoded, empty ones (`//`) skipped; `None` when one is
/// no name of the site's: hidden (a dot first, however spelled: `..`, `%2e%2e`, and the
/// writer's own scratch files and second names, `.index.html.old-1`), holding a separator
/// or NUL once decoded (`%2f`, `%5c`, `%00`), a drive (`C:`), or not UTF-8.
fn names(path: &str) -> Option<Vec<String>> {
    let name = |raw: &str| {
        let name = percent_encoding::percent_decode_str(raw).decode_utf8().ok()?;
        let mut parts = Path::new(&*name).components();
        let single = matches!((parts.next(), parts.next()), (Some(Component::Normal(_)), None));
        let fine = single && !name.starts_with('.') && !name.contains(['/', '\\', '\0']);
        fine.then(|| name.into_owned())
    };
    path.split('/').filter(|n| !n.is_empty()).map(name).collect()
}

/// What a path names in the output folder.
enum Found {
    /// A regular file, its length and type.
    File(std::fs::File, u64, &'static str),
    /// A folder asked for without its slash.
    Folder,
}

/// What an opened name is: a regular file, or a folder (not kept open: see
/// [`open_beneath`]).
enum Entry {
    File(std::fs::File, u64),
    Folder,
}

/// The file `names` leads to, or the folder's `index.html` when the path ends in `/`.
fn find(root: &Path, names: &[String], folder: bool) -> Option<Found> {
    let path = names.join("/");
    match (open_beneath(root, &path).ok()?, folder) {
        (Entry::File(file, len), false) => Some(Found::File(file, len, content_type(&path))),
        (Entry::File(..), true) => None,
        (Entry::Folder, false) => Some(Found::Folder),
        (Entry::Folder, true) => {
            let index = if path.is_empty() { "index.html".to_string() } else { format!("{path}/index.html") };
            match open_beneath(root, &index).ok()? {
                Entry::File(file, len) => Some(Found::File(file, len, content_type(&index))),
                Entry::Folder => None,
            }
        }
    }
}

/// Open `path` (names joined by `/`; `""`, the folder itself) inside `root`, refusing any
/// link on the way and any way out: `openat2` checks every step in the kernel.
#[cfg(target_os = "linux")]
fn open_beneath(root: &Path, path: &str) -> std::io::Result<Entry> {
    use rustix::fs::{openat2, Mode, OFlags, ResolveFlags};
    // Opened afresh each time, following a link: a whole build swaps a new folder in under
    // the root's name, and the root may be a link to the real folder.
    let dir = rustix::fs::open(root, OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC, Mode::empty())?;
    // NONBLOCK: opening a FIFO put in the folder would wait for a writer; files ignore it.
    let flags = OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NOCTTY | OFlags::NONBLOCK;
    let resolve = ResolveFlags::BENEATH | ResolveFlags::NO_SYMLINKS;
    let fd = match openat2(&dir, if path.is_empty() { "." } else { path }, flags, Mode::empty(), resolve) {
        Ok(fd) => fd,
        // Kernels before 5.6, and sandboxes that filter the call.
        Err(rustix::io::Errno::NOSYS | rustix::io::Errno::PERM) => return open_checked(root, path),
        Err(e) => return Err(e.into()),
    };
    let file = std::fs::File::from(fd);
    let meta = file.metadata()?;
    if meta.is_dir() {
        Ok(Entry::Folder)
    } else if meta.is_file() {
        Ok(Entry::File(file, meta.len()))
    } else {
        Err(std::io::ErrorKind::NotFound.into())
    }
}

#[cfg(not(target_os = "linux"))]
fn open_beneath(root: &Path, path: &str) -> std::io::Result<Entry> {
    open_checked(root, path)
}

/// Without `openat2`: each name on the way is checked to be a folder or a regular file,
/// not a link, and then the file is opened by its path. A link put in place between the
/// check and the open would be followed, which `openat2` rules out.
fn open_checked(root: &Path, path: &str) -> std::io::Result<Entry> {
    let mut at = root.to_path_buf();
    let mut kind = std::fs::metadata(root)?.file_type();
    for name in path.split('/').filter(|n| !n.is_empty()) {
        at.push(name);
        kind = at.symlink_metadata()?.file_type();
        if !(kind.is_dir() || kind.is_file()) {
            return Err(std::io::ErrorKind::NotFound.into());
        }
    }
    if kind.is_dir() {
        return Ok(Entry::Folder);
    }
    let file = std::fs::File::open(at)?;
    let len = file.metadata()?.len();
    Ok(Entry::File(file, len))
}

/// A file's answer: its bytes as they are read, then for a page the live script, and the
/// length of both. HEAD gets the same headers.
fn send_file(file: std::fs::File, len: u64, kind: &'static str, head: bool) -> Response {
    let tail: &'static [u8] = if kind == HTML { LIVE_SCRIPT.as_bytes() } else { b"" };
    let body = if head { Body::empty() } else { streamed(file, len, tail) };
    answer(StatusCode::OK, kind, len + tail.len() as u64, body)
}

/// The file's first `len` bytes, read a chunk at a time as the client takes them, then
/// `tail`. A rebuild replaces a file by renaming another over it, so the open file keeps
/// its bytes, and its length, while it is sent.
fn streamed(file: std::fs::File, len: u64, tail: &'static [u8]) -> Body {
    use futures_util::StreamExt;
    let file = tokio::io::AsyncReadExt::take(tokio::fs::File::from_std(file), len);
    let chunks = tokio_util::io::ReaderStream::with_capacity(file, 64 * 1024);
    let tail = futures_util::stream::once(std::future::ready(Ok(Bytes::from_static(tail))));
    Body::from_stream(chunks.chain(tail))
}

/// An answer with its type and length, never stored, and never sniffed into another type.
pub(super) fn answer(status: StatusCode, kind: &'static str, length: u64, body: Body) -> Response {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}

/// A folder asked for without its slash: to the folder, written from the root with empty
/// names dropped, so `//items` leads to `/items/`, never to `//items/`, which a browser
/// reads as a host named `items`.
fn to_folder(path: &str, query: Option<&str>) -> Response {
    let names: Vec<&str> = path.split('/').filter(|n| !n.is_empty()).collect();
    let location = match query {
        Some(query) => format!("/{}/?{query}", names.join("/")),
        None => format!("/{}/", names.join("/")),
    };
    let mut response = answer(StatusCode::PERMANENT_REDIRECT, "text/plain; charset=utf-8", 0, Body::empty());
    // The path came as a valid request target; its parts make a valid header.
    if let Ok(location) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

/// The site's 404 page, its links made to start from `/`, and the live script; a line of
/// text when there is none (no build has succeeded yet) or it is too large.
async fn not_found(root: Arc<PathBuf>, head: bool) -> Response {
    let page = tokio::task::spawn_blocking(move || read_page(&root, "404.html")).await.ok().flatten();
    let Some(page) = page else {
        return super::plain(StatusCode::NOT_FOUND, "Not found.\n");
    };
    let page = rooted(&page) + LIVE_SCRIPT;
    let length = page.len() as u64;
    answer(StatusCode::NOT_FOUND, HTML, length, if head { Body::empty() } else { Body::from(page) })
}

fn read_page(root: &Path, path: &str) -> Option<String> {
    use std::io::Read;
    let Entry::File(file, len) = open_beneath(root, path).ok()? else { return None };
    if len > NOT_FOUND_PAGE {
        return None;
    }
    let mut bytes = Vec::new();
    file.take(NOT_FOUND_PAGE).read_to_end(&mut bytes).ok()?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// The 404 page is written at the site's root and links from there (`assets/style.css`);
/// served for a missing page at any depth, its links would lead nowhere. `serve` always
/// serves the site at `/`, so they are made to start there. (A built site may be served
/// under a folder, which is why the file itself keeps relative links.)
fn rooted(html: &str) -> String {
    const ATTRIBUTES: [&str; 3] = [" href=\"", " src=\"", " data-root=\""];
    let mut out = String::with_capacity(html.len() + 256);
    let mut rest = html;
    while let Some((at, len)) = ATTRIBUTES.iter().filter_map(|a| Some((rest.find(a)?, a.len()))).min() {
        out.push_str(&rest[..at + len]);
        rest = &rest[at + len..];
        // `#main`, `/x`, `https://…`, `mailto:…` stay as they are.
        let head = rest.split(['"', '/', '?', '#']).next().unwrap_or("");
        if !(rest.starts_with(['#', '/']) || head.contains(':')) {
            out.push('/');
        }
    }
    out.push_str(rest);
    out
}

/// The types a site is made of; anything else is sent as bytes. Text says UTF-8, so no
/// browser guesses.
fn content_type(path: &str) -> &'static str {
    let extension = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    match extension.as_str() {
        "html" | "htm" => HTML,
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" | "map" => "application/json; charset=utf-8",
        "webmanifest" => "application/manifest+json; charset=utf-8",
        "xml" => "text/xml; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        "csv" => "text/csv; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        "pdf" => "application/pdf",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _ => "application/octet-stream",
    }
}
