//! What running the service needs of storage: whether the database is
//! ready (it answers, every migration is applied, a SQLite file is still
//! where it was opened), how much of the pool is in use, counts for the
//! metrics, and an online copy of a SQLite database.

use super::schema::measurements;
use super::{Db, DbConnection, POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS};
use crate::error::Message;
use crate::error::{AppError, AppResult};
use diesel::prelude::*;
use diesel_migrations::MigrationHarness;
use std::path::Path;
use std::time::Duration;

/// The connections of the pool at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolUse {
    /// Lent out to a request or a command.
    pub in_use: u32,
    /// Open and waiting in the pool.
    pub idle: u32,
    /// The most the pool opens.
    pub max: u32,
}

impl Db {
    /// How many connections are in use and idle now (r2d2's `state()`).
    pub fn pool_use(&self) -> PoolUse {
        let state = self.pool.state();
        PoolUse {
            in_use: state.connections.saturating_sub(state.idle_connections),
            idle: state.idle_connections,
            max: self.pool.max_size(),
        }
    }

    /// As [`Db::read`], but gives up after `timeout` when no connection can
    /// be had (instead of the pool's connection timeout): for probes and
    /// scrapes, which must answer quickly that the database does not.
    pub async fn read_within<T, F>(&self, timeout: Duration, work: F) -> AppResult<T>
    where
        F: FnOnce(&mut DbConnection) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let db = self.clone();
        actix_web::web::block(move || {
            let mut pooled = db.pool.get_timeout(timeout)?;
            let conn: &mut DbConnection = &mut pooled;
            conn.transaction(work)
        })
        .await?
    }

    /// Ready to serve: a SQLite file is still at its path (a file removed
    /// under a running service takes every later write with it), a
    /// connection answers within `timeout`, and every migration embedded in
    /// this build is applied. Answers 503 (`unavailable`) otherwise.
    pub async fn check_ready(&self, timeout: Duration) -> AppResult<()> {
        if let Some(path) = self.sqlite_path.as_deref().filter(|p| is_file_path(p)) {
            if !Path::new(path).exists() {
                return Err(AppError::unavailable(
                    Message::new("err-database-file-gone").arg("path", path),
                ));
            }
        }
        let pending = self.read_within(timeout, pending_migrations).await?;
        if pending.is_empty() {
            Ok(())
        } else {
            Err(AppError::unavailable(
                Message::new("err-migrations-pending").arg("migrations", pending.join(", ")),
            ))
        }
    }

    /// Copies a SQLite database to `to` while the service keeps writing.
    /// `VACUUM INTO` writes a consistent snapshot (one read transaction; in
    /// WAL mode writers carry on meanwhile) to a temporary file beside `to`,
    /// which is flushed to disk and then renamed, so `to` is either
    /// complete or absent. An existing `to` is refused, never overwritten.
    /// Answers the size of the copy in bytes.
    pub fn backup_sqlite(&self, to: &Path) -> anyhow::Result<u64> {
        use anyhow::{bail, Context};
        if !self.is_sqlite() {
            bail!("only a SQLite database is copied this way; for PostgreSQL use pg_dump");
        }
        if to.exists() {
            bail!(
                "{} exists already; choose another name or remove it first",
                to.display()
            );
        }
        let name = to
            .file_name()
            .with_context(|| format!("{} is not a file name", to.display()))?;
        let dir = match to.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
            _ => std::path::PathBuf::from("."),
        };
        let partial = dir.join(format!(
            ".{}.partial-{}",
            name.to_string_lossy(),
            std::process::id()
        ));
        let _ = std::fs::remove_file(&partial);
        let target = partial
            .to_str()
            .with_context(|| format!("{} is not UTF-8", partial.display()))?
            .to_string();
        let copied = (|| -> anyhow::Result<u64> {
            let mut pooled = self.pool.get()?;
            match &mut *pooled {
                DbConnection::Sqlite(c) => {
                    diesel::sql_query("VACUUM INTO ?")
                        .bind::<diesel::sql_types::Text, _>(&target)
                        .execute(c)
                        .context("VACUUM INTO failed")?;
                }
                DbConnection::Postgresql(_) => unreachable!("checked above"),
            }
            let file = std::fs::File::open(&partial)?;
            file.sync_all()?;
            let bytes = file.metadata()?.len();
            std::fs::rename(&partial, to)?;
            // Make the rename itself durable.
            if let Ok(dir) = std::fs::File::open(&dir) {
                let _ = dir.sync_all();
            }
            Ok(bytes)
        })();
        if copied.is_err() {
            let _ = std::fs::remove_file(&partial);
        }
        copied.with_context(|| format!("cannot copy the database to {}", to.display()))
    }
}

/// A SQLite "path" that names a file (not `:memory:` or a `file:` URI).
fn is_file_path(path: &str) -> bool {
    !path.is_empty() && path != ":memory:" && !path.starts_with("file:")
}

/// The migrations of this build not yet applied to the database, by version.
pub fn pending_migrations(conn: &mut DbConnection) -> AppResult<Vec<String>> {
    let pending = match conn {
        DbConnection::Postgresql(c) => c
            .pending_migrations(POSTGRES_MIGRATIONS)
            .map(|found| found.iter().map(|m| m.name().to_string()).collect()),
        DbConnection::Sqlite(c) => c
            .pending_migrations(SQLITE_MIGRATIONS)
            .map(|found| found.iter().map(|m| m.name().to_string()).collect()),
    };
    pending.map_err(AppError::internal)
}

/// Whether the database answers a trivial query.
pub fn ping(conn: &mut DbConnection) -> QueryResult<()> {
    diesel::connection::SimpleConnection::batch_execute(conn, "SELECT 1")
}

/// Readings stored, every version (a correction is a reading too).
pub fn count_readings(conn: &mut DbConnection) -> QueryResult<i64> {
    measurements::table.count().get_result(conn)
}
