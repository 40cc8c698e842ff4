//! Pages rendered by the server, one per public plot (`/grundstueck/{id}`) and per offer
//! (`/angebot/{id}`): the facts, a drawing of the plot among its neighbours, the offers, a
//! link to the map and the enquiry form. They need neither JavaScript nor WebGL, print on
//! paper, and carry OpenGraph tags so that a shared link shows a preview. Their data come
//! from the same public views as the map's; the form posts an ordinary HTML form.

use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::{html, Markup, DOCTYPE};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::features::urlencode;
use crate::limits::RateLimited;
use crate::openapi::{
    BadRequest, TooLarge, TooManyRequests, Unavailable, UnsupportedMediaType, PAGES,
};
use crate::public_reads::PublicRead;
use crate::search::{LandValue, LAND_VALUE_FIELDS};
use crate::{AppState, Problem};

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(plot_page))
        .routes(routes!(offer_page, offer_enquiry))
        .routes(routes!(plot_list))
        .routes(routes!(report_short))
        .routes(routes!(report_qr))
}

/// The filters of the plot list, as its form sends them (empty fields mean "any").
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// A town's AGS; other values mean every town.
    #[serde(default)]
    ort: String,
    /// A class of plot; other values mean every class.
    #[serde(default)]
    art: String,
    /// Smallest area in m² as a reader writes it ("1.000"); text that is no number is ignored.
    #[serde(default)]
    min: String,
    /// Largest area in m².
    #[serde(default)]
    max: String,
    /// The page, from 1 (pages past the last show the last).
    #[serde(default)]
    #[param(minimum = 1)]
    seite: Option<u32>,
}

/// A plot of the list.
#[derive(Debug, sqlx::FromRow)]
struct ListedPlot {
    id: String,
    kennzeichen: String,
    class: String,
    area_m2: f64,
    town: String,
    district: Option<String>,
    suitability: Option<f64>,
    matched: i64,
}

/// Plots per page of the list.
const LIST_PAGE: i64 = 50;
/// The pages of the list a reader can reach (the search narrows beyond).
const LIST_PAGES: u32 = 200;

/// The public plots as a list with a filter form: the search of the map for readers without
/// JavaScript or WebGL, and for search engines.
#[utoipa::path(get, path = "/grundstuecke", tag = PAGES, params(ListQuery),
    responses((status = 200, description = "The plot list (HTML).", content_type = "text/html", body = String),
              BadRequest, TooManyRequests, Unavailable))]
