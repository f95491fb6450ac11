//! Storage: one diesel code path over SQLite (embedded default) and
//! PostgreSQL, a connection pool, migrations, and the queries of each
//! resource in a module of its own.

pub mod accounts;
mod any_of;
pub mod audit;
pub mod batches;
pub mod catalog;
pub mod colours;
pub mod delivery;
pub mod dispositions;
pub mod imported;
pub mod imports;
mod inserted_ids;
pub mod materials;
pub mod measurements;
pub mod ncrs;
pub mod operations;
pub mod orders;
pub mod phases;
pub mod reading_ids;
pub mod reports;
pub mod sampling;
pub mod schema;
pub mod shipping;
pub mod suppliers;
pub mod switching;
pub mod visual;
mod writer;
pub use writer::Commit;

use crate::error::{AppError, AppResult};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use std::sync::Arc;
use std::time::Duration;

/// A connection to whichever backend `DATABASE_URL` names.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgresql(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

/// Runs the same diesel code against the concrete connection inside a
/// [`DbConnection`]. Needed where the MultiConnection backend cannot express
/// a query (multi-row `INSERT` and `RETURNING`, checked with diesel 2.3.14)
/// or a backend's own SQL ([`any_of`]). Used too by the queries every
/// recorded reading runs (token, batch, plan, order, product and its
/// template, audit chain):
/// through the MultiConnection a query's SQL text is rendered again on every
/// execution, even when its prepared statement is cached, which cost a tenth
/// of the server's time under load.
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match &mut *$conn {
            $crate::store::DbConnection::Postgresql($c) => $body,
            $crate::store::DbConnection::Sqlite($c) => $body,
        }
    };
}
pub(crate) use on_backend;

/// Runs a SQLite insert of `rows` in statements of 64 rows, then of 32,
/// 16, 8, 4, 2 and 1 row for those left over (each at most once: the
/// binary digits of the remainder): `|chunk| run` runs the statement for
/// `chunk`, an array of one of those lengths, and answers a `QueryResult`.
/// diesel keeps the prepared
/// statement of an array's insert, whose length is in its type, not of a
/// slice's, so any number of rows is stored by statements of at most seven
/// shapes, each prepared once per connection: a large import prepares none of its own,
/// and a request of six readings runs two statements rather than six. The
/// row type must store `None` as NULL (`treat_none_as_default_value =
/// false`), or diesel inserts the rows one by one.
macro_rules! sqlite_insert_in_arrays {
    ($rows:expr, |$chunk:ident| $run:expr) => {{
        let mut chunks = $rows.chunks_exact(64);
        for whole in &mut chunks {
            let $chunk: &[_; 64] = whole.try_into().expect("chunks_exact gives whole chunks");
            $run?;
        }
        let rest = chunks.remainder();
        $crate::store::sqlite_insert_in_arrays!(@part rest, 32, |$chunk| $run);
        $crate::store::sqlite_insert_in_arrays!(@part rest, 16, |$chunk| $run);
        $crate::store::sqlite_insert_in_arrays!(@part rest, 8, |$chunk| $run);
        $crate::store::sqlite_insert_in_arrays!(@part rest, 4, |$chunk| $run);
        $crate::store::sqlite_insert_in_arrays!(@part rest, 2, |$chunk| $run);
        $crate::store::sqlite_insert_in_arrays!(@part rest, 1, |$chunk| $run);
        debug_assert!(rest.is_empty());
    }};
    (@part $rest:ident, $n:literal, |$chunk:ident| $run:expr) => {
        let $rest = if $rest.len() >= $n {
            let (head, tail) = $rest.split_at($n);
            let $chunk: &[_; $n] = head.try_into().expect("split_at gives the length asked");
            $run?;
            tail
        } else {
            $rest
        };
    };
}
pub(crate) use sqlite_insert_in_arrays;

/// The rows an insert's `RETURNING` answered, put in the order of the rows
/// given, matched by `key` (PostgreSQL does not promise `RETURNING`'s
/// order): what no two rows of the insert share.
pub(crate) fn in_order_given<Given, Answered, Key: std::hash::Hash + Eq>(
    given: &[Given],
    answered: Vec<Answered>,
    key_of_given: impl Fn(&Given) -> Key,
    key_of_answered: impl Fn(&Answered) -> Key,
) -> QueryResult<Vec<Answered>> {
    let mut by_key: std::collections::HashMap<Key, Answered> = answered
        .into_iter()
        .map(|row| (key_of_answered(&row), row))
        .collect();
    given
        .iter()
        .map(|row| {
            by_key.remove(&key_of_given(row)).ok_or_else(|| {
                diesel::result::Error::DeserializationError("every row inserted is answered".into())
            })
        })
        .collect()
}

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// What SQLite promises about a committed transaction, set per connection
/// (`PRAGMA synchronous`). In WAL mode both survive a crash of the process;
/// `Full` also survives a power loss or an operating-system crash, at the
/// cost of one fsync of the WAL per commit; `Normal` may lose the last
/// commits on a power loss (never corrupts the file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SqliteSync {
    Normal,
    Full,
}

