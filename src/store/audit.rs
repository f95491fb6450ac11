//! The append-only audit log, hash-chained: each row carries the SHA-256 of
//! the row before it, so editing or deleting history breaks the chain.

use super::schema::audit_log;
use super::{on_backend, DbConnection};
use crate::domain::digest::hex;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use sha2::{Digest, Sha256};

/// The `prev_hash` of the first row.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// `None` is stored as NULL rather than left to the column's default (NULL
/// too): the insert is then one statement whatever the row holds, which
/// diesel keeps prepared instead of writing its SQL out anew for every row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_log, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
#[diesel(treat_none_as_default_value = false)]
pub struct AuditRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub recorded_at: NaiveDateTime,
    pub actor_id: Option<i64>,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditRow {
    /// SHA-256 over the previous hash and every field of this row, each on a
    /// line of its own, in hex.
    pub fn compute_hash(&self) -> String {
        let mut hasher = Sha256::new();
        for part in [
            self.prev_hash.as_str(),
            &self
                .recorded_at
                .format("%Y-%m-%dT%H:%M:%S%.6fZ")
                .to_string(),
            &self.actor_id.map(|id| id.to_string()).unwrap_or_default(),
            &self.actor,
            &self.action,
            &self.subject,
            &self.detail,
        ] {
            hasher.update(part.as_bytes());
            hasher.update(b"\n");
        }
        hex(&hasher.finalize())
    }
}

/// Appends a row after the current last one. On PostgreSQL a transaction
/// advisory lock makes concurrent writers take turns, so the chain never
/// forks; SQLite writers already take turns.
pub fn append(conn: &mut DbConnection, mut row: AuditRow) -> QueryResult<()> {
    if let DbConnection::Postgresql(pg) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock(2859001)").execute(pg)?;
    }
    let last: Option<String> = on_backend!(conn, |c| audit_log::table
        .order(audit_log::id.desc())
        .select(audit_log::hash)
        .first(c)
        .optional())?;
    row.prev_hash = last.unwrap_or_else(|| GENESIS.to_string());
    row.hash = row.compute_hash();
    on_backend!(conn, |c| diesel::insert_into(audit_log::table)
        .values(&row)
        .execute(c))?;
    Ok(())
}

/// Rows in order, for listing and verification.
pub fn rows_after(
    conn: &mut DbConnection,
    after_id: i64,
    limit: i64,
) -> QueryResult<Vec<AuditRow>> {
    audit_log::table
        .filter(audit_log::id.gt(after_id))
        .order(audit_log::id)
        .limit(limit)
        .select(AuditRow::as_select())
        .load(conn)
}

/// Filters of the audit list; all given ones must match.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Exact action, or a prefix ending in `.` (e.g. `measurements.`).
    pub action: Option<String>,
    /// Exact subject, e.g. `batch/12`.
    pub subject: Option<String>,
    /// Actor name (username, or `system:…`).
    pub actor: Option<String>,
    pub since: Option<NaiveDateTime>,
    pub until: Option<NaiveDateTime>,
}

/// Rows matching the filter, newest first.
pub fn list(
    conn: &mut DbConnection,
    filter: &AuditFilter,
    page: super::PageRequest,
) -> QueryResult<super::PageOf<AuditRow>> {
    let filtered = || {
        let mut query = audit_log::table.into_boxed();
        if let Some(action) = &filter.action {
            query = if action.ends_with('.') {
                query.filter(
                    audit_log::action
                        .like(format!("{}%", escape_like(action)))
                        .escape('\\'),
                )
            } else {
                query.filter(audit_log::action.eq(action.clone()))
            };
        }
        if let Some(subject) = &filter.subject {
            query = query.filter(audit_log::subject.eq(subject.clone()));
        }
        if let Some(actor) = &filter.actor {
            query = query.filter(audit_log::actor.eq(actor.clone()));
        }
        if let Some(since) = filter.since {
            query = query.filter(audit_log::recorded_at.ge(since));
        }
        if let Some(until) = filter.until {
            query = query.filter(audit_log::recorded_at.lt(until));
        }
        query
    };
    let total = filtered().count().get_result(conn)?;
    let items = filtered()
        .order(audit_log::id.desc())
        .limit(page.per_page)
        .offset(page.offset())
        .select(AuditRow::as_select())
        .load(conn)?;
    Ok(super::PageOf { items, total })
}

/// Escapes LIKE wildcards so a prefix matches literally.
fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}
