//! The OpenAPI document, made from the code: every handler carries `#[utoipa::path]`, the
//! request and response types derive `ToSchema`/`IntoParams`, and each route module
//! registers its handlers with `utoipa_axum::routes!`, so a route and its description are
//! written in one place ([`crate::app`] splits the router from the document). This module
//! holds what the operations share: the document's frame ([`ApiDoc`]), the problem answers
//! ([`BadRequest`] …) and the step down to OpenAPI 3.0 ([`to_oas30`]), the version the
//! OGC conformance class `oas30` and the media type of `/openapi.json` promise.
//! A leaf: it uses no route module.

use std::collections::BTreeMap;

use serde_json::Value;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{
    ContentBuilder, Object, ObjectBuilder, Ref, RefOr, Response, ResponseBuilder, Type,
};
use utoipa::{Modify, OpenApi};

/// The media type of `/openapi.json` (and of the landing page's `service-desc` link).
pub(crate) const MEDIA_TYPE: &str = "application/vnd.oai.openapi+json;version=3.0";
/// The media type of every error answer (RFC 9457).
pub(crate) const PROBLEM: &str = "application/problem+json";

/// Tags of the operations, in the order a reader meets them.
pub(crate) const FEATURES: &str = "OGC API Features";
pub(crate) const TILES: &str = "Vector tiles";
pub(crate) const SEARCH: &str = "Plot search and enquiries";
pub(crate) const REPORTS: &str = "Citizen reports";
pub(crate) const PLANNER: &str = "Planner";
pub(crate) const OPERATIONS: &str = "Operations";
pub(crate) const PAGES: &str = "Pages";

/// The frame of the document; the paths come from the routers.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "leerstand",
        description = "Vacancy map, plot search, citizen reports and planner workflow of the \
                       Allianz \"Thüringer Becken\" (Sömmerda, Buttstädt, Kindelbrück, Straußfurt).",
        license(name = "EUPL-1.2"),
    ),
    paths(crate::tiles::document, crate::tiles::tile),
    components(schemas(crate::problem::ProblemDetails)),
    modifiers(&BearerToken),
    tags(
        (name = FEATURES, description = "OGC API – Features, Part 1 Core, over the public views."),
        (name = TILES, description = "Mapbox Vector Tiles, TileJSON and the MapLibre style of the public map."),
        (name = SEARCH, description = "Released plots for investors, and enquiries about offers."),
        (name = REPORTS, description = "Vacancies reported by citizens, published after moderation."),
        (name = PAGES, description = "HTML pages rendered by the server for readers without JavaScript or WebGL (German)."),
        (name = PLANNER, description = "The planners' workflow; every operation needs a token (`bearer`)."),
        (name = OPERATIONS, description = "Liveness, readiness, metrics and this document."),
    )
)]
pub(crate) struct ApiDoc;

/// The security scheme `bearer`: a token from `POST /planner/login` or `leerstand user add`.
#[derive(Debug)]
struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// An error answer with the problem details schema.
fn problem(description: &str) -> RefOr<Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            PROBLEM,
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ProblemDetails")))
                .build(),
        )
        .build()
        .into()
}

/// One type per error status, for the `responses(…)` of the operations.
macro_rules! problems {
    ($($name:ident $status:literal $text:literal;)*) => {$(
        #[doc = $text]
        #[derive(Debug)]
        pub(crate) struct $name;

        impl utoipa::IntoResponses for $name {
            fn responses() -> BTreeMap<String, RefOr<Response>> {
                BTreeMap::from([($status.to_string(), problem($text))])
            }
        }
    )*};
}

problems! {
    BadRequest 400 "A parameter, the path or the body is malformed.";
    Unauthorized 401 "No token, or an unknown, expired or revoked one (with WWW-Authenticate).";
    Forbidden 403 "The account may not do this, or the object belongs to a town outside the account.";
    NotFound 404 "No such object (or one the account does not see).";
    Conflict 409 "The object is not in a state that allows this.";
    TooLarge 413 "The body is larger than the server accepts.";
    UnsupportedMediaType 415 "The body is not sent as application/json.";
    Unprocessable 422 "Well-formed, but the rules do not allow it.";
    TooManyRequests 429 "Too many requests from this client; Retry-After says when to try again.";
    Unavailable 503 "The database is busy or unreachable; Retry-After says when to try again.";
}

