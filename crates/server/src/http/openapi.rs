//! `GET /openapi.json`: the OpenAPI 3.1 document of the HTTP API, generated from the code with
//! `utoipa` — the wire types in `dto.rs` and the `Problem` body derive `ToSchema`, each handler
//! carries a `#[utoipa::path]` with its request body, its success and its error statuses.
//!
//! **Adding a route to the document:** put `#[utoipa::path(<method>, path = "…", responses(…))]`
//! on its handler (errors as `body = Problem, content_type = "application/problem+json"`), list
//! the handler in `paths(…)` below (and any new body type in `components(schemas(…))`), and add
//! the route to [`super::ROUTES`]. The unit test below fails while the two disagree.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{dto, handlers, problem};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "authport",
        description = "Sign-up and log-in with e-mail + password. Every error is an RFC 9457 \
                       `application/problem+json` document with a stable `code` member.",
        license(name = "MIT OR Apache-2.0"),
    ),
    paths(
        handlers::sign_up,
        handlers::log_in,
        handlers::complete_new_password,
        handlers::refresh,
        handlers::log_out,
        handlers::me,
        handlers::jwks,
        handlers::healthz,
        super::page::password_policy_doc,
        openapi_json,
        readyz_doc,
        metrics_doc,
        page_doc,
        page_js_doc,
        page_css_doc,
    ),
    components(schemas(dto::TokenType, problem::Problem, problem::Violation)),
    modifiers(&BearerSecurity),
    tags(
        (name = "v1", description = "API v1: sign-up, log-in, tokens"),
        (name = "operations", description = "Keys, health and this document"),
        (name = "page", description = "The sign-up / log-in page"),
    ),
)]
struct ApiDoc;

/// The failures of every route that reads a JSON body (`filters::json_body`), for
/// `#[utoipa::path(responses(…, BodyErrors))]`.
#[derive(utoipa::IntoResponses)]
#[expect(dead_code, reason = "documents responses only")]
pub(super) enum BodyErrors {
    #[response(
        status = 400,
        description = "`malformed_request`: not JSON, or a member is missing or has the wrong type",
        content_type = "application/problem+json"
    )]
    Malformed(problem::Problem),
    #[response(
        status = 413,
        description = "`payload_too_large`: the body exceeds 16 KiB",
        content_type = "application/problem+json"
    )]
    TooLarge(problem::Problem),
    #[response(
        status = 415,
        description = "`unsupported_media_type`: the body is not `application/json`",
        content_type = "application/problem+json"
    )]
    MediaType(problem::Problem),
}

/// The failures of every route that calls the backend (`BackendError` in `problem.rs`).
#[derive(utoipa::IntoResponses)]
#[expect(dead_code, reason = "documents responses only")]
pub(super) enum BackendErrors {
    #[response(
        status = 429,
        description = "`too_many_requests` (with `Retry-After`)",
        content_type = "application/problem+json"
    )]
    RateLimited(problem::Problem),
    #[response(
        status = 500,
        description = "`internal_error`: an unexpected backend failure",
        content_type = "application/problem+json"
    )]
    Internal(problem::Problem),
    #[response(
        status = 503,
        description = "`backend_unavailable` (with `Retry-After`)",
        content_type = "application/problem+json"
    )]
    Unavailable(problem::Problem),
}

/// The `bearer` security scheme of `/v1/me` and `/v1/logout`: an RS256 access token.
struct BearerSecurity;

impl Modify for BearerSecurity {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build()),
        );
    }
}

/// The document, as served.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// This document.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "operations",
    responses((status = 200, description = "This OpenAPI document", content_type = "application/json", body = Object))
)]
#[allow(dead_code, reason = "only documents the route; the route itself is in `routes()`")]
fn openapi_json() {}

/// `200` of `GET /readyz` (built with `json!` in `ops::readyz`).
#[derive(utoipa::ToSchema)]
#[expect(dead_code, reason = "a schema only")]
struct Ready {
    #[schema(example = "ready")]
    status: String,
    /// `memory`, `postgres` or `cognito`.
    #[schema(example = "memory")]
    backend: String,
}

/// The readiness probe (`ops::readyz`): ready only when the backend answers.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "operations",
    responses(
        (status = 200, description = "The backend answered", body = Ready),
        (status = 503, description = "`backend_unavailable`: the backend does not answer",
         body = problem::Problem, content_type = "application/problem+json"),
    )
)]
#[allow(dead_code, reason = "only documents the route; the route itself is in `routes()`")]
fn readyz_doc() {}

/// Prometheus metrics (`ops::metrics`).
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "operations",
    responses((status = 200, description = "Prometheus text exposition format 0.0.4",
               content_type = "text/plain; version=0.0.4; charset=utf-8", body = String))
)]
#[allow(dead_code, reason = "only documents the route; the route itself is in `routes()`")]
fn metrics_doc() {}

/// The sign-up / log-in page (`page::routes`).
#[utoipa::path(get, path = "/", tag = "page",
    responses((status = 200, description = "The page", content_type = "text/html", body = String)))]
#[allow(dead_code, reason = "only documents the route; the route itself is in `routes()`")]
fn page_doc() {}

/// The page's script.
#[utoipa::path(get, path = "/app.js", tag = "page",
    responses((status = 200, description = "The page's script", content_type = "text/javascript", body = String)))]
#[allow(dead_code, reason = "only documents the route; the route itself is in `routes()`")]
fn page_js_doc() {}

/// The page's style sheet.
#[utoipa::path(get, path = "/app.css", tag = "page",
    responses((status = 200, description = "The page's style sheet", content_type = "text/css", body = String)))]
#[allow(dead_code, reason = "only documents the route; the route itself is in `routes()`")]
fn page_css_doc() {}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn the_document_lists_exactly_the_routes_the_server_answers() {
        let doc = serde_json::to_value(document()).expect("serialisable");
        assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")), "{}", doc["openapi"]);
        let documented: BTreeSet<(String, String)> = doc["paths"]
            .as_object()
            .expect("paths")
            .iter()
            .flat_map(|(path, item)| {
                item.as_object().expect("path item").keys().map(move |method| (method.to_uppercase(), path.clone()))
            })
            .collect();
        let served: BTreeSet<(String, String)> =
            super::super::ROUTES.iter().map(|(method, path)| ((*method).to_owned(), (*path).to_owned())).collect();
        assert_eq!(documented, served, "the OpenAPI document and `http::ROUTES` disagree");
    }

    #[test]
    fn errors_are_problem_documents_with_a_code() {
        let doc = serde_json::to_value(document()).expect("serialisable");
        let problem = &doc["components"]["schemas"]["Problem"];
        let required: Vec<&str> =
            problem["required"].as_array().expect("required").iter().filter_map(|v| v.as_str()).collect();
        for member in ["type", "title", "status", "detail", "code"] {
            assert!(required.contains(&member), "{member} not required in {problem}");
        }
        for member in ["violations", "session"] {
            assert!(problem["properties"][member].is_object(), "{member} missing in {problem}");
        }
        let signup = &doc["paths"]["/v1/signup"]["post"]["responses"];
        for status in ["400", "409", "413", "415", "422", "429", "503"] {
            assert!(
                signup[status]["content"]["application/problem+json"]["schema"]["$ref"]
                    .as_str()
                    .is_some_and(|r| r.ends_with("/Problem")),
                "{status}: {}",
                signup[status]
            );
        }
        assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
        assert!(doc["paths"]["/v1/me"]["get"]["security"].is_array());
    }
}
