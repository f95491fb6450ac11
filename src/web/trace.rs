//! A unit found by its serial (its batch, order, readings and report; the
//! batch's material lots for staff only), and the overdue corrective
//! actions of the lead's dashboard.

use super::layout::page;
use super::session::{html_response, PageError, Session};
use crate::domain::access::Permission;
use crate::i18n::message;
use crate::service::ncrs;
use crate::service::trace;
use crate::store::Db;
use actix_web::http::StatusCode;
use actix_web::{get, web, HttpResponse};
use maud::{html, Markup};
use serde::Deserialize;

fn respond(session: &Session, title: &str, body: Markup) -> HttpResponse {
    let markup = page(&session.frame(), title, body);
    html_response(StatusCode::OK).body(markup.into_string())
}

#[derive(Debug, Deserialize)]
pub struct SerialQuery {
    serial: Option<String>,
}

pub fn serial_search(session: &Session, value: &str) -> Markup {
    let t = |key: &str| session.t(key);
    html! {
        form.card method="get" action="/trace" role="search" {
            div.fields-row {
                div {
                    label for="serial" { (t("trace-serial")) }
                    input #serial type="text" name="serial" value=(value) autocomplete="off"
                        inputmode="text" aria-describedby="serial-hint";
                    p.muted #serial-hint { (t("trace-serial-hint")) }
                }
                div { button type="submit" { (t("trace-find")) } }
            }
        }
    }
}

/// A unit found by its serial: batch, order, readings, report; the
/// batch's material lots for staff.
#[get("/trace")]
pub async fn trace_page(
    db: web::Data<Db>,
    session: Session,
    query: web::Query<SerialQuery>,
) -> Result<HttpResponse, PageError> {
    session.caller.require(Permission::ReadResults)?;
    let serial = query.serial.clone().unwrap_or_default();
    let visibility = session.caller.visibility();
    let lang = session.lang;
    let t = |key: &str| session.t(key);
    let title = t("trace-title");
    let lookup = serial.clone();
    let found = match serial.trim() {
        "" => None,
        _ => Some(db.read(move |c| trace::unit(c, &lookup, visibility)).await),
    };
    let body = html! {
        h1 { (title) }
        (serial_search(&session, &serial))
        @match found {
            None => {},
            Some(Err(_)) => p.notice.bad role="alert" { (message(lang, "err-not-found-serial", &[("serial", serial.trim().into())])) },
            Some(Ok(unit)) => section.card aria-labelledby="unit" {
                h2 #unit { (message(lang, "trace-unit", &[("serial", unit.serial.as_str().into()), ("unit", unit.unit.into())])) }
                dl.fields {
                    dt { (t("batch")) }
                    dd { a href={ "/batches/" (unit.batch.id) } {
                        (message(lang, "work-batch", &[("po", unit.order.po_number.as_str().into()), ("number", unit.batch.number.into())]))
                    } }
                    dt { (t("lot-customer")) } dd { (unit.order.customer) }
                    dt { (t("trace-sampled")) }
                    dd { @if unit.sampled { (message(lang, "trace-readings", &[("count", unit.readings.len().into())])) } @else { (t("trace-not-sampled")) } }
                    dt { (t("trace-report")) }
                    dd { @match &unit.report {
                        Some(r) => a href={ "/orders/" (r.order_id) "/reports/" (r.revision) ".pdf" } { (r.number) " · " (message(lang, "trace-revision", &[("revision", r.revision.into())])) },
                        None => span.muted { (t("trace-no-report")) },
                    } }
                }
                @if !unit.material_lots.is_empty() {
                    h3 { (t("trace-lots")) }
                    ul { @for u in &unit.material_lots {
                        li { a href={ "/materials/" (u.material_lot.id) } { (u.material_lot.lot_number) } " · " (u.material_lot.material) " · " (u.material_lot.supplier) }
                    } }
                }
            },
        }
    };
    Ok(respond(&session, &title, body))
}

/// The overdue actions, for the lead's dashboard.
pub fn overdue_card(session: &Session, overdue: &[ncrs::OverdueAction]) -> Markup {
    let t = |key: &str| session.t(key);
    html! {
        section.card aria-labelledby="overdue" {
            h2 #overdue { (message(session.lang, "dash-overdue", &[("count", overdue.len().into())])) }
            @if overdue.is_empty() {
                p.good { (t("dash-overdue-none")) }
            } @else {
                table.sticky-first {
                    thead { tr {
                        th scope="col" { "NCR" } th scope="col" { (t("ncr-action")) }
                        th scope="col" { (t("ncr-owner")) } th scope="col" { (t("ncr-due")) }
                    } }
                    tbody { @for a in overdue {
                        tr {
                            th scope="row" { a href={ "/ncrs/" (a.ncr_id) } { "NCR-" (a.ncr_id) } }
                            td { (a.description) }
                            td { (a.owner) }
                            td.nowrap.bad { (a.due_on) }
                        }
                    } }
                }
            }
        }
    }
}
