#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The planner routes over a real server and the fixture town: authentication, overrides,
//! moderation, cases, publication consent, offers, exports and hostile bodies.

mod common;

use common::Server;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sqlx::PgPool;

/// Sends a request with an optional bearer token and JSON body; returns status and body
/// (JSON, or the text as a JSON string).
async fn call(
    s: &Server,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = s.client.request(method.clone(), s.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    assert!(status.as_u16() < 500, "{method} {path}: {status} {value}");
    (status, value)
}

async fn ok(s: &Server, method: Method, path: &str, token: &str, body: Option<Value>) -> Value {
    let (status, value) = call(s, method.clone(), path, Some(token), body).await;
    assert!(status.is_success(), "{method} {path}: {status} {value}");
    value
}

fn ids(collection: &Value) -> Vec<String> {
    collection["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            f["id"]
                .as_str()
                .map_or_else(|| f["id"].to_string(), str::to_owned)
        })
        .collect()
}

async fn audit_actions(pool: &PgPool, table: &str, id: i64) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT actor, action FROM audit_log WHERE subject_table = $1 AND subject_id = $2 ORDER BY id",
    )
    .bind(table)
    .bind(id)
    .fetch_all(pool)
    .await
    .unwrap()
}

/// Every planner route with a body that would be valid for it.
fn routes() -> Vec<(Method, &'static str, Option<Value>)> {
    vec![
        (Method::GET, "/planner/verdicts", None),
        (Method::GET, "/planner/verdicts?f=geojson", None),
        (
            Method::GET,
            "/planner/verdicts/building/DETHFIXTUREB0001",
            None,
        ),
        (
            Method::POST,
            "/planner/verdicts/building/DETHFIXTUREB0001/override",
            Some(json!({"class": "occupied", "note": "x"})),
        ),
        (
            Method::DELETE,
            "/planner/verdicts/building/DETHFIXTUREB0002/override",
            None,
        ),
        (Method::GET, "/planner/reports", None),
        (Method::GET, "/planner/reports/2/photos/1", None),
        (
            Method::POST,
            "/planner/reports/2/moderate",
            Some(json!({"decision": "approve", "public_text": "x"})),
        ),
        (Method::GET, "/planner/cases", None),
        (
            Method::POST,
            "/planner/cases",
            Some(json!({"kind": "parcel", "alkis_id": "DETHFIXTUREP0007"})),
        ),
        (Method::GET, "/planner/cases/1", None),
        (
            Method::POST,
            "/planner/cases/1/status",
            Some(json!({"status": "owner_answered"})),
        ),
        (
            Method::POST,
            "/planner/consents",
            Some(json!({"announced_on": "2024-01-01", "parcels": ["DETHFIXTUREP0008"]})),
        ),
        (Method::GET, "/planner/offers", None),
        (
            Method::POST,
            "/planner/offers",
            Some(json!({"parcel": "DETHFIXTUREP0004", "kind": "sale", "title": "x"})),
        ),
        (Method::GET, "/planner/offers/1", None),
        (
            Method::PATCH,
            "/planner/offers/1",
            Some(json!({"title": "y"})),
        ),
        (Method::POST, "/planner/offers/4/publish", None),
        (Method::POST, "/planner/offers/1/withdraw", None),
        (Method::GET, "/planner/offers/1/enquiries", None),
        (Method::POST, "/planner/enquiries/1/forward", None),
        (Method::GET, "/planner/export/verdicts.csv", None),
        (Method::GET, "/planner/export/plots.gpkg", None),
        (Method::GET, "/planner/audit", None),
        (
            Method::GET,
            "/planner/privacy/subject?contact=melder.geheim%40example.org",
            None,
        ),
        (
            Method::POST,
            "/planner/password",
            Some(json!({"current_password": "fixture password",
                        "new_password": "another fixture password"})),
        ),
        (Method::GET, "/planner/me", None),
    ]
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn every_planner_route_needs_a_valid_token(pool: PgPool) {
    let s = common::start(pool.clone()).await;
    let wrong = format!("lst_{}", "0".repeat(64));
    for (method, path, body) in routes() {
        for token in [None, Some(wrong.as_str()), Some("")] {
            let (status, problem) = call(&s, method.clone(), path, token, body.clone()).await;
            assert_eq!(status, 401, "{method} {path} with {token:?}: {problem}");
            assert_eq!(problem["status"], 401);
        }
        // Not a bearer token at all.
        let response = s
            .client
            .request(method.clone(), s.url(path))
            .header("authorization", "Basic cGxhbmVyOnBsYW5lcg==")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401, "{method} {path} with basic auth");
        assert!(response.headers().contains_key("www-authenticate"));
    }
    // A revoked token is refused as well.
    let token = s.token("planer").await;
    sqlx::query("UPDATE api_token SET revoked_at = now()")
        .execute(&pool)
        .await
        .unwrap();
    let (status, _) = call(&s, Method::GET, "/planner/verdicts", Some(&token), None).await;
    assert_eq!(status, 401);
    // Nothing was written by any refused request.
    let audit: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(audit, 0);
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn every_planner_route_answers_a_planner(pool: PgPool) {
    let s = common::start(pool).await;
    let planner = s.token("planer").await;
    for (method, path, body) in routes() {
        let (status, value) = call(&s, method.clone(), path, Some(&planner), body).await;
        if path == "/planner/audit" || path.starts_with("/planner/privacy/") {
            assert_eq!(status, 403, "for administrators only: {value}");
        } else {
            assert!(status.is_success(), "{method} {path}: {status} {value}");
        }
    }
    let admin = s.token("admin").await;
    let audit = ok(&s, Method::GET, "/planner/audit", &admin, None).await;
    assert!(audit["numberMatched"].as_i64().unwrap() >= 10, "{audit}");
    assert!(audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|row| row["actor"] == "planer"));
    let openapi = s.get_json("/openapi.json").await;
    assert!(openapi["paths"]["/planner/cases/{id}/status"]["post"].is_object());
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn verdict_detail_shows_everything_a_planner_needs(pool: PgPool) {
    let s = common::start(pool).await;
    let t = s.token("planer").await;
    let list = ok(&s, Method::GET, "/planner/verdicts", &t, None).await;
    assert_eq!(list["numberMatched"], 7);
    let vacant = ok(
        &s,
        Method::GET,
        "/planner/verdicts?class=vacant&town=S%C3%B6mmerda",
        &t,
        None,
    )
    .await;
    let ids: Vec<&str> = vacant["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["alkis_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["DETHFIXTUREB0001", "DETHFIXTUREB0002"]);
    assert_eq!(vacant["items"][0]["address"], "Lindenstraße 1");
    assert_eq!(vacant["items"][1]["overridden"], true);
    let page = ok(
        &s,
        Method::GET,
        "/planner/verdicts?kind=parcel&limit=2&offset=2",
        &t,
        None,
    )
    .await;
    assert_eq!(page["numberMatched"], 4);
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    let district = ok(
        &s,
        Method::GET,
        "/planner/verdicts?district=Leubingen",
        &t,
        None,
    )
    .await;
    assert_eq!(district["numberMatched"], 0);
    let map = ok(
        &s,
        Method::GET,
        "/planner/verdicts?f=geojson&kind=building",
        &t,
        None,
    )
    .await;
    assert_eq!(map["type"], "FeatureCollection");
    assert_eq!(map["features"].as_array().unwrap().len(), 3);
    assert_eq!(map["features"][0]["geometry"]["type"], "MultiPolygon");

    let b1 = ok(
        &s,
        Method::GET,
        "/planner/verdicts/building/DETHFIXTUREB0001",
        &t,
        None,
    )
    .await;
    assert_eq!(b1["class"], "vacant");
    assert_eq!(b1["score"], 5.5);
    assert_eq!(b1["evidence"].as_array().unwrap().len(), 2);
    assert_eq!(b1["evidence"][1]["summary"], "Strom 117 kWh/Jahr");
    assert_eq!(b1["owners"][0]["name"], "Erika Mustermann");
    assert_eq!(b1["owners"][0]["contact"], "erika.mustermann@example.org");
    assert_eq!(b1["addresses"][0]["street"], "Lindenstraße");
    assert_eq!(b1["surveys"][0]["finding"], "vacant");
    assert_eq!(b1["publication"]["basis"], "owner_consent");
    assert_eq!(b1["publication"]["public"], true);
    assert_eq!(b1["subject"]["parcel"], "DETHFIXTUREP0001");

    // Building 2: the fixture's override is evidence with the planner's name; its case shows.
    let b2 = ok(
        &s,
        Method::GET,
        "/planner/verdicts/building/DETHFIXTUREB0002",
        &t,
        None,
    )
    .await;
    assert_eq!(b2["evidence"][0]["source"], "planner_override");
    assert_eq!(b2["evidence"][0]["author"], "Petra Planer");
    assert_eq!(b2["cases"][0]["id"], 1);
    assert!(b2["publication"].is_null());

    let p4 = ok(
        &s,
        Method::GET,
        "/planner/verdicts/parcel/DETHFIXTUREP0004",
        &t,
        None,
    )
    .await;
    assert_eq!(p4["class"], "building_gap");
    assert_eq!(p4["owners"][0]["name"], "Max Mustermann");
    assert_eq!(p4["publication"]["basis"], "notice_period");
    assert_eq!(p4["subject"]["kennzeichen"], "16471100100004____00");

    for (path, status) in [
        ("/planner/verdicts/building/DETHFIXTUREB0009", 404),
        ("/planner/verdicts/parcel/DETHFIXTUREB0001", 404),
        ("/planner/verdicts/house/DETHFIXTUREB0001", 400),
        ("/planner/verdicts/building/x'%20OR%201=1", 400),
        ("/planner/verdicts?class=ruin", 400),
        ("/planner/verdicts?limit=0", 400),
        ("/planner/verdicts?limit=-1", 400),
        ("/planner/verdicts?offset=-1", 400),
        ("/planner/verdicts?owner=Mustermann", 400),
        ("/planner/verdicts?f=xml", 400),
        ("/planner/verdicts?town=%00", 400),
        ("/planner/cases?town=a%00b", 400),
    ] {
        let (got, body) = call(&s, Method::GET, path, Some(&t), None).await;
        assert_eq!(got, status, "{path}: {body}");
    }
    let long = format!("/planner/verdicts?district={}", "x".repeat(201));
    assert_eq!(call(&s, Method::GET, &long, Some(&t), None).await.0, 400);
    let injected = ok(
        &s,
        Method::GET,
        "/planner/verdicts?town=x%27%20OR%20%271%27%3D%271",
        &t,
        None,
    )
    .await;
    assert_eq!(injected["numberMatched"], 0);
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn override_round_trip_reaches_the_public_map(pool: PgPool) {
    let s = common::start(pool.clone()).await;
    let t = s.token("planer").await;
    let path = "/planner/verdicts/building/DETHFIXTUREB0003";
    // Building 3 is at risk on a released parcel: not on the public map.
    let public = s.get_json("/collections/vacancy/items").await;
    assert_eq!(ids(&public), ["DETHFIXTUREB0001"]);

    let (status, detail) = call(
        &s,
        Method::POST,
        &format!("{path}/override"),
        Some(&t),
        Some(json!({"class": "vacant", "note": "Begehung: Haus steht leer"})),
    )
    .await;
    assert_eq!(status, 201, "{detail}");
    assert_eq!(detail["class"], "vacant");
    assert_eq!(detail["analysed_class"], "risk");
    assert_eq!(detail["override"]["author"], "Petra Planer");
    assert_eq!(detail["evidence"][0]["source"], "planner_override");
    assert_eq!(
        detail["evidence"][0]["summary"],
        "Petra Planer: vacant – Begehung: Haus steht leer"
    );
    let public = s.get_json("/collections/vacancy/items").await;
    assert_eq!(ids(&public), ["DETHFIXTUREB0001", "DETHFIXTUREB0003"]);

    // A second override replaces the first.
    let detail = ok(
        &s,
        Method::POST,
        &format!("{path}/override"),
        &t,
        Some(json!({"class": "partly_vacant", "note": "Erdgeschoss bewohnt"})),
    )
    .await;
    assert_eq!(detail["class"], "partly_vacant");
    let overrides = detail["overrides"].as_array().unwrap();
    assert_eq!(overrides.len(), 2);
    assert_eq!(
        overrides
            .iter()
            .filter(|o| o["withdrawn_at"].is_null())
            .count(),
        1
    );
    let public = s.get_json("/collections/vacancy/items").await;
    let b3 = public["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "DETHFIXTUREB0003")
        .unwrap();
    assert_eq!(b3["properties"]["class"], "partly_vacant");
    // The public never learns that a planner decided, nor why.
    let text = public.to_string();
    assert!(
        !text.contains("Erdgeschoss") && !text.contains("Petra"),
        "{text}"
    );

    // A class that does not fit the subject.
    let (status, _) = call(
        &s,
        Method::POST,
        &format!("{path}/override"),
        Some(&t),
        Some(json!({"class": "building_gap", "note": "x"})),
    )
    .await;
    assert_eq!(status, 422);

    let detail = ok(&s, Method::DELETE, &format!("{path}/override"), &t, None).await;
    assert_eq!(detail["class"], "risk");
    assert!(detail["override"].is_null());
    let public = s.get_json("/collections/vacancy/items").await;
    assert_eq!(ids(&public), ["DETHFIXTUREB0001"]);
    let (status, _) = call(
        &s,
        Method::DELETE,
        &format!("{path}/override"),
        Some(&t),
        None,
    )
    .await;
    assert_eq!(status, 404);

    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE actor = 'planer' AND action LIKE 'verdict.%' ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        actions,
        [
            "verdict.override",
            "verdict.override",
            "verdict.override.withdraw"
        ]
    );
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn moderation_publishes_the_moderators_text_only(pool: PgPool) {
    let s = common::start(pool.clone()).await;
    let t = s.token("planer").await;
    let queue = ok(&s, Method::GET, "/planner/reports", &t, None).await;
    assert_eq!(queue["numberMatched"], 1);
    let pending = &queue["items"][0];
    assert_eq!(pending["id"], 2);
    assert_eq!(pending["body"], "Unmoderierter Text geheim");
    assert_eq!(pending["contact"], "anonym.geheim@example.org");

    let (status, _) = call(
        &s,
        Method::POST,
        "/planner/reports/2/moderate",
        Some(&t),
        Some(json!({"decision": "approve"})),
    )
    .await;
    assert_eq!(status, 422, "approval needs a public text");
    let (status, _) = call(
        &s,
        Method::POST,
        "/planner/reports/2/moderate",
        Some(&t),
        Some(json!({"decision": "publish", "public_text": "x"})),
    )
    .await;
    assert_eq!(status, 400);
    let (status, _) = call(
        &s,
        Method::POST,
        "/planner/reports/99/moderate",
        Some(&t),
        Some(json!({"decision": "reject"})),
    )
    .await;
    assert_eq!(status, 404);

    let moderated = ok(
        &s,
        Method::POST,
        "/planner/reports/2/moderate",
        &t,
        Some(json!({"decision": "approve", "public_text": "Brachfläche an der Lindenstraße"})),
    )
    .await;
    assert_eq!(moderated["status"], "approved");
    assert_eq!(moderated["moderated_by"], "Petra Planer");

    let public = s
        .client
        .get(s.url("/collections/reports/items"))
        .send()
        .await
        .unwrap();
    let text = public.text().await.unwrap();
    let reports: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(ids(&reports), ["1", "2"]);
    let two = &reports["features"][1];
    assert_eq!(two["properties"]["text"], "Brachfläche an der Lindenstraße");
    assert_eq!(two["properties"]["category"], "vacant_plot");
    for private in ["geheim", "Unmoderierter", "@example.org", "Petra"] {
        assert!(
            !text.contains(private),
            "{private} in public reports: {text}"
        );
    }
    let single = s.get_json("/collections/reports/items/2").await;
    assert!(!single.to_string().contains("geheim"));

    // The queue is empty; rejecting report 1 takes it off the map.
    let queue = ok(&s, Method::GET, "/planner/reports", &t, None).await;
    assert_eq!(queue["numberMatched"], 0);
    ok(
        &s,
        Method::POST,
        "/planner/reports/1/moderate",
        &t,
        Some(json!({"decision": "duplicate"})),
    )
    .await;
    let reports = s.get_json("/collections/reports/items").await;
    assert_eq!(ids(&reports), ["2"]);
    let all = ok(&s, Method::GET, "/planner/reports?status=all", &t, None).await;
    assert_eq!(all["numberMatched"], 2);

    assert_eq!(
        audit_actions(&pool, "citizen_report", 2).await,
        [("planer".to_owned(), "report.moderate".to_owned())]
    );
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn case_workflow_records_every_step_and_consent_publishes(pool: PgPool) {
    let s = common::start(pool.clone()).await;
    let t = s.token("planer").await;
    // Parcel 5: a building gap whose notice is too recent, so not public yet.
    let plots = s.get_json("/collections/plots/items").await;
    assert!(!ids(&plots).contains(&"DETHFIXTUREP0005".to_owned()));

    let (status, case) = call(
        &s,
        Method::POST,
        "/planner/cases",
        Some(&t),
        Some(json!({"kind": "parcel", "alkis_id": "DETHFIXTUREP0005", "note": "Baulücke prüfen"})),
    )
    .await;
    assert_eq!(status, 201, "{case}");
    assert_eq!(case["status"], "new");
    assert_eq!(case["class"], "building_gap");
    let id = case["id"].as_i64().unwrap();
    let (status, _) = call(
        &s,
        Method::POST,
        "/planner/cases",
        Some(&t),
        Some(json!({"kind": "parcel", "alkis_id": "DETHFIXTUREP0005"})),
    )
    .await;
    assert_eq!(status, 409, "one open case per subject");

    // Skipping steps is refused, and nothing is recorded for it.
    let (status, problem) = call(
        &s,
        Method::POST,
        &format!("/planner/cases/{id}/status"),
        Some(&t),
        Some(json!({"status": "consent", "note": "zu früh"})),
    )
    .await;
    assert_eq!(status, 409);
    assert!(problem["detail"]
        .as_str()
        .unwrap()
        .contains("from new to consent"));

    for (next, note) in [
        ("owner_contacted", "Brief verschickt"),
        ("owner_answered", "Anruf der Eigentümerin"),
        ("consent", "Einverständnis schriftlich"),
    ] {
        let case = ok(
            &s,
            Method::POST,
            &format!("/planner/cases/{id}/status"),
            &t,
            Some(json!({"status": next, "note": note})),
        )
        .await;
        assert_eq!(case["status"], next);
    }
    let plots = s.get_json("/collections/plots/items").await;
    assert!(
        ids(&plots).contains(&"DETHFIXTUREP0005".to_owned()),
        "{plots}"
    );

    let case = ok(&s, Method::GET, &format!("/planner/cases/{id}"), &t, None).await;
    let history = case["history"].as_array().unwrap();
    assert_eq!(history.len(), 4);
    assert_eq!(history[0]["to_status"], "new");
    assert_eq!(history[0]["note"], "Baulücke prüfen");
    assert_eq!(history[3]["from_status"], "owner_answered");
    assert_eq!(history[3]["author"], "Petra Planer");
    assert_eq!(case["publication"]["basis"], "owner_consent");
    assert_eq!(case["publication"]["public"], true);
    assert_eq!(case["next"], json!(["mobilised", "closed"]));

    let events: i64 = sqlx::query_scalar("SELECT count(*) FROM case_event WHERE case_id = $1")
        .bind(id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(events, 3);
    let actions: Vec<String> = audit_actions(&pool, "planner_case", id)
        .await
        .into_iter()
        .map(|(actor, action)| {
            assert_eq!(actor, "planer");
            action
        })
        .collect();
    // The changes, and the planner's read of the case (its notes tell of the owner).
    assert_eq!(
        actions,
        [
            "case.open",
            "case.status",
            "case.status",
            "case.status",
            "read"
        ]
    );
    assert_eq!(
        audit_actions(&pool, "publication_consent", 5).await,
        [("planer".to_owned(), "consent.owner".to_owned())]
    );

    // Closed is final.
    ok(
        &s,
        Method::POST,
        &format!("/planner/cases/{id}/status"),
        &t,
        Some(json!({"status": "closed"})),
    )
    .await;
    let (status, _) = call(
        &s,
        Method::POST,
        &format!("/planner/cases/{id}/status"),
        Some(&t),
        Some(json!({"status": "new"})),
    )
    .await;
    assert_eq!(status, 409);
    let list = ok(&s, Method::GET, "/planner/cases?status=closed", &t, None).await;
    assert_eq!(list["numberMatched"], 1);
    let list = ok(&s, Method::GET, "/planner/cases?kind=building", &t, None).await;
    assert_eq!(list["items"][0]["id"], 1);
    let (status, _) = call(
        &s,
        Method::GET,
        "/planner/cases?status=lost",
        Some(&t),
        None,
    )
    .await;
    assert_eq!(status, 400);
    let (status, _) = call(&s, Method::GET, "/planner/cases/4711", Some(&t), None).await;
    assert_eq!(status, 404);
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn objection_and_building_consent_follow_through_to_the_public(pool: PgPool) {
    let s = common::start(pool.clone()).await;
    let t = s.token("planer").await;
    // Case 1 is about building 2 (vacant, parcel 2 not released).
    let vacancy = s.get_json("/collections/vacancy/items").await;
    assert_eq!(ids(&vacancy), ["DETHFIXTUREB0001"]);
    for next in ["owner_answered", "consent"] {
        ok(
            &s,
            Method::POST,
            "/planner/cases/1/status",
            &t,
            Some(json!({"status": next})),
        )
        .await;
    }
    let vacancy = s.get_json("/collections/vacancy/items").await;
    assert_eq!(ids(&vacancy), ["DETHFIXTUREB0001", "DETHFIXTUREB0002"]);

    // Parcel 4 is public by notice; the owner objects.
    let case = ok(
        &s,
        Method::POST,
        "/planner/cases",
        &t,
        Some(json!({"kind": "parcel", "alkis_id": "DETHFIXTUREP0004"})),
    )
    .await;
    let id = case["id"].as_i64().unwrap();
    for next in ["owner_contacted", "owner_answered", "objection"] {
        ok(
            &s,
            Method::POST,
            &format!("/planner/cases/{id}/status"),
            &t,
            Some(json!({"status": next})),
        )
        .await;
    }
    let plots = s.get_json("/collections/plots/items").await;
    assert_eq!(ids(&plots), ["DETHFIXTUREP0001"]);
    // The offer on parcel 4 left the public list with it.
    let offers = s.get_json("/collections/offers/items").await;
    assert_eq!(ids(&offers), Vec::<String>::new());
    // A later notice does not override the objection.
    let answer = ok(
        &s,
        Method::POST,
        "/planner/consents",
        &t,
        Some(json!({"announced_on": "2024-01-01", "parcels": ["DETHFIXTUREP0004"]})),
    )
    .await;
    assert_eq!(answer["recorded"], 0);
    assert_eq!(answer["unchanged"], 1);
    // An objection without any earlier notice is recorded too (parcel 7).
    let case = ok(
        &s,
        Method::POST,
        "/planner/cases",
        &t,
        Some(json!({"kind": "parcel", "alkis_id": "DETHFIXTUREP0007"})),
    )
    .await;
    let id = case["id"].as_i64().unwrap();
    for next in ["owner_contacted", "owner_answered", "objection"] {
        ok(
            &s,
            Method::POST,
            &format!("/planner/cases/{id}/status"),
            &t,
            Some(json!({"status": next})),
        )
        .await;
    }
    let objected: Option<chrono::NaiveDate> =
        sqlx::query_scalar("SELECT objection_on FROM publication_consent WHERE parcel_id = 7")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(objected.is_some());
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn a_month_old_notice_makes_plots_public(pool: PgPool) {
    let s = common::start(pool.clone()).await;
    let t = s.token("planer").await;
    // Two more plots in the latest run, without any publication record.
    sqlx::query(
        "INSERT INTO verdict (run_id, parcel_id, class, score, confidence) VALUES
             (2, 7, 'brownfield', 1, 0.8), (2, 9, 'underused', 1, 0.7)",
    )
    .execute(&pool)
    .await
    .unwrap();
    let announced = (chrono::Utc::now().date_naive() - chrono::Days::new(40)).to_string();
    let answer = ok(
        &s,
        Method::POST,
        "/planner/consents",
        &t,
        Some(json!({"announced_on": announced, "town": "16068051"})),
    )
    .await;
    assert_eq!(answer["matched"], 6);
    assert_eq!(answer["recorded"], 2);
    assert_eq!(answer["unchanged"], 4);
    let plots = s.get_json("/collections/plots/items").await;
    assert_eq!(
        ids(&plots),
        [
            "DETHFIXTUREP0001",
            "DETHFIXTUREP0004",
            "DETHFIXTUREP0007",
            "DETHFIXTUREP0009"
        ]
    );

    // Today's notice for a list: recorded, public only in a month.
    let today = chrono::Utc::now().date_naive();
    let answer = ok(
        &s,
        Method::POST,
        "/planner/consents",
        &t,
        Some(json!({"announced_on": today, "parcels": ["DETHFIXTUREP0008"]})),
    )
    .await;
    assert_eq!(answer["recorded"], 1);
    assert_eq!(
        answer["public_from"],
        today
            .checked_add_months(chrono::Months::new(1))
            .unwrap()
            .to_string()
    );
    let released: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM parcel_release WHERE parcel_id = 8)")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(!released);

    for (body, status) in [
        (
            json!({"announced_on": announced, "parcels": ["DETHFIXTUREP0008", "DETHNOSUCHPARCL"]}),
            422,
        ),
        (
            json!({"announced_on": announced, "parcels": ["DETHNOSUCHPARCEL"]}),
            422,
        ),
        (json!({"announced_on": announced, "parcels": []}), 422),
        (
            json!({"announced_on": announced, "town": "16068051", "parcels": ["DETHFIXTUREP0008"]}),
            422,
        ),
        (json!({"announced_on": announced}), 422),
        (json!({"announced_on": announced, "town": "99999999"}), 422),
        (json!({"announced_on": announced, "town": "Sömmerda"}), 422),
        (
            json!({"announced_on": "2990-01-01", "town": "16068051"}),
            422,
        ),
        (json!({"announced_on": "1.1.2024", "town": "16068051"}), 400),
        (
            json!({"announced_on": announced, "town": "16068051", "basis": "x"}),
            400,
        ),
    ] {
        let (got, problem) = call(
            &s,
            Method::POST,
            "/planner/consents",
            Some(&t),
            Some(body.clone()),
        )
        .await;
        assert_eq!(got, status, "{body}: {problem}");
    }
    let notices: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE subject_table = 'publication_consent' ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(notices, ["consent.notice", "consent.notice"]);
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn offers_and_enquiries(pool: PgPool) {
    let s = common::start(pool.clone()).await;
    let t = s.token("planer").await;
    let (status, offer) = call(
        &s,
        Method::POST,
        "/planner/offers",
        Some(&t),
        Some(
            json!({"parcel": "DETHFIXTUREP0001", "building": "DETHFIXTUREB0001", "kind": "lease",
                    "title": "Wohnhaus zur Miete", "price_eur": 650.5, "zoning_note": "MI"}),
        ),
    )
    .await;
    assert_eq!(status, 201, "{offer}");
    assert_eq!(offer["status"], "draft");
    assert_eq!(offer["public"], false);
    assert_eq!(offer["price_eur"], 650.5);
    let id = offer["id"].as_i64().unwrap();
    let public = s.get_json("/collections/offers/items").await;
    assert_eq!(ids(&public), ["1"]);

    let offer = ok(
        &s,
        Method::POST,
        &format!("/planner/offers/{id}/publish"),
        &t,
        None,
    )
    .await;
    assert_eq!(offer["public"], true);
    let public = s.get_json("/collections/offers/items").await;
    assert_eq!(ids(&public), ["1".to_owned(), id.to_string()]);
    let (status, _) = call(
        &s,
        Method::POST,
        &format!("/planner/offers/{id}/publish"),
        Some(&t),
        None,
    )
    .await;
    assert_eq!(status, 409);

    let offer = ok(
        &s,
        Method::PATCH,
        &format!("/planner/offers/{id}"),
        &t,
        Some(json!({"title": "Wohnhaus, saniert", "price_eur": null})),
    )
    .await;
    assert_eq!(offer["title"], "Wohnhaus, saniert");
    assert!(offer["price_eur"].is_null());
    assert_eq!(offer["zoning_note"], "MI");
    let item = s.get_json(&format!("/collections/offers/items/{id}")).await;
    assert_eq!(item["properties"]["title"], "Wohnhaus, saniert");

    ok(
        &s,
        Method::POST,
        &format!("/planner/offers/{id}/withdraw"),
        &t,
        None,
    )
    .await;
    let public = s.get_json("/collections/offers/items").await;
    assert_eq!(ids(&public), ["1"]);
    let list = ok(
        &s,
        Method::GET,
        "/planner/offers?status=withdrawn",
        &t,
        None,
    )
    .await;
    assert_eq!(list["numberMatched"], 1);

    for body in [
        json!({"parcel": "DETHFIXTUREP0004", "building": "DETHFIXTUREB0001", "kind": "sale", "title": "x"}),
        json!({"parcel": "DETHFIXTUREP0004", "kind": "sale", "title": "x", "price_eur": -1}),
        json!({"parcel": "DETHFIXTUREP0004", "kind": "sale", "title": "x", "price_eur": 1e12}),
        json!({"parcel": "DETHFIXTUREP0004", "kind": "sale", "title": "  "}),
        json!({"parcel": "DETHFIXTUREP0004", "kind": "sale", "title": "x".repeat(201)}),
    ] {
        let (status, problem) = call(
            &s,
            Method::POST,
            "/planner/offers",
            Some(&t),
            Some(body.clone()),
        )
        .await;
        assert_eq!(status, 422, "{body}: {problem}");
    }
    let (status, _) = call(
        &s,
        Method::PATCH,
        &format!("/planner/offers/{id}"),
        Some(&t),
        Some(json!({})),
    )
    .await;
    assert_eq!(status, 422);

    let enquiries = ok(&s, Method::GET, "/planner/offers/1/enquiries", &t, None).await;
    assert_eq!(enquiries["numberMatched"], 1);
    let enquiry = &enquiries["items"][0];
    assert_eq!(enquiry["contact"], "investor.geheim@example.org");
    assert!(enquiry["forwarded_at"].is_null());
    let eid = enquiry["id"].as_i64().unwrap();
    let forwarded = ok(
        &s,
        Method::POST,
        &format!("/planner/enquiries/{eid}/forward"),
        &t,
        None,
    )
    .await;
    assert_eq!(forwarded["forwarded_by"], "Petra Planer");
    let (status, _) = call(
        &s,
        Method::POST,
        &format!("/planner/enquiries/{eid}/forward"),
        Some(&t),
        None,
    )
    .await;
    assert_eq!(status, 409);
    let (status, _) = call(
        &s,
        Method::GET,
        "/planner/offers/999/enquiries",
        Some(&t),
        None,
    )
    .await;
    assert_eq!(status, 404);

    let actions: Vec<String> = audit_actions(&pool, "offer", id)
        .await
        .into_iter()
        .map(|(_, action)| action)
        .collect();
    assert_eq!(
        actions,
        [
            "offer.create",
            "offer.published",
            "offer.update",
            "offer.withdrawn"
        ]
    );
}

/// `ogrinfo -ro -al -so FILE`; the test fails when GDAL cannot read the file.
fn ogrinfo(path: &std::path::Path) -> String {
    let output = std::process::Command::new("ogrinfo")
        .args(["-ro", "-al", "-so"])
        .arg(path)
        .output()
        .expect("ogrinfo runs");
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "ogrinfo {}: {}{}",
        path.display(),
        text,
        String::from_utf8_lossy(&output.stderr)
    );
    text
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn exports_are_csv_and_geopackage_that_gdal_reads(pool: PgPool) {
    let s = common::start(pool).await;
    let t = s.token("planer").await;
    let dir = tempfile::tempdir().unwrap();

    let response = s
        .client
        .get(s.url("/planner/export/verdicts.csv?class=vacant"))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    assert!(response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("verdicts.csv"));
    let body = response.bytes().await.unwrap();
    let mut reader = csv::Reader::from_reader(&body[..]);
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(header[0], "id");
    assert_eq!(header.last().unwrap(), "wkt");
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(&rows[0][0], "DETHFIXTUREB0001");
    assert!(rows[0][header.len() - 1].starts_with("MULTIPOLYGON"));
    let csv_path = dir.path().join("verdicts.csv");
    std::fs::write(&csv_path, &body).unwrap();
    let info = ogrinfo(&csv_path);
    assert!(info.contains("Feature Count: 2"), "{info}");

    for name in [
        "verdicts",
        "vacancy",
        "plots",
        "offers",
        "teilkultur",
        "reports",
        "districts",
        "parcels",
    ] {
        let response = s
            .client
            .get(s.url(&format!("/planner/export/{name}.gpkg")))
            .bearer_auth(&t)
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            200,
            "{name}.gpkg: {:?}",
            response.text().await
        );
        assert_eq!(
            response.headers()["content-type"],
            "application/geopackage+sqlite3"
        );
        let path = dir.path().join(format!("{name}.gpkg"));
        std::fs::write(&path, response.bytes().await.unwrap()).unwrap();
        let info = ogrinfo(&path);
        assert!(info.contains(&format!("Layer name: {name}")), "{info}");
        assert!(
            info.contains("EPSG\",25832") || info.contains("25832"),
            "{info}"
        );
        let expected = match name {
            "verdicts" => 7,
            "vacancy" | "offers" | "teilkultur" | "reports" => 1,
            "plots" | "districts" => 2,
            _ => 9,
        };
        assert!(
            info.contains(&format!("Feature Count: {expected}")),
            "{name}: {info}"
        );

        let response = s
            .client
            .get(s.url(&format!("/planner/export/{name}.csv")))
            .bearer_auth(&t)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{name}.csv");
        let text = response.text().await.unwrap();
        assert_eq!(text.lines().count(), expected + 1, "{name}.csv: {text}");
    }
    let reports = ogrinfo(&dir.path().join("reports.gpkg"));
    assert!(reports.contains("Geometry: Point"), "{reports}");
    // The public collections' exports hold only public columns.
    let parcels = std::fs::read(dir.path().join("vacancy.gpkg")).unwrap();
    assert!(!String::from_utf8_lossy(&parcels).contains("Mustermann"));

    for (path, status) in [
        ("/planner/export/owners.csv", 404),
        ("/planner/export/verdicts.xlsx", 404),
        ("/planner/export/verdicts", 404),
        ("/planner/export/plots.csv?class=vacant", 400),
        ("/planner/export/verdicts.csv?class=ruin", 400),
        ("/planner/export/verdicts.csv?owner=x", 400),
    ] {
        let (got, body) = call(&s, Method::GET, path, Some(&t), None).await;
        assert_eq!(got, status, "{path}: {body}");
    }
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn hostile_bodies_get_4xx_never_5xx(pool: PgPool) {
    let s = common::start(pool.clone()).await;
    let t = s.token("planer").await;
    let long = "x".repeat(4001);
    let cases: Vec<(Method, &str, Value)> = vec![
        (
            Method::POST,
            "/planner/verdicts/building/DETHFIXTUREB0001/override",
            json!({"class": "vacant", "note": "x", "author": "someone else"}),
        ),
        (
            Method::POST,
            "/planner/verdicts/building/DETHFIXTUREB0001/override",
            json!({"class": 3, "note": "x"}),
        ),
        (
            Method::POST,
            "/planner/verdicts/building/DETHFIXTUREB0001/override",
            json!({"class": "vacant", "note": long}),
        ),
        (
            Method::POST,
            "/planner/verdicts/building/DETHFIXTUREB0001/override",
            json!({"class": "vacant", "note": ""}),
        ),
        (
            Method::POST,
            "/planner/verdicts/building/DETHFIXTUREB0001/override",
            json!({"class": "vacant'; DROP TABLE verdict; --", "note": "x"}),
        ),
        (
            Method::POST,
            "/planner/verdicts/building/DETHFIXTUREB0001/override",
            json!({"class": "vacant", "note": "a\u{0}b"}),
        ),
        (
            Method::POST,
            "/planner/verdicts/building/DETHFIXTUREB0001/override",
            json!([1, 2, 3]),
        ),
        (
            Method::POST,
            "/planner/verdicts/building/DETHFIXTUREB0001/override",
            json!(null),
        ),
        (
            Method::POST,
            "/planner/reports/2/moderate",
            json!({"decision": "approve", "public_text": "x".repeat(2001)}),
        ),
        (
            Method::POST,
            "/planner/reports/2/moderate",
            json!({"decision": ["approve"]}),
        ),
        (
            Method::POST,
            "/planner/reports/abc/moderate",
            json!({"decision": "reject"}),
        ),
        (
            Method::POST,
            "/planner/reports/99999999999999999999/moderate",
            json!({"decision": "reject"}),
        ),
        (
            Method::POST,
            "/planner/cases",
            json!({"kind": "parcel", "alkis_id": "DETHFIXTUREP0007", "status": "consent"}),
        ),
        (
            Method::POST,
            "/planner/cases",
            json!({"kind": "parcel", "alkis_id": 7}),
        ),
        (
            Method::POST,
            "/planner/cases",
            json!({"kind": "parcel", "alkis_id": "DETHFIXTUREP0007", "note": long}),
        ),
        (
            Method::POST,
            "/planner/cases",
            json!({"kind": "street", "alkis_id": "DETHFIXTUREP0007"}),
        ),
        (
            Method::POST,
            "/planner/cases/1/status",
            json!({"status": "owner_answered", "note": "x".repeat(4001)}),
        ),
        (
            Method::POST,
            "/planner/cases/1/status",
            json!({"status": "done"}),
        ),
        (
            Method::POST,
            "/planner/cases/1/status",
            json!({"status": "owner_answered", "at": "2020-01-01"}),
        ),
        (
            Method::POST,
            "/planner/consents",
            json!({"announced_on": 20240101, "town": "16068051"}),
        ),
        (
            Method::POST,
            "/planner/consents",
            json!({"announced_on": "2024-01-01", "parcels": "DETHFIXTUREP0007"}),
        ),
        (
            Method::POST,
            "/planner/offers",
            json!({"parcel": "DETHFIXTUREP0004", "kind": "gift", "title": "x"}),
        ),
        (
            Method::POST,
            "/planner/offers",
            json!({"parcel": "DETHFIXTUREP0004", "kind": "sale", "title": "x", "price_eur": "teuer"}),
        ),
        (
            Method::POST,
            "/planner/offers",
            json!({"parcel": "DETHFIXTUREP0004", "kind": "sale", "title": "x", "status": "published"}),
        ),
        (
            Method::PATCH,
            "/planner/offers/1",
            json!({"status": "published"}),
        ),
        (
            Method::PATCH,
            "/planner/offers/1",
            json!({"description": "x".repeat(4001)}),
        ),
    ];
    for (method, path, body) in cases {
        let (status, problem) = call(&s, method.clone(), path, Some(&t), Some(body.clone())).await;
        assert!(
            status.is_client_error(),
            "{method} {path} {body}: {status} {problem}"
        );
        assert!(problem["detail"].is_string(), "{problem}");
    }

    // Ten megabytes, not JSON, no body at all.
    let big = format!(
        "{{\"class\": \"vacant\", \"note\": \"{}\"}}",
        "x".repeat(10 * 1024 * 1024)
    );
    for (content_type, body) in [
        ("application/json", big),
        ("application/json", "{\"class\": \"vacant\", ".to_owned()),
        (
            "text/plain",
            "{\"class\": \"vacant\", \"note\": \"x\"}".to_owned(),
        ),
        ("application/json", String::new()),
    ] {
        let response = s
            .client
            .post(s.url("/planner/verdicts/building/DETHFIXTUREB0001/override"))
            .bearer_auth(&t)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await;
        // The server may close the connection on an oversized body before reading it all.
        if let Ok(response) = response {
            assert!(
                response.status().is_client_error(),
                "{content_type}: {}",
                response.status()
            );
        }
    }
    // Deeply nested JSON.
    let nested = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let response = s
        .client
        .post(s.url("/planner/cases"))
        .bearer_auth(&t)
        .header("content-type", "application/json")
        .body(nested)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_client_error(), "{}", response.status());

    // None of it changed anything.
    let overrides: i64 = sqlx::query_scalar("SELECT count(*) FROM verdict_override")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(overrides, 1);
    let audit: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(audit, 0);
}

/// Whether a JSON answer (or an export's text) mentions a Sömmerda object of the fixture.
fn mentions_soemmerda(value: &Value) -> bool {
    let text = value.to_string();
    text.contains("DETHFIXTURE") || text.contains("Sömmerda") || text.contains("16068051")
}

/// The rows a table holds, as text: what a refused write must leave as it was.
async fn snapshot(pool: &PgPool) -> Vec<String> {
    let mut rows = Vec::new();
    for table in [
        "verdict_override",
        "planner_case",
        "case_event",
        "publication_consent",
        "offer",
        "enquiry",
        "citizen_report",
    ] {
        let text: Option<String> = sqlx::query_scalar(&format!(
            "SELECT string_agg(t::text, '|' ORDER BY t::text) FROM {table} t"
        ))
        .fetch_one(pool)
        .await
        .unwrap();
        rows.push(format!("{table}: {}", text.unwrap_or_default()));
    }
    rows
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town", "kindelbrueck"))]
async fn a_kindelbrueck_planner_sees_and_changes_nothing_of_soemmerda(pool: PgPool) {
    let s = common::start(pool.clone()).await;
    let token = s.token("kplaner").await;
    let me = ok(&s, Method::GET, "/planner/me", &token, None).await;
    assert_eq!(me["towns"], json!({"some": ["16068064"]}), "{me}");
    let before = snapshot(&pool).await;
    let mut refused = 0;
    for (method, path, body) in routes() {
        let (status, value) = call(&s, method.clone(), path, Some(&token), body).await;
        let lists = [
            "/planner/verdicts",
            "/planner/verdicts?f=geojson",
            "/planner/reports",
            "/planner/cases",
            "/planner/offers",
            "/planner/export/verdicts.csv",
        ];
        if method == Method::GET && lists.contains(&path) {
            assert_eq!(status, 200, "{method} {path}: {value}");
            assert!(!mentions_soemmerda(&value), "{method} {path}: {value}");
        } else if path == "/planner/export/plots.gpkg" || path == "/planner/me" {
            // The public plots collection, which anyone may download; the planner.
            assert_eq!(status, 200, "{method} {path}");
        } else if path == "/planner/password" {
            // The planner's own password.
            assert_eq!(status, 204, "{method} {path}: {value}");
        } else if path == "/planner/audit" || path.starts_with("/planner/privacy/") {
            // For administrators of every town.
            assert_eq!(status, 403, "{method} {path}: {value}");
        } else if method == Method::GET {
            assert_eq!(status, 404, "{method} {path}: {value}");
            // The answer for a missing object (which names only the id asked for).
            assert!(
                value["detail"].as_str().unwrap().starts_with("no ")
                    && value.as_object().unwrap().len() == 4,
                "{method} {path}: {value}"
            );
            refused += 1;
        } else {
            assert_eq!(status, 403, "{method} {path}: {value}");
            assert!(!mentions_soemmerda(&value), "{method} {path}: {value}");
            refused += 1;
        }
    }
    assert_eq!(
        snapshot(&pool).await,
        before,
        "a refused request changed nothing"
    );
    // Every refusal is audited with the attempt.
    let audited: Vec<(String, String, Value)> = sqlx::query_as(
        "SELECT actor, action, details FROM audit_log WHERE action = 'refused' ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(audited.len(), refused, "{audited:?}");
    assert!(audited.iter().all(|(actor, _, d)| actor == "kplaner"
        && d["town"] == "16068051"
        && d["reason"] == "town"));
    let attempts: Vec<&str> = audited
        .iter()
        .map(|(_, _, d)| d["attempted"].as_str().unwrap())
        .collect();
    assert!(
        attempts.contains(&"POST /planner/cases/1/status"),
        "{attempts:?}"
    );
    assert!(
        attempts.contains(&"GET /planner/offers/1/enquiries"),
        "{attempts:?}"
    );

    // A whole-town notice for Sömmerda, a Sömmerda building in a Kindelbrück offer, a
    // percent-encoded id: refused as well.
    let (status, _) = call(
        &s,
        Method::POST,
        "/planner/consents",
        Some(&token),
        Some(json!({"announced_on": "2024-01-01", "town": "16068051"})),
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = call(
        &s,
        Method::POST,
        "/planner/offers",
        Some(&token),
        Some(
            json!({"parcel": "DETHKINDELP00020", "building": "DETHFIXTUREB0001",
                    "kind": "sale", "title": "x"}),
        ),
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = call(&s, Method::GET, "/planner/cases/%31", Some(&token), None).await;
    assert_eq!(status, 404);
    // Another town's object answers like a missing one.
    let (_, other) = call(&s, Method::GET, "/planner/offers/1", Some(&token), None).await;
    let (status, missing) = call(&s, Method::GET, "/planner/offers/999", Some(&token), None).await;
    assert_eq!(status, 404);
    assert_eq!(
        other["detail"].as_str().unwrap().replace('1', "999"),
        missing["detail"]
    );
    let (_, other) = call(
        &s,
        Method::GET,
        "/planner/verdicts/building/DETHFIXTUREB0001",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(other["detail"], "no building \"DETHFIXTUREB0001\"");
    assert_eq!(snapshot(&pool).await, before);

    // Their own town answers as before.
    let list = ok(&s, Method::GET, "/planner/verdicts", &token, None).await;
    assert_eq!(list["numberMatched"], 1, "{list}");
    assert_eq!(list["items"][0]["alkis_id"], "DETHKINDELB00020");
    let detail = ok(
        &s,
        Method::GET,
        "/planner/verdicts/building/DETHKINDELB00020",
        &token,
        None,
    )
    .await;
    assert_eq!(detail["owners"][0]["name"], "Kurt Kindelbrücker");
    for (path, expected) in [
        ("/planner/reports", 20),
        ("/planner/cases", 20),
        ("/planner/offers", 20),
    ] {
        let list = ok(&s, Method::GET, path, &token, None).await;
        assert_eq!(list["numberMatched"], 1, "{path}: {list}");
        assert_eq!(list["items"][0]["id"], expected, "{path}: {list}");
    }
    ok(&s, Method::GET, "/planner/cases/20", &token, None).await;
    ok(
        &s,
        Method::GET,
        "/planner/offers/20/enquiries",
        &token,
        None,
    )
    .await;
    ok(
        &s,
        Method::POST,
        "/planner/verdicts/building/DETHKINDELB00020/override",
        &token,
        Some(json!({"class": "occupied", "note": "bewohnt"})),
    )
    .await;
    ok(
        &s,
        Method::POST,
        "/planner/cases/20/status",
        &token,
        Some(json!({"status": "owner_contacted"})),
    )
    .await;
    ok(
        &s,
        Method::PATCH,
        "/planner/offers/20",
        &token,
        Some(json!({"title": "Wohnhaus am Markt"})),
    )
    .await;
    ok(
        &s,
        Method::POST,
        "/planner/enquiries/20/forward",
        &token,
        None,
    )
    .await;
    ok(
        &s,
        Method::POST,
        "/planner/reports/20/moderate",
        &token,
        Some(json!({"decision": "reject"})),
    )
    .await;
    ok(
        &s,
        Method::POST,
        "/planner/consents",
        &token,
        Some(json!({"announced_on": "2024-01-01", "town": "16068064"})),
    )
    .await;
    let csv = ok(
        &s,
        Method::GET,
        "/planner/export/verdicts.csv",
        &token,
        None,
    )
    .await;
    assert!(csv.as_str().unwrap().contains("DETHKINDELB00020"), "{csv}");
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town", "kindelbrueck"))]
async fn a_moderator_moderates_the_reports_of_their_town_and_nothing_else(pool: PgPool) {
    let s = common::start(pool.clone()).await;
    let token = s.token("moderator").await;
    let queue = ok(&s, Method::GET, "/planner/reports?status=all", &token, None).await;
    let ids: Vec<i64> = queue["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [1, 2], "Sömmerda's reports only: {queue}");
    for (method, path, body) in routes() {
        let (status, value) = call(&s, method.clone(), path, Some(&token), body).await;
        match path {
            "/planner/reports"
            | "/planner/reports/2/moderate"
            | "/planner/reports/2/photos/1"
            | "/planner/me"
            | "/planner/password" => {
                assert!(status.is_success(), "{method} {path}: {status} {value}");
            }
            _ => assert_eq!(status, 403, "{method} {path}: {value}"),
        }
    }
    let report: String = sqlx::query_scalar("SELECT status FROM citizen_report WHERE id = 2")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(report, "approved");
    // Kindelbrück's report is outside the moderator's town.
    let (status, _) = call(
        &s,
        Method::POST,
        "/planner/reports/20/moderate",
        Some(&token),
        Some(json!({"decision": "approve", "public_text": "x"})),
    )
    .await;
    assert_eq!(status, 403);
    let refused: Vec<(String, Value)> =
        sqlx::query_as("SELECT actor, details FROM audit_log WHERE action = 'refused' ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(refused.len(), routes().len() - 5 + 1, "{refused:?}");
    assert!(refused.iter().all(|(actor, _)| actor == "moderator"));
    assert_eq!(refused.last().unwrap().1["town"], "16068064");
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town", "kindelbrueck"))]
async fn the_alliance_office_sees_every_town(pool: PgPool) {
    let s = common::start(pool).await;
    let token = s.token("buero").await;
    let me = ok(&s, Method::GET, "/planner/me", &token, None).await;
    assert_eq!(me["towns"], "all", "{me}");
    let list = ok(&s, Method::GET, "/planner/verdicts", &token, None).await;
    assert_eq!(list["numberMatched"], 8, "{list}");
    let reports = ok(&s, Method::GET, "/planner/reports?status=all", &token, None).await;
    assert_eq!(reports["numberMatched"], 3);
    // An administrator of one town reads no audit log: its rows span the towns.
    workflow::users::create_user(
        &s.pool,
        "kadmin",
        "",
        workflow::users::Role::Admin,
        &workflow::users::Towns::Some(vec!["16068064".to_owned()]),
        None,
    )
    .await
    .unwrap();
    let kadmin = s.token("kadmin").await;
    let (status, _) = call(&s, Method::GET, "/planner/audit", Some(&kadmin), None).await;
    assert_eq!(status, 403);
    for path in [
        "/planner/verdicts/building/DETHFIXTUREB0001",
        "/planner/verdicts/building/DETHKINDELB00020",
        "/planner/cases/1",
        "/planner/cases/20",
        "/planner/offers/1",
        "/planner/offers/20",
    ] {
        ok(&s, Method::GET, path, &token, None).await;
    }
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town", "kindelbrueck"))]
async fn logout_and_revocation_end_a_token_and_the_scheme_is_case_insensitive(pool: PgPool) {
    let s = common::start(pool.clone()).await;
    let token = s.token("kplaner").await;
    let lower = s
        .client
        .get(s.url("/planner/me"))
        .header("authorization", format!("bearer {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(lower.status(), 200);
    let (status, _) = call(&s, Method::POST, "/planner/logout", Some(&token), None).await;
    assert_eq!(status, 204);
    let (status, _) = call(&s, Method::GET, "/planner/me", Some(&token), None).await;
    assert_eq!(status, 401);
    let (status, _) = call(&s, Method::POST, "/planner/logout", Some(&token), None).await;
    assert_eq!(status, 401);

    let (a, b) = (s.token("buero").await, s.token("buero").await);
    let revoked = workflow::users::revoke_tokens(&pool, "buero")
        .await
        .unwrap();
    assert_eq!(revoked, 2);
    for t in [a, b] {
        let (status, _) = call(&s, Method::GET, "/planner/verdicts", Some(&t), None).await;
        assert_eq!(status, 401);
    }
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town", "kindelbrueck"))]
async fn a_login_token_expires_after_the_configured_session_length(pool: PgPool) {
    let s = common::start_with(pool.clone(), |c| {
        c.session_length = std::time::Duration::from_secs(2);
    })
    .await;
    workflow::users::create_user(
        &pool,
        "kurz",
        "",
        workflow::users::Role::Planner,
        &workflow::users::Towns::Some(vec!["16068064".to_owned()]),
        Some("correct horse battery"),
    )
    .await
    .unwrap();
    let session = ok(
        &s,
        Method::POST,
        "/planner/login",
        "",
        Some(json!({"login": "kurz", "password": "correct horse battery"})),
    )
    .await;
    let token = session["token"].as_str().unwrap();
    assert_eq!(session["user"]["towns"], json!({"some": ["16068064"]}));
    let (status, _) = call(&s, Method::GET, "/planner/verdicts", Some(token), None).await;
    assert_eq!(status, 200);
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let (status, _) = call(&s, Method::GET, "/planner/verdicts", Some(token), None).await;
    assert_eq!(status, 401);
}
