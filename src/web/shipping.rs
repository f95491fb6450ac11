//! A batch's material and shipping page for staff: the material lots that
//! went into it (an accepted lot, or another under a concession), its
//! units' serial numbers, and the pre-shipment inspection of its packed
//! cartons, with a field a hand-held barcode scanner types into.

use super::batches::number;
use super::fields::{allowed, posted, store, Entered, FormView, Refusal};
use super::layout::page;
use super::materials::{flags, status_badge};
use super::session::{html_response, PageError, Session};
use crate::api::extract::{read_upload, UploadLimit};
use crate::domain::access::{permits, Permission, Visibility};
use crate::error::{AppError, AppResult, Message, Violations};
use crate::i18n::message;
use crate::service::batches::{self, Batch};
use crate::service::enum_text;
use crate::service::materials::{self, LotStatus, MaterialLot, MaterialUsage, UseMaterialLot};
use crate::service::orders::{self, Order};
use crate::service::shipping::{
    self, CartonCheck, CartonMarks, NewCartonCheck, NewShipmentInspection, Packaging,
    ShipmentStatus,
};
use crate::service::trace::{self, AssignSerials, SerialRange};
use crate::store::Db;
use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use maud::{html, Markup};

/// The packaging problems a carton check ticks.
const PACKAGING: [Packaging; 4] = [
    Packaging::Crushed,
    Packaging::Wet,
    Packaging::ShockProtectionMissing,
    Packaging::MoistureProtectionMissing,
];

/// A serial list file is at most this large (100,000 serials of a few
/// dozen characters).
const SERIALS_LIMIT: UploadLimit = UploadLimit {
    bytes: 8 * 1024 * 1024,
    refusal: |field| {
        AppError::new(
            crate::error::ErrorCode::FileTooLarge,
            Message::new("err-document-bytes").arg("max", 8 * 1024 * 1024),
        )
        .with_field(field)
    },
};

struct ShippingPage {
    batch: Batch,
    order: Order,
    usages: Vec<MaterialUsage>,
    lots: Vec<MaterialLot>,
    serials: i64,
    shipment: ShipmentStatus,
}

async fn load(db: &Db, batch_id: i64) -> AppResult<ShippingPage> {
    db.read(move |c| {
        let batch = batches::get_batch(c, batch_id, Visibility::Everything)?;
        let order = orders::get_order(c, batch.order_id, Visibility::Everything)?;
        Ok(ShippingPage {
            usages: materials::usages_of_batch(c, batch_id)?,
            lots: materials::list_lots(c)?,
            serials: trace::serial_count(c, batch_id)?,
            shipment: shipping::status(c, batch_id, Visibility::Everything)?,
            batch,
            order,
        })
    })
    .await
}

/// Material lots, serials and the pre-shipment inspection of a batch. A
/// query `recheck` (a carton check's id) fills the carton form to check
/// that carton again after it was put right.
#[get("/batches/{id}/shipment")]
pub async fn shipment_page(
    db: web::Data<Db>,
    session: Session,
    id: web::Path<i64>,
    query: web::Query<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    session.caller.require(Permission::ReadProcess)?;
    let query = Entered::new(query.into_inner());
    let recheck = query.text("recheck").parse::<i64>().ok();
    render(&db, &session, id.into_inner(), None, recheck).await
}

async fn render(
    db: &Db,
    session: &Session,
    batch_id: i64,
    refused: Option<Refusal>,
    recheck: Option<i64>,
) -> Result<HttpResponse, PageError> {
    let data = load(db, batch_id).await?;
    let lang = session.lang;
    let po = data.order.po_number.as_str();
    let title = message(
        lang,
        "shipping-title",
        &[("po", po.into()), ("number", data.batch.number.into())],
    );
    let refused = refused.as_ref();
    let body = html! {
        p { a href={ "/batches/" (batch_id) } { "← " (message(lang, "batch-title", &[("number", data.batch.number.into()), ("po", po.into())])) } }
        h1 { (title) }
        (materials_card(session, &data, refused))
        (serials_card(session, &data, refused))
        (shipment_card(session, &data, refused, recheck))
    };
    let status = refused.map_or(StatusCode::OK, |r| r.status);
    Ok(html_response(status).body(page(&session.frame(), &title, body).into_string()))
}

