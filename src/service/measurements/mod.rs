//! Readings of sampled units: recording them many per request, correcting
//! them by superseding, and reading them back.

mod checks;
mod corrections;
mod frames;
mod recording;
mod views;

pub(super) use checks::{
    chromaticity_problems, chromaticity_problems_beside, context, reading_problem, unit_problem,
    CappedProblems, Context, Units,
};
pub use corrections::{correct, history, CorrectMeasurement, MeasurementHistory};
pub use frames::BatchFrames;
pub(crate) use recording::check_committed;
pub use recording::{
    check, record, store_checked, CheckedReadings, MeasurementInput, RecordMeasurements, Recorded,
    MAX_PER_REQUEST,
};
pub use views::{get, list, ListFilter, Measurement};

use super::client_records::ClientRecord;
use crate::error::ErrorCode;
use crate::store::measurements::{self as store, CodedMeasurement, NewMeasurement};
use crate::store::DbConnection;
use diesel::QueryResult;

/// Readings are named by their client's UUID and corrected by superseding.
struct Readings;

impl ClientRecord for Readings {
    type Stored = CodedMeasurement;
    /// A reading to store, with its characteristic's code.
    type New = (NewMeasurement, String);
    const ID_REUSED: ErrorCode = ErrorCode::MeasurementIdReused;
    const ID_REUSED_MESSAGE: &'static str = "err-id-names-another-reading";

    fn uuid((row, _): &CodedMeasurement) -> &str {
        &row.uuid
    }

    fn find(conn: &mut DbConnection, uuids: &[String]) -> QueryResult<Vec<CodedMeasurement>> {
        store::find_by_uuids(conn, uuids)
    }

    fn insert(
        conn: &mut DbConnection,
        rows: Vec<(NewMeasurement, String)>,
    ) -> QueryResult<Vec<CodedMeasurement>> {
        let (rows, codes): (Vec<NewMeasurement>, Vec<String>) = rows.into_iter().unzip();
        Ok(store::insert_measurements(conn, &rows)?
            .into_iter()
            .zip(codes)
            .collect())
    }

    fn is_superseded(conn: &mut DbConnection, id: i64) -> QueryResult<bool> {
        Ok(!store::superseded_by(conn, &[id])?.is_empty())
    }
}
