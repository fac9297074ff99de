//! `rolesite serve`: build, then serve the output folder over HTTP, on loopback unless told
//! otherwise, rebuilding on every change. The rebuilds run in a process of their own, so
//! nothing a build does can stop the server (`rebuilds`). Files are served by tower-http's
//! `ServeDir`, which refuses `..`, encoded `%2e%2e` and absolute paths; each connection is
//! its own task, so a slow or stalled client holds up nobody else.
//!
//! Live reload: HTML responses get a small script, only here and never in `build` output,
//! that listens on `/__rolesite/live` (server-sent events): `reload` after a good rebuild,
//! `failed` with the error after a bad one (shown over the page while the last good site
//! stays served), `ok` when the site is good.

mod rebuilds;

use crate::watch::Outcome;
use axum::body::Body;
use axum::http::{header, HeaderValue};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;
use tower_http::services::{ServeDir, ServeFile};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Project folder (holds site.toml, seeds/, content/).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Port to listen on (0 picks a free one).
    #[arg(long, short, default_value_t = 8080)]
    pub port: u16,
    /// Address to listen on. Anything but loopback makes the site reachable from other machines.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    pub bind: IpAddr,
    /// Output folder, overriding site.toml.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

pub fn run(args: &Args) -> anyhow::Result<i32> {
    let output = args.output.as_ref().map(|o| std::env::current_dir().map(|d| d.join(o))).transpose()?;
    let root = match &output {
        Some(o) => o.clone(),
        None => crate::config::Project::load(&args.dir)?.output(),
    };
    let live = Live::default();
    let Some(rebuilds) = rebuilds::Rebuilds::start(&args.dir, output.as_deref(), &root, live.clone())? else {
        return Ok(1);
    };
    if !args.bind.is_loopback() {
        eprintln!("warning: listening on {}: the site is reachable from other machines", args.bind);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let served = runtime.block_on(serve(root, SocketAddr::new(args.bind, args.port), live));
    // Connections still open (live events, slow readers) are dropped, not waited for.
    runtime.shutdown_background();
    rebuilds.stop();
    served?;
    Ok(0)
}

/// The state of the last rebuild, and a channel to every open page.
#[derive(Clone)]
pub struct Live {
    error: Arc<Mutex<Option<String>>>,
    events: broadcast::Sender<Outcome>,
}

impl Default for Live {
    fn default() -> Live {
        Live { error: Arc::new(Mutex::new(None)), events: broadcast::channel(16).0 }
    }
}

impl Live {
    /// Record the outcome and tell every open page. The state and the send change under one
    /// lock, so a page that connects meanwhile sees either the old state and then this event,
    /// or the new state: never the old state alone.
    pub fn publish(&self, outcome: &Outcome) {
        let mut error = self.error.lock().unwrap_or_else(|p| p.into_inner());
        *error = match outcome {
            Outcome::Failed(e) => Some(e.clone()),
            Outcome::Built { .. } => None,
        };
        let _ = self.events.send(outcome.clone());
    }

    /// The current state and a subscription to what follows it, taken together.
    fn subscribe(&self) -> (Option<String>, broadcast::Receiver<Outcome>) {
        let error = self.error.lock().unwrap_or_else(|p| p.into_inner());
        (error.clone(), self.events.subscribe())
    }
}

/// Serve `root` until Ctrl-C or SIGTERM. Prints the address actually bound (port 0 picks
/// one).
pub async fn serve(root: PathBuf, addr: SocketAddr, live: Live) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    println!("serving {} at http://{}/", root.display(), listener.local_addr()?);
    tokio::select! {
        served = async { axum::serve(listener, router(&root, live)).await } => served?,
        () = stopped() => {}
    }
    Ok(())
}

