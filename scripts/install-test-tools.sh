#!/usr/bin/env bash
# Installs the pinned test tools into the project virtualenv <repo>/.venv (which
# scripts/install-moto.sh creates): schemathesis, the OpenAPI fuzzer that
# tests/tests/integration/schemathesis.rs runs against /openapi.json, and pycognito, whose
# USER_SRP_AUTH client tests/sdk/boto3_cases.py runs; and the Node packages of the SDK cases
# (tests/sdk/node, tests/sdk/node-v3) and of the browser page (tests/browser-sdk). Idempotent:
# returns in well under a second when the pinned versions are already installed.
#
# Usage: scripts/install-test-tools.sh            # install / verify (also installs moto)
# Afterwards: .venv/bin/schemathesis run http://127.0.0.1:<port>/openapi.json
set -euo pipefail

SCHEMATHESIS_VERSION="4.32.5"
PYCOGNITO_VERSION="2024.5.1"

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "${SCRIPT_DIR}/.." && pwd)"
VENV="${REPO_ROOT}/.venv"
CONSTRAINTS="${SCRIPT_DIR}/test-tools-constraints.txt"

# The virtualenv (and moto and boto3 in it) first.
"${SCRIPT_DIR}/install-moto.sh"

# The Node packages, each directory pinned by its package-lock.json: for
# tests/tests/integration/sdk_suites.rs the AWS SDK v2 and aws-jwt-verify (tests/sdk/node), the
# AWS SDK v3, aws-jwt-verify and amazon-cognito-identity-js (tests/sdk/node-v3); for
# tests/tests/integration/browser_sdk.rs the page's amazon-cognito-identity-js
# (tests/browser-sdk); again only when a lock file changed.
npm_ci() {
  local dir="$1" what="$2"
  if [[ ! -f "${dir}/node_modules/.package-lock.json" || "${dir}/package-lock.json" -nt "${dir}/node_modules/.package-lock.json" ]]; then
    echo "installing ${what} into ${dir}/node_modules"
    npm ci --prefix "${dir}" --no-audit --no-fund --ignore-scripts --loglevel=error
  else
    echo "${what} are installed"
  fi
}
if command -v npm >/dev/null 2>&1; then
  npm_ci "${REPO_ROOT}/tests/sdk/node" "the Node SDK v2 cases' packages"
  npm_ci "${REPO_ROOT}/tests/sdk/node-v3" "the Node SDK v3 cases' packages"
  npm_ci "${REPO_ROOT}/tests/browser-sdk" "the browser page's packages"
else
  echo "npm not found: the Node SDK cases and the browser SDK test will be skipped (fatal under CI=true)"
fi

installed_ok() {
  [[ -x "${VENV}/bin/schemathesis" ]] || return 1
  "${VENV}/bin/python" - "$SCHEMATHESIS_VERSION" "$PYCOGNITO_VERSION" <<'PY' 2>/dev/null
import sys
from importlib.metadata import version
sys.exit(0 if version("schemathesis") == sys.argv[1] and version("pycognito") == sys.argv[2] else 1)
PY
}

if [[ "${FORCE:-0}" != "1" ]] && installed_ok; then
  echo "schemathesis ${SCHEMATHESIS_VERSION} and pycognito ${PYCOGNITO_VERSION} already installed in ${VENV}"
  exit 0
fi

start=$(date +%s)
pip_args=(install --quiet --disable-pip-version-check)
if [[ -f "${CONSTRAINTS}" ]]; then
  pip_args+=(-c "${CONSTRAINTS}")
fi
# The constraints hold boto3 at install-moto.sh's pin: pycognito depends on boto3.
echo "installing schemathesis==${SCHEMATHESIS_VERSION} pycognito==${PYCOGNITO_VERSION} into ${VENV}"
"${VENV}/bin/python" -m pip "${pip_args[@]}" "schemathesis==${SCHEMATHESIS_VERSION}" "pycognito==${PYCOGNITO_VERSION}"

if ! installed_ok; then
  echo "error: schemathesis ${SCHEMATHESIS_VERSION} / pycognito ${PYCOGNITO_VERSION} install could not be verified in ${VENV}" >&2
  exit 1
fi
echo "schemathesis ${SCHEMATHESIS_VERSION} and pycognito ${PYCOGNITO_VERSION} installed in $(( $(date +%s) - start ))s"
