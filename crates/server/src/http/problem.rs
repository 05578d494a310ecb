//! The one place where failures become HTTP answers: RFC 9457 `application/problem+json`
//! with a stable `code` member. Internals are logged (with the request, by the middleware)
//! and never sent.

use std::time::Duration;

use authport_domain::{
    BackendError, ChangePasswordError, DeleteAccountError, LogInError, NewPasswordError, PolicyRule, RefreshError,
    SignUpError, WeakPassword,
};
use serde::Serialize;
use warp::http::{HeaderValue, StatusCode, header};
use warp::reply::Response;
use warp::{Rejection, Reply};

/// Every failure the HTTP API can answer with.
#[derive(Debug)]
pub enum ApiError {
    SignUp(SignUpError),
    LogIn(LogInError),
    NewPassword(NewPasswordError),
    Refresh(RefreshError),
    ChangePassword(ChangePasswordError),
    DeleteAccount(DeleteAccountError),
    Backend(BackendError),
    /// Missing, malformed or invalid access token (answered with `WWW-Authenticate: Bearer`).
    InvalidToken,
    MalformedRequest {
        detail: String,
    },
    UnsupportedMediaType,
    PayloadTooLarge,
    NotFound,
    MethodNotAllowed {
        /// The `Allow` header: the methods of the path, e.g. `GET, DELETE`.
        allow: &'static str,
    },
    /// A rejection nobody mapped (a bug): what it was, for the log.
    Internal(String),
}

impl warp::reject::Reject for ApiError {}

impl From<SignUpError> for ApiError {
    fn from(err: SignUpError) -> Self {
        Self::SignUp(err)
    }
}

impl From<LogInError> for ApiError {
    fn from(err: LogInError) -> Self {
        Self::LogIn(err)
    }
}

impl From<NewPasswordError> for ApiError {
    fn from(err: NewPasswordError) -> Self {
        Self::NewPassword(err)
    }
}

impl From<RefreshError> for ApiError {
    fn from(err: RefreshError) -> Self {
        Self::Refresh(err)
    }
}

impl From<ChangePasswordError> for ApiError {
    fn from(err: ChangePasswordError) -> Self {
        Self::ChangePassword(err)
    }
}

impl From<DeleteAccountError> for ApiError {
    fn from(err: DeleteAccountError) -> Self {
        Self::DeleteAccount(err)
    }
}

impl From<BackendError> for ApiError {
    fn from(err: BackendError) -> Self {
        Self::Backend(err)
    }
}

/// An RFC 9457 problem document (`application/problem+json`), the body of every error.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(super) struct Problem {
    /// `urn:authport:problem:<code>`.
    #[serde(rename = "type")]
    #[schema(example = "urn:authport:problem:user_exists")]
    type_: String,
    #[schema(example = "User already exists")]
    title: &'static str,
    /// The HTTP status code of the answer.
    #[schema(example = 409)]
    status: u16,
    #[schema(example = "A user with this e-mail address already exists.")]
    detail: String,
    /// The stable, documented error code (see each operation's responses).
    #[schema(example = "user_exists")]
    code: &'static str,
    /// `weak_password` only: every rule of the password policy the password breaks.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    violations: Option<Vec<Violation>>,
    /// `password_change_required` only: answer it with `POST /v1/login/new-password`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    session: Option<String>,
    /// The request's id (the `X-Request-Id` header of the answer): quote it to support.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "0b5d9c7e-3c1a-4f2e-9a57-4a2f0f6f7d11")]
    request_id: Option<String>,
}

/// One broken rule of the password policy.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(super) struct Violation {
    /// `min_length`, `max_length`, `lowercase`, `uppercase`, `digit`, `symbol` or
    /// `no_surrounding_whitespace`.
    #[schema(example = "digit")]
    rule: &'static str,
    detail: String,
}

/// The stable, documented name of a policy rule.
fn rule_code(rule: PolicyRule) -> &'static str {
    match rule {
        PolicyRule::MinLength(_) => "min_length",
        PolicyRule::MaxLength(_) => "max_length",
        PolicyRule::Lowercase => "lowercase",
        PolicyRule::Uppercase => "uppercase",
        PolicyRule::Digit => "digit",
        PolicyRule::Symbol => "symbol",
        PolicyRule::NoSurroundingWhitespace => "no_surrounding_whitespace",
    }
}

