//! `leerstand generate` as a planner runs it: a small data set, its summary line and manifest,
//! and a clear error for a bad option.

// Helpers of a test fail loudly: unwrap and expect are what they are for.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

#[test]
fn generates_a_small_data_set_and_reports_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_leerstand"))
        .args(["generate", "--seed", "3", "--scale", "0.05", "--out"])
        .arg(dir.path())
        .env("RUST_LOG", "warn")
        .output()
        .expect("run leerstand");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("4 towns") && stdout.contains("parcels"),
        "{stdout}"
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["seed"], 3);
    for f in manifest["files"].as_array().unwrap() {
        assert!(
            dir.path().join(f["path"].as_str().unwrap()).is_file(),
            "{f}"
        );
    }
}

#[test]
fn rejects_a_bad_scale_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_leerstand"))
        .args(["generate", "--scale", "0", "--out"])
        .arg(dir.path())
        .output()
        .expect("run leerstand");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("scale must be in (0, 100]"), "{stderr}");
}
