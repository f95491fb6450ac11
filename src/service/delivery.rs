//! After delivery: the customer's receipt check of a delivered batch (a
//! failed one opens a non-conformance report), and warranty claims
//! answered from the batch's QC record with whether the claim date lies
//! inside the order's warranty.

use super::audit::{self, Actor};
use super::batches::{get_batch, Batch};
use super::materials::MaterialUsage;
use super::ncrs::{self, NcrSource, NewNcr};
use super::orders::get_order;
use super::photos::PreparedPhoto;
use super::reports::IssuedReport;
use super::trace::TracedOrder;
use super::{required_free_text, required_text, utc};
use crate::domain::access::Visibility;
use crate::domain::message::Message;
use crate::error::{AppError, AppResult, ErrorCode, NotFoundAs, OrInternal, Violations};
use crate::store::delivery::{self as store, ReceiptPhotoRow, ReceiptRow, WarrantyRow};
use crate::store::{now, DbConnection};
use chrono::{DateTime, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FoundDefect {
    /// What was found, in the customer's words or a defect code.
    pub defect: String,
    pub count: i64,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReceiptCheck {
    pub units_checked: i64,
    /// Defects found; none means the batch is accepted.
    #[serde(default)]
    pub defects: Vec<FoundDefect>,
    #[serde(default)]
    pub note: String,
    /// Absent: today.
    pub checked_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReceiptCheck {
    pub id: i64,
    pub batch_id: i64,
    pub units_checked: i64,
    pub accepted: bool,
    pub defects: Vec<FoundDefect>,
    pub note: String,
    pub checked_on: String,
    pub recorded_at: DateTime<Utc>,
    /// The non-conformance report a failed check opened.
    pub ncr_id: Option<i64>,
    /// Photos of what was found.
    pub photos: Vec<ReceiptPhoto>,
}

/// A photo of a receipt check, and where it is fetched.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ReceiptPhoto {
    pub id: i64,
    /// `GET` the original here.
    pub url: String,
    /// `GET` a small JPEG here.
    pub thumbnail_url: String,
}

fn receipt_photo(id: i64) -> ReceiptPhoto {
    ReceiptPhoto {
        id,
        url: format!("/api/v1/receipt-photos/{id}"),
        thumbnail_url: format!("/api/v1/receipt-photos/{id}/thumbnail"),
    }
}

/// Attaches a photo to a receipt check the caller may see; the same
/// picture twice is kept once.
pub fn attach_receipt_photo(
    conn: &mut DbConnection,
    actor: &Actor,
    visibility: Visibility,
    check_id: i64,
    photo: PreparedPhoto,
) -> AppResult<ReceiptPhoto> {
    visible_check(conn, check_id, visibility)?;
    let row = ReceiptPhotoRow {
        id: 0,
        receipt_check_id: check_id,
        sha256: photo.sha256,
        content_type: photo.content_type.to_string(),
        bytes: photo.bytes,
        thumbnail: photo.thumbnail,
        width: photo.width as i32,
        height: photo.height as i32,
        uploaded_by: actor.user_id.or_internal("a photo is uploaded by a user")?,
        uploaded_at: now(),
    };
    let id = store::insert_receipt_photo(conn, &row)?;
    audit::record(
        conn,
        actor,
        "receipt_check.photo",
        format!("receipt_check/{check_id}"),
        serde_json::json!({"photo_id": id, "sha256": row.sha256}),
    )?;
    Ok(receipt_photo(id))
}

/// Answers whether the receipt check is one the caller may see: another
/// customer's is not found.
pub fn visible_check(
    conn: &mut DbConnection,
    check_id: i64,
    visibility: Visibility,
) -> AppResult<()> {
    let missing =
        || AppError::not_found(Message::new("err-not-found-receipt-check").arg("id", check_id));
    let check = store::find_receipt(conn, check_id)?.ok_or_else(missing)?;
    get_batch(conn, check.batch_id, visibility).not_found_as(missing)?;
    Ok(())
}

/// A receipt check's photo (or its thumbnail) with its content type, if
/// the caller may see the batch.
pub fn receipt_photo_file(
    conn: &mut DbConnection,
    id: i64,
    visibility: Visibility,
    thumbnail: bool,
) -> AppResult<(String, Vec<u8>)> {
    let missing = || AppError::not_found(Message::new("err-not-found-photo").arg("id", id));
    let (content_type, check_id, bytes) =
        store::receipt_photo_bytes(conn, id, thumbnail)?.ok_or_else(missing)?;
    let check = store::find_receipt(conn, check_id)?.ok_or_else(missing)?;
    get_batch(conn, check.batch_id, visibility).not_found_as(missing)?;
    let content_type = if thumbnail {
        "image/jpeg".to_string()
    } else {
        content_type
    };
    Ok((content_type, bytes))
}

/// Records a receipt check of a delivered batch (a customer for its own
/// orders, staff for any); defects found open a non-conformance report.
pub fn record_receipt_check(
    conn: &mut DbConnection,
    actor: &Actor,
    visibility: Visibility,
    batch_id: i64,
    input: NewReceiptCheck,
) -> AppResult<ReceiptCheck> {
    let batch = get_batch(conn, batch_id, visibility)?;
    let mut problems = Violations::default();
    if !(1..=batch.lot_size).contains(&input.units_checked) {
        problems.add(
            "units_checked",
            Message::new("err-integer-between")
                .arg("min", 1)
                .arg("max", batch.lot_size),
        );
    }
    for (i, found) in input.defects.iter().enumerate() {
        if let Err(m) = required_text(&found.defect, 200) {
            problems.add(format!("defects[{i}].defect"), m);
        }
        if !(1..=input.units_checked.max(1)).contains(&found.count) {
            problems.add(
                format!("defects[{i}].count"),
                Message::new("err-integer-between")
                    .arg("min", 1)
                    .arg("max", input.units_checked.max(1)),
            );
        }
    }
    let note = match input.note.trim() {
        "" => String::new(),
        text => required_free_text(text, 4000)
            .map_err(|m| problems.add("note", m))
            .unwrap_or_default()
            .to_string(),
    };
    let checked_on =
        super::day_not_ahead(input.checked_on, "checked_on", &mut problems).to_string();
    problems.into_result()?;
    if !super::shipping::qc_released(conn, batch_id)? {
        return Err(AppError::conflict(
            ErrorCode::NotReleased,
            Message::new("err-receipt-not-released").arg("batch", batch.number),
        ));
    }
    let accepted = input.defects.is_empty();
    let row = ReceiptRow {
        id: 0,
        batch_id,
        units_checked: input.units_checked,
        accepted,
        defects: serde_json::to_string(&input.defects).or_internal("defects serialise")?,
        note: note.clone(),
        checked_on,
        recorded_by: actor
            .user_id
            .or_internal("a receipt check is recorded by a user")?,
        recorded_at: now(),
    };
    let id = store::insert_receipt(conn, &row)?;
    audit::record(
        conn,
        actor,
        "receipt_check.record",
        format!("batch/{batch_id}"),
        serde_json::json!({"receipt_check_id": id, "units_checked": input.units_checked,
                           "accepted": accepted, "defects": input.defects}),
    )?;
    let ncr_id = if accepted {
        None
    } else {
        let found: Vec<String> = input
            .defects
            .iter()
            .map(|d| format!("{} × {}", d.count, d.defect))
            .collect();
        let description = Message::new("ncr-from-receipt-check")
            .arg("units", input.units_checked)
            .arg("found", found.join(", "))
            .to_string();
        let ncr = ncrs::open(
            conn,
            actor,
            visibility,
            NewNcr {
                order_id: batch.order_id,
                batch_id: Some(batch_id),
                material_lot_id: None,
                source: NcrSource::ReceiptCheck,
                description,
                serials: None,
            },
        )?;
        Some(ncr.id)
    };
    Ok(ReceiptCheck {
        id,
        batch_id,
        units_checked: row.units_checked,
        accepted,
        defects: input.defects,
        note,
        checked_on: row.checked_on,
        recorded_at: utc(row.recorded_at),
        ncr_id,
        photos: Vec::new(),
    })
}

/// A batch's receipt checks, oldest first.
pub fn receipt_checks(
    conn: &mut DbConnection,
    batch_id: i64,
    visibility: Visibility,
) -> AppResult<Vec<ReceiptCheck>> {
    get_batch(conn, batch_id, visibility)?;
    let rows = store::receipts_of_batch(conn, batch_id)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let photos = store::photo_ids_of(conn, &ids)?;
    rows.into_iter()
        .map(|row| {
            Ok(ReceiptCheck {
                id: row.id,
                batch_id,
                units_checked: row.units_checked,
                accepted: row.accepted,
                defects: serde_json::from_str(&row.defects).or_internal("stored defects parse")?,
                note: row.note,
                checked_on: row.checked_on,
                recorded_at: utc(row.recorded_at),
                ncr_id: None,
                photos: photos
                    .iter()
                    .filter(|(check, _)| *check == row.id)
                    .map(|(_, id)| receipt_photo(*id))
                    .collect(),
            })
        })
        .collect()
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWarrantyClaim {
    /// The unit's serial; or name the batch.
    pub serial: Option<String>,
    pub batch_id: Option<i64>,
    /// When the failure was claimed (absent: today).
    pub claim_date: Option<NaiveDate>,
    pub description: String,
}

/// A warranty claim answered from the batch's QC record.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WarrantyAnswer {
    pub claim_id: i64,
    /// What failed, as the claim says.
    pub description: String,
    pub order: TracedOrder,
    pub batch: Batch,
    pub serial: Option<String>,
    pub unit: Option<i64>,
    /// The unit's readings when it was sampled.
    pub readings: Vec<crate::service::measurements::Measurement>,
    /// The newest issued revision of the order's QC report.
    pub report: Option<IssuedReport>,
    /// The batch's material lots (staff only; empty for a customer).
    pub material_lots: Vec<MaterialUsage>,
    /// When the batch was released (the warranty runs from then).
    pub released_on: Option<NaiveDate>,
    pub warranty_months: i32,
    pub warranty_ends: Option<NaiveDate>,
    pub claim_date: NaiveDate,
    pub within_warranty: bool,
}

/// A warranty claim as recorded.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WarrantyClaim {
    pub id: i64,
    pub batch_id: i64,
    pub serial: Option<String>,
    pub claim_date: String,
    pub description: String,
    pub within_warranty: bool,
    pub recorded_at: DateTime<Utc>,
}

/// The warranty claims on an order, oldest first.
pub fn warranty_claims(
    conn: &mut DbConnection,
    order_id: i64,
    visibility: Visibility,
) -> AppResult<Vec<WarrantyClaim>> {
    get_order(conn, order_id, visibility)?;
    Ok(store::warranty_of_order(conn, order_id)?
        .into_iter()
        .map(|row| WarrantyClaim {
            id: row.id,
            batch_id: row.batch_id,
            serial: row.serial,
            claim_date: row.claim_date,
            description: row.description,
            within_warranty: row.within_warranty,
            recorded_at: utc(row.recorded_at),
        })
        .collect())
}

pub fn claim_warranty(
    conn: &mut DbConnection,
    actor: &Actor,
    visibility: Visibility,
    input: NewWarrantyClaim,
) -> AppResult<WarrantyAnswer> {
    let description = required_free_text(&input.description, 4000)
        .map_err(|m| AppError::invalid("description", m))?
        .to_string();
    let (batch, unit_trace) = match (input.serial.as_deref(), input.batch_id) {
        (Some(serial), None) => {
            let trace = super::trace::unit(conn, serial, visibility).map_err(|e| match e.code {
                ErrorCode::NotFound => AppError::invalid(
                    "serial",
                    Message::new("err-not-found-serial").arg("serial", serial.trim()),
                ),
                _ => e,
            })?;
            (trace.batch.clone(), Some(trace))
        }
        (None, Some(batch_id)) => (get_batch(conn, batch_id, visibility)?, None),
        _ => {
            return Err(AppError::invalid(
                "serial",
                Message::new("err-serial-or-batch"),
            ))
        }
    };
    let order = get_order(conn, batch.order_id, visibility)?;
    let released_on = crate::store::dispositions::dispositions_of(conn, batch.id)?
        .pop()
        .filter(|d| d.meaning == "released" || d.meaning == "released_under_concession")
        .map(|d| d.signed_at.date());
    let warranty_ends = released_on
        .and_then(|day| day.checked_add_months(Months::new(order.warranty_months as u32)));
    let mut problems = Violations::default();
    let claim_date = super::day_not_ahead(input.claim_date, "claim_date", &mut problems);
    problems.into_result()?;
    let within_warranty = match (released_on, warranty_ends) {
        (Some(from), Some(to)) => (from..=to).contains(&claim_date),
        _ => false,
    };
    let row = WarrantyRow {
        id: 0,
        order_id: order.id,
        batch_id: batch.id,
        serial: unit_trace.as_ref().map(|t| t.serial.clone()),
        claim_date: claim_date.to_string(),
        description,
        within_warranty,
        recorded_by: actor.user_id.or_internal("a claim is recorded by a user")?,
        recorded_at: now(),
    };
    let claim_id = store::insert_warranty(conn, &row)?;
    audit::record(
        conn,
        actor,
        "warranty_claim.record",
        format!("batch/{}", batch.id),
        serde_json::json!({"claim_id": claim_id, "serial": row.serial,
                           "claim_date": row.claim_date, "within_warranty": within_warranty}),
    )?;
    let staff = visibility == Visibility::Everything;
    let (readings, unit, material_lots) = match unit_trace {
        Some(trace) => (trace.readings, Some(trace.unit), trace.material_lots),
        None if staff => (
            Vec::new(),
            None,
            super::materials::usages_of_batch(conn, batch.id)?,
        ),
        None => (Vec::new(), None, Vec::new()),
    };
    let traced = super::trace::batch(conn, batch.id)?.order;
    Ok(WarrantyAnswer {
        claim_id,
        description: row.description.clone(),
        order: traced,
        report: super::reports::list(conn, order.id, visibility)?.pop(),
        batch,
        serial: row.serial,
        unit,
        readings,
        material_lots,
        released_on,
        warranty_months: order.warranty_months,
        warranty_ends,
        claim_date,
        within_warranty,
    })
}