struct Answer {
    status: StatusCode,
    code: &'static str,
    title: &'static str,
    detail: String,
    retry_after: Option<Duration>,
    allow: Option<&'static str>,
    violations: Option<Vec<Violation>>,
    session: Option<String>,
    www_authenticate: bool,
}

impl Answer {
    fn new(status: StatusCode, code: &'static str, title: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status,
            code,
            title,
            detail: detail.into(),
            retry_after: None,
            allow: None,
            violations: None,
            session: None,
            www_authenticate: false,
        }
    }

    fn invalid_email(err: &authport_domain::EmailError) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_email", "Invalid e-mail address", err.to_string())
    }

    fn weak_password(weak: &WeakPassword) -> Self {
        Self {
            violations: Some(
                weak.violations
                    .iter()
                    .map(|rule| Violation { rule: rule_code(*rule), detail: format!("The password {rule}.") })
                    .collect(),
            ),
            ..Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "weak_password",
                "Password does not meet the policy",
                "The password does not meet the password policy; see `violations`.",
            )
        }
    }

    fn backend(err: &BackendError) -> Self {
        match err {
            BackendError::RateLimited { retry_after } => Self::rate_limited(*retry_after),
            BackendError::Unavailable(_) => Self::unavailable(),
            BackendError::Unexpected(_) => Self::internal(),
        }
    }

    /// A wrong password (or an unknown user): one answer for both.
    fn invalid_credentials() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            "Invalid credentials",
            "The e-mail address or password is incorrect.",
        )
    }

    fn invalid_token(detail: &str) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "invalid_token", "Invalid token", detail)
    }

    fn rate_limited(retry_after: Option<Duration>) -> Self {
        Self {
            retry_after: Some(retry_after.unwrap_or(Duration::from_secs(1))),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_requests",
                "Too many requests",
                "Too many requests; retry later.",
            )
        }
    }

    fn unavailable() -> Self {
        Self {
            retry_after: Some(Duration::from_secs(5)),
            ..Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "backend_unavailable",
                "Identity backend unavailable",
                "The identity backend is unavailable; retry later.",
            )
        }
    }

    fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "Internal server error",
            "An unexpected error occurred.",
        )
    }
}

