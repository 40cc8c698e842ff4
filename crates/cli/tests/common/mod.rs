//! Helpers shared by the tests that drive the `leerstand` binary against a database of
//! their own.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Output};

use sqlx::PgPool;

/// The URL of the test's own database: the server from DATABASE_URL, the database that
/// `#[sqlx::test]` created.
pub fn url_of(pool: &PgPool) -> String {
    let base = std::env::var("DATABASE_URL").expect("DATABASE_URL");
    let db = pool
        .connect_options()
        .get_database()
        .expect("database name")
        .to_owned();
    let cut = base.rfind('/').expect("URL with a database");
    format!("{}/{db}", &base[..cut])
}

/// Runs the binary with `args` against `url`.
pub fn leerstand(url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_leerstand"))
        .args(args)
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run leerstand")
}
