//! SQLite's one writer, with group commit.
//!
//! SQLite lets one connection write at a time, and with `synchronous=FULL`
//! every commit waits for an fsync of the WAL. Run one after another, N
//! concurrent write requests pay N fsyncs in turn. Here they are queued to
//! one thread with one connection; the thread takes every request waiting
//! (up to [`MAX_GROUP`]), runs each in a savepoint of one transaction, and
//! commits once: N requests, one fsync. A request whose work fails is
//! rolled back to its savepoint alone; the others commit. Nobody is answered
//! before the commit that holds their writes is durable, and if that commit
//! fails, everybody in the group gets the error (nothing of theirs stayed).
//!
//! A bulk write (an imported file) is not grouped: it runs alone, in a
//! transaction of its own, on the thread's second connection
//! ([`Commit::BulkWithCheckedReferences`]). A third thread copies the log
//! into the database file ([`checkpoint`]).

use super::{ConnectionManager, DbConnection};
use crate::error::Message;
use crate::error::{AppError, AppResult};
use diesel::connection::SimpleConnection;
use diesel::r2d2::R2D2Connection;
use diesel::Connection;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{mpsc, Arc};

/// Most write transactions committed together.
const MAX_GROUP: usize = 256;

/// Told whether the group's commit failed; answers the request.
type Completion = Box<dyn FnOnce(Option<&AppError>) + Send>;
/// A request's work: run on the writer's connection (or told there is
/// none), it answers what to do once the group is committed.
type Work = Box<dyn FnOnce(Result<&mut DbConnection, &AppError>) -> Completion + Send>;

/// How a job is committed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Commit {
    /// In a savepoint of the group's one transaction.
    Grouped,
    /// In a transaction of its own, after the group queued before it, on a
    /// second connection of the writer whose foreign-key checks are off:
    /// for a bulk write (an imported file) whose every reference the work
    /// has itself read in that transaction, so that SQLite's check of each
    /// row's four references (a fifteenth of an import) and the
    /// savepoint's copies of changed pages are not paid.
    BulkWithCheckedReferences,
}

struct Job {
    commit: Commit,
    work: Work,
}

/// The queue to the writer thread; the thread ends when the last handle
/// to the queue is dropped, and the checkpointer with it.
pub(super) struct GroupWriter {
    jobs: mpsc::Sender<Job>,
}

impl GroupWriter {
    pub fn start(manager: ConnectionManager) -> std::io::Result<Self> {
        let manager = Arc::new(manager);
        let (committed, commits) = mpsc::sync_channel::<()>(1);
        let checkpointer = Arc::clone(&manager);
        std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || checkpoint(&checkpointer, &commits))?;
        let (jobs, queue) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || run(&manager, &queue, &committed))?;
        Ok(Self { jobs })
    }

    /// Queues `work`; `reply` gets its result once the transaction it ran
    /// in has committed, or the error that kept it from being stored.
    pub fn submit<T, F, R>(&self, commit: Commit, work: F, reply: R)
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> AppResult<T> + Send + 'static,
        R: FnOnce(AppResult<T>) + Send + 'static,
    {
        let work: Work = Box::new(move |conn| {
            let result = match conn {
                Ok(conn) => conn.transaction(|c| {
                    catch_unwind(AssertUnwindSafe(|| work(c)))
                        .unwrap_or_else(|_| Err(AppError::internal("a write transaction panicked")))
                }),
                Err(error) => Err(error.clone()),
            };
            match result {
                // A failed job's savepoint (or transaction) is rolled back:
                // nothing of it waits on the commit, so it is answered now,
                // with its own error.
                Err(error) => {
                    reply(Err(error));
                    Box::new(|_: Option<&AppError>| ())
                }
                Ok(value) => Box::new(move |failed: Option<&AppError>| {
                    reply(match failed {
                        Some(error) => Err(error.clone()),
                        None => Ok(value),
                    })
                }),
            }
        });
        if let Err(mpsc::SendError(job)) = self.jobs.send(Job { commit, work }) {
            let gone = AppError::unavailable(Message::new("err-writer-stopped"));
            (job.work)(Err(&gone))(Some(&gone));
        }
    }
}

/// The writer thread: one group of waiting jobs after another; a bulk job
/// alone, after the group queued before it.
fn run(manager: &ConnectionManager, queue: &mpsc::Receiver<Job>, committed: &mpsc::SyncSender<()>) {
    // One connection for each way of committing: a bulk write's has its
    // foreign-key checks off for good, since turning them off and on
    // again would expire every statement the other keeps prepared.
    let mut grouped: Option<DbConnection> = None;
    let mut bulk: Option<DbConnection> = None;
    let mut next = None;
    while let Some(first) = next.take().or_else(|| queue.recv().ok()) {
        let commit = first.commit;
        let mut group = vec![first.work];
        while commit == Commit::Grouped && group.len() < MAX_GROUP {
            match queue.try_recv() {
                Ok(job) if job.commit == Commit::Grouped => group.push(job.work),
                Ok(alone) => {
                    next = Some(alone);
                    break;
                }
                Err(_) => break,
            }
        }
        let connection = match commit {
            Commit::Grouped => &mut grouped,
            Commit::BulkWithCheckedReferences => &mut bulk,
        };
        let conn = match connection.take() {
            Some(conn) => Ok(conn),
            None => open_writer(manager, commit),
        };
        match conn {
            Ok(mut conn) => {
                match commit {
                    Commit::Grouped => commit_group(&mut conn, group),
                    Commit::BulkWithCheckedReferences => commit_bulk(&mut conn, group),
                }
                // Already told of an earlier commit when full: one round
                // of the checkpointer copies every commit before it.
                let _ = committed.try_send(());
                if !R2D2Connection::is_broken(&mut conn) {
                    *connection = Some(conn);
                }
            }
            Err(error) => {
                for work in group {
                    work(Err(&error))(Some(&error));
                }
            }
        }
    }
}

