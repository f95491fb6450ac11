//! Which language a page is written in.
//!
//! The user's saved choice first (so it follows them to another tablet),
//! then this browser's choice (a cookie, set by the switch even before
//! signing in), then what the browser asks for (`Accept-Language`), then
//! English.

use crate::domain::language::Lang;
use actix_web::http::header;
use actix_web::HttpRequest;

pub const LANG_COOKIE: &str = "lotcheck_lang";

/// The language of a request's pages, given the user's saved choice.
pub fn request_lang(req: &HttpRequest, saved: Option<&str>) -> Lang {
    saved
        .and_then(Lang::parse)
        .or_else(|| req.cookie(LANG_COOKIE).and_then(|c| Lang::parse(c.value())))
        .or_else(|| {
            req.headers()
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Lang::from_accept_language)
        })
        .unwrap_or(Lang::En)
}
