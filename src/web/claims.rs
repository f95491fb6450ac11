//! After delivery, per order: the customer's receipt checks of its
//! batches, the claims (non-conformance reports) opened on the order, and
//! warranty claims answered from the batch's QC record. A customer reaches
//! only its own orders (the service's visibility); staff reach all and may
//! also open internal findings.

use super::fields::{allowed, posted, store, Entered, FormView, Refusal};
use super::layout::page;
use super::ncrs::ncr_row;
use super::session::{html_response, PageError, Session};
use crate::api::extract::read_upload;
use crate::api::visual::{prepare_photo, PHOTO_LIMIT};
use crate::domain::access::{Permission, Visibility};
use crate::error::{AppError, AppResult, Message, Violations};
use crate::i18n::message;
use crate::service::batches::{self, Batch};
use crate::service::delivery::{
    self, FoundDefect, NewReceiptCheck, NewWarrantyClaim, ReceiptCheck, WarrantyAnswer,
    WarrantyClaim,
};
use crate::service::ncrs::{self, Ncr, NcrSource, NewNcr};
use crate::service::orders::{self, Order};
use crate::service::photos::PhotoLimits;
use crate::service::shipping::qc_released;
use crate::store::{Db, PageRequest};
use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use maud::{html, Markup};

/// Defect lines the receipt check form offers.
const DEFECT_ROWS: usize = 4;

/// What the page shows, read in one go.
struct OrderClaims {
    order: Order,
    batches: Vec<Batch>,
    /// The batches QC released: the ones delivered, checked and claimed.
    released: Vec<Batch>,
    warranty: Vec<WarrantyClaim>,
    checks: Vec<(Batch, Vec<ReceiptCheck>)>,
    ncrs: Vec<Ncr>,
}

async fn load(db: &Db, session: &Session, order_id: i64) -> AppResult<OrderClaims> {
    let visibility = session.caller.visibility();
    db.read(move |c| {
        let order = orders::get_order(c, order_id, visibility)?;
        let all = PageRequest {
            page: 1,
            per_page: 200,
        };
        let batches = batches::list_batches(c, order_id, visibility, all)?.items;
        let mut released = Vec::new();
        for batch in &batches {
            if qc_released(c, batch.id)? {
                released.push(batch.clone());
            }
        }
        let warranty = delivery::warranty_claims(c, order_id, visibility)?;
        let mut checks = Vec::new();
        for batch in &batches {
            let recorded = delivery::receipt_checks(c, batch.id, visibility)?;
            if !recorded.is_empty() {
                checks.push((batch.clone(), recorded));
            }
        }
        let ncrs = ncrs::list(c, visibility)?
            .into_iter()
            .filter(|n| n.order_id == order_id)
            .collect();
        Ok(OrderClaims {
            order,
            batches,
            released,
            warranty,
            checks,
            ncrs,
        })
    })
    .await
}

/// The order's receipt checks and claims, with the forms that record them.
#[get("/orders/{id}/claims")]
pub async fn claims_page(
    db: web::Data<Db>,
    session: Session,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    session.caller.require(Permission::OpenNcrs)?;
    render(&db, &session, id.into_inner(), None, None).await
}

async fn render(
    db: &Db,
    session: &Session,
    order_id: i64,
    refused: Option<Refusal>,
    warranty: Option<WarrantyAnswer>,
) -> Result<HttpResponse, PageError> {
    let data = load(db, session, order_id).await?;
    let lang = session.lang;
    let t = |key: &str| session.t(key);
    let po = data.order.po_number.as_str();
    let title = message(lang, "claims-title", &[("po", po.into())]);
    let refused = refused.as_ref();
    let body = html! {
        p { a href={ "/orders/" (order_id) } { "← " (message(lang, "order-po", &[("po", po.into())])) } }
        h1 { (title) }
        @if let Some(answer) = &warranty { (warranty_answer(session, answer)) }
        (receipt_card(session, &data, refused))
        (claim_card(session, &data, refused))
        (warranty_card(session, &data, refused))
        section.card aria-labelledby="order-ncrs" {
            h2 #order-ncrs { (message(lang, "claims-ncrs", &[("count", data.ncrs.len().into())])) }
            @if data.ncrs.is_empty() {
                p.muted { (t("ncrs-none")) }
            } @else {
                div.scroll tabindex="0" role="region" aria-label=(t("ncrs-title")) {
                    table.sticky-first {
                        thead { tr {
                            th scope="col" { "NCR" } th scope="col" { (t("ncr-order")) } th scope="col" { (t("ncr-source")) }
                            th scope="col" { (t("ncr-description")) } th scope="col" { (t("ncr-state")) }
                        } }
                        tbody { @for n in &data.ncrs { (ncr_row(session, n)) } }
                    }
                }
            }
        }
    };
    let status = refused.map_or(StatusCode::OK, |r| r.status);
    Ok(html_response(status).body(page(&session.frame(), &title, body).into_string()))
}

