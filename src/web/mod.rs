//! Server-rendered pages for tablets and browsers, signed in with a session
//! cookie (HttpOnly, SameSite=Strict, Secure over TLS); every form that
//! changes data carries the session's CSRF token.

mod admin;
mod batches;
mod dashboard;
mod disposition;
mod errors;
mod forms;
mod inspect;
mod language;
mod layout;
mod pages;
mod products;
mod quality;
mod reports;
mod session;
mod signing;
mod spc;
mod switch;
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
        .service(quality::materials_page)
        .service(quality::material_page)
        .service(quality::trace_page)
        .service(quality::ncrs_page)
        .service(quality::ncr_page);
}
