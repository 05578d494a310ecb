#!/usr/bin/env bash
# Creates a Cognito user pool and app client for authport, the seed tutorial's way
# (`aws cognito-idp create-user-pool …`), against an emulator or real AWS.
#
# Usage: scripts/create-cognito-pool.sh [ENDPOINT_URL]    (omit ENDPOINT_URL for real AWS)
# Prints: export lines for COGNITO_USER_POOL_ID and COGNITO_CLIENT_ID.
# Uses the `aws` CLI if present, otherwise installs awscli into ./.venv.
set -euo pipefail
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "${SCRIPT_DIR}/.." && pwd)"
export AWS_REGION="${AWS_REGION:-us-east-1}" AWS_EC2_METADATA_DISABLED=true
export AWS_DEFAULT_REGION="${AWS_REGION}"

if command -v aws >/dev/null 2>&1; then
  AWS=(aws)
else
  "${SCRIPT_DIR}/install-moto.sh" >&2
  [[ -x "${REPO_ROOT}/.venv/bin/aws" ]] || "${REPO_ROOT}/.venv/bin/python" -m pip install --quiet --disable-pip-version-check awscli >&2
  AWS=("${REPO_ROOT}/.venv/bin/aws")
fi
if [[ -n "${1:-}" ]]; then
  AWS+=(--endpoint-url "$1")
  export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-test}" AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-test}"
fi

USER_POOL_ID=$("${AWS[@]}" cognito-idp create-user-pool \
  --pool-name authport \
  --policies 'PasswordPolicy={MinimumLength=8,RequireUppercase=true,RequireLowercase=true,RequireNumbers=true,RequireSymbols=true}' \
  --username-configuration CaseSensitive=false \
  --query UserPool.Id --output text)
CLIENT_ID=$("${AWS[@]}" cognito-idp create-user-pool-client \
  --user-pool-id "${USER_POOL_ID}" \
  --client-name authport \
  --explicit-auth-flows ALLOW_ADMIN_USER_PASSWORD_AUTH ALLOW_REFRESH_TOKEN_AUTH \
  --query UserPoolClient.ClientId --output text)
echo "export COGNITO_USER_POOL_ID=${USER_POOL_ID}"
echo "export COGNITO_CLIENT_ID=${CLIENT_ID}"
