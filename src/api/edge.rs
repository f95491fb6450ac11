//! What every request goes through, pages and API alike, outermost first:
//!
//! 1. [`request_id`]: the request's id, taken from a sane `X-Request-Id` or
//!    made up (a UUID), and returned in `X-Request-Id`;
//! 2. the root span of its log lines ([`RootSpan`], through
//!    tracing-actix-web), carrying that id, the method, the route pattern
//!    and the client's address;
//! 3. [`observe`]: one access-log line (target `lotcheck::access`) and the
//!    metrics, with the final status;
//! 4. [`body_deadline`]: a body must arrive within the body timeout, or the
//!    request is answered 408 and the connection closed;
//! 5. [`frame_guard`]: no page may be framed by another site.

use super::metrics::{Metrics, UNMATCHED};
use super::proxy;
use crate::domain::text::{self, TextKind};
use crate::error::Message;
use crate::error::{AppError, ErrorCode};
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::ConnectionType;
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, ResponseError};
use futures_util::Stream;
use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tracing::Span;
use tracing_actix_web::RootSpanBuilder;

pub const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The id of a request, in its extensions, its log lines and its answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub String);

/// An id a client (or a proxy) sent that is fit to log and to send back:
/// 1 to 128 characters among letters, digits and `-_.:+/=`.
fn sane_request_id(value: &HeaderValue) -> Option<String> {
    let id = value.to_str().ok()?;
    let fits = !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:+/=".contains(&b));
    fits.then(|| id.to_string())
}

// The middlewares below hold no clone of the request while the inner
// service runs: routing needs it unshared. An error passed up instead of a
// response (only a failing middleware does that; handlers' errors are
// responses by then) goes on up, to be answered by actix.

/// Outermost: gives the request its id and returns it in `X-Request-Id`.
pub async fn request_id(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = req
        .headers()
        .get(X_REQUEST_ID)
        .and_then(sane_request_id)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    req.extensions_mut().insert(RequestId(id.clone()));
    let mut response = next.call(req).await?;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(X_REQUEST_ID, value);
    }
    Ok(response)
}

/// The root span of a request's log lines: its id, method, route pattern
/// and client address (as [`proxy`] believes it), and its status at the end.
pub struct RootSpan;

impl RootSpanBuilder for RootSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let id = request
            .extensions()
            .get::<RequestId>()
            .map(|r| r.0.clone())
            .unwrap_or_default();
        let route = request.match_pattern();
        tracing::info_span!(
            "request",
            request_id = %id,
            method = %request.method(),
            route = route.as_deref().unwrap_or(UNMATCHED),
            client = %proxy::client_address(request.request()),
            status = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(
        span: Span,
        outcome: &Result<ServiceResponse<B>, actix_web::Error>,
    ) {
        let status = match outcome {
            Ok(response) => response.status(),
            Err(error) => error.as_response_error().status_code(),
        };
        span.record("status", status.as_u16());
    }
}

/// Inside the root span: the access-log line and the metrics of the request.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = req.method().clone();
    let path = req.path().to_string();
    let route = req.match_pattern();
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let outcome = next.call(req).await;
    let elapsed = started.elapsed();
    let status = match &outcome {
        Ok(response) => response.status(),
        Err(error) => error.as_response_error().status_code(),
    };
    if let Some(metrics) = metrics {
        metrics.observe(&method, route.as_deref(), status, elapsed);
    }
    let latency_ms = (elapsed.as_secs_f64() * 1e4).round() / 10.0;
    tracing::info!(
        target: "lotcheck::access",
        method = %method,
        route = route.as_deref().unwrap_or(UNMATCHED),
        status = status.as_u16(),
        latency_ms,
        "{method} {path} {} in {latency_ms} ms",
        status.as_u16(),
    );
    outcome
}

/// How long a request's body may take to arrive.
#[derive(Debug, Clone, Copy)]
pub struct BodyTimeout(pub Duration);

/// A request body that fails once its deadline has passed.
struct Deadline<S> {
    inner: S,
    timer: Pin<Box<actix_web::rt::time::Sleep>>,
    expired: Rc<Cell<bool>>,
}

impl<S> Stream for Deadline<S>
where
    S: Stream<Item = Result<web::Bytes, PayloadError>> + Unpin,
{
    type Item = S::Item;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.expired.get() {
            return Poll::Ready(None);
        }
        if let Poll::Ready(item) = Pin::new(&mut self.inner).poll_next(cx) {
            return Poll::Ready(item);
        }
        if self.timer.as_mut().poll(cx).is_ready() {
            self.expired.set(true);
            let late =
                std::io::Error::new(std::io::ErrorKind::TimedOut, "the body came too slowly");
            return Poll::Ready(Some(Err(late.into())));
        }
        Poll::Pending
    }
}

