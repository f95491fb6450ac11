//! The ids SQLite gave the rows of one insert, worked out rather than
//! answered.
//!
//! On SQLite, `RETURNING` makes an insert buffer its rows in a temporary
//! table before answering them, and decoding every column of every row
//! back (times parsed from text) costs more: together two fifths of an
//! imported file's insert, and half as much again as the insert itself
//! for a recording request's six readings. The ids are worked out
//! instead. SQLite gives a new row of `measurements` the id one more than
//! the largest in the table (<https://sqlite.org/autoinc.html>), readings
//! are never deleted, and SQLite holds the write lock for the whole
//! statement: a statement's rows take consecutive ids ending at
//! `last_insert_rowid()`, asked right after it (or after the last of
//! several statements run one after another in one transaction, as an
//! import's are).
//! That rests on two more things: no trigger inserts into the table, and
//! SQLite inserts the rows of a `VALUES` list (or of `SELECT … FROM
//! (VALUES …)`) in the list's order, which it does (the list is read as a
//! co-routine, row after row) though its documentation does not promise it.
//! `colour_characteristics::an_imported_file_s_colours_are_those_of_its_own_pairs`
//! and `colour_characteristics::a_request_s_colours_are_those_of_its_own_pairs`
//! fail if either stops holding. PostgreSQL's inserts say `RETURNING`.

use diesel::result::{DatabaseErrorKind, Error::DatabaseError};
use diesel::sqlite::SqliteConnection;
use diesel::{QueryResult, RunQueryDsl};
use std::ops::RangeInclusive;

diesel::define_sql_function! {
    /// SQLite's id of the row last inserted on the connection; a function
    /// call (unlike a `sql` literal) diesel keeps prepared.
    fn last_insert_rowid() -> BigInt;
}

/// The ids of the `rows` rows of the insert statement just run on `c`, in
/// the order of its `VALUES` list; `inserted` is what the statement said
/// it stored, `what` names the rows in the error should it not be all.
pub fn ids_of_inserted(
    c: &mut SqliteConnection,
    rows: usize,
    inserted: usize,
    what: &str,
) -> QueryResult<RangeInclusive<i64>> {
    if inserted != rows {
        return Err(DatabaseError(
            DatabaseErrorKind::Unknown,
            Box::new(format!("{inserted} of {rows} {what} inserted")),
        ));
    }
    let last = diesel::select(last_insert_rowid()).get_result::<i64>(c)?;
    Ok(last + 1 - rows as i64..=last)
}
