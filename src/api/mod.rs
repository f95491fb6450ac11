//! The JSON API under `/api/v1`, one module per resource, described by an
//! OpenAPI document generated from the handlers.

mod audit;
pub mod auth;
mod batches;
mod calculators;
mod catalog;
mod charts;
mod dispositions;
pub mod extract;
mod health;
mod imports;
mod orders;
pub mod problems;
pub(crate) mod reports;
mod sampling;
mod users;
pub(crate) mod visual;

use actix_web::web;
use utoipa::OpenApi;

/// Registers every route of the API (and `/healthz`).
pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.service(health::healthz).service(
        web::scope("/api/v1")
            .wrap(actix_web::middleware::from_fn(auth::authenticate))
            .route("/openapi.json", web::get().to(openapi_json))
            .configure(auth::config)
            .configure(audit::config)
            .configure(users::config)
            .configure(catalog::config)
            .configure(orders::config)
            .configure(batches::config)
            .configure(imports::config)
            .configure(visual::config)
            .configure(dispositions::config)
            .configure(sampling::config)
            .configure(calculators::config)
            .configure(charts::config)
            .configure(reports::config),
    );
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "lotcheck",
        description = "Quality-control sampling and inspection for contract manufacturing. \
                       Errors are application/problem+json (RFC 9457)."
    ),
    paths(
                health::healthz,
        auth::create_token,
        auth::revoke_token,
        auth::whoami,
        users::add_user,
        users::list_users,
        users::disable_user,
        catalog::create_customer,
        catalog::list_customers,
        catalog::get_customer,
        catalog::create_supplier,
        catalog::list_suppliers,
        catalog::product_capability,
        catalog::control_chart,
        catalog::freeze_limits,
        catalog::yields_report,
        catalog::create_product,
        catalog::list_products,
        catalog::get_product,
        orders::create_order,
        orders::list_orders,
        orders::get_order,
        batches::create_batch,
        batches::list_batches,
        batches::get_batch,
        sampling::draw_plan,
                sampling::get_plan,
        sampling::record_lot_result,
        sampling::switching_history,
        sampling::corrective_action,
        calculators::iso2859,
        calculators::oc_curve,
        calculators::colorimetry,
        batches::record_measurements,
        batches::list_measurements,
        batches::get_measurement,
        batches::batch_statistics,
        batches::batch_colour,
        imports::create_import,
        imports::list_imports,
        dispositions::get_disposition,
        dispositions::sign_disposition,
        visual::create_defect_type,
        visual::list_defect_types,
        visual::record_inspections,
        visual::list_inspections,
        visual::visual_summary,
        visual::get_inspection,
        visual::correct_inspection,
        visual::upload_photo,
        visual::get_photo,
        visual::get_thumbnail,
        batches::correct_measurement,
        batches::measurement_history,
        audit::list_audit,
        charts::batch_chart,
        charts::order_chart,
        charts::product_chart,
        reports::report_pdf,
        reports::report_csv,
        reports::list_reports,
        reports::issue_report,
        reports::issued_pdf,
        reports::verify_report,
    ),
        components(schemas(crate::error::Problem)),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
pub struct ApiDoc;

/// Declares the bearer-token scheme every route but sign-in requires.
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

async fn openapi_json() -> web::Json<utoipa::openapi::OpenApi> {
    web::Json(ApiDoc::openapi())
}
