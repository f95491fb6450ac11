//! Server-rendered pages for tablets and browsers, signed in with a session
//! cookie (HttpOnly, SameSite=Strict, Secure over TLS); every form that
//! changes data carries the session's CSRF token.

mod admin;
mod batches;
mod claims;
mod dashboard;
mod disposition;
mod errors;
mod fields;
mod forms;
mod inspect;
mod language;
mod layout;
mod materials;
mod ncrs;
mod pages;
mod products;
mod reports;
mod session;
mod shipping;
mod signing;
mod spc;
mod switch;
mod trace;
mod verify;

pub use errors::framed;
pub use pages::unknown_route;

use actix_web::web;

pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.service(pages::home)
        .service(dashboard::dashboard_page)
        .service(admin::users_list)
        .service(admin::add_user)
        .service(admin::disable_user)
        .service(admin::enable_user)
        .service(admin::reset_password)
        .service(admin::customers_list)
        .service(admin::add_customer)
        .service(admin::suppliers_list)
        .service(admin::add_supplier)
        .service(admin::defects_list)
        .service(admin::add_defect)
        .service(products::products_list)
        .service(products::add_product)
        .service(pages::favicon_svg)
        .service(pages::favicon_ico)
        .service(batches::order_page)
        .service(batches::batch_page)
        .service(signing::sign)
        .service(batches::photo_page)
        .service(batches::thumbnail_page)
        .service(reports::report_page)
        .service(reports::report_pdf)
        .service(reports::revision_pdf)
        .service(reports::report_csv)
        .service(reports::issue)
        .service(reports::confirm_issue)
        .service(verify::verify_form)
        .service(verify::verify_upload)
        .service(session::login_form)
        .service(session::login)
        .service(session::logout)
        .service(inspect::work_list)
        .service(inspect::session_info)
        .service(inspect::entry_page)
        .service(inspect::script)
        .service(inspect::style)
        .service(inspect::service_worker)
        .service(spc::chart_page)
        .service(spc::freeze)
        .service(switch::switch_browser)
        .service(switch::switch_user)
        .service(materials::materials_page)
        .service(materials::receive_lot)
        .service(materials::material_page)
        .service(materials::preview_plan)
        .service(materials::attach_document)
        .service(materials::record_inspection)
        .service(materials::sign_decision)
        .service(trace::trace_page)
        .service(ncrs::ncrs_page)
        .service(ncrs::ncr_page)
        .service(ncrs::investigate)
        .service(ncrs::add_action)
        .service(ncrs::complete_action)
        .service(ncrs::close)
        .service(claims::claims_page)
        .service(claims::record_receipt_check)
        .service(claims::open_ncr)
        .service(claims::claim_warranty)
        .service(shipping::shipment_page)
        .service(shipping::use_lot)
        .service(shipping::assign_serials)
        .service(shipping::import_serials)
        .service(shipping::plan_shipment)
        .service(shipping::check_carton);
}
