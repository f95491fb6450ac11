//! Walks the demo's tables ([`super::data`]) and stores each kind of thing
//! through the use cases of `service`, as a client of the API would.

use super::data::{
    self, Order, Product, Sampling, Simulated, DEFECTS, FAMILY, LINES, LOGINS, PHOTOS_PER_BATCH,
    SIGN_OFF,
};
use super::simulate;
use crate::domain::access::Visibility;
use crate::domain::sampling::plan::{Method, Plan};
use crate::error::{AppResult, OrInternal};
use crate::service::accounts::{self, NewUser};
use crate::service::audit::Actor;
use crate::service::batches::{self, NewBatch};
use crate::service::catalog::{self, NewCharacteristic, NewCustomer, NewProduct, VisualScope};
use crate::service::dispositions::{self, SignDisposition};
use crate::service::limits::InputLimits;
use crate::service::measurements::{self, MeasurementInput, RecordMeasurements};
use crate::service::orders::{self, NewOrder};
use crate::service::reports::{self, Preparation};
use crate::service::sampling::{self, PlanRequest};
use crate::service::switching::{self, LotResultRequest};
use crate::service::visual::{self, NewDefectType};
use crate::service::{photos, Page};
use crate::store::orders::OrderFilter;
use crate::store::{DbConnection, PageRequest};
use rand::Rng;
use rand_chacha::ChaCha20Rng;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// What was stored for the batches, for the summary line.
#[derive(Debug, Default, Clone, Copy)]
pub struct Tally {
    pub batches: usize,
    pub readings: usize,
    pub inspections: usize,
}

impl std::ops::AddAssign for Tally {
    fn add_assign(&mut self, other: Self) {
        self.batches += other.batches;
        self.readings += other.readings;
        self.inspections += other.inspections;
    }
}

/// The ids of what the orders refer to.
pub struct Catalogue {
    /// Customer ids by name.
    pub customers: HashMap<String, i64>,
    /// Product ids by code.
    pub products: HashMap<&'static str, i64>,
}

/// Who stores the demo's data.
pub fn loader() -> Actor {
    Actor::system("demo")
}

/// Every item of a paged list.
fn every<T>(mut fetch: impl FnMut(PageRequest) -> AppResult<Page<T>>) -> AppResult<Vec<T>> {
    let mut all = Vec::new();
    for page in 1.. {
        let next = fetch(PageRequest {
            page,
            per_page: 200,
        })?;
        let done = next.items.is_empty() || all.len() + next.items.len() >= next.total as usize;
        all.extend(next.items);
        if done {
            break;
        }
    }
    Ok(all)
}

/// The ids of the stored customers, by name.
pub fn customer_ids(conn: &mut DbConnection) -> AppResult<HashMap<String, i64>> {
    let customers = every(|page| catalog::list_customers(conn, Visibility::Everything, page))?;
    Ok(customers.into_iter().map(|c| (c.name, c.id)).collect())
}

pub fn customers(conn: &mut DbConnection, actor: &Actor) -> AppResult<HashMap<String, i64>> {
    let mut ids = HashMap::new();
    for &name in data::CUSTOMERS {
        let customer = catalog::create_customer(conn, actor, NewCustomer { name: name.into() })?;
        ids.insert(customer.name, customer.id);
    }
    Ok(ids)
}

/// Stores the products; answers their ids by code.
pub fn products(
    conn: &mut DbConnection,
    actor: &Actor,
    customers: &HashMap<String, i64>,
) -> AppResult<HashMap<&'static str, i64>> {
    let mut ids = HashMap::new();
    for product in data::PRODUCTS {
        let customer_id = match product.customer {
            Some(name) => Some(*customers.get(name).or_internal("a demo customer exists")?),
            None => None,
        };
        let stored = catalog::create_product(conn, actor, new_product(product, customer_id))?;
        ids.insert(product.code, stored.id);
    }
    Ok(ids)
}

