#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Sessions over a real server: the login lockout per account and per client address, and
//! the password change.

mod common;

use std::time::Duration;

use api::RateLimit;
use common::Server;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::PgPool;
use workflow::lockout::Lockout;

const PASSWORD: &str = "fixture password";

/// A server that believes `X-Forwarded-For` from loopback (so a test can be several
/// clients), with a posting limit the tests do not reach and the given lockout.
async fn server(pool: PgPool, lockout: Lockout) -> Server {
    common::start_with(pool, |c| {
        c.post_rate = RateLimit {
            requests: 1000,
            per: Duration::from_secs(60),
        };
        c.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()];
        c.login_lockout = lockout;
    })
    .await
}

/// `POST /planner/login` from `client`: status, Retry-After and body.
async fn login(
    s: &Server,
    client: &str,
    login: &str,
    password: &str,
) -> (StatusCode, Option<u64>, Value) {
    let response = s
        .client
        .post(s.url("/planner/login"))
        .header("x-forwarded-for", client)
        .json(&json!({"login": login, "password": password}))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let retry = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().parse().unwrap());
    (status, retry, response.json().await.unwrap())
}

async fn locked_audits(pool: &PgPool) -> Vec<(String, Value)> {
    sqlx::query_as("SELECT actor, details FROM audit_log WHERE action = 'login.locked' ORDER BY id")
        .fetch_all(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn five_failures_lock_the_account_even_for_the_right_password_until_the_window_ends(
    pool: PgPool,
) {
    let window = Duration::from_secs(3);
    let s = server(
        pool.clone(),
        Lockout {
            window,
            ..Lockout::default()
        },
    )
    .await;
    let me = "203.0.113.1";
    for _ in 0..5 {
        let (status, _, _) = login(&s, me, "planer", "wrong password!").await;
        assert_eq!(status, 401);
    }
    let (status, retry, problem) = login(&s, me, "planer", PASSWORD).await;
    assert_eq!(status, 429, "{problem}");
    assert!((1..=4).contains(&retry.unwrap()), "{retry:?}");
    assert_eq!(problem["status"], 429);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("failed logins"),
        "{problem}"
    );
    // Another address is refused as well: the lock is the account's.
    let (status, _, _) = login(&s, "198.51.100.2", "planer", PASSWORD).await;
    assert_eq!(status, 429);
    // Another account from the same address is not locked.
    let (status, _, _) = login(&s, me, "admin", PASSWORD).await;
    assert_eq!(status, 200);
    // One audit row, for the failure that started the lock.
    let audits = locked_audits(&pool).await;
    assert_eq!(audits.len(), 1, "{audits:?}");
    assert_eq!(audits[0].0, "planer");
    assert_eq!(audits[0].1["address"], me);
    // Refused attempts during the lock do not prolong it.
    tokio::time::sleep(window + Duration::from_millis(300)).await;
    let (status, _, session) = login(&s, me, "planer", PASSWORD).await;
    assert_eq!(status, 200, "{session}");
    assert!(session["token"].as_str().unwrap().starts_with("lst_"));
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn a_burst_of_parallel_guesses_gets_no_more_tries_than_the_policy(pool: PgPool) {
    let s = server(pool.clone(), Lockout::default()).await;
    // Twelve guesses at once, each from its own address: five are checked, seven refused.
    let mut guesses = tokio::task::JoinSet::new();
    for n in 0..12 {
        let (client, url) = (s.client.clone(), s.url("/planner/login"));
        guesses.spawn(async move {
            client
                .post(url)
                .header("x-forwarded-for", format!("203.0.113.{}", n + 10))
                .json(&json!({"login": "planer", "password": "wrong password!"}))
                .send()
                .await
                .unwrap()
                .status()
        });
    }
    let answers = guesses.join_all().await;
    let count = |code: u16| answers.iter().filter(|s| s.as_u16() == code).count();
    assert_eq!((count(401), count(429)), (5, 7), "{answers:?}");
    let checked: i64 =
        sqlx::query_scalar("SELECT count(*) FROM login_attempt WHERE login = 'planer'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(checked, 5);
    assert_eq!(locked_audits(&pool).await.len(), 1);
    let (status, _, _) = login(&s, "198.51.100.7", "planer", PASSWORD).await;
    assert_eq!(status, 429);
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn a_successful_login_resets_the_accounts_failures(pool: PgPool) {
    let s = server(pool.clone(), Lockout::default()).await;
    for _ in 0..2 {
        for _ in 0..4 {
            let (status, _, _) = login(&s, "203.0.113.1", "planer", "wrong password!").await;
            assert_eq!(status, 401);
        }
        let (status, _, _) = login(&s, "203.0.113.1", "planer", PASSWORD).await;
        assert_eq!(
            status, 200,
            "eight failures in all, but never five after a success"
        );
    }
    assert!(locked_audits(&pool).await.is_empty());
    // An unknown login is locked like a known one, so the lock tells nothing about it.
    for _ in 0..5 {
        let (status, _, _) = login(&s, "203.0.113.1", "niemand", "wrong password!").await;
        assert_eq!(status, 401);
    }
    let (status, _, _) = login(&s, "203.0.113.1", "niemand", "wrong password!").await;
    assert_eq!(status, 429);
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn twenty_failures_lock_the_client_address_for_every_account(pool: PgPool) {
    let s = server(pool.clone(), Lockout::default()).await;
    let attacker = "203.0.113.66";
    // Twenty logins, four failures each: no account is locked, the address is.
    for n in 0..20 {
        let (status, _, _) =
            login(&s, attacker, &format!("guess{}", n % 5), "wrong password!").await;
        assert_eq!(status, 401, "attempt {n}");
    }
    let (status, retry, problem) = login(&s, attacker, "planer", PASSWORD).await;
    assert_eq!(status, 429, "{problem}");
    assert!(retry.unwrap() > 800, "{retry:?}");
    // Another client logs in to the same account.
    let (status, _, _) = login(&s, "198.51.100.2", "planer", PASSWORD).await;
    assert_eq!(status, 200);
    let audits = locked_audits(&pool).await;
    assert_eq!(audits.len(), 1, "{audits:?}");
    assert_eq!(audits[0].1["address"], attacker);
    // Stored in the database, the lock holds for a second server on it.
    let other = server(pool.clone(), Lockout::default()).await;
    let (status, _, _) = login(&other, attacker, "admin", PASSWORD).await;
    assert_eq!(status, 429);
}

async fn change(s: &Server, token: &str, current: &str, new: &str) -> (StatusCode, Value) {
    let response = s
        .client
        .post(s.url("/planner/password"))
        .bearer_auth(token)
        .json(&json!({"current_password": current, "new_password": new}))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn me(s: &Server, token: &str) -> StatusCode {
    s.client
        .get(s.url("/planner/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn a_password_change_needs_the_current_password_and_revokes_the_other_tokens(pool: PgPool) {
    let s = server(pool.clone(), Lockout::default()).await;
    let (status, _, session) = login(&s, "203.0.113.1", "planer", PASSWORD).await;
    assert_eq!(status, 200);
    let token = session["token"].as_str().unwrap().to_owned();
    let notebook = s.token("planer").await;
    let colleague = s.token("admin").await;

    let (status, problem) = change(&s, &token, "not my password", "a new long password").await;
    assert_eq!(status, 403, "{problem}");
    let (status, problem) = change(&s, &token, PASSWORD, "short").await;
    assert_eq!(status, 422, "{problem}");
    assert!(problem["detail"]
        .as_str()
        .unwrap()
        .contains("12 characters"));
    assert_eq!(
        me(&s, &notebook).await,
        200,
        "refused changes revoke nothing"
    );

    let (status, _) = change(&s, &token, PASSWORD, "a new long password").await;
    assert_eq!(status, 204);
    assert_eq!(me(&s, &token).await, 200, "the request's own token stays");
    assert_eq!(
        me(&s, &notebook).await,
        401,
        "the account's other tokens end"
    );
    assert_eq!(me(&s, &colleague).await, 200, "other accounts keep theirs");
    let (status, _, _) = login(&s, "203.0.113.1", "planer", PASSWORD).await;
    assert_eq!(status, 401);
    let (status, _, _) = login(&s, "203.0.113.1", "planer", "a new long password").await;
    assert_eq!(status, 200);
    let audit: Vec<(String, Value)> = sqlx::query_as(
        "SELECT actor, details FROM audit_log WHERE action = 'user.password' ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(audit, [("planer".to_owned(), json!({"revoked_tokens": 1}))]);

    // A token-only account has no password to change; an administrator sets one.
    workflow::users::create_user(
        &pool,
        "notebook",
        "",
        workflow::users::Role::Planner,
        &workflow::users::Towns::All,
        None,
    )
    .await
    .unwrap();
    let only = s.token("notebook").await;
    let (status, _) = change(&s, &only, "", "a new long password").await;
    assert_eq!(status, 403);
    let openapi = s.get_json("/openapi.json").await;
    assert!(openapi["paths"]["/planner/password"]["post"].is_object());
}
