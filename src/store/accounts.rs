//! Users, their tokens and sessions, and login attempts.

use super::any_of::any_of_ids;
use super::schema::{auth_tokens, login_attempts, users};
use super::{on_backend, DbConnection};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub password_hash: String,
    pub role: String,
    pub customer_id: Option<i64>,
    pub disabled: bool,
    pub created_at: NaiveDateTime,
    /// The language chosen for pages and reports, if any.
    pub language: Option<String>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub username: &'a str,
    pub password_hash: &'a str,
    pub role: &'a str,
    pub customer_id: Option<i64>,
    pub disabled: bool,
    pub created_at: NaiveDateTime,
}

pub fn insert_user(conn: &mut DbConnection, user: &NewUser<'_>) -> QueryResult<i64> {
    on_backend!(conn, |c| diesel::insert_into(users::table)
        .values(user)
        .returning(users::id)
        .get_result(c))
}

pub fn find_user(conn: &mut DbConnection, id: i64) -> QueryResult<Option<UserRow>> {
    users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_user_by_name(conn: &mut DbConnection, username: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(users::username.eq(username))
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

pub fn list_users(conn: &mut DbConnection) -> QueryResult<Vec<UserRow>> {
    users::table
        .order(users::id)
        .select(UserRow::as_select())
        .load(conn)
}

pub fn count_users(conn: &mut DbConnection) -> QueryResult<i64> {
    users::table.count().get_result(conn)
}

pub fn set_password_hash(
    conn: &mut DbConnection,
    user_id: i64,
    password_hash: &str,
) -> QueryResult<usize> {
    diesel::update(users::table.find(user_id))
        .set(users::password_hash.eq(password_hash))
        .execute(conn)
}

pub fn set_disabled(conn: &mut DbConnection, user_id: i64, disabled: bool) -> QueryResult<usize> {
    diesel::update(users::table.find(user_id))
        .set(users::disabled.eq(disabled))
        .execute(conn)
}

/// The ids of the admins not disabled, locked until the transaction ends on
/// PostgreSQL (`FOR UPDATE`), so two admins disabling each other at once
/// cannot both pass a check that the other remains. SQLite needs no lock:
/// it has one writer at a time, and a transaction whose reads went stale
/// fails when it starts writing.
pub fn lock_active_admins(conn: &mut DbConnection) -> QueryResult<Vec<i64>> {
    let query = users::table
        .filter(users::role.eq("admin"))
        .filter(users::disabled.eq(false))
        .select(users::id)
        .order(users::id);
    match conn {
        DbConnection::Postgresql(c) => query.for_update().load(c),
        DbConnection::Sqlite(c) => query.load(c),
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = auth_tokens, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct TokenRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub user_id: i64,
    pub token_hash: String,
    pub kind: String,
    pub csrf_token: Option<String>,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
}

pub fn insert_token(conn: &mut DbConnection, token: &TokenRow) -> QueryResult<usize> {
    on_backend!(conn, |c| diesel::insert_into(auth_tokens::table)
        .values(token)
        .execute(c))
}

/// A token by its hash, with its user.
pub fn find_token(
    conn: &mut DbConnection,
    token_hash: &str,
) -> QueryResult<Option<(TokenRow, UserRow)>> {
    on_backend!(conn, |c| auth_tokens::table
        .inner_join(users::table)
        .filter(auth_tokens::token_hash.eq(token_hash))
        .select((TokenRow::as_select(), UserRow::as_select()))
        .first(c)
        .optional())
}

pub fn revoke_token(
    conn: &mut DbConnection,
    token_hash: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        auth_tokens::table
            .filter(auth_tokens::token_hash.eq(token_hash))
            .filter(auth_tokens::revoked_at.is_null()),
    )
    .set(auth_tokens::revoked_at.eq(at))
    .execute(conn)
}

pub fn revoke_tokens_of(
    conn: &mut DbConnection,
    user_id: i64,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        auth_tokens::table
            .filter(auth_tokens::user_id.eq(user_id))
            .filter(auth_tokens::revoked_at.is_null()),
    )
    .set(auth_tokens::revoked_at.eq(at))
    .execute(conn)
}

pub fn record_attempt(
    conn: &mut DbConnection,
    username: &str,
    address: &str,
    succeeded: bool,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::insert_into(login_attempts::table)
        .values((
            login_attempts::username.eq(username),
            login_attempts::address.eq(address),
            login_attempts::succeeded.eq(succeeded),
            login_attempts::attempted_at.eq(at),
        ))
        .execute(conn)
}

/// Where the failures of a username that count start: `since`, or its
/// last success when that is later.
fn user_failures_start(
    conn: &mut DbConnection,
    username: &str,
    since: NaiveDateTime,
) -> QueryResult<NaiveDateTime> {
    let last_success: Option<NaiveDateTime> = login_attempts::table
        .filter(login_attempts::username.eq(username))
        .filter(login_attempts::succeeded.eq(true))
        .select(diesel::dsl::max(login_attempts::attempted_at))
        .first(conn)?;
    Ok(last_success.map_or(since, |s| s.max(since)))
}

/// Serialises the counting of one username's and one address's password
/// attempts until the transaction ends: on PostgreSQL (READ COMMITTED)
/// concurrent sign-ins would otherwise all count the failures before any
/// of them is recorded, and get one guess each past the lock. Taken in one
/// order (user, then address), so two attempts cannot wait on each other.
/// SQLite serialises writers already.
pub fn lock_attempts(conn: &mut DbConnection, username: &str, address: &str) -> QueryResult<()> {
    if let DbConnection::Postgresql(c) = conn {
        for key in [format!("user:{username}"), format!("address:{address}")] {
            diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext($1))")
                .bind::<diesel::sql_types::Text, _>(key)
                .execute(c)?;
        }
    }
    Ok(())
}

