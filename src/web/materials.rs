//! Incoming material on the web: the lots received, a form to receive one,
//! and each lot's page with its supplier documents (upload), its incoming
//! inspection (the ISO 2859-1 plan shown before the count is entered) and
//! its signed decision. Every form goes through the service call the API
//! uses, so it refuses what the API refuses.

use super::fields::{allowed, posted, store, Entered, FormView, Refusal};
use super::forms::FormErrors;
use super::layout::page;
use super::session::{html_response, PageError, Session};
use super::trace::serial_search;
use crate::api::auth::client_address;
use crate::api::extract::read_upload;
use crate::api::materials::{document_of, DOCUMENT_LIMIT};
use crate::domain::access::{permits, Permission};
use crate::error::{AppResult, Violations};
use crate::i18n::{grouped, message};
use crate::service::auth::AuthSettings;
use crate::service::calculators::iso2859_plan;
use crate::service::enum_text;
use crate::service::materials::{
    self, LotMeaning, LotStatus, MaterialLot, MaterialSwitching, NewMaterialLot,
    RecordMaterialInspection, SignMaterialDecision, MAX_DOCUMENT_BYTES,
};
use crate::service::suppliers;
use crate::service::trace::{self, MaterialLotTrace};
use crate::store::Db;
use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use maud::{html, Markup};

/// Where a stored form leads: the page it belongs to, at its section.
fn see_other(location: String) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", location))
        .finish()
}

/// A lot's status as a coloured word.
pub fn status_badge(session: &Session, status: LotStatus) -> Markup {
    let class = match status {
        LotStatus::Accepted => "good",
        LotStatus::Rejected => "bad",
        LotStatus::OnHold | LotStatus::Pending => "warn",
    };
    html! { span class=(class) { (session.t(&format!("lot-status-{}", enum_text(status).replace('_', "-")))) } }
}

pub fn flags(session: &Session, lot: &MaterialLot) -> Markup {
    html! {
        @for flag in &lot.flags {
            span.bad { "⚑ " (session.t(&format!("lot-flag-{}", enum_text(*flag).replace('_', "-")))) } " "
        }
    }
}

// ── The lots, and receiving one ─────────────────────────────────────────

/// The material lots, newest first, a search for a unit's serial, and the
/// form that receives a lot.
#[get("/materials")]
pub async fn materials_page(
    db: web::Data<Db>,
    session: Session,
) -> Result<HttpResponse, PageError> {
    session.caller.require(Permission::Trace)?;
    render_materials(&db, &session, None).await
}