async fn plot_list(
    read: PublicRead,
    axum::extract::Query(q): axum::extract::Query<ListQuery>,
) -> Result<Response, Problem> {
    let towns: Vec<(String, String)> =
        sqlx::query_as("SELECT DISTINCT ags, town FROM published.plot ORDER BY town")
            .fetch_all(read.pool())
            .await
            .map_err(|e| read.problem(e))?;
    let classes = [
        "building_gap",
        "vacant_building_plot",
        "brownfield",
        "underused",
    ];
    let number = |v: &str| {
        v.trim()
            .replace('.', "")
            .replace(',', ".")
            .parse::<f64>()
            .ok()
    };
    let town = towns
        .iter()
        .find(|(ags, _)| *ags == q.ort)
        .map(|(ags, _)| ags.clone());
    let class = classes
        .iter()
        .find(|c| **c == q.art)
        .map(|c| (*c).to_owned());
    let (min, max) = (number(&q.min), number(&q.max));
    let page = q.seite.unwrap_or(1).clamp(1, LIST_PAGES);
    let rows: Vec<ListedPlot> = sqlx::query_as(
        "SELECT id, kennzeichen, class, area_m2::float8 AS area_m2, town, district,
                    suitability::float8 AS suitability, count(*) OVER () AS matched
               FROM published.plot
              WHERE ($1::text IS NULL OR ags = $1) AND ($2::text IS NULL OR class = $2)
                AND ($3::float8 IS NULL OR area_m2 >= $3) AND ($4::float8 IS NULL OR area_m2 <= $4)
              ORDER BY suitability DESC NULLS LAST, area_m2 DESC, id
              LIMIT $5 OFFSET $6",
    )
    .bind(&town)
    .bind(&class)
    .bind(min)
    .bind(max)
    .bind(LIST_PAGE)
    .bind((i64::from(page) - 1) * LIST_PAGE)
    .fetch_all(read.pool())
    .await
    .map_err(|e| read.problem(e))?;
    let matched = rows.first().map_or(0, |r| r.matched);
    let pages = u32::try_from((matched + LIST_PAGE - 1) / LIST_PAGE)
        .unwrap_or(u32::MAX)
        .min(LIST_PAGES);
    let link = |p: u32| {
        format!(
            "/grundstuecke?ort={}&art={}&min={}&max={}&seite={p}",
            urlencode(&q.ort),
            urlencode(&q.art),
            urlencode(&q.min),
            urlencode(&q.max)
        )
    };
    let body = html! {
        h1 { "Grundstücke suchen" }
        p { "Baulücken, Brachen und Grundstücke mit leerem Gebäude in den vier Städten, die veröffentlicht werden dürfen. "
            a href="/" { "Zur Karte" } }
        form.filters method="get" action="/grundstuecke" {
            p {
                label for="ort" { "Ort" }
                select id="ort" name="ort" {
                    option value="" { "Alle vier Städte" }
                    @for (ags, name) in &towns { option value=(ags) selected[town.as_deref() == Some(ags.as_str())] { (name) } }
                }
            }
            p {
                label for="art" { "Art" }
                select id="art" name="art" {
                    option value="" { "Alle Arten" }
                    @for c in classes { option value=(c) selected[class.as_deref() == Some(c)] { (class_name(c)) } }
                }
            }
            p {
                label for="min" { "Fläche von (m²)" }
                input id="min" name="min" inputmode="numeric" value=(q.min);
            }
            p {
                label for="max" { "bis (m²)" }
                input id="max" name="max" inputmode="numeric" value=(q.max);
            }
            p { button type="submit" { "Suchen" } }
        }
        p role="status" { (group(matched)) " Grundstücke" @if pages > 1 { ", Seite " (page) " von " (pages) } }
        ol.plots {
            @for p in &rows {
                li {
                    a href=(format!("/grundstueck/{}", urlencode(&p.id))) {
                        (class_name(&p.class)) " · " (area(p.area_m2))
                    }
                    br;
                    span.kicker {
                        (p.town) @if let Some(d) = &p.district { ", " (d) } " · " (parcel_name(&p.kennzeichen))
                        @if let Some(score) = p.suitability { " · Eignung " (format!("{:.0}", score * 100.0)) " %" }
                    }
                }
            }
        }
        nav.pager aria-label="Seiten" {
            @if page > 1 { a href=(link(page - 1)) rel="prev" { "← vorige Seite" } " " }
            @if page < pages { a href=(link(page + 1)) rel="next" { "nächste Seite →" } }
        }
    };
    let page = layout(
        "Grundstücke suchen",
        "Baulücken, Brachen und freie Grundstücke in Sömmerda, Buttstädt, Kindelbrück und Straußfurt",
        "/grundstuecke",
        body,
    );
    Ok(Html(page.into_string()).into_response())
}

/// The short address of the report form, for posters and the kiosks' QR code.
#[utoipa::path(get, path = "/melden", tag = PAGES,
    responses((status = 303, description = "To the report form of the web map (`/#melden`).")))]
async fn report_short() -> Redirect {
    Redirect::to("/#melden")
}

/// A QR code of the short report address at this server's base URL, drawn as SVG by the
/// `qrcode` crate (nothing is fetched), for the kiosks' report tab.
#[utoipa::path(get, path = "/melden/qr.svg", tag = PAGES,
    responses((status = 200, description = "A QR code of `{base URL}/melden`.",
               content_type = "image/svg+xml", body = String)))]
async fn report_qr(State(state): State<AppState>) -> Response {
    let url = format!("{}/melden", state.config().base_url);
    match qrcode::QrCode::new(url.as_bytes()) {
        Ok(code) => {
            let svg = code
                .render::<qrcode::render::svg::Color>()
                .min_dimensions(200, 200)
                .quiet_zone(true)
                .build();
            (
                [
                    (header::CONTENT_TYPE, "image/svg+xml"),
                    (header::CACHE_CONTROL, "public, max-age=3600"),
                ],
                svg,
            )
                .into_response()
        }
        Err(error) => Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal Server Error",
            format!("the base URL makes no QR code: {error}"),
        )
        .into_response(),
    }
}

