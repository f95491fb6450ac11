//! The `lotcheck` command: serve the API, migrate the database, manage users.

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use lotcheck::api::proxy::TrustedProxies;
use lotcheck::config::DatabaseConfig;
use lotcheck::demo;
use lotcheck::domain::access::Role;
use lotcheck::service::accounts::{self, NewUser};
use lotcheck::service::audit::{self, Actor};
use lotcheck::service::auth::AuthSettings;
use lotcheck::service::imports;
use lotcheck::service::limits::{self, InputLimits};
use lotcheck::service::photos;
use lotcheck::store::{DatabaseTarget, Db};
use lotcheck::{HttpSettings, Settings};
use std::io::BufRead;
use std::net::TcpListener;
use std::time::Duration;

/// See [`lotcheck::allocator`].
#[global_allocator]
static ALLOCATOR: lotcheck::allocator::Allocator = lotcheck::allocator::Allocator;

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
        /// Load demo customers, products, orders, readings and one user per role (once).
        #[arg(long)]
        demo: bool,
        /// HTTP worker threads (default: one per core).
        #[arg(long, env = "LOTCHECK_WORKERS")]
        workers: Option<usize>,
        /// Lifetime of API bearer tokens, in hours.
        #[arg(long, env = "LOTCHECK_TOKEN_HOURS", default_value_t = 12)]
        token_hours: u64,
        /// Lifetime of browser sessions, in hours.
        #[arg(long, env = "LOTCHECK_SESSION_HOURS", default_value_t = 10)]
        session_hours: u64,
        /// Mark session cookies Secure (set this behind a TLS-terminating proxy).
        #[arg(long, env = "LOTCHECK_SECURE_COOKIES")]
        secure_cookies: bool,
        /// Most pixels a defect photo may have, in megapixels (checked before decoding).
        #[arg(long, env = "LOTCHECK_PHOTO_MAX_MEGAPIXELS",
              default_value_t = photos::DEFAULT_MAX_MEGAPIXELS,
              value_parser = clap::value_parser!(u32).range(1..=144))]
        photo_max_megapixels: u32,
        /// Photos decoded at the same time; further uploads wait their turn.
        #[arg(long, env = "LOTCHECK_PHOTO_DECODES",
              default_value_t = photos::DEFAULT_PARALLEL_DECODES as u32,
              value_parser = clap::value_parser!(u32).range(1..=64))]
        photo_decodes: u32,
        #[command(flatten)]
        limits: LimitArgs,
        /// Reverse proxies whose Forwarded / X-Forwarded-For / X-Forwarded-Proto
        /// headers are believed: IP addresses and CIDR networks, comma-separated.
        #[arg(long, env = "LOTCHECK_TRUSTED_PROXIES", default_value = "")]
        trusted_proxies: TrustedProxies,
        /// Bearer token a scraper must send to read /metrics (public without).
        #[arg(long, env = "LOTCHECK_METRICS_TOKEN", hide_env_values = true)]
        metrics_token: Option<String>,
        /// The time zone pages show times in, by its IANA name (e.g.
        /// Asia/Shanghai); times are stored in UTC.
        #[arg(long, env = "LOTCHECK_TIME_ZONE", default_value = "UTC")]
        time_zone: chrono_tz::Tz,
        /// The address the service is reached at from outside (e.g.
        /// https://qc.example.com): an issued report names the page there
        /// where a holder checks it is genuine.
        #[arg(long, env = "LOTCHECK_PUBLIC_URL", value_parser = lotcheck::PublicUrl::parse_base)]
        public_url: Option<String>,
        /// Seconds a client has to send a request's head (0: no limit).
        #[arg(long, env = "LOTCHECK_HEAD_TIMEOUT_SECS", default_value_t = 5)]
        head_timeout_secs: u64,
        /// Seconds a client has to send a request's body (0: no limit).
        #[arg(long, env = "LOTCHECK_BODY_TIMEOUT_SECS", default_value_t = 60)]
        body_timeout_secs: u64,
        /// On SIGTERM/SIGINT, seconds /readyz answers 503 before the listener closes.
        #[arg(long, env = "LOTCHECK_SHUTDOWN_DRAIN_SECS", default_value_t = 0)]
        shutdown_drain_secs: u64,
        /// Then seconds requests in flight have to finish.
        #[arg(long, env = "LOTCHECK_SHUTDOWN_TIMEOUT_SECS", default_value_t = 30)]
        shutdown_timeout_secs: u64,
    },
    /// Copy a SQLite database to a file while the service runs, and check
    /// the copy (for PostgreSQL, use pg_dump).
    Backup {
        /// The file to write; it must not exist yet.
        #[arg(long)]
        to: std::path::PathBuf,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage user accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Import an instrument's CSV export into a batch (all rows or none).
    Import {
        /// The batch the readings belong to.
        #[arg(long)]
        batch: i64,
        /// The CSV file: a unit column and one column per characteristic.
        file: std::path::PathBuf,
        /// The instrument that wrote it; with --mapping, the mapping is
        /// saved for it, without, its saved mapping is used.
        #[arg(long)]
        instrument: Option<String>,
        /// Header → characteristic code, as a JSON object.
        #[arg(long)]
        mapping: Option<String>,
        /// Header of the unit-number column (default `unit`).
        #[arg(long)]
        unit_column: Option<String>,
        /// Record the import in the name of this user (default: the system).
        #[arg(long)]
        by: Option<String>,
        #[command(flatten)]
        limits: LimitArgs,
    },
    /// Check the audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
}

