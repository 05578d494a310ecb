//! The physical limit of the tutorial's flows on authport's Cognito API: the hashing and signing
//! one flow needs, done with the engine's own functions on every core, nothing else running.
//!
//! One flow (`flows::tutorial_through_sdk`) hashes the temporary password (AdminCreateUser),
//! verifies it (AdminInitiateAuth), hashes the new one and mints a token set (the
//! NEW_PASSWORD_REQUIRED answer), verifies it and mints another (the log-in): two argon2id
//! hashes and two verifications at the tests' cost, and four RS256 signatures by two 2048-bit
//! keys. Everything else a flow costs — HTTP, JSON, the store, the SDK client — is what the
//! measured ratio leaves room for.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use authport_domain::TokenAudience;
use authport_userpool::{HashCost, SigningKey, TokenIssuer, TokenSubject, hash_phc, verify_phc};

use crate::flows::PASSWORD;

#[derive(Debug, Clone, Copy)]
pub struct FlowBound {
    pub threads: usize,
    /// Flows' worth of hashing and signing per second, on all threads together.
    pub per_second: f64,
}

impl FlowBound {
    /// Milliseconds of CPU one flow's hashing and signing take on one core.
    pub fn per_flow_ms(&self) -> f64 {
        self.threads as f64 * 1000.0 / self.per_second
    }
}

/// The keys and claims a flow signs with, made once.
#[derive(Debug)]
pub struct FlowCrypto {
    issuer: TokenIssuer,
    audience: TokenAudience,
    subject: TokenSubject,
}

impl FlowCrypto {
    pub fn new() -> anyhow::Result<Self> {
        let key = || SigningKey::generate().map(Arc::new).map_err(|e| anyhow::anyhow!("RSA key: {e}"));
        Ok(Self {
            issuer: TokenIssuer::new(key()?, key()?),
            audience: TokenAudience {
                issuer: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_bench0000".into(),
                client_id: "benchbenchbenchbenchbench0".into(),
            },
            subject: TokenSubject {
                sub: "7d0c8f8e-5b0a-4c39-9a53-3f3e1b2c9d11".into(),
                username: "bench.user@example.com".into(),
                email: None,
                email_verified: None,
            },
        })
    }

    /// One flow's hashing and signing.
    fn one_flow(&self) {
        let hash = || hash_phc(HashCost::InsecureFastForTests, PASSWORD.as_bytes()).expect("argon2 hash");
        let verify = |phc: &str| assert!(verify_phc(PASSWORD.as_bytes(), phc).expect("our own PHC string"));
        let mint = || {
            let ttl = Duration::from_secs(3600);
            self.issuer.mint(&self.audience, ttl, &self.subject, SystemTime::now(), "origin").expect("mint");
        };
        let temporary = hash();
        verify(&temporary);
        let permanent = hash();
        mint();
        verify(&permanent);
        mint();
    }

    /// `threads` threads doing flows' hashing and signing for `duration`.
    pub fn measure(&self, threads: usize, duration: Duration) -> FlowBound {
        FlowBound { threads, per_second: crate::argon2_bound::per_second_on(threads, duration, || self.one_flow()) }
    }
}