/// Which database a URL names: `postgres://…`/`postgresql://…` is PostgreSQL;
/// anything else is a SQLite file path (an optional `sqlite://` is dropped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseTarget {
    Postgres(String),
    Sqlite(String),
}

impl DatabaseTarget {
    pub fn parse(url: &str) -> Self {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Self::Postgres(url.to_string())
        } else {
            Self::Sqlite(url.strip_prefix("sqlite://").unwrap_or(url).to_string())
        }
    }

    pub fn is_sqlite(&self) -> bool {
        matches!(self, Self::Sqlite(_))
    }
}

/// Opens connections for the pool; each SQLite connection gets WAL, foreign
/// keys, the chosen `synchronous` level and a busy timeout, in one place
/// (the writer's connection for bulk writes then turns foreign keys off).
#[derive(Debug)]
pub struct ConnectionManager {
    target: DatabaseTarget,
    sqlite_sync: SqliteSync,
}

impl ConnectionManager {
    pub fn connect(&self) -> ConnectionResult<DbConnection> {
        match &self.target {
            DatabaseTarget::Postgres(url) => {
                diesel::PgConnection::establish(url).map(DbConnection::Postgresql)
            }
            DatabaseTarget::Sqlite(path) => {
                let mut conn = diesel::SqliteConnection::establish(path)?;
                let synchronous = match self.sqlite_sync {
                    SqliteSync::Normal => "NORMAL",
                    SqliteSync::Full => "FULL",
                };
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = {synchronous}; PRAGMA foreign_keys = ON;"
                ))
                .map_err(ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }
}

impl diesel::r2d2::ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConnection, Self::Error> {
        ConnectionManager::connect(self).map_err(diesel::r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), Self::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(diesel::r2d2::Error::QueryError)
    }

    /// A connection is not put back into the pool when it comes back from
    /// a panic not caught after its rollback (as [`Db::read_here`] and the
    /// writer catch theirs), or in a state no transaction can start from: still inside
    /// a transaction (a rollback that could not be sent) or with a broken
    /// transaction manager. Lent again, it would run the next request's
    /// work inside the old transaction, as a savepoint never committed.
    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        std::thread::panicking() || diesel::r2d2::R2D2Connection::is_broken(conn)
    }
}

pub type Pool = diesel::r2d2::Pool<ConnectionManager>;

/// The database handle shared by the API, the web pages and the CLI.
///
/// Every use case runs in one transaction through [`Db::read`] or
/// [`Db::write`]. SQLite allows one writer at a time: its writes go to one
/// writer thread that commits the waiting ones together ([`writer`]), rather
/// than each waiting for the others' fsync, or failing with `SQLITE_BUSY`
/// when a read transaction upgrades to a write. PostgreSQL's writes run on
/// the pool's connections side by side.
#[derive(Clone)]
pub struct Db {
    pool: Pool,
    sqlite_writer: Option<Arc<writer::GroupWriter>>,
    /// The SQLite file, to notice when it is removed under the service.
    sqlite_path: Option<String>,
}

/// How long a request waits for a database connection by default before it
/// is answered 503 (`unavailable`): the pool has none free, or the database
/// cannot be reached (`--db-timeout-secs`).
pub const DEFAULT_CONNECTION_TIMEOUT: Duration = Duration::from_secs(10);

impl Db {
    pub fn open(url: &str, sqlite_sync: SqliteSync, pool_size: u32) -> anyhow::Result<Self> {
        Self::open_with_timeout(url, sqlite_sync, pool_size, DEFAULT_CONNECTION_TIMEOUT)
    }

