//! Cognito failures: classified once ([`AwsError`]), then mapped per operation onto the
//! domain's error enums. Mapping is by error *code*, never by message (messages differ between
//! Cognito and moto and are no stable interface).
//!
//! | Cognito outcome | sign-up | log-in | new password | change password, delete account (after the log-in check) |
//! |---|---|---|---|---|
//! | `UsernameExistsException`, `AliasExistsException` | `UserExists` | – | – | – |
//! | `InvalidPasswordException` | `WeakPassword` | – | `WeakPassword` | `WeakPassword` |
//! | `NotAuthorizedException` | – | `InvalidCredentials` | `InvalidSession` | – |
//! | `UserNotFoundException` | – | `InvalidCredentials` | `InvalidSession` | `InvalidCredentials` (the user went meanwhile) |
//! | `PasswordResetRequiredException`, `UserNotConfirmedException` | – | `InvalidCredentials` | – | – |
//! | `CodeMismatchException`, `ExpiredCodeException` | – | – | `InvalidSession` | – |
//! | `ResourceNotFoundException` | – | – | `InvalidSession` (moto's answer to a bad session) | – |
//! | `TooManyRequestsException`, `LimitExceededException`, HTTP 429 | `RateLimited` | `RateLimited` | `RateLimited` | `RateLimited` |
//! | timeout, connection failure, HTTP 502/503/504 | `BackendUnavailable` | `BackendUnavailable` | `BackendUnavailable` | `BackendUnavailable` |
//! | anything else (incl. `InternalErrorException`, unreadable answers) | `Unexpected` | `Unexpected` | `Unexpected` | `Unexpected` |
//!
//! The password check before a change or a deletion is a log-in, mapped as one.
//!
//! A `–` cell falls through to the last three rows.

use std::fmt;

use authport_domain::{
    BackendError, ChangePasswordError, LogInError, NewPasswordError, RefreshError, SignUpError, WeakPassword,
};
use aws_sdk_cognitoidentityprovider::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_cognitoidentityprovider::operation::RequestId as _;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;

pub(crate) const USERNAME_EXISTS: &str = "UsernameExistsException";
pub(crate) const ALIAS_EXISTS: &str = "AliasExistsException";
pub(crate) const INVALID_PASSWORD: &str = "InvalidPasswordException";
pub(crate) const NOT_AUTHORIZED: &str = "NotAuthorizedException";
pub(crate) const USER_NOT_FOUND: &str = "UserNotFoundException";
pub(crate) const PASSWORD_RESET_REQUIRED: &str = "PasswordResetRequiredException";
pub(crate) const USER_NOT_CONFIRMED: &str = "UserNotConfirmedException";
pub(crate) const CODE_MISMATCH: &str = "CodeMismatchException";
pub(crate) const EXPIRED_CODE: &str = "ExpiredCodeException";
pub(crate) const RESOURCE_NOT_FOUND: &str = "ResourceNotFoundException";
pub(crate) const TOO_MANY_REQUESTS: &str = "TooManyRequestsException";
pub(crate) const LIMIT_EXCEEDED: &str = "LimitExceededException";

/// One failed Cognito call, with what the logs need: operation, error code, HTTP status and
/// AWS request id. The SDK error (with Cognito's message) is the `source`.
#[derive(Debug, thiserror::Error)]
pub(crate) struct AwsError {
    operation: &'static str,
    kind: Kind,
    request_id: Option<String>,
    message: Option<String>,
    #[source]
    source: Box<dyn std::error::Error + Send + Sync + 'static>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    /// Cognito answered with an error (`code` is `None` for unmodelled answers, e.g. an HTML 500).
    Service { code: Option<String>, status: u16 },
    /// No answer within the operation or attempt timeout.
    Timeout,
    /// The request could not be sent: DNS, connection refused/reset, TLS, credentials.
    Dispatch,
    /// An answer arrived that the SDK could not read.
    Response,
    /// The request could not be built.
    Construction,
}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Cognito {} failed: ", self.operation)?;
        match &self.kind {
            Kind::Service { code, status } => {
                write!(f, "{} (HTTP {status})", code.as_deref().unwrap_or("unmodelled error"))?
            }
            Kind::Timeout => f.write_str("timed out")?,
            Kind::Dispatch => f.write_str("request not sent (connection, DNS, TLS or credentials)")?,
            Kind::Response => f.write_str("unreadable response")?,
            Kind::Construction => f.write_str("request not built")?,
        }
        write!(f, ", request id {}", self.request_id.as_deref().unwrap_or("none"))
    }
}

