#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Photos of citizen reports over a real server and the fixture town: hostile uploads are
//! refused with a German message and nothing is stored; a photo goes through moderation and
//! is served without its EXIF; the report form's nearest address.

mod common;

use std::path::PathBuf;

use common::Server;
use serde_json::{json, Value};
use sqlx::PgPool;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/fixtures")
}

/// A file part of a form: field name, file name, content type, bytes.
type Part<'a> = (&'a str, &'a str, &'a str, &'a [u8]);

/// A `multipart/form-data` body of text fields and files.
fn form(fields: &[(&str, String)], files: &[Part<'_>]) -> (String, Vec<u8>) {
    let boundary = "leerstand-test-boundary-7f3a";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    for (name, file_name, content_type, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; \
                 filename=\"{file_name}\"\r\nContent-Type: {content_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A point on parcel 2 of the fixture street (WGS 84).
async fn spot(s: &Server) -> (f64, f64) {
    let p = s
        .get_json("/collections/parcels/items/DETHFIXTUREP0002")
        .await;
    let c = &p["geometry"]["coordinates"][0][0][0];
    (
        c[0].as_f64().unwrap() + 0.0001,
        c[1].as_f64().unwrap() + 0.0001,
    )
}

async fn post_form(s: &Server, files: &[Part<'_>]) -> (u16, Value) {
    let (lon, lat) = spot(s).await;
    let (content_type, body) = form(
        &[
            ("lon", lon.to_string()),
            ("lat", lat.to_string()),
            ("category", "vacant_building".to_owned()),
            ("text", "Fenster eingeschlagen, seit Jahren leer".to_owned()),
            ("contact", "melder@example.org".to_owned()),
        ],
        files,
    );
    let r = s
        .client
        .post(s.url("/reports"))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

fn media_type(file_name: &str) -> &'static str {
    match file_name.rsplit('.').next() {
        Some("png") => "image/png",
        Some("webp") => "image/webp",
        _ => "image/jpeg",
    }
}

async fn stored(pool: &PgPool) -> (i64, i64) {
    sqlx::query_as(
        "SELECT (SELECT count(*) FROM citizen_report), (SELECT count(*) FROM citizen_report_photo)",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn hostile_photos_are_refused_and_nothing_is_stored(pool: PgPool) {
    let s = common::start_with(pool.clone(), |c| {
        c.post_rate.requests = 1000;
    })
    .await;
    let good = std::fs::read(fixtures().join("photos/gps.jpg")).unwrap();
    let before = stored(&pool).await;
    // Each file of data/fixtures/bad/photo_*, and why it is refused.
    let expected = [
        ("photo_empty.jpg", "empty", "Die Datei ist leer."),
        (
            "photo_truncated.jpg",
            "damaged",
            "beschädigt oder unvollständig",
        ),
        ("photo_polyglot_zip.jpg", "trailing_data", "Hinter dem Bild"),
        (
            "photo_html_after_end.png",
            "trailing_data",
            "Hinter dem Bild",
        ),
        ("photo_jpeg_named.png", "mismatch", "ein JPEG-Bild"),
        ("photo_script.jpg", "not_an_image", "kein Bild"),
        ("photo_bomb.png", "too_many_pixels", "zu viele Pixel"),
        ("photo_oversized.png", "too_many_pixels", "zu viele Pixel"),
        ("photo_zero_width.png", "damaged", "beschädigt"),
        ("photo_animated.png", "animated", "Bewegte Bilder"),
        ("photo_animated.webp", "animated", "Bewegte Bilder"),
    ];
    let mut on_disk: Vec<String> = std::fs::read_dir(fixtures().join("bad"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with("photo_"))
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = expected.iter().map(|e| e.0.to_owned()).collect();
    listed.sort();
    assert_eq!(on_disk, listed, "every hostile photo fixture is tried");
    for (file, reason, words) in expected {
        let bytes = std::fs::read(fixtures().join("bad").join(file)).unwrap();
        // A good photo first: the report with its photos is one, so nothing stays.
        let (status, problem) = post_form(
            &s,
            &[
                ("photo", "haus.jpg", "image/jpeg", &good),
                ("photo", file, media_type(file), &bytes),
            ],
        )
        .await;
        assert_eq!(status, 422, "{file}: {problem}");
        assert_eq!(problem["reason"], reason, "{file}: {problem}");
        assert_eq!(problem["photo"], 2, "{file}: {problem}");
        let detail = problem["detail"].as_str().unwrap();
        assert!(
            detail.starts_with("Foto 2: ") && detail.contains(words),
            "{file}: {detail}"
        );
        assert_eq!(stored(&pool).await, before, "{file} left something behind");
    }

    // The declared type must fit the content as well as the name.
    let (status, problem) = post_form(&s, &[("photo", "haus", "image/png", &good)]).await;
    assert_eq!(
        (status, problem["reason"].as_str()),
        (422, Some("mismatch")),
        "{problem}"
    );
    // Four photos are one too many.
    let four: Vec<Part<'_>> = (0..4)
        .map(|_| ("photo", "haus.jpg", "image/jpeg", good.as_slice()))
        .collect();
    let (status, problem) = post_form(&s, &four).await;
    assert_eq!(
        (status, problem["reason"].as_str()),
        (422, Some("too_many_photos")),
        "{problem}"
    );
    // A file over 8 MB is refused as it streams in.
    let big = [good.clone(), vec![0; 8 * 1024 * 1024]].concat();
    let (status, problem) = post_form(&s, &[("photo", "haus.jpg", "image/jpeg", &big)]).await;
    assert_eq!(
        (status, problem["reason"].as_str()),
        (422, Some("too_large")),
        "{problem}"
    );
    // A body over the route's limit never gets read.
    let huge = vec![0; 25 * 1024 * 1024];
    let (status, _) = post_form(&s, &[("photo", "a.jpg", "image/jpeg", &huge)]).await;
    assert_eq!(status, 413);
    // Unknown fields and a missing position are the client's mistake.
    let (content_type, body) = form(&[("status", "approved".to_owned())], &[]);
    let r = s
        .client
        .post(s.url("/reports"))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(stored(&pool).await, before);
    // The JSON form still has the small limit of every other route.
    let r = s
        .client
        .post(s.url("/reports"))
        .header("content-type", "application/json")
        .body(format!(
            r#"{{"lon": 11.1, "lat": 51.1, "category": "other", "text": "{}"}}"#,
            "x".repeat(100 * 1024)
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn a_photo_goes_through_moderation_and_is_served_without_exif(pool: PgPool) {
    let s = common::start(pool.clone()).await;
    let original = std::fs::read(fixtures().join("photos/gps.jpg")).unwrap();
    // The fixture is what a phone sends: EXIF with the GPS position.
    let exif = exif::Reader::new()
        .read_from_container(&mut std::io::Cursor::new(&original))
        .unwrap();
    assert!(exif
        .get_field(exif::Tag::GPSLatitude, exif::In::PRIMARY)
        .is_some());

    let (status, created) =
        post_form(&s, &[("photo", "IMG_0001.JPG", "image/jpeg", &original)]).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["photos"], 1);
    let id = created["id"].as_i64().unwrap();
    let public = format!("/reports/{id}/photos/1");

    // Pending: not public, but the moderator sees it in the queue.
    assert_eq!(s.get(&public).await.status(), 404);
    assert_eq!(s.get(&format!("/reports/{id}/photos")).await.status(), 404);
    let token = s.token("planer").await;
    let queue: Value = s
        .client
        .get(s.url("/planner/reports"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let item = queue["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == id)
        .unwrap();
    assert_eq!(item["photos"], 1, "{item}");
    let for_moderator = s
        .client
        .get(s.url(&format!("/planner/reports/{id}/photos/1")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(for_moderator.status(), 200);
    assert_eq!(for_moderator.headers()["content-type"], "image/jpeg");
    assert_eq!(
        for_moderator.headers()["cache-control"],
        "private, no-store"
    );
    let unauthenticated = s.get(&format!("/planner/reports/{id}/photos/1")).await;
    assert_eq!(unauthenticated.status(), 401);

    let moderate = |decision: &'static str| {
        s.client
            .post(s.url(&format!("/planner/reports/{id}/moderate")))
            .bearer_auth(&token)
            .json(&json!({"decision": decision, "public_text": "Leerstehendes Haus mit Foto"}))
            .send()
    };
    assert_eq!(moderate("reject").await.unwrap().status(), 200);
    assert_eq!(s.get(&public).await.status(), 404, "rejected stays hidden");
    assert_eq!(moderate("approve").await.unwrap().status(), 200);

    let served = s.get(&public).await;
    assert_eq!(served.status(), 200);
    assert_eq!(served.headers()["content-type"], "image/jpeg");
    assert_eq!(served.headers()["x-content-type-options"], "nosniff");
    let bytes = served.bytes().await.unwrap();
    assert_ne!(bytes.as_ref(), original.as_slice(), "re-encoded");
    assert!(
        exif::Reader::new()
            .read_from_container(&mut std::io::Cursor::new(bytes.as_ref()))
            .is_err(),
        "the served photo carries no EXIF"
    );
    assert!(!bytes.windows(4).any(|w| w == b"Exif"));
    // 2000 × 1500 became 1600 × 1200, as a JPEG.
    let (width, height): (i32, i32) =
        sqlx::query_as("SELECT width, height FROM citizen_report_photo WHERE report_id = $1")
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((width, height), (1600, 1200));
    assert_eq!(&bytes[..2], b"\xff\xd8");
    let list = s.get_json(&format!("/reports/{id}/photos")).await;
    assert_eq!(list["photos"], json!([public]));
    assert_eq!(
        s.get(&format!("/reports/{id}/photos/2")).await.status(),
        404
    );
    assert_eq!(
        s.get(&format!("/reports/{id}/photos/x")).await.status(),
        400
    );
    // A photo of another report that is pending (fixture report 2) stays hidden.
    assert_eq!(s.get("/reports/2/photos/1").await.status(), 404);
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn the_nearest_address_names_street_number_and_town(pool: PgPool) {
    let s = common::start(pool).await;
    // Address 2 of the fixture street lies at (648050, 5669910); 8 m east of it.
    let (lon, lat): (f64, f64) = sqlx::query_as(
        "SELECT ST_X(g), ST_Y(g) FROM (SELECT ST_Transform(ST_SetSRID(
                ST_MakePoint(648058, 5669910), 25832), 4326) g) p",
    )
    .fetch_one(&s.pool)
    .await
    .unwrap();
    let near = s
        .get_json(&format!("/addresses/nearest?lon={lon}&lat={lat}"))
        .await;
    assert_eq!(
        near,
        json!({"street": "Lindenstraße", "house_number": "2", "town": "Sömmerda",
               "distance_m": 8.0, "label": "Lindenstraße 2, Sömmerda"})
    );
    // Nothing within 150 m.
    let far = s
        .get(&format!("/addresses/nearest?lon={}&lat={lat}", lon + 0.01))
        .await;
    assert_eq!(far.status(), 404);
    for bad in [
        "lon=NaN&lat=51.1",
        "lon=11.1",
        "lon=13.4&lat=80",
        "lon=11.1&lat=51.1&who=1",
    ] {
        let r = s.get(&format!("/addresses/nearest?{bad}")).await;
        assert_eq!(r.status(), 400, "{bad}");
        assert_eq!(r.headers()["content-type"], "application/problem+json");
    }
}
