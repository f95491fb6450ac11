//! User accounts: adding, listing and disabling users.

use super::audit::{self, Actor};
use super::{required_text, utc};
use crate::domain::access::Role;
use crate::error::{AppError, AppResult, ErrorCode, Message, OnUniqueViolation, Violations};
use crate::store::accounts::{self as store, UserRow};
use crate::store::catalog::find_customer;
use crate::store::{now, DbConnection};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::sync::OnceLock;
use utoipa::ToSchema;

/// NIST SP 800-63B §5.1.1.2: memorized secrets of at least 8 characters,
/// and at least 64 allowed.
pub const MIN_PASSWORD_CHARS: usize = 8;
pub const MAX_PASSWORD_CHARS: usize = 256;

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub username: String,
    pub password: String,
    pub role: Role,
    /// Required for the `customer` role, refused for the others.
    pub customer_id: Option<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub role: Role,
    pub customer_id: Option<i64>,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
}

impl TryFrom<UserRow> for User {
    type Error = AppError;

    fn try_from(row: UserRow) -> AppResult<Self> {
        let role = Role::parse(&row.role).ok_or_else(|| {
            AppError::internal(format!("stored role is not recognised: user {}", row.id))
        })?;
        Ok(Self {
            id: row.id,
            username: row.username,
            role,
            customer_id: row.customer_id,
            disabled: row.disabled,
            created_at: utc(row.created_at),
        })
    }
}

/// Argon2id with the crate's defaults (v19, m = 19 MiB, t = 2, p = 1: the
/// OWASP Password Storage Cheat Sheet's first recommendation).
pub fn hash_password(password: &str) -> AppResult<String> {
    let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>())
        .map_err(|e| AppError::internal(format!("a random salt encodes: {e}")))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| AppError::internal(format!("password hashing failed: {}", e)))
}

pub fn verify_password(stored_hash: &str, password: &str) -> bool {
    PasswordHash::new(stored_hash).is_ok_and(|hash| {
        Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok()
    })
}

/// Spends the same work as a real check when the username is unknown, so
/// timing does not tell which usernames exist.
pub fn verify_against_nobody(password: &str) {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let dummy =
        DUMMY.get_or_init(|| hash_password("no user has this password").unwrap_or_default());
    let _ = verify_password(dummy, password);
}

pub fn add_user(conn: &mut DbConnection, actor: &Actor, input: NewUser) -> AppResult<User> {
    let mut problems = Violations::default();
    let username = required_text(&input.username, 64);
    match &username {
        Err(m) => problems.add("username", m.clone()),
        Ok(name)
            if !name
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@')) =>
        {
            problems.add("username", Message::new("err-username-characters"))
        }
        Ok(_) => {}
    }
    if let Err(message) = check_password(&input.password) {
        problems.add("password", message);
    }
    match (input.role, input.customer_id) {
        (Role::Customer, None) => problems.add(
            "customer_id",
            Message::new("err-customer-user-needs-customer"),
        ),
        (Role::Customer, Some(id)) if find_customer(conn, id)?.is_none() => {
            problems.add("customer_id", Message::new("err-no-customer").arg("id", id))
        }
        (role, Some(_)) if role != Role::Customer => {
            problems.add("customer_id", Message::new("err-only-customer-users"))
        }
        _ => {}
    }
    problems.into_result()?;
    let username = username.unwrap_or_default();
    let password_hash = hash_password(&input.password)?;
    let id = store::insert_user(
        conn,
        &store::NewUser {
            username,
            password_hash: &password_hash,
            role: input.role.as_str(),
            customer_id: input.customer_id,
            disabled: false,
            created_at: now(),
        },
    )
    .on_unique_violation(|| {
        AppError::conflict(
            ErrorCode::UserExists,
            Message::new("err-user-exists").arg("name", username),
        )
        .with_field("username")
    })?;
    audit::record(
        conn,
        actor,
        "user.add",
        format!("user/{id}"),
        json!({"username": username, "role": input.role, "customer_id": input.customer_id}),
    )?;
    get_user(conn, id)
}

