//! Non-conformance reports (NCR) with their corrective and preventive
//! action (CAPA): a customer claim, a failed receipt check or an internal
//! finding opens one against an order (and a batch, serials, a material
//! lot); staff record the disposition of the affected goods and the root
//! cause, plan actions with an owner and a due date, verify that they
//! worked, and close the report with a signature.
//!
//! A customer opens and reads only its own orders' reports; what the
//! report traces (material lots, other orders) is shown to staff only.

use super::audit::{self, Actor};
use super::signatures::{self, Signing};
use super::trace::TracedOrder;
use super::{enum_text, parse_enum, required_free_text, required_text, utc};
use crate::domain::access::Visibility;
use crate::domain::message::Message;
use crate::error::{AppError, AppResult, ErrorCode, OrInternal, Violations};
use crate::store::ncrs::{self as store, ActionRow, NcrRow};
use crate::store::{now, DbConnection};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

const LIST_LIMIT: i64 = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NcrSource {
    CustomerClaim,
    ReceiptCheck,
    Internal,
}

/// What becomes of the nonconforming goods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NcrDisposition {
    Rework,
    Scrap,
    UseAsIs,
    Return,
    ReplaceUnderWarranty,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewNcr {
    pub order_id: i64,
    pub batch_id: Option<i64>,
    /// The material lot found at fault (staff only).
    pub material_lot_id: Option<i64>,
    pub source: NcrSource,
    pub description: String,
    /// Serial numbers of the units concerned.
    pub serials: Option<Vec<String>>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NcrAction {
    pub id: i64,
    pub description: String,
    pub owner: String,
    pub due_on: String,
    pub done_at: Option<DateTime<Utc>>,
    /// Open past its due date.
    pub overdue: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Ncr {
    pub id: i64,
    pub order_id: i64,
    pub po_number: String,
    /// The batch's number in its order.
    pub batch_number: Option<i32>,
    pub batch_id: Option<i64>,
    pub material_lot_id: Option<i64>,
    pub source: NcrSource,
    pub description: String,
    pub serials: Vec<String>,
    pub disposition: Option<NcrDisposition>,
    pub root_cause: Option<String>,
    /// How the actions were verified to work.
    pub effectiveness: Option<String>,
    pub actions: Vec<NcrAction>,
    pub opened_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    /// Who signed the closure.
    pub closed_by: Option<String>,
    /// The material lots behind the batch (or the lot named), and every
    /// order their other batches went into: staff only, else empty.
    pub material_lot_ids: Vec<i64>,
    /// Their lot numbers, in the same order.
    pub material_lot_numbers: Vec<String>,
    pub affected_orders: Vec<TracedOrder>,
}

pub fn open(
    conn: &mut DbConnection,
    actor: &Actor,
    visibility: Visibility,
    input: NewNcr,
) -> AppResult<Ncr> {
    let order =
        super::orders::get_order(conn, input.order_id, visibility).map_err(|e| match e.code {
            ErrorCode::NotFound => AppError::invalid(
                "order_id",
                Message::new("err-not-found-order").arg("id", input.order_id),
            ),
            _ => e,
        })?;
    let staff = visibility == Visibility::Everything;
    let mut problems = Violations::default();
    if !staff && input.source == NcrSource::Internal {
        problems.add("source", Message::new("err-ncr-internal-staff"));
    }
    if !staff && input.material_lot_id.is_some() {
        problems.add("material_lot_id", Message::new("err-ncr-lot-staff"));
    }
    let description = required_free_text(&input.description, 4000)
        .map_err(|m| problems.add("description", m))
        .unwrap_or_default()
        .to_string();
    if let Some(batch_id) = input.batch_id {
        let in_order = crate::store::batches::find_batch(conn, batch_id)?
            .is_some_and(|b| b.order_id == order.id);
        if !in_order {
            problems.add(
                "batch_id",
                Message::new("err-batch-not-in-order")
                    .arg("batch", batch_id)
                    .arg("order", order.id),
            );
        }
    }
    if let Some(lot_id) = input.material_lot_id {
        if crate::store::materials::find_lot(conn, lot_id)?.is_none() {
            problems.add(
                "material_lot_id",
                Message::new("err-not-found-material-lot").arg("id", lot_id),
            );
        }
    }
    let mut serials = Vec::new();
    let mut batch_id = input.batch_id;
    for (i, serial) in input.serials.unwrap_or_default().iter().enumerate() {
        let serial = serial.trim();
        let unit = crate::store::materials::find_serial(conn, serial)?;
        let batch = match &unit {
            Some(unit) => crate::store::batches::find_batch(conn, unit.batch_id)?,
            None => None,
        };
        match batch.filter(|b| b.order_id == order.id) {
            Some(batch) => {
                batch_id.get_or_insert(batch.id);
                serials.push(serial.to_string());
            }
            None => problems.add(
                format!("serials[{i}]"),
                Message::new("err-serial-not-in-order")
                    .arg("serial", serial)
                    .arg("order", order.id),
            ),
        }
    }
    problems.into_result()?;
    let row = NcrRow {
        id: 0,
        order_id: order.id,
        batch_id,
        material_lot_id: input.material_lot_id,
        source: enum_text(input.source),
        description,
        serials: serde_json::to_string(&serials).or_internal("serials serialise")?,
        disposition: None,
        root_cause: None,
        effectiveness: None,
        opened_by: actor.user_id.or_internal("a report is opened by a user")?,
        opened_at: now(),
        closed_by: None,
        closed_at: None,
    };
    let id = store::insert_ncr(conn, &row)?;
    audit::record(
        conn,
        actor,
        "ncr.open",
        format!("ncr/{id}"),
        serde_json::json!({"order_id": order.id, "batch_id": batch_id, "source": input.source,
                           "serials": serials, "material_lot_id": input.material_lot_id}),
    )?;
    get(conn, id, visibility)
}

pub fn get(conn: &mut DbConnection, id: i64, visibility: Visibility) -> AppResult<Ncr> {
    let missing = || AppError::not_found(Message::new("err-not-found-ncr").arg("id", id));
    let row = store::find_ncr(conn, id)?
        .filter(|row| shown_to(row, visibility))
        .ok_or_else(missing)?;
    super::orders::get_order(conn, row.order_id, visibility).map_err(|_| missing())?;
    view(conn, row, visibility)
}

/// Staff see every report; a customer its own claims and receipt checks,
/// not the factory's internal findings on its orders.
fn shown_to(row: &NcrRow, visibility: Visibility) -> bool {
    visibility == Visibility::Everything || row.source != enum_text(NcrSource::Internal)
}

/// Reports newest first: all for staff, a customer's own for a customer.
pub fn list(conn: &mut DbConnection, visibility: Visibility) -> AppResult<Vec<Ncr>> {
    let rows = match visibility.only_customer() {
        None => store::list_ncrs(conn, None, LIST_LIMIT)?,
        Some(customer) => {
            let orders = crate::store::orders::order_ids_of_customer(conn, customer)?;
            store::list_ncrs(conn, Some(&orders), LIST_LIMIT)?
        }
    };
    rows.into_iter()
        .filter(|row| shown_to(row, visibility))
        .map(|row| view(conn, row, visibility))
        .collect()
}

fn view(conn: &mut DbConnection, row: NcrRow, visibility: Visibility) -> AppResult<Ncr> {
    let today = Utc::now().date_naive().to_string();
    let actions = store::actions_of(conn, row.id)?
        .into_iter()
        .map(|a| NcrAction {
            overdue: a.done_at.is_none() && a.due_on < today,
            id: a.id,
            description: a.description,
            owner: a.owner,
            due_on: a.due_on,
            done_at: a.done_at.map(utc),
        })
        .collect();
    let (material_lot_ids, affected_orders) = match visibility {
        Visibility::Everything => traced(conn, &row)?,
        Visibility::Customer(_) => (Vec::new(), Vec::new()),
    };
    let material_lot_numbers = crate::store::materials::lots_by_ids(conn, &material_lot_ids)?
        .into_iter()
        .map(|lot| (lot.id, lot.lot_number))
        .collect::<BTreeMap<_, _>>();
    let material_lot_numbers = material_lot_ids
        .iter()
        .map(|id| material_lot_numbers.get(id).cloned().unwrap_or_default())
        .collect();
    let po_number = crate::store::orders::find_order(conn, row.order_id)?
        .or_internal("a report's order exists")?
        .po_number;
    let batch_number = match row.batch_id {
        Some(id) => crate::store::batches::find_batch(conn, id)?.map(|b| b.number),
        None => None,
    };
    Ok(Ncr {
        id: row.id,
        order_id: row.order_id,
        po_number,
        batch_number,
        batch_id: row.batch_id,
        material_lot_id: row.material_lot_id,
        source: parse_enum(&row.source)?,
        description: row.description,
        serials: serde_json::from_str(&row.serials).or_internal("stored serials parse")?,
        disposition: row.disposition.as_deref().map(parse_enum).transpose()?,
        root_cause: row.root_cause,
        effectiveness: row.effectiveness,
        actions,
        opened_at: utc(row.opened_at),
        closed_at: row.closed_at.map(utc),
        closed_by: match row.closed_by {
            Some(id) => crate::store::accounts::usernames(conn, &[id])?
                .pop()
                .map(|(_, name)| name),
            None => None,
        },
        material_lot_ids,
        material_lot_numbers,
        affected_orders,
    })
}

/// Back to the material lots (the one named, and those of the batch), then
/// forward to every order any of them went into.
fn traced(conn: &mut DbConnection, row: &NcrRow) -> AppResult<(Vec<i64>, Vec<TracedOrder>)> {
    let mut lots: Vec<i64> = row.material_lot_id.into_iter().collect();
    if let Some(batch_id) = row.batch_id {
        for usage in crate::store::materials::usages_of_batch(conn, batch_id)? {
            if !lots.contains(&usage.material_lot_id) {
                lots.push(usage.material_lot_id);
            }
        }
    }
    let mut orders = BTreeMap::new();
    for &lot in &lots {
        for order in super::trace::material_lot(conn, lot)?.orders {
            orders.insert(order.id, order);
        }
    }
    Ok((lots, orders.into_values().collect()))
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Investigation {
    pub disposition: Option<NcrDisposition>,
    pub root_cause: Option<String>,
    pub effectiveness: Option<String>,
}

/// Records what was found and decided so far (each field replaces the
/// last), while the report is open.
pub fn investigate(
    conn: &mut DbConnection,
    actor: &Actor,
    id: i64,
    input: Investigation,
) -> AppResult<Ncr> {
    let ncr = open_report(conn, id)?;
    let mut problems = Violations::default();
    let mut text = |field: &str, value: &Option<String>, kept: Option<String>| match value {
        None => kept,
        Some(value) => required_free_text(value, 4000)
            .map_err(|m| problems.add(field, m))
            .ok()
            .map(str::to_string),
    };
    let root_cause = text("root_cause", &input.root_cause, ncr.root_cause.clone());
    let effectiveness = text(
        "effectiveness",
        &input.effectiveness,
        ncr.effectiveness.clone(),
    );
    problems.into_result()?;
    let disposition = input.disposition.or(ncr.disposition).map(enum_text);
    store::update_investigation(
        conn,
        id,
        disposition.as_deref(),
        root_cause.as_deref(),
        effectiveness.as_deref(),
    )?;
    audit::record(
        conn,
        actor,
        "ncr.investigate",
        format!("ncr/{id}"),
        serde_json::json!({"disposition": disposition, "root_cause": root_cause,
                           "effectiveness": effectiveness}),
    )?;
    get(conn, id, Visibility::Everything)
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAction {
    pub description: String,
    /// Who does it.
    pub owner: String,
    pub due_on: NaiveDate,
}

pub fn add_action(
    conn: &mut DbConnection,
    actor: &Actor,
    id: i64,
    input: NewAction,
) -> AppResult<Ncr> {
    open_report(conn, id)?;
    let mut problems = Violations::default();
    let description = required_free_text(&input.description, 2000)
        .map_err(|m| problems.add("description", m))
        .unwrap_or_default()
        .to_string();
    let owner = required_text(&input.owner, 200)
        .map_err(|m| problems.add("owner", m))
        .unwrap_or_default()
        .to_string();
    problems.into_result()?;
    let action = store::insert_action(
        conn,
        &ActionRow {
            id: 0,
            ncr_id: id,
            description: description.clone(),
            owner: owner.clone(),
            due_on: input.due_on.to_string(),
            done_by: None,
            done_at: None,
            created_by: actor
                .user_id
                .or_internal("an action is planned by a user")?,
            created_at: now(),
        },
    )?;
    audit::record(
        conn,
        actor,
        "ncr.action",
        format!("ncr/{id}"),
        serde_json::json!({"action_id": action, "description": description, "owner": owner,
                           "due_on": input.due_on}),
    )?;
    get(conn, id, Visibility::Everything)
}

pub fn complete_action(
    conn: &mut DbConnection,
    actor: &Actor,
    id: i64,
    action_id: i64,
) -> AppResult<Ncr> {
    open_report(conn, id)?;
    let by = actor
        .user_id
        .or_internal("an action is completed by a user")?;
    if !store::complete_action(conn, id, action_id, by, now())? {
        return Err(AppError::not_found(
            Message::new("err-not-found-open-action").arg("id", action_id),
        ));
    }
    audit::record(
        conn,
        actor,
        "ncr.action_done",
        format!("ncr/{id}"),
        serde_json::json!({"action_id": action_id}),
    )?;
    get(conn, id, Visibility::Everything)
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseNcr {
    /// The signer's sign-in password, entered again.
    pub password: String,
}

/// Closes a report whose disposition, root cause, verified effectiveness
/// and actions are all recorded, with the closer's signature.
pub fn close(
    conn: &mut DbConnection,
    settings: &super::auth::AuthSettings,
    address: &str,
    actor: &Actor,
    id: i64,
    request: CloseNcr,
) -> AppResult<Signing<Ncr>> {
    let ncr = open_report(conn, id)?;
    let mut missing = Vec::new();
    if ncr.disposition.is_none() {
        missing.push("disposition");
    }
    if ncr.root_cause.is_none() {
        missing.push("root_cause");
    }
    if ncr.effectiveness.is_none() {
        missing.push("effectiveness");
    }
    if ncr.actions.is_empty() || ncr.actions.iter().any(|a| a.done_at.is_none()) {
        missing.push("actions");
    }
    if !missing.is_empty() {
        return Err(AppError::conflict(
            ErrorCode::NcrNotReady,
            Message::new("err-ncr-not-ready").arg("missing", missing.join(", ")),
        ));
    }
    signatures::sign_as_person(
        conn,
        settings,
        address,
        actor,
        format!("ncr/{id}"),
        &request.password,
        |conn, user_id| {
            if !store::close(conn, id, user_id, now())? {
                return Err(closed(id));
            }
            audit::record(
                conn,
                actor,
                "ncr.close",
                format!("ncr/{id}"),
                serde_json::json!({}),
            )?;
            get(conn, id, Visibility::Everything)
        },
    )
}

fn closed(id: i64) -> AppError {
    AppError::conflict(
        ErrorCode::NcrClosed,
        Message::new("err-ncr-closed").arg("id", id),
    )
}

/// The report, refused when it is closed.
fn open_report(conn: &mut DbConnection, id: i64) -> AppResult<Ncr> {
    let ncr = get(conn, id, Visibility::Everything)?;
    match ncr.closed_at {
        Some(_) => Err(closed(id)),
        None => Ok(ncr),
    }
}

/// An action open past its due date, with its report.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OverdueAction {
    pub ncr_id: i64,
    pub action_id: i64,
    pub description: String,
    pub owner: String,
    pub due_on: String,
}

/// Open actions past their due date, the longest overdue first.
pub fn overdue_actions(conn: &mut DbConnection) -> AppResult<Vec<OverdueAction>> {
    let today = Utc::now().date_naive().to_string();
    Ok(store::overdue_actions(conn, &today)?
        .into_iter()
        .map(|a| OverdueAction {
            ncr_id: a.ncr_id,
            action_id: a.id,
            description: a.description,
            owner: a.owner,
            due_on: a.due_on,
        })
        .collect())
}
