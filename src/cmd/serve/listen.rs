//! Taking connections: at most [`CONNECTIONS`] at once, the rest waiting in the system's
//! queue, and each given [`HEADERS`] to send its request's headers, so clients that connect
//! and stall (slowloris) cannot hold the server. Bodies have no time limit: the live events
//! stream stays open as long as its page. On loopback, only requests for the machine's own
//! names are answered, so a page elsewhere cannot reach the server through a name of its
//! own pointed at 127.0.0.1 (DNS rebinding).

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Connections served at once. Each holds a socket and, while a file is sent, the file.
const CONNECTIONS: usize = 512;

/// The bytes of an answer held for a client before it takes them, besides the chunk being
/// read from disk (hyper's default is 400 KiB): what a slow reader costs. Also the largest
/// request head, far above what a browser sends.
const BUFFER: usize = 64 * 1024;

/// The time a client has to send a request's headers, from when its connection is taken or
/// its last answer sent: also how long an idle connection is kept.
const HEADERS: Duration = Duration::from_secs(10);

/// Serve `app` on `listener` until `stop` completes.
pub async fn accept(listener: TcpListener, app: Router, stop: impl Future<Output = ()>) {
    room_for(CONNECTIONS);
    let permits = Arc::new(Semaphore::new(CONNECTIONS));
    tokio::pin!(stop);
    loop {
        // The permit first: over the cap, connections wait in the listen queue, not here.
        let next = async {
            let permit = permits.clone().acquire_owned().await.ok()?;
            Some((permit, listener.accept().await))
        };
        let (permit, accepted) = tokio::select! {
            next = next => match next {
                Some(next) => next,
                None => return,
            },
            () = &mut stop => return,
        };
        match accepted {
            Ok((stream, _)) => {
                tokio::spawn(connection(stream, app.clone(), permit));
            }
            Err(e) => pause(e).await,
        }
    }
}

/// One connection, its requests one after another (HTTP/1.1 keep-alive).
async fn connection(stream: TcpStream, app: Router, permit: OwnedSemaphorePermit) {
    let served = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADERS)
        .max_buf_size(BUFFER)
        .serve_connection(TokioIo::new(stream), TowerToHyperService::new(app))
        .await;
    // A client that hung up or ran out of time is no one's error.
    drop(served);
    drop(permit);
}

/// A failed accept. One client's aborted connection is passed over; anything else (out of
/// descriptors) is reported and given a second to clear, rather than retried at once.
async fn pause(e: std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(e.kind(), ConnectionAborted | ConnectionReset | ConnectionRefused) {
        return;
    }
    eprintln!("accept: {e}");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

/// Room for two descriptors a connection and some to spare, within the hard limit: the
/// usual soft limit of 1,024 would run out below the cap.
#[cfg(target_os = "linux")]
fn room_for(connections: usize) {
    use rustix::process::{getrlimit, setrlimit, Resource};
    let wanted = 2 * connections as u64 + 256;
    let mut limit = getrlimit(Resource::Nofile);
    if limit.current.is_some_and(|current| current < wanted) {
        limit.current = Some(limit.maximum.map_or(wanted, |most| most.min(wanted)));
        // Without it the server still runs; only a crowd nearing the cap would notice.
        let _ = setrlimit(Resource::Nofile, limit);
    }
}

#[cfg(not(target_os = "linux"))]
fn room_for(_: usize) {}

/// The address the server is bound to, which says the names it answers to: on loopback
/// the machine's own, with the server's port or none; elsewhere any.
#[derive(Clone, Copy)]
pub struct Hosts {
    bound: SocketAddr,
}

impl Hosts {
    pub fn of(bound: SocketAddr) -> Hosts {
        Hosts { bound }
    }

    fn allow(self, host: Option<&str>) -> bool {
        if !self.bound.ip().is_loopback() {
            return true;
        }
        let Some((name, port)) = host.map(split_port) else { return false };
        // The bound address too, as `serve` prints it (`127.0.0.2`, `[::1]`).
        let bound = match self.bound.ip() {
            IpAddr::V6(ip) => format!("[{ip}]"),
            ip => ip.to_string(),
        };
        let local = name.eq_ignore_ascii_case("localhost") || ["127.0.0.1", "[::1]", &bound].contains(&name);
        local && port.is_none_or(|p| p.parse() == Ok(self.bound.port()))
    }
}

/// `name:port` → (`name`, `Some(port)`); a bracketed IPv6 address keeps its colons.
fn split_port(host: &str) -> (&str, Option<&str>) {
    let end = if host.starts_with('[') {
        host.find(']').map_or(host.len(), |i| i + 1)
    } else {
        host.find(':').unwrap_or(host.len())
    };
    let (name, rest) = host.split_at(end);
    (name, (!rest.is_empty()).then(|| rest.strip_prefix(':').unwrap_or(rest)))
}

/// On loopback, pass on only requests for the machine's own names; the others get 421
/// Misdirected Request. A request target with its own host (`GET http://name/`) counts
/// over the `Host` header, as HTTP says.
pub async fn local_names_only(State(hosts): State<Hosts>, request: Request, next: Next) -> Response {
    let uri = request.uri();
    let host = match uri.authority().filter(|_| uri.scheme().is_some()) {
        Some(authority) => Some(authority.as_str()),
        None => request.headers().get(header::HOST).and_then(|h| h.to_str().ok()),
    };
    if hosts.allow(host) {
        return next.run(request).await;
    }
    super::plain(StatusCode::MISDIRECTED_REQUEST, "This server answers only to localhost, 127.0.0.1 and [::1].\n")
}