/// What every planner operation may answer besides its own: a malformed request, no valid
/// token, a route or object outside the account, the database away.
#[derive(Debug)]
pub(crate) struct PlannerErrors;

impl utoipa::IntoResponses for PlannerErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let mut all = BadRequest::responses();
        all.extend(Unauthorized::responses());
        all.extend(Forbidden::responses());
        all.extend(Unavailable::responses());
        all
    }
}

/// What a JSON body may earn besides 400: too large, or not sent as JSON.
#[derive(Debug)]
pub(crate) struct BodyErrors;

impl utoipa::IntoResponses for BodyErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let mut all = BadRequest::responses();
        all.extend(TooLarge::responses());
        all.extend(UnsupportedMediaType::responses());
        all
    }
}

/// A text schema whose values are the JSON texts of `values` (enums of other crates).
fn text_enum<T: serde::Serialize>(values: &[T]) -> Object {
    let texts: Vec<Value> = values
        .iter()
        .filter_map(|v| serde_json::to_value(v).ok())
        .collect();
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(texts))
        .build()
}

/// [`model::SubjectKind`]: `building` or `parcel`.
pub(crate) fn subject_kind() -> Object {
    use model::SubjectKind as K;
    text_enum(&[K::Building, K::Parcel])
}

/// An ALKIS id ([`model::AlkisId`]): `DE` and 14 letters or digits.
pub(crate) fn alkis_id() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some("^DE[A-Za-z0-9]{14}$"))
        .description(Some("An ALKIS id: DE and 14 letters or digits."))
        .build()
}

/// [`model::CaseStatus`].
pub(crate) fn case_status() -> Object {
    text_enum(model::CaseStatus::ALL)
}

/// [`model::VacancyClass`].
pub(crate) fn vacancy_class() -> Object {
    text_enum(model::VacancyClass::ALL)
}

/// [`model::OfferKind`].
pub(crate) fn offer_kind() -> Object {
    use model::OfferKind as K;
    text_enum(&[K::Sale, K::Lease, K::InterimUse])
}

/// [`workflow::reports::Decision`].
pub(crate) fn decision() -> Object {
    use workflow::reports::Decision as D;
    text_enum(&[D::Approve, D::Reject, D::Duplicate])
}

/// The document as JSON, for the server at `base_url`, in OpenAPI 3.0.
pub(crate) fn document(mut openapi: utoipa::openapi::OpenApi, base_url: &str) -> Value {
    openapi.info.version = env!("CARGO_PKG_VERSION").to_owned();
    openapi.servers = Some(vec![utoipa::openapi::Server::new(base_url)]);
    let mut value = serde_json::to_value(&openapi).unwrap_or(Value::Null);
    to_oas30(&mut value);
    name_operations(&mut value);
    value
}

/// utoipa names an operation after its handler, and several modules have a `list` or a
/// `detail`; OpenAPI wants each name once, so every operation is named after its method and
/// path instead (`GET /planner/cases/{id}` → `getPlannerCasesId`), unique by construction.
fn name_operations(document: &mut Value) {
    let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, operation) in item.iter_mut() {
            let mut name = method.clone();
            for word in path.split(|c: char| !c.is_ascii_alphanumeric()) {
                let mut chars = word.chars();
                if let Some(first) = chars.next() {
                    name.push(first.to_ascii_uppercase());
                    name.extend(chars);
                }
            }
            if let Some(operation) = operation.as_object_mut() {
                operation.insert("operationId".to_owned(), Value::from(name));
            }
        }
    }
}

