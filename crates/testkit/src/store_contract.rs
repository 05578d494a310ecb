//! The contract suite of the engine's store seam (`authport_userpool::PoolStore`): each clause
//! its docs name as `contract: <name>` is one function here, run against every store
//! (`tests/tests/integration/store_contract.rs`). Times are whole seconds, which every store
//! keeps exactly.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use authport_domain::PasswordPolicy;
use authport_userpool::model::{
    AppClient, ChallengeName, ClientId, CodePurpose, DeliveryMedium, ExplicitAuthFlow, Message, MessageKind,
    PendingCode, Pool, PoolId, PoolUser, StoredRefreshToken, StoredSession, TakenSession, TimeUnit, UserStatus,
    UsernameAttribute, Validity,
};
use authport_userpool::{InsertError, MemoryStore, PoolKeysPem, PoolStore, PostgresConfig, PostgresStore};
use secrecy::{ExposeSecret as _, SecretString};

use crate::postgres::TestDatabase;

/// A store under contract, on fresh data of its own.
pub struct StoreSubject {
    pub store: Arc<dyn PoolStore>,
    /// Keeps a PostgreSQL store's database alive.
    _database: Option<Arc<TestDatabase>>,
}

impl std::fmt::Debug for StoreSubject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreSubject").field("store", &self.store.name()).finish_non_exhaustive()
    }
}

impl StoreSubject {
    pub fn memory() -> Self {
        Self { store: Arc::new(MemoryStore::new()), _database: None }
    }

    /// `None` when PostgreSQL is not available here (after [`crate::skip_or_fail`]).
    pub async fn postgres() -> Option<Self> {
        let database = TestDatabase::create().await?;
        let url = authport_userpool::DatabaseUrl::parse(&database.url()).expect("database URL");
        let store = PostgresStore::connect(&PostgresConfig::new(url)).await.expect("the test database migrates");
        Some(Self { store: Arc::new(store), _database: Some(database) })
    }
}

fn at(seconds: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000 + seconds)
}

fn pool(suffix: &str) -> Pool {
    Pool {
        id: PoolId::parse(&format!("eu-west-1_{suffix}")).expect("pool id"),
        name: format!("pool {suffix}"),
        policy: PasswordPolicy { min_length: 10, require_symbol: false, ..PasswordPolicy::default() },
        temporary_password_validity_days: 3,
        case_sensitive: true,
        username_attributes: vec![UsernameAttribute::Email],
        allow_admin_create_user_only: true,
        auto_verified_attributes: vec![UsernameAttribute::PhoneNumber, UsernameAttribute::Email],
        issuer: format!("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_{suffix}"),
        created_at: at(0),
        last_modified_at: at(1),
    }
}

fn client(pool: &Pool, name: &str) -> AppClient {
    AppClient {
        id: ClientId::generate(),
        pool_id: pool.id.clone(),
        name: name.to_owned(),
        secret: Some(SecretString::from("s3cr3t")),
        explicit_auth_flows: vec![ExplicitAuthFlow::AllowUserPasswordAuth, ExplicitAuthFlow::AdminNoSrpAuth],
        prevent_user_existence_errors: false,
        access_token_validity: Validity::new(5, TimeUnit::Minutes),
        id_token_validity: Validity::new(2, TimeUnit::Hours),
        refresh_token_validity: Validity::new(10, TimeUnit::Days),
        auth_session_validity_minutes: 7,
        enable_token_revocation: false,
        created_at: at(2),
        last_modified_at: at(3),
    }
}

