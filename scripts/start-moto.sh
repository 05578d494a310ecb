#!/usr/bin/env bash
# Starts moto_server (installed by scripts/install-moto.sh) on 127.0.0.1 with an
# OS-assigned free port, waits until it answers, and records how to reach/stop it.
#
# Usage: scripts/start-moto.sh [STATE_DIR]      (default STATE_DIR: /tmp/authport-moto)
# Prints:  MOTO_ENDPOINT=http://127.0.0.1:<port>
# Writes:  STATE_DIR/endpoint, STATE_DIR/pid, STATE_DIR/moto.log
# Stop:    kill "$(cat STATE_DIR/pid)"
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "${SCRIPT_DIR}/.." && pwd)"
STATE_DIR="${1:-/tmp/authport-moto}"
MOTO_SERVER="${REPO_ROOT}/.venv/bin/moto_server"

[[ -x "${MOTO_SERVER}" ]] || "${SCRIPT_DIR}/install-moto.sh" >&2
mkdir -p "${STATE_DIR}"
log="${STATE_DIR}/moto.log"
rm -f "${STATE_DIR}/endpoint" "${STATE_DIR}/pid"

# Log to a file (never an undrained pipe: werkzeug logs every request and a full
# pipe blocks the server). -p 0 lets the OS pick the port; moto prints it.
AWS_EC2_METADATA_DISABLED=true nohup "${MOTO_SERVER}" -H 127.0.0.1 -p 0 >"${log}" 2>&1 </dev/null &
pid=$!
echo "${pid}" >"${STATE_DIR}/pid"

endpoint=""
for _ in $(seq 1 200); do  # up to ~20 s
  endpoint="$(grep -o 'http://127\.0\.0\.1:[0-9]*' "${log}" | head -n1 || true)"
  if [[ -n "${endpoint}" ]] && curl -fsS -o /dev/null "${endpoint}/moto-api/" 2>/dev/null; then
    break
  fi
  endpoint=""
  if ! kill -0 "${pid}" 2>/dev/null; then
    echo "moto_server exited; log:" >&2; cat "${log}" >&2; exit 1
  fi
  sleep 0.1
done
if [[ -z "${endpoint}" ]]; then
  echo "moto_server did not become ready; log: ${log}" >&2
  kill "${pid}" 2>/dev/null || true
  exit 1
fi
echo "${endpoint}" >"${STATE_DIR}/endpoint"
echo "MOTO_ENDPOINT=${endpoint}"
