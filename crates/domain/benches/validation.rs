//! Micro-benchmarks of the domain's pure request validation: every sign-up and log-in parses an
//! e-mail address and every sign-up checks the password policy. `just bench` runs them.

use std::hint::black_box;

use authport_domain::{Email, PasswordPolicy};
use criterion::{Criterion, criterion_group, criterion_main};
use secrecy::SecretString;

fn validation(c: &mut Criterion) {
    c.bench_function("Email::parse (valid, mixed case)", |b| {
        b.iter(|| Email::parse(black_box("  Jane.Doe+signup@Example.COM ")).expect("valid"))
    });
    c.bench_function("Email::parse (invalid)", |b| b.iter(|| Email::parse(black_box("jane.doe@@example")).is_err()));
    let policy = PasswordPolicy::default();
    c.bench_function("PasswordPolicy::check (strong)", |b| {
        b.iter(|| policy.check(SecretString::from(black_box("Correct-Horse-9-battery"))).is_ok())
    });
    c.bench_function("PasswordPolicy::check (weak: every rule)", |b| {
        b.iter(|| policy.check(SecretString::from(black_box("abc"))).is_err())
    });
}

criterion_group!(benches, validation);
criterion_main!(benches);
