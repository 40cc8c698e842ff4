//! Verdicts for planners: the latest run's list (JSON or GeoJSON for the planner map), one
//! subject's full picture (evidence, owners, addresses, surveys, cases, publication), and
//! overrides, which outweigh the analysis until withdrawn.

use std::fmt::Write;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use model::{AlkisId, SubjectKind, VacancyClass};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sqlx::PgConnection;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::Required;
use utoipa::{IntoParams, ToSchema};
use workflow::subjects::column as subject_column;

use super::{Listing, Page};
use crate::auth::Planner;
use crate::openapi::{BodyErrors, Conflict, NotFound, PlannerErrors, Unprocessable, PLANNER};
use crate::problem::{Json, Path, Query};
use crate::{AppState, Problem};

/// The latest run's verdicts with what a planner filters and reads by; a subquery, so list,
/// map and export share it.
pub(crate) const VERDICTS_SQL: &str = "
SELECT CASE WHEN cv.building_id IS NOT NULL THEN 'building' ELSE 'parcel' END AS kind,
       coalesce(b.alkis_id, p.alkis_id)::text AS id,
       cv.class,
       cv.analysed_class,
       cv.override_id IS NOT NULL AS overridden,
       cv.score,
       cv.confidence::float8 AS confidence,
       p.kennzeichen::text AS kennzeichen,
       CASE WHEN b.id IS NOT NULL
            THEN (SELECT string_agg(a.street || ' ' || a.house_number::text || a.house_suffix, ', '
                                    ORDER BY a.street, a.house_number, a.house_suffix)
                    FROM address a WHERE a.building_id = b.id)
            ELSE (SELECT string_agg(a.street || ' ' || a.house_number::text || a.house_suffix, ', '
                                    ORDER BY a.street, a.house_number, a.house_suffix)
                    FROM address a WHERE a.parcel_id = p.id)
       END AS address,
       p.ags::text AS ags,
       m.name AS town,
       d.name AS district,
       cv.as_of,
       coalesce(b.geom, p.geom) AS geom
  FROM current_verdict cv
  LEFT JOIN building b ON b.id = cv.building_id
  LEFT JOIN parcel p ON p.id = coalesce(cv.parcel_id, b.parcel_id)
  LEFT JOIN municipality m ON m.ags = p.ags
  LEFT JOIN district d ON d.id = p.district_id";

/// The columns of [`VERDICTS_SQL`] besides `id` and `geom`, with their JSON schema types.
pub(crate) const VERDICT_PROPERTIES: &[(&str, &str)] = &[
    ("kind", "string"),
    ("class", "string"),
    ("analysed_class", "string"),
    ("overridden", "boolean"),
    ("score", "number"),
    ("confidence", "number"),
    ("kennzeichen", "string"),
    ("address", "string"),
    ("ags", "string"),
    ("town", "string"),
    ("district", "string"),
    ("as_of", "string"),
];

/// The filters of the verdict list and its export.
#[derive(Debug, Default, Clone, Deserialize)]
pub(crate) struct VerdictFilter {
    pub class: Option<String>,
    pub kind: Option<String>,
    /// AGS or town name.
    pub town: Option<String>,
    /// District (Ortsteil) name.
    pub district: Option<String>,
}

impl VerdictFilter {
    pub(crate) fn check(self) -> Result<Self, Problem> {
        // An empty form field means no filter.
        let blank = |v: Option<String>| v.filter(|v| !v.is_empty());
        let filter = Self {
            class: blank(self.class),
            kind: blank(self.kind),
            town: blank(self.town),
            district: blank(self.district),
        };
        filter.checked()
    }

    fn checked(self) -> Result<Self, Problem> {
        if let Some(class) = &self.class {
            class
                .parse::<VacancyClass>()
                .map_err(|e| Problem::bad_request(e.to_string()))?;
        }
        if let Some(kind) = &self.kind {
            if kind != "building" && kind != "parcel" {
                return Err(Problem::bad_request("kind must be building or parcel"));
            }
        }
        super::filter("town", self.town.as_deref())?;
        super::filter("district", self.district.as_deref())?;
        Ok(self)
    }

    /// The condition over [`VERDICTS_SQL`]; binds `$1`–`$4` in the order of [`Self::binds`]
    /// and the planner's account id as `$5` (the planner's towns only).
    pub(crate) const CONDITION: &'static str = "($1::text IS NULL OR v.class = $1)
        AND ($2::text IS NULL OR v.kind = $2)
        AND ($3::text IS NULL OR v.ags = $3 OR v.town = $3)
        AND ($4::text IS NULL OR v.district = $4)
        AND planner_sees($5::bigint, v.ags)";