    /// As [`Db::open`]; a connection is waited for at most `connection_timeout`.
    pub fn open_with_timeout(
        url: &str,
        sqlite_sync: SqliteSync,
        pool_size: u32,
        connection_timeout: Duration,
    ) -> anyhow::Result<Self> {
        let target = DatabaseTarget::parse(url);
        let sqlite = target.is_sqlite();
        let sqlite_path = match &target {
            DatabaseTarget::Sqlite(path) => Some(path.clone()),
            DatabaseTarget::Postgres(_) => None,
        };
        let manager = ConnectionManager {
            target: target.clone(),
            sqlite_sync,
        };
        let sqlite_writer = if sqlite {
            // Switch a new file to WAL once, alone: the pool opens its
            // connections in parallel, and concurrent first switches to WAL
            // collide ("database is locked").
            manager.connect()?;
            Some(Arc::new(writer::GroupWriter::start(ConnectionManager {
                target,
                sqlite_sync,
            })?))
        } else {
            None
        };
        // A PostgreSQL connection is tried (`SELECT 1`) as it is lent: one
        // whose server went away meanwhile is dropped and another one is
        // opened, so the service recovers by itself once the database is
        // back. A SQLite connection has no server to lose (a file removed
        // under the service is what the readiness check looks for), and the
        // try would be a statement parsed anew on every request.
        let pool = diesel::r2d2::Pool::builder()
            .max_size(pool_size)
            .connection_timeout(connection_timeout)
            .test_on_check_out(!sqlite)
            .build(manager)?;
        Ok(Self {
            pool,
            sqlite_writer,
            sqlite_path,
        })
    }

    pub fn is_sqlite(&self) -> bool {
        self.sqlite_writer.is_some()
    }

    /// Applies every pending migration of the backend; answers their versions.
    pub fn migrate(&self) -> anyhow::Result<Vec<String>> {
        let mut conn = self.pool.get()?;
        let applied = match &mut *conn {
            DbConnection::Postgresql(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS),
            DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS),
        }
        .map(|versions| versions.iter().map(ToString::to_string).collect());
        applied.map_err(|e| anyhow::anyhow!("migration failed: {e}"))
    }

    /// Runs `work` in one read transaction on a blocking thread.
    pub async fn read<T, F>(&self, work: F) -> AppResult<T>
    where
        F: FnOnce(&mut DbConnection) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let db = self.clone();
        actix_web::web::block(move || db.read_blocking(work)).await?
    }

    /// Runs `work` in one write transaction: on SQLite's writer thread
    /// (answered once its group has committed), on PostgreSQL on a
    /// blocking thread.
    pub async fn write<T, F>(&self, work: F) -> AppResult<T>
    where
        F: FnOnce(&mut DbConnection) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        self.write_as(Commit::Grouped, work).await
    }

    /// [`Db::write`] for a bulk write whose every reference `work` itself
    /// reads in its transaction (an imported file): on SQLite committed
    /// alone, without foreign-key checks (see [`Commit`]); on PostgreSQL
    /// as any other write.
    pub async fn write_bulk<T, F>(&self, work: F) -> AppResult<T>
    where
        F: FnOnce(&mut DbConnection) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        self.write_as(Commit::BulkWithCheckedReferences, work).await
    }

    async fn write_as<T, F>(&self, commit: Commit, work: F) -> AppResult<T>
    where
        F: FnOnce(&mut DbConnection) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let Some(writer) = &self.sqlite_writer else {
            let pool = self.pool.clone();
            return actix_web::web::block(move || in_transaction(&pool, work)).await?;
        };
        let (reply, answer) = tokio::sync::oneshot::channel();
        writer.submit(commit, work, move |result| {
            // The request may have gone meanwhile; its write stays committed.
            let _ = reply.send(result);
        });
        answer.await.unwrap_or_else(|_| Err(writer_gone()))
    }

    /// Runs `work`, a short read of a few indexed rows (a request's
    /// credentials; the batch and units a small recording names), in one
    /// read transaction: on SQLite on the calling thread when the pool has
    /// a connection free, otherwise as [`Db::read`]. Callers keep larger
    /// reads on [`Db::read`]: the calling thread serves other requests.
    ///
    /// Handing a read to a blocking thread and waking the request when it
    /// is done costs more than such a read on SQLite, where a reader in WAL
    /// mode waits for neither the writer nor other readers
    /// (<https://sqlite.org/wal.html>, "Concurrency"; it can wait in the
    /// rare cases listed there under "Sometimes Queries Return
    /// SQLITE_BUSY", such as recovering the log after a crash). A
    /// PostgreSQL read is a round trip to the server, so it stays off the
    /// calling thread.
    pub async fn read_here<T, F>(&self, work: F) -> AppResult<T>
    where
        F: FnOnce(&mut DbConnection) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        if self.is_sqlite() {
            if let Some(mut pooled) = self.pool.try_get() {
                let conn: &mut DbConnection = &mut pooled;
                // A panic (a bug) is answered 500, as from a blocking
                // thread, after its transaction is rolled back.
                return conn.transaction(|c| {
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(c)))
                        .unwrap_or_else(|_| Err(AppError::internal("a read transaction panicked")))
                });
            }
        }
        self.read(work).await
    }

    pub fn read_blocking<T>(
        &self,
        work: impl FnOnce(&mut DbConnection) -> AppResult<T>,
    ) -> AppResult<T> {
        in_transaction(&self.pool, work)
    }

    /// [`Db::write`] from a thread that may block (the command line, tests).
    pub fn write_blocking<T, F>(&self, work: F) -> AppResult<T>
    where
        F: FnOnce(&mut DbConnection) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        self.write_blocking_as(Commit::Grouped, work)
    }

    /// [`Db::write_bulk`] from a thread that may block.
    pub fn write_bulk_blocking<T, F>(&self, work: F) -> AppResult<T>
    where
        F: FnOnce(&mut DbConnection) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        self.write_blocking_as(Commit::BulkWithCheckedReferences, work)
    }

    fn write_blocking_as<T, F>(&self, commit: Commit, work: F) -> AppResult<T>
    where
        F: FnOnce(&mut DbConnection) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let Some(writer) = &self.sqlite_writer else {
            return in_transaction(&self.pool, work);
        };
        let (reply, answer) = std::sync::mpsc::sync_channel(1);
        writer.submit(commit, work, move |result| {
            let _ = reply.send(result);
        });
        answer.recv().unwrap_or_else(|_| Err(writer_gone()))
    }
}