/// The public facts of a plot.
#[derive(Debug, sqlx::FromRow)]
struct Plot {
    id: String,
    kennzeichen: String,
    class: String,
    area_m2: f64,
    land_use: Option<String>,
    town: String,
    district: Option<String>,
    last_verified: Option<chrono::NaiveDate>,
    lon: f64,
    lat: f64,
    #[sqlx(flatten)]
    land_value: LandValue,
}

/// An offer as the public sees it.
#[derive(Debug, sqlx::FromRow)]
struct Offer {
    id: i64,
    kind: String,
    title: String,
    description: Option<String>,
    price_eur: Option<f64>,
    zoning_note: Option<String>,
    parcel: Option<String>,
    town: Option<String>,
}

/// The plot and its neighbours as SVG paths in a box around the plot.
#[derive(Debug, Default)]
struct Drawing {
    view_box: String,
    plot: String,
    neighbours: Vec<String>,
    buildings: Vec<String>,
}

/// A public plot's page.
#[utoipa::path(get, path = "/grundstueck/{id}", tag = PAGES,
    params(("id" = String, Path, description = "The plot's ALKIS id.")),
    responses((status = 200, description = "The plot's page (HTML).", content_type = "text/html", body = String),
              (status = 404, description = "No such public plot (an HTML page).", content_type = "text/html", body = String),
              TooManyRequests, Unavailable))]
async fn plot_page(
    State(state): State<AppState>,
    Path(id): Path<String>,
    read: PublicRead,
) -> Result<Response, Problem> {
    if id.len() > 32 || id.chars().any(char::is_control) {
        return Ok(not_found());
    }
    let Some(plot) = load_plot(&read, &id).await? else {
        return Ok(not_found());
    };
    let drawing = draw(&read, &id).await?;
    let offers: Vec<Offer> = sqlx::query_as(&format!(
        "SELECT {OFFER_FIELDS} FROM published.offer WHERE parcel = $1 ORDER BY id"
    ))
    .bind(&id)
    .fetch_all(read.pool())
    .await
    .map_err(|e| read.problem(e))?;
    let base = &state.config().base_url;
    let title = format!(
        "{} in {}{}",
        class_name(&plot.class),
        plot.town,
        plot.district
            .as_deref()
            .filter(|d| *d != plot.town)
            .map(|d| format!(", {d}"))
            .unwrap_or_default()
    );
    let description = format!(
        "{} · {} · {}",
        area(plot.area_m2),
        plot.land_use
            .as_deref()
            .map(land_use_name)
            .unwrap_or("Nutzung unbekannt"),
        parcel_name(&plot.kennzeichen)
    );
    let body = html! {
        p.kicker { (plot.town) " · " (parcel_name(&plot.kennzeichen)) }
        h1 { (title) }
        figure.drawing {
            (svg(&drawing))
            figcaption { "Das Grundstück (farbig) mit den Nachbarflurstücken und Gebäuden (grau); Norden ist oben." }
        }
        dl.facts {
            dt { "Art" } dd { (class_name(&plot.class)) }
            dt { "Fläche" } dd { (area(plot.area_m2)) }
            @if let Some(use_) = &plot.land_use { dt { "Tatsächliche Nutzung" } dd { (land_use_name(use_)) } }
            dt { "Gemeinde" } dd { (plot.town) }
            @if let Some(d) = &plot.district { dt { "Ortsteil" } dd { (d) } }
            dt { "Flurstück" } dd { (parcel_name(&plot.kennzeichen)) }
            @if let Some(day) = plot.last_verified { dt { "Stand der Angaben" } dd { (german_date(day)) } }
            @if let Some(value) = plot.land_value.land_value_eur_m2 {
                dt { "Bodenrichtwert" }
                dd { (land_value(value, plot.land_value.land_value_date, plot.land_value.use_name())) }
                @if let Some(price) = plot.land_value.indicative_price(plot.area_m2) {
                    dt { "Bodenwert" }
                    dd { "rund " (euros(price)) " (überschlägig: Fläche × Bodenrichtwert, kein Gutachten)" }
                }
            }
        }
        @if offers.is_empty() {
            p { "Für dieses Grundstück gibt es noch kein Angebot. Die Stadt " (plot.town)
                " vermittelt gern den Kontakt zu den Eigentümern." }
        } @else {
            h2 { "Angebote" }
            @for offer in &offers { (offer_summary(offer)) }
        }
        p.actions {
            a.button href=(map_link(&plot.id, plot.lon, plot.lat)) { "Auf der Karte zeigen" }
        }
    };
    let page = layout(
        &title,
        &description,
        &format!("{base}/grundstueck/{}", urlencode(&plot.id)),
        body,
    );
    Ok(Html(page.into_string()).into_response())
}

