//! `leerstand publish …`: the publication record of § 200 (3) BauGB from the command line —
//! the town's notice for all current plot verdicts, and an owner's consent for one parcel.

use std::io::Write;

use anyhow::{bail, Context};
use chrono::{Months, NaiveDate};
use clap::Subcommand;
use workflow::consent::{record_notice, record_owner_consent, town_known, NoticeScope};
use workflow::users::{active_account, Account};

#[derive(Debug, Subcommand)]
pub enum PublishCommand {
    /// Record the notice (announced on DATE) for every plot verdict of the latest run:
    /// building gaps, vacant building plots, brownfields, underused plots. Plots become public
    /// one month after DATE unless the owner objects; plots with a consent, notice or
    /// objection on record keep it.
    Notice {
        /// Day the publication was announced (YYYY-MM-DD).
        #[arg(long)]
        announced_on: NaiveDate,
        /// Only this town (AGS, e.g. 16068051); default all.
        #[arg(long)]
        town: Option<String>,
        /// Login recorded as the author; default the first administrator.
        #[arg(long)]
        by: Option<String>,
    },
    /// Record an owner's consent to publish one parcel (clears an earlier objection).
    Consent {
        /// ALKIS id of the parcel.
        #[arg(long)]
        parcel: String,
        /// Day of the consent (YYYY-MM-DD).
        #[arg(long)]
        on: NaiveDate,
        /// Login recorded as the author.
        #[arg(long)]
        by: String,
    },
}

/// The account that records: the given login, or the first administrator.
fn actor(found: Option<Account>, login: Option<&str>) -> anyhow::Result<Account> {
    match (found, login) {
        (Some(user), _) => Ok(user),
        (None, Some(login)) => bail!("no active user with login {login:?}"),
        (None, None) => bail!(
            "no administrator account: create one with `leerstand user add LOGIN --role admin` \
             or name the author with --by"
        ),
    }
}

pub async fn run(cmd: PublishCommand, database_url: &str) -> anyhow::Result<()> {
    let pool = store::connect(database_url).await?;
    store::migrate(&pool).await?;
    let mut out = std::io::stdout().lock();
    match cmd {
        PublishCommand::Notice {
            announced_on,
            town,
            by,
        } => {
            let town = match town {
                Some(t) => {
                    let ags: model::Ags = t.parse()?;
                    if !town_known(&pool, ags.as_str()).await? {
                        bail!("no town with AGS {ags}");
                    }
                    Some(ags.as_str().to_owned())
                }
                None => None,
            };
            let author = actor(active_account(&pool, by.as_deref()).await?, by.as_deref())?;
            let mut tx = pool.begin().await?;
            let outcome = record_notice(
                &mut tx,
                author.actor(),
                announced_on,
                &NoticeScope::PlotVerdicts { town },
            )
            .await
            .context("recording the notice")?;
            tx.commit().await?;
            if outcome.matched == 0 {
                tracing::warn!("no plot verdicts in the latest run: run `leerstand analyze` first");
            }
            let public_from = announced_on
                .checked_add_months(Months::new(1))
                .map_or_else(String::new, |d| d.to_string());
            writeln!(
                out,
                "notice of {announced_on} recorded for {} plots ({} kept their consent, notice or \
                 objection); public from {public_from} unless the owner objects",
                outcome.recorded, outcome.unchanged
            )?;
        }
        PublishCommand::Consent { parcel, on, by } => {
            let alkis: model::AlkisId = parcel.parse()?;
            let author = actor(active_account(&pool, Some(&by)).await?, Some(&by))?;
            let mut tx = pool.begin().await?;
            let found = record_owner_consent(&mut tx, author.actor(), alkis.as_str(), on)
                .await
                .context("recording the consent")?;
            if !found {
                bail!("no parcel with ALKIS id {alkis}");
            }
            tx.commit().await?;
            writeln!(out, "consent of {on} recorded for parcel {alkis}")?;
        }
    }
    Ok(())
}
