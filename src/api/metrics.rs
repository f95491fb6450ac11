//! `/metrics` in the Prometheus text format: requests by route pattern and
//! status, their latency, the database pool's connections and the readings
//! stored. Each server has a registry of its own (no global state).
//!
//! Who may read it: anyone who reaches the bind address, unless a metrics
//! token is set (`--metrics-token`); then only a scraper that sends it as
//! `Authorization: Bearer <token>`.

use crate::error::Message;
use crate::error::{AppError, AppResult};
use crate::service::operations;
use crate::store::Db;
use actix_web::http::{header, Method, StatusCode};
use actix_web::{get, web, HttpRequest, HttpResponse};
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
    TextEncoder,
};
use std::time::Duration;

/// How long a scrape waits for a database connection before it reports the
/// database down.
const SCRAPE_DB_TIMEOUT: Duration = Duration::from_secs(2);

/// Latency buckets, in seconds: from a health probe to a long PDF report.
const LATENCY_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// The route label of a request that matched no route.
pub const UNMATCHED: &str = "unmatched";

/// The metrics of one server.
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    pool: IntGaugeVec,
    pool_max: IntGauge,
    database_up: IntGauge,
    readings: IntGauge,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let registry = Registry::new_custom(Some("lotcheck".into()), None)
            .expect("the prefix is a valid metric name");
        let requests = IntCounterVec::new(
            Opts::new(
                "http_requests_total",
                "HTTP requests answered, by method, route pattern and status",
            ),
            &["method", "route", "status"],
        )
        .expect("valid counter");
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "Time from a request's head to its response's head, by method and route pattern",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
            &["method", "route"],
        )
        .expect("valid histogram");
        let pool = IntGaugeVec::new(
            Opts::new(
                "db_pool_connections",
                "Database connections of the pool, by state (in_use, idle)",
            ),
            &["state"],
        )
        .expect("valid gauge");
        let pool_max = IntGauge::new(
            "db_pool_max_connections",
            "The most connections the pool opens",
        )
        .expect("valid gauge");
        let database_up = IntGauge::new(
            "database_up",
            "1 when the database answered this scrape, else 0",
        )
        .expect("valid gauge");
        let readings = IntGauge::new(
            "readings_stored",
            "Readings in the database, every version (corrections included), counted at scrape time",
        )
        .expect("valid gauge");
        for collector in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(latency.clone()),
            Box::new(pool.clone()),
            Box::new(pool_max.clone()),
            Box::new(database_up.clone()),
            Box::new(readings.clone()),
        ] {
            registry.register(collector).expect("each metric once");
        }
        Self {
            registry,
            requests,
            latency,
            pool,
            pool_max,
            database_up,
            readings,
        }
    }

    /// Counts one answered request. `route` is the matched pattern
    /// (`/api/v1/batches/{id}`), never the path, so the labels stay few.
    pub fn observe(
        &self,
        method: &Method,
        route: Option<&str>,
        status: StatusCode,
        elapsed: Duration,
    ) {
        let method = method_label(method);
        let route = route.unwrap_or(UNMATCHED);
        self.requests
            .with_label_values(&[method, route, status.as_str()])
            .inc();
        self.latency
            .with_label_values(&[method, route])
            .observe(elapsed.as_secs_f64());
    }

    /// Reads the gauges that live outside the process, then renders all.
    async fn render(&self, db: &Db) -> String {
        let pool = db.pool_use();
        self.pool
            .with_label_values(&["in_use"])
            .set(i64::from(pool.in_use));
        self.pool
            .with_label_values(&["idle"])
            .set(i64::from(pool.idle));
        self.pool_max.set(i64::from(pool.max));
        match db
            .read_within(SCRAPE_DB_TIMEOUT, operations::readings_stored)
            .await
        {
            Ok(readings) => {
                self.database_up.set(1);
                self.readings.set(readings);
            }
            Err(e) => {
                // The last count stays; `database_up` says it is stale.
                tracing::warn!(error = %e, "metrics: the database did not answer");
                self.database_up.set(0);
            }
        }
        let mut text = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut text)
            .expect("the text encoder writes to memory");
        String::from_utf8(text).expect("the text format is UTF-8")
    }
}

/// Methods as labels: the standard ones, and `other` for anything a client
/// makes up (a label per invented method would grow without bound).
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        Method::TRACE => "TRACE",
        Method::CONNECT => "CONNECT",
        _ => "other",
    }
}

/// The token a scraper must send, if any (`--metrics-token`).
#[derive(Clone, Default)]
pub struct MetricsAccess(pub Option<String>);

impl std::fmt::Debug for MetricsAccess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = if self.0.is_some() { "token" } else { "public" };
        f.debug_tuple("MetricsAccess").field(&state).finish()
    }
}

impl MetricsAccess {
    fn admits(&self, req: &HttpRequest) -> bool {
        let Some(expected) = &self.0 else {
            return true;
        };
        let sent = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
            .unwrap_or("");
        // In time independent of where they differ.
        sent.len() == expected.len()
            && sent
                .bytes()
                .zip(expected.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    }
}

/// The service's metrics in the Prometheus text format (version 0.0.4).
/// Public on the bind address unless the server has a metrics token; then
/// the scraper sends it as a bearer token.
#[utoipa::path(tag = "health", security(()),
    responses((status = 200, content_type = "text/plain", body = String,
               description = "Prometheus text format"),
              (status = 401, body = crate::error::Problem)))]
#[get("/metrics")]
pub async fn metrics(
    req: HttpRequest,
    db: web::Data<Db>,
    metrics: web::Data<Metrics>,
    access: web::Data<MetricsAccess>,
) -> AppResult<HttpResponse> {
    if !access.admits(&req) {
        return Err(AppError::unauthorized(Message::new("err-metrics-token")));
    }
    let text = metrics.render(&db).await;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(text))
}
