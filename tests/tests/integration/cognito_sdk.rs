//! What the suites driving authport's Cognito API through the Rust SDK share: the client, and
//! the reading of a refusal.

use std::net::SocketAddr;

use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::config::retry::RetryConfig;
use aws_sdk_cognitoidentityprovider::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata;
use aws_sdk_cognitoidentityprovider::types::AttributeType;

/// The region of the suites' requests (so of the pools they create).
pub const REGION: &str = "eu-west-1";

/// An unmodified SDK client for the Cognito API at `addr`: static credentials, no retries (a
/// server error must show, not be hidden behind a later answer).
pub fn sdk(addr: SocketAddr) -> Client {
    let config = aws_sdk_cognitoidentityprovider::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .credentials_provider(Credentials::new("test", "test", None, None, "authport-tests"))
        .endpoint_url(format!("http://{addr}"))
        .retry_config(RetryConfig::disabled())
        .build();
    Client::from_conf(config)
}

/// The exception and message of a refused call.
pub fn refusal<E: ProvideErrorMetadata>(err: E) -> (String, String) {
    (err.code().unwrap_or_default().to_owned(), err.message().unwrap_or_default().to_owned())
}

pub fn pair(code: &str, message: &str) -> (String, String) {
    (code.to_owned(), message.to_owned())
}

pub fn attribute(name: &str, value: &str) -> AttributeType {
    AttributeType::builder().name(name).value(value).build().expect("attribute")
}
