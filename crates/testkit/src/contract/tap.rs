//! What the contract suite sees of an adapter's backend: every call it makes (a store method of
//! the local provider, an API operation of Cognito), whether the call writes, and failures armed
//! to happen on purpose at a named call — without changing the adapter.
//!
//! - The local provider's store is wrapped in a [`TappedStore`].
//! - The Cognito adapter's SDK client gets a [`TapInterceptor`].

use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

use async_trait::async_trait;
use authport_userpool::model::{
    AppClient, ClientId, Message, Pool, PoolId, PoolUser, StoredRefreshToken, StoredSession, TakenSession,
};
use authport_userpool::{InsertError, PoolKeysPem, PoolStore, StoreError};
use aws_sdk_cognitoidentityprovider::config::interceptors::{
    BeforeDeserializationInterceptorContextMut, BeforeSerializationInterceptorContextMut,
    BeforeTransmitInterceptorContextRef,
};
use aws_sdk_cognitoidentityprovider::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::orchestrator::{HttpResponse, Metadata};
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;

/// One call to the backend.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Call {
    /// The store method (`insert_user`) or API operation (`AdminCreateUser`).
    pub name: String,
    /// Whether it can change data.
    pub writes: bool,
}

/// A failure made to happen on purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The backend cannot be reached: the call is not made.
    Unavailable,
    /// The backend fails in a way nobody planned for: the call is not made.
    Unexpected,
    /// The backend throttles (Cognito's `TooManyRequestsException`; stores never throttle).
    Throttled,
}

/// The calls so far and the armed faults, each of which fires once.
#[derive(Debug, Default)]
pub struct Tap {
    calls: Mutex<Vec<Call>>,
    armed: Mutex<Vec<(String, Fault)>>,
}

impl Tap {
    /// How many calls were made so far: a mark for [`Tap::calls_since`].
    pub fn mark(&self) -> usize {
        self.calls.lock().unwrap_or_else(PoisonError::into_inner).len()
    }

    /// The calls made since `mark`, in order.
    pub fn calls_since(&self, mark: usize) -> Vec<Call> {
        self.calls.lock().unwrap_or_else(PoisonError::into_inner)[mark..].to_vec()
    }

    /// Makes the next call named `call` fail with `fault`.
    pub fn arm(&self, call: &str, fault: Fault) {
        self.armed.lock().unwrap_or_else(PoisonError::into_inner).push((call.to_owned(), fault));
    }

    fn record(&self, name: &str, writes: bool) {
        self.calls.lock().unwrap_or_else(PoisonError::into_inner).push(Call { name: name.to_owned(), writes });
    }

    /// Takes the fault armed for `call`, if it is one of `kinds`.
    fn take(&self, call: &str, kinds: &[Fault]) -> Option<Fault> {
        let mut armed = self.armed.lock().unwrap_or_else(PoisonError::into_inner);
        let at = armed.iter().position(|(name, fault)| name == call && kinds.contains(fault))?;
        Some(armed.remove(at).1)
    }

    /// Records a store call, then fails it if a fault is armed for it.
    fn store_call(&self, name: &str, writes: bool) -> Result<(), StoreError> {
        self.record(name, writes);
        match self.take(name, &[Fault::Unavailable, Fault::Unexpected, Fault::Throttled]) {
            None => Ok(()),
            Some(Fault::Unavailable) => Err(StoreError::Unavailable("injected: the store is unreachable".into())),
            Some(Fault::Unexpected) => Err(StoreError::Other("injected: the store failed".into())),
            Some(Fault::Throttled) => panic!("a store cannot throttle: do not arm {name} with Throttled"),
        }
    }
}

/// A [`PoolStore`] that reports every call to a [`Tap`] and fails the ones armed there.
#[derive(Debug)]
pub struct TappedStore<S> {
    inner: S,
    tap: Arc<Tap>,
}

impl<S> TappedStore<S> {
    pub fn new(inner: S, tap: Arc<Tap>) -> Self {
        Self { inner, tap }
    }
}

/// Each store method, forwarded after the tap saw it: `read` or `write`, then the signature.
macro_rules! tapped {
    ($($kind:ident $method:ident($($arg:ident: $ty:ty),*) -> $out:ty;)*) => {
        #[async_trait]
        impl<S: PoolStore> PoolStore for TappedStore<S> {
            fn name(&self) -> &'static str {
                self.inner.name()
            }

            $(
                async fn $method(&self, $($arg: $ty),*) -> $out {
                    self.tap.store_call(stringify!($method), tapped!(@writes $kind))?;
                    self.inner.$method($($arg),*).await
                }
            )*
        }
    };
    (@writes read) => { false };
    (@writes write) => { true };
}

