//! Errors of pages as pages: in the site's frame and the reader's language,
//! with a way back. A handler's [`PageError`](super::session::PageError)
//! leaves a [`Failure`] on its response; [`framed`] renders it with what the
//! request knows (the language, the signed-in user). A page asked for
//! without a session sends the browser to sign in, and back afterwards.

use super::forms::in_language;
use super::language::request_lang;
use super::layout::html_response;
use super::layout::{page, Frame};
use crate::domain::language::Lang;
use crate::error::AppError;
use crate::i18n::text;
use crate::service::auth::Caller;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::ResponseError;
use actix_web::{HttpMessage, HttpRequest, HttpResponse};
use maud::html;

/// What a page could not do, for [`framed`] to show.
#[derive(Debug, Clone)]
pub enum Failure {
    /// No session: sign in, then come back.
    SignIn,
    /// A form whose CSRF token is not the session's (or has gone).
    Expired,
    /// Anything else, with the service's words when it has some.
    Status(StatusCode, Option<String>),
}

/// Errors of pages: a missing session sends the browser to sign in (and
/// back); the rest become pages in the reader's frame ([`super::errors`]).
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error("sign in required")]
    SignIn,
    #[error("the form has expired")]
    Expired,
    #[error(transparent)]
    App(#[from] AppError),
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            PageError::SignIn => StatusCode::SEE_OTHER,
            PageError::Expired => StatusCode::FORBIDDEN,
            PageError::App(e) => e.status(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        let failure = match self {
            PageError::SignIn => Failure::SignIn,
            PageError::Expired => Failure::Expired,
            PageError::App(e) => {
                e.log_if_server_error();
                Failure::Status(e.status(), Some(e.detail.clone()))
            }
        };
        let mut response = html_response(self.status_code());
        if let PageError::App(e) = self {
            if let Some(retry_after) = e.retry_after_header() {
                response.insert_header(retry_after);
            }
        }
        let mut response = response.finish();
        response.extensions_mut().insert(failure);
        response
    }
}

/// The signed-in reader of a request, left in its extensions for the pages
/// of its errors.
#[derive(Clone)]
pub struct SignedIn {
    pub caller: Caller,
    pub csrf: String,
    pub lang: Lang,
}

/// The page to return to: a path of this site, never another site's
/// address (`//host` or `https://…`).
pub fn local_path(back: Option<&str>) -> &str {
    match back {
        // Browsers drop tabs and line breaks from a URL, so `/\t/host`
        // would become `//host`: no control character either.
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.contains('\\')
                && !path.chars().any(char::is_control) =>
        {
            path
        }
        _ => "/",
    }
}

/// Where to go to sign in from `req`, so that signing in returns to where
/// the reader was: the page asked for (GET), or for a form posted after
/// the session ended, the page the form was on.
pub fn sign_in_location(req: &HttpRequest) -> String {
    let here = if req.method() == Method::GET {
        req.uri().path_and_query().map(|p| p.as_str().to_string())
    } else {
        referrer(req)
    };
    match here {
        Some(here) if here != "/" && !here.starts_with("/login") => {
            let query = serde_urlencoded::to_string([("next", here.as_str())]).unwrap_or_default();
            format!("/login?{query}")
        }
        _ => "/login".into(),
    }
}

/// The title of a failure, in the reader's language.
fn title_key(failure: &Failure) -> &'static str {
    match failure {
        Failure::SignIn => "error-sign-in",
        Failure::Expired => "error-expired",
        Failure::Status(status, _) => match status.as_u16() {
            403 => "error-forbidden",
            404 => "error-not-found",
            409 => "error-conflict",
            400 | 413 | 422 => "error-invalid",
            429 => "error-too-many",
            503 => "error-unavailable",
            _ => "error-title",
        },
    }
}

/// The way back: the page the reader came from, when it is one of ours.
fn referrer(req: &HttpRequest) -> Option<String> {
    let referer = req.headers().get(header::REFERER)?.to_str().ok()?;
    let host = req.connection_info().host().to_string();
    let path = referer
        .split_once("://")
        .and_then(|(_, rest)| rest.strip_prefix(host.as_str()))?;
    let path = local_path(Some(path));
    // A form posted to its own page goes back there; a page read does not
    // link to itself.
    (req.method() != Method::GET || path != req.uri().path()).then(|| path.to_string())
}

/// The page of a failure, framed for the reader.
pub fn failure_page(req: &HttpRequest, failure: &Failure, status: StatusCode) -> HttpResponse {
    let signed_in = req.extensions().get::<SignedIn>().cloned();
    let lang = signed_in
        .as_ref()
        .map_or_else(|| request_lang(req, None), |s| s.lang);
    let t = |key: &str| text(lang, key);
    let path = req.uri().path_and_query().map_or("/", |p| p.as_str());
    let frame = match &signed_in {
        Some(s) => Frame {
            lang,
            path,
            signed_in: Some((&s.caller, &s.csrf)),
        },
        None => Frame::public(lang, path),
    };
    let title = t(title_key(failure));
    let back = referrer(req);
    let body = html! {
        div.card.failure role="alert" {
            h1 { (title) }
            @match failure {
                Failure::Expired => p { (t("error-expired-hint")) },
                // A refusal's detail names internal permissions: the title says it.
                Failure::Status(status, Some(detail)) if *status != StatusCode::FORBIDDEN => p { (in_language(lang, detail)) },
                _ => {},
            }
            p.actions {
                @if let Some(back) = &back {
                    a.button href=(back) { (t("error-back")) } " "
                }
                a.button.quiet href="/" { (t("back-to-start")) }
            }
        }
    };
    html_response(status).body(page(&frame, &title, body).into_string())
}

/// Renders the [`Failure`] a page left on its response.
pub async fn framed(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let res = next.call(req).await?;
    let failure = res.response().extensions().get::<Failure>().cloned();
    let Some(failure) = failure else {
        return Ok(res.map_into_boxed_body());
    };
    let status = res.status();
    let (req, _) = res.into_parts();
    let response = match failure {
        Failure::SignIn => HttpResponse::SeeOther()
            .insert_header((header::LOCATION, sign_in_location(&req)))
            .finish(),
        other => failure_page(&req, &other, status),
    };
    Ok(ServiceResponse::new(req, response))
}