fn user(pool: &Pool, username: &str) -> PoolUser {
    PoolUser {
        pool_id: pool.id.clone(),
        sub: uuid::Uuid::new_v4(),
        username: username.to_owned(),
        username_key: pool.username_key(username),
        attributes: BTreeMap::from([
            ("email".to_owned(), "ann@example.com".to_owned()),
            ("name".to_owned(), "Ann".to_owned()),
        ]),
        status: UserStatus::ForceChangePassword,
        enabled: true,
        password_hash: "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA".to_owned(),
        password_set_at: at(4),
        failed_sign_ins: 2,
        locked_until: Some(at(5)),
        pending_code: Some(PendingCode {
            purpose: CodePurpose::SignUp,
            code_hash: "c0".repeat(32),
            medium: DeliveryMedium::Email,
            expires_at: at(6),
            failed_attempts: 1,
        }),
        srp: Some(authport_userpool::srp::Verifier { salt: vec![0x9f; 16], verifier: vec![0x42; 384] }),
        created_at: at(4),
        last_modified_at: at(4),
        revision: 0,
    }
}

fn refresh_token(user: &PoolUser, client: &AppClient, n: u8) -> StoredRefreshToken {
    StoredRefreshToken {
        token_hash: format!("{n:02x}").repeat(32),
        pool_id: user.pool_id.clone(),
        client_id: client.id.clone(),
        sub: user.sub,
        origin_jti: format!("origin-{n}"),
        expires_at: at(100),
        revoked_at: None,
    }
}

fn session(user: &PoolUser, client: &AppClient, n: u8) -> StoredSession {
    StoredSession {
        token_hash: format!("{n:02x}").repeat(32),
        pool_id: user.pool_id.clone(),
        client_id: client.id.clone(),
        sub: user.sub,
        challenge: ChallengeName::NewPasswordRequired,
        expires_at: at(50),
        srp_key: None,
    }
}

/// A pool with one client and one user in it.
async fn populated(store: &dyn PoolStore, suffix: &str) -> (Pool, AppClient, PoolUser) {
    let pool = pool(suffix);
    store.insert_pool(&pool).await.expect("pool");
    let client = client(&pool, "web");
    store.insert_client(&client).await.expect("client");
    let user = user(&pool, "Ann");
    store.insert_user(&user).await.expect("user");
    (pool, client, user)
}

fn same_client(a: &AppClient, b: &AppClient) -> bool {
    let secret = |c: &AppClient| c.secret.as_ref().map(|s| s.expose_secret().to_owned());
    format!("{:?}", AppClient { secret: None, ..a.clone() }) == format!("{:?}", AppClient { secret: None, ..b.clone() })
        && secret(a) == secret(b)
}

/// What is stored is read back as it was written: pools, clients, users, tokens, sessions;
/// and what is not there reads as absent.
pub async fn what_is_stored_is_read_back(subject: &StoreSubject) {
    let store = subject.store.as_ref();
    let (pool, client, user) = populated(store, "ReadBack1").await;
    assert_eq!(store.pool(&pool.id).await.expect("read"), Some(pool.clone()));
    assert!(store.pools().await.expect("pools").contains(&pool));
    let read = store.client(&client.id).await.expect("read").expect("the client");
    assert!(same_client(&read, &client), "{read:?} != {client:?}");
    assert_eq!(store.clients(&pool.id).await.expect("clients").len(), 1);
    assert_eq!(store.user(&pool.id, "Ann").await.expect("read"), Some(user.clone()));
    assert_eq!(store.user_by_sub(&pool.id, &user.sub).await.expect("read"), Some(user.clone()));
    assert_eq!(store.user(&pool.id, "ann").await.expect("read"), None, "keys are compared exactly");
    let token = refresh_token(&user, &client, 1);
    store.insert_refresh_token(&token).await.expect("token");
    assert_eq!(store.refresh_token(&token.token_hash).await.expect("read"), Some(token.clone()));
    assert_eq!(store.refresh_token(&"ee".repeat(32)).await.expect("read"), None);
    assert_eq!(store.refresh_token_by_origin(&pool.id, "origin-1").await.expect("read"), Some(token.clone()));
    assert_eq!(store.refresh_token_by_origin(&pool.id, "origin-2").await.expect("read"), None);
    let bob = PoolUser { pending_code: None, ..self::user(&pool, "Bob") };
    store.insert_user(&bob).await.expect("bob");
    let everyone = store.users(&pool.id).await.expect("users");
    assert_eq!(everyone, [user.clone(), bob], "ordered by key (capitals first)");
    let other = PoolId::parse("eu-west-1_Nothing00").expect("id");
    assert_eq!(store.pool(&other).await.expect("read"), None);
    assert_eq!(store.client(&ClientId::generate()).await.expect("read").map(|c| c.id), None);
    assert!(matches!(store.insert_pool(&pool).await, Err(InsertError::Duplicate)));
    assert!(matches!(store.insert_client(&client).await, Err(InsertError::Duplicate)));
    let orphan = AppClient { id: ClientId::generate(), pool_id: other.clone(), ..client.clone() };
    assert!(matches!(store.insert_client(&orphan).await, Err(InsertError::NoSuchPool)));
    let orphan = PoolUser { pool_id: other, sub: uuid::Uuid::new_v4(), ..user.clone() };
    assert!(matches!(store.insert_user(&orphan).await, Err(InsertError::NoSuchPool)));
}

