//! What testers need from an emulator, under `/_authport/` on the Cognito listener (Cognito has
//! no such paths, so no SDK call can reach them by mistake):
//!
//! - `POST /_authport/reset` (everything, or `?pool=<id>`): test runs independent of each other
//!   without a restart; the seed file is applied again afterwards;
//! - `GET /_authport/messages` (`?pool=<id>&username=<name>`): the invitations, confirmation
//!   codes and password-reset codes Cognito would have e-mailed or texted;
//! - `GET` / `POST /_authport/clock` (`{"AdvanceSeconds": n}`), only with
//!   `--cognito-api-test-clock`: the engine's time moved forward, so that expiry is tested
//!   through unmodified SDKs without waiting.
//!
//! Answers are JSON; refusals are in the Cognito API's error shape.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use authport_userpool::PoolStore;
use authport_userpool::clock::Clock as _;
use authport_userpool::engine::emulator::Reset;
use authport_userpool::model::Message;
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{Value, json};
use warp::Filter;
use warp::http::StatusCode;
use warp::reply::Response;

use super::Api;
use super::actions::pool_id;
use super::wire::{self, WireError};

fn seconds(time: SystemTime) -> f64 {
    time.duration_since(SystemTime::UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64())
}

fn answer(result: Result<Value, WireError>) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    match result {
        Ok(body) => wire::ok(&body, &request_id),
        Err(err) => err.into_response(&request_id),
    }
}

/// The pool a query names, if it names one.
fn named_pool(query: &HashMap<String, String>) -> Result<Option<authport_userpool::model::PoolId>, WireError> {
    query.get("pool").map(|raw| pool_id(raw)).transpose()
}

async fn reset<S: PoolStore>(api: Arc<Api<S>>, query: HashMap<String, String>) -> Result<Response, Infallible> {
    let result = async {
        let scope = match named_pool(&query)? {
            Some(pool) => Reset::Pool(pool),
            None => Reset::Everything,
        };
        api.engine.reset(&scope).await?;
        let seeded = super::apply_seed(&api).await?;
        let reset = match scope {
            Reset::Pool(pool) => pool.to_string(),
            Reset::Everything => "everything".to_owned(),
        };
        tracing::info!(reset, "the Cognito API's pools were reset");
        Ok(json!({ "Reset": reset, "Seed": seeded }))
    };
    Ok(answer(result.await))
}

fn message_json(message: &Message) -> Value {
    json!({
        "UserPoolId": message.pool_id.to_string(),
        "Username": message.username,
        "Kind": message.kind.as_str(),
        "DeliveryMedium": message.medium.as_str(),
        "Destination": message.destination,
        "Message": message.body,
        "Code": message.code,
        "CreatedAt": seconds(message.created_at),
    })
}

async fn messages<S: PoolStore>(api: Arc<Api<S>>, query: HashMap<String, String>) -> Result<Response, Infallible> {
    let result = async {
        let pool = named_pool(&query)?;
        let messages = api.engine.recorded_messages(pool.as_ref(), query.get("username").map(String::as_str)).await?;
        Ok(json!({ "Messages": messages.iter().map(message_json).collect::<Vec<_>>() }))
    };
    Ok(answer(result.await))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct ClockRequest {
    advance_seconds: f64,
}

/// Where the test clock stands: its time, and how far ahead of the system's clock.
fn clock_json(clock: &authport_userpool::clock::AdjustableClock) -> Value {
    json!({ "Now": seconds(clock.now()), "AheadSeconds": clock.ahead().as_secs_f64() })
}

fn clock_off() -> WireError {
    WireError {
        status: StatusCode::NOT_FOUND,
        ..WireError::client(
            "ResourceNotFoundException",
            "The test clock is off: start authport with --cognito-api-test-clock to move time forward.",
        )
    }
}

async fn read_clock<S: PoolStore>(api: Arc<Api<S>>) -> Result<Response, Infallible> {
    Ok(answer(api.test_clock.as_deref().map(clock_json).ok_or_else(clock_off)))
}

async fn move_clock<S: PoolStore>(api: Arc<Api<S>>, body: Bytes) -> Result<Response, Infallible> {
    let result = (|| {
        let clock = api.test_clock.as_deref().ok_or_else(clock_off)?;
        let request: ClockRequest = wire::parse(&body)?;
        let by = Duration::try_from_secs_f64(request.advance_seconds).map_err(|_| {
            WireError::invalid_parameter("AdvanceSeconds is a number of seconds, 0 or more: time only moves forward")
        })?;
        let ahead = clock.advance(by);
        tracing::warn!(ahead_seconds = ahead.as_secs_f64(), "the test clock was moved forward");
        Ok(clock_json(clock))
    })();
    Ok(answer(result))
}

/// The routes under `/_authport/`.
pub fn routes<S: PoolStore>(
    api: Arc<Api<S>>,
) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone + Send + Sync + 'static {
    let with_api = warp::any().map(move || Arc::clone(&api));
    let base = warp::path("_authport");
    let reset = warp::post()
        .and(base)
        .and(warp::path("reset"))
        .and(warp::path::end())
        .and(with_api.clone())
        .and(warp::query::<HashMap<String, String>>())
        .and_then(reset);
    let messages = warp::get()
        .and(base)
        .and(warp::path("messages"))
        .and(warp::path::end())
        .and(with_api.clone())
        .and(warp::query::<HashMap<String, String>>())
        .and_then(messages);
    let clock = base.and(warp::path("clock")).and(warp::path::end());
    let read_clock = warp::get().and(clock).and(with_api.clone()).and_then(read_clock);
    let move_clock = warp::post()
        .and(clock)
        .and(with_api)
        .and(warp::body::content_length_limit(1024))
        .and(warp::body::bytes())
        .and_then(move_clock);
    reset.or(messages).unify().or(read_clock).unify().or(move_clock).unify()
}
