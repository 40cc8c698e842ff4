//! Citizen reports: anyone may report a vacancy at a point inside the four towns, as JSON or
//! as a form (`multipart/form-data`) with up to three photos. Reports are stored as pending
//! by [`workflow::reports::submit`], with the reporter's contact kept private; photos are
//! checked and re-encoded by [`workflow::photos::prepare`] before that. The public sees a
//! report and its photos only after moderation, through schema `published`. The report form
//! names the chosen spot by its nearest address (`/addresses/nearest`).

use axum::body::{to_bytes, Bytes};
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use workflow::photos::{Photo, PhotoError, Refusal, Upload, MAX_BYTES, MAX_PHOTOS};
use workflow::reports::{NewReport, CATEGORIES};

use crate::limits::RateLimited;
use crate::openapi::{
    BadRequest, NotFound, TooLarge, TooManyRequests, Unavailable, Unprocessable,
    UnsupportedMediaType, REPORTS,
};
use crate::problem::{Json, Path, Query};
use crate::public_reads::PublicRead;
use crate::search::unprocessable;
use crate::{AppState, Problem};

/// The body limit of `POST /reports`: three photos and the form around them. Every other
/// route keeps [`crate::Config::max_body_bytes`], and so does a JSON report.
pub(crate) const REPORT_BODY_BYTES: usize = MAX_PHOTOS * MAX_BYTES + 64 * 1024;

/// How far the nearest address may lie from the chosen spot, in metres.
const NEAREST_ADDRESS_M: f64 = 150.0;

/// Photos decoded at once: decoding is work for a whole core.
static DECODING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(report))
        .layer(DefaultBodyLimit::max(REPORT_BODY_BYTES))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            REPORT_BODY_BYTES,
        ))
}

/// The public reads around reports; these keep the server's body limit.
pub(crate) fn read_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(photo_list))
        .routes(routes!(public_photo))
        .routes(routes!(nearest_address))
}

/// A citizen's report of a vacancy.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ReportBody {
    /// Longitude (WGS84); the point must lie in the four towns.
    lon: f64,
    /// Latitude (WGS84).
    lat: f64,
    #[schema(schema_with = category_schema)]
    category: String,
    /// What the citizen saw (1 to 2000 characters).
    #[schema(min_length = 1, max_length = 2000)]
    text: String,
    /// How the town may reach the reporter; never published.
    #[serde(default)]
    #[schema(max_length = 200)]
    contact: Option<String>,
}

/// The same report as a form, with up to three photos (documentation only: the handler
/// reads the parts one by one, each only as far as its limit).
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
struct ReportForm {
    lon: f64,
    lat: f64,
    #[schema(schema_with = category_schema)]
    category: String,
    #[schema(min_length = 1, max_length = 2000)]
    text: String,
    #[schema(max_length = 200)]
    contact: Option<String>,
    /// JPEG, PNG or WebP, at most 8 MB, 10,000 pixels a side and 40 megapixels, one frame;
    /// stored re-encoded as JPEG (longest side 1600 px) without metadata.
    #[schema(value_type = Vec<String>, format = Binary, max_items = 3)]
    photo: Vec<Vec<u8>>,
}

/// The categories of [`workflow::reports::CATEGORIES`].
fn category_schema() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .enum_values(Some(CATEGORIES.iter().copied()))
        .build()
}

/// The answer to a stored report or enquiry.
#[derive(Debug, serde::Serialize, ToSchema)]
#[allow(dead_code)]
pub(crate) struct Stored {
    id: i64,
    /// `pending` (reports) or `received` (enquiries).
    status: String,
    /// How many photos were stored with a report.
    photos: Option<i64>,
}

/// A file field as it arrived.
struct FilePart {
    bytes: Bytes,
    file_name: Option<String>,
    content_type: Option<String>,
}

/// Report a vacancy, as JSON or as a form with up to three photos; it is published only
/// after moderation, without personal data.
#[utoipa::path(post, path = "/reports", tag = REPORTS,
    request_body(content((ReportBody = "application/json"), (ReportForm = "multipart/form-data"))),
    responses((status = 201, description = "Stored as pending.", body = Stored),
              BadRequest, TooLarge, UnsupportedMediaType,
              Unprocessable,
              TooManyRequests, Unavailable))]
