//! Signing in and out of the browser pages.

pub use super::errors::PageError;
use super::errors::{local_path, SignedIn};
use super::language::request_lang;
pub use super::layout::html_response;
use super::layout::{page, Frame};
use crate::api::auth::{client_address, same_secret, settle};
use crate::domain::access::{permits, Permission, Role};
use crate::domain::language::Lang;
use crate::service::auth::{self, random_secret, AuthSettings, Caller, TokenKind};
use crate::store::Db;
use actix_web::cookie::{time, Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::http::{header, StatusCode};
use actix_web::{get, post, web, FromRequest, HttpMessage, HttpRequest, HttpResponse};
use futures_util::future::LocalBoxFuture;
use maud::{html, Markup};
use serde::Deserialize;

pub use crate::api::auth::SESSION_COOKIE;
const LOGIN_CSRF_COOKIE: &str = "lotcheck_login_csrf";

/// A cookie only this site's own pages send back: HttpOnly, SameSite=Strict,
/// and Secure when the request came over TLS, as the connection or a
/// trusted proxy tells (or the settings demand it).
fn cookie(
    req: &HttpRequest,
    settings: &AuthSettings,
    name: &'static str,
    value: String,
) -> Cookie<'static> {
    let secure = settings.secure_cookies || crate::api::proxy::is_https(req);
    Cookie::build(name, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .finish()
}

/// A signed-in browser user, the session's CSRF token, the language of
/// the user's pages and the page asked for (the way back after switching
/// language).
pub struct Session {
    pub caller: Caller,
    pub csrf: String,
    pub lang: Lang,
    pub path: String,
    /// The site's time zone.
    pub zone: chrono_tz::Tz,
}

impl Session {
    /// The frame of this user's pages.
    pub fn frame(&self) -> Frame<'_> {
        Frame {
            lang: self.lang,
            path: &self.path,
            signed_in: Some((&self.caller, &self.csrf)),
        }
    }

    /// A moment in the site's time zone, with the zone named.
    pub fn when(&self, moment: chrono::DateTime<chrono::Utc>) -> String {
        super::layout::when_in(moment, self.zone)
    }

    /// The day of a moment in the site's time zone.
    pub fn day(&self, moment: chrono::DateTime<chrono::Utc>) -> String {
        moment
            .with_timezone(&self.zone)
            .format("%Y-%m-%d")
            .to_string()
    }

    /// A message of the catalogue in the user's language.
    pub fn t(&self, key: &str) -> String {
        crate::i18n::text(self.lang, key)
    }

    /// Refuses a form whose CSRF token is not this session's.
    pub fn check_csrf(&self, submitted: &str) -> Result<(), PageError> {
        if same_secret(submitted, &self.csrf) {
            Ok(())
        } else {
            Err(PageError::Expired)
        }
    }
}

impl FromRequest for Session {
    type Error = PageError;
    type Future = LocalBoxFuture<'static, Result<Self, PageError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let secret = req.cookie(SESSION_COOKIE).map(|c| c.value().to_string());
        let db = req.app_data::<web::Data<Db>>().cloned();
        let zone = req
            .app_data::<web::Data<crate::SiteZone>>()
            .map_or(chrono_tz::Tz::UTC, |z| z.0);
        let req = req.clone();
        Box::pin(async move {
            let (secret, db) = secret.zip(db).ok_or(PageError::SignIn)?;
            let (caller, csrf) = db
                .read_here(move |c| auth::authenticate(c, &secret, TokenKind::Session))
                .await
                .map_err(|_| PageError::SignIn)?;
            let lang = request_lang(&req, caller.language.as_deref());
            let csrf = csrf.unwrap_or_default();
            req.extensions_mut().insert(SignedIn {
                caller: caller.clone(),
                csrf: csrf.clone(),
                lang,
            });
            let path = match req.uri().path_and_query() {
                Some(path) => path.as_str().to_string(),
                None => "/".to_string(),
            };
            Ok(Session {
                caller,
                csrf,
                lang,
                path,
                zone,
            })
        })
    }
}

