//! User accounts (admins only).

use super::auth::perm::ManageUsers;
use super::auth::Allowed;
use super::extract::ApiJson;
use crate::error::{AppResult, Problem};
use crate::service::accounts::{self, NewPassword, NewUser, User};
use crate::service::audit::Actor;
use crate::store::{Db, DbConnection};
use actix_web::{get, post, web, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn config(cfg: &mut ServiceConfig) {
    cfg.service(add_user)
        .service(list_users)
        .service(disable_user)
        .service(enable_user)
        .service(reset_password);
}

/// Sets a user's password and signs the user out everywhere.
#[utoipa::path(tag = "users", request_body = NewPassword,
    responses((status = 200, body = User), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 422, body = Problem)))]
#[post("/users/{id}/password")]
pub async fn reset_password(
    db: web::Data<Db>,
    caller: Allowed<ManageUsers>,
    id: web::Path<i64>,
    body: ApiJson<NewPassword>,
) -> AppResult<web::Json<User>> {
    let id = id.into_inner();
    Ok(web::Json(
        db.write(move |c| accounts::reset_password(c, &caller.actor(), id, body.0))
            .await?,
    ))
}

#[utoipa::path(tag = "users", request_body = NewUser,
    responses((status = 201, body = User), (status = 403, body = Problem), (status = 409, body = Problem),
              (status = 422, body = Problem)))]
#[post("/users")]
pub async fn add_user(
    db: web::Data<Db>,
    caller: Allowed<ManageUsers>,
    body: ApiJson<NewUser>,
) -> AppResult<HttpResponse> {
    let user = db
        .write(move |c| accounts::add_user(c, &caller.actor(), body.0))
        .await?;
    Ok(HttpResponse::Created().json(user))
}

#[utoipa::path(tag = "users",
    responses((status = 200, body = Vec<User>), (status = 403, body = Problem)))]
#[get("/users")]
pub async fn list_users(
    db: web::Data<Db>,
    _caller: Allowed<ManageUsers>,
) -> AppResult<web::Json<Vec<User>>> {
    Ok(web::Json(db.read(accounts::list_users).await?))
}

/// Disables a user and revokes its tokens and sessions. The last active
/// admin cannot be disabled (409 `last_admin`), not even by itself.
#[utoipa::path(tag = "users",
    responses((status = 200, body = User), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, body = Problem)))]
#[post("/users/{id}/disable")]
pub async fn disable_user(
    db: web::Data<Db>,
    caller: Allowed<ManageUsers>,
    id: web::Path<i64>,
) -> AppResult<web::Json<User>> {
    change_user(db, caller, id.into_inner(), accounts::disable_user).await
}

/// Enables a disabled user again; it signs in anew.
#[utoipa::path(tag = "users",
    responses((status = 200, body = User), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[post("/users/{id}/enable")]
pub async fn enable_user(
    db: web::Data<Db>,
    caller: Allowed<ManageUsers>,
    id: web::Path<i64>,
) -> AppResult<web::Json<User>> {
    change_user(db, caller, id.into_inner(), accounts::enable_user).await
}

/// Applies `change` (disable, enable) to the user with this id.
async fn change_user(
    db: web::Data<Db>,
    caller: Allowed<ManageUsers>,
    id: i64,
    change: fn(&mut DbConnection, &Actor, &str) -> AppResult<User>,
) -> AppResult<web::Json<User>> {
    let user = db
        .write(move |c| {
            let username = accounts::get_user(c, id)?.username;
            change(c, &caller.actor(), &username)
        })
        .await?;
    Ok(web::Json(user))
}