fn materials_card(session: &Session, data: &ShippingPage, refused: Option<&Refusal>) -> Markup {
    let t = |key: &str| session.t(key);
    let form = FormView::new(session, refused, "use");
    let used: Vec<i64> = data.usages.iter().map(|u| u.material_lot.id).collect();
    // Accepted lots first: they need no concession.
    let mut offered: Vec<&MaterialLot> =
        data.lots.iter().filter(|l| !used.contains(&l.id)).collect();
    offered.sort_by_key(|l| l.status != LotStatus::Accepted);
    let options: Vec<(String, String)> = std::iter::once((String::new(), "—".to_string()))
        .chain(offered.iter().map(|l| {
            let status = t(&format!(
                "lot-status-{}",
                enum_text(l.status).replace('_', "-")
            ));
            (
                l.id.to_string(),
                format!(
                    "{} · {} · {} · {status}",
                    l.lot_number, l.material, l.supplier
                ),
            )
        }))
        .collect();
    html! {
        section.card #materials aria-labelledby="materials-heading" {
            h2 #materials-heading { (message(session.lang, "shipping-lots", &[("count", data.usages.len().into())])) }
            @if data.usages.is_empty() {
                p.muted { (t("shipping-lots-none")) }
            } @else {
                table.sticky-first {
                    thead { tr {
                        th scope="col" { (t("lot-number")) } th scope="col" { (t("lot-material")) }
                        th scope="col" { (t("lot-supplier")) } th scope="col" { (t("lot-status")) }
                        th scope="col" { (t("lot-concession")) }
                    } }
                    tbody { @for u in &data.usages {
                        tr {
                            th scope="row" { a href={ "/materials/" (u.material_lot.id) } { (u.material_lot.lot_number) } }
                            td { (u.material_lot.material) }
                            td { (u.material_lot.supplier) }
                            td { (status_badge(session, u.material_lot.status)) " " (flags(session, &u.material_lot)) }
                            td { (u.concession.as_deref().unwrap_or("—")) }
                        }
                    } }
                }
            }
            @if permits(session.caller.role, Permission::ReceiveMaterial) {
                form method="post" action={ "/batches/" (data.batch.id) "/material-lots" } novalidate {
                    h3 { (t("shipping-use-lot")) }
                    (form.csrf())
                    (form.select("material_lot_id", "shipping-lot", &options, ""))
                    (form.input("concession", "shipping-concession", "text", "text", ""))
                    p.muted { (t("shipping-concession-hint")) }
                    (form.general(&["material_lot_id", "concession"]))
                    p { button type="submit" { (t("shipping-use-lot")) } }
                }
            }
        }
    }
}

fn serials_card(session: &Session, data: &ShippingPage, refused: Option<&Refusal>) -> Markup {
    let t = |key: &str| session.t(key);
    let range = FormView::new(session, refused, "serials");
    let list = FormView::new(session, refused, "serials-csv");
    let may = permits(session.caller.role, Permission::ReceiveMaterial);
    html! {
        section.card #serials aria-labelledby="serials-heading" {
            h2 #serials-heading { (t("shipping-serials")) }
            p { (message(session.lang, "shipping-serials-count", &[("count", data.serials.into()), ("lot", data.batch.lot_size.into())])) }
            @if may && data.serials == 0 {
                form method="post" action={ "/batches/" (data.batch.id) "/serials" } novalidate {
                    h3 { (t("shipping-serial-range")) }
                    (range.csrf())
                    div.fields-row {
                        (range.input("prefix", "shipping-serial-prefix", "text", "text", ""))
                        (range.input("first", "shipping-serial-first", "text", "numeric", "1"))
                        (range.input("digits", "shipping-serial-digits", "text", "numeric", "5"))
                    }
                    p.muted { (t("shipping-serial-range-hint")) }
                    (range.general(&["prefix", "first", "digits"]))
                    p { button type="submit" { (t("shipping-serial-assign")) } }
                }
            }
            @if may && data.serials < data.batch.lot_size {
                form method="post" action={ "/batches/" (data.batch.id) "/serials.csv" } enctype="multipart/form-data" novalidate {
                    h3 { (t("shipping-serial-list")) }
                    (list.csrf())
                    label for="serials-file" { (t("shipping-serial-file")) }
                    input #serials-file type="file" name="file" accept=".csv,text/csv" aria-describedby="serials-file-hint";
                    p.muted #serials-file-hint { (t("shipping-serial-file-hint")) }
                    (list.general(&[]))
                    p { button type="submit" { (t("shipping-serial-import")) } }
                }
            }
        }
    }
}

