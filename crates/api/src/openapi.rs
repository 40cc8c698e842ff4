//! Building blocks of the OpenAPI document that the route modules describe their paths
//! with; `ops` assembles the document from them. A leaf: it uses no route module.

use serde_json::{json, Value};

/// A GET operation that answers JSON, for the path tables of each part.
pub(crate) fn get_op(summary: &str, media: &str, parameters: Value) -> Value {
    json!({
        "get": {
            "summary": summary,
            "parameters": parameters,
            "responses": {
                "200": {"description": "OK", "content": {media: {}}},
                "400": {"$ref": "#/components/responses/Problem"},
                "503": {"$ref": "#/components/responses/Problem"}
            }
        }
    })
}
