//! Customers and products.

use super::auth::perm::{ManageCatalog, PlanSampling, ReadProcess, ReadResults};
use super::auth::Allowed;
use super::extract::{page_request, ApiJson};
use crate::domain::spc::{ChartKind, ControlChart};
use crate::error::{AppResult, Problem};
use crate::service::capability::{self, ProductCapability};
use crate::service::catalog::{self, Customer, NewCustomer, NewProduct, Product};
use crate::service::control_charts::{self, FreezeLimits};
use crate::service::suppliers::{self, NewSupplier, Supplier};
use crate::service::yields::{self, GroupBy, YieldRow};
use crate::service::Page;
use crate::store::Db;
use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn config(cfg: &mut ServiceConfig) {
    cfg.service(create_customer)
        .service(create_supplier)
        .service(product_capability)
        .service(control_chart)
        .service(freeze_limits)
        .service(yields_report)
        .service(list_suppliers)
        .service(list_customers)
        .service(get_customer)
        .service(create_product)
        .service(list_products)
        .service(get_product);
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct PageQuery {
    /// Page number, from 1.
    pub page: Option<i64>,
    /// Items per page, 1–200 (default 50).
    pub per_page: Option<i64>,
}

#[utoipa::path(tag = "catalog", request_body = NewCustomer,
    responses((status = 201, body = Customer), (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/customers")]
pub async fn create_customer(
    db: web::Data<Db>,
    caller: Allowed<ManageCatalog>,
    body: ApiJson<NewCustomer>,
) -> AppResult<HttpResponse> {
    let customer = db
        .write(move |c| catalog::create_customer(c, &caller.actor(), body.0))
        .await?;
    Ok(HttpResponse::Created().json(customer))
}

#[utoipa::path(tag = "catalog", params(PageQuery),
    responses((status = 200, body = Page<Customer>)))]
#[get("/customers")]
pub async fn list_customers(
    db: web::Data<Db>,
    caller: Allowed<ReadResults>,
    query: web::Query<PageQuery>,
) -> AppResult<web::Json<Page<Customer>>> {
    let page = page_request(query.page, query.per_page)?;
    let visibility = caller.visibility();
    Ok(web::Json(
        db.read(move |c| catalog::list_customers(c, visibility, page))
            .await?,
    ))
}

#[utoipa::path(tag = "catalog",
    responses((status = 200, body = Customer), (status = 404, body = Problem)))]
#[get("/customers/{id}")]
pub async fn get_customer(
    db: web::Data<Db>,
    caller: Allowed<ReadResults>,
    id: web::Path<i64>,
) -> AppResult<web::Json<Customer>> {
    let (id, visibility) = (id.into_inner(), caller.visibility());
    Ok(web::Json(
        db.read(move |c| catalog::get_customer(c, id, visibility))
            .await?,
    ))
}

#[utoipa::path(tag = "catalog", request_body = NewProduct,
    responses((status = 201, body = Product), (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/products")]
pub async fn create_product(
    db: web::Data<Db>,
    caller: Allowed<ManageCatalog>,
    body: ApiJson<NewProduct>,
) -> AppResult<HttpResponse> {
    let product = db
        .write(move |c| catalog::create_product(c, &caller.actor(), body.0))
        .await?;
    Ok(HttpResponse::Created().json(product))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ProductQuery {
    /// Only the designs of this customer.
    pub customer_id: Option<i64>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

#[utoipa::path(tag = "catalog", params(ProductQuery),
    responses((status = 200, body = Page<Product>)))]
#[get("/products")]
pub async fn list_products(
    db: web::Data<Db>,
    caller: Allowed<ReadResults>,
    query: web::Query<ProductQuery>,
) -> AppResult<web::Json<Page<Product>>> {
    let page = page_request(query.page, query.per_page)?;
    let (customer_id, visibility) = (query.customer_id, caller.visibility());
    Ok(web::Json(
        db.read(move |c| catalog::list_products(c, customer_id, visibility, page))
            .await?,
    ))
}

#[utoipa::path(tag = "catalog",
    responses((status = 200, body = Product), (status = 404, body = Problem)))]
#[get("/products/{id}")]
pub async fn get_product(
    db: web::Data<Db>,
    caller: Allowed<ReadResults>,
    id: web::Path<i64>,
) -> AppResult<web::Json<Product>> {
    let (id, visibility) = (id.into_inner(), caller.visibility());
    Ok(web::Json(
        db.read(move |c| catalog::get_product(c, id, visibility))
            .await?,
    ))
}

/// Adds a supplier of incoming material.
#[utoipa::path(tag = "catalog", request_body = NewSupplier,
    responses((status = 201, body = Supplier), (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/suppliers")]
pub async fn create_supplier(
    db: web::Data<Db>,
    caller: Allowed<ManageCatalog>,
    body: ApiJson<NewSupplier>,
) -> AppResult<HttpResponse> {
    let supplier = db
        .write(move |c| suppliers::create_supplier(c, &caller.actor(), body.0))
        .await?;
    Ok(HttpResponse::Created().json(supplier))
}

/// The suppliers (staff only).
#[utoipa::path(tag = "catalog",
    responses((status = 200, body = Vec<Supplier>)))]
