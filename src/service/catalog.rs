//! Customers, and products with their inspection templates.

use super::audit::{self, Actor};
use super::{required_text, utc, Page};
use crate::domain::access::Visibility;
use crate::domain::colorimetry::Xy;
pub use crate::domain::product::{Characteristic, Product, VisualScope};
use crate::domain::template::{CharacteristicSpec, Kind, Limits, Quantity, Severity};
use crate::error::{AppError, AppResult, ErrorCode, Message, OnUniqueViolation, Violations};
use crate::store::catalog::{self as store, CharacteristicRow, CustomerRow, ProductRow};
use crate::store::{now, DbConnection, PageRequest};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::HashSet;
use utoipa::ToSchema;

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCustomer {
    pub name: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Customer {
    pub id: i64,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

impl From<CustomerRow> for Customer {
    fn from(row: CustomerRow) -> Self {
        Self {
            id: row.id,
            name: row.name,
            created_at: utc(row.created_at),
        }
    }
}

pub fn create_customer(
    conn: &mut DbConnection,
    actor: &Actor,
    input: NewCustomer,
) -> AppResult<Customer> {
    let name = required_text(&input.name, 200).map_err(|m| AppError::invalid("name", m))?;
    let id = store::insert_customer(conn, name, now()).on_unique_violation(|| {
        AppError::conflict(
            ErrorCode::CustomerExists,
            Message::new("err-customer-exists").arg("name", name),
        )
        .with_field("name")
    })?;
    audit::record(
        conn,
        actor,
        "customer.create",
        format!("customer/{id}"),
        serde_json::json!({"name": name}),
    )?;
    get_customer(conn, id, Visibility::Everything)
}

pub fn get_customer(
    conn: &mut DbConnection,
    id: i64,
    visibility: Visibility,
) -> AppResult<Customer> {
    store::find_customer(conn, id)?
        .filter(|c| visibility.shows_customer(c.id))
        .map(Customer::from)
        .ok_or_else(|| AppError::not_found(Message::new("err-not-found-customer").arg("id", id)))
}

pub fn list_customers(
    conn: &mut DbConnection,
    visibility: Visibility,
    page: PageRequest,
) -> AppResult<Page<Customer>> {
    let rows = store::list_customers(conn, visibility.only_customer(), page)?;
    Ok(Page::from_rows(rows, page, Customer::from))
}

/// One line of a product's inspection template, as sent by a client.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCharacteristic {
    /// Short code used when recording readings, e.g. `flux`.
    pub code: String,
    pub name: String,
    /// Unit of measure, e.g. `lm`, `W`, `K`, `mm`; empty for attributes.
    #[serde(default)]
    pub unit: String,
    pub kind: Kind,
    pub nominal: Option<f64>,
    pub lsl: Option<f64>,
    pub usl: Option<f64>,
    pub severity: Severity,
    /// The colour quantity this characteristic stands for, if any. When the
    /// product has both `cie_x` and `cie_y`, the `cct_k`, `duv` and
    /// `macadam_steps` characteristics are derived from them per unit (and
    /// `macadam_steps` counts from the product's `params.target_x`/`target_y`).
    pub quantity: Option<Quantity>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProduct {
    /// Model code, unique across the factory, e.g. `A60-E27-9W-2700K`.
    pub code: String,
    pub name: String,
    /// The customer an ODM design belongs to; absent for shared designs.
    pub customer_id: Option<i64>,
    /// Technical parameters (rated power, flux, CCT, CRI, beam angle, lamp
    /// holder, chip model …) as a JSON object.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub params: Map<String, Value>,
    pub characteristics: Vec<NewCharacteristic>,
    /// Product family (e.g. `led-lamp`), whose defect catalogue the final
    /// visual inspection uses; `general` when absent.
    pub family: Option<String>,
    /// Final visual inspection: every unit of a batch (`all`, the default)
    /// or only the units of the batch's sampling plan (`sample`).
    #[serde(default)]
    pub visual_inspection: VisualScope,
}

/// The family a product belongs to when none is given.
pub const DEFAULT_FAMILY: &str = "general";

impl TryFrom<CharacteristicRow> for Characteristic {
    type Error = AppError;

    fn try_from(row: CharacteristicRow) -> AppResult<Self> {
        let corrupt = |what: &str| {
            AppError::internal(format!(
                "stored {what} is not recognised: characteristic {}",
                row.id
            ))
        };
        Ok(Self {
            kind: Kind::parse(&row.kind).ok_or_else(|| corrupt("kind"))?,
            quantity: row
                .quantity
                .as_deref()
                .map(|q| Quantity::parse(q).ok_or_else(|| corrupt("quantity")))
                .transpose()?,
            derived: false,
            severity: Severity::parse(&row.severity).ok_or_else(|| corrupt("severity"))?,
            id: row.id,
            code: row.code,
            name: row.name,
            unit: row.unit,
            nominal: row.nominal,
            lsl: row.lsl,
            usl: row.usl,
        })
    }
}

/// Checks a whole product request and reports every problem at once.
fn validate_product(conn: &mut DbConnection, input: &NewProduct) -> AppResult<()> {
    let mut problems = Violations::default();
    if let Err(m) = required_text(&input.code, 64) {
        problems.add("code", m);
    }
    if let Err(m) = required_text(&input.name, 200) {
        problems.add("name", m);
    }
    if let Some(family) = &input.family {
        if let Err(m) = required_text(family, 64) {
            problems.add("family", m);
        }
    }
    if let Some(customer_id) = input.customer_id {
        if store::find_customer(conn, customer_id)?.is_none() {
            problems.add(
                "customer_id",
                Message::new("err-no-customer").arg("id", customer_id),
            );
        }
    }
    if input.characteristics.is_empty() {
        problems.add(
            "characteristics",
            Message::new("err-product-no-characteristic"),
        );
    }
    let mut codes = HashSet::new();
    for (i, line) in input.characteristics.iter().enumerate() {
        for (field, message) in spec_of(line).validate() {
            problems.add(format!("characteristics[{i}].{field}"), message);
        }
        if !codes.insert(line.code.as_str()) {
            problems.add(
                format!("characteristics[{i}].code"),
                Message::new("err-code-twice").arg("code", &line.code),
            );
        }
    }
    check_colour_quantities(input, &mut problems);
    if let Some(message) = crate::domain::spc::check_rules_param(&input.params) {
        problems.add("params.spc_rules", message);
    }
    problems.into_result()
}

/// A colour quantity appears at most once; x and y come together; derived
/// MacAdam steps need a target chromaticity in the parameters.
fn check_colour_quantities(input: &NewProduct, problems: &mut Violations) {
    let mut seen = HashSet::new();
    for (i, line) in input.characteristics.iter().enumerate() {
        if let Some(quantity) = line.quantity {
            if !seen.insert(quantity) {
                problems.add(
                    format!("characteristics[{i}].quantity"),
                    Message::new("err-quantity-twice").arg("quantity", quantity.as_str()),
                );
            }
        }
    }
    let has = |q| seen.contains(&q);
    if has(Quantity::CieX) != has(Quantity::CieY) {
        problems.add("characteristics", Message::new("err-chromaticity-pair"));
    }
    if has(Quantity::CieX) && has(Quantity::CieY) && has(Quantity::MacadamSteps) {
        match colour_target(&input.params) {
            Ok(_) => {}
            Err((field, message)) => problems.add(field, message),
        }
    }
}

/// The target chromaticity of a product, `params.target_x`/`target_y`.
pub fn colour_target(params: &Map<String, Value>) -> Result<Xy, (String, Message)> {
    let number = |key: &str| {
        params
            .get(key)
            .and_then(Value::as_f64)
            .ok_or_else(|| (format!("params.{key}"), Message::new("err-target-number")))
    };
    let target = Xy {
        x: number("target_x")?,
        y: number("target_y")?,
    };
    if !target.is_inside_diagram() {
        return Err((
            "params.target_x".into(),
            Message::new("err-target-outside-diagram"),
        ));
    }
    Ok(target)
}

fn spec_of(line: &NewCharacteristic) -> CharacteristicSpec {
    CharacteristicSpec {
        code: line.code.clone(),
        name: line.name.clone(),
        unit: line.unit.clone(),
        kind: line.kind,
        nominal: line.nominal,
        limits: Limits {
            lsl: line.lsl,
            usl: line.usl,
        },
        severity: line.severity,
        quantity: line.quantity,
    }
}

pub fn create_product(
    conn: &mut DbConnection,
    actor: &Actor,
    input: NewProduct,
) -> AppResult<Product> {
    validate_product(conn, &input)?;
    let code = input.code.trim();
    let params = Value::Object(input.params.clone()).to_string();
    let product_id = store::insert_product(
        conn,
        &store::NewProduct {
            code,
            name: input.name.trim(),
            customer_id: input.customer_id,
            params: &params,
            created_at: now(),
            family: input
                .family
                .as_deref()
                .map(str::trim)
                .unwrap_or(DEFAULT_FAMILY),
            visual_scope: input.visual_inspection.as_str(),
        },
    )
    .on_unique_violation(|| {
        AppError::conflict(
            ErrorCode::ProductExists,
            Message::new("err-product-exists").arg("code", code),
        )
        .with_field("code")
    })?;
    let rows: Vec<_> = input
        .characteristics
        .iter()
        .enumerate()
        .map(|(position, line)| store::NewCharacteristic {
            product_id,
            position: position as i32,
            code: &line.code,
            name: line.name.trim(),
            unit: line.unit.trim(),
            kind: line.kind.as_str(),
            nominal: line.nominal,
            lsl: line.lsl,
            usl: line.usl,
            severity: line.severity.as_str(),
            quantity: line.quantity.map(Quantity::as_str),
        })
        .collect();
    store::insert_characteristics(conn, &rows)?;
    audit::record(
        conn,
        actor,
        "product.create",
        format!("product/{product_id}"),
        serde_json::json!({"code": code, "characteristics": rows.len()}),
    )?;
    get_product(conn, product_id, Visibility::Everything)
}

fn product_view(conn: &mut DbConnection, row: ProductRow) -> AppResult<Product> {
    let characteristics = template_of(conn, row.id)?;
    let params = match serde_json::from_str(&row.params) {
        Ok(Value::Object(map)) => map,
        _ => {
            return Err(AppError::internal(format!(
                "stored params are not a JSON object: product {}",
                row.id
            )));
        }
    };
    Ok(Product {
        id: row.id,
        code: row.code,
        name: row.name,
        customer_id: row.customer_id,
        params,
        characteristics,
        visual_inspection: if row.visual_scope == "sample" {
            VisualScope::Sample
        } else {
            VisualScope::All
        },
        family: row.family,
        created_at: utc(row.created_at),
    })
}

/// The inspection template of a product, in its defined order. Colour
/// quantities that can be computed are marked derived when the product
/// records chromaticity x and y.
pub fn template_of(conn: &mut DbConnection, product_id: i64) -> AppResult<Vec<Characteristic>> {
    let mut template = store::characteristics_of(conn, product_id)?
        .into_iter()
        .map(Characteristic::try_from)
        .collect::<AppResult<Vec<_>>>()?;
    let has = |q| template.iter().any(|c| c.quantity == Some(q));
    if has(Quantity::CieX) && has(Quantity::CieY) {
        for c in &mut template {
            c.derived = c.quantity.is_some_and(Quantity::is_derivable);
        }
    }
    Ok(template)
}

pub fn get_product(conn: &mut DbConnection, id: i64, visibility: Visibility) -> AppResult<Product> {
    let row = store::find_product(conn, id)?
        .filter(|p| visibility.shows_product(p.customer_id))
        .ok_or_else(|| AppError::not_found(Message::new("err-not-found-product").arg("id", id)))?;
    product_view(conn, row)
}

pub fn list_products(
    conn: &mut DbConnection,
    customer_id: Option<i64>,
    visibility: Visibility,
    page: PageRequest,
) -> AppResult<Page<Product>> {
    let rows = store::list_products(conn, customer_id, visibility.only_customer(), page)?;
    let items = rows
        .items
        .into_iter()
        .map(|row| product_view(conn, row))
        .collect::<AppResult<_>>()?;
    Ok(Page {
        items,
        page: page.page,
        per_page: page.per_page,
        total: rows.total,
    })
}