async fn render_materials(
    db: &Db,
    session: &Session,
    refused: Option<Refusal>,
) -> Result<HttpResponse, PageError> {
    let (lots, suppliers) = db
        .read(|c| Ok((materials::list_lots(c)?, suppliers::list_suppliers(c)?)))
        .await?;
    let t = |key: &str| session.t(key);
    let title = t("materials-title");
    let receives = permits(session.caller.role, Permission::ReceiveMaterial);
    let form = FormView::new(session, refused.as_ref(), "receive");
    let supplier_options: Vec<(String, String)> = std::iter::once((String::new(), "—".into()))
        .chain(suppliers.iter().map(|s| (s.id.to_string(), s.name.clone())))
        .collect();
    let today = chrono::Utc::now()
        .with_timezone(&session.zone)
        .date_naive()
        .to_string();
    let body = html! {
        h1 { (title) }
        (serial_search(session, ""))
        @if receives {
            form.card method="post" action="/materials" novalidate {
                h2 { (t("lot-receive")) }
                (form.csrf())
                div.fields-row {
                    (form.select("supplier_id", "lot-supplier", &supplier_options, ""))
                    (form.input("material", "lot-material", "text", "text", ""))
                }
                div.fields-row {
                    (form.input("lot_number", "lot-supplier-lot", "text", "text", ""))
                    (form.input("quantity", "lot-quantity", "text", "numeric", ""))
                    (form.input("received_on", "lot-received", "date", "numeric", &today))
                }
                (form.checkbox("certificate_required", "lot-certificate-required", true))
                (form.general(&["supplier_id", "material", "lot_number", "quantity", "received_on"]))
                p { button type="submit" { (t("lot-receive")) } }
            }
        }
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
                            th scope="col" { (t("lot-status")) }
                        } }
                        tbody {
                            @for lot in &lots {
                                tr {
                                    th scope="row" {
                                        a href={ "/materials/" (lot.id) } { (lot.lot_number) }
                                        div.muted { (message(session.lang, "lot-received-on", &[("day", lot.received_on.as_str().into())])) }
                                    }
                                    td { (lot.material) }
                                    td { (lot.supplier) }
                                    td.num { (grouped(lot.quantity as f64, 0)) }
                                    td { (status_badge(session, lot.status)) div { (flags(session, lot)) } }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    let status = refused.as_ref().map_or(StatusCode::OK, |r| r.status);
    Ok(html_response(status).body(page(&session.frame(), &title, body).into_string()))
}

fn new_lot(entered: &Entered) -> AppResult<NewMaterialLot> {
    let mut problems = Violations::default();
    let supplier_id = entered.integer("supplier_id", &mut problems);
    let quantity = entered.integer("quantity", &mut problems);
    let received_on = entered.date("received_on", &mut problems);
    problems.into_result()?;
    Ok(NewMaterialLot {
        supplier_id: supplier_id.unwrap_or_default(),
        material: entered.text("material"),
        lot_number: entered.text("lot_number"),
        quantity: quantity.unwrap_or_default(),
        received_on,
        certificate_required: Some(entered.checked("certificate_required")),
    })
}

/// Receives a lot; its page comes next, where its documents are attached.
#[post("/materials")]
pub async fn receive_lot(
    db: web::Data<Db>,
    session: Session,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let entered = posted(&session, form, Permission::ReceiveMaterial)?;
    let actor = session.caller.actor();
    let stored = store(&db, new_lot(&entered), move |c, request| {
        materials::create_lot(c, &actor, request)
    })
    .await;
    match stored {
        Ok(lot) => Ok(see_other(format!("/materials/{}", lot.id))),
        Err(error) => {
            let refused = Refusal::of(&session, "receive", entered, error)?;
            render_materials(&db, &session, Some(refused)).await
        }
    }
}

// ── One lot ─────────────────────────────────────────────────────────────

/// One lot: documents, inspection, decisions, and the batches and orders
/// it went into; for staff who may, the forms that record each.
#[get("/materials/{id}")]
pub async fn material_page(
    db: web::Data<Db>,
    session: Session,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    session.caller.require(Permission::Trace)?;
    render_lot(&db, &session, id.into_inner(), None, None).await
}

/// The lot's page again with the inspection plan its form's AQL, level,
/// severity and count give, before the count found is entered (posted,
/// so that the form's CSRF token stays out of addresses).
#[post("/materials/{id}/preview")]
pub async fn preview_plan(
    db: web::Data<Db>,
    session: Session,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let entered = posted(&session, form, Permission::ReceiveMaterial)?;
    render_lot(&db, &session, id.into_inner(), Some(entered), None).await
}

async fn render_lot(
    db: &Db,
    session: &Session,
    id: i64,
    preview: Option<Entered>,
    refused: Option<Refusal>,
) -> Result<HttpResponse, PageError> {
    let (traced, switching) = db
        .read(move |c| {
            let traced = trace::material_lot(c, id)?;
            let lot = &traced.material_lot;
            let switching = materials::switching(c, lot.supplier_id, &lot.material)?;
            Ok((traced, switching))
        })
        .await?;
    // A preview is the inspection form shown again with its plan.
    let refused = refused.or(preview.map(|entered| Refusal {
        form: "inspect",
        entered,
        errors: Default::default(),
        status: StatusCode::OK,
    }));
    let lot = &traced.material_lot;
    let title = message(
        session.lang,
        "lot-title",
        &[("lot", lot.lot_number.as_str().into())],
    );
    let body = html! {
        p { a href="/materials" { "← " (session.t("materials-title")) } }
        h1 { (title) }
        (summary_card(session, lot))
        (documents_card(session, lot, refused.as_ref()))
        (inspection_card(session, lot, &switching, refused.as_ref()))
        (decision_card(session, lot, refused.as_ref()))
        (used_card(session, &traced))
    };
    let status = refused.as_ref().map_or(StatusCode::OK, |r| r.status);
    Ok(html_response(status).body(page(&session.frame(), &title, body).into_string()))
}

fn summary_card(session: &Session, lot: &MaterialLot) -> Markup {
    let t = |key: &str| session.t(key);
    html! {
        section.card {
            dl.fields {
                dt { (t("lot-material")) } dd { (lot.material) }
                dt { (t("lot-supplier")) } dd { (lot.supplier) }
                dt { (t("lot-quantity")) } dd { (grouped(lot.quantity as f64, 0)) }
                dt { (t("lot-received")) } dd { (lot.received_on) }
                dt { (t("lot-status")) } dd { (status_badge(session, lot.status)) " " (flags(session, lot)) }
            }
        }
    }
}

fn documents_card(session: &Session, lot: &MaterialLot, refused: Option<&Refusal>) -> Markup {
    let t = |key: &str| session.t(key);
    let form = FormView::new(session, refused, "document");
    let kinds = [
        ("certificate".to_string(), t("lot-document-certificate")),
        ("test_report".to_string(), t("lot-document-test-report")),
    ];
    html! {
        section.card #documents aria-labelledby="documents-heading" {
            h2 #documents-heading { (t("lot-documents")) }
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
            @if permits(session.caller.role, Permission::ReceiveMaterial) {
                form method="post" action={ "/materials/" (lot.id) "/documents" } enctype="multipart/form-data" novalidate {
                    h3 { (t("lot-attach")) }
                    (form.csrf())
                    div.fields-row {
                        (form.select("kind", "lot-document-kind", &kinds, "certificate"))
                        (form.input("issued_on", "lot-issued", "date", "numeric", ""))
                        (form.input("expires_on", "lot-expires", "date", "numeric", ""))
                    }
                    div {
                        label for="document-file" { (t("lot-document")) }
                        input #document-file type="file" name="file" accept="application/pdf,image/jpeg,image/png"
                            aria-describedby="document-file-hint";
                        p.muted #document-file-hint { (message(session.lang, "lot-document-hint", &[("mb", (MAX_DOCUMENT_BYTES / 1024 / 1024).into())])) }
                        @if let Some(message) = refused.filter(|r| r.form == "document").and_then(|r| r.errors.field("file")) {
                            p.field-error { (message) }
                        }
                    }
                    (form.general(&["kind", "issued_on", "expires_on", "file"]))
                    p { button type="submit" { (t("lot-attach")) } }
                }
            }
        }
    }
}

fn inspection_card(
    session: &Session,
    lot: &MaterialLot,
    switching: &MaterialSwitching,
    refused: Option<&Refusal>,
) -> Markup {
    let lang = session.lang;
    let t = |key: &str| session.t(key);
    let records = permits(session.caller.role, Permission::ReceiveMaterial);
    html! {
        section.card #inspection aria-labelledby="inspection-heading" {
            h2 #inspection-heading { (t("lot-inspection")) }
            @match &lot.inspection {
                None if records => (inspection_form(session, lot, switching, refused)),
                None => p.muted { (t("lot-inspection-none")) },
                Some(i) => {
                    p {
                        (message(lang, "lot-inspection-plan", &[
                            ("aql", i.aql.to_string().into()), ("letter", i.code_letter.as_str().into()),
                            ("n", i.sample_size.into()), ("ac", i.accept.into()), ("re", i.reject.into()),
                        ]))
                    }
                    p class=(if i.passed { "good" } else { "bad" }) {
                        strong { (message(lang, "lot-inspection-found", &[("found", i.found.into())])) }
                        " · " (t(if i.passed { "lot-inspection-passed" } else { "lot-inspection-failed" }))
                    }
                }
            }
        }
    }
}

