//! Recording who did what, in the same transaction as the change itself.

use crate::error::AppResult;
use crate::store::audit::{append, AuditRow};
use crate::store::{now, DbConnection};
use serde_json::Value;

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
