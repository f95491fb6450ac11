//! The second pass over a checked file: the import's record, the readings
//! in chunks under its id, and the column mapping saved for the instrument.

use super::checking::Counts;
use super::layout::Layout;
use super::scan::{scan, Scanned};
use super::{ImportOptions, READINGS_PER_CHUNK};
use crate::domain::message::Message;
use crate::error::{AppError, AppResult, ErrorCode, OnUniqueViolation, OrInternal};
use crate::service::audit::Actor;
use crate::service::colour::{store_derived, store_derived_of_new};
use crate::service::measurements::Context;
use crate::store::imported::{self, ImportShared, ImportedReading};
use crate::store::imports::{self as store, ImportRow, MappingRow};
use crate::store::DbConnection;
use chrono::NaiveDateTime;
use std::io::{Read, Seek};

/// One file being imported: by whom, into which batch, and when.
pub(super) struct Upload<'a> {
    pub actor: &'a Actor,
    pub ctx: &'a Context,
    pub sha256: &'a str,
    pub filename: &'a str,
    pub options: &'a ImportOptions,
    pub imported_at: NaiveDateTime,
}

/// Records the import; a second request importing the same file into the
/// batch at the same moment meets the unique index and is refused.
pub(super) fn insert_import(
    conn: &mut DbConnection,
    upload: &Upload,
    counts: &Counts,
) -> AppResult<i64> {
    store::insert_import(
        conn,
        &ImportRow {
            id: 0,
            batch_id: upload.ctx.batch_id,
            sha256: upload.sha256.to_string(),
            filename: upload.filename.to_string(),
            instrument: upload.options.instrument.clone(),
            rows_read: counts.rows,
            readings: counts.readings,
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

/// Stores every reading of the file, in chunks, under the import's id.
pub(super) fn store_readings(
    conn: &mut DbConnection,
    upload: &Upload,
    file: &mut (impl Read + Seek),
    layout: &Layout,
    import_id: i64,
) -> AppResult<()> {
    let shared = ImportShared {
        batch_id: upload.ctx.batch_id,
        recorded_at: upload.imported_at,
        recorded_by: upload.actor.user_id,
        import_id,
    };
    let mut chunk = Vec::with_capacity(READINGS_PER_CHUNK);
    scan(file, layout, |found| {
        if let Scanned::Cell {
            unit, code, value, ..
        } = found
        {
            chunk.push(ImportedReading {
                unit,
                characteristic_id: upload.ctx.template[code].id,
                value,
            });
            if chunk.len() == READINGS_PER_CHUNK {
                store_chunk(conn, upload.ctx, &shared, &chunk)?;
                chunk.clear();
            }
        }
        Ok(())
    })?;
    store_chunk(conn, upload.ctx, &shared, &chunk)
}

/// Stores a chunk of readings and the colours of the units whose
/// chromaticity it completes or changes.
fn store_chunk(
    conn: &mut DbConnection,
    ctx: &Context,
    shared: &ImportShared,
    chunk: &[ImportedReading],
) -> AppResult<()> {
    let stored = imported::insert(conn, shared, chunk)?;
    if let Some(chromaticity) = &ctx.chromaticity {
        // Units whose x and y are both in the chunk, from what the insert
        // answered; a unit cut by the chunk's edge, from its stored readings.
        let cut = store_derived_of_new(conn, chromaticity, ctx.batch_id, &stored)?;
        store_derived(conn, chromaticity, ctx.batch_id, &cut)?;
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
