//! Customer orders.

use super::auth::perm::{ManageOrders, ReadResults};
use super::auth::Allowed;
use super::extract::{page_request, ApiJson};
use crate::error::{AppResult, Problem};
use crate::service::orders::{self, NewOrder, Order};
use crate::service::Page;
use crate::store::orders::OrderFilter;
use crate::store::Db;
use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn config(cfg: &mut ServiceConfig) {
    cfg.service(create_order)
        .service(list_orders)
        .service(get_order);
}

#[utoipa::path(tag = "orders", request_body = NewOrder,
    responses((status = 201, body = Order), (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/orders")]
pub async fn create_order(
    db: web::Data<Db>,
    caller: Allowed<ManageOrders>,
    body: ApiJson<NewOrder>,
) -> AppResult<HttpResponse> {
    let order = db
        .write(move |c| orders::create_order(c, &caller.actor(), body.0))
        .await?;
    Ok(HttpResponse::Created().json(order))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct OrderQuery {
    pub customer_id: Option<i64>,
    pub product_id: Option<i64>,
    pub po_number: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// Orders, newest first.
#[utoipa::path(tag = "orders", params(OrderQuery),
    responses((status = 200, body = Page<Order>)))]
#[get("/orders")]
pub async fn list_orders(
    db: web::Data<Db>,
    caller: Allowed<ReadResults>,
    query: web::Query<OrderQuery>,
) -> AppResult<web::Json<Page<Order>>> {
    let visibility = caller.visibility();
    let query = query.into_inner();
    let page = page_request(query.page, query.per_page)?;
    let filter = OrderFilter {
        customer_id: query.customer_id,
        product_id: query.product_id,
        po_number: query.po_number,
    };
    Ok(web::Json(
        db.read(move |c| orders::list_orders(c, filter, visibility, page))
            .await?,
    ))
}

#[utoipa::path(tag = "orders",
    responses((status = 200, body = Order), (status = 404, body = Problem)))]
#[get("/orders/{id}")]
pub async fn get_order(
    db: web::Data<Db>,
    caller: Allowed<ReadResults>,
    id: web::Path<i64>,
) -> AppResult<web::Json<Order>> {
    let (id, visibility) = (id.into_inner(), caller.visibility());
    Ok(web::Json(
        db.read(move |c| orders::get_order(c, id, visibility))
            .await?,
    ))
}