/// A published offer's page with its enquiry form.
#[utoipa::path(get, path = "/angebot/{id}", tag = PAGES,
    params(("id" = String, Path, description = "The offer's number.")),
    responses((status = 200, description = "The offer's page (HTML).", content_type = "text/html", body = String),
              (status = 404, description = "No such published offer (an HTML page).", content_type = "text/html", body = String),
              TooManyRequests, Unavailable))]
async fn offer_page(
    State(state): State<AppState>,
    Path(id): Path<String>,
    read: PublicRead,
) -> Result<Response, Problem> {
    let Some(offer) = load_offer(&read, &id).await? else {
        return Ok(not_found());
    };
    Ok(Html(offer_document(&state, &offer, None).into_string()).into_response())
}

/// The enquiry of the offer page's form: stored like `POST /offers/{id}/enquiries`, then the
/// page again with a confirmation (or with what to correct, and the text kept).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct EnquiryForm {
    /// The enquiry (1 to 2000 characters).
    message: String,
    /// E-mail or phone (3 to 200 characters).
    contact: String,
}

#[utoipa::path(post, path = "/angebot/{id}", tag = PAGES,
    params(("id" = String, Path, description = "The offer's number.")),
    request_body(content = EnquiryForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 201, description = "Stored; the page thanks (HTML).", content_type = "text/html", body = String),
              (status = 404, description = "No such published offer (an HTML page).", content_type = "text/html", body = String),
              (status = 422, description = "The page again with what to correct (HTML).", content_type = "text/html", body = String),
              BadRequest, TooLarge, UnsupportedMediaType, TooManyRequests, Unavailable))]
async fn offer_enquiry(
    State(state): State<AppState>,
    Path(id): Path<String>,
    _limit: RateLimited,
    read: PublicRead,
    form: Result<Form<EnquiryForm>, FormRejection>,
) -> Result<Response, Problem> {
    let form = match form {
        Ok(Form(form)) => Ok(form),
        // Not a form at all, or too large: the problem answer of every route.
        Err(
            rejection @ (FormRejection::InvalidFormContentType(_)
            | FormRejection::BytesRejection(_)),
        ) => return Ok(rejection.into_response()),
        // A form without its fields, or with others: the page says what to fill in.
        Err(_) => Err(EnquiryForm {
            message: String::new(),
            contact: String::new(),
        }),
    };
    let Some(offer) = load_offer(&read, &id).await? else {
        return Ok(not_found());
    };
    drop(read);
    let form = match form {
        Ok(form) => form,
        Err(empty) => {
            let note = FormNote::Invalid("Bitte füllen Sie das Formular aus.".to_owned(), empty);
            let page = offer_document(&state, &offer, Some(note));
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.into_string())).into_response());
        }
    };
    let note = match form_problem(&form) {
        Some(detail) => FormNote::Invalid(detail.to_owned(), form),
        None => {
            match workflow::offers::enquire(state.pool(), offer.id, &form.message, &form.contact)
                .await
            {
                Ok(_) => FormNote::Sent,
                Err(workflow::Error::NotFound(_)) => return Ok(not_found()),
                Err(workflow::Error::Invalid(_)) => {
                    FormNote::Invalid("Bitte prüfen Sie Ihre Angaben.".to_owned(), form)
                }
                Err(other) => return Err(other.into()),
            }
        }
    };
    let status = match note {
        FormNote::Sent => StatusCode::CREATED,
        FormNote::Invalid(..) => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let page = offer_document(&state, &offer, Some(note));
    Ok((status, Html(page.into_string())).into_response())
}