/// Rewrites the OpenAPI 3.1 that utoipa writes into 3.0.3: a type list with `"null"`
/// becomes `nullable`, a `oneOf` with `{"type": "null"}` becomes a nullable `allOf`.
/// The documents utoipa makes use no other construct of 3.1.
pub(crate) fn to_oas30(document: &mut Value) {
    fn walk(value: &mut Value) {
        match value {
            Value::Object(map) => {
                if let Some(Value::Array(types)) = map.get("type") {
                    if types.iter().any(|t| t == "null") {
                        let rest: Vec<Value> =
                            types.iter().filter(|t| *t != "null").cloned().collect();
                        if let [only] = rest.as_slice() {
                            map.insert("type".to_owned(), only.clone());
                        } else {
                            map.remove("type");
                        }
                        map.insert("nullable".to_owned(), Value::Bool(true));
                    }
                }
                let one_of_null = match map.get("oneOf") {
                    Some(Value::Array(list)) => list.iter().any(is_null_type),
                    _ => false,
                };
                if one_of_null {
                    if let Some(Value::Array(list)) = map.remove("oneOf") {
                        let rest: Vec<Value> =
                            list.into_iter().filter(|s| !is_null_type(s)).collect();
                        let key = if rest.len() == 1 { "allOf" } else { "oneOf" };
                        map.insert(key.to_owned(), Value::Array(rest));
                        map.insert("nullable".to_owned(), Value::Bool(true));
                    }
                }
                map.values_mut().for_each(walk);
            }
            Value::Array(list) => list.iter_mut().for_each(walk),
            _ => {}
        }
    }
    fn is_null_type(schema: &Value) -> bool {
        schema.get("type").is_some_and(|t| t == "null")
    }
    walk(document);
    document["openapi"] = Value::from("3.0.3");
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use utoipa::IntoResponses;

    use super::*;

    #[test]
    fn nullable_types_become_openapi_30() {
        let mut doc = json!({
            "openapi": "3.1.0",
            "components": {"schemas": {"X": {"type": "object", "properties": {
                "a": {"type": ["string", "null"], "format": "date"},
                "b": {"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/Y"}]},
                "c": {"type": "integer"}
            }}}}
        });
        to_oas30(&mut doc);
        assert_eq!(doc["openapi"], "3.0.3");
        let p = &doc["components"]["schemas"]["X"]["properties"];
        assert_eq!(
            p["a"],
            json!({"type": "string", "format": "date", "nullable": true})
        );
        assert_eq!(
            p["b"],
            json!({"allOf": [{"$ref": "#/components/schemas/Y"}], "nullable": true})
        );
        assert_eq!(p["c"], json!({"type": "integer"}));
    }

    #[test]
    fn operations_are_named_after_method_and_path() {
        let mut doc = json!({"paths": {
            "/planner/cases/{id}": {"get": {"operationId": "detail"}},
            "/planner/offers/{id}": {"get": {"operationId": "detail"}, "patch": {}},
            "/tiles/{tileset}/{z}/{x}/{y}.mvt": {"get": {}}
        }});
        name_operations(&mut doc);
        let p = &doc["paths"];
        assert_eq!(
            p["/planner/cases/{id}"]["get"]["operationId"],
            "getPlannerCasesId"
        );
        assert_eq!(
            p["/planner/offers/{id}"]["get"]["operationId"],
            "getPlannerOffersId"
        );
        assert_eq!(
            p["/planner/offers/{id}"]["patch"]["operationId"],
            "patchPlannerOffersId"
        );
        assert_eq!(
            p["/tiles/{tileset}/{z}/{x}/{y}.mvt"]["get"]["operationId"],
            "getTilesTilesetZXYMvt"
        );
    }

    #[test]
    fn problem_answers_carry_their_description() {
        let answers = NotFound::responses();
        let Some(RefOr::T(answer)) = answers.get("404") else {
            panic!("no 404 among {:?}", answers.keys());
        };
        assert_eq!(
            answer.description,
            "No such object (or one the account does not see)."
        );
    }
}