async fn report(
    State(state): State<AppState>,
    _limit: RateLimited,
    request: Request,
) -> Result<impl IntoResponse, Problem> {
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        });
    let (body, files) = if is_form {
        let multipart = Multipart::from_request(request, &state)
            .await
            .map_err(multipart_problem)?;
        read_form(multipart).await?
    } else {
        // A JSON report has no photos and keeps the limit of every other route.
        let (parts, body) = request.into_parts();
        let limit = state.config().max_body_bytes;
        let bytes = to_bytes(body, limit).await.map_err(|_| too_large())?;
        let request = Request::from_parts(parts, axum::body::Body::from(bytes));
        let Json(body) = Json::<ReportBody>::from_request(request, &state).await?;
        (body, Vec::new())
    };
    if !crate::features::in_window(body.lon, body.lat) {
        return Err(unprocessable("the point lies outside the four towns"));
    }
    let photos = prepare_photos(files).await?;
    let report = NewReport {
        lon: body.lon,
        lat: body.lat,
        category: &body.category,
        text: &body.text,
        contact: body.contact.as_deref(),
        photos: &photos,
    };
    let id = workflow::reports::submit(state.pool(), &report).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": id, "status": "pending", "photos": photos.len()})),
    ))
}

fn too_large() -> Problem {
    Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "Payload too large",
        "the body is too large",
    )
}

fn multipart_problem(rejection: MultipartRejection) -> Problem {
    Problem::bad_request(rejection.body_text())
}

/// The text fields of the form and its files, each read only as far as its limit.
async fn read_form(mut form: Multipart) -> Result<(ReportBody, Vec<FilePart>), Problem> {
    let mut lon = None;
    let mut lat = None;
    let mut body = ReportBody::default();
    let mut seen = Vec::new();
    let mut files = Vec::new();
    let bad = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            Problem::bad_request(e.body_text())
        }
    };
    while let Some(mut field) = form.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "photo" {
            let file_name = field.file_name().map(str::to_owned);
            let content_type = field.content_type().map(str::to_owned);
            let position = files.len() + 1;
            let mut bytes = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(bad)? {
                if bytes.len() + chunk.len() > MAX_BYTES {
                    return Err(workflow::Error::from(PhotoError {
                        position,
                        refusal: Refusal::TooLarge,
                    })
                    .into());
                }
                bytes.extend_from_slice(&chunk);
            }
            // A file input left empty sends a part without name and bytes.
            if bytes.is_empty() && file_name.as_deref().is_none_or(str::is_empty) {
                continue;
            }
            if position > MAX_PHOTOS {
                return Err(
                    unprocessable(format!("Höchstens {MAX_PHOTOS} Fotos je Meldung."))
                        .with(json!({"reason": "too_many_photos"})),
                );
            }
            files.push(FilePart {
                bytes: Bytes::from(bytes),
                file_name,
                content_type,
            });
            continue;
        }
        if !["lon", "lat", "category", "text", "contact"].contains(&name.as_str()) {
            return Err(Problem::bad_request(format!("unknown field {name:?}")));
        }
        if seen.contains(&name) {
            return Err(Problem::bad_request(format!(
                "field {name:?} is given twice"
            )));
        }
        seen.push(name.clone());
        // 2000 characters of text take at most 8000 bytes.
        let mut value = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(bad)? {
            if value.len() + chunk.len() > 8 * 1024 {
                return Err(unprocessable(format!("{name} is too long")));
            }
            value.extend_from_slice(&chunk);
        }
        let value = String::from_utf8(value)
            .map_err(|_| Problem::bad_request(format!("{name} is not UTF-8 text")))?;
        let number = |v: &str| {
            v.trim()
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or_else(|| Problem::bad_request(format!("{name} must be a number")))
        };
        match name.as_str() {
            "lon" => lon = Some(number(&value)?),
            "lat" => lat = Some(number(&value)?),
            "category" => body.category = value,
            "text" => body.text = value,
            _ => body.contact = Some(value),
        }
    }
    let (Some(lon), Some(lat)) = (lon, lat) else {
        return Err(Problem::bad_request("lon and lat are required"));
    };
    for (name, given) in [
        ("category", !body.category.is_empty()),
        ("text", seen.iter().any(|s| s == "text")),
    ] {
        if !given {
            return Err(Problem::bad_request(format!("{name} is required")));
        }
    }
    body.lon = lon;
    body.lat = lat;
    Ok((body, files))
}

/// Checks and re-encodes the photos on a blocking thread, two at a time across the server.
async fn prepare_photos(files: Vec<FilePart>) -> Result<Vec<Photo>, Problem> {
    if files.is_empty() {
        return Ok(Vec::new());
    }
    let _permit = DECODING.acquire().await.map_err(|_| Problem::internal())?;
    let prepared = tokio::task::spawn_blocking(move || {
        files
            .iter()
            .enumerate()
            .map(|(i, f)| {
                workflow::photos::prepare(&Upload {
                    bytes: &f.bytes,
                    file_name: f.file_name.as_deref(),
                    content_type: f.content_type.as_deref(),
                })
                .map_err(|refusal| PhotoError {
                    position: i + 1,
                    refusal,
                })
            })
            .collect::<Result<Vec<_>, _>>()
    })
    .await
    .map_err(|e| {
        tracing::error!(error = %e, "decoding photos failed");
        Problem::internal()
    })?;
    Ok(prepared.map_err(workflow::Error::from)?)
}

