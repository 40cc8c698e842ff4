//! Initial parcel loads straight into the empty parcel table, for rows the importer has
//! already checked against every per-row rule of the table: binary COPY into `parcel` itself
//! instead of staging plus `INSERT … SELECT`, so the database's share of the work runs while
//! the importer is still reading.
//!
//! The parcel table is empty, so nothing needs merging. Its secondary indexes, unique
//! constraints and outgoing foreign keys are deferred as in [`crate::bulk`], and the
//! `parcel_check` trigger (migration 0014) is disabled; the importer guarantees what the
//! trigger would check (ALKIS id and Flurstückskennzeichen formats, a non-empty geometry that
//! GEOS finds valid, in EPSG:25832), writes the key parts the trigger would derive, and finds
//! repeated ids and keys itself, so it can name both features. All of it happens inside the
//! import's transaction: a failure anywhere leaves the table, its indexes and the trigger as
//! they were. Rows the importer could not check go to staging and through the usual merge.

use sqlx::PgConnection;

use crate::copy::{CopyBuf, CopyTable};
use crate::load::{copy_raw, Import};
use crate::StoreError;

impl Import {
    /// A direct parcel row: the key parts the `parcel_check` trigger would derive are written
    /// by the importer; `geom` is an EWKB multipolygon in EPSG:25832 and `import_batch_id` is
    /// [`Import::batch_id`].
    pub const DIRECT_PARCEL: CopyTable = CopyTable {
        name: "parcel",
        columns: &[
            ("alkis_id", "character(16)"),
            ("kennzeichen", "character(20)"),
            ("gemarkung", "smallint"),
            ("flur", "smallint"),
            ("zaehler", "integer"),
            ("nenner", "smallint"),
            ("ags", "character(8)"),
            ("official_area_m2", "double precision"),
            ("geom", "geometry(MultiPolygon,25832)"),
            ("import_batch_id", "bigint"),
        ],
    };

    /// Starts a direct load when the parcel table is empty (else returns `false` and changes
    /// nothing): defers the table's indexes and foreign keys and disables its trigger.
    pub async fn begin_direct_parcels(&mut self) -> Result<bool, StoreError> {
        let conn: &mut PgConnection = &mut self.tx;
        // Taken before looking, and held to the commit: a second import of parcels waits
        // here and then finds the table filled, instead of taking this path as well.
        sqlx::raw_sql("LOCK TABLE parcel IN SHARE ROW EXCLUSIVE MODE")
            .execute(&mut *conn)
            .await
            .map_err(StoreError::query("locking the parcel table"))?;
        let empty: bool = sqlx::query_scalar("SELECT NOT EXISTS (SELECT 1 FROM parcel)")
            .fetch_one(&mut *conn)
            .await
            .map_err(StoreError::query("checking the parcel table"))?;
        if !empty {
            return Ok(false);
        }
        let deferred = crate::bulk::defer(conn, "parcel").await?;
        sqlx::raw_sql("ALTER TABLE parcel DISABLE TRIGGER parcel_check")
            .execute(&mut *conn)
            .await
            .map_err(StoreError::query("preparing the parcel table"))?;
        self.direct = Some(deferred);
        Ok(true)
    }

    /// Sends one chunk of checked parcel rows (written as [`Import::DIRECT_PARCEL`] rows).
    pub async fn copy_direct_parcels(&mut self, chunk: CopyBuf) -> Result<u64, StoreError> {
        let rows = chunk.rows();
        if rows == 0 {
            return Ok(0);
        }
        if self.direct.is_none() {
            return Err(StoreError::rejected(
                "parcel",
                "load",
                "direct parcel rows sent without begin_direct_parcels",
            ));
        }
        let sql = Self::DIRECT_PARCEL.copy_statement();
        copy_raw(&mut self.tx, &sql, chunk, "COPY into parcel").await?;
        self.report
            .tables
            .entry("parcel".to_owned())
            .or_default()
            .inserted += rows;
        Ok(rows)
    }

    /// Ends a direct load: creates the municipalities `ags` names that the table lacks (each
    /// listed as a warning), re-creates the deferred indexes and foreign keys (sorted builds,
    /// one set-based check each) and enables the trigger again.
    pub async fn finish_direct_parcels(&mut self, ags: &[String]) -> Result<(), StoreError> {
        let Some(deferred) = self.direct.take() else {
            return Ok(());
        };
        let started = std::time::Instant::now();
        let conn: &mut PgConnection = &mut self.tx;
        let created: Vec<String> = sqlx::query_scalar(
            "INSERT INTO municipality (ags, name) SELECT a, 'Gemeinde ' || a FROM unnest($1::text[]) a
             ON CONFLICT DO NOTHING RETURNING ags::text",
        )
        .bind(ags)
        .fetch_all(&mut *conn)
        .await
        .map_err(StoreError::query("creating missing municipalities"))?;
        for a in created {
            self.report.warnings.push(format!(
                "municipality {a} was not in the municipality table; created it as \"Gemeinde {a}\""
            ));
        }
        deferred
            .restore(conn)
            .await
            .map_err(StoreError::query("indexing the loaded parcels"))?;
        sqlx::raw_sql("ALTER TABLE parcel ENABLE TRIGGER parcel_check")
            .execute(&mut *conn)
            .await
            .map_err(StoreError::query("restoring the parcel table"))?;
        tracing::debug!(
            indexes_s = started.elapsed().as_secs_f64(),
            "direct parcel load finished"
        );
        Ok(())
    }
}
