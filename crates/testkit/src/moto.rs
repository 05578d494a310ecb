//! The moto Cognito emulator for tests: one `moto_server` per test process, a fresh user
//! pool (and app client) per test.
//!
//! moto comes from `scripts/install-moto.sh` (`.venv/bin/moto_server`, pinned version), or an
//! already running server named by `MOTO_ENDPOINT`. The server is started through a tiny shell
//! wrapper that kills it when our stdin closes, so it never outlives the test process.

use std::io::{BufRead as _, BufReader};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_cognitoidentityprovider::types::{
    AttributeType, ExplicitAuthFlowsType, MessageActionType, PasswordPolicyType, UserPoolPolicyType,
    UsernameAttributeType, UsernameConfigurationType,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_types::body::SdkBody;
use serde_json::Value;
use tokio::sync::OnceCell;

/// moto takes the region from the request signature; pools live in this one.
pub const REGION: &str = "us-east-1";

/// A reachable moto server.
#[derive(Debug)]
pub struct Moto {
    pub endpoint: String,
    _process: Option<Mutex<(Child, ChildStdin)>>,
}

/// A user pool with two app clients (without and with a secret) on moto.
#[derive(Debug, Clone)]
pub struct MotoPool {
    pub endpoint: String,
    pub pool_id: String,
    pub client_id: String,
    pub secret_client_id: String,
    pub client_secret: String,
}

impl MotoPool {
    /// authport's command-line arguments for the cognito backend on this pool, reaching it at
    /// `endpoint` (the pool's own, or a proxy's), with the secret-less or the secret app client.
    pub fn authport_args(&self, endpoint: &str, with_secret: bool) -> Vec<String> {
        let (client_id, secret) = match with_secret {
            false => (&self.client_id, None),
            true => (&self.secret_client_id, Some(&self.client_secret)),
        };
        let mut args: Vec<String> =
            ["--backend", "cognito", "--user-pool-id", &self.pool_id, "--cognito-endpoint", endpoint]
                .into_iter()
                .chain(["--aws-region", REGION, "--client-id", client_id])
                .map(str::to_owned)
                .collect();
        if let Some(secret) = secret {
            args.extend(["--client-secret".to_owned(), secret.clone()]);
        }
        args
    }

    /// A user created outside authport, the way an administrator does it: a temporary password,
    /// no invitation, a verified e-mail (status `FORCE_CHANGE_PASSWORD`), named by the
    /// lower-cased e-mail as authport's users are.
    pub async fn create_user_with_temporary_password(&self, email: &str, temporary: &str) {
        let email = email.to_lowercase();
        let attribute = |name: &str, value: &str| AttributeType::builder().name(name).value(value).build();
        client(&self.endpoint)
            .admin_create_user()
            .user_pool_id(&self.pool_id)
            .username(&email)
            .temporary_password(temporary)
            .message_action(MessageActionType::Suppress)
            .user_attributes(attribute("email", &email).expect("attribute"))
            .user_attributes(attribute("email_verified", "true").expect("attribute"))
            .send()
            .await
            .unwrap_or_else(|e| panic!("AdminCreateUser {email}: {e:?}"));
    }
}

/// The process-wide moto server, or why there is none.
pub async fn moto() -> Result<&'static Moto, String> {
    static MOTO: OnceCell<Result<Moto, String>> = OnceCell::const_new();
    MOTO.get_or_init(|| async { tokio::task::spawn_blocking(start).await.unwrap_or_else(|e| Err(e.to_string())) })
        .await
        .as_ref()
        .map_err(Clone::clone)
}

