//! Signing a batch's decision from its page: the form's entries go to the
//! service under the sign-in throttle ([`dispositions::sign_as_person`]); a
//! refusal shows the batch page again with each message beside its field.

use super::batches::{load_batch, render_batch};
use super::disposition::{meaning_from, SignForm};
use super::forms::FormErrors;
use super::session::{html_response, PageError, Session};
use crate::api::auth::client_address;
use crate::domain::access::Permission;
use crate::error::AppError;
use crate::error::Message;
use crate::service::auth::AuthSettings;
use crate::service::dispositions::{self, SignDisposition};
use crate::store::Db;
use actix_web::{post, web, HttpRequest, HttpResponse};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct SignFields {
    csrf: String,
    meaning: Option<String>,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    password: String,
    supersedes: Option<i64>,
}

/// Signs a decision from the form; a refusal shows the batch page again
/// with each message beside its field and the entries kept.
#[post("/batches/{id}/disposition")]
pub async fn sign(
    req: HttpRequest,
    db: web::Data<Db>,
    settings: web::Data<AuthSettings>,
    session: Session,
    id: web::Path<i64>,
    fields: web::Form<SignFields>,
) -> Result<HttpResponse, PageError> {
    session.check_csrf(&fields.csrf)?;
    session.caller.require(Permission::SignDispositions)?;
    let batch_id = id.into_inner();
    let fields = fields.into_inner();
    let meaning = fields.meaning.as_deref().and_then(meaning_from);
    let signed = match meaning {
        None => Err(AppError::invalid(
            "meaning",
            Message::new("sign-meaning-missing"),
        )),
        Some(meaning) => {
            let request = SignDisposition {
                password: fields.password,
                meaning,
                comment: fields.comment.clone(),
                supersedes: fields.supersedes,
            };
            submit(&req, &db, settings, &session, batch_id, request).await
        }
    };
    let Err(error) = signed else {
        return Ok(HttpResponse::SeeOther()
            .insert_header(("Location", format!("/batches/{batch_id}#disposition")))
            .finish());
    };
    // Errors that are not about the form (no such batch) are pages of their own.
    if !matches!(error.status().as_u16(), 409 | 422 | 429) {
        return Err(error.into());
    }
    let status = error.status();
    let form = SignForm {
        meaning,
        comment: fields.comment,
        errors: FormErrors::from_error(session.lang, &error),
    };
    let data = load_batch(&db, &session, batch_id).await?;
    Ok(html_response(status).body(render_batch(&session, &data, &form).into_string()))
}

/// Signs through the service, under the sign-in throttle: a wrong password
/// answers after its delay.
async fn submit(
    req: &HttpRequest,
    db: &Db,
    settings: web::Data<AuthSettings>,
    session: &Session,
    batch_id: i64,
    request: SignDisposition,
) -> Result<(), AppError> {
    let (address, actor) = (client_address(req), session.caller.actor());
    let settings = settings.into_inner();
    let signing = db
        .write(move |c| {
            dispositions::sign_as_person(c, &settings, &address, &actor, batch_id, request)
        })
        .await?;
    signing.answer().await.map(|_| ())
}
