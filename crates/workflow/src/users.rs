//! Planners' accounts: argon2 password hashes, API tokens stored only as SHA-256 hashes, the
//! lookup of a token's account and the check of a login.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use chrono::{Duration, Utc};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::PgPool;

use crate::{Actor, Error, Result};

/// What an account may do: a planner works on the towns of the account, a moderator only
/// moderates their citizen reports, an administrator may also read the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Planner,
    Moderator,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Planner => "planner",
            Self::Moderator => "moderator",
            Self::Admin => "admin",
        }
    }
}

/// The towns an account may see and change: some (by AGS) or all of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Towns {
    All,
    Some(Vec<String>),
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "planner" => Ok(Self::Planner),
            "moderator" => Ok(Self::Moderator),
            "admin" => Ok(Self::Admin),
            other => Err(format!(
                "unknown role {other:?}: planner, moderator or admin"
            )),
        }
    }
}

fn stored_role(role: String) -> Result<Role> {
    role.parse().map_err(|_| Error::Stored {
        what: "role",
        value: role,
    })
}

/// An active account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub login: String,
    pub display_name: String,
    pub role: Role,
    pub towns: Towns,
}

/// An account that records changes: its id and login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: i64,
    pub login: String,
}

impl Account {
    pub fn actor(&self) -> Actor<'_> {
        Actor {
            id: self.id,
            login: &self.login,
        }
    }
}

/// The SHA-256 of a token, as stored.
fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A new random token: 32 bytes from the OS, hex, with a prefix that makes leaked tokens
/// easy to find in logs and repositories.
fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("lst_{}", hex::encode(bytes))
}

/// Hashes a password with argon2id and a random salt (PHC string).
pub fn hash_password(password: &str) -> Result<String> {
    let mut salt = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(Error::Hash)?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(Error::Hash)
}

fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|hash| {
            Argon2::default()
                .verify_password(password.as_bytes(), &hash)
                .is_ok()
        })
        .unwrap_or(false)
}

/// An argon2 hash of a random password, made once, verified against when the login is
/// unknown so that the answer takes as long as for a known one.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password(&new_token()).unwrap_or_default())
}

/// The hash of a password long enough for an account (and short enough to log in with).
fn checked_hash(password: &str) -> Result<String> {
    if password.chars().count() < 12 {
        return Err(Error::WeakPassword);
    }
    if password.len() > 1024 {
        return Err(Error::Invalid(
            "the password must be at most 1024 bytes long".into(),
        ));
    }
    hash_password(password)
}

/// Creates a user for `towns`; `password` may be `None` for a token-only account.
pub async fn create_user(
    pool: &PgPool,
    login: &str,
    display_name: &str,
    role: Role,
    towns: &Towns,
    password: Option<&str>,
) -> Result<i64> {
    let login_ok = (2..=64).contains(&login.len())
        && login
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if !login_ok {
        return Err(Error::BadLogin(login.to_owned()));
    }
    let hash = password.map(checked_hash).transpose()?;
    let name = if display_name.trim().is_empty() {
        login
    } else {
        display_name.trim()
    };
    let (all_towns, list) = match towns {
        Towns::All => (true, Vec::new()),
        Towns::Some(list) => (false, list.clone()),
    };
    let mut tx = pool.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO app_user (login, display_name, role, password_hash, all_towns)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (login) DO NOTHING RETURNING id",
    )
    .bind(login)
    .bind(name)
    .bind(role.as_str())
    .bind(hash)
    .bind(all_towns)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| Error::UserExists(login.to_owned()))?;
    let known: Vec<String> = sqlx::query_scalar(
        "INSERT INTO app_user_town (user_id, ags)
         SELECT $1, m.ags FROM municipality m WHERE m.ags = ANY($2)
         ON CONFLICT DO NOTHING RETURNING ags::text",
    )
    .bind(id)
    .bind(&list)
    .fetch_all(&mut *tx)
    .await?;
    if let Some(unknown) = list.iter().find(|ags| !known.contains(ags)) {
        return Err(Error::Invalid(format!("no town with AGS {unknown}")));
    }
    tx.commit().await?;
    Ok(id)
}

/// Revokes every token of `login` (the account stays); returns how many were active.
pub async fn revoke_tokens(pool: &PgPool, login: &str) -> Result<u64> {
    let user: i64 = sqlx::query_scalar("SELECT id FROM app_user WHERE login = $1")
        .bind(login)
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| Error::NoSuchUser(login.to_owned()))?;
    let done = sqlx::query(
        "UPDATE api_token SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL",
    )
    .bind(user)
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

/// Sets the password of `login` and revokes its tokens except `keep` (the token of the
/// request that changed it), in one transaction with its audit row; returns how many tokens
/// were revoked.
pub async fn set_password(
    pool: &PgPool,
    login: &str,
    password: &str,
    keep: Option<&str>,
) -> Result<u64> {
    let hash = checked_hash(password)?;
    let mut tx = pool.begin().await?;
    let user: i64 = sqlx::query_scalar(
        "UPDATE app_user SET password_hash = $2 WHERE login = $1 AND disabled_at IS NULL
         RETURNING id",
    )
    .bind(login)
    .bind(hash)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| Error::NoSuchUser(login.to_owned()))?;
    let revoked = sqlx::query(
        "UPDATE api_token SET revoked_at = now()
          WHERE user_id = $1 AND revoked_at IS NULL AND token_hash IS DISTINCT FROM $2",
    )
    .bind(user)
    .bind(keep.map(token_hash))
    .execute(&mut *tx)
    .await?
    .rows_affected();
    crate::audit::record(
        &mut tx,
        login,
        "user.password",
        ("app_user", Some(user)),
        serde_json::json!({"revoked_tokens": revoked}),
    )
    .await?;
    tx.commit().await?;
    Ok(revoked)
}

