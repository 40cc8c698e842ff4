//! The HTTP/1.1 server loop: axum's `serve` has no timers, so a client that sends its headers
//! one byte a minute, or keeps a connection open and silent, would hold a socket and a task
//! for as long as it likes. Here hyper runs with a timer: the headers of each request must
//! arrive within [`crate::Config::header_read_timeout`] (which also closes keep-alive connections idle that
//! long), and a request body must arrive within [`BODY_READ_TIMEOUT`].

use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower::ServiceExt;

/// Time for a request's headers to arrive, and for a kept-alive connection to send the next
/// (the default of [`crate::Config::header_read_timeout`]).
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Time for a request's body to arrive (bodies are at most 64 KiB by default).
pub const BODY_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a shutdown waits for open requests before it closes their connections.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Serves `app` on `listener` until `shutdown` resolves, then lets open requests finish.
pub async fn run(
    listener: TcpListener,
    app: Router,
    header_read_timeout: Duration,
    shutdown: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    let (stop_tx, stop_rx) = watch::channel(false);
    // Each connection task holds a clone; when all are dropped, every connection is done.
    let (done_tx, mut done_rx) = watch::channel(());
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(error) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    tracing::warn!(%error, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let service = app
            .clone()
            .map_request(move |mut request: Request<Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                request.map(Body::new)
            });
        let service = TowerToHyperService::new(service);
        let mut stop = stop_rx.clone();
        let done = done_tx.clone();
        tokio::spawn(async move {
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(header_read_timeout);
            let connection = builder
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades();
            tokio::pin!(connection);
            let result = tokio::select! {
                result = connection.as_mut() => result,
                _ = stop.changed() => {
                    // Finish the request in flight, then close.
                    connection.as_mut().graceful_shutdown();
                    connection.as_mut().await
                }
            };
            if let Err(error) = result {
                tracing::debug!(%error, %peer, "connection ended");
            }
            drop(done);
        });
    }
    drop(listener);
    let _ = stop_tx.send(true);
    drop(done_tx);
    // `changed` fails once every connection task has dropped its sender.
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, async {
        while done_rx.changed().await.is_ok() {}
    })
    .await;
    Ok(())
}
