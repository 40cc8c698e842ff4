#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Snapshots of the documents clients bootstrap from: the landing page and the conformance
//! classes. The server's address is replaced by `{base}`. Set `UPDATE_SNAPSHOTS=1` to
//! rewrite them after an intended change, and review the diff.

mod common;

use std::path::PathBuf;

use serde_json::Value;
use sqlx::PgPool;

fn check(name: &str, actual: &Value, base: &str) {
    let text = serde_json::to_string_pretty(actual)
        .unwrap()
        .replace(base, "{base}")
        + "\n";
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with UPDATE_SNAPSHOTS=1)", path.display()));
    assert_eq!(text, expected, "snapshot {name} differs");
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn landing_page_and_conformance(pool: PgPool) {
    let s = common::start(pool).await;
    check("landing.json", &s.get_json("/").await, &s.base);
    check(
        "conformance.json",
        &s.get_json("/conformance").await,
        &s.base,
    );
}
