//! The offline-test workloads: N sign-up + log-in flows with fresh e-mail addresses, `concurrency`
//! at a time, either through authport's HTTP API or straight to a Cognito endpoint with the
//! AWS SDK — making the same Cognito calls the Cognito adapter makes (AdminCreateUser with
//! MessageAction=SUPPRESS, AdminSetUserPassword permanent, AdminInitiateAuth
//! ADMIN_USER_PASSWORD_AUTH), or the tutorial's (`tutorial_through_sdk`).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::types::{AttributeType, AuthFlowType, ChallengeNameType, MessageActionType};
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

/// Runs `flows` flows, `concurrency` at a time, with `flow(worker, i)` doing flow number `i`
/// on worker number `worker`.
async fn run<F, Fut>(flows: usize, concurrency: usize, flow: F) -> anyhow::Result<FlowRun>
where
    F: Fn(usize, usize) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = anyhow::Result<()>> + Send,
{
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|worker| {
            let (next, flow) = (Arc::clone(&next), flow.clone());
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= flows {
                        return anyhow::Ok(());
                    }
                    flow(worker, i).await?;
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
    run(flows, concurrency, move |_, i| {
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
    run(flows, concurrency, move |_, i| {
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

/// The tutorial's sign-up plus a log-in (as `crates/bench/peers/boto3_tutorial_flows.py` makes
/// them), one SDK client per concurrent flow: AdminCreateUser (SUPPRESS, the password as the
/// temporary one), AdminInitiateAuth ADMIN_NO_SRP_AUTH answered by NEW_PASSWORD_REQUIRED,
/// AdminRespondToAuthChallenge (tokens), AdminInitiateAuth (tokens).
pub async fn tutorial_through_sdk(
    clients: &[Client],
    pool_id: &str,
    client_id: &str,
    flows: usize,
) -> anyhow::Result<FlowRun> {
    let run_id = uuid::Uuid::new_v4().simple().to_string();
    let (clients, pool_id, client_id) = (Arc::new(clients.to_vec()), pool_id.to_owned(), client_id.to_owned());
    run(flows, clients.len(), move |worker, i| {
        let (cognito, pool_id, client_id, username) =
            (clients[worker].clone(), pool_id.clone(), client_id.clone(), email(&run_id, i));
        async move {
            let auth = || {
                cognito
                    .admin_initiate_auth()
                    .user_pool_id(&pool_id)
                    .client_id(&client_id)
                    .auth_flow(AuthFlowType::AdminNoSrpAuth)
                    .auth_parameters("USERNAME", &username)
                    .auth_parameters("PASSWORD", PASSWORD)
                    .send()
            };
            cognito
                .admin_create_user()
                .user_pool_id(&pool_id)
                .username(&username)
                .temporary_password(PASSWORD)
                .message_action(MessageActionType::Suppress)
                .send()
                .await
                .context("AdminCreateUser")?;
            let challenge = auth().await.context("AdminInitiateAuth (temporary password)")?;
            anyhow::ensure!(
                challenge.challenge_name() == Some(&ChallengeNameType::NewPasswordRequired),
                "AdminInitiateAuth answered no NEW_PASSWORD_REQUIRED challenge"
            );
            let answered = cognito
                .admin_respond_to_auth_challenge()
                .user_pool_id(&pool_id)
                .client_id(&client_id)
                .challenge_name(ChallengeNameType::NewPasswordRequired)
                .challenge_responses("USERNAME", &username)
                .challenge_responses("NEW_PASSWORD", PASSWORD)
                .set_session(challenge.session().map(str::to_owned))
                .send()
                .await
                .context("AdminRespondToAuthChallenge")?;
            anyhow::ensure!(answered.authentication_result().is_some(), "the challenge answer returned no tokens");
            let login = auth().await.context("AdminInitiateAuth (log-in)")?;
            anyhow::ensure!(login.authentication_result().is_some(), "the log-in returned no tokens");
            Ok(())
        }
    })
    .await
}
