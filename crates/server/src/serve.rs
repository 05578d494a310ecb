//! Serving the routes: accepting connections, HTTP/1 and HTTP/2 through hyper, each request in a
//! `request` span of its own, and a graceful stop.
//!
//! warp's own server and its `trace` filter would do the same, but they log every refused
//! request (a 401 for a wrong password, a 409 for a duplicate) at WARN and a client's malformed
//! request at ERROR; here the request's log line is the middleware's (`http::middleware`), and
//! a connection that ends in a protocol error is the client's business (DEBUG).

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::task::{Context, Poll};
use std::time::Duration;

use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tower_service::Service;
use tracing::Instrument as _;
use warp::Filter;
use warp::http::Request;
use warp::reply::Response;

/// How long a client may take to send a request's head.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a stop waits for the requests in flight.
const DRAIN_WITHIN: Duration = Duration::from_secs(30);

/// The connection's peer, in every request's extensions (`http::filters::peer_addr`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct PeerAddr(pub(crate) SocketAddr);

/// Serves `routes` on `listener` until `shutdown` resolves, then stops accepting and waits for
/// the requests in flight.
pub(crate) async fn serve<F>(listener: TcpListener, routes: F, shutdown: impl Future<Output = ()>)
where
    F: Filter<Extract = (Response,), Error = Infallible> + Clone + Send + Sync + 'static,
{
    let graceful = GracefulShutdown::new();
    let builder = builder();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(connection) => connection,
                Err(err) => {
                    accept_failed(&err).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let service = TowerToHyperService::new(Traced { inner: warp::service(routes.clone()), peer });
        let watcher = graceful.watcher();
        let builder = builder.clone();
        tokio::spawn(async move {
            let connection = watcher.watch(builder.serve_connection(TokioIo::new(stream), service));
            if let Err(err) = connection.await {
                tracing::debug!(%peer, error = %err, "connection ended with an error");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN_WITHIN, graceful.shutdown()).await.is_err() {
        tracing::warn!(seconds = DRAIN_WITHIN.as_secs(), "requests still in flight after the drain time: cut off");
    }
}

/// HTTP/1 and HTTP/2 with a timer, so that hyper's own time limits apply (a client has 30 s to
/// send its request head).
fn builder() -> auto::Builder<TokioExecutor> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(HEADER_READ_TIMEOUT);
    builder.http2().timer(TokioTimer::new());
    builder
}

/// Accepting fails when a client gave up during the handshake (nothing to do) or when the
/// process is out of file descriptors: then back off briefly instead of spinning.
async fn accept_failed(err: &std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(err.kind(), ConnectionAborted | ConnectionRefused | ConnectionReset) {
        return;
    }
    tracing::error!(error = %err, "cannot accept connections; retrying in 1 s");
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
}

/// Runs each request of a connection inside its own `request` span and hands the routes the
/// peer's address.
#[derive(Clone)]
struct Traced<S> {
    inner: S,
    peer: SocketAddr,
}

impl<S> Service<Request<Incoming>> for Traced<S>
where
    S: Service<Request<Incoming>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = tracing::instrument::Instrumented<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<Incoming>) -> Self::Future {
        request.extensions_mut().insert(PeerAddr(self.peer));
        let span = tracing::info_span!(
            "request",
            method = %request.method(),
            path = %request.uri().path(),
            request_id = tracing::field::Empty,
        );
        let future = span.in_scope(|| self.inner.call(request));
        future.instrument(span)
    }
}
