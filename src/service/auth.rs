//! Signing in: bearer tokens for the API, sessions for browser pages, and
//! the slowing and refusing of repeated failed logins.
//!
//! Tokens are 256 random bits shown to the client once and stored only as
//! their SHA-256, so a copy of the database holds no usable credential.

use super::accounts::{verify_against_nobody, verify_password};
use super::audit::{self, Actor};
use crate::domain::access::{permits, Permission, Role, Visibility};
use crate::domain::digest::hex;
use crate::domain::message::Message;
use crate::error::{AppError, AppResult, OrInternal};
use crate::store::accounts::{self as store, TokenRow, UserRow};
use crate::store::{now, DbConnection};
use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::time::Duration;
use utoipa::ToSchema;

/// A signed-in user, as every route sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Caller {
    pub user_id: i64,
    pub username: String,
    pub role: Role,
    pub customer_id: Option<i64>,
    /// The language the user chose for pages and reports (`en`, `zh-CN`);
    /// `null` until chosen.
    pub language: Option<String>,
}

impl Caller {
    /// Refuses with 403 unless the rules table grants `permission`.
    pub fn require(&self, permission: Permission) -> AppResult<()> {
        if permits(self.role, permission) {
            Ok(())
        } else {
            Err(AppError::forbidden(
                Message::new("err-role-may-not")
                    .arg("role", self.role.as_str())
                    .arg("permission", format!("{permission:?}")),
            ))
        }
    }

    pub fn visibility(&self) -> Visibility {
        match (self.role, self.customer_id) {
            (Role::Customer, Some(customer_id)) => Visibility::Customer(customer_id),
            // A customer user without a customer sees nothing (the schema forbids it).
            (Role::Customer, None) => Visibility::Customer(-1),
            _ => Visibility::Everything,
        }
    }

    pub fn actor(&self) -> Actor {
        Actor::user(self.user_id, &self.username)
    }
}

/// Bearer tokens for API clients; sessions for browser pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Bearer,
    Session,
}

impl TokenKind {
    fn as_str(self) -> &'static str {
        match self {
            TokenKind::Bearer => "bearer",
            TokenKind::Session => "session",
        }
    }
}

/// Lifetimes and login throttling.
#[derive(Debug, Clone)]
pub struct AuthSettings {
    pub token_ttl: Duration,
    pub session_ttl: Duration,
    /// Failed logins are counted over this window.
    pub failure_window: Duration,
    /// Failures of one username before each further attempt is slowed.
    pub slow_after: i64,
    /// Added delay per failure beyond `slow_after`, up to `max_delay`.
    pub delay_step: Duration,
    pub max_delay: Duration,
    /// Failures of one username that lock it for the rest of the window.
    pub lock_user_after: i64,
    /// Failures from one address that lock it for the rest of the window.
    pub lock_address_after: i64,
    /// Mark cookies `Secure` even when the request did not arrive over TLS
    /// (behind a TLS-terminating proxy).
    pub secure_cookies: bool,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            token_ttl: Duration::from_secs(12 * 3600),
            session_ttl: Duration::from_secs(10 * 3600),
            failure_window: Duration::from_secs(15 * 60),
            slow_after: 3,
            delay_step: Duration::from_millis(500),
            max_delay: Duration::from_secs(5),
            lock_user_after: 10,
            lock_address_after: 50,
            secure_cookies: false,
        }
    }
}

/// A token freshly issued: the secret is shown once and never stored.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IssuedToken {
    pub token: String,
    pub expires_at: DateTime<Utc>,
    #[serde(skip)]
    pub csrf_token: Option<String>,
    #[serde(skip)]
    pub caller: Option<Caller>,
}

#[derive(Debug, Clone)]
pub enum LoginOutcome {
    Granted(IssuedToken),
    /// Wrong credentials; answer after `delay`.
    Refused {
        delay: Duration,
    },
    /// Too many failures: refused without checking until the lock lifts,
    /// `retry_after` from now.
    Locked {
        retry_after: Duration,
    },
}