fn start() -> Result<Moto, String> {
    if std::env::var("AWS_ACCESS_KEY_ID").is_err() || std::env::var("AWS_EC2_METADATA_DISABLED").is_err() {
        return Err("static AWS test credentials are not set (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, \
                    AWS_EC2_METADATA_DISABLED=true); run the suite with `just test`"
            .into());
    }
    if let Ok(endpoint) = std::env::var("MOTO_ENDPOINT") {
        return Ok(Moto { endpoint, _process: None });
    }
    let server = crate::repo_root().join(".venv/bin/moto_server");
    if !server.exists() {
        return Err(format!("{} not found; run scripts/install-moto.sh (or `just test`)", server.display()));
    }
    let log = std::env::temp_dir().join(format!("authport-moto-{}.log", std::process::id()));
    // The wrapper starts moto on a free port, echoes moto's port line, and kills moto as soon as
    // our end of its stdin closes (normally: when this test process exits).
    let script = r#"
        "$1" -H 127.0.0.1 -p 0 >"$2" 2>&1 </dev/null &
        pid=$!
        trap 'kill $pid 2>/dev/null' EXIT
        for _ in $(seq 1 300); do
          line=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$2" | head -n1 || true)
          if [ -n "$line" ]; then echo "$line"; break; fi
          kill -0 $pid 2>/dev/null || exit 1
          sleep 0.05
        done
        cat >/dev/null
    "#;
    let mut child = Command::new("bash")
        .args(["-c", script, "moto-wrapper"])
        .arg(&server)
        .arg(&log)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start moto: {e}"))?;
    let stdin = child.stdin.take().ok_or("no stdin")?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut endpoint = String::new();
    BufReader::new(stdout).read_line(&mut endpoint).map_err(|e| e.to_string())?;
    let endpoint = endpoint.trim().to_owned();
    if endpoint.is_empty() {
        let _ = child.kill();
        let output = std::fs::read_to_string(&log).unwrap_or_default();
        return Err(format!("moto did not start; its log ({}):\n{output}", log.display()));
    }
    wait_until_ready(&endpoint)?;
    Ok(Moto { endpoint, _process: Some(Mutex::new((child, stdin))) })
}

fn wait_until_ready(endpoint: &str) -> Result<(), String> {
    let addr = endpoint.trim_start_matches("http://");
    let deadline = Instant::now() + Duration::from_secs(15);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(addr).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Err(format!("moto at {endpoint} did not accept connections"))
}

/// What kind of pool to create.
#[derive(Debug, Clone)]
pub struct PoolSpec {
    /// The pool's password policy (send every field: see [`default_password_policy`]).
    pub policy: PasswordPolicyType,
    /// `UsernameAttributes=[email]`: users sign in with their e-mail and Cognito's user name is
    /// the `sub`. Otherwise a plain pool, whose user name is the (lower-cased) e-mail itself.
    pub email_usernames: bool,
}

impl Default for PoolSpec {
    fn default() -> Self {
        Self { policy: default_password_policy(), email_usernames: false }
    }
}

/// A fresh plain pool on the process-wide moto, or `None` after [`crate::skip_or_fail`].
pub async fn test_pool() -> Option<MotoPool> {
    test_pool_with(&PoolSpec::default()).await
}

/// Like [`test_pool`], for a pool made to `spec`.
pub async fn test_pool_with(spec: &PoolSpec) -> Option<MotoPool> {
    let moto = match moto().await {
        Ok(moto) => moto,
        Err(why) => {
            crate::skip_or_fail("moto Cognito emulator", &why);
            return None;
        }
    };
    match create_pool_at(&moto.endpoint, spec).await {
        Ok(pool) => Some(pool),
        Err(why) => panic!("moto is running at {} but creating a pool failed: {why}", moto.endpoint),
    }
}

/// An SDK client for the emulator with static credentials (never the default chain here).
pub fn client(endpoint: &str) -> Client {
    let config = aws_sdk_cognitoidentityprovider::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new("test", "test", None, None, "authport-tests"))
        .build();
    Client::from_conf(config)
}

