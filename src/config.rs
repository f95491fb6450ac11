//! Settings from flags and environment.

use crate::store::SqliteSync;
use clap::Args;

/// Where the data lives and how it is kept; read by every command.
#[derive(Debug, Clone, Args)]
pub struct DatabaseConfig {
    /// `postgres://user@host/db` for PostgreSQL, or a SQLite file path.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "lotcheck.db",
        global = true
    )]
    pub database_url: String,
    /// SQLite durability per commit: `full` survives a power loss, `normal`
    /// only a crash of the process (see README, "Durability").
    #[arg(
        long,
        env = "LOTCHECK_SQLITE_SYNC",
        value_enum,
        default_value = "full",
        global = true
    )]
    pub sqlite_sync: SqliteSync,
    /// Database connections in the pool.
    #[arg(long, env = "LOTCHECK_DB_POOL", default_value_t = 8, global = true)]
    pub pool_size: u32,
    /// Seconds a request waits for a database connection (none free, or
    /// the database unreachable) before it is answered 503.
    #[arg(
        long,
        env = "LOTCHECK_DB_TIMEOUT_SECS",
        default_value_t = crate::store::DEFAULT_CONNECTION_TIMEOUT.as_secs(),
        value_parser = clap::value_parser!(u64).range(1..=300),
        global = true
    )]
    pub db_timeout_secs: u64,
}

impl DatabaseConfig {
    /// How long a connection is waited for.
    pub fn connection_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.db_timeout_secs)
    }
}
