//! Suppliers of incoming material: a batch received from a supplier is
//! inspected on arrival, and the switching rules follow each supplier's
//! lots of a material separately (ISO 2859-1 9.1).

use super::audit::{self, Actor};
use super::{required_text, utc};
use crate::domain::message::Message;
use crate::error::{AppError, AppResult, ErrorCode, OnUniqueViolation};
use crate::store::suppliers::{self as store, SupplierRow};
use crate::store::{now, DbConnection};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSupplier {
    pub name: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Supplier {
    pub id: i64,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

fn view(row: SupplierRow) -> Supplier {
    Supplier {
        id: row.id,
        name: row.name,
        created_at: utc(row.created_at),
    }
}

pub fn create_supplier(
    conn: &mut DbConnection,
    actor: &Actor,
    input: NewSupplier,
) -> AppResult<Supplier> {
    let name = required_text(&input.name, 200).map_err(|m| AppError::invalid("name", m))?;
    let id = store::insert_supplier(
        conn,
        &SupplierRow {
            id: 0,
            name: name.to_string(),
            created_at: now(),
        },
    )
    .on_unique_violation(|| {
        AppError::conflict(
            ErrorCode::SupplierExists,
            Message::new("err-supplier-exists").arg("name", name),
        )
        .with_field("name")
    })?;
    audit::record(
        conn,
        actor,
        "supplier.create",
        format!("supplier/{id}"),
        serde_json::json!({"name": name}),
    )?;
    get_supplier(conn, id)
}

pub fn get_supplier(conn: &mut DbConnection, id: i64) -> AppResult<Supplier> {
    store::find_supplier(conn, id)?
        .map(view)
        .ok_or_else(|| AppError::not_found(Message::new("err-not-found-supplier").arg("id", id)))
}

pub fn list_suppliers(conn: &mut DbConnection) -> AppResult<Vec<Supplier>> {
    Ok(store::list_suppliers(conn)?.into_iter().map(view).collect())
}
