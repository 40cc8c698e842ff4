//! `leerstand privacy …`: erase the contacts of citizens and investors after their retention,
//! and export what is stored about a person (Art. 15 GDPR). Both are audited; the rules are
//! [`workflow::privacy`]'s.

use std::io::Write;

use anyhow::{bail, Context};
use clap::Subcommand;
use workflow::privacy::{purge, subject_export, Purge, DEFAULT_RETENTION_DAYS};
use workflow::users::active_account;

#[derive(Debug, Subcommand)]
pub enum PrivacyCommand {
    /// Erase the contact of every citizen report and enquiry closed more than the retention
    /// ago, in one transaction, and print the counts. A report closes when it is moderated
    /// and every case on its building is closed; an enquiry when it is forwarded or its
    /// offer withdrawn. The texts stay; the contacts are set to nothing.
    Purge {
        /// Days a closed report or enquiry keeps its contact.
        #[arg(long, default_value_t = DEFAULT_RETENTION_DAYS)]
        retention_days: u32,
        /// Count what would be erased; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Login recorded in the audit log; default `cli:` and the system user.
        #[arg(long)]
        by: Option<String>,
    },
    /// Print, as JSON, everything stored about the person who gave this contact: citizen
    /// reports with their moderation, enquiries, a planner account of that login.
    Export {
        /// The e-mail address or phone number as the person gave it (any case).
        #[arg(long)]
        contact: String,
        /// Login recorded in the audit log; default `cli:` and the system user.
        #[arg(long)]
        by: Option<String>,
    },
}

impl PrivacyCommand {
    fn by(&self) -> Option<&str> {
        match self {
            Self::Purge { by, .. } | Self::Export { by, .. } => by.as_deref(),
        }
    }
}

/// The system user who runs the command, as the audit log names it without `--by`.
fn system_user() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".to_owned());
    format!("cli:{user}")
}

pub async fn run(cmd: PrivacyCommand, database_url: &str) -> anyhow::Result<()> {
    let pool = store::connect(database_url).await?;
    store::migrate(&pool).await?;
    // Who the audit log names: an active account given with `--by`, else the system user.
    let actor = match cmd.by() {
        Some(login) => match active_account(&pool, Some(login)).await? {
            Some(account) => account.login,
            None => bail!("no active user with login {login:?}"),
        },
        None => system_user(),
    };
    let mut out = std::io::stdout().lock();
    match cmd {
        PrivacyCommand::Purge {
            retention_days,
            dry_run,
            ..
        } => {
            let done = purge(
                &pool,
                &actor,
                Purge {
                    retention_days,
                    dry_run,
                },
            )
            .await
            .context("erasing contacts past their retention")?;
            let cutoff = done.cutoff.format("%Y-%m-%d %H:%M UTC");
            if dry_run {
                writeln!(
                    out,
                    "would erase the contact of {} citizen reports and {} enquiries closed \
                     before {cutoff} (retention {retention_days} days); nothing changed",
                    done.reports, done.enquiries
                )?;
            } else {
                writeln!(
                    out,
                    "erased the contact of {} citizen reports and {} enquiries closed before \
                     {cutoff} (retention {retention_days} days)",
                    done.reports, done.enquiries
                )?;
            }
        }
        PrivacyCommand::Export { contact, .. } => {
            let document = subject_export(&pool, &actor, &contact)
                .await
                .context("exporting what is stored about the contact")?;
            writeln!(out, "{document:#}")?;
        }
    }
    Ok(())
}
