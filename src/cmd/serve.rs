//! `rolesite serve`: build, then serve the output folder over HTTP, on loopback unless told
//! otherwise, rebuilding on every change. Three parts, a file each: the rebuilds run in a
//! process of their own, so nothing a build does can stop the server (`rebuilds`);
//! connections are taken under a cap and a time limit for their headers, and on loopback
//! only for the machine's own names (`listen`); only regular files inside the output folder
//! are sent, from disk as they are read (`files`).
//!
//! Live reload: HTML responses get a small script, only here and never in `build` output,
//! that listens on `/__rolesite/live` (server-sent events): `reload` after a good rebuild,
//! `failed` with the error after a bad one (shown over the page while the last good site
//! stays served), `ok` when the site is good.

mod files;
mod listen;
mod rebuilds;

use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::get;
use axum::Router;
use rolesite::rebuild::Outcome;
use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub project: crate::cmd::ProjectDir,
    /// Port to listen on (0 picks a free one).
    #[arg(long, short, default_value_t = 8080)]
    pub port: u16,
    /// Address to listen on. Anything but loopback makes the site reachable from other machines.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    pub bind: IpAddr,
    #[command(flatten)]
    pub out: crate::cmd::OutputFolder,
}

pub fn run(args: &Args) -> anyhow::Result<i32> {
    let output = args.out.output.as_ref().map(|o| std::env::current_dir().map(|d| d.join(o))).transpose()?;
    let root = match &output {
        Some(o) => o.clone(),
        None => rolesite::config::Project::load(&args.project.dir)?.output(),
    };
    let live = Live::default();
    let Some(rebuilds) =
        rebuilds::Rebuilds::start(&args.project.dir, output.as_deref(), &root, args.out.clean, live.clone())?
    else {
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
    // Listened for before the address is printed: whoever reads it may stop the server at
    // once, and must find it stopping cleanly, not killed by the signal's default action.
    let stop = stopped();
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    println!("serving {} at http://{bound}/", root.display());
    listen::accept(listener, router(root, live, bound), stop).await;
    Ok(())
}

/// The live-reload events, and the site's files for everything else; on loopback, for the
/// machine's own names only.
fn router(root: PathBuf, live: Live, bound: SocketAddr) -> Router {
    use axum::handler::Handler;
    let hosts = listen::Hosts::of(bound);
    Router::new()
        .route("/__rolesite/live", get(events).with_state(live))
        .fallback_service(files::send.with_state(Arc::new(root)))
        .layer(axum::middleware::from_fn_with_state(hosts, listen::local_names_only))
}

/// Ctrl-C, or SIGTERM where there is one, listened for from this call on: tokio's
/// `ctrl_c()` would take over the signal only when first polled.
fn stopped() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let streams = {
        use tokio::signal::unix::{signal, SignalKind};
        (signal(SignalKind::interrupt()).ok(), signal(SignalKind::terminate()).ok())
    };
    async move {
        #[cfg(unix)]
        if let (Some(mut interrupt), Some(mut term)) = streams {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = term.recv() => {}
            }
            return;
        }
        let _ = tokio::signal::ctrl_c().await;
    }
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

/// A short answer in plain text.
fn plain(status: axum::http::StatusCode, text: &'static str) -> axum::response::Response {
    files::answer(status, "text/plain; charset=utf-8", text.len() as u64, axum::body::Body::from(text))
}

/// The live-reload client: reload on `reload`, show the error over the page on `failed`.
const LIVE_SCRIPT: &str = r#"<script>(function(){var box,es=new EventSource("/__rolesite/live");
function clear(){if(box){box.remove();box=null}}
es.addEventListener("reload",function(){location.reload()});
es.addEventListener("ok",clear);
es.addEventListener("failed",function(e){if(!box){box=document.createElement("pre");box.id="rolesite-error";box.setAttribute("role","alert");
box.style.cssText="position:fixed;left:0;right:0;bottom:0;max-height:50vh;overflow:auto;margin:0;padding:1em;background:#fff0f0;color:#8b0000;border-top:4px solid #c00;z-index:9999;white-space:pre-wrap;font:14px/1.5 monospace";
document.body.appendChild(box)}box.textContent="rolesite: ビルドに失敗しました。直前の正常なサイトを表示しています。\n\n"+e.data});})();</script>"#;
