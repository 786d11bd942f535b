"""One bounded queue and one background writer for the traces this package records.

Policy:
- Traces are written in batches (up to ``BATCH_SIZE``, or whatever arrived within ``LINGER``).
- The queue holds at most ``queue_size`` traces, and no more than the store has been seen to
  write within 80% of ``exit_timeout``, so that what is queued when the process exits can still
  be written. When it is full and the store is keeping up, a call waits up to ``queue_wait``
  seconds for room (back-pressure: a burst slows down instead of losing traces); after that, or
  at once while the store is failing, the trace is dropped and counted.
- A batch that fails for a transient reason (connection refused, server 5xx, database locked) is
  retried with exponential backoff for up to ``RETRY_FOR`` seconds, then counted as failed. A
  batch the store rejects is split in halves until the rejected traces are found; those fail
  alone. An authentication error (401/403) is said once and the batch fails without retries.
- At interpreter exit the queue is flushed for up to ``exit_timeout`` seconds; what is left is
  counted as dropped and reported.
- A forked child starts with an empty queue and a writer of its own (the parent exports what
  it recorded itself).

Nothing is lost silently: every trace is counted as exported, dropped or failed, readable at any
time through ``autolog.stats()``, and drops and failures are logged as warnings with counts."""
from __future__ import annotations

import atexit
import collections
import dataclasses
import logging
import os
import threading
# bound here: a caller who patches time.monotonic (a test's fake clock) must not reach the writer
from time import monotonic, perf_counter
from typing import Any

from .store_errors import auth_failure, transient

_logger = logging.getLogger("autolog")

BATCH_SIZE = 100
LINGER = 0.2  # seconds the writer waits for a batch to fill
RETRY_FOR = 60.0  # seconds a failing batch is retried before it counts as failed
FIRST_BACKOFF = 0.5
MAX_BACKOFF = 10.0
WARN_EVERY = 30.0  # seconds between two warnings about drops or failures
SYNC_BOUND = 10.0  # seconds a call waits for its trace when MLflow's async logging is off


def _synchronous() -> bool:
    """MLFLOW_ENABLE_ASYNC_TRACE_LOGGING=false asks MLflow to store each trace before the call
    returns; the package honours it for its own traces."""
    return os.environ.get("MLFLOW_ENABLE_ASYNC_TRACE_LOGGING", "").strip().lower() in ("false", "0")


@dataclasses.dataclass
class ExportSettings:
    queue_size: int = 1000  # traces waiting to be written
    queue_wait: float = 2.0  # seconds a call may wait for room in a full queue
    exit_timeout: float = 5.0  # seconds the interpreter's exit waits for the queue to drain


class _Unreported:
    """Drops and failures not yet said in a warning, and when each reason was last said."""

    def __init__(self) -> None:
        self.dropped = 0
        self.failed = 0
        self.said_at: dict[str, float] = {}


class _Retry:
    __slots__ = ("started", "backoff")

    def __init__(self) -> None:
        self.started = monotonic()
        self.backoff = FIRST_BACKOFF


