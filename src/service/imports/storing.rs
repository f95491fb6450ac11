//! Storing a file as it is checked: the import's record, the readings in
//! chunks under its id as the check ([`super::checking`]) hands them
//! over, and the column mapping saved for the instrument.

use super::checking::{finish, CellCheck, CheckedChunk, Counts};
use super::layout::Layout;
use super::ImportOptions;
use crate::domain::message::Message;
use crate::error::{AppError, AppResult, ErrorCode, OnUniqueViolation, OrInternal};
use crate::service::audit::Actor;
use crate::service::colour::{colour_row, store_derived};
use crate::service::measurements::Context;
use crate::store::colours;
use crate::store::imported::{self, ImportShared};
use crate::store::imports::{self as store, ImportRow, MappingRow};
use crate::store::measurements::existing_readings;
use crate::store::DbConnection;
use chrono::NaiveDateTime;
use std::io::{Read, Seek};
use std::sync::mpsc;

/// Checked chunks waiting to be stored, at most: the check runs ahead of
/// the store by no more, so memory stays flat.
const CHUNKS_IN_FLIGHT: usize = 4;

/// One file being imported: by whom, into which batch, and when.
pub(super) struct Upload<'a> {
    pub actor: &'a Actor,
    pub ctx: &'a Context,
    pub sha256: &'a str,
    pub filename: &'a str,
    pub options: &'a ImportOptions,
    pub imported_at: NaiveDateTime,
}

/// Records the import, its counts still zero; a second request importing
/// the same file into the batch at the same moment meets the unique index
/// and is refused.
pub(super) fn insert_import(conn: &mut DbConnection, upload: &Upload) -> AppResult<i64> {
    store::insert_import(
        conn,
        &ImportRow {
            id: 0,
            batch_id: upload.ctx.batch_id,
            sha256: upload.sha256.to_string(),
            filename: upload.filename.to_string(),
            instrument: upload.options.instrument.clone(),
            rows_read: 0,
            readings: 0,
            imported_by: upload.actor.user_id,
            imported_at: upload.imported_at,
        },
    )
    .on_unique_violation(|| {
        AppError::conflict(
            ErrorCode::ImportInProgress,
            Message::new("err-import-in-progress"),
        )
    })
}

/// Checks the file while a thread of its own stores, under the import's
/// id, the readings it has passed and their units' colours.
/// Answers the file's counts, or its problems (what was stored is then the
/// caller's to roll back).
pub(super) fn check_and_store(
    conn: &mut DbConnection,
    upload: &Upload,
    file: &mut (impl Read + Seek),
    layout: &Layout,
    import_id: i64,
) -> AppResult<Counts> {
    let stored = existing_readings(conn, upload.ctx.batch_id)?;
    let check = CellCheck::new(upload.ctx, layout, stored.into_iter().collect());
    // The check runs on the calling thread, the store on a thread of its
    // own: the writer (or a pool's thread) is long-lived, and keeps warm
    // the Planckian tables deriving colours reads (`colorimetry`, kept per
    // thread), which a new thread would compute afresh for every file.
    let walked = std::thread::scope(|scope| {
        let (to_store, checked) = mpsc::sync_channel(CHUNKS_IN_FLIGHT);
        let conn = &mut *conn;
        let store = std::thread::Builder::new()
            .name("import-store".into())
            .spawn_scoped(scope, move || {
                store_chunks(conn, upload, import_id, checked)
            })
            .or_internal("a thread to store an import starts")?;
        let walked = check.run(file, to_store);
        let stored = store
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        match (stored, walked) {
            (Ok(()), walked) => walked,
            // The file's own problems, if it has any, are what its sender
            // can act on; else the store's failure (which stopped the check).
            (Err(failed), Ok(walked)) => Err(walked.refused().unwrap_or(failed)),
            (Err(failed), Err(_)) => Err(failed),
        }
    })?;
    let partly_stored = walked.units_with_one_coordinate_in_a_chunk();
    let counts = finish(conn, upload.ctx, walked)?;
    if let Some(chromaticity) = &upload.ctx.chromaticity {
        store_derived(conn, chromaticity, upload.ctx.batch_id, &partly_stored)?;
    }
    Ok(counts)
}

/// Stores each chunk the check hands over until it is done, with the
/// colours of the units whose x and y are both in the chunk, derived by
/// the check. (The colour of a unit with one coordinate in a chunk needs
/// the other from the batch: a unit cut by a chunk's edge, or with a
/// coordinate stored before the file. It is stored once the file is.)
/// On an error it stops, and the check with it (its next chunk finds no
/// one to take it).
///
/// An import never repeats a unit's reading of a characteristic, so a
/// unit with its x and y in one chunk has no other version of either,
/// hence no other pair and no colour stored yet.
fn store_chunks(
    conn: &mut DbConnection,
    upload: &Upload,
    import_id: i64,
    checked: mpsc::Receiver<CheckedChunk>,
) -> AppResult<()> {
    let batch_id = upload.ctx.batch_id;
    let shared = ImportShared {
        batch_id,
        recorded_by: upload.actor.user_id,
        import_id,
    };
    for chunk in checked {
        let stored = imported::insert(conn, &shared, &chunk.readings)?;
        let id_at = |position: usize| {
            stored
                .get(position)
                .map(|reading| reading.id)
                .or_internal("a chunk's colour names a reading of the chunk")
        };
        let rows = chunk
            .colours
            .into_iter()
            .map(|colour| {
                let ids = (id_at(colour.x_at)?, id_at(colour.y_at)?);
                Ok(colour_row(batch_id, colour.unit, ids, colour.derived))
            })
            .collect::<AppResult<Vec<_>>>()?;
        colours::insert(conn, &rows)?;
    }
    Ok(())
}

/// A mapping given with an instrument is saved for it and the product.
pub(super) fn save_mapping(
    conn: &mut DbConnection,
    upload: &Upload,
    layout: &Layout,
) -> AppResult<()> {
    let (Some(instrument), Some(mapping)) = (&upload.options.instrument, &upload.options.mapping)
    else {
        return Ok(());
    };
    store::insert_mapping(
        conn,
        &MappingRow {
            id: 0,
            instrument: instrument.clone(),
            product_id: upload.ctx.product_id,
            unit_column: layout.unit_header().to_string(),
            column_map: serde_json::to_string(mapping)
                .or_internal("a column mapping serialises")?,
            saved_by: upload.actor.user_id,
            saved_at: upload.imported_at,
        },
    )?;
    Ok(())
}