/// The inspection form: AQL, level, severity and what is counted first;
/// "Show the plan" draws the sample size and acceptance numbers from them
/// before the count found is entered.
fn inspection_form(
    session: &Session,
    lot: &MaterialLot,
    switching: &MaterialSwitching,
    refused: Option<&Refusal>,
) -> Markup {
    let t = |key: &str| session.t(key);
    let form = FormView::new(session, refused, "inspect");
    let levels: Vec<(String, String)> = ["I", "II", "III", "S-1", "S-2", "S-3", "S-4"]
        .iter()
        .map(|l| (l.to_string(), l.to_string()))
        .collect();
    let severities: Vec<(String, String)> = ["normal", "tightened", "reduced"]
        .iter()
        .map(|s| (s.to_string(), t(&format!("inspection-{s}"))))
        .collect();
    let counts = [
        (String::new(), t("counts-by-aql")),
        (
            "nonconforming_units".into(),
            t("counts-nonconforming-units"),
        ),
        ("nonconformities".into(), t("counts-nonconformities")),
    ];
    let next = materials::next_severity(switching).unwrap_or("normal");
    let entered = |name: &str| Some(form.value(name, "")).filter(|v| !v.trim().is_empty());
    let plan = entered("aql").map(|aql| {
        iso2859_plan(
            lot.quantity,
            aql.trim().replace(',', ".").parse().ok(),
            entered("level"),
            entered("inspection"),
            entered("counts"),
        )
    });
    html! {
        form method="post" action={ "/materials/" (lot.id) "/inspection" } novalidate {
            (form.csrf())
            div.fields-row {
                (form.input("aql", "lot-aql", "text", "decimal", "1.0"))
                (form.select("level", "lot-level", &levels, "II"))
                (form.select("inspection", "lot-severity", &severities, next))
                (form.select("counts", "lot-counts", &counts, ""))
            }
            p.muted {
                (message(session.lang, "lot-switching", &[
                    ("material", lot.material.as_str().into()),
                    ("lots", switching.lots.into()),
                    ("severity", t(&format!("inspection-{}", enum_text(switching.severity))).into()),
                    ("reason", t(&format!("reason-{}", enum_text(switching.reason).replace('_', "-"))).into()),
                ]))
            }
            p {
                button.quiet type="submit" formaction={ "/materials/" (lot.id) "/preview#inspection" } { (t("lot-show-plan")) }
            }
            @match plan {
                Some(Ok(plan)) => p.notice.ok role="status" {
                    (message(session.lang, "lot-draw", &[
                        ("n", plan.plan.sample_size.into()), ("lot", lot.quantity.into()),
                        ("letter", plan.plan.code_letter.to_string().into()),
                        ("ac", plan.plan.accept.into()), ("re", plan.plan.reject.into()),
                    ]))
                },
                Some(Err(error)) => (FormErrors::from_error(session.lang, &error).into_general(&t("lot-plan")).general(&[])),
                None => {},
            }
            div.fields-row {
                (form.input("found", "lot-found", "text", "numeric", ""))
            }
            (form.general(&["aql", "level", "inspection", "counts", "found"]))
            p { button type="submit" { (t("lot-record-inspection")) } }
        }
    }
}

