//! PostGIS storage of leerstand: connecting, the embedded schema migrations, database
//! status, and the bulk-load machinery of the importers (binary COPY into staging, set-based
//! merge). Every query binds its parameters; nothing is formatted into SQL.

pub mod area_stats;
mod bulk;
pub mod copy;
mod direct;
mod error;
pub mod ewkb;
pub mod facts;
pub mod load;
mod merge;
mod report;
pub mod runs;
mod staging;
mod status;
pub mod wkb;

pub use copy::{CopyBuf, CopyTable};
pub use error::StoreError;
pub use load::{begin, srid_known, BatchKind, Begin, Import};
pub use merge::{MatchPolicy, MergeOptions};
pub use report::{ImportReport, Repair, TableCounts, Unmatched};
pub use staging::Staging;
pub use status::{status, DbStatus, MigrationState};

use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgConnection, PgPool};

/// The schema, embedded in the binary. Migrations are numbered and never edited once released.
pub static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// The database used when neither `--database-url` nor `DATABASE_URL` says otherwise; the
/// set-up script creates exactly this role and database.
pub const DEFAULT_DATABASE_URL: &str = "postgres://leerstand:leerstand@127.0.0.1:5432/leerstand";

/// Opens a connection pool, failing fast with the server's answer when it cannot connect.
pub async fn connect(url: &str) -> Result<PgPool, StoreError> {
    connect_with(url, 8, Duration::from_secs(10)).await
}

/// [`connect`] with a pool size and how long a caller waits for a connection; a server
/// waits briefly so that it can answer "unavailable" while the database is away.
pub async fn connect_with(
    url: &str,
    max_connections: u32,
    acquire_timeout: Duration,
) -> Result<PgPool, StoreError> {
    let options: PgConnectOptions = url.parse().map_err(|source| StoreError::Connect {
        target: redact(url),
        source,
    })?;
    // Bulk loads, index builds and analyses run long statements by design; sqlx would warn
    // about each one on the user's terminal.
    let options = options.log_slow_statements(log::LevelFilter::Debug, Duration::from_secs(1));
    // One direct attempt first: the pool would retry a refused connection until its timeout.
    PgConnection::connect_with(&options)
        .await
        .map_err(|source| StoreError::Connect {
            target: redact(url),
            source,
        })?
        .close()
        .await
        .ok();
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(acquire_timeout)
        .connect_with(options)
        .await
        .map_err(|source| StoreError::Connect {
            target: redact(url),
            source,
        })
}

/// Applies the pending migrations; returns the versions it applied (empty when up to date).
pub async fn migrate(pool: &PgPool) -> Result<Vec<i64>, StoreError> {
    let before = status::applied_versions(pool).await?;
    MIGRATOR.run(pool).await?;
    let after = status::applied_versions(pool).await?;
    Ok(after.into_iter().filter(|v| !before.contains(v)).collect())
}

/// The URL without its password, for messages and logs.
pub fn redact(url: &str) -> String {
    let Some(rest) = url
        .strip_prefix("postgres://")
        .or_else(|| url.strip_prefix("postgresql://"))
    else {
        return "<invalid database URL>".to_owned();
    };
    let scheme = &url[..url.len() - rest.len()];
    let authority = &rest[..rest.find('/').unwrap_or(rest.len())];
    match authority.rfind('@') {
        Some(at) => {
            let user = authority[..at].split(':').next().unwrap_or("");
            format!("{scheme}{user}:***{}", &rest[at..])
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_passwords() {
        assert_eq!(
            super::redact("postgres://leerstand:geheim@127.0.0.1:5432/leerstand"),
            "postgres://leerstand:***@127.0.0.1:5432/leerstand"
        );
        assert_eq!(
            super::redact("postgres://127.0.0.1/x"),
            "postgres://127.0.0.1/x"
        );
        assert_eq!(super::redact("mysql://a:b@c/d"), "<invalid database URL>");
    }
}