/// Of concurrent inserts of one user name (by its key) exactly one is stored; a key used in
/// another pool is another user.
pub async fn of_concurrent_inserts_of_one_user_one_wins(subject: &StoreSubject) {
    let store = &subject.store;
    let (pool, _, _) = populated(store.as_ref(), "Race00001").await;
    let attempts = (0..32).map(|_| {
        let (store, user) = (Arc::clone(store), user(&pool, "Bob"));
        async move { store.insert_user(&user).await }
    });
    let outcomes = futures::future::join_all(attempts).await;
    let won = outcomes.iter().filter(|o| o.is_ok()).count();
    let duplicates = outcomes.iter().filter(|o| matches!(o, Err(InsertError::Duplicate))).count();
    assert_eq!((won, duplicates), (1, 31), "{outcomes:?}");
    let (other, _, _) = populated(store.as_ref(), "Race00002").await;
    store.insert_user(&user(&other, "Bob")).await.expect("Bob in another pool");
}

/// An update names the revision it read: from a stale read it is refused, and the stored user
/// is the first writer's.
pub async fn an_update_from_a_stale_read_is_refused(subject: &StoreSubject) {
    let store = subject.store.as_ref();
    let (pool, _, user) = populated(store, "Stale0001").await;
    let mut first = user.clone();
    first.status = UserStatus::Confirmed;
    first.enabled = false;
    first.attributes.insert("name".to_owned(), "Ann B.".to_owned());
    assert!(store.update_user(&first).await.expect("update"), "the first update");
    let mut stale = user.clone();
    stale.failed_sign_ins = 9;
    assert!(!store.update_user(&stale).await.expect("update"), "an update from the same, now stale, read");
    let stored = store.user_by_sub(&pool.id, &user.sub).await.expect("read").expect("the user");
    assert_eq!(stored, PoolUser { revision: user.revision + 1, ..first });
    assert!(store.update_user(&stored).await.expect("update"), "from a fresh read");
    store.delete_user(&pool.id, &user.sub).await.expect("delete");
    assert!(!store.update_user(&stored).await.expect("update"), "a user that is gone");
}