/// Runs bulk jobs, each in its own transaction, on the connection whose
/// foreign-key checks are off (see [`Commit::BulkWithCheckedReferences`]).
fn commit_bulk(conn: &mut DbConnection, jobs: Vec<Work>) {
    for work in jobs {
        // Outside any transaction, the job's own is the connection's
        // transaction: committed (or rolled back) when the work returns.
        work(Ok(conn))(None);
    }
}

/// Copies committed pages from the write-ahead log into the database file,
/// on a thread and connection of its own, at most every
/// [`CHECKPOINT_EVERY`] while the writer commits (it says when it has).
///
/// SQLite's own checkpoint runs in the committing connection, once the log
/// holds 1,000 pages: on the writer, it held every request queued behind it
/// while it wrote and synced the database file (a twentieth of an imported
/// file's time). A passive checkpoint waits for neither the writer nor
/// readers, nor they for it (<https://sqlite.org/wal.html>,
/// "Checkpointing"); pages a reader still needs stay in the log until a
/// later round. The writer keeps a checkpoint of its own only as a
/// backstop, for a log of [`WRITER_CHECKPOINT_PAGES`], should this thread
/// fall behind or fail.
fn checkpoint(manager: &ConnectionManager, commits: &mpsc::Receiver<()>) {
    let mut conn: Option<DbConnection> = None;
    while commits.recv().is_ok() {
        if conn.is_none() {
            conn = manager
                .connect()
                .inspect_err(|error| {
                    tracing::warn!(%error, "the checkpoint thread cannot open the database");
                })
                .ok();
        }
        if let Some(DbConnection::Sqlite(c)) = conn.as_mut() {
            if let Err(error) = c.batch_execute("PRAGMA wal_checkpoint(PASSIVE)") {
                tracing::warn!(%error, "a checkpoint of the write-ahead log failed");
                conn = None;
            }
        }
        // Commits meanwhile leave one signal (the channel holds one): the
        // next round copies them all.
        std::thread::sleep(CHECKPOINT_EVERY);
    }
}

/// The shortest time between two checkpoints: seldom enough that a page
/// many commits change (the end of an index) is copied once for many of
/// them. SQLite starts the log over only after a checkpoint that copied all
/// of it; under steady writes commits land during every round, and it is
/// the writer's own checkpoint (at [`WRITER_CHECKPOINT_PAGES`], with little
/// left to copy) that lets the log start over, and `journal_size_limit`
/// that gives the file back its space.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(50);

/// The writer's own checkpoint, in pages of log (SQLite's default is
/// 1,000): a backstop for the checkpoint thread, and what bounds the log
/// under steady writes (see [`CHECKPOINT_EVERY`]).
const WRITER_CHECKPOINT_PAGES: u32 = 4_000;

/// The size, in bytes, the log file is cut back to when it starts over.
const LOG_SIZE_LIMIT: u32 = 16 * 1024 * 1024;

/// Page cache of the writer's connection, in KiB: a large write (an
/// imported file) that outgrows SQLite's default of 2 MiB spills dirty
/// pages to the WAL before its commit and writes them again. Memory is
/// taken only as pages are used.
const WRITER_CACHE_KIB: u32 = 16 * 1024;

/// The writer keeps its statement and savepoint journals in memory
/// (`PRAGMA temp_store = MEMORY`). Each grouped job runs in a savepoint,
/// and SQLite copies every page the job changes that existed before it into
/// that savepoint's journal, by default spilled to a temporary file past
/// its first 64 KiB: a write system call per page, a tenth of an imported
/// file's time while imports were grouped. The journal holds only pages
/// changed since the savepoint (or statement) began, so it is no larger
/// than what the job writes, and it is dropped when it ends.
///
/// The connection for bulk writes has its foreign-key checks off
/// ([`Commit::BulkWithCheckedReferences`]); the grouped one keeps them on.
fn open_writer(manager: &ConnectionManager, commit: Commit) -> AppResult<DbConnection> {
    let mut conn = manager.connect().map_err(|e| {
        AppError::unavailable(Message::new("err-database-unopenable")).with_cause(e)
    })?;
    let foreign_keys = match commit {
        Commit::Grouped => "ON",
        Commit::BulkWithCheckedReferences => "OFF",
    };
    conn.batch_execute(&format!(
        "PRAGMA cache_size = -{WRITER_CACHE_KIB}; PRAGMA temp_store = MEMORY; \
         PRAGMA wal_autocheckpoint = {WRITER_CHECKPOINT_PAGES}; \
         PRAGMA journal_size_limit = {LOG_SIZE_LIMIT}; \
         PRAGMA foreign_keys = {foreign_keys}"
    ))?;
    Ok(conn)
}

/// Runs every job of the group in its savepoint of one transaction,
/// commits, then answers each.
fn commit_group(conn: &mut DbConnection, mut group: Vec<Work>) {
    let mut completions = Vec::with_capacity(group.len());
    let committed: AppResult<()> = conn.transaction(|c| {
        for work in group.drain(..) {
            completions.push(work(Ok(c)));
        }
        Ok(())
    });
    let failed = committed.err();
    for completion in completions {
        completion(failed.as_ref());
    }
    // Jobs left over: the transaction could not even begin.
    if let Some(error) = &failed {
        for work in group {
            work(Err(error))(Some(error));
        }
    }
}
