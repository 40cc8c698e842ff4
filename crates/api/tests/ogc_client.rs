#![allow(clippy::unwrap_used, clippy::expect_used)]
//! GDAL's OGC API – Features driver as a client: it finds every collection and reads every
//! feature, following the `next` links.

mod common;

use sqlx::PgPool;

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn gdal_lists_the_collections_and_reads_all_features(pool: PgPool) {
    let s = common::start(pool).await;
    let output = tokio::process::Command::new("ogrinfo")
        .args(["-ro", "-al", "--config", "OGR_OAPIF_PAGE_SIZE", "2"])
        .arg(format!("OAPIF:{}", s.base))
        .output()
        .await
        .expect("ogrinfo (gdal-bin) runs");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "ogrinfo failed: {}\n{text}",
        String::from_utf8_lossy(&output.stderr)
    );
    for layer in [
        "vacancy",
        "plots",
        "offers",
        "teilkultur",
        "reports",
        "districts",
        "parcels",
    ] {
        assert!(
            text.contains(&format!("Layer name: {layer}")),
            "{layer} missing:\n{text}"
        );
    }
    // Features read, counted by their ids: 9 parcels with a page size of 2 means 5 pages.
    let parcels = text.matches("DETHFIXTUREP").count();
    assert!(
        parcels >= 9 + 2,
        "parcels and plots read: {parcels}\n{text}"
    );
    assert!(text.contains("DETHFIXTUREP0009"), "the last page was read");
    assert!(text.contains("Leerstehendes Wohnhaus gemeldet"));
}
