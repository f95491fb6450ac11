//! Non-conformance reports on the web: the list (a customer's own, all for
//! staff), and each report with its investigation, corrective actions and
//! signed closure; the forms are for staff who manage reports. A report is
//! opened from its order's after-delivery page ([`super::claims`]).

use super::fields::{posted, store, Entered, FormView, Refusal};
use super::layout::page;
use super::session::{html_response, PageError, Session};
use crate::api::auth::client_address;
use crate::domain::access::{permits, Permission, Visibility};
use crate::error::{AppResult, Violations};
use crate::i18n::message;
use crate::service::auth::AuthSettings;
use crate::service::delivery;
use crate::service::enum_text;
use crate::service::ncrs::{
    self, CloseNcr, Investigation, Ncr, NcrDisposition, NcrSource, NewAction,
};
use crate::store::Db;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use maud::{html, Markup};

/// The words of an enum's value under `prefix` in the catalogue.
fn words(session: &Session, prefix: &str, value: impl serde::Serialize) -> String {
    session.t(&format!("{prefix}-{}", enum_text(value).replace('_', "-")))
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
        p.muted { (t("ncrs-how-to-open")) }
        section.card {
            @if list.is_empty() {
                p.muted { (t("ncrs-none")) }
            } @else {
                div.scroll tabindex="0" role="region" aria-label=(title) {
                    table.sticky-first {
                        thead { tr {
                            th scope="col" { "NCR" } th scope="col" { (t("ncr-order")) } th scope="col" { (t("ncr-source")) }
                            th scope="col" { (t("ncr-description")) } th scope="col" { (t("ncr-state")) }
                        } }
                        tbody { @for n in &list { (ncr_row(&session, n)) } }
                    }
                }
            }
        }
    };
    let markup = page(&session.frame(), &title, body);
    Ok(html_response(StatusCode::OK).body(markup.into_string()))
}

pub fn ncr_row(session: &Session, n: &Ncr) -> Markup {
    let overdue = n.actions.iter().filter(|a| a.overdue).count();
    html! {
        tr {
            th scope="row" { a href={ "/ncrs/" (n.id) } { "NCR-" (n.id) } div.muted { (session.day(n.opened_at)) } }
            td { (n.po_number) }
            td { (words(session, "ncr-source", n.source)) }
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
        Some(closed) => html! {
            span.good { (session.t("ncr-closed")) } " · " (session.day(closed))
            @if let Some(signer) = &n.closed_by {
                " · " (message(session.lang, "lot-signed-by", &[("user", signer.as_str().into())]))
            }
        },
        None => html! { span.warn { (session.t("ncr-open")) } },
    }
}

/// One report: what was claimed, the investigation, the actions, and for
/// staff where it leads and the forms that move it on.
#[get("/ncrs/{id}")]
pub async fn ncr_page(
    db: web::Data<Db>,
    session: Session,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    session.caller.require(Permission::OpenNcrs)?;
    render_ncr(&db, &session, id.into_inner(), None).await
}

async fn render_ncr(
    db: &Db,
    session: &Session,
    id: i64,
    refused: Option<Refusal>,
) -> Result<HttpResponse, PageError> {
    let visibility = session.caller.visibility();
    let (n, checks) = db
        .read(move |c| {
            let n = ncrs::get(c, id, visibility)?;
            // A report from a receipt check: the checks of its batch are
            // the evidence (what was found, notes, photos).
            let checks = match (n.source, n.batch_id) {
                (NcrSource::ReceiptCheck, Some(batch)) => {
                    delivery::receipt_checks(c, batch, visibility)?
                }
                _ => Vec::new(),
            };
            Ok((n, checks))
        })
        .await?;
    let lang = session.lang;
    let t = |key: &str| session.t(key);
    let title = format!("NCR-{}", n.id);
    let staff = visibility == Visibility::Everything;
    let manages = permits(session.caller.role, Permission::ManageNcrs) && n.closed_at.is_none();
    let refused = refused.as_ref();
    let body = html! {
        p { a href="/ncrs" { "← " (t("ncrs-title")) } }
        h1 { (title) " " (ncr_state(session, &n)) }
        section.card {
            dl.fields {
                dt { (t("ncr-source")) } dd { (words(session, "ncr-source", n.source)) }
                dt { (t("ncr-order")) } dd { a href={ "/orders/" (n.order_id) } { (n.po_number) } }
                @if let (Some(batch), Some(number)) = (n.batch_id, n.batch_number) {
                    dt { (t("batch")) }
                    dd {
                        @let name = message(lang, "work-batch", &[("po", n.po_number.as_str().into()), ("number", number.into())]);
                        @if staff { a href={ "/batches/" (batch) } { (name) } } @else { (name) }
                    }
                }
                @if !n.serials.is_empty() { dt { (t("ncr-serials")) } dd { (n.serials.join(", ")) } }
                dt { (t("ncr-opened")) } dd { (session.when(n.opened_at)) }
            }
            blockquote.comment { (n.description) }
        }
        @if !checks.is_empty() {
            section.card aria-labelledby="evidence" {
                h2 #evidence { (t("ncr-evidence")) }
                (super::claims::receipt_list(session, &checks))
            }
        }
        section.card #capa aria-labelledby="capa-heading" {
            h2 #capa-heading { (t("ncr-capa")) }
            @if manages {
                (investigation_form(session, &n, refused))
            } @else {
                dl.fields {
                    dt { (t("ncr-disposition")) }
                    dd { @match n.disposition {
                        Some(d) => (words(session, "ncr-disposition", d)),
                        None => span.muted { (t("ncr-pending")) },
                    } }
                    dt { (t("ncr-root-cause")) } dd { (n.root_cause.as_deref().unwrap_or("—")) }
                    dt { (t("ncr-effectiveness")) } dd { (n.effectiveness.as_deref().unwrap_or("—")) }
                }
            }
        }
        (actions_card(session, &n, manages, refused))
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
        @if manages { (close_form(session, &n, refused)) }
    };
    let status = refused.map_or(StatusCode::OK, |r| r.status);
    Ok(html_response(status).body(page(&session.frame(), &title, body).into_string()))
}

