#![allow(clippy::unwrap_used, clippy::expect_used)]
//! What every answer carries for the browser's protection, and hostile bytes that must get a
//! 4xx problem document, never a 5xx.

mod common;

use serde_json::{json, Value};
use sqlx::PgPool;

/// On every answer.
const HEADERS: [&str; 2] = ["x-content-type-options", "referrer-policy"];
/// On HTML documents as well: the policy for pages.
const DOCUMENT_HEADERS: [&str; 3] = [
    "content-security-policy",
    "x-frame-options",
    "cross-origin-opener-policy",
];

fn assert_problem(response: &reqwest::Response, what: &str) {
    assert_eq!(
        response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap()),
        Some("application/problem+json"),
        "{what}"
    );
}

/// A web folder with one page, served as the map would be.
fn web_root() -> tempfile::TempDir {
    let web = tempfile::tempdir().unwrap();
    std::fs::write(
        web.path().join("index.html"),
        "<!doctype html><title>Karte</title>",
    )
    .unwrap();
    web
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn every_answer_carries_the_security_headers(pool: PgPool) {
    let web = web_root();
    let root = web.path().to_owned();
    let s = common::start_with(pool, move |c| c.web_root = Some(root)).await;
    for path in [
        "/index.html",
        "/collections",
        "/collections/vacancy/items",
        "/tiles/style.json",
        "/planner/verdicts",
        "/no-such-file.js",
        "/openapi.json",
    ] {
        let response = s.get(path).await;
        for name in HEADERS {
            assert!(
                response.headers().contains_key(name),
                "{path} ({}) lacks {name}",
                response.status()
            );
        }
        let html = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html");
        assert_eq!(html, path == "/index.html", "{path}");
        for name in DOCUMENT_HEADERS {
            assert_eq!(
                response.headers().contains_key(name),
                html,
                "{path} ({}): {name} goes on HTML documents only",
                response.status()
            );
        }
        if html {
            let csp = response.headers()["content-security-policy"]
                .to_str()
                .unwrap();
            assert!(csp.contains("script-src 'self';"), "{csp}");
            assert!(!csp.contains("unsafe-inline"), "{csp}");
        }
        assert!(!response.headers().contains_key("strict-transport-security"));
        assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    }
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn an_embedding_origin_and_tls_show_in_the_headers(pool: PgPool) {
    let web = web_root();
    let root = web.path().to_owned();
    let s = common::start_with(pool, move |c| {
        c.base_url = "https://karte.example.de".to_owned();
        c.frame_ancestors = vec!["https://app.example.de".to_owned()];
        c.web_root = Some(root);
    })
    .await;
    let response = s.get("/index.html").await;
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap();
    assert!(
        csp.ends_with("frame-ancestors 'self' https://app.example.de"),
        "{csp}"
    );
    assert!(response.headers().contains_key("strict-transport-security"));
    // The app may frame the map, so the older header that forbids it is not sent.
    assert!(!response.headers().contains_key("x-frame-options"));
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn errors_of_the_layers_and_static_files_are_problem_documents(pool: PgPool) {
    let web = web_root();
    let root = web.path().to_owned();
    let s = common::start_with(pool, move |c| {
        c.web_root = Some(root);
        c.max_body_bytes = 1024;
    })
    .await;
    let missing = s.get("/js/nothing-here.js").await;
    assert_eq!(missing.status(), 404);
    assert_problem(&missing, "static 404");
    let body: Value = missing.json().await.unwrap();
    assert_eq!(body["status"], 404);

    let wrong_method = s.client.delete(s.url("/collections")).send().await.unwrap();
    assert_eq!(wrong_method.status(), 405);
    assert_problem(&wrong_method, "405");
    assert!(wrong_method.headers().contains_key("allow"));

    let huge = s
        .client
        .post(s.url("/reports"))
        .header("content-type", "application/json")
        .body(format!("{{\"text\": \"{}\"}}", "x".repeat(4096)))
        .send()
        .await
        .unwrap();
    assert_eq!(huge.status(), 413);
    assert_problem(&huge, "413");
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn nul_bytes_get_400_on_every_public_route(pool: PgPool) {
    let s = common::start(pool).await;
    for path in [
        "/collections/vacancy/items?town=%00",
        "/collections/vacancy/items/%00",
        "/collections/parcels/items/a%00b",
        "/search/plots?town=%00",
        "/plots/%00",
    ] {
        let response = s.get(path).await;
        let status = response.status().as_u16();
        assert!(
            (400..500).contains(&status),
            "GET {path}: {status} (a NUL byte is the client's mistake)"
        );
        assert_problem(&response, path);
    }
    for (path, body) in [
        (
            "/reports",
            json!({"lon": 11.1, "lat": 51.2, "category": "vacant_building", "text": "a\u{0}b"}),
        ),
        (
            "/planner/login",
            json!({"login": "a\u{0}b", "password": "x"}),
        ),
        (
            "/offers/1/enquiries",
            json!({"name": "a\u{0}", "contact": "x@example.net", "message": "Hallo"}),
        ),
    ] {
        let response = s.client.post(s.url(path)).json(&body).send().await.unwrap();
        let status = response.status().as_u16();
        assert!(
            (400..500).contains(&status),
            "POST {path}: {status} (a NUL byte is the client's mistake)"
        );
        assert_problem(&response, path);
    }
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn metrics_are_for_the_operators_addresses_only(pool: PgPool) {
    let local = common::start(pool.clone()).await;
    let allowed = local.get("/metrics").await;
    assert_eq!(
        allowed.status(),
        200,
        "loopback may read the metrics by default"
    );
    let elsewhere = common::start_with(pool, |c| {
        c.metrics_from = vec!["10.0.0.0/8".parse().unwrap()];
    })
    .await;
    let refused = elsewhere
        .client
        .get(elsewhere.url("/metrics"))
        .header("x-forwarded-for", "10.1.2.3")
        .send()
        .await
        .unwrap();
    assert_eq!(
        refused.status(),
        404,
        "a forwarded header does not open the metrics"
    );
    assert_problem(&refused, "/metrics");
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn slow_or_silent_clients_are_disconnected(pool: PgPool) {
    use std::time::{Duration, Instant};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let config = api::Config {
        base_url: format!("http://{addr}"),
        header_read_timeout: Duration::from_secs(1),
        ..api::Config::default()
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(api::serve_on(
        listener,
        api::AppState::new(pool, config),
        async {
            let _ = stopped.await;
        },
    ));

    // Half a request line, then nothing: the server hangs up after the header timeout.
    let started = Instant::now();
    let mut slow = tokio::net::TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), slow.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "the connection is still open after 5 s");
    assert!(started.elapsed() >= Duration::from_millis(900));

    // A whole request is answered, and the kept-alive connection closes once it idles.
    let mut idle = tokio::net::TcpStream::connect(addr).await.unwrap();
    idle.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), idle.read_to_end(&mut buf)).await;
    assert!(
        read.is_ok(),
        "an idle kept-alive connection is still open after 5 s"
    );
    let text = String::from_utf8_lossy(&buf);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(text.contains("x-content-type-options"), "{text}");

    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(15), server)
        .await
        .expect("the server stops when told")
        .unwrap()
        .unwrap();
}
