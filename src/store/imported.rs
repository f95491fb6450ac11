//! An imported file's readings, stored in statements that bind what the
//! readings share once.
//!
//! Every reading of an import has the same batch, receipt time, recorder
//! and import; only its unit, characteristic and value differ. It has no
//! client id: it is answered under one derived from its row id
//! ([`super::reading_ids`]), so its `uuid` is left NULL; its receipt time
//! is its import's, read from there ([`super::measurements`]), so
//! `recorded_at` is left NULL too. A plain multi-row insert binds all
//! eleven columns of every row, which was a sixth of an import's time.
//! Here a statement binds the three that differ per row and the shared
//! three once:
//!
//! ```sql
//! INSERT OR FAIL INTO measurements (batch_id, unit, characteristic_id, value,
//!                           recorded_by, import_id)
//! SELECT ?, column1, column2, column3, ?, ?
//! FROM (VALUES (?, ?, ?), (?, ?, ?), …)
//! ```
//!
//! (`column1`… are the names SQLite and PostgreSQL both give the columns of
//! a `VALUES` list; `OR FAIL` is SQLite's alone, see [`ImportDialect`].) On SQLite the rows go in arrays of 64 and fewer
//! ([`sqlite_insert_in_arrays`]): a statement's shape then depends only on
//! its row count, which is in its type, so diesel prepares it once per
//! connection and keeps it. On PostgreSQL only the statement of a whole
//! chunk is kept prepared; the last, shorter one of each import is not, or
//! every import would leave one behind on its connection.
//!
//! The insert answers each stored reading's id, in the order the readings
//! were given, so that storing the colours of the units a chunk completes
//! (named by their readings' positions) reads nothing back: worked out on
//! SQLite ([`super::inserted_ids`]); by `RETURNING` on PostgreSQL, whose
//! rows are put in the order given by their unit and characteristic.
//!
//! The column list is written here, outside diesel's `table!` checking: a
//! new `NOT NULL` column of `measurements` is added here too.

use super::in_order_given;
use super::inserted_ids::ids_of_inserted;
use super::{sqlite_insert_in_arrays, DbConnection};
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::{BigInt, Double, Nullable};
use diesel::{QueryResult, RunQueryDsl};

/// What every reading of one import shares (its receipt time is the
/// import's).
#[derive(Debug, Clone)]
pub struct ImportShared {
    pub batch_id: i64,
    pub recorded_by: Option<i64>,
    pub import_id: i64,
}

/// One reading of an import: what sets it apart from the others.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedReading {
    pub unit: i64,
    pub characteristic_id: i64,
    pub value: f64,
}

/// A reading as its insert answers it: the row's id beside what the file
/// gave (an imported reading is an original: it supersedes nothing).
#[derive(Debug, Clone, Copy, PartialEq, diesel::Queryable)]
pub struct StoredReading {
    pub id: i64,
    pub unit: i64,
    pub characteristic_id: i64,
    pub value: f64,
}

super::measurements::version_of!(StoredReading, |_row| None);

/// Rows per statement on PostgreSQL, whose planner is not SQLite's: a
/// longer statement saves round trips (at most 65,535 bound values).
const ROWS_PER_PG_STATEMENT: usize = 2_000;

/// Stores the readings in the caller's transaction; answers them as
/// stored, in the order given (the import names a unit's colour readings by
/// their positions in a chunk).
///
/// On an error the caller must roll its transaction back: on SQLite a
/// statement that fails keeps the rows it stored before the failure
/// (`OR FAIL`). On a full disk (or out of memory) SQLite rolls the whole
/// transaction back itself, as the statement has no journal to undo
/// itself with; the caller's rollback then finds no transaction, and
/// diesel answers that in place of the cause, so the cause is logged here.
pub fn insert(
    conn: &mut DbConnection,
    shared: &ImportShared,
    rows: &[ImportedReading],
) -> QueryResult<Vec<StoredReading>> {
    let mut stored = Vec::with_capacity(rows.len());
    match conn {
        DbConnection::Sqlite(c) => {
            // The statements follow each other on one connection holding
            // the write lock: their rows take consecutive ids, asked for
            // once after the last.
            let mut inserted = 0;
            sqlite_insert_in_arrays!(rows, |chunk| {
                inserted += Readings {
                    shared,
                    rows: chunk,
                }
                .execute(c)
                .inspect_err(|error| {
                    tracing::error!(%error, import = shared.import_id,
                        "an import's readings could not be stored")
                })?;
                QueryResult::Ok(())
            });
            let ids = ids_of_inserted(c, rows.len(), inserted, "imported readings")?;
            stored.extend(rows.iter().zip(ids).map(|(row, id)| StoredReading {
                id,
                unit: row.unit,
                characteristic_id: row.characteristic_id,
                value: row.value,
            }));
        }
        DbConnection::Postgresql(c) => {
            for rows in rows.chunks(ROWS_PER_PG_STATEMENT) {
                // What no two readings of an import share: unit and
                // characteristic.
                let answered = Readings { shared, rows }.load::<StoredReading>(c)?;
                stored.extend(in_order_given(
                    rows,
                    answered,
                    |r| (r.unit, r.characteristic_id),
                    |r| (r.unit, r.characteristic_id),
                )?);
            }
        }
    }
    Ok(stored)
}