fn inspection_of(entered: &Entered) -> AppResult<RecordMaterialInspection> {
    let mut problems = Violations::default();
    let aql = entered.decimal("aql", &mut problems);
    let found = entered.integer("found", &mut problems);
    problems.into_result()?;
    Ok(RecordMaterialInspection {
        aql: aql.unwrap_or_default(),
        level: entered.optional("level"),
        inspection: entered.optional("inspection"),
        counts: entered.optional("counts"),
        found: found.unwrap_or_default(),
    })
}

fn decision_card(session: &Session, lot: &MaterialLot, refused: Option<&Refusal>) -> Markup {
    let t = |key: &str| session.t(key);
    let in_force = lot.decisions.iter().rev().find(|d| {
        !lot.decisions
            .iter()
            .any(|later| later.supersedes == Some(d.id))
    });
    let form = FormView::new(session, refused, "decide");
    let meanings = [
        LotMeaning::Accepted,
        LotMeaning::OnHold,
        LotMeaning::Rejected,
    ];
    let chosen = form.value("meaning", "").to_string();
    html! {
        section.card #decision aria-labelledby="decision-heading" {
            h2 #decision-heading { (t("lot-decision")) }
            @if lot.decisions.is_empty() { p.muted { (t("lot-decision-none")) } }
            @for d in &lot.decisions {
                p class=[(Some(d.id) != in_force.map(|f| f.id)).then_some("superseded")] {
                    strong { (t(&format!("lot-status-{}", enum_text(d.meaning).replace('_', "-")))) }
                    " · " (message(session.lang, "lot-signed-by", &[("user", d.signer.as_str().into())]))
                    " · " (session.when(d.signed_at))
                }
                blockquote.comment { (d.comment) }
            }
            @if permits(session.caller.role, Permission::SignDispositions) {
                form method="post" action={ "/materials/" (lot.id) "/decision" } novalidate {
                    h3 { (t(if in_force.is_some() { "lot-decision-change" } else { "lot-decision-sign" })) }
                    (form.csrf())
                    @if let Some(current) = in_force { input type="hidden" name="supersedes" value=(current.id); }
                    fieldset.choices {
                        legend { (t("lot-decision")) }
                        @for meaning in meanings {
                            @let value = enum_text(meaning);
                            label.choice {
                                input type="radio" name="meaning" value=(value) checked[chosen == value];
                                (t(&format!("lot-status-{}", value.replace('_', "-"))))
                            }
                        }
                    }
                    @if let Some(message) = refused.filter(|r| r.form == "decide").and_then(|r| r.errors.field("meaning")) {
                        p.field-error { (message) }
                    }
                    (form.textarea("comment", "lot-decision-comment"))
                    (form.input("password", "sign-password", "password", "text", ""))
                    (form.general(&["meaning", "comment", "password"]))
                    p { button type="submit" { (t("lot-decision-submit")) } }
                }
            }
        }
    }
}

