//! lotcheck: quality-control sampling and inspection for contract manufacturing.
//!
//! The binary (`main.rs`) is a thin CLI over this library; the integration
//! tests start the same [`server`] on port 0.

pub mod allocator;
pub mod api;
pub mod charts;
pub mod config;
pub mod demo;
pub mod domain;
pub mod error;
pub mod fonts;
pub mod i18n;
pub mod report;
pub mod service;
pub mod store;
pub mod web;

use actix_web::middleware::from_fn;
use actix_web::{dev::Server, App, HttpServer};
use api::edge;
use api::health::Readiness;
use api::metrics::{Metrics, MetricsAccess};
use api::proxy::TrustedProxies;
use service::auth::AuthSettings;
use service::limits::InputLimits;
use service::photos::PhotoLimits;
use std::net::TcpListener;
use std::time::Duration;
use store::Db;
use tracing_actix_web::TracingLogger;

/// How the server runs, beyond where its data lives.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// HTTP worker threads; one per core when `None`.
    pub workers: Option<usize>,
    pub auth: AuthSettings,
    pub photos: PhotoLimits,
    /// Bounds on readings, lots and drawn samples.
    pub limits: InputLimits,
    pub http: HttpSettings,
    /// The zone pages show times in.
    pub time_zone: SiteZone,
    /// The address the service is reached at from outside.
    pub public_url: PublicUrl,
}

/// The address the service is reached at from outside (`--public-url`,
/// e.g. `https://qc.example.com`), when the site has said it: an issued
/// report then names the full address of the page where a holder of the
/// file checks it is genuine, which a customer far away can open. Behind
/// a proxy the service cannot know it for itself.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PublicUrl(pub Option<String>);

impl PublicUrl {
    /// An http(s) address with a host and no query or fragment, as the base
    /// the service's paths follow (a path of its own, under which a proxy
    /// serves the service, is kept): written back without a trailing `/`.
    pub fn parse_base(text: &str) -> Result<String, String> {
        let url = url::Url::parse(text.trim()).map_err(|e| format!("{text}: {e}"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!("{text}: must start with https:// or http://"));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(format!(
                "{text}: must name a host, e.g. https://qc.example.com"
            ));
        }
        if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
            return Err(format!(
                "{text}: must be an address without ?query, #fragment or user"
            ));
        }
        Ok(url.as_str().trim_end_matches('/').to_string())
    }

    /// The address the service's paths follow, if the site has said it.
    pub fn base(&self) -> Option<String> {
        self.0.clone()
    }
}

/// The site's time zone: pages show every time in it, with its name.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SiteZone(pub chrono_tz::Tz);

impl Default for SiteZone {
    fn default() -> Self {
        SiteZone(chrono_tz::Tz::UTC)
    }
}

/// The HTTP side: proxies, metrics access, timeouts and stopping.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// Proxies whose `Forwarded`/`X-Forwarded-*` headers are believed.
    pub trusted_proxies: TrustedProxies,
    /// The bearer token `/metrics` asks for; public when `None`.
    pub metrics_token: Option<String>,
    /// A request's head must arrive within this (else 408); zero: no limit.
    pub head_timeout: Duration,
    /// A request's body must arrive within this (else 408); zero: no limit.
    pub body_timeout: Duration,
    /// On a stop, `/readyz` answers 503 for this long before the listener
    /// closes, so that load balancers notice first.
    pub shutdown_drain: Duration,
    /// Then requests in flight have this long to finish.
    pub shutdown_timeout: Duration,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            trusted_proxies: TrustedProxies::default(),
            metrics_token: None,
            head_timeout: Duration::from_secs(5),
            body_timeout: Duration::from_secs(60),
            shutdown_drain: Duration::ZERO,
            shutdown_timeout: Duration::from_secs(30),
        }
    }
}

/// A built server with its readiness switch.
pub struct Running {
    pub server: Server,
    /// Turned off first on a stop: `/readyz` answers 503 from then on.
    pub readiness: Readiness,
    shutdown_drain: Duration,
}

/// Builds the HTTP server on a bound listener; the caller awaits or spawns it.
pub fn server(listener: TcpListener, db: Db, settings: Settings) -> std::io::Result<Server> {
    build(listener, db, settings).map(|running| running.server)
}

