"""One bounded queue and one background writer for the traces this package records.

Policy:
- Traces are written in batches (up to ``BATCH_SIZE``, or whatever arrived within ``LINGER``); a
  batch is one transaction: each of its traces is in the store whole, or not at all.
- The queue holds at most ``queue_size`` traces and ``queue_bytes`` bytes of recorded content.
  When it is full and the store is keeping up, a call waits up to ``queue_wait`` seconds for room
  (a burst slows down instead of losing traces); after that, or at once while the store is
  failing or the writer is not running, the trace is dropped and counted.
- A batch that fails for a transient reason (connection refused, server 5xx, database locked) is
  retried with exponential backoff for up to ``RETRY_FOR`` seconds, then counted as failed. A
  batch the store rejects is split in halves until the rejected traces are found; those fail
  alone. An authentication error (401/403) is said once and the batch fails without retries.
- At interpreter exit (and on SIGTERM, see ``_signals``) the queue is written while the store
  makes progress: the wait gives up after ``exit_timeout`` seconds without progress (a store that
  is down or failing), and after ``exit_limit`` seconds in any case. What is left is counted as
  dropped and is absent from the store (a write still under way when the wait gives up is rolled
  back rather than committed behind the count's back).
- The writer survives anything raised inside it (``BaseException`` included); if its thread is
  gone all the same, the next trace starts a new one and the loss is said. No call waits on a
  writer that is not running.
- A forked child starts with an empty queue and a writer of its own (the parent exports what
  it recorded itself). A fork waits while the writer opens a store or is in a sqlite
  transaction (see ``fork_gate``), never on a store that is down.

Nothing is lost silently: every trace is counted as exported, dropped or failed, readable at any
time through ``autolog.stats()``, and drops and failures are logged as warnings with counts."""
from __future__ import annotations

import atexit
import collections
import contextlib
import dataclasses
import logging
import os
import random
import threading
import time
from typing import Any

from .fork_gate import GATE
from .store_errors import auth_failure, contended, transient

_logger = logging.getLogger("autolog")

# Bound once: an application (or its test suite) may patch time.monotonic; the writer's timing
# must not depend on that.
_now = time.monotonic
_perf = time.perf_counter

BATCH_SIZE = 500  # a commit costs about as much as writing 50 traces' rows: under load, batches grow
BATCH_BYTES = 32 * 1024 * 1024  # a batch is cut short of this much recorded content
LINGER = 1.0  # seconds the writer waits for a batch to fill: each commit costs ~0.5 ms of CPU (the journal, fsync)
RETRY_FOR = 60.0  # seconds a failing batch is retried before it counts as failed
FIRST_BACKOFF = 0.5
MAX_BACKOFF = 10.0
CONTENDED_BACKOFF = 0.1  # seconds (on average) before a write that found the sqlite file locked tries again
WARN_EVERY = 30.0  # seconds between two warnings about drops or failures
SYNC_BOUND = 10.0  # seconds a call waits for its trace when MLflow's async logging is off
SAY_EXIT_WAIT_AFTER = 1.0  # seconds of waiting at exit before the wait is announced
PAUSE_AFTER_FAULT = 0.1  # seconds the writer pauses after an internal fault, so a fault cannot spin


def _synchronous() -> bool:
    """MLFLOW_ENABLE_ASYNC_TRACE_LOGGING=false asks MLflow to store each trace before the call
    returns; the package honours it for its own traces."""
    return os.environ.get("MLFLOW_ENABLE_ASYNC_TRACE_LOGGING", "").strip().lower() in ("false", "0")


@dataclasses.dataclass
class ExportSettings:
    queue_size: int = 1000  # traces waiting to be written
    queue_bytes: int = 256 * 1024 * 1024  # recorded content waiting to be written
    queue_wait: float = 2.0  # seconds a call may wait for room in a full queue
    exit_timeout: float = 5.0  # seconds the exit waits without progress before it gives up
    exit_limit: float = 60.0  # seconds the exit waits at most


class _Unreported:
    """Drops and failures not yet said in a warning, and when each reason was last said."""

    def __init__(self) -> None:
        self.dropped = 0
        self.failed = 0
        self.said_at: dict[str, float] = {}


class _Retry:
    __slots__ = ("started", "backoff")

    def __init__(self) -> None:
        self.started = _now()
        self.backoff = FIRST_BACKOFF


class GiveUp(Exception):
    """Raised inside a sink's write when the exit stopped waiting: the write is rolled back."""


