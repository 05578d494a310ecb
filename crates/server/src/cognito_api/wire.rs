//! AWS JSON 1.1 as Cognito speaks it: the request's action (`X-Amz-Target`) and body, the
//! answer (`Content-Type: application/x-amz-json-1.1`, `x-amzn-RequestId`), and errors exactly
//! as Cognito sends them — status, `__type`, `message` (`Message` for serialization errors),
//! `x-amzn-ErrorType: <name>:` and `x-amzn-ErrorMessage`. Engine errors become wire errors here,
//! and only here.

use authport_userpool::PoolError;
use serde::Serialize;
use serde::de::DeserializeOwned;
use warp::http::{HeaderValue, StatusCode};
use warp::reply::Response;

/// The target prefix of Cognito user pool actions.
pub const TARGET_PREFIX: &str = "AWSCognitoIdentityProviderService.";
pub const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

/// An error as it goes on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireError {
    pub status: StatusCode,
    /// `__type`.
    pub exception: &'static str,
    pub message: String,
}

impl WireError {
    pub fn client(exception: &'static str, message: impl Into<String>) -> Self {
        Self { status: StatusCode::BAD_REQUEST, exception, message: message.into() }
    }

    pub fn invalid_parameter(message: impl Into<String>) -> Self {
        Self::client("InvalidParameterException", message)
    }

    /// A body that is not JSON, or a member of the wrong JSON type.
    pub fn serialization(message: impl Into<String>) -> Self {
        Self::client("SerializationException", message)
    }

    /// Cognito's answer to a failure inside: 500, and nothing of the cause (which is logged).
    pub fn internal() -> Self {
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            exception: "InternalErrorException",
            message: "Internal server error.".to_owned(),
        }
    }

    /// The response: body and headers as Cognito's.
    pub fn into_response(self, request_id: &str) -> Response {
        // Serialization errors name their message with a capital M, every other exception not.
        let key = if self.exception == "SerializationException" { "Message" } else { "message" };
        let body = serde_json::json!({ "__type": self.exception, key: self.message }).to_string();
        let mut response = json_response(self.status, body, request_id);
        let headers = response.headers_mut();
        if let Ok(value) = HeaderValue::from_str(&format!("{}:", self.exception)) {
            headers.insert("x-amzn-ErrorType", value);
        }
        // Header values must be visible ASCII; a message that is not is left to the body.
        if let Ok(value) = HeaderValue::from_str(&self.message) {
            headers.insert("x-amzn-ErrorMessage", value);
        }
        response
    }
}

/// The one mapping of engine answers to the wire: each exception is Cognito's, 400; the store,
/// hashing and signing failing inside is 500 `InternalErrorException` (logged by the caller).
impl From<PoolError> for WireError {
    fn from(err: PoolError) -> Self {
        match err {
            internal @ (PoolError::Store(_)
            | PoolError::Internal(_)
            | PoolError::Hashing(authport_userpool::HashError::Failed(_))) => {
                // The cause is for the operator: logged with its chain, never sent.
                tracing::error!(error = %crate::telemetry::error_chain(&internal), "the Cognito API failed inside");
                Self::internal()
            }
            other => Self::client(other.exception(), other.to_string()),
        }
    }
}

pub fn json_response(status: StatusCode, body: String, request_id: &str) -> Response {
    let mut response = Response::new(body.into());
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert("content-type", HeaderValue::from_static(CONTENT_TYPE));
    if let Ok(value) = HeaderValue::from_str(request_id) {
        headers.insert("x-amzn-RequestId", value);
    }
    response
}

/// A successful answer.
pub fn ok(body: &impl Serialize, request_id: &str) -> Response {
    match serde_json::to_string(body) {
        Ok(body) => json_response(StatusCode::OK, body, request_id),
        Err(err) => {
            tracing::error!(error = %err, "a Cognito API answer could not be serialised");
            WireError::internal().into_response(request_id)
        }
    }
}