/// Changes the password of `login` when `current` is its password, keeping only the token
/// `keep`; `Ok(None)` for a wrong current password (or an account without one, whose
/// password only an administrator sets), else how many tokens were revoked.
pub async fn change_password(
    pool: &PgPool,
    login: &str,
    current: &str,
    new: &str,
    keep: &str,
) -> Result<Option<u64>> {
    if current.len() > 1024 {
        return Ok(None);
    }
    let hash: Option<String> = sqlx::query_scalar(
        "SELECT password_hash FROM app_user WHERE login = $1 AND disabled_at IS NULL",
    )
    .bind(login)
    .fetch_optional(pool)
    .await?
    .flatten();
    let Some(phc) = hash else {
        return Ok(None);
    };
    let current = current.to_owned();
    let ok = tokio::task::spawn_blocking(move || verify_password(&current, &phc))
        .await
        .unwrap_or(false);
    if !ok {
        return Ok(None);
    }
    set_password(pool, login, new, Some(keep)).await.map(Some)
}

/// Revokes one token, e.g. at logout.
pub async fn revoke_token(pool: &PgPool, token: &str) -> Result<()> {
    sqlx::query(
        "UPDATE api_token SET revoked_at = now() WHERE token_hash = $1 AND revoked_at IS NULL",
    )
    .bind(token_hash(token))
    .execute(pool)
    .await?;
    Ok(())
}

/// The towns of an account from its stored flag and list.
fn towns_of(all_towns: bool, list: Vec<String>) -> Towns {
    if all_towns {
        Towns::All
    } else {
        Towns::Some(list)
    }
}

/// Issues a new API token for `login`; the secret is returned once and stored only hashed.
pub async fn issue_token(
    pool: &PgPool,
    login: &str,
    label: &str,
    valid_for: Option<Duration>,
) -> Result<String> {
    let user: i64 =
        sqlx::query_scalar("SELECT id FROM app_user WHERE login = $1 AND disabled_at IS NULL")
            .bind(login)
            .fetch_optional(pool)
            .await?
            .ok_or_else(|| Error::NoSuchUser(login.to_owned()))?;
    let token = new_token();
    let expires = valid_for.map(|d| Utc::now() + d);
    sqlx::query(
        "INSERT INTO api_token (user_id, token_hash, label, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(user)
    .bind(token_hash(&token))
    .bind(label)
    .bind(expires)
    .execute(pool)
    .await?;
    Ok(token)
}

/// The active account behind a token that is neither expired nor revoked, noting its use;
/// `None` for any other token.
pub async fn authenticate(pool: &PgPool, token: &str) -> Result<Option<User>> {
    type Row = (i64, String, String, String, bool, Vec<String>);
    let row: Option<Row> = sqlx::query_as(
        "UPDATE api_token t SET last_used_at = now()
           FROM app_user u
          WHERE t.token_hash = $1 AND u.id = t.user_id
            AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())
            AND u.disabled_at IS NULL
         RETURNING u.id, u.login, u.display_name, u.role, u.all_towns,
                   ARRAY(SELECT ags::text FROM app_user_town WHERE user_id = u.id ORDER BY ags)",
    )
    .bind(token_hash(token))
    .fetch_optional(pool)
    .await?;
    row.map(|(id, login, display_name, role, all_towns, list)| {
        Ok(User {
            id,
            login,
            display_name,
            role: stored_role(role)?,
            towns: towns_of(all_towns, list),
        })
    })
    .transpose()
}

/// The active account with this login and password; `None` for a wrong login or password,
/// which take the same time: an unknown login is verified against a real hash too.
pub async fn check_login(pool: &PgPool, login: &str, password: &str) -> Result<Option<User>> {
    if login.len() > 64 || password.len() > 1024 {
        return Ok(None);
    }
    type Row = (i64, String, String, Option<String>, bool, Vec<String>);
    let row: Option<Row> = sqlx::query_as(
        "SELECT id, display_name, role, password_hash, all_towns,
                ARRAY(SELECT ags::text FROM app_user_town WHERE user_id = u.id ORDER BY ags)
           FROM app_user u
          WHERE login = $1 AND disabled_at IS NULL",
    )
    .bind(login)
    .fetch_optional(pool)
    .await?;
    let known = row.is_some();
    let (id, display_name, role, hash, all_towns, list) =
        row.unwrap_or((0, String::new(), String::new(), None, false, Vec::new()));
    let phc = hash.unwrap_or_else(|| dummy_hash().to_owned());
    let password = password.to_owned();
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, &phc))
        .await
        .unwrap_or(false);
    if !ok || !known {
        return Ok(None);
    }
    Ok(Some(User {
        id,
        login: login.to_owned(),
        display_name,
        role: stored_role(role)?,
        towns: towns_of(all_towns, list),
    }))
}

/// The active account with `login`, or without a login the first administrator.
pub async fn active_account(pool: &PgPool, login: Option<&str>) -> Result<Option<Account>> {
    let row: Option<(i64, String)> = sqlx::query_as(
        "SELECT id, login FROM app_user
          WHERE disabled_at IS NULL AND ($1::text IS NULL AND role = 'admin' OR login = $1)
          ORDER BY created_at, id LIMIT 1",
    )
    .bind(login)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|(id, login)| Account { id, login }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_own_hash() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse batterY", &hash));
        assert!(
            PasswordHash::new(dummy_hash()).is_ok(),
            "a real hash, so it costs real time"
        );
        assert!(!verify_password("anything", dummy_hash()));
    }

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let a = new_token();
        assert_ne!(a, new_token());
        assert_eq!(a.len(), 4 + 64);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
    }
}