fn shipment_card(
    session: &Session,
    data: &ShippingPage,
    refused: Option<&Refusal>,
    recheck: Option<i64>,
) -> Markup {
    let lang = session.lang;
    let t = |key: &str| session.t(key);
    let status = &data.shipment;
    html! {
        section.card #shipment aria-labelledby="shipment-heading" {
            h2 #shipment-heading { (t("shipping-inspection")) }
            p {
                @if status.ready_to_ship { strong.good { "✓ " (t("shipping-ready")) } }
                @else if !status.qc_released { strong.warn { (t("shipping-not-released")) } }
                @else { strong.warn { (t("shipping-not-ready")) } }
            }
            @match &status.inspection {
                None if status.qc_released && permits(session.caller.role, Permission::PlanSampling) => (plan_form(session, data, refused)),
                None => p.muted { (t("shipping-no-inspection")) },
                Some(i) => {
                    p {
                        (message(lang, "shipping-plan", &[
                            ("cartons", i.cartons.into()), ("units", i.units_per_carton.into()),
                            ("weight", number(Some(i.gross_weight_kg), 3).into()), ("tolerance", number(Some(i.weight_tolerance_kg), 3).into()),
                            ("gtin", i.gtin.as_str().into()),
                        ]))
                    }
                    p {
                        (message(lang, "shipping-sample", &[
                            ("aql", i.aql.to_string().into()), ("letter", i.code_letter.as_str().into()),
                            ("n", i.sample_size.into()), ("ac", i.accept.into()), ("re", i.reject.into()),
                        ]))
                    }
                    p class=(if i.passed { "good" } else if i.complete || i.failed { "bad" } else { "" }) {
                        strong { (message(lang, "shipping-progress", &[
                            ("checked", i.checks.len().into()), ("n", i.sample_size.into()), ("found", i.nonconformities.into()),
                        ])) }
                        @if i.passed { " · " (t("shipping-passed")) }
                        @else if i.complete || i.failed { " · " (t("shipping-failed")) }
                    }
                    @if let (Some(seed), false) = (i.seed, i.drawn.is_empty()) {
                        p #drawn {
                            (message(lang, "shipping-drawn", &[("seed", seed.to_string().into())])) " "
                            @for carton in sorted(&i.drawn) {
                                @match i.checks.iter().find(|c| c.carton == carton) {
                                    Some(c) if c.findings.is_empty() => span.drawn.done { (carton) " ✓" },
                                    Some(_) => span.drawn.found { (carton) " ✗" },
                                    None => span.drawn { (carton) },
                                }
                                " "
                            }
                        }
                        p.muted { (t("shipping-drawn-hint")) }
                    }
                    @if !i.history.is_empty() { (checks_table(session, data.batch.id, &i.history)) }
                    @if permits(session.caller.role, Permission::RecordResults) {
                        (carton_form(session, data, refused, recheck.and_then(|id| i.checks.iter().find(|c| c.id == id))))
                    }
                    (packing_links(session, data.order.id))
                }
            }
        }
    }
}

fn plan_form(session: &Session, data: &ShippingPage, refused: Option<&Refusal>) -> Markup {
    let t = |key: &str| session.t(key);
    let form = FormView::new(session, refused, "plan");
    html! {
        form method="post" action={ "/batches/" (data.batch.id) "/shipment-inspection" } novalidate {
            h3 { (t("shipping-plan-title")) }
            p.muted { (t("report-shipment-note")) }
            (form.csrf())
            div.fields-row {
                (form.input("cartons", "shipping-cartons", "text", "numeric", ""))
                (form.input("units_per_carton", "shipping-units-per-carton", "text", "numeric", ""))
                (form.input("gross_weight_kg", "shipping-gross-weight", "text", "decimal", ""))
            }
            div.fields-row {
                (form.input("weight_tolerance_kg", "shipping-weight-tolerance", "text", "decimal", ""))
                (form.input("carton_volume_m3", "shipping-volume", "text", "decimal", ""))
                (form.input("gtin", "shipping-gtin", "text", "numeric", ""))
            }
            div.fields-row {
                (form.input("aql", "shipping-aql", "text", "decimal", "4.0"))
                (form.select("level", "lot-level", &["I", "II", "III", "S-1", "S-2", "S-3", "S-4"].map(|l| (l.to_string(), l.to_string())), "II"))
            }
            (form.general(&["cartons", "units_per_carton", "gross_weight_kg", "weight_tolerance_kg", "carton_volume_m3", "gtin", "aql", "level"]))
            p { button type="submit" { (t("shipping-plan-submit")) } }
        }
    }
}