fn investigation_form(session: &Session, n: &Ncr, refused: Option<&Refusal>) -> Markup {
    let t = |key: &str| session.t(key);
    let form = FormView::new(session, refused, "investigate");
    let dispositions: Vec<(String, String)> = std::iter::once((String::new(), t("ncr-pending")))
        .chain(
            [
                NcrDisposition::Rework,
                NcrDisposition::Scrap,
                NcrDisposition::UseAsIs,
                NcrDisposition::Return,
                NcrDisposition::ReplaceUnderWarranty,
            ]
            .into_iter()
            .map(|d| (enum_text(d), words(session, "ncr-disposition", d))),
        )
        .collect();
    let current = n.disposition.map(enum_text).unwrap_or_default();
    html! {
        form method="post" action={ "/ncrs/" (n.id) "/investigation" } novalidate {
            (form.csrf())
            (form.select("disposition", "ncr-disposition", &dispositions, &current))
            (form.textarea_with("root_cause", "ncr-root-cause", n.root_cause.as_deref().unwrap_or("")))
            (form.textarea_with("effectiveness", "ncr-effectiveness", n.effectiveness.as_deref().unwrap_or("")))
            (form.general(&["disposition", "root_cause", "effectiveness"]))
            p { button type="submit" { (t("ncr-save-investigation")) } }
        }
    }
}

fn actions_card(session: &Session, n: &Ncr, manages: bool, refused: Option<&Refusal>) -> Markup {
    let t = |key: &str| session.t(key);
    let form = FormView::new(session, refused, "action");
    html! {
        section.card #actions aria-labelledby="actions-heading" {
            h2 #actions-heading { (t("ncr-actions")) }
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
                                None if manages => form method="post" action={ "/ncrs/" (n.id) "/actions/" (a.id) "/done" } {
                                    (form.csrf())
                                    @if a.overdue { span.bad { (t("ncr-overdue-one")) } " " }
                                    button.quiet type="submit" { (t("ncr-mark-done")) }
                                },
                                None if a.overdue => span.bad { (t("ncr-overdue-one")) },
                                None => span.warn { (t("ncr-open")) },
                            } }
                        }
                    } }
                }
            }
            @if manages {
                form method="post" action={ "/ncrs/" (n.id) "/actions" } novalidate {
                    h3 { (t("ncr-add-action")) }
                    (form.csrf())
                    (form.input("description", "ncr-action", "text", "text", ""))
                    div.fields-row {
                        (form.input("owner", "ncr-owner", "text", "text", ""))
                        (form.input("due_on", "ncr-due", "date", "numeric", ""))
                    }
                    (form.general(&["description", "owner", "due_on"]))
                    p { button type="submit" { (t("ncr-add-action")) } }
                }
            }
        }
    }
}