/// Bounds on readings, lots and drawn samples (see `service::limits`).
#[derive(Debug, clap::Args)]
struct LimitArgs {
    /// Largest magnitude of a reading: values beyond ± this are refused.
    #[arg(long, env = "LOTCHECK_MAX_READING", default_value_t = limits::DEFAULT_MAX_READING)]
    max_reading: f64,
    /// Most units in a new lot.
    #[arg(long, env = "LOTCHECK_MAX_LOT_SIZE", default_value_t = limits::DEFAULT_MAX_LOT_SIZE)]
    max_lot_size: u32,
    /// Most units a sampling plan draws.
    #[arg(long, env = "LOTCHECK_MAX_SAMPLE_SIZE",
          default_value_t = limits::DEFAULT_MAX_SAMPLE_SIZE)]
    max_sample_size: u32,
}

impl LimitArgs {
    fn limits(&self) -> anyhow::Result<InputLimits> {
        InputLimits::new(self.max_reading, self.max_lot_size, self.max_sample_size)
            .map_err(|e| anyhow::anyhow!("{e}"))
    }
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Walk the hash chain of the audit log and name the first broken row;
    /// exits with status 1 when the chain is broken.
    Verify,
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Add a user; the password is read from the first line of standard input.
    Add {
        #[arg(long)]
        username: String,
        #[arg(long, value_enum)]
        role: Role,
        /// The customer a `customer` user belongs to.
        #[arg(long)]
        customer_id: Option<i64>,
        /// Read the password from standard input (required: never on the command line).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// List users.
    List,
    /// Disable a user and revoke its tokens and sessions (never the last active admin).
    Disable {
        #[arg(long)]
        username: String,
    },
    /// Enable a disabled user again.
    Enable {
        #[arg(long)]
        username: String,
    },
}

fn init_logging() {
    use tracing_subscriber::{fmt, EnvFilter};
    let filter = EnvFilter::try_from_env("LOTCHECK_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    // Colour codes only on a terminal: a log redirected to a file stays plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi);
    if std::env::var("LOTCHECK_LOG_FORMAT").as_deref() == Ok("json") {
        builder.json().init();
    } else {
        builder.init();
    }
}

fn open_and_migrate(config: &DatabaseConfig) -> anyhow::Result<Db> {
    let db = Db::open_with_timeout(
        &config.database_url,
        config.sqlite_sync,
        config.pool_size,
        config.connection_timeout(),
    )
    .with_context(|| {
        format!(
            "cannot open the database at {}",
            redact(&config.database_url)
        )
    })?;
    let applied = lotcheck::service::operations::migrate(&db)?;
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

fn read_password() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let password = line.trim_end_matches(['\r', '\n']).to_string();
    if password.is_empty() {
        bail!("no password on standard input");
    }
    Ok(password)
}

/// A service error as the command line shows it: the field messages, or the detail.
fn cli_error(e: lotcheck::error::AppError) -> anyhow::Error {
    let fields: Vec<String> = e
        .errors
        .iter()
        .map(|f| format!("{}: {}", f.field, f.message))
        .collect();
    anyhow::anyhow!(
        "{}",
        if fields.is_empty() {
            e.detail
        } else {
            fields.join("; ")
        }
    )
}

/// What `lotcheck import` was asked to do.
struct ImportCommand {
    batch: i64,
    file: std::path::PathBuf,
    options: imports::ImportOptions,
    by: Option<String>,
    limits: InputLimits,
}

fn import_command(db: &Db, command: ImportCommand) -> anyhow::Result<()> {
    let open = || {
        std::fs::File::open(&command.file)
            .with_context(|| format!("cannot open {}", command.file.display()))
    };
    let sha256 = imports::sha256_of(open()?)?;
    let mut file = open()?;
    let filename = command
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let actor = match &command.by {
        None => Actor::system("cli"),
        Some(username) => {
            let user = db
                .read_blocking(|c| Ok(lotcheck::store::accounts::find_user_by_name(c, username)?))
                .map_err(cli_error)?
                .with_context(|| format!("no user {username}"))?;
            Actor::user(user.id, &user.username)
        }
    };
    let (batch, options, limits) = (command.batch, command.options, command.limits);
    let name = filename.clone();
    let outcome = db
        .write_bulk_blocking(move |c| {
            let upload = imports::CsvFile {
                file: &mut file,
                sha256: &sha256,
                filename: &name,
            };
            imports::import_csv(c, &actor, batch, upload, options, &limits)
        })
        .map_err(cli_error)?;
    let import = outcome.import;
    if outcome.duplicate {
        println!(
            "{filename} was already imported into batch {} (import {}, {} readings); nothing stored",
            import.batch_id, import.id, import.readings
        );
    } else {
        println!(
            "imported {} readings from {} rows of {filename} into batch {} (import {}, sha256 {})",
            import.readings, import.rows, import.batch_id, import.id, import.sha256
        );
    }
    if !outcome.ignored_columns.is_empty() {
        println!("columns not read: {}", outcome.ignored_columns.join(", "));
    }
    Ok(())
}

/// Copies a SQLite database online, then opens the copy and checks that its
/// schema is current and its audit chain intact; answers whether it is.
fn backup_command(config: &DatabaseConfig, to: &std::path::Path) -> anyhow::Result<bool> {
    if !DatabaseTarget::parse(&config.database_url).is_sqlite() {
        bail!(
            "lotcheck backup copies a SQLite database; back up PostgreSQL with pg_dump, e.g.\n  \
             pg_dump --format=custom --file=lotcheck.dump '{}'\n\
             and restore with pg_restore --clean --dbname=… lotcheck.dump",
            redact(&config.database_url)
        );
    }
    let db = Db::open(&config.database_url, config.sqlite_sync, 1).with_context(|| {
        format!(
            "cannot open the database at {}",
            redact(&config.database_url)
        )
    })?;
    let bytes = db.backup_sqlite(to)?;
    println!(
        "copied {} to {} ({bytes} bytes)",
        config.database_url,
        to.display()
    );
    let path = to
        .to_str()
        .with_context(|| format!("{} is not UTF-8", to.display()))?;
    let copy = Db::open(path, config.sqlite_sync, 1)
        .with_context(|| format!("cannot open the copy {}", to.display()))?;
    let pending = copy
        .read_blocking(lotcheck::store::operations::pending_migrations)
        .map_err(cli_error)?;
    if !pending.is_empty() {
        println!(
            "the copy's schema is behind this build: {} migration(s) pending ({})",
            pending.len(),
            pending.join(", ")
        );
    }
    audit_verify(&copy)
}

/// Verifies the audit chain; answers whether it is intact.
fn audit_verify(db: &Db) -> anyhow::Result<bool> {
    let outcome = db.read_blocking(audit::verify).map_err(cli_error)?;
    match outcome.broken {
        None => {
            println!(
                "audit log intact: {} rows; last hash {}",
                outcome.rows, outcome.last_hash
            );
            Ok(true)
        }
        Some(broken) => {
            println!(
                "audit log BROKEN at row {}: {} ({} rows before it are intact)",
                broken.id, broken.problem, outcome.rows
            );
            Ok(false)
        }
    }
}

fn user_command(db: &Db, command: UserCommand) -> anyhow::Result<()> {
    let actor = Actor::system("cli");
    let fail = cli_error;
    match command {
        UserCommand::Add {
            username,
            role,
            customer_id,
            ..
        } => {
            let password = read_password()?;
            let input = NewUser {
                username,
                password,
                role,
                customer_id,
            };
            let user = db
                .write_blocking(move |c| accounts::add_user(c, &actor, input))
                .map_err(fail)?;
            println!(
                "added user {} ({}, id {})",
                user.username,
                user.role.as_str(),
                user.id
            );
        }
        UserCommand::List => {
            for user in db.read_blocking(accounts::list_users).map_err(fail)? {
                let customer = user
                    .customer_id
                    .map(|id| format!(" customer {id}"))
                    .unwrap_or_default();
                let state = if user.disabled { " (disabled)" } else { "" };
                println!(
                    "{:>4}  {:<20} {}{customer}{state}",
                    user.id,
                    user.username,
                    user.role.as_str()
                );
            }
        }
        UserCommand::Disable { username } => {
            let user = db
                .write_blocking(move |c| accounts::disable_user(c, &actor, &username))
                .map_err(fail)?;
            println!("disabled user {} and revoked its tokens", user.username);
        }
        UserCommand::Enable { username } => {
            let user = db
                .write_blocking(move |c| accounts::enable_user(c, &actor, &username))
                .map_err(fail)?;
            println!("enabled user {}", user.username);
        }
    }
    Ok(())
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    init_logging();
    match cli.command {
        Command::Migrate => {
            let db = Db::open(&cli.database.database_url, cli.database.sqlite_sync, 1)?;
            let applied = lotcheck::service::operations::migrate(&db)?;
            println!(
                "{} migration(s) applied to {}",
                applied.len(),
                redact(&cli.database.database_url)
            );
        }
        Command::User { command } => {
            let db = open_and_migrate(&cli.database)?;
            user_command(&db, command)?;
        }
        Command::Import {
            batch,
            file,
            instrument,
            mapping,
            unit_column,
            by,
            limits,
        } => {
            let limits = limits.limits()?;
            let mapping = mapping
                .map(|m| serde_json::from_str(&m))
                .transpose()
                .context("--mapping must be a JSON object of header → characteristic code")?;
            let db = open_and_migrate(&cli.database)?;
            import_command(
                &db,
                ImportCommand {
                    batch,
                    file,
                    options: imports::ImportOptions {
                        instrument,
                        mapping,
                        unit_column,
                    },
                    by,
                    limits,
                },
            )?;
        }
        Command::Backup { to } => {
            if !backup_command(&cli.database, &to)? {
                std::process::exit(1);
            }
        }
        Command::Audit {
            command: AuditCommand::Verify,
        } => {
            let db = open_and_migrate(&cli.database)?;
            if !audit_verify(&db)? {
                std::process::exit(1);
            }
        }
        Command::Serve {
            bind,
            demo,
            workers,
            token_hours,
            session_hours,
            secure_cookies,
            photo_max_megapixels,
            photo_decodes,
            limits,
            trusted_proxies,
            metrics_token,
            time_zone,
            public_url,
            head_timeout_secs,
            body_timeout_secs,
            shutdown_drain_secs,
            shutdown_timeout_secs,
        } => {
            let limits = limits.limits()?;
            let public_url = lotcheck::PublicUrl(public_url);
            let site = lotcheck::service::reports::IssueSite {
                zone: time_zone,
                public_url: public_url.base(),
            };
            let db = open_and_migrate(&cli.database)?;
            if demo {
                let summary = db
                    .write_blocking(demo::load)
                    .map_err(|e| anyhow::anyhow!("demo data: {e}"))?;
                let logins = db
                    .write_blocking(demo::ensure_demo_users)
                    .map_err(|e| anyhow::anyhow!("demo users: {e}"))?;
                let issued = db
                    .write_blocking(move |c| demo::decide_and_issue(c, &site))
                    .map_err(|e| anyhow::anyhow!("demo report: {e}"))?;
                println!("{summary}\n{issued}\ndemo logins:\n{}", logins.join("\n"));
            } else if db
                .read_blocking(accounts::count_users)
                .map_err(|e| anyhow::anyhow!("{e}"))?
                == 0
            {
                println!(
                    "No users yet. Create the first admin with:\n  \
                     lotcheck user add --username admin --role admin --password-stdin"
                );
            }
            let listener =
                TcpListener::bind(&bind).with_context(|| format!("cannot listen on {bind}"))?;
            let address = listener.local_addr()?;
            tracing::info!(
                %address,
                database = %redact(&cli.database.database_url),
                trusted_proxies = %trusted_proxies,
                metrics = if metrics_token.is_some() { "token" } else { "public" },
                "lotcheck listening"
            );
            println!("lotcheck listening on http://{address}");
            let hours = |h: u64| Duration::from_secs(h * 3600);
            let settings = Settings {
                workers,
                auth: AuthSettings {
                    token_ttl: hours(token_hours),
                    session_ttl: hours(session_hours),
                    secure_cookies,
                    ..AuthSettings::default()
                },
                photos: photos::PhotoLimits::new(photo_max_megapixels, photo_decodes as usize),
                limits,
                http: HttpSettings {
                    trusted_proxies,
                    metrics_token: metrics_token.filter(|t| !t.is_empty()),
                    head_timeout: Duration::from_secs(head_timeout_secs),
                    body_timeout: Duration::from_secs(body_timeout_secs),
                    shutdown_drain: Duration::from_secs(shutdown_drain_secs),
                    shutdown_timeout: Duration::from_secs(shutdown_timeout_secs),
                },
                time_zone: lotcheck::SiteZone(time_zone),
                public_url,
            };
            lotcheck::build(listener, db, settings)?
                .run_until_signalled()
                .await?;
            tracing::info!("lotcheck stopped");
        }
    }
    Ok(())
}