/// What is wrong with the form, in the words of the page.
fn form_problem(form: &EnquiryForm) -> Option<&'static str> {
    let message = form.message.trim().chars().count();
    let contact = form.contact.trim().chars().count();
    let control = |s: &str| {
        s.chars()
            .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    };
    if message == 0 {
        Some("Bitte schreiben Sie eine Nachricht.")
    } else if message > 2000 {
        Some("Die Nachricht ist länger als 2.000 Zeichen.")
    } else if !(3..=200).contains(&contact) {
        Some("Bitte geben Sie eine E-Mail-Adresse oder Telefonnummer an (3 bis 200 Zeichen).")
    } else if control(&form.message) || control(&form.contact) {
        Some("Der Text enthält Steuerzeichen.")
    } else {
        None
    }
}

/// What the offer page says about a sent form.
enum FormNote {
    Sent,
    Invalid(String, EnquiryForm),
}

fn offer_document(state: &AppState, offer: &Offer, note: Option<FormNote>) -> Markup {
    let base = &state.config().base_url;
    let title = offer.title.clone();
    let description = format!(
        "{}{}",
        offer_kind(&offer.kind),
        offer
            .town
            .as_deref()
            .map(|t| format!(" in {t}"))
            .unwrap_or_default()
    );
    let (message, contact) = match &note {
        Some(FormNote::Invalid(_, form)) => (form.message.as_str(), form.contact.as_str()),
        _ => ("", ""),
    };
    let body = html! {
        p.kicker { (description) }
        h1 { (offer.title) }
        (offer_summary(offer))
        @if let Some(parcel) = &offer.parcel {
            p { a href=(format!("/grundstueck/{}", urlencode(parcel))) { "Das Grundstück ansehen" } }
        }
        h2 id="anfrage" { "Anfrage an die Stadt" }
        @match &note {
            Some(FormNote::Sent) => {
                p.notice role="status" { "Danke! Ihre Anfrage ist angekommen. Die Stadt leitet sie an die Eigentümer weiter und meldet sich bei Ihnen." }
            }
            Some(FormNote::Invalid(detail, _)) => {
                p.error role="alert" { "Die Anfrage wurde nicht gesendet: " (detail) }
            }
            None => {}
        }
        @if !matches!(note, Some(FormNote::Sent)) {
            form method="post" action=(format!("/angebot/{}#anfrage", offer.id)) {
                p {
                    label for="message" { "Ihre Nachricht" }
                    textarea id="message" name="message" required maxlength="2000" rows="5" { (message) }
                }
                p {
                    label for="contact" { "Wie erreichen wir Sie? (E-Mail oder Telefon)" }
                    input id="contact" name="contact" required minlength="3" maxlength="200" value=(contact);
                }
                p.hint { "Ihre Kontaktdaten sieht nur die Stadtverwaltung; sie gibt sie nicht weiter und löscht sie, wenn die Anfrage erledigt ist." }
                p { button type="submit" { "Anfrage senden" } }
            }
        }
    };
    layout(
        &title,
        &description,
        &format!("{base}/angebot/{}", offer.id),
        body,
    )
}

fn offer_summary(offer: &Offer) -> Markup {
    html! {
        section.offer {
            h3 { a href=(format!("/angebot/{}", offer.id)) { (offer.title) } }
            p.kicker { (offer_kind(&offer.kind)) }
            @if let Some(d) = &offer.description { p { (d) } }
            dl.facts {
                @if let Some(price) = offer.price_eur { dt { "Preis" } dd { (euros(price)) } }
                @if let Some(z) = &offer.zoning_note { dt { "Planungsrecht" } dd { (z) } }
            }
        }
    }
}

const OFFER_FIELDS: &str =
    "id, kind, title, description, price_eur::float8 AS price_eur, zoning_note, parcel, town";

