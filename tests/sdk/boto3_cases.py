"""The tutorial's flow and the fidelity table's cases through boto3, unchanged: the endpoint comes
from AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER, as for any boto3 program. One process runs every
case; each failure is printed, and the exit status is the number of failed cases.

Run by tests/tests/integration/sdk_suites.rs against an authport serving its Cognito API.
"""

import base64
import hashlib
import hmac
import sys
import traceback
import uuid

import boto3
from botocore.exceptions import ClientError

cognito = boto3.client("cognito-idp")
PASSWORD = "Correct-Horse-9"


def refused(call, exception, message=None, **kwargs):
    """`call(**kwargs)` fails with `exception` (and exactly `message`, when given)."""
    try:
        call(**kwargs)
    except ClientError as err:
        error = err.response["Error"]
        assert error["Code"] == exception, f"{error['Code']}: {error['Message']} (wanted {exception})"
        assert err.response["ResponseMetadata"]["HTTPStatusCode"] == 400, err.response["ResponseMetadata"]
        if message is not None:
            assert error["Message"] == message, f"{error['Message']!r} (wanted {message!r})"
        return error["Message"]
    raise AssertionError(f"{call.__name__} succeeded, wanted {exception}")


def pool_and_client(flows=("ADMIN_NO_SRP_AUTH",), **client):
    pool_id = cognito.create_user_pool(PoolName="boto3")["UserPool"]["Id"]
    created = cognito.create_user_pool_client(
        UserPoolId=pool_id, ClientName="boto3", ExplicitAuthFlows=list(flows), **client
    )["UserPoolClient"]
    return pool_id, created


def sign_up(pool_id, client_id, email, password):
    """The tutorial's signUp: AdminCreateUser (SUPPRESS, the password as the temporary one), then
    AdminInitiateAuth answered by NEW_PASSWORD_REQUIRED, answered with the same password."""
    cognito.admin_create_user(UserPoolId=pool_id, Username=email, MessageAction="SUPPRESS", TemporaryPassword=password)
    response = cognito.admin_initiate_auth(
        AuthFlow="ADMIN_NO_SRP_AUTH",
        ClientId=client_id,
        UserPoolId=pool_id,
        AuthParameters={"USERNAME": email, "PASSWORD": password},
    )
    if response.get("ChallengeName") == "NEW_PASSWORD_REQUIRED":
        cognito.admin_respond_to_auth_challenge(
            ChallengeName="NEW_PASSWORD_REQUIRED",
            ClientId=client_id,
            UserPoolId=pool_id,
            ChallengeResponses={"USERNAME": email, "NEW_PASSWORD": password},
            Session=response["Session"],
        )


def log_in(pool_id, client_id, email, password, **extra):
    return cognito.admin_initiate_auth(
        AuthFlow="ADMIN_NO_SRP_AUTH",
        ClientId=client_id,
        UserPoolId=pool_id,
        AuthParameters={"USERNAME": email, "PASSWORD": password, **extra},
    )


def email(tag):
    return f"{tag}-{uuid.uuid4().hex}@example.com"


def case_the_tutorial():
    pool_id, client = pool_and_client()
    ann = email("ann")
    sign_up(pool_id, client["ClientId"], ann, PASSWORD)
    result = log_in(pool_id, client["ClientId"], ann, PASSWORD)["AuthenticationResult"]
    assert result["TokenType"] == "Bearer" and result["ExpiresIn"] == 3600, result
    assert {"AccessToken", "IdToken", "RefreshToken"} <= result.keys(), result.keys()
    user = cognito.admin_get_user(UserPoolId=pool_id, Username=ann)
    assert user["UserStatus"] == "CONFIRMED", user


def case_duplicate_user():
    pool_id, client = pool_and_client()
    ann = email("dup")
    sign_up(pool_id, client["ClientId"], ann, PASSWORD)
    refused(cognito.admin_create_user, "UsernameExistsException", "User account already exists",
            UserPoolId=pool_id, Username=ann, MessageAction="SUPPRESS", TemporaryPassword=PASSWORD)