class _Replaced(Exception):
    """Raised in a writer thread that is no longer the exporter's writer: it stops."""


class Exporter:
    def __init__(self) -> None:
        self.settings = ExportSettings()
        self._reset()
        self._exit_hooked = False
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=self._after_fork_in_child)

    def _reset(self) -> None:
        # re-entrant: a signal handler may run the exit flush on a thread that holds the lock
        self._lock = threading.RLock()
        # held by a sink while it commits a batch, and by the exit before it stops the writing:
        # a batch is committed and counted as exported, or neither
        self._commit_lock = threading.Lock()
        self._work = threading.Condition(self._lock)  # the writer waits for traces
        self._room = threading.Condition(self._lock)  # callers wait for room in a full queue
        self._progress = threading.Condition(self._lock)  # flush() waits for the writer
        self._stopping = threading.Condition(self._lock)  # a backoff sleep ends early at exit
        self._queue: collections.deque = collections.deque()
        self._queued_bytes = 0
        self._writer_wants = 1  # queue length at which a submit wakes the writer
        self._flushing = 0
        self._closing = False  # the exit gave up: nothing more is written
        self._healthy = True
        self._thread: threading.Thread | None = None
        self._in_flight: list = []  # the batch the writer is writing
        self._accounted = 0  # traces of that batch already counted (exported or failed)
        self._busy: str | None = None  # a slow step that is progress (creating the store, ...)
        self._busy_stack: list[str] = []
        self._progress_at = _now()
        self._sinks: dict[str, Any] = {}
        self._opened: set[str] = set()  # stores written to at least once
        self._warm: set[str] = set()  # stores whose first write was prepared (see _warm_up)
        self._auth_reported: set[str] = set()
        self._enqueued = 0  # sequence numbers: flush() waits until done catches up
        self._done = 0
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
        size = record.size
        with self._lock:
            self.recorded += 1
            if self._closing:
                self._count_dropped(1, "exit", "the process was exiting")
                return
            self._ensure_writer()
            if self._full(size) and not self._wait_for_room(size):
                self._count_dropped(1, "queue", "the export queue was full")
                return
            self._queue.append(record)
            self._queued_bytes += size
            self._enqueued += 1
            if len(self._queue) >= self._writer_wants:
                self._work.notify()

    def _full(self, size: int) -> bool:
        settings = self.settings
        if not self._queue:
            return False  # one trace larger than the byte bound still goes
        return len(self._queue) >= settings.queue_size or self._queued_bytes + size > settings.queue_bytes

    def _wait_for_room(self, size: int) -> bool:
        """Back-pressure, only while the store keeps up: a failing store or a writer that is not
        running never slows calls."""
        if not self._healthy or threading.current_thread() is self._thread or not self._writer_alive():
            return False
        deadline = _now() + self.settings.queue_wait
        while self._full(size):
            remaining = deadline - _now()
            if remaining <= 0 or not self._healthy or self._closing or not self._writer_alive():
                return False
            self._room.wait(min(remaining, 1.0))
        return True

    def flush(self, timeout: float | None = None) -> bool:
        """Waits until every trace recorded before this call is written (or failed or dropped);
        False if ``timeout`` seconds pass first."""
        deadline = None if timeout is None else _now() + timeout
        with self._lock:
            target = self._enqueued
            if self._done >= target:
                return True
            self._flushing += 1
            self._work.notify()
            try:
                while self._done < target:
                    if not self._writer_alive():
                        self._ensure_writer()
                    remaining = None if deadline is None else deadline - _now()
                    if remaining is not None and remaining <= 0:
                        return False
                    self._progress.wait(1.0 if remaining is None else min(remaining, 1.0))
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

    def _writer_alive(self) -> bool:
        thread = self._thread
        return thread is not None and thread.is_alive()

    def _ensure_writer(self) -> None:
        """Called with the lock held: starts the writer, or a new one where the last one is gone."""
        thread = self._thread
        if thread is not None and thread.is_alive():
            return
        if thread is not None:  # it was running and is gone: what it held is lost
            lost = self._in_flight
            self._in_flight = []
            if lost:
                self.failed += len(lost)
                self._unreported.failed += len(lost)
                self._done += len(lost)
            _logger.warning("autolog: the export writer thread had stopped%s; a new one is started.",
                            f" holding {len(lost)} trace(s), which are lost" if lost else "")
            self._maybe_warn("writer", "the export writer had stopped", force=bool(lost))
        self._thread = threading.Thread(target=self._run, name="autolog-export", daemon=True)
        self._thread.start()
        self._work.notify_all()  # a writer this one replaces, should it still be waiting, stops
        if not self._exit_hooked:
            self._exit_hooked = True
            atexit.register(self.at_exit)

    def _take_batch(self) -> list:
        with self._lock:
            while True:
                self._check_still_writer()
                if self._queue:
                    break
                self._writer_wants = 1
                self._work.wait()
            deadline = _now() + LINGER
            while len(self._queue) < BATCH_SIZE and not self._flushing and not self._closing:
                remaining = deadline - _now()
                if remaining <= 0:
                    break
                self._writer_wants = BATCH_SIZE
                self._work.wait(remaining)
            self._writer_wants = BATCH_SIZE
            self._check_still_writer()
            batch, size = [], 0
            queue = self._queue
            while queue and len(batch) < BATCH_SIZE and (not batch or size + queue[0].size <= BATCH_BYTES):
                record = queue.popleft()
                size += record.size
                batch.append(record)
            self._queued_bytes -= size
            self._in_flight = batch
            self._accounted = 0
            self._room.notify_all()
            return batch

    def _check_still_writer(self) -> None:
        """One writer at a time: a thread that was replaced stops before it takes anything."""
        if threading.current_thread() is not self._thread:
            self._work.notify()  # a wake-up meant for the writer that replaced this one
            raise _Replaced()

    def _run(self) -> None:
        while True:
            fault = None
            try:
                try:
                    batch = self._take_batch()
                except _Replaced:
                    return
                try:
                    self._write(batch)
                except BaseException as error:  # noqa: B902 - the writer outlives anything raised in it
                    fault = error
                self._batch_done(batch, fault)
            except BaseException as error:  # noqa: B902
                self._batch_done(self._in_flight, error)

    def _batch_done(self, batch: list, fault: BaseException | None) -> None:
        """Counts what the batch's writing did not count (a fault inside the writer) as failed."""
        try:
            with self._lock:
                if self._closing or batch is not self._in_flight:  # the exit or a restart counted it
                    return
                unaccounted = len(batch) - self._accounted
                self._in_flight = []
                self._done += len(batch)
                self._progress_at = _now()
                if unaccounted > 0:
                    self._count_failed(unaccounted, "internal",
                                       f"an internal error in the export writer: {type(fault).__name__}: {fault}")
                self._progress.notify_all()
                if fault is not None:
                    _logger.debug("autolog: the export writer failed on a batch", exc_info=fault)
                    self._stopping.wait(PAUSE_AFTER_FAULT)  # a fault that repeats cannot spin
        except BaseException:  # noqa: B902
            pass

    def _write(self, batch: list) -> None:
        # the first write to a store (opening it, MLflow's imports, the experiment lookup) takes
        # seconds on a busy machine, and counts as progress at exit
        opening = any(record.tracking_uri not in self._opened for record in batch)
        if opening:
            self.busy("opening the store")
        try:
            self._write_batch(batch)
        finally:
            if opening:
                self.busy(None)

    def _write_batch(self, batch: list) -> None:
        for uri in {record.tracking_uri for record in batch} - self._warm:
            with GATE.work():
                self._warm_up(uri)
        groups: dict[tuple[str, str], list] = {}
        for record in batch:
            if not isinstance(record.experiment_id, str):
                with _fork_gate_for(record.tracking_uri):
                    if not self._resolve_experiment(record):
                        continue
            self._price(record)
            groups.setdefault((record.tracking_uri, record.experiment_id), []).append(record)
        for (uri, experiment_id), records in groups.items():
            with _fork_gate_for(uri):
                self._write_group(uri, experiment_id, records)

    def _warm_up(self, uri: str) -> None:
        """The first write to a store imports what writing to it takes, creates the store if it
        does not exist yet and reads the price catalog: work a fork must not cut in half (see
        ``fork_gate``), done before anything waits on the store. A failure here is retried by
        the write itself."""
        self._warm.add(uri)
        try:
            from .._mlflow import experiments  # noqa: F401
            from .prices import PRICES

            self._sink(uri)
            if not PRICES.loaded:
                self._price_catalog(PRICES)
        except Exception:
            _logger.debug("autolog: could not open %s yet", uri, exc_info=True)

    def _resolve_experiment(self, record) -> bool:
        """The default experiment, looked up here rather than on the caller's thread."""
        from .._mlflow.experiments import resolve

        retry = _Retry()
        while True:
            try:
                self._prepare_store(record.tracking_uri)
                record.experiment_id = resolve(record.experiment_id)
                return True
            except GiveUp:
                return False
            except Exception as error:
                if not transient(error) or not self._wait_to_retry(retry, error):
                    self._count_failed(1, "experiment", f"its experiment could not be looked up: "
                                                        f"{type(error).__name__}: {error}")
                    return False

    def _price(self, record) -> None:
        """The cost of each span with a model and token usage, from the price catalog (see
        ``prices``); loading the catalog the first time counts as progress at exit."""
        from .prices import PRICES

        try:
            if not PRICES.loaded:
                self._price_catalog(PRICES)
            for span in record.spans():
                PRICES.price(span.attributes, span.start_ns)
        except Exception:
            _logger.debug("autolog: could not price trace %s", record.trace_id, exc_info=True)

    def _price_catalog(self, prices) -> None:
        self.busy("loading price data")
        try:
            prices.load()
        finally:
            self.busy(None)

    def _prepare_store(self, uri: str) -> None:
        """A store that does not exist yet is created before anything of MLflow's touches it."""
        from .store_setup import ensure_store

        ensure_store(uri, self.busy)

    def busy(self, what: str | None) -> None:
        """The writer is in a slow step that counts as progress at exit (creating or opening the
        store, loading price data), or (None) no longer; steps nest (the innermost is said)."""
        with self._lock:
            if what is not None:
                self._busy_stack.append(what)
            elif self._busy_stack:
                self._busy_stack.pop()
            self._busy = self._busy_stack[-1] if self._busy_stack else None
            self._progress_at = _now()

    def _sink(self, uri: str):
        sink = self._sinks.get(uri)
        if sink is None:
            from .sinks import sink_for

            self._prepare_store(uri)
            sink = self._sinks[uri] = sink_for(uri, self)
        return sink

    def _write_group(self, uri: str, experiment_id: str, records: list) -> None:
        retry = _Retry()
        while True:
            try:
                self._sink(uri).write(experiment_id, records)
            except GiveUp:
                return
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
                    self._count_failed(1, "rejected", f"{uri} rejected it: {type(error).__name__}: {error}")
                    return
                _logger.debug("autolog: writing to %s failed", uri, exc_info=True)
                if not self._wait_to_retry(retry, error):
                    self._count_failed(len(records), "unreachable",
                                       f"{uri} could not be reached: {type(error).__name__}: {error}")
                    return
                continue
            with self._lock:
                self._healthy = True
                self._progress_at = _now()
                self._opened.add(uri)
            return

    @contextlib.contextmanager
    def committing(self, n: int):
        """Around a sink's commit of ``n`` traces: raises GiveUp (the sink rolls back) once the
        exit has stopped waiting; counts them as exported when the commit returns."""
        with self._commit_lock:
            if self._closing:
                raise GiveUp()
            yield
            with self._lock:
                self.exported += n
                self._accounted += n

    def _wait_to_retry(self, retry: "_Retry", error: BaseException | None = None) -> bool:
        """After a transient failure: marks the store as failing and waits the next backoff;
        False when the retries are over (the exit gave up, or RETRY_FOR seconds since the first
        try). A sqlite file locked by another process's write is no failure: this write tries
        again shortly (whether that counts as progress at exit is the store's to say, see
        ``_store_moved``)."""
        locked = error is not None and contended(error)
        with GATE.stepped_out(), self._lock:  # nothing is open while the writer waits: a fork need not wait
            if not locked:
                self._healthy = False
                self._busy = None  # waiting on a failing store is not progress
                self._busy_stack.clear()
                self._room.notify_all()  # callers waiting for room stop waiting on a failing store
            if self._closing or _now() - retry.started > RETRY_FOR:
                return False
            self._stopping.wait(CONTENDED_BACKOFF * (0.5 + random.random()) if locked else retry.backoff)
            if self._closing:
                return False
        if not locked:
            retry.backoff = min(retry.backoff * 2, MAX_BACKOFF)
        return True

    # -- counting and telling -------------------------------------------------------------------

    def _count_dropped(self, n: int, reason: str, why: str) -> None:
        with self._lock:
            self.dropped += n
            self._unreported.dropped += n
            self._maybe_warn(reason, why)

    def _count_failed(self, n: int, reason: str, why: str) -> None:
        with self._lock:
            if self._closing:  # counted as dropped by the exit
                return
            self._accounted += n
            self.failed += n
            self._unreported.failed += n
            self._maybe_warn(reason, why)

    def _maybe_warn(self, reason: str, why: str, force: bool = False) -> None:
        """At most one warning per reason every WARN_EVERY seconds, each with the running totals."""
        pending = self._unreported
        now = _now()
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

    def at_exit(self) -> None:
        """Writes what is queued while the store makes progress (see the module's policy), then
        counts what is left as dropped. Runs at interpreter exit and from the SIGTERM handler."""
        try:
            self._drain_for_exit()
        except BaseException:  # noqa: B902 - an exit handler must not raise
            _logger.debug("autolog: the exit flush failed", exc_info=True)

    def _drain_for_exit(self) -> None:
        settings = self.settings
        started = _now()
        said = False
        with self._lock:
            if self._closing:
                return
            target = self._enqueued
            self._flushing += 1
            self._work.notify()
            self._progress_at = max(self._progress_at, started)
            try:
                while self._done < target:
                    now = _now()
                    if not self._writer_alive():
                        self._ensure_writer()
                    if self._store_moved():
                        self._progress_at = now
                    stalled = self._busy is None and now - self._progress_at >= settings.exit_timeout
                    if stalled or now - started >= settings.exit_limit:
                        break
                    if not said and now - started >= SAY_EXIT_WAIT_AFTER:
                        said = True
                        _logger.warning(
                            "autolog: writing %d trace(s) to the store before the process exits (%s; at most "
                            "%gs, see autolog.autolog(exit_timeout=..., exit_limit=...)).",
                            target - self._done, self._busy or "the store is taking them", settings.exit_limit)
                    self._progress.wait(0.1)
            finally:
                self._flushing -= 1
        # a commit under way finishes (and is counted) before the writing stops
        locked = self._commit_lock.acquire(timeout=max(1.0, settings.exit_limit - (_now() - started)))
        try:
            with self._lock:
                self._close_and_count(started)
        finally:
            if locked:
                self._commit_lock.release()

    def _store_moved(self) -> bool:
        """Whether a store this process writes to was written to since the last time asked (by
        any process): where several processes share one sqlite file, a write waiting its turn
        behind the others' is progress, not a stalled store."""
        moved = False
        for sink in list(self._sinks.values()):
            try:
                moved = sink.moved() or moved
            except Exception:
                _logger.debug("autolog: could not tell whether the store moved", exc_info=True)
        return moved

    def _close_and_count(self, started: float) -> None:
        """Called with the lock held: nothing more is written; what is left is counted as dropped."""
        if self._closing:
            return
        self._closing = True
        left = self._enqueued - self._done - (self._accounted if self._in_flight else 0)
        self._queue.clear()
        self._queued_bytes = 0
        self._done = self._enqueued
        self._in_flight = []
        self._accounted = 0
        self._stopping.notify_all()
        self._room.notify_all()
        self._progress.notify_all()
        if left:
            if not self._healthy:
                why = "the store could not be reached"
            elif self._busy:
                why = f"the writer was still {self._busy}"
            else:
                why = "the store was still writing"
            self._count_dropped(left, "exit", f"the process exited before they were stored: {why} "
                                              f"(waited {_now() - started:.1f}s)")
        self._maybe_warn("exit", "at exit: the count since the last warning", force=True)
        if self._busy:
            from .store_setup import abandon

            abandon()

    def _after_fork_in_child(self) -> None:
        sinks = self._sinks
        settings = self.settings
        self._reset()
        self.settings = settings
        for sink in sinks.values():
            try:
                sink.after_fork()
            except Exception:
                _logger.debug("autolog: could not reset a store after fork", exc_info=True)
        _hook_multiprocessing_exit(self)


def _fork_gate_for(uri: str):
    """Reading or writing a sqlite file is work a fork must wait for; a server's answer is not."""
    return GATE.work() if uri.startswith("sqlite:") else contextlib.nullcontext()


def _hook_multiprocessing_exit(exporter: Exporter) -> None:
    """A multiprocessing child ends with os._exit(), which skips atexit; multiprocessing's own
    exit finalizers still run. They are registered from its after-fork hooks, which run after
    it clears the finalizers inherited from the parent."""
    import sys

    if "multiprocessing" not in sys.modules:
        return
    try:
        from multiprocessing import util

        util.register_after_fork(exporter, lambda e: util.Finalize(e, e.at_exit, exitpriority=100))
    except Exception:
        _logger.debug("autolog: could not hook multiprocessing's exit", exc_info=True)


EXPORTER = Exporter()
