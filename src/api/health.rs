//! Probes: `/healthz` (the process and its database answer) and `/readyz`
//! (send traffic here: the database answers, its schema is current, and the
//! service is not shutting down).

use crate::error::Message;
use crate::error::{AppError, AppResult};
use crate::store::Db;
use actix_web::{get, web};
use serde::Serialize;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use utoipa::ToSchema;

/// How long `/readyz` waits for a database connection before answering 503.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// Whether the server still takes new work. Shared by every worker; a stop
/// turns it off first, so that load balancers watching `/readyz` stop
/// sending requests before the listener closes.
#[derive(Debug, Clone, Default)]
pub struct Readiness(Arc<AtomicBool>);

impl Readiness {
    /// From now on `/readyz` answers 503.
    pub fn begin_shutdown(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub fn is_shutting_down(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// 200 when the database answers, 503 otherwise.
#[utoipa::path(tag = "health", security(()),
    responses((status = 200, description = "the database answers", body = Health),
              (status = 503, body = crate::error::Problem)))]
#[get("/healthz")]
pub async fn healthz(db: web::Data<Db>) -> AppResult<web::Json<Health>> {
    db.read(crate::service::operations::database_answers)
        .await?;
    Ok(web::Json(Health { status: "ok" }))
}

/// The answer of a probe that passes.
#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok` (`/healthz`) or `ready` (`/readyz`).
    status: &'static str,
}

/// 200 when this instance should get traffic: the database answers within
/// two seconds and every migration of this build is applied. 503
/// (problem+json) while shutting down, when the database does not answer,
/// and when its schema is behind.
#[utoipa::path(tag = "health", security(()),
    responses((status = 200, description = "ready for traffic", body = Health),
              (status = 503, body = crate::error::Problem)))]
#[get("/readyz")]
pub async fn readyz(
    db: web::Data<Db>,
    readiness: web::Data<Readiness>,
) -> AppResult<web::Json<Health>> {
    if readiness.is_shutting_down() {
        return Err(AppError::unavailable(Message::new("err-shutting-down")));
    }
    db.check_ready(READY_TIMEOUT).await.map_err(|e| {
        if e.status().as_u16() == 503 {
            e
        } else {
            tracing::warn!(error = %e, "readiness check failed");
            AppError::unavailable(Message::new("err-database-silent"))
        }
    })?;
    Ok(web::Json(Health { status: "ready" }))
}
