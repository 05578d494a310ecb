//! # authport-server — the inbound HTTP edge and the `authport` binary
//!
//! - [`config`]: command line / environment configuration (`clap`).
//! - [`startup`]: [`Application::build`] wires the chosen backend adapter behind the
//!   `IdentityProvider` port and binds the warp server.
//! - `http`: filters, handlers, wire types and the one place where errors become HTTP answers.

pub mod config;
mod http;
pub mod limits;
pub mod metrics;
pub mod startup;
pub mod telemetry;
pub mod timeout;
pub mod verifier;

/// Every `(method, path)` the server answers (the OpenAPI document at `/openapi.json` lists them).
pub use http::ROUTES;
pub use startup::{Application, main, run};