/// Failed password checks after `since`: of one username, or from one address.
fn failures_after<'a>(
    by_user: Option<&'a str>,
    by_address: Option<&'a str>,
    since: NaiveDateTime,
) -> login_attempts::BoxedQuery<'a, <DbConnection as Connection>::Backend> {
    let mut query = login_attempts::table
        .filter(login_attempts::succeeded.eq(false))
        .filter(login_attempts::attempted_at.gt(since))
        .into_boxed();
    if let Some(username) = by_user {
        query = query.filter(login_attempts::username.eq(username));
    }
    if let Some(address) = by_address {
        query = query.filter(login_attempts::address.eq(address));
    }
    query
}

/// When the failure after the `skip` oldest of `failures` happened.
fn failure_at(
    conn: &mut DbConnection,
    failures: login_attempts::BoxedQuery<'_, <DbConnection as Connection>::Backend>,
    skip: i64,
) -> QueryResult<Option<NaiveDateTime>> {
    failures
        .order((login_attempts::attempted_at.asc(), login_attempts::id.asc()))
        .select(login_attempts::attempted_at)
        .offset(skip)
        .first(conn)
        .optional()
}

/// Failed logins for a username since `since` and since its last success.
pub fn recent_failures_of_user(
    conn: &mut DbConnection,
    username: &str,
    since: NaiveDateTime,
) -> QueryResult<i64> {
    let since = user_failures_start(conn, username, since)?;
    failures_after(Some(username), None, since)
        .count()
        .get_result(conn)
}

/// When the failure after the `skip` oldest of those
/// [`recent_failures_of_user`] counts happened.
pub fn recent_failure_of_user_at(
    conn: &mut DbConnection,
    username: &str,
    since: NaiveDateTime,
    skip: i64,
) -> QueryResult<Option<NaiveDateTime>> {
    let since = user_failures_start(conn, username, since)?;
    failure_at(conn, failures_after(Some(username), None, since), skip)
}

/// Failed logins from an address since `since`.
pub fn recent_failures_from(
    conn: &mut DbConnection,
    address: &str,
    since: NaiveDateTime,
) -> QueryResult<i64> {
    failures_after(None, Some(address), since)
        .count()
        .get_result(conn)
}

/// When the failure after the `skip` oldest of those
/// [`recent_failures_from`] counts happened.
pub fn recent_failure_from_at(
    conn: &mut DbConnection,
    address: &str,
    since: NaiveDateTime,
    skip: i64,
) -> QueryResult<Option<NaiveDateTime>> {
    failure_at(conn, failures_after(None, Some(address), since), skip)
}

/// Usernames by user id, for showing who recorded what.
pub fn usernames(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<(i64, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    on_backend!(conn, |c| users::table
        .filter(any_of_ids(users::id, ids))
        .select((users::id, users::username))
        .load(c))
}

/// Remembers the language a user chose.
pub fn set_language(conn: &mut DbConnection, user_id: i64, language: &str) -> QueryResult<usize> {
    diesel::update(users::table.find(user_id))
        .set(users::language.eq(language))
        .execute(conn)
}