/// Ctrl-C, or SIGTERM where there is one.
async fn stopped() {
    #[cfg(unix)]
    if let Ok(mut term) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
        return;
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// The site's files, its own 404 page for anything missing, UTF-8 text types, and the
/// live-reload events.
pub fn router(root: &Path, live: Live) -> Router {
    let files = ServeDir::new(root)
        .append_index_html_on_directories(true)
        .not_found_service(ServeFile::new(root.join("404.html")));
    Router::new()
        .route("/__rolesite/live", get(events).with_state(live))
        .fallback_service(files)
        .layer(axum::middleware::map_request(fresh_every_time))
        .layer(axum::middleware::map_request(no_hidden_files))
        .layer(axum::middleware::map_response(with_charset))
        .layer(axum::middleware::map_response(with_live_script))
}

/// The current state first (so a page opened during a failure shows it), then each rebuild.
async fn events(
    axum::extract::State(live): axum::extract::State<Live>,
) -> Sse<impl futures_util::Stream<Item = Result<Event, Infallible>>> {
    use futures_util::StreamExt;
    let (state, rx) = live.subscribe();
    let first = match state {
        Some(e) => event("failed", &e),
        None => event("ok", "ok"),
    };
    let rest = futures_util::stream::unfold(rx, |mut rx| async move {
        loop {
            match rx.recv().await {
                Ok(Outcome::Failed(e)) => return Some((Ok(event("failed", &e)), rx)),
                Ok(built @ Outcome::Built { .. }) => return Some((Ok(event("reload", &built.to_string())), rx)),
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    Sse::new(futures_util::stream::once(async move { Ok(first) }).chain(rest)).keep_alive(KeepAlive::default())
}

/// An event with data: browsers drop events whose data is empty (the SSE rules), so every
/// event carries some text, the rebuild's summary or error.
fn event(name: &str, data: &str) -> Event {
    debug_assert!(!data.is_empty());
    // An SSE data field cannot hold a carriage return.
    Event::default().event(name).data(data.replace('\r', ""))
}

/// The live-reload client: reload on `reload`, show the error over the page on `failed`.
const LIVE_SCRIPT: &str = r#"<script>(function(){var box,es=new EventSource("/__rolesite/live");
function clear(){if(box){box.remove();box=null}}
es.addEventListener("reload",function(){location.reload()});
es.addEventListener("ok",clear);
es.addEventListener("failed",function(e){if(!box){box=document.createElement("pre");box.id="rolesite-error";box.setAttribute("role","alert");
box.style.cssText="position:fixed;left:0;right:0;bottom:0;max-height:50vh;overflow:auto;margin:0;padding:1em;background:#fff0f0;color:#8b0000;border-top:4px solid #c00;z-index:9999;white-space:pre-wrap;font:14px/1.5 monospace";
document.body.appendChild(box)}box.textContent="rolesite: ビルドに失敗しました。直前の正常なサイトを表示しています。\n\n"+e.data});})();</script>"#;

/// Put the live-reload client into HTML pages as they are served.
async fn with_live_script(response: Response) -> Response {
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"));
    if !is_html {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 256 * 1024 * 1024).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let mut html = String::from_utf8_lossy(&bytes).into_owned();
    if parts.status == axum::http::StatusCode::NOT_FOUND {
        html = rooted(&html);
    }
    let at = html.rfind("</body>").unwrap_or(html.len());
    html.insert_str(at, LIVE_SCRIPT);
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(html))
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

/// Names starting with a dot are the writer's own (a rebuild's scratch files and the second
/// names of the files it replaced, `.index.html.old-123`), never the site's: they are
/// answered as missing, however the dot is spelled.
async fn no_hidden_files(mut request: axum::extract::Request) -> axum::extract::Request {
    let hidden =
        |segment: &str| segment.starts_with('.') || segment.get(..3).is_some_and(|s| s.eq_ignore_ascii_case("%2e"));
    if request.uri().path().split('/').any(hidden) {
        *request.uri_mut() = axum::http::Uri::from_static("/__rolesite/hidden");
    }
    request
}

/// A page can change twice within a second, the resolution of `Last-Modified`: a browser
/// revalidating by date would be told "not modified" and keep the old page. So every
/// response is sent whole and not stored, as development servers do.
async fn fresh_every_time(mut request: axum::extract::Request) -> axum::extract::Request {
    for name in [header::IF_MODIFIED_SINCE, header::IF_NONE_MATCH, header::IF_UNMODIFIED_SINCE, header::IF_MATCH] {
        request.headers_mut().remove(name);
    }
    request
}

/// Our text is UTF-8; say so, so no browser guesses (the MIME guess carries no charset).
async fn with_charset(mut response: Response) -> Response {
    let text = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .filter(|t| {
            !t.contains("charset") && (t.starts_with("text/") || t.contains("json") || t.contains("javascript"))
        })
        .map(|t| format!("{t}; charset=utf-8"));
    if let Some(value) = text.and_then(|t| HeaderValue::from_str(&t).ok()) {
        response.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
