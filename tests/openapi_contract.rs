//! The OpenAPI document describes what the server answers (docs/api.md#openapi): every
//! error is `application/problem+json`, every operation lists the statuses it can answer
//! (401 always; 400, 413, 415 and 422 with a body; 404 with a path parameter), list
//! parameters are query integers, and create bodies carry their real constraints. The
//! property-based run against a real server is `scripts/test-openapi` (schemathesis).
use serde_json::Value;

fn doc() -> Value {
    herald::api::openapi()
}

fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = vec![];
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                out.push((method.to_uppercase(), path.clone(), op.clone()));
            }
        }
    }
    out
}

#[test]
fn every_operation_documents_its_errors_as_problem_json() {
    let doc = doc();
    let ops = operations(&doc);
    assert!(ops.len() >= 19, "{}", ops.len());
    for (method, path, op) in ops {
        let responses = op["responses"].as_object().unwrap();
        let has = |s: &str| responses.contains_key(s);
        let mut want = vec!["401", "500"];
        if op.get("requestBody").is_some() {
            want.extend(["400", "413", "415", "422"]);
        }
        let params = op["parameters"].as_array().cloned().unwrap_or_default();
        if params.iter().any(|p| p["in"] == "path") {
            want.push("404");
        }
        if params.iter().any(|p| p["in"] == "query") {
            want.push("422");
        }
        for status in want {
            assert!(has(status), "{method} {path} does not document {status}");
        }
        for (status, response) in responses {
            if status.as_str() >= "400" {
                let content = response["content"].as_object().unwrap();
                let types: Vec<&String> = content.keys().collect();
                assert_eq!(
                    types,
                    ["application/problem+json"],
                    "{method} {path} {status}"
                );
            }
        }
    }
}

#[test]
fn list_parameters_are_query_integers() {
    let doc = doc();
    for path in ["/webhooks", "/event-types", "/webhooks/{id}/deliveries"] {
        let params = doc["paths"][path]["get"]["parameters"].as_array().unwrap();
        let limit = params.iter().find(|p| p["name"] == "limit").unwrap();
        assert_eq!(limit["in"], "query", "{path}");
        assert_eq!(limit["schema"]["type"], "integer", "{path}: {limit}");
        let cursor = params.iter().find(|p| p["name"] == "cursor").unwrap();
        assert_eq!(cursor["in"], "query", "{path}");
    }
}

#[test]
fn create_bodies_carry_their_constraints() {
    let doc = doc();
    let schemas = &doc["components"]["schemas"];
    let body = &doc["paths"]["/webhooks"]["post"]["requestBody"]["content"]["application/json"]
        ["schema"]["$ref"];
    assert_eq!(body, "#/components/schemas/WebhookCreate");
    // The object itself, then the rules that depend on `format`.
    let create = &schemas["WebhookCreate"]["allOf"][0];
    assert!(schemas["WebhookCreate"]["allOf"].as_array().unwrap().len() > 1);
    let required: Vec<&str> = create["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert!(
        required.contains(&"name") && required.contains(&"url"),
        "{create}"
    );
    assert_eq!(create["properties"]["name"]["minLength"], 1);
    assert_eq!(create["properties"]["timeout_ms"]["minimum"], 1000);
    assert_eq!(create["properties"]["timeout_ms"]["maximum"], 30000);
    assert_eq!(schemas["CreateKey"]["properties"]["name"]["minLength"], 1);
    assert_eq!(schemas["CreateKey"]["properties"]["name"]["maxLength"], 100);
    assert_eq!(
        schemas["EventTypeInput"]["properties"]["name"]["minLength"],
        1
    );
    assert_eq!(schemas["SubjectFilter"]["additionalProperties"], false);
    assert!(schemas["WebhookInput"]["properties"]
        .get("secret")
        .is_none());
    assert_eq!(
        create["properties"]["retry"]["oneOf"][1]["$ref"],
        "#/components/schemas/RetryPolicy"
    );
    let types = schemas["EventInput"]["properties"]["type"]["enum"]
        .as_array()
        .unwrap();
    assert!(types.iter().any(|t| t == "evaluation.failed"));
}