fn new_product(product: &Product, customer_id: Option<i64>) -> NewProduct {
    let params: Map<String, Value> = product
        .params
        .iter()
        .map(|&(name, value)| (name.to_string(), param(value)))
        .collect();
    NewProduct {
        code: product.code.into(),
        name: product.name.into(),
        customer_id,
        params,
        family: Some(FAMILY.into()),
        visual_inspection: product.visual_inspection,
        characteristics: product
            .characteristics
            .iter()
            .map(|c| NewCharacteristic {
                code: c.code.into(),
                name: c.name.into(),
                unit: c.unit.into(),
                kind: c.kind,
                nominal: c.nominal,
                lsl: c.limits.lsl,
                usl: c.limits.usl,
                severity: c.severity,
                quantity: c.quantity,
            })
            .collect(),
    }
}

fn param(value: data::Param) -> Value {
    match value {
        data::Param::Int(n) => Value::from(n),
        data::Param::Number(x) => Value::from(x),
        data::Param::Text(text) => Value::from(text),
    }
}

/// The family's defect catalogue.
pub fn defect_types(conn: &mut DbConnection, actor: &Actor) -> AppResult<()> {
    for defect in DEFECTS {
        let new = NewDefectType {
            family: FAMILY.into(),
            code: defect.code.into(),
            name: defect.name.into(),
            severity: defect.severity,
        };
        visual::create_defect_type(conn, actor, new)?;
    }
    Ok(())
}

/// One order and its batches: a plan drawn for each, and the first
/// `order.inspected` of them inspected.
pub fn order(
    conn: &mut DbConnection,
    actor: &Actor,
    rng: &mut ChaCha20Rng,
    order: &Order,
    catalogue: &Catalogue,
) -> AppResult<Tally> {
    let (customers, products) = (&catalogue.customers, &catalogue.products);
    let product = data::product(order.product).or_internal("a demo order's product exists")?;
    let new = NewOrder {
        customer_id: *customers
            .get(order.customer)
            .or_internal("a demo customer exists")?,
        product_id: *products
            .get(order.product)
            .or_internal("a demo product exists")?,
        po_number: order.po_number.into(),
        quantity: order.lots.iter().sum(),
        due_date: None,
        warranty_months: None,
    };
    let order_id = orders::create_order(conn, actor, new)?.id;
    let mut tally = Tally::default();
    for (index, &lot_size) in order.lots.iter().enumerate() {
        let new = NewBatch {
            lot_size,
            line: Some(LINES[index % LINES.len()].into()),
            production_date: None,
            supplier_id: None,
        };
        // The demo's lots and plans are small: the default bounds fit them.
        let limits = InputLimits::default();
        let batch_id = batches::create_batch(conn, actor, order_id, new, &limits)?.id;
        let request = plan_request(order.sampling, rng);
        let plan = sampling::draw_plan(conn, actor, batch_id, request, &limits)?;
        tally.batches += 1;
        if index < order.inspected {
            tally += inspect(conn, actor, rng, order, product, &plan)?;
        }
    }
    Ok(tally)
}

fn plan_request(sampling: Sampling, rng: &mut ChaCha20Rng) -> PlanRequest {
    let seed = Some(rng.random_range(0..1 << 53));
    let (method, percent, aql) = match sampling {
        Sampling::Percent(percent) => (Method::Percent, Some(percent), None),
        Sampling::Iso2859_1 { aql } => (Method::Iso2859_1, None, Some(aql)),
    };
    PlanRequest {
        method,
        percent,
        seed,
        aql,
        level: None,
        inspection: None,
        aql_by_severity: None,
        counts: None,
    }
}

/// A batch's readings of the sample, its final visual inspection with
/// photos of the first defects, and (ISO 2859-1) the lot's result.
fn inspect(
    conn: &mut DbConnection,
    actor: &Actor,
    rng: &mut ChaCha20Rng,
    order: &Order,
    product: &Product,
    plan: &Plan,
) -> AppResult<Tally> {
    let readings = readings(conn, actor, rng, plan, product.process)?;
    let units: Vec<i64> = match product.visual_inspection {
        VisualScope::All => (1..=plan.lot_size).collect(),
        VisualScope::Sample => plan.units.clone(),
    };
    visual_inspection(conn, actor, rng, plan.batch_id, &units)?;
    if let Sampling::Iso2859_1 { .. } = order.sampling {
        let steady = LotResultRequest {
            production_steady: true,
            reduced_approved: false,
        };
        switching::record_lot_result(conn, actor, plan.batch_id, steady)?;
    }
    Ok(Tally {
        batches: 0,
        readings,
        inspections: units.len(),
    })
}

