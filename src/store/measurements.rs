//! Readings of sampled units. Rows are only ever inserted: a correction is a
//! new row whose `supersedes` names the reading it replaces.

use super::any_of::{any_of_ids, any_of_texts};
use super::inserted_ids::ids_of_inserted;
use super::reading_ids::{derived_row_ids, public_uuid};
use super::schema::{characteristics, measurements};
use super::{
    in_order_given, on_backend, sqlite_insert_in_arrays, DbConnection, PageOf, PageRequest,
};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::Timestamp;

/// A reading as stored, with its public id.
#[derive(Debug, Clone)]
pub struct MeasurementRow {
    pub id: i64,
    /// The client's id; for a reading stored without one (imported, or
    /// sent without), the id derived from its row id
    /// ([`super::reading_ids`]).
    pub uuid: String,
    pub batch_id: i64,
    pub unit: i64,
    pub characteristic_id: i64,
    pub value: f64,
    pub supersedes: Option<i64>,
    pub reason: Option<String>,
    pub recorded_at: NaiveDateTime,
    /// The user who recorded it; `None` for imports by the system.
    pub recorded_by: Option<i64>,
    /// The instrument file it was imported from, if any.
    pub import_id: Option<i64>,
    /// When it was taken, by the recording device's clock (entries made
    /// offline reach the server later); `None` when the client did not say.
    pub taken_at: Option<NaiveDateTime>,
}

/// A reading to store.
///
/// `None` is stored as NULL rather than left to the column's default (which
/// is NULL too): every row then has the same columns, so SQLite inserts
/// several in one statement and keeps the statement prepared.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = measurements)]
#[diesel(treat_none_as_default_value = false)]
pub struct NewMeasurement {
    /// The client's id; `None` for a reading sent without one, which is
    /// then answered under the id derived from its row id.
    pub uuid: Option<String>,
    pub batch_id: i64,
    pub unit: i64,
    pub characteristic_id: i64,
    pub value: f64,
    pub supersedes: Option<i64>,
    pub reason: Option<String>,
    pub recorded_at: NaiveDateTime,
    pub recorded_by: Option<i64>,
    pub import_id: Option<i64>,
    pub taken_at: Option<NaiveDateTime>,
}

impl NewMeasurement {
    /// The reading as stored under row id `id`.
    fn stored_as(&self, id: i64) -> MeasurementRow {
        MeasurementRow {
            id,
            uuid: public_uuid(id, self.uuid.clone()),
            batch_id: self.batch_id,
            unit: self.unit,
            characteristic_id: self.characteristic_id,
            value: self.value,
            supersedes: self.supersedes,
            reason: self.reason.clone(),
            recorded_at: self.recorded_at,
            recorded_by: self.recorded_by,
            import_id: self.import_id,
            taken_at: self.taken_at,
        }
    }
}

/// What a batch's statistics, charts and yields need of a reading: its
/// value and where it stands among the versions, without who recorded it
/// or when (reading those back, times parsed from text, was a fifth of an
/// order report's time).
#[derive(Debug, Clone)]
pub struct ReadingValue {
    pub id: i64,
    /// As in [`MeasurementRow::uuid`].
    pub uuid: String,
    pub unit: i64,
    pub characteristic_id: i64,
    pub value: f64,
    pub supersedes: Option<i64>,
}

/// A reading's receipt time: its own, or, for an imported reading (stored
/// without one), its import's. Its import is found by primary key; a
/// reading with a time of its own does not look.
const RECEIPT_TIME: &str = "COALESCE(measurements.recorded_at, \
     (SELECT imports.imported_at FROM imports WHERE imports.id = measurements.import_id))";

/// [`MeasurementRow`] as its columns hold it: `uuid` and `recorded_at` are
/// NULL for an imported reading, which is answered under its derived id
/// and its import's time.
#[derive(Queryable, Selectable)]
#[diesel(table_name = measurements, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct StoredMeasurement {
    id: i64,
    uuid: Option<String>,
    batch_id: i64,
    unit: i64,
    characteristic_id: i64,
    value: f64,
    supersedes: Option<i64>,
    reason: Option<String>,
    #[diesel(select_expression = diesel::dsl::sql::<Timestamp>(RECEIPT_TIME))]
    #[diesel(select_expression_type = diesel::expression::SqlLiteral<Timestamp>)]
    recorded_at: NaiveDateTime,
    recorded_by: Option<i64>,
    import_id: Option<i64>,
    taken_at: Option<NaiveDateTime>,
}

