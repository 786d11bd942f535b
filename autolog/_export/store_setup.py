"""A local sqlite store that does not exist yet is created whole or not at all.

MLflow creates a sqlite store in place: tables first, then a chain of alembic migrations taking
seconds. A process that ends in the middle (a short script's exit, SIGTERM, a crash), or two
processes creating the same file at once, leave a file MLflow refuses to open ("Detected
out-of-date database schema", "table ... already exists"). Here the store is made by MLflow's own
code in a private file beside the target and then linked into place in one step: a reader or
another process sees no file or a complete store, never a half-made one. Processes of this
package that start together take turns through a lock file in the temporary folder (as MLflow's
own server does), so one makes the store and the others find it made; should two make one all
the same, the first link wins and the other is discarded.

This runs on the export writer, before anything of MLflow's opens the store, so a program's
start-up does not wait for it; the exit waits for it while it runs (see ``Exporter.busy``)."""
from __future__ import annotations

import contextlib
import glob
import hashlib
import logging
import os
import tempfile
import time
import uuid
from typing import Callable
from urllib.parse import urlparse

_logger = logging.getLogger("autolog")

_ready: set[str] = set()
_making: set[str] = set()  # private files being made now
STALE_AFTER = 3600.0  # seconds after which a private file left by a killed process is removed


def sqlite_path(uri: str) -> str | None:
    """The file of a ``sqlite:///path`` URI; None for other stores and in-memory databases."""
    if not uri.startswith("sqlite:"):
        return None
    path = urlparse(uri).path if not uri.startswith("sqlite:///") else uri[len("sqlite:///"):]
    path = path.split("?", 1)[0]
    if not path or path == ":memory:":
        return None
    if uri.startswith("sqlite:////"):
        path = "/" + path.lstrip("/")
    return path


def ensure_store(uri: str, busy: Callable[[str | None], None]) -> None:
    """Creates the sqlite store of ``uri`` if it does not exist; other stores are left to MLflow."""
    if uri in _ready:
        return
    path = sqlite_path(uri)
    if path is None or os.path.exists(path):
        _ready.add(uri)
        return
    busy("creating the store")
    try:
        with _turn(path):
            if not os.path.exists(path):
                _create(path)
    finally:
        busy(None)
    _ready.add(uri)


@contextlib.contextmanager
def _turn(path: str):
    """One process of this machine at a time creates a given store."""
    try:
        import fcntl
    except ImportError:  # Windows: the link below still keeps the store whole
        yield
        return
    digest = hashlib.md5(os.path.abspath(path).encode(), usedforsecurity=False).hexdigest()
    with open(os.path.join(tempfile.gettempdir(), f"autolog-store-{digest}.lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _create(path: str) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    _remove_stale(path)
    private = f"{path}.autolog-{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp"
    started = time.monotonic()
    _making.add(private)
    try:
        _initialize(private)
        try:
            os.link(private, path)  # fails if another process made the store first
        except FileExistsError:
            _logger.debug("autolog: another process created %s first", path)
        except OSError:  # a file system without hard links
            if not os.path.exists(path):
                os.replace(private, path)
        _logger.debug("autolog: created the store %s in %.1fs", path, time.monotonic() - started)
    finally:
        _making.discard(private)
        _unlink(private)


def _unlink(private: str) -> None:
    for leftover in (private, private + "-journal"):
        try:
            os.unlink(leftover)
        except OSError:
            pass


def abandon() -> None:
    """At an exit that stops waiting while a store is being made: its private file is removed
    (the half-made store was never visible under the store's name)."""
    for private in list(_making):
        _unlink(private)


def _initialize(path: str) -> None:
    """MLflow's own store creation (tables, migrations, default experiment) on a private file."""
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore
    from mlflow.utils.uri import resolve_uri_if_local

    store = SqlAlchemyStore(f"sqlite:///{path}", resolve_uri_if_local(_default_artifact_root()))
    store.engine.dispose()


def _default_artifact_root() -> str:
    """The artifact root MLflow gives a local store (its default experiment's location)."""
    try:
        from mlflow.tracking._tracking_service.utils import _SERVER_ARTIFACT_ROOT_ENV_VAR
    except ImportError:
        _SERVER_ARTIFACT_ROOT_ENV_VAR = "_MLFLOW_SERVER_ARTIFACT_ROOT"
    from mlflow.store.tracking import DEFAULT_LOCAL_FILE_AND_ARTIFACT_PATH

    return os.environ.get(_SERVER_ARTIFACT_ROOT_ENV_VAR, DEFAULT_LOCAL_FILE_AND_ARTIFACT_PATH)


def _remove_stale(path: str) -> None:
    now = time.time()
    for leftover in glob.glob(glob.escape(path) + ".autolog-*.tmp*"):
        try:
            if now - os.path.getmtime(leftover) > STALE_AFTER:
                os.unlink(leftover)
        except OSError:
            pass
