//! `leerstand import …`: ALKIS NAS deliveries, any OGR vector layer, and the towns' CSV
//! registers, each in one transaction, with a progress bar and a summary table.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use store::{ImportReport, MatchPolicy, MergeOptions};

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// ALKIS NAS files, directories of them, or .zip archives (initial loads and update
    /// deliveries).
    Alkis {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[command(flatten)]
        geometry: GeometryArgs,
    },
    /// One layer of any vector format GDAL reads (GeoPackage, Shapefile, GeoJSON, …).
    Vector {
        file: PathBuf,
        /// What the layer holds.
        #[arg(long = "as", value_enum)]
        target: VectorTarget,
        /// The layer to read (default: the only one, or the one named like the target).
        #[arg(long)]
        layer: Option<String>,
        /// Source column for a destination column, e.g. `--map FLSKZ=kennzeichen`.
        #[arg(long = "map", value_name = "SRC=DST")]
        map: Vec<String>,
        /// CRS of the layer when the file has none or a wrong one, e.g. EPSG:25833.
        #[arg(long)]
        srs: Option<String>,
        #[command(flatten)]
        geometry: GeometryArgs,
    },
    /// Land-value zones (Bodenrichtwerte) as BORIS-D / VBORIS publish them (GeoJSON,
    /// Shapefile, GML …, fields BRW, STAG, WNUM, ENTW, NUTA, BRZNAME); a zone imported again
    /// (same Stichtag and number) is replaced.
    Landvalues {
        file: PathBuf,
        /// CRS of the file when it has none or a wrong one, e.g. EPSG:25833.
        #[arg(long)]
        srs: Option<String>,
    },
    /// A register exported as CSV (`;` or `,`, UTF-8 or Windows-1252).
    Register {
        #[arg(value_enum)]
        kind: RegisterKind,
        file: PathBuf,
        /// Fail when more than this share of rows (in %) matches no ALKIS address.
        #[arg(long, default_value_t = 10.0)]
        max_unmatched: f64,
        /// Fail on any unmatched row (same as --max-unmatched 0).
        #[arg(long)]
        strict: bool,
    },
}

