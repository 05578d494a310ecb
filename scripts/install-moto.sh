#!/usr/bin/env bash
# Installs the moto Cognito emulator used by authport's integration tests into a
# project-local virtualenv at <repo>/.venv. Idempotent: returns in well under a
# second when the pinned versions are already installed.
#
# Usage: scripts/install-moto.sh            # install / verify
#        FORCE=1 scripts/install-moto.sh    # reinstall into existing venv
# Afterwards: .venv/bin/moto_server -H 127.0.0.1 -p <port>
set -euo pipefail

MOTO_VERSION="5.2.5"
BOTO3_VERSION="1.44.8"
# cognitoidp extra -> joserfc (JWT signing); server extra -> flask/flask-cors (+ joserfc).
MOTO_SPEC="moto[cognitoidp,server]==${MOTO_VERSION}"

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "${SCRIPT_DIR}/.." && pwd)"
VENV="${REPO_ROOT}/.venv"
CONSTRAINTS="${SCRIPT_DIR}/moto-constraints.txt"
PYTHON="${PYTHON:-python3}"

installed_ok() {
  [[ -x "${VENV}/bin/moto_server" && -x "${VENV}/bin/python" ]] || return 1
  "${VENV}/bin/python" - "$MOTO_VERSION" "$BOTO3_VERSION" <<'PY' 2>/dev/null
import sys
from importlib.metadata import version
want_moto, want_boto3 = sys.argv[1], sys.argv[2]
ok = version("moto") == want_moto and version("boto3") == want_boto3
for dist in ("joserfc", "flask", "flask-cors"):
    version(dist)  # raises PackageNotFoundError if missing
sys.exit(0 if ok else 1)
PY
}

if [[ "${FORCE:-0}" != "1" ]] && installed_ok; then
  echo "moto ${MOTO_VERSION} already installed in ${VENV}"
  exit 0
fi

start=$(date +%s)
if [[ -e "${VENV}" ]] && ! "${VENV}/bin/python" -c '' 2>/dev/null; then
  echo "virtualenv ${VENV} is broken (interpreter missing or moved); recreating"
  rm -rf "${VENV}"
fi
if [[ ! -x "${VENV}/bin/python" ]]; then
  echo "creating virtualenv ${VENV}"
  "${PYTHON}" -m venv "${VENV}"
fi

pip_args=(install --quiet --disable-pip-version-check)
if [[ -f "${CONSTRAINTS}" ]]; then
  pip_args+=(-c "${CONSTRAINTS}")
fi
echo "installing ${MOTO_SPEC} boto3==${BOTO3_VERSION} into ${VENV}"
"${VENV}/bin/python" -m pip "${pip_args[@]}" "${MOTO_SPEC}" "boto3==${BOTO3_VERSION}"
if [[ ! -x "${VENV}/bin/moto_server" ]]; then
  # moto was already at the pinned version but its console script went missing.
  "${VENV}/bin/python" -m pip "${pip_args[@]}" --force-reinstall --no-deps "moto==${MOTO_VERSION}"
fi

if ! installed_ok; then
  echo "error: moto ${MOTO_VERSION} install could not be verified in ${VENV}" >&2
  exit 1
fi
echo "moto ${MOTO_VERSION} installed in $(( $(date +%s) - start ))s"