    pub(crate) fn binds(&self) -> [Option<&str>; 4] {
        [
            self.class.as_deref(),
            self.kind.as_deref(),
            self.town.as_deref(),
            self.district.as_deref(),
        ]
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct ListQuery {
    /// The verdict's class (an empty value means any).
    #[param(schema_with = crate::openapi::vacancy_class)]
    class: Option<String>,
    /// `building` or `parcel` (an empty value means any).
    #[param(schema_with = crate::openapi::subject_kind)]
    kind: Option<String>,
    /// AGS or town name.
    #[param(max_length = 200)]
    town: Option<String>,
    /// District (Ortsteil) name.
    #[param(max_length = 200)]
    district: Option<String>,
    #[serde(default = "super::default_limit")]
    #[param(minimum = 1, maximum = 1000, default = 100)]
    limit: i64,
    #[serde(default)]
    #[param(minimum = 0, maximum = 10_000_000, default = 0)]
    offset: i64,
    /// `json` (default) or `geojson` for the planner map.
    #[param(pattern = "^(json|geojson)$")]
    f: Option<String>,
}

/// The path parameters `kind` and `alkis_id` of a building or parcel.
#[derive(Debug)]
pub(crate) struct SubjectPath;

impl IntoParams for SubjectPath {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![
            ParameterBuilder::new()
                .name("kind")
                .parameter_in(ParameterIn::Path)
                .required(Required::True)
                .schema(Some(crate::openapi::subject_kind()))
                .build(),
            ParameterBuilder::new()
                .name("alkis_id")
                .parameter_in(ParameterIn::Path)
                .required(Required::True)
                .description(Some("The ALKIS id of the building or parcel."))
                .schema(Some(crate::openapi::alkis_id()))
                .build(),
        ]
    }
}

#[derive(Debug, Serialize, sqlx::FromRow, ToSchema)]
pub(crate) struct VerdictItem {
    kind: String,
    alkis_id: String,
    class: String,
    analysed_class: String,
    overridden: bool,
    score: f64,
    confidence: f64,
    kennzeichen: Option<String>,
    address: Option<String>,
    ags: Option<String>,
    town: Option<String>,
    district: Option<String>,
    as_of: Option<chrono::NaiveDate>,
}

/// `GET /planner/verdicts`: a page of the latest run's verdicts.
#[utoipa::path(get, path = "/planner/verdicts", tag = PLANNER, security(("bearer" = [])), params(ListQuery),
    responses((status = 200, description = "A page of verdicts; with `f=geojson` a FeatureCollection for the map.",
               content((Listing<VerdictItem> = "application/json"), (Value = "application/geo+json"))),
              PlannerErrors))]
pub(crate) async fn list(
    planner: Planner,
    State(state): State<AppState>,
    Query(q): Query<ListQuery>,
) -> Result<Response, Problem> {
    let page = Page {
        limit: q.limit,
        offset: q.offset,
    }
    .check()?;
    let filter = VerdictFilter {
        class: q.class,
        kind: q.kind,
        town: q.town,
        district: q.district,
    }
    .check()?;
    let geojson = match q.f.as_deref() {
        None | Some("json") => false,
        Some("geojson") => true,
        Some(_) => return Err(Problem::bad_request("f must be json or geojson")),
    };
    let condition = VerdictFilter::CONDITION;
    let count_sql = format!("SELECT count(*) FROM ({VERDICTS_SQL}) v WHERE {condition}");
    let mut count = sqlx::query_scalar::<_, i64>(&count_sql);
    for b in filter.binds() {
        count = count.bind(b);
    }
    let matched = count.bind(planner.id).fetch_one(state.pool()).await?;
    if geojson {
        let mut props = String::new();
        for (i, (name, _)) in VERDICT_PROPERTIES.iter().enumerate() {
            if i > 0 {
                props.push_str(", ");
            }
            let _ = write!(props, "'{name}', v.{name}");
        }
        let sql = format!(
            "SELECT json_build_object('type', 'Feature', 'id', v.id,
                    'geometry', ST_AsGeoJSON(ST_Transform(v.geom, 4326), 7)::json,
                    'properties', json_build_object({props}))::text
               FROM ({VERDICTS_SQL}) v WHERE {condition}
              ORDER BY v.kind, v.id LIMIT $6 OFFSET $7"
        );
        let mut query = sqlx::query_scalar::<_, String>(&sql);
        for b in filter.binds() {
            query = query.bind(b);
        }
        let features = query
            .bind(planner.id)
            .bind(page.limit)
            .bind(page.offset)
            .fetch_all(state.pool())
            .await?;
        return Ok(crate::features::feature_collection(
            &features,
            Some(matched),
        ));
    }
    let sql = format!(
        "SELECT v.kind, v.id AS alkis_id, v.class, v.analysed_class, v.overridden, v.score,
                v.confidence, v.kennzeichen, v.address, v.ags, v.town, v.district, v.as_of
           FROM ({VERDICTS_SQL}) v WHERE {condition}
          ORDER BY v.kind, v.id LIMIT $6 OFFSET $7"
    );
    let mut query = sqlx::query_as::<_, VerdictItem>(&sql);
    for b in filter.binds() {
        query = query.bind(b);
    }
    let items = query
        .bind(planner.id)
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(state.pool())
        .await?;
    Ok(Json(Listing {
        items,
        matched,
        limit: page.limit,
        offset: page.offset,
    })
    .into_response())
}

