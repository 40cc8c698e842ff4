//! `leerstand tiles …`: the public vector tiles as files, for static hosting.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

#[derive(Debug, Subcommand)]
pub enum TilesCommand {
    /// Write the public tileset as one PMTiles v3 archive (the tiles the server serves).
    Export(ExportArgs),
    /// Print the query of a tile at a zoom ($1 = z, $2 = x, $3 = y), for EXPLAIN and benchmarks.
    Sql {
        #[arg(long)]
        zoom: u8,
        /// The query the server runs on a cache miss instead: the block of tiles holding the
        /// tile, one row (dx, dy, tile) per tile ($2, $3: the block's first tile).
        #[arg(long)]
        block: bool,
    },
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The archive to write (replaced when it exists).
    #[arg(long)]
    pub pmtiles: PathBuf,
    /// Lowest zoom written.
    #[arg(long, default_value_t = 0)]
    pub min_zoom: u8,
    /// Highest zoom written (at most 16; map clients overzoom beyond).
    #[arg(long, default_value_t = 16)]
    pub max_zoom: u8,
    /// Tiles rendered at once.
    #[arg(long, default_value_t = 4)]
    pub jobs: usize,
}

pub async fn run(cmd: TilesCommand, database_url: &str) -> anyhow::Result<()> {
    let args = match cmd {
        TilesCommand::Export(args) => args,
        TilesCommand::Sql { zoom, block } => {
            let set = &::tiles::TILESETS[0];
            let sql = if block {
                set.block_sql(zoom)
            } else {
                set.sql(zoom)
            };
            let sql =
                sql.with_context(|| format!("no layer of {} is drawn at zoom {zoom}", set.id))?;
            writeln!(std::io::stdout().lock(), "{sql};")?;
            return Ok(());
        }
    };
    let pool = store::connect(database_url).await?;
    store::migrate(&pool).await?;
    let options = ::tiles::ExportOptions {
        min_zoom: args.min_zoom,
        max_zoom: args.max_zoom,
        concurrency: args.jobs,
        ..::tiles::ExportOptions::default()
    };
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr_with_hz(4));
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} {elapsed_precise} {human_pos}/{human_len} tiles ({per_sec}, {eta} left)",
    ) {
        bar.set_style(style);
    }
    let started = Instant::now();
    let summary = ::tiles::export_pmtiles(&pool, &args.pmtiles, &options, &|done, total| {
        bar.set_length(total);
        bar.set_position(done);
    })
    .await
    .with_context(|| format!("exporting tiles to {}", args.pmtiles.display()))?;
    bar.finish_and_clear();
    let h = &summary.header;
    let size = h.data_offset + h.data_length;
    writeln!(
        std::io::stdout().lock(),
        "{}: zoom {}–{}, {} tiles ({} distinct) of {} looked at, {:.1} MB, {:.1} s",
        args.pmtiles.display(),
        h.extent.min_zoom,
        h.extent.max_zoom,
        h.addressed_tiles,
        h.tile_contents,
        summary.candidates,
        size as f64 / 1e6,
        started.elapsed().as_secs_f64()
    )?;
    Ok(())
}
