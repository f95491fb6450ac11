//! The audit log: who changed what, and when.

use super::auth::perm::ReadAudit;
use super::auth::Allowed;
use super::extract::page_request;
use crate::error::Message;
use crate::error::{AppError, AppResult, Problem};
use crate::service::audit::{self, AuditEntry};
use crate::service::Page;
use crate::store::audit::AuditFilter;
use crate::store::Db;
use actix_web::{get, web};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn config(cfg: &mut ServiceConfig) {
    cfg.service(list_audit);
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct AuditQuery {
    /// Exact action (`measurements.correct`), or a prefix ending in a dot
    /// (`measurements.`).
    pub action: Option<String>,
    /// Exact subject, e.g. `batch/12` or `measurement/<uuid>`.
    pub subject: Option<String>,
    /// Username of who made the change (`system:…` for the service itself).
    pub actor: Option<String>,
    /// Only rows recorded at or after this time (RFC 3339).
    pub since: Option<String>,
    /// Only rows recorded before this time (RFC 3339).
    pub until: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

fn parse_time(field: &str, text: Option<String>) -> AppResult<Option<chrono::NaiveDateTime>> {
    text.map(|text| {
        DateTime::parse_from_rfc3339(&text)
            .map(|t| t.with_timezone(&Utc).naive_utc())
            .map_err(|_| AppError::invalid(field, Message::new("err-rfc3339").arg("text", &text)))
    })
    .transpose()
}

/// The audit log, newest first.
#[utoipa::path(tag = "audit", params(AuditQuery),
    responses((status = 200, body = Page<AuditEntry>), (status = 422, body = Problem)))]
#[get("/audit")]
pub async fn list_audit(
    db: web::Data<Db>,
    _caller: Allowed<ReadAudit>,
    query: web::Query<AuditQuery>,
) -> AppResult<web::Json<Page<AuditEntry>>> {
    let query = query.into_inner();
    let page = page_request(query.page, query.per_page)?;
    let filter = AuditFilter {
        action: query.action,
        subject: query.subject,
        actor: query.actor,
        since: parse_time("since", query.since)?,
        until: parse_time("until", query.until)?,
    };
    Ok(web::Json(
        db.read(move |c| audit::list(c, &filter, page)).await?,
    ))
}