/// Reads a request body: `{}` when empty; a serialization error (as Cognito's) when it is not
/// JSON or a member has the wrong type.
pub fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, WireError> {
    let body = if body.iter().all(u8::is_ascii_whitespace) { b"{}".as_slice() } else { body };
    serde_json::from_slice(body).map_err(|err| match err.classify() {
        serde_json::error::Category::Data => WireError::serialization("Unexpected field type"),
        _ => WireError::serialization(format!("Invalid JSON: {err}")),
    })
}

/// Cognito's request validation (Coral's): every violated constraint of the request's members,
/// as `N validation error(s) detected: …`. Values of sensitive members are not repeated.
#[derive(Debug, Default)]
pub struct Checks {
    errors: Vec<String>,
}

impl Checks {
    fn fail(&mut self, value: Option<&str>, sensitive: bool, member: &str, constraint: &str) {
        let value = match value {
            None => "Value null".to_owned(),
            Some(_) if sensitive => "Value".to_owned(),
            Some(value) => format!("Value '{value}'"),
        };
        self.errors.push(format!("{value} at '{member}' failed to satisfy constraint: {constraint}"));
    }

    /// The member must be present.
    pub fn required<'a, T>(&mut self, value: &'a Option<T>, member: &str) -> Option<&'a T> {
        if value.is_none() {
            self.fail(None, false, member, "Member must not be null");
        }
        value.as_ref()
    }

    /// A string member's length, in characters.
    pub fn length(&mut self, value: Option<&str>, member: &str, min: usize, max: usize, sensitive: bool) {
        let Some(text) = value else { return };
        let len = text.chars().count();
        if len < min {
            self.fail(value, sensitive, member, &format!("Member must have length greater than or equal to {min}"));
        } else if len > max {
            self.fail(value, sensitive, member, &format!("Member must have length less than or equal to {max}"));
        }
    }

    /// A string member's pattern, as `ok` decides it; `pattern` is the text Cognito names.
    pub fn pattern(
        &mut self,
        value: Option<&str>,
        member: &str,
        pattern: &str,
        sensitive: bool,
        ok: impl Fn(&str) -> bool,
    ) {
        if let Some(text) = value
            && !ok(text)
        {
            self.fail(value, sensitive, member, &format!("Member must satisfy regular expression pattern: {pattern}"));
        }
    }

    /// A string member must be one of `values`.
    pub fn one_of(&mut self, value: Option<&str>, member: &str, values: &[&str]) {
        if let Some(text) = value
            && !values.contains(&text)
        {
            let set = values.join(", ");
            self.fail(value, false, member, &format!("Member must satisfy enum value set: [{set}]"));
        }
    }

    /// A number member's range.
    pub fn range(&mut self, value: Option<i64>, member: &str, min: i64, max: i64) {
        let Some(number) = value else { return };
        let shown = number.to_string();
        if number < min {
            self.fail(Some(&shown), false, member, &format!("Member must have value greater than or equal to {min}"));
        } else if number > max {
            self.fail(Some(&shown), false, member, &format!("Member must have value less than or equal to {max}"));
        }
    }

    pub fn finish(self) -> Result<(), WireError> {
        match self.errors.len() {
            0 => Ok(()),
            1 => Err(WireError::invalid_parameter(format!("1 validation error detected: {}", self.errors[0]))),
            n => {
                Err(WireError::invalid_parameter(format!("{n} validation errors detected: {}", self.errors.join("; "))))
            }
        }
    }
}

impl Checks {
    /// A required `UserPoolIdType`: `[\w-]+_[0-9a-zA-Z]+`, 1–55.
    pub fn pool_id(&mut self, value: &Option<String>) {
        let value = self.required(value, "userPoolId").map(String::as_str);
        self.length(value, "userPoolId", 1, 55, false);
        self.pattern(value, "userPoolId", r"[\w-]+_[0-9a-zA-Z]+", false, |v| {
            authport_userpool::model::PoolId::parse(v).is_ok()
        });
    }

