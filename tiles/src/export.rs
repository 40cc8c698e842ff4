//! A tileset as one PMTiles archive, rendered by the server's queries.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::json;
use sqlx::PgPool;

use crate::{
    data_bounds, lonlat_tile, pmtiles, render_mvt, vector_layers, DATA_MAX_ZOOM, TILESETS,
};

/// What `export_pmtiles` writes.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    pub tileset: String,
    pub min_zoom: u8,
    pub max_zoom: u8,
    /// Tiles rendered at once (database connections used).
    pub concurrency: usize,
}

impl Default for ExportOptions {
    fn default() -> Self {
        Self {
            tileset: "public".to_owned(),
            min_zoom: 0,
            max_zoom: DATA_MAX_ZOOM,
            concurrency: 4,
        }
    }
}

/// What an export wrote.
#[derive(Debug, Clone)]
pub struct ExportSummary {
    /// Tiles looked at (the grid over the data at each zoom).
    pub candidates: u64,
    pub header: pmtiles::Header,
}

/// An export failure.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("no tileset {0:?}")]
    Tileset(String),
    #[error("zooms must satisfy min ≤ max ≤ {DATA_MAX_ZOOM}; got {0}–{1}")]
    Zoom(u8, u8),
    #[error("rendering tile {z}/{x}/{y}")]
    Render {
        z: u8,
        x: u32,
        y: u32,
        source: sqlx::Error,
    },
    #[error("reading the data's bounds")]
    Bounds(#[source] sqlx::Error),
    #[error(transparent)]
    Archive(#[from] pmtiles::PmtilesError),
}

/// The tiles over `bounds` from `min` to `max` zoom, in tile-id order.
fn tiles_over(bounds: [f64; 4], min: u8, max: u8) -> Vec<(u64, u8, u32, u32)> {
    let mut out = Vec::new();
    for z in min..=max {
        let (x0, y0) = lonlat_tile(z, bounds[0], bounds[3]);
        let (x1, y1) = lonlat_tile(z, bounds[2], bounds[1]);
        for x in x0..=x1 {
            for y in y0..=y1 {
                out.push((pmtiles::tile_id(z, x, y), z, x, y));
            }
        }
    }
    out.sort_unstable_by_key(|t| t.0);
    out
}

/// Writes a tileset as one PMTiles archive: every non-empty tile over the data from
/// `min_zoom` to `max_zoom`, rendered by the same query as the server's. `progress` is
/// called with (tiles done, tiles in all).
pub async fn export_pmtiles(
    pool: &PgPool,
    path: &Path,
    options: &ExportOptions,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<ExportSummary, ExportError> {
    let set = TILESETS
        .iter()
        .find(|t| t.id == options.tileset)
        .ok_or_else(|| ExportError::Tileset(options.tileset.clone()))?;
    if options.min_zoom > options.max_zoom || options.max_zoom > DATA_MAX_ZOOM {
        return Err(ExportError::Zoom(options.min_zoom, options.max_zoom));
    }
    let bounds = data_bounds(pool).await.map_err(ExportError::Bounds)?;
    let tiles = tiles_over(bounds, options.min_zoom, options.max_zoom);
    let total = tiles.len() as u64;
    let mut writer = pmtiles::Writer::create(path)?;
    // Render several tiles at once but write them in tile-id order: finished tiles wait in
    // `ready` until all before them are written.
    let mut running = tokio::task::JoinSet::new();
    let mut ready: BTreeMap<usize, (u64, Vec<u8>)> = BTreeMap::new();
    let (mut next_spawn, mut next_write) = (0usize, 0usize);
    while next_write < tiles.len() {
        while next_spawn < tiles.len() && running.len() < options.concurrency.max(1) {
            let (id, z, x, y) = tiles[next_spawn];
            let pool = pool.clone();
            let index = next_spawn;
            running.spawn(async move {
                let mvt = render_mvt(&pool, set, z, x, y)
                    .await
                    .map_err(|source| ExportError::Render { z, x, y, source })?;
                let gz = if mvt.is_empty() {
                    Vec::new()
                } else {
                    pmtiles::gzip(&mvt, 9)
                };
                Ok::<_, ExportError>((index, id, gz))
            });
            next_spawn += 1;
        }
        if let Some(done) = running.join_next().await {
            let (index, id, gz) = done.map_err(|e| {
                ExportError::Archive(pmtiles::PmtilesError::Io {
                    path: path.to_owned(),
                    source: std::io::Error::other(e),
                })
            })??;
            ready.insert(index, (id, gz));
        }
        while let Some((id, gz)) = ready.remove(&next_write) {
            if !gz.is_empty() {
                writer.add(id, &gz)?;
            }
            next_write += 1;
            if next_write % 64 == 0 || next_write == tiles.len() {
                progress(next_write as u64, total);
            }
        }
    }
    let metadata = json!({
        "name": set.name,
        "description": set.description,
        "attribution": set.attribution,
        "version": "1.0.0",
        "type": "overlay",
        "format": "pbf",
        "vector_layers": vector_layers(set),
    });
    let header = writer.finish(
        &metadata,
        pmtiles::Extent {
            min_zoom: options.min_zoom,
            max_zoom: options.max_zoom,
            bounds,
            center_zoom: options.max_zoom.min(14).max(options.min_zoom),
        },
    )?;
    Ok(ExportSummary {
        candidates: total,
        header,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::COUNTY;

    #[test]
    fn export_grid_covers_the_bounds_in_id_order() {
        let tiles = tiles_over(COUNTY, 10, 12);
        assert!(tiles.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(tiles.iter().any(|t| t.1 == 10) && tiles.iter().any(|t| t.1 == 12));
    }
}
