//! Figures for running the service (the `/metrics` scrape reads them).

use crate::error::AppResult;
use crate::store::operations as store;
use crate::store::DbConnection;

/// Readings stored, every version counted (a correction is a new reading
/// that supersedes the old one; nothing is deleted).
pub fn readings_stored(conn: &mut DbConnection) -> AppResult<i64> {
    Ok(store::count_readings(conn)?)
}

/// Whether the database answers: what `/healthz` reports.
pub fn database_answers(conn: &mut DbConnection) -> AppResult<()> {
    Ok(store::ping(conn)?)
}

/// Brings a database up to date: the schema's pending migrations, then the
/// data steps SQL cannot do (colours of readings stored before colours
/// were stored). Answers the schema migrations applied.
pub fn migrate(db: &crate::store::Db) -> anyhow::Result<Vec<String>> {
    let applied = db.migrate()?;
    if db.write_blocking(super::colour::store_missing_colours)? {
        tracing::info!("stored the colours of earlier chromaticity readings");
    }
    Ok(applied)
}
