//! Records that a client names with its own UUID, and corrections that
//! supersede them: readings and visual inspections follow the same rules,
//! written here once.
//!
//! - A record carries its client-made UUID, so that a request sent again
//!   after a lost answer stores nothing twice: a record already stored
//!   under its id with the same content is a harmless retry and is
//!   answered as it stands. A record sent without one is named by the
//!   store ([`ClientRecord::insert`]; a reading by its row id, as an
//!   imported one is: `store::reading_ids`).
//! - An id that already names other content is a conflict (`*_id_reused`):
//!   it is a client's mistake, and answering the stored record would hide it.
//! - Records are never changed. A correction is a new record that
//!   supersedes the current version, with a reason; only the current
//!   version can be corrected (`already_corrected`), so two people
//!   correcting the same record at once cannot both win silently.

use crate::domain::message::Message;
use crate::error::{AppError, AppResult, ErrorCode, OnUniqueViolation, OrInternal};
use crate::store::DbConnection;
use diesel::QueryResult;
use std::collections::HashMap;
use uuid::Uuid;

/// A kind of record kept by these rules, and how the store keeps it.
pub(super) trait ClientRecord {
    /// A record as the store reads it.
    type Stored;
    /// A record to be stored.
    type New;
    /// The conflict when an id already names other content.
    const ID_REUSED: ErrorCode;
    /// The catalogues' message of that conflict (`$id`: the id).
    const ID_REUSED_MESSAGE: &'static str;

    /// The public id of a stored record: its client's, or the one the
    /// store named it by.
    fn uuid(stored: &Self::Stored) -> &str;
    /// Records answered under any of these ids.
    fn find(conn: &mut DbConnection, uuids: &[String]) -> QueryResult<Vec<Self::Stored>>;
    /// Stores new records and answers them as the store reads them, in the
    /// order given; a record made without a client id is answered under
    /// the id the store names it by.
    fn insert(conn: &mut DbConnection, rows: Vec<Self::New>) -> QueryResult<Vec<Self::Stored>>;
    /// Whether a correction already supersedes the record with this row id.
    fn is_superseded(conn: &mut DbConnection, id: i64) -> QueryResult<bool>;
}

/// The client's id of a record, if it gave one.
fn client_uuid(id: Option<Uuid>) -> Option<String> {
    id.map(|id| id.to_string())
}

/// A fresh id for a record sent without one whose store keeps an id per
/// record, ordered by time (UUID v7) so that the unique index on ids grows
/// at its end rather than at random pages of a large table.
pub(super) fn fresh_uuid(given: Option<String>) -> String {
    given.unwrap_or_else(|| Uuid::now_v7().to_string())
}

fn id_reused<K: ClientRecord>(uuid: &str, field: String) -> AppError {
    AppError::conflict(
        K::ID_REUSED,
        Message::new(K::ID_REUSED_MESSAGE).arg("id", uuid),
    )
    .with_field(field)
}

fn by_uuid<K: ClientRecord>(rows: Vec<K::Stored>) -> HashMap<String, K::Stored> {
    rows.into_iter()
        .map(|row| (K::uuid(&row).to_string(), row))
        .collect()
}

/// What a request's items came to.
pub(super) struct Recorded<S> {
    /// The stored record of every item, in request order.
    pub rows: Vec<S>,
    /// Positions of the items this request stored; the others were retries.
    pub new: Vec<usize>,
}

/// Records the items of one request (their client ids in `ids`), all or
/// none, by the rules of the module.
///
/// `is_retry(i, stored)` tells whether the record stored under item `i`'s
/// id has that item's content; `new_row(i, uuid)` makes the record of an
/// item not stored yet (`uuid`: its client id, if it has one), or answers
/// the conflict when its place is taken (items are handled in request
/// order, so the first conflict is the one answered). `raced` is the
/// conflict when another request stores the same records at the same
/// moment. `list` names the items in problem fields, e.g.
/// `measurements[3].id`.
pub(super) fn record_all<K: ClientRecord>(
    conn: &mut DbConnection,
    list: &str,
    ids: &[Option<Uuid>],
    is_retry: impl Fn(usize, &K::Stored) -> bool,
    mut new_row: impl FnMut(usize, Option<String>) -> AppResult<K::New>,
    raced: impl FnOnce() -> AppError,
) -> AppResult<Recorded<K::Stored>> {
    let uuids: Vec<Option<String>> = ids.iter().map(|id| client_uuid(*id)).collect();
    let given: Vec<String> = uuids.iter().flatten().cloned().collect();
    let mut stored = if given.is_empty() {
        HashMap::new()
    } else {
        by_uuid::<K>(K::find(conn, &given)?)
    };
    let mut new_rows = Vec::new();
    let mut new = Vec::new();
    for (i, uuid) in uuids.iter().enumerate() {
        match uuid
            .as_ref()
            .and_then(|uuid| Some((uuid, stored.get(uuid)?)))
        {
            Some((_, row)) if is_retry(i, row) => {}
            Some((uuid, _)) => return Err(id_reused::<K>(uuid, format!("{list}[{i}].id"))),
            None => {
                new_rows.push(new_row(i, uuid.clone())?);
                new.push(i);
            }
        }
    }
    // Answered in the order given: the records stored at the positions in
    // `new`, in request order.
    let inserted = K::insert(conn, new_rows).on_unique_violation(raced)?;
    let mut inserted_at: HashMap<usize, K::Stored> = new.iter().copied().zip(inserted).collect();
    let rows = uuids
        .iter()
        .enumerate()
        .map(|(i, uuid)| {
            inserted_at
                .remove(&i)
                .or_else(|| uuid.as_ref().and_then(|uuid| stored.remove(uuid)))
                .or_internal("every record asked for is stored")
        })
        .collect::<AppResult<Vec<_>>>()?;
    Ok(Recorded { rows, new })
}

/// Records a correction of the record with row id `target` under client id
/// `id`, by the rules of the module; answers whether it was newly stored,
/// and the stored correction.
///
/// `is_retry(stored)` tells whether a record already stored under `id` is
/// this same correction; `already_corrected` is the conflict when `target`
/// is no longer the current version; `new_row(uuid)` makes the correction
/// (`uuid`: its client id, if it has one).
pub(super) fn supersede<K: ClientRecord>(
    conn: &mut DbConnection,
    id: Option<Uuid>,
    target: i64,
    is_retry: impl FnOnce(&K::Stored) -> bool,
    already_corrected: impl Fn() -> AppError,
    new_row: impl FnOnce(Option<String>) -> K::New,
) -> AppResult<(bool, K::Stored)> {
    let uuid = client_uuid(id);
    if let Some(uuid) = &uuid {
        if let Some(stored) = K::find(conn, std::slice::from_ref(uuid))?.pop() {
            if !is_retry(&stored) {
                return Err(id_reused::<K>(uuid, "id".into()));
            }
            return Ok((false, stored));
        }
    }
    if K::is_superseded(conn, target)? {
        return Err(already_corrected());
    }
    let stored = K::insert(conn, vec![new_row(uuid)])
        .on_unique_violation(already_corrected)?
        .pop()
        .or_internal("the stored correction is answered")?;
    Ok((true, stored))
}