/// Cognito's default password policy with every field explicit: moto treats missing `Require*`
/// fields as `true` and a missing length as 5.
pub fn default_password_policy() -> PasswordPolicyType {
    PasswordPolicyType::builder()
        .minimum_length(8)
        .require_lowercase(true)
        .require_uppercase(true)
        .require_numbers(true)
        .require_symbols(true)
        .build()
}

/// The Rust SDK leaves `false` booleans out of a request (it serialises only non-default
/// values), and moto enforces a left-out `Require*` flag as `true` (MOTO_NOTES.md a): a pool
/// that does not require, say, upper-case letters cannot be created through the SDK as is.
/// This writes every flag of `policy` into the CreateUserPool body before it is signed.
fn explicit_policy_flags(policy: &PasswordPolicyType) -> impl Fn(&mut HttpRequest) + Send + Sync + 'static {
    let flags = [
        ("RequireUppercase", policy.require_uppercase()),
        ("RequireLowercase", policy.require_lowercase()),
        ("RequireNumbers", policy.require_numbers()),
        ("RequireSymbols", policy.require_symbols()),
    ];
    move |request: &mut HttpRequest| {
        let Some(mut body) = request.body().bytes().and_then(|b| serde_json::from_slice::<Value>(b).ok()) else {
            return;
        };
        if let Some(Value::Object(password_policy)) = body.pointer_mut("/Policies/PasswordPolicy") {
            for (name, value) in flags {
                password_policy.insert(name.to_owned(), Value::Bool(value));
            }
        }
        let bytes = serde_json::to_vec(&body).expect("JSON");
        request.headers_mut().insert("content-length", bytes.len().to_string());
        *request.body_mut() = SdkBody::from(bytes);
    }
}

/// Creates a pool made to `spec` and two app clients, without and with a secret, on the
/// Cognito emulator at `endpoint` (moto, or LocalStack).
pub async fn create_pool_at(endpoint: &str, spec: &PoolSpec) -> Result<MotoPool, String> {
    let cognito = client(endpoint);
    let mut request = cognito
        .create_user_pool()
        .pool_name(format!("authport-test-{}", uuid::Uuid::new_v4().simple()))
        .policies(UserPoolPolicyType::builder().password_policy(spec.policy.clone()).build())
        .username_configuration(
            UsernameConfigurationType::builder().case_sensitive(false).build().map_err(|e| e.to_string())?,
        );
    if spec.email_usernames {
        request = request.username_attributes(UsernameAttributeType::Email);
    }
    let pool = request
        .customize()
        .mutate_request(explicit_policy_flags(&spec.policy))
        .send()
        .await
        .map_err(|e| format!("CreateUserPool: {e:?}"))?;
    let pool_id = pool.user_pool().and_then(|p| p.id()).ok_or("no pool id")?.to_owned();
    let flows = [ExplicitAuthFlowsType::AllowAdminUserPasswordAuth, ExplicitAuthFlowsType::AllowRefreshTokenAuth];
    let mut ids = Vec::new();
    for with_secret in [false, true] {
        let client = cognito
            .create_user_pool_client()
            .user_pool_id(&pool_id)
            .client_name(if with_secret { "authport-secret" } else { "authport" })
            .generate_secret(with_secret)
            // moto only puts these claims in id tokens when the client may read them.
            .set_read_attributes(Some(vec!["email".into(), "email_verified".into()]))
            .set_explicit_auth_flows(Some(flows.to_vec()))
            .send()
            .await
            .map_err(|e| format!("CreateUserPoolClient: {e:?}"))?;
        let client = client.user_pool_client().ok_or("no client")?;
        ids.push((client.client_id().unwrap_or_default().to_owned(), client.client_secret().map(str::to_owned)));
    }
    let (client_id, _) = ids.remove(0);
    let (secret_client_id, secret) = ids.remove(0);
    Ok(MotoPool {
        endpoint: endpoint.to_owned(),
        pool_id,
        client_id,
        secret_client_id,
        client_secret: secret.ok_or("no client secret")?,
    })
}
