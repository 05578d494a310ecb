//! `GET /openapi.json`: the OpenAPI 3.1 document of the HTTP API, generated from the code with
//! `utoipa` — the wire types in `dto.rs` and the `Problem` body derive `ToSchema`, each route
//! function carries a `#[utoipa::path]` with its request body, its success and its error
//! statuses, and each route group (`route_group!`) contributes its routes' paths. The list of
//! routes ([`routes`]) is read from this document.

use std::sync::LazyLock;

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{account, auth, dto, ops, page, problem, session};

/// What the document says beyond the groups' paths.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "authport",
        description = "Sign-up and log-in with e-mail + password. Every error is an RFC 9457 \
                       `application/problem+json` document with a stable `code` member.",
        license(name = "MIT OR Apache-2.0"),
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

/// The document, as served: [`ApiDoc`] with every group's paths.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut document = ApiDoc::openapi();
    for group in [
        auth::Api::openapi(),
        session::Api::openapi(),
        account::Api::openapi(),
        ops::Api::openapi(),
        page::Api::openapi(),
    ] {
        document.merge(group);
    }
    document
}

/// Every `(method, path)` the server answers (method in upper case), from the document.
pub fn routes() -> &'static [(String, String)] {
    static ROUTES: LazyLock<Vec<(String, String)>> = LazyLock::new(|| {
        let paths = serde_json::to_value(document().paths).expect("the paths serialise");
        let paths = paths.as_object().map(|paths| paths.iter()).into_iter().flatten();
        paths
            .flat_map(|(path, item)| {
                let methods = item.as_object().map(|item| item.keys()).into_iter().flatten();
                methods.map(move |method| (method.to_uppercase(), path.clone()))
            })
            .collect()
    });
    &ROUTES
}

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

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// The route list is the document's: every operation once, with its method.
    #[test]
    fn the_routes_are_read_from_the_document() {
        let doc = serde_json::to_value(document()).expect("serialisable");
        assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")), "{}", doc["openapi"]);
        let operations: usize =
            doc["paths"].as_object().expect("paths").values().map(|item| item.as_object().expect("item").len()).sum();
        let routes: BTreeSet<&(String, String)> = routes().iter().collect();
        assert_eq!(routes.len(), operations, "{routes:?}");
        for route in [("POST", "/v1/signup"), ("GET", "/v1/me"), ("GET", "/"), ("GET", "/openapi.json")] {
            assert!(routes.contains(&(route.0.to_owned(), route.1.to_owned())), "{route:?} in {routes:?}");
        }
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
