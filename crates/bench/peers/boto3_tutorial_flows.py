"""One sequential boto3 client running the tutorial's sign-up plus a log-in, back to back, against
the Cognito endpoint in AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER (authport's Cognito API or a
peer emulator). Run by `authport-bench` (crates/bench/src/peers.rs), one process per run.

A flow, as the tutorial (../shared/seed/) makes it: AdminCreateUser (MessageAction=SUPPRESS, the
user's password as the temporary one), AdminInitiateAuth ADMIN_NO_SRP_AUTH answered by
NEW_PASSWORD_REQUIRED, AdminRespondToAuthChallenge with the same password (tokens), then the
log-in: AdminInitiateAuth ADMIN_NO_SRP_AUTH (tokens). Each run creates its own pool and client,
runs `--warm-up` untimed flows, then flows for `--seconds`.

Prints one JSON line: {"flows": n, "seconds": s} or, when the endpoint cannot run the flow,
{"error": "<the call that failed>: <what it answered>"} (exit status 0 either way: a peer that
cannot run the flow is a finding, not a failure of the bench).
"""

import argparse
import json
import time
import uuid

import boto3
from botocore.exceptions import BotoCoreError, ClientError

PASSWORD = "Bench-Passw0rd!"


class FlowFailed(Exception):
    pass


def call(name, method, **kwargs):
    try:
        return method(**kwargs)
    except (ClientError, BotoCoreError) as err:
        raise FlowFailed(f"{name}: {err}") from err


def flow(cognito, pool_id, client_id, username):
    call(
        "AdminCreateUser",
        cognito.admin_create_user,
        UserPoolId=pool_id,
        Username=username,
        MessageAction="SUPPRESS",
        TemporaryPassword=PASSWORD,
    )
    def initiate_auth(label):
        return call(
            f"AdminInitiateAuth ({label})",
            cognito.admin_initiate_auth,
            AuthFlow="ADMIN_NO_SRP_AUTH",
            ClientId=client_id,
            UserPoolId=pool_id,
            AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
        )

    first = initiate_auth("temporary password")
    if first.get("ChallengeName") != "NEW_PASSWORD_REQUIRED":
        raise FlowFailed(f"AdminInitiateAuth (temporary password): no NEW_PASSWORD_REQUIRED challenge: {sorted(first)}")
    answered = call(
        "AdminRespondToAuthChallenge",
        cognito.admin_respond_to_auth_challenge,
        ChallengeName="NEW_PASSWORD_REQUIRED",
        ClientId=client_id,
        UserPoolId=pool_id,
        ChallengeResponses={"USERNAME": username, "NEW_PASSWORD": PASSWORD},
        Session=first["Session"],
    )
    if "AuthenticationResult" not in answered:
        raise FlowFailed(f"AdminRespondToAuthChallenge: no tokens: {sorted(answered)}")
    login = initiate_auth("log-in")
    if "AuthenticationResult" not in login:
        raise FlowFailed(f"AdminInitiateAuth (log-in): no tokens: {sorted(login)}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--warm-up", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args()
    cognito = boto3.client("cognito-idp")
    run = uuid.uuid4().hex[:12]
    try:
        pool_id = call("CreateUserPool", cognito.create_user_pool, PoolName=f"bench-{run}")["UserPool"]["Id"]
        client_id = call(
            "CreateUserPoolClient",
            cognito.create_user_pool_client,
            UserPoolId=pool_id,
            ClientName="bench",
            ExplicitAuthFlows=["ADMIN_NO_SRP_AUTH"],
        )["UserPoolClient"]["ClientId"]
        for i in range(args.warm_up):
            flow(cognito, pool_id, client_id, f"warm-{run}-{i}@example.com")
        flows, start = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - start) < args.seconds:
            flow(cognito, pool_id, client_id, f"bench-{run}-{flows}@example.com")
            flows += 1
        print(json.dumps({"flows": flows, "seconds": elapsed}))
    except FlowFailed as failed:
        print(json.dumps({"error": str(failed)}))


if __name__ == "__main__":
    main()
