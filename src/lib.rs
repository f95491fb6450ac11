//! lotcheck: quality-control sampling and inspection for contract manufacturing.
//!
//! The binary (`main.rs`) is a thin CLI over this library; the integration
//! tests start the same [`server`] on port 0.

pub mod api;
pub mod charts;
pub mod config;
pub mod demo;
pub mod domain;
pub mod error;
pub mod fonts;
pub mod report;
pub mod service;
pub mod store;
pub mod web;

use actix_web::{dev::Server, App, HttpServer};
use service::auth::AuthSettings;
use service::photos::PhotoLimits;
use std::net::TcpListener;
use store::Db;
use tracing_actix_web::TracingLogger;

/// How the server runs, beyond where its data lives.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// HTTP worker threads; one per core when `None`.
    pub workers: Option<usize>,
    pub auth: AuthSettings,
    pub photos: PhotoLimits,
}

/// Builds the HTTP server on a bound listener; the caller awaits or spawns it.
pub fn server(listener: TcpListener, db: Db, settings: Settings) -> std::io::Result<Server> {
    let db = actix_web::web::Data::new(db);
    let auth = actix_web::web::Data::new(settings.auth);
    let photos = actix_web::web::Data::new(settings.photos);
    let mut server = HttpServer::new(move || {
        let app = App::new()
            .app_data(db.clone())
            .app_data(auth.clone())
            .app_data(photos.clone())
            .configure(api::problems::extractor_configs);
        api::mount(app)
            .configure(crate::web::config)
            .default_service(actix_web::web::to(api::problems::unknown_route))
            .wrap(api::problems::middleware())
            .wrap(TracingLogger::default())
    })
    .listen(listener)?;
    if let Some(workers) = settings.workers {
        server = server.workers(workers);
    }
    Ok(server.run())
}
