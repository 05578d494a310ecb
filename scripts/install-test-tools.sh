#!/usr/bin/env bash
# Installs the pinned test tools into the project virtualenv <repo>/.venv (which
# scripts/install-moto.sh creates): schemathesis, the OpenAPI fuzzer that
# tests/tests/integration/schemathesis.rs runs against /openapi.json; and the Node SDK cases'
# packages (tests/sdk/node). Idempotent: returns in well under a second when the pinned versions
# are already installed.
#
# Usage: scripts/install-test-tools.sh            # install / verify (also installs moto)
# Afterwards: .venv/bin/schemathesis run http://127.0.0.1:<port>/openapi.json
set -euo pipefail

SCHEMATHESIS_VERSION="4.32.5"

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "${SCRIPT_DIR}/.." && pwd)"
VENV="${REPO_ROOT}/.venv"
CONSTRAINTS="${SCRIPT_DIR}/test-tools-constraints.txt"

# The virtualenv (and moto and boto3 in it) first.
"${SCRIPT_DIR}/install-moto.sh"

# The Node AWS SDK v2 and aws-jwt-verify (tests/sdk/node, pinned by its package-lock.json) for
# tests/tests/integration/sdk_suites.rs; again only when the lock file changed.
NODE_DIR="${REPO_ROOT}/tests/sdk/node"
if command -v npm >/dev/null 2>&1; then
  if [[ ! -f "${NODE_DIR}/node_modules/.package-lock.json" || "${NODE_DIR}/package-lock.json" -nt "${NODE_DIR}/node_modules/.package-lock.json" ]]; then
    echo "installing the Node SDK cases' packages into ${NODE_DIR}/node_modules"
    npm ci --prefix "${NODE_DIR}" --no-audit --no-fund --ignore-scripts --loglevel=error
  else
    echo "the Node SDK cases' packages are installed"
  fi
else
  echo "npm not found: the Node SDK cases will be skipped (fatal under CI=true)"
fi

installed_ok() {
  [[ -x "${VENV}/bin/schemathesis" ]] || return 1
  "${VENV}/bin/python" - "$SCHEMATHESIS_VERSION" <<'PY' 2>/dev/null
import sys
from importlib.metadata import version
sys.exit(0 if version("schemathesis") == sys.argv[1] else 1)
PY
}

if [[ "${FORCE:-0}" != "1" ]] && installed_ok; then
  echo "schemathesis ${SCHEMATHESIS_VERSION} already installed in ${VENV}"
  exit 0
fi

start=$(date +%s)
pip_args=(install --quiet --disable-pip-version-check)
if [[ -f "${CONSTRAINTS}" ]]; then
  pip_args+=(-c "${CONSTRAINTS}")
fi
echo "installing schemathesis==${SCHEMATHESIS_VERSION} into ${VENV}"
"${VENV}/bin/python" -m pip "${pip_args[@]}" "schemathesis==${SCHEMATHESIS_VERSION}"

if ! installed_ok; then
  echo "error: schemathesis ${SCHEMATHESIS_VERSION} install could not be verified in ${VENV}" >&2
  exit 1
fi
echo "schemathesis ${SCHEMATHESIS_VERSION} installed in $(( $(date +%s) - start ))s"
