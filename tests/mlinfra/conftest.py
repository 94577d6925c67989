"""moto fixtures for the boto3 commands (bootstrap, verify).

Nothing here reaches beyond 127.0.0.1: credentials are dummies, the EC2 metadata lookup is
off (botocore would otherwise try 169.254.169.254 when no credentials are set), and the
end-to-end server binds to loopback on a free port.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.config import Config
from moto import mock_aws
from moto.server import ThreadedMotoServer

from mlinfra.aws import new_session

ROOT = Path(__file__).resolve().parents[2]
ACCOUNT = "123456789012"  # moto's default account
OTHER_ACCOUNT = "111111111111"


def clean_aws_environ(base: dict[str, str] | os._Environ[str]) -> dict[str, str]:
    """``base`` without any AWS_* / MOTO_* variable, plus the settings that keep botocore local."""
    env = {k: v for k, v in base.items() if not k.startswith(("AWS_", "MOTO_"))}
    env.update(
        AWS_EC2_METADATA_DISABLED="true",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
    )
    return env


def dummy_credentials() -> dict[str, str]:
    return {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}


# moto's EKS node groups start its EC2 backend, which by default loads thousands of public
# AMIs per region (~1.5 s a test); none are needed here.
MOTO_SPEED = {"MOTO_EC2_LOAD_DEFAULT_AMIS": "false"}


def client(service: str, region: str) -> Any:
    """A boto3 client for test setup and assertions (in-process moto)."""
    return new_session(region).client(service)


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dummy credentials, no profile, no endpoint override, no metadata lookups."""
    for key in list(os.environ):
        if key.startswith(("AWS_", "MOTO_")):
            monkeypatch.delenv(key)
    for key, value in {**clean_aws_environ({}), **dummy_credentials(), **MOTO_SPEED}.items():
        monkeypatch.setenv(key, value)


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """No credentials anywhere; any request that slipped out would go to a closed loopback port."""
    for key in list(os.environ):
        if key.startswith(("AWS_", "MOTO_")):
            monkeypatch.delenv(key)
    for key, value in clean_aws_environ({}).items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")


@pytest.fixture
def moto(aws_env: None) -> Iterator[None]:
    """In-process moto: every boto3 call in the test (and in the command) is served by it."""
    with mock_aws():
        yield


def as_other_account(monkeypatch: pytest.MonkeyPatch, fn: Any) -> Any:
    """Run ``fn`` as another AWS account (moto reads MOTO_ACCOUNT_ID on every request)."""
    monkeypatch.setenv("MOTO_ACCOUNT_ID", OTHER_ACCOUNT)
    try:
        return fn()
    finally:
        monkeypatch.delenv("MOTO_ACCOUNT_ID")


@pytest.fixture(scope="module")
def moto_server() -> Iterator[str]:
    """One moto_server per test module on 127.0.0.1 and a free port; yields its URL."""
    with pytest.MonkeyPatch.context() as mp:
        for key, value in MOTO_SPEED.items():  # the server runs in this process
            mp.setenv(key, value)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        try:
            assert host == "127.0.0.1" and port > 0, f"moto_server must listen on loopback only, got {host}:{port}"
            yield f"http://{host}:{port}"
        finally:
            server.stop()


def server_client(url: str, service: str, region: str) -> Any:
    """A client for test setup and assertions against the moto_server (through it as a proxy too:
    see subprocess_env)."""
    return new_session(region).client(
        service,
        endpoint_url=url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(proxies={"http": url}),
    )


def subprocess_env(url: str | None) -> dict[str, str]:
    """Environment for `python -m mlinfra ...` against the server: AWS_ENDPOINT_URL only, as a user would set it."""
    env = clean_aws_environ(os.environ)
    env.update(dummy_credentials())
    if url is not None:
        env["AWS_ENDPOINT_URL"] = url
        # S3 Control puts the account ID in front of the endpoint's host
        # (123456789012.127.0.0.1:port), which no resolver answers; with the server as the HTTP
        # proxy the request reaches it anyway, and moto routes it by the full URL it receives.
        env["HTTP_PROXY"] = url
        for key in ("NO_PROXY", "no_proxy", "http_proxy"):
            env.pop(key, None)
    env["PYTHONPATH"] = str(ROOT)
    return env


PYTHON = sys.executable


def run_mlinfra(url: str | None, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m mlinfra ARGS` as a user runs it, against the moto_server at ``url``."""
    return subprocess.run(
        [PYTHON, "-m", "mlinfra", *args],
        check=False,
        cwd=ROOT,
        env=env if env is not None else subprocess_env(url),
        capture_output=True,
        text=True,
        timeout=120,
    )
