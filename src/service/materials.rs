//! Incoming material: lots received from suppliers, the supplier's
//! documents on file (certificates, test reports such as an LED package's
//! LM-80), the lot's incoming inspection by an ISO 2859-1 plan, its signed
//! decision, and the production batches it went into.
//!
//! A lot is flagged when the material needs a certificate and none is on
//! file, or every one on file has expired; a flagged lot cannot be
//! accepted until a valid certificate is attached. A production batch
//! takes accepted lots, or another lot under a concession it records.

use super::audit::{self, Actor};
use super::calculators::iso2859_plan;
use super::signatures::{self, Signing};
use super::{enum_text, parse_enum, required_free_text, required_text, utc};
use crate::domain::access::Visibility;
use crate::domain::message::Message;
use crate::domain::sampling::oc::Counts;
use crate::domain::sampling::switching::{
    LotResult, Reason, Severity as SwitchingSeverity, SwitchingState,
};
use crate::error::{AppError, AppResult, ErrorCode, OnUniqueViolation, OrInternal, Violations};
use crate::store::materials::{
    self as store, DecisionRow, InspectionRow, MaterialLotRow, UsageRow,
};
use crate::store::{now, DbConnection};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

/// The most a lot list answers.
const LIST_LIMIT: i64 = 500;

/// Supplier documents up to this size (a scanned certificate or a test
/// report of a few dozen pages).
pub const MAX_DOCUMENT_BYTES: usize = 20 * 1024 * 1024;

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMaterialLot {
    pub supplier_id: i64,
    /// What the material is, e.g. `LED 2835 4000K`.
    pub material: String,
    /// The supplier's lot number.
    pub lot_number: String,
    pub quantity: i64,
    /// Absent: today.
    pub received_on: Option<NaiveDate>,
    /// Whether the material needs a valid supplier certificate on file
    /// (absent: it does).
    pub certificate_required: Option<bool>,
}

/// Where a lot stands: no decision yet, or its decision in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LotStatus {
    Pending,
    Accepted,
    Rejected,
    OnHold,
}

/// A decision on a lot, as signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LotMeaning {
    Accepted,
    Rejected,
    OnHold,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// A qualification certificate (e.g. a certificate of conformity).
    Certificate,
    /// A material test report: LM-80 of an LED package, a driver's test.
    TestReport,
}

