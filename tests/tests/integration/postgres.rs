//! PostgreSQL-only behaviour: durability across restarts and crashes, several processes on one
//! database (users, signing key, the duplicate race), outages (503 within the timeout, then
//! recovery by itself), `authport migrate`, the upgrade in place of a database an earlier release
//! wrote, and the store's own guarantees.
//!
//! Each test gets a fresh database (`authport_testkit::postgres::TestDatabase`) on
//! `DATABASE_URL` (default: the local server). The multi-process tests run the real `authport`
//! binary: `cargo build --bin authport` first (`just test` does).

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use authport_testkit::postgres::{TcpProxy, TestDatabase};
use authport_testkit::process::run_to_completion;
use authport_testkit::tokens::verify;
use authport_testkit::{Backend, STRONG_PASSWORD, TestApp, problem, sign_up_outcomes, unique_email};
use authport_userpool::model::{PoolId, PoolUser, UserStatus};
use authport_userpool::{
    DatabaseUrl, InsertError, LocalConfig, PoolKeysPem, PoolStore, PostgresConfig, PostgresStore, StoreError,
};
use serde_json::Value;
use sqlx::Connection as _;

/// The timeouts the outage tests configure (milliseconds, as on the command line).
const ACQUIRE_TIMEOUT_MS: u64 = 1000;
const STATEMENT_TIMEOUT_MS: u64 = 1000;
/// Generous slack on top of a configured timeout before an answer counts as late.
const SLACK: Duration = Duration::from_secs(2);
/// A request that takes this long has hung: the test fails instead of waiting for ever.
const HANG_LIMIT: Duration = Duration::from_secs(30);

fn timeout_args() -> [String; 4] {
    [
        "--database-acquire-timeout-ms".to_owned(),
        ACQUIRE_TIMEOUT_MS.to_string(),
        "--database-statement-timeout-ms".to_owned(),
        STATEMENT_TIMEOUT_MS.to_string(),
    ]
}

/// The real `authport` binary on `db`.
async fn process_on(db: &Arc<TestDatabase>, args: &[&str]) -> TestApp {
    TestApp::on_database(db).args(args).process().spawn().await
}

fn as_strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

/// Awaits `request`, failing the test if it hangs; returns the response and how long it took.
async fn timed(request: impl Future<Output = reqwest::Response>) -> (reqwest::Response, Duration) {
    let started = Instant::now();
    let response = tokio::time::timeout(HANG_LIMIT, request).await.expect("the request hung");
    (response, started.elapsed())
}

/// Asserts a 503 backend_unavailable problem with a Retry-After, answered within `bound`.
async fn assert_unavailable_within(
    what: &str,
    request: impl Future<Output = reqwest::Response>,
    bound: Duration,
) -> Duration {
    let (response, elapsed) = timed(request).await;
    assert!(response.headers().contains_key("retry-after"), "{what}: Retry-After missing");
    let (status, body) = problem(response).await;
    assert_eq!((status, body["code"].as_str()), (503, Some("backend_unavailable")), "{what}: {body}");
    assert!(elapsed < bound, "{what}: 503 after {elapsed:?}, expected within {bound:?}");
    eprintln!("{what}: 503 backend_unavailable after {} ms", elapsed.as_millis());
    elapsed
}

/// Signs up fresh users until one succeeds (the database is back); returns how long it took.
async fn wait_for_recovery(app: &TestApp, within: Duration) -> Duration {
    let started = Instant::now();
    let mut attempts = 0;
    loop {
        attempts += 1;
        let (response, _) = timed(app.sign_up(&unique_email("recovered"), STRONG_PASSWORD)).await;
        match response.status().as_u16() {
            201 => break,
            503 if started.elapsed() < within => tokio::time::sleep(Duration::from_millis(100)).await,
            status => panic!("no recovery: status {status} after {:?} and {attempts} attempts", started.elapsed()),
        }
    }
    let took = started.elapsed();
    eprintln!("recovered after {} ms ({attempts} attempt(s)), authport not restarted", took.as_millis());
    took
}