pub fn sha256_hex(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

/// 256 random bits from the thread-local CSPRNG (ChaCha, seeded by the OS), in hex.
pub fn random_secret() -> String {
    hex(&rand::random::<[u8; 32]>())
}

fn delta(duration: Duration) -> TimeDelta {
    TimeDelta::from_std(duration).unwrap_or(TimeDelta::MAX)
}

/// Failed password checks (sign-ins and signatures) of one username and
/// from one address within the failure window, since the user's last success.
struct Failures {
    user: i64,
    address: i64,
}

impl Failures {
    fn count(
        conn: &mut DbConnection,
        settings: &AuthSettings,
        username: &str,
        address: &str,
        at: NaiveDateTime,
    ) -> AppResult<Self> {
        store::lock_attempts(conn, username, address)?;
        let window_start = at - delta(settings.failure_window);
        Ok(Self {
            user: store::recent_failures_of_user(conn, username, window_start)?,
            address: store::recent_failures_from(conn, address, window_start)?,
        })
    }

    /// Too many failures: refuse without checking the password.
    fn locked(&self, settings: &AuthSettings) -> bool {
        self.user >= settings.lock_user_after || self.address >= settings.lock_address_after
    }

    /// How long to wait before answering the failure that follows these.
    fn delay_of_next(&self, settings: &AuthSettings) -> Duration {
        let beyond = (self.user + 1 - settings.slow_after).max(0) as u32;
        (settings.delay_step * beyond).min(settings.max_delay)
    }

    /// How long until a lock lifts: until enough of the counted failures
    /// have left the window (refusals while locked are not counted, so none
    /// is added meanwhile).
    fn lock_lifts_in(
        &self,
        conn: &mut DbConnection,
        settings: &AuthSettings,
        username: &str,
        address: &str,
        at: NaiveDateTime,
    ) -> AppResult<Duration> {
        let window = delta(settings.failure_window);
        let window_start = at - window;
        let mut lifts = at;
        if self.user >= settings.lock_user_after {
            let skip = self.user - settings.lock_user_after;
            if let Some(t) = store::recent_failure_of_user_at(conn, username, window_start, skip)? {
                lifts = lifts.max(t + window);
            }
        }
        if self.address >= settings.lock_address_after {
            let skip = self.address - settings.lock_address_after;
            if let Some(t) = store::recent_failure_from_at(conn, address, window_start, skip)? {
                lifts = lifts.max(t + window);
            }
        }
        Ok((lifts - at)
            .to_std()
            .ok()
            .filter(|d| !d.is_zero())
            .unwrap_or(settings.failure_window))
    }

    fn detail(&self, address: &str) -> serde_json::Value {
        json!({"address": address, "user_failures": self.user, "address_failures": self.address})
    }
}

/// Checks credentials and issues a token or session; every attempt is
/// counted and audited, and the outcome commits even when it is a refusal.
pub fn login(
    conn: &mut DbConnection,
    settings: &AuthSettings,
    username: &str,
    password: &str,
    address: &str,
    kind: TokenKind,
) -> AppResult<LoginOutcome> {
    // A name no account can have (a control character: PostgreSQL refuses
    // U+0000 in text) is refused before it is counted or stored.
    if let Err(message) = crate::domain::text::check(username, crate::domain::text::TextKind::Line)
    {
        return Err(AppError::invalid("username", message));
    }
    let at = now();
    let failures = Failures::count(conn, settings, username, address, at)?;
    let anonymous = Actor::system("login");
    if failures.locked(settings) {
        audit::record(
            conn,
            &anonymous,
            "login.locked",
            format!("username/{username}"),
            failures.detail(address),
        )?;
        let retry_after = failures.lock_lifts_in(conn, settings, username, address, at)?;
        return Ok(LoginOutcome::Locked { retry_after });
    }
    let user = store::find_user_by_name(conn, username)?;
    let reason = match &user {
        None => {
            verify_against_nobody(password);
            Some("unknown user")
        }
        Some(row) if !verify_password(&row.password_hash, password) => Some("wrong password"),
        Some(row) if row.disabled => Some("user disabled"),
        Some(_) => None,
    };
    store::record_attempt(conn, username, address, reason.is_none(), at)?;
    match (reason, user) {
        (None, Some(user)) => {
            let issued = issue(conn, settings, &user, kind, at)?;
            audit::record(
                conn,
                &Actor::user(user.id, &user.username),
                "login",
                format!("user/{}", user.id),
                json!({"address": address, "kind": kind.as_str()}),
            )?;
            Ok(LoginOutcome::Granted(issued))
        }
        (reason, _) => {
            audit::record(
                conn,
                &anonymous,
                "login.refused",
                format!("username/{username}"),
                json!({"address": address, "reason": reason}),
            )?;
            Ok(LoginOutcome::Refused {
                delay: failures.delay_of_next(settings),
            })
        }
    }
}

/// What checking a password under the sign-in throttle found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordCheck {
    Verified,
    /// Wrong password; answer after `delay`.
    Refused {
        delay: Duration,
    },
    /// Too many failures: refused without checking, for `retry_after`.
    Locked {
        retry_after: Duration,
    },
}

