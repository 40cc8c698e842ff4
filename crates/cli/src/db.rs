//! `leerstand db …`: apply and show the embedded schema migrations.

use std::io::Write;

use anyhow::Context;
use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Apply the schema migrations that the database does not have yet (safe to repeat).
    Migrate,
    /// Show the server and PostGIS versions and which migrations are applied.
    Status,
}

pub async fn run(cmd: DbCommand, database_url: &str) -> anyhow::Result<()> {
    let pool = store::connect(database_url).await?;
    let mut out = std::io::stdout().lock();
    match cmd {
        DbCommand::Migrate => {
            let applied = store::migrate(&pool).await?;
            if applied.is_empty() {
                writeln!(out, "schema is up to date; nothing to apply")?;
            } else {
                let list: Vec<String> = applied.iter().map(i64::to_string).collect();
                writeln!(out, "applied migrations {}", list.join(", "))?;
            }
        }
        DbCommand::Status => {
            let status = store::status(&pool).await?;
            writeln!(out, "database    {}", store::redact(database_url))?;
            writeln!(out, "PostgreSQL  {}", status.server_version)?;
            writeln!(
                out,
                "PostGIS     {}",
                status.postgis_version.as_deref().unwrap_or("not installed")
            )?;
            writeln!(out, "migrations")?;
            for m in &status.migrations {
                let state = match m.applied_at {
                    Some(at) => format!("applied {}", at.format("%Y-%m-%d %H:%M:%S UTC")),
                    None => "pending".to_owned(),
                };
                writeln!(out, "  {:04}  {:<14} {state}", m.version, m.description)?;
            }
            let pending = status.pending().count();
            if pending > 0 {
                writeln!(out, "{pending} pending: run `leerstand db migrate`")?;
            }
        }
    }
    out.flush().context("writing to stdout")?;
    Ok(())
}
