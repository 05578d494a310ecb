//! A TCP proxy on 127.0.0.1 in front of a server (PostgreSQL, the Cognito emulator), to take
//! the server "away" — refused or black-holed — and bring it back on the same address.

use std::net::SocketAddr;

use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Forward,
    /// Connections stay open, nothing gets through: a black-holed network.
    Frozen,
    Stopped,
}

#[derive(Debug)]
struct Running {
    mode: watch::Sender<Mode>,
    task: JoinHandle<()>,
}

/// A TCP proxy on 127.0.0.1 in front of a server, to take the server "away" and bring it back
/// on the same address.
#[derive(Debug)]
pub struct TcpProxy {
    addr: SocketAddr,
    upstream: SocketAddr,
    running: Option<Running>,
}

impl TcpProxy {
    /// Listens on a free port of 127.0.0.1 and forwards every connection to `upstream`.
    pub async fn start(upstream: SocketAddr) -> Self {
        let mut proxy = Self { addr: SocketAddr::from(([127, 0, 0, 1], 0)), upstream, running: None };
        proxy.listen().await;
        proxy
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Closes the listener (new connections are refused) and cuts every live connection.
    pub async fn stop(&mut self) {
        if let Some(running) = self.running.take() {
            let _ = running.mode.send(Mode::Stopped);
            running.task.await.expect("proxy task");
        }
    }

    /// Listens again on the same port.
    pub async fn restart(&mut self) {
        self.stop().await;
        self.listen().await;
    }

    /// Keeps every connection (and accepts new ones) but forwards nothing any more.
    pub fn freeze(&self) {
        if let Some(running) = &self.running {
            let _ = running.mode.send(Mode::Frozen);
        }
    }

    async fn listen(&mut self) {
        let socket = TcpSocket::new_v4().expect("socket");
        socket.set_reuseaddr(true).expect("SO_REUSEADDR");
        socket.bind(self.addr).unwrap_or_else(|e| panic!("proxy cannot bind {}: {e}", self.addr));
        let listener = socket.listen(128).expect("listen");
        self.addr = listener.local_addr().expect("proxy address");
        let (mode, watcher) = watch::channel(Mode::Forward);
        let task = tokio::spawn(serve(listener, self.upstream, watcher));
        self.running = Some(Running { mode, task });
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        if let Some(running) = self.running.take() {
            running.task.abort();
        }
    }
}

async fn serve(listener: TcpListener, upstream: SocketAddr, mode: watch::Receiver<Mode>) {
    let mut stop = mode.clone();
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                if let Ok((client, _)) = accepted {
                    connections.spawn(pipe(client, upstream, mode.clone()));
                }
            }
            _ = stop.wait_for(|m| *m == Mode::Stopped) => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    // Dropping the listener closes the port; dropping the set aborts every pipe, which
    // closes both of its sockets.
    drop(listener);
    connections.shutdown().await;
}

async fn pipe(mut client: TcpStream, upstream: SocketAddr, mut mode: watch::Receiver<Mode>) {
    if *mode.borrow() == Mode::Forward {
        let Ok(mut server) = TcpStream::connect(upstream).await else { return };
        tokio::select! {
            _ = tokio::io::copy_bidirectional(&mut client, &mut server) => return,
            _ = mode.wait_for(|m| *m != Mode::Forward) => {}
        }
        // Frozen (or stopping): hold both sockets silently until the proxy stops.
        let _ = mode.wait_for(|m| *m == Mode::Stopped).await.is_ok();
        drop(server);
    } else {
        let _ = mode.wait_for(|m| *m == Mode::Stopped).await.is_ok();
    }
    drop(client);
}
