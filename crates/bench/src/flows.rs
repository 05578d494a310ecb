//! The offline-test workload: N sign-up + log-in flows with fresh e-mail addresses, `concurrency`
//! at a time, either through authport's HTTP API or straight to the Cognito emulator with the
//! AWS SDK — making the same Cognito calls the Cognito adapter makes (AdminCreateUser with
//! MessageAction=SUPPRESS, AdminSetUserPassword permanent, AdminInitiateAuth
//! ADMIN_USER_PASSWORD_AUTH).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::types::{AttributeType, AuthFlowType, MessageActionType};
use hyper::StatusCode;
use serde_json::json;

use crate::load::{Call, Connection};

/// Meets Cognito's default policy (and authport's).
pub const PASSWORD: &str = "Bench-Passw0rd!";

/// How many flows ran and how long they took.
#[derive(Debug, Clone, Copy)]
pub struct FlowRun {
    pub flows: usize,
    pub elapsed: Duration,
}

impl FlowRun {
    pub fn per_second(&self) -> f64 {
        self.flows as f64 / self.elapsed.as_secs_f64()
    }
}

fn email(run: &str, i: usize) -> String {
    format!("bench-{run}-{i}@example.com")
}

/// Runs `flows` flows, `concurrency` at a time, with `flow(i)` doing flow number `i`.
async fn run<F, Fut>(flows: usize, concurrency: usize, flow: F) -> anyhow::Result<FlowRun>
where
    F: Fn(usize) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = anyhow::Result<()>> + Send,
{
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (next, flow) = (Arc::clone(&next), flow.clone());
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= flows {
                        return anyhow::Ok(());
                    }
                    flow(i).await?;
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await??;
    }
    Ok(FlowRun { flows, elapsed: start.elapsed() })
}

/// `POST /v1/signup` (201) then `POST /v1/login` (200) through authport at `addr`, one
/// keep-alive connection per concurrent flow.
pub async fn through_authport(addr: SocketAddr, flows: usize, concurrency: usize) -> anyhow::Result<FlowRun> {
    let run_id = uuid::Uuid::new_v4().simple().to_string();
    let connections = Arc::new(tokio::sync::Mutex::new(Vec::new()));
    for _ in 0..concurrency {
        connections.lock().await.push(Connection::open(addr).await?);
    }
    run(flows, concurrency, move |i| {
        let (connections, body) =
            (Arc::clone(&connections), json!({ "email": email(&run_id, i), "password": PASSWORD }));
        async move {
            let mut connection = connections.lock().await.pop().context("a free connection")?;
            for (path, expect) in [("/v1/signup", StatusCode::CREATED), ("/v1/login", StatusCode::OK)] {
                let (status, answer) = connection.send(&Call::post_json(path, &body)).await?;
                anyhow::ensure!(status == expect, "{path} answered {status}: {}", String::from_utf8_lossy(&answer));
            }
            connections.lock().await.push(connection);
            Ok(())
        }
    })
    .await
}

/// The same flows straight to the emulator: the calls authport's Cognito adapter makes.
pub async fn straight_to_cognito(
    cognito: &Client,
    pool_id: &str,
    client_id: &str,
    flows: usize,
    concurrency: usize,
) -> anyhow::Result<FlowRun> {
    let run_id = uuid::Uuid::new_v4().simple().to_string();
    let (cognito, pool_id, client_id) = (cognito.clone(), pool_id.to_owned(), client_id.to_owned());
    run(flows, concurrency, move |i| {
        let (cognito, pool_id, client_id, username) =
            (cognito.clone(), pool_id.clone(), client_id.clone(), email(&run_id, i));
        async move {
            let attribute = |name: &str, value: &str| AttributeType::builder().name(name).value(value).build();
            cognito
                .admin_create_user()
                .user_pool_id(&pool_id)
                .username(&username)
                .user_attributes(attribute("email", &username)?)
                .user_attributes(attribute("email_verified", "true")?)
                .message_action(MessageActionType::Suppress)
                .send()
                .await
                .context("AdminCreateUser")?;
            cognito
                .admin_set_user_password()
                .user_pool_id(&pool_id)
                .username(&username)
                .password(PASSWORD)
                .permanent(true)
                .send()
                .await
                .context("AdminSetUserPassword")?;
            let auth = cognito
                .admin_initiate_auth()
                .user_pool_id(&pool_id)
                .client_id(&client_id)
                .auth_flow(AuthFlowType::AdminUserPasswordAuth)
                .auth_parameters("USERNAME", &username)
                .auth_parameters("PASSWORD", PASSWORD)
                .send()
                .await
                .context("AdminInitiateAuth")?;
            anyhow::ensure!(auth.authentication_result().is_some(), "AdminInitiateAuth returned no tokens");
            Ok(())
        }
    })
    .await
}
