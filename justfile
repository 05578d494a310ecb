# authport tasks. Install `just`: `pip install rust-just` or `cargo install just`.

set shell := ["bash", "-euo", "pipefail", "-c"]

# The AWS SDK must never look for real credentials or probe the instance-metadata address in tests.
export AWS_EC2_METADATA_DISABLED := "true"

# List the recipes.
default:
    @just --list

# Run authport (default: in-memory backend on 127.0.0.1:3000). Pass options after `--`, e.g. `just run --help`.
run *ARGS:
    cargo run --bin authport -- {{ARGS}}

# The whole test suite: unit tests and the conformance suite against every backend available here.
test: test-tools-install
    cargo build --bin authport
    AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 \
        cargo test --workspace --all-targets

# Benchmarks (release build, loopback only; needs PostgreSQL and moto): the criterion
# micro-benchmarks, then the load bench (crates/server/benches/load.rs), which prints its table
# and writes it into docs/benchmarks.md. moto installs while cargo builds; every cargo call
# selects the same packages, so they share one release build.
bench:
    rm -rf target/criterion
    mkdir -p target
    scripts/install-moto.sh > target/moto-install.log 2>&1 & moto=$!; \
        cargo bench {{bench_packages}} {{bench_targets}} --no-run; \
        wait $moto || { cat target/moto-install.log; exit 1; }
    cargo bench {{bench_packages}} --bench validation --bench tokens --bench verify -- --warm-up-time 1 --measurement-time 3
    AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 \
        cargo bench {{bench_packages}} --bench load -- --report docs/benchmarks.md

bench_packages := "-p authport-domain -p authport-fake -p authport-server"
bench_targets := "--bench validation --bench tokens --bench verify --bench load"

# Formatting and lints, as CI checks them.
lint:
    cargo fmt --all --check
    cargo clippy --workspace --all-targets -- -D warnings

# Install the pinned test tools (moto, schemathesis) into ./.venv (idempotent).
test-tools-install:
    scripts/install-test-tools.sh

# Install the pinned moto Cognito emulator into ./.venv (idempotent).
moto-install:
    scripts/install-moto.sh

# Create a Cognito user pool + app client (e.g. `just cognito-pool http://127.0.0.1:5000` for moto).
cognito-pool ENDPOINT="":
    scripts/create-cognito-pool.sh {{ENDPOINT}}

# Start a moto server on a free loopback port (prints MOTO_ENDPOINT; stop with `kill $(cat /tmp/authport-moto/pid)`).
moto-start: moto-install
    scripts/start-moto.sh /tmp/authport-moto

# Install headless Chromium + chromedriver for tests/tests/browser.rs (Debian, as root; idempotent).
browser-deps:
    @if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then echo "chromium and chromedriver are installed"; \
    else apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; fi
