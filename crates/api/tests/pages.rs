#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The server-rendered pages of plots and offers, over a real server: what a reader without
//! JavaScript sees and sends.

mod common;

use sqlx::PgPool;

async fn page(s: &common::Server, path: &str) -> (u16, String, String) {
    let response = s.get(path).await;
    let status = response.status().as_u16();
    let kind = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    (status, kind, response.text().await.unwrap())
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn a_public_plot_has_a_page_with_facts_drawing_offers_and_preview(pool: PgPool) {
    let s = common::start(pool).await;
    let (status, kind, html) = page(&s, "/grundstueck/DETHFIXTUREP0004").await;
    assert_eq!(status, 200);
    assert!(kind.starts_with("text/html"), "{kind}");
    for expected in [
        "<html lang=\"de\">",
        "Baulücke in Sömmerda",
        "600 m²",
        "Baulücke Lindenstraße",
        "45.000 €",
        "85 €/m² (Stichtag 01.01.2024, Wohnbaufläche)",
        "rund 51.000 € (überschlägig: Fläche × Bodenrichtwert, kein Gutachten)",
        "Innenbereich § 34 BauGB",
        "property=\"og:title\" content=\"Baulücke in Sömmerda",
        "href=\"/angebot/1\"",
        "class=\"plot\"",
        "class=\"neighbour\"",
        "Auf der Karte zeigen",
    ] {
        assert!(html.contains(expected), "{expected:?} missing in\n{html}");
    }
    assert!(!html.contains("<script"), "the page needs no script");
    // Nothing private: the fixture's enquiry and report contacts never appear.
    assert!(!html.contains("geheim"), "{html}");
    // The map link opens the map on the plot.
    assert!(html.contains("plot=DETHFIXTUREP0004"), "{html}");
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn unreleased_or_unknown_plots_and_offers_answer_a_german_404_page(pool: PgPool) {
    let s = common::start(pool).await;
    for path in [
        "/grundstueck/DETHFIXTUREP0005",
        "/grundstueck/nichts",
        "/grundstueck/%00",
        "/angebot/3",
        "/angebot/4",
        "/angebot/abc",
        "/angebot/99999999999999999999",
    ] {
        let (status, kind, html) = page(&s, path).await;
        assert_eq!(status, 404, "{path}");
        assert!(kind.starts_with("text/html"), "{path}: {kind}");
        assert!(html.contains("Nicht gefunden"), "{path}");
    }
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn the_offer_form_sends_an_enquiry_without_javascript(pool: PgPool) {
    let s = common::start(pool.clone()).await;
    let (status, _, html) = page(&s, "/angebot/1").await;
    assert_eq!(status, 200);
    assert!(html.contains("<form method=\"post\""), "{html}");
    let enquiries = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM enquiry WHERE offer_id = 1")
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    let before = enquiries().await;
    let send = |message: &'static str, contact: &'static str| {
        s.client
            .post(s.url("/angebot/1"))
            .form(&[("message", message), ("contact", contact)])
            .send()
    };
    // Incomplete: the page says what to correct, keeps the text, stores nothing.
    let response = send("Ist das Grundstück noch zu haben?", "x")
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let html = response.text().await.unwrap();
    assert!(html.contains("E-Mail-Adresse oder Telefonnummer"), "{html}");
    assert!(html.contains("Ist das Grundstück noch zu haben?"), "{html}");
    assert_eq!(enquiries().await, before);
    // Complete: stored, and thanked.
    let response = send("Ist das Grundstück noch zu haben?", "bauherr@example.org")
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    assert!(response.text().await.unwrap().contains("Danke"));
    assert_eq!(enquiries().await, before + 1);
    // A form without its fields gets the page with a hint, not an error document.
    let response = s
        .client
        .post(s.url("/angebot/1"))
        .form(&[("message", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(response
        .text()
        .await
        .unwrap()
        .contains("Bitte füllen Sie das Formular aus"));
    // The markup of the reader's words is text, never HTML.
    let response = send("<script>alert(1)</script>", "x").await.unwrap();
    let html = response.text().await.unwrap();
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(html.contains("&lt;script&gt;"), "{html}");
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn the_short_report_address_and_its_qr_code(pool: PgPool) {
    let s = common::start(pool).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = client.get(s.url("/melden")).send().await.unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/#melden");
    let (status, kind, svg) = page(&s, "/melden/qr.svg").await;
    assert_eq!(status, 200);
    assert_eq!(kind, "image/svg+xml");
    assert!(svg.starts_with("<?xml") && svg.contains("<svg"), "{svg}");
    // The modules: a dark path of many squares.
    assert!(svg.matches('M').count() > 100, "{svg}");
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn the_plot_list_filters_without_javascript(pool: PgPool) {
    let s = common::start(pool).await;
    let (status, kind, html) = page(&s, "/grundstuecke").await;
    assert_eq!(status, 200);
    assert!(kind.starts_with("text/html"));
    assert!(html.contains("/grundstueck/DETHFIXTUREP0004"), "{html}");
    assert!(
        !html.contains("DETHFIXTUREP0005"),
        "an unreleased plot: {html}"
    );
    assert!(!html.contains("<script"));
    let (_, _, gaps) = page(&s, "/grundstuecke?art=building_gap&ort=16068051").await;
    assert!(gaps.contains("/grundstueck/DETHFIXTUREP0004"), "{gaps}");
    let (_, _, none) = page(&s, "/grundstuecke?min=601").await;
    assert!(none.contains("0 Grundstücke"), "{none}");
    // Anything a reader may type is a filter that matches or is ignored, never an error.
    for odd in [
        "?ort=%00",
        "?art=<b>",
        "?min=abc&max=-1",
        "?seite=999999",
        "?min=1.000",
    ] {
        let (status, _, html) = page(&s, &format!("/grundstuecke{odd}")).await;
        assert_eq!(status, 200, "{odd}");
        assert!(!html.contains("<b>"), "{odd}");
    }
    let (status, _, _) = page(&s, "/grundstuecke?seite=x").await;
    assert_eq!(status, 400);
}