impl ApiError {
    fn answer(&self) -> Answer {
        match self {
            Self::SignUp(err) => match err {
                SignUpError::InvalidEmail(e) => Answer::invalid_email(e),
                SignUpError::WeakPassword(weak) => Answer::weak_password(weak),
                SignUpError::UserExists => Answer::new(
                    StatusCode::CONFLICT,
                    "user_exists",
                    "User already exists",
                    "A user with this e-mail address already exists.",
                ),
                SignUpError::Backend(err) => Answer::backend(err),
            },
            Self::LogIn(err) => match err {
                LogInError::InvalidCredentials => Answer::invalid_credentials(),
                LogInError::PasswordChangeRequired { session } => Answer {
                    session: Some(session.expose().to_owned()),
                    ..Answer::new(
                        StatusCode::FORBIDDEN,
                        "password_change_required",
                        "Password change required",
                        "The user must choose a new password; answer with `session`.",
                    )
                },
                LogInError::Backend(err) => Answer::backend(err),
            },
            Self::NewPassword(err) => match err {
                NewPasswordError::InvalidEmail(e) => Answer::invalid_email(e),
                NewPasswordError::WeakPassword(weak) => Answer::weak_password(weak),
                NewPasswordError::InvalidSession => Answer::new(
                    StatusCode::UNAUTHORIZED,
                    "invalid_session",
                    "Invalid session",
                    "The challenge session is invalid or has expired; log in again.",
                ),
                NewPasswordError::Backend(err) => Answer::backend(err),
            },
            Self::Refresh(err) => match err {
                RefreshError::InvalidToken => {
                    Answer::invalid_token("The refresh token is invalid, expired or revoked.")
                }
                RefreshError::Backend(err) => Answer::backend(err),
            },
            Self::ChangePassword(err) => match err {
                ChangePasswordError::InvalidCredentials => Answer::invalid_credentials(),
                ChangePasswordError::WeakPassword(weak) => Answer::weak_password(weak),
                ChangePasswordError::Backend(err) => Answer::backend(err),
            },
            Self::DeleteAccount(err) => match err {
                DeleteAccountError::InvalidCredentials => Answer::invalid_credentials(),
                DeleteAccountError::Backend(err) => Answer::backend(err),
            },
            Self::Backend(err) => Answer::backend(err),
            Self::InvalidToken => Answer {
                www_authenticate: true,
                ..Answer::invalid_token("A valid access token is required (Authorization: Bearer <token>).")
            },
            Self::MalformedRequest { detail } => {
                Answer::new(StatusCode::BAD_REQUEST, "malformed_request", "Malformed request", detail.clone())
            }
            Self::UnsupportedMediaType => Answer::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Unsupported media type",
                "Send the request body as `Content-Type: application/json`.",
            ),
            Self::PayloadTooLarge => Answer::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "Payload too large",
                format!("The request body must not exceed {} bytes.", super::MAX_BODY_BYTES),
            ),
            Self::Internal(_) => Answer::internal(),
            Self::NotFound => Answer::new(StatusCode::NOT_FOUND, "not_found", "Not found", "No such resource."),
            Self::MethodNotAllowed { allow } => Answer {
                allow: Some(allow),
                ..Answer::new(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "method_not_allowed",
                    "Method not allowed",
                    format!("This resource only allows {allow}."),
                )
            },
        }
    }

    /// The problem answer, with the request id in its body.
    fn to_response(&self, request_id: &str) -> Response {
        let answer = self.answer();
        let body = Problem {
            type_: format!("urn:authport:problem:{}", answer.code),
            title: answer.title,
            status: answer.status.as_u16(),
            detail: answer.detail,
            code: answer.code,
            violations: answer.violations,
            session: answer.session,
            request_id: Some(request_id.to_owned()),
        };
        let mut response = warp::reply::with_status(warp::reply::json(&body), answer.status).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if matches!(self, Self::PayloadTooLarge) {
            // The rest of the body is never read, so the connection cannot carry another request:
            // say so, or a keep-alive client reuses it and its next request dies with it.
            headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        if answer.www_authenticate {
            // RFC 6750 §3: a protected resource answers 401 with a Bearer challenge.
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(r#"Bearer realm="authport", error="invalid_token""#),
            );
        }
        if let Some(delay) = answer.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(delay.as_secs().max(1)));
        }
        if let Some(allow) = answer.allow {
            headers.insert(header::ALLOW, HeaderValue::from_static(allow));
        }
        response
    }
}

/// What the request log says about a failed request: the problem's `code`, and for failures
/// of the server or its backend the cause (logged only, never sent).
#[derive(Debug)]
pub struct Failure {
    pub code: &'static str,
    pub cause: Option<String>,
}

/// The single place every rejection (ours and warp's) becomes a problem answer, with the
/// request's id (called by the middleware, which wraps every route).
pub fn rejection_response(rejection: &Rejection, request_id: &str) -> (Response, Failure) {
    let fallback;
    let err = if let Some(err) = rejection.find::<ApiError>() {
        err
    } else {
        fallback = if rejection.is_not_found() {
            ApiError::NotFound
        } else if rejection.find::<warp::reject::PayloadTooLarge>().is_some() {
            ApiError::PayloadTooLarge
        } else if rejection.find::<warp::reject::UnsupportedMediaType>().is_some() {
            ApiError::UnsupportedMediaType
        } else {
            ApiError::Internal(format!("unhandled rejection: {rejection:?}"))
        };
        &fallback
    };
    let failure = Failure { code: err.answer().code, cause: err.cause() };
    (err.to_response(request_id), failure)
}

impl ApiError {
    /// Why the server or its backend failed, with the whole source chain.
    fn cause(&self) -> Option<String> {
        let backend = match self {
            Self::Internal(why) => return Some(why.clone()),
            Self::Backend(err)
            | Self::SignUp(SignUpError::Backend(err))
            | Self::LogIn(LogInError::Backend(err))
            | Self::NewPassword(NewPasswordError::Backend(err))
            | Self::Refresh(RefreshError::Backend(err))
            | Self::ChangePassword(ChangePasswordError::Backend(err))
            | Self::DeleteAccount(DeleteAccountError::Backend(err)) => err,
            _ => return None,
        };
        Some(crate::telemetry::error_chain(backend))
    }
}
