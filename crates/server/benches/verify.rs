//! Micro-benchmarks of the hot path of every authenticated request: verifying an access token
//! (RS256 signature with the cached JWKS key, issuer, expiry, token_use, client_id), the first
//! time and once the verifier remembers it.
//! `just bench` runs it.

use std::sync::Arc;

use authport_domain::{AuthService, IdentityProvider};
use authport_server::verifier::AccessTokenVerifier;
use authport_userpool::{HashCost, LocalConfig, LocalIdentityProvider, MemoryStore};
use criterion::{Criterion, criterion_group, criterion_main};
use secrecy::SecretString;

fn verify(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let (verifier, token) = runtime.block_on(async {
        let config = LocalConfig { hash_cost: HashCost::InsecureFastForTests, ..LocalConfig::default() };
        let provider: Arc<dyn IdentityProvider> =
            Arc::new(LocalIdentityProvider::new(Arc::new(MemoryStore::new()), config).await.expect("provider"));
        let service = AuthService::new(provider);
        let password = || SecretString::from("Correct-Horse-9");
        service.sign_up("bench@example.com", password()).await.expect("sign-up");
        let tokens = service.log_in("bench@example.com", password()).await.expect("log-in");
        let verifier = AccessTokenVerifier::new(service);
        let token = tokens.access_token.expose().to_owned();
        verifier.verify(&token).await.expect("the token verifies (and the key is cached)");
        (verifier, token)
    });
    c.bench_function("AccessTokenVerifier: first sight (RS256 signature and claims)", |b| {
        b.to_async(&runtime).iter(|| async { verifier.verify_signature_and_claims(&token).await.expect("valid") })
    });
    c.bench_function("AccessTokenVerifier::verify: token seen before", |b| {
        b.to_async(&runtime).iter(|| async { verifier.verify(&token).await.expect("valid") })
    });
}

criterion_group!(benches, verify);
criterion_main!(benches);
