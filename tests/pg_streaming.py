"""A real PostgreSQL primary with a streaming hot standby, in a scratch folder, for the replica tests.

`streaming_pair()` runs `initdb` for a primary (wal_level=replica, trust for local, host and
`replication` on 127.0.0.1), starts it on a free port, `pg_basebackup -R` into a second folder and
starts that as a hot standby on another port; both log every statement (`log_statement=all`, the
client's application name in each line). PostgreSQL refuses to run as root: as root the binaries run as
the `postgres` OS user and the folders belong to it. Both clusters are stopped (`-m immediate`) and the
folders removed when the block ends, also on failure.

Missing binaries fail the test naming what is missing, unless QUIRE_TEST_STREAMING_REPLICA=0 (the
explicit opt-out) is set.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.servers import free_port, release_port

OPT_OUT = "QUIRE_TEST_STREAMING_REPLICA"
BINARIES = ("initdb", "pg_ctl", "pg_basebackup", "postgres")
PRIMARY_CONF = """
listen_addresses = '127.0.0.1'
wal_level = replica
max_wal_senders = 5
hot_standby = on
max_connections = 40
shared_buffers = 16MB
fsync = off
synchronous_commit = off
full_page_writes = off
log_statement = 'all'
log_line_prefix = '%m [%p] app=%a '
"""
HBA = """
local all all trust
host all all 127.0.0.1/32 trust
local replication all trust
host replication all 127.0.0.1/32 trust
"""


def postgres_bin_dir() -> Path:
    """The newest /usr/lib/postgresql/*/bin holding every binary needed (or PG_BIN_DIR); fails clearly."""
    candidates = [os.environ["PG_BIN_DIR"]] if os.environ.get("PG_BIN_DIR") else []
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_major, reverse=True)
    for folder in candidates:
        if all((Path(folder) / name).exists() for name in BINARIES):
            return Path(folder)
    looked = ", ".join(candidates) or "no /usr/lib/postgresql/*/bin folder"
    needs_opt_out(
        f"the PostgreSQL server binaries ({', '.join(BINARIES)}) are missing (looked in: {looked}); "
        "install Debian's postgresql package"
    )
    raise AssertionError("unreachable")


def _major(folder: str) -> int:
    try:
        return int(Path(folder).parent.name)
    except ValueError:
        return 0


def needs_opt_out(problem: str) -> None:
    """Skip only when the operator said so (QUIRE_TEST_STREAMING_REPLICA=0); fail otherwise."""
    if os.environ.get(OPT_OUT) == "0":
        pytest.skip(f"{OPT_OUT}=0: {problem}")
    pytest.fail(f"streaming-replica test cannot run: {problem} (or set {OPT_OUT}=0 to leave it out)")