impl From<StoredMeasurement> for MeasurementRow {
    fn from(row: StoredMeasurement) -> Self {
        Self {
            id: row.id,
            uuid: public_uuid(row.id, row.uuid),
            batch_id: row.batch_id,
            unit: row.unit,
            characteristic_id: row.characteristic_id,
            value: row.value,
            supersedes: row.supersedes,
            reason: row.reason,
            recorded_at: row.recorded_at,
            recorded_by: row.recorded_by,
            import_id: row.import_id,
            taken_at: row.taken_at,
        }
    }
}

/// [`ReadingValue`] as its columns hold it.
#[derive(Queryable, Selectable)]
#[diesel(table_name = measurements, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct StoredValue {
    id: i64,
    uuid: Option<String>,
    unit: i64,
    characteristic_id: i64,
    value: f64,
    supersedes: Option<i64>,
}

impl From<StoredValue> for ReadingValue {
    fn from(row: StoredValue) -> Self {
        Self {
            id: row.id,
            uuid: public_uuid(row.id, row.uuid),
            unit: row.unit,
            characteristic_id: row.characteristic_id,
            value: row.value,
            supersedes: row.supersedes,
        }
    }
}

/// Reads a public row type through its stored form: selects the stored
/// form's columns and converts each row as it is built.
macro_rules! read_through {
    ($public:ty, $stored:ty) => {
        impl<DB: diesel::backend::Backend> Selectable<DB> for $public
        where
            $stored: Selectable<DB>,
        {
            type SelectExpression = <$stored as Selectable<DB>>::SelectExpression;
            fn construct_selection() -> Self::SelectExpression {
                <$stored as Selectable<DB>>::construct_selection()
            }
        }

        impl<ST, DB: diesel::backend::Backend> Queryable<ST, DB> for $public
        where
            $stored: Queryable<ST, DB>,
        {
            type Row = <$stored as Queryable<ST, DB>>::Row;
            fn build(row: Self::Row) -> diesel::deserialize::Result<Self> {
                <$stored as Queryable<ST, DB>>::build(row).map(Self::from)
            }
        }
    };
}
read_through!(MeasurementRow, StoredMeasurement);
read_through!(ReadingValue, StoredValue);

impl From<&MeasurementRow> for ReadingValue {
    fn from(row: &MeasurementRow) -> Self {
        Self {
            id: row.id,
            uuid: row.uuid.clone(),
            unit: row.unit,
            characteristic_id: row.characteristic_id,
            value: row.value,
            supersedes: row.supersedes,
        }
    }
}

/// A version of a reading, as stored in full or read for its value alone.
pub trait Version {
    fn id(&self) -> i64;
    fn unit(&self) -> i64;
    fn characteristic_id(&self) -> i64;
    fn value(&self) -> f64;
    fn supersedes(&self) -> Option<i64>;
}

/// [`Version`] for a row type with those fields; `supersedes: None` for a
/// row that is always an original (an imported reading).
macro_rules! version_of {
    ($row:ty) => {
        $crate::store::measurements::version_of!($row, |row| row.supersedes);
    };
    ($row:ty, |$self_:ident| $supersedes:expr) => {
        impl $crate::store::measurements::Version for $row {
            fn id(&self) -> i64 {
                self.id
            }
            fn unit(&self) -> i64 {
                self.unit
            }
            fn characteristic_id(&self) -> i64 {
                self.characteristic_id
            }
            fn value(&self) -> f64 {
                self.value
            }
            fn supersedes(&self) -> Option<i64> {
                let $self_ = self;
                $supersedes
            }
        }
    };
}
pub(crate) use version_of;
version_of!(MeasurementRow);
version_of!(ReadingValue);

/// A stored reading with the code of its characteristic.
pub type CodedMeasurement = (MeasurementRow, String);

/// Readings per PostgreSQL insert (it allows 65,535 bound values; 11 per
/// row).
const ROWS_PER_INSERT: usize = 2_000;