/// An ALKIS id from a request; 400 when malformed.
pub(crate) fn parse_alkis_id(raw: &str) -> Result<AlkisId, Problem> {
    raw.parse()
        .map_err(|e: model::ModelError| Problem::bad_request(e.to_string()))
}

/// The database id of a building or parcel by ALKIS id; 400 for a malformed id, 404 for
/// an unknown one.
pub(crate) async fn subject_id(
    conn: &mut PgConnection,
    kind: SubjectKind,
    raw: &str,
) -> Result<i64, Problem> {
    let id = parse_alkis_id(raw)?;
    Ok(workflow::subjects::id(conn, kind, &id).await?)
}

/// One JSON value from a query that builds it, or `default` when there is no row.
async fn json_of(
    conn: &mut PgConnection,
    sql: &str,
    id: i64,
    default: Value,
) -> Result<Value, sqlx::Error> {
    let value: Option<Option<Value>> = sqlx::query_scalar(sql)
        .bind(id)
        .fetch_optional(conn)
        .await?;
    Ok(value.flatten().unwrap_or(default))
}

/// Everything a planner knows about one building or parcel.
pub(crate) async fn subject_detail(
    conn: &mut PgConnection,
    kind: SubjectKind,
    id: i64,
) -> Result<Value, sqlx::Error> {
    let column = subject_column(kind);
    let subject = match kind {
        SubjectKind::Building => {
            json_of(
                conn,
                "SELECT json_build_object(
                        'kind', 'building', 'alkis_id', b.alkis_id::text,
                        'function_code', b.function_code, 'storeys', b.storeys,
                        'dwellings', b.dwellings, 'parcel', p.alkis_id::text,
                        'kennzeichen', p.kennzeichen::text, 'ags', p.ags::text, 'town', m.name,
                        'district', d.name,
                        'geometry', ST_AsGeoJSON(ST_Transform(b.geom, 4326), 7)::json)
                   FROM building b
                   LEFT JOIN parcel p ON p.id = b.parcel_id
                   LEFT JOIN municipality m ON m.ags = p.ags
                   LEFT JOIN district d ON d.id = p.district_id
                  WHERE b.id = $1",
                id,
                Value::Null,
            )
            .await?
        }
        SubjectKind::Parcel => {
            json_of(
                conn,
                "SELECT json_build_object(
                        'kind', 'parcel', 'alkis_id', p.alkis_id::text,
                        'kennzeichen', p.kennzeichen::text, 'area_m2', p.official_area_m2,
                        'land_use', p.land_use, 'ags', p.ags::text, 'town', m.name,
                        'district', d.name,
                        'buildings', (SELECT coalesce(json_agg(json_build_object(
                                          'alkis_id', b.alkis_id::text,
                                          'function_code', b.function_code,
                                          'class', cv.class) ORDER BY b.alkis_id), '[]')
                                        FROM building b
                                        LEFT JOIN current_verdict cv ON cv.building_id = b.id
                                       WHERE b.parcel_id = p.id),
                        'geometry', ST_AsGeoJSON(ST_Transform(p.geom, 4326), 7)::json)
                   FROM parcel p
                   LEFT JOIN municipality m ON m.ags = p.ags
                   LEFT JOIN district d ON d.id = p.district_id
                  WHERE p.id = $1",
                id,
                Value::Null,
            )
            .await?
        }
    };
    // The parcel whose owners and publication apply.
    let parcel_id: Option<i64> = match kind {
        SubjectKind::Parcel => Some(id),
        SubjectKind::Building => {
            sqlx::query_scalar("SELECT parcel_id FROM building WHERE id = $1")
                .bind(id)
                .fetch_one(&mut *conn)
                .await?
        }
    };
    let verdict = json_of(
        conn,
        &format!(
            "SELECT json_build_object('run_id', run_id, 'as_of', as_of, 'class', class,
                    'analysed_class', analysed_class, 'score', score, 'confidence', confidence,
                    'evidence', evidence)
               FROM current_verdict WHERE {column} = $1"
        ),
        id,
        Value::Null,
    )
    .await?;
    let overrides = json_of(
        conn,
        &format!(
            "SELECT json_agg(json_build_object('id', o.id, 'class', o.class, 'note', o.note,
                    'author', u.display_name, 'author_login', u.login,
                    'created_at', o.created_at, 'withdrawn_at', o.withdrawn_at) ORDER BY o.id DESC)
               FROM verdict_override o JOIN app_user u ON u.id = o.author_id
              WHERE o.{column} = $1"
        ),
        id,
        json!([]),
    )
    .await?;
    let addresses = json_of(
        conn,
        &format!(
            "SELECT json_agg(json_build_object('alkis_id', a.alkis_id::text, 'street', a.street,
                    'house_number', a.house_number, 'house_suffix', a.house_suffix,
                    'postcode', a.postcode)
                    ORDER BY a.street, a.house_number, a.house_suffix)
               FROM address a WHERE a.{column} = $1"
        ),
        id,
        json!([]),
    )
    .await?;
    let survey_scope = match kind {
        SubjectKind::Building => {
            "f.building_id = $1 OR f.address_id IN (SELECT id FROM address WHERE building_id = $1)"
        }
        SubjectKind::Parcel => {
            "f.building_id IN (SELECT id FROM building WHERE parcel_id = $1)
             OR f.address_id IN (SELECT id FROM address WHERE parcel_id = $1)"
        }
    };
    let surveys = json_of(
        conn,
        &format!(
            "SELECT json_agg(json_build_object('surveyed_on', f.surveyed_on, 'finding', f.finding,
                    'dwellings', f.dwellings, 'vacant_dwellings', f.vacant_dwellings,
                    'condition', f.condition, 'note', f.note, 'surveyor', f.surveyor)
                    ORDER BY f.surveyed_on DESC, f.id DESC)
               FROM field_survey f WHERE {survey_scope}"
        ),
        id,
        json!([]),
    )
    .await?;
    let case_scope = match kind {
        SubjectKind::Building => {
            "c.building_id = $1 OR c.parcel_id = (SELECT parcel_id FROM building WHERE id = $1)"
        }
        SubjectKind::Parcel => {
            "c.parcel_id = $1 OR c.building_id IN (SELECT id FROM building WHERE parcel_id = $1)"
        }
    };
    let cases = json_of(
        conn,
        &format!(
            "SELECT json_agg(json_build_object('id', c.id, 'status', c.status,
                    'opened_at', c.opened_at,
                    'kind', CASE WHEN c.building_id IS NOT NULL THEN 'building' ELSE 'parcel' END)
                    ORDER BY c.id)
               FROM planner_case c WHERE {case_scope}"
        ),
        id,
        json!([]),
    )
    .await?;
    let reports = match kind {
        SubjectKind::Building => {
            json_of(
                conn,
                "SELECT json_agg(json_build_object('id', r.id, 'category', r.category,
                        'status', r.status, 'reported_at', r.reported_at) ORDER BY r.id)
                   FROM citizen_report r WHERE r.building_id = $1",
                id,
                json!([]),
            )
            .await?
        }
        SubjectKind::Parcel => json!([]),
    };
    let (owners, publication) = match parcel_id {
        Some(pid) => (
            json_of(
                conn,
                "SELECT json_agg(json_build_object('name', name, 'contact', contact) ORDER BY name)
                   FROM parcel_owner WHERE parcel_id = $1",
                pid,
                json!([]),
            )
            .await?,
            json_of(
                conn,
                "SELECT json_build_object('basis', c.basis, 'consent_on', c.consent_on,
                        'announced_on', c.announced_on, 'objection_on', c.objection_on,
                        'released_on', r.released_on, 'public', r.parcel_id IS NOT NULL)
                   FROM publication_consent c
                   LEFT JOIN parcel_release r ON r.parcel_id = c.parcel_id
                  WHERE c.parcel_id = $1",
                pid,
                Value::Null,
            )
            .await?,
        ),
        None => (json!([]), Value::Null),
    };

    let active = overrides
        .as_array()
        .and_then(|list| list.iter().find(|o| o["withdrawn_at"].is_null()))
        .cloned();
    let mut evidence = Vec::new();
    if let Some(o) = &active {
        // The planner's decision is evidence too, the weightiest, with the planner's name.
        evidence.push(json!({
            "source": "planner_override",
            "observed_on": o["created_at"].as_str().and_then(|s| s.get(..10)),
            "contribution": null,
            "author": o["author"],
            "summary": format!(
                "{}: {} – {}",
                o["author"].as_str().unwrap_or_default(),
                o["class"].as_str().unwrap_or_default(),
                o["note"].as_str().unwrap_or_default()
            ),
        }));
    }
    if let Some(items) = verdict["evidence"].as_array() {
        evidence.extend(items.iter().cloned());
    }
    Ok(json!({
        "subject": subject,
        "class": verdict["class"],
        "analysed_class": verdict["analysed_class"],
        "score": verdict["score"],
        "confidence": verdict["confidence"],
        "run_id": verdict["run_id"],
        "as_of": verdict["as_of"],
        "override": active,
        "evidence": evidence,
        "overrides": overrides,
        "owners": owners,
        "addresses": addresses,
        "surveys": surveys,
        "cases": cases,
        "reports": reports,
        "publication": publication,
    }))
}

