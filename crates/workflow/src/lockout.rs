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
    let mut conn = pool.acquire().await?;
    if let Some(retry_after) = locked_for(&mut conn, login, address, policy).await? {
        return Ok(Login::Locked { retry_after });
    }
    drop(conn);
    // The unknown-login timing equalisation happens inside check_login.
    let user = users::check_login(pool, login, password).await?;
    let mut tx = pool.begin().await?;
    sqlx::query("INSERT INTO login_attempt (login, address, success) VALUES ($1, $2::inet, $3)")
        .bind(login)
        .bind(address.to_string())
        .bind(user.is_some())
        .execute(&mut *tx)
        .await?;
    let keep = policy.window.saturating_mul(2).max(KEEP_AT_LEAST);
    sqlx::query("DELETE FROM login_attempt WHERE at < now() - make_interval(secs => $1)")
        .bind(keep.as_secs_f64())
        .execute(&mut *tx)
        .await?;
    if user.is_none() {
        // No lock held before this attempt, so a lock now is one this failure started.
        if let Some(until) = locked_for(&mut tx, login, address, policy).await? {
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
