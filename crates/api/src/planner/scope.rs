//! The scope gate in front of every planner route: a planner works on the towns of the
//! account. The gate finds every object a request names — in its path (`{id}`,
//! `{kind}/{alkis_id}`) or, for the routes that create something, in its JSON body — and
//! asks the database for their towns in one query (`planner_object_town`,
//! `planner_sees`, migration 0017). An object of another town answers 404 to a read and
//! 403 to a write, and the attempt is audited. Lists and exports filter by the same SQL
//! function, `planner_sees(account, ags)`. A moderator passes only to the citizen reports.

use axum::body::{to_bytes, Body};
use axum::extract::rejection::RawPathParamsRejection;
use axum::extract::{MatchedPath, RawPathParams, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::{json, Value};
use workflow::users::Role;

use crate::auth::Planner;
use crate::{AppState, Problem};

/// The routes a moderator may use.
const MODERATOR_ROUTES: &[&str] = &[
    "/planner/reports",
    "/planner/reports/{id}/moderate",
    "/planner/reports/{id}/photos/{n}",
];

/// The objects a route's path names: (subject of `planner_object_town`, key), from the
/// route's template and its decoded parameters.
fn path_objects(route: &str, params: &[(String, String)]) -> Vec<(String, String)> {
    let value = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let mut objects = Vec::new();
    if let (Some(kind), Some(key)) = (value("kind"), value("alkis_id")) {
        if kind == "building" || kind == "parcel" {
            objects.push((kind, key));
        }
    }
    if let Some(id) = value("id") {
        let subject = match route.split('/').nth(2) {
            Some("reports") => "citizen_report",
            Some("cases") => "planner_case",
            Some("offers") => "offer",
            Some("enquiries") => "enquiry",
            _ => return objects,
        };
        objects.push((subject.to_owned(), id));
    }
    objects
}

/// The objects the JSON body of a creating route names.
fn body_objects(route: &str, body: &Value) -> Vec<(String, String)> {
    let text = |v: &Value| v.as_str().map(str::to_owned);
    let mut objects = Vec::new();
    match route {
        "/planner/cases" => {
            if let (Some(kind), Some(key)) = (text(&body["kind"]), text(&body["alkis_id"])) {
                if kind == "building" || kind == "parcel" {
                    objects.push((kind, key));
                }
            }
        }
        "/planner/offers" => {
            for kind in ["parcel", "building"] {
                if let Some(key) = text(&body[kind]) {
                    objects.push((kind.to_owned(), key));
                }
            }
        }
        "/planner/consents" => {
            if let Some(list) = body["parcels"].as_array() {
                objects.extend(
                    list.iter()
                        .filter_map(text)
                        .map(|k| ("parcel".to_owned(), k)),
                );
            }
            if let Some(town) = text(&body["town"]) {
                objects.push(("municipality".to_owned(), town));
            }
        }
        _ => {}
    }
    objects
}

/// Refuses a request for an object outside the planner's towns, or a moderator outside
/// moderation, before its handler runs.
pub(crate) async fn gate(
    State(state): State<AppState>,
    planner: Planner,
    matched: MatchedPath,
    params: Result<RawPathParams, RawPathParamsRejection>,
    request: Request,
    next: Next,
) -> Result<Response, Problem> {
    let route = matched.as_str().to_owned();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let write = method != Method::GET && method != Method::HEAD;
    if planner.role == Role::Moderator && !MODERATOR_ROUTES.contains(&route.as_str()) {
        refused(&state, &planner, &method, &path, "role", None).await?;
        return Err(Problem::forbidden(
            "a moderator may only moderate citizen reports",
        ));
    }
    // A parameter that is not UTF-8 is refused by the handler's own extractor.
    let params: Vec<(String, String)> = params
        .map(|p| {
            p.iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect()
        })
        .unwrap_or_default();
    let mut objects = path_objects(&route, &params);
    let (mut parts, body) = request.into_parts();
    let body = if method == Method::POST
        && ["/planner/cases", "/planner/offers", "/planner/consents"].contains(&route.as_str())
    {
        // The body limit of the API has wrapped the body: a read fails when it is too large.
        let bytes = to_bytes(body, state.config().max_body_bytes)
            .await
            .map_err(|_| {
                Problem::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "Payload too large",
                    "the body is too large",
                )
            })?;
        if let Ok(value) = serde_json::from_slice::<Value>(&bytes) {
            objects.extend(body_objects(&route, &value));
        }
        Body::from(bytes)
    } else {
        body
    };
    if !objects.is_empty() {
        let (subjects, keys): (Vec<String>, Vec<String>) = objects.into_iter().unzip();
        let outside: Option<(String, String, Option<i64>, Option<String>)> = sqlx::query_as(
            "SELECT k.subject, k.key, o.id, o.ags::text
               FROM unnest($1::text[], $2::text[]) k(subject, key)
              CROSS JOIN LATERAL planner_object_town(k.subject, k.key) o
              WHERE NOT planner_sees($3, o.ags)
              LIMIT 1",
        )
        .bind(&subjects)
        .bind(&keys)
        .bind(planner.id)
        .fetch_optional(state.pool())
        .await?;
        if let Some((subject, key, id, town)) = outside {
            let table = if subject == "municipality" {
                None
            } else {
                Some(subject.as_str())
            };
            refused(
                &state,
                &planner,
                &method,
                &path,
                "town",
                Some((table, id, town)),
            )
            .await?;
            return Err(if write {
                Problem::forbidden("this belongs to a town outside your account")
            } else {
                Problem::not_found(absent(&subject, &key))
            });
        }
    }
    parts.extensions.insert(planner);
    Ok(next.run(Request::from_parts(parts, body)).await)
}