/// Checks the password a signed-in user enters again to sign (a batch
/// disposition). It is the sign-in password, so a wrong one counts with the
/// failed sign-ins of that user and address: slowed as they are, refused
/// while they are locked (the right password too), and audited
/// (`signature.refused`, `signature.locked`, with `subject` the record being
/// signed). A right one is a success, as a sign-in is. The caller commits
/// the outcome even when it refuses.
pub fn verify_signature(
    conn: &mut DbConnection,
    settings: &AuthSettings,
    user: &UserRow,
    password: &str,
    address: &str,
    subject: String,
) -> AppResult<PasswordCheck> {
    let at = now();
    let failures = Failures::count(conn, settings, &user.username, address, at)?;
    let actor = Actor::user(user.id, &user.username);
    if failures.locked(settings) {
        audit::record(
            conn,
            &actor,
            "signature.locked",
            subject,
            failures.detail(address),
        )?;
        let retry_after = failures.lock_lifts_in(conn, settings, &user.username, address, at)?;
        return Ok(PasswordCheck::Locked { retry_after });
    }
    let verified = verify_password(&user.password_hash, password);
    store::record_attempt(conn, &user.username, address, verified, at)?;
    if verified {
        return Ok(PasswordCheck::Verified);
    }
    audit::record(
        conn,
        &actor,
        "signature.refused",
        subject,
        json!({"address": address, "reason": "wrong password"}),
    )?;
    Ok(PasswordCheck::Refused {
        delay: failures.delay_of_next(settings),
    })
}

fn issue(
    conn: &mut DbConnection,
    settings: &AuthSettings,
    user: &UserRow,
    kind: TokenKind,
    at: NaiveDateTime,
) -> AppResult<IssuedToken> {
    let secret = random_secret();
    let ttl = match kind {
        TokenKind::Bearer => settings.token_ttl,
        TokenKind::Session => settings.session_ttl,
    };
    let csrf_token = (kind == TokenKind::Session).then(random_secret);
    let row = TokenRow {
        id: 0,
        user_id: user.id,
        token_hash: sha256_hex(&secret),
        kind: kind.as_str().to_string(),
        csrf_token: csrf_token.clone(),
        created_at: at,
        expires_at: at + delta(ttl),
        revoked_at: None,
    };
    store::insert_token(conn, &row)?;
    Ok(IssuedToken {
        token: secret,
        expires_at: row.expires_at.and_utc(),
        csrf_token,
        caller: Some(caller_of(user)?),
    })
}

fn caller_of(user: &UserRow) -> AppResult<Caller> {
    let role = Role::parse(&user.role).or_internal("a stored role parses")?;
    Ok(Caller {
        user_id: user.id,
        username: user.username.clone(),
        role,
        customer_id: user.customer_id,
        language: user.language.clone(),
    })
}

/// The caller a token or session belongs to, with the session's CSRF token.
pub fn authenticate(
    conn: &mut DbConnection,
    secret: &str,
    kind: TokenKind,
) -> AppResult<(Caller, Option<String>)> {
    let refused =
        |key: &'static str| AppError::unauthorized(Message::new(key).arg("kind", kind.as_str()));
    let (token, user) = store::find_token(conn, &sha256_hex(secret))?
        .filter(|(token, _)| token.kind == kind.as_str())
        .ok_or_else(|| refused("err-credential-unknown"))?;
    if token.revoked_at.is_some() {
        return Err(refused("err-credential-revoked"));
    }
    if token.expires_at <= now() {
        return Err(refused("err-credential-expired"));
    }
    if user.disabled {
        return Err(refused("err-credential-disabled-user"));
    }
    Ok((caller_of(&user)?, token.csrf_token))
}

/// Revokes a token or session; answers whether it was live.
pub fn revoke(conn: &mut DbConnection, caller: &Caller, secret: &str) -> AppResult<bool> {
    let revoked = store::revoke_token(conn, &sha256_hex(secret), now())? > 0;
    audit::record(
        conn,
        &caller.actor(),
        "logout",
        format!("user/{}", caller.user_id),
        json!({}),
    )?;
    Ok(revoked)
}
