//! `leerstand analyze`: run the analysis (crate `pipeline`) and print a summary per town;
//! optionally the changes since the previous run and the scores against ground truth.

mod print;

use std::path::PathBuf;

use analysis::AnalysisConfig;
use anyhow::Context;
use chrono::NaiveDate;
use clap::Args;

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// The day to judge for (evidence ages relative to it); default: today.
    #[arg(long, value_name = "YYYY-MM-DD")]
    as_of: Option<NaiveDate>,
    /// Weights and thresholds (TOML; missing keys keep their defaults, see docs/analysis.md).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Score the verdicts against a ground-truth file (truth.csv of `leerstand generate`).
    #[arg(long, value_name = "TRUTH.csv")]
    evaluate: Option<PathBuf>,
    /// List the verdicts that changed since the previous run.
    #[arg(long)]
    compare: bool,
}

pub async fn run(args: AnalyzeArgs, database_url: &str) -> anyhow::Result<()> {
    let mut config = match &args.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            toml::from_str::<AnalysisConfig>(&text)
                .with_context(|| format!("{}: not a valid analysis config", path.display()))?
        }
        None => AnalysisConfig::default(),
    };
    config.as_of = args
        .as_of
        .unwrap_or_else(|| chrono::Utc::now().date_naive());

    let pool = store::connect(database_url).await?;
    let report = pipeline::analyze(&pool, &config).await?;
    let mut out = std::io::stdout().lock();
    print::run(&mut out, &report)?;
    print::summary(&mut out, &report)?;
    print::suitability(&mut out, &report)?;
    if args.compare {
        let comparison = pipeline::compare_latest(&pool).await?;
        print::comparison(&mut out, comparison.as_ref())?;
    }
    if let Some(truth) = &args.evaluate {
        let scores = pipeline::evaluate(&report, truth)?;
        print::evaluation(&mut out, "buildings", &scores.buildings)?;
        print::evaluation(&mut out, "parcels", &scores.parcels)?;
    }
    Ok(())
}