/// Of concurrent takers of one session exactly one is first; later ones see it used; an
/// unknown session is unknown.
pub async fn a_session_is_taken_once(subject: &StoreSubject) {
    let store = &subject.store;
    let (_, client, user) = populated(store.as_ref(), "Session01").await;
    let stored = session(&user, &client, 7);
    store.insert_session(&stored).await.expect("session");
    let takers = (0..16).map(|_| {
        let (store, hash) = (Arc::clone(store), stored.token_hash.clone());
        async move { store.take_session(&hash, at(10)).await.expect("take") }
    });
    let taken = futures::future::join_all(takers).await;
    let first: Vec<_> = taken.iter().filter(|t| matches!(t, TakenSession::First(_))).collect();
    assert_eq!(first, [&TakenSession::First(stored.clone())], "{taken:?}");
    assert_eq!(taken.iter().filter(|t| **t == TakenSession::AlreadyUsed(stored.clone())).count(), 15);
    assert_eq!(store.take_session(&"ab".repeat(32), at(10)).await.expect("take"), TakenSession::Unknown);
    // A PASSWORD_VERIFIER session keeps its (masked) SRP key.
    let verifier = StoredSession {
        challenge: ChallengeName::PasswordVerifier,
        srp_key: Some(*b"0123456789abcdef"),
        ..session(&user, &client, 8)
    };
    store.insert_session(&verifier).await.expect("session");
    assert_eq!(store.take_session(&verifier.token_hash, at(10)).await.expect("take"), TakenSession::First(verifier));
}

/// Revoking a user's refresh tokens revokes all of theirs, once, and no one else's.
pub async fn revoking_refresh_tokens_revokes_the_users_only(subject: &StoreSubject) {
    let store = subject.store.as_ref();
    let (pool, client, ann) = populated(store, "Revoke001").await;
    let bob = user(&pool, "Bob");
    store.insert_user(&bob).await.expect("bob");
    for token in [refresh_token(&ann, &client, 1), refresh_token(&ann, &client, 2), refresh_token(&bob, &client, 3)] {
        store.insert_refresh_token(&token).await.expect("token");
    }
    assert_eq!(store.revoke_refresh_tokens(&pool.id, &ann.sub, at(20)).await.expect("revoke"), 2);
    assert_eq!(store.revoke_refresh_tokens(&pool.id, &ann.sub, at(30)).await.expect("revoke"), 0, "idempotent");
    let revoked_at = |n: u8| async move {
        store.refresh_token(&format!("{n:02x}").repeat(32)).await.expect("read").expect("token").revoked_at
    };
    assert_eq!((revoked_at(1).await, revoked_at(2).await, revoked_at(3).await), (Some(at(20)), Some(at(20)), None));
}

/// Revoking one refresh token revokes it alone, once; an unknown token is not revoked.
pub async fn revoking_one_refresh_token_revokes_it_alone(subject: &StoreSubject) {
    let store = subject.store.as_ref();
    let (_, client, ann) = populated(store, "RevokeOne").await;
    let (first, second) = (refresh_token(&ann, &client, 1), refresh_token(&ann, &client, 2));
    for token in [&first, &second] {
        store.insert_refresh_token(token).await.expect("token");
    }
    assert!(store.revoke_refresh_token(&first.token_hash, at(20)).await.expect("revoke"));
    assert!(!store.revoke_refresh_token(&first.token_hash, at(30)).await.expect("revoke"), "once");
    assert!(!store.revoke_refresh_token(&"ee".repeat(32), at(30)).await.expect("revoke"), "unknown");
    let revoked_at = |token: &StoredRefreshToken| {
        let hash = token.token_hash.clone();
        async move { store.refresh_token(&hash).await.expect("read").expect("token").revoked_at }
    };
    assert_eq!((revoked_at(&first).await, revoked_at(&second).await), (Some(at(20)), None));
}

