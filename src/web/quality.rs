//! Pages before and after production: material lots with their documents,
//! inspection, decisions and where they went; a unit found by its serial;
//! non-conformance reports with their actions. Staff see everything; a
//! customer sees its own reports and units, never the factory's suppliers.

use super::layout::page;
use super::session::{html_response, PageError, Session};
use crate::domain::access::{Permission, Visibility};
use crate::i18n::message;
use crate::service::enum_text;
use crate::service::materials::{self, LotStatus, MaterialLot};
use crate::service::ncrs::{self, Ncr};
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

/// A lot's status as a coloured word.
fn status_badge(session: &Session, status: LotStatus) -> Markup {
    let class = match status {
        LotStatus::Accepted => "good",
        LotStatus::Rejected => "bad",
        LotStatus::OnHold | LotStatus::Pending => "warn",
    };
    html! { span class=(class) { (session.t(&format!("lot-status-{}", enum_text(status).replace('_', "-")))) } }
}

fn flags(session: &Session, lot: &MaterialLot) -> Markup {
    html! {
        @for flag in &lot.flags {
            span.bad { "⚑ " (session.t(&format!("lot-flag-{}", enum_text(*flag).replace('_', "-")))) } " "
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct SerialQuery {
    serial: Option<String>,
}

/// The material lots, newest first, and a search for a unit's serial.
#[get("/materials")]
pub async fn materials_page(
    db: web::Data<Db>,
    session: Session,
) -> Result<HttpResponse, PageError> {
    session.caller.require(Permission::Trace)?;
    let lots = db.read(materials::list_lots).await?;
    let t = |key: &str| session.t(key);
    let title = t("materials-title");
    let body = html! {
        h1 { (title) }
        (serial_search(&session, ""))
        section.card aria-labelledby="lots" {
            h2 #lots { (message(session.lang, "materials-lots", &[("count", lots.len().into())])) }
            @if lots.is_empty() {
                p.muted { (t("materials-none")) }
            } @else {
                div.scroll tabindex="0" role="region" aria-label=(t("materials-lots-region")) {
                    table.sticky-first {
                        thead { tr {
                            th scope="col" { (t("lot-number")) } th scope="col" { (t("lot-material")) }
                            th scope="col" { (t("lot-supplier")) } th.num scope="col" { (t("lot-quantity")) }
                            th scope="col" { (t("lot-received")) } th scope="col" { (t("lot-status")) }
                        } }
                        tbody {
                            @for lot in &lots {
                                tr {
                                    th scope="row" { a href={ "/materials/" (lot.id) } { (lot.lot_number) } }
                                    td { (lot.material) }
                                    td { (lot.supplier) }
                                    td.num { (lot.quantity) }
                                    td.nowrap { (lot.received_on) }
                                    td { (status_badge(&session, lot.status)) " " (flags(&session, lot)) }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(respond(&session, &title, body))
}

fn serial_search(session: &Session, value: &str) -> Markup {
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

/// One lot: documents, inspection, decisions, and the batches and orders
/// it went into.
#[get("/materials/{id}")]
pub async fn material_page(
    db: web::Data<Db>,
    session: Session,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    session.caller.require(Permission::Trace)?;
    let id = id.into_inner();
    let traced = db.read(move |c| trace::material_lot(c, id)).await?;
    let lot = &traced.material_lot;
    let lang = session.lang;
    let t = |key: &str| session.t(key);
    let title = message(
        lang,
        "lot-title",
        &[("lot", lot.lot_number.as_str().into())],
    );
    let body = html! {
        p { a href="/materials" { "← " (t("materials-title")) } }
        h1 { (title) }
        section.card {
            dl.fields {
                dt { (t("lot-material")) } dd { (lot.material) }
                dt { (t("lot-supplier")) } dd { (lot.supplier) }
                dt { (t("lot-quantity")) } dd { (lot.quantity) }
                dt { (t("lot-received")) } dd { (lot.received_on) }
                dt { (t("lot-status")) } dd { (status_badge(&session, lot.status)) " " (flags(&session, lot)) }
            }
        }
        section.card aria-labelledby="documents" {
            h2 #documents { (t("lot-documents")) }
            @if lot.documents.is_empty() {
                p.muted { (t("lot-documents-none")) }
            } @else {
                table {
                    thead { tr {
                        th scope="col" { (t("lot-document")) } th scope="col" { (t("lot-document-kind")) }
                        th scope="col" { (t("lot-expires")) } th scope="col" { "SHA-256" }
                    } }
                    tbody {
                        @for d in &lot.documents {
                            tr {
                                td { a href=(d.href) { (d.file_name) } }
                                td { (t(&format!("lot-document-{}", enum_text(d.kind).replace('_', "-")))) }
                                td.nowrap class=[d.expired.then_some("bad")] {
                                    (d.expires_on.as_deref().unwrap_or("—"))
                                    @if d.expired { " · " (t("lot-expired")) }
                                }
                                td { code { (d.sha256.chars().take(12).collect::<String>()) "…" } }
                            }
                        }
                    }
                }
            }
        }
        section.card aria-labelledby="inspection" {
            h2 #inspection { (t("lot-inspection")) }
            @match &lot.inspection {
                None => p.muted { (t("lot-inspection-none")) },
                Some(i) => {
                    p {
                        (message(lang, "lot-inspection-plan", &[
                            ("aql", i.aql.to_string().into()), ("letter", i.code_letter.as_str().into()),
                            ("n", i.sample_size.into()), ("ac", i.accept.into()), ("re", i.reject.into()),
                        ]))
                    }
                    p class=(if i.passed { "good" } else { "bad" }) {
                        (message(lang, "lot-inspection-found", &[("found", i.found.into())]))
                    }
                }
            }
            @for d in &lot.decisions {
                p class=[d.supersedes.map(|_| "superseded")] {
                    strong { (t(&format!("lot-status-{}", enum_text(d.meaning).replace('_', "-")))) }
                    " · " (session.when(d.signed_at))
                }
                blockquote.comment { (d.comment) }
            }
        }
        section.card aria-labelledby="used" {
            h2 #used { (message(lang, "lot-used-in", &[("count", traced.batches.len().into())])) }
            @if traced.batches.is_empty() {
                p.muted { (t("lot-used-none")) }
            } @else {
                table.sticky-first {
                    thead { tr {
                        th scope="col" { (t("batch")) } th scope="col" { (t("lot-customer")) }
                        th scope="col" { (t("lot-concession")) }
                    } }
                    tbody {
                        @for b in &traced.batches {
                            tr {
                                th scope="row" { a href={ "/batches/" (b.batch.id) } {
                                    (message(lang, "work-batch", &[("po", b.order.po_number.as_str().into()), ("number", b.batch.number.into())]))
                                } }
                                td { (b.order.customer) }
                                td { (b.concession.as_deref().unwrap_or("—")) }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(respond(&session, &title, body))
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

/// The non-conformance reports: a customer's own, or all for staff.
#[get("/ncrs")]
pub async fn ncrs_page(db: web::Data<Db>, session: Session) -> Result<HttpResponse, PageError> {
    session.caller.require(Permission::OpenNcrs)?;
    let visibility = session.caller.visibility();
    let list = db.read(move |c| ncrs::list(c, visibility)).await?;
    let t = |key: &str| session.t(key);
    let title = t("ncrs-title");
    let body = html! {
        h1 { (title) }
        section.card {
            @if list.is_empty() {
                p.muted { (t("ncrs-none")) }
            } @else {
                div.scroll tabindex="0" role="region" aria-label=(title) {
                    table.sticky-first {
                        thead { tr {
                            th scope="col" { "NCR" } th scope="col" { (t("ncr-source")) }
                            th scope="col" { (t("ncr-description")) } th scope="col" { (t("ncr-state")) }
                        } }
                        tbody { @for n in &list { (ncr_row(&session, n)) } }
                    }
                }
            }
        }
    };
    Ok(respond(&session, &title, body))
}

fn ncr_row(session: &Session, n: &Ncr) -> Markup {
    let overdue = n.actions.iter().filter(|a| a.overdue).count();
    html! {
        tr {
            th scope="row" { a href={ "/ncrs/" (n.id) } { "NCR-" (n.id) } div.muted { (session.day(n.opened_at)) } }
            td { (session.t(&format!("ncr-source-{}", enum_text(n.source).replace('_', "-")))) }
            td { (n.description) }
            td.nowrap {
                (ncr_state(session, n))
                @if overdue > 0 { div.bad { (message(session.lang, "ncr-overdue", &[("count", overdue.into())])) } }
            }
        }
    }
}

fn ncr_state(session: &Session, n: &Ncr) -> Markup {
    match n.closed_at {
        Some(closed) => {
            html! { span.good { (session.t("ncr-closed")) } " · " (session.day(closed)) }
        }
        None => html! { span.warn { (session.t("ncr-open")) } },
    }
}

/// One report: what was claimed, the investigation, the actions, and for
/// staff where it leads.
#[get("/ncrs/{id}")]
pub async fn ncr_page(
    db: web::Data<Db>,
    session: Session,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    session.caller.require(Permission::OpenNcrs)?;
    let (id, visibility) = (id.into_inner(), session.caller.visibility());
    let n = db.read(move |c| ncrs::get(c, id, visibility)).await?;
    let lang = session.lang;
    let t = |key: &str| session.t(key);
    let title = format!("NCR-{}", n.id);
    let staff = visibility == Visibility::Everything;
    let body = html! {
        p { a href="/ncrs" { "← " (t("ncrs-title")) } }
        h1 { (title) " " (ncr_state(&session, &n)) }
        section.card {
            dl.fields {
                dt { (t("ncr-source")) } dd { (t(&format!("ncr-source-{}", enum_text(n.source).replace('_', "-")))) }
                dt { (t("ncr-order")) } dd { a href={ "/orders/" (n.order_id) } { (n.po_number) } }
                @if let (Some(batch), Some(number)) = (n.batch_id, n.batch_number) {
                    dt { (t("batch")) }
                    dd { a href={ "/batches/" (batch) } { (message(lang, "work-batch", &[("po", n.po_number.as_str().into()), ("number", number.into())])) } }
                }
                @if !n.serials.is_empty() { dt { (t("ncr-serials")) } dd { (n.serials.join(", ")) } }
                dt { (t("ncr-opened")) } dd { (session.when(n.opened_at)) }
            }
            blockquote.comment { (n.description) }
        }
        section.card aria-labelledby="capa" {
            h2 #capa { (t("ncr-capa")) }
            dl.fields {
                dt { (t("ncr-disposition")) }
                dd { @match n.disposition {
                    Some(d) => (t(&format!("ncr-disposition-{}", enum_text(d).replace('_', "-")))),
                    None => span.muted { (t("ncr-pending")) },
                } }
                dt { (t("ncr-root-cause")) } dd { (n.root_cause.as_deref().unwrap_or("—")) }
                dt { (t("ncr-effectiveness")) } dd { (n.effectiveness.as_deref().unwrap_or("—")) }
            }
            h3 { (t("ncr-actions")) }
            @if n.actions.is_empty() {
                p.muted { (t("ncr-actions-none")) }
            } @else {
                table {
                    thead { tr {
                        th scope="col" { (t("ncr-action")) } th scope="col" { (t("ncr-owner")) }
                        th scope="col" { (t("ncr-due")) } th scope="col" { (t("ncr-state")) }
                    } }
                    tbody { @for a in &n.actions {
                        tr {
                            td { (a.description) }
                            td { (a.owner) }
                            td.nowrap class=[a.overdue.then_some("bad")] { (a.due_on) }
                            td.nowrap { @match a.done_at {
                                Some(done) => span.good { (t("ncr-done")) " · " (session.day(done)) },
                                None if a.overdue => span.bad { (t("ncr-overdue-one")) },
                                None => span.warn { (t("ncr-open")) },
                            } }
                        }
                    } }
                }
            }
        }
        @if staff {
            section.card aria-labelledby="traced" {
                h2 #traced { (t("ncr-traced")) }
                @if n.material_lot_ids.is_empty() {
                    p.muted { (t("ncr-traced-none")) }
                } @else {
                    p { (t("trace-lots")) ": "
                        @for (lot, number) in n.material_lot_ids.iter().zip(&n.material_lot_numbers) { a href={ "/materials/" (lot) } { (number) } " " }
                    }
                    p { (message(lang, "ncr-affected", &[("count", n.affected_orders.len().into())])) }
                    ul { @for o in &n.affected_orders {
                        li { a href={ "/orders/" (o.id) } { (o.po_number) } " · " (o.customer) }
                    } }
                }
            }
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
