//! The pages behind sign-in.

use super::layout::page;
use super::session::{html_response, PageError, Session};
use crate::domain::access::Permission;
use crate::service::{catalog, orders};
use crate::store::orders::OrderFilter;
use crate::store::{Db, PageRequest};
use actix_web::http::{header, Method, StatusCode};
use actix_web::{get, web, HttpRequest, HttpResponse};
use maud::html;
use std::collections::HashMap;

/// The site's icon: a tick on the brand colour. Browsers that ask for
/// `/favicon.ico` by habit get the same picture.
const ICON_SVG: &str = include_str!("assets/icon.svg");

#[get("/favicon.svg")]
pub async fn favicon_svg() -> HttpResponse {
    icon()
}

#[get("/favicon.ico")]
pub async fn favicon_ico() -> HttpResponse {
    icon()
}

fn icon() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header(("Cache-Control", "public, max-age=86400"))
        .body(ICON_SVG)
}

/// The start page: the orders the user may see, newest first.
#[get("/")]
pub async fn home(db: web::Data<Db>, session: Session) -> Result<HttpResponse, PageError> {
    session.caller.require(Permission::ReadResults)?;
    let visibility = session.caller.visibility();
    let first = PageRequest {
        page: 1,
        per_page: 100,
    };
    let (orders, customers, products) = db
        .read(move |c| {
            let orders = orders::list_orders(c, OrderFilter::default(), visibility, first)?;
            let customers = catalog::list_customers(
                c,
                visibility,
                PageRequest {
                    page: 1,
                    per_page: 200,
                },
            )?;
            let products = catalog::list_products(
                c,
                None,
                visibility,
                PageRequest {
                    page: 1,
                    per_page: 200,
                },
            )?;
            Ok((orders, customers, products))
        })
        .await?;
    let customer_names: HashMap<i64, String> = customers
        .items
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    let product_codes: HashMap<i64, String> =
        products.items.into_iter().map(|p| (p.id, p.code)).collect();
    let body = html! {
        h1 { (session.t("nav-orders")) }
        div.card {
            @if orders.items.is_empty() {
                p.muted { (session.t("orders-none")) }
            } @else {
                table {
                    thead { tr { th { (session.t("orders-po")) } th { (session.t("orders-customer")) } th { (session.t("orders-product")) } th.num { (session.t("orders-quantity")) } th { (session.t("orders-entered")) } } }
                    tbody {
                        @for order in &orders.items {
                            tr {
                                td { a href={ "/orders/" (order.id) } { (order.po_number) } }
                                td { (customer_names.get(&order.customer_id).map(String::as_str).unwrap_or("—")) }
                                td { (product_codes.get(&order.product_id).map(String::as_str).unwrap_or("—")) }
                                td.num { (crate::i18n::grouped(order.quantity as f64, 0)) }
                                td { (session.day(order.created_at)) }
                            }
                        }
                    }
                }
                @if orders.total > orders.items.len() as i64 {
                    p.muted { (crate::i18n::message(session.lang, "orders-showing", &[("shown", orders.items.len().into()), ("total", orders.total.into())])) }
                }
            }
        }
    };
    let markup = page(&session.frame(), &session.t("nav-orders"), body);
    Ok(html_response(StatusCode::OK).body(markup.into_string()))
}

/// A page that does not exist, for a browser; the API's problem otherwise.
pub async fn unknown_route(req: HttpRequest) -> Result<HttpResponse, crate::error::AppError> {
    let wants_page = !req.path().starts_with("/api/")
        && req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"));
    if !wants_page || req.method() != Method::GET {
        return crate::api::problems::unknown_route(req).await;
    }
    // The frame of a signed-in reader, when the session cookie is good.
    let _ = <Session as actix_web::FromRequest>::extract(&req).await;
    Ok(super::errors::failure_page(
        &req,
        &super::errors::Failure::Status(StatusCode::NOT_FOUND, None),
        StatusCode::NOT_FOUND,
    ))
}
