//! Recording who did what, in the same transaction as the change itself.

use super::{utc, Page};
use crate::error::AppResult;
use crate::store::audit::{self as store, append, AuditFilter, AuditRow, GENESIS};
use crate::store::{now, DbConnection, PageRequest};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// Who performs a change: a signed-in user, or the system itself (the CLI,
/// the demo loader).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub name: String,
}

impl Actor {
    pub fn user(user_id: i64, username: &str) -> Self {
        Self {
            user_id: Some(user_id),
            name: username.to_string(),
        }
    }

    pub fn system(what: &str) -> Self {
        Self {
            user_id: None,
            name: format!("system:{what}"),
        }
    }
}

/// Appends one audit row; `subject` names the record, e.g. `batch/12`.
pub fn record(
    conn: &mut DbConnection,
    actor: &Actor,
    action: &str,
    subject: String,
    detail: Value,
) -> AppResult<()> {
    append(
        conn,
        AuditRow {
            id: 0,
            recorded_at: now(),
            actor_id: actor.user_id,
            actor: actor.name.clone(),
            action: action.to_string(),
            subject,
            detail: detail.to_string(),
            prev_hash: String::new(),
            hash: String::new(),
        },
    )?;
    Ok(())
}

/// One audit row as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub recorded_at: DateTime<Utc>,
    /// Username, or `system:…` for changes made by the service itself.
    pub actor: String,
    /// What was done, e.g. `measurements.correct`.
    pub action: String,
    /// The record it was done to, e.g. `batch/12`.
    pub subject: String,
    /// What changed, as the service recorded it.
    #[schema(value_type = Object)]
    pub detail: Value,
    /// SHA-256 of the previous row (hex); 64 zeros for the first row.
    pub prev_hash: String,
    /// SHA-256 of this row including `prev_hash` (hex).
    pub hash: String,
}

fn entry(row: AuditRow) -> AuditEntry {
    AuditEntry {
        id: row.id,
        recorded_at: utc(row.recorded_at),
        detail: serde_json::from_str(&row.detail).unwrap_or(Value::String(row.detail)),
        actor: row.actor,
        action: row.action,
        subject: row.subject,
        prev_hash: row.prev_hash,
        hash: row.hash,
    }
}

pub fn list(
    conn: &mut DbConnection,
    filter: &AuditFilter,
    page: PageRequest,
) -> AppResult<Page<AuditEntry>> {
    Ok(Page::from_rows(
        store::list(conn, filter, page)?,
        page,
        entry,
    ))
}

/// The outcome of walking the audit chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verification {
    /// Rows checked (up to the first broken one).
    pub rows: i64,
    /// Hash of the last intact row: write it down somewhere else to detect,
    /// later, the removal of rows from the end of the log.
    pub last_hash: String,
    /// The first row whose link or contents do not match, and how.
    pub broken: Option<BrokenRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BrokenRow {
    pub id: i64,
    pub problem: String,
}

/// Rows read per query while verifying, so memory stays bounded.
const VERIFY_CHUNK: i64 = 1_000;

/// Walks the whole chain in id order: each row must name the hash of the row
/// before it, and its own hash must match its contents. Stops at the first
/// row that fails either (a changed row fails its own hash; a deleted row
/// breaks the link of the row after it).
pub fn verify(conn: &mut DbConnection) -> AppResult<Verification> {
    let mut previous = GENESIS.to_string();
    let mut rows = 0;
    let mut after = 0;
    loop {
        let chunk = store::rows_after(conn, after, VERIFY_CHUNK)?;
        let Some(last) = chunk.last() else { break };
        after = last.id;
        for row in chunk {
            let problem = if row.prev_hash != previous {
                Some(format!(
                    "prev_hash {} does not match the hash of the row before it ({previous}): \
                     a row before it was deleted or altered",
                    row.prev_hash
                ))
            } else if row.compute_hash() != row.hash {
                Some("its contents do not match its hash: the row was altered".to_string())
            } else {
                None
            };
            if let Some(problem) = problem {
                return Ok(Verification {
                    rows,
                    last_hash: previous,
                    broken: Some(BrokenRow {
                        id: row.id,
                        problem,
                    }),
                });
            }
            previous = row.hash;
            rows += 1;
        }
    }
    Ok(Verification {
        rows,
        last_hash: previous,
        broken: None,
    })
}