class Exporter:
    def __init__(self) -> None:
        self.settings = ExportSettings()
        self._reset()
        self._exit_hooked = False
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=self._after_fork_in_child)

    def _reset(self) -> None:
        self._lock = threading.Lock()
        self._work = threading.Condition(self._lock)  # the writer waits for traces
        self._room = threading.Condition(self._lock)  # callers wait for room in a full queue
        self._progress = threading.Condition(self._lock)  # flush() waits for the writer
        self._stopping = threading.Condition(self._lock)  # a backoff sleep ends early at exit
        self._queue: collections.deque = collections.deque()
        self._writer_wants = 1  # queue length at which a submit wakes the writer
        self._flushing = 0
        self._closing = False
        self._healthy = True
        self._thread: threading.Thread | None = None
        self._sinks: dict[str, Any] = {}
        self._auth_reported: set[str] = set()
        self._enqueued = 0  # sequence numbers: flush() waits until done catches up
        self._done = 0
        self._rate: float | None = None  # traces per second the store has been taking
        self.recorded = self.exported = self.dropped = self.failed = 0
        self._unreported = _Unreported()

    # -- callers' side ------------------------------------------------------------------------

    def submit(self, record) -> None:
        """Hands a finished trace to the writer; never raises, waits only for a full queue, or,
        where MLflow's asynchronous trace logging is switched off, until the trace is written."""
        try:
            self._enqueue(record)
            if _synchronous() and self._healthy:
                self.flush(SYNC_BOUND)
        except Exception:
            _logger.debug("autolog: could not queue a trace", exc_info=True)

    def _enqueue(self, record) -> None:
        with self._lock:
            self.recorded += 1
            if self._thread is None:
                self._start()
            queue = self._queue
            if len(queue) >= self._capacity() and not self._wait_for_room():
                self._count_dropped(1, "queue", "the export queue was full")
                return
            queue.append(record)
            self._enqueued += 1
            if len(queue) >= self._writer_wants:
                self._work.notify()

    def _capacity(self) -> int:
        size = self.settings.queue_size
        rate = self._rate
        if rate is None:
            return size
        return max(min(size, BATCH_SIZE), min(size, int(rate * self.settings.exit_timeout * 0.8)))

    def _wait_for_room(self) -> bool:
        """Back-pressure, only while the store keeps up: a failing store never slows calls."""
        if self._closing or not self._healthy or threading.current_thread() is self._thread:
            return False
        deadline = monotonic() + self.settings.queue_wait
        while len(self._queue) >= self._capacity():
            remaining = deadline - monotonic()
            if remaining <= 0 or not self._healthy or self._closing:
                return False
            self._room.wait(remaining)
        return True

    def flush(self, timeout: float | None = None) -> bool:
        """Waits until every trace recorded before this call is written (or failed or dropped);
        False if ``timeout`` seconds pass first."""
        deadline = None if timeout is None else monotonic() + timeout
        with self._lock:
            target = self._enqueued
            if self._done >= target:
                return True
            self._flushing += 1
            self._work.notify()
            try:
                while self._done < target:
                    remaining = None if deadline is None else deadline - monotonic()
                    if remaining is not None and remaining <= 0:
                        return False
                    self._progress.wait(remaining)
                return True
            finally:
                self._flushing -= 1

    @property
    def healthy(self) -> bool:
        """False while the store is failing (its batches are being retried)."""
        return self._healthy

    def stats(self) -> dict[str, int]:
        with self._lock:
            queued = self._enqueued - self._done
            return {"recorded": self.recorded, "exported": self.exported, "dropped": self.dropped,
                    "failed": self.failed, "queued": queued}

    # -- the writer -----------------------------------------------------------------------------

    def _start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="autolog-export", daemon=True)
        self._thread.start()
        if not self._exit_hooked:
            self._exit_hooked = True
            atexit.register(self._at_exit)

    def _take_batch(self) -> list:
        with self._lock:
            while not self._queue:
                self._writer_wants = 1
                self._work.wait()
            deadline = monotonic() + LINGER
            while len(self._queue) < BATCH_SIZE and not self._flushing and not self._closing:
                remaining = deadline - monotonic()
                if remaining <= 0:
                    break
                self._writer_wants = BATCH_SIZE
                self._work.wait(remaining)
            self._writer_wants = BATCH_SIZE
            batch = [self._queue.popleft() for _ in range(min(BATCH_SIZE, len(self._queue)))]
            self._room.notify_all()
            return batch

    def _run(self) -> None:
        while True:
            batch = self._take_batch()
            try:
                self._write(batch)
            except Exception:  # a bug here must not stop the writer
                _logger.debug("autolog: the export writer failed on a batch", exc_info=True)
                self._count_failed(len(batch), "internal", "an internal error")
            with self._lock:
                if not self._closing:
                    self._done += len(batch)
                self._progress.notify_all()

    def _write(self, batch: list) -> None:
        groups: dict[tuple[str, str], list] = {}
        for record in batch:
            if not isinstance(record.experiment_id, str) and not self._resolve_experiment(record):
                continue
            groups.setdefault((record.tracking_uri, record.experiment_id), []).append(record)
        for (uri, experiment_id), records in groups.items():
            self._write_group(uri, experiment_id, records)

    def _resolve_experiment(self, record) -> bool:
        """The default experiment, looked up here rather than on the caller's thread."""
        from .._mlflow.experiments import resolve

        retry = _Retry()
        while True:
            try:
                record.experiment_id = resolve(record.experiment_id)
                return True
            except Exception as error:
                if not transient(error) or not self._wait_to_retry(retry):
                    self._count_failed(1, "experiment", f"its experiment could not be looked up: "
                                                        f"{type(error).__name__}: {error}")
                    return False

    def _sink(self, uri: str):
        sink = self._sinks.get(uri)
        if sink is None:
            from .sinks import sink_for

            sink = self._sinks[uri] = sink_for(uri)
        return sink

    def _write_group(self, uri: str, experiment_id: str, records: list) -> None:
        retry = _Retry()
        while True:
            attempt = perf_counter()
            try:
                self._sink(uri).write(experiment_id, records)
            except Exception as error:
                if auth_failure(error):
                    self._report_auth(uri, error)
                    self._count_failed(len(records), "auth", f"{uri} refused the credentials")
                    return
                if not transient(error):
                    if len(records) > 1:  # find the traces the store rejects; write the others
                        half = len(records) // 2
                        self._write_group(uri, experiment_id, records[:half])
                        self._write_group(uri, experiment_id, records[half:])
                        return
                    _logger.debug("autolog: %s rejected trace %s", uri, records[0].trace_id, exc_info=True)
                    self._discard(uri, records)
                    self._count_failed(1, "rejected", f"{uri} rejected it: {type(error).__name__}: {error}")
                    return
                _logger.debug("autolog: writing to %s failed", uri, exc_info=True)
                if not self._wait_to_retry(retry):
                    self._count_failed(len(records), "unreachable",
                                       f"{uri} could not be reached: {type(error).__name__}: {error}")
                    return
                continue
            self._healthy = True
            took = perf_counter() - attempt
            with self._lock:
                if not self._closing:  # at exit, what was still being written is counted as dropped
                    self.exported += len(records)
                if took > 0:
                    sample = len(records) / took
                    self._rate = sample if self._rate is None else 0.7 * self._rate + 0.3 * sample
            return

    def _discard(self, uri: str, records: list) -> None:
        try:
            self._sink(uri).discard(records)
        except Exception:
            _logger.debug("autolog: could not remove a rejected trace's rows", exc_info=True)

    def _wait_to_retry(self, retry: "_Retry") -> bool:
        """After a transient failure: marks the store as failing and waits the next backoff;
        False when the retries are over (the exit, or RETRY_FOR seconds since the first try)."""
        self._healthy = False
        if self._closing or monotonic() - retry.started > RETRY_FOR:
            return False
        with self._lock:
            if not self._closing:
                self._stopping.wait(retry.backoff)
        retry.backoff = min(retry.backoff * 2, MAX_BACKOFF)
        return True

    # -- counting and telling -------------------------------------------------------------------

    def _count_dropped(self, n: int, reason: str, why: str) -> None:
        """Called with the lock held."""
        self.dropped += n
        self._unreported.dropped += n
        self._maybe_warn(reason, why)

    def _count_failed(self, n: int, reason: str, why: str) -> None:
        with self._lock:
            if self._closing:  # counted as dropped by the exit
                return
            self.failed += n
            self._unreported.failed += n
            self._maybe_warn(reason, why)

    def _maybe_warn(self, reason: str, why: str, force: bool = False) -> None:
        """At most one warning per reason every WARN_EVERY seconds, each with the running totals."""
        pending = self._unreported
        now = monotonic()
        said = pending.said_at.get(reason)
        if not (pending.dropped or pending.failed) or (not force and said is not None and now - said < WARN_EVERY):
            return
        parts = [f"{n} {what}" for n, what in ((pending.dropped, "dropped"), (pending.failed, "failed")) if n]
        _logger.warning(
            "autolog: %s trace(s) not stored (%s); totals so far: %d recorded, %d exported, "
            "%d dropped, %d failed. See autolog.stats().",
            " and ".join(parts), why, self.recorded, self.exported, self.dropped, self.failed,
        )
        pending.dropped = pending.failed = 0
        pending.said_at[reason] = now

    def _report_auth(self, uri: str, error: BaseException) -> None:
        if uri in self._auth_reported:
            return
        self._auth_reported.add(uri)
        _logger.error(
            "autolog: %s refused the credentials (%s); traces sent there are not stored. Set "
            "MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD.", uri, error,
        )

    # -- exit and fork --------------------------------------------------------------------------

    def _at_exit(self) -> None:
        try:
            self.flush(self.settings.exit_timeout)
            with self._lock:
                self._closing = True
                left = self._enqueued - self._done
                self._queue.clear()
                self._done = self._enqueued
                self._stopping.notify_all()
                self._room.notify_all()
                if left:
                    why = "the store could not be reached" if not self._healthy else "the store was still writing"
                    self._count_dropped(left, "exit", f"the process exited before they were stored: {why} "
                                                      f"(waited {self.settings.exit_timeout:g}s)")
                self._maybe_warn("exit", "at exit: the count since the last warning", force=True)
        except Exception:
            _logger.debug("autolog: the exit flush failed", exc_info=True)

    def _after_fork_in_child(self) -> None:
        sinks = self._sinks
        self._reset()
        for sink in sinks.values():
            try:
                sink.after_fork()
            except Exception:
                _logger.debug("autolog: could not reset a store after fork", exc_info=True)
        _hook_multiprocessing_exit(self)


def _hook_multiprocessing_exit(exporter: Exporter) -> None:
    """A multiprocessing child ends with os._exit(), which skips atexit; multiprocessing's own
    exit finalizers still run. They are registered from its after-fork hooks, which run after
    it clears the finalizers inherited from the parent."""
    import sys

    if "multiprocessing" not in sys.modules:
        return
    try:
        from multiprocessing import util

        util.register_after_fork(exporter, lambda e: util.Finalize(e, e._at_exit, exitpriority=100))
    except Exception:
        _logger.debug("autolog: could not hook multiprocessing's exit", exc_info=True)


EXPORTER = Exporter()
