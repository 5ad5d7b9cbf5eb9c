"""An S3-compatible server on 127.0.0.1 for the media tests: moto's server mode, started here.

`QUIRE_TEST_S3_ENDPOINT` (e.g. set by a CI script that runs its own server) is used instead when set.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.servers import free_port, release_port

ACCESS_KEY = "quire-test-access"
SECRET_KEY = "quire-test-secret"  # noqa: S105 - a local test server's made-up credential
REGION = "us-east-1"


@dataclass
class S3Server:
    endpoint: str
    bucket: str

    def environment(self) -> dict:
        """What an instance needs to use this server for its media (QUIRE_MEDIA_STORAGE=s3)."""
        return {
            "QUIRE_MEDIA_STORAGE": "s3",
            "QUIRE_S3_BUCKET": self.bucket,
            "QUIRE_S3_ENDPOINT_URL": self.endpoint,
            "QUIRE_S3_REGION": REGION,
            "QUIRE_S3_ACCESS_KEY_ID": ACCESS_KEY,
            "QUIRE_S3_SECRET_ACCESS_KEY": SECRET_KEY,
        }

    def client(self):
        import boto3

        return boto3.client(
            "s3", endpoint_url=self.endpoint, region_name=REGION,
            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
        )  # fmt: skip


def _wait(endpoint: str, process: subprocess.Popen | None, deadline: float = 30) -> bool:
    """True once the server answers; False if its process exited (its port was taken meanwhile)."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if process is not None and process.poll() is not None:
            return False
        try:
            urllib.request.urlopen(endpoint, timeout=2).close()
            return True
        except urllib.error.HTTPError:
            return True  # it answers
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"the S3 server at {endpoint} did not answer within {deadline} s")


def _start_moto(log: Path | None) -> tuple[subprocess.Popen, int, str]:
    moto = Path(sys.executable).with_name("moto_server")
    command = [str(moto)] if moto.exists() else [sys.executable, "-m", "moto.server"]
    for _attempt in range(3):
        port = free_port()
        sink = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 - the process holds it
        process = subprocess.Popen([*command, "-H", "127.0.0.1", "-p", str(port)], stdout=sink, stderr=sink)
        endpoint = f"http://127.0.0.1:{port}"
        if _wait(endpoint, process):
            return process, port, endpoint
        release_port(port)
    pytest.fail(f"moto_server did not start (exit {process.returncode}); see {log}")


def start_s3_server(log: Path | None = None):
    """Yield an `S3Server` with a fresh bucket; the moto server is stopped afterwards."""
    endpoint = os.environ.get("QUIRE_TEST_S3_ENDPOINT", "").rstrip("/")
    process = port = None
    if endpoint:
        _wait(endpoint, None)
    else:
        process, port, endpoint = _start_moto(log)
    try:
        server = S3Server(endpoint=endpoint, bucket=f"quire-media-{uuid.uuid4().hex[:12]}")
        server.client().create_bucket(Bucket=server.bucket)
        yield server
    finally:
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
            release_port(port)
