//! Initial loads into an empty core table: its secondary indexes, unique constraints and
//! outgoing foreign keys are dropped for the load and rebuilt once after it, inside the
//! import's transaction (the osm2pgsql way). A sorted index build and one set-based foreign-key
//! check cost a fraction of maintaining them row by row; the guarantees are the same, because
//! the load only commits once every constraint has been re-created and validated.
//!
//! What is deferred is read from the catalogue, so constraints and indexes added by later
//! migrations are handled without naming them here. Kept in place: the primary key, CHECK and
//! NOT NULL constraints, and unique constraints that other tables' foreign keys depend on.

use sqlx::{PgConnection, Row};

use crate::StoreError;

/// The DDL that re-creates what [`defer`] dropped, in order: unique constraints first (a
/// duplicate fails early), then plain indexes, then foreign keys.
#[derive(Debug)]
pub(crate) struct Deferred {
    restore: Vec<String>,
}

/// `(order, name, drop, create)` for everything of `$1` that is rebuilt after the load.
const DEFERRABLE: &str = "
SELECT 0 AS ord, c.conname::text AS name,
       format('ALTER TABLE %s DROP CONSTRAINT %I', c.conrelid::regclass, c.conname) AS drop_sql,
       format('ALTER TABLE %s ADD CONSTRAINT %I %s', c.conrelid::regclass, c.conname, pg_get_constraintdef(c.oid)) AS create_sql
  FROM pg_constraint c
 WHERE c.conrelid = $1::regclass AND c.contype = 'u'
   AND NOT EXISTS (SELECT 1 FROM pg_constraint r WHERE r.contype = 'f' AND r.conindid = c.conindid)
UNION ALL
SELECT 1, i.indexrelid::regclass::text,
       format('DROP INDEX %s', i.indexrelid::regclass),
       pg_get_indexdef(i.indexrelid)
  FROM pg_index i
 WHERE i.indrelid = $1::regclass
   AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid)
UNION ALL
SELECT 2, c.conname::text,
       format('ALTER TABLE %s DROP CONSTRAINT %I', c.conrelid::regclass, c.conname),
       format('ALTER TABLE %s ADD CONSTRAINT %I %s', c.conrelid::regclass, c.conname, pg_get_constraintdef(c.oid))
  FROM pg_constraint c
 WHERE c.conrelid = $1::regclass AND c.contype = 'f'
 ORDER BY 1, 2";

/// Drops the secondary indexes, unreferenced unique constraints and outgoing foreign keys of
/// `table` (which the caller has found empty) and returns what re-creates them.
pub(crate) async fn defer(conn: &mut PgConnection, table: &str) -> Result<Deferred, StoreError> {
    let rows = sqlx::query(DEFERRABLE)
        .bind(table)
        .fetch_all(&mut *conn)
        .await
        .map_err(StoreError::query(
            "reading the indexes and constraints to defer",
        ))?;
    let mut restore = Vec::with_capacity(rows.len());
    for r in &rows {
        let drop: String = r.try_get("drop_sql").map_err(StoreError::query(
            "reading the indexes and constraints to defer",
        ))?;
        let create: String = r.try_get("create_sql").map_err(StoreError::query(
            "reading the indexes and constraints to defer",
        ))?;
        sqlx::raw_sql(&drop)
            .execute(&mut *conn)
            .await
            .map_err(StoreError::query("dropping an index for the initial load"))?;
        restore.push(create);
    }
    Ok(Deferred { restore })
}

impl Deferred {
    /// Re-creates the indexes and constraints; a duplicate key or a dangling reference in
    /// the loaded rows fails here, with the database's error.
    pub(crate) async fn restore(self, conn: &mut PgConnection) -> Result<(), sqlx::Error> {
        for sql in &self.restore {
            let started = std::time::Instant::now();
            sqlx::raw_sql(sql).execute(&mut *conn).await?;
            tracing::debug!(seconds = started.elapsed().as_secs_f64(), "{sql}");
        }
        Ok(())
    }
}
