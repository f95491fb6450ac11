//! Makes every error answer problem+json, including those actix produces
//! itself (unknown route, wrong method, unreadable query or path).

use crate::domain::language::Lang;
use crate::error::Message;
use crate::error::{AppError, ErrorCode, Translatable, PROBLEM_JSON};
use crate::i18n;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::{header, StatusCode};
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers};
use actix_web::{web, HttpRequest, ResponseError};

/// Query strings and path segments that do not parse.
pub fn extractor_configs(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::QueryConfig::default().error_handler(|error, _| {
        AppError::new(
            ErrorCode::BadQuery,
            Message::new("err-bad-query").arg("why", error),
        )
        .into()
    }))
    .app_data(web::PathConfig::default().error_handler(|error, req| {
        AppError::new(
            ErrorCode::NotFound,
            Message::new("err-no-such-path")
                .arg("path", req.path())
                .arg("why", error),
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
            Message::new("err-method-not-allowed")
                .arg("method", req.method())
                .arg("path", req.path())
                .arg("allowed", &allowed),
        )
        .error_response();
        let allow = header::HeaderValue::from_str(&allowed)
            .map_err(|e| AppError::internal(format!("an Allow header of method names: {e}")))?;
        response.headers_mut().insert(header::ALLOW, allow);
        return Ok(response);
    }
    Err(AppError::new(
        ErrorCode::NotFound,
        Message::new("err-no-such-resource")
            .arg("method", req.method())
            .arg("path", req.path()),
    ))
}

/// A problem in the language the client asks for (`Accept-Language`): the
/// title of its code, and the field messages the catalogue has (the
/// single-field detail with them); the code and every other part stay, so
/// clients that read codes see no change. Messages the catalogue lacks stay
/// in English.
async fn in_language<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
    lang: Lang,
) -> actix_web::Result<ServiceResponse<EitherBody<B>>> {
    let (req, response) = res.into_parts();
    let said = response.extensions().get::<Translatable>().cloned();
    let (head, body) = response.into_parts();
    let bytes = actix_web::body::to_bytes(body)
        .await
        .map_err(|_| actix_web::error::ErrorInternalServerError("a problem's body"))?;
    let translated = match serde_json::from_slice::<serde_json::Value>(&bytes) {
        Ok(mut problem) => {
            translate(&mut problem, lang, said.as_ref().map(|t| &t.0));
            serde_json::to_vec(&problem).unwrap_or_else(|_| bytes.to_vec())
        }
        Err(_) => bytes.to_vec(),
    };
    let mut response = head.set_body(translated);
    response.headers_mut().insert(
        header::CONTENT_LANGUAGE,
        header::HeaderValue::from_static(lang.tag()),
    );
    Ok(ServiceResponse::new(req, response.map_into_boxed_body()).map_into_right_body())
}

/// Translates a problem's title, detail and field messages in place: the
/// words of `error` the catalogues hold, else the common field messages
/// they have.
fn translate(problem: &mut serde_json::Value, lang: Lang, error: Option<&AppError>) {
    if let Some(title) = problem["code"]
        .as_str()
        .and_then(|code| i18n::problem_title(lang, code))
    {
        problem["title"] = title.into();
    }
    let mut single = None;
    if let Some(errors) = problem["errors"].as_array_mut() {
        let count = errors.len();
        for (i, field) in errors.iter_mut().enumerate() {
            let said = error
                .and_then(|e| e.errors.get(i))
                .filter(|f| f.said.is_some())
                .map(|f| f.message_in(lang));
            let Some(message) = said else {
                continue;
            };
            if count == 1 {
                single = field["field"].as_str().map(|f| format!("{f}: {message}"));
            }
            field["message"] = message.into();
        }
    }
    if let Some(detail) = error
        .filter(|e| e.has_detail_said())
        .map(|e| e.detail_in(lang))
        .or(single)
    {
        problem["detail"] = detail.into();
    }
}

/// Rewrites any other error response that is not yet problem+json.
pub fn middleware<B: MessageBody + 'static>() -> ErrorHandlers<B> {
    ErrorHandlers::new().default_handler(rewrite_as_problem)
}

fn rewrite_as_problem<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    // Problems and pages (HTML) are already answered in their own form.
    let answered = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| {
            let value = value.as_bytes();
            value.starts_with(PROBLEM_JSON.as_bytes()) || value.starts_with(b"text/html")
        });
    if answered {
        let lang = res
            .request()
            .headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(Lang::from_accept_language)
            .unwrap_or(Lang::En);
        let is_problem = res
            .headers()
            .get(header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
        if lang != Lang::En && is_problem {
            return Ok(ErrorHandlerResponse::Future(Box::pin(in_language(
                res, lang,
            ))));
        }
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

#[cfg(test)]
mod tests {
    use crate::domain::language::Lang;
    use crate::error::ErrorCode;
    use crate::i18n::problem_title;

    /// Every code an error answer can carry has its title in every
    /// language, the English one the same as the code's own.
    #[test]
    fn every_problem_code_has_a_title_in_every_language() {
        for code in ErrorCode::ALL {
            assert_eq!(
                problem_title(Lang::En, code.as_str()).as_deref(),
                Some(code.title()),
                "{code}"
            );
            for lang in Lang::ALL {
                assert!(
                    problem_title(lang, code.as_str()).is_some(),
                    "{code} in {}",
                    lang.tag()
                );
            }
        }
    }
}