#[derive(Debug, Args)]
pub struct GeometryArgs {
    /// Repair invalid geometries with ST_MakeValid (each repair is listed) instead of failing.
    #[arg(long)]
    repair: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum VectorTarget {
    Parcels,
    Buildings,
    Addresses,
    Landuse,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RegisterKind {
    Residents,
    Meters,
    Survey,
    Reports,
}

fn progress_bar(unit: &str) -> ProgressBar {
    let pb = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr_with_hz(4));
    let template =
        format!("{{spinner}} {{elapsed_precise}} {{human_pos}} {unit} ({{per_sec}}) {{msg}}");
    if let Ok(style) = ProgressStyle::with_template(&template) {
        pb.set_style(style);
    }
    pb.enable_steady_tick(Duration::from_millis(250));
    pb
}

pub async fn run(cmd: ImportCommand, database_url: &str) -> anyhow::Result<()> {
    let pool = store::connect(database_url).await?;
    store::migrate(&pool).await?;
    let report = match cmd {
        ImportCommand::Landvalues { file, srs } => {
            let srs = match srs {
                Some(s) => Some(
                    vector_import::parse_srs(&s)
                        .with_context(|| format!("--srs {s:?}: expected EPSG:n"))?,
                ),
                None => None,
            };
            let r = vector_import::import_land_values(&pool, &file, srs)
                .await
                .context("land-value import failed; the database is unchanged")?;
            let mut out = std::io::stdout().lock();
            writeln!(
                out,
                "{}: {} land-value zones, {} new, {} replaced",
                r.path.display(),
                r.zones,
                r.inserted,
                r.replaced
            )?;
            return out.flush().context("writing to stdout");
        }
        ImportCommand::Alkis { paths, geometry } => {
            let opts = alkis_import::Options {
                merge: MergeOptions {
                    repair: geometry.repair,
                },
                progress: progress_bar("objects"),
                ..alkis_import::Options::default()
            };
            let r = alkis_import::import(&pool, &paths, &opts).await;
            opts.progress.finish_and_clear();
            r.context("ALKIS import failed; the database is unchanged")?
        }
        ImportCommand::Vector {
            file,
            target,
            layer,
            map,
            srs,
            geometry,
        } => {
            let mut opts = vector_import::Options::new(match target {
                VectorTarget::Parcels => vector_import::Target::Parcels,
                VectorTarget::Buildings => vector_import::Target::Buildings,
                VectorTarget::Addresses => vector_import::Target::Addresses,
                VectorTarget::Landuse => vector_import::Target::LandUse,
            });
            opts.layer = layer;
            opts.map = map
                .iter()
                .map(|m| vector_import::parse_map(m))
                .collect::<Result<_, _>>()?;
            opts.srs = match srs {
                Some(s) => Some(
                    vector_import::parse_srs(&s)
                        .with_context(|| format!("--srs {s:?}: expected EPSG:n"))?,
                ),
                None => None,
            };
            opts.merge.repair = geometry.repair;
            opts.progress = progress_bar("features");
            let r = vector_import::import(&pool, &file, &opts).await;
            opts.progress.finish_and_clear();
            r.context("vector import failed; the database is unchanged")?
        }
        ImportCommand::Register {
            kind,
            file,
            max_unmatched,
            strict,
        } => {
            let kind = match kind {
                RegisterKind::Residents => register_import::Register::Residents,
                RegisterKind::Meters => register_import::Register::Meters,
                RegisterKind::Survey => register_import::Register::Survey,
                RegisterKind::Reports => register_import::Register::Reports,
            };
            let opts = register_import::Options {
                policy: MatchPolicy {
                    max_unmatched_percent: if strict { 0.0 } else { max_unmatched },
                    ..MatchPolicy::default()
                },
                progress: None,
            };
            register_import::import(&pool, kind, &file, &opts)
                .await
                .context("register import failed; the database is unchanged")?
        }
    };
    print_summary(&report)
}

fn print_summary(r: &ImportReport) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    if let Some(id) = r.already_imported {
        writeln!(out, "already imported as batch {id}; nothing changed")?;
        return Ok(());
    }
    writeln!(out, "import batch {} ({:.1} s)", r.batch_id, r.duration_s)?;
    writeln!(
        out,
        "{:<18} {:>10} {:>10} {:>10} {:>10}",
        "table", "staged", "inserted", "updated", "deleted"
    )?;
    let staged_name = |t: &str| match t {
        "street_catalogue" => "street".to_owned(),
        "resident_count" => "resident".to_owned(),
        "meter_reading" => "meter".to_owned(),
        "field_survey" => "survey".to_owned(),
        "citizen_report" => "report".to_owned(),
        other => other.to_owned(),
    };
    for (table, c) in &r.tables {
        let staged = r.staged.get(&staged_name(table)).copied().unwrap_or(0);
        writeln!(
            out,
            "{table:<18} {staged:>10} {:>10} {:>10} {:>10}",
            c.inserted, c.updated, c.deleted
        )?;
    }
    if r.tables.is_empty() {
        writeln!(out, "(no changes)")?;
    }
    if r.rejected > 0 {
        writeln!(
            out,
            "{} rows skipped: no matching ALKIS address; the first ones:",
            r.rejected
        )?;
        for u in &r.unmatched {
            writeln!(out, "  {}: {}", u.at, u.reason)?;
        }
    }
    for rep in &r.repairs {
        writeln!(out, "repaired {}: {}", rep.at, rep.reason)?;
    }
    for w in &r.warnings {
        writeln!(out, "warning: {w}")?;
    }
    out.flush().context("writing to stdout")
}