/// `GET /planner/verdicts/{kind}/{alkis_id}`; owners, registers and surveys: a read that is
/// audited.
#[utoipa::path(get, path = "/planner/verdicts/{kind}/{alkis_id}", tag = PLANNER, security(("bearer" = [])), params(SubjectPath),
    responses((status = 200, description = "The building or parcel: verdict, evidence, owners, addresses, surveys, cases.",
               body = Value),
              PlannerErrors, NotFound))]
pub(crate) async fn detail(
    planner: Planner,
    State(state): State<AppState>,
    Path((kind, alkis_id)): Path<(SubjectKind, String)>,
) -> Result<Json<Value>, Problem> {
    let mut conn = state.pool().acquire().await?;
    let id = subject_id(&mut conn, kind, &alkis_id).await?;
    let detail = subject_detail(&mut conn, kind, id).await?;
    let table = workflow::subjects::kind_name(kind);
    super::audit_read(
        &mut *conn,
        &planner,
        (table, Some(id)),
        json!({"view": "verdict", "alkis_id": alkis_id}),
    )
    .await?;
    Ok(Json(detail))
}

/// The planner's class and the reason for it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct OverrideBody {
    #[schema(schema_with = crate::openapi::vacancy_class)]
    class: VacancyClass,
    note: String,
}

