//! `leerstand generate`: writes the demo and test data set (ALKIS NAS + GeoPackage, registers,
//! ground truth, manifest) for the four towns, or a larger area for benchmarks.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::Args;

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Directory to write to (created if missing; files in it are overwritten).
    #[arg(long)]
    out: PathBuf,
    /// Seed of the generator: the same seed gives byte-identical files.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Size: 1 = the four towns (about 50k parcels); below 1 they shrink; above 1 invented
    /// towns are added around them (about 80 = Thuringia).
    #[arg(long, default_value_t = 1.0)]
    scale: f64,
    /// Register errors: 1 = realistic, 2 = every error rate doubled, 0 = none.
    #[arg(long, default_value_t = 1.0)]
    noise: f64,
    /// Town configuration (default: the built-in data/towns.toml).
    #[arg(long)]
    config: Option<PathBuf>,
}

pub fn run(args: GenerateArgs) -> anyhow::Result<()> {
    let config = match &args.config {
        Some(path) => generator::Config::from_file(path)?,
        None => generator::Config::builtin()?,
    };
    let started = Instant::now();
    let manifest = generator::generate(&generator::Options {
        out: args.out.clone(),
        seed: args.seed,
        scale: args.scale,
        noise: args.noise,
        config,
    })
    .with_context(|| format!("generating into {}", args.out.display()))?;
    let secs = started.elapsed().as_secs_f64();
    let t = &manifest.totals;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{} towns, {} inhabitants, {} parcels, {} buildings, {} addresses, {} of {} dwellings vacant ({:.2} %)",
        t.towns, t.inhabitants, t.parcels, t.buildings, t.addresses, t.vacant_dwellings, t.dwellings, t.vacancy_rate_percent
    )?;
    writeln!(
        out,
        "written to {} in {secs:.1} s ({:.0} parcels/s); see manifest.json",
        args.out.display(),
        t.parcels as f64 / secs.max(1e-9)
    )?;
    Ok(())
}
