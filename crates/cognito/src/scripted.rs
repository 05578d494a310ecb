//! Test support: a scripted stand-in for Cognito's JSON API on a loopback port, recording
//! every call. Lets the adapter's call sequence, parameters and compensation be checked
//! without an emulator.

use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

/// What the script answers: HTTP status and JSON body, or `None` to never answer.
pub(crate) type Answer = Option<(u16, Value)>;
type Script = Arc<dyn Fn(&str, &Value) -> Answer + Send + Sync>;

#[derive(Clone)]
pub(crate) struct ScriptedCognito {
    pub(crate) url: String,
    calls: Arc<Mutex<Vec<(String, Value)>>>,
}

/// A Cognito error answer (HTTP 400, `__type` = `code`).
pub(crate) fn error(code: &str) -> Answer {
    Some((400, json!({"__type": code, "message": "scripted failure"})))
}

pub(crate) fn ok(body: Value) -> Answer {
    Some((200, body))
}

/// The answer of a successful password authentication.
pub(crate) fn tokens() -> Answer {
    ok(json!({
        "ChallengeParameters": {},
        "AuthenticationResult": {
            "AccessToken": "access", "IdToken": "id", "RefreshToken": "refresh", "ExpiresIn": 3600, "TokenType": "Bearer"
        }
    }))
}

/// DescribeUserPool with Cognito's default policy; AdminCreateUser returning `sub-1`; every
/// other operation succeeds with `{}` unless `script` answers it first.
pub(crate) fn defaults(op: &str) -> Answer {
    match op {
        "DescribeUserPool" => ok(json!({"UserPool": {"Id": "us-east-1_test", "Policies": {"PasswordPolicy": {
            "MinimumLength": 8, "RequireUppercase": true, "RequireLowercase": true,
            "RequireNumbers": true, "RequireSymbols": true, "TemporaryPasswordValidityDays": 7
        }}}})),
        "AdminCreateUser" => ok(json!({"User": {
            "Username": "sub-1", "Enabled": true, "UserStatus": "FORCE_CHANGE_PASSWORD",
            "Attributes": [{"Name": "email", "Value": "ann@example.com"}, {"Name": "sub", "Value": "sub-1"}]
        }})),
        "AdminInitiateAuth" | "AdminRespondToAuthChallenge" => tokens(),
        _ => ok(json!({})),
    }
}

impl ScriptedCognito {
    pub(crate) async fn start(script: impl Fn(&str, &Value) -> Option<Answer> + Send + Sync + 'static) -> Self {
        let script: Script = Arc::new(move |op, body| script(op, body).unwrap_or_else(|| defaults(op)));
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let calls = Arc::new(Mutex::new(Vec::new()));
        let recorded = Arc::clone(&calls);
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(serve(socket, Arc::clone(&script), Arc::clone(&recorded)));
            }
        });
        Self { url, calls }
    }

    /// The operations called so far, in order.
    pub(crate) fn ops(&self) -> Vec<String> {
        self.calls.lock().expect("lock").iter().map(|(op, _)| op.clone()).collect()
    }

    /// The request body of the last call of `op`.
    pub(crate) fn body(&self, op: &str) -> Value {
        let calls = self.calls.lock().expect("lock");
        calls.iter().rev().find(|(o, _)| o == op).map(|(_, body)| body.clone()).unwrap_or(Value::Null)
    }
}

async fn serve(mut socket: TcpStream, script: Script, calls: Arc<Mutex<Vec<(String, Value)>>>) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let (head_len, content_length, op) = loop {
        let Ok(n) = socket.read(&mut chunk).await else { return };
        if n == 0 {
            return;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let header = |name: &str| {
                head.lines().find_map(|l| l.strip_prefix(name).map(|v| v.trim_start_matches(':').trim().to_owned()))
            };
            let length = header("content-length").and_then(|v| v.parse::<usize>().ok()).unwrap_or(0);
            let target = header("x-amz-target").unwrap_or_default();
            let op = target.rsplit('.').next().unwrap_or_default().to_owned();
            break (end + 4, length, op);
        }
    };
    while buf.len() < head_len + content_length {
        let Ok(n) = socket.read(&mut chunk).await else { return };
        if n == 0 {
            return;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body: Value = serde_json::from_slice(&buf[head_len..head_len + content_length]).unwrap_or(Value::Null);
    // Header names were lower-cased: restore the operation's spelling from the body-less map.
    let op = OPERATIONS.iter().find(|o| o.to_ascii_lowercase() == op).map_or(op, |o| (*o).to_owned());
    calls.lock().expect("lock").push((op.clone(), body.clone()));
    let Some((status, answer)) = script(&op, &body) else {
        // Never answer: the client's timeouts must fire.
        tokio::time::sleep(std::time::Duration::from_secs(30)).await;
        return;
    };
    let answer = answer.to_string();
    let reply = format!(
        "HTTP/1.1 {status} X\r\ncontent-type: application/x-amz-json-1.1\r\nx-amzn-requestid: req-{op}\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n{answer}",
        answer.len()
    );
    let _ = socket.write_all(reply.as_bytes()).await;
}

const OPERATIONS: [&str; 6] = [
    "DescribeUserPool",
    "AdminCreateUser",
    "AdminSetUserPassword",
    "AdminDeleteUser",
    "AdminInitiateAuth",
    "AdminRespondToAuthChallenge",
];