def case_wrong_password_and_unknown_user():
    pool_id, legacy = pool_and_client()
    ann = email("wrong")
    sign_up(pool_id, legacy["ClientId"], ann, PASSWORD)
    refused(log_in, "NotAuthorizedException", "Incorrect username or password.",
            pool_id=pool_id, client_id=legacy["ClientId"], email=ann, password="Wr0ng-password")
    refused(log_in, "UserNotFoundException", "User does not exist.",
            pool_id=pool_id, client_id=legacy["ClientId"], email=email("nobody"), password=PASSWORD)
    enabled = cognito.create_user_pool_client(UserPoolId=pool_id, ClientName="enabled", ExplicitAuthFlows=["ADMIN_NO_SRP_AUTH"],
                                              PreventUserExistenceErrors="ENABLED")["UserPoolClient"]
    refused(log_in, "NotAuthorizedException", "Incorrect username or password.",
            pool_id=pool_id, client_id=enabled["ClientId"], email=email("nobody"), password=PASSWORD)


def case_password_policy_everywhere():
    pool_id, client = pool_and_client()
    short = "Sh0rt!"
    refused(cognito.admin_create_user, "InvalidPasswordException",
            "Password did not conform with policy: Password not long enough",
            UserPoolId=pool_id, Username=email("weak"), MessageAction="SUPPRESS", TemporaryPassword=short)
    ann = email("policy")
    cognito.admin_create_user(UserPoolId=pool_id, Username=ann, MessageAction="SUPPRESS", TemporaryPassword=PASSWORD)
    refused(cognito.admin_set_user_password, "InvalidPasswordException",
            "Password did not conform with policy: Password must have uppercase characters",
            UserPoolId=pool_id, Username=ann, Password="nouppercase-1", Permanent=True)
    session = log_in(pool_id, client["ClientId"], ann, PASSWORD)["Session"]
    refused(cognito.admin_respond_to_auth_challenge, "InvalidPasswordException",
            ChallengeName="NEW_PASSWORD_REQUIRED", ClientId=client["ClientId"], UserPoolId=pool_id,
            ChallengeResponses={"USERNAME": ann, "NEW_PASSWORD": short}, Session=session)


def case_flows():
    pool_id, client = pool_and_client(flows=("ALLOW_USER_PASSWORD_AUTH",))
    ann = email("flows")
    cognito.admin_create_user(UserPoolId=pool_id, Username=ann, MessageAction="SUPPRESS", TemporaryPassword=PASSWORD)
    refused(log_in, "InvalidParameterException", "Auth flow not enabled for this client",
            pool_id=pool_id, client_id=client["ClientId"], email=ann, password=PASSWORD)
    refused(cognito.admin_initiate_auth, "InvalidParameterException", "Initiate Auth method not supported.",
            AuthFlow="USER_PASSWORD_AUTH", ClientId=client["ClientId"], UserPoolId=pool_id,
            AuthParameters={"USERNAME": ann, "PASSWORD": PASSWORD})


def case_secret_hash():
    pool_id, client = pool_and_client(flows=("ALLOW_ADMIN_USER_PASSWORD_AUTH",), GenerateSecret=True)
    client_id, secret = client["ClientId"], client["ClientSecret"]
    ann = email("secret")
    cognito.admin_create_user(UserPoolId=pool_id, Username=ann, MessageAction="SUPPRESS", TemporaryPassword=PASSWORD)
    cognito.admin_set_user_password(UserPoolId=pool_id, Username=ann, Password=PASSWORD, Permanent=True)
    refused(log_in, "NotAuthorizedException", f"Client {client_id} is configured with secret but SECRET_HASH was not received",
            pool_id=pool_id, client_id=client_id, email=ann, password=PASSWORD)
    wrong = base64.b64encode(hmac.new(b"not-the-secret", (ann + client_id).encode(), hashlib.sha256).digest()).decode()
    refused(log_in, "NotAuthorizedException", f"Unable to verify secret hash for client {client_id}",
            pool_id=pool_id, client_id=client_id, email=ann, password=PASSWORD, SECRET_HASH=wrong)
    right = base64.b64encode(hmac.new(secret.encode(), (ann + client_id).encode(), hashlib.sha256).digest()).decode()
    log_in(pool_id, client_id, ann, PASSWORD, SECRET_HASH=right)["AuthenticationResult"]


def case_case_insensitive_pool():
    pool_id = cognito.create_user_pool(PoolName="insensitive", UsernameConfiguration={"CaseSensitive": False})["UserPool"]["Id"]
    client = cognito.create_user_pool_client(UserPoolId=pool_id, ClientName="c", ExplicitAuthFlows=["ADMIN_NO_SRP_AUTH"])["UserPoolClient"]
    ann = email("Ann")
    sign_up(pool_id, client["ClientId"], ann, PASSWORD)
    refused(cognito.admin_create_user, "UsernameExistsException", "User account already exists",
            UserPoolId=pool_id, Username=ann.upper(), MessageAction="SUPPRESS", TemporaryPassword=PASSWORD)
    log_in(pool_id, client["ClientId"], ann.upper(), PASSWORD)["AuthenticationResult"]


