//! `leerstand user …`: planners' accounts and API tokens.

use std::io::{BufRead, Write};

use anyhow::Context;
use clap::Subcommand;
use workflow::users::{create_user, issue_token, revoke_tokens, set_password, Role, Towns};

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a planner account and print a new API token for it (shown only once).
    Add {
        /// Login: 2–64 characters of a–z, 0–9, '.', '_', '-'.
        login: String,
        /// Name shown in the audit log and case history.
        #[arg(long, default_value = "")]
        name: String,
        /// planner, moderator (citizen reports only) or admin.
        #[arg(long, default_value = "planner")]
        role: Role,
        /// A town (AGS) the account works on; repeat for several. Without --town or
        /// --all-towns a planner or moderator sees no town, an administrator all.
        #[arg(long = "town", value_name = "AGS", conflicts_with = "all_towns")]
        towns: Vec<String>,
        /// Every town of the alliance (the alliance office).
        #[arg(long)]
        all_towns: bool,
        /// Read a password (≥ 12 characters) from the first line of standard input, for
        /// logging in to the web map.
        #[arg(long)]
        password_stdin: bool,
        /// Succeed without a change (and print no token) when the login exists already.
        #[arg(long)]
        if_missing: bool,
    },
    /// Print a new API token for an existing account.
    Token {
        login: String,
        /// What the token is for, e.g. "notebooks".
        #[arg(long, default_value = "cli")]
        label: String,
    },
    /// Revoke every token of an account (the account stays; a new token can be issued).
    Revoke { login: String },
    /// Set an account's password (≥ 12 characters) from the first line of standard input;
    /// every token of the account is revoked.
    Password {
        login: String,
        /// Read the password from standard input (the only way, so that it stays out of the
        /// shell history and the process list).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

/// The first line of standard input, without its line end.
fn password_from_stdin() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

pub async fn run(cmd: UserCommand, database_url: &str) -> anyhow::Result<()> {
    let pool = store::connect(database_url).await?;
    store::migrate(&pool).await?;
    let mut out = std::io::stdout().lock();
    match cmd {
        UserCommand::Add {
            login,
            name,
            role,
            towns,
            all_towns,
            password_stdin,
            if_missing,
        } => {
            let towns = if all_towns || (towns.is_empty() && role == Role::Admin) {
                Towns::All
            } else {
                if towns.is_empty() {
                    tracing::warn!(
                        "{login} works on no town until it has one: give --town AGS or --all-towns"
                    );
                }
                Towns::Some(towns)
            };
            let password = if password_stdin {
                Some(password_from_stdin()?)
            } else {
                None
            };
            match create_user(&pool, &login, &name, role, &towns, password.as_deref()).await {
                Ok(_) => {}
                Err(workflow::Error::UserExists(_)) if if_missing => return Ok(()),
                Err(e) => return Err(e.into()),
            }
            let token = issue_token(&pool, &login, "cli", None).await?;
            writeln!(out, "{token}")?;
        }
        UserCommand::Token { login, label } => {
            let token = issue_token(&pool, &login, &label, None).await?;
            writeln!(out, "{token}")?;
        }
        UserCommand::Revoke { login } => {
            let revoked = revoke_tokens(&pool, &login).await?;
            writeln!(out, "revoked {revoked} token(s) of {login}")?;
        }
        UserCommand::Password { login, .. } => {
            let password = password_from_stdin()?;
            let revoked = set_password(&pool, &login, &password, None).await?;
            writeln!(out, "password of {login} set; revoked {revoked} token(s)")?;
        }
    }
    Ok(())
}