tapped! {
    read ping() -> Result<(), StoreError>;
    write install_default_pool(pool: &Pool, client: &AppClient) -> Result<(), StoreError>;
    write insert_pool(pool: &Pool) -> Result<(), InsertError>;
    read pool(id: &PoolId) -> Result<Option<Pool>, StoreError>;
    read pools() -> Result<Vec<Pool>, StoreError>;
    write update_pool(pool: &Pool) -> Result<bool, StoreError>;
    write delete_pool(id: &PoolId) -> Result<bool, StoreError>;
    write clear_pool(id: &PoolId) -> Result<(), StoreError>;
    write insert_client(client: &AppClient) -> Result<(), InsertError>;
    read client(id: &ClientId) -> Result<Option<AppClient>, StoreError>;
    read clients(pool: &PoolId) -> Result<Vec<AppClient>, StoreError>;
    write update_client(client: &AppClient) -> Result<bool, StoreError>;
    write delete_client(id: &ClientId) -> Result<bool, StoreError>;
    write insert_user(user: &PoolUser) -> Result<(), InsertError>;
    read user(pool: &PoolId, username_key: &str) -> Result<Option<PoolUser>, StoreError>;
    read user_by_sub(pool: &PoolId, sub: &uuid::Uuid) -> Result<Option<PoolUser>, StoreError>;
    read users(pool: &PoolId) -> Result<Vec<PoolUser>, StoreError>;
    write update_user(user: &PoolUser) -> Result<bool, StoreError>;
    write delete_user(pool: &PoolId, sub: &uuid::Uuid) -> Result<bool, StoreError>;
    write insert_session(session: &StoredSession) -> Result<(), StoreError>;
    write take_session(token_hash: &str, now: SystemTime) -> Result<TakenSession, StoreError>;
    write insert_refresh_token(token: &StoredRefreshToken) -> Result<(), StoreError>;
    read refresh_token(token_hash: &str) -> Result<Option<StoredRefreshToken>, StoreError>;
    read refresh_token_by_origin(pool: &PoolId, origin_jti: &str) -> Result<Option<StoredRefreshToken>, StoreError>;
    write revoke_refresh_token(token_hash: &str, now: SystemTime) -> Result<bool, StoreError>;
    write revoke_refresh_tokens(pool: &PoolId, sub: &uuid::Uuid, now: SystemTime) -> Result<u64, StoreError>;
    write sweep_expired(sessions_before: SystemTime, refresh_tokens_before: SystemTime, limit: u32) -> Result<u64, StoreError>;
    write record_message(message: &Message) -> Result<(), StoreError>;
    read messages(pool: &PoolId) -> Result<Vec<Message>, StoreError>;
    read pool_keys(pool: &PoolId) -> Result<Option<PoolKeysPem>, StoreError>;
    write put_pool_keys(pool: &PoolId, candidate: PoolKeysPem) -> Result<PoolKeysPem, StoreError>;
}

/// An SDK interceptor that reports every Cognito operation to a [`Tap`] and fails the ones
/// armed there: `Unexpected` before the request is built (a construction failure),
/// `Unavailable` before it is sent (a dispatch failure), `Throttled` by answering
/// `TooManyRequestsException` in Cognito's place (the request itself was sent).
#[derive(Debug)]
pub struct TapInterceptor(pub Arc<Tap>);

fn operation(cfg: &ConfigBag) -> String {
    cfg.load::<Metadata>().map(|m| m.name().to_owned()).unwrap_or_default()
}

/// Cognito's operations that only read.
fn reads_only(operation: &str) -> bool {
    ["Describe", "Get", "List", "AdminGet", "AdminList"].iter().any(|prefix| operation.starts_with(prefix))
}

impl Intercept for TapInterceptor {
    fn name(&self) -> &'static str {
        "contract-tap"
    }

    /// Once per call, when the operation's name is known (it is not yet before execution).
    fn modify_before_serialization(
        &self,
        _: &mut BeforeSerializationInterceptorContextMut<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let operation = operation(cfg);
        self.0.record(&operation, !reads_only(&operation));
        match self.0.take(&operation, &[Fault::Unexpected]) {
            Some(_) => Err("injected: the request could not be built".into()),
            None => Ok(()),
        }
    }

    fn read_before_transmit(
        &self,
        _: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        match self.0.take(&operation(cfg), &[Fault::Unavailable]) {
            Some(_) => Err("injected: Cognito is unreachable".into()),
            None => Ok(()),
        }
    }

    fn modify_before_deserialization(
        &self,
        context: &mut BeforeDeserializationInterceptorContextMut<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if self.0.take(&operation(cfg), &[Fault::Throttled]).is_some() {
            let body = r#"{"__type":"TooManyRequestsException","message":"injected: rate exceeded"}"#;
            let mut throttled = HttpResponse::new(StatusCode::try_from(400)?, SdkBody::from(body));
            throttled.headers_mut().insert("content-type", "application/x-amz-json-1.1");
            *context.response_mut() = throttled;
        }
        Ok(())
    }
}