fn checks_table(session: &Session, batch_id: i64, checks: &[CartonCheck]) -> Markup {
    let t = |key: &str| session.t(key);
    html! {
        div.scroll tabindex="0" role="region" aria-label=(t("shipping-checks")) {
            table.sticky-first {
                thead { tr {
                    th scope="col" { (t("shipping-carton")) } th.num scope="col" { (t("shipping-units-counted")) }
                    th.num scope="col" { (t("shipping-weight")) } th scope="col" { (t("shipping-barcode")) }
                    th scope="col" { (t("shipping-findings")) }
                } }
                tbody { @for c in checks {
                    @let superseded = checks.iter().any(|later| later.supersedes == Some(c.id));
                    tr class=[superseded.then_some("superseded")] {
                        th scope="row" { (c.carton) }
                        td.num { (c.units_counted) }
                        td.num { (number(Some(c.gross_weight_kg), 3)) }
                        td.nowrap { code { (c.barcode) } }
                        td {
                            @if c.findings.is_empty() { span.good { "✓ " (t("shipping-carton-ok")) } }
                            @else {
                                span.bad { (c.findings.iter().map(|f| t(&format!("carton-finding-{}", enum_text(*f).replace('_', "-")))).collect::<Vec<_>>().join(", ")) }
                                @if superseded { " · " (t("shipping-rechecked")) }
                                @else { " " a href={ "/batches/" (batch_id) "/shipment?recheck=" (c.id) "#carton" } { (t("shipping-recheck")) } }
                            }
                        }
                    }
                } }
            }
        }
    }
}

/// One carton's check. The barcode comes last: a hand-held scanner types
/// the code and Enter, which records the carton.
fn carton_form(
    session: &Session,
    data: &ShippingPage,
    refused: Option<&Refusal>,
    recheck: Option<&CartonCheck>,
) -> Markup {
    let t = |key: &str| session.t(key);
    let form = FormView::new(session, refused, "carton");
    // The next carton drawn and not yet checked, unless one is checked again.
    let next = data.shipment.inspection.as_ref().and_then(|i| {
        sorted(&i.drawn)
            .into_iter()
            .find(|carton| !i.checks.iter().any(|c| c.carton == *carton))
    });
    let carton = recheck
        .map(|c| c.carton)
        .or(next)
        .map(|c| c.to_string())
        .unwrap_or_default();
    let supersedes = match recheck {
        Some(check) => check.id.to_string(),
        None => form.value("supersedes", "").to_string(),
    };
    html! {
        form #carton method="post" action={ "/batches/" (data.batch.id) "/shipment-inspection/cartons" } novalidate {
            h3 { (t(if supersedes.is_empty() { "shipping-check-carton" } else { "shipping-recheck-carton" })) }
            (form.csrf())
            @if !supersedes.is_empty() { input type="hidden" name="supersedes" value=(supersedes); }
            div.fields-row {
                (form.input("carton", "shipping-carton", "text", "numeric", &carton))
                (form.input("units_counted", "shipping-units-counted", "text", "numeric", ""))
                (form.input("gross_weight_kg", "shipping-weight", "text", "decimal", ""))
            }
            fieldset.choices {
                legend { (t("shipping-packaging")) }
                @for p in PACKAGING {
                    @let value = enum_text(p);
                    (form.checkbox(&format!("packaging.{value}"), &format!("carton-finding-{}", value.replace('_', "-")), false))
                }
            }
            div.fields-row {
                (form.input("marks.po", "shipping-marks-po", "text", "text", ""))
                (form.input("marks.model", "shipping-marks-model", "text", "text", ""))
                (form.input("marks.quantity", "shipping-marks-quantity", "text", "numeric", ""))
            }
            div.scan-field {
                (form.input("barcode", "shipping-scan", "text", "numeric", ""))
                p.muted { (t("shipping-scan-hint")) }
            }
            (form.general(&["carton", "units_counted", "gross_weight_kg", "marks.po", "marks.model", "marks.quantity", "barcode", "supersedes"]))
            p { button type="submit" { (t("shipping-record-carton")) } }
        }
    }
}

