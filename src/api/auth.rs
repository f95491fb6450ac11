//! Signing in and out of the API, and who the caller is.

use super::extract::ApiJson;
use crate::error::Message;
use crate::error::{AppError, AppResult, ErrorCode, OrInternal, Problem};
use crate::service::auth::{self, AuthSettings, Caller, IssuedToken, LoginOutcome, TokenKind};
use crate::store::Db;
use actix_web::body::MessageBody;
use actix_web::dev::Payload;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::HttpMessage;
use actix_web::{delete, get, post, web, FromRequest, HttpRequest, HttpResponse};
use futures_util::future::{ready, Ready};
use serde::Deserialize;
use std::marker::PhantomData;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn config(cfg: &mut ServiceConfig) {
    cfg.service(create_token)
        .service(revoke_token)
        .service(whoami);
}

/// The bearer token of a request, if it carries one.
fn bearer_token(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
}

/// The browser session's cookie (set by the sign-in page).
pub const SESSION_COOKIE: &str = "lotcheck_session";

/// The header in which the pages' scripts send the session's CSRF token.
pub const CSRF_HEADER: &str = "X-CSRF-Token";

/// What the middleware found out about a request's credentials.
#[derive(Clone)]
struct Authentication(Result<Caller, AppError>);

/// Middleware of the API scope: a request that carries a bearer token, or
/// a browser page's session cookie, is authenticated before anything else
/// of it is read (so a refusal can never be overtaken by, say, a body
/// error). The outcome waits in the request's extensions for the
/// [`Caller`] extractor, so a page's script meets exactly the access rules
/// a token meets; public routes ignore it.
///
/// A session is a cookie the browser sends by itself, so every request
/// with it that changes data must also carry the session's CSRF token in
/// `X-CSRF-Token`, which only the site's own pages know.
pub async fn authenticate(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let credentials = match bearer_token(req.request()) {
        Some(token) => Some((token, TokenKind::Bearer)),
        None => req
            .cookie(SESSION_COOKIE)
            .map(|c| (c.value().to_string(), TokenKind::Session)),
    };
    if let Some((secret, kind)) = credentials {
        let db = req
            .app_data::<web::Data<Db>>()
            .cloned()
            .or_internal("the app holds its database")?;
        let submitted = req
            .headers()
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let safe = req.method().is_safe();
        let outcome = db
            .read_here(move |c| auth::authenticate(c, &secret, kind))
            .await
            .and_then(|(caller, csrf)| match (kind, csrf) {
                (TokenKind::Session, csrf) if !safe => {
                    let matches = csrf
                        .zip(submitted)
                        .is_some_and(|(csrf, s)| same_secret(&s, &csrf));
                    if matches {
                        Ok(caller)
                    } else {
                        Err(AppError::new(
                            ErrorCode::CsrfToken,
                            Message::new("err-csrf").arg("header", CSRF_HEADER),
                        ))
                    }
                }
                _ => Ok(caller),
            });
        req.extensions_mut().insert(Authentication(outcome));
    }
    next.call(req).await
}

/// Compares two secrets in time independent of where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Every API route but sign-in takes a `Caller`, or answers 401.
impl FromRequest for Caller {
    type Error = AppError;
    type Future = Ready<Result<Caller, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let found = req
            .extensions()
            .get::<Authentication>()
            .map(|a| a.0.clone());
        ready(
            found.unwrap_or_else(|| Err(AppError::unauthorized(Message::new("err-sign-in-first")))),
        )
    }
}

/// Permissions named as types, declared with the rules they stand for.
pub use crate::domain::access::{perm, RequiredPermission};

/// A caller whose role holds permission `P`; otherwise a 403 (or 401
/// without valid credentials).
pub struct Allowed<P>(pub Caller, PhantomData<P>);

impl<P> std::ops::Deref for Allowed<P> {
    type Target = Caller;

    fn deref(&self) -> &Caller {
        &self.0
    }
}

impl<P: RequiredPermission + 'static> FromRequest for Allowed<P> {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let allowed = Caller::from_request(req, payload)
            .into_inner()
            .and_then(|caller| {
                caller
                    .require(P::PERMISSION)
                    .map(|()| Allowed(caller, PhantomData))
            });
        ready(allowed)
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

/// The address a login comes from, for throttling and the audit log: the
/// TCP peer, or what trusted proxies say (see [`super::proxy`]).
pub fn client_address(req: &HttpRequest) -> String {
    super::proxy::client_address(req)
}

/// Answers a login outcome: the token, or a refusal after the throttling delay.
pub async fn settle(outcome: LoginOutcome) -> Result<IssuedToken, AppError> {
    match outcome {
        LoginOutcome::Granted(token) => Ok(token),
        LoginOutcome::Refused { delay } => {
            actix_web::rt::time::sleep(delay).await;
            Err(AppError::unauthorized(Message::new(
                "err-wrong-credentials",
            )))
        }
        LoginOutcome::Locked { retry_after } => {
            let minutes = retry_after.as_secs().div_ceil(60).max(1);
            let key = if minutes == 1 {
                "err-sign-ins-locked-minute"
            } else {
                "err-sign-ins-locked"
            };
            Err(AppError::too_many_requests(
                Message::new(key).arg("minutes", minutes),
                retry_after,
            ))
        }
    }
}

/// Issues a bearer token (256 random bits; only its hash is stored).
/// Repeated failures for one username or address are slowed, then refused
/// for a while (429).
#[utoipa::path(tag = "auth", request_body = Credentials, security(()),
    responses((status = 200, body = IssuedToken), (status = 401, body = Problem), (status = 429, body = Problem)))]
#[post("/auth/token")]
pub async fn create_token(
    req: HttpRequest,
    db: web::Data<Db>,
    settings: web::Data<AuthSettings>,
    body: ApiJson<Credentials>,
) -> AppResult<HttpResponse> {
    let address = client_address(&req);
    let settings = settings.into_inner();
    let Credentials { username, password } = body.0;
    let outcome = db
        .write(move |c| {
            auth::login(
                c,
                &settings,
                &username,
                &password,
                &address,
                TokenKind::Bearer,
            )
        })
        .await?;
    let token = settle(outcome).await?;
    Ok(HttpResponse::Ok().json(token))
}

/// Revokes the token this request carries.
#[utoipa::path(tag = "auth",
    responses((status = 204, description = "revoked"), (status = 401, body = Problem)))]
#[delete("/auth/token")]
pub async fn revoke_token(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
) -> AppResult<HttpResponse> {
    let token =
        bearer_token(&req).or_internal("an authenticated request carries its bearer token")?;
    db.write(move |c| auth::revoke(c, &caller, &token)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The signed-in user.
#[utoipa::path(tag = "auth",
    responses((status = 200, body = Caller), (status = 401, body = Problem)))]
#[get("/auth/me")]
pub async fn whoami(caller: Caller) -> web::Json<Caller> {
    web::Json(caller)
}
