//! The HTTP edge (warp). Routes come in groups, each owning its `routes()` and one named
//! function per route that carries the route's OpenAPI annotation:
//!
//! - [`auth`]: sign-up, log-in and the new-password challenge;
//! - [`session`]: token refresh, log-out, who is logged in, the JWKS;
//! - [`ops`]: liveness, readiness, metrics and the OpenAPI document;
//! - [`page`]: the sign-up / log-in page and the password policy it shows.
//!
//! [`middleware`] wraps them all (request ids, the request log, metrics, security headers);
//! [`problem`] is the one place where failures become HTTP answers; [`openapi`] assembles the
//! document from the groups, and the list of routes the metrics and tests use comes from it.
//!
//! **Adding a route:** write its function in its group (the filter, the handling, and a
//! `#[utoipa::path]`), and add the function's name to the group's `route_group!` line.

mod account;
mod auth;
mod dto;
mod filters;
mod middleware;
pub(crate) mod openapi;
mod ops;
mod page;
mod problem;
mod session;

use std::sync::Arc;

use authport_domain::AuthService;
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::reply::Response;

use crate::limits::RateLimits;
use crate::verifier::AccessTokenVerifier;

pub use openapi::routes as documented_routes;

/// Largest request body accepted (bytes).
pub const MAX_BODY_BYTES: u64 = 16 * 1024;

/// One route: a filter answering one method on one path.
type Route = BoxedFilter<(Response,)>;

/// What the routes work with.
#[derive(Debug, Clone)]
pub struct AppState {
    pub service: AuthService,
    pub verifier: Arc<AccessTokenVerifier>,
    pub limits: Arc<RateLimits>,
}

/// Declares a route group from the one list of its route functions (each `fn(&AppState) ->
/// Route` with a `#[utoipa::path]`): `routes()`, trying them in order, and `Api`, their part of
/// the OpenAPI document.
macro_rules! route_group {
    ($first:ident $(, $route:ident)* $(,)?) => {
        /// Every route of this group.
        pub(super) fn routes(state: &$crate::http::AppState) -> $crate::http::Route {
            use warp::Filter as _;
            $first(state)$(.or($route(state)).unify())*.boxed()
        }

        /// This group's paths of the OpenAPI document.
        #[derive(utoipa::OpenApi)]
        #[openapi(paths($first $(, $route)*))]
        pub(super) struct Api;
    };
}
use route_group;

/// Every route, wrapped in the middleware; answers every request (failures as problems).
pub fn routes(state: AppState) -> impl Filter<Extract = (Response,), Error = std::convert::Infallible> + Clone {
    let routes = auth::routes(&state)
        .or(session::routes(&state))
        .unify()
        .or(account::routes(&state))
        .unify()
        .or(ops::routes(&state))
        .unify()
        .or(page::routes(&state))
        .unify();
    middleware::wrap(routes)
}
