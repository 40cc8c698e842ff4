//! What `leerstand db status` shows: server and PostGIS versions, applied and pending
//! migrations.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;

use crate::{StoreError, MIGRATOR};

/// One migration of the embedded schema and whether the database has it.
#[derive(Debug, Clone, Serialize)]
pub struct MigrationState {
    pub version: i64,
    pub description: String,
    pub applied_at: Option<DateTime<Utc>>,
}

/// The state of the database as far as leerstand is concerned.
#[derive(Debug, Clone, Serialize)]
pub struct DbStatus {
    pub server_version: String,
    /// `None` when the postgis extension is not installed in this database.
    pub postgis_version: Option<String>,
    pub migrations: Vec<MigrationState>,
}

impl DbStatus {
    pub fn pending(&self) -> impl Iterator<Item = &MigrationState> {
        self.migrations.iter().filter(|m| m.applied_at.is_none())
    }

    pub fn is_up_to_date(&self) -> bool {
        self.pending().next().is_none()
    }
}

async fn migrations_table_exists(pool: &PgPool) -> Result<bool, StoreError> {
    sqlx::query_scalar::<_, bool>("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
        .fetch_one(pool)
        .await
        .map_err(StoreError::query("checking for the migrations table"))
}

pub(crate) async fn applied_versions(pool: &PgPool) -> Result<Vec<i64>, StoreError> {
    if !migrations_table_exists(pool).await? {
        return Ok(Vec::new());
    }
    sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
        .fetch_all(pool)
        .await
        .map_err(StoreError::query("reading applied migrations"))
}

/// Reads versions and the migration table.
pub async fn status(pool: &PgPool) -> Result<DbStatus, StoreError> {
    let server_version: String = sqlx::query_scalar("SHOW server_version")
        .fetch_one(pool)
        .await
        .map_err(StoreError::query("reading the server version"))?;
    let postgis_version: Option<String> =
        sqlx::query_scalar("SELECT extversion FROM pg_extension WHERE extname = 'postgis'")
            .fetch_optional(pool)
            .await
            .map_err(StoreError::query("reading the PostGIS version"))?;

    let applied: Vec<(i64, DateTime<Utc>)> = if migrations_table_exists(pool).await? {
        sqlx::query_as("SELECT version, installed_on FROM _sqlx_migrations WHERE success")
            .fetch_all(pool)
            .await
            .map_err(StoreError::query("reading applied migrations"))?
    } else {
        Vec::new()
    };

    let migrations = MIGRATOR
        .iter()
        .map(|m| MigrationState {
            version: m.version,
            description: m.description.to_string(),
            applied_at: applied
                .iter()
                .find(|(v, _)| *v == m.version)
                .map(|(_, at)| *at),
        })
        .collect();
    Ok(DbStatus {
        server_version,
        postgis_version,
        migrations,
    })
}
