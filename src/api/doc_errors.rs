//! The error answers every operation of the OpenAPI document can give, attached to each
//! operation generically (docs/api.md#errors), so a route added later inherits them:
//! every error is `application/problem+json` with the `Problem` schema; every operation
//! may answer 401 (no or a bad key) and 500; one with a request body 400 (not JSON), 413
//! (over 1 MiB), 415 (not `application/json`) and 422; one with query parameters 422; one
//! with path parameters 404. Responses an operation documents itself (409, 429, …) keep
//! their description and get the same content.
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, Response, ResponseBuilder};
use utoipa::Modify;

pub const PROBLEM_JSON: &str = "application/problem+json";

pub struct ErrorResponses;

impl Modify for ErrorResponses {
    fn modify(&self, openapi: &mut OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            let ops = [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ];
            for op in ops.into_iter().flatten() {
                add_error_responses(op);
            }
        }
    }
}

/// The statuses `op` can fail with, by what it takes.
pub fn error_statuses(has_body: bool, has_query: bool, has_path: bool) -> Vec<(u16, &'static str)> {
    let mut out = vec![(401, "missing, unknown or revoked API key")];
    if has_body {
        out.extend([
            (400, "the body is not valid JSON"),
            (413, "the body is over 1 MiB"),
            (415, "the body is not sent as application/json"),
        ]);
    }
    if has_path {
        out.push((404, "not found"));
    }
    if has_body || has_query {
        out.push((
            422,
            "a field is missing, unknown, of the wrong type or out of range (see errors)",
        ));
    }
    out.push((500, "an internal failure"));
    out
}

fn problem(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            PROBLEM_JSON,
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build()
}

fn add_error_responses(op: &mut Operation) {
    let params = op.parameters.as_deref().unwrap_or_default();
    let has_query = params.iter().any(|p| p.parameter_in == ParameterIn::Query);
    let has_path = params.iter().any(|p| p.parameter_in == ParameterIn::Path);
    let has_body = op.request_body.is_some();
    let responses = &mut op.responses.responses;
    for (status, description) in error_statuses(has_body, has_query, has_path) {
        responses
            .entry(status.to_string())
            .or_insert_with(|| RefOr::T(problem(description)));
    }
    // Every error, including those documented by hand, is problem+json.
    for (status, response) in responses.iter_mut() {
        if status.as_str() >= "400" {
            if let RefOr::T(r) = response {
                let description = r.description.clone();
                *r = problem(&description);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_follow_what_an_operation_takes() {
        let codes = |b, q, p| -> Vec<u16> {
            let mut c: Vec<u16> = error_statuses(b, q, p)
                .into_iter()
                .map(|(s, _)| s)
                .collect();
            c.sort();
            c
        };
        assert_eq!(codes(false, false, false), [401, 500]);
        assert_eq!(codes(false, true, false), [401, 422, 500]);
        assert_eq!(codes(false, false, true), [401, 404, 500]);
        assert_eq!(
            codes(true, false, true),
            [400, 401, 404, 413, 415, 422, 500]
        );
    }
}