def _run_as() -> list[str]:
    """Prefix for the PostgreSQL binaries: `runuser -u postgres --` as root, nothing otherwise."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        needs_opt_out("running as root, and there is no `postgres` OS user to run PostgreSQL as")
    if not shutil.which("runuser"):
        needs_opt_out("running as root, and `runuser` (util-linux) is missing")
    return ["runuser", "-u", "postgres", "--"]


@dataclass
class Cluster:
    name: str
    data: Path
    port: int
    log: Path

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


class StreamingPair:
    """Two clusters in one scratch folder: `primary` and its hot standby `replica`."""

    def __init__(self) -> None:
        self.bin = postgres_bin_dir()
        self.prefix = _run_as()
        self.root = Path(tempfile.mkdtemp(prefix="quire-pg-"))
        self.socket_dir = self.root / "sockets"
        self.socket_dir.mkdir()
        if self.prefix:
            owner = pwd.getpwnam("postgres")
            for path in (self.root, self.socket_dir):
                os.chown(path, owner.pw_uid, owner.pw_gid)
        self.started: list[Cluster] = []
        self.primary: Cluster | None = None
        self.replica: Cluster | None = None

    # -- running the binaries ------------------------------------------------------------------------
    def run(self, binary: str, *args: str, timeout: float = 120) -> str:
        result = subprocess.run(
            [*self.prefix, str(self.bin / binary), *args], capture_output=True, text=True, timeout=timeout,
            cwd=self.root,
        )  # fmt: skip
        if result.returncode != 0:
            output = result.stdout[-2000:] + result.stderr[-2000:]
            raise RuntimeError(f"{binary} {' '.join(args)} failed: {output}")
        return result.stdout

    def _start(self, cluster: Cluster) -> None:
        options = f"-c port={cluster.port} -c unix_socket_directories={self.socket_dir}"
        self.started.append(cluster)
        self.run("pg_ctl", "-D", str(cluster.data), "-l", str(cluster.log), "-o", options, "-w", "-t", "60",
                 "start")  # fmt: skip

    def _start_on_free_port(self, name: str, data: Path) -> Cluster:
        """Start on a free port; another run may take the port between the check and the bind: retry."""
        for attempt in range(3):
            cluster = Cluster(name, data, free_port(), self.root / f"{name}-{attempt}.log")
            try:
                self._start(cluster)
                return cluster
            except RuntimeError:
                self.started.remove(cluster)
                release_port(cluster.port)
                if "could not bind" not in cluster.log_text() and "in use" not in cluster.log_text():
                    raise RuntimeError(f"{name} did not start: {cluster.log_text()[-3000:]}") from None
        raise RuntimeError(f"{name}: no free port after 3 attempts")

    # -- the pair ------------------------------------------------------------------------------------
    def start(self, database: str) -> None:
        primary_data = self.root / "primary"
        self.run("initdb", "-D", str(primary_data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                 "--locale=C", "--no-sync")  # fmt: skip
        with open(primary_data / "postgresql.conf", "a") as conf:
            conf.write(PRIMARY_CONF)
        (primary_data / "pg_hba.conf").write_text(HBA)  # rewritten in place: owner unchanged
        self.primary = self._start_on_free_port("primary", primary_data)
        self.psql(self.primary, "postgres", f'CREATE DATABASE "{database}"')
        replica_data = self.root / "replica"
        self.run("pg_basebackup", "-h", "127.0.0.1", "-p", str(self.primary.port), "-U", "postgres",
                 "-D", str(replica_data), "-R", "-X", "stream", "-c", "fast", "--no-sync")  # fmt: skip
        self.replica = self._start_on_free_port("replica", replica_data)

    def psql(self, cluster: Cluster, database: str, sql: str):
        """One statement on `cluster` (autocommit, application name `quire-test`); its rows."""
        import psycopg

        with psycopg.connect(
            cluster.url(database), autocommit=True, connect_timeout=5, application_name="quire-test"
        ) as conn:
            cursor = conn.execute(sql)
            return cursor.fetchall() if cursor.description else []

    def stop(self, cluster: Cluster, mode: str = "immediate") -> None:
        if cluster in self.started:
            self.started.remove(cluster)
            self.run("pg_ctl", "-D", str(cluster.data), "-m", mode, "-w", "stop")
            release_port(cluster.port)

    def close(self) -> None:
        errors = []
        for cluster in reversed(list(self.started)):
            try:
                self.stop(cluster)
            except (RuntimeError, subprocess.TimeoutExpired) as error:
                errors.append(str(error))
        shutil.rmtree(self.root, ignore_errors=True)
        if errors:
            raise RuntimeError("; ".join(errors))


@contextlib.contextmanager
def streaming_pair(database: str = "quire"):
    """A started primary + hot standby holding `database`; both stopped and removed afterwards."""
    pair = StreamingPair()
    try:
        pair.start(database)
        yield pair
    finally:
        pair.close()


def wait_for(condition, what: str, deadline: float = 30, interval: float = 0.1):
    """Poll `condition` until it returns something truthy; fail naming `what` after `deadline` seconds."""
    end = time.monotonic() + deadline
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > end:
            pytest.fail(f"timed out after {deadline} s waiting for {what}")
        time.sleep(interval)
