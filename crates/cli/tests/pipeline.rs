//! The whole path a planner takes, through the real binary and a real PostGIS: generate the
//! four towns, import cadastre and registers, analyse, and score against the ground truth.

// Helpers of a test fail loudly: unwrap and expect are what they are for.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Output;

use sqlx::PgPool;

mod common;
use common::url_of;

/// Runs the binary and insists that it succeeds.
fn leerstand(url: &str, args: &[&str]) -> Output {
    let out = common::leerstand(url, args);
    assert!(
        out.status.success(),
        "leerstand {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// F1 of `class` in the evaluation section `section` ("buildings" or "parcels").
fn f1(report: &str, section: &str, class: &str) -> f64 {
    let start = report
        .find(&format!("evaluation of {section}"))
        .expect("section");
    report[start..]
        .lines()
        .find(|l| l.split_whitespace().next() == Some(class))
        .and_then(|l| l.split_whitespace().last())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no F1 for {class} in {section}:\n{report}"))
}

#[sqlx::test(migrations = false)]
async fn generate_import_analyse_evaluate(pool: PgPool) {
    let url = url_of(&pool);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    leerstand(
        &url,
        &["generate", "--out", out, "--scale", "0.15", "--seed", "7"],
    );
    leerstand(&url, &["db", "migrate"]);
    leerstand(&url, &["import", "alkis", &format!("{out}/alkis")]);
    for kind in ["residents", "meters", "survey", "reports"] {
        let file = Path::new(out).join("registers").join(format!("{kind}.csv"));
        leerstand(&url, &["import", "register", kind, file.to_str().unwrap()]);
    }
    let truth = format!("{out}/truth.csv");
    let report = leerstand(
        &url,
        &["analyze", "--as-of", "2025-01-01", "--evaluate", &truth],
    );
    let report = String::from_utf8_lossy(&report.stdout).into_owned();
    for town in ["Sömmerda", "Buttstädt", "Kindelbrück", "Straußfurt"] {
        assert!(report.contains(town), "{town} missing:\n{report}");
    }
    // A small sample: the quality bar of the full data set, with room for chance.
    assert!(f1(&report, "buildings", "vacant") >= 0.8, "{report}");
    assert!(f1(&report, "buildings", "occupied") >= 0.9, "{report}");
    assert!(f1(&report, "parcels", "building_gap") >= 0.75, "{report}");

    // A second run over unchanged data changes no verdict.
    let again = leerstand(&url, &["analyze", "--as-of", "2025-01-01", "--compare"]);
    let again = String::from_utf8_lossy(&again.stdout);
    assert!(again.contains("0 new, 0 resolved, 0 changed"), "{again}");

    let runs: i64 = sqlx::query_scalar("SELECT count(*) FROM analysis_run WHERE status = 'done'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(runs, 2);
}