/// Deleting a user, a client or a pool deletes what it holds: sessions, refresh tokens, users,
/// clients and keys; nothing of other pools.
pub async fn deleting_a_pool_deletes_what_it_holds(subject: &StoreSubject) {
    let store = subject.store.as_ref();
    let (pool, client, user) = populated(store, "Delete001").await;
    let (kept, kept_client, kept_user) = populated(store, "Delete002").await;
    store.insert_refresh_token(&refresh_token(&user, &client, 1)).await.expect("token");
    store.insert_session(&session(&user, &client, 2)).await.expect("session");
    store.insert_refresh_token(&refresh_token(&kept_user, &kept_client, 3)).await.expect("token");
    let keys = PoolKeysPem { access: "-----BEGIN a".to_owned(), id: "-----BEGIN b".to_owned() };
    store.put_pool_keys(&pool.id, keys.clone()).await.expect("keys");
    store.put_pool_keys(&kept.id, keys.clone()).await.expect("keys");

    assert!(store.delete_pool(&pool.id).await.expect("delete"));
    assert!(!store.delete_pool(&pool.id).await.expect("delete"), "already gone");
    assert_eq!(store.pool(&pool.id).await.expect("read"), None);
    assert!(store.client(&client.id).await.expect("read").is_none());
    assert_eq!(store.user_by_sub(&pool.id, &user.sub).await.expect("read"), None);
    assert_eq!(store.refresh_token(&"01".repeat(32)).await.expect("read"), None);
    assert_eq!(store.take_session(&"02".repeat(32), at(10)).await.expect("take"), TakenSession::Unknown);
    assert_eq!(store.pool_keys(&pool.id).await.expect("read"), None);

    assert!(store.user_by_sub(&kept.id, &kept_user.sub).await.expect("read").is_some());
    assert!(store.refresh_token(&"03".repeat(32)).await.expect("read").is_some());
    assert_eq!(store.pool_keys(&kept.id).await.expect("read"), Some(keys));
    store.insert_session(&session(&kept_user, &kept_client, 4)).await.expect("session");
    assert!(store.delete_user(&kept.id, &kept_user.sub).await.expect("delete"));
    assert_eq!(store.refresh_token(&"03".repeat(32)).await.expect("read"), None, "the user's tokens went with them");
    assert_eq!(store.take_session(&"04".repeat(32), at(10)).await.expect("take"), TakenSession::Unknown);
    assert!(store.delete_client(&kept_client.id).await.expect("delete"));
    assert!(store.clients(&kept.id).await.expect("clients").is_empty());
}

/// Clearing a pool takes its users, their sessions and tokens, and its messages; its clients
/// and keys, and other pools, are untouched.
pub async fn clearing_a_pool_keeps_its_clients(subject: &StoreSubject) {
    let store = subject.store.as_ref();
    let (pool, client, user) = populated(store, "Clear0001").await;
    let (kept, kept_client, kept_user) = populated(store, "Clear0002").await;
    store.insert_refresh_token(&refresh_token(&user, &client, 11)).await.expect("token");
    store.insert_session(&session(&user, &client, 12)).await.expect("session");
    store.insert_refresh_token(&refresh_token(&kept_user, &kept_client, 13)).await.expect("token");
    let keys = PoolKeysPem { access: "-----BEGIN a".to_owned(), id: "-----BEGIN b".to_owned() };
    store.put_pool_keys(&pool.id, keys.clone()).await.expect("keys");
    let message = |pool: &Pool| Message {
        pool_id: pool.id.clone(),
        username: "someone".to_owned(),
        kind: MessageKind::ConfirmationCode,
        medium: DeliveryMedium::Email,
        destination: "someone@example.com".to_owned(),
        body: "Your verification code is 123456. ".to_owned(),
        code: "123456".to_owned(),
        created_at: at(14),
    };
    store.record_message(&message(&pool)).await.expect("record");
    store.record_message(&message(&kept)).await.expect("record");

    store.clear_pool(&pool.id).await.expect("clear");
    assert!(store.users(&pool.id).await.expect("users").is_empty());
    assert_eq!(store.refresh_token(&"0b".repeat(32)).await.expect("read"), None);
    assert_eq!(store.take_session(&"0c".repeat(32), at(20)).await.expect("take"), TakenSession::Unknown);
    assert!(store.messages(&pool.id).await.expect("messages").is_empty());
    assert!(store.pool(&pool.id).await.expect("read").is_some(), "the pool stays");
    let clients = store.clients(&pool.id).await.expect("clients");
    assert_eq!(clients.iter().map(|c| &c.id).collect::<Vec<_>>(), [&client.id]);
    assert_eq!(store.pool_keys(&pool.id).await.expect("read"), Some(keys));

    assert_eq!(store.users(&kept.id).await.expect("users"), [kept_user]);
    assert!(store.refresh_token(&"0d".repeat(32)).await.expect("read").is_some());
    assert_eq!(store.messages(&kept.id).await.expect("messages"), [message(&kept)]);
    store.clear_pool(&pool.id).await.expect("clearing an empty pool is no error");
}

