"""Real servers for the tests: an MLflow tracking server and a throwaway PostgreSQL cluster, each
started as a subprocess on 127.0.0.1 and stopped when the test module is done."""
from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until(ready, what: str, process: subprocess.Popen, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        if ready():
            return
        time.sleep(0.25)
    raise RuntimeError(f"{what} did not become ready in {timeout:.0f}s")


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except Exception:
        return False


class MlflowServer:
    """``mlflow server`` on a fixed free port, which can be stopped and started again."""

    def __init__(self, backend_uri: str, workdir: Path) -> None:
        self.backend_uri = backend_uri
        self.workdir = workdir
        self.port = free_port()
        self.uri = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        log = open(self.workdir / "mlflow-server.log", "ab")
        env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
        # the server's background job runner (seven worker processes, for evaluation jobs) has no
        # part in storing traces and doubles its start-up time here
        env["MLFLOW_SERVER_ENABLE_JOB_EXECUTION"] = "false"
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "mlflow"), "server", "--host", "127.0.0.1", "--port", str(self.port),
             "--backend-store-uri", self.backend_uri, "--default-artifact-root", str(self.workdir / "artifacts"),
             "--workers", "1"],
            stdout=log, stderr=subprocess.STDOUT, cwd=self.workdir, env=env,
        )
        log.close()
        _wait_until(lambda: _answers(f"{self.uri}/health"), "mlflow server", self.process)

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.process = None


@contextlib.contextmanager
def mlflow_server(backend_uri: str, workdir: Path, *, handle: bool = False):
    """``mlflow server`` on a free port; yields its http:// URI (or, with ``handle``, the server)."""
    server = MlflowServer(backend_uri, workdir)
    try:
        server.start()
        yield server if handle else server.uri
    finally:
        server.stop()


def _postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _as_postgres_user(command: list[str]) -> list[str]:
    """initdb refuses to run as root: run the cluster as the postgres user."""
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


class PostgresCluster:
    def __init__(self, bin_dir: Path, data: Path, root: Path, sockets: Path, port: int) -> None:
        self.bin_dir, self.data, self.root, self.sockets, self.port = bin_dir, data, root, sockets, port
        self.uri = f"postgresql+psycopg://autolog@127.0.0.1:{port}/mlflow"

    def start(self) -> None:
        subprocess.run(_as_postgres_user([str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-l",
                                          str(self.root / "server.log"), "-o",
                                          f"-p {self.port} -k {self.sockets} -c listen_addresses=127.0.0.1", "-w",
                                          "start"]), check=True, capture_output=True)

    def stop(self) -> None:
        subprocess.run(_as_postgres_user([str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "immediate",
                                          "stop"]), capture_output=True)


@contextlib.contextmanager
def postgres_cluster(*, handle: bool = False):
    """A throwaway PostgreSQL cluster on a free port; yields a SQLAlchemy URI of an empty database
    (or, with ``handle``, the cluster, which can be stopped and started)."""
    bin_dir = _postgres_bin()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL is not installed (.ci/run installs it with apt-get)")
    root = Path(tempfile.mkdtemp(prefix="autolog-pg-"))
    data, sockets = root / "data", root / "sockets"
    data.mkdir()
    sockets.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(data, "postgres")
        shutil.chown(sockets, "postgres")
    port = free_port()
    subprocess.run(_as_postgres_user([str(bin_dir / "initdb"), "-D", str(data), "-U", "autolog", "--auth=trust",
                                      "-E", "UTF8"]), check=True, capture_output=True)
    cluster = PostgresCluster(bin_dir, data, root, sockets, port)
    cluster.start()
    try:
        subprocess.run(_as_postgres_user([str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port),
                                          "-U", "autolog", "mlflow"]), check=True, capture_output=True)
        yield cluster if handle else cluster.uri
    finally:
        cluster.stop()
        shutil.rmtree(root, ignore_errors=True)
