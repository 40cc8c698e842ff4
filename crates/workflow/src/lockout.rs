//! The login lockout: after repeated failed logins for one login, or from one client address,
//! within a window, further logins are refused for that window, even with the right
//! password. Attempts are rows in `login_attempt` (migration 0018), so every server on the
//! database shares the lockout; a successful login clears the failures of its login.

use std::net::IpAddr;
use std::time::Duration;

use serde_json::json;
use sqlx::{PgConnection, PgPool};

use crate::users::{self, User};
use crate::{audit, Result};

/// How many failures lock a login or an address, within which window, and for how long
/// (the same window).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lockout {
    pub failures_per_login: u32,
    pub failures_per_address: u32,
    pub window: Duration,
}

impl Default for Lockout {
    fn default() -> Self {
        Self {
            failures_per_login: 5,
            failures_per_address: 20,
            window: Duration::from_secs(15 * 60),
        }
    }
}

/// The answer to a login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Login {
    Granted(User),
    /// Wrong login or password.
    Refused,
    /// Too many failures; the password was not checked. Try again after this long.
    Locked {
        retry_after: Duration,
    },
}

/// Attempts are kept this long at least, for the audit of an attack.
const KEEP_AT_LEAST: Duration = Duration::from_secs(24 * 3600);

/// The advisory lock classes (first key) of the check-and-record step of a login.
const LOGIN_LOCK_CLASS: i32 = 0x4c6f_6731; // "Log1"
const ADDRESS_LOCK_CLASS: i32 = 0x4164_6431; // "Add1"

/// Checks `login` and `password` from the client at `address` under `policy`, records the
/// attempt and audits a lockout when this failure starts one.
pub async fn login(
    pool: &PgPool,
    login: &str,
    password: &str,
    address: IpAddr,
    policy: &Lockout,
) -> Result<Login> {
    // No account has such a login; nothing is worth recording (no row could be stored).
    if login.is_empty() || login.chars().count() > 64 {
        return Ok(match users::check_login(pool, login, password).await? {
            Some(user) => Login::Granted(user),
            None => Login::Refused,
        });
    }
    // Claim the attempt before the password is checked: parallel attempts at one login or
    // from one address queue on advisory locks for the check-and-record step, so each sees
    // the attempts before it (as failures until they succeed) and no burst of requests gets
    // more guesses than the policy allows.
    let mut tx = pool.begin().await?;
    sqlx::query(
        "SELECT pg_advisory_xact_lock($1, hashtext($2)), pg_advisory_xact_lock($3, hashtext($4))",
    )
    .bind(LOGIN_LOCK_CLASS)
    .bind(login)
    .bind(ADDRESS_LOCK_CLASS)
    .bind(address.to_string())
    .execute(&mut *tx)
    .await?;
    if let Some(retry_after) = locked_for(&mut tx, login, address, policy).await? {
        return Ok(Login::Locked { retry_after });
    }
    let attempt: i64 = sqlx::query_scalar(
        "INSERT INTO login_attempt (login, address, success) VALUES ($1, $2::inet, false)
         RETURNING id",
    )
    .bind(login)
    .bind(address.to_string())
    .fetch_one(&mut *tx)
    .await?;
    // Locked now, and not before: should this attempt fail, it is the one that starts the lock.
    let starts_lock = locked_for(&mut tx, login, address, policy).await?;
    let keep = policy.window.saturating_mul(2).max(KEEP_AT_LEAST);
    sqlx::query("DELETE FROM login_attempt WHERE at < now() - make_interval(secs => $1)")
        .bind(keep.as_secs_f64())
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    // The unknown-login timing equalisation happens inside check_login.
    let user = users::check_login(pool, login, password).await?;
    let mut tx = pool.begin().await?;
    if user.is_some() {
        sqlx::query("UPDATE login_attempt SET success = true WHERE id = $1")
            .bind(attempt)
            .execute(&mut *tx)
            .await?;
    } else if let Some(until) = starts_lock {
        audit::record(
            &mut tx,
            login,
            "login.locked",
            ("login_attempt", None),
            json!({
                "login": login,
                "address": address.to_string(),
                "seconds": until.as_secs(),
            }),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(user.map_or(Login::Refused, Login::Granted))
}

/// How long `login` or `address` stays locked, if it is. A lock ends one window after the
/// last failure that completed a full count within the window before it; for a login only
/// failures after its last successful login count.
async fn locked_for(
    conn: &mut PgConnection,
    login: &str,
    address: IpAddr,
    policy: &Lockout,
) -> Result<Option<Duration>> {
    let seconds: Option<f64> = sqlx::query_scalar(
        "WITH last_success AS (
             SELECT coalesce(max(at), '-infinity') AS at FROM login_attempt
              WHERE login = $1 AND success),
         by_login AS (
             SELECT at, count(*) OVER (ORDER BY at RANGE BETWEEN make_interval(secs => $3)
                                       PRECEDING AND CURRENT ROW) AS failures
               FROM login_attempt
              WHERE login = $1 AND NOT success
                AND at > now() - 2 * make_interval(secs => $3)
                AND at > (SELECT at FROM last_success)),
         by_address AS (
             SELECT at, count(*) OVER (ORDER BY at RANGE BETWEEN make_interval(secs => $3)
                                       PRECEDING AND CURRENT ROW) AS failures
               FROM login_attempt
              WHERE address = $2::inet AND NOT success
                AND at > now() - 2 * make_interval(secs => $3))
         SELECT extract(epoch FROM greatest(
                    (SELECT max(at) FROM by_login WHERE failures >= $4),
                    (SELECT max(at) FROM by_address WHERE failures >= $5))
                + make_interval(secs => $3) - clock_timestamp())::float8",
    )
    .bind(login)
    .bind(address.to_string())
    .bind(policy.window.as_secs_f64())
    .bind(i64::from(policy.failures_per_login))
    .bind(i64::from(policy.failures_per_address))
    .fetch_one(&mut *conn)
    .await?;
    Ok(seconds
        .filter(|s| s.is_finite() && *s > 0.0)
        .map(Duration::from_secs_f64))
}
