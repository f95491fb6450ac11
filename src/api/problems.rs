//! Makes every error answer problem+json, including those actix produces
//! itself (unknown route, wrong method, unreadable query or path).

use crate::error::{AppError, ErrorCode, PROBLEM_JSON};
use actix_web::body::EitherBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::{header, StatusCode};
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers};
use actix_web::{web, HttpRequest, ResponseError};

/// Query strings and path segments that do not parse.
pub fn extractor_configs(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::QueryConfig::default().error_handler(|error, _| {
        AppError::new(
            ErrorCode::BadQuery,
            format!("the query string is invalid: {error}"),
        )
        .into()
    }))
    .app_data(web::PathConfig::default().error_handler(|error, req| {
        AppError::new(
            ErrorCode::NotFound,
            format!("no such resource: {} ({error})", req.path()),
        )
        .into()
    }))
    .app_data(web::PayloadConfig::new(super::extract::MAX_JSON_BODY));
}

/// The answer to a route that does not exist: 405 with the methods it
/// allows when the path is an API route's, else 404.
pub async fn unknown_route(req: HttpRequest) -> Result<actix_web::HttpResponse, AppError> {
    let allowed = req
        .app_data::<web::Data<super::Routes>>()
        .and_then(|routes| routes.allowed(req.path()));
    if let Some(allowed) = allowed {
        let mut response = AppError::new(
            ErrorCode::MethodNotAllowed,
            format!(
                "{} is not allowed on {} (allowed: {allowed})",
                req.method(),
                req.path()
            ),
        )
        .error_response();
        let allow = header::HeaderValue::from_str(&allowed)
            .map_err(|e| AppError::internal(format!("an Allow header of method names: {e}")))?;
        response.headers_mut().insert(header::ALLOW, allow);
        return Ok(response);
    }
    Err(AppError::new(
        ErrorCode::NotFound,
        format!("no such resource: {} {}", req.method(), req.path()),
    ))
}

/// Rewrites any other error response that is not yet problem+json.
pub fn middleware<B: 'static>() -> ErrorHandlers<B> {
    ErrorHandlers::new().default_handler(rewrite_as_problem)
}

fn rewrite_as_problem<B>(res: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    // Problems and pages (HTML) are already answered in their own form.
    let answered = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| {
            let value = value.as_bytes();
            value.starts_with(PROBLEM_JSON.as_bytes()) || value.starts_with(b"text/html")
        });
    if answered {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let detail = match status {
        StatusCode::METHOD_NOT_ALLOWED => format!(
            "{} is not allowed on {}",
            res.request().method(),
            res.request().path()
        ),
        StatusCode::NOT_FOUND => format!("no such resource: {}", res.request().path()),
        other => other.canonical_reason().unwrap_or("error").to_string(),
    };
    let problem = AppError::http(status, detail).error_response();
    let (req, _) = res.into_parts();
    let res = ServiceResponse::new(req, problem).map_into_right_body::<B>();
    let res: ServiceResponse<EitherBody<B>> = res;
    Ok(ErrorHandlerResponse::Response(res))
}
