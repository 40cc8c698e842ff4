//! The workflow against a real PostGIS: accounts and tokens, a case moving through its
//! statuses, a citizen report submitted and moderated.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use model::{AlkisId, CaseStatus, SubjectKind};
use sqlx::PgPool;
use workflow::reports::{Decision, NewReport};
use workflow::users::{self, Role};
use workflow::{cases, reports, Error};

async fn planner(pool: &PgPool, login: &str) -> users::Account {
    users::create_user(pool, login, "", Role::Planner, &users::Towns::All, None)
        .await
        .unwrap();
    users::active_account(pool, Some(login))
        .await
        .unwrap()
        .unwrap()
}

async fn audit_actions(pool: &PgPool, table: &str, id: i64) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT actor, action FROM audit_log WHERE subject_table = $1 AND subject_id = $2
          ORDER BY id",
    )
    .bind(table)
    .bind(id)
    .fetch_all(pool)
    .await
    .unwrap()
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn a_user_logs_in_with_the_password_and_is_known_by_the_token(pool: PgPool) {
    let id = users::create_user(
        &pool,
        "petra",
        "  Petra Planer ",
        Role::Admin,
        &users::Towns::All,
        Some("correct horse battery"),
    )
    .await
    .unwrap();

    let user = users::check_login(&pool, "petra", "correct horse battery")
        .await
        .unwrap()
        .expect("the right password logs in");
    assert_eq!(user.id, id);
    assert_eq!(user.display_name, "Petra Planer");
    assert_eq!(user.role, Role::Admin);
    assert!(users::check_login(&pool, "petra", "correct horse batterY")
        .await
        .unwrap()
        .is_none());
    assert!(users::check_login(&pool, "nobody", "correct horse battery")
        .await
        .unwrap()
        .is_none());

    let token = users::issue_token(&pool, "petra", "notebooks", None)
        .await
        .unwrap();
    let stored: String = sqlx::query_scalar("SELECT token_hash FROM api_token WHERE user_id = $1")
        .bind(id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_ne!(stored, token, "only the hash is stored");
    let known = users::authenticate(&pool, &token).await.unwrap().unwrap();
    assert_eq!(known, user);
    assert!(users::authenticate(&pool, "lst_unknown")
        .await
        .unwrap()
        .is_none());

    sqlx::query("UPDATE api_token SET revoked_at = now() WHERE user_id = $1")
        .bind(id)
        .execute(&pool)
        .await
        .unwrap();
    assert!(users::authenticate(&pool, &token).await.unwrap().is_none());

    assert_eq!(
        users::active_account(&pool, None)
            .await
            .unwrap()
            .unwrap()
            .login,
        "petra",
        "without a login, the first administrator"
    );
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn accounts_refuse_bad_logins_weak_passwords_and_duplicates(pool: PgPool) {
    let bad = users::create_user(&pool, "Petra", "", Role::Planner, &users::Towns::All, None).await;
    assert!(matches!(bad, Err(Error::BadLogin(_))), "{bad:?}");
    let weak = users::create_user(
        &pool,
        "petra",
        "",
        Role::Planner,
        &users::Towns::All,
        Some("short"),
    )
    .await;
    assert!(matches!(weak, Err(Error::WeakPassword)), "{weak:?}");
    users::create_user(&pool, "petra", "", Role::Planner, &users::Towns::All, None)
        .await
        .unwrap();
    let again =
        users::create_user(&pool, "petra", "", Role::Planner, &users::Towns::All, None).await;
    assert!(matches!(again, Err(Error::UserExists(_))), "{again:?}");
    let missing = users::issue_token(&pool, "paul", "cli", None).await;
    assert!(matches!(missing, Err(Error::NoSuchUser(_))), "{missing:?}");
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("street"))]
async fn a_case_moves_only_along_its_transitions_and_consent_is_recorded(pool: PgPool) {
    let petra = planner(&pool, "petra").await;
    let building: AlkisId = "DETHWORKFLOWB001".parse().unwrap();
    let case = cases::open(
        &pool,
        petra.actor(),
        SubjectKind::Building,
        &building,
        "Fenster vernagelt",
    )
    .await
    .unwrap();
    let again = cases::open(&pool, petra.actor(), SubjectKind::Building, &building, "").await;
    match again {
        Err(Error::Conflict(m)) => {
            assert_eq!(m, format!("case {case} about this building is still open"))
        }
        other => panic!("{other:?}"),
    }

    let skipped = cases::change_status(&pool, petra.actor(), case, CaseStatus::Consent, "").await;
    match skipped {
        Err(Error::Conflict(m)) => assert_eq!(
            m,
            "case status cannot change from new to consent; allowed: owner_contacted, closed"
        ),
        other => panic!("{other:?}"),
    }
    for to in [
        CaseStatus::OwnerContacted,
        CaseStatus::OwnerAnswered,
        CaseStatus::Consent,
    ] {
        cases::change_status(&pool, petra.actor(), case, to, "weiter")
            .await
            .unwrap();
    }

    let status: String = sqlx::query_scalar("SELECT status FROM planner_case WHERE id = $1")
        .bind(case)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(status, "consent");
    let events: Vec<(String, String)> = sqlx::query_as(
        "SELECT from_status, to_status FROM case_event WHERE case_id = $1 ORDER BY id",
    )
    .bind(case)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        events,
        [
            ("new".to_owned(), "owner_contacted".to_owned()),
            ("owner_contacted".to_owned(), "owner_answered".to_owned()),
            ("owner_answered".to_owned(), "consent".to_owned()),
        ]
    );
    // The building's parcel is now published on the owner's consent.
    let basis: String = sqlx::query_scalar(
        "SELECT basis FROM publication_consent WHERE parcel_id = 1 AND consent_on IS NOT NULL",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(basis, "owner_consent");
    let actions = audit_actions(&pool, "planner_case", case).await;
    assert_eq!(
        actions.iter().map(|(_, a)| a.as_str()).collect::<Vec<_>>(),
        ["case.open", "case.status", "case.status", "case.status"]
    );
    assert!(actions.iter().all(|(actor, _)| actor == "petra"));

    let missing = cases::change_status(&pool, petra.actor(), 999, CaseStatus::Closed, "").await;
    assert!(matches!(missing, Err(Error::NotFound(m)) if m == "no case 999"));
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("street"))]
async fn a_report_is_submitted_inside_the_towns_and_moderated(pool: PgPool) {
    let (lon, lat): (f64, f64) = sqlx::query_as(
        "SELECT ST_X(g), ST_Y(g)
           FROM (SELECT ST_Transform(ST_SetSRID(ST_MakePoint(648030, 5669912), 25832), 4326) g) p",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let report = NewReport {
        lon,
        lat,
        category: "vacant_building",
        text: "  Steht leer  ",
        contact: Some(" "),
        photos: &[],
    };
    let id = reports::submit(&pool, &report).await.unwrap();
    let stored: (String, String, Option<String>, Option<i64>) = sqlx::query_as(
        "SELECT status, body, contact, building_id FROM citizen_report WHERE id = $1",
    )
    .bind(id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        stored,
        ("pending".to_owned(), "Steht leer".to_owned(), None, Some(1))
    );
    let far = reports::submit(
        &pool,
        &NewReport {
            lon: lon + 0.5,
            ..report.clone()
        },
    )
    .await;
    assert!(matches!(far, Err(Error::Invalid(m)) if m == "the point lies outside the four towns"));
    let odd = reports::submit(
        &pool,
        &NewReport {
            category: "ufo",
            ..report
        },
    )
    .await;
    assert!(matches!(odd, Err(Error::Invalid(_))), "{odd:?}");

    let moderator = planner(&pool, "petra").await;
    let bare = reports::moderate(&pool, moderator.actor(), 1, Decision::Approve, None).await;
    assert!(
        matches!(bare, Err(Error::Invalid(m)) if m == "approving needs the public_text the map shows")
    );
    reports::moderate(
        &pool,
        moderator.actor(),
        1,
        Decision::Approve,
        Some(" Leerstehendes Wohnhaus "),
    )
    .await
    .unwrap();
    let moderated: (String, Option<String>, Option<i64>) =
        sqlx::query_as("SELECT status, public_text, moderated_by FROM citizen_report WHERE id = 1")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(
        moderated,
        (
            "approved".to_owned(),
            Some("Leerstehendes Wohnhaus".to_owned()),
            Some(moderator.id)
        )
    );
    let public: Vec<String> = sqlx::query_scalar("SELECT text FROM published.report")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(public, ["Leerstehendes Wohnhaus"]);
    assert_eq!(
        audit_actions(&pool, "citizen_report", 1).await,
        [("petra".to_owned(), "report.moderate".to_owned())]
    );

    let missing = reports::moderate(&pool, moderator.actor(), 999, Decision::Reject, None).await;
    assert!(matches!(missing, Err(Error::NotFound(m)) if m == "no report 999"));
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("street"))]
async fn an_offer_moves_between_draft_published_and_withdrawn(pool: PgPool) {
    use workflow::offers::{self, NewOffer, OfferChange};

    let petra = planner(&pool, "petra").await;
    let parcel: AlkisId = "DETHWORKFLOWP002".parse().unwrap();
    let building: AlkisId = "DETHWORKFLOWB001".parse().unwrap();
    let offer = NewOffer {
        parcel: &parcel,
        building: Some(&building),
        kind: model::OfferKind::Sale,
        title: "Baulücke",
        description: "",
        price_eur: Some(45_000.0),
        zoning_note: "",
    };
    let elsewhere = offers::create(&pool, petra.actor(), &offer).await;
    assert!(
        matches!(&elsewhere, Err(Error::Invalid(m))
            if m == "building DETHWORKFLOWB001 does not stand on parcel DETHWORKFLOWP002"),
        "{elsewhere:?}"
    );
    let id = offers::create(
        &pool,
        petra.actor(),
        &NewOffer {
            building: None,
            ..offer
        },
    )
    .await
    .unwrap();
    let nothing = offers::update(&pool, petra.actor(), id, &OfferChange::default()).await;
    assert!(matches!(nothing, Err(Error::Invalid(m)) if m == "nothing to change"));
    offers::update(
        &pool,
        petra.actor(),
        id,
        &OfferChange {
            price_eur: Some(None),
            ..OfferChange::default()
        },
    )
    .await
    .unwrap();

    offers::publish(&pool, petra.actor(), id).await.unwrap();
    let twice = offers::publish(&pool, petra.actor(), id).await;
    assert!(
        matches!(&twice, Err(Error::Conflict(m)) if *m == format!("offer {id} is published; it cannot become published")),
        "{twice:?}"
    );
    // Published, but the parcel is not released: no enquiries yet.
    let early = offers::enquire(&pool, id, "Interesse", "investor@example.org").await;
    assert!(matches!(early, Err(Error::NotFound(m)) if m == format!("no published offer {id}")));
    offers::withdraw(&pool, petra.actor(), id).await.unwrap();

    let (status, price): (String, Option<f64>) =
        sqlx::query_as("SELECT status, price_eur::float8 FROM offer WHERE id = $1")
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((status.as_str(), price), ("withdrawn", None));
    assert_eq!(
        audit_actions(&pool, "offer", id)
            .await
            .into_iter()
            .map(|(_, a)| a)
            .collect::<Vec<_>>(),
        [
            "offer.create",
            "offer.update",
            "offer.published",
            "offer.withdrawn"
        ]
    );
}