fn used_card(session: &Session, traced: &MaterialLotTrace) -> Markup {
    let lang = session.lang;
    let t = |key: &str| session.t(key);
    html! {
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
    }
}

/// A lot's form posted: stored, it leads back to the lot's page at its
/// section; refused, the page again with the messages and the entries.
async fn answer(
    db: &Db,
    session: &Session,
    lot_id: i64,
    form: &'static str,
    entered: Entered,
    stored: AppResult<()>,
) -> Result<HttpResponse, PageError> {
    let section = match form {
        "document" => "documents",
        "inspect" => "inspection",
        _ => "decision",
    };
    match stored {
        Ok(()) => Ok(see_other(format!("/materials/{lot_id}#{section}"))),
        Err(error) => {
            let refused = Refusal::of(session, form, entered, error)?;
            render_lot(db, session, lot_id, None, Some(refused)).await
        }
    }
}

#[post("/materials/{id}/documents")]
pub async fn attach_document(
    db: web::Data<Db>,
    session: Session,
    id: web::Path<i64>,
    upload: Multipart,
) -> Result<HttpResponse, PageError> {
    let lot_id = id.into_inner();
    let upload = read_upload(upload, "file", DOCUMENT_LIMIT).await?;
    let entered = allowed(
        &session,
        Entered::new(upload.fields.clone()),
        Permission::ReceiveMaterial,
    )?;
    let actor = session.caller.actor();
    let stored = store(&db, document_of(upload, &["csrf"]), move |c, document| {
        materials::attach_document(c, &actor, lot_id, document)
    })
    .await
    .map(|_| ());
    answer(&db, &session, lot_id, "document", entered, stored).await
}

#[post("/materials/{id}/inspection")]
pub async fn record_inspection(
    db: web::Data<Db>,
    session: Session,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let lot_id = id.into_inner();
    let entered = posted(&session, form, Permission::ReceiveMaterial)?;
    let actor = session.caller.actor();
    let stored = store(&db, inspection_of(&entered), move |c, request| {
        materials::record_inspection(c, &actor, lot_id, request)
    })
    .await
    .map(|_| ());
    answer(&db, &session, lot_id, "inspect", entered, stored).await
}

/// Signs a decision on the lot, the password entered again under the
/// sign-in throttle.
#[post("/materials/{id}/decision")]
pub async fn sign_decision(
    req: HttpRequest,
    db: web::Data<Db>,
    settings: web::Data<AuthSettings>,
    session: Session,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let lot_id = id.into_inner();
    let entered = posted(&session, form, Permission::SignDispositions)?;
    let mut problems = Violations::default();
    let meaning =
        entered.choice::<LotMeaning>("meaning", "accepted, on_hold, rejected", &mut problems);
    let supersedes = entered.optional_integer("supersedes", &mut problems);
    let request = problems.into_result().map(|()| SignMaterialDecision {
        meaning: meaning.unwrap_or(LotMeaning::OnHold),
        comment: entered.text("comment"),
        password: entered.get("password").to_string(),
        supersedes,
    });
    let (address, actor) = (client_address(&req), session.caller.actor());
    let settings = settings.into_inner();
    let signing = store(&db, request, move |c, request| {
        materials::sign_decision(c, &settings, &address, &actor, lot_id, request)
    })
    .await;
    let stored = async { signing?.answer().await.map(|_| ()) }.await;
    answer(&db, &session, lot_id, "decide", entered, stored).await
}