/// Runs `work` in one transaction on a connection of the pool.
fn in_transaction<T>(
    pool: &Pool,
    work: impl FnOnce(&mut DbConnection) -> AppResult<T>,
) -> AppResult<T> {
    let mut pooled = pool.get()?;
    let conn: &mut DbConnection = &mut pooled;
    conn.transaction(work)
}

fn writer_gone() -> AppError {
    AppError::internal("the database writer dropped a write without answering")
}

/// A page of a list: 1-based page number and page size, already bounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub page: i64,
    pub per_page: i64,
}

impl PageRequest {
    /// Rows before the page; a page past any possible row saturates (it
    /// is empty) rather than overflowing.
    pub fn offset(self) -> i64 {
        (self.page - 1).saturating_mul(self.per_page)
    }
}

/// One page of rows and the number of rows on all pages.
#[derive(Debug, Clone)]
pub struct PageOf<T> {
    pub items: Vec<T>,
    pub total: i64,
}

/// The timestamp stored with a new row: now, in UTC, to the microsecond
/// (what both backends keep), so that a row reads back exactly as written.
pub fn now() -> chrono::NaiveDateTime {
    let now = chrono::Utc::now().naive_utc();
    chrono::DurationRound::duration_trunc(now, chrono::TimeDelta::microseconds(1)).unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{AppError, ErrorCode};

    /// `RETURNING`'s rows in any order come back in the order given; a row
    /// missing from the answer, or answered twice in place of another, is
    /// an error, never a row put in another's place.
    #[test]
    fn returned_rows_are_put_in_the_order_given() {
        let given = [(7, "x"), (7, "y"), (9, "x"), (3, "y")];
        let key = |row: &(i64, &'static str)| *row;
        let with_ids = |rows: &[(i64, &'static str)]| -> Vec<(i64, &'static str, i64)> {
            rows.iter()
                .enumerate()
                .map(|(i, &(unit, code))| (unit, code, 100 + i as i64))
                .collect()
        };
        let answered_key = |row: &(i64, &'static str, i64)| (row.0, row.1);
        let shuffled = [given[2], given[0], given[3], given[1]];
        let ordered = in_order_given(&given, with_ids(&shuffled), key, answered_key).unwrap();
        assert_eq!(
            ordered.iter().map(|r| (r.0, r.1)).collect::<Vec<_>>(),
            given,
            "in the order given"
        );
        assert_eq!(
            ordered.iter().map(|r| r.2).collect::<Vec<_>>(),
            [101, 103, 100, 102],
            "each with its own answer"
        );
        let missing = &shuffled[..3];
        assert!(in_order_given(&given, with_ids(missing), key, answered_key).is_err());
        let twice = [given[0], given[1], given[2], given[2]];
        assert!(in_order_given(&given, with_ids(&twice), key, answered_key).is_err());
    }

    fn fresh() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("unit.db");
        let db = Db::open(path.to_str().unwrap(), SqliteSync::Full, 2).expect("open");
        db.migrate().expect("migrate");
        (dir, db)
    }

    fn foreign_keys_checked(c: &mut DbConnection) -> AppResult<bool> {
        #[derive(diesel::QueryableByName)]
        struct Setting {
            #[diesel(sql_type = diesel::sql_types::Integer)]
            foreign_keys: i32,
        }
        let DbConnection::Sqlite(c) = c else {
            unreachable!("a SQLite test")
        };
        let setting: Setting = diesel::sql_query("PRAGMA foreign_keys").get_result(c)?;
        Ok(setting.foreign_keys == 1)
    }

    /// A bulk write runs with SQLite's foreign-key checks off and commits
    /// whole or not at all; grouped writes and reads keep the checks.
    #[test]
    fn a_bulk_write_skips_foreign_key_checks_and_other_writes_keep_them() {
        let (_dir, db) = fresh();
        let checked = db.write_bulk_blocking(|c| {
            catalog::insert_customer(c, "Bulk", now())?;
            foreign_keys_checked(c)
        });
        assert!(!checked.unwrap(), "checks are off inside a bulk write");
        let failed: AppResult<()> = db.write_bulk_blocking(|c| {
            catalog::insert_customer(c, "Half written", now())?;
            Err(AppError::conflict(ErrorCode::CustomerExists, "refused"))
        });
        assert!(failed.is_err());
        assert!(db.write_blocking(foreign_keys_checked).unwrap());
        assert!(db.read_blocking(foreign_keys_checked).unwrap());
        assert_eq!(
            customer_names(&db),
            ["Bulk"],
            "the failed bulk write left nothing"
        );
    }

    /// On SQLite a short read runs on the caller's own thread; a panic in
    /// it is answered as an internal error and leaves its connection out
    /// of any transaction, so the pool's connections see later writes.
    #[test]
    fn a_read_here_runs_on_the_calling_thread_and_answers_a_panic() {
        let (_dir, db) = fresh();
        let runtime = actix_web::rt::System::new();
        let caller = std::thread::current().id();
        let ran_on = runtime
            .block_on(db.read_here(|_| Ok(std::thread::current().id())))
            .unwrap();
        assert_eq!(ran_on, caller);
        let panicked: AppResult<()> = runtime.block_on(db.read_here(|c| {
            catalog::list_customers(
                c,
                None,
                PageRequest {
                    page: 1,
                    per_page: 1,
                },
            )?;
            panic!("a bug in a read");
        }));
        assert_eq!(panicked.unwrap_err().code, ErrorCode::Internal);
        db.write_blocking(|c| Ok(catalog::insert_customer(c, "After", now())?))
            .unwrap();
        for _ in 0..3 {
            let all = PageRequest {
                page: 1,
                per_page: 10,
            };
            let stored = runtime
                .block_on(db.read_here(move |c| Ok(catalog::list_customers(c, None, all)?)))
                .unwrap();
            assert_eq!(stored.total, 1, "a connection of the pool reads the write");
        }
    }

    fn customer_names(db: &Db) -> Vec<String> {
        let all = PageRequest {
            page: 1,
            per_page: 10,
        };
        let stored = db
            .read_blocking(|c| Ok(catalog::list_customers(c, None, all)?))
            .unwrap();
        stored.items.into_iter().map(|c| c.name).collect()
    }

    /// The bundled SQLite is built as `.cargo/config.toml` asks: these
    /// options are what the hot paths were measured with (BENCHMARKS.md).
    #[test]
    fn sqlite_is_built_with_the_configured_options() {
        let (_dir, db) = fresh();
        #[derive(diesel::QueryableByName)]
        struct Used {
            #[diesel(sql_type = diesel::sql_types::Integer)]
            used: i32,
        }
        for option in ["ENABLE_QPSG", "THREADSAFE=2", "DEFAULT_MEMSTATUS=0"] {
            let used = db
                .read_blocking(move |c| {
                    let DbConnection::Sqlite(c) = c else {
                        unreachable!("a SQLite test")
                    };
                    Ok(
                        diesel::sql_query("SELECT sqlite_compileoption_used(?) AS used")
                            .bind::<diesel::sql_types::Text, _>(option)
                            .get_result::<Used>(c)?,
                    )
                })
                .unwrap();
            assert_eq!(used.used, 1, "SQLITE_{option}");
        }
    }

    #[test]
    fn a_failed_use_case_leaves_nothing_behind() {
        let (_dir, db) = fresh();
        let failed: AppResult<()> = db.write_blocking(|c| {
            catalog::insert_customer(c, "Half written", now())?;
            Err(AppError::conflict(ErrorCode::CustomerExists, "refused"))
        });
        assert_eq!(failed.unwrap_err().code, ErrorCode::CustomerExists);
        assert!(customer_names(&db).is_empty(), "the insert was rolled back");
    }

    #[test]
    fn a_row_reads_back_as_written_and_pages_count_from_one() {
        let (_dir, db) = fresh();
        let at = now();
        assert_eq!(at.and_utc().timestamp_subsec_nanos() % 1_000, 0);
        let ids: Vec<i64> = db
            .write_blocking(move |c| {
                (0..5)
                    .map(|i| Ok(catalog::insert_customer(c, &format!("Customer {i}"), at)?))
                    .collect()
            })
            .unwrap();
        let second_page = PageRequest {
            page: 2,
            per_page: 2,
        };
        assert_eq!(second_page.offset(), 2);
        let page = db
            .read_blocking(|c| Ok(catalog::list_customers(c, None, second_page)?))
            .unwrap();
        assert_eq!(page.total, 5);
        let names: Vec<&str> = page.items.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["Customer 2", "Customer 3"]);
        assert_eq!(page.items[0].id, ids[2]);
        assert_eq!(
            page.items[0].created_at, at,
            "microseconds survive the round trip"
        );
    }

    #[test]
    fn a_page_past_every_row_has_an_offset() {
        let first = PageRequest {
            page: 1,
            per_page: 50,
        };
        assert_eq!(first.offset(), 0);
        assert_eq!(PageRequest { page: 3, ..first }.offset(), 100);
        let far = PageRequest {
            page: i64::MAX,
            per_page: 200,
        };
        assert_eq!(far.offset(), i64::MAX);
    }

    diesel::table! {
        rows_in (id) {
            id -> BigInt,
            n -> BigInt,
        }
    }

    /// As the macro asks, `None` would be stored as NULL.
    #[derive(Insertable)]
    #[diesel(table_name = rows_in, treat_none_as_default_value = false)]
    struct NewRow {
        n: i64,
    }

    /// Whatever the number of rows, every one is stored once and in order,
    /// by `count / 64` statements of 64 rows and one statement per binary
    /// digit of the rest (32, 16, … 1 row).
    #[test]
    fn arrays_store_every_row_once_in_few_statements() -> QueryResult<()> {
        use diesel::connection::InstrumentationEvent;
        use std::sync::atomic::{AtomicUsize, Ordering};
        let mut conn = SqliteConnection::establish(":memory:").expect("in-memory SQLite");
        conn.batch_execute("CREATE TABLE rows_in (id INTEGER PRIMARY KEY, n BIGINT NOT NULL)")?;
        // Inserts counted by their text (`StartQuery` of any statement).
        let inserts = Arc::new(AtomicUsize::new(0));
        let counter = inserts.clone();
        conn.set_instrumentation(move |event: InstrumentationEvent<'_>| {
            if let InstrumentationEvent::StartQuery { query, .. } = event {
                if query.to_string().starts_with("INSERT") {
                    counter.fetch_add(1, Ordering::Relaxed);
                }
            }
        });
        let insert = |conn: &mut SqliteConnection, rows: &[NewRow]| -> QueryResult<()> {
            sqlite_insert_in_arrays!(rows, |chunk| diesel::insert_into(rows_in::table)
                .values(chunk)
                .execute(conn));
            Ok(())
        };
        for count in 0..=200_usize {
            diesel::delete(rows_in::table).execute(&mut conn)?;
            let rows: Vec<NewRow> = (0..count).map(|n| NewRow { n: n as i64 }).collect();
            let before = inserts.load(Ordering::Relaxed);
            // In a transaction, as the service's inserts always are.
            conn.transaction(|c| insert(c, &rows))?;
            let statements = inserts.load(Ordering::Relaxed) - before;
            let stored: Vec<i64> = rows_in::table
                .order(rows_in::id)
                .select(rows_in::n)
                .load(&mut conn)?;
            assert_eq!(
                stored,
                (0..count as i64).collect::<Vec<_>>(),
                "{count} rows"
            );
            let expected = count / 64 + (count % 64).count_ones() as usize;
            assert_eq!(statements, expected, "statements for {count} rows");
        }
        Ok(())
    }
}