def case_disabled_user_and_lockout():
    pool_id, client = pool_and_client()
    ann = email("disabled")
    sign_up(pool_id, client["ClientId"], ann, PASSWORD)
    cognito.admin_disable_user(UserPoolId=pool_id, Username=ann)
    refused(log_in, "NotAuthorizedException", "User is disabled.",
            pool_id=pool_id, client_id=client["ClientId"], email=ann, password=PASSWORD)
    cognito.admin_enable_user(UserPoolId=pool_id, Username=ann)
    for _ in range(5):
        refused(log_in, "NotAuthorizedException", "Incorrect username or password.",
                pool_id=pool_id, client_id=client["ClientId"], email=ann, password="Wr0ng-password")
    refused(log_in, "NotAuthorizedException", "Password attempts exceeded",
            pool_id=pool_id, client_id=client["ClientId"], email=ann, password=PASSWORD)


def case_session_used_twice():
    pool_id, client = pool_and_client()
    ann = email("session")
    cognito.admin_create_user(UserPoolId=pool_id, Username=ann, MessageAction="SUPPRESS", TemporaryPassword=PASSWORD)
    session = log_in(pool_id, client["ClientId"], ann, PASSWORD)["Session"]
    answer = dict(ChallengeName="NEW_PASSWORD_REQUIRED", ClientId=client["ClientId"], UserPoolId=pool_id,
                  ChallengeResponses={"USERNAME": ann, "NEW_PASSWORD": "N3w-Passw0rd!"}, Session=session)
    cognito.admin_respond_to_auth_challenge(**answer)
    refused(cognito.admin_respond_to_auth_challenge, "NotAuthorizedException", "Invalid session for the user.", **answer)


def case_refresh_and_global_sign_out():
    pool_id, client = pool_and_client(flows=("ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"))
    ann = email("refresh")
    cognito.admin_create_user(UserPoolId=pool_id, Username=ann, MessageAction="SUPPRESS", TemporaryPassword=PASSWORD)
    cognito.admin_set_user_password(UserPoolId=pool_id, Username=ann, Password=PASSWORD, Permanent=True)
    tokens = cognito.admin_initiate_auth(AuthFlow="ADMIN_USER_PASSWORD_AUTH", ClientId=client["ClientId"], UserPoolId=pool_id,
                                         AuthParameters={"USERNAME": ann, "PASSWORD": PASSWORD})["AuthenticationResult"]
    refresh = dict(AuthFlow="REFRESH_TOKEN_AUTH", ClientId=client["ClientId"], UserPoolId=pool_id,
                   AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]})
    refreshed = cognito.admin_initiate_auth(**refresh)["AuthenticationResult"]
    assert "RefreshToken" not in refreshed and "AccessToken" in refreshed, refreshed.keys()
    cognito.admin_user_global_sign_out(UserPoolId=pool_id, Username=ann)
    refused(cognito.admin_initiate_auth, "NotAuthorizedException", "Refresh Token has been revoked", **refresh)


def case_id_formats_and_unknown_resources():
    pool_id, client = pool_and_client(GenerateSecret=True)
    region, suffix = pool_id.split("_")
    assert region == cognito.meta.region_name and len(suffix) == 9 and suffix.isalnum(), pool_id
    assert len(client["ClientId"]) == 26 and client["ClientId"].isalnum() and client["ClientId"].islower(), client
    assert len(client["ClientSecret"]) == 51, client
    cognito.delete_user_pool(UserPoolId=pool_id)
    refused(cognito.describe_user_pool, "ResourceNotFoundException", f"User pool {pool_id} does not exist.", UserPoolId=pool_id)
    refused(cognito.admin_get_user, "ResourceNotFoundException", UserPoolId=pool_id, Username="x")


CASES = [value for name, value in sorted(globals().items()) if name.startswith("case_")]

if __name__ == "__main__":
    failed = 0
    for case in CASES:
        try:
            case()
            print(f"ok   {case.__name__}")
        except Exception:  # noqa: BLE001 - every failure is reported, then counted
            failed += 1
            print(f"FAIL {case.__name__}\n{traceback.format_exc()}")
    print(f"{len(CASES) - failed} passed, {failed} failed")
    sys.exit(failed)