/// A sweep deletes the sessions and refresh tokens that expired before its bounds, at most
/// `limit` of each, and nothing else.
pub async fn expired_sessions_and_refresh_tokens_are_swept(subject: &StoreSubject) {
    let store = subject.store.as_ref();
    let (_, client, user) = populated(store, "Sweep0001").await;
    // Expiring at 10 (old) and 100 (current): session() expires at 50, refresh_token() at 100.
    let old_session = StoredSession { expires_at: at(10), ..session(&user, &client, 0x21) };
    let old_session2 = StoredSession { expires_at: at(11), ..session(&user, &client, 0x22) };
    let current_session = session(&user, &client, 0x23);
    for s in [&old_session, &old_session2, &current_session] {
        store.insert_session(s).await.expect("session");
    }
    let old_token = StoredRefreshToken { expires_at: at(10), ..refresh_token(&user, &client, 0x24) };
    let current_token = refresh_token(&user, &client, 0x25);
    for t in [&old_token, &current_token] {
        store.insert_refresh_token(t).await.expect("token");
    }
    assert_eq!(store.sweep_expired(at(20), at(20), 1).await.expect("sweep"), 2, "one of each, the limit");
    assert_eq!(store.sweep_expired(at(20), at(20), 10).await.expect("sweep"), 1, "the other old session");
    assert_eq!(store.sweep_expired(at(20), at(20), 10).await.expect("sweep"), 0, "nothing old is left");
    assert_eq!(store.take_session(&old_session.token_hash, at(30)).await.expect("take"), TakenSession::Unknown);
    assert_eq!(store.refresh_token(&old_token.token_hash).await.expect("read"), None);
    assert!(matches!(
        store.take_session(&current_session.token_hash, at(30)).await.expect("take"),
        TakenSession::First(_)
    ));
    assert_eq!(store.refresh_token(&current_token.token_hash).await.expect("read"), Some(current_token));
}

/// The default pool and client take the ids and settings they are installed with, keeping the
/// users, tokens and keys they hold when their ids change.
pub async fn the_default_pool_keeps_its_users(subject: &StoreSubject) {
    let store = subject.store.as_ref();
    let first = Pool { case_sensitive: false, ..pool("Default01") };
    let first_client = client(&first, "v1");
    store.install_default_pool(&first, &first_client).await.expect("install");
    let user = user(&first, "ann@example.com");
    store.insert_user(&user).await.expect("user");
    store.insert_refresh_token(&refresh_token(&user, &first_client, 1)).await.expect("token");
    let keys = PoolKeysPem { access: "-----BEGIN k".to_owned(), id: "-----BEGIN k".to_owned() };
    store.put_pool_keys(&first.id, keys.clone()).await.expect("keys");

    let renamed = Pool { name: "renamed".to_owned(), issuer: "http://other.test".to_owned(), ..pool("Default02") };
    let renamed = Pool { case_sensitive: false, ..renamed };
    let renamed_client =
        AppClient { pool_id: renamed.id.clone(), name: "v1 again".to_owned(), ..client(&renamed, "x") };
    store.install_default_pool(&renamed, &renamed_client).await.expect("reinstall");
    assert_eq!(store.pool(&first.id).await.expect("read"), None);
    let stored = store.pool(&renamed.id).await.expect("read").expect("the default pool");
    assert_eq!((stored.name.as_str(), stored.issuer.as_str()), ("renamed", "http://other.test"));
    assert!(store.client(&first_client.id).await.expect("read").is_none());
    let stored_client = store.client(&renamed_client.id).await.expect("read").expect("the default client");
    assert_eq!((stored_client.pool_id, stored_client.name.as_str()), (renamed.id.clone(), "v1 again"));
    let moved = store.user(&renamed.id, "ann@example.com").await.expect("read").expect("the user moved along");
    assert_eq!(moved.sub, user.sub);
    let token = store.refresh_token(&"01".repeat(32)).await.expect("read").expect("the token moved along");
    assert_eq!((token.pool_id, token.client_id), (renamed.id.clone(), renamed_client.id.clone()));
    assert_eq!(store.pool_keys(&renamed.id).await.expect("read"), Some(keys));
}