    /// A required `ClientIdType`: `[\w+]+`, 1–128 (sensitive).
    pub fn client_id(&mut self, value: &Option<String>) {
        let value = self.required(value, "clientId").map(String::as_str);
        self.length(value, "clientId", 1, 128, true);
        self.pattern(value, "clientId", r"[\w+]+", true, |v| {
            v.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '+')
        });
    }

    /// A required `UsernameType`: letters, marks, symbols, numbers and punctuation, 1–128
    /// (sensitive).
    pub fn username(&mut self, value: &Option<String>, member: &str) {
        let value = self.required(value, member).map(String::as_str);
        self.length(value, member, 1, 128, true);
        self.pattern(value, member, r"[\p{L}\p{M}\p{S}\p{N}\p{P}]+", true, |v| {
            v.chars().all(|c| !c.is_whitespace() && !c.is_control())
        });
    }

    /// A `PasswordType`: at most 256 (sensitive), no white space at either end — the pattern the
    /// service checks, `^[\S]+.*[\S]+$` (botocore's model still says `[\S]+`, but Cognito
    /// accepts inner spaces and names this pattern when it refuses).
    pub fn password(&mut self, value: &Option<String>, member: &str, required: bool) {
        let value = if required { self.required(value, member) } else { value.as_ref() }.map(String::as_str);
        self.length(value, member, 0, 256, true);
        self.pattern(value, member, r"^[\S]+.*[\S]+$", true, |v| {
            v.chars().count() >= 2 && !v.starts_with(char::is_whitespace) && !v.ends_with(char::is_whitespace)
        });
    }

    /// A `UserPoolNameType` or `ClientNameType`: `[\w\s+=,.@-]+`, 1–128.
    pub fn name(&mut self, value: &Option<String>, member: &str, required: bool) {
        let value = if required { self.required(value, member) } else { value.as_ref() }.map(String::as_str);
        self.length(value, member, 1, 128, false);
        self.pattern(value, member, r"[\w\s+=,.@-]+", false, |v| {
            v.chars().all(|c| c.is_alphanumeric() || c == '_' || c.is_whitespace() || "+=,.@-".contains(c))
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_errors_read_as_cognitos() {
        let mut checks = Checks::default();
        checks.required(&None::<String>, "userPoolId");
        let err = checks.finish().expect_err("missing");
        assert_eq!(
            (err.exception, err.message.as_str()),
            (
                "InvalidParameterException",
                "1 validation error detected: Value null at 'userPoolId' failed to satisfy constraint: Member must not be null"
            )
        );
        let mut checks = Checks::default();
        checks.pool_id(&Some("nounderscore".to_owned()));
        checks.password(&Some(" leading space".to_owned()), "password", true);
        let mut inner = Checks::default();
        inner.password(&Some("inner space".to_owned()), "password", true);
        assert!(inner.finish().is_ok(), "Cognito accepts inner spaces");
        let err = checks.finish().expect_err("two");
        assert_eq!(
            err.message,
            "2 validation errors detected: Value 'nounderscore' at 'userPoolId' failed to satisfy constraint: Member must \
             satisfy regular expression pattern: [\\w-]+_[0-9a-zA-Z]+; Value at 'password' failed to satisfy constraint: \
             Member must satisfy regular expression pattern: ^[\\S]+.*[\\S]+$"
        );
    }

    #[test]
    fn errors_go_on_the_wire_as_cognitos() {
        let response =
            WireError::client("NotAuthorizedException", "Incorrect username or password.").into_response("rid");
        assert_eq!(response.status(), 400);
        let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        assert_eq!(header("x-amzn-ErrorType").as_deref(), Some("NotAuthorizedException:"));
        assert_eq!(header("x-amzn-ErrorMessage").as_deref(), Some("Incorrect username or password."));
        assert_eq!(header("x-amzn-RequestId").as_deref(), Some("rid"));
        assert_eq!(header("content-type").as_deref(), Some(CONTENT_TYPE));
        let body = WireError::serialization("Unexpected field type").into_response("rid");
        assert_eq!(body.status(), 400);
        assert_eq!(
            WireError::from(PoolError::UserNotFound),
            WireError::client("UserNotFoundException", "User does not exist.")
        );
        let internal = WireError::from(PoolError::Internal("disk on fire".into()));
        assert_eq!((internal.status.as_u16(), internal.message.as_str()), (500, "Internal server error."));
    }
}
