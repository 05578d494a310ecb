#!/usr/bin/env python3
"""Probe how moto's cognito-idp emulation behaves (facts recorded in MOTO_NOTES.md).

Starts its own moto_server on 127.0.0.1 with an OS-assigned port (or uses
--endpoint), runs a series of boto3 experiments and prints one line per fact.
Run with the project venv:  .venv/bin/python scripts/moto_probe.py [--loops 100]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any, Callable

os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
os.environ.setdefault("AWS_ACCESS_KEY_ID", "test")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "test")
os.environ.setdefault("AWS_REGION", "us-east-1")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
STRICT_POLICY = {
    "MinimumLength": 8,
    "RequireUppercase": True,
    "RequireLowercase": True,
    "RequireNumbers": True,
    "RequireSymbols": True,
}
GOOD_PW = "Passw0rd!"


# --------------------------------------------------------------------------- utils
def show(label: str, value: Any) -> None:
    if not isinstance(value, str):
        value = json.dumps(value, default=str, sort_keys=True)
    print(f"{label}: {value}", flush=True)


def attempt(fn: Callable[..., Any], **kwargs: Any) -> Any:
    """Call a boto3 method; return its response (minus metadata) or an error summary."""
    try:
        resp = fn(**kwargs)
        resp.pop("ResponseMetadata", None)
        return resp
    except ClientError as e:
        return {
            "error": e.response["Error"].get("Code"),
            "message": e.response["Error"].get("Message"),
            "http": e.response["ResponseMetadata"].get("HTTPStatusCode"),
        }


def err(result: Any) -> str:
    if isinstance(result, dict) and "error" in result:
        return f"{result['error']} (HTTP {result['http']}) message={result['message']!r}"
    return "OK (no error)"


def redact_tokens(resp: dict[str, Any]) -> dict[str, Any]:
    """Replace token strings in an auth response by their length, keep everything else."""
    out = dict(resp)
    if "AuthenticationResult" in out:
        out["AuthenticationResult"] = {
            k: (v if not isinstance(v, str) or k == "TokenType" else f"<str len {len(v)}>")
            for k, v in out["AuthenticationResult"].items()
        }
    return out


def secret_hash(secret: str, username: str, client_id: str) -> str:
    digest = hmac.new(secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def b64json(segment: str) -> dict[str, Any]:
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def decode_jwt(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    header, payload, _ = token.split(".")
    return b64json(header), b64json(payload)


def start_moto(log_path: Path) -> tuple[subprocess.Popen[bytes], str]:
    """Start moto_server on 127.0.0.1 with -p 0; learn the port from its stderr banner.

    stderr goes to a file, not a pipe: werkzeug logs every request to stderr, and an
    undrained pipe fills up (64 KiB) and then blocks the server mid-request.
    """
    log = open(log_path, "wb")
    proc = subprocess.Popen(
        [str(REPO / ".venv/bin/moto_server"), "-H", "127.0.0.1", "-p", "0"],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.time() + 30
    while time.time() < deadline:
        m = re.search(r"Running on (http://127\.0\.0\.1:\d+)", log_path.read_text(errors="replace"))
        if m:
            return proc, m.group(1)
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"moto_server did not report its address; see {log_path}")


def stop_moto(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


# --------------------------------------------------------------------------- probes
class Probe:
    def __init__(self, endpoint: str, loops: int):
        self.endpoint = endpoint
        self.loops = loops
        self.idp = boto3.client(
            "cognito-idp",
            endpoint_url=endpoint,
            region_name="us-east-1",
            config=Config(retries={"total_max_attempts": 1}),
        )

    # helpers
    def pool(self, name: str, **kwargs: Any) -> str:
        return self.idp.create_user_pool(PoolName=name, **kwargs)["UserPool"]["Id"]

    def client(self, pool_id: str, secret: bool = False, **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault("ExplicitAuthFlows", ["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
        return self.idp.create_user_pool_client(
            UserPoolId=pool_id, ClientName="c", GenerateSecret=secret, **kwargs
        )["UserPoolClient"]

    def create_user(self, pool_id: str, username: str, **kwargs: Any) -> Any:
        return attempt(
            self.idp.admin_create_user,
            UserPoolId=pool_id,
            Username=username,
            UserAttributes=[
                {"Name": "email", "Value": username},
                {"Name": "email_verified", "Value": "true"},
            ],
            MessageAction="SUPPRESS",
            **kwargs,
        )

    def signup(self, pool_id: str, email: str, password: str = GOOD_PW) -> None:
        self.create_user(pool_id, email)
        self.idp.admin_set_user_password(
            UserPoolId=pool_id, Username=email, Password=password, Permanent=True
        )

    def login(
        self,
        pool_id: str,
        client_id: str,
        user: str,
        pw: str,
        flow: str = "ADMIN_USER_PASSWORD_AUTH",
        **extra: str,
    ) -> Any:
        return attempt(
            self.idp.admin_initiate_auth,
            UserPoolId=pool_id,
            ClientId=client_id,
            AuthFlow=flow,
            AuthParameters={"USERNAME": user, "PASSWORD": pw, **extra},
        )

    # a. password policy
    def probe_pools(self) -> None:
        cases = {
            "custom": {"Policies": {"PasswordPolicy": STRICT_POLICY}},
            "default": {},
            "partial(MinimumLength=6 only)": {"Policies": {"PasswordPolicy": {"MinimumLength": 6}}},
        }
        for label, kwargs in cases.items():
            pid = self.pool(f"a-{label[:7]}", **kwargs)
            desc = self.idp.describe_user_pool(UserPoolId=pid)["UserPool"]
            show(f"a.{label} pool id", pid)
            show(f"a.{label} DescribeUserPool.Policies", desc.get("Policies"))
        show("a.DescribeUserPool keys", sorted(desc.keys()))

    # b. clients
    def probe_clients(self) -> None:
        pid = self.pool("b")
        for secret in (False, True):
            c = self.client(pid, secret=secret)
            show(f"b.create_user_pool_client GenerateSecret={secret} keys", sorted(c.keys()))
            show(f"b.  ClientId / ClientSecret", [c["ClientId"], c.get("ClientSecret")])
            d = self.idp.describe_user_pool_client(UserPoolId=pid, ClientId=c["ClientId"])
            show(f"b.  describe has ClientSecret", "ClientSecret" in d["UserPoolClient"])
            show(f"b.  ExplicitAuthFlows echoed", d["UserPoolClient"].get("ExplicitAuthFlows"))
        c = self.client(pid, TokenValidityUnits={"AccessToken": "minutes"}, AccessTokenValidity=5)
        r = self.signup_and_login(pid, c["ClientId"], "ttl@example.com")
        show("b.AccessTokenValidity=5 minutes -> ExpiresIn", r["AuthenticationResult"]["ExpiresIn"])

    def signup_and_login(self, pid: str, cid: str, email: str) -> Any:
        self.signup(pid, email)
        return self.login(pid, cid, email, GOOD_PW)

    # c. admin_create_user / duplicates / case
    def probe_create_user(self) -> None:
        pools = {
            "UsernameAttributes=[email]": {"UsernameAttributes": ["email"]},
            "plain username": {},
            "plain + CaseSensitive=False": {"UsernameConfiguration": {"CaseSensitive": False}},
            "email + CaseSensitive=False": {
                "UsernameAttributes": ["email"],
                "UsernameConfiguration": {"CaseSensitive": False},
            },
        }
        for label, kwargs in pools.items():
            pid = self.pool("c", **kwargs)
            first = self.create_user(pid, "Alice@Example.com")
            if label == "UsernameAttributes=[email]":
                show(f"c.[{label}] admin_create_user response", first)
            else:
                u = first["User"]
                show(f"c.[{label}] Username / UserStatus", [u["Username"], u["UserStatus"]])
            show(f"c.[{label}] duplicate same case", err(self.create_user(pid, "Alice@Example.com")))
            show(f"c.[{label}] duplicate other case", err(self.create_user(pid, "alice@example.com")))
            got = attempt(self.idp.admin_get_user, UserPoolId=pid, Username="ALICE@EXAMPLE.COM")
            show(f"c.[{label}] admin_get_user(upper-case)", err(got))
            if "UsernameConfiguration" in kwargs:
                show(
                    f"c.[{label}] DescribeUserPool.UsernameConfiguration",
                    self.idp.describe_user_pool(UserPoolId=pid)["UserPool"].get("UsernameConfiguration"),
                )
        pid = self.pool("c2", UsernameAttributes=["email"])
        show("c.[email pool] Username not an email", err(self.create_user(pid, "not-an-email")))
        pid = self.pool("c3")
        show(
            "c.[plain pool] second user, same email attribute, different username",
            err(
                attempt(
                    self.idp.admin_create_user,
                    UserPoolId=pid,
                    Username="u1",
                    UserAttributes=[{"Name": "email", "Value": "x@example.com"}],
                    MessageAction="SUPPRESS",
                )
            )
            + " / "
            + err(
                attempt(
                    self.idp.admin_create_user,
                    UserPoolId=pid,
                    Username="u2",
                    UserAttributes=[{"Name": "email", "Value": "x@example.com"}],
                    MessageAction="SUPPRESS",
                )
            ),
        )
        show(
            "c.no MessageAction (would send email in AWS)",
            err(attempt(self.idp.admin_create_user, UserPoolId=pid, Username="u3")),
        )
        show("c.unknown pool", err(self.create_user("us-east-1_doesnotexist", "z@example.com")))
        strict = self.pool("c4", Policies={"PasswordPolicy": STRICT_POLICY})
        show(
            "c.TemporaryPassword violating policy ('x')",
            err(self.create_user(strict, "tp@example.com", TemporaryPassword="x")),
        )

    # d. admin_set_user_password
    def probe_set_password(self) -> None:
        strict = self.pool("d", UsernameAttributes=["email"], Policies={"PasswordPolicy": STRICT_POLICY})
        default = self.pool("d-default", UsernameAttributes=["email"])
        loose = self.pool(
            "d-loose",
            UsernameAttributes=["email"],
            Policies={
                "PasswordPolicy": {
                    "MinimumLength": 6,
                    "RequireUppercase": False,
                    "RequireLowercase": False,
                    "RequireNumbers": False,
                    "RequireSymbols": False,
                }
            },
        )
        candidates = [
            "Passw0rd!",
            "Pass0rd!",
            "Pas0rd!",
            "password1!",
            "PASSWORD1!",
            "Password!",
            "Password1",
            "Pass word1",
            "Password1\u00a7",
            "Aa1!" + "x" * 94,
            "Aa1!" + "x" * 95,
            "aaaaaa",
        ]
        for label, pid in (("strict(8,ULNS)", strict), ("default", default), ("loose(6,none)", loose)):
            self.create_user(pid, "d@example.com")
            for pw in candidates:
                r = attempt(
                    self.idp.admin_set_user_password,
                    UserPoolId=pid,
                    Username="d@example.com",
                    Password=pw,
                    Permanent=True,
                )
                shown = pw if len(pw) < 20 else f"<{len(pw)} chars>"
                show(f"d.[{label}] set {shown!r}", err(r))
        self.create_user(strict, "st@example.com")
        before = self.idp.admin_get_user(UserPoolId=strict, Username="st@example.com")["UserStatus"]
        self.idp.admin_set_user_password(
            UserPoolId=strict, Username="st@example.com", Password=GOOD_PW, Permanent=True
        )
        after = self.idp.admin_get_user(UserPoolId=strict, Username="st@example.com")["UserStatus"]
        show("d.UserStatus before/after Permanent=True", [before, after])
        self.idp.admin_set_user_password(
            UserPoolId=strict, Username="st@example.com", Password=GOOD_PW, Permanent=False
        )
        show(
            "d.UserStatus after Permanent=False",
            self.idp.admin_get_user(UserPoolId=strict, Username="st@example.com")["UserStatus"],
        )
        show(
            "d.non-existent user",
            err(
                attempt(
                    self.idp.admin_set_user_password,
                    UserPoolId=strict,
                    Username="ghost@example.com",
                    Password=GOOD_PW,
                    Permanent=True,
                )
            ),
        )
        show(
            "d.non-existent user + bad password",
            err(
                attempt(
                    self.idp.admin_set_user_password,
                    UserPoolId=strict,
                    Username="ghost@example.com",
                    Password="x",
                    Permanent=True,
                )
            ),
        )
        show(
            "d.unknown pool",
            err(
                attempt(
                    self.idp.admin_set_user_password,
                    UserPoolId="us-east-1_nope",
                    Username="ghost@example.com",
                    Password=GOOD_PW,
                    Permanent=True,
                )
            ),
        )
        plain = self.pool(
            "d-plain",
            Policies={
                "PasswordPolicy": {
                    "MinimumLength": 6,
                    "RequireUppercase": False,
                    "RequireLowercase": False,
                    "RequireNumbers": False,
                    "RequireSymbols": False,
                }
            },
        )
        self.create_user(plain, "p@example.com")
        show(
            "d.[plain pool, loose policy] set 'abcdefgh'",
            err(
                attempt(
                    self.idp.admin_set_user_password,
                    UserPoolId=plain,
                    Username="p@example.com",
                    Password="abcdefgh",
                    Permanent=True,
                )
            ),
        )
        self.idp.update_user_pool(
            UserPoolId=plain, Policies={"PasswordPolicy": {**STRICT_POLICY, "MinimumLength": 20}}
        )
        show(
            "d.[plain pool] after update_user_pool(MinimumLength=20), set 'Passw0rd!'",
            err(
                attempt(
                    self.idp.admin_set_user_password,
                    UserPoolId=plain,
                    Username="p@example.com",
                    Password=GOOD_PW,
                    Permanent=True,
                )
            ),
        )
        show(
            "d.[plain pool] after update_user_pool, set 20-char 'Passw0rd!Passw0rd!xx'",
            err(
                attempt(
                    self.idp.admin_set_user_password,
                    UserPoolId=plain,
                    Username="p@example.com",
                    Password="Passw0rd!Passw0rd!xx",
                    Permanent=True,
                )
            ),
        )
        # update_user_pool on a UsernameAttributes=[email] pool
        self.idp.update_user_pool(UserPoolId=loose, Policies={"PasswordPolicy": STRICT_POLICY})
        desc = self.idp.describe_user_pool(UserPoolId=loose)["UserPool"]
        show(
            "d.[email pool] UsernameAttributes after update_user_pool(Policies only)",
            desc.get("UsernameAttributes"),
        )
        show(
            "d.[email pool]   admin_get_user(email) after update_user_pool",
            err(attempt(self.idp.admin_get_user, UserPoolId=loose, Username="d@example.com")),
        )

    # e/f. auth flows + secret hash
    def probe_auth(self) -> None:
        pid = self.pool("e", UsernameAttributes=["email"], Policies={"PasswordPolicy": STRICT_POLICY})
        cid = self.client(pid)["ClientId"]
        self.signup(pid, "e@example.com")
        for flow in ("ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"):
            r = self.login(pid, cid, "e@example.com", GOOD_PW, flow)
            show(f"e.{flow} success shape", redact_tokens(r))
        show("e.wrong password", err(self.login(pid, cid, "e@example.com", "Wrong0rd!")))
        show("e.unknown user", err(self.login(pid, cid, "nobody@example.com", GOOD_PW)))
        show("e.upper-case email at login", err(self.login(pid, cid, "E@EXAMPLE.COM", GOOD_PW)))
        sub = self.idp.admin_get_user(UserPoolId=pid, Username="e@example.com")["Username"]
        show("e.login with USERNAME=<sub>", err(self.login(pid, cid, sub, GOOD_PW)))
        show("e.unknown client id", err(self.login(pid, "nosuchclient", "e@example.com", GOOD_PW)))
        show(
            "e.unsupported flow USER_PASSWORD_AUTH on admin API",
            err(self.login(pid, cid, "e@example.com", GOOD_PW, "USER_PASSWORD_AUTH")),
        )
        show("e.bogus flow", err(self.login(pid, cid, "e@example.com", GOOD_PW, "BOGUS")))
        no_admin = self.client(pid, ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH"])["ClientId"]
        show(
            "e.client WITHOUT ALLOW_ADMIN_USER_PASSWORD_AUTH",
            err(self.login(pid, no_admin, "e@example.com", GOOD_PW)),
        )
        no_flows = self.idp.create_user_pool_client(UserPoolId=pid, ClientName="x")["UserPoolClient"][
            "ClientId"
        ]
        show("e.client with no ExplicitAuthFlows", err(self.login(pid, no_flows, "e@example.com", GOOD_PW)))

        pue = self.client(pid, PreventUserExistenceErrors="ENABLED")["ClientId"]
        show(
            "e.client PreventUserExistenceErrors=ENABLED, unknown user",
            err(self.login(pid, pue, "nobody@example.com", GOOD_PW)),
        )
        show(
            "e.client PreventUserExistenceErrors=ENABLED, wrong password",
            err(self.login(pid, pue, "e@example.com", "Wrong0rd!")),
        )

        self.create_user(pid, "nopw@example.com")
        show(
            "e.user created w/o TemporaryPassword, never set: login",
            err(self.login(pid, cid, "nopw@example.com", GOOD_PW)),
        )
        r = attempt(
            self.idp.admin_initiate_auth,
            UserPoolId=pid,
            ClientId=cid,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "nopw@example.com"},
        )
        show("e.same user, PASSWORD parameter omitted", r if "error" not in r else err(r))

        self.idp.sign_up(ClientId=cid, Username="unconf@example.com", Password=GOOD_PW)
        show(
            "e.sign_up user (UNCONFIRMED) via admin_initiate_auth",
            err(self.login(pid, cid, "unconf@example.com", GOOD_PW)),
        )

        self.idp.admin_disable_user(UserPoolId=pid, Username="e@example.com")
        show("e.disabled user login", err(self.login(pid, cid, "e@example.com", GOOD_PW)))
        self.idp.admin_enable_user(UserPoolId=pid, Username="e@example.com")

        # temporary password -> NEW_PASSWORD_REQUIRED
        self.create_user(pid, "tmp@example.com", TemporaryPassword="TempPassw0rd!")
        r = self.login(pid, cid, "tmp@example.com", "TempPassw0rd!")
        show(
            "e.temp-password login",
            {k: (v if k != "Session" else f"<uuid {len(v)} chars>") for k, v in r.items()},
        )
        bad = attempt(
            self.idp.admin_respond_to_auth_challenge,
            UserPoolId=pid,
            ClientId=cid,
            ChallengeName="NEW_PASSWORD_REQUIRED",
            Session=r["Session"],
            ChallengeResponses={"USERNAME": "tmp@example.com", "NEW_PASSWORD": "weak"},
        )
        show("e.respond NEW_PASSWORD violating policy", err(bad))
        ok = attempt(
            self.idp.admin_respond_to_auth_challenge,
            UserPoolId=pid,
            ClientId=cid,
            ChallengeName="NEW_PASSWORD_REQUIRED",
            Session=r["Session"],
            ChallengeResponses={"USERNAME": "tmp@example.com", "NEW_PASSWORD": "NewPassw0rd!"},
        )
        show("e.respond NEW_PASSWORD ok -> keys", sorted(ok.keys()) if "error" not in ok else err(ok))
        show("e.  AuthenticationResult keys", sorted(ok.get("AuthenticationResult", {}).keys()))
        show(
            "e.  status after",
            self.idp.admin_get_user(UserPoolId=pid, Username="tmp@example.com")["UserStatus"],
        )
        show(
            "e.reuse of consumed Session",
            err(
                attempt(
                    self.idp.admin_respond_to_auth_challenge,
                    UserPoolId=pid,
                    ClientId=cid,
                    ChallengeName="NEW_PASSWORD_REQUIRED",
                    Session=r["Session"],
                    ChallengeResponses={"USERNAME": "tmp@example.com", "NEW_PASSWORD": "NewPassw0rd!"},
                )
            ),
        )
        show(
            "e.bogus Session",
            err(
                attempt(
                    self.idp.admin_respond_to_auth_challenge,
                    UserPoolId=pid,
                    ClientId=cid,
                    ChallengeName="NEW_PASSWORD_REQUIRED",
                    Session="x" * 20,
                    ChallengeResponses={"USERNAME": "tmp@example.com", "NEW_PASSWORD": "NewPassw0rd!"},
                )
            ),
        )
        show("e.temp password after change", err(self.login(pid, cid, "tmp@example.com", "TempPassw0rd!")))

        # f. SECRET_HASH
        sc = self.client(pid, secret=True)
        scid, secret = sc["ClientId"], sc["ClientSecret"]
        good = secret_hash(secret, "e@example.com", scid)
        show("f.secret client, SECRET_HASH missing", err(self.login(pid, scid, "e@example.com", GOOD_PW)))
        show(
            "f.secret client, SECRET_HASH wrong",
            err(self.login(pid, scid, "e@example.com", GOOD_PW, SECRET_HASH="AAAA")),
        )
        show(
            "f.secret client, SECRET_HASH correct",
            err(self.login(pid, scid, "e@example.com", GOOD_PW, SECRET_HASH=good)),
        )
        show(
            "f.non-secret client, SECRET_HASH garbage",
            err(self.login(pid, cid, "e@example.com", GOOD_PW, SECRET_HASH="AAAA")),
        )
        rt = self.login(pid, scid, "e@example.com", GOOD_PW, SECRET_HASH=good)["AuthenticationResult"][
            "RefreshToken"
        ]
        show(
            "f.admin REFRESH_TOKEN_AUTH on secret client w/o SECRET_HASH",
            err(
                attempt(
                    self.idp.admin_initiate_auth,
                    UserPoolId=pid,
                    ClientId=scid,
                    AuthFlow="REFRESH_TOKEN_AUTH",
                    AuthParameters={"REFRESH_TOKEN": rt},
                )
            ),
        )
        show(
            "f.public initiate_auth REFRESH_TOKEN_AUTH secret client w/o SECRET_HASH",
            err(
                attempt(
                    self.idp.initiate_auth,
                    ClientId=scid,
                    AuthFlow="REFRESH_TOKEN_AUTH",
                    AuthParameters={"REFRESH_TOKEN": rt},
                )
            ),
        )
        show(
            "f.public initiate_auth REFRESH_TOKEN_AUTH secret client with SECRET_HASH(email)",
            err(
                attempt(
                    self.idp.initiate_auth,
                    ClientId=scid,
                    AuthFlow="REFRESH_TOKEN_AUTH",
                    AuthParameters={"REFRESH_TOKEN": rt, "SECRET_HASH": good},
                )
            ),
        )

    # g. tokens + JWKS
    def probe_tokens(self) -> None:
        results = {}
        for label, kwargs in (("email pool", {"UsernameAttributes": ["email"]}), ("plain pool", {})):
            pid = self.pool("g", **kwargs)
            cid = self.client(pid)["ClientId"]
            self.signup(pid, "g@example.com")
            auth = self.login(pid, cid, "g@example.com", GOOD_PW)["AuthenticationResult"]
            sub = self.idp.admin_get_user(UserPoolId=pid, Username="g@example.com")
            sub = next(a["Value"] for a in sub["UserAttributes"] if a["Name"] == "sub")
            show(f"g.[{label}] pool id / client id / sub", [pid, cid, sub])
            for kind in ("AccessToken", "IdToken"):
                h, c = decode_jwt(auth[kind])
                show(f"g.[{label}] {kind} header", h)
                show(f"g.[{label}] {kind} claims", c)
            show(
                f"g.[{label}] RefreshToken",
                f"{auth['RefreshToken']!r} (len {len(auth['RefreshToken'])}, JWT={auth['RefreshToken'].count('.') == 2})",
            )
            results[label] = (pid, auth)

        pid = self.pool("g-read")
        cid = self.client(pid, ReadAttributes=["email", "email_verified"])["ClientId"]
        self.signup(pid, "r@example.com")
        auth_r = self.login(pid, cid, "r@example.com", GOOD_PW)["AuthenticationResult"]
        show(
            "g.[plain pool, client ReadAttributes=[email,email_verified]] IdToken claims",
            decode_jwt(auth_r["IdToken"])[1],
        )

        pid, auth = results["email pool"]
        url = f"{self.endpoint}/{pid}/.well-known/jwks.json"
        with urllib.request.urlopen(url) as resp:  # unsigned GET, no Authorization header
            jwks = json.load(resp)
            show(
                "g.GET /<pool>/.well-known/jwks.json status/content-type",
                [resp.status, resp.headers["Content-Type"]],
            )
        show(
            "g.JWKS",
            {
                "keys": [
                    {k: (v if k != "n" else v[:16] + "...") for k, v in key.items()} for key in jwks["keys"]
                ]
            },
        )
        other_pid = results["plain pool"][0]
        with urllib.request.urlopen(f"{self.endpoint}/{other_pid}/.well-known/jwks.json") as resp:
            show("g.JWKS identical for another pool", json.load(resp) == jwks)
        with urllib.request.urlopen(f"{self.endpoint}/us-east-1_doesnotexist/.well-known/jwks.json") as resp:
            show(
                "g.JWKS for non-existent pool id", f"HTTP {resp.status}, identical={json.load(resp) == jwks}"
            )
        with urllib.request.urlopen(f"{self.endpoint}/{pid}/.well-known/openid-configuration") as resp:
            show("g.openid-configuration", json.load(resp))
        show(
            "g.jwks sha256 (compare across restarts)",
            hashlib.sha256(json.dumps(jwks, sort_keys=True).encode()).hexdigest(),
        )

        from joserfc import jwt
        from joserfc.jwk import KeySet

        keyset = KeySet.import_key_set(jwks)
        for kind in ("AccessToken", "IdToken"):
            try:
                tok = jwt.decode(auth[kind], keyset, algorithms=["RS256"])
                show(f"g.{kind} verifies against JWKS (joserfc)", f"yes, kid={tok.header.get('kid')}")
            except Exception as e:  # noqa: BLE001
                show(f"g.{kind} verifies against JWKS (joserfc)", f"NO: {e!r}")

    # h. refresh + sign-out
    def probe_refresh_signout(self) -> None:
        pid = self.pool("h", UsernameAttributes=["email"])
        cid = self.client(pid)["ClientId"]
        self.signup(pid, "h@example.com")

        def refresh(rt: str, client_id: str = cid, flow: str = "REFRESH_TOKEN_AUTH") -> Any:
            return attempt(
                self.idp.admin_initiate_auth,
                UserPoolId=pid,
                ClientId=client_id,
                AuthFlow=flow,
                AuthParameters={"REFRESH_TOKEN": rt},
            )

        a1 = self.login(pid, cid, "h@example.com", GOOD_PW)["AuthenticationResult"]
        r = refresh(a1["RefreshToken"])
        show("h.REFRESH_TOKEN_AUTH keys", sorted(r.keys()))
        show("h.  AuthenticationResult keys", sorted(r["AuthenticationResult"].keys()))
        show("h.REFRESH_TOKEN (alias) flow", err(refresh(a1["RefreshToken"], flow="REFRESH_TOKEN")))
        show("h.unknown refresh token", err(refresh("00000000-0000-0000-0000-000000000000")))
        other = self.client(pid)["ClientId"]
        show(
            "h.refresh token used with another client of the pool",
            err(refresh(a1["RefreshToken"], client_id=other)),
        )
        _, c_new = decode_jwt(r["AuthenticationResult"]["AccessToken"])
        show("h.refreshed access token client_id", c_new["client_id"] == cid)
        acc = a1["AccessToken"]
        show("h.get_user(AccessToken) before sign-out", err(attempt(self.idp.get_user, AccessToken=acc)))

        sub = self.idp.admin_get_user(UserPoolId=pid, Username="h@example.com")["Username"]
        show(
            "h.admin_user_global_sign_out(Username=<sub>) response",
            attempt(self.idp.admin_user_global_sign_out, UserPoolId=pid, Username=sub),
        )
        show("h.  refresh after sign-out by <sub> (login was by email)", err(refresh(a1["RefreshToken"])))
        show("h.  get_user(old access token)", err(attempt(self.idp.get_user, AccessToken=acc)))
        attempt(self.idp.admin_user_global_sign_out, UserPoolId=pid, Username="h@example.com")
        show("h.  refresh after sign-out by email", err(refresh(a1["RefreshToken"])))
        show("h.  get_user(old access token)", err(attempt(self.idp.get_user, AccessToken=acc)))
        a2 = self.login(pid, cid, "h@example.com", GOOD_PW)["AuthenticationResult"]
        show("h.new login after sign-out, refresh", err(refresh(a2["RefreshToken"])))
        show(
            "h.sign-out unknown user",
            err(attempt(self.idp.admin_user_global_sign_out, UserPoolId=pid, Username="ghost@example.com")),
        )
        show(
            "h.revoke_token (public API)",
            err(attempt(self.idp.revoke_token, Token=a2["RefreshToken"], ClientId=cid)),
        )
        show("h.  refresh after revoke_token", err(refresh(a2["RefreshToken"])))

    # i. admin_get_user / admin_delete_user
    def probe_get_delete(self) -> None:
        for label, kwargs in (("email pool", {"UsernameAttributes": ["email"]}), ("plain pool", {})):
            pid = self.pool("i", **kwargs)
            cid = self.client(pid)["ClientId"]
            self.signup(pid, "i@example.com")
            show(
                f"i.[{label}] admin_get_user",
                attempt(self.idp.admin_get_user, UserPoolId=pid, Username="i@example.com"),
            )
            rt = self.login(pid, cid, "i@example.com", GOOD_PW)["AuthenticationResult"]["RefreshToken"]
            show(
                f"i.[{label}] admin_delete_user",
                attempt(self.idp.admin_delete_user, UserPoolId=pid, Username="i@example.com"),
            )
            show(
                f"i.[{label}] admin_get_user after delete",
                err(attempt(self.idp.admin_get_user, UserPoolId=pid, Username="i@example.com")),
            )
            show(
                f"i.[{label}] delete again",
                err(attempt(self.idp.admin_delete_user, UserPoolId=pid, Username="i@example.com")),
            )
            show(f"i.[{label}] login after delete", err(self.login(pid, cid, "i@example.com", GOOD_PW)))
            r = attempt(
                self.idp.admin_initiate_auth,
                UserPoolId=pid,
                ClientId=cid,
                AuthFlow="REFRESH_TOKEN_AUTH",
                AuthParameters={"REFRESH_TOKEN": rt},
            )
            show(f"i.[{label}] refresh token of deleted user", err(r))
            show(
                f"i.[{label}] re-create same email after delete", err(self.create_user(pid, "i@example.com"))
            )

    # l. raw JSON protocol
    def probe_raw(self) -> None:
        import urllib.error

        def post(
            target: str | None, body: dict[str, Any], headers: dict[str, str] | None = None
        ) -> tuple[int, dict[str, str], str]:
            h = {"Content-Type": "application/x-amz-json-1.1"}
            if target:
                h["X-Amz-Target"] = f"AWSCognitoIdentityProviderService.{target}"
            h.update(headers or {})
            req = urllib.request.Request(
                self.endpoint + "/", data=json.dumps(body).encode(), headers=h, method="POST"
            )
            try:
                with urllib.request.urlopen(req) as resp:
                    return resp.status, dict(resp.headers), resp.read().decode()
            except urllib.error.HTTPError as e:
                return e.code, dict(e.headers), e.read().decode()

        pid = self.pool("l", UsernameAttributes=["email"])
        cid = self.client(pid)["ClientId"]
        self.signup(pid, "l@example.com")
        st, hdr, body = post("AdminGetUser", {"UserPoolId": pid, "Username": "ghost@example.com"})
        show("l.unsigned AdminGetUser(unknown) status/body", [st, body])
        show(
            "l.  error headers",
            {k: v for k, v in hdr.items() if k.lower().startswith(("x-amz", "content-type"))},
        )
        st, _, body = post(
            "AdminInitiateAuth",
            {
                "UserPoolId": pid,
                "ClientId": cid,
                "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
                "AuthParameters": {"USERNAME": "l@example.com", "PASSWORD": "nope"},
            },
        )
        show("l.unsigned AdminInitiateAuth wrong pw status/body", [st, body])
        st, _, body = post(
            "AdminInitiateAuth",
            {
                "UserPoolId": pid,
                "ClientId": cid,
                "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
                "AuthParameters": {"USERNAME": "l@example.com", "PASSWORD": GOOD_PW},
            },
        )
        show("l.unsigned AdminInitiateAuth ok status", st)
        eu_auth = (
            "AWS4-HMAC-SHA256 Credential=test/20250101/eu-west-1/cognito-idp/aws4_request, "
            "SignedHeaders=host, Signature=0000"
        )
        st, _, body = post("DescribeUserPool", {"UserPoolId": pid}, {"Authorization": eu_auth})
        show("l.DescribeUserPool signed for eu-west-1 (pool is us-east-1)", [st, body[:160]])
        bad_sig = eu_auth.replace("eu-west-1", "us-east-1")
        st, _, _ = post("DescribeUserPool", {"UserPoolId": pid}, {"Authorization": bad_sig})
        show("l.DescribeUserPool with garbage SigV4 signature (us-east-1)", st)
        st, _, body = post("DescribeUserPool", {"UserPoolId": pid}, {"Content-Type": "application/json"})
        show("l.Content-Type application/json instead of x-amz-json-1.1", st)
        st, _, body = post(None, {"UserPoolId": pid})
        show("l.no X-Amz-Target", [st, body[:120]])
        st, _, body = post("NoSuchOperation", {})
        show("l.unknown operation", [st, body[:200]])
        req = urllib.request.Request(self.endpoint + "/moto-api/reset", method="POST")
        with urllib.request.urlopen(req) as resp:
            show("l.POST /moto-api/reset", resp.status)
        show("l.pools after reset", len(self.idp.list_user_pools(MaxResults=60)["UserPools"]))

    # k. latency
    def probe_latency(self) -> None:
        pid = self.pool("k", UsernameAttributes=["email"], Policies={"PasswordPolicy": STRICT_POLICY})
        cid = self.client(pid)["ClientId"]
        per_op: dict[str, float] = {
            "admin_create_user": 0.0,
            "admin_set_user_password": 0.0,
            "admin_initiate_auth": 0.0,
        }
        t0 = time.perf_counter()
        for i in range(self.loops):
            email = f"user{i}@example.com"
            t = time.perf_counter()
            self.create_user(pid, email)
            per_op["admin_create_user"] += time.perf_counter() - t
            t = time.perf_counter()
            self.idp.admin_set_user_password(UserPoolId=pid, Username=email, Password=GOOD_PW, Permanent=True)
            per_op["admin_set_user_password"] += time.perf_counter() - t
            t = time.perf_counter()
            r = self.login(pid, cid, email, GOOD_PW)
            per_op["admin_initiate_auth"] += time.perf_counter() - t
            assert "AuthenticationResult" in r, r
        total = time.perf_counter() - t0
        show(f"k.{self.loops} x (create+set_password+login) total s", round(total, 2))
        show("k.mean ms per flow", round(1000 * total / self.loops, 1))
        show("k.mean ms per op", {k: round(1000 * v / self.loops, 1) for k, v in per_op.items()})

        from concurrent.futures import ThreadPoolExecutor

        def flow(i: int) -> bool:
            email = f"par{i}@example.com"
            self.signup(pid, email)
            return "AuthenticationResult" in self.login(pid, cid, email, GOOD_PW)

        t0 = time.perf_counter()
        with ThreadPoolExecutor(max_workers=4) as ex:
            ok = sum(ex.map(flow, range(self.loops)))
        show(f"k.{self.loops} flows on 4 threads: ok / total s", [ok, round(time.perf_counter() - t0, 2)])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--endpoint", help="use a running moto server (default: start one on a free port)")
    ap.add_argument("--log", default="/tmp/moto_probe_server.log", help="moto_server log file")
    ap.add_argument("--loops", type=int, default=100, help="iterations for the latency probe")
    ap.add_argument(
        "--only",
        nargs="*",
        help="run only these probes (pools clients create_user set_password auth "
        "tokens refresh_signout get_delete latency raw)",
    )
    args = ap.parse_args()

    proc = None
    endpoint = args.endpoint
    if not endpoint:
        t = time.perf_counter()
        proc, endpoint = start_moto(Path(args.log))
        show("moto_server -p 0 listening at", f"{endpoint} after {time.perf_counter() - t:.2f}s")
        idp = boto3.client("cognito-idp", endpoint_url=endpoint, region_name="us-east-1")
        t1 = time.perf_counter()
        idp.list_user_pools(MaxResults=1)
        show("first cognito-idp call after banner (lazy backend import)", f"{time.perf_counter() - t1:.2f}s")
    try:
        p = Probe(endpoint, args.loops)
        order = [
            "pools",
            "clients",
            "create_user",
            "set_password",
            "auth",
            "tokens",
            "refresh_signout",
            "get_delete",
            "latency",
            "raw",
        ]
        for name in args.only or order:
            print(f"\n## {name}", flush=True)
            getattr(p, f"probe_{name}")()
    finally:
        if proc:
            stop_moto(proc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