pub fn get_user(conn: &mut DbConnection, id: i64) -> AppResult<User> {
    store::find_user(conn, id)?
        .ok_or_else(|| AppError::not_found(Message::new("err-not-found-user").arg("name", id)))?
        .try_into()
}

pub fn list_users(conn: &mut DbConnection) -> AppResult<Vec<User>> {
    store::list_users(conn)?
        .into_iter()
        .map(User::try_from)
        .collect()
}

/// Disables a user and revokes every token and session it holds. The last
/// active admin cannot be disabled (409 `last_admin`), by another admin,
/// by itself or from the command line: no one would be left to manage
/// users. An admin may disable its own account while another active admin
/// remains (say on leaving the plant): that admin, or
/// `lotcheck user enable`, can undo it.
pub fn disable_user(conn: &mut DbConnection, actor: &Actor, username: &str) -> AppResult<User> {
    let user = store::find_user_by_name(conn, username)?.ok_or_else(|| {
        AppError::not_found(Message::new("err-not-found-user").arg("name", username))
    })?;
    if !user.disabled && user.role == Role::Admin.as_str() {
        let admins = store::lock_active_admins(conn)?;
        if admins.iter().all(|&id| id == user.id) {
            return Err(AppError::conflict(
                ErrorCode::LastAdmin,
                Message::new("err-last-admin").arg("name", username),
            ));
        }
    }
    store::set_disabled(conn, user.id, true)?;
    let revoked = store::revoke_tokens_of(conn, user.id, now())?;
    audit::record(
        conn,
        actor,
        "user.disable",
        format!("user/{}", user.id),
        json!({"username": username, "tokens_revoked": revoked}),
    )?;
    get_user(conn, user.id)
}

/// Enables a disabled user again; it signs in anew (its old tokens stay
/// revoked). Enabling a user that is not disabled changes nothing.
pub fn enable_user(conn: &mut DbConnection, actor: &Actor, username: &str) -> AppResult<User> {
    let user = store::find_user_by_name(conn, username)?.ok_or_else(|| {
        AppError::not_found(Message::new("err-not-found-user").arg("name", username))
    })?;
    if user.disabled {
        store::set_disabled(conn, user.id, false)?;
        audit::record(
            conn,
            actor,
            "user.enable",
            format!("user/{}", user.id),
            json!({"username": username}),
        )?;
    }
    get_user(conn, user.id)
}

/// A password's length rule.
fn check_password(password: &str) -> Result<(), Message> {
    let length = password.chars().count();
    if (MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&length) {
        Ok(())
    } else {
        Err(Message::new("err-password-length")
            .arg("min", MIN_PASSWORD_CHARS)
            .arg("max", MAX_PASSWORD_CHARS))
    }
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPassword {
    pub password: String,
}

/// Sets a user's password (an admin's reset: the user forgot it, or it
/// leaked) and revokes the user's tokens and sessions, so whoever held the
/// old one is signed out. Audited, without the password.
pub fn reset_password(
    conn: &mut DbConnection,
    actor: &Actor,
    user_id: i64,
    input: NewPassword,
) -> AppResult<User> {
    let user = get_user(conn, user_id)?;
    check_password(&input.password).map_err(|m| AppError::invalid("password", m))?;
    store::set_password_hash(conn, user_id, &hash_password(&input.password)?)?;
    let revoked = store::revoke_tokens_of(conn, user_id, now())?;
    audit::record(
        conn,
        actor,
        "user.password_reset",
        format!("user/{user_id}"),
        json!({"username": user.username, "tokens_revoked": revoked}),
    )?;
    Ok(user)
}

pub fn count_users(conn: &mut DbConnection) -> AppResult<i64> {
    Ok(store::count_users(conn)?)
}

/// Remembers the language a user chose for pages and reports.
pub fn set_language(
    conn: &mut DbConnection,
    user_id: i64,
    lang: crate::domain::language::Lang,
) -> AppResult<()> {
    store::set_language(conn, user_id, lang.tag())?;
    Ok(())
}
