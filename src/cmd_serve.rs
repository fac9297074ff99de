//! `rolesite serve`: build, then serve the output folder over HTTP, on loopback unless told
//! otherwise. Files are served by tower-http's `ServeDir`, which refuses `..`, encoded
//! `%2e%2e` and absolute paths; each connection is its own task, so a slow or stalled
//! client holds up nobody else.

use crate::config::Project;
use axum::http::{header, HeaderValue};
use axum::response::Response;
use axum::Router;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
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
    let mut project = Project::load(&args.dir)?;
    if let Some(out) = &args.output {
        project.config.output = std::env::current_dir()?.join(out);
    }
    let (rendered, written) = crate::build(&project)?;
    eprintln!("built {} files from {} rows", written.files, rendered.table.rows.len());
    if !args.bind.is_loopback() {
        eprintln!("warning: listening on {}: the site is reachable from other machines", args.bind);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(serve(project.output(), SocketAddr::new(args.bind, args.port)))?;
    Ok(0)
}

/// Serve `root` until Ctrl-C. Prints the address actually bound (port 0 picks one).
pub async fn serve(root: PathBuf, addr: SocketAddr) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    println!("serving {} at http://{}/", root.display(), listener.local_addr()?);
    axum::serve(listener, router(&root))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

/// The site's files, its own 404 page for anything missing, UTF-8 text types.
pub fn router(root: &Path) -> Router {
    let files = ServeDir::new(root)
        .append_index_html_on_directories(true)
        .not_found_service(ServeFile::new(root.join("404.html")));
    Router::new().fallback_service(files).layer(axum::middleware::map_response(with_charset))
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
    response
}
