//! Switching the pages' language: before sign-in for this browser (a
//! cookie), signed in for the user (kept with the account, and the cookie).

use super::errors::local_path;
use super::language::LANG_COOKIE;
use super::session::{PageError, Session};
use crate::domain::language::Lang;
use crate::service::accounts;
use crate::store::Db;
use actix_web::cookie::{time, Cookie, SameSite};
use actix_web::http::header;
use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;

fn switched(lang: Lang, back: Option<&str>) -> HttpResponse {
    let cookie = Cookie::build(LANG_COOKIE, lang.tag())
        .path("/")
        .same_site(SameSite::Lax)
        .max_age(time::Duration::days(365))
        .finish();
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, local_path(back)))
        .cookie(cookie)
        .finish()
}

#[derive(Deserialize)]
pub struct SwitchQuery {
    to: String,
    back: Option<String>,
}

/// Switches this browser's language (pages before sign-in): a cookie only.
#[get("/language")]
pub async fn switch_browser(query: web::Query<SwitchQuery>) -> HttpResponse {
    let lang = Lang::parse(&query.to).unwrap_or(Lang::En);
    switched(lang, query.back.as_deref())
}

#[derive(Deserialize)]
pub struct SwitchForm {
    csrf: String,
    to: String,
    back: Option<String>,
}

/// Switches the signed-in user's language, remembered with the user.
#[post("/language")]
pub async fn switch_user(
    db: web::Data<Db>,
    session: Session,
    form: web::Form<SwitchForm>,
) -> Result<HttpResponse, PageError> {
    session.check_csrf(&form.csrf)?;
    let lang = Lang::parse(&form.to).unwrap_or(Lang::En);
    let user_id = session.caller.user_id;
    db.write(move |c| accounts::set_language(c, user_id, lang))
        .await?;
    Ok(switched(lang, form.back.as_deref()))
}

#[cfg(test)]
mod tests {
    use super::super::errors::local_path;

    #[test]
    fn the_way_back_stays_on_this_site() {
        for (back, to) in [
            (Some("/inspect/batches/3"), "/inspect/batches/3"),
            (Some("/orders/1?x=2"), "/orders/1?x=2"),
            (Some("//evil.example/"), "/"),
            (Some("https://evil.example/"), "/"),
            (Some("/\\evil.example"), "/"),
            (None, "/"),
        ] {
            assert_eq!(local_path(back), to, "{back:?}");
        }
    }
}
