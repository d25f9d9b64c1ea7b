//! The HTTP/1.1 connection loop (in place of `axum::serve`, which sets no timeouts): every
//! connection must send a complete request head within [`HttpTimeouts::header_read`] — the
//! first request and each next one on a kept-alive connection — or it is closed, so slow or
//! idle connections (slowloris) cannot pile up. Bodies have their own limits (the API's 1 MiB
//! read, the hosted page's upload gate). Shutdown stops accepting, then lets requests in flight
//! finish, up to [`HttpTimeouts::drain`].

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::time::Duration;
use tokio::net::TcpListener;

/// Connection timeouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpTimeouts {
    /// Time allowed for a request head (start line and headers), counted from when the
    /// connection starts waiting for it: also the longest a kept-alive connection stays idle.
    pub header_read: Duration,
    /// Time requests in flight get to finish at shutdown.
    pub drain: Duration,
}

impl Default for HttpTimeouts {
    fn default() -> Self {
        Self {
            header_read: Duration::from_secs(30),
            drain: Duration::from_secs(30),
        }
    }
}

/// Request heads are parsed with room for this many header fields; larger heads get hyper's
/// bare 431 (smaller but still oversized ones get verifyd's own, Stripe-shaped).
const MAX_HEADERS: usize = 256;

/// Serves `router` on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    timeouts: HttpTimeouts,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let graceful = GracefulShutdown::new();
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(timeouts.header_read)
        .keep_alive(true)
        .max_headers(MAX_HEADERS);
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    Err(error) => {
                        // Out of file descriptors and the like: wait a moment, keep serving.
                        tracing::warn!(%error, "accepting a connection failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let service = TowerToHyperService::new(router.clone());
                let connection = builder.serve_connection(TokioIo::new(stream), service);
                let connection = graceful.watch(connection);
                tokio::spawn(async move {
                    // A client that vanishes or times out ends its connection; nothing to log.
                    let _ = connection.await;
                });
            }
            _ = &mut shutdown => break,
        }
    }
    drop(listener);
    if tokio::time::timeout(timeouts.drain, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("requests still running at shutdown were cut off");
    }
    Ok(())
}
