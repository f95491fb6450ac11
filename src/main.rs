//! The `lotcheck` command: serve the API, migrate the database, load a demo.

use anyhow::Context;
use clap::{Parser, Subcommand};
use lotcheck::config::DatabaseConfig;
use lotcheck::service::demo;
use lotcheck::store::Db;
use std::net::TcpListener;

#[derive(Debug, Parser)]
#[command(
    name = "lotcheck",
    version,
    about = "Quality-control sampling and inspection service"
)]
struct Cli {
    #[command(flatten)]
    database: DatabaseConfig,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start the HTTP server (migrating the database first).
    Serve {
        /// Address to listen on.
        #[arg(long, env = "LOTCHECK_BIND", default_value = "127.0.0.1:8080")]
        bind: String,
        /// Load demo customers, products, orders and readings (once).
        #[arg(long)]
        demo: bool,
        /// HTTP worker threads (default: one per core).
        #[arg(long, env = "LOTCHECK_WORKERS")]
        workers: Option<usize>,
    },
    /// Apply pending database migrations and exit.
    Migrate,
}

fn init_logging() {
    use tracing_subscriber::{fmt, EnvFilter};
    let filter = EnvFilter::try_from_env("LOTCHECK_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if std::env::var("LOTCHECK_LOG_FORMAT").as_deref() == Ok("json") {
        builder.json().init();
    } else {
        builder.init();
    }
}

fn open_and_migrate(config: &DatabaseConfig) -> anyhow::Result<Db> {
    let db = Db::open(&config.database_url, config.sqlite_sync, config.pool_size).with_context(
        || {
            format!(
                "cannot open the database at {}",
                redact(&config.database_url)
            )
        },
    )?;
    let applied = db.migrate()?;
    if !applied.is_empty() {
        tracing::info!(migrations = ?applied, "database migrated");
    }
    Ok(db)
}

/// A database URL fit for a log line: without its password.
fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    init_logging();
    match cli.command {
        Command::Migrate => {
            let db = Db::open(&cli.database.database_url, cli.database.sqlite_sync, 1)?;
            let applied = db.migrate()?;
            println!(
                "{} migration(s) applied to {}",
                applied.len(),
                redact(&cli.database.database_url)
            );
        }
        Command::Serve {
            bind,
            demo,
            workers,
        } => {
            let db = open_and_migrate(&cli.database)?;
            if demo {
                let summary = db
                    .write_blocking(demo::load)
                    .map_err(|e| anyhow::anyhow!("demo data: {e}"))?;
                println!("{summary}");
            }
            let listener =
                TcpListener::bind(&bind).with_context(|| format!("cannot listen on {bind}"))?;
            tracing::info!(address = %listener.local_addr()?, database = %redact(&cli.database.database_url), "lotcheck listening");
            println!("lotcheck listening on http://{}", listener.local_addr()?);
            lotcheck::server(listener, db, workers)?.await?;
        }
    }
    Ok(())
}