/// Of stores racing to keep a pool's first keys, every one is answered with the keys kept.
pub async fn racing_key_stores_agree(subject: &StoreSubject) {
    let store = &subject.store;
    let (pool, _, _) = populated(store.as_ref(), "Keys00001").await;
    let racers = (0..8).map(|i| {
        let (store, id) = (Arc::clone(store), pool.id.clone());
        let candidate = PoolKeysPem { access: format!("-----BEGIN a{i}"), id: format!("-----BEGIN i{i}") };
        async move { store.put_pool_keys(&id, candidate).await.expect("keys") }
    });
    let kept = futures::future::join_all(racers).await;
    assert!(kept.iter().all(|k| *k == kept[0]), "{kept:?}");
    assert_eq!(store.pool_keys(&pool.id).await.expect("read"), Some(kept[0].clone()));
}

/// Messages are kept in the order they were recorded, each with its pool, and go with it.
pub async fn messages_are_kept_per_pool_in_order(subject: &StoreSubject) {
    let store = subject.store.as_ref();
    let (pool, _, _) = populated(store, "Message01").await;
    let (other, _, _) = populated(store, "Message02").await;
    let message = |pool: &Pool, n: u64| Message {
        pool_id: pool.id.clone(),
        username: format!("user{n}"),
        kind: MessageKind::Invitation,
        medium: if n.is_multiple_of(2) { DeliveryMedium::Email } else { DeliveryMedium::Sms },
        destination: format!("user{n}@example.com"),
        body: format!("Your temporary password is T{n}"),
        code: format!("T{n}"),
        created_at: at(n),
    };
    for (pool, n) in [(&pool, 1), (&other, 2), (&pool, 3), (&pool, 4)] {
        store.record_message(&message(pool, n)).await.expect("record");
    }
    let kept = store.messages(&pool.id).await.expect("messages");
    assert_eq!(kept, [message(&pool, 1), message(&pool, 3), message(&pool, 4)]);
    store.delete_pool(&pool.id).await.expect("delete");
    assert!(store.messages(&pool.id).await.expect("messages").is_empty());
    assert_eq!(store.messages(&other.id).await.expect("messages"), [message(&other, 2)]);
}

/// Calls `$callback!` with the store contract's clauses.
#[macro_export]
macro_rules! store_contract_clauses {
    ($callback:ident) => {
        $callback! {
            what_is_stored_is_read_back,
            of_concurrent_inserts_of_one_user_one_wins,
            an_update_from_a_stale_read_is_refused,
            a_session_is_taken_once,
            revoking_refresh_tokens_revokes_the_users_only,
            revoking_one_refresh_token_revokes_it_alone,
            deleting_a_pool_deletes_what_it_holds,
            clearing_a_pool_keeps_its_clients,
            expired_sessions_and_refresh_tokens_are_swept,
            the_default_pool_keeps_its_users,
            racing_key_stores_agree,
            messages_are_kept_per_pool_in_order,
        }
    };
}
