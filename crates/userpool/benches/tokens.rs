//! Micro-benchmarks of the local backends' token work: minting a log-in's access + id token
//! (two RS256 signatures), and the SRP work USER_SRP_AUTH adds — the verifier made at every
//! password set, and the server's half of a challenge. `just bench` runs them.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use authport_domain::{Email, TokenAudience, User, UserId};
use authport_userpool::{SigningKey, TokenIssuer};
use criterion::{Criterion, criterion_group, criterion_main};

fn tokens(c: &mut Criterion) {
    let (access, id) = (SigningKey::generate().expect("RSA key"), SigningKey::generate().expect("RSA key"));
    let issuer = TokenIssuer::new(Arc::new(access), Arc::new(id));
    let audience = TokenAudience { issuer: "http://issuer.bench".into(), client_id: "bench-client".into() };
    let ttl = Duration::from_secs(3600);
    let user = User {
        id: UserId::parse("7d0c8f8e-5b0a-4c39-9a53-3f3e1b2c9d11").expect("id"),
        email: Email::parse("bench.user@example.com").expect("email"),
    };
    c.bench_function("mint access+id token (2x RS256)", |b| {
        let subject = (&user).into();
        b.iter(|| {
            issuer.mint(&audience, ttl, black_box(&subject), std::time::SystemTime::now(), "origin").expect("mint")
        })
    });
}

fn srp(c: &mut Criterion) {
    use authport_userpool::srp;
    c.bench_function("SRP verifier of a password (every password set)", |b| {
        b.iter(|| srp::make_verifier("AbC123xyz", black_box("bench.user"), black_box("Corr3ct-horse")))
    });
    let verifier = srp::make_verifier("AbC123xyz", "bench.user", "Corr3ct-horse");
    // Any valid A does: the server's cost does not depend on it.
    let a = srp::parse_a(&srp::b_hex(&srp::server_ephemeral(&verifier.verifier))).expect("A");
    c.bench_function("SRP challenge, server side (B and the session key)", |b| {
        b.iter(|| {
            let ephemeral = srp::server_ephemeral(black_box(&verifier.verifier));
            srp::session_key(&verifier.verifier, &ephemeral, &a).expect("key")
        })
    });
}

criterion_group!(benches, tokens, srp);
criterion_main!(benches);