async fn load_plot(read: &PublicRead, id: &str) -> Result<Option<Plot>, Problem> {
    sqlx::query_as(&format!(
        "SELECT id, kennzeichen, class, area_m2::float8 AS area_m2, land_use, town, district,
                last_verified,
                ST_X(ST_Transform(ST_PointOnSurface(geom), 4326)) AS lon,
                ST_Y(ST_Transform(ST_PointOnSurface(geom), 4326)) AS lat,
                {LAND_VALUE_FIELDS}
           FROM published.plot WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(read.pool())
    .await
    .map_err(|e| read.problem(e))
}

async fn load_offer(read: &PublicRead, id: &str) -> Result<Option<Offer>, Problem> {
    let Ok(id) = id.parse::<i64>() else {
        return Ok(None);
    };
    sqlx::query_as(&format!(
        "SELECT {OFFER_FIELDS} FROM published.offer WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(read.pool())
    .await
    .map_err(|e| read.problem(e))
}

/// Metres around the plot that the drawing shows.
const SURROUNDINGS_M: f64 = 40.0;

/// The plot and the public parcels around it, as SVG path data (`ST_AsSVG` writes y
/// negated, as SVG counts y downwards).
async fn draw(read: &PublicRead, id: &str) -> Result<Drawing, Problem> {
    // kind: 0 a neighbour, 1 the plot, 2 a building.
    let rows: Vec<(i32, String, f64, f64, f64, f64)> = sqlx::query_as(
        "WITH p AS (SELECT geom, ST_Expand(ST_Envelope(geom), $2) AS frame
                      FROM published.plot WHERE id = $1),
         shapes AS (
             SELECT CASE WHEN n.id = $1 THEN 1 ELSE 0 END AS kind, n.id, n.geom
               FROM p JOIN published.parcel n ON n.geom && p.frame
             UNION ALL
             SELECT 2, b.id, b.geom FROM p JOIN published.building b ON b.geom && p.frame)
         SELECT s.kind, ST_AsSVG(ST_Intersection(s.geom, p.frame), 0, 1),
                ST_XMin(p.frame), ST_YMin(p.frame), ST_XMax(p.frame), ST_YMax(p.frame)
           FROM p, shapes s
          ORDER BY s.kind, s.id
          LIMIT 800",
    )
    .bind(id)
    .bind(SURROUNDINGS_M)
    .fetch_all(read.pool())
    .await
    .map_err(|e| read.problem(e))?;
    let mut drawing = Drawing::default();
    for (kind, path, x0, y0, x1, y1) in rows {
        if drawing.view_box.is_empty() {
            drawing.view_box = format!("{x0:.1} {:.1} {:.1} {:.1}", -y1, x1 - x0, y1 - y0);
        }
        match kind {
            1 => drawing.plot = path,
            2 => drawing.buildings.push(path),
            _ => drawing.neighbours.push(path),
        }
    }
    Ok(drawing)
}

fn svg(d: &Drawing) -> Markup {
    if d.view_box.is_empty() {
        return html! {};
    }
    html! {
        svg xmlns="http://www.w3.org/2000/svg" viewBox=(d.view_box) role="img"
            aria-label="Lageplan des Grundstücks" preserveAspectRatio="xMidYMid meet" {
            @for n in &d.neighbours { path.neighbour d=(n) {} }
            @if !d.plot.is_empty() { path.plot d=(d.plot) {} }
            @for b in &d.buildings { path.building d=(b) {} }
        }
    }
}

/// The frame of every page: German, the OpenGraph tags, the page style, no script.
fn layout(title: &str, description: &str, url: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="de" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " – Leerstand teilen" }
                meta name="description" content=(description);
                meta property="og:type" content="website";
                meta property="og:site_name" content="Leerstand teilen – Allianz Thüringer Becken";
                meta property="og:title" content=(title);
                meta property="og:description" content=(description);
                meta property="og:url" content=(url);
                meta property="og:locale" content="de_DE";
                link rel="canonical" href=(url);
                link rel="stylesheet" href="/css/page.css";
            }
            body {
                header {
                    a.home href="/" { "Leerstand teilen" }
                    span { " · Allianz Thüringer Becken" }
                }
                main { (body) }
                footer {
                    p { "Zweckverband Allianz „Thüringer Becken“: Sömmerda, Buttstädt, Kindelbrück, Straußfurt. "
                        "Angaben aus dem Liegenschaftskataster und der Leerstandsanalyse der Städte; ohne Gewähr." }
                }
            }
        }
    }
}

fn not_found() -> Response {
    let body = html! {
        h1 { "Nicht gefunden" }
        p { "Dieses Grundstück oder Angebot ist nicht (mehr) öffentlich. Vielleicht hat die Eigentümerin "
            "oder der Eigentümer der Veröffentlichung widersprochen, oder das Angebot ist beendet." }
        p { a href="/" { "Zur Karte" } }
    };
    let page = layout("Nicht gefunden", "Nicht gefunden", "/", body);
    (StatusCode::NOT_FOUND, Html(page.into_string())).into_response()
}