/// Every simulated characteristic of every sampled unit, unit by unit.
fn readings(
    conn: &mut DbConnection,
    actor: &Actor,
    rng: &mut ChaCha20Rng,
    plan: &Plan,
    process: &[Simulated],
) -> AppResult<usize> {
    let measurements: Vec<_> = plan
        .units
        .iter()
        .flat_map(|&unit| process.iter().map(move |sim| (unit, sim)))
        .map(|(unit, sim)| MeasurementInput {
            id: None,
            unit,
            characteristic: sim.code.into(),
            value: simulate::reading(rng, sim),
            taken_at: None,
        })
        .collect();
    let count = measurements.len();
    measurements::record(
        conn,
        actor,
        plan.batch_id,
        RecordMeasurements { measurements },
        &InputLimits::default(),
    )?;
    Ok(count)
}

fn visual_inspection(
    conn: &mut DbConnection,
    actor: &Actor,
    rng: &mut ChaCha20Rng,
    batch_id: i64,
    units: &[i64],
) -> AppResult<()> {
    let inspections = simulate::inspections(rng, units);
    let recorded = visual::record(conn, actor, batch_id, inspections)?;
    let defective = recorded.inspections.iter().filter(|i| !i.passed);
    for (shot, inspection) in defective.take(PHOTOS_PER_BATCH).enumerate() {
        let photo = photos::prepare(simulate::defect_photo(shot as u32)?)?;
        photos::attach(conn, actor, inspection.id, photo)?;
    }
    Ok(())
}

/// Adds the demo users that are missing; answers a line per login to print.
pub fn users(conn: &mut DbConnection, actor: &Actor) -> AppResult<Vec<String>> {
    let customers = customer_ids(conn)?;
    let existing: Vec<String> = accounts::list_users(conn)?
        .into_iter()
        .map(|u| u.username)
        .collect();
    let mut lines = Vec::new();
    for login in LOGINS {
        if !existing.iter().any(|name| name == login.username) {
            let new = NewUser {
                username: login.username.into(),
                password: login.password.into(),
                role: login.role,
                customer_id: login.customer.and_then(|name| customers.get(name).copied()),
            };
            accounts::add_user(conn, actor, new)?;
        }
        let (role, username, password) = (login.role.as_str(), login.username, login.password);
        lines.push(format!("  {role:<10} {username:<10} password {password}"));
    }
    Ok(lines)
}

/// The signer's decisions on the order's first batches and the first issue
/// of its report; `None` when the order is missing or already reported on.
pub fn sign_off(conn: &mut DbConnection, site: &reports::IssueSite) -> AppResult<Option<String>> {
    let filter = OrderFilter {
        po_number: Some(SIGN_OFF.po_number.into()),
        ..OrderFilter::default()
    };
    let first = PageRequest {
        page: 1,
        per_page: 1,
    };
    let Some(order) = orders::list_orders(conn, filter, Visibility::Everything, first)?
        .items
        .pop()
    else {
        return Ok(None);
    };
    if !reports::list(conn, order.id, Visibility::Everything)?.is_empty() {
        return Ok(None);
    }
    let signer = signer(conn)?;
    let password = data::login(SIGN_OFF.signer).or_internal("the signer has a demo login")?;
    let batches =
        every(|page| batches::list_batches(conn, order.id, Visibility::Everything, page))?;
    for (batch, &(meaning, comment)) in batches.iter().zip(SIGN_OFF.decisions) {
        let decision = SignDisposition {
            password: password.password.into(),
            meaning,
            comment: comment.into(),
            supersedes: None,
        };
        dispositions::sign(conn, &signer, batch.id, decision)?;
    }
    materials(conn, &signer, password.password, &batches)?;
    let issued = match reports::prepare_issue(conn, &signer, order.id, true, site)? {
        Preparation::New(prepared) => reports::store_issue(conn, &signer, prepared)?,
        Preparation::Unchanged(current) => current,
    };
    Ok(Some(format!(
        "QC report {} revision {} issued for {}",
        issued.number, issued.revision, order.po_number
    )))
}

