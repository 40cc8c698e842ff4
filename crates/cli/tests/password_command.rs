#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `leerstand user password` as an administrator's shell sees it.

mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use common::{leerstand, url_of};
use sqlx::PgPool;

/// `leerstand user password LOGIN --password-stdin` with `input` on standard input.
fn set_password(url: &str, login: &str, input: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_leerstand"))
        .args(["user", "password", login, "--password-stdin"])
        .env("DATABASE_URL", url)
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn a_password_set_from_standard_input_revokes_every_token(pool: PgPool) {
    let url = url_of(&pool);
    let added = leerstand(&url, &["user", "add", "petra", "--all-towns"]);
    assert!(added.status.success());

    let weak = set_password(&url, "petra", b"kurz\n");
    assert!(!weak.status.success());
    assert!(String::from_utf8_lossy(&weak.stderr).contains("at least 12 characters"));
    let unknown = set_password(&url, "niemand", b"a long enough password\n");
    assert!(!unknown.status.success());

    let set = set_password(&url, "petra", b"a long enough password\n");
    assert!(
        set.status.success(),
        "{}",
        String::from_utf8_lossy(&set.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&set.stdout).trim(),
        "password of petra set; revoked 1 token(s)"
    );
    let user = workflow::users::check_login(&pool, "petra", "a long enough password")
        .await
        .unwrap();
    assert_eq!(user.unwrap().login, "petra");
    let active: i64 = sqlx::query_scalar("SELECT count(*) FROM api_token WHERE revoked_at IS NULL")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(active, 0);

    // Without --password-stdin the command refuses to run.
    let bare = leerstand(&url, &["user", "password", "petra"]);
    assert!(!bare.status.success());
}
