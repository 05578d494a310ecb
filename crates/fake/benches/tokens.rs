//! Micro-benchmarks of the fake backend's token work: minting a log-in's access + id token
//! (two RS256 signatures) and the refresh-token digest. `just bench` runs them.

use std::hint::black_box;
use std::time::Duration;

use authport_domain::{Email, User, UserId};
use authport_fake::{SigningKey, TokenIssuer};
use criterion::{Criterion, criterion_group, criterion_main};

fn tokens(c: &mut Criterion) {
    let key = SigningKey::generate().expect("RSA key");
    let issuer = TokenIssuer::new(key, "http://issuer.bench".into(), "bench-client".into(), Duration::from_secs(3600));
    let user = User {
        id: UserId::parse("7d0c8f8e-5b0a-4c39-9a53-3f3e1b2c9d11").expect("id"),
        email: Email::parse("bench.user@example.com").expect("email"),
    };
    c.bench_function("mint access+id token (2x RS256)", |b| b.iter(|| issuer.mint(black_box(&user)).expect("mint")));
}

criterion_group!(benches, tokens);
criterion_main!(benches);