/// A body must arrive whole within the body timeout (counted from its
/// head); a client that trickles it is answered 408 and disconnected.
pub async fn body_deadline<B: MessageBody + 'static>(
    mut req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    let limit = req
        .app_data::<web::Data<BodyTimeout>>()
        .map(|t| t.0)
        .filter(|t| !t.is_zero());
    let has_body = req.headers().contains_key(header::TRANSFER_ENCODING)
        || req
            .headers()
            .get(header::CONTENT_LENGTH)
            .is_some_and(|v| v.as_bytes() != b"0");
    let Some(limit) = limit.filter(|_| has_body) else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let expired = Rc::new(Cell::new(false));
    let body = Deadline {
        inner: req.take_payload(),
        timer: Box::pin(actix_web::rt::time::sleep(limit)),
        expired: expired.clone(),
    };
    let body: Pin<Box<dyn Stream<Item = Result<web::Bytes, PayloadError>>>> = Box::pin(body);
    req.set_payload(Payload::from(body));
    let response = next.call(req).await?;
    if !expired.get() {
        return Ok(response.map_into_left_body());
    }
    let mut late = AppError::new(
        ErrorCode::RequestTimeout,
        Message::new("err-body-timeout").arg("seconds", limit.as_secs_f64()),
    )
    .error_response();
    late.head_mut().set_connection_type(ConnectionType::Close);
    let (request, _) = response.into_parts();
    Ok(ServiceResponse::new(request, late).map_into_right_body())
}

/// No query parameter (API or page) holds a control character: the same
/// rule as for JSON text (`domain::text`), applied once for every route's
/// filters, so none reaches a query (PostgreSQL refuses U+0000 in text).
/// A refusal is 400 `bad_query` naming the parameter.
pub async fn plain_query(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let offending = web::Query::<Vec<(String, String)>>::from_query(req.query_string())
        .ok()
        .and_then(|pairs| {
            pairs.0.into_iter().find_map(|(name, value)| {
                text::check(&name, TextKind::Line)
                    .and_then(|()| text::check(&value, TextKind::Line))
                    .err()
                    .map(|message| (name, message))
            })
        });
    let Some((name, message)) = offending else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let field: String = name.chars().filter(|c| !c.is_control()).take(40).collect();
    let refusal = AppError::new(ErrorCode::BadQuery, format!("{field}: {message}"))
        .with_field(field)
        .error_response();
    Ok(req.into_response(refusal).map_into_right_body())
}

/// No other site may frame any answer (clickjacking):
/// `X-Frame-Options: DENY`, and `frame-ancestors 'none'` in the
/// `Content-Security-Policy` (added to one the answer already has).
pub async fn frame_guard(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut response = next.call(req).await?;
    let headers = response.headers_mut();
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    let policy = match headers
        .get(header::CONTENT_SECURITY_POLICY)
        .and_then(|v| v.to_str().ok())
    {
        None => Some("frame-ancestors 'none'".to_string()),
        Some(policy) if !policy.contains("frame-ancestors") => {
            Some(format!("{policy}; frame-ancestors 'none'"))
        }
        Some(_) => None,
    };
    if let Some(value) = policy.and_then(|p| HeaderValue::from_str(&p).ok()) {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::sane_request_id;
    use actix_web::http::header::HeaderValue;

    #[test]
    fn request_ids_are_kept_only_when_sane() {
        let kept = |v: &str| sane_request_id(&HeaderValue::from_str(v).unwrap());
        assert_eq!(kept("abc-123_DEF.4").as_deref(), Some("abc-123_DEF.4"));
        assert_eq!(
            kept("3f0c9a5e-7d1b-4c1e-9b0a-2f4e6d8c0a1b").as_deref(),
            Some("3f0c9a5e-7d1b-4c1e-9b0a-2f4e6d8c0a1b")
        );
        assert_eq!(kept("dGVzdA=="), Some("dGVzdA==".into()));
        assert_eq!(kept(""), None);
        assert_eq!(kept("two words"), None);
        assert_eq!(kept("x\"y"), None);
        assert_eq!(kept("{\"json\":1}"), None);
        assert_eq!(kept(&"a".repeat(129)), None);
        assert!(kept(&"a".repeat(128)).is_some());
    }
}