fn batch_options(
    session: &Session,
    batches: &[Batch],
    none: Option<&str>,
) -> Vec<(String, String)> {
    none.map(|key| (String::new(), session.t(key)))
        .into_iter()
        .chain(batches.iter().map(|b| {
            (
                b.id.to_string(),
                message(session.lang, "batch-number", &[("number", b.number.into())]),
            )
        }))
        .collect()
}

fn today(session: &Session) -> String {
    chrono::Utc::now()
        .with_timezone(&session.zone)
        .date_naive()
        .to_string()
}

fn receipt_card(session: &Session, data: &OrderClaims, refused: Option<&Refusal>) -> Markup {
    let lang = session.lang;
    let t = |key: &str| session.t(key);
    let form = FormView::new(session, refused, "receipt");
    html! {
        section.card #receipt aria-labelledby="receipt-heading" {
            h2 #receipt-heading { (t("receipt-title")) }
            @for (batch, checks) in &data.checks {
                h3 { (message(lang, "batch-number", &[("number", batch.number.into())])) }
                (receipt_list(session, checks))
            }
            @if data.released.is_empty() { p.muted { (t("receipt-none-released")) } }
            @else {
            form method="post" action={ "/orders/" (data.order.id) "/receipt-checks" } enctype="multipart/form-data" novalidate {
                h3 { (t("receipt-record")) }
                p.muted { (t("receipt-hint")) }
                (form.csrf())
                div.fields-row {
                    (form.select("batch_id", "batch", &batch_options(session, &data.released, None), ""))
                    (form.input("units_checked", "receipt-units-checked", "text", "numeric", ""))
                    (form.input("checked_on", "receipt-checked-on", "date", "numeric", &today(session)))
                }
                fieldset.defect-lines {
                    legend { (t("receipt-defects-found")) }
                    @for row in 0..DEFECT_ROWS {
                        div.fields-row {
                            (form.input(&format!("defect{row}"), "receipt-defect", "text", "text", ""))
                            (form.input(&format!("count{row}"), "receipt-count", "text", "numeric", ""))
                        }
                    }
                }
                (form.textarea("note", "receipt-note"))
                div {
                    label for="receipt-photos" { (t("receipt-photos")) }
                    input #receipt-photos type="file" name="photos" multiple accept="image/jpeg,image/png"
                        aria-describedby="receipt-photos-hint";
                    p.muted #receipt-photos-hint { (t("receipt-photos-hint")) }
                    @if let Some(message) = refused.filter(|r| r.form == "receipt").and_then(|r| r.errors.field("photos")) {
                        p.field-error { (message) }
                    }
                }
                (form.general(&receipt_fields()))
                p { button type="submit" { (t("receipt-record")) } }
            }
            }
        }
    }
}