/// Builds the HTTP server and answers it with its readiness switch. The
/// server does not listen to signals itself: [`Running::run_until_signalled`]
/// does, or the caller stops it through its handle.
pub fn build(listener: TcpListener, db: Db, settings: Settings) -> std::io::Result<Running> {
    let Settings {
        workers,
        auth,
        photos,
        limits,
        http,
        time_zone,
        public_url,
    } = settings;
    let readiness = Readiness::default();
    let db = actix_web::web::Data::new(db);
    let auth = actix_web::web::Data::new(auth);
    let photos = actix_web::web::Data::new(photos);
    let limits = actix_web::web::Data::new(limits);
    // One database's batch frames, shared by the workers.
    let frames = actix_web::web::Data::new(service::measurements::BatchFrames::default());
    let metrics = actix_web::web::Data::new(Metrics::new());
    let access = actix_web::web::Data::new(MetricsAccess(http.metrics_token.clone()));
    let zone = actix_web::web::Data::new(time_zone);
    let public_url = actix_web::web::Data::new(public_url);
    let proxies = actix_web::web::Data::new(http.trusted_proxies.clone());
    let body_timeout = actix_web::web::Data::new(edge::BodyTimeout(http.body_timeout));
    let ready = actix_web::web::Data::new(readiness.clone());
    let mut server = HttpServer::new(move || {
        let app = App::new()
            .app_data(db.clone())
            .app_data(auth.clone())
            .app_data(photos.clone())
            .app_data(limits.clone())
            .app_data(frames.clone())
            .app_data(metrics.clone())
            .app_data(access.clone())
            .app_data(zone.clone())
            .app_data(public_url.clone())
            .app_data(proxies.clone())
            .app_data(body_timeout.clone())
            .app_data(ready.clone())
            .configure(api::problems::extractor_configs);
        api::mount(app)
            .configure(crate::web::config)
            .default_service(actix_web::web::to(crate::web::unknown_route))
            .wrap(from_fn(crate::web::framed))
            .wrap(api::problems::middleware())
            .wrap(from_fn(edge::plain_query))
            .wrap(from_fn(edge::frame_guard))
            .wrap(from_fn(edge::body_deadline))
            .wrap(from_fn(edge::observe))
            .wrap(TracingLogger::<edge::RootSpan>::new())
            .wrap(from_fn(edge::request_id))
    })
    .client_request_timeout(http.head_timeout)
    .shutdown_timeout(http.shutdown_timeout.as_secs())
    .disable_signals()
    .listen(listener)?;
    if let Some(workers) = workers {
        server = server.workers(workers);
    }
    Ok(Running {
        server: server.run(),
        readiness,
        shutdown_drain: http.shutdown_drain,
    })
}

impl Running {
    /// Serves until SIGTERM or SIGINT, then stops gracefully: `/readyz`
    /// answers 503 at once, the listener closes after the drain time, and
    /// requests in flight get the shutdown timeout to finish. A second
    /// signal stops at once.
    pub async fn run_until_signalled(self) -> std::io::Result<()> {
        use futures_util::future::{select, Either};
        let Running {
            server,
            readiness,
            shutdown_drain,
        } = self;
        let handle = server.handle();
        let watcher = actix_web::rt::spawn(async move {
            let mut signals = Signals::new()?;
            let first = signals.next().await;
            tracing::info!(
                signal = first,
                drain_seconds = shutdown_drain.as_secs_f64(),
                "stopping: /readyz answers 503; requests in flight are finished"
            );
            readiness.begin_shutdown();
            let graceful = Box::pin(async {
                actix_web::rt::time::sleep(shutdown_drain).await;
                handle.stop(true).await;
            });
            let again = Box::pin(signals.next());
            if let Either::Right((second, _)) = select(graceful, again).await {
                tracing::warn!(signal = second, "second signal: stopping at once");
                handle.stop(false).await;
            }
            std::io::Result::Ok(())
        });
        let served = server.await;
        watcher.abort();
        served
    }
}

/// SIGTERM and SIGINT (Ctrl-C).
struct Signals {
    #[cfg(unix)]
    term: actix_web::rt::signal::unix::Signal,
    #[cfg(unix)]
    int: actix_web::rt::signal::unix::Signal,
}

impl Signals {
    #[cfg(unix)]
    fn new() -> std::io::Result<Self> {
        use actix_web::rt::signal::unix::{signal, SignalKind};
        Ok(Self {
            term: signal(SignalKind::terminate())?,
            int: signal(SignalKind::interrupt())?,
        })
    }

    #[cfg(not(unix))]
    fn new() -> std::io::Result<Self> {
        Ok(Self {})
    }

    /// The name of the next signal.
    #[cfg(unix)]
    async fn next(&mut self) -> &'static str {
        use futures_util::future::{select, Either};
        let term = Box::pin(self.term.recv());
        let int = Box::pin(self.int.recv());
        match select(term, int).await {
            Either::Left(_) => "SIGTERM",
            Either::Right(_) => "SIGINT",
        }
    }

    #[cfg(not(unix))]
    async fn next(&mut self) -> &'static str {
        let _ = actix_web::rt::signal::ctrl_c().await;
        "Ctrl-C"
    }
}

#[cfg(test)]
mod tests {
    use super::PublicUrl;

    #[test]
    fn a_public_url_is_an_http_address_with_a_host() {
        for (given, base) in [
            ("https://qc.example.com", "https://qc.example.com"),
            ("https://qc.example.com/", "https://qc.example.com"),
            ("HTTPS://QC.Example.com", "https://qc.example.com"),
            ("http://10.0.1.11:8080/qc/", "http://10.0.1.11:8080/qc"),
            // Written back as the URL standard reads it, which is what the
            // report then prints.
            ("https:///qc.example.com", "https://qc.example.com"),
        ] {
            assert_eq!(PublicUrl::parse_base(given).as_deref(), Ok(base), "{given}");
        }
        for refused in [
            "qc.example.com",
            "ftp://qc.example.com",
            "https://qc.example.com/?a=1",
            "https://qc.example.com/#top",
            "https://user@qc.example.com",
            "",
        ] {
            assert!(PublicUrl::parse_base(refused).is_err(), "{refused}");
        }
    }
}
