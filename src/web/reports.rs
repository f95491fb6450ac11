//! The order's QC report in the browser: the report itself, its issued
//! revisions, downloads (PDF, CSV) through the session, and issuing for
//! leads.

use super::layout::page;
use super::session::{html_response, CsrfForm, PageError, Session};
use crate::api::reports::{csv_response, pdf_response};
use crate::domain::access::{permits, Permission};
use crate::service::reports::{self, Preparation, ReportFile};
use crate::store::Db;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use chrono::Utc;
use maud::html;

#[get("/orders/{id}/report")]
pub async fn report_page(
    db: web::Data<Db>,
    session: Session,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    session.caller.require(Permission::ReadResults)?;
    let (order_id, visibility) = (id.into_inner(), session.caller.visibility());
    let staff = visibility == crate::domain::access::Visibility::Everything;
    let (report, issued, outdated) = db
        .read(move |c| {
            let issued = reports::list(c, order_id, visibility)?;
            let outdated = if staff {
                reports::outdated_revision(c, order_id)?
            } else {
                None
            };
            let report = reports::gather(c, order_id, visibility, None, Utc::now())?;
            Ok((report, issued, outdated))
        })
        .await?;
    let may_issue = permits(session.caller.role, Permission::IssueReports);
    let body = html! {
        p { a href={ "/orders/" (order_id) } { "← PO " (report.heading.po_number) } }
        div.card.actions {
            h2 { "QC report" }
            @if issued.is_empty() {
                p.muted { "Not issued yet." @if staff { " Below: the report as the data stand now." } }
            } @else {
                table {
                    thead { tr { th { "Revision" } th { "Issued" } th { "By" } th { "SHA-256" } th { "Changes" } } }
                    tbody {
                        @for r in issued.iter().rev() {
                            tr {
                                td { a href={ "/orders/" (order_id) "/reports/" (r.revision) ".pdf" } { (r.number) " rev " (r.revision) } }
                                td { (r.issued_at.format("%Y-%m-%d %H:%M UTC")) }
                                td { (r.issued_by.as_deref().unwrap_or("—")) }
                                td { code { (r.sha256.get(..16).unwrap_or_default()) "…" } }
                                td { @for change in &r.changes { div { (change) } } }
                            }
                        }
                    }
                }
            }
            @if let Some(revision) = outdated {
                p.warn { "The data changed since revision " (revision) " was issued; customers still download revision " (revision) " until a new one is issued." }
            }
            p {
                @if !issued.is_empty() {
                    a.button href={ "/orders/" (order_id) "/report.pdf" } { "Download PDF" } " "
                }
                @if staff {
                    a.button.quiet href={ "/orders/" (order_id) "/report.pdf?draft=true" } { "Draft PDF" } " "
                }
                a.button.quiet href={ "/orders/" (order_id) "/report.csv" } { "Readings (CSV)" }
            }
            @if may_issue {
                form method="post" action={ "/orders/" (order_id) "/reports" } {
                    input type="hidden" name="csrf" value=(session.csrf);
                    button type="submit" { "Issue report" }
                    span.muted { " A new revision is issued only when the data changed since the last one." }
                }
            }
        }
        div.card.report { (crate::report::html::body(&report)) }
    };
    let title = format!("QC report · {}", report.heading.po_number);
    let markup = page(&session.frame(), &title, body);
    Ok(html_response(StatusCode::OK).body(markup.into_string()))
}

#[derive(serde::Deserialize)]
pub struct DraftQuery {
    draft: Option<bool>,
}

#[get("/orders/{id}/report.pdf")]
pub async fn report_pdf(
    db: web::Data<Db>,
    session: Session,
    id: web::Path<i64>,
    query: web::Query<DraftQuery>,
) -> Result<HttpResponse, PageError> {
    session.caller.require(Permission::ReadResults)?;
    let (order_id, visibility) = (id.into_inner(), session.caller.visibility());
    let draft = query.draft.unwrap_or(false);
    let file = db
        .read(move |c| reports::order_report(c, order_id, visibility, draft))
        .await?;
    Ok(pdf_response(file, order_id))
}

#[get("/orders/{id}/reports/{revision}.pdf")]
pub async fn revision_pdf(
    db: web::Data<Db>,
    session: Session,
    path: web::Path<(i64, i32)>,
) -> Result<HttpResponse, PageError> {
    session.caller.require(Permission::ReadResults)?;
    let ((order_id, revision), visibility) = (path.into_inner(), session.caller.visibility());
    let found = db
        .read(move |c| reports::issued_pdf(c, order_id, Some(revision), visibility))
        .await?
        .ok_or_else(|| crate::error::AppError::not_found(format!("revision {revision}")))?;
    Ok(pdf_response(ReportFile::Issued(found.0, found.1), order_id))
}

#[get("/orders/{id}/report.csv")]
pub async fn report_csv(
    db: web::Data<Db>,
    session: Session,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    session.caller.require(Permission::ReadResults)?;
    Ok(csv_response(db, id.into_inner(), session.caller.visibility()).await?)
}

#[post("/orders/{id}/reports")]
pub async fn issue(
    db: web::Data<Db>,
    session: Session,
    id: web::Path<i64>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    session.check_csrf(form.csrf())?;
    session.caller.require(Permission::IssueReports)?;
    let order_id = id.into_inner();
    let actor = session.caller.actor();
    let preparing = actor.clone();
    let prepared = db
        .read(move |c| reports::prepare_issue(c, &preparing, order_id))
        .await?;
    if let Preparation::New(prepared) = prepared {
        db.write(move |c| reports::store_issue(c, &actor, prepared))
            .await?;
    }
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", format!("/orders/{order_id}/report")))
        .finish())
}
