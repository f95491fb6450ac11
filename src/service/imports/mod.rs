//! Importing an instrument's CSV export into a batch: one row per unit, one
//! column per characteristic.
//!
//! The file is read once, streaming with the `csv` crate, by the request's
//! thread, which checks every cell while a thread of its own stores the
//! cells checked so far in chunks, in the one transaction of the request. A file with a
//! problem anywhere is refused whole: the transaction is rolled back, so a
//! file imports whole or not at all. Memory grows with the batch's sample,
//! never with the file: a record (a line) longer than [`MAX_RECORD_BYTES`] is refused before it is held
//! whole, and a problem quotes at most the start of a cell or header, at
//! most 100 of them listed. A file already imported into the batch (same
//! SHA-256) is recognised and stored once.
//!
//! Callers run it as a bulk write (`Db::write_bulk`): on SQLite alone, without
//! a check of each row's references. It reads what its rows refer to in its
//! own transaction (the batch and its product's characteristics by
//! `context`, the import's record it inserts), and the recorder is the
//! signed-in user (accounts are deactivated, never deleted).

mod checking;
mod layout;
mod scan;
mod storing;

use super::audit::{self, Actor};
use super::limits::InputLimits;
use super::measurements::{context, Units};
use super::utc;
use crate::domain::digest::hex;
use crate::error::{AppResult, OrInternal};
use crate::store::imports::{self as store, ImportRow};
use crate::store::{now, DbConnection};
use chrono::{DateTime, Utc};
pub use layout::MAX_RECORD_BYTES;
use layout::{layout, Layout};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::{Read, Seek};
use storing::{check_and_store, insert_import, save_mapping, Upload};
use utoipa::ToSchema;

/// Readings the check hands to the store at a time: memory stays flat
/// whatever the file's length (but for the units seen, a few bytes each,
/// and the colour cells of units cut by a chunk's edge, kept to the end).
pub const READINGS_PER_CHUNK: usize = 2_000;

/// How to read a file: which column holds the unit number and which
/// columns hold which characteristic.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportOptions {
    /// The instrument that wrote the file; a mapping given with it is saved
    /// for that instrument and product and used when none is given.
    pub instrument: Option<String>,
    /// Header → characteristic code. Without it (and without a saved one),
    /// headers that equal a characteristic code are imported.
    pub mapping: Option<BTreeMap<String, String>>,
    /// Header of the unit-number column (default `unit`).
    pub unit_column: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Import {
    pub id: i64,
    pub batch_id: i64,
    /// SHA-256 of the file's bytes (hex).
    pub sha256: String,
    pub filename: String,
    pub instrument: Option<String>,
    /// Data rows in the file.
    pub rows: i64,
    /// Readings stored (non-empty mapped cells).
    pub readings: i64,
    pub imported_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportOutcome {
    /// True when this exact file was imported into the batch before; nothing
    /// new is stored and `import` is the earlier one.
    pub duplicate: bool,
    pub import: Import,
    /// Header → characteristic code used (this import only).
    pub columns: BTreeMap<String, String>,
    /// Headers of the file that map to nothing and were not read.
    pub ignored_columns: Vec<String>,
}

fn view(row: ImportRow) -> Import {
    Import {
        id: row.id,
        batch_id: row.batch_id,
        sha256: row.sha256,
        filename: row.filename,
        instrument: row.instrument,
        rows: row.rows_read,
        readings: row.readings,
        imported_at: utc(row.imported_at),
    }
}

/// SHA-256 (hex) of everything `source` yields.
pub fn sha256_of(mut source: impl Read) -> std::io::Result<String> {
    let mut hasher = Sha256::new();
    std::io::copy(&mut source, &mut hasher)?;
    Ok(hex(&hasher.finalize()))
}

/// A file to import: read from its start, `sha256` the hash of its bytes.
pub struct CsvFile<'a, F: Read + Seek> {
    pub file: &'a mut F,
    pub sha256: &'a str,
    pub filename: &'a str,
}

/// Imports a CSV file into a batch (see the module documentation).
pub fn import_csv<F: Read + Seek>(
    conn: &mut DbConnection,
    actor: &Actor,
    batch_id: i64,
    upload: CsvFile<'_, F>,
    options: ImportOptions,
    limits: &InputLimits,
) -> AppResult<ImportOutcome> {
    let CsvFile {
        file,
        sha256,
        filename,
    } = upload;
    let ctx = context(conn, batch_id, limits, Units::All)?;
    let layout = layout(conn, &ctx, file, &options)?;
    let outcome = |duplicate, row, layout: Layout| ImportOutcome {
        duplicate,
        import: view(row),
        columns: layout.column_codes(),
        ignored_columns: layout.ignored,
    };
    if let Some(earlier) = store::find_import_by_hash(conn, batch_id, sha256)? {
        return Ok(outcome(true, earlier, layout));
    }
    let upload = Upload {
        actor,
        ctx: &ctx,
        sha256,
        filename,
        options: &options,
        imported_at: now(),
    };
    let import_id = insert_import(conn, &upload)?;
    let counts = check_and_store(conn, &upload, file, &layout, import_id)?;
    store::set_import_counts(conn, import_id, counts.rows, counts.readings)?;
    save_mapping(conn, &upload, &layout)?;
    audit::record(
        conn,
        actor,
        "imports.create",
        format!("batch/{batch_id}"),
        serde_json::json!({
            "import_id": import_id, "filename": filename, "sha256": sha256,
            "instrument": options.instrument, "rows": counts.rows, "readings": counts.readings,
            "columns": layout.column_codes(),
        }),
    )?;
    let row =
        store::find_import_by_hash(conn, batch_id, sha256)?.or_internal("the import reads back")?;
    Ok(outcome(false, row, layout))
}

/// The imports of a batch, oldest first.
pub fn list(
    conn: &mut DbConnection,
    batch_id: i64,
    visibility: crate::domain::access::Visibility,
) -> AppResult<Vec<Import>> {
    super::batches::get_batch(conn, batch_id, visibility)?;
    Ok(store::imports_of_batch(conn, batch_id)?
        .into_iter()
        .map(view)
        .collect())
}
