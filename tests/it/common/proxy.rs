//! A TCP proxy the test controls, to take a server away from the service
//! and give it back: stopped, it closes its listener and cuts every open
//! connection; started again, it listens on the same port.
//!
//! It runs on a runtime of its own, so that a test may block its own thread
//! (the service's blocking calls go through the proxy) without stalling it.

use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::task::JoinHandle;

pub struct TcpProxy {
    port: u16,
    upstream: String,
    runtime: Option<tokio::runtime::Runtime>,
    /// The accept loop and every connection it forwards, while started.
    tasks: Mutex<Option<(JoinHandle<()>, Connections)>>,
}

type Connections = Arc<Mutex<Vec<JoinHandle<()>>>>;

impl TcpProxy {
    /// A started proxy from a free port of 127.0.0.1 to `upstream` (host:port).
    pub fn to(upstream: &str) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("proxy runtime");
        let proxy = Self {
            port: super::process::free_port(),
            upstream: upstream.to_string(),
            runtime: Some(runtime),
            tasks: Mutex::new(None),
        };
        proxy.start();
        proxy
    }

    /// A started proxy to the server of a `postgres://` URL, and the URL
    /// that reaches the same database through it.
    pub fn to_postgres(url: &str) -> (Self, String) {
        let (scheme, rest) = url.split_once("://").expect("a postgres:// URL");
        let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let (credentials, host) = match authority.rsplit_once('@') {
            Some((credentials, host)) => (format!("{credentials}@"), host),
            None => (String::new(), authority),
        };
        let upstream = if host.contains(':') {
            host.to_string()
        } else {
            format!("{host}:5432")
        };
        let proxy = Self::to(&upstream);
        let through = format!("{scheme}://{credentials}127.0.0.1:{}{path}", proxy.port);
        (proxy, through)
    }

    /// Listens again on the same port (a no-op while started).
    pub fn start(&self) {
        let mut tasks = self.tasks.lock().unwrap();
        if tasks.is_some() {
            return;
        }
        let runtime = self.runtime.as_ref().unwrap();
        // The port was ours a moment ago: sockets of cut connections linger
        // in TIME_WAIT, which SO_REUSEADDR (set by std on Unix) lets us pass.
        let mut attempt = 0;
        let listener = loop {
            match std::net::TcpListener::bind(("127.0.0.1", self.port)) {
                Ok(listener) => break listener,
                Err(e) if attempt < 50 => {
                    attempt += 1;
                    eprintln!("proxy: cannot listen on {} yet: {e}", self.port);
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(e) => panic!("proxy: cannot listen on {} again: {e}", self.port),
            }
        };
        listener.set_nonblocking(true).unwrap();
        let connections: Connections = Arc::default();
        let accepted = connections.clone();
        let upstream = self.upstream.clone();
        let accept = runtime.spawn(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            loop {
                let Ok((mut client, _)) = listener.accept().await else {
                    continue;
                };
                let upstream = upstream.clone();
                let forward = tokio::spawn(async move {
                    if let Ok(mut server) = tokio::net::TcpStream::connect(&upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                let mut open = accepted.lock().unwrap();
                open.retain(|task| !task.is_finished());
                open.push(forward);
            }
        });
        *tasks = Some((accept, connections));
    }

    /// Closes the listener (new connections are refused) and cuts every
    /// open connection; answers once all are closed.
    pub async fn stop(&self) {
        let Some((accept, connections)) = self.tasks.lock().unwrap().take() else {
            return;
        };
        accept.abort();
        let _ = accept.await;
        close(&connections).await;
    }

    /// Cuts every open connection and goes on listening: the server seems
    /// to have dropped its sessions (a restart, a failover, a firewall).
    pub async fn cut(&self) {
        let connections = match &*self.tasks.lock().unwrap() {
            Some((_, connections)) => connections.clone(),
            None => return,
        };
        close(&connections).await;
    }
}

async fn close(connections: &Connections) {
    let open: Vec<_> = std::mem::take(&mut *connections.lock().unwrap());
    for task in &open {
        task.abort();
    }
    for task in open {
        let _ = task.await;
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}
