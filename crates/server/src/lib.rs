//! # authport-server — the inbound HTTP edge and the `authport` binary
//!
//! - [`config`]: command line / environment configuration (`clap`).
//! - [`startup`]: [`Application::build`] wires the chosen backend adapter behind the
//!   `IdentityProvider` port and binds the warp server.
//! - `http`: the route groups, the middleware around them, wire types and the one place where
//!   errors become HTTP answers; `serve`: the connections, each request in its own log span.

pub mod cognito_api;
pub mod config;
mod http;
pub mod limits;
pub mod metrics;
mod serve;
pub mod startup;
pub mod telemetry;
pub mod timeout;
pub mod verifier;

/// Every `(method, path)` the server answers, as its OpenAPI document (`/openapi.json`) lists them.
pub use http::documented_routes as routes;
pub use startup::{Application, main, run};
