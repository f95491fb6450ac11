//! Final visual inspection: the defect catalogue of each product family,
//! inspections of units (pass, or the defects found with severity and
//! count), their corrections, and a batch summary (units passed and failed,
//! defects in Pareto order).

mod corrections;
mod defect_types;
mod recording;
mod scope;
mod summary;
mod views;

pub use crate::domain::summaries::{DefectCount, VisualSummary};
pub use crate::service::photos::{photo_ref, PhotoRef};
pub use corrections::{correct, CorrectInspection};
pub use defect_types::{create_defect_type, list_defect_types, DefectType, NewDefectType};
pub use recording::{record, InspectionInput, RecordInspections, RecordedInspections};
pub use scope::DefectInput;
pub use summary::summary;
pub use views::{current_failed, get, list, Finding, Inspection};

use super::client_records::ClientRecord;
use crate::error::ErrorCode;
use crate::store::visual::{self as store, InspectionRow};
use crate::store::DbConnection;
use diesel::QueryResult;
use std::collections::HashMap;

/// Inspections are named by their client's UUID and corrected by superseding.
struct Inspections;

impl ClientRecord for Inspections {
    type Stored = InspectionRow;
    type New = InspectionRow;
    const ID_REUSED: ErrorCode = ErrorCode::InspectionIdReused;
    const ID_REUSED_MESSAGE: &'static str = "err-id-names-another-inspection";

    fn uuid(stored: &InspectionRow) -> &str {
        &stored.uuid
    }

    fn find(conn: &mut DbConnection, uuids: &[String]) -> QueryResult<Vec<InspectionRow>> {
        store::find_inspections_by_uuids(conn, uuids)
    }

    fn insert(
        conn: &mut DbConnection,
        rows: Vec<InspectionRow>,
    ) -> QueryResult<Vec<InspectionRow>> {
        store::insert_inspections(conn, &rows)?;
        let uuids: Vec<String> = rows.into_iter().map(|row| row.uuid).collect();
        let mut found: HashMap<String, InspectionRow> =
            store::find_inspections_by_uuids(conn, &uuids)?
                .into_iter()
                .map(|row| (row.uuid.clone(), row))
                .collect();
        uuids
            .iter()
            .map(|uuid| {
                found.remove(uuid).ok_or_else(|| {
                    diesel::result::Error::DeserializationError(
                        "a stored inspection is found by its id".into(),
                    )
                })
            })
            .collect()
    }

    fn is_superseded(conn: &mut DbConnection, id: i64) -> QueryResult<bool> {
        store::is_superseded(conn, id)
    }
}