/// Receipt checks as recorded: the day, the units checked, accepted or the
/// defects found, the note and the photos.
pub fn receipt_list(session: &Session, checks: &[ReceiptCheck]) -> Markup {
    let lang = session.lang;
    let t = |key: &str| session.t(key);
    html! {
        ul {
            @for check in checks {
                li {
                    strong { (check.checked_on) } " · "
                    (message(lang, "receipt-units", &[("units", check.units_checked.into())])) " · "
                    @if check.accepted { span.good { (t("receipt-accepted")) } }
                    @else {
                        span.bad { (t("receipt-defects")) ": " }
                        (check.defects.iter().map(|d| format!("{} × {}", d.defect, d.count)).collect::<Vec<_>>().join(", "))
                    }
                    @if !check.note.is_empty() { div.muted { (check.note) } }
                    @if !check.photos.is_empty() {
                        div.thumbs {
                            @for photo in &check.photos {
                                a href=(photo.url) { img src=(photo.thumbnail_url) alt=(t("receipt-photo")) loading="lazy"; }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The receipt form's fields, for messages shown beside them.
fn receipt_fields() -> Vec<&'static str> {
    const LINES: [&str; 2 * DEFECT_ROWS] = [
        "defect0", "count0", "defect1", "count1", "defect2", "count2", "defect3", "count3",
    ];
    let mut fields = vec!["batch_id", "units_checked", "checked_on", "note", "photos"];
    fields.extend(LINES);
    fields
}

fn claim_card(session: &Session, data: &OrderClaims, refused: Option<&Refusal>) -> Markup {
    let t = |key: &str| session.t(key);
    let form = FormView::new(session, refused, "claim");
    let staff = session.caller.visibility() == Visibility::Everything;
    let mut sources = vec![NcrSource::CustomerClaim, NcrSource::ReceiptCheck];
    if staff {
        sources.push(NcrSource::Internal);
    }
    let sources: Vec<(String, String)> = sources
        .into_iter()
        .map(|s| {
            let value = crate::service::enum_text(s);
            let words = t(&format!("ncr-source-{}", value.replace('_', "-")));
            (value, words)
        })
        .collect();
    html! {
        form.card #claim method="post" action={ "/orders/" (data.order.id) "/ncrs" } novalidate {
            h2 { (t("claim-title")) }
            p.muted { (t("claim-hint")) }
            (form.csrf())
            div.fields-row {
                (form.select("batch_id", "batch", &batch_options(session, &data.batches, Some("claim-whole-order")), ""))
                (form.select("source", "ncr-source", &sources, if staff { "internal" } else { "customer_claim" }))
            }
            (form.textarea("description", "ncr-description"))
            (form.input("serials", "ncr-serials", "text", "text", ""))
            p.muted { (t("claim-serials-hint")) }
            (form.general(&["batch_id", "source", "description", "serials"]))
            p { button type="submit" { (t("claim-submit")) } }
        }
    }
}

fn warranty_card(session: &Session, data: &OrderClaims, refused: Option<&Refusal>) -> Markup {
    let t = |key: &str| session.t(key);
    let form = FormView::new(session, refused, "warranty");
    html! {
        form.card #warranty method="post" action={ "/orders/" (data.order.id) "/warranty-claims" } novalidate {
            h2 { (t("warranty-title")) }
            p.muted { (message(session.lang, "warranty-hint", &[("months", data.order.warranty_months.into())])) }
            (form.csrf())
            div.fields-row {
                (form.input("serial", "warranty-serial", "text", "text", ""))
                (form.select("batch_id", "warranty-or-batch", &batch_options(session, &data.released, Some("warranty-by-serial")), ""))
                (form.input("claim_date", "warranty-claim-date", "date", "numeric", &today(session)))
            }
            (form.textarea("description", "warranty-description"))
            (form.general(&["serial", "batch_id", "claim_date", "description"]))
            p { button type="submit" { (t("warranty-submit")) } }
            @if !data.warranty.is_empty() {
                h3 { (message(session.lang, "warranty-claims", &[("count", data.warranty.len().into())])) }
                ul {
                    @for claim in &data.warranty {
                        li {
                            strong { (claim.claim_date) } " · "
                            @match (&claim.serial, data.batches.iter().find(|b| b.id == claim.batch_id)) {
                                (Some(serial), _) => (serial),
                                (None, Some(batch)) => (message(session.lang, "batch-number", &[("number", batch.number.into())])),
                                (None, None) => "—",
                            }
                            " · "
                            @if claim.within_warranty { span.good { (t("warranty-within")) } } @else { span.bad { (t("warranty-outside")) } }
                            div { (claim.description) }
                        }
                    }
                }
            }
        }
    }
}

/// The answer to a warranty claim: inside the warranty or not, and the
/// batch's QC record.
fn warranty_answer(session: &Session, answer: &WarrantyAnswer) -> Markup {
    let lang = session.lang;
    let t = |key: &str| session.t(key);
    html! {
        section.card.banner-card role="status" aria-labelledby="warranty-answer" {
            h2 #warranty-answer { (message(lang, "warranty-answer", &[("id", answer.claim_id.into())])) }
            p class=(if answer.within_warranty { "good" } else { "bad" }) {
                strong { (t(if answer.within_warranty { "warranty-within" } else { "warranty-outside" })) }
                " · " (message(lang, "warranty-period", &[
                    ("from", answer.released_on.map_or("—".to_string(), |d| d.to_string()).into()),
                    ("to", answer.warranty_ends.map_or("—".to_string(), |d| d.to_string()).into()),
                    ("claimed", answer.claim_date.to_string().into()),
                ]))
            }
            p { (answer.description) }
            dl.fields {
                dt { (t("batch")) }
                dd { (message(lang, "work-batch", &[("po", answer.order.po_number.as_str().into()), ("number", answer.batch.number.into())])) }
                @if let (Some(serial), Some(unit)) = (&answer.serial, answer.unit) {
                    dt { (t("ncr-serials")) } dd { (message(lang, "trace-unit", &[("serial", serial.as_str().into()), ("unit", unit.into())])) }
                    dt { (t("trace-sampled")) }
                    dd { @if answer.readings.is_empty() { (t("trace-not-sampled")) } @else { (message(lang, "trace-readings", &[("count", answer.readings.len().into())])) } }
                }
                dt { (t("trace-report")) }
                dd { @match &answer.report {
                    Some(r) => a href={ "/orders/" (r.order_id) "/reports/" (r.revision) ".pdf" } { (r.number) " · " (message(lang, "trace-revision", &[("revision", r.revision.into())])) },
                    None => span.muted { (t("trace-no-report")) },
                } }
                @if !answer.material_lots.is_empty() {
                    dt { (t("trace-lots")) }
                    dd { @for u in &answer.material_lots { a href={ "/materials/" (u.material_lot.id) } { (u.material_lot.lot_number) } " " } }
                }
            }
        }
    }
}

/// Stored: back to the page at the form; refused: the page again with the
/// messages and the entries.
async fn answer(
    db: &Db,
    session: &Session,
    order_id: i64,
    form: &'static str,
    entered: Entered,
    stored: AppResult<String>,
) -> Result<HttpResponse, PageError> {
    match stored {
        Ok(location) => Ok(HttpResponse::SeeOther()
            .insert_header(("Location", location))
            .finish()),
        Err(error) => {
            let refused = Refusal::of(session, form, entered, error)?;
            render(db, session, order_id, Some(refused), None).await
        }
    }
}

fn receipt_check_of(entered: &Entered) -> AppResult<(i64, NewReceiptCheck)> {
    let mut problems = Violations::default();
    let batch_id = entered.integer("batch_id", &mut problems);
    let units_checked = entered.integer("units_checked", &mut problems);
    let checked_on = entered.date("checked_on", &mut problems);
    let mut defects = Vec::new();
    for row in 0..DEFECT_ROWS {
        let (defect, count) = (format!("defect{row}"), format!("count{row}"));
        match (entered.optional(&defect), entered.optional(&count)) {
            (None, None) => {}
            (Some(_), None) => problems.add(count, Message::new("err-required")),
            (None, Some(_)) => problems.add(defect, Message::new("err-required")),
            (Some(name), Some(_)) => {
                if let Some(count) = entered.optional_integer(&count, &mut problems) {
                    defects.push(FoundDefect {
                        defect: name,
                        count,
                    });
                }
            }
        }
    }
    problems.into_result()?;
    Ok((
        batch_id.unwrap_or_default(),
        NewReceiptCheck {
            units_checked: units_checked.unwrap_or_default(),
            defects,
            note: entered.text("note"),
            checked_on,
        },
    ))
}

/// Records a receipt check with its photos (each checked before anything
/// is stored); defects found open a report, shown next.
#[post("/orders/{id}/receipt-checks")]
pub async fn record_receipt_check(
    db: web::Data<Db>,
    limits: web::Data<PhotoLimits>,
    session: Session,
    id: web::Path<i64>,
    form: Multipart,
) -> Result<HttpResponse, PageError> {
    let order_id = id.into_inner();
    let upload = read_upload(form, "photos", PHOTO_LIMIT).await?;
    let entered = allowed(&session, Entered::new(upload.fields), Permission::OpenNcrs)?;
    let (actor, visibility) = (session.caller.actor(), session.caller.visibility());
    let mut photos = Vec::new();
    let mut refused = None;
    for (_, bytes) in upload.files {
        match prepare_photo(&limits, bytes).await {
            Ok(photo) => photos.push(photo),
            Err(mut error) => {
                for field in &mut error.errors {
                    field.field = "photos".into();
                }
                refused = Some(error);
                break;
            }
        }
    }
    let stored = match (refused, receipt_check_of(&entered)) {
        (Some(error), _) | (None, Err(error)) => Err(error),
        (None, Ok((batch_id, request))) => db
            .write(move |c| {
                in_order(c, order_id, batch_id, visibility)?;
                let check =
                    delivery::record_receipt_check(c, &actor, visibility, batch_id, request)?;
                for photo in photos {
                    delivery::attach_receipt_photo(c, &actor, visibility, check.id, photo)?;
                }
                Ok(check)
            })
            .await
            .map(|check| match check.ncr_id {
                Some(ncr) => format!("/ncrs/{ncr}"),
                None => format!("/orders/{order_id}/claims#receipt"),
            })
            .map_err(to_form_lines),
    };
    answer(&db, &session, order_id, "receipt", entered, stored).await
}

/// Names the service's `defects[i].defect` and `defects[i].count` by the
/// form's lines, so that each message stands beside its field.
fn to_form_lines(mut error: AppError) -> AppError {
    for field in &mut error.errors {
        if let Some(rest) = field.field.strip_prefix("defects[") {
            if let Some((line, column)) = rest.split_once("].") {
                field.field = format!("{column}{line}");
            }
        }
    }
    error
}

/// A batch chosen on an order's page belongs to that order.
fn in_order(
    conn: &mut crate::store::DbConnection,
    order_id: i64,
    batch_id: i64,
    visibility: Visibility,
) -> AppResult<()> {
    let batch = batches::get_batch(conn, batch_id, visibility)?;
    if batch.order_id != order_id {
        return Err(AppError::invalid(
            "batch_id",
            Message::new("err-batch-not-in-order")
                .arg("batch", batch_id)
                .arg("order", order_id),
        ));
    }
    Ok(())
}

/// Opens a report on the order; its page comes next.
#[post("/orders/{id}/ncrs")]
pub async fn open_ncr(
    db: web::Data<Db>,
    session: Session,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let (order_id, entered) = (
        id.into_inner(),
        posted(&session, form, Permission::OpenNcrs)?,
    );
    let (actor, visibility) = (session.caller.actor(), session.caller.visibility());
    let mut problems = Violations::default();
    let batch_id = entered.optional_integer("batch_id", &mut problems);
    let source = entered.choice::<NcrSource>(
        "source",
        "customer_claim, receipt_check, internal",
        &mut problems,
    );
    let serials: Vec<String> = entered
        .text("serials")
        .split([',', ';', ' ', '\n'])
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.trim().to_string())
        .collect();
    let request = problems.into_result().map(|()| NewNcr {
        order_id,
        batch_id,
        material_lot_id: None,
        source: source.unwrap_or(NcrSource::CustomerClaim),
        description: entered.text("description"),
        serials: (!serials.is_empty()).then_some(serials),
    });
    let stored = store(&db, request, move |c, request| {
        ncrs::open(c, &actor, visibility, request)
    })
    .await
    .map(|ncr| format!("/ncrs/{}", ncr.id));
    answer(&db, &session, order_id, "claim", entered, stored).await
}

/// A warranty claim: answered on the page with the batch's QC record.
#[post("/orders/{id}/warranty-claims")]
pub async fn claim_warranty(
    db: web::Data<Db>,
    session: Session,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let (order_id, entered) = (
        id.into_inner(),
        posted(&session, form, Permission::OpenNcrs)?,
    );
    let (actor, visibility) = (session.caller.actor(), session.caller.visibility());
    let mut problems = Violations::default();
    let batch_id = entered.optional_integer("batch_id", &mut problems);
    let claim_date = entered.date("claim_date", &mut problems);
    let request = problems.into_result().map(|()| NewWarrantyClaim {
        serial: entered.optional("serial"),
        batch_id,
        claim_date,
        description: entered.text("description"),
    });
    let claimed = store(&db, request, move |c, request| {
        delivery::claim_warranty(c, &actor, visibility, request)
    })
    .await;
    match claimed {
        Ok(answer) => render(&db, &session, order_id, None, Some(answer)).await,
        Err(error) => {
            let refused = Refusal::of(&session, "warranty", entered, error)?;
            render(&db, &session, order_id, Some(refused), None).await
        }
    }
}
