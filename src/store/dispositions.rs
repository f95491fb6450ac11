//! Signed batch decisions (append-only).

use super::schema::dispositions;
use super::{on_backend, DbConnection};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = dispositions, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct DispositionRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub batch_id: i64,
    pub meaning: String,
    pub proposal: String,
    pub comment: String,
    pub data_sha256: String,
    pub supersedes: Option<i64>,
    pub signed_by: i64,
    pub signed_at: NaiveDateTime,
}

pub fn insert_disposition(conn: &mut DbConnection, row: &DispositionRow) -> QueryResult<i64> {
    on_backend!(conn, |c| diesel::insert_into(dispositions::table)
        .values(row)
        .returning(dispositions::id)
        .get_result(c))
}

/// Every decision of a batch, oldest first.
pub fn dispositions_of(conn: &mut DbConnection, batch_id: i64) -> QueryResult<Vec<DispositionRow>> {
    dispositions::table
        .filter(dispositions::batch_id.eq(batch_id))
        .order(dispositions::id)
        .select(DispositionRow::as_select())
        .load(conn)
}