/// The order's packing list, as PDF in the reader's language and as CSV.
pub fn packing_links(session: &Session, order_id: i64) -> Markup {
    html! {
        p {
            a.button.quiet href={ "/api/v1/orders/" (order_id) "/packing-list.pdf?language=" (session.lang.tag()) } download { (session.t("shipping-packing-list-pdf")) } " "
            a.button.quiet href={ "/api/v1/orders/" (order_id) "/packing-list.csv" } download { (session.t("shipping-packing-list")) }
        }
    }
}

/// Carton numbers in ascending order, as they are found in the stack.
fn sorted(cartons: &[i64]) -> Vec<i64> {
    let mut sorted = cartons.to_vec();
    sorted.sort_unstable();
    sorted
}

/// Stored: back to the page at `section`; refused: the page again with
/// the messages and the entries.
async fn answer(
    db: &Db,
    session: &Session,
    batch_id: i64,
    (form, section): (&'static str, &str),
    entered: Entered,
    stored: AppResult<()>,
) -> Result<HttpResponse, PageError> {
    match stored {
        Ok(()) => Ok(HttpResponse::SeeOther()
            .insert_header((
                "Location",
                format!("/batches/{batch_id}/shipment#{section}"),
            ))
            .finish()),
        Err(error) => {
            let refused = Refusal::of(session, form, entered, error)?;
            render(db, session, batch_id, Some(refused), None).await
        }
    }
}

#[post("/batches/{id}/material-lots")]
pub async fn use_lot(
    db: web::Data<Db>,
    session: Session,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let batch_id = id.into_inner();
    let entered = posted(&session, form, Permission::ReceiveMaterial)?;
    let mut problems = Violations::default();
    let lot = entered.integer("material_lot_id", &mut problems);
    let request = problems.into_result().map(|()| UseMaterialLot {
        material_lot_id: lot.unwrap_or_default(),
        concession: entered.optional("concession"),
    });
    let actor = session.caller.actor();
    let stored = store(&db, request, move |c, request| {
        materials::use_in_batch(c, &actor, batch_id, request)
    })
    .await
    .map(|_| ());
    answer(
        &db,
        &session,
        batch_id,
        ("use", "materials"),
        entered,
        stored,
    )
    .await
}

#[post("/batches/{id}/serials")]
pub async fn assign_serials(
    db: web::Data<Db>,
    session: Session,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let batch_id = id.into_inner();
    let entered = posted(&session, form, Permission::ReceiveMaterial)?;
    let mut problems = Violations::default();
    let first = entered.integer("first", &mut problems);
    let digits = entered.optional_integer("digits", &mut problems);
    let request = problems.into_result().map(|()| AssignSerials {
        range: Some(SerialRange {
            prefix: entered.text("prefix"),
            first: first.unwrap_or_default(),
            digits: digits.map(|d| d.clamp(0, 64) as usize),
        }),
        units: None,
    });
    let actor = session.caller.actor();
    let stored = store(&db, request, move |c, request| {
        trace::assign_serials(c, &actor, batch_id, request)
    })
    .await
    .map(|_| ());
    answer(
        &db,
        &session,
        batch_id,
        ("serials", "serials"),
        entered,
        stored,
    )
    .await
}

/// Serials from a CSV file (`unit,serial`); a bad row is named by its line.
#[post("/batches/{id}/serials.csv")]
pub async fn import_serials(
    db: web::Data<Db>,
    session: Session,
    id: web::Path<i64>,
    upload: Multipart,
) -> Result<HttpResponse, PageError> {
    let batch_id = id.into_inner();
    let upload = read_upload(upload, "file", SERIALS_LIMIT).await?;
    let entered = allowed(
        &session,
        Entered::new(upload.fields.clone()),
        Permission::ReceiveMaterial,
    )?;
    let actor = session.caller.actor();
    let stored = match upload.files.into_iter().next() {
        None => Err(AppError::invalid("file", Message::new("err-choose-file"))),
        Some((_, bytes)) => match std::str::from_utf8(&bytes) {
            Err(_) => Err(AppError::invalid("file", Message::new("err-utf8"))),
            Ok(text) => match trace::serials_from_csv(text) {
                Err(error) => Err(error),
                Ok(units) => {
                    let request = AssignSerials {
                        range: None,
                        units: Some(units),
                    };
                    db.write(move |c| trace::assign_serials(c, &actor, batch_id, request))
                        .await
                        .map(|_| ())
                }
            },
        },
    };
    answer(
        &db,
        &session,
        batch_id,
        ("serials-csv", "serials"),
        entered,
        stored,
    )
    .await
}

#[post("/batches/{id}/shipment-inspection")]
pub async fn plan_shipment(
    db: web::Data<Db>,
    session: Session,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let batch_id = id.into_inner();
    let entered = posted(&session, form, Permission::PlanSampling)?;
    let mut problems = Violations::default();
    let cartons = entered.integer("cartons", &mut problems);
    let units_per_carton = entered.integer("units_per_carton", &mut problems);
    let gross_weight_kg = entered.decimal("gross_weight_kg", &mut problems);
    let weight_tolerance_kg = entered.optional_decimal("weight_tolerance_kg", &mut problems);
    let carton_volume_m3 = entered.decimal("carton_volume_m3", &mut problems);
    let aql = entered.optional_decimal("aql", &mut problems);
    let request = problems.into_result().map(|()| NewShipmentInspection {
        cartons: cartons.unwrap_or_default(),
        units_per_carton: units_per_carton.unwrap_or_default(),
        gross_weight_kg: gross_weight_kg.unwrap_or_default(),
        weight_tolerance_kg,
        carton_volume_m3: carton_volume_m3.unwrap_or_default(),
        gtin: entered.text("gtin"),
        aql,
        level: entered.optional("level"),
        seed: None,
    });
    let actor = session.caller.actor();
    let stored = store(&db, request, move |c, request| {
        shipping::plan_inspection(c, &actor, batch_id, request)
    })
    .await
    .map(|_| ());
    answer(
        &db,
        &session,
        batch_id,
        ("plan", "shipment"),
        entered,
        stored,
    )
    .await
}

#[post("/batches/{id}/shipment-inspection/cartons")]
pub async fn check_carton(
    db: web::Data<Db>,
    session: Session,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let batch_id = id.into_inner();
    let entered = posted(&session, form, Permission::RecordResults)?;
    let mut problems = Violations::default();
    let carton = entered.integer("carton", &mut problems);
    let units_counted = entered.integer("units_counted", &mut problems);
    let gross_weight_kg = entered.decimal("gross_weight_kg", &mut problems);
    let quantity = entered.integer("marks.quantity", &mut problems);
    let supersedes = entered.optional_integer("supersedes", &mut problems);
    if entered.optional("barcode").is_none() {
        problems.add("barcode", Message::new("err-required"));
    }
    let request = problems.into_result().map(|()| NewCartonCheck {
        carton: carton.unwrap_or_default(),
        units_counted: units_counted.unwrap_or_default(),
        gross_weight_kg: gross_weight_kg.unwrap_or_default(),
        packaging: PACKAGING
            .into_iter()
            .filter(|p| entered.checked(&format!("packaging.{}", enum_text(*p))))
            .collect(),
        barcode: entered.text("barcode"),
        marks: CartonMarks {
            po: entered.text("marks.po"),
            model: entered.text("marks.model"),
            quantity: quantity.unwrap_or_default(),
        },
        supersedes,
    });
    let actor = session.caller.actor();
    let stored = store(&db, request, move |c, request| {
        shipping::check_carton(c, &actor, batch_id, request)
    })
    .await
    .map(|_| ());
    answer(
        &db,
        &session,
        batch_id,
        ("carton", "carton"),
        entered,
        stored,
    )
    .await
}