/// What a handler answers for an object that does not exist, so that another town's object
/// cannot be told from a missing one.
fn absent(subject: &str, key: &str) -> String {
    match subject {
        "building" | "parcel" => format!("no {subject} {key:?}"),
        "planner_case" => format!("no case {key}"),
        "citizen_report" => format!("no report {key}"),
        other => format!("no {other} {key}"),
    }
}

/// Audits a refused request: who tried what on which object.
async fn refused(
    state: &AppState,
    planner: &Planner,
    method: &Method,
    path: &str,
    reason: &str,
    object: Option<(Option<&str>, Option<i64>, Option<String>)>,
) -> Result<(), Problem> {
    let (table, id, town) = object.unwrap_or((None, None, None));
    let mut conn = state.pool().acquire().await?;
    workflow::audit::record(
        &mut conn,
        &planner.login,
        "refused",
        (table.unwrap_or("request"), id),
        json!({"attempted": format!("{method} {path}"), "reason": reason, "town": town}),
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn another_towns_object_reads_like_a_missing_one() {
        assert_eq!(absent("building", "DEX"), "no building \"DEX\"");
        assert_eq!(absent("planner_case", "1"), "no case 1");
        assert_eq!(absent("offer", "4"), "no offer 4");
    }

    #[test]
    fn objects_are_found_in_paths_and_bodies() {
        let params = |list: &[(&str, &str)]| -> Vec<(String, String)> {
            list.iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect()
        };
        assert_eq!(
            path_objects(
                "/planner/verdicts/{kind}/{alkis_id}/override",
                &params(&[("kind", "building"), ("alkis_id", "DETHFIXTUREB0001")])
            ),
            vec![("building".to_owned(), "DETHFIXTUREB0001".to_owned())]
        );
        assert_eq!(
            path_objects("/planner/cases/{id}/status", &params(&[("id", "7")])),
            vec![("planner_case".to_owned(), "7".to_owned())]
        );
        assert!(path_objects("/planner/export/{file}", &params(&[("file", "a.csv")])).is_empty());
        assert_eq!(
            body_objects(
                "/planner/consents",
                &json!({"parcels": ["DEA", "DEB"], "town": "16068051"})
            )
            .len(),
            3
        );
    }
}
