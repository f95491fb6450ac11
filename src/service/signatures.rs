//! Electronic signatures (21 CFR Part 11 style): the signer enters the
//! sign-in password again, checked under the sign-in throttle. Wrong ones
//! count as failed sign-ins, are slowed, then refused for a while; each is
//! audited. A refusal is an outcome to commit, not a rollback.

use super::audit::Actor;
use super::auth::{self, AuthSettings, PasswordCheck};
use crate::domain::message::Message;
use crate::error::{AppError, AppResult, ErrorCode, OrInternal, Violations};
use crate::store::accounts::{find_user, UserRow};
use crate::store::DbConnection;
use std::time::Duration;

/// The outcome of a person's signature.
#[derive(Debug)]
pub enum Signing<T> {
    Signed(T),
    /// The password was wrong: answer `error` after `delay`.
    Refused {
        delay: Duration,
        error: AppError,
    },
    /// Too many wrong passwords (signatures and sign-ins together): refused
    /// without checking.
    Locked {
        error: AppError,
    },
}

impl<T> Signing<T> {
    /// The signed result, or the refusal after its delay.
    pub async fn answer(self) -> AppResult<T> {
        match self {
            Signing::Signed(signed) => Ok(signed),
            Signing::Refused { delay, error } => {
                actix_web::rt::time::sleep(delay).await;
                Err(error)
            }
            Signing::Locked { error } => Err(error),
        }
    }
}

/// The refusal of a wrong signing password.
pub fn wrong_password() -> AppError {
    AppError::invalid("password", Message::new("err-signing-password"))
}

/// Checks `password` as `actor`'s signature on `subject` (e.g.
/// `material_lot/4`), then runs `signed` with the signer's user id.
pub fn sign_as_person<T>(
    conn: &mut DbConnection,
    settings: &AuthSettings,
    address: &str,
    actor: &Actor,
    subject: String,
    password: &str,
    signed: impl FnOnce(&mut DbConnection, i64) -> AppResult<T>,
) -> AppResult<Signing<T>> {
    let user = signer(conn, actor)?;
    match auth::verify_signature(conn, settings, &user, password, address, subject)? {
        PasswordCheck::Verified => signed(conn, user.id).map(Signing::Signed),
        PasswordCheck::Refused { delay } => Ok(Signing::Refused {
            delay,
            error: wrong_password(),
        }),
        PasswordCheck::Locked { retry_after } => Ok(Signing::Locked {
            error: AppError::too_many_requests(
                Message::new("err-too-many-passwords")
                    .arg("minutes", retry_after.as_secs().div_ceil(60)),
                retry_after,
            ),
        }),
    }
}

/// Checks `password` as `actor`'s signature without the sign-in throttle,
/// then runs `signed`: for the demo loader, which signs with a password it
/// knows. A person's signature goes through [`sign_as_person`].
pub fn sign_known<T>(
    conn: &mut DbConnection,
    actor: &Actor,
    password: &str,
    signed: impl FnOnce(&mut DbConnection, i64) -> AppResult<T>,
) -> AppResult<T> {
    let user = signer(conn, actor)?;
    if !crate::service::accounts::verify_password(&user.password_hash, password) {
        return Err(wrong_password());
    }
    signed(conn, user.id)
}

/// A new decision names the one in force, which it supersedes, and names
/// none when none is in force. Naming another is a conflict: someone
/// decided meanwhile; `in_force` words it for the decision in force.
pub fn check_supersedes(
    current: Option<i64>,
    named: Option<i64>,
    problems: &mut Violations,
    in_force: impl FnOnce(i64) -> Message,
) -> AppResult<()> {
    match (current, named) {
        (None, Some(_)) => problems.add("supersedes", Message::new("err-nothing-to-supersede")),
        (Some(current), named) if named != Some(current) => {
            return Err(AppError::conflict(
                ErrorCode::AlreadyDecided,
                in_force(current),
            ))
        }
        _ => {}
    }
    Ok(())
}

/// The user behind a signing actor.
pub fn signer(conn: &mut DbConnection, actor: &Actor) -> AppResult<UserRow> {
    let user_id = actor.user_id.or_internal("a signer is a user")?;
    find_user(conn, user_id)?.or_internal("the signer exists")
}