/// The signed-off order's material: an LED lot received, inspected and
/// accepted, used in each batch; a driver lot used under a concession; the
/// first batch's units numbered; an internal finding with a corrective
/// action past its due date.
fn materials(
    conn: &mut DbConnection,
    signer: &Actor,
    password: &str,
    batches: &[batches::Batch],
) -> AppResult<()> {
    use crate::service::materials::{
        self, LotMeaning, NewMaterialLot, RecordMaterialInspection, SignMaterialDecision,
        UseMaterialLot,
    };
    let supplier = crate::service::suppliers::create_supplier(
        conn,
        signer,
        crate::service::suppliers::NewSupplier {
            name: "Shenzhen Brightchip Optoelectronics".into(),
        },
    )?;
    let received =
        |material: &str, lot_number: &str, quantity, certificate_required| NewMaterialLot {
            supplier_id: supplier.id,
            material: material.into(),
            lot_number: lot_number.into(),
            quantity,
            received_on: None,
            certificate_required: Some(certificate_required),
        };
    let leds = materials::create_lot(
        conn,
        signer,
        received("LED 2835 0.2 W 2700 K", "BC-2611-07", 20_000, false),
    )?;
    materials::record_inspection(
        conn,
        signer,
        leds.id,
        RecordMaterialInspection {
            aql: 0.65,
            level: None,
            inspection: None,
            counts: None,
            found: 0,
        },
    )?;
    materials::sign_decision_known(
        conn,
        signer,
        leds.id,
        SignMaterialDecision {
            meaning: LotMeaning::Accepted,
            comment: "Sample within the plan; colour bin as ordered.".into(),
            password: password.into(),
            supersedes: None,
        },
    )?;
    let drivers = materials::create_lot(
        conn,
        signer,
        received("Driver 9 W 230 V", "BC-DRV-0412", 5_000, true),
    )?;
    for batch in batches {
        let used = |id, concession: Option<&str>| UseMaterialLot {
            material_lot_id: id,
            concession: concession.map(String::from),
        };
        materials::use_in_batch(conn, signer, batch.id, used(leds.id, None))?;
        materials::use_in_batch(
            conn,
            signer,
            batch.id,
            used(
                drivers.id,
                Some("Certificate requested from the supplier; released on first-article test."),
            ),
        )?;
    }
    let Some(first) = batches.first() else {
        return Ok(());
    };
    crate::service::trace::assign_serials(
        conn,
        signer,
        first.id,
        crate::service::trace::AssignSerials {
            range: Some(crate::service::trace::SerialRange {
                prefix: "HL-2611-".into(),
                first: 1,
                digits: Some(5),
            }),
            units: None,
        },
    )?;
    let ncr = crate::service::ncrs::open(
        conn,
        signer,
        Visibility::Everything,
        crate::service::ncrs::NewNcr {
            order_id: first.order_id,
            batch_id: Some(first.id),
            material_lot_id: Some(drivers.id),
            source: crate::service::ncrs::NcrSource::Internal,
            description: "Driver lot received without its certificate of conformity.".into(),
            serials: None,
        },
    )?;
    crate::service::ncrs::add_action(
        conn,
        signer,
        ncr.id,
        crate::service::ncrs::NewAction {
            description: "Obtain the driver certificate and file it with the lot.".into(),
            owner: "Purchasing".into(),
            due_on: chrono::Utc::now().date_naive() - chrono::Days::new(3),
        },
    )?;
    Ok(())
}

fn signer(conn: &mut DbConnection) -> AppResult<Actor> {
    let user = accounts::list_users(conn)?
        .into_iter()
        .find(|u| u.username == SIGN_OFF.signer)
        .or_internal("the demo signer exists")?;
    Ok(Actor::user(user.id, &user.username))
}
