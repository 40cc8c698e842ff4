//! The `leerstand` command: a thin layer that parses arguments and calls the crates.

mod analyze;
mod db;
mod generate;
mod import;
mod privacy;
mod publish;
mod serve;
mod tiles;
mod user;

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

/// Vacancy analysis for the towns of the Allianz "Thüringer Becken": import cadastre and
/// registers into PostGIS, classify buildings and plots, serve maps.
#[derive(Debug, Parser)]
#[command(name = "leerstand", version, max_term_width = 100)]
struct Cli {
    /// PostgreSQL/PostGIS database to work on.
    #[arg(long, env = "DATABASE_URL", default_value = store::DEFAULT_DATABASE_URL,
          hide_default_value = true, global = true)]
    database_url: String,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Set up and inspect the database schema.
    #[command(subcommand)]
    Db(db::DbCommand),
    /// Generate the demo data set: ALKIS (NAS, GeoPackage), registers, ground truth.
    Generate(generate::GenerateArgs),
    /// Import ALKIS NAS, any OGR vector layer, or a register CSV (one transaction each).
    #[command(subcommand)]
    Import(import::ImportCommand),
    /// Classify every building and plot, store the run, print a summary per town.
    Analyze(analyze::AnalyzeArgs),
    /// Serve the web API and the web map (default http://127.0.0.1:8080).
    Serve(serve::ServeArgs),
    /// Planners' accounts and API tokens.
    #[command(subcommand)]
    User(user::UserCommand),
    /// Record publication notices and owners' consent (§ 200 (3) BauGB).
    #[command(subcommand)]
    Publish(publish::PublishCommand),
    /// Data protection: erase contacts after their retention, export what is stored about
    /// a person (Art. 15 GDPR).
    #[command(subcommand)]
    Privacy(privacy::PrivacyCommand),
    /// Vector tiles as files: `tiles export --pmtiles FILE`.
    #[command(subcommand)]
    Tiles(tiles::TilesCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")),
        )
        .with_writer(std::io::stderr)
        .init();

    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => return fail(&anyhow::Error::from(e)),
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Db(cmd) => db::run(cmd, &cli.database_url).await,
            Command::Generate(args) => generate::run(args),
            Command::Import(cmd) => import::run(cmd, &cli.database_url).await,
            Command::Analyze(args) => analyze::run(args, &cli.database_url).await,
            Command::Serve(args) => serve::run(args, &cli.database_url).await,
            Command::User(cmd) => user::run(cmd, &cli.database_url).await,
            Command::Publish(cmd) => publish::run(cmd, &cli.database_url).await,
            Command::Privacy(cmd) => privacy::run(cmd, &cli.database_url).await,
            Command::Tiles(cmd) => tiles::run(cmd, &cli.database_url).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

/// Prints the error with its chain of causes, the way a planner can act on it.
fn fail(error: &anyhow::Error) -> ExitCode {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "error: {error}");
    for cause in error.chain().skip(1) {
        let _ = writeln!(err, "  caused by: {cause}");
    }
    ExitCode::FAILURE
}