/// Why a lot is flagged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LotFlag {
    /// The material needs a certificate and none is on file.
    CertificateMissing,
    /// Every certificate on file has expired.
    CertificateExpired,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MaterialDocument {
    pub id: i64,
    pub kind: DocumentKind,
    pub file_name: String,
    pub content_type: String,
    pub sha256: String,
    pub issued_on: Option<String>,
    pub expires_on: Option<String>,
    /// Expired before today.
    pub expired: bool,
    pub uploaded_at: DateTime<Utc>,
    pub href: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MaterialInspection {
    pub aql: f64,
    pub level: String,
    pub inspection: String,
    pub counts: String,
    pub code_letter: String,
    pub sample_size: i64,
    pub accept: i64,
    pub reject: i64,
    /// Nonconforming units (or nonconformities) found in the sample.
    pub found: i64,
    /// Accepted by the plan: `found` ≤ `accept`.
    pub passed: bool,
    pub recorded_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MaterialDecision {
    pub id: i64,
    pub meaning: LotMeaning,
    pub comment: String,
    pub supersedes: Option<i64>,
    pub signed_by: i64,
    /// The signer's username, as the page shows it.
    pub signer: String,
    pub signed_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MaterialLot {
    pub id: i64,
    pub supplier_id: i64,
    pub supplier: String,
    pub material: String,
    pub lot_number: String,
    pub quantity: i64,
    pub received_on: String,
    pub certificate_required: bool,
    pub status: LotStatus,
    pub flags: Vec<LotFlag>,
    pub documents: Vec<MaterialDocument>,
    pub inspection: Option<MaterialInspection>,
    /// Every decision, oldest first; the last is in force.
    pub decisions: Vec<MaterialDecision>,
    pub created_at: DateTime<Utc>,
}

pub fn create_lot(
    conn: &mut DbConnection,
    actor: &Actor,
    input: NewMaterialLot,
) -> AppResult<MaterialLot> {
    let mut problems = Violations::default();
    if super::suppliers::get_supplier(conn, input.supplier_id).is_err() {
        problems.add(
            "supplier_id",
            Message::new("err-no-supplier").arg("id", input.supplier_id),
        );
    }
    let material = required_text(&input.material, 200)
        .map_err(|m| problems.add("material", m))
        .unwrap_or_default()
        .to_string();
    let lot_number = required_text(&input.lot_number, 100)
        .map_err(|m| problems.add("lot_number", m))
        .unwrap_or_default()
        .to_string();
    if !(1..=i64::from(crate::domain::sampling::LotSize::MAX)).contains(&input.quantity) {
        problems.add(
            "quantity",
            Message::new("err-lot-size").arg("max", crate::domain::sampling::LotSize::MAX),
        );
    }
    let received_on =
        super::day_not_ahead(input.received_on, "received_on", &mut problems).to_string();
    problems.into_result()?;
    let id = store::insert_lot(
        conn,
        &MaterialLotRow {
            id: 0,
            supplier_id: input.supplier_id,
            material: material.clone(),
            lot_number: lot_number.clone(),
            quantity: input.quantity,
            received_on,
            certificate_required: input.certificate_required.unwrap_or(true),
            created_by: actor.user_id.or_internal("a lot is received by a user")?,
            created_at: now(),
        },
    )
    .on_unique_violation(|| {
        AppError::conflict(
            ErrorCode::MaterialLotExists,
            Message::new("err-material-lot-exists")
                .arg("lot", &lot_number)
                .arg("material", &material),
        )
        .with_field("lot_number")
    })?;
    audit::record(
        conn,
        actor,
        "material_lot.receive",
        format!("material_lot/{id}"),
        serde_json::json!({"supplier_id": input.supplier_id, "material": material,
                           "lot_number": lot_number, "quantity": input.quantity}),
    )?;
    get_lot(conn, id)
}

pub fn get_lot(conn: &mut DbConnection, id: i64) -> AppResult<MaterialLot> {
    let row = store::find_lot(conn, id)?.ok_or_else(|| {
        AppError::not_found(Message::new("err-not-found-material-lot").arg("id", id))
    })?;
    view(conn, row)
}

/// The newest lots first.
pub fn list_lots(conn: &mut DbConnection) -> AppResult<Vec<MaterialLot>> {
    store::list_lots(conn, LIST_LIMIT)?
        .into_iter()
        .map(|row| view(conn, row))
        .collect()
}

fn view(conn: &mut DbConnection, row: MaterialLotRow) -> AppResult<MaterialLot> {
    let supplier = super::suppliers::get_supplier(conn, row.supplier_id)?.name;
    let today = Utc::now().date_naive().to_string();
    let documents: Vec<MaterialDocument> = store::documents_of(conn, row.id)?
        .into_iter()
        .map(|d| {
            Ok(MaterialDocument {
                href: format!("/api/v1/material-lots/{}/documents/{}", row.id, d.id),
                expired: d.expires_on.as_deref().is_some_and(|e| e < today.as_str()),
                id: d.id,
                kind: parse_enum(&d.kind)?,
                file_name: d.file_name,
                content_type: d.content_type,
                sha256: d.sha256,
                issued_on: d.issued_on,
                expires_on: d.expires_on,
                uploaded_at: utc(d.uploaded_at),
            })
        })
        .collect::<AppResult<_>>()?;
    let certificates: Vec<&MaterialDocument> = documents
        .iter()
        .filter(|d| d.kind == DocumentKind::Certificate)
        .collect();
    let mut flags = Vec::new();
    if row.certificate_required && certificates.is_empty() {
        flags.push(LotFlag::CertificateMissing);
    }
    if !certificates.is_empty() && certificates.iter().all(|d| d.expired) {
        flags.push(LotFlag::CertificateExpired);
    }
    let inspection = store::inspection_of(conn, row.id)?.map(inspection_view);
    let rows = store::decisions_of(conn, row.id)?;
    let signers: Vec<i64> = rows.iter().map(|d| d.signed_by).collect();
    let names: std::collections::HashMap<i64, String> =
        crate::store::accounts::usernames(conn, &signers)?
            .into_iter()
            .collect();
    let decisions: Vec<MaterialDecision> = rows
        .into_iter()
        .map(|d| {
            let signer = names.get(&d.signed_by).cloned().unwrap_or_default();
            decision_view(d, signer)
        })
        .collect::<AppResult<_>>()?;
    let status = match decisions.last().map(|d| d.meaning) {
        None => LotStatus::Pending,
        Some(LotMeaning::Accepted) => LotStatus::Accepted,
        Some(LotMeaning::Rejected) => LotStatus::Rejected,
        Some(LotMeaning::OnHold) => LotStatus::OnHold,
    };
    Ok(MaterialLot {
        id: row.id,
        supplier_id: row.supplier_id,
        supplier,
        material: row.material,
        lot_number: row.lot_number,
        quantity: row.quantity,
        received_on: row.received_on,
        certificate_required: row.certificate_required,
        status,
        flags,
        documents,
        inspection,
        decisions,
        created_at: utc(row.created_at),
    })
}

fn inspection_view(row: InspectionRow) -> MaterialInspection {
    MaterialInspection {
        passed: row.found <= row.accept,
        aql: row.aql,
        level: row.level,
        inspection: row.severity,
        counts: row.counts,
        code_letter: row.code_letter,
        sample_size: row.sample_size,
        accept: row.accept,
        reject: row.reject,
        found: row.found,
        recorded_at: utc(row.recorded_at),
    }
}

fn decision_view(row: DecisionRow, signer: String) -> AppResult<MaterialDecision> {
    Ok(MaterialDecision {
        id: row.id,
        meaning: parse_enum(&row.meaning)?,
        comment: row.comment,
        supersedes: row.supersedes,
        signer,
        signed_by: row.signed_by,
        signed_at: utc(row.signed_at),
    })
}

/// A document to attach, read from an upload.
pub struct NewDocument {
    pub kind: DocumentKind,
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub issued_on: Option<NaiveDate>,
    pub expires_on: Option<NaiveDate>,
}

/// What a document's bytes are: PDF, JPEG or PNG, by their first bytes.
fn document_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else {
        None
    }
}

pub fn attach_document(
    conn: &mut DbConnection,
    actor: &Actor,
    lot_id: i64,
    document: NewDocument,
) -> AppResult<MaterialLot> {
    store::find_lot(conn, lot_id)?.ok_or_else(|| {
        AppError::not_found(Message::new("err-not-found-material-lot").arg("id", lot_id))
    })?;
    let mut problems = Violations::default();
    let content_type = document_type(&document.bytes);
    if content_type.is_none() {
        problems.add("file", Message::new("err-document-format"));
    }
    if let (Some(issued), Some(expires)) = (document.issued_on, document.expires_on) {
        if expires < issued {
            problems.add(
                "expires_on",
                Message::new("err-expires-before-issue").arg("issued", issued),
            );
        }
    }
    let file_name = required_text(&document.file_name, 200)
        .map_err(|m| problems.add("file", m))
        .unwrap_or_default()
        .to_string();
    problems.into_result()?;
    let sha256 = crate::domain::digest::hex(&Sha256::digest(&document.bytes));
    let kind = enum_text(document.kind);
    let (issued_on, expires_on) = (
        document.issued_on.map(|d| d.to_string()),
        document.expires_on.map(|d| d.to_string()),
    );
    let id = store::insert_document(
        conn,
        &store::NewDocumentRow {
            material_lot_id: lot_id,
            kind: &kind,
            file_name: &file_name,
            content_type: content_type.or_internal("a checked document has a type")?,
            sha256: &sha256,
            bytes: &document.bytes,
            issued_on: issued_on.as_deref(),
            expires_on: expires_on.as_deref(),
            uploaded_by: actor
                .user_id
                .or_internal("a document is attached by a user")?,
            uploaded_at: now(),
        },
    )?;
    audit::record(
        conn,
        actor,
        "material_document.attach",
        format!("material_lot/{lot_id}"),
        serde_json::json!({"document_id": id, "kind": kind, "file_name": file_name,
                           "sha256": sha256, "expires_on": expires_on}),
    )?;
    get_lot(conn, lot_id)
}

/// A document's file name, content type and bytes.
pub fn document_file(
    conn: &mut DbConnection,
    lot_id: i64,
    id: i64,
) -> AppResult<(String, String, Vec<u8>)> {
    store::document_bytes(conn, lot_id, id)?
        .ok_or_else(|| AppError::not_found(Message::new("err-not-found-document").arg("id", id)))
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordMaterialInspection {
    /// The AQL of the material's incoming inspection.
    pub aql: f64,
    /// Inspection level (absent: II).
    pub level: Option<String>,
    /// normal, tightened or reduced (absent: normal).
    pub inspection: Option<String>,
    /// nonconforming_units or nonconformities (absent: as the AQL implies).
    pub counts: Option<String>,
    /// Nonconforming units (or nonconformities) found in the sample.
    pub found: i64,
}

/// Records the lot's inspection: the plan its quantity and AQL give, and
/// what the sample held.
pub fn record_inspection(
    conn: &mut DbConnection,
    actor: &Actor,
    lot_id: i64,
    input: RecordMaterialInspection,
) -> AppResult<MaterialLot> {
    let lot = get_lot(conn, lot_id)?;
    // Without a severity asked for, the switching rules of the supplier's
    // lots of this material decide.
    let severity = match input.inspection.clone() {
        Some(asked) => asked,
        None => next_severity(&switching(conn, lot.supplier_id, &lot.material)?)?.to_string(),
    };
    let plan = iso2859_plan(
        lot.quantity,
        Some(input.aql),
        input.level.as_deref(),
        Some(&severity),
        input.counts.as_deref(),
    )?;
    // Nonconforming units are at most the sample; nonconformities, several
    // to a unit, are not bounded by it.
    let most = match plan.counts {
        Counts::NonconformingUnits => i64::from(plan.plan.sample_size),
        Counts::Nonconformities => i64::MAX,
    };
    if !(0..=most).contains(&input.found) {
        return Err(AppError::invalid(
            "found",
            Message::new("err-integer-between")
                .arg("min", 0)
                .arg("max", most),
        ));
    }
    store::insert_inspection(
        conn,
        &InspectionRow {
            id: 0,
            material_lot_id: lot_id,
            aql: plan.aql,
            level: plan.level.as_str().to_string(),
            severity: plan.inspection.as_str().to_string(),
            counts: enum_text(plan.counts),
            code_letter: plan.plan.code_letter.to_string(),
            sample_size: plan.plan.sample_size.into(),
            accept: plan.plan.accept.into(),
            reject: plan.plan.reject.into(),
            found: input.found,
            recorded_by: actor
                .user_id
                .or_internal("an inspection is recorded by a user")?,
            recorded_at: now(),
        },
    )
    .on_unique_violation(|| {
        AppError::conflict(
            ErrorCode::InspectionExists,
            Message::new("err-material-inspected").arg("id", lot_id),
        )
    })?;
    audit::record(
        conn,
        actor,
        "material_lot.inspect",
        format!("material_lot/{lot_id}"),
        serde_json::json!({"aql": plan.aql, "sample_size": plan.plan.sample_size,
                           "accept": plan.plan.accept, "found": input.found}),
    )?;
    get_lot(conn, lot_id)
}

/// Where the switching rules (ISO 2859-1 clause 9) stand for one
/// supplier's lots of one material, from their incoming inspections
/// replayed oldest first. Reduced inspection needs steady production and
/// the authority's approval, neither recorded for bought material: these
/// lots switch between normal and tightened inspection, and stop.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MaterialSwitching {
    pub supplier_id: i64,
    pub material: String,
    /// The severity of the next lot's inspection.
    pub severity: SwitchingSeverity,
    /// Why, after the last lot.
    pub reason: Reason,
    /// Lots inspected so far.
    pub lots: usize,
}

pub fn switching(
    conn: &mut DbConnection,
    supplier_id: i64,
    material: &str,
) -> AppResult<MaterialSwitching> {
    let mut state = SwitchingState::default();
    let mut reason = Reason::Start;
    let inspections = store::inspections_of_stream(conn, supplier_id, material)?;
    for row in &inspections {
        let letter = row.code_letter.chars().next();
        let (accept, found) = (row.accept.max(0) as u32, row.found.max(0) as u32);
        let lot = LotResult {
            accepted: found <= accept,
            accept_number: accept,
            accepted_at_tighter_aql: super::switching::tighter_accept(Some(row.aql), letter)
                .is_some_and(|tighter| found <= tighter),
            production_steady: false,
            reduced_approved: false,
        };
        (state, reason) = state.after(lot);
    }
    Ok(MaterialSwitching {
        supplier_id,
        material: material.to_string(),
        severity: state.severity,
        reason,
        lots: inspections.len(),
    })
}

/// The severity the next lot is inspected at; none after inspection was
/// discontinued (9.4), until the supplier has acted.
pub fn next_severity(switching: &MaterialSwitching) -> AppResult<&'static str> {
    match switching.severity {
        SwitchingSeverity::Normal => Ok("normal"),
        SwitchingSeverity::Tightened => Ok("tightened"),
        SwitchingSeverity::Reduced => Ok("reduced"),
        SwitchingSeverity::Discontinued => Err(AppError::conflict(
            ErrorCode::InspectionDiscontinued,
            Message::new("err-inspection-discontinued"),
        )),
    }
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignMaterialDecision {
    pub meaning: LotMeaning,
    pub comment: String,
    /// The signer's sign-in password, entered again.
    pub password: String,
    /// The decision in force, when changing it.
    pub supersedes: Option<i64>,
}

/// Signs a decision on a lot (see [`signatures::sign_as_person`]).
pub fn sign_decision(
    conn: &mut DbConnection,
    settings: &super::auth::AuthSettings,
    address: &str,
    actor: &Actor,
    lot_id: i64,
    request: SignMaterialDecision,
) -> AppResult<Signing<MaterialLot>> {
    let comment = check_decision(&get_lot(conn, lot_id)?, &request)?;
    let password = request.password.clone();
    signatures::sign_as_person(
        conn,
        settings,
        address,
        actor,
        format!("material_lot/{lot_id}"),
        &password,
        |conn, user_id| decide(conn, actor, user_id, lot_id, &request, comment),
    )
}

/// Signs a decision with a password the caller knows (the demo loader).
pub fn sign_decision_known(
    conn: &mut DbConnection,
    actor: &Actor,
    lot_id: i64,
    request: SignMaterialDecision,
) -> AppResult<MaterialLot> {
    let comment = check_decision(&get_lot(conn, lot_id)?, &request)?;
    let password = request.password.clone();
    signatures::sign_known(conn, actor, &password, |conn, user_id| {
        decide(conn, actor, user_id, lot_id, &request, comment)
    })
}

/// Records a decision whose signature was checked.
fn decide(
    conn: &mut DbConnection,
    actor: &Actor,
    user_id: i64,
    lot_id: i64,
    request: &SignMaterialDecision,
    comment: String,
) -> AppResult<MaterialLot> {
    store::insert_decision(
        conn,
        &DecisionRow {
            id: 0,
            material_lot_id: lot_id,
            meaning: enum_text(request.meaning),
            comment: comment.clone(),
            supersedes: request.supersedes,
            signed_by: user_id,
            signed_at: now(),
        },
    )
    .on_unique_violation(|| {
        AppError::conflict(
            ErrorCode::AlreadyDecided,
            Message::new("err-decided-meanwhile"),
        )
    })?;
    audit::record(
        conn,
        actor,
        "material_lot.decide",
        format!("material_lot/{lot_id}"),
        serde_json::json!({"meaning": request.meaning, "comment": comment,
                           "supersedes": request.supersedes}),
    )?;
    get_lot(conn, lot_id)
}

/// An accepted lot has passed its inspection and is not flagged; a change
/// of mind names the decision in force.
fn check_decision(lot: &MaterialLot, request: &SignMaterialDecision) -> AppResult<String> {
    let mut problems = Violations::default();
    let comment = required_free_text(&request.comment, 2000)
        .map_err(|m| problems.add("comment", m))
        .unwrap_or_default()
        .to_string();
    if request.meaning == LotMeaning::Accepted {
        match &lot.inspection {
            None => problems.add("meaning", Message::new("err-material-not-inspected")),
            Some(i) if !i.passed => problems.add(
                "meaning",
                Message::new("err-material-failed")
                    .arg("found", i.found)
                    .arg("accept", i.accept),
            ),
            Some(_) => {}
        }
        if !lot.flags.is_empty() {
            let flags: Vec<String> = lot.flags.iter().map(|f| enum_text(*f)).collect();
            problems.add(
                "meaning",
                Message::new("err-material-flagged").arg("flags", flags.join(", ")),
            );
        }
    }
    signatures::check_supersedes(
        lot.decisions.last().map(|d| d.id),
        request.supersedes,
        &mut problems,
        |current| {
            Message::new("err-material-decision-in-force")
                .arg("id", lot.id)
                .arg("current", current)
        },
    )?;
    problems.into_result()?;
    Ok(comment)
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UseMaterialLot {
    pub material_lot_id: i64,
    /// Why a lot not accepted is used all the same (required then).
    pub concession: Option<String>,
}

/// A material lot in a production batch.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MaterialUsage {
    pub batch_id: i64,
    pub material_lot: MaterialLot,
    /// The concession it was used under, when it was not accepted.
    pub concession: Option<String>,
    pub recorded_at: DateTime<Utc>,
}

/// Records that a lot went into a batch.
pub fn use_in_batch(
    conn: &mut DbConnection,
    actor: &Actor,
    batch_id: i64,
    input: UseMaterialLot,
) -> AppResult<MaterialUsage> {
    super::batches::get_batch(conn, batch_id, Visibility::Everything)?;
    let lot = get_lot(conn, input.material_lot_id).map_err(|e| match e.code {
        ErrorCode::NotFound => AppError::invalid(
            "material_lot_id",
            Message::new("err-not-found-material-lot").arg("id", input.material_lot_id),
        ),
        _ => e,
    })?;
    let concession = match input.concession.as_deref().map(str::trim) {
        Some(text) if !text.is_empty() => Some(
            required_free_text(text, 2000)
                .map_err(|m| AppError::invalid("concession", m))?
                .to_string(),
        ),
        _ => None,
    };
    if lot.status != LotStatus::Accepted && concession.is_none() {
        return Err(AppError::invalid(
            "concession",
            Message::new("err-lot-needs-concession")
                .arg("lot", &lot.lot_number)
                .arg("status", enum_text(lot.status)),
        ));
    }
    let row = UsageRow {
        id: 0,
        batch_id,
        material_lot_id: lot.id,
        concession: concession.clone(),
        recorded_by: actor.user_id.or_internal("a usage is recorded by a user")?,
        recorded_at: now(),
    };
    store::insert_usage(conn, &row).on_unique_violation(|| {
        AppError::conflict(
            ErrorCode::MaterialLotInBatch,
            Message::new("err-lot-in-batch")
                .arg("lot", &lot.lot_number)
                .arg("batch", batch_id),
        )
        .with_field("material_lot_id")
    })?;
    audit::record(
        conn,
        actor,
        "batch.material_lot",
        format!("batch/{batch_id}"),
        serde_json::json!({"material_lot_id": lot.id, "status": lot.status,
                           "concession": concession}),
    )?;
    Ok(MaterialUsage {
        batch_id,
        material_lot: lot,
        concession,
        recorded_at: utc(row.recorded_at),
    })
}

/// The lots that went into a batch, with their concessions.
pub fn usages_of_batch(conn: &mut DbConnection, batch_id: i64) -> AppResult<Vec<MaterialUsage>> {
    store::usages_of_batch(conn, batch_id)?
        .into_iter()
        .map(|u| {
            Ok(MaterialUsage {
                batch_id,
                material_lot: get_lot(conn, u.material_lot_id)?,
                concession: u.concession,
                recorded_at: utc(u.recorded_at),
            })
        })
        .collect()
}
