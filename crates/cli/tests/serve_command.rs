#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `leerstand user add` and `leerstand serve` as a planner's shell sees them.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{get, leerstand, url_of};
use sqlx::PgPool;

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn a_planner_account_and_a_running_server(pool: PgPool) {
    let url = url_of(&pool);
    let added = leerstand(&url, &["user", "add", "petra", "--name", "Petra Planer"]);
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let token = String::from_utf8(added.stdout).unwrap().trim().to_owned();
    assert!(token.starts_with("lst_") && token.len() == 68, "{token}");

    let again = leerstand(&url, &["user", "add", "petra"]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists already"));
    let tolerated = leerstand(&url, &["user", "add", "petra", "--if-missing"]);
    assert!(tolerated.status.success());
    assert!(tolerated.stdout.is_empty());

    let mut weak = Command::new(env!("CARGO_BIN_EXE_leerstand"))
        .args(["user", "add", "paul", "--password-stdin"])
        .env("DATABASE_URL", &url)
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    weak.stdin.take().unwrap().write_all(b"kurz\n").unwrap();
    let weak = weak.wait_with_output().unwrap();
    assert!(!weak.status.success());
    assert!(String::from_utf8_lossy(&weak.stderr).contains("at least 12 characters"));

    let (mut server, port) = common::serve(&url);
    let started = Instant::now();
    let ready = loop {
        if let Some((status, _)) = get(port, "/ready", None) {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the server did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let me = get(port, "/planner/me", Some(&token));
    let anonymous = get(port, "/planner/me", None);
    let landing = get(port, "/", None);
    server.kill().unwrap();
    server.wait().unwrap();

    assert!(ready.contains("200"), "{ready}");
    let (status, body) = me.unwrap();
    assert!(status.contains("200"), "{status}");
    assert!(body.contains("\"login\":\"petra\""), "{body}");
    assert!(anonymous.unwrap().0.contains("401"));
    let (status, body) = landing.unwrap();
    assert!(status.contains("200"));
    assert!(
        body.contains(&format!("http://127.0.0.1:{port}/collections")),
        "{body}"
    );
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn accounts_get_their_towns_and_tokens_can_be_revoked(pool: PgPool) {
    let url = url_of(&pool);
    let added = leerstand(
        &url,
        &[
            "user", "add", "karla", "--town", "16068064", "--town", "16068063",
        ],
    );
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let office = leerstand(&url, &["user", "add", "buero", "--all-towns"]);
    assert!(office.status.success());
    let moderator = leerstand(
        &url,
        &[
            "user",
            "add",
            "moritz",
            "--role",
            "moderator",
            "--town",
            "16068051",
        ],
    );
    assert!(moderator.status.success());
    let unknown = leerstand(&url, &["user", "add", "otto", "--town", "16999999"]);
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no town with AGS 16999999"));
    let both = leerstand(
        &url,
        &["user", "add", "otto", "--town", "16068064", "--all-towns"],
    );
    assert!(!both.status.success());

    let accounts: Vec<(String, String, bool, Vec<String>)> = sqlx::query_as(
        "SELECT login, role, all_towns,
                ARRAY(SELECT ags::text FROM app_user_town t WHERE t.user_id = u.id ORDER BY ags)
           FROM app_user u ORDER BY login",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        accounts,
        [
            ("buero".into(), "planner".into(), true, vec![]),
            (
                "karla".into(),
                "planner".into(),
                false,
                vec!["16068063".into(), "16068064".into()]
            ),
            (
                "moritz".into(),
                "moderator".into(),
                false,
                vec!["16068051".into()]
            ),
        ]
    );

    let revoked = leerstand(&url, &["user", "revoke", "karla"]);
    assert!(revoked.status.success());
    assert_eq!(
        String::from_utf8_lossy(&revoked.stdout).trim(),
        "revoked 1 token(s) of karla"
    );
    let active: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM api_token t JOIN app_user u ON u.id = t.user_id
          WHERE u.login = 'karla' AND t.revoked_at IS NULL",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(active, 0);
}