/// The sign-in page; `next` is the page to return to afterwards.
fn login_page(
    lang: Lang,
    csrf: &str,
    next: Option<&str>,
    username: &str,
    error: Option<&str>,
) -> Markup {
    let t = |key| crate::i18n::text(lang, key);
    page(
        &Frame::public(lang, "/login"),
        &t("sign-in-title"),
        html! {
            div.card.login {
                h1 { (t("sign-in-title")) }
                p.muted { (t("sign-in-subtitle")) }
                form method="post" action="/login" {
                    input type="hidden" name="csrf" value=(csrf);
                    @if let Some(next) = next { input type="hidden" name="next" value=(next); }
                    label for="username" { (t("username")) }
                    input #username type="text" name="username" value=(username) autocomplete="username" autofocus required;
                    label for="password" { (t("password")) }
                    input #password type="password" name="password" autocomplete="current-password" required;
                    @if let Some(error) = error { p.error role="alert" { (error) } }
                    button type="submit" { (t("sign-in-button")) }
                }
                p.muted { (t("verify-prompt")) " " a href="/verify" { (t("verify-link")) } }
            }
        },
    )
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

#[get("/login")]
pub async fn login_form(
    req: HttpRequest,
    settings: web::Data<AuthSettings>,
    query: web::Query<NextQuery>,
) -> HttpResponse {
    let csrf = random_secret();
    let next = query.next.as_deref().map(|n| local_path(Some(n)));
    let markup = login_page(request_lang(&req, None), &csrf, next, "", None);
    html_response(StatusCode::OK)
        .cookie(cookie(&req, &settings, LOGIN_CSRF_COOKIE, csrf))
        .body(markup.into_string())
}

#[derive(Deserialize)]
pub struct LoginForm {
    csrf: String,
    username: String,
    password: String,
    next: Option<String>,
}

#[post("/login")]
pub async fn login(
    req: HttpRequest,
    db: web::Data<Db>,
    settings: web::Data<AuthSettings>,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    let expected = req
        .cookie(LOGIN_CSRF_COOKIE)
        .map(|c| c.value().to_string())
        .unwrap_or_default();
    if expected.is_empty() || !same_secret(&form.csrf, &expected) {
        return Err(PageError::Expired);
    }
    let address = client_address(&req);
    let shared = settings.clone().into_inner();
    let (username, password) = (form.username.clone(), form.password.clone());
    let outcome = db
        .write(move |c| {
            auth::login(
                c,
                &shared,
                &username,
                &password,
                &address,
                TokenKind::Session,
            )
        })
        .await?;
    match settle(outcome).await {
        Ok(session) => {
            let mut session_cookie = cookie(&req, &settings, SESSION_COOKIE, session.token);
            session_cookie.set_max_age(time::Duration::seconds(
                settings.session_ttl.as_secs() as i64
            ));
            let mut spent = cookie(&req, &settings, LOGIN_CSRF_COOKIE, String::new());
            spent.make_removal();
            // Back to the page that asked for the sign-in; otherwise an
            // inspector's day starts at the batches to record, a lead's at
            // the dashboard.
            let start = match (&form.next, &session.caller) {
                (Some(next), _) => local_path(Some(next)),
                (None, Some(caller)) if caller.role == Role::Inspector => "/inspect",
                (None, Some(caller)) if permits(caller.role, Permission::SignDispositions) => {
                    "/dashboard"
                }
                _ => "/",
            };
            Ok(HttpResponse::SeeOther()
                .insert_header((header::LOCATION, start))
                .cookie(session_cookie)
                .cookie(spent)
                .finish())
        }
        Err(refusal) => {
            let markup = login_page(
                request_lang(&req, None),
                &expected,
                form.next.as_deref().map(|n| local_path(Some(n))),
                &form.username,
                Some(&refusal.detail),
            );
            let mut response = html_response(refusal.status());
            if let Some(retry_after) = refusal.retry_after_header() {
                response.insert_header(retry_after);
            }
            Ok(response.body(markup.into_string()))
        }
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

#[post("/logout")]
pub async fn logout(
    req: HttpRequest,
    db: web::Data<Db>,
    settings: web::Data<AuthSettings>,
    session: Session,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    session.check_csrf(&form.csrf)?;
    if let Some(secret) = req.cookie(SESSION_COOKIE).map(|c| c.value().to_string()) {
        let caller = session.caller.clone();
        db.write(move |c| auth::revoke(c, &caller, &secret)).await?;
    }
    let mut gone = cookie(&req, &settings, SESSION_COOKIE, String::new());
    gone.make_removal();
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/login"))
        .cookie(gone)
        .finish())
}