/// The map opened on the plot (the map's permalink).
fn map_link(id: &str, lon: f64, lat: f64) -> String {
    format!("/#map=18/{lat:.5}/{lon:.5}&plot={}", urlencode(id))
}

/// The German legend text of a class (`tiles/palette.json`, read once per process).
fn class_name(class: &str) -> String {
    static PALETTE: std::sync::OnceLock<Option<serde_json::Value>> = std::sync::OnceLock::new();
    PALETTE
        .get_or_init(|| tiles::palette().ok())
        .as_ref()
        .and_then(|p| p["classes"][class]["de"].as_str().map(str::to_owned))
        .unwrap_or_else(|| "Grundstück".to_owned())
}

/// A Flurstückskennzeichen as the cadastre writes it for people: "Gemarkung 4208, Flur 1,
/// Flurstück 159/2" (the web map's `formatParcel`).
fn parcel_name(kennzeichen: &str) -> String {
    match kennzeichen.parse::<model::Flurstueckskennzeichen>() {
        Ok(k) => format!(
            "Gemarkung {:04}, Flur {}, Flurstück {}",
            k.gemarkung(),
            k.flur(),
            k.flurstuecksnummer()
        ),
        Err(_) => kennzeichen.to_owned(),
    }
}

/// The German name of a land use the views name by its ALKIS feature type.
fn land_use_name(value: &str) -> &str {
    model::LandUseClass::from_feature_type(value)
        .map(|c| c.name_de())
        .unwrap_or(value)
}

fn offer_kind(kind: &str) -> &'static str {
    match kind {
        "sale" => "Zum Verkauf",
        "lease" => "Zur Miete oder Pacht",
        "interim_use" => "Zwischennutzung (Teilkultur)",
        _ => "Angebot",
    }
}

/// `1234.5` → "1.235 m²" (German digit grouping).
fn area(m2: f64) -> String {
    format!("{} m²", group(m2.round() as i64))
}

fn euros(value: f64) -> String {
    format!("{} €", group(value.round() as i64))
}

/// "85 €/m² (Stichtag 01.01.2024, Wohnbaufläche)".
fn land_value(value: f64, day: Option<chrono::NaiveDate>, use_name: Option<&str>) -> String {
    let amount = if value.fract() == 0.0 {
        group(value as i64)
    } else {
        format!("{:.2}", value).replace('.', ",")
    };
    let notes: Vec<String> = day
        .map(|d| format!("Stichtag {}", german_date(d)))
        .into_iter()
        .chain(use_name.map(str::to_owned))
        .collect();
    if notes.is_empty() {
        format!("{amount} €/m²")
    } else {
        format!("{amount} €/m² ({})", notes.join(", "))
    }
}

fn group(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('.');
        }
        out.push(c);
    }
    if n < 0 {
        out.insert(0, '-');
    }
    out
}

fn german_date(day: chrono::NaiveDate) -> String {
    day.format("%d.%m.%Y").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_land_value_reads_as_the_gutachterausschuss_writes_it() {
        let day = chrono::NaiveDate::from_ymd_opt(2024, 1, 1);
        assert_eq!(
            land_value(85.0, day, Some("Wohnbaufläche")),
            "85 €/m² (Stichtag 01.01.2024, Wohnbaufläche)"
        );
        assert_eq!(land_value(12.5, None, None), "12,50 €/m²");
    }

    #[test]
    fn numbers_read_as_germans_write_them() {
        assert_eq!(area(1234.4), "1.234 m²");
        assert_eq!(area(893.0), "893 m²");
        assert_eq!(euros(1_250_000.0), "1.250.000 €");
        assert_eq!(
            german_date(chrono::NaiveDate::from_ymd_opt(2025, 1, 2).unwrap()),
            "02.01.2025"
        );
    }

    #[test]
    fn land_uses_read_in_german() {
        assert_eq!(land_use_name("AX_Wohnbauflaeche"), "Wohnbaufläche");
        assert_eq!(land_use_name("etwas"), "etwas");
        assert_eq!(
            parcel_name("16420800100159______"),
            "Gemarkung 4208, Flur 1, Flurstück 159"
        );
    }

    #[test]
    fn class_names_come_from_the_palette() {
        assert_eq!(class_name("building_gap"), "Baulücke");
        assert_eq!(class_name("nonsense"), "Grundstück");
    }
}