/// One statement's rows: an array on SQLite (its length is the
/// statement's shape), a slice on PostgreSQL.
struct Readings<'a, R: ?Sized> {
    shared: &'a ImportShared,
    rows: &'a R,
}

/// How an import's insert is written on a backend.
trait ImportDialect {
    /// The statement's start. On SQLite, `OR FAIL`: a statement of many
    /// rows that may break a constraint with the default `ABORT` keeps a
    /// journal of its own, to undo its rows alone (a tenth of the
    /// readings' insert). An import undoes more than that on any
    /// failure (its whole transaction, and the file is refused), so its
    /// statement need not undo itself: `FAIL` stops it where it is.
    const INSERT: &'static str;
    /// Whether the insert answers its rows: PostgreSQL's does
    /// (`RETURNING`); SQLite's ids are worked out from
    /// `last_insert_rowid()` ([`super::inserted_ids`]).
    const ANSWERS_ROWS: bool;
}

impl ImportDialect for diesel::sqlite::Sqlite {
    const INSERT: &'static str = "INSERT OR FAIL";
    const ANSWERS_ROWS: bool = false;
}

impl ImportDialect for diesel::pg::Pg {
    const INSERT: &'static str = "INSERT";
    const ANSWERS_ROWS: bool = true;
}

impl<R: AsRows + ?Sized, DB> QueryFragment<DB> for Readings<'_, R>
where
    DB: diesel::backend::Backend + ImportDialect,
    DB: diesel::sql_types::HasSqlType<BigInt> + diesel::sql_types::HasSqlType<Double>,
    i64: diesel::serialize::ToSql<BigInt, DB>,
    f64: diesel::serialize::ToSql<Double, DB>,
    Option<i64>: diesel::serialize::ToSql<Nullable<BigInt>, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        if !self.rows.is_kept() {
            out.unsafe_to_cache_prepared();
        }
        let shared = self.shared;
        out.push_sql(DB::INSERT);
        out.push_sql(
            " INTO measurements (batch_id, unit, characteristic_id, value, \
             recorded_by, import_id) SELECT ",
        );
        out.push_bind_param::<BigInt, _>(&shared.batch_id)?;
        out.push_sql(", column1, column2, column3, ");
        out.push_bind_param::<Nullable<BigInt>, _>(&shared.recorded_by)?;
        out.push_sql(", ");
        out.push_bind_param::<BigInt, _>(&shared.import_id)?;
        out.push_sql(" FROM (VALUES ");
        for (i, row) in self.rows.as_rows().iter().enumerate() {
            out.push_sql(if i == 0 { "(" } else { ", (" });
            out.push_bind_param::<BigInt, _>(&row.unit)?;
            out.push_sql(", ");
            out.push_bind_param::<BigInt, _>(&row.characteristic_id)?;
            out.push_sql(", ");
            out.push_bind_param::<Double, _>(&row.value)?;
            out.push_sql(")");
        }
        out.push_sql(") AS imported");
        if DB::ANSWERS_ROWS {
            out.push_sql(" RETURNING id, unit, characteristic_id, value");
        }
        Ok(())
    }
}

/// The rows of a statement, whatever holds them.
trait AsRows {
    fn as_rows(&self) -> &[ImportedReading];
    /// Whether the statement is worth keeping prepared: one of a few
    /// shapes used again and again.
    fn is_kept(&self) -> bool;
}

impl<const N: usize> AsRows for [ImportedReading; N] {
    fn as_rows(&self) -> &[ImportedReading] {
        self
    }
    fn is_kept(&self) -> bool {
        true
    }
}

impl AsRows for [ImportedReading] {
    fn as_rows(&self) -> &[ImportedReading] {
        self
    }
    fn is_kept(&self) -> bool {
        self.len() == ROWS_PER_PG_STATEMENT
    }
}

/// An array's statement is the same text for every call: diesel keeps it
/// prepared under this type.
impl<const N: usize> QueryId for Readings<'_, [ImportedReading; N]> {
    type QueryId = StatementOf<N>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

/// A slice's statement changes with its length: kept, if at all, by its
/// text ([`AsRows::is_kept`]).
impl QueryId for Readings<'_, [ImportedReading]> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

/// The statement of `N` rows.
pub struct StatementOf<const N: usize>;

impl<R: ?Sized, Conn> RunQueryDsl<Conn> for Readings<'_, R> {}

impl<R: ?Sized> diesel::query_builder::Query for Readings<'_, R> {
    type SqlType = (BigInt, BigInt, BigInt, Double);
}