fn close_form(session: &Session, n: &Ncr, refused: Option<&Refusal>) -> Markup {
    let t = |key: &str| session.t(key);
    let form = FormView::new(session, refused, "close");
    html! {
        form.card #close method="post" action={ "/ncrs/" (n.id) "/close" } novalidate {
            h2 { (t("ncr-close")) }
            p.muted { (t("ncr-close-hint")) }
            (form.csrf())
            (form.input("password", "sign-password", "password", "text", ""))
            (form.general(&["password"]))
            p { button type="submit" { (t("ncr-close")) } }
        }
    }
}

/// A report's form posted: stored, back to the report at the form's
/// section; refused, the report again with the messages.
async fn answer(
    db: &Db,
    session: &Session,
    id: i64,
    form: &'static str,
    entered: Entered,
    stored: AppResult<()>,
) -> Result<HttpResponse, PageError> {
    let section = match form {
        "investigate" => "capa",
        "close" => "close",
        _ => "actions",
    };
    match stored {
        Ok(()) => Ok(HttpResponse::SeeOther()
            .insert_header(("Location", format!("/ncrs/{id}#{section}")))
            .finish()),
        Err(error) => {
            let refused = Refusal::of(session, form, entered, error)?;
            render_ncr(db, session, id, Some(refused)).await
        }
    }
}

#[post("/ncrs/{id}/investigation")]
pub async fn investigate(
    db: web::Data<Db>,
    session: Session,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let (id, entered) = (
        id.into_inner(),
        posted(&session, form, Permission::ManageNcrs)?,
    );
    let mut problems = Violations::default();
    let disposition = match entered.optional("disposition") {
        Some(_) => entered.choice::<NcrDisposition>(
            "disposition",
            "rework, scrap, use_as_is, return, replace_under_warranty",
            &mut problems,
        ),
        None => None,
    };
    let request = problems.into_result().map(|()| Investigation {
        disposition,
        root_cause: entered.optional("root_cause"),
        effectiveness: entered.optional("effectiveness"),
    });
    let actor = session.caller.actor();
    let stored = store(&db, request, move |c, request| {
        ncrs::investigate(c, &actor, id, request)
    })
    .await
    .map(|_| ());
    answer(&db, &session, id, "investigate", entered, stored).await
}

#[post("/ncrs/{id}/actions")]
pub async fn add_action(
    db: web::Data<Db>,
    session: Session,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let (id, entered) = (
        id.into_inner(),
        posted(&session, form, Permission::ManageNcrs)?,
    );
    let mut problems = Violations::default();
    let due_on = entered.date("due_on", &mut problems);
    if entered.optional("due_on").is_none() {
        problems.add("due_on", crate::error::Message::new("err-required"));
    }
    let request = problems.into_result().map(|()| NewAction {
        description: entered.text("description"),
        owner: entered.text("owner"),
        due_on: due_on.unwrap_or_default(),
    });
    let actor = session.caller.actor();
    let stored = store(&db, request, move |c, request| {
        ncrs::add_action(c, &actor, id, request)
    })
    .await
    .map(|_| ());
    answer(&db, &session, id, "action", entered, stored).await
}

#[post("/ncrs/{id}/actions/{action}/done")]
pub async fn complete_action(
    db: web::Data<Db>,
    session: Session,
    path: web::Path<(i64, i64)>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let ((id, action), entered) = (
        path.into_inner(),
        posted(&session, form, Permission::ManageNcrs)?,
    );
    let actor = session.caller.actor();
    let stored = db
        .write(move |c| ncrs::complete_action(c, &actor, id, action))
        .await
        .map(|_| ());
    answer(&db, &session, id, "action", entered, stored).await
}

/// Closes the report with the closer's signature (the password again,
/// under the sign-in throttle).
#[post("/ncrs/{id}/close")]
pub async fn close(
    req: HttpRequest,
    db: web::Data<Db>,
    settings: web::Data<AuthSettings>,
    session: Session,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let (id, entered) = (
        id.into_inner(),
        posted(&session, form, Permission::ManageNcrs)?,
    );
    let request = CloseNcr {
        password: entered.get("password").to_string(),
    };
    let (address, actor) = (client_address(&req), session.caller.actor());
    let settings = settings.into_inner();
    let signing = db
        .write(move |c| ncrs::close(c, &settings, &address, &actor, id, request))
        .await;
    let stored = async { signing?.answer().await.map(|_| ()) }.await;
    answer(&db, &session, id, "close", entered, stored).await
}
