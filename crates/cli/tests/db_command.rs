//! `leerstand db migrate` and `leerstand db status` as a planner runs them, against a fresh
//! database of their own.

// Helpers of a test fail loudly: unwrap and expect are what they are for.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Output;

use sqlx::PgPool;

mod common;
use common::leerstand;
use common::url_of;

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[sqlx::test(migrations = false)]
async fn migrate_then_status(pool: PgPool) {
    let url = url_of(&pool);
    // Every migration the binary embeds, whichever number the schema is at.
    let versions: Vec<String> = store::MIGRATOR
        .iter()
        .map(|m| m.version.to_string())
        .collect();

    let before = leerstand(&url, &["db", "status"]);
    assert!(before.status.success());
    let pending = format!("{} pending", versions.len());
    assert!(stdout(&before).contains(&pending), "{}", stdout(&before));

    let first = leerstand(&url, &["db", "migrate"]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert_eq!(
        stdout(&first).trim(),
        format!("applied migrations {}", versions.join(", "))
    );

    let second = leerstand(&url, &["db", "migrate"]);
    assert!(second.status.success());
    assert_eq!(
        stdout(&second).trim(),
        "schema is up to date; nothing to apply"
    );

    let after = stdout(&leerstand(&url, &["db", "status"]));
    assert!(after.contains("PostGIS     3."), "{after}");
    assert_eq!(
        after.matches(" applied 20").count(),
        versions.len(),
        "{after}"
    );
    assert!(!after.contains("pending"), "{after}");
    assert!(!after.contains(":leerstand@"), "password shown: {after}");
}

#[test]
fn unreachable_database_is_a_clear_error() {
    let out = leerstand(
        "postgres://nobody:secret@127.0.0.1:1/nowhere",
        &["db", "status"],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot connect to the database at postgres://nobody:***@127.0.0.1:1/nowhere"),
        "{err}"
    );
    assert!(!err.contains("secret"), "{err}");
}
