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

# The whole test suite: unit tests, the port's contract suite and the HTTP suites against every
# backend available here.
# The `authport` binary (which the multi-process tests run) is built in the same cargo call as
# the tests: a call of its own would resolve other features and compile the stack twice.
# (`just lint` compiles the benchmarks; `just bench` runs them.)
test: test-tools-install
    cargo build --workspace --tests --bin authport
    AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 \
        cargo test --workspace

# Benchmarks (release build, loopback only; needs PostgreSQL and redis-server): the criterion
# micro-benchmarks, then `authport-bench` against the release `authport`, which prints its table
# and writes it into docs/benchmarks.md. moto and cognito-local (the peer Cognito emulators)
# install while cargo builds; fakecloud is measured when `just bench-fakecloud-install` put it
# into target/bench-peers.
bench:
    rm -rf target/criterion
    mkdir -p target
    (scripts/install-moto.sh && npm ci --prefix crates/bench/peers/cognito-local --no-audit --no-fund \
        --ignore-scripts --loglevel=error) > target/bench-peers-install.log 2>&1 & peers=$!; \
        cargo build --release {{bench_packages}} --bins --benches; \
        wait $peers || { cat target/bench-peers-install.log; exit 1; }
    cargo bench {{bench_packages}} --bench validation --bench tokens --bench verify -- --warm-up-time 1 --measurement-time 3
    AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 \
        target/release/authport-bench --authport-bin target/release/authport --report docs/benchmarks.md

# The fakecloud Cognito emulator (crates.io), for the Cognito comparison of `just bench`, kept in
# target/bench-peers. Pinned to 0.8.1, a ~5 minute build with its Cognito service: later releases
# bundle ~110 service crates, well over an hour to build on 2 cores.
bench-fakecloud-install:
    cargo install fakecloud --version 0.8.1 --locked --root target/bench-peers

# The binaries are built with the criterion benches, in one build: the benches' dev-dependencies
# change the features of shared crates, so a build of the binaries alone would compile the
# server stack a second time.
bench_packages := "-p authport-domain -p authport-userpool -p authport-server -p authport-bench"

# The container tests (LocalStack Pro with LOCALSTACK_AUTH_TOKEN, else moto's image), ignored by
# `just test`: they need a Docker engine, which the project's CI machines do not have.
test-containers:
    AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 \
        cargo test --workspace -- --ignored localstack

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

# Install the system packages the tests use — headless Chromium + chromedriver (the browser test),
# haproxy and redis-server (the shared rate-limit tests) — from Debian, as root; idempotent.
system-deps:
    #!/usr/bin/env bash
    set -euo pipefail
    missing=()
    [ -x /usr/bin/chromium ] || missing+=(chromium)
    [ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
    command -v haproxy >/dev/null || missing+=(haproxy)
    command -v redis-server >/dev/null || missing+=(redis-server)
    if ((${#missing[@]})); then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
    else
        echo "chromium, chromedriver, haproxy and redis-server are installed"
    fi