#[get("/suppliers")]
pub async fn list_suppliers(
    db: web::Data<Db>,
    _caller: Allowed<ReadProcess>,
) -> AppResult<web::Json<Vec<Supplier>>> {
    Ok(web::Json(db.read(suppliers::list_suppliers).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct CapabilityQuery {
    /// Code of a variable characteristic of the product.
    pub characteristic: String,
}

/// Capability of a characteristic across the product's batches, each
/// batch's sample a subgroup (a customer sees its own batches only).
#[utoipa::path(tag = "statistics", params(CapabilityQuery),
    responses((status = 200, body = ProductCapability), (status = 404, body = Problem), (status = 422, body = Problem)))]
#[get("/products/{id}/capability")]
pub async fn product_capability(
    db: web::Data<Db>,
    caller: Allowed<ReadResults>,
    id: web::Path<i64>,
    query: web::Query<CapabilityQuery>,
) -> AppResult<web::Json<ProductCapability>> {
    let (product_id, visibility) = (id.into_inner(), caller.visibility());
    let code = query.into_inner().characteristic;
    Ok(web::Json(
        db.read(move |c| capability::product_capability(c, product_id, &code, visibility))
            .await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ChartQuery {
    /// A characteristic code, or `visual` for the final visual inspection (p, u).
    pub characteristic: String,
    /// xbar-r, xbar-s, i-mr, p or u.
    pub chart: String,
    /// Compute the limits from the first N batches (a baseline period) and
    /// judge every batch against them; all batches when absent.
    pub baseline: Option<usize>,
}

/// A Shewhart chart across the product's batches with run-rule violations
/// (the product's `params.spc_rules`, Western Electric by default).
#[utoipa::path(tag = "statistics", params(ChartQuery),
    responses((status = 200, body = ControlChart), (status = 404, body = Problem),
              (status = 409, body = Problem), (status = 422, body = Problem)))]
#[get("/products/{id}/control-chart")]
pub async fn control_chart(
    db: web::Data<Db>,
    caller: Allowed<ReadResults>,
    id: web::Path<i64>,
    query: web::Query<ChartQuery>,
) -> AppResult<web::Json<ControlChart>> {
    let (product_id, visibility) = (id.into_inner(), caller.visibility());
    let query = query.into_inner();
    let kind = ChartKind::parse(&query.chart).ok_or_else(|| {
        crate::error::AppError::invalid(
            "chart",
            crate::error::Message::new("err-one-of").arg("choices", "xbar-r, xbar-s, i-mr, p, u"),
        )
    })?;
    if query.baseline == Some(0) {
        return Err(crate::error::AppError::invalid(
            "baseline",
            crate::error::Message::new("err-at-least").arg("min", 1),
        ));
    }
    Ok(web::Json(
        db.read(move |c| {
            control_charts::control_chart(
                c,
                product_id,
                &query.characteristic,
                kind,
                query.baseline,
                visibility,
            )
        })
        .await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct YieldQuery {
    pub product_id: Option<i64>,
    pub order_id: Option<i64>,
    /// batch (default), order, line or day.
    #[param(inline)]
    pub group_by: Option<GroupBy>,
}

/// First-pass and final yields of a product's or an order's batches.
#[utoipa::path(tag = "statistics", params(YieldQuery),
    responses((status = 200, body = Vec<YieldRow>), (status = 404, body = Problem), (status = 422, body = Problem)))]
#[get("/yields")]
pub async fn yields_report(
    db: web::Data<Db>,
    caller: Allowed<ReadResults>,
    query: web::Query<YieldQuery>,
) -> AppResult<web::Json<Vec<YieldRow>>> {
    let visibility = caller.visibility();
    let query = query.into_inner();
    Ok(web::Json(
        db.read(move |c| {
            yields::yields(
                c,
                query.product_id,
                query.order_id,
                query.group_by.unwrap_or_default(),
                visibility,
            )
        })
        .await?,
    ))
}

/// Freezes a chart's limits from a baseline of batches: from its first
/// batch on, batches are judged against these limits (a new phase).
#[utoipa::path(tag = "statistics",
    request_body = FreezeLimits,
    responses((status = 201, body = ControlChart), (status = 404, body = Problem),
              (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/products/{id}/control-chart/phases")]
pub async fn freeze_limits(
    db: web::Data<Db>,
    caller: Allowed<PlanSampling>,
    id: web::Path<i64>,
    body: ApiJson<FreezeLimits>,
) -> AppResult<HttpResponse> {
    let product_id = id.into_inner();
    let chart = db
        .write(move |c| control_charts::freeze(c, &caller.actor(), product_id, body.0))
        .await?;
    Ok(HttpResponse::Created().json(chart))
}