impl AwsError {
    /// Classifies an SDK error from `operation` (the API name, e.g. `AdminCreateUser`).
    pub(crate) fn from_sdk<E>(operation: &'static str, err: SdkError<E, HttpResponse>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let request_id = err.request_id().map(str::to_owned);
        let message = err.message().map(str::to_owned);
        let kind = match &err {
            SdkError::ServiceError(service) => {
                Kind::Service { code: service.err().code().map(str::to_owned), status: service.raw().status().as_u16() }
            }
            SdkError::TimeoutError(_) => Kind::Timeout,
            SdkError::DispatchFailure(_) => Kind::Dispatch,
            SdkError::ResponseError(_) => Kind::Response,
            _ => Kind::Construction,
        };
        Self { operation, kind, request_id, message, source: Box::new(err) }
    }

    /// Cognito's error code (`__type`), e.g. `UsernameExistsException`.
    pub(crate) fn code(&self) -> Option<&str> {
        match &self.kind {
            Kind::Service { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    pub(crate) fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// Logs an outcome that is part of normal operation (duplicate, wrong password…).
    fn expected(&self, outcome: &'static str) {
        tracing::debug!(
            operation = self.operation,
            code = self.code(),
            request_id = self.request_id(),
            outcome,
            "Cognito refused the request"
        );
    }

    /// Throttling, unavailability or anything unexpected, logged with the internals.
    pub(crate) fn into_failure(self) -> BackendError {
        let throttled = matches!(self.code(), Some(TOO_MANY_REQUESTS | LIMIT_EXCEEDED))
            || matches!(self.kind, Kind::Service { status: 429, .. });
        let unavailable = matches!(self.kind, Kind::Timeout | Kind::Dispatch)
            || matches!(self.kind, Kind::Service { status: 502..=504, .. });
        let outcome = if throttled {
            "throttled"
        } else if unavailable {
            "unavailable"
        } else {
            "unexpected"
        };
        tracing::warn!(
            operation = self.operation,
            code = self.code(),
            request_id = self.request_id(),
            outcome,
            error = %DisplayErrorContext(&*self.source),
            "Cognito call failed"
        );
        if throttled {
            BackendError::RateLimited { retry_after: None }
        } else if unavailable {
            BackendError::Unavailable(Box::new(self))
        } else {
            BackendError::Unexpected(Box::new(self))
        }
    }
}

/// Maps a failed `AdminCreateUser` or `AdminSetUserPassword`; `weak` explains a rejected password.
pub(crate) fn sign_up_error(err: AwsError, weak: impl FnOnce() -> WeakPassword) -> SignUpError {
    match err.code() {
        Some(USERNAME_EXISTS | ALIAS_EXISTS) => {
            err.expected("user exists");
            SignUpError::UserExists
        }
        Some(INVALID_PASSWORD) => {
            err.expected("weak password");
            SignUpError::WeakPassword(weak())
        }
        _ => SignUpError::Backend(err.into_failure()),
    }
}

/// Maps a failed `AdminInitiateAuth`.
///
/// Unknown user and wrong password are one answer. So are the two states a user can only
/// leave outside authport (`RESET_REQUIRED` → `PasswordResetRequiredException`,
/// `UNCONFIRMED` → `UserNotConfirmedException`): telling them apart would reveal that the
/// address has an account, and authport has no flow that could help the caller anyway.
pub(crate) fn log_in_error(err: AwsError) -> LogInError {
    match err.code() {
        Some(NOT_AUTHORIZED) => {
            // Real Cognito also answers NotAuthorized to a wrong or missing SECRET_HASH
            // (moto never checks it, MOTO_NOTES.md f): still 401 for the caller, but an
            // operator must see the misconfiguration.
            if err.message.as_deref().is_some_and(|m| m.to_ascii_lowercase().contains("secret")) {
                tracing::error!(
                    request_id = err.request_id(),
                    "Cognito rejected the client secret: check --client-id / --client-secret"
                );
            }
            err.expected("invalid credentials");
            LogInError::InvalidCredentials
        }
        // moto answers every unknown user with UserNotFoundException, even for clients with
        // PreventUserExistenceErrors=ENABLED, where Cognito answers NotAuthorized (MOTO_NOTES.md e):
        // both are InvalidCredentials (moto test `unknown_user_and_wrong_password_are_the_same_answer`).
        Some(USER_NOT_FOUND) => {
            err.expected("invalid credentials (unknown user)");
            LogInError::InvalidCredentials
        }
        Some(PASSWORD_RESET_REQUIRED | USER_NOT_CONFIRMED) => {
            tracing::info!(
                code = err.code(),
                request_id = err.request_id(),
                "log-in refused: the user must be reset or confirmed outside authport"
            );
            LogInError::InvalidCredentials
        }
        _ => LogInError::Backend(err.into_failure()),
    }
}

/// Maps a failed `AdminRespondToAuthChallenge` (`NEW_PASSWORD_REQUIRED`).
pub(crate) fn new_password_error(err: AwsError, weak: impl FnOnce() -> WeakPassword) -> NewPasswordError {
    match err.code() {
        // Real Cognito answers an unknown, expired or foreign session with NotAuthorized
        // ("Invalid session for the user"); moto 5.2.5 answers a bogus or reused session with
        // ResourceNotFoundException (MOTO_NOTES.md e). Both are InvalidSession, so authport
        // answers 401 invalid_session to either (unit test `new_password_session_errors_are_invalid_session`;
        // against moto, `a_temporary_password_must_be_replaced_with_the_users_own_session` in
        // tests/tests/integration/cognito.rs).
        Some(NOT_AUTHORIZED | CODE_MISMATCH | EXPIRED_CODE | USER_NOT_FOUND | RESOURCE_NOT_FOUND) => {
            err.expected("invalid session");
            NewPasswordError::InvalidSession
        }
        Some(INVALID_PASSWORD) => {
            err.expected("weak password");
            NewPasswordError::WeakPassword(weak())
        }
        _ => NewPasswordError::Backend(err.into_failure()),
    }
}

/// Maps a failed `AdminSetUserPassword`, `AdminUserGlobalSignOut` or `AdminDeleteUser` of an
/// account change, once the password checked out.
pub(crate) fn account_error(err: AwsError, weak: impl FnOnce() -> WeakPassword) -> ChangePasswordError {
    match err.code() {
        Some(INVALID_PASSWORD) => {
            err.expected("weak password");
            ChangePasswordError::WeakPassword(weak())
        }
        Some(USER_NOT_FOUND) => {
            err.expected("the user is gone");
            ChangePasswordError::InvalidCredentials
        }
        _ => ChangePasswordError::Backend(err.into_failure()),
    }
}

/// Maps a failed `AdminInitiateAuth` with `REFRESH_TOKEN_AUTH`.
pub(crate) fn refresh_error(err: AwsError) -> RefreshError {
    match err.code() {
        // Invalid, expired or revoked ("Refresh Token has been revoked") tokens, and users that
        // are gone or disabled.
        Some(NOT_AUTHORIZED | USER_NOT_FOUND) => {
            err.expected("invalid refresh token");
            RefreshError::InvalidToken
        }
        _ => RefreshError::Backend(err.into_failure()),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use authport_domain::PolicyRule;
    use aws_sdk_cognitoidentityprovider::error::{ConnectorError, ErrorMetadata};
    use aws_sdk_cognitoidentityprovider::operation::admin_create_user::AdminCreateUserError;
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;

    use super::*;

    fn response(status: u16) -> HttpResponse {
        let mut raw = HttpResponse::new(StatusCode::try_from(status).expect("status"), SdkBody::empty());
        raw.headers_mut().insert("x-amzn-requestid", "req-42");
        raw
    }

    /// A service error with `code` (or an unmodelled one), as the SDK builds it.
    pub(crate) fn service(code: Option<&str>, status: u16) -> AwsError {
        let mut meta = ErrorMetadata::builder().message("details from Cognito");
        if let Some(code) = code {
            meta = meta.code(code);
        }
        let err = AdminCreateUserError::generic(meta.build());
        AwsError::from_sdk("AdminCreateUser", SdkError::service_error(err, response(status)))
    }

    fn timeout() -> AwsError {
        AwsError::from_sdk::<AdminCreateUserError>("AdminCreateUser", SdkError::timeout_error("operation timeout"))
    }

    fn refused() -> AwsError {
        let io = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        AwsError::from_sdk::<AdminCreateUserError>(
            "AdminCreateUser",
            SdkError::dispatch_failure(ConnectorError::io(io.into())),
        )
    }

    fn weak() -> WeakPassword {
        WeakPassword { violations: vec![PolicyRule::Symbol] }
    }

    #[test]
    fn classifies_and_describes_without_the_message() {
        let err = service(Some(USERNAME_EXISTS), 400);
        assert_eq!(err.code(), Some(USERNAME_EXISTS));
        assert_eq!(err.request_id(), Some("req-42"));
        assert_eq!(
            err.to_string(),
            "Cognito AdminCreateUser failed: UsernameExistsException (HTTP 400), request id req-42"
        );
        assert_eq!(timeout().to_string(), "Cognito AdminCreateUser failed: timed out, request id none");
        assert_eq!(service(None, 500).code(), None);
    }

    #[test]
    fn sign_up_mapping() {
        for code in [USERNAME_EXISTS, ALIAS_EXISTS] {
            assert!(matches!(sign_up_error(service(Some(code), 400), weak), SignUpError::UserExists), "{code}");
        }
        let SignUpError::WeakPassword(w) = sign_up_error(service(Some(INVALID_PASSWORD), 400), weak) else {
            panic!("weak password expected")
        };
        assert_eq!(w, weak());
        for code in [TOO_MANY_REQUESTS, LIMIT_EXCEEDED] {
            let err = sign_up_error(service(Some(code), 400), weak);
            assert!(
                matches!(err, SignUpError::Backend(BackendError::RateLimited { retry_after: None })),
                "{code}: {err:?}"
            );
        }
        assert!(matches!(sign_up_error(timeout(), weak), SignUpError::Backend(BackendError::Unavailable(_))));
        assert!(matches!(sign_up_error(refused(), weak), SignUpError::Backend(BackendError::Unavailable(_))));
        assert!(matches!(sign_up_error(service(None, 503), weak), SignUpError::Backend(BackendError::Unavailable(_))));
        for unexpected in [
            service(Some("InvalidParameterException"), 400),
            service(Some("InternalErrorException"), 500),
            service(Some(USER_NOT_FOUND), 400),
            service(None, 500),
        ] {
            let err = sign_up_error(unexpected, weak);
            assert!(matches!(err, SignUpError::Backend(BackendError::Unexpected(_))), "{err:?}");
        }
    }

    #[test]
    fn account_mapping() {
        let ChangePasswordError::WeakPassword(w) = account_error(service(Some(INVALID_PASSWORD), 400), weak) else {
            panic!("weak password expected")
        };
        assert_eq!(w, weak());
        let gone = account_error(service(Some(USER_NOT_FOUND), 400), weak);
        assert!(matches!(gone, ChangePasswordError::InvalidCredentials), "{gone:?}");
        let throttled = account_error(service(Some(TOO_MANY_REQUESTS), 400), weak);
        assert!(matches!(throttled, ChangePasswordError::Backend(BackendError::RateLimited { .. })), "{throttled:?}");
        assert!(matches!(account_error(timeout(), weak), ChangePasswordError::Backend(BackendError::Unavailable(_))));
        let other = account_error(service(Some(NOT_AUTHORIZED), 400), weak);
        assert!(matches!(other, ChangePasswordError::Backend(BackendError::Unexpected(_))), "{other:?}");
    }

    #[test]
    fn unexpected_errors_carry_the_request_id_for_the_logs() {
        let SignUpError::Backend(BackendError::Unexpected(source)) =
            sign_up_error(service(Some("InternalErrorException"), 500), weak)
        else {
            panic!("unexpected expected")
        };
        assert!(source.to_string().contains("request id req-42"), "{source}");
    }

    #[test]
    fn log_in_mapping_hides_whether_the_user_exists() {
        for code in [NOT_AUTHORIZED, USER_NOT_FOUND, PASSWORD_RESET_REQUIRED, USER_NOT_CONFIRMED] {
            assert!(matches!(log_in_error(service(Some(code), 400)), LogInError::InvalidCredentials), "{code}");
        }
        assert!(matches!(
            log_in_error(service(Some(TOO_MANY_REQUESTS), 400)),
            LogInError::Backend(BackendError::RateLimited { .. })
        ));
        assert!(matches!(log_in_error(service(None, 429)), LogInError::Backend(BackendError::RateLimited { .. })));
        assert!(matches!(log_in_error(timeout()), LogInError::Backend(BackendError::Unavailable(_))));
        assert!(matches!(log_in_error(refused()), LogInError::Backend(BackendError::Unavailable(_))));
        // A client that may not use ADMIN_USER_PASSWORD_AUTH, an unknown pool or client: 500.
        for code in ["InvalidParameterException", RESOURCE_NOT_FOUND, "InvalidUserPoolConfigurationException"] {
            assert!(
                matches!(log_in_error(service(Some(code), 400)), LogInError::Backend(BackendError::Unexpected(_))),
                "{code}"
            );
        }
    }

    #[test]
    fn new_password_session_errors_are_invalid_session() {
        for code in [NOT_AUTHORIZED, CODE_MISMATCH, EXPIRED_CODE, USER_NOT_FOUND, RESOURCE_NOT_FOUND] {
            let err = new_password_error(service(Some(code), 400), weak);
            assert!(matches!(err, NewPasswordError::InvalidSession), "{code}: {err:?}");
        }
        assert!(matches!(
            new_password_error(service(Some(INVALID_PASSWORD), 400), weak),
            NewPasswordError::WeakPassword(_)
        ));
        assert!(matches!(
            new_password_error(service(Some(LIMIT_EXCEEDED), 400), weak),
            NewPasswordError::Backend(BackendError::RateLimited { .. })
        ));
        assert!(matches!(new_password_error(timeout(), weak), NewPasswordError::Backend(BackendError::Unavailable(_))));
        assert!(matches!(
            new_password_error(service(Some("InvalidParameterException"), 400), weak),
            NewPasswordError::Backend(BackendError::Unexpected(_))
        ));
    }
}