async fn jwks(app: &TestApp) -> Value {
    let response = app.get("/.well-known/jwks.json").await;
    assert_eq!(response.status(), 200);
    response.json().await.expect("JWKS")
}

async fn log_in_tokens(app: &TestApp, email: &str) -> Value {
    let response = app.log_in(email, STRONG_PASSWORD).await;
    assert_eq!(response.status(), 200, "log-in on {}", app.addr);
    response.json().await.expect("tokens")
}

/// `SELECT count(*) …` with `binds` as $1, $2, …
async fn count(db: &TestDatabase, sql: &str, binds: &[&str]) -> i64 {
    let mut conn = db.connect().await;
    let mut query = sqlx::query_scalar(sql);
    for bind in binds {
        query = query.bind(*bind);
    }
    let n: i64 = query.fetch_one(&mut conn).await.expect(sql);
    let _ = conn.close().await;
    n
}

// ---------------------------------------------------------------------------------------------
// Durability

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_and_the_signing_key_survive_a_restart() {
    let Some(first) = TestApp::spawn(Backend::Postgres).await else { return };
    let db = Arc::clone(first.database().expect("postgres app"));
    let email = unique_email("restart");
    assert_eq!(first.sign_up(&email, STRONG_PASSWORD).await.status(), 201);
    let keys_before = jwks(&first).await;
    let sibling = TestApp::on_database(&db).spawn().await; // a second app on the same database, meanwhile
    assert_eq!(sibling.log_in(&email, STRONG_PASSWORD).await.status(), 200);
    assert_eq!(jwks(&sibling).await, keys_before);
    sibling.stop().await;
    first.stop().await;

    let second = TestApp::on_database(&db).spawn().await;
    assert_eq!(second.log_in(&email.to_uppercase(), STRONG_PASSWORD).await.status(), 200);
    let (status, body) = problem(second.sign_up(&email, STRONG_PASSWORD).await).await;
    assert_eq!((status, body["code"].as_str()), (409, Some("user_exists")), "{body}");
    assert_eq!(jwks(&second).await, keys_before, "the signing key comes from the database");
    second.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_acknowledged_sign_up_survives_a_killed_process_and_the_password_is_never_logged() {
    let Some(db) = TestDatabase::create().await else { return };
    // Trust authentication ignores the password; it is there to be looked for in the logs.
    let secret = "do-not-log-this-pw";
    let url = db.url_with_password(secret).expect("URL with password");
    let first = TestApp::on_database(&db).database_url(url.clone()).process().spawn().await;
    let email = unique_email("crash");
    assert_eq!(first.sign_up(&email, STRONG_PASSWORD).await.status(), 201);
    let mut logs = first.process_logs();
    first.kill(); // SIGKILL right after the 201: nothing is flushed or shut down gracefully

    let second = TestApp::on_database(&db).database_url(url.clone()).process().spawn().await;
    assert_eq!(second.log_in(&email, STRONG_PASSWORD).await.status(), 200, "the acknowledged user is there");
    logs.extend(second.process_logs());
    assert!(logs.iter().all(|line| !line.contains(secret)), "the database password appears in the logs");
    assert!(logs.iter().any(|line| line.contains(":***@")), "the redacted URL is logged: {logs:#?}");
    second.stop().await;
}

// ---------------------------------------------------------------------------------------------
// Several processes, one database

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_share_users_and_signing_keys() {
    let Some(db) = TestDatabase::create().await else { return };
    let issuer = "http://authport.test";
    let args = ["--issuer", issuer];
    // Started together on an empty database: both migrate and both offer a signing key.
    let (a, b) = tokio::join!(process_on(&db, &args), process_on(&db, &args));
    let (jwks_a, jwks_b) = (jwks(&a).await, jwks(&b).await);
    assert_eq!(jwks_a, jwks_b, "one key for both processes");
    assert_eq!(count(&db, "SELECT count(*) FROM pool_signing_keys", &[]).await, 1);

    let on_a = unique_email("on-a");
    let on_b = unique_email("on-b");
    assert_eq!(a.sign_up(&on_a, STRONG_PASSWORD).await.status(), 201);
    assert_eq!(b.sign_up(&on_b, STRONG_PASSWORD).await.status(), 201);
    assert_eq!(b.sign_up(&on_a.to_uppercase(), STRONG_PASSWORD).await.status(), 409, "A's user exists on B");

    let from_b = log_in_tokens(&b, &on_a).await;
    let from_a = log_in_tokens(&a, &on_b).await;
    for (tokens, jwks, email) in [(&from_b, &jwks_a, &on_a), (&from_a, &jwks_b, &on_b)] {
        for kind in ["access_token", "id_token"] {
            let claims = verify::<Value>(tokens[kind].as_str().expect("token"), jwks, Some(issuer));
            assert!(claims["sub"].is_string(), "{claims}");
        }
        let id = verify::<Value>(tokens["id_token"].as_str().expect("id token"), jwks, Some(issuer));
        assert_eq!(id["email"], email.as_str());
    }
    a.stop().await;
    b.stop().await;
}

/// The session lifecycle across processes: a token minted by one process is accepted by the
/// other's `/v1/me`, refreshed there, and a log-out on one revokes the refresh token for both.
/// (Several processes need one `--issuer`: the default is each process's own address.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_work_across_processes() {
    let Some(db) = TestDatabase::create().await else { return };
    let args = ["--issuer", "http://authport.test"];
    let (a, b) = tokio::join!(process_on(&db, &args), process_on(&db, &args));
    let email = unique_email("xsession");
    assert_eq!(a.sign_up(&email, STRONG_PASSWORD).await.status(), 201);
    let tokens = log_in_tokens(&a, &email).await;
    let access = tokens["access_token"].as_str().expect("access token");

    let me = b.client.get(b.url("/v1/me")).bearer_auth(access).send().await.expect("sent");
    assert_eq!(me.status(), 200, "A's access token on B");
    let me: Value = me.json().await.expect("json");
    assert_eq!(me["email"], email.as_str());

    let refresh = serde_json::json!({ "refresh_token": tokens["refresh_token"] });
    let refreshed = b.post_json("/v1/token/refresh", &refresh).await;
    assert_eq!(refreshed.status(), 200, "A's refresh token on B");
    let refreshed: Value = refreshed.json().await.expect("json");
    let new_access = refreshed["access_token"].as_str().expect("access token");
    let me = a.client.get(a.url("/v1/me")).bearer_auth(new_access).send().await.expect("sent");
    assert_eq!(me.status(), 200, "B's refreshed access token on A");

    let logout = b.client.post(b.url("/v1/logout")).bearer_auth(access).send().await.expect("sent");
    assert_eq!(logout.status(), 204);
    assert_eq!(a.post_json("/v1/token/refresh", &refresh).await.status(), 401, "revoked for A too");
    let revoked = count(
        &db,
        "SELECT count(*) FROM refresh_tokens t JOIN users u ON u.sub = t.sub \
         WHERE u.username_key = lower($1) AND t.revoked_at IS NOT NULL",
        &[&email],
    )
    .await;
    assert_eq!(revoked, 1);
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_duplicate_sign_ups_over_two_processes_create_exactly_one_user() {
    let Some(db) = TestDatabase::create().await else { return };
    let (a, b) = tokio::join!(process_on(&db, &[]), process_on(&db, &[]));
    for round in 0..3 {
        let email = unique_email("xrace");
        let started = Instant::now();
        let attempts = (0..64).map(|i| {
            let app = if i % 2 == 0 { &a } else { &b };
            let variant = if i % 4 < 2 { email.clone() } else { email.to_uppercase() };
            async move { timed(app.sign_up(&variant, STRONG_PASSWORD)).await.0 }
        });
        let responses = futures::future::join_all(attempts).await;
        let elapsed = started.elapsed();
        let by_status = sign_up_outcomes(responses).await;
        eprintln!("round {round}: 64 sign-ups over 2 processes in {} ms: {by_status:?}", elapsed.as_millis());
        assert_eq!(by_status, HashMap::from([(201, 1), (409, 63)]), "round {round}");
        assert_eq!(count(&db, "SELECT count(*) FROM users WHERE username_key = lower($1)", &[&email]).await, 1);
        for app in [&a, &b] {
            assert_eq!(app.log_in(&email, STRONG_PASSWORD).await.status(), 200);
        }
    }
    a.stop().await;
    b.stop().await;
}

// ---------------------------------------------------------------------------------------------
// Outages

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_down_answers_503_within_the_acquire_timeout_then_recovers() {
    let Some(db) = TestDatabase::create().await else { return };
    let mut proxy = TcpProxy::start(db.server_addr().await).await;
    let app = TestApp::on_database(&db).via(proxy.addr()).args(&as_strs(&timeout_args())).spawn().await;
    let email = unique_email("before-outage");
    assert_eq!(app.sign_up(&email, STRONG_PASSWORD).await.status(), 201);
    assert_eq!(app.log_in(&email, STRONG_PASSWORD).await.status(), 200);

    proxy.stop().await; // listener closed, pooled connections cut
    let bound = Duration::from_millis(ACQUIRE_TIMEOUT_MS) + SLACK;
    assert_unavailable_within("sign-up, database down", app.sign_up(&unique_email("down"), STRONG_PASSWORD), bound)
        .await;
    assert_unavailable_within("log-in, database down", app.log_in(&email, STRONG_PASSWORD), bound).await;
    // A burst waits in parallel, not in a queue: every answer still comes within the bound.
    let started = Instant::now();
    let burst = (0..16).map(|i| {
        let email = email.clone();
        let app = &app;
        async move {
            if i % 2 == 0 {
                assert_unavailable_within("burst sign-up", app.sign_up(&unique_email("burst"), STRONG_PASSWORD), bound)
                    .await
            } else {
                assert_unavailable_within("burst log-in", app.log_in(&email, STRONG_PASSWORD), bound).await
            }
        }
    });
    futures::future::join_all(burst).await;
    eprintln!("16 concurrent requests during the outage all answered 503 in {} ms", started.elapsed().as_millis());
    assert_eq!(app.get("/healthz").await.status(), 200, "still serving");
    let (status, body) = problem(app.get("/readyz").await).await;
    assert_eq!((status, body["code"].as_str()), (503, Some("backend_unavailable")), "not ready: {body}");

    proxy.restart().await; // same port
    wait_for_recovery(&app, Duration::from_secs(10)).await;
    assert_eq!(app.log_in(&email, STRONG_PASSWORD).await.status(), 200, "the user from before the outage");
    assert_eq!(app.get("/readyz").await.status(), 200, "ready again");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_black_holed_database_answers_503_within_the_timeouts_then_recovers() {
    let Some(db) = TestDatabase::create().await else { return };
    let mut proxy = TcpProxy::start(db.server_addr().await).await;
    let app = TestApp::on_database(&db).via(proxy.addr()).args(&as_strs(&timeout_args())).spawn().await;
    let email = unique_email("before-freeze");
    assert_eq!(app.sign_up(&email, STRONG_PASSWORD).await.status(), 201);

    // An INSERT blocked on a lock is in flight when the network goes silent: the server's
    // statement_timeout answer cannot arrive, so the client-side deadline must end the wait.
    let mut locker = db.connect().await;
    let mut lock = locker.begin().await.expect("begin");
    sqlx::query("LOCK TABLE users IN ACCESS EXCLUSIVE MODE").execute(&mut *lock).await.expect("lock");
    let sent = Instant::now();
    let in_flight = {
        let (client, url) = (app.client.clone(), app.url("/v1/signup"));
        let body = serde_json::json!({ "email": unique_email("in-flight"), "password": STRONG_PASSWORD });
        tokio::spawn(async move { client.post(url).json(&body).send().await.expect("sent") })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    proxy.freeze();
    // The client-side deadline: statement timeout + 1 s after the INSERT was sent.
    let deadline = Duration::from_millis(STATEMENT_TIMEOUT_MS) + Duration::from_secs(1);
    assert_unavailable_within(
        "in-flight sign-up, network black-holed (timed from the freeze)",
        async { in_flight.await.expect("request task") },
        deadline + SLACK,
    )
    .await;
    let elapsed = sent.elapsed();
    eprintln!("in-flight sign-up: 503 {} ms after it was sent (client deadline {deadline:?})", elapsed.as_millis());
    assert!(
        elapsed >= deadline - Duration::from_millis(100),
        "only the client deadline can end this wait (the server's answer cannot pass), yet it took {elapsed:?}"
    );
    lock.rollback().await.expect("unlock");

    let bound = Duration::from_millis(ACQUIRE_TIMEOUT_MS) + SLACK;
    assert_unavailable_within("sign-up, black-holed", app.sign_up(&unique_email("frozen"), STRONG_PASSWORD), bound)
        .await;
    assert_unavailable_within("log-in, black-holed", app.log_in(&email, STRONG_PASSWORD), bound).await;

    proxy.restart().await; // cuts the silent connections, listens again
    wait_for_recovery(&app, Duration::from_secs(10)).await;
    assert_eq!(app.log_in(&email, STRONG_PASSWORD).await.status(), 200);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_statement_stuck_on_a_lock_answers_503_after_the_statement_timeout() {
    let Some(db) = TestDatabase::create().await else { return };
    // A real process: its log shows which mechanism ended the wait.
    let app = process_on(&db, &as_strs(&timeout_args())).await;
    let email = unique_email("locked");
    assert_eq!(app.sign_up(&email, STRONG_PASSWORD).await.status(), 201);

    let mut locker = db.connect().await;
    let mut lock = locker.begin().await.expect("begin");
    sqlx::query("LOCK TABLE users IN ACCESS EXCLUSIVE MODE").execute(&mut *lock).await.expect("lock");
    let bound = Duration::from_millis(STATEMENT_TIMEOUT_MS) + SLACK;
    let signed_up = unique_email("while-locked");
    let elapsed =
        assert_unavailable_within("sign-up, users locked", app.sign_up(&signed_up, STRONG_PASSWORD), bound).await;
    assert!(elapsed >= Duration::from_millis(STATEMENT_TIMEOUT_MS) / 2, "it waited for the lock: {elapsed:?}");
    assert_unavailable_within("log-in, users locked", app.log_in(&email, STRONG_PASSWORD), bound).await;
    lock.rollback().await.expect("unlock");
    let cancelled =
        app.process_logs().iter().filter(|l| l.contains("canceling statement due to statement timeout")).count();
    assert_eq!(cancelled, 2, "PostgreSQL's statement_timeout ended both waits: {:#?}", app.process_logs());

    // The cancelled INSERT did not commit, and the same connections serve again.
    assert_eq!(app.sign_up(&signed_up, STRONG_PASSWORD).await.status(), 201);
    assert_eq!(app.log_in(&email, STRONG_PASSWORD).await.status(), 200);
    app.stop().await;
}

// ---------------------------------------------------------------------------------------------
// authport migrate

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrate_applies_the_schema_once_and_fails_fast_without_a_database() {
    let Some(db) = TestDatabase::create().await else { return };
    for run in ["first", "second"] {
        let (status, log) = run_to_completion(vec!["migrate".into(), "--database-url".into(), db.url()]).await;
        assert!(status.success(), "{run} migrate failed: {log}");
    }
    let applied = count(&db, "SELECT count(*) FROM _sqlx_migrations WHERE success", &[]).await;
    let shipped = authport_userpool::store::postgres::MIGRATOR.iter().count();
    assert_eq!(usize::try_from(applied).expect("a count"), shipped, "every shipped migration, once");
    for table in [
        "user_pools",
        "app_clients",
        "users",
        "challenge_sessions",
        "refresh_tokens",
        "pool_signing_keys",
        "sent_messages",
    ] {
        assert_eq!(
            count(&db, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename = $1", &[table]).await,
            1
        );
    }

    let started = Instant::now();
    let (status, log) = run_to_completion(
        [
            "migrate",
            "--database-url",
            "postgres://ann:hunter2-secret@127.0.0.1:1/app",
            "--database-acquire-timeout-ms",
            "500",
        ]
        .map(str::to_owned)
        .to_vec(),
    )
    .await;
    let elapsed = started.elapsed();
    assert!(!status.success(), "{log}");
    assert!(log.contains("cannot connect to PostgreSQL at postgres://ann:***@127.0.0.1:1/app"), "{log}");
    assert!(!log.contains("hunter2-secret"), "{log}");
    assert!(elapsed < Duration::from_millis(500) + SLACK, "took {elapsed:?}");

    let (status, log) = run_to_completion(
        ["migrate", "--database-url", "mysql://ann:hunter2-secret@db/app"].map(str::to_owned).to_vec(),
    )
    .await;
    assert!(!status.success(), "{log}");
    assert!(log.contains("not a PostgreSQL URL") && !log.contains("hunter2-secret"), "{log}");
}

// ---------------------------------------------------------------------------------------------
// The store itself

fn store_config(url: &str) -> PostgresConfig {
    PostgresConfig::new(DatabaseUrl::parse(url).expect("database URL"))
}

/// The pool every migrated database has: the default pool, under its default id until a
/// process installs its own.
fn default_pool() -> PoolId {
    PoolId::parse(LocalConfig::DEFAULT_POOL_ID).expect("pool id")
}

fn user(username: &str) -> PoolUser {
    let now = std::time::SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    PoolUser {
        pool_id: default_pool(),
        sub: uuid::Uuid::new_v4(),
        username: username.to_owned(),
        username_key: username.to_lowercase(),
        attributes: std::collections::BTreeMap::from([("email".to_owned(), username.to_owned())]),
        status: UserStatus::Confirmed,
        enabled: true,
        password_hash: "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA".to_owned(),
        password_set_at: now,
        failed_sign_ins: 0,
        locked_until: None,
        pending_code: None,
        srp: None,
        created_at: now,
        last_modified_at: now,
        revision: 0,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_first_starts_agree_on_one_signing_key() {
    let Some(db) = TestDatabase::create().await else { return };
    let config = store_config(&db.url());
    // Eight "processes" migrate the empty database and offer their own keys at the same time.
    let starts = (0..8).map(|i| {
        let config = config.clone();
        async move {
            let store = PostgresStore::connect(&config).await.expect("connect and migrate");
            let candidate = PoolKeysPem { access: format!("-----BEGIN access {i}"), id: format!("-----BEGIN id {i}") };
            let keys = store.put_pool_keys(&default_pool(), candidate).await.expect("keys");
            store.close().await;
            keys
        }
    });
    let keys = futures::future::join_all(starts).await;
    assert!(keys.iter().all(|k| *k == keys[0]), "{keys:?}");
    assert!(keys[0].access.starts_with("-----BEGIN access "), "{:?}", keys[0]);
    assert_eq!(count(&db, "SELECT count(*) FROM pool_signing_keys", &[]).await, 1);
}

/// The database itself keeps one user per user-name key in a pool, whatever inserts the row:
/// a raw row is a duplicate for the store, and the store's row is one for a raw insert.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_database_itself_enforces_one_user_per_username_key() {
    let Some(db) = TestDatabase::create().await else { return };
    let store = PostgresStore::connect(&store_config(&db.url())).await.expect("store");
    let raw_insert = |key: &'static str| {
        sqlx::query(
            "INSERT INTO users (pool_id, sub, username, username_key, status, enabled, password_hash, password_set_at, \
             created_at, last_modified_at) VALUES ($1, $2, $3, $3, 'CONFIRMED', true, $4, now(), now(), now())",
        )
        .bind(LocalConfig::DEFAULT_POOL_ID)
        .bind(uuid::Uuid::new_v4())
        .bind(key)
        .bind("$argon2id$v=19$m=8,t=1,p=1$x$y")
    };
    let mut conn = db.connect().await;
    raw_insert("ann@example.com").execute(&mut conn).await.expect("raw insert");
    assert!(matches!(store.insert_user(&user("Ann@Example.com")).await, Err(InsertError::Duplicate)));
    let found = store.user(&default_pool(), "ann@example.com").await.expect("lookup");
    assert!(found.is_some(), "the raw row is found by its key");

    store.insert_user(&user("zoe@example.com")).await.expect("zoe");
    let raw = raw_insert("zoe@example.com").execute(&mut conn).await.expect_err("the unique index refuses it");
    let db_err = raw.as_database_error().expect("a database error");
    assert_eq!((db_err.code().as_deref(), db_err.constraint()), (Some("23505"), Some("users_pool_username_key")));

    // Only the user-name index means "duplicate": a colliding sub is an error.
    let first = user("bob@example.com");
    let mut clash = user("carol@example.com");
    clash.sub = first.sub;
    store.insert_user(&first).await.expect("bob");
    assert!(matches!(store.insert_user(&clash).await, Err(InsertError::Store(StoreError::Other(_)))));

    // Non-argon2id hashes are refused by the schema; so is a user of no pool.
    let mut weak = user("dave@example.com");
    weak.password_hash = "plaintext".to_owned();
    assert!(matches!(store.insert_user(&weak).await, Err(InsertError::Store(StoreError::Other(_)))));
    let mut orphan = user("erin@example.com");
    orphan.pool_id = PoolId::parse("us-east-1_NoSuchPool").expect("id");
    assert!(matches!(store.insert_user(&orphan).await, Err(InsertError::NoSuchPool)));
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_tokens_are_stored_hashed_with_expiry_and_no_revocation() {
    let Some(app) = TestApp::spawn(Backend::Postgres).await else { return };
    let db = app.database().expect("postgres app");
    let email = unique_email("refresh");
    assert_eq!(app.sign_up(&email, STRONG_PASSWORD).await.status(), 201);
    let tokens = log_in_tokens(&app, &email).await;
    let refresh = tokens["refresh_token"].as_str().expect("refresh token");
    let mut conn = db.connect().await;
    let (hash, expected_hash, ttl_secs, revoked): (String, String, f64, bool) = sqlx::query_as(
        "SELECT t.token_hash, encode(sha256(convert_to($2, 'UTF8')), 'hex'),
                extract(epoch FROM t.expires_at - t.created_at)::float8, t.revoked_at IS NOT NULL
         FROM refresh_tokens t JOIN users u ON u.sub = t.sub WHERE u.username_key = lower($1)",
    )
    .bind(&email)
    .bind(refresh)
    .fetch_one(&mut conn)
    .await
    .expect("exactly one refresh token row");
    assert_eq!(hash, expected_hash, "stored as the SHA-256 of the token, never the token");
    assert!(!hash.contains(refresh));
    assert!((ttl_secs - 30.0 * 86_400.0).abs() < 60.0, "default 30-day lifetime, got {ttl_secs} s");
    assert!(!revoked);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_database_is_unavailable_within_the_acquire_timeout() {
    // Needs no PostgreSQL: nothing listens on port 1.
    let mut config = store_config("postgres://postgres@127.0.0.1:1/nowhere");
    config.acquire_timeout = Duration::from_millis(500);
    let started = Instant::now();
    let err = PostgresStore::connect(&config).await.expect_err("nothing listens there");
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
    assert!(started.elapsed() < Duration::from_millis(500) + SLACK, "{:?}", started.elapsed());

    let lazy = PostgresStore::connect_lazy(&config).expect("lazy pool");
    let started = Instant::now();
    let err = lazy.insert_user(&user("erin@example.com")).await.expect_err("unreachable");
    assert!(matches!(err, InsertError::Store(StoreError::Unavailable(_))), "{err:?}");
    let err = lazy.user(&default_pool(), "erin@example.com").await.expect_err("down");
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
    assert!(started.elapsed() < 2 * (Duration::from_millis(500) + SLACK), "{:?}", started.elapsed());
}

/// The database release 0.1 wrote (`tests/fixtures/postgres-v0.1.sql`): schema, one user, one
/// refresh token, the signing key.
const RELEASE_0_1_DUMP: &str = include_str!("../../fixtures/postgres-v0.1.sql");

/// What went into that database, as its header says.
mod release_0_1 {
    pub const ISSUER: &str = "https://authport.example";
    pub const CLIENT_ID: &str = "authport-release-dump";
    pub const USER_ID: &str = "490847c1-c9cd-40a7-9471-7d75c1b5d2e8";
    pub const EMAIL: &str = "release.user@example.com";
    pub const PASSWORD: &str = "Dumped-Passw0rd!";
    pub const REFRESH_TOKEN: &str = "hhEPSJ1PgLUNCpsmR90uinUbxpYHUnalPJIN-pkOfEn6-nf_-2bA_mSGQ_1isCW-";
    /// The `kid` its tokens carry.
    pub const KID: &str = "VhlNHPWGOKqaqXMMnwfc4KND70YXGrsN8MtIXzyUW-w";
}

/// A deployment's existing database upgrades in place: the dump of release 0.1 is restored,
/// authport starts on it (applying whatever migrations came since), and then the user logs in
/// with the password of then, the refresh token of then refreshes, and an access token signed
/// with the key of then, in 0.1's claim shape (pinned here, not taken from today's types), is
/// accepted by `/v1/me`.
#[tokio::test]
async fn a_database_written_by_release_0_1_upgrades_in_place() {
    use release_0_1 as old;
    let Some(db) = TestDatabase::create().await else { return };
    let mut conn = db.connect().await;
    sqlx::raw_sql(RELEASE_0_1_DUMP).execute(&mut conn).await.expect("the 0.1 dump restores");
    conn.close().await.ok();
    let app =
        TestApp::on_database(&db).args(&["--issuer", old::ISSUER, "--token-client-id", old::CLIENT_ID]).spawn().await;

    let logged_in = app.log_in(old::EMAIL, old::PASSWORD).await;
    assert_eq!(logged_in.status(), 200, "the 0.1 user logs in with the 0.1 password");
    let logged_in: Value = logged_in.json().await.expect("tokens");
    let me = app.client.get(app.url("/v1/me")).bearer_auth(logged_in["access_token"].as_str().expect("access"));
    let me: Value = me.send().await.expect("sent").json().await.expect("json");
    assert_eq!(me["sub"], old::USER_ID, "the 0.1 user keeps its id");

    let refreshed =
        app.post_json("/v1/token/refresh", &serde_json::json!({ "refresh_token": old::REFRESH_TOKEN })).await;
    assert_eq!(refreshed.status(), 200, "the 0.1 refresh token refreshes");
    let refreshed: Value = refreshed.json().await.expect("tokens");
    let me = app.client.get(app.url("/v1/me")).bearer_auth(refreshed["access_token"].as_str().expect("access")).send();
    assert_eq!(me.await.expect("sent").status(), 200);

    let pem = RELEASE_0_1_DUMP
        .find("-----BEGIN PRIVATE KEY-----")
        .and_then(|start| {
            let end = "-----END PRIVATE KEY-----";
            RELEASE_0_1_DUMP[start..].find(end).map(|len| &RELEASE_0_1_DUMP[start..start + len + end.len()])
        })
        .expect("the dump holds the 0.1 signing key");
    let key = authport_testkit::forge::ForgingKey { kid: old::KID.to_owned(), pem: pem.to_owned() };
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs();
    let token = key.sign(&serde_json::json!({
        "sub": old::USER_ID,
        "iss": old::ISSUER,
        "client_id": old::CLIENT_ID,
        "origin_jti": "dbf6a436-e218-4956-9e2e-d13b7b2ccfa7",
        "token_use": "access",
        "scope": "aws.cognito.signin.user.admin",
        "auth_time": now - 60,
        "iat": now - 60,
        "exp": now + 3540,
        "jti": "ea871016-02ca-4530-80f3-de3f645b07e1",
        "username": old::EMAIL,
    }));
    let me = app.client.get(app.url("/v1/me")).bearer_auth(token).send().await.expect("sent");
    assert_eq!(me.status(), 200, "a token of the 0.1 key and shape");
    let me: Value = me.json().await.expect("json");
    assert_eq!((me["sub"].as_str(), me["email"].as_str()), (Some(old::USER_ID), Some(old::EMAIL)));
    app.stop().await;
}