/// `GET /reports/{id}/photos`: the addresses of an approved report's photos.
#[utoipa::path(get, path = "/reports/{id}/photos", tag = REPORTS,
    params(("id" = i64, Path, description = "The report.")),
    responses((status = 200, description = "The paths of the photos of an approved report.", body = Value),
              BadRequest, NotFound, TooManyRequests, Unavailable))]
async fn photo_list(Path(id): Path<i64>, read: PublicRead) -> Result<Response, Problem> {
    let rows: Vec<(i64, Option<i16>)> = sqlx::query_as(
        "SELECT r.id, p.n FROM published.report r
           LEFT JOIN LATERAL published.report_photo_positions(r.id) p(n) ON true
          WHERE r.id = $1 ORDER BY p.n",
    )
    .bind(id)
    .fetch_all(read.pool())
    .await
    .map_err(|e| read.problem(e))?;
    if rows.is_empty() {
        return Err(Problem::not_found(format!("no public report {id}")));
    }
    let photos: Vec<String> = rows
        .iter()
        .filter_map(|(_, n)| *n)
        .map(|n| format!("/reports/{id}/photos/{n}"))
        .collect();
    Ok(Json(json!({"report": id, "photos": photos})).into_response())
}

/// `GET /reports/{id}/photos/{n}`: a photo of an approved report; 404 for any other.
#[utoipa::path(get, path = "/reports/{id}/photos/{n}", tag = REPORTS,
    params(("id" = i64, Path, description = "The report."),
           ("n" = i16, Path, description = "The photo's position, from 1.")),
    responses((status = 200, description = "The photo (JPEG without metadata).",
               content_type = "image/jpeg", body = Vec<u8>),
              BadRequest, NotFound, TooManyRequests, Unavailable))]
async fn public_photo(
    Path((id, n)): Path<(i64, i16)>,
    read: PublicRead,
) -> Result<Response, Problem> {
    let found: Option<(String, Vec<u8>)> =
        sqlx::query_as("SELECT media_type, image FROM published.report_photo($1, $2)")
            .bind(id)
            .bind(n)
            .fetch_optional(read.pool())
            .await
            .map_err(|e| read.problem(e))?;
    let (media_type, image) =
        found.ok_or_else(|| Problem::not_found(format!("no public photo {n} of report {id}")))?;
    Ok(photo_response(&media_type, image, "public, max-age=300"))
}

/// A stored photo as an answer; `cache` is its Cache-Control.
pub(crate) fn photo_response(media_type: &str, image: Vec<u8>, cache: &'static str) -> Response {
    let media_type = if media_type == workflow::photos::MEDIA_TYPE {
        workflow::photos::MEDIA_TYPE
    } else {
        "application/octet-stream"
    };
    (
        [
            (header::CONTENT_TYPE, media_type),
            (header::CACHE_CONTROL, cache),
            (header::CONTENT_DISPOSITION, "inline"),
        ],
        image,
    )
        .into_response()
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct NearestQuery {
    /// Longitude (WGS84).
    lon: f64,
    /// Latitude (WGS84).
    lat: f64,
}

#[derive(Debug, sqlx::FromRow)]
struct NearestAddress {
    street: String,
    house_number: String,
    town: String,
    distance_m: f64,
}

/// `GET /addresses/nearest?lon=&lat=`: the ALKIS address nearest to a point within 150 m
/// (street, house number, town); 404 when there is none.
#[utoipa::path(get, path = "/addresses/nearest", tag = REPORTS, params(NearestQuery),
    responses((status = 200, description = "The nearest ALKIS address within 150 m: street, house number, town, distance, a label.",
               body = Value),
              BadRequest, NotFound, TooManyRequests, Unavailable))]
async fn nearest_address(
    Query(q): Query<NearestQuery>,
    read: PublicRead,
) -> Result<Response, Problem> {
    if !q.lon.is_finite() || !q.lat.is_finite() || !crate::features::in_window(q.lon, q.lat) {
        return Err(Problem::bad_request(
            "lon and lat must be a point in the region of the data (WGS84 degrees)",
        ));
    }
    let found: Option<NearestAddress> = sqlx::query_as(
        "SELECT street, house_number, town, distance_m FROM published.nearest_address($1, $2, $3)",
    )
    .bind(q.lon)
    .bind(q.lat)
    .bind(NEAREST_ADDRESS_M)
    .fetch_optional(read.pool())
    .await
    .map_err(|e| read.problem(e))?;
    let a = found.ok_or_else(|| {
        Problem::not_found(format!(
            "no address within {NEAREST_ADDRESS_M} m of this point"
        ))
    })?;
    Ok(Json(json!({
        "street": a.street,
        "house_number": a.house_number,
        "town": a.town,
        "distance_m": a.distance_m.round(),
        "label": format!("{} {}, {}", a.street, a.house_number, a.town),
    }))
    .into_response())
}
