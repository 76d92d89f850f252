//! PostgreSQL, the store of record when several `praxis-server` instances serve one
//! deployment (`serve --database postgres://…`). This file holds the connection pool
//! and the versioned schema; what the instances keep there is in
//! `001_store_of_record.sql`.
//!
//! Storage runs on the blocking pool (as SQLite's does), so it uses rust-postgres's
//! synchronous client, each connection driven on the calling thread, and r2d2's pool
//! of them.

mod tables;

pub use tables::*;

use super::{Result, StorageError};
use postgres::NoTls;
use r2d2_postgres::PostgresConnectionManager;
use std::time::Duration;

const MIGRATIONS: &[&str] = &[
    include_str!("001_store_of_record.sql"),
    include_str!("002_changes_without_foreign_key.sql"),
];

/// The schema version this build brings a database to.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// The advisory lock under which an instance brings the schema up to date, so two
/// instances starting at once do not both migrate.
const MIGRATION_LOCK: i64 = 0x7072_6178_6973_0001;

/// Connections an instance keeps open at most: one per stream lock being held (8),
/// one for the server's own tables, and the rest for reads catching up and for what
/// instances share directly (sessions, the access log...), which each hold one only
/// for a statement or two.
const POOL_SIZE: u32 = 32;

/// How long a request waits for a connection (or for the database to answer one)
/// before it is told the database cannot be reached.
const CONNECT_WAIT: Duration = Duration::from_secs(5);

pub type Connection = r2d2::PooledConnection<PostgresConnectionManager<NoTls>>;

/// A pool of connections to one PostgreSQL database.
#[derive(Clone)]
pub struct Database {
    pool: r2d2::Pool<PostgresConnectionManager<NoTls>>,
    /// Where it is, without the password, for messages.
    shown: String,
}

impl Database {
    /// Connects to `url` (`postgres://user:password@host:port/database`) and brings
    /// its schema up to date. Refused when the address is not one, the database
    /// cannot be reached, or its schema is newer than this build's.
    pub fn open(url: &str) -> Result<Database> {
        let config: postgres::Config = url.parse().map_err(|e| {
            StorageError::Unusable(format!(
                "--database (PRAXIS_DATABASE_URL) is not a PostgreSQL address ({e}): give one such as postgres://praxis:PASSWORD@localhost:5432/praxis"
            ))
        })?;
        let shown = shown(&config);
        let mut config = config;
        config.connect_timeout(CONNECT_WAIT);
        let manager = PostgresConnectionManager::new(config, NoTls);
        let pool = r2d2::Pool::builder()
            .max_size(POOL_SIZE)
            .min_idle(Some(0))
            .connection_timeout(CONNECT_WAIT)
            .test_on_check_out(false)
            .build_unchecked(manager);
        let database = Database { pool, shown };
        database.migrate()?;
        Ok(database)
    }

    /// A connection from the pool. One the database closed (it restarted, say) fails
    /// its next statement, which is answered as the database being unreachable, and
    /// the pool drops it as it comes back (r2d2 keeps no closed client).
    pub fn connection(&self) -> Result<Connection> {
        self.pool.get().map_err(|e| {
            StorageError::Unreachable(format!(
                "The database at {} cannot be reached ({e}). Nothing was changed; try again shortly.",
                self.shown
            ))
        })
    }

    /// Runs `f` on a connection from the pool.
    pub fn run<T>(&self, f: impl FnOnce(&mut postgres::Client) -> Result<T>) -> Result<T> {
        let mut connection = self.connection()?;
        f(&mut connection)
    }

    /// Whether the database answers now, for `/healthz` and readiness.
    pub fn reachable(&self) -> Result<()> {
        self.run(|c| {
            c.simple_query("SELECT 1")?;
            Ok(())
        })
    }

    /// Where the database is (host, port and name; never the password).
    pub fn shown(&self) -> &str {
        &self.shown
    }

    /// The schema version this database is at.
    pub fn schema_version(&self) -> Result<i64> {
        self.run(|c| {
            Ok(c.query_one("SELECT max(version) FROM praxis_schema", &[])?
                .get::<_, Option<i64>>(0)
                .unwrap_or(0))
        })
    }

    fn migrate(&self) -> Result<()> {
        self.run(|c| {
            let mut tx = c.transaction()?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
            tx.batch_execute(
                "CREATE TABLE IF NOT EXISTS praxis_schema (version bigint PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
            )?;
            let version: i64 = tx
                .query_one("SELECT coalesce(max(version), 0) FROM praxis_schema", &[])?
                .get(0);
            if version > SCHEMA_VERSION {
                return Err(StorageError::Unusable(format!(
                    "the database {} was written by a newer praxis-server (schema {version}); update praxis-server",
                    self.shown
                )));
            }
            for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
                tx.batch_execute(sql)?;
                tx.execute(
                    "INSERT INTO praxis_schema (version) VALUES ($1)",
                    &[&(i as i64 + 1)],
                )?;
            }
            tx.commit()?;
            Ok(())
        })
    }
}

fn shown(config: &postgres::Config) -> String {
    let host = config
        .get_hosts()
        .first()
        .map(|h| match h {
            postgres::config::Host::Tcp(name) => name.clone(),
            postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .unwrap_or_else(|| "localhost".into());
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let name = config.get_dbname().unwrap_or("postgres");
    format!("{host}:{port}/{name}")
}
