#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The OpenAPI document against the router it is made with: every documented operation is
//! routed (it answers something else than the router's 404 or 405), no route of the source
//! is missing from the document, and every path parameter is declared.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use reqwest::{Method, StatusCode};
use serde_json::Value;
use sqlx::PgPool;

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// The `{name}`s of a path template.
fn template_names(path: &str) -> BTreeSet<String> {
    path.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_owned()))
        .collect()
}

/// A value for a path parameter that the route accepts as a segment: the first of its
/// enum, or a number.
fn example(parameter: &Value) -> String {
    let schema = &parameter["schema"];
    if let Some(first) = schema["enum"].as_array().and_then(|e| e.first()) {
        return first.as_str().unwrap().to_owned();
    }
    match schema["type"].as_str() {
        Some("integer") => "1".to_owned(),
        _ => "x".to_owned(),
    }
}

/// The document's path with every parameter filled in.
fn instance(path: &str, operation: &Value) -> String {
    let mut url = path.to_owned();
    for p in operation["parameters"].as_array().into_iter().flatten() {
        if p["in"] == "path" {
            let name = p["name"].as_str().unwrap();
            url = url.replace(&format!("{{{name}}}"), &example(p));
        }
    }
    url
}

fn operations(document: &Value) -> Vec<(String, String, Value)> {
    let mut all = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for method in METHODS {
            if let Some(op) = item.get(method) {
                all.push((path.clone(), method.to_owned(), op.clone()));
            }
        }
    }
    all
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn every_documented_operation_is_routed(pool: PgPool) {
    let s = common::start(pool).await;
    let document = s.get_json("/openapi.json").await;
    assert_eq!(document["openapi"], "3.0.3");
    let ops = operations(&document);
    assert!(ops.len() >= 40, "only {} operations", ops.len());
    // A redirect is the operation's answer, not the page it leads to.
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for (path, method, op) in &ops {
        // A fresh token each time: one of the operations is the logout.
        let token = s.token("admin").await;
        let url = instance(path, op);
        let mut request = client
            .request(
                Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(),
                s.url(&url),
            )
            .bearer_auth(&token);
        if op.get("requestBody").is_some() {
            request = request.json(&serde_json::json!({}));
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {url}");
        assert!(
            !(status == StatusCode::NOT_FOUND && text.contains("no such resource")),
            "{method} {url} reached the router's fallback"
        );
        assert!(
            op["responses"].get(status.as_str()).is_some(),
            "{method} {url} answered {status}, which {path} does not document: {text}"
        );
    }
    // A method a path does not document is not routed either.
    let token = s.token("admin").await;
    for (path, item) in document["paths"].as_object().unwrap() {
        let any = METHODS.iter().find_map(|m| item.get(*m)).unwrap();
        let url = instance(path, any);
        for method in METHODS.iter().filter(|m| item.get(**m).is_none()) {
            let response = s
                .client
                .request(
                    Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(),
                    s.url(&url),
                )
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            assert_eq!(
                response.status(),
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {url} answers, but {path} does not document it"
            );
        }
    }
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn every_path_parameter_and_body_is_described(pool: PgPool) {
    let s = common::start(pool).await;
    let document = s.get_json("/openapi.json").await;
    let mut names = BTreeSet::new();
    for (path, method, op) in operations(&document) {
        let name = op["operationId"].as_str().unwrap().to_owned();
        assert!(
            names.insert(name),
            "{method} {path}: operationId used twice"
        );
        let declared: BTreeSet<String> = op["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["in"] == "path")
            .map(|p| p["name"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(declared, template_names(&path), "{method} {path}");
        if let Some(body) = op.get("requestBody") {
            // JSON, or the form a page posts: the first media type the body is described in.
            let content = body["content"].as_object().unwrap();
            let schema = &content
                .get("application/json")
                .or_else(|| content.values().next())
                .unwrap()["schema"];
            let name = schema["$ref"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path}: {body}"));
            let name = name.trim_start_matches("#/components/schemas/");
            let component = &document["components"]["schemas"][name];
            assert_eq!(
                component["additionalProperties"], false,
                "{method} {path}: {name} denies unknown fields"
            );
        }
        if op.get("security").is_some() {
            assert!(op["responses"]["401"].is_object(), "{method} {path}");
        }
        // An HTML page answers a reader's mistakes with a page; everything else with problem JSON.
        let page = op["tags"]
            .as_array()
            .is_some_and(|t| t.iter().any(|t| t == "Pages"));
        for (status, answer) in op["responses"].as_object().unwrap() {
            if status.starts_with('4') || status.starts_with('5') {
                assert!(
                    answer["content"]["application/problem+json"].is_object()
                        || (page && answer["content"]["text/html"].is_object()),
                    "{method} {path} {status}"
                );
            }
        }
    }
}

/// Every `.route("…")` and `#[utoipa::path(… path = "…")]` in the source, as written.
fn source_routes(dir: &Path, routes: &mut Vec<String>, documented: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            source_routes(&path, routes, documented);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).unwrap();
            for (marker, list) in [
                (".route(\"", &mut *routes),
                ("path = \"/", &mut *documented),
            ] {
                for rest in text.split(marker).skip(1) {
                    let literal = rest.split('"').next().unwrap();
                    let literal = if marker.ends_with('/') {
                        format!("/{literal}")
                    } else {
                        literal.to_owned()
                    };
                    list.push(literal);
                }
            }
        }
    }
}

/// Whether the router's template (whole segments only) matches the concrete path.
fn matches(route: &str, concrete: &str) -> bool {
    let a: Vec<&str> = route.split('/').collect();
    let b: Vec<&str> = concrete.split('/').collect();
    a.len() == b.len()
        && a.iter()
            .zip(&b)
            .all(|(r, c)| (r.starts_with('{') && r.ends_with('}') && !c.is_empty()) || r == c)
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn every_route_of_the_source_is_documented(pool: PgPool) {
    let s = common::start(pool).await;
    let document = s.get_json("/openapi.json").await;
    let ops = operations(&document);
    let (mut routes, mut annotated) = (Vec::new(), Vec::new());
    source_routes(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut routes,
        &mut annotated,
    );
    assert!(!annotated.is_empty());
    // Routes registered without `routes!` (the tile routes): some documented path leads there.
    for route in &routes {
        assert!(
            ops.iter()
                .any(|(path, _, op)| matches(route, &instance(path, op))),
            "the route {route} is not documented"
        );
    }
    // Every annotated handler is in the document.
    for path in &annotated {
        assert!(
            document["paths"].get(path).is_some(),
            "{path} is annotated but missing from the document"
        );
    }
}