/// Stores readings with multi-row inserts in the caller's transaction and
/// answers them as stored, with their row ids, in the order given, so
/// that a request's readings need not be read back: by `RETURNING` on
/// PostgreSQL, worked out on SQLite ([`super::inserted_ids`]).
///
/// PostgreSQL does not promise the order of `RETURNING` rows, so each is
/// matched to the row given by what no two readings of a batch share
/// (unit, characteristic and the reading it corrects: the version index).
pub fn insert_measurements(
    conn: &mut DbConnection,
    rows: &[NewMeasurement],
) -> QueryResult<Vec<MeasurementRow>> {
    let mut stored = Vec::with_capacity(rows.len());
    match conn {
        DbConnection::Sqlite(c) => {
            sqlite_insert_in_arrays!(rows, |chunk| {
                let inserted = diesel::insert_into(measurements::table)
                    .values(chunk)
                    .execute(c)?;
                let ids = ids_of_inserted(c, chunk.len(), inserted, "readings")?;
                stored.extend(chunk.iter().zip(ids).map(|(row, id)| row.stored_as(id)));
                QueryResult::Ok(())
            })
        }
        DbConnection::Postgresql(c) => {
            for chunk in rows.chunks(ROWS_PER_INSERT) {
                let answered: Vec<MeasurementRow> = diesel::insert_into(measurements::table)
                    .values(chunk)
                    .returning(MeasurementRow::as_returning())
                    .get_results(c)?;
                // What no two readings of a batch share: their version
                // (unit, characteristic and the reading corrected).
                stored.extend(in_order_given(
                    chunk,
                    answered,
                    |r| (r.batch_id, r.unit, r.characteristic_id, r.supersedes),
                    |r| (r.batch_id, r.unit, r.characteristic_id, r.supersedes),
                )?);
            }
        }
    }
    Ok(stored)
}

/// Readings answered under any of the given ids: as stored (clients' ids,
/// and derived ones a database migrated down and up again keeps as text),
/// and readings stored without one by the row ids derived ones carry.
pub fn find_by_uuids(
    conn: &mut DbConnection,
    uuids: &[String],
) -> QueryResult<Vec<CodedMeasurement>> {
    let row_ids = derived_row_ids(uuids);
    let mut found = Vec::new();
    if !uuids.is_empty() {
        found = on_backend!(conn, |c| measurements::table
            .inner_join(characteristics::table)
            .filter(any_of_texts(measurements::uuid, uuids))
            .select((MeasurementRow::as_select(), characteristics::code))
            .load::<CodedMeasurement>(c))?;
    }
    if !row_ids.is_empty() {
        found.extend(on_backend!(conn, |c| measurements::table
            .inner_join(characteristics::table)
            .filter(any_of_ids(measurements::id, &row_ids))
            .filter(measurements::uuid.is_null())
            .select((MeasurementRow::as_select(), characteristics::code))
            .load::<CodedMeasurement>(c))?);
    }
    Ok(found)
}

/// The current readings of a batch: those no other reading supersedes.
pub fn current_of_batch(
    conn: &mut DbConnection,
    batch_id: i64,
) -> QueryResult<Vec<MeasurementRow>> {
    Ok(only_current(all_of_batch(conn, batch_id)?))
}

/// Every reading of a batch, superseded ones included, by characteristic and unit.
pub fn all_of_batch(conn: &mut DbConnection, batch_id: i64) -> QueryResult<Vec<MeasurementRow>> {
    measurements::table
        .filter(measurements::batch_id.eq(batch_id))
        .order((measurements::characteristic_id, measurements::unit))
        .select(MeasurementRow::as_select())
        .load(conn)
}

/// The newest reading's id, if any reading is stored.
pub fn newest_id(conn: &mut DbConnection) -> QueryResult<Option<i64>> {
    measurements::table
        .select(diesel::dsl::max(measurements::id))
        .get_result(conn)
}