/// `POST /planner/verdicts/{kind}/{alkis_id}/override`: the planner's class replaces the
/// analysis' (and an active override) until withdrawn.
#[utoipa::path(post, path = "/planner/verdicts/{kind}/{alkis_id}/override", tag = PLANNER, security(("bearer" = [])), params(SubjectPath),
    request_body = OverrideBody,
    responses((status = 201, description = "The building or parcel with the override.", body = Value),
              PlannerErrors, BodyErrors, NotFound, Conflict, Unprocessable))]
pub(crate) async fn set_override(
    planner: Planner,
    State(state): State<AppState>,
    Path((kind, alkis_id)): Path<(SubjectKind, String)>,
    Json(body): Json<OverrideBody>,
) -> Result<(StatusCode, Json<Value>), Problem> {
    let alkis = parse_alkis_id(&alkis_id)?;
    let id = workflow::overrides::set(
        state.pool(),
        planner.actor(),
        kind,
        &alkis,
        body.class,
        &body.note,
    )
    .await?;
    super::published_changed(&state);
    let mut conn = state.pool().acquire().await?;
    Ok((
        StatusCode::CREATED,
        Json(subject_detail(&mut conn, kind, id).await?),
    ))
}

/// Withdraws the active override of `/planner/verdicts/{kind}/{alkis_id}`: the analysis'
/// class applies again.
#[utoipa::path(delete, path = "/planner/verdicts/{kind}/{alkis_id}/override", tag = PLANNER, security(("bearer" = [])), params(SubjectPath),
    responses((status = 200, description = "The building or parcel without the override.", body = Value),
              PlannerErrors, NotFound, Conflict, Unprocessable))]
pub(crate) async fn withdraw_override(
    planner: Planner,
    State(state): State<AppState>,
    Path((kind, alkis_id)): Path<(SubjectKind, String)>,
) -> Result<Json<Value>, Problem> {
    let alkis = parse_alkis_id(&alkis_id)?;
    let id = workflow::overrides::withdraw(state.pool(), planner.actor(), kind, &alkis).await?;
    super::published_changed(&state);
    let mut conn = state.pool().acquire().await?;
    Ok(Json(subject_detail(&mut conn, kind, id).await?))
}
