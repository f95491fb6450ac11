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

use super::{ConnectionManager, DbConnection};
use crate::error::Message;
use crate::error::{AppError, AppResult};
use diesel::r2d2::R2D2Connection;
use diesel::Connection;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;

/// Most write transactions committed together.
const MAX_GROUP: usize = 256;

/// Told whether the group's commit failed; answers the request.
type Completion = Box<dyn FnOnce(Option<&AppError>) + Send>;
/// A request's work: run on the writer's connection (or told there is
/// none), it answers what to do once the group is committed.
type Job = Box<dyn FnOnce(Result<&mut DbConnection, &AppError>) -> Completion + Send>;

/// The queue to the writer thread; the thread ends when the last handle
/// to the queue is dropped.
pub(super) struct GroupWriter {
    jobs: mpsc::Sender<Job>,
}

impl GroupWriter {
    pub fn start(manager: ConnectionManager) -> std::io::Result<Self> {
        let (jobs, queue) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || run(&manager, &queue))?;
        Ok(Self { jobs })
    }

    /// Queues `work`; `reply` gets its result once the transaction it ran
    /// in has committed, or the error that kept it from being stored.
    pub fn submit<T, F, R>(&self, work: F, reply: R)
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> AppResult<T> + Send + 'static,
        R: FnOnce(AppResult<T>) + Send + 'static,
    {
        let job: Job = Box::new(move |conn| {
            let result = match conn {
                Ok(conn) => conn.transaction(|c| {
                    catch_unwind(AssertUnwindSafe(|| work(c)))
                        .unwrap_or_else(|_| Err(AppError::internal("a write transaction panicked")))
                }),
                Err(error) => Err(error.clone()),
            };
            Box::new(move |failed: Option<&AppError>| {
                reply(match failed {
                    Some(error) => Err(error.clone()),
                    None => result,
                })
            })
        });
        if let Err(mpsc::SendError(job)) = self.jobs.send(job) {
            let gone = AppError::unavailable(Message::new("err-writer-stopped"));
            job(Err(&gone))(Some(&gone));
        }
    }
}

/// The writer thread: one group of waiting jobs after another.
fn run(manager: &ConnectionManager, queue: &mpsc::Receiver<Job>) {
    let mut connection: Option<DbConnection> = None;
    while let Ok(first) = queue.recv() {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match queue.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        let conn = match connection.take() {
            Some(conn) => Ok(conn),
            None => open_writer(manager),
        };
        match conn {
            Ok(mut conn) => {
                commit_group(&mut conn, group);
                if !R2D2Connection::is_broken(&mut conn) {
                    connection = Some(conn);
                }
            }
            Err(error) => {
                for job in group {
                    job(Err(&error))(Some(&error));
                }
            }
        }
    }
}

/// Page cache of the writer's connection, in KiB: a large write (an
/// imported file) that outgrows SQLite's default of 2 MiB spills dirty
/// pages to the WAL before its commit and writes them again. Memory is
/// taken only as pages are used.
const WRITER_CACHE_KIB: u32 = 16 * 1024;

fn open_writer(manager: &ConnectionManager) -> AppResult<DbConnection> {
    let mut conn = manager.connect().map_err(|e| {
        AppError::unavailable(Message::new("err-database-unopenable")).with_cause(e)
    })?;
    diesel::connection::SimpleConnection::batch_execute(
        &mut conn,
        &format!("PRAGMA cache_size = -{WRITER_CACHE_KIB}"),
    )?;
    Ok(conn)
}

/// Runs every job of the group in its savepoint of one transaction,
/// commits, then answers each.
fn commit_group(conn: &mut DbConnection, mut group: Vec<Job>) {
    let mut completions = Vec::with_capacity(group.len());
    let committed: AppResult<()> = conn.transaction(|c| {
        for job in group.drain(..) {
            completions.push(job(Ok(c)));
        }
        Ok(())
    });
    let failed = committed.err();
    for completion in completions {
        completion(failed.as_ref());
    }
    // Jobs left over: the transaction could not even begin.
    if let Some(error) = &failed {
        for job in group {
            job(Err(error))(Some(error));
        }
    }
}