/// The first `limit` of a batch's units with readings after unit `after`
/// (of the readings up to id `upto`), in order: a page of the batch, found
/// along the index that leads with batch and unit.
pub fn units_after(
    conn: &mut DbConnection,
    batch_id: i64,
    upto: i64,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<i64>> {
    measurements::table
        .filter(measurements::batch_id.eq(batch_id))
        .filter(measurements::unit.gt(after))
        .filter(measurements::id.le(upto))
        .select(measurements::unit)
        .distinct()
        .order(measurements::unit)
        .limit(limit)
        .load(conn)
}

/// Every reading up to id `upto` of a batch's units from `first` to
/// `last`, superseded ones included, by unit and characteristic (on SQLite
/// the index's order: no sort).
pub fn all_of_units_between(
    conn: &mut DbConnection,
    batch_id: i64,
    upto: i64,
    first: i64,
    last: i64,
) -> QueryResult<Vec<MeasurementRow>> {
    measurements::table
        .filter(measurements::batch_id.eq(batch_id))
        .filter(measurements::unit.between(first, last))
        .filter(measurements::id.le(upto))
        .order((measurements::unit, measurements::characteristic_id))
        .select(MeasurementRow::as_select())
        .load(conn)
}

/// Every reading of a batch, superseded ones included, by characteristic
/// and unit, read for its value alone ([`ReadingValue`]). The rows come in
/// the order of the index that leads with batch and unit
/// (`measurements_version` on SQLite) and are sorted here, which spares
/// SQLite a sort of whole rows.
pub fn values_of_batch(conn: &mut DbConnection, batch_id: i64) -> QueryResult<Vec<ReadingValue>> {
    let mut rows: Vec<ReadingValue> = on_backend!(conn, |c| measurements::table
        .filter(measurements::batch_id.eq(batch_id))
        .select(ReadingValue::as_select())
        .load(c))?;
    rows.sort_unstable_by_key(|r| (r.characteristic_id, r.unit, r.id));
    Ok(rows)
}

/// Filters of a batch's reading list.
#[derive(Debug, Clone, Default)]
pub struct MeasurementFilter {
    pub unit: Option<i64>,
    pub characteristic_id: Option<i64>,
}

/// Every reading of a batch (superseded ones included), oldest first.
pub fn list_of_batch(
    conn: &mut DbConnection,
    batch_id: i64,
    filter: &MeasurementFilter,
    page: PageRequest,
) -> QueryResult<PageOf<CodedMeasurement>> {
    let filtered = || {
        let mut query = measurements::table
            .inner_join(characteristics::table)
            .filter(measurements::batch_id.eq(batch_id))
            .into_boxed();
        if let Some(unit) = filter.unit {
            query = query.filter(measurements::unit.eq(unit));
        }
        if let Some(characteristic_id) = filter.characteristic_id {
            query = query.filter(measurements::characteristic_id.eq(characteristic_id));
        }
        query
    };
    let total = filtered().count().get_result(conn)?;
    let items = filtered()
        .order(measurements::id)
        .limit(page.per_page)
        .offset(page.offset())
        .select((MeasurementRow::as_select(), characteristics::code))
        .load(conn)?;
    Ok(PageOf { items, total })
}

/// Which of the given units already have an original reading of a
/// characteristic in this batch, as (unit, characteristic id) pairs.
pub fn existing_readings(conn: &mut DbConnection, batch_id: i64) -> QueryResult<Vec<(i64, i64)>> {
    let all: Vec<(i64, i64, Option<i64>)> = measurements::table
        .filter(measurements::batch_id.eq(batch_id))
        .select((
            measurements::unit,
            measurements::characteristic_id,
            measurements::supersedes,
        ))
        .load(conn)?;
    Ok(originals(all))
}

/// The (unit, characteristic id) of the originals among (unit,
/// characteristic id, supersedes) rows.
///
/// Originals are picked here rather than by `supersedes IS NULL` in SQL:
/// the batch's rows are read by its index by batch either way, and no
/// plan may answer that condition from an index of every batch.
fn originals(rows: Vec<(i64, i64, Option<i64>)>) -> Vec<(i64, i64)> {
    rows.into_iter()
        .filter(|(_, _, supersedes)| supersedes.is_none())
        .map(|(unit, characteristic_id, _)| (unit, characteristic_id))
        .collect()
}

/// Every version of one unit's reading of a characteristic, oldest first:
/// the original and each correction.
pub fn versions_of(
    conn: &mut DbConnection,
    batch_id: i64,
    unit: i64,
    characteristic_id: i64,
) -> QueryResult<Vec<CodedMeasurement>> {
    measurements::table
        .inner_join(characteristics::table)
        .filter(measurements::batch_id.eq(batch_id))
        .filter(measurements::unit.eq(unit))
        .filter(measurements::characteristic_id.eq(characteristic_id))
        .order(measurements::id)
        .select((MeasurementRow::as_select(), characteristics::code))
        .load(conn)
}

/// Public ids of readings by row id.
pub fn uuids_of(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<(i64, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let stored: Vec<(i64, Option<String>)> = on_backend!(conn, |c| measurements::table
        .filter(any_of_ids(measurements::id, ids))
        .select((measurements::id, measurements::uuid))
        .load(c))?;
    Ok(stored
        .into_iter()
        .map(|(id, uuid)| (id, public_uuid(id, uuid)))
        .collect())
}

/// For each of the given readings that has been corrected: (its row id, the
/// public id of the reading that supersedes it).
pub fn superseded_by(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<(i64, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let stored: Vec<(i64, i64, Option<String>)> = on_backend!(conn, |c| measurements::table
        .filter(any_of_ids(measurements::supersedes, ids))
        .select((
            measurements::supersedes.assume_not_null(),
            measurements::id,
            measurements::uuid,
        ))
        .load(c))?;
    Ok(stored
        .into_iter()
        .map(|(corrected, id, uuid)| (corrected, public_uuid(id, uuid)))
        .collect())
}

/// The readings of a batch as first recorded: those that correct nothing.
pub fn originals_of_batch(
    conn: &mut DbConnection,
    batch_id: i64,
) -> QueryResult<Vec<MeasurementRow>> {
    let mut all = all_of_batch(conn, batch_id)?;
    // Not `supersedes IS NULL` in SQL: see `originals`.
    all.retain(|m| m.supersedes.is_none());
    Ok(all)
}

/// Every version of the given units' readings of the given
/// characteristics, read for their values alone ([`ReadingValue`]), by row
/// id.
pub fn values_of_units(
    conn: &mut DbConnection,
    batch_id: i64,
    units: &[i64],
    characteristic_ids: &[i64],
) -> QueryResult<Vec<ReadingValue>> {
    let mut values: Vec<ReadingValue> = on_backend!(conn, |c| measurements::table
        .filter(measurements::batch_id.eq(batch_id))
        .filter(any_of_ids(measurements::unit, units))
        .filter(any_of_ids(
            measurements::characteristic_id,
            characteristic_ids
        ))
        .select(ReadingValue::as_select())
        .load(c))?;
    values.sort_unstable_by_key(|r| r.id);
    Ok(values)
}

/// Every version of every reading of the given units, read for their
/// values alone ([`ReadingValue`]), by row id.
///
/// A unit's readings are few (one per characteristic and correction), so
/// they are found by the index on (batch, unit) alone and put in order
/// here: a filter on their characteristics and an `ORDER BY` in the
/// statement each had SQLite build a temporary B-tree per recording
/// request, which reads all of its units' readings.
pub fn every_value_of_units(
    conn: &mut DbConnection,
    batch_id: i64,
    units: &[i64],
) -> QueryResult<Vec<ReadingValue>> {
    let mut values: Vec<ReadingValue> = on_backend!(conn, |c| measurements::table
        .filter(measurements::batch_id.eq(batch_id))
        .filter(any_of_ids(measurements::unit, units))
        .select(ReadingValue::as_select())
        .load(c))?;
    values.sort_unstable_by_key(|r| r.id);
    Ok(values)
}

/// The current readings of the given units: those no other reading supersedes.
pub fn current_of_units(
    conn: &mut DbConnection,
    batch_id: i64,
    units: &[i64],
    characteristic_ids: &[i64],
) -> QueryResult<Vec<ReadingValue>> {
    Ok(only_current(values_of_units(
        conn,
        batch_id,
        units,
        characteristic_ids,
    )?))
}

/// The readings among `rows` that no other of them supersedes; `rows` must
/// hold every version of the readings it holds.
pub fn only_current<R: Version>(rows: Vec<R>) -> Vec<R> {
    let superseded: std::collections::HashSet<i64> =
        rows.iter().filter_map(Version::supersedes).collect();
    rows.into_iter()
        .filter(|m| !superseded.contains(&m.id()))
        .collect()
}
